#!/usr/bin/env bash
# Exactly once under kill -9 (issue 5). Round after round:
#   - registrations are stored as the kiosk's "Send" stores them (tests/dk_signuptool.c); in some
#     rounds the tool is killed -9 while it adds, in some it adds while the kiosk uploads. A
#     registration counts as confirmed ("Thank you" showed) when the tool printed its "ok" line,
#     which it does only after dk_outbox_add() returned: after the commit;
#   - `district-kiosk --sync-once` uploads (content, then the registrations) and is killed -9 at
#     a random moment, or ends itself at a random fault point of the upload
#     (DK_FAULT_EXIT_AT_UPLOAD: between the hub's 2xx and the kiosk's delete, inside the delete's
#     transaction, in a retry's);
#   - `district-hub serve` is killed -9 at a random moment too, and started again.
# At the end, with both running undisturbed until the outbox is empty: every confirmed
# registration is on the hub exactly once (by its idempotency key and by its content, opened
# with `district-hub registrations list`), no content twice, nothing the kiosk did not store,
# nothing left in the outbox or its quarantine.
#
#   DK_SIGNUP_ROUNDS=N  rounds (default 60; ctest's signup_killloop_long runs 1000, label "long")
#   DK_SIGNUP_SEED=S    seed of the random choices (default: the time; printed for a rerun)
signup_name=signup_killloop
# shellcheck source=tests/signup_common.bash
source "$(dirname "$0")/signup_common.bash"
rounds=${DK_SIGNUP_ROUNDS:-60}
seed=${DK_SIGNUP_SEED:-$(date +%s)}
RANDOM=$seed
echo "signup_killloop: $rounds rounds, seed $seed"
ms() { date +%s%3N; }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
hub_setup
hub_start
kiosk_sync # installs the hub's release: from now on a sync is mostly uploads
[ "$rc" = 0 ] || { echo "the first sync failed:"; cat "$kdata.out"; exit 1; }

# Calibration: how long a sync-once takes with nothing to send, and with 20 records. Half the
# kills come at any moment of a run, half while it uploads (after the content part).
t0=$(ms)
kiosk_sync
took_empty=$(($(ms) - t0))
"$signuptool" add "$kdata" "$pub" 20 --tag cal >>"$tmp/confirmed.raw"
t0=$(ms)
kiosk_sync
took=$(($(ms) - t0))
[ "$rc" = 0 ] && grep -q "20 delivered now" "$kdata.out" ||
  { echo "calibration failed:"; cat "$kdata.out"; exit 1; }
per_record=$(((took - took_empty) * 1000 / 20)) # [us]
[ "$per_record" -gt 100 ] || per_record=100
echo "signup_killloop: a sync-once takes $took_empty ms with nothing to send, $took ms" \
  "delivering 20 registrations"
check_every=$((rounds > 100 ? 50 : 10)) # opening every record on the hub takes a while

