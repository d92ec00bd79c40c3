//! protoc-gen-connect_python: typed Connect RPC stubs for Python from `.proto` services.
//!
//! The data flows one way, one module per step:
//! request bytes ([`plugin_proto`]) -> [`options`] -> [`model`] (names: [`names`],
//! module paths: [`modules`], docstrings: [`comments`]) -> [`render`] (templates under
//! `templates/`, line layout: [`layout`], imports: [`imports`]) -> response bytes.
//! [`standalone`] builds the same request from `.proto` files without protoc; [`check`]
//! compares its output with a tree on disk (`generate --check`).

mod builtins;
pub mod check;
pub mod comments;
mod confusables;
mod fast_hash;
mod hints;
pub mod imports;
pub mod include_paths;
pub mod layout;
pub mod map_imports;
pub mod message_modules;
pub mod model;
pub mod modules;
pub mod names;
pub mod options;
pub mod plugin_proto;
pub mod render;
mod sha256;
pub mod standalone;
mod stdlib;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use prost::Message;

use comments::Comments;
use fast_hash::{FastMap, FastSet};

use plugin_proto::{
    CodeGeneratorRequest, CodeGeneratorResponse, FileDescriptorProto, GeneratedFile,
};

/// Why plugin mode wrote no complete response.
#[derive(Debug)]
pub enum PluginError {
    /// The input is not a `CodeGeneratorRequest`; nothing was written.
    Decode(prost::DecodeError),
    Write(io::Error),
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::Decode(e) => write!(f, "stdin is not a CodeGeneratorRequest ({e})"),
            PluginError::Write(e) => write!(f, "cannot write the response to stdout: {e}"),
        }
    }
}

impl std::error::Error for PluginError {}

/// Plugin mode: decodes a `CodeGeneratorRequest` and writes the `CodeGeneratorResponse`
/// to `out`. A request that cannot be decoded is an error for the caller to report, with
/// nothing written; everything after decoding is reported to protoc inside the response,
/// as the plugin protocol asks.
///
/// The output is several times the size of the request, so it is never held whole: the
/// request's bytes are freed once decoded, and each file is written as soon as it and the
/// files before it are generated, its memory then reused for the next. Each file's model
/// is built and rendered in one go, while it is in the cache, and dropped.
pub fn run_plugin(request: Vec<u8>, out: &mut impl Write) -> Result<(), PluginError> {
    let decoded = CodeGeneratorRequest::decode(request.as_slice());
    drop(request);
    let request = match decoded {
        Ok(request) => request,
        // A well-formed request whose names are not UTF-8 (protoc sends none, other
        // tools might): an error protoc can report, like any other.
        Err(e) if e.to_string().contains("not UTF-8") => {
            return CodeGeneratorResponse::failure(format!(
                "the request holds a string that is not UTF-8 ({e}); proto names and \
                 file names must be UTF-8"
            ))
            .write_to(out)
            .map_err(PluginError::Write);
        }
        Err(e) => return Err(PluginError::Decode(e)),
    };
    let job = match Job::new(&request) {
        Ok(job) => job,
        Err(message) => {
            return CodeGeneratorResponse::failure(message)
                .write_to(out)
                .map_err(PluginError::Write);
        }
    };
    CodeGeneratorResponse::success(Vec::new())
        .write_head_to(out)
        .map_err(PluginError::Write)?;
    let mut written = Ok(());
    for_each_in_parallel(
        &job.files,
        |file| job.generate(file),
        |file| {
            let more = file.is_ok();
            written = match file {
                Ok(file) => file.write_to(out),
                // Not expected: `Job::new` checked what a request can get wrong, and
                // rendering into a string does not fail. But the files before are out
                // already. An `error` after them still fails the whole response: a parser
                // keeps a field's last value wherever it comes, and protoc and buf check
                // the error before writing any file.
                Err(message) => out.write_all(
                    &CodeGeneratorResponse {
                        error: Some(message),
                        ..Default::default()
                    }
                    .encode_to_vec(),
                ),
            };
            more && written.is_ok()
        },
    );
    written.map_err(PluginError::Write)
}

/// Generates the `_connect.py` files for a request.
pub fn generate(request: &CodeGeneratorRequest) -> CodeGeneratorResponse {
    let files = Job::new(request)
        .and_then(|job| try_map_in_parallel(&job.files, |file| job.generate(file)));
    match files {
        Ok(files) => CodeGeneratorResponse::success(files),
        Err(message) => CodeGeneratorResponse::failure(message),
    }
}

/// A request, checked and indexed for generating its files one by one.
struct Job<'a> {
    /// The files to generate that declare services, in the request's order, each with
    /// its comments (read here, so that malformed source info is an error before any
    /// file is written).
    files: Vec<(&'a FileDescriptorProto, Comments<'a>)>,
    to_generate: FastSet<&'a str>,
    types: model::TypeIndex<'a>,
    options: options::Options,
    parameter: &'a str,
}

