//! `cargo run -p lv2-host --release -- --chords SECONDS [--uri URI]`
//!
//! A minimal LV2 host on `livi` (the system's lilv underneath) that plays
//! `catalyst_perf::chord_per_second`, the pattern of the engine benchmark
//! `piano-chord-per-second` and of `tests/clap-host --chords`, into an LV2 instrument (by default
//! mda Piano from Debian's `mda-lv2`, the reference of issue 16): 48 kHz, 64-sample blocks, the
//! plugin's default control values, each MIDI event at its sample inside its block, note-offs
//! before the note-ons of the same sample. It prints the peak and RMS of the output (a silent
//! render would make the measurement meaningless) and the audio thread's CPU time as a share of
//! one core.
//!
//! Meant for `valgrind --tool=callgrind --toggle-collect='*lv2_host_measured_block*'`: only the
//! blocks are counted (the plugin's `run()` and livi's port connection around it), not loading
//! the plugin or building the event lists. `scripts/piano-host-cost.sh` runs it next to the CLAP
//! host and prints both counts per second of audio.

use std::process::ExitCode;

use livi::event::LV2AtomSequence;

/// mda Piano (Paul Kellett's sample-based piano, ported to LV2 by David Robillard).
const MDA_PIANO: &str = "http://drobilla.net/plugins/mda/Piano";
const SAMPLE_RATE: f64 = 48_000.0;
const BLOCK: usize = 64;

/// One MIDI event at an absolute sample: (sample, status byte, key, velocity).
type MidiEvent = (usize, u8, u8, u8);

/// The pattern as MIDI over `frames` samples, looped like `tests/clap-host --chords` does:
/// the same sample positions (`round(t * 48000)`), the velocity `round(v * 127)` of the
/// normalised velocity (100 for the pattern's 100/127), note-offs kept before note-ons of the
/// same sample.
fn chord_events(frames: usize) -> Vec<MidiEvent> {
    let (pattern, loop_s) = catalyst_perf::chord_per_second();
    let seconds = frames as f64 / SAMPLE_RATE;
    let mut events = Vec::new();
    let mut start = 0.0;
    while start < seconds {
        for &(t, key, velocity) in &pattern {
            let sample = ((start + t) * SAMPLE_RATE).round() as usize;
            if sample >= frames {
                continue;
            }
            events.push(match velocity {
                Some(v) => (
                    sample,
                    0x90,
                    key,
                    (v * 127.0).round().clamp(1.0, 127.0) as u8,
                ),
                None => (sample, 0x80, key, 0),
            });
        }
        start += loop_s;
    }
    events.sort_by_key(|e| e.0);
    events
}

/// CPU time the calling thread has used, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the OS knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// One host block: the only code callgrind counts (`--toggle-collect`). Not inlined so the
/// toggle has a function to find.
#[inline(never)]
fn lv2_host_measured_block(
    instance: &mut livi::Instance,
    n: usize,
    midi: &LV2AtomSequence,
    left: &mut [f32],
    right: &mut [f32],
) -> Result<(), String> {
    let outputs = [left, right];
    let ports = livi::EmptyPortConnections::new()
        .with_atom_sequence_inputs(std::iter::once(midi))
        .with_audio_outputs(outputs.into_iter());
    // SAFETY: the instance was made for this sample rate and block bound; every port is
    // connected to a buffer of at least `n` samples that lives until `run` returns.
    unsafe { instance.run(n, ports) }.map_err(|e| format!("run: {e:?}"))
}

struct Report {
    seconds: f64,
    peak: f32,
    rms: f32,
    cpu_seconds: f64,
}

