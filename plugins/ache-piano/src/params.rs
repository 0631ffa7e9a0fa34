use nice_plug::prelude::*;

/// Host-visible parameters. Ids are stable forever: rename the field, never the id.
#[derive(Params)]
pub struct AchePianoParams {
    #[id = "volume"]
    pub volume: FloatParam,
    /// Tuning reference: the frequency of A4.
    #[id = "a4"]
    pub a4_hz: FloatParam,
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_widgets::SharedLayout,
}

impl Default for AchePianoParams {
    fn default() -> Self {
        Self {
            volume: FloatParam::new(
                "Volume",
                util::db_to_gain(-6.0),
                FloatRange::Skewed {
                    min: util::db_to_gain(-60.0),
                    max: util::db_to_gain(6.0),
                    factor: FloatRange::gain_skew_factor(-60.0, 6.0),
                },
            )
            .with_smoother(SmoothingStyle::Logarithmic(20.0))
            .with_unit(" dB")
            .with_value_to_string(formatters::v2s_f32_gain_to_db(1))
            .with_string_to_value(formatters::s2v_f32_gain_to_db()),
            a4_hz: FloatParam::new(
                "A4 Tuning",
                440.0,
                FloatRange::Linear {
                    min: 415.0,
                    max: 466.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" Hz"),
            editor_layout: catalyst_widgets::shared_layout(900, 560),
        }
    }
}
