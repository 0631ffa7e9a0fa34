//! The Catalyst look: one dark theme shared by every editor, with one accent colour per plugin so
//! a producer can tell the three apart at a glance while they still read as one product.

use egui::{Color32, CornerRadius, FontFamily, FontId, Margin, Stroke, TextStyle, Visuals};

/// Colours of the Catalyst theme. Only `accent` differs between plugins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// The plugin's signature colour: value arcs, active toggles, curves.
    pub accent: Color32,
    /// Window background.
    pub background: Color32,
    /// Cards (parameter groups, views) drawn on the background.
    pub panel: Color32,
    /// Knob bodies, inactive tracks, meter backgrounds.
    pub control: Color32,
    /// Thin outlines and grid lines.
    pub line: Color32,
    /// Main text.
    pub text: Color32,
    /// Labels, units, secondary text.
    pub text_dim: Color32,
    /// Meter colours: safe, hot, clipping.
    pub ok: Color32,
    pub warn: Color32,
    pub danger: Color32,
}

impl Theme {
    /// Snare Layerer: hot orange, like the crack of a rim shot.
    pub const SNARE: Theme = Theme::with_accent(Color32::from_rgb(255, 122, 61));
    /// Ache Piano: warm amber, like an old upright under a lamp.
    pub const PIANO: Theme = Theme::with_accent(Color32::from_rgb(232, 180, 98));
    /// Density Meter: cool cyan, an instrument that measures.
    pub const DENSITY: Theme = Theme::with_accent(Color32::from_rgb(64, 200, 224));

    pub const fn with_accent(accent: Color32) -> Self {
        Self {
            accent,
            background: Color32::from_rgb(21, 22, 26),
            panel: Color32::from_rgb(30, 32, 38),
            control: Color32::from_rgb(44, 47, 56),
            line: Color32::from_rgb(58, 62, 73),
            text: Color32::from_rgb(226, 228, 234),
            text_dim: Color32::from_rgb(140, 145, 158),
            ok: Color32::from_rgb(96, 200, 120),
            warn: Color32::from_rgb(236, 196, 82),
            danger: Color32::from_rgb(238, 82, 82),
        }
    }

    /// The accent at a lower intensity, for fills behind curves and hovered states.
    pub fn accent_dim(&self) -> Color32 {
        self.accent.gamma_multiply(0.35)
    }

    /// Installs the theme on an egui context (call from `NiceEguiApp::build`). The theme itself
    /// is also stored in the context's memory so widgets can find it with [`Theme::get`].
    pub fn install(&self, ctx: &egui::Context) {
        let mut visuals = Visuals::dark();
        visuals.panel_fill = self.background;
        visuals.window_fill = self.panel;
        visuals.extreme_bg_color = Color32::from_rgb(15, 16, 19);
        visuals.faint_bg_color = self.panel;
        visuals.override_text_color = Some(self.text);
        visuals.selection.bg_fill = self.accent.gamma_multiply(0.6);
        visuals.selection.stroke = Stroke::new(1.0, self.accent);
        visuals.hyperlink_color = self.accent;
        let radius = CornerRadius::same(4);
        for (w, fill) in [
            (&mut visuals.widgets.noninteractive, self.panel),
            (&mut visuals.widgets.inactive, self.control),
            (&mut visuals.widgets.hovered, self.line),
            (&mut visuals.widgets.active, self.line),
            (&mut visuals.widgets.open, self.control),
        ] {
            w.bg_fill = fill;
            w.weak_bg_fill = fill;
            w.corner_radius = radius;
        }
        visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, self.line);
        visuals.widgets.noninteractive.fg_stroke = Stroke::new(1.0, self.text_dim);
        visuals.widgets.inactive.fg_stroke = Stroke::new(1.0, self.text);
        visuals.widgets.hovered.bg_stroke = Stroke::new(1.0, self.accent_dim());
        visuals.widgets.active.bg_stroke = Stroke::new(1.0, self.accent);
        visuals.window_stroke = Stroke::new(1.0, self.line);
        visuals.popup_shadow = egui::Shadow::NONE;
        visuals.window_shadow = egui::Shadow::NONE;

        ctx.set_visuals(visuals);
        ctx.global_style_mut(|style| {
            style.text_styles = [
                (
                    TextStyle::Heading,
                    FontId::new(17.0, FontFamily::Proportional),
                ),
                (TextStyle::Body, FontId::new(12.5, FontFamily::Proportional)),
                (
                    TextStyle::Button,
                    FontId::new(12.5, FontFamily::Proportional),
                ),
                (
                    TextStyle::Small,
                    FontId::new(10.5, FontFamily::Proportional),
                ),
                (
                    TextStyle::Monospace,
                    FontId::new(12.0, FontFamily::Monospace),
                ),
            ]
            .into();
            style.spacing.item_spacing = egui::vec2(8.0, 6.0);
            style.spacing.button_padding = egui::vec2(8.0, 3.0);
            style.spacing.window_margin = Margin::same(10);
            style.interaction.tooltip_delay = 0.35;
        });
        ctx.data_mut(|d| d.insert_temp(egui::Id::unique(THEME_ID), *self));
    }

    /// The theme installed on this context, or the Density theme if none was.
    pub fn get(ctx: &egui::Context) -> Theme {
        ctx.data(|d| d.get_temp(egui::Id::unique(THEME_ID)))
            .unwrap_or(Theme::DENSITY)
    }

    /// A card frame (rounded panel) for a group of controls or a view.
    pub fn card(&self) -> egui::Frame {
        egui::Frame::new()
            .fill(self.panel)
            .stroke(Stroke::new(1.0, self.line))
            .corner_radius(CornerRadius::same(6))
            .inner_margin(Margin::same(10))
    }
}

const THEME_ID: &str = "catalyst-theme";
