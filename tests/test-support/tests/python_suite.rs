//! The Python host suite (`tests/host`) cannot import Rust constants, so it keeps a copy of the
//! output bound; this test fails when that copy and `OUTPUT_BOUND` part.

use shared_dsp::output_ceiling::OUTPUT_BOUND;

#[test]
fn the_python_suite_checks_the_same_output_bound() {
    let conftest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/conftest.py");
    let text = std::fs::read_to_string(&conftest).expect("tests/host/conftest.py");
    let limit: f32 = text
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_LIMIT = "))
        .expect("conftest.py defines PEAK_LIMIT")
        .trim()
        .parse()
        .expect("PEAK_LIMIT is a number");
    assert_eq!(limit, OUTPUT_BOUND);
}
