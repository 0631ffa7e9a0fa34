//! Density Meter editor: the journey view. The verdict in plain words, a bar timeline of the
//! density index and its components with the current bar, the section bands (click to name),
//! the arrangement grid across every Density Meter in the session, and a side panel with live
//! loudness readouts, the analysis parameters, exports and clearing. The header's preset bar has
//! Init, user presets of the analysis parameters, A/B compare and undo/redo (the track name and
//! bus flag belong to the instance, not to a preset).
//!
//! Everything is read from [`MeterShared`] off the audio thread: live values are lock-free
//! atomics; the report (sections + verdict) and the arrangement snapshot allocate, so they are
//! rebuilt at most twice a second and only when something changed (`model::JourneyCache`).
//!
//! Every item is behind the `gui` feature; without it (the `catalyst` CLI build, which links no
//! GUI) the plugin reports `catalyst_editor_core::NoEditor`, which never opens (end of file).

#[cfg(feature = "gui")]
mod arrangement;
#[cfg(feature = "gui")]
mod colour_scale;
#[cfg(feature = "gui")]
mod export;
#[cfg(feature = "gui")]
mod journey;
#[cfg(feature = "gui")]
mod model;
#[cfg(feature = "gui")]
mod side;

#[cfg(feature = "gui")]
use crate::{DensityMeterParams, MeterShared};
#[cfg(feature = "gui")]
pub use arrangement::{ArrangementView, Shade};
#[cfg(feature = "gui")]
use catalyst_widgets::bar_timeline::BarView;
#[cfg(feature = "gui")]
use catalyst_widgets::egui;
#[cfg(feature = "gui")]
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, ParamPanel, PresetBrowser, Theme, header,
};
#[cfg(feature = "gui")]
pub use journey::GUTTER;
#[cfg(feature = "gui")]
use journey::{JourneyAction, Rename};
#[cfg(feature = "gui")]
use model::{Component, JourneyCache};
#[cfg(feature = "gui")]
use std::sync::Arc;
#[cfg(feature = "gui")]
use std::sync::atomic::Ordering;

#[cfg(feature = "gui")]
pub type DensityEditor = CatalystEditor<DensityView>;

/// Width of the side panel.
#[cfg(feature = "gui")]
const SIDE_WIDTH: f32 = 232.0;

#[cfg(feature = "gui")]
pub fn create(params: Arc<DensityMeterParams>, shared: Arc<MeterShared>) -> DensityEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Density Meter",
        theme: Theme::DENSITY,
        min_size: (760, 480),
    };
    // A/B slots and undo history outlive closing the window.
    let compare = catalyst_widgets::shared_compare();
    CatalystEditor::new(spec, layout, move || {
        DensityView::new(params.clone(), shared.clone(), compare.clone())
    })
}

#[cfg(feature = "gui")]
pub struct DensityView {
    params: Arc<DensityMeterParams>,
    shared: Arc<MeterShared>,
    cache: Option<JourneyCache>,
    view: BarView,
    shown: [bool; Component::ALL.len()],
    rename: Option<Rename>,
    arrangement: ArrangementView,
    track_name: String,
    /// The name box has the keyboard (don't overwrite what is being typed).
    editing_name: bool,
    /// The last export's result (text, is an error).
    status: Option<(String, bool)>,
    confirm_clear: bool,
    side_open: bool,
    /// User presets of the two analysis parameters, A/B and undo (no factory presets but Init).
    presets: PresetBrowser,
}

#[cfg(feature = "gui")]
impl DensityView {
    fn new(
        params: Arc<DensityMeterParams>,
        shared: Arc<MeterShared>,
        compare: catalyst_widgets::SharedCompare,
    ) -> Self {
        let track_name = params
            .track_name
            .read()
            .map(|n| n.clone())
            .unwrap_or_default();
        let mut shown = [false; Component::ALL.len()];
        shown[0] = true; // density
        shown[1] = true; // loudness
        let presets = PresetBrowser::new(Vec::new())
            .with_user_presets(catalyst_widgets::catalyst_presets::DENSITY_METER, None)
            .with_shared_compare(params.clone(), compare);
        Self {
            presets,
            params,
            shared,
            cache: None,
            view: BarView::default(),
            shown,
            rename: None,
            arrangement: ArrangementView::default(),
            track_name,
            editing_name: false,
            status: None,
            confirm_clear: false,
            side_open: true,
        }
    }

