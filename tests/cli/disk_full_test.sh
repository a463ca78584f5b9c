#!/usr/bin/env bash
# create into a full disk: a clear error, exit 1, no checkpoint, no staging.
# Needs root (to mount a small tmpfs): exit 77 (skipped) without it.
# usage: disk_full_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
[ "$(id -u)" = 0 ] || { echo "needs root: skipped"; exit 77; }
cp_bin=$1
gen_bin=$2
work=$(mktemp -d)
mkdir "$work/small"
mount -t tmpfs -o size=2m tmpfs "$work/small" 2>/dev/null || { echo "cannot mount tmpfs: skipped"; rm -rf "$work"; exit 77; }
trap 'umount "$work/small"; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
"$gen_bin" --db "$work/db" --keys 50000 >/dev/null 2>&1 || fail "gen-state"
"$cp_bin" create --db "$work/db" --out "$work/small/store" --height 1 --chunk-size 64KiB >"$work/out" 2>"$work/err"
code=$?
[ "$code" = 1 ] || fail "exit $code, want 1"
[ "$(wc -l <"$work/err")" = 1 ] && grep -q "^checkpoint: .*No space left on device" "$work/err" || fail "stderr: $(cat "$work/err")"
ls -a "$work/small/store" | grep -q staging && fail "staging debris left"
"$cp_bin" list "$work/small/store" | grep -q '^[0-9]' && fail "a checkpoint was published"
[ -z "$(ls -A "$work/small/store" | grep -v '^\.lock$')" ] || fail "debris: $(ls -A "$work/small/store")"
echo "$failures failures"
[ "$failures" = 0 ]
