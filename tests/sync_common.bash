# sync_common.bash: fixtures and helpers shared by the sync shell tests (sourced, not run).
#
# Releases are made with tests/dk_synctool.c from copies of content/:
#   r1     release 1: the bundled content with one line added to a page
#   good   releases 1 and 2 (timestamp names 2): release 2 changes a page and every image, so
#          installing it downloads all 55 objects (about 3.5 MiB)
# $template is a kiosk data folder that installed the bundle and then synced release 1.
set -Eeuo pipefail
kiosk=${DK_KIOSK:?set by ctest}
server=${DK_TESTSERVER:?set by ctest}
tool=${DK_SYNCTOOL:?set by ctest}
bin=${DK_BINARY_DIR:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
bundle=$bin/bundle
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dk-${sync_name:-sync}-XXXXXX")
token="tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" # must never show up in any output
server_pid=
pass=0 fail=0

sync_cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  if [ -n "${DK_SYNC_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap sync_cleanup EXIT
trap 'echo "${sync_name:-sync}: stopped by a failing command at line $LINENO: $BASH_COMMAND"' ERR

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then
    pass=$((pass + 1))
  else
    echo "FAILED: $name"
    fail=$((fail + 1))
  fi
}

# Starts dk-testserver on DIR with extra flags; sets $port and $server_pid.
start_server() {
  local dir=$1; shift
  rm -f "$tmp/port"
  "$server" --root "$dir" --port-file "$tmp/port" --log "$tmp/server.log" --token "$token" \
    --heartbeats "$tmp/heartbeats.log" "$@" >/dev/null 2>"$tmp/server.err" &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  port=$(cat "$tmp/port")
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}

# Writes the kiosk's settings for data folder $1 (more "key = value" lines as further arguments).
write_config() {
  local data=$1; shift
  {
    echo "data_dir = $data"
    echo "bundle_dir = $bundle"
    echo "trusted_keys = $(cat "$tmp/key.pub")"
    echo "device_token = $token"
    echo "sync_connect_timeout_s = 3"
    echo "sync_low_speed_bytes_s = 1000"
    echo "sync_low_speed_time_s = 2"
    echo "sync_cycle_deadline_s = 120"
    for line in "$@"; do echo "$line"; done
  } >"$data.conf"
}

# Runs one `district-kiosk --sync-once` for data folder $1 against http://127.0.0.1:$port;
# output in $1.out (appended to $tmp/all.out), exit status in $rc.
sync_once() {
  local data=$1; shift
  # (in a list, so that a failing run neither stops the script nor fires the ERR trap)
  "$kiosk" --config "$data.conf" --set "hub_url=http://127.0.0.1:$port" --set sync_allow_http=true \
    "$@" --sync-once >"$data.out" 2>&1 && rc=0 || rc=$?
  cat "$data.out" >>"$tmp/all.out"
}

# Makes the keys, the content copies, the releases and the template data folder.
make_fixtures() {
  "$tool" keygen "$tmp/key" >"$tmp/key.pub"
  "$tool" keygen "$tmp/other" >"$tmp/other.pub"
  cp -r "$src/content" "$tmp/c1"
  echo "Stand: Release 1" >>"$tmp/c1/pages/about/body.de.md"
  cp -r "$tmp/c1" "$tmp/c2"
  echo "Stand: Release 2" >>"$tmp/c2/pages/about/body.de.md"
  find "$tmp/c2" -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.webp' \) \
    -exec sh -c 'printf "release 2" >>"$1"' _ {} \;
  cp -r "$tmp/c2" "$tmp/c3"
  echo "Stand: Release 3" >>"$tmp/c3/pages/about/body.de.md"
  "$tool" release "$tmp/c1" "$tmp/r1" --key "$tmp/key" --version 1 >/dev/null
  "$tool" release "$tmp/c1" "$tmp/good" --key "$tmp/key" --version 1 >/dev/null
  "$tool" release "$tmp/c2" "$tmp/good" --key "$tmp/key" --version 2 >/dev/null
  template=$tmp/template
  mkdir -p "$template"
  write_config "$template"
  start_server "$tmp/r1"
  sync_once "$template"
  stop_server
  if [ "$rc" != 0 ] ||
    ! "$tool" check "$template" --release-dir "$tmp/r1" --expect 1 >/dev/null; then
    echo "sync: cannot make the template data folder:"
    cat "$template.out"
    exit 1
  fi
}

# A fresh copy of the template as data folder $1.
fresh_data() {
  local d=$1; shift
  rm -rf "$d" "$d.conf"
  cp -a "$template" "$d"
  write_config "$d" "$@"
}

# Asserts that data folder $1 holds release $2, complete and verified.
has_release() {
  "$tool" check "$1" ${extra_release_dir:+--release-dir "$extra_release_dir"} \
    --release-dir "$tmp/r1" --release-dir "$tmp/good" --bundle "$bundle" --expect "$2" \
    >/dev/null 2>"$1.check" || { cat "$1.check"; return 1; }
}

sync_summary() {
  local name=$1
  if grep -q -- "$token" "$tmp/all.out" 2>/dev/null; then
    echo "FAILED: the device token appeared in the kiosk's output"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
  echo "$name: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}
