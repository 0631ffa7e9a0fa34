//! The checks the CLAP host runs on a bundle. Generic: parameters, ports and features come
//! from the plugin; the only per-plugin knowledge is [`expectations`].

use std::path::Path;

use shared_dsp::rng::Rng;

use crate::host::{HostError, HostEvent, Plugin, Transport, render_concurrently};

/// Output above +24 dBFS is a blow-up, not a sound (the suite's one bound, from shared-dsp).
pub use shared_dsp::output_ceiling::OUTPUT_BOUND as PEAK_LIMIT;

/// What we expect of one plugin (keyed by CLAP id).
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    pub instrument: bool,
    /// Upper bound on latency at 48 kHz, in samples (scaled with the rate).
    pub max_latency_48k: u32,
    /// Whether the dry path reaches the output, so an impulse measures the delay.
    pub passes_dry: bool,
    /// CLAP features that must be present.
    pub features: &'static [&'static str],
}

pub fn expectations(clap_id: &str) -> Option<Expect> {
    Some(match clap_id {
        "audio.catalyst.snare-layerer" => Expect {
            instrument: false,
            max_latency_48k: 4800,
            passes_dry: true,
            features: &["audio-effect"],
        },
        "audio.catalyst.ache-piano" => Expect {
            instrument: true,
            max_latency_48k: 0,
            passes_dry: false,
            features: &["instrument"],
        },
        "audio.catalyst.density-meter" => Expect {
            instrument: false,
            max_latency_48k: 0,
            passes_dry: true,
            features: &["audio-effect", "analyzer"],
        },
        _ => return None,
    })
}

pub type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        // Bound first so a NaN comparison (false) fails the check.
        let ok: bool = $cond;
        if !ok {
            return Err(format!($($fmt)+));
        }
    };
}

pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&s| (s as f64) * (s as f64)).sum::<f64>() / x.len() as f64).sqrt()
}

fn rms_all(y: &[Vec<f32>]) -> f64 {
    let n: usize = y.iter().map(Vec::len).sum();
    if n == 0 {
        return 0.0;
    }
    (y.iter()
        .flat_map(|c| c.iter())
        .map(|&s| (s as f64) * (s as f64))
        .sum::<f64>()
        / n as f64)
        .sqrt()
}

/// Finite and below [`PEAK_LIMIT`] everywhere.
pub fn sane(y: &[Vec<f32>], what: &str) -> Check {
    for (ch, c) in y.iter().enumerate() {
        for (i, &s) in c.iter().enumerate() {
            ensure!(
                s.is_finite(),
                "{what}: non-finite sample {s} at ch {ch} index {i}"
            );
            ensure!(
                s.abs() <= PEAK_LIMIT,
                "{what}: peak {s} at ch {ch} index {i} exceeds {PEAK_LIMIT}"
            );
        }
    }
    Ok(())
}

/// Decaying noise bursts every 250 ms over a quiet 220 Hz tone (same as the Python suite):
/// test-support's, under the name the fuzz targets import.
pub use catalyst_test_support::drums::noise_bursts as drum_signal;

/// Random notes across the keyboard, sorted, with matching note-offs.
pub fn random_notes(
    rng: &mut Rng,
    frames: usize,
    sample_rate: f64,
    per_second: f64,
) -> Vec<HostEvent> {
    let mut ev = Vec::new();
    let mut t = 0usize;
    loop {
        let gap =
            (-(1.0 - rng.next_f32() as f64).max(1e-9).ln() / per_second * sample_rate) as usize;
        t += gap.max(1);
        if t >= frames {
            break;
        }
        let key = 21 + (rng.next_u32() % 88) as u8;
        let velocity = 0.05 + 0.95 * rng.next_f32() as f64;
        let len = ((0.05 + 0.8 * rng.next_f32() as f64) * sample_rate) as usize;
        ev.push(HostEvent::NoteOn {
            sample: t,
            key,
            velocity,
        });
        ev.push(HostEvent::NoteOff {
            sample: (t + len).min(frames - 1),
            key,
        });
    }
    ev.sort_by_key(HostEvent::sample);
    ev
}

/// The normal stimulus for a plugin: audio for effects, notes for instruments.
pub struct Stimulus {
    pub input: Vec<Vec<f32>>,
    pub events: Vec<HostEvent>,
}

pub fn stimulus(plugin: &Plugin, sample_rate: f64, frames: usize, seed: u32) -> Stimulus {
    let channels = plugin.main_in_channels();
    let input = drum_signal(sample_rate, frames, channels, seed);
    let events = if plugin.is_instrument() {
        // A note right away (so even short renders sound), then random ones.
        let mut ev = random_notes(&mut Rng::new(seed), frames, sample_rate, 6.0);
        ev.push(HostEvent::NoteOn {
            sample: 0,
            key: 64,
            velocity: 0.8,
        });
        ev.push(HostEvent::NoteOff {
            sample: (0.2 * sample_rate) as usize % frames.max(1),
            key: 64,
        });
        ev.sort_by_key(HostEvent::sample);
        ev
    } else {
        Vec::new()
    };
    Stimulus { input, events }
}

fn expect_of(plugin: &Plugin) -> Result<Expect, String> {
    expectations(&plugin.descriptor.id).ok_or_else(|| {
        format!(
            "no expectations for CLAP id {:?}: add it to clap-host's table",
            plugin.descriptor.id
        )
    })
}

