//! The journey plot: density per bar as a filled curve, loudness per bar as a line, section bands
//! with their labels. Drawn with `plotters` into a PNG; text uses the Ubuntu font that egui ships
//! (`epaint_default_fonts`), so no system font is needed.

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use std::path::Path;

pub struct PlotBar {
    pub bar: usize,
    pub density: f32,
    pub loudness_lufs: f32,
}

pub struct PlotSection {
    pub start_bar: usize,
    pub end_bar: usize,
    pub label: String,
}

const FONT: &str = "catalyst-sans";

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF compiled into egui's font crate; failure is a bug.
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT)
            .map_err(|_| ())
            .expect("bundled font is valid");
    });
}

const SECTION_COLOURS: [RGBColor; 4] = [
    RGBColor(60, 70, 90),
    RGBColor(80, 60, 90),
    RGBColor(60, 90, 80),
    RGBColor(90, 80, 60),
];

pub fn plot_journey(
    path: &Path,
    title: &str,
    bars: &[PlotBar],
    sections: &[PlotSection],
) -> Result<()> {
    register_font();
    let root = BitMapBackend::new(path, (1400, 600)).into_drawing_area();
    root.fill(&RGBColor(24, 26, 32))
        .map_err(|e| anyhow!("{e}"))?;
    let n_bars = bars.iter().map(|b| b.bar + 1).max().unwrap_or(1).max(1);
    let text = |size| (FONT, size).into_font().color(&RGBColor(220, 220, 225));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, text(28))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .right_y_label_area_size(60)
        .build_cartesian_2d(0f32..n_bars as f32, 0f32..100f32)
        .map_err(|e| anyhow!("{e}"))?
        .set_secondary_coord(0f32..n_bars as f32, -40f32..0f32);
    chart
        .configure_mesh()
        .x_desc("bar")
        .y_desc("density (0-100)")
        .label_style(text(16))
        .axis_desc_style(text(18))
        .light_line_style(RGBColor(40, 42, 50))
        .bold_line_style(RGBColor(55, 58, 68))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_secondary_axes()
        .y_desc("loudness (LUFS)")
        .label_style(text(16))
        .axis_desc_style(text(18))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;

    for (i, s) in sections.iter().enumerate() {
        let colour = SECTION_COLOURS[i % SECTION_COLOURS.len()];
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(s.start_bar as f32, 0.0), (s.end_bar as f32, 100.0)],
                colour.mix(0.5).filled(),
            )))
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .draw_series(std::iter::once(Text::new(
                s.label.clone(),
                (s.start_bar as f32 + 0.2, 96.0),
                text(18),
            )))
            .map_err(|e| anyhow!("{e}"))?;
    }
    let accent = RGBColor(255, 150, 60);
    chart
        .draw_series(AreaSeries::new(
            bars.iter().map(|b| (b.bar as f32 + 0.5, b.density)),
            0.0,
            accent.mix(0.35),
        ))
        .map_err(|e| anyhow!("{e}"))?
        .label("density")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], accent.filled()));
    chart
        .draw_series(LineSeries::new(
            bars.iter().map(|b| (b.bar as f32 + 0.5, b.density)),
            accent.stroke_width(3),
        ))
        .map_err(|e| anyhow!("{e}"))?;
    let blue = RGBColor(110, 180, 255);
    chart
        .draw_secondary_series(LineSeries::new(
            bars.iter()
                .filter(|b| b.loudness_lufs.is_finite())
                .map(|b| (b.bar as f32 + 0.5, b.loudness_lufs.clamp(-40.0, 0.0))),
            blue.stroke_width(2),
        ))
        .map_err(|e| anyhow!("{e}"))?
        .label("loudness")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], blue.stroke_width(2)));
    chart
        .configure_series_labels()
        .label_font(text(16))
        .background_style(RGBColor(30, 32, 40))
        .border_style(RGBColor(80, 80, 90))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    root.present()
        .map_err(|e| anyhow!("cannot write '{}': {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journey_plot_is_a_non_blank_png() {
        let path = std::env::temp_dir().join(format!("catalyst-plot-{}.png", std::process::id()));
        let bars: Vec<PlotBar> = (0..32)
            .map(|bar| PlotBar {
                bar,
                density: if bar < 16 { 30.0 } else { 80.0 },
                loudness_lufs: if bar < 16 { -20.0 } else { -10.0 },
            })
            .collect();
        let sections = vec![
            PlotSection {
                start_bar: 0,
                end_bar: 16,
                label: "Verse".into(),
            },
            PlotSection {
                start_bar: 16,
                end_bar: 32,
                label: "Chorus".into(),
            },
        ];
        plot_journey(&path, "test", &bars, &sections).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1400, 600));
        let pixels = &buf[..info.buffer_size()];
        let mean = pixels.iter().map(|&p| p as f64).sum::<f64>() / pixels.len() as f64;
        let var = pixels
            .iter()
            .map(|&p| (p as f64 - mean).powi(2))
            .sum::<f64>()
            / pixels.len() as f64;
        assert!(var > 100.0, "plot looks blank (variance {var})");
        if let Some(keep) = std::env::var_os("CATALYST_KEEP_PLOT") {
            std::fs::copy(&path, keep).unwrap();
        }
        std::fs::remove_file(path).unwrap();
    }
}
