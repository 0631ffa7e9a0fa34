//! `catalyst-editor-host PLUGIN OUT.png [--seconds S] [--scale F] [--hover X,Y]`
//!
//! A minimal host for checking editors: it activates the plugin, runs `process()` on its own
//! thread in real time with a test signal (a drum loop for the effects, chords for the piano),
//! opens the editor as a top-level X11 window, waits, saves a screenshot of the window as PNG,
//! closes the editor and stops. It exits non-zero when the editor fails to open, when the
//! screenshot is blank (luma standard deviation below [`MIN_LUMA_STDDEV`] or fewer than
//! [`MIN_DISTINCT_COLOURS`] colours), when the window's size differs from the size the editor
//! reports to the host (`Editor::size()`, which hosts use to size their frame), or when anything
//! panics.
//! Run it under Xvfb (see `scripts/screenshots.sh`).

mod capture;
mod context;
mod demo;
mod signal;

use nice_plug::editor::EditorHandle;
use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = 256;
/// A screenshot with less luma spread than this (0..255 scale) is considered blank.
const MIN_LUMA_STDDEV: f64 = 8.0;
const MIN_DISTINCT_COLOURS: usize = 64;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!(
            "usage: catalyst-editor-host <snare-layerer|ache-piano|density-meter> OUT.png [--seconds S] [--scale F] [--hover X,Y]"
        );
        std::process::exit(2);
    }
    let option = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = option("--seconds", 4.0);
    let scale = option("--scale", 1.0);
    // Pointer position for the shot, logical points inside the editor (shows hover read-outs).
    let hover = args
        .iter()
        .position(|a| a == "--hover")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.split_once(','))
        .and_then(|(x, y)| Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?)));
    let out = std::path::PathBuf::from(&args[1]);
    let result = match args[0].as_str() {
        #[cfg(feature = "snare-layerer")]
        "snare-layerer" => {
            run::<snare_layerer::SnareLayerer>(&out, seconds, scale, hover, false, |_| {
                Default::default()
            })
        }
        #[cfg(feature = "ache-piano")]
        "ache-piano" => {
            run::<ache_piano::AchePiano>(&out, seconds, scale, hover, true, |_| Default::default())
        }
        #[cfg(feature = "density-meter")]
        "density-meter" => run::<density_meter::DensityMeter>(
            &out,
            seconds,
            scale,
            hover,
            false,
            demo::density_session,
        ),
        other => Err(format!(
            "'{other}' is not built into this binary (build with --features {other})"
        )),
    };
    match result {
        Ok(report) => println!("{}: {report}", args[0]),
        Err(e) => {
            eprintln!("{}: FAILED: {e}", args[0]);
            std::process::exit(1);
        }
    }
}

#[allow(dead_code)] // unused when built without any plugin feature
fn run<P: Plugin + Default + Send + 'static>(
    out: &std::path::Path,
    seconds: f64,
    scale: f64,
    hover: Option<(f64, f64)>,
    instrument: bool,
    session: fn(&dyn Params) -> demo::Demo,
) -> Result<String, String> {
    let mut plugin = P::default();
    let params = plugin.params();
    // Loaded like a saved project, before activation.
    let mut demo = session(params.as_ref());
    for (_, ptr, _) in params.param_map() {
        // SAFETY: `params` keeps the parameters alive.
        unsafe { ptr._internal_update_smoother(SAMPLE_RATE, true) };
    }
    let layout = P::AUDIO_IO_LAYOUTS
        .first()
        .copied()
        .ok_or("plugin has no audio layout")?;
    let config = BufferConfig {
        sample_rate: SAMPLE_RATE,
        min_buffer_size: None,
        max_buffer_size: BLOCK as u32,
        process_mode: ProcessMode::Realtime,
    };
    if !plugin.activate(&layout, &config, &mut context::HostActivate) {
        return Err("activate() returned false".into());
    }
    plugin.reset();
    demo.join_tracks();
    let start_beats = demo.start_beats;

    let executor = AsyncExecutor::new(Arc::new(|_| {}), Arc::new(|_| {}));
    let editor = plugin.editor(executor).ok_or("plugin has no editor")?;

    // Audio thread: real-time paced process() calls with the test signal.
    let stop = Arc::new(AtomicBool::new(false));
    let audio = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            context::process_loop(&mut plugin, &layout, instrument, start_beats, &stop);
            plugin.deactivate();
        })
    };

    let gui_context = context::host_gui_context(params.clone());
    let spawned = editor
        .spawn(None, false, Some(scale), gui_context, None)
        .map_err(|e| format!("editor did not open: {e}"))?;
    spawned
        .handle
        .show(&spawned.window)
        .map_err(|e| format!("editor window did not show: {e}"))?;
    let opened = Instant::now();
    match hover {
        Some((x, y)) => {
            // Past the tooltip delay before the shot.
            std::thread::sleep(Duration::from_secs_f64((seconds - 1.0).max(0.5)));
            capture::move_pointer_into_window((x * scale) as i16, (y * scale) as i16)?;
            std::thread::sleep(Duration::from_secs_f64(1.0));
        }
        None => std::thread::sleep(Duration::from_secs_f64(seconds)),
    }

    let shot = capture::capture_largest_window();
    // What the editor tells the host its size is (physical pixels) must be what it drew.
    let reported = editor.size();
    // Close the editor (handle first, as hosts do), then stop the audio thread.
    drop(spawned.handle);
    drop(spawned.window);
    stop.store(true, Ordering::Relaxed);
    audio
        .join()
        .map_err(|_| "the audio thread panicked".to_owned())?;
    let shot = shot?;
    drop(demo);

    let stats = shot.stats();
    capture::write_png(out, &shot).map_err(|e| format!("writing {}: {e}", out.display()))?;
    let verdict = format!(
        "{}x{} px, luma stddev {:.1}, {} colours, open {:.1} s -> {}",
        shot.width,
        shot.height,
        stats.luma_stddev,
        stats.distinct_colours,
        opened.elapsed().as_secs_f64(),
        out.display()
    );
    if reported.width.abs_diff(shot.width) > 2 || reported.height.abs_diff(shot.height) > 2 {
        return Err(format!(
            "editor reports {}x{} px but its window is {}x{} px",
            reported.width, reported.height, shot.width, shot.height
        ));
    }
    // A Catalyst editor opens at its saved logical size times the host's scale (HiDPI).
    let layout = params
        .serialize_fields()
        .get("editor-layout")
        .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .ok_or("no persisted editor-layout field")?;
    let logical = |key: &str| layout[key].as_f64().unwrap_or(0.0);
    let expected = (
        (logical("width") * scale).round() as u32,
        (logical("height") * scale).round() as u32,
    );
    if expected.0.abs_diff(shot.width) > 2 || expected.1.abs_diff(shot.height) > 2 {
        return Err(format!(
            "window is {}x{} px, expected {}x{} (saved size x scale {scale})",
            shot.width, shot.height, expected.0, expected.1
        ));
    }
    if stats.luma_stddev < MIN_LUMA_STDDEV || stats.distinct_colours < MIN_DISTINCT_COLOURS {
        return Err(format!("editor looks blank: {verdict}"));
    }
    Ok(verdict)
}
