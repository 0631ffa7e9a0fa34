//! The arrangement across tracks: Density Meters on several tracks of one DAW process join an
//! in-process [`Registry`] (no network), and any of them can draw the tracks x bars grid of who
//! plays where, with low-band clashes flagged. A meter on a bus or the master hears every
//! element at once: it is marked as a bus ([`TrackSlot::set_bus`]), shown in the grid, and left
//! out of clashes and of the "everything plays" share, which are about the elements.
//!
//! Real-time split: each instance registers a [`TrackSlot`] off the audio thread (the registry
//! is a `Mutex`), then its audio thread only stores atomics into its own slot when a bar closes
//! ([`TrackSlot::publish`]: lock-free, allocation-free). Readers (an editor) take
//! [`Registry::snapshot`] off the audio thread. Instances in different processes (a sandboxed
//! host) simply never see each other and work alone.

use super::bands::LOW_BANDS;
use super::bar::BarStats;
use super::tracker::MAX_BARS;
use atomic_float::AtomicF32;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

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

/// One instance's per-bar values, written by its audio thread.
pub struct TrackSlot {
    id: u64,
    name: Mutex<String>,
    /// A bus or master: it contains the elements rather than being one.
    bus: AtomicBool,
    /// NaN = bar not heard.
    loudness: Box<[AtomicF32]>,
    density: Box<[AtomicF32]>,
    low_band_share: Box<[[AtomicF32; LOW_BANDS]]>,
    /// Bumped on every publish so readers can skip unchanged slots.
    version: AtomicU64,
}

impl std::fmt::Debug for TrackSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackSlot").field("id", &self.id).finish()
    }
}

