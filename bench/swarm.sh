#!/usr/bin/env bash
# Two nodes restoring one checkpoint at the same time, on loopback: from one
# `checkpoint seed` through the swarm (the two leechers also trade pieces),
# against the same two nodes from one nginx. Reports wall times and how much
# of the leechers' bytes the seeder sent: the rest went peer to peer.
#
#   bench/swarm.sh [--workload S|M|L] [--runs N] [--upload-limit RATE] [--build DIR] [--cache DIR] [--out FILE]
#
# Workloads as bench/run.sh (same seeds and cache). Medians of --runs runs;
# the two modes alternate. --upload-limit caps the seeder (an operator's
# uplink); nginx is not capped.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=M runs=3 limit="" build=build cache=${XDG_CACHE_HOME:-$HOME/.cache}/checkpoint-bench out=bench/RESULTS-swarm.md
while [ $# -gt 0 ]; do
  case $1 in
    --workload) workload=$2; shift ;;
    --runs) runs=$2; shift ;;
    --upload-limit) limit=$2; shift ;;
    --build) build=$2; shift ;;
    --cache) cache=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/swarm.sh [--workload S|M|L] [--runs N] [--upload-limit RATE] [--build DIR] [--cache DIR] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
case $workload in
  S) keys=100000 ;;
  M) keys=1000000 ;;
  L) keys=10000000 ;;
  *) echo "bench/swarm.sh: workload S, M or L" >&2; exit 2 ;;
esac
[ -x "$build/src/cli/checkpoint" ] || { [ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null; ninja -C "$build" >/dev/null; }
cp_bin=$(realpath "$build/src/cli/checkpoint")
gen_bin=$(realpath "$build/tools/gen-state")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
source tests/net/nginx.sh
nginx_stop_on_exit
mkdir -p "$cache"
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

db=$cache/$workload
stamp="$keys 1 0.01 1"
if [ "$(cat "$db.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$db" && "$gen_bin" --db "$db" --keys "$keys" --heights 1 --churn 0.01 --seed 1 >"$db.roots" 2>/dev/null
  echo "$stamp" >"$db.stamp"
fi
root=$(grep "^height 1 " "$db.roots" | awk '{print $4}')
ckpt=$("$cp_bin" create --db "$db" --out "$work/store" --height 1 --publish | tail -1)
name=$(basename "$ckpt")
nginx_start "$work/store" "$work/nginx" >/dev/null
url="$NGINX_URL/$name/"
port() { _nginx_free_port; }

# swarm_run: a fresh seeder (so its upload count is this run's), two leechers
# that know the seeder and each other; appends "wall seeder_up leech_bytes" to swarm.runs.
swarm_run() {
  local sp p1 p2 start end up b1 b2 seed_pid
  sp=$(port) p1=$(port) p2=$(port)
  rm -rf "$work/a" "$work/b"
  "$cp_bin" seed "$work/store" --listen "127.0.0.1:$sp" ${limit:+--upload-limit "$limit"} >"$work/seed.log" 2>&1 &
  seed_pid=$!
  until grep -q "^seeding" "$work/seed.log"; do sleep 0.01; done
  start=$(date +%s.%N)
  "$cp_bin" restore "$ckpt/checkpoint.torrent" --listen "127.0.0.1:$p1" --peer "127.0.0.1:$sp" --peer "127.0.0.1:$p2" \
    --db "$work/a" --root "$root" --threads 1 --json >"$work/a.json" 2>"$work/a.err" &
  local a=$!
  "$cp_bin" restore "$ckpt/checkpoint.torrent" --listen "127.0.0.1:$p2" --peer "127.0.0.1:$sp" --peer "127.0.0.1:$p1" \
    --db "$work/b" --root "$root" --threads 1 --json >"$work/b.json" 2>"$work/b.err" ||
    { echo "bench: swarm leecher b failed: $(tail -3 "$work/b.err")" >&2; exit 1; }
  wait $a || { echo "bench: swarm leecher a failed: $(tail -3 "$work/a.err")" >&2; exit 1; }
  end=$(date +%s.%N)
  kill -TERM $seed_pid && wait $seed_pid || true
  up=$(sed -n 's/^stopped; uploaded \([0-9]*\) bytes/\1/p' "$work/seed.log")
  b1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mirrors"][0]["bytes"])' "$work/a.json")
  b2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mirrors"][0]["bytes"])' "$work/b.json")
  echo "$(echo "$end - $start" | bc) $up $((b1 + b2))" >>"$work/swarm.runs"
}

nginx_run() {
  local start end
  rm -rf "$work/a" "$work/b"
  start=$(date +%s.%N)
  "$cp_bin" restore "$url" --db "$work/a" --root "$root" --threads 1 >/dev/null 2>"$work/a.err" &
  local a=$!
  "$cp_bin" restore "$url" --db "$work/b" --root "$root" --threads 1 >/dev/null 2>"$work/b.err" ||
    { echo "bench: nginx restore b failed: $(tail -3 "$work/b.err")" >&2; exit 1; }
  wait $a || { echo "bench: nginx restore a failed: $(tail -3 "$work/a.err")" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc)" >>"$work/nginx.runs"
}

for _ in $(seq 1 "$runs"); do
  swarm_run
  nginx_run
done
median() { sort -n -k"$2","$2" "$1" | awk -v f="$2" '{ v[NR] = $f } END { print v[int((NR + 1) / 2)] }'; }
sw=$(median "$work/swarm.runs" 1)
ng=$(median "$work/nginx.runs" 1)
share=$(awk '{ print 1 - $2 / $3 }' "$work/swarm.runs" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')
ck_bytes=$(du -sb "$ckpt" | cut -f1)
{
  echo "# Swarm benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); \`bench/swarm.sh --workload $workload --runs $runs${limit:+ --upload-limit $limit}\`."
  echo "Workload $workload: $keys keys; checkpoint $((ck_bytes / 1048576)) MiB. Two restores at once (1 thread each), on loopback."
  echo "Median of $runs runs; wall seconds until both restores are done."
  echo
  echo "| measure | value |"
  echo "| --- | --- |"
  echo "| two restores from one seeder (swarm)${limit:+, seeder capped at $limit/s} | $sw s |"
  echo "| two restores from one nginx | $ng s |"
  echo "| swarm / nginx wall time | $(awk -v a="$sw" -v b="$ng" 'BEGIN { printf "%.2f", a / b }') |"
  echo "| share of the leechers' bytes that went peer to peer (1 − seeder upload / leecher download) | $share (target ≥ 0.40) |"
  echo
  echo "Runs (wall s, seeder uploaded bytes, leechers downloaded bytes):"
  echo
  sed 's/^/    /' "$work/swarm.runs"
} >"$out"
cat "$out"
