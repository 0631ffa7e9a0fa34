//! Denormal (subnormal) handling.
//!
//! Recursive filters and decaying resonators produce subnormal floats as they ring out; on x86
//! each operation on one can cost ~100 cycles, which showed as a 4.8x slowdown in a strict CLAP
//! validator. Two defences, used together:
//! - [`ScopedFlushDenormals`] sets the CPU's flush-to-zero (FTZ) and denormals-are-zero (DAZ)
//!   modes for the duration of a `process()` call and restores the host's mode afterwards;
//! - [`flush`] snaps tiny state values to zero where a filter state is stored, for platforms or
//!   hosts where the mode cannot be set.

/// Values whose magnitude is below this are treated as silence in filter states (-300 dBFS).
pub const DENORMAL_THRESHOLD: f32 = 1.0e-15;

/// Returns `x`, or `0.0` when `|x|` is below [`DENORMAL_THRESHOLD`].
#[inline(always)]
pub fn flush(x: f32) -> f32 {
    if x.abs() < DENORMAL_THRESHOLD { 0.0 } else { x }
}

/// Replaces NaN and infinities with `0.0` and clamps to `±limit`. Used on every input sample a
/// plugin reads so that a bad host buffer can never poison a filter state.
#[inline(always)]
pub fn sanitize(x: f32, limit: f32) -> f32 {
    if x.is_finite() {
        x.clamp(-limit, limit)
    } else {
        0.0
    }
}

/// Sets FTZ and DAZ while alive and restores the previous floating-point control state on drop.
/// Create one at the top of `process()`; it costs two register moves.
pub struct ScopedFlushDenormals {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    previous_mxcsr: u32,
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    previous_fpcr: u64,
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
const MXCSR_FTZ: u32 = 1 << 15;
#[cfg(all(target_arch = "x86_64", not(miri)))]
const MXCSR_DAZ: u32 = 1 << 6;
#[cfg(all(target_arch = "aarch64", not(miri)))]
const FPCR_FZ: u64 = 1 << 24;

impl ScopedFlushDenormals {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        {
            let mut mxcsr: u32 = 0;
            // SAFETY: stmxcsr/ldmxcsr only read/write the SSE control register; FTZ and DAZ change
            // results only for subnormal values, which we want to be zero anyway.
            unsafe {
                std::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr, options(nostack));
                let new = mxcsr | MXCSR_FTZ | MXCSR_DAZ;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack));
            }
            Self {
                previous_mxcsr: mxcsr,
            }
        }
        #[cfg(all(target_arch = "aarch64", not(miri)))]
        {
            let fpcr: u64;
            // SAFETY: only the FZ bit of the floating-point control register changes.
            unsafe {
                std::arch::asm!("mrs {}, fpcr", out(reg) fpcr);
                std::arch::asm!("msr fpcr, {}", in(reg) fpcr | FPCR_FZ);
            }
            Self {
                previous_fpcr: fpcr,
            }
        }
        #[cfg(not(any(
            all(target_arch = "x86_64", not(miri)),
            all(target_arch = "aarch64", not(miri))
        )))]
        {
            Self {}
        }
    }
}

impl Drop for ScopedFlushDenormals {
    fn drop(&mut self) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        // SAFETY: restores the value read in `new`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.previous_mxcsr, options(nostack));
        }
        #[cfg(all(target_arch = "aarch64", not(miri)))]
        // SAFETY: restores the value read in `new`.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) self.previous_fpcr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_zeroes_tiny_values_only() {
        assert_eq!(flush(1.0e-20), 0.0);
        assert_eq!(flush(-1.0e-30), 0.0);
        assert_eq!(flush(1.0e-6), 1.0e-6);
    }

    #[test]
    fn sanitize_removes_nan_and_inf_and_clamps() {
        assert_eq!(sanitize(f32::NAN, 4.0), 0.0);
        assert_eq!(sanitize(f32::INFINITY, 4.0), 0.0);
        assert_eq!(sanitize(f32::NEG_INFINITY, 4.0), 0.0);
        assert_eq!(sanitize(10.0, 4.0), 4.0);
        assert_eq!(sanitize(-0.5, 4.0), -0.5);
    }

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn scoped_mode_flushes_subnormal_results_and_restores() {
        let tiny = std::hint::black_box(f32::MIN_POSITIVE);
        let half = std::hint::black_box(0.5f32);
        // Without the guard, MIN_POSITIVE * 0.5 is a subnormal.
        assert!(tiny * half > 0.0);
        {
            let _guard = ScopedFlushDenormals::new();
            assert_eq!(std::hint::black_box(tiny) * std::hint::black_box(half), 0.0);
        }
        assert!(std::hint::black_box(tiny) * std::hint::black_box(half) > 0.0);
    }
}
