//! `catalyst analyze IN.wav [--bpm N] [--time-sig 4/4] [--first-bar SECONDS] [--json]
//! [--plot OUT.png]`: the Density Meter's engine (`DensityTracker`) over a whole file, fed with
//! the transport a host playing the file would send, then sections and the journey verdict
//! exactly as the plugin's editor computes them. With `--stems` the arrangement of several
//! stems (`stems`).
//!
//! The transport's grid ([`BarClock`]): the given tempo, or the one estimated from the audio
//! (`shared_dsp::density::tempo`), with bar lines on the first downbeat (given with
//! `--first-bar`, else estimated) and every bar length before and after it, so a count-in
//! before the first bar is bars of its own (outside the song, `song_extent`). Free time (2 s
//! slots) only when no tempo is given and no steady pulse is found.

use crate::audio_io::{Audio, check_output, check_output_is_not_input, read_audio};
use crate::commands::preset::{self as preset_cmd, load_preset_arg};
use crate::commands::stems;
use crate::offline_params::apply_sets;
use crate::plot::{PlotBar, PlotSection, plot_journey};
use crate::progress;
use anyhow::{Result, anyhow, bail};
use density_meter::DensityMeterParams;
use serde::Serialize;
use shared_dsp::density::tempo::{self, Known, TempoEstimate};
use shared_dsp::density::{
    DensityTracker, Report, Transport, analyze_free_slots, analyze_timeline,
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
    /// `None`: 4/4 with a tempo, estimated without.
    pub time_sig: Option<String>,
    /// Seconds into the file where bar 1 starts (`--first-bar`).
    pub first_bar: Option<f64>,
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

/// The grid a host playing the file would send: bar lines every bar at `bpm` in `time_sig`,
/// one of them at `first_bar_s` seconds into the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarClock {
    pub bpm: f64,
    pub time_sig: (u32, u32),
    pub first_bar_s: f64,
}

impl BarClock {
    /// A grid from the file's start (a DAW bounce from bar 1).
    pub fn from_start(bpm: f64, time_sig: (u32, u32)) -> Self {
        Self {
            bpm,
            time_sig,
            first_bar_s: 0.0,
        }
    }

    fn quarters_per_bar(&self) -> f64 {
        self.time_sig.0 as f64 * 4.0 / self.time_sig.1 as f64
    }

    /// The host position (quarter notes) at `t` seconds into the file: whole bars before the
    /// first bar count from the file's start, so bar numbers never go negative and a count-in
    /// stays a bar of its own.
    pub fn pos_beats(&self, t: f64) -> f64 {
        let qps = self.bpm / 60.0;
        let bar_s = self.quarters_per_bar() / qps;
        let before = (self.first_bar_s / bar_s - 1e-9).ceil().max(0.0);
        (t - self.first_bar_s) * qps + before * self.quarters_per_bar()
    }
}

/// How the clock was found, for the report: what was given, what estimated and how sure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TempoReport {
    pub bpm: f64,
    /// 1 when given.
    pub bpm_confidence: f32,
    pub first_bar_s: f64,
    /// 1 when given.
    pub first_bar_confidence: f32,
    pub time_sig: String,
    /// True when the tempo was estimated (no `--bpm`).
    pub estimated: bool,
    /// True when the first bar was estimated (no `--first-bar`).
    pub first_bar_estimated: bool,
    /// True when the time signature was guessed (neither `--bpm` nor `--time-sig`).
    pub time_sig_estimated: bool,
    /// 1 when given.
    pub time_sig_confidence: f32,
}

impl TempoReport {
    /// "Tempo: 128.0 BPM (sure 0.92), first bar at 1.875 s (sure 0.71), 4/4 (guessed)".
    pub fn line(&self) -> String {
        let tempo = if self.estimated {
            format!("sure {:.2}", self.bpm_confidence)
        } else {
            "given".into()
        };
        let first = if self.first_bar_estimated {
            format!("sure {:.2}", self.first_bar_confidence)
        } else {
            "given".into()
        };
        let sig = if self.time_sig_estimated {
            "guessed"
        } else {
            "given"
        };
        format!(
            "Tempo: {:.1} BPM ({tempo}), first bar at {:.3} s ({first}), {} ({sig})",
            self.bpm, self.first_bar_s, self.time_sig
        )
    }
}

/// What the user gave about time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimingArgs {
    pub bpm: Option<f64>,
    pub time_sig: Option<(u32, u32)>,
    pub first_bar_s: Option<f64>,
}

/// The mono sum of the first two channels (what the tempo is estimated on).
fn mono_of(audio: &Audio) -> Vec<f32> {
    let channels = &audio.channels[..audio.channels.len().min(2)];
    let gain = 1.0 / channels.len().max(1) as f32;
    (0..audio.frames())
        .map(|n| channels.iter().map(|c| c[n]).sum::<f32>() * gain)
        .collect()
}

