//! Structured requests for the `structured` fuzz target: [`Request`] is built by
//! `arbitrary` from the fuzzer's bytes and turned into a `CodeGeneratorRequest` whose
//! names, file names, comments and parameters come mostly from hostile pools (keywords,
//! soft keywords, builtins, dunders, the runtime's and the generated classes' names,
//! numbered names for natural order, names across the line-width thresholds, names
//! protoc would refuse), so that the fuzzer spends its time in naming, layout and
//! rendering rather than in the wire format.

use arbitrary::Arbitrary;
use prost::Message as _;
use protoc_gen_connect_python::plugin_proto::{
    CodeGeneratorRequest, DescriptorProto, FileDescriptorProto, MethodDescriptorProto,
    MethodOptions, ServiceDescriptorProto, ServiceOptions,
};

/// Names for services, methods, messages and package or directory segments.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    // Plain ones, so that most requests get far.
    "Foo", "Bar", "Item", "GetItem", "Get_Item", "get_item", "GETItem", "HTTPServer", "A", "a",
    "x", "v1", "ElizaService", "Say", "Converse", "Introduce", "Empty", "Request", "Response",
    // Python keywords and soft keywords.
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield", "match", "case", "type", "_", "print",
    // Builtins and dunders.
    "int", "str", "bool", "object", "property", "classmethod", "super", "dict", "next", "list",
    "AttributeError", "Exception", "__init__", "__class__", "__name__", "__all__", "__", "___",
    "_x", "__x", "pb_x", "x_",
    // What a generated module binds itself: imports, runtime and private names.
    "annotations", "TYPE_CHECKING", "Protocol", "cache", "Any", "ConnectClient",
    "ConnectClientSync", "Code", "ConnectError", "IdempotencyLevel", "MethodInfo", "StreamType",
    "ProtocolType", "ConnectASGIApplication", "ConnectWSGIApplication", "Endpoint",
    "EndpointSync", "deprecated", "AsyncGenerator", "AsyncIterator", "Iterable", "Iterator",
    "Mapping", "Codec", "Compression", "Interceptor", "Headers", "RequestContext", "DescService",
    "Client", "SyncClient", "GzipCompression", "DEFAULT_READ_MAX_BYTES", "desc", "path",
    "close", "execute_unary", "execute_client_stream", "execute_server_stream",
    "execute_bidi_stream", "_MethodInfos", "_method_infos", "typing", "connectrpc", "google",
    "protobuf", "functools", "warnings", "collections", "abc",
    // The generated classes' suffixes, alone and on a base.
    "FooClient", "FooClientSync", "FooSync", "FooASGIApplication", "FooWSGIApplication",
    "ClientSync", "Sync", "ASGIApplication", "WSGIApplication", "Service", "FooService",
    // Numbered, for natural order.
    "Item2", "Item10", "Item1", "Item02", "X9", "X10", "v2", "v10",
    // What protoc refuses: not identifiers.
    "", "1a", "a b", "a.b", "é", "a-b", "a\"b", "a'b", "a\nb", "a\\b", "a\0b", "a/b", " ",
    "\u{2028}",
];

const FILE_NAMES: &[&str] = &[
    "a.proto",
    "x/y.proto",
    "root.proto",
    "a/b/c/d.proto",
    "a-b/c-d.proto",
    "a b.proto",
    "class/x.proto",
    "x/None.proto",
    "2fa/x.proto",
    "é/x.proto",
    "../x.proto",
    "/abs.proto",
    "a//b.proto",
    "./a.proto",
    "a/./b.proto",
    "a.b/c.d.proto",
    "x.proto.proto",
    "noext",
    "a\nb.proto",
    "a\rb.proto",
    "a\u{2028}b.proto",
    "a\"b.proto",
    "a\\b.proto",
    "google/protobuf/empty.proto",
    "annotations.proto",
    "typing.proto",
    "connectrpc/x.proto",
    "__init__.proto",
    "a/__init__.proto",
    "a/_connect.proto",
    "x_connect.proto",
    "x_pb2.proto",
    ".proto",
    "",
    "a/",
    "a.proto/",
];

const PARAMETERS: &[&str] = &[
    "",
    "protobuf=google",
    "protobuf=py",
    "io=sync",
    "io=async",
    "imports=absolute",
    "imports=relative",
    "protobuf=google,io=sync,imports=absolute",
    "protobuf=py,io=async",
    "protobuf=google,io=async",
    "flavour=x",
    "protobuf",
    "protobuf=",
    "=google",
    "protobuf=google,protobuf=py",
    "protobuf=google,",
    ",",
    " protobuf = google ",
    "protobuf=google\nio=sync",
    "io=sync\r\n",
    "protobuf=google\u{2028}",
    "io=both",
    "imports=ABSOLUTE",
];