impl<'a> Job<'a> {
    /// Checks everything a request can get wrong before any file is generated, so that
    /// plugin mode can report it without having written files.
    fn new(request: &'a CodeGeneratorRequest) -> Result<Self, String> {
        let parameter = request.parameter.as_deref().unwrap_or_default();
        let options = options::parse(parameter).map_err(|e| e.to_string())?;
        let to_generate: FastSet<&str> = request
            .file_to_generate
            .iter()
            .map(String::as_str)
            .collect();
        let known: FastSet<&str> = request
            .proto_file
            .iter()
            .filter_map(|f| f.name.as_deref())
            .collect();
        if let Some(missing) = request
            .file_to_generate
            .iter()
            .find(|f| !known.contains(f.as_str()))
        {
            return Err(format!(
                "`{missing}` is listed in file_to_generate but its descriptor is not in the request"
            ));
        }
        let types = model::TypeIndex::new(&request.proto_file);
        let files: Vec<_> = request
            .proto_file
            .iter()
            .filter(|f| {
                to_generate.contains(f.name.as_deref().unwrap_or_default()) && !f.service.is_empty()
            })
            .collect();
        // Two files with one output name (a name twice in a descriptor set, or names the
        // flavor's module rules map alike: `a-b.proto` and `a_b.proto` in the google
        // flavor): one file would silently replace the other.
        let mut outputs: FastMap<String, &str> = FastMap::default();
        for file in &files {
            let name = file.name.as_deref().unwrap_or_default();
            let output = modules::module_for(
                options.flavor,
                name,
                "_connect",
                options.escape_module_with_hash,
            )
            .file_path();
            if let Some(first) = outputs.insert(output.clone(), name) {
                return Err(if first == name {
                    format!(
                        "{}: the request holds two files of this name",
                        name.escape_debug()
                    )
                } else {
                    format!(
                        "{} and {} would both be generated as {}; rename one of them",
                        first.escape_debug(),
                        name.escape_debug(),
                        output.escape_debug()
                    )
                });
            }
        }
        let mut checked = Vec::with_capacity(files.len());
        for file in files {
            model::check(file, &types, &options).map_err(|e| file_error(file, e))?;
            let comments = Comments::new(file.source_code_info.as_deref()).map_err(|e| {
                file_error(
                    file,
                    model::ModelError(format!("malformed source_code_info: {e}")),
                )
            })?;
            checked.push((file, comments));
        }
        let files = checked;
        Ok(Job {
            files,
            to_generate,
            types,
            options,
            parameter,
        })
    }

    fn generate(
        &self,
        (file, comments): &(&FileDescriptorProto, Comments),
    ) -> Result<GeneratedFile, String> {
        let generated = |name: &str| self.to_generate.contains(name);
        let model = model::build(
            file,
            comments,
            &self.types,
            &generated,
            &self.options,
            self.parameter,
        )
        .map_err(|e| file_error(file, e))?;
        let content =
            render::render_file(&model).map_err(|e| format!("{}: {e}", model.proto_name))?;
        Ok(GeneratedFile {
            name: Some(model.output_path),
            content: Some(content),
        })
    }
}

fn file_error(file: &FileDescriptorProto, error: model::ModelError) -> String {
    let name = file.name.as_deref().unwrap_or_default();
    format!("{}: {}", name.escape_debug(), error.0)
}

/// `items.iter().map(work).collect()` on every core (see [`for_each_in_parallel`]): the
/// results in order, or the first error in that order.
fn try_map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> Result<R, String> + Sync,
) -> Result<Vec<R>, String> {
    let mut results = Vec::with_capacity(items.len());
    let mut failure = None;
    for_each_in_parallel(items, work, |result| match result {
        Ok(result) => {
            results.push(result);
            true
        }
        Err(message) => {
            failure = Some(message);
            false
        }
    });
    failure.map_or(Ok(results), Err)
}

