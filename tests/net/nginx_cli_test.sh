#!/usr/bin/env bash
# A store served by a real nginx with the shipped contrib config: restore,
# verify, fetch and list by URL give what the directory gives; the served
# index.json follows every store change; a SIGKILLed network restore or fetch,
# run again, fetches only what it was missing (counted in nginx's log).
# usage: nginx_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(dirname "$0")
# Needs nginx and python3 (scripts/install-deps.sh installs them).
command -v python3 >/dev/null && [ -x "${NGINX:-/usr/sbin/nginx}" ] || { echo "no nginx or python3"; exit 77; }
source "$here/../cli/lib.sh"
source "$here/nginx.sh"
nginx_stop_on_exit

"$gen_bin" --db "$work/src" --keys 60000 --heights 2 --churn 0.1 --seed 7 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 2 ' "$work/gen.out" | awk '{print $4}')
root1=$(grep '^height 1 ' "$work/gen.out" | awk '{print $4}')
ckpt1=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 1 --chunk-size 16KiB | tail -1)
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 2 --chunk-size 16KiB | tail -1)
name=$(basename "$ckpt")
id=$(sha256sum "$ckpt/manifest.json" | cut -c1-64)
chunks=$(ls "$ckpt/chunks" | wc -l)
"$cp_bin" state dump --db "$work/src" --height 2 >"$work/want.dump"
nginx_start "$work/store" "$work/nginx" >/dev/null || { fail "nginx did not start"; finish; exit; }
store_url=$NGINX_URL
ckpt_url="$NGINX_URL/$name/"
chunk_requests() { grep -c '\.chunk 200 ' "$NGINX_ACCESS_LOG"; }

# The index lists both checkpoints and follows pin / prune.
"$cp_bin" list "$store_url" --json >"$work/list.json" || fail "list URL"
python3 - "$work/list.json" "$id" "$root" "$ckpt_url" <<'EOF' || fail "list URL: $(cat "$work/list.json")"
import json, sys
cps = json.load(open(sys.argv[1]))["checkpoints"]
assert len(cps) == 2, cps
top = cps[-1]
assert (top["id"], top["root"], top["path"], top["height"]) == (sys.argv[2], sys.argv[3], sys.argv[4], 2), top
EOF
"$cp_bin" pin "$ckpt1" --reason "kept" || fail "pin"
"$cp_bin" list "$store_url" | grep -q "^1 .*pinned" || fail "index.json does not show the pin: $(cat "$work/store/index.json")"
"$cp_bin" unpin "$ckpt1" || fail "unpin"
"$cp_bin" prune "$work/store" --keep-last 1 >/dev/null || fail "prune"
[ "$("$cp_bin" list "$store_url" | wc -l)" = 1 ] || fail "index.json after prune: $(cat "$work/store/index.json")"
curl -s -D - -o /dev/null "$store_url/index.json" | grep -qi '^cache-control: no-cache' || fail "index.json is cached"
curl -s -D - -o /dev/null "$ckpt_url/chunks/00000000.chunk" | grep -qi 'immutable' || fail "chunks are not immutable"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$store_url/.lock")" = 404 ] || fail ".lock is served"

