#!/usr/bin/env bash
# A long outage (issue 5): 10,000 registrations queue up on the kiosk while the hub is
# unreachable (a sync in between fails and leaves them all there); then the hub comes up and one
# `district-kiosk --sync-once` delivers every one of them, exactly once, oldest first. Prints the
# figures of the issue's "Speed" section: registrations stored per second on the kiosk (each one
# sealed and committed on its own, as "Send" does), and the time to upload 10,000 queued
# registrations to the hub (each stored durably there before its answer).
#
#   DK_SIGNUP_BACKLOG=N  how many (default 10000)
signup_name=signup_backlog
# shellcheck source=tests/signup_common.bash
source "$(dirname "$0")/signup_common.bash"
n=${DK_SIGNUP_BACKLOG:-10000}
ms() { date +%s%3N; }
hub_setup
hub_start
kiosk_sync # the release, so that the runs below are about registrations
hub_stop
check "the first sync installed the hub's release (exit $rc)" test "$rc" = 0

t0=$(ms)
"$signuptool" add "$kdata" "$pub" "$n" --tag q >"$tmp/added"
took_add=$(($(ms) - t0))
check "$n registrations stored" test "$(grep -c '^ok ' "$tmp/added")" = "$n"

port=9 # nothing listens there: the hub is unreachable
kiosk_sync
check "with the hub unreachable the sync fails (exit $rc)" test "$rc" = 1
check "... and every registration waits" grep -q "0 delivered now, $n waiting" "$kdata.out"
check "... the staff line says why" grep -q "^  staff screen .*registrations wait: cannot connect" "$kdata.out"

hub_start
sleep 1.5 # the one record that was tried is due again after registration_retry_min_s (+-20 %)
t0=$(ms)
kiosk_sync
took_up=$(($(ms) - t0))
check "the hub up: the sync works (exit $rc)" test "$rc" = 0
check "the hub up: all $n delivered in one run" grep -q "$n delivered now, 0 waiting, 0 refused" "$kdata.out"
check "the hub holds $n" test "$(hub_db 'SELECT count(*) FROM registrations')" = "$n"
check "... each key once, exactly the keys the kiosk stored" \
  diff <(cut -d' ' -f2 "$tmp/added" | sort) <(hub_keys)
check "... in the order they were stored (oldest first)" \
  diff <(cut -d' ' -f2 "$tmp/added") <(hub_db 'SELECT idem_key FROM registrations ORDER BY id')
check "... each content once" test "$(hub_names | uniq | wc -l)" = "$n"
"$signuptool" stats "$kdata" >"$tmp/stats"
check "the outbox is empty" grep -q "^backlog 0 due 0 quarantined 0$" "$tmp/stats"
hub_stop
rate_add=$((n * 1000 / (took_add > 0 ? took_add : 1)))
rate_up=$((n * 1000 / (took_up > 0 ? took_up : 1)))
echo "signup_backlog: stored $n registrations on the kiosk in $took_add ms ($rate_add/s, each" \
  "sealed and committed on its own)"
echo "signup_backlog: time to upload $n queued registrations: $took_up ms ($rate_up/s, one" \
  "sync-once, each stored durably by the hub before its answer)"
signup_summary signup_backlog
