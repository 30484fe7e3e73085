#!/usr/bin/env bash
# The documented hub settings are the ones the hub has: docs/hub.md holds the output of
# district-hub print-config, so a new or changed setting cannot go undocumented.
set -euo pipefail
hub=${DK_HUB:?set by ctest}
src=${DK_SOURCE_DIR:?set by ctest}
expected=$(DISTRICT_HUB_CONFIG= "$hub" print-config)
actual=$(sed -n '/^```ini$/,/^```$/p' "$src/docs/hub.md" | sed -n '1,/^```$/p' | sed '1d;$d')
if [ "$expected" != "$actual" ]; then
  echo "docs/hub.md is out of date; regenerate its settings block with district-hub print-config"
  diff <(echo "$expected") <(echo "$actual") || true
  echo "hub_docs: 0 passed, 1 failed"
  exit 1
fi
echo "hub_docs: 1 passed, 0 failed"
