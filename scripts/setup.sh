#!/usr/bin/env bash
# Installs everything a clean Debian/Ubuntu machine needs to build and test Catalyst.
# Idempotent: installs only what is missing and says what it installs. Runs as root or via sudo.
set -euo pipefail

# Build: a C toolchain for -sys crates; X11/xcb/GL for the egui editors (baseview loads them at
# run time, the -dev packages make linking and pkg-config work everywhere).
# Test: Xvfb + xauth to open editors headless, python3-venv for the pedalboard host tests,
# cmake + ninja + g++ for Steinberg's VST3 validator, valgrind for instruction counts.
PACKAGES=(
  build-essential pkg-config curl ca-certificates
  libx11-dev libx11-xcb-dev libxcb1-dev libxcb-icccm4-dev libxcb-dri2-0-dev libxcursor-dev
  libxrandr-dev libgl-dev libgl1-mesa-dri
  xvfb xauth
  python3 python3-venv python3-pip
  cmake ninja-build g++
  valgrind
  # Recorded drum samples for the Snare Layerer's detection tests (ColomboAcousticDrumkit).
  hydrogen-drumkits
  # Songs rendered from MIDI with sampled instruments for the Density Meter's tests.
  fluidsynth fluid-soundfont-gm
  # Issue 16's CPU reference, mda Piano (LV2), and the LV2 host library tests/lv2-host links
  # (livi on lilv; lilv-utils for lv2ls).
  mda-lv2 liblilv-dev lilv-utils
)

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} system packages already installed"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust (1.88 or newer) with rustup first" >&2
  exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt || true
echo "setup: done"