/// Calls `work` on every item on one thread per core (as the OS allows this process),
/// and `sink` on the results in the items' order, on this thread, each as soon as it and
/// all before it are done; `sink` returning false stops the rest. Files are independent,
/// so this is how they are generated: the output is what one thread would give.
fn for_each_in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R) -> bool,
) {
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        for item in items {
            if !sink(work(item)) {
                return;
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Bounded, so that workers wait rather than pile up results while `sink` writes.
    let (sender, receiver) = mpsc::sync_channel::<(usize, R)>(2 * threads);
    thread::scope(|scope| {
        for _ in 0..threads {
            let sender = sender.clone();
            let (next, stop, work) = (&next, &stop, &work);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    if sender.send((index, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Results that arrive before an earlier one wait here for their turn.
        let mut early = BTreeMap::new();
        let mut turn = 0;
        'receive: while let Ok((index, result)) = receiver.recv() {
            early.insert(index, result);
            while let Some(result) = early.remove(&turn) {
                turn += 1;
                if !sink(result) {
                    stop.store(true, Ordering::Relaxed);
                    break 'receive;
                }
            }
        }
        // Unblocks workers waiting to send, once stopped.
        drop(receiver);
    });
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn eliza_request(parameter: &str) -> CodeGeneratorRequest {
        let proto = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/proto");
        standalone::request_from_protos(
            &[proto],
            &["eliza/v1/eliza.proto".into()],
            parameter,
            Path::new("out"),
        )
        .unwrap()
    }

    fn plugin_output(request: &CodeGeneratorRequest) -> Vec<u8> {
        let mut out = Vec::new();
        run_plugin(request.encode_to_vec(), &mut out).unwrap();
        out
    }

    #[test]
    fn plugin_mode_streams_the_bytes_of_generate() {
        for parameter in ["", "protobuf=google", "io=sync", "protobuf=google,io=async"] {
            let request = eliza_request(parameter);
            assert_eq!(
                plugin_output(&request),
                generate(&request).encode_to_vec(),
                "{parameter}"
            );
        }
        // Errors too, from the options and from the model.
        let request = eliza_request("flavour=x");
        assert_eq!(plugin_output(&request), generate(&request).encode_to_vec());
        let mut request = eliza_request("");
        request.proto_file.last_mut().unwrap().message_type.clear();
        let response = generate(&request);
        assert!(response.error.is_some());
        assert_eq!(plugin_output(&request), response.encode_to_vec());
    }

    #[test]
    fn malformed_source_info_fails_before_any_file_is_written() {
        // A second file whose source info is cut short: found before the first is out.
        let mut request = eliza_request("");
        let mut broken = request.proto_file.last().unwrap().clone();
        broken.name = Some("eliza/v1/broken.proto".into());
        broken.source_code_info = Some(vec![0x0a, 0x05, 0x0a]);
        request
            .file_to_generate
            .push("eliza/v1/broken.proto".into());
        request.proto_file.push(broken);
        let expected = generate(&request);
        let error = expected.error.as_deref().unwrap();
        assert!(error.starts_with("eliza/v1/broken.proto: malformed source_code_info"));
        let response = CodeGeneratorResponse::decode(plugin_output(&request).as_slice()).unwrap();
        assert_eq!(response.error, expected.error);
        assert!(response.file.is_empty());
    }

    #[test]
    fn strings_that_are_not_utf8_are_an_error_response() {
        let mut bytes = eliza_request("").encode_to_vec();
        // The first file_to_generate's name (field 1, right at the start) loses a byte
        // to 0xff.
        assert_eq!(bytes[0], 0x0a);
        bytes[2] = 0xff;
        let mut out = Vec::new();
        run_plugin(bytes, &mut out).unwrap();
        let response = CodeGeneratorResponse::decode(out.as_slice()).unwrap();
        let error = response.error.unwrap();
        assert!(error.contains("not UTF-8"), "{error}");
        assert!(response.file.is_empty());
    }

    #[test]
    fn files_with_one_output_name_are_an_error() {
        // Found by the structured fuzz target (fuzz/regressions/): two files of one name,
        // or two names that the google flavor's module rules map alike.
        let mut request = eliza_request("protobuf=google");
        let mut twin = request.proto_file.last().unwrap().clone();
        request.proto_file.push(twin.clone());
        let error = generate(&request).error.unwrap();
        assert_eq!(
            error,
            "eliza/v1/eliza.proto: the request holds two files of this name"
        );
        request.proto_file.pop();
        twin.name = Some("eliza/v1.eliza.proto".into());
        request.file_to_generate.push("eliza/v1.eliza.proto".into());
        request.proto_file.push(twin);
        let error = generate(&request).error.unwrap();
        assert_eq!(
            error,
            "eliza/v1/eliza.proto and eliza/v1.eliza.proto would both be generated as \
             eliza/v1/eliza_connect.py; rename one of them"
        );
        // The py flavor keeps `.` in a module name: no collision there.
        request.parameter = None;
        assert!(generate(&request).error.is_none());
    }

    #[test]
    fn undecodable_requests_write_nothing() {
        let mut out = Vec::new();
        let result = run_plugin(b"\x0fnot a request".to_vec(), &mut out);
        assert!(matches!(result, Err(PluginError::Decode(_))));
        assert!(out.is_empty());
    }

    #[test]
    fn parallel_work_is_sunk_in_order_and_can_stop() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        // Uneven work, so that results finish out of order.
        let work = |i: &u64| {
            std::hint::black_box((0..(i % 7) * 1000).sum::<u64>());
            *i
        };
        for_each_in_parallel(&items, work, |r| {
            seen.push(r);
            true
        });
        assert_eq!(seen, items);
        let mut seen = Vec::new();
        for_each_in_parallel(
            &items,
            |i| *i,
            |r| {
                seen.push(r);
                r < 41
            },
        );
        assert_eq!(seen, (0..=41).collect::<Vec<_>>());
    }
}
