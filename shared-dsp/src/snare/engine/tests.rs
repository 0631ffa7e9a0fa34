//! Tests of the whole engine: timing, layers, mix, robustness.
use super::*;
use crate::snare::presets::factory_presets;
use crate::snare::sample_player::SampleData;
use catalyst_test_support::drum_hits::add_snare;
use catalyst_test_support::measure::{centroid_hz, decay_ms};

fn run(
    engine: &mut SnareEngine,
    input: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>, Vec<HitEvent>) {
    let mut l = input.to_vec();
    let mut r = input.to_vec();
    let mut hits = Vec::new();
    let mut start = 0;
    while start < input.len() {
        let end = (start + block).min(input.len());
        {
            let mut chans: [&mut [f32]; 2] = [&mut l[start..end], &mut r[start..end]];
            engine.process(&mut chans, &[]);
        }
        for h in engine.hits() {
            hits.push(HitEvent {
                offset: h.offset + start,
                ..*h
            });
        }
        start = end;
    }
    (l, r, hits)
}

fn tail_only() -> SnareSettings {
    let mut s = onset_stage_settings();
    s.mix.humanize = 0.0;
    s.layers.cabinet.common.enabled = false;
    s.layers.tail.common.enabled = true;
    s.layers.tail.grit = 0.0;
    s
}

#[test]
fn impulse_layer_lands_exactly_at_the_reported_latency() {
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        let mut s = tail_only();
        s.mix.layer_solo = true;
        let mut e = SnareEngine::new(sr, s);
        let latency = e.latency_samples();
        assert_eq!(latency, (0.004 * sr).round() as usize);
        let t0 = 3_000;
        // Impulse-like hit: a full-scale click followed by 2 ms of decaying noise.
        let mut x = vec![0.0f32; 12_000];
        let mut rng = crate::rng::Rng::new(11);
        x[t0] = 0.9;
        for i in 1..(0.002 * sr) as usize {
            x[t0 + i] = 0.9 * (-(i as f32) / (0.0005 * sr)).exp() * rng.bipolar();
        }
        let (l, _, hits) = run(&mut e, &x, 64);
        assert_eq!(hits.len(), 1, "sr {sr}");
        assert_eq!(hits[0].offset, t0 + latency, "sr {sr}");
        let first = l.iter().position(|v| v.abs() > 0.0).unwrap();
        assert_eq!(first, t0 + latency, "sr {sr}");
        // The dry path is delayed by exactly the same amount.
        let mut s = tail_only();
        s.layers.tail.common.enabled = false;
        let mut e = SnareEngine::new(sr, s);
        let (l, _, _) = run(&mut e, &x, 37);
        assert_eq!(l.iter().position(|v| v.abs() > 0.0).unwrap(), t0 + latency);
        assert!((l[t0 + latency] - 0.9).abs() < 1e-6);
    }
}

