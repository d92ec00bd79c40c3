//! The binary end to end: plugin mode over stdin/stdout, standalone mode, and every
//! kind of bad input, each with a clear message and no partial output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use prost::Message;
use protoc_gen_connect_python::plugin_proto::{
    CodeGeneratorRequest, CodeGeneratorResponse, FileDescriptorProto,
};
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
    request_from_protos(
        &[proto_dir()],
        &["eliza/v1/eliza.proto".into()],
        parameter,
        Path::new("out"),
    )
    .unwrap()
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
        Some(
            "invalid value `threads` for option `io` (did you mean `io=sync`?); valid values are `sync`, `async`"
        )
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

/// protox cannot parse editions: `generate` says so and how to proceed, for a file given
/// on the command line (both editions of the corpus) and for an editions file it imports;
/// `--check` reports it the same way (exit 2).
#[test]
fn standalone_explains_that_editions_need_a_descriptor_set() {
    for (file, edition) in [
        ("editions/v1/edition2023.proto", "2023"),
        ("editions/v1/edition2024.proto", "2024"),
    ] {
        let out = tempdir("editions").join("out");
        let output = run_generate(&proto_dir(), &out, &[file]);
        assert!(!output.status.success());
        let message = stderr(&output);
        for expected in [
            format!("{file}: declares `edition = \"{edition}\"`"),
            "protox".to_owned(),
            "cannot parse editions".to_owned(),
            format!(
                "`protoc -I {} --include_imports --include_source_info \
                 --descriptor_set_out=set.binpb {file}`",
                proto_dir().display()
            ),
            format!(
                "generate --descriptor-set set.binpb --out {} {file}`",
                out.display()
            ),
            "buf build".to_owned(),
        ] {
            assert!(message.contains(&expected), "{expected:?} in {message}");
        }
        assert!(!message.contains("expected 'enum'"), "{message}");
        assert!(!out.exists(), "nothing is written on error");
    }
    // An editions file behind an import, with comments before its declaration.
    let dir = tempdir("editions-import");
    std::fs::write(
        dir.join("dep.proto"),
        "// header\n/* block */ edition = \"2023\";\npackage dep;\nmessage M {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.proto"),
        "syntax = \"proto3\";\nimport \"dep.proto\";\nservice S { rpc R(dep.M) returns (dep.M); }\n",
    )
    .unwrap();
    let out = dir.join("out");
    let output = run_generate(&dir, &out, &["main.proto"]);
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains("dep.proto: declares `edition = \"2023\"`"),
        "{message}"
    );
    let output = run_generate(&dir, &out, &["--check", "main.proto"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot parse editions"));
    // A syntax error in a proto3 file is still protox's own message.
    std::fs::write(dir.join("main.proto"), "syntax = \"proto3\";\nedition\n").unwrap();
    let message = stderr(&run_generate(&dir, &out, &["main.proto"]));
    assert!(!message.contains("cannot parse editions"), "{message}");
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

fn response_of(request: &CodeGeneratorRequest) -> CodeGeneratorResponse {
    let output = run(&[], &request.encode_to_vec());
    assert!(output.status.success(), "{}", stderr(&output));
    CodeGeneratorResponse::decode(output.stdout.as_slice()).unwrap()
}

/// The eliza request with one change made to its (only) file.
fn eliza_with(
    parameter: &str,
    change: impl FnOnce(&mut FileDescriptorProto),
) -> CodeGeneratorRequest {
    let mut request = eliza_request(parameter);
    change(request.proto_file.last_mut().unwrap());
    request
}

/// The eliza request with its file named `name`, and asked for under that name.
fn eliza_named(name: &str) -> CodeGeneratorRequest {
    CodeGeneratorRequest {
        file_to_generate: vec![name.into()],
        ..eliza_with("", |f| f.name = Some(name.into()))
    }
}

#[test]
fn names_protoc_never_sends_are_clean_errors() {
    type Change = Box<dyn FnOnce(&mut FileDescriptorProto)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "service `a b`",
            Box::new(|f| f.service[0].name = Some("a b".into())),
        ),
        (
            "method `` ",
            Box::new(|f| f.service[0].method[0].name = Some(String::new())),
        ),
        (
            "method `1st`",
            Box::new(|f| f.service[0].method[0].name = Some("1st".into())),
        ),
        (
            "package `eliza.v1.`",
            Box::new(|f| f.package = Some("eliza.v1.".into())),
        ),
        (
            "service `x\\ny`",
            Box::new(|f| f.service[0].name = Some("x\ny".into())),
        ),
    ];
    for (needle, change) in cases {
        let request = eliza_with("", change);
        let response = response_of(&request);
        let error = response.error.unwrap_or_default();
        assert!(error.contains(needle.trim_end()), "{needle}: {error}");
        assert!(!error.contains('\n'), "{error}");
        assert!(response.file.is_empty());
    }
}

