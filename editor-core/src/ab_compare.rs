//! A/B compare: two working states of one plugin, one live (what the host and the audio hear)
//! and one put aside, swapped with one click; either can be copied over the other.
//!
//! Each slot keeps its own undo history ([`UndoHistory`]), so undo after a switch undoes the
//! edits made in the slot you are hearing, never silently the other one's, and switching back
//! brings that slot's history back with it. The switch itself is not an edit (switch again to
//! go back). A copy onto a slot is an edit of that slot: one step its history can undo, also
//! when it is the slot put aside (copy A to B, switch to B, undo: B as it was).
//!
//! Plain data: a [`Snapshot`] holds normalized parameter values by id and the preset format's
//! non-parameter state (the Snare Layerer's sample path). Capturing and applying snapshots
//! through the host is `crate::edit_session`.

use crate::history::{ParamChange, Step, UndoHistory};
use std::collections::BTreeMap;

/// One of the two slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    pub fn other(self) -> Self {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::A => "A",
            Slot::B => "B",
        }
    }
}

/// A complete working state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Every parameter's unmodulated normalized value, by stable id.
    pub params: BTreeMap<String, f32>,
    /// The sound's non-parameter state, by the preset format's keys
    /// (`catalyst_presets::STATE_SAMPLE_PATH`).
    pub state: BTreeMap<String, String>,
}

impl Snapshot {
    /// The parameter changes that turn `self` into `to` (ids missing from `self` are skipped:
    /// there is no value to undo to).
    pub fn diff(&self, to: &Snapshot) -> Step<String> {
        to.params
            .iter()
            .filter_map(|(id, &after)| {
                let before = *self.params.get(id)?;
                (before != after).then(|| ParamChange {
                    param: id.clone(),
                    before,
                    after,
                })
            })
            .collect()
    }
}

/// What the caller does after [`AbCompare::switch`] or [`AbCompare::copy`].
#[derive(Debug, Clone, PartialEq)]
pub enum Apply {
    /// Set the live state to this snapshot.
    Snapshot(Snapshot),
    /// Nothing to set: the live state already is the result.
    Nothing,
    /// An edit is in progress (a knob is held): nothing was done.
    Busy,
}

/// The two slots and their histories.
#[derive(Debug, Clone)]
pub struct AbCompare {
    active: Slot,
    /// The live slot's history.
    history: UndoHistory<String>,
    /// The slot put aside: its state and history; `None` until first used (it is then a copy
    /// of the live state, as a fresh B is in every A/B compare).
    aside: Option<(Snapshot, UndoHistory<String>)>,
    history_steps: usize,
}

impl Default for AbCompare {
    fn default() -> Self {
        Self::new(crate::history::DEFAULT_UNDO_STEPS)
    }
}

impl AbCompare {
    /// A is live; each slot's history keeps `history_steps` steps.
    pub fn new(history_steps: usize) -> Self {
        Self {
            active: Slot::A,
            history: UndoHistory::new(history_steps),
            aside: None,
            history_steps,
        }
    }

    /// The slot being heard.
    pub fn active(&self) -> Slot {
        self.active
    }

    /// The live slot's history (the editor records into it, undo and redo take from it).
    pub fn history(&self) -> &UndoHistory<String> {
        &self.history
    }

    pub fn history_mut(&mut self) -> &mut UndoHistory<String> {
        &mut self.history
    }

    /// The slot put aside, once it has a state of its own.
    pub fn aside(&self) -> Option<&Snapshot> {
        self.aside.as_ref().map(|(s, _)| s)
    }

    /// Makes the other slot live. `live` is the current state, kept as the slot being left.
    pub fn switch(&mut self, live: Snapshot) -> Apply {
        if !self.history.is_idle() {
            return Apply::Busy;
        }
        let leaving = std::mem::replace(&mut self.history, UndoHistory::new(self.history_steps));
        let entering = self.aside.replace((live, leaving));
        self.active = self.active.other();
        match entering {
            Some((snapshot, history)) => {
                self.history = history;
                Apply::Snapshot(snapshot)
            }
            None => Apply::Nothing,
        }
    }

