//! Scrolling timelines: a waveform/level view that scrolls right to left, with event markers
//! (detected hits, with their velocity) and optional horizontal reference lines (thresholds).
//!
//! Data path: the audio thread writes min/max columns and markers into a [`ScopeTap`] with
//! relaxed atomics only (wait-free, no allocation, no locks); the editor copies the newest
//! columns each frame. A column may be read half-updated while it is being written: that shows
//! for one frame as a slightly short bar, which is harmless for a display and avoids any waiting.

use crate::theme::Theme;
use atomic_float::AtomicF32;
use egui::{Align2, CornerRadius, FontId, Sense, Shape, Stroke, Ui, Vec2, pos2};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One column of the scope: the sample range it covered and the strongest marker in it
/// (`0.0` = none; markers are velocities in `(0, 1]`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScopeColumn {
    pub min: f32,
    pub max: f32,
    pub marker: f32,
}

/// The shared, lock-free part of a scope (one writer: the audio thread; any number of readers).
#[derive(Debug)]
pub struct ScopeTap {
    min: Box<[AtomicF32]>,
    max: Box<[AtomicF32]>,
    marker: Box<[AtomicF32]>,
    /// Number of columns completed so far; the newest column is `written - 1`.
    written: AtomicU64,
    /// Set while an editor shows the scope: when false the writer skips all work.
    active: AtomicBool,
}

impl ScopeTap {
    /// Allocates a scope holding `columns` columns (call off the audio thread).
    pub fn new(columns: usize) -> Arc<Self> {
        let columns = columns.max(1);
        let make = || (0..columns).map(|_| AtomicF32::new(0.0)).collect();
        Arc::new(Self {
            min: make(),
            max: make(),
            marker: make(),
            written: AtomicU64::new(0),
            active: AtomicBool::new(false),
        })
    }

    pub fn capacity(&self) -> usize {
        self.min.len()
    }

    /// The editor calls this when it opens and closes, so a closed editor costs the audio thread
    /// one relaxed load per block.
    pub fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Relaxed);
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Columns completed so far (lets the editor see whether anything new arrived).
    pub fn columns_written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    fn publish(&self, column: ScopeColumn) {
        let n = self.written.load(Ordering::Relaxed);
        let slot = (n % self.capacity() as u64) as usize;
        self.min[slot].store(column.min, Ordering::Relaxed);
        self.max[slot].store(column.max, Ordering::Relaxed);
        self.marker[slot].store(column.marker, Ordering::Relaxed);
        self.written.store(n + 1, Ordering::Release);
    }

    /// Copies the newest `out.len()` columns, oldest first; columns never written read as zero.
    pub fn read_latest(&self, out: &mut [ScopeColumn]) {
        let n = self.written.load(Ordering::Acquire);
        let cap = self.capacity() as u64;
        let len = out.len() as u64;
        for (i, column) in out.iter_mut().enumerate() {
            // Column index counted from the oldest requested one.
            let index = (n + i as u64).checked_sub(len);
            *column = match index {
                Some(index) if index + cap >= n => {
                    let slot = (index % cap) as usize;
                    ScopeColumn {
                        min: self.min[slot].load(Ordering::Relaxed),
                        max: self.max[slot].load(Ordering::Relaxed),
                        marker: self.marker[slot].load(Ordering::Relaxed),
                    }
                }
                _ => ScopeColumn::default(),
            };
        }
    }
}

/// The audio thread's side of a scope: accumulates samples into columns of a fixed duration.
/// Owned by the plugin's audio state; never shared.
#[derive(Debug)]
pub struct ScopeWriter {
    tap: Arc<ScopeTap>,
    sample_rate: f32,
    column_ms: f32,
    samples_per_column: u32,
    count: u32,
    current: ScopeColumn,
}

