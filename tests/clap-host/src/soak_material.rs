//! What the soak feeds a plugin besides its audio (test-support's `SoakSignal`), generated on
//! the fly from a seed so an hour never repeats: MIDI for instruments ([`SoakMidi`]), parameter
//! automation ([`SoakAutomation`]) and the host's block sizes ([`BlockProfile`]).
//!
//! Each generator works in seconds, so it carries on across a sample-rate change; every event
//! lands on an exact sample inside the chunk it is made for (sample-accurate).

use catalyst_test_support::soak_signal::{chance, uniform, weighted};
use shared_dsp::rng::Rng;

use crate::host::{HostEvent, ParamDesc};

/// What the pianist does for a while.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Playing {
    Rest,
    Melody,
    Chords,
    Run,
    Trill,
}

/// Sample of a time `at_s` inside a chunk that starts at `now_s` and holds `frames` samples.
fn sample_at(at_s: f64, now_s: f64, sample_rate: f64, frames: usize) -> usize {
    (((at_s - now_s) * sample_rate).max(0.0) as usize).min(frames - 1)
}

/// Exponential gap with the given mean rate (events per second), as a player's timing is.
fn gap_s(rng: &mut Rng, per_s: f64) -> f64 {
    -(1.0 - rng.next_f32() as f64).max(1e-9).ln() / per_s
}

/// Seeded MIDI performance for an instrument: rests, melodies, chords, fast runs and trills
/// (the same keys struck again and again) at varying density and velocity, across the whole
/// MIDI key range now and then; sustain pedal (on, off, half), soft pedal, mod wheel, volume and
/// expression CCs, pitch-bend gestures sent every 5 ms, and rarely All Notes Off / All Sound
/// Off. A note-off follows every note-on. Scheduled in seconds (events, not samples, cost).
pub struct SoakMidi {
    rng: Rng,
    /// Time at the start of the next chunk.
    now_s: f64,
    playing: Playing,
    phrase_end_s: f64,
    notes_per_s: f64,
    next_note_s: f64,
    root: u8,
    trill: bool,
    /// Held keys and when they are released.
    held: Vec<(u8, f64)>,
    next_pedal_s: f64,
    next_cc_s: f64,
    /// Pitch bend gesture: current and target 14-bit value, end time, next send time.
    bend: (f64, f64, f64, f64),
    pub notes: usize,
    pub midi_messages: usize,
}

impl SoakMidi {
    pub fn new(seed: u32) -> Self {
        let mut m = Self {
            rng: Rng::new(seed),
            now_s: 0.0,
            playing: Playing::Rest,
            phrase_end_s: 0.0,
            notes_per_s: 0.0,
            next_note_s: 0.0,
            root: 60,
            trill: false,
            held: Vec::new(),
            next_pedal_s: 1.0,
            next_cc_s: 0.5,
            bend: (8192.0, 8192.0, 0.0, f64::INFINITY),
            notes: 0,
            midi_messages: 0,
        };
        m.new_phrase();
        m
    }

    /// The plugin was re-activated and forgot its held notes: so does the player.
    pub fn forget_held(&mut self) {
        self.held.clear();
    }

    fn new_phrase(&mut self) {
        let r = &mut self.rng;
        self.playing = [
            Playing::Rest,
            Playing::Melody,
            Playing::Chords,
            Playing::Run,
            Playing::Trill,
        ][weighted(r, &[0.15, 0.35, 0.3, 0.1, 0.1])];
        self.phrase_end_s = self.phrase_end_s.max(self.now_s)
            + match self.playing {
                Playing::Run | Playing::Trill => uniform(r, 0.5, 4.0),
                _ => uniform(r, 2.0, 15.0),
            };
        self.notes_per_s = match self.playing {
            Playing::Rest => 0.0,
            Playing::Melody => uniform(r, 2.0, 8.0),
            Playing::Chords => uniform(r, 0.5, 2.0),
            Playing::Run => uniform(r, 8.0, 20.0),
            Playing::Trill => uniform(r, 6.0, 14.0),
        };
        // Mostly the middle of the keyboard, sometimes the piano's ends or beyond (0..127).
        self.root = if chance(r, 0.1) {
            (r.next_u32() % 128) as u8
        } else {
            36 + (r.next_u32() % 49) as u8
        };
    }

