//! The learned snare fingerprint (Reject Bleed) saved with the project, and the lock-free
//! channel that carries it between the audio thread and the host's state calls.
//!
//! The audio thread publishes what the detector has learned after every block into the live
//! atomics; saving the state reads them. Loading a state (or the editor's "Learn" button) writes
//! a request with a generation counter, which the audio thread applies at its next block, so a
//! project reopened with Reject Bleed on does not have to learn the snare again.
//!
//! Each activation starts from the last request (the project's fingerprint, or the prior), not
//! from what the previous activation learned: hosts feed a plugin audio that is not the session
//! before they activate it for real (pedalboard's load probe is full-scale white noise, which a
//! bright snare's fingerprint can pass), and that must not become "the snare".

use serde::{Deserialize, Serialize};
use shared_dsp::snare::fingerprint::Fingerprint;
use std::sync::atomic::{AtomicU32, Ordering};

/// The fingerprint as stored in the plugin state (JSON). `level_db` is `None` before anything
/// was learned (JSON has no infinity).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedFingerprint {
    pub level_db: Option<f32>,
    pub wires_db: f32,
    pub air_db: f32,
    pub strokes: u32,
}

impl SavedFingerprint {
    pub fn from_fingerprint(f: Fingerprint) -> Self {
        Self {
            level_db: f.level_db.is_finite().then_some(f.level_db),
            wires_db: f.wires_db,
            air_db: f.air_db,
            strokes: f.strokes,
        }
    }

    /// The detector's fingerprint; anything non-finite (a damaged state) gives the prior.
    pub fn to_fingerprint(self) -> Fingerprint {
        let prior = Fingerprint::prior();
        if !self.wires_db.is_finite() || !self.air_db.is_finite() || self.strokes == 0 {
            return prior;
        }
        Fingerprint {
            level_db: self
                .level_db
                .filter(|v| v.is_finite())
                .unwrap_or(prior.level_db),
            wires_db: self.wires_db.clamp(-60.0, 60.0),
            air_db: self.air_db.clamp(-60.0, 60.0),
            strokes: self.strokes,
        }
    }
}

/// Four f32/u32 values as atomics.
#[derive(Debug, Default)]
struct AtomicFingerprint {
    level: AtomicU32,
    wires: AtomicU32,
    air: AtomicU32,
    strokes: AtomicU32,
}

impl AtomicFingerprint {
    fn store(&self, f: Fingerprint) {
        self.level.store(f.level_db.to_bits(), Ordering::Relaxed);
        self.wires.store(f.wires_db.to_bits(), Ordering::Relaxed);
        self.air.store(f.air_db.to_bits(), Ordering::Relaxed);
        self.strokes.store(f.strokes, Ordering::Relaxed);
    }

    fn load(&self) -> Fingerprint {
        Fingerprint {
            level_db: f32::from_bits(self.level.load(Ordering::Relaxed)),
            wires_db: f32::from_bits(self.wires.load(Ordering::Relaxed)),
            air_db: f32::from_bits(self.air.load(Ordering::Relaxed)),
            strokes: self.strokes.load(Ordering::Relaxed),
        }
    }
}

/// Shared between the params (persisted), the editor and the audio thread.
#[derive(Debug)]
pub struct SharedFingerprint {
    live: AtomicFingerprint,
    request: AtomicFingerprint,
    /// Bumped for every request (a loaded state or "learn again"); the audio thread applies a
    /// request when it sees a generation it has not applied.
    generation: AtomicU32,
}

impl Default for SharedFingerprint {
    fn default() -> Self {
        let s = Self {
            live: AtomicFingerprint::default(),
            request: AtomicFingerprint::default(),
            generation: AtomicU32::new(0),
        };
        s.live.store(Fingerprint::prior());
        s.request.store(Fingerprint::prior());
        s
    }
}

impl SharedFingerprint {
    /// What the audio thread learned (audio thread, after each block).
    pub fn publish(&self, f: Fingerprint) {
        self.live.store(f);
    }

    /// The fingerprint to save or show.
    pub fn current(&self) -> Fingerprint {
        self.live.load()
    }

