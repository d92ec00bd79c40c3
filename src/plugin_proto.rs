//! The protoc plugin protocol, decoded leanly.
//!
//! `prost-types` 0.14 predates editions (no `minimum_edition` / `maximum_edition` in the
//! response), and decoding whole descriptors would spend most of our time on message
//! fields we never read. So we declare just the fields the generator uses; prost skips
//! everything else on the wire, which keeps large requests cheap.

use std::io::{self, Write};

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
    /// `SourceCodeInfo`, still encoded. It has a location for every element of the file,
    /// and only the comments of services and methods are read, so [`scan_locations`]
    /// reads it later without building the rest (decoding it whole was over half the time
    /// of decoding a request).
    #[prost(bytes = "vec", optional, tag = "9")]
    pub source_code_info: Option<Vec<u8>>,
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

/// A `SourceCodeInfo.Location`: its path, and its comments borrowed from the encoded
/// `SourceCodeInfo`, as bytes: comments ought to be UTF-8, but protoc's python_out
/// accepts a file whose comments are not, so the caller decodes them lossily.
#[derive(Debug, PartialEq, Eq)]
pub struct Location<'p, 'a> {
    pub path: &'p [i32],
    pub leading_comments: Option<&'a [u8]>,
    pub trailing_comments: Option<&'a [u8]>,
}

/// Calls `visit` with each location of an encoded `SourceCodeInfo`, in order. The path
/// goes into one reused buffer and the comments are borrowed, so the many locations the
/// caller skips cost no allocation.
pub fn scan_locations<'a>(
    source_code_info: &'a [u8],
    mut visit: impl FnMut(Location<'_, 'a>),
) -> Result<(), WireError> {
    let mut info = Wire(source_code_info);
    let mut path = Vec::new();
    while let Some((field, wire_type)) = info.key()? {
        // `repeated Location location = 1;`
        if (field, wire_type) != (1, WIRE_LEN) {
            info.skip(wire_type)?;
            continue;
        }
        let mut location = Wire(info.len_delimited()?);
        path.clear();
        let (mut leading, mut trailing) = (None, None);
        while let Some((field, wire_type)) = location.key()? {
            match (field, wire_type) {
                // `repeated int32 path = 1 [packed = true];`, or unpacked from old writers.
                (1, WIRE_LEN) => {
                    let mut packed = Wire(location.len_delimited()?);
                    while !packed.0.is_empty() {
                        path.push(packed.varint()? as i32);
                    }
                }
                (1, WIRE_VARINT) => path.push(location.varint()? as i32),
                (3, WIRE_LEN) => leading = Some(location.len_delimited()?),
                (4, WIRE_LEN) => trailing = Some(location.len_delimited()?),
                _ => location.skip(wire_type)?,
            }
        }
        visit(Location {
            path: &path,
            leading_comments: leading,
            trailing_comments: trailing,
        });
    }
    Ok(())
}

/// Malformed protobuf encoding.
#[derive(Debug, PartialEq, Eq)]
pub struct WireError(&'static str);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

const WIRE_VARINT: u8 = 0;
const WIRE_I64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_I32: u8 = 5;

/// The protobuf wire format, read from the front of a byte slice: just enough for
/// [`scan_locations`].
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn varint(&mut self) -> Result<u64, WireError> {
        // Keys, lengths and path elements are almost all below 128: one byte.
        if let [byte @ 0..0x80, rest @ ..] = self.0 {
            self.0 = rest;
            return Ok(u64::from(*byte));
        }
        let mut value = 0u64;
        for (i, &byte) in self.0.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.0 = &self.0[i + 1..];
                return Ok(value);
            }
        }
        Err(WireError("invalid varint"))
    }

    /// The next field number and wire type, or `None` at the end.
    fn key(&mut self) -> Result<Option<(u64, u8)>, WireError> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        Ok(Some((key >> 3, (key & 7) as u8)))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        if len > self.0.len() {
            return Err(WireError("field runs past the end of its message"));
        }
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(taken)
    }

    fn len_delimited(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.varint()?;
        self.take(usize::try_from(len).map_err(|_| WireError("length too large"))?)
    }

    fn skip(&mut self, wire_type: u8) -> Result<(), WireError> {
        match wire_type {
            WIRE_VARINT => self.varint().map(drop),
            WIRE_I64 => self.take(8).map(drop),
            WIRE_LEN => self.len_delimited().map(drop),
            WIRE_I32 => self.take(4).map(drop),
            _ => Err(WireError("unsupported wire type")),
        }
    }
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

    /// Writes the bytes of [`Message::encode_to_vec`], but each file's content straight
    /// from its string: the output is several times the size of the request, and encoding
    /// it into one buffer first would copy all of it and double the peak memory.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        self.write_head_to(out)?;
        for file in &self.file {
            file.write_to(out)?;
        }
        Ok(())
    }

    /// Writes every field but the files. prost writes fields in tag order and the files
    /// (tag 15) come last, so the files can follow one by one with
    /// [`GeneratedFile::write_to`] as they are generated.
    pub fn write_head_to(&self, out: &mut impl Write) -> io::Result<()> {
        let head = CodeGeneratorResponse {
            error: self.error.clone(),
            file: Vec::new(),
            ..*self
        };
        out.write_all(&head.encode_to_vec())
    }
}

