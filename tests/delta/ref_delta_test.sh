#!/usr/bin/env bash
# delta-ref: delta checkpoints against an independent model (ref_delta.py, written from
# docs/FORMAT.md §1, §3 and §9 with no project code). For small random histories — prefix-heavy
# ones written by hand through `state apply` (chains of prefix keys, long shared prefixes, empty
# and large values, delete everything, insert into empty, one key, F = H) and gen-state's — and
# several chunk sizes, including ones where the greedy rule hangs on "size <= S" by one byte:
#   (a) every chunk's canonical bytes are exactly the model's for its interval (H's canonical
#       proof around it, the changes inside it), from the two heights' `state dump`s;
#   (b) the intervals are exactly the model's greedy partition.
# The test also shows it has teeth: each deliberate error of the model (ref_delta.py MUTANTS:
# the size rule off by one byte either way, a boundary one bit long, proof rules, front-coding)
# must make some comparison fail.
# usage: ref_delta_test.sh CHECKPOINT_BINARY GEN_STATE_BINARY
set -u
cp_bin=$1
gen_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib.sh"
ref=(python3 "$here/ref_delta.py")
command -v zstd >/dev/null || { echo "FAIL: the zstd command is missing (scripts/install-deps.sh)"; exit 1; }

"${ref[@]}" selftest || fail "the model's trie does not give FORMAT.md's roots"

# Prefix-heavy histories through write logs: heights 1..8 (see ref_delta.py gen_logs).
prefix_db() {  # DB SEED HASH
  mkdir -p "$work/logs.$2"
  "${ref[@]}" gen-logs --seed "$2" --out "$work/logs.$2" || fail "gen-logs $2"
  "$cp_bin" state apply "$work/logs.$2/h1.log" --db "$1" --height 1 --hash "$3" >/dev/null || fail "apply 1"
  for h in 2 3 4 5 6 7 8; do
    "$cp_bin" state apply "$work/logs.$2/h$h.log" --db "$1" --height "$h" >/dev/null || fail "apply $h"
  done
}
prefix_db "$work/p" 1 sha256
prefix_db "$work/q" 2 sha512_256
"$gen_bin" --db "$work/g" --keys 600 --heights 3 --churn 0.05 --seed 9 >/dev/null 2>&1 || fail "gen-state g"
"$gen_bin" --db "$work/g2" --keys 300 --heights 2 --churn 0.1 --seed 4 --hash sha512_256 >/dev/null 2>&1 ||
  fail "gen-state g2"

dump() {  # DB HEIGHT: the dump's path (made once)
  local f="$work/dump.$(basename "$1").$2"
  [ -e "$f" ] || "$cp_bin" state dump --db "$1" --height "$2" >"$f" || fail "dump $1 $2"
  echo "$f"
}

# check DB F H SIZE [--mutants]: create the delta F->H at SIZE and compare it with the model.
n=0
check() {
  local db=$1 f=$2 h=$3 size=$4
  shift 4
  n=$((n + 1))
  local store="$work/store.$n" what="$(basename "$db") $f->$h at $size"
  "$cp_bin" create --db "$db" --out "$store" --height "$h" --base "$f" --chunk-size "$size" \
    --threads 1 >"$work/create.out" 2>"$work/create.err" || {
    fail "create $what: $(head -c 300 "$work/create.err")"
    return
  }
  local ckpt
  ckpt=$(tail -1 "$work/create.out")
  if ! "${ref[@]}" check --base-dump "$(dump "$db" "$f")" --dump "$(dump "$db" "$h")" --ckpt "$ckpt" \
    "$@" >"$work/check.out" 2>"$work/check.err"; then
    fail "$what: the tool and the model disagree"
    head -20 "$work/check.err"
  fi
  head -1 "$work/check.out" >>"$work/counts"
  grep '^mutant ' "$work/check.out" | sed "s|\$| ($what)|" >>"$work/mutants"
}

m=--mutants
check "$work/p" 1 2 1KiB $m
check "$work/p" 1 2 1500B
check "$work/p" 1 2 4KiB $m
check "$work/p" 1 2 64KiB
check "$work/p" 2 3 1KiB $m  # delete everything
check "$work/p" 3 4 1KiB $m  # insert into empty
check "$work/p" 3 4 4KiB
check "$work/p" 4 5 1KiB     # one key
check "$work/p" 1 5 2KiB
check "$work/p" 1 4 1KiB
check "$work/p" 2 2 1KiB     # F = H: one empty chunk
check "$work/p" 5 6 1KiB $m  # down to one leaf: given whole beside the intervals without it
check "$work/p" 6 7 1KiB     # one leaf to another value
check "$work/p" 7 8 1KiB     # one leaf to two
check "$work/q" 1 2 1KiB $m
check "$work/q" 2 4 2KiB
check "$work/g" 1 3 1KiB $m
check "$work/g" 1 3 8KiB
check "$work/g" 2 3 1KiB
check "$work/g2" 1 2 1KiB $m

# At the edge of the size rule: S where the partition at S - 1 differs (so a chunk is exactly S
# bytes and "<= S" decides it), and S - 1 (where S decides it the other way).
for spec in "p 1 2 sha256" "g 1 3 sha256" "q 1 2 sha512_256"; do
  set -- $spec
  s=$("${ref[@]}" edge-size --base-dump "$(dump "$work/$1" "$2")" --dump "$(dump "$work/$1" "$3")" \
    --hash "$4" --min 1024) || {
    fail "no edge chunk size for $spec"
    continue
  }
  check "$work/$1" "$2" "$3" "${s}B" $m
  grep -q "^mutant size-1 killed" "$work/check.out" || fail "at ${s}B, the model with S - 1 agreed with the tool"
  check "$work/$1" "$2" "$3" "$((s - 1))B" $m
  grep -q "^mutant size+1 killed" "$work/check.out" ||
    fail "at $((s - 1))B, the model with S + 1 agreed with the tool"
done

# What was compared: every kind of item, and multi-chunk deltas.
python3 - "$work/counts" <<'PY' || fail "coverage"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tot = {}
for r in rows:
    for k, v in r.items():
        if k not in ("ok", "max_raw"):
            tot[k] = tot.get(k, 0) + v
print("compared %d checkpoints: %s" % (len(rows), json.dumps(tot, sort_keys=True)))
for kind in ("stub", "lstub", "leaf", "put", "del"):
    assert tot.get(kind, 0) > 0, "no %s item in any chunk" % kind
assert max(r["chunks"] for r in rows) >= 10, "no delta of 10 chunks or more"
PY
# Every deliberate error of the model was caught somewhere.
for mutant in $(awk '{print $2}' "$work/mutants" | sort -u); do
  grep -q "^mutant $mutant killed" "$work/mutants" || fail "the model's error '$mutant' went unnoticed"
done
[ -s "$work/mutants" ] || fail "no mutants ran"
finish
