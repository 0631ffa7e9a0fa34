//! The Density Meter's analysis engine: does an arrangement build a journey, or is it a wall of
//! sound? Everything here is pure and framework-free, so the plugin and the `catalyst analyze`
//! command run exactly the same code: [`DensityTracker::process`] on planar slices plus a
//! [`Transport`].
//!
//! - [`spectral`]: short-window components (ERB occupancy, flatness, onsets, low-end load).
//! - [`index`]: the documented 0-100 Density index.
//! - [`part_fill`]: how many of the song's parts a bar holds (band profile against the song).
//! - [`onset`]: the onset (event) detector behind the onset rate.
//! - [`bar`]: per-bar statistics.
//! - [`transport`]: the host transport, reduced to what bars need.
//! - [`tracker`]: the engine: loudness + density, placed in bars by the transport.
//! - [`song_extent`]: which bars are the song (count-in and release tail are not).
//! - [`tempo`]: tempo, meter and first downbeat of a recording without a transport.
//! - [`sections`]: Foote novelty, boundaries under a phrase prior, letters, user labels.
//! - [`verdict`]: journey or wall of sound, with documented thresholds.
//! - [`export`]: versioned saved state, CSV and JSON exports.
//! - [`arrangement`]: the tracks x bars grid of several tracks' bars, low-band clashes.
//! - [`clash_words`]: the clash list in words (the editor's and `analyze --stems`' lines).

pub mod arrangement;
pub mod bands;
pub mod bar;
pub mod clash_words;
pub mod event_counter;
pub mod export;
pub mod index;
pub mod part_fill;
pub mod sections;
pub mod song_extent;
pub mod spectral;
pub mod tempo;
pub mod tracker;
pub mod transport;
pub mod verdict;

pub use bar::{BAR_FIELDS, BarStats};
pub use export::{Report, TimelineState, analyze_free_slots, analyze_timeline, to_csv, to_json};
pub use index::{DensityComponents, density_index};
pub use sections::{Section, SectionLabel, find_sections};
pub use song_extent::{SongExtent, song_extent};
pub use tracker::{DensityTracker, FinishedBar, LiveReadout, MAX_BARS};
pub use transport::Transport;
pub use verdict::{Verdict, VerdictKind, journey_verdict};
