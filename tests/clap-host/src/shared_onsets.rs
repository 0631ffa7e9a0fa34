//! The Snare Layerer's shared onsets (issue 14: "leakage suppression across instances") through
//! the built plugin: two instances of one loaded bundle, as on a snare track and a kick track
//! of one session, rendered in step by [`render_in_step`] with one playing transport.
//!
//! Material: test-support's `kick_and_snare_mics` (the sidechain Reject's material): a kick
//! every 500 ms at full strength on its own mic, leaking into the snare mic 12 dB under the
//! snare and 1 ms late, a snare stroke between every two kicks, plus one stroke struck 1 ms
//! after a kick at full level. The snare instance layers with Reject Bleed off (its
//! fingerprint would reject this bleed too), so only the Cross-track Veto can keep the bleed
//! from layering; the kick instance listens only. Hits are counted from the snare instance's
//! MIDI out (one note-on per layered hit).
//!
//! Expected, from the veto's rule (`shared-dsp/src/snare/onset_bus.rs`: a candidate from 10 ms
//! after to 3 ms before another track's onset standing 6 dB higher is vetoed): with the veto
//! on, no hit on a kick alone (its bleed stands 12 dB under the snare, the kick 0 dB on its own
//! mic), every stroke layered, also the one struck with a kick (both at full strength); with
//! the veto off the bleed layers. A candidate is judged 6 ms after its onset and the kick's
//! onset is published about 1.5 ms after it, so at 64-sample blocks (1.3 ms) both processing
//! orders must agree.
//!
//! Not recorded drums: on `snare_mic_track`'s recorded bleed (ColomboAcousticDrumkit, 120 BPM,
//! the kick 10 dB under the snare and low-passed at 0.8-2.5 kHz by distance, its beater click
//! lost) the snare instance's onset detector placed the bleed's onset 9.3 ms after its true
//! onset and the kick instance the kick 3.4 ms after its onset on its own mic, 1.25 ms before
//! the bleed: 7.1 ms apart, outside the window of 3 ms either side the veto had then (it now
//! reaches 10 ms back). The engine test `onset_sharing_tests.rs`
//! (`a_listening_kick_track_vetoes_recorded_kick_bleed`) measures the veto on recorded kits.

use std::path::Path;

use catalyst_test_support::drum_hits::{add_snare, kick_and_snare_mics};
use shared_dsp::rng::Rng;

use crate::checks::Check;
use crate::host::{Plugin, Transport, render_in_step};

const SR: f64 = 48_000.0;
const BLOCK: usize = 64;
/// A hit counts for an event when its onset lies this close (the engine test's tolerance).
const MATCH_MS: f64 = 3.0;
fn ms(x: f64) -> usize {
    (x * 0.001 * SR) as usize
}

fn near(hits: &[usize], at: usize, window: usize) -> bool {
    hits.iter().any(|&h| h.abs_diff(at) <= window)
}

/// The two mics and the truth.
struct Material {
    kick_mic: Vec<f32>,
    snare_mic: Vec<f32>,
    /// Onsets of every snare stroke.
    strokes: Vec<usize>,
    /// Onsets of the kick's bleed on the snare mic where no stroke is near.
    bleed_alone: Vec<usize>,
}

fn material() -> Material {
    let sr = SR as f32;
    let (kick_mic, mut snare_mic, mut strokes) = kick_and_snare_mics(sr, 3);
    let late = ms(1.0);
    let beat = ms(500.0);
    let first_kick = ms(100.0);
    let kicks: Vec<usize> = (0..5).map(|k| first_kick + k * beat).collect();
    // A stroke struck with the fifth kick, at full strength like the others.
    let together = kicks[4] + late;
    add_snare(&mut snare_mic, sr, together, 0.5, &mut Rng::new(4));
    strokes.push(together);
    strokes.sort_unstable();
    let bleed_alone = kicks[..4].iter().map(|&k| k + late).collect();
    Material {
        kick_mic,
        snare_mic,
        strokes,
        bleed_alone,
    }
}

/// What one pair render gave: the snare instance's hit onsets (input timeline), the listening
/// kick instance's note-ons and its largest deviation from its input delayed by its latency.
struct PairRun {
    snare_hits: Vec<usize>,
    kick_notes: usize,
    kick_passthrough_error: f32,
}

fn instance(
    first: Option<&Plugin>,
    path: &Path,
    settings: &[(&str, &str)],
) -> Result<Plugin, String> {
    let mut p = match first {
        Some(f) => f.another(),
        None => Plugin::load(path),
    }
    .map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    for &(name, text) in settings {
        let id = p
            .param_id(name)
            .ok_or_else(|| format!("no parameter {name:?}"))?;
        let v = p
            .text_to_value(id, text)
            .ok_or_else(|| format!("{name}: {text:?} not understood"))?;
        values.push((name, v));
    }
    p.set_params_inactive(&values).map_err(|e| e.to_string())?;
    p.activate(SR, BLOCK as u32).map_err(|e| e.to_string())?;
    for &(name, v) in &values {
        let now = p.param_id(name).and_then(|id| p.param_value(id));
        if now.is_none_or(|now| (now - v).abs() > 1e-6 * v.abs().max(1.0)) {
            return Err(format!("{name} is {now:?} after setting {v}"));
        }
    }
    Ok(p)
}

