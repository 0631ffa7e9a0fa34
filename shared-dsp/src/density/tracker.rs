//! [`DensityTracker`]: the whole engine. Feed it planar audio and the host transport per block;
//! it measures loudness and density, places every frame in the bar the transport says it
//! belongs to, and keeps one [`BarStats`] per bar in a pre-allocated timeline.
//!
//! Bars come from the transport position, never from counting samples: hosts skip calls (Logic
//! stops calling plugins on silent tracks), loop and relocate, and the bar a block belongs to is
//! whatever the host says at that block. A jump closes the bar that was playing (with the share
//! of it actually heard as its coverage); a bar heard again replaces the earlier capture unless
//! the new one heard less than half of it while the old one heard more.
//!
//! A bar's part fill (and so its density) is judged when it closes against the fullest of the
//! bars up to it in the song (the per-band maximum of the band profiles of bars numbered up to
//! its own, `part_fill`); reports re-anchor every bar to the whole captured song.
//!
//! Repeatable: the same audio on the same transport gives the same bars, whatever played
//! before and whatever the block size. Bar lines are placed sample-accurately from the
//! transport position (not at block starts); every transport start, jump or loop restarts the
//! sample analysis (spectral frames on the song's own hop grid, onset detector and loudness
//! filters from rest); and a bar's fill is judged against earlier bars of the song, not
//! against whatever was heard earlier in time (a second export used to judge its first bars
//! against the first export's choruses).
//!
//! Without a playing transport it runs in free time: consecutive [`FREE_SLOT_SECONDS`] slots in
//! a ring of [`MAX_FREE_SLOTS`], reported as free time so the display can say so.

use super::bar::{BarAccumulator, BarStats};
use super::index::{DensityComponents, density_index};
use super::spectral::{FrameFeatures, SpectralAnalyzer};
use super::transport::Transport;
use crate::loudness::LoudnessMeter;

/// Bars the timeline holds (at 120 BPM in 4/4: 34 minutes).
pub const MAX_BARS: usize = 1024;
/// Free-time slot length, seconds.
pub const FREE_SLOT_SECONDS: f64 = 2.0;
/// Free-time slots kept (the newest win): 256 x 2 s = 8.5 minutes.
pub const MAX_FREE_SLOTS: usize = 256;
/// Largest chunk processed at once; longer host blocks are split (scratch is this size).
const CHUNK: usize = 1024;
/// Loudness is read this often (momentary updates every 100 ms per BS.1770).
const READING_SECONDS: f64 = 0.1;
/// Live (current) components are smoothed with this time constant.
const LIVE_SMOOTHING_S: f32 = 1.0;
/// Live peak-to-loudness uses the highest true peak of the last 3 s (30 readings).
const LIVE_PEAK_READINGS: usize = 30;
/// Most finished bars waiting for [`DensityTracker::drain_finished`].
const PENDING: usize = 16;

/// Where the meter is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Bar(i64),
    Free(u64),
}

/// What the meter shows right now.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiveReadout {
    pub momentary_lufs: f32,
    pub short_term_lufs: f32,
    pub integrated_lufs: f32,
    pub loudness_range_lu: f32,
    pub true_peak_dbtp: f32,
    /// Components over about the last second.
    pub components: DensityComponents,
    pub density: f32,
    /// True when there is no playing transport: slots are seconds, not bars.
    pub free_time: bool,
    /// Current bar number (bar mode) or free-time slot number.
    pub position: i64,
}

/// A bar that just closed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinishedBar {
    pub free_time: bool,
    pub stats: BarStats,
}

