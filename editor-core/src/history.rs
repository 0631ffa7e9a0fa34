//! Undo and redo of the parameter changes made in an editor: a bounded list of steps, each step
//! the parameters one user action changed with their values before and after.
//!
//! One step per action, as a producer counts them: a knob drag is one gesture from mouse down
//! to mouse up (begin .. set, set, set .. end), however many values it passed through; a preset
//! load or a copy between A and B changes many parameters but is one step, because the caller
//! brackets it with [`UndoHistory::begin_group`] / [`UndoHistory::end_group`]. A new edit after
//! an undo drops the steps that could have been redone, as in every editor.
//!
//! Plain data and no framework: values are normalized (0..=1, what the host's setter takes), and
//! parameters are named by any key (`String` ids in the plugins, `&str` in the tests). The
//! nice-plug side, which sees every gesture the editor sends, is `crate::edit_session`.

use std::collections::VecDeque;

/// The default bound: 100 steps, the last 100 actions.
pub const DEFAULT_UNDO_STEPS: usize = 100;

/// One parameter's change within a step (normalized values).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamChange<K> {
    pub param: K,
    pub before: f32,
    pub after: f32,
}

/// The changes of one action; every parameter at most once.
pub type Step<K> = Vec<ParamChange<K>>;

/// The history of one working state (one A/B slot).
#[derive(Debug, Clone)]
pub struct UndoHistory<K> {
    /// Oldest first; at most `limit` steps.
    undo: VecDeque<Step<K>>,
    /// The most recently undone step last.
    redo: Vec<Step<K>>,
    /// Changes of the action in progress.
    open: Step<K>,
    /// Parameters whose gesture has begun and not ended.
    gestures: Vec<K>,
    /// Nesting depth of [`Self::begin_group`].
    groups: usize,
    limit: usize,
}

impl<K> Default for UndoHistory<K> {
    fn default() -> Self {
        Self::new(DEFAULT_UNDO_STEPS)
    }
}

impl<K> UndoHistory<K> {
    /// A history keeping the last `limit` steps (at least one).
    pub fn new(limit: usize) -> Self {
        Self {
            undo: VecDeque::new(),
            redo: Vec::new(),
            open: Vec::new(),
            gestures: Vec::new(),
            groups: 0,
            limit: limit.max(1),
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty() && self.is_idle()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty() && self.is_idle()
    }

    /// Steps that can be undone.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }

    /// Steps that can be redone.
    pub fn redo_len(&self) -> usize {
        self.redo.len()
    }

    /// No gesture or group is open (undo and redo wait until the action in progress ends).
    pub fn is_idle(&self) -> bool {
        self.gestures.is_empty() && self.groups == 0
    }

    /// Ends whatever gesture or group is still open and keeps what it changed as a step (the
    /// editor was closed with a knob held).
    pub fn finish(&mut self)
    where
        K: PartialEq + Clone,
    {
        self.gestures.clear();
        self.groups = 0;
        self.commit_if_idle();
    }

    /// Forgets every step (after the working state was replaced from outside, e.g. the host
    /// loaded a project).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.open.clear();
        self.gestures.clear();
        self.groups = 0;
    }
}

impl<K: PartialEq + Clone> UndoHistory<K> {
    /// A gesture on `param` starts; `value` is its value now.
    pub fn begin(&mut self, param: K, value: f32) {
        self.note(param.clone(), value, value);
        if !self.gestures.contains(&param) {
            self.gestures.push(param);
        }
    }

    /// `param` was set to `value` (`before`: its value just before). Inside its gesture or a
    /// group this extends the action in progress; on its own it is a step of its own.
    pub fn set(&mut self, param: K, before: f32, value: f32) {
        self.note(param, before, value);
        self.commit_if_idle();
    }

    /// The gesture on `param` ends; the action is a step once no gesture or group is open.
    pub fn end(&mut self, param: K) {
        self.gestures.retain(|p| *p != param);
        self.commit_if_idle();
    }

    /// Everything until the matching [`Self::end_group`] is one step (a preset load, a copy).
    pub fn begin_group(&mut self) {
        self.groups += 1;
    }

    pub fn end_group(&mut self) {
        self.groups = self.groups.saturating_sub(1);
        self.commit_if_idle();
    }

    /// Pushes a finished step made elsewhere (a copy into the slot that is not live). Changes
    /// that change nothing are dropped; an empty step is not a step.
    pub fn push(&mut self, step: Step<K>) {
        for change in step {
            self.note(change.param, change.before, change.after);
        }
        self.commit_if_idle();
    }

    /// Undoes the newest step: the values to set (normalized, by parameter), or `None` when
    /// there is nothing to undo or an action is in progress.
    pub fn undo(&mut self) -> Option<Vec<(K, f32)>> {
        if !self.is_idle() {
            return None;
        }
        let step = self.undo.pop_back()?;
        let values = step.iter().map(|c| (c.param.clone(), c.before)).collect();
        self.redo.push(step);
        Some(values)
    }

    /// Redoes the step undone last (`None` as for [`Self::undo`]).
    pub fn redo(&mut self) -> Option<Vec<(K, f32)>> {
        if !self.is_idle() {
            return None;
        }
        let step = self.redo.pop()?;
        let values = step.iter().map(|c| (c.param.clone(), c.after)).collect();
        self.undo.push_back(step);
        Some(values)
    }

