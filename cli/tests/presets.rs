//! `catalyst preset list|save` and `--preset` with user presets, in a preset folder of the
//! test's own (`CATALYST_PRESET_DIR`): a saved preset renders bit for bit like the same settings
//! given with `--set`, by name and by path, in all three commands.

mod common;
use common::*;
use shared_dsp::synth_material::{arrangement, drum_groove};
use std::path::Path;
use std::process::Output;

fn run(preset_dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_catalyst"))
        .args(args)
        .env("CATALYST_PRESET_DIR", preset_dir)
        .output()
        .expect("catalyst runs")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_saved_layer_preset_renders_bit_for_bit_like_its_settings_by_name_and_by_path() {
    let dir = temp_dir("preset-layer");
    let presets = dir.join("presets");
    let input = dir.join("groove.wav");
    let (groove, _) = drum_groove(48_000, 100.0, 2);
    write_wav(&input, 48_000, &[groove.clone(), groove]);
    let i = input.to_str().unwrap();
    let sets = [
        "--set",
        "dry=-6.5",
        "--set",
        "thresh=-30",
        "--set",
        "timing=Zero latency",
        "--set",
        "human=0.37",
    ];
    let name = "Crack – Señora 鼓";
    let mut save = vec!["preset", "save", "layer", name, "--from", "Filing Cabinet"];
    save.extend(sets);
    let out = ok(run(&presets, &save));
    let file = presets.join("Snare Layerer").join(format!("{name}.toml"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&file.display().to_string()),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("name = \"{name}\"")), "{text}");
    assert!(text.contains("dry = -6.5"), "{text}");
    assert!(text.contains("timing = \"Zero latency\""), "{text}");

    let render = |out_name: &str, args: &[&str]| {
        let o = dir.join(out_name);
        let mut all = vec!["layer", i, "-o", o.to_str().unwrap(), "--format", "float32"];
        all.extend_from_slice(args);
        let out = ok(run(&presets, &all));
        // A complete preset of this version loads without a single remark.
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(o).unwrap()
    };
    let mut direct_args = vec!["--preset", "Filing Cabinet"];
    direct_args.extend(sets);
    let direct = render("direct.wav", &direct_args);
    let by_name = render("by-name.wav", &["--preset", name]);
    let by_path = render("by-path.wav", &["--preset", file.to_str().unwrap()]);
    let factory = render("factory.wav", &["--preset", "Filing Cabinet"]);
    assert!(direct == by_name, "user preset by name renders differently");
    assert!(direct == by_path, "preset file by path renders differently");
    // The comparison can fail: the --set values do change the sound.
    assert!(direct != factory);
}

#[test]
fn a_saved_piano_preset_plays_bit_for_bit_like_its_settings() {
    let dir = temp_dir("preset-play");
    let presets = dir.join("presets");
    let mid = dir.join("note.mid");
    one_note_midi(&mid);
    let m = mid.to_str().unwrap();
    let sets = [
        "--set",
        "detune=12",
        "--set",
        "wow_depth=40",
        "--set",
        "seed=7",
    ];
    let mut save = vec!["preset", "save", "play", "Ünder the Bridge"];
    save.extend(sets);
    ok(run(&presets, &save));
    let render = |out_name: &str, args: &[&str]| {
        let o = dir.join(out_name);
        let mut all = vec!["play", m, "-o", o.to_str().unwrap(), "--format", "float32"];
        all.extend_from_slice(args);
        ok(run(&presets, &all));
        std::fs::read(o).unwrap()
    };
    let direct = render("direct.wav", &sets);
    let preset = render("preset.wav", &["--preset", "Ünder the Bridge"]);
    let plain = render("plain.wav", &[]);
    assert!(direct == preset, "user preset plays differently");
    assert!(direct != plain);
}

#[test]
fn a_saved_meter_preset_analyses_like_its_settings() {
    let dir = temp_dir("preset-analyze");
    let presets = dir.join("presets");
    let wav = dir.join("song.wav");
    let song = arrangement(22_050, 120.0);
    write_wav(&wav, 22_050, &[song.clone(), song]);
    let w = wav.to_str().unwrap();
    ok(run(
        &presets,
        &[
            "preset",
            "save",
            "analyze",
            "Eight",
            "--set",
            "phrase=8",
            "--set",
            "occ_range=20",
        ],
    ));
    let analyse = |args: &[&str]| {
        let mut all = vec!["analyze", w, "--bpm", "120", "--json"];
        all.extend_from_slice(args);
        ok(run(&presets, &all)).stdout
    };
    let direct = analyse(&["--set", "phrase=8", "--set", "occ_range=20"]);
    assert_eq!(direct, analyse(&["--preset", "Eight"]));
    assert_ne!(direct, analyse(&[]));
}

