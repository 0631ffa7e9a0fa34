#!/usr/bin/env bash
# Steinberg's VST3 validator, built from Debian's `vst3sdk` source package, run on every .vst3.
#
#   scripts/vst3-validator.sh [BUNDLE_DIR]      (default: target/bundled)
#
# The SDK source comes through apt from Debian 13 (trixie) with a private apt configuration
# under .cache/vst3-validator/apt (the system's sources are not touched, no root needed).
# Only the `validator` target is built (cmake + ninja), once; later runs reuse the binary.
# Every `.vst3` must pass with zero failed tests. If the validator cannot be obtained (no
# network to the Debian mirror, no compiler), the script prints a loud SKIPPED banner and
# exits 0 unless CATALYST_REQUIRE_VALIDATOR=1, in which case it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUNDLE_DIR="${1:-${CATALYST_BUNDLE_DIR:-$ROOT/target/bundled}}"
CACHE="$ROOT/.cache/vst3-validator"
APT="$CACHE/apt"
VALIDATOR="$CACHE/validator"

skip() {
  printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '!!! VST3 VALIDATOR SKIPPED: %s\n' "$*" >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
  if [ "${CATALYST_REQUIRE_VALIDATOR:-0}" = 1 ]; then exit 1; fi
  exit 0
}

fetch_source() {
  mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$CACHE/src"
  cat >"$APT/sources.list" <<'SRC'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
  touch "$APT/status"
  local opts=(
    -o "Dir::Etc::SourceList=$APT/sources.list"
    -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$APT/lists"
    -o "Dir::State::Status=$APT/status"
    -o "Dir::Cache=$APT"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=$(id -un)"
  )
  apt-get "${opts[@]}" -qq update || return 1
  # Only the upstream (orig) tarballs are needed: the Debian packaging is not used. On the
  # mirror here the .dsc and .debian.tar.xz answer 404 while the orig tarballs download, so a
  # partial `apt-get source` is accepted as long as every orig component arrived.
  (cd "$CACHE/src" && apt-get "${opts[@]}" -qq source --download-only vst3sdk) ||
    echo "apt-get source reported errors; continuing with the orig tarballs it fetched" >&2
  local main
  main=$(ls "$CACHE"/src/vst3sdk_*.orig.tar.* 2>/dev/null | head -n1)
  [ -n "$main" ] || return 1
  rm -rf "$CACHE/sdk"
  mkdir -p "$CACHE/sdk"
  tar -xf "$main" -C "$CACHE/sdk" --strip-components=1
  # Multi-tarball source format 3.0: orig-COMPONENT.tar.* unpacks into the folder COMPONENT.
  local comp name
  for comp in "$CACHE"/src/vst3sdk_*.orig-*.tar.*; do
    name=${comp##*.orig-}
    name=${name%%.tar.*}
    # Debian names components without dots; upstream's CMakeLists wants `public.sdk`.
    [ "$name" = public-sdk ] && name=public.sdk
    mkdir -p "$CACHE/sdk/$name"
    tar -xf "$comp" -C "$CACHE/sdk/$name" --strip-components=1
  done
  for name in base cmake pluginterfaces public.sdk; do
    [ -d "$CACHE/sdk/$name" ] || return 1
  done
}

build_validator() {
  command -v cmake >/dev/null && command -v ninja >/dev/null || return 1
  local build="$CACHE/build"
  cmake -S "$CACHE/sdk" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSMTG_ENABLE_VST3_PLUGIN_EXAMPLES=OFF -DSMTG_ENABLE_VST3_HOSTING_EXAMPLES=OFF \
    -DSMTG_ENABLE_VSTGUI_SUPPORT=OFF -DSMTG_RUN_VST_VALIDATOR=OFF \
    -DSMTG_CREATE_PLUGIN_LINK=OFF >"$CACHE/cmake.log" 2>&1 || return 1
  ninja -C "$build" validator >"$CACHE/ninja.log" 2>&1 || return 1
  local bin
  bin=$(find "$build" -type f -name validator -perm -u+x | head -n1)
  [ -n "$bin" ] || return 1
  cp "$bin" "$VALIDATOR"
}

if [ ! -x "$VALIDATOR" ]; then
  mkdir -p "$CACHE"
  echo "building Steinberg's VST3 validator into $CACHE (once)"
  if [ ! -f "$CACHE/sdk/CMakeLists.txt" ]; then
    fetch_source || skip "could not fetch the vst3sdk source package from Debian trixie via apt (see above)"
  fi
  build_validator || skip "building the validator failed: see $CACHE/cmake.log and $CACHE/ninja.log"
fi

shopt -s nullglob
bundles=("$BUNDLE_DIR"/*.vst3)
[ ${#bundles[@]} -gt 0 ] || { echo "no .vst3 bundles in $BUNDLE_DIR" >&2; exit 1; }
failed=0
for bundle in "${bundles[@]}"; do
  log="$CACHE/$(basename "$bundle" .vst3).log"
  printf 'validator: %s ... ' "$(basename "$bundle")"
  # -e: the extensive suite (every parameter/process combination; ~1 s per plugin here).
  if "$VALIDATOR" -e "$bundle" >"$log" 2>&1; then status=0; else status=$?; fi
  # The validator's summary line: "Result: N tests passed, M tests failed".
  summary=$(grep -E 'Result: [0-9]+ tests passed, [0-9]+ tests failed' "$log" | tail -n1 || true)
  nfail=$(sed -nE 's/.*, ([0-9]+) tests failed.*/\1/p' <<<"$summary")
  if [ "$status" -ne 0 ] || [ -z "$summary" ] || [ "$nfail" != 0 ]; then
    echo "FAILED (exit $status; ${summary:-no summary})"
    grep -E '\[Failed\]|ERROR|Error' "$log" | head -n 40 >&2 || true
    failed=1
  else
    echo "ok ($summary)"
  fi
done
exit "$failed"
