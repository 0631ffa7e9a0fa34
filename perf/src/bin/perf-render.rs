//! Renders each guarded workload for a fixed number of seconds, inside one function per
//! workload that callgrind's `--toggle-collect` isolates from set-up costs:
//! `valgrind --tool=callgrind --toggle-collect='catalyst_perf_measured*' perf-render NAME`.
//! Without an argument, lists the workload names.

use catalyst_perf::{Workload, guarded_workloads};

/// Seconds of audio rendered per measurement.
const SECONDS: usize = 2;

#[inline(never)]
#[unsafe(no_mangle)]
pub extern "Rust" fn catalyst_perf_measured(workload: &mut dyn Workload) {
    for _ in 0..SECONDS {
        workload.run();
    }
}

fn main() {
    let wanted = std::env::args().nth(1);
    let mut found = false;
    for (name, mut workload) in guarded_workloads() {
        match &wanted {
            None => println!("{name}"),
            Some(w) if w == name => {
                // One warm-up second outside the measured function (first-touch page faults).
                workload.run();
                catalyst_perf_measured(workload.as_mut());
                found = true;
            }
            Some(_) => {}
        }
    }
    if let Some(w) = wanted
        && !found
    {
        eprintln!("perf-render: unknown workload '{w}'");
        std::process::exit(2);
    }
}
