"""An asyncio Eliza server, as a user writes it.

``Eliza`` implements ``ElizaService`` structurally (it does not subclass the generated
Protocol) and is served by the generated ASGI application, directly and through an
ASGI lifespan factory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaService, ElizaServiceASGIApplication
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

    async def on_start(self, ctx: RequestContext[Any, Any]) -> float:
        return time.monotonic()

    async def on_end(
        self,
        token: float,
        ctx: RequestContext[Any, Any],
        error: Exception | None,
        /,
    ) -> None:
        elapsed = time.monotonic() - token
        logging.getLogger(__name__).info("%s took %.3fs", ctx.method.name, elapsed)


class Eliza:
    """One method per stream kind."""

    # Unary.
    async def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse]
    ) -> SayResponse:
        if not request.sentence:
            raise ConnectError(Code.INVALID_ARGUMENT, "say something")
        ctx.response_headers["x-eliza-method"] = ctx.method.name
        return SayResponse(sentence=reply(request.sentence))

    # Bidirectional streaming: an async generator over the request stream.
    async def converse(
        self,
        request: AsyncIterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
    ) -> AsyncIterator[ConverseResponse]:
        async for message in request:
            yield ConverseResponse(sentence=reply(message.sentence))

    # Server streaming.
    async def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
    ) -> AsyncIterator[IntroduceResponse]:
        name = request.name or "stranger"
        for sentence in (f"Hello {name}.", "I am Eliza.", "How are you feeling?"):
            yield IntroduceResponse(sentence=sentence)

    # Client streaming.
    async def pontificate(
        self,
        request: AsyncIterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
    ) -> PontificateResponse:
        sentences = [message.sentence async for message in request]
        return PontificateResponse(sentence=" ".join(sentences), count=len(sentences))


app = ElizaServiceASGIApplication(Eliza(), interceptors=[Timing()])
mount_path: str = app.path


async def eliza_lifespan() -> AsyncGenerator[Eliza, None]:
    """A service created and torn down with the ASGI lifespan."""
    yield Eliza()


lifespan_app = ElizaServiceASGIApplication(eliza_lifespan(), read_max_bytes=1 << 20)

# The Protocol is usable as an annotation for any implementation.
service: ElizaService = Eliza()
