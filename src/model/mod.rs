//! From descriptors to a view model: every Python name, import and type reference of a
//! generated module resolved, so the templates only print.
//!
//! [`build`] runs in steps, and their order is what makes names deterministic: service
//! classes, then method names, then the module's own private names (constants, the
//! `MethodInfo` holder and each RPC's attribute on it, the layout guard's locals), then
//! imported message types (in order of first use), then the runtime's own symbols.
//! Whatever comes later yields: an imported name that would collide gets an alias
//! (`Item as Item_`). [`check`] refuses, before any file is built, what cannot become
//! valid Python ([`validate`]).

mod runtime;
pub(crate) mod types;
pub mod validate;

use heck::ToSnakeCase;

use crate::builtins::{PYTHON_BUILTINS, is_python_builtin};
use crate::comments::{Comments, Doc};
use crate::fast_hash::FastMap;
use crate::imports::{Block, Import};
use crate::layout::TypeExpr;
use crate::modules::{ModulePath, import_path, module_for};
use crate::names::{
    HARD_KEYWORDS, NameAllocator, SERVICE_CLASS_SUFFIXES, USED_BUILTINS, method_natural_name,
    service_base_name,
};
use crate::options::{Flavor, Imports, Options};
use crate::plugin_proto::{FileDescriptorProto, ServiceDescriptorProto};

use runtime::{Needs, RUNTIME_SYMBOLS};
pub use types::TypeIndex;
use types::{TypeRef, TypeResolver};

/// Names a generated module binds itself before anything else: `from __future__ import
/// annotations` binds `annotations`, which nothing may redefine.
const MODULE_OWN_NAMES: &[&str] = &["annotations"];

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
    /// The `exempt_header` comment lines that follow the header (none by default).
    pub exempt_lines: &'static [&'static str],
    pub flavor: Flavor,
    pub gen_async: bool,
    pub gen_sync: bool,
    pub imports: Vec<Import>,
    /// Present when some imports of the generated tree depend on its layout.
    pub layout_guard: Option<LayoutGuard>,
    /// Nested message classes whose names are private to their module, bound once at
    /// module level (`Outer__Inner = Outer._Inner`) so that class bodies never spell
    /// them (ruff's SLF001, and name mangling for `__Inner`).
    pub private_aliases: Vec<PrivateAlias>,
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

/// The imports of the generated tree that work in one layout only, wrapped so that a
/// module imported in the other layout fails with an `ImportError` that says which
/// `imports=` option fits (see `templates/module.py.j2`).
pub struct LayoutGuard {
    pub kind: LayoutGuardKind,
    /// The local names of the caught exception and of the message.
    pub exc: String,
    pub msg: String,
}

pub enum LayoutGuardKind {
    /// `imports=relative` in a root-level module: its relative imports need the output
    /// root to be a package, so importing it as a top-level module fails.
    Relative,
    /// `imports=absolute`: the imports need the output root on `sys.path`, where the
    /// module's name has `dots` dots; imported from inside a package, it has more.
    Absolute { dots: usize },
}

