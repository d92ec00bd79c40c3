"""Negative: an asyncio implementation whose unary method is a plain ``def`` (it must be
``async def``), passed to the ASGI application. Everything else is correct."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaService, ElizaServiceASGIApplication
from eliza.v1.eliza_pb import (
    ConverseRequest,
    ConverseResponse,
    IntroduceRequest,
    IntroduceResponse,
    PontificateRequest,
    PontificateResponse,
    SayRequest,
    SayResponse,
)
from protobuf import DescService


class Eliza:
    @classmethod
    def desc(cls) -> DescService:
        return ElizaService.desc()

    def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse]
    ) -> SayResponse:
        return SayResponse(sentence=request.sentence)

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


# expect-error: mypy=arg-type pyright=reportArgumentType match=\bsay\b.*\) -> SayResponse\b
app = ElizaServiceASGIApplication(Eliza())
