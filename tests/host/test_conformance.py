"""Conformance of every .vst3 in pedalboard (JUCE's VST3 host): identity, parameters, rates and
block sizes, automation, state round trip, latency, instances, sample-rate changes."""

import warnings

import numpy as np
import pytest

from conftest import (
    EXPECT,
    assert_sane,
    host_params,
    load,
    midi_phrase,
    render,
    rms,
    drum_signal,
)

RATES = [44_100, 48_000, 96_000]
BLOCKS = [1, 17, 64, 512, 4096]


def test_identity_and_category(plugin_name):
    plugin = load(plugin_name)
    exp = EXPECT[plugin_name]
    assert plugin.name == plugin_name
    assert plugin.manufacturer_name.strip(), "vendor missing"
    assert plugin.is_instrument == exp.instrument
    assert plugin.is_effect != exp.instrument
    for word in exp.vst3_category:
        assert word in plugin.category.split("|"), f"{word!r} not in {plugin.category!r}"


def test_parameters_are_well_formed(plugin_name):
    plugin = load(plugin_name)
    params = host_params(plugin)
    assert params, "no parameters"
    names = [p.name for p in params]
    assert len(set(names)) == len(names), f"duplicate parameter names: {names}"
    for p in params:
        assert p.name.strip(), "empty parameter name"
        assert p.is_automatable, f"{p.name}: not automatable"
        assert 0.0 <= p.default_raw_value <= 1.0, f"{p.name}: default {p.default_raw_value}"
        # The default is where a fresh instance sits.
        assert abs(p.raw_value - p.default_raw_value) < 1e-6, f"{p.name}: not at default"
        # Every normalized value has a non-empty display text that parses back near itself.
        for v in (0.0, 0.25, 0.5, 0.75, 1.0):
            text = p.get_text_for_raw_value(v)
            assert text.strip(), f"{p.name}: empty text at {v}"
    for p in params:
        name = p.name
        if p.type is float:
            lo, hi = p.min_value, p.max_value
            assert np.isfinite(lo) and np.isfinite(hi) and lo < hi, f"{name}: range {lo}..{hi}"
            # Units: a continuous float parameter should say what it measures (dB, Hz, ms, %),
            # in its label or in its display text. Counts and seeds (integer texts) need none.
            # A unitless ratio ("1.00") can be legitimate, so this warns instead of failing.
            texts = [p.get_text_for_raw_value(v) for v in (0.0, 0.33, 0.5, 1.0)]
            integer = all(t.strip().lstrip("-").isdigit() for t in texts)
            if (not p.is_discrete or p.num_steps > 64) and not integer:
                has_unit = bool((p.label or "").strip()) or any(
                    c.isalpha() or c == "%" for c in texts[2]
                )
                if not has_unit:
                    warnings.warn(f"{name}: continuous parameter shows no unit ({texts[2]!r})")


@pytest.mark.parametrize("sr", RATES)
def test_processes_at_every_rate(plugin_name, sr):
    plugin = load(plugin_name)
    y = render(plugin, plugin_name, sr, 1.5)
    assert y.shape == (2, int(sr * 1.5))
    assert_sane(y, f"{sr} Hz")
    assert rms(y) > 1e-4, f"{sr} Hz: silent output"


@pytest.mark.parametrize("block", BLOCKS)
def test_block_sizes_give_the_same_sound(plugin_name, block):
    """Any block size renders (finite, bounded); sample-accurate plugins sound the same.

    Tiny blocks use a short signal so the suite stays fast."""
    sr = 48_000
    seconds = 0.15 if block == 1 else 0.5 if block < 512 else 1.5
    ref = render(load(plugin_name), plugin_name, sr, seconds, buffer_size=512)
    y = render(load(plugin_name), plugin_name, sr, seconds, buffer_size=block)
    assert_sane(y, f"block {block}")
    # Per-block smoothing and control-rate updates may differ slightly between block sizes,
    # but the sound must be the same: residual at least 20 dB below the signal.
    err = rms(y - ref)
    assert err <= 0.1 * max(rms(ref), 1e-4), f"block {block}: residual {err} vs rms {rms(ref)}"


