//! User presets for Catalyst's plugins, without any plugin framework: what a preset file holds
//! ([`PresetFile`]), where a plugin's user presets live ([`user_folder`]), how they are listed,
//! saved, renamed and deleted ([`PresetStore`]), and how a file's values are matched against a
//! plugin's parameters with a report of what could not be loaded ([`resolve`]).
//!
//! One format for all plugins: a small TOML file with the plugin's id, the format version, the
//! preset's name, the parameter values by their stable parameter ids (the ids hosts save in
//! projects) as plain values (what the plugin shows: `-6.0` dB, `true`, `"Zero latency"`), and
//! optional non-parameter state that belongs to the sound (the Snare Layerer's sample path):
//!
//! ```toml
//! plugin = "audio.catalyst.snare-layerer"
//! format = 1
//! name = "Tight Crack"
//!
//! [params]
//! dry = -6.0
//! timing = "Zero latency"
//! smp_on = true
//!
//! [state]
//! sample-path = "/home/me/samples/crack.wav"
//! ```
//!
//! The plugin and CLI glue (`catalyst_widgets::user_preset`) turns a plugin's parameters into
//! [`ParamSpec`]s and applies what [`resolve`] returns.

mod error;
mod file;
mod folder;
mod resolve;
mod store;

pub use error::PresetError;
pub use file::{FORMAT_VERSION, PresetFile, Value};
pub use folder::{OVERRIDE_ENV, presets_root, user_folder};
pub use resolve::{LoadReport, ParamKind, ParamSpec, Resolved, resolve};
pub use store::{EXTENSION, ListedPreset, PresetStore, file_stem_for};

/// Which plugin a preset is for: the id written into every file (the plugin's CLAP id) and the
/// folder name its user presets live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginInfo {
    pub id: &'static str,
    pub folder: &'static str,
}

pub const SNARE_LAYERER: PluginInfo = PluginInfo {
    id: "audio.catalyst.snare-layerer",
    folder: "Snare Layerer",
};
pub const ACHE_PIANO: PluginInfo = PluginInfo {
    id: "audio.catalyst.ache-piano",
    folder: "Ache Piano",
};
pub const DENSITY_METER: PluginInfo = PluginInfo {
    id: "audio.catalyst.density-meter",
    folder: "Density Meter",
};

/// Key in [`PresetFile::state`] for the Snare Layerer's Sample-layer file.
pub const STATE_SAMPLE_PATH: &str = "sample-path";

#[cfg(test)]
pub(crate) mod test_dir;
