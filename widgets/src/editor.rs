//! The Catalyst editor shell: a resizable, DPI-aware egui editor whose size and zoom are saved in
//! the plugin state, with the Catalyst theme installed and a header bar.
//!
//! nice-plug-egui's `EguiEditorState` is not serializable and is fixed when the editor object is
//! created (before the host restores the state). So [`CatalystEditor`] keeps the size in a
//! persisted [`EditorLayout`] (a `#[persist]` field of the plugin's params; it lives in
//! `catalyst-editor-core` so a plugin built without its GUI saves the same state) and builds a fresh
//! egui editor from it each time the window opens: a project reopens its editor at the size
//! the producer left it.

use crate::theme::Theme;
use catalyst_editor_core::{EditorLayout, SharedLayout};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, PhysicalSize, Size};
use nice_plug::editor::{
    EditorHandle, HostMethods, Modifiers, ParentWindowHandle, ResizeHint, SpawnedEditor,
    VirtualKeyCode,
};
use nice_plug::prelude::Editor;
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    EguiEditor, EguiEditorHandle, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
    create_egui_editor,
};
use std::error::Error;
use std::sync::{Arc, Mutex, RwLock};

/// A plugin-specific editor body. One is created each time the window opens.
pub trait CatalystApp: Send + 'static {
    /// Draws one frame. `ctx` changes parameters (see [`crate::ParamHandle`]).
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext);
}

/// What a plugin tells the shell about its editor.
#[derive(Debug, Clone)]
pub struct EditorSpec {
    pub title: &'static str,
    pub theme: Theme,
    /// Smallest usable size in logical points.
    pub min_size: (u32, u32),
}

type Factory<A> = Box<dyn Fn() -> A + Send + Sync>;
type OpenCallback = Arc<dyn Fn(bool) + Send + Sync>;

/// A nice-plug [`Editor`] that builds a themed, resizable egui editor around a [`CatalystApp`].
pub struct CatalystEditor<A: CatalystApp> {
    spec: EditorSpec,
    layout: SharedLayout,
    make_app: Factory<A>,
    on_open: Option<OpenCallback>,
    repaint: RepaintNotifier,
    /// The live egui editor while a window is open (GUI thread only).
    live: Mutex<Option<EguiEditor<Shell<A>>>>,
    /// The last scale factor the window reported, for sizes asked before it opens again.
    scale: Arc<RwLock<f64>>,
}

impl<A: CatalystApp> CatalystEditor<A> {
    pub fn new(
        spec: EditorSpec,
        layout: SharedLayout,
        make_app: impl Fn() -> A + Send + Sync + 'static,
    ) -> Self {
        Self {
            spec,
            layout,
            make_app: Box::new(make_app),
            on_open: None,
            repaint: RepaintNotifier::new(),
            live: Mutex::new(None),
            scale: Arc::new(RwLock::new(1.0)),
        }
    }

    /// Called with `true` when the window opens and `false` when it closes (e.g. to switch the
    /// audio thread's GUI taps on and off).
    pub fn on_open_change(mut self, callback: impl Fn(bool) + Send + Sync + 'static) -> Self {
        self.on_open = Some(Arc::new(callback));
        self
    }

    fn current_layout(&self) -> EditorLayout {
        let layout = *self.layout.read().unwrap_or_else(|e| e.into_inner());
        layout.sanitized(self.spec.min_size)
    }
}

impl<A: CatalystApp> Editor for CatalystEditor<A> {
    type Handle = CatalystEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let layout = self.current_layout();
        // baseview sizes a new window with the system scale or 1.0, ignoring the host's scale
        // (it only scales the content). When the host tells us its scale, open the window at
        // the physical size that scale needs, so a 2x display gets a 2x window, not a cut one.
        let size: Size = match fallback_scale_factor {
            Some(scale) if scale.is_finite() && scale > 0.0 => {
                *self.scale.write().unwrap_or_else(|e| e.into_inner()) = scale;
                Size::Physical(PhysicalSize::new(
                    (layout.width as f64 * scale).round() as u32,
                    (layout.height as f64 * scale).round() as u32,
                ))
            }
            _ => Size::Logical(LogicalSize::new(layout.width as f64, layout.height as f64)),
        };
        let state = EguiEditorState::from_size(size, layout.zoom);
        let settings = EguiNiceSettings::new()
            .with_tile(self.spec.title)
            .with_resize_hint(self.resize_hint());
        let shell = Shell {
            app: (self.make_app)(),
            spec: self.spec.clone(),
            layout: self.layout.clone(),
            scale: self.scale.clone(),
            gui_context: None,
        };
        let editor = create_egui_editor(state, self.repaint.clone(), settings, shell)
            .ok_or("could not create the egui editor")?;
        let spawned = editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )?;
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = Some(editor);
        if let Some(on_open) = &self.on_open {
            on_open(true);
        }
        Ok(SpawnedEditor {
            handle: CatalystEditorHandle {
                inner: spawned.handle,
                on_open: self.on_open.clone(),
            },
            window: spawned.window,
        })
    }

    fn size(&self) -> NativeSize<u32> {
        if let Some(live) = self.live.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return live.size();
        }
        let layout = self.current_layout();
        let scale = *self.scale.read().unwrap_or_else(|e| e.into_inner());
        NativeSize::from_size(
            Size::Logical(LogicalSize::new(layout.width as f64, layout.height as f64)),
            scale,
        )
    }

    fn resize_hint(&self) -> ResizeHint {
        ResizeHint::resizable().with_min_logical_size(LogicalSize::new(
            self.spec.min_size.0 as f32,
            self.spec.min_size.1 as f32,
        ))
    }
}

