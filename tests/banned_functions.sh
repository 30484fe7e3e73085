#!/usr/bin/env bash
# Fails if our C sources call functions banned by the style guide (STYLE.md, habit 9): they
# either cannot bound their output or cannot report errors.
set -euo pipefail
src="${DK_SOURCE_DIR:-$(dirname "$0")/..}"
pattern='\b(sprintf|vsprintf|strcpy|strcat|strtok|gets|atoi|atol|atof)[[:space:]]*\('
if hits=$(grep -rnE "$pattern" "$src/src" "$src/tests" "$src/tools" --include='*.c' --include='*.h' \
          | grep -v 'banned_functions'); then
  echo "banned functions used (use snprintf, dk_buf, strtol, ...):"
  echo "$hits"
  exit 1
fi
echo "banned_functions: 1 passed, 0 failed"
