//! The hit scheduler: hits the detector found, waiting for the output sample where their layers
//! start. In lookahead mode a hit is found before its onset is heard (the dry signal is delayed
//! by the latency) and is scheduled up to the latency ahead; in zero-latency mode it starts at
//! once.

use super::onset::Onset;

/// Scheduled hits waiting for their layer start (a hit is scheduled up to the detector's
/// latency ahead; its hold time keeps them few).
pub const MAX_PENDING: usize = 8;

pub struct HitScheduler {
    /// (engine clock of the layer start, onset), in detection order. Holds the `MAX_PENDING`
    /// the detector may schedule ahead plus those detected in the chunk being processed.
    pending: [(u64, Onset); 2 * MAX_PENDING],
    len: usize,
}

impl HitScheduler {
    pub fn new() -> Self {
        Self {
            pending: [(0, Onset::default()); 2 * MAX_PENDING],
            len: 0,
        }
    }

    /// Forgets every waiting hit (a reset, or a timing change: they refer to the old timeline).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Queues a hit found at engine time `now` for its start `onset.start_delay` later.
    #[cold]
    pub fn schedule(&mut self, onset: Onset, now: u64) {
        // As many as were scheduled and not yet started when this hit was found.
        let waiting = self.pending[..self.len]
            .iter()
            .filter(|p| p.0 > now)
            .count();
        let room = self.len < self.pending.len();
        if room && (onset.start_delay == 0 || waiting < MAX_PENDING) {
            self.pending[self.len] = (now + onset.start_delay as u64, onset);
            self.len += 1;
        }
    }

    /// Takes the first hit (in detection order) due at or before `now`.
    #[inline]
    pub fn take_due(&mut self, now: u64) -> Option<Onset> {
        let k = self.pending[..self.len].iter().position(|p| p.0 <= now)?;
        let onset = self.pending[k].1;
        self.pending.copy_within(k + 1..self.len, k);
        self.len -= 1;
        Some(onset)
    }

    /// Offset from `clock0` of the next start, or `limit` if none comes before it.
    #[inline]
    pub fn next_start(&self, clock0: u64, limit: usize) -> usize {
        self.pending[..self.len]
            .iter()
            .map(|p| p.0.saturating_sub(clock0) as usize)
            .fold(limit, usize::min)
    }
}

impl Default for HitScheduler {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onset(delay: usize, velocity: f32) -> Onset {
        Onset {
            start_delay: delay,
            velocity,
            ..Onset::default()
        }
    }

    #[test]
    fn hits_start_on_their_sample_in_detection_order() {
        let mut s = HitScheduler::new();
        s.schedule(onset(192, 0.5), 1_000);
        s.schedule(onset(0, 0.9), 1_100);
        assert_eq!(s.next_start(1_000, 500), 100);
        assert!(s.take_due(1_099).is_none());
        assert_eq!(s.take_due(1_100).unwrap().velocity, 0.9);
        assert_eq!(s.next_start(1_100, 500), 92);
        assert_eq!(s.take_due(1_192).unwrap().velocity, 0.5);
        assert!(s.take_due(u64::MAX).is_none());
        assert_eq!(s.next_start(1_200, 64), 64);
    }

    /// No more than `MAX_PENDING` hits wait ahead; zero-delay hits always find room while the
    /// queue has any.
    #[test]
    fn at_most_max_pending_wait_ahead() {
        let mut s = HitScheduler::new();
        for k in 0..20u64 {
            s.schedule(onset(1_000, 1.0), k);
        }
        let mut n = 0;
        while s.take_due(u64::MAX).is_some() {
            n += 1;
        }
        assert_eq!(n, MAX_PENDING);
        s.schedule(onset(0, 1.0), 5);
        assert!(s.take_due(5).is_some());
    }
}
