# signup_common.bash: what the registration delivery tests share (sourced, not run): a real hub
# (district-hub init, import, publish, device add, serve over plain HTTP on loopback), a kiosk
# data folder set up from the hub's settings snippet, registrations stored with
# tests/dk_signuptool.c exactly as the kiosk stores them, and looks at both ends.
#
# Usage: signup_name=signup_hub; source "$(dirname "$0")/signup_common.bash"
#   hub_setup               makes the hub in $tmp/hub and the kiosk's settings in $kdata.conf
#   hub_start / hub_kill    serve (sets $port, $hub_pid) / kill -9 it
#   kiosk_sync [ARGS]       district-kiosk --sync-once against the hub; output $kdata.out, $rc
#   hub_keys                the idempotency keys the hub stored, sorted
#   hub_names               the names of the records the hub stored (opened by `registrations
#                           list --all`), sorted
set -Eeuo pipefail
kiosk=${DK_KIOSK:?set by ctest}
hubbin=${DK_HUB:?set by ctest}
signuptool=${DK_SIGNUPTOOL:?set by ctest}
bin=${DK_BINARY_DIR:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dk-${signup_name:-signup}-XXXXXX")
kdata=$tmp/kiosk
hub_pid=
port=
pass=0 fail=0

signup_cleanup() {
  [ -z "$hub_pid" ] || kill -9 "$hub_pid" 2>/dev/null || true
  if [ -n "${DK_SIGNUP_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap signup_cleanup EXIT
trap 'echo "${signup_name:-signup}: stopped by a failing command at line $LINENO: $BASH_COMMAND"' ERR

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then
    pass=$((pass + 1))
  else
    echo "FAILED: $name"
    fail=$((fail + 1))
  fi
}

h() { "$hubbin" "$@" --config "$tmp/hub.conf"; }

hub_setup() {
  cat >"$tmp/hub.conf" <<EOF
data_dir = $tmp/hub
port = 0
allow_plain_http = true
EOF
  h init >"$tmp/hub-init.out" 2>&1
  h import "$src/content" >"$tmp/hub-import.out" 2>&1
  h publish >"$tmp/hub-publish.out" 2>&1
  h device add hall-hoerde >"$tmp/device.out" 2>&1
  mkdir -p "$kdata"
  {
    grep -E '^(trusted_keys|device_token|registration_pubkey) = ' "$tmp/device.out"
    echo "data_dir = $kdata"
    echo "bundle_dir = $bin/bundle"
    echo "sync_connect_timeout_s = 2"
    echo "sync_low_speed_time_s = 5"
    echo "registration_retry_min_s = 1"
    echo "registration_retry_max_s = 2"
  } >"$kdata.conf"
  pub=$(sed -n 's/^registration_pubkey = //p' "$kdata.conf")
  token=$(sed -n 's/^device_token = //p' "$kdata.conf") # must never show up in any output
  [ -n "$pub" ] && [ -n "$token" ] || { echo "device add printed no snippet:"; cat "$tmp/device.out"; exit 1; }
}

hub_start() {
  local log=$tmp/serve.log before now
  before=$(grep -c 'serving on' "$log" 2>/dev/null || true)
  "$hubbin" serve --config "$tmp/hub.conf" >>"$log" 2>&1 &
  hub_pid=$!
  port=
  for _ in $(seq 400); do
    now=$(grep -c 'serving on' "$log" 2>/dev/null || true)
    if [ "${now:-0}" -gt "${before:-0}" ]; then
      port=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | tail -1)
      break
    fi
    kill -0 "$hub_pid" 2>/dev/null || break
    sleep 0.025
  done
  [ -n "$port" ] || { echo "the hub did not start:"; tail -5 "$log"; exit 1; }
}

hub_kill() {
  [ -n "$hub_pid" ] || return 0
  kill -9 "$hub_pid" 2>/dev/null || true
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=
}

hub_stop() {
  [ -n "$hub_pid" ] || return 0
  kill -TERM "$hub_pid" 2>/dev/null || true
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=
}

# One `district-kiosk --sync-once` (content, then registrations) against the hub on $port.
kiosk_sync() {
  "$kiosk" --config "$kdata.conf" --set "hub_url=http://127.0.0.1:${port:-9}" \
    --set sync_allow_http=true "$@" --sync-once >"$kdata.out" 2>&1 && rc=0 || rc=$?
  cat "$kdata.out" >>"$tmp/all.out"
}

# Runs kiosk_sync until nothing waits (records that failed wait 1-2 s for their retry).
kiosk_drain() {
  local i
  for i in $(seq 1 "${1:-15}"); do
    kiosk_sync
    grep -q "^  registrations .* 0 waiting" "$kdata.out" && return 0
    sleep 1
  done
  cat "$kdata.out"
  return 1
}

hub_db() { sqlite3 -cmd '.timeout 5000' "$tmp/hub/hub.db" "$@"; }
hub_keys() { hub_db 'SELECT idem_key FROM registrations ORDER BY idem_key'; }
hub_names() {
  h registrations list --all 2>/dev/null | sed -n 's/^  name: *//p' | sort
}

signup_summary() {
  local name=$1
  if grep -qF -- "$token" "$tmp/all.out" "$tmp/serve.log" 2>/dev/null; then
    echo "FAILED: the device token appeared in an output"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
  echo "$name: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}