impl ScopeWriter {
    /// `column_ms`: how much time one column shows (e.g. 5 ms: a 600-column view shows 3 s).
    pub fn new(tap: Arc<ScopeTap>, sample_rate: f32, column_ms: f32) -> Self {
        let mut writer = Self {
            tap,
            sample_rate,
            column_ms,
            samples_per_column: 1,
            count: 0,
            current: ScopeColumn::default(),
        };
        writer.set_sample_rate(sample_rate, column_ms);
        writer
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32, column_ms: f32) {
        self.sample_rate = sample_rate;
        self.column_ms = column_ms;
        self.samples_per_column = ((sample_rate * column_ms * 1e-3).round() as u32).max(1);
        self.count = 0;
        self.current = ScopeColumn::default();
    }

    /// The shared side, for the editor.
    pub fn tap(&self) -> Arc<ScopeTap> {
        self.tap.clone()
    }

    /// Whether an editor is showing the scope; callers may skip preparing data when not.
    #[inline]
    pub fn is_active(&self) -> bool {
        self.tap.is_active()
    }

    /// Adds one sample. Non-finite samples count as zero.
    #[inline]
    pub fn push(&mut self, sample: f32) {
        let s = if sample.is_finite() { sample } else { 0.0 };
        if self.count == 0 {
            self.current.min = s;
            self.current.max = s;
        } else {
            self.current.min = self.current.min.min(s);
            self.current.max = self.current.max.max(s);
        }
        self.count += 1;
        if self.count >= self.samples_per_column {
            self.tap.publish(self.current);
            self.count = 0;
            self.current.marker = 0.0;
        }
    }

    /// Feeds a whole block (channels mixed to mono) when an editor shows the scope; does nothing
    /// otherwise. Real-time safe: no allocation, no locks. Call it before processing to show the
    /// input. `sample_rate` is the host's current rate (e.g. `context.transport().sample_rate`).
    pub fn capture(&mut self, buffer: &nice_plug::prelude::Buffer, sample_rate: f32) {
        if !self.is_active() {
            return;
        }
        if sample_rate != self.sample_rate && sample_rate > 0.0 {
            self.set_sample_rate(sample_rate, self.column_ms);
        }
        let channels = buffer.as_slice_immutable();
        if channels.is_empty() {
            return;
        }
        let gain = 1.0 / channels.len() as f32;
        for i in 0..buffer.samples() {
            let mono: f32 = channels.iter().map(|c| c[i]).sum();
            self.push(mono * gain);
        }
    }

    /// Marks an event (a detected hit) at the current position with its velocity in `(0, 1]`.
    #[inline]
    pub fn mark(&mut self, velocity: f32) {
        self.current.marker = self.current.marker.max(velocity.clamp(1e-3, 1.0));
    }
}

/// GUI-side history of one value per frame (a level, a density index), oldest first.
/// Allocated once; pushing never allocates.
#[derive(Debug, Clone)]
pub struct History {
    values: Vec<f32>,
    next: usize,
}

impl History {
    pub fn new(len: usize, initial: f32) -> Self {
        Self {
            values: vec![initial; len.max(1)],
            next: 0,
        }
    }

    pub fn push(&mut self, value: f32) {
        self.values[self.next] = value;
        self.next = (self.next + 1) % self.values.len();
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Values from oldest to newest.
    pub fn iter(&self) -> impl Iterator<Item = f32> + '_ {
        self.values[self.next..]
            .iter()
            .chain(&self.values[..self.next])
            .copied()
    }
}

/// A horizontal reference line on a timeline (a threshold).
pub struct RefLine<'a> {
    pub value: f32,
    pub label: &'a str,
}

