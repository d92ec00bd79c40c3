//! From descriptors to a view model: every Python name, import and type reference of a
//! generated module resolved, so the templates only print.
//!
//! Names are allocated in a fixed order, which is what makes them deterministic:
//! service classes, then method names, then module-level names (constants, the
//! `MethodInfo` holder and each RPC's attribute on it), then imported message
//! types (in order of first use), then the runtime's own symbols. Whatever comes later
//! yields: an imported name that would collide gets an alias (`Item as Item_`).

use heck::ToSnakeCase;

use crate::comments::Comments;
use crate::fast_hash::FastMap;
use crate::imports::Import;
use crate::layout::TypeExpr;
use crate::modules::{ModulePath, import_path, module_for, protobuf_py_wkt_module};
use crate::names::{
    HARD_KEYWORDS, NameAllocator, SERVICE_CLASS_SUFFIXES, USED_BUILTINS, escape_class_name,
    method_natural_name, service_base_name,
};
use crate::options::{Flavor, Options};
use crate::plugin_proto::{DescriptorProto, FileDescriptorProto};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    Unary,
    ClientStream,
    ServerStream,
    BidiStream,
}

impl StreamKind {
    fn of(client_streaming: bool, server_streaming: bool) -> Self {
        match (client_streaming, server_streaming) {
            (false, false) => StreamKind::Unary,
            (true, false) => StreamKind::ClientStream,
            (false, true) => StreamKind::ServerStream,
            (true, true) => StreamKind::BidiStream,
        }
    }

    /// `Endpoint.<this>` and `execute_<this>` spell the kind in snake_case.
    pub fn snake(self) -> &'static str {
        match self {
            StreamKind::Unary => "unary",
            StreamKind::ClientStream => "client_stream",
            StreamKind::ServerStream => "server_stream",
            StreamKind::BidiStream => "bidi_stream",
        }
    }

    /// `StreamType.<this>`.
    pub fn stream_type(self) -> &'static str {
        match self {
            StreamKind::Unary => "UNARY",
            StreamKind::ClientStream => "CLIENT_STREAM",
            StreamKind::ServerStream => "SERVER_STREAM",
            StreamKind::BidiStream => "BIDI_STREAM",
        }
    }

    pub fn streams_requests(self) -> bool {
        matches!(self, StreamKind::ClientStream | StreamKind::BidiStream)
    }

    pub fn streams_responses(self) -> bool {
        matches!(self, StreamKind::ServerStream | StreamKind::BidiStream)
    }
}

pub struct FileModel {
    pub proto_name: String,
    pub output_path: String,
    pub parameter: String,
    pub flavor: Flavor,
    pub gen_async: bool,
    pub gen_sync: bool,
    pub imports: Vec<Import>,
    pub sym: Symbols,
    /// Local names of the google flavor's shared codec and compression instances.
    pub codecs: Option<CodecConstants>,
    /// The names of the lazy `MethodInfo` holder, when the module has RPCs.
    pub method_infos: Option<MethodInfoNames>,
    /// Each message class the RPCs use, as its local expression (`Item_`,
    /// `Outer.Inner`), once, in order of first use.
    pub message_classes: Vec<String>,
    /// The py flavor's local name for the file's message module, for `desc()`.
    pub desc_module: Option<String>,
    pub services: Vec<ServiceModel>,
}

pub struct CodecConstants {
    pub default_codecs: String,
    pub proto_binary_codec: String,
    pub gzip_compression: String,
}

/// Each RPC's `MethodInfo` lives on one module-level object and is built the first time
/// it is read: building them all at import costs about a microsecond per RPC, which
/// made a large module import slower than the reference's, which builds them per call.
pub struct MethodInfoNames {
    /// The class: an attribute per RPC, typed, and a `__getattr__` that builds it.
    pub class: String,
    /// Its single instance, which the clients and applications read.
    pub instance: String,
    /// The table `__getattr__` builds from, attribute name to the `MethodInfo` fields,
    /// all constants (message classes and enum members by name): cheap to load at
    /// import, where a table of the classes themselves costs nearly as much as building
    /// the `MethodInfo`s.
    pub specs: String,
    /// The cached function that maps those names to the message classes.
    pub message_classes: String,
}

