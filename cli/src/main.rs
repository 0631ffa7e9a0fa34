//! `catalyst`: Catalyst's engines without a DAW. Renders and analyses files with exactly the DSP
//! the plugins run (the engines in `shared-dsp`).

use anyhow::Result;
use audio_io::WavFormat;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod audio_io;
mod commands;
mod midi_file;
mod offline_params;
mod plot;
mod progress;

#[derive(Parser)]
#[command(
    name = "catalyst",
    version,
    about = "Catalyst's plugins, without a DAW"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Layer character on every hit of a drum stem with the Snare Layerer's engine.
    Layer {
        /// Drum stem (WAV, FLAC or AIFF).
        input: PathBuf,
        /// Output WAV.
        #[arg(short, long)]
        output: PathBuf,
        /// Factory preset ("Filing Cabinet"), user preset or preset file (see `catalyst preset list layer`).
        #[arg(long)]
        preset: Option<String>,
        /// Set a parameter by its id, e.g. --set dry=-6 --set timing="Zero latency".
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
        /// Your own hit for the Sample layer (WAV, FLAC or AIFF), or a folder of them; give it
        /// several times for several files. Several files make velocity zones (by loudness) with
        /// round-robin alternates. Turns the layer on.
        #[arg(long, value_name = "FILE_OR_FOLDER")]
        sample: Vec<PathBuf>,
        /// Print the detected hits as JSON (time in the input, velocity, peak).
        #[arg(long)]
        hits_json: bool,
        #[command(flatten)]
        out: OutputOptions,
    },
    /// Render a MIDI file on the Ache Piano.
    Play {
        /// Standard MIDI file.
        input: PathBuf,
        /// Output WAV (stereo).
        #[arg(short, long)]
        output: PathBuf,
        /// Factory preset ("Bridge Confession"), user preset or preset file (see `catalyst preset list play`).
        #[arg(long)]
        preset: Option<String>,
        /// Set a parameter by its id, e.g. --set detune=12.
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
        #[arg(long, default_value_t = 48_000)]
        sample_rate: u32,
        #[command(flatten)]
        out: OutputOptions,
    },
    /// Measure how an arrangement builds, bar by bar, with the Density Meter's engine.
    ///
    /// With --stems: each stem runs through the engine a plugin instance runs, and the stems
    /// form the tracks x bars grid (who plays where) with its low-band clashes, as Density
    /// Meters on those tracks of one session show it; sections, verdict and loudness are of
    /// the stems' sum. Stems share a sample rate; shorter ones are padded with silence.
    Analyze {
        /// Mix or stem (WAV, FLAC or AIFF).
        #[arg(required_unless_present = "stems")]
        input: Option<PathBuf>,
        /// Stems instead of a mix: a folder (its WAV, FLAC and AIFF files, sorted by name) or
        /// several files (in the order given); the file names are the track names. Without
        /// --bpm the tempo is estimated on their sum.
        #[arg(long, num_args = 1.., value_name = "DIR_OR_FILES", conflicts_with = "input")]
        stems: Vec<PathBuf>,
        /// Tempo in quarter notes a minute. Without it the tempo, the meter and the first
        /// downbeat are estimated from the audio (free time, 2 s slots, when no steady pulse is
        /// found).
        #[arg(long)]
        bpm: Option<f64>,
        /// Time signature (default 4/4 with --bpm, estimated without).
        #[arg(long)]
        time_sig: Option<String>,
        /// Where bar 1 of the song starts, seconds into the file (default: estimated from the
        /// audio, with or without --bpm).
        #[arg(long, value_name = "SECONDS")]
        first_bar: Option<f64>,
        /// User preset or preset file (see `catalyst preset list analyze`).
        #[arg(long)]
        preset: Option<String>,
        /// Set a parameter by its id, e.g. --set phrase=8.
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
        /// Print the whole report as JSON (schema in the README).
        #[arg(long)]
        json: bool,
        /// Also draw the journey plot to this PNG.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Overwrite an existing plot file.
        #[arg(long)]
        force: bool,
    },
    /// Render a short demo of all three plugins with no input at all.
    Demo {
        /// Folder for the demo files.
        #[arg(default_value = "catalyst-demo")]
        dir: PathBuf,
        /// Overwrite earlier demo files.
        #[arg(long)]
        force: bool,
    },
    /// List a plugin's parameters (ids for --set) and presets.
    Params {
        #[arg(value_enum)]
        plugin: PluginName,
    },
    /// List or save presets (the same user preset files the plugins save).
    Preset {
        #[command(subcommand)]
        action: PresetAction,
    },
}

