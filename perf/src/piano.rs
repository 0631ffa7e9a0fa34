//! Ache Piano workloads: MIDI-like events fed to the `PianoEngine` at their sample offsets, the
//! way the plugin does it (render up to the event, apply it, render on; settings once per host
//! block). Each pattern loops with a period of whole bars, and every loop lifts the pedal and
//! releases or restrikes its keys, so the number of sounding voices stays what a player would
//! produce instead of piling up over a long benchmark.

use crate::Workload;
use shared_dsp::piano::{PianoEngine, PianoSettings};
use shared_dsp::synth_material::chord_progression;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    On(u8, f32),
    Off(u8),
    Sustain(bool),
}

#[derive(Debug, Clone, Copy)]
pub enum PianoPattern {
    /// `synth_material::chord_progression` (Am - F - C - G at 70 BPM, rolled, with a melody
    /// note), pedal changed at every chord: the everyday case.
    Chords,
    /// Fast thirty-second-note arpeggios over four octaves with a left-hand bass, pedal held for
    /// each chord: a dense, ringing passage (about 20-30 voices sound at once).
    Dense,
    /// 64 keys held with the pedal down, restruck every second: the worst case the voice
    /// limit allows.
    SixtyFourVoices,
    /// [`chord_per_second`]: a 4-note chord struck once a second, released when the next one
    /// is struck, no pedal (issue 16's host comparison with mda Piano).
    ChordPerSecond,
}

/// A 4-note chord once a second (Am, F, C, G in the middle of the keyboard, velocity 100), each
/// released as the next is struck, no pedal: `(seconds, key, Some(velocity) for a note-on or
/// None for a note-off)` over a 4 s loop, sorted by time. The engine workload and the CLAP
/// host's `--chords` mode play exactly this.
pub fn chord_per_second() -> (Vec<(f64, u8, Option<f32>)>, f64) {
    let mut ev = Vec::new();
    for (i, chord) in ARPEGGIO_CHORDS.iter().enumerate() {
        let t = i as f64;
        let previous = &ARPEGGIO_CHORDS[(i + 3) % 4];
        for &k in previous {
            ev.push((t, k + 12, None));
        }
        for &k in chord {
            ev.push((t, k + 12, Some(100.0 / 127.0)));
        }
    }
    (ev, 4.0)
}

fn chord_per_second_events() -> (Vec<(f64, Event)>, f64) {
    let (ev, loop_s) = chord_per_second();
    let ev = ev
        .into_iter()
        .map(|(t, key, vel)| {
            (
                t,
                match vel {
                    Some(v) => Event::On(key, v),
                    None => Event::Off(key),
                },
            )
        })
        .collect();
    (ev, loop_s)
}

pub struct PianoWorkload {
    engine: PianoEngine,
    settings: PianoSettings,
    /// (sample offset within the loop, event), sorted by offset.
    events: Vec<(u64, Event)>,
    loop_samples: u64,
    /// Position within the loop and index of the next event.
    pos: u64,
    next: usize,
    sample_rate: u32,
    block_size: usize,
    left: Vec<f32>,
    right: Vec<f32>,
}

/// Chord tones (pitch classes as MIDI keys in the lowest octave used) of Am, F, C, G.
const ARPEGGIO_CHORDS: [[u8; 4]; 4] = [
    [45, 48, 52, 57],
    [41, 45, 48, 53],
    [48, 52, 55, 60],
    [43, 47, 50, 55],
];

fn chord_events() -> (Vec<(f64, Event)>, f64) {
    let notes = chord_progression();
    let bar = 4.0 * 60.0 / 70.0;
    let loop_s = 4.0 * bar;
    let mut ev = Vec::new();
    for i in 0..4 {
        // Legato pedalling: lift as the new chord is struck, press again 80 ms later.
        let t = i as f64 * bar;
        ev.push((t, Event::Sustain(false)));
        ev.push((t + 0.08, Event::Sustain(true)));
    }
    for (start, dur, key, vel) in notes {
        ev.push((start, Event::On(key, vel as f32 / 127.0)));
        ev.push((start + dur, Event::Off(key)));
    }
    (ev, loop_s)
}

fn dense_events() -> (Vec<(f64, Event)>, f64) {
    // 100 BPM, one chord per bar (2.4 s), thirty-second notes (13 per second) rising through
    // the chord tones over four octaves and falling again; each key is released after a short
    // staccato, the pedal keeps it ringing.
    let bar = 4.0 * 60.0 / 100.0;
    let step_s = bar / 32.0;
    let mut ev = Vec::new();
    for (c, chord) in ARPEGGIO_CHORDS.iter().enumerate() {
        let t0 = c as f64 * bar;
        ev.push((t0, Event::Sustain(false)));
        ev.push((t0 + 0.06, Event::Sustain(true)));
        // Left hand: root in octaves 1 and 2, held through the bar.
        for key in [chord[0] - 24, chord[0] - 12] {
            ev.push((t0, Event::On(key, 0.75)));
            ev.push((t0 + bar * 0.9, Event::Off(key)));
        }
        let up: Vec<u8> = (0..4)
            .flat_map(|oct| chord.iter().map(move |k| k + 12 * oct))
            .collect();
        let pattern = up.iter().chain(up.iter().rev().skip(1));
        for (step, &key) in pattern.enumerate() {
            let t = t0 + step as f64 * step_s;
            // Accent on every beat, a little random-looking unevenness otherwise.
            let vel = if step % 4 == 0 {
                0.85
            } else {
                0.55 + 0.1 * ((step * 7) % 3) as f32
            };
            ev.push((t, Event::On(key, vel)));
            ev.push((t + step_s * 0.8, Event::Off(key)));
        }
    }
    (ev, 4.0 * bar)
}

