//! The mistakes a newcomer makes with `generate` and the bare binary, each answered with
//! the fix: include paths (the directories searched, a `./` or a `-I` too few, a near
//! miss), option near misses and confusions, a terminal instead of protoc on stdin.
//! Every case runs the binary as a user types it, from a project directory with the
//! usual `proto/` layout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_protoc-gen-connect_python");

/// A project directory: `proto/eliza/v1/eliza.proto` (package `eliza.v1`) and a README.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "connect-python-errors-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("proto/eliza/v1")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/proto/eliza/v1/eliza.proto"),
        dir.join("proto/eliza/v1/eliza.proto"),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "a project\n").unwrap();
    dir
}

/// `protoc-gen-connect_python ARGS...` in `dir`, stdin empty.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs `generate --out gen ARGS...` in a fresh project; returns (exit code, stderr, the
/// files written under gen/).
fn generate(name: &str, args: &[&str]) -> (Option<i32>, String, Vec<String>) {
    let dir = project(name);
    let mut all = vec!["generate", "--out", "gen"];
    all.extend_from_slice(args);
    let output = run_in(&dir, &all);
    let mut written = Vec::new();
    collect(&dir.join("gen"), &dir.join("gen"), &mut written);
    written.sort();
    std::fs::remove_dir_all(&dir).unwrap();
    (output.status.code(), stderr(&output), written)
}

