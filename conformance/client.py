"""The conformance client under test: the generated clients against the reference servers.

Run by `connectconformance --mode client` (see scripts/conformance):

    client.py --mode async   # the generated ConformanceServiceClient (asyncio)
    client.py --mode sync    # the generated ConformanceServiceClientSync (threads)

Reads size-delimited `ClientCompatRequest`s from stdin until EOF, makes each call with the
generated client over a pyqwest transport of the requested HTTP version (HTTP/2 with prior
knowledge for cleartext HTTP/2, TLS with the runner's certificates when it sends them),
and writes one `ClientCompatResponse` per request to stdout, in completion order. Calls
run concurrently (`--parallel`, default 64): asyncio tasks in async mode, threads in sync
mode.

The client options a test asks for are passed to the generated constructor only where
they differ from its generated defaults (binary protobuf codec, gzip requests), so the
defaults are exercised too. The messages are those of the generated tree's flavor
(conformance_common.py, conformance_flavor.py).

Cancellation follows docs/testing_clients.md of the conformance module: the call runs in
its own task, which is cancelled after the send side closes (plus a delay), instead of
closing it, or after N responses. The sync client has no way to cancel a call (see
README.md, "Known failures").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pyqwest
from connectrpc.client import ResponseMetadata
from connectrpc.errors import ConnectError
from connectrpc.protocol import ProtocolType
from connectrpc.request import Headers

from conformance_common import (
    CODEC,
    COMPRESSION,
    COMPRESSIONS,
    FLAVOR,
    HTTP_VERSION,
    PROTOCOL,
    STREAM_TYPE,
    add_headers,
    client_compat,
    error_to_proto,
    headers_to_proto,
    read_delimited,
    service,
    write_delimited,
)
from connectrpc.conformance.v1.service_connect import (
    ConformanceServiceClient,
    ConformanceServiceClientSync,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

# A message of the tree's flavor.
Message = Any
ClientCompatRequest = client_compat.ClientCompatRequest
ClientCompatResponse = client_compat.ClientCompatResponse
ClientResponseResult = client_compat.ClientResponseResult
ConformancePayload = service.ConformancePayload

PROTOCOLS = {
    PROTOCOL.PROTOCOL_CONNECT: ProtocolType.CONNECT,
    PROTOCOL.PROTOCOL_GRPC: ProtocolType.GRPC,
    PROTOCOL.PROTOCOL_GRPC_WEB: ProtocolType.GRPC_WEB,
}
REQUEST_TYPES: dict[str, type[Message]] = {
    "Unary": service.UnaryRequest,
    "IdempotentUnary": service.IdempotentUnaryRequest,
    "Unimplemented": service.UnimplementedRequest,
    "ServerStream": service.ServerStreamRequest,
    "ClientStream": service.ClientStreamRequest,
    "BidiStream": service.BidiStreamRequest,
}
FULL_DUPLEX = STREAM_TYPE.STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM
SERVICE = "connectrpc.conformance.v1.ConformanceService"


class UnsupportedError(Exception):
    """The request asks for something this client cannot set up (a ClientErrorResult)."""


# ---------------------------------------------------------------------------
# What the generated constructors are given, and the call's result.


def _client_options(req: ClientCompatRequest) -> dict[str, Any]:
    """Keyword arguments for the generated constructors; generated defaults left alone."""
    if req.protocol not in PROTOCOLS:
        msg = f"unsupported protocol {PROTOCOL.name(req.protocol)}"
        raise UnsupportedError(msg)
    options: dict[str, Any] = {
        "protocol": PROTOCOLS[req.protocol],
        "accept_compression": list(COMPRESSIONS.values()),
    }
    if req.codec == CODEC.CODEC_JSON:
        options["codec"] = FLAVOR.json_codec()
    elif req.codec != CODEC.CODEC_PROTO:
        msg = f"unsupported codec {CODEC.name(req.codec)}"
        raise UnsupportedError(msg)
    if req.compression == COMPRESSION.COMPRESSION_IDENTITY:
        options["send_compression"] = None
    elif req.compression != COMPRESSION.COMPRESSION_GZIP:  # gzip: the generated default
        if req.compression not in COMPRESSIONS:
            msg = f"unsupported compression {COMPRESSION.name(req.compression)}"
            raise UnsupportedError(msg)
        options["send_compression"] = COMPRESSIONS[req.compression]
    if req.message_receive_limit:
        options["read_max_bytes"] = req.message_receive_limit
    return options


def _address(req: ClientCompatRequest) -> str:
    scheme = "https" if req.server_tls_cert else "http"
    return f"{scheme}://{req.host}:{req.port}"


def _transport_options(req: ClientCompatRequest) -> dict[str, Any]:
    if req.http_version == HTTP_VERSION.HTTP_VERSION_1:
        version = pyqwest.HTTPVersion.HTTP1
    elif req.http_version == HTTP_VERSION.HTTP_VERSION_2:
        version = pyqwest.HTTPVersion.HTTP2
    else:
        msg = f"unsupported HTTP version {HTTP_VERSION.name(req.http_version)}"
        raise UnsupportedError(msg)
    options: dict[str, Any] = {"http_version": version}
    if req.server_tls_cert:
        options["tls_ca_cert"] = req.server_tls_cert
        if FLAVOR.has(req, "client_tls_creds"):
            options["tls_cert"] = req.client_tls_creds.cert
            options["tls_key"] = req.client_tls_creds.key
    return options


def _transport_key(req: ClientCompatRequest) -> tuple[object, ...]:
    creds = req.client_tls_creds if FLAVOR.has(req, "client_tls_creds") else None
    return (
        req.http_version,
        req.server_tls_cert,
        creds.cert if creds else b"",
        creds.key if creds else b"",
    )


def _request_messages(req: ClientCompatRequest) -> list[Message]:
    message_type = REQUEST_TYPES[req.method]
    messages = []
    for packed in req.request_messages:
        message = FLAVOR.unpack(packed, message_type)
        if message is None:
            msg = f"request message of type {packed.type_url}, expected {message_type.__name__}"
            raise UnsupportedError(msg)
        messages.append(message)
    return messages


def _check(req: ClientCompatRequest) -> None:
    if FLAVOR.has(req, "service") and req.service != SERVICE:
        msg = f"unknown service {req.service}"
        raise UnsupportedError(msg)
    if req.method not in REQUEST_TYPES:
        msg = f"unknown method {req.method}"
        raise UnsupportedError(msg)
    if FLAVOR.has(req, "raw_request"):
        msg = "raw_request is for the reference client only"
        raise UnsupportedError(msg)


def _timeout(req: ClientCompatRequest) -> int | None:
    return req.timeout_ms if FLAVOR.has(req, "timeout_ms") else None


def _cancel_timing(req: ClientCompatRequest) -> tuple[str | None, int]:
    """("before_close_send" | "after_close_send_ms" | "after_num_responses" | None, value)."""
    if not FLAVOR.has(req, "cancel"):
        return None, 0
    timing, value = FLAVOR.which_oneof(req.cancel, "cancel_timing")
    match timing:
        case "before_close_send":
            return timing, 0
        case "after_num_responses" | "after_close_send_ms":
            return timing, value
        case _:  # no timing: cancel right after closing the send side
            return "after_close_send_ms", 0


def _finish(
    req: ClientCompatRequest,
    payloads: list[Message],
    meta: ResponseMetadata,
    error: ConnectError | None,
) -> ClientCompatResponse:
    result = ClientResponseResult(
        payloads=payloads,
        error=error_to_proto(error) if error is not None else None,
        response_headers=headers_to_proto(meta.headers),
        response_trailers=headers_to_proto(meta.trailers),
    )
    return ClientCompatResponse(
        test_name=req.test_name, **FLAVOR.oneof("result", "response", result)
    )


def _failure(req: ClientCompatRequest, error: BaseException) -> ClientCompatResponse:
    result = client_compat.ClientErrorResult(message=f"{type(error).__name__}: {error}")
    return ClientCompatResponse(test_name=req.test_name, **FLAVOR.oneof("result", "error", result))


def _payload(response: Message) -> Message:
    # An answer without a payload: google.protobuf reads an empty message, protobuf-py None.
    return response.payload or ConformancePayload()


# ---------------------------------------------------------------------------
# async mode: ConformanceServiceClient


class AsyncRunner:
    def __init__(self) -> None:
        self._http: dict[tuple[object, ...], pyqwest.Client] = {}

    def _http_client(self, req: ClientCompatRequest) -> pyqwest.Client:
        key = _transport_key(req)
        if key not in self._http:
            transport = pyqwest.HTTPTransport(**_transport_options(req))
            self._http[key] = pyqwest.Client(transport)
        return self._http[key]

    async def run(self, req: ClientCompatRequest) -> ClientCompatResponse:
        try:
            _check(req)
            messages = _request_messages(req)
            client = ConformanceServiceClient(
                _address(req), http_client=self._http_client(req), **_client_options(req)
            )
        except UnsupportedError as e:
            return _failure(req, e)
        headers = Headers()
        add_headers(headers, req.request_headers)
        payloads: list[Message] = []
        with ResponseMetadata() as meta:
            error = await self._call(client, req, messages, headers, payloads)
        return _finish(req, payloads, meta, error)

    async def _call(
        self,
        client: ConformanceServiceClient,
        req: ClientCompatRequest,
        messages: list[Message],
        headers: Headers,
        payloads: list[Message],
    ) -> ConnectError | None:
        call = _AsyncCall(client, req, messages, headers, payloads)
        task = asyncio.create_task(call.invoke())
        if call.timing == "before_close_send":
            await _first(task, call.sent_all.wait())
            task.cancel()
        elif call.timing == "after_close_send_ms":
            await _first(task, call.closed.wait())
            await _first(task, asyncio.sleep(call.timing_value / 1000))
            task.cancel()
        try:
            await task
        except ConnectError as e:
            return e
        except asyncio.CancelledError:
            if _current_task_cancelling():
                raise
            # Not converted by the runtime: a cancellation that reached our own code.
            msg = "the call ended with asyncio.CancelledError, not ConnectError(CANCELED)"
            raise RuntimeError(msg) from None
        return None


class _AsyncCall:
    """One call through the generated asyncio client, with the requested cancellation."""

    def __init__(
        self,
        client: ConformanceServiceClient,
        req: ClientCompatRequest,
        messages: list[Message],
        headers: Headers,
        payloads: list[Message],
    ) -> None:
        self.client = client
        self.req = req
        self.messages = messages
        self.headers = headers
        self.payloads = payloads
        self.timing, self.timing_value = _cancel_timing(req)
        self.delay = req.request_delay_ms / 1000
        self.timeout_ms = _timeout(req)
        # Set when the send side is closed; sent_all instead, with the stream left open,
        # when the call is to be cancelled rather than closing it.
        self.closed = asyncio.Event()
        self.sent_all = asyncio.Event()

    async def request_stream(
        self, source: list[Message] | asyncio.Queue[Message | None]
    ) -> AsyncIterator[Any]:
        if isinstance(source, list):
            for message in source:
                if self.delay:
                    await asyncio.sleep(self.delay)
                yield message
        else:
            while (message := await source.get()) is not None:
                yield message
        if self.timing == "before_close_send":
            self.sent_all.set()
            await asyncio.Future()  # stays open until the call is cancelled
        self.closed.set()

    def received(self, response: Message) -> None:
        self.payloads.append(_payload(response))
        if self.timing == "after_num_responses" and len(self.payloads) == self.timing_value:
            # Cancels this task (the call's), at the runtime's next suspension.
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

    async def invoke(self) -> None:
        client, req, first = self.client, self.req, self.messages[0] if self.messages else None
        options: dict[str, Any] = {"headers": self.headers, "timeout_ms": self.timeout_ms}
        match req.method:
            case "Unary":
                self.closed.set()
                self.received(await client.unary(first, **options))
            case "IdempotentUnary":
                self.closed.set()
                res = await client.idempotent_unary(
                    first, use_get=req.use_get_http_method, **options
                )
                self.received(res)
            case "Unimplemented":
                self.closed.set()
                await client.unimplemented(first, **options)
            case "ClientStream":
                res = await client.client_stream(self.request_stream(self.messages), **options)
                self.received(res)
            case "ServerStream":
                self.closed.set()
                async for res in client.server_stream(first, **options):
                    self.received(res)
            case "BidiStream" if req.stream_type == FULL_DUPLEX:
                await self.full_duplex(options)
            case "BidiStream":
                async for res in client.bidi_stream(self.request_stream(self.messages), **options):
                    self.received(res)

    async def full_duplex(self, options: dict[str, Any]) -> None:
        """Send one message, read one answer, and so on (docs/testing_clients.md)."""
        queue: asyncio.Queue[Message | None] = asyncio.Queue()
        responses = aiter(self.client.bidi_stream(self.request_stream(queue), **options))
        for message in self.messages:
            if self.delay:
                await asyncio.sleep(self.delay)
            queue.put_nowait(message)
            try:
                res = await anext(responses)
            except StopAsyncIteration:
                queue.put_nowait(None)
                return
            self.received(res)
        queue.put_nowait(None)
        async for res in responses:
            self.received(res)


async def _first(task: asyncio.Task[None], awaitable: Any) -> None:
    """Wait for the awaitable or the task's end, whichever is first."""
    other = asyncio.ensure_future(awaitable)
    try:
        await asyncio.wait({task, other}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        other.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await other


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def main_async(parallel: int) -> None:
    runner = AsyncRunner()
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    limit = asyncio.Semaphore(parallel)
    pending: set[asyncio.Task[None]] = set()

    async def one(req: ClientCompatRequest) -> None:
        try:
            try:
                response = await runner.run(req)
            except Exception as e:  # reported to the runner, not raised
                response = _failure(req, e)
            write_delimited(stdout, response)
        finally:
            limit.release()

    while (req := await asyncio.to_thread(read_delimited, stdin, ClientCompatRequest)) is not None:
        await limit.acquire()
        task = asyncio.create_task(one(req))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending)


