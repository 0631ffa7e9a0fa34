//! Two engines sharing onsets through one [`OnsetBus`], as two plugin instances on a kick
//! track and a snare track do: the kick instance listens only, the snare instance vetoes the
//! kick's bleed.

use super::engine::{HitEvent, SnareEngine, SnareSettings};
use super::onset_bus::{BusSlot, OnsetBus};
use catalyst_test_support::drum_hits::{add_snare, kick_and_snare_mics};
use catalyst_test_support::snare_mic_track::{
    DrumSet, HELD_OUT_SETS, Stroke, TUNING_SETS, TrackSpec, snare_mic_track,
};
use std::sync::Arc;

const SR: f32 = 48_000.0;

fn snare_settings(cross_track_veto: bool) -> SnareSettings {
    let mut s = SnareSettings::default();
    // The veto alone (the fingerprint would reject this kick's bleed too).
    s.detector.reject_bleed = false;
    s.detector.threshold_db = -60.0;
    s.mix.cross_track_veto = cross_track_veto;
    s
}

fn listen_only() -> SnareSettings {
    let mut s = SnareSettings::default();
    s.detector.reject_bleed = false;
    s.mix.listen_only = true;
    s
}

/// Runs the kick instance and the snare instance (at `sr`) block by block on one timeline
/// (starting at `origin`), the kick's block first when `kick_first`. Returns the snare's hits (layer starts
/// on its output timeline), the kick's hits and the kick's output.
fn run_pair(
    sr: f32,
    kick_mic: &[f32],
    snare_mic: &[f32],
    snare: SnareSettings,
    block: usize,
    kick_first: bool,
    origin: i64,
) -> (Vec<HitEvent>, Vec<HitEvent>, Vec<f32>) {
    let bus = Arc::new(OnsetBus::new(4));
    let mut kick_engine = SnareEngine::new(sr, listen_only());
    let mut snare_engine = SnareEngine::new(sr, snare);
    kick_engine.set_onset_bus(BusSlot::claim(bus.clone()));
    snare_engine.set_onset_bus(BusSlot::claim(bus.clone()));
    let (mut kick_out, mut snare_out) = (kick_mic.to_vec(), snare_mic.to_vec());
    let (mut snare_hits, mut kick_hits) = (Vec::new(), Vec::new());
    let mut start = 0;
    while start < snare_out.len() {
        let end = (start + block).min(snare_out.len());
        let position = Some(origin + start as i64);
        let mut run_kick = |e: &mut SnareEngine, out: &mut [f32]| {
            e.set_timeline_position(position);
            e.process(&mut [out], &[]);
            kick_hits.extend_from_slice(e.hits());
        };
        if kick_first {
            run_kick(&mut kick_engine, &mut kick_out[start..end]);
        }
        snare_engine.set_timeline_position(position);
        snare_engine.process(&mut [&mut snare_out[start..end]], &[]);
        snare_hits.extend_from_slice(snare_engine.hits());
        if !kick_first {
            run_kick(&mut kick_engine, &mut kick_out[start..end]);
        }
        start = end;
    }
    (snare_hits, kick_hits, kick_out)
}

