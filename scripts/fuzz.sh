#!/usr/bin/env bash
# Longer fuzzing than CI's 20 s a target: scripts/fuzz.sh [SECONDS] [TARGET...]
# Builds the libFuzzer targets with clang++ 14 and ASan+UBSan (build-fuzz/),
# runs each for SECONDS (default 600) growing its corpus in fuzz/corpus/, and
# keeps crashing inputs in build-fuzz/crashes/. After a fix, add the crash
# input to fuzz/corpus/TARGET/ so the replay tests guard it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=${*:-chunk_file chunk_proof manifest write_log node_record}
scripts/install-deps.sh >/dev/null
[ -d build-fuzz ] || CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
  -Db_sanitize=address,undefined -Db_lundef=false -Dtests=false -Dtools=false -Dbench=false >/dev/null
ninja -C build-fuzz >/dev/null
mkdir -p build-fuzz/crashes
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in $targets; do
  echo "== $t for $seconds s"
  "build-fuzz/fuzz/${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="build-fuzz/crashes/$t-" "fuzz/corpus/$t"
done
