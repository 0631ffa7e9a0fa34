//! The preset file itself and its TOML form.

use crate::PresetError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The format version this code writes. A file with a higher number was written by a newer
/// Catalyst: it is read as far as this version understands it, and the load says so.
pub const FORMAT_VERSION: u32 = 1;

/// A parameter's plain value as stored: numbers in the parameter's unit, switches as booleans,
/// choices by their display name (so a file stays readable and survives reordered choices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f32),
    Text(String),
}

/// One preset: which plugin, which format, its name, its parameter values by stable id and any
/// non-parameter state (by key, e.g. [`crate::STATE_SAMPLE_PATH`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetFile {
    /// The plugin's id ([`crate::PluginInfo::id`]).
    pub plugin: String,
    /// Format version ([`FORMAT_VERSION`] when written by this code).
    pub format: u32,
    /// The name as the producer typed it (the file name is only a sanitised copy).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, String>,
}

impl PresetFile {
    /// An empty preset of the current format for `plugin`.
    pub fn new(plugin: &crate::PluginInfo, name: impl Into<String>) -> Self {
        Self {
            plugin: plugin.id.to_owned(),
            format: FORMAT_VERSION,
            name: name.into(),
            params: BTreeMap::new(),
            state: BTreeMap::new(),
        }
    }

    /// The file's text. Fails only on a value TOML cannot hold faithfully (NaN, infinity).
    pub fn to_toml(&self) -> Result<String, PresetError> {
        for (id, value) in &self.params {
            if let Value::Number(v) = value
                && !v.is_finite()
            {
                return Err(PresetError::InvalidValue {
                    id: id.clone(),
                    reason: format!("{v} is not a finite number"),
                });
            }
        }
        toml::to_string(self).map_err(|e| PresetError::InvalidValue {
            id: String::new(),
            reason: e.to_string(),
        })
    }

    /// Parses a file's text; `path` is only used in messages and, when the file has no name, for
    /// the name (its file stem).
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, PresetError> {
        let mut preset: PresetFile = toml::from_str(text).map_err(|e| PresetError::Corrupt {
            path: path.to_owned(),
            reason: e.message().to_owned()
                + &e.span()
                    .map(|s| format!(" (at line {})", text[..s.start].lines().count().max(1)))
                    .unwrap_or_default(),
        })?;
        if preset.name.trim().is_empty() {
            preset.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        Ok(preset)
    }

    /// Reads and parses a preset file.
    pub fn read(path: &Path) -> Result<Self, PresetError> {
        let bytes = std::fs::read(path).map_err(|source| PresetError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| PresetError::Corrupt {
            path: path.to_owned(),
            reason: "not UTF-8 text".into(),
        })?;
        Self::from_toml(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SNARE_LAYERER;

    #[test]
    fn text_round_trip_keeps_every_f32_bit_and_every_kind_of_value() {
        let mut p = PresetFile::new(&SNARE_LAYERER, "Crack – Ünïcödé 鼓");
        // A deterministic sweep over many magnitudes and mantissas (xorshift), plus edge values.
        let mut x = 0x9e37_79b9u32;
        let mut values = vec![
            0.0f32,
            -0.0,
            1.0,
            -6.0,
            0.1,
            1e-7,
            3.4e38,
            f32::MIN_POSITIVE,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if v.is_finite() {
                values.push(v);
            }
        }
        for (i, v) in values.iter().enumerate() {
            p.params.insert(format!("p{i}"), Value::Number(*v));
        }
        p.params.insert("on".into(), Value::Bool(true));
        p.params
            .insert("timing".into(), Value::Text("Zero latency".into()));
        p.state
            .insert("sample-path".into(), "/tmp/a b/ü.wav".into());
        let text = p.to_toml().unwrap();
        let back = PresetFile::from_toml(&text, Path::new("x.toml")).unwrap();
        assert_eq!(back.name, p.name);
        assert_eq!(back.state, p.state);
        for (id, v) in &p.params {
            match (v, &back.params[id]) {
                (Value::Number(a), Value::Number(b)) => {
                    assert_eq!(a.to_bits(), b.to_bits(), "{id}: {a} came back as {b}")
                }
                (a, b) => assert_eq!(a, b),
            }
        }
    }

    #[test]
    fn the_text_is_readable_toml() {
        let mut p = PresetFile::new(&SNARE_LAYERER, "Tight");
        p.params.insert("dry".into(), Value::Number(-6.0));
        p.params.insert("smp_on".into(), Value::Bool(true));
        let text = p.to_toml().unwrap();
        assert!(
            text.contains("plugin = \"audio.catalyst.snare-layerer\""),
            "{text}"
        );
        assert!(text.contains("format = 1"), "{text}");
        assert!(text.contains("dry = -6.0"), "{text}");
        assert!(text.contains("smp_on = true"), "{text}");
    }

    #[test]
    fn non_finite_numbers_are_refused_and_integers_read_as_numbers() {
        let mut p = PresetFile::new(&SNARE_LAYERER, "x");
        p.params.insert("dry".into(), Value::Number(f32::NAN));
        assert!(matches!(p.to_toml(), Err(PresetError::InvalidValue { .. })));
        let text = "plugin = \"a\"\nformat = 1\n[params]\nnote = 38\n";
        let back = PresetFile::from_toml(text, Path::new("My Kit.toml")).unwrap();
        assert_eq!(back.params["note"], Value::Number(38.0));
        // No name inside: the file's own name stands in.
        assert_eq!(back.name, "My Kit");
    }

    #[test]
    fn corrupt_text_is_an_error_naming_the_problem_never_a_panic() {
        for (text, needle) in [
            ("plugin = \"a\"\nformat = 1\nname = \"x\n", "line"),
            ("format = 1\n", "plugin"),
            ("plugin = \"a\"\nformat = \"one\"\n", "line 2"),
            ("\u{0}\u{1}garbage", "line"),
            ("", "plugin"),
        ] {
            match PresetFile::from_toml(text, Path::new("bad.toml")) {
                Err(PresetError::Corrupt { reason, .. }) => {
                    assert!(reason.contains(needle), "{text:?}: {reason}")
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }
}
