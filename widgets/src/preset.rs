//! Preset menu with previous/next arrows. A preset is a complete parameter state: every parameter
//! it does not name is set to its default, so loading one never leaves settings from the last.
//! Each change is sent to the host as a begin/set/end gesture per parameter (undoable, recorded).
//!
//! With [`PresetBrowser::with_user_presets`] the menu also lists the producer's own presets
//! (files in the plugin's user folder, `catalyst_presets::user_folder`), apart from the factory
//! ones, with Save, Save as, Rename, Delete and Reveal folder; the arrows walk factory then user
//! presets. All file I/O happens here, on the editor thread, never on the audio thread.
//!
//! With [`PresetBrowser::with_compare`] the bar also has A/B compare and undo/redo
//! (`crate::compare`, logic in `catalyst_editor_core::EditSession`): the editor's controls then
//! use [`PresetBrowser::edit_context`], which records their gestures, and a preset load is one
//! undo step.

use crate::compare;
use crate::param::ParamHandle;
use crate::theme::Theme;
use crate::user_preset;
pub use catalyst_editor_core::edit_session::{PresetState, StateLoader, StateMap};
use catalyst_editor_core::{EditSession, SharedCompare};
use catalyst_presets::{ListedPreset, PluginInfo, PresetError, PresetStore};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Params;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A named set of parameter values (plain values, as shown to the user, by parameter id).
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub name: String,
    pub values: Vec<(String, f32)>,
}

impl Preset {
    pub fn new(name: impl Into<String>, values: &[(&str, f32)]) -> Self {
        Self {
            name: name.into(),
            values: values
                .iter()
                .map(|(id, v)| ((*id).to_owned(), *v))
                .collect(),
        }
    }

    /// "Init": every parameter at its default.
    pub fn init() -> Self {
        Self::new("Init", &[])
    }

    /// Sends every parameter's value to the host.
    pub fn apply(&self, params: &dyn Params, ctx: &GuiContext) {
        for (id, ptr, _) in params.param_map() {
            // SAFETY: `params` is alive for this call.
            let param = unsafe { ParamHandle::from_ptr(ptr, ctx) };
            let normalized = match self.values.iter().find(|(pid, _)| *pid == id) {
                // SAFETY: as above.
                Some((_, plain)) => unsafe { ptr.preview_normalized(*plain) },
                None => param.default_normalized(),
            };
            if (param.unmodulated_normalized() - normalized).abs() > 1e-7 {
                param.set_once(normalized);
            }
        }
    }
}

/// Loads preset `index` through the GUI context (for plugins with their own preset format).
pub type PresetLoader = Box<dyn Fn(usize, &GuiContext) + Send>;

struct UserPresets {
    plugin: PluginInfo,
    store: Result<PresetStore, String>,
    listed: Vec<ListedPreset>,
    state: Option<PresetState>,
}

/// What the name field is open for.
#[derive(Debug, Clone, PartialEq)]
enum Naming {
    SaveAs,
    Rename(String),
}

/// The preset list and which one was loaded last (GUI-thread state).
pub struct PresetBrowser {
    presets: Vec<Preset>,
    current: Option<usize>,
    loader: Option<PresetLoader>,
    user: Option<UserPresets>,
    naming: Option<(Naming, String)>,
    confirm_delete: Option<String>,
    /// The last action's outcome (a load report, an error), shown beside the bar.
    status: Option<String>,
    /// A/B compare and undo ([`Self::with_compare`]).
    session: Option<EditSession>,
}

impl PresetBrowser {
    /// `presets` are shown after a leading "Init".
    pub fn new(presets: Vec<Preset>) -> Self {
        let mut all = vec![Preset::init()];
        all.extend(presets.into_iter().filter(|p| p.name != "Init"));
        Self {
            presets: all,
            current: None,
            loader: None,
            user: None,
            naming: None,
            confirm_delete: None,
            status: None,
            session: None,
        }
    }

