//! Saving and exporting the captured timeline: the versioned state the plugin persists, and the
//! CSV / JSON exports (pure functions: the caller writes the files).

use super::bar::BarStats;
use super::sections::{Section, SectionLabel, find_sections};
use super::song_extent::{SongExtent, song_extent, within_song};
use super::tracker::MAX_BARS;
use super::verdict::{Verdict, journey_verdict};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Version of [`TimelineState`]; bump on incompatible changes and migrate in
/// [`TimelineState::from_json_value`].
pub const STATE_VERSION: u32 = 1;

/// What the plugin keeps in its saved state: the captured bars and the user's section labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineState {
    pub version: u32,
    pub bars: Vec<BarStats>,
    #[serde(default)]
    pub labels: Vec<SectionLabel>,
}

impl Default for TimelineState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            bars: Vec::new(),
            labels: Vec::new(),
        }
    }
}

impl TimelineState {
    /// From a timeline indexed by bar number.
    pub fn from_timeline(timeline: &[Option<BarStats>], labels: &[SectionLabel]) -> Self {
        Self {
            version: STATE_VERSION,
            bars: timeline.iter().flatten().copied().collect(),
            labels: labels.to_vec(),
        }
    }

    /// The bars as a timeline indexed by bar number (up to the last captured bar).
    pub fn timeline(&self) -> Vec<Option<BarStats>> {
        let len = self
            .bars
            .iter()
            .map(|b| b.index + 1)
            .max()
            .unwrap_or(0)
            .clamp(0, MAX_BARS as i32) as usize;
        let mut t = vec![None; len];
        for b in &self.bars {
            if (0..len as i32).contains(&b.index) {
                t[b.index as usize] = Some(*b);
            }
        }
        t
    }

    /// Reads saved state. Anything that is not a version-1 state (random bytes, a future or an
    /// older format) is an error saying why; the caller loads [`TimelineState::default`] and
    /// warns. Bars are sanitized and out-of-range ones dropped; labels are trimmed to 40 chars.
    pub fn from_json_value(value: serde_json::Value) -> Result<Self, String> {
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| "density timeline state has no version".to_string())?;
        if version != STATE_VERSION as u64 {
            return Err(format!(
                "density timeline state version {version} is not supported (expected {STATE_VERSION})"
            ));
        }
        let mut state: Self = serde_json::from_value(value)
            .map_err(|e| format!("density timeline state is corrupt: {e}"))?;
        state
            .bars
            .retain(|b| (0..MAX_BARS as i32).contains(&b.index));
        for b in &mut state.bars {
            *b = b.sanitized();
        }
        for l in &mut state.labels {
            l.label = l.label.chars().take(40).collect();
        }
        Ok(state)
    }

    pub fn from_json_str(s: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(s)
            .map_err(|e| format!("density timeline state is not JSON: {e}"))?;
        Self::from_json_value(value)
    }
}

/// Everything the meter concluded about a song.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// True when the bars are free-time slots (seconds), not musical bars.
    pub free_time: bool,
    pub phrase_bars: usize,
    /// The bars that are the song (count-in and release tail excluded; see
    /// [`super::song_extent`]); `None` when nothing sounds. Sections and verdict use only these.
    #[serde(default)]
    pub song: Option<SongExtent>,
    pub bars: Vec<BarStats>,
    pub sections: Vec<Section>,
    pub verdict: Verdict,
    /// Whole-programme loudness (integrated, range, true peak, maxima) when the caller
    /// measured one programme from its start (`catalyst analyze` on a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<crate::loudness::LoudnessSummary>,
}

/// Sections and verdict for a timeline (indexed by bar number).
pub fn analyze_timeline(
    timeline: &[Option<BarStats>],
    phrase_bars: usize,
    labels: &[SectionLabel],
    free_time: bool,
) -> Report {
    let song = song_extent(timeline);
    // Fill and density against the song's own fullest bars (see `part_fill`).
    let mut timeline = timeline.to_vec();
    super::part_fill::anchor_to_song(&mut timeline, |bar| song.is_some_and(|s| s.contains(bar)));
    let timeline = &timeline[..];
    let within = within_song(timeline, song);
    let sections = find_sections(&within, phrase_bars, labels);
    let verdict = journey_verdict(&within, &sections);
    Report {
        free_time,
        phrase_bars,
        song,
        bars: timeline.iter().flatten().copied().collect(),
        sections,
        verdict,
        summary: None,
    }
}

/// Sections and verdict of free-time slots (oldest first): they are renumbered 0.. so that
/// sections fall on the slot grid, and the report says it is in free time.
pub fn analyze_free_slots(slots: &[BarStats], phrase_bars: usize) -> Report {
    let timeline: Vec<Option<BarStats>> = slots
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Some(BarStats {
                index: i as i32,
                ..*b
            })
        })
        .collect();
    analyze_timeline(&timeline, phrase_bars, &[], true)
}

