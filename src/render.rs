//! Model to Python source. Each section of the output has its own template under
//! `templates/`; this module feeds them, computing only what depends on line width
//! (through [`crate::layout`]) and the blank lines between classes.

use askama::Template;

use crate::imports;
use crate::layout::{TypeExpr, class_header, decorator_call, desc_lookup, write_expr};
use crate::model::{CodecConstants, FileModel, MethodModel, ServiceModel, Symbols};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Template)]
#[template(path = "module.py.j2", escape = "none")]
struct ModuleTemplate<'a> {
    m: &'a FileModel,
    version: &'a str,
    imports: String,
    method_infos: Vec<(&'a ServiceModel, &'a MethodModel)>,
}

#[derive(Template)]
#[template(path = "protocol.py.j2", escape = "none")]
struct ProtocolTemplate<'a> {
    sym: &'a Symbols,
    class_header: String,
    doc: String,
    methods: Vec<ProtocolMethod<'a>>,
    desc_sep: &'static str,
    desc_lookup: Option<String>,
}

struct ProtocolMethod<'a> {
    m: &'a MethodModel,
    sep: &'static str,
    def_kw: &'static str,
    request: String,
    ctx: String,
    returns: String,
    doc: String,
}

#[derive(Template)]
#[template(path = "asgi_app.py.j2", escape = "none")]
struct AsgiAppTemplate<'a> {
    svc: &'a ServiceModel,
    sym: &'a Symbols,
    class_header: String,
    service_param: String,
    default_codecs: &'a str,
}

#[derive(Template)]
#[template(path = "wsgi_app.py.j2", escape = "none")]
struct WsgiAppTemplate<'a> {
    svc: &'a ServiceModel,
    sym: &'a Symbols,
    class_header: String,
    service_param: String,
    default_codecs: &'a str,
}

#[derive(Template)]
#[template(path = "client.py.j2", escape = "none")]
struct ClientTemplate<'a> {
    sym: &'a Symbols,
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
    request: String,
    returns: String,
    doc: String,
}

/// Renders the whole `_connect.py` module.
pub fn render_file(m: &FileModel) -> Result<String, askama::Error> {
    let type_checking = if m.imports.iter().any(|i| !i.runtime) {
        m.sym.n("TYPE_CHECKING")
    } else {
        "TYPE_CHECKING"
    };
    let head = ModuleTemplate {
        m,
        version: VERSION,
        imports: imports::render(&m.imports, type_checking)
            .trim_end()
            .to_owned(),
        method_infos: m
            .services
            .iter()
            .flat_map(|s| s.methods.iter().map(move |meth| (s, meth)))
            .collect(),
    }
    .render()?;
    let mut out = head;
    for svc in &m.services {
        if m.gen_async {
            push_class(&mut out, &protocol(m, svc, true).render()?);
            push_class(&mut out, &asgi_app(m, svc).render()?);
            push_class(&mut out, &client(m, svc, true).render()?);
        }
        if m.gen_sync {
            push_class(&mut out, &protocol(m, svc, false).render()?);
            push_class(&mut out, &wsgi_app(m, svc).render()?);
            push_class(&mut out, &client(m, svc, false).render()?);
        }
    }
    Ok(out)
}

/// Top-level classes are separated by two blank lines; the file ends in one newline.
fn push_class(out: &mut String, class: &str) {
    while out.ends_with('\n') {
        out.pop();
    }
    out.push_str("\n\n\n");
    out.push_str(class.trim_end_matches('\n'));
    out.push('\n');
}

fn protocol<'a>(
    m: &'a FileModel,
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
            request: lines(8, "request: ", &meth.request_type(sym, asynchronous), ","),
            ctx: lines(8, "ctx: ", &meth.context_type(sym), ","),
            returns: lines(4, ") -> ", &meth.response_type(sym, asynchronous), ":"),
            doc: docstring(8, &meth.doc),
        })
        .collect();
    ProtocolTemplate {
        sym,
        class_header: class_header(name, &TypeExpr::name(sym.n("Protocol"))),
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
fn service_param(expr: TypeExpr) -> String {
    lines(8, "service: ", &expr, ",")
}

fn default_codecs(m: &FileModel) -> &str {
    m.codecs
        .as_ref()
        .map_or("None", |c| c.default_codecs.as_str())
}

fn asgi_app<'a>(m: &'a FileModel, svc: &'a ServiceModel) -> AsgiAppTemplate<'a> {
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
        class_header: class_header(&svc.asgi_app, &base),
        service_param: service_param(service),
        default_codecs: default_codecs(m),
    }
}

fn wsgi_app<'a>(m: &'a FileModel, svc: &'a ServiceModel) -> WsgiAppTemplate<'a> {
    let sym = &m.sym;
    WsgiAppTemplate {
        svc,
        sym,
        class_header: class_header(
            &svc.wsgi_app,
            &TypeExpr::name(sym.n("ConnectWSGIApplication")),
        ),
        service_param: service_param(TypeExpr::name(&svc.sync_protocol)),
        default_codecs: default_codecs(m),
    }
}

fn client<'a>(m: &'a FileModel, svc: &'a ServiceModel, asynchronous: bool) -> ClientTemplate<'a> {
    let sym = &m.sym;
    let deprecated = |indent: usize, what: &str, deprecated: bool| {
        if deprecated {
            decorator_call(
                indent,
                sym.n("deprecated"),
                &format!("{what} is deprecated."),
            )
        } else {
            String::new()
        }
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
            deprecation: deprecated(
                4,
                &format!("The RPC {}.{}", svc.full_name, meth.proto_name),
                meth.deprecated,
            ),
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
            request: lines(8, "request: ", &meth.request_type(sym, asynchronous), ","),
            returns: lines(4, ") -> ", &meth.response_type(sym, asynchronous), ":"),
            doc: docstring(8, &meth.doc),
        })
        .collect();
    ClientTemplate {
        sym,
        deprecation: deprecated(0, &format!("The service {}", svc.full_name), svc.deprecated),
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
fn class_docstring(body: &[String]) -> String {
    docstring(4, body).trim_end_matches('\n').to_owned()
}

fn lines(indent: usize, prefix: &str, expr: &TypeExpr, suffix: &str) -> String {
    let mut out = String::new();
    write_expr(&mut out, indent, prefix, expr, suffix);
    out
}

/// A docstring block at `indent`, with the opening and closing quotes on their own lines
/// (the layout the reference uses and `ruff format` keeps); empty when there is no comment.
fn docstring(indent: usize, body: &[String]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}\"\"\"\n");
    for line in body {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str("\"\"\"\n");
    out
}
