//! Factory presets: layer settings only (the detector setup belongs to the recording, so a
//! preset never moves threshold, band or timing). The editor applies one by setting the layer
//! parameters; the CLI by name (`--preset "Filing Cabinet"`).

use super::body_tone::BodySettings;
use super::engine::LayerSettings;
use super::layer::LayerCommon;
use super::modal_bank::CabinetSettings;
use super::noise_tail::TailSettings;
use super::sample_player::SampleSettings;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    pub name: &'static str,
    pub layers: LayerSettings,
}

fn layer(enabled: bool, level_db: f32, decay_ms: f32, pan: f32) -> LayerCommon {
    LayerCommon {
        pan,
        ..LayerCommon::new(enabled, level_db, decay_ms)
    }
}

fn cabinet(
    common: LayerCommon,
    size: f32,
    brightness: f32,
    material: f32,
    noise: f32,
) -> CabinetSettings {
    CabinetSettings {
        common,
        modes: 48,
        size,
        brightness,
        material,
        noise_excite: noise,
    }
}

fn tail(common: LayerCommon, tone_hz: f32, grit: f32) -> TailSettings {
    TailSettings {
        common,
        tone_hz,
        grit,
    }
}

fn body(common: LayerCommon, freq_hz: f32, drop_semitones: f32) -> BodySettings {
    BodySettings {
        common,
        freq_hz,
        drop_semitones,
    }
}

const NO_SAMPLE: SampleSettings = SampleSettings {
    common: LayerCommon::new(false, -6.0, 2_000.0),
};

/// The factory presets, in menu order. Allocation-free (plain data).
pub fn factory_presets() -> [Preset; 8] {
    let off_body = body(layer(false, -9.0, 180.0, 0.0), 180.0, 7.0);
    let off_cab = cabinet(layer(false, -6.0, 600.0, 0.0), 0.5, 0.5, 0.6, 0.5);
    let off_tail = tail(layer(false, -12.0, 250.0, 0.0), 4_000.0, 0.3);
    [
        Preset {
            name: "Filing Cabinet",
            layers: LayerSettings {
                cabinet: cabinet(layer(true, -4.0, 700.0, 0.1), 0.45, 0.55, 0.7, 0.3),
                tail: tail(layer(true, -16.0, 200.0, -0.1), 3_500.0, 0.2),
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Trash Lid",
            layers: LayerSettings {
                cabinet: cabinet(layer(true, -5.0, 1_400.0, 0.0), 0.2, 0.9, 1.0, 0.6),
                tail: tail(layer(true, -18.0, 300.0, 0.0), 6_500.0, 0.1),
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Wire Rattle",
            layers: LayerSettings {
                cabinet: off_cab,
                tail: tail(layer(true, -6.0, 350.0, 0.0), 5_000.0, 0.15),
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Fat Body",
            layers: LayerSettings {
                cabinet: off_cab,
                tail: tail(layer(true, -20.0, 150.0, 0.0), 3_000.0, 0.0),
                body: body(layer(true, -3.0, 260.0, 0.0), 165.0, 9.0),
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Lo-fi Crack",
            layers: LayerSettings {
                cabinet: cabinet(layer(true, -12.0, 150.0, 0.0), 0.1, 0.6, 0.5, 1.0),
                tail: tail(layer(true, -5.0, 160.0, 0.0), 2_500.0, 0.95),
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Tin Can",
            layers: LayerSettings {
                cabinet: cabinet(layer(true, -4.0, 280.0, 0.0), 0.0, 0.7, 0.25, 0.4),
                tail: off_tail,
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "Big Plate",
            layers: LayerSettings {
                cabinet: cabinet(layer(true, -6.0, 2_000.0, -0.2), 0.85, 0.4, 0.9, 0.5),
                tail: tail(layer(true, -16.0, 600.0, 0.2), 3_000.0, 0.05),
                body: off_body,
                sample: NO_SAMPLE,
            },
        },
        Preset {
            name: "808 Snap",
            layers: LayerSettings {
                cabinet: off_cab,
                tail: tail(layer(true, -8.0, 110.0, 0.0), 7_500.0, 0.0),
                body: body(layer(true, -6.0, 140.0, 0.0), 230.0, 12.0),
                sample: NO_SAMPLE,
            },
        },
    ]
}

/// Finds a factory preset by name, ignoring case.
pub fn preset_by_name(name: &str) -> Option<Preset> {
    factory_presets()
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}