    /// This instance's track name as the arrangement shows it.
    fn own_track(&self) -> (Option<u64>, String) {
        let slot = self.shared.track_slot.lock().ok().and_then(|s| s.clone());
        match slot {
            Some(slot) => (Some(slot.id()), slot.name()),
            None => (None, self.track_name.clone()),
        }
    }

    /// Saves the edited track name in the state and renames the arrangement row; an empty
    /// name goes back to "Track N".
    fn commit_track_name(&mut self) {
        let name: String = self.track_name.trim().chars().take(40).collect();
        if let Ok(mut saved) = self.params.track_name.write() {
            saved.clone_from(&name);
        }
        let (id, _) = self.own_track();
        let shown = match (name.is_empty(), id) {
            (true, Some(id)) => format!("Track {id}"),
            _ => name.clone(),
        };
        self.shared.set_track_name(&shown);
        self.track_name = name;
    }

    fn export(&mut self, ctx: &egui::Context, json: bool) {
        let phrase = self.params.phrase_bars.value().max(1) as usize;
        let (extension, contents) = if json {
            ("json", self.shared.export_json(phrase))
        } else {
            ("csv", self.shared.export_csv(phrase))
        };
        ctx.copy_text(contents.clone());
        let (_, track) = self.own_track();
        self.status = Some(
            match export::write_export(&export::export_dir(), &track, extension, &contents) {
                Ok(path) => (
                    format!("Saved {} (and copied to the clipboard)", path.display()),
                    false,
                ),
                Err(e) => (
                    format!("Could not save ({e}); copied to the clipboard instead"),
                    true,
                ),
            },
        );
    }

    fn side_panel(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                side::readouts(ui, &self.shared.readouts);
                ui.add_space(10.0);
                ParamPanel::new(self.params.as_ref(), ctx)
                    .describe(&describe)
                    .ungrouped_title("Analysis")
                    .show(ui);
                ui.add_space(10.0);
                match side::files(ui, self.status.as_ref(), &mut self.confirm_clear) {
                    side::FileAction::ExportCsv => self.export(ui.ctx(), false),
                    side::FileAction::ExportJson => self.export(ui.ctx(), true),
                    side::FileAction::Clear => {
                        self.shared.request_clear();
                        self.status = Some(("Timeline cleared".to_owned(), false));
                        self.view.reset(0);
                    }
                    side::FileAction::None => {}
                }
            });
    }

    /// `total_bars`: the timeline's bars, or `None` in free time (the grid is by bar, so it
    /// cannot sit under a timeline of seconds).
    fn arrangement_card(&mut self, ui: &mut egui::Ui, total_bars: Option<usize>, width: f32) {
        let theme = Theme::get(ui.ctx());
        let (own_id, _) = self.own_track();
        theme.card().show(ui, |ui| {
            ui.set_width(width - 22.0);
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    egui::RichText::new("ARRANGEMENT · TRACKS × BARS")
                        .size(11.0)
                        .strong()
                        .color(theme.accent),
                );
                ui.add_space(8.0);
                ui.label(
                    egui::RichText::new("this track")
                        .size(11.0)
                        .color(theme.text_dim),
                );
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.track_name)
                            .desired_width(110.0)
                            .char_limit(40)
                            .hint_text("name it"),
                    )
                    .on_hover_text("This track's name in every Density Meter's grid (saved)");
                if edit.lost_focus() {
                    self.commit_track_name();
                }
                self.editing_name = edit.has_focus();
                let mut bus = self.params.track_is_bus.load(Ordering::Relaxed);
                if ui
                    .checkbox(&mut bus, "bus / master")
                    .on_hover_text(
                        "This meter hears a bus or the master: shown in the grid, but left out of \
                         clashes and of the \"everything plays\" share (saved)",
                    )
                    .changed()
                {
                    self.params.track_is_bus.store(bus, Ordering::Relaxed);
                    self.shared.set_track_bus(bus);
                }
                ui.add_space(8.0);
                ui.label(
                    egui::RichText::new("shade")
                        .size(11.0)
                        .color(theme.text_dim),
                );
                let shade = &mut self.arrangement.shade;
                ui.selectable_value(shade, Shade::Density, "Density")
                    .on_hover_text("Shade = each track's own density");
                ui.selectable_value(shade, Shade::Level, "Level")
                    .on_hover_text("Shade = loudness, -55 to -6 LUFS");
                ui.add_space(6.0);
                let (low, high) = match shade {
                    Shade::Density => ("sparse", "dense"),
                    Shade::Level => ("quiet", "loud"),
                };
                colour_scale::colour_scale_key(ui, low, high).on_hover_text(
                    "Cell colours; dark grey = heard but silent, red outline = clash",
                );
            });
            match total_bars {
                Some(total_bars) => {
                    self.arrangement
                        .show(ui, &mut self.view, total_bars, GUTTER, own_id)
                }
                None => {
                    ui.label(
                        egui::RichText::new(
                            "The grid is by bar: it fills while the host's transport plays.",
                        )
                        .size(11.5)
                        .color(theme.text_dim),
                    );
                }
            }
        });
    }
}