/// Invert flips the layer's polarity exactly (layers solo: the output is the layer alone),
/// and flipping it while the layer rings fades through zero instead of jumping.
#[test]
fn invert_flips_the_layer_and_switches_without_a_jump() {
    let sr = 48_000.0;
    let mut x = vec![0.0f32; 12_000];
    let mut rng = crate::rng::Rng::new(5);
    add_snare(&mut x, sr, 2_000, 0.5, &mut rng);
    let mut s = tail_only();
    s.mix.layer_solo = true;
    s.mix.dry_db = -120.0;
    let (plain, _, _) = run(&mut SnareEngine::new(sr, s), &x, 64);
    s.layers.tail.common.invert = true;
    let (flipped, _, _) = run(&mut SnareEngine::new(sr, s), &x, 64);
    assert!(plain.iter().any(|v| v.abs() > 0.01));
    let worst = plain
        .iter()
        .zip(&flipped)
        .fold(0.0f32, |m, (a, b)| m.max((a + b).abs()));
    assert!(worst < 1e-6, "{worst}");

    // Flip the (tonal) Body layer while it rings: the gain glides through zero, so no
    // sample-to-sample step is larger than the tone's own (a hard flip would jump by twice
    // its amplitude).
    let mut s = tail_only();
    s.layers.tail.common.enabled = false;
    s.layers.body.common.enabled = true;
    s.mix.layer_solo = true;
    s.mix.dry_db = -120.0;
    let (plain, _, _) = run(&mut SnareEngine::new(sr, s), &x, 64);
    let mut e = SnareEngine::new(sr, s);
    let (mut l, mut r) = (x.clone(), x.clone());
    let split = 2_000 + 192 + 1_000;
    let mut chans: [&mut [f32]; 2] = [&mut l[..split], &mut r[..split]];
    e.process(&mut chans, &[]);
    s.layers.body.common.invert = true;
    e.set_settings(&s);
    let mut chans: [&mut [f32]; 2] = [&mut l[split..], &mut r[split..]];
    e.process(&mut chans, &[]);
    let step = |v: &[f32]| v.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    let around = &l[split - 200..split + 2_000];
    let own = step(&plain[split - 200..split + 2_000]);
    let amplitude = plain[split - 300..split]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        amplitude > 10.0 * own,
        "the tone must be ringing at the flip"
    );
    assert!(step(around) <= 1.2 * own, "{} vs {own}", step(around));
    // ... and ends up flipped.
    let late = split + 2_000;
    assert!(l[late] * plain[late] < 0.0 || plain[late] == 0.0);
}

#[test]
fn zero_latency_mode_reports_zero_and_starts_within_a_millisecond() {
    let sr = 48_000.0;
    let mut s = tail_only();
    s.detector.lookahead = false;
    let mut e = SnareEngine::new(sr, s);
    assert_eq!(e.latency_samples(), 0);
    let mut x = vec![0.0f32; 12_000];
    let mut rng = crate::rng::Rng::new(1);
    add_snare(&mut x, sr, 3_000, 0.5, &mut rng);
    let (_, _, hits) = run(&mut e, &x, 128);
    assert_eq!(hits.len(), 1);
    let delay_ms = (hits[0].offset - 3_000) as f32 / sr * 1000.0;
    assert!(delay_ms > 0.0 && delay_ms < 1.0, "{delay_ms}");
}

#[test]
fn switching_timing_mode_changes_the_latency() {
    let mut s = tail_only();
    let mut e = SnareEngine::new(48_000.0, s);
    assert_eq!(e.latency_samples(), 192);
    s.detector.lookahead = false;
    e.set_settings(&s);
    assert_eq!(e.latency_samples(), 0);
}

#[test]
fn sidechain_can_trigger_while_main_input_is_silent() {
    let sr = 48_000.0;
    let mut s = tail_only();
    s.mix.trigger_from_sidechain = true;
    let mut e = SnareEngine::new(sr, s);
    let mut sc = vec![0.0f32; 9_600];
    let mut rng = crate::rng::Rng::new(2);
    add_snare(&mut sc, sr, 1_000, 0.5, &mut rng);
    add_snare(&mut sc, sr, 6_000, 0.5, &mut rng);
    let mut l = vec![0.0f32; 9_600];
    let mut r = vec![0.0f32; 9_600];
    let mut count = 0;
    for ((lc, rc), sc) in l.chunks_mut(256).zip(r.chunks_mut(256)).zip(sc.chunks(256)) {
        let mut chans: [&mut [f32]; 2] = [lc, rc];
        e.process(&mut chans, &[sc, sc]);
        count += e.hits().len();
    }
    assert_eq!(count, 2);
    assert!(l.iter().any(|v| v.abs() > 0.01));
}

