"""In-process calls of every stream kind through the generated eliza.v1 modules.

For each tree of layer 4 (ours in every parameter set, and the reference's, as the
drop-in baseline), a fresh interpreter imports ``eliza.v1.eliza_connect`` in the tree's
layout, implements the generated Protocols (subclassing them: the py flavor's declare
``desc()``) and calls the generated clients through ``pyqwest.testing`` transports, no
sockets: the asyncio client over ``ASGITransport`` into the ASGI application and the
threaded client over ``WSGITransport`` into the WSGI application. Each call covers one
stream kind (unary, also as a GET; server streaming; client streaming; bidi) or an
error, in every protocol the transport can carry, and the answers are compared with
what the implementation must have said. Trees with ``io=async`` or ``io=sync`` only
have one side, and the other side's classes must be absent.

scripts/test runs this on 3.11 (layer 5) and on 3.12 and 3.13 (layer 6).
"""

from __future__ import annotations

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

# Runs in the tree (gen_support.TREE_PRELUDE): argv[2] is the message module, argv[3] the
# tree's io. Prints {"async/<protocol>" | "sync/<protocol>": [answers], "classes": [...]}.
CALLS = """
import asyncio
import json

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.protocol import ProtocolType
from pyqwest import Client, SyncClient
from pyqwest.testing import ASGITransport, WSGITransport

connect = generated_module("eliza.v1.eliza_connect")
pb = generated_module(sys.argv[2])
io = sys.argv[3]

NAMES = (
    "ElizaService",
    "ElizaServiceASGIApplication",
    "ElizaServiceClient",
    "ElizaServiceSync",
    "ElizaServiceWSGIApplication",
    "ElizaServiceClientSync",
)
out = {"classes": [name for name in NAMES if hasattr(connect, name)]}


def answer(ctx, text):
    # The RPC the endpoint was routed to, and how it arrived (the content type names
    # the protocol; a GET has none).
    content_type = ctx.request_headers.get("content-type", "-")
    how = f"{ctx.method.stream_type.name} {ctx.http_method} {content_type}"
    return f"{ctx.method.name} {how}: {text}"


def check_unary(request):
    if not request.sentence:
        raise ConnectError(Code.INVALID_ARGUMENT, "say something")


INTRODUCTION = ("Hello {}.", "I am Eliza.", "How are you feeling?")
CONVERSE = ["I feel sad.", "Because of the rain.", ""]
PONTIFICATE = ["I think,", "therefore", "I am."]


def error_text(error):
    return f"{error.code.name}: {error.message}"


if io in ("default", "async"):

    class Eliza(connect.ElizaService):
        async def say(self, request, ctx):
            check_unary(request)
            return pb.SayResponse(sentence=answer(ctx, f"Why {request.sentence}?"))

        async def converse(self, request, ctx):
            async for message in request:
                yield pb.ConverseResponse(sentence=answer(ctx, message.sentence[::-1]))

        async def introduce(self, request, ctx):
            for line in INTRODUCTION:
                yield pb.IntroduceResponse(sentence=answer(ctx, line.format(request.name)))

        async def pontificate(self, request, ctx):
            sentences = [message.sentence async for message in request]
            return pb.PontificateResponse(
                sentence=answer(ctx, " ".join(sentences)), count=len(sentences)
            )

    async def stream(messages):
        for message in messages:
            await asyncio.sleep(0)
            yield message

    async def call_async(protocol):
        app = connect.ElizaServiceASGIApplication(Eliza())
        http = Client(ASGITransport(app))
        answers = []
        async with connect.ElizaServiceClient(
            "http://eliza.test", http_client=http, protocol=protocol
        ) as client:
            said = await client.say(pb.SayRequest(sentence="Hello"))
            answers.append(said.sentence)
            said = await client.say(pb.SayRequest(sentence="GET"), use_get=True)
            answers.append(said.sentence)
            async for line in client.introduce(pb.IntroduceRequest(name="Ada")):
                answers.append(line.sentence)
            requests = stream(pb.PontificateRequest(sentence=s) for s in PONTIFICATE)
            summary = await client.pontificate(requests)
            answers.append(f"{summary.sentence} ({summary.count})")
            requests = stream(pb.ConverseRequest(sentence=s) for s in CONVERSE)
            async for reply in client.converse(requests):
                answers.append(reply.sentence)
            try:
                await client.say(pb.SayRequest())
            except ConnectError as error:
                answers.append(error_text(error))
        return answers

    for protocol in ProtocolType:
        out[f"async/{protocol.name}"] = asyncio.run(call_async(protocol))

if io in ("default", "sync"):

    class ElizaSync(connect.ElizaServiceSync):
        def say(self, request, ctx):
            check_unary(request)
            return pb.SayResponse(sentence=answer(ctx, f"Why {request.sentence}?"))

        def converse(self, request, ctx):
            for message in request:
                yield pb.ConverseResponse(sentence=answer(ctx, message.sentence[::-1]))

        def introduce(self, request, ctx):
            for line in INTRODUCTION:
                yield pb.IntroduceResponse(sentence=answer(ctx, line.format(request.name)))

        def pontificate(self, request, ctx):
            sentences = [message.sentence for message in request]
            return pb.PontificateResponse(
                sentence=answer(ctx, " ".join(sentences)), count=len(sentences)
            )

    def call_sync(protocol):
        app = connect.ElizaServiceWSGIApplication(ElizaSync())
        http = SyncClient(WSGITransport(app))
        answers = []
        with connect.ElizaServiceClientSync(
            "http://eliza.test", http_client=http, protocol=protocol
        ) as client:
            answers.append(client.say(pb.SayRequest(sentence="Hello")).sentence)
            said = client.say(pb.SayRequest(sentence="GET"), use_get=True)
            answers.append(said.sentence)
            for line in client.introduce(pb.IntroduceRequest(name="Ada")):
                answers.append(line.sentence)
            requests = (pb.PontificateRequest(sentence=s) for s in PONTIFICATE)
            summary = client.pontificate(requests)
            answers.append(f"{summary.sentence} ({summary.count})")
            requests = (pb.ConverseRequest(sentence=s) for s in CONVERSE)
            for reply in client.converse(requests):
                answers.append(reply.sentence)
            try:
                client.say(pb.SayRequest())
            except ConnectError as error:
                answers.append(error_text(error))
        return answers

    for protocol in ProtocolType:
        out[f"sync/{protocol.name}"] = call_sync(protocol)

print(json.dumps(out))
"""