#[test]
fn list_shows_factory_user_and_broken_presets_with_where_they_live() {
    let dir = temp_dir("preset-list");
    let presets = dir.join("presets");
    ok(run(
        &presets,
        &["preset", "save", "layer", "Mine", "--set", "dry=-3"],
    ));
    let folder = presets.join("Snare Layerer");
    std::fs::write(folder.join("Half.toml"), "plugin = \"audio.catalyst.sn").unwrap();
    let out = ok(run(&presets, &["preset", "list", "layer"]));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no '{start}' line in:\n{text}"))
            .to_owned()
    };
    assert!(
        line("factory  Filing Cabinet").ends_with("(built in)"),
        "{text}"
    );
    assert!(
        line("user     Mine").ends_with(&folder.join("Mine.toml").display().to_string()),
        "{text}"
    );
    assert!(line("broken   Half").contains("Half.toml"), "{text}");
    assert!(
        line("user folder:").ends_with(&folder.display().to_string()),
        "{text}"
    );
    // The piano's list has its own factory presets and none of the snare's user presets.
    let out = ok(run(&presets, &["preset", "list", "play"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Bridge Confession") && !text.contains("Mine"),
        "{text}"
    );
}

#[test]
fn an_edited_or_newer_preset_loads_what_it_can_and_says_what_it_skipped() {
    let dir = temp_dir("preset-newer");
    let presets = dir.join("presets");
    let mid = dir.join("note.mid");
    one_note_midi(&mid);
    let file = dir.join("from a friend.toml");
    std::fs::write(
        &file,
        "plugin = \"audio.catalyst.ache-piano\"\nformat = 99\nname = \"Friend\"\n\
         future_field = \"x\"\n[params]\ndetune = 12.0\nhyperspace = 3.0\nwow_depth = 500.0\n",
    )
    .unwrap();
    let o = dir.join("out.wav");
    let out = ok(run(
        &presets,
        &[
            "play",
            mid.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
            "--preset",
            file.to_str().unwrap(),
        ],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer Catalyst (format 99"), "{stderr}");
    assert!(
        stderr.contains("skipped hyperspace: no such parameter"),
        "{stderr}"
    );
    assert!(stderr.contains("clamped wow_depth: 500 to"), "{stderr}");
    assert!(stderr.contains("left at default"), "{stderr}");
    assert!(o.exists());
}

#[test]
fn preset_mistakes_are_one_clear_line() {
    let dir = temp_dir("preset-errors");
    let presets = dir.join("presets");
    ok(run(&presets, &["preset", "save", "play", "Keys"]));
    assert_clean_error(
        &run(&presets, &["preset", "save", "play", "Keys"]),
        "--force",
    );
    ok(run(
        &presets,
        &[
            "preset", "save", "play", "Keys", "--force", "--set", "detune=3",
        ],
    ));
    assert_clean_error(
        &run(&presets, &["preset", "save", "play", "bridge confession"]),
        "factory preset",
    );
    assert_clean_error(
        &run(
            &presets,
            &["preset", "save", "play", "X", "--set", "detune=9999"],
        ),
        "out of range",
    );
    let mid = dir.join("note.mid");
    one_note_midi(&mid);
    let o = dir.join("o.wav");
    let (m, o) = (mid.to_str().unwrap(), o.to_str().unwrap());
    assert_clean_error(
        &run(&presets, &["play", m, "-o", o, "--preset", "Nope"]),
        "Keys",
    );
    // A piano preset file given to the Snare Layerer.
    let keys = presets.join("Ache Piano").join("Keys.toml");
    let wav = dir.join("in.wav");
    write_wav(&wav, 48_000, &[vec![0.0; 4_800]]);
    assert_clean_error(
        &run(
            &presets,
            &[
                "layer",
                wav.to_str().unwrap(),
                "-o",
                o,
                "--preset",
                keys.to_str().unwrap(),
            ],
        ),
        "a preset for audio.catalyst.ache-piano",
    );
    std::fs::write(presets.join("Ache Piano").join("Bad.toml"), "[[[").unwrap();
    assert_clean_error(
        &run(&presets, &["play", m, "-o", o, "--preset", "Bad"]),
        "not a readable preset",
    );
}