    /// A browser over a plugin's own presets: `names` are listed, `loader(index, ctx)` applies
    /// one (it must change parameters through `ctx`, e.g. with `ctx.param_setter()`).
    pub fn with_loader(names: Vec<String>, loader: PresetLoader) -> Self {
        Self {
            presets: names.into_iter().map(|n| Preset::new(n, &[])).collect(),
            current: None,
            loader: Some(loader),
            user: None,
            naming: None,
            confirm_delete: None,
            status: None,
            session: None,
        }
    }

    /// Adds the user presets of `plugin` from its user folder, and `state` for what a sound
    /// holds besides parameters.
    pub fn with_user_presets(self, plugin: PluginInfo, state: Option<PresetState>) -> Self {
        let store = PresetStore::user(plugin).map_err(|e| e.to_string());
        self.with_user_store(store, state)
    }

    /// The same with a given store (tests, or a folder of the host's choosing).
    pub fn with_user_store(
        mut self,
        store: Result<PresetStore, String>,
        state: Option<PresetState>,
    ) -> Self {
        let plugin = match &store {
            Ok(store) => *store.plugin(),
            Err(_) => catalyst_presets::PluginInfo { id: "", folder: "" },
        };
        self.user = Some(UserPresets {
            plugin,
            store,
            listed: Vec::new(),
            state,
        });
        self.refresh();
        self
    }

    /// Adds A/B compare and undo/redo of the editor's changes to `params` (the plugin's live
    /// parameters). The editor's controls must then use [`Self::edit_context`].
    pub fn with_compare(mut self, params: Arc<dyn Params>) -> Self {
        self.session = Some(EditSession::new(params));
        self
    }

    /// The same over slots and histories kept by the editor factory
    /// (`catalyst_editor_core::shared_compare`), so closing the window loses neither.
    pub fn with_shared_compare(mut self, params: Arc<dyn Params>, ab: SharedCompare) -> Self {
        self.session = Some(EditSession::with_shared(params, ab));
        self
    }

    /// The context the editor's controls use this frame: with A/B compare, `host` wrapped so
    /// their changes are recorded for undo; otherwise `host` itself.
    pub fn edit_context(&mut self, host: &GuiContext) -> GuiContext {
        match &mut self.session {
            Some(session) => session.context(host),
            None => host.clone(),
        }
    }

    /// A/B compare and undo, when on.
    pub fn session(&self) -> Option<&EditSession> {
        self.session.as_ref()
    }

    /// Runs an A/B or undo action (what the buttons and shortcuts do).
    pub fn compare(&mut self, action: compare::CompareAction) {
        let state = self.user.as_ref().and_then(|u| u.state.as_ref());
        if let Some(session) = &self.session {
            compare::perform(session, action, state);
        }
    }

    /// Re-reads the user folder (after another instance or the CLI saved into it).
    pub fn refresh(&mut self) {
        let current_path = self.current_user().map(|p| p.path.clone());
        let Some(user) = &mut self.user else { return };
        match &user.store {
            Ok(store) => match store.list() {
                Ok(listed) => user.listed = listed,
                Err(e) => {
                    user.listed.clear();
                    self.status = Some(e.to_string());
                }
            },
            Err(e) => self.status = Some(e.clone()),
        }
        // Keep pointing at the same file if it is still there.
        if let Some(path) = current_path {
            self.current = self
                .user_presets()
                .iter()
                .position(|p| p.path == path)
                .map(|i| self.presets.len() + i);
        }
    }

    /// Factory presets (user presets are in [`Self::user_presets`]).
    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    /// The user presets as last read, sorted by name, broken files included.
    pub fn user_presets(&self) -> &[ListedPreset] {
        self.user.as_ref().map_or(&[], |u| &u.listed)
    }

