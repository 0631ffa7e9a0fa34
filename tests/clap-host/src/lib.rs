//! Catalyst's headless CLAP test host (on `clack-host`): loads `.clap` bundles and checks
//! descriptor, parameters, rates and block sizes, latency, notes, state, corrupt state, bad
//! input, instance isolation, the Snare Layerer's onsets shared between instances in step
//! (`shared_onsets`), a real-time workout (for debug builds with nice-plug's
//! `assert_process_allocs`) and a soak (`soak`, fed by `soak_material`). See `tests/README.md`.
pub mod checks;
pub mod host;
pub mod shared_onsets;
pub mod soak;
pub mod soak_material;
