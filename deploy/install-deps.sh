#!/usr/bin/env bash
# Installs every package district-kiosk and district-hub need to build, run and test, on Debian 12.
# Idempotent: it installs only what is missing and does nothing else (no downloads but apt's).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git
  # kiosk and core libraries
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libsqlite3-dev sqlite3
  libcurl4-openssl-dev libsodium-dev libjansson-dev libmd4c-dev libwebp-dev
  # speech output ("read aloud"): eSpeak NG speaks German, English and Turkish
  libespeak-ng-dev espeak-ng-data
  # hub
  libmicrohttpd-dev
  # tests (openssl makes certificates and serves TLS in tests/sync_tls.sh)
  libcmocka-dev openssl
  # fonts for the kiosk UI (Noto Sans: umlauts, ß, Turkish letters)
  fonts-noto-core
  # hub benchmark (tools/bench/bench-hub.sh): wrk against district-hub and nginx
  wrk nginx
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deploy: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deploy: missing packages: ${missing[*]}" >&2
  echo "deploy: run this script as root (it uses apt-get) or install them by hand" >&2
  exit 1
fi

echo "deploy: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deploy: done"
