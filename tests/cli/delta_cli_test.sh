#!/usr/bin/env bash
# Delta checkpoints from the command line: create --base (a height or a full
# checkpoint), the same bytes wherever made, verify with and without the base
# state, restore onto the base (exact, resumable, a real kill mid-apply), and
# refusals: another base, a tampered chunk, a delta as a base.
# usage: delta_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
source "$(dirname "$0")/lib.sh"

"$gen_bin" --db "$work/src" --keys 30000 --heights 6 --churn 0.01 --seed 5 >"$work/gen.out" 2>/dev/null ||
  fail "gen-state"
root() { grep "^height $1 " "$work/gen.out" | awk '{print $4}'; }
dump() { "$cp_bin" state dump --db "$1" --height "$2"; }
dump "$work/src" 6 >"$work/want6"
cs=(--chunk-size 32KiB)

full=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 2 "${cs[@]}" | tail -1)
expect_out 0 "base 2 changes" -- "$cp_bin" create --db "$work/src" --out "$work/store" --height 6 --base 2 "${cs[@]}"
delta=$(tail -1 "$work/out")
# The same delta from the full checkpoint records its id: another manifest, another name.
mkdir -p "$work/store2" && cp -r "$full" "$work/store2/"
expect_out 0 "" -- "$cp_bin" create --db "$work/src" --out "$work/store2" --height 6 --base "$(basename "$full")" "${cs[@]}" --json
python3 - "$work/out" "$full" <<'PY' || fail "create --base CKPT: $(cat "$work/out")"
import json, sys, os
j = json.load(open(sys.argv[1]))
m = json.load(open(os.path.join(j["path"], "manifest.json")))
assert j["base_height"] == 2, j
assert m["format_version"] == 2 and m["base"]["height"] == 2, m["base"]
assert m["base"]["id"].startswith(os.path.basename(sys.argv[2]).split("-")[1]), m["base"]
PY
# A path with a trailing slash names the same checkpoint, and gives the same delta.
mkdir -p "$work/store4" && cp -r "$full" "$work/store4/"
"$cp_bin" create --db "$work/src" --out "$work/store4" --height 6 --base "$work/store4/$(basename "$full")/" "${cs[@]}" >/dev/null ||
  fail "create --base CKPT/"
cmp -s "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$work/out")/manifest.json" \
  "$work/store4/$(basename "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$work/out")")/manifest.json" ||
  fail "create --base CKPT/ made another delta"
# Deterministic: the same F→H delta, made again elsewhere, is byte-identical.
"$cp_bin" create --db "$work/src" --out "$work/store3" --height 6 --base 2 "${cs[@]}" --threads 1 >/dev/null ||
  fail "create again"
diff -r "$delta/chunks" "$work/store3/$(basename "$delta")/chunks" >/dev/null &&
  cmp -s "$delta/manifest.json" "$work/store3/$(basename "$delta")/manifest.json" ||
  fail "the same delta made twice differs"
# A rerun is a no-op.
expect_out 0 "already checkpointed" -- "$cp_bin" create --db "$work/src" --out "$work/store" --height 6 --base 2 "${cs[@]}"
# An empty delta (F = H) and usage errors.
expect_out 0 "changes 0" -- "$cp_bin" create --db "$work/src" --out "$work/empty" --height 4 --base 4 "${cs[@]}"
expect 2 "format-version 2" -- "$cp_bin" create --db "$work/src" --out "$work/x" --height 6 --base 2 --format-version 1
expect 1 "above" -- "$cp_bin" create --db "$work/src" --out "$work/x" --height 2 --base 6
expect 2 "delta" -- "$cp_bin" create --db "$work/src" --out "$work/store" --height 6 --base "$delta"

# verify: without a base it checks what it can and says so; with the base it checks proofs.
expect_out 3 "without the base state" -- "$cp_bin" verify "$delta" --root "$(root 6)"
delta_id=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$delta/manifest.json")
expect_out 0 "proofs need the base state" -- "$cp_bin" verify "$delta" --id "$delta_id"
expect_out 0 "" -- "$cp_bin" verify "$delta" --root "$(root 6)" --db "$work/src" --json
grep -q '"proofs_checked":true' "$work/out" || fail "verify --db: $(cat "$work/out")"
"$gen_bin" --db "$work/alt" --keys 100 --heights 2 --seed 3 >/dev/null 2>&1 || fail "gen-state alt"
expect 1 "root at height 2" -- "$cp_bin" verify "$delta" --root "$(root 6)" --db "$work/alt"

