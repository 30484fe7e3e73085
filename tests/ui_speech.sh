#!/usr/bin/env bash
# "Read aloud" (EN 301 549 5.1.3) in the running kiosk, with SDL's dummy audio device: the
# accessibility panel offers it, it reads the screen beneath the panel in the screen's language
# through eSpeak NG, and the next touch stops it (what is read: tests/test_speech.c).
ui_name=ui_speech
# shellcheck source=tests/ui_common.bash
source "$(dirname "$0")/ui_common.bash"

cat >"$ui_tmp/read.txt" <<'EOF'
tap start
expect screen home
tap accessibility
expect visible a11y:read-aloud
tap a11y:read-aloud
expect absent a11y:close
wait 1500
tap district:hoerde
expect screen district
tap English
tap accessibility
tap a11y:read-aloud
wait 1500
quit
EOF
ui_spawn read "$ui_tmp/read.txt" --window 1280x720
ui_collect read || true
log=$ui_tmp/read.log
ui_check "the home screen was read in German" grep -Eq 'speech: reading [0-9]{2,} bytes in de' "$log"
ui_check "the district page was read in English" grep -Eq 'speech: reading [0-9]{2,} bytes in en' "$log"
ui_check "read aloud was available (an audio device opened)" bash -c "! grep -q 'read aloud is off' '$log'"
ui_finish
