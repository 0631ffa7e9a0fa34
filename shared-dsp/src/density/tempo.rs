//! Tempo, meter and first downbeat of a whole recording, for a bounce analysed without a host
//! transport (`catalyst analyze FILE` without `--bpm`): so that bars mean bars on any mix.
//!
//! Offline, on the whole file (allocates; never on the audio thread). Four steps:
//!
//! 1. **Onset strength** ([`OnsetFeatures`]): log-energy spectral flux in 40 log-spaced bands
//!    (30 Hz - 10 kHz) every 5 ms, half-wave rectified and summed (Ellis 2007, "Beat tracking
//!    by dynamic programming", sec. 3.1; Bello et al. 2005, "A tutorial on onset detection in
//!    music signals"), high-passed by subtracting its 1 s moving mean and scaled to unit
//!    deviation. Band levels are floored [`FLOOR_BELOW_PEAK_DB`] under the file's loudest band,
//!    so a mix 20 dB quieter gives the same envelope. Beside it, the raw flux, the flux of the
//!    bands under [`LOW_BAND_HZ`] (kick and bass) and a 12-bin chroma (55 Hz - 2 kHz,
//!    Fujishima 1999) for harmony.
//! 2. **Beat period** ([`beat_period_s`]): the autocorrelation of the onset strength weighted
//!    by a log-Gaussian perceptual prior centred on 0.5 s (120 BPM), 1.4 octaves wide: Ellis'
//!    tempo period strength TPS(tau) = W(tau) sum_t O(t) O(t - tau) (Ellis 2007, eq. 4, after
//!    Moelants & McKinney's preferred tempo), with half the strength of the doubled lag added
//!    (Ellis' TPS2).
//! 3. **Beat phase** ([`track_beats`]): Ellis' dynamic program, C(t) = O(t) + max over the
//!    previous beat p in [t - 2T, t - T/2] of alpha F(t - p, T) + C(p), F = -(ln(dt/T))^2,
//!    alpha = 400 (Ellis 2007, eq. 1-3), backtraced from the best end; then ([`fit_grid`]) a
//!    least-squares constant-tempo line through the beats inside the music: a bounce has one
//!    tempo and the meter's grid is one tempo, so the line is that grid, and it gives the
//!    tempo to far better than a frame.
//! 4. **Bar length and downbeat** ([`choose_bar`]): bars of 2, 3, 4, 6 or 8 tracked beats
//!    (1-4.5 s) at every phase, scored by how much more the harmony changes (chroma distance
//!    between a beat and the one before: Goto 2001's chord-change cue) on the bar's downbeats
//!    than on the most changing of its other beat positions, and how much more the low band
//!    and all onsets rise on its downbeats than on its other beats, each in units of that
//!    cue's deviation over the beats (the accent-per-beat-position idea of Davies & Plumbley
//!    2006, "A spectral difference approach to downbeat extraction in musical audio"). The
//!    harmony against each position, not against the other beats pooled: with a chord a bar
//!    and chord changes of unequal size (in I-vi-IV-V two changes keep two of three notes, IV
//!    to V keeps none), a hypothesis of two bars at once put the larger changes on its downbeats
//!    and pooled the smaller ones, on its half bar, with the unchanging beats, and so outscored
//!    the true bar (a held-out 6/8 song at 150 read as 4/4 at 100). A downbeat is the strongest
//!    position of its bar; a half bar that changes nearly as much says the bar is half as long.
//!    The low band and onsets keep the pooled form: a kick on beats 1 and 3 of 4/4 is not a
//!    bar of two beats. Plus a
//!    log-Gaussian prior on the bar's length (2 s, 1 octave), a small bonus for bars of 3 or 4
//!    tracked beats, and a bonus for the phase that puts a downbeat on the music's first beat
//!    (a bounce starts on a bar line far more often than on a pickup). The chosen bar names the
//!    meter ([`meter_of_bar`]) and the tempo is in quarter notes, the host convention (a 6/8
//!    bar is three quarters): the bar, not the tracked beat, sets it, so the beat tracker's
//!    octave errors (a 6/8 song at 150 tracked at its dotted 100, or at 300 eighths) cancel.
//!    What remains is the bar's octave error: bars read as two bars (or half bars).
//!
//! Confidences, each 0-1 (documented on [`TempoEstimate`]): the tempo's is the share of tracked
//! beats on the constant-tempo line times how far the winning period stands out of unrelated
//! periods; the first bar's is the winning bar hypothesis' margin over the best one putting
//! downbeats elsewhere; the meter's is how far the bar's onset profile tells the groupings
//! apart.

use realfft::RealFftPlanner;

