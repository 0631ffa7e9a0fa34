//! CLAP bundles in our own host. These run when `CATALYST_BUNDLE_DIR` is set (scripts/test.sh
//! sets it after bundling); then a missing bundle is a failure, not a skip.
//!
//! - `CATALYST_BUNDLE_DIR`: release `.clap` bundles (conformance, robustness, soak)
//! - `CATALYST_DEBUG_PLUGIN_DIR`: DEBUG plugin libraries (`lib<crate>.so`, built by
//!   `cargo build -p <plugin>`), run in a subprocess with the real-time workout: nice-plug's
//!   `assert_process_allocs` aborts on any allocation in `process()`.
//! - `CATALYST_SOAK_SECONDS`: audio seconds per plugin for the soak (default 3600; see
//!   `clap_host::soak` for what it plays and the drift bounds it holds).

use std::path::PathBuf;
use std::process::Command;

use clap_host::{checks, soak};

/// CLAP has ONE main thread per host. Cargo runs tests on parallel threads, and each test
/// acts as a main thread, so two tests at once would break the contract (and did crash
/// intermittently inside nice-plug). Tests therefore take this lock; concurrency that real
/// hosts do (several audio threads) is covered by the `concurrent instances` check.
static ONE_MAIN_THREAD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn main_thread() -> std::sync::MutexGuard<'static, ()> {
    ONE_MAIN_THREAD.lock().unwrap_or_else(|e| e.into_inner())
}

/// (bundle name, cargo package's library name).
const PLUGINS: &[(&str, &str)] = &[
    ("Catalyst Snare Layerer", "snare_layerer"),
    ("Catalyst Ache Piano", "ache_piano"),
    ("Catalyst Density Meter", "density_meter"),
];

fn bundle_dir() -> Option<PathBuf> {
    match std::env::var_os("CATALYST_BUNDLE_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("SKIPPED: set CATALYST_BUNDLE_DIR to run the CLAP host tests");
            None
        }
    }
}

fn bundles() -> Vec<PathBuf> {
    let Some(dir) = bundle_dir() else {
        return Vec::new();
    };
    PLUGINS
        .iter()
        .map(|(name, _)| {
            let p = dir.join(format!("{name}.clap"));
            assert!(p.exists(), "bundle missing: {}", p.display());
            p
        })
        .collect()
}

#[test]
fn every_bundle_passes_every_check() {
    let _main = main_thread();
    let mut failures = Vec::new();
    for path in bundles() {
        for (check, result) in checks::all_checks(&path) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match result {
                Ok(()) => eprintln!("ok    {name}: {check}"),
                Err(e) => {
                    eprintln!("FAIL  {name}: {check}: {e}");
                    failures.push(format!("{name}: {check}: {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn soak_one_hour_each() {
    let _main = main_thread();
    let seconds: f64 = std::env::var("CATALYST_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600.0);
    let mut failures = Vec::new();
    for path in bundles() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match soak::soak(&path, seconds, 7) {
            Ok(r) => {
                eprintln!("soak  {name}: {r}");
                if let Err(e) = r.verdict() {
                    failures.push(format!("{name}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn debug_builds_never_allocate_in_process() {
    let Some(dir) = std::env::var_os("CATALYST_DEBUG_PLUGIN_DIR").map(PathBuf::from) else {
        eprintln!("SKIPPED: set CATALYST_DEBUG_PLUGIN_DIR (e.g. target/debug) to run this");
        return;
    };
    let mut failures = Vec::new();
    for (name, lib) in PLUGINS {
        let so = dir.join(format!("lib{lib}.so"));
        assert!(
            so.exists(),
            "debug plugin library missing: {}",
            so.display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_clap-host"))
            .arg(&so)
            .args(["--realtime-workout", "1.5"])
            .env("CLAP_HOST_QUIET", "1")
            .output()
            .expect("run clap-host");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{name}: exit {:?}\n{stdout}", out.status.code());
        // nice-plug's debug assertions (host/plugin contract checks) only log a warning;
        // in this test they count as failures. One is about this host, not the plugin: every
        // parameter moved in every block queues one editor notification per change for the
        // host's main thread, and under CPU load our main thread drains that queue slower than
        // the workout fills it ("task queue is full": a dropped GUI repaint hint, harmless).
        let asserts: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.find("Debug assertion failed").map(|i| &l[i..]))
            .filter(|a| !a.contains("The task queue is full"))
            .collect();
        if !asserts.is_empty() {
            let mut uniq = asserts.clone();
            uniq.sort_unstable();
            uniq.dedup();
            failures.push(format!(
                "{name} (debug): nice-plug debug assertions:\n{}",
                uniq.join("\n")
            ));
        }
        if !out.status.success() {
            let tail: String = stderr
                .lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            failures.push(format!(
                "{name} (debug): exit {:?}\n{stdout}\n{tail}",
                out.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
