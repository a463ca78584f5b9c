#!/usr/bin/env bash
# A stranger's attacks on the network sources that once broke an invariant:
# a manifest or index.json dripped just above the stall rate (a hang), an
# index.json built to blow up the JSON parser (memory), terminal escapes in
# an index. Loopback only, python3 mirrors (no nginx needed).
# usage: attack_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(dirname "$0")
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
source "$here/../cli/lib.sh"
source "$here/mirror.sh"

"$gen_bin" --db "$work/src" --keys 4000 --heights 2 --seed 7 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 2 ' "$work/gen.out" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 2 --chunk-size 16KiB | tail -1)
name=$(basename "$ckpt")
id=$(sha256sum "$ckpt/manifest.json" | cut -c1-64)

# within SECONDS CMD…: CMD ran no longer than SECONDS (its exit code is kept).
within() {
  local limit=$1 start=$SECONDS
  shift
  timeout $((limit + 30)) "$@"
  local rc=$?
  [ $((SECONDS - start)) -le "$limit" ] || fail "took $((SECONDS - start)) s (at most $limit): $*"
  return $rc
}

start_mirror honest "$ckpt"
start_mirror honest_store "$work/store"
start_mirror drip "$ckpt" --mode meta-drip:2
start_mirror drip_store "$work/store" --mode meta-drip:2

# A manifest dripped at 2 B/s beside an honest mirror: given up after
# --slow-after once the honest one answered, and named.
expect_out 0 "slower than --min-speed" -- within 20 "$cp_bin" verify "$drip" "$honest" --root "$root" --slow-after 2
# Alone: the manifest's deadline (connect + stall + 64 MiB at --min-speed) ends it: exit 3.
expect_out 3 "Timeout was reached" -- within 25 "$cp_bin" verify "$drip" --root "$root" --slow-after 1 --min-speed 16MiB
expect_out 3 "" -- within 25 "$cp_bin" fetch "$drip" --out "$work/fetched" --root "$root" --slow-after 1 --min-speed 16MiB
# A dripped index.json: list fails (1), and a store mirror beside an honest one is named.
expect 1 "Timeout was reached" -- within 20 "$cp_bin" list "$drip_store" --slow-after 1 --min-speed 16MiB
expect_out 0 "Timeout was reached" -- within 25 "$cp_bin" verify "$drip_store" "$honest_store" --id "$id" --slow-after 1 --min-speed 16MiB

# A lone mirror dripping every chunk at 2 B/s (an honest manifest): each
# transfer's deadline (connect + stall + the chunk's bound at --min-speed)
# ends it; three in a row drop the mirror: exit 3 in bounded time, not hours.
start_mirror chunk_drip "$ckpt" --mode drip:2
expect_out 3 "dropped" -- within 60 "$cp_bin" restore "$chunk_drip" --db "$work/drip-db" --root "$root" --slow-after 1 --min-speed 64KiB
"$cp_bin" state info --db "$work/drip-db" --json 2>/dev/null | grep -q '"heights":\[\]' || fail "a dripped restore made a height visible"

# Forged index.json files: refused or read in bounded memory, one line, no crash.
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
cap = 8 << 20  # kMaxIndexBytes
open(f"{w}/deep.json", "w").write("[" * (cap // 2 - 8) + "]" * (cap // 2 - 8))
n = (cap - 64) // 3
open(f"{w}/wide.json", "w").write('{"format_version":1,"checkpoints":[],"x":[' + ",".join(["{}"] * n) + "]}")
open(f"{w}/empties.json", "w").write('{"format_version":1,"checkpoints":[' + ",".join(["{}"] * n) + "]}")
e = {"height": 2, "id": "ab" * 32, "root": "cd" * 32, "created": "\x1b]0;pwned\x07\x1b[2J"}
open(f"{w}/escape.json", "w").write(json.dumps({"format_version": 1, "checkpoints": [e]}))
PY
for index in deep wide empties escape; do
  start_mirror forged "$work/store" --mode "index:$work/$index.json"
  /usr/bin/time -f "%M" -o "$work/rss" "$cp_bin" list "$forged" >"$work/out" 2>"$work/err"
  rc=$?
  case $index in
    deep | empties) [ $rc = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] || fail "$index index: exit $rc: $(head -c 200 "$work/err")" ;;
    *) [ $rc = 0 ] || fail "$index index: exit $rc: $(head -c 200 "$work/err")" ;;
  esac
  rss_kib=$(tail -1 "$work/rss")
  [ "$rss_kib" -lt $((128 * 1024)) ] || fail "$index index: peak RSS $rss_kib KiB for an 8 MiB index"
  if grep -q $'\x1b' "$work/out"; then fail "$index index: list printed an escape character"; fi
done

finish