    fn strike(&mut self, at: usize, at_s: f64, key: u8, hold_s: f64, out: &mut Vec<HostEvent>) {
        if let Some(i) = self.held.iter().position(|&(k, _)| k == key) {
            // Striking a held key again: release it first, as a keyboard does.
            self.held.swap_remove(i);
            out.push(HostEvent::NoteOff { sample: at, key });
        }
        // MIDI velocity 1..127 as CLAP's 0..1.
        let velocity = (1 + self.rng.next_u32() % 127) as f64 / 127.0;
        out.push(HostEvent::NoteOn {
            sample: at,
            key,
            velocity,
        });
        self.held.push((key, at_s + hold_s));
        self.notes += 1;
    }

    fn cc(&mut self, at: usize, cc: u8, value: u8, out: &mut Vec<HostEvent>) {
        out.push(HostEvent::Midi {
            sample: at,
            data: [0xB0, cc, value.min(127)],
        });
        self.midi_messages += 1;
    }

    fn play(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let r = &mut self.rng;
        let step: i32 = [-5, -3, -2, -1, 1, 2, 3, 4, 7][(r.next_u32() % 9) as usize];
        let hold = uniform(r, 0.05, 2.0);
        match self.playing {
            Playing::Rest => {}
            Playing::Melody | Playing::Run => {
                self.root = (self.root as i32 + step).clamp(0, 127) as u8;
                let hold = if self.playing == Playing::Run {
                    hold * 0.2
                } else {
                    hold
                };
                self.strike(at, at_s, self.root, hold, out);
            }
            Playing::Chords => {
                const SHAPES: [&[i32]; 4] = [
                    &[0, 4, 7],
                    &[0, 3, 7, 10],
                    &[0, 7, 12, 16, 19],
                    &[0, 2, 5, 9],
                ];
                let shape = SHAPES[(r.next_u32() % 4) as usize];
                self.root = (self.root as i32 + step).clamp(0, 108) as u8;
                for &iv in shape {
                    let key = (self.root as i32 + iv).min(127) as u8;
                    self.strike(at, at_s, key, hold * 2.0, out);
                }
            }
            Playing::Trill => {
                self.trill = !self.trill;
                let key = (self.root + self.trill as u8).min(127);
                self.strike(at, at_s, key, 0.08, out);
            }
        }
    }

    fn control(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let r = &mut self.rng;
        self.next_cc_s = at_s + uniform(r, 0.05, 3.0);
        let roll = r.next_f32();
        let value = (r.next_u32() % 128) as u8;
        if roll < 0.3 {
            self.cc(at, 1, value, out); // mod wheel
        } else if roll < 0.45 {
            self.cc(at, 67, [0, 127][(value & 1) as usize], out); // soft pedal
        } else if roll < 0.6 {
            self.cc(at, 7, value, out); // volume
        } else if roll < 0.75 {
            self.cc(at, 11, value, out); // expression
        } else if roll < 0.95 {
            // A bend gesture to anywhere in the 14-bit range over 50 ms .. 2 s.
            self.bend.1 = (r.next_u32() % 16384) as f64;
            self.bend.2 = at_s + uniform(r, 0.05, 2.0);
            self.bend.3 = at_s;
        } else if roll < 0.99 {
            self.cc(at, 123, 0, out); // All Notes Off
            self.held.clear();
        } else {
            self.cc(at, 120, 0, out); // All Sound Off
            self.held.clear();
        }
    }

    fn send_bend(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let (cur, target, end_s, next_s) = &mut self.bend;
        // A straight line to the target: the remaining distance times the share of the
        // remaining time this 5 ms step takes.
        *cur += (*target - *cur) * (0.005 / (*end_s - at_s).max(0.005)).min(1.0);
        *next_s = if at_s >= *end_s {
            f64::INFINITY
        } else {
            at_s + 0.005
        };
        let v = cur.round().clamp(0.0, 16383.0) as u16;
        out.push(HostEvent::Midi {
            sample: at,
            data: [0xE0, (v & 0x7f) as u8, (v >> 7) as u8],
        });
        self.midi_messages += 1;
    }

