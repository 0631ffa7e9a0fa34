//! User preset files (`catalyst-presets`) for a plugin's nice-plug parameters: describe the
//! parameters to the framework-free resolver, capture the current values into a file, apply a
//! file through the GUI context (one begin/set/end gesture per changed parameter, as the factory
//! preset bar does). Used by the editors' preset bar and by the `catalyst` CLI, so a preset saved
//! in one loads identically in the other.

use crate::edit_session::StateMap;
use crate::param::ParamHandle;
use catalyst_presets::{
    LoadReport, ParamKind, ParamSpec, PluginInfo, PresetError, PresetFile, PresetStore, Value,
    resolve,
};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::{ParamPtr, Params};
use std::path::{Path, PathBuf};

/// The resolver's view of every parameter in `params`.
pub fn param_specs(params: &dyn Params) -> Vec<ParamSpec> {
    params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _)| ParamSpec {
            id,
            // SAFETY: `ptr` points into `params`, alive for this call.
            kind: unsafe { kind_of(ptr) },
        })
        .collect()
}

unsafe fn kind_of(ptr: ParamPtr) -> ParamKind {
    unsafe {
        match ptr {
            ParamPtr::BoolParam(_) => ParamKind::Bool,
            ParamPtr::EnumParam(_) => ParamKind::Choice(
                (0..=ptr.step_count().unwrap_or(0))
                    .map(|i| {
                        ptr.normalized_value_to_string(ptr.preview_normalized(i as f32), false)
                    })
                    .collect(),
            ),
            ParamPtr::IntParam(_) | ParamPtr::FloatParam(_) => ParamKind::Number {
                min: ptr.preview_plain(0.0),
                max: ptr.preview_plain(1.0),
                integer: matches!(ptr, ParamPtr::IntParam(_)),
            },
        }
    }
}

/// A preset named `name` holding every parameter's current (unmodulated) plain value.
pub fn capture(params: &dyn Params, plugin: &PluginInfo, name: &str) -> PresetFile {
    let mut preset = PresetFile::new(plugin, name);
    for (id, ptr, _) in params.param_map() {
        // SAFETY: as above.
        let value = unsafe {
            match ptr {
                ParamPtr::BoolParam(_) => Value::Bool(ptr.unmodulated_normalized_value() >= 0.5),
                ParamPtr::EnumParam(_) => Value::Text(
                    ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), false),
                ),
                _ => Value::Number(ptr.unmodulated_plain_value()),
            }
        };
        preset.params.insert(id, value);
    }
    preset
}

/// The normalized value whose plain value is exactly `plain` when one exists (plain → normalized
/// → plain can miss by several ulps on curved ranges), so a loaded preset renders bit for bit like
/// the state it was saved from. Bisects over the f32s in 0..=1 (their bit patterns are ordered
/// like their values), relying on the range being monotonic.
unsafe fn exact_normalized(ptr: ParamPtr, plain: f32) -> f32 {
    unsafe {
        let first = ptr.preview_normalized(plain);
        if !matches!(ptr, ParamPtr::FloatParam(_)) || ptr.preview_plain(first) == plain {
            return first;
        }
        let increasing = ptr.preview_plain(0.0) <= ptr.preview_plain(1.0);
        let (mut lo, mut hi) = (0u32, 1.0f32.to_bits());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let p = ptr.preview_plain(f32::from_bits(mid));
            if (increasing && p < plain) || (!increasing && p > plain) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let found = f32::from_bits(lo);
        if ptr.preview_plain(found) == plain {
            found
        } else {
            first
        }
    }
}

/// Loads `preset` into `params` through `ctx`: every parameter it names is set (clamped into
/// range), every other one goes to its default, so a preset is a complete state. Refuses a
/// preset for another plugin; everything else that does not fit is in the report.
pub fn apply(
    params: &dyn Params,
    preset: &PresetFile,
    plugin: &PluginInfo,
    ctx: &GuiContext,
) -> Result<LoadReport, PresetError> {
    let resolved = resolve(preset, plugin, &param_specs(params))?;
    let map = params.param_map();
    for (id, plain) in &resolved.values {
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            continue;
        };
        // SAFETY: `params` is alive for this call.
        let param = unsafe { ParamHandle::from_ptr(*ptr, ctx) };
        let normalized = match plain {
            // SAFETY: as above.
            Some(plain) => unsafe { exact_normalized(*ptr, *plain) },
            None => param.default_normalized(),
        };
        if param.unmodulated_normalized() != normalized {
            // Not `set_once`: its snapping (normalized -> plain -> normalized) would undo the
            // exact value found above. The value is in range and on a step already.
            // SAFETY: as above.
            unsafe {
                ctx.raw_begin_set_parameter(*ptr);
                ctx.raw_set_parameter_normalized(*ptr, normalized);
                ctx.raw_end_set_parameter(*ptr);
            }
        }
    }
    Ok(resolved.report)
}

