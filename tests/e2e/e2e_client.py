"""Calling the servers through the GENERATED clients, the same way for both client kinds.

``call`` builds ``ElizaServiceClient`` (asyncio, run with ``asyncio.run``) or
``ElizaServiceClientSync`` for one protocol, makes one RPC of one stream kind with the
generated method (``say`` / ``pontificate`` / ``introduce`` / ``converse``) and returns
what came back: the answers (as strings, collected one by one so that a stream that fails
half way keeps what arrived before the error), the ``ConnectError`` if any, and the
response headers and trailers (``connectrpc.client.ResponseMetadata``).

The client's defaults are the generated ones (binary proto codec, gzip on requests),
except where a protocol needs a JSON codec or a test passes its own options.
"""

from __future__ import annotations

import asyncio
import queue
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyqwest
from connectrpc.client import ResponseMetadata
from connectrpc.errors import ConnectError
from connectrpc.protocol import ProtocolType

import e2e_service as svc
from e2e_tap import AsyncTap, SyncTap

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from e2e_gen import Generated
    from e2e_servers import Server

PROTOCOLS: dict[str, ProtocolType] = {
    "connect-proto": ProtocolType.CONNECT,
    "connect-json": ProtocolType.CONNECT,
    "grpc": ProtocolType.GRPC,
    "grpc-web": ProtocolType.GRPC_WEB,
}
STREAMS = ("unary", "client_stream", "server_stream", "bidi")
CLIENTS = ("async", "sync")


class ClientTagInterceptor:
    """An asyncio client metadata interceptor: tags the request (see e2e_service)."""

    async def on_start(self, ctx: Any) -> None:
        ctx.request_headers[svc.CLIENT_INTERCEPTOR] = "async"

    async def on_end(self, token: None, ctx: Any, error: Exception | None) -> None:
        pass


class ClientTagInterceptorSync:
    """A threaded client metadata interceptor: tags the request (see e2e_service)."""

    def on_start_sync(self, ctx: Any) -> None:
        ctx.request_headers[svc.CLIENT_INTERCEPTOR] = "sync"

    def on_end_sync(self, token: None, ctx: Any, error: Exception | None) -> None:
        pass


def client_interceptor(client: str) -> Any:
    return ClientTagInterceptor() if client == "async" else ClientTagInterceptorSync()


@dataclass
class Result:
    messages: list[str] = field(default_factory=list)
    count: int | None = None
    error: ConnectError | None = None
    headers: dict[str, str] = field(default_factory=dict)
    trailers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    elapsed_s: float = 0.0
    tap: SyncTap | AsyncTap | None = None

    def describe(self) -> str:
        error = f"{self.error.code} {self.error.message!r}" if self.error else None
        return (
            f"messages={self.messages} count={self.count} error={error} "
            f"status={self.status} headers={self.headers} trailers={self.trailers}"
        )


def expected(stream: str, inputs: list[str]) -> tuple[list[str], int | None]:
    """The answers (and Pontificate's count) the service gives for inputs."""
    match stream:
        case "unary":
            return [svc.say(inputs[0])], None
        case "client_stream":
            sentence, count = svc.pontificate(inputs)
            return [sentence], count
        case "server_stream":
            return svc.introduce(inputs[0]), None
        case "bidi":
            return [svc.converse(s) for s in inputs], None
    raise ValueError(stream)


def _client_options(gen: Generated, protocol: str, options: dict[str, Any]) -> dict[str, Any]:
    opts: dict[str, Any] = {"protocol": PROTOCOLS[protocol]}
    if protocol == "connect-json":
        opts["codec"] = gen.json_codec()
    opts.update(options)
    return opts


# A bound on every HTTP exchange, so that a broken combination fails instead of hanging
# even where the RPC itself has no deadline (pytest-timeout is the last resort).
TRANSPORT_TIMEOUT_S = 20.0


def _http_version(server: Server) -> pyqwest.HTTPVersion:
    # pyvoy speaks HTTP/2 cleartext with prior knowledge; gRPC needs it. The HTTP/1.1
    # servers get HTTP/1.1, which is also what pyqwest's default transport would use.
    return pyqwest.HTTPVersion.HTTP2 if server.http2 else pyqwest.HTTPVersion.HTTP1


