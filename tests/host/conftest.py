"""Shared fixtures for the real-host tests: where the bundles are and what each plugin is."""

import os
from pathlib import Path

import pytest

BUNDLE_DIR = Path(
    os.environ.get(
        "CATALYST_BUNDLE_DIR", Path(__file__).resolve().parents[2] / "target" / "bundled"
    )
)

# (bundle name, is_instrument)
PLUGINS = {
    "Catalyst Snare Layerer": False,
    "Catalyst Ache Piano": True,
    "Catalyst Density Meter": False,
}


def vst3_path(name: str) -> Path:
    path = BUNDLE_DIR / f"{name}.vst3"
    if not path.exists():
        pytest.fail(f"bundle missing: {path} (run `cargo xtask bundle-all --release`)")
    return path


@pytest.fixture(params=sorted(PLUGINS), ids=lambda n: n.split()[-1].lower())
def plugin_name(request):
    return request.param
