#!/usr/bin/env bash
# Registrations from the kiosk to the real hub (issue 5), over plain HTTP on loopback:
# - stored as the kiosk stores them (tests/dk_signuptool.c), nothing typed is on the kiosk's disk
#   in plain text, not even in outbox.db-wal while the outbox is open; the hub's secret key opens
#   the records, another key does not;
# - district-kiosk --sync-once delivers them once; `district-hub registrations list` and
#   `export` show them with umlauts; a second sync sends nothing;
# - a reply lost to a power cut (the kiosk ends right after the hub's commit, before its own
#   delete: DK_FAULT_EXIT_AT_UPLOAD) is answered by a replay on the next run: still one record;
# - a wrong device token is refused: the records stay queued and the staff line says why;
# - records the hub refuses as malformed go to the quarantine, counted in the heartbeat;
# - the content mirror down, the hub's API up: the registrations still go;
# - by touch: a registration typed on the kiosk's keyboard arrives at the hub; with a wrong
#   token the staff screen says the token was refused and the record waits;
# - refused registrations on the staff screen: the quarantine fills the outbox's limit and a
#   registration by touch cannot be stored; staff delete the refused ones (after the
#   confirmation) and sign-up works again; records the hub refused while it ran with the wrong
#   registration key are sent again by staff once it is fixed and arrive exactly once, under
#   their first idempotency keys.
signup_name=signup_hub
# shellcheck source=tests/signup_common.bash
source "$(dirname "$0")/signup_common.bash"
hub_setup
hub_start
count() { hub_db 'SELECT count(*) FROM registrations'; }
waiting() { "$signuptool" stats "$kdata" | sed -n 's/^backlog \([0-9]*\) .*/\1/p'; }

# ---- stored sealed: nothing personal on the disk, at any moment ----
coproc HOLD { "$signuptool" add "$kdata" "$pub" 3 --tag a --hold; }
added=()
while IFS= read -r line <&"${HOLD[0]}"; do
  [ "$line" = holding ] && break
  added+=("$line")
done
check "three registrations stored (the tool saw three commits)" test "${#added[@]}" = 3
check "the outbox is open: its -wal file exists" test -e "$kdata/outbox.db-wal"
check "nothing typed is in any file of the data folder, -wal and -shm included" \
  bash -c "! grep -rlaE 'Weiß|Çelik|example\\.de|231 100000' '$kdata'"
exec {HOLD[1]}>&-
wait "$HOLD_PID"
"$signuptool" open "$kdata" "$tmp/hub/keys/registration.key" >"$tmp/opened.txt" 2>&1 && rc=0 || rc=$?
check "the hub's secret key opens every record (exit $rc)" test "$rc" = 0
check "... and they hold what was typed: umlauts, @, the phone number" \
  grep -q '"email":"a-1@example.de".*"name":"Jürgen Weiß-Çelik a-1","phone":"+49 231 1000001"' \
  "$tmp/opened.txt"
"$signuptool" keygen "$tmp/other.key" >/dev/null
"$signuptool" open "$kdata" "$tmp/other.key" >"$tmp/opened-other.txt" 2>&1 && rc=0 || rc=$?
check "another key opens none (exit $rc)" test "$rc" = 1
check "... not one" test "$(grep -c 'does not open' "$tmp/opened-other.txt")" = 3

# ---- delivered once ----
kiosk_sync
check "sync: the release (exit $rc)" test "$rc" = 0
check "sync: three delivered, none waiting" grep -q "^  registrations .* 3 delivered now, 0 waiting, 0 refused" "$kdata.out"
check "the hub stored three" test "$(count)" = 3
check "registrations list shows them with umlauts" \
  test "$(hub_names | grep -c '^Jürgen Weiß-Çelik a-[123]$')" = 3
h registrations list >"$tmp/list.txt" 2>&1
check "... with e-mail and phone" grep -q "e-mail:   a-2@example.de" "$tmp/list.txt"
check "... and the phone" grep -q "phone:    +49 231 1000003" "$tmp/list.txt"
h registrations export "$tmp/export.csv" >"$tmp/export.out" 2>&1 && rc=0 || rc=$?
check "registrations export (exit $rc)" test "$rc" = 0
check "the CSV starts with a byte order mark" test "$(head -c 3 "$tmp/export.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "the CSV holds the names with umlauts, the phone protected from formulas" \
  grep -q "Jürgen Weiß-Çelik a-1;a-1@example.de;'+49 231 1000001" "$tmp/export.csv"
