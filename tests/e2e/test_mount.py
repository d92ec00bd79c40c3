"""The generated applications mounted at their ``path`` beside ordinary framework routes.

- Starlette (served by uvicorn): ``Starlette(routes=[Route("/hello", ...),
  Mount(app.path, app=app)])``, where ``app`` is the generated ``ElizaServiceASGIApplication``.
- Flask (served by gunicorn): ``DispatcherMiddleware(flask.wsgi_app, {app.path: app})``,
  where ``app`` is the generated ``ElizaServiceWSGIApplication``.

Both routes must answer on the same server process.
"""

from __future__ import annotations

import pyqwest
import pytest

import e2e_matrix as mx
import e2e_service as svc
from e2e_client import CLIENTS, PROTOCOLS, STREAMS, call, expected
from test_rpc import HAPPY


@pytest.mark.parametrize(
    mx.AXES,
    mx.cells("test_mounted", tuple(PROTOCOLS), STREAMS, CLIENTS, mx.MOUNT_SERVERS),
    indirect=["server"],
)
def test_mounted(gen, server, protocol, stream, client) -> None:
    result = call(gen, server, protocol, client, stream, HAPPY[stream])
    messages, count = expected(stream, HAPPY[stream])
    assert result.error is None, result.describe()
    assert (result.messages, result.count) == (messages, count), result.describe()


@pytest.mark.parametrize(
    mx.AXES,
    mx.cells("test_framework_route", ("-",), ("-",), ("raw",), mx.MOUNT_SERVERS),
    indirect=["server"],
)
def test_framework_route(gen, server, protocol, stream, client) -> None:
    del protocol, stream, client
    want = svc.HELLO_STARLETTE if server.spec.name == mx.srv.STARLETTE else svc.HELLO_FLASK
    with pyqwest.SyncHTTPTransport(timeout=10.0) as transport:
        http = pyqwest.SyncClient(transport)
        response = http.get(f"{server.address}/hello")
        assert (response.status, response.text()) == (200, want)
        # An unknown path is the framework's 404, not the RPC application's.
        missing = http.get(f"{server.address}/nowhere")
        assert missing.status == 404
    # And the mounted application answers on the same server.
    result = call(gen, server, "connect-proto", "sync", "unary", ["still there?"])
    assert result.messages == expected("unary", ["still there?"])[0], result.describe()
