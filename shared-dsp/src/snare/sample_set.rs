//! The user's samples for the Sample layer as velocity zones with round-robin alternates, so a
//! run of hits never machine-guns one file.
//!
//! Zones come from the files' loudness, not their names (no naming convention to learn): each
//! file's level is its loudest 10 ms RMS window; sorted from soft to loud, a file opens the next
//! zone when it is more than `ZONE_GAP_DB` louder than the file before it, or more than
//! `ZONE_SPREAD_DB` louder than the softest file of the current zone (so a chain of small steps
//! is still cut). The alternates of one dynamic level (recorded a dB or so apart) share a zone,
//! and a soft, a medium and a hard take (several dB apart) get one each. The zones split the
//! velocity range 0..1 evenly, softest zone lowest.
//!
//! Round-robin: in a zone of two or more the next file is drawn from the others, never the one
//! the zone played last. The draw is the hit's own seeded random value (the engine's per-hit
//! generator, seeded by the saved seed and the hit's timeline position), so a bounce repeats bit
//! for bit. Built off the audio thread; `choose` neither allocates nor locks.

use super::sample_player::SampleData;

/// Largest step between neighbouring files (by loudness) inside one velocity zone, dB.
/// Round-robin takes of one level differ by a dB or so; velocity layers by more than this.
pub const ZONE_GAP_DB: f32 = 2.0;
/// Largest loudness spread inside one velocity zone, dB.
pub const ZONE_SPREAD_DB: f32 = 4.0;
/// Window of the loudness measure, seconds (the attack of a hit, not its tail length).
const LOUDNESS_WINDOW_S: f32 = 0.010;

/// One decoded sample and where it came from.
#[derive(Debug, Clone, Default)]
pub struct SetSample {
    pub data: SampleData,
    /// File name for the status line.
    pub name: String,
    /// Loudest 10 ms RMS, dBFS.
    pub loudness_db: f32,
}

#[derive(Debug, Clone, Copy)]
struct Zone {
    /// Range of `samples` (sorted soft to loud).
    first: usize,
    len: usize,
    /// Index within the zone played last (None: not since the last reset).
    last: Option<usize>,
}

/// Several samples grouped into velocity zones.
#[derive(Debug, Clone, Default)]
pub struct SampleSet {
    samples: Vec<SetSample>,
    zones: Vec<Zone>,
}

impl SampleSet {
    /// Groups `samples` (any order) into zones by loudness. `sample_rate`: the frames' rate.
    pub fn new(mut samples: Vec<SetSample>, sample_rate: f32) -> Self {
        for s in &mut samples {
            s.loudness_db = loudness_db(&s.data.frames, sample_rate);
        }
        // Soft to loud; equal loudness keeps the given (name) order.
        samples.sort_by(|a, b| a.loudness_db.total_cmp(&b.loudness_db));
        let mut zones: Vec<Zone> = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            match zones.last_mut() {
                Some(z)
                    if s.loudness_db - samples[i - 1].loudness_db <= ZONE_GAP_DB
                        && s.loudness_db - samples[z.first].loudness_db <= ZONE_SPREAD_DB =>
                {
                    z.len += 1;
                }
                _ => zones.push(Zone {
                    first: i,
                    len: 1,
                    last: None,
                }),
            }
        }
        Self { samples, zones }
    }

    /// A set of one sample (one zone, always that sample).
    pub fn single(data: SampleData) -> Self {
        Self::new(
            vec![SetSample {
                data,
                name: String::new(),
                loudness_db: 0.0,
            }],
            48_000.0,
        )
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn zone_count(&self) -> usize {
        self.zones.len()
    }

    /// The samples, soft to loud.
    pub fn samples(&self) -> &[SetSample] {
        &self.samples
    }

    pub fn data(&self, index: usize) -> Option<&SampleData> {
        self.samples.get(index).map(|s| &s.data)
    }

    /// The zone a hit of `velocity` (0..1) plays: the range split evenly, softest zone lowest.
    pub fn zone_of(&self, velocity: f32) -> usize {
        let n = self.zones.len();
        if n == 0 {
            return 0;
        }
        let v = if velocity.is_finite() {
            velocity.clamp(0.0, 1.0)
        } else {
            1.0
        };
        ((v * n as f32) as usize).min(n - 1)
    }

    /// The sample (index into `samples`) for a hit of `velocity`, from the hit's random `draw`:
    /// uniform over the zone's files except the one it played last.
    pub fn choose(&mut self, velocity: f32, draw: u32) -> usize {
        if self.zones.is_empty() {
            return 0;
        }
        let z = self.zone_of(velocity);
        let zone = &mut self.zones[z];
        let n = zone.len;
        let pick = match zone.last {
            Some(last) if n >= 2 => (last + 1 + (draw as usize) % (n - 1)) % n,
            _ => (draw as usize) % n,
        };
        zone.last = Some(pick);
        zone.first + pick
    }

    /// Forgets what each zone played last (reset, or a jump on the timeline: the next hit is
    /// chosen by its own draw alone, as in every bounce from that point).
    pub fn forget_history(&mut self) {
        for z in &mut self.zones {
            z.last = None;
        }
    }
}

