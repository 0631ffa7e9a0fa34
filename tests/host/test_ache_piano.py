"""Ache Piano in a real host (pedalboard, VST3): load time, pitch, sustain and soft pedal, pitch
bend, note timing, state.

VST3 hosts send MIDI CCs and pitch bend to an instrument only as changes of the proxy parameters
its IMidiMapping names. The piano registers five (CC 64, 67, 120, 123 and pitch bend, shared by
all channels; vendor/PATCHES.md) instead of nice-plug's 2,080, which took pedalboard 16-30 s to
probe on every load. One instance is shared by the tests; every render starts from a reset.
"""

import json
import subprocess
import sys

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


# Loads the bundle three times in a fresh interpreter (the first load includes opening the shared
# library) and prints the seconds each took and the parameter counts the host sees.
LOAD_PROBE = """
import json, sys, time
import pedalboard
times = []
for _ in range(3):
    t = time.perf_counter()
    p = pedalboard.load_plugin(sys.argv[1])
    times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "all": len(p._parameters), "named": len(p.parameters)}))
"""

# What the piano maps through IMidiMapping: sustain, soft pedal, all sound off, all notes off and
# pitch bend (VST3 controller 129).
VST3_CONTROLLERS = 5


def test_one_instance_loads_in_under_half_a_second():
    """The issue's goal: under 0.5 s per instance in pedalboard, with pedalboard as users have
    it (no parameter ignore list added by us)."""
    out = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE, str(vst3_path("Catalyst Ache Piano"))],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    # Every VST3 parameter beyond the piano's own is a MIDI proxy: only the five it reads.
    assert r["all"] <= r["named"] + VST3_CONTROLLERS, r
    assert max(r["times"]) < 0.5, r


def test_soft_pedal_cc67_makes_the_note_quieter(piano):
    def rms(soft):
        midi = [([0xB0, 67, soft], 0.0), ([0x90, 60, 100], 0.01), ([0xB0, 67, 0], 0.95)]
        y = piano(midi, duration=1.0, sample_rate=SR, num_channels=2, buffer_size=256)
        return np.sqrt(np.mean(y[:, SR // 20 : SR * 9 // 10] ** 2))

    full, soft = rms(0), rms(127)
    # Una corda: the hammer misses one of middle C's three strings and strikes softer, so the
    # note is clearly quieter (at least 2 dB) but still sounds.
    assert 0.1 * full < soft < 0.8 * full, (full, soft)


def test_pitch_bend_moves_a4_by_the_bend_range(piano):
    """Full upward bend (14-bit 16383) is +2 semitones at the default range: A4 -> B4."""
    midi = [([0xE0, 0x7F, 0x7F], 0.0), ([0x90, 69, 100], 0.01), ([0xE0, 0x00, 0x40], 1.45)]
    y = piano(midi, duration=1.5, sample_rate=SR, num_channels=2, buffer_size=512)
    want = 440.0 * 2 ** (2 / 12)
    f = peak_hz(y[0][SR // 5 : SR * 7 // 5], want)
    assert abs(1200 * np.log2(f / want)) < 2.0, f


def test_pedal_and_bend_work_on_any_midi_channel(piano):
    """The proxies are shared by all 16 channels: sustain on channel 2 still holds a note
    played on channel 2."""

    def tail_rms(pedal):
        midi = [([0x91, 60, 100], 0.0), ([0x81, 60, 0], 0.3), ([0xB1, 64, 0], 1.95)]
        if pedal:
            midi.insert(0, ([0xB1, 64, 127], 0.0))
        y = piano(midi, duration=2.0, sample_rate=SR, num_channels=2, buffer_size=256)
        return np.sqrt(np.mean(y[:, SR : SR * 19 // 10] ** 2))

    assert tail_rms(True) > 100 * max(tail_rms(False), 1e-9)
