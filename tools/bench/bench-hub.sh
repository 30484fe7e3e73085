#!/usr/bin/env bash
# Timestamp requests per second: district-hub serve against nginx serving the same file (the
# export-static tree), on this machine, in the same run, both plain HTTP or both HTTPS, measured
# with wrk. Prints the figures; it is not a test and never fails because a machine is slow.
#
#   tools/bench/bench-hub.sh                 plain and TLS, 3 rounds of 10 s each
#   MODES=tls ROUNDS=1 DURATION=5 tools/bench/bench-hub.sh
#
# Environment: BUILD_DIR (default build), MODES ("plain tls"), ROUNDS (3: alternating hub and
# nginx), DURATION (10: seconds per wrk run), CONNECTIONS (64), WRK_THREADS (1), WORKERS (2:
# hub worker_threads and nginx worker_processes), ACCESS_LOG (0: both without an access log;
# 1: both write one to a file), KEEP=1 (keep the work folder).
# Needs wrk, nginx and openssl (deploy/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD_DIR:-build}
[[ $build = /* ]] || build=$root/$build
hub=$build/district-hub
MODES=${MODES:-plain tls}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
WORKERS=${WORKERS:-2}
ACCESS_LOG=${ACCESS_LOG:-0}
for tool in wrk nginx openssl; do
  command -v "$tool" >/dev/null || { echo "bench-hub: $tool is missing: run deploy/install-deps.sh" >&2; exit 2; }
done
if [[ ! -x $hub ]]; then
  echo "bench-hub: build first: cmake -S . -B build -DDK_WERROR=ON && cmake --build build -j2" >&2
  exit 2
fi
work=$(mktemp -d /tmp/dk-bench-hub.XXXXXX)
chmod 755 "$work" # nginx's workers run as another user and read the exported tree
hub_pid= nginx_pid=
cleanup() {
  [[ -n $hub_pid ]] && { kill "$hub_pid" 2>/dev/null; wait "$hub_pid" 2>/dev/null || true; }
  [[ -n $nginx_pid ]] && { kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; }
  if [[ ${KEEP:-0} = 1 ]]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    ss -ltn | grep -q ":$p\b" || { echo "$p"; return; }
  done
  echo "bench-hub: no free port" >&2; exit 1
}

# --- a hub with the bundled content published, and its export for nginx ---
cat >"$work/hub.conf" <<EOF
data_dir = $work/data
listen_address = 127.0.0.1
port = 0
allow_plain_http = true
worker_threads = $WORKERS
max_connections = 1024
access_log = $([[ $ACCESS_LOG = 1 ]] && echo true || echo false)
EOF
"$hub" init --config "$work/hub.conf" >/dev/null
"$hub" import "$root/content" --config "$work/hub.conf" >/dev/null
"$hub" publish --config "$work/hub.conf" >/dev/null 2>&1
"$hub" export-static "$work/www" --config "$work/hub.conf" >/dev/null
chmod -R a+rX "$work/www"
( cd "$work"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key \
    -out tls.pem -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    2>/dev/null
  chmod 600 tls.key )
cmp -s "$work/www/timestamp.signed" "$work/data/site/timestamp.signed" ||
  { echo "bench-hub: the exported timestamp differs from the hub's" >&2; exit 1; }

start_hub() { # mode
  local conf=$work/hub-$1.conf
  cp "$work/hub.conf" "$conf"
  if [[ $1 = tls ]]; then
    sed -i '/^allow_plain_http/d' "$conf"
    printf 'tls_cert = %s\ntls_key = %s\n' "$work/tls.pem" "$work/tls.key" >>"$conf"
  fi
  "$hub" serve --config "$conf" >"$work/hub.log" 2>&1 &
  hub_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(sed -n 's/.*serving on \(https\{0,1\}:\/\/[^ ]*\) .*/\1/p' "$work/hub.log" | head -1)
    [[ -n $url ]] && break
    sleep 0.05
  done
  [[ -n $url ]] || { cat "$work/hub.log" >&2; exit 1; }
  hub_url=$url/timestamp.signed
}

start_nginx() { # mode
  local port scheme=http listen ssl=""
  port=$(free_port)
  listen="listen 127.0.0.1:$port;"
  if [[ $1 = tls ]]; then
    scheme=https
    listen="listen 127.0.0.1:$port ssl;"
    ssl="ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key; ssl_protocols TLSv1.2 TLSv1.3;"
  fi
  mkdir -p "$work/nginx-tmp"
  local log="access_log off;"
  [[ $ACCESS_LOG = 1 ]] && log="access_log $work/nginx-access.log;"
  cat >"$work/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  $log
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  sendfile on;
  keepalive_requests 1000000;
  server {
    $listen
    $ssl
    root $work/www;
    location = /timestamp.signed { add_header Cache-Control no-cache; }
    location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
EOF
  nginx -c "$work/nginx.conf" -e "$work/nginx-error.log" 2>>"$work/nginx-error.log" &
  nginx_pid=$!
  for _ in $(seq 100); do
    curl -sk -o /dev/null "$scheme://127.0.0.1:$port/timestamp.signed" && break
    sleep 0.05
  done
  nginx_url=$scheme://127.0.0.1:$port/timestamp.signed
}

stop() { # pid variable name
  local pid=${!1}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf -v "$1" ''
}

rate() { # url -> requests per second
  curl -sk -o /dev/null "$1" # warm up (TLS session, page cache)
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$1" 2>&1 |
    awk '/Requests\/sec/ {printf "%d", $2} /Non-2xx/ {bad=1} END {if (bad) printf " (errors!)"}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "district-hub vs nginx $(nginx -v 2>&1 | sed 's/.*\///'): GET /timestamp.signed ($(stat -c %s "$work/www/timestamp.signed") bytes)"
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds; $WORKERS worker threads/processes each; access log: $([[ $ACCESS_LOG = 1 ]] && echo on || echo off)"
echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-6s %14s %14s %8s   %s\n' mode "hub req/s" "nginx req/s" "hub/nginx" "(each round: hub nginx)"
for mode in $MODES; do
  hubs=() nginxs=() rounds=""
  for r in $(seq "$ROUNDS"); do
    start_hub "$mode"
    h=$(rate "$hub_url")
    stop hub_pid
    start_nginx "$mode"
    n=$(rate "$nginx_url")
    stop nginx_pid
    hubs+=("${h%% *}") nginxs+=("${n%% *}")
    rounds+=" $h $n;"
  done
  hm=$(printf '%s\n' "${hubs[@]}" | median)
  nm=$(printf '%s\n' "${nginxs[@]}" | median)
  printf '%-6s %14s %14s %8s  %s\n' "$mode" "$hm" "$nm" \
    "$(awk -v a="$hm" -v b="$nm" 'BEGIN {printf "%.2f", b ? a / b : 0}')" "$rounds"
done
echo
echo "figures are medians; the target (issue 4) is hub >= 0.5 x nginx"
