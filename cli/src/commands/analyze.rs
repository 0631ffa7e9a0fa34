//! `catalyst analyze IN.wav [--bpm N] [--time-sig 4/4] [--json] [--plot OUT.png]`: the Density
//! Meter's engine (`DensityTracker`) over a whole file, fed with a transport made from the given
//! tempo (free time in seconds without one), then sections and the journey verdict exactly as the
//! plugin's editor computes them. With `--stems` the arrangement of several stems (`stems`).

use crate::audio_io::{Audio, check_output, check_output_is_not_input, read_audio};
use crate::commands::preset::{self as preset_cmd, load_preset_arg};
use crate::commands::stems;
use crate::offline_params::apply_sets;
use crate::plot::{PlotBar, PlotSection, plot_journey};
use crate::progress;
use anyhow::{Result, anyhow, bail};
use density_meter::DensityMeterParams;
use shared_dsp::density::{
    DensityTracker, Report, Transport, analyze_free_slots, analyze_timeline, to_json,
};
use shared_dsp::loudness::LoudnessSummary;
use std::path::PathBuf;

const BLOCK: usize = 1024;

pub struct AnalyzeArgs {
    /// The mix (or one stem); `None` with `stems`.
    pub input: Option<PathBuf>,
    /// Stem files or folders of stems (`--stems`); empty for one file.
    pub stems: Vec<PathBuf>,
    pub bpm: Option<f64>,
    pub time_sig: String,
    pub preset: Option<String>,
    pub sets: Vec<String>,
    pub json: bool,
    pub plot: Option<PathBuf>,
    pub force: bool,
}

pub fn parse_time_sig(s: &str) -> Result<(u32, u32)> {
    let (n, d) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("time signature must look like 4/4, got '{s}'"))?;
    let (n, d): (u32, u32) = (
        n.trim()
            .parse()
            .map_err(|_| anyhow!("bad time signature '{s}'"))?,
        d.trim()
            .parse()
            .map_err(|_| anyhow!("bad time signature '{s}'"))?,
    );
    if !(1..=32).contains(&n) || ![1, 2, 4, 8, 16, 32].contains(&d) {
        bail!("time signature {n}/{d} is not one a host would send");
    }
    Ok((n, d))
}

/// The analysis itself (no file I/O), for `demo` and tests.
pub fn analyze_audio(
    audio: &Audio,
    bpm: Option<f64>,
    time_sig: (u32, u32),
    preset: Option<&str>,
    sets: &[String],
) -> Result<Report> {
    check_bpm(bpm)?;
    let params = meter_params(preset, sets)?;
    report_of(audio, bpm, time_sig, &params)
}

pub fn check_bpm(bpm: Option<f64>) -> Result<()> {
    if let Some(bpm) = bpm
        && !(20.0..=400.0).contains(&bpm)
    {
        bail!("--bpm {bpm} is outside 20..400");
    }
    Ok(())
}

/// The meter's parameters: defaults, then the preset, then `--set`s.
pub fn meter_params(preset: Option<&str>, sets: &[String]) -> Result<DensityMeterParams> {
    let params = DensityMeterParams::default();
    if let Some(spec) = preset {
        load_preset_arg::<preset_cmd::Analyze>(&params, spec)?;
    }
    apply_sets(&params, sets)?;
    Ok(params)
}

/// Runs the engine a plugin instance runs over the whole of `audio` (its first two channels),
/// with the transport a host playing from the file's start at `bpm` would send (free time
/// without one), in blocks of [`BLOCK`].
pub fn run_engine(
    audio: &Audio,
    bpm: Option<f64>,
    time_sig: (u32, u32),
    params: &DensityMeterParams,
    what: &str,
) -> DensityTracker {
    let sr = audio.sample_rate as f32;
    let channels = audio.channels.len().clamp(1, 2);
    let mut tracker = DensityTracker::new(sr, channels);
    tracker.set_occupancy_range_db(params.occupancy_range_db.value());
    let frames = audio.frames();
    let bar = progress::bar(frames as u64, what);
    let mut start = 0;
    while start < frames {
        let end = (start + BLOCK).min(frames);
        let planar: Vec<&[f32]> = audio.channels[..channels]
            .iter()
            .map(|c| &c[start..end])
            .collect();
        let transport = match bpm {
            // The host convention: positions in quarter notes from the song start.
            Some(bpm) => Transport::playing(bpm, time_sig, start as f64 / sr as f64 * bpm / 60.0),
            None => Transport::free(),
        };
        tracker.process(&planar, &transport);
        bar.set_position(end as u64);
        start = end;
    }
    tracker.flush();
    bar.finish_and_clear();
    tracker
}

