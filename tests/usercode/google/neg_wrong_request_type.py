"""Negative: a client method called with another RPC's request message."""

from __future__ import annotations

from eliza.v1.eliza_connect import ElizaServiceClient
from eliza.v1.eliza_pb2 import IntroduceRequest


async def say_hello(client: ElizaServiceClient) -> str:
    # expect-error: mypy=arg-type pyright=reportArgumentType match="IntroduceRequest"
    response = await client.say(IntroduceRequest(name="Ada"))
    return response.sentence