    /// Adds a change to the action in progress: the first `before` and the last `after` of a
    /// parameter are kept.
    fn note(&mut self, param: K, before: f32, after: f32) {
        match self.open.iter_mut().find(|c| c.param == param) {
            Some(change) => change.after = after,
            None => self.open.push(ParamChange {
                param,
                before,
                after,
            }),
        }
    }

    fn commit_if_idle(&mut self) {
        if !self.is_idle() {
            return;
        }
        let mut step = std::mem::take(&mut self.open);
        step.retain(|c| c.before != c.after);
        if step.is_empty() {
            return;
        }
        self.redo.clear();
        self.undo.push_back(step);
        while self.undo.len() > self.limit {
            self.undo.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drag of `param` from `from` through `path`.
    fn drag(h: &mut UndoHistory<&'static str>, param: &'static str, from: f32, path: &[f32]) {
        h.begin(param, from);
        let mut last = from;
        for &v in path {
            h.set(param, last, v);
            last = v;
        }
        h.end(param);
    }

    #[test]
    fn one_drag_is_one_step_however_many_values_it_passes() {
        let mut h = UndoHistory::default();
        drag(&mut h, "gain", 0.5, &[0.51, 0.55, 0.6, 0.7, 0.65]);
        assert_eq!(h.undo_len(), 1);
        assert_eq!(h.undo(), Some(vec![("gain", 0.5)]));
        assert_eq!(h.redo(), Some(vec![("gain", 0.65)]));
        // A drag that ends where it began changes nothing: no step.
        drag(&mut h, "gain", 0.65, &[0.7, 0.65]);
        assert_eq!(h.undo_len(), 1);
        // Nor does a click without a move.
        h.begin("gain", 0.65);
        h.end("gain");
        assert_eq!(h.undo_len(), 1);
    }

    #[test]
    fn nothing_is_undone_while_a_drag_is_in_progress() {
        let mut h = UndoHistory::default();
        drag(&mut h, "gain", 0.5, &[0.6]);
        h.begin("freq", 0.2);
        h.set("freq", 0.2, 0.3);
        assert!(!h.can_undo());
        assert_eq!(h.undo(), None);
        h.end("freq");
        assert_eq!(h.undo(), Some(vec![("freq", 0.2)]));
        assert_eq!(h.undo(), Some(vec![("gain", 0.5)]));
        assert_eq!(h.undo(), None);
    }

    #[test]
    fn a_group_of_gestures_is_one_step_with_every_parameter_once() {
        let mut h = UndoHistory::default();
        h.begin_group();
        drag(&mut h, "gain", 0.5, &[0.1]);
        drag(&mut h, "freq", 0.2, &[0.9]);
        drag(&mut h, "gain", 0.1, &[0.3]);
        drag(&mut h, "on", 1.0, &[1.0]);
        assert_eq!(h.undo_len(), 0, "the group is still open");
        h.end_group();
        assert_eq!(h.undo_len(), 1);
        let mut undone = h.undo().unwrap();
        undone.sort_by(|a, b| a.0.cmp(b.0));
        // First value before, unchanged parameters left out.
        assert_eq!(undone, vec![("freq", 0.2), ("gain", 0.5)]);
        let mut redone = h.redo().unwrap();
        redone.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(redone, vec![("freq", 0.9), ("gain", 0.3)]);
    }

    #[test]
    fn a_set_without_a_gesture_is_a_step_of_its_own() {
        let mut h = UndoHistory::default();
        h.set("gain", 0.5, 0.25);
        h.set("gain", 0.25, 0.0);
        assert_eq!(h.undo_len(), 2);
        assert_eq!(h.undo(), Some(vec![("gain", 0.25)]));
    }

    #[test]
    fn the_history_keeps_the_last_steps_up_to_its_bound() {
        let mut h = UndoHistory::new(100);
        for i in 0..250 {
            drag(&mut h, "gain", i as f32, &[i as f32 + 1.0]);
        }
        assert_eq!(h.undo_len(), 100);
        let mut last = None;
        while let Some(values) = h.undo() {
            last = Some(values);
        }
        // The oldest step kept is the 150th drag (from 150 to 151).
        assert_eq!(last, Some(vec![("gain", 150.0)]));
        assert_eq!(h.redo_len(), 100);
    }

    #[test]
    fn a_new_edit_after_an_undo_drops_the_redo_steps() {
        let mut h = UndoHistory::default();
        drag(&mut h, "gain", 0.0, &[0.1]);
        drag(&mut h, "gain", 0.1, &[0.2]);
        h.undo();
        assert!(h.can_redo());
        // A gesture that changes nothing leaves redo alone ...
        drag(&mut h, "freq", 0.4, &[0.4]);
        assert!(h.can_redo());
        // ... a real change clears it.
        drag(&mut h, "freq", 0.4, &[0.8]);
        assert!(!h.can_redo());
        assert_eq!(h.redo(), None);
        assert_eq!(h.undo(), Some(vec![("freq", 0.4)]));
        assert_eq!(h.undo(), Some(vec![("gain", 0.0)]));
    }
}
