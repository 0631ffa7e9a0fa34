//! Sidechain Reject: a kick or hi-hat mic routed to the sidechain vetoes the hits its drum
//! leaks into the snare mic (apTrigga's "Reject" input, Slate Trigger's leakage suppression).
//!
//! The reject input runs its own onset detector (default settings, no fingerprint). A main hit
//! is vetoed when the reject input had an onset near it (from [`VETO_BEFORE_MS`] before to
//! [`VETO_AFTER_MS`] after) that stands
//! higher against the reject input's own loudest recent hits than the main hit does against the
//! snare's, by at least [`VETO_MARGIN_DB`]. Bleed is exactly that: at full strength on its own
//! mic, 6-14 dB under the snare on the snare mic. A snare struck together with the kick stands
//! at full strength on both mics and is kept. The reject input's onset comes first: its drum
//! reaches its own mic before it reaches the snare mic. Before the snare mic's first real hit
//! there is nothing to measure bleed against, so bleed before the first snare stroke passes.

use super::onset::{OnsetDetector, OnsetSettings};

/// A reject onset up to this long before a main hit's onset can veto it, ms. The other drum
/// reaches its own mic first (0.3-3 ms of path to the snare mic), and distance low-passes its
/// bleed, so the onset stage places the bleed's onset later than the close mic's: a kick's
/// bleed without its beater click rises over the first quarter period of its fundamental
/// (about 6 ms at 40 Hz). Measured on a tuning kit (ColomboAcousticDrumkit, every kick of a
/// snare-mic track): the snare mic's onset estimate 7.1 ms after the kick mic's.
pub const VETO_BEFORE_MS: f32 = 10.0;
/// ... or up to this long after it (the two onset estimates' jitter), ms.
pub const VETO_AFTER_MS: f32 = 3.0;

/// Whether an onset of another mic at `other` may veto a candidate at `onset` (samples on one
/// timeline): from [`VETO_BEFORE_MS`] before the candidate to [`VETO_AFTER_MS`] after it.
#[inline]
pub fn within_veto_window(other: i64, onset: i64, sample_rate: f32) -> bool {
    let before = (VETO_BEFORE_MS * 0.001 * sample_rate) as i64;
    let after = (VETO_AFTER_MS * 0.001 * sample_rate) as i64;
    let d = onset.wrapping_sub(other);
    (-after..=before).contains(&d)
}
/// ... when its level relative to its own loudest recent hits exceeds the main hit's by this.
pub const VETO_MARGIN_DB: f32 = 6.0;
/// Reject onsets remembered (a few ms of them is all a veto looks at).
const RECENT: usize = 8;

#[derive(Debug, Clone)]
pub struct SidechainReject {
    sample_rate: f32,
    detector: OnsetDetector,
    /// Onsets of the reject input: (engine sample of the onset, level relative to its loudest
    /// recent hits, dB), a ring.
    recent: [(u64, f32); RECENT],
    next: usize,
}

impl SidechainReject {
    /// Allocates the detector's histories; call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let settings = OnsetSettings {
            lookahead: true,
            reject_bleed: false,
            ..OnsetSettings::default()
        };
        Self {
            sample_rate,
            detector: OnsetDetector::new(sample_rate, settings),
            recent: [(0, f32::NEG_INFINITY); RECENT],
            next: 0,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.detector.set_sample_rate(sample_rate);
        self.reset();
    }

    pub fn reset(&mut self) {
        self.detector.reset();
        self.recent = [(0, f32::NEG_INFINITY); RECENT];
        self.next = 0;
    }

    /// One sample of the reject input (finite, within +-16) at engine sample `now`.
    #[inline]
    pub fn process(&mut self, x: f32, now: u64) {
        if let Some(o) = self.detector.process_clean(x) {
            self.recent[self.next] = (now.saturating_sub(o.onset_age as u64), o.relative_db);
            self.next = (self.next + 1) % RECENT;
        }
    }

    /// Whether a main hit with onset at engine sample `onset` and relative level `relative_db`
    /// is another drum's bleed.
    pub fn vetoes(&self, onset: u64, relative_db: f32) -> bool {
        self.recent.iter().any(|&(t, level)| {
            level.is_finite()
                && within_veto_window(t as i64, onset as i64, self.sample_rate)
                && level > relative_db + VETO_MARGIN_DB
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_test_support::drum_hits::{add_snare, kick_and_snare_mics};

    const SR: f32 = 48_000.0;

    #[test]
    fn kick_bleed_is_vetoed_and_a_snare_struck_with_the_kick_is_kept() {
        // Kick mic and snare mic with bleed (see `kick_and_snare_mics`), plus one snare stroke
        // struck together with the last kick. The first hit on the snare mic is a snare stroke: before any, the snare mic has no
        // loudest hit to measure bleed against (a known limit; Reject Bleed covers a count-in).
        let (kick_mic, mut snare_mic, strokes) = kick_and_snare_mics(SR, 3);
        let len = snare_mic.len();
        let mut rng = crate::rng::Rng::new(4);
        let late = (0.001 * SR) as usize;
        let together = (0.1 * SR) as usize + 4 * (0.5 * SR) as usize;
        add_snare(&mut snare_mic, SR, together + late, 0.5, &mut rng);
        let mut reject = SidechainReject::new(SR);
        let mut main = OnsetDetector::new(
            SR,
            OnsetSettings {
                threshold_db: -60.0,
                reject_bleed: false,
                ..OnsetSettings::default()
            },
        );
        let (mut kept, mut vetoed) = (Vec::new(), Vec::new());
        for n in 0..len {
            reject.process(kick_mic[n], n as u64);
            if let Some(o) = main.process(snare_mic[n]) {
                let onset = n as u64 - o.onset_age as u64;
                if reject.vetoes(onset, o.relative_db) {
                    vetoed.push(onset);
                } else {
                    kept.push(onset);
                }
            }
        }
        let near = |list: &[u64], t: usize| {
            list.iter()
                .any(|&o| o.abs_diff(t as u64) <= (0.003 * SR) as u64)
        };
        // Every snare stroke kept, the one with the kick included.
        for &t in &strokes {
            assert!(near(&kept, t), "snare at {t} lost: kept {kept:?}");
        }
        assert!(near(&kept, together + late), "snare with the kick vetoed");
        // Nothing else kept: the detections on the kick bleed were vetoed.
        assert_eq!(kept.len(), 7, "kept {kept:?} vetoed {vetoed:?}");
        assert!(vetoed.len() >= 3, "the bleed never triggered: {vetoed:?}");
    }
}