pub fn check_descriptor(plugin: &Plugin) -> Check {
    let d = &plugin.descriptor;
    let exp = expect_of(plugin)?;
    ensure!(!d.name.trim().is_empty(), "empty name");
    ensure!(!d.vendor.trim().is_empty(), "empty vendor");
    ensure!(!d.version.trim().is_empty(), "empty version");
    for f in exp.features {
        ensure!(
            d.features.iter().any(|x| x == f),
            "feature {f:?} missing from {:?}",
            d.features
        );
    }
    ensure!(
        plugin.is_instrument() == exp.instrument,
        "instrument feature {} but expected {}",
        plugin.is_instrument(),
        exp.instrument
    );
    ensure!(!plugin.outputs.is_empty(), "no audio output port");
    ensure!(plugin.outputs[0].main, "first output port is not main");
    if !exp.instrument {
        ensure!(
            !plugin.inputs.is_empty(),
            "effect without an audio input port"
        );
    }
    Ok(())
}

pub fn check_params(plugin: &mut Plugin) -> Check {
    let params = plugin.params.clone();
    ensure!(!params.is_empty(), "no parameters");
    let mut names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    ensure!(names.len() == before, "duplicate parameter names");
    for p in &params {
        ensure!(
            !p.name.trim().is_empty(),
            "parameter {} has an empty name",
            p.id
        );
        ensure!(
            p.min.is_finite() && p.max.is_finite() && p.min < p.max,
            "{}: range {}..{}",
            p.name,
            p.min,
            p.max
        );
        ensure!(
            (p.min..=p.max).contains(&p.default),
            "{}: default {} outside {}..{}",
            p.name,
            p.default,
            p.min,
            p.max
        );
        if p.hidden {
            continue;
        }
        ensure!(p.automatable, "{}: not automatable", p.name);
        let v = plugin
            .param_value(p.id)
            .ok_or_else(|| format!("{}: get_value failed", p.name))?;
        ensure!(
            (v - p.default).abs() <= 1e-6 * (p.max - p.min),
            "{}: fresh value {v} != default {}",
            p.name,
            p.default
        );
        for v in [p.min, p.default, p.max, 0.5 * (p.min + p.max)] {
            let text = plugin
                .value_to_text(p.id, v)
                .ok_or_else(|| format!("{}: value_to_text({v}) failed", p.name))?;
            ensure!(!text.trim().is_empty(), "{}: empty text for {v}", p.name);
            // Typing the displayed text back must land near the same value (hosts do this);
            // text the plugin displays but cannot parse is a failure, not a skip.
            let back = plugin.text_to_value(p.id, &text).ok_or_else(|| {
                format!("{}: its own text {text:?} (for {v}) does not parse", p.name)
            })?;
            let tol = if p.stepped {
                0.51
            } else {
                0.02 * (p.max - p.min)
            };
            ensure!(
                (back - v).abs() <= tol.max(1e-9),
                "{}: text {text:?} parses to {back}, not {v}",
                p.name
            );
        }
    }
    Ok(())
}

/// Renders `seconds` of the normal stimulus.
pub fn render_stimulus(
    plugin: &mut Plugin,
    seconds: f64,
    blocks: &[usize],
    seed: u32,
) -> Result<Vec<Vec<f32>>, HostError> {
    let sr = plugin.sample_rate();
    let frames = (seconds * sr) as usize;
    let s = stimulus(plugin, sr, frames, seed);
    plugin.render(&s.input, frames, blocks, &s.events)
}

pub fn check_rates_and_blocks(plugin: &mut Plugin) -> Check {
    let exp = expect_of(plugin)?;
    for &sr in &[22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0] {
        for blocks in [
            &[1usize][..],
            &[17],
            &[64],
            &[512],
            &[4096],
            &[8192],
            &[1, 7, 300, 64, 4096, 3],
        ] {
            let max = *blocks.iter().max().unwrap_or(&512);
            plugin.activate(sr, max as u32).map_err(|e| e.to_string())?;
            let seconds = if max == 1 {
                0.05
            } else if max < 512 {
                0.25
            } else {
                0.6
            };
            let y = render_stimulus(plugin, seconds, blocks, 3).map_err(|e| e.to_string())?;
            let what = format!("{sr} Hz, blocks {blocks:?}");
            sane(&y, &what)?;
            if max >= 64 {
                ensure!(rms_all(&y) > 1e-4, "{what}: silent output");
            }
            let latency = plugin.latency();
            ensure!(
                latency as f64 <= exp.max_latency_48k as f64 * sr / 48_000.0 + 1.0,
                "{what}: latency {latency}"
            );
        }
    }
    Ok(())
}

/// Max |a - b| over all channels, or infinity when shapes differ.
pub fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.len() != y.len()) {
        return f32::INFINITY;
    }
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

/// Random parameter values as events at sample 0 (plain values; stepped ones rounded).
pub fn random_param_events(plugin: &Plugin, rng: &mut Rng, sample: usize) -> Vec<HostEvent> {
    plugin
        .params
        .iter()
        .filter(|p| !p.hidden)
        .map(|p| {
            let mut v = p.min + (p.max - p.min) * rng.next_f32() as f64;
            if p.stepped {
                v = v.round();
            }
            HostEvent::Param {
                sample,
                id: p.id,
                value: v,
            }
        })
        .collect()
}

pub fn check_state_round_trip(path: &Path) -> Check {
    let sr = 48_000.0;
    let mut a = Plugin::load(path).map_err(|e| e.to_string())?;
    a.activate(sr, 512).map_err(|e| e.to_string())?;
    let events = random_param_events(&a, &mut Rng::new(17), 0);
    let frames = 24_000;
    let s = stimulus(&a, sr, frames, 5);
    a.render(&s.input, frames, &[512], &events)
        .map_err(|e| e.to_string())?;
    let state = a.save_state().map_err(|e| e.to_string())?;
    ensure!(!state.is_empty(), "empty state");
    let mut b = a.another().map_err(|e| e.to_string())?;
    b.load_state(&state)
        .map_err(|e| format!("load of own state failed: {e}"))?;
    for p in a.params.clone() {
        let (va, vb) = (a.param_value(p.id), b.param_value(p.id));
        ensure!(
            va == vb,
            "{}: {va:?} != {vb:?} after state round trip",
            p.name
        );
    }
    b.activate(sr, 512).map_err(|e| e.to_string())?;
    // Same input from a clean start on both (reactivate A too so both begin from reset).
    a.activate(sr, 512).map_err(|e| e.to_string())?;
    let s = stimulus(&a, sr, 48_000, 6);
    let ya = a
        .render(&s.input, 48_000, &[512], &s.events)
        .map_err(|e| e.to_string())?;
    let yb = b
        .render(&s.input, 48_000, &[512], &s.events)
        .map_err(|e| e.to_string())?;
    sane(&ya, "restored")?;
    let d = max_diff(&ya, &yb);
    ensure!(d == 0.0, "restored instance differs by up to {d}");
    let again = b.save_state().map_err(|e| e.to_string())?;
    ensure!(again == state, "re-saved state differs from the loaded one");
    Ok(())
}

