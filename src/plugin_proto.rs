//! The protoc plugin protocol, decoded leanly.
//!
//! `prost-types` 0.14 predates editions (no `minimum_edition` / `maximum_edition` in the
//! response), and decoding whole descriptors would spend most of our time on message
//! fields we never read. So we declare just the fields the generator uses; prost skips
//! everything else on the wire, which keeps large requests cheap.

use prost::Message;

/// `google.protobuf.compiler.CodeGeneratorRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct CodeGeneratorRequest {
    #[prost(string, repeated, tag = "1")]
    pub file_to_generate: Vec<String>,
    #[prost(string, optional, tag = "2")]
    pub parameter: Option<String>,
    #[prost(message, repeated, tag = "15")]
    pub proto_file: Vec<FileDescriptorProto>,
}

/// `google.protobuf.compiler.CodeGeneratorResponse`.
#[derive(Clone, PartialEq, Message)]
pub struct CodeGeneratorResponse {
    #[prost(string, optional, tag = "1")]
    pub error: Option<String>,
    #[prost(uint64, optional, tag = "2")]
    pub supported_features: Option<u64>,
    #[prost(int32, optional, tag = "3")]
    pub minimum_edition: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub maximum_edition: Option<i32>,
    #[prost(message, repeated, tag = "15")]
    pub file: Vec<GeneratedFile>,
}

/// `CodeGeneratorResponse.File`.
#[derive(Clone, PartialEq, Message)]
pub struct GeneratedFile {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "15")]
    pub content: Option<String>,
}

/// `CodeGeneratorResponse.Feature` bits.
pub const FEATURE_PROTO3_OPTIONAL: u64 = 1;
pub const FEATURE_SUPPORTS_EDITIONS: u64 = 2;
/// `google.protobuf.Edition` values.
pub const EDITION_2023: i32 = 1000;
pub const EDITION_2024: i32 = 1001;

/// `google.protobuf.FileDescriptorProto`, reduced to what naming and imports need.
#[derive(Clone, PartialEq, Message)]
pub struct FileDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub package: Option<String>,
    #[prost(message, repeated, tag = "4")]
    pub message_type: Vec<DescriptorProto>,
    #[prost(message, repeated, tag = "6")]
    pub service: Vec<ServiceDescriptorProto>,
    #[prost(message, optional, tag = "9")]
    pub source_code_info: Option<SourceCodeInfo>,
}

/// `google.protobuf.DescriptorProto`: only names, to resolve nested message paths.
#[derive(Clone, PartialEq, Message)]
pub struct DescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, repeated, tag = "3")]
    pub nested_type: Vec<DescriptorProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ServiceDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub method: Vec<MethodDescriptorProto>,
    #[prost(message, optional, tag = "3")]
    pub options: Option<ServiceOptions>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MethodDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub input_type: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub output_type: Option<String>,
    #[prost(message, optional, tag = "4")]
    pub options: Option<MethodOptions>,
    #[prost(bool, optional, tag = "5")]
    pub client_streaming: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    pub server_streaming: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ServiceOptions {
    #[prost(bool, optional, tag = "33")]
    pub deprecated: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MethodOptions {
    #[prost(bool, optional, tag = "33")]
    pub deprecated: Option<bool>,
    /// `MethodOptions.IdempotencyLevel`: 0 unknown, 1 no side effects, 2 idempotent.
    #[prost(int32, optional, tag = "34")]
    pub idempotency_level: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SourceCodeInfo {
    #[prost(message, repeated, tag = "1")]
    pub location: Vec<Location>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(int32, repeated, tag = "1")]
    pub path: Vec<i32>,
    #[prost(string, optional, tag = "3")]
    pub leading_comments: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub trailing_comments: Option<String>,
}

impl CodeGeneratorResponse {
    /// A response that reports `message` to protoc, which prints it and fails.
    pub fn failure(message: String) -> Self {
        CodeGeneratorResponse {
            error: Some(message),
            supported_features: Some(FEATURE_PROTO3_OPTIONAL | FEATURE_SUPPORTS_EDITIONS),
            minimum_edition: Some(EDITION_2023),
            maximum_edition: Some(EDITION_2024),
            file: Vec::new(),
        }
    }

    pub fn success(file: Vec<GeneratedFile>) -> Self {
        CodeGeneratorResponse {
            error: None,
            supported_features: Some(FEATURE_PROTO3_OPTIONAL | FEATURE_SUPPORTS_EDITIONS),
            minimum_edition: Some(EDITION_2023),
            maximum_edition: Some(EDITION_2024),
            file,
        }
    }
}
