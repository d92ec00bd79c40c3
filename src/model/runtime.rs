//! The runtime's symbols a generated module may import, and when it needs each.

/// A runtime symbol: its name, its module, and whether it is needed when the module runs
/// (rather than only by type checkers).
pub(super) struct RuntimeSymbol {
    pub name: &'static str,
    pub module: &'static str,
    pub runtime: bool,
    pub needed: fn(&Needs) -> bool,
}

/// What a module uses, to import exactly that.
pub(super) struct Needs {
    pub google: bool,
    pub py: bool,
    pub gen_async: bool,
    pub gen_sync: bool,
    pub methods: bool,
    pub streams: bool,
    pub deprecated_clients: bool,
}

pub(super) const RUNTIME_SYMBOLS: &[RuntimeSymbol] = &[
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
