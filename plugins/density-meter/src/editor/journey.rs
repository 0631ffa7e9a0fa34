//! The journey: the verdict in plain words, the bar timeline (density and its components, the
//! current bar, hover read-out, zoom) and the section bands with their labels, renamed in place.

use super::colour_scale::density_colour;
use super::model::{Component, Journey, bar_tooltip, verdict_title};
use catalyst_widgets::bar_timeline::{BarView, Curve, Span, bar_plot, bar_ruler, span_strip};
use catalyst_widgets::{Theme, egui};
use shared_dsp::density::VerdictKind;
use shared_dsp::density::sections::LABEL_CHOICES;

/// Left margin of the timeline, the section strip and the arrangement grid (y labels, track
/// names): they share it so their bars line up.
pub const GUTTER: f32 = 92.0;

/// A section being renamed.
pub struct Rename {
    pub start_bar: i32,
    pub end_bar: i32,
    pub auto_label: String,
    pub text: String,
    focus: bool,
}

/// What the user asked for this frame.
pub enum JourneyAction {
    None,
    /// Set (or with an empty text reset) the label of the section starting at the bar.
    Label(i32, String),
}

/// The verdict card: headline coloured by kind, the message, the numbers behind it.
pub fn verdict_card(ui: &mut egui::Ui, journey: &Journey, width: f32) {
    let theme = Theme::get(ui.ctx());
    let v = &journey.report.verdict;
    let (colour, fill) = match v.kind {
        VerdictKind::WallOfSound => (theme.danger, theme.danger.gamma_multiply(0.16)),
        VerdictKind::LittleMovement => (theme.warn, theme.panel),
        VerdictKind::Journey => (theme.ok, theme.panel),
        VerdictKind::NotEnoughMusic => (theme.text_dim, theme.panel),
    };
    let stroke_width = if v.kind == VerdictKind::WallOfSound {
        2.0
    } else {
        1.0
    };
    egui::Frame::new()
        .fill(fill)
        .stroke(egui::Stroke::new(stroke_width, colour))
        .corner_radius(egui::CornerRadius::same(6))
        .inner_margin(egui::Margin::symmetric(12, 8))
        .show(ui, |ui| {
            ui.set_width(width - 26.0);
            ui.horizontal_wrapped(|ui| {
                let title = verdict_title(v.kind).to_uppercase();
                ui.label(
                    egui::RichText::new(title)
                        .size(if v.kind == VerdictKind::WallOfSound {
                            16.0
                        } else {
                            14.0
                        })
                        .strong()
                        .color(colour),
                );
                if v.kind != VerdictKind::NotEnoughMusic {
                    ui.add_space(10.0);
                    let mut chip = |label: &str, value: String, tip: &str| {
                        ui.label(egui::RichText::new(label).size(10.5).color(theme.text_dim));
                        ui.label(
                            egui::RichText::new(value)
                                .font(egui::FontId::monospace(12.5))
                                .color(theme.text),
                        )
                        .on_hover_text(tip);
                        ui.add_space(6.0);
                    };
                    if let (Some(c), Some(vs)) = (&v.chorus, &v.verse) {
                        chip(
                            &format!("{c} vs {vs}"),
                            format!("{:+.0} pts {:+.1} LU", v.contrast_points, v.contrast_lu),
                            "Chorus minus verse: mean density in index points, loudness in LU. \
                             A journey needs +12 points or +3 LU.",
                        );
                    }
                    chip(
                        "range",
                        format!("{:.0} pts", v.density_range),
                        "Density range over the song: 90th minus 10th percentile of the \
                         sounding bars. 20 points or more is a journey; under 10 with a dense \
                         mix is a wall of sound.",
                    );
                    chip(
                        "mean",
                        format!("{:.0}", v.mean_density),
                        "Mean density of the sounding bars.",
                    );
                    chip(
                        "sections",
                        format!("{:.1} LU", v.section_spread_lu),
                        "Loudest minus quietest section.",
                    );
                }
            });
            ui.label(egui::RichText::new(&v.message).size(12.5).color(theme.text));
        });
}