impl GeneratedFile {
    /// Writes this file as one `file` field of a `CodeGeneratorResponse`, with the content
    /// straight from its string.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut header = Vec::with_capacity(32 + self.name.as_ref().map_or(0, String::len));
        push_key(&mut header, 15);
        push_varint(&mut header, self.encoded_len());
        if let Some(name) = &self.name {
            push_key(&mut header, 1);
            push_varint(&mut header, name.len());
            header.extend_from_slice(name.as_bytes());
        }
        if let Some(content) = &self.content {
            push_key(&mut header, 15);
            push_varint(&mut header, content.len());
        }
        out.write_all(&header)?;
        if let Some(content) = &self.content {
            out.write_all(content.as_bytes())?;
        }
        Ok(())
    }
}

/// The key of a length-delimited field: `field << 3 | 2`.
fn push_key(out: &mut Vec<u8>, field: usize) {
    push_varint(out, field << 3 | 2);
}

fn push_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(
        path: Vec<i32>,
        leading: Option<&str>,
        trailing: Option<&str>,
    ) -> prost_types::source_code_info::Location {
        prost_types::source_code_info::Location {
            path,
            span: vec![3, 4, 5, 6],
            leading_comments: leading.map(str::to_owned),
            trailing_comments: trailing.map(str::to_owned),
            leading_detached_comments: vec!["detached".into()],
        }
    }

    /// A location's path, leading and trailing comment.
    type Seen = (Vec<i32>, Option<String>, Option<String>);

    fn scan(bytes: &[u8]) -> Result<Vec<Seen>, WireError> {
        let mut seen = Vec::new();
        scan_locations(bytes, |l| {
            seen.push((
                l.path.to_vec(),
                l.leading_comments
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
                l.trailing_comments
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            ))
        })?;
        Ok(seen)
    }

    #[test]
    fn scan_locations_reads_what_prost_would() {
        let info = prost_types::SourceCodeInfo {
            location: vec![
                location(vec![], None, None),
                location(vec![6, 0], Some(" service\n"), None),
                location(vec![6, 0, 2, 1], Some(" method\n"), Some(" trailing\n")),
                location(vec![4, 300, 2, 70000], None, Some("é")),
            ],
        };
        let expected: Vec<_> = info
            .location
            .iter()
            .map(|l| {
                (
                    l.path.clone(),
                    l.leading_comments.clone(),
                    l.trailing_comments.clone(),
                )
            })
            .collect();
        assert_eq!(scan(&info.encode_to_vec()).unwrap(), expected);
    }

    #[test]
    fn scan_locations_accepts_unpacked_paths() {
        // Location { path: 6 (unpacked), path: 1 (unpacked), leading_comments: "x" }
        let location = [0x08, 6, 0x08, 1, 0x1a, 1, b'x'];
        let mut info = vec![0x0a, location.len() as u8];
        info.extend_from_slice(&location);
        assert_eq!(scan(&info).unwrap(), [(vec![6, 1], Some("x".into()), None)]);
    }

    #[test]
    fn scan_locations_rejects_malformed_input() {
        let info = prost_types::SourceCodeInfo {
            location: vec![location(vec![6, 0], Some("comment"), None)],
        }
        .encode_to_vec();
        assert!(scan(&info[..info.len() - 2]).is_err());
        assert!(scan(&[0x0a, 0x02, 0x1a, 0x01]).is_err());
        // Comments that are not UTF-8 are the caller's to decode.
        assert_eq!(
            scan(&[0x0a, 0x03, 0x1a, 0x01, 0xff]).unwrap(),
            [(vec![], Some("\u{fffd}".into()), None)]
        );
        assert!(scan(&[0xff; 11]).is_err(), "varint too long");
    }

    #[test]
    fn write_to_writes_what_prost_encodes() {
        let mut response = CodeGeneratorResponse::success(vec![
            GeneratedFile {
                name: Some("a/b_connect.py".into()),
                content: Some("x = 1\n".repeat(100)),
            },
            GeneratedFile {
                name: None,
                content: Some(String::new()),
            },
            GeneratedFile {
                name: Some("c.py".into()),
                content: None,
            },
        ]);
        let mut out = Vec::new();
        response.write_to(&mut out).unwrap();
        assert_eq!(out, response.encode_to_vec());
        response.error = Some("bad".into());
        out.clear();
        response.write_to(&mut out).unwrap();
        assert_eq!(out, response.encode_to_vec());
        let failure = CodeGeneratorResponse::failure("no".into());
        out.clear();
        failure.write_to(&mut out).unwrap();
        assert_eq!(out, failure.encode_to_vec());
    }
}
