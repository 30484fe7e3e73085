#!/usr/bin/env bash
# Writes to stdout a static HTML page comparable to the kiosk's home screen at 1920x1080: the
# header, the five entry buttons, the twelve district tiles (names from content/districts), the
# links and the bottom bar, in Noto Sans. For bench-kiosk.sh's optional Chromium comparison.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cat <<'EOF'
<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>StadtbezirksMarketing Dortmund</title>
<style>
  html, body { margin: 0; height: 100%; background: #f4f2ee; color: #1c1e22;
               font-family: "Noto Sans", sans-serif; font-size: 40px; }
  header { height: 97px; display: flex; align-items: center; padding: 0 54px;
           border-bottom: 3px solid #0b5a9c; }
  header h1 { font-size: 50px; margin: 0; }
  main { position: absolute; top: 97px; bottom: 160px; left: 0; right: 0; overflow-y: auto; }
  .col { width: 1596px; margin: 45px auto; }
  .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 11px; }
  .grid4 { display: grid; grid-template-columns: repeat(4, 1fr); gap: 11px; }
  .btn { min-height: 130px; border-radius: 14px; background: #ffffff; border: 3px solid #5b5f66;
         display: flex; align-items: center; justify-content: center; font-weight: 700; }
  .wide { grid-column: span 2; }
  .tile { height: 160px; border-radius: 14px; background: #0b5a9c; color: #fff;
          display: flex; align-items: flex-end; padding: 0 22px 22px; font-weight: 700; }
  h2 { font-size: 52px; margin: 40px 0 15px; }
  nav { position: absolute; bottom: 0; left: 0; right: 0; height: 160px; display: flex;
        gap: 11px; padding: 15px; box-sizing: border-box; background: #e8e4dc; }
  nav .btn { flex: 1; background: #0b5a9c; color: #fff; border: 0; }
  .links { display: grid; grid-template-columns: 1fr 1fr; gap: 11px; margin-top: 40px; }
  .links a { color: #0b5a9c; font-size: 34px; }
</style></head>
<body>
<header><h1>StadtbezirksMarketing Dortmund</h1></header>
<main><div class="col">
  <div class="grid2">
    <div class="btn">Aktuelle Projekte</div><div class="btn">Arbeitsgruppen</div>
    <div class="btn">Termine</div><div class="btn">Suchen</div>
    <div class="btn wide">Über das Stadtbezirks&shy;Marketing</div>
  </div>
  <h2>Stadtbezirk wählen</h2>
  <div class="grid4">
EOF
for d in "$root"/content/districts/*/district.json; do
  # "name": {"de": "Hörde", ...}: the German name
  name=$(awk '/"name"/ { n = 1 } n && /"de"/ { sub(/.*"de": *"/, ""); sub(/".*/, ""); print; exit }' "$d")
  printf '    <div class="tile">%s</div>\n' "${name:-$(basename "$(dirname "$d")")}"
done
cat <<'EOF'
  </div>
  <div class="links"><a href="#">Datenschutz&shy;hinweise</a><a href="#">Impressum</a></div>
</div></main>
<nav><div class="btn">Zurück</div><div class="btn">Startseite</div><div class="btn">Deutsch</div>
<div class="btn">English</div><div class="btn">Türkçe</div><div class="btn">Barriere&shy;freiheit</div></nav>
</body></html>
EOF