/// Analysis hop, seconds (Ellis uses 4 ms). At 10 ms the Hann window's weight on a click
/// moved its measured rise by ~1 dB a band with where it fell inside a hop (alternately, on a
/// steady metronome: a false accent); at 5 ms by a quarter of that.
pub const HOP_S: f64 = 0.005;
/// Analysis window, seconds (rounded up to a power of two in samples).
const WINDOW_S: f64 = 0.040;
const BANDS: usize = 40;
const BAND_LOW_HZ: f64 = 30.0;
const BAND_HIGH_HZ: f64 = 10_000.0;
/// The low band (kick, bass): bands under this.
pub const LOW_BAND_HZ: f64 = 200.0;
const CHROMA_LOW_HZ: f64 = 55.0;
const CHROMA_HIGH_HZ: f64 = 2_000.0;
/// Band levels are floored this far under the file's loudest band level.
pub const FLOOR_BELOW_PEAK_DB: f32 = 60.0;
/// Frames more than this under the loudest frames (95th percentile) are not music (count-in,
/// the end of a tail).
pub const MUSIC_BELOW_PEAK_DB: f32 = 40.0;
/// Ellis' perceptual prior: centre (0.5 s = 120 BPM) and width (octaves).
const PRIOR_PERIOD_S: f64 = 0.5;
const PRIOR_OCTAVES: f64 = 1.4;
/// Beat periods searched, seconds (240 to 40 beats a minute).
const MIN_BEAT_S: f64 = 0.25;
const MAX_BEAT_S: f64 = 1.5;
/// Ellis' tightness of the tempo in the dynamic program.
const TIGHTNESS: f64 = 400.0;
/// A tracked beat this far (share of a beat) off the constant-tempo line is off it.
const OFF_LINE_BEATS: f64 = 0.15;
/// Bar lengths searched, in tracked beats, and in seconds.
const BAR_BEATS: [usize; 5] = [2, 3, 4, 6, 8];
const MIN_BAR_S: f64 = 1.0;
const MAX_BAR_S: f64 = 4.5;
/// Prior on the bar's length: log-Gaussian around 2 s (4/4 at 120, 3/4 at 90), 1 octave wide.
const PRIOR_BAR_S: f64 = 2.0;
const PRIOR_BAR_OCTAVES: f64 = 1.0;
/// Prior bonus for bars of 3 or 4 tracked beats: without accents (a metronome) the tracked
/// beat, which Ellis' prior puts near 120 BPM, is the beat the bar counts.
const BEAT_IS_THE_BEAT_BONUS: f64 = 0.2;
/// Weights of the downbeat cues: harmony change, low-band onsets, all onsets.
const W_HARMONY: f64 = 1.0;
const W_LOW: f64 = 0.7;
const W_ONSET: f64 = 0.5;
/// Cue differences under this share of the cue's mean over the beats are no accent.
const MIN_ACCENT_SHARE: f64 = 0.1;
/// Chroma changes (cosine distance) under this are no harmony change: one click's chroma
/// against the next one's.
const MIN_HARMONY_CHANGE: f64 = 0.05;
/// Score bonus for the phase that starts a bar on the music's first beat.
const START_BONUS: f64 = 0.3;
/// A downbeat found within this of the file's own bar grid (whole bars from the file's start)
/// is that grid: a DAW bounce starts on a bar line, and the onset detector's frame (10 ms) and
/// attack bias must not make a sliver of a bar out of it.
pub const SNAP_TO_FILE_GRID_S: f64 = 0.035;
/// Under this tempo confidence no tempo is reported (no steady pulse: a drone, noise).
pub const MIN_BPM_CONFIDENCE: f32 = 0.1;

/// What [`estimate`] found. Tempo in quarter notes a minute (the host convention).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoEstimate {
    pub bpm: f64,
    /// Share of the tracked beats inside the music that lie on the constant-tempo line (within
    /// 15 % of a beat), times the prominence of the winning beat period: 1 - (strength of the
    /// best period not within 4 % of a ratio 1/4..4 of it) / (its own strength).
    pub bpm_confidence: f32,
    /// (numerator, denominator): 3/4, 4/4 or 6/8.
    pub time_sig: (u32, u32),
    /// |thirds - quarters| / (thirds + quarters) of the bar's onset profile (see
    /// [`meter_of_bar`]); 0 when the bar holds no onsets between its downbeats.
    pub time_sig_confidence: f32,
    /// The first downbeat at or after the music's start, seconds from the file's start.
    pub first_bar_s: f64,
    /// (best - runner-up) / best of the bar hypotheses' scores, the runner-up being the best
    /// hypothesis whose downbeats fall elsewhere (another phase or another bar length), 0-1.
    pub first_bar_confidence: f32,
}

impl TempoEstimate {
    pub fn quarters_per_bar(&self) -> f64 {
        self.time_sig.0 as f64 * 4.0 / self.time_sig.1 as f64
    }

    pub fn bar_s(&self) -> f64 {
        self.quarters_per_bar() * 60.0 / self.bpm
    }
}

