//! Measurement helpers shared by the unit tests: they measure, they do not assume.

/// Steady-state gain of a per-sample processor at `freq_hz`: feeds a sine for `settle_s` seconds,
/// then compares output RMS to input RMS over the next `measure_s` seconds.
pub fn measure_gain(sample_rate: f32, freq_hz: f32, mut process: impl FnMut(f32) -> f32) -> f32 {
    let settle = (sample_rate * 0.3) as usize;
    // A whole number of periods avoids RMS ripple at low frequencies.
    let periods = (freq_hz * 0.5).ceil().max(20.0);
    let measure = (periods * sample_rate / freq_hz) as usize;
    let w = 2.0 * std::f64::consts::PI * freq_hz as f64 / sample_rate as f64;
    let (mut sum_in, mut sum_out) = (0.0f64, 0.0f64);
    for n in 0..settle + measure {
        let x = (w * n as f64).sin() as f32;
        let y = process(x);
        if n >= settle {
            sum_in += (x as f64).powi(2);
            sum_out += (y as f64).powi(2);
        }
    }
    (sum_out / sum_in).sqrt() as f32
}

/// Finds the frequency where `gain_at(f)` crosses `target` between `lo` and `hi` by bisection on
/// a log scale. `rising` says whether gain increases with frequency over the interval.
pub fn find_crossing(
    mut gain_at: impl FnMut(f32) -> f32,
    target: f32,
    mut lo: f32,
    mut hi: f32,
    rising: bool,
) -> f32 {
    for _ in 0..40 {
        let mid = (lo * hi).sqrt();
        let above = gain_at(mid) > target;
        if above == rising {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (lo * hi).sqrt()
}

pub const MINUS_3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Largest absolute sample difference between two renders (compared over the shorter one).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}