pub fn check_corrupt_state(path: &Path) -> Check {
    let mut base = Plugin::load(path).map_err(|e| e.to_string())?;
    let good = base.save_state().map_err(|e| e.to_string())?;
    let mut rng = Rng::new(99);
    let mut blobs: Vec<(String, Vec<u8>)> = vec![("empty".into(), Vec::new())];
    for i in 0..8 {
        let len = 1 + (rng.next_u32() % 4096) as usize;
        blobs.push((
            format!("random {i}"),
            (0..len).map(|_| rng.next_u32() as u8).collect(),
        ));
    }
    for cut in [
        1,
        good.len() / 3,
        good.len() / 2,
        good.len().saturating_sub(1),
    ] {
        blobs.push((
            format!("truncated to {cut}"),
            good[..cut.min(good.len())].to_vec(),
        ));
    }
    let mut flipped = good.clone();
    for _ in 0..(good.len() / 16).max(1) {
        let i = rng.next_u32() as usize % flipped.len().max(1);
        if let Some(b) = flipped.get_mut(i) {
            *b ^= 0x5a;
        }
    }
    blobs.push(("bytes flipped".into(), flipped));
    for (what, blob) in blobs {
        let mut p = base.another().map_err(|e| e.to_string())?;
        let defaults: Vec<Option<f64>> = p
            .params
            .clone()
            .iter()
            .map(|q| p.param_value(q.id))
            .collect();
        let accepted = p.load_state(&blob).is_ok();
        p.activate(48_000.0, 512).map_err(|e| e.to_string())?;
        let y = render_stimulus(&mut p, 0.3, &[512], 1).map_err(|e| e.to_string())?;
        sane(&y, &format!("after {what} state"))?;
        let after: Vec<Option<f64>> = p
            .params
            .clone()
            .iter()
            .map(|q| p.param_value(q.id))
            .collect();
        if !accepted {
            ensure!(
                after == defaults,
                "{what}: refused state but parameters changed"
            );
        }
        // Accepted corrupt state must still yield values inside the ranges.
        for (q, v) in p.params.iter().zip(&after) {
            let v = v.ok_or_else(|| format!("{what}: get_value failed for {}", q.name))?;
            ensure!(
                v.is_finite() && v >= q.min - 1e-9 && v <= q.max + 1e-9,
                "{what}: {} = {v} outside {}..{}",
                q.name,
                q.min,
                q.max
            );
        }
    }
    drop(base.save_state());
    Ok(())
}

/// Samples between a 0.5 impulse at `at` and the first output sample above 5 % of the output's
/// peak, rendering `frames` in blocks of `block`.
fn impulse_delay(
    plugin: &mut Plugin,
    frames: usize,
    at: usize,
    block: usize,
) -> Result<i64, String> {
    let ch = plugin.main_in_channels();
    let mut x = vec![vec![0.0f32; frames]; ch];
    for c in x.iter_mut() {
        c[at] = 0.5;
    }
    let y = plugin
        .render(&x, frames, &[block], &[])
        .map_err(|e| e.to_string())?;
    sane(&y, "impulse")?;
    let mag: Vec<f32> = (0..frames)
        .map(|i| y.iter().map(|c| c[i].abs()).fold(0.0, f32::max))
        .collect();
    let peak = mag.iter().copied().fold(0.0, f32::max);
    ensure!(peak > 1e-3, "impulse does not reach the output");
    let first = mag.iter().position(|&m| m > 0.05 * peak).unwrap_or(0);
    Ok(first as i64 - at as i64)
}

pub fn check_latency(plugin: &mut Plugin) -> Check {
    let exp = expect_of(plugin)?;
    let sr = 48_000.0;
    plugin.activate(sr, 512).map_err(|e| e.to_string())?;
    render_stimulus(plugin, 0.05, &[512], 1).map_err(|e| e.to_string())?;
    let latency = plugin.latency();
    ensure!(
        latency <= exp.max_latency_48k,
        "latency {latency} above {}",
        exp.max_latency_48k
    );
    if !exp.passes_dry {
        return Ok(());
    }
    plugin.activate(sr, 512).map_err(|e| e.to_string())?;
    let delay = impulse_delay(plugin, 48_000, 4_000, 512)?;
    ensure!(
        delay == latency as i64,
        "measured delay {delay} != reported latency {latency}"
    );
    Ok(())
}

