//! The Snare Layerer's engine: an onset detector that finds every drum hit and layers that are
//! triggered on it (a modal "cabinet", a gritty noise tail, a pitch-dropping body, the user's
//! sample), mixed with the dry signal. Framework-free, processing slices, so the plugin and the
//! command-line tool run exactly the same code.

pub mod body_tone;
pub mod delay;
pub mod dry_gate;
pub mod engine;
pub mod fingerprint;
pub mod ghost_lane;
pub mod layer;
pub mod mix;
pub mod modal_bank;
pub mod noise_tail;
pub mod onset;
pub mod onset_bus;
pub mod presets;
pub mod reject;
pub mod sample_file;
pub mod sample_player;
pub mod sample_set;
pub mod scheduler;
pub mod scope;
pub mod settings;

#[cfg(test)]
mod detection_eval_tests;
#[cfg(test)]
mod onset_recorded_tests;
#[cfg(test)]
mod onset_sharing_tests;
#[cfg(test)]
mod sample_set_tests;

pub use engine::{HitEvent, LayerSettings, MixSettings, SnareEngine, SnareSettings};
pub use onset::{Onset, OnsetDetector, OnsetSettings};
pub use presets::{Preset, factory_presets, preset_by_name};
