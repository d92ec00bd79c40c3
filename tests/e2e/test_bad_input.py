"""Bad input at the server, sent as raw HTTP with a plain client (pyqwest, no Connect code).

For each server, protocol and RPC (stream kind), four cases:

- ``unknown-method``: a path the application does not serve;
- ``malformed-body``: a body that does not decode as the request message;
- ``wrong-content-type``: a content type with no codec;
- ``oversized``: a message larger than ``read_max_bytes`` (the ``*_small`` instance).

Each must get the protocol's error quickly (no hang: the client has a timeout; never a
500), and the same server must serve a good request of the same protocol and stream kind
through the generated client right after.

Expected answers (what connectrpc 0.13.0 does, checked against the protocols' specs):

==================  ==========================  ===========================  =====================
case                Connect unary               Connect streams              gRPC / gRPC-Web
==================  ==========================  ===========================  =====================
unknown-method      HTTP 404                    HTTP 404                     HTTP 404 [*]
malformed-body      400 + JSON invalid_argument  200 + end-stream error        grpc-status 3
                                                invalid_argument             (invalid_argument)
wrong-content-type  HTTP 415                    HTTP 415                     HTTP 415
oversized           429 + JSON                  200 + end-stream error        grpc-status 8
                    resource_exhausted          resource_exhausted           (resource_exhausted)
==================  ==========================  ===========================  =====================

[*] The route is resolved before the protocol, so an unknown path is a plain HTTP 404 in
every protocol; gRPC's HTTP-to-status mapping turns 404 into UNIMPLEMENTED (the runtime's
own clients do so).
"""

from __future__ import annotations

import json
import struct
from typing import Any
from urllib.parse import unquote

import pyqwest
import pytest

import e2e_matrix as mx
import e2e_service as svc
from e2e_client import PROTOCOLS, STREAMS, call, expected
from e2e_tap import envelopes
from test_rpc import HAPPY

CASES = mx.BAD_INPUT_CASES
RAW_TIMEOUT_S = 10.0

_METHOD = {
    "unary": ("Say", "SayRequest", "sentence"),
    "client_stream": ("Pontificate", "PontificateRequest", "sentence"),
    "server_stream": ("Introduce", "IntroduceRequest", "name"),
    "bidi": ("Converse", "ConverseRequest", "sentence"),
}
GRPC_INVALID_ARGUMENT = "3"
GRPC_RESOURCE_EXHAUSTED = "8"


def _content_type(protocol: str, stream: str) -> str:
    return {
        "connect-proto": "application/proto" if stream == "unary" else "application/connect+proto",
        "connect-json": "application/json" if stream == "unary" else "application/connect+json",
        "grpc": "application/grpc+proto",
        "grpc-web": "application/grpc-web+proto",
    }[protocol]


def _wrong_content_type(protocol: str) -> str:
    return {
        "connect-proto": "text/plain",
        "connect-json": "text/plain",
        "grpc": "application/grpc+xml",
        "grpc-web": "application/grpc-web+xml",
    }[protocol]


def _enveloped(protocol: str, stream: str) -> bool:
    return not (protocol.startswith("connect") and stream == "unary")


def _payload(gen: Any, protocol: str, stream: str, text: str) -> bytes:
    _, message, field = _METHOD[stream]
    if protocol == "connect-json":
        return json.dumps({field: text}).encode()
    return getattr(gen.pb, message)(**{field: text}).SerializeToString()


def _malformed_payload(protocol: str) -> bytes:
    # JSON that does not parse; proto whose field 1 claims 5 bytes and has 2.
    return b"{not json" if protocol == "connect-json" else b"\x0a\x05ab"


def _body(protocol: str, stream: str, payload: bytes) -> bytes:
    if _enveloped(protocol, stream):
        return struct.pack(">BI", 0, len(payload)) + payload
    return payload


