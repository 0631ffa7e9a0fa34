//! Catalyst Snare Layerer: detects each drum hit and layers a character sound on it.
//! This crate is glue only: parameters, buses and routing; the sound is in `shared-dsp`.

use nice_plug::prelude::*;
use shared_dsp::denormal::{ScopedFlushDenormals, sanitize};
use std::sync::Arc;

mod editor;
mod params;
pub use params::SnareLayererParams;

/// Peak magnitude any sample may reach at the output (+24 dBFS): the hard safety limit.
const OUTPUT_LIMIT: f32 = 16.0;

pub struct SnareLayerer {
    params: Arc<SnareLayererParams>,
    /// Input scope for the editor (lock-free; idle while the editor is closed).
    scope: catalyst_widgets::ScopeWriter,
}

impl Default for SnareLayerer {
    fn default() -> Self {
        Self {
            params: Arc::new(SnareLayererParams::default()),
            scope: editor::input_scope(),
        }
    }
}

impl Plugin for SnareLayerer {
    const NAME: &'static str = "Catalyst Snare Layerer";
    const VENDOR: &'static str = "Catalyst";
    const URL: &'static str = "https://catalyst.audio/snare-layerer";
    const EMAIL: &'static str = "dev@catalyst.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[new_nonzero_u32(2)],
            names: PortNames {
                layout: Some("Stereo"),
                main_input: Some("Drum In"),
                main_output: Some("Output"),
                aux_inputs: &["Trigger Sidechain"],
                aux_outputs: &[],
            },
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            aux_input_ports: &[new_nonzero_u32(1)],
            names: PortNames {
                layout: Some("Mono"),
                main_input: Some("Drum In"),
                main_output: Some("Output"),
                aux_inputs: &["Trigger Sidechain"],
                aux_outputs: &[],
            },
            ..AudioIOLayout::const_default()
        },
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::SnareEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        Some(editor::create(self.params.clone(), self.scope.tap()))
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        self.scope.capture(buffer, context.transport().sample_rate);
        for mut frame in buffer.iter_samples() {
            let dry = self.params.dry_gain.smoothed.next();
            let out = self.params.output_gain.smoothed.next();
            // Layers arrive with the snare engine; the layer gain is kept moving so its smoother
            // is never stale when they do.
            let _layer = self.params.layer_gain.smoothed.next();
            for sample in frame.iter_mut() {
                *sample = sanitize(sanitize(*sample, OUTPUT_LIMIT) * dry * out, OUTPUT_LIMIT);
            }
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for SnareLayerer {
    const CLAP_ID: &'static str = "audio.catalyst.snare-layerer";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Detects each drum hit and layers a phase-aligned character sound on it");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Drum,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for SnareLayerer {
    const VST3_CLASS_ID: [u8; 16] = *b"CatalystSnareLyr";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Drum];
}

nice_export_clap!(SnareLayerer);
nice_export_vst3!(SnareLayerer);