pub struct PrivateAlias {
    pub local: String,
    /// `Outer._Inner`, with the top-level class as this module names it.
    pub expr: String,
    /// pyright reports a class's private (`__x`) member used outside it; a protected one
    /// (`_x`) only ruff's SLF001 does.
    pub pyright_private: bool,
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
    /// The Protocol's name is a Python builtin the module does not use (a service
    /// `input`): it keeps the reference's name, and its class line carries the
    /// line-level `# noqa: A001` that ruff's flake8-builtins asks for.
    pub shadows_builtin: bool,
    pub asgi_app: String,
    pub client: String,
    pub sync_protocol: String,
    pub wsgi_app: String,
    pub client_sync: String,
    pub doc: Doc,
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
    pub doc: Doc,
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

#[derive(Debug, PartialEq, Eq)]
pub struct ModelError(pub String);

/// Checks that `file` (which declares services) can be generated: every error
/// [`build`] could meet in the request, so that a request's errors all come up before
/// any file is built.
pub fn check(
    file: &FileDescriptorProto,
    types: &TypeIndex,
    options: &Options,
) -> Result<(), ModelError> {
    validate::check_file(file, types, options.flavor)
}

fn undefined_type(type_name: &str) -> ModelError {
    ModelError(format!(
        "message type `{}` is not defined in the request's files",
        type_name.escape_debug()
    ))
}

/// Builds the model of the `_connect.py` module for `file`, which declares services and
/// passed [`check`].
pub fn build(
    file: &FileDescriptorProto,
    comments: &Comments,
    types: &TypeIndex,
    generated: &dyn Fn(&str) -> bool,
    options: &Options,
    parameter: &str,
) -> Result<FileModel, ModelError> {
    let flavor = options.flavor;
    let proto_name = file.name.clone().unwrap_or_default();
    let connect_module = module_for(
        flavor,
        &proto_name,
        "_connect",
        options.escape_module_with_hash,
    );
    let mut names = module_namespace(file);

    // 1. and 2. The service classes, then each service's method names.
    let bases = claim_service_classes(&file.service, &mut names);
    let package = file.package.as_deref().unwrap_or_default();
    let mut services: Vec<ServiceModel> = file
        .service
        .iter()
        .zip(&bases)
        .enumerate()
        .map(|(index, (service, base))| service_model(index, service, base, package, comments))
        .collect();
    // Imports must not shadow a builtin (ruff's A004), nor any method's name: a method
    // shadows a module-level name inside its class body, where type checkers resolve the
    // annotations that follow it.
    for name in PYTHON_BUILTINS {
        names.reserve(name);
    }
    for method in services.iter().flat_map(|s| &s.methods) {
        names.reserve(&method.name);
    }

    // 3. The module's own names.
    let rpcs = services.iter().any(|s| !s.methods.is_empty());
    let codecs = (flavor == Flavor::Google).then(|| CodecConstants {
        default_codecs: names.claim("_DEFAULT_CODECS"),
        proto_binary_codec: names.claim("_PROTO_BINARY_CODEC"),
        gzip_compression: names.claim("_GZIP_COMPRESSION"),
    });
    let method_infos = rpcs.then(|| MethodInfoNames {
        class: names.claim("_MethodInfos"),
        instance: names.claim("_METHOD_INFOS"),
        specs: names.claim("_METHOD_SPECS"),
        message_classes: names.claim("_message_classes"),
    });
    claim_info_attributes(&mut services, &bases, &mut names);
    let guard_kind = layout_guard_kind(options.imports, &connect_module);
    let guard_names = guard_kind
        .is_some()
        .then(|| (names.claim("exc"), names.claim("msg")));

    // 4. Message types, in order of first use.
    let mut resolver = TypeResolver::new(types, generated, options, &connect_module);
    let Messages {
        mut imports,
        classes: message_classes,
        private_aliases,
        mut in_tree,
    } = import_messages(&mut services, &mut resolver, &mut names, flavor)?;

    // 5. The py flavor's own message module, which `desc()` reads.
    let desc_module = (flavor == Flavor::Py).then(|| {
        let module = types::tree_module(Flavor::Py, &proto_name, options.escape_module_with_hash);
        let local = names.claim(module.name());
        let import = match types::mapped(&options.map_imports, &proto_name, &module) {
            // map_imports: absolute under its package, whatever `imports=` says.
            Some(mapped) => module_import(&connect_module, &mapped, &local, Imports::Absolute),
            None => {
                let import = module_import(&connect_module, &module, &local, options.imports);
                in_tree.push(import.module.clone());
                import
            }
        };
        imports.push(import);
        local
    });

    // 6. The runtime's symbols, only those this module uses.
    let needs = Needs {
        google: flavor == Flavor::Google,
        py: flavor == Flavor::Py,
        gen_async: options.async_enabled(),
        gen_sync: options.sync_enabled(),
        methods: rpcs,
        streams: services
            .iter()
            .flat_map(|s| &s.methods)
            .any(|m| m.kind != StreamKind::Unary),
        deprecated_clients: services
            .iter()
            .any(|s| s.deprecated || s.methods.iter().any(|m| m.deprecated)),
    };
    let sym = import_runtime_symbols(&needs, &mut imports, &mut names);

    // 7. The imports that depend on the tree's layout move into the guarded block.
    let layout_guard = guard_kind.zip(guard_names).and_then(|(kind, (exc, msg))| {
        guard_layout_imports(&mut imports, &kind, &in_tree).then_some(LayoutGuard {
            kind,
            exc,
            msg,
        })
    });

    Ok(FileModel {
        output_path: connect_module.file_path(),
        proto_name,
        parameter: parameter.to_owned(),
        exempt_lines: options.exempt_lines(),
        flavor,
        gen_async: options.async_enabled(),
        gen_sync: options.sync_enabled(),
        imports,
        layout_guard,
        private_aliases,
        sym,
        codecs,
        method_infos,
        message_classes,
        desc_module,
        services,
    })
}

/// The module's namespace before anything is declared in it: keywords, the names it
/// binds itself, and the builtins its code uses unqualified (a service class `str` would
/// break every `-> str` below it).
fn module_namespace(file: &FileDescriptorProto) -> NameAllocator {
    // Six classes per service and two names per RPC (its method, reserved, and its
    // `MethodInfo` attribute), and the imports.
    let rpcs: usize = file.service.iter().map(|s| s.method.len()).sum();
    let mut names = NameAllocator::with_capacity(
        HARD_KEYWORDS.len() + PYTHON_BUILTINS.len() + 6 * file.service.len() + 2 * rpcs + 64,
    );
    for name in HARD_KEYWORDS
        .iter()
        .chain(USED_BUILTINS)
        .chain(MODULE_OWN_NAMES)
    {
        names.reserve(name);
    }
    names
}

/// Step 1: six class names per service, allocated together; returns each service's
/// base name.
fn claim_service_classes(
    services: &[ServiceDescriptorProto],
    names: &mut NameAllocator,
) -> Vec<String> {
    let bases: Vec<String> = services
        .iter()
        .map(|s| service_base_name(s.name.as_deref().unwrap_or_default()))
        .collect();
    for base in &bases {
        for suffix in SERVICE_CLASS_SUFFIXES {
            names.expect(&format!("{base}{suffix}"));
        }
    }
    bases
        .iter()
        .map(|base| names.claim_group(base, &SERVICE_CLASS_SUFFIXES))
        .collect()
}

/// Step 2: a service with its methods, named uniquely within the service. Message types
/// stay proto names until step 4 resolves them.
fn service_model(
    index: usize,
    service: &ServiceDescriptorProto,
    base: &str,
    package: &str,
    comments: &Comments,
) -> ServiceModel {
    let service_name = service.name.as_deref().unwrap_or_default();
    let natural: Vec<String> = service
        .method
        .iter()
        .map(|m| method_natural_name(m.name.as_deref().unwrap_or_default()))
        .collect();
    let mut method_names = NameAllocator::with_capacity(service.method.len());
    for name in &natural {
        method_names.expect(name);
    }
    let methods = service
        .method
        .iter()
        .zip(&natural)
        .enumerate()
        .map(|(method_index, (method, natural))| {
            let options = method.options.as_ref();
            MethodModel {
                proto_name: method.name.clone().unwrap_or_default(),
                name: method_names.claim(natural),
                kind: StreamKind::of(
                    method.client_streaming.unwrap_or(false),
                    method.server_streaming.unwrap_or(false),
                ),
                input: method.input_type.clone().unwrap_or_default(),
                output: method.output_type.clone().unwrap_or_default(),
                idempotency: match options.and_then(|o| o.idempotency_level).unwrap_or(0) {
                    1 => "NO_SIDE_EFFECTS",
                    2 => "IDEMPOTENT",
                    _ => "UNKNOWN",
                },
                deprecated: options.and_then(|o| o.deprecated).unwrap_or(false),
                doc: comments.method(index, method_index),
                info_attr: String::new(),
            }
        })
        .collect();
    ServiceModel {
        full_name: if package.is_empty() {
            service_name.to_owned()
        } else {
            format!("{package}.{service_name}")
        },
        protocol: base.to_owned(),
        shadows_builtin: is_python_builtin(base),
        asgi_app: format!("{base}ASGIApplication"),
        client: format!("{base}Client"),
        sync_protocol: format!("{base}Sync"),
        wsgi_app: format!("{base}WSGIApplication"),
        client_sync: format!("{base}ClientSync"),
        doc: comments.service(index),
        deprecated: service
            .options
            .as_ref()
            .and_then(|o| o.deprecated)
            .unwrap_or(false),
        methods,
    }
}

/// Step 3, each RPC's attribute on the `MethodInfo` holder, `{service}_{method}`. They
/// are class attributes, but claimed at module level: inside the holder's class body an
/// attribute would shadow a module-level name of the same spelling in the annotations
/// that follow it.
fn claim_info_attributes(
    services: &mut [ServiceModel],
    bases: &[String],
    names: &mut NameAllocator,
) {
    for (service, base) in services.iter_mut().zip(bases) {
        // The base and the method name never start with `_` or a digit
        // (`escape_public_identifier`), so this is a public attribute name.
        let service_snake = base.to_snake_case();
        let mut wanted = String::new();
        for method in &mut service.methods {
            wanted.clear();
            wanted.push_str(&service_snake);
            wanted.push('_');
            wanted.push_str(&method.name);
            method.info_attr = names.claim(&wanted);
        }
    }
}

/// Which layout guard a module can need: root-level modules under `imports=relative`,
/// every module under `imports=absolute`.
fn layout_guard_kind(imports: Imports, connect_module: &ModulePath) -> Option<LayoutGuardKind> {
    match imports {
        Imports::Relative => connect_module
            .is_top_level()
            .then_some(LayoutGuardKind::Relative),
        Imports::Absolute => Some(LayoutGuardKind::Absolute {
            dots: connect_module.0.len() - 1,
        }),
    }
}

/// Moves the imports whose success depends on the tree's layout into the guarded block:
/// the relative ones of a root-level module, or the absolute ones of modules of the
/// tree. Returns whether there was any.
fn guard_layout_imports(
    imports: &mut [Import],
    kind: &LayoutGuardKind,
    in_tree: &[String],
) -> bool {
    let mut any = false;
    for import in imports.iter_mut().filter(|i| i.block == Block::Runtime) {
        let guarded = match kind {
            LayoutGuardKind::Relative => import.module.starts_with('.'),
            LayoutGuardKind::Absolute { .. } => in_tree.contains(&import.module),
        };
        if guarded {
            import.block = Block::Layout;
            any = true;
        }
    }
    any
}

/// What step 4 resolves.
struct Messages {
    imports: Vec<Import>,
    classes: Vec<String>,
    private_aliases: Vec<PrivateAlias>,
    /// The imported modules that belong to the generated tree.
    in_tree: Vec<String>,
}

/// Step 4: resolves every RPC's message types to local expressions, importing each
/// top-level class once, and replaces the proto names in the methods with them.
fn import_messages(
    services: &mut [ServiceModel],
    resolver: &mut TypeResolver,
    names: &mut NameAllocator,
    flavor: Flavor,
) -> Result<Messages, ModelError> {
    let mut messages = Messages {
        imports: Vec::new(),
        classes: Vec::new(),
        private_aliases: Vec::new(),
        in_tree: Vec::new(),
    };
    // The local name of each imported (module, class).
    let mut locals: FastMap<(String, String), String> = FastMap::default();
    // The expression of each proto type once resolved: RPCs reuse a few types many times.
    let mut resolved: FastMap<String, String> = FastMap::default();
    for method in services.iter_mut().flat_map(|s| s.methods.iter_mut()) {
        for type_name in [&mut method.input, &mut method.output] {
            if let Some(expr) = resolved.get(type_name.as_str()) {
                type_name.clone_from(expr);
                continue;
            }
            let type_ref = resolver
                .resolve(type_name)
                .ok_or_else(|| undefined_type(type_name))?;
            let expr = message_expression(&type_ref, &mut messages, &mut locals, names, flavor);
            messages.classes.push(expr.clone());
            resolved.insert(std::mem::replace(type_name, expr.clone()), expr);
        }
    }
    Ok(messages)
}

/// How the module spells a message class: its imported top-level class, then the
/// nested path, or a module-level alias where that path is private.
fn message_expression(
    type_ref: &TypeRef,
    messages: &mut Messages,
    locals: &mut FastMap<(String, String), String>,
    names: &mut NameAllocator,
    flavor: Flavor,
) -> String {
    let (root, nested) = type_ref.path.split_first().expect("a message has a name");
    let key = (type_ref.module.clone(), root.clone());
    let local = locals.entry(key).or_insert_with(|| {
        // A private class keeps no private local name: it would be name-mangled in class
        // bodies (`__Item`) and reported wherever it is used.
        let wanted = if root.starts_with('_') {
            format!("pb_{root}")
        } else {
            root.clone()
        };
        let local = names.claim(&wanted);
        messages.imports.push(Import {
            module: type_ref.module.clone(),
            name: root.clone(),
            local: local.clone(),
            block: Block::Runtime,
        });
        if type_ref.in_tree && !messages.in_tree.contains(&type_ref.module) {
            messages.in_tree.push(type_ref.module.clone());
        }
        local
    });
    let mut expr = local.clone();
    for part in nested {
        expr.push('.');
        expr.push_str(part);
    }
    // Only the google flavor keeps private nested names (protoc-gen-py escapes them).
    if flavor == Flavor::Google && nested.iter().any(|part| part.starts_with('_')) {
        let alias = names.claim(&private_alias_name(&type_ref.path));
        messages.private_aliases.push(PrivateAlias {
            local: alias.clone(),
            expr,
            pyright_private: nested.iter().any(|part| part.starts_with("__")),
        });
        return alias;
    }
    expr
}

/// The module-level name of a nested class with a private path: the path in CamelCase
/// (`_Private.__Deep` -> `PrivateDeep`), a class-like name that ruff's pep8-naming accepts
/// at module level (a mixedCase `pb__Private__Deep` is its N816).
fn private_alias_name(path: &[String]) -> String {
    let mut name = String::new();
    for part in path {
        let mut chars = part.trim_matches('_').chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.extend(chars);
        }
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "Message");
    }
    name
}

