"""Shared by the conformance client and server: the generated tree, framing, conversions.

Importing this module makes the generated conformance code importable as
`connectrpc.conformance.v1` (see README.md, "Importing the generated code"): the
generated tree's `connectrpc/` directory is appended to the `__path__` of the installed
runtime package `connectrpc`, so `connectrpc.client`, `connectrpc.server`, ... still come
from the runtime and only the subpackage `connectrpc.conformance` comes from the tree.
The output root itself is never put on `sys.path`, so it cannot shadow the runtime.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import connectrpc
from connectrpc.code import Code
from connectrpc.compression.gzip import GzipCompression
from connectrpc.errors import ConnectError, ErrorDetail
from protobuf.wkt import Any as PyAny

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connectrpc.compression import Compression
    from connectrpc.request import Headers
    from google.protobuf.message import Message

# The output root of the generated tree (protoc's --python_out/--pyi_out and our
# --connect_python_out); scripts/conformance sets it.
GEN_ENV = "CONFORMANCE_GEN"
GEN_ROOT = Path(
    os.environ.get(GEN_ENV)
    or Path(__file__).resolve().parent.parent / ".cache" / "conformance" / "gen"
)
_GEN_PACKAGE = GEN_ROOT / "connectrpc"
if not (_GEN_PACKAGE / "conformance" / "v1" / "service_connect.py").is_file():
    msg = f"no generated code under {GEN_ROOT} (run scripts/conformance, or set {GEN_ENV})"
    raise ImportError(msg)
if str(_GEN_PACKAGE) not in connectrpc.__path__:
    connectrpc.__path__.append(str(_GEN_PACKAGE))

from connectrpc.conformance.v1 import config_pb2, service_pb2  # noqa: E402

# Compressions: gzip is part of the runtime; br and zstd need the optional `brotli` /
# `zstandard` packages, which requirements/test.txt pins.
COMPRESSIONS: dict[int, Compression] = {config_pb2.COMPRESSION_GZIP: GzipCompression()}
try:
    from connectrpc.compression.brotli import BrotliCompression

    COMPRESSIONS[config_pb2.COMPRESSION_BR] = BrotliCompression()
except ImportError:  # pragma: no cover - depends on the venv
    pass
try:
    from connectrpc.compression.zstd import ZstdCompression

    COMPRESSIONS[config_pb2.COMPRESSION_ZSTD] = ZstdCompression()
except ImportError:  # pragma: no cover - depends on the venv
    pass


# ---------------------------------------------------------------------------
# Size-delimited messages on stdin/stdout: a 4-byte big-endian length, then the bytes.


def read_delimited(stream: BinaryIO) -> bytes | None:
    """Read one size-delimited message; None at a clean end of the stream."""
    prefix = _read_exactly(stream, 4)
    if prefix is None:
        return None
    (size,) = struct.unpack(">I", prefix)
    data = _read_exactly(stream, size)
    if data is None:
        msg = f"stdin ended inside a {size}-byte message"
        raise EOFError(msg)
    return data


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


def write_delimited(stream: BinaryIO, message: Message) -> None:
    data = message.SerializeToString()
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


# ---------------------------------------------------------------------------
# Conversions between the runtime's types and the conformance messages.


def code_to_proto(code: Code) -> int:
    """connectrpc.code.Code -> connectrpc.conformance.v1.Code (same names, CODE_ prefix)."""
    return config_pb2.Code.Value(f"CODE_{code.name}")


def code_from_proto(code: int) -> Code:
    return Code[config_pb2.Code.Name(code).removeprefix("CODE_")]


def headers_to_proto(headers: Headers) -> list[service_pb2.Header]:
    """All values of every header, in order, grouped by (lower-case) name."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers.allitems():
        grouped.setdefault(name.lower(), []).append(value)
    return [service_pb2.Header(name=name, value=values) for name, values in grouped.items()]


def add_headers(target: Headers, headers: Iterable[service_pb2.Header]) -> None:
    for header in headers:
        for value in header.value:
            target.add(header.name, value)


def error_to_proto(error: ConnectError) -> service_pb2.Error:
    """A runtime error as the conformance Error, details as google.protobuf Any."""
    proto = service_pb2.Error(code=code_to_proto(error.code), message=error.message)
    for detail in error.details:
        proto.details.add(
            type_url=f"type.googleapis.com/{detail.type_name}", value=detail.message_bytes
        )
    return proto


def error_from_proto(error: service_pb2.Error, extra: Iterable[Message] = ()) -> ConnectError:
    """A conformance Error as the runtime's ConnectError.

    connectrpc 0.13's ErrorDetail packs protobuf-py messages only (a google.protobuf
    message raises AttributeError: _desc), so each detail is handed over as a protobuf-py
    Any holding the type URL and bytes of the google.protobuf Any.
    """
    details = [ErrorDetail(PyAny(type_url=d.type_url, value=d.value)) for d in error.details]
    for message in extra:
        details.append(
            ErrorDetail(
                PyAny(
                    type_url=f"type.googleapis.com/{message.DESCRIPTOR.full_name}",
                    value=message.SerializeToString(),
                )
            )
        )
    return ConnectError(code_from_proto(error.code), error.message, details)
