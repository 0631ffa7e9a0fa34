"""First real-host smoke test: each .vst3 loads in pedalboard and makes sane sound."""

import numpy as np
import pedalboard

from conftest import PLUGINS, vst3_path

SR = 48_000


def test_loads_with_expected_identity(plugin_name):
    plugin = pedalboard.load_plugin(str(vst3_path(plugin_name)))
    assert plugin.name == plugin_name
    assert plugin.is_instrument == PLUGINS[plugin_name]
    assert plugin.is_effect != PLUGINS[plugin_name]
    assert len(plugin.parameters) > 0


def test_effects_process_noise_to_finite_output(effect_name):
    # Effects only (the piano is tested by the next test), so no case passes without testing.
    plugin = pedalboard.load_plugin(str(vst3_path(effect_name)))
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((2, SR)) * 0.1).astype(np.float32)
    y = plugin.process(x, SR, buffer_size=512, reset=True)
    assert y.shape == x.shape
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) > 0.01


def test_piano_plays_midi_notes():
    plugin = pedalboard.load_plugin(str(vst3_path("Catalyst Ache Piano")))
    midi = [([0x90, 60, 100], 0.0), ([0x80, 60, 0], 1.0)]
    y = plugin(midi, duration=2.0, sample_rate=SR, num_channels=2, buffer_size=512)
    assert np.all(np.isfinite(y))
    first = np.sqrt(np.mean(y[:, : SR // 2] ** 2))
    silence_before = np.sqrt(np.mean(y[:, -SR // 4 :] ** 2))
    assert first > 1e-3, f"note too quiet: rms {first}"
    assert silence_before < first / 10, "note did not stop after note-off"
