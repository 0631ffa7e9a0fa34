//! The preset bar's A/B and undo buttons: glue between egui and
//! `catalyst_editor_core::EditSession`, which holds the logic (two slots, per-slot undo
//! histories, everything sent through the host's parameter setter).
//!
//! `[A|B]` switches the slot being heard, `A→B` / `B→A` copy one slot over the other (the arrow
//! is painted: egui's default fonts have none), `Undo` / `Redo`
//! undo and redo the editor's parameter changes in the slot being heard; Ctrl+Z and
//! Ctrl+Shift+Z (or Ctrl+Y; Cmd on macOS) do the same while the editor has the keyboard and no
//! text field is being typed in.

use crate::theme::Theme;
use catalyst_editor_core::edit_session::{EditSession, PresetState};
use catalyst_editor_core::{Slot, UndoHistory};

/// What the user asked for this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareAction {
    Switch,
    Copy(Slot),
    Undo,
    Redo,
}

/// Runs `action` on `session`.
pub fn perform(session: &EditSession, action: CompareAction, state: Option<&PresetState>) {
    match action {
        CompareAction::Switch => {
            session.switch(state);
        }
        CompareAction::Copy(from) => {
            session.copy(from, state);
        }
        CompareAction::Undo => {
            session.undo();
        }
        CompareAction::Redo => {
            session.redo();
        }
    }
}

/// Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, unless a text field has the keyboard (it has its own undo).
pub fn shortcut(ctx: &egui::Context) -> Option<CompareAction> {
    if ctx.egui_wants_keyboard_input() {
        return None;
    }
    let redo_shift = egui::KeyboardShortcut::new(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    let redo_y = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Y);
    let undo = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Z);
    ctx.input_mut(|i| {
        // The most specific first: Ctrl+Z also matches a Ctrl+Shift+Z press.
        if i.consume_shortcut(&redo_shift) || i.consume_shortcut(&redo_y) {
            Some(CompareAction::Redo)
        } else if i.consume_shortcut(&undo) {
            Some(CompareAction::Undo)
        } else {
            None
        }
    })
}

/// The buttons, in reading order also inside a right-to-left layout (`rtl`).
pub fn buttons(ui: &mut egui::Ui, session: &EditSession, rtl: bool) -> Option<CompareAction> {
    let theme = Theme::get(ui.ctx());
    let active = session.active();
    let (undo_steps, redo_steps) = session.history_len();
    let idle = session.with_history(UndoHistory::is_idle);
    // One item per index, so the order can be reversed for right-to-left.
    let draw = |ui: &mut egui::Ui, index: usize| -> Option<CompareAction> {
        let mut picked = None;
        match index {
            0 | 1 => {
                let slot = if index == 0 { Slot::A } else { Slot::B };
                let label = egui::RichText::new(slot.label())
                    .strong()
                    .color(if active == slot {
                        theme.accent
                    } else {
                        theme.text_dim
                    });
                let clicked = ui
                    .add(egui::Button::selectable(active == slot, label).small())
                    .on_hover_text(format!(
                        "Compare: hear working state {} (each keeps its own undo)",
                        slot.label()
                    ))
                    .clicked();
                if clicked && active != slot {
                    picked = Some(CompareAction::Switch);
                }
            }
            2 | 3 => {
                let from = if index == 2 { Slot::A } else { Slot::B };
                if copy_button(ui, from, idle)
                    .on_hover_text(format!(
                        "Copy {} over {} (undoable)",
                        from.label(),
                        from.other().label()
                    ))
                    .clicked()
                {
                    picked = Some(CompareAction::Copy(from));
                }
            }
            4 => {
                if ui
                    .add_enabled(undo_steps > 0 && idle, egui::Button::new("Undo").small())
                    .on_hover_text(format!(
                        "Undo (Ctrl+Z): {undo_steps} steps in {}",
                        active.label()
                    ))
                    .on_disabled_hover_text("Nothing to undo")
                    .clicked()
                {
                    picked = Some(CompareAction::Undo);
                }
            }
            _ => {
                if ui
                    .add_enabled(redo_steps > 0 && idle, egui::Button::new("Redo").small())
                    .on_hover_text(format!(
                        "Redo (Ctrl+Shift+Z): {redo_steps} steps in {}",
                        active.label()
                    ))
                    .on_disabled_hover_text("Nothing to redo")
                    .clicked()
                {
                    picked = Some(CompareAction::Redo);
                }
            }
        }
        picked
    };
    let mut action = None;
    let order: [usize; 6] = if rtl {
        [5, 4, 3, 2, 1, 0]
    } else {
        [0, 1, 2, 3, 4, 5]
    };
    for (n, index) in order.into_iter().enumerate() {
        // A little air between the A/B pair, the copies and undo/redo.
        if n > 0 && matches!((rtl, index), (false, 2 | 4) | (true, 3 | 1)) {
            ui.add_space(4.0);
        }
        action = draw(ui, index).or(action);
    }
    action
}

