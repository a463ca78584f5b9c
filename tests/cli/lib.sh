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
