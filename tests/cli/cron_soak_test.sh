#!/usr/bin/env bash
# Cron under load (issue 10): a node commits a height every 0.2 s (one
# `state apply` process each, flushing as it exits) and every 20 heights
# prunes everything below the latest height, while cron runs
# `create --height latest --interval 5 --keep 3` once a second. Every create
# must succeed, and every checkpoint it makes must verify against the root the
# node committed for that height — also when a prune removed that height
# while the create was reading it.
# usage: cron_soak_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
# Environment: SOAK_RUNS (default 150 creates), SOAK_SECONDS (default 220: the
# cron loop stops there even if runs remain; at least a third must have run).
set -u
cp_bin=$1
gen_bin=$2
runs=${SOAK_RUNS:-150}
deadline=$((SECONDS + ${SOAK_SECONDS:-220}))
source "$(dirname "$0")/lib.sh"

root_of() { grep "^height $1 " "$work/node.out" | awk '{print $4}'; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

db=$work/db
store=$work/store
# Heights 1..5 first, so that a multiple of 5 exists before cron starts (a
# create before then has nothing to checkpoint and rightly exits 1).
"$gen_bin" --db "$db" --keys 40000 --heights 5 --churn 0.01 --seed 7 >"$work/node.out" 2>/dev/null ||
  { fail "gen-state"; finish; exit; }

# One height's write log: 200 new keys, and half of those of height h-3
# deleted, so that every height leaves stale nodes for the prunes to drop.
write_log() {
  local h=$1 i
  for ((i = 0; i < 200; i++)); do printf 'put %016x%016x %08x%08x\n' "$h" "$i" "$h" "$i"; done
  for ((i = 0; i < 200; i += 2)); do printf 'del %016x%016x\n' $((h - 3)) "$i"; done
}

# The node, until the stop file appears. Each prune is logged in
# $work/prunes as "start_ms end_ms below".
node_loop() {
  local h=6
  while [ ! -e "$work/stop" ]; do
    write_log "$h" | "$cp_bin" state apply --db "$db" --height "$h" >>"$work/node.out" 2>>"$work/node.err" ||
      { echo "apply $h failed" >>"$work/node.err"; return 1; }
    if [ $((h % 20)) = 0 ]; then
      local t0
      t0=$(now_ms)
      "$cp_bin" state prune --db "$db" --below "$h" >/dev/null 2>>"$work/node.err" ||
        { echo "prune below $h failed" >>"$work/node.err"; return 1; }
      echo "$t0 $(now_ms) $h" >>"$work/prunes"
    fi
    h=$((h + 1))
    sleep 0.2
  done
}


node_loop &
node=$!
done_runs=0 made=0 existed=0 failed=0 bad=0
while [ "$done_runs" -lt "$runs" ] && [ "$SECONDS" -lt "$deadline" ]; do
  start=$(now_ms)
  done_runs=$((done_runs + 1))
  timeout 60 "$cp_bin" create --db "$db" --out "$store" --height latest --interval 5 --keep 3 \
    --chunk-size 64KiB --threads 2 >"$work/c.out" 2>"$work/c.err"
  code=$?
  if [ "$code" != 0 ]; then
    failed=$((failed + 1))
    echo "run $done_runs: exit $code: $(head -c 300 "$work/c.err")" >>"$work/failures"
  else
    h=$(awk '/^height /{print $2}' "$work/c.out")
    if [ -z "$h" ]; then
      h=$(grep -o 'height [0-9]* is already checkpointed' "$work/c.err" | awk '{print $2}')
      existed=$((existed + 1))
    else
      made=$((made + 1))
    fi
    echo "$start $(now_ms) ${h:-0}" >>"$work/creates"
    # The node prints a height's root just after committing it.
    for _ in 1 2 3 4 5 6 7 8 9 10; do r=$(root_of "$h"); [ -n "$r" ] && break; sleep 0.2; done
    ckpt=$(ls -d "$store/$h"-* 2>/dev/null | head -1)
    if [ -z "$h" ] || [ -z "$r" ] || [ -z "$ckpt" ]; then
      bad=$((bad + 1))
      echo "run $done_runs: no height, root or checkpoint: $(cat "$work/c.out" "$work/c.err" | head -c 300)" >>"$work/failures"
    elif ! "$cp_bin" verify "$ckpt" --root "$r" --height "$h" >"$work/v.out" 2>&1; then
      # Verified at once: --keep 3 deletes it a few runs later.
      bad=$((bad + 1))
      echo "run $done_runs: $ckpt does not verify against $r: $(head -c 300 "$work/v.out")" >>"$work/failures"
    fi
  fi
  # Cron's pace: one start a second.
  rest=$((1000 - ($(now_ms) - start)))
  [ "$rest" -gt 0 ] && sleep "$(printf '0.%03d' "$rest")"
done
touch "$work/stop"
wait "$node" || fail "the node failed: $(tail -3 "$work/node.err")"
heights=$(grep -c '^height' "$work/node.out")
# Creates that made a checkpoint of a height a prune removed while they ran.
raced=$(awk 'NR == FNR { ps[NR] = $1; pe[NR] = $2; pb[NR] = $3; n = NR; next }
             { for (i = 1; i <= n; i++) if (ps[i] < $2 && pe[i] > $1 && pb[i] > $3) { c++; break } }
             END { print c + 0 }' "$work/prunes" "$work/creates" 2>/dev/null || echo 0)
slowest=$(awk '{ d = $2 - $1; if (d > m) m = d } END { print m + 0 }' "$work/creates" 2>/dev/null || echo 0)
echo "cron soak: $done_runs creates in ${SECONDS}s: $made made, $existed already there," \
  "$failed failed, $bad wrong; $raced of a height pruned while the create ran;" \
  "slowest create ${slowest} ms; the node committed $heights heights, pruned $(wc -l <"$work/prunes" 2>/dev/null || echo 0) times"
[ -e "$work/failures" ] && head -20 "$work/failures"
[ "$failed" = 0 ] || fail "$failed of $done_runs creates failed"
[ "$bad" = 0 ] || fail "$bad creates made a wrong or unverifiable checkpoint"
[ "$done_runs" -ge $((runs / 3)) ] || fail "only $done_runs of $runs creates ran before the deadline"
[ "$made" -gt 0 ] || fail "no checkpoint was made"
finish