    /// Index of the loaded preset: factory presets first, then user presets.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    fn current_user(&self) -> Option<&ListedPreset> {
        self.current
            .and_then(|i| i.checked_sub(self.presets.len()))
            .and_then(|i| self.user_presets().get(i))
    }

    /// The last action's outcome: what a load skipped or clamped, or why an action failed.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The user folder, if there is one.
    pub fn user_folder(&self) -> Option<&Path> {
        self.user.as_ref()?.store.as_ref().ok().map(|s| s.dir())
    }

    /// Loads preset `index` (factory presets first, then user presets); with A/B compare it is
    /// one undo step (pass [`Self::edit_context`]'s context as `ctx`).
    pub fn load(&mut self, index: usize, params: &dyn Params, ctx: &GuiContext) {
        match self.session.take() {
            Some(session) => {
                session.group(|| self.load_now(index, params, ctx));
                self.session = Some(session);
            }
            None => self.load_now(index, params, ctx),
        }
    }

    fn load_now(&mut self, index: usize, params: &dyn Params, ctx: &GuiContext) {
        if let Some(preset) = self.presets.get(index) {
            match &self.loader {
                Some(loader) => loader(index, ctx),
                None => preset.apply(params, ctx),
            }
            self.current = Some(index);
            self.status = None;
            return;
        }
        let Some(listed) = self.user_presets().get(index - self.presets.len()).cloned() else {
            return;
        };
        let user = self.user.as_ref().expect("user presets are listed");
        // Read the file again: it may have been edited since the list was read.
        let result =
            user_preset::load(params, &listed.path, &user.plugin, ctx).map(|(file, report)| {
                if let Some(state) = &user.state {
                    (state.load)(&file.state, ctx);
                }
                report
            });
        match result {
            Ok(report) => {
                self.current = Some(index);
                let lines = report.lines();
                self.status = (!lines.is_empty()).then(|| lines.join("\n"));
            }
            Err(e) => self.status = Some(e.to_string()),
        }
    }

    /// Steps through factory then user presets, wrapping around and skipping broken files
    /// (`step` = -1 or +1).
    pub fn step(&mut self, step: isize, params: &dyn Params, ctx: &GuiContext) {
        let factory = self.presets.len();
        let loadable: Vec<usize> = (0..factory)
            .chain(
                self.user_presets()
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !p.is_broken())
                    .map(|(i, _)| factory + i),
            )
            .collect();
        if loadable.is_empty() {
            return;
        }
        let n = loadable.len() as isize;
        let next = match self
            .current
            .and_then(|c| loadable.iter().position(|&i| i == c))
        {
            Some(pos) => (pos as isize + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.load(loadable[next as usize], params, ctx);
    }

    fn store(&self) -> Result<&PresetStore, PresetError> {
        match &self.user {
            Some(UserPresets { store: Ok(s), .. }) => Ok(s),
            Some(UserPresets { store: Err(e), .. }) => Err(PresetError::NoUserFolder(e.clone())),
            None => Err(PresetError::NoUserFolder("user presets are off".into())),
        }
    }

    /// Saves the current state as user preset `name` (replacing one of that name only with
    /// `overwrite`) and makes it the current preset.
    pub fn save_user(
        &mut self,
        name: &str,
        overwrite: bool,
        params: &dyn Params,
    ) -> Result<PathBuf, PresetError> {
        let store = self.store()?;
        let state = self
            .user
            .as_ref()
            .and_then(|u| u.state.as_ref())
            .map(|s| (s.save)())
            .unwrap_or_default();
        let path = user_preset::save(params, store, name, state, overwrite)?;
        self.select_user_path(&path);
        Ok(path)
    }

    /// Renames user preset `old` to `new`.
    pub fn rename_user(&mut self, old: &str, new: &str) -> Result<PathBuf, PresetError> {
        let was_current = self.current_user().is_some_and(|p| p.name == old);
        let path = self.store()?.rename(old, new)?;
        if was_current {
            self.select_user_path(&path);
        } else {
            self.refresh();
        }
        Ok(path)
    }

    /// Deletes user preset `name`.
    pub fn delete_user(&mut self, name: &str) -> Result<(), PresetError> {
        if self.current_user().is_some_and(|p| p.name == name) {
            self.current = None;
        }
        self.store()?.delete(name)?;
        self.refresh();
        Ok(())
    }

    fn select_user_path(&mut self, path: &Path) {
        self.current = None;
        self.refresh();
        self.current = self
            .user_presets()
            .iter()
            .position(|p| p.path == path)
            .map(|i| self.presets.len() + i);
    }

    /// Records an action's outcome for the status line.
    fn report<T>(&mut self, result: Result<T, PresetError>) {
        self.status = result.err().map(|e| e.to_string());
    }

    /// ◀ [name ▾] ▶ (in this order also inside a right-to-left layout such as a header's right
    /// side); while a name is being typed, the name field and its buttons instead.
    pub fn show(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        let ctx = &self.edit_context(ctx);
        if self.session.is_some()
            && let Some(action) = compare::shortcut(ui.ctx())
        {
            self.compare(action);
        }
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            if self.naming.is_some() {
                self.name_field(ui, params);
                return;
            }
            if let Some(name) = self.confirm_delete.clone() {
                self.delete_confirmation(ui, &name);
                return;
            }
            let rtl = ui.layout().prefer_right_to_left();
            if rtl {
                self.compare_buttons(ui, rtl);
                self.status_mark(ui);
                self.next_button(ui, params, ctx);
                self.menu(ui, params, ctx);
                self.previous_button(ui, params, ctx);
            } else {
                self.previous_button(ui, params, ctx);
                self.menu(ui, params, ctx);
                self.next_button(ui, params, ctx);
                self.status_mark(ui);
                self.compare_buttons(ui, rtl);
            }
        });
    }

    fn compare_buttons(&mut self, ui: &mut egui::Ui, rtl: bool) {
        let Some(session) = &self.session else {
            return;
        };
        ui.add_space(6.0);
        if let Some(action) = compare::buttons(ui, session, rtl) {
            self.compare(action);
        }
    }

    /// A "!" with the last outcome on hover (click to dismiss).
    fn status_mark(&mut self, ui: &mut egui::Ui) {
        let Some(status) = self.status.clone() else {
            return;
        };
        let theme = Theme::get(ui.ctx());
        if ui
            .add(egui::Button::new(egui::RichText::new("!").color(theme.accent)).small())
            .on_hover_text(format!("{status}\n(click to dismiss)"))
            .clicked()
        {
            self.status = None;
        }
    }

    fn name_field(&mut self, ui: &mut egui::Ui, params: &dyn Params) {
        let Some((action, text)) = &mut self.naming else {
            return;
        };
        let hint = match action {
            Naming::SaveAs => "Name of the new preset",
            Naming::Rename(_) => "New name",
        };
        let field = ui.add(
            egui::TextEdit::singleline(text)
                .hint_text(hint)
                .desired_width(170.0),
        );
        if !field.has_focus() && !field.lost_focus() {
            field.request_focus();
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let ok = ui.button("OK").clicked() || enter;
        let cancel =
            ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape));
        if cancel {
            self.naming = None;
            return;
        }
        if ok {
            let (action, name) = self.naming.take().expect("naming is open");
            let result = match &action {
                Naming::SaveAs => self.save_user(&name, false, params).map(|_| ()),
                Naming::Rename(old) => self.rename_user(old, &name).map(|_| ()),
            };
            if let Err(PresetError::InvalidName(_) | PresetError::Exists { .. }) = &result {
                // Keep the field open so the name can be corrected.
                self.naming = Some((action, name));
            }
            self.report(result);
        }
    }

    fn current_user_name(&self) -> Option<String> {
        self.current_user().map(|p| p.name.clone())
    }

    fn delete_confirmation(&mut self, ui: &mut egui::Ui, name: &str) {
        ui.label(format!("Delete '{name}'?"));
        if ui.button("Delete").clicked() {
            self.confirm_delete = None;
            let result = self.delete_user(name);
            self.report(result);
        }
        if ui.button("Cancel").clicked() {
            self.confirm_delete = None;
        }
    }

    fn previous_button(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        if arrow_button(ui, true)
            .on_hover_text("Previous preset")
            .clicked()
        {
            self.step(-1, params, ctx);
        }
    }

    fn next_button(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        if arrow_button(ui, false)
            .on_hover_text("Next preset")
            .clicked()
        {
            self.step(1, params, ctx);
        }
    }

    fn menu(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        let name = self
            .current
            .and_then(|i| self.presets.get(i))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "Presets".to_owned());
        let name = self.current_user().map(|p| p.name.clone()).unwrap_or(name);
        let mut picked = None;
        let mut action = None;
        let factory = self.presets.len();
        let has_user = self.user.is_some();
        let menu = egui::ComboBox::from_id_salt("catalyst-preset-menu")
            .width(170.0)
            .selected_text(egui::RichText::new(name).color(theme.text))
            .show_ui(ui, |ui| {
                if has_user {
                    ui.label(egui::RichText::new("Factory").small().weak());
                }
                for (i, preset) in self.presets.iter().enumerate() {
                    if ui
                        .selectable_label(self.current == Some(i), &preset.name)
                        .clicked()
                    {
                        picked = Some(i);
                    }
                }
                if !has_user {
                    return;
                }
                ui.separator();
                ui.label(egui::RichText::new("User").small().weak());
                if self.user_presets().is_empty() {
                    ui.label(egui::RichText::new("(none yet: Save as…)").weak());
                }
                for (i, preset) in self.user_presets().iter().enumerate() {
                    match &preset.preset {
                        Ok(_) => {
                            if ui
                                .selectable_label(self.current == Some(factory + i), &preset.name)
                                .on_hover_text(preset.path.display().to_string())
                                .clicked()
                            {
                                picked = Some(factory + i);
                            }
                        }
                        Err(reason) => {
                            ui.add_enabled(
                                false,
                                egui::Button::new(format!("{} (broken)", preset.name)),
                            )
                            .on_disabled_hover_text(format!("{}: {reason}", preset.path.display()));
                        }
                    }
                }
                ui.separator();
                let current_user = self.current_user().map(|p| p.name.clone());
                if ui
                    .add_enabled(current_user.is_some(), egui::Button::new("Save"))
                    .on_hover_text("Replace the loaded user preset with the current settings")
                    .clicked()
                {
                    action = Some(MenuAction::Save);
                }
                if ui.button("Save as…").clicked() {
                    action = Some(MenuAction::SaveAs);
                }
                if ui
                    .add_enabled(current_user.is_some(), egui::Button::new("Rename…"))
                    .clicked()
                {
                    action = Some(MenuAction::Rename);
                }
                if ui
                    .add_enabled(current_user.is_some(), egui::Button::new("Delete…"))
                    .clicked()
                {
                    action = Some(MenuAction::Delete);
                }
                if ui
                    .button("Reveal folder")
                    .on_hover_text(
                        self.user_folder()
                            .map(|d| d.display().to_string())
                            .unwrap_or_default(),
                    )
                    .clicked()
                {
                    action = Some(MenuAction::Reveal);
                }
            })
            .response;
        let hint = if has_user {
            "Factory and user presets (the arrows step through both)"
        } else {
            "Factory presets (the arrows step through them)"
        };
        if menu.on_hover_text(hint).clicked() {
            // Opening the menu: pick up presets saved elsewhere since.
            self.refresh();
        }
        if let Some(i) = picked {
            self.load(i, params, ctx);
        }
        let current_user = self.current_user_name();
        match action {
            Some(MenuAction::Save) => {
                if let Some(name) = current_user {
                    let result = self.save_user(&name, true, params);
                    self.report(result);
                }
            }
            Some(MenuAction::SaveAs) => self.naming = Some((Naming::SaveAs, String::new())),
            Some(MenuAction::Rename) => {
                if let Some(name) = current_user {
                    self.naming = Some((Naming::Rename(name.clone()), name));
                }
            }
            Some(MenuAction::Delete) => self.confirm_delete = current_user,
            Some(MenuAction::Reveal) => {
                let result = match self.store() {
                    Ok(store) => reveal_folder(store.dir()).map_err(|source| PresetError::Write {
                        action: "open",
                        dir: store.dir().to_owned(),
                        source,
                    }),
                    Err(e) => Err(e),
                };
                self.report(result);
            }
            None => {}
        }
    }
}

