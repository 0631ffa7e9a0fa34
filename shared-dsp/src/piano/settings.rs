//! Every user-facing control of the piano, in engine units. The plugin maps its parameters onto
//! this struct; the command-line renderer and the presets use it directly.

/// The character controls. Ranges are the plugin's parameter ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PianoSettings {
    /// Tuning reference: the frequency of A4 (415-466 Hz).
    pub a4_hz: f32,
    /// Cents between the outer strings of a unison (0-40).
    pub detune_cents: f32,
    /// Per-string unisons: detune of strings 2 and 3 from string 1, cents (-20..20), added to
    /// the Detune pattern. 2-string notes use the first; single-string bass notes neither.
    pub string_detune_cents: [f32; 2],
    /// Strike level of strings 2 and 3 relative to string 1, dB (-24..0): worn hammers strike
    /// the strings of a unison unequally.
    pub string_level_db: [f32; 2],
    /// Silent Keys: notes softer than this velocity (0-0.3; 0 = off) lift their dampers
    /// without a hammer strike, so they ring only sympathetically.
    pub silent_below_velocity: f32,
    /// Random per-key mistuning of an old piano, cents (0-50).
    pub spread_cents: f32,
    /// Seed of the per-key randomness (tuning spread, worn keys): a project recalls it.
    pub tuning_seed: u32,
    /// Stretch tuning: 0 = pure equal temperament, 1 = a concert grand's stretch, 2 = double.
    pub stretch: f32,
    /// Hammer brightness, -1 (darker) .. +1 (brighter).
    pub tone: f32,
    /// Hammer hardness as voiced in the pp, mf and ff velocity zones (edges at MIDI velocity
    /// 44/45 and 89/90), -1 (needled: mellow) .. +1 (hardened: bright), 0 = factory voicing;
    /// blended smoothly across the zone edges.
    pub voicing: [f32; 3],
    /// Felt thickness between hammer and strings (0-1): 0 = a concert grand's bare hammers,
    /// 1 = a felt piano's thick strip (soft, dark, muted). Continuous; its damping of the high
    /// partials follows on sounding notes.
    pub felt: f32,
    /// Uneven, dull keys and unisons (0-1). Continuous; the dull strings' damping follows on
    /// sounding notes, the unevenness of the strike applies from the next note.
    pub wear: f32,
    /// Tape-style slow pitch drift, cents (0-50) and rate (0.1-4 Hz).
    pub wow_depth_cents: f32,
    pub wow_rate_hz: f32,
    /// Fast pitch wobble, cents (0-20) and rate (4-20 Hz).
    pub flutter_depth_cents: f32,
    pub flutter_rate_hz: f32,
    /// Key, hammer and pedal mechanics and tape hiss (0-1).
    pub noise: f32,
    /// Small built-in room (0-1).
    pub air: f32,
    /// Key-tracked stereo width (0 = mono, 1 = player's perspective, bass left).
    pub width: f32,
    /// Sympathetic string resonance with the sustain pedal down (0-1).
    pub resonance: f32,
    /// The Ache macro (0-1): more detune, drift, felt, wear, air and noise at once.
    pub ache: f32,
    /// Pitch-bend range in semitones (0-12).
    pub bend_range_semitones: f32,
}

impl Default for PianoSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl PianoSettings {
    /// The default piano (also the base every factory preset starts from).
    pub const DEFAULT: Self = Self {
        a4_hz: 440.0,
        detune_cents: 2.0,
        string_detune_cents: [0.0; 2],
        string_level_db: [0.0; 2],
        silent_below_velocity: 0.0,
        spread_cents: 3.0,
        tuning_seed: 1,
        stretch: 1.0,
        tone: 0.0,
        voicing: [0.0; 3],
        felt: 0.0,
        wear: 0.0,
        wow_depth_cents: 0.0,
        wow_rate_hz: 0.5,
        flutter_depth_cents: 0.0,
        flutter_rate_hz: 9.0,
        noise: 0.15,
        air: 0.2,
        width: 0.6,
        resonance: 0.5,
        ache: 0.0,
        bend_range_semitones: 2.0,
    };

    /// A clean, perfectly tuned piano: every character control off. Tests measure this.
    pub fn clean() -> Self {
        Self {
            detune_cents: 0.0,
            spread_cents: 0.0,
            stretch: 0.0,
            noise: 0.0,
            air: 0.0,
            width: 0.0,
            resonance: 0.0,
            ..Self::default()
        }
    }

    /// Applies the Ache macro: the controls it moves, each clamped to its range. The macro
    /// adds to the user's settings, so the Ache knob deepens whatever preset is loaded.
    pub fn with_ache_applied(&self) -> Self {
        let a = self.ache.clamp(0.0, 1.0);
        Self {
            detune_cents: (self.detune_cents + 10.0 * a).clamp(0.0, 40.0),
            spread_cents: (self.spread_cents + 12.0 * a).clamp(0.0, 50.0),
            tone: (self.tone - 0.4 * a).clamp(-1.0, 1.0),
            felt: (self.felt + 0.4 * a).clamp(0.0, 1.0),
            wear: (self.wear + 0.35 * a).clamp(0.0, 1.0),
            wow_depth_cents: (self.wow_depth_cents + 9.0 * a).clamp(0.0, 50.0),
            flutter_depth_cents: (self.flutter_depth_cents + 2.5 * a).clamp(0.0, 20.0),
            noise: (self.noise + 0.3 * a).clamp(0.0, 1.0),
            air: (self.air + 0.3 * a).clamp(0.0, 1.0),
            ache: 0.0,
            ..*self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ache_deepens_the_character_within_ranges() {
        let base = PianoSettings {
            ache: 1.0,
            detune_cents: 38.0,
            ..PianoSettings::default()
        };
        let a = base.with_ache_applied();
        assert_eq!(a.detune_cents, 40.0);
        assert!(a.felt > base.felt && a.wow_depth_cents > base.wow_depth_cents);
        assert!(a.air > base.air && a.tone < base.tone);
        let none = PianoSettings::default().with_ache_applied();
        assert_eq!(none.detune_cents, PianoSettings::default().detune_cents);
    }
}
