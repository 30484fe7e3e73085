# ui_common.bash: what the headless UI tests (tests/ui_*.sh) share: a temp dir, a frozen copy of
# the bundled content, running the kiosk on a script with a clear verdict, and the summary line.
# Sourced, not run (ctest runs tests/*.sh only). See tests/README-ui.md.
#
# Usage: ui_name=ui_screens; source "$(dirname "$0")/ui_common.bash"
#   ui_frozen_bundle               packs content/ with every date moved to 2098/2099 (below)
#   ui_spawn NAME SCRIPT [ARGS]    runs the kiosk on SCRIPT in the background (at most
#                                  ui_jobs at a time); ARGS go to the kiosk (--window, --set ...)
#   ui_collect NAME                waits for it and counts it as passed or failed
#   ui_check NAME COMMAND...       counts a shell-side check
#   ui_finish                      prints "NAME: N passed, M failed" and exits non-zero on failure

set -euo pipefail
: "${ui_name:?set ui_name before sourcing ui_common.bash}"
ui_kiosk=${DK_KIOSK:?set by ctest}
ui_src=${DK_SOURCE_DIR:?set by ctest}
ui_bin=${DK_BINARY_DIR:?set by ctest}
ui_hub=${DK_HUB:-$ui_bin/district-hub}

