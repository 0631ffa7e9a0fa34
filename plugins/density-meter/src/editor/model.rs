//! What the editor shows, computed off the drawing path: the report (sections + verdict) and the
//! per-bar curves, rebuilt only when the captured timeline changed, at most every
//! [`REFRESH_SECONDS`] (the report allocates and runs section finding: not a 60 fps job).

use crate::MeterShared;
use catalyst_widgets::egui::Color32;
use shared_dsp::density::index::SILENT_LUFS;
use shared_dsp::density::{BarStats, Report, VerdictKind};

/// Fastest rebuild of the report while bars arrive.
pub const REFRESH_SECONDS: f64 = 0.5;

/// The curves the timeline can draw. Each is drawn on the 0-100 scale the Density index uses
/// for it (`shared_dsp::density::index`), so a curve near 100 is a component at its full share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Density,
    Loudness,
    Occupancy,
    Onsets,
    Squeeze,
    LowEnd,
    Flatness,
}

impl Component {
    pub const ALL: [Component; 7] = [
        Component::Density,
        Component::Loudness,
        Component::Occupancy,
        Component::Onsets,
        Component::Squeeze,
        Component::LowEnd,
        Component::Flatness,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Component::Density => "Density",
            Component::Loudness => "Loudness",
            Component::Occupancy => "Occupancy",
            Component::Onsets => "Onsets",
            Component::Squeeze => "Peak/loud",
            Component::LowEnd => "Low end",
            Component::Flatness => "Flatness",
        }
    }

    pub fn colour(self, accent: Color32) -> Color32 {
        match self {
            Component::Density => accent,
            Component::Loudness => Color32::from_rgb(120, 160, 255),
            Component::Occupancy => Color32::from_rgb(176, 132, 255),
            Component::Onsets => Color32::from_rgb(255, 150, 70),
            Component::Squeeze => Color32::from_rgb(240, 110, 170),
            Component::LowEnd => Color32::from_rgb(110, 210, 120),
            Component::Flatness => Color32::from_rgb(214, 206, 130),
        }
    }

    /// How the curve is scaled, for its tooltip.
    pub fn describe(self) -> &'static str {
        match self {
            Component::Density => {
                "The Density index, 0 (sparse) to 100 (everything playing, full-band, busy, \
                 squashed). The components below add up to it."
            }
            Component::Loudness => {
                "Loudness of each bar (BS.1770, LUFS), drawn from -50 LUFS (0) to 0 LUFS (100)."
            }
            Component::Occupancy => {
                "Share of the 40 ERB bands filled, how much of the time (15% of the index; the part fill against the song's fullest bars makes 60%)."
            }
            Component::Onsets => {
                "Onsets per second (10% of the index): 100 on the scale = 8 per second, \
                 16th notes at 120 BPM."
            }
            Component::Squeeze => {
                "Peak-to-loudness ratio turned into squeeze (10% of the index): 0 at 20 dB \
                 (open), 100 at 8 dB (squashed)."
            }
            Component::LowEnd => {
                "Share of the power below 120 Hz (5% of the index): 100 at half the power."
            }
            Component::Flatness => {
                "Spectral flatness (shown, not scored): 0 at -30 dB (tonal), 100 at -5 dB \
                 (noise-like)."
            }
        }
    }

    /// The bar's value on the 0-100 plot scale (the index's own mapping of the component).
    pub fn plot_value(self, bar: &BarStats) -> f32 {
        let unit = |x: f32| {
            if x.is_finite() {
                100.0 * x.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        if !bar.is_sounding() {
            return if self == Component::Loudness {
                0.0
            } else {
                f32::NAN
            };
        }
        match self {
            Component::Density => bar.density.clamp(0.0, 100.0),
            Component::Loudness => unit((bar.loudness_lufs + 50.0) / 50.0),
            Component::Occupancy => unit(bar.occupancy),
            Component::Onsets => unit(bar.onset_rate_hz / 8.0),
            Component::Squeeze => unit((20.0 - bar.plr_db) / 12.0),
            Component::LowEnd => unit(bar.low_share / 0.5),
            Component::Flatness => unit((flatness_db(bar.flatness) + 30.0) / 25.0),
        }
    }
}

pub fn flatness_db(flatness: f32) -> f32 {
    10.0 * flatness.max(1e-6).log10()
}

/// The report laid out for drawing: bars by position and one curve per [`Component`].
#[derive(Debug, Clone)]
pub struct Journey {
    pub report: Report,
    /// Indexed by bar number (or free-time slot, oldest first).
    pub bars: Vec<Option<BarStats>>,
    /// `series[c][bar]` for `Component::ALL[c]`; NaN where there is no value.
    pub series: Vec<Vec<f32>>,
}

impl Journey {
    pub fn new(report: Report) -> Self {
        let len = report
            .bars
            .iter()
            .map(|b| b.index + 1)
            .max()
            .unwrap_or(0)
            .max(0) as usize;
        let mut bars = vec![None; len];
        for b in &report.bars {
            if b.index >= 0 {
                bars[b.index as usize] = Some(*b);
            }
        }
        let series = Component::ALL
            .iter()
            .map(|c| {
                bars.iter()
                    .map(|b| b.as_ref().map_or(f32::NAN, |b| c.plot_value(b)))
                    .collect()
            })
            .collect();
        Self {
            report,
            bars,
            series,
        }
    }

    pub fn total_bars(&self) -> usize {
        self.bars.len()
    }

    pub fn series(&self, component: Component) -> &[f32] {
        let i = Component::ALL
            .iter()
            .position(|c| *c == component)
            .unwrap_or(0);
        &self.series[i]
    }

    /// Whether captured `bar` lies outside the song (count-in, silence before the music, the
    /// release tail, the transport running on past the end: `shared_dsp::density::song_extent`):
    /// the timeline shades it, and it is in no section and not in the verdict (the report's
    /// sections and verdict are built from the song's bars only). Bars not captured yet are
    /// not judged.
    pub fn outside_song(&self, bar: usize) -> bool {
        bar < self.bars.len() && !self.report.song.is_some_and(|s| s.contains(bar as i32))
    }

    /// The runs of captured bars outside the song, `start..end` (bar numbers), for shading.
    pub fn outside_song_runs(&self) -> Vec<std::ops::Range<usize>> {
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        for bar in (0..self.bars.len()).filter(|&b| self.outside_song(b)) {
            match runs.last_mut() {
                Some(run) if run.end == bar => run.end = bar + 1,
                _ => runs.push(bar..bar + 1),
            }
        }
        runs
    }

    /// The section holding `bar`.
    pub fn section_at(&self, bar: usize) -> Option<&shared_dsp::density::Section> {
        let bar = bar as i32;
        self.report
            .sections
            .iter()
            .find(|s| bar >= s.start_bar && bar < s.end_bar)
    }
}

/// The report and curves, rebuilt when the timeline changed.
pub struct JourneyCache {
    journey: Journey,
    /// (timeline version, free-slot version, phrase bars) the journey was built from.
    key: Option<(u64, u64, usize)>,
    built_at: f64,
    dirty: bool,
}

impl JourneyCache {
    /// Builds the journey now (`now`: the editor's clock, seconds).
    pub fn new(shared: &MeterShared, phrase_bars: usize, now: f64) -> Self {
        Self {
            journey: Journey::new(shared.report(phrase_bars)),
            key: Some(Self::key_of(shared, phrase_bars)),
            built_at: now,
            dirty: false,
        }
    }

    fn key_of(shared: &MeterShared, phrase_bars: usize) -> (u64, u64, usize) {
        (
            shared.timeline.version(),
            shared.free_slots.version(),
            phrase_bars,
        )
    }

    /// Rebuild at the next [`refresh`](Self::refresh) whatever the time (after a rename).
    pub fn invalidate(&mut self) {
        self.dirty = true;
    }

    /// Whether a refresh at `now` (seconds) with this key would rebuild.
    pub fn needs_rebuild(&self, key: (u64, u64, usize), now: f64) -> bool {
        let phrase_changed = self.key.is_some_and(|k| k.2 != key.2);
        self.dirty
            || phrase_changed
            || (self.key != Some(key) && now - self.built_at >= REFRESH_SECONDS)
    }

    /// Rebuilds when needed; returns whether it did.
    pub fn refresh(&mut self, shared: &MeterShared, phrase_bars: usize, now: f64) -> bool {
        let key = Self::key_of(shared, phrase_bars);
        if !self.needs_rebuild(key, now) {
            return false;
        }
        self.journey = Journey::new(shared.report(phrase_bars));
        self.key = Some(key);
        self.built_at = now;
        self.dirty = false;
        true
    }

    pub fn journey(&self) -> &Journey {
        &self.journey
    }
}

/// Headline of a verdict.
pub fn verdict_title(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::NotEnoughMusic => "Listening",
        VerdictKind::WallOfSound => "Wall of sound",
        VerdictKind::LittleMovement => "Little movement",
        VerdictKind::Journey => "A journey",
    }
}

