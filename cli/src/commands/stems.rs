//! `catalyst analyze --stems DIR_OR_FILES... [--bpm N]`: the arrangement of a song's stems, as
//! Density Meters on those tracks of one DAW session would show it. Each stem runs through the
//! engine an instance runs (`analyze::run_engine`), its bars become one row of the tracks x bars
//! grid, and the grid and its low-band clashes are shared-dsp's arithmetic
//! (`ArrangementGrid::from_rows`), the same the plugin's registry snapshot computes. The
//! sections, verdict and loudness summary are those of the stems' sum, sample by sample:
//! exactly `catalyst analyze` on the pre-summed mix.
//!
//! Stems of one session share a sample rate and start together: a shorter stem is padded with
//! silence to the longest (a part that ends early); a stem at another sample rate is refused
//! (resampling would analyse other samples than the session plays). A mono stem adds to both
//! channels of a stereo sum, as a centred mono track with a 0 dB pan law does.

use super::analyze::{
    AnalyzeArgs, TempoReport, TimingArgs, meter_params, plot, print_table, report_of,
    resolve_clock, run_engine,
};
use crate::audio_io::{Audio, check_output, check_output_is_not_input, read_audio};
use anyhow::{Result, bail};
use serde::Serialize;
use shared_dsp::density::Report;
use shared_dsp::density::arrangement::{ArrangementGrid, TrackRow};
use shared_dsp::density::clash_words::clash_lines;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// File name endings read as stems in a folder (the formats `read_audio` decodes).
const AUDIO_EXTENSIONS: [&str; 4] = ["wav", "flac", "aif", "aiff"];

pub struct Stem {
    /// The file name without its extension: the track's name in the grid.
    pub name: String,
    pub path: PathBuf,
    pub audio: Audio,
}

/// The stem files: a folder's audio files sorted by name, files in the order given.
pub fn stem_paths(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(arg)
                .map_err(|e| anyhow::anyhow!("cannot read folder '{}': {e}", arg.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_audio(p))
                .collect();
            if in_dir.is_empty() {
                bail!("folder '{}' holds no WAV, FLAC or AIFF file", arg.display());
            }
            in_dir.sort();
            paths.extend(in_dir);
        } else {
            paths.push(arg.clone());
        }
    }
    Ok(paths)
}

fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads the stems, checks they share one sample rate and pads the shorter ones with silence to
/// the longest: every track of a session runs to the song's end, heard but silent.
pub fn read_stems(paths: &[PathBuf]) -> Result<Vec<Stem>> {
    let mut stems: Vec<Stem> = Vec::with_capacity(paths.len());
    for path in paths {
        let audio = read_audio(path)?;
        if let Some(first) = stems.first()
            && first.audio.sample_rate != audio.sample_rate
        {
            bail!(
                "stems must share one sample rate: '{}' is {} Hz, '{}' is {} Hz",
                first.path.display(),
                first.audio.sample_rate,
                path.display(),
                audio.sample_rate
            );
        }
        if audio.channels.len() > 2 {
            eprintln!(
                "note: '{}' has {} channels; using channels 1 and 2 only",
                path.display(),
                audio.channels.len()
            );
        }
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into(),
        );
        stems.push(Stem {
            name,
            path: path.clone(),
            audio,
        });
    }
    let frames = stems.iter().map(|s| s.audio.frames()).max().unwrap_or(0);
    for stem in &mut stems {
        for channel in &mut stem.audio.channels {
            channel.resize(frames, 0.0);
        }
    }
    Ok(stems)
}

/// The stems' sum, sample by sample, as long as the longest stem (a shorter one adds silence
/// after its end): stereo if any stem is, a mono stem adding to both channels. Channels beyond two are left
/// out, as the meter leaves them out.
pub fn sum(stems: &[Stem]) -> Audio {
    let frames = stems.iter().map(|s| s.audio.frames()).max().unwrap_or(0);
    let width = stems
        .iter()
        .map(|s| s.audio.channels.len().clamp(1, 2))
        .max()
        .unwrap_or(1);
    let mut channels = vec![vec![0.0f32; frames]; width];
    for stem in stems {
        let own = stem.audio.channels.len().clamp(1, 2);
        for (c, out) in channels.iter_mut().enumerate() {
            // A mono stem (or a stereo sum's second channel from a mono stem) reads channel 0.
            let Some(input) = stem.audio.channels.get(c.min(own - 1)) else {
                continue;
            };
            for (o, &x) in out.iter_mut().zip(input) {
                *o += x;
            }
        }
    }
    Audio {
        sample_rate: stems.first().map_or(48_000, |s| s.audio.sample_rate),
        channels,
    }
}

/// What `--json` prints: the sum's report and tempo, plus the arrangement.
#[derive(Serialize)]
struct StemsJson<'a> {
    #[serde(flatten)]
    report: &'a Report,
    tempo: &'a TempoReport,
    arrangement: ArrangementJson<'a>,
}