pub struct ServiceModel {
    /// `package.Service`, as on the wire.
    pub full_name: String,
    pub protocol: String,
    pub asgi_app: String,
    pub client: String,
    pub sync_protocol: String,
    pub wsgi_app: String,
    pub client_sync: String,
    pub doc: Vec<String>,
    pub deprecated: bool,
    pub methods: Vec<MethodModel>,
}

pub struct MethodModel {
    pub proto_name: String,
    pub name: String,
    pub kind: StreamKind,
    pub input: String,
    pub output: String,
    /// `IdempotencyLevel.<this>`.
    pub idempotency: &'static str,
    pub deprecated: bool,
    pub doc: Vec<String>,
    /// The attribute of the module's `MethodInfo` holder that holds this RPC's.
    pub info_attr: String,
}

impl MethodModel {
    /// Unary RPCs without side effects may be sent as HTTP GET.
    pub fn supports_get(&self) -> bool {
        self.kind == StreamKind::Unary && self.idempotency == "NO_SIDE_EFFECTS"
    }
}

/// The runtime's symbols as this module names them.
pub struct Symbols {
    local: FastMap<&'static str, String>,
}

impl Symbols {
    /// The local name of a runtime symbol; the model guarantees every symbol a template
    /// uses was imported.
    pub fn n(&self, name: &str) -> &str {
        self.local
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("runtime symbol `{name}` was not imported"))
    }
}

/// A runtime symbol: its name, its module, and whether it is needed when the module runs
/// (rather than only by type checkers).
struct RuntimeSymbol {
    name: &'static str,
    module: &'static str,
    runtime: bool,
    needed: fn(&Needs) -> bool,
}

/// What a module uses, to import exactly that.
struct Needs {
    google: bool,
    py: bool,
    gen_async: bool,
    gen_sync: bool,
    methods: bool,
    streams: bool,
    deprecated_clients: bool,
}

const RUNTIME_SYMBOLS: &[RuntimeSymbol] = &[
    RuntimeSymbol {
        name: "Protocol",
        module: "typing",
        runtime: true,
        needed: |_| true,
    },
    RuntimeSymbol {
        name: "cache",
        module: "functools",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "Any",
        module: "typing",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "ConnectClient",
        module: "connectrpc.client",
        runtime: true,
        needed: |n| n.gen_async,
    },
    RuntimeSymbol {
        name: "ConnectClientSync",
        module: "connectrpc.client",
        runtime: true,
        needed: |n| n.gen_sync,
    },
    RuntimeSymbol {
        name: "Code",
        module: "connectrpc.code",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "google_protobuf_binary_codec",
        module: "connectrpc.compat",
        runtime: true,
        needed: |n| n.google,
    },
    RuntimeSymbol {
        name: "google_protobuf_codecs",
        module: "connectrpc.compat",
        runtime: true,
        needed: |n| n.google,
    },
    RuntimeSymbol {
        name: "GzipCompression",
        module: "connectrpc.compression.gzip",
        runtime: true,
        needed: |n| n.google,
    },
    RuntimeSymbol {
        name: "ConnectError",
        module: "connectrpc.errors",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "IdempotencyLevel",
        module: "connectrpc.method",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "MethodInfo",
        module: "connectrpc.method",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "StreamType",
        module: "connectrpc.method",
        runtime: true,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "ProtocolType",
        module: "connectrpc.protocol",
        runtime: true,
        needed: |n| n.google,
    },
    RuntimeSymbol {
        name: "ConnectASGIApplication",
        module: "connectrpc.server",
        runtime: true,
        needed: |n| n.gen_async,
    },
    RuntimeSymbol {
        name: "ConnectWSGIApplication",
        module: "connectrpc.server",
        runtime: true,
        needed: |n| n.gen_sync,
    },
    RuntimeSymbol {
        name: "DEFAULT_READ_MAX_BYTES",
        module: "connectrpc.server",
        runtime: true,
        needed: |_| true,
    },
    RuntimeSymbol {
        name: "Endpoint",
        module: "connectrpc.server",
        runtime: true,
        needed: |n| n.gen_async && n.methods,
    },
    RuntimeSymbol {
        name: "EndpointSync",
        module: "connectrpc.server",
        runtime: true,
        needed: |n| n.gen_sync && n.methods,
    },
    RuntimeSymbol {
        name: "deprecated",
        module: "typing_extensions",
        runtime: true,
        needed: |n| n.deprecated_clients,
    },
    RuntimeSymbol {
        name: "AsyncGenerator",
        module: "collections.abc",
        runtime: false,
        needed: |n| n.gen_async,
    },
    RuntimeSymbol {
        name: "AsyncIterator",
        module: "collections.abc",
        runtime: false,
        needed: |n| n.gen_async && n.streams,
    },
    RuntimeSymbol {
        name: "Iterable",
        module: "collections.abc",
        runtime: false,
        needed: |_| true,
    },
    RuntimeSymbol {
        name: "Iterator",
        module: "collections.abc",
        runtime: false,
        needed: |n| n.gen_sync && n.streams,
    },
    RuntimeSymbol {
        name: "Mapping",
        module: "collections.abc",
        runtime: false,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "Codec",
        module: "connectrpc.codec",
        runtime: false,
        needed: |_| true,
    },
    RuntimeSymbol {
        name: "Compression",
        module: "connectrpc.compression",
        runtime: false,
        needed: |_| true,
    },
    RuntimeSymbol {
        name: "Interceptor",
        module: "connectrpc.interceptor",
        runtime: false,
        needed: |n| n.gen_async,
    },
    RuntimeSymbol {
        name: "InterceptorSync",
        module: "connectrpc.interceptor",
        runtime: false,
        needed: |n| n.gen_sync,
    },
    RuntimeSymbol {
        name: "Headers",
        module: "connectrpc.request",
        runtime: false,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "RequestContext",
        module: "connectrpc.request",
        runtime: false,
        needed: |n| n.methods,
    },
    RuntimeSymbol {
        name: "DescService",
        module: "protobuf",
        runtime: false,
        needed: |n| n.py,
    },
    RuntimeSymbol {
        name: "Client",
        module: "pyqwest",
        runtime: false,
        needed: |n| n.google && n.gen_async,
    },
    RuntimeSymbol {
        name: "SyncClient",
        module: "pyqwest",
        runtime: false,
        needed: |n| n.google && n.gen_sync,
    },
    // Last, so that only an actual `if TYPE_CHECKING:` block needs it: one of imports,
    // or the `MethodInfo` holder's declarations.
    RuntimeSymbol {
        name: "TYPE_CHECKING",
        module: "typing",
        runtime: true,
        needed: |_| true,
    },
];