#[test]
fn survives_garbage_any_block_size_and_sample_rate() {
    for sr in [22_050.0f32, 44_100.0, 192_000.0] {
        let mut e = SnareEngine::new(sr, onset_stage_settings());
        let mut rng = crate::rng::Rng::new(4);
        for block in [1usize, 7, 64, 511, 8192] {
            let mut l: Vec<f32> = (0..block)
                .map(|n| match n % 7 {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    2 => 1.0e-39,
                    3 => 1.0,
                    _ => rng.bipolar(),
                })
                .collect();
            let mut r = l.clone();
            let mut chans: [&mut [f32]; 2] = [&mut l, &mut r];
            e.process(&mut chans, &[]);
            assert!(
                l.iter()
                    .chain(r.iter())
                    .all(|v| v.is_finite() && v.abs() <= OUTPUT_LIMIT)
            );
        }
        // Mono and an empty block.
        let mut m = vec![0.5f32; 100];
        let mut chans: [&mut [f32]; 1] = [&mut m];
        e.process(&mut chans, &[]);
        assert!(m.iter().all(|v| v.is_finite()));
        let mut none: [&mut [f32]; 0] = [];
        e.process(&mut none, &[]);
    }
}

#[test]
fn listen_mode_outputs_the_band_passed_detector_signal() {
    let sr = 48_000.0;
    let mut s = tail_only();
    s.mix.listen_detector = true;
    let mut e = SnareEngine::new(sr, s);
    // A 60 Hz hum (kick band) is removed by the detector band-pass, a 1 kHz tone is not.
    let hum: Vec<f32> = (0..24_000)
        .map(|n| 0.5 * (std::f32::consts::TAU * 60.0 * n as f32 / sr).sin())
        .collect();
    let (l, _, _) = run(&mut e, &hum, 256);
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    assert!(
        rms(&l[12_000..]) < 0.01 * rms(&hum[12_000..]),
        "{}",
        rms(&l[12_000..])
    );
}

fn impulse_hits(sr: f32, onsets: &[usize], len: usize) -> Vec<f32> {
    let mut x = vec![0.0f32; len];
    let mut rng = crate::rng::Rng::new(11);
    for &t0 in onsets {
        x[t0] = 0.9;
        for i in 1..(0.002 * sr) as usize {
            x[t0 + i] = 0.9 * (-(i as f32) / (0.0005 * sr)).exp() * rng.bipolar();
        }
    }
    x
}

#[test]
fn sample_layer_plays_the_loaded_sample_on_the_onset() {
    let sr = 48_000.0;
    let mut s = tail_only();
    s.layers.tail.common.enabled = false;
    s.layers.sample.common.enabled = true;
    s.layers.sample.common.level_db = 0.0;
    s.mix.layer_solo = true;
    s.mix.layer_db = 0.0;
    s.detector.dynamics = 0.0;
    let mut e = SnareEngine::new(sr, s);
    // A DC "sample" of 0.25 for 1000 samples: easy to find and measure.
    let old = e.swap_sample(Some(Box::new(SampleData {
        frames: vec![0.25; 1_000],
    })));
    assert!(old.is_none());
    let x = impulse_hits(sr, &[2_000], 8_000);
    let (l, r, hits) = run(&mut e, &x, 100);
    assert_eq!(hits.len(), 1);
    let start = 2_000 + e.latency_samples();
    assert_eq!(l.iter().position(|v| v.abs() > 1e-6), Some(start));
    // Centre pan, unity level and velocity: the sample comes out as it is (the default
    // 2 s decay shaves a little off by the end).
    assert!((l[start + 10] - 0.25).abs() < 0.002 && (r[start + 10] - 0.25).abs() < 0.002);
    assert!(l[start + 1_200].abs() < 1e-6);
    // No sample: silence, no panic.
    assert!(e.swap_sample(None).is_some());
    let (l, _, hits) = run(&mut e, &x, 100);
    assert_eq!(hits.len(), 1);
    assert!(l.iter().all(|v| v.abs() < 1e-6));
}

