//! Renders each guarded workload for its fixed number of seconds, inside one function per
//! workload that callgrind's `--toggle-collect` isolates from set-up costs:
//! `valgrind --tool=callgrind --toggle-collect='catalyst_perf_measured*' perf-render NAME`.
//! Without an argument, lists the workload names and their render lengths in seconds.

use catalyst_perf::{Workload, guarded_workloads};

#[inline(never)]
#[unsafe(no_mangle)]
pub extern "Rust" fn catalyst_perf_measured(workload: &mut dyn Workload, seconds: usize) {
    for _ in 0..seconds {
        workload.run();
    }
}

fn main() {
    let wanted = std::env::args().nth(1);
    let mut found = false;
    for g in guarded_workloads() {
        match &wanted {
            None => println!("{} {}", g.name, g.seconds),
            Some(w) if w == g.name => {
                let mut workload = (g.make)();
                // One warm-up second outside the measured function (first-touch page faults).
                workload.run();
                catalyst_perf_measured(workload.as_mut(), g.seconds);
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
