#!/usr/bin/env bash
# The state commands as a user runs them: round trips, and bad inputs giving a
# one-line error, the right exit code, and nothing written.
# usage: state_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
source "$(dirname "$0")/lib.sh"

db=$work/db
printf 'put 6b31 7631\nput 6B32 76_bad\n' >"$work/bad.log"
expect 1 "line 2: value is not hex" -- "$cp_bin" state apply --db "$db" --height 1 "$work/bad.log"
[ -e "$db" ] && fail "a malformed write log created the database"

printf '# comment\r\n\r\nput 6b31 7631\r\nput 6B32\ndel 6b33\nput 6b31 7632\n' >"$work/good.log"
expect 0 "" -- "$cp_bin" state apply --db "$db" --height 5 "$work/good.log"
grep -q '^height 5 root [0-9a-f]\{64\} keys 2$' "$work/out" || fail "apply output: $(cat "$work/out")"
"$cp_bin" state dump --db "$db" --height 5 >"$work/dump"
printf 'put 6b31 7632\nput 6b32\n' | cmp -s - "$work/dump" || fail "dump: $(cat "$work/dump")"

expect 1 "not above the latest height 5" -- "$cp_bin" state apply --db "$db" --height 5 "$work/good.log"
expect 1 "not above the latest height 5" -- "$cp_bin" state apply --db "$db" --height 3 "$work/good.log"
expect 1 "line 1: unknown operation 'set'" -- sh -c "echo 'set 00 00' | '$cp_bin' state apply --db '$db' --height 6"
expect 1 "line 1: missing key" -- sh -c "echo 'put' | '$cp_bin' state apply --db '$db' --height 6 -"
expect 1 "line 1: key is not hex" -- sh -c "echo 'del abc' | '$cp_bin' state apply --db '$db' --height 6"
expect 1 "line 2: too many fields" -- sh -c "printf 'put 00\nput 00 11 22\n' | '$cp_bin' state apply --db '$db' --height 6"
long_key=$(head -c 8192 /dev/zero | od -An -v -tx1 | tr -d ' \n')
echo "put $long_key 00" >"$work/long.log"
expect 1 "line 1: key is longer than 8191 bytes" -- "$cp_bin" state apply --db "$db" --height 6 "$work/long.log"
"$cp_bin" state info --db "$db" --json >"$work/info" || fail "info"
grep -q '"heights":\[{"height":5,' "$work/info" || fail "nothing may be applied by failed runs: $(cat "$work/info")"

expect 2 "missing --height" -- "$cp_bin" state apply --db "$db" "$work/good.log"
expect 2 "--height takes a whole number, not '-1'" -- "$cp_bin" state dump --db "$db" --height -1
expect 2 "--height takes a whole number, not '1x'" -- "$cp_bin" state dump --db "$db" --height 1x
expect 2 "unrecognised option" -- "$cp_bin" state dump --db "$db" --height 5 --bogus
expect 2 "did you mean 'state dump'" -- "$cp_bin" state dupm --db "$db"
expect 2 "--hash must be sha256 or sha512_256" -- "$cp_bin" state apply --db "$work/new" --height 1 --hash md5 "$work/good.log"
expect 1 "uses sha256, not sha512_256" -- "$cp_bin" state apply --db "$db" --height 9 --hash sha512_256 "$work/good.log"
expect 1 "no height 4" -- "$cp_bin" state dump --db "$db" --height 4
expect 1 "no database at $work/missing" -- "$cp_bin" state info --db "$work/missing"
[ -e "$work/missing" ] && fail "state info created a database"
expect 1 "no database at" -- "$cp_bin" state dump --db "$work/missing" --height 1
expect 1 "no database at" -- "$cp_bin" state prune --db "$work/missing" --below 1
mkdir "$work/notdb" && echo hi >"$work/notdb/file"
expect 1 "not a state database" -- "$cp_bin" state info --db "$work/notdb"
expect 1 "is not empty and not a state database" -- "$cp_bin" state apply --db "$work/notdb" --height 1 "$work/good.log"

# A generated state: dump → apply on a fresh database reproduces every root;
# prune drops old heights with a clear error for them.
"$gen_bin" --db "$work/gen" --keys 3000 --heights 3 --churn 0.05 --seed 7 >"$work/gen.out" 2>/dev/null || fail "gen-state"
"$gen_bin" --db "$work/gen2" --keys 3000 --heights 3 --churn 0.05 --seed 7 >"$work/gen2.out" 2>/dev/null || fail "gen-state again"
cmp -s "$work/gen.out" "$work/gen2.out" || fail "gen-state is not deterministic"
for h in 1 3; do
  "$cp_bin" state dump --db "$work/gen" --height $h >"$work/d$h"
  "$cp_bin" state apply --db "$work/copy$h" --height 42 "$work/d$h" >"$work/a$h"
  want=$(grep "^height $h " "$work/gen.out" | awk '{print $4}')
  got=$(awk '{print $4}' "$work/a$h")
  [ "$want" = "$got" ] || fail "dump|apply of height $h: root $got, want $want"
done
# gen-state's write logs (the node-commit baseline of bench/delta.sh): height
# 1's dump, then heights 2 and 3 committed from the logs, give gen-state's roots.
mkdir "$work/logs"
"$gen_bin" --write-logs "$work/logs" --keys 3000 --heights 3 --churn 0.05 --seed 7 2>/dev/null || fail "gen-state --write-logs"
[ -e "$work/logs/1.log" ] && fail "gen-state wrote a log for height 1"
"$cp_bin" state apply --db "$work/replay" --height 1 "$work/d1" >/dev/null || fail "apply height 1"
for h in 2 3; do
  "$cp_bin" state apply --db "$work/replay" --height $h "$work/logs/$h.log" >"$work/l$h" || fail "apply $h.log"
  want=$(grep "^height $h " "$work/gen.out" | awk '{print $4}')
  [ "$(awk '{print $4}' "$work/l$h")" = "$want" ] || fail "write log of height $h: $(cat "$work/l$h"), want root $want"
done
expect 0 "" -- "$cp_bin" state prune --db "$work/gen" --below 3
expect 1 "height 2 was pruned" -- "$cp_bin" state dump --db "$work/gen" --height 2
expect 1 "the latest height 3 must stay" -- "$cp_bin" state prune --db "$work/gen" --below 4
"$cp_bin" state dump --db "$work/gen" --height 3 | cmp -s - "$work/d3" || fail "height 3 changed by prune"
# A closed pipe is not an error.
"$cp_bin" state dump --db "$work/gen" --height 3 | head -1 >/dev/null
[ "${PIPESTATUS[0]}" = 0 ] || fail "dump | head exited ${PIPESTATUS[0]}"

finish
