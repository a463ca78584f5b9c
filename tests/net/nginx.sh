# shellcheck shell=bash
# A private nginx serving a checkpoint store with contrib/nginx/checkpoint-store.conf
# (sourced by tests). Needs /usr/sbin/nginx (or $NGINX), curl and python3.
#
#   nginx_start STORE_DIR WORKDIR   start it on a free 127.0.0.1 port; sets and
#                                   exports NGINX_URL, NGINX_PORT, NGINX_ACCESS_LOG,
#                                   NGINX_ERROR_LOG, NGINX_DIR
#   nginx_stop [WORKDIR]            stop that one (default: every one started here)
#   nginx_stop_on_exit              stop them all when the shell exits (adds to
#                                   the EXIT trap already set, e.g. by lib.sh)
#   nginx_requests PATH [STATUS]    how many requests for PATH (and STATUS) so far
#
# The access log has one line per request: METHOD REQUEST_URI STATUS BODY_BYTES_SENT
# (hostile_mirror.py --log writes the same). Each nginx also has a watchdog that
# stops it when the shell that started it is gone, so a killed test leaks nothing.

NGINX=${NGINX:-/usr/sbin/nginx}
_nginx_conf_src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/contrib/nginx/checkpoint-store.conf"
_nginx_dirs=()

# _nginx_free_port: a port nobody listens on right now (the kernel's choice).
_nginx_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _nginx_write_conf STORE WORKDIR PORT
_nginx_write_conf() {
  local store=$1 dir=$2 port=$3 t
  sed -e "s|^\( *\)listen 127\.0\.0\.1:8080;|\1listen 127.0.0.1:$port;|" \
    -e "s|^\( *\)root /srv/checkpoint-store;|\1root $store;|" \
    "$_nginx_conf_src" >"$dir/checkpoint-store.conf"
  if ! grep -q "listen 127.0.0.1:$port;" "$dir/checkpoint-store.conf" ||
    ! grep -qF "root $store;" "$dir/checkpoint-store.conf"; then
    echo "nginx.sh: placeholders not found in $_nginx_conf_src" >&2
    return 1
  fi
  {
    # As root the workers would become nobody, who may not read the store.
    [ "$(id -u)" = 0 ] && echo "user $(id -un) $(id -gn);"
    echo "worker_processes 1;"
    echo "pid $dir/nginx.pid;"
    echo "error_log $dir/error.log info;"
    echo "events { worker_connections 256; }"
    echo "http {"
    echo "  log_format counts '\$request_method \$request_uri \$status \$body_bytes_sent';"
    echo "  access_log $dir/access.log counts;"
    for t in client_body proxy fastcgi uwsgi scgi; do
      echo "  ${t}_temp_path $dir/tmp/$t;"
    done
    echo "  include $dir/checkpoint-store.conf;"
    echo "}"
  } >"$dir/nginx.conf"
}

# nginx_start STORE_DIR WORKDIR
nginx_start() {
  local store dir port _ deadline master
  store=$(cd "$1" && pwd) || return 1
  mkdir -p "$2/tmp" && dir=$(cd "$2" && pwd) || return 1
  for _ in 1 2 3 4 5; do
    port=$(_nginx_free_port) || return 1
    _nginx_write_conf "$store" "$dir" "$port" || return 1
    : >"$dir/access.log"
    : >"$dir/error.log"
    rm -f "$dir/nginx.pid"
    # nginx daemonizes once it holds the port: its exit code says whether it started.
    if "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/start.err"; then
      break
    fi
    grep -q 'Address already in use' "$dir/start.err" || {
      echo "nginx.sh: nginx did not start: $(tail -n 3 "$dir/start.err")" >&2
      return 1
    }
    port=""
  done
  [ -n "$port" ] || { echo "nginx.sh: no free port after 5 tries" >&2; return 1; }
  _nginx_dirs+=("$dir")
  export NGINX_URL="http://127.0.0.1:$port" NGINX_PORT=$port NGINX_DIR=$dir
  export NGINX_ACCESS_LOG=$dir/access.log NGINX_ERROR_LOG=$dir/error.log
  # Ready when the pid file is there and it answers HTTP (any status), within 10 s.
  deadline=$((SECONDS + 10))
  until [ -s "$dir/nginx.pid" ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$NGINX_URL/")" != 000 ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "nginx.sh: nginx on port $port not answering after 10 s" >&2
      nginx_stop "$dir"
      return 1
    fi
    sleep 0.05
  done
  master=$(cat "$dir/nginx.pid")
  # Watchdog: stops nginx once this shell is gone (disowned: not in `jobs`/`wait`).
  (
    trap '' INT TERM HUP
    while kill -0 $$ 2>/dev/null && kill -0 "$master" 2>/dev/null; do sleep 1; done
    kill -TERM "$master" 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  disown $!
  : >"$dir/access.log" # the readiness probe is not a test request
}

# nginx_stop [WORKDIR]: fast shutdown, waits (at most 5 s, then KILL) until gone.
nginx_stop() {
  local dirs=("$@") d pid i
  [ $# -gt 0 ] || dirs=("${_nginx_dirs[@]}")
  for d in "${dirs[@]}"; do
    d=$(cd "$d" 2>/dev/null && pwd) || continue
    pid=$(cat "$d/nginx.pid" 2>/dev/null) || pid=""
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
      for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
      done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$d/nginx.pid"
    local kept=() k
    for k in "${_nginx_dirs[@]}"; do [ "$k" = "$d" ] || kept+=("$k"); done
    _nginx_dirs=("${kept[@]}")
  done
  return 0
}

# nginx_stop_on_exit: run nginx_stop before whatever EXIT trap is set now.
nginx_stop_on_exit() {
  local old
  old=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//" -e "s/'\\\\''/'/g")
  # shellcheck disable=SC2064
  trap "nginx_stop; $old" EXIT
}

# nginx_requests PATH [STATUS] [LOG]: requests logged for exactly PATH.
nginx_requests() {
  awk -v p="$1" -v s="${2:-}" '$2 == p && (s == "" || $3 == s) { n++ } END { print n + 0 }' \
    "${3:-$NGINX_ACCESS_LOG}"
}
