"""Shared fixtures for the real-host tests: where the bundles are and what each plugin is.

Tests are generic: parameters are discovered from the host. The only per-plugin knowledge is
the small `EXPECT` table below (instrument or effect, latency bound, whether the dry signal
passes so an impulse measures the delay, VST3 category words).
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pedalboard
import pytest

BUNDLE_DIR = Path(
    os.environ.get(
        "CATALYST_BUNDLE_DIR", Path(__file__).resolve().parents[2] / "target" / "bundled"
    )
)


@dataclass(frozen=True)
class Expect:
    instrument: bool
    # Upper bound on reported latency, samples at 48 kHz.
    max_latency_48k: int
    # Whether the (default) dry path reaches the output, so an impulse's delay is measurable.
    passes_dry: bool
    # Words that must appear in the VST3 category string ("Fx|Drum", "Instrument|Piano").
    vst3_category: tuple


EXPECT = {
    "Catalyst Snare Layerer": Expect(False, 4800, True, ("Fx",)),
    "Catalyst Ache Piano": Expect(True, 0, False, ("Instrument",)),
    "Catalyst Density Meter": Expect(False, 0, True, ("Fx", "Analyzer")),
}
PLUGINS = {name: e.instrument for name, e in EXPECT.items()}  # used by the smoke test

# Output bound for "bounded": +24 dBFS. Anything louder is a blow-up, not a sound. The Python
# copy of `shared_dsp::output_ceiling::OUTPUT_BOUND` (Python cannot import it); a test in
# catalyst-test-support (tests/python_suite.rs) fails when the two differ.
PEAK_LIMIT = 16.0


def vst3_path(name: str) -> Path:
    path = BUNDLE_DIR / f"{name}.vst3"
    if not path.exists():
        pytest.fail(f"bundle missing: {path} (run `cargo xtask bundle-all --release`)")
    return path


def load(name: str):
    return pedalboard.load_plugin(str(vst3_path(name)))


def host_params(plugin):
    """Our parameters in host order (wrapper MIDI proxies excluded).

    These are pedalboard's Python wrappers, which look the host-side parameter up on every
    access: JUCE may rebuild its parameter objects at any time (for example when the plugin
    restarts its component), so holding `plugin._parameters` entries across calls crashes
    pedalboard itself with a dangling pointer. `raw_value`, `default_raw_value`, `name`,
    `label`, `is_automatable` and `get_text_for_raw_value` pass through to the host."""
    return list(plugin.parameters.values())


def assert_sane(y, what, limit=PEAK_LIMIT):
    bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
    assert bad == 0, f"{what}: {bad} non-finite output samples"
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    assert peak <= limit, f"{what}: peak {peak:.3g} exceeds {limit}"


def rms(y):
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if y.size else 0.0


def drum_signal(sr, seconds, seed=1):
    """A drum-like test signal: decaying noise bursts every 250 ms over a quiet tone bed.

    It exercises transient detectors (snare), meters and plain dry paths alike. The CLAP host's
    `catalyst_test_support::drums::noise_bursts` has the same timing, decay and about the same
    level (uniform noise there, Gaussian here); this one stays in numpy so the suite needs no
    Rust build beyond the bundles it tests and keeps the stimulus its bounds were measured on."""
    n = int(sr * seconds)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    x = 0.05 * np.sin(2 * np.pi * 220.0 * t)
    period = int(0.25 * sr)
    burst = int(0.06 * sr)
    env = np.exp(-np.arange(burst) / (0.012 * sr))
    for start in range(int(0.01 * sr), n - burst, period):
        x[start : start + burst] += 0.6 * env * rng.standard_normal(burst)
    return np.stack([x, x * 0.9]).astype(np.float32)


def midi_phrase(seconds, seed=3, notes_per_second=4.0):
    """Random note on/off pairs spread across the keyboard (raw MIDI bytes, times in s)."""
    rng = np.random.default_rng(seed)
    msgs = []
    t = 0.0
    while t < seconds - 0.2:
        key = int(rng.integers(21, 109))
        vel = int(rng.integers(1, 128))
        dur = float(rng.uniform(0.05, 0.6))
        msgs.append(([0x90, key, vel], t))
        msgs.append(([0x80, key, 0], min(t + dur, seconds - 0.1)))
        t += float(rng.exponential(1.0 / notes_per_second))
    return sorted(msgs, key=lambda m: m[1])


def render(plugin, name, sr, seconds, buffer_size=512, reset=True, x=None, midi=None):
    """Run the plugin like a host: effects get `x` (or the test signal), the piano gets MIDI."""
    if EXPECT[name].instrument:
        if midi is None:
            midi = midi_phrase(seconds)
        return plugin(
            midi,
            duration=seconds,
            sample_rate=sr,
            num_channels=2,
            buffer_size=buffer_size,
            reset=reset,
        )
    if x is None:
        x = drum_signal(sr, seconds)
    return plugin.process(x, sr, buffer_size=buffer_size, reset=reset)


@pytest.fixture(params=sorted(EXPECT), ids=lambda n: n.split()[-1].lower())
def plugin_name(request):
    return request.param


@pytest.fixture(
    params=sorted(n for n, e in EXPECT.items() if not e.instrument),
    ids=lambda n: n.split()[-1].lower(),
)
def effect_name(request):
    return request.param