#[test]
fn block_splitting_lands_every_layer_start_on_its_sample_for_any_block_size() {
    // Layer starts (onset + latency) at 2560 (first sample of a 64-block), 5192 and 8192
    // (two in one 8192-block, the second at its end boundary = first sample of the next),
    // 16063 (last sample of a 64-block). Every block size must give the same hits and
    // the same signal as processing one sample at a time.
    let sr = 48_000.0;
    let starts = [2_560usize, 5_192, 8_192, 16_063];
    for lookahead in [true, false] {
        let mut s = onset_stage_settings();
        s.detector.lookahead = lookahead;
        s.mix.humanize = 0.5;
        s.layers.cabinet.common.enabled = true;
        s.layers.tail.common.enabled = true;
        s.layers.tail.grit = 0.6;
        s.layers.body.common.enabled = true;
        s.layers.sample.common.enabled = true;
        s.layers.sample.common.pitch_semitones = 0.3;
        let make = || {
            let mut e = SnareEngine::new(sr, s);
            e.swap_sample(Some(Box::new(SampleData {
                frames: (0..3_000)
                    .map(|n| ((n as f32) * 0.05).sin() * 0.5)
                    .collect(),
            })));
            e
        };
        let latency = make().latency_samples();
        let onsets: Vec<usize> = starts.iter().map(|&t| t - 192).collect();
        let x = impulse_hits(sr, &onsets, 24_000);
        let (ref_l, ref_r, ref_hits) = run(&mut make(), &x, 1);
        assert_eq!(ref_hits.len(), starts.len(), "lookahead {lookahead}");
        if lookahead {
            assert_eq!(latency, 192);
            let got: Vec<usize> = ref_hits.iter().map(|h| h.offset).collect();
            assert_eq!(got, starts);
        }
        for h in &ref_hits {
            assert_eq!(h.sample_time, h.offset as u64);
        }
        let peak = ref_l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for block in [37usize, 64, 8192] {
            let (l, r, hits) = run(&mut make(), &x, block);
            assert_eq!(hits, ref_hits, "block {block}");
            let worst = crate::test_util::max_abs_diff(&l, &ref_l)
                .max(crate::test_util::max_abs_diff(&r, &ref_r));
            assert!(
                worst < 1.0e-4 * peak,
                "block {block}: {worst} vs peak {peak}"
            );
        }
    }
}

#[test]
fn humanize_varies_each_hit_within_its_bounds() {
    let sr = 48_000.0;
    let onsets: Vec<usize> = (0..12).map(|k| 2_000 + k * 6_000).collect();
    let x = impulse_hits(sr, &onsets, 80_000);
    let levels = |humanize: f32| {
        let mut s = tail_only();
        s.mix.layer_solo = true;
        s.mix.humanize = humanize;
        s.detector.dynamics = 0.0;
        s.layers.tail.common.enabled = false;
        s.layers.body.common.enabled = true;
        s.layers.body.drop_semitones = 0.0;
        let mut e = SnareEngine::new(sr, s);
        let (l, _, hits) = run(&mut e, &x, 256);
        assert_eq!(hits.len(), onsets.len());
        hits.iter()
            .map(|h| {
                let seg = &l[h.offset + 48..h.offset + 1_000];
                crate::util::gain_to_db(seg.iter().fold(0.0f32, |m, v| m.max(v.abs())))
            })
            .collect::<Vec<f32>>()
    };
    let fixed = levels(0.0);
    let spread = |v: &[f32]| {
        v.iter().cloned().fold(f32::MIN, f32::max) - v.iter().cloned().fold(f32::MAX, f32::min)
    };
    assert!(spread(&fixed) < 0.05, "{fixed:?}");
    let human = levels(1.0);
    // ±3 dB level (plus the decay variation over the first 20 ms): varied, but bounded.
    assert!(spread(&human) > 1.0 && spread(&human) < 7.0, "{human:?}");
}

