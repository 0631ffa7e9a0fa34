//! `cargo xtask perf`: runs the criterion benchmarks of every engine (`catalyst-perf`) and prints
//! their cost as a percentage of one core in real time. Each benchmark iteration renders one
//! second of audio and is timed in thread CPU time, so median CPU seconds per iteration x 100 =
//! % of one core.
//! Extra arguments go to criterion as a filter (`cargo xtask perf 48000/64`).

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub fn perf(filter: &[String], target_dir: &Path) -> Result<()> {
    let status = Command::new("cargo")
        .args(["bench", "-p", "catalyst-perf", "--bench", "engines", "--"])
        .args(filter)
        .status()
        .context("could not run cargo bench")?;
    if !status.success() {
        bail!("benchmarks failed");
    }
    let table = read_table(&target_dir.join("criterion"))?;
    println!("\nMachine: {}", machine_description());
    println!("% of one core (thread CPU time per second of audio), sample rate / block size:\n");
    print!("{}", markdown_table(&table));
    Ok(())
}

/// One row per workload, one column per (sample rate, block size) pair.
fn markdown_table(rows: &[(String, u32, usize, f64)]) -> String {
    let mut columns: Vec<(u32, usize)> = rows.iter().map(|r| (r.1, r.2)).collect();
    columns.sort_unstable();
    columns.dedup();
    let mut workloads: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    workloads.dedup();
    let mut out = String::from("| workload |");
    for (rate, block) in &columns {
        out += &format!(" {:.1}k / {block} |", *rate as f64 / 1000.0);
    }
    out += "\n|---|";
    out += &"---:|".repeat(columns.len());
    out += "\n";
    for w in workloads {
        out += &format!("| {w} |");
        for &(rate, block) in &columns {
            match rows
                .iter()
                .find(|r| r.0 == w && r.1 == rate && r.2 == block)
            {
                Some(r) => out += &format!(" {:.3}% |", r.3),
                None => out += " - |",
            }
        }
        out += "\n";
    }
    out
}

/// (workload, sample rate, block size, % of one core) for every benchmark criterion has results
/// for, sorted.
fn read_table(criterion_dir: &Path) -> Result<Vec<(String, u32, usize, f64)>> {
    let mut rows = Vec::new();
    let groups = std::fs::read_dir(criterion_dir)
        .with_context(|| format!("no benchmark results in {}", criterion_dir.display()))?;
    for group in groups.flatten().filter(|e| e.path().is_dir()) {
        let workload = group.file_name().to_string_lossy().to_string();
        for bench in std::fs::read_dir(group.path())?.flatten() {
            let id = bench.file_name().to_string_lossy().to_string();
            let Some((rate, block)) = id.split_once('_') else {
                continue;
            };
            let (Ok(rate), Ok(block)) = (rate.parse::<u32>(), block.parse::<usize>()) else {
                continue;
            };
            let estimates = bench.path().join("new/estimates.json");
            let Ok(text) = std::fs::read_to_string(&estimates) else {
                continue;
            };
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("unreadable {}", estimates.display()))?;
            let median_ns = json["median"]["point_estimate"]
                .as_f64()
                .with_context(|| format!("no median in {}", estimates.display()))?;
            // One iteration = one second of audio.
            rows.push((workload.clone(), rate, block, median_ns / 1e9 * 100.0));
        }
    }
    rows.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    Ok(rows)
}

fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores available, {}", std::env::consts::OS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_reads_criterion_estimates_as_percent_of_core() {
        let dir = std::env::temp_dir().join(format!("catalyst-perf-{}", std::process::id()));
        let bench = dir.join("snare-all-layers/48000_64/new");
        std::fs::create_dir_all(&bench).unwrap();
        // 3 ms per rendered second = 0.3% of one core.
        std::fs::write(
            bench.join("estimates.json"),
            r#"{"median":{"point_estimate":3000000.0}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("report")).unwrap();
        let rows = read_table(&dir).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].1, rows[0].2), (48_000, 64));
        assert!((rows[0].3 - 0.3).abs() < 1e-9);
        std::fs::remove_dir_all(dir).unwrap();
        let table = markdown_table(&rows);
        assert!(table.contains("| workload | 48.0k / 64 |"), "{table}");
        assert!(table.contains("| snare-all-layers | 0.300% |"), "{table}");
    }
}
