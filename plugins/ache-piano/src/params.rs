use nice_plug::prelude::*;
use shared_dsp::piano::{
    MAX_SILENT_VELOCITY, MAX_STRING_DETUNE_CENTS, MIN_STRING_LEVEL_DB, PRESETS, PianoPreset,
    PianoSettings,
};
use std::sync::Arc;

/// Host-visible parameters. Ids are stable forever: rename the field, never the id.
///
/// Every control that changes the sound glides inside the engine (20 ms), so hosts that send
/// one automation value per block do not zipper; note-on controls (zone hardness, stretch,
/// spread, seed, tone, unison string levels) shape the next strike, as on a real piano; felt
/// and wear shape the next strike and glide the damping of sounding notes; Silent Keys decides
/// at each note-on whether the hammer strikes.
#[derive(Params)]
pub struct AchePianoParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_editor_core::SharedLayout,
    #[id = "volume"]
    pub volume: FloatParam,
    /// Tuning reference: the frequency of A4.
    #[id = "a4"]
    pub a4_hz: FloatParam,
    #[id = "ache"]
    pub ache: FloatParam,
    #[id = "detune"]
    pub detune_cents: FloatParam,
    /// Per-string unisons: strings 2 and 3 detuned from string 1 (glides).
    #[id = "str2_detune"]
    pub string2_detune_cents: FloatParam,
    #[id = "str3_detune"]
    pub string3_detune_cents: FloatParam,
    /// Strike level of strings 2 and 3 relative to string 1 (next strike).
    #[id = "str2_level"]
    pub string2_level_db: FloatParam,
    #[id = "str3_level"]
    pub string3_level_db: FloatParam,
    /// Notes softer than this velocity lift their dampers without a strike.
    #[id = "silent_vel"]
    pub silent_below_velocity: FloatParam,
    #[id = "spread"]
    pub spread_cents: FloatParam,
    #[id = "seed"]
    pub tuning_seed: IntParam,
    #[id = "stretch"]
    pub stretch: FloatParam,
    #[id = "tone"]
    pub tone: FloatParam,
    /// Hammer hardness as voiced in the pp, mf and ff velocity zones (next strike).
    #[id = "hard_pp"]
    pub hardness_pp: FloatParam,
    #[id = "hard_mf"]
    pub hardness_mf: FloatParam,
    #[id = "hard_ff"]
    pub hardness_ff: FloatParam,
    #[id = "felt"]
    pub felt: FloatParam,
    #[id = "wear"]
    pub wear: FloatParam,
    #[id = "wow_depth"]
    pub wow_depth_cents: FloatParam,
    #[id = "wow_rate"]
    pub wow_rate_hz: FloatParam,
    #[id = "flut_depth"]
    pub flutter_depth_cents: FloatParam,
    #[id = "flut_rate"]
    pub flutter_rate_hz: FloatParam,
    #[id = "noise"]
    pub noise: FloatParam,
    #[id = "air"]
    pub air: FloatParam,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "resonance"]
    pub resonance: FloatParam,
    #[id = "bend_range"]
    pub bend_range: IntParam,
}

fn percent(name: &str, default: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max: 1.0 })
        .with_unit(" %")
        .with_value_to_string(formatters::v2s_f32_percentage(0))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

fn cents(name: &str, default: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 0.0,
            max,
            factor: FloatRange::skew_factor(-1.0),
        },
    )
    // A skewed range does not map normalized -> plain -> normalized -> plain back to the same
    // f32; snapping to a step (far below what is displayed or heard) does, so a host that sends
    // a restored value back normalized lands on it exactly.
    .with_step_size(0.001)
    .with_unit(" ct")
    .with_value_to_string(formatters::v2s_f32_rounded(1))
}

fn string_detune(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: -MAX_STRING_DETUNE_CENTS,
            max: MAX_STRING_DETUNE_CENTS,
        },
    )
    .with_unit(" ct")
    .with_value_to_string(formatters::v2s_f32_rounded(1))
}

fn string_level(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: MIN_STRING_LEVEL_DB,
            max: 0.0,
        },
    )
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_rounded(1))
}

/// Voiced hardness of one velocity zone: -1 (needled) .. +1 (hardened), 0 = factory voicing.
fn zone_hardness(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: -1.0,
            max: 1.0,
        },
    )
    .with_value_to_string(formatters::v2s_f32_rounded(2))
}

fn hz(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-1.0),
        },
    )
    // Snapped for an exact normalized round trip, as in `cents`.
    .with_step_size(0.0001)
    .with_unit(" Hz")
    .with_value_to_string(formatters::v2s_f32_rounded(2))
}