/// The timeline card. `shown[c]` toggles `Component::ALL[c]`; `marker` is the current bar.
#[allow(clippy::too_many_arguments)]
pub fn timeline_card(
    ui: &mut egui::Ui,
    journey: &Journey,
    view: &mut BarView,
    shown: &mut [bool; 7],
    rename: &mut Option<Rename>,
    marker: Option<f32>,
    plot_height: f32,
    width: f32,
) -> JourneyAction {
    let theme = Theme::get(ui.ctx());
    let free = journey.report.free_time;
    // Room for the bar being captured now.
    let total = journey
        .total_bars()
        .max(marker.map_or(0, |m| m.max(0.0) as usize + 1));
    let mut action = JourneyAction::None;
    theme.card().show(ui, |ui| {
        ui.set_width(width - 22.0);
        ui.horizontal_wrapped(|ui| {
            ui.label(
                egui::RichText::new(if free {
                    "JOURNEY · FREE TIME"
                } else {
                    "JOURNEY · BY BAR"
                })
                .size(11.0)
                .strong()
                .color(theme.accent),
            );
            if free {
                ui.label(
                    egui::RichText::new("no playing transport: 2-second slots, not bars")
                        .size(11.0)
                        .color(theme.warn),
                );
            }
            ui.add_space(6.0);
            for (i, c) in Component::ALL.iter().enumerate() {
                if legend_chip(ui, shown[i], c.colour(theme.accent), c.name())
                    .on_hover_text(c.describe())
                    .clicked()
                {
                    shown[i] = !shown[i];
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .add_enabled(!view.fit, egui::Button::new("Fit"))
                    .on_hover_text("Show the whole capture (or double-click the plot)")
                    .clicked()
                {
                    view.reset(total);
                }
            });
        });

        let curves: Vec<Curve> = Component::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| shown[*i])
            .map(|(_, c)| Curve {
                values: journey.series(*c),
                range: (0.0, 100.0),
                colour: c.colour(theme.accent),
                width: if *c == Component::Density { 2.2 } else { 1.4 },
                fill: *c == Component::Density,
            })
            .collect();
        // The y labels belong to the density scale, which every curve shares.
        let plot = bar_plot(
            ui,
            view,
            total,
            plot_height,
            GUTTER,
            &curves,
            &[0.0, 25.0, 50.0, 75.0, 100.0],
            marker,
        );
        shade_outside_song(ui, journey, view, plot.response.rect, &theme);
        let plot_response = match plot.hovered_bar {
            Some(bar) => plot
                .response
                .on_hover_text_at_pointer(bar_tooltip(journey, bar)),
            None => plot.response.on_hover_text(
                "Density (0 = sparse, 100 = wall of sound) bar by bar. Ctrl + wheel zooms, \
                 shift + wheel or drag scrolls, double-click fits.",
            ),
        };
        if journey.total_bars() == 0 {
            ui.painter().text(
                plot_response.rect.center() + egui::vec2(GUTTER / 2.0, 0.0),
                egui::Align2::CENTER_CENTER,
                "Play the song: each bar appears here as it ends.",
                egui::FontId::proportional(13.0),
                theme.text_dim,
            );
        }
        bar_ruler(ui, view, total, GUTTER, if free { "slot" } else { "bar" });
        ui.add_space(3.0);

        let spans: Vec<Span> = journey
            .report
            .sections
            .iter()
            .map(|s| Span {
                start: s.start_bar as f32,
                end: s.end_bar as f32,
                label: &s.label,
                fill: density_colour(s.mean_density / 100.0).gamma_multiply(0.85),
                selected: rename.as_ref().is_some_and(|r| r.start_bar == s.start_bar),
            })
            .collect();
        let strip = span_strip(ui, view, 24.0, GUTTER, "sections", &spans);
        if let Some(i) = strip.hovered {
            let s = &journey.report.sections[i];
            let tip = format!(
                "{} · bars {}-{}\ndensity {:.0} · {:.1} LUFS{}\n{}",
                s.label,
                s.start_bar + 1,
                s.end_bar,
                s.mean_density,
                s.loudness_lufs,
                if s.user_labelled {
                    format!(" · automatic: {}", s.auto_label)
                } else {
                    String::new()
                },
                if free {
                    "Naming sections needs bars: play from the host's transport."
                } else {
                    "Click to name it (Verse, Chorus, ...)."
                }
            );
            strip.response.on_hover_text_at_pointer(tip);
        }
        if let Some(i) = strip.clicked.filter(|_| !free) {
            let s = &journey.report.sections[i];
            *rename = Some(Rename {
                start_bar: s.start_bar,
                end_bar: s.end_bar,
                auto_label: s.auto_label.clone(),
                text: if s.user_labelled {
                    s.label.clone()
                } else {
                    String::new()
                },
                focus: true,
            });
        }
        // The sections moved under the rename (a new bar changed them): nothing to name.
        if rename.as_ref().is_some_and(|r| {
            !journey
                .report
                .sections
                .iter()
                .any(|s| s.start_bar == r.start_bar)
        }) {
            *rename = None;
        }
        if let Some(r) = rename.as_mut() {
            action = rename_row(ui, r);
            if !matches!(action, JourneyAction::None) || r.cancelled(ui) {
                *rename = None;
            }
        }
    });
    action
}

