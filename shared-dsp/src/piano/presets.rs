//! Factory presets: complete settings, so the plugin, its editor and the command-line renderer
//! load exactly the same piano.

use super::settings::PianoSettings;

#[derive(Debug, Clone, Copy)]
pub struct PianoPreset {
    pub name: &'static str,
    pub description: &'static str,
    pub settings: PianoSettings,
}

const BASE: PianoSettings = PianoSettings::DEFAULT;

pub const PRESETS: &[PianoPreset] = &[
    PianoPreset {
        name: "Bridge Confession",
        description: "Close, soft and a little out of tune: the stripped-back bridge.",
        settings: PianoSettings {
            detune_cents: 6.0,
            spread_cents: 5.0,
            tuning_seed: 11,
            tone: -0.3,
            felt: 0.35,
            wear: 0.15,
            wow_depth_cents: 4.0,
            wow_rate_hz: 0.4,
            flutter_depth_cents: 0.8,
            noise: 0.3,
            air: 0.25,
            width: 0.5,
            resonance: 0.6,
            ache: 0.35,
            ..BASE
        },
    },
    PianoPreset {
        name: "Honky-Tonk Back Room",
        description: "Wide unisons, bright hammers, a wooden room.",
        settings: PianoSettings {
            detune_cents: 22.0,
            spread_cents: 12.0,
            tuning_seed: 23,
            stretch: 0.8,
            tone: 0.5,
            wear: 0.35,
            noise: 0.35,
            air: 0.45,
            width: 0.7,
            resonance: 0.4,
            ..BASE
        },
    },
    PianoPreset {
        name: "Felt Lullaby",
        description: "A felt strip between hammers and strings: muted, warm, mechanics up close.",
        settings: PianoSettings {
            detune_cents: 3.0,
            spread_cents: 2.0,
            tuning_seed: 5,
            tone: -0.5,
            felt: 0.9,
            wear: 0.1,
            noise: 0.5,
            air: 0.2,
            width: 0.4,
            resonance: 0.7,
            ..BASE
        },
    },
    PianoPreset {
        name: "Tape Memory",
        description: "A cassette of an old recording: wow, flutter and hiss.",
        settings: PianoSettings {
            detune_cents: 5.0,
            spread_cents: 6.0,
            tuning_seed: 31,
            tone: -0.2,
            felt: 0.3,
            wow_depth_cents: 14.0,
            wow_rate_hz: 0.55,
            flutter_depth_cents: 3.0,
            flutter_rate_hz: 10.0,
            noise: 0.55,
            air: 0.3,
            width: 0.5,
            ..BASE
        },
    },
    PianoPreset {
        name: "Broken Upright",
        description: "Years without a tuner: sour unisons, dead keys, loose action.",
        settings: PianoSettings {
            detune_cents: 30.0,
            spread_cents: 35.0,
            tuning_seed: 7,
            stretch: 0.5,
            tone: 0.1,
            felt: 0.1,
            wear: 0.85,
            noise: 0.6,
            air: 0.35,
            width: 0.3,
            ..BASE
        },
    },
    PianoPreset {
        name: "Clean Grand",
        description: "A well-kept grand: the reference the others wear down.",
        settings: PianoSettings {
            detune_cents: 1.5,
            spread_cents: 1.0,
            tone: 0.2,
            noise: 0.1,
            air: 0.3,
            width: 0.8,
            ..BASE
        },
    },
    PianoPreset {
        name: "Late Night Demo",
        description: "Soft felt, a slow wobble, the phone-memo intimacy.",
        settings: PianoSettings {
            detune_cents: 4.0,
            spread_cents: 4.0,
            tuning_seed: 19,
            tone: -0.2,
            felt: 0.55,
            wow_depth_cents: 6.0,
            wow_rate_hz: 0.3,
            noise: 0.35,
            air: 0.15,
            width: 0.3,
            ache: 0.2,
            ..BASE
        },
    },
    PianoPreset {
        name: "Empty Ballroom",
        description: "Open, wide and roomy with a gentle chorus of unisons.",
        settings: PianoSettings {
            detune_cents: 9.0,
            spread_cents: 3.0,
            tuning_seed: 3,
            air: 0.75,
            width: 1.0,
            resonance: 0.8,
            noise: 0.1,
            ..BASE
        },
    },
    PianoPreset {
        name: "Full Ache",
        description: "Every worn, wobbly, detuned thing at once.",
        settings: PianoSettings {
            detune_cents: 8.0,
            spread_cents: 8.0,
            tuning_seed: 13,
            felt: 0.3,
            wear: 0.3,
            wow_depth_cents: 6.0,
            flutter_depth_cents: 1.5,
            noise: 0.3,
            air: 0.3,
            width: 0.5,
            ache: 1.0,
            ..BASE
        },
    },
];

/// Finds a factory preset by name, ignoring case.
pub fn preset_by_name(name: &str) -> Option<&'static PianoPreset> {
    PRESETS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_many_named_uniquely_and_distinct() {
        assert!(PRESETS.len() >= 8);
        for (i, a) in PRESETS.iter().enumerate() {
            assert!(preset_by_name(a.name).is_some());
            for b in &PRESETS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.settings, b.settings, "{} = {}", a.name, b.name);
            }
        }
        assert_eq!(BASE, PianoSettings::default());
    }
}
