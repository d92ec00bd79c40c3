"""Negative: a threaded implementation whose server-streaming method yields another
RPC's response message, passed to the WSGI application. Everything else is correct."""

from __future__ import annotations

from collections.abc import Iterator

from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaServiceWSGIApplication
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


class ElizaSync:
    def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse]
    ) -> SayResponse:
        return SayResponse(sentence=request.sentence)

    def converse(
        self,
        request: Iterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
    ) -> Iterator[ConverseResponse]:
        for message in request:
            yield ConverseResponse(sentence=message.sentence)

    def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
    ) -> Iterator[SayResponse]:
        yield SayResponse(sentence=f"Hello {request.name}")

    def pontificate(
        self,
        request: Iterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
    ) -> PontificateResponse:
        return PontificateResponse(count=len(list(request)))


# expect-error: mypy=arg-type pyright=reportArgumentType match=Iterator\[SayResponse\]
app = ElizaServiceWSGIApplication(ElizaSync())
