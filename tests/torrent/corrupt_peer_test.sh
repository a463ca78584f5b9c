#!/usr/bin/env bash
# A peer serving corrupted data for one chunk (bad_peer.py: stock clients verify
# what they seed, so none would): libtorrent's piece hashes refuse its blocks and the
# swarm counts strikes. Alone it gets the restore nowhere and nothing is visible;
# beside an honest seeder, a resumed and a fresh restore are both exactly the truth.
# Loopback only.
# usage: corrupt_peer_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(dirname "$0")
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
source "$here/../cli/lib.sh"
# Temporary download directories go here: each run must remove its own.
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
pids=()
# CONT first: the seeder may be stopped (run 2), and a stopped process acts on no TERM.
trap 'for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

"$gen_bin" --db "$work/src" --keys 20000 --heights 1 --seed 11 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 1 ' "$work/gen.out" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --chunk-size 16KiB | tail -1)
"$cp_bin" state dump --db "$work/src" --height 1 >"$work/want.dump"
exact() { "$cp_bin" state dump --db "$1" --height 1 | cmp -s - "$work/want.dump"; }
"$cp_bin" publish "$ckpt" >/dev/null || fail "publish"
cp "$ckpt/checkpoint.torrent" "$work/c.torrent"
bad=chunks/00000003.chunk
[ -f "$ckpt/$bad" ] || fail "the checkpoint has no $bad: $(ls "$ckpt/chunks" | head -3)"

# The bad peer on a free port; its first line of stdout is the port.
python3 "$here/bad_peer.py" "$work/c.torrent" "$ckpt" "$bad" --idle 60 >"$work/bad.port" 2>"$work/bad.log" &
pids+=($!)
for _ in $(seq 1 2000); do
  [ -s "$work/bad.port" ] && break
  sleep 0.005
done
bad_peer=127.0.0.1:$(head -1 "$work/bad.port")
[ "$bad_peer" != 127.0.0.1: ] || fail "bad_peer.py did not start: $(cat "$work/bad.log")"

# The honest seeder, as in swarm_cli_test.sh.
seed_log="$work/seed.log"
"$cp_bin" seed "$work/store" --listen 127.0.0.1:0 --rescan 1 >"$seed_log" 2>&1 &
seed_pid=$!
pids+=($seed_pid)
for _ in $(seq 1 2000); do
  grep -q "^listening on" "$seed_log" && grep -q "^seeding" "$seed_log" && break
  sleep 0.005
done
seeder=$(sed -n 's/^listening on //p' "$seed_log" | head -1)
[ -n "$seeder" ] || fail "seed did not start: $(cat "$seed_log")"

corrupted() { grep -c "corrupted piece" "$work/bad.log"; }
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/out" "$1"; }

# 1. The bad peer alone: the chunk's pieces fail the torrent's hashes, a strike each;
# libtorrent bans the peer, the swarm stalls. Exit 3, nothing visible.
expect_out 3 "chunk 3: missing: the swarm sent nothing" -- "$cp_bin" restore "$work/c.torrent" \
  --peer "$bad_peer" --listen 127.0.0.1:0 --stall-after 3 --db "$work/d1" --root "$root" --json
# On failure --json still prints the mirrors as text: "mirror NAME: C chunks, B bytes, S strikes, …".
line=$(grep "^mirror swarm " "$work/out")
s1=$(sed -n 's/.*, \([0-9]*\) strikes, .*/\1/p' <<<"$line")
c1=$(sed -n 's/^mirror [^:]*: \([0-9]*\) chunks, .*/\1/p' <<<"$line")
[ -n "$s1" ] && [ "$s1" -gt 0 ] || fail "the bad peer's pieces counted no strikes: $line"
grep -q "banned for corrupt pieces: $bad_peer" <<<"$line" || fail "run 1 does not report the ban: $line"
[ "$(corrupted)" -gt 0 ] || fail "the bad peer served no corrupted block: $(tail -5 "$work/bad.log")"
"$cp_bin" state info --db "$work/d1" 2>/dev/null | grep -q "^height 1" && fail "corrupted pieces made a height visible"
n1=$(corrupted)

# 2. The same --db, both peers. The honest seeder is stopped (SIGSTOP: its port still takes
# the connection) until the bad peer has served its corrupted block again, so that block
# surely arrives first: a strike and a ban, then the chunk from the honest seeder. Exact,
# and the chunks verified in run 1 are not fetched again.
kill -STOP "$seed_pid"
"$cp_bin" restore "$work/c.torrent" --peer "$bad_peer" --peer "$seeder" --listen 127.0.0.1:0 \
  --stall-after 60 --db "$work/d1" --root "$root" --json >"$work/out" 2>"$work/err" &
restore_pid=$!
for _ in $(seq 1 2000); do
  [ "$(corrupted)" -gt "$n1" ] && break
  kill -0 "$restore_pid" 2>/dev/null || break
  sleep 0.01
done
[ "$(corrupted)" -gt "$n1" ] || fail "run 2: the bad peer served no corrupted block: $(tail -3 "$work/bad.log")"
kill -CONT "$seed_pid"
wait "$restore_pid"
rc=$?
if [ $rc = 0 ]; then
  exact "$work/d1" || fail "resumed beside a bad peer: state differs"
  [ "$(json 'j["resumed"]')" = "$c1" ] || fail "run 2 resumed $(json 'j["resumed"]') chunks, run 1 verified $c1"
  [ "$(json 'j["mirrors"][0]["strikes"]')" -gt 0 ] || fail "run 2 counted no strikes: $(cat "$work/out")"
  json 'j["mirrors"][0]["why"]' | grep -q "banned for corrupt pieces: $bad_peer" ||
    fail "run 2 does not report the ban: $(cat "$work/out")"
else
  fail "resumed beside a bad peer: exit $rc: $(tail -n 3 "$work/err")"
fi

# 3. A fresh --db with both peers from the start: exact, whoever sends the chunk.
n2=$(corrupted)
expect_out 0 "" -- "$cp_bin" restore "$work/c.torrent" --peer "$bad_peer" --peer "$seeder" \
  --listen 127.0.0.1:0 --stall-after 60 --db "$work/d2" --root "$root" --json
exact "$work/d2" || fail "restored beside a bad peer: state differs"
echo "fresh run: $(json 'j["mirrors"][0]["strikes"]') strikes, $(($(corrupted) - n2)) corrupted blocks served"
[ -z "$(ls "$TMPDIR")" ] || fail "a temporary download directory was left: $(ls "$TMPDIR")"
finish
