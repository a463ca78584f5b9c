#!/usr/bin/env bash
# Delta checkpoints against full ones, in one run on the same data: create
# time, bytes, apply time (restore DELTA onto the database at its base)
# against a full restore, and peak RSS. Appends a section to --out.
#
#   bench/delta.sh [--quick] [--runs N] [--build DIR] [--cache DIR] [--out FILE]
#
# Workloads (gen-state, seed 1, cached in --cache and shared with run.sh):
#   L+h  10 M keys, 21 heights at 1 % churn a height: deltas 20→21 and 11→21
#   L+q  10 M keys, 2 heights at 0.01 % churn: delta 1→2
# --quick uses 200 k keys instead (Q+h, Q+q) so it runs in seconds.
# Each figure is the median of --runs runs (default 3) with min–max; wall
# seconds; RSS = peak MiB (/usr/bin/time). Default chunk size and threads.
# An apply runs on a fresh copy (cp -a, not timed) of a template database
# restored once from the base height's full checkpoint.
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
[ -x "$build/src/cli/checkpoint" ] || { [ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null; ninja -C "$build" >/dev/null; }
cp_bin=$(realpath "$build/src/cli/checkpoint")
gen_bin=$(realpath "$build/tools/gen-state")
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Workloads: NAME keys heights churn; the deltas as NAME:BASE:TOP.
if [ "$quick" = 1 ]; then
  keys=200000 wl="Q+h Q+q"
  set_wl() { case $1 in Q+h) heights=21 churn=0.01 ;; Q+q) heights=2 churn=0.0001 ;; esac; }
  deltas="Q+h:20:21 Q+h:11:21 Q+q:1:2"
else
  keys=10000000 wl="L+h L+q"
  set_wl() { case $1 in L+h) heights=21 churn=0.01 ;; L+q) heights=2 churn=0.0001 ;; esac; }
  deltas="L+h:20:21 L+h:11:21 L+q:1:2"
fi

# Disk, in bytes a key: the databases L+h ~590 (5.5 GiB), L+q ~270 (2.5 GiB);
# the work directory at once a full checkpoint (~160), the deltas (~40), a
# template database and its copy (~270 each).
need_cache=0
for w in $wl; do
  set_wl "$w"
  [ "$(cat "$cache/$w.stamp" 2>/dev/null)" = "$keys $heights $churn 1" ] ||
    need_cache=$((need_cache + keys * (heights > 2 ? 600 : 280)))
done
need_work=$((keys * 750))
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

