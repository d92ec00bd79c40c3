"""The generated clients against the generated applications on real servers (google flavor).

Every test is a matrix cell (protocol, stream kind, client kind, server); see
e2e_matrix.py for the combinations that cannot work and why.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from connectrpc.code import Code

import e2e_matrix as mx
import e2e_service as svc
from e2e_client import (
    CLIENTS,
    PROTOCOLS,
    STREAMS,
    Result,
    call,
    client_interceptor,
    expected,
    full_duplex,
    full_duplex_expected,
)
from e2e_tap import GZIP_MAGIC, is_gzip_enveloped

ALL_PROTOCOLS = tuple(PROTOCOLS)

# Inputs per stream kind: the happy path, the error path, the slow path.
HAPPY = {
    "unary": ["Hello Eliza"],
    "client_stream": ["I", "feel", "fine"],
    "server_stream": ["Ada"],
    "bidi": ["one", "two", "three"],
}
FAILING = {
    "unary": [svc.FAIL],
    "client_stream": ["I", svc.FAIL],
    "server_stream": [svc.FAIL],
    "bidi": ["one", svc.FAIL],
}
# What arrives before the error: the handlers answer what precedes "fail".
BEFORE_FAILURE = {
    "unary": [],
    "client_stream": [],
    "server_stream": svc.introduce(svc.FAIL)[:1],
    "bidi": [svc.converse("one")],
}
SLOW = {
    "unary": [svc.SLOW],
    "client_stream": ["I", svc.SLOW],
    "server_stream": [svc.SLOW],
    "bidi": ["one", svc.SLOW],
}
DEADLINE_MS = 150


def matrix(feature: str, protocols=ALL_PROTOCOLS, streams=STREAMS, servers=mx.MAIN_SERVERS):
    return pytest.mark.parametrize(
        mx.AXES, mx.cells(feature, protocols, streams, CLIENTS, servers), indirect=["server"]
    )


def assert_ok(result: Result, stream: str, inputs: list[str]) -> None:
    messages, count = expected(stream, inputs)
    assert result.error is None, result.describe()
    assert result.messages == messages, result.describe()
    assert result.count == count, result.describe()


@matrix("test_roundtrip")
def test_roundtrip(gen, server, protocol, stream, client) -> None:
    result = call(gen, server, protocol, client, stream, HAPPY[stream])
    assert_ok(result, stream, HAPPY[stream])
    # The protocol and codec really were the ones asked for.
    content_type = result.headers.get(svc.SEEN_CONTENT_TYPE, "")
    want = {
        "connect-proto": "application/proto" if stream == "unary" else "application/connect+proto",
        "connect-json": "application/json" if stream == "unary" else "application/connect+json",
        "grpc": "application/grpc+proto",
        "grpc-web": "application/grpc-web+proto",
    }[protocol]
    assert content_type == want, result.describe()
    # The generated client's defaults: binary proto codec (above) and gzip-compressed requests.
    assert result.headers.get(svc.SEEN_ENCODING) == "gzip", result.describe()


@matrix("test_full_duplex", streams=("bidi",))
def test_full_duplex(gen, server, protocol, stream, client) -> None:
    del stream
    events, result = full_duplex(gen, server, protocol, client)
    # Each request is sent only after the previous answer arrived, so this order is only
    # reachable if the server answered while the request stream was still open.
    assert events == full_duplex_expected(), f"events={events} {result.describe()}"
    assert result.error is None, result.describe()


@matrix("test_error")
def test_error(gen, server, protocol, stream, client) -> None:
    result = call(
        gen, server, protocol, client, stream, FAILING[stream], headers={svc.ECHO_HEADER: "err"}
    )
    error = result.error
    assert error is not None, result.describe()
    assert error.code == svc.ERROR_CODE, result.describe()
    assert error.message == svc.ERROR_MESSAGE, result.describe()
    assert [d.type_name for d in error.details] == ["eliza.v1.SayResponse"], result.describe()
    detail = gen.decode_detail(error.details[0], gen.pb.SayResponse)
    assert detail.sentence == svc.ERROR_DETAIL
    # Answers sent before the error still arrive, and so does the metadata.
    assert result.messages == BEFORE_FAILURE[stream], result.describe()
    assert result.headers.get(svc.ECHO_HEADER) == "err", result.describe()
    assert result.trailers.get(svc.TRAILER) == f"{_rpc(stream)} done", result.describe()


@matrix("test_headers_trailers")
def test_headers_trailers(gen, server, protocol, stream, client) -> None:
    token = f"{protocol}/{stream}/{client}"
    result = call(
        gen, server, protocol, client, stream, HAPPY[stream], headers={svc.ECHO_HEADER: token}
    )
    assert_ok(result, stream, HAPPY[stream])
    assert result.headers.get(svc.ECHO_HEADER) == token, result.describe()
    # The implementation the server process runs answered (for uvicorn, the service that
    # the generated application got from an async generator in the ASGI lifespan).
    assert result.headers.get(svc.SERVICE) == server.spec.service_label, result.describe()
    assert result.trailers.get(svc.TRAILER) == f"{_rpc(stream)} done", result.describe()
    # A trailer is not a header: it came at the end (for Connect unary, as trailer-*).
    assert svc.TRAILER not in result.headers, result.describe()


@matrix("test_deadline")
def test_deadline(gen, server, protocol, stream, client) -> None:
    result = call(gen, server, protocol, client, stream, SLOW[stream], timeout_ms=DEADLINE_MS)
    assert result.error is not None, result.describe()
    assert result.error.code == Code.DEADLINE_EXCEEDED, result.describe()
    # The server would have answered 1 s after the deadline: the client did not wait.
    assert result.elapsed_s < DEADLINE_MS / 1000 + 0.7, result.describe()
    full, _ = expected(stream, SLOW[stream])
    assert result.messages == full[: len(result.messages)], result.describe()


@matrix("test_client_options")
def test_client_options(gen, server, protocol, stream, client) -> None:
    """The generated constructors pass interceptors, timeout_ms and read_max_bytes on."""
    tagged = call(
        gen, server, protocol, client, stream, HAPPY[stream],
        client_options={"interceptors": [client_interceptor(client)]},
    )  # fmt: skip
    assert_ok(tagged, stream, HAPPY[stream])
    # The client's interceptor tagged the request; the application's (given to the
    # generated ASGI / WSGI constructor) tagged the response and saw the client's tag.
    assert tagged.headers.get(svc.SEEN_CLIENT_INTERCEPTOR) == client, tagged.describe()
    assert tagged.headers.get(svc.SERVER_INTERCEPTOR) == server.spec.interface, tagged.describe()

    limited = call(
        gen, server, protocol, client, stream, HAPPY[stream],
        client_options={"read_max_bytes": 8},
    )  # fmt: skip
    assert limited.error is not None, limited.describe()
    assert limited.error.code == Code.RESOURCE_EXHAUSTED, limited.describe()

    slow = call(
        gen, server, protocol, client, stream, SLOW[stream],
        client_options={"timeout_ms": DEADLINE_MS},
    )  # fmt: skip
    assert slow.error is not None, slow.describe()
    assert slow.error.code == Code.DEADLINE_EXCEEDED, slow.describe()


@matrix("test_compression")
def test_compression(gen, server, protocol, stream, client) -> None:
    from connectrpc.compression.gzip import GzipCompression

    inputs = (
        ["compress me " * 20] if stream in ("unary", "server_stream") else ["compress me " * 20] * 2
    )
    gzip = GzipCompression()
    gzip_result = call(
        gen, server, protocol, client, stream, inputs, tap=True,
        client_options={"send_compression": gzip, "accept_compression": [gzip]},
    )  # fmt: skip
    plain_result = call(
        gen, server, protocol, client, stream, inputs, tap=True,
        client_options={"send_compression": None, "accept_compression": []},
    )  # fmt: skip
    for result in (gzip_result, plain_result):
        assert_ok(result, stream, inputs)
    assert gzip_result.headers.get(svc.SEEN_ENCODING) == "gzip", gzip_result.describe()
    assert plain_result.headers.get(svc.SEEN_ENCODING) == "identity", plain_result.describe()
    for result, compressed in ((gzip_result, True), (plain_result, False)):
        assert result.tap is not None
        (exchange,) = result.tap.exchanges
        request_body, response_body = bytes(exchange.request_body), bytes(exchange.response_body)
        if protocol.startswith("connect") and stream == "unary":
            assert (exchange.request_headers.get("content-encoding") == "gzip") == compressed
            assert request_body.startswith(GZIP_MAGIC) == compressed
            assert (exchange.response_headers.get("content-encoding") == "gzip") == compressed
            assert response_body.startswith(GZIP_MAGIC) == compressed
        else:
            header = (
                "connect-content-encoding" if protocol.startswith("connect") else "grpc-encoding"
            )
            assert (exchange.request_headers.get(header) == "gzip") == compressed
            assert is_gzip_enveloped(request_body) == compressed
            assert (exchange.response_headers.get(header) == "gzip") == compressed
            assert is_gzip_enveloped(response_body) == compressed


@matrix("test_get")
def test_get(gen, server, protocol, stream, client) -> None:
    inputs = ["Is this a GET?"]
    result = call(
        gen, server, protocol, client, stream, inputs, use_get=True, tap=True,
        headers={svc.ECHO_HEADER: "get"},
    )  # fmt: skip
    assert_ok(result, stream, inputs)
    assert result.headers.get(svc.SEEN_METHOD) == "GET", result.describe()
    assert result.headers.get(svc.ECHO_HEADER) == "get", result.describe()
    assert result.trailers.get(svc.TRAILER) == "Say done", result.describe()
    assert result.tap is not None
    (exchange,) = result.tap.exchanges
    assert exchange.method == "GET"
    assert not exchange.request_body
    query = parse_qs(urlsplit(exchange.url).query)
    assert query["connect"] == ["v1"]
    assert query["encoding"] == ["json" if protocol == "connect-json" else "proto"]
    message = base64.urlsafe_b64decode(query["message"][0] + "==")
    # The generated client sends gzip by default, and a GET carries it in the query.
    assert query.get("compression") == ["gzip"]
    assert message.startswith(GZIP_MAGIC)
    # Plain GET without the tap or a deadline, too: the simplest form a user writes.
    plain = call(gen, server, protocol, client, stream, inputs, use_get=True)
    assert_ok(plain, stream, inputs)
    assert plain.headers.get(svc.SEEN_METHOD) == "GET", plain.describe()


def _rpc(stream: str) -> str:
    return {
        "unary": "Say",
        "client_stream": "Pontificate",
        "server_stream": "Introduce",
        "bidi": "Converse",
    }[stream]
