//! A minimal, strict, headless CLAP host on `clack-host`.
//!
//! One [`Plugin`] owns a loaded bundle and one instance. Audio runs on a separate (scoped)
//! thread as in a real host; the main thread does parameter queries, state, activation.
//! Three ways to render: [`Plugin::render`] (one start/stop-processing cycle per call),
//! [`render_concurrently`] (several instances, same input, one audio thread each) and
//! [`render_in_step`] (several instances, own inputs, block by block in a fixed order on one
//! audio thread with one shared playing transport, as a DAW runs the tracks of a session).
//! Host extensions offered: log, thread-check, latency, params, state (what nice-plug asks for).

use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::ThreadId;

use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::events::Match;
use clack_host::events::event_types::{
    MidiEvent, NoteOffEvent, NoteOnEvent, ParamValueEvent, TransportEvent, TransportFlags,
};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::utils::{BeatTime, SecondsTime};

thread_local! {
    static IS_AUDIO_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Host callbacks shared across threads: the plugin's extensions and its requests.
pub struct Shared {
    main_thread: ThreadId,
    params: OnceLock<Option<PluginParams>>,
    state: OnceLock<Option<PluginState>>,
    latency: OnceLock<Option<PluginLatency>>,
    audio_ports: OnceLock<Option<PluginAudioPorts>>,
    restart_requested: AtomicBool,
    callback_requested: AtomicBool,
    /// Set while the host is inside `clap_plugin::activate`.
    in_activate: AtomicBool,
    /// `clap_host_latency.changed` calls made outside `activate` (CLAP forbids them: a plugin
    /// that is active must request a restart and report the new latency on activation).
    pub latency_changed_outside_activate: AtomicU32,
    /// Warnings and errors the plugin logged (counted; printed to stderr as they come).
    pub warnings: AtomicU32,
}

impl<'a> SharedHandler<'a> for Shared {
    fn initializing(&self, instance: InitializingPluginHandle<'a>) {
        let _ = self.params.set(instance.get_extension());
        let _ = self.state.set(instance.get_extension());
        let _ = self.latency.set(instance.get_extension());
        let _ = self.audio_ports.set(instance.get_extension());
    }
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Warning | LogSeverity::Error | LogSeverity::Fatal
        ) {
            self.warnings.fetch_add(1, Ordering::SeqCst);
        }
        if std::env::var_os("CLAP_HOST_QUIET").is_none() {
            eprintln!("[plugin {severity:?}] {message}");
        }
    }
}