/// A parameter that changes the latency (the Snare Layerer's Timing) changed while processing:
/// CLAP allows a latency change only inside `activate`, so the plugin must not call
/// `clap_host_latency.changed` from anywhere else (a strict validator deactivates before it
/// serves main-thread callbacks), must ask for a restart, and must report the new latency,
/// measured on an impulse, once reactivated.
pub fn check_latency_change_waits_for_activate(plugin: &mut Plugin) -> Check {
    let Some(timing) = plugin.params.iter().find(|p| p.name == "Timing").cloned() else {
        return Err("no Timing parameter: this check is for the Snare Layerer".into());
    };
    let sr = 48_000.0;
    plugin.activate(sr, 256).map_err(|e| e.to_string())?;
    plugin.pump_main_thread().map_err(|e| e.to_string())?;
    let before = plugin.latency();
    ensure!(before > 0, "default Timing should report latency, got 0");
    let events = [HostEvent::Param {
        sample: 1_000,
        id: timing.id,
        value: timing.max,
    }];
    // As a strict validator does: render, deactivate, and only then serve main-thread work.
    let silence = vec![vec![0.0f32; 4_800]; plugin.main_in_channels()];
    plugin.serve_main_thread = false;
    let rendered = plugin.render(&silence, 4_800, &[256], &events);
    plugin.serve_main_thread = true;
    rendered.map_err(|e| e.to_string())?;
    ensure!(
        plugin.restart_pending(),
        "Timing changed the latency but the plugin did not request a restart"
    );
    // The plugin is still active: it keeps reporting what the host compensates.
    ensure!(
        plugin.latency() == before,
        "latency changed to {} while active (CLAP: only in activate)",
        plugin.latency()
    );
    plugin.deactivate();
    plugin.pump_main_thread().map_err(|e| e.to_string())?;
    plugin.activate(sr, 256).map_err(|e| e.to_string())?;
    plugin.pump_main_thread().map_err(|e| e.to_string())?;
    plugin.pump_main_thread().map_err(|e| e.to_string())?;
    let outside = plugin.latency_changes_outside_activate();
    ensure!(
        outside == 0,
        "clap_host_latency.changed called {outside} time(s) outside clap_plugin::activate"
    );
    let after = plugin.latency();
    ensure!(
        after == 0,
        "zero-latency Timing reports {after} after restart"
    );
    // And the audio agrees: an impulse comes through undelayed.
    let delay = impulse_delay(plugin, 8_192, 2_000, 256)?;
    ensure!(
        delay == 0,
        "an impulse comes out {delay} samples late after restart"
    );
    plugin.deactivate();
    Ok(())
}

/// Bar numbers in a Density Meter state (its `timeline` field), sorted.
fn saved_bars(state: &[u8]) -> Result<Vec<i64>, String> {
    // nice-plug's CLAP state: a little-endian u64 length, then the JSON.
    let json = state
        .get(8..)
        .ok_or("state shorter than its length prefix")?;
    let v: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("state is not JSON: {e}"))?;
    let timeline = v["fields"]["timeline"]
        .as_str()
        .ok_or("state has no timeline field")?;
    let t: serde_json::Value =
        serde_json::from_str(timeline).map_err(|e| format!("timeline is not JSON: {e}"))?;
    let mut bars: Vec<i64> = t["bars"]
        .as_array()
        .ok_or("timeline has no bars")?
        .iter()
        .filter_map(|b| b["index"].as_i64())
        .collect();
    bars.sort_unstable();
    Ok(bars)
}

/// Plays `seconds` of noise at 120 BPM in 4/4 (2 s a bar) from `from_s` on the timeline.
fn play_bars(plugin: &mut Plugin, from_s: f64, seconds: f64) -> Check {
    plugin.transport = Some(Transport {
        tempo_bpm: 120.0,
        playing: true,
        position_seconds: from_s,
    });
    let sr = plugin.sample_rate();
    let frames = (seconds * sr) as usize;
    let mut rng = Rng::new(from_s as u32 + 3);
    let x: Vec<Vec<f32>> = (0..plugin.main_in_channels())
        .map(|_| (0..frames).map(|_| 0.2 * rng.bipolar()).collect())
        .collect();
    plugin
        .render(&x, frames, &[512], &[])
        .map_err(|e| e.to_string())?;
    plugin.transport = None;
    Ok(())
}

/// The Density Meter keeps capturing and saving bars in every order a host may restore state
/// in: before activation (most hosts), after it (Ardour), twice, not at all, and a project
/// reopened and saved again without playing. Bars from the loaded project and bars played
/// since must both be in the next save.
pub fn check_state_restore_orders(path: &Path) -> Check {
    let mut first = Plugin::load(path).map_err(|e| e.to_string())?;
    if first.descriptor.id != "audio.catalyst.density-meter" {
        return Err("this check is for the Density Meter".into());
    }
    let sr = 48_000.0;
    let save = |p: &mut Plugin| p.save_state().map_err(|e| e.to_string());
    let load = |p: &mut Plugin, s: &[u8]| p.load_state(s).map_err(|e| e.to_string());
    // Activation without state: bars 0-3 of a 9 s take (bar 4 is still open).
    first.activate(sr, 512).map_err(|e| e.to_string())?;
    play_bars(&mut first, 0.0, 9.0)?;
    let project = save(&mut first)?;
    let played = saved_bars(&project)?;
    ensure!(
        played == vec![0, 1, 2, 3],
        "fresh instance saved bars {played:?}"
    );
    first.deactivate();

    // Reopened: bars 5-8 played after the load must join bars 0-3.
    let want: Vec<i64> = vec![0, 1, 2, 3, 5, 6, 7, 8];
    for order in [
        "state before activate",
        "state after activate",
        "state twice",
    ] {
        let mut p = first.another().map_err(|e| e.to_string())?;
        match order {
            "state before activate" => {
                load(&mut p, &project)?;
                p.activate(sr, 512).map_err(|e| e.to_string())?;
            }
            "state after activate" => {
                p.activate(sr, 512).map_err(|e| e.to_string())?;
                load(&mut p, &project)?;
            }
            _ => {
                load(&mut p, &project)?;
                p.activate(sr, 512).map_err(|e| e.to_string())?;
                load(&mut p, &project)?;
            }
        }
        p.pump_main_thread().map_err(|e| e.to_string())?;
        // Saved again before playing: the project as loaded.
        let resaved = saved_bars(&save(&mut p)?)?;
        ensure!(
            resaved == played,
            "{order}: resaved before playing {resaved:?}"
        );
        play_bars(&mut p, 10.0, 9.0)?;
        let bars = saved_bars(&save(&mut p)?)?;
        ensure!(bars == want, "{order}: saved bars {bars:?}, want {want:?}");
        // A restart (deactivate, activate) keeps them.
        p.activate(sr, 512).map_err(|e| e.to_string())?;
        let bars = saved_bars(&save(&mut p)?)?;
        ensure!(bars == want, "{order}: after a restart {bars:?}");
        p.deactivate();
    }
    // Reopened and saved without ever activating: the project as it was.
    let mut p = first.another().map_err(|e| e.to_string())?;
    load(&mut p, &project)?;
    let bars = saved_bars(&save(&mut p)?)?;
    ensure!(bars == played, "never activated: saved {bars:?}");
    Ok(())
}

