//! A progress bar on stderr for renders (indicatif hides it when stderr is not a terminal, so
//! scripts and tests see only the result lines).

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(total_frames: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total_frames);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
