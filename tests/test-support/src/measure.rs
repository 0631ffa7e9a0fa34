//! Measuring helpers for the snare layers' and engine's tests: decay time, spectral centroid,
//! the strongest DFT peak in a band and the largest sample-to-sample step (a click).

/// Time (ms) after the maximum of `x`'s 5 ms RMS envelope at which it has fallen `drop_db`.
pub fn decay_ms(x: &[f32], sr: f32, drop_db: f32) -> f32 {
    let win = (0.005 * sr) as usize;
    let rms: Vec<f32> = x
        .chunks(win)
        .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let (imax, max) = rms.iter().enumerate().fold(
        (0, 0.0f32),
        |(i, m), (j, &v)| if v > m { (j, v) } else { (i, m) },
    );
    let target = max * 10f32.powf(-drop_db / 20.0);
    let k = rms[imax..]
        .iter()
        .position(|&v| v < target)
        .unwrap_or(rms.len() - imax);
    k as f32 * win as f32 / sr * 1000.0
}

/// Spectral centroid (Hz) via a plain DFT on a decimated grid of bins (tests only).
pub fn centroid_hz(x: &[f32], sr: f32) -> f32 {
    let n = x.len().min(8192);
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for bin in (1..n / 2).step_by(4) {
        let w = std::f64::consts::TAU * bin as f64 / n as f64;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (i, &v) in x[..n].iter().enumerate() {
            re += v as f64 * (w * i as f64).cos();
            im -= v as f64 * (w * i as f64).sin();
        }
        let mag = (re * re + im * im).sqrt();
        num += mag * bin as f64 * sr as f64 / n as f64;
        den += mag;
    }
    (num / den.max(1e-20)) as f32
}

/// Frequency (Hz) of the strongest DFT peak between `lo` and `hi` (1 Hz steps).
pub fn peak_hz(x: &[f32], sr: f32, lo: f32, hi: f32) -> f32 {
    let mut best = (lo, 0.0f64);
    let mut f = lo;
    while f <= hi {
        let w = std::f64::consts::TAU * f as f64 / sr as f64;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (i, &v) in x.iter().enumerate() {
            re += v as f64 * (w * i as f64).cos();
            im -= v as f64 * (w * i as f64).sin();
        }
        let mag = re * re + im * im;
        if mag > best.1 {
            best = (f, mag);
        }
        f += 1.0;
    }
    best.0
}

/// Largest sample-to-sample step.
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}