/// The clock for `audio`: the given tempo or an estimated one, the given first bar or an
/// estimated one. `None` (free time) when no tempo is given and none is found.
pub fn resolve_clock(audio: &Audio, timing: TimingArgs) -> Option<(BarClock, TempoReport)> {
    let sr = audio.sample_rate as f32;
    let mono = mono_of(audio);
    let given_sig = timing.time_sig;
    let (bpm, time_sig, estimate, known_bpm) = match timing.bpm {
        Some(bpm) => {
            let sig = given_sig.unwrap_or((4, 4));
            let e = tempo::estimate(&mono, sr, Some(Known { bpm, time_sig: sig }));
            (bpm, sig, e, true)
        }
        None => {
            let e = tempo::estimate(&mono, sr, None)?;
            match given_sig {
                // The meter is given: the estimated tempo, the downbeat searched in that meter.
                Some(sig) if sig != e.time_sig => {
                    let bpm = e.bpm;
                    let k = tempo::estimate(&mono, sr, Some(Known { bpm, time_sig: sig }));
                    let e = k.map(|k| TempoEstimate {
                        bpm_confidence: e.bpm_confidence,
                        ..k
                    });
                    (bpm, sig, e, false)
                }
                _ => (e.bpm, given_sig.unwrap_or(e.time_sig), Some(e), false),
            }
        }
    };
    let (first_bar_s, first_bar_confidence) = match (timing.first_bar_s, &estimate) {
        (Some(s), _) => (s, 1.0),
        (None, Some(e)) => (e.first_bar_s, e.first_bar_confidence),
        // Silence: the file's start.
        (None, None) => (0.0, 0.0),
    };
    let report = TempoReport {
        bpm,
        bpm_confidence: if known_bpm {
            1.0
        } else {
            estimate.map_or(0.0, |e| e.bpm_confidence)
        },
        first_bar_s,
        first_bar_confidence,
        time_sig: format!("{}/{}", time_sig.0, time_sig.1),
        estimated: !known_bpm,
        first_bar_estimated: timing.first_bar_s.is_none(),
        time_sig_estimated: given_sig.is_none() && !known_bpm,
        time_sig_confidence: if given_sig.is_some() || known_bpm {
            1.0
        } else {
            estimate.map_or(0.0, |e| e.time_sig_confidence)
        },
    };
    Some((
        BarClock {
            bpm,
            time_sig,
            first_bar_s,
        },
        report,
    ))
}

