"""Negative: a client-streaming method called with one message instead of an async
iterator of messages."""

from __future__ import annotations

from eliza.v1.eliza_connect import ElizaServiceClient
from eliza.v1.eliza_pb2 import PontificateRequest


async def pontificate(client: ElizaServiceClient) -> int:
    request = PontificateRequest(sentence="I think, therefore I am.")
    # expect-error: mypy=arg-type pyright=reportArgumentType match=AsyncIterator\[PontificateRequest\]
    response = await client.pontificate(request)
    return response.count