/// Producer-facing descriptions for tooltips, by parameter id.
#[cfg(feature = "gui")]
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "phrase" => {
            "Bars per phrase. Sections are looked for on this grid: 4 or 8 bars in most pop forms."
        }
        "occ_range" => {
            "Occupancy counts the frequency bands within this many dB of a held reference: the \
             loudest band of the recent past, falling 15 dB per second. So the gaps between \
             drum hits count as gaps, and every sustained layer adds the bands it fills."
        }
        _ => return None,
    })
}

#[cfg(feature = "gui")]
impl CatalystApp for DensityView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        let now = ui.input(|i| i.time);
        let phrase = self.params.phrase_bars.value().max(1) as usize;
        match self.cache.as_mut() {
            Some(cache) => {
                cache.refresh(&self.shared, phrase, now);
            }
            None => self.cache = Some(JourneyCache::new(&self.shared, phrase, now)),
        }
        self.arrangement.refresh(|| self.shared.arrangement(), now);
        // A project load while the editor is open brings a new name.
        if !self.editing_name
            && let Ok(saved) = self.params.track_name.read()
            && *saved != self.track_name
        {
            self.track_name.clone_from(&saved);
        }
        // Live values move continuously; bars arrive every few seconds.
        ui.ctx().request_repaint();
        // The host's context, recording the controls' changes for undo (A/B and undo bar).
        let ctx = &self.presets.edit_context(ctx);

        let r = &self.shared.readouts;
        let live_free = r.free_time.load() > 0.5;
        let position = r.position.load().max(0.0) as u32;
        let mut side_open = self.side_open;
        let params = self.params.clone();
        let presets = &mut self.presets;
        header(
            ui,
            "Density Meter",
            "journey or wall of sound, bar by bar",
            |ui| {
                ui.toggle_value(&mut side_open, "Meters")
                    .on_hover_text("Show or hide the readouts and settings panel");
                let where_ = if live_free {
                    "free time (no playing transport)".to_owned()
                } else {
                    format!("bar {}", position + 1)
                };
                ui.label(egui::RichText::new(where_).color(theme.text_dim));
                ui.add_space(6.0);
                presets.show(ui, params.as_ref(), ctx);
            },
        );
        self.side_open = side_open;

        if self.side_open {
            egui::Panel::right("density-side")
                .resizable(false)
                .exact_size(SIDE_WIDTH)
                .frame(egui::Frame::new().inner_margin(egui::Margin {
                    left: 12,
                    right: 0,
                    top: 0,
                    bottom: 0,
                }))
                .show(ui, |ui| self.side_panel(ui, ctx));
        }

        // Taken out for the frame so the cards can borrow the rest of the view mutably.
        let Some(cache) = self.cache.take() else {
            return;
        };
        let journey = cache.journey();
        // The marker only means something when the timeline and the live position agree on
        // what the x axis is (bars with bars, slots with slots).
        let marker = match (journey.report.free_time, live_free) {
            (false, false) => Some(position as f32),
            (true, true) => Some(journey.total_bars() as f32),
            _ => None,
        };
        let mut action = JourneyAction::None;
        egui::CentralPanel::no_frame().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let width = ui.available_width();
                    journey::verdict_card(ui, journey, width);
                    ui.add_space(8.0);
                    let plot_height = (ui.available_height() * 0.36).clamp(120.0, 360.0);
                    action = journey::timeline_card(
                        ui,
                        journey,
                        &mut self.view,
                        &mut self.shown,
                        &mut self.rename,
                        marker,
                        plot_height,
                        width,
                    );
                    ui.add_space(8.0);
                    let total = journey
                        .total_bars()
                        .max(marker.map_or(0, |m| m as usize + 1));
                    let bars = (!journey.report.free_time).then_some(total);
                    self.arrangement_card(ui, bars, width);
                });
        });
        let mut cache = cache;
        if let JourneyAction::Label(start_bar, text) = action {
            self.shared.set_label(start_bar, &text);
            cache.invalidate();
        }
        self.cache = Some(cache);
    }
}