const PARAMETER_PARTS: &[&str] = &[
    "protobuf=google",
    "protobuf=py",
    "io=sync",
    "io=async",
    "imports=absolute",
    "imports=relative",
];

const SEPARATORS: &[&str] = &[",", ",", ",", ", ", ",,", "\n", "\t", ";"];

/// Comment fragments: what real comments hold and what ruff rewrites or flags.
const FRAGMENTS: &[&[u8]] = &[
    b" A comment.",
    b"\n",
    b"\n\n",
    b"\r\n",
    b"\r",
    b"   indented code",
    b"  two spaces",
    b"\t",
    b"\ttab",
    b" \\",
    b"\\n",
    b"\"\"\"",
    b"\"",
    b"'''",
    b"'",
    b" trailing spaces   ",
    "\u{2019}".as_bytes(),
    "\u{2013}".as_bytes(),
    "\u{a0}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{2029}".as_bytes(),
    "\u{85}".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{202e}".as_bytes(),
    "\u{feff}".as_bytes(),
    " \u{421}\u{43e}ffee".as_bytes(),
    " caf\u{e9}".as_bytes(),
    " \u{1f600}".as_bytes(),
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1f",
    b"\x7f",
    b" caf\xe9",
    b"\xff\xfe",
    b"\xe2\x80",
    b"# noqa",
    b"# fmt: off",
    b"# type: ignore",
    b"{{ x }}",
    b"{% if %}",
];

/// Messages the RPCs may use from outside the request's own files; the file that
/// defines them is added when one is used.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("google/protobuf/empty.proto", "Empty"),
    ("google/protobuf/timestamp.proto", "Timestamp"),
    ("google/protobuf/wrappers.proto", "StringValue"),
];

fn pick<T: Copy>(pool: &[T], index: impl Into<usize>) -> T {
    pool[index.into() % pool.len()]
}

#[derive(Arbitrary, Debug)]
pub enum Name {
    Pool(u8),
    /// Two names of the pool, joined (`Foo` + `Client`, `Item` + `10`).
    Joined(u8, u8),
    /// A pool name and a number: natural order (`Item2`, `Item10`).
    Numbered(u8, u16),
    /// A name of 1 to 300 characters, across every width threshold.
    Long(u16, u8),
    Raw(String),
}