/// Kick bleed 12 dB under the snare on the snare mic, the kick at full strength on its own
/// mic, one snare stroke struck with a kick: the bleed is vetoed, every stroke kept.
#[test]
fn a_listening_kick_instance_vetoes_its_bleed_on_the_snare_instance() {
    let (kick_mic, mut snare_mic, strokes) = kick_and_snare_mics(SR, 3);
    let mut rng = crate::rng::Rng::new(4);
    let late = (0.001 * SR) as usize;
    let together = (0.1 * SR) as usize + 4 * (0.5 * SR) as usize;
    add_snare(&mut snare_mic, SR, together + late, 0.5, &mut rng);
    let mut expected: Vec<usize> = strokes.clone();
    expected.push(together + late);
    expected.sort_unstable();
    let latency = SnareEngine::new(SR, snare_settings(true)).latency_samples();
    let starts = |hits: &[HitEvent]| -> Vec<i64> {
        hits.iter()
            .map(|h| h.sample_time as i64 - latency as i64)
            .collect()
    };
    let on_strokes = |hits: &[i64]| {
        expected.iter().all(|&t| {
            hits.iter()
                .any(|&h| h.abs_diff(t as i64) <= (0.003 * SR) as u64)
        })
    };
    // Without the veto the kick's bleed triggers the snare instance.
    let (alone, ..) = run_pair(
        SR,
        &kick_mic,
        &snare_mic,
        snare_settings(false),
        64,
        true,
        0,
    );
    let alone = starts(&alone);
    assert!(on_strokes(&alone));
    assert!(
        alone.len() >= expected.len() + 3,
        "the bleed never triggered: {alone:?}"
    );
    // With it, at any block size when the host runs the kick's track first, and with the snare's
    // track first when a block is shorter than the time between the two detections.
    for (block, kick_first, origin) in [
        (64, true, 0),
        (512, true, 1_234_567),
        (4096, true, -5_000),
        (1, false, 0),
        (16, false, 77),
    ] {
        let (hits, kick_hits, kick_out) = run_pair(
            SR,
            &kick_mic,
            &snare_mic,
            snare_settings(true),
            block,
            kick_first,
            origin,
        );
        let hits = starts(&hits);
        assert!(
            on_strokes(&hits),
            "block {block}: a stroke vetoed: {hits:?}"
        );
        assert_eq!(
            hits.len(),
            expected.len(),
            "block {block} kick first {kick_first}: {hits:?}"
        );
        // The listening instance layers nothing and passes its drum through, only delayed.
        assert!(kick_hits.is_empty());
        let delay = SnareEngine::new(SR, listen_only()).latency_samples();
        for (n, &y) in kick_out.iter().enumerate() {
            let x = if n >= delay { kick_mic[n - delay] } else { 0.0 };
            assert!(
                (y - x).abs() <= 1e-6,
                "block {block}: listen-only output at {n}"
            );
        }
    }
}

/// Without the host's timeline nothing is shared (the instances cannot be aligned): the snare
/// instance then works as alone.
#[test]
fn without_a_timeline_nothing_is_vetoed() {
    let (kick_mic, snare_mic, _) = kick_and_snare_mics(SR, 5);
    let bus = Arc::new(OnsetBus::new(2));
    let mut kick = SnareEngine::new(SR, listen_only());
    let mut snare = SnareEngine::new(SR, snare_settings(true));
    kick.set_onset_bus(BusSlot::claim(bus.clone()));
    snare.set_onset_bus(BusSlot::claim(bus.clone()));
    let mut alone = SnareEngine::new(SR, snare_settings(true));
    let (mut k, mut s, mut a) = (kick_mic.clone(), snare_mic.clone(), snare_mic.clone());
    let (mut shared_hits, mut alone_hits) = (Vec::new(), Vec::new());
    for ((kc, sc), ac) in k
        .chunks_mut(128)
        .zip(s.chunks_mut(128))
        .zip(a.chunks_mut(128))
    {
        kick.process(&mut [kc], &[]);
        snare.process(&mut [sc], &[]);
        alone.process(&mut [ac], &[]);
        shared_hits.extend_from_slice(snare.hits());
        alone_hits.extend_from_slice(alone.hits());
    }
    assert_eq!(shared_hits, alone_hits);
    assert_eq!(s, a);
}

/// What the snare instance layered on recorded snare-mic tracks, with and without a listening
/// instance on the kick's own mic.
#[derive(Debug, Default, Clone, Copy)]
struct VetoReport {
    required: usize,
    found_alone: usize,
    found_shared: usize,
    /// Hits on no snare stroke, and of them those on a kick's bleed.
    false_alone: usize,
    false_shared: usize,
    at_kicks_alone: usize,
    at_kicks_shared: usize,
}

