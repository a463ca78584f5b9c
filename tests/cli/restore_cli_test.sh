#!/usr/bin/env bash
# verify and restore from the command line: trust anchors, exit codes, JSON,
# refusing occupied destinations, and real SIGKILLs mid-restore.
# usage: restore_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
source "$(dirname "$0")/lib.sh"

"$gen_bin" --db "$work/src" --keys 60000 --heights 2 --churn 0.05 --seed 9 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 2 ' "$work/gen.out" | awk '{print $4}')
root1=$(grep '^height 1 ' "$work/gen.out" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 2 --chunk-size 16KiB | tail -1)
id=$(sha256sum "$ckpt/manifest.json" | cut -c1-64)
"$cp_bin" state dump --db "$work/src" --height 2 >"$work/want.dump"

expect_out 0 "self-consistency only" -- "$cp_bin" verify "$ckpt"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --root "$root" --threads 1
[ -s "$work/err" ] && fail "verify --root printed to stderr: $(cat "$work/err")"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --id "$id" --height 2 --json
grep -q '"ok":true' "$work/out" || fail "verify --json: $(cat "$work/out")"
expect_out 3 "verification failed" -- "$cp_bin" verify "$ckpt" --root "$root1"
expect_out 3 "verification failed" -- "$cp_bin" verify "$ckpt" --root "$root" --height 1
expect_out 2 "takes 64 hex digits" -- "$cp_bin" verify "$ckpt" --root abc
expect_out 1 "no checkpoint at" -- "$cp_bin" verify "$work/nothing" --root "$root"

cp -r "$ckpt" "$work/bad"
printf 'x' | dd of="$work/bad/chunks/00000002.chunk" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_out 3 "" -- "$cp_bin" verify "$work/bad" --root "$root" --json
grep -q '"chunk":2,"class":"corrupt"' "$work/out" || grep -q '"class":"corrupt"' "$work/out" || fail "no corrupt class: $(cat "$work/out")"
expect_out 3 "verification failed" -- "$cp_bin" restore "$work/bad" --db "$work/baddb" --root "$root"
grep -q '^chunk 2: corrupt' "$work/out" || fail "restore did not name chunk 2: $(cat "$work/out")"
"$cp_bin" state info --db "$work/baddb" --json | grep -q '"heights":\[\]' || fail "a failed restore left a visible height"

expect_out 2 "needs a trust anchor" -- "$cp_bin" restore "$ckpt" --db "$work/r0"
[ -e "$work/r0" ] && fail "a refused restore created the database"
expect_out 0 "" -- "$cp_bin" restore "$ckpt" --db "$work/r1" --trust-manifest --json
grep -q "\"root\":\"$root\"" "$work/out" || fail "restore --json: $(cat "$work/out")"
"$cp_bin" state dump --db "$work/r1" --height 2 | cmp -s - "$work/want.dump" || fail "restored dump differs"
expect_out 1 "holds other state" -- "$cp_bin" restore "$ckpt" --db "$work/src" --root "$root"

# --force on a database with committed state and a bad checkpoint: the whole
# checkpoint is checked before anything is cleared, so nothing is lost.
"$gen_bin" --db "$work/live" --keys 500 --seed 3 >/dev/null 2>&1 || fail "gen-state live"
"$cp_bin" state dump --db "$work/live" --height 1 >"$work/live.dump"
expect_out 3 "before --force cleared anything" -- "$cp_bin" restore "$work/bad" --db "$work/live" --root "$root" --force
grep -q '^chunk 2: corrupt' "$work/out" || fail "--force pre-check did not name chunk 2: $(cat "$work/out")"
"$cp_bin" state dump --db "$work/live" --height 1 | cmp -s - "$work/live.dump" || fail "--force with a bad checkpoint lost committed state"

# The reserved height 2^64-1 is refused in the manifest, even under --root alone
# (chunks do not depend on the height): a restore there could never advance.
cp -r "$ckpt" "$work/hmax"
sed -i 's/"height":2,/"height":18446744073709551615,/' "$work/hmax/manifest.json"
expect_out 3 "height 2^64-1 is reserved" -- "$cp_bin" verify "$work/hmax" --root "$root"
expect 3 "height 2\^64-1 is reserved" -- "$cp_bin" restore "$work/hmax" --db "$work/hdb" --root "$root"
expect_out 0 "" -- "$cp_bin" restore "$ckpt" --db "$work/r1" --root "$root" --force
expect_out 3 "" -- "$cp_bin" restore "$ckpt" --db "$work/r2" --root "$root1"
# A manifest contradicting an anchor is a problem with a class (exit 3), found
# before the database is opened: nothing is created.
expect 3 "manifest root .* is not the trusted root $root1" -- "$cp_bin" restore "$ckpt" --db "$work/r3" --root "$root1"
expect 3 "manifest height 2 is not 1" -- "$cp_bin" restore "$ckpt" --db "$work/r3" --root "$root" --height 1
expect 3 "is not the trusted id" -- "$cp_bin" restore "$ckpt" --db "$work/r3" --id "$root"
[ -e "$work/r3" ] && fail "a restore refused on its manifest created the database"
# ... and with --force over live state, the pre-check names the manifest and clears nothing.
expect_out 3 "before --force cleared anything" -- "$cp_bin" restore "$ckpt" --db "$work/live" --root "$root1" --force
grep -q '^manifest: invalid: manifest root' "$work/out" || fail "--force pre-check did not name the manifest: $(cat "$work/out")"
"$cp_bin" state dump --db "$work/live" --height 1 | cmp -s - "$work/live.dump" || fail "--force with a contradicted manifest lost committed state"

# Real kills at random moments (fault injection, not synchronisation): each
# rerun must finish with the same state.
for round in 1 2 3; do
  rm -rf "$work/k"
  "$cp_bin" restore "$ckpt" --db "$work/k" --root "$root" --threads 2 >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$cp_bin" restore "$ckpt" --db "$work/k" --root "$root" >"$work/out" 2>"$work/err" || fail "rerun after kill: $(cat "$work/err")"
  "$cp_bin" state dump --db "$work/k" --height 2 | cmp -s - "$work/want.dump" || fail "state after kill + rerun differs"
  # ... and the restored database checkpoints to the very same bytes.
  again=$("$cp_bin" create --db "$work/k" --out "$work/store-k$round" --height 2 --chunk-size 16KiB | tail -1)
  [ "$(basename "$again")" = "$(basename "$ckpt")" ] || fail "re-created checkpoint differs: $again"
done

finish
