#!/usr/bin/env bash
# Freshness of signed checkpoints: create --sign signs before publishing and
# signs index.json; --max-age refuses old signatures; --height latest under
# --pubkey takes a signed, fresh index only, and an index older than another
# mirror's is called stale; list and inspect show who signed and when.
# Old signatures are made by the stock minisign with an old timestamp in
# their trusted comment (no clock games).
# usage: fresh_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
command -v minisign >/dev/null || { echo "no minisign"; exit 77; }
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../net/mirror.sh"

"$gen_bin" --db "$work/src" --keys 3000 --heights 3 >/dev/null 2>&1 || fail "gen-state"
"$cp_bin" keygen --out "$work/op" >/dev/null || fail "keygen"
"$cp_bin" keygen --out "$work/other" >/dev/null || fail "keygen other"
minisign -G -W -p "$work/mm.pub" -s "$work/mm.key" >/dev/null 2>&1 || fail "minisign -G"
chmod 600 "$work/mm.key"
dump() { "$cp_bin" state dump --db "$1" --height "$2"; }

# create --sign: a key that cannot sign fails before anything is made.
chmod 644 "$work/op.key"
expect 2 "mode 0600" -- "$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --sign "$work/op.key"
[ ! -e "$work/store" ] || fail "create with an unusable key made the store"
chmod 600 "$work/op.key"
expect_out 0 "" -- "$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --chunk-size 16KiB \
  --sign "$work/op.key" --sign "$work/mm.key"
c1=$(tail -1 "$work/out")
[ "$(ls "$c1/signatures" | wc -l)" = 2 ] || fail "create --sign: $(ls "$c1/signatures")"
mm_ok=0
for s in "$c1"/signatures/*.minisig; do
  minisign -V -p "$work/mm.pub" -m "$c1/manifest.json" -x "$s" >/dev/null 2>&1 && mm_ok=1
done
[ $mm_ok = 1 ] || fail "minisign -V rejected create's signature"
minisign -V -p "$work/op.pub" -m "$work/store/index.json" >"$work/mv" 2>&1 || fail "index.json.minisig: $(cat "$work/mv")"
grep -q "Trusted comment: checkpoint-index latest:1 timestamp:" "$work/mv" || fail "index comment: $(cat "$work/mv")"
expect_out 0 "" -- "$cp_bin" verify "$c1" --pubkey "$work/op.pub" --pubkey "$work/mm.pub" --threshold 2 --max-age 1h
grep -q "BEGIN\|$(sed -n 2p "$work/op.key" | cut -c1-24)" "$work/out" "$work/err" && fail "a command printed a secret key"

# list and inspect: who signed, and when.
op_id=$("$cp_bin" sign "$c1" --key "$work/op.key" --json | sed 's/.*"key_id":"\([0-9A-F]*\)".*/\1/')
expect_out 0 "signed: .*$op_id 20[0-9-]*T" -- "$cp_bin" list "$work/store"
expect_out 0 "" -- "$cp_bin" list "$work/store" --json
grep -q "\"key_id\":\"$op_id\"" "$work/out" && grep -q '"signed_time":[0-9]' "$work/out" || fail "list --json: $(head -c 400 "$work/out")"
expect_out 0 "signed .*$op_id" -- "$cp_bin" inspect "$c1"
expect_out 0 "" -- "$cp_bin" inspect "$c1" --json
grep -q "\"key_id\":\"$op_id\"" "$work/out" || fail "inspect --json: $(head -c 400 "$work/out")"

# One flipped byte in the trusted comment, or in the manifest: untrusted (exit 3), with the reason.
cp -r "$c1" "$work/flip" && op_sig="$work/flip/signatures/$op_id.minisig"
sed -i '3s/height:1/height:7/' "$op_sig"
expect_out 3 "untrusted: .*does not verify" -- "$cp_bin" verify "$work/flip" --pubkey "$work/op.pub"
cp "$c1/signatures/$op_id.minisig" "$op_sig"
sed -i 's/"height":1/"height":2/' "$work/flip/manifest.json"
expect_out 3 "" -- "$cp_bin" verify "$work/flip" --pubkey "$work/op.pub"
grep -q "untrusted\|manifest" "$work/out" || fail "a changed manifest: $(cat "$work/out")"

