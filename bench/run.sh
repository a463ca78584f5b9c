#!/usr/bin/env bash
# The benchmark harness: standard workloads, checkpoint's commands with 1 and
# 2 threads, and baselines measured in the same run on the same data,
# reported as ratios. Appends a markdown section (to bench/RESULTS.md by default).
#
#   bench/run.sh [--quick | --xl | --growth | --only W] [--runs N] [--build DIR] [--cache DIR] [--out FILE]
#
# Workloads (gen-state, fixed seeds, cached in --cache): S 100 k keys, M 1 M,
# L 10 M (≈1.9 GB of keys and values), L+h (L plus 20 heights at 1% churn),
# XL 50 M. --quick runs S only (CI runs it so the harness never rots; its
# numbers are not asserted). --xl runs M, L and XL and adds how the cost
# per key grows; XL needs ~55 GB free where --cache and the temporary
# directory are (checked first) and hours, and skips the hash-keyed row.
# --growth runs M, L and XL too, but only checkpoint's own commands (create,
# verify, restore with 1 and 2 threads): the growth table and every
# command's peak RSS, in about an hour and ~45 GB.
# --only W runs workload W alone. Each figure is the median of --runs runs
# (default 3), with min–max; times are wall seconds unless marked cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 runs=3 build=build cache=${XDG_CACHE_HOME:-$HOME/.cache}/checkpoint-bench out=bench/RESULTS.md
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --xl) quick=xl ;;
    --growth) quick=growth ;;
    --only) quick=only only=$2; shift ;;
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --cache) cache=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/run.sh [--quick | --xl | --growth | --only W] [--runs N] [--build DIR] [--cache DIR] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$build/src/cli/checkpoint" ] || { [ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null; ninja -C "$build" >/dev/null; }
cp_bin=$build/src/cli/checkpoint
gen_bin=$build/tools/gen-state
tool=$build/bench/bench-tool
walk=$build/bench/walk-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# measure NAME CMD...: runs CMD $runs times under /usr/bin/time; records
# median/min/max wall, median cpu and peak RSS in $work/NAME, the last run's
# output in NAME.out, every run's in NAME.all.
measure() {
  local name=$1; shift
  : >"$work/$name.runs"
  : >"$work/$name.all"
  for _ in $(seq 1 "$runs"); do
    [ -n "${before:-}" ] && eval "$before"
    # Nothing of the last run (an untar's dirty pages, a removed copy's freed
    # blocks) is left for the disk to do while this one is timed.
    sync
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
      { echo "bench: $name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
    tail -1 "$work/time" >>"$work/$name.runs"
    cat "$work/$name.out" >>"$work/$name.all"
  done
  sort -n -k1,1 "$work/$name.runs" | awk -v n="$runs" '
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    END { m = int((n + 1) / 2); printf "%.2f %.2f %.2f %.2f %.0f\n", wall[m], wall[1], wall[n], cpu[m], rss[m] / 1024 }' \
    >"$work/$name"
}
# checkpoint's own commands, 1 and 2 threads each, on workload $w; the
# created copy is removed once measured (XL's are 8–14 GB), the restored one
# is left for the rows that copy it.
measure_own() {
  before="rm -rf $work/c"
  measure create1 "$cp_bin" create --db "$db" --out "$work/c" --height "$h" --threads 1
  measure create2 "$cp_bin" create --db "$db" --out "$work/c" --height "$h" --threads 2
  before=""
  rm -rf "$work/c"
  measure verify1 "$cp_bin" verify "$ckpt" --root "$root" --threads 1
  measure verify2 "$cp_bin" verify "$ckpt" --root "$root" --threads 2
  before="rm -rf $work/r"
  measure restore1 "$cp_bin" restore "$ckpt" --db "$work/r" --root "$root" --threads 1
  measure restore2 "$cp_bin" restore "$ckpt" --db "$work/r" --root "$root" --threads 2
  before=""
}
get() { awk -v f="$2" '{print $f}' "$work/$1"; }  # get NAME FIELD: 1 median 2 min 3 max 4 cpu 5 MiB
ratio() { awk -v a="$(get "$1" 1)" -v b="$(get "$2" 1)" 'BEGIN { printf "%.2f", a / b }'; }
cell() { echo "$(get "$1" 1) ($(get "$1" 2)–$(get "$1" 3))"; }

case $quick in
  1) workloads="S" ;;
  xl | growth) workloads="M L XL" ;;
  only) workloads=$only ;;
  *) workloads="S M L L+h" ;;
