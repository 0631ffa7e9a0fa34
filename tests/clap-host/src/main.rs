//! `cargo run -p clap-host --release -- <bundle.clap>... [options]`
//!
//! - no option: run every conformance/robustness check, print one line each, exit 1 on failure
//! - `--time SECONDS`: run the soak (see `clap_host::soak`) for SECONDS of audio and print its
//!   report (real-time factor, drift) without judging the drift
//! - `--soak SECONDS`: the same as a test: every sample finite and within +24 dBFS, and the
//!   drift and speed bounds of `SoakReport::verdict`
//! - `--chords SECONDS`: a 4-note chord once a second at 48 kHz in 64-sample blocks, default
//!   parameters (`checks::chords_once_a_second`): run it under callgrind to count what the
//!   plugin costs through its CLAP wrapper; prints the audio thread's CPU time inside
//!   `process()` as a share of one core
//! - `--realtime-workout SECONDS`: every parameter moved in every block, notes, NaN input,
//!   variable blocks, three rates. Run it on DEBUG builds: nice-plug's `assert_process_allocs`
//!   aborts the process on any allocation in `process()`, so the exit status is the verdict.

use std::path::PathBuf;
use std::process::ExitCode;

use clap_host::{checks, soak};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut bundles = Vec::new();
    let mut mode: Option<(String, f64)> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--time" | "--soak" | "--realtime-workout" | "--chords" => {
                let secs = args.next().and_then(|s| s.parse().ok());
                let Some(secs) = secs else {
                    eprintln!("{a} needs SECONDS");
                    return ExitCode::from(2);
                };
                mode = Some((a, secs));
            }
            "-h" | "--help" => {
                println!(
                    "usage: clap-host <bundle.clap>... [--time S | --soak S | --realtime-workout S | --chords S]"
                );
                return ExitCode::SUCCESS;
            }
            _ => bundles.push(PathBuf::from(a)),
        }
    }
    if bundles.is_empty() {
        eprintln!(
            "usage: clap-host <bundle.clap>... [--time S | --soak S | --realtime-workout S | --chords S]"
        );
        return ExitCode::from(2);
    }
    let mut failed = false;
    for path in &bundles {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        match &mode {
            None => {
                for (check, result) in checks::all_checks(path) {
                    match result {
                        Ok(()) => println!("ok    {name}: {check}"),
                        Err(e) => {
                            println!("FAIL  {name}: {check}: {e}");
                            failed = true;
                        }
                    }
                }
            }
            Some((m, secs)) if m == "--time" || m == "--soak" => match soak::soak(path, *secs, 1) {
                Ok(r) if m == "--time" => println!("time  {name}: {r}"),
                Ok(r) => match r.verdict() {
                    Ok(()) => println!("ok    {name}: {r}"),
                    Err(e) => {
                        println!("FAIL  {name}: soak: {e}\n      {r}");
                        failed = true;
                    }
                },
                Err(e) => {
                    println!("FAIL  {name}: soak: {e}");
                    failed = true;
                }
            },
            Some((m, secs)) if m == "--chords" => match checks::chords_once_a_second(path, *secs) {
                Ok((peak, cpu)) => println!(
                    "chords {name}: {secs} s played, peak {peak:.3}, CPU in process() {cpu:.4} s = {:.3} % of one core",
                    100.0 * cpu / secs
                ),
                Err(e) => {
                    println!("FAIL  {name}: chords: {e}");
                    failed = true;
                }
            },
            Some((_, secs)) => match checks::realtime_workout(path, *secs) {
                Ok(()) => println!("ok    {name}: realtime workout ({secs} s per rate)"),
                Err(e) => {
                    println!("FAIL  {name}: realtime workout: {e}");
                    failed = true;
                }
            },
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