/// Without the `gui` feature: no window (see the module doc).
#[cfg(not(feature = "gui"))]
pub use catalyst_editor_core::NoEditor as DensityEditor;

#[cfg(not(feature = "gui"))]
pub fn create(
    _params: std::sync::Arc<crate::DensityMeterParams>,
    _shared: std::sync::Arc<crate::MeterShared>,
) -> DensityEditor {
    DensityEditor
}

#[cfg(all(test, feature = "gui"))]
mod tests {
    use super::*;
    use catalyst_widgets::DirectGuiContext;
    use nice_plug::prelude::*;
    use shared_dsp::density::spectral::DEFAULT_OCCUPANCY_RANGE_DB;
    use shared_dsp::density::tracker::MAX_FREE_SLOTS;
    use shared_dsp::density::{BAR_FIELDS, BarStats, MAX_BARS};

    fn bar(index: i32) -> BarStats {
        // A song that builds and drops every 16 bars.
        let density = 20.0 + 3.0 * (index % 16) as f32;
        BarStats {
            index,
            duration_s: 2.0,
            coverage: 1.0,
            loudness_lufs: -24.0 + density / 5.0,
            true_peak_dbtp: -3.0,
            plr_db: 12.0,
            occupancy: density / 100.0,
            flatness: 0.05,
            onset_rate_hz: 4.0,
            low_share: 0.2,
            low_band_share: [0.3, 0.1, 0.05],
            density,
            fill: 0.0,
            band_db: [shared_dsp::density::bands::NO_PROFILE_DB;
                shared_dsp::density::bands::PROFILE_BANDS],
        }
    }

    fn fill(array: &shared_dsp::gui_channel::GuiArray, slots: usize, n: usize) {
        let mut flat = vec![0.0f32; slots * BAR_FIELDS];
        for i in 0..n {
            bar(i as i32).write_fields(&mut flat[i * BAR_FIELDS..(i + 1) * BAR_FIELDS]);
        }
        array.write(&flat);
    }

