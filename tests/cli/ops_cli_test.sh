#!/usr/bin/env bash
# Running unattended: the store lock between processes, list/prune/pin/inspect,
# metrics, SIGTERM, real SIGKILLs of create, and a node writing while cron
# creates checkpoints.
# usage: ops_cli_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
source "$(dirname "$0")/lib.sh"

# Waits until FILE holds PID (the lock holder writes its pid there): a
# condition, checked as often as needed, not a guessed delay.
wait_for_holder() {
  local file=$1 pid=$2
  for _ in $(seq 1 2000); do
    [ "$(cat "$file" 2>/dev/null)" = "$pid" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.005
  done
  return 1
}

db=$work/db
store=$work/store
"$gen_bin" --db "$db" --keys 200000 --heights 6 --churn 0.01 --seed 4 >"$work/gen.out" 2>/dev/null || fail "gen-state"
root_of() { grep "^height $1 " "$work/gen.out" | awk '{print $4}'; }

# Two creates at once: the second finds the lock held and exits 75 naming the first.
"$cp_bin" create --db "$db" --out "$store" --height 2 --chunk-size 4KiB --threads 1 >"$work/a.out" 2>&1 &
a=$!
if wait_for_holder "$store/.lock" "$a"; then
  expect_out 75 "locked by pid $a" -- "$cp_bin" create --db "$db" --out "$store" --height 3
  # A prune racing the create waits for it, then never deletes what it made.
  "$cp_bin" prune "$store" --keep-last 1 --wait 600 >"$work/prune.out" 2>&1 &
  p=$!
  wait "$a" || fail "the first create failed: $(cat "$work/a.out")"
  wait "$p" || fail "prune --wait failed: $(cat "$work/prune.out")"
  ckpt2=$(tail -1 "$work/a.out")
  "$cp_bin" verify "$ckpt2" --root "$(root_of 2)" >/dev/null 2>&1 || fail "the raced checkpoint does not verify"
else
  wait "$a"
  fail "the first create never took the lock"
fi

# list, pin, prune, inspect, metrics
for h in 3 4 5; do
  "$cp_bin" create --db "$db" --out "$store" --height $h --chunk-size 64KiB --metrics-file "$work/m.prom" >"$work/c$h" || fail "create $h"
done
grep -q '^checkpoint_last_run_exit_code 0$' "$work/m.prom" || fail "metrics: $(cat "$work/m.prom")"
grep -q '^checkpoint_last_success_height 5$' "$work/m.prom" || fail "metrics height"
expect_out 1 "" -- "$cp_bin" create --db "$db" --out "$store" --height 99 --metrics-file "$work/m.prom"
grep -q '^checkpoint_last_run_exit_code 1$' "$work/m.prom" || fail "metrics after a failure: $(cat "$work/m.prom")"
grep -q '^checkpoint_last_success_height 5$' "$work/m.prom" || fail "a failure lost the last success"
c3=$(tail -1 "$work/c3")
expect_out 0 "" -- "$cp_bin" pin "$c3" --reason "peers syncing"
expect_out 0 "would delete" -- "$cp_bin" prune "$store" --keep-last 1 --dry-run
"$cp_bin" list "$store" --json >"$work/list"
grep -q '"pinned":true' "$work/list" || fail "list does not show the pin"
n_before=$(grep -o '"height":' "$work/list" | wc -l)
expect_out 0 "deleted" -- "$cp_bin" prune "$store" --keep-last 1
"$cp_bin" list "$store" --json >"$work/list"
[ "$(grep -o '"height":' "$work/list" | wc -l)" = 2 ] || fail "prune kept $(cat "$work/list") (had $n_before)"
grep -q "\"height\":3," "$work/list" || fail "prune deleted the pinned checkpoint"
expect_out 0 "" -- "$cp_bin" unpin "$c3"
expect_out 0 "reaches the manifest's root" -- "$cp_bin" inspect "$c3" --chunk 0
expect_out 0 "leaves" -- "$cp_bin" inspect "$c3"
expect_out 2 "the checkpoint has" -- "$cp_bin" inspect "$c3" --chunk 999999
# create --keep after a run: only the newest N unpinned stay.
expect_out 0 "deleted" -- "$cp_bin" create --db "$db" --out "$store" --height 6 --chunk-size 64KiB --keep 1
[ "$("$cp_bin" list "$store" | grep -c '^[0-9]')" = 1 ] || fail "create --keep 1 left: $("$cp_bin" list "$store")"

# SIGTERM: staging removed, lock released, exit 130.
rm -rf "$work/s2"
"$cp_bin" create --db "$db" --out "$work/s2" --height 1 --chunk-size 4KiB --threads 1 >/dev/null 2>"$work/term.err" &
t=$!
if wait_for_holder "$work/s2/.lock" "$t"; then
  kill -TERM "$t"
  wait "$t"
  code=$?
  # The run may have finished before the signal arrived: 0 is fine then.
  [ "$code" = 130 ] || [ "$code" = 0 ] || fail "SIGTERM gave exit $code: $(cat "$work/term.err")"
  if [ "$code" = 130 ]; then
    ls -a "$work/s2" | grep -q staging && fail "SIGTERM left a staging directory"
    "$cp_bin" list "$work/s2" | grep -q '^[0-9]' && fail "an interrupted create published a checkpoint"
  fi
  expect_out 0 "" -- "$cp_bin" create --db "$db" --out "$work/s2" --height 1 --chunk-size 64KiB
else
  wait "$t"
fi

# Real SIGKILLs at random moments (fault injection, not synchronisation).
for round in 1 2 3; do
  "$cp_bin" create --db "$db" --out "$work/k" --height $((round + 1)) --chunk-size 4KiB --threads 2 >/dev/null 2>&1 &
  k=$!
  sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
  kill -9 "$k" 2>/dev/null
  wait "$k" 2>/dev/null
  # A kill before the run made the store leaves none, and nothing to list.
  if [ -d "$work/k" ]; then
    "$cp_bin" list "$work/k" --json >"$work/klist" || fail "list after kill"
  else
    : >"$work/klist"
  fi
  for path in $(grep -o '"path":"[^"]*"' "$work/klist" | grep -v leftovers | cut -d'"' -f4); do
    case "$path" in */.staging-*|*/.trash-*) continue ;; esac
    h=$(basename "$path" | cut -d- -f1)
    "$cp_bin" verify "$path" --root "$(root_of "$h")" >/dev/null 2>&1 || fail "after a kill, $path lists but does not verify"
  done
  "$cp_bin" create --db "$db" --out "$work/k" --height $((round + 1)) --chunk-size 64KiB >/dev/null 2>&1 || fail "create after a kill"
  ls -a "$work/k" | grep -q '^\.staging' && fail "the next run did not clean up"
