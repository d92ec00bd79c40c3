//! Plugin mode on requests built by `arbitrary` from hostile name pools
//! (`connect_python_fuzz::structured`): every one decodes, so the fuzzer's time goes
//! into naming, layout and rendering. Besides the properties of
//! `connect_python_fuzz::check`, a response without an error must hold one file per
//! file to generate that has a service.
//!
//! With `CONNECT_PYTHON_FUZZ_REQUEST_OUT=path` set, the encoded request is written
//! there before the plugin runs: `scripts/fuzz` turns a crash of this target into a
//! request file for `fuzz/regressions/` that way.
#![no_main]

use connect_python_fuzz::check::{Outcome, check_plugin};
use connect_python_fuzz::structured::Request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|request: Request| {
    let built = request.build();
    let bytes = built.encode();
    if let Some(path) = std::env::var_os("CONNECT_PYTHON_FUZZ_REQUEST_OUT") {
        std::fs::write(&path, &bytes).expect("cannot write CONNECT_PYTHON_FUZZ_REQUEST_OUT");
    }
    match check_plugin(&bytes) {
        Err(failure) => panic!("property failed: {failure}"),
        Ok(Outcome::Undecodable) => panic!("a request built with prost does not decode"),
        Ok(Outcome::Files(n)) if n != built.expected_files => panic!(
            "the response holds {n} files where {} files to generate have services",
            built.expected_files
        ),
        Ok(_) => {}
    }
});
