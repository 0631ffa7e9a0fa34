//! Density on arrangements rendered with sampled instruments (fluidsynth + the Debian GM
//! soundfont, `catalyst_test_support::gm_song`).

use super::*;
use crate::density::export::{Report, analyze_timeline};
use catalyst_test_support::gm_song::{Part, Pattern, Rendered, Song, render, renderer_missing};

const SR: u32 = 22_050;

fn analyze(song: &Song, audio: &Rendered) -> Report {
    let mut tr = DensityTracker::new(audio.sample_rate as f32, 2);
    let qps = song.bpm / 60.0;
    for (k, (l, r)) in audio
        .left
        .chunks(1024)
        .zip(audio.right.chunks(1024))
        .enumerate()
    {
        let beats = (k * 1024) as f64 / audio.sample_rate as f64 * qps;
        tr.process(&[l, r], &Transport::playing(song.bpm, song.time_sig, beats));
    }
    tr.flush();
    analyze_timeline(tr.bars(), 4, &[], false)
}

/// Adds one part per section: section k plays parts 0..=k.
fn build_up(bpm: f64, time_sig: (u32, u32), bars: usize, parts: Vec<Part>) -> Song {
    let sections = (0..parts.len())
        .map(|k| (bars, (0..=k).collect()))
        .collect();
    Song {
        bpm,
        time_sig,
        count_in_bars: 1,
        tail_bars: 2,
        parts,
        sections,
    }
}

fn dump(name: &str, song: &Song, report: &Report) {
    // One line per section: the section means of each component (first bar skipped).
    let starts = song.section_starts();
    for (k, &st) in starts.iter().enumerate() {
        let n = song.sections[k].0;
        let sel: Vec<_> = report
            .bars
            .iter()
            .filter(|b| (st as i32 + 1..(st + n) as i32).contains(&b.index))
            .collect();
        let m =
            |f: &dyn Fn(&BarStats) -> f32| sel.iter().map(|b| f(b)).sum::<f32>() / sel.len() as f32;
        eprintln!(
            "ROW {name} {k} fill {:.4} occ {:.4} act {:.4} comp {:.4} low {:.4} d {:.2}",
            m(&|b| b.fill),
            m(&|b| b.occupancy),
            m(&|b| (b.onset_rate_hz / 8.0).min(1.0)),
            m(&|b| ((20.0 - b.plr_db) / 12.0).clamp(0.0, 1.0)),
            m(&|b| (b.low_share / 0.5).min(1.0)),
            m(&|b| b.density)
        );
    }
    let found: Vec<i32> = report.sections.iter().map(|s| s.start_bar).collect();
    eprintln!(
        "SECT {name} found {found:?} true {starts:?} verdict {:?}",
        report.verdict.kind
    );
}

/// Section means of density, each section's first bar skipped (the detectors settle on the
/// change, and a part entering on the bar line rings into it).
fn section_means(song: &Song, report: &Report) -> Vec<f32> {
    let starts = song.section_starts();
    starts
        .iter()
        .zip(&song.sections)
        .map(|(&st, (n, _))| {
            let sel: Vec<f32> = report
                .bars
                .iter()
                .filter(|b| (st as i32 + 1..(st + n) as i32).contains(&b.index))
                .map(|b| b.density)
                .collect();
            assert_eq!(sel.len(), n - 1, "bars of the section at {st}");
            sel.iter().sum::<f32>() / sel.len() as f32
        })
        .collect()
}

