#!/usr/bin/env bash
# The documented settings are the ones the kiosk has: docs/configuration.md holds the output of
# district-kiosk --print-config, so a new or changed setting cannot go undocumented.
set -euo pipefail
kiosk=${DK_KIOSK:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
expected=$("$kiosk" --print-config)
actual=$(sed -n '/^```ini$/,/^```$/p' "$src/docs/configuration.md" | sed '1d;$d')
if [ "$expected" != "$actual" ]; then
  echo "docs/configuration.md is out of date; regenerate the block with district-kiosk --print-config"
  diff <(echo "$expected") <(echo "$actual") || true
  echo "docs_current: 0 passed, 1 failed"
  exit 1
fi
echo "docs_current: 1 passed, 0 failed"
