//! Null test of the piano engine's output across a change (issue 16's CPU work): renders the
//! `piano-chord-per-second`, `piano-chords` and `piano-dense` patterns (default settings, 48 kHz,
//! one-second host blocks, which the engine splits at every event and into 32-sample control
//! blocks; 6 s each) and either writes them as raw little-endian f32 or compares them
//! with such a file, printing the residual's peak and RMS relative to the reference's.
//!   piano-null write FILE      (before the change)
//!   piano-null compare FILE    (after it)

use catalyst_perf::{PianoPattern, PianoWorkload, Workload};

const SECONDS: usize = 6;

fn render() -> Vec<(&'static str, Vec<f32>)> {
    [
        ("piano-chord-per-second", PianoPattern::ChordPerSecond),
        ("piano-chords", PianoPattern::Chords),
        ("piano-dense", PianoPattern::Dense),
    ]
    .into_iter()
    .map(|(name, pattern)| {
        // `run` renders one second as one host block; keep each.
        let mut w = PianoWorkload::new(48_000, 48_000, pattern);
        let mut out = Vec::with_capacity(SECONDS * 96_000);
        for _ in 0..SECONDS {
            w.run();
            let (l, r) = w.output();
            for (a, b) in l.iter().zip(r) {
                out.push(*a);
                out.push(*b);
            }
        }
        (name, out)
    })
    .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: piano-null write|compare FILE");
        std::process::exit(2);
    };
    let renders = render();
    match mode.as_str() {
        "write" => {
            let bytes: Vec<u8> = renders
                .iter()
                .flat_map(|(_, x)| x.iter().flat_map(|v| v.to_le_bytes()))
                .collect();
            std::fs::write(path, bytes).expect("write");
        }
        "compare" => {
            let bytes = std::fs::read(path).expect("read");
            let reference: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let mut offset = 0;
            for (name, x) in &renders {
                let r = &reference[offset..offset + x.len()];
                offset += x.len();
                let (mut e_ref, mut e_res, mut peak_ref, mut peak_res) =
                    (0.0f64, 0.0f64, 0.0f32, 0.0f32);
                for (a, b) in x.iter().zip(r) {
                    e_ref += (*b as f64).powi(2);
                    e_res += ((a - b) as f64).powi(2);
                    peak_ref = peak_ref.max(b.abs());
                    peak_res = peak_res.max((a - b).abs());
                }
                if e_res == 0.0 {
                    println!("{name}: bit-identical");
                    continue;
                }
                let db = |x: f64| 10.0 * x.log10();
                println!(
                    "{name}: residual RMS {:.1} dB, peak {:.1} dB relative to the reference's",
                    db(e_res / e_ref),
                    db((peak_res as f64 / peak_ref as f64).powi(2))
                );
            }
        }
        _ => {
            eprintln!("usage: piano-null write|compare FILE");
            std::process::exit(2);
        }
    }
}