# No display anywhere: SDL's dummy video driver, the kiosk's software renderer. Without
# SDL_FRAMEBUFFER_ACCELERATION=0 SDL presents the software renderer's window surface through an
# OpenGL texture (Mesa's llvmpipe here): the same pixels for three times the CPU and 90 MB more.
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0
# A sanitizer build reports leaks at exit and stops on the first error (as deploy/run-tests sets).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ui_tmp=$(mktemp -d "${TMPDIR:-/tmp}/$ui_name.XXXXXX")
ui_pids=()
ui_cleanup() {
  local p
  # UI_KEEP=DIR keeps the generated scripts and the kiosk's output (for writing new tests).
  if [ -n "${UI_KEEP:-}" ]; then
    mkdir -p "$UI_KEEP" && cp "$ui_tmp"/*.txt "$ui_tmp"/*.log "$ui_tmp"/*.rss "$UI_KEEP"/ 2>/dev/null || true
  fi
  for p in "${ui_pids[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true # the timeout(1) of a run still going
    kill "$p" 2>/dev/null || true
  done
  rm -rf "$ui_tmp"
}
trap ui_cleanup EXIT
# What a failed run leaves for a person to look at (the script and the kiosk's output); removed
# at the start of the next run so that nothing stale lies around.
ui_failures="$ui_bin/ui-failures/$ui_name"
rm -rf "$ui_failures"

ui_sanitized=0
grep -q '^DK_SANITIZE:BOOL=ON' "$ui_bin/CMakeCache.txt" 2>/dev/null && ui_sanitized=1
ui_jobs=$((2 * $(nproc 2>/dev/null || echo 2)))
# A run mostly waits for its frames (about a third of a core each): two per core keep the cores
# busy without starving the tests ctest runs beside us.
# [s] one kiosk run may take; a sanitizer build renders about three times slower.
ui_timeout=${UI_TIMEOUT:-$((ui_sanitized ? 400 : 150))}
ui_pass=0
ui_fail=0

ui_failed_note() { # message: counts a failure and says what failed
  ui_fail=$((ui_fail + 1))
  echo "FAILED: $*"
}

ui_check() { # name, then a command that must succeed
  local name=$1
  shift
  if "$@"; then
    ui_pass=$((ui_pass + 1))
    echo "ok      $name"
  else
    ui_failed_note "$name"
  fi
}

# The bundled content with its calendar frozen: every date of content/dates moved from 2026/27 to
# 2098/99 (same month, day and time) and visibility windows ending in 2099, so that what the
# kiosk shows (upcoming dates, visible projects, element names) does not depend on today's date
# for the next seventy years. Everything else is the content as shipped.
ui_frozen_bundle() {
  local c="$ui_tmp/content"
  cp -r "$ui_src/content" "$c"
  sed -E -i 's/("(start|end)": *")2026-/\12098-/; s/("(start|end)": *")2027-/\12099-/' \
    "$c"/dates/*.json
  sed -E -i 's/("visible_(from|until)": *")20(26|27)-/\12099-/' "$c"/projects/*/project.json
  if grep -qE '"(start|end)": *"20(2[0-9]|3[0-9])-' "$c"/dates/*.json; then
    echo "ui_frozen_bundle: content/dates has dates outside 2026/27; extend the sed above" >&2
    return 1
  fi
  "$ui_hub" pack "$c" "$ui_tmp/bundle" >"$ui_tmp/pack.log" 2>&1 ||
    { cat "$ui_tmp/pack.log"; return 1; }
  ui_bundle="$ui_tmp/bundle"
}

# Runs the kiosk on a script in the background. Each run gets its own data dir (the bundle is
# installed at start, 0.1 s). The kiosk's output goes to $ui_tmp/NAME.log, its exit status to
# $ui_tmp/NAME.rc.
ui_spawn() {
  local name=$1 script=$2
  shift 2
  while [ "$(jobs -rp | wc -l)" -ge "$ui_jobs" ]; do wait -n || true; done
  (
    set +e
    timeout -k 5 "$ui_timeout" "$ui_kiosk" --software --data-dir "$ui_tmp/data-$name" \
      --bundle "${ui_bundle:-$ui_bin/bundle}" --script "$script" "$@" >"$ui_tmp/$name.log" 2>&1
    echo $? >"$ui_tmp/$name.rc"
  ) &
  ui_pids+=($!)
  echo "$script" >"$ui_tmp/$name.script"
}

# Why a kiosk exit status is bad, in words.
ui_status_text() {
  case $1 in
  0) echo "exit 0" ;;
  1) echo "exit 1 (failed expectations)" ;;
  124 | 137) echo "exit $1 (timed out after ${ui_timeout} s)" ;;
  134) echo "exit 134 (aborted: a crash or a sanitizer report)" ;;
  139) echo "exit 139 (segmentation fault)" ;;
  *) if [ "$1" -gt 128 ]; then echo "exit $1 (killed by signal $(($1 - 128)))"; else echo "exit $1"; fi ;;
  esac
}

# Waits for a run and judges it: passed when the kiosk exited 0 after printing its summary with
# no failure. On failure prints each failed expectation with the script line it came from and
# keeps the script and log in $ui_failures. Returns 0 if it passed.
ui_collect() {
  local name=$1 rc log script summary
  log="$ui_tmp/$name.log"
  script=$(cat "$ui_tmp/$name.script")
  while [ ! -e "$ui_tmp/$name.rc" ]; do wait -n 2>/dev/null || sleep 0.1; done
  rc=$(cat "$ui_tmp/$name.rc")
  summary=$(grep -a '^script: ' "$log" | tail -n 1 || true)
  if [ "$rc" = 0 ] && [ -n "$summary" ] && ! grep -aq '^FAIL ' "$log"; then
    ui_pass=$((ui_pass + 1))
    echo "ok      $name (${summary#script: })"
    return 0
  fi
  ui_failed_note "$name: $(ui_status_text "$rc"); ${summary:-no summary line: the script did not finish}"
  local line no
  while IFS= read -r line; do
    no=$(sed -nE 's/^FAIL line ([0-9]+):.*/\1/p' <<<"$line")
    echo "    $line"
    [ -n "$no" ] && echo "        script line $no: $(sed -n "${no}p" "$script")"
  done < <(grep -a '^FAIL ' "$log" | head -n 40)
  if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    echo "    last lines of the kiosk's output:"
    grep -av '^ok ' "$log" | tail -n 25 | sed 's/^/    | /'
  fi
  mkdir -p "$ui_failures"
  cp "$script" "$ui_failures/$name.script.txt"
  cp "$log" "$ui_failures/$name.log"
  echo "    script and output kept in $ui_failures/$name.{script.txt,log}"
  return 1
}

ui_finish() {
  echo "$ui_name: $ui_pass passed, $ui_fail failed"
  [ "$ui_fail" -eq 0 ]
}
