"""What the property layer draws: random descriptor sets with hostile names and comments.

A ``Case`` is one descriptor set (1-3 files, plus the well-known types it imports) with
the comments of its elements, and one drawn parameter string. It becomes
CodeGeneratorRequests with ``request(parameter)``: files built with ``descriptor_pb2``,
comments patched in on the wire as bytes, so that comments that are not UTF-8 get
through (protoc would send them: source_code_info comments are bytes it never checks).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from google.protobuf import (
    any_pb2,
    descriptor_pb2,
    duration_pb2,
    empty_pb2,
    struct_pb2,
    text_format,
    timestamp_pb2,
)
from hypothesis import strategies as st

WELL_KNOWN = {
    d.name: d
    for d in (
        empty_pb2.DESCRIPTOR,
        timestamp_pb2.DESCRIPTOR,
        any_pb2.DESCRIPTOR,
        duration_pb2.DESCRIPTOR,
        struct_pb2.DESCRIPTOR,
    )
}

# --- name pools --------------------------------------------------------------------

KEYWORDS = tuple(keyword.kwlist)
SOFT_KEYWORDS = tuple(keyword.softkwlist)  # _, case, match, type
BUILTINS = (
    "str", "int", "bool", "bytes", "list", "dict", "set", "type", "object", "input",
    "open", "print", "id", "len", "iter", "next", "super", "property", "classmethod",
    "staticmethod", "Exception", "ImportError", "ValueError", "AttributeError", "float",
    "range", "format", "hash", "vars", "globals", "NotImplemented", "Ellipsis",
)  # fmt: skip
DUNDERS = (
    "__init__", "__class__", "__name__", "__module__", "__dict__", "__getattr__",
    "__call__", "__aenter__", "__exit__", "__slots__", "__all__", "__doc__", "__",
)  # fmt: skip
# Members of connectrpc's client and application base classes, and what the module
# itself imports or defines.
RUNTIME = (
    "close", "execute_unary", "execute_client_stream", "execute_server_stream",
    "execute_bidi_stream", "desc", "path", "headers", "trailers", "method", "unary",
    "server_stream", "client_stream", "bidi_stream", "http_status", "Protocol",
    "Endpoint", "MethodInfo", "IdempotencyLevel", "ConnectASGIApplication",
    "ConnectWSGIApplication", "ConnectClient", "ConnectClientSync", "RequestContext",
    "Interceptor", "Iterator", "AsyncIterator", "Mapping", "deprecated", "annotations",
    "TYPE_CHECKING", "typing", "sys", "exc", "msg", "_MethodInfos", "_METHOD_INFOS",
    "_METHOD_SPECS", "_message_classes", "service", "request", "ctx", "self",
    "interceptors", "address", "timeout_ms", "read_max_bytes", "codec", "session",
)  # fmt: skip
SUFFIXES = ("Client", "ClientSync", "ASGIApplication", "WSGIApplication", "Sync", "Service")
DIGITS = ("X2", "X10", "X1", "X01", "Item2", "Item10", "Item9", "A1b2", "V2", "V10")
PLAIN = ("Foo", "Bar", "Echo", "Get", "Item", "foo", "bar", "Msg", "Ping", "Hello")
INVALID_NAMES = (
    "", "a.b", "a b", 'a"b', "a'b", "a\nb", "1abc", "a-b", "\x00", "é", "ünï", "a\\b",
    "a\tb", "\u2028",
)  # fmt: skip

SEGMENTS = ("v1", "v2", "api", "foo", "a", "b", "x10", "x2", "pkg", "match", "type")
BAD_SEGMENTS = ("class", "None", "a-b", "1x", "a b", "é", "import", "def")


def _ident(length: int) -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", min_size=length - 1, max_size=length - 1).map(lambda s: "N" + s)  # fmt: skip


def long_names() -> st.SearchStrategy[str]:
    """Names of every length across the wrap thresholds (1..220)."""
    return st.integers(1, 220).flatmap(_ident)


def base_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KEYWORDS + SOFT_KEYWORDS),
        st.sampled_from(BUILTINS),
        st.sampled_from(DUNDERS),
        st.sampled_from(RUNTIME),
        st.sampled_from(DIGITS + PLAIN),
        long_names(),
    )


@st.composite
def names(draw: st.DrawFn, *, invalid: float = 0.03, camel: bool = True) -> str:
    """A name from the hostile pools, sometimes with a prefix (``_``, ``__``), a
    generated class's suffix or digits; rarely one protoc would reject."""
    if draw(st.floats(0, 1)) < invalid:
        return draw(st.sampled_from(INVALID_NAMES))
    name = draw(base_names())
    if camel and draw(st.booleans()):
        name = name[:1].upper() + name[1:]
    extra = draw(st.integers(0, 5))
    if extra == 1:
        name = draw(st.sampled_from(("_", "__", "pb_", "pb__"))) + name
    elif extra == 2:
        name += draw(st.sampled_from(SUFFIXES))
    elif extra == 3:
        name += draw(st.sampled_from(("2", "10", "_", "__", "_1")))
    return name


