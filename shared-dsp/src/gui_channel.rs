//! Lock-free channels from the audio thread (single producer) to the editor. The audio thread
//! never waits: it stores with atomics and moves on; the editor reads whatever is newest.
//!
//! - [`GuiValue`]: one `f32` (a meter level, a gain reduction).
//! - [`GuiArray`]: a fixed-size array of `f32` (a spectrum, a history), published as a whole with
//!   a sequence lock (Lamport 1977) made of atomics only, so the reader sees either the previous or
//!   the new snapshot, never a torn mix, and retries instead of blocking the writer.

use atomic_float::AtomicF32;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct GuiValue(AtomicF32);

impl GuiValue {
    pub fn new(value: f32) -> Self {
        Self(AtomicF32::new(value))
    }

    #[inline]
    pub fn store(&self, value: f32) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// Stores the larger of the current and the given value: lets the audio thread accumulate a
    /// peak that the editor then reads and clears with [`GuiValue::take`].
    #[inline]
    pub fn store_max(&self, value: f32) {
        self.0.fetch_max(value, Ordering::Relaxed);
    }

    #[inline]
    pub fn load(&self) -> f32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Reads and resets to `reset_to` in one atomic step.
    pub fn take(&self, reset_to: f32) -> f32 {
        self.0.swap(reset_to, Ordering::Relaxed)
    }
}

#[derive(Debug)]
pub struct GuiArray {
    sequence: AtomicU64,
    values: Box<[AtomicF32]>,
}

impl GuiArray {
    /// Allocates `len` values (call off the audio thread).
    pub fn new(len: usize) -> Self {
        Self {
            sequence: AtomicU64::new(0),
            values: (0..len).map(|_| AtomicF32::new(0.0)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Number of snapshots published so far: the editor can skip redrawing when unchanged.
    pub fn version(&self) -> u64 {
        self.sequence.load(Ordering::Acquire) / 2
    }

    /// Publishes `data` (extra values are ignored, missing ones keep their old value). Wait-free.
    /// Only one thread may write.
    pub fn write(&self, data: &[f32]) {
        let seq = self.sequence.load(Ordering::Relaxed);
        self.sequence.store(seq + 1, Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::Release);
        for (slot, &v) in self.values.iter().zip(data) {
            slot.store(v, Ordering::Relaxed);
        }
        self.sequence.store(seq + 2, Ordering::Release);
    }

    /// Copies the newest complete snapshot into `out`; returns `false` if no consistent snapshot
    /// could be read in a few tries (the writer kept writing), leaving `out` partly updated.
    pub fn read(&self, out: &mut [f32]) -> bool {
        for _ in 0..64 {
            let before = self.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            for (o, slot) in out.iter_mut().zip(self.values.iter()) {
                *o = slot.load(Ordering::Relaxed);
            }
            std::sync::atomic::fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn value_store_max_and_take() {
        let v = GuiValue::new(0.0);
        v.store_max(0.5);
        v.store_max(0.2);
        assert_eq!(v.take(0.0), 0.5);
        assert_eq!(v.load(), 0.0);
    }

    #[test]
    fn reader_never_sees_a_torn_snapshot() {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        // The writer publishes arrays whose elements are all equal; any mix of two snapshots
        // would show two different values. It keeps writing until the reader has made 2000
        // consistent reads while writes were going on, so the test cannot pass vacuously
        // (and does not depend on how the two threads get scheduled).
        const WANTED_READS: usize = 2_000;
        let array = Arc::new(GuiArray::new(256));
        let reads = Arc::new(AtomicUsize::new(0));
        let reader_gave_up = Arc::new(AtomicBool::new(false));
        let writer = {
            let (array, reads, gave_up) = (array.clone(), reads.clone(), reader_gave_up.clone());
            std::thread::spawn(move || {
                let mut data = vec![0.0f32; 256];
                let mut i = 0u32;
                while reads.load(Ordering::Relaxed) < WANTED_READS
                    && !gave_up.load(Ordering::Relaxed)
                {
                    data.fill(i as f32);
                    array.write(&data);
                    i += 1;
                    if i.is_multiple_of(64) {
                        std::thread::yield_now();
                    }
                }
                i
            })
        };
        let mut out = vec![0.0f32; 256];
        let mut attempts = 0u64;
        while reads.load(Ordering::Relaxed) < WANTED_READS {
            attempts += 1;
            if attempts > 50_000_000 {
                reader_gave_up.store(true, Ordering::Relaxed);
                break;
            }
            if array.read(&mut out) {
                assert!(out.iter().all(|&x| x == out[0]), "torn read");
                // Only reads of published snapshots count (the initial zeros are trivially whole).
                if out[0] > 0.0 {
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let written = writer.join().unwrap();
        assert!(
            !reader_gave_up.load(Ordering::Relaxed),
            "reader never got a consistent snapshot"
        );
        assert!(array.read(&mut out));
        assert!(out.iter().all(|&x| x == (written - 1) as f32));
        assert_eq!(array.version(), written as u64);
    }
}
