//! Level meters. The audio thread only publishes a peak through a lock-free `GuiValue`; the
//! ballistics (fall rate, peak hold) run here on the GUI thread, so the meter costs the audio
//! thread one atomic max per block.

use crate::theme::Theme;
use egui::{Align2, CornerRadius, FontId, Rect, Sense, Stroke, Ui, Vec2, pos2};

/// Lowest level a meter shows.
pub const METER_FLOOR_DB: f32 = -60.0;
/// Highest level a meter shows.
pub const METER_CEIL_DB: f32 = 6.0;

/// Peak-meter ballistics: instant rise, linear fall in dB (IEC 60268-10 type II programme meters
/// fall 20 dB in 1.7 s; we use 12 dB/s so a producer can read it), and a 1.5 s peak hold.
#[derive(Debug, Clone)]
pub struct MeterBallistics {
    level_db: f32,
    hold_db: f32,
    hold_age_s: f32,
    fall_db_per_s: f32,
    hold_s: f32,
}

impl Default for MeterBallistics {
    fn default() -> Self {
        Self {
            level_db: METER_FLOOR_DB,
            hold_db: METER_FLOOR_DB,
            hold_age_s: 0.0,
            fall_db_per_s: 12.0,
            hold_s: 1.5,
        }
    }
}

impl MeterBallistics {
    /// Feeds the peak (linear magnitude) measured since the last frame, `dt_s` seconds ago.
    pub fn update(&mut self, peak: f32, dt_s: f32) {
        let dt_s = dt_s.clamp(0.0, 0.5);
        let peak_db = if peak.is_finite() && peak > 0.0 {
            (20.0 * peak.log10()).max(METER_FLOOR_DB)
        } else {
            METER_FLOOR_DB
        };
        self.level_db = (self.level_db - self.fall_db_per_s * dt_s).max(peak_db);
        self.hold_age_s += dt_s;
        if peak_db >= self.hold_db || self.hold_age_s > self.hold_s {
            self.hold_db = peak_db.max(self.level_db);
            self.hold_age_s = 0.0;
        }
    }

    pub fn level_db(&self) -> f32 {
        self.level_db
    }

    pub fn hold_db(&self) -> f32 {
        self.hold_db
    }
}

fn db_to_fraction(db: f32) -> f32 {
    ((db - METER_FLOOR_DB) / (METER_CEIL_DB - METER_FLOOR_DB)).clamp(0.0, 1.0)
}

/// A vertical peak meter with a dB scale and peak-hold line.
pub fn level_meter(ui: &mut Ui, size: Vec2, ballistics: &MeterBallistics, label: &str) {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter();
    let label_h = 16.0;
    let scale_w = 24.0;
    let bar = Rect::from_min_max(
        pos2(rect.left(), rect.top() + 4.0),
        pos2(rect.right() - scale_w, rect.bottom() - label_h),
    );
    painter.rect_filled(bar, CornerRadius::same(3), theme.control);
    // Coloured by zone so a glance says safe / hot / over.
    let level = db_to_fraction(ballistics.level_db());
    let y_of = |fraction: f32| bar.bottom() - fraction * bar.height();
    for (lo, hi, color) in [
        (METER_FLOOR_DB, -12.0, theme.ok),
        (-12.0, -3.0, theme.warn),
        (-3.0, METER_CEIL_DB, theme.danger),
    ] {
        let top = level.min(db_to_fraction(hi));
        let bottom = db_to_fraction(lo);
        if top > bottom {
            painter.rect_filled(
                Rect::from_x_y_ranges(bar.x_range().shrink(2.0), y_of(top)..=y_of(bottom)),
                CornerRadius::same(1),
                color,
            );
        }
    }
    let hold_y = y_of(db_to_fraction(ballistics.hold_db()));
    if ballistics.hold_db() > METER_FLOOR_DB {
        painter.line_segment(
            [
                pos2(bar.left() + 2.0, hold_y),
                pos2(bar.right() - 2.0, hold_y),
            ],
            Stroke::new(2.0, theme.text),
        );
    }
    for db in [0.0f32, -6.0, -12.0, -24.0, -48.0] {
        let y = y_of(db_to_fraction(db));
        painter.line_segment(
            [pos2(bar.right(), y), pos2(bar.right() + 3.0, y)],
            Stroke::new(1.0, theme.line),
        );
        painter.text(
            pos2(rect.right(), y),
            Align2::RIGHT_CENTER,
            format!("{db:.0}"),
            FontId::proportional(9.5),
            theme.text_dim,
        );
    }
    let readout = if ballistics.hold_db() <= METER_FLOOR_DB {
        "-inf".to_owned()
    } else {
        format!("{:.1}", ballistics.hold_db())
    };
    painter.text(
        pos2(bar.center().x, rect.bottom()),
        Align2::CENTER_BOTTOM,
        readout,
        FontId::monospace(10.5),
        if ballistics.hold_db() > 0.0 {
            theme.danger
        } else {
            theme.text
        },
    );
    response.on_hover_text(format!("{label}: peak level in dBFS (hold 1.5 s)"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_instantly_and_falls_at_the_set_rate() {
        let mut m = MeterBallistics::default();
        m.update(1.0, 1.0 / 60.0);
        assert!(
            m.level_db().abs() < 1e-4,
            "0 dBFS peak reads {}",
            m.level_db()
        );
        // One second of silence in 60 frames: falls 12 dB.
        for _ in 0..60 {
            m.update(0.0, 1.0 / 60.0);
        }
        assert!(
            (m.level_db() + 12.0).abs() < 0.01,
            "fell to {}",
            m.level_db()
        );
        // The hold was released after 1.5 s at the latest.
        for _ in 0..60 {
            m.update(0.0, 1.0 / 60.0);
        }
        assert!(m.hold_db() < -1.0);
    }

    #[test]
    fn nan_and_silence_read_as_the_floor() {
        let mut m = MeterBallistics::default();
        m.update(f32::NAN, 0.1);
        m.update(0.0, 0.1);
        assert_eq!(m.level_db(), METER_FLOOR_DB);
    }
}
