#!/usr/bin/env bash
# Volunteer sign-up (issue 5), headless: a visitor registers interest by touch alone, in German,
# English and Turkish, typing on the kiosk's own keyboard (umlauts, ß, Turkish letters, @ and the
# endings, a phone number, the cursor keys); "Thank you" shows masked data; the form is empty
# again afterwards; what the kiosk stored is sealed (nothing typed is on its disk in plain text,
# not even in outbox.db-wal while the kiosk runs), opens with the hub's secret key and holds what
# was typed, and does not open with another key. Without a place to store registrations (no
# registration_pubkey, or one that is not a key) there is no "Register interest" anywhere, and
# the log says why. See tests/README-ui.md.
ui_name=ui_signup
# shellcheck source=tests/ui_common.bash
source "$(dirname "$0")/ui_common.bash"
ui_frozen_bundle
land=(--window 1920x1080)
port=(--window 1080x1920 --set screen_width_mm=296 --set screen_height_mm=527)

# ---- no outbox configured: no button, no dead end ----
cat >"$ui_tmp/no-outbox.txt" <<'EOF'
tap start
expect screen home
expect absent signup
tap district:hoerde
expect screen district
scrollto group:hoerde-projektgruppe-lichterfest
expect absent signup
tap group:hoerde-projektgruppe-lichterfest
expect screen group
scrollto Kontakt
expect absent signup
expect running
# ... and the staff screen says why, in plain words
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
scrollto staff:sync
expect text sign-up is off: WHY
EOF
pin_hash=$("$ui_kiosk" --hash-pin <<<"2468" | sed 's/^staff_pin_hash = //')
sed 's/WHY/registration_pubkey is not a usable key/' "$ui_tmp/no-outbox.txt" >"$ui_tmp/bad-key.txt"
sed -i 's/WHY/registration_pubkey is not set/' "$ui_tmp/no-outbox.txt"
ui_spawn no-outbox "$ui_tmp/no-outbox.txt" "${land[@]}" --set "staff_pin_hash=$pin_hash"
ui_collect no-outbox || true
ui_check "no registration_pubkey: the log says sign-up is off and why" \
  grep -q "sign-up is off: registration_pubkey is not set" "$ui_tmp/no-outbox.log"

# The kiosk side of issue 5 (src/kiosk/main.c opening the outbox and passing dk_app_set_submit())
# reads the hub's registration public key from the setting registration_pubkey (docs/hub.md,
# "Devices"). Until that exists, the registrations below cannot run: say so loudly.
if ! "$ui_kiosk" --print-config 2>/dev/null | grep -q '^registration_pubkey'; then
  echo "SKIPPED: registering by touch: district-kiosk has no registration_pubkey setting yet" \
    "(the kiosk side of issue 5: outbox + dk_app_set_submit in src/kiosk/main.c)"
  ui_finish
  exit $?
fi

# A real key pair from a hub, so that the sealed records are the real thing.
"$ui_hub" init --set "data_dir=$ui_tmp/hub" >"$ui_tmp/hub-init.log" 2>&1 ||
  { cat "$ui_tmp/hub-init.log"; exit 1; }
pub=$(tr -d ' \n' <"$ui_tmp/hub/keys/registration.pub")
store=(--set "registration_pubkey=$pub")
signuptool=${DK_SIGNUPTOOL:-$ui_bin/dk-signuptool}

# A key that is not one (all zeros: no X25519 key can seal to it): no button, and the log says so.
ui_spawn bad-key "$ui_tmp/bad-key.txt" "${land[@]}" --set "staff_pin_hash=$pin_hash" \
  --set registration_pubkey=0000000000000000000000000000000000000000000000000000000000000000
ui_collect bad-key || true
ui_check "an unusable registration_pubkey: the log says sign-up is off and why" \
  grep -q "sign-up is off: registration_pubkey is not a usable key" "$ui_tmp/bad-key.log"

# ---- German, landscape: from the district page, its groups preselected ----
cat >"$ui_tmp/de.txt" <<'EOF'
tap start
tap district:hoerde
expect screen district
scrollto signup
tap signup
expect screen signup
expect visible field:name
tap field:name
expect visible keyboard
tap key:shift
type J
type ürgen
tap key:space
tap key:shift
type W
type eiß-
tap key:symbols
type ç
tap key:letters
type elik
# a typo fixed with the cursor keys: "Jürgen Weiß-çelik" -> "Jürgen Weiß-Çelik"
tap key:left
tap key:left
tap key:left
tap key:left
tap key:delete
tap key:symbols
tap key:shift
type Ç
tap key:letters
expect text Jürgen Weiß-Çelik
tap field:email
type juergen.weiss
tap key:@web.de
expect text juergen.weiss@web.de
tap field:phone
type 0231 123456-78
expect text 0231 123456-78
tap key:done
expect absent keyboard
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
expect fits
tap signup:send
expect screen thanks
expect text J****
expect text j****@w****.de
expect text *** *** 78
expect absent Jürgen Weiß-Çelik
wait 300
screenshot SHOTS/de-thanks.png
# time for the shell to look at the data folder while the outbox is open (below)
wait 2000
scrollto signup:done
tap signup:done
expect screen district
scrollto signup
tap signup
expect screen signup
expect absent Jürgen Weiß-Çelik
expect running
EOF

