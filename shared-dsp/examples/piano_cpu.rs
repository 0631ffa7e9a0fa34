//! CPU cost of the Ache Piano engine at 48 kHz in 64-sample blocks (run with `--release`):
//! `cargo run --release -p shared-dsp --example piano_cpu`.
//! Patterns from issue #9: a 4-note chord every second, and 64 held voices with the pedal down.

use shared_dsp::piano::{PRESETS, PianoEngine, PianoSettings};
use std::time::Instant;

/// CPU time this thread has run, in seconds (Linux `schedstat`), so a busy shared machine
/// does not inflate the figures; falls back to wall-clock time elsewhere.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

const SR: f32 = 48_000.0;
const BLOCK: usize = 64;

/// Renders `seconds` of audio, calling `events(engine, block_index)` before each block; returns
/// the fraction of one core used (render time / audio time).
fn cost(
    settings: &PianoSettings,
    seconds: f32,
    mut events: impl FnMut(&mut PianoEngine, usize),
) -> f64 {
    let mut e = PianoEngine::new(SR);
    e.set_settings(settings);
    e.snap_controls();
    let mut l = [0.0f32; BLOCK];
    let mut r = [0.0f32; BLOCK];
    let blocks = (seconds * SR) as usize / BLOCK;
    let mut sink = 0.0f32;
    let start = Instant::now();
    let cpu_start = thread_cpu_s();
    for b in 0..blocks {
        events(&mut e, b);
        e.render(&mut l, &mut r);
        sink += l[0] + r[BLOCK - 1];
    }
    let elapsed = match (cpu_start, thread_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => start.elapsed().as_secs_f64(),
    };
    std::hint::black_box(sink);
    elapsed / (blocks * BLOCK) as f64 * SR as f64
}

fn main() {
    let blocks_per_s = SR as usize / BLOCK;
    let chord = |e: &mut PianoEngine, b: usize| {
        let chords = [
            [48u8, 55, 60, 64],
            [45, 52, 57, 60],
            [41, 48, 53, 57],
            [43, 50, 55, 59],
        ];
        if b.is_multiple_of(blocks_per_s) {
            let c = chords[(b / blocks_per_s) % 4];
            let prev = chords[(b / blocks_per_s + 3) % 4];
            for k in prev {
                e.note_off(k);
            }
            for k in c {
                e.note_on(k, 0.7);
            }
        }
    };
    for (name, s) in [
        ("clean", PianoSettings::clean()),
        ("default", PianoSettings::default()),
        ("Tape Memory", PRESETS[3].settings),
    ] {
        let c = cost(&s, 30.0, chord);
        println!(
            "4-note chord per second, {name}: {:.3} % of one core",
            c * 100.0
        );
    }
    for (name, s) in [
        ("default", PianoSettings::default()),
        ("Tape Memory (wow+flutter)", PRESETS[3].settings),
    ] {
        let held = |e: &mut PianoEngine, b: usize| {
            if b == 0 {
                e.set_sustain(1.0);
                for k in 0..64u8 {
                    e.note_on(30 + k, 0.8);
                }
            }
        };
        let c = cost(&s, 10.0, held);
        println!(
            "64 held voices with sustain (first 10 s), {name}: {:.2} % of one core",
            c * 100.0
        );
        // Worst case: every resonator alive, i.e. the first second after the strike.
        let c = cost(&s, 0.5, held);
        println!(
            "64 voices, first 0.5 s after the strike, {name}: {:.2} % of one core",
            c * 100.0
        );
    }
}
