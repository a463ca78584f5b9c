#!/usr/bin/env bash
# Delta checkpoints against full ones, in one run on the same data: create
# time, bytes, apply time (restore DELTA onto the database at its base)
# against a full restore, and peak RSS. Appends a section to --out.
#
#   bench/delta.sh [--quick] [--runs N] [--build DIR] [--cache DIR] [--out FILE]
#
# Workloads (gen-state, seed 1, cached in --cache and shared with run.sh):
#   L+h  10 M keys, 21 heights at churn 0.01 (1 % of the keys updated, 1 %
#        deleted, 1 % inserted a height: 3 % changed): deltas 20→21, 11→21
#   L+p  10 M keys, 2 heights, 1 % of the keys changed (churn 0.003334): 1→2
#   L+q  10 M keys, 2 heights at churn 0.0001 (0.03 % changed): delta 1→2
# --quick uses 200 k keys instead (Q+h, Q+p, Q+q) so it runs in seconds.
# Each figure is the median of --runs runs (default 3) with min–max; wall
# seconds; RSS = peak MiB (/usr/bin/time); the runs of the commands compared
# alternate, and each row says how much cpu the rest of the machine used.
# Default chunk size and threads. An apply runs on a fresh copy (cp -a, not
# timed) of a template database restored once from the base's full checkpoint.
# Its baseline is the node's own work for the same heights: `state apply` of
# each height's write log (gen-state --write-logs), one commit a height, on
# another such copy: what a node that replays the heights' changes does.
# Needs a release build (--build DIR; made if missing, as run.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 runs=3 build=build cache=${XDG_CACHE_HOME:-$HOME/.cache}/checkpoint-bench out=bench/RESULTS.md
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --cache) cache=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/delta.sh [--quick] [--runs N] [--build DIR] [--cache DIR] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
# Always brought up to date (a no-op when it is): the binaries must be this commit's.
[ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" >/dev/null
cp_bin=$(realpath "$build/src/cli/checkpoint")
gen_bin=$(realpath "$build/tools/gen-state")
tool_bin=$(realpath "$build/bench/bench-tool")
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Workloads: set_wl NAME sets heights and churn; the deltas as NAME:BASE:TOP
# (TOP is the workload's top height).
if [ "$quick" = 1 ]; then
  keys=200000 wl="Q+h Q+p Q+q"
  set_wl() { case $1 in Q+h) heights=21 churn=0.01 ;; Q+p) heights=2 churn=0.003334 ;; Q+q) heights=2 churn=0.0001 ;; esac; }
  deltas="Q+h:20:21 Q+h:11:21 Q+p:1:2 Q+q:1:2"
else
  keys=10000000 wl="L+h L+p L+q"
  set_wl() { case $1 in L+h) heights=21 churn=0.01 ;; L+p) heights=2 churn=0.003334 ;; L+q) heights=2 churn=0.0001 ;; esac; }
  deltas="L+h:20:21 L+h:11:21 L+p:1:2 L+q:1:2"
fi

# Disk, in bytes a key: the databases L+h ~590 (5.5 GiB), L+p and L+q ~270 (2.5 GiB);
# the work directory at once a full checkpoint (~160), the deltas (~40), a
# template database per base and a copy (~270 each).
need_cache=0
for w in $wl; do
  set_wl "$w"
  [ "$(cat "$cache/$w.stamp" 2>/dev/null)" = "$keys $heights $churn 1" ] ||
    need_cache=$((need_cache + keys * (heights > 2 ? 600 : 280)))
done
need_work=$((keys * 1250))  # with the write logs (~170 bytes a key)
free_of() { df -B1 --output=avail "$1" | tail -1; }
if [ "$(stat -c %d "$cache")" = "$(stat -c %d "$work")" ]; then
  checks="$cache:$((need_cache + need_work))"
else
  checks="$cache:$need_cache $work:$need_work"
