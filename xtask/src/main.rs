//! `cargo xtask`: nice-plug's bundler plus Catalyst's own commands.
//!
//! - `cargo xtask bundle-all [--release]`: builds every plugin into `target/bundled/`.
//! - `cargo xtask install [--debug]`: bundles (release unless `--debug`) and copies each bundle
//!   into the user's CLAP and VST3 folders, printing where each went.
//! - `cargo xtask uninstall`: removes exactly the bundles `install` put there.
//! - `cargo xtask perf [FILTER]`: runs the engine benchmarks and prints % of one core.
//! - anything else (`bundle -p NAME`, ...) goes to nice-plug-xtask.
//!
//! `CATALYST_CLAP_DIR` / `CATALYST_VST3_DIR` override the install folders (used by tests).

use std::path::{Path, PathBuf};

mod install;
mod perf;

/// (cargo package, bundle display name). Must match `bundler.toml`.
pub const PLUGINS: &[(&str, &str)] = &[
    ("snare-layerer", "Catalyst Snare Layerer"),
    ("ache-piano", "Catalyst Ache Piano"),
    ("density-meter", "Catalyst Density Meter"),
];

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bundle-all") => bundle_all(&args[1..]),
        Some("install") => {
            let debug = args.iter().any(|a| a == "--debug");
            let build_args: Vec<String> = if debug {
                vec![]
            } else {
                vec!["--release".to_string()]
            };
            bundle_all(&build_args)?;
            install::install(&bundled_dir()?)
        }
        Some("uninstall") => install::uninstall(),
        Some("perf") => perf::perf(&args[1..], &target_dir()),
        _ => nice_plug_xtask::main_with_args("cargo xtask", args),
    }
}

fn bundle_all(extra: &[String]) -> nice_plug_xtask::Result<()> {
    let mut args = vec!["bundle".to_string()];
    for (package, _) in PLUGINS {
        args.push("-p".to_string());
        args.push(package.to_string());
    }
    args.extend(extra.iter().cloned());
    nice_plug_xtask::main_with_args("cargo xtask", args)?;
    let dir = bundled_dir()?;
    for (_, name) in PLUGINS {
        for ext in ["clap", "vst3"] {
            let path = dir.join(format!("{name}.{ext}"));
            if !path.exists() {
                anyhow::bail!("expected bundle missing: {}", path.display());
            }
            println!("bundled {}", path.display());
        }
    }
    Ok(())
}

/// `target/bundled` of this workspace (honours `CARGO_TARGET_DIR`).
fn bundled_dir() -> nice_plug_xtask::Result<PathBuf> {
    Ok(target_dir().join("bundled"))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_list_matches_bundler_toml() {
        let toml = std::fs::read_to_string(workspace_root().join("bundler.toml")).unwrap();
        for (package, name) in PLUGINS {
            assert!(toml.contains(&format!("[{package}]")), "{package} missing");
            assert!(
                toml.contains(&format!("name = \"{name}\"")),
                "{name} missing"
            );
        }
    }
}
