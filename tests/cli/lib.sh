# Shared by the CLI tests: a scratch directory, failure counting, and expect.
# Source it after setting nothing; it sets `work` and `failures`.
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect CODE PATTERN -- command...: the exit code, and (when PATTERN is not
# empty) stderr is one line "checkpoint: …PATTERN…". Output in $work/out, $work/err.
expect() {
  local want=$1 pattern=$2
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || { fail "$* -> exit $got, want $want ($(head -c 300 "$work/err"))"; return; }
  if [ -n "$pattern" ] && { [ "$(wc -l <"$work/err")" != 1 ] || ! grep -q -- "^checkpoint: .*$pattern" "$work/err"; }; then
    fail "$* -> stderr '$(cat "$work/err")' does not match '$pattern'"
  fi
}

# expect_out CODE PATTERN -- command...: the exit code, and PATTERN anywhere in
# stdout or stderr.
expect_out() {
  local want=$1 pattern=$2
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || { fail "$* -> exit $got, want $want ($(head -c 300 "$work/err"))"; return; }
  if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/err" "$work/out"; then
    fail "$* -> output lacks '$pattern': $(cat "$work/err" "$work/out" | head -c 300)"
  fi
}

finish() {
  echo "$failures failures"
  [ "$failures" = 0 ]
}

# hold_lock KIND FILE: a helper process takes FILE's lock (KIND flock, as the
# store lock; or fcntl, as RocksDB's LOCK) and keeps it until killed. Prints
# its pid once the lock is held (a condition, not a guessed delay).
hold_lock() {
  local kind=$1 file=$2 ready
  ready=$(mktemp -u "$work/ready.XXXXXX")
  python3 -c '
import fcntl, sys, time
f = open(sys.argv[2], "a+")
(fcntl.flock if sys.argv[1] == "flock" else fcntl.lockf)(f, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
time.sleep(3600)' "$kind" "$file" "$ready" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 4000); do
    [ -e "$ready" ] && { echo "$pid"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.005
  done
  return 1
}

# release_lock PID: ends a hold_lock helper.
release_lock() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# json_ok FILE: FILE is one valid JSON document.
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1], "rb"))' "$1" 2>/dev/null; }
