//! Model to Python source. Each section of the output has its own template under
//! `templates/`; this module feeds them, computing only what depends on line width
//! (through [`crate::layout`]) and the blank lines between classes.

use std::fmt::{self, Write};

use askama::Template;

use crate::comments::Doc;
use crate::imports::{self, ImportBlocks};
use crate::layout::{
    Position, TypeExpr, class_header, decorator_call, desc_lookup, if_equals, pad,
    pragma_assignment, return_string, write_annotation,
};
use crate::model::{
    CodecConstants, FileModel, LayoutGuard, LayoutGuardKind, MethodInfoNames, MethodModel,
    ServiceModel, Symbols,
};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The module's head: the header, the imports, and the module-level names the classes
/// need when they are defined.
#[derive(Template)]
#[template(path = "module.py.j2", escape = "none")]
struct ModuleTemplate<'a> {
    m: &'a FileModel,
    version: &'a str,
    /// The proto file's name and the parameter, made safe to print in a comment.
    source: String,
    parameter: String,
    imports: ImportBlocks,
    type_checking: &'a str,
    guard: Option<GuardBlock<'a>>,
    /// `{alias} = {Outer._Inner}  # noqa: SLF001`, laid out, without the final newline.
    private_aliases: Vec<String>,
}

/// The `try:` block around the imports that depend on the tree's layout.
struct GuardBlock<'a> {
    names: &'a LayoutGuard,
    /// The test, at the handler's indentation, for "imported in the layout the imports
    /// were generated for": then the failure is not the layout's, and is re-raised.
    right_layout: String,
    relative: bool,
}

/// The lazy `MethodInfo` holder: its class with one typed attribute per RPC, its
/// instance, the table its `__getattr__` builds from, and the function that looks up the
/// message classes that table names. Private machinery, so it ends the module.
#[derive(Template)]
#[template(path = "method_infos.py.j2", escape = "none")]
struct MethodInfosTemplate<'a> {
    rpc: &'a RpcSymbols<'a>,
    names: &'a MethodInfoNames,
    any: &'a str,
    type_checking: &'a str,
    cache: &'a str,
    /// `{attr}: MethodInfo[Input, Output]`, one per RPC.
    attributes: Vec<Annotation<'a>>,
    rpcs: Vec<(&'a ServiceModel, &'a MethodModel)>,
    message_classes: &'a [String],
}

#[derive(Template)]
#[template(path = "protocol.py.j2", escape = "none")]
struct ProtocolTemplate<'a> {
    sym: &'a Symbols,
    rpc: &'a RpcSymbols<'a>,
    class_header: String,
    /// `  # noqa: A001` when the class is named like a builtin.
    header_noqa: &'static str,
    doc: String,
    methods: Vec<ProtocolMethod<'a>>,
    desc_sep: &'static str,
    desc_lookup: Option<String>,
}

struct ProtocolMethod<'a> {
    m: &'a MethodModel,
    sep: &'static str,
    def_kw: &'static str,
    request: Annotation<'a>,
    ctx: Annotation<'a>,
    returns: Annotation<'a>,
    doc: Docstring<'a>,
}

#[derive(Template)]
#[template(path = "asgi_app.py.j2", escape = "none")]
struct AsgiAppTemplate<'a> {
    svc: &'a ServiceModel,
    sym: &'a Symbols,
    rpc: &'a RpcSymbols<'a>,
    class_header: String,
    service_param: Annotation<'a>,
    default_codecs: &'a str,
    /// The `path` property's `return "/package.Service"`.
    path_return: String,
}

#[derive(Template)]
#[template(path = "wsgi_app.py.j2", escape = "none")]
struct WsgiAppTemplate<'a> {
    svc: &'a ServiceModel,
    sym: &'a Symbols,
    rpc: &'a RpcSymbols<'a>,
    class_header: String,
    service_param: Annotation<'a>,
    default_codecs: &'a str,
    /// The `path` property's `return "/package.Service"`.
    path_return: String,
}

#[derive(Template)]
#[template(path = "client.py.j2", escape = "none")]
struct ClientTemplate<'a> {
    sym: &'a Symbols,
    rpc: &'a RpcSymbols<'a>,
    deprecation: String,
    class_header: String,
    doc: String,
    google_codecs: Option<&'a CodecConstants>,
    init_sep: &'static str,
    interceptor: &'a str,
    http_client: &'a str,
    methods: Vec<ClientMethod<'a>>,
}

