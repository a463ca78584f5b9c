#!/usr/bin/env bash
# Data loss and escaping the given paths (issue 10, items 6-13 and 20):
# --force clears only a database of ours and only under its lock, nothing is
# written through a link, non-regular targets are refused, unreadable pins
# keep, pins lock the store, and damaged checkpoints are not taken for good.
# usage: paths_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$(realpath "$1")
gen_bin=$2
source "$(dirname "$0")/lib.sh"

db=$work/db
store=$work/store
"$gen_bin" --db "$db" --keys 3000 --heights 3 --seed 7 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root_of() { grep "^height $1 " "$work/gen.out" | awk '{print $4}'; }
root=$(root_of 2)
ck=$("$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB | tail -1)
[ -d "$ck/chunks" ] || fail "setup create"
verify_ck() { "$cp_bin" verify "$1" --root "$root" >/dev/null 2>&1 || fail "$2: $1 no longer verifies"; }

# 6. --force clears only a database of ours.
mkdir "$work/user" && echo precious >"$work/user/notes.txt"
expect 1 "not a state database" -- "$cp_bin" restore "$ck" --db "$work/user" --root "$root" --force
[ "$(cat "$work/user/notes.txt" 2>/dev/null)" = precious ] || fail "restore --force deleted a user directory"
expect 1 "not a state database" -- "$cp_bin" restore "$ck" --db "$ck" --root "$root" --force
verify_ck "$ck" "restore --force --db CKPT"
expect 1 "not a state database" -- "$cp_bin" restore "$ck" --db "$store" --root "$root" --force
verify_ck "$ck" "restore --force --db STORE"
printf 'put 61 62\n' | "$cp_bin" state apply --db "$work/other" --height 5 >/dev/null || fail "state apply"
expect 1 "other state" -- "$cp_bin" restore "$ck" --db "$work/other" --root "$root"
expect 0 "" -- "$cp_bin" restore "$ck" --db "$work/other" --root "$root" --force
"$cp_bin" state info --db "$work/other" >"$work/info" 2>&1
grep -q "^height 2 root $root" "$work/info" && ! grep -q '^height 5 ' "$work/info" || fail "--force did not clear: $(cat "$work/info")"

# 7 and 8. A database in use: nothing is deleted, not even ingest-tmp.
printf 'put 61 62\n' | "$cp_bin" state apply --db "$work/busy" --height 5 >/dev/null || fail "state apply"
mkdir -p "$work/busy/ingest-tmp" && echo t >"$work/busy/ingest-tmp/1-0.sst"
if holder=$(hold_lock fcntl "$work/busy/LOCK"); then
  expect 1 "in use" -- "$cp_bin" restore "$ck" --db "$work/busy" --root "$root" --force
  expect 1 "in use" -- "$cp_bin" state prune --db "$work/busy" --below 1
  [ -e "$work/busy/ingest-tmp/1-0.sst" ] || fail "an open that found the database locked removed ingest-tmp"
  release_lock "$holder"
else
  fail "could not hold the database lock"
fi
expect_out 0 "height 5" -- "$cp_bin" state info --db "$work/busy"

# 9. Nothing is written through a link the tool did not make.
echo outside >"$work/outside"
mkdir "$work/s9" && ln -s "$work/outside" "$work/s9/.lock"
expect 1 "" -- "$cp_bin" create --db "$db" --out "$work/s9" --height 1 --chunk-size 4KiB
[ "$(cat "$work/outside")" = outside ] || fail "create wrote through STORE/.lock"
ln -s "$work/outside" "$ck/.pinned.tmp"
"$cp_bin" pin "$ck" --reason x >/dev/null 2>&1
[ "$(cat "$work/outside")" = outside ] || fail "pin wrote through CKPT/.pinned.tmp"
"$cp_bin" unpin "$ck" >/dev/null 2>&1; rm -f "$ck/.pinned.tmp"

# 10. --metrics-file must be a regular file (or absent).
mknod "$work/null" c 1 3
mkdir "$work/mdir" && mkfifo "$work/mfifo" && ln -s "$work/outside" "$work/mlink"
for target in "$work/null" "$work/mdir" "$work/mfifo" "$work/mlink"; do
  expect_out 2 "not a regular file" -- timeout 20 "$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB --metrics-file "$target"
done
[ -c "$work/null" ] && [ -d "$work/mdir" ] && [ -p "$work/mfifo" ] && [ -L "$work/mlink" ] || fail "a metrics target was replaced"
[ "$(cat "$work/outside")" = outside ] || fail "metrics wrote through a link"

# 11. A pin marker that cannot be read keeps the checkpoint, with a warning.
for kind in dir fifo dangling; do
  s=$work/s11-$kind
  c=$("$cp_bin" create --db "$db" --out "$s" --height 2 --chunk-size 4KiB | tail -1)
  case $kind in
    dir) mkdir "$c/pinned" && touch "$c/pinned/x" ;;
    fifo) mkfifo "$c/pinned" ;;
    dangling) ln -s "$work/nowhere" "$c/pinned" ;;
  esac
  expect_out 0 "warning" -- timeout 20 "$cp_bin" prune "$s" --keep-last 0
  [ -d "$c" ] || fail "prune deleted a checkpoint whose pin ($kind) it could not read"
  timeout 20 "$cp_bin" list "$s" --json >"$work/l11" 2>/dev/null
  grep -q '"pinned":true' "$work/l11" || fail "list: unreadable pin ($kind) not shown as pinned"
  # 20. A pin that fails leaves no .pinned.tmp.
  [ "$kind" = dir ] && { expect 1 "" -- "$cp_bin" pin "$c" --reason again; [ -e "$c/.pinned.tmp" ] && fail "a failed pin left .pinned.tmp"; }
