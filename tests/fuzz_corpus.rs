//! Replays the fuzz seed corpus (`fuzz/corpus/plugin/`, see scripts/update-fuzz-corpus)
//! and every kept crash (`fuzz/regressions/`) through plugin mode with the fuzz targets'
//! own property checks (`fuzz/src/check.rs`), so that stable `cargo test` covers them
//! without nightly or cargo-fuzz.

#[path = "../fuzz/src/check.rs"]
mod check;

use std::fs;
use std::path::{Path, PathBuf};

use check::{Outcome, check_plugin};

/// The files of a directory of inputs, sorted; README.md describes the directory.
fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.file_name().unwrap() != "README.md")
        .collect();
    files.sort();
    files
}

/// Runs every input, failing with all the inputs whose properties fail.
fn replay(files: &[PathBuf]) -> Vec<(String, Outcome)> {
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match check_plugin(&fs::read(file).unwrap()) {
            Ok(outcome) => outcomes.push((name, outcome)),
            Err(failure) => failures.push(format!("{name}: {failure}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    outcomes
}

#[test]
fn seed_corpus_keeps_every_property() {
    let outcomes = replay(&inputs("fuzz/corpus/plugin"));
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|(_, o)| f(o)).count();
    // The corpus is what protoc sends, and what it should not: both kinds must be there
    // and give what they are for.
    let captured = outcomes.iter().filter(|(n, _)| n.starts_with("capture-"));
    let hostile = outcomes.iter().filter(|(n, _)| n.starts_with("hostile-"));
    assert!(captured.clone().count() >= 30, "{outcomes:?}");
    assert!(hostile.clone().count() >= 15, "{outcomes:?}");
    assert!(
        count(|o| matches!(o, Outcome::Files(n) if *n > 1)) >= 2,
        "{outcomes:?}"
    );
    assert!(count(|o| *o == Outcome::ErrorResponse) >= 5, "{outcomes:?}");
    for (name, outcome) in captured {
        // A capture decodes; the eliza file generates its one file in every parameter set.
        assert_ne!(*outcome, Outcome::Undecodable, "{name}");
        if name.starts_with("capture-eliza_v1_eliza") {
            assert_eq!(*outcome, Outcome::Files(1), "{name}");
        }
    }
    let outcome_of = |seed: &str| {
        outcomes
            .iter()
            .find(|(n, _)| n == seed)
            .unwrap_or_else(|| panic!("no seed {seed}"))
            .1
    };
    // Hostile seeds that must be refused with an error response, not code.
    for seed in [
        "hostile-parameter-unknown.bin",
        "hostile-file-name-dotdot.bin",
        "hostile-file-name-absolute.bin",
        "hostile-names-not-identifiers.bin",
        "hostile-message-keyword-google.bin",
        "hostile-file-to-generate-missing.bin",
        "hostile-comments-malformed-source-info.bin",
        "hostile-names-latin1.bin",
    ] {
        assert_eq!(outcome_of(seed), Outcome::ErrorResponse, "{seed}");
    }
    // And some that must generate.
    for seed in [
        "hostile-names-colliding.bin",
        "hostile-names-natural-order.bin",
        "hostile-names-long.bin",
        "hostile-names-keywords.bin",
        "hostile-comments-hostile.bin",
        "hostile-comments-latin1.bin",
    ] {
        assert_eq!(outcome_of(seed), Outcome::Files(1), "{seed}");
    }
    assert_eq!(outcome_of("hostile-empty-request.bin"), Outcome::Files(0));
}

#[test]
fn kept_crashes_keep_every_property() {
    // Each file is a request that once broke a property (README.md there says which);
    // an empty directory passes.
    replay(&inputs("fuzz/regressions"));
}