check "the kiosk's outbox is empty" test "$(waiting)" = 0
kiosk_sync
check "a second sync sends nothing" grep -q "^  registrations .* 0 delivered now, 0 waiting" "$kdata.out"
check "the hub still has three" test "$(count)" = 3
check "the device list shows the backlog from the heartbeat" \
  grep -Eq "^hall-hoerde .* ok +0 " <(h devices 2>&1)

# ---- a lost reply: the kiosk ends after the hub's commit, before its own delete ----
for k in 1 2 3; do
  "$signuptool" add "$kdata" "$pub" 2 --tag "lost$k" >/dev/null
  before=$(count)
  DK_FAULT_EXIT_AT_UPLOAD=$k kiosk_sync
  check "lost reply $k: the kiosk ended at fault point $k of the upload (exit $rc)" test "$rc" = 77
  check "lost reply $k: the hub has the first record" test "$(count)" = $((before + 1))
  check "lost reply $k: the kiosk still has both" test "$(waiting)" = 2
  kiosk_sync
  check "lost reply $k: the next run delivers both" grep -q "2 delivered now, 0 waiting" "$kdata.out"
  check "lost reply $k: ... one of them as a replay (200)" \
    test "$(grep -c 'POST /api/v1/registrations 200 .* replay' "$tmp/serve.log")" = "$k"
  check "lost reply $k: each stored once" test "$(count)" = $((before + 2))
done
check "every name once on the hub" test -z "$(hub_names | uniq -d)"

# ---- a wrong device token ----
"$signuptool" add "$kdata" "$pub" 2 --tag c >/dev/null
before=$(count)
kiosk_sync --set device_token=0000000000000000000000000000000000000000000000000000000000000000
check "wrong token: the content still syncs (exit $rc)" test "$rc" = 0
check "wrong token: nothing delivered, both wait" grep -q "0 delivered now, 2 waiting" "$kdata.out"
check "wrong token: the staff line says the token was refused" \
  grep -q "^  staff screen .*refused this kiosk's device token (401)" "$kdata.out"
check "wrong token: the hub stored nothing" test "$(count)" = "$before"
check "wrong token: the hub answered 401" grep -q "POST /api/v1/registrations 401" "$tmp/serve.log"
check "wrong token: the outbox keeps both" test "$(waiting)" = 2
sleep 2.5 # the refused record's retry (registration_retry_min_s = 1, at most 2 s)
kiosk_sync
check "the right token again: both go" grep -q "2 delivered now, 0 waiting" "$kdata.out"

# ---- malformed records go to the quarantine ----
"$signuptool" bad "$kdata" "$pub" garbage >"$tmp/bad.keys"
"$signuptool" bad "$kdata" "$pub" otherkey >>"$tmp/bad.keys"
"$signuptool" add "$kdata" "$pub" 1 --tag e >/dev/null
before=$(count)
kiosk_sync
check "malformed: two refused, the good one delivered" \
  grep -q "1 delivered now, 0 waiting, 2 refused (quarantine)" "$kdata.out"
check "malformed: the staff line counts the quarantine" \
  grep -q "^  staff screen .*2 registrations were refused by the hub, kept sealed" "$kdata.out"
check "malformed: the hub stored only the good one" test "$(count)" = $((before + 1))
check "malformed: the hub said why (400)" \
  test "$(grep -c 'POST /api/v1/registrations 400' "$tmp/serve.log")" = 2
check "malformed: the quarantine holds exactly those two, sealed" \
  diff <(sort "$tmp/bad.keys") <("$signuptool" keys "$kdata" --quarantine | sort)
h devices --json >"$tmp/devices.json" 2>&1
check "malformed: the heartbeat told the hub" grep -q '"quarantined": 2' "$tmp/devices.json"

# ---- the content mirror is down, the hub's API is up ----
"$signuptool" add "$kdata" "$pub" 1 --tag d >/dev/null
kiosk_sync --set sync_url=http://127.0.0.1:9
check "mirror down: the content part fails (exit $rc)" test "$rc" = 1
check "mirror down: the registration went anyway" grep -q "1 delivered now, 0 waiting" "$kdata.out"

