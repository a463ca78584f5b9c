#!/usr/bin/env bash
# Bounded resources on hostile checkpoints (issue 10, items 16 and 17): a zstd
# bomb the manifest allows (4 GiB chunks) is refused by --max-chunk-size before
# any chunk is read; bombs within the bound cost at most 2 x bound x threads +
# 64 MiB; a manifest of 40 MiB of '[' or over the 64 MiB cap is refused with
# one line, under an address-space limit, without a crash.
# usage: bounds_cli_test.sh CHECKPOINT_BINARY
set -u
cp_bin=$1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bombs.sh"

# limited KIB -- command...: runs it with at most KIB KiB of address space;
# its peak RSS (KiB) goes to $work/rss when /usr/bin/time is there.
limited() {
  local kib=$1
  shift 2
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$work/rss" -f %M prlimit --as=$((kib * 1024)) "$@"
  else
    echo 0 >"$work/rss"
    prlimit --as=$((kib * 1024)) "$@"
  fi
}
# rss_at_most MIB WHAT
rss_at_most() {
  local got
  got=$(tail -1 "$work/rss")
  [ "$got" -le $(($1 * 1024)) ] || fail "$2: peak RSS $((got / 1024)) MiB, more than $1 MiB"
  echo "$2: peak RSS $((got / 1024)) MiB (bound $1 MiB)"
}

# The bomb: 131 KB chunk files declaring 4 GiB each, within the format's bound
# for chunk_size 4 GiB. Before: 4.2 GB RSS per thread, or bad_alloc and abort.
bomb_checkpoint "$work/bomb" 4294967296 4294967296 2
id=$(sha256sum "$work/bomb/manifest.json" | cut -c1-64)
expect_out 3 "verification failed" -- limited 1048576 -- "$cp_bin" verify "$work/bomb" --id "$id" --threads 2
grep -qx 'manifest: invalid: manifest chunk_size 4 GiB is more than the 256 MiB this verifier accepts (--max-chunk-size)' \
  "$work/out" || fail "verify bomb: $(cat "$work/out")"
[ "$(wc -l <"$work/err")" = 1 ] || fail "verify bomb stderr: $(cat "$work/err")"
rss_at_most 64 "verify, 4 GiB bomb, 2 threads"
expect 3 "manifest chunk_size 4 GiB is more than the 256 MiB" -- \
  limited 1048576 -- "$cp_bin" restore "$work/bomb" --db "$work/db" --id "$id" --threads 2
[ -e "$work/db" ] && fail "a refused restore created the database"
rss_at_most 64 "restore, 4 GiB bomb, 2 threads"
expect 3 "manifest chunk_size 4 GiB is more than the 256 MiB" -- \
  limited 1048576 -- "$cp_bin" inspect "$work/bomb" --chunk 0
rss_at_most 64 "inspect --chunk, 4 GiB bomb"
expect_out 3 "" -- "$cp_bin" verify "$work/bomb" --id "$id" --max-chunk-size 1KiB --json
grep -q '"class":"invalid","error":"manifest chunk_size 4 GiB is more than the 1 KiB' "$work/out" ||
  fail "verify --json bomb: $(cat "$work/out")"
expect 2 "max-chunk-size takes" -- "$cp_bin" verify "$work/bomb" --max-chunk-size 0
expect 2 "max-chunk-size takes" -- "$cp_bin" restore "$work/bomb" --db "$work/db" --id "$id" --max-chunk-size 1MB

# Bombs within the bound: 256 MiB each (the default), then 16 MiB, 2 threads.
# Each is decompressed and fails its digest; memory <= 2 x bound x threads + 64 MiB.
bomb_checkpoint "$work/bomb256" 268435456 268435456 4
id=$(sha256sum "$work/bomb256/manifest.json" | cut -c1-64)
expect_out 3 "verification failed" -- limited 4194304 -- "$cp_bin" verify "$work/bomb256" --id "$id" --threads 2
[ "$(grep -c ': corrupt: digest differs' "$work/out")" = 4 ] || fail "verify bomb256: $(cat "$work/out")"
rss_at_most $((2 * 256 * 2 + 64)) "verify, 4 x 256 MiB bombs, 2 threads"
expect_out 3 "verification failed" -- limited 4194304 -- "$cp_bin" restore "$work/bomb256" --db "$work/db256" --id "$id" --threads 2
[ "$(grep -c ': corrupt: digest differs' "$work/out")" = 4 ] || fail "restore bomb256: $(cat "$work/out")"
rss_at_most $((2 * 256 * 2 + 64)) "restore, 4 x 256 MiB bombs, 2 threads"
bomb_checkpoint "$work/bomb16" 16777216 16777216 4
expect_out 3 "verification failed" -- limited 1048576 -- "$cp_bin" verify "$work/bomb16" --max-chunk-size 16MiB --threads 2
rss_at_most $((2 * 16 * 2 + 64)) "verify, 4 x 16 MiB bombs, 2 threads"

# Manifests: 40 MiB of '[' (before: 3.1 GB and 8-25 s, or bad_alloc), one over the cap.
mkdir -p "$work/deep" "$work/huge"
head -c $((40 << 20)) /dev/zero | tr '\0' '[' >"$work/deep/manifest.json"
expect_out 3 "verification failed" -- limited 1048576 -- "$cp_bin" verify "$work/deep"
grep -q '^manifest: corrupt: manifest is not in canonical form' "$work/out" || fail "deep: $(cat "$work/out")"
rss_at_most 128 "verify, 40 MiB of ["
expect 3 "not in canonical form" -- limited 1048576 -- "$cp_bin" restore "$work/deep" --db "$work/db" --trust-manifest
rss_at_most 128 "restore, 40 MiB of ["
head -c $(((64 << 20) + 1)) /dev/zero | tr '\0' ' ' >"$work/huge/manifest.json"
expect_out 3 "verification failed" -- "$cp_bin" verify "$work/huge"
grep -q 'larger than the 67108864 bytes allowed' "$work/out" || fail "huge: $(cat "$work/out")"
[ -e "$work/db" ] && fail "a refused restore created the database"
finish