# ---- English, portrait: from a group page ----
cat >"$ui_tmp/en.txt" <<'EOF'
tap start
tap lang:en
expect lang en
scrollto district:eving
tap district:eving
scrollto group:eving-ak-bergbaugeschichte
tap group:eving-ak-bergbaugeschichte
expect screen group
scrollto signup
tap signup
expect screen signup
tap field:name
tap key:shift
type M
type ary
tap key:space
tap key:shift
type O
tap key:symbols
type '
tap key:letters
tap key:shift
type N
type eil
expect text Mary O'Neil
tap field:email
type mary_oneil
tap key:@gmail.com
tap key:done
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
tap signup:send
expect screen thanks
expect text m****@g****.com
expect fits
wait 300
screenshot SHOTS/en-thanks.png
scrollto signup:done
tap signup:done
expect screen group
EOF

# ---- Turkish, landscape: from home (the home district's groups), a phone number only ----
cat >"$ui_tmp/tr.txt" <<'EOF'
tap start
tap lang:tr
expect lang tr
scrollto signup
tap signup
expect screen signup
tap field:name
tap key:shift
type A
type yşe
tap key:space
tap key:shift
type Y
type ılmaz
tap key:space
tap key:shift
type İ
type nce
expect text Ayşe Yılmaz İnce
tap key:done
scrollto field:phone
tap field:phone
type +49 231 9876543
tap key:done
# first try without the boxes: the problems show beside their fields, in Turkish
scrollto signup:send
tap signup:send
expect screen signup
expect text 16 yaşında olduğunuzu onaylayın
scrollto signup:age
tap signup:age
scrollto signup:consent
tap signup:consent
scrollto signup:send
tap signup:send
expect screen thanks
expect text Teşekkür ederiz!
expect text +49 *** *** 43
expect fits
wait 300
screenshot SHOTS/tr-thanks.png
scrollto signup:done
tap signup:done
expect screen home
EOF

shots="$ui_tmp/shots"
mkdir -p "$shots"
sed -i "s#SHOTS#$shots#" "$ui_tmp/de.txt" "$ui_tmp/en.txt" "$ui_tmp/tr.txt"
ui_spawn de "$ui_tmp/de.txt" "${land[@]}" "${store[@]}" --set home_district=hoerde
ui_spawn en "$ui_tmp/en.txt" "${port[@]}" "${store[@]}"
ui_spawn tr "$ui_tmp/tr.txt" "${land[@]}" "${store[@]}" --set home_district=hoerde
# While the German kiosk still runs, its outbox open: nothing typed in any file of its data
# folder, outbox.db-wal and -shm included.
typed='Jürgen|juergen|Weiß|web\.de|123456-78|Mary|mary_oneil|Ayşe|Yılmaz|9876543' # (Çelik is in the content)
for _ in $(seq 3000); do
  [ -e "$ui_tmp/de.rc" ] && break
  [ "$(sqlite3 "$ui_tmp/data-de/outbox.db" 'SELECT count(*) FROM outbox' 2>/dev/null || true)" = 1 ] &&
    break
  sleep 0.1
done
ui_check "de: the registration is stored while the kiosk still runs" test ! -e "$ui_tmp/de.rc"
ui_check "de: the outbox is open (its -wal file exists)" test -e "$ui_tmp/data-de/outbox.db-wal"
ui_check "de: while it runs, nothing typed is in any file of its data folder" \
  bash -c "! grep -rlaE '$typed' '$ui_tmp/data-de'"
"$signuptool" keygen "$ui_tmp/other.key" >/dev/null
for run in de en tr; do
  ui_collect "$run" || continue
  db="$ui_tmp/data-$run/outbox.db"
  # One sealed record per registration, and nothing of what was typed anywhere on the disk.
  ui_check "$run: one record in the outbox" \
    test "$(sqlite3 "$db" 'SELECT count(*) FROM outbox' 2>/dev/null)" = 1
  ui_check "$run: nothing typed is on the disk in plain text" \
    bash -c "! grep -rlaE '$typed' '$ui_tmp/data-$run'"
  # The hub's secret key opens it and finds what was typed; another key opens nothing.
  "$signuptool" open "$ui_tmp/data-$run" "$ui_tmp/hub/keys/registration.key" \
    >"$ui_tmp/$run.opened" 2>&1 || true
  case $run in
  de) want='"district":"hoerde","email":"juergen.weiss@web.de",.*"language":"de",.*"name":"Jürgen Weiß-Çelik","phone":"0231 123456-78"' ;;
  en) want='"email":"mary_oneil@gmail.com",.*"groups":\["eving-ak-bergbaugeschichte"\],"language":"en",.*"name":"Mary O'"'"'Neil","phone":""' ;;
  tr) want='"email":"",.*"language":"tr",.*"name":"Ayşe Yılmaz İnce","phone":"\+49 231 9876543"' ;;
  esac
  ui_check "$run: the hub's key opens the record and it holds what was typed" \
    grep -qE "$want" "$ui_tmp/$run.opened"
  ui_check "$run: another key cannot open it" \
    bash -c "! '$signuptool' open '$ui_tmp/data-$run' '$ui_tmp/other.key' >/dev/null 2>&1"
done
ui_finish
