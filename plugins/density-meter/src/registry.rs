//! The channel between Density Meters on several tracks of one DAW process: each instance joins
//! the process-wide [`Registry`] (no network) with a [`TrackSlot`], and any of them can draw the
//! tracks x bars grid of who plays where. The grid and its clashes are shared-dsp's arithmetic
//! ([`ArrangementGrid::from_rows`]), the same `catalyst analyze --stems` runs on stem files.
//!
//! Real-time split: each instance registers a [`TrackSlot`] off the audio thread (the registry
//! is a `Mutex`), then its audio thread only stores atomics into its own slot when a bar closes
//! ([`TrackSlot::publish`]: lock-free, allocation-free). Readers (an editor) take
//! [`Registry::snapshot`] off the audio thread. Instances in different processes (a sandboxed
//! host) simply never see each other and work alone.

use atomic_float::AtomicF32;
use shared_dsp::density::arrangement::{ArrangementGrid, Cell, TrackRow};
use shared_dsp::density::bands::LOW_BANDS;
use shared_dsp::density::{BarStats, MAX_BARS};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// One instance's per-bar values, written by its audio thread. Indexed by bar number
/// (`0..MAX_BARS`).
pub struct TrackSlot {
    id: u64,
    name: Mutex<String>,
    /// A bus or master: it contains the elements rather than being one.
    bus: AtomicBool,
    /// NaN = bar not heard.
    loudness: Box<[AtomicF32]>,
    density: Box<[AtomicF32]>,
    low_band_share: Box<[[AtomicF32; LOW_BANDS]]>,
    /// Bumped on every change (publish, clear, name, bus) so readers can skip unchanged slots.
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
        self.version.fetch_add(1, Ordering::Release);
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
        let cell = Cell::of_bar(bar);
        self.density[i].store(cell.density, Ordering::Relaxed);
        for (slot, &v) in self.low_band_share[i].iter().zip(&cell.low_band_share) {
            slot.store(v, Ordering::Relaxed);
        }
        // Loudness last: it marks the bar as heard.
        self.loudness[i].store(cell.loudness_lufs, Ordering::Release);
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

    /// This track's row as heard so far (allocates).
    fn row(&self) -> TrackRow {
        TrackRow {
            id: self.id,
            name: self.name(),
            bus: self.is_bus(),
            cells: (0..MAX_BARS).map(|i| self.cell(i)).collect(),
        }
    }
}

/// The instances of one process.
pub struct Registry {
    slots: Mutex<Vec<Weak<TrackSlot>>>,
    next_id: AtomicU64,
    /// The last snapshot and the (slot id, version) of every member it was built from: an
    /// editor polls every frame, bars close every few seconds, so most polls change nothing and
    /// get this copy instead of re-reading every slot and re-finding the clashes.
    last: Mutex<(Vec<(u64, u64)>, ArrangementGrid)>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

static GLOBAL: Registry = Registry::new();

impl Registry {
    /// An empty registry (tests and benchmarks; the plugin joins [`Registry::global`]).
    pub const fn new() -> Self {
        Self {
            slots: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            last: Mutex::new((
                Vec::new(),
                ArrangementGrid {
                    tracks: Vec::new(),
                    bars: 0,
                    clashes: Vec::new(),
                },
            )),
        }
    }

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

    /// The tracks x bars grid and its clashes (off the audio thread). Rebuilt only when a
    /// member joined, left or changed since the last call; otherwise a copy of the last one.
    pub fn snapshot(&self) -> ArrangementGrid {
        let members = self.members();
        // Versions before rows: a bar published while the rows are read bumps its slot's
        // version past the one recorded here, so the next call rebuilds.
        let versions: Vec<(u64, u64)> = members.iter().map(|m| (m.id(), m.version())).collect();
        if let Ok(last) = self.last.lock()
            && last.0 == versions
        {
            return last.1.clone();
        }
        let grid = ArrangementGrid::from_rows(members.iter().map(|m| m.row()).collect());
        if let Ok(mut last) = self.last.lock() {
            *last = (versions, grid.clone());
        }
        grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::density::{DensityTracker, Transport};
    use shared_dsp::rng::Rng;

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
        // The registry carries the bars, nothing else: its grid is the one shared-dsp builds
        // from the engines' own timelines (what `catalyst analyze --stems` builds).
        let offline = ArrangementGrid::from_rows(
            [
                (&kick_slot, &kick),
                (&bass_slot, &bass),
                (&hats_slot, &hats),
            ]
            .iter()
            .map(|(slot, engine)| {
                TrackRow::from_timeline(slot.id(), &slot.name(), false, engine.bars())
            })
            .collect(),
        );
        assert_eq!(grid, offline);

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

    #[test]
    fn a_snapshot_of_an_unchanged_session_is_the_last_one_and_any_change_rebuilds_it() {
        let registry = Registry::default();
        let kick = registry.register("Kick");
        let bass = registry.register("Bass");
        let mut bar = crate::tests::bar(0, 30.0);
        bar.low_band_share = [0.5, 0.1, 0.05];
        kick.publish(&bar);
        let first = registry.snapshot();
        assert_eq!(first.bars, 1);
        assert!(first.clashes.is_empty());
        assert_eq!(registry.snapshot(), first);
        // A bar the bass publishes after the cached snapshot: the sub clash appears.
        bass.publish(&bar);
        let both = registry.snapshot();
        assert_eq!(both.clashes.len(), 1);
        assert_eq!(
            (both.clashes[0].track_a, both.clashes[0].track_b),
            (kick.id(), bass.id())
        );
        // A rename, a bus flag, a new member, a clear and a member leaving each show at once.
        bass.set_name("Sub Bass");
        assert_eq!(registry.snapshot().tracks[1].name, "Sub Bass");
        bass.set_bus(true);
        assert!(registry.snapshot().clashes.is_empty());
        let pad = registry.register("Pad");
        assert_eq!(registry.snapshot().tracks.len(), 3);
        kick.clear();
        assert!(
            registry.snapshot().tracks[0]
                .cells
                .iter()
                .all(Option::is_none)
        );
        drop(pad);
        assert_eq!(registry.snapshot().tracks.len(), 2);
    }

    #[test]
    fn an_instance_alone_sees_only_itself_and_publish_ignores_bad_bars() {
        let registry = Registry::default();
        let slot = registry.register("Solo");
        let mut bar = crate::tests::bar(3, 40.0);
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