# By URL exactly what the directory gives.
expect_out 0 "" -- "$cp_bin" verify "$ckpt_url" --root "$root" --json
grep -q "\"id\":\"$id\"" "$work/out" && grep -q '"ok":true' "$work/out" || fail "verify URL: $(head -c 300 "$work/out")"
expect_out 0 "" -- "$cp_bin" verify "$store_url" --height latest --id "$id"
expect_out 3 "" -- "$cp_bin" verify "$ckpt_url" --root "$root1"
expect_out 2 "is a store" -- "$cp_bin" verify "$store_url"
expect_out 0 "" -- "$cp_bin" restore "$store_url" --root "$root" --db "$work/db-url"
"$cp_bin" state dump --db "$work/db-url" --height 2 | cmp -s - "$work/want.dump" || fail "restore URL: state differs"
# Two URLs of one checkpoint (a store and a checkpoint directory) are mirrors.
expect_out 0 "" -- "$cp_bin" fetch "$store_url" "$ckpt_url" --height 2 --root "$root" --out "$work/copy" --json
grep -q "\"path\":\"$work/copy/$name\"" "$work/out" || fail "fetch --json: $(head -c 300 "$work/out")"
for f in manifest.json $(cd "$ckpt" && ls chunks/*); do
  cmp -s "$ckpt/$f" "$work/copy/$name/$f" || { fail "fetched $f differs"; break; }
done
"$cp_bin" list "$work/copy" | grep -q "^2 " || fail "the fetched checkpoint does not list"
grep -q "\"id\":\"$id\"" "$work/copy/index.json" || fail "fetch did not write index.json"
expect_out 0 "already in the store" -- "$cp_bin" fetch "$ckpt_url" --root "$root" --out "$work/copy"

# kill_when CONDITION -- command…: starts the command, SIGKILLs it once
# CONDITION (a shell test) holds; fails when it ended first.
kill_when() {
  local condition=$1
  shift 2
  "$@" >/dev/null 2>&1 &
  local pid=$!
  until eval "$condition"; do
    kill -0 "$pid" 2>/dev/null || { fail "$* ended before the kill"; return 1; }
    sleep 0.005
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  return 0
}

# SIGKILL a network restore once a chunk is in the database (an ingested
# table file), then the same command: it asks only for the missing chunks.
slow=(--threads 1 --connections 1)
if kill_when 'ls "$work/db-kill"/*.sst >/dev/null 2>&1' -- \
  "$cp_bin" restore "$ckpt_url" --root "$root" --db "$work/db-kill" "${slow[@]}"; then
  : >"$NGINX_ACCESS_LOG"
  expect_out 0 "" -- "$cp_bin" restore "$ckpt_url" --root "$root" --db "$work/db-kill" --json
  resumed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resumed"])' "$work/out")
  [ "${resumed:-0}" -ge 1 ] && [ "$resumed" -lt "$chunks" ] || fail "restore resumed $resumed of $chunks"
  [ "$(chunk_requests)" = $((chunks - resumed)) ] ||
    fail "resumed restore asked for $(chunk_requests) chunks, $((chunks - resumed)) were missing"
  "$cp_bin" state dump --db "$work/db-kill" --height 2 | cmp -s - "$work/want.dump" || fail "resumed restore: state differs"
fi

# The same for fetch: the partial download survives, is listed, and resumes.
if kill_when 'ls "$work/fetched"/.partial-*/chunks/00000003.chunk >/dev/null 2>&1' -- \
  "$cp_bin" fetch "$ckpt_url" --root "$root" --out "$work/fetched" "${slow[@]}"; then
  "$cp_bin" list "$work/fetched" | grep -q "^partial download" || fail "list does not show the partial download"
  [ -z "$(ls "$work/fetched" | grep -v index.json)" ] || fail "a killed fetch left something that looks like a checkpoint"
  : >"$NGINX_ACCESS_LOG"
  expect_out 0 "" -- "$cp_bin" fetch "$ckpt_url" --root "$root" --out "$work/fetched" --json
  resumed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resumed"])' "$work/out")
  [ "${resumed:-0}" -ge 1 ] && [ "$resumed" -lt "$chunks" ] || fail "fetch resumed $resumed of $chunks"
  [ "$(chunk_requests)" = $((chunks - resumed)) ] ||
    fail "resumed fetch asked for $(chunk_requests) chunks, $((chunks - resumed)) were missing"
  expect_out 0 "" -- "$cp_bin" verify "$work/fetched/$name" --id "$id"
  ls -a "$work/fetched" | grep -q '^\.partial-' && fail "the partial download was left behind"
fi

finish