/// Where every message type of the request lives: its file and its nesting path.
pub struct TypeIndex<'a> {
    files: &'a [FileDescriptorProto],
    by_full_name: FastMap<String, (usize, Vec<&'a str>)>,
}

impl<'a> TypeIndex<'a> {
    pub fn new(files: &'a [FileDescriptorProto]) -> Self {
        let mut by_full_name = FastMap::default();
        for (index, file) in files.iter().enumerate() {
            let package = file.package.as_deref().unwrap_or_default();
            let prefix = if package.is_empty() {
                String::from(".")
            } else {
                format!(".{package}.")
            };
            for message in &file.message_type {
                index_message(&mut by_full_name, index, &prefix, &mut Vec::new(), message);
            }
        }
        TypeIndex {
            files,
            by_full_name,
        }
    }
}

fn index_message<'a>(
    out: &mut FastMap<String, (usize, Vec<&'a str>)>,
    file: usize,
    prefix: &str,
    path: &mut Vec<&'a str>,
    message: &'a DescriptorProto,
) {
    path.push(message.name.as_deref().unwrap_or_default());
    out.insert(format!("{prefix}{}", path.join(".")), (file, path.clone()));
    for nested in &message.nested_type {
        index_message(out, file, prefix, path, nested);
    }
    path.pop();
}

#[derive(Debug, PartialEq, Eq)]
pub struct ModelError(pub String);

/// A message type to import: the module and the top-level class, plus the nested path.
struct TypeRef {
    module: String,
    root: String,
    rest: Vec<String>,
}