    /// Events for the next `frames` samples at `sample_rate`, sorted, times from the chunk's
    /// first sample.
    pub fn events(&mut self, sample_rate: f64, frames: usize) -> Vec<HostEvent> {
        let end_s = self.now_s + frames as f64 / sample_rate;
        let mut out = Vec::new();
        loop {
            // The earliest thing due: a release, the phrase's end, a note, a pedal, a CC, a bend.
            let release = self
                .held
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
                .map(|(i, h)| (i, h.1));
            let note_s = if self.notes_per_s > 0.0 {
                self.next_note_s
            } else {
                f64::INFINITY
            };
            let due = [
                release.map_or(f64::INFINITY, |r| r.1),
                self.phrase_end_s,
                note_s,
                self.next_pedal_s,
                self.next_cc_s,
                self.bend.3,
            ];
            let (what, at_s) = due
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("six candidates");
            if at_s >= end_s {
                break;
            }
            let at = sample_at(at_s, self.now_s, sample_rate, frames);
            match what {
                0 => {
                    let (i, _) = release.expect("a held key");
                    let (key, _) = self.held.swap_remove(i);
                    out.push(HostEvent::NoteOff { sample: at, key });
                }
                1 => self.new_phrase(),
                2 => {
                    self.next_note_s = at_s + gap_s(&mut self.rng, self.notes_per_s);
                    self.play(at, at_s, &mut out);
                }
                3 => {
                    self.next_pedal_s = at_s + uniform(&mut self.rng, 0.3, 6.0);
                    let value = [0u8, 127, 64, 100, 0][(self.rng.next_u32() % 5) as usize];
                    self.cc(at, 64, value, &mut out);
                }
                4 => self.control(at, at_s, &mut out),
                _ => self.send_bend(at, at_s, &mut out),
            }
            if what == 1 {
                // A new phrase starts its notes from now.
                self.next_note_s = at_s.max(self.next_note_s.min(at_s + 0.1));
            }
        }
        self.now_s = end_s;
        // Times past a rate change stay in seconds, so nothing is lost or bunched.
        out.sort_by_key(HostEvent::sample);
        out
    }
}

/// One automation lane moving a parameter from `from` to `to` between `start_s` and `end_s`,
/// one point every `every_s` (a host's automation curve as events).
#[derive(Clone, Copy, Debug)]
struct Ramp {
    param: usize,
    from: f64,
    to: f64,
    start_s: f64,
    end_s: f64,
    every_s: f64,
    next_s: f64,
}

/// Seeded parameter automation within each parameter's own range (from the plugin's param
/// info): about three gestures a second, each a ramp with a point every 1-30 ms (log-uniform:
/// sample-accurate, not on block edges) or a jump,
/// and one in five slams a parameter to its minimum or maximum. Stepped parameters only jump,
/// to whole values.
pub struct SoakAutomation {
    rng: Rng,
    params: Vec<ParamDesc>,
    ramps: Vec<Ramp>,
    now_s: f64,
    next_gesture_s: f64,
    pub events_sent: usize,
}

impl SoakAutomation {
    /// `params`: the visible (automatable) parameters.
    pub fn new(seed: u32, params: Vec<ParamDesc>) -> Self {
        Self {
            rng: Rng::new(seed),
            params,
            ramps: Vec::new(),
            now_s: 0.0,
            next_gesture_s: 0.0,
            events_sent: 0,
        }
    }

    fn push(&mut self, out: &mut Vec<HostEvent>, sample: usize, param: usize, value: f64) {
        let q = &self.params[param];
        let mut v = value.clamp(q.min, q.max);
        if q.stepped {
            v = v.round().clamp(q.min, q.max);
        }
        out.push(HostEvent::Param {
            sample,
            id: q.id,
            value: v,
        });
        self.events_sent += 1;
    }

