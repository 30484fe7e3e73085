#!/usr/bin/env bash
# The documented hub settings are the ones the hub has: docs/hub.md holds the output of
# district-hub print-config, so a new or changed setting cannot go undocumented; and every
# command the hub's help lists has its row in the command table.
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
# Every command of `district-hub --help` has its row in docs/hub.md's command table.
missing=0
while read -r cmd; do
  grep -qF "| \`$cmd" "$src/docs/hub.md" || { echo "docs/hub.md does not document '$cmd'"; missing=1; }
done < <("$hub" --help 2>&1 | sed -n 's/^  \([a-z]\)/\1/p' | sed 's/  .*//' |
  awk '{c=""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) c = c (c ? " " : "") $i; if (c) print c}')
if [ "$missing" != 0 ]; then
  echo "hub_docs: 1 passed, 1 failed"
  exit 1
fi
echo "hub_docs: 2 passed, 0 failed"
