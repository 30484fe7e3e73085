#!/usr/bin/env bash
# Golden screenshots: the kiosk's main screens drawn headless and compared with
# tests/golden/*.png within a tolerance (tests/golden_compare.c: a pixel differs when a channel
# is off by more than 48; at most 0.5 % of the pixels may differ). On a mismatch the actual image
# and a diff (differing pixels in red) are kept in $DK_BINARY_DIR/ui-failures/ui_golden/.
#
#   DK_UPDATE_GOLDEN=1 ctest -R ui_golden    rewrites the goldens from this build; look at every
#                                           one of them before committing (tests/README-ui.md).
#
# What makes the screens deterministic: the content is the frozen copy (ui_common.bash: dates in
# 2098/99, so the dates list and "next dates" do not change with today's date); the attract loop
# is paused on its first slide (Aplerbeck) within the first 4 s, while its prompt is German; every
# screen with an image waits a second for the decoder thread; the "Need more time?" dialog is shot
# in the second it appears (30 s left).
ui_name=ui_golden
# shellcheck source=tests/ui_common.bash
source "$(dirname "$0")/ui_common.bash"
ui_frozen_bundle
golden_dir=$ui_src/tests/golden
update=${DK_UPDATE_GOLDEN:-0}
shots=$ui_tmp/shots
mkdir -p "$shots"

# The comparator, built against SDL2_image like tests/kiosk_render_smoke.sh builds its program.
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags sdl2 SDL2_image) \
  "$ui_src/tests/golden_compare.c" $(pkg-config --libs sdl2 SDL2_image) -o "$ui_tmp/golden_compare"

land=(--window 1920x1080)
port=(--window 1080x1920 --set screen_width_mm=296 --set screen_height_mm=527)

# Landscape, German: the session from the attract loop to the idle warning.
cat >"$ui_tmp/main.txt" <<EOF
expect screen attract
tap pause
expect visible Abspielen
wait 1000
expect text Zum Starten berühren
screenshot $shots/attract-paused.png
# the prompt changes its language every 4 s: still German when the shot was taken?
expect text Zum Starten berühren
tap start
expect screen home
wait 300
screenshot $shots/home.png
tap district:hoerde
expect screen district
wait 1000
screenshot $shots/district-hoerde.png
tap home
tap projects
expect screen projects
wait 300
screenshot $shots/projects.png
tap home
tap dates
expect screen dates
wait 300
screenshot $shots/dates.png
tap home
tap search
type hörde
expect search hörde
expect visible district:hoerde
wait 300
screenshot $shots/search-hoerde.png
tap key:delete
tap key:delete
tap key:delete
tap key:delete
tap key:delete
type bergbau
tap project:eving-bergbau-rundweg
expect screen project
wait 1000
screenshot $shots/project-bergbau-rundweg.png
tap back
tap key:delete
tap key:delete
tap key:delete
tap key:delete
tap key:delete
tap key:delete
tap key:delete
type lichterfest
tap group:hoerde-projektgruppe-lichterfest
expect screen group
wait 300
screenshot $shots/group-lichterfest.png
advance 91000
expect visible Brauchen Sie mehr Zeit?
screenshot $shots/need-more-time.png
EOF
ui_spawn main "$ui_tmp/main.txt" "${land[@]}"

cat >"$ui_tmp/high-contrast.txt" <<EOF
tap start
tap accessibility
tap a11y:high-contrast
expect high_contrast 1
wait 300
screenshot $shots/accessibility-panel-high-contrast.png
tap a11y:close
expect absent dialog
wait 300
screenshot $shots/home-high-contrast.png
EOF
ui_spawn high-contrast "$ui_tmp/high-contrast.txt" "${land[@]}"

cat >"$ui_tmp/large-text.txt" <<EOF
tap start
tap accessibility
tap a11y:large-text
tap a11y:close
expect large_text 1
wait 300
screenshot $shots/home-large-text.png
EOF
ui_spawn large-text "$ui_tmp/large-text.txt" "${land[@]}"

cat >"$ui_tmp/english.txt" <<EOF
tap start
tap lang:en
expect lang en
tap district:hoerde
expect screen district
wait 1000
screenshot $shots/district-hoerde-en.png
EOF
ui_spawn english "$ui_tmp/english.txt" "${land[@]}"

