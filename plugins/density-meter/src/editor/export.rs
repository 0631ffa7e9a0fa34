//! Where exports go: `~/Music/Catalyst/<track>-density.csv|json` (the user's Music folder on
//! Linux, macOS and Windows), falling back to the temporary folder when there is no home.
//! A file per track, overwritten by the next export of the same track.

use std::path::{Path, PathBuf};

/// The folder exports are written to.
pub fn export_dir() -> PathBuf {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty());
    match home {
        Some(home) => Path::new(&home).join("Music").join("Catalyst"),
        None => std::env::temp_dir().join("Catalyst"),
    }
}

/// A file name from the track name: letters, digits, `-` and `_` kept, runs of anything else
/// become one `-`; empty names become "track".
pub fn file_name(track: &str, extension: &str) -> String {
    let mut stem = String::new();
    for c in track.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            stem.push(c);
        } else if !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem: String = stem.trim_matches('-').chars().take(60).collect();
    let stem = if stem.is_empty() { "track" } else { &stem };
    format!("{stem}-density.{extension}")
}

/// Writes `contents` to `dir/<track>-density.<extension>`, creating the folder.
pub fn write_export(
    dir: &Path,
    track: &str,
    extension: &str,
    contents: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(track, extension));
    std::fs::write(&path, contents)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_recognisable() {
        assert_eq!(file_name("Lead Vox", "csv"), "Lead-Vox-density.csv");
        assert_eq!(
            file_name("  ../Bass: DI?  ", "json"),
            "Bass-DI-density.json"
        );
        assert_eq!(file_name("", "csv"), "track-density.csv");
        assert_eq!(file_name("///", "csv"), "track-density.csv");
        assert_eq!(file_name("Café_2", "csv"), "Café_2-density.csv");
    }

    #[test]
    fn export_writes_the_file_where_it_says() {
        let dir = std::env::temp_dir().join(format!("catalyst-export-{}", std::process::id()));
        let path = write_export(&dir.join("nested"), "Mix", "csv", "bar,density\n1,20\n").unwrap();
        assert_eq!(path, dir.join("nested").join("Mix-density.csv"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "bar,density\n1,20\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(export_dir().ends_with("Catalyst"));
    }
}
