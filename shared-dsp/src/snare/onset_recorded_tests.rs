//! The detector on recorded drums with real velocity layers: three more kits from Debian's
//! `hydrogen-drumkits` (The Black Pearl, Millo MultiLayered 2, BJA Pacific), each recorded at
//! several strengths, so ghost notes, flam grace strokes and unaccented roll strokes are real soft
//! strokes (darker and with less stick attack than the loud ones), not loud strokes turned down.
//!
//! Each kit plays a groove at 60-200 BPM: backbeat on the hardest layer, ghost notes on the
//! softest, a flam (soft grace stroke 25 ms before a hard one) every other bar, kick on 1, 3 and
//! the "and" of 3 and 8th-note closed hats bleeding 20 dB under the backbeat, then a bar of
//! 16th-note roll alternating accented (hardest) and unaccented (medium) strokes. The threshold
//! is set as a producer sets it watching the detector: halfway (in dB) between the bleed's and
//! the ghost notes' peaks in the detector band, or just over the bleed when the ghost notes do
//! not stand clear of it.
//!
//! What this measures (README): backbeats, flam main strokes and roll accents are found on every
//! kit at every tempo, with one bleed trigger in all 15 grooves; the unaccented roll strokes, 3 dB
//! under the accents and landing on their ringing, are found on The Black Pearl at every tempo,
//! on Millo up to 100 BPM and on BJA only at 60 BPM. On those two kits such a stroke adds no more
//! than ~3 dB to the accent's ringing in the detector's band (in each band tried: 250 Hz-4 kHz,
//! 800 Hz-8 kHz, 1.5-12 kHz, 150 Hz-2 kHz), building up over 4-5 ms, which the detector does not
//! tell from that ringing's own swell (a 4 ms rise test and an HF-weighted one were tried: they
//! found none of them and added false triggers elsewhere).

use super::onset::{OnsetDetector, OnsetSettings};
use crate::util::db_to_gain;
use catalyst_test_support::recorded::{RecordedHit, recorded_hit};

const SR: f32 = 48_000.0;

/// A recorded stroke (see [`recorded_hit`]) scaled to peak at `peak_db`.
fn stroke(kit: &str, name: &str, peak_db: f32) -> RecordedHit {
    let mut hit = recorded_hit(kit, name, SR);
    let scale = db_to_gain(peak_db);
    // Some of the kits' files end on a click (cut off mid-waveform); a sampler's release hides
    // it, and so does this 10 ms fade.
    let fade = ((0.01 * SR) as usize).min(hit.frames.len());
    let len = hit.frames.len();
    for (k, v) in hit.frames.iter_mut().enumerate() {
        *v *= scale
            * if k >= len - fade {
                1.0 - (k - (len - fade)) as f32 / fade as f32
            } else {
                1.0
            };
    }
    hit
}

struct Kit {
    name: &'static str,
    hardest: &'static str,
    medium: &'static str,
    softest: &'static str,
    kick: &'static str,
    hat: &'static str,
}

const RECORDED_KITS: [Kit; 3] = [
    Kit {
        name: "The Black Pearl 1.0",
        hardest: "PearlSnare-Hardest.wav",
        medium: "PearlSnare-Med.wav",
        softest: "PearlSnare-Softest.wav",
        kick: "PearlKick-Hardest.wav",
        hat: "SabianHatClosed-Hard.wav",
    },
    Kit {
        name: "Millo_MultiLayered2",
        hardest: "jsnare_05.flac",
        medium: "jsnare_03.flac",
        softest: "jsnare_01.flac",
        kick: "bd_05.flac",
        hat: "hhclosed_05.flac",
    },
    Kit {
        name: "BJA_Pacific",
        hardest: "SN_08.aiff",
        medium: "SN_05.aiff",
        softest: "SN_02.aiff",
        kick: "BD_08.aiff",
        hat: "HH_08.aiff",
    },
];

/// Peak of the detector's band envelope over a sound alone, dBFS.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Backbeat,
    FlamMain,
    Accent,
    Unaccented,
    Ghost,
    Grace,
}

#[derive(Default)]
struct Tally {
    strokes: usize,
    found: usize,
    /// Located onset minus true onset of the found strokes, ms.
    errors: Vec<f32>,
}

struct Run {
    threshold_db: f32,
    ghosts_expected: bool,
    tallies: Vec<(Kind, Tally)>,
    /// Detections near no stroke (3 ms) and not in the 10 ms after one: bleed triggers.
    bleed_triggers: usize,
    /// Detections 3-10 ms after a stroke: a stroke located late.
    late: usize,
}

impl Run {
    fn tally(&self, kind: Kind) -> &Tally {
        &self.tallies.iter().find(|t| t.0 == kind).unwrap().1
    }
}

