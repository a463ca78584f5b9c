#!/usr/bin/env bash
# Attack reproducers through the CLI. Usage: tools/attack/repro_cli.sh [BUILD_DIR]
# Each section prints what it shows; "FINDING" lines are violations.
set -u
B=$(cd "${1:-build}" && pwd)
C=$B/src/cli/checkpoint
G=$B/tools/gen-state
W=$(mktemp -d /tmp/ckpt-attack.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$G" --db db --keys 2000 --seed 7 >/dev/null 2>&1
"$C" create --db db --out store --height 1 --chunk-size 4KiB >/dev/null
CK=$(ls -d store/1-*)
R=$("$C" state info --db db | awk '/^height 1 /{print $4}')
echo "truth: root $R"

echo "== A. a FIFO in place of a chunk file (or manifest.json): verify and restore block forever"
cp -r "$CK" fifo && rm fifo/chunks/00000005.chunk && mkfifo fifo/chunks/00000005.chunk
timeout 5 "$C" verify fifo --root "$R" --threads 1 >/dev/null 2>&1; rc=$?
[ $rc = 124 ] && echo "FINDING A1: verify still blocked after 5 s (timeout rc=124)" || echo "verify rc=$rc"
timeout 5 "$C" restore fifo --db fdb --root "$R" --threads 1 >/dev/null 2>&1; rc=$?
[ $rc = 124 ] && echo "FINDING A2: restore still blocked after 5 s (timeout rc=124)" || echo "restore rc=$rc"
cp -r "$CK" fifom && rm fifom/manifest.json && mkfifo fifom/manifest.json
timeout 5 "$C" verify fifom --root "$R" >/dev/null 2>&1; rc=$?
[ $rc = 124 ] && echo "FINDING A3: verify of a FIFO manifest.json blocked (rc=124)" || echo "verify rc=$rc"

echo "== B. the manifest's height is free under --root: restore at the reserved height 2^64-1"
cp -r "$CK" hmax && sed -i 's/"height":1,/"height":18446744073709551615,/' hmax/manifest.json
"$C" verify hmax --root "$R" | tail -1; echo "verify rc=$?"
"$C" restore hmax --db hdb --root "$R" >/dev/null; hrc=$?; echo "restore rc=$hrc"
"$C" state info --db hdb | grep '^height '
printf 'put 00 01\n' > wl
"$C" state apply --db hdb --height 2 wl; echo "state apply rc=$? (any height is now refused: the database can never advance)"
[ $hrc = 0 ] && echo "FINDING B: restore published reserved height 2^64-1 (Commit refuses it: 'height 2^64-1 is reserved')"

echo "== C. restore --force removes any directory, not only a database of ours"
mkdir precious && echo "not a database" > precious/notes.txt
"$C" restore "$CK" --db precious --root "$R" --force >/dev/null; echo "restore rc=$?"
[ -e precious/notes.txt ] || echo "FINDING C: precious/notes.txt is gone"

echo "== D. restore --force wipes committed state before a single chunk is checked"
"$G" --db live --keys 500 --seed 3 >/dev/null 2>&1
"$C" state info --db live | grep '^height '
cp -r "$CK" bad && printf 'garbage' > bad/chunks/00000000.chunk
"$C" restore bad --db live --root "$R" --force >/dev/null 2>&1; echo "restore rc=$? (refused, as it should be)"
"$C" state info --db live | grep -q '^height ' || echo "FINDING D: the live database's committed heights are gone, nothing restored"