/// Frame-rate features of a whole recording (step 1).
#[derive(Debug, Clone)]
pub struct OnsetFeatures {
    /// Frames a second.
    pub frame_rate: f64,
    /// Time of frame 0, seconds: a frame's time is its window's end, because the log-energy
    /// flux of an onset peaks in the first frame that hears it.
    pub t0_s: f64,
    /// Frames an onset keeps rising over (a window's worth of hops).
    pub rise_frames: usize,
    /// Onset strength, high-passed, unit deviation.
    pub onset: Vec<f32>,
    /// Flux of all bands, raw (dB summed over bands): summed over an onset's frames it is the
    /// onset's whole rise, whatever the onset's position inside a hop.
    pub flux: Vec<f32>,
    /// Flux of the bands under [`LOW_BAND_HZ`] (raw).
    pub low: Vec<f32>,
    /// Chroma per frame (magnitude per pitch class, C first, not normalized).
    pub chroma: Vec<[f32; 12]>,
    /// Frame level, dB (relative: only differences matter).
    pub level_db: Vec<f32>,
}

impl OnsetFeatures {
    /// Analyses a mono signal. An empty or too short signal gives no frames.
    pub fn of(mono: &[f32], sample_rate: f32) -> Self {
        let sr = sample_rate as f64;
        let hop = ((sr * HOP_S).round() as usize).max(1);
        let win = ((sr * WINDOW_S) as usize).next_power_of_two().max(64);
        let frame_rate = sr / hop as f64;
        // One window of silence before the file, so that music starting on its first sample
        // has an onset (frame n's window ends at n hops into the file).
        let t0_s = 0.0;
        let rise_frames = win / hop;
        let frames = if mono.is_empty() {
            0
        } else {
            mono.len() / hop + 1
        };
        let sample = |i: isize| -> f32 {
            if i < 0 {
                0.0
            } else {
                mono.get(i as usize)
                    .copied()
                    .filter(|x| x.is_finite())
                    .unwrap_or(0.0)
            }
        };
        let bins = win / 2 + 1;
        let bin_hz = sr / win as f64;
        // Band of each bin (log-spaced), chroma class of each bin.
        let high = BAND_HIGH_HZ.min(0.45 * sr);
        let band_of: Vec<Option<usize>> = (0..bins)
            .map(|k| {
                let f = k as f64 * bin_hz;
                (f >= BAND_LOW_HZ && f < high).then(|| {
                    (((f / BAND_LOW_HZ).ln() / (high / BAND_LOW_HZ).ln() * BANDS as f64) as usize)
                        .min(BANDS - 1)
                })
            })
            .collect();
        let low_bands = (((LOW_BAND_HZ / BAND_LOW_HZ).ln() / (high / BAND_LOW_HZ).ln()
            * BANDS as f64)
            .ceil() as usize)
            .clamp(1, BANDS);
        let chroma_of: Vec<Option<usize>> = (0..bins)
            .map(|k| {
                let f = k as f64 * bin_hz;
                (CHROMA_LOW_HZ..CHROMA_HIGH_HZ).contains(&f).then(|| {
                    // MIDI note number, C = 0.
                    let midi = 69.0 + 12.0 * (f / 440.0).log2();
                    (midi.round() as i64).rem_euclid(12) as usize
                })
            })
            .collect();
        let window: Vec<f32> = (0..win)
            .map(|n| (0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / win as f64).cos()) as f32)
            .collect();
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(win);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        let mut band_energy = vec![[0f32; BANDS]; frames];
        let mut chroma = vec![[0f32; 12]; frames];
        let mut level_db = vec![0f32; frames];
        for n in 0..frames {
            let start = (n * hop) as isize - win as isize;
            let mut power = 0.0f64;
            for (j, (i, &w)) in input.iter_mut().zip(&window).enumerate() {
                let s = sample(start + j as isize);
                *i = s * w;
                power += (s * s) as f64;
            }
            level_db[n] = (10.0 * (power / win as f64 + 1e-20).log10()) as f32;
            if fft.process(&mut input, &mut spectrum).is_err() {
                continue;
            }
            for (k, c) in spectrum.iter().enumerate() {
                let e = c.norm_sqr();
                if let Some(b) = band_of[k] {
                    band_energy[n][b] += e;
                }
                if let Some(p) = chroma_of[k] {
                    chroma[n][p] += e.sqrt();
                }
            }
        }
        // Band levels in dB, floored under the loudest band anywhere (level-invariant).
        let peak = band_energy
            .iter()
            .flat_map(|b| b.iter())
            .fold(0f32, |m, &e| m.max(e));
        let floor = (peak * 10f32.powf(-FLOOR_BELOW_PEAK_DB / 10.0)).max(1e-30);
        let db = |e: f32| 10.0 * (e.max(floor)).log10();
        let mut onset = vec![0f32; frames];
        let mut low = vec![0f32; frames];
        for n in 1..frames {
            let (mut all, mut lo) = (0f32, 0f32);
            for (b, (&now, &before)) in band_energy[n].iter().zip(&band_energy[n - 1]).enumerate() {
                let d = (db(now) - db(before)).max(0.0);
                all += d;
                if b < low_bands {
                    lo += d;
                }
            }
            onset[n] = all;
            low[n] = lo;
        }
        // High-pass: minus the 1 s moving mean (Ellis: a 0.4 Hz high-pass), then unit deviation.
        let half = (frame_rate * 0.5) as usize;
        let mut prefix = vec![0f64; frames + 1];
        for n in 0..frames {
            prefix[n + 1] = prefix[n] + onset[n] as f64;
        }
        let hp: Vec<f32> = (0..frames)
            .map(|n| {
                let (a, b) = (n.saturating_sub(half), (n + half + 1).min(frames));
                let mean = (prefix[b] - prefix[a]) / (b - a) as f64;
                (onset[n] as f64 - mean).max(0.0) as f32
            })
            .collect();
        let sd = std_dev(&hp);
        let flux = onset;
        let onset = if sd > 0.0 {
            hp.iter().map(|&x| x / sd).collect()
        } else {
            hp
        };
        Self {
            frame_rate,
            t0_s,
            rise_frames,
            onset,
            flux,
            low,
            chroma,
            level_db,
        }
    }

    pub fn frames(&self) -> usize {
        self.onset.len()
    }

    /// Time of frame `n`, seconds.
    pub fn time_s(&self, n: usize) -> f64 {
        self.t0_s + n as f64 / self.frame_rate
    }

    /// The frame nearest `t` seconds (clamped into the file).
    pub fn frame_at(&self, t: f64) -> usize {
        (((t - self.t0_s) * self.frame_rate).round().max(0.0) as usize)
            .min(self.frames().saturating_sub(1))
    }

    /// First and last frame of the music: frames within [`MUSIC_BELOW_PEAK_DB`] of the loudest
    /// frames (their 95th percentile). `None` when the file is silent.
    pub fn music_frames(&self) -> Option<(usize, usize)> {
        let mut sorted = self.level_db.clone();
        sorted.sort_by(f32::total_cmp);
        let loud = *sorted.get(sorted.len() * 95 / 100)?;
        if loud < -100.0 {
            return None;
        }
        let on = |l: &f32| *l > loud - MUSIC_BELOW_PEAK_DB;
        let first = self.level_db.iter().position(on)?;
        let last = self.level_db.iter().rposition(on)?;
        Some((first, last))
    }
}