/// The analysis itself (no file I/O), for `demo` and tests: the given tempo from the file's
/// start (free time without one).
pub fn analyze_audio(
    audio: &Audio,
    bpm: Option<f64>,
    time_sig: (u32, u32),
    preset: Option<&str>,
    sets: &[String],
) -> Result<Report> {
    check_bpm(bpm)?;
    let params = meter_params(preset, sets)?;
    report_of(
        audio,
        bpm.map(|b| BarClock::from_start(b, time_sig)),
        &params,
    )
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
/// with the transport a host playing the file on `clock`'s grid would send (free time
/// without one), in blocks of [`BLOCK`].
pub fn run_engine(
    audio: &Audio,
    clock: Option<BarClock>,
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
        let transport = match clock {
            // The host convention: positions in quarter notes from the song start.
            Some(c) => Transport::playing(c.bpm, c.time_sig, c.pos_beats(start as f64 / sr as f64)),
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

/// Sections, verdict and loudness summary of `audio` (checked `clock`, loaded `params`).
pub fn report_of(
    audio: &Audio,
    clock: Option<BarClock>,
    params: &DensityMeterParams,
) -> Result<Report> {
    let tracker = run_engine(audio, clock, params, "analysing");
    let phrase = params.phrase_bars.value().max(1) as usize;
    let mut report = if clock.is_some() {
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

/// What `--json` prints: the report, and how its tempo was found (absent in free time).
#[derive(Serialize)]
pub struct AnalyzeJson<'a> {
    #[serde(flatten)]
    pub report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tempo: Option<&'a TempoReport>,
}

/// The user's timing arguments, checked.
pub fn timing_args(args: &AnalyzeArgs) -> Result<TimingArgs> {
    check_bpm(args.bpm)?;
    let time_sig = args.time_sig.as_deref().map(parse_time_sig).transpose()?;
    if let Some(s) = args.first_bar
        && !(s.is_finite() && s >= 0.0)
    {
        bail!("--first-bar {s} must be seconds into the file (0 or more)");
    }
    Ok(TimingArgs {
        bpm: args.bpm,
        time_sig,
        first_bar_s: args.first_bar,
    })
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    let timing = timing_args(&args)?;
    if !args.stems.is_empty() {
        return stems::run(&args, timing);
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
    let params = meter_params(args.preset.as_deref(), &args.sets)?;
    let clock = resolve_clock(&audio, timing);
    if clock.is_none() {
        eprintln!("note: no steady tempo found; analysing in free time (2 s slots): give --bpm");
    }
    let report = report_of(&audio, clock.as_ref().map(|c| c.0), &params)?;
    let tempo = clock.as_ref().map(|c| &c.1);
    if args.json {
        let json = AnalyzeJson {
            report: &report,
            tempo,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string())
        );
    } else {
        if let Some(t) = tempo {
            println!("{}\n", t.line());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 22_050;

    /// A metronome at `bpm` after `silence_s` of silence, `per_bar` clicks a bar with the first
    /// of each bar an octave higher and 12 dB louder over a low thump; 24 s long, stereo.
    fn metronome(bpm: f64, per_bar: usize, silence_s: f64) -> Audio {
        let mut x = vec![0f32; SR as usize * 24];
        let beat = 60.0 / bpm;
        let mut k = 0;
        while silence_s + k as f64 * beat < 23.0 {
            let start = ((silence_s + k as f64 * beat) * SR as f64) as usize;
            let accent = k % per_bar == 0;
            for n in 0..(0.006 * SR as f64) as usize {
                let t = n as f64 / SR as f64;
                let env = (-t / 0.002).exp();
                let s = if accent {
                    0.8 * ((std::f64::consts::TAU * 2000.0 * t).sin()
                        + (std::f64::consts::TAU * 80.0 * t).sin())
                } else {
                    0.2 * (std::f64::consts::TAU * 1000.0 * t).sin()
                };
                x[start + n] += (s * env) as f32;
            }
            k += 1;
        }
        Audio {
            sample_rate: SR,
            channels: vec![x.clone(), x],
        }
    }

    #[test]
    fn bars_before_the_first_bar_count_from_the_files_start() {
        // 120 BPM 4/4: 2 s bars. A 2 s count-in is bar 0, whole; a 0.5 s pickup is bar 0 too
        // (its last quarter), and bar 1 starts on the first bar.
        let clock = |first_bar_s| BarClock {
            bpm: 120.0,
            time_sig: (4, 4),
            first_bar_s,
        };
        assert_eq!(clock(2.0).pos_beats(0.0), 0.0);
        assert_eq!(clock(2.0).pos_beats(2.0), 4.0);
        assert_eq!(clock(0.5).pos_beats(0.0), 3.0);
        assert_eq!(clock(0.5).pos_beats(0.5), 4.0);
        assert_eq!(clock(0.0).pos_beats(1.0), 2.0);
        assert_eq!(BarClock::from_start(90.0, (3, 4)).pos_beats(2.0), 3.0);
    }

    #[test]
    fn the_clock_uses_what_is_given_and_estimates_the_rest() {
        // 3/4 at 100 after a silent 1.8 s bar: bar 1 of the music at 1.8 s.
        let audio = metronome(100.0, 3, 1.8);
        let (clock, tempo) = resolve_clock(&audio, TimingArgs::default()).unwrap();
        assert!((clock.bpm / 100.0 - 1.0).abs() < 0.005, "{tempo:?}");
        assert_eq!(clock.time_sig, (3, 4));
        assert!((clock.first_bar_s - 1.8).abs() < 0.02, "{tempo:?}");
        assert!(tempo.estimated && tempo.first_bar_estimated && tempo.time_sig_estimated);
        assert!(tempo.line().ends_with("3/4 (guessed)"), "{}", tempo.line());
        // The first bar given: kept as given, with or without a tempo.
        let given = TimingArgs {
            first_bar_s: Some(0.6),
            ..TimingArgs::default()
        };
        let (clock, tempo) = resolve_clock(&audio, given).unwrap();
        assert_eq!(clock.first_bar_s, 0.6);
        assert!(
            tempo.line().contains("first bar at 0.600 s (given)"),
            "{tempo:?}"
        );
        // The tempo given: the first bar still estimated, in the given meter.
        let bpm_given = TimingArgs {
            bpm: Some(100.0),
            time_sig: Some((3, 4)),
            first_bar_s: None,
        };
        let (clock, tempo) = resolve_clock(&audio, bpm_given).unwrap();
        assert_eq!((clock.bpm, clock.time_sig), (100.0, (3, 4)));
        assert!((clock.first_bar_s - 1.8).abs() < 0.02, "{tempo:?}");
        assert!(!tempo.estimated && tempo.first_bar_estimated && !tempo.time_sig_estimated);
        assert!(
            tempo
                .line()
                .starts_with("Tempo: 100.0 BPM (given), first bar at 1.8")
        );
        // Only the meter given: the estimated tempo, in that meter (6/8 bars are three
        // quarters too, so the same bars).
        let sig_given = TimingArgs {
            time_sig: Some((6, 8)),
            ..TimingArgs::default()
        };
        let (clock, tempo) = resolve_clock(&audio, sig_given).unwrap();
        assert_eq!(clock.time_sig, (6, 8));
        assert!((clock.bpm / 100.0 - 1.0).abs() < 0.005, "{tempo:?}");
        assert!((clock.first_bar_s - 1.8).abs() < 0.02, "{tempo:?}");
        assert!(tempo.estimated && !tempo.time_sig_estimated);
        // Silence: no tempo, free time.
        let silent = Audio {
            sample_rate: SR,
            channels: vec![vec![0.0; SR as usize * 4]],
        };
        assert!(resolve_clock(&silent, TimingArgs::default()).is_none());
    }
}
