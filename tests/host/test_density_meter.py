"""Density Meter in a real host (pedalboard, VST3): it never changes the audio, reports zero
latency, survives garbage input and restores its saved state."""

import numpy as np
import pedalboard

from conftest import vst3_path

SR = 48_000
NAME = "Catalyst Density Meter"


def load():
    return pedalboard.load_plugin(str(vst3_path(NAME)))


def test_audio_passes_bit_exact_with_zero_latency():
    plugin = load()
    assert plugin.reported_latency_samples == 0
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((2, SR * 3)) * 0.2).astype(np.float32)
    for block in (64, 333, 4096):
        y = plugin.process(x, SR, buffer_size=block, reset=True)
        assert y.shape == x.shape
        assert np.array_equal(y, x), f"audio changed at buffer size {block}"


def test_garbage_input_gives_finite_output_and_keeps_clean_samples():
    plugin = load()
    x = np.zeros((2, SR), dtype=np.float32)
    x[0, ::7] = np.nan
    x[1, ::11] = np.inf
    x[0, 1::7] = 0.5
    y = plugin.process(x, SR, buffer_size=512, reset=True)
    assert np.all(np.isfinite(y))
    assert np.all(y[0, 1::7] == 0.5)


def test_parameters_and_state_round_trip():
    plugin = load()
    names = set(plugin.parameters.keys())
    assert {"phrase_length_bars", "occupancy_range_db"} <= names, names
    plugin.phrase_length_bars = 8
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((2, SR * 5)) * 0.2).astype(np.float32)
    plugin.process(x, SR, buffer_size=512, reset=False)
    state = plugin.raw_state
    other = load()
    other.raw_state = state
    assert other.phrase_length_bars == 8
    y = other.process(x[:, :SR], SR, buffer_size=512, reset=True)
    assert np.array_equal(y, x[:, :SR])


def test_sample_rates_and_mono():
    plugin = load()
    for sr in (22_050, 44_100, 96_000, 192_000):
        x = (np.sin(np.arange(sr) * 2 * np.pi * 440 / sr) * 0.3).astype(np.float32)
        x = np.stack([x, x])
        y = plugin.process(x, sr, buffer_size=1024, reset=True)
        assert np.array_equal(y, x)
