//! The ghost lane: ghost notes (strokes 20-26 dB under the accents), found beside the main
//! hits and layered at their own level, off by default.
//!
//! The main detector is left exactly as it is, so turning the lane on never changes a main hit.
//! Ghosts come from two places:
//!
//! - candidates the main detector offered and the fingerprint rejected for their level alone
//!   while shaped like the learned strokes (`Judgement::ghost`, in `onset.rs`);
//! - candidates of the lane's own onset stage, a second detector whose thresholds sit
//!   [`GHOST_THRESHOLD_OFFSET_DB`] lower (a ghost sits at the edge of the default 27 dB range,
//!   where the near-threshold rules ask for a steeper rise than a soft stroke on a ringing drum
//!   has). Each is judged [`JUDGE_AFTER_ONSET_MS`] after its onset against the main detector's
//!   fingerprint, learning nothing: it is a ghost when it lies within the ghost range of the
//!   learned level and its wires, air and low band are those of the learned strokes (a hat's
//!   sizzle, a kick's low end fail as in the main lane). A candidate the main detector also
//!   offered (within [`SAME_HIT_MS`]) is the main lane's to decide.
//!
//! Without Reject Bleed there is no fingerprint: main hits more than `GHOST_RELATIVE_DB` under
//! the loudest recent hit are marked as ghosts instead (`onset.rs`), and this stage does not run.

use super::onset::{JUDGE_AFTER_ONSET_MS, Onset, OnsetDetector, OnsetSettings};

/// How much lower the lane's onset stage's thresholds sit than the main detector's, dB.
pub const GHOST_THRESHOLD_OFFSET_DB: f32 = 12.0;
/// A lane candidate whose onset lies this close to one the main detector offered is the same
/// hit, ms (the onset stages may place one onset a little apart; strokes of a 16th-note roll
/// at 200 BPM are 75 ms apart).
pub const SAME_HIT_MS: f32 = 10.0;

#[derive(Debug, Clone)]
pub struct GhostLane {
    sample_rate: f32,
    stage: OnsetDetector,
    /// A candidate waiting for its judgement: the hit, its onset index, samples left.
    waiting: Option<(Onset, u64, usize)>,
    /// The last judged candidate's onset index and judgement (diagnostics).
    #[cfg(test)]
    pub(crate) last_judgement: Option<(u64, super::fingerprint::Judgement)>,
}

impl GhostLane {
    /// Allocates the stage's histories; call off the audio thread.
    pub fn new(sample_rate: f32, settings: OnsetSettings) -> Self {
        let mut lane = Self {
            sample_rate,
            stage: OnsetDetector::new(sample_rate, Self::stage_settings(settings)),
            waiting: None,
            #[cfg(test)]
            last_judgement: None,
        };
        lane.stage
            .set_threshold_offset_db(GHOST_THRESHOLD_OFFSET_DB);
        lane
    }

    /// The lane's onset stage: the main detector's settings without the fingerprint.
    fn stage_settings(settings: OnsetSettings) -> OnsetSettings {
        OnsetSettings {
            reject_bleed: false,
            ghost_lane: false,
            ..settings
        }
    }

