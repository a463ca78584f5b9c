#!/usr/bin/env bash
# Checkpoints through a BitTorrent swarm, on loopback only (no DHT, LSD, UPnP,
# NAT-PMP): our seeder and two leechers restoring at once; a stock client
# (transmission-cli) seeding to our restore; nginx as the only web seed; a
# magnet link; a torrent that lies about one chunk (accepted => exactly the
# truth); `seed` following the store and stopping cleanly on SIGTERM.
# usage: swarm_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(dirname "$0")
for p in transmission-create transmission-cli python3; do
  command -v $p >/dev/null || { echo "no $p"; exit 77; }
done
[ -x "${NGINX:-/usr/sbin/nginx}" ] || { echo "no nginx"; exit 77; }
source "$here/../cli/lib.sh"
source "$here/../net/nginx.sh"
nginx_stop_on_exit
# Temporary download directories go here: each run must remove its own.
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"

"$gen_bin" --db "$work/src" --keys 20000 --heights 1 --seed 11 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 1 ' "$work/gen.out" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --chunk-size 16KiB | tail -1)
name=$(basename "$ckpt")
"$cp_bin" state dump --db "$work/src" --height 1 >"$work/want.dump"
exact() { "$cp_bin" state dump --db "$1" --height 1 | cmp -s - "$work/want.dump"; }
# publish: hybrid, deterministic (the same info dictionary from another copy, other trackers
# and web seeds, and byte for byte when published again), and part of the checkpoint.
expect_out 0 "" -- "$cp_bin" publish "$ckpt" --json
cp "$ckpt/checkpoint.torrent" "$work/c.torrent"
hashes=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["info_hash_v1"], j["info_hash_v2"])' "$work/out")
magnet=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["magnet"])' "$work/out")
case "$magnet" in "magnet:?xt=urn:btih:${hashes% *}&xt=urn:btmh:1220${hashes#* }&dn=$name"*) ;; *) fail "magnet: $magnet ($hashes)" ;; esac
expect_out 0 "" -- "$cp_bin" publish "$ckpt"
cmp -s "$ckpt/checkpoint.torrent" "$work/c.torrent" || fail "publishing again changed the torrent"
cp -r "$work/store" "$work/copy" && touch "$work/copy/$name/chunks/"*
expect_out 0 "" -- "$cp_bin" publish "$work/copy/$name" --tracker udp://127.0.0.1:1/announce --webseed http://127.0.0.1:1/ --json
[ "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["info_hash_v1"], j["info_hash_v2"])' "$work/out")" = "$hashes" ] ||
  fail "another copy, trackers and web seeds changed the info-hashes: $(cat "$work/out")"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --root "$root"
grep -q extra "$work/out" && fail "verify calls checkpoint.torrent extra"
# Signing a published checkpoint publishes it again (the torrent covers the signatures) with
# its trackers and web seeds, and index.json carries the new magnet link.
"$cp_bin" keygen --out "$work/op" >/dev/null || fail "keygen"
expect_out 0 "" -- "$cp_bin" sign "$work/copy/$name" --key "$work/op.key" --json
signed_magnet=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["magnet"])' "$work/out")
python3 - "$work/copy/$name/checkpoint.torrent" "$work/copy/index.json" "$signed_magnet" "$magnet" <<'PY' || fail "sign did not publish again"
import json, sys
t = open(sys.argv[1], "rb").read()
assert b"udp://127.0.0.1:1/announce" in t and b"http://127.0.0.1:1/" in t, "trackers or web seeds lost"
assert b".minisig" in t, "the signature is not in the torrent"
assert sys.argv[3] != sys.argv[4], "same magnet after signing"
magnets = [c.get("magnet") for c in json.load(open(sys.argv[2]))["checkpoints"]]
assert sys.argv[3] in magnets, magnets
PY
expect 2 "tracker" -- "$cp_bin" publish "$ckpt" --tracker "file:///etc/passwd"
ln -s /etc/hostname "$work/copy/$name/signatures/0123456789ABCDEF.minisig"
expect_out 1 "" -- "$cp_bin" publish "$work/copy/$name"
rm -r "$work/copy/$name/signatures" && ln -s /etc "$work/copy/$name/signatures"
expect_out 1 "" -- "$cp_bin" publish "$work/copy/$name"

