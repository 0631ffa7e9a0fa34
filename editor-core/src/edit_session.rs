//! An editor's A/B compare and undo/redo, wired to the host: the GUI-free half of the preset
//! bar's A/B and undo buttons.
//!
//! [`EditSession::context`] wraps the host's `GuiContext` in one that forwards every gesture to
//! the host unchanged and also records it in the live slot's [`UndoHistory`]: the editor's knobs,
//! menus and preset loads use the wrapped context, so every change made in the editor is seen,
//! and nothing the host automates is. Undo, redo, A/B switches and copies set the values through
//! the host's own context (begin/set/end per parameter, so the host records them as automation
//! and its own undo sees them) without being recorded again.
//!
//! GUI thread only: the audio thread never touches any of this (the mutex is shared between the
//! session and its recording context, both on the GUI thread).

use crate::ab_compare::{AbCompare, Apply, Slot, Snapshot};
use crate::history::UndoHistory;
use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::{ParamPtr, Params, PluginState};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Non-parameter state by key (`catalyst_presets::STATE_SAMPLE_PATH`, ...).
pub type StateMap = BTreeMap<String, String>;

/// Applies a [`StateMap`] (editor thread).
pub type StateLoader = Box<dyn Fn(&StateMap, &GuiContext) + Send>;

/// A sound's state that is not a parameter (the Snare Layerer's sample path): `save` reads it
/// (a user preset is saved, an A/B slot is put aside), `load` applies it (a user preset is
/// loaded, an A/B slot comes back). Editor thread; hand slow work such as decoding a sample to a
/// background task.
pub struct PresetState {
    pub save: Box<dyn Fn() -> StateMap + Send>,
    pub load: StateLoader,
}

/// Every parameter of a plugin by id, with its pointer.
type ParamList = Vec<(String, ParamPtr)>;

/// The context the editor's controls use: the host's, plus recording.
struct RecordingContext {
    host: GuiContext,
    params: Arc<ParamList>,
    ab: Arc<Mutex<AbCompare>>,
}

impl RecordingContext {
    fn id(&self, param: ParamPtr) -> Option<String> {
        self.params
            .iter()
            .find(|(_, p)| *p == param)
            .map(|(id, _)| id.clone())
    }
}

fn lock(ab: &Mutex<AbCompare>) -> MutexGuard<'_, AbCompare> {
    // A panic while recording leaves consistent data behind: keep going.
    ab.lock().unwrap_or_else(|e| e.into_inner())
}

impl GuiContextInner for RecordingContext {
    fn plugin_api(&self) -> PluginApi {
        self.host.plugin_api()
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        if let Some(id) = self.id(param) {
            // SAFETY: the caller passes a pointer into the plugin's live params.
            let value = unsafe { param.unmodulated_normalized_value() };
            lock(&self.ab).history_mut().begin(id, value);
        }
        unsafe { self.host.raw_begin_set_parameter(param) };
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        if let Some(id) = self.id(param) {
            // SAFETY: as above.
            let before = unsafe { param.unmodulated_normalized_value() };
            lock(&self.ab).history_mut().set(id, before, normalized);
        }
        unsafe { self.host.raw_set_parameter_normalized(param, normalized) };
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        unsafe { self.host.raw_end_set_parameter(param) };
        if let Some(id) = self.id(param) {
            lock(&self.ab).history_mut().end(id);
        }
    }

    fn get_state(&self) -> PluginState {
        self.host.get_state()
    }

    fn set_state(&self, state: PluginState) {
        self.host.set_state(state);
        // The whole state was replaced: the recorded steps no longer describe it.
        lock(&self.ab).history_mut().clear();
    }

    fn request_restart(&self) {
        self.host.request_restart();
    }
}

/// The A/B slots and their histories, kept by the plugin's editor factory so they outlive one
/// opening of the editor window.
pub type SharedCompare = Arc<Mutex<AbCompare>>;

/// A/B slots and undo history (both from A with nothing to undo).
pub fn shared_compare() -> SharedCompare {
    Arc::new(Mutex::new(AbCompare::default()))
}

/// A/B slots and undo history of an open editor.
pub struct EditSession {
    /// Keeps the parameters the pointers in `list` point into alive.
    _params: Arc<dyn Params>,
    list: Arc<ParamList>,
    ab: Arc<Mutex<AbCompare>>,
    /// The host's context and the recording one around it, made on the first frame.
    contexts: Option<(GuiContext, GuiContext)>,
}

impl EditSession {
    /// A session over `params` (the plugin's live parameters), A live, nothing to undo.
    pub fn new(params: Arc<dyn Params>) -> Self {
        Self::with_history_steps(params, crate::history::DEFAULT_UNDO_STEPS)
    }

