//! Filters shared by the plugins. All are designed by the bilinear transform with frequency
//! pre-warping, so the cutoff lands where it is set at any sample rate.

mod biquad;
mod one_pole;
mod svf;

pub use biquad::{Biquad, BiquadCoefs};
pub use one_pole::{OnePoleHighpass, OnePoleLowpass};
pub use svf::{Svf, SvfMode};
