"""The applications the end-to-end servers run (``e2e_apps:<name>``).

The generated code is imported from the tree named by ``CONNECT_E2E_GEN`` (an output
root of our plugin, either flavor; see e2e_gen.py), with that root on ``sys.path`` as a
user would have it.

- ``asgi_app``: the generated ``ElizaServiceASGIApplication`` serving ``AsyncEliza``, with
  a server interceptor.
- ``asgi_lifespan_app``: the same, but given an async generator that yields the service,
  which the application resolves in the ASGI lifespan startup (the other form of its
  ``service`` parameter).
- ``wsgi_app``: the generated ``ElizaServiceWSGIApplication`` serving ``SyncEliza``, with a
  server interceptor.
- ``asgi_small`` / ``wsgi_small``: the same with ``read_max_bytes=SMALL_READ_MAX_BYTES``,
  for the oversized-message checks.
- ``starlette_app``: a Starlette application with an ordinary route ``/hello`` and the
  generated ASGI application mounted at its ``path``.
- ``flask_app``: a Flask application with an ordinary route ``/hello``, and the generated
  WSGI application mounted at its ``path`` by werkzeug's DispatcherMiddleware.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from e2e_gen import ENV_GOOGLE, load
from e2e_service import (
    HELLO_FLASK,
    HELLO_STARLETTE,
    SMALL_READ_MAX_BYTES,
    AsyncEliza,
    ServerTagInterceptor,
    ServerTagInterceptorSync,
    SyncEliza,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

GEN = load(Path(os.environ[ENV_GOOGLE]))
_connect = GEN.connect

asgi_app = _connect.ElizaServiceASGIApplication(
    AsyncEliza(GEN, "async"), interceptors=[ServerTagInterceptor()]
)


async def _lifespan_service() -> AsyncIterator[AsyncEliza]:
    yield AsyncEliza(GEN, "async-lifespan")


asgi_lifespan_app = _connect.ElizaServiceASGIApplication(
    _lifespan_service(), interceptors=[ServerTagInterceptor()]
)
wsgi_app = _connect.ElizaServiceWSGIApplication(
    SyncEliza(GEN, "sync"), interceptors=[ServerTagInterceptorSync()]
)
asgi_small = _connect.ElizaServiceASGIApplication(
    AsyncEliza(GEN, "async-small"), read_max_bytes=SMALL_READ_MAX_BYTES
)
wsgi_small = _connect.ElizaServiceWSGIApplication(
    SyncEliza(GEN, "sync-small"), read_max_bytes=SMALL_READ_MAX_BYTES
)


def _starlette_app():
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    async def hello(_request: object) -> PlainTextResponse:
        return PlainTextResponse(HELLO_STARLETTE)

    app = _connect.ElizaServiceASGIApplication(AsyncEliza(GEN, "async-starlette"))
    return Starlette(routes=[Route("/hello", hello), Mount(app.path, app=app)])


def _flask_app():
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    flask = Flask(__name__)

    @flask.get("/hello")
    def hello() -> str:
        return HELLO_FLASK

    app = _connect.ElizaServiceWSGIApplication(SyncEliza(GEN, "sync-flask"))
    flask.wsgi_app = DispatcherMiddleware(flask.wsgi_app, {app.path: app})  # type: ignore[method-assign]
    return flask


def __getattr__(name: str) -> object:
    # The framework applications are built on first use, so that the plain servers do
    # not import Starlette or Flask.
    if name == "starlette_app":
        return _starlette_app()
    if name == "flask_app":
        return _flask_app()
    raise AttributeError(name)