# restore: a base made by restoring the full checkpoint, then the delta on top: exact.
"$cp_bin" restore "$full" --db "$work/node" --root "$(root 2)" >/dev/null || fail "restore the base"
expect_out 0 "restored height 6" -- "$cp_bin" restore "$delta" --db "$work/node" --root "$(root 6)" --height 6
dump "$work/node" 6 | cmp -s - "$work/want6" || fail "delta restore: state differs"
"$cp_bin" state info --db "$work/node" | grep -q "^height 2 " || fail "the base height was lost"
expect_out 0 "6 already in" -- "$cp_bin" restore "$delta" --db "$work/node" --root "$(root 6)" --height 6
# Not on another base: a one-line refusal naming both.
"$cp_bin" restore "$full" --db "$work/other" --root "$(root 2)" >/dev/null || fail "restore the base again"
printf 'put 01 02\n' | "$cp_bin" state apply --db "$work/other" --height 3 >/dev/null || fail "apply"
expect 1 "applies to height 2.*newest height is 3" -- "$cp_bin" restore "$delta" --db "$work/other" --root "$(root 6)" --height 6
expect 1 "" -- "$cp_bin" restore "$delta" --db "$work/none" --root "$(root 6)" --height 6
[ -e "$work/none" ] && fail "a delta restore made a database"
expect_out 3 "" -- "$cp_bin" restore "$delta" --db "$work/other" --root "$(root 6)" --height 6 --force
# --root does not vouch for a delta's height, which the database keeps: --height is needed.
expect 1 "give --height" -- "$cp_bin" restore "$delta" --db "$work/other" --root "$(root 6)"

# Resumable: a chunk missing stops the run with the rest staged; nothing is visible.
"$cp_bin" restore "$full" --db "$work/r" --root "$(root 2)" >/dev/null || fail "restore the base (r)"
mkdir -p "$work/partial" && cp -r "$delta" "$work/partial/"
part="$work/partial/$(basename "$delta")"
mv "$part/chunks/00000001.chunk" "$work/held.chunk"
expect_out 3 "" -- "$cp_bin" restore "$part" --db "$work/r" --root "$(root 6)" --height 6
"$cp_bin" state info --db "$work/r" | grep -q "^height 6 " && fail "a partial delta made height 6 visible"
mv "$work/held.chunk" "$part/chunks/00000001.chunk"
expect_out 0 "already in" -- "$cp_bin" restore "$part" --db "$work/r" --root "$(root 6)" --height 6
dump "$work/r" 6 | cmp -s - "$work/want6" || fail "resumed delta restore: state differs"

# A tampered chunk (one byte of its zstd frame): corrupt, exit 3, nothing visible.
"$cp_bin" restore "$full" --db "$work/t" --root "$(root 2)" >/dev/null || fail "restore the base (t)"
mkdir -p "$work/bad" && cp -r "$delta" "$work/bad/"
bad="$work/bad/$(basename "$delta")"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-5]^=1; open(p,"wb").write(b)' \
  "$bad/chunks/00000000.chunk"
expect_out 3 "chunk 0" -- "$cp_bin" verify "$bad" --root "$(root 6)" --db "$work/t"
expect_out 3 "chunk 0" -- "$cp_bin" restore "$bad" --db "$work/t" --root "$(root 6)" --height 6
"$cp_bin" state info --db "$work/t" | grep -q "^height 6 " && fail "a tampered delta made height 6 visible"

# Another base's changes under this base's name (a delta 3->6 whose manifest claims base 2):
# the chunks are checked against the database's own height 2, and fail.
d36=$("$cp_bin" create --db "$work/src" --out "$work/s36" --height 6 --base 3 "${cs[@]}" | tail -1)
python3 - "$d36/manifest.json" "$(root 2)" <<'PY' || fail "forging the base"
import re, sys
p, root2 = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r'^\{"base":\{"height":3,"root":"[0-9a-f]{64}"\}', '{"base":{"height":2,"root":"%s"}' % root2, s)
assert '"height":2,' in s
open(p, "w").write(s)
PY
"$cp_bin" restore "$full" --db "$work/f" --root "$(root 2)" >/dev/null || fail "restore the base (f)"
expect_out 3 "invalid" -- "$cp_bin" restore "$d36" --db "$work/f" --root "$(root 6)" --height 6
"$cp_bin" state info --db "$work/f" | grep -q "^height 6 " && fail "another base's delta made height 6 visible"
# A failed (or forged) delta's staging never blocks the next one.
expect_out 0 "restored height 6" -- "$cp_bin" restore "$delta" --db "$work/f" --root "$(root 6)" --height 6
dump "$work/f" 6 | cmp -s - "$work/want6" || fail "a delta after a failed one: state differs"
# inspect reads delta chunks; --base must be a checkpoint of the store (retention keeps it).
expect_out 0 "puts" -- "$cp_bin" inspect "$delta" --chunk 0
expect_out 0 "base       height 2" -- "$cp_bin" inspect "$delta"
expect 2 "not a checkpoint of the store" -- "$cp_bin" create --db "$work/src" --out "$work/elsewhere" --height 6 --base "$full"
expect 2 "" -- "$cp_bin" create --db "$work/src" --out "$work/elsewhere" --height 6 --base ""

