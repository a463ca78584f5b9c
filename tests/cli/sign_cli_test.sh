#!/usr/bin/env bash
# keygen and sign from the command line, checked by the stock minisign:
# our signatures verify with `minisign -V`, minisign's keys sign through us,
# keys are never overwritten or read when others may read them, and nothing
# is written through a planted link.
# usage: sign_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
command -v minisign >/dev/null || { echo "no minisign"; exit 77; }
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../net/mirror.sh"

"$gen_bin" --db "$work/src" --keys 3000 --heights 1 >/dev/null 2>&1 || fail "gen-state"
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --chunk-size 16KiB | tail -1)
id=$(sha256sum "$ckpt/manifest.json" | cut -c1-64)

expect_out 0 "key id" -- "$cp_bin" keygen --out "$work/op"
[ "$(stat -c %a "$work/op.key")" = 600 ] || fail "secret key mode $(stat -c %a "$work/op.key")"
cp "$work/op.key" "$work/op.key.orig"
expect 2 "never overwritten" -- "$cp_bin" keygen --out "$work/op"
cmp -s "$work/op.key" "$work/op.key.orig" || fail "keygen overwrote a secret key"

expect_out 0 "signed by" -- "$cp_bin" sign "$ckpt" --key "$work/op.key" --comment "release 1"
sig=$(ls "$ckpt"/signatures/*.minisig)
minisign -V -p "$work/op.pub" -m "$ckpt/manifest.json" -x "$sig" >"$work/mv" 2>&1 ||
  fail "minisign -V rejected our signature: $(cat "$work/mv")"
grep -q "Trusted comment: checkpoint height:1 .*id:$id .*release 1" "$work/mv" || fail "trusted comment: $(cat "$work/mv")"
grep -q "BEGIN\|$(sed -n 2p "$work/op.key" | cut -c1-20)" "$work/out" && fail "sign printed the secret key"
cp "$ckpt/manifest.json" "$work/m" && printf ' ' >>"$work/m"
minisign -V -p "$work/op.pub" -m "$work/m" -x "$sig" >/dev/null 2>&1 && fail "minisign accepted another manifest"

# A key made by minisign signs through us; minisign verifies it.
minisign -G -W -p "$work/mm.pub" -s "$work/mm.key" >/dev/null 2>&1 || fail "minisign -G"
chmod 600 "$work/mm.key"
expect_out 0 "signed by" -- "$cp_bin" sign "$ckpt" --key "$work/mm.key"
[ "$(ls "$ckpt/signatures" | wc -l)" = 2 ] || fail "two keys, not two signatures: $(ls "$ckpt/signatures")"
for s in "$ckpt"/signatures/*.minisig; do
  minisign -V -p "$work/mm.pub" -m "$ckpt/manifest.json" -x "$s" >/dev/null 2>&1 && mm_ok=1
done
[ "${mm_ok:-0}" = 1 ] || fail "minisign's own key: its signature does not verify"

# A secret key others may read is refused, and so is a link for signatures/.
chmod 640 "$work/op.key"
expect 2 "mode 0600" -- "$cp_bin" sign "$ckpt" --key "$work/op.key"
chmod 600 "$work/op.key"
ckpt2=$("$cp_bin" create --db "$work/src" --out "$work/store2" --height 1 --chunk-size 32KiB | tail -1)
mkdir "$work/elsewhere"
ln -s "$work/elsewhere" "$ckpt2/signatures"
expect 1 "not a directory" -- "$cp_bin" sign "$ckpt2" --key "$work/op.key"
[ -z "$(ls "$work/elsewhere")" ] || fail "sign wrote through a link"

# --pubkey: trusted when enough distinct configured keys signed exactly this manifest.
op_id=$(basename "$sig" .minisig)
"$cp_bin" keygen --out "$work/k2" >/dev/null && "$cp_bin" keygen --out "$work/k3" >/dev/null
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub" --json
grep -q '"trust":"pubkey"' "$work/out" && grep -q '"ok":true' "$work/out" || fail "verify --pubkey: $(cat "$work/out")"
expect_out 3 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/k2.pub"
grep -q "untrusted: manifest signed by 0 of the 1" "$work/out" || fail "wrong key: $(cat "$work/out")"
expect_out 3 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub" --pubkey "$work/k2.pub" --pubkey "$work/k3.pub" --threshold 2
expect 2 "threshold 2 with 1 distinct" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub" --pubkey "$work/op.pub" --threshold 2
"$cp_bin" sign "$ckpt" --key "$work/k2.key" >/dev/null || fail "sign with k2"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub" --pubkey "$work/k2.pub" --pubkey "$work/k3.pub" --threshold 2
# A flipped byte in the signature, a signature of another manifest: untrusted.
cp "$sig" "$work/sig.good"
python3 - "$sig" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
s = lines[1]
lines[1] = s[:20] + ("A" if s[20] != "A" else "B") + s[21:]
open(p, "w").write("\n".join(lines))
PY
expect_out 3 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub"
"$cp_bin" sign "$ckpt2" --key "$work/op.key" >/dev/null 2>&1 || true
rm -f "$ckpt2/signatures" && mkdir "$ckpt2/signatures" && "$cp_bin" sign "$ckpt2" --key "$work/op.key" >/dev/null || fail "sign ckpt2"
cp "$ckpt2/signatures/$op_id.minisig" "$sig"
expect_out 3 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub"
cp "$work/sig.good" "$sig"
# minisign's own signature of the manifest, under its key's id, is accepted.
for s in "$ckpt"/signatures/*.minisig; do
  minisign -V -p "$work/mm.pub" -m "$ckpt/manifest.json" -x "$s" >/dev/null 2>&1 && mm_sig=$s
done
rm -f "$mm_sig"
minisign -S -s "$work/mm.key" -m "$ckpt/manifest.json" -x "$mm_sig" -t "signed by minisign" </dev/null >/dev/null 2>&1 || fail "minisign -S"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --pubkey "$work/mm.pub"
# restore: trusted through the key, from a directory and from a mirror; a wrong key: nothing visible.
expect_out 0 "" -- "$cp_bin" restore "$ckpt" --db "$work/r1" --pubkey "$work/op.pub"
expect_out 3 "" -- "$cp_bin" restore "$ckpt" --db "$work/r2" --pubkey "$work/k3.pub"
[ ! -e "$work/r2" ] || fail "an untrusted restore opened the database"
start_mirror store_url "$work/store"
expect_out 0 "" -- "$cp_bin" restore "$store_url" --height 1 --db "$work/r3" --pubkey "$work/op.pub" --pubkey "$work/k2.pub" --threshold 2
"$cp_bin" state dump --db "$work/r3" --height 1 | cmp -s - <("$cp_bin" state dump --db "$work/src" --height 1) || fail "restore --pubkey from a mirror: state differs"
# The key id is not signed: the same key bytes under another id are one key, not two signers.
python3 - "$work/op.pub" "$work/op2.pub" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
blob = bytearray(base64.b64decode(lines[1]))
blob[2:10] = bytes(range(1, 9))
lines[1] = base64.b64encode(bytes(blob)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
PY
expect 2 "threshold 2 with 1 distinct" -- "$cp_bin" verify "$ckpt" --pubkey "$work/op.pub" --pubkey "$work/op2.pub" --threshold 2

# A mirror replaying another signed manifest (over chunks it does not fit) beside an honest
# mirror: under keys alone every signed manifest is a candidate, so the honest one still wins.
cp -r "$ckpt" "$work/replay" && rm -rf "$work/replay/signatures"
cp "$ckpt2/manifest.json" "$work/replay/" && cp -r "$ckpt2/signatures" "$work/replay/"
# Two replaying mirrors, so their manifest is the most offered and tried first.
start_mirror replay1 "$work/replay"
start_mirror replay2 "$work/replay"
for cmd in fetch restore; do
  dest=(--out "$work/replayed-store")
  [ $cmd = restore ] && dest=(--db "$work/replayed-db")
  expect_out 0 "" -- "$cp_bin" $cmd "$replay1" "$replay2" \
    "$store_url" \
    --height 1 "${dest[@]}" --pubkey "$work/op.pub" --json
  grep -q "\"id\":\"$id\"" "$work/out" || fail "$cmd beside a replaying mirror: $(head -c 300 "$work/out")"
done

# fetch keeps the signatures that made the checkpoint trusted: the copy verifies by key too.
expect_out 0 "" -- "$cp_bin" fetch "$store_url" --height 1 --out "$work/copy" --pubkey "$work/op.pub"
copy=$(tail -1 "$work/out")
[ -f "$copy/signatures/$op_id.minisig" ] || fail "fetch dropped the signature: $(ls -R "$copy" | head)"
expect_out 0 "" -- "$cp_bin" verify "$copy" --pubkey "$work/op.pub"

# Signatures are part of a checkpoint, not extra files.
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --id "$id"
grep -q "extra" "$work/out" && fail "verify calls signatures extra: $(cat "$work/out")"
finish
