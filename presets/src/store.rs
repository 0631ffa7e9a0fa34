//! A plugin's folder of user presets: list, save, rename, delete, load.
//!
//! Every write goes to a temporary file in the same folder that is then renamed over the target
//! (atomic on one file system), so a crash, a full disk or a read-only folder never leaves a
//! half-written preset or loses the old one. File names are sanitised copies of preset names
//! (the real name, with its spaces and accents, is stored inside the file).

use crate::file::PresetFile;
use crate::{PluginInfo, PresetError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Preset files end in `.toml`.
pub const EXTENSION: &str = "toml";

/// The longest file stem written (in characters), well inside every file system's limit.
const MAX_STEM_CHARS: usize = 100;

/// One file in the folder: its preset, or why it cannot be read.
#[derive(Debug, Clone)]
pub struct ListedPreset {
    /// The name stored in the file, or for a broken file its file name.
    pub name: String,
    pub path: PathBuf,
    pub preset: Result<PresetFile, String>,
}

impl ListedPreset {
    pub fn is_broken(&self) -> bool {
        self.preset.is_err()
    }
}

/// The user presets of one plugin, in one folder.
#[derive(Debug, Clone)]
pub struct PresetStore {
    dir: PathBuf,
    plugin: PluginInfo,
}

/// A file stem for preset `name`: letters of any script, digits, spaces and most punctuation are
/// kept; characters no file system takes (`<>:"/\|?*`, control characters) become `_`; trailing
/// dots and spaces (dropped by Windows) and leading dots (hidden files) are removed; names
/// Windows reserves (`CON`, `COM1`, ...) get a leading `_`.
pub fn file_stem_for(name: &str) -> String {
    let replaced: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || r#"<>:"/\|?*"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(MAX_STEM_CHARS)
        .collect();
    let stem = replaced
        .trim_end_matches(['.', ' '])
        .trim_start_matches(['.', ' ']);
    if stem.is_empty() {
        return "Preset".to_owned();
    }
    let base = stem.split('.').next().unwrap_or(stem).to_ascii_uppercase();
    let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit());
    if reserved {
        format!("_{stem}")
    } else {
        stem.to_owned()
    }
}

fn check_name(name: &str) -> Result<&str, PresetError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(PresetError::InvalidName("a preset needs a name".into()));
    }
    if name.chars().any(char::is_control) {
        return Err(PresetError::InvalidName(
            "a name cannot hold line breaks or control characters".into(),
        ));
    }
    if name.chars().count() > 200 {
        return Err(PresetError::InvalidName(
            "a name is at most 200 characters".into(),
        ));
    }
    Ok(name)
}

impl PresetStore {
    /// The store in the user's preset folder for `plugin` ([`crate::user_folder`]).
    pub fn user(plugin: PluginInfo) -> Result<Self, PresetError> {
        Ok(Self::in_dir(crate::user_folder(&plugin)?, plugin))
    }