    /// Re-sizes for a new rate (allocates); call off the audio thread. Resets.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.stage.set_sample_rate(sample_rate);
        self.reset();
    }

    pub fn set_settings(&mut self, settings: OnsetSettings) {
        self.stage.set_settings(Self::stage_settings(settings));
    }

    pub fn reset(&mut self) {
        self.stage.reset();
        self.waiting = None;
    }

    /// Resets and sets the lane's clock to `index`, the main detector's sample count (for a
    /// lane switched on while the detector runs).
    pub fn restart_at(&mut self, index: u64) {
        self.reset();
        self.stage.restart_at(index);
    }

    /// One sample of the trigger input (finite, within +-16), after `main` processed it. Returns
    /// a ghost when one is judged. `main` must have been reset together with the lane, so the
    /// two count samples alike.
    pub fn process(&mut self, x: f32, main: &OnsetDetector) -> Option<Onset> {
        // The sample just processed, on both detectors' clocks.
        let now = self.stage.sample_index();
        if let Some(candidate) = self.stage.process_clean(x) {
            let onset = now - candidate.onset_age as u64;
            let judge_at = onset + self.ms(JUDGE_AFTER_ONSET_MS) as u64;
            let left = if main.settings().lookahead {
                judge_at.saturating_sub(now) as usize
            } else {
                0
            };
            // One waits at a time: a newer candidate replaces an older one still waiting (the
            // closest ghosts are 16th notes apart, far longer than the wait).
            self.waiting = Some((candidate, onset, left));
        }
        let (candidate, onset, left) = self.waiting.as_mut()?;
        if *left > 0 {
            *left -= 1;
            return None;
        }
        let (mut candidate, onset) = (*candidate, *onset);
        self.waiting = None;
        let same = self.ms(SAME_HIT_MS) as u64;
        if main
            .last_candidate_onset()
            .is_some_and(|m| m.abs_diff(onset) <= same)
        {
            return None;
        }
        let judgement = main.judge_without_learning(onset, now);
        #[cfg(test)]
        {
            self.last_judgement = Some((onset, judgement));
        }
        if !judgement.ghost_like {
            return None;
        }
        candidate.ghost = true;
        candidate.confidence = judgement.ghost_confidence;
        candidate.onset_age = (now - onset) as usize;
        candidate.start_delay = main.latency_samples().saturating_sub(candidate.onset_age);
        if !main.settings().lookahead {
            candidate.start_delay = 0;
        }
        Some(candidate)
    }

    fn ms(&self, ms: f32) -> usize {
        (ms * 0.001 * self.sample_rate).round() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::{HitEvent, SnareEngine, SnareSettings};
    use catalyst_test_support::snare_mic_track::{TUNING_SETS, TrackSpec, snare_mic_track};

    /// The engine over `input` (mono) in blocks of `block`: output and hits (offsets made
    /// absolute).
    fn render(
        settings: SnareSettings,
        input: &[f32],
        sr: f32,
        block: usize,
    ) -> (Vec<f32>, Vec<HitEvent>) {
        let mut engine = SnareEngine::new(sr, settings);
        let mut out = input.to_vec();
        let mut hits = Vec::new();
        for (k, chunk) in out.chunks_mut(block).enumerate() {
            engine.process(&mut [chunk], &[]);
            hits.extend(engine.hits().iter().map(|h| HitEvent {
                offset: h.offset + k * block,
                ..*h
            }));
        }
        (out, hits)
    }

    /// Only the body layer (a decaying tone, linear in its strike gain), nothing random.
    fn body_only(ghost_lane: bool, ghost_level_db: f32) -> SnareSettings {
        let mut s = SnareSettings::default();
        s.detector.ghost_lane = ghost_lane;
        s.mix.ghost_level_db = ghost_level_db;
        s.mix.humanize = 0.0;
        s.mix.layer_solo = true;
        s.layers.cabinet.common.enabled = false;
        s.layers.tail.common.enabled = false;
        s.layers.sample.common.enabled = false;
        s.layers.body.common.enabled = true;
        s
    }

    /// On a recorded snare with little bleed: the lane adds ghost hits and leaves every main hit
    /// where it was, at any block size; a ghost's layers play at the Ghost Level.
    #[test]
    fn the_lane_adds_ghosts_at_their_level_and_keeps_the_main_hits() {
        let mut spec = TrackSpec::random(3);
        spec.hat_db -= 18.0;
        spec.kick_db -= 18.0;
        let track = snare_mic_track(&TUNING_SETS[0], spec);
        let sr = spec.sample_rate;
        let (_, off_hits) = render(body_only(false, 0.0), &track.signal, sr, 64);
        let (full, full_hits) = render(body_only(true, 0.0), &track.signal, sr, 64);
        let times = |hits: &[HitEvent], ghost: bool| -> Vec<u64> {
            hits.iter()
                .filter(|h| h.ghost == ghost)
                .map(|h| h.sample_time)
                .collect()
        };
        assert!(off_hits.iter().all(|h| !h.ghost));
        assert_eq!(times(&full_hits, false), times(&off_hits, false));
        let ghosts = times(&full_hits, true);
        assert!(ghosts.len() >= 4, "{} ghosts", ghosts.len());
        for block in [1, 997, 4096] {
            let (_, hits) = render(body_only(true, 0.0), &track.signal, sr, block);
            assert_eq!(hits, full_hits, "block {block}");
        }
        // The body restarts on each strike at the strike's gain: 1-4 ms after each ghost starts,
        // the output's peak at -12 dB is 10^(-12/20) of its peak at 0 dB.
        let (quiet, _) = render(body_only(true, -12.0), &track.signal, sr, 64);
        let peak = |out: &[f32], at: u64| {
            let from = at as usize + (0.001 * sr) as usize;
            let to = at as usize + (0.004 * sr) as usize;
            out[from..to].iter().fold(0.0f32, |m, x| m.max(x.abs()))
        };
        let mut ratios: Vec<f32> = ghosts
            .iter()
            .map(|&at| 20.0 * (peak(&quiet, at) / peak(&full, at)).log10())
            .collect();
        ratios.sort_by(f32::total_cmp);
        let ratio_db = ratios[ratios.len() / 2];
        assert!(
            (ratio_db + 12.0).abs() < 0.1,
            "ghost level {ratio_db:.2} dB ({ratios:?})"
        );
    }

    /// Without Reject Bleed the lane runs no stage of its own: the same hits, those more than
    /// 12 dB under the loudest recent hit marked as ghosts.
    #[test]
    fn without_reject_bleed_quiet_hits_are_marked_as_ghosts() {
        use super::super::onset::{GHOST_RELATIVE_DB, OnsetDetector, OnsetSettings};
        let mut spec = TrackSpec::random(4);
        spec.hat_db -= 18.0;
        spec.kick_db -= 18.0;
        let track = snare_mic_track(&TUNING_SETS[1], spec);
        let run = |ghost_lane| {
            let settings = OnsetSettings {
                reject_bleed: false,
                ghost_lane,
                ..OnsetSettings::default()
            };
            let mut d = OnsetDetector::new(spec.sample_rate, settings);
            let mut hits = Vec::new();
            for (i, &x) in track.signal.iter().enumerate() {
                if let Some(o) = d.process(x) {
                    hits.push((i, o));
                }
            }
            hits
        };
        let (off, on) = (run(false), run(true));
        assert_eq!(off.len(), on.len());
        let mut ghosts = 0;
        for ((i, a), (j, b)) in off.iter().zip(&on) {
            assert_eq!((i, a.onset_age, a.velocity), (j, b.onset_age, b.velocity));
            assert!(!a.ghost);
            assert_eq!(b.ghost, b.relative_db < -GHOST_RELATIVE_DB);
            ghosts += b.ghost as usize;
        }
        assert!(ghosts > 0 && ghosts < on.len(), "{ghosts} of {}", on.len());
    }

    /// Switched on while the engine runs, the lane keeps the detector's clock: the ghosts it
    /// finds from then on are ghosts the lane finds when on from the start.
    #[test]
    fn switched_on_mid_track_the_lane_finds_the_same_ghosts() {
        let mut spec = TrackSpec::random(3);
        spec.hat_db -= 18.0;
        spec.kick_db -= 18.0;
        let track = snare_mic_track(&TUNING_SETS[0], spec);
        let sr = spec.sample_rate;
        let (_, always) = render(body_only(true, 0.0), &track.signal, sr, 64);
        let switch_at = (3.0 * sr) as usize / 64 * 64;
        let mut engine = SnareEngine::new(sr, body_only(false, 0.0));
        let mut out = track.signal.clone();
        let mut late = Vec::new();
        for (k, chunk) in out.chunks_mut(64).enumerate() {
            if k * 64 == switch_at {
                engine.set_settings(&body_only(true, 0.0));
            }
            engine.process(&mut [chunk], &[]);
            late.extend(
                engine
                    .hits()
                    .iter()
                    .filter(|h| h.ghost)
                    .map(|h| h.sample_time),
            );
        }
        let reference: Vec<u64> = always
            .iter()
            .filter(|h| h.ghost && h.sample_time >= switch_at as u64)
            .map(|h| h.sample_time)
            .collect();
        assert!(
            !late.is_empty() && !reference.is_empty(),
            "{late:?} {reference:?}"
        );
        let tolerance = (0.010 * sr) as u64;
        for t in &late {
            assert!(
                reference.iter().any(|r| r.abs_diff(*t) <= tolerance),
                "ghost at {t} not found with the lane on from the start: {reference:?}"
            );
        }
    }
}