# ---------------------------------------------------------------------------
# sync mode: ConformanceServiceClientSync


class SyncRunner:
    def __init__(self) -> None:
        self._http: dict[tuple[object, ...], pyqwest.SyncClient] = {}
        self._lock = threading.Lock()

    def _http_client(self, req: ClientCompatRequest) -> pyqwest.SyncClient:
        key = _transport_key(req)
        with self._lock:
            if key not in self._http:
                transport = pyqwest.SyncHTTPTransport(**_transport_options(req))
                self._http[key] = pyqwest.SyncClient(transport)
            return self._http[key]

    def run(self, req: ClientCompatRequest) -> ClientCompatResponse:
        try:
            _check(req)
            messages = _request_messages(req)
            client = ConformanceServiceClientSync(
                _address(req), http_client=self._http_client(req), **_client_options(req)
            )
        except UnsupportedError as e:
            return _failure(req, e)
        headers = Headers()
        add_headers(headers, req.request_headers)
        payloads: list[Message] = []
        error: ConnectError | None = None
        with ResponseMetadata() as meta:
            try:
                self._call(client, req, messages, headers, payloads)
            except ConnectError as e:
                error = e
        return _finish(req, payloads, meta, error)

    def _call(
        self,
        client: ConformanceServiceClientSync,
        req: ClientCompatRequest,
        messages: list[Message],
        headers: Headers,
        payloads: list[Message],
    ) -> None:
        # ConnectClientSync has no cancellation: a call cannot be interrupted from another
        # thread, and closing a response iterator ends it silently rather than with
        # CANCELED. So `cancel` is not acted on; the "Client Cancellation" cases are known
        # failures of the sync client (README.md).
        delay = req.request_delay_ms / 1000
        timeout_ms = _timeout(req)

        def request_stream() -> Iterator[Any]:
            for message in messages:
                if delay:
                    time.sleep(delay)
                yield message

        match req.method:
            case "Unary":
                res: Any = client.unary(messages[0], headers=headers, timeout_ms=timeout_ms)
                payloads.append(_payload(res))
            case "IdempotentUnary":
                res = client.idempotent_unary(
                    messages[0],
                    headers=headers,
                    timeout_ms=timeout_ms,
                    use_get=req.use_get_http_method,
                )
                payloads.append(_payload(res))
            case "Unimplemented":
                client.unimplemented(messages[0], headers=headers, timeout_ms=timeout_ms)
            case "ClientStream":
                res = client.client_stream(request_stream(), headers=headers, timeout_ms=timeout_ms)
                payloads.append(_payload(res))
            case "ServerStream":
                for res in client.server_stream(
                    messages[0], headers=headers, timeout_ms=timeout_ms
                ):
                    payloads.append(_payload(res))
            case "BidiStream" if req.stream_type != FULL_DUPLEX:
                for res in client.bidi_stream(
                    request_stream(), headers=headers, timeout_ms=timeout_ms
                ):
                    payloads.append(_payload(res))
            case "BidiStream":
                self._full_duplex(client, messages, delay, headers, timeout_ms, payloads)

    @staticmethod
    def _full_duplex(
        client: ConformanceServiceClientSync,
        messages: list[Message],
        delay: float,
        headers: Headers,
        timeout_ms: int | None,
        payloads: list[Message],
    ) -> None:
        """Send one message, read one answer, and so on: the request iterator blocks on a
        queue that this thread fills only after reading the previous answer."""
        import queue

        outbox: queue.Queue[Message | None] = queue.Queue()

        def request_stream() -> Iterator[Any]:
            while (message := outbox.get()) is not None:
                yield message

        responses = iter(
            client.bidi_stream(request_stream(), headers=headers, timeout_ms=timeout_ms)
        )
        ended = False
        try:
            for message in messages:
                if delay:
                    time.sleep(delay)
                outbox.put(message)
                try:
                    res = next(responses)
                except StopIteration:
                    ended = True
                    break
                payloads.append(_payload(res))
            outbox.put(None)
            if not ended:
                for res in responses:
                    payloads.append(_payload(res))
        finally:
            outbox.put(None)


def main_sync(parallel: int) -> None:
    runner = SyncRunner()
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    write_lock = threading.Lock()
    limit = threading.BoundedSemaphore(parallel)

    def one(req: ClientCompatRequest) -> None:
        try:
            try:
                response = runner.run(req)
            except Exception as e:  # reported to the runner, not raised
                response = _failure(req, e)
            with write_lock:
                write_delimited(stdout, response)
        finally:
            limit.release()

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        while (req := read_delimited(stdin, ClientCompatRequest)) is not None:
            limit.acquire()
            pool.submit(one, req)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["async", "sync"], required=True)
    parser.add_argument("--parallel", type=int, default=64, help="calls in flight at once")
    args = parser.parse_args()
    if args.mode == "async":
        asyncio.run(main_async(args.parallel))
    else:
        main_sync(args.parallel)


if __name__ == "__main__":
    main()