pub struct DensityTracker {
    sample_rate: f32,
    channels: usize,
    loudness: LoudnessMeter,
    spectral: SpectralAnalyzer,
    scratch: Vec<Vec<f32>>,
    mono: Vec<f32>,
    bars: Box<[Option<BarStats>]>,
    free: Box<[Option<BarStats>]>,
    current: Option<Slot>,
    current_bar_samples: f64,
    acc: BarAccumulator,
    expected_next_beats: Option<f64>,
    free_samples: u64,
    samples_to_reading: usize,
    reading_samples: usize,
    live: LiveReadout,
    live_alpha: f32,
    live_onsets: f32,
    /// Per-band maximum of the closed bars' band profiles: the fullest bars so far.
    song_profile_max: [f32; crate::density::bands::PROFILE_BANDS],
    /// Smoothed band profile of the last second, for the live fill.
    live_profile: [f32; crate::density::bands::PROFILE_BANDS],
    peak_readings: [f64; LIVE_PEAK_READINGS],
    peak_pos: usize,
    peak_since_reading: f64,
    pending: [Option<FinishedBar>; PENDING],
    pending_write: usize,
    pending_read: usize,
    dropped_bars: u64,
}

impl std::fmt::Debug for DensityTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DensityTracker")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("current", &self.current)
            .finish()
    }
}

impl DensityTracker {
    /// Allocates everything (call off the audio thread). `channels` 1..=8.
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        let channels = channels.clamp(1, crate::loudness::MAX_CHANNELS);
        let spectral = SpectralAnalyzer::new(sample_rate);
        let reading_samples = ((sample_rate as f64 * READING_SECONDS).round() as usize).max(1);
        let live_alpha = 1.0 - (-1.0 / (LIVE_SMOOTHING_S * spectral.frame_rate())).exp();
        Self {
            sample_rate,
            channels,
            loudness: LoudnessMeter::new(sample_rate, channels),
            spectral,
            scratch: vec![vec![0.0; CHUNK]; channels],
            mono: vec![0.0; CHUNK],
            bars: vec![None; MAX_BARS].into_boxed_slice(),
            free: vec![None; MAX_FREE_SLOTS].into_boxed_slice(),
            current: None,
            current_bar_samples: 1.0,
            acc: BarAccumulator::default(),
            expected_next_beats: None,
            free_samples: 0,
            samples_to_reading: reading_samples,
            reading_samples,
            live: LiveReadout {
                free_time: true,
                ..LiveReadout::default()
            },
            live_alpha,
            live_onsets: 0.0,
            song_profile_max: [crate::density::bands::NO_PROFILE_DB;
                crate::density::bands::PROFILE_BANDS],
            live_profile: [crate::density::bands::NO_PROFILE_DB;
                crate::density::bands::PROFILE_BANDS],
            peak_readings: [0.0; LIVE_PEAK_READINGS],
            peak_pos: 0,
            peak_since_reading: 0.0,
            pending: [None; PENDING],
            pending_write: 0,
            pending_read: 0,
            dropped_bars: 0,
        }
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    pub fn set_occupancy_range_db(&mut self, range_db: f32) {
        self.spectral.set_occupancy_range_db(range_db);
    }

    /// Forgets the measurement in progress (loudness, live values) but keeps the timeline.
    pub fn reset_meters(&mut self) {
        self.loudness.reset();
        self.spectral.reset();
        self.acc.reset();
        self.current = None;
        self.expected_next_beats = None;
        self.live = LiveReadout {
            free_time: self.live.free_time,
            ..LiveReadout::default()
        };
        self.live_onsets = 0.0;
        self.live_profile =
            [crate::density::bands::NO_PROFILE_DB; crate::density::bands::PROFILE_BANDS];
        self.peak_readings = [0.0; LIVE_PEAK_READINGS];
    }

    /// Forgets the meters and the whole timeline.
    pub fn clear(&mut self) {
        self.reset_meters();
        self.song_profile_max =
            [crate::density::bands::NO_PROFILE_DB; crate::density::bands::PROFILE_BANDS];
        self.bars.fill(None);
        self.free.fill(None);
        self.free_samples = 0;
    }

    /// The loudness meter measuring everything since the last `reset_meters`.
    pub fn loudness(&self) -> &crate::loudness::LoudnessMeter {
        &self.loudness
    }

    pub fn live(&self) -> &LiveReadout {
        &self.live
    }