/// Bars of a Density Meter state as (index, density, onset rate Hz), sorted by index.
fn saved_bar_values(state: &[u8]) -> Result<Vec<(i64, f64, f64)>, String> {
    let json = state
        .get(8..)
        .ok_or("state shorter than its length prefix")?;
    let v: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("state is not JSON: {e}"))?;
    let timeline = v["fields"]["timeline"]
        .as_str()
        .ok_or("state has no timeline field")?;
    let t: serde_json::Value =
        serde_json::from_str(timeline).map_err(|e| format!("timeline is not JSON: {e}"))?;
    let mut bars: Vec<(i64, f64, f64)> = t["bars"]
        .as_array()
        .ok_or("timeline has no bars")?
        .iter()
        .filter_map(|b| {
            Some((
                b["index"].as_i64()?,
                b["density"].as_f64()?,
                b["onset_rate_hz"].as_f64()?,
            ))
        })
        .collect();
    bars.sort_by_key(|b| b.0);
    Ok(bars)
}

/// Two identical exports of one session give the same bars (issue 15: per-bar densities up to
/// 1.6 points and onset rates up to 0.8 Hz apart). The meter hears 10 s of a beat (noise
/// bursts on the eighths, louder on the beats) from the song start in 512-sample blocks;
/// then other audio at 40 s, stopped mid-bar; then the same beat again from the start, in
/// blocks of 333, 64 and 1021 samples (a host with another buffer size). Bars 0-3 must read
/// the same density and onset rate within 1e-6.
pub fn check_repeatable_exports(path: &Path) -> Check {
    let mut p = Plugin::load(path).map_err(|e| e.to_string())?;
    if p.descriptor.id != "audio.catalyst.density-meter" {
        return Err("this check is for the Density Meter".into());
    }
    let sr = 48_000.0;
    p.activate(sr, 1024).map_err(|e| e.to_string())?;
    let frames = (10.0 * sr) as usize;
    let mut rng = Rng::new(29);
    let eighth = (0.25 * sr) as usize;
    let beat: Vec<f32> = (0..frames)
        .map(|i| {
            let since = (i % eighth) as f32 / sr as f32;
            let accent = if (i / eighth).is_multiple_of(2) {
                0.5
            } else {
                0.2
            };
            accent * (-since / 0.02).exp() * rng.bipolar()
        })
        .collect();
    let x: Vec<Vec<f32>> = vec![beat.clone(); p.main_in_channels()];
    let export = |p: &mut Plugin, blocks: &[usize]| -> Result<Vec<(i64, f64, f64)>, String> {
        p.transport = Some(Transport {
            tempo_bpm: 120.0,
            playing: true,
            position_seconds: 0.0,
        });
        p.render(&x, frames, blocks, &[])
            .map_err(|e| e.to_string())?;
        let bars = saved_bar_values(&p.save_state().map_err(|e| e.to_string())?)?;
        Ok(bars.into_iter().filter(|b| b.0 < 4).collect())
    };
    let first = export(&mut p, &[512])?;
    ensure!(first.len() == 4, "first export saved bars {first:?}");
    ensure!(
        first.iter().all(|b| b.2 > 2.0),
        "first export heard no beat: {first:?}"
    );
    let other: Vec<Vec<f32>> = x
        .iter()
        .map(|c| c.iter().rev().map(|s| 0.5 * s).collect())
        .collect();
    p.transport = Some(Transport {
        tempo_bpm: 120.0,
        playing: true,
        position_seconds: 40.0,
    });
    p.render(&other, (3.3 * sr) as usize, &[512], &[])
        .map_err(|e| e.to_string())?;
    let second = export(&mut p, &[333, 64, 1021])?;
    for (a, b) in first.iter().zip(&second) {
        ensure!(
            a.0 == b.0 && (a.1 - b.1).abs() <= 1e-6 && (a.2 - b.2).abs() <= 1e-6,
            "bar {}: density {:.4} then {:.4}, onset rate {:.4} then {:.4} Hz",
            a.0,
            a.1,
            b.1,
            a.2,
            b.2
        );
    }
    ensure!(
        second.len() == first.len(),
        "second export saved {second:?}"
    );
    p.transport = None;
    p.deactivate();
    Ok(())
}

/// Bad input kinds, see [`bad_sample`].
pub const BAD_INPUTS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "nan-sprinkled",
    "huge",
    "denormal",
    "dc",
    "full-scale-noise",
];

fn bad_sample(kind: &str, i: usize, rng: &mut Rng, normal: f32) -> f32 {
    match kind {
        "nan" => f32::NAN,
        "inf" => f32::INFINITY,
        "-inf" => f32::NEG_INFINITY,
        "nan-sprinkled" => {
            if i.is_multiple_of(37) {
                f32::NAN
            } else {
                normal
            }
        }
        "huge" => 1e30 * rng.bipolar(),
        "denormal" => 1e-39 * if rng.bipolar() > 0.0 { 1.0 } else { -1.0 },
        "dc" => 1.0,
        "full-scale-noise" => rng.bipolar(),
        _ => 0.0,
    }
}

