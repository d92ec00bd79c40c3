"""Eliza, implemented twice: for asyncio (served as ASGI) and threads (served as WSGI).

Each class subclasses a Protocol of the generated ``eliza/v1/eliza_connect.py`` (which
gives it ``desc()``, the service's descriptor) and overrides its RPCs; mypy --strict
checks the signatures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eliza.v1.eliza_connect import ElizaService, ElizaServiceSync
from eliza.v1.eliza_pb import (
    ConverseResponse,
    IntroduceResponse,
    PontificateResponse,
    SayResponse,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from connectrpc.request import RequestContext

    from eliza.v1.eliza_pb import (
        ConverseRequest,
        IntroduceRequest,
        PontificateRequest,
        SayRequest,
    )


def reply(sentence: str) -> str:
    """What Eliza says to a sentence: a Rogerian reflection, kept simple."""
    return f"Why do you say '{sentence.strip().rstrip('.!?')}'?"


def introduction(name: str) -> list[str]:
    return [f"Hello {name}, I am Eliza.", "How are you feeling today?"]


class Eliza(ElizaService):
    """The asyncio implementation (the ``ElizaService`` Protocol)."""

    async def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse], /
    ) -> SayResponse:
        return SayResponse(sentence=reply(request.sentence))

    async def converse(
        self,
        request: AsyncIterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
        /,
    ) -> AsyncIterator[ConverseResponse]:
        async for message in request:
            yield ConverseResponse(sentence=reply(message.sentence))

    async def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
        /,
    ) -> AsyncIterator[IntroduceResponse]:
        for sentence in introduction(request.name):
            yield IntroduceResponse(sentence=sentence)

    async def pontificate(
        self,
        request: AsyncIterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
        /,
    ) -> PontificateResponse:
        sentences = [message.sentence async for message in request]
        return PontificateResponse(sentence=" ".join(sentences), count=len(sentences))


class ElizaSync(ElizaServiceSync):
    """The threaded implementation (the ``ElizaServiceSync`` Protocol)."""

    def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse], /
    ) -> SayResponse:
        return SayResponse(sentence=reply(request.sentence))

    def converse(
        self,
        request: Iterator[ConverseRequest],
        ctx: RequestContext[ConverseRequest, ConverseResponse],
        /,
    ) -> Iterator[ConverseResponse]:
        for message in request:
            yield ConverseResponse(sentence=reply(message.sentence))

    def introduce(
        self,
        request: IntroduceRequest,
        ctx: RequestContext[IntroduceRequest, IntroduceResponse],
        /,
    ) -> Iterator[IntroduceResponse]:
        for sentence in introduction(request.name):
            yield IntroduceResponse(sentence=sentence)

    def pontificate(
        self,
        request: Iterator[PontificateRequest],
        ctx: RequestContext[PontificateRequest, PontificateResponse],
        /,
    ) -> PontificateResponse:
        sentences = [message.sentence for message in request]
        return PontificateResponse(sentence=" ".join(sentences), count=len(sentences))
