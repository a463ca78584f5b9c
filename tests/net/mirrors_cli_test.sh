#!/usr/bin/env bash
# Restoring from untrusted mirrors: every kind of lie a mirror can tell, next
# to an honest nginx (the exact state, the liar named) and alone (exit 3,
# nothing visible). Loopback only; conditions, not sleeps.
# usage: mirrors_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(dirname "$0")
# Needs nginx and python3 (scripts/install-deps.sh installs them).
command -v python3 >/dev/null && [ -x "${NGINX:-/usr/sbin/nginx}" ] || { echo "no nginx or python3"; exit 77; }
source "$here/../cli/lib.sh"
source "$here/nginx.sh"
source "$here/mirror.sh"
nginx_stop_on_exit

"$gen_bin" --db "$work/src" --keys 20000 --heights 2 --churn 0.2 --seed 4 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 2 ' "$work/gen.out" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$work/src" --out "$work/store" --height 2 --chunk-size 32KiB | tail -1)
old=$("$cp_bin" create --db "$work/src" --out "$work/old" --height 1 --chunk-size 32KiB | tail -1)
name=$(basename "$ckpt")
id=$(sha256sum "$ckpt/manifest.json" | cut -c1-64)
chunks=$(ls "$ckpt/chunks" | wc -l)
"$cp_bin" state dump --db "$work/src" --height 2 >"$work/want.dump"
nginx_start "$work/store" "$work/nginx" >/dev/null || { fail "nginx did not start"; finish; exit; }
honest="$NGINX_URL/$name/"

# A forged manifest for the same root: one chunk's digest changed (still canonical).
python3 - "$ckpt/manifest.json" "$work/forged.json" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
digest = json.loads(text)["chunks"][3]["digest"]
open(sys.argv[2], "w").write(text.replace(digest, "ab" * 32, 1))
EOF

# restored DB: the restored height is exactly the source's.
restored() {
  "$cp_bin" state dump --db "$1" --height 2 2>/dev/null | cmp -s - "$work/want.dump"
}

# mirror_field JSON_FILE URL FIELD: that mirror's field in a --json report.
mirror_field() {
  python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["mirrors"]:
    if m["name"].rstrip("/") == sys.argv[2].rstrip("/"):
        print(m[sys.argv[3]]); break' "$@"
}

net=(--slow-after 2 --connections 4 --threads 2)
# Each lie beside an honest mirror: the exact state; the liar has strikes or
# was dropped, and nothing it sent was taken for good unless it was good.
for mode in "flip" "other:$old" "truncate" "longer" "endless" "status:404" "status:500" \
  "redirect-loop" "redirect-file" "stall" "drip"; do
  start_mirror bad "$ckpt" --mode "$mode" --every 3
  db="$work/db-${mode//[:\/]/_}"
  expect_out 0 "" -- timeout 120 "$cp_bin" restore "$bad" "$honest" --db "$db" --root "$root" "${net[@]}" --json
  restored "$db" || fail "$mode: restored state differs"
  json_ok "$work/out" || { fail "$mode: --json: $(head -c 300 "$work/out")"; continue; }
  case $mode in
    stall | drip) ;;  # slow, not wrong: the honest mirror races it
    *)
      blame=$(($(mirror_field "$work/out" "$bad" strikes) + $(mirror_field "$work/out" "$bad" failures)))
      [ "$blame" -ge 1 ] || fail "$mode: the lying mirror was not blamed: $(cat "$work/out")"
      ;;
  esac
done

# The same lies with no honest mirror: exit 3, nothing visible, and quickly.
for mode in "flip" "other:$old" "truncate" "longer" "endless" "status:404" "status:500" \
  "redirect-loop" "redirect-file" "stall"; do
  start_mirror bad "$ckpt" --mode "$mode"
  db="$work/alone-${mode//[:\/]/_}"
  expect_out 3 "" -- timeout 120 "$cp_bin" restore "$bad" --db "$db" --root "$root" "${net[@]}"
  grep -q "^mirror $bad.*dropped\|^chunk" "$work/out" || fail "$mode alone: no reason given: $(head -c 300 "$work/out")"
  "$cp_bin" state info --db "$db" --json 2>/dev/null | grep -q '"heights":\[\]' ||
    fail "$mode alone: a height became visible"
done

# A forged manifest for the true root, offered by two mirrors (so it is tried
# first) that serve honest chunks: its chunk 3 can never match; the run gives
# it up for the honest mirror's manifest and ends with the exact state.
start_mirror forged1 "$ckpt" --mode "manifest:$work/forged.json"
start_mirror forged2 "$ckpt" --mode "manifest:$work/forged.json"
for cmd in restore verify; do
  dest=()
  [ $cmd = restore ] && dest=(--db "$work/db-forged")
  expect_out 0 "" -- timeout 120 "$cp_bin" $cmd "$forged1" "$forged2" "$honest" "${dest[@]}" --root "$root" "${net[@]}" --json
  grep -q "\"id\":\"$id\"" "$work/out" || fail "forged manifest, $cmd: not the true id: $(head -c 400 "$work/out")"
done
restored "$work/db-forged" || fail "forged manifest: restored state differs"
# With --id the forged manifest is never used.
expect_out 0 "" -- "$cp_bin" verify "$forged1" "$honest" --id "$id" "${net[@]}" --json
grep -q '"ok":true' "$work/out" || fail "--id with a forged mirror: $(head -c 300 "$work/out")"
# Only forged mirrors: exit 3, nothing visible.
expect_out 3 "" -- timeout 120 "$cp_bin" restore "$forged1" "$forged2" --db "$work/db-forged-only" --root "$root" "${net[@]}"
"$cp_bin" state info --db "$work/db-forged-only" --json 2>/dev/null | grep -q '"heights":\[\]' ||
  fail "forged manifest alone: a height became visible"

# A re-created checkpoint of a state restored through liars has the same id.
recreated=$("$cp_bin" create --db "$work/db-flip" --out "$work/again" --height 2 --chunk-size 32KiB | tail -1)
[ "$(basename "$recreated")" = "$name" ] || fail "re-created checkpoint $recreated is not $name"

# Bodies are capped: an endless body beside an honest mirror costs bounded
# memory (connections x the largest chunk file + a constant).
start_mirror endless "$ckpt" --mode endless
/usr/bin/time -f "%M" -o "$work/rss" "$cp_bin" restore "$endless" "$honest" --db "$work/db-rss" \
  --root "$root" "${net[@]}" >/dev/null 2>&1 || fail "restore beside an endless mirror failed"
rss_kib=$(tail -1 "$work/rss")
[ -n "${CHECKPOINT_SANITIZED:-}" ] || [ "$rss_kib" -lt $((160 * 1024)) ] ||
  fail "peak RSS $rss_kib KiB beside an endless body"
echo "peak RSS beside an endless body: $rss_kib KiB ($chunks chunks)"

finish
