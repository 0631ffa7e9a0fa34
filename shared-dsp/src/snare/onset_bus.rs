//! Onsets shared between Snare Layerers in one process (issue 14, "leakage suppression across
//! instances"): every instance publishes the onsets its onset stage finds, by host timeline
//! position, and a snare instance vetoes a candidate that coincides with a clearly stronger
//! event on another instance's track: the kick's or the hat's own mic, where that drum stands at
//! full strength while its bleed on the snare mic stands 6-14 dB under the snare. It is the
//! sidechain Reject's rule (`reject.rs`: from
//! [`VETO_BEFORE_MS`](super::reject::VETO_BEFORE_MS) before the candidate to
//! [`VETO_AFTER_MS`](super::reject::VETO_AFTER_MS) after it, [`VETO_MARGIN_DB`] higher against
//! its own loudest hits), with the other mic on another track instead of routed in.
//!
//! Real-time: a fixed number of slots, each written by one instance's audio thread only; an
//! entry is a sequence lock (Lamport 1977; Boehm, "Can seqlocks get along with programming
//! language memory models?", 2012): the writer makes the sequence odd, stores the fields, makes
//! it even; a reader that sees an odd or changed sequence skips the entry. Claiming and
//! releasing a slot are single atomic operations. Nothing allocates after `new`, nothing locks.
//!
//! Alignment is by the host's timeline position: both instances must see the same position for
//! the same input sample (hosts report the transport position of the block being processed).
//! Order: an instance can veto with an onset only once the other instance has processed it. A
//! candidate is judged 6 ms after its onset and the other track's onset is published about
//! 1.5 ms after its onset, so with blocks up to 4.5 ms (216 samples at 48 kHz) the other
//! track's block is always done first when the host processes tracks block by block in step;
//! with longer blocks a veto depends on the order in which the host runs the tracks.

use super::reject::{VETO_MARGIN_DB, within_veto_window};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicUsize, Ordering};

/// Onsets a slot remembers (a veto looks at the last few milliseconds only).
pub const RING: usize = 16;

#[derive(Debug, Default)]
struct Entry {
    /// Even when the fields are stable; bumped to odd while the writer stores them.
    seq: AtomicU32,
    position: AtomicI64,
    /// Level relative to its instance's loudest recent hits, dB (f32 bits).
    level: AtomicU32,
}

#[derive(Debug)]
struct Slot {
    in_use: AtomicBool,
    /// Where the writer puts the next entry (written by the slot's owner only).
    next: AtomicUsize,
    ring: [Entry; RING],
}

impl Slot {
    fn new() -> Self {
        Self {
            in_use: AtomicBool::new(false),
            next: AtomicUsize::new(0),
            ring: std::array::from_fn(|_| Entry::default()),
        }
    }
}

/// The shared onsets of up to `slots` instances.
#[derive(Debug)]
pub struct OnsetBus {
    slots: Box<[Slot]>,
}

/// An instance's claim on one slot of a bus (released when dropped).
#[derive(Debug)]
pub struct BusSlot<B: std::ops::Deref<Target = OnsetBus>> {
    bus: B,
    index: usize,
}

impl OnsetBus {
    /// Allocates `slots` slots (call once, off the audio thread).
    pub fn new(slots: usize) -> Self {
        Self {
            slots: (0..slots).map(|_| Slot::new()).collect(),
        }
    }

    /// The number of slots in use (other instances sharing).
    pub fn instances(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.in_use.load(Ordering::Acquire))
            .count()
    }

    fn claim_index(&self) -> Option<usize> {
        self.slots.iter().position(|s| {
            s.in_use
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        })
    }

    fn release_index(&self, index: usize) {
        let slot = &self.slots[index];
        // Forget the old onsets first, so the next owner's readers never see them.
        for e in &slot.ring {
            e.seq.fetch_add(1, Ordering::AcqRel);
            e.level
                .store(f32::NEG_INFINITY.to_bits(), Ordering::Release);
            e.seq.fetch_add(1, Ordering::AcqRel);
        }
        slot.in_use.store(false, Ordering::Release);
    }

    /// Whether an onset at timeline `position` with level `relative_db` (against its own
    /// instance's loudest recent hits) coincides (`within_veto_window` at `sample_rate`) with an
    /// onset on any slot but `own` that stands [`VETO_MARGIN_DB`] higher against its own
    /// loudest hits.
    pub fn vetoes(&self, own: usize, position: i64, relative_db: f32, sample_rate: f32) -> bool {
        self.slots.iter().enumerate().any(|(k, slot)| {
            k != own
                && slot.in_use.load(Ordering::Acquire)
                && slot.ring.iter().any(|e| {
                    let before = e.seq.load(Ordering::Acquire);
                    if before & 1 == 1 {
                        return false;
                    }
                    let p = e.position.load(Ordering::Acquire);
                    let level = f32::from_bits(e.level.load(Ordering::Acquire));
                    let after = e.seq.load(Ordering::Acquire);
                    after == before
                        && level.is_finite()
                        && within_veto_window(p, position, sample_rate)
                        && level > relative_db + VETO_MARGIN_DB
                })
        })
    }
}

impl<B: std::ops::Deref<Target = OnsetBus>> BusSlot<B> {
    /// Claims a free slot of `bus` (off the audio thread); `None` when all are taken (the
    /// instance then works alone).
    pub fn claim(bus: B) -> Option<Self> {
        let index = bus.claim_index()?;
        Some(Self { bus, index })
    }

    pub fn index(&self) -> usize {
        self.index
    }

