"""Negative: an asyncio implementation whose unary method returns another RPC's response
message, passed to the ASGI application. Everything else is correct."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaServiceASGIApplication
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


class Eliza:
    async def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse]
    ) -> IntroduceResponse:
        return IntroduceResponse(sentence=request.sentence)

    async def converse(
        self,
        request: AsyncIterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
    ) -> AsyncIterator[ConverseResponse]:
        async for message in request:
            yield ConverseResponse(sentence=message.sentence)

    async def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
    ) -> AsyncIterator[IntroduceResponse]:
        yield IntroduceResponse(sentence=f"Hello {request.name}")

    async def pontificate(
        self,
        request: AsyncIterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
    ) -> PontificateResponse:
        count = len([message async for message in request])
        return PontificateResponse(count=count)


# expect-error: mypy=arg-type pyright=reportArgumentType match=Coroutine(Type)?\[Any, Any, IntroduceResponse\]
app = ElizaServiceASGIApplication(Eliza())
