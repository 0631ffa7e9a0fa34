//! What the audio thread shares with the editor and with state saving, lock-free on the audio
//! side: live readouts as [`GuiValue`]s, the bar timeline and the free-time slots as
//! [`GuiArray`]s of [`BarStats`] fields, and a clear request flag. Everything that locks
//! (labels, pending restore, the track slot handle) is touched only off the audio thread.

use crate::registry::{Registry, TrackSlot};
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use shared_dsp::density::arrangement::ArrangementGrid;
use shared_dsp::density::tracker::MAX_FREE_SLOTS;
use shared_dsp::density::{
    BAR_FIELDS, BarStats, LiveReadout, MAX_BARS, Report, SectionLabel, TimelineState,
    analyze_free_slots, analyze_timeline, to_csv, to_json,
};
use shared_dsp::gui_channel::{GuiArray, GuiValue};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Current loudness and density readouts.
#[derive(Debug, Default)]
pub struct Readouts {
    pub momentary_lufs: GuiValue,
    pub short_term_lufs: GuiValue,
    pub integrated_lufs: GuiValue,
    pub loudness_range_lu: GuiValue,
    pub true_peak_dbtp: GuiValue,
    pub density: GuiValue,
    pub occupancy: GuiValue,
    pub flatness: GuiValue,
    pub onset_rate_hz: GuiValue,
    pub plr_db: GuiValue,
    pub low_share: GuiValue,
    /// 1.0 when running in free time (no playing transport), else 0.0.
    pub free_time: GuiValue,
    /// Current bar number (0-based) or free-time slot number.
    pub position: GuiValue,
}

impl Readouts {
    pub fn store(&self, live: &LiveReadout) {
        self.momentary_lufs.store(live.momentary_lufs);
        self.short_term_lufs.store(live.short_term_lufs);
        self.integrated_lufs.store(live.integrated_lufs);
        self.loudness_range_lu.store(live.loudness_range_lu);
        self.true_peak_dbtp.store(live.true_peak_dbtp);
        self.density.store(live.density);
        self.occupancy.store(live.components.occupancy);
        self.flatness.store(live.components.flatness);
        self.onset_rate_hz.store(live.components.onset_rate_hz);
        self.plr_db.store(live.components.plr_db);
        self.low_share.store(live.components.low_share);
        self.free_time.store(if live.free_time { 1.0 } else { 0.0 });
        self.position.store(live.position as f32);
    }
}

pub struct MeterShared {
    pub readouts: Readouts,
    /// `MAX_BARS` bars x `BAR_FIELDS`, indexed by bar number (coverage 0 = never heard).
    /// Written only by the audio thread (and by `activate`, which never runs alongside it).
    pub timeline: GuiArray,
    /// `MAX_FREE_SLOTS` x `BAR_FIELDS` ring of free-time slots.
    pub free_slots: GuiArray,
    /// The user's section labels (editor and state only).
    pub labels: RwLock<Vec<SectionLabel>>,
    /// Bars from loaded state, as loaded (what a save returns until the audio side has taken
    /// them: a host may save again before it ever processes).
    pub pending_restore: Mutex<Option<Vec<BarStats>>>,
    /// The same bars, flat like `timeline`, for the audio thread to take without a lock: hosts
    /// restore state before activation (most) or after it (Ardour), and either way the bars
    /// must reach the running engine, which then goes on capturing and saving.
    pub restore: GuiArray,
    /// Incremented by each state load; the plugin copies `restore` into the engine when it
    /// differs from `restore_applied` (at activation or at the next block).
    pub restore_generation: AtomicU64,
    pub restore_applied: AtomicU64,
    /// Set by the editor; the audio thread clears the timeline at its next block.
    pub clear_requested: AtomicBool,
    /// This instance's place in the cross-track arrangement (set in `activate`).
    pub track_slot: Mutex<Option<Arc<TrackSlot>>>,
}

impl Default for MeterShared {
    fn default() -> Self {
        Self {
            readouts: Readouts::default(),
            timeline: GuiArray::new(MAX_BARS * BAR_FIELDS),
            free_slots: GuiArray::new(MAX_FREE_SLOTS * BAR_FIELDS),
            labels: RwLock::new(Vec::new()),
            pending_restore: Mutex::new(None),
            restore: GuiArray::new(MAX_BARS * BAR_FIELDS),
            restore_generation: AtomicU64::new(0),
            restore_applied: AtomicU64::new(0),
            clear_requested: AtomicBool::new(false),
            track_slot: Mutex::new(None),
        }
    }
}

fn read_bars(array: &GuiArray) -> Vec<Option<BarStats>> {
    let mut flat = vec![0.0f32; array.len()];
    // A writer that never pauses for 64 tries is impossible here (bars close seconds apart);
    // if it happens, the partly new copy is still bar-consistent except for one bar.
    let _ = array.read(&mut flat);
    flat.chunks(BAR_FIELDS).map(BarStats::read_fields).collect()
}

