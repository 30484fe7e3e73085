#!/usr/bin/env bash
# Walks through every screen of the kiosk by touch alone, headless, in landscape and portrait, in
# German and English (and Turkish once), in the normal and the high-contrast theme, with larger
# text, in low-reach mode and with a home district: attract -> home -> a district -> its project,
# group and date -> the projects list with its filters -> groups -> dates -> the about, privacy
# and legal pages -> search typed on the on-screen keyboard, and a date found by it (the dates
# scrolled to it) -> back by button and by a swipe from the left edge. At every screen: its name,
# its key elements, the bottom bar's back, home, language and accessibility buttons at least
# 15 mm, and no button label overflowing; the accessibility switches say "Ein"/"Aus" in words.
#
# Each variant is two kiosk runs: a short probe that dumps the element tree of the screens that
# scroll (home, a district, the lists), and the walk, generated from one template with the
# probe's positions, so that it scrolls straight to what it taps (one drag each) instead of
# creeping with "scrollto" (a third of the window per try, half a second each). See
# tests/README-ui.md.
ui_name=ui_screens
# shellcheck source=tests/ui_common.bash
source "$(dirname "$0")/ui_common.bash"
ui_frozen_bundle

# ---- words the walk looks for, per language (content/ and src/ui/dk_i18n.c) ----
declare -A T
T[de.home]=Startseite T[en.home]=Home T[tr.home]="Ana sayfa"
T[de.project]="Lichterfest am Phoenix-See" T[en.project]="Festival of lights at the Phoenix-See"
T[tr.project]="Phoenix-See'de ışık şenliği"
T[de.hero]="Abstrakte Grafik in den Farben von Hörde" T[en.hero]="Abstract graphic in Hörde's colours"
T[tr.hero]="Hörde ilçesinin renklerinde soyut grafik"
T[de.group]="Arbeitskreis Hörder Geschichte" T[en.group]="Hörde history working group"
T[tr.group]="Hörde" # the Turkish name is in content/groups/hoerde-ak-hoerder-geschichte
T[de.lichterfest]="Projektgruppe Lichterfest" T[en.lichterfest]="Festival of lights project group"
T[tr.lichterfest]="Işık Şenliği Proje Grubu"
T[de.about]="Ihr Stadtbezirk, Ihre Ideen" T[en.about]="Your district, your ideas"
T[tr.about]="Sizin ilçeniz, sizin fikirleriniz"
# The privacy and legal notices exist only in German and English: in Turkish the German text
# comes with the German title and a note that the page is only in German (page:german-only).
T[de.privacy]="Wenn Sie nur lesen" T[en.privacy]="If you are just browsing"
T[tr.privacy]="Wenn Sie nur lesen"
T[de.legal]="Anbieter" T[en.legal]="Provider" T[tr.legal]="Anbieter"
T[de.german_only]=absent T[en.german_only]=absent T[tr.german_only]=visible
T[de.hint]="Projekt, Gruppe oder Stadtbezirk" T[en.hint]="Project, group or district"
T[tr.hint]="Proje, grup veya ilçe"
# A word with an umlaut, typed key by key after Shift. The English keyboard has no umlauts
# (src/ui/dk_app.c rows_en), so there the visitor types "Horde", which search folds to Hörde.
T[de.word]="örde" T[en.word]="orde" T[tr.word]="örde"
T[de.typed]="Hörde" T[en.typed]="Horde" T[tr.typed]="Hörde"
# The accessibility switches say their state in words ("label: state" in the element tree).
T[de.large-text]="Schrift vergrößern" T[en.large-text]="Larger text" T[tr.large-text]="Yazıyı büyüt"
T[de.high-contrast]="Hoher Kontrast" T[en.high-contrast]="High contrast"
T[tr.high-contrast]="Yüksek kontrast"
T[de.low-reach]="Bedienung weiter unten" T[en.low-reach]="Controls lower down"
T[tr.low-reach]="Kontroller daha aşağıda"
T[de.on]=Ein T[en.on]=On T[tr.on]=Açık T[de.off]=Aus T[en.off]=Off T[tr.off]=Kapalı

# ---- script pieces ----