# ---- by touch, with the real worker: the right token, then a wrong one ----
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0
pin_hash=$("$kiosk" --hash-pin <<<"2468" | sed 's/^staff_pin_hash = //')
cat >"$tmp/touch.txt" <<'EOF'
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
type W
type eiß
tap key:space
tap key:shift
type T
type ouch
expect text Jürgen Weiß Touch
tap field:email
type juergen.touch
tap key:@web.de
tap key:done
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
tap signup:send
expect screen thanks
scrollto signup:done
tap signup:done
advance 4500
tap staff-corner
tap staff-corner
tap staff-corner
tap staff-corner
tap staff-corner
tap pin:2
tap pin:4
tap pin:6
tap pin:8
tap pin:ok
expect screen staff
wait 3000
scrollto staff:sync
EOF
cp "$tmp/touch.txt" "$tmp/touch-bad.txt"
echo "expect text refused this kiosk's device token (401)" >>"$tmp/touch-bad.txt"
touch_run() { # name, script, more settings
  local name=$1 script=$2
  shift 2
  timeout -k 5 300 "$kiosk" --config "$kdata.conf" --software --window 1920x1080 \
    --set "hub_url=http://127.0.0.1:$port" --set sync_allow_http=true \
    --set home_district=hoerde --set "staff_pin_hash=$pin_hash" "$@" \
    --script "$script" >"$tmp/$name.log" 2>&1 && rc=0 || rc=$?
  cat "$tmp/$name.log" >>"$tmp/all.out"
  [ "$rc" = 0 ] || { grep -a '^FAIL\|^script:' "$tmp/$name.log" | head -20; }
}
before=$(count)
touch_run touch "$tmp/touch.txt"
check "by touch: the script ran (exit $rc)" test "$rc" = 0
check "by touch: the typed registration arrived at the hub" \
  test "$(hub_names | grep -c '^Jürgen Weiß Touch$')" = 1
check "by touch: one record more" test "$(count)" = $((before + 1))
check "by touch: nothing waits" test "$(waiting)" = 0
touch_run touch-bad "$tmp/touch-bad.txt" \
  --set device_token=0000000000000000000000000000000000000000000000000000000000000000
check "by touch, wrong token: the staff screen says the token was refused (exit $rc)" \
  test "$rc" = 0
check "by touch, wrong token: the record waits in the outbox" test "$(waiting)" = 1
check "by touch, wrong token: the hub has no second one" \
  test "$(hub_names | grep -c '^Jürgen Weiß Touch$')" = 1
check "nothing typed by touch is on the kiosk's disk" \
  bash -c "! grep -rlaE 'Weiß|juergen|Touch|web\\.de' '$kdata'"
check "no personal data in the kiosk's output (its test script's own lines aside)" \
  bash -c "! grep -avE '^(ok |FAIL |script:)' '$tmp/all.out' | grep -aE 'Weiß|juergen|example\\.de'"
check "no personal data in the hub's log" \
  bash -c "! grep -aE 'Weiß|juergen|example\\.de|231 100' '$tmp/serve.log'"

# ---- refused registrations: deleting them frees the outbox, sign-up resumes ----
staff_open='advance 4500
tap staff-corner
tap staff-corner
tap staff-corner
tap staff-corner
tap staff-corner
tap pin:2
tap pin:4
tap pin:6
tap pin:8
tap pin:ok
expect screen staff'
signup_touch='scrollto signup
tap signup
expect screen signup
tap field:name
tap key:shift
type R
type ita
tap key:space
tap key:shift
type R
type aum
tap field:email
type rita.raum
tap key:@web.de
tap key:done
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
tap signup:send'
kiosk_drain >/dev/null
check "refused: before, nothing waits" test "$(waiting)" = 0
check "refused: before, the two malformed records are in the quarantine" \
  grep -q "^backlog 0 .*quarantined 2" <("$signuptool" stats "$kdata")
cat >"$tmp/delete.txt" <<SCRIPT
tap start
expect screen home
$signup_touch
expect screen signup
expect text Ihre Angaben konnten nicht gespeichert werden
scrollto signup:cancel
tap signup:cancel
$staff_open
scrollto staff:refused-delete
expect text Von der Zentrale abgelehnte Anmeldungen
expect text 2 von der Zentrale als fehlerhaft abgelehnt (HTTP 400)
expect text zuletzt
expect visible staff:refused-retry min_mm 15
expect visible staff:refused-delete min_mm 15
expect fits
tap staff:refused-delete
expect visible dialog
expect text 2 abgelehnte Anmeldungen endgültig löschen? Sie lassen sich nicht wiederherstellen
expect visible staff:refused-delete-confirm min_mm 15
expect fits
tap staff:refused-delete-confirm
expect absent dialog
expect text 2 abgelehnte Anmeldungen wurden gelöscht.
expect absent staff:refused-delete
expect absent staff:refused-retry
tap home
expect screen home
$signup_touch
expect screen thanks
wait 3000
SCRIPT
before=$(count)
touch_run delete "$tmp/delete.txt" --set registration_max_records=2
check "refused, full outbox: the script ran (exit $rc)" test "$rc" = 0
check "refused, full outbox: the first try could not be stored (the limit)" \
  grep -q "could not be stored: the outbox is full" "$tmp/delete.log"
