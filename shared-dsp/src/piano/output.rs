//! The Ache Piano's one render path, shared by the plugin's `process()` and `catalyst play`:
//! events applied on their exact sample, the engine rendered in sub-blocks between them, then the
//! output stage (the Volume control's gain and the soft safety ceiling).
//!
//! Before this path existed the CLI clamped at ±4.0 while the plugin bent toward a soft
//! ceiling, so loud renders differed between the two; now both call [`render_piano_block`].
//!
//! Events are generic so this module knows nothing of the plugin framework: the caller passes
//! `(sample offset in the block, event)` pairs in time order and a function that applies one
//! event to the engine (the plugin crate's MIDI routing).

use super::PianoEngine;
use crate::denormal::ScopedFlushDenormals;
use crate::output_ceiling::{soft_ceiling, soft_ceiling_block};

/// Output is untouched up to this magnitude (+6 dBFS) ...
pub const PIANO_OUTPUT_KNEE: f32 = 2.0;
/// ... then bends toward this ceiling (+12 dBFS), which it never reaches
/// ([`crate::output_ceiling`]).
pub const PIANO_OUTPUT_CEILING: f32 = 4.0;

/// The output stage for one sample: `x · gain`, then the soft ceiling (NaN and infinities become
/// silence).
#[inline]
pub fn piano_output_sample(x: f32, gain: f32) -> f32 {
    soft_ceiling(x * gain, PIANO_OUTPUT_KNEE, PIANO_OUTPUT_CEILING)
}

/// The output stage for a run of samples, each with its own gain: the same result, bit for bit,
/// as [`piano_output_sample`] per sample, but the gain is a vectorised multiply and the ceiling
/// only a scan unless some sample is beyond the knee or not finite.
#[inline]
pub fn piano_output_block(x: &mut [f32], gain: &[f32]) {
    for (v, g) in x.iter_mut().zip(gain) {
        *v *= g;
    }
    soft_ceiling_block(x, PIANO_OUTPUT_KNEE, PIANO_OUTPUT_CEILING);
}

/// Samples whose gains [`render_piano_block`] asks for at once.
const GAIN_CHUNK: usize = 64;

/// Renders one block of `left.len()` stereo samples into `left`/`right` (overwritten).
///
/// `events` yields `(offset, event)` in non-decreasing offset order, offsets counted in samples
/// from the start of this block. Each event is applied with `apply` before the sample at its
/// offset is rendered, so a note starts on its exact sample; events at or past the block end are
/// applied after the last sample (a host should not send them; they are not dropped). `gain`
/// fills runs of up to 64 per-sample output gains, in order (a smoother's `next_block_exact`,
/// or `fill` with a constant): one call per run instead of one per sample, so the output stage
/// vectorises (issue 16: it was most of what the plugin's wrapper added to the engine).
///
/// Flushes denormals for its duration; allocates nothing.
///
/// # Panics
/// Debug builds assert that `left` and `right` have the same length.
pub fn render_piano_block<E>(
    engine: &mut PianoEngine,
    left: &mut [f32],
    right: &mut [f32],
    events: impl Iterator<Item = (usize, E)>,
    mut apply: impl FnMut(&mut PianoEngine, &E),
    mut gain: impl FnMut(&mut [f32]),
) {
    debug_assert_eq!(
        left.len(),
        right.len(),
        "left and right must be the same length"
    );
    let _ftz = ScopedFlushDenormals::new();
    let n = left.len().min(right.len());
    let mut events = events.peekable();
    let mut pos = 0;
    while pos < n {
        while let Some((_, event)) = events.next_if(|(at, _)| *at <= pos) {
            apply(engine, &event);
        }
        // Render up to the next event (at least one sample, so time always moves on).
        let end = events.peek().map_or(n, |(at, _)| (*at).min(n)).max(pos + 1);
        engine.render(&mut left[pos..end], &mut right[pos..end]);
        pos = end;
    }
    for (_, event) in events {
        apply(engine, &event);
    }
    let mut gains = [0.0f32; GAIN_CHUNK];
    for (l, r) in left[..n]
        .chunks_mut(GAIN_CHUNK)
        .zip(right[..n].chunks_mut(GAIN_CHUNK))
    {
        let g = &mut gains[..l.len()];
        gain(g);
        piano_output_block(l, g);
        piano_output_block(r, g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_stage_is_transparent_below_the_knee_and_bounded_above() {
        // Below +6 dBFS the stage is exactly the gain; no gain and input drives it to +12 dBFS.
        assert_eq!(piano_output_sample(0.5, 2.0), 1.0);
        assert_eq!(piano_output_sample(-1.0, 1.5), -1.5);
        // In f32 the tanh saturates, so a huge input lands on the ceiling itself, never above.
        assert!(piano_output_sample(1.0e6, 1.0) <= PIANO_OUTPUT_CEILING);
        assert!(piano_output_sample(3.0, 1.0) > PIANO_OUTPUT_KNEE);
        assert_eq!(piano_output_sample(f32::NAN, 1.0), 0.0);
    }

    #[test]
    fn the_block_output_stage_matches_the_per_sample_one_bit_for_bit() {
        // Below and beyond the knee, at the ceiling, NaN and infinities, with a moving gain.
        let x: Vec<f32> = (0..300)
            .map(|i| match i {
                7 => f32::NAN,
                8 => f32::INFINITY,
                9 => f32::NEG_INFINITY,
                _ => 5.0 * ((i as f32) * 0.37).sin(),
            })
            .collect();
        let gain: Vec<f32> = (0..300).map(|i| 0.2 + i as f32 / 150.0).collect();
        let want: Vec<f32> = x
            .iter()
            .zip(&gain)
            .map(|(&v, &g)| piano_output_sample(v, g))
            .collect();
        let mut got = x.clone();
        piano_output_block(&mut got, &gain);
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        // A quiet run is untouched but for the gain.
        let mut quiet = [0.25f32; 8];
        piano_output_block(&mut quiet, &[2.0; 8]);
        assert_eq!(quiet, [0.5; 8]);
    }

    #[test]
    fn a_note_starts_on_its_sample_inside_the_block() {
        let mut engine = PianoEngine::new(48_000.0);
        let (mut l, mut r) = (vec![0.0f32; 512], vec![0.0f32; 512]);
        render_piano_block(
            &mut engine,
            &mut l,
            &mut r,
            [(300usize, 60u8)].into_iter(),
            |e, &key| e.note_on(key, 0.9),
            |g| g.fill(1.0),
        );
        assert!(l[..300].iter().all(|&x| x == 0.0));
        let onset = l.iter().position(|&x| x.abs() > 1e-6).unwrap();
        assert!((300..303).contains(&onset), "onset at {onset}");
    }

    #[test]
    fn events_at_the_block_end_are_applied_not_dropped() {
        let mut engine = PianoEngine::new(48_000.0);
        let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        render_piano_block(
            &mut engine,
            &mut l,
            &mut r,
            [(64usize, 60u8), (900, 61)].into_iter(),
            |e, &key| e.note_on(key, 0.9),
            |g| g.fill(1.0),
        );
        assert!(
            l.iter().all(|&x| x == 0.0),
            "nothing sounds inside this block"
        );
        assert_eq!(engine.keys_down()[0], (1 << 60) | (1 << 61));
    }
}
