#!/usr/bin/env bash
# The kiosk against the real hub (plain HTTP on loopback, then HTTPS with the test's own CA;
# TLS faults are in sync_tls.sh):
# district-hub init, import, publish, device add and serve; district-kiosk --sync-once installs
# release 1, then the release staff publish after changing a text and an image; the hub's
# devices list shows the kiosk's heartbeat. The same release exported with export-static and
# served by another server (tests/dk_testserver.c) installs on a second kiosk: the kiosk does not
# care who serves the files.
sync_name=sync_hub
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
hub=${DK_HUB:?set by ctest}
hub_pid=
trap '[ -z "$hub_pid" ] || kill "$hub_pid" 2>/dev/null || true; sync_cleanup' EXIT

cat >"$tmp/hub.conf" <<EOF
data_dir = $tmp/hub
port = 0
allow_plain_http = true
EOF
h() { "$hub" "$@" --config "$tmp/hub.conf"; }
h init >"$tmp/hub-init.out" 2>&1
h import "$src/content" >"$tmp/hub-import.out" 2>&1
h publish >"$tmp/hub-publish.out" 2>&1
h device add hall-hoerde >"$tmp/device.out" 2>&1
"$hub" serve --config "$tmp/hub.conf" >"$tmp/serve.log" 2>&1 & # not through h(): $! is the hub
hub_pid=$!
for _ in $(seq 200); do
  port=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/serve.log" \
    2>/dev/null || true) # the log may not exist yet
  [ -n "$port" ] && break
  sleep 0.05
done
check "the hub serves" test -n "$port"

# The kiosk's settings: the snippet device add printed (hub_url comes from the command line).
d=$tmp/kiosk
mkdir -p "$d"
{
  grep -E '^(trusted_keys|device_token|registration_pubkey) = ' "$tmp/device.out"
  echo "data_dir = $d"
  echo "bundle_dir = $bundle"
} >"$d.conf"
token=$(sed -n 's/^device_token = //p' "$d.conf") # never to be printed by the kiosk
check "device add printed a token and a key" test -n "$token"
check "device add printed the registration key, and the kiosk takes it" \
  grep -Eq '^registration_pubkey = [0-9a-f]{64}$' "$d.conf"

sync_once "$d"
check "release 1 from the hub (exit $rc)" test "$rc" = 0
check "release 1 installed" grep -q "^sync: ok: release 1 installed" "$d.out"

cp -r "$src/content" "$tmp/c2"
echo "Stand: veröffentlicht von district-hub." >>"$tmp/c2/pages/about/body.de.md"
jpg=$(find "$tmp/c2" -name '*.jpg' | head -1)
printf 'changed' >>"$jpg"
h import "$tmp/c2" >>"$tmp/hub-import.out" 2>&1
h publish >>"$tmp/hub-publish.out" 2>&1
sync_once "$d"
check "release 2 from the hub (exit $rc)" test "$rc" = 0
check "release 2: only the changed text and image were downloaded" \
  grep -q "sync: release 2 installed: 2 files" "$d.out"
h export-static "$tmp/static" >"$tmp/export.out" 2>&1
check "the kiosk holds release 2 of the export, complete and verified" \
  "$tool" check "$d" --release-dir "$tmp/static" --bundle "$bundle" --expect 2
sync_once "$d"
check "then it is current (exit $rc)" grep -q "^sync: ok: release 2 is current" "$d.out"
check "the unchanged timestamp came as a 304" grep -q "GET /timestamp.signed 304" "$tmp/serve.log"
h devices >"$tmp/devices.out" 2>&1
check "devices shows the kiosk with release 2 and its last sync" \
  grep -Eq "^hall-hoerde +[0-9]+ s ago +2 +ok" "$tmp/devices.out"

# A second kiosk gets the same release from a plain static mirror.
start_server "$tmp/static"
d2=$tmp/mirror
mkdir -p "$d2"
cp "$d.conf" "$d2.conf"
sed -i "s|^data_dir = .*|data_dir = $d2|; /^device_token/d" "$d2.conf"
sync_once "$d2"
stop_server
check "a static mirror serves release 2 (exit $rc)" test "$rc" = 0
check "the mirror's release is complete and verified" \
  "$tool" check "$d2" --release-dir "$tmp/static" --bundle "$bundle" --expect 2

kill "$hub_pid" 2>/dev/null || true
wait "$hub_pid" 2>/dev/null || true
hub_pid=

# The same hub over HTTPS with a certificate from the test's own CA; the kiosk trusts that CA
# through ca_file, and sends its heartbeat over TLS too.
pki=$tmp/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" \
  -out "$pki/ca.pem" -days 2 -subj "/CN=district-kiosk test ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/hub.key" \
  -out "$pki/hub.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/hub.ext"
openssl x509 -req -in "$pki/hub.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -out "$pki/hub.pem" -days 2 -extfile "$pki/hub.ext" 2>/dev/null
chmod 600 "$pki/hub.key"
sed -i '/^allow_plain_http/d' "$tmp/hub.conf"
printf 'tls_cert = %s\ntls_key = %s\n' "$pki/hub.pem" "$pki/hub.key" >>"$tmp/hub.conf"
"$hub" serve --config "$tmp/hub.conf" >"$tmp/serve-tls.log" 2>&1 &
hub_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's|.*serving on https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/serve-tls.log" \
    2>/dev/null || true)
  [ -n "$port" ] && break
  sleep 0.05
done
check "the hub serves HTTPS" test -n "$port"
d3=$tmp/tls
mkdir -p "$d3"
sed "s|^data_dir = .*|data_dir = $d3|" "$d.conf" >"$d3.conf"
echo "ca_file = $pki/ca.pem" >>"$d3.conf"
"$kiosk" --config "$d3.conf" --set "hub_url=https://127.0.0.1:$port" --sync-once >"$d3.out" 2>&1 &&
  rc=0 || rc=$?
cat "$d3.out" >>"$tmp/all.out"
check "release 2 over HTTPS from the hub (exit $rc)" test "$rc" = 0
check "the HTTPS release is complete and verified" \
  "$tool" check "$d3" --release-dir "$tmp/static" --bundle "$bundle" --expect 2
check "the heartbeat went over HTTPS too" grep -Eq "^  heartbeat +sent" "$d3.out"
kill "$hub_pid" 2>/dev/null || true
wait "$hub_pid" 2>/dev/null || true
hub_pid=
if [ "$fail" != 0 ]; then
  tail -20 "$tmp/serve.log"
  cat "$d.out"
fi
sync_summary sync_hub
