#!/usr/bin/env bash
# district-hub from the command line (issue 4): init, import, publish, devices, export-static
# checked by its signatures, and serve over plain HTTP on loopback and over HTTPS with a test CA,
# driven with curl: ETag/304, Range 206/416, immutable headers, JSON errors, 401/413, heartbeats,
# the timestamp re-signed by itself, and a clean stop on SIGTERM.
set -euo pipefail
hub=${DK_HUB:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
on_error() { # with set -e in force, say which command ended the test
  [[ $- == *e* ]] || return 0
  echo "hub_cli: line $1 failed: $2" >&2
  if [ -f "$tmp/serve.log" ]; then tail -5 "$tmp/serve.log" >&2; fi
}
trap 'on_error $LINENO "$BASH_COMMAND"' ERR
pass=0 fail=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAILED: $name"; fail=$((fail + 1)); fi
}
has() { grep -q -- "$2" "$1"; }     # file, pattern
hasnt() { ! grep -q -- "$2" "$1"; } # file, pattern

# One copy of the content, so that an edit in the work tree during the test changes nothing here.
cp -r "$src/content" "$tmp/content"
conf=$tmp/hub.conf
cat >"$conf" <<EOF
data_dir = $tmp/data
listen_address = 127.0.0.1
port = 0
allow_plain_http = true
timestamp_lifetime_s = 20
max_request_bytes = 2048
heartbeat_silent_s = 600
EOF

# --- settings ---
"$hub" print-config >"$tmp/defaults.conf"
check "print-config lists every key with its unit" has "$tmp/defaults.conf" "timestamp_lifetime_s = 86400"
check "print-config shows the default port" has "$tmp/defaults.conf" "^port = 8443"
printf 'port = 99999\nfrobnicate = 1\n' >"$tmp/bad.conf"
set +e
"$hub" devices --config "$tmp/bad.conf" >/dev/null 2>"$tmp/badconf.err"; rc=$?
set -e
check "bad settings are a usage error" test "$rc" = 2
check "bad settings name file and line" has "$tmp/badconf.err" "bad.conf:1: port"
check "... every one of them" has "$tmp/badconf.err" "bad.conf:2: unknown setting 'frobnicate'"

