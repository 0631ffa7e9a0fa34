use nice_plug::prelude::*;

/// Host-visible parameters. Ids are stable forever: rename the field, never the id.
#[derive(Params)]
pub struct SnareLayererParams {
    /// Level of the untouched input in the output.
    #[id = "dry"]
    pub dry_gain: FloatParam,
    /// Level of all layers together.
    #[id = "layer"]
    pub layer_gain: FloatParam,
    /// Final output gain.
    #[id = "out"]
    pub output_gain: FloatParam,
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_widgets::SharedLayout,
}

fn gain_param(name: &str, default_db: f32, min_db: f32, max_db: f32) -> FloatParam {
    FloatParam::new(
        name,
        util::db_to_gain(default_db),
        FloatRange::Skewed {
            min: util::db_to_gain(min_db),
            max: util::db_to_gain(max_db),
            factor: FloatRange::gain_skew_factor(min_db, max_db),
        },
    )
    .with_smoother(SmoothingStyle::Logarithmic(20.0))
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_gain_to_db(1))
    .with_string_to_value(formatters::s2v_f32_gain_to_db())
}

impl Default for SnareLayererParams {
    fn default() -> Self {
        Self {
            dry_gain: gain_param("Dry Level", 0.0, -80.0, 6.0),
            layer_gain: gain_param("Layer Level", -6.0, -80.0, 12.0),
            output_gain: gain_param("Output", 0.0, -24.0, 12.0),
            editor_layout: catalyst_widgets::shared_layout(900, 600),
        }
    }
}
