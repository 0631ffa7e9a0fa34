//! The Density index: one number from 0 (nothing playing) to 100 (everything playing all the
//! time, full-band, busy, squashed), made of components that stay visible on their own.
//!
//! Each component is mapped to 0..1, then weighted:
//!
//! | component | measure | 0 at | 1 at | weight |
//! |---|---|---|---|---|
//! | part fill | power share of the song's fullest band profile ([`super::part_fill`]) | 0 | 1 | 0.60 |
//! | occupancy | share of 40 ERB bands within 30 dB of the recent loudest band, per frame | 0 | 1 | 0.15 |
//! | activity | onset rate ([`super::event_counter::EventCounter`]) | 0 /s | 8 /s (16ths at 120 BPM) | 0.10 |
//! | flatness | spectral flatness, dB | -30 dB (tonal) | -5 dB (noise-like) | 0 (shown, not scored) |
//! | compression | peak-to-loudness ratio (PLR) | 20 dB (open) | 8 dB (squashed) | 0.10 |
//! | low-end load | power share below 120 Hz | 0 | 0.5 | 0.05 |
//!
//! Part fill weighs most because it is the one component that counts parts (issue 15): every
//! other one is measured inside the bar, relative to the bar, so one strummed guitar (most
//! bands filled, a strum on every eighth) read 81 and the seven-part band around it 80. Part
//! fill compares the bar's band profile with the song's own fullest bars; powers of independent
//! parts add, so it never falls when a part joins and does not depend on the mix level (see
//! [`super::part_fill`]). Occupancy (0.60 before part fill) stays for what fill cannot see
//! within one song: how much of the spectrum is covered at all, how much of the time. It is
//! time-frequency coverage: each frame counts the bands within range of the loudest band of
//! the recent past (a peak hold falling 15 dB/s, `spectral::REFERENCE_RELEASE_DB_PER_S`), so the
//! gaps between drum hits count as gaps and every sustained layer adds the bands it holds.
//! Activity separates a busy texture from sustained tones; PLR shows the dynamic squeeze a wall
//! of sound usually comes with; low-end load adds weight for the part of the spectrum that
//! masks most, but it is a share (hats joining lower it), so it weighs least. Silence (below
//! -70 LUFS) is 0. Activity, compression and low-end load can fall when a part joins: together
//! they weigh 0.25, and on the test songs each part's fill outweighed them.
//!
//! Flatness is measured and shown but not scored (0.15 at first, then 0.05, now 0): it
//! tells a noisy texture from a tonal one, not a full arrangement from a thin one, and it
//! moves the wrong way when tonal layers join (a bass and a pad make a mix LESS flat).
//!
//! The weights were chosen on the tuning songs of `tracker::gm_song_tests` (piano, steel guitar,
//! finger bass, kit, strings) and checked on its held-out songs (other instruments, meters,
//! tempi, a -20 dB mix): there every part that joins raises the section's density. On the
//! built-in arrangement (`synth_material::arrangement`, section means, each section's first bar
//! skipped; `tracker::tests::adding_parts_raises_density_*`): verse (kick + hats) 11.8,
//! pre-chorus (+ bass + pad) 25.2, chorus (+ snare, lead, noise wash) 65.4, outro
//! (kick + hats) 11.7; onset rates 4.00 / 4.00 / 3.93 / 4.00 per second against 4 true
//! events per second in every section.
//!
//! PLR convention (ITU-R BS.1770 / AES TD1004): true peak (dBTP) minus loudness (LUFS) of the
//! same stretch. A 0 dBFS 1 kHz sine on one channel reads 3.0 dB (the "electrical" crest
//! factor; AES17 would call it 0 dB); the same sine on both channels of a stereo track reads
//! 0 dB, because loudness adds the channels' powers while the peak is per channel.

/// Bars or windows quieter than this are silent: density 0.
pub const SILENT_LUFS: f32 = -70.0;

pub const WEIGHT_FILL: f32 = 0.60;
pub const WEIGHT_OCCUPANCY: f32 = 0.15;
pub const WEIGHT_ACTIVITY: f32 = 0.10;
/// Flatness is shown but not scored (see the module docs).
pub const WEIGHT_FLATNESS: f32 = 0.0;
pub const WEIGHT_COMPRESSION: f32 = 0.10;
pub const WEIGHT_LOW_END: f32 = 0.05;

/// The components of one bar or window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DensityComponents {
    pub loudness_lufs: f32,
    /// 0..1
    pub occupancy: f32,
    /// 0..1 (linear, not dB)
    pub flatness: f32,
    pub onset_rate_hz: f32,
    pub plr_db: f32,
    /// 0..1
    pub low_share: f32,
    /// Part fill against the song's fullest bars, 0..1 ([`super::part_fill`]).
    pub fill: f32,
}

fn unit(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The index, 0..100 (see the module docs for the formula).
pub fn density_index(c: &DensityComponents) -> f32 {
    if c.loudness_lufs.is_nan() || c.loudness_lufs < SILENT_LUFS {
        return 0.0;
    }
    let occupancy = unit(c.occupancy);
    let activity = unit(c.onset_rate_hz / 8.0);
    let flatness_db = 10.0 * c.flatness.max(1e-6).log10();
    let flatness = unit((flatness_db + 30.0) / 25.0);
    let compression = unit((20.0 - c.plr_db) / 12.0);
    let low_end = unit(c.low_share / 0.5);
    100.0
        * (WEIGHT_FILL * unit(c.fill)
            + WEIGHT_OCCUPANCY * occupancy
            + WEIGHT_ACTIVITY * activity
            + WEIGHT_FLATNESS * flatness
            + WEIGHT_COMPRESSION * compression
            + WEIGHT_LOW_END * low_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_extremes_map_to_0_and_100() {
        let sum = WEIGHT_FILL
            + WEIGHT_OCCUPANCY
            + WEIGHT_ACTIVITY
            + WEIGHT_FLATNESS
            + WEIGHT_COMPRESSION
            + WEIGHT_LOW_END;
        assert!((sum - 1.0).abs() < 1e-6);
        let full = DensityComponents {
            loudness_lufs: -8.0,
            occupancy: 1.0,
            flatness: 0.6,
            onset_rate_hz: 12.0,
            plr_db: 6.0,
            low_share: 0.6,
            fill: 1.0,
        };
        assert!((density_index(&full) - 100.0).abs() < 1e-3);
        let silent = DensityComponents {
            loudness_lufs: -90.0,
            ..full
        };
        assert_eq!(density_index(&silent), 0.0);
        let nan = DensityComponents {
            loudness_lufs: f32::NAN,
            ..full
        };
        assert_eq!(density_index(&nan), 0.0);
    }

    #[test]
    fn a_lone_tone_is_sparse() {
        let tone = DensityComponents {
            loudness_lufs: -20.0,
            occupancy: 0.05,
            flatness: 1e-4,
            onset_rate_hz: 0.0,
            plr_db: 3.0,
            low_share: 0.0,
            fill: 0.05,
        };
        let d = density_index(&tone);
        assert!(d < 20.0, "{d}");
    }
}
