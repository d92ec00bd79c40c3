"""The real server processes: what runs, how it starts, how readiness is seen, how it stops.

Every server is a child process in its own process group on a loopback port picked at run
time. It is ready when a real Connect request (``POST /eliza.v1.ElizaService/Say`` with a
JSON body, over HTTP/1.1, which every server here speaks) answers 200; readiness is polled
with short connection attempts, never a fixed sleep. Stopping sends SIGTERM to the whole
process group (pyvoy runs Envoy, gunicorn forks workers), then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from e2e_gen import ENV_GOOGLE

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0

# Kinds of server (the `server` axis of the matrix).
UVICORN = "uvicorn"
PYVOY = "pyvoy"
GUNICORN = "gunicorn"
PYVOY_WSGI = "pyvoy-wsgi"
STARLETTE = "starlette@uvicorn"
FLASK = "flask@gunicorn"
UVICORN_PY = "uvicorn[py]"
GUNICORN_PY = "gunicorn[py]"

GUNICORN_THREADS = 16


@dataclass(frozen=True)
class ServerSpec:
    """One server process: an app of e2e_apps under one server program."""

    name: str
    program: str  # uvicorn | pyvoy | gunicorn
    app: str  # attribute of e2e_apps
    interface: str  # asgi | wsgi
    http2: bool  # serves HTTP/2 cleartext (prior knowledge) as well as HTTP/1.1
    flavor: str  # google | py: the tree it serves

    @property
    def service_label(self) -> str:
        """The x-e2e-service header its implementation answers with (see e2e_apps.py)."""
        return {
            "asgi_app": "async",
            "asgi_lifespan_app": "async-lifespan",
            "wsgi_app": "sync",
            "asgi_small": "async-small",
            "wsgi_small": "sync-small",
            "starlette_app": "async-starlette",
            "flask_app": "sync-flask",
        }[self.app]

    @property
    def description(self) -> str:
        http = "HTTP/1.1 + HTTP/2 (h2c)" if self.http2 else "HTTP/1.1"
        return f"{self.program} ({self.interface.upper()}, {http}) serving e2e_apps:{self.app}"

    def argv(self, port: int) -> list[str]:
        app = f"e2e_apps:{self.app}"
        if self.program == "uvicorn":
            # h11: the pure-Python HTTP/1.1 implementation (httptools is not installed).
            return [
                str(BIN / "python"), "-m", "uvicorn", app,
                "--host", "127.0.0.1", "--port", str(port),
                "--http", "h11", "--loop", "asyncio", "--lifespan", "on",
                "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
        if self.program == "pyvoy":
            argv = [
                str(BIN / "pyvoy"), app,
                "--address", "127.0.0.1", "--port", str(port),
                "--interface", self.interface,
            ]  # fmt: skip
            if self.interface == "asgi":
                argv += ["--loop", "asyncio"]
            return argv
        if self.program == "gunicorn":
            # gthread: threads let a slow (deadline) handler or a long stream run while
            # other requests are served; sync workers would serve one connection at a time.
            return [
                str(BIN / "python"), "-m", "gunicorn", app,
                "--bind", f"127.0.0.1:{port}",
                "--worker-class", "gthread", "--workers", "1",
                "--threads", str(GUNICORN_THREADS),
                "--no-control-socket", "--log-level", "warning",
            ]  # fmt: skip
        msg = f"unknown program {self.program}"
        raise ValueError(msg)


SPECS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec(UVICORN, "uvicorn", "asgi_lifespan_app", "asgi", False, "google"),
        ServerSpec(PYVOY, "pyvoy", "asgi_app", "asgi", True, "google"),
        ServerSpec(GUNICORN, "gunicorn", "wsgi_app", "wsgi", False, "google"),
        ServerSpec(PYVOY_WSGI, "pyvoy", "wsgi_app", "wsgi", True, "google"),
        # The same programs with read_max_bytes=SMALL_READ_MAX_BYTES, for oversized messages.
        ServerSpec(f"{UVICORN}/small", "uvicorn", "asgi_small", "asgi", False, "google"),
        ServerSpec(f"{PYVOY}/small", "pyvoy", "asgi_small", "asgi", True, "google"),
        ServerSpec(f"{GUNICORN}/small", "gunicorn", "wsgi_small", "wsgi", False, "google"),
        ServerSpec(f"{PYVOY_WSGI}/small", "pyvoy", "wsgi_small", "wsgi", True, "google"),
        # Mounted beside an ordinary route of a framework.
        ServerSpec(STARLETTE, "uvicorn", "starlette_app", "asgi", False, "google"),
        ServerSpec(FLASK, "gunicorn", "flask_app", "wsgi", False, "google"),
        # The py flavor's tree.
        ServerSpec(UVICORN_PY, "uvicorn", "asgi_app", "asgi", False, "py"),
        ServerSpec(GUNICORN_PY, "gunicorn", "wsgi_app", "wsgi", False, "py"),
    )
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    error: str | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def http2(self) -> bool:
        return self.spec.http2

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as e:
            return f"(cannot read {self.log_path}: {e})"
        return "\n".join(text.splitlines()[-lines:])

    def probe(self) -> bool:
        """One readiness attempt: a real Connect JSON request answered with 200."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request(
                "POST",
                "/eliza.v1.ElizaService/Say",
                body=json.dumps({"sentence": "ready?"}),
                headers={"content-type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            return response.status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_GRACE_S)
        # Whatever is left of the group (a worker that ignored SIGTERM, Envoy).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_GRACE_S)
        self.log_file.close()


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the test process dies without stopping us (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start(spec: ServerSpec, trees: dict[str, Path], log_dir: Path) -> Server:
    port = free_port()
    env = dict(os.environ)
    env[ENV_GOOGLE] = str(trees[spec.flavor])
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    log_path = log_dir / f"{spec.name.replace('/', '-')}.log"
    log_file = log_path.open("wb")
    argv = spec.argv(port)
    log_file.write(f"$ {' '.join(argv)}\n".encode())
    log_file.flush()
    process = subprocess.Popen(  # our own argv
        argv,
        cwd=HERE,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed as a whole
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
    )
    return Server(spec, port, process, log_path, log_file)


def wait_ready(servers: list[Server], timeout_s: float = READY_TIMEOUT_S) -> None:
    """Polls every server until it answers or exits; sets .error on the ones that fail."""
    deadline = time.monotonic() + timeout_s
    pending = list(servers)
    delay = 0.02
    while pending:
        for server in list(pending):
            code = server.process.poll()
            if code is not None:
                server.error = f"{server.spec.name} exited with {code} before it was ready"
                pending.remove(server)
            elif server.probe():
                pending.remove(server)
        if not pending:
            return
        if time.monotonic() > deadline:
            for server in pending:
                server.error = (
                    f"{server.spec.name} did not answer on port {server.port} "
                    f"within {timeout_s:.0f} s"
                )
            return
        time.sleep(delay)  # between polls only: readiness itself is observed
        delay = min(delay * 2, 0.2)
