//! The Ache Piano: a modal piano model (struck, stiff, decaying unison strings with a felt
//! hammer, soundboard body, dampers, sustain-pedal sympathetic strings) plus the character of a
//! worn instrument on old tape (detune, spread, felt, wear, wow and flutter, noise, a small room).

mod body;
mod engine;
mod hammer;
mod mechanics;
mod output;
pub mod presets;
mod room;
mod settings;
mod sympathetic;
pub mod tuning;
mod voice;
mod wobble;

pub use body::SoundboardBody;
pub use engine::{
    MAX_SILENT_VELOCITY, MAX_STRING_DETUNE_CENTS, MAX_VOICES, MIN_STRING_LEVEL_DB, PianoEngine,
    damper_contact,
};
pub use hammer::{
    FELT_EXPONENT, HammerPulse, VOICING_BLEND, VOICING_STIFFNESS_RANGE, VOICING_ZONE_EDGES,
    hammer_cutoff_hz, stiffness_cutoff_factor, velocity_gain, voicing_factor, zone_hardness,
};
pub use mechanics::MechanicalNoise;
pub use output::{
    PIANO_OUTPUT_CEILING, PIANO_OUTPUT_KNEE, piano_output_block, piano_output_sample,
    render_piano_block,
};
pub use presets::{PRESETS, PianoPreset, preset_by_name};
pub use room::SmallRoom;
pub use settings::PianoSettings;
pub use sympathetic::SympatheticStrings;
pub use voice::{
    CONTROL_BLOCK, PianoVoice, StrikeParams, UNISON_STRINGS, UnisonSettings, damper_t60_s,
    fundamental_t60_s, release_damping,
};
pub use wobble::WowFlutter;

#[cfg(test)]
mod tests;