fn mean(x: &[f32]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64
    }
}

fn std_dev(x: &[f32]) -> f32 {
    let m = mean(x);
    if x.len() < 2 {
        return 0.0;
    }
    (x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt() as f32
}

/// Log-Gaussian weight of `x` around `centre`, `octaves` wide.
fn log_gauss(x: f64, centre: f64, octaves: f64) -> f64 {
    (-0.5 * ((x / centre).log2() / octaves).powi(2)).exp()
}

/// Autocorrelation of `o` over frames `lo..hi` at lags `0..=max_lag`.
fn autocorrelation(o: &[f32], lo: usize, hi: usize, max_lag: usize) -> Vec<f64> {
    (0..=max_lag)
        .map(|lag| {
            (lo + lag..hi)
                .map(|t| o[t] as f64 * o[t - lag] as f64)
                .sum::<f64>()
        })
        .collect()
}

/// Linear interpolation of `a` at a fractional index (0 outside).
fn at(a: &[f64], x: f64) -> f64 {
    let i = x.floor();
    if i < 0.0 || i as usize + 1 >= a.len() {
        return 0.0;
    }
    let (i, f) = (i as usize, x - i);
    a[i] * (1.0 - f) + a[i + 1] * f
}

/// Step 2: the beat period (seconds) of the music in frames `lo..hi`, and its prominence (see
/// [`TempoEstimate::bpm_confidence`]). `None` without any periodicity.
pub fn beat_period_s(f: &OnsetFeatures, lo: usize, hi: usize) -> Option<(f64, f32)> {
    let fr = f.frame_rate;
    let max_lag = ((2.0 * MAX_BEAT_S * fr).ceil() as usize + 2).min(hi.saturating_sub(lo + 1));
    let min_lag = (MIN_BEAT_S * fr).floor() as usize;
    if max_lag <= 2 * min_lag {
        return None;
    }
    let acf = autocorrelation(&f.onset, lo, hi, max_lag);
    // Ellis' TPS2: the lag, half its doubled lag (and that lag's neighbours), prior-weighted.
    let tps = |lag: f64| {
        let w = log_gauss(lag / fr, PRIOR_PERIOD_S, PRIOR_OCTAVES);
        w * (at(&acf, lag)
            + 0.5 * at(&acf, 2.0 * lag)
            + 0.25 * at(&acf, 2.0 * lag - 1.0)
            + 0.25 * at(&acf, 2.0 * lag + 1.0))
    };
    let top = ((MAX_BEAT_S * fr) as usize).min(max_lag / 2);
    let scores: Vec<(usize, f64)> = (min_lag..=top).map(|l| (l, tps(l as f64))).collect();
    let &(best, best_score) = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if best_score <= 0.0 {
        return None;
    }
    // Parabolic refinement of the peak.
    let (y0, y1, y2) = (tps(best as f64 - 1.0), best_score, tps(best as f64 + 1.0));
    let denom = y0 - 2.0 * y1 + y2;
    let lag = if denom < 0.0 {
        best as f64 + (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
    } else {
        best as f64
    };
    // Prominence over periods unrelated to the winner (not near a ratio of small integers).
    let related = |l: usize| {
        let r = l as f64 / lag;
        [
            0.25,
            1.0 / 3.0,
            0.5,
            2.0 / 3.0,
            0.75,
            1.0,
            1.5,
            2.0,
            3.0,
            4.0,
        ]
        .iter()
        .any(|&q| (r / q - 1.0).abs() < 0.04)
    };
    // Rivals are local maxima of the prior-weighted autocorrelation itself (TPS2's doubled lag
    // makes a peak at 5/2 of a period out of the fifth one), against the winner's.
    let weighted: Vec<(usize, f64)> = (min_lag..=top)
        .map(|l| {
            (
                l,
                log_gauss(l as f64 / fr, PRIOR_PERIOD_S, PRIOR_OCTAVES) * acf[l],
            )
        })
        .collect();
    let own = weighted
        .iter()
        .filter(|w| (w.0 as f64 - lag).abs() <= 1.5)
        .map(|w| w.1)
        .fold(0.0f64, f64::max);
    let rival = weighted
        .windows(3)
        .filter(|w| w[1].1 >= w[0].1 && w[1].1 >= w[2].1 && !related(w[1].0))
        .map(|w| w[1].1)
        .fold(0.0f64, f64::max);
    let prominence = if own > 0.0 {
        (1.0 - rival / own).clamp(0.0, 1.0) as f32
    } else {
        0.0
    };
    Some((lag / fr, prominence))
}

/// Step 3: Ellis' dynamic-programming beat tracker at period `period_s`; beat frames in order.
pub fn track_beats(f: &OnsetFeatures, period_s: f64) -> Vec<usize> {
    let n = f.frames();
    let p = period_s * f.frame_rate;
    if n == 0 || p < 2.0 {
        return Vec::new();
    }
    let o = &f.onset;
    let mut score = vec![0f64; n];
    let mut back = vec![usize::MAX; n];
    let (lo_off, hi_off) = ((p / 2.0).round() as usize, (2.0 * p).round() as usize);
    for t in 0..n {
        let mut best = 0.0;
        let mut arg = usize::MAX;
        if t > lo_off {
            let first = t.saturating_sub(hi_off);
            for (prev, &before) in score.iter().enumerate().take(t - lo_off + 1).skip(first) {
                let dt = (t - prev) as f64;
                let s = before - TIGHTNESS * (dt / p).ln().powi(2);
                if arg == usize::MAX || s > best {
                    best = s;
                    arg = prev;
                }
            }
        }
        // A chain only extends when it gains (Ellis starts fresh chains at zero cost).
        if arg != usize::MAX && best > 0.0 {
            score[t] = o[t] as f64 + best;
            back[t] = arg;
        } else {
            score[t] = o[t] as f64;
        }
    }
    // The end: the best-scoring frame within the last period.
    let start = n.saturating_sub(p.ceil() as usize + 1);
    let mut t = (start..n)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]))
        .unwrap_or(n - 1);
    let mut beats = vec![t];
    while back[t] != usize::MAX {
        t = back[t];
        beats.push(t);
    }
    beats.reverse();
    beats
}

