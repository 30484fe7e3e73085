#!/usr/bin/env bash
# bench-sync.sh: content sync figures for the README (issue 4):
#   1. bytes and seconds to sync a release in which one text changed, against a full sync;
#   2. the switch to a large synthetic release (10,000 projects, each with its own picture:
#      several hundred MB of media): the whole cycle, and the switch itself (database build and
#      rename, from the kiosk's own log line);
#   3. the longest UI frame while that sync runs inside the kiosk (DK_BENCH=2 frame times of a
#      headless kiosk scrolling a district page all the while; target <= 16 ms).
# Release files are served by tests/dk_testserver.c on loopback (the network is not what is
# measured). Needs a build with tests (BUILD_DIR, default build): district-kiosk,
# district-hub, dk-testserver, dk-synctool, and build/bundle.
#
#   BUILD_DIR=build tools/bench/bench-sync.sh            # PROJECTS=10000 IMAGE_KB=30 by default
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${BUILD_DIR:-$src/build}" && pwd)
kiosk=$bin/district-kiosk tool=$bin/dk-synctool server=$bin/dk-testserver bundle=$bin/bundle
projects=${PROJECTS:-10000}
image_kb=${IMAGE_KB:-40}
for f in "$kiosk" "$tool" "$server"; do
  [ -x "$f" ] || { echo "bench-sync: $f is missing (build with tests: cmake --build $bin)"; exit 1; }
done
[ -d "$bundle" ] || { echo "bench-sync: $bundle is missing (cmake --build $bin --target bundle)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-sync.XXXXXX")
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy SDL_FRAMEBUFFER_ACCELERATION=0

