//! `catalyst analyze` on a bounce rendered with sampled instruments (issue 15): in a 6/8 song
//! that starts with one strummed guitar and adds a part every section, the density must rise
//! with every part, through the command a producer runs.
//!
//! HELD-OUT material: nothing in this song was used to tune the Density index (see
//! `shared_dsp::density::tracker::gm_song_tests` for the tuning set): jazz guitar (GM 26),
//! acoustic bass (32), the kit, choir (52), electric piano (4), flute (73), 6/8 at 84 BPM, a
//! count-in bar and a release tail.

mod common;

use catalyst_test_support::gm_song::{Part, Pattern, Song, render, renderer_missing};
use common::{catalyst, temp_dir, write_wav};

#[test]
fn analyze_density_rises_with_every_part_of_a_six_eight_song() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let parts = vec![
        Part::new(26, Pattern::Strum, 80),
        Part::new(32, Pattern::Bass, 95),
        Part::new(0, Pattern::Drums, 85),
        Part::new(52, Pattern::Sustain, 70),
        Part::new(4, Pattern::Block, 75),
        Part::new(73, Pattern::Melody, 85),
    ];
    let song = Song {
        bpm: 84.0,
        time_sig: (6, 8),
        count_in_bars: 1,
        tail_bars: 2,
        sections: (0..parts.len()).map(|k| (4, (0..=k).collect())).collect(),
        parts,
    };
    let audio = render(&song, 22_050, "cli-six-eight");
    let dir = temp_dir("analyze-parts");
    let wav = dir.join("six-eight.wav");
    write_wav(&wav, audio.sample_rate, &[audio.left, audio.right]);
    let out = catalyst(&[
        "analyze",
        wav.to_str().unwrap(),
        "--bpm",
        "84",
        "--time-sig",
        "6/8",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bars = report["bars"].as_array().unwrap();
    // Section means, each section's first bar skipped (a part entering rings into it).
    let means: Vec<f64> = song
        .section_starts()
        .iter()
        .map(|&start| {
            let sel: Vec<f64> = bars
                .iter()
                .filter(|b| {
                    let i = b["index"].as_i64().unwrap() as usize;
                    (start + 1..start + 4).contains(&i)
                })
                .map(|b| b["density"].as_f64().unwrap())
                .collect();
            assert_eq!(sel.len(), 3, "bars of the section at {start}");
            sel.iter().sum::<f64>() / 3.0
        })
        .collect();
    eprintln!("density by parts: {means:.1?}");
    for k in 1..means.len() {
        assert!(means[k] > means[k - 1], "{} parts: {means:?}", k + 1);
    }
    assert!(
        means[5] >= means[0] + 15.0,
        "guitar alone {} full {}",
        means[0],
        means[5]
    );
    // Every bar carries its part fill and band profile.
    assert!(bars[2]["fill"].as_f64().unwrap() > 0.0);
    assert_eq!(bars[2]["band_db"].as_array().unwrap().len(), 20);
    std::fs::remove_dir_all(dir).unwrap();
}

/// HELD-OUT material for the tempo estimate too (`shared_dsp::density::tempo::gm_tests` lists
/// its tuning set): a verse, a pre-chorus and a chorus in 4/4 at 128 BPM after a count-in bar,
/// with a release tail (electric piano 4, fretless bass 35, the kit; + warm pad 89; + clean
/// guitar 27 and trumpet 56). `analyze` without --bpm must count the song's 20 bars and find the
/// sections it finds with the true tempo, meter and first bar, each within one bar.
#[test]
fn analyze_without_a_tempo_counts_the_bars_and_finds_the_sections_of_the_true_tempo() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let parts = vec![
        Part::new(4, Pattern::Block, 80),
        Part::new(35, Pattern::Bass, 95),
        Part::new(0, Pattern::Drums, 85),
        Part::new(89, Pattern::Sustain, 70),
        Part::new(27, Pattern::Strum, 60),
        Part::new(56, Pattern::Melody, 75),
    ];
    let song = Song {
        bpm: 128.0,
        time_sig: (4, 4),
        count_in_bars: 1,
        tail_bars: 2,
        parts,
        sections: vec![
            (8, vec![0, 1, 2]),
            (4, vec![0, 1, 2, 3]),
            (8, vec![0, 1, 2, 3, 4, 5]),
        ],
    };
    let audio = render(&song, 22_050, "cli-tempo-128");
    let dir = temp_dir("analyze-tempo");
    let wav = dir.join("song.wav");
    write_wav(&wav, audio.sample_rate, &[audio.left, audio.right]);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = catalyst(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let w = wav.to_str().unwrap();
    let first_bar = format!("{}", song.bar_seconds());
    let truth = json(&[
        "analyze",
        w,
        "--bpm",
        "128",
        "--time-sig",
        "4/4",
        "--first-bar",
        &first_bar,
        "--json",
    ]);
    let found = json(&["analyze", w, "--json"]);
    let tempo = &found["tempo"];
    eprintln!("found {tempo}");
    assert_eq!(tempo["estimated"], true);
    assert!(
        (tempo["bpm"].as_f64().unwrap() / 128.0 - 1.0).abs() < 0.02,
        "{tempo}"
    );
    assert_eq!(tempo["time_sig"], "4/4");
    let song_bars = |r: &serde_json::Value| {
        r["song"]["end_bar"].as_i64().unwrap() - r["song"]["start_bar"].as_i64().unwrap()
    };
    assert_eq!(song_bars(&truth), 20, "{}", truth["song"]);
    assert_eq!(song_bars(&found), 20, "{}", found["song"]);
    let starts = |r: &serde_json::Value| -> Vec<i64> {
        r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start_bar"].as_i64().unwrap())
            .collect()
    };
    let (t, f) = (starts(&truth), starts(&found));
    eprintln!("sections with the true tempo {t:?}, estimated {f:?}");
    assert_eq!(t.len(), f.len(), "{t:?} vs {f:?}");
    for (a, b) in t.iter().zip(&f) {
        assert!((a - b).abs() <= 1, "{t:?} vs {f:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
