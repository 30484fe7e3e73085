#!/usr/bin/env bash
# Content sync over HTTPS: the test makes its own CA and certificates with openssl and serves
# the release files with `openssl s_server -WWW` (a TLS server nobody here wrote). Faults: a
# certificate for another host, a certificate from an authority the kiosk does not trust, and a
# public-key pin that does not match. In each case the cycle fails in plain words, the kiosk
# keeps its complete release 1, and a cycle against the right server installs release 2.
sync_name=sync_tls
# shellcheck source=tests/sync_common.bash
source "$(dirname "$0")/sync_common.bash"
if ! command -v openssl >/dev/null; then
  echo "sync_tls: openssl is missing (deploy/install-deps.sh installs it)"
  exit 1
fi
make_fixtures

# Certificates: our CA signs one for 127.0.0.1 and one for another name; a second CA (which
# the kiosk does not trust) signs one for 127.0.0.1.
pki=$tmp/pki
mkdir -p "$pki"
mkcert() { # name, CA name, subjectAltName
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$1.key" \
    -out "$pki/$1.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -CAcreateserial \
    -out "$pki/$1.pem" -days 2 -extfile "$pki/$1.ext" 2>/dev/null
}
for ca in ca otherca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$ca.key" \
    -out "$pki/$ca.pem" -days 2 -subj "/CN=district-kiosk test $ca" 2>/dev/null
done
mkcert good ca "IP:127.0.0.1,DNS:localhost"
mkcert wronghost ca "DNS:hub.example.org"
mkcert untrusted otherca "IP:127.0.0.1"
pin_of() { # the sha256//BASE64 pin of a certificate's public key
  echo "sha256//$(openssl x509 -pubkey -noout -in "$1" | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)"
}

tls_pid=
start_tls() { # certificate name: serves $tmp/good with it; sets $port
  rm -f "$tmp/tls.out"
  (cd "$tmp/good" && exec openssl s_server -accept 127.0.0.1:0 -cert "$pki/$1.pem" \
    -key "$pki/$1.key" -WWW >"$tmp/tls.out" 2>&1) &
  tls_pid=$!
  port=
  for _ in $(seq 200); do
    # (the file may not exist yet: the background job opens it when it gets to run)
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/tls.out" 2>/dev/null | head -1 ||
      true)
    [ -n "$port" ] && break
    sleep 0.05
  done
}
stop_tls() {
  [ -z "$tls_pid" ] || { kill "$tls_pid" 2>/dev/null || true; wait "$tls_pid" 2>/dev/null || true; }
  tls_pid=
}
trap 'stop_tls; sync_cleanup' EXIT

tls_once() { # data folder, more --set arguments
  local data=$1; shift
  "$kiosk" --config "$data.conf" --set "hub_url=https://127.0.0.1:$port" "$@" --sync-once \
    >"$data.out" 2>&1 && rc=0 || rc=$?
  cat "$data.out" >>"$tmp/all.out"
}

n=0
tls_case() { # name, words, certificate, then settings for the faulty run
  local name=$1 words=$2 cert=$3
  shift 3
  n=$((n + 1))
  local d=$tmp/t$n
  # No device token: s_server -WWW answers GET only, the heartbeat is tested elsewhere.
  fresh_data "$d" "ca_file = $pki/ca.pem" "device_token = "
  start_tls "$cert"
  tls_once "$d" "$@"
  stop_tls
  check "$name: the cycle fails (exit $rc)" test "$rc" = 1
  check "$name: says /$words/" grep -Eq "^sync: failed: .*($words)" "$d.out"
  check "$name: the status shows it" grep -Eq "^  last error +.*($words)" "$d.out"
  check "$name: release 1 is still complete and verified" has_release "$d" 1
  cp "$d.out" "$d.fault.out"
  start_tls good
  tls_once "$d"
  stop_tls
  check "$name: the next cycle over good TLS succeeds (exit $rc)" test "$rc" = 0
  check "$name: ... and installs release 2" has_release "$d" 2
  if [ "$fail" != 0 ] && [ -z "${shown_once:-}" ]; then
    shown_once=1
    echo "--- $name: fault run"; cat "$d.fault.out"; echo "--- recovery run"; cat "$d.out"
  fi
}

tls_case "a certificate for the wrong host" "not valid for that host name" wronghost
tls_case "an untrusted CA" "not signed by an authority this kiosk trusts" untrusted
tls_case "a pinned key that does not match" "does not have the public key in pinned_public_key" \
  good --set "pinned_public_key=$(pin_of "$pki/untrusted.pem")"

# The right pin passes.
d=$tmp/pinned
fresh_data "$d" "ca_file = $pki/ca.pem" "device_token = " \
  "pinned_public_key = $(pin_of "$pki/good.pem")"
start_tls good
tls_once "$d"
stop_tls
check "the right pin: the cycle succeeds (exit $rc)" test "$rc" = 0
check "the right pin: release 2 installed" has_release "$d" 2

sync_summary sync_tls