/// Non-finite input must act as silence (sanitised to 0), so the output after it is compared
/// closely with a reference that got zeros there. Other kinds only get the level check.
fn is_non_finite(kind: &str) -> bool {
    matches!(kind, "nan" | "inf" | "-inf" | "nan-sprinkled")
}

/// What the reference run gets where the bad input was. Non-finite samples become silence (what
/// a plugin must make of them) and the rest of a sprinkled stretch stays; absurdly loud but
/// finite input may be clamped, so the reference is silence; denormals (1e-39) are silence
/// too. DC and full-scale noise are legitimate signals: the reference plays the clean signal
/// there, so the check measures recovery, not the bad input compared with itself.
fn reference_sample(kind: &str, bad: f32, clean: f32) -> f32 {
    match kind {
        _ if is_non_finite(kind) => {
            if bad.is_finite() {
                bad
            } else {
                0.0
            }
        }
        "huge" | "denormal" => 0.0,
        _ => clean,
    }
}

/// Bad input for 0.5 s between normal input; finite/bounded throughout; from 50 ms after it
/// stops, within 10 dB of a clean reference run (see [`reference_sample`]; non-finite input:
/// residual below -20 dB too).
pub fn check_bad_input(path: &Path) -> Check {
    let probe = Plugin::load(path).map_err(|e| e.to_string())?;
    ensure!(!probe.is_instrument(), "bad input is an effects check");
    drop(probe);
    let sr = 48_000.0;
    let (pre, bad, post) = (24_000usize, 24_000usize, 48_000usize);
    let frames = pre + bad + post;
    for kind in BAD_INPUTS {
        let mut p = Plugin::load(path).map_err(|e| e.to_string())?;
        let ch = p.main_in_channels();
        let clean = drum_signal(sr, frames, ch, 4);
        let mut rng = Rng::new(8);
        let mut x = clean.clone();
        let mut r = clean.clone();
        for c in 0..ch {
            for i in pre..pre + bad {
                x[c][i] = bad_sample(kind, i, &mut rng, clean[c][i]);
                r[c][i] = reference_sample(kind, x[c][i], clean[c][i]);
            }
        }
        p.activate(sr, 512).map_err(|e| e.to_string())?;
        let y = p
            .render(&x, frames, &[512, 1, 100], &[])
            .map_err(|e| e.to_string())?;
        let mut q = p.another().map_err(|e| e.to_string())?;
        q.activate(sr, 512).map_err(|e| e.to_string())?;
        let want = q
            .render(&r, frames, &[512, 1, 100], &[])
            .map_err(|e| e.to_string())?;
        sane(&y, kind)?;
        let start = pre + bad + (0.05 * sr) as usize;
        let end = start + (0.4 * sr) as usize;
        let win = |v: &Vec<Vec<f32>>| -> Vec<Vec<f32>> {
            v.iter().map(|c| c[start..end].to_vec()).collect()
        };
        let (yw, ww) = (win(&y), win(&want));
        let (got, refr) = (rms_all(&yw), rms_all(&ww));
        ensure!(refr > 1e-4, "{kind}: reference silent");
        ensure!(
            got > refr / 3.16 && got < refr * 3.16,
            "{kind}: 50 ms after the bad input, rms {got:.4} vs clean {refr:.4}"
        );
        if is_non_finite(kind) {
            let res: Vec<Vec<f32>> = yw
                .iter()
                .zip(&ww)
                .map(|(a, b)| a.iter().zip(b).map(|(p, q)| p - q).collect())
                .collect();
            let e = rms_all(&res);
            ensure!(
                e <= 0.1 * refr,
                "{kind}: residual {e:.4} vs {refr:.4} after recovery"
            );
        }
    }
    Ok(())
}

pub fn check_two_instances(path: &Path) -> Check {
    let sr = 48_000.0;
    let frames = 256 * 188;
    let mut solo = Plugin::load(path).map_err(|e| e.to_string())?;
    solo.activate(sr, 256).map_err(|e| e.to_string())?;
    let s = stimulus(&solo, sr, frames, 9);
    // Rendered block by block exactly like instance B below (each render call is a
    // start/stop-processing cycle), so the only difference can be instance A.
    let mut reference: Vec<Vec<f32>> = vec![Vec::new(); solo.main_out_channels()];
    for block in 0..frames / 256 {
        let (input, events) = slice_block(&s, block * 256, 256);
        let y = solo
            .render(&input, 256, &[256], &events)
            .map_err(|e| e.to_string())?;
        for (o, c) in reference.iter_mut().zip(y) {
            o.extend(c);
        }
    }
    drop(solo);
    let mut a = Plugin::load(path).map_err(|e| e.to_string())?;
    let mut b = a.another().map_err(|e| e.to_string())?;
    a.activate(sr, 256).map_err(|e| e.to_string())?;
    b.activate(sr, 256).map_err(|e| e.to_string())?;
    let mut rng = Rng::new(3);
    let ch = a.main_in_channels();
    let noise: Vec<Vec<f32>> = (0..ch)
        .map(|_| (0..256).map(|_| rng.bipolar()).collect())
        .collect();
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); b.main_out_channels()];
    for block in 0..frames / 256 {
        let mut ev = random_param_events(&a, &mut rng, 0);
        ev.push(HostEvent::NoteOn {
            sample: 0,
            key: 40 + (block % 40) as u8,
            velocity: 1.0,
        });
        a.render(&noise, 256, &[256], &ev)
            .map_err(|e| e.to_string())?;
        let (input, events) = slice_block(&s, block * 256, 256);
        let y = b
            .render(&input, 256, &[256], &events)
            .map_err(|e| e.to_string())?;
        for (o, c) in out.iter_mut().zip(y) {
            o.extend(c);
        }
    }
    let d = max_diff(&out, &reference);
    ensure!(
        d == 0.0,
        "instance B's output changed by up to {d} while instance A ran"
    );
    Ok(())
}

