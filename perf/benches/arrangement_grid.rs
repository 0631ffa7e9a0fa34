//! Issue 15, item 7: the Density Meter editor's arrangement grid, 64 tracks x 256 bars, draws in
//! under 2 ms a frame. One iteration is one editor frame of the arrangement card, headless: the
//! egui pass laying out the card's grid, names, notes and clash list (`ArrangementView::show`,
//! the code the editor runs) on a 1100 x 1000 point screen, then the tessellation of its shapes
//! into meshes (what the editor hands the GPU). The grid is the song of the big-session workload
//! (`catalyst_perf::song_grid`); the snapshot is taken once, as the editor keeps it between
//! refreshes. Wall-clock time per frame.

use catalyst_perf::song_grid;
use catalyst_widgets::bar_timeline::BarView;
use catalyst_widgets::egui;
use criterion::{Criterion, criterion_group, criterion_main};
use density_meter::{ArrangementView, GUTTER};
use std::time::Duration;

const TRACKS: usize = 64;
const BARS: usize = 256;

fn frame(c: &mut Criterion) {
    let grid = song_grid(TRACKS, BARS);
    assert_eq!((grid.tracks.len(), grid.bars), (TRACKS, BARS));
    let own_id = grid.tracks[3].id;
    let mut arrangement = ArrangementView::default();
    arrangement.refresh(|| grid, 0.0);
    // Fit mode: the whole song across the card, as the editor opens (256 bars of ~3 points).
    let mut view = BarView::default();
    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1100.0, 1000.0));
    let mut draw = || {
        view.update(BARS);
        let input = egui::RawInput {
            screen_rect: Some(screen),
            ..Default::default()
        };
        let output = ctx.run_ui(input, |ui| {
            let width = ui.available_width();
            catalyst_widgets::Theme::get(ui.ctx())
                .card()
                .show(ui, |ui| {
                    ui.set_width(width - 22.0);
                    arrangement.show(ui, &mut view, BARS, GUTTER, Some(own_id));
                });
        });
        ctx.tessellate(output.shapes, output.pixels_per_point)
    };
    // The first frames build the font atlas and the text layouts the later ones reuse.
    for _ in 0..3 {
        draw();
    }
    let meshes = draw();
    let triangles: usize = meshes
        .iter()
        .map(|p| match &p.primitive {
            egui::epaint::Primitive::Mesh(m) => m.indices.len() / 3,
            _ => 0,
        })
        .sum();
    println!(
        "arrangement-grid-64x256: {} primitives, {triangles} triangles a frame",
        meshes.len()
    );

    let mut g = c.benchmark_group("arrangement-grid");
    g.sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("64x256", |b| b.iter(|| std::hint::black_box(draw())));
    g.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