/// Saves the current values of `params` with the sound's non-parameter `state` as user preset
/// `name` in `store` (replacing one of that name only with `overwrite`): what the preset bar's
/// Save and Save as do.
pub fn save(
    params: &dyn Params,
    store: &PresetStore,
    name: &str,
    state: StateMap,
    overwrite: bool,
) -> Result<PathBuf, PresetError> {
    let mut preset = capture(params, store.plugin(), name);
    preset.state = state;
    store.save(&preset, overwrite)
}

/// Reads the preset file at `path` and [`apply`]s it: what the preset bar does when a user
/// preset is picked. The file is returned for its non-parameter state.
pub fn load(
    params: &dyn Params,
    path: &Path,
    plugin: &PluginInfo,
    ctx: &GuiContext,
) -> Result<(PresetFile, LoadReport), PresetError> {
    let file = PresetFile::read(path)?;
    let report = apply(params, &file, plugin, ctx)?;
    Ok((file, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DirectGuiContext;
    use crate::test_params::{Mode, TestParams};
    use catalyst_presets::SNARE_LAYERER;
    use nice_plug::prelude::*;

    fn ctx() -> GuiContext {
        DirectGuiContext::gui_context(PluginApi::Standalone, None)
    }

    fn set(p: &TestParams, id: &str, normalized: f32) {
        let map = p.param_map();
        let (_, ptr, _) = map.iter().find(|(pid, _, _)| pid == id).unwrap();
        unsafe { ptr._internal_set_normalized_value(normalized) };
    }

    #[test]
    fn capture_then_apply_restores_every_plain_value_bit_for_bit() {
        let ctx = ctx();
        let mut x = 0x1234_5678u32;
        for _ in 0..2_000 {
            let source = TestParams::default();
            for id in ["gain", "freq", "note", "on", "mode"] {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                set(&source, id, (x >> 8) as f32 / (1u32 << 24) as f32);
            }
            let preset = capture(&source, &SNARE_LAYERER, "t");
            let text = preset.to_toml().unwrap();
            let back = PresetFile::from_toml(&text, std::path::Path::new("t.toml")).unwrap();
            let target = TestParams::default();
            let report = apply(&target, &back, &SNARE_LAYERER, &ctx).unwrap();
            assert!(report.is_clean(), "{report:?}");
            assert_eq!(source.gain.value().to_bits(), target.gain.value().to_bits());
            assert_eq!(
                source.freq.value().to_bits(),
                target.freq.value().to_bits(),
                "{text}"
            );
            assert_eq!(source.note.value(), target.note.value());
            assert_eq!(source.on.value(), target.on.value());
            assert_eq!(source.mode.value(), target.mode.value());
        }
    }

    #[test]
    fn choices_are_stored_by_name_and_bad_values_reported_not_applied() {
        let source = TestParams::default();
        set(&source, "mode", 1.0);
        let preset = capture(&source, &SNARE_LAYERER, "t");
        assert_eq!(preset.params["mode"], Value::Text("Zero latency".into()));
        assert_eq!(preset.params["on"], Value::Bool(true));
        let mut edited = preset.clone();
        edited.params.insert("gain".into(), Value::Number(99.0));
        edited
            .params
            .insert("mode".into(), Value::Text("Later".into()));
        edited.params.remove("note");
        let target = TestParams::default();
        set(&target, "note", 1.0);
        set(&target, "mode", 1.0);
        let report = apply(&target, &edited, &SNARE_LAYERER, &ctx()).unwrap();
        assert_eq!(target.gain.value(), 12.0);
        // Skipped and missing values go to their defaults: a preset is a complete state.
        assert_eq!(target.mode.value(), Mode::Lookahead);
        assert_eq!(target.note.value(), 38);
        assert_eq!(report.clamped.len(), 1);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.missing, ["note"]);
    }
}
