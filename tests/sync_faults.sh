#!/usr/bin/env bash
# Content sync under faults and attacks (issue 4, ../shared/SYNC.md): each case runs
# `district-kiosk --sync-once` against tests/dk_testserver.c misbehaving in one way, then asserts
#   1. the cycle fails (exit 1; 3 for a stale timestamp) and says what happened in plain words,
#      both as the outcome and as "last error" in the status;
#   2. the kiosk still has a complete, verified release, the old one (content.db opens and passes
#      its integrity check, holds that release's content document, every object is there with
#      its length and SHA-256: dk-synctool check);
#   3. a following cycle against a well-behaved server succeeds and installs the new release.
# TLS faults (wrong host, untrusted CA, pin) are in sync_tls.sh, disk full in test_sync.c.
sync_name=sync_faults
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
make_fixtures

# More release folders.
"$tool" release "$tmp/c2" "$tmp/unknown" --key "$tmp/other" --version 2 >/dev/null
cp -r "$tmp/good" "$tmp/expired" # the genuine timestamp of release 2, replayed after it expired
"$tool" timestamp "$tmp/expired" --key "$tmp/key" --manifest 2 --ts-version 150 \
  --ts-issued -90000 --ts-expires -3600
cp -r "$tmp/r1" "$tmp/expiredmanifest" # release 2 whose manifest has expired
"$tool" release "$tmp/c2" "$tmp/expiredmanifest" --key "$tmp/key" --version 2 --issued -7200 \
  --expires -3600 >/dev/null
cp -r "$tmp/good" "$tmp/good3" # release 3, for the cases that start from release 2
"$tool" release "$tmp/c3" "$tmp/good3" --key "$tmp/key" --version 3 >/dev/null
cp -r "$tmp/good" "$tmp/rollback" # release 1 again, under a new, validly signed timestamp
"$tool" timestamp "$tmp/rollback" --key "$tmp/key" --manifest 1 --ts-version 300
extra_release_dir=$tmp/good3

n=0
# run_case NAME WORDS EXIT OLD NEW FAULT_DIR RECOVER_DIR FROM [dk-testserver flags...]
#   FROM is "template" (release 1) or "release2" (the template synced to release 2 first).
run_case() {
  local name=$1 words=$2 want_rc=$3 old=$4 new=$5 fault_dir=$6 recover_dir=$7 from=$8
  shift 8
  n=$((n + 1))
  local d=$tmp/d$n
  fresh_data "$d"
  if [ "$from" = release2 ]; then
    start_server "$tmp/good"
    sync_once "$d"
    stop_server
  fi
  if [ "$fault_dir" = down ]; then # a port where nothing listens
    start_server "$tmp/good"
    stop_server
  else
    start_server "$fault_dir" "$@"
  fi
  sync_once "$d"
  stop_server
  check "$name: the cycle fails (exit $want_rc, got $rc)" test "$rc" = "$want_rc"
  check "$name: the outcome says /$words/" grep -Eq "^sync: (failed|stale): .*($words)" "$d.out"
  check "$name: the status shows it" grep -Eq "^  last error +.*($words)" "$d.out"
  check "$name: release $old is still complete and verified" has_release "$d" "$old"
  cp "$d.out" "$d.fault.out"
  : >"$tmp/server.log"
  start_server "$recover_dir" ${recover_flags:-}
  sync_once "$d"
  stop_server
  check "$name: the next cycle succeeds (exit $rc)" test "$rc" = 0
  check "$name: ... and installs release $new" has_release "$d" "$new"
  check "$name: ... and the status is clear" grep -Eq "^  last error +none" "$d.out"
  if [ "$fail" != 0 ] && [ -z "${shown_once:-}" ]; then
    shown_once=1
    echo "--- $name: fault run"; cat "$d.fault.out"; echo "--- recovery run"; cat "$d.out"
  fi
}

G=$tmp/good
run_case "hub down" "cannot connect to the server .* not running" 1 1 2 down "$G" template
run_case "connection reset in the middle of an object" "broke off .* reset" 1 1 2 "$G" "$G" \
  template --fault "reset@/objects/#1"
check "reset: the next cycle continued the partial object with a range request" \
  grep -Eq "^GET /objects/[0-9a-f]+ range=[1-9][0-9]* status=206" "$tmp/server.log"
recover_flags=--no-range run_case "reset, then a server that ignores ranges (200 to a range)" \
  "broke off" 1 1 2 "$G" "$G" template --fault "reset@/objects/#1"
check "no-range: the range request was answered with the whole file" \
  grep -Eq "^GET /objects/[0-9a-f]+ range=-1 status=200" "$tmp/server.log"
run_case "connection closed early" "ended before .* was complete" 1 1 2 "$G" "$G" template \
  --fault "close@/objects/#1"
run_case "truncated object" "is incomplete: the server sent [0-9]+ of [0-9]+ bytes" 1 1 2 "$G" \
  "$G" template --fault "truncate@/objects/#1"
run_case "one corrupted byte" "does not match its SHA-256" 1 1 2 "$G" "$G" template \
  --fault "corrupt@/objects/#1"
run_case "wrong hash (another object's bytes)" "does not match its SHA-256" 1 1 2 "$G" "$G" \
  template --fault "swap@/objects/#1"