impl Default for AchePianoParams {
    fn default() -> Self {
        let d = PianoSettings::default();
        Self {
            volume: FloatParam::new(
                "Volume",
                util::db_to_gain(0.0),
                FloatRange::Skewed {
                    min: util::db_to_gain(-60.0),
                    max: util::db_to_gain(6.0),
                    factor: FloatRange::gain_skew_factor(-60.0, 6.0),
                },
            )
            // Snapped for an exact normalized round trip, as in `cents` (1e-6 of gain is
            // 0.01 dB at -60 dB).
            .with_step_size(1.0e-6)
            .with_smoother(SmoothingStyle::Logarithmic(20.0))
            .with_unit(" dB")
            .with_value_to_string(formatters::v2s_f32_gain_to_db(1))
            .with_string_to_value(formatters::s2v_f32_gain_to_db()),
            a4_hz: FloatParam::new(
                "A4 Tuning",
                d.a4_hz,
                FloatRange::Linear {
                    min: 415.0,
                    max: 466.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" Hz"),
            ache: percent("Ache", d.ache),
            detune_cents: cents("Detune", d.detune_cents, 40.0),
            string2_detune_cents: string_detune("String 2 Detune", d.string_detune_cents[0]),
            string3_detune_cents: string_detune("String 3 Detune", d.string_detune_cents[1]),
            string2_level_db: string_level("String 2 Level", d.string_level_db[0]),
            string3_level_db: string_level("String 3 Level", d.string_level_db[1]),
            silent_below_velocity: FloatParam::new(
                "Silent Keys Below",
                d.silent_below_velocity,
                FloatRange::Linear {
                    min: 0.0,
                    max: MAX_SILENT_VELOCITY,
                },
            )
            .with_value_to_string(Arc::new(|v| {
                if v <= 0.0 {
                    "Off".to_owned()
                } else {
                    format!("velocity {:.0}", v * 127.0)
                }
            }))
            // Parses its own text back ("Off", "velocity 25") and a bare MIDI velocity ("25").
            .with_string_to_value(Arc::new(|text| {
                let t = text.trim().to_ascii_lowercase();
                if t == "off" {
                    return Some(0.0);
                }
                let number = t.strip_prefix("velocity").unwrap_or(&t).trim();
                number
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| (v / 127.0).clamp(0.0, MAX_SILENT_VELOCITY))
            })),
            spread_cents: cents("Tuning Spread", d.spread_cents, 50.0),
            tuning_seed: IntParam::new(
                "Tuning Seed",
                d.tuning_seed as i32,
                IntRange::Linear { min: 1, max: 999 },
            ),
            stretch: FloatParam::new(
                "Stretch",
                d.stretch,
                FloatRange::Linear { min: 0.0, max: 2.0 },
            )
            .with_value_to_string(formatters::v2s_f32_rounded(2)),
            tone: FloatParam::new(
                "Tone",
                d.tone,
                FloatRange::Linear {
                    min: -1.0,
                    max: 1.0,
                },
            )
            .with_value_to_string(formatters::v2s_f32_rounded(2)),
            hardness_pp: zone_hardness("pp Hardness", d.voicing[0]),
            hardness_mf: zone_hardness("mf Hardness", d.voicing[1]),
            hardness_ff: zone_hardness("ff Hardness", d.voicing[2]),
            felt: percent("Felt", d.felt),
            wear: percent("Wear", d.wear),
            wow_depth_cents: cents("Wow Depth", d.wow_depth_cents, 50.0),
            wow_rate_hz: hz("Wow Rate", d.wow_rate_hz, 0.1, 4.0),
            flutter_depth_cents: cents("Flutter Depth", d.flutter_depth_cents, 20.0),
            flutter_rate_hz: hz("Flutter Rate", d.flutter_rate_hz, 4.0, 20.0),
            noise: percent("Noise", d.noise),
            air: percent("Air", d.air),
            width: percent("Width", d.width),
            resonance: percent("Resonance", d.resonance),
            bend_range: IntParam::new(
                "Bend Range",
                d.bend_range_semitones as i32,
                IntRange::Linear { min: 0, max: 12 },
            )
            .with_unit(" st"),
            editor_layout: catalyst_editor_core::shared_layout(1000, 720),
        }
    }
}

impl AchePianoParams {
    /// The engine settings the parameters currently describe.
    pub fn settings(&self) -> PianoSettings {
        PianoSettings {
            a4_hz: self.a4_hz.value(),
            detune_cents: self.detune_cents.value(),
            string_detune_cents: [
                self.string2_detune_cents.value(),
                self.string3_detune_cents.value(),
            ],
            string_level_db: [self.string2_level_db.value(), self.string3_level_db.value()],
            silent_below_velocity: self.silent_below_velocity.value(),
            spread_cents: self.spread_cents.value(),
            tuning_seed: self.tuning_seed.value().max(1) as u32,
            stretch: self.stretch.value(),
            tone: self.tone.value(),
            voicing: [
                self.hardness_pp.value(),
                self.hardness_mf.value(),
                self.hardness_ff.value(),
            ],
            felt: self.felt.value(),
            wear: self.wear.value(),
            wow_depth_cents: self.wow_depth_cents.value(),
            wow_rate_hz: self.wow_rate_hz.value(),
            flutter_depth_cents: self.flutter_depth_cents.value(),
            flutter_rate_hz: self.flutter_rate_hz.value(),
            noise: self.noise.value(),
            air: self.air.value(),
            width: self.width.value(),
            resonance: self.resonance.value(),
            ache: self.ache.value(),
            bend_range_semitones: self.bend_range.value() as f32,
        }
    }