# A project without an image (its picture drawn in Hörde's colour), a date found by search (the
# dates scrolled to it, highlighted), and a page that exists only in German seen in Turkish.
cat >"$ui_tmp/pictures.txt" <<EOF
tap start
tap district:hoerde
expect screen district
scrollto project:hoerde-geschichtspfad-stahlwerk-see
tap project:hoerde-geschichtspfad-stahlwerk-see
expect screen project
expect visible picture:hoerde-geschichtspfad-stahlwerk-see
wait 300
screenshot $shots/project-drawn-picture.png
tap home
tap search
type aussaat
tap date:eving-2027-04-10-aussaat
expect screen dates
wait 1000
expect visible date:eving-2027-04-10-aussaat
screenshot $shots/dates-search-hit.png
tap home
tap lang:tr
scrollto privacy
tap privacy
expect screen page
expect visible page:german-only
wait 300
screenshot $shots/privacy-tr.png
EOF
ui_spawn pictures "$ui_tmp/pictures.txt" "${land[@]}"

cat >"$ui_tmp/portrait.txt" <<EOF
tap start
expect screen home
wait 300
screenshot $shots/portrait-home.png
EOF
ui_spawn portrait "$ui_tmp/portrait.txt" "${port[@]}"

# Portrait on a screen mounted high (its top 207 mm above the reach limit), in low-reach mode.
cat >"$ui_tmp/low-reach.txt" <<EOF
tap start
tap accessibility
tap a11y:low-reach
tap a11y:close
expect low_reach 1
wait 300
screenshot $shots/portrait-home-low-reach.png
EOF
ui_spawn low-reach "$ui_tmp/low-reach.txt" "${port[@]}" --set screen_bottom_mm=900

for run in main high-contrast large-text english pictures portrait low-reach; do ui_collect "$run" || true; done

# ---- compare (or update) ----
kept=$ui_failures
compare() { # name
  local name=$1 golden=$golden_dir/$1.png actual=$shots/$1.png out
  if [ ! -s "$actual" ]; then
    echo "    no screenshot $name.png was taken (see the run's failure above)"
    return 1
  fi
  if [ "$update" = 1 ]; then
    mkdir -p "$golden_dir"
    cp "$actual" "$golden"
    echo "    updated $golden: look at it before committing"
    return 0
  fi
  if [ ! -e "$golden" ]; then
    mkdir -p "$kept"
    cp "$actual" "$kept/$name.actual.png"
    echo "    no golden $golden; the screen is in $kept/$name.actual.png"
    echo "    (DK_UPDATE_GOLDEN=1 writes the goldens; look at them first)"
    return 1
  fi
  if out=$("$ui_tmp/golden_compare" "$golden" "$actual" "$ui_tmp/$name.diff.png" 2>&1); then
    echo "    $out"
    return 0
  fi
  mkdir -p "$kept"
  cp "$actual" "$kept/$name.actual.png"
  [ -e "$ui_tmp/$name.diff.png" ] && cp "$ui_tmp/$name.diff.png" "$kept/$name.diff.png"
  echo "    $out"
  echo "    golden: $golden"
  echo "    actual: $kept/$name.actual.png"
  [ -e "$kept/$name.diff.png" ] && echo "    diff:   $kept/$name.diff.png (differing pixels in red)"
  return 1
}
goldens=(attract-paused home district-hoerde projects dates search-hoerde project-bergbau-rundweg
  group-lichterfest need-more-time accessibility-panel-high-contrast home-high-contrast
  home-large-text district-hoerde-en project-drawn-picture dates-search-hit privacy-tr portrait-home
  portrait-home-low-reach)
for g in "${goldens[@]}"; do ui_check "golden $g" compare "$g"; done

# The comparator itself tells two different screens apart (and the same one not).
tells_apart() {
  local rc=0
  "$ui_tmp/golden_compare" "$golden_dir/home.png" "$golden_dir/home-high-contrast.png" \
    "$ui_tmp/selftest.diff.png" >/dev/null || rc=$?
  [ "$rc" = 1 ] && "$ui_tmp/golden_compare" "$golden_dir/home.png" "$golden_dir/home.png" \
    "$ui_tmp/selftest.diff.png" >/dev/null
}
[ "$update" = 1 ] || ui_check "golden_compare fails on a different screen, passes on the same" tells_apart

# A golden nobody takes any more is a leftover.
for f in "$golden_dir"/*.png; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .png)
  [[ " ${goldens[*]} " == *" $n "* ]] || ui_failed_note "tests/golden/$n.png is not compared by any test: remove it"
done

ui_finish
