//! User presets between the plugins and the CLI, both ways, with the plugins' real parameters:
//!
//! - saved by the plugin's preset code (`catalyst_editor_core::user_preset::save`, what the
//!   preset bar's Save as calls, after edits made through the host setter as the editor's knobs
//!   make them), a preset loads in `catalyst layer --preset PATH` and `catalyst play --preset
//!   PATH` and renders bit for bit like the plugin's state run through the same engine;
//! - saved by `catalyst preset save`, a preset loaded by the plugin's load function
//!   (`user_preset::load`, what picking it in the preset bar calls) gives the same parameter
//!   values, bit for bit, as typing the `--set` values into the plugin, in all three plugins.

mod common;
use catalyst_editor_core::param::ParamHandle;
use catalyst_editor_core::user_preset;
use catalyst_editor_core::{DirectGuiContext, StateMap};
use catalyst_presets::{
    ACHE_PIANO, DENSITY_METER, PluginInfo, PresetStore, SNARE_LAYERER, STATE_SAMPLE_PATH,
};
use common::*;
use nice_plug::context::PluginApi;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Params;
use shared_dsp::snare::SnareEngine;
use shared_dsp::snare::sample_file::load_sample;
use shared_dsp::synth_material::drum_groove;
use snare_layerer::SnareLayererParams;
use std::path::Path;
use std::process::Output;

const SR: u32 = 48_000;

fn run(preset_dir: &Path, args: &[&str]) -> Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_catalyst"))
        .args(args)
        .env("CATALYST_PRESET_DIR", preset_dir)
        .output()
        .expect("catalyst runs");
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ctx() -> GuiContext {
    DirectGuiContext::gui_context(PluginApi::Clap, None)
}

/// A short decaying noise burst with a tone: the Sample layer's file.
fn write_hit(path: &Path) {
    let mut x = 0x2545_f491u32;
    let hit: Vec<f32> = (0..SR as usize / 5)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let t = i as f32 / SR as f32;
            let noise = (x >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
            (0.6 * noise + 0.4 * (std::f32::consts::TAU * 210.0 * t).sin()) * (-t / 0.04).exp()
        })
        .collect();
    write_wav(path, SR, &[hit]);
}

/// The Snare Layerer's engine over `input` with `settings` and `sample`, rendered as
/// `catalyst layer` does: 512-sample blocks, the longest enabled layer's decay (at most 4 s) as
/// ring-out, the engine's latency removed.
fn render_snare(
    input: &[Vec<f32>],
    params: &SnareLayererParams,
    sample: Option<&Path>,
) -> Vec<Vec<f32>> {
    let settings = params.to_settings();
    let sr = SR as f32;
    let mut engine = SnareEngine::new(sr, settings);
    if let Some(path) = sample {
        engine.swap_sample(Some(Box::new(load_sample(path, sr).unwrap())));
    }
    let latency = engine.latency_samples();
    let l = &settings.layers;
    let tail_ms = [
        (l.cabinet.common.enabled, l.cabinet.common.decay_ms),
        (l.tail.common.enabled, l.tail.common.decay_ms),
        (l.body.common.enabled, l.body.common.decay_ms),
        (l.sample.common.enabled, l.sample.common.decay_ms),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, ms)| *ms)
    .fold(0.0f32, f32::max)
    .min(4_000.0);
    let frames = input[0].len();
    let total = frames + (tail_ms * 0.001 * sr) as usize + latency;
    let mut work: Vec<Vec<f32>> = input
        .iter()
        .map(|ch| {
            let mut w = ch.clone();
            w.resize(total, 0.0);
            w
        })
        .collect();
    let mut start = 0;
    while start < total {
        let end = (start + 512).min(total);
        let (first, rest) = work.split_at_mut(1);
        engine.process(
            &mut [&mut first[0][start..end], &mut rest[0][start..end]],
            &[],
        );
        start = end;
    }
    work.into_iter().map(|w| w[latency..].to_vec()).collect()
}

fn same_bits(a: &[Vec<f32>], b: &[Vec<f32>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        })
}

