# shellcheck shell=bash
# start_mirror VAR ROOT ARGS…: a tests/net/hostile_mirror.py serving directory
# ROOT (honest unless ARGS say how to lie) on a free 127.0.0.1 port, a child
# of this shell (it stops when the shell does); VAR gets its URL. Needs
# `work` (lib.sh). Its request log: $work/mirror.N.log.
_mirror_py="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hostile_mirror.py"
_mirrors=0
start_mirror() {
  local var=$1 root=$2
  shift 2
  _mirrors=$((_mirrors + 1))
  local port="$work/port.$_mirrors"
  python3 "$_mirror_py" --root "$root" --port-file "$port" --log "$work/mirror.$_mirrors.log" \
    "$@" </dev/null 2>>"$work/mirrors.err" &
  for _ in $(seq 1 2000); do
    [ -s "$port" ] && break
    sleep 0.005
  done
  printf -v "$var" 'http://127.0.0.1:%s/' "$(cat "$port")"
}