# The checks every screen gets: which screen, the bottom bar in reach and large enough, no
# overflowing label. (The scroll area is "scroll:<screen>", so "home" is the Home button on every
# screen, the home screen too.)
chrome() { # screen
  cat <<EOF
expect screen $1
expect visible back min_mm 15
expect visible home min_mm 15
expect visible lang:de min_mm 15
expect visible lang:en min_mm 15
expect visible lang:tr min_mm 15
expect visible accessibility min_mm 15
expect fits
EOF
  [ "$mode" = lowreach ] && echo dump # checked below for controls above the reach limit
  return 0
}

# The language, theme and modes of the variant, set by touch on the home screen.
setup() {
  [ "$lang" = de ] || printf 'tap lang:%s\nexpect lang %s\nexpect fits\n' "$lang" "$lang"
  local opt
  for opt in "${options[@]}"; do
    [ -n "$opt" ] || continue
    cat <<EOF
tap accessibility
expect visible dialog
expect visible a11y:large-text min_mm 15
expect visible a11y:high-contrast min_mm 15
expect visible a11y:low-reach min_mm 15
expect visible a11y:close min_mm 15
expect fits
EOF
    [ "$mode" = lowreach ] && echo dump
    cat <<EOF
expect visible ${T[$lang.$opt]}: ${T[$lang.off]}
tap a11y:$opt
expect ${opt//-/_} 1
expect visible ${T[$lang.$opt]}: ${T[$lang.on]}
expect fits
tap a11y:close
expect absent dialog
EOF
  done
}

# The probe: the element tree of each screen the walk scrolls on, at scroll offset 0, each dump
# after an "expect screen" that names it. The district is reached through search, which needs
# no scrolling.
probe() {
  cat <<EOF
tap start
$(setup)
expect screen home
dump
tap search
tap key:shift
type H
type orde
tap district:hoerde
expect screen district
dump
tap home
tap projects
expect screen projects
dump
tap filter:planned
expect screen projects
dump
tap filter:completed
expect screen projects
dump
tap home
tap groups
expect screen groups
dump
tap home
tap dates
expect screen dates
dump
EOF
}

# Reads a probe's log into P: P[SECTION/NAME]="x y w h", SECTION being the screen's name and how
# often it was dumped ("home1", "projects2"), and F[SECTION/KIND] the first (topmost) card of
# that kind. P[SECTION/scroll:SCREEN] is the scroll area.
declare -A P F
read_probe() { # log
  local sec name x y w h
  P=() F=()
  while read -r sec name x y w h; do
    P[$sec/$name]="$x $y $w $h"
    case $name in
    project:* | group:* | date:*)
      [ -n "${F[$sec/${name%%:*}]:-}" ] || F[$sec/${name%%:*}]=$name ;;
    esac
  done < <(awk '
    /^ok   line [0-9]+: screen is / { s = $6; n[s]++; sec = s n[s]; next }
    /^  (button|scroll) / && sec != "" {
      if (match($0, /-?[0-9]+, *-?[0-9]+ +[0-9]+x[0-9]+/)) {
        split(substr($0, RSTART, RLENGTH), p, /[, x]+/)
        print sec, $2, p[1], p[2], p[3], p[4]
      }
    }' "$1")
}

# Scrolls SECTION's scroll area so that NAME comes to the upper part of the view: one drag
# (it may start and end outside the window; the distance counts), then a touch on an empty spot
# at the right edge that stops the fling. A drag of 480 ms travels about 8 % further by flinging
# until the touch (measured); the view takes targets within about half its height of the aim.
seek() { # section name
  local view target
  view=${P[$1/scroll:${1%%[0-9]*}]:-} target=${P[$1/$2]:-}
  if [ -z "$view" ] || [ -z "$target" ]; then
    echo "# seek: the probe did not see '$2' on $1"
    echo "expect visible $2"
    return 0
  fi
  local vx vy vw vh ty th
  read -r vx vy vw vh <<<"$view"
  read -r _ ty _ th <<<"$target"
  local aim=$((vy + vh / 4)) xn=$((vx + vw - 20))
  if [ $((ty + th / 2)) -lt $((vy + vh - 10)) ]; then return 0; fi # already in view
  local d=$(((ty - aim) * 100 / 108)) y0=$((vy + vh - 10))
  echo "drag $xn $y0 $xn $((y0 - d)) 480"
  echo "tapxy $xn $((vy + 10))"
}

# walk: the script of one variant, on stdout. Uses orient, lang, theme, mode, options, P, F.
walk() {
  local home_view=${P[home1/scroll:home]} x0=4 x1 ymid
  read -r _ ymid _ _ <<<"$home_view"
  ymid=$((ymid + 300))
  x1=$((x0 + 700))
  local running=${F[projects1/project]:-} planned=${F[projects2/project]:-}
  local completed=${F[projects3/project]:-} first_group=${F[groups1/group]:-}
  local first_date=${F[dates1/date]:-}
  cat <<EOF
# ui_screens walk: $orient, $lang, $theme, ${mode:-plain}
# -- attract: the loop, its pause button; a touch anywhere starts --
expect screen attract
expect visible start
expect visible pause min_mm 15
tap pause
expect screen attract
expect visible Abspielen
tap pause
expect visible Anhalten
tap start
$(chrome home)
expect lang de
expect large_text 0
expect high_contrast 0
expect low_reach 0
$(setup)
# -- home --
$(chrome home)
expect visible projects min_mm 15
expect visible groups min_mm 15
expect visible dates min_mm 15
expect visible search min_mm 15
$(seek home1 about)
expect visible about min_mm 15
$(seek home1 district:hoerde)
expect visible district:hoerde min_mm 15
tap district:hoerde
# -- a district, and from it a project, a group and a date --
$(chrome district)
expect text Hörde
expect visible ${T[$lang.hero]}
$(seek district1 project:hoerde-phoenixsee-lichterfest)
expect visible project:hoerde-phoenixsee-lichterfest min_mm 15
tap project:hoerde-phoenixsee-lichterfest
$(chrome project)
expect text ${T[$lang.project]}
tap back
$(chrome district)
$(seek district1 group:hoerde-ak-hoerder-geschichte)
expect visible group:hoerde-ak-hoerder-geschichte min_mm 15
tap group:hoerde-ak-hoerder-geschichte
$(chrome group)
expect text ${T[$lang.group]}
tap back
expect screen district
$(seek district1 date:hoerde-2026-12-05-laternen-basteln)
expect visible date:hoerde-2026-12-05-laternen-basteln min_mm 15
tap date:hoerde-2026-12-05-laternen-basteln
$(chrome group)
expect text ${T[$lang.lichterfest]}
tap back
expect screen district
# back by a swipe from the left edge
drag $x0 $ymid $x1 $ymid 250
$(chrome home)
EOF
  if [ "$mode" = homedistrict ]; then
    cat <<EOF
# -- the lists, filtered to the home district (home_district = hoerde) --
expect visible district:hoerde min_mm 15
tap projects
$(chrome projects)
expect visible filter:district min_mm 15
expect visible filter:all-districts min_mm 15
expect visible project:hoerde-geschichtspfad-stahlwerk-see
expect absent project:brackel-broschuere-brackel-entdecken
tap filter:all-districts
expect fits
expect visible project:brackel-broschuere-brackel-entdecken
tap filter:district
expect absent project:brackel-broschuere-brackel-entdecken
tap project:hoerde-geschichtspfad-stahlwerk-see
$(chrome project)
tap home
tap groups
$(chrome groups)
expect visible filter:district min_mm 15
expect visible group:hoerde-ak-hoerder-geschichte
expect absent group:innenstadt-nord-ag-nordmarkt
tap filter:all-districts
expect visible group:innenstadt-nord-ag-nordmarkt
tap group:innenstadt-nord-ag-nordmarkt
$(chrome group)
tap home
tap dates
$(chrome dates)
expect visible filter:district min_mm 15
expect visible date:hoerde-2026-12-05-laternen-basteln
expect absent date:innenstadt-nord-2026-11-12-ag-nordmarkt
tap filter:all-districts
expect visible date:innenstadt-nord-2026-11-12-ag-nordmarkt
tap date:innenstadt-nord-2026-11-12-ag-nordmarkt
$(chrome group)
tap home
EOF
  else
    cat <<EOF
# -- the projects list (from home: the running ones) and its filters --
tap projects
$(chrome projects)
expect visible filter:all-statuses min_mm 15
expect visible filter:planned min_mm 15
expect visible filter:running min_mm 15
expect visible filter:completed min_mm 15
expect absent filter:district
expect visible $running
tap filter:planned
expect fits
expect visible $planned
expect absent $running
tap filter:completed
expect fits
expect visible $completed
expect absent $planned
expect absent $running
tap filter:running
expect visible $running
expect absent $completed
tap filter:planned
tap $planned
$(chrome project)
tap back
$(chrome projects)
expect visible $planned
tap filter:all-statuses
expect fits
tap home
# -- the groups list --
tap groups
$(chrome groups)
expect visible $first_group min_mm 15
tap $first_group
$(chrome group)
tap back
expect screen groups
tap home
# -- the dates (frozen in 2098/99: see ui_common.bash) --
tap dates
$(chrome dates)
expect absent filter:district
expect visible $first_date min_mm 15
expect visible date:innenstadt-nord-2026-11-12-ag-nordmarkt
tap $first_date
$(chrome group)
tap back
expect screen dates
tap home
EOF
  fi
  cat <<EOF
# -- the pages --
$(chrome home)
$(seek home1 about)
tap about
$(chrome page)
expect text ${T[$lang.about]}
expect absent page:german-only
tap back
expect screen home
$(seek home1 privacy)
expect visible privacy min_mm 15
tap privacy
$(chrome page)
expect text ${T[$lang.privacy]}
expect ${T[$lang.german_only]} page:german-only
tap back
expect screen home
$(seek home1 legal)
expect visible legal min_mm 15
tap legal
$(chrome page)
expect text ${T[$lang.legal]}
expect ${T[$lang.german_only]} page:german-only
# a swipe from the left edge goes back here too
drag $x0 $ymid $x1 $ymid 250
expect screen home
# -- search, typed on the on-screen keyboard --
tap search
$(chrome search)
expect visible ${T[$lang.hint]}
expect visible key:shift min_mm 15
expect visible key:space min_mm 15
expect visible key:delete min_mm 15
expect visible key:e min_mm 15
tap key:shift
type H
type ${T[$lang.word]}x
expect search ${T[$lang.typed]}x
tap key:delete
expect search ${T[$lang.typed]}
expect fits
expect visible district:hoerde min_mm 15
tap district:hoerde
$(chrome district)
tap back
expect screen search
expect search ${T[$lang.typed]}
# a date found by search: the dates list, scrolled to it and highlighting it
$(for _ in 1 2 3 4 5; do echo "tap key:delete"; done)
expect search
type aussaat
tap date:eving-2027-04-10-aussaat
$(chrome dates)
expect visible date:eving-2027-04-10-aussaat min_mm 15
tap back
expect screen search
tap back
$(chrome home)
expect lang $lang
expect high_contrast $([ "$theme" = hc ] && echo 1 || echo 0)
expect large_text $([ "$mode" = large ] && echo 1 || echo 0)
expect low_reach $([ "$mode" = lowreach ] && echo 1 || echo 0)
expect running
EOF
}

# ---- the variants: ORIENTATION LANGUAGE THEME MODE ----
variants=()
for orient in landscape portrait; do
  for lang in de en; do
    for theme in normal hc; do variants+=("$orient $lang $theme plain"); done
  done
done
variants+=("landscape tr normal plain" "landscape de normal large" "portrait en hc large"
  "portrait de normal lowreach" "landscape de normal homedistrict")
# UI_ONLY=REGEX runs only the variants whose name matches (e.g. UI_ONLY=portrait-de).
if [ -n "${UI_ONLY:-}" ]; then
  for i in "${!variants[@]}"; do
    [[ ${variants[$i]// /-} =~ $UI_ONLY ]] || unset "variants[$i]"
  done
fi

configure() { # sets name, layout (the name without the theme), options and args of a variant
  read -r orient lang theme mode <<<"$1"
  name="$orient-$lang-$theme"
  layout="$orient-$lang"
  [ "$mode" = plain ] || name="$name-$mode" layout="$layout-$mode"
  options=()
  [ "$theme" = hc ] && options+=(high-contrast)
  [ "$mode" = large ] && options+=(large-text)
  [ "$mode" = lowreach ] && options+=(low-reach)
  if [ "$orient" = landscape ]; then
    args=(--window 1920x1080)
  else
    args=(--window 1080x1920 --set screen_width_mm=296 --set screen_height_mm=527)
  fi
  # Low reach matters on a tall screen mounted high: its top 207 mm are above 1220 mm.
  [ "$mode" = lowreach ] && args+=(--set screen_bottom_mm=900)
  [ "$mode" = homedistrict ] && args+=(--set home_district=hoerde)
  return 0
}

# The theme does not move anything: variants that differ only in it share a probe.
declare -A probed
for v in "${variants[@]}"; do
  configure "$v"
  [ -z "${probed[$layout]:-}" ] || continue
  probed[$layout]=1
  options=("${options[@]/high-contrast/}")
  probe >"$ui_tmp/$layout.probe.txt"
  ui_spawn "$layout.probe" "$ui_tmp/$layout.probe.txt" "${args[@]}"
done

# The content as shipped (its dates relative to today) fits on the list screens too.
cat >"$ui_tmp/shipped.txt" <<EOF
tap start
$(mode='' chrome home)
tap dates
$(mode='' chrome dates)
tap home
tap projects
tap filter:all-statuses
$(mode='' chrome projects)
tap lang:en
$(mode='' chrome projects)
tap home
tap dates
$(mode='' chrome dates)
EOF
frozen=$ui_bundle
ui_bundle=$ui_bin/bundle
ui_spawn shipped-bundle "$ui_tmp/shipped.txt" --window 1920x1080
ui_bundle=$frozen

walked=()
declare -A probe_ok
for v in "${variants[@]}"; do
  configure "$v"
  if [ -z "${probe_ok[$layout]:-}" ]; then
    probe_ok[$layout]=0
    ui_collect "$layout.probe" && probe_ok[$layout]=1
  fi
  if [ "${probe_ok[$layout]}" = 1 ]; then
    read_probe "$ui_tmp/$layout.probe.log"
    walk >"$ui_tmp/$name.txt"
    ui_spawn "$name" "$ui_tmp/$name.txt" "${args[@]}"
    walked+=("$name")
  fi
done
ui_collect shipped-bundle || true
for name in "${walked[@]}"; do ui_collect "$name" || true; done

# Low-reach mode: nothing that can be touched lies above the reach limit (EN 301 549 8.3: 1220 mm
# above the floor). With the screen's top at 900 + 527 mm the top 207 mm are out of reach:
# 207 mm * 1920 px / 527 mm = 754 px. Every screen of the walk and the panel were dumped; the
# dumps from before the mode was switched on are skipped.
reach_check() {
  local log=$ui_tmp/portrait-de-normal-lowreach.log limit=$((207 * 1920 / 527)) bad n
  [ -e "$log" ] || return 1
  # A card that the scroll area cuts at its top shows only its part inside the area (the dump
  # gives the whole rectangle): it counts as reachable when the area itself lies below the line.
  bad=$(awk -v limit="$limit" '
    /^ok   line [0-9]+: low_reach is 1/ { on = 1 }
    /^ok   line / { sy = -1 }
    on && /^  scroll / && match($0, /-?[0-9]+, *-?[0-9]+ +[0-9]+x[0-9]+/) {
      split(substr($0, RSTART, RLENGTH), p, /[, x]+/)
      sy = p[2] + 0
    }
    on && /^  button / && !/\(hidden\)$/ && match($0, /-?[0-9]+, *-?[0-9]+ +[0-9]+x[0-9]+/) {
      split(substr($0, RSTART, RLENGTH), p, /[, x]+/)
      cut = sy >= limit && p[2] + 0 < sy && p[2] + p[4] > sy
      if (p[2] + 0 < limit && !cut) print "    above the reach limit (y < " limit "): " $0
    }' "$log")
  n=$(sed -n '/^ok   line [0-9]*: low_reach is 1/,$p' "$log" | grep -c '^  button ' || true)
  if [ -n "$bad" ] || [ "$n" -lt 100 ]; then
    echo "$bad" | sort -u | head -n 20
    echo "    ($n buttons dumped)"
    return 1
  fi
}
if [[ " ${walked[*]} " == *" portrait-de-normal-lowreach "* ]]; then
  ui_check "low reach: every visible control on every screen lies below the reach limit" reach_check
fi

ui_finish