/// Every parameter's plain value, bit for bit, by id.
fn plain_values(params: &dyn Params) -> Vec<(String, u32)> {
    params
        .param_map()
        .into_iter()
        // SAFETY: the pointers point into `params`, alive for this call.
        .map(|(id, ptr, _)| (id, unsafe { ptr.unmodulated_plain_value() }.to_bits()))
        .collect()
}

/// Sets `id` as the editor's knob does: one begin/set/end gesture through the host.
fn knob(params: &dyn Params, ctx: &GuiContext, id: &str, normalized: f32) {
    let map = params.param_map();
    let (_, ptr, _) = map.iter().find(|(pid, _, _)| pid == id).unwrap();
    // SAFETY: as above.
    unsafe { ParamHandle::from_ptr(*ptr, ctx) }.set_once(normalized);
}

/// Types `value` into parameter `id` as into the editor's value field.
fn typed(params: &dyn Params, ctx: &GuiContext, id: &str, value: &str) {
    let map = params.param_map();
    let (_, ptr, _) = map.iter().find(|(pid, _, _)| pid == id).unwrap();
    // SAFETY: as above.
    let handle = unsafe { ParamHandle::from_ptr(*ptr, ctx) };
    let normalized = handle
        .parse(value)
        .unwrap_or_else(|| panic!("{id}={value}"));
    handle.set_once(normalized);
}

