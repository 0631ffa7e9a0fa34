//! `catalyst`: Catalyst's engines without a DAW. Renders and analyses files with exactly the DSP
//! the plugins run (the engines in `shared-dsp`).

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod audio_io;
mod midi_file;
mod plot;

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
enum Command {}

fn run(cli: Cli) -> Result<()> {
    match cli.command {}
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
