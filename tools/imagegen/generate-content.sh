#!/usr/bin/env bash
# Renders the example pictures of content/ with dk-imagegen: per district a hero and two gallery
# images, per project whose image is "image.jpg" a card, all in the district's colour.
# Usage: tools/imagegen/generate-content.sh [--force] [PATH/TO/dk-imagegen]
# Existing files are kept unless --force is given. Same content -> byte-identical pictures.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
content="$root/content"
imagegen="$root/build/tools/imagegen/dk-imagegen"
force=0

for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "imagegen: unknown option $arg (try --help)" >&2; exit 2 ;;
    *) imagegen="$arg" ;;
  esac
done

die() { echo "imagegen: $*" >&2; exit 1; }

[ -x "$imagegen" ] || die "no dk-imagegen at $imagegen: build it with
  cmake -S . -B build && cmake --build build --target dk-imagegen
or pass its path as the first argument"
command -v python3 >/dev/null || die "python3 is needed to read the JSON files"

# json_fields FILE FIELD...: prints the named top-level fields, tab-separated ("" when absent);
# a field "image.file" looks inside an object.
json_fields() {
  python3 - "$@" <<'PY'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    sys.exit(f"imagegen: {sys.argv[1]}: {e}")
values = []
for name in sys.argv[2:]:
    value = doc
    for key in name.split("."):
        value = value.get(key, "") if isinstance(value, dict) else ""
    values.append(value if isinstance(value, str) else "")
print("\t".join(values))
PY
}

generated=0
kept=0

# render FILE WIDTH HEIGHT COLOR SEED STYLE
render() {
  local file=$1
  if [ -e "$file" ] && [ "$force" -eq 0 ]; then
    kept=$((kept + 1))
    return
  fi
  "$imagegen" "$@" || die "dk-imagegen failed for ${file#"$root"/}"
  generated=$((generated + 1))
  printf '  %-72s %8d bytes\n' "${file#"$root"/}" "$(stat -c %s "$file")"
}

# district_color SLUG: the "color" of content/districts/SLUG/district.json.
district_color() {
  local json="$content/districts/$1/district.json" color
  [ -f "$json" ] || die "no district file $json"
  color=$(json_fields "$json" color) || die "cannot read $json"
  [[ "$color" =~ ^#[0-9a-fA-F]{6}$ ]] || die "$json: \"color\" must be #rrggbb, not '$color'"
  printf '%s' "$color"
}

shopt -s nullglob
districts=("$content"/districts/*/district.json)
[ ${#districts[@]} -gt 0 ] || die "no districts found: $content/districts/*/district.json"

for json in "${districts[@]}"; do
  dir=$(dirname "$json")
  slug=$(basename "$dir")
  color=$(district_color "$slug")
  render "$dir/hero.jpg" 1920 1080 "$color" "$slug" hero
  render "$dir/gallery-1.webp" 1600 900 "$color" "$slug-gallery-1" gallery
  render "$dir/gallery-2.png" 1200 800 "$color" "$slug-gallery-2" gallery
done

for json in "$content"/projects/*/project.json; do
  dir=$(dirname "$json")
  slug=$(basename "$dir")
  fields=$(json_fields "$json" district image.file) || die "cannot read $json"
  IFS=$'\t' read -r district image <<<"$fields"
  [ "$image" = "image.jpg" ] || continue
  [ -n "$district" ] || die "$json has no \"district\""
  color=$(district_color "$district")
  render "$dir/image.jpg" 1280 720 "$color" "$slug" card
done

echo "imagegen: $generated generated, $kept kept (use --force to render them again)"