#[test]
fn factory_presets_sound_different() {
    let sr = 48_000.0;
    let mut x = vec![0.0f32; 48_000];
    let mut rng = crate::rng::Rng::new(5);
    add_snare(&mut x, sr, 1_000, 0.5, &mut rng);
    let mut measures = Vec::new();
    for p in factory_presets() {
        let mut s = onset_stage_settings();
        s.mix.humanize = 0.0;
        s.mix.layer_solo = true;
        s.layers = p.layers;
        let mut e = SnareEngine::new(sr, s);
        let (l, r, _) = run(&mut e, &x, 256);
        let mono: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a + b)).collect();
        let onset = 1_000 + e.latency_samples();
        let c = centroid_hz(&mono[onset..onset + 8192], sr);
        let d = decay_ms(&mono[onset..], sr, 30.0);
        println!(
            "{:>15}: centroid {c:7.0} Hz, -30 dB decay {d:6.0} ms",
            p.name
        );
        assert!(c.is_finite() && d > 0.0);
        measures.push((p.name, c, d));
    }
    eprintln!("{measures:?}");
    // The README's preset table: centroid to 0.1 kHz, -30 dB decay to 5 ms.
    let readme = [
        ("Filing Cabinet", 4.2f32, 310.0f32),
        ("Trash Lid", 7.5, 385.0),
        ("Wire Rattle", 6.9, 185.0),
        ("Fat Body", 1.8, 130.0),
        ("Lo-fi Crack", 6.1, 110.0),
        ("Tin Can", 3.4, 100.0),
        ("Big Plate", 3.3, 795.0),
        ("808 Snap", 7.4, 70.0),
    ];
    for (name, khz, ms) in readme {
        let &(_, c, d) = measures
            .iter()
            .find(|m| m.0 == name)
            .unwrap_or_else(|| panic!("no preset {name}"));
        assert!((c / 1000.0 - khz).abs() <= 0.05, "{name}: centroid {c} Hz");
        assert!((d - ms).abs() <= 5.0, "{name}: decay {d} ms");
    }
    for (i, a) in measures.iter().enumerate() {
        for b in &measures[i + 1..] {
            let dc = (a.1 / b.1).ln().abs();
            let dd = (a.2 / b.2).ln().abs();
            // Distinct: centroid differs by > 10 % or decay by > 20 %.
            assert!(dc > 0.095 || dd > 0.18, "{} vs {}: {a:?} {b:?}", a.0, b.0);
        }
    }
}

/// Renders `x` as one bounce starting at `position` on the host timeline (64-sample blocks),
/// after 10 s of silence (the producer stops, then exports: the detector's memory of recent
/// hits, a 2 s time constant, has let go of the last take by then).
fn bounce(e: &mut SnareEngine, x: &[f32], position: i64) -> Vec<f32> {
    let idle = vec![0.0f32; (10.0 * e.sample_rate()) as usize];
    e.set_timeline_position(None);
    run(e, &idle, 512);
    e.set_timeline_position(Some(position));
    let (l, r, _) = run(e, x, 64);
    l.into_iter().chain(r).collect()
}

/// Snare hits of varied level every 250 ms for 3 s, then silence (room for every tail).
fn snare_track(sr: f32) -> Vec<f32> {
    let mut x = vec![0.0f32; (4.5 * sr) as usize];
    let mut rng = crate::rng::Rng::new(21);
    for k in 0..12 {
        let amp = 0.3 + 0.05 * (k % 5) as f32;
        add_snare(
            &mut x,
            sr,
            (0.1 * sr) as usize + k * (0.25 * sr) as usize,
            amp,
            &mut rng,
        );
    }
    x
}

