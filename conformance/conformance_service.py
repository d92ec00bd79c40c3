"""The ConformanceService behind the server under test, and the applications serving it.

`AsyncConformanceService` implements the generated `ConformanceService` Protocol and is
served by the generated `ConformanceServiceASGIApplication` (`asgi_app`);
`SyncConformanceService` implements `ConformanceServiceSync` and is served by the
generated `ConformanceServiceWSGIApplication` (`wsgi_app`). The servers (pyvoy, uvicorn,
gunicorn) import `conformance_service:asgi_app` / `conformance_service:wsgi_app`.

`Unimplemented` is deliberately not implemented: the Protocols' generated default body
answers `unimplemented`, which is what the suite expects.

The behaviour follows the suite's docs (docs/testing_servers.md in the conformance module)
and its reference server: echo the request (headers, timeout, messages as Any) in the first
payload or, when an error comes first, as an error detail; set the requested headers and
trailers; sleep the requested delays. The messages are those of the generated tree's
flavor (conformance_common.py, conformance_flavor.py).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING, Any

from connectrpc.server import DEFAULT_READ_MAX_BYTES

from conformance_common import COMPRESSIONS, FLAVOR, add_headers, error_from_proto, service
from connectrpc.conformance.v1.service_connect import (
    ConformanceService,
    ConformanceServiceASGIApplication,
    ConformanceServiceSync,
    ConformanceServiceWSGIApplication,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from connectrpc.request import RequestContext

# The messages of the tree's flavor; typed Any, as their classes depend on it.
Message = Any
BidiStreamRequest = service.BidiStreamRequest
BidiStreamResponse = service.BidiStreamResponse
ClientStreamRequest = service.ClientStreamRequest
ClientStreamResponse = service.ClientStreamResponse
ConformancePayload = service.ConformancePayload
Header = service.Header
IdempotentUnaryRequest = service.IdempotentUnaryRequest
IdempotentUnaryResponse = service.IdempotentUnaryResponse
ServerStreamRequest = service.ServerStreamRequest
ServerStreamResponse = service.ServerStreamResponse
StreamResponseDefinition = service.StreamResponseDefinition
UnaryRequest = service.UnaryRequest
UnaryResponse = service.UnaryResponse
UnaryResponseDefinition = service.UnaryResponseDefinition
RequestInfo = ConformancePayload.RequestInfo


def _request_info(ctx: RequestContext, requests: list[Message]) -> RequestInfo:
    grouped: dict[str, list[str]] = {}
    for name, value in ctx.request_headers.allitems():
        grouped.setdefault(name.lower(), []).append(value)
    timeout_ms = ctx.timeout_ms
    return RequestInfo(
        request_headers=[Header(name=n, value=v) for n, v in grouped.items()],
        requests=requests,
        timeout_ms=round(timeout_ms) if timeout_ms is not None else None,
        # The runtime does not expose the query string to handlers; the suite accepts
        # an empty ConnectGetInfo as "this was a GET".
        connect_get_info=ConformancePayload.ConnectGetInfo() if ctx.http_method == "GET" else None,
    )


def _definition(request: Message) -> Message | None:
    """The request's UnaryResponseDefinition / StreamResponseDefinition, if it has one."""
    return request.response_definition if FLAVOR.has(request, "response_definition") else None


def _unary_payload(
    definition: UnaryResponseDefinition | None, ctx: RequestContext, requests: list[Message]
) -> ConformancePayload:
    """The payload of a unary / client-stream answer; raises the requested error."""
    info = _request_info(ctx, requests)
    if definition is None:
        return ConformancePayload(request_info=info)
    add_headers(ctx.response_headers, definition.response_headers)
    add_headers(ctx.response_trailers, definition.response_trailers)
    response, value = FLAVOR.which_oneof(definition, "response")
    if response == "error":
        raise error_from_proto(value, [info])
    return ConformancePayload(
        request_info=info, data=value if response == "response_data" else None
    )


def _stream_error(
    definition: StreamResponseDefinition, ctx: RequestContext, requests: list[Message], sent: int
) -> Exception:
    # Before any response, the request info travels as an error detail.
    extra = [_request_info(ctx, requests)] if sent == 0 else []
    return error_from_proto(definition.error, extra)


