#!/usr/bin/env bash
# Installs what is needed and runs every test, ending with "N passed, N failed":
#   1. g++, warnings as errors: every suite (unit, integration, fuzz corpora);
#   2. clang++ 14 with ASan+UBSan: unit tests, fuzz corpora, a small integration set;
#   3. clang++ 14 libFuzzer builds: each fuzz target for FUZZ_SECONDS (default 20) on a
#      copy of its corpus; a crash fails and its input is kept under build-fuzz/crashes/;
#   4. the benchmark harnesses (bench/run.sh, bench/delta.sh) once on small workloads (their
#      numbers are not asserted);
#   5. the installed package: `meson install --destdir`, examples/embed built with pkg-config
#      from there and run (scripts/check-install.sh);
#   6. formatting: every tracked .cc/.h is as clang-format (.clang-format) writes it.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
passed=0
failed=0
fuzz_seconds=${FUZZ_SECONDS:-20}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

setup() {  # setup DIR [meson options...]: configure once, then build
  local dir=$1; shift
  if [ ! -d "$dir" ]; then
    meson setup "$dir" --werror --buildtype=debugoptimized "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" -j "$jobs"
}

count() {  # count DIR: add a meson test run's results
  local ok fail timeout
  ok=$(awk '/^Ok:/ {print $2}' "$1/test.out")
  fail=$(awk '/^Fail:/ {print $2}' "$1/test.out")
  timeout=$(awk '/^Timeout:/ {print $2}' "$1/test.out")
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${fail:-0} + ${timeout:-0}))
  [ -n "$ok" ] || failed=$((failed + 1))  # meson itself failed
}

echo "== 1. g++: all suites"
if setup build-test; then
  meson test -C build-test --num-processes "$jobs" --print-errorlogs | tee build-test/test.out
  count build-test
else
  failed=$((failed + 1))
fi

echo "== 2. clang++ ASan+UBSan"
if CXX=clang++ setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false; then
  # Suites and test names cannot be mixed in one meson call.
  meson test -C build-asan --num-processes "$jobs" --print-errorlogs \
    --suite unit --suite fuzzing | tee build-asan/test.out
  count build-asan
  meson test -C build-asan --num-processes "$jobs" --print-errorlogs \
    rocksdb store crash-rocksdb net-mirrors swarm | tee build-asan/test.out
  count build-asan
else
  failed=$((failed + 1))
fi

echo "== 3. libFuzzer, $fuzz_seconds s a target"
if CXX=clang++ setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
     -Dtests=false -Dtools=false -Dbench=false; then
  mkdir -p build-fuzz/crashes
  for target in chunk_file chunk_proof manifest write_log node_record chunk_oracle minisign delta_chunk; do
    rm -rf "build-fuzz/corpus-$target" && cp -r "fuzz/corpus/$target" "build-fuzz/corpus-$target"
    if "build-fuzz/fuzz/${target}_fuzzer" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
         -artifact_prefix="build-fuzz/crashes/$target-" "build-fuzz/corpus-$target" >"build-fuzz/$target.log" 2>&1; then
      echo "fuzz $target: ok ($(grep -o 'Done [0-9]* runs' "build-fuzz/$target.log"))"
      passed=$((passed + 1))
    else
      echo "fuzz $target: FAILED"; tail -30 "build-fuzz/$target.log"
      failed=$((failed + 1))
    fi
  done
else
  failed=$((failed + 1))
fi

echo "== 4. benchmark harness, small workload"
if bench/run.sh --quick --build build-test --out build-test/bench-quick.md >build-test/bench.log 2>&1; then
  echo "bench --quick: ok"; passed=$((passed + 1))
else
  echo "bench --quick: FAILED"; tail -20 build-test/bench.log; failed=$((failed + 1))
fi
if bench/delta.sh --quick --runs 1 --build build-test --out build-test/bench-delta-quick.md \
     >build-test/bench-delta.log 2>&1; then
  echo "bench/delta.sh --quick: ok"; passed=$((passed + 1))
else
  echo "bench/delta.sh --quick: FAILED"; tail -20 build-test/bench-delta.log; failed=$((failed + 1))
fi

echo "== 5. installed package: headers, checkpoint.pc, examples/embed"
if scripts/check-install.sh build-test build-test/check-install >build-test/check-install.log 2>&1; then
  tail -1 build-test/check-install.log; passed=$((passed + 1))
else
  echo "check-install: FAILED"; tail -20 build-test/check-install.log; failed=$((failed + 1))
fi

echo "== 6. clang-format"
unformatted=$(git ls-files -- '*.cc' '*.h' | xargs clang-format --dry-run --Werror 2>&1 | grep -c 'error:')
if [ "$unformatted" -eq 0 ]; then
  echo "clang-format: ok"; passed=$((passed + 1))
else
  echo "clang-format: $unformatted places unformatted (run: git ls-files '*.cc' '*.h' | xargs clang-format -i)"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
