use nice_plug::prelude::*;

/// Host-visible parameters. Ids are stable forever: rename the field, never the id.
/// The meter never changes the audio; its parameters only shape what it shows.
#[derive(Params)]
pub struct DensityMeterParams {
    /// Bars per phrase on which sections are looked for (4 or 8 in most pop forms).
    #[id = "phrase"]
    pub phrase_bars: IntParam,
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_widgets::SharedLayout,
}

impl Default for DensityMeterParams {
    fn default() -> Self {
        Self {
            phrase_bars: IntParam::new("Phrase Length", 4, IntRange::Linear { min: 1, max: 16 })
                .with_unit(" bars"),
            editor_layout: catalyst_widgets::shared_layout(820, 520),
        }
    }
}