PROTOCOLS = ("CONNECT", "GRPC", "GRPC_WEB")
ASYNC_CLASSES = ["ElizaService", "ElizaServiceASGIApplication", "ElizaServiceClient"]
SYNC_CLASSES = [
    "ElizaServiceSync",
    "ElizaServiceWSGIApplication",
    "ElizaServiceClientSync",
]


def expected_answers(protocol: str) -> list[str]:
    """What the implementation says to the calls, in order: each RPC routed to its own
    method with its own stream kind, in the protocol's content type. Only the Connect
    protocol sends a side-effect-free unary call as a GET when asked to."""
    if protocol == "CONNECT":
        unary, get, stream = "application/proto", "GET -", "application/connect+proto"
    else:
        unary = stream = {
            "GRPC": "application/grpc+proto",
            "GRPC_WEB": "application/grpc-web+proto",
        }[protocol]
        get = f"POST {unary}"
    return [
        f"Say UNARY POST {unary}: Why Hello?",
        f"Say UNARY {get}: Why GET?",
        f"Introduce SERVER_STREAM POST {stream}: Hello Ada.",
        f"Introduce SERVER_STREAM POST {stream}: I am Eliza.",
        f"Introduce SERVER_STREAM POST {stream}: How are you feeling?",
        f"Pontificate CLIENT_STREAM POST {stream}: I think, therefore I am. (3)",
        f"Converse BIDI_STREAM POST {stream}: .das leef I",
        f"Converse BIDI_STREAM POST {stream}: .niar eht fo esuaceB",
        f"Converse BIDI_STREAM POST {stream}: ",
        "INVALID_ARGUMENT: say something",
    ]


def expected(io: str) -> dict[str, list[str]]:
    sides = {"default": ["async", "sync"], "async": ["async"], "sync": ["sync"]}[io]
    return {
        f"{side}/{protocol}": expected_answers(protocol)
        for side in sides
        for protocol in PROTOCOLS
    }


TREES = [*gs.OURS, *gs.REFS]


@pytest.mark.parametrize("tree", TREES, ids=lambda t: t.id)
def test_every_stream_kind_in_process(tree: gs.Tree) -> None:
    out = gs.run_python_in_tree(
        tree, CALLS, f"eliza.v1.eliza{tree.message_suffix}", tree.io
    )
    assert isinstance(out, dict)
    classes = {
        "default": ASYNC_CLASSES + SYNC_CLASSES,
        "async": ASYNC_CLASSES,
        "sync": SYNC_CLASSES,
    }[tree.io]
    assert sorted(out.pop("classes")) == sorted(classes)
    assert out == expected(tree.io)
