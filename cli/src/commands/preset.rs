//! `catalyst preset list|save PLUGIN` and the `--preset` argument of `layer`, `play` and
//! `analyze`: a factory preset's name, a user preset's name (the files the plugins' preset bars
//! save, in the folder `catalyst_presets::user_folder` names) or the path of a preset file.
//! User presets are loaded with the same code as in the plugins (`catalyst_editor_core::user_preset`).

use crate::PluginName;
use crate::offline_params::{apply_sets, offline_context};
use anyhow::{Context, Result, anyhow, bail};
use catalyst_editor_core::DirectGuiContext;
use catalyst_editor_core::user_preset;
use catalyst_presets::{PluginInfo, PresetFile, PresetStore, STATE_SAMPLE_PATH};
use nice_plug::context::PluginApi;
use nice_plug::prelude::{ParamSetter, Params};
use shared_dsp::snare::sample_file::{join_paths, split_paths};
use std::path::{Path, PathBuf};

/// What the CLI needs to know about a plugin's presets.
pub trait CliPlugin {
    const INFO: PluginInfo;
    type Params: Params + Default;
    fn factory_names() -> Vec<&'static str>;
    /// Applies factory preset `index` (of [`Self::factory_names`]).
    fn apply_factory(params: &Self::Params, index: usize);
}

pub struct Layer;
pub struct Play;
pub struct Analyze;

impl CliPlugin for Layer {
    const INFO: PluginInfo = catalyst_presets::SNARE_LAYERER;
    type Params = snare_layerer::SnareLayererParams;
    fn factory_names() -> Vec<&'static str> {
        shared_dsp::snare::factory_presets()
            .iter()
            .map(|p| p.name)
            .collect()
    }
    fn apply_factory(params: &Self::Params, index: usize) {
        let preset = &shared_dsp::snare::factory_presets()[index];
        params.apply_preset(&ParamSetter::new(&offline_context()), preset);
    }
}

impl CliPlugin for Play {
    const INFO: PluginInfo = catalyst_presets::ACHE_PIANO;
    type Params = ache_piano::AchePianoParams;
    fn factory_names() -> Vec<&'static str> {
        shared_dsp::piano::PRESETS.iter().map(|p| p.name).collect()
    }
    fn apply_factory(params: &Self::Params, index: usize) {
        let preset = &shared_dsp::piano::PRESETS[index];
        params.apply_preset(&ParamSetter::new(&offline_context()), preset);
    }
}

impl CliPlugin for Analyze {
    const INFO: PluginInfo = catalyst_presets::DENSITY_METER;
    type Params = density_meter::DensityMeterParams;
    fn factory_names() -> Vec<&'static str> {
        Vec::new()
    }
    fn apply_factory(_params: &Self::Params, _index: usize) {}
}

/// A preset loaded by `--preset`: its file when it was a user preset or a file (for the
/// non-parameter state, e.g. the Snare Layerer's sample).
pub struct Loaded {
    pub file: Option<(PresetFile, PathBuf)>,
}

impl Loaded {
    /// The preset's sample files and folders, one per line of its sample entry (a preset from
    /// before sample sets names one); a relative path is relative to the preset.
    pub fn sample_paths(&self) -> Vec<PathBuf> {
        let Some((file, path)) = self.file.as_ref() else {
            return Vec::new();
        };
        let text = file.state.get(STATE_SAMPLE_PATH).map_or("", |s| s.as_str());
        split_paths(text)
            .into_iter()
            .map(|sample| match path.parent() {
                Some(dir) if sample.is_relative() => dir.join(sample),
                _ => sample,
            })
            .collect()
    }
}

fn looks_like_path(spec: &str) -> bool {
    spec.contains('/')
        || spec.contains(std::path::MAIN_SEPARATOR)
        || spec
            .to_ascii_lowercase()
            .ends_with(&format!(".{}", catalyst_presets::EXTENSION))
}

