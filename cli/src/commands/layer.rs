//! `catalyst layer IN -o OUT`: runs the Snare Layerer's engine over a whole drum stem.

use crate::audio_io::{
    Audio, WavFormat, check_output, check_output_is_not_input, read_audio, write_wav,
};
use crate::commands::preset::{self as preset_cmd, load_preset_arg};
use crate::offline_params::apply_sets;
use crate::progress;
use anyhow::{Result, bail};
use serde::Serialize;
use shared_dsp::snare::SnareEngine;
use shared_dsp::snare::sample_file::load_sample_set;
use snare_layerer::SnareLayererParams;
use std::path::PathBuf;

const BLOCK: usize = 512;

pub struct LayerArgs {
    pub input: PathBuf,
    pub output: PathBuf,
    pub preset: Option<String>,
    pub sets: Vec<String>,
    /// Sample files and folders for the Sample layer (empty: the preset's, if any).
    pub sample: Vec<PathBuf>,
    pub hits_json: bool,
    pub format: WavFormat,
    pub force: bool,
}

#[derive(Debug, Serialize, Clone, Copy)]
pub struct HitReport {
    /// Onset time in the input file, seconds.
    pub time_s: f64,
    pub velocity: f32,
    pub peak_db: f32,
    /// 0..1: how surely the hit is the snare (1 when Reject Bleed is off).
    pub confidence: f32,
    /// A ghost note (the Ghost Lane), layered at the Ghost Level.
    pub ghost: bool,
}

pub struct LayerResult {
    pub audio: Audio,
    pub hits: Vec<HitReport>,
    pub latency_samples: usize,
}

/// The render itself, separate from file I/O so `demo` and tests can call it.
pub fn layer_audio(
    input: &Audio,
    preset: Option<&str>,
    sets: &[String],
    samples: &[PathBuf],
) -> Result<LayerResult> {
    let params = SnareLayererParams::default();
    let loaded = preset
        .map(|spec| load_preset_arg::<preset_cmd::Layer>(&params, spec))
        .transpose()?;
    if !samples.is_empty() && !sets.iter().any(|s| s.starts_with("smp_on=")) {
        apply_sets(&params, &["smp_on=true".to_string()])?;
    }
    // A user preset's own samples, unless --sample names others.
    let preset_samples = loaded.map(|l| l.sample_paths()).unwrap_or_default();
    let samples = if samples.is_empty() {
        &preset_samples[..]
    } else {
        samples
    };
    apply_sets(&params, sets)?;
    let settings = params.to_settings();
    let sr = input.sample_rate as f32;
    let mut engine = SnareEngine::new(sr, settings);
    if !samples.is_empty() {
        // Files that do not load are reported and the others play, as in the plugin; not one
        // loading is an error.
        let mut load = load_sample_set(samples, sr);
        let status = load.status();
        let Some(set) = load.set.take() else {
            bail!("sample: {status}");
        };
        if !load.missing.is_empty() {
            eprintln!("warning: sample: {status}");
        }
        engine.swap_sample_set(Some(Box::new(set)));
    }
    let latency = engine.latency_samples();

    // Let the longest enabled layer ring out after the input ends.
    let l = &settings.layers;
    let tail_ms = [
        (l.cabinet.common.enabled, l.cabinet.common.decay_ms),
        (l.tail.common.enabled, l.tail.common.decay_ms),
        (l.body.common.enabled, l.body.common.decay_ms),
        (l.sample.common.enabled, l.sample.common.decay_ms),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, ms)| *ms)
    .fold(0.0f32, f32::max)
    .min(4_000.0);
    let tail = (tail_ms * 0.001 * sr) as usize;
    let in_frames = input.frames();
    let total = in_frames + tail + latency;

    // The engine processes mono or stereo. A multichannel file (a multitrack bounce, a
    // surround stem) has no one snare track to layer: say so rather than drop channels.
    if input.channels.len() > 2 {
        bail!(
            "layer takes a mono or stereo file; this one has {} channels (export the snare track on its own)",
            input.channels.len()
        );
    }
    let n_ch = input.channels.len().clamp(1, 2);
    let mut work: Vec<Vec<f32>> = vec![vec![0.0; total]; n_ch];
    for (ch, w) in work.iter_mut().enumerate() {
        let src = &input.channels[ch.min(input.channels.len() - 1)];
        w[..in_frames].copy_from_slice(src);
    }
    let bar = progress::bar(total as u64, "layering");
    let mut hits = Vec::new();
    let mut start = 0;
    while start < total {
        let end = (start + BLOCK).min(total);
        let (first, rest) = work.split_at_mut(1);
        match rest.first_mut() {
            Some(second) => engine.process(
                &mut [&mut first[0][start..end], &mut second[start..end]],
                &[],
            ),
            None => engine.process(&mut [&mut first[0][start..end]], &[]),
        }
        for h in engine.hits() {
            hits.push(HitReport {
                time_s: (h.sample_time as f64 - latency as f64).max(0.0) / sr as f64,
                velocity: h.velocity,
                peak_db: h.peak_db,
                confidence: h.confidence,
                ghost: h.ghost,
            });
        }
        bar.inc((end - start) as u64);
        start = end;
    }
    bar.finish_and_clear();
    // Drop the latency so the output lines up with the input sample for sample.
    let channels = work.into_iter().map(|w| w[latency..].to_vec()).collect();
    Ok(LayerResult {
        audio: Audio {
            sample_rate: input.sample_rate,
            channels,
        },
        hits,
        latency_samples: latency,
    })
}

pub fn run(args: LayerArgs) -> Result<()> {
    check_output_is_not_input(&args.output, &args.input)?;
    for sample in &args.sample {
        check_output_is_not_input(&args.output, sample)?;
    }
    check_output(&args.output, args.force)?;
    let input = read_audio(&args.input)?;
    let result = layer_audio(&input, args.preset.as_deref(), &args.sets, &args.sample)?;
    write_wav(&args.output, &result.audio, args.format)?;
    if args.hits_json {
        println!("{}", serde_json::to_string_pretty(&result.hits)?);
    } else {
        println!(
            "layered {} hits over {:.1} s -> {} (engine latency of {} samples compensated)",
            result.hits.len(),
            input.duration_s(),
            args.output.display(),
            result.latency_samples
        );
    }
    Ok(())
}
