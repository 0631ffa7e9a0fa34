//! Catalyst's dev-only test support: generated and recorded test material, and the helpers that
//! measure it, in one place for every crate's tests (issue 17, item 8).
//!
//! `shared-dsp` takes this crate as a dev-dependency while this crate depends on `shared-dsp`:
//! inside `shared-dsp`'s own unit tests that is a second copy of `shared-dsp`, so the API here
//! speaks in plain types (`Vec<f32>`, `f32`, structs defined here), never in `shared-dsp` types.
//!
//! - [`drums`]: the CLAP host's noise bursts and the editor host's drum loop;
//! - [`drum_hits`]: the snare detector's and engine's synthetic hits, grooves and two-mic
//!   material;
//! - [`recorded`]: recorded hits from `hydrogen-drumkits`, trimmed to their onset;
//! - [`snare_mic_track`]: snare-mic tracks mixed from recorded drums (the detection evaluation);
//! - [`measure`]: decay time, spectral centroid, DFT peak and click size of a rendered layer;
//! - [`soak_signal`]: the CLAP host soak's never-repeating input;
//! - [`ebu`]: the EBU Tech 3341 / 3342 tones (the meter's and the CLI's loudness tests);
//! - [`gm_song`]: General MIDI songs rendered with fluidsynth.
//!
//! Still elsewhere: the Python suite's copy of the noise bursts (`tests/host/conftest.py`: Python
//! cannot call this crate) and `shared_dsp::synth_material`, the material `catalyst demo` plays.

pub mod drum_hits;
pub mod drums;
pub mod ebu;
pub mod gm_song;
pub mod measure;
pub mod recorded;
pub mod snare_mic_track;
pub mod soak_signal;

/// Peak absolute value of a signal (0 for an empty one).
pub fn peak_abs(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_abs_reads_the_largest_magnitude() {
        assert_eq!(peak_abs(&[]), 0.0);
        assert_eq!(peak_abs(&[0.25, -0.75, 0.5]), 0.75);
    }
}