/// Sections, verdict and loudness summary of `audio` (checked `bpm`, loaded `params`).
pub fn report_of(
    audio: &Audio,
    bpm: Option<f64>,
    time_sig: (u32, u32),
    params: &DensityMeterParams,
) -> Result<Report> {
    let tracker = run_engine(audio, bpm, time_sig, params, "analysing");
    let phrase = params.phrase_bars.value().max(1) as usize;
    let mut report = if bpm.is_some() {
        analyze_timeline(tracker.bars(), phrase, &[], false)
    } else {
        analyze_free_slots(&tracker.free_slots(), phrase)
    };
    report.summary = Some(LoudnessSummary::of(tracker.loudness()));
    if report.bars.is_empty() {
        bail!("the file is too short to measure a bar");
    }
    Ok(report)
}

pub fn print_table(report: &Report) {
    let unit = if report.free_time { "slot" } else { "bar" };
    println!(
        "{unit:>5}  {:<10} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "section", "density", "LUFS", "occupied", "onsets/s", "low %"
    );
    for b in &report.bars {
        let section = report
            .sections
            .iter()
            .find(|s| (s.start_bar..s.end_bar).contains(&b.index))
            .map_or("", |s| s.label.as_str());
        println!(
            "{:>5}  {:<10} {:>8.1} {:>8.1} {:>8.0}% {:>8.1} {:>6.0}%",
            b.index + 1,
            section,
            b.density,
            b.loudness_lufs,
            100.0 * b.occupancy,
            b.onset_rate_hz,
            100.0 * b.low_share
        );
    }
    println!("\nsections:");
    for s in &report.sections {
        println!(
            "  {unit}s {:>3}-{:<3} {:<10} density {:>5.1}  {:>6.1} LUFS",
            s.start_bar + 1,
            s.end_bar,
            s.label,
            s.mean_density,
            s.loudness_lufs
        );
    }
    println!("\nverdict: {}", report.verdict.message);
    if let Some(s) = &report.summary {
        println!(
            "\nloudness: integrated {:.1} LUFS, range {:.1} LU, true peak {:.1} dBTP, \
             max momentary {:.1} LUFS, max short-term {:.1} LUFS",
            s.integrated_lufs,
            s.lra_lu,
            s.true_peak_dbtp,
            s.max_momentary_lufs,
            s.max_short_term_lufs
        );
    }
}

pub fn plot(report: &Report, path: &std::path::Path, title: &str) -> Result<()> {
    let bars: Vec<PlotBar> = report
        .bars
        .iter()
        .map(|b| PlotBar {
            bar: b.index.max(0) as usize,
            density: b.density,
            loudness_lufs: b.loudness_lufs,
        })
        .collect();
    let sections: Vec<PlotSection> = report
        .sections
        .iter()
        .map(|s| PlotSection {
            start_bar: s.start_bar.max(0) as usize,
            end_bar: s.end_bar.max(0) as usize,
            label: s.label.clone(),
        })
        .collect();
    plot_journey(path, title, &bars, &sections)
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    let time_sig = parse_time_sig(&args.time_sig)?;
    if !args.stems.is_empty() {
        return stems::run(&args, time_sig);
    }
    let Some(input) = &args.input else {
        bail!("give a file to analyse, or --stems DIR_OR_FILES...");
    };
    if let Some(plot) = &args.plot {
        check_output(plot, args.force)?;
        check_output_is_not_input(plot, input)?;
    }
    let audio = read_audio(input)?;
    if audio.channels.len() > 2 {
        // The meter measures a stereo mix; say which channels it heard rather than drop the
        // rest silently (issue 17, item 12).
        eprintln!(
            "note: '{}' has {} channels; analysing channels 1 and 2 only",
            input.display(),
            audio.channels.len()
        );
    }
    let report = analyze_audio(
        &audio,
        args.bpm,
        time_sig,
        args.preset.as_deref(),
        &args.sets,
    )?;
    if args.json {
        println!("{}", to_json(&report));
    } else {
        print_table(&report);
    }
    if let Some(path) = &args.plot {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        plot(
            &report,
            path,
            &format!("{name}: {}", report.verdict.message),
        )?;
        if !args.json {
            println!("plot -> {}", path.display());
        }
    }
    Ok(())
}
