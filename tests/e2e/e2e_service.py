"""Deterministic Eliza implementations served by the end-to-end servers.

``AsyncEliza`` implements the generated ``ElizaService`` Protocol (served by the generated
``ElizaServiceASGIApplication``), ``SyncEliza`` implements ``ElizaServiceSync`` (served by
``ElizaServiceWSGIApplication``). They behave identically:

- answers: ``Say`` -> ``"You said: <s>"``; ``Introduce`` -> three sentences about the name;
  ``Pontificate`` -> the sentences joined by ``" | "`` and their count; ``Converse`` ->
  ``"echo: <s>"`` for each message, written as soon as it is read (so a full-duplex
  transport interleaves requests and answers).
- the input ``"fail"`` raises ``ConnectError(FAILED_PRECONDITION, "eliza cannot fail",
  details=[SayResponse(sentence="detail for fail")])``; in the streams it comes after the
  messages before it were answered, so mid-stream errors are covered.
- the input ``"slow"`` sleeps longer than the client's deadline (read from
  ``ctx.timeout_ms``; 1 s without one) before answering.
- metadata, on every call: the request header ``x-e2e-echo`` is sent back as a response
  header; ``x-e2e-service`` names the implementation that answered (its label);
  ``x-e2e-seen-method`` / ``-content-type`` / ``-encoding`` /
  ``-accept-encoding`` report what the server received (HTTP method, content type, the
  protocol's request compression header, the protocol's accept-compression header); the
  response trailer ``x-e2e-trailer`` is ``"<RPC name> done"``.

Everything shared lives here as functions of plain strings, so the tests compute the
expected answers with the same code (``expected``).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from e2e_gen import Generated

FAIL = "fail"
SLOW = "slow"
ERROR_CODE = Code.FAILED_PRECONDITION
ERROR_MESSAGE = "eliza cannot fail"
ERROR_DETAIL = "detail for fail"
ECHO_HEADER = "x-e2e-echo"
TRAILER = "x-e2e-trailer"
SEEN_METHOD = "x-e2e-seen-method"
SEEN_CONTENT_TYPE = "x-e2e-seen-content-type"
SEEN_ENCODING = "x-e2e-seen-encoding"
SEEN_ACCEPT_ENCODING = "x-e2e-seen-accept-encoding"
SERVICE = "x-e2e-service"
# Interceptors: the client's sets CLIENT_INTERCEPTOR on the request, the server's sets
# SERVER_INTERCEPTOR on the response and reports the client's in SEEN_CLIENT_INTERCEPTOR.
CLIENT_INTERCEPTOR = "x-e2e-client-interceptor"
SERVER_INTERCEPTOR = "x-e2e-server-interceptor"
SEEN_CLIENT_INTERCEPTOR = "x-e2e-seen-client-interceptor"

# The applications (e2e_apps.py): the read limit of the *_small instances, the answers
# of the framework routes beside the mounted applications.
SMALL_READ_MAX_BYTES = 64
HELLO_STARLETTE = "hello from starlette"
HELLO_FLASK = "hello from flask"

# The request compression and accept-compression headers of each protocol.
_ENCODING_HEADERS = ("grpc-encoding", "connect-content-encoding", "content-encoding")
_ACCEPT_HEADERS = ("grpc-accept-encoding", "connect-accept-encoding", "accept-encoding")


def say(sentence: str) -> str:
    return f"You said: {sentence}"


def introduce(name: str) -> list[str]:
    return [
        f"Hello {name}, I am Eliza.",
        "I am a Rogerian psychotherapist.",
        f"How are you, {name}?",
    ]


def pontificate(sentences: list[str]) -> tuple[str, int]:
    return " | ".join(sentences), len(sentences)


def converse(sentence: str) -> str:
    return f"echo: {sentence}"


def slow_seconds(ctx: Any) -> float:
    """Longer than the client's deadline, but not much: the WSGI server cannot cancel."""
    remaining = ctx.timeout_ms
    if remaining is None:
        return 1.0
    return min(max(remaining / 1000.0, 0.0) + 1.0, 2.0)


def _first_header(ctx: Any, names: tuple[str, ...]) -> str:
    for name in names:
        value = ctx.request_headers.get(name)
        if value:
            return str(value)
    return ""


