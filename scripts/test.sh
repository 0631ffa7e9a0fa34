#!/usr/bin/env bash
# Catalyst's test command: what CI runs on a clean clone (after scripts/setup.sh).
#   format, lint, unit + integration tests, release bundles, real-host tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "the catalyst CLI links no GUI (plugins built without their gui feature)"
if cargo tree -p catalyst-cli -e normal --prefix none | grep -E '^(egui|epaint v|baseview|nice-plug-egui|x11|xcb|glow|winit)'; then
  echo "catalyst-cli depends on the GUI crates above; see cli/Cargo.toml" >&2
  exit 1
fi
cargo clippy -p ache-piano -p density-meter -p snare-layerer --no-default-features --features offline -- -D warnings

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "fuzz targets compile (check build on stable; running them needs nightly, see tests/README.md)"
# fuzz/ is its own workspace (cargo-fuzz's layout) with its own lock file; its own target dir
# under target/ keeps its dependency builds apart from the workspace's.
cargo check --manifest-path fuzz/Cargo.toml --locked --target-dir target/fuzz-check

step "cargo test (debug: assert_process_allocs active)"
cargo test --workspace

step "bundle all plugins (release)"
cargo xtask bundle-all --release

step "python venv for host tests"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/host/requirements.txt

step "real-host tests (pedalboard, VST3)"
CATALYST_BUNDLE_DIR="$PWD/target/bundled" .venv/bin/python -m pytest -q tests/host

step "editors open, draw and close (Xvfb screenshots, at 1x and at 2x HiDPI scale)"
editor_shots=$(mktemp -d)
scripts/screenshots.sh "$editor_shots" 2 1
scripts/screenshots.sh "$editor_shots" 2 2
rm -rf "$editor_shots"

step "Steinberg VST3 validator (built once into .cache/vst3-validator)"
# Required here: the source and toolchain are known to work, so a skip would hide regressions.
CATALYST_REQUIRE_VALIDATOR=1 scripts/vst3-validator.sh "$PWD/target/bundled"

step "debug plugin libraries for the real-time check (assert_process_allocs active)"
cargo build -p snare-layerer -p ache-piano -p density-meter

step "CLAP host (tests/clap-host): conformance, bad input, debug real-time workout, 1-hour soak each"
CLAP_HOST_QUIET=1 CATALYST_BUNDLE_DIR="$PWD/target/bundled" \
  CATALYST_DEBUG_PLUGIN_DIR="$PWD/target/debug" \
  cargo test -p clap-host --release -- --nocapture

step "instruction-count guard (callgrind; fails on > 10% growth over perf/instruction-budget.txt)"
scripts/perf-guard.sh