esac
# Disk, in bytes a key at most: the database ~260, its tar.zst ~170, the
# checkpoint ~160, a restored and an untarred copy ~260 each, the
# hash-keyed copy ~330 (not for XL). --growth needs the database, the
# checkpoint, a created copy and a restored one.
for w in $workloads; do
  case $w.$quick in XL.growth) need=$((50000000 * 850)) ;; XL.*) need=$((50000000 * 1110)) ;; *) need=0 ;; esac
  [ "$need" = 0 ] && continue
  mkdir -p "$cache"
  have=$(df -B1 --output=avail "$cache" | tail -1)
  tmp_have=$(df -B1 --output=avail "${TMPDIR:-/tmp}" | tail -1)
  [ "$tmp_have" -lt "$have" ] && have=$tmp_have
  echo "bench/run.sh: $w needs ~$((need >> 30)) GiB free, the emptier of $cache and ${TMPDIR:-/tmp} has $((have >> 30)) GiB" >&2
  [ "$have" -ge "$need" ] || exit 1
done
{
  echo
  echo "## bench/run.sh ($workloads), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Median of $runs runs (min–max), wall seconds; cpu = user+sys; RSS = peak MiB."
} >"$work/results.md"

for w in $workloads; do
  case $w in
    S) keys=100000 heights=1 ;;
    M) keys=1000000 heights=1 ;;
    L) keys=10000000 heights=1 ;;
    L+h) keys=10000000 heights=21 ;;
    XL) keys=50000000 heights=1 ;;
  esac
  db=$cache/$w
  stamp="$keys $heights 0.01 1"
  if [ "$(cat "$db.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$db" && "$gen_bin" --db "$db" --keys "$keys" --heights "$heights" --churn 0.01 --seed 1 >"$db.roots" 2>/dev/null
    echo "$stamp" >"$db.stamp"
  fi
  h=$heights
  root=$(grep "^height $h " "$db.roots" | awk '{print $4}')
  store=$work/store
  rm -rf "$store"
  ckpt=$("$cp_bin" create --db "$db" --out "$store" --height "$h" | tail -1)
  measure_own
  if [ "$quick" = growth ]; then
    db_bytes=$(du -sb "$db" | cut -f1)
    ck_bytes=$(du -sb "$ckpt" | cut -f1)
    rm -rf "$work/r" "$store"
    {
      echo
      echo "### $w: $keys keys; database $((db_bytes / 1048576)) MiB, checkpoint $((ck_bytes / 1048576)) MiB"
      echo
      echo "| measure | seconds | cpu s | RSS MiB |"
      echo "| --- | --- | --- | --- |"
      for m in create1 create2 verify1 verify2 restore1 restore2; do
        echo "| ${m%?}, ${m: -1} thread(s) | $(cell $m) | $(get $m 4) | $(get $m 5) |"
        cp "$work/$m" "$work/$w.$m"
      done
    } >>"$work/results.md"
    continue
  fi
  tar -cf - -C "$(dirname "$db")" "$(basename "$db")" | zstd -1 -T2 -q -o "$work/db.tar.zst" -f
  measure tarzstd sh -c "tar -cf - -C '$(dirname "$db")' '$(basename "$db")' | zstd -1 -T2 -q >/dev/null"
  # The same, its archive written and synced as create writes and syncs its chunks.
  before="rm -f $work/db2.tar.zst"
  measure tarzstdfile sh -c "tar -cf - -C '$(dirname "$db")' '$(basename "$db")' | zstd -1 -T2 -q -o '$work/db2.tar.zst' && sync '$work/db2.tar.zst'"
  before="rm -rf $work/u && mkdir $work/u"
  measure untar sh -c "zstd -d -q -c '$work/db.tar.zst' | tar -x -C '$work/u'"
  # Writing the restored database's files, synced as restore syncs them: with
  # hashing on 2 cores, the floor of a restore.
  before="rm -rf $work/w"
  measure writefiles sh -c "cp -r '$work/r' '$work/w' && sync '$work/w'/*"
  # Building the restored database's table files again from its records, as
  # a restore stages them. Not at XL: the records are read into memory first
  # (~1.4× the database).
  tables_row="" floor2_ratio=""
  if [ "$w" != XL ]; then
    before="rm -rf $work/t"
    measure tables "$tool" tables --db "$work/r" --out "$work/t"
    rm -rf "$work/t"
  fi
  before=""
  measure pointcreate "$tool" point-create --db "$db" --height "$h" --chunk-size 8388608
  # The layout of the systems checkpoint replaces: nodes keyed by their hash
  # (a copy of height h, made once and cached; ~1.3× the database on disk).
  # One run beyond M: at L it takes ~6 minutes.
  hs=$cache/$w.by-hash hash_row="" hash_ratio=""
  if [ "$w" != XL ]; then
    if [ "$(cat "$hs.stamp" 2>/dev/null)" != "$stamp $h" ]; then
      rm -rf "$hs" && "$tool" hash-store --db "$db" --height "$h" --out "$hs" >/dev/null
      echo "$stamp $h" >"$hs.stamp"
    fi
    all_runs=$runs
    case $w in S | M) ;; *) runs=1 ;; esac
    measure hashcreate "$tool" point-create --db "$hs" --height "$h" --chunk-size 8388608 --by-hash
    runs=$all_runs
    hc_id=$(awk '{print $3}' "$work/hashcreate.out")  # the timed run's chunks
    [ "$(basename "$ckpt" | cut -d- -f2)" = "${hc_id:0:12}" ] || { echo "bench: point-create --by-hash made other chunks" >&2; exit 1; }
    hash_row="