/// TUNING SET (the power share, SPAN_DB, the index weights and the section features' weights
/// were chosen on these and only these): piano (GM 0), steel-string guitar (25), finger bass
/// (33), the GM kit and string ensemble (48), in 4/4 at 120 and 110 BPM, 6/8 at 100 and 120,
/// 3/4 at 90. Prints the section means of every component; `--ignored` to re-tune.
/// Measured with the final settings, density section means as parts are added: 4/4 piano
/// first 21.6 / 22.9 / 25.8 / 35.6 / 71.2 (the loud strummed guitar last), 6/8 guitar first
/// 52.4 / 54.1 / 58.4 / 67.4 / 68.9, 3/4 strings first 26.5 / 30.1 / 31.6 / 33.9 / 69.5; every
/// section found on its bar in these three except the 6/8 song (one section: its guitar,
/// strummed on every eighth at velocity 90, carries most of the band's power). Verse / pre /
/// chorus: 4/4 25.5 / 34.6 / 70.8, sections exact; 6/8 49.4 / 62.9 / 69.5, the chorus boundary
/// missed (novelty 0.04 under the 0.06 threshold).
#[test]
#[ignore = "tuning printout: cargo test -p shared-dsp --lib gm_song -- --ignored --nocapture"]
fn tuning_set_printout() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let piano = Part::new(0, Pattern::Block, 90);
    let guitar = Part::new(25, Pattern::Strum, 90);
    let bass = Part::new(33, Pattern::Bass, 100);
    let drums = Part::new(0, Pattern::Drums, 100);
    let strings = Part::new(48, Pattern::Sustain, 80);
    let songs = [
        (
            "44",
            build_up(120.0, (4, 4), 4, vec![piano, bass, drums, strings, guitar]),
        ),
        (
            "68",
            build_up(100.0, (6, 8), 4, vec![guitar, bass, drums, strings, piano]),
        ),
        (
            "34",
            build_up(90.0, (3, 4), 4, vec![strings, piano, drums, bass, guitar]),
        ),
        (
            "vp",
            Song {
                bpm: 110.0,
                time_sig: (4, 4),
                count_in_bars: 1,
                tail_bars: 2,
                parts: vec![piano, bass, drums, strings, guitar],
                sections: vec![
                    (8, vec![0, 1, 2]),
                    (4, vec![0, 1, 2, 3]),
                    (8, vec![0, 1, 2, 3, 4]),
                ],
            },
        ),
    ];
    let vp68 = Song {
        bpm: 120.0,
        time_sig: (6, 8),
        count_in_bars: 1,
        tail_bars: 2,
        parts: vec![
            Part::new(25, Pattern::Strum, 65),
            bass,
            drums,
            strings,
            piano,
            Part::new(0, Pattern::Arpeggio, 80),
        ],
        sections: vec![
            (8, vec![0, 1, 2]),
            (4, vec![0, 1, 2, 3]),
            (8, vec![0, 1, 2, 3, 4, 5]),
        ],
    };
    for (name, song) in songs.iter().chain([&("vp68", vp68)]) {
        let audio = render(song, SR, name);
        let report = analyze(song, &audio);
        dump(name, song, &report);
        eprintln!("{name}: section means {:?}", section_means(song, &report));
    }
}

/// HELD-OUT SET: nothing here was used to tune. Other GM programs (nylon guitar 24, acoustic
/// bass 32, choir 52, flute 73, electric piano 4, synth bass 38, drawbar organ 16, harp 46,
/// trumpet 56, clean electric guitar 27, fretless bass 35, warm pad 89, vibraphone 11), other
/// tempi and meters (3/4 at 72, 6/8 at 150, 4/4 at 175 BPM), count-ins of 1-2 bars and a
/// release tail, each also mixed 20 dB quieter. One part joins per section: the density must
/// rise strictly with every part, the full arrangement must read at least 15 points above its
/// first part alone, and the quiet mix must read the same within 2 points.
/// Measured: 3/4 12.7 / 22.8 / 45.2 / 50.9 / 59.8; 6/8 26.6 / 32.0 / 41.8 / 45.9 / 46.5 / 63.1
/// (the harp arpeggio over the organ adds least: +0.6); 4/4 42.3 / 51.3 / 67.0 / 70.8 / 72.7;
/// the -20 dB mixes within 0.6 points of these.
#[test]
fn held_out_density_rises_with_every_part_in_any_meter_tempo_and_level() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let songs = [
        (
            "3/4 at 72",
            Song {
                count_in_bars: 2,
                ..build_up(
                    72.0,
                    (3, 4),
                    4,
                    vec![
                        Part::new(24, Pattern::Arpeggio, 75),
                        Part::new(32, Pattern::Bass, 95),
                        Part::new(52, Pattern::Sustain, 70),
                        Part::new(0, Pattern::Drums, 80),
                        Part::new(73, Pattern::Melody, 85),
                    ],
                )
            },
        ),
        (
            "6/8 at 150",
            build_up(
                150.0,
                (6, 8),
                4,
                vec![
                    Part::new(4, Pattern::Block, 75),
                    Part::new(38, Pattern::Bass, 95),
                    Part::new(0, Pattern::Drums, 85),
                    Part::new(16, Pattern::Sustain, 55),
                    Part::new(46, Pattern::Arpeggio, 80),
                    Part::new(56, Pattern::Melody, 75),
                ],
            ),
        ),
        (
            "4/4 at 175",
            build_up(
                175.0,
                (4, 4),
                4,
                vec![
                    Part::new(27, Pattern::Strum, 70),
                    Part::new(35, Pattern::Bass, 95),
                    Part::new(0, Pattern::Drums, 85),
                    Part::new(89, Pattern::Sustain, 70),
                    Part::new(11, Pattern::Arpeggio, 80),
                ],
            ),
        ),
    ];
    for (name, song) in &songs {
        let audio = render(song, SR, &name.replace(['/', ' '], "_"));
        let loud = section_means(song, &analyze(song, &audio));
        let quiet = section_means(song, &analyze(song, &audio.gain_db(-20.0)));
        eprintln!("{name}: density by parts {loud:.1?}, mixed -20 dB {quiet:.1?}");
        for k in 1..loud.len() {
            assert!(
                loud[k] > loud[k - 1],
                "{name}: {} parts {:.1} <= {} parts {:.1} ({loud:?})",
                k + 1,
                loud[k],
                k,
                loud[k - 1]
            );
            assert!(quiet[k] > quiet[k - 1], "{name} at -20 dB: {quiet:?}");
        }
        let full = loud[loud.len() - 1];
        assert!(
            full >= loud[0] + 15.0,
            "{name}: one part {} full {full}",
            loud[0]
        );
        for (a, b) in loud.iter().zip(&quiet) {
            assert!((a - b).abs() <= 2.0, "{name}: {loud:?} vs -20 dB {quiet:?}");
        }
    }
}