/// Two bounces of one session are identical bit for bit, with every random part at work
/// (humanize at full, the cabinet's noise excitation, the noise tail): what one bounce drew
/// must not shift what the next one draws. A different seed, or the same audio elsewhere on
/// the timeline, varies the layers.
#[test]
fn a_bounce_repeats_bit_for_bit() {
    let sr = 48_000.0;
    let mut s = onset_stage_settings();
    s.mix.humanize = 1.0;
    s.layers.cabinet.common.enabled = true;
    s.layers.cabinet.noise_excite = 0.8;
    s.layers.tail.common.enabled = true;
    let x = snare_track(sr);
    let mut e = SnareEngine::new(sr, s);
    let first = bounce(&mut e, &x, 96_000);
    let second = bounce(&mut e, &x, 96_000);
    assert!(first.iter().all(|v| v.is_finite()));
    assert_eq!(e.total_hits(), 24, "every hit found in both bounces");
    let differing = first.iter().zip(&second).filter(|(a, b)| a != b).count();
    let at: Vec<(usize, f32, f32)> = first
        .iter()
        .zip(&second)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i, *a, *b))
        .take(5)
        .collect();
    assert_eq!(
        differing, 0,
        "{differing} samples differ between two bounces: {at:?}"
    );

    // Elsewhere on the timeline, or with another seed: the same hits vary.
    let moved = bounce(&mut e, &x, 96_000 + 48_000);
    let mut other = s;
    other.mix.seed = 7;
    let mut e7 = SnareEngine::new(sr, other);
    let reseeded = bounce(&mut e7, &x, 96_000);
    for (what, y) in [("moved", &moved), ("seed 7", &reseeded)] {
        let differing = first.iter().zip(y).filter(|(a, b)| a != b).count();
        assert!(
            differing > first.len() / 10,
            "{what}: only {differing} samples differ"
        );
    }
}

/// Without a host timeline (a stopped transport, the CLI) the engine clock seeds the hits: a
/// reset engine renders the same file identically.
#[test]
fn without_a_timeline_a_reset_engine_repeats() {
    let sr = 44_100.0;
    let mut s = onset_stage_settings();
    s.mix.humanize = 1.0;
    s.layers.tail.common.enabled = true;
    let x = snare_track(sr);
    let mut e = SnareEngine::new(sr, s);
    let (a, _, _) = run(&mut e, &x, 512);
    e.reset();
    let (b, _, _) = run(&mut e, &x, 512);
    assert_eq!(a, b);
}

/// At the default settings Reject Bleed is on: lookahead mode reports 8 ms and the judged hits
/// still start their layers on the stroke's onset, at any block size; a hi-hat between the
/// strokes is not layered.
#[test]
fn default_reject_bleed_reports_8_ms_and_lands_layers_on_the_onset() {
    use catalyst_test_support::drum_hits::add_hat;
    use catalyst_test_support::recorded::recorded_hit;
    for sr in [44_100.0f32, 96_000.0] {
        let mut s = tail_only();
        s.detector = SnareSettings::default().detector;
        assert!(s.detector.reject_bleed, "Reject Bleed is the default");
        let snare = recorded_hit("The Black Pearl 1.0", "PearlSnare-Hardest.wav", sr);
        let mut x = vec![0.0f32; (4.0 * sr) as usize];
        let mut rng = crate::rng::Rng::new(5);
        let mut onsets = Vec::new();
        for k in 0..7 {
            let onset = (0.1 * sr) as usize + k * (0.5 * sr) as usize;
            onsets.push(onset);
            for (o, v) in x[onset - snare.onset..].iter_mut().zip(&snare.frames) {
                *o += 0.5 * v;
            }
            add_hat(&mut x, sr, onset + (0.25 * sr) as usize, 0.15, &mut rng);
        }
        for block in [1usize, 64, 4096] {
            let mut e = SnareEngine::new(sr, s);
            let latency = e.latency_samples();
            assert_eq!(latency, (0.008 * sr).round() as usize);
            let (_, _, hits) = run(&mut e, &x, block);
            assert_eq!(hits.len(), onsets.len(), "sr {sr} block {block}");
            for (h, &onset) in hits.iter().zip(&onsets) {
                let error_ms = (h.offset as f32 - (onset + latency) as f32) / sr * 1000.0;
                assert!(
                    error_ms.abs() <= 0.5,
                    "sr {sr} block {block}: {error_ms} ms"
                );
                assert!(h.confidence > 0.0 && h.confidence <= 1.0);
            }
        }
    }
}

