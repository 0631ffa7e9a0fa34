//! Catalyst Density Meter: shows, bar by bar, whether an arrangement builds a journey or is a
//! wall of sound. It never changes the audio and adds no latency.
//! This crate is glue only: parameters, transport, state and the [`registry`] that joins the
//! instances of one process into an arrangement; the analysis is
//! `shared_dsp::density::DensityTracker`, which the `catalyst analyze` command runs too.

use nice_plug::prelude::*;
use shared_dsp::denormal::ScopedFlushDenormals;
use shared_dsp::density::tracker::MAX_FREE_SLOTS;
use shared_dsp::density::{BAR_FIELDS, BarStats, DensityTracker, MAX_BARS, Transport};
use shared_dsp::output_ceiling::OUTPUT_BOUND;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

mod editor;
mod params;
pub mod registry;
pub mod shared;
/// The editor's arrangement card and its name gutter, for the grid benchmark in `perf/`
/// (`cargo bench -p catalyst-perf --bench arrangement_grid`).
#[cfg(feature = "gui")]
pub use editor::{ArrangementView, GUTTER, Shade};
pub use params::DensityMeterParams;
use registry::{Registry, TrackSlot};
pub use shared::{MeterShared, Readouts};

/// Most bars that can close in one block and be published afterwards (a jump plus a bar line
/// plus a mode change is three; the engine keeps every bar in its timeline regardless).
const MAX_CLOSED_PER_BLOCK: usize = 16;
/// Largest sample magnitude passed through (+24 dBFS, the suite's output bound); beyond it a
/// sample is an upstream error.
const PASS_THROUGH_LIMIT: f32 = OUTPUT_BOUND;

pub struct DensityMeter {
    params: Arc<DensityMeterParams>,
    engine: Option<DensityTracker>,
    slot: Option<Arc<TrackSlot>>,
    /// Flat copy of the bar timeline (`MAX_BARS` x `BAR_FIELDS`) published to the editor.
    flat: Vec<f32>,
    free_flat: Vec<f32>,
    /// Bars decoded from a state load (capacity `MAX_BARS`, never grows).
    restored: Vec<BarStats>,
    /// Set while the editor window is open: live readouts are published only then (the bar
    /// timeline is always kept, it is also the saved state).
    editor_open: Arc<AtomicBool>,
}

