//! One fuzz input = one session: a sample rate and maximum block, a cycle of block sizes,
//! parameter changes (plain values inside each range), notes, and audio that mixes normal
//! signal with raw bytes reinterpreted as f32 (NaN, inf, denormals, huge values), plus state
//! saves/loads with garbage, and host transport changes (stopped, playing, negative
//! positions, tempo 20-1000 BPM). Every output sample must be finite and within +24 dBFS; a
//! violation panics, which libFuzzer reports as a crash with the input saved.

use std::cell::RefCell;

use clack_host::entry::{EntryDescriptor, PluginEntry};
use clap_host::checks::{PEAK_LIMIT, drum_signal};
use clap_host::host::{HostEvent, Plugin, Transport};

const RATES: [f64; 5] = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0];

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn f32_bits(&mut self) -> f32 {
        f32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

thread_local! {
    static ENTRY: RefCell<Option<PluginEntry>> = const { RefCell::new(None) };
}

/// A fresh instance per input (so a crash reproduces from its input alone).
pub fn run(entry: &'static EntryDescriptor, data: &[u8]) {
    let entry = ENTRY.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                // SAFETY: a valid, static CLAP entry linked into this binary.
                unsafe { PluginEntry::load_from_raw(entry, c"/fuzz/in-process.clap") }
                    .expect("entry loads")
            })
            .clone()
    });
    let mut plugin = Plugin::from_entry(entry).expect("instance");
    session(&mut plugin, &mut Reader { data, pos: 0 });
}

fn session(p: &mut Plugin, r: &mut Reader) {
    let sr = RATES[r.u8() as usize % RATES.len()];
    let max_block = 1 + (r.u16() as usize % 8192);
    p.activate(sr, max_block as u32).expect("activate");
    let mut blocks: Vec<usize> = (0..1 + r.u8() % 8)
        .map(|_| 1 + r.u16() as usize % max_block)
        .collect();
    blocks.dedup();
    let frames = 1 + (r.u16() as usize % 16_384);
    let ch = p.main_in_channels();
    let mut input = drum_signal(sr, frames, ch, r.u8() as u32);
    let mut events = Vec::new();
    let params: Vec<_> = p.params.iter().filter(|q| !q.hidden).cloned().collect();
    while !r.done() {
        let at = r.u16() as usize % frames;
        match r.u8() % 9 {
            0 | 1 if !params.is_empty() => {
                let q = &params[r.u8() as usize % params.len()];
                let t = r.u16() as f64 / 65_535.0;
                let mut v = q.min + (q.max - q.min) * t;
                if q.stepped {
                    v = v.round();
                }
                events.push(HostEvent::Param { sample: at, id: q.id, value: v });
            }
            2 => events.push(HostEvent::NoteOn {
                sample: at,
                key: r.u8() % 128,
                velocity: r.u8() as f64 / 255.0,
            }),
            3 => events.push(HostEvent::NoteOff { sample: at, key: r.u8() % 128 }),
            4 => {
                // A run of raw f32 bit patterns into the input.
                let len = r.u8() as usize;
                for i in 0..len {
                    let x = r.f32_bits();
                    for c in input.iter_mut() {
                        if let Some(s) = c.get_mut(at + i) {
                            *s = x;
                        }
                    }
                }
            }
            5 => {
                // A run of full-scale DC or alternating full scale.
                let len = r.u16() as usize % 4096;
                let alt = r.u8() & 1 == 1;
                for c in input.iter_mut() {
                    for (i, s) in c.iter_mut().skip(at).take(len).enumerate() {
                        *s = if alt && i % 2 == 1 { -1.0 } else { 1.0 };
                    }
                }
            }
            6 => {
                // Garbage state (refusal is fine; crashing or breaking the sound is not).
                let len = r.u8() as usize;
                let blob: Vec<u8> = (0..len).map(|_| r.u8()).collect();
                let _ = p.load_state(&blob);
            }
            7 => {
                // Transport: none, stopped or playing, anywhere, at any tempo.
                p.transport = match r.u8() % 3 {
                    0 => None,
                    k => Some(Transport {
                        tempo_bpm: 20.0 + r.u16() as f64 / 65_535.0 * 980.0,
                        playing: k == 2,
                        position_seconds: r.u16() as f64 * 0.25 - 100.0,
                    }),
                };
            }
            _ => {
                if let Ok(s) = p.save_state() {
                    let cut = r.u16() as usize % (s.len() + 1);
                    let _ = p.load_state(&s[..cut]);
                }
            }
        }
    }
    events.sort_by_key(HostEvent::sample);
    let y = p.render(&input, frames, &blocks, &events).expect("render");
    for (c, chan) in y.iter().enumerate() {
        for (i, &s) in chan.iter().enumerate() {
            assert!(
                s.is_finite() && s.abs() <= PEAK_LIMIT,
                "output {s} at ch {c} sample {i} (rate {sr}, blocks {blocks:?})"
            );
        }
    }
}