#[derive(Subcommand)]
enum PresetAction {
    /// Factory and user presets of a plugin, with where each lives.
    List {
        #[arg(value_enum)]
        plugin: PluginName,
    },
    /// Save a user preset: the defaults, or --from a preset, changed by --set.
    Save {
        #[arg(value_enum)]
        plugin: PluginName,
        /// The preset's name (spaces and any letters are fine).
        name: String,
        /// Set a parameter by its id, e.g. --set dry=-6.
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
        /// Start from this factory preset, user preset or preset file.
        #[arg(long)]
        from: Option<String>,
        /// Replace a user preset of the same name.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args)]
struct OutputOptions {
    /// Output sample format.
    #[arg(long, value_enum, default_value = "int24")]
    format: WavFormat,
    /// Overwrite an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PluginName {
    Layer,
    Play,
    Analyze,
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Layer {
            input,
            output,
            preset,
            sets,
            sample,
            hits_json,
            out,
        } => commands::layer::run(commands::layer::LayerArgs {
            input,
            output,
            preset,
            sets,
            sample,
            hits_json,
            format: out.format,
            force: out.force,
        }),
        Command::Play {
            input,
            output,
            preset,
            sets,
            sample_rate,
            out,
        } => commands::play::run(commands::play::PlayArgs {
            input,
            output,
            preset,
            sets,
            sample_rate,
            format: out.format,
            force: out.force,
        }),
        Command::Analyze {
            input,
            stems,
            bpm,
            time_sig,
            first_bar,
            preset,
            sets,
            json,
            plot,
            force,
        } => commands::analyze::run(commands::analyze::AnalyzeArgs {
            input,
            stems,
            bpm,
            time_sig,
            first_bar,
            preset,
            sets,
            json,
            plot,
            force,
        }),
        Command::Demo { dir, force } => commands::demo::run(&dir, force),
        Command::Preset { action } => match action {
            PresetAction::List { plugin } => commands::preset::run_list(plugin),
            PresetAction::Save {
                plugin,
                name,
                sets,
                from,
                force,
            } => commands::preset::run_save(
                plugin,
                commands::preset::SaveArgs {
                    name,
                    sets,
                    from,
                    force,
                },
            ),
        },
        Command::Params { plugin } => {
            let (lines, presets): (Vec<String>, Vec<&str>) = match plugin {
                PluginName::Layer => (
                    offline_params::describe(&snare_layerer::SnareLayererParams::default()),
                    shared_dsp::snare::factory_presets()
                        .iter()
                        .map(|p| p.name)
                        .collect(),
                ),
                PluginName::Play => (
                    offline_params::describe(&ache_piano::AchePianoParams::default()),
                    shared_dsp::piano::PRESETS.iter().map(|p| p.name).collect(),
                ),
                PluginName::Analyze => (
                    offline_params::describe(&density_meter::DensityMeterParams::default()),
                    vec![],
                ),
            };
            for line in lines {
                println!("{line}");
            }
            if !presets.is_empty() {
                println!("\npresets: {}", presets.join(", "));
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    // A bug must still end in one clear line, never a panic trace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("catalyst: internal error: {info}");
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("catalyst: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