# --- comments ----------------------------------------------------------------------

COMMENT_PIECES = (
    "Plain words.", "\tleading tab", "    indented(code)", "  two spaces", "x\ty",
    "trailing spaces   ", "CRLF\r\n", "lone CR\r", "\u2028", "\u2029", "\xa0nbsp",
    "don\u2019t", "a \u2013 b", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439",
    "L\u0430tin with Cyrillic a", '"""', "'''", '"', "\\", "\\n", "\\x00", "\x00",
    "\x0b", "\x0c", "\x1b[0m", "\ufeff", "\u200b", "\u202e", "\n", "\n\n", " ", "",
    "{}", "%s", "# noqa", "# type: ignore", "# fmt: off", "Привет мир", "日本語",
    '"""docstring end', "x" * 120, "word " * 30,
)  # fmt: skip
BAD_BYTES = (b"caf\xe9", b"\xff\xfe", b"\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf")


@st.composite
def comments(draw: st.DrawFn) -> bytes:
    """Comment bytes: hostile pieces joined, sometimes with bytes that are not UTF-8."""
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(COMMENT_PIECES).map(str.encode),
                st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")),
                st.sampled_from(BAD_BYTES),
            ),
            min_size=1,
            max_size=8,
        )
    )
    sep = draw(st.sampled_from((b" ", b"\n ", b"\n", b"")))
    return sep.join(parts) + draw(st.sampled_from((b"\n", b"", b"\r\n")))


# --- descriptor sets -----------------------------------------------------------------


@dataclass
class Comment:
    file: int  # index in Case.files
    path: list[int]
    leading: bytes | None = None
    trailing: bytes | None = None
    detached: list[bytes] = field(default_factory=list)


@dataclass
class Case:
    files: list[descriptor_pb2.FileDescriptorProto]  # dependency order, no WKTs
    to_generate: list[str]
    comments: list[Comment]
    parameter: str  # the drawn (possibly hostile) parameter string
    unknown_key: str | None = None  # a parameter key the plugin must reject
    # Raw bytes appended to a file's serialized descriptor (a replayed request's
    # source_code_info, kept as it was on the wire).
    extra: dict[int, bytes] = field(default_factory=dict)

    def well_known(self) -> list[descriptor_pb2.FileDescriptorProto]:
        used = {d for f in self.files for d in f.dependency if d in WELL_KNOWN}
        out = []
        for name in sorted(used):
            proto = descriptor_pb2.FileDescriptorProto()
            WELL_KNOWN[name].CopyToProto(proto)
            out.append(proto)
        return out

    def file_bytes(self, index: int, *, with_comments: bool = True) -> bytes:
        data = self.files[index].SerializeToString()
        if not with_comments:
            return data
        data += self.extra.get(index, b"")
        locations = b""
        for c in self.comments:
            if c.file != index:
                continue
            body = _field(1, _packed(c.path)) + _field(2, _packed([0, 0, 0]))
            if c.leading is not None:
                body += _field(3, c.leading)
            if c.trailing is not None:
                body += _field(4, c.trailing)
            for d in c.detached:
                body += _field(6, d)
            locations += _field(1, body)
        return data + (_field(9, locations) if locations else b"")

    def request(self, parameter: str) -> bytes:
        """The CodeGeneratorRequest protoc would send, with ``parameter``."""
        from google.protobuf.compiler import plugin_pb2  # noqa: PLC0415

        head = plugin_pb2.CodeGeneratorRequest(file_to_generate=self.to_generate)
        if parameter:
            head.parameter = parameter
        head.compiler_version.major = 33
        data = head.SerializeToString()
        for wkt in self.well_known():
            data += _field(15, wkt.SerializeToString())
        for index in range(len(self.files)):
            data += _field(15, self.file_bytes(index))
        return data

    def descriptor_set(self) -> bytes:
        """A FileDescriptorSet for protoc's --descriptor_set_in, without comments
        (the message generators need none, and protoc-gen-py fails on bad UTF-8)."""
        data = b""
        for wkt in self.well_known():
            data += _field(1, wkt.SerializeToString())
        for index in range(len(self.files)):
            data += _field(1, self.file_bytes(index, with_comments=False))
        return data

    def describe(self) -> str:
        """The case in readable form: parameter, files (text format), comments."""
        lines = [f"parameter: {self.parameter!r}", f"file_to_generate: {self.to_generate!r}"]
        for index, f in enumerate(self.files):
            lines.append(f"--- file {index}: {f.name!r}")
            lines.append(text_format.MessageToString(f, as_utf8=True).rstrip())
        lines.extend(
            f"comment file={c.file} path={c.path} leading={c.leading!r} "
            f"trailing={c.trailing!r} detached={c.detached!r}"
            for c in self.comments
        )
        lines.extend(f"raw source_code_info of file {i}: {raw!r}" for i, raw in self.extra.items())
        return "\n".join(lines)


