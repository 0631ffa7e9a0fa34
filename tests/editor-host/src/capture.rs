//! Reads the editor window's pixels from the X server (works under Xvfb) and writes them as PNG.

use std::collections::HashSet;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, MapState};

pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    /// RGB, row-major.
    pub rgb: Vec<u8>,
}

pub struct Stats {
    pub luma_stddev: f64,
    pub distinct_colours: usize,
}

impl Screenshot {
    pub fn stats(&self) -> Stats {
        let n = (self.width * self.height) as f64;
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        let mut colours = HashSet::new();
        for px in self.rgb.chunks_exact(3) {
            let y = 0.2126 * px[0] as f64 + 0.7152 * px[1] as f64 + 0.0722 * px[2] as f64;
            sum += y;
            sum_sq += y * y;
            if colours.len() < 100_000 {
                colours.insert([px[0], px[1], px[2]]);
            }
        }
        let mean = sum / n.max(1.0);
        Stats {
            luma_stddev: (sum_sq / n.max(1.0) - mean * mean).max(0.0).sqrt(),
            distinct_colours: colours.len(),
        }
    }
}

/// The largest mapped top-level window (the editor: the host opens no other window) and its
/// size.
fn largest_window(conn: &impl Connection, root: u32) -> Result<(u32, u16, u16), String> {
    let tree = conn
        .query_tree(root)
        .map_err(|e| format!("query_tree: {e}"))?
        .reply()
        .map_err(|e| format!("query_tree: {e}"))?;
    let mut best = None;
    for window in tree.children {
        let Ok(Ok(attrs)) = conn.get_window_attributes(window).map(|c| c.reply()) else {
            continue;
        };
        if attrs.map_state != MapState::VIEWABLE {
            continue;
        }
        let Ok(Ok(geometry)) = conn.get_geometry(window).map(|c| c.reply()) else {
            continue;
        };
        let area = geometry.width as u32 * geometry.height as u32;
        if best.is_none_or(|(_, _, _, a)| area > a) {
            best = Some((window, geometry.width, geometry.height, area));
        }
    }
    let (window, width, height, _) = best.ok_or("no editor window is mapped")?;
    Ok((window, width, height))
}

/// Moves the pointer to `(x, y)` pixels inside the editor window (to show hover states and
/// tooltips in a screenshot).
pub fn move_pointer_into_window(x: i16, y: i16) -> Result<(), String> {
    let (conn, screen_num) = x11rb::connect(None).map_err(|e| format!("X11 connect: {e}"))?;
    let root = conn.setup().roots[screen_num].root;
    let (window, _, _) = largest_window(&conn, root)?;
    conn.warp_pointer(x11rb::NONE, window, 0, 0, 0, 0, x, y)
        .map_err(|e| format!("warp_pointer: {e}"))?;
    conn.flush().map_err(|e| format!("flush: {e}"))?;
    Ok(())
}

/// Captures the largest mapped top-level window (the editor: the host opens no other window).
pub fn capture_largest_window() -> Result<Screenshot, String> {
    let (conn, screen_num) = x11rb::connect(None).map_err(|e| format!("X11 connect: {e}"))?;
    let root = conn.setup().roots[screen_num].root;
    let (window, width, height) = largest_window(&conn, root)?;
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, window, 0, 0, width, height, !0)
        .map_err(|e| format!("get_image: {e}"))?
        .reply()
        .map_err(|e| format!("get_image: {e}"))?;
    if image.depth != 24 && image.depth != 32 {
        return Err(format!("unsupported depth {}", image.depth));
    }
    let pixels = width as usize * height as usize;
    if image.data.len() < pixels * 4 {
        return Err("short image data".into());
    }
    // 24/32-bit ZPixmap on little-endian servers: B, G, R, X per pixel.
    let mut rgb = Vec::with_capacity(pixels * 3);
    for px in image.data.chunks_exact(4).take(pixels) {
        rgb.extend_from_slice(&[px[2], px[1], px[0]]);
    }
    Ok(Screenshot {
        width: width as u32,
        height: height as u32,
        rgb,
    })
}

pub fn write_png(path: &std::path::Path, shot: &Screenshot) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), shot.width, shot.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&shot.rgb)
        .map_err(|e| e.to_string())?;
    Ok(())
}