run_case "bad signature" "signature by trusted key .* does not match" 1 1 2 "$G" "$G" template \
  --fault "badsig@/timestamp.signed"
run_case "signature by an unknown key" "not signed by a key this kiosk trusts" 1 1 2 \
  "$tmp/unknown" "$G" template
run_case "rollback to an older release" "older than release 2 .*\(rollback\)" 1 2 3 \
  "$tmp/rollback" "$tmp/good3" release2
run_case "replay of an older timestamp" "older than timestamp 200 .* replay" 1 2 3 "$tmp/r1" \
  "$tmp/good3" release2
run_case "replay of an expired timestamp" "timestamp expired on .* stale" 3 1 2 "$tmp/expired" \
  "$G" template
check "expired: the status says stale" grep -Eq "^  stale +yes" "$tmp/d$n.fault.out"
check "expired: after recovery it is not stale" grep -Eq "^  stale +no" "$tmp/d$n.out"
run_case "an expired manifest" "manifest of release 2 expired on" 1 1 2 "$tmp/expiredmanifest" \
  "$G" template
run_case "a manifest longer than announced" "longer than the [0-9]+ bytes the timestamp announces" \
  1 1 2 "$G" "$G" template --fault "extra:64@/manifests/"
run_case "a manifest that is not the one announced" "does not match the timestamp" 1 1 2 "$G" \
  "$G" template --fault "corrupt@/manifests/"
run_case "an endless object" "sent more than the [0-9]+ bytes" 1 1 2 "$G" "$G" template \
  --fault "endless@/objects/"
run_case "an endless timestamp" "larger than 4096 bytes" 1 1 2 "$G" "$G" template \
  --fault "endless@/timestamp.signed"
run_case "a slow drip below the low-speed limit" "less than 1000 bytes/s for 2 s" 1 1 2 "$G" \
  "$G" template --fault "drip@/objects/"
run_case "HTTP 500s" "server error \(500\)" 1 1 2 "$G" "$G" template --fault "status:500"
run_case "HTTP 503 for objects only" "server error \(503\)" 1 1 2 "$G" "$G" template \
  --fault "status:503@/objects/"
run_case "a redirect to plain HTTP" "redirects .* to http://.* follows no redirects" 1 1 2 "$G" \
  "$G" template --fault "redirect@/timestamp.signed"

# Plain http is refused for anything but loopback, and without sync_allow_http.
d=$tmp/plain
fresh_data "$d"
start_server "$G"
"$kiosk" --config "$d.conf" --set "hub_url=http://127.0.0.1:$port" --sync-once >"$d.out" 2>&1 &&
  rc_noallow=0 || rc_noallow=$?
"$kiosk" --config "$d.conf" --set "hub_url=http://example.org" --set sync_allow_http=true \
  --sync-once >"$d.out2" 2>&1 && rc_remote=0 || rc_remote=$?
stop_server
check "plain http without sync_allow_http is refused (exit 2)" test "$rc_noallow" = 2
check "... and says so" grep -q "must start with https://" "$d.out"
check "plain http to a remote host is refused even when allowed" test "$rc_remote" = 2
check "the data folder is untouched by refused settings" has_release "$d" 1

# Conditional GET, heartbeat, token.
d=$tmp/hb
fresh_data "$d"
: >"$tmp/heartbeats.log"
start_server "$G"
sync_once "$d"
: >"$tmp/server.log"
sync_once "$d"
stop_server
check "second cycle: unchanged timestamp answered 304" \
  grep -q "^GET /timestamp.signed range=-1 status=304" "$tmp/server.log"
check "second cycle: release 2 is current" grep -q "^sync: ok: release 2 is current" "$d.out"
check "second cycle fetches nothing else" test "$(grep -c '^GET' "$tmp/server.log")" = 1
check "heartbeats reached the hub with the token" test "$(wc -l <"$tmp/heartbeats.log")" = 2
check "heartbeat fields" grep -q '"content_version":2,.*"last_result":"ok".*"stale":false' \
  "$tmp/heartbeats.log"
start_server "$G" --token wrong-token
sync_once "$d"
stop_server
check "a refused heartbeat does not fail the sync" test "$rc" = 0
check "a refused heartbeat is reported in plain words" \
  grep -q "heartbeat .*refused access .*401.*device token is not known" "$d.out"

# Old objects go only after a switch, and only those that neither the new release, the one
# before it (the screens may still show it until their next reset) nor the bundle needs.
check "the switch to release 2 deleted nothing (release 1 is on screen until a reset)" \
  test -z "$(comm -23 <(cat <("$tool" objects "$tmp/r1/manifests/1.signed") \
    <(ls "$bundle/objects") | sort -u) <(ls "$d/objects" | sort))"
start_server "$tmp/good3"
sync_once "$d"
stop_server
check "release 3 installed" has_release "$d" 3
sort -u <("$tool" objects "$tmp/good3/manifests/3.signed") \
  <("$tool" objects "$tmp/good3/manifests/2.signed") <(ls "$bundle/objects") >"$tmp/keep"
check "after the switch to 3: exactly releases 3 and 2 and the bundle are kept" \
  diff "$tmp/keep" <(ls "$d/objects" | sort)
check "no partial files are left after a success" test -z "$(ls -A "$d/partial")"

sync_summary sync_faults