/// A constant-tempo grid: beat k at `phase_s + k * period_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatGrid {
    pub period_s: f64,
    pub phase_s: f64,
    /// Share of the tracked beats in the music on the line.
    pub on_line: f32,
}

/// The least-squares constant-tempo line through the tracked beats within `lo..=hi` frames
/// (refit once without the beats off it). With `fixed_period_s` only the phase is fitted.
pub fn fit_grid(
    f: &OnsetFeatures,
    beats: &[usize],
    period_s: f64,
    fixed_period_s: Option<f64>,
    lo: usize,
    hi: usize,
) -> Option<BeatGrid> {
    let times: Vec<f64> = beats
        .iter()
        .filter(|&&b| (lo..=hi).contains(&b))
        .map(|&b| f.time_s(b))
        .collect();
    let first = *times.first()?;
    let ks: Vec<f64> = times
        .iter()
        .map(|t| ((t - first) / period_s).round())
        .collect();
    let fit = |keep: &dyn Fn(usize) -> bool| -> Option<(f64, f64)> {
        let idx: Vec<usize> = (0..times.len()).filter(|&i| keep(i)).collect();
        if idx.is_empty() {
            return None;
        }
        let nf = idx.len() as f64;
        if let Some(p) = fixed_period_s {
            let phase = idx.iter().map(|&i| times[i] - ks[i] * p).sum::<f64>() / nf;
            return Some((p, phase));
        }
        let mk = idx.iter().map(|&i| ks[i]).sum::<f64>() / nf;
        let mt = idx.iter().map(|&i| times[i]).sum::<f64>() / nf;
        let sxx: f64 = idx.iter().map(|&i| (ks[i] - mk).powi(2)).sum();
        if sxx <= 0.0 {
            return Some((period_s, mt - mk * period_s));
        }
        let sxy: f64 = idx.iter().map(|&i| (ks[i] - mk) * (times[i] - mt)).sum();
        let slope = sxy / sxx;
        Some((slope, mt - slope * mk))
    };
    let (p, phase) = fit(&|_| true)?;
    let off = |i: usize, p: f64, phase: f64| (times[i] - phase - ks[i] * p).abs();
    let (p, phase) = fit(&|i| off(i, p, phase) < OFF_LINE_BEATS * period_s).unwrap_or((p, phase));
    let on = (0..times.len())
        .filter(|&i| off(i, p, phase) < OFF_LINE_BEATS * period_s)
        .count();
    // Tracked beats that skip or double a beat count against the line too.
    let span_beats = (times.last()? - first) / p + 1.0;
    let on_line = (on as f64 / span_beats.max(times.len() as f64)).clamp(0.0, 1.0) as f32;
    Some(BeatGrid {
        period_s: p,
        phase_s: phase,
        on_line,
    })
}

