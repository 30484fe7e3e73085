#!/usr/bin/env bash
# End to end through a web server nobody here wrote: district-hub imports and publishes the
# content, export-static writes the release files, nginx from Debian serves them over TLS with a
# certificate from the test's own CA, and the running kiosk (headless, its sync worker, no
# --sync-once) picks up the release by itself and shows it: checked on the screen through the
# script harness, not only in the database. Then staff publish a change, export again, and the
# kiosk shows that too after the next cycle.
sync_name=sync_nginx
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
hub=${DK_HUB:?set by ctest}
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ]; then
  echo "sync_nginx: nginx is missing (deploy/install-deps.sh installs it)"
  exit 1
fi
nginx_pid=
stop_nginx() {
  [ -z "$nginx_pid" ] || { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  nginx_pid=
}
trap 'stop_nginx; sync_cleanup' EXIT

# --- the hub: release 1 renames Hörde so that the screen shows which content it has ---
cat >"$tmp/hub.conf" <<EOF
data_dir = $tmp/hub
port = 0
EOF
h() { "$hub" "$@" --config "$tmp/hub.conf"; }
cp -r "$src/content" "$tmp/c1"
sed -i '0,/"de": "Hörde"/s//"de": "Hörde-Eins"/' "$tmp/c1/districts/hoerde/district.json"
h init >"$tmp/hub.out" 2>&1
h import "$tmp/c1" >>"$tmp/hub.out" 2>&1
h publish >>"$tmp/hub.out" 2>&1
h export-static "$tmp/www" >>"$tmp/hub.out" 2>&1
key=$(sed -n 's/^signing public key.*: \([0-9a-f]\{64\}\)$/\1/p' "$tmp/hub.out")
check "the hub published and exported release 1" test -s "$tmp/www/manifests/1.signed"

# --- certificates and nginx (one process, no daemon, everything in $tmp) ---
pki=$tmp/pki
mkdir -p "$pki" "$tmp/nginx/logs" "$tmp/nginx/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" \
  -out "$pki/ca.pem" -days 2 -subj "/CN=district-kiosk test ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/www.key" \
  -out "$pki/www.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/www.ext"
openssl x509 -req -in "$pki/www.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -out "$pki/www.pem" -days 2 -extfile "$pki/www.ext" 2>/dev/null

start_nginx() { # tries free ports until nginx listens; sets $port
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 40000))
    cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log $tmp/nginx/logs/access.log;
  client_body_temp_path $tmp/nginx/tmp/body;
  proxy_temp_path $tmp/nginx/tmp/proxy;
  fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
  scgi_temp_path $tmp/nginx/tmp/scgi;
  types { application/octet-stream signed; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $pki/www.pem;
    ssl_certificate_key $pki/www.key;
    root $tmp/www;
    location = /timestamp.signed { add_header Cache-Control "no-cache"; }
    location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
EOF
    "$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/out.log" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 50); do
      if curl -s --cacert "$pki/ca.pem" -o /dev/null "https://127.0.0.1:$port/timestamp.signed"; then
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break # the port was taken: try another
      sleep 0.1
    done
    stop_nginx
  done
  echo "sync_nginx: nginx did not start:"
  cat "$tmp/nginx/out.log" "$tmp/nginx/logs/error.log" 2>/dev/null
  return 1
}
start_nginx
check "nginx serves the export over TLS" test -n "$nginx_pid"

# --- the kiosk: its worker syncs 5 s after start; on the attract screen it adopts at once ---
d=$tmp/kiosk
mkdir -p "$d"
cat >"$d.conf" <<EOF
data_dir = $d
bundle_dir = $bundle
hub_url = https://127.0.0.1:$port
trusted_keys = $key
ca_file = $pki/ca.pem
sync_interval_s = 60
EOF
printf '%s\n' "expect screen attract" "wait 9000" "tap start" "expect screen home" \
  "expect text Hörde-Eins" "screenshot $tmp/release1.png" "quit" >"$tmp/r1.script"
timeout -k 5 300 "$kiosk" --config "$d.conf" --software --window 960x540 \
  --script "$tmp/r1.script" >"$tmp/kiosk1.log" 2>&1 && rc=0 || rc=$?
cat "$tmp/kiosk1.log" >>"$tmp/all.out"
check "the kiosk shows release 1 from nginx (exit $rc)" test "$rc" = 0
check "release 1 is complete and verified" \
  "$tool" check "$d" --release-dir "$tmp/www" --bundle "$bundle" --expect 1
check "nginx served the objects" grep -q 'GET /objects/' "$tmp/nginx/logs/access.log"

# --- staff change the name again and publish; the same kiosk picks up release 2 ---
cp -r "$tmp/c1" "$tmp/c2"
sed -i '0,/"de": "Hörde-Eins"/s//"de": "Hörde-Zwei"/' "$tmp/c2/districts/hoerde/district.json"
h import "$tmp/c2" >>"$tmp/hub.out" 2>&1
h publish >>"$tmp/hub.out" 2>&1
h export-static "$tmp/www" >>"$tmp/hub.out" 2>&1
printf '%s\n' "expect screen attract" "tap start" "expect text Hörde-Eins" "wait 9000" \
  "expect absent Hörde-Zwei" "advance 91000" "advance 28000" "advance 2500" \
  "expect screen attract" "tap start" "expect text Hörde-Zwei" "quit" >"$tmp/r2.script"
timeout -k 5 300 "$kiosk" --config "$d.conf" --software --window 960x540 \
  --script "$tmp/r2.script" >"$tmp/kiosk2.log" 2>&1 && rc=0 || rc=$?
cat "$tmp/kiosk2.log" >>"$tmp/all.out"
check "a visitor keeps release 1, the next one sees release 2 (exit $rc)" test "$rc" = 0
check "release 2 is complete and verified" \
  "$tool" check "$d" --release-dir "$tmp/www" --bundle "$bundle" --expect 2
stop_nginx
if [ "$fail" != 0 ]; then
  tail -5 "$tmp/hub.out"
  grep -a "FAIL\|sync" "$tmp/kiosk1.log" "$tmp/kiosk2.log" | head -30
  tail -5 "$tmp/nginx/logs/error.log" 2>/dev/null || true
fi
sync_summary sync_nginx
