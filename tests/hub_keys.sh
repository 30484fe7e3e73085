#!/usr/bin/env bash
# Changing the hub's signing key with kiosks in the field (docs/hub.md, "Changing the signing
# key"): two kiosks whose settings trust only the OLD key run release 1 from a real
# `district-hub serve`. Staff run `key rotate`; serve notices by itself and signs with both keys;
# release 2 names the successor. Kiosk A installs it; kiosk B does not sync during the rotation.
# `key finish` is refused while B lags and names it; forced, the new key alone signs, serve picks
# it up (SIGHUP), release 3 is signed by the new key only: A installs it, B refuses it in plain
# words and keeps release 1.
sync_name=hub_keys
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
hub=${DK_HUB:?set by ctest}
hub_pid=
trap '[ -z "$hub_pid" ] || kill "$hub_pid" 2>/dev/null || true; sync_cleanup' EXIT

has() { grep -q -- "$2" "$1"; }     # file, pattern
hasnt() { ! grep -q -- "$2" "$1"; } # file, pattern
# The public keys of a signed file's signature lines, one per line.
signers() { sed -n '/^$/q; s/^ed25519 \([0-9a-f]\{64\}\) .*/\1/p' "$1"; }
# Waits up to 30 s for a pattern in the serve log (serve re-checks every 5 s here).
wait_log() {
  for _ in $(seq 600); do
    grep -q -- "$1" "$tmp/serve.log" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

cat >"$tmp/hub.conf" <<EOF
data_dir = $tmp/hub
port = 0
allow_plain_http = true
timestamp_lifetime_s = 20
EOF
h() { "$hub" "$@" --config "$tmp/hub.conf"; }
h init >"$tmp/init.out" 2>&1
old=$(sed -n 's/^signing public key.*: \([0-9a-f]\{64\}\)$/\1/p' "$tmp/init.out")
h import "$src/content" >/dev/null 2>&1
h publish >/dev/null 2>&1
h export-static "$tmp/r1" >/dev/null 2>&1 # release 1 as files, for dk-synctool check
h device add hall-a >"$tmp/device-a.out" 2>&1
h device add hall-b >"$tmp/device-b.out" 2>&1
"$hub" serve --config "$tmp/hub.conf" >"$tmp/serve.log" 2>&1 & # not through h(): $! is the hub
hub_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/serve.log" \
    2>/dev/null || true)
  [ -n "$port" ] && break
  sleep 0.05
done
check "the hub serves" test -n "$port"
check "serve logs the key it signs with" has "$tmp/serve.log" "signing keys: $old signs"

# Both kiosks trust the OLD key only, as device add printed it before the rotation.
for k in a b; do
  mkdir -p "$tmp/kiosk-$k"
  {
    grep -E '^(trusted_keys|device_token|registration_pubkey) = ' "$tmp/device-$k.out"
    echo "data_dir = $tmp/kiosk-$k"
    echo "bundle_dir = $bundle"
  } >"$tmp/kiosk-$k.conf"
  check "kiosk $k trusts exactly the old key" has "$tmp/kiosk-$k.conf" "^trusted_keys = $old\$"
  sync_once "$tmp/kiosk-$k"
  check "kiosk $k installs release 1 (exit $rc)" has "$tmp/kiosk-$k.out" "^sync: ok: release 1 installed"
done

# --- key rotate ---
h key rotate >"$tmp/rotate.out" 2>&1
new=$(sed -n 's/^successor key: *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/rotate.out")
check "rotate prints the successor" test ${#new} = 64
check "... which is not the old key" test "$new" != "$old"
check "... and says what to do next" has "$tmp/rotate.out" "district-hub key finish"
check "the successor is private" test "$(stat -c %a "$tmp/hub/keys/signing-next.key")" = 600
cp "$tmp/hub/keys/signing-next.key" "$tmp/next.before"
h key rotate >/dev/null 2>"$tmp/rotate2.err" && rc=0 || rc=$?
check "a second rotate is refused (exit $rc)" test "$rc" = 1
check "... saying why" has "$tmp/rotate2.err" "in progress already"
check "... and keeps the successor" cmp -s "$tmp/next.before" "$tmp/hub/keys/signing-next.key"
check "serve notices the rotation by itself" \
  wait_log "signing keys changed on disk: $old and successor $new sign"
mark=$(wc -l <"$tmp/serve.log")
check "serve re-signs the timestamp by itself" \
  bash -c "for i in \$(seq 600); do tail -n +$((mark + 1)) '$tmp/serve.log' | grep -q 'signed timestamp' && exit 0; sleep 0.05; done; exit 1"
curl -s "http://127.0.0.1:$port/timestamp.signed" >"$tmp/ts-rotating"
check "... with both keys" test "$(signers "$tmp/ts-rotating" | tr '\n' ' ')" = "$old $new "

h publish >"$tmp/publish2.out" 2>&1
check "release 2 is published" has "$tmp/publish2.out" "published release 2"
check "release 2 is signed by both keys" \
  test "$(signers "$tmp/hub/site/manifests/2.signed" | tr '\n' ' ')" = "$old $new "
check "release 2 names the successor" has "$tmp/hub/site/manifests/2.signed" "\"keys\":\[\"$old\",\"$new\"\]"
h device add hall-c >"$tmp/device-c.out" 2>&1
check "device add gives a new kiosk both keys" has "$tmp/device-c.out" "^trusted_keys = $old,$new\$"
h device remove hall-c >/dev/null 2>&1

# Kiosk A takes release 2 (signed by the key it trusts); B does not sync now.
sync_once "$tmp/kiosk-a"
check "kiosk A installs release 2 during the rotation (exit $rc)" \
  has "$tmp/kiosk-a.out" "^sync: ok: release 2 installed"
h key status >"$tmp/status.out" 2>&1
check "status names the first release naming the successor" \
  has "$tmp/status.out" "first release naming the successor: 2"
check "status: kiosk A trusts the successor" grep -Eq "^  hall-a +release 2 +trusts it" "$tmp/status.out"
check "status: kiosk B does not yet" grep -Eq "^  hall-b +release 1 +NOT YET" "$tmp/status.out"
h key status --json >"$tmp/status.json" 2>&1
sed -n '/"lagging"/,/\]/p' "$tmp/status.json" >"$tmp/lagging.json"
check "status --json names the successor" has "$tmp/status.json" "\"successor\": \"$new\""
check "... the first release naming it" has "$tmp/status.json" '"first_release": 2,'
check "... not ready to finish" has "$tmp/status.json" '"ready_to_finish": false'
check "... with kiosk B lagging" has "$tmp/lagging.json" '"hall-b"'
check "... and not kiosk A" hasnt "$tmp/lagging.json" '"hall-a"'

# --- key finish ---
cp "$tmp/hub/keys/signing.key" "$tmp/signing.before"
h key finish >/dev/null 2>"$tmp/finish1.err" && rc=0 || rc=$?
check "finish is refused while kiosk B lags (exit $rc)" test "$rc" = 1
check "... naming it" has "$tmp/finish1.err" "hall-b (runs release 1)"
check "... and not kiosk A" hasnt "$tmp/finish1.err" "hall-a"
check "... and changes nothing" cmp -s "$tmp/signing.before" "$tmp/hub/keys/signing.key"
check "... the successor is still there" test -f "$tmp/hub/keys/signing-next.key"
h key finish --force >"$tmp/finish.out" 2>&1 && rc=0 || rc=$?
check "finish --force goes ahead (exit $rc)" test "$rc" = 0
check "... warns about the kiosk left behind" has "$tmp/finish.out" "forced past 1 device"
check "the old key is kept, private" test "$(stat -c %a "$tmp/hub/keys/retired/$old.key")" = 600
check "... and is the old key" cmp -s "$tmp/signing.before" "$tmp/hub/keys/retired/$old.key"
check "the successor is the signing key now" test ! -e "$tmp/hub/keys/signing-next.key"
h key status >"$tmp/status2.out" 2>&1
check "status shows the new key" has "$tmp/status2.out" "^signing key: $new"

# serve: a SIGHUP makes it look at once; then its own re-signing uses the new key alone.
mark=$(wc -l <"$tmp/serve.log")
kill -HUP "$hub_pid"
check "serve picks up the new key" wait_log "signing keys changed on disk: $new signs"
check "... after SIGHUP" has "$tmp/serve.log" "SIGHUP: checking the signing keys"
check "serve re-signs with it" \
  bash -c "for i in \$(seq 600); do tail -n +$((mark + 1)) '$tmp/serve.log' | grep -q 'signed timestamp' && exit 0; sleep 0.05; done; exit 1"
curl -s "http://127.0.0.1:$port/timestamp.signed" >"$tmp/ts-finished"
check "... alone" test "$(signers "$tmp/ts-finished")" = "$new"

h publish >"$tmp/publish3.out" 2>&1
check "release 3 is signed by the new key alone" \
  test "$(signers "$tmp/hub/site/manifests/3.signed")" = "$new"
check "release 3 names only the new key" has "$tmp/hub/site/manifests/3.signed" "\"keys\":\[\"$new\"\]"

sync_once "$tmp/kiosk-a"
check "kiosk A installs release 3, signed by the new key only (exit $rc)" \
  has "$tmp/kiosk-a.out" "^sync: ok: release 3 installed"
sync_once "$tmp/kiosk-b"
check "kiosk B refuses release 3 (exit $rc)" test "$rc" = 1
check "... in plain words" has "$tmp/kiosk-b.out" "not signed by a key this kiosk trusts (check trusted_keys)"
check "... and keeps release 1, complete" \
  "$tool" check "$tmp/kiosk-b" --release-dir "$tmp/r1" --bundle "$bundle" --expect 1
h devices >"$tmp/devices.out" 2>&1
check "devices shows kiosk B's error for staff" has "$tmp/devices.out" "hall-b: .*not signed by a key"

# A kiosk set up by hand with the new key (as B must be now) takes release 3.
sed -i "s/^trusted_keys = .*/trusted_keys = $new/" "$tmp/kiosk-b.conf"
sync_once "$tmp/kiosk-b"
check "kiosk B with the new key in trusted_keys installs release 3 (exit $rc)" \
  has "$tmp/kiosk-b.out" "^sync: ok: release 3 installed"

kill "$hub_pid" 2>/dev/null || true
wait "$hub_pid" 2>/dev/null || true
hub_pid=
if [ "$fail" != 0 ]; then
  tail -30 "$tmp/serve.log"
  cat "$tmp/kiosk-a.out" "$tmp/kiosk-b.out"
fi
sync_summary hub_keys