# seed_start VAR STORE [ARGS…]: our seeder on a free loopback port; VAR gets IP:PORT.
seeders=()
seed_start() {
  local var=$1 store=$2 log="$work/seed.$RANDOM.log"
  shift 2
  "$cp_bin" seed "$store" --listen 127.0.0.1:0 --rescan 1 "$@" >"$log" 2>&1 &
  seeders+=($!)
  for _ in $(seq 1 2000); do
    grep -q "^listening on" "$log" && grep -q "^seeding" "$log" && break
    sleep 0.005
  done
  printf -v "$var" '%s' "$(sed -n 's/^listening on //p' "$log" | head -1)"
  seed_log=$log
}
# Before the EXIT trap lib.sh and nginx.sh set (stop nginx, remove $work), not instead of it.
old_trap=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//" -e "s/'\\\\''/'/g")
trap 'for p in "${seeders[@]}"; do kill "$p" 2>/dev/null; done; pkill -P $$ transmission-cl 2>/dev/null; '"$old_trap" EXIT

seed_start seeder "$work/store"
[ -n "$seeder" ] || fail "seed did not start: $(cat "$seed_log")"
first_seed_log=$seed_log
swarm=(--listen 127.0.0.1:0 --stall-after 60)

# Two leechers at once from one seeder: both exact.
"$cp_bin" restore "$work/c.torrent" --peer "$seeder" "${swarm[@]}" --db "$work/l1" --root "$root" >"$work/l1.out" 2>&1 &
l1=$!
"$cp_bin" restore "$work/c.torrent" --peer "$seeder" "${swarm[@]}" --db "$work/l2" --root "$root" >"$work/l2.out" 2>&1
rc2=$?
wait $l1
rc1=$?
[ $rc1 = 0 ] && exact "$work/l1" || fail "leecher 1: exit $rc1: $(tail -3 "$work/l1.out")"
[ $rc2 = 0 ] && exact "$work/l2" || fail "leecher 2: exit $rc2: $(tail -3 "$work/l2.out")"
[ -z "$(ls "$TMPDIR")" ] || fail "a temporary download directory was left: $(ls "$TMPDIR")"

# verify and fetch from the swarm; fetch with --keep-files keeps the downloaded files.
expect_out 0 "" -- "$cp_bin" verify "$work/c.torrent" --peer "$seeder" "${swarm[@]}" --root "$root"
expect_out 0 "" -- "$cp_bin" fetch "$work/c.torrent" --peer "$seeder" "${swarm[@]}" --root "$root" --out "$work/fetched" --keep-files "$work/kept"
[ -f "$work/kept/$name/manifest.json" ] || fail "--keep-files: $(ls -R "$work/kept" | head)"
expect_out 0 "" -- "$cp_bin" verify "$(tail -1 "$work/out")" --root "$root"
# Kept files are seeded on: `seed` takes the directory like a store.
seed_start kept_seeder "$work/kept"
expect_out 0 "" -- "$cp_bin" restore "$work/c.torrent" --peer "$kept_seeder" "${swarm[@]}" --db "$work/k1" --root "$root"
exact "$work/k1" || fail "restore from kept files: state differs"

# A magnet link: the metadata comes from the peer.
expect_out 0 "" -- "$cp_bin" restore "$magnet" --peer "$seeder" "${swarm[@]}" --db "$work/m1" --root "$root"
exact "$work/m1" || fail "restore from a magnet link: state differs"

# No peer at all, nginx as the web seed: completes.
nginx_start "$work/store" "$work/nginx" >/dev/null || fail "nginx did not start"
expect_out 0 "" -- "$cp_bin" restore "$work/c.torrent" "$NGINX_URL/$name/" "${swarm[@]}" --db "$work/w1" --root "$root"
exact "$work/w1" || fail "restore from a web seed: state differs"