/// Builds the model of the `_connect.py` module for `file`, which declares services.
pub fn build(
    file: &FileDescriptorProto,
    types: &TypeIndex,
    generated: &dyn Fn(&str) -> bool,
    options: &Options,
    parameter: &str,
) -> Result<FileModel, ModelError> {
    let flavor = options.flavor;
    let proto_name = file.name.clone().unwrap_or_default();
    let package = file.package.as_deref().unwrap_or_default();
    let connect_module = module_for(flavor, &proto_name, "_connect");
    let comments = Comments::new(file.source_code_info.as_deref())
        .map_err(|e| ModelError(format!("malformed source_code_info: {e}")))?;

    // Keywords and builtins, six classes per service, two names per RPC (its method,
    // reserved, and its `MethodInfo` attribute), and the imports.
    let rpcs: usize = file.service.iter().map(|s| s.method.len()).sum();
    let mut module_names = NameAllocator::with_capacity(
        HARD_KEYWORDS.len() + USED_BUILTINS.len() + 6 * file.service.len() + 2 * rpcs + 64,
    );
    for name in HARD_KEYWORDS.iter().chain(USED_BUILTINS) {
        module_names.reserve(name);
    }

    // 1. Service classes: six names per service, allocated together.
    let service_bases: Vec<String> = file
        .service
        .iter()
        .map(|s| service_base_name(s.name.as_deref().unwrap_or_default()))
        .collect();
    for base in &service_bases {
        for suffix in SERVICE_CLASS_SUFFIXES {
            module_names.expect(&format!("{base}{suffix}"));
        }
    }
    let service_bases: Vec<String> = service_bases
        .iter()
        .map(|base| module_names.claim_group(base, &SERVICE_CLASS_SUFFIXES))
        .collect();

    // 2. Method names, unique within their service.
    let mut services = Vec::with_capacity(file.service.len());
    for (service_index, (service, base)) in file.service.iter().zip(&service_bases).enumerate() {
        let service_name = service.name.as_deref().unwrap_or_default();
        let full_name = if package.is_empty() {
            service_name.to_owned()
        } else {
            format!("{package}.{service_name}")
        };
        let natural: Vec<String> = service
            .method
            .iter()
            .map(|m| method_natural_name(m.name.as_deref().unwrap_or_default()))
            .collect();
        let mut method_names = NameAllocator::with_capacity(service.method.len());
        for name in &natural {
            method_names.expect(name);
        }
        let mut methods = Vec::with_capacity(service.method.len());
        for (method_index, (method, natural)) in service.method.iter().zip(&natural).enumerate() {
            let options = method.options.as_ref();
            methods.push(MethodModel {
                proto_name: method.name.clone().unwrap_or_default(),
                name: method_names.claim(natural),
                kind: StreamKind::of(
                    method.client_streaming.unwrap_or(false),
                    method.server_streaming.unwrap_or(false),
                ),
                // Resolved in step 4, once names are settled.
                input: method.input_type.clone().unwrap_or_default(),
                output: method.output_type.clone().unwrap_or_default(),
                idempotency: match options.and_then(|o| o.idempotency_level).unwrap_or(0) {
                    1 => "NO_SIDE_EFFECTS",
                    2 => "IDEMPOTENT",
                    _ => "UNKNOWN",
                },
                deprecated: options.and_then(|o| o.deprecated).unwrap_or(false),
                doc: comments.method(service_index, method_index),
                info_attr: String::new(),
            });
        }
        services.push(ServiceModel {
            full_name,
            protocol: base.clone(),
            asgi_app: format!("{base}ASGIApplication"),
            client: format!("{base}Client"),
            sync_protocol: format!("{base}Sync"),
            wsgi_app: format!("{base}WSGIApplication"),
            client_sync: format!("{base}ClientSync"),
            doc: comments.service(service_index),
            deprecated: service
                .options
                .as_ref()
                .and_then(|o| o.deprecated)
                .unwrap_or(false),
            methods,
        });
    }
    // A method shadows a module-level name inside its class body (type checkers resolve
    // annotations there), so imports must not take any method's name.
    for method in services.iter().flat_map(|s| &s.methods) {
        module_names.reserve(&method.name);
    }

    // 3. Module-level names. The `MethodInfo` attributes are class attributes, but they
    // are claimed here too: inside the holder's class body an attribute would shadow a
    // module-level name of the same spelling in the annotations that follow it.
    let codecs = (flavor == Flavor::Google).then(|| CodecConstants {
        default_codecs: module_names.claim("_DEFAULT_CODECS"),
        proto_binary_codec: module_names.claim("_PROTO_BINARY_CODEC"),
        gzip_compression: module_names.claim("_GZIP_COMPRESSION"),
    });
    let method_infos = (rpcs > 0).then(|| MethodInfoNames {
        class: module_names.claim("_MethodInfos"),
        instance: module_names.claim("_METHOD_INFOS"),
        specs: module_names.claim("_METHOD_SPECS"),
        message_classes: module_names.claim("_message_classes"),
    });
    for (service, base) in services.iter_mut().zip(&service_bases) {
        // `{service}_{method}`: the base and the method name never start with `_` or a
        // digit (`escape_public_identifier`), so this is a public attribute name.
        let service_snake = base.to_snake_case();
        let mut wanted = String::new();
        for method in &mut service.methods {
            wanted.clear();
            wanted.push_str(&service_snake);
            wanted.push('_');
            wanted.push_str(&method.name);
            method.info_attr = module_names.claim(&wanted);
        }
    }

    // 4. Message types, in order of first use.
    let mut imports: Vec<Import> = Vec::new();
    let mut type_locals: FastMap<(String, String), String> = FastMap::default();
    // The expression of each proto type once resolved: RPCs reuse a few types many times,
    // and resolving one builds its module paths.
    let mut resolved: FastMap<String, String> = FastMap::default();
    let mut message_classes = Vec::new();
    let mut modules = FastMap::default();
    for method in services.iter_mut().flat_map(|s| s.methods.iter_mut()) {
        for type_name in [&mut method.input, &mut method.output] {
            if let Some(expr) = resolved.get(type_name.as_str()) {
                type_name.clone_from(expr);
                continue;
            }
            let type_ref = resolve_type(
                type_name,
                types,
                &mut modules,
                generated,
                flavor,
                &connect_module,
            )?;
            let key = (type_ref.module.clone(), type_ref.root.clone());
            let local = type_locals.entry(key).or_insert_with(|| {
                let local = module_names.claim(&type_ref.root);
                imports.push(Import {
                    module: type_ref.module.clone(),
                    name: type_ref.root.clone(),
                    local: local.clone(),
                    runtime: true,
                });
                local
            });
            let mut expr = local.clone();
            for part in &type_ref.rest {
                expr.push('.');
                expr.push_str(part);
            }
            message_classes.push(expr.clone());
            resolved.insert(std::mem::replace(type_name, expr.clone()), expr);
        }
    }

    // 5. The py flavor's own message module, which `desc()` reads.
    let desc_module = (flavor == Flavor::Py).then(|| {
        let module = module_for(Flavor::Py, &proto_name, "_pb");
        let local = module_names.claim(module.name());
        if connect_module.is_top_level() {
            imports.push(Import {
                module: module.dotted(),
                name: String::new(),
                local: local.clone(),
                runtime: true,
            });
        } else {
            imports.push(Import {
                module: import_path(&connect_module, &module.parent(), true),
                name: module.name().to_owned(),
                local: local.clone(),
                runtime: true,
            });
        }
        local
    });

    // 6. The runtime's symbols, only those this module uses.
    let needs = Needs {
        google: flavor == Flavor::Google,
        py: flavor == Flavor::Py,
        gen_async: options.async_enabled(),
        gen_sync: options.sync_enabled(),
        methods: services.iter().any(|s| !s.methods.is_empty()),
        streams: services
            .iter()
            .flat_map(|s| &s.methods)
            .any(|m| m.kind != StreamKind::Unary),
        deprecated_clients: services
            .iter()
            .any(|s| s.deprecated || s.methods.iter().any(|m| m.deprecated)),
    };
    let mut local = FastMap::default();
    for symbol in RUNTIME_SYMBOLS.iter().filter(|s| (s.needed)(&needs)) {
        if symbol.name == "TYPE_CHECKING" && imports.iter().all(|i| i.runtime) && !needs.methods {
            continue;
        }
        let name = module_names.claim(symbol.name);
        imports.push(Import {
            module: symbol.module.to_owned(),
            name: symbol.name.to_owned(),
            local: name.clone(),
            runtime: symbol.runtime,
        });
        local.insert(symbol.name, name);
    }

    Ok(FileModel {
        output_path: connect_module.file_path(),
        proto_name,
        parameter: parameter.to_owned(),
        flavor,
        gen_async: options.async_enabled(),
        gen_sync: options.sync_enabled(),
        imports,
        sym: Symbols { local },
        codecs,
        method_infos,
        message_classes,
        desc_module,
        services,
    })
}

