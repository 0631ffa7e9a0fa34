//! `SnareEngine`: the whole Snare Layerer, detector + layers + mix, processing slices. The
//! plugin and the command-line tool run exactly this.
//!
//! Timeline: in lookahead mode the dry signal is delayed by the detector's latency, and every
//! hit is scheduled on the output sample where its (delayed) onset is heard, so the layers are
//! phase-aligned with the drum. In zero-latency mode nothing is delayed and layers start as soon
//! as a hit is confirmed.
//!
//! Repeatability: every random choice of a hit (humanize, the noise of its layers) is drawn from
//! a generator seeded by the settings' seed and the hit's position on the host timeline (or the
//! engine clock when the host gives none), never from a generator that runs on across renders:
//! two bounces of one session are identical bit for bit.
//!
//! The parts live beside it: `settings` (what it can be set to), `scheduler` (hits waiting for
//! their start), `delay` (the latency rings), `mix` (gains, pan, solo, listen, bounds) and
//! `scope` (the detector history for the editor).

use super::body_tone::BodyTone;
use super::delay::LatencyDelay;
use super::dry_gate::DryGate;
use super::ghost_lane::GhostLane;
use super::layer::Strike;
use super::mix::{LAYERS, MixBus, MixInputs, sanitize_block};
use super::modal_bank::ModalBank;
use super::noise_tail::NoiseTail;
use super::onset::{MAX_LOOKAHEAD_MS, Onset, OnsetDetector};
use super::onset_bus::{BusSlot, OnsetBus};
use super::reject::SidechainReject;
use super::sample_player::{SampleData, SamplePlayer};
use super::sample_set::SampleSet;
use super::scheduler::HitScheduler;
use super::scope::DetectorScope;
use crate::denormal::sanitize;
use crate::output_ceiling::soft_ceiling_block;
use crate::rng::Rng;
use crate::util::{cents_to_ratio, db_to_gain};
use std::sync::Arc;

pub use super::mix::{OUTPUT_KNEE, OUTPUT_LIMIT};
pub use super::scope::{SCOPE_HOP_MS, SCOPE_POINTS};
pub use super::settings::{LayerSettings, MixSettings, SnareSettings};

/// Hits reported per `process` call at most (a 8192-sample block at 22 kHz holds < 20).
pub const MAX_HITS_PER_BLOCK: usize = 64;
/// Samples processed at a time (the scratch buffers' length); longer blocks are split.
pub(crate) const CHUNK: usize = 256;
// A chunk's trigger is band-filtered for Reject Bleed in one pass before the detector runs.
const _: () = assert!(CHUNK <= super::fingerprint::JUDGE_AHEAD);

/// Per-chunk signals, allocated once.
struct Scratch {
    /// The detector's input.
    trigger: [f32; CHUNK],
    /// The Reject input (sidechain, mono), when it vetoes.
    reject: [f32; CHUNK],
    /// Band-passed detector signal (for "listen to detector").
    band: [f32; CHUNK],
    /// Latency-aligned dry left/right and detector band.
    dry_l: [f32; CHUNK],
    dry_r: [f32; CHUNK],
    band_late: [f32; CHUNK],
    /// Mono dry signal exciting the cabinet.
    excite: [f32; CHUNK],
    /// One buffer per layer (cabinet, tail, body, sample).
    voices: [[f32; CHUNK]; LAYERS],
}

impl Scratch {
    fn new() -> Box<Self> {
        Box::new(Self {
            trigger: [0.0; CHUNK],
            reject: [0.0; CHUNK],
            band: [0.0; CHUNK],
            dry_l: [0.0; CHUNK],
            dry_r: [0.0; CHUNK],
            band_late: [0.0; CHUNK],
            excite: [0.0; CHUNK],
            voices: [[0.0; CHUNK]; LAYERS],
        })
    }
}