serve() { # directory: serves it; sets $port
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -f "$tmp/port"
  "$server" --root "$1" --port-file "$tmp/port" --log /dev/null >/dev/null 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  port=$(cat "$tmp/port")
}
config() { # data folder
  cat >"$1.conf" <<EOF
data_dir = $1
bundle_dir = $bundle
trusted_keys = $(cat "$tmp/key.pub")
hub_url = http://127.0.0.1:$port
sync_allow_http = true
sync_cycle_deadline_s = 3600
sync_max_object_mb = 64
EOF
}
sync_once() { # data folder: one cycle; prints seconds, leaves the log in $1.log
  local t0 t1
  t0=$(date +%s.%N)
  "$kiosk" --config "$1.conf" --sync-once >"$1.log" 2>&1 || { echo "bench-sync: sync failed:" >&2; tail -5 "$1.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
downloaded() { sed -n 's/.*installed: \([0-9]*\) files, \([0-9.]*\) MiB.*/\1 files, \2 MiB/p' "$1.log" | tail -1; }

"$tool" keygen "$tmp/key" >"$tmp/key.pub"

# --- 1. one changed text against a full sync ---
# Release 1 changes every picture, so that the kiosk (which starts with the bundled content)
# downloads every object: a full sync. Release 2 changes one line of text.
cp -r "$src/content" "$tmp/c1"
find "$tmp/c1" -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.webp' \) \
  -exec sh -c 'printf "release 1" >>"$1"' _ {} \;
cp -r "$tmp/c1" "$tmp/c2"
echo "Eine geänderte Zeile." >>"$tmp/c2/pages/about/body.de.md"
"$tool" release "$tmp/c1" "$tmp/rel" --key "$tmp/key" --version 1 >/dev/null
serve "$tmp/rel"
config "$tmp/full"
full_s=$(sync_once "$tmp/full")
full_what=$(downloaded "$tmp/full")
"$tool" release "$tmp/c2" "$tmp/rel" --key "$tmp/key" --version 2 >/dev/null
serve "$tmp/rel"
config "$tmp/full"
one_s=$(sync_once "$tmp/full")
one_what=$(downloaded "$tmp/full")

# --- 2. a large synthetic release ---
big=$tmp/big
cp -r "$tmp/c2" "$big"
base=$(ls "$src"/content/projects/*/image.jpg | head -1)
PROJECTS=$projects IMAGE_KB=$image_kb BASE=$base DIR=$big perl -e '
  use strict; my ($n, $kb, $base, $dir) = @ENV{qw(PROJECTS IMAGE_KB BASE DIR)};
  open(my $b, "<:raw", $base) or die; local $/; my $jpeg = <$b>; close $b;
  my @d = qw(aplerbeck brackel eving hombruch huckarde innenstadt-nord innenstadt-ost
             innenstadt-west luetgendortmund mengede scharnhorst hoerde);
  for my $i (1 .. $n) {
    my $p = sprintf("%s/projects/bench-%05d", $dir, $i); mkdir $p or die "$p: $!";
    my $d = $d[$i % @d];
    open(my $j, ">", "$p/project.json") or die;
    print $j qq({"district":"$d","title":{"de":"Projekt $i im Bezirk","en":"Project $i in the district"},)
           . qq("summary":{"de":"Ein erfundenes Projekt Nummer $i, nur für die Messung.","en":"An invented project number $i, only for measuring."},)
           . qq("status":"running","start":"2026-01-01","contact":{"role":{"de":"Projektgruppe","en":"Project group"},"email":"p$i\@example.org"},)
           . qq("image":{"file":"image.jpg","alt":{"de":"Bild $i","en":"Picture $i"}},"example":true}\n);
    close $j;
    open(my $m, ">", "$p/body.de.md") or die; print $m "Text des Projekts $i.\n"; close $m;
    # A valid JPEG followed by padding that decoders ignore: its own hash, about KB kilobytes.
    open(my $o, ">:raw", "$p/image.jpg") or die;
    my $pad = int(($kb * 1024 - length $jpeg) / 8); $pad = 1 if $pad < 1;
    print $o $jpeg, sprintf("%08d", $i) x $pad; close $o;
  }'
"$tool" release "$big" "$tmp/bigrel" --key "$tmp/key" --version 3 >/dev/null
media_mb=$(du -sm "$tmp/bigrel/objects" | cut -f1)
serve "$tmp/bigrel"
cp -a "$tmp/full" "$tmp/large" # starts from release 2
config "$tmp/large"
large_s=$(sync_once "$tmp/large")
large_what=$(downloaded "$tmp/large")
switch_ms=$(sed -n 's/.*switched to release [0-9]* in \([0-9.]*\) ms.*/\1/p' "$tmp/large.log" | tail -1)

# --- 3. the longest frame while the kiosk syncs the large release by itself ---
rm -rf "$tmp/ui" "$tmp/ui.conf"
cp -a "$tmp/full" "$tmp/ui"
config "$tmp/ui"
{
  echo "tap start"
  echo "tap district:hoerde"
  for _ in $(seq 1000); do # scroll until the sync has ended (see below); 4096 commands at most
    echo "drag 960 800 960 300"
    echo "wait 150"
    echo "drag 960 300 960 800"
    echo "wait 150"
  done
  echo "quit"
} >"$tmp/ui.script"
DK_BENCH=2 "$kiosk" --config "$tmp/ui.conf" --software --window 1920x1080 \
  --script "$tmp/ui.script" >"$tmp/ui.out" 2>"$tmp/ui.err" &
ui_pid=$!
# The worker's first cycle starts a few seconds after launch; once it has ended, ten more
# seconds of scrolling cover the clean-up after the switch. SIGTERM ends SDL's loop cleanly.
for _ in $(seq 6000); do
  grep -qE 'sync: release .* installed|sync: cycle failed' "$tmp/ui.err" 2>/dev/null && break
  kill -0 "$ui_pid" 2>/dev/null || break
  sleep 0.1
done
sleep 10
kill -TERM "$ui_pid" 2>/dev/null || true
wait "$ui_pid" || true
# Frames between the start of the cycle and its end (the log lines carry no milliseconds, so
# the window is found by line order in the same stream).
awk '/sync: release .* installed|sync: cycle failed/ {done=1} /sync: cycle started/ {on=1}
     on && !done && /^frame-ms/ {print $2}' "$tmp/ui.err" | sort -n >"$tmp/during.txt"
awk '/sync: release .* installed|sync: cycle failed/ {done=1} done && /^frame-ms/ {print $2}' \
  "$tmp/ui.err" | sort -n >"$tmp/after.txt" # the same scrolling with no sync: the control
sort -n <(awk '/^frame-ms/ {print $2}' "$tmp/ui.err") >"$tmp/all.txt"
[ -s "$tmp/all.txt" ] || { echo "bench-sync: the kiosk drew no frames:" >&2; tail -5 "$tmp/ui.err" >&2; exit 1; }
pct() { awk -v p="$2" '{a[NR]=$1} END {if (NR==0) {print "-"; exit} i=int(NR*p/100); if (i<1) i=1; print a[i]}' "$1"; }

echo "bench-sync ($(date -u +%Y-%m-%d), $(nproc) cores, loopback, BUILD_DIR=$bin)"
printf '  full sync of the bundled content:    %s in %.2f s\n' "$full_what" "$full_s"
printf '  one changed text:                     %s in %.2f s\n' "$one_what" "$one_s"
printf '  large release (%d projects, %d MiB):  %s in %.1f s; switch %s ms\n' "$projects" \
  "$media_mb" "$large_what" "$large_s" "${switch_ms:-?}"
printf '  frames while syncing: %d, p50 %s ms, p99 %s ms, longest %s ms (all frames: %d, longest %s ms)\n' \
  "$(wc -l <"$tmp/during.txt")" "$(pct "$tmp/during.txt" 50)" "$(pct "$tmp/during.txt" 99)" \
  "$(tail -1 "$tmp/during.txt" 2>/dev/null || echo -)" "$(wc -l <"$tmp/all.txt")" \
  "$(tail -1 "$tmp/all.txt" 2>/dev/null || echo -)"
printf '  frames in the 10 s after it (no sync): %d, p50 %s ms, p99 %s ms, longest %s ms\n' \
  "$(wc -l <"$tmp/after.txt")" "$(pct "$tmp/after.txt" 50)" "$(pct "$tmp/after.txt" 99)" \
  "$(tail -1 "$tmp/after.txt" 2>/dev/null || echo -)"
# Where the longest frames fell: each with the last log line before it, so a slow frame can be
# put down to a phase of the sync (or to none).
echo "  longest frames of the run, each after the log line shown:"
awk '/^frame-ms/ {printf "%s\t%s\n", $2, last; next} /^first-frame-ms/ {next} {last=$0}' "$tmp/ui.err" |
  sort -t$'\t' -k1,1 -rn | head -5 | awk -F'\t' '{printf "    %7.2f ms  %s\n", $1, substr($2, 1, 90)}'
[ -z "${KEEP:-}" ] || { cp "$tmp/ui.err" "${KEEP}"; echo "  frame log kept in $KEEP"; }
