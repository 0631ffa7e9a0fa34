//! Generated drum material for the hosts' tests and the benchmarks: noise bursts over a tone
//! (the CLAP host's normal stimulus, the same shape as the Python suite's), a streaming drum loop
//! (the editor host's, played in real time while an editor draws) and a train of snare hits (the
//! Snare Layerer's benchmark input).

use shared_dsp::rng::Rng;
use shared_dsp::synth_material::add_snare;

/// Decaying noise bursts every 250 ms over a quiet 220 Hz tone: `channels` channels of
/// `frames` samples, the second and later channels 10 % quieter each (two mics). Bursts peak
/// near 1.0 (0 dBFS), decay with a 12 ms time constant and last 60 ms; the first starts at
/// 10 ms. Deterministic for a `seed`.
pub fn noise_bursts(sample_rate: f64, frames: usize, channels: usize, seed: u32) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    let period = (0.25 * sample_rate) as usize;
    let burst = (0.06 * sample_rate) as usize;
    let first = (0.01 * sample_rate) as usize;
    let tau = 0.012 * sample_rate;
    let mono: Vec<f32> = (0..frames)
        .map(|i| {
            let t = i as f64 / sample_rate;
            let mut x = 0.05 * (2.0 * std::f64::consts::PI * 220.0 * t).sin();
            if i >= first {
                let k = (i - first) % period;
                if k < burst {
                    x += 0.6 * (-(k as f64) / tau).exp() * rng.bipolar() as f64 * 1.7;
                }
            }
            x as f32
        })
        .collect();
    (0..channels)
        .map(|c| mono.iter().map(|&s| s * (1.0 - 0.1 * c as f32)).collect())
        .collect()
}

/// Tempo of [`DrumLoop`].
pub const DRUM_LOOP_BPM: f64 = 120.0;

/// A synthetic drum loop, generated block by block: kick on 1 and 3 (and the "and" of 3),
/// snare on 2 and 4 with ghost notes, eighth-note hats, at [`DRUM_LOOP_BPM`]. Deterministic
/// (xorshift32 noise from a fixed seed).
pub struct DrumLoop {
    sample_rate: f32,
    pos: u64,
    rng: u32,
    kick_phase: f32,
    kick_env: f32,
    kick_age: f32,
    snare_env: f32,
    snare_phase: f32,
    hat_env: f32,
    hat_lp: f32,
}

impl DrumLoop {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            pos: 0,
            rng: 0x1234_5678,
            kick_phase: 0.0,
            kick_env: 0.0,
            kick_age: 0.0,
            snare_env: 0.0,
            snare_phase: 0.0,
            hat_env: 0.0,
            hat_lp: 0.0,
        }
    }

    fn samples_per_sixteenth(&self) -> u64 {
        (self.sample_rate as f64 * 60.0 / DRUM_LOOP_BPM / 4.0).round() as u64
    }

    fn noise(&mut self) -> f32 {
        // xorshift32
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 17;
        self.rng ^= self.rng << 5;
        self.rng as f32 / u32::MAX as f32 * 2.0 - 1.0
    }

    /// Fills every channel with the next samples of the loop (as many as the first channel
    /// holds; every channel must be at least that long).
    pub fn fill(&mut self, channels: &mut [Vec<f32>]) {
        let len = channels.first().map_or(0, |c| c.len());
        let step = self.samples_per_sixteenth();
        let sr = self.sample_rate;
        for i in 0..len {
            if self.pos.is_multiple_of(step) {
                let sixteenth = (self.pos / step) % 16;
                match sixteenth {
                    0 | 8 | 10 => {
                        self.kick_env = 1.0;
                        self.kick_age = 0.0;
                    }
                    4 | 12 => self.snare_env = 1.0,
                    7 | 15 => self.snare_env = self.snare_env.max(0.18), // ghost notes
                    _ => {}
                }
                if sixteenth.is_multiple_of(2) {
                    self.hat_env = 0.35;
                }
            }
            // Kick: 50 Hz sine with a pitch drop from 150 Hz.
            let kick_freq = 50.0 + 100.0 * (-self.kick_age * 30.0).exp();
            self.kick_phase = (self.kick_phase + kick_freq / sr).fract();
            let kick = (self.kick_phase * std::f32::consts::TAU).sin() * self.kick_env;
            self.kick_env *= (-1.0 / (0.25 * sr)).exp();
            self.kick_age += 1.0 / sr;
            // Snare: noise plus a 190 Hz body.
            self.snare_phase = (self.snare_phase + 190.0 / sr).fract();
            let n = self.noise();
            let snare =
                (0.7 * n + 0.5 * (self.snare_phase * std::f32::consts::TAU).sin()) * self.snare_env;
            self.snare_env *= (-1.0 / (0.09 * sr)).exp();
            // Hats: high-passed noise, short.
            let h = self.noise();
            self.hat_lp += 0.3 * (h - self.hat_lp);
            let hat = (h - self.hat_lp) * self.hat_env;
            self.hat_env *= (-1.0 / (0.03 * sr)).exp();

            let x = 0.55 * kick + 0.5 * snare + 0.25 * hat;
            for ch in channels.iter_mut() {
                ch[i] = x;
            }
            self.pos += 1;
        }
    }
}