/// Loads `spec` into `params`: a factory preset by name (case-insensitive), else a user preset
/// by name, else a preset file by path. What a user preset could not load exactly is printed to
/// stderr.
pub fn load_preset_arg<P: CliPlugin>(params: &P::Params, spec: &str) -> Result<Loaded> {
    let factory = P::factory_names();
    let path = Path::new(spec);
    if looks_like_path(spec) && path.is_file() {
        let file = PresetFile::read(path)?;
        return apply_file::<P>(params, file, path.to_owned());
    }
    if let Some(index) = factory.iter().position(|n| n.eq_ignore_ascii_case(spec)) {
        P::apply_factory(params, index);
        return Ok(Loaded { file: None });
    }
    let store = PresetStore::user(P::INFO)?;
    match store.load(spec) {
        Ok((file, path)) => apply_file::<P>(params, file, path),
        Err(catalyst_presets::PresetError::NotFound { .. }) => {
            let user: Vec<String> = store
                .list()
                .unwrap_or_default()
                .into_iter()
                .filter(|p| !p.is_broken())
                .map(|p| p.name)
                .collect();
            let mut known = factory.iter().map(|n| n.to_string()).collect::<Vec<_>>();
            known.extend(user);
            if known.is_empty() {
                bail!(
                    "unknown preset '{spec}': no preset file of that path and no presets in {}",
                    store.dir().display()
                );
            }
            bail!("unknown preset '{spec}'; presets: {}", known.join(", "))
        }
        Err(e) => Err(e.into()),
    }
}

fn apply_file<P: CliPlugin>(params: &P::Params, file: PresetFile, path: PathBuf) -> Result<Loaded> {
    let ctx = DirectGuiContext::gui_context(PluginApi::Standalone, None);
    let report = user_preset::apply(params, &file, &P::INFO, &ctx)
        .with_context(|| format!("preset {}", path.display()))?;
    for line in report.lines() {
        eprintln!("catalyst: preset '{}': {line}", file.name);
    }
    Ok(Loaded {
        file: Some((file, path)),
    })
}

pub struct SaveArgs {
    pub name: String,
    pub sets: Vec<String>,
    pub from: Option<String>,
    pub force: bool,
}

fn list<P: CliPlugin>() -> Result<()> {
    for name in P::factory_names() {
        println!("factory  {name:<28} (built in)");
    }
    let store = PresetStore::user(P::INFO)?;
    for preset in store.list()? {
        match &preset.preset {
            Ok(_) => println!("user     {:<28} {}", preset.name, preset.path.display()),
            Err(reason) => println!(
                "broken   {:<28} {}: {reason}",
                preset.name,
                preset.path.display()
            ),
        }
    }
    println!("user folder: {}", store.dir().display());
    Ok(())
}

fn save<P: CliPlugin>(args: SaveArgs) -> Result<()> {
    let name = args.name.trim();
    if P::factory_names()
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        bail!(
            "'{name}' is a factory preset's name; choose another (--preset would find the factory one first)"
        );
    }
    let params = P::Params::default();
    let mut state = Default::default();
    if let Some(from) = &args.from {
        let loaded = load_preset_arg::<P>(&params, from)?;
        if let Some((file, _)) = &loaded.file {
            state = file.state.clone();
        }
        let samples = loaded.sample_paths();
        if !samples.is_empty() {
            // Keep the samples found when the preset is saved somewhere else.
            state.insert(STATE_SAMPLE_PATH.into(), join_paths(&samples));
        }
    }
    apply_sets(&params, &args.sets)?;
    let mut preset = user_preset::capture(&params, &P::INFO, name);
    preset.state = state;
    let store = PresetStore::user(P::INFO)?;
    let path = store.save(&preset, args.force).map_err(|e| match e {
        catalyst_presets::PresetError::Exists { .. } => anyhow!("{e} (--force replaces it)"),
        e => e.into(),
    })?;
    println!("saved '{name}' -> {}", path.display());
    Ok(())
}

pub fn run_list(plugin: PluginName) -> Result<()> {
    match plugin {
        PluginName::Layer => list::<Layer>(),
        PluginName::Play => list::<Play>(),
        PluginName::Analyze => list::<Analyze>(),
    }
}

pub fn run_save(plugin: PluginName, args: SaveArgs) -> Result<()> {
    match plugin {
        PluginName::Layer => save::<Layer>(args),
        PluginName::Play => save::<Play>(args),
        PluginName::Analyze => save::<Analyze>(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::ClapPlugin;

    #[test]
    fn preset_files_carry_each_plugins_own_clap_id() {
        assert_eq!(Layer::INFO.id, snare_layerer::SnareLayerer::CLAP_ID);
        assert_eq!(Play::INFO.id, ache_piano::AchePiano::CLAP_ID);
        assert_eq!(Analyze::INFO.id, density_meter::DensityMeter::CLAP_ID);
    }
}
