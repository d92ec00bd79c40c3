"""Shared by the conformance client and server: the generated tree, framing, conversions.

Importing this module makes the generated conformance code importable as
`connectrpc.conformance.v1` (see README.md, "Importing the generated code"): the
generated tree's `connectrpc/` directory is appended to the `__path__` of the installed
runtime package `connectrpc`, so `connectrpc.client`, `connectrpc.server`, ... still come
from the runtime and only the subpackage `connectrpc.conformance` comes from the tree.
The output root itself is never put on `sys.path`, so it cannot shadow the runtime.

The tree is one flavor (conformance_flavor.py), read from the tree itself: protoc's
`service_pb2.py` is google, protoc-gen-py's `service_pb.py` is py. This module exports
its message modules as `config`, `service`, `client_compat` and `server_compat`, the
`FLAVOR` that handles them, and the suite's enums by their .proto value names.
"""

from __future__ import annotations

import importlib
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import connectrpc
from connectrpc.code import Code
from connectrpc.compression.gzip import GzipCompression
from connectrpc.errors import ConnectError, ErrorDetail
from protobuf.wkt import Any as PyAny

from conformance_flavor import Flavor, GoogleFlavor, PyFlavor

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connectrpc.compression import Compression
    from connectrpc.request import Headers

# The output root of the generated tree (the message plugin's output and our
# --connect_python_out); scripts/conformance sets it, one tree per flavor.
GEN_ENV = "CONFORMANCE_GEN"
GEN_ROOT = Path(
    os.environ.get(GEN_ENV)
    or Path(__file__).resolve().parent.parent / ".cache" / "conformance" / "gen" / "google"
)
_GEN_PACKAGE = GEN_ROOT / "connectrpc"
_GEN_V1 = _GEN_PACKAGE / "conformance" / "v1"
if not (_GEN_V1 / "service_connect.py").is_file():
    msg = f"no generated code under {GEN_ROOT} (run scripts/conformance, or set {GEN_ENV})"
    raise ImportError(msg)
if str(_GEN_PACKAGE) not in connectrpc.__path__:
    connectrpc.__path__.append(str(_GEN_PACKAGE))

# The message modules: protoc's service_pb2.py (google) or protoc-gen-py's service_pb.py
# (py) and their siblings, typed Any since their classes depend on the flavor.
if (_GEN_V1 / "service_pb2.py").is_file():
    _SUFFIX = "_pb2"
elif (_GEN_V1 / "service_pb.py").is_file():
    _SUFFIX = "_pb"
else:
    msg = f"{_GEN_V1} holds neither service_pb2.py (google) nor service_pb.py (py)"
    raise ImportError(msg)


def _messages(proto: str) -> Any:
    """The message module of connectrpc/conformance/v1/<proto>.proto in the tree."""
    return importlib.import_module(f"connectrpc.conformance.v1.{proto}{_SUFFIX}")


config = _messages("config")
service = _messages("service")
client_compat = _messages("client_compat")
server_compat = _messages("server_compat")
FLAVOR: Flavor = (
    GoogleFlavor() if _SUFFIX == "_pb2" else PyFlavor([service.desc(), client_compat.desc()])
)
# scripts/conformance names the flavor it means to test, so a run cannot report one
# flavor while testing the other's tree.
FLAVOR_ENV = "CONFORMANCE_FLAVOR"
if (expected := os.environ.get(FLAVOR_ENV)) and expected != FLAVOR.name:
    msg = f"{GEN_ROOT} is a {FLAVOR.name} tree, but {FLAVOR_ENV}={expected}"
    raise ImportError(msg)

# The enums, by their .proto value names (`PROTOCOL.PROTOCOL_CONNECT`) in both flavors.
CODE = FLAVOR.enum(config.Code)
CODEC = FLAVOR.enum(config.Codec)
COMPRESSION = FLAVOR.enum(config.Compression)
HTTP_VERSION = FLAVOR.enum(config.HTTPVersion)
PROTOCOL = FLAVOR.enum(config.Protocol)
STREAM_TYPE = FLAVOR.enum(config.StreamType)

# Compressions: gzip is part of the runtime; br and zstd need the optional `brotli` /
# `zstandard` packages, which requirements/test.txt pins.
COMPRESSIONS: dict[int, Compression] = {COMPRESSION.COMPRESSION_GZIP: GzipCompression()}
try:
    from connectrpc.compression.brotli import BrotliCompression

    COMPRESSIONS[COMPRESSION.COMPRESSION_BR] = BrotliCompression()
except ImportError:  # pragma: no cover - depends on the venv
    pass
try:
    from connectrpc.compression.zstd import ZstdCompression

    COMPRESSIONS[COMPRESSION.COMPRESSION_ZSTD] = ZstdCompression()
except ImportError:  # pragma: no cover - depends on the venv
    pass


# ---------------------------------------------------------------------------
# Size-delimited messages on stdin/stdout: a 4-byte big-endian length, then the bytes.


def read_delimited(stream: BinaryIO, message_type: type[Any]) -> Any | None:
    """Read one size-delimited message; None at a clean end of the stream."""
    prefix = _read_exactly(stream, 4)
    if prefix is None:
        return None
    (size,) = struct.unpack(">I", prefix)
    data = _read_exactly(stream, size)
    if data is None:
        msg = f"stdin ended inside a {size}-byte message"
        raise EOFError(msg)
    return FLAVOR.from_binary(message_type, data)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            msg = f"stdin ended after {size - remaining} of {size} bytes"
            raise EOFError(msg)
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_delimited(stream: BinaryIO, message: Any) -> None:
    data = FLAVOR.to_binary(message)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


# ---------------------------------------------------------------------------
# Conversions between the runtime's types and the conformance messages.


def code_to_proto(code: Code) -> int:
    """connectrpc.code.Code -> connectrpc.conformance.v1.Code (same names, CODE_ prefix)."""
    return getattr(CODE, f"CODE_{code.name}")


def code_from_proto(code: int) -> Code:
    return Code[CODE.name(code).removeprefix("CODE_")]


def headers_to_proto(headers: Headers) -> list[Any]:
    """All values of every header, in order, grouped by (lower-case) name."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers.allitems():
        grouped.setdefault(name.lower(), []).append(value)
    return [service.Header(name=name, value=values) for name, values in grouped.items()]


def add_headers(target: Headers, headers: Iterable[Any]) -> None:
    for header in headers:
        for value in header.value:
            target.add(header.name, value)


def error_to_proto(error: ConnectError) -> Any:
    """A runtime error as the conformance Error, its details as Anys of the flavor."""
    details = [
        FLAVOR.new_any(f"type.googleapis.com/{detail.type_name}", detail.message_bytes)
        for detail in error.details
    ]
    return service.Error(code=code_to_proto(error.code), message=error.message, details=details)


def error_from_proto(error: Any, extra: Iterable[Any] = ()) -> ConnectError:
    """A conformance Error as the runtime's ConnectError, with extra messages as details.

    connectrpc 0.13's ErrorDetail packs protobuf-py messages only (a google.protobuf
    message raises AttributeError: _desc), so in both flavors each detail is handed over
    as a protobuf-py Any holding the type URL and bytes of the flavor's Any.
    """
    packed = [*error.details, *(FLAVOR.pack(message) for message in extra)]
    details = [ErrorDetail(PyAny(type_url=a.type_url, value=a.value)) for a in packed]
    return ConnectError(code_from_proto(error.code), error.message, details)