struct ClientMethod<'a> {
    m: &'a MethodModel,
    sep: &'static str,
    deprecation: String,
    def_kw: &'static str,
    await_kw: &'static str,
    request: Annotation<'a>,
    returns: Annotation<'a>,
    doc: Docstring<'a>,
}

/// The runtime symbols the templates print once per RPC, looked up once per module
/// rather than at every use (a hash lookup each, a dozen per RPC). Each is empty when no
/// RPC prints it, as then it is not imported.
struct RpcSymbols<'a> {
    /// The module's `MethodInfo` holder (not a runtime symbol, but printed per RPC too).
    method_infos: &'a str,
    method_info: &'a str,
    idempotency_level: &'a str,
    stream_type: &'a str,
    connect_error: &'a str,
    code: &'a str,
    headers: &'a str,
    mapping: &'a str,
    endpoint: &'a str,
    endpoint_sync: &'a str,
}

impl<'a> RpcSymbols<'a> {
    fn new(m: &'a FileModel) -> Self {
        let rpcs = m.services.iter().any(|s| !s.methods.is_empty());
        let n = |name: &str, printed: bool| if rpcs && printed { m.sym.n(name) } else { "" };
        RpcSymbols {
            method_infos: m.method_infos.as_ref().map_or("", |n| n.instance.as_str()),
            method_info: n("MethodInfo", true),
            idempotency_level: n("IdempotencyLevel", true),
            stream_type: n("StreamType", true),
            connect_error: n("ConnectError", true),
            code: n("Code", true),
            headers: n("Headers", true),
            mapping: n("Mapping", true),
            endpoint: n("Endpoint", m.gen_async),
            endpoint_sync: n("EndpointSync", m.gen_sync),
        }
    }
}

/// A parameter, return or declaration annotation, laid out by [`write_annotation`] when
/// the template prints it. Each RPC has several, so they are written straight into the
/// module rather than built as strings first.
struct Annotation<'a> {
    position: Position,
    indent: usize,
    /// Written before `prefix`: a declared name, when the annotation declares one.
    label: &'a str,
    prefix: &'static str,
    expr: TypeExpr<'a>,
    suffix: &'static str,
}

// askama prints a value that is `FastWritable` by writing into the template's output
// directly; a value that is only `Display` goes through `format_args!` twice (once more
// for escaping), a tenth of rendering for these. askama still requires `Display`.
impl askama::FastWritable for Annotation<'_> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(write_annotation(
            dest,
            self.position,
            self.indent,
            self.label,
            self.prefix,
            &self.expr,
            self.suffix,
        )?)
    }
}

impl fmt::Display for Annotation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_annotation(
            f,
            self.position,
            self.indent,
            self.label,
            self.prefix,
            &self.expr,
            self.suffix,
        )
    }
}

fn annotation<'a>(
    position: Position,
    indent: usize,
    prefix: &'static str,
    expr: TypeExpr<'a>,
    suffix: &'static str,
) -> Annotation<'a> {
    Annotation {
        position,
        indent,
        label: "",
        prefix,
        expr,
        suffix,
    }
}

/// An RPC method's docstring block at `indent`, with the opening and closing quotes on
/// their own lines (the layout the reference uses and `ruff format` keeps); nothing when
/// there is no comment. Printed by the template like [`Annotation`].
struct Docstring<'a> {
    indent: usize,
    body: &'a Doc,
}

impl askama::FastWritable for Docstring<'_> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(write_docstring(dest, self.indent, self.body)?)
    }
}

impl fmt::Display for Docstring<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_docstring(f, self.indent, self.body)
    }
}

/// Bytes of output per RPC and per service, roughly, to size the module's buffer once.
const BYTES_PER_RPC: usize = 2560;
const BYTES_PER_SERVICE: usize = 8192;

