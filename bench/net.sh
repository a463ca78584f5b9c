#!/usr/bin/env bash
# Restore over the network against restore from disk, in one run on one
# machine: a real nginx on loopback serving the store (contrib config),
# three mirrors where one corrupts every 10th chunk and one stalls, and
# `fetch` against plain parallel curl of the same files.
#
#   bench/net.sh [--workload S|M|L] [--runs N] [--build DIR] [--cache DIR] [--out FILE]
#
# Workloads as bench/run.sh (same seeds and cache). Medians of --runs runs.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=M runs=3 build=build cache=${XDG_CACHE_HOME:-$HOME/.cache}/checkpoint-bench out=bench/RESULTS-net.md
while [ $# -gt 0 ]; do
  case $1 in
    --workload) workload=$2; shift ;;
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --cache) cache=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/net.sh [--workload S|M|L] [--runs N] [--build DIR] [--cache DIR] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
case $workload in
  S) keys=100000 ;;
  M) keys=1000000 ;;
  L) keys=10000000 ;;
  *) echo "bench/net.sh: workload S, M or L" >&2; exit 2 ;;
esac
[ -x "$build/src/cli/checkpoint" ] || { [ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null; ninja -C "$build" >/dev/null; }
cp_bin=$(realpath "$build/src/cli/checkpoint")
gen_bin=$(realpath "$build/tools/gen-state")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
source tests/net/nginx.sh
nginx_stop_on_exit
mkdir -p "$cache"

db=$cache/$workload
stamp="$keys 1 0.01 1"
if [ "$(cat "$db.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$db" && "$gen_bin" --db "$db" --keys "$keys" --heights 1 --churn 0.01 --seed 1 >"$db.roots" 2>/dev/null
  echo "$stamp" >"$db.stamp"
fi
root=$(grep "^height 1 " "$db.roots" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$db" --out "$work/store" --height 1 | tail -1)
name=$(basename "$ckpt")
nginx_start "$work/store" "$work/nginx" >/dev/null
url="$NGINX_URL/$name/"

# mirror VAR ARGS…: a hostile mirror of the checkpoint (a child of this
# shell, which it outlives by nothing); VAR gets its URL.
n=0
mirror() {
  local var=$1
  shift
  n=$((n + 1))
  python3 tests/net/hostile_mirror.py --root "$ckpt" --port-file "$work/port.$n" "$@" </dev/null 2>/dev/null &
  until [ -s "$work/port.$n" ]; do sleep 0.01; done
  printf -v "$var" 'http://127.0.0.1:%s/' "$(cat "$work/port.$n")"
}
mirror flip --mode flip --every 10
mirror stall --mode stall

# once NAME CMD…: one run of CMD (after $before) under /usr/bin/time, appended
# to NAME's runs. Runs of different commands alternate (see below), so drift
# in the machine's load falls on all of them alike.
once() {
  local name=$1
  shift
  eval "${before:-:}"
  sync  # the last run's writes are not this one's
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "bench: $name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
  tail -1 "$work/time" >>"$work/$name.runs"
}
# summarize NAME: median wall (min, max), median cpu, median peak RSS.
summarize() {
  sort -n -k1,1 "$work/$1.runs" | awk '
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    END { m = int((NR + 1) / 2); printf "%.2f %.2f %.2f %.2f %.0f\n", wall[m], wall[1], wall[NR], cpu[m], rss[m] / 1024 }' >"$work/$1"
}
get() { awk -v f="$2" '{print $f}' "$work/$1"; }
cell() { echo "$(get "$1" 1) ($(get "$1" 2)–$(get "$1" 3)) | $(get "$1" 4) | $(get "$1" 5)"; }
ratio() { awk -v a="$(get "$1" 1)" -v b="$(get "$2" 1)" 'BEGIN { printf "%.2f", a / b }'; }

# The same files with curl, 4 transfers at once (fetch's default with 2 threads).
(cd "$ckpt" && find . -type f ! -name info.json | sort) | sed 's|^\./||' |
  awk -v u="$url" -v d="$work/dl" '{ printf "url = \"%s%s\"\noutput = \"%s/%s\"\n", u, $0, d, $0 }' >"$work/curl.cfg"
for _ in $(seq 1 "$runs"); do
  before="rm -rf $work/r"
  once local "$cp_bin" restore "$ckpt" --db "$work/r" --root "$root" --threads 2
  once one "$cp_bin" restore "$url" --db "$work/r" --root "$root" --threads 2
  once three "$cp_bin" restore "$flip" "$stall" "$url" --db "$work/r" --root "$root" --threads 2 --json
  before="rm -rf $work/f"
  once fetch "$cp_bin" fetch "$url" --out "$work/f" --root "$root" --threads 2
  before="rm -rf $work/dl"
  once curl curl -s --fail --create-dirs --parallel --parallel-max 4 -K "$work/curl.cfg"
done
for m in local one three fetch curl; do summarize $m; done
flip_strikes=$(python3 -c 'import json,sys
for m in json.load(open(sys.argv[1]))["mirrors"]:
    if m["name"] == sys.argv[2]: print(m["strikes"], "dropped" if m["dropped"] else "kept")' "$work/three.out" "$flip")

ck_bytes=$(du -sb "$ckpt" | cut -f1)
chunks=$(ls "$ckpt/chunks" | wc -l)
{
  echo "# Network benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); \`bench/net.sh --workload $workload --runs $runs\`."
  echo "Workload $workload: $keys keys; checkpoint $((ck_bytes / 1048576)) MiB in $chunks chunks; nginx on loopback (contrib config); 2 threads."
  echo "Median of $runs runs (min–max), the commands alternating; wall seconds; cpu = user+sys; RSS = peak MiB."
  echo
  echo "| measure | seconds | cpu s | RSS MiB |"
  echo "| --- | --- | --- | --- |"
  echo "| restore from the local directory | $(cell local) |"
  echo "| restore from one nginx mirror | $(cell one) |"
  echo "| restore from 3 mirrors: nginx, one flipping a byte in every 10th chunk, one stalling | $(cell three) |"
  echo "| fetch from nginx into a store | $(cell fetch) |"
  echo "| curl --parallel --parallel-max 4 of the same files | $(cell curl) |"
  echo
  echo "| ratio | value | target |"
  echo "| --- | --- | --- |"
  echo "| restore from one mirror / from the directory | $(ratio one local) | ≤ 1.15 |"
  echo "| restore from 3 mirrors (one corrupting, one stalling) / from the directory | $(ratio three local) | ≤ 1.3 |"
  echo "| fetch / curl of the same files | $(ratio fetch curl) | (reported) |"
  echo "| peak RSS restore from 3 mirrors (MiB) | $(get three 5) | ≤ 512 |"
  echo
  echo "The corrupting mirror in the last 3-mirror run: strikes, kept or dropped: $flip_strikes."
} >"$out"
cat "$out"
cp "$work/three.out" "${out%.md}-three.json" 2>/dev/null || true