    /// The bar timeline, indexed by bar number (`None`: never heard).
    pub fn bars(&self) -> &[Option<BarStats>] {
        &self.bars
    }

    /// Free-time slots, oldest first (allocates: for the editor / CLI, not the audio thread).
    pub fn free_slots(&self) -> Vec<BarStats> {
        let mut v: Vec<BarStats> = self.free.iter().flatten().copied().collect();
        v.sort_by_key(|b| b.index);
        v
    }

    /// Puts captured bars back (restored state). Bars outside the timeline are skipped. Does
    /// not allocate.
    pub fn restore_bars(&mut self, bars: &[BarStats]) {
        self.bars.fill(None);
        for b in bars {
            if (0..MAX_BARS as i32).contains(&b.index) {
                let b = b.sanitized();
                self.bars[b.index as usize] = Some(b);
                self.remember_profile(&b);
            }
        }
    }

    /// Adds a bar to the fullest-bars-so-far profile.
    fn remember_profile(&mut self, bar: &BarStats) {
        if bar.has_profile() && bar.is_sounding() {
            for (m, &db) in self.song_profile_max.iter_mut().zip(&bar.band_db) {
                *m = m.max(db);
            }
        }
    }

    /// Bars closed since the last call, oldest first. Bars beyond [`PENDING`] unread ones are
    /// counted in [`dropped_bars`](Self::dropped_bars) (they are still in the timeline).
    pub fn drain_finished(&mut self, mut f: impl FnMut(&FinishedBar)) {
        while self.pending_read != self.pending_write {
            if let Some(bar) = self.pending[self.pending_read % PENDING].take() {
                f(&bar);
            }
            self.pending_read += 1;
        }
    }

    pub fn dropped_bars(&self) -> u64 {
        self.dropped_bars
    }

    /// Closes the bar in progress (end of a file in the CLI, or before saving state).
    pub fn flush(&mut self) {
        self.close_current();
        self.current = None;
    }

    /// Measures one block of planar audio (`planar[ch][frame]`, every channel the same length;
    /// missing channels read as silence, extra ones are ignored). Non-finite samples count as
    /// silence. Does not allocate.
    pub fn process(&mut self, planar: &[&[f32]], transport: &Transport) {
        let frames = planar.iter().map(|c| c.len()).min().unwrap_or(0);
        if frames == 0 {
            return;
        }
        let grid = transport.grid();
        self.live.free_time = grid.is_none();
        match grid {
            Some(g) => {
                // Continuous playback: this block starts where the last one ended. Anything
                // else (the transport starting, a jump, a loop, a gap in calls, free time
                // before) restarts the analysis, so what a bar measures depends only on the
                // audio from the restart on, never on what played before it.
                let continuous = self
                    .expected_next_beats
                    .is_some_and(|e| (e - g.pos_beats).abs() <= 1e-3 * g.quarters_per_bar);
                let spq = g.samples_per_quarter(self.sample_rate);
                if !continuous {
                    self.flush();
                    self.restart_analysis(g.pos_beats * spq);
                }
                self.current_bar_samples = g.samples_per_bar(self.sample_rate);
                let mut offset = 0;
                while offset < frames {
                    let beats = g.pos_beats + offset as f64 / spq;
                    let bar = g.bar_at(beats);
                    let to_boundary = g.samples_to_bar_end(beats, self.sample_rate);
                    self.enter(Slot::Bar(bar));
                    let len = to_boundary.clamp(1, frames - offset);
                    self.feed(planar, offset, len);
                    offset += len;
                }
                self.expected_next_beats = Some(g.pos_beats + frames as f64 / spq);
            }
            None => {
                if matches!(self.current, Some(Slot::Bar(_))) {
                    self.flush();
                    self.spectral.forget_onset_context();
                }
                self.expected_next_beats = None;
                let slot_len = (FREE_SLOT_SECONDS * self.sample_rate as f64).round() as u64;
                self.current_bar_samples = slot_len as f64;
                let mut offset = 0;
                while offset < frames {
                    let slot = self.free_samples / slot_len;
                    let to_boundary = (slot_len - self.free_samples % slot_len) as usize;
                    self.enter(Slot::Free(slot));
                    let len = to_boundary.clamp(1, frames - offset);
                    self.feed(planar, offset, len);
                    offset += len;
                    self.free_samples += len as u64;
                }
            }
        }
    }