done

# A node committing (and pruning) while cron creates: every checkpoint made
# verifies against the root of its height.
node_loop() {
  for h in $(seq 7 14); do
    printf 'put %064x %08x\nput %064x %08x\n' "$h" "$h" $((h * 7919)) "$h" | "$cp_bin" state apply --db "$db" --height "$h" >>"$work/node.out" || return 1
    if [ $((h % 4)) = 0 ]; then
      "$cp_bin" state prune --db "$db" --below $((h - 2)) >/dev/null || return 1
    fi
  done
  return 0
}
node_loop &
node=$!
for _ in 1 2 3 4 5 6; do
  "$cp_bin" create --db "$db" --out "$work/cron" --height latest --interval 2 --chunk-size 64KiB --wait 60 >>"$work/cron.out" 2>&1
  code=$?
  [ "$code" = 0 ] || grep -q "no longer in the database" "$work/cron.out" || fail "cron create exit $code: $(tail -2 "$work/cron.out")"
done
wait "$node" || fail "the node loop failed"
for path in $("$cp_bin" list "$work/cron" --json | grep -o '"path":"[^"]*"' | cut -d'"' -f4); do
  h=$(basename "$path" | cut -d- -f1)
  r=$(root_of "$h")
  [ -n "$r" ] || r=$(grep "^height $h " "$work/node.out" | awk '{print $4}')
  "$cp_bin" verify "$path" --root "$r" >/dev/null 2>&1 || fail "cron checkpoint of height $h does not verify against its root"
done

finish