/// Draws a scope (min/max columns, oldest at the left) with markers and reference lines.
/// `range` is the vertical value range (e.g. -1..1 for a waveform).
pub fn scope_view(
    ui: &mut Ui,
    size: Vec2,
    columns: &[ScopeColumn],
    range: (f32, f32),
    lines: &[RefLine],
) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) || columns.is_empty() {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(4), ui.visuals().extreme_bg_color);
    let (lo, hi) = range;
    let y_of = |v: f32| rect.bottom() - ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * rect.height();
    let zero = y_of(0.0f32.clamp(lo, hi));
    painter.line_segment(
        [pos2(rect.left(), zero), pos2(rect.right(), zero)],
        Stroke::new(1.0, theme.line),
    );
    let dx = rect.width() / columns.len() as f32;
    let wave = theme.accent.gamma_multiply(0.8);
    for (i, c) in columns.iter().enumerate() {
        let x = rect.left() + (i as f32 + 0.5) * dx;
        let (top, bottom) = (y_of(c.max), y_of(c.min));
        painter.line_segment(
            [pos2(x, top.min(bottom - 1.0)), pos2(x, bottom)],
            Stroke::new(dx.max(1.0), wave),
        );
    }
    for c in columns.iter().enumerate().filter(|(_, c)| c.marker > 0.0) {
        let (i, column) = c;
        let x = rect.left() + (i as f32 + 0.5) * dx;
        let top = rect.bottom() - column.marker * rect.height();
        painter.line_segment(
            [pos2(x, rect.bottom()), pos2(x, top)],
            Stroke::new(1.5, theme.text),
        );
        painter.circle_filled(pos2(x, top), 3.0, theme.text);
    }
    for line in lines {
        let y = y_of(line.value);
        painter.add(Shape::dashed_line(
            &[pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.warn),
            6.0,
            4.0,
        ));
        painter.text(
            pos2(rect.left() + 4.0, y - 2.0),
            Align2::LEFT_BOTTOM,
            line.label,
            FontId::proportional(10.0),
            theme.warn,
        );
    }
    response
}

/// An event on an envelope view: horizontal position (0 = left edge, 1 = now) and height
/// (0..1, e.g. a hit's velocity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub x: f32,
    pub height: f32,
}

/// Draws an envelope in dB (oldest at the left) as a filled curve, with event markers and
/// reference lines (e.g. a detection threshold) over a dB grid.
#[allow(clippy::too_many_arguments)]
pub fn envelope_view(
    ui: &mut Ui,
    size: Vec2,
    values_db: &[f32],
    range_db: (f32, f32),
    grid_db: &[f32],
    markers: &[Marker],
    lines: &[RefLine],
) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(4), ui.visuals().extreme_bg_color);
    let (lo, hi) = range_db;
    let y_of = |v: f32| {
        let v = if v.is_finite() { v } else { lo };
        rect.bottom() - ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * rect.height()
    };
    for &g in grid_db {
        let y = y_of(g);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.line.gamma_multiply(0.6)),
        );
        painter.text(
            pos2(rect.right() - 4.0, y - 1.0),
            Align2::RIGHT_BOTTOM,
            format!("{g:.0} dB"),
            FontId::proportional(9.5),
            theme.text_dim,
        );
    }
    if values_db.len() >= 2 {
        let dx = rect.width() / (values_db.len() - 1) as f32;
        let points: Vec<egui::Pos2> = values_db
            .iter()
            .enumerate()
            .map(|(i, &v)| pos2(rect.left() + i as f32 * dx, y_of(v)))
            .collect();
        let fill = theme.accent.gamma_multiply(0.22);
        let mut mesh = egui::Mesh::default();
        for (i, p) in points.iter().enumerate() {
            mesh.colored_vertex(*p, fill);
            mesh.colored_vertex(pos2(p.x, rect.bottom()), fill);
            if i > 0 {
                let k = (2 * i) as u32;
                mesh.add_triangle(k - 2, k - 1, k);
                mesh.add_triangle(k - 1, k, k + 1);
            }
        }
        painter.add(mesh);
        painter.add(Shape::line(points, Stroke::new(1.5, theme.accent)));
    }
    for m in markers {
        if !(0.0..=1.0).contains(&m.x) {
            continue;
        }
        let x = rect.left() + m.x * rect.width();
        let top = rect.bottom() - m.height.clamp(0.05, 1.0) * rect.height();
        painter.line_segment(
            [pos2(x, rect.bottom()), pos2(x, top)],
            Stroke::new(1.5, theme.text),
        );
        painter.circle_filled(pos2(x, top), 3.5, theme.text);
    }
    for line in lines {
        let y = y_of(line.value);
        painter.add(Shape::dashed_line(
            &[pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.warn),
            6.0,
            4.0,
        ));
        painter.text(
            pos2(rect.left() + 4.0, y - 2.0),
            Align2::LEFT_BOTTOM,
            line.label,
            FontId::proportional(10.0),
            theme.warn,
        );
    }
    response
}