/// Step 5: the import of a message module itself, as the reference writes it
/// (`from . import x_pb`, `from .. import x_pb`), or absolutely.
fn module_import(
    connect_module: &ModulePath,
    module: &ModulePath,
    local: &str,
    imports: Imports,
) -> Import {
    let relative = imports == Imports::Relative;
    let parent = module.parent();
    if !relative && parent.0.is_empty() {
        return Import {
            module: module.dotted(),
            name: String::new(),
            local: local.to_owned(),
            block: Block::Runtime,
        };
    }
    Import {
        module: import_path(connect_module, &parent, relative),
        name: module.name().to_owned(),
        local: local.to_owned(),
        block: Block::Runtime,
    }
}

/// Step 6: imports the runtime symbols the module uses, aliased where a name is taken.
fn import_runtime_symbols(
    needs: &Needs,
    imports: &mut Vec<Import>,
    names: &mut NameAllocator,
) -> Symbols {
    let mut local = FastMap::default();
    for symbol in RUNTIME_SYMBOLS.iter().filter(|s| (s.needed)(needs)) {
        // Only an `if TYPE_CHECKING:` block needs it: typing-only imports, or the
        // `MethodInfo` holder's declarations.
        let no_typing_imports = imports.iter().all(|i| i.block != Block::TypeChecking);
        if symbol.name == "TYPE_CHECKING" && no_typing_imports && !needs.methods {
            continue;
        }
        let name = names.claim(symbol.name);
        imports.push(Import {
            module: symbol.module.to_owned(),
            name: symbol.name.to_owned(),
            local: name.clone(),
            block: if symbol.runtime {
                Block::Runtime
            } else {
                Block::TypeChecking
            },
        });
        local.insert(symbol.name, name);
    }
    Symbols { local }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_aliases_are_camel_case() {
        let path = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            private_alias_name(&path(&["_Private", "__Deep"])),
            "PrivateDeep"
        );
        assert_eq!(private_alias_name(&path(&["item", "_x_y"])), "ItemX_y");
        assert_eq!(private_alias_name(&path(&["_", "__"])), "Message");
        assert_eq!(private_alias_name(&path(&["_1a", "_b"])), "Message1aB");
    }
}