fn veto_on_recorded_tracks(
    sets: &[DrumSet],
    seed: u32,
    tracks: u32,
    reject_bleed: bool,
) -> VetoReport {
    let mut r = VetoReport::default();
    for (s, set) in sets.iter().enumerate() {
        for t in 0..tracks {
            let spec = TrackSpec::random(seed + 1_000 * s as u32 + t);
            let track = snare_mic_track(set, spec);
            let sr = spec.sample_rate;
            let settings = |veto: bool| {
                let mut x = SnareSettings::default();
                x.detector.reject_bleed = reject_bleed;
                x.mix.cross_track_veto = veto;
                x.layers.cabinet.common.enabled = false;
                x.layers.tail.common.enabled = false;
                x.layers.body.common.enabled = false;
                x.layers.sample.common.enabled = false;
                x
            };
            let latency = SnareEngine::new(sr, settings(true)).latency_samples() as i64;
            let tol = (0.010 * sr) as i64;
            let near = |at: i64, f: &dyn Fn(Stroke) -> bool| {
                track
                    .events
                    .iter()
                    .any(|e| f(e.stroke) && (e.onset as i64 - at).abs() <= tol)
            };
            let required: Vec<i64> = track
                .events
                .iter()
                .filter(|e| e.stroke == Stroke::Required)
                .map(|e| e.onset as i64)
                .collect();
            let score = |veto: bool| {
                let (hits, ..) = run_pair(
                    sr,
                    &track.kick_mic,
                    &track.signal,
                    settings(veto),
                    64,
                    true,
                    1_000_000,
                );
                let starts: Vec<i64> = hits
                    .iter()
                    .map(|h| h.sample_time as i64 - latency)
                    .collect();
                let found = required
                    .iter()
                    .filter(|&&t| starts.iter().any(|&h| (h - t).abs() <= tol))
                    .count();
                let snare_stroke = |k: Stroke| !matches!(k, Stroke::Kick | Stroke::Hat);
                let falses: Vec<i64> = starts
                    .iter()
                    .copied()
                    .filter(|&h| !near(h, &snare_stroke))
                    .collect();
                let at_kicks = falses
                    .iter()
                    .filter(|&&h| near(h, &|k| k == Stroke::Kick))
                    .count();
                (found, falses.len(), at_kicks)
            };
            let (fa, xa, ka) = score(false);
            let (fs, xs, ks) = score(true);
            r.required += required.len();
            r.found_alone += fa;
            r.found_shared += fs;
            r.false_alone += xa;
            r.false_shared += xs;
            r.at_kicks_alone += ka;
            r.at_kicks_shared += ks;
        }
    }
    r
}

/// A count within the README's tolerance of the printed figure: +-5 %, at least +-2.
fn near_printed(value: usize, printed: usize) -> bool {
    (value as f32 - printed as f32).abs() <= (0.05 * printed as f32).max(2.0)
}

/// Recorded kits (test-support's snare-mic tracks: kick bleed 6-14 dB under the snare,
/// low-passed and late, hats, a room, a count-in of kick and hats), a Listen-only instance on
/// the kick's own mic, 64-sample blocks in step. Tuning kits printed; held-out kits (two
/// tracks each of the four, 192 required strokes) asserted at the README's figures: with the
/// onset stage alone (Reject Bleed off) the veto removes a third of the triggers on kick bleed
/// (126 -> 85); at the defaults the false triggers, all at kicks, go from 17 to 8; either way 2
/// strokes are lost (a soft stroke struck with the kick stands 6 dB under the kick on its own
/// mic, as bleed does). The rest of the bleed passes because the rule compares each onset with
/// its own track's loudest hits: bleed 6-8 dB under the snare is barely 6 dB under the kick's
/// full strength, and in the count-in the snare mic's loudest hits are that bleed.
#[test]
fn a_listening_kick_track_vetoes_recorded_kick_bleed() {
    for reject_bleed in [false, true] {
        let tuning = veto_on_recorded_tracks(&TUNING_SETS, 0, 2, reject_bleed);
        eprintln!("tuning, Reject Bleed {reject_bleed}: {tuning:?}");
    }
    let off = veto_on_recorded_tracks(&HELD_OUT_SETS, 500, 2, false);
    eprintln!("held out, Reject Bleed off: {off:?}");
    assert_eq!(off.required, 192);
    assert!(near_printed(off.at_kicks_alone, 126), "{off:?}");
    assert!(near_printed(off.at_kicks_shared, 85), "{off:?}");
    assert!(off.found_alone - off.found_shared <= 2, "{off:?}");
    let on = veto_on_recorded_tracks(&HELD_OUT_SETS, 500, 2, true);
    eprintln!("held out, defaults: {on:?}");
    assert!(near_printed(on.false_alone, 17), "{on:?}");
    assert!(near_printed(on.false_shared, 8), "{on:?}");
    assert!(on.found_alone - on.found_shared <= 2, "{on:?}");
}
