//! Catalyst's DSP. Everything that makes sound or measures it lives here, free of any plugin
//! framework types, so the same code runs inside the plugins, in the `catalyst` command-line tool
//! and in unit tests.
//!
//! Conventions: every processor is a plain struct with `set_sample_rate`, `reset` and
//! `process`-style methods; nothing allocates after construction / `set_sample_rate` unless the
//! method says so; times are in milliseconds or seconds as the name says (`attack_ms`), levels in
//! linear gain unless the name ends in `_db`.

pub mod audio_file;
pub mod denormal;
pub mod density;
pub mod filters;
pub mod gui_channel;
pub mod loudness;
pub mod output_ceiling;
pub mod piano;
pub mod rng;
pub mod smoother;
pub mod snare;
pub mod synth_material;
pub mod util;

#[cfg(test)]
pub(crate) mod test_util;