    /// Publishes one onset (audio thread: lock-free, allocation-free).
    #[inline]
    pub fn publish(&self, position: i64, relative_db: f32) {
        let slot = &self.bus.slots[self.index];
        let k = slot.next.load(Ordering::Relaxed);
        slot.next.store((k + 1) % RING, Ordering::Relaxed);
        let e = &slot.ring[k];
        e.seq.fetch_add(1, Ordering::AcqRel);
        e.position.store(position, Ordering::Release);
        e.level.store(relative_db.to_bits(), Ordering::Release);
        e.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether another instance's onset vetoes this one's candidate (see
    /// [`OnsetBus::vetoes`]); `sample_rate` sets the window.
    #[inline]
    pub fn vetoed(&self, position: i64, relative_db: f32, sample_rate: f32) -> bool {
        self.bus
            .vetoes(self.index, position, relative_db, sample_rate)
    }
}

impl<B: std::ops::Deref<Target = OnsetBus>> Drop for BusSlot<B> {
    fn drop(&mut self) {
        self.bus.release_index(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::super::reject::{VETO_AFTER_MS, VETO_BEFORE_MS};
    use super::*;
    use std::sync::Arc;

    #[test]
    fn slots_are_claimed_once_and_freed_on_drop() {
        let bus = Arc::new(OnsetBus::new(2));
        let a = BusSlot::claim(bus.clone()).unwrap();
        let b = BusSlot::claim(bus.clone()).unwrap();
        assert_ne!(a.index(), b.index());
        assert!(BusSlot::claim(bus.clone()).is_none(), "only two slots");
        assert_eq!(bus.instances(), 2);
        a.publish(1_000, 0.0);
        assert!(b.vetoed(1_000, -10.0, 48_000.0));
        drop(a);
        assert_eq!(bus.instances(), 1);
        // The freed slot's onsets are gone, also for its next owner.
        assert!(!b.vetoed(1_000, -10.0, 48_000.0));
        let c = BusSlot::claim(bus.clone()).unwrap();
        assert!(!b.vetoed(1_000, -10.0, 48_000.0));
        drop(c);
    }

    #[test]
    fn the_veto_rule_is_the_sidechain_rejects() {
        let bus = Arc::new(OnsetBus::new(4));
        let kick = BusSlot::claim(bus.clone()).unwrap();
        let snare = BusSlot::claim(bus.clone()).unwrap();
        let sr = 48_000.0;
        let before = (VETO_BEFORE_MS * 0.001 * sr) as i64;
        let after = (VETO_AFTER_MS * 0.001 * sr) as i64;
        assert!(
            before > after,
            "bleed reaches the snare mic after the kick's own"
        );
        kick.publish(10_000, -1.0);
        // Bleed: 12 dB under the snare on the snare mic, full strength on the kick mic.
        assert!(snare.vetoed(10_000 + before, -12.0, sr));
        assert!(snare.vetoed(10_000 - after, -12.0, sr));
        // Outside the window, or not clearly stronger (a snare struck with the kick): kept.
        assert!(!snare.vetoed(10_000 + before + 1, -12.0, sr));
        assert!(!snare.vetoed(10_000 - after - 1, -12.0, sr));
        assert!(!snare.vetoed(10_000, -1.0, sr));
        assert!(!snare.vetoed(10_000, -7.0 + 0.01, sr));
        // An instance never vetoes itself.
        assert!(!kick.vetoed(10_000, -30.0, sr));
        // The ring keeps the last RING onsets.
        for k in 0..RING as i64 {
            kick.publish(20_000 + 1_000 * k, 0.0);
        }
        assert!(!snare.vetoed(10_000, -12.0, sr), "overwritten");
        assert!(snare.vetoed(20_000, -12.0, sr));
    }

    /// A reader racing a writer never sees an entry whose position and level come from two
    /// different onsets (each onset's level encodes its position).
    #[test]
    fn a_reader_never_sees_a_torn_entry() {
        let bus = Arc::new(OnsetBus::new(2));
        let writer = BusSlot::claim(bus.clone()).unwrap();
        let reader = BusSlot::claim(bus.clone()).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(AtomicI64::new(-1));
        let (done_w, latest_w) = (done.clone(), latest.clone());
        let level_of = |p: i64| -((p % 64) as f32);
        let w = std::thread::spawn(move || {
            let mut p = 0i64;
            while !done_w.load(Ordering::Acquire) {
                writer.publish(p * 1_000, level_of(p));
                latest_w.store(p, Ordering::Release);
                p += 1;
            }
            p
        });
        let (mut checks, mut seen) = (0u64, 0u64);
        while checks < 300_000 {
            // Probe an onset just published (it may be being overwritten): a veto at
            // L - 5.5 needs a stored level over L + 0.5, which only another onset's level torn
            // into this position could give; at L - 6.5 its own level vetoes.
            let p = latest.load(Ordering::Acquire);
            if p < 0 {
                continue;
            }
            let level = level_of(p);
            // A rate of 1 Hz makes the window zero samples wide: only this exact position.
            let torn = reader
                .bus
                .vetoes(reader.index(), p * 1_000, level - 5.5, 1.0);
            assert!(!torn, "position {p}: a level from another onset");
            seen += reader
                .bus
                .vetoes(reader.index(), p * 1_000, level - 6.5, 1.0) as u64;
            checks += 1;
        }
        done.store(true, Ordering::Release);
        let written = w.join().unwrap();
        assert!(written > 0 && seen > 0, "written {written}, seen {seen}");
    }
}