enum MenuAction {
    Save,
    SaveAs,
    Rename,
    Delete,
    Reveal,
}

/// Opens `dir` in the system's file manager (creating it first), without waiting for it.
fn reveal_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    let mut child = std::process::Command::new(program).arg(dir).spawn()?;
    // Reap it so no zombie is left behind.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// A small button with a painted triangle (no font glyph needed).
fn arrow_button(ui: &mut egui::Ui, left: bool) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(egui::vec2(22.0, 22.0), egui::Sense::click());
    if ui.is_rect_visible(rect) {
        let fill = if response.hovered() {
            theme.line
        } else {
            theme.control
        };
        ui.painter()
            .rect_filled(rect, egui::CornerRadius::same(4), fill);
        let c = rect.center();
        let (dx, dy) = (4.0, 5.0);
        let points = if left {
            vec![
                egui::pos2(c.x - dx, c.y),
                egui::pos2(c.x + dx, c.y - dy),
                egui::pos2(c.x + dx, c.y + dy),
            ]
        } else {
            vec![
                egui::pos2(c.x + dx, c.y),
                egui::pos2(c.x - dx, c.y - dy),
                egui::pos2(c.x - dx, c.y + dy),
            ]
        };
        let colour = if response.hovered() {
            theme.accent
        } else {
            theme.text
        };
        ui.painter().add(egui::Shape::convex_polygon(
            points,
            colour,
            egui::Stroke::NONE,
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::ParamHandle;
    use catalyst_editor_core::test_params::TestParams;
    use nice_plug::context::gui::GuiContextInner;
    use nice_plug::prelude::*;
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    /// Records the gestures a host would see and applies the values.
    #[derive(Default)]
    struct RecordingHost {
        log: Mutex<Vec<String>>,
    }

    impl GuiContextInner for RecordingHost {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
            self.log
                .lock()
                .unwrap()
                .push(format!("begin {}", unsafe { param.name() }));
        }
        unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
            unsafe { param._internal_set_normalized_value(normalized) };
            self.log
                .lock()
                .unwrap()
                .push(format!("set {} {normalized:.3}", unsafe { param.name() }));
        }
        unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
            self.log
                .lock()
                .unwrap()
                .push(format!("end {}", unsafe { param.name() }));
        }
        fn get_state(&self) -> PluginState {
            unimplemented!("not used by these tests")
        }
        fn set_state(&self, _state: PluginState) {}
        fn request_restart(&self) {}
    }

    fn setup() -> (Arc<TestParams>, Arc<RecordingHost>, GuiContext) {
        let host = Arc::new(RecordingHost::default());
        let ctx = GuiContext::new(host.clone());
        (Arc::new(TestParams::default()), host, ctx)
    }

    #[test]
    fn typed_values_and_resets_are_complete_gestures() {
        let (params, host, ctx) = setup();
        let gain = ParamHandle::new(&params.gain, &ctx);
        gain.set_once(gain.parse("6").expect("parses a plain number"));
        assert_eq!(params.gain.value(), 6.0);
        gain.reset();
        assert_eq!(params.gain.value(), 0.0);
        let log = host.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [
                "begin Gain",
                "set Gain 0.750",
                "end Gain",
                "begin Gain",
                "set Gain 0.500",
                "end Gain"
            ]
        );
    }

    #[test]
    fn presets_set_named_values_and_default_the_rest_then_wrap() {
        let (params, host, ctx) = setup();
        let mut browser =
            PresetBrowser::new(vec![Preset::new("Quiet", &[("gain", -12.0), ("on", 0.0)])]);
        assert_eq!(browser.presets()[0].name, "Init");
        browser.step(-1, params.as_ref(), &ctx); // from nothing, back = the last preset
        assert_eq!(browser.current(), Some(1));
        assert_eq!((params.gain.value(), params.on.value()), (-12.0, false));
        browser.step(1, params.as_ref(), &ctx); // wraps to Init: every default again
        assert_eq!(browser.current(), Some(0));
        assert_eq!((params.gain.value(), params.on.value()), (0.0, true));
        // Every change was bracketed by begin/end for the host's automation and undo.
        let log = host.log.lock().unwrap().clone();
        assert_eq!(log.iter().filter(|l| l.starts_with("begin")).count(), 4);
        assert_eq!(log.iter().filter(|l| l.starts_with("end")).count(), 4);
    }

    #[test]
    fn user_presets_save_list_apart_walk_with_the_arrows_rename_and_delete() {
        use catalyst_presets::{PresetStore, SNARE_LAYERER};
        let dir = std::env::temp_dir().join(format!("catalyst-browser-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (params, _host, ctx) = setup();
        let saved_state = Arc::new(Mutex::new(BTreeMap::new()));
        let state = {
            let loaded = saved_state.clone();
            PresetState {
                save: Box::new(|| BTreeMap::from([("sample-path".into(), "/a/ü.wav".into())])),
                load: Box::new(move |state, _ctx| *loaded.lock().unwrap() = state.clone()),
            }
        };
        let mut browser =
            PresetBrowser::new(vec![Preset::new("Quiet", &[("gain", -12.0), ("on", 0.0)])])
                .with_user_store(Ok(PresetStore::in_dir(&dir, SNARE_LAYERER)), Some(state));
        assert!(browser.user_presets().is_empty());

        // Save the current state (gain 6) as a user preset with a non-ASCII name.
        ParamHandle::new(&params.gain, &ctx).set_once(0.75);
        let path = browser
            .save_user("Señal Fuerte", false, params.as_ref())
            .unwrap();
        assert_eq!(path, dir.join("Señal Fuerte.toml"));
        assert_eq!(
            browser.current(),
            Some(2),
            "the saved preset is the current one"
        );
        assert!(matches!(
            browser.save_user("Señal Fuerte", false, params.as_ref()),
            Err(PresetError::Exists { .. })
        ));
        std::fs::write(dir.join("Broken.toml"), "nope").unwrap();
        browser.refresh();
        assert_eq!(browser.user_presets().len(), 2);
        assert_eq!(browser.presets().len(), 2, "factory presets stay apart");

        // Arrows: Init, Quiet, then the user preset; the broken file is skipped.
        browser.step(1, params.as_ref(), &ctx); // from the user preset, wraps to Init
        assert_eq!(browser.current(), Some(0));
        assert_eq!(params.gain.value(), 0.0);
        browser.step(1, params.as_ref(), &ctx);
        assert_eq!((browser.current(), params.gain.value()), (Some(1), -12.0));
        browser.step(1, params.as_ref(), &ctx);
        let user_index = 2 + browser
            .user_presets()
            .iter()
            .position(|p| p.name == "Señal Fuerte")
            .unwrap();
        assert_eq!(browser.current(), Some(user_index));
        assert_eq!((params.gain.value(), params.on.value()), (6.0, true));
        assert_eq!(saved_state.lock().unwrap()["sample-path"], "/a/ü.wav");
        assert_eq!(
            browser.status(),
            None,
            "a complete preset loads without remarks"
        );
        browser.step(-1, params.as_ref(), &ctx);
        assert_eq!(browser.current(), Some(1));

        // Rename keeps it current when it was; delete removes file and entry.
        browser.step(1, params.as_ref(), &ctx);
        browser.rename_user("Señal Fuerte", "Loud").unwrap();
        assert_eq!(
            browser
                .user_presets()
                .iter()
                .filter(|p| p.name == "Loud")
                .count(),
            1
        );
        assert!(dir.join("Loud.toml").exists() && !path.exists());
        browser.delete_user("Loud").unwrap();
        assert_eq!(browser.current(), None);
        assert!(!dir.join("Loud.toml").exists());
        assert_eq!(browser.user_presets().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
