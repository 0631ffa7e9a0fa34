//! Recorded drums from Debian's `hydrogen-drumkits` (installed by `scripts/setup.sh`), the
//! material of the snare detector's and the Density Meter's recorded-drum tests. Tests use only
//! ColomboAcousticDrumkit, The Black Pearl 1.0, Millo_MultiLayered2, BJA_Pacific, Gimme A Hand
//! 1.0, circAfrique v4, HardElectro1 and Audiophob: the package's other kits are kept for an
//! independent evaluation.

use std::path::PathBuf;

/// Where Debian's `hydrogen-drumkits` puts its kits.
pub const DRUMKITS_DIR: &str = "/usr/share/hydrogen/data/drumkits";

/// The folder of one kit of [`DRUMKITS_DIR`].
pub fn kit_dir(kit: &str) -> PathBuf {
    std::path::Path::new(DRUMKITS_DIR).join(kit)
}

/// A recorded drum hit from Debian's `hydrogen-drumkits` (installed by `scripts/setup.sh`),
/// decoded and resampled by the plugin's own sample loader, normalised to unit peak and trimmed
/// to start 1 ms before its onset: where the file first exceeds -40 dB of its peak, the truth
/// the detector tests measure onset error against.
pub struct RecordedHit {
    pub frames: Vec<f32>,
    /// Offset of the onset in `frames`.
    pub onset: usize,
}

pub fn recorded_hit(kit: &str, file: &str, sample_rate: f32) -> RecordedHit {
    let path = kit_dir(kit).join(file);
    let data = shared_dsp::snare::sample_file::load_sample(&path, sample_rate)
        .unwrap_or_else(|e| panic!("{e} (scripts/setup.sh installs hydrogen-drumkits)"));
    let peak = data.frames.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let first = data
        .frames
        .iter()
        .position(|v| v.abs() > 0.01 * peak)
        .unwrap_or(0);
    let from = first.saturating_sub((0.001 * sample_rate) as usize);
    RecordedHit {
        frames: data.frames[from..].iter().map(|v| v / peak).collect(),
        onset: first - from,
    }
}
