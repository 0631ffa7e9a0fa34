//! The process-wide bus on which Snare Layerers share their onsets (shared-dsp
//! `snare/onset_bus.rs`): one static bus of [`MAX_INSTANCES`] slots; each instance claims a slot
//! when it activates (off the audio thread) and frees it when its engine is dropped. Instances
//! in different processes (a sandboxed host) never see each other and work alone.

use shared_dsp::snare::onset_bus::{BusSlot, OnsetBus};
use std::sync::{Arc, LazyLock};

/// Instances that can share at once (a big session's drum tracks); more work alone.
pub const MAX_INSTANCES: usize = 64;

static BUS: LazyLock<Arc<OnsetBus>> = LazyLock::new(|| Arc::new(OnsetBus::new(MAX_INSTANCES)));

/// A slot on the process's bus, or `None` when every slot is taken. Off the audio thread.
pub fn join() -> Option<BusSlot<Arc<OnsetBus>>> {
    BusSlot::claim(BUS.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_take_distinct_slots_and_free_them() {
        let before = BUS.instances();
        let a = join().unwrap();
        let b = join().unwrap();
        assert_ne!(a.index(), b.index());
        assert!(BUS.instances() >= before + 2);
        let (ia, ib) = (a.index(), b.index());
        drop(a);
        drop(b);
        // Freed slots are taken again (tests in this binary may hold others meanwhile).
        let again: Vec<_> = (0..MAX_INSTANCES).map_while(|_| join()).collect();
        assert!(again.iter().any(|s| s.index() == ia || s.index() == ib));
    }
}
