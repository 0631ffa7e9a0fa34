//! The arrangement across tracks, as arithmetic: a tracks x bars grid of who plays where, with
//! low-band clashes flagged, built from each track's closed bars. A track on a bus or the master
//! hears every element at once: it is marked as a bus ([`TrackRow::bus`]), shown in the grid, and
//! left out of clashes and of the "everything plays" share, which are about the elements.
//!
//! Two callers build the same grid with [`ArrangementGrid::from_rows`]: the Density Meter, whose
//! instances on several tracks of one DAW process share their bars through a lock-free registry
//! (plugin glue: `density_meter::registry`), and `catalyst analyze --stems`, which runs one
//! [`super::DensityTracker`] per stem file ([`TrackRow::from_timeline`]).

use super::bands::LOW_BANDS;
use super::bar::BarStats;
use serde::{Deserialize, Serialize};

/// A track "plays" in a bar whose loudness is at least this (LUFS) ...
pub const PLAYING_LUFS: f32 = -55.0;
/// ... unless the bar only holds the tail of the bar before: at least this much quieter than it
/// (dB) with nothing playing in the bar after. A part that stops on a bar line leaves its
/// release (or, for a hard stop, the K-weighting filter's ringing: a 55 Hz bass cut dead at
/// -15 LUFS still reads -44 LUFS in the next bar) at the start of the next bar, and the grid
/// used to show the part playing one bar longer than it did. A quieter part that goes on (a
/// breakdown) keeps playing in the bar after, so it is not a tail.
pub const SPILL_DROP_DB: f32 = 15.0;
/// A track "loads" a low band in a bar when that band holds at least this share of the track's
/// power in the bar. Two tracks loading the same band in the same bar clash.
pub const CLASH_MIN_SHARE: f32 = 0.25;

/// One track in one bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub loudness_lufs: f32,
    pub density: f32,
    pub low_band_share: [f32; LOW_BANDS],
    /// Only the tail of the previous bar sounds here (see [`SPILL_DROP_DB`]): not playing.
    #[serde(default)]
    pub spill: bool,
}

impl Cell {
    /// The grid's view of one closed bar of a track.
    pub fn of_bar(bar: &BarStats) -> Self {
        Self {
            loudness_lufs: bar.loudness_lufs,
            density: bar.density,
            low_band_share: bar.low_band_share,
            spill: false,
        }
    }

    pub fn playing(&self) -> bool {
        self.loudness_lufs >= PLAYING_LUFS && !self.spill
    }

    pub fn loads(&self, band: usize) -> bool {
        self.playing() && self.low_band_share[band] >= CLASH_MIN_SHARE
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackRow {
    pub id: u64,
    pub name: String,
    /// A bus or the master: shown, but neither clashes nor counts as an element.
    #[serde(default)]
    pub bus: bool,
    /// Indexed by bar number; `None` = not heard.
    pub cells: Vec<Option<Cell>>,
}

impl TrackRow {
    /// A track's row from its timeline indexed by bar number ([`super::DensityTracker::bars`]);
    /// bars the track never heard are `None`.
    pub fn from_timeline(id: u64, name: &str, bus: bool, timeline: &[Option<BarStats>]) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bus,
            cells: timeline
                .iter()
                .map(|b| b.as_ref().map(Cell::of_bar))
                .collect(),
        }
    }
}

/// Two tracks loading the same low band in the same bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clash {
    pub bar: i32,
    /// Index into [`super::bands::LOW_BAND_NAMES`].
    pub band: usize,
    pub track_a: u64,
    pub track_b: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArrangementGrid {
    pub tracks: Vec<TrackRow>,
    /// Bars in every row (up to the last bar any track heard).
    pub bars: usize,
    pub clashes: Vec<Clash>,
}