#[derive(Serialize)]
struct ArrangementJson<'a> {
    #[serde(flatten)]
    grid: &'a ArrangementGrid,
    all_playing_share: f32,
}

/// The grid's rows as text: `#` plays, `!` plays and clashes, `.` heard but not playing
/// (silent, or only the tail of the bar before), blank never heard.
pub fn grid_lines(grid: &ArrangementGrid) -> Vec<String> {
    let width = grid
        .tracks
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    // A ruler with the 1-based bar number every 8 bars.
    let mut ruler = vec![' '; grid.bars];
    for i in (0..grid.bars).step_by(8) {
        for (k, ch) in (i + 1).to_string().chars().enumerate() {
            if let Some(r) = ruler.get_mut(i + k) {
                *r = ch;
            }
        }
    }
    let ruler: String = ruler.iter().collect();
    let mut lines = vec![format!("{:<width$}  {}", "bar", ruler.trim_end())];
    for t in &grid.tracks {
        let clashing: BTreeSet<i32> = grid
            .clashes
            .iter()
            .filter(|c| c.track_a == t.id || c.track_b == t.id)
            .map(|c| c.bar)
            .collect();
        let cells: String = t
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                None => ' ',
                Some(c) if !c.playing() => '.',
                Some(_) if clashing.contains(&(i as i32)) => '!',
                Some(_) => '#',
            })
            .collect();
        let pad = width - t.name.chars().count();
        lines.push(format!(
            "{}{}  {}",
            t.name,
            " ".repeat(pad),
            cells.trim_end()
        ));
    }
    lines
}

fn print_arrangement(grid: &ArrangementGrid) {
    println!(
        "\narrangement: {} stems x {} bars (# plays, ! plays and clashes, . silent)",
        grid.tracks.len(),
        grid.bars
    );
    for line in grid_lines(grid) {
        println!("  {line}");
    }
    let clashes = clash_lines(grid, None);
    if clashes.is_empty() {
        println!("low-end clashes: none");
    } else {
        println!("low-end clashes:");
        for line in clashes {
            println!("  {line}");
        }
    }
    println!(
        "all {} stems play together in {:.0}% of bars",
        grid.tracks.len(),
        100.0 * grid.all_playing_share()
    );
}

pub fn run(args: &AnalyzeArgs, timing: TimingArgs) -> Result<()> {
    let paths = stem_paths(&args.stems)?;
    if let Some(plot_path) = &args.plot {
        check_output(plot_path, args.force)?;
        for p in &paths {
            check_output_is_not_input(plot_path, p)?;
        }
    }
    let params = meter_params(args.preset.as_deref(), &args.sets)?;
    let stems = read_stems(&paths)?;
    let mix = sum(&stems);
    // One clock for every stem: the session's, given or found on the sum.
    let Some((clock, tempo)) = resolve_clock(&mix, timing) else {
        bail!(
            "no steady tempo found in the stems' sum: give --bpm (the arrangement grid is in bars)"
        );
    };
    let rows = stems
        .iter()
        .enumerate()
        .map(|(i, stem)| {
            let engine = run_engine(&stem.audio, Some(clock), &params, &stem.name);
            TrackRow::from_timeline(i as u64 + 1, &stem.name, false, engine.bars())
        })
        .collect();
    let grid = ArrangementGrid::from_rows(rows);
    let report = report_of(&mix, Some(clock), &params)
        .map_err(|e| anyhow::anyhow!("the stems' sum: {e}"))?;
    if args.json {
        let json = StemsJson {
            report: &report,
            tempo: &tempo,
            arrangement: ArrangementJson {
                grid: &grid,
                all_playing_share: grid.all_playing_share(),
            },
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string())
        );
    } else {
        println!("{}\n", tempo.line());
        println!("the sum of {} stems:", stems.len());
        print_table(&report);
        print_arrangement(&grid);
    }
    if let Some(path) = &args.plot {
        plot(
            &report,
            path,
            &format!("sum of {} stems: {}", stems.len(), report.verdict.message),
        )?;
        if !args.json {
            println!("plot -> {}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(name: &str, channels: Vec<Vec<f32>>) -> Stem {
        Stem {
            name: name.into(),
            path: PathBuf::from(format!("{name}.wav")),
            audio: Audio {
                sample_rate: 48_000,
                channels,
            },
        }
    }

    #[test]
    fn the_sum_pads_short_stems_and_spreads_mono_over_both_channels() {
        let mix = sum(&[
            stem("mono", vec![vec![1.0, 2.0, 3.0]]),
            stem("stereo", vec![vec![0.5, 0.5], vec![-1.0, -1.0]]),
        ]);
        assert_eq!(mix.channels, vec![vec![1.5, 2.5, 3.0], vec![0.0, 1.0, 3.0]]);
        let mono = sum(&[stem("a", vec![vec![1.0]]), stem("b", vec![vec![0.25, 1.0]])]);
        assert_eq!(mono.channels, vec![vec![1.25, 1.0]]);
    }
}