fi
for c in $checks; do
  dir=${c%:*} need=${c##*:} have=$(free_of "${c%:*}")
  echo "bench/delta.sh: needs $((need >> 20)) MiB free on $dir's file system, has $((have >> 20)) MiB" >&2
  [ "$have" -ge "$need" ] || exit 1
done

for w in $wl; do
  set_wl "$w"
  db=$cache/$w stamp="$keys $heights $churn 1"
  if [ "$(cat "$db.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "bench/delta.sh: generating $w ($keys keys, $heights heights, churn $churn)" >&2
    rm -rf "$db" && "$gen_bin" --db "$db" --keys "$keys" --heights "$heights" --churn "$churn" --seed 1 >"$db.roots" 2>/dev/null
    echo "$stamp" >"$db.stamp"
  fi
done

# once NAME CMD...: one run of CMD under /usr/bin/time after the (untimed)
# $before hook, appended to $work/NAME.runs: wall, user, sys, KiB, and the cpu
# seconds the rest of the machine used meanwhile (from /proc/stat: the
# machine is shared, and that says how much). $work/NAME.out: its stdout.
# Runs of the commands compared alternate (as in net.sh), so drift in the
# load falls on both alike.
hz=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
once() {
  local name=$1 b0 b1; shift
  eval "${before:-:}"
  sync  # the last run's writes are not this one's
  b0=$(busy)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "bench: $name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
  b1=$(busy)
  echo "$(tail -1 "$work/time") $(((b1 - b0) * 100 / hz))" >>"$work/$name.runs"
}
# summarize NAME: $work/NAME = median, min, max wall; median cpu, MiB, others' cpu.
summarize() {
  sort -n -k1,1 "$work/$1.runs" | awk '
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4; o = $5 / 100 - $2 - $3; oth[NR] = o < 0 ? 0 : o }
    END { m = int((NR + 1) / 2); printf "%.2f %.2f %.2f %.2f %.0f %.1f\n", wall[m], wall[1], wall[NR], cpu[m], rss[m] / 1024, oth[m] }' >"$work/$1"
}
get() { awk -v f="$2" '{print $f}' "$work/$1"; }  # 1 median 2 min 3 max 4 cpu 5 MiB 6 others
cell() { echo "$(get "$1" 1) ($(get "$1" 2)–$(get "$1" 3)) | $(get "$1" 4) | $(get "$1" 5) | $(get "$1" 6)"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { p = 100 * a / b; printf (p < 1 ? "%.2f %%" : "%.1f %%"), p }'; }
mib() { awk -v b="$1" 'BEGIN { m = b / 1048576; printf (m < 1 ? "%.3f" : "%.1f"), m }'; }
root_of() { awk -v h="$2" '$1 == "height" && $2 == h { print $4 }' "$cache/$1.roots"; }
# field NAME KEY: KEY's value on the summary line create printed in NAME's
# last run; ckpt NAME: the checkpoint it made (the last line).
field() { tail -2 "$work/$1.out" | head -1 | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
ckpt() { tail -1 "$work/$1.out"; }
# lost W BASE TOP: node records that left W's trie at heights BASE+1..TOP
# (stale index), as a share of TOP's 2 × keys − 1 records: what the diff
# reads on the base's side (the top's side reads about as many). Over
# several heights an upper bound: it counts records born and lost between.
lost() {
  local n=0 h c
  for ((h = $2 + 1; h <= $3; h++)); do
    c=$("$tool_bin" stale --db "$cache/$1" --height "$h" | awk '{print $5}') && [ -n "$c" ] ||
      { echo "?"; return; }  # never lose the runs over a count
    n=$((n + c))
  done
  echo "$n ($(pct "$n" $((2 * keys - 1))))"
}
# blocks W: how many data blocks hold W's node records (RocksDB's table properties).
blocks() { "$tool_bin" blocks --db "$cache/$1" | grep -o '# data blocks=[0-9]*' | cut -d= -f2 || echo "?"; }
heights_label() { if [ "$1" = "$2" ]; then echo "height $1"; else echo "heights $1..$2"; fi; }

rows="" ratios=""
for w in $wl; do
  set_wl "$w"
  db=$cache/$w top=$heights bases=""
  for d in $deltas; do [ "${d%%:*}" = "$w" ] && bases+=" $(cut -d: -f2 <<<"$d")"; done
  echo "bench/delta.sh: $w: creates (full of $top; deltas from$bases), $runs rounds" >&2
  for _ in $(seq 1 "$runs"); do
    before="rm -rf $work/full"
    once "$w.create" "$cp_bin" create --db "$db" --out "$work/full" --height "$top"
    for base in $bases; do
      before="rm -rf $work/delta.$base"
      once "$w.$base.create" "$cp_bin" create --db "$db" --out "$work/delta.$base" --height "$top" --base "$base"
    done
  done
  # The write logs of every height above the lowest base, for the commit baseline.
  mkdir -p "$work/logs.$w"
  "$gen_bin" --write-logs "$work/logs.$w" --keys "$keys" --heights "$heights" --churn "$churn" --seed 1 2>/dev/null
  # The bases: a template per base, restored once from the base's full checkpoint.
  for base in $bases; do
    [ "$(field "$w.$base.create" base)" = "$base" ] ||
      { echo "bench: $w: not a delta from $base: $(tail -2 "$work/$w.$base.create.out")" >&2; exit 1; }
    basefull=$("$cp_bin" create --db "$db" --out "$work/basefull" --height "$base" | tail -1)
    "$cp_bin" restore "$basefull" --db "$work/tmpl.$base" --root "$(root_of "$w" "$base")" >/dev/null
    rm -rf "$work/basefull"
  done
  echo "bench/delta.sh: $w: full restore and applies, $runs rounds" >&2
  root=$(root_of "$w" "$top")
  for _ in $(seq 1 "$runs"); do
    before="rm -rf $work/r"
    once "$w.restore" "$cp_bin" restore "$(ckpt "$w.create")" --db "$work/r" --root "$root"
    for base in $bases; do
      before="rm -rf $work/r $work/a; cp -a $work/tmpl.$base $work/a"
      once "$w.$base.apply" "$cp_bin" restore "$(ckpt "$w.$base.create")" --db "$work/a" --root "$root" --height "$top"
      "$cp_bin" state info --db "$work/a" | grep -q "^height $top root $root " ||
        { echo "bench: $w: state info after applying the delta from $base lacks height $top with root $root" >&2; exit 1; }
      once "$w.$base.commit" bash -c 'for ((h = $2 + 1; h <= $3; h++)); do "$0" state apply "$1/$h.log" --db "$4" --height $h >/dev/null || exit 1; done' \
        "$cp_bin" "$work/logs.$w" "$base" "$top" "$work/a"
      "$cp_bin" state info --db "$work/a" | grep -q "^height $top root $root " ||
        { echo "bench: $w: state info after committing the write logs from $base lacks height $top with root $root" >&2; exit 1; }
    done
  done

  summarize "$w.create"
  summarize "$w.restore"
  full_disk=$(du -sb "$(ckpt "$w.create")" | cut -f1) full_raw=$(field "$w.create" raw_bytes)
  rows+="| $w: full create of height $top (baseline) | $(cell "$w.create") | $(mib "$full_disk") ($(mib "$full_raw")) |"$'\n'
  rows+="| $w: full restore of height $top into an empty database (baseline) | $(cell "$w.restore") | |"$'\n'
  for base in $bases; do
    n=$w.$base
    summarize "$n.create"
    summarize "$n.apply"
    summarize "$n.commit"
    disk=$(du -sb "$(ckpt "$n.create")" | cut -f1) raw=$(field "$n.create" raw_bytes)
    rows+="| $w: delta create $base→$top ($(field "$n.create" changes) changes) | $(cell "$n.create") | $(mib "$disk") ($(mib "$raw")) |"$'\n'
    rows+="| $w: apply $base→$top onto the database at $base | $(cell "$n.apply") | |"$'\n'
    rows+="| $w: the node's own commits of $(heights_label $((base + 1)) "$top") from their write logs (baseline) | $(cell "$n.commit") | |"$'\n'
    ratios+="| $w $base→$top | $(pct "$(get "$n.create" 1)" "$(get "$w.create" 1)") | $(pct "$disk" "$full_disk") / $(pct "$raw" "$full_raw") | $(pct "$(get "$n.apply" 1)" "$(get "$w.restore" 1)") | $(awk -v a="$(get "$n.apply" 1)" -v b="$(get "$n.commit" 1)" 'BEGIN { printf "%.2f", a / b }') | $(get "$n.create" 5) / $(get "$n.apply" 5) | $(lost "$w" "$base" "$top") |"$'\n'
  done
  rm -rf "$work/full" "$work"/delta.* "$work"/tmpl.* "$work/r" "$work/a" "$work/logs.$w"
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
section=$(cat <<SECTION

## Delta checkpoints (bench/delta.sh), commit $commit

$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), commit $commit; \`bench/delta.sh${args[*]:+ ${args[*]}}\`.
Workloads (gen-state, seed 1): $(for w in $wl; do set_wl "$w"; printf '%s %s keys, %s heights at churn %s (database %s MiB, %s data blocks of node records); ' "$w" "$keys" "$heights" "$churn" "$(($(du -sb "$cache/$w" | cut -f1) >> 20))" "$(blocks "$w")"; done | sed 's/; $/./')
Default chunk size (8 MiB) and threads. Median of $runs runs (min–max), creates alternating, restores and applies alternating; wall seconds; cpu = user+sys; RSS = peak MiB; others = cpu seconds the rest of the machine used during the run (it is shared).
An apply runs on a copy (\`cp -a\`, not timed) of a database restored from the base height's full checkpoint; after each, \`state info\` shows the top height with gen-state's root. The commits baseline does the same from the heights' write logs (\`gen-state --write-logs\`, \`state apply\` a height at a time): a node's own work for those heights, verifying nothing.
The last column counts the node records that left the trie above the base (\`bench-tool stale\`; over several heights an upper bound): a diff reads those on the base's side and about as many on the top's, scattered over the whole key space, where a full create reads the top's 2 × keys − 1 records in order.

| measure | seconds | cpu s | RSS MiB | others cpu s | MiB on disk (raw) |
| --- | --- | --- | --- | --- | --- |
${rows%$'\n'}

| delta | create / full create (≤ 5 %) | bytes / full: disk / raw (≤ 3 %, 1 height at 1 %) | apply / full restore (≤ 5 %) | apply / the node's own commits of the same heights | peak RSS create / apply MiB (≤ 512) | records the base lost (stale index) / records of the top |
| --- | --- | --- | --- | --- | --- | --- |
$ratios
SECTION
)
printf '%s\n' "$section" >>"$out"
printf '%s\n' "$section"
echo "appended to $out" >&2
