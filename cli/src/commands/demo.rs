//! `catalyst demo [DIR]`: with no input at all, shows what the three plugins do, using the same
//! engines: a synthesized snare groove layered by the Snare Layerer, a chord progression on the
//! Ache Piano and a small arrangement analysed by the Density Meter, with its plot.

use crate::audio_io::{Audio, WavFormat, check_output, write_wav};
use crate::commands::{analyze, layer, play};
use crate::midi_file::{read_midi, write_midi};
use anyhow::{Context, Result};
use shared_dsp::density::to_json;
use shared_dsp::synth_material::{arrangement, chord_progression, drum_groove};
use std::path::{Path, PathBuf};

const SR: u32 = 48_000;
pub const FILES: [&str; 7] = [
    "snare-dry.wav",
    "snare-filing-cabinet.wav",
    "piano-chords.mid",
    "piano-bridge-confession.wav",
    "arrangement.wav",
    "arrangement-analysis.json",
    "arrangement-journey.png",
];

pub fn run(dir: &Path, force: bool) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let path = |name: &str| -> PathBuf { dir.join(name) };
    for name in FILES {
        check_output(&path(name), force)?;
    }

    let (groove, _) = drum_groove(SR, 96.0, 8);
    let dry = Audio {
        sample_rate: SR,
        channels: vec![groove.clone(), groove],
    };
    write_wav(&path(FILES[0]), &dry, WavFormat::Int24)?;
    let layered = layer::layer_audio(&dry, Some("Filing Cabinet"), &["thresh=-30".into()], &[])?;
    write_wav(&path(FILES[1]), &layered.audio, WavFormat::Int24)?;
    println!(
        "{}: a clean programmed snare, and {}: the same with a filing-cabinet layer on its {} hits",
        path(FILES[0]).display(),
        path(FILES[1]).display(),
        layered.hits.len()
    );

    write_midi(&path(FILES[2]), &chord_progression(), 70.0)?;
    let events = read_midi(&path(FILES[2]))?;
    let piano = play::play_events(&events, SR, Some("Bridge Confession"), &[])?;
    write_wav(&path(FILES[3]), &piano, WavFormat::Int24)?;
    println!(
        "{}: Am-F-C-G on the Ache Piano's \"Bridge Confession\" ({:.1} s, from {})",
        path(FILES[3]).display(),
        piano.duration_s(),
        path(FILES[2]).display()
    );

    let song = arrangement(SR, 120.0);
    let mix = Audio {
        sample_rate: SR,
        channels: vec![song.clone(), song],
    };
    write_wav(&path(FILES[4]), &mix, WavFormat::Int24)?;
    let report = analyze::analyze_audio(&mix, Some(120.0), (4, 4), None, &[])?;
    std::fs::write(path(FILES[5]), to_json(&report))
        .with_context(|| format!("cannot write '{}'", path(FILES[5]).display()))?;
    analyze::plot(
        &report,
        &path(FILES[6]),
        &format!("Demo arrangement: {}", report.verdict.message),
    )?;
    println!(
        "{}: a 48-bar song that builds; the Density Meter found {} sections and says: {}",
        path(FILES[4]).display(),
        report.sections.len(),
        report.verdict.message
    );
    println!(
        "{} and {}: its per-bar analysis and journey plot",
        path(FILES[5]).display(),
        path(FILES[6]).display()
    );
    Ok(())
}