/// Handle of an open Catalyst editor; closing the window drops it.
pub struct CatalystEditorHandle {
    inner: EguiEditorHandle,
    on_open: Option<OpenCallback>,
}

impl Drop for CatalystEditorHandle {
    fn drop(&mut self) {
        if let Some(on_open) = &self.on_open {
            on_open(false);
        }
    }
}

impl EditorHandle for CatalystEditorHandle {
    type Window = <EguiEditorHandle as EditorHandle>::Window;
    type Error = <EguiEditorHandle as EditorHandle>::Error;

    fn run_until_closed(window: Self::Window) -> Result<(), Self::Error> {
        EguiEditorHandle::run_until_closed(window)
    }
    fn set_parent(
        &self,
        parent: ParentWindowHandle,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_parent(parent, window)
    }
    fn show(&self, window: &Self::Window) -> Result<(), Self::Error> {
        self.inner.show(window)
    }
    fn hide(&self, window: &Self::Window) -> Result<(), Self::Error> {
        self.inner.hide(window)
    }
    fn set_size(
        &self,
        new_size: NativeSize<u32>,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_size(new_size, window)
    }
    fn host_main_thread_callback(&self, window: &Self::Window) {
        self.inner.host_main_thread_callback(window)
    }
    fn adjust_size(
        &self,
        new_size: NativeSize<u32>,
        window: &Self::Window,
    ) -> Option<NativeSize<u32>> {
        self.inner.adjust_size(new_size, window)
    }
    fn set_fallback_scale_factor(
        &self,
        scale_factor: f64,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_fallback_scale_factor(scale_factor, window)
    }
    fn on_virtual_key_from_host(
        &self,
        key_code: VirtualKeyCode,
        is_down: bool,
        modifiers: Modifiers,
    ) -> bool {
        self.inner
            .on_virtual_key_from_host(key_code, is_down, modifiers)
    }
    fn state_changed(&self) {
        self.inner.state_changed()
    }
    fn param_value_changed(&self, id: &str, normalized_value: f32) {
        self.inner.param_value_changed(id, normalized_value)
    }
    fn param_modulation_changed(&self, id: &str, modulation_offset: f32) {
        self.inner.param_modulation_changed(id, modulation_offset)
    }
}

/// Wraps a [`CatalystApp`] as a nice-plug-egui app: theme, resize corner, layout persistence.
struct Shell<A: CatalystApp> {
    app: A,
    spec: EditorSpec,
    layout: SharedLayout,
    scale: Arc<RwLock<f64>>,
    gui_context: Option<GuiContext>,
}

impl<A: CatalystApp> NiceEguiApp for Shell<A> {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.spec.theme.install(&egui_ctx);
        self.gui_context = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(ctx) = self.gui_context.as_ref() else {
            return;
        };
        let min = egui::vec2(self.spec.min_size.0 as f32, self.spec.min_size.1 as f32);
        let app = &mut self.app;
        ResizableWindow::new("catalyst-editor")
            .min_size(min)
            .show(ui, |ui| {
                egui::Frame::new()
                    .inner_margin(egui::Margin::same(12))
                    .show(ui, |ui| app.ui(ui, ctx));
            });
    }

    fn resized(&mut self, new_size: nice_plug_egui::baseview::WindowSize) {
        *self.scale.write().unwrap_or_else(|e| e.into_inner()) = new_size.scale_factor;
        let mut layout = self.layout.write().unwrap_or_else(|e| e.into_inner());
        layout.width = new_size.logical.width.round().max(1.0) as u32;
        layout.height = new_size.logical.height.round().max(1.0) as u32;
    }

    fn zoom_factor_changed(&mut self, zoom_factor: f32) {
        self.layout.write().unwrap_or_else(|e| e.into_inner()).zoom = zoom_factor;
    }
}

