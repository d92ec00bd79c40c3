"""A user's module inside the generated tree (google flavor), written as connectrpc's own
test suite writes its tests: the tree is a package and the generated modules are imported
relatively, the root-level ``root_connect`` among them. test_layouts.py also checks it
with the output root on sys.path, with these imports made absolute.

It implements the root-level RootService and the nested ElizaService's unary RPC, and
calls both through the generated clients, asyncio and threaded, in-process.
"""

from __future__ import annotations

import asyncio

from connectrpc.request import RequestContext
from google.protobuf.empty_pb2 import Empty
from pyqwest import Client, SyncClient
from pyqwest.testing import ASGITransport, WSGITransport

from .eliza.v1.eliza_connect import (
    ElizaService,
    ElizaServiceASGIApplication,
    ElizaServiceClient,
)
from .eliza.v1.eliza_pb2 import SayRequest, SayResponse
from .root_connect import (
    RootServiceASGIApplication,
    RootServiceClient,
    RootServiceClientSync,
    RootServiceWSGIApplication,
)
from .root_pb2 import EchoRequest, EchoResponse


class Root:
    async def echo(
        self, request: EchoRequest, ctx: RequestContext[EchoRequest, EchoResponse], /
    ) -> EchoResponse:
        return EchoResponse(text=request.text)

    async def ping(self, request: Empty, ctx: RequestContext[Empty, Empty], /) -> Empty:
        return Empty()


class RootSync:
    def echo(
        self, request: EchoRequest, ctx: RequestContext[EchoRequest, EchoResponse], /
    ) -> EchoResponse:
        return EchoResponse(text=request.text.upper())

    def ping(self, request: Empty, ctx: RequestContext[Empty, Empty], /) -> Empty:
        return Empty()


class Eliza(ElizaService):
    async def say(
        self, request: SayRequest, ctx: RequestContext[SayRequest, SayResponse], /
    ) -> SayResponse:
        return SayResponse(sentence=f"Why {request.sentence}?")


async def call_async() -> list[str]:
    root = Client(ASGITransport(RootServiceASGIApplication(Root())))
    eliza = Client(ASGITransport(ElizaServiceASGIApplication(Eliza())))
    async with RootServiceClient("http://root", http_client=root) as client:
        echoed = await client.echo(EchoRequest(text="hello"))
        await client.ping(Empty())
    async with ElizaServiceClient("http://eliza", http_client=eliza) as client:
        said = await client.say(SayRequest(sentence="hello"))
    return [echoed.text, said.sentence]


def call_sync() -> str:
    http = SyncClient(WSGITransport(RootServiceWSGIApplication(RootSync())))
    with RootServiceClientSync("http://root", http_client=http) as client:
        return client.echo(EchoRequest(text="hello")).text


def main() -> list[str]:
    return [*asyncio.run(call_async()), call_sync()]