def from_request(data: bytes) -> Case:
    """A case from a saved CodeGeneratorRequest (a regression): its files as sent, the
    well-known types aside, their source_code_info kept as raw bytes."""
    from google.protobuf.compiler import plugin_pb2  # noqa: PLC0415

    head = b""
    files: list[descriptor_pb2.FileDescriptorProto] = []
    extra: dict[int, bytes] = {}
    for number, raw in _split(data):
        if number != 15:
            head += raw
            continue
        body = _payload(raw)
        kept, info = b"", b""
        for inner, inner_raw in _split(body):
            if inner == 9:
                info += inner_raw
            else:
                kept += inner_raw
        proto = descriptor_pb2.FileDescriptorProto.FromString(kept)
        if proto.name in WELL_KNOWN:
            continue
        if info:
            extra[len(files)] = info
        files.append(proto)
    request = plugin_pb2.CodeGeneratorRequest.FromString(head)
    return Case(files, list(request.file_to_generate), [], request.parameter, extra=extra)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _split(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level fields of a message: (field number, the field's raw bytes)."""
    out = []
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        wire = key & 7
        if wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            msg = f"unsupported wire type {wire}"
            raise ValueError(msg)
        out.append((key >> 3, data[start:pos]))
    return out


def _payload(raw: bytes) -> bytes:
    _, pos = _read_varint(raw, 0)
    length, pos = _read_varint(raw, pos)
    return raw[pos : pos + length]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed(values: list[int]) -> bytes:
    return b"".join(_varint(v) for v in values)


@st.composite
def file_names(draw: st.DrawFn, index: int, invalid: float) -> str:
    depth = draw(st.sampled_from((0, 0, 1, 2, 3)))
    segments = [
        draw(
            st.one_of(
                st.sampled_from(SEGMENTS),
                st.sampled_from(BAD_SEGMENTS),
                names(invalid=invalid, camel=False),
            )
        )
        if draw(st.floats(0, 1)) < 0.2
        else draw(st.sampled_from(SEGMENTS))
        for _ in range(depth)
    ]
    stem = draw(
        st.one_of(
            st.sampled_from(("svc", "api", "x10", "x2", "a-b", "proto_1", "match", "None")),
            names(invalid=invalid, camel=False),
        )
    )
    # protoc takes any file name: now and then one that does not end in `.proto`, or ends
    # in whitespace (the header's `# Source:` line once ended in a space, W291).
    suffix: str = draw(st.sampled_from((".proto",) * 36 + (".proto ", ".proto \t ", " ", "")))
    # Keep file names distinct within a case.
    return "/".join([*segments, f"{stem}{index}" if index else stem]) + suffix


@st.composite
def packages(draw: st.DrawFn, invalid: float) -> str:
    if draw(st.integers(0, 4)) == 0:
        return ""
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(SEGMENTS), names(invalid=invalid, camel=False)),
            min_size=1,
            max_size=3,
        )
    )
    return ".".join(parts)