# --- init ---
"$hub" init --config "$conf" >"$tmp/init.out"
key=$(sed -n 's/^signing public key.*: \([0-9a-f]\{64\}\)$/\1/p' "$tmp/init.out")
check "init prints the signing key" test ${#key} = 64
check "data folder is private" test "$(stat -c %a "$tmp/data")" = 700
check "signing key is private" test "$(stat -c %a "$tmp/data/keys/signing.key")" = 600
check "registration key is private" test "$(stat -c %a "$tmp/data/keys/registration.key")" = 600
cp "$tmp/data/keys/signing.key" "$tmp/key.before"
set +e
"$hub" init --config "$conf" >/dev/null 2>"$tmp/init2.err"; rc=$?
set -e
check "second init is refused" test "$rc" = 1
check "second init says why" has "$tmp/init2.err" "never overwritten"
check "second init kept the key" cmp -s "$tmp/key.before" "$tmp/data/keys/signing.key"

# --- import ---
set +e
"$hub" publish --config "$conf" >/dev/null 2>"$tmp/pub0.err"; rc=$?
set -e
check "publish before import is refused" test "$rc" = 1
check "... with what to do" has "$tmp/pub0.err" "district-hub import"
cp -r "$tmp/content" "$tmp/bad"
sed -i 's/"color": "#[0-9A-Fa-f]*"/"color": "red"/' "$tmp/bad/districts/eving/district.json"
set +e
"$hub" import "$tmp/bad" --config "$conf" >/dev/null 2>"$tmp/import-bad.err"; rc=$?
set -e
check "bad content is refused" test "$rc" = 1
check "problem names file and field" has "$tmp/import-bad.err" "districts/eving/district.json: field 'color'"
check "bad import stores nothing" has "$tmp/import-bad.err" "was not changed"
"$hub" import "$tmp/content" --config "$conf" >"$tmp/import.out"
check "import counts the districts" has "$tmp/import.out" "imported: 12 districts"

# --- publish: versions increase; the content is what pack makes ---
"$hub" publish --config "$conf" >"$tmp/pub1.out" 2>/dev/null
"$hub" publish --config "$conf" >"$tmp/pub2.out" 2>/dev/null
check "first publish is release 1" has "$tmp/pub1.out" "published release 1:"
check "second publish is release 2" has "$tmp/pub2.out" "published release 2:"
check "an unchanged draft is published again, with a note" has "$tmp/pub2.out" "same as in release 1"
"$hub" pack "$tmp/content" "$tmp/packed" >"$tmp/pack.out"
packhash=$(sed -n 's/.*content document .* KiB, \([0-9a-f]\{64\}\)$/\1/p' "$tmp/pack.out")
check "pack printed its content hash" test ${#packhash} = 64
check "published content is byte-identical to pack's" has "$tmp/pub2.out" "content $packhash"
check "the content object is pack's file" cmp -s "$tmp/packed/objects/$packhash" "$tmp/data/site/objects/$packhash"

# --- devices ---
"$hub" device add hoerde-foyer --config "$conf" >"$tmp/dev.out"
token=$(sed -n 's/^device_token = \([0-9a-f]\{64\}\)$/\1/p' "$tmp/dev.out")
check "device add prints a token" test ${#token} = 64
check "the snippet trusts the hub's key" has "$tmp/dev.out" "trusted_keys = $key"
check "the snippet names the hub" has "$tmp/dev.out" "hub_url = http://127.0.0.1:0"
check "the snippet has the registration key" has "$tmp/dev.out" "registration_pubkey = [0-9a-f]\{64\}"
check "the token is not stored" bash -c "! grep -q '$token' '$tmp'/data/hub.db*"
set +e
"$hub" device add hoerde-foyer --config "$conf" >/dev/null 2>&1; rc_dup=$?
"$hub" device add "Bad Name" --config "$conf" >/dev/null 2>&1; rc_name=$?
set -e
check "a name is registered once" test "$rc_dup" = 1
check "a bad name is refused" test "$rc_name" = 1
"$hub" device add eving-foyer --config "$conf" >/dev/null
"$hub" device remove eving-foyer --config "$conf" >/dev/null
"$hub" devices --config "$conf" >"$tmp/devices0.out"
check "a new kiosk is SILENT" has "$tmp/devices0.out" "hoerde-foyer .*never.*SILENT"
check "a removed kiosk is gone" hasnt "$tmp/devices0.out" "eving-foyer"

# --- export-static, verified by the signatures ---
"$hub" export-static "$tmp/www" --config "$conf" >"$tmp/export.out"
nobj=$(ls "$tmp/www/objects" | wc -l)
check "export has the current manifest only" test "$(ls "$tmp/www/manifests")" = "2.signed"
check "export has exactly the objects of the release" has "$tmp/export.out" "$nobj objects"
"$hub" verify-static "$tmp/www" --trusted-keys "$key" >"$tmp/verify.out"
check "the export verifies with the hub's key" has "$tmp/verify.out" "ok: .* holds release 2"
other=$(sed -n 's/^registration public key.*: \([0-9a-f]\{64\}\)$/\1/p' "$tmp/init.out")
set +e
"$hub" verify-static "$tmp/www" --trusted-keys "$other" >/dev/null 2>"$tmp/verify-key.err"; rc_key=$?
victim=$(ls "$tmp/www/objects" | head -1)
printf 'X' | dd of="$tmp/www/objects/$victim" bs=1 count=1 conv=notrunc 2>/dev/null
"$hub" verify-static "$tmp/www" --trusted-keys "$key" >/dev/null 2>"$tmp/verify-bad.err"; rc_bad=$?
set -e
check "an unknown key does not verify" test "$rc_key" = 1
check "a damaged object does not verify" test "$rc_bad" = 1
check "... and is named" has "$tmp/verify-bad.err" "$victim"
"$hub" export-static "$tmp/www" --config "$conf" >/dev/null
check "export-static again repairs the tree" bash -c "'$hub' verify-static '$tmp/www' --config '$conf' >/dev/null"
mkdir -p "$tmp/notmine" && echo hello >"$tmp/notmine/index.html"
set +e
"$hub" export-static "$tmp/notmine" --config "$conf" >/dev/null 2>&1; rc=$?
set -e
check "export refuses a folder with other files" test "$rc" = 1

# --- serve over plain HTTP on loopback ---
start_serve() { # config file; sets serve_pid and base
  "$hub" serve --config "$1" >"$tmp/serve.log" 2>&1 &
  serve_pid=$!
  base=
  for _ in $(seq 100); do
    base=$(sed -n 's/.*serving on \(https\{0,1\}:\/\/[^ ]*\) .*/\1/p' "$tmp/serve.log" | head -1)
    [ -n "$base" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  # Seen once under a loaded CI run: serve ended before announcing itself, with no output.
  # Say how it ended so that the next occurrence can be understood.
  local rc=running
  kill -0 "$serve_pid" 2>/dev/null || { wait "$serve_pid" && rc=0 || rc=$?; }
  echo "hub_cli: serve did not announce itself (exit status: $rc); its log:"
  cat "$tmp/serve.log"
  return 1
}
stop_serve() {
  kill -TERM "$serve_pid"
  local rc=0
  wait "$serve_pid" || rc=$?
  serve_pid=
  return $rc
}
start_serve "$conf"
hdr() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }
hdr "$base/timestamp.signed" >"$tmp/ts.h"
etag=$(sed -n 's/^ETag: //p' "$tmp/ts.h")
check "timestamp 200" has "$tmp/ts.h" "^HTTP/1.1 200"
check "timestamp has an ETag of its SHA-256" test "$etag" = "\"$(sha256sum "$tmp/data/site/timestamp.signed" | cut -c1-64)\""
check "timestamp is no-cache" has "$tmp/ts.h" "^Cache-Control: no-cache"
hdr -H "If-None-Match: $etag" "$base/timestamp.signed" >"$tmp/ts304.h"
check "If-None-Match gives 304" has "$tmp/ts304.h" "^HTTP/1.1 304"
obj=$(ls "$tmp/data/site/objects" | head -1)
size=$(stat -c %s "$tmp/data/site/objects/$obj")
hdr "$base/objects/$obj" >"$tmp/obj.h"
check "objects are immutable" has "$tmp/obj.h" "^Cache-Control: public, max-age=31536000, immutable"
curl -s "$base/objects/$obj" | sha256sum | cut -c1-64 >"$tmp/obj.sha"
check "an object's bytes hash to its name" test "$(cat "$tmp/obj.sha")" = "$obj"
hdr -r 5-14 "$base/objects/$obj" >"$tmp/range.h"
check "Range gives 206" has "$tmp/range.h" "^HTTP/1.1 206"
check "... with Content-Range" has "$tmp/range.h" "^Content-Range: bytes 5-14/$size"
check "... and ten bytes" test "$(curl -s -r 5-14 "$base/objects/$obj" | wc -c)" = 10
hdr -r "$size-" "$base/objects/$obj" >"$tmp/416.h"
check "a range past the end gives 416" has "$tmp/416.h" "^HTTP/1.1 416"
check "manifest 2 is served" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/manifests/2.signed")" = 200
for p in /hub.db /keys/signing.key /objects/../hub.db /objects/%2e%2e/hub.db /manifests/02.signed /site/timestamp.signed; do
  code=$(curl -s --path-as-is -o "$tmp/404.body" -w '%{http_code}' "$base$p")
  check "bad path $p is 404" test "$code" = 404
  check "bad path $p answers JSON" has "$tmp/404.body" '"error":"not_found","message":'
done
hb='{"app_version":"0.3.0","content_version":2,"last_result":"ok","last_error":"","stale":false,"backlog":1,"quarantined":0,"free_disk_mb":4096,"uptime_s":60,"something_new":1}'
post() { curl -s -o "$tmp/post.body" -w '%{http_code}' -H 'Content-Type: application/json' "$@" "$base/api/v1/heartbeat"; }
check "heartbeat without token is 401" test "$(post -d "$hb")" = 401
# The token with its last character changed (to 1 if it was 0: "0" alone failed one run in 16).
wrong=${token%?}0
[ "$wrong" != "$token" ] || wrong=${token%?}1
check "heartbeat with a wrong token is 401" test "$(post -H "Authorization: Bearer $wrong" -d "$hb")" = 401
check "... said in JSON" has "$tmp/post.body" '"error":"bad_token"'
head -c 5000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
check "an oversized heartbeat is 413" test "$(post -H "Authorization: Bearer $token" --data-binary @"$tmp/big.json")" = 413
check "a malformed heartbeat is 400" test "$(post -H "Authorization: Bearer $token" -d '{"backlog":"x"}')" = 400
check "a heartbeat is 200" test "$(post -H "Authorization: Bearer $token" -d "$hb")" = 200
check "... and says ok" has "$tmp/post.body" '"ok":true'
"$hub" devices --config "$conf" >"$tmp/devices1.out"
check "devices shows the heartbeat" has "$tmp/devices1.out" "hoerde-foyer .* s ago .*2 .*ok .*1 .*4.0 GiB .*0.3.0"
grep "^hoerde-foyer" "$tmp/devices1.out" >"$tmp/row1.out"
check "a current kiosk is neither SILENT nor STALE" hasnt "$tmp/row1.out" "SILENT\|STALE"
"$hub" devices --json --config "$conf" >"$tmp/devices.json"
check "devices --json has the fields" has "$tmp/devices.json" '"content_version": 2'
"$hub" publish --config "$conf" >/dev/null 2>&1
"$hub" devices --config "$conf" >"$tmp/devices2.out"
check "a kiosk behind the latest release is STALE" has "$tmp/devices2.out" "hoerde-foyer .*STALE"
check "serve picks up a release published meanwhile" bash -c "curl -s '$base/timestamp.signed' | grep -q '\"version\":3}'"

# The timestamp is re-signed by itself after a quarter of its lifetime (20 s here).
v0=$(curl -s "$base/timestamp.signed" | sed -n 's/.*"schema":1,"version":\([0-9]*\)}$/\1/p')
v1=$v0
for _ in $(seq 90); do
  sleep 0.2
  v1=$(curl -s "$base/timestamp.signed" | sed -n 's/.*"schema":1,"version":\([0-9]*\)}$/\1/p')
  [ "$v1" != "$v0" ] && break
done
check "the timestamp is re-signed by itself" test "$v1" -gt "$v0"
check "the re-signing is logged" has "$tmp/serve.log" "signed timestamp $v1 for release 3"
check "the access log has method, path, status, bytes" has "$tmp/serve.log" "GET /objects/$obj 206 10 "
check "the access log never holds a token" hasnt "$tmp/serve.log" "$token"
check "serve stops cleanly on SIGTERM" stop_serve
check "... and says so" has "$tmp/serve.log" "stopped"

# Plain HTTP is not honoured off loopback.
sed 's/^listen_address = .*/listen_address = 0.0.0.0/' "$conf" >"$tmp/open.conf"
set +e
timeout 10 "$hub" serve --config "$tmp/open.conf" >/dev/null 2>"$tmp/open.err"; rc=$?
set -e
check "plain HTTP off loopback is refused" test "$rc" = 1
check "... saying why" has "$tmp/open.err" "loopback"

# --- HTTPS with a test CA ---
if command -v openssl >/dev/null; then
  ( cd "$tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
      -out ca.pem -days 2 -subj "/CN=district-hub test CA" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key \
      -out tls.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out tls.pem -days 2 \
      -extfile ext.cnf 2>/dev/null
    chmod 600 tls.key )
  sed '/^allow_plain_http/d' "$conf" >"$tmp/tls.conf"
  printf 'tls_cert = %s\ntls_key = %s\n' "$tmp/tls.pem" "$tmp/tls.key" >>"$tmp/tls.conf"
  start_serve "$tmp/tls.conf"
  check "HTTPS is announced" test "${base%%:*}" = https
  port=${base##*:}
  code=$(curl -s --cacert "$tmp/ca.pem" -o "$tmp/tls.body" -w '%{http_code}' "https://localhost:$port/timestamp.signed")
  check "HTTPS with the test CA serves the timestamp" test "$code" = 200
  check "... the same bytes" cmp -s "$tmp/tls.body" "$tmp/data/site/timestamp.signed"
  set +e
  curl -s -o /dev/null "https://localhost:$port/timestamp.signed"; rc_untrusted=$?
  curl -s --cacert "$tmp/ca.pem" -o /dev/null "http://localhost:$port/timestamp.signed"; rc_plain=$?
  set -e
  check "an untrusted certificate is refused by the client" test "$rc_untrusted" = 60
  check "plain HTTP to the HTTPS port fails" test "$rc_plain" != 0
  code=$(curl -s --cacert "$tmp/ca.pem" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "$hb" "https://localhost:$port/api/v1/heartbeat")
  check "a heartbeat over HTTPS is 200" test "$code" = 200
  check "HTTPS serve stops cleanly" stop_serve
else
  echo "openssl missing: HTTPS part skipped"
fi

echo "hub_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
