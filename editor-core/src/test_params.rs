//! One parameter set for the editor crates' tests (editor-core's presets, the widgets' preset
//! browser): a float in dB, a skewed frequency, an integer note, a switch and a two-way choice,
//! so each kind of nice-plug parameter is covered. Built only for tests: editor-core's own and,
//! through the `test-params` feature, its dependents' (a dev-dependency feature).

use nice_plug::prelude::*;

/// The choice parameter's values (named like the Snare Layerer's Timing).
#[derive(Enum, Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Lookahead,
    #[name = "Zero latency"]
    ZeroLatency,
}

#[derive(Params)]
pub struct TestParams {
    /// -12..+12 dB, linear; default 0.
    #[id = "gain"]
    pub gain: FloatParam,
    /// 20 Hz..20 kHz, skewed; default 1 kHz.
    #[id = "freq"]
    pub freq: FloatParam,
    /// 0..127; default 38.
    #[id = "note"]
    pub note: IntParam,
    /// Default on.
    #[id = "on"]
    pub on: BoolParam,
    /// Default `Lookahead`.
    #[id = "mode"]
    pub mode: EnumParam<Mode>,
}

impl Default for TestParams {
    fn default() -> Self {
        Self {
            gain: FloatParam::new(
                "Gain",
                0.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 12.0,
                },
            ),
            freq: FloatParam::new(
                "Freq",
                1000.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 20_000.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            ),
            note: IntParam::new("Note", 38, IntRange::Linear { min: 0, max: 127 }),
            on: BoolParam::new("On", true),
            mode: EnumParam::new("Mode", Mode::Lookahead),
        }
    }
}
