#!/usr/bin/env bash
# Help that works (issue 11, item 9): `COMMAND --help` for every command of the
# table (read from `checkpoint --help`, so a new command is covered without
# editing this test) exits 0 with a usage line, its options and the exit codes,
# also when the command has required options; `--version` is meson's version.
# usage: help_cli_test.sh CHECKPOINT_BINARY PROJECT_VERSION
set -u
cp_bin=$(realpath "$1")
want_version=$2
source "$(dirname "$0")/lib.sh"

expect_out 0 "^usage: checkpoint COMMAND" -- "$cp_bin" --help
expect_out 0 "^usage: checkpoint COMMAND" -- "$cp_bin" help
expect_out 2 "^usage: checkpoint COMMAND" -- "$cp_bin"
"$cp_bin" --help >"$work/main.txt" 2>&1
# Command lines: two spaces, the name (one or two words), two or more spaces, a summary.
sed -n '/^commands:/,/^$/p' "$work/main.txt" | sed -n 's/^  \([a-z]\+\( [a-z]\+\)\?\)  \+.*/\1/p' >"$work/commands"
n=$(wc -l <"$work/commands")
[ "$n" -ge 12 ] || fail "checkpoint --help lists $n commands: $(cat "$work/main.txt")"
grep -q '^exit codes:' "$work/main.txt" || fail "checkpoint --help has no exit codes"

while read -r cmd; do
  # shellcheck disable=SC2086  # two-word commands split into two arguments
  for form in "$cmd --help" "$cmd -h" "help $cmd" "$cmd --db /nonexistent --help"; do
    "$cp_bin" $form >"$work/out" 2>"$work/err"
    code=$?
    [ "$code" = 0 ] || { fail "$form -> exit $code: $(head -c 300 "$work/err")"; continue; }
    [ -s "$work/err" ] && fail "$form wrote to stderr: $(head -c 300 "$work/err")"
    grep -q "^usage: checkpoint $cmd\( \|$\)" "$work/out" || fail "$form: no usage line: $(head -3 "$work/out")"
    grep -q '^options:' "$work/out" || fail "$form: no options section"
    grep -q -- '--help' "$work/out" || fail "$form: --help not listed"
    for code_line in 0 1 2 3 75 130; do
      sed -n '/^exit codes:/,$p' "$work/out" | grep -q "^  $code_line " ||
        fail "$form: exit code $code_line not explained"
    done
    # Every option line says its default (or that it is required).
    awk '/^options:/ {on=1; next} /^$/ {on=0} on && /^  --/ && !/default|required/ && !/--help/' \
      "$work/out" >"$work/nodefault"
    [ -s "$work/nodefault" ] && fail "$form: options without a default: $(cat "$work/nodefault")"
  done
done <"$work/commands"

# Positionals in the usage line (DESIGN §10).
expect_out 0 "^usage: checkpoint verify SOURCE… \[options\]" -- "$cp_bin" verify --help
expect_out 0 "^usage: checkpoint restore SOURCE… --db DIR" -- "$cp_bin" restore --help
expect_out 0 "^usage: checkpoint list STORE" -- "$cp_bin" list --help
expect_out 0 "^usage: checkpoint create --db DIR" -- "$cp_bin" create --help
expect_out 0 "chunk-size SIZE.*default: 8MiB" -- "$cp_bin" create --help
# The error for a missing required option still points at help, which now works.
expect 2 "see 'checkpoint create --help'" -- "$cp_bin" create --out "$work/store" --height 1
expect 2 "unknown command 'nope'" -- "$cp_bin" help nope

expect_out 0 "" -- "$cp_bin" --version
[ "$(cat "$work/out")" = "checkpoint $want_version" ] ||
  fail "--version printed '$(cat "$work/out")', meson.build says $want_version"

finish
