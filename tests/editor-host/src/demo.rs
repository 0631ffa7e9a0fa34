//! A demo session so the Density Meter's editor is screenshot with a song in it rather than
//! three bars: the 48-bar arrangement of `shared_dsp::synth_material` (verse, pre-chorus,
//! chorus, outro) analysed offline by the same `DensityTracker` the plugin runs, loaded through
//! the plugin's saved state (`timeline` + `track_name`, exactly as a project reload does), plus
//! four stems of that song joined to the arrangement registry as other tracks would be.
//! The host's transport then starts in the outro, so the live bars continue the song.

#[cfg(feature = "density-meter")]
use density_meter::registry::{Registry, TrackSlot};
#[cfg(feature = "density-meter")]
use nice_plug::prelude::Params;
#[cfg(feature = "density-meter")]
use shared_dsp::density::BarStats;
#[cfg(feature = "density-meter")]
use shared_dsp::density::{DensityTracker, SectionLabel, TimelineState, Transport};
#[cfg(feature = "density-meter")]
use std::collections::BTreeMap;
#[cfg(feature = "density-meter")]
use std::f32::consts::TAU;
#[cfg(feature = "density-meter")]
use std::sync::Arc;

#[cfg(feature = "density-meter")]
const SR: u32 = 48_000;
#[cfg(feature = "density-meter")]
const BPM: f64 = 120.0;
#[cfg(feature = "density-meter")]
const BARS: usize = 48;
#[cfg(feature = "density-meter")]
/// The live transport starts here (0-based bar), in the outro.
pub const LIVE_START_BAR: usize = 44;

/// What a plugin's screenshot session needs beyond the defaults.
#[derive(Default)]
pub struct Demo {
    /// Host transport start, in quarter notes.
    pub start_beats: f64,
    #[cfg(feature = "density-meter")]
    stems: Vec<(&'static str, Vec<BarStats>)>,
    /// The joined demo tracks; they leave the registry when dropped.
    #[cfg(feature = "density-meter")]
    tracks: Vec<Arc<TrackSlot>>,
}

impl Demo {
    /// Joins the stems to the arrangement (after the plugin's own track joined in `activate`).
    pub fn join_tracks(&mut self) {
        #[cfg(feature = "density-meter")]
        for (name, bars) in self.stems.drain(..) {
            let slot = Registry::global().register(name);
            for b in &bars {
                slot.publish(b);
            }
            self.tracks.push(slot);
        }
    }
}

#[cfg(feature = "density-meter")]
/// Bars of `audio` (mono, played on both channels) at 120 BPM in 4/4.
fn analyse(audio: &[f32]) -> Vec<BarStats> {
    const BLOCK: usize = 512;
    let mut tracker = DensityTracker::new(SR as f32, 2);
    for (i, chunk) in audio.chunks(BLOCK).enumerate() {
        let beats = (i * BLOCK) as f64 / SR as f64 * BPM / 60.0;
        tracker.process(&[chunk, chunk], &Transport::playing(BPM, (4, 4), beats));
    }
    tracker.flush();
    tracker.bars().iter().flatten().copied().collect()
}

#[cfg(feature = "density-meter")]
/// The song's parts, one bar pattern per section like `synth_material::arrangement`:
/// drums throughout (snare in the chorus), bass and pad from the pre-chorus, lead in the chorus.
fn stems() -> Vec<(&'static str, Vec<f32>)> {
    let sr = SR as f32;
    let beat = (60.0 / BPM) as f32;
    let bar_len = (4.0 * beat * sr) as usize;
    let total = BARS * bar_len;
    let mut drums = vec![0.0f32; total];
    let mut bass = vec![0.0f32; total];
    let mut pad = vec![0.0f32; total];
    let mut lead = vec![0.0f32; total];
    let mut rng = 0x2545_f491u32;
    let mut noise = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng as f32 / u32::MAX as f32 * 2.0 - 1.0
    };
    let bass_notes = [55.0f32, 43.65, 49.0, 41.2];
    for bar in 0..BARS {
        let s0 = bar * bar_len;
        let pre_or_chorus = (16..40).contains(&bar);
        let chorus = (24..40).contains(&bar);
        for i in 0..bar_len {
            let t = i as f32 / sr;
            let in_beat = t % (2.0 * beat);
            let kick_f = 50.0 + 90.0 * (-in_beat * 30.0).exp();
            let mut d = 0.6 * (TAU * kick_f * in_beat).sin() * (-in_beat * 8.0).exp();
            let in_eighth = t % (beat / 2.0);
            d += 0.1 * noise() * (-in_eighth * 90.0).exp();
            if chorus {
                let in_snare = (t + beat) % (2.0 * beat);
                d += 0.5 * noise() * (-in_snare * 22.0).exp();
            }
            drums[s0 + i] = d;
            let ts = (s0 + i) as f32 / sr;
            if pre_or_chorus {
                let f = bass_notes[bar % 4];
                bass[s0 + i] = 0.25 * (TAU * f * t).sin() + 0.08 * (TAU * 2.0 * f * t).sin();
                pad[s0 + i] = 0.05
                    * [220.0f32, 261.63, 329.63, 392.0]
                        .iter()
                        .map(|f| (TAU * f * ts).sin())
                        .sum::<f32>();
            }
            if chorus {
                lead[s0 + i] = 0.06 * (TAU * 880.0 * ts).sin()
                    + 0.04 * (TAU * 1320.0 * ts).sin()
                    + 0.05 * noise();
            }
        }
    }
    vec![
        ("Drums", drums),
        ("Bass", bass),
        ("Pad", pad),
        ("Lead", lead),
    ]
}

#[cfg(feature = "density-meter")]
/// Loads the demo song into a Density Meter's params (before `activate`, like a project load).
pub fn density_session(params: &dyn Params) -> Demo {
    let mix = shared_dsp::synth_material::arrangement(SR, BPM as f32);
    let labels = [(0, "Verse"), (16, "Pre"), (24, "Chorus"), (40, "Outro")]
        .into_iter()
        .map(|(start_bar, label)| SectionLabel {
            start_bar,
            label: label.to_owned(),
        })
        .collect();
    let state = TimelineState {
        bars: analyse(&mix),
        labels,
        ..TimelineState::default()
    };
    let mut fields = BTreeMap::new();
    fields.insert(
        "timeline".to_owned(),
        serde_json::to_string(&state).unwrap_or_default(),
    );
    fields.insert("track_name".to_owned(), "\"Mix bus\"".to_owned());
    fields.insert("track_is_bus".to_owned(), "true".to_owned());
    params.deserialize_fields(&fields);
    Demo {
        start_beats: (LIVE_START_BAR * 4) as f64,
        stems: stems()
            .into_iter()
            .map(|(name, audio)| (name, analyse(&audio)))
            .collect(),
        tracks: Vec::new(),
    }
}
