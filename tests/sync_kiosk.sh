#!/usr/bin/env bash
# The sync worker inside the running kiosk (headless, SDL's dummy driver, a test script): with
# hub_url set, district-kiosk syncs by itself a few seconds after start; a visitor in the middle
# of a session keeps the content they see, and the new release appears after the idle reset
# (and at once when the kiosk is on the attract screen). Release 2 renames Hörde to
# "Hörde-Neu" so that the screens show which release they use.
sync_name=sync_kiosk
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0
make_fixtures
cp -r "$tmp/c1" "$tmp/cnew"
sed -i '0,/"de": "Hörde"/s//"de": "Hörde-Neu"/' "$tmp/cnew/districts/hoerde/district.json"
"$tool" release "$tmp/cnew" "$tmp/new" --key "$tmp/key" --version 2 >/dev/null
extra_release_dir=$tmp/new

run_kiosk() { # name, script text, [more kiosk arguments]: runs the kiosk on it against the
  local name=$1 #                                              server; verdict in $rc
  printf '%s\n' "$2" >"$tmp/$name.script"
  fresh_data "$tmp/$name"
  timeout -k 5 300 "$kiosk" --config "$tmp/$name.conf" --software --window 960x540 \
    --set "hub_url=http://127.0.0.1:$port" --set sync_allow_http=true \
    --script "$tmp/$name.script" "${@:3}" >"$tmp/$name.log" 2>&1 && rc=0 || rc=$?
  cat "$tmp/$name.log" >>"$tmp/all.out"
  check "$name: every expectation holds (exit $rc)" test "$rc" = 0
  if [ "$rc" != 0 ]; then grep -a "FAIL\|sync" "$tmp/$name.log" | head -20; fi
}

start_server "$tmp/new"
# A visitor is on the home screen when release 2 arrives (the first cycle starts 5 s after
# start): they keep release 1 until the idle reset, then the next visitor sees release 2.
run_kiosk visitor "expect screen attract
tap start
expect screen home
expect text Hörde
expect absent Hörde-Neu
wait 9000
expect screen home
expect absent Hörde-Neu
advance 91000
advance 28000
advance 2500
expect screen attract
tap start
expect screen home
expect text Hörde-Neu
quit"
check "visitor: release 2 is installed and complete" has_release "$tmp/visitor" 2
check "visitor: the kiosk logged the adoption" grep -q "the screens now show the new content" \
  "$tmp/visitor.log"

# On the attract screen the new release is taken at once.
run_kiosk attract "expect screen attract
wait 9000
tap start
expect screen home
expect text Hörde-Neu
quit"
# "Sync now" on the staff screen starts a cycle at once, with no further touch: the button is
# seen while a frame is built, after that turn's events were handled, so the request must not
# wait for the next input event (it did: a kiosk left alone never started the cycle).
hash=$(echo 2468 | "$kiosk" --hash-pin | sed 's/^staff_pin_hash = //')
run_kiosk staff "tap start
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
wait 8000
scrollto staff:sync
expect visible Jetzt abgleichen
tap staff:sync
wait 4000
expect screen staff
quit" --set "staff_pin_hash=$hash"
check "staff: 'Sync now' was passed to the worker with no further touch" \
  grep -q "sync: staff asked for a sync now" "$tmp/staff.log"
check "staff: ... and a second cycle ran" test "$(grep -c 'sync: cycle started' "$tmp/staff.log")" = 2
stop_server
sync_summary sync_kiosk
