//! The frequency bands the Density Meter measures in, shared by the spectral features
//! (`spectral`), the event counter (`event_counter`), the bar statistics and the arrangement's
//! clash detection. Tables only: no module here imports another for them.

/// Perceptual bands for occupancy and onsets, equally spaced on the ERB-number scale
/// (Glasberg & Moore 1990: E(f) = 21.4 log10(1 + 0.00437 f)) from [`BAND_LOW_HZ`] to
/// [`BAND_HIGH_HZ`]: about 0.93 ERB each.
pub const ERB_BANDS: usize = 40;
pub const BAND_LOW_HZ: f32 = 50.0;
pub const BAND_HIGH_HZ: f32 = 16_000.0;
/// The onset detector also hears the "air" above the top band, up to this frequency (or
/// 0.45 fs): cymbals and hats carry much of their attack there.
pub const AIR_HIGH_HZ: f32 = 20_000.0;

/// Low bands for low-end load and clash detection: sub (20-60 Hz), bass (60-120 Hz), low-mid
/// (120-250 Hz): where kick and bass fundamentals fight.
pub const LOW_BANDS: usize = 3;
pub const LOW_BAND_EDGES_HZ: [f32; LOW_BANDS + 1] = [20.0, 60.0, 120.0, 250.0];
pub const LOW_BAND_NAMES: [&str; LOW_BANDS] =
    ["sub 20-60 Hz", "bass 60-120 Hz", "low-mid 120-250 Hz"];

/// The per-bar band profile ([`super::bar::BarStats::band_db`]) pools the [`ERB_BANDS`] in
/// pairs: 20 bands of about 1.9 ERB, enough to tell a bass from a kick's click, a pad from the
/// hats, and small enough to keep in every bar of a saved timeline.
pub const PROFILE_BANDS: usize = ERB_BANDS / 2;
/// `band_db` of a bar measured before profiles existed (restored state): no profile.
pub const NO_PROFILE_DB: f32 = -200.0;