/// HELD-OUT SET: a verse, a pre-chorus that is the verse plus one sustained part, a chorus:
/// the pre-chorus is its own section, with its own letter (issue 15: they merged). 4/4 at 96
/// BPM (electric piano 5, picked bass 34, kit; + slow strings 49; + overdriven guitar 29 and a
/// saw lead 81) and 6/8 at 132 BPM (jazz guitar 26, acoustic bass 32, kit; then synth strings
/// 50; then bright piano 1 and alto sax 65), each after a count-in and with a tail, and mixed 20 dB
/// quieter. Measured: sections on bars 1, 9, 13 exactly in both songs at both levels; density
/// 27.4 / 42.2 / 70.3 (4/4) and 33.3 / 54.6 / 64.5 (6/8).
#[test]
fn held_out_verse_and_pre_chorus_are_separate_sections() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let song = |bpm: f64, time_sig, parts: [(u8, Pattern, u8); 6]| Song {
        bpm,
        time_sig,
        count_in_bars: 1,
        tail_bars: 2,
        parts: parts
            .iter()
            .map(|&(p, pat, v)| Part::new(p, pat, v))
            .collect(),
        sections: vec![
            (8, vec![0, 1, 2]),
            (4, vec![0, 1, 2, 3]),
            (8, vec![0, 1, 2, 3, 4, 5]),
        ],
    };
    let songs = [
        (
            "4/4 at 96",
            song(
                96.0,
                (4, 4),
                [
                    (5, Pattern::Block, 80),
                    (34, Pattern::Bass, 95),
                    (0, Pattern::Drums, 85),
                    (49, Pattern::Sustain, 75),
                    (29, Pattern::Strum, 60),
                    (81, Pattern::Melody, 70),
                ],
            ),
        ),
        (
            "6/8 at 132",
            song(
                132.0,
                (6, 8),
                [
                    (26, Pattern::Strum, 65),
                    (32, Pattern::Bass, 95),
                    (0, Pattern::Drums, 85),
                    (50, Pattern::Sustain, 75),
                    (1, Pattern::Block, 75),
                    (65, Pattern::Melody, 80),
                ],
            ),
        ),
    ];
    for (name, song) in &songs {
        let audio = render(song, SR, &name.replace(['/', ' '], "_"));
        let truth: Vec<i32> = song.section_starts().iter().map(|&s| s as i32).collect();
        for gain_db in [0.0, -20.0] {
            let report = analyze(song, &audio.clone().gain_db(gain_db));
            let starts: Vec<i32> = report.sections.iter().map(|s| s.start_bar).collect();
            let means = section_means(song, &report);
            eprintln!(
                "{name} {gain_db} dB: sections {starts:?} (true {truth:?}), density {means:.1?}"
            );
            assert_eq!(
                starts, truth,
                "{name} at {gain_db} dB: {:#?}",
                report.sections
            );
            let labels: Vec<&str> = report.sections.iter().map(|s| s.group()).collect();
            assert_ne!(labels[0], labels[1], "{name}: verse and pre share a letter");
            assert!(
                means[0] < means[1] && means[1] < means[2],
                "{name}: {means:?}"
            );
        }
    }
}