/// A hit as reported to the caller (MIDI out, editor display, `--hits-json`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HitEvent {
    /// Sample index in the current block where the layers start (output timeline).
    pub offset: usize,
    /// Samples since the engine was reset, of the layer start (output timeline).
    pub sample_time: u64,
    pub velocity: f32,
    pub peak_db: f32,
    /// 0..1: how surely it is the target drum (1 when bleed rejection is off).
    pub confidence: f32,
    /// A ghost note (the ghost lane), layered at the ghost level.
    pub ghost: bool,
}

pub struct SnareEngine {
    sample_rate: f32,
    settings: SnareSettings,
    detector: OnsetDetector,
    /// Ghost notes the detector leaves (runs with the ghost lane and Reject Bleed on).
    ghost_lane: GhostLane,
    /// The sidechain's own detector when it rejects bleed.
    reject: SidechainReject,
    cabinet: ModalBank,
    tail: NoiseTail,
    body: BodyTone,
    sampler: SamplePlayer,
    sample: Option<Box<SampleSet>>,
    mix: MixBus,
    delay: LatencyDelay,
    latency: usize,
    scheduler: HitScheduler,
    /// The gate on the latency-aligned dry signal, opened by each scheduled hit.
    gate: DryGate,
    scratch: Box<Scratch>,
    hits: [HitEvent; MAX_HITS_PER_BLOCK],
    hit_count: usize,
    total_hits: u64,
    scope: DetectorScope,
    clock: u64,
    /// Host timeline position of the current block's first sample, if the host gives one.
    timeline: Option<i64>,
    /// The engine clock at the current block's first sample (maps the clock onto the timeline).
    block_clock: u64,
    /// This instance's slot on the onsets shared between instances, if it joined one.
    bus: Option<BusSlot<Arc<OnsetBus>>>,
    /// Layers found silent (disabled, gain at zero) and cleared in an earlier block.
    layer_idle: [bool; LAYERS],
}

impl SnareEngine {
    /// Allocates everything; call off the audio thread.
    pub fn new(sample_rate: f32, settings: SnareSettings) -> Self {
        let mut e = Self {
            sample_rate,
            settings,
            detector: OnsetDetector::new(sample_rate, settings.detector),
            ghost_lane: GhostLane::new(sample_rate, settings.detector),
            reject: SidechainReject::new(sample_rate),
            cabinet: ModalBank::new(sample_rate, settings.layers.cabinet),
            tail: NoiseTail::new(sample_rate, settings.layers.tail),
            body: BodyTone::new(sample_rate, settings.layers.body),
            sampler: SamplePlayer::new(sample_rate, settings.layers.sample),
            sample: None,
            mix: MixBus::new(sample_rate),
            delay: LatencyDelay::new(),
            latency: 0,
            scheduler: HitScheduler::new(),
            gate: DryGate::new(sample_rate),
            scratch: Scratch::new(),
            hits: [HitEvent::default(); MAX_HITS_PER_BLOCK],
            hit_count: 0,
            total_hits: 0,
            scope: DetectorScope::new(sample_rate),
            clock: 0,
            timeline: None,
            block_clock: 0,
            bus: None,
            layer_idle: [false; LAYERS],
        };
        e.set_sample_rate(sample_rate);
        e
    }

