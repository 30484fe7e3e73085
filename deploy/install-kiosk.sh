#!/usr/bin/env bash
# Prepares this machine to run district-kiosk as a service (docs/deploy.md): the system user, the
# settings folder and a settings file from the example, and systemd's view of the unit. Run it as
# root after `cmake --install`; PREFIX is the install prefix (default /usr/local). Idempotent: what
# exists is kept, and an existing settings file is never changed. It does not enable the service.
set -euo pipefail
prefix=${1:-/usr/local}
user=district-kiosk
conf_dir=/etc/district-kiosk
conf=$conf_dir/kiosk.conf
fail() { echo "install-kiosk: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run this as root: it creates the user $user and $conf_dir"
bin=$prefix/bin/district-kiosk
unit=$prefix/lib/systemd/system/district-kiosk.service
example=$prefix/share/district-kiosk/examples/kiosk.conf
for f in "$bin" "$unit" "$example"; do
  [ -e "$f" ] || fail "$f is missing: build and install first (cmake --install build), or name the install prefix: $0 PREFIX"
done
grep -q "^ExecStart=$bin " "$unit" ||
  fail "$unit does not start $bin: it was built for another prefix; configure with -DCMAKE_INSTALL_PREFIX=$prefix and install again"
# The unit adds these groups to the kiosk's user: the display (video, render), touch (input) and
# speech (audio). udev creates them on Debian 12; without one the unit cannot start.
for group in video render input audio; do
  getent group "$group" >/dev/null ||
    fail "the group '$group' does not exist (udev and systemd make it on Debian 12): the kiosk needs it for the display, touch or sound"
done

if ! getent passwd "$user" >/dev/null; then
  group_opt=(--user-group)
  getent group "$user" >/dev/null && group_opt=(--gid "$user")
  useradd --system "${group_opt[@]}" --home-dir /var/lib/district-kiosk --no-create-home \
    --shell /usr/sbin/nologin --comment "district-kiosk touch kiosk" "$user"
  echo "install-kiosk: created the system user $user"
fi
install -d -m 0750 -o root -g "$user" "$conf_dir"
if [ -e "$conf" ]; then
  echo "install-kiosk: kept $conf"
  # It holds the device token.
  if [ -n "$(find "$conf" -perm /o=rwx)" ]; then
    echo "install-kiosk: warning: $conf is open to every user, and it holds the device token:" \
      "chown root:$user $conf && chmod 640 $conf" >&2
  fi
else
  tmp=$(mktemp "$conf.XXXXXX") # beside it, so that the rename is atomic
  trap 'rm -f "$tmp"' EXIT
  cp "$example" "$tmp"
  chown "root:$user" "$tmp"
  chmod 0640 "$tmp"
  mv "$tmp" "$conf"
  trap - EXIT
  echo "install-kiosk: wrote $conf from $example"
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
else
  echo "install-kiosk: systemd is not running here: run 'systemctl daemon-reload' once it is"
fi
cat <<EON
install-kiosk: done. Next (docs/deploy.md):
  1. edit $conf: this hall's district, the screen's size, the staff PIN
     hash, and the lines that 'district-hub device add NAME' printed on the hub
  2. systemctl enable --now district-kiosk
  3. journalctl -u district-kiosk -b    (the kiosk's log)
EON
