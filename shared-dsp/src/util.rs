//! Small conversions used everywhere.

/// Decibels to linear gain: 10^(dB/20). `-inf` dB gives 0.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    if db <= -200.0 {
        0.0
    } else {
        10f32.powf(db / 20.0)
    }
}

/// Linear gain to decibels, floored at -200 dB.
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    if gain <= 1.0e-10 {
        -200.0
    } else {
        20.0 * gain.log10()
    }
}

/// MIDI note number to frequency for a given A4 reference (12-TET).
#[inline]
pub fn midi_to_hz(note: f32, a4_hz: f32) -> f32 {
    a4_hz * 2f32.powf((note - 69.0) / 12.0)
}

/// Ratio for a pitch offset in cents.
#[inline]
pub fn cents_to_ratio(cents: f32) -> f32 {
    2f32.powf(cents / 1200.0)
}

/// Equal-power pan law: `pan` in [-1, 1] to (left, right) gains, -3 dB each at centre.
#[inline]
pub fn equal_power_pan(pan: f32) -> (f32, f32) {
    let angle = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    (angle.cos(), angle.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trip() {
        for db in [-60.0f32, -6.0, 0.0, 12.0] {
            assert!((gain_to_db(db_to_gain(db)) - db).abs() < 1e-4);
        }
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-4);
    }

    #[test]
    fn a4_and_octaves() {
        assert!((midi_to_hz(69.0, 440.0) - 440.0).abs() < 1e-3);
        assert!((midi_to_hz(57.0, 440.0) - 220.0).abs() < 1e-3);
        assert!((midi_to_hz(60.0, 440.0) - 261.6256).abs() < 1e-2);
        assert!((cents_to_ratio(1200.0) - 2.0).abs() < 1e-6);
    }

    #[test]
    fn pan_is_equal_power() {
        for p in [-1.0f32, -0.3, 0.0, 0.7, 1.0] {
            let (l, r) = equal_power_pan(p);
            assert!((l * l + r * r - 1.0).abs() < 1e-5);
        }
        let (l, r) = equal_power_pan(0.0);
        assert!((gain_to_db(l) + 3.0103).abs() < 0.01 && (l - r).abs() < 1e-6);
    }
}