impl HostThreadCheckImpl for Shared {
    fn is_main_thread(&self) -> bool {
        std::thread::current().id() == self.main_thread
    }
    fn is_audio_thread(&self) -> bool {
        IS_AUDIO_THREAD.with(Cell::get)
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {}
}

/// Main-thread host callbacks.
pub struct MainThread<'a> {
    _shared: &'a Shared,
    pub latency_changed: Cell<bool>,
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {
        self.latency_changed.set(true);
        if !self._shared.in_activate.load(Ordering::SeqCst) {
            self._shared
                .latency_changed_outside_activate
                .fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {}
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {}
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostThreadCheck>()
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

/// What the descriptor says.
#[derive(Clone, Debug)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

/// One parameter as the host sees it (plain values).
#[derive(Clone, Debug)]
pub struct ParamDesc {
    pub id: ClapId,
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub stepped: bool,
    pub automatable: bool,
    pub hidden: bool,
}

/// One audio port (channel count).
#[derive(Clone, Debug)]
pub struct Port {
    pub channels: u32,
    pub main: bool,
}

/// The host transport sent with every block (4/4). `None` on a plugin = free-running, no
/// transport (like a host that is stopped and sends nothing).
#[derive(Clone, Copy, Debug)]
pub struct Transport {
    pub tempo_bpm: f64,
    pub playing: bool,
    /// Song position at the next rendered sample, in seconds (the host's timeline).
    pub position_seconds: f64,
}

impl Transport {
    fn event(&self, sample_rate: f64, offset: usize) -> TransportEvent {
        let seconds = self.position_seconds + offset as f64 / sample_rate;
        let beats = seconds * self.tempo_bpm / 60.0;
        let bar = (beats / 4.0).floor();
        let mut flags = TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_BEATS_TIMELINE
            | TransportFlags::HAS_SECONDS_TIMELINE
            | TransportFlags::HAS_TIME_SIGNATURE;
        if self.playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        TransportEvent {
            header: EventHeader::new_core(0, EventFlags::empty()),
            flags,
            song_pos_beats: BeatTime::from_float(beats),
            song_pos_seconds: SecondsTime::from_float(seconds),
            tempo: self.tempo_bpm,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_int(0),
            loop_end_beats: BeatTime::from_int(0),
            loop_start_seconds: SecondsTime::from_int(0),
            loop_end_seconds: SecondsTime::from_int(0),
            bar_start: BeatTime::from_float(bar * 4.0),
            bar_number: bar as i32,
            time_signature_numerator: 4,
            time_signature_denominator: 4,
        }
    }
}

/// A timed event for [`Plugin::render`]; `sample` counts from the start of the render.
#[derive(Clone, Copy, Debug)]
pub enum HostEvent {
    NoteOn {
        sample: usize,
        key: u8,
        velocity: f64,
    },
    NoteOff {
        sample: usize,
        key: u8,
    },
    Param {
        sample: usize,
        id: ClapId,
        value: f64,
    },
    /// A raw MIDI 1.0 message (control change, pitch bend) on note port 0.
    Midi {
        sample: usize,
        data: [u8; 3],
    },
}

impl HostEvent {
    pub fn sample(&self) -> usize {
        match *self {
            HostEvent::NoteOn { sample, .. }
            | HostEvent::NoteOff { sample, .. }
            | HostEvent::Param { sample, .. }
            | HostEvent::Midi { sample, .. } => sample,
        }
    }
}

/// CPU time this thread has used, in seconds (`CLOCK_THREAD_CPUTIME_ID`). Unlike wall time it
/// does not count the time the thread waits while other processes run on its core.
pub fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

pub type HostError = Box<dyn std::error::Error>;

/// A loaded plugin instance plus everything needed to drive it.
pub struct Plugin {
    entry: PluginEntry,
    instance: PluginInstance<TestHost>,
    processor: Option<StoppedPluginAudioProcessor<TestHost>>,
    pub descriptor: Descriptor,
    pub params: Vec<ParamDesc>,
    pub inputs: Vec<Port>,
    pub outputs: Vec<Port>,
    /// Sent with every block while `Some`; its position advances as audio is rendered.
    pub transport: Option<Transport>,
    sample_rate: f64,
    max_block: u32,
    steady_time: u64,
    /// Whether `render` serves the plugin's main-thread callbacks and restart requests while
    /// and after it renders (a DAW's event loop). Off: they wait for `pump_main_thread`, as in
    /// a host that deactivates before its event loop runs again.
    pub serve_main_thread: bool,
    /// Whether `render`'s input channels past the main input's feed the auxiliary inputs (the
    /// Snare Layerer's sidechain), in port order. Off: auxiliary inputs get silence.
    pub feed_aux_inputs: bool,
    /// Audio-thread CPU time of the last `render` (seconds), from `start_processing` to
    /// `stop_processing`: the plugin's `process` calls plus this host's per-block copying.
    pub last_render_cpu_seconds: f64,
    /// The part of it spent inside the plugin's `process` calls (seconds): what a DAW's CPU
    /// meter charges the plugin.
    pub last_process_cpu_seconds: f64,
}

fn cstr(s: Option<&CStr>) -> String {
    s.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn host_info() -> HostInfo {
    HostInfo::new(
        "Catalyst clap-host",
        "Catalyst",
        "https://example.invalid",
        "0.1",
    )
    .expect("static host info")
}

impl Plugin {
    /// Loads the first plugin of a `.clap` file (nice-plug bundles hold one plugin each).
    pub fn load(path: &Path) -> Result<Self, HostError> {
        // SAFETY: loading a plugin library runs its code; that is what a host does.
        let entry = unsafe { PluginEntry::load(path)? };
        Self::instantiate(entry)
    }

    /// An instance from an already loaded entry (e.g. a plugin linked into a fuzz binary).
    pub fn from_entry(entry: PluginEntry) -> Result<Self, HostError> {
        Self::instantiate(entry)
    }

    /// A second instance from the same loaded library (shares the entry, like a DAW).
    pub fn another(&self) -> Result<Self, HostError> {
        Self::instantiate(self.entry.clone())
    }

    fn instantiate(entry: PluginEntry) -> Result<Self, HostError> {
        let factory = entry
            .get_plugin_factory()
            .ok_or("bundle has no CLAP plugin factory")?;
        let d = factory
            .plugin_descriptors()
            .next()
            .ok_or("factory lists no plugin")?;
        let descriptor = Descriptor {
            id: cstr(d.id()),
            name: cstr(d.name()),
            vendor: cstr(d.vendor()),
            version: cstr(d.version()),
            features: d
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        };
        let id = CString::new(descriptor.id.clone())?;
        let main_thread = std::thread::current().id();
        let mut instance = PluginInstance::<TestHost>::new(
            |_| Shared {
                main_thread,
                params: OnceLock::new(),
                state: OnceLock::new(),
                latency: OnceLock::new(),
                audio_ports: OnceLock::new(),
                restart_requested: AtomicBool::new(false),
                in_activate: AtomicBool::new(false),
                latency_changed_outside_activate: AtomicU32::new(0),
                callback_requested: AtomicBool::new(false),
                warnings: AtomicU32::new(0),
            },
            |shared| MainThread {
                _shared: shared,
                latency_changed: Cell::new(false),
            },
            &entry,
            &id,
            &host_info(),
        )?;
        let params = Self::scan_params(&mut instance);
        let (inputs, outputs) = Self::scan_ports(&mut instance);
        Ok(Self {
            entry,
            instance,
            processor: None,
            descriptor,
            params,
            inputs,
            outputs,
            transport: None,
            sample_rate: 0.0,
            max_block: 0,
            steady_time: 0,
            serve_main_thread: true,
            feed_aux_inputs: false,
            last_render_cpu_seconds: 0.0,
            last_process_cpu_seconds: 0.0,
        })
    }

    fn ext<T: Copy>(
        instance: &PluginInstance<TestHost>,
        f: impl Fn(&Shared) -> &OnceLock<Option<T>>,
    ) -> Option<T> {
        instance.access_shared_handler(|s| f(s).get().copied().flatten())
    }

    fn scan_params(instance: &mut PluginInstance<TestHost>) -> Vec<ParamDesc> {
        let Some(ext) = Self::ext(instance, |s| &s.params) else {
            return Vec::new();
        };
        let handle = instance.plugin_handle();
        let mut out = Vec::new();
        for i in 0..ext.count(&handle) {
            let mut buf = ParamInfoBuffer::new();
            if let Some(info) = ext.get_info(&handle, i, &mut buf) {
                out.push(ParamDesc {
                    id: info.id,
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                    automatable: info.flags.contains(ParamInfoFlags::IS_AUTOMATABLE),
                    hidden: info.flags.contains(ParamInfoFlags::IS_HIDDEN),
                });
            }
        }
        out
    }

    fn scan_ports(instance: &mut PluginInstance<TestHost>) -> (Vec<Port>, Vec<Port>) {
        let Some(ext) = Self::ext(instance, |s| &s.audio_ports) else {
            return (Vec::new(), Vec::new());
        };
        let handle = instance.plugin_handle();
        let scan = |is_input: bool| {
            (0..ext.count(&handle, is_input))
                .filter_map(|i| {
                    let mut buf = AudioPortInfoBuffer::new();
                    ext.get(&handle, i, is_input, &mut buf).map(|p| Port {
                        channels: p.channel_count,
                        main: p
                            .flags
                            .contains(clack_extensions::audio_ports::AudioPortFlags::IS_MAIN),
                    })
                })
                .collect::<Vec<_>>()
        };
        let inputs = scan(true);
        let outputs = scan(false);
        (inputs, outputs)
    }

    pub fn is_instrument(&self) -> bool {
        self.descriptor.features.iter().any(|f| f == "instrument")
    }

    /// Channels of the main input (0 for instruments).
    pub fn main_in_channels(&self) -> usize {
        self.inputs.first().map_or(0, |p| p.channels as usize)
    }

    pub fn main_out_channels(&self) -> usize {
        self.outputs.first().map_or(0, |p| p.channels as usize)
    }

    pub fn warnings(&self) -> u32 {
        self.instance
            .access_shared_handler(|s| s.warnings.load(Ordering::SeqCst))
    }

    /// Activates (deactivating first if needed) for a rate and maximum block size.
    pub fn activate(&mut self, sample_rate: f64, max_block: u32) -> Result<(), HostError> {
        self.deactivate();
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        self.instance
            .access_shared_handler(|s| s.in_activate.store(true, Ordering::SeqCst));
        let activated = self.instance.activate(|_, _| (), config);
        self.instance
            .access_shared_handler(|s| s.in_activate.store(false, Ordering::SeqCst));
        self.processor = Some(activated?);
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        Ok(())
    }

    pub fn deactivate(&mut self) {
        if let Some(p) = self.processor.take() {
            self.instance.deactivate(p);
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Latency change notices the plugin sent outside `activate` (must stay 0).
    pub fn latency_changes_outside_activate(&self) -> u32 {
        self.instance
            .access_shared_handler(|s| s.latency_changed_outside_activate.load(Ordering::SeqCst))
    }

    /// Whether the plugin asked for a restart that `pump_main_thread` has not yet served.
    pub fn restart_pending(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.load(Ordering::SeqCst))
    }

    /// Latency the plugin reports now (0 without the latency extension).
    pub fn latency(&mut self) -> u32 {
        match Self::ext(&self.instance, |s| &s.latency) {
            Some(ext) => ext.get(&self.instance.plugin_handle()),
            None => 0,
        }
    }

    pub fn param_value(&mut self, id: ClapId) -> Option<f64> {
        let ext = Self::ext(&self.instance, |s| &s.params)?;
        ext.get_value(&self.instance.plugin_handle(), id)
    }

    pub fn value_to_text(&mut self, id: ClapId, value: f64) -> Option<String> {
        let ext = Self::ext(&self.instance, |s| &s.params)?;
        let mut buf = [0u8; 256];
        ext.value_to_text(&self.instance.plugin_handle(), id, value, &mut buf)
            .ok()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn text_to_value(&mut self, id: ClapId, text: &str) -> Option<f64> {
        let ext = Self::ext(&self.instance, |s| &s.params)?;
        let text = CString::new(text).ok()?;
        ext.text_to_value(&self.instance.plugin_handle(), id, &text)
    }

    pub fn save_state(&mut self) -> Result<Vec<u8>, HostError> {
        let ext = Self::ext(&self.instance, |s| &s.state).ok_or("no state extension")?;
        let mut out = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut out)?;
        Ok(out)
    }

    /// Loads state; `Err` when the plugin refused it (allowed for corrupt data).
    pub fn load_state(&mut self, data: &[u8]) -> Result<(), HostError> {
        let ext = Self::ext(&self.instance, |s| &s.state).ok_or("no state extension")?;
        ext.load(&self.instance.plugin_handle(), &mut Cursor::new(data))?;
        Ok(())
    }

    /// Sets parameters by name (plain values) through `clap_plugin_params.flush` on the main
    /// thread while the plugin is inactive, as a host applies a project before activating:
    /// parameters a plugin fixes until restart (the Snare Layerer's Timing, Reject Bleed) take
    /// effect on the next `activate`.
    pub fn set_params_inactive(&mut self, values: &[(&str, f64)]) -> Result<(), HostError> {
        if self.processor.is_some() {
            return Err("set_params_inactive on an active plugin".into());
        }
        let ext = Self::ext(&self.instance, |s| &s.params).ok_or("no params extension")?;
        let mut events = EventBuffer::with_capacity(values.len());
        for &(name, value) in values {
            let d = self
                .params
                .iter()
                .find(|d| d.name == name)
                .ok_or_else(|| format!("no parameter named {name:?}"))?;
            events.push(&ParamValueEvent::new(0, d.id, Pckn::match_all(), value));
        }
        let mut out = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .ok_or("plugin is active")?;
        ext.flush(&mut handle, &events.as_input(), &mut out.as_output());
        Ok(())
    }

    /// The id of the parameter named `name`.
    pub fn param_id(&self, name: &str) -> Option<ClapId> {
        self.params.iter().find(|d| d.name == name).map(|d| d.id)
    }

    /// Runs pending main-thread work the plugin asked for, and restarts it if it asked to.
    pub fn pump_main_thread(&mut self) -> Result<(), HostError> {
        if self
            .instance
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst))
        {
            self.instance.call_on_main_thread_callback();
        }
        let restart = self
            .instance
            .access_shared_handler(|s| s.restart_requested.swap(false, Ordering::SeqCst));
        if restart && self.processor.is_some() {
            let (sr, mb) = (self.sample_rate, self.max_block);
            self.activate(sr, mb)?;
        }
        Ok(())
    }

    /// Processes `frames` samples in blocks of `block_sizes` (cycled), on an audio thread.
    ///
    /// `input[ch]` feeds the main input (missing channels get silence; aux inputs get silence),
    /// `events` must be sorted by sample. Returns the main output, one `Vec` per channel.
    pub fn render(
        &mut self,
        input: &[Vec<f32>],
        frames: usize,
        block_sizes: &[usize],
        events: &[HostEvent],
    ) -> Result<Vec<Vec<f32>>, HostError> {
        let mut out = render_concurrently(&mut [self], input, frames, block_sizes, events)?;
        Ok(out.remove(0))
    }
}

/// Renders several instances at the same time, each on its own audio thread (as a DAW's
/// worker pool does), while this thread services their main-thread callbacks. Same stimulus
/// for all; returns each instance's main output.
pub fn render_concurrently(
    plugins: &mut [&mut Plugin],
    input: &[Vec<f32>],
    frames: usize,
    block_sizes: &[usize],
    events: &[HostEvent],
) -> Result<Vec<Vec<Vec<f32>>>, HostError> {
    assert!(!block_sizes.is_empty());
    struct Job {
        processor: StoppedPluginAudioProcessor<TestHost>,
        max_block: usize,
        in_ports: Vec<usize>,
        out_ports: Vec<usize>,
        steady: u64,
        transport: Option<Transport>,
        sample_rate: f64,
        feed_aux: bool,
    }
    let mut jobs = Vec::with_capacity(plugins.len());
    for p in plugins.iter_mut() {
        jobs.push(Job {
            processor: p.processor.take().ok_or("render before activate")?,
            max_block: p.max_block as usize,
            in_ports: p.inputs.iter().map(|q| q.channels as usize).collect(),
            out_ports: p.outputs.iter().map(|q| q.channels as usize).collect(),
            steady: p.steady_time,
            transport: p.transport,
            sample_rate: p.sample_rate,
            feed_aux: p.feed_aux_inputs,
        });
    }
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|mut job| {
                scope.spawn(move || {
                    IS_AUDIO_THREAD.with(|f| f.set(true));
                    let r = render_on_audio_thread(
                        job.processor,
                        input,
                        frames,
                        block_sizes,
                        events,
                        job.max_block,
                        &job.in_ports,
                        &job.out_ports,
                        &mut job.steady,
                        job.transport,
                        job.sample_rate,
                        job.feed_aux,
                    );
                    (r, job.steady)
                })
            })
            .collect();
        // Meanwhile, be the host's main thread: run the callbacks the plugins ask for
        // (nice-plug posts GUI/parameter tasks there), as a DAW's event loop would.
        while !handles.iter().all(|h| h.is_finished()) {
            for p in plugins.iter_mut().filter(|p| p.serve_main_thread) {
                if p.instance
                    .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst))
                {
                    p.instance.call_on_main_thread_callback();
                }
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut outputs = Vec::with_capacity(plugins.len());
    let mut first_error = None;
    for (p, result) in plugins.iter_mut().zip(results) {
        match result {
            Ok((Ok((processor, out, cpu, process_cpu)), steady)) => {
                p.steady_time = steady;
                p.last_render_cpu_seconds = cpu;
                p.last_process_cpu_seconds = process_cpu;
                if let Some(t) = p.transport.as_mut().filter(|t| t.playing) {
                    t.position_seconds += frames as f64 / p.sample_rate;
                }
                p.processor = Some(processor);
                outputs.push(out);
            }
            Ok((Err(e), _)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert("plugin panicked on the audio thread".to_string());
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e.into());
    }
    for p in plugins.iter_mut().filter(|p| p.serve_main_thread) {
        p.pump_main_thread()?;
    }
    Ok(outputs)
}

/// One instance's result of [`render_in_step`].
#[derive(Clone, Debug, Default)]
pub struct SteppedOutput {
    /// The main output, one `Vec` per channel.
    pub audio: Vec<Vec<f32>>,
    /// The sample (from the start of the render) of every note-on the plugin sent, CLAP note
    /// events and MIDI 1.0 note-ons alike, in order.
    pub note_ons: Vec<usize>,
}

/// Renders several instances block by block in step, as a DAW runs its tracks: every block,
/// each instance in `order` (indices into `plugins`) processes the same stretch of the song on
/// one audio thread, one after the other, with one shared transport that plays and advances
/// (`transport.playing` is forced on; its position moves on by `frames` when done). One
/// start/stop-processing cycle for the whole render, so nothing resets between blocks.
///
/// `inputs[k][ch]` feeds instance `k`'s main input (missing channels and samples are silence;
/// auxiliary inputs get silence). Blocks are `block` samples (the last one shorter).
///
/// # Panics
/// When `inputs.len() != plugins.len()`, `block == 0`, `plugins` is empty, or `order` names an instance that does
/// not exist or names one twice.
pub fn render_in_step(
    plugins: &mut [&mut Plugin],
    inputs: &[Vec<Vec<f32>>],
    order: &[usize],
    frames: usize,
    block: usize,
    transport: &mut Transport,
) -> Result<Vec<SteppedOutput>, HostError> {
    assert_eq!(inputs.len(), plugins.len(), "one input per instance");
    assert!(block > 0 && !plugins.is_empty());
    let mut seen = vec![false; plugins.len()];
    for &k in order {
        assert!(
            !std::mem::replace(&mut seen[k], true),
            "instance {k} twice in order"
        );
    }
    transport.playing = true;
    let mut lanes = Vec::with_capacity(plugins.len());
    for p in plugins.iter_mut() {
        let max_block = p.max_block as usize;
        if block > max_block {
            return Err(format!("block {block} above the activated maximum {max_block}").into());
        }
        lanes.push(Lane {
            processor: Some(p.processor.take().ok_or("render before activate")?),
            in_ports: p.inputs.iter().map(|q| q.channels as usize).collect(),
            out_ports: p.outputs.iter().map(|q| q.channels as usize).collect(),
            max_block,
            steady: p.steady_time,
        });
    }
    let sample_rate = plugins[0].sample_rate;
    let start = *transport;
    let result = std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            IS_AUDIO_THREAD.with(|f| f.set(true));
            render_lanes_in_step(&mut lanes, inputs, order, frames, block, start, sample_rate)
        });
        while !handle.is_finished() {
            for p in plugins.iter_mut().filter(|p| p.serve_main_thread) {
                if p.instance
                    .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst))
                {
                    p.instance.call_on_main_thread_callback();
                }
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        handle.join()
    });
    // Give every processor back, also after a failure, so the instances deactivate cleanly.
    for (p, lane) in plugins.iter_mut().zip(lanes) {
        p.processor = lane.processor;
        p.steady_time = lane.steady;
    }
    let outputs = match result {
        Ok(r) => r?,
        Err(_) => return Err("plugin panicked on the audio thread".into()),
    };
    transport.position_seconds += frames as f64 / sample_rate;
    for p in plugins.iter_mut().filter(|p| p.serve_main_thread) {
        p.pump_main_thread()?;
    }
    Ok(outputs)
}