/// Draws a history as a filled curve (oldest at the left) over a dB grid.
pub fn history_view(
    ui: &mut Ui,
    size: Vec2,
    history: &History,
    range: (f32, f32),
    grid: &[f32],
    unit: &str,
) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) || history.is_empty() {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(4), ui.visuals().extreme_bg_color);
    let (lo, hi) = range;
    let y_of = |v: f32| rect.bottom() - ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * rect.height();
    for &g in grid {
        let y = y_of(g);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.line.gamma_multiply(0.6)),
        );
        painter.text(
            pos2(rect.right() - 4.0, y - 1.0),
            Align2::RIGHT_BOTTOM,
            format!("{g:.0}{unit}"),
            FontId::proportional(9.5),
            theme.text_dim,
        );
    }
    let n = history.len();
    let dx = rect.width() / (n.max(2) - 1) as f32;
    let points: Vec<egui::Pos2> = history
        .iter()
        .enumerate()
        .map(|(i, v)| pos2(rect.left() + i as f32 * dx, y_of(v)))
        .collect();
    // Fill as thin quads down to the floor (a non-convex polygon cannot be filled directly).
    let fill = theme.accent.gamma_multiply(0.18);
    for pair in points.windows(2) {
        let mut mesh = egui::Mesh::default();
        let base = rect.bottom();
        mesh.colored_vertex(pair[0], fill);
        mesh.colored_vertex(pair[1], fill);
        mesh.colored_vertex(pos2(pair[1].x, base), fill);
        mesh.colored_vertex(pos2(pair[0].x, base), fill);
        mesh.add_triangle(0, 1, 2);
        mesh.add_triangle(0, 2, 3);
        painter.add(mesh);
    }
    painter.add(Shape::line(points, Stroke::new(1.5, theme.accent)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_columns_hold_min_max_and_markers_in_order() {
        let tap = ScopeTap::new(8);
        let mut writer = ScopeWriter::new(tap.clone(), 1000.0, 4.0); // 4 samples per column
        for block in 0..3 {
            for i in 0..4 {
                if block == 1 && i == 2 {
                    writer.mark(0.7);
                }
                writer.push((block as f32 + 1.0) * if i % 2 == 0 { 0.1 } else { -0.1 });
            }
        }
        let mut out = [ScopeColumn::default(); 4];
        tap.read_latest(&mut out);
        assert_eq!(out[0], ScopeColumn::default(), "never written");
        assert!((out[1].max - 0.1).abs() < 1e-6 && (out[1].min + 0.1).abs() < 1e-6);
        assert!((out[2].max - 0.2).abs() < 1e-6 && out[2].marker == 0.7);
        assert!((out[3].min + 0.3).abs() < 1e-6 && out[3].marker == 0.0);
    }

    #[test]
    fn scope_wraps_without_losing_the_newest_columns() {
        let tap = ScopeTap::new(4);
        let mut writer = ScopeWriter::new(tap.clone(), 1000.0, 1.0);
        for i in 0..10 {
            writer.push(i as f32);
        }
        let mut out = [ScopeColumn::default(); 4];
        tap.read_latest(&mut out);
        let maxes: Vec<f32> = out.iter().map(|c| c.max).collect();
        assert_eq!(maxes, vec![6.0, 7.0, 8.0, 9.0]);
        assert_eq!(tap.columns_written(), 10);
        writer.push(f32::NAN);
        tap.read_latest(&mut out);
        assert_eq!(out[3].max, 0.0, "NaN is shown as silence");
    }

    #[test]
    fn history_iterates_oldest_first() {
        let mut h = History::new(3, 0.0);
        for v in [1.0, 2.0, 3.0, 4.0] {
            h.push(v);
        }
        assert_eq!(h.iter().collect::<Vec<_>>(), vec![2.0, 3.0, 4.0]);
    }
}
