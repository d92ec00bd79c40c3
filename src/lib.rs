//! protoc-gen-connect_python: typed Connect RPC stubs for Python from `.proto` services.
//!
//! The data flows one way, one module per step:
//! request bytes ([`plugin_proto`]) -> [`options`] -> [`model`] (names: [`names`],
//! module paths: [`modules`], docstrings: [`comments`]) -> [`render`] (templates under
//! `templates/`, line layout: [`layout`], imports: [`imports`]) -> response bytes.
//! [`standalone`] builds the same request from `.proto` files without protoc.

pub mod comments;
pub mod imports;
pub mod layout;
pub mod model;
pub mod modules;
pub mod names;
pub mod options;
pub mod plugin_proto;
pub mod render;
pub mod standalone;
mod stdlib;

use std::collections::HashSet;

use prost::Message;

use plugin_proto::{CodeGeneratorRequest, CodeGeneratorResponse, GeneratedFile};

/// Plugin mode: decodes a `CodeGeneratorRequest` and encodes the response. A request that
/// cannot be decoded is an error for the caller to report; everything after decoding is
/// reported to protoc inside the response, as the plugin protocol asks.
pub fn run_plugin(request: &[u8]) -> Result<Vec<u8>, prost::DecodeError> {
    let request = CodeGeneratorRequest::decode(request)?;
    Ok(generate(&request).encode_to_vec())
}

/// Generates the `_connect.py` files for a request.
pub fn generate(request: &CodeGeneratorRequest) -> CodeGeneratorResponse {
    match generate_files(request) {
        Ok(files) => CodeGeneratorResponse::success(files),
        Err(message) => CodeGeneratorResponse::failure(message),
    }
}

fn generate_files(request: &CodeGeneratorRequest) -> Result<Vec<GeneratedFile>, String> {
    let parameter = request.parameter.as_deref().unwrap_or_default();
    let options = options::parse(parameter).map_err(|e| e.to_string())?;
    let to_generate: HashSet<&str> = request
        .file_to_generate
        .iter()
        .map(String::as_str)
        .collect();
    let known: HashSet<&str> = request
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
    let generated = |name: &str| to_generate.contains(name);
    let mut files = Vec::new();
    for file in &request.proto_file {
        let name = file.name.as_deref().unwrap_or_default();
        if !to_generate.contains(name) || file.service.is_empty() {
            continue;
        }
        let model = model::build(file, &types, &generated, &options, parameter)
            .map_err(|e| format!("{name}: {}", e.0))?;
        let content = render::render_file(&model).map_err(|e| format!("{name}: {e}"))?;
        files.push(GeneratedFile {
            name: Some(model.output_path),
            content: Some(content),
        });
    }
    Ok(files)
}
