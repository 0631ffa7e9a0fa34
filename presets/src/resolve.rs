//! Matching a preset file against a plugin's parameters: what can be loaded, clamped into range,
//! what is skipped and why. Framework-free: the caller describes its parameters as
//! [`ParamSpec`]s and applies the plain values returned.

use crate::file::{FORMAT_VERSION, PresetFile, Value};
use crate::{PluginInfo, PresetError};

/// What a parameter accepts, in plain values.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// A number from `min` to `max` (either order); `integer` ones are rounded.
    Number {
        min: f32,
        max: f32,
        integer: bool,
    },
    Bool,
    /// A choice by display name; the plain value is the index.
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub id: String,
    pub kind: ParamKind,
}

/// What a load did not do exactly as the file says. Empty lists: everything loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// The file's format version when it is newer than this code reads.
    pub newer_format: Option<u32>,
    /// `id: reason` for values that were not loaded (unknown id, unreadable value).
    pub skipped: Vec<String>,
    /// `id: what was asked and what was set` for values moved into range.
    pub clamped: Vec<String>,
    /// Parameters the file does not name (set to their defaults).
    pub missing: Vec<String>,
}

impl LoadReport {
    /// Everything in the file was loaded as written and nothing was missing.
    pub fn is_clean(&self) -> bool {
        self.newer_format.is_none()
            && self.skipped.is_empty()
            && self.clamped.is_empty()
            && self.missing.is_empty()
    }

    /// One line per finding, for a status line or the terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(v) = self.newer_format {
            lines.push(format!(
                "written by a newer Catalyst (format {v}; this one reads {FORMAT_VERSION}): loaded what it could"
            ));
        }
        lines.extend(self.skipped.iter().map(|s| format!("skipped {s}")));
        lines.extend(self.clamped.iter().map(|s| format!("clamped {s}")));
        if !self.missing.is_empty() {
            lines.push(format!(
                "not in the preset, left at default: {}",
                self.missing.join(", ")
            ));
        }
        lines
    }
}

/// The result of [`resolve`]: for every parameter in `specs` order, the plain value to set
/// (`None`: the file does not name it, set the default), and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub values: Vec<(String, Option<f32>)>,
    pub report: LoadReport,
}

/// Matches `preset` against `specs`. Fails only when the preset is for another plugin; anything
/// else that does not fit is skipped or clamped and reported.
pub fn resolve(
    preset: &PresetFile,
    plugin: &PluginInfo,
    specs: &[ParamSpec],
) -> Result<Resolved, PresetError> {
    if preset.plugin != plugin.id {
        return Err(PresetError::WrongPlugin {
            name: preset.name.clone(),
            found: preset.plugin.clone(),
            expected: plugin.id.to_owned(),
        });
    }
    let mut report = LoadReport {
        newer_format: (preset.format > FORMAT_VERSION).then_some(preset.format),
        ..Default::default()
    };
    for id in preset.params.keys() {
        if !specs.iter().any(|s| &s.id == id) {
            report.skipped.push(format!("{id}: no such parameter"));
        }
    }
    let values = specs
        .iter()
        .map(|spec| {
            let plain = match preset.params.get(&spec.id) {
                None => {
                    report.missing.push(spec.id.clone());
                    None
                }
                Some(value) => match plain_value(&spec.kind, value) {
                    Ok((plain, None)) => Some(plain),
                    Ok((plain, Some(note))) => {
                        report.clamped.push(format!("{}: {note}", spec.id));
                        Some(plain)
                    }
                    Err(reason) => {
                        report.skipped.push(format!("{}: {reason}", spec.id));
                        None
                    }
                },
            };
            (spec.id.clone(), plain)
        })
        .collect();
    Ok(Resolved { values, report })
}

