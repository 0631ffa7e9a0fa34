//! Test material for the editors: a synthetic drum loop (kick on 1 and 3, snare on 2 and 4 with
//! ghost notes, eighth-note hats) for the effects, and a slow chord progression as MIDI for the
//! piano. Deterministic (seeded noise), 120 BPM.

const BPM: f64 = 120.0;

pub struct TestSignal {
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
    held: Vec<u8>,
}

impl TestSignal {
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
            held: Vec::new(),
        }
    }

    pub fn bpm(&self) -> f64 {
        BPM
    }

    fn samples_per_sixteenth(&self) -> u64 {
        (self.sample_rate as f64 * 60.0 / BPM / 4.0).round() as u64
    }

    fn noise(&mut self) -> f32 {
        // xorshift32
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 17;
        self.rng ^= self.rng << 5;
        self.rng as f32 / u32::MAX as f32 * 2.0 - 1.0
    }

    /// Fills every channel with the same drum loop.
    pub fn audio_block(&mut self, channels: &mut [Vec<f32>]) {
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

    /// MIDI for one block: `(timing, key, velocity)`, velocity 0 = note off. A chord every two
    /// beats (Am9, Fmaj7, C/E, G6), held for 1.8 beats.
    pub fn midi_block(&mut self, len: usize) -> Vec<(u32, u8, f32)> {
        const CHORDS: [[u8; 4]; 4] = [
            [45, 60, 64, 71],
            [41, 57, 64, 69],
            [40, 55, 60, 67],
            [43, 59, 62, 64],
        ];
        let beat = (self.sample_rate as f64 * 60.0 / BPM) as u64;
        let chord_len = 2 * beat;
        let release = (1.8 * beat as f64) as u64;
        let mut events = Vec::new();
        for i in 0..len as u64 {
            let t = self.pos + i;
            if t.is_multiple_of(chord_len) {
                let chord = CHORDS[((t / chord_len) % 4) as usize];
                for (k, &key) in chord.iter().enumerate() {
                    events.push((i as u32, key, 0.45 + 0.1 * k as f32));
                    self.held.push(key);
                }
            } else if t % chord_len == release {
                for key in self.held.drain(..) {
                    events.push((i as u32, key, 0.0));
                }
            }
        }
        self.pos += len as u64;
        events
    }
}
