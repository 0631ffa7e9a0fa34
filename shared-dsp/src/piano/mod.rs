//! The Ache Piano engine: MIDI-driven voices of struck strings.

mod engine;

pub use engine::{MAX_VOICES, PianoEngine};
