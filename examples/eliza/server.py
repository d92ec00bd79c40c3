"""The generated applications, ready to serve.

uvicorn server:app --port 8000             # ASGI (asyncio)
gunicorn server:wsgi_app -b 127.0.0.1:8001 # WSGI (threads)
"""

from __future__ import annotations

from eliza.v1.eliza_connect import (
    ElizaServiceASGIApplication,
    ElizaServiceWSGIApplication,
)
from eliza_service import Eliza, ElizaSync

app = ElizaServiceASGIApplication(Eliza())
wsgi_app = ElizaServiceWSGIApplication(ElizaSync())
