//! The binary end to end: plugin mode over stdin/stdout, standalone mode, and every
//! kind of bad input, each with a clear message and no partial output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use prost::Message;
use protoc_gen_connect_python::plugin_proto::{CodeGeneratorRequest, CodeGeneratorResponse};
use protoc_gen_connect_python::standalone::request_from_protos;

const BIN: &str = env!("CARGO_BIN_EXE_protoc-gen-connect_python");

fn proto_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/proto")
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `generate -I include --out out ARGS...`.
fn run_generate(include: &Path, out: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "generate",
        "-I",
        include.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run(&all, b"")
}

fn eliza_request(parameter: &str) -> CodeGeneratorRequest {
    request_from_protos(&[proto_dir()], &["eliza/v1/eliza.proto".into()], parameter).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn plugin_mode_answers_a_request() {
    let output = run(&[], &eliza_request("protobuf=google").encode_to_vec());
    assert!(output.status.success(), "{}", stderr(&output));
    let response = CodeGeneratorResponse::decode(output.stdout.as_slice()).unwrap();
    assert_eq!(response.error, None);
    // PROTO3_OPTIONAL | SUPPORTS_EDITIONS, editions 2023 through 2024.
    assert_eq!(response.supported_features, Some(3));
    assert_eq!(response.minimum_edition, Some(1000));
    assert_eq!(response.maximum_edition, Some(1001));
    let names: Vec<_> = response
        .file
        .iter()
        .map(|f| f.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["eliza/v1/eliza_connect.py"]);
    assert!(
        response.file[0]
            .content
            .as_ref()
            .unwrap()
            .contains("class ElizaServiceClient(ConnectClient):")
    );
}

#[test]
fn malformed_request_fails_with_one_line_and_no_output() {
    let output = run(&[], b"\x0fnot a protobuf message");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("protoc-gen-connect_python: stdin is not a CodeGeneratorRequest"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn unknown_parameter_is_reported_in_the_response() {
    let output = run(
        &[],
        &eliza_request("protobuf=google,flavour=x").encode_to_vec(),
    );
    assert!(output.status.success());
    let response = CodeGeneratorResponse::decode(output.stdout.as_slice()).unwrap();
    let error = response.error.unwrap();
    assert!(error.contains("unknown option `flavour`"), "{error}");
    assert!(
        error.contains("`protobuf` (py|google)") && error.contains("`io` (sync|async)"),
        "{error}"
    );
    assert!(response.file.is_empty());
}

#[test]
fn invalid_value_is_reported_in_the_response() {
    let output = run(&[], &eliza_request("io=threads").encode_to_vec());
    let response = CodeGeneratorResponse::decode(output.stdout.as_slice()).unwrap();
    assert_eq!(
        response.error.as_deref(),
        Some("invalid value `threads` for option `io`; valid values are `sync`, `async`")
    );
}

#[test]
fn request_missing_a_message_type_is_an_error_not_a_panic() {
    let mut request = eliza_request("");
    let file = request.proto_file.last_mut().unwrap();
    file.message_type
        .retain(|m| m.name.as_deref() != Some("SayRequest"));
    let output = run(&[], &request.encode_to_vec());
    let response = CodeGeneratorResponse::decode(output.stdout.as_slice()).unwrap();
    let error = response.error.unwrap();
    assert!(
        error.contains("eliza/v1/eliza.proto") && error.contains(".eliza.v1.SayRequest"),
        "{error}"
    );
}

#[test]
fn standalone_writes_the_files_plugin_mode_returns() {
    let out = tempdir("standalone");
    let dir = proto_dir();
    let output = run_generate(
        &dir,
        &out,
        &["--opt", "protobuf=google", "eliza/v1/eliza.proto"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let written = std::fs::read_to_string(out.join("eliza/v1/eliza_connect.py")).unwrap();
    let response = CodeGeneratorResponse::decode(
        run(&[], &eliza_request("protobuf=google").encode_to_vec())
            .stdout
            .as_slice(),
    )
    .unwrap();
    assert_eq!(Some(written), response.file[0].content);
}

#[test]
fn standalone_reports_syntax_errors_with_file_and_line() {
    let dir = tempdir("syntax");
    std::fs::write(
        dir.join("bad.proto"),
        "syntax = \"proto3\";\nservice S {\n  oops\n}\n",
    )
    .unwrap();
    let out = dir.join("out");
    let output = run_generate(&dir, &out, &["bad.proto"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("bad.proto") && message.contains("line 3, column 3"),
        "{message}"
    );
    assert!(!out.exists(), "nothing is written on error");
}

#[test]
fn standalone_reports_missing_files_and_undefined_types() {
    let dir = tempdir("missing");
    let output = run_generate(&dir, &dir.join("out"), &["nope.proto"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("nope.proto"),
        "{}",
        stderr(&output)
    );

    std::fs::write(
        dir.join("undef.proto"),
        "syntax = \"proto3\";\nservice S {\n  rpc M(Req) returns (Req);\n}\n",
    )
    .unwrap();
    let output = run_generate(&dir, &dir.join("out"), &["undef.proto"]);
    let message = stderr(&output);
    assert!(
        message.contains("undef.proto") && message.contains("line 3"),
        "{message}"
    );
}

#[test]
fn standalone_rejects_bad_options_before_writing() {
    let dir = tempdir("options");
    let out = dir.join("out");
    let proto = proto_dir();
    let output = run_generate(
        &proto,
        &out,
        &["--opt", "protobuf=pb2", "eliza/v1/eliza.proto"],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid value `pb2` for option `protobuf`"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
}

#[test]
fn version_and_help() {
    let output = run(&["--version"], b"");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        format!("protoc-gen-connect_python {}", env!("CARGO_PKG_VERSION"))
    );
    let help = String::from_utf8(run(&["generate", "--help"], b"").stdout).unwrap();
    for needle in [
        "--proto-path",
        "--out",
        "--opt",
        "--descriptor-set",
        "protobuf=py|google",
        "io=sync|async",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from:\n{help}");
    }
}

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("connect-python-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