/// Snare hits only, `hits_per_second` evenly spaced with alternating strong/soft velocity: the
/// benchmark input for the Snare Layerer (4 hits per second). The hit is `catalyst demo`'s clean
/// snare (`shared_dsp::synth_material::add_snare`).
pub fn snare_train(sr: u32, seconds: f32, hits_per_second: f32) -> Vec<f32> {
    let srf = sr as f32;
    let mut out = vec![0.0f32; (seconds * srf) as usize];
    let mut rng = Rng::new(99);
    let n_hits = (seconds * hits_per_second) as usize;
    for i in 0..n_hits {
        let start = (i as f32 / hits_per_second * srf) as usize;
        let gain = if i % 2 == 0 { 0.8 } else { 0.45 };
        add_snare(&mut out, start, srf, gain, &mut rng);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_start_at_10_ms_repeat_every_250_ms_and_peak_near_full_scale() {
        let sr = 48_000.0;
        let x = noise_bursts(sr, 48_000, 2, 1);
        let env = |lo: usize, hi: usize| x[0][lo..hi].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        // Before the first burst only the 0.05 tone sounds.
        assert!(env(0, 480) <= 0.05 + 1e-6);
        for k in 0..4 {
            let start = 480 + k * 12_000;
            // 0.6 * 1.7 = 1.02 times uniform noise: the first millisecond nearly reaches it.
            let peak = env(start, start + 48);
            assert!((0.7..=1.08).contains(&peak), "burst {k}: {peak}");
            // 60 ms on, the burst is over (5 time constants: e^-5 * 1.02 < 0.007).
            assert!(
                env(start + 2_880, start + 11_000) <= 0.05 + 1e-6,
                "burst {k} too long"
            );
        }
        // The second channel is the first at 90 %.
        assert!(
            x[0].iter()
                .zip(&x[1])
                .all(|(a, b)| (b - 0.9 * a).abs() <= 1e-6)
        );
    }

    #[test]
    fn the_loop_plays_snares_on_two_and_four_and_ghost_notes_at_a_fifth_of_their_level() {
        let sr = 48_000.0f32;
        let mut d = DrumLoop::new(sr);
        let mut ch = vec![vec![0.0f32; 96_000]; 2];
        d.fill(&mut ch);
        assert_eq!(ch[0], ch[1]);
        let peak = |at: usize| {
            ch[0][at..at + 240]
                .iter()
                .fold(0.0f32, |m, v| m.max(v.abs()))
        };
        // 120 BPM: a sixteenth is 6 000 samples. Snares at sixteenths 4 and 12, ghosts (0.18 of
        // a snare) at 7 and 15; the other sources there have decayed or are quieter.
        for (snare, ghost) in [(24_000, 42_000), (72_000, 90_000)] {
            let (s, g) = (peak(snare), peak(ghost));
            assert!(s > 0.3, "snare at {snare}: {s}");
            assert!(
                g < 0.4 * s && g > 0.05 * s,
                "ghost at {ghost}: {g} vs snare {s}"
            );
        }
    }

    #[test]
    fn snare_train_has_the_asked_rate() {
        let x = snare_train(48_000, 2.0, 4.0);
        // Count bursts: rising crossings of a loud threshold separated by > 150 ms (hits are 250 ms apart).
        let mut hits = 0;
        let mut last = -1_000_000i64;
        for (i, v) in x.iter().enumerate() {
            if v.abs() > 0.2 && i as i64 - last > 7_200 {
                hits += 1;
                last = i as i64;
            }
        }
        assert_eq!(hits, 8);
    }
}