/// Four instances processing at the same time on four audio threads (a DAW's worker pool)
/// must each give exactly the output of one instance rendering alone.
pub fn check_concurrent_instances(path: &Path) -> Check {
    let sr = 48_000.0;
    let frames = 96_000;
    let mut solo = Plugin::load(path).map_err(|e| e.to_string())?;
    solo.activate(sr, 512).map_err(|e| e.to_string())?;
    let s = stimulus(&solo, sr, frames, 12);
    let reference = solo
        .render(&s.input, frames, &[512], &s.events)
        .map_err(|e| e.to_string())?;
    for round in 0..3 {
        // Fresh instances each round, so this isolates concurrency from reset behaviour
        // (that has its own check).
        let mut many: Vec<Plugin> = (0..4)
            .map(|_| solo.another())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        for p in many.iter_mut() {
            p.activate(sr, 512).map_err(|e| e.to_string())?;
        }
        let mut refs: Vec<&mut Plugin> = many.iter_mut().collect();
        let outs = render_concurrently(&mut refs, &s.input, frames, &[512], &s.events)
            .map_err(|e| e.to_string())?;
        for (i, y) in outs.iter().enumerate() {
            let d = max_diff(y, &reference);
            ensure!(
                d == 0.0,
                "round {round}: instance {i} differs from a solo render by {d}"
            );
        }
    }
    Ok(())
}

/// Re-activating (what hosts do before every offline bounce) must give the same sound again:
/// render, re-activate, render the same stimulus: bit-identical.
pub fn check_reset_is_reproducible(path: &Path) -> Check {
    let sr = 48_000.0;
    let frames = 96_000;
    let mut p = Plugin::load(path).map_err(|e| e.to_string())?;
    p.activate(sr, 512).map_err(|e| e.to_string())?;
    let s = stimulus(&p, sr, frames, 13);
    let first = p
        .render(&s.input, frames, &[512], &s.events)
        .map_err(|e| e.to_string())?;
    for round in 1..3 {
        p.activate(sr, 512).map_err(|e| e.to_string())?;
        let again = p
            .render(&s.input, frames, &[512], &s.events)
            .map_err(|e| e.to_string())?;
        let d = max_diff(&again, &first);
        ensure!(
            d == 0.0,
            "render {round} after re-activation differs from the first by {d}"
        );
    }
    Ok(())
}

fn slice_block(s: &Stimulus, lo: usize, n: usize) -> (Vec<Vec<f32>>, Vec<HostEvent>) {
    let input = s.input.iter().map(|c| c[lo..lo + n].to_vec()).collect();
    let events = s
        .events
        .iter()
        .filter(|e| (lo..lo + n).contains(&e.sample()))
        .map(|e| shift(*e, lo))
        .collect();
    (input, events)
}

fn shift(e: HostEvent, by: usize) -> HostEvent {
    match e {
        HostEvent::NoteOn {
            sample,
            key,
            velocity,
        } => HostEvent::NoteOn {
            sample: sample - by,
            key,
            velocity,
        },
        HostEvent::NoteOff { sample, key } => HostEvent::NoteOff {
            sample: sample - by,
            key,
        },
        HostEvent::Param { sample, id, value } => HostEvent::Param {
            sample: sample - by,
            id,
            value,
        },
        HostEvent::Midi { sample, data } => HostEvent::Midi {
            sample: sample - by,
            data,
        },
    }
}

pub fn check_piano_notes(plugin: &mut Plugin) -> Check {
    ensure!(plugin.is_instrument(), "piano notes is an instrument check");
    let sr = 48_000.0;
    for key in [21u8, 60, 108] {
        plugin.activate(sr, 512).map_err(|e| e.to_string())?;
        let frames = 3 * 48_000;
        let ev = [
            HostEvent::NoteOn {
                sample: 0,
                key,
                velocity: 0.8,
            },
            HostEvent::NoteOff {
                sample: 24_000,
                key,
            },
        ];
        let y = plugin
            .render(&[], frames, &[512], &ev)
            .map_err(|e| e.to_string())?;
        sane(&y, &format!("key {key}"))?;
        let held = rms_all(&y.iter().map(|c| c[..12_000].to_vec()).collect::<Vec<_>>());
        let tail = rms_all(
            &y.iter()
                .map(|c| c[frames - 12_000..].to_vec())
                .collect::<Vec<_>>(),
        );
        ensure!(held > 1e-3, "key {key}: too quiet ({held})");
        ensure!(
            tail < held / 30.0,
            "key {key}: does not stop ({tail} vs {held})"
        );
    }
    Ok(())
}