/// Finds the module and class path of a fully qualified message type name. `modules`
/// keeps the import path of each file's message module (by index in the request) once
/// built, since most types of a module come from the same few files.
fn resolve_type(
    type_name: &str,
    types: &TypeIndex,
    modules: &mut FastMap<usize, String>,
    generated: &dyn Fn(&str) -> bool,
    flavor: Flavor,
    connect_module: &ModulePath,
) -> Result<TypeRef, ModelError> {
    let Some((file_index, path)) = types.by_full_name.get(type_name) else {
        return Err(undefined_type(type_name));
    };
    let file_name = types.files[*file_index].name.as_deref().unwrap_or_default();
    let module = modules
        .entry(*file_index)
        .or_insert_with(|| message_module(file_name, generated, flavor, connect_module))
        .clone();
    let names: Vec<String> = match flavor {
        Flavor::Google => path.iter().map(|s| (*s).to_owned()).collect(),
        Flavor::Py => path.iter().map(|s| escape_class_name(s)).collect(),
    };
    let mut names = names.into_iter();
    let root = names.next().unwrap_or_default();
    Ok(TypeRef {
        module,
        root,
        rest: names.collect(),
    })
}

/// Checks that the request defines every message type the RPCs of `file` use, with the
/// error [`build`] would give: then a request's errors all come up before any file is
/// built.
pub fn check_types(file: &FileDescriptorProto, types: &TypeIndex) -> Result<(), ModelError> {
    for method in file.service.iter().flat_map(|s| &s.method) {
        for type_name in [&method.input_type, &method.output_type] {
            let type_name = type_name.as_deref().unwrap_or_default();
            if !types.by_full_name.contains_key(type_name) {
                return Err(undefined_type(type_name));
            }
        }
    }
    Ok(())
}