/// The hover text for one bar of the timeline.
pub fn bar_tooltip(journey: &Journey, bar: usize) -> String {
    let unit = if journey.report.free_time {
        "Slot"
    } else {
        "Bar"
    };
    let mut text = format!("{unit} {}", bar + 1);
    if let Some(section) = journey.section_at(bar) {
        text += &format!(" · {}", section.label);
    }
    if journey.outside_song(bar) {
        text += "\noutside the song: in no section and not in the verdict";
    }
    let Some(Some(b)) = journey.bars.get(bar) else {
        return text + "\nnot heard";
    };
    if b.loudness_lufs < SILENT_LUFS {
        return text + "\nsilent";
    }
    text += &format!(
        "\nDensity {:.0} / 100\nLoudness {:.1} LUFS · peak {:.1} dBTP\nOccupancy {:.0}% of bands\n\
         Onsets {:.1} /s\nPeak-to-loudness {:.1} dB\nLow end (< 120 Hz) {:.0}%\nFlatness {:.0} dB",
        b.density,
        b.loudness_lufs,
        b.true_peak_dbtp,
        b.occupancy * 100.0,
        b.onset_rate_hz,
        b.plr_db,
        b.low_share * 100.0,
        flatness_db(b.flatness),
    );
    if b.coverage < 0.99 {
        text += &format!("\nheard {:.0}% of the bar", b.coverage * 100.0);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::density::{BAR_FIELDS, MAX_BARS};

    pub fn bar(index: i32, density: f32, loudness_lufs: f32) -> BarStats {
        BarStats {
            index,
            duration_s: 2.0,
            coverage: 1.0,
            loudness_lufs,
            true_peak_dbtp: loudness_lufs + 12.0,
            plr_db: 12.0,
            occupancy: density / 100.0,
            flatness: 0.05,
            onset_rate_hz: 4.0,
            low_share: 0.2,
            low_band_share: [0.1, 0.1, 0.05],
            density,
            fill: 0.0,
            band_db: [shared_dsp::density::bands::NO_PROFILE_DB;
                shared_dsp::density::bands::PROFILE_BANDS],
        }
    }

    fn publish(shared: &MeterShared, bars: &[BarStats]) {
        let mut flat = vec![0.0f32; MAX_BARS * BAR_FIELDS];
        for b in bars {
            let i = b.index as usize;
            b.write_fields(&mut flat[i * BAR_FIELDS..(i + 1) * BAR_FIELDS]);
        }
        shared.timeline.write(&flat);
    }

    /// 8 sparse bars then 8 dense, louder ones.
    fn song() -> Vec<BarStats> {
        (0..16)
            .map(|i| {
                if i < 8 {
                    bar(i, 25.0, -20.0)
                } else {
                    bar(i, 75.0, -11.0)
                }
            })
            .collect()
    }

    #[test]
    fn curves_follow_the_index_scaling_and_leave_gaps() {
        let mut bars = song();
        bars.remove(3);
        let shared = MeterShared::default();
        publish(&shared, &bars);
        let journey = Journey::new(shared.report(4));
        assert_eq!(journey.total_bars(), 16);
        let density = journey.series(Component::Density);
        assert_eq!(density[0], 25.0);
        assert_eq!(density[12], 75.0);
        assert!(density[3].is_nan(), "a bar not heard is a gap");
        // -20 LUFS is 30 on the -50..0 loudness scale; occupancy 0.25 is 25.
        assert!((journey.series(Component::Loudness)[0] - 60.0).abs() < 1e-4);
        assert!((journey.series(Component::Occupancy)[0] - 25.0).abs() < 1e-4);
        // 4 onsets/s = half of the 8/s full share.
        assert!((journey.series(Component::Onsets)[0] - 50.0).abs() < 1e-4);
        // PLR 12 dB: (20 - 12) / 12.
        assert!((journey.series(Component::Squeeze)[0] - 66.666).abs() < 0.01);
        assert!((journey.series(Component::LowEnd)[0] - 40.0).abs() < 1e-4);
        // Silence: density 0, components undefined.
        let quiet = bar(0, 0.0, -90.0);
        assert!(Component::Occupancy.plot_value(&quiet).is_nan());
        assert_eq!(Component::Loudness.plot_value(&quiet), 0.0);
    }

    #[test]
    fn the_report_is_rebuilt_only_when_the_timeline_changes_and_not_too_often() {
        let shared = MeterShared::default();
        let mut cache = JourneyCache::new(&shared, 4, 0.0);
        assert!(cache.journey().report.free_time, "nothing captured yet");
        // Nothing changed: no rebuild, however often the editor draws.
        assert!(!cache.refresh(&shared, 4, 1.0));
        assert!(!cache.refresh(&shared, 4, 1.016));
        publish(&shared, &song());
        // Changed, but too soon after the last build (t = 0).
        assert!(!cache.refresh(&shared, 4, 0.2));
        assert!(cache.refresh(&shared, 4, 0.6));
        assert_eq!(cache.journey().report.sections.len(), 2);
        assert!(!cache.refresh(&shared, 4, 2.0));
        // A phrase change or a rename rebuilds at once.
        assert!(cache.refresh(&shared, 8, 2.01));
        shared.set_label(8, "Chorus");
        cache.invalidate();
        assert!(cache.refresh(&shared, 8, 2.02));
        assert_eq!(cache.journey().report.sections[1].label, "Chorus");
        assert!(cache.journey().report.sections[1].user_labelled);
        // An empty label goes back to the automatic letter.
        shared.set_label(8, "  ");
        cache.invalidate();
        cache.refresh(&shared, 8, 2.03);
        let s = &cache.journey().report.sections[1];
        assert!(!s.user_labelled);
        assert_eq!(s.label, s.auto_label);
    }

    /// A bar with `onsets` onsets in its 2 seconds.
    fn with_onsets(index: i32, density: f32, lufs: f32, onsets: f32) -> BarStats {
        let mut b = bar(index, density, lufs);
        b.onset_rate_hz = onsets / b.duration_s;
        b
    }

    /// A silent count-in bar, 16 bars of a wall of sound, a release tail of 2 bars falling
    /// 12 LU a bar with no onsets, then 3 silent bars captured while the transport ran on past
    /// the end of the song.
    fn bounce_with_run_on() -> Vec<BarStats> {
        let mut bars = vec![with_onsets(0, 0.0, -90.0, 0.0)];
        bars.extend((1..17).map(|i| with_onsets(i, 80.0, -9.0, 8.0)));
        bars.push(with_onsets(17, 8.0, -18.0, 0.0));
        bars.push(with_onsets(18, 8.0, -30.0, 0.0));
        bars.extend((19..22).map(|i| with_onsets(i, 0.0, -90.0, 0.0)));
        bars
    }

    #[test]
    fn bars_outside_the_song_are_shaded_and_in_no_section_or_verdict() {
        let shared = MeterShared::default();
        publish(&shared, &bounce_with_run_on());
        let journey = Journey::new(shared.report(4));
        // The count-in, the tail and the run-on past the end are shaded; the song is not.
        assert_eq!(journey.outside_song_runs(), vec![0..1, 17..22]);
        assert!((1..17).all(|b| !journey.outside_song(b)));
        // Bars not captured yet are not judged.
        assert!(!journey.outside_song(22));
        // Sections cover exactly the song's bars.
        let sections = &journey.report.sections;
        assert_eq!(sections.first().map(|s| s.start_bar), Some(1));
        assert_eq!(sections.last().map(|s| s.end_bar), Some(17));
        assert!(
            [0, 17, 18, 21]
                .iter()
                .all(|&b| journey.section_at(b).is_none())
        );
        // The verdict is the song's: a wall of sound (judged with its tail as a section, a wall
        // became "a journey" against it, issue 15), the same as the song alone.
        assert_eq!(journey.report.verdict.kind, VerdictKind::WallOfSound);
        let alone = MeterShared::default();
        let song: Vec<BarStats> = (0..16).map(|i| with_onsets(i, 80.0, -9.0, 8.0)).collect();
        publish(&alone, &song);
        assert_eq!(alone.report(4).verdict.kind, VerdictKind::WallOfSound);
        assert!(Journey::new(alone.report(4)).outside_song_runs().is_empty());
        // The hover text says so.
        assert!(bar_tooltip(&journey, 18).contains("outside the song"));
        assert!(!bar_tooltip(&journey, 5).contains("outside the song"));
    }

    #[test]
    fn tooltip_has_the_bar_numbers() {
        let shared = MeterShared::default();
        let mut bars = song();
        bars[9].coverage = 0.5;
        bars.remove(2);
        publish(&shared, &bars);
        let journey = Journey::new(shared.report(4));
        let t = bar_tooltip(&journey, 9);
        assert!(t.starts_with("Bar 10 · "), "{t}");
        assert!(t.contains("Density 75 / 100"), "{t}");
        assert!(t.contains("Loudness -11.0 LUFS"), "{t}");
        assert!(t.contains("Occupancy 75% of bands"), "{t}");
        assert!(t.contains("heard 50% of the bar"), "{t}");
        assert!(bar_tooltip(&journey, 2).ends_with("not heard"));
    }
}