class _BidiState:
    """What a bidi handler has seen so far (shared by the async and sync versions)."""

    def __init__(self) -> None:
        self.first = True
        self.full_duplex = False
        self.definition: StreamResponseDefinition | None = None
        self.requests: list[Message] = []
        self.sent = 0

    def receive(self, request: BidiStreamRequest, ctx: RequestContext) -> None:
        self.requests.append(FLAVOR.pack(request))
        if self.first:
            self.first = False
            self.full_duplex = request.full_duplex
            self.definition = _definition(request)
            if self.definition is not None:
                add_headers(ctx.response_headers, self.definition.response_headers)
                add_headers(ctx.response_trailers, self.definition.response_trailers)

    @property
    def data(self) -> list[bytes]:
        return list(self.definition.response_data) if self.definition is not None else []

    @property
    def delay_s(self) -> float:
        return self.definition.response_delay_ms / 1000 if self.definition is not None else 0.0

    def full_duplex_response(self, ctx: RequestContext) -> BidiStreamResponse | None:
        """The answer to the request just received, or None once the data ran out."""
        if self.sent >= len(self.data):
            return None
        if self.sent == 0:
            info = _request_info(ctx, self.requests)
        else:
            # Later responses echo only the requests received since the previous one.
            info = RequestInfo(requests=self.requests)
        response = BidiStreamResponse(
            payload=ConformancePayload(data=self.data[self.sent], request_info=info)
        )
        self.requests = []
        return response

    def remaining_response(self, ctx: RequestContext) -> BidiStreamResponse:
        info = _request_info(ctx, self.requests) if self.sent == 0 else None
        return BidiStreamResponse(
            payload=ConformancePayload(data=self.data[self.sent], request_info=info)
        )

    def error(self, ctx: RequestContext) -> Exception | None:
        if self.definition is None or not FLAVOR.has(self.definition, "error"):
            return None
        return _stream_error(self.definition, ctx, self.requests, self.sent)


class AsyncConformanceService(ConformanceService):
    """The asyncio implementation of the generated Protocol."""

    async def unary(
        self, request: UnaryRequest, ctx: RequestContext[UnaryRequest, UnaryResponse], /
    ) -> UnaryResponse:
        definition = _definition(request)
        payload = _unary_payload(definition, ctx, [FLAVOR.pack(request)])
        if definition is not None:
            await asyncio.sleep(definition.response_delay_ms / 1000)
        return UnaryResponse(payload=payload)

    async def idempotent_unary(
        self,
        request: IdempotentUnaryRequest,
        ctx: RequestContext[IdempotentUnaryRequest, IdempotentUnaryResponse],
        /,
    ) -> IdempotentUnaryResponse:
        definition = _definition(request)
        payload = _unary_payload(definition, ctx, [FLAVOR.pack(request)])
        if definition is not None:
            await asyncio.sleep(definition.response_delay_ms / 1000)
        return IdempotentUnaryResponse(payload=payload)

    async def client_stream(
        self,
        request: AsyncIterator[ClientStreamRequest],
        ctx: RequestContext[ClientStreamRequest, ClientStreamResponse],
        /,
    ) -> ClientStreamResponse:
        definition: UnaryResponseDefinition | None = None
        requests: list[Message] = []
        async for message in request:
            if not requests:
                definition = _definition(message)
            requests.append(FLAVOR.pack(message))
        payload = _unary_payload(definition, ctx, requests)
        if definition is not None:
            await asyncio.sleep(definition.response_delay_ms / 1000)
        return ClientStreamResponse(payload=payload)

    async def server_stream(
        self,
        request: ServerStreamRequest,
        ctx: RequestContext[ServerStreamRequest, ServerStreamResponse],
        /,
    ) -> AsyncIterator[ServerStreamResponse]:
        definition = _definition(request)
        if definition is None:
            return
        requests = [FLAVOR.pack(request)]
        add_headers(ctx.response_headers, definition.response_headers)
        add_headers(ctx.response_trailers, definition.response_trailers)
        sent = 0
        for data in definition.response_data:
            info = _request_info(ctx, requests) if sent == 0 else None
            payload = ConformancePayload(data=data, request_info=info)
            await asyncio.sleep(definition.response_delay_ms / 1000)
            yield ServerStreamResponse(payload=payload)
            sent += 1
        if FLAVOR.has(definition, "error"):
            raise _stream_error(definition, ctx, requests, sent)

    async def bidi_stream(
        self,
        request: AsyncIterator[BidiStreamRequest],
        ctx: RequestContext[BidiStreamRequest, BidiStreamResponse],
        /,
    ) -> AsyncIterator[BidiStreamResponse]:
        state = _BidiState()
        async for message in request:
            state.receive(message, ctx)
            if state.full_duplex:
                response = state.full_duplex_response(ctx)
                if response is None:
                    break
                await asyncio.sleep(state.delay_s)
                yield response
                state.sent += 1
        while state.sent < len(state.data):
            response = state.remaining_response(ctx)
            await asyncio.sleep(state.delay_s)
            yield response
            state.sent += 1
        if (error := state.error(ctx)) is not None:
            raise error