/// The plain value for `value`, with a note when it had to be moved into range.
fn plain_value(kind: &ParamKind, value: &Value) -> Result<(f32, Option<String>), String> {
    match (kind, value) {
        (ParamKind::Number { min, max, integer }, value) => {
            let v = match value {
                Value::Number(v) => *v,
                Value::Bool(_) => return Err("a switch value for a number".into()),
                Value::Text(t) => t
                    .trim()
                    .parse::<f32>()
                    .map_err(|_| format!("'{t}' is not a number"))?,
            };
            if !v.is_finite() {
                return Err(format!("{v} is not a finite number"));
            }
            let (lo, hi) = (min.min(*max), min.max(*max));
            let mut plain = v.clamp(lo, hi);
            if *integer {
                plain = plain.round();
            }
            let note = (plain != v).then(|| format!("{v} to {plain} (range {lo} to {hi})"));
            Ok((plain, note))
        }
        (ParamKind::Bool, Value::Bool(b)) => Ok((if *b { 1.0 } else { 0.0 }, None)),
        (ParamKind::Bool, Value::Number(v)) if *v == 0.0 || *v == 1.0 => Ok((*v, None)),
        (ParamKind::Bool, Value::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "on" => Ok((1.0, None)),
            "false" | "off" => Ok((0.0, None)),
            _ => Err(format!("'{t}' is not on or off")),
        },
        (ParamKind::Bool, other) => Err(format!("{other:?} is not on or off")),
        (ParamKind::Choice(names), Value::Text(t)) => names
            .iter()
            .position(|n| n == t)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(t.trim())))
            .map(|i| (i as f32, None))
            .ok_or_else(|| format!("'{t}' is not one of: {}", names.join(", "))),
        (ParamKind::Choice(names), Value::Number(v))
            if v.fract() == 0.0 && *v >= 0.0 && (*v as usize) < names.len() =>
        {
            Ok((*v, None))
        }
        (ParamKind::Choice(names), other) => {
            Err(format!("{other:?} is not one of: {}", names.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ACHE_PIANO, SNARE_LAYERER};

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec {
                id: "dry".into(),
                kind: ParamKind::Number {
                    min: -60.0,
                    max: 12.0,
                    integer: false,
                },
            },
            ParamSpec {
                id: "note".into(),
                kind: ParamKind::Number {
                    min: 0.0,
                    max: 127.0,
                    integer: true,
                },
            },
            ParamSpec {
                id: "on".into(),
                kind: ParamKind::Bool,
            },
            ParamSpec {
                id: "timing".into(),
                kind: ParamKind::Choice(vec!["Lookahead".into(), "Zero latency".into()]),
            },
        ]
    }

    fn preset(values: &[(&str, Value)]) -> PresetFile {
        let mut p = PresetFile::new(&SNARE_LAYERER, "t");
        for (id, v) in values {
            p.params.insert((*id).into(), v.clone());
        }
        p
    }

    #[test]
    fn a_complete_current_preset_loads_exactly_and_reports_nothing() {
        let p = preset(&[
            ("dry", Value::Number(-6.5)),
            ("note", Value::Number(38.0)),
            ("on", Value::Bool(false)),
            ("timing", Value::Text("Zero latency".into())),
        ]);
        let r = resolve(&p, &SNARE_LAYERER, &specs()).unwrap();
        assert!(r.report.is_clean(), "{:?}", r.report);
        assert!(r.report.lines().is_empty());
        let values: Vec<Option<f32>> = r.values.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, [Some(-6.5), Some(38.0), Some(0.0), Some(1.0)]);
    }

    #[test]
    fn unknown_ids_are_skipped_out_of_range_values_clamped_missing_ones_defaulted() {
        let p = preset(&[
            ("dry", Value::Number(400.0)),
            ("note", Value::Number(-3.0)),
            ("gone", Value::Number(1.0)),
            ("timing", Value::Text("Sideways".into())),
        ]);
        let r = resolve(&p, &SNARE_LAYERER, &specs()).unwrap();
        assert_eq!(r.values[0], ("dry".into(), Some(12.0)));
        assert_eq!(r.values[1], ("note".into(), Some(0.0)));
        assert_eq!(r.values[2], ("on".into(), None));
        assert_eq!(r.values[3], ("timing".into(), None));
        assert_eq!(r.report.clamped.len(), 2, "{:?}", r.report);
        assert!(r.report.clamped[0].contains("400 to 12"), "{:?}", r.report);
        assert_eq!(r.report.skipped.len(), 2, "{:?}", r.report);
        assert!(
            r.report
                .skipped
                .iter()
                .any(|s| s.starts_with("gone: no such"))
        );
        assert!(r.report.skipped.iter().any(|s| s.contains("Sideways")));
        assert_eq!(r.report.missing, ["on"]);
        assert_eq!(r.report.lines().len(), 5);
    }

    #[test]
    fn a_newer_format_loads_what_it_can_and_says_so() {
        let mut p = preset(&[
            ("dry", Value::Number(-3.0)),
            ("new_knob", Value::Number(0.5)),
        ]);
        p.format = FORMAT_VERSION + 1;
        let r = resolve(&p, &SNARE_LAYERER, &specs()).unwrap();
        assert_eq!(r.values[0].1, Some(-3.0));
        assert_eq!(r.report.newer_format, Some(FORMAT_VERSION + 1));
        assert!(
            r.report.lines()[0].contains("newer"),
            "{:?}",
            r.report.lines()
        );
        // An older file (format 0) has nothing to warn about beyond what is missing.
        p.format = 0;
        let r = resolve(&p, &SNARE_LAYERER, &specs()).unwrap();
        assert_eq!(r.report.newer_format, None);
    }

    #[test]
    fn a_preset_for_another_plugin_is_refused() {
        let p = preset(&[("dry", Value::Number(-3.0))]);
        let err = resolve(&p, &ACHE_PIANO, &specs()).unwrap_err().to_string();
        assert!(
            err.contains("snare-layerer") && err.contains("ache-piano"),
            "{err}"
        );
    }

    #[test]
    fn hand_edited_values_of_the_other_kind_are_read_when_unambiguous() {
        let p = preset(&[
            ("dry", Value::Text(" -6 ".into())),
            ("on", Value::Text("Off".into())),
            ("timing", Value::Number(1.0)),
            ("note", Value::Bool(true)),
        ]);
        let r = resolve(&p, &SNARE_LAYERER, &specs()).unwrap();
        let values: Vec<Option<f32>> = r.values.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, [Some(-6.0), None, Some(0.0), Some(1.0)]);
        assert_eq!(r.report.skipped.len(), 1);
        assert!(r.report.skipped[0].starts_with("note:"));
    }
}