    /// Restarts the sample analysis at song position `song_samples` (samples from the song
    /// start): the spectral frames restart on the song's hop grid and the loudness filters
    /// start from rest (see [`SpectralAnalyzer::restart`], `LoudnessMeter::reset_filters`).
    fn restart_analysis(&mut self, song_samples: f64) {
        let hop = self.spectral.hop() as i64;
        let into_hop = (song_samples.round() as i64).rem_euclid(hop) as usize;
        self.spectral.restart(into_hop);
        self.loudness.reset_filters();
    }

    fn enter(&mut self, slot: Slot) {
        if self.current != Some(slot) {
            self.close_current();
            self.current = Some(slot);
            self.live.position = match slot {
                Slot::Bar(b) => b,
                Slot::Free(s) => s as i64,
            };
        }
    }

    fn close_current(&mut self) {
        let Some(slot) = self.current else {
            return;
        };
        if self.acc.is_empty() {
            return;
        }
        let (index, free_time) = match slot {
            Slot::Bar(b) => (b.clamp(i32::MIN as i64, i32::MAX as i64) as i32, false),
            Slot::Free(s) => ((s % i32::MAX as u64) as i32, true),
        };
        let mut stats = self
            .acc
            .finish(index, self.sample_rate, self.current_bar_samples);
        self.acc.reset();
        self.remember_profile(&stats);
        // A bar is judged against the fullest of the bars up to it in the song (bar numbers
        // up to its own), not against everything heard so far: a second playback of the song
        // then judges every bar against the same bars as the first did. Free-time slots have
        // no song order: the fullest so far.
        let reference = match slot {
            Slot::Bar(b) if (0..MAX_BARS as i64).contains(&b) => {
                crate::density::part_fill::song_reference(
                    self.bars[..b as usize]
                        .iter()
                        .flatten()
                        .filter(|x| x.is_sounding())
                        .map(|x| &x.band_db)
                        .chain(std::iter::once(&stats.band_db).filter(|_| stats.is_sounding())),
                )
            }
            _ => crate::density::part_fill::song_reference([&self.song_profile_max]),
        };
        if stats.has_profile()
            && let Some(reference) = reference
        {
            stats.fill = crate::density::part_fill::fill(&stats.band_db, &reference);
            stats.density = density_index(&stats.components());
        }
        match slot {
            Slot::Bar(b) => {
                if !(0..MAX_BARS as i64).contains(&b) {
                    return;
                }
                let keep_old = self.bars[b as usize]
                    .is_some_and(|old| stats.coverage < 0.5 && old.coverage > stats.coverage);
                if !keep_old {
                    self.bars[b as usize] = Some(stats);
                }
            }
            Slot::Free(s) => self.free[(s % MAX_FREE_SLOTS as u64) as usize] = Some(stats),
        }
        if self.pending_write - self.pending_read >= PENDING {
            self.pending_read += 1;
            self.dropped_bars += 1;
        }
        self.pending[self.pending_write % PENDING] = Some(FinishedBar { free_time, stats });
        self.pending_write += 1;
    }

