//! Test material for the editors: test-support's drum loop (kick on 1 and 3, snare on 2 and 4
//! with ghost notes, eighth-note hats) for the effects, and a slow chord progression as MIDI for
//! the piano. Deterministic (seeded noise), 120 BPM.

use catalyst_test_support::drums::{DRUM_LOOP_BPM, DrumLoop};

const BPM: f64 = DRUM_LOOP_BPM;

pub struct TestSignal {
    sample_rate: f32,
    /// Samples of MIDI handed out so far (the drum loop counts its own).
    pos: u64,
    drums: DrumLoop,
    held: Vec<u8>,
}

impl TestSignal {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            pos: 0,
            drums: DrumLoop::new(sample_rate),
            held: Vec::new(),
        }
    }

    pub fn bpm(&self) -> f64 {
        BPM
    }

    /// Fills every channel with the same drum loop.
    pub fn audio_block(&mut self, channels: &mut [Vec<f32>]) {
        self.drums.fill(channels);
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