fn run_pair(path: &Path, m: &Material, veto: bool, snare_first: bool) -> Result<PairRun, String> {
    let snare_settings = [
        ("Role", "Layer"),
        ("Cross-track Veto", if veto { "On" } else { "Off" }),
        ("Reject Bleed", "Off"),
        ("MIDI Out", "On"),
        // The engine test's threshold: every stroke and the bleed pass it.
        ("Threshold", "-60 dB"),
    ];
    let kick_settings = [
        ("Role", "Listen only"),
        ("Reject Bleed", "Off"),
        ("MIDI Out", "On"),
    ];
    let mut snare = instance(None, path, &snare_settings)?;
    let mut kick = instance(Some(&snare), path, &kick_settings)?;
    let stereo = |x: &[f32], p: &Plugin| vec![x.to_vec(); p.main_in_channels()];
    let inputs = [stereo(&m.snare_mic, &snare), stereo(&m.kick_mic, &kick)];
    let order: &[usize] = if snare_first { &[0, 1] } else { &[1, 0] };
    let (snare_latency, kick_latency) = (snare.latency() as usize, kick.latency() as usize);
    let frames = m.snare_mic.len() + snare_latency.max(kick_latency);
    // Somewhere into the song, not at its start: alignment is by the position, not by zero.
    let mut transport = Transport {
        tempo_bpm: 120.0,
        playing: true,
        position_seconds: 37.25,
    };
    let out = render_in_step(
        &mut [&mut snare, &mut kick],
        &inputs,
        order,
        frames,
        BLOCK,
        &mut transport,
    )
    .map_err(|e| e.to_string())?;
    let snare_hits = out[0]
        .note_ons
        .iter()
        .filter_map(|&t| t.checked_sub(snare_latency))
        .collect();
    let kick_passthrough_error = out[1]
        .audio
        .iter()
        .flat_map(|ch| {
            ch.iter().enumerate().map(|(n, &y)| {
                let x = n
                    .checked_sub(kick_latency)
                    .and_then(|i| m.kick_mic.get(i))
                    .copied()
                    .unwrap_or(0.0);
                (y - x).abs()
            })
        })
        .fold(0.0f32, f32::max);
    Ok(PairRun {
        snare_hits,
        kick_notes: out[1].note_ons.len(),
        kick_passthrough_error,
    })
}

/// Snare instance + listening kick instance, veto on in both processing orders and off.
pub fn check_shared_onsets(path: &Path) -> Check {
    let m = material();
    let (strokes, bleed_alone) = (&m.strokes, &m.bleed_alone);
    // The material tests/README.md describes: 7 strokes, 4 kicks alone.
    if strokes.len() != 7 || bleed_alone.len() != 4 {
        return Err(format!(
            "material changed: {} strokes, {} kicks alone",
            strokes.len(),
            bleed_alone.len()
        ));
    }
    let tally = |r: &PairRun| {
        let layered_strokes = strokes
            .iter()
            .filter(|&&s| near(&r.snare_hits, s, ms(MATCH_MS)))
            .count();
        let layered_bleed = bleed_alone
            .iter()
            .filter(|&&k| near(&r.snare_hits, k, ms(MATCH_MS)))
            .count();
        (layered_strokes, layered_bleed)
    };
    let off = run_pair(path, &m, false, false)?;
    let (off_strokes, off_bleed) = tally(&off);
    // The first kick's bleed, 80 ms after the first stroke, does not trigger even alone (as in
    // the engine test, `onset_sharing_tests.rs`); the three others must.
    if off_strokes != strokes.len() || off_bleed + 1 < bleed_alone.len() {
        return Err(format!(
            "veto off: {off_strokes}/{} strokes and {off_bleed}/{} kicks' bleed layered \
             (expected every stroke and all bleed but the first)",
            strokes.len(),
            bleed_alone.len()
        ));
    }
    for snare_first in [false, true] {
        let order = if snare_first {
            "snare first"
        } else {
            "kick first"
        };
        let on = run_pair(path, &m, true, snare_first)?;
        let (on_strokes, on_bleed) = tally(&on);
        if on_strokes != strokes.len() || on_bleed != 0 {
            return Err(format!(
                "veto on, {order}: {on_strokes}/{} strokes and {on_bleed}/{} kicks' bleed \
                 layered (expected every stroke, no bleed; {off_bleed} with the veto off)",
                strokes.len(),
                bleed_alone.len()
            ));
        }
        if on.kick_notes != 0 || on.kick_passthrough_error > 1e-6 {
            return Err(format!(
                "listening kick instance, {order}: {} notes, passthrough off by {}",
                on.kick_notes, on.kick_passthrough_error
            ));
        }
    }
    Ok(())
}