/// Loudest RMS over `LOUDNESS_WINDOW_S` windows (hop half a window), dBFS; -200 for silence.
pub fn loudness_db(frames: &[f32], sample_rate: f32) -> f32 {
    let w = ((LOUDNESS_WINDOW_S * sample_rate) as usize).max(1);
    let hop = (w / 2).max(1);
    let mut best = 0.0f64;
    let mut start = 0;
    loop {
        let end = (start + w).min(frames.len());
        if end <= start {
            break;
        }
        let e = frames[start..end]
            .iter()
            .map(|&x| (x as f64) * (x as f64))
            .sum::<f64>()
            / (end - start) as f64;
        best = best.max(e);
        if end == frames.len() {
            break;
        }
        start += hop;
    }
    if best > 0.0 {
        (10.0 * best.log10()) as f32
    } else {
        -200.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200 Hz sine burst of peak `amp`, 50 ms: its RMS is amp/√2, −3.01 dB below the peak.
    fn burst(amp: f32) -> SampleData {
        SampleData {
            frames: (0..2_400)
                .map(|n| amp * (std::f32::consts::TAU * 200.0 * n as f32 / 48_000.0).sin())
                .collect(),
        }
    }

    fn set_of(amps_db: &[f32]) -> SampleSet {
        let samples = amps_db
            .iter()
            .enumerate()
            .map(|(k, &db)| SetSample {
                data: burst(10f32.powf(db / 20.0)),
                name: format!("s{k}"),
                loudness_db: 0.0,
            })
            .collect();
        SampleSet::new(samples, 48_000.0)
    }

    #[test]
    fn loudness_is_the_rms_of_a_sine() {
        // 10 ms at 200 Hz is two whole periods: RMS exactly peak/√2.
        let db = loudness_db(&burst(0.5).frames, 48_000.0);
        let expected = 20.0 * (0.5f32 / 2f32.sqrt()).log10();
        assert!((db - expected).abs() < 0.01, "{db} vs {expected}");
        assert_eq!(loudness_db(&[0.0; 100], 48_000.0), -200.0);
    }

    #[test]
    fn takes_a_few_db_apart_share_a_zone_and_levels_split_velocity() {
        // Three levels (-30, -18, -6 dB) with two or three alternates each, given shuffled.
        let set = set_of(&[-6.0, -30.0, -17.0, -29.0, -18.0, -5.0, -31.0]);
        assert_eq!(set.zone_count(), 3);
        assert_eq!(set.len(), 7);
        let names: Vec<&str> = set.samples().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["s6", "s1", "s3", "s4", "s2", "s0", "s5"]);
        assert_eq!(set.zone_of(0.0), 0);
        assert_eq!(set.zone_of(0.3), 0);
        assert_eq!(set.zone_of(0.34), 1);
        assert_eq!(set.zone_of(0.66), 1);
        assert_eq!(set.zone_of(0.67), 2);
        assert_eq!(set.zone_of(1.0), 2);
        assert_eq!(set.zone_of(f32::NAN), 2);
    }

    #[test]
    fn a_zone_has_steps_of_at_most_2_db_and_spans_at_most_4_db() {
        // 1.9 dB above the file before: same zone; 2.1 dB: the next.
        assert_eq!(set_of(&[-20.0, -18.1]).zone_count(), 1);
        assert_eq!(set_of(&[-20.0, -17.9]).zone_count(), 2);
        // A chain of 1.5 dB steps is cut where it passes 4 dB (0, 1.5, 3 | 4.5, 6 dB), not
        // merged into one wide zone.
        let chain = set_of(&[-20.0, -18.5, -17.0, -15.5, -14.0]);
        assert_eq!(chain.zone_count(), 2);
        let names: Vec<&str> = chain.samples()[..3]
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["s0", "s1", "s2"]);
        assert_eq!(chain.zone_of(0.4), 0);
        assert_eq!(chain.zone_of(0.6), 1);
    }

    #[test]
    fn round_robin_never_repeats_in_a_zone_and_uses_every_file() {
        let mut set = set_of(&[-20.0, -19.0, -21.0, -6.0, -5.0]);
        assert_eq!(set.zone_count(), 2);
        let mut rng = crate::rng::Rng::new(7);
        for velocity in [0.2f32, 0.9] {
            let mut counts = [0usize; 5];
            let mut previous = None;
            for _ in 0..10_000 {
                let k = set.choose(velocity, rng.next_u32());
                assert_ne!(Some(k), previous, "repeat at velocity {velocity}");
                previous = Some(k);
                counts[k] += 1;
            }
            let zone: &[usize] = if velocity < 0.5 { &[0, 1, 2] } else { &[3, 4] };
            for (k, &c) in counts.iter().enumerate() {
                if zone.contains(&k) {
                    // Uniform over the others: each file 1/len of the hits, ±5 %.
                    let share = c as f32 / 10_000.0;
                    let expected = 1.0 / zone.len() as f32;
                    assert!((share - expected).abs() < 0.05, "{k}: {share}");
                } else {
                    assert_eq!(c, 0, "{k} is outside the zone");
                }
            }
        }
        // One file in a zone: always that file.
        let mut one = set_of(&[-10.0]);
        assert!((0..10).all(|d| one.choose(0.5, d) == 0));
    }

    #[test]
    fn the_choice_follows_the_draws_alone_after_forgetting() {
        let mut a = set_of(&[-20.0, -19.0, -21.0, -20.5]);
        let mut b = a.clone();
        // b plays other hits first, then both forget: the same draws give the same files.
        for d in 0..5 {
            b.choose(0.5, d * 7_919);
        }
        a.forget_history();
        b.forget_history();
        let draws = [3u32, 99, 12_345, 7, 7, 7, 1 << 31];
        let pa: Vec<usize> = draws.iter().map(|&d| a.choose(0.5, d)).collect();
        let pb: Vec<usize> = draws.iter().map(|&d| b.choose(0.5, d)).collect();
        assert_eq!(pa, pb);
    }
}
