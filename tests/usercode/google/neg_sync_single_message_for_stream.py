"""Negative: the threaded client's bidirectional-streaming method called with one
message instead of an iterator of messages."""

from __future__ import annotations

from eliza.v1.eliza_connect import ElizaServiceClientSync
from eliza.v1.eliza_pb2 import ConverseRequest


def converse(client: ElizaServiceClientSync) -> list[str]:
    request = ConverseRequest(sentence="Hello")
    # expect-error: mypy=arg-type pyright=reportArgumentType match=Iterator\[ConverseRequest\]
    responses = client.converse(request)
    return [response.sentence for response in responses]
