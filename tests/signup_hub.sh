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
#   token the staff screen says the token was refused and the record waits.
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
hub_stop
if [ "$fail" != 0 ]; then
  tail -20 "$tmp/serve.log"
  cat "$kdata.out"
fi
signup_summary signup_hub