/// Renders the whole `_connect.py` module: its head, the public classes of each service,
/// then the private machinery they share.
pub fn render_file(m: &FileModel) -> Result<String, askama::Error> {
    let rpcs: usize = m.services.iter().map(|s| s.methods.len()).sum();
    let mut out =
        String::with_capacity(4096 + rpcs * BYTES_PER_RPC + m.services.len() * BYTES_PER_SERVICE);
    let rpc = RpcSymbols::new(m);
    module_head(m).render_into(&mut out)?;
    for svc in &m.services {
        if m.gen_async {
            push_class(&mut out, &protocol(m, &rpc, svc, true))?;
            push_class(&mut out, &asgi_app(m, &rpc, svc))?;
            push_class(&mut out, &client(m, &rpc, svc, true))?;
        }
        if m.gen_sync {
            push_class(&mut out, &protocol(m, &rpc, svc, false))?;
            push_class(&mut out, &wsgi_app(m, &rpc, svc))?;
            push_class(&mut out, &client(m, &rpc, svc, false))?;
        }
    }
    if let Some(method_infos) = method_infos_block(m, &rpc) {
        push_class(&mut out, &method_infos)?;
    }
    Ok(out)
}

fn module_head(m: &FileModel) -> ModuleTemplate<'_> {
    let mut imports = imports::render(&m.imports);
    for block in [
        &mut imports.runtime,
        &mut imports.layout,
        &mut imports.type_checking,
    ] {
        block.truncate(block.trim_end().len());
    }
    let type_checking = if imports.type_checking.is_empty() {
        "TYPE_CHECKING"
    } else {
        m.sym.n("TYPE_CHECKING")
    };
    ModuleTemplate {
        m,
        version: VERSION,
        source: line_end_comment_text(&m.proto_name),
        parameter: comment_text(&m.parameter),
        imports,
        type_checking,
        guard: m.layout_guard.as_ref().map(|names| GuardBlock {
            names,
            right_layout: match names.kind {
                LayoutGuardKind::Relative => "    if __package__:\n".to_owned(),
                LayoutGuardKind::Absolute { .. } => if_equals(
                    4,
                    "__name__",
                    &m.output_path.trim_end_matches(".py").replace('/', "."),
                ),
            },
            relative: matches!(names.kind, LayoutGuardKind::Relative),
        }),
        private_aliases: m
            .private_aliases
            .iter()
            .map(|a| {
                let pragma = if a.pyright_private {
                    "# noqa: SLF001  # pyright: ignore[reportPrivateUsage]"
                } else {
                    "# noqa: SLF001"
                };
                let mut line = pragma_assignment(&a.local, &a.expr, pragma);
                line.pop();
                line
            })
            .collect(),
    }
}

/// Text from the request in a `#` comment: everything that could end the comment line
/// (LF, CR and the other line breaks `str.splitlines` knows) or that a reader could not
/// see is escaped, and so is everything not ASCII (ruff's RUF003 reports ambiguous
/// characters in comments), the way Python writes them in a string literal.
pub fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c => {
                let code = c as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
        }
    }
    out
}

/// [`comment_text`] for text that ends its comment line (the header's `# Source:`):
/// trailing spaces are escaped too, or the line would end in whitespace (ruff's W291). A
/// proto file's name can end in one: protoc takes any name, `.proto` or not.
pub fn line_end_comment_text(text: &str) -> String {
    let escaped = comment_text(text);
    let kept = escaped.trim_end_matches(' ');
    let trailing = escaped.len() - kept.len();
    format!("{kept}{}", "\\x20".repeat(trailing))
}

fn method_infos_block<'a>(
    m: &'a FileModel,
    rpc: &'a RpcSymbols<'a>,
) -> Option<MethodInfosTemplate<'a>> {
    let names = m.method_infos.as_ref()?;
    let any = m.sym.n("Any");
    let rpcs: Vec<(&ServiceModel, &MethodModel)> = m
        .services
        .iter()
        .flat_map(|s| s.methods.iter().map(move |meth| (s, meth)))
        .collect();
    let attributes = rpcs
        .iter()
        .map(|(_, meth)| Annotation {
            position: Position::Declaration,
            indent: 8,
            label: &meth.info_attr,
            prefix: ": ",
            expr: TypeExpr::generic(
                rpc.method_info,
                vec![TypeExpr::name(&meth.input), TypeExpr::name(&meth.output)],
            ),
            suffix: "",
        })
        .collect();
    Some(MethodInfosTemplate {
        rpc,
        names,
        any,
        type_checking: m.sym.n("TYPE_CHECKING"),
        cache: m.sym.n("cache"),
        attributes,
        rpcs,
        message_classes: &m.message_classes,
    })
}