    /// Copies slot `from` over the other slot. Onto the slot put aside, the copy is done here
    /// (one step of that slot's history). Onto the live slot the caller applies the returned
    /// snapshot, recording it as one step of the live history (a group).
    pub fn copy(&mut self, from: Slot, live: &Snapshot) -> Apply {
        if !self.history.is_idle() {
            return Apply::Busy;
        }
        if from == self.active {
            match &mut self.aside {
                Some((aside, history)) => {
                    history.push(aside.diff(live));
                    *aside = live.clone();
                }
                None => self.aside = Some((live.clone(), UndoHistory::new(self.history_steps))),
            }
            return Apply::Nothing;
        }
        match &self.aside {
            Some((aside, _)) if aside != live => Apply::Snapshot(aside.clone()),
            // Never used, or equal: the slot put aside is the live state already.
            _ => Apply::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(values: &[(&str, f32)]) -> Snapshot {
        Snapshot {
            params: values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            state: BTreeMap::new(),
        }
    }

    /// Applies `values` to `live` (what the glue does through the host).
    fn set(live: &mut Snapshot, values: &[(String, f32)]) {
        for (id, v) in values {
            live.params.insert(id.clone(), *v);
        }
    }

    /// One knob drag on the live state, recorded as the editor does.
    fn edit(ab: &mut AbCompare, live: &mut Snapshot, id: &str, to: f32) {
        let from = live.params[id];
        let h = ab.history_mut();
        h.begin(id.to_owned(), from);
        h.set(id.to_owned(), from, to);
        live.params.insert(id.to_owned(), to);
        h.end(id.to_owned());
    }

    fn switch(ab: &mut AbCompare, live: &mut Snapshot) {
        match ab.switch(live.clone()) {
            Apply::Snapshot(s) => *live = s,
            Apply::Nothing => {}
            Apply::Busy => panic!("busy"),
        }
    }

    #[test]
    fn b_starts_as_a_copy_of_a_and_each_slot_keeps_its_own_state() {
        let mut ab = AbCompare::default();
        let mut live = snap(&[("gain", 0.5), ("freq", 0.2)]);
        assert_eq!(ab.active(), Slot::A);
        assert_eq!(ab.switch(live.clone()), Apply::Nothing);
        assert_eq!(ab.active(), Slot::B);
        edit(&mut ab, &mut live, "gain", 0.9);
        switch(&mut ab, &mut live);
        assert_eq!(ab.active(), Slot::A);
        assert_eq!(live, snap(&[("gain", 0.5), ("freq", 0.2)]));
        switch(&mut ab, &mut live);
        assert_eq!(live, snap(&[("gain", 0.9), ("freq", 0.2)]));
        // The non-parameter state travels with its slot too.
        live.state.insert("sample-path".into(), "/b.wav".into());
        switch(&mut ab, &mut live);
        assert!(live.state.is_empty());
        switch(&mut ab, &mut live);
        assert_eq!(live.state["sample-path"], "/b.wav");
    }

    #[test]
    fn undo_after_a_switch_undoes_the_slot_being_heard() {
        let mut ab = AbCompare::default();
        let mut live = snap(&[("gain", 0.5), ("freq", 0.2)]);
        edit(&mut ab, &mut live, "gain", 0.6); // A
        switch(&mut ab, &mut live); // B = copy of A
        assert!(!ab.history().can_undo(), "B has no edits yet");
        assert_eq!(ab.history_mut().undo(), None);
        edit(&mut ab, &mut live, "freq", 0.8); // B
        switch(&mut ab, &mut live); // A again
        assert_eq!(live, snap(&[("gain", 0.6), ("freq", 0.2)]));
        let values = ab.history_mut().undo().unwrap();
        assert_eq!(values, vec![("gain".to_owned(), 0.5)]);
        set(&mut live, &values);
        switch(&mut ab, &mut live); // B keeps its edit and its own undo
        assert_eq!(live, snap(&[("gain", 0.6), ("freq", 0.8)]));
        let values = ab.history_mut().undo().unwrap();
        assert_eq!(values, vec![("freq".to_owned(), 0.2)]);
        set(&mut live, &values);
        assert_eq!(ab.history_mut().undo(), None);
        // A's redo is still there when A comes back.
        switch(&mut ab, &mut live);
        assert_eq!(live, snap(&[("gain", 0.5), ("freq", 0.2)]));
        assert_eq!(
            ab.history_mut().redo(),
            Some(vec![("gain".to_owned(), 0.6)])
        );
    }

    #[test]
    fn no_switch_or_copy_while_a_knob_is_held() {
        let mut ab = AbCompare::default();
        let live = snap(&[("gain", 0.5)]);
        ab.history_mut().begin("gain".into(), 0.5);
        assert_eq!(ab.switch(live.clone()), Apply::Busy);
        assert_eq!(ab.copy(Slot::A, &live), Apply::Busy);
        assert_eq!(ab.active(), Slot::A);
        ab.history_mut().end("gain".into());
        assert_eq!(ab.switch(live), Apply::Nothing);
    }

    #[test]
    fn copy_a_to_b_while_hearing_a_is_one_undoable_step_of_b() {
        let mut ab = AbCompare::default();
        let mut live = snap(&[("gain", 0.5), ("freq", 0.2)]);
        switch(&mut ab, &mut live); // B
        edit(&mut ab, &mut live, "freq", 0.7);
        switch(&mut ab, &mut live); // A
        edit(&mut ab, &mut live, "gain", 0.1);
        assert_eq!(ab.copy(Slot::A, &live), Apply::Nothing);
        assert_eq!(ab.aside(), Some(&snap(&[("gain", 0.1), ("freq", 0.2)])));
        switch(&mut ab, &mut live); // B, now a copy of A
        assert_eq!(live, snap(&[("gain", 0.1), ("freq", 0.2)]));
        let values = ab.history_mut().undo().unwrap();
        set(&mut live, &values);
        assert_eq!(
            live,
            snap(&[("gain", 0.5), ("freq", 0.7)]),
            "B before the copy"
        );
        set(&mut live, &ab.history_mut().undo().unwrap());
        assert_eq!(
            live,
            snap(&[("gain", 0.5), ("freq", 0.2)]),
            "B before its edit"
        );
    }

    #[test]
    fn copy_b_to_a_while_hearing_a_returns_b_to_apply() {
        let mut ab = AbCompare::default();
        let mut live = snap(&[("gain", 0.5), ("freq", 0.2)]);
        // Never used: B is A already.
        assert_eq!(ab.copy(Slot::B, &live), Apply::Nothing);
        switch(&mut ab, &mut live);
        edit(&mut ab, &mut live, "gain", 0.9);
        switch(&mut ab, &mut live); // A
        let Apply::Snapshot(b) = ab.copy(Slot::B, &live) else {
            panic!("B differs from A")
        };
        assert_eq!(b, snap(&[("gain", 0.9), ("freq", 0.2)]));
        // The copy onto the live slot is one step there, recorded as a group.
        let step = live.diff(&b);
        let h = ab.history_mut();
        h.begin_group();
        for c in &step {
            h.set(c.param.clone(), c.before, c.after);
        }
        h.end_group();
        live = b;
        assert_eq!(ab.history().undo_len(), 1);
        set(&mut live, &ab.history_mut().undo().unwrap());
        assert_eq!(live, snap(&[("gain", 0.5), ("freq", 0.2)]));
        // Equal slots: nothing to copy.
        let mut ab = AbCompare::default();
        let live = snap(&[("gain", 0.5)]);
        ab.switch(live.clone());
        ab.switch(live.clone());
        assert_eq!(ab.copy(Slot::B, &live), Apply::Nothing);
    }
}
