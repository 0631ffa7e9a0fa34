//! Shared by the criterion benches: the benchmark thread's CPU time as criterion's
//! measurement, so other work on a shared machine does not count against the code measured.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

/// CPU time the calling thread has used, in nanoseconds.
#[cfg(unix)]
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the OS knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Wall-clock fallback where there is no per-thread CPU clock.
#[cfg(not(unix))]
pub fn thread_cpu_ns() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

/// Criterion measurement: thread CPU time in nanoseconds, shown as % of one core (one
/// iteration renders one second of audio).
pub struct ThreadCpuTime;

struct PercentOfCore;

impl ValueFormatter for PercentOfCore {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        // ns per rendered second -> percent of one core.
        for v in values {
            *v *= 1e-7;
        }
        "% core"
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        _values: &mut [f64],
    ) -> &'static str {
        "(n/a)"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &PercentOfCore
    }
}
