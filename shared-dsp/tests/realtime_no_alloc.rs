//! Proves the meters run on the audio thread: after construction, processing audio and reading
//! every value allocates nothing. A counting global allocator (this test binary only) counts
//! allocations made by the current thread while a section runs. (The Density Meter's
//! arrangement slot, plugin glue, is proved in `plugins/density-meter/tests/registry_no_alloc.rs`.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by this thread while `f` runs.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(|c| c.get());
    f();
    ALLOCATIONS.with(|c| c.get()) - before
}

#[test]
fn the_counter_sees_an_allocation() {
    let n = allocations_in(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}

#[test]
fn loudness_meter_never_allocates_after_new() {
    use shared_dsp::loudness::LoudnessMeter;
    let sr = 48_000.0;
    let mut meter = LoudnessMeter::new(sr, 2);
    let left: Vec<f32> = (0..sr as usize * 40)
        .map(|n| (0.3 * (n as f32 * 0.05).sin()) * if (n / 48_000) % 7 < 3 { 1.0 } else { 0.1 })
        .collect();
    let right = left.clone();
    let mut sum = 0.0;
    let n = allocations_in(|| {
        // 40 s of audio: fills momentary, short-term, integrated and LRA histories many times.
        for (i, (l, r)) in left.chunks(64).zip(right.chunks(64)).enumerate() {
            meter.process(&[l, r]);
            if i % 64 != 0 {
                continue;
            }
            sum += meter.momentary_lufs() + meter.short_term_lufs() + meter.block_true_peak();
            sum += meter.integrated_lufs() + meter.loudness_range_lu() + meter.true_peak_dbtp();
        }
        meter.reset();
    });
    assert!(sum.is_finite());
    assert_eq!(n, 0, "LoudnessMeter allocated {n} times");
}

#[test]
fn density_tracker_never_allocates_after_new() {
    use shared_dsp::density::{DensityTracker, Transport};
    let sr = 48_000.0;
    let mut tracker = DensityTracker::new(sr, 2);
    let mut state = 1u32;
    let x: Vec<f32> = (0..sr as usize * 12)
        .map(|n| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state as f32 / u32::MAX as f32) * 2.0 - 1.0;
            0.2 * noise + 0.3 * (n as f32 * 0.01).sin()
        })
        .collect();
    let mut pos = 0usize;
    let mut checksum = 0.0f32;
    let n = allocations_in(|| {
        // Bars, a jump, free time, odd block sizes, and draining finished bars.
        for (i, size) in [64usize, 1, 333, 4096, 8192, 17]
            .iter()
            .cycle()
            .take(400)
            .enumerate()
        {
            let end = (pos + size).min(x.len());
            if end <= pos {
                break;
            }
            let block = &x[pos..end];
            let transport = if i < 250 {
                Transport::playing(
                    120.0,
                    (4, 4),
                    pos as f64 / sr as f64 * 2.0 + (i / 200) as f64 * 32.0,
                )
            } else {
                Transport::free()
            };
            tracker.process(&[block, block], &transport);
            tracker.drain_finished(|b| {
                checksum += b.stats.density;
            });
            checksum += tracker.live().density;
            pos = end;
        }
        tracker.flush();
    });
    assert!(checksum.is_finite());
    assert!(tracker.bars().iter().flatten().count() >= 3);
    assert_eq!(n, 0, "DensityTracker allocated {n} times");
}