    /// A store in `dir` (created on the first save).
    pub fn in_dir(dir: impl Into<PathBuf>, plugin: PluginInfo) -> Self {
        Self {
            dir: dir.into(),
            plugin,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn plugin(&self) -> &PluginInfo {
        &self.plugin
    }

    /// Every preset file in the folder, sorted by name (case-insensitive); files that cannot be
    /// read, or that belong to another plugin, are listed as broken with the reason. A folder
    /// that does not exist yet holds no presets.
    pub fn list(&self) -> Result<Vec<ListedPreset>, PresetError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(PresetError::Read {
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut listed = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let is_preset = !file_name.starts_with('.')
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION))
                && entry.file_type().is_ok_and(|t| !t.is_dir());
            if !is_preset {
                continue;
            }
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let item = match PresetFile::read(&path) {
                Ok(p) if p.plugin == self.plugin.id => ListedPreset {
                    name: p.name.clone(),
                    path,
                    preset: Ok(p),
                },
                Ok(p) => ListedPreset {
                    name: stem,
                    path,
                    preset: Err(format!("a preset for {}, not {}", p.plugin, self.plugin.id)),
                },
                Err(PresetError::Corrupt { reason, .. }) => ListedPreset {
                    name: stem,
                    path,
                    preset: Err(reason),
                },
                Err(e) => ListedPreset {
                    name: stem,
                    path,
                    preset: Err(e.to_string()),
                },
            };
            listed.push(item);
        }
        listed.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.path.cmp(&b.path))
        });
        Ok(listed)
    }

    fn find(&self, name: &str) -> Result<Option<ListedPreset>, PresetError> {
        let name = name.trim();
        let listed = self.list()?;
        Ok(listed
            .iter()
            .find(|p| !p.is_broken() && p.name == name)
            .or_else(|| listed.iter().find(|p| p.name == name))
            .cloned())
    }

    /// The user preset called `name`, and its file.
    pub fn load(&self, name: &str) -> Result<(PresetFile, PathBuf), PresetError> {
        match self.find(name)? {
            Some(ListedPreset {
                preset: Ok(p),
                path,
                ..
            }) => Ok((p, path)),
            Some(ListedPreset {
                preset: Err(reason),
                path,
                ..
            }) => Err(PresetError::Corrupt { path, reason }),
            None => Err(self.not_found(name)),
        }
    }

    fn not_found(&self, name: &str) -> PresetError {
        PresetError::NotFound {
            name: name.trim().to_owned(),
            dir: self.dir.clone(),
        }
    }

    /// Saves `preset` under its name. A preset of that name is replaced only with `overwrite`;
    /// otherwise that is an [`PresetError::Exists`]. Returns the file written.
    pub fn save(&self, preset: &PresetFile, overwrite: bool) -> Result<PathBuf, PresetError> {
        let name = check_name(&preset.name)?;
        if preset.plugin != self.plugin.id {
            return Err(PresetError::WrongPlugin {
                name: name.to_owned(),
                found: preset.plugin.clone(),
                expected: self.plugin.id.to_owned(),
            });
        }
        let mut preset = preset.clone();
        preset.name = name.to_owned();
        let text = preset.to_toml()?;
        let target = match self.find(name)? {
            Some(existing) if !existing.is_broken() => {
                if !overwrite {
                    return Err(PresetError::Exists {
                        name: name.to_owned(),
                        path: existing.path,
                    });
                }
                existing.path
            }
            _ => self.free_path(name, None),
        };
        self.write_atomic(&target, &text)?;
        Ok(target)
    }

    /// Renames user preset `old` to `new` (its file too). Returns the new file.
    pub fn rename(&self, old: &str, new: &str) -> Result<PathBuf, PresetError> {
        let new = check_name(new)?;
        let (mut preset, old_path) = self.load(old)?;
        if new != old.trim()
            && let Some(existing) = self.find(new)?
            && !existing.is_broken()
        {
            return Err(PresetError::Exists {
                name: new.to_owned(),
                path: existing.path,
            });
        }
        preset.name = new.to_owned();
        let text = preset.to_toml()?;
        let target = self.free_path(new, Some(&old_path));
        self.write_atomic(&target, &text)?;
        if target != old_path
            && let Err(source) = std::fs::remove_file(&old_path)
        {
            // Keep exactly one copy: the old file, untouched.
            let _ = std::fs::remove_file(&target);
            return Err(PresetError::Write {
                action: "remove the old file",
                dir: self.dir.clone(),
                source,
            });
        }
        Ok(target)
    }

    /// Deletes user preset `name` (a broken file by its file name).
    pub fn delete(&self, name: &str) -> Result<(), PresetError> {
        let Some(found) = self.find(name)? else {
            return Err(self.not_found(name));
        };
        std::fs::remove_file(&found.path).map_err(|source| PresetError::Write {
            action: "delete a file",
            dir: self.dir.clone(),
            source,
        })
    }

    /// `<stem>.toml`, or `<stem> 2.toml`, ... whichever is free (`reuse` counts as free).
    fn free_path(&self, name: &str, reuse: Option<&Path>) -> PathBuf {
        let stem = file_stem_for(name);
        (1..)
            .map(|n| {
                let file = if n == 1 {
                    format!("{stem}.{EXTENSION}")
                } else {
                    format!("{stem} {n}.{EXTENSION}")
                };
                self.dir.join(file)
            })
            .find(|p| Some(p.as_path()) == reuse || std::fs::symlink_metadata(p).is_err())
            .expect("an unbounded range finds a free name")
    }

    fn write_atomic(&self, target: &Path, text: &str) -> Result<(), PresetError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let write_error = |action, source| PresetError::Write {
            action,
            dir: self.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| write_error("create the folder", e))?;
        let tmp = self.dir.join(format!(
            ".catalyst-preset-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| {
                f.write_all(text.as_bytes())?;
                f.sync_all()
            });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(write_error("write a file", e));
        }
        if let Err(e) = std::fs::rename(&tmp, target) {
            let _ = std::fs::remove_file(&tmp);
            return Err(write_error("replace a file", e));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::Value;
    use crate::test_dir::TestDir;
    use crate::{ACHE_PIANO, SNARE_LAYERER};

    fn preset(name: &str, dry: f32) -> PresetFile {
        let mut p = PresetFile::new(&SNARE_LAYERER, name);
        p.params.insert("dry".into(), Value::Number(dry));
        p.state
            .insert("sample-path".into(), "/s/crack ü.wav".into());
        p
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn save_then_load_round_trips_and_a_missing_folder_lists_nothing() {
        let tmp = TestDir::new("round-trip");
        let store = PresetStore::in_dir(tmp.path().join("Snare Layerer"), SNARE_LAYERER);
        assert!(store.list().unwrap().is_empty());
        let p = preset("Tight", -6.25);
        let path = store.save(&p, false).unwrap();
        assert_eq!(path, store.dir().join("Tight.toml"));
        let (back, back_path) = store.load("Tight").unwrap();
        assert_eq!((back, back_path), (p, path));
        assert!(matches!(
            store.load("Loose"),
            Err(PresetError::NotFound { .. })
        ));
    }

    #[test]
    fn names_with_spaces_and_other_scripts_are_kept_and_file_names_sanitised() {
        let tmp = TestDir::new("unicode");
        let store = PresetStore::in_dir(tmp.path(), SNARE_LAYERER);
        let names = [
            "Brass Rim – Señora Müller",
            "鼓 スネア",
            "AC/DC: Back?",
            "  ..hidden  ",
            "con",
        ];
        for (i, name) in names.iter().enumerate() {
            store.save(&preset(name, -(i as f32)), false).unwrap();
        }
        assert_eq!(
            files(tmp.path()),
            [
                "AC_DC_ Back_.toml",
                "Brass Rim – Señora Müller.toml",
                "_con.toml",
                "hidden.toml",
                "鼓 スネア.toml",
            ]
        );
        let listed: Vec<String> = store.list().unwrap().into_iter().map(|p| p.name).collect();
        // Sorted case-insensitively; names as typed (trimmed), not as the file names.
        assert_eq!(
            listed,
            [
                "..hidden",
                "AC/DC: Back?",
                "Brass Rim – Señora Müller",
                "con",
                "鼓 スネア"
            ]
        );
        assert_eq!(
            store.load("鼓 スネア").unwrap().0.params["dry"],
            Value::Number(-1.0)
        );
    }

    #[test]
    fn names_that_sanitise_alike_get_their_own_files_and_same_names_need_overwrite() {
        let tmp = TestDir::new("collide");
        let store = PresetStore::in_dir(tmp.path(), SNARE_LAYERER);
        store.save(&preset("a/b", 1.0), false).unwrap();
        store.save(&preset("a_b", 2.0), false).unwrap();
        assert_eq!(files(tmp.path()), ["a_b 2.toml", "a_b.toml"]);
        let err = store.save(&preset("a/b", 3.0), false).unwrap_err();
        assert!(matches!(err, PresetError::Exists { .. }), "{err}");
        store.save(&preset("a/b", 3.0), true).unwrap();
        assert_eq!(
            store.load("a/b").unwrap().0.params["dry"],
            Value::Number(3.0)
        );
        assert_eq!(
            store.load("a_b").unwrap().0.params["dry"],
            Value::Number(2.0)
        );
        assert_eq!(files(tmp.path()).len(), 2);
        assert!(matches!(
            store.save(&preset("  ", 0.0), false),
            Err(PresetError::InvalidName(_))
        ));
        assert!(matches!(
            store.save(&preset("two\nlines", 0.0), false),
            Err(PresetError::InvalidName(_))
        ));
    }

    #[test]
    fn rename_moves_name_and_file_and_delete_removes_it() {
        let tmp = TestDir::new("rename");
        let store = PresetStore::in_dir(tmp.path(), SNARE_LAYERER);
        store.save(&preset("Old", -1.0), false).unwrap();
        store.save(&preset("Other", -2.0), false).unwrap();
        let err = store.rename("Old", "Other").unwrap_err();
        assert!(matches!(err, PresetError::Exists { .. }), "{err}");
        let path = store.rename("Old", "Nouveau Réglage").unwrap();
        assert_eq!(path, tmp.path().join("Nouveau Réglage.toml"));
        assert_eq!(files(tmp.path()), ["Nouveau Réglage.toml", "Other.toml"]);
        let (p, _) = store.load("Nouveau Réglage").unwrap();
        assert_eq!(p.params["dry"], Value::Number(-1.0));
        assert_eq!(p.state["sample-path"], "/s/crack ü.wav");
        store.delete("Nouveau Réglage").unwrap();
        assert_eq!(files(tmp.path()), ["Other.toml"]);
        assert!(matches!(
            store.delete("Nouveau Réglage"),
            Err(PresetError::NotFound { .. })
        ));
    }

    #[test]
    fn broken_and_foreign_files_are_listed_as_broken_with_a_reason() {
        let tmp = TestDir::new("broken");
        let store = PresetStore::in_dir(tmp.path(), SNARE_LAYERER);
        store.save(&preset("Good", 0.0), false).unwrap();
        std::fs::write(tmp.path().join("Truncated.toml"), "plugin = \"audio.cat").unwrap();
        std::fs::write(tmp.path().join("Binary.toml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
        let piano = PresetStore::in_dir(tmp.path(), ACHE_PIANO);
        piano
            .save(&PresetFile::new(&ACHE_PIANO, "Keys"), false)
            .unwrap();
        // Not presets at all: ignored.
        std::fs::write(tmp.path().join("notes.txt"), "hello").unwrap();
        std::fs::write(tmp.path().join(".half-written.toml"), "x").unwrap();
        let listed = store.list().unwrap();
        let summary: Vec<(String, bool)> = listed
            .iter()
            .map(|p| (p.name.clone(), p.is_broken()))
            .collect();
        assert_eq!(
            summary,
            [
                ("Binary".to_owned(), true),
                ("Good".to_owned(), false),
                ("Keys".to_owned(), true),
                ("Truncated".to_owned(), true),
            ]
        );
        assert!(listed[0].preset.as_ref().unwrap_err().contains("UTF-8"));
        assert!(
            listed[2]
                .preset
                .as_ref()
                .unwrap_err()
                .contains("ache-piano")
        );
        assert!(listed[3].preset.as_ref().unwrap_err().contains("line 1"));
        let err = store.load("Truncated").unwrap_err().to_string();
        assert!(err.contains("not a readable preset"), "{err}");
        // A broken file can be deleted by its file name.
        store.delete("Truncated").unwrap();
        assert_eq!(store.list().unwrap().len(), 3);
    }

    /// Makes `dir` unwritable for this process, also as root (which ignores permission bits):
    /// then the immutable attribute is set. Undone on drop.
    struct ReadOnly<'a>(&'a Path, bool);

    impl<'a> ReadOnly<'a> {
        fn new(dir: &'a Path) -> Self {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
            let probe = dir.join(".probe");
            if std::fs::write(&probe, "x").is_err() {
                return Self(dir, false);
            }
            std::fs::remove_file(&probe).unwrap();
            let status = std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status();
            assert!(
                status.is_ok_and(|s| s.success()) && std::fs::write(&probe, "x").is_err(),
                "cannot make a read-only folder here (root without chattr)"
            );
            Self(dir, true)
        }
    }

    impl Drop for ReadOnly<'_> {
        fn drop(&mut self) {
            use std::os::unix::fs::PermissionsExt;
            if self.1 {
                let _ = std::process::Command::new("chattr")
                    .arg("-i")
                    .arg(self.0)
                    .status();
            }
            let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o755));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_gives_a_clear_error_and_loses_nothing() {
        let tmp = TestDir::new("read-only");
        let store = PresetStore::in_dir(tmp.path(), SNARE_LAYERER);
        store.save(&preset("Keep", -3.0), false).unwrap();
        store.save(&preset("Also", -4.0), false).unwrap();
        let before = std::fs::read(tmp.path().join("Keep.toml")).unwrap();
        {
            let _guard = ReadOnly::new(tmp.path());
            for err in [
                store.save(&preset("Keep", -9.0), true).unwrap_err(),
                store.save(&preset("New", -9.0), false).unwrap_err(),
                store.rename("Keep", "Renamed").unwrap_err(),
                store.delete("Also").unwrap_err(),
            ] {
                let msg = err.to_string();
                assert!(matches!(err, PresetError::Write { .. }), "{msg}");
                assert!(
                    msg.contains(&tmp.path().display().to_string())
                        && msg.contains("nothing was changed"),
                    "{msg}"
                );
            }
            // Still listed and loadable while read-only.
            assert_eq!(
                store.load("Keep").unwrap().0.params["dry"],
                Value::Number(-3.0)
            );
        }
        assert_eq!(std::fs::read(tmp.path().join("Keep.toml")).unwrap(), before);
        assert_eq!(files(tmp.path()), ["Also.toml", "Keep.toml"]);
    }
}
