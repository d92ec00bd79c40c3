//! Snapshots of everything the plugin writes for the testdata corpus, for both message
//! flavors and every io mode. Generated in-process (protox for the proto sources, a
//! checked-in descriptor set for the editions files protox cannot parse), so `cargo test`
//! needs nothing outside Cargo. Review every snapshot diff: it is a change to user code.

use std::path::{Path, PathBuf};

use protoc_gen_connect_python::generate;
use protoc_gen_connect_python::plugin_proto::CodeGeneratorRequest;
use protoc_gen_connect_python::standalone::{request_from_descriptor_set, request_from_protos};

const PARAMETERS: &[(&str, &str)] = &[
    ("py", ""),
    ("py_sync", "io=sync"),
    ("py_async", "io=async"),
    ("google", "protobuf=google"),
    ("google_sync", "protobuf=google,io=sync"),
    ("google_async", "protobuf=google,io=async"),
];

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every `.proto` under testdata/proto except the editions ones, as names relative to it.
fn corpus_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "proto") {
                out.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let root = testdata().join("proto");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    files.retain(|f| !f.starts_with("editions"));
    files.sort();
    files
}

fn requests(parameter: &str) -> Vec<CodeGeneratorRequest> {
    let sources = request_from_protos(
        &[testdata().join("proto")],
        &corpus_files(),
        parameter,
        Path::new("out"),
    )
    .expect("the corpus compiles");
    let editions = request_from_descriptor_set(
        &testdata().join("descriptors/editions.binpb"),
        &[
            "editions/v1/edition2023.proto".into(),
            "editions/v1/edition2024.proto".into(),
        ],
        parameter,
    )
    .expect("the editions descriptor set loads");
    vec![sources, editions]
}

#[test]
fn corpus_snapshots() {
    for (label, parameter) in PARAMETERS {
        let mut written = Vec::new();
        for request in requests(parameter) {
            let response = generate(&request);
            assert_eq!(response.error, None, "{label}");
            for file in response.file {
                let name = file.name.unwrap();
                let snapshot = format!("{label}__{}", name.replace('/', "__"));
                insta::assert_snapshot!(snapshot, file.content.unwrap());
                written.push(name);
            }
        }
        written.sort();
        insta::assert_snapshot!(format!("{label}__files"), written.join("\n"));
    }
}

#[test]
fn output_is_deterministic() {
    for (_, parameter) in PARAMETERS {
        for request in requests(parameter) {
            assert_eq!(generate(&request), generate(&request));
        }
    }
}