fn collect(root: &Path, dir: &Path, into: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, into);
        } else {
            into.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

const PREFIX: &str = "protoc-gen-connect_python: ";

#[test]
fn a_leading_dot_slash_names_the_file_to_pass() {
    // What `$(cd proto && find . -name '*.proto')` gives.
    let (code, message, written) = generate("dot", &["-I", "proto", "./eliza/v1/eliza.proto"]);
    assert_eq!(code, Some(1));
    assert!(written.is_empty());
    assert_eq!(
        message,
        format!(
            "{PREFIX}file `./eliza/v1/eliza.proto` is not in any include path (searched -I \
             `proto`); `proto/eliza/v1/eliza.proto` exists: name it `eliza/v1/eliza.proto`, \
             relative to -I proto (a leading `./` makes it a path from the current \
             directory)\n"
        )
    );
}

#[test]
fn a_missing_include_is_named() {
    let (code, message, written) = generate("no-include", &["eliza/v1/eliza.proto"]);
    assert_eq!(code, Some(1));
    assert!(written.is_empty());
    assert!(
        message.contains("no -I was given, so only the current directory is searched")
            && message.ends_with("`proto/eliza/v1/eliza.proto` exists: pass `-I proto`\n"),
        "{message}"
    );
}

#[test]
fn a_misspelled_include_directory_is_named() {
    let (code, message, _) = generate("bad-include", &["-I", "prot", "eliza/v1/eliza.proto"]);
    assert_eq!(code, Some(1));
    assert!(
        message.contains("(searched -I `prot` (no such directory))")
            && message.contains("`proto/eliza/v1/eliza.proto` exists: add `-I proto`"),
        "{message}"
    );
    // Only a missing directory: the spelling hint.
    let (_, message, _) = generate("bad-include-2", &["-I", "prot", "x/y.proto"]);
    assert!(
        message.ends_with("-I `prot` is not a directory: check its spelling\n"),
        "{message}"
    );
}

#[test]
fn a_misspelled_file_gets_the_near_miss() {
    let (code, message, _) = generate("typo", &["-I", "proto", "eliza/v1/elzia.proto"]);
    assert_eq!(code, Some(1));
    assert!(
        message.ends_with("(searched -I `proto`); did you mean `eliza/v1/eliza.proto`?\n"),
        "{message}"
    );
    let (_, message, _) = generate("typo-far", &["-I", "proto", "eliza/v1/other.proto"]);
    assert!(message.ends_with("(searched -I `proto`)\n"), "{message}");
}

#[test]
fn a_file_outside_every_include_says_so() {
    let (code, message, _) = generate("outside", &["-I", "proto", "README.md"]);
    assert_eq!(code, Some(1));
    assert!(
        message.contains("`README.md` exists but lies outside every -I directory"),
        "{message}"
    );
}

#[test]
fn paths_on_disk_inside_an_include_work_however_they_are_written() {
    let dir = project("absolute");
    let absolute = dir.join("proto/eliza/v1/eliza.proto");
    for file in [
        "proto/eliza/v1/eliza.proto",
        "eliza/v1/eliza.proto",
        absolute.to_str().unwrap(),
    ] {
        let _ = std::fs::remove_dir_all(dir.join("gen"));
        let output = run_in(&dir, &["generate", "-I", "proto", "--out", "gen", file]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{file}");
        assert!(
            dir.join("gen/eliza/v1/eliza_connect.py").is_file(),
            "{file}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_include_with_a_prefixed_path_warns_and_generates() {
    let (code, message, written) = generate("prefix", &["proto/eliza/v1/eliza.proto"]);
    assert_eq!(code, Some(0));
    assert_eq!(written, ["proto/eliza/v1/eliza_connect.py"]);
    assert_eq!(
        message,
        format!(
            "{PREFIX}warning: no -I given, so `proto/eliza/v1/eliza.proto` is compiled from \
             the current directory and its module is written to `proto/eliza/v1/` under \
             --out; its package `eliza.v1` suggests `-I proto eliza/v1/eliza.proto`\n"
        )
    );
    // Given -I, or a path that matches its package: no warning.
    let (_, message, _) = generate("prefix-ok", &["-I", "proto", "proto/eliza/v1/eliza.proto"]);
    assert_eq!(message, "");
}

#[test]
fn option_near_misses_and_confusions_get_a_hint() {
    for (opt, hint) in [
        (
            "protbuf=google",
            "unknown option `protbuf` (did you mean `protobuf`?)",
        ),
        (
            "flavor=google",
            "unknown option `flavor` (did you mean `protobuf`?)",
        ),
        (
            "import=absolute",
            "unknown option `import` (did you mean `imports`?)",
        ),
        (
            "io=both",
            "invalid value `both` for option `io` (leave `io` out to generate both the sync \
             and the async classes)",
        ),
        (
            "io=asyncio",
            "invalid value `asyncio` for option `io` (did you mean `io=async`?)",
        ),
        (
            "protobuf=pb2",
            "invalid value `pb2` for option `protobuf` (did you mean `protobuf=google` \
             (protoc's `_pb2` modules)?)",
        ),
        (
            "imports=absolut",
            "invalid value `absolut` for option `imports` (did you mean `imports=absolute`?)",
        ),
    ] {
        let (code, message, written) = generate(
            "opts",
            &["-I", "proto", "--opt", opt, "eliza/v1/eliza.proto"],
        );
        assert_eq!(code, Some(1), "{opt}");
        assert!(written.is_empty(), "{opt}");
        assert!(message.contains(hint), "{opt}: {message}");
        assert!(message.contains("valid "), "{opt}: {message}");
    }
}

/// On a terminal the binary prints its usage and exits at once; on a pipe or a file it
/// still reads the request (as protoc and buf run it). The terminal is util-linux's
/// `script`, which gives the child a pseudo-terminal as stdin.
#[test]
fn a_terminal_on_stdin_gets_the_usage_at_once() {
    let output = Command::new("script")
        .args(["-qec", BIN, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("util-linux's `script` runs (apt-get install bsdutils)");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("Usage: protoc-gen-connect_python"), "{text}");
    assert!(
        text.contains("no request on stdin: this program is run by protoc or buf"),
        "{text}"
    );
    // An empty pipe is still a (empty, valid) request, answered on stdout.
    let output = run_in(&std::env::temp_dir(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}
