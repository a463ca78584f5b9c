#!/usr/bin/env bash
# Hostile local inputs (issue 10, items 14, 15, 19): FIFOs where files are
# expected never block, --json stays valid JSON with non-UTF-8 bytes, and a
# giant write-log line is refused without being buffered.
# usage: hostile_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$(realpath "$1")
gen_bin=$2
source "$(dirname "$0")/lib.sh"

db=$work/db
"$gen_bin" --db "$db" --keys 2000 --heights 2 --seed 3 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root=$(grep '^height 2 ' "$work/gen.out" | awk '{print $4}')

# 14. A FIFO in place of each file: every command finishes (timeout's 124
# means it hung), with an error or calling the checkpoint damaged.
finishes() {
  local what=$1
  shift
  timeout "${HANG_SECONDS:-20}" "$@" >"$work/out" 2>"$work/err"
  code=$?
  [ "$code" = 124 ] && fail "$what hangs: $*"
  [ "$code" -ge 128 ] && fail "$what crashed ($code): $*"
  return 0
}
for file in manifest.json chunks/00000000.chunk pinned info.json; do
  s=$work/s14-${file//\//_}
  c=$("$cp_bin" create --db "$db" --out "$s" --height 2 --chunk-size 4KiB | tail -1)
  rm -f "$c/$file" && mkfifo "$c/$file"
  finishes "verify ($file)" "$cp_bin" verify "$c" --root "$root"
  case $file in manifest.json|chunks/*) [ "$code" = 0 ] && fail "verify accepted a FIFO $file" ;; esac
  finishes "inspect ($file)" "$cp_bin" inspect "$c"
  finishes "inspect --chunk ($file)" "$cp_bin" inspect "$c" --chunk 0
  finishes "restore ($file)" "$cp_bin" restore "$c" --db "$work/r-${file//\//_}" --root "$root"
  finishes "list ($file)" "$cp_bin" list "$s"
  finishes "prune ($file)" "$cp_bin" prune "$s" --keep-last 5
  finishes "create --keep ($file)" "$cp_bin" create --db "$db" --out "$s" --height 1 --chunk-size 4KiB --keep 1
  # The run that met the FIFO must not have kept the store lock or staging.
  ls -a "$s" | grep -q '^\.staging' && fail "staging left after a FIFO ($file)"
done

# 15. --json is valid JSON whatever bytes the paths and pin reasons hold, and
# no exception escapes main.
ff=$'\xff'
s=$work/store$ff
expect_out 0 "" -- "$cp_bin" create --db "$db" --out "$s" --height 2 --chunk-size 4KiB --json
json_ok "$work/out" || fail "create --json with a non-UTF-8 store path: $(head -c 200 "$work/out")"
c=$(ls -d "$s"/2-* | head -1)
expect_out 0 "" -- "$cp_bin" pin "$c" --reason "bad byte $ff here"
expect_out 0 "" -- "$cp_bin" list "$s" --json
json_ok "$work/out" || fail "list --json: $(head -c 200 "$work/out")"
expect_out 0 "" -- "$cp_bin" verify "$c" --root "$root" --json
json_ok "$work/out" || fail "verify --json: $(head -c 200 "$work/out")"
expect_out 0 "" -- "$cp_bin" restore "$c" --db "$work/db$ff" --root "$root" --json
json_ok "$work/out" || fail "restore --json: $(head -c 200 "$work/out")"
expect_out 0 "" -- "$cp_bin" state info --db "$work/db$ff" --json
json_ok "$work/out" || fail "state info --json: $(head -c 200 "$work/out")"

# 19. A giant line is refused as soon as it is longer than any legal line:
# peak memory stays far below the line's size.
rss_of() { /usr/bin/time -f '%M' -o "$work/rss" "$@"; }
for shape in key value op; do
  {
    case $shape in
      key) printf 'put ' ;;
      value) printf 'put 61 ' ;;
      op) ;;
    esac
    head -c 150000000 /dev/zero | tr '\0' 'a'
    printf '\n'
  } >"$work/big.log"
  rss_of "$cp_bin" state apply --db "$work/big-$shape" --height 1 "$work/big.log" >"$work/out" 2>"$work/err"
  code=$?
  [ "$code" = 1 ] && grep -q '^checkpoint: .*line 1' "$work/err" || fail "giant $shape line: exit $code $(head -c 200 "$work/err")"
  rss=$(tail -1 "$work/rss")
  [ "$rss" -lt 300000 ] || fail "giant $shape line: peak RSS $rss KiB"
  echo "giant $shape line: peak RSS $rss KiB"
  [ -e "$work/big-$shape" ] && fail "a refused log made a database"
done
rm -f "$work/big.log"

finish
