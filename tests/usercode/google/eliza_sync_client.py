"""Calls through the generated threaded client, as a user writes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from eliza.v1.eliza_connect import ElizaServiceClientSync
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

    def on_start_sync(self, ctx: RequestContext[Any, Any], /) -> None:
        ctx.request_headers["x-user-agent"] = "eliza-fan/1.0"

    def on_end_sync(
        self, token: None, ctx: RequestContext[Any, Any], error: Exception | None, /
    ) -> None:
        pass


def pontificate_requests() -> Iterator[PontificateRequest]:
    yield PontificateRequest(sentence="I think,")
    yield PontificateRequest(sentence="therefore I am.")


def talk(address: str) -> list[str]:
    transcript: list[str] = []
    with ElizaServiceClientSync(
        address, timeout_ms=5_000, interceptors=[UserAgent()]
    ) as client:
        # Unary, with call options.
        said: SayResponse = client.say(
            SayRequest(sentence="Hello"), headers={"x-user": "me"}, use_get=True
        )
        transcript.append(said.sentence)

        # Server streaming: a plain iterator.
        for intro in client.introduce(IntroduceRequest(name="Ada")):
            transcript.append(intro.sentence)

        # Bidirectional streaming: an iterator in (here a generator expression),
        # an iterator out.
        sentences = ["I feel sad.", "Because of the rain."]
        answers: Iterator[ConverseResponse] = client.converse(
            ConverseRequest(sentence=s) for s in sentences
        )
        transcript.extend(answer.sentence for answer in answers)

        # Client streaming: an iterator in, one response out.
        summary: PontificateResponse = client.pontificate(pontificate_requests())
        transcript.append(f"{summary.sentence} ({summary.count} sentences)")
        summary = client.pontificate(iter([PontificateRequest(sentence="Short.")]))
        transcript.append(summary.sentence)

        try:
            client.say(SayRequest(), timeout_ms=100)
        except ConnectError as error:
            transcript.append(f"{error.code.name}: {error.message}")
    return transcript
