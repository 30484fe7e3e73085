#!/usr/bin/env bash
# A monkey: thousands of random touches (taps, drags, flings, swipes from the left edge) and
# now and then an idle reset, in landscape and portrait, with a seeded generator so that a run
# can be repeated. The kiosk must not crash, must not quit (no staff PIN is configured, so the
# staff screen cannot open) and must not leak: in a sanitizer build (DK_SANITIZE) ASan/LSan
# check every run at exit; in every build the kiosk's resident memory is sampled from
# /proc/PID/status while it runs and must level off once its caches are warm.
#
#   DK_MONKEY_TOUCHES=N  how many touches in all (default 3000; DK_LONG=1: 50000)
#   DK_MONKEY_SEED=S     the generator's seed (default 4711); run k uses S + k
#   DK_MONKEY_RUNS=R     how many kiosk runs share the touches (default: enough runs of at most
#                        3000 touches, at least 4 per core; they run side by side)
#
# The touches are spread over several kiosks running side by side because a touch takes about
# 0.2 s of real time (the script driver waits for frames) but only 0.03 s of CPU. The windows
# are half size (960x540 and 540x960 with the real screen's millimetres): the same layouts at a
# quarter of the pixels. See tests/README-ui.md.
ui_name=ui_monkey
# shellcheck source=tests/ui_common.bash
source "$(dirname "$0")/ui_common.bash"
ui_frozen_bundle

long=${DK_LONG:-0}
touches=${DK_MONKEY_TOUCHES:-$([ "$long" = 1 ] && echo 50000 || echo 3000)}
seed=${DK_MONKEY_SEED:-4711}
cores=$(nproc 2>/dev/null || echo 2)
runs=${DK_MONKEY_RUNS:-$(((touches + 2999) / 3000))}
[ -n "${DK_MONKEY_RUNS:-}" ] || [ "$runs" -ge $((4 * cores)) ] || runs=$((4 * cores))
per_run=$(((touches + runs - 1) / runs))
if [ "$per_run" -gt 3800 ]; then # a script holds at most 4096 commands (kiosk_script.c)
  echo "ui_monkey: $per_run touches per run is too many for one script; raise DK_MONKEY_RUNS"
  exit 2
fi
# Side by side: each kiosk needs a sixth of a core, so four per core. In a sanitizer build a
# kiosk grows to about 450 MB, most of it ASan's quarantine of freed memory (256 MB): there the
# quarantine is 64 MB unless ASAN_OPTIONS sets one, which keeps a kiosk near 200 MB.
ui_jobs=$((4 * cores))
if [ "$ui_sanitized" = 1 ] && [[ $ASAN_OPTIONS != *quarantine_size_mb* ]]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=64"
fi
# [s] a run may take: a touch takes 0.2 s (0.3 s with eight kiosks on two cores); allowed are
# 0.5 s, twice that in a sanitizer build, plus start-up.
ui_timeout=${UI_TIMEOUT:-$((per_run * (ui_sanitized ? 10 : 5) / 10 + 60))}
# Memory: a run's resident set may grow over its second half by at most this much [MB] (the text
# cache, 24 MiB, and the image cache, set to 8 MiB, still fill up then in a short run; in a run
# of 1000 touches and more they are warm by half time), and never exceed the ceiling [MB]
# (measured: about 72 MB once warm at 960x540).
slack_kb=$((${DK_MONKEY_RSS_SLACK_MB:-$([ "$per_run" -ge 1000 ] && echo 12 || echo 24)} * 1024))
ceiling_kb=$((${DK_MONKEY_RSS_MAX_MB:-160} * 1024))
echo "ui_monkey: $touches touches in $runs runs of $per_run, seed $seed; repeat with" \
  "DK_MONKEY_SEED=$seed DK_MONKEY_TOUCHES=$touches DK_MONKEY_RUNS=$runs"
# How long it will take: rounds of ui_jobs runs at 0.2 s a touch, or 0.035 s of CPU a touch
# shared by the cores, whichever is more. (50 000 touches take half an hour: more than ctest's
# 600 s timeout of script tests, so the long run is started directly; see tests/README-ui.md.)
estimate=$(((runs + ui_jobs - 1) / ui_jobs * per_run / 5))
cpu=$((touches * 35 / 1000 / cores))
[ "$cpu" -le "$estimate" ] || estimate=$cpu
echo "ui_monkey: expect about $((estimate / 60 + 1)) min"