| one lookup per node in a store keyed by node hash, same chunks (1 thread; $(wc -l <"$work/hashcreate.runs") run(s)) | $(cell hashcreate) | $(get hashcreate 4) | $(get hashcreate 5) |"
    hash_ratio="
| hash-keyed store, one lookup per node / create (2 threads) | $(ratio hashcreate create2) | ≥ 10 |"
  fi
  measure scan "$walk" --db "$db" --height "$h" --runs 1 --mode scan
  measure point "$walk" --db "$db" --height "$h" --runs 1 --mode point
  measure raw "$walk" --db "$db" --runs 1 --mode raw
  measure dump "$tool" dump --db "$db"
  measure hash "$tool" hash --checkpoint "$ckpt"
  measure zstd "$tool" zstd --checkpoint "$ckpt"
  measure seqread sh -c "cat '$db'/* >/dev/null"
  # The in-process tools also print their own timing of the work alone.
  # Node messages, then chunk digests: a verifier hashes both.
  read -r hash_s digest_s < <("$tool" hash --checkpoint "$ckpt" | awk '{print $7, $NF}')
  hashing_s=$(awk -v a="$hash_s" -v b="$digest_s" 'BEGIN { printf "%.3f", a + b }')
  floor_s=$(awk -v h="$hashing_s" -v w="$(get writefiles 1)" 'BEGIN { printf "%.2f", h / 2 + w }')
  # The same with the user cpu of building the table files, which a restore
  # that ends in a RocksDB database cannot skip (median of the runs' own
  # figure; their sys time, the copy into the page cache, is in the writing).
  if [ "$w" != XL ]; then
    tables_s=$(awk '{print $NF}' "$work/tables.all" | sort -n | awk '{v[NR] = $1} END { print v[int((NR + 1) / 2)] }')
    floor2_s=$(awk -v h="$hashing_s" -v t="$tables_s" -v w="$(get writefiles 1)" 'BEGIN { printf "%.2f", (h + t) / 2 + w }')
    tables_row="
| building the restored database's table files from its records (1 thread; the building alone: ${tables_s} s of user cpu; columns: the whole process, loading the records included) | $(cell tables) | $(get tables 4) | $(get tables 5) |"
    floor2_ratio="
| restore (2 threads) / floor with table building: all hashing and table building (user cpu) on 2 cores + writing the files (${floor2_s} s) | $(awk -v r="$(get restore2 1)" -v f="$floor2_s" 'BEGIN { printf "%.2f", r / f }') | (≤ 1.3) |"
  fi
  pc_id=$(awk '{print $3}' "$work/pointcreate.out")
  [ "$(basename "$ckpt" | cut -d- -f2)" = "${pc_id:0:12}" ] || { echo "bench: point-create made other chunks" >&2; exit 1; }
  db_bytes=$(du -sb "$db" | cut -f1)
  ck_bytes=$(du -sb "$ckpt" | cut -f1)
  raw=$("$cp_bin" inspect "$ckpt" --json | sed 's/.*"raw_bytes":\([0-9]*\).*/\1/')

  cat >>"$work/results.md" <<TABLE

### $w: $keys keys, $heights height(s); database $((db_bytes / 1048576)) MiB, checkpoint $((ck_bytes / 1048576)) MiB ($((raw / 1048576)) MiB raw)

