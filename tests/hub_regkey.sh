#!/usr/bin/env bash
# Changing the hub's registration key without losing a registration (docs/hub.md, "Changing the
# registration key"), with a real hub and kiosk over plain HTTP on loopback:
# - kiosk A runs release 1 (which names key 1); while the hub is down it queues a record sealed
#   to key 1;
# - staff run `registration-key rotate` (key 1 retired, private, kept) and `publish`: release 2
#   names key 2;
# - the kiosk, running with the touch screen (no restart), syncs release 2 and from then on seals
#   to key 2: a registration typed after the sync is sealed to key 2, the queued one stays
#   sealed to key 1; both arrive and open on the hub (list, export), each exactly once;
# - `registration-key status` shows the device on the new key (its heartbeat says so);
# - a second rotate while serve runs: serve reads the new key by itself when the first record
#   sealed to it arrives.
signup_name=hub_regkey
# shellcheck source=tests/signup_common.bash
source "$(dirname "$0")/signup_common.bash"
count() { hub_db 'SELECT count(*) FROM registrations'; }
waiting() { "$signuptool" stats "$kdata" | sed -n 's/^backlog \([0-9]*\) .*/\1/p'; }
manifest_key() { grep -ao '"registration_key":"[0-9a-f]\{64\}"' "$1" | sed 's/.*:"\(.*\)"/\1/'; }

hub_setup
key1=$pub
check "release 1 names key 1" test "$(manifest_key "$tmp/hub/site/manifests/1.signed")" = "$key1"
hub_start
kiosk_sync
check "the kiosk installs release 1 (exit $rc)" test "$rc" = 0
h registration-key status >"$tmp/status1.out" 2>&1
check "status: the device reports key 1, the current key" \
  grep -Eq "^  hall-hoerde +${key1:0:8} +current key" "$tmp/status1.out"

# ---- the hub is down; the kiosk queues a record sealed to key 1 ----
hub_kill
"$signuptool" add "$kdata" "$key1" 1 --tag before >/dev/null
kiosk_sync
check "hub down: the record waits (exit $rc)" test "$(waiting)" = 1