check "refused, full outbox: the log says staff deleted two" \
  grep -q "staff deleted 2 refused registrations$" "$tmp/delete.log"
check "refused, full outbox: the quarantine is empty" \
  grep -q "^backlog 0 .*quarantined 0" <("$signuptool" stats "$kdata")
check "refused, full outbox: the registration after the delete arrived at the hub, once" \
  test "$(hub_names | grep -c '^Rita Raum$')" = 1
check "refused, full outbox: one record more on the hub" test "$(count)" = $((before + 1))

# ---- refused while the hub had the wrong key; sent again by staff once it is fixed ----
hub_stop
mv "$tmp/hub/keys/registration.key" "$tmp/registration.key.good"
"$signuptool" keygen "$tmp/hub/keys/registration.key" >/dev/null
hub_start
"$signuptool" add "$kdata" "$pub" 2 --tag again | sed -n 's/^ok \([0-9a-f]*\) .*/\1/p' |
  sort >"$tmp/again.keys"
before=$(count)
# The kiosk runs with the staff screen open while its worker's first cycle sends them: the
# screen learns of the refusals from the worker, without a restart.
cat >"$tmp/refused-live.txt" <<SCRIPT
tap start
$staff_open
scrollto Von der Zentrale abgelehnte Anmeldungen
expect absent staff:refused-retry
wait 10000
scrollto 2 von der Zentrale als fehlerhaft abgelehnt (HTTP 400)
expect text 2 von der Zentrale als fehlerhaft abgelehnt (HTTP 400)
scrollto staff:refused-delete
expect visible staff:refused-retry
SCRIPT
touch_run refused-live "$tmp/refused-live.txt"
check "wrong hub key: both refused as malformed, the open staff screen says so (exit $rc)" \
  test "$rc" = 0
check "wrong hub key: the quarantine holds exactly those two" \
  diff "$tmp/again.keys" <("$signuptool" keys "$kdata" --quarantine | sort)
check "wrong hub key: the hub stored nothing" test "$(count)" = "$before"
hub_stop
mv "$tmp/registration.key.good" "$tmp/hub/keys/registration.key"
hub_start
cat >"$tmp/again.txt" <<SCRIPT
tap start
$staff_open
scrollto staff:refused-retry
expect text 2 von der Zentrale als fehlerhaft abgelehnt (HTTP 400)
expect fits
tap staff:refused-retry
expect text 2 abgelehnte Anmeldungen werden erneut gesendet.
expect absent staff:refused-retry
expect absent staff:refused-delete
wait 3000
SCRIPT
touch_run again "$tmp/again.txt"
check "sent again: the script ran (exit $rc)" test "$rc" = 0
check "sent again: the log says staff released two" \
  grep -q "staff released 2 refused registrations" "$tmp/again.log"
check "sent again: both arrived at the hub" test "$(count)" = $((before + 2))
check "sent again: ... each once, under the key it had from the start" \
  diff "$tmp/again.keys" <(hub_keys | grep -xFf "$tmp/again.keys")
check "sent again: ... with what was typed" \
  test "$(hub_names | grep -c '^Jürgen Weiß-Çelik again-[12]$')" = 2
check "sent again: nothing waits, nothing refused" \
  grep -q "^backlog 0 .*quarantined 0" <("$signuptool" stats "$kdata")
kiosk_sync
check "sent again: a later sync sends nothing more" \
  grep -q "0 delivered now, 0 waiting, 0 refused" "$kdata.out"
check "sent again: still exactly once" test "$(count)" = $((before + 2))
check "no personal data in the kiosk's output after the staff's actions" \
  bash -c "! grep -avE '^(ok |FAIL |script:)' '$tmp/all.out' | grep -aE 'Weiß|Rita|rita\\.raum|web\\.de'"
check "... nor in the hub's log" \
  bash -c "! grep -aE 'Weiß|Rita|rita\\.raum|web\\.de' '$tmp/serve.log'"
hub_stop
if [ "$fail" != 0 ]; then
  tail -20 "$tmp/serve.log"
  cat "$kdata.out"
fi
signup_summary signup_hub