def call(
    gen: Generated,
    server: Server,
    protocol: str,
    client: str,
    stream: str,
    inputs: list[str],
    *,
    headers: dict[str, str] | None = None,
    timeout_ms: int | None = None,
    use_get: bool = False,
    tap: bool = False,
    client_options: dict[str, Any] | None = None,
) -> Result:
    opts = _client_options(gen, protocol, client_options or {})
    call_kw: dict[str, Any] = {}
    if headers is not None:
        call_kw["headers"] = headers
    if timeout_ms is not None:
        call_kw["timeout_ms"] = timeout_ms
    if use_get:
        call_kw["use_get"] = True
    if client == "sync":
        return _call_sync(gen, server, opts, stream, inputs, call_kw, tap=tap)
    return asyncio.run(_call_async(gen, server, opts, stream, inputs, call_kw, tap=tap))


def _fill_metadata(result: Result, metadata: ResponseMetadata) -> None:
    result.status = metadata.http_status
    result.headers = {k.lower(): v for k, v in metadata.headers.items()}
    result.trailers = {k.lower(): v for k, v in metadata.trailers.items()}


def _call_sync(
    gen: Generated,
    server: Server,
    opts: dict[str, Any],
    stream: str,
    inputs: list[str],
    call_kw: dict[str, Any],
    *,
    tap: bool,
) -> Result:
    pb = gen.pb
    result = Result()
    transport: Any = (
        SyncTap(server.http2)
        if tap
        else pyqwest.SyncHTTPTransport(
            http_version=_http_version(server), timeout=TRANSPORT_TIMEOUT_S
        )
    )
    result.tap = transport if tap else None
    started = time.monotonic()
    try:
        with (
            gen.connect.ElizaServiceClientSync(
                server.address, http_client=pyqwest.SyncClient(transport), **opts
            ) as client,
            ResponseMetadata() as metadata,
        ):
            try:
                match stream:
                    case "unary":
                        response = client.say(pb.SayRequest(sentence=inputs[0]), **call_kw)
                        result.messages.append(response.sentence)
                    case "client_stream":
                        requests = (pb.PontificateRequest(sentence=s) for s in inputs)
                        response = client.pontificate(requests, **call_kw)
                        result.messages.append(response.sentence)
                        result.count = response.count
                    case "server_stream":
                        request = pb.IntroduceRequest(name=inputs[0])
                        for response in client.introduce(request, **call_kw):
                            result.messages.append(response.sentence)
                    case "bidi":
                        requests = (pb.ConverseRequest(sentence=s) for s in inputs)
                        for response in client.converse(requests, **call_kw):
                            result.messages.append(response.sentence)
            except ConnectError as e:
                result.error = e
            _fill_metadata(result, metadata)
    finally:
        result.elapsed_s = time.monotonic() - started
        transport.close()
    return result


async def _call_async(
    gen: Generated,
    server: Server,
    opts: dict[str, Any],
    stream: str,
    inputs: list[str],
    call_kw: dict[str, Any],
    *,
    tap: bool,
) -> Result:
    pb = gen.pb
    result = Result()
    transport: Any = (
        AsyncTap(server.http2)
        if tap
        else pyqwest.HTTPTransport(http_version=_http_version(server), timeout=TRANSPORT_TIMEOUT_S)
    )
    result.tap = transport if tap else None

    async def requests(cls: Any) -> AsyncIterator[Any]:
        for s in inputs:
            yield cls(sentence=s)

    started = time.monotonic()
    try:
        async with gen.connect.ElizaServiceClient(
            server.address, http_client=pyqwest.Client(transport), **opts
        ) as client:
            with ResponseMetadata() as metadata:
                try:
                    match stream:
                        case "unary":
                            response = await client.say(
                                pb.SayRequest(sentence=inputs[0]), **call_kw
                            )
                            result.messages.append(response.sentence)
                        case "client_stream":
                            response = await client.pontificate(
                                requests(pb.PontificateRequest), **call_kw
                            )
                            result.messages.append(response.sentence)
                            result.count = response.count
                        case "server_stream":
                            request = pb.IntroduceRequest(name=inputs[0])
                            async for response in client.introduce(request, **call_kw):
                                result.messages.append(response.sentence)
                        case "bidi":
                            async for response in client.converse(
                                requests(pb.ConverseRequest), **call_kw
                            ):
                                result.messages.append(response.sentence)
                except ConnectError as e:
                    result.error = e
                _fill_metadata(result, metadata)
    finally:
        result.elapsed_s = time.monotonic() - started
        await transport.aclose()
    return result


