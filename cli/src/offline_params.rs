//! The plugins' own parameters, driven without a host: `--set id=value` finds a parameter by its
//! stable id (the one hosts save in projects) and parses the value with the parameter's own
//! string conversion, so `--set dry=-6` means exactly what typing -6 into the plugin means.
//! Presets go through the plugin's own `apply_preset` with catalyst-editor-core's `DirectGuiContext`
//! standing in for the host.

use anyhow::{Result, anyhow, bail};
use catalyst_editor_core::DirectGuiContext;
use nice_plug::context::PluginApi;
use nice_plug::prelude::Params;

/// The host stand-in presets are applied through: changes take effect at once.
pub fn offline_context() -> DirectGuiContext {
    DirectGuiContext::new(PluginApi::Standalone, None)
}

/// Applies `id=value` assignments. Unknown ids, unparsable values and values outside the
/// parameter's range are errors naming the parameter and its range.
pub fn apply_sets(params: &dyn Params, sets: &[String]) -> Result<()> {
    let map = params.param_map();
    for assignment in sets {
        let (id, value) = assignment
            .split_once('=')
            .ok_or_else(|| anyhow!("--set needs id=value, got '{assignment}'"))?;
        let (id, value) = (id.trim(), value.trim());
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            let known: Vec<&str> = map.iter().map(|(pid, _, _)| pid.as_str()).collect();
            bail!("unknown parameter '{id}'; known: {}", known.join(", "));
        };
        // SAFETY: `ptr` points into `params`, which outlives this call.
        unsafe {
            let name = ptr.name().to_string();
            let range = format!(
                "{} to {}",
                ptr.normalized_value_to_string(0.0, true),
                ptr.normalized_value_to_string(1.0, true)
            );
            if let Ok(plain) = value.parse::<f32>() {
                // Numbers are checked against the range, not silently clamped.
                let normalized = ptr.preview_normalized(plain);
                let back = ptr.preview_plain(normalized);
                let tolerance = 1e-3 * plain.abs().max(1.0);
                if !plain.is_finite()
                    || (back - plain).abs() > tolerance && ptr.step_count().is_none()
                {
                    bail!("{value} is out of range for '{id}' ({name}: {range})");
                }
            }
            let normalized = ptr.string_to_normalized_value(value).ok_or_else(|| {
                anyhow!("'{value}' is not a valid value for '{id}' ({name}: {range})")
            })?;
            ptr._internal_set_normalized_value(normalized);
        }
    }
    Ok(())
}

/// `id  name  default` lines for `--list-params`.
pub fn describe(params: &dyn Params) -> Vec<String> {
    params
        .param_map()
        .iter()
        .map(|(id, ptr, _)| {
            // SAFETY: as above.
            unsafe {
                format!(
                    "{id:<12} {:<24} {} (range {} to {})",
                    ptr.name(),
                    ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), true),
                    ptr.normalized_value_to_string(0.0, true),
                    ptr.normalized_value_to_string(1.0, true),
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use snare_layerer::SnareLayererParams;

    #[test]
    fn set_by_id_uses_the_parameters_own_parsing_and_rejects_bad_input() {
        let params = SnareLayererParams::default();
        apply_sets(&params, &["dry=-12".into(), "timing=Zero latency".into()]).unwrap();
        let s = params.to_settings();
        assert!((s.mix.dry_db + 12.0).abs() < 0.01);
        assert!(!s.detector.lookahead);
        let err = apply_sets(&params, &["nope=1".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown parameter 'nope'") && err.contains("dry"),
            "{err}"
        );
        let err = apply_sets(&params, &["dry=400".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("out of range"), "{err}");
        let err = apply_sets(&params, &["dry".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("id=value"), "{err}");
    }
}
