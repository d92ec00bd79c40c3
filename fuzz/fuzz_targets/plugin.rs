//! Plugin mode on raw bytes: whatever they are, `run_plugin` must not panic, and its
//! output must have the properties of `connect_python_fuzz::check`. The seed corpus
//! (`fuzz/corpus/plugin/`) holds real requests captured from protoc, so mutations start
//! from well-formed descriptors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = connect_python_fuzz::check::check_plugin(data) {
        panic!("property failed: {failure}");
    }
});
