#!/usr/bin/env bash
# Opens each Catalyst editor in a real X11 window under Xvfb, with the plugin processing a test
# signal in real time (a drum loop for the effects, chords for the piano), and saves a PNG of the
# window. Fails if an editor does not open, draws a blank window, or does not close cleanly.
#
#   scripts/screenshots.sh [OUT_DIR] [SECONDS] [SCALE]
#     OUT_DIR  where the PNGs go (default docs/screenshots)
#     SECONDS  how long each editor runs before the shot (default 6)
#     SCALE    host DPI scale factor offered to the editor (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/screenshots}
seconds=${2:-6}
scale=${3:-1}
plugins=(snare-layerer ache-piano density-meter)
mkdir -p "$out"

# Each plugin exports the same C symbols, so the host links one plugin per binary.
bin_dir=target/editor-host
mkdir -p "$bin_dir"
for plugin in "${plugins[@]}"; do
  cargo build -q -p catalyst-editor-host --no-default-features --features "$plugin"
  cp target/debug/catalyst-editor-host "$bin_dir/$plugin"
done

command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run missing (scripts/setup.sh installs it)" >&2; exit 1; }
status=0
for plugin in "${plugins[@]}"; do
  # The screen fits the largest editor at 2x HiDPI scale (a window beyond the screen cannot be
  # captured).
  if ! timeout 120 xvfb-run -a -s "-screen 0 3840x2400x24" \
      "$bin_dir/$plugin" "$plugin" "$out/$plugin.png" --seconds "$seconds" --scale "$scale"; then
    echo "screenshots: $plugin editor FAILED" >&2
    status=1
  fi
done
exit $status