# A store holding a full checkpoint and a delta of one height: a node at the base takes the
# delta, an empty one the full checkpoint (index.json names each delta's base).
"$cp_bin" create --db "$work/src" --out "$work/store" --height 6 "${cs[@]}" >/dev/null || fail "full 6"
grep -q '"base":2,"base_root":"'"$(root 2)"'"' "$work/store/index.json" || fail "index.json lacks the base"
delta_chunks=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["chunks"]))' "$delta/manifest.json")
"$cp_bin" restore "$full" --db "$work/n2" --root "$(root 2)" >/dev/null || fail "restore the base (n2)"
expect_out 0 "chunks $delta_chunks " -- "$cp_bin" restore "file://$work/store/" --height 6 --root "$(root 6)" --db "$work/n2"
dump "$work/n2" 6 | cmp -s - "$work/want6" || fail "delta from a store: state differs"
expect_out 0 "" -- "$cp_bin" restore "file://$work/store/" --height latest --root "$(root 6)" --db "$work/n3"
grep -q "chunks $delta_chunks " "$work/out" && fail "an empty node took the delta"
dump "$work/n3" 6 | cmp -s - "$work/want6" || fail "full from a store: state differs"

# list shows a delta with its base; retention never deletes the full a kept delta needs.
expect_out 0 "delta from 2" -- "$cp_bin" list "$work/store"
expect_out 0 "the base of delta $(basename "$delta")" -- "$cp_bin" prune "$work/store" --keep-last 2 --dry-run
expect_out 0 "" -- "$cp_bin" prune "$work/store" --keep-last 2
[ -d "$full" ] || fail "prune deleted the full checkpoint a kept delta needs"
"$cp_bin" list "$work/store" --json | grep -q '"base":{"height":2' || fail "list --json lacks the base"

# Cron: a full every 4 heights, a delta against the newest full every 2 (heights 1..6 here).
cron=(--db "$work/src" --out "$work/cron" --height latest --interval 4 --delta-interval 2 "${cs[@]}")
expect_out 0 "no full checkpoint below height 6" -- "$cp_bin" create "${cron[@]}"
"$cp_bin" list "$work/cron" | grep -q "delta" && fail "the first cron run made a delta with no full"
rm -rf "$work/cron"
"$cp_bin" create --db "$work/src" --out "$work/cron" --height 4 "${cs[@]}" >/dev/null || fail "full 4"
expect_out 0 "base 4 changes" -- "$cp_bin" create "${cron[@]}"
expect 2 "divisor" -- "$cp_bin" create --db "$work/src" --out "$work/cron" --height latest --interval 4 --delta-interval 3

# A real kill while applying, then a rerun: exact whatever the moment (a larger delta).
"$gen_bin" --db "$work/big" --keys 200000 --heights 2 --churn 0.2 --seed 9 >"$work/big.out" 2>/dev/null ||
  fail "gen-state big"
big_root=$(grep '^height 2 ' "$work/big.out" | awk '{print $4}')
bfull=$("$cp_bin" create --db "$work/big" --out "$work/bstore" --height 1 | tail -1)
bdelta=$("$cp_bin" create --db "$work/big" --out "$work/bstore" --height 2 --base 1 | tail -1)
"$cp_bin" restore "$bfull" --db "$work/k" --root "$(grep '^height 1 ' "$work/big.out" | awk '{print $4}')" \
  >/dev/null || fail "restore big base"
"$cp_bin" restore "$bdelta" --db "$work/k" --root "$big_root" --height 2 --threads 1 >/dev/null 2>&1 &
pid=$!
sleep 0.4  # not synchronisation: the kill may land anywhere, and the rerun must be exact
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
expect_out 0 "restored height 2" -- "$cp_bin" restore "$bdelta" --db "$work/k" --root "$big_root" --height 2
dump "$work/k" 2 | cmp -s - <(dump "$work/big" 2) || fail "delta restore after a kill: state differs"
finish