def annotate(ctx: Any, label: str) -> None:
    """Sets the response headers and trailer described in the module docstring."""
    headers = ctx.response_headers
    headers[SERVICE] = label
    echo = ctx.request_headers.get(ECHO_HEADER)
    if echo is not None:
        headers[ECHO_HEADER] = echo
    headers[SEEN_METHOD] = ctx.http_method
    headers[SEEN_CONTENT_TYPE] = ctx.request_headers.get("content-type", "")
    headers[SEEN_ENCODING] = _first_header(ctx, _ENCODING_HEADERS) or "identity"
    headers[SEEN_ACCEPT_ENCODING] = _first_header(ctx, _ACCEPT_HEADERS)
    ctx.response_trailers[TRAILER] = f"{ctx.method.name} done"


class _Base:
    def __init__(self, gen: Generated, label: str) -> None:
        self._gen = gen
        self._pb = gen.pb
        self._label = label

    def _error(self) -> ConnectError:
        detail = self._gen.error_detail(self._pb.SayResponse(sentence=ERROR_DETAIL))
        return ConnectError(ERROR_CODE, ERROR_MESSAGE, details=[detail])


class AsyncEliza(_Base):
    """Implements the generated ``ElizaService`` Protocol."""

    async def say(self, request: Any, ctx: Any, /) -> Any:
        annotate(ctx, self._label)
        await self._check(request.sentence, ctx)
        return self._pb.SayResponse(sentence=say(request.sentence))

    async def converse(self, request: AsyncIterator[Any], ctx: Any, /) -> AsyncIterator[Any]:
        annotate(ctx, self._label)
        async for message in request:
            await self._check(message.sentence, ctx)
            yield self._pb.ConverseResponse(sentence=converse(message.sentence))

    async def introduce(self, request: Any, ctx: Any, /) -> AsyncIterator[Any]:
        annotate(ctx, self._label)
        for i, sentence in enumerate(introduce(request.name)):
            if i == 1:
                await self._check(request.name, ctx)
            yield self._pb.IntroduceResponse(sentence=sentence)

    async def pontificate(self, request: AsyncIterator[Any], ctx: Any, /) -> Any:
        annotate(ctx, self._label)
        sentences = []
        async for message in request:
            await self._check(message.sentence, ctx)
            sentences.append(message.sentence)
        sentence, count = pontificate(sentences)
        return self._pb.PontificateResponse(sentence=sentence, count=count)

    async def _check(self, sentence: str, ctx: Any) -> None:
        if sentence == FAIL:
            raise self._error()
        if sentence == SLOW:
            await asyncio.sleep(slow_seconds(ctx))


class SyncEliza(_Base):
    """Implements the generated ``ElizaServiceSync`` Protocol."""

    def say(self, request: Any, ctx: Any, /) -> Any:
        annotate(ctx, self._label)
        self._check(request.sentence, ctx)
        return self._pb.SayResponse(sentence=say(request.sentence))

    def converse(self, request: Iterator[Any], ctx: Any, /) -> Iterator[Any]:
        annotate(ctx, self._label)
        for message in request:
            self._check(message.sentence, ctx)
            yield self._pb.ConverseResponse(sentence=converse(message.sentence))

    def introduce(self, request: Any, ctx: Any, /) -> Iterator[Any]:
        annotate(ctx, self._label)
        for i, sentence in enumerate(introduce(request.name)):
            if i == 1:
                self._check(request.name, ctx)
            yield self._pb.IntroduceResponse(sentence=sentence)

    def pontificate(self, request: Iterator[Any], ctx: Any, /) -> Any:
        annotate(ctx, self._label)
        sentences = []
        for message in request:
            self._check(message.sentence, ctx)
            sentences.append(message.sentence)
        sentence, count = pontificate(sentences)
        return self._pb.PontificateResponse(sentence=sentence, count=count)

    def _check(self, sentence: str, ctx: Any) -> None:
        if sentence == FAIL:
            raise self._error()
        if sentence == SLOW:
            time.sleep(slow_seconds(ctx))


def _tag_response(ctx: Any, tag: str) -> None:
    ctx.response_headers[SERVER_INTERCEPTOR] = tag
    seen = ctx.request_headers.get(CLIENT_INTERCEPTOR)
    if seen is not None:
        ctx.response_headers[SEEN_CLIENT_INTERCEPTOR] = seen


class ServerTagInterceptor:
    """An asyncio metadata interceptor (connectrpc.interceptor.MetadataInterceptor)."""

    async def on_start(self, ctx: Any) -> None:
        _tag_response(ctx, "asgi")

    async def on_end(self, token: None, ctx: Any, error: Exception | None) -> None:
        pass


class ServerTagInterceptorSync:
    """A threaded metadata interceptor (connectrpc.interceptor.MetadataInterceptorSync)."""

    def on_start_sync(self, ctx: Any) -> None:
        _tag_response(ctx, "wsgi")

    def on_end_sync(self, token: None, ctx: Any, error: Exception | None) -> None:
        pass
