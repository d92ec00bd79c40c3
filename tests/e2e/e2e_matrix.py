"""The matrix: every case is a cell (feature, protocol, stream kind, client kind, server).

``cells()`` turns the axes of a test into pytest params. A combination that cannot work
with the runtime is never left out silently:

- ``xfail(strict=True)`` where running it shows the failure quickly and deterministically
  (gRPC on an HTTP/1.1 server, full-duplex bidi on gunicorn): the run proves, every time,
  that it still fails, and a pass would turn the run red;
- a ``not_applicable(reason)`` mark where the combination does not exist in the API or
  protocol (GET for streams), or repeats a failure proven by the xfail cells: conftest.py
  deselects those items at collection (nothing is skipped) and shows them as n/a.

conftest.py records every cell's outcome and prints the tables at the end of the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

import e2e_servers as srv

if TYPE_CHECKING:
    from collections.abc import Iterable

# Features: test function name -> table title (in print order).
FEATURES: dict[str, str] = {
    "test_roundtrip": "Round trip (answers per stream kind; bidi half-duplex)",
    "test_full_duplex": "Full-duplex bidi (ping-pong: next request only after the previous answer)",
    "test_error": "Errors (code, message, details reach the client)",
    "test_headers_trailers": "Headers and trailers (request header echoed back; response trailer)",
    "test_deadline": "Deadline (client timeout_ms expires as deadline_exceeded)",
    "test_client_options": "Client constructor options (interceptors, read_max_bytes, timeout_ms)",
    "test_compression": "gzip compression (requests and responses, seen on the wire)",
    "test_get": "GET (use_get=True, server sees GET)",
    "test_mounted": "Mounted at .path beside a framework route",
    "test_framework_route": "Framework route beside the mounted app",
    "test_py_flavor": "py flavor (protobuf-py messages) smoke",
    "test_py_flavor_error": "py flavor errors with a protobuf-py detail",
    "test_bad_input": "Bad input at the server (raw HTTP), then a good request",
}

BAD_INPUT_CASES = ("unknown-method", "malformed-body", "wrong-content-type", "oversized")
PROTOCOL_ORDER = ("connect-proto", "connect-json", "grpc", "grpc-web", "-")
STREAM_ORDER = ("unary", "client_stream", "server_stream", "bidi", "-")
CLIENT_ORDER = ("async", "sync", "raw")
SERVER_ORDER = (
    srv.UVICORN,
    srv.PYVOY,
    srv.GUNICORN,
    srv.PYVOY_WSGI,
    srv.STARLETTE,
    srv.FLASK,
    srv.UVICORN_PY,
    srv.GUNICORN_PY,
)

MAIN_SERVERS = (srv.UVICORN, srv.PYVOY, srv.GUNICORN, srv.PYVOY_WSGI)
MOUNT_SERVERS = (srv.STARLETTE, srv.FLASK)
PY_SERVERS = (srv.UVICORN_PY, srv.GUNICORN_PY)


def grpc_http1_reason(server: str) -> str:
    spec = srv.SPECS[server]
    iface = spec.interface.upper()
    return (
        f"gRPC needs HTTP/2 with response trailers; {spec.program} serves HTTP/1.1 only, "
        f"so the runtime answers grpc-status 2 (unknown) '{iface} server does not support "
        f"{iface} trailers extension'"
    )


FULL_DUPLEX_GUNICORN = (
    "gunicorn's wsgi.input.read(n) waits for n bytes or the end of the body, and the "
    "runtime's WSGI server reads the request stream in 4096-byte chunks, so the handler "
    "sees a small message only after the client stops sending: bidi is half-duplex on "
    "gunicorn (the half-duplex round trip passes)"
)
GET_PROTOCOL = (
    "GET is defined by the Connect protocol only: the runtime's gRPC and gRPC-Web clients "
    "accept use_get=True but silently POST (the call succeeds; the server sees POST)"
)
GET_STREAM = "GET is for unary RPCs only: use_get is generated on unary methods alone"


@dataclass(frozen=True)
class Verdict:
    kind: str  # "xfail" | "na"
    reason: str
    # For an xfail: texts one of which the failure must contain, so that a cell failing
    # for another reason is reported as a failure, not as the expected one (conftest.py).
    signatures: tuple[str, ...] = ()


def verdict(feature: str, protocol: str, stream: str, client: str, server: str) -> Verdict | None:
    """Whether a combination cannot work, and why (None: it must pass)."""
    del client  # no combination depends on the client kind
    spec = srv.SPECS.get(server)
    http1_only = spec is not None and not spec.http2
    if feature == "test_get" and stream != "unary":
        return Verdict("na", GET_STREAM)
    if protocol == "grpc" and http1_only:
        if feature == "test_bad_input":
            # The raw requests cannot reach a gRPC handler either; the xfail cells of the
            # client features prove the failure on every run.
            return Verdict("na", grpc_http1_reason(server) + " (proven by the xfail cells above)")
        # The server answers the error at once; a client still writing a streamed request
        # body may then see its connection closed first.
        return Verdict(
            "xfail",
            grpc_http1_reason(server),
            ("trailers extension", "error writing a body to connection"),
        )
    if feature == "test_get" and protocol in ("grpc", "grpc-web"):
        return Verdict("xfail", GET_PROTOCOL, ("'x-e2e-seen-method': 'POST'",))
    if feature == "test_full_duplex" and spec is not None and spec.program == "gunicorn":
        return Verdict("xfail", FULL_DUPLEX_GUNICORN, ("'gave up'",))
    return None


def cells(
    feature: str,
    protocols: Iterable[str],
    streams: Iterable[str],
    clients: Iterable[str],
    servers: Iterable[str],
) -> list[Any]:
    """pytest params (protocol, stream, client, server) with their verdict marks."""
    params = []
    for server in servers:
        for client in clients:
            for protocol in protocols:
                for stream in streams:
                    v = verdict(feature, protocol, stream, client, server)
                    marks: list[pytest.MarkDecorator] = []
                    if v is not None and v.kind == "xfail":
                        marks.append(
                            pytest.mark.xfail(reason=v.reason, strict=True, raises=AssertionError)
                        )
                        marks.append(pytest.mark.failure_signature(*v.signatures))
                    elif v is not None:
                        marks.append(pytest.mark.not_applicable(reason=v.reason))
                    params.append(
                        pytest.param(
                            protocol,
                            stream,
                            client,
                            server,
                            marks=marks,
                            id=f"{server}-{client}-{protocol}-{stream}",
                        )
                    )
    return params


AXES = ("protocol", "stream", "client", "server")
