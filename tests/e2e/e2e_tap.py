"""A pyqwest transport that records what goes over the wire (for the compression and GET checks).

pyqwest decompresses ``content-encoding: gzip`` responses itself and drops the header, so
a generated client cannot tell whether a unary Connect response was compressed. The tap
wraps a real transport whose own decompression is off: it records every request (method,
URL, headers, body bytes) and response (status, headers, body bytes as received), then
gunzips a ``content-encoding: gzip`` body itself and hands the client the result without
that header, as pyqwest would have.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyqwest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytearray = field(default_factory=bytearray)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytearray = field(default_factory=bytearray)


def _headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _strip_content_encoding(headers: Any) -> pyqwest.Headers:
    return pyqwest.Headers(
        [
            (k, v)
            for k, v in headers.items()
            if k.lower() not in ("content-encoding", "content-length")
        ]
    )


def envelopes(body: bytes) -> list[tuple[int, bytes]]:
    """Splits a Connect / gRPC / gRPC-Web streaming body into (flags, payload) frames."""
    frames = []
    offset = 0
    while offset + 5 <= len(body):
        flags, length = struct.unpack(">BI", body[offset : offset + 5])
        frames.append((flags, bytes(body[offset + 5 : offset + 5 + length])))
        offset += 5 + length
    return frames


def is_gzip_enveloped(body: bytes) -> bool:
    """Whether the first message frame is flagged compressed and holds gzip data."""
    frames = envelopes(body)
    return bool(frames) and bool(frames[0][0] & 0x01) and frames[0][1].startswith(GZIP_MAGIC)


class SyncTap:
    """A pyqwest SyncTransport recording exchanges (see the module docstring)."""

    def __init__(self, http2: bool) -> None:
        self._inner = pyqwest.SyncHTTPTransport(
            http_version=pyqwest.HTTPVersion.HTTP2 if http2 else pyqwest.HTTPVersion.HTTP1,
            enable_gzip=False,
            enable_brotli=False,
            enable_zstd=False,
            timeout=20.0,
        )
        self.exchanges: list[Exchange] = []

    def close(self) -> None:
        self._inner.close()

    def execute_sync(self, request: pyqwest.SyncRequest) -> pyqwest.SyncResponse:
        exchange = Exchange(request.method, request.url, _headers(request.headers))
        self.exchanges.append(exchange)
        content = request.content
        if isinstance(content, (bytes, bytearray)):
            exchange.request_body.extend(content)
            sent: Any = bytes(content)
        elif content is None:
            sent = None
        else:
            sent = _record_sync(content, exchange.request_body)
        response = self._inner.execute_sync(
            pyqwest.SyncRequest(request.method, request.url, request.headers, sent)
        )
        exchange.status = response.status
        exchange.response_headers = _headers(response.headers)
        if exchange.response_headers.get("content-encoding") == "gzip":
            for chunk in response.content:
                exchange.response_body.extend(chunk)
            return pyqwest.SyncResponse(
                status=response.status,
                http_version=response.http_version,
                headers=_strip_content_encoding(response.headers),
                content=gzip.decompress(bytes(exchange.response_body)),
                trailers=response.trailers,
            )
        return pyqwest.SyncResponse(
            status=response.status,
            http_version=response.http_version,
            headers=response.headers,
            content=_record_sync(response.content, exchange.response_body),
            trailers=response.trailers,
        )


class AsyncTap:
    """A pyqwest Transport recording exchanges (see the module docstring)."""

    def __init__(self, http2: bool) -> None:
        self._inner = pyqwest.HTTPTransport(
            http_version=pyqwest.HTTPVersion.HTTP2 if http2 else pyqwest.HTTPVersion.HTTP1,
            enable_gzip=False,
            enable_brotli=False,
            enable_zstd=False,
            timeout=20.0,
        )
        self.exchanges: list[Exchange] = []

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def execute(self, request: pyqwest.Request) -> pyqwest.Response:
        exchange = Exchange(request.method, request.url, _headers(request.headers))
        self.exchanges.append(exchange)
        content = request.content
        if isinstance(content, (bytes, bytearray)):
            exchange.request_body.extend(content)
            sent: Any = bytes(content)
        elif content is None:
            sent = None
        else:
            sent = _record_async(content, exchange.request_body)
        response = await self._inner.execute(
            pyqwest.Request(request.method, request.url, request.headers, sent)
        )
        exchange.status = response.status
        exchange.response_headers = _headers(response.headers)
        if exchange.response_headers.get("content-encoding") == "gzip":
            async for chunk in response.content:
                exchange.response_body.extend(chunk)
            return pyqwest.Response(
                status=response.status,
                http_version=response.http_version,
                headers=_strip_content_encoding(response.headers),
                content=gzip.decompress(bytes(exchange.response_body)),
                trailers=response.trailers,
            )
        return pyqwest.Response(
            status=response.status,
            http_version=response.http_version,
            headers=response.headers,
            content=_record_async(response.content, exchange.response_body),
            trailers=response.trailers,
        )


def _record_sync(chunks: Iterator[Any], into: bytearray) -> Iterator[bytes]:
    for chunk in chunks:
        data = bytes(chunk)
        into.extend(data)
        yield data


async def _record_async(chunks: AsyncIterator[Any], into: bytearray) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        data = bytes(chunk)
        into.extend(data)
        yield data