/// Renders a class at the end of `out`. Top-level classes are separated by two blank
/// lines; the file ends in one newline. Rendering in place, rather than into a string of
/// its own, spares copying every class once more.
fn push_class(out: &mut String, class: &impl Template) -> Result<(), askama::Error> {
    while out.ends_with('\n') {
        out.pop();
    }
    out.push_str("\n\n\n");
    let start = out.len();
    class.render_into(out)?;
    while out.len() > start && out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    Ok(())
}

fn protocol<'a>(
    m: &'a FileModel,
    rpc: &'a RpcSymbols<'a>,
    svc: &'a ServiceModel,
    asynchronous: bool,
) -> ProtocolTemplate<'a> {
    let sym = &m.sym;
    let name = if asynchronous {
        &svc.protocol
    } else {
        &svc.sync_protocol
    };
    let doc = class_docstring(&svc.doc);
    let methods: Vec<ProtocolMethod> = svc
        .methods
        .iter()
        .enumerate()
        .map(|(i, meth)| ProtocolMethod {
            m: meth,
            sep: blank_line_unless(i == 0 && doc.is_empty()),
            def_kw: if asynchronous && meth.is_coroutine() {
                "async def"
            } else {
                "def"
            },
            request: annotation(
                Position::Parameter,
                8,
                "request: ",
                meth.request_type(sym, asynchronous),
                ",",
            ),
            ctx: annotation(Position::Parameter, 8, "ctx: ", meth.context_type(sym), ","),
            returns: annotation(
                Position::Return,
                4,
                ") -> ",
                meth.response_type(sym, asynchronous),
                ":",
            ),
            doc: Docstring {
                indent: 8,
                body: &meth.doc,
            },
        })
        .collect();
    ProtocolTemplate {
        sym,
        rpc,
        class_header: class_header(name, &TypeExpr::name(sym.n("Protocol"))),
        // Only the asyncio Protocol takes the service's own name.
        header_noqa: if asynchronous && svc.shadows_builtin {
            "  # noqa: A001"
        } else {
            ""
        },
        desc_sep: blank_line_unless(methods.is_empty() && doc.is_empty()),
        doc,
        methods,
        desc_lookup: m
            .desc_module
            .as_deref()
            .map(|module| desc_lookup(8, module, &svc.full_name)),
    }
}

/// The application's `service` parameter, which can outgrow a line with the class name.
fn service_param(expr: TypeExpr) -> Annotation {
    annotation(Position::Parameter, 8, "service: ", expr, ",")
}

fn path_return(svc: &ServiceModel) -> String {
    return_string(8, &format!("/{}", svc.full_name))
}

fn default_codecs(m: &FileModel) -> &str {
    m.codecs
        .as_ref()
        .map_or("None", |c| c.default_codecs.as_str())
}

fn asgi_app<'a>(
    m: &'a FileModel,
    rpc: &'a RpcSymbols<'a>,
    svc: &'a ServiceModel,
) -> AsgiAppTemplate<'a> {
    let sym = &m.sym;
    let base = TypeExpr::generic(
        sym.n("ConnectASGIApplication"),
        vec![TypeExpr::name(&svc.protocol)],
    );
    let service = TypeExpr::Union(vec![
        TypeExpr::name(&svc.protocol),
        TypeExpr::generic(sym.n("AsyncGenerator"), vec![TypeExpr::name(&svc.protocol)]),
    ]);
    AsgiAppTemplate {
        svc,
        sym,
        rpc,
        class_header: class_header(&svc.asgi_app, &base),
        service_param: service_param(service),
        default_codecs: default_codecs(m),
        path_return: path_return(svc),
    }
}

fn wsgi_app<'a>(
    m: &'a FileModel,
    rpc: &'a RpcSymbols<'a>,
    svc: &'a ServiceModel,
) -> WsgiAppTemplate<'a> {
    let sym = &m.sym;
    WsgiAppTemplate {
        svc,
        sym,
        rpc,
        class_header: class_header(
            &svc.wsgi_app,
            &TypeExpr::name(sym.n("ConnectWSGIApplication")),
        ),
        service_param: service_param(TypeExpr::name(&svc.sync_protocol)),
        default_codecs: default_codecs(m),
        path_return: path_return(svc),
    }
}

