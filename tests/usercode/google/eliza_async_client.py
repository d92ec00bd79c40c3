"""Calls through the generated asyncio client, as a user writes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaServiceClient
from eliza.v1.eliza_pb2 import (
    ConverseRequest,
    ConverseResponse,
    IntroduceRequest,
    PontificateRequest,
    PontificateResponse,
    SayRequest,
    SayResponse,
)


class UserAgent:
    """A metadata interceptor that adds a header to every request."""

    async def on_start(self, ctx: RequestContext[Any, Any]) -> None:
        ctx.request_headers["x-user-agent"] = "eliza-fan/1.0"

    async def on_end(
        self, token: None, ctx: RequestContext[Any, Any], error: Exception | None, /
    ) -> None:
        pass


async def converse_requests(sentences: list[str]) -> AsyncIterator[ConverseRequest]:
    for sentence in sentences:
        yield ConverseRequest(sentence=sentence)


async def pontificate_requests() -> AsyncIterator[PontificateRequest]:
    yield PontificateRequest(sentence="I think,")
    yield PontificateRequest(sentence="therefore I am.")


async def talk(address: str) -> list[str]:
    transcript: list[str] = []
    async with ElizaServiceClient(
        address, timeout_ms=5_000, interceptors=[UserAgent()]
    ) as client:
        # Unary: awaited, with call options.
        said: SayResponse = await client.say(
            SayRequest(sentence="Hello"), headers={"x-user": "me"}, use_get=True
        )
        transcript.append(said.sentence)

        # Server streaming: iterated with async for.
        async for intro in client.introduce(IntroduceRequest(name="Ada")):
            transcript.append(intro.sentence)

        # Bidirectional streaming: an async iterator in, an async iterator out.
        answers: AsyncIterator[ConverseResponse] = client.converse(
            converse_requests(["I feel sad.", "Because of the rain."])
        )
        async for answer in answers:
            transcript.append(answer.sentence)

        # Client streaming: an async iterator in, one awaited response out.
        summary: PontificateResponse = await client.pontificate(pontificate_requests())
        transcript.append(f"{summary.sentence} ({summary.count} sentences)")

        try:
            await client.say(SayRequest(), timeout_ms=100)
        except ConnectError as error:
            transcript.append(f"{error.code.name}: {error.message}")
    return transcript