    fn gesture(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        self.next_gesture_s = at_s + gap_s(&mut self.rng, 3.0);
        let r = &mut self.rng;
        let p = (r.next_u32() as usize) % self.params.len();
        let q = &self.params[p];
        let (min, max, stepped) = (q.min, q.max, q.stepped);
        let target = match weighted(r, &[0.8, 0.1, 0.1]) {
            0 => uniform(r, min, max),
            1 => min,
            _ => max,
        };
        if stepped || chance(r, 0.3) || self.ramps.len() >= 8 {
            self.push(out, at, p, target);
        } else {
            let ramp = Ramp {
                param: p,
                from: uniform(r, min, max),
                to: target,
                start_s: at_s,
                end_s: at_s + uniform(r, 0.01, 3.0),
                every_s: 1e-3 * 30f64.powf(r.next_f32() as f64),
                next_s: at_s,
            };
            self.ramps.retain(|x| x.param != p);
            self.ramps.push(ramp);
        }
    }

    /// Events for the next `frames` samples at `sample_rate`, sorted, times from the chunk's
    /// first sample.
    pub fn events(&mut self, sample_rate: f64, frames: usize) -> Vec<HostEvent> {
        let end_s = self.now_s + frames as f64 / sample_rate;
        let mut out = Vec::new();
        if self.params.is_empty() {
            self.now_s = end_s;
            return out;
        }
        loop {
            let ramp = self
                .ramps
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.next_s.total_cmp(&b.1.next_s))
                .map(|(i, r)| (i, r.next_s));
            let ramp_s = ramp.map_or(f64::INFINITY, |r| r.1);
            let at_s = ramp_s.min(self.next_gesture_s);
            if at_s >= end_s {
                break;
            }
            let at = sample_at(at_s, self.now_s, sample_rate, frames);
            if self.next_gesture_s <= ramp_s {
                self.gesture(at, at_s, &mut out);
                continue;
            }
            let (i, _) = ramp.expect("a ramp is due");
            let r = self.ramps[i];
            let x = ((at_s - r.start_s) / (r.end_s - r.start_s)).clamp(0.0, 1.0);
            self.push(&mut out, at, r.param, r.from + (r.to - r.from) * x);
            if at_s >= r.end_s {
                self.ramps.swap_remove(i);
            } else {
                self.ramps[i].next_s = (at_s + r.every_s).min(r.end_s);
            }
        }
        self.now_s = end_s;
        out.sort_by_key(HostEvent::sample);
        out
    }
}

/// How a host cuts the audio into blocks for one segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlockProfile {
    /// Always the same size (most hosts).
    Fixed(usize),
    /// A nominal size, split at random points now and then (automation, loop points).
    Split(usize),
    /// 1-16 samples.
    Small,
    /// One sample per block.
    Ones,
    /// 4096-8192 samples (offline bounces).
    Large,
    /// Log-uniform 1-8192.
    Wild,
}

impl BlockProfile {
    /// Mostly realistic sizes, some extremes.
    pub fn random(rng: &mut Rng) -> Self {
        const SIZES: [usize; 10] = [32, 64, 128, 256, 441, 480, 512, 1000, 1024, 2048];
        match weighted(rng, &[0.45, 0.25, 0.06, 0.02, 0.1, 0.12]) {
            0 => Self::Fixed(SIZES[rng.next_u32() as usize % SIZES.len()]),
            1 => Self::Split([256, 512, 1024][rng.next_u32() as usize % 3]),
            2 => Self::Small,
            3 => Self::Ones,
            4 => Self::Large,
            _ => Self::Wild,
        }
    }

    /// The largest block this profile makes (what the host activates with, at least).
    pub fn max(self) -> usize {
        match self {
            Self::Fixed(n) | Self::Split(n) => n,
            Self::Small => 16,
            Self::Ones => 1,
            Self::Large | Self::Wild => 8192,
        }
    }

    /// Seconds of audio a segment with this profile lasts: tiny blocks cost the most per
    /// second of audio, so their segments are short.
    pub fn segment_seconds(self, rng: &mut Rng) -> f64 {
        match self {
            Self::Ones => uniform(rng, 0.3, 1.0),
            Self::Small => uniform(rng, 1.0, 4.0),
            _ => uniform(rng, 10.0, 90.0),
        }
    }

