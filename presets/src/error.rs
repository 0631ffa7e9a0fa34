//! Every way a preset operation can fail, each with a message a producer can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// The folder (or a file in it) could not be written; nothing was changed.
    #[error("cannot {action} in the preset folder {}: {source}; nothing was changed", dir.display())]
    Write {
        action: &'static str,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file exists but is not a preset this version understands at all.
    #[error("{} is not a readable preset: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("'{name}' is a preset for {found}, not for {expected}")]
    WrongPlugin {
        name: String,
        found: String,
        expected: String,
    },
    #[error("no user preset named '{name}' in {}", dir.display())]
    NotFound { name: String, dir: PathBuf },
    #[error("a user preset named '{name}' already exists ({})", path.display())]
    Exists { name: String, path: PathBuf },
    #[error("invalid preset name: {0}")]
    InvalidName(String),
    #[error("invalid value for '{id}': {reason}")]
    InvalidValue { id: String, reason: String },
    #[error("no user folder: {0}")]
    NoUserFolder(String),
}