# measure NAME CMD...: as run.sh: $runs runs under /usr/bin/time after the
# (untimed) $before hook; $work/NAME = median min max wall, median cpu, MiB;
# $work/NAME.out = the last run's stdout.
measure() {
  local name=$1; shift
  : >"$work/$name.runs"
  for _ in $(seq 1 "$runs"); do
    [ -n "${before:-}" ] && eval "$before"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
      { echo "bench: $name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
    tail -1 "$work/time" >>"$work/$name.runs"
  done
  sort -n -k1,1 "$work/$name.runs" | awk -v n="$runs" '
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    END { m = int((n + 1) / 2); printf "%.2f %.2f %.2f %.2f %.0f\n", wall[m], wall[1], wall[n], cpu[m], rss[m] / 1024 }' \
    >"$work/$name"
}
get() { awk -v f="$2" '{print $f}' "$work/$1"; }  # 1 median 2 min 3 max 4 cpu 5 MiB
cell() { echo "$(get "$1" 1) ($(get "$1" 2)–$(get "$1" 3)) | $(get "$1" 4) | $(get "$1" 5)"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { p = 100 * a / b; printf (p < 1 ? "%.2f %%" : "%.1f %%"), p }'; }
mib() { awk -v b="$1" 'BEGIN { m = b / 1048576; printf (m < 1 ? "%.3f" : "%.1f"), m }'; }
root_of() { awk -v h="$2" '$1 == "height" && $2 == h { print $4 }' "$cache/$1.roots"; }
# field NAME KEY: KEY's value on the summary line create printed in NAME's
# last run; ckpt NAME: the checkpoint it made (the last line).
field() { tail -2 "$work/$1.out" | head -1 | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
ckpt() { tail -1 "$work/$1.out"; }

rows="" ratios=""
for w in $wl; do
  set_wl "$w"
  db=$cache/$w top=$heights
  echo "bench/delta.sh: $w full create and restore of height $top" >&2
  before="rm -rf $work/full"
  measure "$w.create" "$cp_bin" create --db "$db" --out "$work/full" --height "$top"
  fullck=$(ckpt "$w.create")
  full_disk=$(du -sb "$fullck" | cut -f1) full_raw=$(field "$w.create" raw_bytes)
  before="rm -rf $work/r; sync"
  measure "$w.restore" "$cp_bin" restore "$fullck" --db "$work/r" --root "$(root_of "$w" "$top")"
  rm -rf "$work/r"
  rows+="| $w: full create of height $top (baseline) | $(cell "$w.create") | $(mib "$full_disk") ($(mib "$full_raw")) |"$'\n'
  rows+="| $w: full restore of height $top into an empty database (baseline) | $(cell "$w.restore") | |"$'\n'

  for d in $deltas; do
    IFS=: read -r dw base dtop <<<"$d"
    [ "$dw" = "$w" ] || continue
    n=$w.$base
    echo "bench/delta.sh: $w delta $base→$dtop" >&2
    before="rm -rf $work/delta.$base"
    measure "$n.create" "$cp_bin" create --db "$db" --out "$work/delta.$base" --height "$dtop" --base "$base"
    delta=$(ckpt "$n.create")
    [ "$(field "$n.create" base)" = "$base" ] || { echo "bench: $n: not a delta from $base: $(tail -2 "$work/$n.create.out")" >&2; exit 1; }
    disk=$(du -sb "$delta" | cut -f1) raw=$(field "$n.create" raw_bytes) changes=$(field "$n.create" changes)
    # The base: a template restored once from the base's full checkpoint.
    basefull=$("$cp_bin" create --db "$db" --out "$work/basefull" --height "$base" | tail -1)
    "$cp_bin" restore "$basefull" --db "$work/tmpl" --root "$(root_of "$w" "$base")" >/dev/null
    rm -rf "$work/basefull"
    before="rm -rf $work/a; cp -a $work/tmpl $work/a; sync"
    measure "$n.apply" "$cp_bin" restore "$delta" --db "$work/a" --root "$(root_of "$w" "$dtop")" --height "$dtop"
    "$cp_bin" state info --db "$work/a" | grep -q "^height $dtop root $(root_of "$w" "$dtop") " ||
      { echo "bench: $n: state info after apply lacks height $dtop with root $(root_of "$w" "$dtop")" >&2; exit 1; }
    rm -rf "$work/a" "$work/tmpl"
    rows+="| $w: delta create $base→$dtop ($changes changes) | $(cell "$n.create") | $(mib "$disk") ($(mib "$raw")) |"$'\n'
    rows+="| $w: apply $base→$dtop onto the database at $base | $(cell "$n.apply") | |"$'\n'
    ratios+="| $w $base→$dtop | $(pct "$(get "$n.create" 1)" "$(get "$w.create" 1)") | $(pct "$disk" "$full_disk") / $(pct "$raw" "$full_raw") | $(pct "$(get "$n.apply" 1)" "$(get "$w.restore" 1)") | $(get "$n.create" 5) / $(get "$n.apply" 5) |"$'\n'
  done
  rm -rf "$work/full" "$work"/delta.*
done

section=$(cat <<SECTION

## Delta checkpoints (bench/delta.sh)

$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); \`bench/delta.sh${args[*]:+ ${args[*]}}\`.
Workloads (gen-state, seed 1): $(for w in $wl; do set_wl "$w"; printf '%s %s keys, %s heights at churn %s (database %s MiB); ' "$w" "$keys" "$heights" "$churn" "$(($(du -sb "$cache/$w" | cut -f1) >> 20))"; done | sed 's/; $/./')
Default chunk size (8 MiB) and threads. Median of $runs runs (min–max), wall seconds; cpu = user+sys; RSS = peak MiB.
An apply runs on a copy (\`cp -a\`, not timed) of a database restored from the base height's full checkpoint; after it, \`state info\` shows the top height with gen-state's root.

| measure | seconds | cpu s | RSS MiB | MiB on disk (raw) |
| --- | --- | --- | --- | --- |
${rows%$'\n'}

| delta | create / full create (≤ 5 %) | bytes / full: disk / raw (≤ 3 %, 1 height at 1 %) | apply / full restore (≤ 5 %) | peak RSS create / apply MiB (≤ 512) |
| --- | --- | --- | --- | --- |
$ratios
SECTION
)
printf '%s\n' "$section" >>"$out"
printf '%s\n' "$section"
echo "appended to $out" >&2