    /// Loads a factory preset through the host (each change is a normal, undoable parameter
    /// gesture). For the editor's preset menu. Volume and A4 are left alone: they belong to
    /// the mix and the song, not to the piano's character.
    pub fn apply_preset(&self, setter: &ParamSetter, preset: &PianoPreset) {
        let s = &preset.settings;
        let set_f = |p: &FloatParam, v: f32| {
            setter.begin_set_parameter(p);
            setter.set_parameter(p, v);
            setter.end_set_parameter(p);
        };
        let set_i = |p: &IntParam, v: i32| {
            setter.begin_set_parameter(p);
            setter.set_parameter(p, v);
            setter.end_set_parameter(p);
        };
        set_f(&self.ache, s.ache);
        set_f(&self.detune_cents, s.detune_cents);
        set_f(&self.string2_detune_cents, s.string_detune_cents[0]);
        set_f(&self.string3_detune_cents, s.string_detune_cents[1]);
        set_f(&self.string2_level_db, s.string_level_db[0]);
        set_f(&self.string3_level_db, s.string_level_db[1]);
        set_f(&self.spread_cents, s.spread_cents);
        set_i(&self.tuning_seed, s.tuning_seed as i32);
        set_f(&self.stretch, s.stretch);
        set_f(&self.tone, s.tone);
        set_f(&self.hardness_pp, s.voicing[0]);
        set_f(&self.hardness_mf, s.voicing[1]);
        set_f(&self.hardness_ff, s.voicing[2]);
        set_f(&self.felt, s.felt);
        set_f(&self.wear, s.wear);
        set_f(&self.wow_depth_cents, s.wow_depth_cents);
        set_f(&self.wow_rate_hz, s.wow_rate_hz);
        set_f(&self.flutter_depth_cents, s.flutter_depth_cents);
        set_f(&self.flutter_rate_hz, s.flutter_rate_hz);
        set_f(&self.noise, s.noise);
        set_f(&self.air, s.air);
        set_f(&self.width, s.width);
        set_f(&self.resonance, s.resonance);
        set_i(&self.bend_range, s.bend_range_semitones as i32);
    }