/// One instance's processor and port layout inside [`render_in_step`].
struct Lane {
    processor: Option<StoppedPluginAudioProcessor<TestHost>>,
    in_ports: Vec<usize>,
    out_ports: Vec<usize>,
    max_block: usize,
    steady: u64,
}

/// Buffers one instance needs to process a block (allocated before the first block).
struct LaneIo {
    in_bufs: Vec<Vec<f32>>,
    out_bufs: Vec<Vec<f32>>,
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    in_ev: EventBuffer,
    out_ev: EventBuffer,
}

fn render_lanes_in_step(
    lanes: &mut [Lane],
    inputs: &[Vec<Vec<f32>>],
    order: &[usize],
    frames: usize,
    block: usize,
    transport: Transport,
    sample_rate: f64,
) -> Result<Vec<SteppedOutput>, String> {
    let mut started = Vec::with_capacity(lanes.len());
    let mut ios = Vec::with_capacity(lanes.len());
    let mut outputs = Vec::with_capacity(lanes.len());
    for lane in lanes.iter_mut() {
        let stopped = lane.processor.take().expect("taken from the plugin");
        match stopped.start_processing() {
            Ok(p) => started.push(Some(p)),
            Err(e) => {
                let message = format!("start_processing: {e}");
                lane.processor = Some(e.into_stopped_processor());
                // Put back what was started so far (stopped), then report.
                for (l, p) in lanes.iter_mut().zip(started.into_iter().flatten()) {
                    l.processor = Some(p.stop_processing());
                }
                return Err(message);
            }
        }
        let (in_total, out_total) = (
            lane.in_ports.iter().sum::<usize>(),
            lane.out_ports.iter().sum::<usize>(),
        );
        ios.push(LaneIo {
            in_bufs: vec![vec![0.0; lane.max_block]; in_total],
            out_bufs: vec![vec![0.0; lane.max_block]; out_total],
            in_ports: AudioPorts::with_capacity(in_total, lane.in_ports.len()),
            out_ports: AudioPorts::with_capacity(out_total, lane.out_ports.len()),
            in_ev: EventBuffer::with_capacity(16),
            out_ev: EventBuffer::with_capacity(256),
        });
        let main_out = lane.out_ports.first().copied().unwrap_or(0);
        outputs.push(SteppedOutput {
            audio: vec![Vec::with_capacity(frames); main_out],
            note_ons: Vec::new(),
        });
    }
    let mut failure = None;
    let mut pos = 0;
    'blocks: while pos < frames {
        let n = block.min(frames - pos);
        // Every instance sees the same song position for the same input sample.
        let event = transport.event(sample_rate, pos);
        for &k in order {
            let (lane, io, out) = (&mut lanes[k], &mut ios[k], &mut outputs[k]);
            let processor = started[k].as_mut().expect("started above");
            let main_in = lane.in_ports.first().copied().unwrap_or(0);
            for (ch, buf) in io.in_bufs.iter_mut().enumerate() {
                match inputs[k].get(ch).filter(|_| ch < main_in) {
                    Some(src) => {
                        for (i, s) in buf[..n].iter_mut().enumerate() {
                            *s = src.get(pos + i).copied().unwrap_or(0.0);
                        }
                    }
                    None => buf[..n].fill(0.0),
                }
            }
            for buf in io.out_bufs.iter_mut() {
                buf[..n].fill(0.0);
            }
            io.out_ev.clear();
            let in_audio = io.in_ports.with_input_buffers(
                split_ports(&mut io.in_bufs, &lane.in_ports)
                    .into_iter()
                    .map(|group| AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_input_only(
                            group
                                .iter_mut()
                                .map(|b| InputChannel::variable(&mut b[..n])),
                        ),
                    }),
            );
            let mut out_audio = io.out_ports.with_output_buffers(
                split_ports(&mut io.out_bufs, &lane.out_ports)
                    .into_iter()
                    .map(|group| AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_output_only(
                            group.iter_mut().map(|b| &mut b[..n]),
                        ),
                    }),
            );
            if let Err(e) = processor.process(
                &in_audio,
                &mut out_audio,
                &io.in_ev.as_input(),
                &mut io.out_ev.as_output(),
                Some(lane.steady),
                Some(&event),
            ) {
                failure = Some(format!("instance {k}: process failed at sample {pos}: {e}"));
                break 'blocks;
            }
            for (ch, dst) in out.audio.iter_mut().enumerate() {
                dst.extend_from_slice(&io.out_bufs[ch][..n]);
            }
            for e in io.out_ev.iter() {
                let t = e.header().time() as usize;
                let note_on = e.as_event::<NoteOnEvent>().is_some()
                    || e.as_event::<MidiEvent>().is_some_and(|m| {
                        let d = m.data();
                        d[0] & 0xF0 == 0x90 && d[2] > 0
                    });
                if note_on {
                    out.note_ons.push(pos + t);
                }
            }
            lane.steady += n as u64;
        }
        pos += n;
    }
    for (lane, p) in lanes.iter_mut().zip(started) {
        lane.processor = p.map(|p| p.stop_processing());
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(outputs),
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        self.deactivate();
    }
}