/// Per-beat cues on a grid: onset accent, low-band accent, harmony change from the beat before.
#[derive(Debug, Clone)]
struct BeatCues {
    /// Time of each beat, seconds (beat 0 is the first at or after the file's start).
    times: Vec<f64>,
    onset: Vec<f32>,
    low: Vec<f32>,
    harmony: Vec<f32>,
    /// The beats inside the music.
    music: std::ops::Range<usize>,
}

fn cues(f: &OnsetFeatures, grid: &BeatGrid, lo: usize, hi: usize) -> BeatCues {
    let p = grid.period_s;
    // The first beat at or after a quarter beat before the file's start.
    let mut first = grid.phase_s.rem_euclid(p);
    if first > 0.75 * p {
        first -= p;
    }
    let end = f.time_s(f.frames().saturating_sub(1));
    let times: Vec<f64> = (0..)
        .map(|k| first + k as f64 * p)
        .take_while(|&t| t <= end)
        .collect();
    let reach = ((0.06 * p * f.frame_rate).round() as usize).max(2);
    // The rise around the beat: flux summed over its frames (a maximum would depend on where
    // the onset falls inside a hop, and alternate from beat to beat on a steady metronome).
    let rise = |x: &[f32], t: f64| {
        let c = f.frame_at(t);
        x[c.saturating_sub(reach)..(c + reach + f.rise_frames / 2 + 1).min(x.len())]
            .iter()
            .sum::<f32>()
    };
    let onset: Vec<f32> = times.iter().map(|&t| rise(&f.flux, t)).collect();
    let low: Vec<f32> = times.iter().map(|&t| rise(&f.low, t)).collect();
    let chroma: Vec<[f32; 12]> = times
        .iter()
        .map(|&t| {
            let (a, b) = (f.frame_at(t), f.frame_at(t + p).max(f.frame_at(t) + 1));
            let mut c = [0f32; 12];
            for frame in &f.chroma[a..b.min(f.chroma.len())] {
                for (s, &v) in c.iter_mut().zip(frame) {
                    *s += v;
                }
            }
            c
        })
        .collect();
    let cosine = |a: &[f32; 12], b: &[f32; 12]| {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
        if na > 0.0 && nb > 0.0 {
            dot / (na * nb)
        } else {
            1.0
        }
    };
    let harmony: Vec<f32> = (0..times.len())
        .map(|k| {
            if k == 0 {
                0.0
            } else {
                1.0 - cosine(&chroma[k - 1], &chroma[k])
            }
        })
        .collect();
    let (t_lo, t_hi) = (f.time_s(lo) - 0.25 * p, f.time_s(hi));
    let m0 = times.iter().position(|&t| t >= t_lo).unwrap_or(times.len());
    let m1 = times.iter().rposition(|&t| t <= t_hi).map_or(m0, |k| k + 1);
    BeatCues {
        times,
        onset,
        low,
        harmony,
        music: m0..m1.max(m0),
    }
}

/// A bar hypothesis: `beats` tracked beats long, downbeats on beats `k` with
/// `k % beats == phase`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarChoice {
    pub beats: usize,
    pub phase: usize,
    pub score: f64,
    /// Margin over the best hypothesis with downbeats elsewhere (see
    /// [`TempoEstimate::first_bar_confidence`]).
    pub confidence: f32,
}

/// The deviation an accent is measured in: the cue's standard deviation over the music, at
/// least [`MIN_ACCENT_SHARE`] of its mean and `min_sd`.
fn accent_scale(all: &[f32], min_sd: f64) -> f64 {
    (std_dev(all) as f64)
        .max(MIN_ACCENT_SHARE * mean(all).abs())
        .max(min_sd)
}