/// "A→B": the two letters with a painted arrow between them.
fn copy_button(ui: &mut egui::Ui, from: Slot, enabled: bool) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let sense = if enabled {
        egui::Sense::click()
    } else {
        egui::Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(egui::vec2(34.0, 18.0), sense);
    if ui.is_rect_visible(rect) {
        let hovered = enabled && response.hovered();
        let fill = if hovered { theme.line } else { theme.control };
        let ink = match (enabled, hovered) {
            (false, _) => theme.text_dim,
            (true, true) => theme.accent,
            (true, false) => theme.text,
        };
        let painter = ui.painter();
        painter.rect_filled(rect, egui::CornerRadius::same(3), fill);
        let font = egui::FontId::proportional(11.0);
        let y = rect.center().y;
        painter.text(
            egui::pos2(rect.left() + 7.0, y),
            egui::Align2::CENTER_CENTER,
            from.label(),
            font.clone(),
            ink,
        );
        painter.text(
            egui::pos2(rect.right() - 7.0, y),
            egui::Align2::CENTER_CENTER,
            from.other().label(),
            font,
            ink,
        );
        let (x0, x1) = (rect.left() + 12.5, rect.right() - 12.5);
        painter.line_segment(
            [egui::pos2(x0, y), egui::pos2(x1 - 2.0, y)],
            egui::Stroke::new(1.2, ink),
        );
        painter.add(egui::Shape::convex_polygon(
            vec![
                egui::pos2(x1, y),
                egui::pos2(x1 - 3.5, y - 3.0),
                egui::pos2(x1 - 3.5, y + 3.0),
            ],
            ink,
            egui::Stroke::NONE,
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use crate::{ParamHandle, PresetBrowser, Theme};
    use catalyst_editor_core::Slot;
    use catalyst_editor_core::test_params::TestParams;
    use nice_plug::prelude::*;
    use std::sync::Arc;

    fn params() -> Arc<TestParams> {
        Arc::new(TestParams::default())
    }

    /// One frame of the bar with `events` as the frame's input.
    fn frame(
        ctx: &egui::Context,
        browser: &mut PresetBrowser,
        params: &TestParams,
        host: &GuiContext,
        events: Vec<egui::Event>,
    ) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::pos2(0.0, 0.0),
                egui::vec2(900.0, 200.0),
            )),
            events,
            ..Default::default()
        };
        let mut out = ctx.run_ui(input, |ui| browser.show(ui, params, host));
        out.textures_delta.clear();
    }

    fn key(key: egui::Key, shift: bool) -> egui::Event {
        egui::Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers {
                shift,
                ..egui::Modifiers::COMMAND
            },
        }
    }

    use nice_plug::context::gui::GuiContext;

    #[test]
    fn ctrl_z_undoes_a_knob_drag_and_ctrl_shift_z_redoes_it() {
        let params = params();
        let host = catalyst_editor_core::DirectGuiContext::gui_context(PluginApi::Clap, None);
        let mut browser = PresetBrowser::new(Vec::new()).with_compare(params.clone());
        let ctx = egui::Context::default();
        Theme::SNARE.install(&ctx);
        frame(&ctx, &mut browser, &params, &host, Vec::new());
        let edit = browser.edit_context(&host);
        let gain = ParamHandle::new(&params.gain, &edit);
        gain.begin();
        gain.set_normalized(0.6);
        gain.set_normalized(0.75);
        gain.end();
        assert_eq!(params.gain.value(), 6.0);
        frame(
            &ctx,
            &mut browser,
            &params,
            &host,
            vec![key(egui::Key::Z, false)],
        );
        assert_eq!(params.gain.value(), 0.0, "Ctrl+Z undid the drag");
        frame(
            &ctx,
            &mut browser,
            &params,
            &host,
            vec![key(egui::Key::Z, true)],
        );
        assert_eq!(params.gain.value(), 6.0, "Ctrl+Shift+Z redid it");
        // Loading a preset from the bar is one step too.
        browser.load(0, params.as_ref(), &edit); // Init
        assert_eq!(params.gain.value(), 0.0);
        frame(
            &ctx,
            &mut browser,
            &params,
            &host,
            vec![key(egui::Key::Z, false)],
        );
        assert_eq!(params.gain.value(), 6.0, "undo of the preset load");
        // A/B from the bar's own entry point.
        browser.compare(super::CompareAction::Switch);
        assert_eq!(browser.session().unwrap().active(), Slot::B);
        gain.set_once(1.0);
        browser.compare(super::CompareAction::Switch);
        assert_eq!(params.gain.value(), 6.0);
        browser.compare(super::CompareAction::Copy(Slot::B));
        assert_eq!(params.gain.value(), 12.0);
    }

    #[test]
    fn every_label_of_the_bar_is_in_the_default_fonts() {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
        let font = egui::FontId::proportional(12.0);
        // egui's default fonts have no arrows (not even U+2192): the copy arrow is painted.
        for label in ["A", "B", "Undo", "Redo"] {
            assert!(
                ctx.fonts_mut(|f| f.has_glyphs(&font, label)),
                "{label} has a glyph missing"
            );
        }
        // And a character it lacks is reported as missing: the check can fail.
        assert!(!ctx.fonts_mut(|f| f.has_glyph(&font, '→')));
        out.textures_delta.clear();
    }
}
