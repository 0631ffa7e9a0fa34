//! Proves the audio thread's side of the arrangement registry allocates nothing: a running
//! engine publishing every closed bar into the instance's `TrackSlot`, then clearing it and
//! marking it a bus, all under the guard the plugin's `process` runs under (nice-plug's
//! `assert_process_allocs`: its global allocator aborts on any allocation inside
//! `assert_no_alloc`). Debug builds only: release builds disable the guard.
#![cfg(debug_assertions)]

use density_meter::registry::Registry;
use nice_assert_no_alloc::assert_no_alloc;
use shared_dsp::density::{DensityTracker, Transport};

#[test]
fn track_slot_publish_and_clear_never_allocate() {
    let sr = 48_000.0;
    let mut tracker = DensityTracker::new(sr, 1);
    let x: Vec<f32> = (0..sr as usize * 12)
        .map(|n| 0.3 * (n as f32 * 0.01).sin())
        .collect();
    let registry = Registry::default();
    let slot = registry.register("track");
    let mut published = 0;
    assert_no_alloc(|| {
        for (i, block) in x.chunks(333).enumerate() {
            let pos_beats = (i * 333) as f64 / sr as f64 * 2.0;
            tracker.process(&[block], &Transport::playing(120.0, (4, 4), pos_beats));
            tracker.drain_finished(|b| {
                slot.publish(&b.stats);
                published += 1;
            });
        }
        tracker.flush();
        tracker.drain_finished(|b| {
            slot.publish(&b.stats);
            published += 1;
        });
    });
    // 12 s at 120 BPM in 4/4: six 2 s bars.
    assert_eq!(published, 6);
    assert_eq!(registry.snapshot().bars, 6);
    assert_no_alloc(|| {
        slot.set_bus(true);
        slot.clear();
        slot.set_bus(false);
        std::hint::black_box(slot.version());
    });
    assert_eq!(registry.snapshot().bars, 0, "cleared");
}

/// Run by [`the_guard_aborts_an_allocation`] in a child process: it must not survive.
#[test]
#[ignore = "aborts on purpose; run by the_guard_aborts_an_allocation"]
fn allocating_under_the_guard() {
    assert_no_alloc(|| std::hint::black_box(Vec::<u8>::with_capacity(10)));
}

/// The guard is live in this test binary: an allocation under it kills the process, so the test
/// above would fail if publishing allocated.
#[test]
fn the_guard_aborts_an_allocation() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "allocating_under_the_guard"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // It did run (and died in it), rather than matching no test.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("running 1 test"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