done

# 12. pin CKPT/ and pin . lock the store, not the checkpoint.
if holder=$(hold_lock flock "$store/.lock"); then
  expect 75 "" -- "$cp_bin" pin "$ck/"
  (cd "$ck" && "$cp_bin" pin . >"$work/out" 2>&1); [ $? = 75 ] || fail "pin . did not wait for the store lock: $(cat "$work/out")"
  (cd "$ck/chunks" && "$cp_bin" unpin .. >"$work/out" 2>&1); [ $? = 75 ] || fail "unpin .. did not wait for the store lock"
  release_lock "$holder"
fi
[ -e "$ck/.lock" ] && fail "pin left CKPT/.lock"
(cd "$ck" && "$cp_bin" pin . --reason dot >/dev/null) || fail "pin ."
expect_out 0 "" -- "$cp_bin" prune "$store" --keep-last 0
verify_ck "$ck" "prune after pin ."
"$cp_bin" unpin "$ck/" >/dev/null || fail "unpin CKPT/"

# 13. create over a damaged checkpoint of the same content replaces it.
rm "$ck/chunks/00000001.chunk"
"$cp_bin" list "$store" >"$work/l13"
grep "incomplete" "$work/l13" | grep -q "cleaned by the next locked run" && fail "list promises a clean-up nobody does: $(cat "$work/l13")"
expect_out 0 "" -- "$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB
grep -q "already checkpointed" "$work/err" && fail "create took a damaged checkpoint for done"
verify_ck "$ck" "create over a missing chunk"
: >"$ck/chunks/00000002.chunk"
expect_out 0 "" -- "$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB --json
verify_ck "$ck" "create over an empty chunk"
expect_out 0 "already checkpointed" -- "$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB
ls -a "$store" | grep -q '^\.trash' && fail "create left a trash directory"

# 20. Smaller ones.
rm "$ck/chunks/00000003.chunk" && mkdir "$ck/chunks/00000003.chunk"
expect 1 "" -- "$cp_bin" verify "$ck" --root "$root"
expect 1 "" -- "$cp_bin" restore "$ck" --db "$work/r20" --root "$root"
rmdir "$ck/chunks/00000003.chunk"
"$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB >/dev/null 2>&1
verify_ck "$ck" "create after a directory chunk"
for size in 0 1B 1023B 5GiB; do
  expect 2 "chunk-size" -- "$cp_bin" create --db "$work/none" --out "$work/s20" --height 1 --chunk-size "$size"
done
[ -e "$work/s20" ] && fail "a usage error made the store"
expect 1 "multiple" -- "$cp_bin" create --db "$db" --out "$work/s20" --height latest --interval 18446744073709551615
grep -q "no longer in the database" "$work/err" && fail "huge --interval: $(cat "$work/err")"
expect 2 "reason" -- "$cp_bin" pin "$ck" --reason "$(printf 'two\nlines')"
[ -e "$ck/pinned" ] || [ -e "$ck/.pinned.tmp" ] && fail "a refused pin left a file"

finish
