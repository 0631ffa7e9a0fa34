//! A rows x bars grid (tracks x bars: who plays where) on the same axis as a
//! [`crate::bar_timeline::bar_plot`] drawn with the same [`BarView`] and gutter, so its columns
//! sit under the timeline's bars. Row names go in the gutter; cells are shaded by a value in
//! `0..=1` through the caller's colour scale (the density editor's); flagged cells (clashes) get a red outline.

use crate::bar_timeline::{BarAxis, BarView};
use crate::theme::Theme;
use egui::{
    Align2, Color32, CornerRadius, FontId, Mesh, Pos2, Rect, Sense, Shape, Stroke, Ui, Vec2, pos2,
};

/// One cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GridCell {
    /// Nothing known (the track did not run in this bar).
    Unheard,
    /// Heard, but below the playing threshold.
    Silent,
    /// Playing; the shade in `0..=1`.
    Playing(f32),
}

/// One row: a name, a cell per bar (index = bar number) and which cells are flagged.
pub struct GridRow<'a> {
    pub name: &'a str,
    pub cells: &'a [GridCell],
    /// Same indexing as `cells`; missing entries are not flagged.
    pub flagged: &'a [bool],
    /// Drawn emphasised (e.g. "this track").
    pub highlighted: bool,
}

/// What the grid reports back.
pub struct GridResponse {
    pub response: egui::Response,
    /// (row, bar) under the pointer.
    pub hovered: Option<(usize, usize)>,
}

/// The (row, bar) at screen position `pos` in a grid whose rows start at `top`.
pub fn cell_at(
    axis: &BarAxis,
    top: f32,
    row_height: f32,
    rows: usize,
    total_bars: usize,
    pos: Pos2,
) -> Option<(usize, usize)> {
    if pos.y < top || row_height <= 0.0 {
        return None;
    }
    let row = ((pos.y - top) / row_height).floor() as usize;
    if row >= rows {
        return None;
    }
    Some((row, axis.bar_index_at(pos.x, total_bars)?))
}