/// Dry Gate (at the default settings otherwise, Reject Bleed on): on a snare with hi-hat bleed
/// between its strokes, the dry output keeps each stroke untouched through the hold (delayed by
/// the latency) and takes the hats, and the snare's own ring after the release, down to the
/// floor, at any block size.
#[test]
fn dry_gate_keeps_the_strokes_and_takes_the_bleed_between_to_the_floor() {
    use crate::snare::dry_gate::DryGateSettings;
    use catalyst_test_support::drum_hits::add_hat;
    use catalyst_test_support::recorded::recorded_hit;
    let sr = 48_000.0f32;
    let mut s = SnareSettings::default();
    for common in [
        &mut s.layers.cabinet.common,
        &mut s.layers.tail.common,
        &mut s.layers.body.common,
        &mut s.layers.sample.common,
    ] {
        common.enabled = false;
    }
    s.mix.dry_gate = DryGateSettings {
        enabled: true,
        hold_ms: 100.0,
        release_ms: 50.0,
        floor_db: -40.0,
    };
    let snare = recorded_hit("The Black Pearl 1.0", "PearlSnare-Hardest.wav", sr);
    let ms = |v: f32| (v * 0.001 * sr) as usize;
    let mut x = vec![0.0f32; ms(4_000.0)];
    let mut rng = crate::rng::Rng::new(11);
    let mut onsets = Vec::new();
    for k in 0..7 {
        let onset = ms(100.0) + k * ms(500.0);
        onsets.push(onset);
        for (o, v) in x[onset - snare.onset..].iter_mut().zip(&snare.frames) {
            *o += 0.5 * v;
        }
        add_hat(&mut x, sr, onset + ms(250.0), 0.15, &mut rng);
    }
    for block in [1usize, 64, 4096] {
        let mut e = SnareEngine::new(sr, s);
        let latency = e.latency_samples();
        let (y, _, hits) = run(&mut e, &x, block);
        assert_eq!(hits.len(), onsets.len(), "block {block}");
        for &onset in &onsets {
            // Open from the onset through the hold (less the onset's placement error, within
            // 0.5 ms): the dry stroke exactly.
            for k in onset..onset + ms(99.5) {
                assert!(
                    (y[k + latency] - x[k]).abs() <= 1e-6,
                    "block {block}: stroke at {onset} changed at {k}"
                );
            }
            // The hat 250 ms after the stroke, with the snare's ring under it: at the floor.
            let hat = onset + ms(250.0);
            let energy = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>();
            let ratio_db = 10.0
                * (energy(&y[hat + latency..hat + latency + ms(30.0)])
                    / energy(&x[hat..hat + ms(30.0)]))
                .log10();
            assert!(
                (ratio_db + 40.0).abs() < 0.1,
                "block {block}: bleed at {ratio_db} dB"
            );
        }
    }
}

/// Trigger Source "Main, sidechain rejects": a kick mic on the sidechain keeps the kick bleed
/// on the snare mic from being layered; with the plain main input it is layered.
#[test]
fn a_kick_mic_on_the_sidechain_rejects_the_kick_bleed() {
    use catalyst_test_support::drum_hits::kick_and_snare_mics;
    let sr = 48_000.0;
    let (kick_mic, snare_mic, strokes) = kick_and_snare_mics(sr, 9);
    let count = |reject: bool| {
        let mut s = tail_only();
        s.detector.threshold_db = -60.0;
        s.mix.reject_from_sidechain = reject;
        let mut e = SnareEngine::new(sr, s);
        let mut hits = 0;
        for (m, k) in snare_mic.chunks(256).zip(kick_mic.chunks(256)) {
            let mut l = m.to_vec();
            e.process(&mut [&mut l], &[k]);
            hits += e.hits().len();
        }
        hits
    };
    let plain = count(false);
    assert_eq!(count(true), strokes.len(), "the snare strokes, no bleed");
    assert!(
        plain > strokes.len(),
        "the bleed triggers without Reject ({plain} hits)"
    );
}

/// Engine defaults with the onset stage alone (Reject Bleed off): these tests drive the engine
/// with impulses and synthetic strokes, which the snare fingerprint (rightly) rejects; they
/// measure scheduling, latency and the layers, not the judgement.
fn onset_stage_settings() -> SnareSettings {
    let mut s = SnareSettings::default();
    s.detector.reject_bleed = false;
    s
}