fn undefined_type(type_name: &str) -> ModelError {
    ModelError(format!(
        "message type `{type_name}` is not defined in the request's files"
    ))
}

/// How `connect_module` imports the message module of `file_name`.
fn message_module(
    file_name: &str,
    generated: &dyn Fn(&str) -> bool,
    flavor: Flavor,
    connect_module: &ModulePath,
) -> String {
    match flavor {
        Flavor::Google => {
            // protoc's python_out modules import each other absolutely; only the
            // module's own messages are imported relatively, as the reference does.
            let own_file = connect_module == &module_for(flavor, file_name, "_connect");
            let module = module_for(Flavor::Google, file_name, "_pb2");
            import_path(connect_module, &module, own_file)
        }
        Flavor::Py => match protobuf_py_wkt_module(file_name, generated(file_name)) {
            Some(wkt) => wkt.dotted(),
            None => import_path(
                connect_module,
                &module_for(Flavor::Py, file_name, "_pb"),
                true,
            ),
        },
    }
}

/// Type expressions for signatures, built from a method's resolved names.
impl MethodModel {
    pub fn request_type<'a>(&'a self, sym: &'a Symbols, asynchronous: bool) -> TypeExpr<'a> {
        self.stream_or_message(sym, asynchronous, self.kind.streams_requests(), &self.input)
    }

    pub fn response_type<'a>(&'a self, sym: &'a Symbols, asynchronous: bool) -> TypeExpr<'a> {
        self.stream_or_message(
            sym,
            asynchronous,
            self.kind.streams_responses(),
            &self.output,
        )
    }

    fn stream_or_message<'a>(
        &self,
        sym: &'a Symbols,
        asynchronous: bool,
        streams: bool,
        message: &'a str,
    ) -> TypeExpr<'a> {
        let message = TypeExpr::name(message);
        if !streams {
            message
        } else if asynchronous {
            TypeExpr::generic(sym.n("AsyncIterator"), vec![message])
        } else {
            TypeExpr::generic(sym.n("Iterator"), vec![message])
        }
    }

    pub fn context_type<'a>(&'a self, sym: &'a Symbols) -> TypeExpr<'a> {
        TypeExpr::generic(
            sym.n("RequestContext"),
            vec![TypeExpr::name(&self.input), TypeExpr::name(&self.output)],
        )
    }

    /// Unary and client-streaming methods return one message, so they are `async def`.
    pub fn is_coroutine(&self) -> bool {
        !self.kind.streams_responses()
    }
}
