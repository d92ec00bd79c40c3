//! The plugin's pipeline stage by stage, on the benchmark request (see BENCHMARKS.md):
//! decoding the request, indexing its types, building the models, rendering the modules,
//! writing the response (into `io::sink()`), each on one thread, and all of it together
//! as plugin mode runs it (`run_plugin`, on every core, into `io::sink()`).
//!
//! `cargo bench --bench pipeline` writes the corpus with `bench/corpus.py` (python3 on
//! PATH) and compiles it with the embedded compiler, so it needs no protoc. Environment:
//! `BENCH_REQUEST=path` to use saved request bytes instead (`scripts/bench` leaves them in
//! `.cache/bench/`), `BENCH_FILES=n` for the corpus size (default 200, the shape).

use std::collections::HashSet;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;

use protoc_gen_connect_python::plugin_proto::{
    CodeGeneratorRequest, CodeGeneratorResponse, GeneratedFile,
};
use protoc_gen_connect_python::{comments, model, options, render, run_plugin};

/// The request bytes, as protoc would send them.
fn request_bytes() -> Vec<u8> {
    if let Ok(path) = std::env::var("BENCH_REQUEST") {
        return std::fs::read(&path).unwrap_or_else(|e| panic!("BENCH_REQUEST={path}: {e}"));
    }
    let files: usize = std::env::var("BENCH_FILES")
        .map(|n| n.parse().expect("BENCH_FILES is a number"))
        .unwrap_or(200);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-corpus").join(files.to_string());
    let listing = Command::new("python3")
        .arg(root.join("bench/corpus.py"))
        .arg(&dir)
        .args(["--files", &files.to_string()])
        .output()
        .expect("python3 runs bench/corpus.py");
    assert!(listing.status.success(), "bench/corpus.py failed");
    let protos: Vec<PathBuf> = String::from_utf8(listing.stdout)
        .expect("UTF-8 listing")
        .lines()
        .map(PathBuf::from)
        .collect();
    // Whole descriptors, as protoc sends them: re-tag the encoded set's files as the
    // request's `proto_file`s (going through our lean structs would drop what we skip).
    let mut compiler = protox::Compiler::new([&dir]).expect("the corpus directory exists");
    compiler.include_imports(true).include_source_info(true);
    for proto in &protos {
        compiler.open_file(proto).expect("the corpus compiles");
    }
    let set = RawFileDescriptorSet::decode(compiler.encode_file_descriptor_set().as_slice())
        .expect("protox writes a FileDescriptorSet");
    RawCodeGeneratorRequest {
        file_to_generate: protos
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        parameter: Some(String::new()),
        proto_file: set.file,
    }
    .encode_to_vec()
}

/// `google.protobuf.FileDescriptorSet` with its files left encoded.
#[derive(Message)]
struct RawFileDescriptorSet {
    #[prost(bytes = "vec", repeated, tag = "1")]
    file: Vec<Vec<u8>>,
}

/// `CodeGeneratorRequest` with its files left encoded.
#[derive(Message)]
struct RawCodeGeneratorRequest {
    #[prost(string, repeated, tag = "1")]
    file_to_generate: Vec<String>,
    #[prost(string, optional, tag = "2")]
    parameter: Option<String>,
    #[prost(bytes = "vec", repeated, tag = "15")]
    proto_file: Vec<Vec<u8>>,
}

fn pipeline(c: &mut Criterion) {
    let bytes = request_bytes();
    let request = CodeGeneratorRequest::decode(bytes.as_slice()).unwrap();
    let options = options::parse(request.parameter.as_deref().unwrap_or_default()).unwrap();
    let parameter = request.parameter.clone().unwrap_or_default();
    let to_generate: HashSet<&str> = request
        .file_to_generate
        .iter()
        .map(String::as_str)
        .collect();
    let generated = |name: &str| to_generate.contains(name);
    let with_services: Vec<_> = request
        .proto_file
        .iter()
        .filter(|f| !f.service.is_empty() && generated(f.name.as_deref().unwrap_or_default()))
        .collect();
    let types = model::TypeIndex::new(&request.proto_file);
    let models: Vec<model::FileModel> = with_services
        .iter()
        .map(|f| {
            let comments = comments::Comments::new(f.source_code_info.as_deref()).unwrap();
            model::build(f, &comments, &types, &generated, &options, &parameter).unwrap()
        })
        .collect();
    let response = CodeGeneratorResponse::success(
        models
            .iter()
            .map(|m| GeneratedFile {
                name: Some(m.output_path.clone()),
                content: Some(render::render_file(m).unwrap()),
            })
            .collect(),
    );
    let output_bytes: usize = response
        .file
        .iter()
        .map(|f| f.content.as_ref().map_or(0, String::len))
        .sum();
    eprintln!(
        "request: {} bytes, {} files with services; response: {} content bytes",
        bytes.len(),
        with_services.len(),
        output_bytes
    );

    let mut group = c.benchmark_group("pipeline");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| CodeGeneratorRequest::decode(black_box(bytes.as_slice())).unwrap())
    });
    group.bench_function("index", |b| {
        b.iter(|| model::TypeIndex::new(black_box(&request.proto_file)))
    });
    group.bench_function("model", |b| {
        b.iter(|| {
            for file in &with_services {
                let comments = comments::Comments::new(file.source_code_info.as_deref()).unwrap();
                black_box(
                    model::build(file, &comments, &types, &generated, &options, &parameter)
                        .unwrap(),
                );
            }
        })
    });
    group.throughput(Throughput::Bytes(output_bytes as u64));
    group.bench_function("render", |b| {
        b.iter(|| {
            for m in &models {
                black_box(render::render_file(m).unwrap());
            }
        })
    });
    group.bench_function("encode", |b| {
        b.iter(|| black_box(&response).write_to(&mut io::sink()).unwrap())
    });
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("run_plugin", |b| {
        b.iter(|| run_plugin(black_box(bytes.clone()), &mut io::sink()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