impl MeterShared {
    /// The bar timeline, indexed by bar number (allocates: editor / main thread).
    pub fn timeline_snapshot(&self) -> Vec<Option<BarStats>> {
        let mut t = read_bars(&self.timeline);
        while t.last().is_some_and(|b| b.is_none()) {
            t.pop();
        }
        t
    }

    /// Free-time slots, oldest first (allocates).
    pub fn free_snapshot(&self) -> Vec<BarStats> {
        let mut v: Vec<BarStats> = read_bars(&self.free_slots).into_iter().flatten().collect();
        v.sort_by_key(|b| b.index);
        v
    }

    pub fn labels(&self) -> Vec<SectionLabel> {
        self.labels.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Sets (or with an empty label removes) the label of the section starting at `start_bar`.
    pub fn set_label(&self, start_bar: i32, label: &str) {
        if let Ok(mut labels) = self.labels.write() {
            labels.retain(|l| l.start_bar != start_bar);
            let label: String = label.trim().chars().take(40).collect();
            if !label.is_empty() {
                labels.push(SectionLabel { start_bar, label });
                labels.sort_by_key(|l| l.start_bar);
            }
        }
    }

    /// Sections and verdict of the bar timeline, or of the free-time slots when no bar was
    /// captured yet.
    pub fn report(&self, phrase_bars: usize) -> Report {
        let bars = self.timeline_snapshot();
        if bars.iter().any(|b| b.is_some()) {
            analyze_timeline(&bars, phrase_bars, &self.labels(), false)
        } else {
            analyze_free_slots(&self.free_snapshot(), phrase_bars)
        }
    }

    pub fn export_csv(&self, phrase_bars: usize) -> String {
        to_csv(&self.report(phrase_bars))
    }

    pub fn export_json(&self, phrase_bars: usize) -> String {
        to_json(&self.report(phrase_bars))
    }

    /// Asks the audio thread to forget the captured timeline.
    pub fn request_clear(&self) {
        self.clear_requested.store(true, Ordering::Release);
    }

    /// Renames this track in the arrangement (the name is also saved in the plugin state by
    /// the caller through the params' `track_name`).
    pub fn set_track_name(&self, name: &str) {
        if let Ok(slot) = self.track_slot.lock()
            && let Some(slot) = slot.as_ref()
        {
            slot.set_name(name);
        }
    }

    /// Marks this track as a bus or the master in the arrangement (saved by the caller through
    /// the params' `track_is_bus`).
    pub fn set_track_bus(&self, bus: bool) {
        if let Ok(slot) = self.track_slot.lock()
            && let Some(slot) = slot.as_ref()
        {
            slot.set_bus(bus);
        }
    }

    /// A state load the engine has not taken yet.
    pub fn restore_waiting(&self) -> bool {
        self.restore_generation.load(Ordering::Acquire)
            != self.restore_applied.load(Ordering::Acquire)
    }

    /// The tracks x bars grid of every Density Meter in this process.
    pub fn arrangement(&self) -> ArrangementGrid {
        Registry::global().snapshot()
    }
}

/// The `#[persist = "timeline"]` field: saves the timeline and labels as a versioned
/// [`TimelineState`], restores them through `activate`. Unreadable or foreign state loads an
/// empty timeline with a warning.
pub struct TimelinePersist(pub Arc<MeterShared>);

impl<'a> PersistentField<'a, serde_json::Value> for TimelinePersist {
    fn set(&self, new_value: serde_json::Value) {
        let state = match TimelineState::from_json_value(new_value) {
            Ok(state) => state,
            Err(why) => {
                nice_warn!("Density Meter: {why}; starting with an empty timeline");
                TimelineState::default()
            }
        };
        if let Ok(mut labels) = self.0.labels.write() {
            *labels = state.labels;
        }
        let mut flat = vec![0.0f32; MAX_BARS * BAR_FIELDS];
        for b in &state.bars {
            if (0..MAX_BARS as i32).contains(&b.index) {
                let i = b.index as usize;
                b.sanitized()
                    .write_fields(&mut flat[i * BAR_FIELDS..(i + 1) * BAR_FIELDS]);
            }
        }
        self.0.restore.write(&flat);
        if let Ok(mut pending) = self.0.pending_restore.lock() {
            *pending = Some(state.bars);
        }
        self.0.restore_generation.fetch_add(1, Ordering::AcqRel);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&serde_json::Value) -> R,
    {
        // State restored but not yet handed to the engine is what the project holds; once
        // the engine has it, the timeline it goes on capturing is.
        let pending = if self.0.restore_waiting() {
            self.0.pending_restore.lock().ok().and_then(|p| p.clone())
        } else {
            None
        };
        let bars = match pending {
            Some(bars) => bars,
            None => self.0.timeline_snapshot().into_iter().flatten().collect(),
        };
        let state = TimelineState {
            bars,
            labels: self.0.labels(),
            ..TimelineState::default()
        };
        f(&serde_json::to_value(&state).unwrap_or(serde_json::Value::Null))
    }
}
