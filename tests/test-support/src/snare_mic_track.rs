//! Generated snare-mic tracks from recorded drums, for measuring detection as a producer meets
//! it: the snare recorded close, the kick and hi-hat leaking in from across the kit, a small room
//! on all of it, mixed at any level (issue 14's evaluation families).
//!
//! One track: a bar of kick and hats alone (the count-in: nothing may fire before the snare has
//! ever played), grooves with backbeats at 60-100 % velocity, ghost notes 20-26 dB under the
//! accents, a flam every other bar, a bar of a 16th-note fill whose velocity rises from 45 % to
//! 100 %, and a last groove bar, then a second of room tail. Velocity picks the kit's recorded
//! layer (the soft layers are real soft strokes) and scales it, as a sampler does.
//!
//! The bleed: every hi-hat peaks 6-10 dB under a full snare stroke, high-passed (distance takes
//! the lows) and 0.3-1 ms late; every kick 6-14 dB under, low-passed (its beater click is lost)
//! and 0.5-2 ms late. The room is a Schroeder reverberator (four parallel combs and two
//! all-passes: Schroeder, "Natural sounding artificial reverberation", JAES 1962) with a short
//! RT60 on the whole mix.

use crate::recorded::{RecordedHit, recorded_hit};
use shared_dsp::filters::{Biquad, BiquadCoefs};
use shared_dsp::rng::Rng;
use shared_dsp::util::db_to_gain;
use std::f64::consts::FRAC_1_SQRT_2;

/// The drums of one track: snare layers from softest to hardest, a kick and a closed hat.
#[derive(Debug, Clone, Copy)]
pub struct DrumSet {
    pub snare_kit: &'static str,
    pub snare_layers: &'static [&'static str],
    pub kick: (&'static str, &'static str),
    pub hat: (&'static str, &'static str),
}

/// The kits the detector's constants were tuned on (with the synthetic grooves).
pub const TUNING_SETS: [DrumSet; 3] = [
    DrumSet {
        snare_kit: "ColomboAcousticDrumkit",
        snare_layers: &[
            "snare-opaque-normal-mic-normal_shot2.flac",
            "snare-opaque-normal-mic-normal_shot3.flac",
        ],
        kick: (
            "ColomboAcousticDrumkit",
            "bassdrum-4mics-br-stereo-normal3.flac",
        ),
        hat: ("ColomboAcousticDrumkit", "hihat-closed-1.flac"),
    },
    DrumSet {
        snare_kit: "The Black Pearl 1.0",
        snare_layers: &[
            "PearlSnare-Softest.wav",
            "PearlSnare-Soft.wav",
            "PearlSnare-Med.wav",
            "PearlSnare-Hard.wav",
            "PearlSnare-Hardest.wav",
        ],
        kick: ("The Black Pearl 1.0", "PearlKick-Hard.wav"),
        hat: ("The Black Pearl 1.0", "SabianHatClosed-Hard.wav"),
    },
    DrumSet {
        snare_kit: "BJA_Pacific",
        snare_layers: &[
            "SN_01.aiff",
            "SN_02.aiff",
            "SN_03.aiff",
            "SN_04.aiff",
            "SN_05.aiff",
            "SN_06.aiff",
            "SN_07.aiff",
            "SN_08.aiff",
        ],
        kick: ("BJA_Pacific", "BD_08.aiff"),
        hat: ("BJA_Pacific", "HH_08.aiff"),
    },
];