kiosk_kills=0 fault_exits=0 hub_kills=0 tool_kills=0 concurrent=0 clean=0 mid_upload=0
added=0
check_hub_unique() {
  local dups
  dups=$(hub_names | uniq -d)
  [ -z "$dups" ] || { echo "twice on the hub: $dups"; return 1; }
}
for round in $(seq 1 "$rounds"); do
  [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null || hub_start
  n=$((RANDOM % 36 + 5))
  on_hub=$(hub_db 'SELECT count(*) FROM registrations')
  tool_mode=$((RANDOM % 4)) # 0: killed while adding, 1: adds during the upload, else before
  out=$tmp/add.$round
  if [ "$tool_mode" = 0 ]; then
    "$signuptool" add "$kdata" "$pub" "$n" --tag "r$round" >"$out" 2>&1 &
    tpid=$!
    sleep_ms $((RANDOM % (n * 2 + 10)))
    kill -9 "$tpid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
    tool_kills=$((tool_kills + 1))
  elif [ "$tool_mode" != 1 ]; then
    "$signuptool" add "$kdata" "$pub" "$n" --tag "r$round" >"$out" 2>&1 ||
      { echo "FAILED: round $round: the tool could not add:"; cat "$out"; fail=$((fail + 1)); break; }
  fi

  # The hub: in a third of the rounds it dies at a random moment of the kiosk's run.
  hpid=
  if [ $((RANDOM % 3)) = 0 ]; then
    delay=$((RANDOM % (took + 1)))
    (sleep_ms "$delay"; kill -9 "$hub_pid" 2>/dev/null) &
    hpid=$!
    hub_kills=$((hub_kills + 1))
  fi
  # The kiosk: killed at a random moment, or ending at a fault point of the upload, or not.
  mode=$((RANDOM % 3))
  env=()
  if [ "$mode" = 1 ]; then
    env=(DK_FAULT_EXIT_AT_UPLOAD=$((RANDOM % 9 + 1)))
    fault_exits=$((fault_exits + 1))
  fi
  env "${env[@]}" "$kiosk" --config "$kdata.conf" --set "hub_url=http://127.0.0.1:$port" \
    --set sync_allow_http=true --sync-once >"$kdata.out" 2>&1 &
  kpid=$!
  if [ "$tool_mode" = 1 ]; then # a visitor sends while the worker uploads
    "$signuptool" add "$kdata" "$pub" "$n" --tag "r$round" >"$out" 2>&1 ||
      { echo "FAILED: round $round: the tool could not add beside the upload:"; cat "$out"; fail=$((fail + 1)); }
    concurrent=$((concurrent + 1))
  fi
  if [ "$mode" = 0 ]; then
    if [ $((RANDOM % 2)) = 0 ]; then
      sleep_ms $((RANDOM % (took + took / 5 + 1)))
    else # while the upload runs, by the calibration
      sleep_ms $((took_empty * 9 / 10 + RANDOM % ((n + 5) * per_record / 1000 + 1)))
    fi
    kill -9 "$kpid" 2>/dev/null || true
    kiosk_kills=$((kiosk_kills + 1))
  fi
  wait "$kpid" 2>/dev/null && rc=0 || rc=$?
  # A kill that came after the hub had stored some of this run's records: mid-upload.
  [ "$rc" = 137 ] && [ "$(hub_db 'SELECT count(*) FROM registrations')" -gt "$on_hub" ] &&
    mid_upload=$((mid_upload + 1))
  cat "$kdata.out" >>"$tmp/all.out"
  [ -z "$hpid" ] || wait "$hpid" 2>/dev/null || true
  [ "$rc" = 0 ] && clean=$((clean + 1))
  # 0 done, 1 the content part failed (the hub died), 77 a fault point's exit, 137 kill -9.
  case $rc in
  0 | 1 | 77 | 137) ;;
  *)
    echo "FAILED: round $round: the kiosk ended with exit $rc, not by a cut:"
    cat "$kdata.out"
    fail=$((fail + 1))
    break
    ;;
  esac
  grep -h '^ok ' "$out" >>"$tmp/confirmed.raw" 2>/dev/null || true
  added=$((added + $(grep -c '^ok ' "$out" 2>/dev/null || true)))
  if ! "$signuptool" stats "$kdata" >"$tmp/stats" 2>&1; then
    echo "FAILED: round $round: the outbox does not open after the cut:"
    cat "$tmp/stats"
    fail=$((fail + 1))
    break
  fi
  if [ $((round % check_every)) = 0 ]; then
    [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null || hub_start
    if ! check_hub_unique; then
      echo "FAILED: round $round: a registration is stored twice"
      fail=$((fail + 1))
      break
    fi
  fi
done

# Both undisturbed: whatever waits goes now.
[ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null || hub_start
check "at the end the outbox drains" kiosk_drain 20
"$signuptool" stats "$kdata" >"$tmp/stats"
check "nothing waits, nothing was refused" grep -q "^backlog 0 due 0 quarantined 0$" "$tmp/stats"
sort -u "$tmp/confirmed.raw" >"$tmp/confirmed"
confirmed=$(wc -l <"$tmp/confirmed")
hub_keys >"$tmp/hub.keys"
hub_names >"$tmp/hub.names"
stored=$(wc -l <"$tmp/hub.keys")
check "every confirmed registration's key is on the hub" \
  test -z "$(comm -23 <(cut -d' ' -f2 "$tmp/confirmed" | sort) "$tmp/hub.keys")"
check "no content is on the hub twice" test -z "$(uniq -d "$tmp/hub.names")"
check "every confirmed registration's content is on the hub exactly once" \
  test -z "$(comm -23 <(sed 's/^ok [0-9a-f]* /Jürgen Weiß-Çelik /' "$tmp/confirmed" | sort) "$tmp/hub.names")"
check "the hub opened every record it holds (one name per key)" test "$(wc -l <"$tmp/hub.names")" = "$stored"
check "the hub holds nothing the kiosk did not store" \
  test -z "$(grep -v '^Jürgen Weiß-Çelik \(cal\|r[0-9]*\)-[0-9]*$' "$tmp/hub.names" || true)"
replays=$(grep -c 'POST /api/v1/registrations 200 .* replay' "$tmp/serve.log" || true)
hub_stop
echo "signup_killloop: $rounds rounds ($kiosk_kills kiosk kill -9 ($mid_upload of them after the" \
  "hub had stored some of that run's records), $fault_exits exits at upload" \
  "fault points, $hub_kills hub kill -9, $tool_kills tool kill -9 while adding, $concurrent" \
  "rounds adding during the upload, $clean undisturbed runs): $confirmed confirmed" \
  "registrations, $stored on the hub (the rest committed, but the tool was killed before its" \
  "\"Thank you\"); $replays replays answered after a lost reply"
signup_summary signup_killloop