# --max-age: a signature made long ago (a replayed checkpoint) is refused, with the reason.
expect 2 "goes with --pubkey" -- "$cp_bin" verify "$c1" --max-age 1h
expect 2 "max-age takes" -- "$cp_bin" verify "$c1" --pubkey "$work/op.pub" --max-age soon
cp -r "$c1" "$work/old" && rm -rf "$work/old/signatures" && mkdir "$work/old/signatures"
mm_file=""
for s in "$c1"/signatures/*.minisig; do
  minisign -V -p "$work/mm.pub" -m "$c1/manifest.json" -x "$s" >/dev/null 2>&1 && mm_file=$(basename "$s")
done
minisign -S -s "$work/mm.key" -m "$work/old/manifest.json" -x "$work/old/signatures/$mm_file" \
  -t "checkpoint height:1 timestamp:1000000000" </dev/null >/dev/null 2>&1 || fail "minisign -S old"
expect_out 0 "" -- "$cp_bin" verify "$work/old" --pubkey "$work/mm.pub"
expect_out 3 "" -- "$cp_bin" verify "$work/old" --pubkey "$work/mm.pub" --max-age 30d
grep -q "untrusted: .*over --max-age 30d" "$work/out" || fail "expired: $(cat "$work/out")"
expect_out 0 "" -- "$cp_bin" verify "$work/old" --pubkey "$work/mm.pub" --max-age 20000d
# No time stated at all: refused under --max-age.
minisign -S -s "$work/mm.key" -m "$work/old/manifest.json" -x "$work/old/signatures/$mm_file" \
  -t "no time here" </dev/null >/dev/null 2>&1 || fail "minisign -S untimed"
expect_out 3 "states no time" -- "$cp_bin" verify "$work/old" --pubkey "$work/mm.pub" --max-age 30d
expect_out 3 "" -- "$cp_bin" restore "$work/old" --db "$work/r-old" --pubkey "$work/mm.pub" --max-age 30d
[ ! -e "$work/r-old" ] || fail "an expired checkpoint opened a database"

# The store's index: a change without a key drops its signature; prune --sign and sign --index sign again.
"$cp_bin" create --db "$work/src" --out "$work/store" --height 2 --chunk-size 16KiB --sign "$work/op.key" >/dev/null || fail "create 2"
[ -f "$work/store/index.json.minisig" ] || fail "create --sign did not sign the index"
"$cp_bin" pin "$work/store/1-"* >/dev/null || fail "pin"
[ ! -e "$work/store/index.json.minisig" ] || fail "pin left a signature of the old index"
start_mirror url "$work/store"
expect_out 3 "not signed" -- "$cp_bin" restore "$url" --height latest --db "$work/r0" --pubkey "$work/op.pub"
[ ! -e "$work/r0" ] || fail "an unsigned index opened a database"
expect_out 0 "" -- "$cp_bin" restore "$url" --height 2 --db "$work/r0" --pubkey "$work/op.pub"
expect_out 0 "signed by $op_id" -- "$cp_bin" sign "$work/store" --index --key "$work/op.key"
expect_out 0 "" -- "$cp_bin" restore "$url" --height latest --db "$work/r1" --pubkey "$work/op.pub" --max-age 1h
dump "$work/r1" 2 | cmp -s - <(dump "$work/src" 2) || fail "restore --height latest --pubkey: state differs"
# Signed by a key not configured, or altered after signing: refused.
expect_out 3 "index.json.minisig" -- "$cp_bin" restore "$url" --height latest --db "$work/r2" --pubkey "$work/other.pub"
cp "$work/store/index.json" "$work/index.good"
sed -i 's/"pinned":true/"pinned":false/' "$work/store/index.json"
cmp -s "$work/store/index.json" "$work/index.good" && fail "test: the index did not change"
expect_out 3 "does not verify" -- "$cp_bin" fetch "$url" --height latest --out "$work/f2" --pubkey "$work/op.pub"
cp "$work/index.good" "$work/store/index.json"

# A mirror replaying an old signed index (of a store at height 2) beside the store at height 3:
# the replay's index is older than the fresh one, which lists a newer height: stale, left out.
mkdir "$work/replay" && cp -r "$work/store/"* "$work/replay/"
# Its signature a minute older than anything signed from here on (whole seconds: no race).
minisign -S -s "$work/op.key" -m "$work/replay/index.json" -x "$work/replay/index.json.minisig" \
  -t "checkpoint-index latest:2 timestamp:$(($(date +%s) - 60))" </dev/null >/dev/null 2>&1 || fail "minisign -S replay index"
"$cp_bin" create --db "$work/src" --out "$work/store" --height 3 --chunk-size 16KiB --sign "$work/op.key" >/dev/null || fail "create 3"
start_mirror replay_url "$work/replay"
expect_out 0 "" -- "$cp_bin" restore "$replay_url" "$url" --height latest --db "$work/r3" --pubkey "$work/op.pub" --json
grep -q '"height":3' "$work/out" || fail "fresh beside replayed index: $(head -c 300 "$work/out")"
grep -q "index.json is stale" "$work/out" || fail "the replay's index was not called stale: $(head -c 600 "$work/out")"
dump "$work/r3" 3 | cmp -s - <(dump "$work/src" 3) || fail "restore beside a replayed index: state differs"
# Alone, an old index is refused by --max-age (its signed time is in the index signature).
minisign -S -s "$work/mm.key" -m "$work/replay/index.json" -x "$work/replay/index.json.minisig" \
  -t "checkpoint-index latest:2 timestamp:1000000000" </dev/null >/dev/null 2>&1 || fail "minisign -S index"
expect_out 3 "index.json: .*over --max-age 1d" -- "$cp_bin" restore "$replay_url" --height latest --db "$work/r4" --pubkey "$work/mm.pub" --max-age 1d
[ ! -e "$work/r4" ] || fail "a stale index opened a database"
# Without --max-age the stock minisign's signature of an index is accepted.
expect_out 0 "" -- "$cp_bin" fetch "$replay_url" --height latest --out "$work/f4" --pubkey "$work/mm.pub" --pubkey "$work/op.pub"

# A mirror serving the fresh signed index but an older signed checkpoint under the newest's
# name: the index's pick is pinned by id, so it is not taken (alone: exit 3).
fresh_name=$(basename "$(ls -d "$work/store"/3-*)")
mkdir "$work/swap" && cp "$work/store/index.json" "$work/store/index.json.minisig" "$work/swap/"
cp -r "$work/store/2-"* "$work/swap/$fresh_name"
start_mirror swap_url "$work/swap"
expect_out 3 "" -- "$cp_bin" verify "$swap_url" --height latest --pubkey "$work/op.pub" --max-age 1h
grep -q "^ok" "$work/out" && fail "an older checkpoint under the newest's name was taken: $(cat "$work/out")"
# A store URL without an index is not taken for a checkpoint directory (it would pick itself).
start_mirror bare_url "$work/store/2-"*
expect_out 3 "no index.json" -- "$cp_bin" verify "$bare_url" --height latest --pubkey "$work/op.pub"
# Newest chunks unavailable: fail, never an older signed checkpoint instead.
start_mirror broken_url "$work/store" --mode status:500
old_dir=$(ls -d "$work/store/2-"*)
start_mirror old_dir_url "$old_dir"
for cmd in verify fetch; do
  dest=()
  [ $cmd = fetch ] && dest=(--out "$work/fb")
  expect_out 3 "" -- "$cp_bin" $cmd "$broken_url" "$old_dir_url/$(basename "$old_dir")" --height latest "${dest[@]}" --pubkey "$work/op.pub" --max-age 1h
done
[ -z "$(ls "$work/fb" 2>/dev/null | grep -v '^\.')" ] || fail "fetch published an older checkpoint: $(ls "$work/fb")"
# A withdrawn checkpoint stays withdrawn: the most recently signed index speaks.
cp -r "$work/store" "$work/before"
start_mirror before_url "$work/before"
rm -rf "$work/store/$fresh_name"
"$cp_bin" sign "$work/store" --index --key "$work/op.key" >/dev/null || fail "sign --index after withdrawal"
# Signed later than the copy's for sure (times are whole seconds): by minisign, with our key.
minisign -S -s "$work/op.key" -m "$work/store/index.json" -x "$work/store/index.json.minisig" \
  -t "checkpoint-index latest:2 timestamp:$(($(date +%s) + 5))" </dev/null >/dev/null 2>&1 || fail "minisign -S with our key"
expect_out 0 "" -- "$cp_bin" verify "$before_url" "$url" --height latest --pubkey "$work/op.pub" --max-age 1h --json
grep -q '"height":2' "$work/out" || fail "a withdrawn checkpoint came back: $(head -c 300 "$work/out")"

# prune --sign: deletes, then signs the new index; a bad key refuses before deleting.
chmod 644 "$work/op.key"
expect 2 "mode 0600" -- "$cp_bin" prune "$work/store" --keep-last 1 --sign "$work/op.key"
[ "$(ls -d "$work/store"/[0-9]* | wc -l)" = 2 ] || fail "prune with an unusable key deleted"
chmod 600 "$work/op.key"
"$cp_bin" unpin "$work/store/1-"* >/dev/null || fail "unpin"
expect_out 0 "deleted" -- "$cp_bin" prune "$work/store" --keep-last 1 --sign "$work/op.key"
minisign -V -p "$work/op.pub" -m "$work/store/index.json" >/dev/null 2>&1 || fail "prune --sign: index signature"
# create --keep --sign: the index signed after the deletions too.
expect_out 0 "" -- "$cp_bin" create --db "$work/src" --out "$work/store2" --height 1 --chunk-size 16KiB --sign "$work/op.key"
expect_out 0 "deleted" -- "$cp_bin" create --db "$work/src" --out "$work/store2" --height 2 --chunk-size 16KiB --sign "$work/op.key" --keep 1
minisign -V -p "$work/op.pub" -m "$work/store2/index.json" >/dev/null 2>&1 || fail "create --keep --sign: index signature"
# The index signature is never written through a link.
ln -sf "$work/elsewhere" "$work/store2/index.json.minisig"
expect_out 0 "" -- "$cp_bin" pin "$work/store2/2-"*
[ ! -e "$work/elsewhere" ] || fail "wrote through a link at index.json.minisig"
[ ! -L "$work/store2/index.json.minisig" ] || fail "a link stayed as the index signature"
finish