/// The header every Catalyst editor starts with: wordmark, plugin name, a right-aligned area
/// (preset bar, A/B, zoom) supplied by the caller. The right side is laid out first, so in a
/// narrow window the tagline is cut short (with "…") rather than the controls pushed out.
pub fn header(
    ui: &mut egui::Ui,
    plugin_name: &str,
    tagline: &str,
    right: impl FnOnce(&mut egui::Ui),
) {
    let theme = Theme::get(ui.ctx());
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            zoom_menu(ui);
            right(ui);
            // What is left, from the left edge.
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                ui.label(
                    egui::RichText::new("CATALYST")
                        .size(11.0)
                        .strong()
                        .color(theme.text_dim),
                );
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(plugin_name)
                            .size(19.0)
                            .strong()
                            .color(theme.accent),
                    )
                    .truncate(),
                );
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(tagline)
                            .size(11.5)
                            .color(theme.text_dim),
                    )
                    .truncate(),
                );
            });
        });
    });
    let rect = ui.available_rect_before_wrap();
    ui.painter().line_segment(
        [rect.left_top(), egui::pos2(rect.right(), rect.top())],
        egui::Stroke::new(1.0, theme.line),
    );
    ui.add_space(8.0);
}

/// UI scale menu (on top of the host's DPI scale); the choice is saved with the layout.
pub fn zoom_menu(ui: &mut egui::Ui) {
    let zoom = ui.ctx().zoom_factor();
    egui::ComboBox::from_id_salt("catalyst-zoom")
        .width(58.0)
        .selected_text(format!("{:.0}%", zoom * 100.0))
        .show_ui(ui, |ui| {
            for z in [0.75f32, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0] {
                if ui
                    .selectable_label((z - zoom).abs() < 0.01, format!("{:.0}%", z * 100.0))
                    .clicked()
                {
                    ui.ctx().set_zoom_factor(z);
                }
            }
        })
        .response
        .on_hover_text("Interface size");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out a header `width` wide whose right side is `right_width` wide; returns the
    /// header's extent, the right side's rectangle and where the tagline's text was drawn.
    fn layout(width: f32, right_width: f32) -> (egui::Rect, egui::Rect, egui::Rect) {
        let ctx = egui::Context::default();
        Theme::SNARE.install(&ctx);
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(width, 300.0),
            )),
            ..Default::default()
        };
        let mut right_rect = egui::Rect::NOTHING;
        let mut extent = egui::Rect::NOTHING;
        let mut out = ctx.run_ui(input, |ui| {
            let top = ui.cursor().min;
            header(
                ui,
                "Snare Layerer",
                "character on every hit, phase-aligned",
                |ui| {
                    right_rect = ui
                        .add_sized([right_width, 20.0], egui::Button::new("bar"))
                        .rect;
                },
            );
            extent = egui::Rect::from_min_max(top, ui.min_rect().max);
        });
        out.textures_delta.clear();
        let tagline = out
            .shapes
            .iter()
            .find_map(|clipped| match &clipped.shape {
                egui::Shape::Text(text) if text.galley.text().starts_with("character") => {
                    Some(text.galley.rect.translate(text.pos.to_vec2()))
                }
                _ => None,
            })
            .expect("the tagline is drawn");
        (extent, right_rect, tagline)
    }

    #[test]
    fn a_narrow_header_cuts_the_tagline_not_the_controls() {
        // The preset bar with A/B and undo is about 470 px; the minimum editor width is 760.
        let (extent, right, tagline) = layout(760.0, 470.0);
        assert!(
            extent.right() <= 760.0 + 0.5,
            "header overflows: {extent:?}"
        );
        assert!(right.left() >= 0.0 && right.right() <= 760.0, "{right:?}");
        assert!(
            tagline.right() <= right.left(),
            "the tagline {tagline:?} runs under the controls {right:?}"
        );
        // With room to spare the whole tagline shows, as wide as the text needs.
        let (_, wide, full) = layout(1400.0, 470.0);
        assert!((wide.width() - right.width()).abs() < 0.5);
        assert!(
            full.width() > tagline.width() + 20.0,
            "{full:?} vs {tagline:?}"
        );
    }
}