fn sixty_four_events() -> (Vec<(f64, Event)>, f64) {
    let mut ev = vec![(0.0, Event::Sustain(true))];
    for k in 0..64u8 {
        ev.push((0.0, Event::On(24 + k, 0.8)));
    }
    (ev, 1.0)
}

impl PianoWorkload {
    pub fn new(sample_rate: u32, block_size: usize, pattern: PianoPattern) -> Self {
        let sr = sample_rate as f64;
        let (events, loop_s) = match pattern {
            PianoPattern::Chords => chord_events(),
            PianoPattern::Dense => dense_events(),
            PianoPattern::SixtyFourVoices => sixty_four_events(),
            PianoPattern::ChordPerSecond => chord_per_second_events(),
        };
        let loop_samples = (loop_s * sr).round() as u64;
        let mut events: Vec<(u64, Event)> = events
            .into_iter()
            .map(|(t, e)| (((t * sr).round() as u64).min(loop_samples - 1), e))
            .collect();
        // Stable: at equal times, pedal lifts and note-offs before note-ons as listed.
        events.sort_by_key(|(t, _)| *t);
        let settings = PianoSettings::default();
        let engine = PianoEngine::with_settings(sample_rate as f32, &settings);
        Self {
            engine,
            settings,
            events,
            loop_samples,
            pos: 0,
            next: 0,
            sample_rate,
            block_size,
            left: vec![0.0; block_size],
            right: vec![0.0; block_size],
        }
    }

    fn apply(&mut self, event: Event) {
        match event {
            Event::On(key, velocity) => self.engine.note_on(key, velocity),
            Event::Off(key) => self.engine.note_off(key),
            Event::Sustain(down) => self.engine.set_sustain(if down { 1.0 } else { 0.0 }),
        }
    }

    /// One host block of `n` samples: events at their offsets, as the plugin renders them.
    fn block(&mut self, n: usize) {
        self.engine.set_settings(&self.settings);
        let mut done = 0;
        while done < n {
            while self.next < self.events.len() && self.events[self.next].0 <= self.pos {
                let e = self.events[self.next].1;
                self.apply(e);
                self.next += 1;
            }
            let next_at = self
                .events
                .get(self.next)
                .map_or(self.loop_samples, |(t, _)| *t);
            let len = ((next_at - self.pos) as usize).min(n - done).max(1);
            self.engine.render(
                &mut self.left[done..done + len],
                &mut self.right[done..done + len],
            );
            done += len;
            self.pos += len as u64;
            if self.pos >= self.loop_samples {
                self.pos = 0;
                self.next = 0;
            }
        }
    }

    /// The last rendered block, left and right (for null tests of the output).
    pub fn output(&self) -> (&[f32], &[f32]) {
        (&self.left, &self.right)
    }

    /// Voices sounding now (for the tests).
    pub fn active_voices(&self) -> usize {
        self.engine.active_voices()
    }
}

impl Workload for PianoWorkload {
    fn run(&mut self) {
        let mut left = self.sample_rate as usize;
        while left > 0 {
            let n = left.min(self.block_size);
            self.block(n);
            left -= n;
        }
        std::hint::black_box(&self.left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_voices(pattern: PianoPattern, seconds: usize) -> (usize, usize) {
        let mut w = PianoWorkload::new(48_000, 64, pattern);
        let mut peak = 0;
        let mut last = 0;
        for _ in 0..seconds * 48_000 / 64 {
            w.block(64);
            last = w.active_voices();
            peak = peak.max(last);
        }
        (peak, last)
    }

    #[test]
    fn patterns_sound_the_voices_they_claim_and_stay_bounded() {
        let (peak, _) = max_voices(PianoPattern::Chords, 14);
        assert!((5..=16).contains(&peak), "chords: {peak}");
        let (peak, _) = max_voices(PianoPattern::Dense, 10);
        assert!((18..=40).contains(&peak), "dense: {peak}");
        // Four keys struck, the previous chord's four still dying under their dampers.
        let (peak, last) = max_voices(PianoPattern::ChordPerSecond, 9);
        assert!(
            (4..=8).contains(&peak) && last >= 4,
            "chord per second: {peak}, {last}"
        );
        let (peak, last) = max_voices(PianoPattern::SixtyFourVoices, 3);
        assert_eq!((peak, last), (64, 64));
    }
}