impl Name {
    fn build(&self) -> String {
        match self {
            Name::Pool(i) => pick(NAMES, *i).to_owned(),
            Name::Joined(a, b) => format!("{}{}", pick(NAMES, *a), pick(NAMES, *b)),
            Name::Numbered(a, n) => format!("{}{n}", pick(NAMES, *a)),
            Name::Long(len, style) => {
                let len = usize::from(*len % 300) + 1;
                let pattern: &[u8] = match style % 4 {
                    0 => b"A",
                    1 => b"LongName",
                    2 => b"snake_case_",
                    _ => b"X1_",
                };
                (0..len)
                    .map(|i| char::from(pattern[i % pattern.len()]))
                    .collect()
            }
            Name::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum FileName {
    Pool(u8),
    /// Directories and a base name from the name pool, `.proto` appended.
    Segments(Vec<Name>, Name),
    Raw(String),
}

impl FileName {
    fn build(&self) -> String {
        match self {
            FileName::Pool(i) => pick(FILE_NAMES, *i).to_owned(),
            FileName::Segments(dirs, base) => {
                let mut name = String::new();
                for dir in dirs.iter().take(4) {
                    name.push_str(&dir.build());
                    name.push('/');
                }
                name.push_str(&base.build());
                name.push_str(".proto");
                name
            }
            FileName::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum Package {
    None,
    /// Dot-separated segments from the name pool.
    Segments(Vec<Name>),
    Raw(String),
}

impl Package {
    fn build(&self) -> Option<String> {
        match self {
            Package::None => None,
            Package::Segments(segments) => Some(
                segments
                    .iter()
                    .take(5)
                    .map(Name::build)
                    .collect::<Vec<_>>()
                    .join("."),
            ),
            Package::Raw(s) => Some(s.clone()),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum Parameter {
    Absent,
    Pool(u8),
    /// Known `key=value` parts joined by a separator from a pool.
    Parts(Vec<u8>, u8),
    Raw(String),
}

impl Parameter {
    fn build(&self) -> Option<String> {
        match self {
            Parameter::Absent => None,
            Parameter::Pool(i) => Some(pick(PARAMETERS, *i).to_owned()),
            Parameter::Parts(parts, separator) => Some(
                parts
                    .iter()
                    .take(4)
                    .map(|i| pick(PARAMETER_PARTS, *i))
                    .collect::<Vec<_>>()
                    .join(pick(SEPARATORS, *separator)),
            ),
            Parameter::Raw(s) => Some(s.clone()),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct MessageSpec {
    name: Name,
    nested: Vec<(Name, Vec<Name>)>,
}

/// Which message an RPC takes or returns.
#[derive(Arbitrary, Debug)]
pub enum TypeRef {
    /// One of the messages of the RPC's own file (in declaration order, nested included).
    Local(u8),
    /// One of the messages of another file of the request.
    Other(u8, u8),
    WellKnown(u8),
    /// Any type name, most likely undefined.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
pub struct MethodSpec {
    name: Name,
    input: TypeRef,
    output: TypeRef,
    client_streaming: Option<bool>,
    server_streaming: Option<bool>,
    deprecated: Option<bool>,
    idempotency_level: Option<i8>,
}

#[derive(Arbitrary, Debug)]
pub struct ServiceSpec {
    name: Name,
    methods: Vec<MethodSpec>,
    deprecated: Option<bool>,
}

#[derive(Arbitrary, Debug)]
pub enum CommentTarget {
    Service(u8),
    Method(u8, u8),
    /// Any path: other elements' comments, which the generator must ignore.
    Raw(Vec<i32>),
}

#[derive(Arbitrary, Debug)]
pub enum Fragment {
    Pool(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
pub struct CommentSpec {
    target: CommentTarget,
    leading: Option<Vec<Fragment>>,
    trailing: Option<Vec<Fragment>>,
}

#[derive(Arbitrary, Debug)]
pub struct FileSpec {
    name: FileName,
    package: Package,
    messages: Vec<MessageSpec>,
    services: Vec<ServiceSpec>,
    comments: Vec<CommentSpec>,
    /// Garbage appended to the encoded `SourceCodeInfo`.
    source_info_tail: Option<Vec<u8>>,
    generate: bool,
}

#[derive(Arbitrary, Debug)]
pub struct Request {
    parameter: Parameter,
    files: Vec<FileSpec>,
    /// A name listed in `file_to_generate` that no file has.
    missing: Option<FileName>,
}

/// A built request, with what the generator must give for it when it does not refuse it.
pub struct Built {
    pub request: CodeGeneratorRequest,
    /// How many `_connect.py` files a successful response holds: one per file to generate
    /// that has a service.
    pub expected_files: usize,
}

impl Request {
    pub fn build(&self) -> Built {
        let files: Vec<&FileSpec> = self.files.iter().take(4).collect();
        let mut protos: Vec<FileDescriptorProto> = files
            .iter()
            .map(|spec| FileDescriptorProto {
                name: Some(spec.name.build()),
                package: spec.package.build(),
                message_type: spec.messages.iter().take(6).map(build_message).collect(),
                service: Vec::new(),
                source_code_info: None,
            })
            .collect();
        // Every file's messages by full name, nested ones after their parent.
        let full_names: Vec<Vec<String>> = protos.iter().map(message_full_names).collect();
        let mut well_known_used = [false; WELL_KNOWN.len()];
        for (index, spec) in files.iter().enumerate() {
            let mut resolve = |type_ref: &TypeRef| -> String {
                match type_ref {
                    TypeRef::Local(i) => nth(&full_names[index], *i),
                    TypeRef::Other(f, i) => nth(&full_names[usize::from(*f) % files.len()], *i),
                    TypeRef::WellKnown(i) => {
                        let which = usize::from(*i) % WELL_KNOWN.len();
                        well_known_used[which] = true;
                        format!(".google.protobuf.{}", WELL_KNOWN[which].1)
                    }
                    TypeRef::Raw(s) => s.clone(),
                }
            };
            protos[index].service = spec
                .services
                .iter()
                .take(3)
                .map(|service| ServiceDescriptorProto {
                    name: Some(service.name.build()),
                    method: service
                        .methods
                        .iter()
                        .take(6)
                        .map(|method| MethodDescriptorProto {
                            name: Some(method.name.build()),
                            input_type: Some(resolve(&method.input)),
                            output_type: Some(resolve(&method.output)),
                            options: (method.deprecated.is_some()
                                || method.idempotency_level.is_some())
                            .then(|| MethodOptions {
                                deprecated: method.deprecated,
                                idempotency_level: method.idempotency_level.map(i32::from),
                            }),
                            client_streaming: method.client_streaming,
                            server_streaming: method.server_streaming,
                        })
                        .collect(),
                    options: service.deprecated.map(|deprecated| ServiceOptions {
                        deprecated: Some(deprecated),
                    }),
                })
                .collect();
            protos[index].source_code_info = Some(source_code_info(spec));
        }
        let mut file_to_generate: Vec<String> = files
            .iter()
            .zip(&protos)
            .filter(|(spec, _)| spec.generate)
            .map(|(_, proto)| proto.name.clone().unwrap_or_default())
            .collect();
        if let Some(missing) = &self.missing {
            // Most likely a name no file has (an error), but it may name one.
            file_to_generate.push(missing.build());
        }
        // protoc lists each file once.
        let mut seen = std::collections::HashSet::new();
        file_to_generate.retain(|name| seen.insert(name.clone()));
        let expected_files = protos
            .iter()
            .filter(|proto| {
                file_to_generate.contains(proto.name.as_ref().unwrap()) && !proto.service.is_empty()
            })
            .count();
        // The well-known files come first, as protoc sends dependencies first.
        let well_known = WELL_KNOWN
            .iter()
            .zip(well_known_used)
            .filter(|(_, used)| *used)
            .map(|((file, message), _)| FileDescriptorProto {
                name: Some((*file).to_owned()),
                package: Some("google.protobuf".to_owned()),
                message_type: vec![DescriptorProto {
                    name: Some((*message).to_owned()),
                    nested_type: Vec::new(),
                }],
                service: Vec::new(),
                source_code_info: None,
            });
        let proto_file = well_known.chain(protos).collect();
        Built {
            request: CodeGeneratorRequest {
                file_to_generate,
                parameter: self.parameter.build(),
                proto_file,
            },
            expected_files,
        }
    }
}

fn build_message(spec: &MessageSpec) -> DescriptorProto {
    DescriptorProto {
        name: Some(spec.name.build()),
        nested_type: spec
            .nested
            .iter()
            .take(3)
            .map(|(name, inner)| DescriptorProto {
                name: Some(name.build()),
                nested_type: inner
                    .iter()
                    .take(2)
                    .map(|name| DescriptorProto {
                        name: Some(name.build()),
                        nested_type: Vec::new(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn message_full_names(file: &FileDescriptorProto) -> Vec<String> {
    fn walk(prefix: &str, messages: &[DescriptorProto], out: &mut Vec<String>) {
        for message in messages {
            let name = format!("{prefix}.{}", message.name.as_deref().unwrap_or_default());
            out.push(name.clone());
            walk(&name, &message.nested_type, out);
        }
    }
    let prefix = match file.package.as_deref() {
        Some(package) if !package.is_empty() => format!(".{package}"),
        _ => String::new(),
    };
    let mut out = Vec::new();
    walk(&prefix, &file.message_type, &mut out);
    out
}

fn nth(names: &[String], index: u8) -> String {
    if names.is_empty() {
        ".Undefined".to_owned()
    } else {
        names[usize::from(index) % names.len()].clone()
    }
}

/// The `SourceCodeInfo` of a file, encoded by hand: comments may be any bytes.
fn source_code_info(spec: &FileSpec) -> Vec<u8> {
    let mut info = Vec::new();
    for comment in spec.comments.iter().take(8) {
        let path: Vec<i32> = match &comment.target {
            CommentTarget::Service(s) => vec![6, i32::from(*s % 4)],
            CommentTarget::Method(s, m) => vec![6, i32::from(*s % 4), 2, i32::from(*m % 7)],
            CommentTarget::Raw(path) => path.iter().take(6).copied().collect(),
        };
        let mut location = Vec::new();
        let mut packed = Vec::new();
        for element in &path {
            // int32 varints: negative ones take ten bytes.
            prost::encoding::encode_varint(*element as i64 as u64, &mut packed);
        }
        push_bytes(&mut location, 1, &packed);
        for (field, text) in [(3, &comment.leading), (4, &comment.trailing)] {
            if let Some(fragments) = text {
                let mut bytes = Vec::new();
                for fragment in fragments.iter().take(12) {
                    match fragment {
                        Fragment::Pool(i) => bytes.extend_from_slice(pick(FRAGMENTS, *i)),
                        Fragment::Raw(raw) => bytes.extend_from_slice(raw),
                    }
                }
                push_bytes(&mut location, field, &bytes);
            }
        }
        push_bytes(&mut info, 1, &location);
    }
    if let Some(tail) = &spec.source_info_tail {
        info.extend_from_slice(tail);
    }
    info
}

fn push_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    prost::encoding::encode_key(field, prost::encoding::WireType::LengthDelimited, out);
    prost::encoding::encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

impl Built {
    pub fn encode(&self) -> Vec<u8> {
        self.request.encode_to_vec()
    }
}