def _request(gen: Any, protocol: str, stream: str, case: str) -> tuple[str, dict[str, str], bytes]:
    method = _METHOD[stream][0]
    path = f"/eliza.v1.ElizaService/{'Nope' if case == 'unknown-method' else method}"
    content_type = _content_type(protocol, stream)
    payload = _payload(gen, protocol, stream, "hello")
    if case == "malformed-body":
        payload = _malformed_payload(protocol)
    elif case == "wrong-content-type":
        content_type = _wrong_content_type(protocol)
    elif case == "oversized":
        payload = _payload(gen, protocol, stream, "x" * (svc.SMALL_READ_MAX_BYTES * 4))
    headers = {"content-type": content_type}
    if protocol.startswith("grpc"):
        headers["te"] = "trailers"
    if protocol.startswith("connect"):
        headers["connect-protocol-version"] = "1"
    return path, headers, _body(protocol, stream, payload)


def _grpc_status(protocol: str, response: pyqwest.FullResponse) -> tuple[str | None, str]:
    """grpc-status and grpc-message: trailers, trailers-only headers, or gRPC-Web's body frame."""
    for source in (response.trailers, response.headers):
        if "grpc-status" in source:
            return source["grpc-status"], unquote(source.get("grpc-message", ""))
    if protocol == "grpc-web":
        for flags, data in envelopes(response.content):
            if flags & 0x80:
                fields = dict(
                    line.split(":", 1) for line in data.decode().split("\r\n") if ":" in line
                )
                fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
                return fields.get("grpc-status"), unquote(fields.get("grpc-message", ""))
    return None, ""


def _connect_end_error(response: pyqwest.FullResponse) -> dict[str, Any]:
    frames = envelopes(response.content)
    assert frames, f"no frames in {response.content!r}"
    flags, data = frames[-1]
    assert flags & 0x02, f"last frame is not end-stream: {frames}"
    return json.loads(data).get("error", {})


def _describe(response: pyqwest.FullResponse) -> str:
    return (
        f"status={response.status} headers={dict(response.headers.items())} "
        f"trailers={dict(response.trailers.items())} body={response.content[:300]!r}"
    )


@pytest.mark.small_server
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    mx.AXES,
    mx.cells("test_bad_input", tuple(PROTOCOLS), STREAMS, ("raw",), mx.MAIN_SERVERS),
    indirect=["server"],
)
def test_bad_input(gen, server, small_server, protocol, stream, client, case) -> None:
    del client
    target = small_server if case == "oversized" else server
    path, headers, body = _request(gen, protocol, stream, case)
    transport = pyqwest.SyncHTTPTransport(
        http_version=pyqwest.HTTPVersion.HTTP2 if target.http2 else pyqwest.HTTPVersion.HTTP1,
        enable_gzip=False,
        timeout=RAW_TIMEOUT_S,
    )
    with transport:
        response = pyqwest.SyncClient(transport).post(
            f"{target.address}{path}", headers=headers, content=body
        )
    info = _describe(response)
    assert response.status != 500, info
    if case == "unknown-method":
        assert response.status == 404, info
    elif case == "wrong-content-type":
        assert response.status == 415, info
    else:
        code = "invalid_argument" if case == "malformed-body" else "resource_exhausted"
        if protocol.startswith("grpc"):
            want = GRPC_INVALID_ARGUMENT if case == "malformed-body" else GRPC_RESOURCE_EXHAUSTED
            assert response.status == 200, info
            status, _ = _grpc_status(protocol, response)
            assert status == want, info
        elif stream == "unary":
            assert response.status == (400 if case == "malformed-body" else 429), info
            assert response.headers.get("content-type") == "application/json", info
            assert json.loads(response.content)["code"] == code, info
        else:
            assert response.status == 200, info
            assert _connect_end_error(response).get("code") == code, info
    # The server is still fine: a good request of the same kind, through the generated client.
    inputs = ["ok"] if case == "oversized" else HAPPY[stream]
    good = call(gen, target, protocol, "sync", stream, inputs)
    assert good.error is None, good.describe()
    assert (good.messages, good.count) == expected(stream, inputs), good.describe()
