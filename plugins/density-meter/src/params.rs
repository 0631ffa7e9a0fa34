use crate::shared::{MeterShared, TimelinePersist};
use nice_plug::prelude::*;
use shared_dsp::density::spectral::DEFAULT_OCCUPANCY_RANGE_DB;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

/// Host-visible parameters. Ids are stable forever: rename the field, never the id.
/// The meter never changes the audio; its parameters only shape what it shows.
#[derive(Params)]
pub struct DensityMeterParams {
    /// Bars per phrase: the section length boundaries prefer (4 or 8 in most pop forms).
    #[id = "phrase"]
    pub phrase_bars: IntParam,

    /// A band counts as occupied when its energy is within this many dB of the loudest band.
    #[id = "occ_range"]
    pub occupancy_range_db: FloatParam,

    /// The captured timeline and the section labels (saved with the project).
    #[persist = "timeline"]
    pub timeline: TimelinePersist,

    /// This track's name in the arrangement grid (empty: "Track N").
    #[persist = "track_name"]
    pub track_name: Arc<RwLock<String>>,

    /// This instance sits on a bus or the master: the arrangement shows it but leaves it out of
    /// clashes and the "everything plays" share.
    #[persist = "track_is_bus"]
    pub track_is_bus: Arc<AtomicBool>,

    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_editor_core::SharedLayout,

    /// Lock-free readouts and timeline for the editor (not a parameter).
    pub shared: Arc<MeterShared>,
}

impl Default for DensityMeterParams {
    fn default() -> Self {
        let shared = Arc::new(MeterShared::default());
        Self {
            phrase_bars: IntParam::new("Phrase Length", 4, IntRange::Linear { min: 1, max: 16 })
                .with_unit(" bars"),
            occupancy_range_db: FloatParam::new(
                "Occupancy Range",
                DEFAULT_OCCUPANCY_RANGE_DB,
                FloatRange::Linear {
                    min: 12.0,
                    max: 48.0,
                },
            )
            .with_step_size(1.0)
            .with_unit(" dB"),
            timeline: TimelinePersist(shared.clone()),
            track_name: Arc::new(RwLock::new(String::new())),
            track_is_bus: Arc::new(AtomicBool::new(false)),
            editor_layout: catalyst_editor_core::shared_layout(980, 640),
            shared,
        }
    }
}
