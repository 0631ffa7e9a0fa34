//! Where user presets live: one folder per plugin under the OS's per-user data folder.
//!
//! - Linux: `$XDG_DATA_HOME/Catalyst/Presets/<Plugin>/`, or `~/.local/share/Catalyst/Presets/<Plugin>/`
//!   when `XDG_DATA_HOME` is unset or not absolute (XDG Base Directory Specification 0.8).
//! - macOS: `~/Library/Application Support/Catalyst/Presets/<Plugin>/`.
//! - Windows: `%APPDATA%\Catalyst\Presets\<Plugin>\` (the roaming profile, so presets follow the
//!   user between machines).
//!
//! `CATALYST_PRESET_DIR`, when set, replaces `…/Catalyst/Presets` (tests, portable setups).

use crate::{PluginInfo, PresetError};
use std::path::PathBuf;

/// The environment variable that replaces the presets root folder.
pub const OVERRIDE_ENV: &str = "CATALYST_PRESET_DIR";

#[derive(Clone, Copy)]
enum Os {
    Linux,
    Mac,
    Windows,
}

const THIS_OS: Os = if cfg!(target_os = "windows") {
    Os::Windows
} else if cfg!(target_os = "macos") {
    Os::Mac
} else {
    Os::Linux
};

fn root_for(os: Os, env: impl Fn(&str) -> Option<String>) -> Result<PathBuf, PresetError> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(OVERRIDE_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let home = || {
        var("HOME")
            .map(PathBuf::from)
            .ok_or_else(|| PresetError::NoUserFolder("HOME is not set".into()))
    };
    let data = match os {
        Os::Linux => match var("XDG_DATA_HOME").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => dir,
            _ => home()?.join(".local").join("share"),
        },
        Os::Mac => home()?.join("Library").join("Application Support"),
        Os::Windows => var("APPDATA")
            .map(PathBuf::from)
            .ok_or_else(|| PresetError::NoUserFolder("APPDATA is not set".into()))?,
    };
    Ok(data.join("Catalyst").join("Presets"))
}

/// The folder holding every plugin's preset folder (`…/Catalyst/Presets`).
pub fn presets_root() -> Result<PathBuf, PresetError> {
    root_for(THIS_OS, |name| std::env::var(name).ok())
}

/// The folder of `plugin`'s user presets (it may not exist yet: saving creates it).
pub fn user_folder(plugin: &PluginInfo) -> Result<PathBuf, PresetError> {
    Ok(presets_root()?.join(plugin.folder))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn each_os_uses_its_documented_user_data_folder() {
        let home = [("HOME", "/home/ana")];
        assert_eq!(
            root_for(Os::Linux, env(&home)).unwrap(),
            Path::new("/home/ana/.local/share/Catalyst/Presets")
        );
        let xdg = [("HOME", "/home/ana"), ("XDG_DATA_HOME", "/data/ana")];
        assert_eq!(
            root_for(Os::Linux, env(&xdg)).unwrap(),
            Path::new("/data/ana/Catalyst/Presets")
        );
        // A relative XDG_DATA_HOME is invalid per the spec and ignored.
        let relative = [("HOME", "/home/ana"), ("XDG_DATA_HOME", "data")];
        assert_eq!(
            root_for(Os::Linux, env(&relative)).unwrap(),
            Path::new("/home/ana/.local/share/Catalyst/Presets")
        );
        let mac = [("HOME", "/Users/ana")];
        assert_eq!(
            root_for(Os::Mac, env(&mac)).unwrap(),
            Path::new("/Users/ana/Library/Application Support/Catalyst/Presets")
        );
        let win = [("APPDATA", "C:/Users/ana/AppData/Roaming")];
        assert_eq!(
            root_for(Os::Windows, env(&win)).unwrap(),
            Path::new("C:/Users/ana/AppData/Roaming/Catalyst/Presets")
        );
    }

    #[test]
    fn the_override_wins_and_a_missing_home_is_a_clear_error() {
        let vars = [("HOME", "/home/ana"), (OVERRIDE_ENV, "/tmp/p")];
        assert_eq!(
            root_for(Os::Linux, env(&vars)).unwrap(),
            Path::new("/tmp/p")
        );
        let err = root_for(Os::Linux, env(&[])).unwrap_err().to_string();
        assert!(err.contains("HOME"), "{err}");
        let err = root_for(Os::Windows, env(&[])).unwrap_err().to_string();
        assert!(err.contains("APPDATA"), "{err}");
    }
}