impl ArrangementGrid {
    /// The grid of `tracks` (cells indexed by bar number, as heard: spills not yet marked): every
    /// row is cut or padded with unheard bars to the last bar any track heard, each row's
    /// release tails are marked ([`mark_spills`]) and the clashes found ([`find_clashes`]).
    pub fn from_rows(mut tracks: Vec<TrackRow>) -> Self {
        let bars = tracks
            .iter()
            .filter_map(|t| t.cells.iter().rposition(|c| c.is_some()))
            .max()
            .map_or(0, |i| i + 1);
        for t in &mut tracks {
            t.cells.resize(bars, None);
            mark_spills(&mut t.cells);
        }
        let clashes = find_clashes(&tracks, bars);
        Self {
            tracks,
            bars,
            clashes,
        }
    }

    /// The clashes grouped by pair of tracks and low band, each with its bars in order (the
    /// editor's and `catalyst analyze --stems`' clash lines).
    pub fn clash_groups(&self) -> Vec<((u64, u64, usize), Vec<i32>)> {
        let mut groups: std::collections::BTreeMap<(u64, u64, usize), Vec<i32>> =
            std::collections::BTreeMap::new();
        for c in &self.clashes {
            groups
                .entry((c.track_a, c.track_b, c.band))
                .or_default()
                .push(c.bar);
        }
        groups.into_iter().collect()
    }

    /// The name of track `id`, if it is in the grid.
    pub fn track_name(&self, id: u64) -> Option<&str> {
        self.tracks
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.as_str())
    }

    /// The tracks that are elements of the arrangement (not buses).
    pub fn elements(&self) -> impl Iterator<Item = &TrackRow> {
        self.tracks.iter().filter(|t| !t.bus)
    }

    /// Share of heard bars in which every joined element track plays: near 1 is the
    /// "everything plays all the time" picture. Buses are left out (they always play).
    pub fn all_playing_share(&self) -> f32 {
        if self.elements().count() < 2 {
            return 0.0;
        }
        let mut heard = 0;
        let mut all = 0;
        for i in 0..self.bars {
            let cells: Vec<_> = self.elements().map(|t| t.cells[i]).collect();
            if cells.iter().any(|c| c.is_some()) {
                heard += 1;
                if cells.iter().all(|c| c.is_some_and(|c| c.playing())) {
                    all += 1;
                }
            }
        }
        all as f32 / heard.max(1) as f32
    }
}

/// Marks the cells of a row that only hold the previous bar's tail (see [`SPILL_DROP_DB`]).
pub fn mark_spills(cells: &mut [Option<Cell>]) {
    let loud = |c: Option<&Option<Cell>>| c.and_then(|c| c.map(|c| c.loudness_lufs));
    for i in 1..cells.len() {
        let (Some(previous), Some(here)) = (loud(cells.get(i - 1)), loud(cells.get(i))) else {
            continue;
        };
        let previous_plays = previous >= PLAYING_LUFS && cells[i - 1].is_some_and(|c| !c.spill);
        let next_plays = loud(cells.get(i + 1)).is_some_and(|l| l >= PLAYING_LUFS);
        let tail = previous_plays && here >= PLAYING_LUFS && here <= previous - SPILL_DROP_DB;
        if let (true, false, Some(c)) = (tail, next_plays, cells[i].as_mut()) {
            c.spill = true;
        }
    }
}