    /// Draws `frames` frames at 1000x700 with the pointer at `pointer`; returns seconds per
    /// frame.
    fn draw(view: &mut DensityView, frames: usize, pointer: egui::Pos2) -> f64 {
        let ctx = egui::Context::default();
        Theme::DENSITY.install(&ctx);
        let gui = DirectGuiContext::gui_context(PluginApi::Clap, None);
        let start = std::time::Instant::now();
        for i in 0..frames {
            let mut input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::pos2(0.0, 0.0),
                    egui::vec2(1000.0, 700.0),
                )),
                time: Some(i as f64 / 60.0),
                ..Default::default()
            };
            input.events.push(egui::Event::PointerMoved(pointer));
            let mut out = ctx.run_ui(input, |ui| view.ui(ui, &gui));
            out.textures_delta.clear();
        }
        start.elapsed().as_secs_f64() / frames as f64
    }

    /// One 1000x700 frame with `events` as its input.
    fn frame_with(view: &mut DensityView, events: Vec<egui::Event>) {
        let ctx = egui::Context::default();
        Theme::DENSITY.install(&ctx);
        let gui = DirectGuiContext::gui_context(PluginApi::Clap, None);
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::pos2(0.0, 0.0),
                egui::vec2(1000.0, 700.0),
            )),
            events,
            ..Default::default()
        };
        let mut out = ctx.run_ui(input, |ui| view.ui(ui, &gui));
        out.textures_delta.clear();
    }

    fn ctrl_z(shift: bool) -> egui::Event {
        egui::Event::Key {
            key: egui::Key::Z,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers {
                shift,
                ..egui::Modifiers::COMMAND
            },
        }
    }

    #[test]
    fn the_preset_bar_undoes_a_setting_and_compares_two_of_them() {
        let params = Arc::new(DensityMeterParams::default());
        let mut view = DensityView::new(
            params.clone(),
            params.shared.clone(),
            catalyst_widgets::shared_compare(),
        );
        let host = DirectGuiContext::gui_context(PluginApi::Clap, None);
        frame_with(&mut view, Vec::new());
        // The side panel's knobs use the bar's recording context.
        let ctx = view.presets.edit_context(&host);
        let range = catalyst_widgets::ParamHandle::new(&params.occupancy_range_db, &ctx);
        range.set_once(range.parse("30").unwrap());
        assert_eq!(params.occupancy_range_db.value(), 30.0);
        frame_with(&mut view, vec![ctrl_z(false)]);
        assert_eq!(
            params.occupancy_range_db.value(),
            DEFAULT_OCCUPANCY_RANGE_DB
        );
        frame_with(&mut view, vec![ctrl_z(true)]);
        assert_eq!(params.occupancy_range_db.value(), 30.0);
        // B: a copy of A, then its own phrase length; A keeps its own.
        view.presets
            .compare(catalyst_widgets::CompareAction::Switch);
        let phrase = catalyst_widgets::ParamHandle::new(&params.phrase_bars, &ctx);
        phrase.set_once(phrase.parse("8").unwrap());
        view.presets
            .compare(catalyst_widgets::CompareAction::Switch);
        assert_eq!(params.phrase_bars.value(), 4);
        assert_eq!(params.occupancy_range_db.value(), 30.0);
        view.presets
            .compare(catalyst_widgets::CompareAction::Switch);
        assert_eq!(params.phrase_bars.value(), 8);
        frame_with(&mut view, Vec::new());
    }

    #[test]
    fn a_track_name_edit_is_saved_and_renames_the_arrangement_row() {
        let params = Arc::new(DensityMeterParams::default());
        let shared = params.shared.clone();
        let slot = crate::registry::Registry::global().register("Track 9");
        *shared.track_slot.lock().unwrap() = Some(slot.clone());
        let mut view = DensityView::new(
            params.clone(),
            shared.clone(),
            catalyst_widgets::shared_compare(),
        );
        view.track_name = "  Bass DI ".into();
        view.commit_track_name();
        assert_eq!(*params.track_name.read().unwrap(), "Bass DI");
        assert_eq!(slot.name(), "Bass DI");
        assert_eq!(
            params
                .serialize_fields()
                .get("track_name")
                .map(String::as_str),
            Some("\"Bass DI\"")
        );
        // Empty: saved empty, shown as "Track N" like a fresh instance.
        view.track_name.clear();
        view.commit_track_name();
        assert_eq!(*params.track_name.read().unwrap(), "");
        assert_eq!(slot.name(), format!("Track {}", slot.id()));
    }

    #[test]
    fn the_editor_draws_empty_free_time_and_a_full_timeline() {
        let params = Arc::new(DensityMeterParams::default());
        let shared = params.shared.clone();
        // Nothing captured yet.
        let mut view = DensityView::new(
            params.clone(),
            shared.clone(),
            catalyst_widgets::shared_compare(),
        );
        draw(&mut view, 3, egui::pos2(300.0, 250.0));
        assert!(view.cache.as_ref().unwrap().journey().report.free_time);

        // Free time: slots, no renaming.
        fill(&shared.free_slots, MAX_FREE_SLOTS, 40);
        let mut view = DensityView::new(
            params.clone(),
            shared.clone(),
            catalyst_widgets::shared_compare(),
        );
        draw(&mut view, 3, egui::pos2(300.0, 250.0));
        let journey = view.cache.as_ref().unwrap().journey();
        assert!(journey.report.free_time);
        assert_eq!(journey.total_bars(), 40);

        // Every bar the timeline holds, hovered.
        fill(&shared.timeline, MAX_BARS, MAX_BARS);
        shared.set_label(16, "Chorus");
        let mut view = DensityView::new(
            params.clone(),
            shared.clone(),
            catalyst_widgets::shared_compare(),
        );
        let per_frame = draw(&mut view, 20, egui::pos2(400.0, 250.0));
        let journey = view.cache.as_ref().unwrap().journey();
        assert!(!journey.report.free_time);
        assert_eq!(journey.total_bars(), MAX_BARS);
        assert!(journey.report.sections.iter().any(|s| s.label == "Chorus"));
        let start = std::time::Instant::now();
        let _ = model::Journey::new(shared.report(4));
        println!(
            "{MAX_BARS} bars: editor frame {:.2} ms, report rebuild {:.2} ms (this build)",
            per_frame * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