#[test]
fn a_preset_saved_by_the_plugin_renders_in_the_cli_bit_for_bit_like_the_plugin_state() {
    let dir = temp_dir("round-trip-plugin-to-cli");
    let presets = dir.join("presets");
    let input_path = dir.join("groove.wav");
    let (groove, _) = drum_groove(SR, 100.0, 2);
    let input = vec![groove.clone(), groove];
    write_wav(&input_path, SR, &input);
    let sample = dir.join("my hit ü.wav");
    write_hit(&sample);

    // The plugin: a factory preset from the bar, then knob moves to values that are not round
    // (on linear, skewed and stepped ranges), and a sample in the Sample layer.
    let params = SnareLayererParams::default();
    let ctx = ctx();
    params.apply_preset(
        &ctx.param_setter(),
        &shared_dsp::snare::factory_presets()[1],
    );
    for (id, normalized) in [
        ("dry", 0.713_37),
        ("human", 0.291),
        ("smp_on", 1.0),
        ("smp_level", 0.807),
        ("timing", 1.0),
    ] {
        knob(&params, &ctx, id, normalized);
    }
    // Every other sound parameter to a pseudo-random position, the detector left where it
    // finds the groove's hits.
    let mut keep = vec![
        "thresh",
        "sens",
        "bandlo",
        "bandhi",
        "hold",
        "dyn",
        "listen",
        "solo",
        "source",
        // A listening instance layers nothing: the render would not show the sample.
        "role",
        "out",
        "midiout",
        "midinote",
        "dry",
        "human",
        "smp_level",
    ];
    let ids: Vec<String> = params
        .param_map()
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    keep.extend(
        ids.iter()
            .filter(|id| id.ends_with("_on"))
            .map(String::as_str),
    );
    scatter(&params, &ctx, &keep, 0x9e37_79b9);
    *params.sample_path.write().unwrap() = sample.display().to_string();
    // What the editor's `PresetState::save` reads for the Snare Layerer.
    let state = StateMap::from([(STATE_SAMPLE_PATH.to_owned(), sample.display().to_string())]);
    let store = PresetStore::in_dir(presets.join(SNARE_LAYERER.folder), SNARE_LAYERER);
    let file = user_preset::save(&params, &store, "Mine – Señal", state, false).unwrap();

    let plugin = render_snare(&input, &params, Some(&sample));
    let cli = |out_name: &str, preset: &str| {
        let o = dir.join(out_name);
        let args = [
            "layer",
            input_path.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
            "--format",
            "float32",
            "--preset",
            preset,
        ];
        let out = run(&presets, &args);
        assert!(
            out.stderr.is_empty(),
            "a complete preset loads without remarks: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        read_wav(&o).1
    };
    let by_path = cli("by-path.wav", file.to_str().unwrap());
    let by_name = cli("by-name.wav", "Mine – Señal");
    assert_eq!(by_path[0].len(), plugin[0].len());
    assert!(
        same_bits(&by_path, &plugin),
        "--preset PATH renders differently"
    );
    assert!(
        same_bits(&by_name, &plugin),
        "--preset NAME renders differently"
    );

    // The comparison can fail: without the sample, or with the factory preset alone, the
    // render differs.
    assert!(!same_bits(&render_snare(&input, &params, None), &plugin));
    let factory = cli("factory.wav", shared_dsp::snare::factory_presets()[1].name);
    assert!(!same_bits(&factory, &plugin));
}

/// Every parameter of `params` but `skip` to a pseudo-random knob position (xorshift from `seed`).
fn scatter(params: &dyn Params, ctx: &GuiContext, skip: &[&str], mut x: u32) {
    for (id, _, _) in params.param_map() {
        if skip.contains(&id.as_str()) {
            continue;
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        knob(params, ctx, &id, (x >> 8) as f32 / (1u32 << 24) as f32);
    }
}

/// The Ache Piano's engine playing `common::one_note_midi` (note 60, velocity 100, from 1 s to
/// 2 s) as `catalyst play` does at 48 kHz: 512-sample blocks through the plugin's own
/// `render_piano_block` and `handle_event`, until the engine is idle or 12 s after the last
/// event.
fn render_piano(params: &ache_piano::AchePianoParams) -> Vec<Vec<f32>> {
    use nice_plug::midi::{Channel, Key, NoteEvent, VoiceID};
    use shared_dsp::piano::{PianoEngine, render_piano_block};
    let note = |on: bool| -> NoteEvent<()> {
        let (voice_id, channel, key) = (VoiceID::Wildcard, Channel::Number(0), Key::Number(60));
        if on {
            NoteEvent::NoteOn {
                timing: 0,
                voice_id,
                channel,
                key,
                velocity: 100.0 / 127.0,
            }
        } else {
            NoteEvent::NoteOff {
                timing: 0,
                voice_id,
                channel,
                key,
                velocity: 0.0,
            }
        }
    };
    let events = [(SR as usize, note(true)), (2 * SR as usize, note(false))];
    let mut engine = PianoEngine::with_settings(SR as f32, &params.settings());
    let gain = params.volume.value();
    let max_frames = ((2.0 + 12.0) * SR as f64) as usize;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let (mut next, mut pos) = (0, 0usize);
    loop {
        let end = pos + 512;
        let (mut l, mut r) = ([0.0f32; 512], [0.0f32; 512]);
        let first = next;
        while next < events.len() && events[next].0 < end {
            next += 1;
        }
        let block = events[first..next]
            .iter()
            .map(|(at, e)| (at.saturating_sub(pos), *e));
        render_piano_block(
            &mut engine,
            &mut l,
            &mut r,
            block,
            ache_piano::handle_event,
            |g| g.fill(gain),
        );
        left.extend_from_slice(&l);
        right.extend_from_slice(&r);
        pos = end;
        if (next == events.len() && engine.is_idle()) || pos >= max_frames {
            break;
        }
    }
    vec![left, right]
}

#[test]
fn a_piano_preset_saved_by_the_plugin_plays_in_the_cli_bit_for_bit_like_the_plugin_state() {
    let dir = temp_dir("round-trip-piano-to-cli");
    let presets = dir.join("presets");
    let mid = dir.join("note.mid");
    one_note_midi(&mid);
    let params = ache_piano::AchePianoParams::default();
    let ctx = ctx();
    params.apply_preset(&ctx.param_setter(), &shared_dsp::piano::PRESETS[3]);
    // Volume stays where it is: a random level could clip into the output ceiling and hide
    // differences.
    scatter(&params, &ctx, &["volume"], 0x1b87_3593);
    let store = PresetStore::in_dir(presets.join(ACHE_PIANO.folder), ACHE_PIANO);
    let file = user_preset::save(&params, &store, "Tape – Ünder", StateMap::new(), false).unwrap();

    let plugin = render_piano(&params);
    let o = dir.join("out.wav");
    let args = [
        "play",
        mid.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--format",
        "float32",
        "--preset",
        file.to_str().unwrap(),
    ];
    let out = run(&presets, &args);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli = read_wav(&o).1;
    assert!(
        cli[0].iter().any(|s| s.abs() > 1e-3),
        "the note is heard in the render"
    );
    assert_eq!(cli[0].len(), plugin[0].len());
    assert!(same_bits(&cli, &plugin), "--preset PATH plays differently");
    // The comparison can fail: the factory preset alone plays differently.
    let factory = ache_piano::AchePianoParams::default();
    factory.apply_preset(&ctx.param_setter(), &shared_dsp::piano::PRESETS[3]);
    assert!(!same_bits(&render_piano(&factory), &plugin));
}

/// A factory preset by name, and how the plugin's preset bar applies it.
type Factory<'a, P> = (&'a str, &'a dyn Fn(&P, &GuiContext));

/// `catalyst preset save` with `sets`, then the plugin's own load: the values match typing the
/// same values into a fresh plugin (after the same factory preset, for `from`).
fn cli_to_plugin<P: Params + Default>(
    plugin: PluginInfo,
    command: &str,
    from: Option<Factory<'_, P>>,
    sets: &[(&str, &str)],
) {
    let dir = temp_dir(&format!("round-trip-cli-to-{command}"));
    let presets = dir.join("presets");
    let name = "Del Río – 鼓 1";
    let mut args = vec!["preset", "save", command, name];
    if let Some((factory, _)) = from {
        args.extend(["--from", factory]);
    }
    let assignments: Vec<String> = sets.iter().map(|(id, v)| format!("{id}={v}")).collect();
    for a in &assignments {
        args.extend(["--set", a.as_str()]);
    }
    run(&presets, &args);

    let ctx = ctx();
    let loaded = P::default();
    let store = PresetStore::in_dir(presets.join(plugin.folder), plugin);
    let (_, path) = store.load(name).unwrap();
    let (_, report) = user_preset::load(&loaded, &path, &plugin, &ctx).unwrap();
    assert!(report.is_clean(), "{report:?}");

    let typed_in = P::default();
    if let Some((_, apply)) = from {
        apply(&typed_in, &ctx);
    }
    for (id, value) in sets {
        typed(&typed_in, &ctx, id, value);
    }
    let (got, want) = (plain_values(&loaded), plain_values(&typed_in));
    for ((id, g), (_, w)) in got.iter().zip(&want) {
        assert_eq!(
            f32::from_bits(*g),
            f32::from_bits(*w),
            "{command}: '{id}' loads as {} but types in as {}",
            f32::from_bits(*g),
            f32::from_bits(*w)
        );
    }
    assert_eq!(got, want);
    // The check can fail: the saved values are not the defaults.
    assert_ne!(got, plain_values(&P::default()));
}

#[test]
fn a_snare_preset_saved_by_the_cli_loads_in_the_plugin_with_the_same_values() {
    let factory = &shared_dsp::snare::factory_presets()[2];
    let apply = |p: &SnareLayererParams, ctx: &GuiContext| {
        p.apply_preset(&ctx.param_setter(), factory);
    };
    cli_to_plugin::<SnareLayererParams>(
        SNARE_LAYERER,
        "layer",
        Some((factory.name, &apply)),
        &[
            ("dry", "-6.5"),
            ("bodyfreq", "187.3"),
            ("human", "0.37"),
            ("timing", "Zero latency"),
            ("smp_on", "true"),
        ],
    );
}

#[test]
fn a_piano_and_a_meter_preset_saved_by_the_cli_load_in_the_plugins_with_the_same_values() {
    cli_to_plugin::<ache_piano::AchePianoParams>(
        ACHE_PIANO,
        "play",
        None,
        &[("detune", "12.3"), ("wow_depth", "41"), ("a4", "437.5")],
    );
    cli_to_plugin::<density_meter::DensityMeterParams>(
        DENSITY_METER,
        "analyze",
        None,
        &[("phrase", "8"), ("occ_range", "20")],
    );
}
