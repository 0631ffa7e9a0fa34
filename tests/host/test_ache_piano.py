"""Ache Piano in a real host (pedalboard, VST3): pitch, sustain pedal, note timing, state.

Loading the VST3 takes pedalboard a long time (it scans ~2100 parameters: the 16 x 128 MIDI CC
proxies VST3 needs), so one instance is shared; every render starts from a reset.
"""

import numpy as np
import pedalboard
import pytest

from conftest import vst3_path

SR = 48_000


@pytest.fixture(scope="module")
def piano():
    """The piano with every character control off, so it is a plain, perfectly tuned piano."""
    p = pedalboard.load_plugin(str(vst3_path("Catalyst Ache Piano")))
    for name in (
        "detune_ct",
        "tuning_spread_ct",
        "stretch",
        "noise",
        "air",
        "width",
        "resonance",
        "ache",
        "felt",
        "wear",
        "wow_depth_ct",
        "flutter_depth_ct",
    ):
        setattr(p, name, p.parameters[name].range[0])
    return p


def peak_hz(x, near_hz, cents=40.0):
    n = len(x)
    fft_len = 1 << 19
    spec = np.abs(np.fft.rfft(x * np.hanning(n), fft_len))
    bin_hz = SR / fft_len
    lo = int(near_hz * 2 ** (-cents / 1200) / bin_hz)
    hi = int(near_hz * 2 ** (cents / 1200) / bin_hz) + 1
    k = lo + int(np.argmax(spec[lo:hi]))
    a, b, c = np.log(spec[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * bin_hz


def test_a4_is_in_tune_through_the_host(piano):
    p = piano
    y = p([([0x90, 69, 100], 0.0)], duration=1.5, sample_rate=SR, num_channels=2, buffer_size=512)
    f = peak_hz(y[0], 440.0)
    assert abs(1200 * np.log2(f / 440.0)) < 1.0, f


def test_sustain_pedal_cc64_keeps_released_notes_ringing(piano):
    def tail_rms(pedal):
        p = piano
        midi = [([0x90, 60, 100], 0.0), ([0x80, 60, 0], 0.3)]
        if pedal:
            midi.insert(0, ([0xB0, 64, 127], 0.0))
        midi.append(([0xB0, 64, 0], 1.95))
        y = p(midi, duration=2.0, sample_rate=SR, num_channels=2, buffer_size=256)
        return np.sqrt(np.mean(y[:, SR : SR * 19 // 10] ** 2))

    assert tail_rms(True) > 100 * max(tail_rms(False), 1e-9)


def test_note_starts_on_its_sample_inside_a_block(piano):
    p = piano
    start = 0.25  # 12000 samples: not a multiple of the 512-sample block
    y = p([([0x90, 72, 110], start)], duration=0.5, sample_rate=SR, num_channels=2, buffer_size=512)
    onset = int(np.argmax(np.abs(y[0]) > 1e-5))
    assert abs(onset - int(start * SR)) <= 2, onset


def test_state_round_trips(piano):
    p = piano
    old = (p.detune_ct, p.tuning_seed)
    # After a render the plugin is processing: parameter changes reach it with the next block,
    # so render once before reading the state.
    p.detune_ct = 17.0
    p.tuning_seed = 42
    p([], duration=0.05, sample_rate=SR, num_channels=2, buffer_size=512)
    state = p.raw_state
    p.detune_ct = 3.0
    p.tuning_seed = 5
    p([], duration=0.05, sample_rate=SR, num_channels=2, buffer_size=512)
    p.raw_state = state
    assert abs(p.detune_ct - 17.0) < 0.05
    assert int(p.tuning_seed) == 42
    p.detune_ct, p.tuning_seed = old