def _qualified(package: str, *path: str) -> str:
    return "." + ".".join([package, *path] if package else list(path))


@st.composite
def messages(draw: st.DrawFn, invalid: float, depth: int = 0) -> descriptor_pb2.DescriptorProto:
    message = descriptor_pb2.DescriptorProto(name=draw(names(invalid=invalid)))
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        seen = set()
        for _ in range(draw(st.integers(1, 2))):
            nested = draw(messages(invalid, depth + 1))
            if invalid or nested.name not in seen:
                seen.add(nested.name)
                message.nested_type.append(nested)
    return message


def _walk(prefix: list[str], message: descriptor_pb2.DescriptorProto) -> list[list[str]]:
    out = [[*prefix, message.name]]
    for nested in message.nested_type:
        out += _walk([*prefix, message.name], nested)
    return out


HOSTILE_PARAMETERS = (
    "", ",", "=", ",,", "io", "protobuf", "protobuf=", "=google", "protobuf=google\n",
    "\nprotobuf=google", "protobuf=google,protobuf=py", "io=sync,io=async",
    "imports=absolute,imports=relative", " io = sync ", "io=both", "io=SYNC",
    "protobuf=python", "imports=abs", "no_fmt_off=true", "no_fmt_off=false",
    "no_fmt_off", "protobuf=google,,io=sync", "protobuf=py\r\n", "io=sync\u2028",
    "protobuf=google;io=sync", "protobuf:google",
)  # fmt: skip
VALID_PARTS = (
    "protobuf=google", "protobuf=py", "io=sync", "io=async", "imports=relative",
    "imports=absolute", "no_fmt_off=true",
)  # fmt: skip
UNKNOWN_KEYS = ("foo", "bar_baz", "paths", "module", "protobuf_version", "Io", "IMPORTS")


