#!/usr/bin/env bash
# checkpoint create as cron runs it: paths, no-ops, latest/interval, JSON,
# and errors that leave no debris.
# usage: create_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
source "$(dirname "$0")/lib.sh"

db=$work/db
"$gen_bin" --db "$db" --keys 20000 --heights 7 --churn 0.02 --seed 3 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root5=$(grep '^height 5 ' "$work/gen.out" | awk '{print $4}')

expect 0 "" -- "$cp_bin" create --db "$db" --out "$work/store" --height 5 --chunk-size 64KiB --threads 1
path=$(tail -1 "$work/out")
case "$path" in /*) ;; *) fail "last line is not an absolute path: $path" ;; esac
[ -f "$path/manifest.json" ] || fail "no manifest at $path"
grep -q "\"root\":\"$root5\"" "$path/manifest.json" || fail "manifest root is not height 5's"
[ "$(basename "$path")" = "5-$(sha256sum "$path/manifest.json" | cut -c1-12)" ] || fail "directory is not <height>-<id12>"

# The same again with other threads: a no-op naming the same path.
expect 0 "already checkpointed" -- "$cp_bin" create --db "$db" --out "$work/store" --height 5 --chunk-size 64KiB --threads 2
[ "$(tail -1 "$work/out")" = "$path" ] || fail "no-op printed $(tail -1 "$work/out"), want $path"
# Other threads into another store: the same bytes.
"$cp_bin" create --db "$db" --out "$work/store2" --height 5 --chunk-size 64KiB --threads 2 >"$work/out2" || fail "create store2"
diff -r -x info.json "$path" "$(tail -1 "$work/out2")" >/dev/null || fail "threads 1 and 2 differ"

# latest and interval
expect 0 "" -- "$cp_bin" create --db "$db" --out "$work/store" --height latest --interval 3 --chunk-size 64KiB --json
grep -q '"height":6,' "$work/out" || fail "latest with interval 3 should pick height 6: $(cat "$work/out")"
for field in path id root chunks bytes raw_bytes seconds; do
  grep -q "\"$field\":" "$work/out" || fail "--json lacks $field"
done
expect 2 "--interval goes with --height latest" -- "$cp_bin" create --db "$db" --out "$work/store" --height 5 --interval 3
expect 2 "--chunk-size takes" -- "$cp_bin" create --db "$db" --out "$work/store" --height 5 --chunk-size 12XB
expect 2 "missing --height" -- "$cp_bin" create --db "$db" --out "$work/store"
expect 2 "--format-version" -- "$cp_bin" create --db "$db" --out "$work/store" --height 5 --format-version 9

# Errors leave nothing behind.
expect 1 "no height 99" -- "$cp_bin" create --db "$db" --out "$work/fresh" --height 99
[ -e "$work/fresh" ] && fail "a failed create left $work/fresh"
expect 1 "no database at" -- "$cp_bin" create --db "$work/nodb" --out "$work/fresh" --height 1
[ -e "$work/nodb" ] && fail "create made a database"
touch "$work/file"
expect 1 "cannot create directory" -- "$cp_bin" create --db "$db" --out "$work/file/store" --height 5
"$cp_bin" state prune --db "$db" --below 7 >/dev/null
expect 1 "is no longer in the database" -- "$cp_bin" create --db "$db" --out "$work/store" --height latest --interval 3
ls -a "$work/store" | grep -q staging && fail "staging debris in the store"

finish