# A stock client seeding the checkpoint; our restore takes it from there. Transmission 3.00
# cannot read hybrid torrents (it rejects the v2 file tree), so it seeds a v1 torrent of the
# same checkpoint made by its own transmission-create: our sources take any torrent of one.
transmission-create -o "$work/v1.torrent" "$ckpt" >/dev/null 2>&1 || fail "transmission-create"
mkdir -p "$work/home"
tr_port=$(_nginx_free_port)
HOME="$work/home" transmission-cli -w "$work/store" -p "$tr_port" "$work/v1.torrent" >"$work/tr.log" 2>&1 &
for _ in $(seq 1 2000); do
  grep -q "Seeding" "$work/tr.log" && break
  sleep 0.005
done
grep -q "Seeding" "$work/tr.log" || fail "transmission-cli did not start seeding: $(tail -c 300 "$work/tr.log")"
expect_out 0 "" -- "$cp_bin" restore "$work/v1.torrent" --peer "127.0.0.1:$tr_port" "${swarm[@]}" --db "$work/t1" --root "$root"
exact "$work/t1" || fail "restore from transmission-cli: state differs"

# A torrent that lies about one chunk (made over a tampered copy, seeded as it is):
# that chunk fails its proof, the run ends with exit 3 naming it, nothing is visible.
mkdir "$work/liar" && cp -r "$ckpt" "$work/liar/"
python3 - "$work/liar/$name/chunks/00000003.chunk" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1
open(p, "wb").write(b)
PY
# publish itself would refuse nothing here (it reads sizes, not contents): the torrent
# hashes the tampered bytes, so every peer sends them and libtorrent accepts them.
"$cp_bin" publish "$work/liar/$name" >/dev/null || fail "publish liar"
cp "$work/liar/$name/checkpoint.torrent" "$work/liar.torrent"
seed_start liar "$work/liar"
expect_out 3 "chunk 3: corrupt: the swarm's copy" -- "$cp_bin" restore "$work/liar.torrent" --peer "$liar" "${swarm[@]}" --db "$work/x1" --root "$root"
"$cp_bin" state info --db "$work/x1" 2>/dev/null | grep -q "^height 1" && fail "a lying torrent made a height visible"
# Kept files of a lying torrent never land in a checkpoint directory, even one of its name.
cp "$ckpt/checkpoint.torrent" "$work/good.torrent"
expect_out 3 "" -- "$cp_bin" restore "$work/liar.torrent" --peer "$liar" "${swarm[@]}" --db "$work/x2" --root "$root" --keep-files "$work/store"
expect_out 0 "" -- "$cp_bin" verify "$ckpt" --root "$root"
cmp -s "$ckpt/checkpoint.torrent" "$work/good.torrent" || fail "a lying torrent replaced the store's checkpoint.torrent"
expect_out 0 "partial swarm download" -- "$cp_bin" list "$work/store"
# A garbled checkpoint.torrent is skipped; the seeder goes on with the others.
echo garbage >"$work/liar/$name/checkpoint.torrent"
for _ in $(seq 1 1000); do
  grep -q "^skipped $name" "$seed_log" && break
  sleep 0.01
done
grep -q "^skipped $name" "$seed_log" || fail "seed did not skip a garbled torrent: $(tail -3 "$seed_log")"
kill -0 "${seeders[-1]}" 2>/dev/null || fail "a garbled torrent stopped the seeder: $(tail -3 "$seed_log")"
echo garbage >"$work/bad.torrent"
expect 2 "not a torrent" -- "$cp_bin" restore "$work/bad.torrent" "${swarm[@]}" --db "$work/x3" --root "$root"

# seed follows the store: a pruned checkpoint is dropped; SIGTERM stops it cleanly (exit 0).
rm -rf "$ckpt"
for _ in $(seq 1 1000); do
  grep -q "^dropped $name" "$first_seed_log" && break
  sleep 0.01
done
grep -q "^dropped $name" "$first_seed_log" || fail "seed kept a deleted checkpoint"
kill -TERM "${seeders[0]}"
wait "${seeders[0]}"
rc=$?
[ $rc = 0 ] || fail "seed on SIGTERM: exit $rc"
grep -q "^stopped; uploaded [1-9][0-9]* bytes" "$first_seed_log" || fail "seed's last words: $(tail -2 "$first_seed_log")"
finish