class SyncConformanceService(ConformanceServiceSync):
    """The threaded implementation of the generated Protocol."""

    def unary(
        self, request: UnaryRequest, ctx: RequestContext[UnaryRequest, UnaryResponse], /
    ) -> UnaryResponse:
        definition = _definition(request)
        payload = _unary_payload(definition, ctx, [FLAVOR.pack(request)])
        if definition is not None:
            time.sleep(definition.response_delay_ms / 1000)
        return UnaryResponse(payload=payload)

    def idempotent_unary(
        self,
        request: IdempotentUnaryRequest,
        ctx: RequestContext[IdempotentUnaryRequest, IdempotentUnaryResponse],
        /,
    ) -> IdempotentUnaryResponse:
        definition = _definition(request)
        payload = _unary_payload(definition, ctx, [FLAVOR.pack(request)])
        if definition is not None:
            time.sleep(definition.response_delay_ms / 1000)
        return IdempotentUnaryResponse(payload=payload)

    def client_stream(
        self,
        request: Iterator[ClientStreamRequest],
        ctx: RequestContext[ClientStreamRequest, ClientStreamResponse],
        /,
    ) -> ClientStreamResponse:
        definition: UnaryResponseDefinition | None = None
        requests: list[Message] = []
        for message in request:
            if not requests:
                definition = _definition(message)
            requests.append(FLAVOR.pack(message))
        payload = _unary_payload(definition, ctx, requests)
        if definition is not None:
            time.sleep(definition.response_delay_ms / 1000)
        return ClientStreamResponse(payload=payload)

    def server_stream(
        self,
        request: ServerStreamRequest,
        ctx: RequestContext[ServerStreamRequest, ServerStreamResponse],
        /,
    ) -> Iterator[ServerStreamResponse]:
        definition = _definition(request)
        if definition is None:
            return
        requests = [FLAVOR.pack(request)]
        add_headers(ctx.response_headers, definition.response_headers)
        add_headers(ctx.response_trailers, definition.response_trailers)
        sent = 0
        for data in definition.response_data:
            info = _request_info(ctx, requests) if sent == 0 else None
            payload = ConformancePayload(data=data, request_info=info)
            time.sleep(definition.response_delay_ms / 1000)
            yield ServerStreamResponse(payload=payload)
            sent += 1
        if FLAVOR.has(definition, "error"):
            raise _stream_error(definition, ctx, requests, sent)

    def bidi_stream(
        self,
        request: Iterator[BidiStreamRequest],
        ctx: RequestContext[BidiStreamRequest, BidiStreamResponse],
        /,
    ) -> Iterator[BidiStreamResponse]:
        state = _BidiState()
        for message in request:
            state.receive(message, ctx)
            if state.full_duplex:
                response = state.full_duplex_response(ctx)
                if response is None:
                    break
                time.sleep(state.delay_s)
                yield response
                state.sent += 1
        while state.sent < len(state.data):
            response = state.remaining_response(ctx)
            time.sleep(state.delay_s)
            yield response
            state.sent += 1
        if (error := state.error(ctx)) is not None:
            raise error


# The runner always sends a message receive limit; scripts/conformance's server launcher
# passes it on in this variable.
READ_MAX_BYTES = int(os.environ.get("CONFORMANCE_READ_MAX_BYTES") or DEFAULT_READ_MAX_BYTES)

# The generated default codecs where the flavor allows (conformance_flavor.py).
_CODECS = FLAVOR.app_codecs()
_OPTIONS: dict[str, Any] = {} if _CODECS is None else {"codecs": _CODECS}

asgi_app = ConformanceServiceASGIApplication(
    AsyncConformanceService(),
    read_max_bytes=READ_MAX_BYTES,
    compressions=list(COMPRESSIONS.values()),
    **_OPTIONS,
)
wsgi_app = ConformanceServiceWSGIApplication(
    SyncConformanceService(),
    read_max_bytes=READ_MAX_BYTES,
    compressions=list(COMPRESSIONS.values()),
    **_OPTIONS,
)