def test_automating_every_parameter_stays_finite(plugin_name):
    """Sweep each parameter 0 -> 1 -> 0 (normalized) over 64-sample chunks while processing,
    then jump it between the extremes every chunk."""
    sr = 48_000
    plugin = load(plugin_name)
    params = host_params(plugin)
    chunk = 64
    n_chunks = 120
    seconds = chunk * n_chunks * (len(params) + 1) / sr + 0.2
    if EXPECT[plugin_name].instrument:
        # Render the whole thing at once with MIDI; automate through a per-chunk loop instead.
        midi = midi_phrase(seconds, notes_per_second=12.0)
    x = drum_signal(sr, seconds)
    pos = 0
    out = []
    first = True
    for p in params:
        sweep = np.concatenate(
            [np.linspace(0, 1, n_chunks // 3), np.linspace(1, 0, n_chunks // 3)]
        )
        jumps = np.tile([0.0, 1.0], n_chunks - len(sweep))[: n_chunks - len(sweep)]
        for v in np.concatenate([sweep, jumps]):
            p.raw_value = float(v)
            if EXPECT[plugin_name].instrument:
                t0 = pos / sr
                msgs = [
                    (m, t - t0) for m, t in midi if t0 <= t < t0 + chunk / sr
                ]
                y = plugin(
                    msgs, duration=chunk / sr, sample_rate=sr, num_channels=2,
                    buffer_size=chunk, reset=first,
                )
            else:
                y = plugin.process(x[:, pos : pos + chunk], sr, buffer_size=chunk, reset=first)
            first = False
            out.append(y)
            pos += chunk
        p.raw_value = p.default_raw_value
        got = np.concatenate(out, axis=1)
        assert_sane(got, f"automating {p.name}")
    assert rms(np.concatenate(out, axis=1)) > 1e-4, "automation run was silent"


def _randomize(plugin, seed):
    rng = np.random.default_rng(seed)
    for p in host_params(plugin):
        p.raw_value = float(rng.uniform(0.1, 0.9))


def test_state_round_trip_is_bit_identical(plugin_name):
    sr = 48_000
    a = load(plugin_name)
    _randomize(a, 7)
    render(a, plugin_name, sr, 0.5)  # let it run, so any non-parameter state is live
    state = a.raw_state
    assert len(state) > 0
    b = load(plugin_name)
    b.raw_state = state
    for pa, pb in zip(host_params(a), host_params(b)):
        assert pa.name == pb.name
        # Stepped parameters are quantized by the plugin, so compare what the host displays.
        assert pa.string_value == pb.string_value, f"{pa.name}: {pa.string_value} != {pb.string_value}"
    ya = render(a, plugin_name, sr, 1.0, reset=True)
    yb = render(b, plugin_name, sr, 1.0, reset=True)
    assert_sane(ya, "restored")
    assert np.array_equal(ya, yb), f"restored instance differs: max {np.max(np.abs(ya - yb))}"
    # And the state of the restored instance is the same again (stable serialization).
    c = load(plugin_name)
    c.raw_state = b.raw_state
    assert np.array_equal(render(c, plugin_name, sr, 1.0, reset=True), ya)


def test_reported_latency_matches_measured_delay(plugin_name):
    sr = 48_000
    exp = EXPECT[plugin_name]
    plugin = load(plugin_name)
    # Latency is reported after activation: process once first.
    render(plugin, plugin_name, sr, 0.1)
    latency = plugin.reported_latency_samples
    assert 0 <= latency <= exp.max_latency_48k, f"latency {latency}"
    if not exp.passes_dry:
        return
    n = sr
    at = 4_000
    x = np.zeros((2, n), dtype=np.float32)
    x[:, at] = 0.5
    y = plugin.process(x, sr, buffer_size=512, reset=True)
    assert_sane(y, "impulse")
    mag = np.max(np.abs(y), axis=0)
    assert mag.max() > 1e-3, "impulse did not come through the dry path"
    first = int(np.argmax(mag > 0.05 * mag.max()))
    # pedalboard (>= 0.9.12) compensates every plugin by its reported latency, so the dry
    # impulse comes out where it went in exactly when the report equals the real delay; any
    # residual offset is the error of the report.
    assert first - at == 0, (
        f"real delay differs from the reported {latency} samples by {first - at} samples"
    )


def test_two_instances_do_not_share_state(plugin_name):
    sr = 48_000
    seconds = 1.0
    a = load(plugin_name)
    b = load(plugin_name)
    alone = load(plugin_name)
    _randomize(a, 11)
    defaults = [p.raw_value for p in host_params(b)]
    rng = np.random.default_rng(5)
    noise = rng.uniform(-1, 1, (2, int(sr * seconds))).astype(np.float32)
    chunk = 240  # divides one second at 48 kHz
    outs, refs = [], []
    x = drum_signal(sr, seconds)
    midi = midi_phrase(seconds)
    for pos in range(0, int(sr * seconds), chunk):
        first = pos == 0
        if EXPECT[plugin_name].instrument:
            loud = [([0x90, k, 127], 0.0) for k in range(40, 80, 3)]
            a(loud, duration=chunk / sr, sample_rate=sr, num_channels=2, buffer_size=chunk, reset=first)
            t0 = pos / sr
            msgs = [(m, t - t0) for m, t in midi if t0 <= t < t0 + chunk / sr]
            outs.append(
                b(msgs, duration=chunk / sr, sample_rate=sr, num_channels=2, buffer_size=chunk, reset=first)
            )
            refs.append(
                alone(msgs, duration=chunk / sr, sample_rate=sr, num_channels=2, buffer_size=chunk, reset=first)
            )
        else:
            a.process(noise[:, pos : pos + chunk], sr, buffer_size=chunk, reset=first)
            outs.append(b.process(x[:, pos : pos + chunk], sr, buffer_size=chunk, reset=first))
            refs.append(alone.process(x[:, pos : pos + chunk], sr, buffer_size=chunk, reset=first))
    y = np.concatenate(outs, axis=1)
    # The reference is a third instance driven exactly like B (same chunks: pedalboard's
    # latency compensation depends on how the audio is cut), with no A beside it.
    ref = np.concatenate(refs, axis=1)
    assert [p.raw_value for p in host_params(b)] == defaults, "parameters leaked across instances"
    err = rms(y - ref)
    assert err <= 1e-3 * max(rms(ref), 1e-6), f"instance B changed by instance A: residual {err}"


def test_sample_rate_change_while_running(plugin_name):
    plugin = load(plugin_name)
    for sr in (48_000, 96_000, 44_100, 22_050, 192_000, 48_000):
        y = render(plugin, plugin_name, sr, 0.4, reset=False)
        assert_sane(y, f"after switching to {sr} Hz")
        assert rms(y) > 1e-4, f"silent after switching to {sr} Hz"
        assert plugin.reported_latency_samples <= EXPECT[plugin_name].max_latency_48k * sr / 48_000 + 1


def test_piano_notes_sound_and_stop():
    name = "Catalyst Ache Piano"
    sr = 48_000
    plugin = load(name)
    for key in (21, 60, 108):
        midi = [([0x90, key, 100], 0.0), ([0x80, key, 0], 0.5)]
        y = plugin(midi, duration=3.0, sample_rate=sr, num_channels=2, buffer_size=512, reset=True)
        assert_sane(y, f"key {key}")
        held = rms(y[:, : sr // 4])
        tail = rms(y[:, -sr // 4 :])
        assert held > 1e-3, f"key {key}: too quiet ({held})"
        assert tail < held / 30, f"key {key}: did not stop after note-off ({tail} vs {held})"
    # Velocity matters: a soft note is quieter than a hard one.
    soft = plugin([([0x90, 60, 20], 0.0)], duration=0.5, sample_rate=sr, num_channels=2, reset=True)
    hard = plugin([([0x90, 60, 120], 0.0)], duration=0.5, sample_rate=sr, num_channels=2, reset=True)
    assert rms(hard) > 1.5 * rms(soft), "velocity has no effect"
    # Note timing is sample-accurate within a block: onset where the note-on was sent.
    on_at = 0.01 + 100 / sr
    y = plugin([([0x90, 60, 110], on_at)], duration=0.1, sample_rate=sr, num_channels=2, buffer_size=4096, reset=True)
    onset = int(np.argmax(np.max(np.abs(y), axis=0) > 1e-4))
    assert abs(onset - round(on_at * sr)) <= 2, f"onset at {onset}, note-on at {round(on_at * sr)}"


def test_reset_is_reproducible(plugin_name):
    """Hosts reset a plugin before every offline bounce: the same input after a reset must
    give the same output, bit for bit (no free-running LFO phase, RNG or voice left over)."""
    sr = 48_000
    plugin = load(plugin_name)
    first = render(plugin, plugin_name, sr, 2.0, reset=True)
    for _ in range(2):
        again = render(plugin, plugin_name, sr, 2.0, reset=True)
        assert np.array_equal(first, again), (
            f"output after reset differs by up to {np.max(np.abs(first - again))}"
        )