impl Default for DensityMeter {
    fn default() -> Self {
        Self {
            params: Arc::new(DensityMeterParams::default()),
            engine: None,
            slot: None,
            flat: vec![0.0; MAX_BARS * BAR_FIELDS],
            free_flat: vec![0.0; MAX_FREE_SLOTS * BAR_FIELDS],
            restored: Vec::with_capacity(MAX_BARS),
            editor_open: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl DensityMeter {
    /// What the editor reads: readouts, timeline, labels, exports, arrangement.
    pub fn shared(&self) -> Arc<MeterShared> {
        self.params.shared.clone()
    }

    /// Hands bars from a state load to the engine (lock-free: the flat copy, decoded into a
    /// scratch of `MAX_BARS` reserved in `default`) and republishes the timeline. Runs at
    /// activation and, when a host restores state while the plugin is active, at the next
    /// block.
    fn take_restored_state(&mut self) {
        let shared = self.params.shared.clone();
        let generation = shared.restore_generation.load(Ordering::Acquire);
        if generation == shared.restore_applied.load(Ordering::Acquire) {
            return;
        }
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        // A load racing this read bumps the generation again: taken at the next block.
        let _ = shared.restore.read(&mut self.flat);
        self.restored.clear();
        self.restored.extend(
            self.flat
                .chunks(BAR_FIELDS)
                .take(MAX_BARS)
                .filter_map(BarStats::read_fields),
        );
        engine.restore_bars(&self.restored);
        if let Some(slot) = &self.slot {
            slot.clear();
        }
        for i in 0..MAX_BARS {
            self.write_bar(i);
        }
        shared.timeline.write(&self.flat);
        shared.restore_applied.store(generation, Ordering::Release);
    }

    fn write_bar(&mut self, index: usize) {
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let fields = &mut self.flat[index * BAR_FIELDS..(index + 1) * BAR_FIELDS];
        match engine.bars()[index] {
            Some(bar) => {
                bar.write_fields(fields);
                if let Some(slot) = &self.slot {
                    slot.publish(&bar);
                }
            }
            None => fields.fill(0.0),
        }
    }
}

impl Plugin for DensityMeter {
    const NAME: &'static str = "Catalyst Density Meter";
    const VENDOR: &'static str = "Catalyst";
    const URL: &'static str = "https://catalyst.audio/density-meter";
    const EMAIL: &'static str = "dev@catalyst.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::DensityEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let open = self.editor_open.clone();
        Some(
            editor::create(self.params.clone(), self.params.shared.clone())
                .on_open_change(move |is_open| open.store(is_open, Ordering::Relaxed)),
        )
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let shared = self.params.shared.clone();
        let channels = audio_io_layout
            .main_input_channels
            .map_or(2, |c| c.get() as usize);
        // Keep what was captured before this (re)activation; a state loaded since then
        // replaces it below (`take_restored_state`).
        let bars: Vec<BarStats> = shared.timeline_snapshot().into_iter().flatten().collect();
        let mut engine = DensityTracker::new(buffer_config.sample_rate, channels);
        engine.set_occupancy_range_db(self.params.occupancy_range_db.value());
        engine.restore_bars(&bars);
        self.engine = Some(engine);

        if self.slot.is_none() {
            let slot = Registry::global().register("");
            let name = self
                .params
                .track_name
                .read()
                .map(|n| n.trim().to_string())
                .unwrap_or_default();
            slot.set_name(&if name.is_empty() {
                format!("Track {}", slot.id())
            } else {
                name
            });
            self.slot = Some(slot);
        }
        if let Some(slot) = &self.slot {
            slot.set_bus(self.params.track_is_bus.load(Ordering::Relaxed));
            slot.clear();
            if let Ok(mut s) = shared.track_slot.lock() {
                *s = Some(slot.clone());
            }
        }
        self.flat.fill(0.0);
        for i in 0..MAX_BARS {
            self.write_bar(i);
        }
        shared.timeline.write(&self.flat);
        self.take_restored_state();
        self.free_flat.fill(0.0);
        shared.free_slots.write(&self.free_flat);
        context.set_latency_samples(0);
        true
    }

    fn reset(&mut self) {
        if let Some(engine) = self.engine.as_mut() {
            engine.reset_meters();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        let shared = self.params.shared.clone();
        // A host that restores state after activating (Ardour) hands it over here.
        self.take_restored_state();
        let Some(engine) = self.engine.as_mut() else {
            return ProcessStatus::Normal;
        };
        if shared.clear_requested.swap(false, Ordering::AcqRel) {
            engine.clear();
            self.flat.fill(0.0);
            self.free_flat.fill(0.0);
            shared.timeline.write(&self.flat);
            shared.free_slots.write(&self.free_flat);
            if let Some(slot) = &self.slot {
                slot.clear();
            }
        }
        engine.set_occupancy_range_db(self.params.occupancy_range_db.value());

        let t = context.transport();
        let transport = Transport {
            playing: t.playing,
            tempo_bpm: t.tempo,
            time_sig: match (t.time_sig_numerator, t.time_sig_denominator) {
                (Some(n), Some(d)) if n > 0 && d > 0 => Some((n as u32, d as u32)),
                _ => None,
            },
            pos_beats: t.pos_beats(),
        };
        {
            let channels = buffer.as_slice_immutable();
            let mut planar: [&[f32]; 2] = [&[], &[]];
            let n = channels.len().min(2);
            for (p, c) in planar.iter_mut().zip(channels.iter()) {
                *p = c;
            }
            engine.process(&planar[..n], &transport);
        }
        // The meter passes audio through untouched; only samples that can only be errors
        // upstream are replaced by silence: non-finite ones (they would poison everything
        // downstream) and ones beyond +24 dBFS (no real signal is that loud; passing 1e30 on
        // would blow up the next plugin's filters).
        for channel in buffer.as_slice() {
            for x in channel.iter_mut() {
                if !x.is_finite() || x.abs() > PASS_THROUGH_LIMIT {
                    *x = 0.0;
                }
            }
        }

        let mut closed = [0usize; MAX_CLOSED_PER_BLOCK];
        let mut n_closed = 0;
        let mut free_changed = false;
        let free_flat = &mut self.free_flat;
        engine.drain_finished(|b| {
            if b.free_time {
                let i = b.stats.index as usize % MAX_FREE_SLOTS;
                b.stats
                    .write_fields(&mut free_flat[i * BAR_FIELDS..(i + 1) * BAR_FIELDS]);
                free_changed = true;
            } else if (0..MAX_BARS as i32).contains(&b.stats.index)
                && n_closed < MAX_CLOSED_PER_BLOCK
            {
                closed[n_closed] = b.stats.index as usize;
                n_closed += 1;
            }
        });
        if self.editor_open.load(Ordering::Relaxed) {
            shared.readouts.store(engine.live());
        }
        for &i in &closed[..n_closed] {
            self.write_bar(i);
        }
        if n_closed > 0 {
            shared.timeline.write(&self.flat);
        }
        if free_changed {
            shared.free_slots.write(&self.free_flat);
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for DensityMeter {
    const CLAP_ID: &'static str = "audio.catalyst.density-meter";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Measures arrangement density bar by bar: journey or wall of sound");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Analyzer,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for DensityMeter {
    const VST3_CLASS_ID: [u8; 16] = *b"CatalystDensMetr";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Analyzer];
}

#[cfg(not(feature = "offline"))]
nice_export_clap!(DensityMeter);
#[cfg(not(feature = "offline"))]
nice_export_vst3!(DensityMeter);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use shared_dsp::density::SectionLabel;
    use std::collections::BTreeMap;

    pub(crate) fn bar(index: i32, density: f32) -> BarStats {
        BarStats {
            index,
            duration_s: 2.0,
            coverage: 1.0,
            loudness_lufs: -14.0,
            true_peak_dbtp: -1.0,
            plr_db: 13.0,
            occupancy: 0.5,
            flatness: 0.1,
            onset_rate_hz: 4.0,
            low_share: 0.2,
            low_band_share: [0.1, 0.1, 0.05],
            density,
            fill: 0.0,
            band_db: [shared_dsp::density::bands::NO_PROFILE_DB;
                shared_dsp::density::bands::PROFILE_BANDS],
        }
    }

    #[test]
    fn timeline_and_labels_survive_save_and_load() {
        let params = DensityMeterParams::default();
        let mut flat = vec![0.0f32; MAX_BARS * BAR_FIELDS];
        for (i, d) in [(0usize, 20.0), (1, 30.0), (5, 80.0)] {
            bar(i as i32, d).write_fields(&mut flat[i * BAR_FIELDS..]);
        }
        params.shared.timeline.write(&flat);
        params.shared.set_label(4, "Chorus");
        *params.track_name.write().unwrap() = "Bass".into();
        params.track_is_bus.store(true, Ordering::Relaxed);
        let saved = params.serialize_fields();

        let loaded = DensityMeterParams::default();
        loaded.deserialize_fields(&saved);
        let bars = loaded
            .shared
            .pending_restore
            .lock()
            .unwrap()
            .clone()
            .unwrap();
        assert_eq!(bars, vec![bar(0, 20.0), bar(1, 30.0), bar(5, 80.0)]);
        assert_eq!(
            loaded.shared.labels(),
            vec![SectionLabel {
                start_bar: 4,
                label: "Chorus".into()
            }]
        );
        assert_eq!(*loaded.track_name.read().unwrap(), "Bass");
        assert!(loaded.track_is_bus.load(Ordering::Relaxed));
        // Saving again before activation keeps the loaded timeline.
        let again = loaded.serialize_fields();
        assert_eq!(again.get("timeline"), saved.get("timeline"));
    }

    #[test]
    fn foreign_or_corrupt_timeline_state_loads_empty() {
        for junk in [
            "\"junk\"",
            "{\"version\": 0, \"bars\": []}",
            "{\"version\": 7}",
            "[1, 2, 3]",
            "{\"version\": 1, \"bars\": [{\"index\": \"x\"}]}",
        ] {
            let params = DensityMeterParams::default();
            let mut state = BTreeMap::new();
            state.insert("timeline".to_string(), junk.to_string());
            params.deserialize_fields(&state);
            let pending = params.shared.pending_restore.lock().unwrap().clone();
            assert_eq!(pending, Some(Vec::new()), "{junk}");
            assert!(params.shared.labels().is_empty());
        }
    }

    #[test]
    fn report_and_exports_come_from_the_published_timeline() {
        let shared = MeterShared::default();
        let mut flat = vec![0.0f32; MAX_BARS * BAR_FIELDS];
        for i in 0..16 {
            let d = if i < 8 { 25.0 } else { 75.0 };
            let mut b = bar(i as i32, d);
            b.loudness_lufs = if i < 8 { -20.0 } else { -11.0 };
            b.occupancy = d / 100.0;
            b.write_fields(&mut flat[i * BAR_FIELDS..]);
        }
        shared.timeline.write(&flat);
        let report = shared.report(4);
        assert!(!report.free_time);
        assert_eq!(report.bars.len(), 16);
        assert_eq!(report.sections.len(), 2);
        assert_eq!(shared.export_csv(4).lines().count(), 17);
        assert!(shared.export_json(4).contains("\"verdict\""));
        // Without bars, the free-time slots are reported, marked as such.
        let empty = MeterShared::default();
        assert!(empty.report(4).free_time);
    }
}