# ---------------------------------------------------------------------------------------
# Full-duplex bidi: the next request is produced only after the previous answer arrived.

FULL_DUPLEX_ROUNDS = 3
FULL_DUPLEX_WAIT_S = 1.0


def full_duplex(
    gen: Generated, server: Server, protocol: str, client: str
) -> tuple[list[str], Result]:
    """Runs the ping-pong exchange; returns the event log and the call's result.

    The request iterator yields message i+1 only once answer i was received, so the
    exchange completes only if the server answers each message while the request is
    still open and the transport delivers that answer while still sending. A half-duplex
    path stalls; the iterator then gives up after FULL_DUPLEX_WAIT_S (logging "gave up")
    and the RPC's own deadline bounds the whole call, so nothing hangs.
    """
    opts = _client_options(gen, protocol, {})
    timeout_ms = int((FULL_DUPLEX_WAIT_S + 2) * 1000)
    if client == "sync":
        return _full_duplex_sync(gen, server, opts, timeout_ms)
    return asyncio.run(_full_duplex_async(gen, server, opts, timeout_ms))


def _full_duplex_sync(
    gen: Generated, server: Server, opts: dict[str, Any], timeout_ms: int
) -> tuple[list[str], Result]:
    events: list[str] = []
    answered: queue.Queue[None] = queue.Queue()
    result = Result()

    def requests() -> Iterator[Any]:
        for i in range(FULL_DUPLEX_ROUNDS):
            if i > 0:
                try:
                    answered.get(timeout=FULL_DUPLEX_WAIT_S)
                except queue.Empty:
                    events.append("gave up")
                    return
            events.append(f"send m{i}")
            yield gen.pb.ConverseRequest(sentence=f"m{i}")

    transport = pyqwest.SyncHTTPTransport(
        http_version=_http_version(server), timeout=TRANSPORT_TIMEOUT_S
    )
    started = time.monotonic()
    try:
        with gen.connect.ElizaServiceClientSync(
            server.address, http_client=pyqwest.SyncClient(transport), **opts
        ) as client:
            try:
                for response in client.converse(requests(), timeout_ms=timeout_ms):
                    events.append(f"recv {response.sentence}")
                    result.messages.append(response.sentence)
                    answered.put(None)
            except ConnectError as e:
                result.error = e
                events.append(f"error {e.code.value}")
    finally:
        result.elapsed_s = time.monotonic() - started
        transport.close()
    return events, result


async def _full_duplex_async(
    gen: Generated, server: Server, opts: dict[str, Any], timeout_ms: int
) -> tuple[list[str], Result]:
    events: list[str] = []
    answered: asyncio.Queue[None] = asyncio.Queue()
    result = Result()

    async def requests() -> AsyncIterator[Any]:
        for i in range(FULL_DUPLEX_ROUNDS):
            if i > 0:
                try:
                    await asyncio.wait_for(answered.get(), FULL_DUPLEX_WAIT_S)
                except TimeoutError:
                    events.append("gave up")
                    return
            events.append(f"send m{i}")
            yield gen.pb.ConverseRequest(sentence=f"m{i}")

    transport = pyqwest.HTTPTransport(
        http_version=_http_version(server), timeout=TRANSPORT_TIMEOUT_S
    )
    started = time.monotonic()
    try:
        async with gen.connect.ElizaServiceClient(
            server.address, http_client=pyqwest.Client(transport), **opts
        ) as client:
            try:
                async for response in client.converse(requests(), timeout_ms=timeout_ms):
                    events.append(f"recv {response.sentence}")
                    result.messages.append(response.sentence)
                    answered.put_nowait(None)
            except ConnectError as e:
                result.error = e
                events.append(f"error {e.code.value}")
    finally:
        result.elapsed_s = time.monotonic() - started
        await transport.aclose()
    return events, result


def full_duplex_expected() -> list[str]:
    events = []
    for i in range(FULL_DUPLEX_ROUNDS):
        events += [f"send m{i}", f"recv {svc.converse(f'm{i}')}"]
    return events