/// How much more `x` is on the downbeats than on the other beats of the music, in deviations.
/// Differences under `min_sd` or a tenth of the mean cue are no accent (the STFT's hop alone
/// moves a click's measured rise by a few per cent).
fn accent(
    x: &[f32],
    music: &std::ops::Range<usize>,
    beats: usize,
    phase: usize,
    min_sd: f64,
) -> f64 {
    let sd = accent_scale(&x[music.clone()], min_sd);
    if sd <= 0.0 {
        return 0.0;
    }
    let (mut on, mut n_on, mut off, mut n_off) = (0.0, 0usize, 0.0, 0usize);
    for k in music.clone() {
        if k % beats == phase {
            on += x[k] as f64;
            n_on += 1;
        } else {
            off += x[k] as f64;
            n_off += 1;
        }
    }
    if n_on == 0 || n_off == 0 {
        return 0.0;
    }
    (on / n_on as f64 - off / n_off as f64) / sd
}

/// How much more `x` is on the downbeats than on the bar's most accented other position, in
/// deviations (as [`accent`]): a downbeat is the strongest position of its bar.
fn accent_over_every_position(
    x: &[f32],
    music: &std::ops::Range<usize>,
    beats: usize,
    phase: usize,
    min_sd: f64,
) -> f64 {
    let sd = accent_scale(&x[music.clone()], min_sd);
    if sd <= 0.0 || beats < 2 {
        return 0.0;
    }
    let mut sum = vec![0.0f64; beats];
    let mut n = vec![0usize; beats];
    for k in music.clone() {
        sum[k % beats] += x[k] as f64;
        n[k % beats] += 1;
    }
    if n.contains(&0) {
        return 0.0;
    }
    let on = sum[phase] / n[phase] as f64;
    (0..beats)
        .filter(|&q| q != phase)
        .map(|q| (on - sum[q] / n[q] as f64) / sd)
        .fold(f64::INFINITY, f64::min)
}

/// Step 4: the bar length (in tracked beats) and downbeat phase, when `fixed_bar_beats` is
/// `None` chosen among [`BAR_BEATS`].
fn choose_bar(c: &BeatCues, period_s: f64, fixed_bar_beats: Option<usize>) -> Option<BarChoice> {
    let lengths: Vec<usize> = match fixed_bar_beats {
        Some(b) => vec![b.max(1)],
        None => BAR_BEATS
            .iter()
            .copied()
            .filter(|&b| (MIN_BAR_S..=MAX_BAR_S).contains(&(b as f64 * period_s)))
            .collect(),
    };
    let start = c.music.start;
    let mut all: Vec<BarChoice> = Vec::new();
    for &beats in &lengths {
        if c.music.len() < 2 * beats {
            continue;
        }
        for phase in 0..beats {
            let evidence = if beats == 1 {
                0.0
            } else {
                W_HARMONY
                    * accent_over_every_position(
                        &c.harmony,
                        &c.music,
                        beats,
                        phase,
                        MIN_HARMONY_CHANGE,
                    )
                    + W_LOW * accent(&c.low, &c.music, beats, phase, 0.0)
                    + W_ONSET * accent(&c.onset, &c.music, beats, phase, 0.0)
            };
            let prior = if fixed_bar_beats.is_some() {
                0.0
            } else {
                log_gauss(beats as f64 * period_s, PRIOR_BAR_S, PRIOR_BAR_OCTAVES).ln()
                    + if beats == 3 || beats == 4 {
                        BEAT_IS_THE_BEAT_BONUS
                    } else {
                        0.0
                    }
            };
            let bonus = if start % beats == phase {
                START_BONUS
            } else {
                0.0
            };
            all.push(BarChoice {
                beats,
                phase,
                score: evidence + prior + bonus,
                confidence: 0.0,
            });
        }
    }
    let best = *all.iter().max_by(|a, b| a.score.total_cmp(&b.score))?;
    // Rivals: hypotheses whose downbeats are not the winner's (another phase, or a length
    // that is not a multiple/divisor sharing the winner's downbeats).
    let same = |h: &BarChoice| {
        let (a, b) = (h.beats.min(best.beats), h.beats.max(best.beats));
        b % a == 0 && h.phase % a == best.phase % a
    };
    let rival = all
        .iter()
        .filter(|h| !same(h))
        .map(|h| h.score)
        .fold(f64::NEG_INFINITY, f64::max);
    let confidence = if rival.is_finite() && best.score > 0.0 {
        ((best.score - rival) / best.score).clamp(0.0, 1.0) as f32
    } else if rival.is_finite() {
        0.0
    } else {
        1.0
    };
    Some(BarChoice { confidence, ..best })
}