fn client<'a>(
    m: &'a FileModel,
    rpc: &'a RpcSymbols<'a>,
    svc: &'a ServiceModel,
    asynchronous: bool,
) -> ClientTemplate<'a> {
    let sym = &m.sym;
    let deprecated = |indent: usize, what: &str| {
        decorator_call(
            indent,
            sym.n("deprecated"),
            &format!("{what} is deprecated."),
        )
    };
    let (name, base) = if asynchronous {
        (&svc.client, sym.n("ConnectClient"))
    } else {
        (&svc.client_sync, sym.n("ConnectClientSync"))
    };
    let doc = class_docstring(&svc.doc);
    let google_codecs = m.codecs.as_ref();
    let methods = svc
        .methods
        .iter()
        .enumerate()
        .map(|(i, meth)| ClientMethod {
            m: meth,
            sep: blank_line_unless(i == 0 && doc.is_empty() && google_codecs.is_none()),
            deprecation: if meth.deprecated {
                deprecated(4, &format!("The RPC {}.{}", svc.full_name, meth.proto_name))
            } else {
                String::new()
            },
            def_kw: if asynchronous && meth.is_coroutine() {
                "async def"
            } else {
                "def"
            },
            await_kw: if asynchronous && meth.is_coroutine() {
                "await "
            } else {
                ""
            },
            request: annotation(
                Position::Parameter,
                8,
                "request: ",
                meth.request_type(sym, asynchronous),
                ",",
            ),
            returns: annotation(
                Position::Return,
                4,
                ") -> ",
                meth.response_type(sym, asynchronous),
                ":",
            ),
            doc: Docstring {
                indent: 8,
                body: &meth.doc,
            },
        })
        .collect();
    ClientTemplate {
        sym,
        rpc,
        deprecation: if svc.deprecated {
            deprecated(0, &format!("The service {}", svc.full_name))
        } else {
            String::new()
        },
        class_header: class_header(name, &TypeExpr::name(base)),
        init_sep: blank_line_unless(doc.is_empty()),
        doc,
        google_codecs,
        interceptor: if asynchronous {
            sym.n("Interceptor")
        } else {
            sym.n("InterceptorSync")
        },
        http_client: if m.codecs.is_none() {
            ""
        } else if asynchronous {
            sym.n("Client")
        } else {
            sym.n("SyncClient")
        },
        methods,
    }
}

/// Blocks in a class body are separated by one blank line, but none opens the body.
fn blank_line_unless(first: bool) -> &'static str {
    if first { "" } else { "\n" }
}

/// A class docstring, without the final newline: the class templates add line breaks.
fn class_docstring(body: &Doc) -> String {
    let mut out = String::new();
    let _ = write_docstring(&mut out, 4, body);
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// A docstring block at `indent`, with the opening and closing quotes on their own lines
/// (the layout the reference uses and `ruff format` keeps); nothing when there is no
/// comment. A docstring with characters ruff calls ambiguous carries RUF002's `noqa` on
/// its closing line, which is where ruff looks for a multi-line string's.
fn write_docstring<W: fmt::Write + ?Sized>(out: &mut W, indent: usize, body: &Doc) -> fmt::Result {
    if body.is_empty() {
        return Ok(());
    }
    pad(out, indent)?;
    out.write_str("\"\"\"\n")?;
    for line in &body.lines {
        if !line.is_empty() {
            pad(out, indent)?;
            out.write_str(line)?;
        }
        out.write_char('\n')?;
    }
    pad(out, indent)?;
    out.write_str("\"\"\"")?;
    if body.ambiguous {
        out.write_str("  # noqa: RUF002")?;
    }
    out.write_char('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_at_the_end_of_a_line_ends_in_no_whitespace() {
        assert_eq!(line_end_comment_text("a.proto  "), "a.proto\\x20\\x20");
        assert_eq!(line_end_comment_text(" a b"), " a b");
        assert_eq!(line_end_comment_text("a\t "), "a\\t\\x20");
        assert_eq!(line_end_comment_text(""), "");
    }
}