#[test]
fn keyword_messages_are_refused_in_the_google_flavor_only() {
    let rename = |f: &mut FileDescriptorProto| {
        let message = f
            .message_type
            .iter_mut()
            .find(|m| m.name.as_deref() == Some("SayRequest"))
            .unwrap();
        message.name = Some("None".into());
        for method in &mut f.service[0].method {
            if method.input_type.as_deref() == Some(".eliza.v1.SayRequest") {
                method.input_type = Some(".eliza.v1.None".into());
            }
        }
    };
    let response = response_of(&eliza_with("protobuf=google", rename));
    let error = response.error.unwrap();
    assert!(
        error.contains("`eliza.v1.None`") && error.contains("protobuf=py"),
        "{error}"
    );
    let response = response_of(&eliza_with("", rename));
    assert_eq!(response.error, None);
    let content = response.file[0].content.as_deref().unwrap();
    assert!(content.contains("    None_,\n"), "{content}");
}

#[test]
fn header_comments_escape_what_would_end_them() {
    // Keys are trimmed and one empty entry passes (as in the reference's framework), so
    // a parameter can hold line breaks.
    let request = eliza_with("protobuf=google,\nio=sync,\n", |f| {
        f.name = Some("eliza/v1/eliza.proto".into());
    });
    let response = response_of(&request);
    assert_eq!(response.error, None);
    let content = response.file[0].content.as_deref().unwrap();
    assert!(
        content.contains("# Parameters: \"protobuf=google,\\nio=sync,\\n\"\n"),
        "{content}"
    );
    // py flavor: protoc-gen-py escapes the module name, the header shows the file's.
    let response = response_of(&eliza_named("eliza/v1/my eliza\u{2028}.proto"));
    assert_eq!(response.error, None);
    let file = &response.file[0];
    assert_eq!(file.name.as_deref(), Some("eliza/v1/my_eliza__connect.py"));
    let content = file.content.as_deref().unwrap();
    assert!(
        content.contains("# Source: eliza/v1/my eliza\\u2028.proto\n"),
        "{content}"
    );
    // A name that ends in spaces (protoc takes any file name) would end the line in
    // whitespace (W291): the spaces are escaped (check.rs's unit test reads them back).
    let response = response_of(&eliza_named("eliza/v1/eliza.proto  "));
    assert_eq!(response.error, None);
    let content = response.file[0].content.as_deref().unwrap();
    assert!(
        content.contains("# Source: eliza/v1/eliza.proto\\x20\\x20\n"),
        "{content}"
    );
}

#[test]
fn comments_that_are_not_utf8_do_not_fail_the_run() {
    let mut request = eliza_request("");
    let file = request.proto_file.last_mut().unwrap();
    let info = file.source_code_info.as_mut().unwrap();
    // `é` in Latin-1 inside the first comment of the file.
    let at = info.windows(2).position(|w| w == b" E").unwrap();
    info[at] = 0xe9;
    let response = response_of(&request);
    assert_eq!(response.error, None);
}

/// Writes a descriptor set holding the eliza file under another name.
fn descriptor_set_named(dir: &Path, name: &str) -> PathBuf {
    let mut file = eliza_request("").proto_file.pop().unwrap();
    file.name = Some(name.into());
    let set = protoc_gen_connect_python_test_set(vec![file]);
    let path = dir.join("set.binpb");
    std::fs::write(&path, set).unwrap();
    path
}

/// A `FileDescriptorSet` (field 1: repeated file) of the given files.
fn protoc_gen_connect_python_test_set(files: Vec<FileDescriptorProto>) -> Vec<u8> {
    #[derive(Clone, PartialEq, Message)]
    struct Set {
        #[prost(message, repeated, tag = "1")]
        file: Vec<FileDescriptorProto>,
    }
    Set { file: files }.encode_to_vec()
}

#[test]
fn standalone_never_writes_outside_out() {
    let dir = tempdir("outside");
    let out = dir.join("out");
    for (flavor, name) in [
        ("protobuf=py", "/abs/x.proto"),
        ("protobuf=google", "/abs/x.proto"),
        ("protobuf=google", "../../x/y.proto"),
        ("protobuf=py", "a//b.proto"),
    ] {
        let set = descriptor_set_named(&dir, name);
        let output = run(
            &[
                "generate",
                "--descriptor-set",
                set.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--opt",
                flavor,
            ],
            b"",
        );
        assert!(!output.status.success(), "{name}");
        assert!(stderr(&output).contains(name), "{}", stderr(&output));
        assert!(!out.exists(), "{name}: something was written");
        assert!(!Path::new("/abs").exists() && !dir.join("../x").exists());
    }
}

