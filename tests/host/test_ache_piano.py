"""Ache Piano in a real host (pedalboard, VST3): pitch, sustain pedal, note timing, state."""

import numpy as np
import pedalboard

from conftest import vst3_path

SR = 48_000


def load_clean():
    """The piano with every character control off, so it is a plain, perfectly tuned piano."""
    p = pedalboard.load_plugin(str(vst3_path("Catalyst Ache Piano")))
    for name in (
        "detune",
        "tuning_spread",
        "stretch",
        "noise",
        "air",
        "width",
        "resonance",
        "ache",
        "felt",
        "wear",
        "wow_depth",
        "flutter_depth",
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


def test_a4_is_in_tune_through_the_host():
    p = load_clean()
    y = p([([0x90, 69, 100], 0.0)], duration=1.5, sample_rate=SR, num_channels=2, buffer_size=512)
    f = peak_hz(y[0], 440.0)
    assert abs(1200 * np.log2(f / 440.0)) < 1.0, f


def test_sustain_pedal_cc64_keeps_released_notes_ringing():
    def tail_rms(pedal):
        p = load_clean()
        midi = [([0x90, 60, 100], 0.0), ([0x80, 60, 0], 0.3)]
        if pedal:
            midi.insert(0, ([0xB0, 64, 127], 0.0))
        y = p(midi, duration=2.0, sample_rate=SR, num_channels=2, buffer_size=256)
        return np.sqrt(np.mean(y[:, SR:] ** 2))

    assert tail_rms(True) > 100 * max(tail_rms(False), 1e-9)


def test_note_starts_on_its_sample_inside_a_block():
    p = load_clean()
    start = 0.25  # 12000 samples: not a multiple of the 512-sample block
    y = p([([0x90, 72, 110], start)], duration=0.5, sample_rate=SR, num_channels=2, buffer_size=512)
    onset = int(np.argmax(np.abs(y[0]) > 1e-5))
    assert abs(onset - int(start * SR)) <= 2, onset


def test_state_round_trips():
    p = load_clean()
    p.detune = 17.0
    p.tuning_seed = 42
    state = p.raw_state
    q = pedalboard.load_plugin(str(vst3_path("Catalyst Ache Piano")))
    q.raw_state = state
    assert abs(q.detune - 17.0) < 0.05
    assert int(q.tuning_seed) == 42