    /// Asks the audio thread to use `f` from its next block.
    pub fn request(&self, f: Fingerprint) {
        self.request.store(f);
        self.live.store(f);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// "Learn from the next 8 hits": forget the learned fingerprint.
    pub fn request_relearn(&self) {
        self.request(Fingerprint::prior());
    }

    /// Where an activation starts: the last requested fingerprint (a loaded state, "learn
    /// again", or the prior when nothing was requested). It becomes the current one.
    pub fn start_activation(&self, applied: &mut u32) -> Fingerprint {
        let _ = self.take_request(applied);
        let f = self.request.load();
        self.live.store(f);
        f
    }

    /// A request the audio thread has not applied yet (`applied` is its last generation).
    pub fn take_request(&self, applied: &mut u32) -> Option<Fingerprint> {
        let generation = self.generation.load(Ordering::Acquire);
        if generation == *applied {
            return None;
        }
        *applied = generation;
        Some(self.request.load())
    }
}

impl<'a> nice_plug::params::persist::PersistentField<'a, SavedFingerprint> for SharedFingerprint {
    fn set(&self, new_value: SavedFingerprint) {
        self.request(new_value.to_fingerprint());
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SavedFingerprint) -> R,
    {
        f(&SavedFingerprint::from_fingerprint(self.current()))
    }
}

/// The params hold it in an `Arc` (shared with the editor and the audio thread).
impl<'a> nice_plug::params::persist::PersistentField<'a, SavedFingerprint>
    for std::sync::Arc<SharedFingerprint>
{
    fn set(&self, new_value: SavedFingerprint) {
        self.as_ref().set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SavedFingerprint) -> R,
    {
        self.as_ref().map(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::params::persist::PersistentField;

    #[test]
    fn a_saved_fingerprint_round_trips_through_json_and_reaches_the_audio_thread() {
        let shared = SharedFingerprint::default();
        let learned = Fingerprint {
            level_db: -21.5,
            wires_db: -9.0,
            air_db: -20.0,
            strokes: 12,
        };
        shared.publish(learned);
        let json = shared.map(|v| serde_json::to_string(v).unwrap());
        let restored = SharedFingerprint::default();
        restored.set(serde_json::from_str(&json).unwrap());
        let mut applied = 0;
        assert_eq!(restored.take_request(&mut applied), Some(learned));
        assert_eq!(restored.take_request(&mut applied), None);
        assert_eq!(restored.current(), learned);
    }

    #[test]
    fn nothing_learned_and_damaged_states_give_the_prior() {
        let prior = Fingerprint::prior();
        let json = serde_json::to_string(&SavedFingerprint::from_fingerprint(prior)).unwrap();
        let back: SavedFingerprint = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_fingerprint(), prior);
        let damaged = SavedFingerprint {
            level_db: Some(f32::NAN),
            wires_db: f32::INFINITY,
            air_db: 0.0,
            strokes: 3,
        };
        assert_eq!(damaged.to_fingerprint(), prior);
        assert!(serde_json::from_str::<SavedFingerprint>("{\"wires_db\": 1}").is_err());
    }

    #[test]
    fn an_activation_forgets_what_the_last_one_learned_and_keeps_the_projects_fingerprint() {
        let shared = SharedFingerprint::default();
        let mut applied = 0;
        let bogus = Fingerprint {
            level_db: -17.4,
            wires_db: -0.4,
            air_db: 2.9,
            strokes: 1,
        };
        // Learned on a host's probe before the session: gone at the next activation.
        shared.publish(bogus);
        assert_eq!(shared.start_activation(&mut applied), Fingerprint::prior());
        assert_eq!(shared.current(), Fingerprint::prior());
        // A project's fingerprint survives any number of re-activations.
        let saved = Fingerprint {
            level_db: -21.5,
            wires_db: -9.0,
            air_db: -20.0,
            strokes: 12,
        };
        shared.set(SavedFingerprint::from_fingerprint(saved));
        assert_eq!(shared.start_activation(&mut applied), saved);
        shared.publish(bogus);
        assert_eq!(shared.start_activation(&mut applied), saved);
        assert_eq!(shared.take_request(&mut applied), None);
    }

    #[test]
    fn relearn_is_a_request_for_the_prior() {
        let shared = SharedFingerprint::default();
        let mut applied = 0;
        shared.request_relearn();
        assert_eq!(
            shared.take_request(&mut applied),
            Some(Fingerprint::prior())
        );
    }
}
