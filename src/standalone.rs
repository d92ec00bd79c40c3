//! Standalone mode: compile `.proto` files with the embedded pure-Rust compiler (protox),
//! or read a descriptor set that protoc or buf wrote, and build the same
//! `CodeGeneratorRequest` protoc would send. Generation then takes the plugin's own path,
//! so both modes write the same files.

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::plugin_proto::{CodeGeneratorRequest, FileDescriptorProto};

/// `google.protobuf.FileDescriptorSet`, with our lean file descriptors.
#[derive(Clone, PartialEq, Message)]
struct FileDescriptorSet {
    #[prost(message, repeated, tag = "1")]
    file: Vec<FileDescriptorProto>,
}

/// Compiles `files` (paths on disk, or names relative to an include directory) against the
/// `includes` and returns the request for them.
pub fn request_from_protos(
    includes: &[PathBuf],
    files: &[PathBuf],
    parameter: &str,
) -> Result<CodeGeneratorRequest, String> {
    let mut compiler = protox::Compiler::new(includes).map_err(|e| format_protox_error(&e))?;
    compiler.include_imports(true).include_source_info(true);
    for file in files {
        compiler
            .open_file(file)
            .map_err(|e| format_protox_error(&e))?;
    }
    let file_to_generate = compiler
        .files()
        .filter(|f| !f.is_import())
        .map(|f| f.name().to_owned())
        .collect();
    let set = FileDescriptorSet::decode(compiler.encode_file_descriptor_set().as_slice()).map_err(
        |e| format!("internal error: protox produced an undecodable descriptor set: {e}"),
    )?;
    Ok(CodeGeneratorRequest {
        file_to_generate,
        parameter: Some(parameter.to_owned()),
        proto_file: set.file,
    })
}

/// Reads a `FileDescriptorSet` (`protoc --include_imports --include_source_info
/// --descriptor_set_out`, or `buf build -o`) and generates for `names`, or for every file
/// in the set when `names` is empty.
pub fn request_from_descriptor_set(
    path: &Path,
    names: &[String],
    parameter: &str,
) -> Result<CodeGeneratorRequest, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set = FileDescriptorSet::decode(bytes.as_slice())
        .map_err(|e| format!("{}: not a FileDescriptorSet: {e}", path.display()))?;
    let present: Vec<&str> = set.file.iter().filter_map(|f| f.name.as_deref()).collect();
    for name in names {
        if !present.contains(&name.as_str()) {
            return Err(format!(
                "{}: has no file named `{name}`; it has {}",
                path.display(),
                present.join(", ")
            ));
        }
    }
    let file_to_generate = if names.is_empty() {
        present.iter().map(|s| (*s).to_owned()).collect()
    } else {
        names.to_vec()
    };
    Ok(CodeGeneratorRequest {
        file_to_generate,
        parameter: Some(parameter.to_owned()),
        proto_file: set.file,
    })
}

/// protox errors name the file and, for syntax errors, the line and column.
fn format_protox_error(error: &protox::Error) -> String {
    use std::fmt::Write;
    let mut out = error.to_string();
    if let Some(file) = error.file().filter(|file| !out.contains(file)) {
        out = format!("{file}: {out}");
    }
    // The span (when there is one) gives the line; miette keeps it in the labels.
    if let Some(labels) = miette_labels(error) {
        let _ = write!(out, " ({labels})");
    }
    out
}

fn miette_labels(error: &protox::Error) -> Option<String> {
    use miette::Diagnostic;
    let source = error.source_code()?;
    let labels: Vec<String> = error
        .labels()?
        .filter_map(|label| {
            let contents = source.read_span(label.inner(), 0, 0).ok()?;
            let mut text = format!(
                "line {}, column {}",
                contents.line() + 1,
                contents.column() + 1
            );
            if let Some(message) = label.label() {
                text.push_str(": ");
                text.push_str(message);
            }
            Some(text)
        })
        .collect();
    (!labels.is_empty()).then(|| labels.join("; "))
}