fn band_peak_db(sound: &[f32]) -> f32 {
    let mut d = OnsetDetector::new(SR, onset_stage());
    let mut peak = f32::NEG_INFINITY;
    for &x in sound.iter().chain(std::iter::repeat_n(&0.0, 4_800)) {
        d.process(x);
        peak = peak.max(d.envelope_db());
    }
    peak
}

fn run_kit(kit: &Kit, bpm: f32) -> Run {
    // Each layer at its role's level (the kits disagree: some store every layer normalised):
    // backbeat and accents peak at -6 dBFS, unaccented roll strokes 3 dB under them, ghost
    // notes and grace strokes 18 dB under, kick and hat bleed 20 dB under.
    let hard = stroke(kit.name, kit.hardest, -6.0);
    let med = stroke(kit.name, kit.medium, -9.0);
    let soft = stroke(kit.name, kit.softest, -24.0);
    let kick = stroke(kit.name, kit.kick, -26.0);
    let hat = stroke(kit.name, kit.hat, -26.0);

    let sixteenth = 60.0 / bpm * SR / 4.0;
    let bars = 4;
    let at = |k: usize| 4_800 + (k as f32 * sixteenth) as usize;
    let mut x = vec![0.0f32; at((bars + 1) * 16) + 2 * SR as usize];
    // Every stroke's onset lands on its grid time: a drummer plays the hit, not the file's
    // pre-roll, on the beat (the kits' files start from 0 to 1 ms before their onsets).
    let place = |x: &mut [f32], s: &RecordedHit, time: usize| {
        for (o, v) in x[time - s.onset..].iter_mut().zip(&s.frames) {
            *o += v;
        }
    };
    // The bleed first: what the detector shows between the snare hits.
    for bar in 0..bars {
        for s in [0usize, 8, 10] {
            place(&mut x, &kick, at(bar * 16 + s));
        }
        for s in (0..16).step_by(2) {
            place(&mut x, &hat, at(bar * 16 + s));
        }
    }
    // The threshold a producer sets watching the detector: halfway (in dB) between the bleed's
    // peak and the ghost notes' when they stand 6 dB or more clear of it, else 4 dB over the
    // bleed (ghost notes given up).
    let bleed_db = band_peak_db(&x);
    let ghost_db = band_peak_db(&soft.frames);
    let ghosts_expected = ghost_db >= bleed_db + 6.0;
    let threshold_db = if ghosts_expected {
        0.5 * (bleed_db + ghost_db)
    } else {
        bleed_db + 4.0
    };
    let mut strokes: Vec<(usize, Kind)> = Vec::new();
    for bar in 0..bars {
        for s in [4usize, 12] {
            let time = at(bar * 16 + s);
            if s == 12 && bar % 2 == 1 {
                // Flam: the grace stroke is played softly 25 ms early; it may or may not
                // trigger, the main stroke must.
                let grace = time - (0.025 * SR) as usize;
                place(&mut x, &soft, grace);
                strokes.push((grace, Kind::Grace));
                place(&mut x, &hard, time);
                strokes.push((time, Kind::FlamMain));
            } else {
                place(&mut x, &hard, time);
                strokes.push((time, Kind::Backbeat));
            }
        }
        for s in [7usize, 15] {
            place(&mut x, &soft, at(bar * 16 + s));
            strokes.push((at(bar * 16 + s), Kind::Ghost));
        }
    }
    for s in 0..16 {
        let time = at(bars * 16 + s);
        if s % 2 == 0 {
            place(&mut x, &hard, time);
            strokes.push((time, Kind::Accent));
        } else {
            place(&mut x, &med, time);
            strokes.push((time, Kind::Unaccented));
        }
    }
    // Room noise at -70 dBFS.
    let mut rng = crate::rng::Rng::new(bpm as u32);
    for v in x.iter_mut() {
        *v += db_to_gain(-70.0) * rng.bipolar();
    }

    let settings = OnsetSettings {
        threshold_db,
        ..onset_stage()
    };
    let mut d = OnsetDetector::new(SR, settings);
    let mut found = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        if let Some(o) = d.process(v) {
            found.push(i as i64 - o.onset_age as i64);
        }
    }
    let ms = |samples: i64| samples as f32 / SR * 1000.0;
    let tol = (0.003 * SR) as i64;
    let mut tallies: Vec<(Kind, Tally)> = [
        Kind::Backbeat,
        Kind::FlamMain,
        Kind::Accent,
        Kind::Unaccented,
        Kind::Ghost,
        Kind::Grace,
    ]
    .into_iter()
    .map(|k| (k, Tally::default()))
    .collect();
    for &(time, kind) in &strokes {
        let tally = &mut tallies.iter_mut().find(|t| t.0 == kind).unwrap().1;
        tally.strokes += 1;
        if let Some(&f) = found.iter().find(|&&f| (f - time as i64).abs() <= tol) {
            tally.found += 1;
            tally.errors.push(ms(f - time as i64));
        }
    }
    let unexplained: Vec<i64> = found
        .iter()
        .copied()
        .filter(|&f| !strokes.iter().any(|s| (f - s.0 as i64).abs() <= tol))
        .collect();
    let late = unexplained
        .iter()
        .filter(|&&f| {
            strokes
                .iter()
                .any(|s| f > s.0 as i64 && f - (s.0 as i64) <= (0.010 * SR) as i64)
        })
        .count();
    Run {
        threshold_db,
        ghosts_expected,
        tallies,
        bleed_triggers: unexplained.len() - late,
        late,
    }
}

