"""Smoke test of the py flavor (protobuf-py messages, ``*_pb.py``): the tree of
``CONNECT_E2E_GEN_PY`` served by uvicorn (ASGI) and gunicorn (WSGI) and called by its own
generated clients, Connect protocol with binary and JSON codecs, unary and server streaming.
"""

from __future__ import annotations

import pytest

import e2e_matrix as mx
import e2e_service as svc
from e2e_client import CLIENTS, call, expected
from test_rpc import BEFORE_FAILURE, FAILING, HAPPY

PROTOCOLS = ("connect-proto", "connect-json")
STREAMS = ("unary", "server_stream")


@pytest.mark.parametrize(
    mx.AXES,
    mx.cells("test_py_flavor", PROTOCOLS, STREAMS, CLIENTS, mx.PY_SERVERS),
    indirect=["server"],
)
def test_py_flavor(gen_py, server, protocol, stream, client) -> None:
    result = call(
        gen_py, server, protocol, client, stream, HAPPY[stream], headers={svc.ECHO_HEADER: "py"}
    )
    messages, count = expected(stream, HAPPY[stream])
    assert result.error is None, result.describe()
    assert (result.messages, result.count) == (messages, count), result.describe()
    assert result.headers.get(svc.ECHO_HEADER) == "py", result.describe()
    assert result.trailers.get(svc.TRAILER), result.describe()


@pytest.mark.parametrize(
    mx.AXES,
    mx.cells("test_py_flavor_error", PROTOCOLS, STREAMS, CLIENTS, mx.PY_SERVERS),
    indirect=["server"],
)
def test_py_flavor_error(gen_py, server, protocol, stream, client) -> None:
    result = call(gen_py, server, protocol, client, stream, FAILING[stream])
    error = result.error
    assert error is not None, result.describe()
    assert (error.code, error.message) == (svc.ERROR_CODE, svc.ERROR_MESSAGE), result.describe()
    assert result.messages == BEFORE_FAILURE[stream], result.describe()
    (detail,) = error.details
    # With protobuf-py the detail unpacks with the runtime's own API.
    value = detail.value(gen_py.pb.SayResponse)
    assert value is not None
    assert value.sentence == svc.ERROR_DETAIL