/// Kits no constant of the detector was tuned on: the assertions are on these.
pub const HELD_OUT_SETS: [DrumSet; 4] = [
    DrumSet {
        snare_kit: "Millo_MultiLayered2",
        snare_layers: &[
            "jsnare_01.flac",
            "jsnare_02.flac",
            "jsnare_03.flac",
            "jsnare_04.flac",
            "jsnare_05.flac",
        ],
        kick: ("Millo_MultiLayered2", "bd_05.flac"),
        hat: ("Millo_MultiLayered2", "hhclosed_05.flac"),
    },
    DrumSet {
        snare_kit: "HardElectro1",
        snare_layers: &["PowR_SN_1.flac"],
        kick: ("HardElectro1", "PowR_BD_1.flac"),
        hat: ("HardElectro1", "Hard_CHH_01.flac"),
    },
    DrumSet {
        snare_kit: "Audiophob",
        snare_layers: &["25671__walter-odington__garage-city-snare-snappy.wav"],
        kick: ("HardElectro1", "HardHse_K_02.flac"),
        hat: ("Audiophob", "116973__cbeeching__hat-light.wav"),
    },
    DrumSet {
        snare_kit: "Millo_MultiLayered2",
        snare_layers: &[
            "rsnare_01.flac",
            "rsnare_02.flac",
            "rsnare_03.flac",
            "rsnare_04.flac",
            "rsnare_05.flac",
        ],
        kick: ("HardElectro1", "HardHse_K_02.flac"),
        hat: ("Audiophob", "116973__cbeeching__hat-light.wav"),
    },
];

/// What a snare event is for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    /// A backbeat, a flam's main stroke or a fill stroke: must be found.
    Required,
    /// A flam's grace stroke: neither required nor a false trigger.
    Optional,
    /// A ghost note 20-26 dB under the accents: neither required nor a false trigger by
    /// default; what the ghost lane looks for.
    Ghost,
    /// Bleed (for diagnostics: any detection that is not a snare stroke is a false trigger).
    Kick,
    Hat,
}

