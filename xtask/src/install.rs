//! Copies bundles into the user's plugin folders and removes them again.

use crate::PLUGINS;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Per-user plugin folders as each OS's hosts scan them:
/// Linux `~/.clap`, `~/.vst3`; macOS `~/Library/Audio/Plug-Ins/{CLAP,VST3}`;
/// Windows `%LOCALAPPDATA%\Programs\Common\{CLAP,VST3}` (per-user, no admin rights needed).
fn plugin_dirs() -> Result<(PathBuf, PathBuf)> {
    if let (Some(clap), Some(vst3)) = (
        std::env::var_os("CATALYST_CLAP_DIR"),
        std::env::var_os("CATALYST_VST3_DIR"),
    ) {
        return Ok((clap.into(), vst3.into()));
    }
    if cfg!(target_os = "windows") {
        let local = std::env::var_os("LOCALAPPDATA").context("LOCALAPPDATA is not set")?;
        let common = PathBuf::from(local).join("Programs").join("Common");
        Ok((common.join("CLAP"), common.join("VST3")))
    } else {
        let home = PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?);
        if cfg!(target_os = "macos") {
            let base = home.join("Library/Audio/Plug-Ins");
            Ok((base.join("CLAP"), base.join("VST3")))
        } else {
            Ok((home.join(".clap"), home.join(".vst3")))
        }
    }
}

fn destinations() -> Result<Vec<(String, PathBuf)>> {
    let (clap_dir, vst3_dir) = plugin_dirs()?;
    let mut out = Vec::new();
    for (_, name) in PLUGINS {
        out.push((
            format!("{name}.clap"),
            clap_dir.join(format!("{name}.clap")),
        ));
        out.push((
            format!("{name}.vst3"),
            vst3_dir.join(format!("{name}.vst3")),
        ));
    }
    Ok(out)
}

pub fn install(bundled: &Path) -> Result<()> {
    for (file, dest) in destinations()? {
        let src = bundled.join(&file);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        remove(&dest)?;
        copy_recursive(&src, &dest)
            .with_context(|| format!("could not copy {} to {}", src.display(), dest.display()))?;
        println!("installed {}", dest.display());
    }
    Ok(())
}

pub fn uninstall() -> Result<()> {
    for (_, dest) in destinations()? {
        if remove(&dest)? {
            println!("removed {}", dest.display());
        }
    }
    Ok(())
}

fn remove(path: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(false),
    };
    if meta.is_dir() {
        std::fs::remove_dir_all(path)?;
    } else {
        std::fs::remove_file(path)?;
    }
    Ok(true)
}

fn copy_recursive(src: &Path, dest: &Path) -> std::io::Result<()> {
    if src.is_dir() {
        std::fs::create_dir_all(dest)?;
        for entry in std::fs::read_dir(src)? {
            let entry = entry?;
            copy_recursive(&entry.path(), &dest.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(src, dest).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Installs fake bundles (a `.clap` file and a `.vst3` folder, as on Linux) into temporary
    /// plugin folders, then uninstalls: every bundle lands where expected and is removed again,
    /// and an unrelated plugin beside them is left alone.
    #[test]
    fn install_then_uninstall_touches_exactly_our_bundles() {
        let root = std::env::temp_dir().join(format!("catalyst-install-{}", std::process::id()));
        let bundled = root.join("bundled");
        let clap_dir = root.join("clap");
        let vst3_dir = root.join("vst3");
        std::fs::create_dir_all(&bundled).unwrap();
        for (_, name) in PLUGINS {
            std::fs::write(bundled.join(format!("{name}.clap")), b"clap").unwrap();
            let contents = bundled.join(format!("{name}.vst3/Contents/x86_64-linux"));
            std::fs::create_dir_all(&contents).unwrap();
            std::fs::write(contents.join(format!("{name}.so")), b"vst3").unwrap();
        }
        std::fs::create_dir_all(&clap_dir).unwrap();
        std::fs::write(clap_dir.join("Other.clap"), b"not ours").unwrap();

        // SAFETY: this is the only test in the crate that touches these variables.
        unsafe {
            std::env::set_var("CATALYST_CLAP_DIR", &clap_dir);
            std::env::set_var("CATALYST_VST3_DIR", &vst3_dir);
        }
        install(&bundled).unwrap();
        for (_, name) in PLUGINS {
            assert!(clap_dir.join(format!("{name}.clap")).is_file());
            let so = vst3_dir.join(format!("{name}.vst3/Contents/x86_64-linux/{name}.so"));
            assert_eq!(std::fs::read(so).unwrap(), b"vst3");
        }
        // Installing again replaces cleanly.
        install(&bundled).unwrap();
        uninstall().unwrap();
        for (_, name) in PLUGINS {
            assert!(!clap_dir.join(format!("{name}.clap")).exists());
            assert!(!vst3_dir.join(format!("{name}.vst3")).exists());
        }
        assert!(clap_dir.join("Other.clap").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