/// Draws the grid, as wide as the Ui, `row_height` per row; a playing cell's shade is filled with
/// `colour_of(shade)`. Zooms and scrolls `view` like the timeline ([`BarView::interact`]).
pub fn grid_view(
    ui: &mut Ui,
    view: &mut BarView,
    total_bars: usize,
    gutter: f32,
    row_height: f32,
    rows: &[GridRow],
    colour_of: impl Fn(f32) -> Color32,
) -> GridResponse {
    let theme = Theme::get(ui.ctx());
    let width = ui.available_width();
    let height = row_height * rows.len().max(1) as f32;
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(width, height), Sense::click_and_drag());
    view.interact(
        ui,
        &response,
        rect.left() + gutter,
        width - gutter,
        total_bars,
    );
    let axis = view.axis(rect.left() + gutter, width - gutter);
    let cells_rect = Rect::from_min_max(pos2(axis.left, rect.top()), rect.max);
    let hovered = response
        .hover_pos()
        .and_then(|p| cell_at(&axis, rect.top(), row_height, rows.len(), total_bars, p));
    if !ui.is_rect_visible(rect) {
        return GridResponse { response, hovered };
    }
    let painter = ui.painter_at(rect);
    let clip = ui.painter_at(cells_rect);
    clip.rect_filled(
        cells_rect,
        CornerRadius::same(3),
        ui.visuals().extreme_bg_color,
    );
    let visible = axis.visible_bars(total_bars);
    let gap = if axis.bar_width() >= 5.0 { 1.0 } else { 0.0 };
    // Every cell and clash outline goes into one mesh of plain quads (two triangles a cell, no
    // anti-aliasing feather: the cells are axis-aligned and abut): 64 tracks x 256 bars as
    // separate anti-aliased shapes were ~200 000 triangles and 4.6 ms a frame, over the 2 ms
    // the issue allows (issue 15 item 7; `cargo bench -p catalyst-perf --bench arrangement_grid`).
    let mut cells = Mesh::default();
    let danger = theme.danger;
    let outline: f32 = 1.5;
    for (r, row) in rows.iter().enumerate() {
        let y0 = rect.top() + r as f32 * row_height;
        let name_colour = if row.highlighted {
            theme.accent
        } else {
            theme.text
        };
        let name = elide(&painter, row.name, gutter - 10.0);
        painter.text(
            pos2(rect.left() + 2.0, y0 + row_height / 2.0),
            Align2::LEFT_CENTER,
            name,
            FontId::proportional(11.0),
            name_colour,
        );
        // Rows off screen (a scrolled editor) are not filled.
        if !ui.is_rect_visible(Rect::from_x_y_ranges(
            cells_rect.x_range(),
            y0..=y0 + row_height,
        )) {
            continue;
        }
        for bar in visible.clone() {
            let Some(&cell) = row.cells.get(bar) else {
                break;
            };
            let cell_rect = Rect::from_x_y_ranges(
                axis.x_of(bar as f32) + gap / 2.0..=axis.x_of(bar as f32 + 1.0) - gap / 2.0,
                y0 + 1.0..=y0 + row_height - 1.0,
            );
            let fill = match cell {
                GridCell::Unheard => continue,
                GridCell::Silent => theme.control.gamma_multiply(0.7),
                GridCell::Playing(v) => colour_of(v),
            };
            cells.add_colored_rect(cell_rect, fill);
            if row.flagged.get(bar).copied().unwrap_or(false) {
                // The outline inside the cell: four bars of `outline` points.
                let w = outline.min(cell_rect.width() / 2.0);
                let (x, y) = (cell_rect.x_range(), cell_rect.y_range());
                for edge in [
                    Rect::from_x_y_ranges(x, y.min..=y.min + outline),
                    Rect::from_x_y_ranges(x, y.max - outline..=y.max),
                    Rect::from_x_y_ranges(x.min..=x.min + w, y),
                    Rect::from_x_y_ranges(x.max - w..=x.max, y),
                ] {
                    cells.add_colored_rect(edge, danger);
                }
            }
        }
    }
    clip.add(Shape::mesh(cells));
    for (r, row) in rows.iter().enumerate() {
        if row.highlighted {
            let y0 = rect.top() + r as f32 * row_height;
            clip.rect_stroke(
                Rect::from_x_y_ranges(cells_rect.x_range(), y0..=y0 + row_height),
                CornerRadius::same(2),
                Stroke::new(1.0, theme.accent_dim()),
                egui::StrokeKind::Inside,
            );
        }
    }
    if let Some((r, bar)) = hovered {
        let y0 = rect.top() + r as f32 * row_height;
        clip.rect_stroke(
            Rect::from_x_y_ranges(
                axis.x_of(bar as f32)..=axis.x_of(bar as f32 + 1.0),
                y0..=y0 + row_height,
            ),
            CornerRadius::ZERO,
            Stroke::new(1.0, theme.text),
            egui::StrokeKind::Inside,
        );
    }
    GridResponse { response, hovered }
}

/// `text` shortened with an ellipsis to fit `max_width` points.
fn elide(painter: &egui::Painter, text: &str, max_width: f32) -> String {
    let fits = |s: &str| {
        painter
            .layout_no_wrap(s.to_owned(), FontId::proportional(11.0), Color32::WHITE)
            .size()
            .x
            <= max_width
    };
    if fits(text) {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if fits(&s) {
            return s;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_hit_by_row_and_bar() {
        let axis = BarView {
            start: 0.0,
            span: 16.0,
            fit: false,
            last_marker: None,
        }
        .axis(100.0, 320.0);
        // 3 rows of 18 points from y = 50; bars are 20 points wide from x = 100.
        let hit = |x, y| cell_at(&axis, 50.0, 18.0, 3, 16, pos2(x, y));
        assert_eq!(hit(105.0, 51.0), Some((0, 0)));
        assert_eq!(hit(145.0, 50.0 + 18.0 * 2.5), Some((2, 2)));
        assert_eq!(hit(105.0, 49.0), None, "above the grid");
        assert_eq!(hit(105.0, 50.0 + 18.0 * 3.0), None, "below the last row");
        assert_eq!(hit(95.0, 60.0), None, "in the name gutter");
        assert_eq!(cell_at(&axis, 50.0, 18.0, 3, 4, pos2(185.0, 60.0)), None);
    }
}