#[test]
fn standalone_writes_all_files_or_none() {
    let dir = tempdir("atomic");
    let out = dir.join("out");
    let proto = proto_dir();
    let files = ["eliza/v1/eliza.proto", "acme/shop/v1/shop.proto"];
    // A stale first file, and a directory where the second file must go.
    std::fs::create_dir_all(out.join("eliza/v1")).unwrap();
    std::fs::write(out.join("eliza/v1/eliza_connect.py"), "old").unwrap();
    std::fs::create_dir_all(out.join("acme/shop/v1/shop_connect.py")).unwrap();
    let listing = |dir: &Path| {
        let mut all = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path.clone());
                }
                all.push(path);
            }
        }
        all.sort();
        all
    };
    let before = listing(&out);
    let output = run_generate(&proto, &out, &files);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is a directory"),
        "{}",
        stderr(&output)
    );
    assert_eq!(listing(&out), before, "--out changed");
    assert_eq!(
        std::fs::read_to_string(out.join("eliza/v1/eliza_connect.py")).unwrap(),
        "old"
    );
    // Without the obstacle both are written, and nothing else.
    std::fs::remove_dir(out.join("acme/shop/v1/shop_connect.py")).unwrap();
    let output = run_generate(&proto, &out, &files);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_ne!(
        std::fs::read_to_string(out.join("eliza/v1/eliza_connect.py")).unwrap(),
        "old"
    );
    let names: Vec<String> = listing(&out)
        .iter()
        .filter(|p| p.is_file())
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        ["acme/shop/v1/shop_connect.py", "eliza/v1/eliza_connect.py"]
    );
}

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("connect-python-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The README's first command (generate the bundled example) works as written, from a
/// fresh directory: relative `-I` and `--out`, `gen/` not there yet.
#[test]
fn the_readme_example_command_works() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let command = readme
        .lines()
        .find(|line| line.starts_with("cargo run --release -- generate "))
        .expect("README's example command");
    let args: Vec<&str> = command
        .strip_prefix("cargo run --release -- ")
        .unwrap()
        .split_whitespace()
        .collect();
    let dir = tempdir("readme");
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        dir.join("testdata"),
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(&args)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.join("gen/eliza/v1/eliza_connect.py").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Duplicate services in a file, or RPCs in a service, which protoc refuses and other
/// tools might send: a clean error, not one definition silently replacing the other
/// (found by the property layer: testdata/regressions/duplicate-rpc-names-591f14e950bd).
#[test]
fn duplicate_services_and_rpcs_are_clean_errors() {
    let response = response_of(&eliza_with("", |f| {
        let service = f.service[0].clone();
        f.service.push(service);
    }));
    let error = response.error.unwrap();
    assert!(
        error.contains("service `ElizaService` is defined twice in `eliza/v1/eliza.proto`"),
        "{error}"
    );
    assert!(response.file.is_empty());
    let response = response_of(&eliza_with("protobuf=google", |f| {
        let method = f.service[0].method[0].clone();
        f.service[0].method.push(method);
    }));
    let error = response.error.unwrap();
    assert!(
        error.contains("method `Say` of service `ElizaService` is defined twice"),
        "{error}"
    );
    assert!(response.file.is_empty());
}

/// `exempt_header` adds `# ruff: noqa: PGH004`, `# ruff: noqa` and `# fmt: off` after the
/// header (not the last with `no_fmt_off`, which alone changes nothing), and nothing else.
#[test]
fn exempt_header_adds_its_lines_and_nothing_else() {
    let plain = response_of(&eliza_request("protobuf=google"));
    let plain = plain.file[0].content.clone().unwrap();
    for (parameter, lines) in [
        (
            "protobuf=google,exempt_header",
            "# ruff: noqa: PGH004\n# ruff: noqa\n# fmt: off\n",
        ),
        (
            "protobuf=google,exempt_header,no_fmt_off",
            "# ruff: noqa: PGH004\n# ruff: noqa\n",
        ),
        ("protobuf=google,no_fmt_off", ""),
    ] {
        let response = response_of(&eliza_request(parameter));
        assert_eq!(response.error, None, "{parameter}");
        let content = response.file[0].content.clone().unwrap();
        let expected = plain.replacen(
            "# Parameters: \"protobuf=google\"\n",
            &format!("# Parameters: \"{parameter}\"\n{lines}"),
            1,
        );
        assert_eq!(content, expected, "{parameter}");
    }
}