# One run's script: W x H window; after every 50 touches "expect running" and "expect fits",
# after every 250 an idle warning and the reset that follows it (an idle dialog or a reset in
# the middle of a drag is part of the game).
generate() { # seed touches width height
  awk -v seed="$1" -v n="$2" -v w="$3" -v h="$4" '
    # Park and Miller minimal standard generator: exact in any awk (products below 2^53), so
    # the same seed gives the same touches everywhere.
    function rnd() { state = (state * 16807) % 2147483647; return state / 2147483647 }
    function ri(k) { return int(rnd() * k) }
    BEGIN {
      state = seed % 2147483646 + 1
      for (i = 0; i < 10; i++) rnd()
      print "# ui_monkey: seed " seed ", " n " touches, " w "x" h
      for (i = 1; i <= n; i++) {
        r = rnd()
        if (r < 0.66)      # a tap anywhere
          printf "tapxy %d %d\n", ri(w), ri(h)
        else if (r < 0.84) # a drag between two points, slow or quick
          printf "drag %d %d %d %d %d\n", ri(w), ri(h), ri(w), ri(h), 20 + ri(200)
        else if (r < 0.92) { # a swipe from the left edge (back)
          y = ri(h)
          printf "drag %d %d %d %d %d\n", ri(12), y, 60 + ri(w - 60), y + ri(80) - 40, 40 + ri(160)
        } else {           # a fling up or down
          x = ri(w)
          if (rnd() < 0.7) printf "drag %d %d %d %d %d\n", x, int(h * 0.8), x, ri(int(h / 4)), 40 + ri(100)
          else printf "drag %d %d %d %d %d\n", x, int(h * 0.2), x, h - 1 - ri(int(h / 4)), 40 + ri(100)
        }
        if (i % 50 == 0) { print "expect running"; print "expect fits" }
        if (i % 250 == 0) { print "advance 95000"; print "advance 35000" }
      }
      print "expect running"
    }'
}

# Runs the kiosk on a script in the background, sampling its resident memory once a second
# into NAME.rss ("seconds kB"); the verdict comes from ui_collect and rss_check.
spawn_sampled() { # name script args...
  local name=$1 script=$2
  shift 2
  while [ "$(jobs -rp | wc -l)" -ge "$ui_jobs" ]; do wait -n || true; done
  (
    set +e
    "$ui_kiosk" --software --data-dir "$ui_tmp/data-$name" --bundle "$ui_bundle" \
      --script "$script" "$@" >"$ui_tmp/$name.log" 2>&1 &
    pid=$!
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
      [ -n "$rss" ] && echo "$((SECONDS - start)) $rss" >>"$ui_tmp/$name.rss"
      if [ $((SECONDS - start)) -gt "$ui_timeout" ]; then
        kill "$pid" 2>/dev/null
        sleep 5
        kill -9 "$pid" 2>/dev/null
      fi
      sleep 1
    done
    wait "$pid"
    echo $? >"$ui_tmp/$name.rc"
  ) &
  ui_pids+=($!)
  echo "$script" >"$ui_tmp/$name.script"
}

# Resident memory levels off: the largest sample of the last fifth of the run is at most
# slack_kb above the largest of the samples between 40 % and 50 % of the run, and no sample
# exceeds ceiling_kb. A sanitizer build holds freed memory in its quarantine, so there the
# numbers are only reported: LSan judges leaks at exit.
rss_check() { # name
  local f=$ui_tmp/$1.rss verdict
  [ -s "$f" ] || { echo "    no memory samples"; return 1; }
  verdict=$(awk -v slack="$slack_kb" -v ceiling="$ceiling_kb" -v sanitized="$ui_sanitized" '
    { t[NR] = $1; kb[NR] = $2 }
    END {
      end = t[NR]
      for (i = 1; i <= NR; i++) {
        if (t[i] >= 0.4 * end && t[i] <= 0.5 * end && kb[i] > mid) mid = kb[i]
        if (t[i] >= 0.8 * end && kb[i] > last) last = kb[i]
        if (kb[i] > peak) peak = kb[i]
      }
      if (NR < 10 || mid == 0) { print "skip too short a run to judge (" NR " samples)"; exit }
      grow = last - mid
      msg = sprintf("resident %d MB at half time, %d MB at the end (%+d kB; peak %d MB; %d samples)",
                    mid / 1024, last / 1024, grow, peak / 1024, NR)
      if (sanitized) print "skip " msg " (sanitizer build: LSan judges)"
      else if (grow > slack) print "fail " msg ": more than " slack / 1024 " MB growth"
      else if (peak > ceiling) print "fail " msg ": above the ceiling of " ceiling / 1024 " MB"
      else print "ok " msg
    }' "$f")
  echo "    ${verdict#* }"
  [ "${verdict%% *}" != fail ]
}

names=()
for ((k = 0; k < runs; k++)); do
  n=$per_run
  [ $((k * per_run + n)) -le "$touches" ] || n=$((touches - k * per_run))
  [ "$n" -gt 0 ] || break
  if ((k % 2 == 0)); then
    size=(960 540)
    args=(--window 960x540)
  else
    size=(540 960)
    args=(--window 540x960 --set screen_width_mm=296 --set screen_height_mm=527)
  fi
  name=monkey-$k
  generate $((seed + k)) "$n" "${size[@]}" >"$ui_tmp/$name.txt"
  spawn_sampled "$name" "$ui_tmp/$name.txt" "${args[@]}" --set image_cache_mb=8
  names+=("$name")
done

for name in "${names[@]}"; do
  if ui_collect "$name"; then
    if [ "$ui_sanitized" = 1 ]; then
      ui_check "$name: memory sampled (LSan judged leaks at exit)" rss_check "$name"
    else
      ui_check "$name: memory levels off" rss_check "$name"
    fi
  else
    [ -s "$ui_tmp/$name.rss" ] && echo "    memory samples (s kB): $(tail -n 5 "$ui_tmp/$name.rss" | tr '\n' ' ')"
  fi
done

ui_finish