| measure | seconds | cpu s | RSS MiB |
| --- | --- | --- | --- |
| create, 1 thread | $(cell create1) | $(get create1 4) | $(get create1 5) |
| create, 2 threads | $(cell create2) | $(get create2 4) | $(get create2 5) |
| \`tar -cf - DB \| zstd -1 -T2\` | $(cell tarzstd) | $(get tarzstd 4) | $(get tarzstd 5) |
| the same into a file, synced | $(cell tarzstdfile) | $(get tarzstdfile 4) | $(get tarzstdfile 5) |
| one point lookup per node, same chunks (1 thread) | $(cell pointcreate) | $(get pointcreate 4) | $(get pointcreate 5) |$hash_row
| verify, 1 thread | $(cell verify1) | $(get verify1 4) | $(get verify1 5) |
| verify, 2 threads | $(cell verify2) | $(get verify2 4) | $(get verify2 5) |
| restore, 1 thread | $(cell restore1) | $(get restore1 4) | $(get restore1 5) |
| restore, 2 threads | $(cell restore2) | $(get restore2 4) | $(get restore2 5) |
| \`zstd -d \| tar -x\` | $(cell untar) | $(get untar 4) | $(get untar 5) |
| walk in key order: forward scan | $(cell scan) | $(get scan 4) | $(get scan 5) |
| walk in key order: point lookups | $(cell point) | $(get point 4) | $(get point 5) |
| every record, raw iterator (floor of a scan) | $(cell raw) | $(get raw 4) | $(get raw 5) |
| RocksDB iterator dump through zstd | $(cell dump) | $(get dump 4) | $(get dump 5) |
| hashing the node messages, then the chunk digests (1 thread, in-process: ${hash_s} + ${digest_s} s of work) | $(cell hash) | $(get hash 4) | $(get hash 5) |
| writing the restored database's files, synced (\`cp -r\`, \`sync\`) | $(cell writefiles) | $(get writefiles 4) | $(get writefiles 5) |$tables_row
| zstd over the chunk bytes (1 thread, in-process) | $(cell zstd) | $(get zstd 4) | $(get zstd 5) |
| sequential read of the database files | $(cell seqread) | $(get seqread 4) | $(get seqread 5) |

| ratio | value | target |
| --- | --- | --- |
| create (2 threads) / tar \| zstd | $(ratio create2 tarzstd) | ≤ 1.2 |
| create (2 threads) / tar \| zstd into a file, synced | $(ratio create2 tarzstdfile) | (≤ 1.2) |
| one-lookup-per-node / create (2 threads) | $(ratio pointcreate create2) | ≥ 5 |$hash_ratio
| point-lookup walk / scan walk | $(ratio point scan) | ≥ 10 |
| create speed-up 1 → 2 threads | $(ratio create1 create2) | ≥ 1.8 |
| restore (2 threads) / untar | $(ratio restore2 untar) | ≤ 2 |
| restore (2 threads) / floor: all hashing on 2 cores + writing the files (${floor_s} s) | $(awk -v r="$(get restore2 1)" -v f="$floor_s" 'BEGIN { printf "%.2f", r / f }') | ≤ 1.3 |$floor2_ratio
| verify speed (2 threads) / speed of all its hashing, node messages and chunk digests (1 thread) | $(awk -v h="$hashing_s" -v v="$(get verify2 1)" 'BEGIN { printf "%.2f", h / v }') | ≥ 0.85 |
| verify speed (2 threads) / speed of hashing the node messages alone (1 thread) | $(awk -v h="$hash_s" -v v="$(get verify2 1)" 'BEGIN { printf "%.2f", h / v }') | (the ratio before) |
| peak RSS create / restore (MiB) | $(get create2 5) / $(get restore2 5) | ≤ 256 at every size |
TABLE
  for m in create2 verify2 restore2; do cp "$work/$m" "$work/$w.$m"; done
done

if [ "$quick" = xl ] || [ "$quick" = growth ]; then
  # Growth: seconds per million keys (2 threads) and peak RSS, by size.
  per_m() { awk -v s="$(get "$1" 1)" -v k="$2" 'BEGIN { printf "%.3f", s / (k / 1e6) }'; }
  {
    echo
    echo "### Growth: seconds per million keys (2 threads); goal XL within 1.2× of L per key, RSS ≤ 256 MiB at every size"
    echo
    echo "| workload | create s/M keys | verify s/M keys | restore s/M keys | peak RSS create / verify / restore MiB (2 threads) |"
    echo "| --- | --- | --- | --- | --- |"
    for w in M L XL; do
      case $w in M) k=1000000 ;; L) k=10000000 ;; XL) k=50000000 ;; esac
      echo "| $w | $(per_m "$w.create2" $k) | $(per_m "$w.verify2" $k) | $(per_m "$w.restore2" $k) | $(get "$w.create2" 5) / $(get "$w.verify2" 5) / $(get "$w.restore2" 5) |"
    done
    echo
    echo "XL / L per key: create $(awk -v x="$(get XL.create2 1)" -v l="$(get L.create2 1)" 'BEGIN { printf "%.2f", x / 5 / l }'), verify $(awk -v x="$(get XL.verify2 1)" -v l="$(get L.verify2 1)" 'BEGIN { printf "%.2f", x / 5 / l }'), restore $(awk -v x="$(get XL.restore2 1)" -v l="$(get L.restore2 1)" 'BEGIN { printf "%.2f", x / 5 / l }')."
  } >>"$work/results.md"
fi
# Appended: the file keeps every earlier section (and its summary of
# ratios, which a person updates).
cat "$work/results.md" >>"$out"
echo "appended to $out"