@st.composite
def parameters(draw: st.DrawFn) -> tuple[str, str | None]:
    """A parameter string to try besides the standard sets, and the unknown key it
    holds (which must be an error), if any."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(HOSTILE_PARAMETERS)), None
    parts = draw(st.lists(st.sampled_from(VALID_PARTS), max_size=3))
    unknown = None
    if kind == 2:
        # Each known key once, so that the unknown key is the only thing wrong.
        parts = list({part.split("=")[0]: part for part in parts}.values())
        unknown = draw(st.sampled_from(UNKNOWN_KEYS))
        value = draw(st.sampled_from(("1", "x", "", "google")))
        parts.insert(draw(st.integers(0, len(parts))), f"{unknown}={value}")
    return ",".join(parts), unknown


STREAMS = ((False, False), (True, False), (False, True), (True, True))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(1, 3))
    # Most cases are valid descriptor sets (protoc would send them); one in five may
    # hold names protoc rejects, and duplicate symbols.
    hostile = draw(st.integers(0, 4)) == 0
    invalid = 0.05 if hostile else 0.0
    defined: set[str] = set()  # full names, in valid cases kept unique
    files: list[descriptor_pb2.FileDescriptorProto] = []
    # Messages visible so far: (file index, qualified name).
    visible: list[tuple[int, str]] = []
    case_comments: list[Comment] = []
    # Names shared across elements of the case make collisions likely.
    shared = draw(st.lists(names(invalid=invalid), min_size=1, max_size=4))

    def name() -> str:
        if draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(shared))
        return draw(names(invalid=invalid))

    def unique(package: str, wanted: str) -> str:
        """In a valid case, a symbol name not defined yet (a suffix ``X`` added)."""
        while not hostile and _qualified(package, wanted) in defined:
            wanted += "X"
        defined.add(_qualified(package, wanted))
        return wanted

    for index in range(count):
        proto = descriptor_pb2.FileDescriptorProto(
            name=draw(file_names(index, invalid)),
            package=draw(st.one_of(packages(invalid), st.sampled_from([f.package for f in files] or [""]))),
            syntax=draw(st.sampled_from(("proto3", "proto3", "proto2", ""))),
        )  # fmt: skip
        if draw(st.integers(0, 9)) == 0:
            proto.options.deprecated = True
        deps = draw(st.lists(st.sampled_from(range(index)), unique=True)) if index else []
        wkts = draw(st.lists(st.sampled_from(sorted(WELL_KNOWN)), unique=True, max_size=2))
        proto.dependency.extend([files[d].name for d in deps] + wkts)
        own: list[tuple[int, str]] = []
        for m in range(draw(st.integers(0, 3))):
            message = draw(messages(invalid))
            if draw(st.booleans()):
                message.name = name()
            message.name = unique(proto.package, message.name)
            proto.message_type.append(message)
            own += [(index, _qualified(proto.package, *p)) for p in _walk([], message)]
            if draw(st.integers(0, 3)) == 0:
                case_comments.append(Comment(index, [4, m], leading=draw(comments())))
        usable = own + [v for v in visible if v[0] in deps]
        usable += [
            (-1, "." + full)
            for w in wkts
            for full in (t.full_name for t in WELL_KNOWN[w].message_types_by_name.values())
        ]
        for s in range(draw(st.integers(0 if index else 1, 3))):
            service = proto.service.add(name=unique(proto.package, name()))
            if draw(st.integers(0, 4)) == 0:
                service.options.deprecated = True
            if draw(st.booleans()):
                case_comments.append(_comment(draw, index, [6, s]))
            for m in range(draw(st.integers(0, 5))):
                client, server = draw(st.sampled_from(STREAMS))
                if usable:
                    input_type = draw(st.sampled_from(usable))[1]
                    output_type = draw(st.sampled_from(usable))[1]
                else:
                    input_type = output_type = ".google.protobuf.Empty"
                    if "google/protobuf/empty.proto" not in proto.dependency:
                        proto.dependency.append("google/protobuf/empty.proto")
                rpc = name()
                while not hostile and any(x.name == rpc for x in service.method):
                    rpc += "X"
                method = service.method.add(
                    name=rpc,
                    input_type=input_type,
                    output_type=output_type,
                    client_streaming=client,
                    server_streaming=server,
                )
                if draw(st.integers(0, 4)) == 0:
                    method.options.deprecated = True
                level = draw(st.sampled_from((0, 0, 1, 2)))
                if level:
                    method.options.idempotency_level = level  # type: ignore[assignment]
                if draw(st.booleans()):
                    case_comments.append(_comment(draw, index, [6, s, 2, m]))
        files.append(proto)
        visible += own
    # Usually every file is generated; sometimes only the last (its imports are not).
    generate = [f.name for f in files]
    if len(files) > 1 and draw(st.integers(0, 3)) == 0:
        generate = generate[-1:]
    parameter, unknown = draw(parameters())
    return Case(files, generate, case_comments, parameter, unknown)


def _comment(draw: st.DrawFn, index: int, path: list[int]) -> Comment:
    comment = Comment(index, path, leading=draw(comments()))
    if draw(st.integers(0, 2)) == 0:
        comment.trailing = draw(comments())
    if draw(st.integers(0, 4)) == 0:
        comment.detached = [draw(comments())]
    return comment


# --- what a generator may refuse ----------------------------------------------------------

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _is_keyword(name: str) -> bool:
    return keyword.iskeyword(name)


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def refusal_allowed(case: Case, flavor: str) -> bool:
    """Whether the README's rule 7 allows refusing the case in ``flavor`` (given that
    protoc accepts it): a file name with segments that cannot be module names, or, in
    the google flavor, a keyword or dunder message or file-path segment."""
    for f in case.files:
        segments = f.name.removesuffix(".proto").split("/")
        for seg in segments:
            if not seg or seg in {".", ".."}:
                return True
            if flavor == "google":
                seg = seg.replace("-", "_")  # noqa: PLW2901
                if not IDENTIFIER.match(seg) or _is_keyword(seg):
                    return True
            elif not seg.isidentifier() and not IDENTIFIER.match(seg.replace("-", "_")):
                return True
        if f.name.startswith("/"):
            return True
    if flavor == "google":
        for f in case.files:
            for m in f.message_type:
                for path in _walk([], m):
                    if any(_is_keyword(p) or _dunder(p) for p in path):
                        return True
    return False