/// One CSV row per bar with its section; the first line is the header. Numbers use `.` and no
/// thousands separators; labels are quoted.
pub fn to_csv(report: &Report) -> String {
    let mut s = String::from(
        "bar,section,duration_s,coverage,loudness_lufs,true_peak_dbtp,plr_db,occupancy,\
         flatness,onset_rate_hz,low_share,sub_share,bass_share,low_mid_share,density\n",
    );
    for b in &report.bars {
        let section = report
            .sections
            .iter()
            .find(|x| (x.start_bar..x.end_bar).contains(&b.index))
            .map(|x| x.label.replace('"', "\"\""))
            .unwrap_or_default();
        // Bars are 1-based for musicians.
        let _ = writeln!(
            s,
            "{},\"{}\",{:.3},{:.3},{:.2},{:.2},{:.2},{:.3},{:.4},{:.2},{:.3},{:.3},{:.3},{:.3},{:.1}",
            b.index + 1,
            section,
            b.duration_s,
            b.coverage,
            b.loudness_lufs,
            b.true_peak_dbtp,
            b.plr_db,
            b.occupancy,
            b.flatness,
            b.onset_rate_hz,
            b.low_share,
            b.low_band_share[0],
            b.low_band_share[1],
            b.low_band_share[2],
            b.density
        );
    }
    s
}

/// The whole report as pretty JSON.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::sections::tests::timeline;
    use crate::density::verdict::VerdictKind;

    fn song() -> Vec<Option<BarStats>> {
        timeline(&[(8, 25.0, -20.0), (4, 45.0, -16.0), (8, 78.0, -11.0)])
    }

    #[test]
    fn free_slots_are_renumbered_from_zero_and_reported_as_free_time() {
        // Slots from a ring: their own numbers start wherever the ring wrapped.
        let slots: Vec<BarStats> = song()
            .into_iter()
            .flatten()
            .map(|b| BarStats {
                index: b.index + 700,
                ..b
            })
            .collect();
        let report = analyze_free_slots(&slots, 4);
        assert!(report.free_time);
        assert_eq!(report.bars.len(), 20);
        assert!(
            report
                .bars
                .iter()
                .enumerate()
                .all(|(i, b)| b.index == i as i32)
        );
        // The same sections as the bar timeline they came from.
        let bars = analyze_timeline(&song(), 4, &[], false);
        let starts = |r: &Report| r.sections.iter().map(|s| s.start_bar).collect::<Vec<_>>();
        assert_eq!(starts(&report), starts(&bars));
    }

    #[test]
    fn state_round_trips_through_json() {
        let labels = vec![SectionLabel {
            start_bar: 12,
            label: "Chorus".into(),
        }];
        let state = TimelineState::from_timeline(&song(), &labels);
        let json = serde_json::to_string(&state).unwrap();
        let back = TimelineState::from_json_str(&json).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.timeline(), song());
    }

    #[test]
    fn garbage_and_other_versions_are_errors_not_panics() {
        assert!(TimelineState::from_json_str("\u{1}\u{2}garbage").is_err());
        assert!(TimelineState::from_json_str("{}").is_err());
        assert!(TimelineState::from_json_str("[1,2,3]").is_err());
        assert!(TimelineState::from_json_str(r#"{"version": 0, "bars": []}"#).is_err());
        assert!(TimelineState::from_json_str(r#"{"version": 2, "bars": []}"#).is_err());
        assert!(TimelineState::from_json_str(r#"{"version": 1, "bars": [{"index": 1}]}"#).is_err());
        // Random bytes as a JSON string value.
        let mut rng = crate::rng::Rng::new(3);
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..64).map(|_| rng.next_u32() as u8).collect();
            let s = String::from_utf8_lossy(&bytes);
            assert!(TimelineState::from_json_str(&s).is_err());
        }
        // Out-of-range bars and absurd values are repaired, not trusted.
        let mut bad = TimelineState::from_timeline(&song(), &[]);
        bad.bars[0].index = 5000;
        bad.bars[1].density = f32::MAX;
        let fixed = TimelineState::from_json_str(&serde_json::to_string(&bad).unwrap()).unwrap();
        assert_eq!(fixed.bars.len(), song().len() - 1);
        assert_eq!(fixed.bars[0].density, 100.0);
    }

    #[test]
    fn csv_has_one_row_per_bar_with_sections() {
        let report = analyze_timeline(&song(), 4, &[], false);
        let csv = to_csv(&report);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 21);
        assert!(lines[0].starts_with("bar,section,"));
        assert_eq!(lines[1].split(',').count(), lines[0].split(',').count());
        assert!(lines[1].starts_with("1,\"A\","));
        assert!(lines[20].starts_with("20,\"C\","));
        assert!(lines[20].ends_with(",78.0"));
    }

    #[test]
    fn json_report_reads_back() {
        let report = analyze_timeline(&song(), 4, &[], false);
        assert_eq!(report.verdict.kind, VerdictKind::Journey);
        let back: Report = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(back, report);
    }
}