    /// Measures `len` frames from `offset`, all inside the current slot.
    fn feed(&mut self, planar: &[&[f32]], offset: usize, len: usize) {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(CHUNK).min(self.samples_to_reading);
            let start = offset + done;
            self.mono[..n].fill(0.0);
            let gain = 1.0 / self.channels as f32;
            for (ch, buf) in self.scratch.iter_mut().enumerate() {
                match planar.get(ch) {
                    Some(src) => {
                        for ((o, &x), m) in buf[..n]
                            .iter_mut()
                            .zip(&src[start..start + n])
                            .zip(self.mono[..n].iter_mut())
                        {
                            // Sanitize: garbage counts as silence, and the meter never
                            // sees more than +/-64 (+36 dBFS).
                            let x = if x.is_finite() {
                                x.clamp(-64.0, 64.0)
                            } else {
                                0.0
                            };
                            *o = x;
                            *m += x * gain;
                        }
                    }
                    None => buf[..n].fill(0.0),
                }
            }
            let mut planar_chunk: [&[f32]; crate::loudness::MAX_CHANNELS] =
                [&[]; crate::loudness::MAX_CHANNELS];
            for (p, buf) in planar_chunk.iter_mut().zip(&self.scratch) {
                *p = &buf[..n];
            }
            // The meter returns the K-weighted energy: the bar's exact BS.1770 loudness.
            let k_energy = self.loudness.process(&planar_chunk[..self.channels]);
            self.acc.add_k_energy(k_energy);
            let tp = self.loudness.block_true_peak();
            self.acc.add_samples(n, tp);
            self.peak_since_reading = self.peak_since_reading.max(tp);

            let acc = &mut self.acc;
            let live = &mut self.live;
            let live_onsets = &mut self.live_onsets;
            let live_profile = &mut self.live_profile;
            let alpha = self.live_alpha;
            self.spectral.push(&self.mono[..n], |f: &FrameFeatures| {
                acc.add_frame(f);
                let c = &mut live.components;
                let (occ, flat, low) = if f.silent {
                    (0.0, 0.0, 0.0)
                } else {
                    (f.occupancy, f.flatness, f.low_share)
                };
                c.occupancy += alpha * (occ - c.occupancy);
                c.flatness += alpha * (flat - c.flatness);
                c.low_share += alpha * (low - c.low_share);
                *live_onsets += alpha * (f.onset as u8 as f32 - *live_onsets);
                if f.profile_db[0] > crate::density::bands::NO_PROFILE_DB {
                    for (l, &db) in live_profile.iter_mut().zip(&f.profile_db) {
                        *l = if *l > crate::density::bands::NO_PROFILE_DB {
                            *l + alpha * (db - *l)
                        } else {
                            db
                        };
                    }
                }
            });

            self.samples_to_reading -= n;
            if self.samples_to_reading == 0 {
                self.samples_to_reading = self.reading_samples;
                self.take_reading();
            }
            done += n;
        }
    }

    /// Every 100 ms: loudness readouts and live components.
    fn take_reading(&mut self) {
        let m = self.loudness.momentary_lufs();
        self.peak_readings[self.peak_pos] = self.peak_since_reading;
        self.peak_pos = (self.peak_pos + 1) % LIVE_PEAK_READINGS;
        self.peak_since_reading = 0.0;
        let live = &mut self.live;
        live.momentary_lufs = m as f32;
        live.short_term_lufs = self.loudness.short_term_lufs() as f32;
        live.integrated_lufs = self.loudness.integrated_lufs() as f32;
        live.loudness_range_lu = self.loudness.loudness_range_lu() as f32;
        live.true_peak_dbtp = self.loudness.true_peak_dbtp() as f32;
        let peak = self.peak_readings.iter().fold(0.0f64, |a, &b| a.max(b));
        let peak_db = crate::loudness::gain_to_db_floor(peak) as f32;
        let c = &mut live.components;
        c.loudness_lufs = live.short_term_lufs;
        c.plr_db = (peak_db - live.short_term_lufs).max(0.0);
        c.onset_rate_hz = self.live_onsets * self.spectral.frame_rate();
        // Against the fullest bars so far, or the live profile itself when it is fuller.
        let mut fullest = self.song_profile_max;
        for (f, &l) in fullest.iter_mut().zip(&self.live_profile) {
            *f = f.max(l);
        }
        c.fill = crate::density::part_fill::song_reference([&fullest]).map_or(0.0, |r| {
            crate::density::part_fill::fill(&self.live_profile, &r)
        });
        live.density = density_index(c);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod gm_song_tests;

#[cfg(test)]
mod repeatability_tests;

#[cfg(test)]
mod section_eval_tests;