    /// Block sizes covering exactly `frames` samples.
    pub fn blocks(self, rng: &mut Rng, frames: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut left = frames;
        while left > 0 {
            let n = match self {
                Self::Fixed(n) => n,
                Self::Split(n) => {
                    if chance(rng, 0.3) {
                        1 + rng.next_u32() as usize % n
                    } else {
                        n
                    }
                }
                Self::Small => 1 + rng.next_u32() as usize % 16,
                Self::Ones => 1,
                Self::Large => 4096 + rng.next_u32() as usize % 4097,
                Self::Wild => (8192f64.powf(rng.next_f32() as f64) as usize).clamp(1, 8192),
            }
            .min(left);
            out.push(n);
            left -= n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_cover_the_frames_exactly_within_the_profile_bounds() {
        let mut rng = Rng::new(5);
        for profile in [
            BlockProfile::Fixed(441),
            BlockProfile::Split(512),
            BlockProfile::Small,
            BlockProfile::Ones,
            BlockProfile::Large,
            BlockProfile::Wild,
        ] {
            let b = profile.blocks(&mut rng, 100_000);
            assert_eq!(b.iter().sum::<usize>(), 100_000, "{profile:?}");
            assert!(
                b.iter().all(|&n| (1..=profile.max()).contains(&n)),
                "{profile:?}"
            );
        }
        let wild = BlockProfile::Wild.blocks(&mut rng, 2_000_000);
        assert!(wild.iter().any(|&n| n < 8) && wild.iter().any(|&n| n > 4096));
    }

    #[test]
    fn midi_balances_note_ons_with_note_offs_and_bends_in_range() {
        let sr = 44_100.0;
        let mut m = SoakMidi::new(9);
        let mut held = std::collections::HashSet::new();
        let (mut cc, mut bends) = (0, 0);
        for _ in 0..120 {
            let ev = m.events(sr, 44_100);
            assert!(ev.windows(2).all(|w| w[0].sample() <= w[1].sample()));
            for e in ev {
                match e {
                    HostEvent::NoteOn { key, velocity, .. } => {
                        assert!(key < 128 && velocity > 0.0 && velocity <= 1.0);
                        assert!(held.insert(key), "key {key} struck while held");
                    }
                    HostEvent::NoteOff { key, .. } => {
                        held.remove(&key);
                    }
                    HostEvent::Midi { data, .. } => {
                        assert!(data[1] < 128 && data[2] < 128);
                        if data[0] == 0xE0 {
                            bends += 1;
                        } else {
                            cc += 1;
                            if data[1] == 123 || data[1] == 120 {
                                held.clear();
                            }
                        }
                    }
                    HostEvent::Param { .. } => panic!("the player sends no parameters"),
                }
            }
        }
        assert!(
            m.notes > 200 && cc > 50 && bends > 50,
            "{} {cc} {bends}",
            m.notes
        );
        assert!(held.len() <= 16, "{} keys left hanging", held.len());
    }

    #[test]
    fn automation_stays_in_range_and_is_whole_for_stepped_parameters() {
        let params = vec![
            ParamDesc {
                id: 1u32.into(),
                name: "Gain".into(),
                min: -24.0,
                max: 6.0,
                default: 0.0,
                stepped: false,
                automatable: true,
                hidden: false,
            },
            ParamDesc {
                id: 2u32.into(),
                name: "Mode".into(),
                min: 0.0,
                max: 3.0,
                default: 0.0,
                stepped: true,
                automatable: true,
                hidden: false,
            },
        ];
        let mut a = SoakAutomation::new(4, params);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for _ in 0..60 {
            let ev = a.events(96_000.0, 96_000);
            assert!(ev.windows(2).all(|w| w[0].sample() <= w[1].sample()));
            for e in ev {
                let HostEvent::Param { id, value, sample } = e else {
                    panic!("automation sends parameters only");
                };
                assert!(sample < 96_000);
                if id == 1u32 {
                    assert!((-24.0..=6.0).contains(&value));
                    lo = lo.min(value);
                    hi = hi.max(value);
                } else {
                    assert!((0.0..=3.0).contains(&value) && value.fract() == 0.0);
                }
            }
        }
        // The extremes are reached exactly.
        assert_eq!((lo, hi), (-24.0, 6.0));
        assert!(a.events_sent > 1000, "{}", a.events_sent);
    }
}
