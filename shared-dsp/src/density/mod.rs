//! The Density Meter's analysis engine: does an arrangement build a journey, or is it a wall of
//! sound? Everything here is pure and framework-free, so the plugin and the `catalyst analyze`
//! command run exactly the same code.
//!
//! - [`spectral`]: short-window components (ERB occupancy, flatness, onsets, low-end load).

pub mod spectral;