impl TrackSlot {
    fn new(id: u64, name: String) -> Self {
        Self {
            id,
            name: Mutex::new(name),
            bus: AtomicBool::new(false),
            loudness: (0..MAX_BARS).map(|_| AtomicF32::new(f32::NAN)).collect(),
            density: (0..MAX_BARS).map(|_| AtomicF32::new(0.0)).collect(),
            low_band_share: (0..MAX_BARS)
                .map(|_| std::array::from_fn(|_| AtomicF32::new(0.0)))
                .collect(),
            version: AtomicU64::new(0),
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    /// Off the audio thread.
    pub fn set_name(&self, name: &str) {
        if let Ok(mut n) = self.name.lock() {
            name.clone_into(&mut n);
        }
    }

    pub fn name(&self) -> String {
        self.name.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// Marks this instance as sitting on a bus or the master (any thread).
    pub fn set_bus(&self, bus: bool) {
        self.bus.store(bus, Ordering::Relaxed);
        self.version.fetch_add(1, Ordering::Release);
    }

    pub fn is_bus(&self) -> bool {
        self.bus.load(Ordering::Relaxed)
    }

    /// Stores a closed bar. Lock-free and allocation-free: call from the audio thread. Bars
    /// outside the timeline are ignored.
    pub fn publish(&self, bar: &BarStats) {
        if !(0..MAX_BARS as i32).contains(&bar.index) {
            return;
        }
        let i = bar.index as usize;
        self.density[i].store(bar.density, Ordering::Relaxed);
        for (slot, &v) in self.low_band_share[i].iter().zip(&bar.low_band_share) {
            slot.store(v, Ordering::Relaxed);
        }
        // Loudness last: it marks the bar as heard.
        self.loudness[i].store(bar.loudness_lufs, Ordering::Release);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Forgets every bar (allocation-free).
    pub fn clear(&self) {
        for l in self.loudness.iter() {
            l.store(f32::NAN, Ordering::Relaxed);
        }
        self.version.fetch_add(1, Ordering::Release);
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    fn cell(&self, i: usize) -> Option<Cell> {
        let loudness_lufs = self.loudness[i].load(Ordering::Acquire);
        if loudness_lufs.is_nan() {
            return None;
        }
        Some(Cell {
            loudness_lufs,
            density: self.density[i].load(Ordering::Relaxed),
            low_band_share: std::array::from_fn(|b| {
                self.low_band_share[i][b].load(Ordering::Relaxed)
            }),
            spill: false,
        })
    }
}

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

/// Every pair of element tracks (not buses) loading the same low band in the same bar.
pub fn find_clashes(tracks: &[TrackRow], bars: usize) -> Vec<Clash> {
    let elements: Vec<&TrackRow> = tracks.iter().filter(|t| !t.bus).collect();
    let mut out = Vec::new();
    for bar in 0..bars {
        for band in 0..LOW_BANDS {
            for (a, ta) in elements.iter().enumerate() {
                for tb in &elements[a + 1..] {
                    let (Some(ca), Some(cb)) = (ta.cells[bar], tb.cells[bar]) else {
                        continue;
                    };
                    if ca.loads(band) && cb.loads(band) {
                        out.push(Clash {
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
    out
}

/// The instances of one process.
#[derive(Default)]
pub struct Registry {
    slots: Mutex<Vec<Weak<TrackSlot>>>,
    next_id: AtomicU64,
}

static GLOBAL: Registry = Registry {
    slots: Mutex::new(Vec::new()),
    next_id: AtomicU64::new(1),
};

impl Registry {
    /// The process-wide registry every plugin instance joins.
    pub fn global() -> &'static Registry {
        &GLOBAL
    }

    /// Joins the session (off the audio thread: allocates and locks). The slot leaves when its
    /// last `Arc` is dropped.
    pub fn register(&self, name: &str) -> Arc<TrackSlot> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let slot = Arc::new(TrackSlot::new(id, name.to_string()));
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|w| w.strong_count() > 0);
            slots.push(Arc::downgrade(&slot));
        }
        slot
    }

    /// Live slots in joining order.
    pub fn members(&self) -> Vec<Arc<TrackSlot>> {
        match self.slots.lock() {
            Ok(mut slots) => {
                slots.retain(|w| w.strong_count() > 0);
                slots.iter().filter_map(Weak::upgrade).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    /// The tracks x bars grid and its clashes (off the audio thread).
    pub fn snapshot(&self) -> ArrangementGrid {
        let members = self.members();
        let mut tracks: Vec<TrackRow> = members
            .iter()
            .map(|m| TrackRow {
                id: m.id,
                name: m.name(),
                bus: m.is_bus(),
                cells: (0..MAX_BARS).map(|i| m.cell(i)).collect(),
            })
            .collect();
        let bars = tracks
            .iter()
            .filter_map(|t| t.cells.iter().rposition(|c| c.is_some()))
            .max()
            .map_or(0, |i| i + 1);
        for t in &mut tracks {
            t.cells.truncate(bars);
            mark_spills(&mut t.cells);
        }
        let clashes = find_clashes(&tracks, bars);
        ArrangementGrid {
            tracks,
            bars,
            clashes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::{DensityTracker, Transport};
    use crate::rng::Rng;

    const SR: f32 = 48_000.0;

    /// Plays `bars` bars at 120 BPM from bar 0 through `tracker`, publishing to `slot`.
    fn run(
        tracker: &mut DensityTracker,
        slot: &TrackSlot,
        bars: usize,
        mut signal: impl FnMut(f64) -> f32,
    ) {
        let total = (bars as f64 * 2.0 * SR as f64) as usize;
        let mut buf = vec![0.0f32; 512];
        for start in (0..total).step_by(512) {
            let n = 512.min(total - start);
            for (i, x) in buf[..n].iter_mut().enumerate() {
                *x = signal((start + i) as f64 / SR as f64);
            }
            let t = Transport::playing(120.0, (4, 4), start as f64 / SR as f64 * 2.0);
            tracker.process(&[&buf[..n]], &t);
            tracker.drain_finished(|b| slot.publish(&b.stats));
        }
        tracker.flush();
        tracker.drain_finished(|b| slot.publish(&b.stats));
    }

    #[test]
    fn two_engines_share_a_grid_and_flag_the_low_clash() {
        use std::f64::consts::TAU;
        let registry = Registry::default();
        let kick_slot = registry.register("Kick");
        let bass_slot = registry.register("Bass");
        let hats_slot = registry.register("Hats");
        let mut kick = DensityTracker::new(SR, 1);
        let mut bass = DensityTracker::new(SR, 1);
        let mut hats = DensityTracker::new(SR, 1);
        // Kick: 50 Hz thumps on every beat, all 8 bars.
        run(&mut kick, &kick_slot, 8, |t| {
            let since = (t * 2.0).fract() / 2.0;
            (0.8 * (-since / 0.12).exp() * (TAU * 50.0 * since).sin()) as f32
        });
        // Bass: a 45 Hz line from bar 4 on (the same sub band as the kick).
        run(&mut bass, &bass_slot, 8, |t| {
            if t >= 8.0 {
                (0.4 * (TAU * 45.0 * t).sin()) as f32
            } else {
                0.0
            }
        });
        let mut rng = Rng::new(1);
        run(&mut hats, &hats_slot, 8, |t| {
            let since = (t * 4.0).fract() / 4.0;
            0.3 * (-since / 0.02).exp() as f32 * rng.bipolar()
        });

        let grid = registry.snapshot();
        assert_eq!(grid.tracks.len(), 3);
        assert_eq!(grid.bars, 8);
        let names: Vec<&str> = grid.tracks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["Kick", "Bass", "Hats"]);
        let bass_plays: Vec<bool> = grid.tracks[1]
            .cells
            .iter()
            .map(|c| c.is_some_and(|c| c.playing()))
            .collect();
        assert_eq!(
            bass_plays,
            vec![false, false, false, false, true, true, true, true]
        );
        // Clashes: kick and bass in the sub band, bars 4-7 only; the hats never clash.
        let clash_bars: Vec<i32> = grid.clashes.iter().map(|c| c.bar).collect();
        assert_eq!(clash_bars, vec![4, 5, 6, 7], "{:?}", grid.clashes);
        assert!(
            grid.clashes
                .iter()
                .all(|c| c.band == 0 && c.track_a == kick_slot.id() && c.track_b == bass_slot.id())
        );
        assert!((grid.all_playing_share() - 0.5).abs() < 1e-6);

        // A meter on the mix bus hears kick and bass together: it is shown but neither clashes
        // nor counts as an element that plays.
        let mix_slot = registry.register("Mix");
        mix_slot.set_bus(true);
        let mut mix = DensityTracker::new(SR, 1);
        run(&mut mix, &mix_slot, 8, |t| {
            let since = (t * 2.0).fract() / 2.0;
            let kick = 0.8 * (-since / 0.12).exp() * (TAU * 50.0 * since).sin();
            let bass = if t >= 8.0 {
                0.4 * (TAU * 45.0 * t).sin()
            } else {
                0.0
            };
            (kick + bass) as f32
        });
        let with_bus = registry.snapshot();
        assert_eq!(with_bus.tracks.len(), 4);
        assert!(with_bus.tracks[3].bus && with_bus.elements().count() == 3);
        assert!(
            with_bus.tracks[3]
                .cells
                .iter()
                .all(|c| c.is_some_and(|c| c.playing()))
        );
        assert_eq!(with_bus.clashes, grid.clashes);
        assert!((with_bus.all_playing_share() - 0.5).abs() < 1e-6);
        drop(mix_slot);

        // An instance that leaves disappears from the grid.
        drop(hats_slot);
        assert_eq!(registry.snapshot().tracks.len(), 2);
    }

    /// A bass cut dead on a bar line leaves the K-weighting filter's ringing (and a real part
    /// its release) at the start of the next bar: that bar is not shown as playing. A part that
    /// drops 20 dB and goes on (a breakdown) still plays.
    #[test]
    fn a_part_stopping_on_a_bar_line_does_not_play_in_the_next_bar() {
        use std::f64::consts::TAU;
        let registry = Registry::default();
        let bass_slot = registry.register("Bass");
        let quiet_slot = registry.register("Breakdown");
        let mut bass = DensityTracker::new(SR, 1);
        let mut quiet = DensityTracker::new(SR, 1);
        // Bars 0-3: a 55 Hz bass at -15 LUFS, stopping dead on the line into bar 4.
        run(&mut bass, &bass_slot, 8, |t| {
            if t < 8.0 {
                (0.25 * (TAU * 55.0 * t).sin() + 0.08 * (TAU * 110.0 * t).sin()) as f32
            } else {
                0.0
            }
        });
        // Bars 0-3 loud, bars 4-7 the same part 20 dB down.
        run(&mut quiet, &quiet_slot, 8, |t| {
            let a = if t < 8.0 { 0.3 } else { 0.03 };
            (a * (TAU * 220.0 * t).sin()) as f32
        });
        let grid = registry.snapshot();
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

    #[test]
    fn an_instance_alone_sees_only_itself_and_publish_ignores_bad_bars() {
        let registry = Registry::default();
        let slot = registry.register("Solo");
        let mut bar = crate::density::sections::tests::bar(3, 40.0, -14.0);
        slot.publish(&bar);
        bar.index = -1;
        slot.publish(&bar);
        bar.index = MAX_BARS as i32;
        slot.publish(&bar);
        let grid = registry.snapshot();
        assert_eq!(grid.tracks.len(), 1);
        assert_eq!(grid.bars, 4);
        assert!(grid.clashes.is_empty());
        assert_eq!(grid.all_playing_share(), 0.0);
        slot.clear();
        assert_eq!(registry.snapshot().bars, 0);
        // The global registry hands out distinct ids.
        let a = Registry::global().register("a");
        let b = Registry::global().register("b");
        assert_ne!(a.id(), b.id());
    }
}
