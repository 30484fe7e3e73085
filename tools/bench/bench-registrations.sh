#!/usr/bin/env bash
# Registrations per second that `district-hub serve` stores durably (issue 5): N sealed records
# uploaded with C requests in flight over keep-alive connections (libcurl multi), each answered
# only after its commit (WAL, synchronous=FULL); then the same N again as replays (200); then
# how long `registrations export` takes to open all N and write the CSV. Prints the figures;
# it is not a test and never fails because a machine is slow.
#
#   tools/bench/bench-registrations.sh                  10,000 records, 1 and 16 in flight, plain
#   N=2000 CONCURRENCY="1 4 16 64" MODES="plain tls" tools/bench/bench-registrations.sh
#
# Environment: BUILD_DIR (default build), N (10000), CONCURRENCY ("1 16"), MODES (plain; tls
# needs openssl), WORKERS (2: the hub's worker_threads), ACCESS_LOG (1: the default setting;
# 0: off), KEEP=1 (keep the work folder). One fresh hub per run. The compiler builds the client
# (bench_registrations.c) with libcurl and libsodium (deploy/install-deps.sh installs them).
# 1 in flight is what one kiosk's sync worker does (one request at a time, oldest first), so
# N / that rate is the hub's share of uploading N queued records.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD_DIR:-build}
[[ $build = /* ]] || build=$root/$build
hub=$build/district-hub
N=${N:-10000}
CONCURRENCY=${CONCURRENCY:-1 16}
MODES=${MODES:-plain}
WORKERS=${WORKERS:-2}
ACCESS_LOG=${ACCESS_LOG:-1}
if [[ ! -x $hub ]]; then
  echo "bench-registrations: build first: cmake -S . -B build -DDK_WERROR=ON && cmake --build build -j2" >&2
  exit 2
fi
work=$(mktemp -d /tmp/dk-bench-reg.XXXXXX)
hub_pid=
cleanup() {
  [[ -n $hub_pid ]] && { kill "$hub_pid" 2>/dev/null; wait "$hub_pid" 2>/dev/null || true; }
  if [[ ${KEEP:-0} = 1 ]]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

client=$work/bench-registrations
# shellcheck disable=SC2046
cc -O2 -o "$client" "$root/tools/bench/bench_registrations.c" \
  $(pkg-config --cflags --libs libcurl libsodium)
if [[ $MODES = *tls* ]]; then
  ( cd "$work"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key \
      -out tls.pem -days 2 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
    chmod 600 tls.key )
fi

run() { # mode concurrency
  local mode=$1 conc=$2 data=$work/data-$1-$2 conf=$work/hub-$1-$2.conf
  cat >"$conf" <<EOF
data_dir = $data
listen_address = 127.0.0.1
port = 0
allow_plain_http = true
worker_threads = $WORKERS
max_connections = 1024
access_log = $([[ $ACCESS_LOG = 1 ]] && echo true || echo false)
EOF
  if [[ $mode = tls ]]; then
    sed -i '/^allow_plain_http/d' "$conf"
    printf 'tls_cert = %s\ntls_key = %s\n' "$work/tls.pem" "$work/tls.key" >>"$conf"
  fi
  "$hub" init --config "$conf" >/dev/null
  local token
  token=$("$hub" device add bench-kiosk --config "$conf" | sed -n 's/^device_token = //p')
  "$hub" serve --config "$conf" >"$work/serve.log" 2>&1 &
  hub_pid=$!
  local url=
  for _ in $(seq 100); do
    url=$(sed -n 's/.*serving on \(https\{0,1\}:\/\/[^ ]*\) .*/\1/p' "$work/serve.log" | head -1)
    [[ -n $url ]] && break
    sleep 0.05
  done
  [[ -n $url ]] || { cat "$work/serve.log" >&2; exit 1; }
  [[ $mode = tls ]] && url=https://localhost:${url##*:}
  echo "--- $mode, $conc in flight"
  "$client" "$url/api/v1/registrations" "$token" "$(cat "$data/keys/registration.pub")" "$N" \
    "$conc" $([[ $mode = tls ]] && echo "$work/tls.pem") || echo "(the client saw errors)"
  kill "$hub_pid"; wait "$hub_pid" || true; hub_pid=
  local t0 t1
  t0=$EPOCHREALTIME
  "$hub" registrations export "$work/out.csv" --config "$conf" >/dev/null
  t1=$EPOCHREALTIME
  printf 'export   %6d records opened and written as CSV in %.2f s (%d bytes)\n' \
    "$(($(wc -l <"$work/out.csv") - 1))" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
    "$(stat -c %s "$work/out.csv")"
  rm -f "$work/out.csv"
  rm -rf "$data"
}

fsync_ms=$(dd if=/dev/zero of="$work/fsync.probe" bs=4k count=200 oflag=dsync 2>&1 |
  awk '/copied/ {printf "%.2f", $(NF-3) * 1000 / 200}')
rm -f "$work/fsync.probe"
echo "district-hub POST /api/v1/registrations: $N records per run, hub worker_threads $WORKERS, access log $([[ $ACCESS_LOG = 1 ]] && echo on || echo off)"
echo "durability: hub.db in WAL mode, synchronous=FULL: every 201 follows its own commit and fsync"
echo "storage: $(stat -f -c %T "$work") file system; one 4 KiB write + fsync (dd oflag=dsync) takes ${fsync_ms} ms here"
echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
  for conc in $CONCURRENCY; do
    run "$mode" "$conc"
  done
done