/// See the module docs: what holds on every kit at every tempo, and the unaccented roll
/// strokes' known limit pinned where it stands.
#[test]
fn recorded_multi_velocity_kits() {
    let mut bleed_triggers = 0;
    for kit in &RECORDED_KITS {
        for bpm in [60.0f32, 100.0, 140.0, 170.0, 200.0] {
            let r = run_kit(kit, bpm);
            let line: Vec<String> = r
                .tallies
                .iter()
                .map(|(k, t)| {
                    let mean = t.errors.iter().map(|e| e.abs()).sum::<f32>()
                        / t.errors.len().max(1) as f32;
                    format!("{k:?} {}/{} ({mean:.2} ms)", t.found, t.strokes)
                })
                .collect();
            println!(
                "{} {bpm} BPM, threshold {:.1} dB{}: {}; bleed triggers {}, late {}",
                kit.name,
                r.threshold_db,
                if r.ghosts_expected {
                    ""
                } else {
                    " (ghosts under the bleed)"
                },
                line.join(", "),
                r.bleed_triggers,
                r.late
            );
            let what = format!("{} {bpm} BPM", kit.name);
            // Backbeats, flam main strokes and roll accents: every one, on time. The
            // backbeat's onset is within 0.7 ms on average (BJA's hardest stroke ramps up
            // over 0.5 ms from its -40 dB point, the truth used here, and is placed 0.4-0.6 ms
            // into that ramp); accents in a fast roll land on the unaccented strokes' swell
            // and may be placed up to 2 ms late.
            for kind in [Kind::Backbeat, Kind::FlamMain, Kind::Accent] {
                let t = r.tally(kind);
                assert_eq!(t.found, t.strokes, "{what}: {kind:?}");
                let mean = t.errors.iter().map(|e| e.abs()).sum::<f32>() / t.found as f32;
                let limit = if kind == Kind::Accent { 1.5 } else { 0.7 };
                assert!(mean <= limit, "{what}: {kind:?} mean error {mean:.2} ms");
            }
            bleed_triggers += r.bleed_triggers;
            // The README's table, per kit: the one bleed trigger is Millo's at 170 BPM, and
            // the backbeat's mean onset error stays under each kit's printed range.
            let millo = kit.name.starts_with("Millo");
            let bja = kit.name.starts_with("BJA");
            let readme_bleed = usize::from(millo && bpm == 170.0);
            assert_eq!(r.bleed_triggers, readme_bleed, "{what}: bleed triggers");
            let backbeat = r.tally(Kind::Backbeat);
            let backbeat_mean =
                backbeat.errors.iter().map(|e| e.abs()).sum::<f32>() / backbeat.found as f32;
            let readme_max_mean = if millo {
                0.29
            } else if bja {
                0.62
            } else {
                0.24
            };
            assert!(
                backbeat_mean <= readme_max_mean + 0.005,
                "{what}: backbeat mean error {backbeat_mean:.3} ms"
            );
            // Unaccented roll strokes: all on The Black Pearl; all up to 100 BPM and none from
            // 140 BPM on Millo; all at 60 BPM and none from 100 BPM on BJA.
            let unaccented = r.tally(Kind::Unaccented);
            let all = if millo {
                bpm <= 100.0
            } else if bja {
                bpm <= 60.0
            } else {
                true
            };
            if all {
                assert_eq!(unaccented.found, unaccented.strokes, "{what}: unaccented");
                if !millo && !bja && bpm == 200.0 {
                    // The Black Pearl at 200 BPM: placed 1.25 ms late on average.
                    let late = unaccented.errors.iter().sum::<f32>() / unaccented.found as f32;
                    assert!(
                        (late - 1.25).abs() <= 0.005,
                        "{what}: unaccented {late:.3} ms"
                    );
                }
            } else {
                assert_eq!(unaccented.found, 0, "{what}: unaccented");
            }
        }
    }
    // One kick-and-hat onset on a ringing tail across all 15 grooves (Millo, 170 BPM).
    assert!(bleed_triggers <= 1, "{bleed_triggers}");
}

/// The onset stage alone (Reject Bleed off): these tests measure onsets on recorded strokes.
fn onset_stage() -> OnsetSettings {
    OnsetSettings {
        reject_bleed: false,
        ..OnsetSettings::default()
    }
}