    pub fn with_history_steps(params: Arc<dyn Params>, steps: usize) -> Self {
        Self::with_shared(params, Arc::new(Mutex::new(AbCompare::new(steps))))
    }

    /// A session over `ab`, slots and histories left by an earlier opening of the editor.
    pub fn with_shared(params: Arc<dyn Params>, ab: SharedCompare) -> Self {
        // A gesture cut short by closing the window is over.
        lock(&ab).history_mut().finish();
        let list = params
            .param_map()
            .into_iter()
            .map(|(id, ptr, _)| (id, ptr))
            .collect();
        Self {
            _params: params,
            list: Arc::new(list),
            ab,
            contexts: None,
        }
    }

    /// The context the editor's controls should use this frame: `host`'s, recording into the
    /// live slot's history. Made once; `host` is the context the editor was opened with.
    pub fn context(&mut self, host: &GuiContext) -> GuiContext {
        let (_, recording) = self.contexts.get_or_insert_with(|| {
            let recording = GuiContext::new(Arc::new(RecordingContext {
                host: host.clone(),
                params: self.list.clone(),
                ab: self.ab.clone(),
            }));
            (host.clone(), recording)
        });
        recording.clone()
    }

    fn host(&self) -> Option<&GuiContext> {
        self.contexts.as_ref().map(|(host, _)| host)
    }

    pub fn active(&self) -> Slot {
        lock(&self.ab).active()
    }

    pub fn can_undo(&self) -> bool {
        lock(&self.ab).history().can_undo()
    }

    pub fn can_redo(&self) -> bool {
        lock(&self.ab).history().can_redo()
    }

    /// Steps to undo and to redo in the live slot.
    pub fn history_len(&self) -> (usize, usize) {
        let ab = lock(&self.ab);
        (ab.history().undo_len(), ab.history().redo_len())
    }

    /// Runs `f` (a preset load through the recording context) as one undo step.
    pub fn group<T>(&self, f: impl FnOnce() -> T) -> T {
        lock(&self.ab).history_mut().begin_group();
        let result = f();
        lock(&self.ab).history_mut().end_group();
        result
    }

    /// The live state: every parameter, and the non-parameter state from `state`.
    pub fn capture(&self, state: Option<&PresetState>) -> Snapshot {
        Snapshot {
            params: self
                .list
                .iter()
                // SAFETY: `list` points into `_params`, alive as long as `self`.
                .map(|(id, ptr)| (id.clone(), unsafe { ptr.unmodulated_normalized_value() }))
                .collect(),
            state: state.map(|s| (s.save)()).unwrap_or_default(),
        }
    }