/// Every pair of element tracks (not buses) loading the same low band in the same bar, in bar,
/// band, then row order.
///
/// Linear in tracks per bar and band (plus the clashes it returns): the tracks loading the band
/// are listed first and only they are paired, so a session of 64 tracks costs the registry's
/// 60 Hz snapshot 64 times one track's, not the 2016 pairs' (issue 15, item 7).
///
/// # Panics
/// If a row holds fewer than `bars` cells ([`ArrangementGrid::from_rows`] makes them even).
pub fn find_clashes(tracks: &[TrackRow], bars: usize) -> Vec<Clash> {
    let elements: Vec<&TrackRow> = tracks.iter().filter(|t| !t.bus).collect();
    let mut out = Vec::new();
    if elements.len() < 2 {
        return out;
    }
    // Per bar: each track's loaded bands as bits (one pass over the cells), then pairs only in
    // bands that two or more tracks load.
    let mut loads: Vec<u8> = vec![0; elements.len()];
    let mut loaders: Vec<u64> = Vec::with_capacity(elements.len());
    for bar in 0..bars {
        let mut seen = 0u8;
        let mut twice = 0u8;
        for (bits, t) in loads.iter_mut().zip(&elements) {
            *bits = t.cells[bar].map_or(0, |c| {
                (0..LOW_BANDS)
                    .filter(|&band| c.loads(band))
                    .fold(0, |bits, band| bits | 1 << band)
            });
            twice |= seen & *bits;
            seen |= *bits;
        }
        for band in (0..LOW_BANDS).filter(|band| twice >> band & 1 == 1) {
            loaders.clear();
            loaders.extend(
                loads
                    .iter()
                    .zip(&elements)
                    .filter(|(bits, _)| *bits >> band & 1 == 1)
                    .map(|(_, t)| t.id),
            );
            for (a, &track_a) in loaders.iter().enumerate() {
                for &track_b in &loaders[a + 1..] {
                    out.push(Clash {
                        bar: bar as i32,
                        band,
                        track_a,
                        track_b,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::{DensityTracker, Transport};

    const SR: f32 = 48_000.0;

    /// The timeline of `bars` bars at 120 BPM from bar 0, played through a fresh engine.
    fn timeline(bars: usize, mut signal: impl FnMut(f64) -> f32) -> Vec<Option<BarStats>> {
        let mut tracker = DensityTracker::new(SR, 1);
        let total = (bars as f64 * 2.0 * SR as f64) as usize;
        let mut buf = vec![0.0f32; 512];
        for start in (0..total).step_by(512) {
            let n = 512.min(total - start);
            for (i, x) in buf[..n].iter_mut().enumerate() {
                *x = signal((start + i) as f64 / SR as f64);
            }
            let t = Transport::playing(120.0, (4, 4), start as f64 / SR as f64 * 2.0);
            tracker.process(&[&buf[..n]], &t);
        }
        tracker.flush();
        tracker.bars().to_vec()
    }

    fn cell(loudness_lufs: f32, low_band_share: [f32; LOW_BANDS]) -> Option<Cell> {
        Some(Cell {
            loudness_lufs,
            density: 50.0,
            low_band_share,
            spill: false,
        })
    }

    fn row(id: u64, bus: bool, cells: Vec<Option<Cell>>) -> TrackRow {
        TrackRow {
            id,
            name: format!("Track {id}"),
            bus,
            cells,
        }
    }

    /// Clashes follow the definitions: both tracks play (>= -55 LUFS) and each puts >= 25 % of
    /// its power in the same low band; buses never clash; rows of any length are evened out.
    #[test]
    fn rows_are_evened_and_only_loaded_playing_elements_clash() {
        let sub = [0.6, 0.1, 0.1];
        let weak_sub = [0.2, 0.1, 0.1];
        let mid = [0.0, 0.05, 0.1];
        // Kick: sub-heavy in bars 0-3, a row as long as the registry's (unheard after bar 3).
        let mut kick: Vec<Option<Cell>> = (0..4).map(|_| cell(-14.0, sub)).collect();
        kick.resize(crate::density::MAX_BARS, None);
        // Bass: bars 1-5; bar 1 too quiet to play (-60 LUFS), bar 3 below the 25 % share.
        let bass = vec![
            None,
            cell(-60.0, sub),
            cell(-16.0, sub),
            cell(-16.0, weak_sub),
            cell(-16.0, sub),
            cell(-16.0, sub),
        ];
        // Pad: never in the low bands. Mix bus: everything, but a bus.
        let pad = vec![cell(-20.0, mid), cell(-20.0, mid)];
        let bus = (0..6).map(|_| cell(-10.0, sub)).collect();
        let grid = ArrangementGrid::from_rows(vec![
            row(1, false, kick),
            row(2, false, bass),
            row(3, false, pad),
            row(4, true, bus),
        ]);
        assert_eq!(grid.bars, 6);
        assert!(grid.tracks.iter().all(|t| t.cells.len() == 6));
        assert_eq!(
            grid.clashes,
            vec![Clash {
                bar: 2,
                band: 0,
                track_a: 1,
                track_b: 2
            }]
        );
        // Kick 0-3, bass 2-5, pad 0-1: the three elements never play together.
        assert_eq!(grid.all_playing_share(), 0.0);
        assert_eq!(
            ArrangementGrid::from_rows(Vec::new()),
            ArrangementGrid::default()
        );
    }

    /// A bass cut dead on a bar line leaves the K-weighting filter's ringing (and a real part
    /// its release) at the start of the next bar: that bar is not shown as playing. A part that
    /// drops 20 dB and goes on (a breakdown) still plays.
    #[test]
    fn a_part_stopping_on_a_bar_line_does_not_play_in_the_next_bar() {
        use std::f64::consts::TAU;
        // Bars 0-3: a 55 Hz bass at -15 LUFS, stopping dead on the line into bar 4.
        let bass = timeline(8, |t| {
            if t < 8.0 {
                (0.25 * (TAU * 55.0 * t).sin() + 0.08 * (TAU * 110.0 * t).sin()) as f32
            } else {
                0.0
            }
        });
        // Bars 0-3 loud, bars 4-7 the same part 20 dB down.
        let quiet = timeline(8, |t| {
            let a = if t < 8.0 { 0.3 } else { 0.03 };
            (a * (TAU * 220.0 * t).sin()) as f32
        });
        let grid = ArrangementGrid::from_rows(vec![
            TrackRow::from_timeline(1, "Bass", false, &bass),
            TrackRow::from_timeline(2, "Breakdown", false, &quiet),
        ]);
        let plays = |row: usize| -> Vec<bool> {
            grid.tracks[row]
                .cells
                .iter()
                .map(|c| c.is_some_and(|c| c.playing()))
                .collect()
        };
        let tail = grid.tracks[0].cells[4].unwrap();
        assert!(tail.loudness_lufs > PLAYING_LUFS && tail.spill, "{tail:?}");
        assert_eq!(
            plays(0),
            [true, true, true, true, false, false, false, false]
        );
        assert_eq!(plays(1), [true; 8]);
    }

    /// The clash search pairs only the tracks that load a band; its result must be exactly the
    /// definition applied to every pair (both play, both hold >= 25 % in the band, neither a
    /// bus), in bar, band, then row order, on a random 12-track grid with buses, unheard and
    /// silent bars.
    #[test]
    fn clashes_are_every_pair_that_loads_the_same_band() {
        let mut rng = crate::rng::Rng::new(15);
        let bars = 40;
        let tracks: Vec<TrackRow> = (0..12)
            .map(|k| {
                let cells = (0..bars)
                    .map(|_| match rng.next_u32() % 4 {
                        0 => None,
                        1 => cell(-70.0, [0.6, 0.3, 0.3]),
                        _ => cell(
                            -20.0,
                            [
                                rng.next_f32() * 0.5,
                                rng.next_f32() * 0.5,
                                rng.next_f32() * 0.5,
                            ],
                        ),
                    })
                    .collect();
                row(100 + k, k % 5 == 4, cells)
            })
            .collect();
        let mut expected = Vec::new();
        for bar in 0..bars {
            for band in 0..LOW_BANDS {
                for (a, ta) in tracks.iter().enumerate() {
                    for tb in &tracks[a + 1..] {
                        let loads = |t: &TrackRow| {
                            !t.bus
                                && t.cells[bar].is_some_and(|c| {
                                    c.loudness_lufs >= PLAYING_LUFS
                                        && c.low_band_share[band] >= CLASH_MIN_SHARE
                                })
                        };
                        if loads(ta) && loads(tb) {
                            expected.push(Clash {
                                bar: bar as i32,
                                band,
                                track_a: ta.id,
                                track_b: tb.id,
                            });
                        }
                    }
                }
            }
        }
        assert!(
            expected.len() > 50,
            "the grid should clash often: {}",
            expected.len()
        );
        assert_eq!(find_clashes(&tracks, bars), expected);
    }
}
