"""Robustness in a real host: bad audio, bad MIDI, bad state. Output must stay finite and
bounded (the plugin sanitises, never passes NaN on), recover within 50 ms after the bad input
stops, and corrupt state must load defaults without crashing the host."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EXPECT, PEAK_LIMIT, assert_sane, drum_signal, load, rms, vst3_path

SR = 48_000
RECOVER_S = 0.050


def _bad_segment(kind, n):
    rng = np.random.default_rng(9)
    if kind == "nan":
        return np.full((2, n), np.nan, dtype=np.float32)
    if kind == "inf":
        seg = np.full((2, n), np.inf, dtype=np.float32)
        seg[:, 1::2] = -np.inf
        return seg
    if kind == "nan_sprinkled":
        seg = drum_signal(SR, n / SR)
        seg[:, rng.integers(0, n, n // 50)] = np.nan
        return seg
    if kind == "denormal":
        return np.full((2, n), 1e-39, dtype=np.float32) * np.sign(rng.standard_normal((2, n))).astype(np.float32)
    if kind == "dc":
        return np.ones((2, n), dtype=np.float32)
    if kind == "full_scale_noise":
        return rng.uniform(-1, 1, (2, n)).astype(np.float32)
    if kind == "huge":
        return (rng.uniform(-1, 1, (2, n)) * 1e30).astype(np.float32)
    raise ValueError(kind)


# Signals a real session can contain: the plugin processes them as sound.
LEGIT = ["denormal", "dc", "full_scale_noise"]
# Non-finite samples are errors upstream: the plugin must treat them as silence (sanitise to 0).
NON_FINITE = ["nan", "inf", "nan_sprinkled"]
# Absurdly loud but finite: the plugin may clamp it (it then sounds like loud noise).
HUGE = ["huge"]


@pytest.mark.parametrize("kind", LEGIT + NON_FINITE + HUGE)
def test_bad_input_stays_finite_and_recovers(effect_name, kind):
    """0.5 s of the drum signal, 0.5 s of bad input, 1 s of the drum signal again.

    The output must be finite and bounded throughout. From 50 ms after the bad input stops,
    the output RMS must be within 10 dB of a fresh instance's output for a reference input
    (non-finite samples replaced by 0; huge values and denormals replaced by silence; DC and
    full-scale noise replaced by the clean drum signal, so recovery is measured against a clean
    run, not against the bad input itself), so no state stays poisoned (stuck NaN, stuck silence, a blown-up filter). For non-finite
    input, the output after recovery must also match that reference closely (residual below
    -20 dB): sanitised NaN is silence, not a click, a reset or a layer trigger."""
    pre, bad, post = int(0.5 * SR), int(0.5 * SR), int(1.0 * SR)
    sig = drum_signal(SR, (pre + bad + post) / SR)
    x = sig.copy()
    x[:, pre : pre + bad] = _bad_segment(kind, bad)
    if kind in NON_FINITE:
        ref_in = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    elif kind in HUGE or kind == "denormal":
        ref_in = sig.copy()
        ref_in[:, pre : pre + bad] = 0.0
    else:
        ref_in = sig.copy()
    y = load(effect_name).process(x, SR, buffer_size=512, reset=True)
    ref = load(effect_name).process(ref_in, SR, buffer_size=512, reset=True)
    assert_sane(y, kind)
    start = pre + bad + int(RECOVER_S * SR)
    win = slice(start, start + int(0.4 * SR))
    got, want = rms(y[:, win]), rms(ref[:, win])
    assert want > 1e-4, "reference is silent: the test signal does not reach the output"
    assert got > want / 3.16 and got < want * 3.16, (
        f"{kind}: 50 ms after the bad input, rms {got:.4g} vs clean {want:.4g}"
    )
    if kind in NON_FINITE:
        err = rms(y[:, win] - ref[:, win])
        assert err <= 0.1 * want, f"{kind}: residual {err:.3g} vs {want:.3g} after recovery"


def test_long_silence_then_sound(effect_name):
    """Ten minutes of digital silence (denormal traps, drifting state), then sound."""
    plugin = load(effect_name)
    silence = np.zeros((2, SR * 60), dtype=np.float32)
    for _ in range(10):
        y = plugin.process(silence, SR, buffer_size=512, reset=False)
        assert_sane(y, "silence")
        assert np.max(np.abs(y)) < 1e-3, "output from silence"
    x = drum_signal(SR, 1.0)
    y = plugin.process(x, SR, buffer_size=512, reset=False)
    ref = load(effect_name).process(x, SR, buffer_size=512, reset=True)
    assert_sane(y, "after silence")
    assert rms(y) > rms(ref) / 3.16, "quiet after ten minutes of silence"


def test_one_sample_blocks_with_bad_input(effect_name):
    plugin = load(effect_name)
    x = drum_signal(SR, 0.1)
    x[:, 100:200] = np.nan
    x[:, 300:400] = np.inf
    y = plugin.process(x, SR, buffer_size=1, reset=True)
    assert_sane(y, "1-sample blocks")


def test_piano_survives_hostile_midi():
    name = "Catalyst Ache Piano"
    plugin = load(name)
    msgs = []
    # Every key at once at full velocity, repeated notes, note-offs without note-ons,
    # velocity-0 note-ons (= note-off), then all-notes-off and sustain pedal.
    for k in range(128):
        msgs.append(([0x90, k, 127], k * 1e-5))  # pedalboard rejects many equal stamps
    for i in range(200):
        msgs.append(([0x90, 60, 1 + (i % 127)], 0.01 + i * 0.0005))
    for k in range(128):
        msgs.append(([0x80, k, 0], 0.2 + k * 1e-4))
        msgs.append(([0x80, k, 0], 0.2 + k * 1e-4 + 5e-5))
    msgs.append(([0x90, 64, 0], 0.25))
    msgs.append(([0xB0, 64, 127], 0.3))
    msgs.append(([0x90, 67, 90], 0.31))
    msgs.append(([0x80, 67, 0], 0.35))
    msgs.append(([0xB0, 64, 0], 0.5))
    msgs.append(([0xB0, 123, 0], 0.6))
    for block in (1, 512):
        dur = 0.8 if block > 1 else 0.3
        y = plugin(
            [m for m in msgs if m[1] < dur], duration=dur, sample_rate=SR, num_channels=2,
            buffer_size=block, reset=True,
        )
        assert_sane(y, f"hostile MIDI, block {block}")
    # And it still plays normally afterwards.
    y = plugin([([0x90, 60, 100], 0.0)], duration=0.3, sample_rate=SR, num_channels=2, reset=False)
    assert rms(y) > 1e-3


def _probe(name, kind, seed):
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("state_probe.py")), str(vst3_path(name)), kind, str(seed)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (
        f"host crashed on {kind} state (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind,seed", [("random", 1), ("random", 2), ("truncated", 3), ("truncated", 4), ("garbage", 5), ("empty", 6)])
def test_corrupt_state_never_crashes(plugin_name, kind, seed):
    r = _probe(plugin_name, kind, seed)
    assert r["finite"], f"non-finite output after {kind} state"
    assert r["peak"] <= PEAK_LIMIT
    # Corrupt state either leaves the current (default) values or loads defaults.
    assert r["after"] == r["defaults"], f"{kind} state changed parameters to {r['after']}"
