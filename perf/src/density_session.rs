//! A big session of Density Meters (issue 15, item 7): 64 instances in one process, each a
//! stereo track with its own `DensityTracker` and its own registry slot, run the way a host runs
//! them: one shared transport, block by block, every track's block in turn; each closed bar is
//! published into one `Registry` (what the plugin's `process` does), and one open editor takes
//! `Registry::snapshot` every frame (60 Hz, the whole tracks x bars grid and its clashes).
//!
//! The same tracks can run [`SessionLayout::Alone`]: each in a session of its own (its own
//! registry and its own 60 Hz editor), one after the other: "64 times one instance". The cost of
//! `Together` over the cost of `Alone` is the scale overhead the issue bounds at 5 %: what a
//! shared registry, its larger snapshot and 64 engines' state in the caches add.
//!
//! Material: five sources a track reads at its own bar offset (a full mix at eight offsets,
//! a drum groove, two bass lines, a pad), cycled like `density-full-mix`: the host loops the
//! last eight bars of a 256-bar song whose first 248 bars every track has already heard, so
//! the editor's grid is 64 tracks x 256 bars, the grid the issue sizes the editor for.

use crate::Workload;
use density_meter::registry::{Registry, TrackSlot};
use shared_dsp::density::arrangement::{ArrangementGrid, Cell, TrackRow};
use shared_dsp::density::bands::{NO_PROFILE_DB, PROFILE_BANDS};
use shared_dsp::density::{BarStats, DensityTracker, Transport};
use shared_dsp::synth_material::{arrangement, drum_groove};
use std::f32::consts::TAU;
use std::sync::Arc;

const BPM: f64 = 120.0;
/// Bars of the song heard before the loop; the loop is its last `LOOP_BARS`.
pub const SONG_BARS: usize = 256;
const LOOP_BARS: usize = 8;
/// The editor's frame rate.
const FRAMES_PER_SECOND: usize = 60;

/// How the tracks share a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionLayout {
    /// All tracks in one session: one registry, one editor.
    Together,
    /// Each track in a session of its own.
    Alone,
}

struct Track {
    tracker: DensityTracker,
    slot: Arc<TrackSlot>,
    source: usize,
    /// First sample of this track's loop in its source.
    offset: usize,
}

struct Session {
    registry: Registry,
    tracks: Vec<Track>,
}

pub struct DensitySessionWorkload {
    /// Mono sources, each at least `offset + LOOP_BARS` bars long for every track reading it;
    /// played on both channels.
    sources: Arc<Vec<Vec<f32>>>,
    sessions: Vec<Session>,
    /// Sample position within the loop (the host's transport: one for every track).
    pos: usize,
    sample_rate: u32,
    block_size: usize,
    bar_samples: usize,
    /// Samples since the last editor frame.
    since_frame: usize,
}

impl DensitySessionWorkload {
    pub fn new(sample_rate: u32, block_size: usize, tracks: usize, layout: SessionLayout) -> Self {
        let bar_samples = (4.0 * 60.0 / BPM * sample_rate as f64).round() as usize;
        let loop_samples = LOOP_BARS * bar_samples;
        let sources = Arc::new(sources(sample_rate, loop_samples));
        let mix_bars = sources[0].len() / bar_samples;
        let track = |registry: &Registry, k: usize| {
            let source = k % sources.len();
            // The mix is read at eight different bar offsets (verse, build, chorus, outro).
            let offset_bars = if source == 0 {
                (k / sources.len() * 5) % (mix_bars - LOOP_BARS + 1)
            } else {
                0
            };
            let slot = registry.register(&format!("Track {}", k + 1));
            let mut tracker = DensityTracker::new(sample_rate as f32, 2);
            // The song so far, as a restored state: the meter's own timeline and the registry
            // both hold it, as after a session load.
            let heard: Vec<BarStats> = (0..SONG_BARS - LOOP_BARS)
                .map(|bar| heard_bar(k, bar))
                .collect();
            tracker.restore_bars(&heard);
            for b in &heard {
                slot.publish(b);
            }
            Track {
                tracker,
                slot,
                source,
                offset: offset_bars * bar_samples,
            }
        };
        let sessions = match layout {
            SessionLayout::Together => {
                let registry = Registry::default();
                let tracks = (0..tracks).map(|k| track(&registry, k)).collect();
                vec![Session { registry, tracks }]
            }
            SessionLayout::Alone => (0..tracks)
                .map(|k| {
                    let registry = Registry::default();
                    let tracks = vec![track(&registry, k)];
                    Session { registry, tracks }
                })
                .collect(),
        };
        Self {
            sources,
            sessions,
            // Playback starts half a second into the loop's first bar, so a bar closes 1.5 s in:
            // inside the second the guard counts (after its warm-up second), with the
            // snapshot rebuild it causes.
            pos: bar_samples / 4,
            sample_rate,
            block_size,
            bar_samples,
            since_frame: 0,
        }
    }

    /// Tracks across every session.
    pub fn tracks(&self) -> usize {
        self.sessions.iter().map(|s| s.tracks.len()).sum()
    }

    /// What an editor on the first session sees now.
    pub fn snapshot(&self) -> ArrangementGrid {
        self.sessions[0].registry.snapshot()
    }

    fn transport(&self) -> Transport {
        let beats = self.pos as f64 / self.sample_rate as f64 * BPM / 60.0;
        Transport::playing(BPM, (4, 4), ((SONG_BARS - LOOP_BARS) * 4) as f64 + beats)
    }
}