    /// Re-sizes for a new sample rate (allocates); call off the audio thread. Resets.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.detector.set_sample_rate(sample_rate);
        self.ghost_lane.set_sample_rate(sample_rate);
        self.reject.set_sample_rate(sample_rate);
        self.cabinet.set_sample_rate(sample_rate);
        self.tail.set_sample_rate(sample_rate);
        self.body.set_sample_rate(sample_rate);
        self.sampler.set_sample_rate(sample_rate);
        self.mix.set_sample_rate(sample_rate);
        self.gate.set_sample_rate(sample_rate);
        let max_latency = (MAX_LOOKAHEAD_MS * 0.001 * sample_rate).ceil() as usize + 1;
        self.delay.set_capacity(max_latency, CHUNK);
        self.scope.set_sample_rate(sample_rate);
        let settings = self.settings;
        self.set_settings(&settings);
        self.reset();
    }

    /// Clears all sound and history; smoothed values jump to their targets.
    pub fn reset(&mut self) {
        self.detector.reset();
        self.ghost_lane.reset();
        self.reject.reset();
        self.cabinet.reset();
        self.tail.reset();
        self.body.reset();
        self.sampler.reset();
        if let Some(set) = self.sample.as_deref_mut() {
            set.forget_history();
        }
        self.delay.reset();
        self.scheduler.clear();
        self.gate.reset();
        self.hit_count = 0;
        self.mix.snap();
        self.scope.reset();
        self.clock = 0;
        self.latency = self.detector.latency_samples();
    }

    /// Applies settings (cheap; call once per block). Level and pan glide over 20 ms; pitch,
    /// decay and tone of a layer apply from its next hit, as on a sampler.
    pub fn set_settings(&mut self, settings: &SnareSettings) {
        let lane_was_on = self.ghost_lane_runs();
        self.settings = *settings;
        self.detector.set_settings(settings.detector);
        self.ghost_lane.set_settings(settings.detector);
        if self.ghost_lane_runs() && !lane_was_on {
            // The lane's clock must be the detector's (it judges on the detector's rings):
            // switched on, it starts from silence at the detector's count.
            self.ghost_lane.restart_at(self.detector.sample_index());
        }
        let latency = self.detector.latency_samples();
        if latency != self.latency {
            // Timing mode changed: pending hits refer to the old timeline.
            self.latency = latency;
            self.scheduler.clear();
        }
        let l = &settings.layers;
        self.cabinet.set_settings(l.cabinet);
        self.tail.set_settings(l.tail);
        self.body.set_settings(l.body);
        self.sampler.set_settings(l.sample);
        self.mix.set(&settings.mix, l);
        self.gate.set_settings(settings.mix.dry_gate);
    }

    pub fn settings(&self) -> &SnareSettings {
        &self.settings
    }

    /// The ghost lane runs its own onset stage only with Reject Bleed (it judges on the
    /// fingerprint; without it the detector marks quiet hits as ghosts itself), and not in a
    /// listening instance, which layers nothing.
    fn ghost_lane_runs(&self) -> bool {
        let d = &self.settings.detector;
        d.ghost_lane && d.reject_bleed && !self.settings.mix.listen_only
    }

    /// Where the next block starts on the host's timeline (samples, output timeline), or
    /// `None` when the transport gives no position. Hits are seeded from it.
    pub fn set_timeline_position(&mut self, position: Option<i64>) {
        // A jump (or a start) on the timeline: the sample round-robin starts afresh, so a hit
        // plays the same file in every bounce from that point.
        if position.is_some()
            && position != self.timeline
            && let Some(set) = self.sample.as_deref_mut()
        {
            set.forget_history();
        }
        self.timeline = position;
    }

    /// Joins (or, with `None`, leaves) the onsets shared between instances: this instance
    /// publishes its onsets there and, with `cross_track_veto`, vetoes its hits that coincide
    /// with a clearly stronger onset of another instance (`onset_bus.rs`). Returns the previous
    /// slot; dropping it frees it (atomics only, no deallocation while the bus lives). Sharing
    /// needs the host's timeline position (`set_timeline_position`).
    pub fn set_onset_bus(
        &mut self,
        slot: Option<BusSlot<Arc<OnsetBus>>>,
    ) -> Option<BusSlot<Arc<OnsetBus>>> {
        std::mem::replace(&mut self.bus, slot)
    }

    /// Latency to report to the host in the current timing mode, samples.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// Installs one sample (or none) as a set of one; allocates, so call it off the audio
    /// thread (the CLI, tests). Returns the previous set. Playing sample voices stop.
    pub fn swap_sample(&mut self, sample: Option<Box<SampleData>>) -> Option<Box<SampleSet>> {
        self.swap_sample_set(sample.map(|d| Box::new(SampleSet::single(*d))))
    }

    /// Installs a new sample set (or none) and returns the previous one so the caller can drop
    /// it off the audio thread. Playing sample voices stop. Never allocates.
    pub fn swap_sample_set(&mut self, set: Option<Box<SampleSet>>) -> Option<Box<SampleSet>> {
        self.sampler.stop();
        std::mem::replace(&mut self.sample, set)
    }

    pub fn has_sample(&self) -> bool {
        self.sample.is_some()
    }

    /// Hits whose layers started in the last `process` call.
    pub fn hits(&self) -> &[HitEvent] {
        &self.hits[..self.hit_count]
    }

    /// Detector envelope history (dBFS), oldest first, one point per `SCOPE_HOP_MS`.
    pub fn scope_into(&self, out: &mut [f32]) {
        self.scope.copy_into(out);
    }

    /// Increments each time a scope point is added.
    pub fn scope_version(&self) -> u64 {
        self.scope.version()
    }

    pub fn effective_threshold_db(&self) -> f32 {
        self.detector.effective_threshold_db()
    }

    /// The snare fingerprint Reject Bleed has learned (saved with the plugin state).
    pub fn fingerprint(&self) -> super::fingerprint::Fingerprint {
        self.detector.fingerprint()
    }

    /// Restores a saved fingerprint; `Fingerprint::prior()` learns afresh from the next strokes.
    pub fn set_fingerprint(&mut self, fingerprint: super::fingerprint::Fingerprint) {
        self.detector.set_fingerprint(fingerprint);
    }

    /// Samples processed since the last reset (the hits' `sample_time` clock).
    pub fn clock_samples(&self) -> u64 {
        self.clock
    }

    pub fn total_hits(&self) -> u64 {
        self.total_hits
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Starts the layers of one hit. `offset`: its sample in the caller's block.
    fn fire(&mut self, onset: Onset, offset: usize, sample_time: u64) {
        let position = match self.timeline {
            Some(t) => t.wrapping_add(offset as i64) as u64,
            None => sample_time,
        };
        let mut rng = Rng::new(hit_seed(self.settings.mix.seed, position));
        let h = self.settings.mix.humanize.clamp(0.0, 1.0);
        // Four draws per layer, whether or not it is enabled, so enabling one layer never
        // changes the variation of another.
        let lane_gain = if onset.ghost {
            db_to_gain(self.settings.mix.ghost_level_db)
        } else {
            1.0
        };
        let mut strike = || Strike {
            gain: lane_gain * onset.velocity * db_to_gain(3.0 * h * rng.bipolar()),
            pitch_ratio: cents_to_ratio(50.0 * h * rng.bipolar()),
            decay_scale: 1.0 + 0.25 * h * rng.bipolar(),
            noise_seed: rng.next_u32(),
        };
        let strikes = [strike(), strike(), strike(), strike()];
        let l = self.settings.layers;
        if l.cabinet.common.enabled {
            self.cabinet.strike(strikes[0]);
        }
        if l.tail.common.enabled {
            self.tail.strike(strikes[1]);
        }
        if l.body.common.enabled {
            self.body.strike(strikes[2]);
        }
        if l.sample.common.enabled {
            // The sample layer has no noise: its strike's seeded draw picks the file.
            let pick = self
                .sample
                .as_deref_mut()
                .map_or(0, |set| set.choose(onset.velocity, strikes[3].noise_seed));
            self.sampler.strike_sample(strikes[3], pick);
        }
        if self.hit_count < MAX_HITS_PER_BLOCK {
            self.hits[self.hit_count] = HitEvent {
                offset,
                sample_time,
                velocity: onset.velocity,
                peak_db: onset.peak_db,
                confidence: onset.confidence,
                ghost: onset.ghost,
            };
            self.hit_count += 1;
        }
        self.total_hits += 1;
    }

    /// Processes one block in place. `channels`: 1 (mono) or 2 (stereo) equal-length slices;
    /// `sidechain`: the trigger input's channels (may be empty). Never allocates.
    pub fn process(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) {
        self.hit_count = 0;
        let n_ch = channels.len().min(2);
        if n_ch == 0 {
            return;
        }
        let len = channels[..n_ch].iter().map(|c| c.len()).min().unwrap_or(0);
        // Sanitize once per block: a branch-free scan (vectorises) finds the common case of a
        // clean block, and only a block holding NaN/inf or an over-range sample is rewritten.
        // Sanitizing in place gives exactly the values the per-sample path would have used.
        for c in channels[..n_ch].iter_mut() {
            sanitize_block(&mut c[..len]);
        }
        let sidechain_ok = !sidechain.is_empty() && sidechain.iter().all(|c| c.len() >= len);
        let use_sidechain = self.settings.mix.trigger_from_sidechain && sidechain_ok;
        let use_reject = !use_sidechain && self.settings.mix.reject_from_sidechain && sidechain_ok;

        // A disabled layer whose gain has faded to zero is inaudible: stop running it (its
        // leftover ring is cleared once, so re-enabling it starts from silence, not from a
        // tail that should long have died away).
        let l = self.settings.layers;
        let enabled = [
            l.cabinet.common.enabled,
            l.tail.common.enabled,
            l.body.common.enabled,
            l.sample.common.enabled,
        ];
        let mut run = [true; LAYERS];
        for (k, r) in run.iter_mut().enumerate() {
            let silent = !enabled[k] && self.mix.layer_silent(k);
            if silent {
                *r = false;
                if !self.layer_idle[k] {
                    match k {
                        0 => self.cabinet.reset(),
                        1 => self.tail.reset(),
                        2 => self.body.reset(),
                        _ => self.sampler.stop(),
                    }
                }
            }
            self.layer_idle[k] = silent;
        }

        if self.settings.mix.listen_only {
            run = [false; LAYERS];
        }
        self.block_clock = self.clock;
        let gliding = self.mix.gliding();
        let mut start = 0;
        while start < len {
            let end = (start + CHUNK).min(len);
            let block = Block {
                start,
                end,
                n_ch,
                use_sidechain,
                use_reject,
                run,
            };
            if gliding {
                self.process_chunk::<true>(channels, sidechain, block);
            } else {
                self.process_chunk::<false>(channels, sidechain, block);
            }
            start = end;
        }
        // The mix of sanitized inputs and bounded layers is finite; this scan (not a per-sample
        // clamp) keeps the output limit guaranteed all the same, bending smoothly above
        // +12 dBFS instead of squaring the wave off (see `output_ceiling`).
        for c in channels[..n_ch].iter_mut() {
            soft_ceiling_block(&mut c[..len], OUTPUT_KNEE, OUTPUT_LIMIT);
        }
        if let Some(t) = self.timeline.as_mut() {
            *t = t.wrapping_add(len as i64);
        }
    }

    /// One chunk (at most `CHUNK` samples) in passes: the detector over the chunk (scheduling
    /// the hits it finds), the latency delay as slice copies, each layer over the contiguous
    /// stretches between layer starts, then the mix.
    #[inline(always)]
    fn process_chunk<const GLIDE: bool>(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: &[&[f32]],
        block: Block,
    ) {
        let Block {
            start,
            end,
            n_ch,
            run,
            ..
        } = block;
        let n = end - start;
        let clock0 = self.clock;
        self.detect(channels, sidechain, block);

        // Latency-aligned dry and detector signals.
        let latency = self.latency;
        let sc = &mut *self.scratch;
        self.delay
            .write_read(0, latency, &channels[0][start..end], &mut sc.dry_l[..n]);
        if n_ch == 2 {
            self.delay
                .write_read(1, latency, &channels[1][start..end], &mut sc.dry_r[..n]);
        } else {
            sc.dry_r[..n].copy_from_slice(&sc.dry_l[..n]);
        }
        self.delay
            .write_read(2, latency, &sc.band[..n], &mut sc.band_late[..n]);
        self.delay.advance(n);
        if run[0] {
            for ((e, &l), &r) in sc.excite[..n]
                .iter_mut()
                .zip(&sc.dry_l[..n])
                .zip(&sc.dry_r[..n])
            {
                *e = 0.5 * (l + r);
            }
        }

        // The dry gate (after the cabinet's excitation, which hears the whole dry signal); a
        // listening instance passes its drum untouched.
        if !self.settings.mix.listen_only {
            self.gate
                .process(clock0, &mut sc.dry_l[..n], &mut sc.dry_r[..n]);
        }

        // Layers, split at each scheduled start so a strike lands on its exact sample.
        let mut seg = 0;
        loop {
            let now = clock0 + seg as u64;
            while let Some(onset) = self.scheduler.take_due(now) {
                self.fire(onset, start + seg, now);
            }
            let next = self.scheduler.next_start(clock0, n);
            self.render_layers(run, seg, next);
            seg = next;
            if seg >= n {
                break;
            }
        }

        let sc = &*self.scratch;
        let inputs = MixInputs {
            dry_l: &sc.dry_l[..n],
            dry_r: &sc.dry_r[..n],
            band: &sc.band_late[..n],
            voices: &sc.voices,
            run,
        };
        let (first, rest) = channels.split_at_mut(1);
        let out_l = &mut first[0][start..end];
        let out_r = if n_ch == 2 {
            rest.first_mut().map(|c| &mut c[start..end])
        } else {
            None
        };
        self.mix.mix::<GLIDE>(&inputs, out_l, out_r);
        self.clock += n as u64;
    }

    /// The detector over one chunk: schedules every hit it confirms, keeps the band signal for
    /// the delay line and the envelope peaks for the scope.
    #[inline(always)]
    fn detect(&mut self, channels: &[&mut [f32]], sidechain: &[&[f32]], block: Block) {
        let Block {
            start,
            end,
            n_ch,
            use_sidechain,
            use_reject,
            ..
        } = block;
        let clock0 = self.clock;
        let n_total = end - start;
        let ghost_lane = self.ghost_lane_runs();
        let listen_only = self.settings.mix.listen_only;
        // Timeline position of engine clock 0, when the host gives one and a bus is joined.
        let shared = match (&self.bus, self.timeline) {
            (Some(_), Some(t)) => Some(t.wrapping_sub(self.block_clock as i64)),
            _ => None,
        };
        // The same origin, when this instance's hits are vetoed by others' onsets.
        let veto_origin = shared.filter(|_| self.settings.mix.cross_track_veto && !listen_only);
        if use_reject {
            mono_sidechain(&mut self.scratch.reject[..n_total], sidechain, start);
        }
        // The trigger signal first, in a vectorised pass.
        let trigger = &mut self.scratch.trigger[..n_total];
        if use_sidechain {
            mono_sidechain(trigger, sidechain, start);
        } else if n_ch == 2 {
            for ((t, &l), &r) in trigger
                .iter_mut()
                .zip(&channels[0][start..end])
                .zip(&channels[1][start..end])
            {
                *t = 0.5 * (l + r);
            }
        } else {
            trigger.copy_from_slice(&channels[0][start..end]);
        }
        // Reject Bleed's band filters over the whole chunk first (states in registers).
        self.detector
            .prepare_block(&self.scratch.trigger[..n_total]);
        let mut i = 0;
        while i < n_total {
            // Up to the next scope point, so the inner loop only tracks the peak.
            let stop = n_total.min(i + self.scope.samples_to_next_point());
            let mut peak = self.scope.running_peak();
            for n in i..stop {
                // The trigger is finite and within ±16: the inputs were sanitized.
                let now = clock0 + n as u64;
                if use_reject {
                    // Finite and within ±16: a mean of sanitized samples.
                    self.reject.process(self.scratch.reject[n], now);
                }
                let x = self.scratch.trigger[n];
                let main = self.detector.process_clean(x);
                // Rare paths out of the per-sample loop: sharing (a joined bus and a timeline),
                // the ghost lane, and a hit.
                if let Some(origin) = shared {
                    self.share_candidate(origin);
                }
                if let Some(onset) = main
                    && !listen_only
                {
                    self.schedule_hit(onset, now, use_reject, veto_origin);
                }
                if ghost_lane {
                    self.run_ghost_lane(x, now, use_reject, veto_origin);
                }
                self.scratch.band[n] = self.detector.band_sample();
                let env = self.detector.envelope();
                if env > peak {
                    peak = env;
                }
            }
            self.scope.add(peak, stop - i);
            i = stop;
        }
    }

    /// Publishes the detector's newest candidate on the bus (timeline position `origin` +
    /// its onset index).
    #[inline(never)]
    fn share_candidate(&mut self, origin: i64) {
        if let (Some(bus), Some((at, level_db))) = (&self.bus, self.detector.take_new_candidate()) {
            bus.publish(origin.wrapping_add(at as i64), level_db);
        }
    }

    /// One sample of the ghost lane (it runs only when switched on).
    #[inline(never)]
    fn run_ghost_lane(&mut self, x: f32, now: u64, use_reject: bool, veto_origin: Option<i64>) {
        if let Some(onset) = self.ghost_lane.process(x, &self.detector) {
            self.schedule_hit(onset, now, use_reject, veto_origin);
        }
    }

    /// Schedules a hit the detector (or the ghost lane) found at engine sample `now`, unless
    /// the sidechain's Reject or another instance's onset vetoes it (`veto_origin`: the
    /// timeline position of engine clock 0, when others' onsets may veto).
    #[inline(never)]
    fn schedule_hit(&mut self, onset: Onset, now: u64, use_reject: bool, veto_origin: Option<i64>) {
        let onset_at = now.saturating_sub(onset.onset_age as u64);
        let vetoed = (use_reject && self.reject.vetoes(onset_at, onset.relative_db))
            || veto_origin
                .zip(self.bus.as_ref())
                .is_some_and(|(origin, bus)| {
                    let position = origin.wrapping_add(onset_at as i64);
                    bus.vetoed(position, onset.relative_db, self.sample_rate)
                });
        if !vetoed {
            self.scheduler.schedule(onset, now);
            self.gate.schedule(now + onset.start_delay as u64);
        }
    }

    /// Renders every running layer over chunk samples `from..to` (no layer starts inside).
    fn render_layers(&mut self, run: [bool; LAYERS], from: usize, to: usize) {
        if from >= to {
            return;
        }
        let sc = &mut *self.scratch;
        let [cab, tail, body, sample] = &mut sc.voices;
        if run[0] {
            self.cabinet
                .process_block(&sc.excite[from..to], &mut cab[from..to]);
        }
        if run[1] {
            self.tail.process_block(&mut tail[from..to]);
        }
        if run[2] {
            self.body.process_block(&mut body[from..to]);
        }
        if run[3] {
            self.sampler
                .process_block_set(self.sample.as_deref(), &mut sample[from..to]);
        }
    }
}