# ---- staff change the key and publish ----
h registration-key rotate >"$tmp/rotate.out" 2>&1 && rc=0 || rc=$?
check "rotate (exit $rc)" test "$rc" = 0
key2=$(sed -n 's/^new key (registration_pubkey): *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/rotate.out")
check "rotate prints the new key" test "${#key2}" = 64
check "... which is not key 1" test "$key2" != "$key1"
check "... says that it published nothing and what publishes it" \
  grep -q "nothing was published: the next district-hub publish names the new key" "$tmp/rotate.out"
retired=$(ls "$tmp/hub/keys/registration-retired/")
check "key 1 is retired as <time>-<first 8 hex>.key" \
  grep -Eq "^[0-9]{8}T[0-9]{6}Z-${key1:0:8}\.key$" <<<"$retired"
check "... private" test "$(stat -c %a "$tmp/hub/keys/registration-retired/$retired")" = 600
check "registration.pub is the new key" test "$(cat "$tmp/hub/keys/registration.pub")" = "$key2"
check "nothing was published by rotate" test ! -e "$tmp/hub/site/manifests/2.signed"
h publish >"$tmp/publish2.out" 2>&1
check "release 2 names key 2" test "$(manifest_key "$tmp/hub/site/manifests/2.signed")" = "$key2"
h device add hall-new >"$tmp/device-new.out" 2>&1
check "device add prints the new key for new kiosks" \
  grep -q "^registration_pubkey = $key2$" "$tmp/device-new.out"
hub_start

# ---- the kiosk, running: syncs release 2, then a visitor registers by touch ----
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0
cat >"$tmp/touch.txt" <<'EOF'
wait 9000
tap start
scrollto signup
tap signup
expect screen signup
tap field:name
tap key:shift
type J
type ürgen
tap key:space
tap key:shift
type N
type eu
tap field:email
type juergen.neu
tap key:@web.de
tap key:done
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
tap signup:send
expect screen thanks
wait 4000
EOF
timeout -k 5 300 "$kiosk" --config "$kdata.conf" --software --window 1920x1080 \
  --set "hub_url=http://127.0.0.1:$port" --set sync_allow_http=true \
  --set home_district=hoerde --script "$tmp/touch.txt" >"$tmp/touch.log" 2>&1 && rc=0 || rc=$?
cat "$tmp/touch.log" >>"$tmp/all.out"
[ "$rc" = 0 ] || grep -a '^FAIL\|^script:' "$tmp/touch.log" | head -20
check "by touch: the script ran (exit $rc)" test "$rc" = 0
check "the running kiosk switched to key 2 with release 2" \
  grep -q "sealed to the hub's registration key ${key2:0:8} from now on" "$tmp/touch.log"
check "nothing waits on the kiosk" test "$(waiting)" = 0
check "the hub has both records" test "$(count)" = 2
check "... each exactly once" test -z "$(hub_keys | uniq -d)"
h registrations list --all >"$tmp/list.out" 2>&1
check "list opens both: the one sealed to key 1" grep -q "^  name: *Jürgen Weiß-Çelik before-1$" "$tmp/list.out"
check "... and the one typed after the sync" grep -q "^  name: *Jürgen Neu$" "$tmp/list.out"
check "... none unreadable" bash -c "! grep -q 'cannot be opened' '$tmp/list.out'"
h registrations export "$tmp/export.csv" --all >/dev/null 2>&1 && rc=0 || rc=$?
check "export of both (exit $rc)" test "$rc" = 0
check "... with both names" test "$(grep -c 'Jürgen Weiß-Çelik before-1\|Jürgen Neu' "$tmp/export.csv")" = 2
# Which key each record is sealed to: without the retired key only the new record opens.
mv "$tmp/hub/keys/registration-retired" "$tmp/retired.aside"
h registrations list --all >"$tmp/list-current.out" 2>&1
mv "$tmp/retired.aside" "$tmp/hub/keys/registration-retired"
check "the record typed after the sync is sealed to key 2" \
  grep -q "^  name: *Jürgen Neu$" "$tmp/list-current.out"
check "the queued record stayed sealed to key 1 (it needs the retired key)" \
  grep -q "1 cannot be opened with the registration keys" "$tmp/list-current.out"
h registration-key status >"$tmp/status2.out" 2>&1
check "status: the device reports key 2, the current key" \
  grep -Eq "^  hall-hoerde +${key2:0:8} +current key" "$tmp/status2.out"
check "status: key 1 listed as retired" grep -q "$retired  $key1" "$tmp/status2.out"
check "status: the new device has not reported yet" \
  grep -Eq "^  hall-new +- +never reported" "$tmp/status2.out"
h registration-key status --json >"$tmp/status2.json" 2>&1
check "status --json names the device's key" \
  grep -q "\"registration_key\": \"${key2:0:8}\"" "$tmp/status2.json"

# ---- a rotate while serve runs: serve picks the new key up by itself ----
h registration-key rotate >"$tmp/rotate3.out" 2>&1
key3=$(sed -n 's/^new key (registration_pubkey): *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/rotate3.out")
h publish >/dev/null 2>&1
kiosk_sync
check "the kiosk takes release 3 (exit $rc)" test "$rc" = 0
"$signuptool" add "$kdata" "$key3" 1 --tag after >/dev/null
kiosk_sync
check "a record sealed to key 3 is delivered to the serve started before the rotate" \
  grep -q "1 delivered now, 0 waiting, 0 refused" "$kdata.out"
check "... serve read the keys again" grep -q "registration keys read again: current $key3, 2 retired" "$tmp/serve.log"
check "the hub has three, all readable" test "$(hub_names | wc -l)" = 3
check "the device reports key 3" \
  grep -Eq "^  hall-hoerde +${key3:0:8} +current key" <(h registration-key status 2>&1)
check "no personal data in the hub's log" \
  bash -c "! grep -aE 'Weiß|Neu|example\\.de|web\\.de' '$tmp/serve.log'"

signup_summary hub_regkey
