"""Negative: the coroutine returned by the async client's unary method is used as if it
were the response message (missing ``await``)."""

from __future__ import annotations

from eliza.v1.eliza_connect import ElizaServiceClient
from eliza.v1.eliza_pb import SayRequest


async def say_hello(client: ElizaServiceClient) -> str:
    response = client.say(SayRequest(sentence="Hello"))
    # expect-error: mypy=attr-defined pyright=reportAttributeAccessIssue match="sentence"
    return response.sentence