/// The meter of a bar of `beats` tracked beats, `bar_s` seconds, whose downbeats are
/// `downbeats` (seconds): `(time_sig, confidence)`. Bars of 4 or 8 beats are 4/4, of 3 or 6
/// beats three quarters; a bar of 2 beats is 6/8 when its beats divide in three, else 4/4 (two
/// half notes). Three quarters are 6/8 when the bar's half is accented over its thirds (two
/// dotted beats), else 3/4. The evidence is the bar's onset profile: strength at 1/3 and 2/3 of
/// the bar (thirds) against 1/4 and 3/4 (quarters), and at 1/2; the confidence is
/// |a - b| / (a + b) of the two strengths the decision compared.
pub fn meter_of_bar(
    f: &OnsetFeatures,
    downbeats: &[f64],
    bar_s: f64,
    beats: usize,
) -> ((u32, u32), f32) {
    let reach = ((0.02 * bar_s * f.frame_rate).round() as usize).max(1);
    let profile = |share: f64| {
        let v: Vec<f32> = downbeats
            .iter()
            .map(|&d| {
                let c = f.frame_at(d + share * bar_s);
                f.flux
                    [c.saturating_sub(reach)..(c + reach + f.rise_frames / 2 + 1).min(f.flux.len())]
                    .iter()
                    .sum::<f32>()
            })
            .collect();
        mean(&v)
    };
    let contrast = |a: f64, b: f64| {
        if a + b > 0.0 {
            ((a - b).abs() / (a + b)) as f32
        } else {
            0.0
        }
    };
    let thirds = 0.5 * (profile(1.0 / 3.0) + profile(2.0 / 3.0));
    let quarters = 0.5 * (profile(0.25) + profile(0.75));
    match beats {
        3 | 6 => {
            let half = profile(0.5);
            let sig = if half > thirds { (6, 8) } else { (3, 4) };
            (sig, contrast(half, thirds))
        }
        2 => {
            let sig = if thirds > quarters { (6, 8) } else { (4, 4) };
            (sig, contrast(thirds, quarters))
        }
        _ => ((4, 4), contrast(quarters, thirds)),
    }
}

/// What is known beforehand: a given tempo (and its time signature) fixes the bar's length, and
/// only the downbeat is searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Known {
    pub bpm: f64,
    pub time_sig: (u32, u32),
}

/// Tempo, meter and first downbeat of `mono` (see the module docs). `None` when there is no
/// music or no steady pulse (tempo confidence under [`MIN_BPM_CONFIDENCE`]).
pub fn estimate(mono: &[f32], sample_rate: f32, known: Option<Known>) -> Option<TempoEstimate> {
    let f = OnsetFeatures::of(mono, sample_rate);
    estimate_from(&f, known)
}

/// [`estimate`] on computed features.
pub fn estimate_from(f: &OnsetFeatures, known: Option<Known>) -> Option<TempoEstimate> {
    let (lo, hi) = f.music_frames()?;
    // The tracked beat of a known meter: the quarter, or the dotted quarter in 6/8, 9/8, 12/8.
    let known_beat = known.map(|k| {
        let (n, d) = k.time_sig;
        let compound = d == 8 && n % 3 == 0 && n > 3;
        let quarter = 60.0 / k.bpm;
        let beat = if compound {
            3.0 * quarter * 4.0 / d as f64
        } else {
            quarter * 4.0 / d as f64
        };
        let beats = if compound { n / 3 } else { n } as usize;
        (beat, beats)
    });
    let (period, prominence) = match known_beat {
        Some((beat, _)) => (beat, 1.0),
        None => beat_period_s(f, lo, hi + 1)?,
    };
    let beats = track_beats(f, period);
    let grid = fit_grid(f, &beats, period, known_beat.map(|k| k.0), lo, hi)?;
    let bpm_confidence = grid.on_line * prominence;
    if known.is_none() && bpm_confidence < MIN_BPM_CONFIDENCE {
        return None;
    }
    let c = cues(f, &grid, lo, hi);
    let bar = choose_bar(&c, grid.period_s, known_beat.map(|k| k.1))?;
    let bar_s = bar.beats as f64 * grid.period_s;
    // The first downbeat at or after the music's first beat.
    let first_k = (c.music.start..c.times.len()).find(|k| k % bar.beats == bar.phase)?;
    let mut first_bar_s = c.times[first_k];
    let downbeats: Vec<f64> = (first_k..c.music.end)
        .step_by(bar.beats)
        .map(|k| c.times[k])
        .collect();
    let (time_sig, time_sig_confidence, bpm) = match known {
        Some(k) => (k.time_sig, 1.0, k.bpm),
        None => {
            let (sig, conf) = meter_of_bar(f, &downbeats, bar_s, bar.beats);
            let quarters = sig.0 as f64 * 4.0 / sig.1 as f64;
            (sig, conf, 60.0 * quarters / bar_s)
        }
    };
    // On the file's own bar grid when within a hair of it.
    let whole = (first_bar_s / bar_s).round();
    if (first_bar_s - whole * bar_s).abs() < SNAP_TO_FILE_GRID_S {
        first_bar_s = whole * bar_s;
    }
    Some(TempoEstimate {
        bpm,
        bpm_confidence,
        time_sig,
        time_sig_confidence,
        first_bar_s: first_bar_s.max(0.0),
        first_bar_confidence: bar.confidence,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod gm_tests;
