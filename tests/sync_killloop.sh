#!/usr/bin/env bash
# Power cuts during a sync (issue 4): `district-kiosk --sync-once` installs release 2 (55 new
# objects, about 3.5 MiB, served at a limited rate so that a download takes a while) over
# release 1, and is killed again and again:
#   - kill -9 at a random moment of the whole run (download or switch);
#   - DK_FAULT_EXIT_AT=n: _exit at the n-th fault point of the run (dk_fault.h);
#   - DK_FAULT_EXIT_AT_SWITCH=k: _exit at the k-th fault point after the switch began, so that
#     every step of building, renaming and recording the new release is hit in turn.
# After every kill, before anything else touches the data folder, dk-synctool check asserts a
# complete release: content.db opens and passes its integrity checks, it is release 1 or 2 and
# holds exactly that release's content document (never a mixture), and every object of it is
# present with its length and SHA-256. Then the kiosk starts (--check) without falling back to
# the bundle. Every other round a further sync finishes the job and must install release 2;
# the other rounds leave the interrupted state for the next kill (partial files, resumes).
#
#   DK_SYNC_ROUNDS=N  rounds (default 30; ctest's sync_killloop_long runs 1000, label "long")
#   DK_SYNC_SEED=S    seed of the random choices (default: the time; printed for a rerun)
sync_name=sync_killloop
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
rounds=${DK_SYNC_ROUNDS:-30}
seed=${DK_SYNC_SEED:-$(date +%s)}
RANDOM=$seed
echo "sync_killloop: $rounds rounds, seed $seed"
make_fixtures
start_server "$tmp/good" --rate 5000000

ms() { date +%s%3N; }
d=$tmp/k

# Calibration: how long a whole sync takes, how many fault points it passes, and how many of
# them come after the switch began.
fresh_data "$d"
t0=$(ms)
DK_FAULT_EXIT_AT=1000000000 sync_once "$d"
took=$(($(ms) - t0))
points=$(sed -n 's/^fault points passed: //p' "$d.out")
[ "$rc" = 0 ] && has_release "$d" 2 || { echo "calibration failed:"; cat "$d.out"; exit 1; }
fresh_data "$d"
DK_FAULT_EXIT_AT_SWITCH=1000000000 sync_once "$d"
switch_points=$(sed -n 's/^fault points passed: //p' "$d.out")
[ "$rc" = 0 ] || { echo "calibration failed:"; cat "$d.out"; exit 1; }
echo "sync_killloop: a whole sync takes $took ms and passes $points fault points," \
  "$switch_points of them in the switch"

fresh_data "$d"
kills=0 exits=0 finished=0 olds=0 news=0 completions=0
for round in $(seq 1 "$rounds"); do
  if has_release "$d" 2 >/dev/null 2>&1; then
    fresh_data "$d" # start over from release 1
  fi
  case $((round % 3)) in
  0) # kill -9 at a random moment
    delay=$((RANDOM % (took + took / 5 + 1)))
    how="kill -9 after $delay ms"
    "$kiosk" --config "$d.conf" --set "hub_url=http://127.0.0.1:$port" --set sync_allow_http=true \
      --sync-once >"$d.out" 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null && rc=0 || rc=$?
    kills=$((kills + 1))
    ;;
  1) # exit at a random fault point of the whole run
    n=$((RANDOM % points + 1))
    how="DK_FAULT_EXIT_AT=$n"
    DK_FAULT_EXIT_AT=$n sync_once "$d"
    exits=$((exits + 1))
    ;;
  2) # exit at each fault point of the switch in turn
    k=$(((round / 3) % switch_points + 1))
    how="DK_FAULT_EXIT_AT_SWITCH=$k"
    DK_FAULT_EXIT_AT_SWITCH=$k sync_once "$d"
    exits=$((exits + 1))
    ;;
  esac
  [ "$rc" = 0 ] && finished=$((finished + 1))
  if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$rc" != 137 ]; then # 77: dk_fault's exit
    echo "FAILED: round $round ($how): the kiosk ended with exit $rc, not by the cut:"
    cat "$d.out"
    fail=$((fail + 1))
    break
  fi
  if ! "$tool" check "$d" --release-dir "$tmp/r1" --release-dir "$tmp/good" --bundle "$bundle" \
    >"$d.check" 2>&1; then
    echo "FAILED: round $round ($how, exit $rc): no complete release:"
    cat "$d.check" "$d.out"
    fail=$((fail + 1))
    break
  fi
  pass=$((pass + 1))
  grep -q "release 2" "$d.check" && news=$((news + 1)) || olds=$((olds + 1))
  if ! "$kiosk" --config "$d.conf" --check >"$d.start" 2>&1 ||
    grep -q "installed from the bundle" "$d.start"; then
    echo "FAILED: round $round ($how): the kiosk did not start with its synced content:"
    cat "$d.start"
    fail=$((fail + 1))
    break
  fi
  pass=$((pass + 1))
  if [ $((RANDOM % 2)) = 0 ]; then # finish the job: a clean sync must install release 2
    sync_once "$d"
    completions=$((completions + 1))
    if [ "$rc" != 0 ] || ! has_release "$d" 2; then
      echo "FAILED: round $round ($how): the next sync did not install release 2:"
      cat "$d.out"
      fail=$((fail + 1))
      break
    fi
    pass=$((pass + 1))
  fi
done
stop_server
echo "sync_killloop: $rounds rounds ($kills kill -9, $exits exits at fault points; $finished runs" \
  "finished before the kill): afterwards release 1 complete $olds times, release 2 complete" \
  "$news times, never anything else; $completions follow-up syncs all installed release 2"
sync_summary sync_killloop