/// Every parameter moved within every block (several offsets), random notes, variable
/// blocks, bad input, and re-activation at other rates. Meant for DEBUG builds, where
/// nice-plug's `assert_process_allocs` aborts the process on any allocation in `process()`.
pub fn realtime_workout(path: &Path, seconds: f64) -> Check {
    let mut p = Plugin::load(path).map_err(|e| e.to_string())?;
    let mut rng = Rng::new(21);
    for (i, &sr) in [48_000.0, 96_000.0, 44_100.0].iter().enumerate() {
        p.activate(sr, 4096).map_err(|e| e.to_string())?;
        // Playing, then a jump back while stopped, then free-running without a transport.
        p.transport = [
            Some(Transport {
                tempo_bpm: 128.0,
                playing: true,
                position_seconds: 0.0,
            }),
            Some(Transport {
                tempo_bpm: 90.0,
                playing: false,
                position_seconds: 7.5,
            }),
            None,
        ][i];
        let frames = (seconds * sr) as usize;
        let ch = p.main_in_channels();
        let mut input = drum_signal(sr, frames, ch, 2);
        for c in input.iter_mut() {
            for (i, s) in c.iter_mut().enumerate() {
                if (frames / 3..frames / 3 + 2000).contains(&i) {
                    *s = if i % 2 == 0 { f32::NAN } else { f32::INFINITY };
                }
            }
        }
        let mut events = random_notes(&mut rng, frames, sr, 30.0);
        let mut t = 0;
        while t < frames {
            for off in [0usize, 7, 200] {
                events.extend(random_param_events(&p, &mut rng, (t + off).min(frames - 1)));
            }
            t += 256;
        }
        events.sort_by_key(HostEvent::sample);
        let y = p
            .render(&input, frames, &[1, 17, 256, 4096, 64, 3, 511], &events)
            .map_err(|e| e.to_string())?;
        sane(&y, &format!("realtime workout at {sr} Hz"))?;
        // State saved and loaded between renders, as hosts do while active.
        let st = p.save_state().map_err(|e| e.to_string())?;
        p.load_state(&st).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Every check except the soak and the real-time workout, in order, with names.
pub fn all_checks(path: &Path) -> Vec<(&'static str, Check)> {
    let mut out = Vec::new();
    let mut p = match Plugin::load(path) {
        Ok(p) => p,
        Err(e) => return vec![("load", Err(e.to_string()))],
    };
    out.push(("load", Ok(())));
    out.push(("descriptor and features", check_descriptor(&p)));
    out.push(("parameters", check_params(&mut p)));
    out.push(("rates and block sizes", check_rates_and_blocks(&mut p)));
    out.push(("latency", check_latency(&mut p)));
    // Only the checks that apply, so no "ok" stands for a check that tested nothing.
    let instrument = p.is_instrument();
    if p.params.iter().any(|d| d.name == "Timing") {
        out.push((
            "latency changes only on activate",
            check_latency_change_waits_for_activate(&mut p),
        ));
    }
    if instrument {
        out.push(("piano notes", check_piano_notes(&mut p)));
    }
    let is_meter = p.descriptor.id == "audio.catalyst.density-meter";
    let shares_onsets = p.params.iter().any(|d| d.name == "Cross-track Veto");
    drop(p);
    out.push(("state round trip", check_state_round_trip(path)));
    if is_meter {
        out.push(("state restore orders", check_state_restore_orders(path)));
        out.push(("repeatable exports", check_repeatable_exports(path)));
    }
    if shares_onsets {
        out.push((
            "onsets shared across instances",
            crate::shared_onsets::check_shared_onsets(path),
        ));
    }
    out.push(("corrupt state", check_corrupt_state(path)));
    if !instrument {
        out.push(("bad input", check_bad_input(path)));
    }
    out.push(("two instances", check_two_instances(path)));
    out.push(("concurrent instances", check_concurrent_instances(path)));
    out.push(("reset reproducible", check_reset_is_reproducible(path)));
    out
}

/// `--chords SECONDS`: the piano benchmark pattern through the plugin's CLAP entry points.
///
/// Plays `catalyst_perf::chord_per_second` (a 4-note chord once a second, no pedal; the engine
/// benchmark `piano-chord-per-second` plays the same) at 48 kHz in 64-sample blocks with the
/// plugin's default parameters and nothing else: no automation, no transport. Meant for
/// `valgrind --tool=callgrind`, whose instruction counts are repeatable on a loaded machine:
/// the difference between two lengths is what the host-side `process()` costs per second of
/// steady playing. Returns the peak output level (a silent render would be a broken
/// measurement) and the audio thread's CPU seconds inside the plugin's `process` calls.
pub fn chords_once_a_second(path: &Path, seconds: f64) -> Result<(f32, f64), String> {
    let sr = 48_000.0;
    let block = 64usize;
    let mut p = Plugin::load(path).map_err(|e| e.to_string())?;
    p.activate(sr, block as u32).map_err(|e| e.to_string())?;
    let frames = (seconds * sr) as usize;
    let (pattern, loop_s) = catalyst_perf::chord_per_second();
    let mut events = Vec::new();
    let mut start = 0.0;
    while start < seconds {
        for &(t, key, velocity) in &pattern {
            let sample = ((start + t) * sr).round() as usize;
            if sample >= frames {
                continue;
            }
            events.push(match velocity {
                Some(v) => HostEvent::NoteOn {
                    sample,
                    key,
                    velocity: v as f64,
                },
                None => HostEvent::NoteOff { sample, key },
            });
        }
        start += loop_s;
    }
    // Stable: note-offs stay before the note-ons of the same sample.
    events.sort_by_key(HostEvent::sample);
    let ch = p.main_in_channels();
    let input = vec![vec![0.0f32; frames]; ch];
    let y = p
        .render(&input, frames, &[block], &events)
        .map_err(|e| e.to_string())?;
    let peak = y
        .iter()
        .flat_map(|c| c.iter())
        .fold(0.0f32, |m, &x| m.max(x.abs()));
    if !(peak > 1e-3 && peak.is_finite()) {
        return Err(format!("the chords did not sound (peak {peak})"));
    }
    Ok((peak, p.last_process_cpu_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_reference_is_a_clean_run_not_the_bad_input() {
        let clean = 0.25;
        for kind in BAD_INPUTS {
            let mut rng = Rng::new(8);
            for i in 0..100 {
                let bad = bad_sample(kind, i, &mut rng, clean);
                let want = reference_sample(kind, bad, clean);
                // The reference hears either the clean signal or silence, never the bad input.
                assert!(want == clean || want == 0.0, "{kind} {i}: {want}");
                let expected = match *kind {
                    "nan-sprinkled" if bad.is_finite() => clean,
                    "dc" | "full-scale-noise" => clean,
                    _ => 0.0,
                };
                assert_eq!(want, expected, "{kind} at {i}");
            }
        }
    }
}