/// The seed of one hit's random choices: the settings' seed and the hit's position, mixed by
/// the SplitMix64 finaliser (Steele, Lea & Flood 2014) so neighbouring positions give unrelated
/// generators.
fn hit_seed(seed: u32, position: u64) -> u32 {
    let mut z = ((seed as u64) << 32 ^ position).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u32
}

/// The mean of the sidechain's channels from `start` into `out` (the trigger source or the
/// Reject input), each sample sanitized: finite and within the output limit.
fn mono_sidechain(out: &mut [f32], sidechain: &[&[f32]], start: usize) {
    let scale = 1.0 / sidechain.len() as f32;
    out.fill(0.0);
    for c in sidechain {
        for (t, &x) in out.iter_mut().zip(&c[start..]) {
            *t += sanitize(x, OUTPUT_LIMIT);
        }
    }
    for t in out.iter_mut() {
        *t *= scale;
    }
}

/// Per-block decisions passed to the inner loop.
#[derive(Debug, Clone, Copy)]
struct Block {
    /// The chunk's range in the caller's block.
    start: usize,
    end: usize,
    n_ch: usize,
    use_sidechain: bool,
    /// The sidechain vetoes bleed (Reject).
    use_reject: bool,
    /// Which layers run (disabled and faded out ones do not).
    run: [bool; LAYERS],
}

#[cfg(test)]
mod tests;
