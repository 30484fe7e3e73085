#!/usr/bin/env bash
# Speed and memory benchmark of district-kiosk: SDL's software renderer at 1920x1080 with the
# full bundled content, no display needed (SDL_VIDEODRIVER=dummy; Xvfb for the X11 idle check).
# Prints figures; it is not a test and never fails because a machine is slow. See README.md.
#
#   tools/bench/bench-kiosk.sh                       everything (about 15 minutes)
#   RUNS=3 SCROLL_RUNS=1 IDLE_S=20 tools/bench/bench-kiosk.sh   quicker, rougher
#
# Environment: BUILD_DIR (default build), RUNS (5: start-up runs), SCROLL_RUNS (3), MEM_RUNS (3,
# side by side), MEM_VARIANTS=1 (what-if walks), IDLE_S (60: idle window), IDLE_RUNS (1),
# CHROMIUM=1 (also headless Chromium on a comparable static page, if installed),
# ONLY="startup memory idle scroll chromium" (some sections), KEEP=1 (keep the work folder),
# KIOSK_ARGS (more kiosk arguments for every run, e.g. "--set image_cache_mb=8").
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD_DIR:-build}
[[ $build = /* ]] || build=$root/$build
kiosk=$build/district-kiosk
bundle=$build/bundle
RUNS=${RUNS:-5}
SCROLL_RUNS=${SCROLL_RUNS:-3}
MEM_RUNS=${MEM_RUNS:-3}
IDLE_S=${IDLE_S:-60}
IDLE_RUNS=${IDLE_RUNS:-1}
W=1920 H=1080
# The issue's memory target is 60 MB, 60,000,000 bytes. The figures are MiB (1,048,576 bytes),
# so the target is checked and shown in MiB too: against "60", 59.6 MiB (62.5 MB) read as met.
MEM_TARGET_MIB=57.2
if [[ ! -x $kiosk || ! -f $bundle/manifest.json ]]; then
  echo "bench: build first: cmake -S . -B build -DDK_WERROR=ON && cmake --build build -j2" >&2
  exit 2
fi
work=$(mktemp -d /tmp/dk-bench.XXXXXX)
cleanup() {
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  if [[ ${KEEP:-0} = 1 ]]; then echo "bench: work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export SDL_AUDIODRIVER=dummy
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
hook=$work/dk_benchhook.so
# shellcheck disable=SC2046
cc -O2 -shared -fPIC -o "$hook" "$root/tools/bench/dk_benchhook.c" $(pkg-config --cflags sdl2) -ldl

# shellcheck disable=SC2206 # KIOSK_ARGS is split into words on purpose
extra=(${KIOSK_ARGS:-})
args=(--window "${W}x$H" --software --bundle "$bundle" "${extra[@]}")
rel() { realpath --relative-to="$root" "$1"; }
kcmd="SDL_VIDEODRIVER=dummy $(rel "$kiosk") --window ${W}x$H --software --bundle $(rel "$bundle")${KIOSK_ARGS:+ $KIOSK_ARGS}"
clk_tck=$(getconf CLK_TCK)

# ---- helpers ----

# want SECTION: ONLY="startup memory idle scroll chromium" picks sections (default: all).
want() { [[ -z ${ONLY:-} || " $ONLY " = *" $1 "* ]]; }

# launch LOG [env...] -- kiosk args...: starts the kiosk in the background with the hook, the
# process start taken just before exec; sets $pid.
launch() {
  local log=$1
  shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  (
    export DK_BENCH_T0=$EPOCHREALTIME DK_BENCH_LOG=$log LD_PRELOAD=$hook "${envs[@]}"
    exec "$kiosk" "$@"
  ) >>"$log.out" 2>&1 &
  pid=$!
}

# val KEY LOG: the first value after KEY in a hook log.
val() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# stats: numbers on stdin -> "median worst" (worst = largest); "- -" if none.
stats() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) { print "- -"; exit }
  m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[NR] }'; }

# pct P: nearest-rank percentile of the numbers on stdin.
pct() { sort -g | awk -v p="$1" '{ a[NR] = $1 } END { if (!NR) { print "-"; exit }
  i = int(NR * p / 100); if (i < NR * p / 100) i++; if (i < 1) i = 1; print a[i] }'; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

rows=() cmds=()
# row NAME MEDIAN WORST UNIT TARGET(or -) CMD_INDEX: lower is better; a MiB target is shown with
# the MB it stands for.
row() {
  local verdict="" target=${5/#-/}
  if [[ $5 != - && $2 != - ]]; then
    verdict=$(awk -v m="$2" -v w="$3" -v t="$5" 'BEGIN { print (w <= t ? "met" : (m <= t ? "met (median; worst missed)" : "MISSED")) }')
  fi
  [[ $5 = "$MEM_TARGET_MIB" && $4 = MiB ]] && target="$5 (60 MB)"
  rows+=("$(printf '%-46s %10s %10s %-5s %-12s %-26s [%s]' "$1" "$2" "$3" "$4" "$target" "$verdict" "$6")")
}
cmd() { cmds+=("$1"); c=${#cmds[@]}; }

say() { printf 'bench: %s\n' "$*" >&2; }

# ---- scripts ----

districts=$(ls "$root/content/districts")
scroll_script=$work/scroll-dates.script   # the longest page: all dates (about 10,000 px)
{
  echo "# scroll the longest page (Termine, every date) down and up again with drags"
  echo "tap start"; echo "tap dates"; echo "wait 500"
  for _ in $(seq 16); do echo "drag 960 850 960 250 400"; done
  for _ in $(seq 16); do echo "drag 960 250 960 850 400"; done
  echo "wait 300"
} >"$scroll_script"
scroll_images=$work/scroll-district.script  # a district page: hero, text, cards, gallery images
{
  echo "tap start"; echo "tap district:aplerbeck"; echo "wait 800"
  for _ in $(seq 12); do echo "drag 960 850 960 250 400"; done
  for _ in $(seq 12); do echo "drag 960 250 960 850 400"; done
  echo "wait 300"
} >"$scroll_images"
fast_down() { for _ in $(seq "$1"); do echo "drag 960 900 960 120 160"; done; echo "wait 400"; }
walk_script=$work/walk.script
{
  echo "# every screen, every image: the attract loop once round, each district page to its end"
  echo "wait 600"
  for _ in $districts; do echo "advance 8000"; echo "wait 350"; done
  echo "tap start"; echo "wait 300"
  # Never "tap home" on the home screen: its scroll view is named "home" too, and is hit first.
  first=1
  for d in $districts; do
    ((first)) || echo "tap home"
    first=0
    echo "scrollto district:$d"; echo "tap district:$d"; echo "wait 400"
    fast_down 9
  done
  echo "tap home"; echo "tap projects"; echo "wait 400"; fast_down 5
  echo "tap home"; echo "scrollto district:hoerde"; echo "tap district:hoerde"; echo "wait 200"
  echo "scrollto project:hoerde-phoenixsee-lichterfest"; echo "tap project:hoerde-phoenixsee-lichterfest"
  echo "wait 400"; fast_down 4
  echo "tap home"; echo "tap groups"; echo "wait 300"; fast_down 14
  echo "tap home"; echo "tap dates"; echo "wait 300"; fast_down 14
  echo "tap home"; echo "tap search"; echo "wait 200"; echo "type markt"; echo "wait 400"; fast_down 4
  for p in about privacy legal; do
    echo "tap home"; echo "scrollto $p"; echo "tap $p"; echo "wait 300"; fast_down 6
  done
  echo "tap home"; echo "tap lang:en"; echo "tap dates"; echo "wait 300"; fast_down 14
  echo "tap home"; echo "tap lang:tr"; echo "tap groups"; echo "wait 300"; fast_down 14
  echo "tap home"; echo "tap lang:de"; echo "tap accessibility"; echo "tap a11y:large-text"
  echo "tap a11y:high-contrast"; echo "tap a11y:close"; echo "tap dates"; echo "wait 300"; fast_down 18
  echo "tap home"; echo "scrollto district:hoerde"; echo "tap district:hoerde"; echo "wait 400"
  fast_down 12
} >"$walk_script"

# An installed data dir: the first start (database built) is done here, once.
data=$work/data
"$kiosk" "${args[@]}" --data-dir "$data" --check >/dev/null 2>&1

# ---- 1. start to first frame ----
if want startup; then

say "start-up: first start ever (fresh data dir, builds the database), $RUNS runs"
ffe=() ffe_main=()
for i in $(seq "$RUNS"); do
  log=$work/first-ever-$i.log
  launch "$log" DK_BENCH=1 SDL_VIDEODRIVER=dummy -- "${args[@]}" --data-dir "$work/fresh-$i" --screenshot "$work/first-ever-$i.png"
  wait "$pid" || true
  ffe+=("$(val first-frame-ms "$log")")
  ffe_main+=("$(val first-frame-ms "$log.out")")
  rm -rf "$work/fresh-$i"
done
cmd "rm -rf D; DK_BENCH=1 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D --screenshot X.png   (log: first-frame-ms)"
read -r m w < <(printf '%s\n' "${ffe[@]}" | stats)
row "first start ever: exec -> first frame" "$m" "$w" ms - "$c"
read -r m w < <(printf '%s\n' "${ffe_main[@]}" | stats)
row "first start ever: main() -> first frame (hook)" "$m" "$w" ms - "$c"


say "start-up: installed data dir, $RUNS runs of 1.5 s (SIGTERM ends a --window kiosk)"
ff=() ff_main=() ff_cpu=() settled=()
for i in $(seq "$RUNS"); do
  log=$work/first-$i.log
  launch "$log" DK_BENCH=1 SDL_VIDEODRIVER=dummy -- "${args[@]}" --data-dir "$data"
  sleep 1.5
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  ff+=("$(val first-frame-ms "$log")")
  ff_main+=("$(val first-frame-ms "$log.out")")
  ff_cpu+=("$(val first-frame-cpu-ms "$log")")
  # The last frame before the end: the attract screen with its hero image decoded and drawn
  # (nothing else draws in the first 4 s: the prompt changes language at 4 s).
  settled+=("$(awk '$1 == "frame" && $2 < 1500 { t = $2 } END { print t }' "$log")")
done
cmd "DK_BENCH=1 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D  (SIGTERM after 1.5 s)"
read -r m w < <(printf '%s\n' "${ff[@]}" | stats)
row "start -> first frame (exec -> 1st present)" "$m" "$w" ms 150 "$c"
read -r m w < <(printf '%s\n' "${ff_main[@]}" | stats)
row "start -> first frame, main() -> (hook)" "$m" "$w" ms - "$c"
read -r m w < <(printf '%s\n' "${ff_cpu[@]}" | stats)
row "  CPU time by then (all threads)" "$m" "$w" ms - "$c"
read -r m w < <(printf '%s\n' "${settled[@]}" | stats)
row "start -> first frame with hero image" "$m" "$w" ms - "$c"

shot=()
for i in $(seq "$RUNS"); do
  t=$EPOCHREALTIME
  SDL_VIDEODRIVER=dummy "$kiosk" "${args[@]}" --data-dir "$data" --screenshot "$work/shot.png" >/dev/null 2>&1
  shot+=("$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
done
cmd "$kcmd --data-dir D --screenshot X.png   (wall time)"
read -r m w < <(printf '%s\n' "${shot[@]}" | stats)
row "--screenshot wall (waits for images, PNG)" "$m" "$w" ms - "$c"

fi

# ---- 2. peak memory ----
if want memory; then

say "peak memory: walking every screen, $MEM_RUNS runs side by side (about 3 minutes)"
# walk NAME [VAR=VAL...] [-- kiosk args]: one walk in the background, under GNU time; the hook
# logs VmHWM at exit and the resident set at every press.
walk() {
  local name=$1 envs=() extra=()
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
  [[ ${1:-} = -- ]] && shift && extra=("$@")
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '%M' -o "$work/$name.time")
  "${timer[@]}" env DK_BENCH_LOG="$work/$name.log" DK_BENCH_MEM=1 LD_PRELOAD="$hook" \
    SDL_VIDEODRIVER=dummy "${envs[@]}" "$kiosk" "${args[@]}" --data-dir "$data" \
    --script "$walk_script" "${extra[@]}" >"$work/$name.out" 2>&1 &
}
mib_of() { awk -v k="$1" '$1 == k { printf "%.1f", $2 / 1024; exit }' "$2"; }
for i in $(seq "$MEM_RUNS"); do walk "walk-$i"; done
wait
peak=() peak_time=() first_frame=() after_attract=()
for i in $(seq "$MEM_RUNS"); do
  log=$work/walk-$i.log
  peak+=("$(mib_of peak-rss-kb "$log")")
  first_frame+=("$(awk '$1 == "mem" && $2 == 0 { printf "%.1f", $3 / 1024 }' "$log")")
  after_attract+=("$(awk '$1 == "mem" && $2 == 1 { printf "%.1f", $3 / 1024 }' "$log")")
  [[ -f $work/walk-$i.time ]] && peak_time+=("$(awk 'NF { v = $1 } END { printf "%.1f", v / 1024 }' "$work/walk-$i.time")")
done
cmd "/usr/bin/time -f %M env DK_BENCH_MEM=1 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D --script walk.script  (hook: VmHWM at exit)"
read -r m w < <(printf '%s\n' "${peak[@]}" | stats)
row "peak memory (VmHWM), all screens + images" "$m" "$w" MiB "$MEM_TARGET_MIB" "$c"
read -r m w < <(printf '%s\n' "${peak_time[@]}" | stats)
row "  the same by GNU time (max RSS)" "$m" "$w" MiB "$MEM_TARGET_MIB" "$c"
read -r m w < <(printf '%s\n' "${first_frame[@]}" | stats)
row "  resident at the first frame" "$m" "$w" MiB - "$c"
read -r m w < <(printf '%s\n' "${after_attract[@]}" | stats)
row "  resident after one attract loop round" "$m" "$w" MiB - "$c"
if [[ ${MEM_VARIANTS:-0} = 1 ]]; then
  # The kiosk fixes glibc's mmap threshold itself (main.c); what is left to choose is the
  # image budget. A later --set wins over one in KIOSK_ARGS.
  say "peak memory: what-if variants (image cache 8, 16 and 96 MiB)"
  walk var-cache8 -- --set image_cache_mb=8
  walk var-cache16 -- --set image_cache_mb=16
  wait
  walk var-cache96 -- --set image_cache_mb=96
  wait
  for mb in 8 16 96; do
    cmd "the walk with --set image_cache_mb=$mb"
    v=$(mib_of peak-rss-kb "$work/var-cache$mb.log")
    row "  what-if: image_cache_mb=$mb" "$v" "$v" MiB "$MEM_TARGET_MIB" "$c"
  done
fi

fi

# ---- 3. idle CPU ----
if want idle; then

xvfb_pid=""
display=""
if command -v Xvfb >/dev/null; then
  for n in $(seq 90 99); do
    [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
    Xvfb ":$n" -screen 0 "${W}x${H}x24" -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    display=":$n"
    sleep 1
    break
  done
fi
say "idle CPU: ${IDLE_S} s windows on home and attract, dummy driver${display:+ and X11 (Xvfb $display)}, one after another"
# settled LOG SCREEN: 0 once the kiosk drew the screen (home: the frame after the release of the
# injected tap; attract: the hero image), and 2 s have passed since, at most 30 s.
settled() {
  local t0=$EPOCHREALTIME
  while awk -v t="$t0" -v now="$EPOCHREALTIME" 'BEGIN { exit !(now - t < 30) }'; do
    if awk -v s="$2" '$1 == "frame" { n++; if ($4 >= 1 && $5 == 0) home++ }
        END { exit !(s == "home" ? home >= 1 : n >= 2) }' "$1" 2>/dev/null; then
      sleep 2
      return 0
    fi
    sleep 0.2
  done
  return 1
}
declare -A idle idle_frames
for r in $(seq "$IDLE_RUNS"); do
  for drv in dummy x11; do
    [[ $drv = x11 && -z $display ]] && continue
    for screen in home attract; do
      taps=""
      [[ $screen = home ]] && taps="1000:960,540" # touch anywhere on attract: home
      log=$work/idle-$drv-$screen-$r.log
      launch "$log" SDL_VIDEODRIVER=$drv DISPLAY="$display" DK_BENCH_TAPS="$taps" -- "${args[@]}" --data-dir "$data"
      settled "$log" "$screen" || say "idle: $drv $screen did not settle in 30 s"
      before=$(cpu_ticks "$pid")
      f0=$(grep -c '^frame ' "$log" || true)
      sleep "$IDLE_S"
      after=$(cpu_ticks "$pid")
      f1=$(grep -c '^frame ' "$log" || true)
      idle_frames[$drv-$screen]+="$((f1 - f0)) "
      idle[$drv-$screen]+="$(awk -v a="$before" -v b="$after" -v t="$clk_tck" -v s="$IDLE_S" \
        'BEGIN { printf "%.2f", (b - a) / t * 60 / s }') "
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" || true
    done
  done
done
if [[ -n $xvfb_pid ]]; then
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
fi
cmd "DK_BENCH_TAPS=1000:960,540 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D; utime+stime from /proc/PID/stat over ${IDLE_S} s, scaled to 60 s"
cd_=$c
cmd "the same with SDL_VIDEODRIVER=x11 DISPLAY=:N under Xvfb"
cx=$c
for key in dummy-home x11-home dummy-attract x11-attract; do
  [[ -z ${idle[$key]:-} ]] && continue
  read -r m w < <(tr ' ' '\n' <<<"${idle[$key]}" | grep . | stats)
  target=-
  [[ $key = *-home ]] && target=0.1
  row "idle CPU per 60 s, ${key/-/ driver, } screen" "$m" "$w" s "$target" "$([[ $key = x11* ]] && echo "$cx" || echo "$cd_")"
  read -r m w < <(tr ' ' '\n' <<<"${idle_frames[$key]}" | grep . | stats)
  row "  frames drawn in the ${IDLE_S} s window" "$m" "$w" "" - "$([[ $key = x11* ]] && echo "$cx" || echo "$cd_")"
done

fi

# ---- 4. scrolling ----
if want scroll; then

# scroll_run SCRIPT NAME: RUNS runs; frames from the press that opens the page on are scrolling
# frames (the page is laid out and drawn whole each time). Pairs the hook's frame lines (phase)
# with the kiosk's own DK_BENCH=2 lines (build / render split) by order.
scroll_run() {
  local script=$1 name=$2 first_phase=$3 i log all
  all=$work/$name-frames.txt
  : >"$all"
  local p99s=() p99c=()
  for i in $(seq "$SCROLL_RUNS"); do
    log=$work/$name-$i.log
    launch "$log" DK_BENCH=2 SDL_VIDEODRIVER=dummy -- "${args[@]}" --data-dir "$data" --script "$script"
    wait "$pid" || true
    grep '^frame-ms ' "$log.out" >"$log.kiosk" || true
    # hook: frame T DUR PHASE DOWN SHOT CPU; kiosk: frame-ms F build B render R commands N
    # -> frames file: wall build render present cpu
    paste -d' ' <(grep '^frame ' "$log") "$log.kiosk" |
      awk -v p="$first_phase" '$4 >= p && $6 == 0 {
        delete v
        for (i = 8; i < NF; i += 2) v[$i] = $(i + 1) # the kiosk line, read by name
        if (!("frame-ms" in v)) print $3, "-", "-", "-", $7
        else printf "%s %s %s %.3f %s\n", v["frame-ms"], v["build"], v["render"],
          v["frame-ms"] - v["build"] - v["render"], $7 }' >"$log.frames"
    cat "$log.frames" >>"$all"
    p99s+=("$(cut -d' ' -f1 "$log.frames" | pct 99)")
    p99c+=("$(cut -d' ' -f5 "$log.frames" | pct 99)")
  done
  read -r m w < <(printf '%s\n' "${p99s[@]}" | stats)
  read -r mc wc < <(printf '%s\n' "${p99c[@]}" | stats)
  echo "$m $w $mc $wc"
}

say "scrolling: the longest page (Termine, 51 dates, ~10,000 px), $SCROLL_RUNS runs of 32 drags"
read -r m w mc wc < <(scroll_run "$scroll_script" dates 3)
cmd "DK_BENCH=2 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D --script scroll-dates.script"
row "scroll longest page: frame time p99 per run" "$m" "$w" ms 8 "$c"
row "  the same in CPU time of the drawing thread" "$mc" "$wc" ms 8 "$c"
all=$work/dates-frames.txt
n=$(wc -l <"$all")
for col in 1:frame 5:cpu 2:build 3:render 4:present; do
  k=${col%%:*}
  label=${col#*:}
  p50=$(cut -d' ' -f"$k" "$all" | grep -v '^-$' | pct 50 || true)
  p99=$(cut -d' ' -f"$k" "$all" | grep -v '^-$' | pct 99 || true)
  case $label in
    frame) label="all $n frames pooled: p50 / p99" ;;
    cpu) label="  in CPU time: p50 / p99" ;;
    build) label="  build (dk_app_frame: layout) p50 / p99" ;;
    render) label="  render (queue SDL commands) p50 / p99" ;;
    present) label="  present (SDL rasterises) p50 / p99" ;;
  esac
  row "$label" "$p50" "$p99" ms - "$c"
done 2>/dev/null
mx=$(cut -d' ' -f1 "$all" | pct 100)
row "  slowest scrolling frame of all runs" "$mx" "$mx" ms - "$c"

say "scrolling: a district page with images (Aplerbeck, ~8,900 px), $SCROLL_RUNS runs of 24 drags"
read -r m w mc wc < <(scroll_run "$scroll_images" district 3)
cmd "DK_BENCH=2 LD_PRELOAD=dk_benchhook.so $kcmd --data-dir D --script scroll-district.script"
row "scroll district page: frame time p99 per run" "$m" "$w" ms 8 "$c"
row "  the same in CPU time of the drawing thread" "$mc" "$wc" ms 8 "$c"

fi

# ---- 5. optional: Chromium on a comparable static page ----
if want chromium && [[ ${CHROMIUM:-0} = 1 || " ${ONLY:-} " = *" chromium "* ]]; then
  if command -v chromium >/dev/null; then
    say "chromium: headless screenshot of a comparable static home page, $RUNS runs"
    bash "$root/tools/bench/home-page.sh" "$root" >"$work/home.html"
    cr_t=() cr_m=()
    for i in $(seq "$RUNS"); do
      prof=$(mktemp -d "$work/chromium-profile.XXXXXX")
      t=$EPOCHREALTIME
      chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
        --window-size=$W,$H --screenshot="$work/chromium-$i.png" "file://$work/home.html" \
        >/dev/null 2>&1 &
      cpid=$!
      peak_kb=0
      # Proportional set size (shared pages split between the processes that map them) summed
      # over Chromium's process tree, sampled every 20 ms; summed RSS would count shared
      # libraries once per process.
      while kill -0 "$cpid" 2>/dev/null; do
        tree=$(ps -e -o pid=,ppid= | awk -v r="$cpid" '{ pp[$1] = $2 }
          END { for (p in pp) { q = p; while (q != "" && q != r && q > 1) q = pp[q]; if (q == r) print p } }')
        kb=0
        for p in $tree; do
          kb=$((kb + $(awk '/^Pss:/ { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
        done
        ((kb > peak_kb)) && peak_kb=$kb
        sleep 0.02
      done
      wait "$cpid" || true
      cr_t+=("$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')")
      cr_m+=("$(awk -v k="$peak_kb" 'BEGIN { printf "%.0f", k / 1024 }')")
      rm -rf "$prof"
    done
    cmd "chromium --headless --no-sandbox --disable-gpu ... --window-size=$W,$H --screenshot=X.png file://home.html (wall; PSS summed over its processes every 20 ms)"
    read -r m w < <(printf '%s\n' "${cr_t[@]}" | stats)
    row "chromium: start -> screenshot written" "$m" "$w" ms - "$c"
    read -r m w < <(printf '%s\n' "${cr_m[@]}" | stats)
    row "chromium: peak memory (PSS, all processes)" "$m" "$w" MiB - "$c"
  else
    say "chromium: not installed (apt-get install chromium), skipped"
  fi
fi

# ---- the table ----

echo
echo "district-kiosk benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), SDL software renderer ${W}x${H}"
echo "load average at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "kiosk: $kiosk, built $(date -u -r "$kiosk" '+%Y-%m-%d %H:%M UTC'); source tree at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
printf '%-46s %10s %10s %-5s %-12s %-26s %s\n' "figure" "median" "worst" "unit" "target" "" "cmd"
printf '%s\n' "${rows[@]}"
echo
echo "commands (D: an installed data dir; scripts as written by this file into its work folder):"
for k in "${!cmds[@]}"; do printf '  [%d] %s\n' $((k + 1)) "${cmds[$k]}"; done
echo
echo "notes: worst = largest of the runs. MiB = 1,048,576 bytes: the memory target of 60 MB"
echo "(60,000,000 bytes) is $MEM_TARGET_MIB MiB. The dummy video driver (like kmsdrm) has no blocking wait:"
echo "SDL_WaitEventTimeout would poll every 1 ms, so the kiosk polls itself every 10 ms there; X11"
echo "(and Wayland) block. Frame times are draw(): build + render + SDL_RenderPresent, which is where"
echo "the software renderer rasterises."
