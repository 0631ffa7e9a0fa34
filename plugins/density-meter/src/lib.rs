//! Catalyst Density Meter: shows, bar by bar, whether an arrangement builds a journey or is a
//! wall of sound. It never changes the audio and adds no latency.
//! This crate is glue only: parameters, transport and the editor; the analysis is in `shared-dsp`.

use nice_plug::prelude::*;
use shared_dsp::denormal::ScopedFlushDenormals;
use shared_dsp::gui_channel::GuiValue;
use std::sync::Arc;

mod editor;
mod params;
pub use params::DensityMeterParams;

/// Values the audio thread publishes for the editor.
#[derive(Default)]
pub struct MeterReadouts {
    /// Peak sample magnitude since the editor last read it.
    pub peak: GuiValue,
}

pub struct DensityMeter {
    params: Arc<DensityMeterParams>,
    readouts: Arc<MeterReadouts>,
}

impl Default for DensityMeter {
    fn default() -> Self {
        Self {
            params: Arc::new(DensityMeterParams::default()),
            readouts: Arc::new(MeterReadouts::default()),
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
        Some(editor::create(self.params.clone(), self.readouts.clone()))
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        // Audio passes through untouched (the host already copied input to output).
        let mut peak = 0.0f32;
        for channel in buffer.as_slice_immutable() {
            for &x in channel.iter() {
                if x.is_finite() {
                    peak = peak.max(x.abs());
                }
            }
        }
        self.readouts.peak.store_max(peak);
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

nice_export_clap!(DensityMeter);
nice_export_vst3!(DensityMeter);