fn play_chords(uri: &str, seconds: f64) -> Result<Report, String> {
    let world = livi::World::new();
    let plugin = world
        .plugin_by_uri(uri)
        .ok_or_else(|| format!("no LV2 plugin {uri} (Debian: apt-get install mda-lv2)"))?;
    let features = world
        .try_build_features(livi::FeaturesBuilder {
            min_block_length: 1,
            max_block_length: BLOCK,
        })
        .map_err(|e| format!("features: {e:?}"))?;
    // SAFETY: a positive, finite sample rate; the instance is used on this thread only.
    let mut instance = unsafe { plugin.instantiate(features.clone(), SAMPLE_RATE) }
        .map_err(|e| format!("instantiate {uri}: {e:?}"))?;
    if instance.port_counts().audio_outputs != 2 || instance.port_counts().audio_inputs != 0 {
        return Err(format!(
            "{uri}: expected a stereo instrument, got {:?}",
            instance.port_counts()
        ));
    }
    let frames = (seconds * SAMPLE_RATE) as usize;
    let events = chord_events(frames);
    let midi_urid = features.midi_urid();
    let mut midi = LV2AtomSequence::new(&features, 4096);
    let mut left = vec![0.0f32; BLOCK];
    let mut right = vec![0.0f32; BLOCK];
    let (mut peak, mut energy) = (0.0f32, 0.0f64);
    let mut next = 0;
    let mut pos = 0;
    let mut cpu_seconds = 0.0;
    while pos < frames {
        let n = BLOCK.min(frames - pos);
        midi.clear();
        while next < events.len() && events[next].0 < pos + n {
            let (sample, status, key, velocity) = events[next];
            midi.push_midi_event::<3>((sample - pos) as i64, midi_urid, &[status, key, velocity])
                .map_err(|e| format!("MIDI event: {e:?}"))?;
            next += 1;
        }
        let t0 = thread_cpu_seconds();
        lv2_host_measured_block(&mut instance, n, &midi, &mut left[..n], &mut right[..n])?;
        cpu_seconds += thread_cpu_seconds() - t0;
        for &x in left[..n].iter().chain(&right[..n]) {
            peak = peak.max(x.abs());
            energy += (x as f64) * (x as f64);
        }
        pos += n;
    }
    let rms = (energy / (2.0 * frames.max(1) as f64)).sqrt() as f32;
    if !(peak > 1e-3 && peak.is_finite()) {
        return Err(format!("the chords did not sound (peak {peak})"));
    }
    Ok(Report {
        seconds,
        peak,
        rms,
        cpu_seconds,
    })
}

fn main() -> ExitCode {
    let usage = "usage: lv2-host --chords SECONDS [--uri URI]";
    let mut args = std::env::args().skip(1);
    let mut uri = MDA_PIANO.to_string();
    let mut seconds = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--chords" => seconds = args.next().and_then(|s| s.parse::<f64>().ok()),
            "--uri" => match args.next() {
                Some(u) => uri = u,
                None => {
                    eprintln!("{usage}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{usage}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(seconds) = seconds.filter(|s| *s > 0.0 && s.is_finite()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    match play_chords(&uri, seconds) {
        Ok(r) => {
            println!(
                "chords {uri}: {} s played, peak {:.3}, RMS {:.4} ({:.1} dBFS), audio-thread CPU {:.4} s = {:.3} % of one core",
                r.seconds,
                r.peak,
                r.rms,
                20.0 * r.rms.max(1e-12).log10(),
                r.cpu_seconds,
                100.0 * r.cpu_seconds / r.seconds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("FAIL  chords {uri}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_is_four_note_chords_once_a_second_at_velocity_100() {
        let events = chord_events(4 * 48_000);
        let ons: Vec<_> = events.iter().filter(|e| e.1 == 0x90).collect();
        assert_eq!(ons.len(), 16);
        for (i, chord) in ons.chunks(4).enumerate() {
            assert!(chord.iter().all(|e| e.0 == i * 48_000 && e.3 == 100));
        }
        // Each chord's keys are released on the sample the next chord is struck, before it.
        let at_one_second: Vec<_> = events.iter().filter(|e| e.0 == 48_000).collect();
        assert_eq!(at_one_second.len(), 8);
        assert!(at_one_second[..4].iter().all(|e| e.1 == 0x80));
        assert!(at_one_second[4..].iter().all(|e| e.1 == 0x90));
    }
}
