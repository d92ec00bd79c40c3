"""A threaded Eliza server, as a user writes it.

``ElizaSync`` implements ``ElizaServiceSync`` structurally (no subclassing) and is
served by the generated WSGI application.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaServiceSync, ElizaServiceWSGIApplication
from eliza.v1.eliza_pb2 import (
    ConverseRequest,
    ConverseResponse,
    IntroduceRequest,
    IntroduceResponse,
    PontificateRequest,
    PontificateResponse,
    SayRequest,
    SayResponse,
)


def reply(sentence: str) -> str:
    return f"Why do you say: {sentence}?"


class Timing:
    """A metadata interceptor that logs how long each RPC took."""

    def on_start_sync(self, ctx: RequestContext[Any, Any], /) -> float:
        return time.monotonic()

    def on_end_sync(
        self,
        token: float,
        ctx: RequestContext[Any, Any],
        error: Exception | None,
        /,
    ) -> None:
        elapsed = time.monotonic() - token
        logging.getLogger(__name__).info("%s took %.3fs", ctx.method.name, elapsed)


class ElizaSync:
    """One method per stream kind."""

    # Unary.
    def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse]
    ) -> SayResponse:
        if not request.sentence:
            raise ConnectError(Code.INVALID_ARGUMENT, "say something")
        ctx.response_headers["x-eliza-method"] = ctx.method.name
        return SayResponse(sentence=reply(request.sentence))

    # Bidirectional streaming: a generator over the request stream.
    def converse(
        self,
        request: Iterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
    ) -> Iterator[ConverseResponse]:
        for message in request:
            yield ConverseResponse(sentence=reply(message.sentence))

    # Server streaming.
    def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
    ) -> Iterator[IntroduceResponse]:
        name = request.name or "stranger"
        for sentence in (f"Hello {name}.", "I am Eliza.", "How are you feeling?"):
            yield IntroduceResponse(sentence=sentence)

    # Client streaming.
    def pontificate(
        self,
        request: Iterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
    ) -> PontificateResponse:
        sentences = [message.sentence for message in request]
        return PontificateResponse(sentence=" ".join(sentences), count=len(sentences))


app = ElizaServiceWSGIApplication(ElizaSync(), interceptors=[Timing()])
mount_path: str = app.path

# The Protocol is usable as an annotation for any implementation.
service: ElizaServiceSync = ElizaSync()