/// The stopped processor, the main output and the audio thread's CPU seconds.
/// The stopped processor, the main output, the audio thread's CPU seconds for the whole render
/// and the part of them inside the plugin's `process` calls.
type RenderOk = (
    StoppedPluginAudioProcessor<TestHost>,
    Vec<Vec<f32>>,
    f64,
    f64,
);

#[allow(clippy::too_many_arguments)]
fn render_on_audio_thread(
    processor: StoppedPluginAudioProcessor<TestHost>,
    input: &[Vec<f32>],
    frames: usize,
    block_sizes: &[usize],
    events: &[HostEvent],
    max_block: usize,
    in_ports: &[usize],
    out_ports: &[usize],
    steady: &mut u64,
    transport: Option<Transport>,
    sample_rate: f64,
    feed_aux: bool,
) -> Result<RenderOk, String> {
    let cpu_start = thread_cpu_seconds();
    let mut processor = processor
        .start_processing()
        .map_err(|e| format!("start_processing: {e}"))?;
    let in_total: usize = in_ports.iter().sum();
    let out_total: usize = out_ports.iter().sum();
    let mut in_bufs = vec![vec![0.0f32; max_block]; in_total];
    let mut out_bufs = vec![vec![0.0f32; max_block]; out_total];
    let main_out = out_ports.first().copied().unwrap_or(0);
    let mut result = vec![Vec::with_capacity(frames); main_out];
    let mut in_ports_buf = AudioPorts::with_capacity(in_total, in_ports.len());
    let mut out_ports_buf = AudioPorts::with_capacity(out_total, out_ports.len());
    let mut ev_buf = EventBuffer::with_capacity(256);
    let mut out_ev = EventBuffer::with_capacity(256);
    let mut next_event = 0;
    let mut pos = 0;
    let mut block_index = 0;
    let mut process_cpu = 0.0;
    let main_in = in_ports.first().copied().unwrap_or(0);
    let fed = if feed_aux { in_total } else { main_in };
    while pos < frames {
        let n = block_sizes[block_index % block_sizes.len()]
            .min(frames - pos)
            .min(max_block);
        block_index += 1;
        // Main input (and with `feed_aux` the auxiliary ones) from `input`; the rest silent.
        for (ch, buf) in in_bufs.iter_mut().enumerate() {
            match input.get(ch).filter(|_| ch < fed) {
                Some(src) => {
                    for (i, s) in buf[..n].iter_mut().enumerate() {
                        *s = src.get(pos + i).copied().unwrap_or(0.0);
                    }
                }
                None => buf[..n].fill(0.0),
            }
        }
        for buf in out_bufs.iter_mut() {
            buf[..n].fill(0.0);
        }
        ev_buf.clear();
        out_ev.clear();
        while next_event < events.len() && events[next_event].sample() < pos + n {
            let e = events[next_event];
            let t = e.sample().saturating_sub(pos) as u32;
            match e {
                HostEvent::NoteOn { key, velocity, .. } => ev_buf.push(&NoteOnEvent::new(
                    t,
                    Pckn::new(0u16, 0u16, key as u16, Match::All),
                    velocity,
                )),
                HostEvent::NoteOff { key, .. } => ev_buf.push(&NoteOffEvent::new(
                    t,
                    Pckn::new(0u16, 0u16, key as u16, Match::All),
                    0.0,
                )),
                HostEvent::Param { id, value, .. } => {
                    ev_buf.push(&ParamValueEvent::new(t, id, Pckn::match_all(), value))
                }
                HostEvent::Midi { data, .. } => ev_buf.push(&MidiEvent::new(t, 0, data)),
            }
            next_event += 1;
        }
        // A stopped transport stays where it is; a playing one advances with the audio.
        let transport_event = transport.map(|t| {
            let offset = if t.playing { pos } else { 0 };
            t.event(sample_rate, offset)
        });
        {
            let inputs = in_ports_buf.with_input_buffers(
                split_ports(&mut in_bufs, in_ports)
                    .into_iter()
                    .map(|group| AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_input_only(
                            group
                                .iter_mut()
                                .map(|b| InputChannel::variable(&mut b[..n])),
                        ),
                    }),
            );
            let mut outputs = out_ports_buf.with_output_buffers(
                split_ports(&mut out_bufs, out_ports)
                    .into_iter()
                    .map(|group| AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_output_only(
                            group.iter_mut().map(|b| &mut b[..n]),
                        ),
                    }),
            );
            let process_start = thread_cpu_seconds();
            processor
                .process(
                    &inputs,
                    &mut outputs,
                    &ev_buf.as_input(),
                    &mut out_ev.as_output(),
                    Some(*steady),
                    transport_event.as_ref(),
                )
                .map_err(|e| format!("process failed at sample {pos}: {e}"))?;
            process_cpu += thread_cpu_seconds() - process_start;
        }
        for (ch, dst) in result.iter_mut().enumerate() {
            dst.extend_from_slice(&out_bufs[ch][..n]);
        }
        *steady += n as u64;
        pos += n;
    }
    let processor = processor.stop_processing();
    Ok((
        processor,
        result,
        thread_cpu_seconds() - cpu_start,
        process_cpu,
    ))
}

/// Splits a flat list of channel buffers into one group per port.
fn split_ports<'a>(bufs: &'a mut [Vec<f32>], ports: &[usize]) -> Vec<&'a mut [Vec<f32>]> {
    let mut rest = bufs;
    let mut groups = Vec::with_capacity(ports.len());
    for &c in ports {
        let (group, tail) = rest.split_at_mut(c);
        groups.push(group);
        rest = tail;
    }
    groups
}
