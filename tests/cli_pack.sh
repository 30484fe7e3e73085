#!/usr/bin/env bash
# district-hub pack/check from the command line: exit codes, messages, nothing written on
# error, byte-identical bundles from the same content, and the kiosk's first start from one.
set -euo pipefail
hub=${DK_HUB:?set by ctest}
kiosk=${DK_KIOSK:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAILED: $name"; fail=$((fail + 1)); fi
}

# Usage errors exit 2.
set +e
"$hub" >/dev/null 2>&1; rc_none=$?
"$hub" frobnicate >/dev/null 2>&1; rc_unknown=$?
"$hub" pack "$src/content" "$tmp/x" --version -1 >/dev/null 2>&1; rc_version=$?
"$hub" pack "$src/content" "$tmp/x" --issued yesterday >/dev/null 2>&1; rc_issued=$?
set -e
check "no command is a usage error" test "$rc_none" = 2
check "unknown command is a usage error" test "$rc_unknown" = 2
check "negative version is a usage error" test "$rc_version" = 2
check "bad issued time is a usage error" test "$rc_issued" = 2
check "usage errors write nothing" test ! -e "$tmp/x"

# The bundled content packs, twice to identical bytes, and with SOURCE_DATE_EPOCH.
"$hub" pack "$src/content" "$tmp/a" >"$tmp/a.out"
"$hub" pack "$src/content" "$tmp/b" >/dev/null
check "summary names twelve districts" grep -q "packed: 12 districts" "$tmp/a.out"
check "same content gives byte-identical bundles" diff -r "$tmp/a" "$tmp/b"
SOURCE_DATE_EPOCH=1764151200 "$hub" pack "$src/content" "$tmp/c" >/dev/null
check "SOURCE_DATE_EPOCH sets issued" grep -q '"issued":"2025-11-26T10:00:00Z"' "$tmp/c/manifest.json"

# Broken content: exit 1, every problem with file and field, nothing written.
cp -r "$src/content" "$tmp/bad"
sed -i 's/"status": "[a-z]*"/"status": "ongoing"/' "$tmp/bad/projects/hoerde-phoenixsee-lichterfest/project.json"
sed -i 's/"color": "#[0-9A-Fa-f]*"/"color": "red"/' "$tmp/bad/districts/eving/district.json"
set +e
"$hub" pack "$tmp/bad" "$tmp/bad-out" 2>"$tmp/bad.err" >/dev/null; rc_bad=$?
set -e
check "bad content exits 1" test "$rc_bad" = 1
check "problem names the file and field (status)" \
  grep -q "hoerde-phoenixsee-lichterfest/project.json: field 'status'" "$tmp/bad.err"
check "problem names the file and field (colour)" \
  grep -q "districts/eving/district.json: field 'color'" "$tmp/bad.err"
check "bad content writes nothing" test ! -e "$tmp/bad-out"
check "check alone writes nothing either" bash -c "! '$hub' check '$tmp/bad' >/dev/null 2>&1"

# The kiosk starts from the bundle with no network and no prior data.
"$kiosk" --check --data-dir "$tmp/data" --bundle "$tmp/a" >"$tmp/kiosk.out" 2>&1
check "kiosk installs the bundle at first start" grep -q "12 districts" "$tmp/kiosk.out"
check "kiosk reports the release" grep -q "content release 0" "$tmp/kiosk.out"
check "kiosk database exists" test -s "$tmp/data/content.db"
set +e
"$kiosk" --check --data-dir "$tmp/data2" --bundle "$tmp/nowhere" >"$tmp/k2.out" 2>&1; rc_nobundle=$?
"$kiosk" --set idle_timeout_s=abc >"$tmp/k3.out" 2>&1; rc_badset=$?
set -e
check "kiosk without any content says so" grep -q "no usable content" "$tmp/k2.out"
check "kiosk without content exits non-zero" test "$rc_nobundle" != 0
check "bad setting is refused with its name" grep -q "idle_timeout_s" "$tmp/k3.out"
check "bad setting exits 2" test "$rc_badset" = 2

echo "cli_pack: $pass passed, $fail failed"
test "$fail" = 0