    /// Index into [`PRESETS`] of the factory preset the character controls match, if any (so
    /// the editor's menu can show the loaded preset's name, or that it was edited).
    pub fn matching_preset(&self) -> Option<usize> {
        let current = self.settings();
        PRESETS.iter().position(|p| {
            let s = PianoSettings {
                a4_hz: current.a4_hz,
                ..p.settings
            };
            let close = |a: f32, b: f32| (a - b).abs() <= 1e-3 * (1.0 + b.abs());
            close(s.detune_cents, current.detune_cents)
                && (0..2).all(|i| {
                    close(s.string_detune_cents[i], current.string_detune_cents[i])
                        && close(s.string_level_db[i], current.string_level_db[i])
                })
                && close(s.spread_cents, current.spread_cents)
                && s.tuning_seed == current.tuning_seed
                && close(s.stretch, current.stretch)
                && close(s.tone, current.tone)
                && (0..3).all(|i| close(s.voicing[i], current.voicing[i]))
                && close(s.felt, current.felt)
                && close(s.wear, current.wear)
                && close(s.wow_depth_cents, current.wow_depth_cents)
                && close(s.wow_rate_hz, current.wow_rate_hz)
                && close(s.flutter_depth_cents, current.flutter_depth_cents)
                && close(s.flutter_rate_hz, current.flutter_rate_hz)
                && close(s.noise, current.noise)
                && close(s.air, current.air)
                && close(s.width, current.width)
                && close(s.resonance, current.resonance)
                && close(s.ache, current.ache)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_a_host_can_set_survives_normalized_and_back_bit_for_bit() {
        // A host keeps parameters normalized: after loading a project it may send each one back
        // as `preview_normalized(plain)`. That must land on the very plain value the state
        // restored, or a restored instance sounds a few ulps different from the saved one
        // (tests/host: state round trip, Wow Depth 17.9 ct was one ulp off).
        let p = AchePianoParams::default();
        let mut drifting = Vec::new();
        for (id, ptr, _) in p.param_map() {
            let moved = (0..=20_000u32)
                .map(|i| i as f32 / 20_000.0)
                .filter(|&n| {
                    // SAFETY: the pointers come from `p`, which outlives this loop.
                    let (x, back) = unsafe {
                        let x = ptr.preview_plain(n);
                        (x, ptr.preview_plain(ptr.preview_normalized(x)))
                    };
                    x.to_bits() != back.to_bits()
                })
                .count();
            if moved > 0 {
                drifting.push((id, moved));
            }
        }
        assert!(drifting.is_empty(), "values that drift: {drifting:?}");
    }

    #[test]
    fn defaults_match_the_engine_defaults_and_presets_fit_the_ranges() {
        let p = AchePianoParams::default();
        let s = p.settings();
        assert_eq!(
            s,
            PianoSettings {
                a4_hz: 440.0,
                ..PianoSettings::default()
            }
        );
        for preset in PRESETS {
            let s = preset.settings;
            let in_range = |param: &FloatParam, v: f32| {
                let n = param.preview_normalized(v);
                (param.preview_plain(n) - v).abs() < 1e-3
            };
            assert!(in_range(&p.detune_cents, s.detune_cents), "{}", preset.name);
            assert!(in_range(&p.spread_cents, s.spread_cents), "{}", preset.name);
            assert!(in_range(&p.wow_depth_cents, s.wow_depth_cents));
            assert!(in_range(&p.wow_rate_hz, s.wow_rate_hz), "{}", preset.name);
            assert!(in_range(&p.flutter_rate_hz, s.flutter_rate_hz));
            assert!(in_range(&p.tone, s.tone) && in_range(&p.stretch, s.stretch));
            assert!((1..=999).contains(&(s.tuning_seed as i32)));
            for i in 0..2 {
                assert!(in_range(&p.string2_detune_cents, s.string_detune_cents[i]));
                assert!(in_range(&p.string2_level_db, s.string_level_db[i]));
            }
            assert!(in_range(&p.silent_below_velocity, s.silent_below_velocity));
            for h in s.voicing {
                assert!(in_range(&p.hardness_pp, h), "{}", preset.name);
            }
        }
    }

    #[test]
    fn unison_and_silent_key_parameters_reach_the_settings_under_stable_ids() {
        let p = AchePianoParams::default();
        let ids: Vec<String> = p.param_map().into_iter().map(|(id, _, _)| id).collect();
        for id in [
            "str2_detune",
            "str3_detune",
            "str2_level",
            "str3_level",
            "silent_vel",
        ] {
            assert!(ids.iter().any(|i| i == id), "missing {id}");
        }
        // Silent Keys is off by default and says so; the unison strings start even.
        assert_eq!(p.silent_below_velocity.to_string(), "Off");
        assert_eq!(p.settings().string_level_db, [0.0; 2]);
        assert_eq!(p.settings().string_detune_cents, [0.0; 2]);
    }
}

#[cfg(test)]
mod voicing_tests {
    use super::*;

    #[test]
    fn zone_hardness_parameters_reach_the_voicing_under_stable_ids() {
        let p = AchePianoParams::default();
        let map = p.param_map();
        let find = |id: &str| {
            map.iter()
                .find(|(i, _, _)| i == id)
                .map(|(_, ptr, _)| *ptr)
                .unwrap_or_else(|| panic!("missing {id}"))
        };
        // Factory voicing by default; each zone's control lands in its own slot.
        assert_eq!(p.settings().voicing, [0.0; 3]);
        for (zone, id) in ["hard_pp", "hard_mf", "hard_ff"].into_iter().enumerate() {
            let ptr = find(id);
            // SAFETY: the pointer comes from this live parameter struct.
            unsafe {
                ptr._internal_set_normalized_value(1.0);
                let mut want = [0.0; 3];
                want[zone] = 1.0;
                assert_eq!(p.settings().voicing, want, "{id}");
                ptr._internal_set_normalized_value(0.5);
            }
        }
    }
}

#[cfg(test)]
mod silent_keys_text_tests {
    use super::*;

    /// The host shows "Off" / "velocity N" and must be able to type it back (a strict CLAP
    /// validator checks that every value's own text parses).
    #[test]
    fn silent_keys_below_parses_its_own_text() {
        let p = AchePianoParams::default();
        let param = &p.silent_below_velocity;
        for v in [0.0f32, 10.0 / 127.0, 25.0 / 127.0, MAX_SILENT_VELOCITY] {
            let text = param.normalized_value_to_string(param.preview_normalized(v), true);
            let back = param
                .string_to_normalized_value(&text)
                .unwrap_or_else(|| panic!("{text:?} does not parse"));
            assert!(
                (param.preview_plain(back) - v).abs() <= 0.5 / 127.0,
                "{text}"
            );
        }
    }
}