/// Dims the bars outside the song (`Journey::outside_song_runs`) over the plot in `outer`
/// (gutter included), so the count-in and the tail read as not part of it.
fn shade_outside_song(
    ui: &egui::Ui,
    journey: &Journey,
    view: &BarView,
    outer: egui::Rect,
    theme: &Theme,
) {
    let plot = egui::Rect::from_min_max(egui::pos2(outer.left() + GUTTER, outer.top()), outer.max);
    let axis = view.axis(plot.left(), plot.width());
    let painter = ui.painter_at(plot);
    for run in journey.outside_song_runs() {
        let (x0, x1) = (axis.x_of(run.start as f32), axis.x_of(run.end as f32));
        if x1 < plot.left() || x0 > plot.right() {
            continue;
        }
        let rect = egui::Rect::from_x_y_ranges(x0..=x1, plot.y_range());
        painter.rect_filled(rect, 0.0, theme.text_dim.gamma_multiply(0.18));
        painter.text(
            egui::pos2(rect.center().x, plot.top() + 4.0),
            egui::Align2::CENTER_TOP,
            if rect.width() > 60.0 {
                "outside the song"
            } else {
                ""
            },
            egui::FontId::proportional(10.0),
            theme.text_dim,
        );
    }
}

impl Rename {
    /// Escape cancels.
    fn cancelled(&self, ui: &egui::Ui) -> bool {
        ui.input(|i| i.key_pressed(egui::Key::Escape))
    }
}

fn rename_row(ui: &mut egui::Ui, r: &mut Rename) -> JourneyAction {
    let theme = Theme::get(ui.ctx());
    let mut action = JourneyAction::None;
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(
            egui::RichText::new(format!(
                "Name bars {}-{} (automatic: {})",
                r.start_bar + 1,
                r.end_bar,
                r.auto_label
            ))
            .size(11.5)
            .color(theme.text_dim),
        );
        let edit = ui.add(
            egui::TextEdit::singleline(&mut r.text)
                .desired_width(120.0)
                .char_limit(40)
                .hint_text("e.g. Chorus"),
        );
        if r.focus {
            edit.request_focus();
            r.focus = false;
        }
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            action = JourneyAction::Label(r.start_bar, r.text.clone());
        }
        for choice in LABEL_CHOICES {
            if ui.small_button(choice).clicked() {
                action = JourneyAction::Label(r.start_bar, choice.to_owned());
            }
        }
        if ui
            .small_button("Automatic")
            .on_hover_text("Back to the automatic letter")
            .clicked()
        {
            action = JourneyAction::Label(r.start_bar, String::new());
        }
        if ui.small_button("OK").clicked() {
            action = JourneyAction::Label(r.start_bar, r.text.clone());
        }
    });
    action
}

/// A toggle showing a curve's colour and name.
fn legend_chip(ui: &mut egui::Ui, on: bool, colour: egui::Color32, name: &str) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let galley = ui.painter().layout_no_wrap(
        name.to_owned(),
        egui::FontId::proportional(11.0),
        if on { theme.text } else { theme.text_dim },
    );
    let size = egui::vec2(galley.size().x + 24.0, 20.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        let fill = if on {
            colour.gamma_multiply(0.16)
        } else if response.hovered() {
            theme.control
        } else {
            egui::Color32::TRANSPARENT
        };
        let stroke = if on {
            colour.gamma_multiply(0.7)
        } else {
            theme.line
        };
        painter.rect(
            rect,
            egui::CornerRadius::same(10),
            fill,
            egui::Stroke::new(1.0, stroke),
            egui::StrokeKind::Inside,
        );
        let dot = egui::pos2(rect.left() + 11.0, rect.center().y);
        if on {
            painter.circle_filled(dot, 4.0, colour);
        } else {
            painter.circle_stroke(dot, 3.5, egui::Stroke::new(1.2, colour.gamma_multiply(0.7)));
        }
        painter.galley(
            egui::pos2(rect.left() + 19.0, rect.center().y - galley.size().y / 2.0),
            galley,
            theme.text,
        );
    }
    response
}