    /// Sets `values` through `ctx`, one begin/set/end gesture per parameter that changes.
    fn set_values<'a>(&self, ctx: &GuiContext, values: impl IntoIterator<Item = (&'a str, f32)>) {
        for (id, value) in values {
            let Some((_, ptr)) = self.list.iter().find(|(pid, _)| pid == id) else {
                continue;
            };
            // SAFETY: as in `capture`.
            unsafe {
                if ptr.unmodulated_normalized_value() != value {
                    ctx.raw_begin_set_parameter(*ptr);
                    ctx.raw_set_parameter_normalized(*ptr, value);
                    ctx.raw_end_set_parameter(*ptr);
                }
            }
        }
    }

    /// Sets the live state to `snapshot` through `ctx` (state only when it differs: loading a
    /// sample again would be wasted work).
    fn apply(&self, ctx: &GuiContext, snapshot: &Snapshot, state: Option<&PresetState>) {
        self.set_values(ctx, snapshot.params.iter().map(|(id, v)| (id.as_str(), *v)));
        if let Some(state) = state
            && (state.save)() != snapshot.state
        {
            (state.load)(&snapshot.state, ctx);
        }
    }

    /// Undoes the live slot's newest step through the host. `false` when there was nothing to
    /// undo (or the editor was never shown, so there is no host context yet).
    pub fn undo(&self) -> bool {
        let Some(host) = self.host() else {
            return false;
        };
        let values = lock(&self.ab).history_mut().undo();
        let Some(values) = values else {
            return false;
        };
        self.set_values(host, values.iter().map(|(id, v)| (id.as_str(), *v)));
        true
    }

    /// Redoes the step undone last, as [`Self::undo`].
    pub fn redo(&self) -> bool {
        let Some(host) = self.host() else {
            return false;
        };
        let values = lock(&self.ab).history_mut().redo();
        let Some(values) = values else {
            return false;
        };
        self.set_values(host, values.iter().map(|(id, v)| (id.as_str(), *v)));
        true
    }

    /// Makes the other slot live, applying its values (and state) through the host. `false`
    /// when a knob is held or there is no host context yet.
    pub fn switch(&self, state: Option<&PresetState>) -> bool {
        let Some(host) = self.host() else {
            return false;
        };
        let live = self.capture(state);
        let apply = lock(&self.ab).switch(live);
        match apply {
            Apply::Snapshot(snapshot) => self.apply(host, &snapshot, state),
            Apply::Nothing => {}
            Apply::Busy => return false,
        }
        true
    }

    /// Copies slot `from` over the other one (see [`AbCompare::copy`]); a copy onto the live
    /// slot is applied through the host and is one undo step.
    pub fn copy(&self, from: Slot, state: Option<&PresetState>) -> bool {
        let Some((_, recording)) = &self.contexts else {
            return false;
        };
        let live = self.capture(state);
        let apply = lock(&self.ab).copy(from, &live);
        match apply {
            Apply::Snapshot(snapshot) => self.group(|| self.apply(recording, &snapshot, state)),
            Apply::Nothing => {}
            Apply::Busy => return false,
        }
        true
    }

    /// The live slot's history (tests, inspection).
    pub fn with_history<T>(&self, f: impl FnOnce(&UndoHistory<String>) -> T) -> T {
        f(lock(&self.ab).history())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::ParamHandle;
    use crate::test_params::TestParams;
    use nice_plug::prelude::*;

    /// A host that applies values and logs every gesture it is sent.
    #[derive(Default)]
    struct Host {
        log: Mutex<Vec<String>>,
    }

    impl Host {
        fn take(&self) -> Vec<String> {
            std::mem::take(&mut *self.log.lock().unwrap())
        }
    }

    impl GuiContextInner for Host {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
            let name = unsafe { param.name() };
            self.log.lock().unwrap().push(format!("begin {name}"));
        }
        unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
            unsafe { param._internal_set_normalized_value(normalized) };
            let name = unsafe { param.name() };
            self.log
                .lock()
                .unwrap()
                .push(format!("set {name} {normalized:.2}"));
        }
        unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
            let name = unsafe { param.name() };
            self.log.lock().unwrap().push(format!("end {name}"));
        }
        fn get_state(&self) -> PluginState {
            unimplemented!("not used")
        }
        fn set_state(&self, _state: PluginState) {}
        fn request_restart(&self) {}
    }

    fn setup() -> (Arc<TestParams>, Arc<Host>, GuiContext, EditSession) {
        let params = Arc::new(TestParams::default());
        let host = Arc::new(Host::default());
        let host_ctx = GuiContext::new(host.clone());
        let mut session = EditSession::new(params.clone());
        let ctx = session.context(&host_ctx);
        (params, host, ctx, session)
    }

    /// A knob drag as `Knob` sends it.
    fn drag(ctx: &GuiContext, param: &impl Param, path: &[f32]) {
        let p = ParamHandle::new(param, ctx);
        p.begin();
        for &v in path {
            p.set_normalized(v);
        }
        p.end();
    }

    #[test]
    fn the_host_sees_every_gesture_and_a_drag_is_one_undo_step() {
        let (params, host, ctx, session) = setup();
        drag(&ctx, &params.gain, &[0.6, 0.7, 0.75]);
        assert_eq!(
            host.take(),
            [
                "begin Gain",
                "set Gain 0.60",
                "set Gain 0.70",
                "set Gain 0.75",
                "end Gain"
            ]
        );
        assert_eq!(params.gain.value(), 6.0);
        assert_eq!(session.history_len(), (1, 0));
        assert!(session.undo());
        // Undo goes through the host too, as one gesture, and is not itself recorded.
        assert_eq!(host.take(), ["begin Gain", "set Gain 0.50", "end Gain"]);
        assert_eq!(params.gain.value(), 0.0);
        assert_eq!(session.history_len(), (0, 1));
        assert!(session.redo());
        assert_eq!(params.gain.value(), 6.0);
        assert!(!session.redo());
    }

    #[test]
    fn a_preset_load_in_a_group_is_one_step() {
        use crate::user_preset;
        use catalyst_presets::{SNARE_LAYERER, Value};
        let (params, _host, ctx, session) = setup();
        let mut preset = catalyst_presets::PresetFile::new(&SNARE_LAYERER, "p");
        preset.params.insert("gain".into(), Value::Number(-6.0));
        preset.params.insert("freq".into(), Value::Number(200.0));
        preset.params.insert("on".into(), Value::Bool(false));
        session
            .group(|| user_preset::apply(params.as_ref(), &preset, &SNARE_LAYERER, &ctx))
            .unwrap();
        assert!((params.freq.value() - 200.0).abs() < 1e-3);
        assert!(!params.on.value());
        assert_eq!(session.history_len(), (1, 0));
        session.undo();
        assert_eq!(
            (params.gain.value(), params.freq.value(), params.on.value()),
            (0.0, 1000.0, true)
        );
    }

    #[test]
    fn switching_slots_sets_every_value_and_the_state_through_the_host() {
        let (params, host, ctx, session) = setup();
        let sample = Arc::new(Mutex::new(String::from("/a.wav")));
        let loads = Arc::new(Mutex::new(Vec::new()));
        let state = {
            let (save, load, loads) = (sample.clone(), sample.clone(), loads.clone());
            PresetState {
                save: Box::new(move || {
                    StateMap::from([("sample-path".into(), save.lock().unwrap().clone())])
                }),
                load: Box::new(move |state, _ctx| {
                    let path = state["sample-path"].clone();
                    loads.lock().unwrap().push(path.clone());
                    *load.lock().unwrap() = path;
                }),
            }
        };
        assert!(session.switch(Some(&state)));
        assert_eq!(session.active(), Slot::B);
        assert!(host.take().is_empty(), "B starts as A: nothing to send");
        drag(&ctx, &params.gain, &[1.0]);
        drag(&ctx, &params.freq, &[0.25]);
        *sample.lock().unwrap() = "/b.wav".into();
        host.take();
        assert!(session.switch(Some(&state)));
        assert_eq!(session.active(), Slot::A);
        assert_eq!((params.gain.value(), params.freq.value()), (0.0, 1000.0));
        assert_eq!(*sample.lock().unwrap(), "/a.wav");
        let log = host.take();
        assert_eq!(log.iter().filter(|l| l.starts_with("begin")).count(), 2);
        assert_eq!(log.iter().filter(|l| l.starts_with("end")).count(), 2);
        assert!(log.contains(&"set Gain 0.50".to_owned()), "{log:?}");
        assert_eq!(
            log.len(),
            6,
            "one begin/set/end per changed parameter: {log:?}"
        );
        // Back to B: its values, bit for bit, and its sample.
        session.switch(Some(&state));
        assert_eq!(params.gain.value(), 12.0);
        assert_eq!(
            params.freq.unmodulated_normalized_value().to_bits(),
            0.25f32.to_bits()
        );
        assert_eq!(*loads.lock().unwrap(), ["/a.wav", "/b.wav"]);
        // B's undo undoes B's last edit; A's history stayed with A.
        assert!(session.undo());
        assert_eq!(params.freq.value(), 1000.0);
        assert!(session.undo());
        assert_eq!(params.gain.value(), 0.0);
        assert!(!session.undo());
    }

    #[test]
    fn copy_b_onto_live_a_is_one_undoable_step() {
        let (params, _host, ctx, session) = setup();
        session.switch(None);
        drag(&ctx, &params.gain, &[0.25]);
        drag(&ctx, &params.on, &[0.0]);
        session.switch(None); // A
        assert_eq!(session.history_len(), (0, 0));
        assert!(session.copy(Slot::B, None));
        assert_eq!((params.gain.value(), params.on.value()), (-6.0, false));
        assert_eq!(session.history_len(), (1, 0));
        session.undo();
        assert_eq!((params.gain.value(), params.on.value()), (0.0, true));
    }

    #[test]
    fn slots_and_history_outlive_closing_the_editor() {
        let params = Arc::new(TestParams::default());
        let shared = shared_compare();
        let host = Arc::new(Host::default());
        let host_ctx = GuiContext::new(host.clone());
        {
            let mut first = EditSession::with_shared(params.clone(), shared.clone());
            let ctx = first.context(&host_ctx);
            drag(&ctx, &params.gain, &[0.75]);
            first.switch(None);
            drag(&ctx, &params.gain, &[1.0]);
            // Closed with a knob held.
            ParamHandle::new(&params.freq, &ctx).begin();
            ParamHandle::new(&params.freq, &ctx).set_normalized(0.9);
        }
        let mut second = EditSession::with_shared(params.clone(), shared);
        let _ = second.context(&host_ctx);
        assert_eq!(second.active(), Slot::B);
        assert_eq!(
            second.history_len(),
            (2, 0),
            "B's drag and the cut-short one"
        );
        assert!(second.undo());
        assert!(second.undo());
        assert_eq!(params.gain.value(), 6.0);
        assert!(second.switch(None));
        assert_eq!(second.active(), Slot::A);
        assert!(second.undo());
        assert_eq!(params.gain.value(), 0.0);
    }

    #[test]
    fn nothing_happens_before_the_editor_has_a_host_context() {
        let params = Arc::new(TestParams::default());
        let session = EditSession::new(params.clone());
        assert!(!session.switch(None));
        assert!(!session.undo());
        assert_eq!(session.active(), Slot::A);
    }
}
