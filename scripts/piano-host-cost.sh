#!/usr/bin/env bash
# Ache Piano: what a chord once a second costs in the engine alone and through the plugin's CLAP
# wrapper, counted in instructions by callgrind (repeatable on a loaded machine; wall time is
# not). Both play catalyst_perf::chord_per_second at 48 kHz in 64-sample blocks with the default
# settings:
#   engine: perf-render piano-chord-per-second (4 s after a 1 s warm-up, inside
#           catalyst_perf_measured)
#   host:   tests/clap-host --chords over 5 s and over 1 s, counting only the plugin's CLAP
#           process() calls; the difference is the same 4 s (seconds 1-5) of the same pattern.
#   mda:    issue 16's reference, mda Piano (Debian's mda-lv2, default controls), driven by
#           tests/lv2-host --chords with the same pattern, counting only its per-block calls
#           (lv2_host_measured_block: the plugin's run() and livi's port connection), also
#           over 5 s minus 1 s.
# Host set-up (loading, instantiating, building event lists) is outside the toggled functions.
# Prints instructions per second of audio for each and the ratios. Benchmark output, not a test.
#   scripts/piano-host-cost.sh [--annotate]   (--annotate: the host run's top functions too)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "piano-host-cost: valgrind missing (scripts/setup.sh installs it)" >&2; exit 1; }
# Line tables only: function names for callgrind_annotate, the same optimised code.
export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
# The plugin without its editor: process() is the same code, the build much smaller.
cargo build --release -q -p catalyst-perf --bin perf-render
cargo build --release -q -p clap-host
cargo build --release -q -p lv2-host
cargo build --release -q -p ache-piano --no-default-features
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cp target/release/libache_piano.so "$OUT/ache-piano.clap"

valgrind --tool=callgrind --callgrind-out-file="$OUT/engine.cg" \
  --toggle-collect='catalyst_perf_measured' target/release/perf-render piano-chord-per-second 2>/dev/null
engine=$(awk '/^summary:/ {print $2}' "$OUT/engine.cg")
for secs in 1 5; do
  valgrind --tool=callgrind --callgrind-out-file="$OUT/host$secs.cg" \
    --toggle-collect='*clap*wrapper*Wrapper*process*' \
    target/release/clap-host "$OUT/ache-piano.clap" --chords "$secs" >/dev/null 2>&1
done
for secs in 1 5; do
  valgrind --tool=callgrind --callgrind-out-file="$OUT/mda$secs.cg" \
    --toggle-collect='*lv2_host_measured_block*' \
    target/release/lv2-host --chords "$secs" >/dev/null 2>&1
done
h1=$(awk '/^summary:/ {print $2}' "$OUT/host1.cg")
h5=$(awk '/^summary:/ {print $2}' "$OUT/host5.cg")
m1=$(awk '/^summary:/ {print $2}' "$OUT/mda1.cg")
m5=$(awk '/^summary:/ {print $2}' "$OUT/mda5.cg")
awk -v e="$engine" -v a="$h1" -v b="$h5" -v c="$m1" -v d="$m5" 'BEGIN {
  es = e / 4; hs = (b - a) / 4; ms = (d - c) / 4;
  printf "engine alone:          %12.0f instructions per second of audio\n", es;
  printf "through the CLAP host: %12.0f instructions per second of audio (%.3fx the engine)\n", hs, hs / es;
  printf "mda Piano (LV2 host):  %12.0f instructions per second of audio\n", ms;
  printf "Ache Piano / mda Piano through their hosts: %.3fx\n", hs / ms;
}'
# Wall-clock side (thread CPU time inside process()/run(), 60 s of the pattern, three runs each,
# interleaved; noisy on a shared machine, the instruction counts above are the measurement).
for run in 1 2 3; do
  target/release/clap-host "$OUT/ache-piano.clap" --chords 60 | sed 's/^/  /'
  target/release/lv2-host --chords 60 | sed 's/^/  /'
done
if [ "${1:-}" = "--annotate" ]; then
  callgrind_annotate --inclusive=yes "$OUT/host5.cg" 2>/dev/null | head -60
fi
