#!/usr/bin/env bash
# Installs what is needed, builds with warnings as errors (g++, and the library
# and unit tests with clang++ 14 too), runs every test, and ends with the line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
passed=0
failed=0

build() {  # build DIR [meson options...]
  local dir=$1; shift
  if [ ! -d "$dir" ]; then
    meson setup "$dir" --werror --buildtype=debugoptimized "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" -j "$jobs"
}

run_suite() {  # run_suite DIR [meson test args...]
  local dir=$1; shift
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@" | tee "$dir/test.out"
  local ok fail skip timeout
  ok=$(awk '/^Ok:/ {print $2}' "$dir/test.out")
  fail=$(awk '/^Fail:/ {print $2}' "$dir/test.out")
  timeout=$(awk '/^Timeout:/ {print $2}' "$dir/test.out")
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${fail:-0} + ${timeout:-0}))
}

if build build-test; then
  run_suite build-test
else
  failed=$((failed + 1))
fi

# clang++ 14 must compile the whole project too (the fuzzers and sanitizers need it).
if CXX=clang++ build build-test-clang; then
  run_suite build-test-clang --suite unit
else
  echo "clang++ build failed"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
