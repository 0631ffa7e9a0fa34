//! Fuzz Catalyst's snare layerer through its real CLAP entry (linked into this binary, so the
//! plugin, nice-plug's wrapper and shared-dsp are all coverage-instrumented).
#![no_main]

// Link the plugin crate; its `clap_entry` static (from `nice_export_clap!`) is what we host.
use snare_layerer as _;

unsafe extern "C" {
    static clap_entry: clack_host::entry::EntryDescriptor;
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // SAFETY: the static is the plugin's CLAP entry, valid for the whole program.
    catalyst_fuzz::run(unsafe { &clap_entry }, data);
});