impl Stroke {
    /// Neither required nor a false trigger at default settings.
    pub fn is_optional(self) -> bool {
        matches!(self, Stroke::Optional | Stroke::Ghost)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct TrackEvent {
    /// Sample of the stroke's onset in the track.
    pub onset: usize,
    pub stroke: Stroke,
}

/// The family a track is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct TrackSpec {
    pub sample_rate: f32,
    pub bpm: f32,
    /// Peak of the whole track, dBFS.
    pub peak_dbfs: f32,
    /// Bleed peaks relative to a full snare stroke, dB (negative).
    pub hat_db: f32,
    pub kick_db: f32,
    pub seed: u32,
}

impl TrackSpec {
    /// A track drawn at random from issue 14's families: 44.1/48/96 kHz, 90-175 BPM, peak
    /// -20..0 dBFS, hats 6-10 dB and kicks 6-14 dB under the snare.
    pub fn random(seed: u32) -> Self {
        let mut rng = Rng::new(seed.wrapping_mul(2_654_435_761).wrapping_add(17));
        let rates = [44_100.0, 48_000.0, 96_000.0];
        Self {
            sample_rate: rates[(rng.next_u32() % 3) as usize],
            bpm: 90.0 + 85.0 * rng.next_f32(),
            peak_dbfs: -20.0 * rng.next_f32(),
            hat_db: -6.0 - 4.0 * rng.next_f32(),
            kick_db: -6.0 - 8.0 * rng.next_f32(),
            seed,
        }
    }
}

pub struct SnareMicTrack {
    pub signal: Vec<f32>,
    /// The kick's own close mic on the same timeline: the kick unfiltered at full strength,
    /// `kick_late` earlier than its bleed on the snare mic, scaled as the snare mic is (no
    /// snare bleed, no room: what another track's instance hears of the kick).
    pub kick_mic: Vec<f32>,
    pub events: Vec<TrackEvent>,
    pub spec: TrackSpec,
}

/// `sound` through a 2-pole filter, renormalised to unit peak (bleed levels are peaks after
/// the distance filtering, as a meter on the snare channel reads them).
fn filtered(sound: &RecordedHit, coefs: BiquadCoefs) -> RecordedHit {
    let mut f = Biquad::new(coefs);
    let mut frames: Vec<f32> = sound.frames.iter().map(|&x| f.process(x)).collect();
    let peak = frames
        .iter()
        .fold(0.0f32, |m, x| m.max(x.abs()))
        .max(1.0e-9);
    frames.iter_mut().for_each(|x| *x /= peak);
    RecordedHit {
        frames,
        onset: sound.onset,
    }
}

/// Adds `sound` so that its onset lands on `onset`, scaled by `gain`.
fn place(out: &mut [f32], sound: &RecordedHit, onset: usize, gain: f32) {
    let Some(start) = onset.checked_sub(sound.onset) else {
        return;
    };
    for (o, x) in out.iter_mut().skip(start).zip(&sound.frames) {
        *o += gain * x;
    }
}

/// The room: four parallel feedback combs into two all-passes (Schroeder 1962), comb gains set
/// for the RT60 (g = 10^(-3 d / RT60)).
fn add_room(signal: &mut [f32], sr: f32, rt60_s: f32, wet_db: f32) {
    let combs_ms = [29.7f32, 37.1, 41.1, 43.7];
    let allpass_ms = [5.0f32, 1.7];
    let mut wet = vec![0.0f32; signal.len()];
    for d_ms in combs_ms {
        let d = (d_ms * 0.001 * sr) as usize;
        let g = 10.0f32.powf(-3.0 * d_ms * 0.001 / rt60_s);
        let mut line = vec![0.0f32; d];
        for (n, w) in wet.iter_mut().enumerate() {
            let y = line[n % d];
            line[n % d] = signal[n] + g * y;
            *w += 0.25 * y;
        }
    }
    for d_ms in allpass_ms {
        let d = (d_ms * 0.001 * sr) as usize;
        let g = 0.7f32;
        let mut line = vec![0.0f32; d];
        for (n, w) in wet.iter_mut().enumerate() {
            // v[n] = x[n] + g v[n-d]; y[n] = v[n-d] - g v[n]
            let delayed = line[n % d];
            let v = *w + g * delayed;
            *w = delayed - g * v;
            line[n % d] = v;
        }
    }
    let gain = db_to_gain(wet_db);
    for (s, w) in signal.iter_mut().zip(&wet) {
        *s += gain * w;
    }
}

/// Renders one track of `set` from `spec`.
pub fn snare_mic_track(set: &DrumSet, spec: TrackSpec) -> SnareMicTrack {
    let sr = spec.sample_rate;
    let mut rng = Rng::new(spec.seed ^ 0x5eed_1234);
    let layers: Vec<RecordedHit> = set
        .snare_layers
        .iter()
        .map(|f| recorded_hit(set.snare_kit, f, sr))
        .collect();
    let kick_raw = recorded_hit(set.kick.0, set.kick.1, sr);
    let hat_raw = recorded_hit(set.hat.0, set.hat.1, sr);
    let kick_lp = 800.0 + 1_700.0 * rng.next_f32() as f64;
    let hat_hp = 400.0 + 1_200.0 * rng.next_f32() as f64;
    let kick = filtered(
        &kick_raw,
        BiquadCoefs::lowpass(sr as f64, kick_lp, FRAC_1_SQRT_2),
    );
    let hat = filtered(
        &hat_raw,
        BiquadCoefs::highpass(sr as f64, hat_hp, FRAC_1_SQRT_2),
    );
    let hat_late = ((0.3 + 0.7 * rng.next_f32()) * 0.001 * sr) as usize;
    let kick_late = ((0.5 + 1.5 * rng.next_f32()) * 0.001 * sr) as usize;

    let beat = 60.0 / spec.bpm * sr;
    let sixteenth = beat / 4.0;
    let bars = 6usize;
    let lead_in = (0.25 * sr) as usize;
    let total = lead_in + (bars as f32 * 4.0 * beat + 1.5 * sr) as usize;
    let mut signal = vec![0.0f32; total];
    let mut kick_mic = vec![0.0f32; total];
    let mut events = Vec::new();
    let at = |bar: usize, s16: usize| lead_in + ((bar * 16 + s16) as f32 * sixteenth) as usize;

    // A full stroke peaks at 1.0 (layer peak x velocity); the track is scaled at the end.
    let snare = |signal: &mut [f32], onset: usize, velocity: f32, rng: &mut Rng| {
        let n = layers.len();
        let layer = ((velocity * n as f32) as usize).min(n - 1);
        // A human's strokes vary by about +-1 dB around the intended velocity.
        let gain = velocity * db_to_gain(2.0 * rng.next_f32() - 1.0);
        place(signal, &layers[layer], onset, gain);
    };
    let fill_bar = 4usize;
    for bar in 0..bars {
        // Hats: 8ths, 16ths in the second groove bar.
        let hat_step = if bar == 2 { 1 } else { 2 };
        for s in (0..16).step_by(hat_step) {
            if bar == fill_bar && s > 0 {
                continue;
            }
            let level = spec.hat_db - 2.0 * rng.next_f32() * (s % 4 != 0) as u8 as f32;
            place(&mut signal, &hat, at(bar, s) + hat_late, db_to_gain(level));
            events.push(TrackEvent {
                onset: at(bar, s) + hat_late,
                stroke: Stroke::Hat,
            });
        }
        // Kicks: 1, 3, the "and" of 3, sometimes the "a" of 2.
        let mut kicks = vec![0usize, 8, 10];
        if rng.next_f32() < 0.5 {
            kicks.push(7);
        }
        for s in kicks {
            if bar == fill_bar && s > 0 {
                continue;
            }
            let level = spec.kick_db - 1.0 * rng.next_f32();
            place(
                &mut signal,
                &kick,
                at(bar, s) + kick_late,
                db_to_gain(level),
            );
            place(
                &mut kick_mic,
                &kick_raw,
                at(bar, s),
                db_to_gain(level - spec.kick_db),
            );
            events.push(TrackEvent {
                onset: at(bar, s) + kick_late,
                stroke: Stroke::Kick,
            });
        }
        if bar == 0 {
            continue; // count-in: kick and hats only
        }
        if bar == fill_bar {
            for s in 0..16 {
                let velocity = 0.45 + 0.55 * s as f32 / 15.0;
                let onset = at(bar, s);
                snare(&mut signal, onset, velocity, &mut rng);
                events.push(TrackEvent {
                    onset,
                    stroke: Stroke::Required,
                });
            }
            continue;
        }
        for s in [4usize, 12] {
            let onset = at(bar, s);
            if s == 12 && bar % 2 == 1 {
                // Flam: a soft grace stroke 15-35 ms before the main stroke.
                let grace = onset - ((0.015 + 0.02 * rng.next_f32()) * sr) as usize;
                snare(&mut signal, grace, 0.25 + 0.15 * rng.next_f32(), &mut rng);
                events.push(TrackEvent {
                    onset: grace,
                    stroke: Stroke::Optional,
                });
            }
            let velocity = 0.6 + 0.4 * rng.next_f32();
            snare(&mut signal, onset, velocity, &mut rng);
            events.push(TrackEvent {
                onset,
                stroke: Stroke::Required,
            });
        }
        for s in [7usize, 9, 15] {
            if rng.next_f32() < 0.6 {
                let onset = at(bar, s);
                let velocity = db_to_gain(-20.0 - 6.0 * rng.next_f32());
                snare(&mut signal, onset, velocity, &mut rng);
                events.push(TrackEvent {
                    onset,
                    stroke: Stroke::Ghost,
                });
            }
        }
    }
    events.sort_by_key(|e| e.onset);
    add_room(
        &mut signal,
        sr,
        0.2 + 0.3 * rng.next_f32(),
        -14.0 - 6.0 * rng.next_f32(),
    );
    let peak = signal
        .iter()
        .fold(0.0f32, |m, x| m.max(x.abs()))
        .max(1.0e-9);
    let scale = db_to_gain(spec.peak_dbfs) / peak;
    for x in signal.iter_mut() {
        *x = *x * scale + db_to_gain(spec.peak_dbfs - 80.0) * rng.bipolar();
    }
    let kick_scale = db_to_gain(spec.peak_dbfs)
        / kick_mic
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()))
            .max(1.0e-9);
    kick_mic.iter_mut().for_each(|x| *x *= kick_scale);
    SnareMicTrack {
        signal,
        kick_mic,
        events,
        spec,
    }
}
