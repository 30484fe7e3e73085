#!/usr/bin/env bash
# Prepares this machine to run district-hub as a service (docs/deploy.md): the system user, the
# settings folder and a settings file from the example, a folder for the TLS certificate, the data
# folder (so that `district-hub init` can run before the first start) and the web root that
# district-hub-export fills. Run it as root after `cmake --install`; PREFIX is the install prefix
# (default /usr/local). Idempotent: what exists is kept, and an existing settings file is never
# changed. It does not enable the services.
set -euo pipefail
prefix=${1:-/usr/local}
user=district-hub
conf_dir=/etc/district-hub
conf=$conf_dir/hub.conf
data_dir=/var/lib/district-hub
web_root=/var/www/kiosk-release # district-hub-export.service writes here (ReadWritePaths=)
fail() { echo "install-hub: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run this as root: it creates the user $user, $conf_dir and $data_dir"
bin=$prefix/bin/district-hub
units=$prefix/lib/systemd/system
example=$prefix/share/district-kiosk/examples/hub.conf
for f in "$bin" "$units/district-hub.service" "$units/district-hub-export.service" \
  "$units/district-hub-export.timer" "$example"; do
  [ -e "$f" ] || fail "$f is missing: build and install first (cmake --install build), or name the install prefix: $0 PREFIX"
done
grep -q "^ExecStart=$bin " "$units/district-hub.service" ||
  fail "$units/district-hub.service does not start $bin: it was built for another prefix; configure with -DCMAKE_INSTALL_PREFIX=$prefix and install again"

if ! getent passwd "$user" >/dev/null; then
  group_opt=(--user-group)
  getent group "$user" >/dev/null && group_opt=(--gid "$user")
  useradd --system "${group_opt[@]}" --home-dir "$data_dir" --no-create-home \
    --shell /usr/sbin/nologin --comment "district-hub content hub" "$user"
  echo "install-hub: created the system user $user"
fi
install -d -m 0750 -o root -g "$user" "$conf_dir" "$conf_dir/tls"
install -d -m 0700 -o "$user" -g "$user" "$data_dir"
install -d -m 0755 -o "$user" -g "$user" "$web_root"
if [ -e "$conf" ]; then
  echo "install-hub: kept $conf"
  if [ -n "$(find "$conf" -perm /o=rwx)" ]; then
    echo "install-hub: warning: $conf is open to every user: chown root:$user $conf && chmod 640 $conf" >&2
  fi
else
  tmp=$(mktemp "$conf.XXXXXX") # beside it, so that the rename is atomic
  trap 'rm -f "$tmp"' EXIT
  cp "$example" "$tmp"
  chown "root:$user" "$tmp"
  chmod 0640 "$tmp"
  mv "$tmp" "$conf"
  trap - EXIT
  echo "install-hub: wrote $conf from $example"
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
else
  echo "install-hub: systemd is not running here: run 'systemctl daemon-reload' once it is"
fi
cat <<EON
install-hub: done. Next (docs/deploy.md):
  1. edit $conf (public_url at least); put the certificate and its key
     into $conf_dir/tls, group $user, mode 0640
  2. runuser -u $user -- district-hub init                  (once: keys and hub.db)
     runuser -u $user -- district-hub import CONTENT_DIR
     runuser -u $user -- district-hub publish
  3. systemctl enable --now district-hub
     systemctl enable --now district-hub-export.timer      (if a web server or CDN serves the releases)
  4. runuser -u $user -- district-hub device add NAME       (for each kiosk)
EON