/// The five sources, each `loop_samples` long except the mix (the whole 48-bar arrangement).
fn sources(sample_rate: u32, loop_samples: usize) -> Vec<Vec<f32>> {
    let sr = sample_rate as f32;
    let mix = arrangement(sample_rate, BPM as f32);
    let (mut drums, _) = drum_groove(sample_rate, BPM as f32, LOOP_BARS);
    drums.resize(loop_samples, 0.0);
    // A bass line: a plucked note on every beat (exponential decay, 0.3 s), one pitch.
    let bass = |freq_hz: f32| -> Vec<f32> {
        let beat = sr * 60.0 / BPM as f32;
        (0..loop_samples)
            .map(|i| {
                let since = (i as f32 % beat) / sr;
                0.5 * (-since / 0.3).exp() * (TAU * freq_hz * i as f32 / sr).sin()
            })
            .collect()
    };
    // A pad: an A minor triad held throughout, slow tremolo.
    let pad: Vec<f32> = (0..loop_samples)
        .map(|i| {
            let t = i as f32 / sr;
            let tremolo = 0.75 + 0.25 * (TAU * 0.25 * t).sin();
            let chord: f32 = [220.0f32, 261.63, 329.63]
                .iter()
                .map(|f| (TAU * f * t).sin())
                .sum();
            0.12 * tremolo * chord
        })
        .collect();
    vec![mix, drums, bass(41.2), bass(55.0), pad]
}

/// The song's grid as the editor shows it: `tracks` x `bars` of [`heard_bar`]s (the grid
/// benchmark's input, the size the issue sizes the editor for: 64 x 256).
pub fn song_grid(tracks: usize, bars: usize) -> ArrangementGrid {
    ArrangementGrid::from_rows(
        (0..tracks)
            .map(|k| TrackRow {
                id: k as u64 + 1,
                name: format!("Track {}", k + 1),
                bus: false,
                cells: (0..bars)
                    .map(|bar| Some(Cell::of_bar(&heard_bar(k, bar))))
                    .collect(),
            })
            .collect(),
    )
}

/// Track `k`'s bar `bar` of the song before the loop: each track drops out one section in four
/// (eight-bar sections), and one track in eight loads the sub band (kicks, bass), so the grid
/// has gaps and a realistic number of low-end clashes.
fn heard_bar(k: usize, bar: usize) -> BarStats {
    let plays = !(bar / 8 + k).is_multiple_of(4);
    let low_band_share = if k.is_multiple_of(8) {
        [0.5, 0.2, 0.1]
    } else {
        [0.05, 0.1, 0.15]
    };
    let density = 20.0 + (k * 7 + bar) as f32 % 60.0;
    BarStats {
        index: bar as i32,
        duration_s: 2.0,
        coverage: 1.0,
        loudness_lufs: if plays { -18.0 } else { -80.0 },
        true_peak_dbtp: -3.0,
        plr_db: 15.0,
        occupancy: density / 100.0,
        flatness: 0.2,
        onset_rate_hz: 4.0,
        low_share: low_band_share[0] + low_band_share[1],
        low_band_share,
        density,
        fill: 0.5,
        band_db: [NO_PROFILE_DB; PROFILE_BANDS],
    }
}

impl Workload for DensitySessionWorkload {
    fn run(&mut self) {
        let loop_samples = LOOP_BARS * self.bar_samples;
        let frame_samples = self.sample_rate as usize / FRAMES_PER_SECOND;
        let mut remaining = self.sample_rate as usize;
        let mut sink = 0usize;
        while remaining > 0 {
            // Host blocks end at the loop point, as a cycling host splits them.
            let n = remaining.min(self.block_size).min(loop_samples - self.pos);
            let transport = self.transport();
            for session in &mut self.sessions {
                for t in &mut session.tracks {
                    let start = t.offset + self.pos;
                    let x = &self.sources[t.source][start..start + n];
                    t.tracker.process(&[x, x], &transport);
                    let slot = &t.slot;
                    t.tracker.drain_finished(|b| {
                        if !b.free_time {
                            slot.publish(&b.stats);
                        }
                    });
                }
            }
            self.since_frame += n;
            if self.since_frame >= frame_samples {
                self.since_frame -= frame_samples;
                for session in &self.sessions {
                    let grid = session.registry.snapshot();
                    sink += grid.bars + grid.clashes.len();
                }
            }
            self.pos += n;
            if self.pos == loop_samples {
                self.pos = 0;
            }
            remaining -= n;
        }
        std::hint::black_box(sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_grid_is_every_track_by_the_whole_song() {
        let mut w = DensitySessionWorkload::new(22_050, 512, 8, SessionLayout::Together);
        assert_eq!(w.tracks(), 8);
        // 17 s: past the loop point (16 s), so the loop's bars have closed and been published.
        for _ in 0..17 {
            w.run();
        }
        let grid = w.snapshot();
        assert_eq!(grid.tracks.len(), 8);
        assert_eq!(grid.bars, SONG_BARS);
        // Every track closed the first loop bars from its audio: a real density, heard.
        for t in &grid.tracks {
            let looped = t.cells[SONG_BARS - LOOP_BARS].expect("the first loop bar closed");
            assert!(
                looped.density > 0.0 && looped.density <= 100.0,
                "{looped:?}"
            );
            assert!(looped.loudness_lufs > -40.0, "{looped:?}");
        }
        // Tracks 0 of 8 loads the sub in the song so far, alone: none of those bars clash.
        assert!(
            grid.clashes
                .iter()
                .all(|c| c.bar >= (SONG_BARS - LOOP_BARS) as i32)
        );

        // Alone: eight sessions of one track each, each editor sees its own track only.
        let alone = DensitySessionWorkload::new(22_050, 512, 8, SessionLayout::Alone);
        assert_eq!(alone.tracks(), 8);
        assert_eq!(alone.snapshot().tracks.len(), 1);
    }
}
