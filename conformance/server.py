"""The conformance server under test: the generated ASGI / WSGI application on a real server.

Run by `connectconformance --mode server` (see scripts/conformance). Reads one
size-delimited `ServerCompatRequest` from stdin, starts a real HTTP server serving
`conformance_service:asgi_app` (the generated `ConformanceServiceASGIApplication`) or
`conformance_service:wsgi_app` (the generated `ConformanceServiceWSGIApplication`), writes a
`ServerCompatResponse` (host, port, certificate) to stdout and serves until SIGTERM.

    server.py --app asgi --http1 uvicorn --http2 pyvoy
    server.py --app wsgi --http1 gunicorn --http2 pyvoy

`--http1` serves the configs that ask for HTTP/1.1, `--http2` those that ask for HTTP/2:
pyvoy (Envoy; HTTP/1.1 and HTTP/2 with trailers, ASGI or WSGI), uvicorn (ASGI, HTTP/1.1),
gunicorn (WSGI, HTTP/1.1, gthread workers). All of them terminate TLS themselves when the
config asks for it, with the runner's certificate, and require the runner's client
certificate when it sends one. Server logs go to stderr, or to
`$CONFORMANCE_LOG_DIR/server-<pid>.log` when that is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from conformance_common import (
    FLAVOR,
    FLAVOR_ENV,
    GEN_ENV,
    GEN_ROOT,
    HTTP_VERSION,
    read_delimited,
    server_compat,
    write_delimited,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SERVERS = {"asgi": ("pyvoy", "uvicorn"), "wsgi": ("pyvoy", "gunicorn")}
# gunicorn: threads per worker. Every open stream holds a thread, and the runner sends
# up to 4 x GOMAXPROCS requests at once.
GUNICORN_THREADS = 64
# Idle keep-alive connections are kept longer than the reference client (Go's
# net/http, 90 s idle timeout) keeps them: with the servers' defaults (uvicorn 5 s,
# gunicorn 2 s) the server closes an idle connection just as the client reuses it for a
# POST, which Go cannot retry ("broken pipe", "use of closed network connection").
KEEP_ALIVE_S = 120


def _parent_death_signal() -> None:
    """In the child: get SIGTERM when the launcher dies, so no server outlives a run."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class Tls:
    """The runner's certificates, written to files for the servers that want paths."""

    def __init__(self, request: server_compat.ServerCompatRequest, directory: Path) -> None:
        self.cert = request.server_creds.cert
        self.key = request.server_creds.key
        self.client_ca = request.client_tls_cert or None
        self.cert_file = directory / "server.crt"
        self.key_file = directory / "server.key"
        self.cert_file.write_bytes(self.cert)
        self.key_file.write_bytes(self.key)
        self.key_file.chmod(0o600)
        self.client_ca_file: Path | None = None
        if self.client_ca:
            self.client_ca_file = directory / "client-ca.crt"
            self.client_ca_file.write_bytes(self.client_ca)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _wait_until_serving(port: int, tls: Tls | None, process: asyncio.subprocess.Process) -> None:
    """Block until the server answers on the (already listening) socket.

    The socket is bound before the server starts, so a connection is always accepted into
    the backlog; the server is up once it answers an HTTP request or, with TLS (where this
    probe has no client certificate to offer), completes or rejects the handshake.
    """
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        if process.returncode is not None:
            msg = f"the server exited with status {process.returncode} before serving"
            raise RuntimeError(msg)
        try:
            with socket.create_connection((HOST, port), timeout=0.5) as raw:
                conn: socket.socket = raw
                if tls is not None:
                    context = ssl.create_default_context(cadata=tls.cert.decode())
                    context.check_hostname = False
                    try:
                        conn = context.wrap_socket(raw, server_hostname=HOST)
                    except (ssl.SSLError, ConnectionError):
                        return  # the server handled the handshake: it is up
                conn.sendall(b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                conn.recv(1)  # an answer, or the server closing the connection
                return
        except TimeoutError:
            continue
        except (ssl.SSLError, ConnectionError):
            if tls is not None:
                return
        time.sleep(0.05)
    msg = "the server did not answer within 8 s"
    raise RuntimeError(msg)


class Launch:
    """How to start one server for one config: its environment, logs and certificates."""

    def __init__(
        self, app: str, request: server_compat.ServerCompatRequest, tls: Tls | None
    ) -> None:
        self.app = app
        self.target = f"conformance_service:{app}_app"
        self.tls = tls
        # What the application module needs. pyvoy adds it to its own environment, which
        # already carries this interpreter's sys.path (and so this directory).
        self.app_env = {GEN_ENV: str(GEN_ROOT), FLAVOR_ENV: FLAVOR.name, "PYTHONUNBUFFERED": "1"}
        if request.message_receive_limit:
            self.app_env["CONFORMANCE_READ_MAX_BYTES"] = str(request.message_receive_limit)
        self.env = {**os.environ, **self.app_env}
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(HERE), *filter(None, [self.env.get("PYTHONPATH")])]
        )
        self.log = sys.stderr.fileno()
        if log_dir := os.environ.get("CONFORMANCE_LOG_DIR"):
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            path = Path(log_dir) / f"server-{os.getpid()}.log"
            self.log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    async def pyvoy(self, stop: asyncio.Event) -> None:
        from pyvoy import PyvoyServer

        tls = self.tls
        server = PyvoyServer(
            self.target,
            address=HOST,
            port=0,
            interface="asgi" if self.app == "asgi" else "wsgi",
            loop="asyncio" if self.app == "asgi" else None,
            lifespan=False if self.app == "asgi" else None,
            env=self.app_env,
            stdout=self.log,
            stderr=self.log,
            tls_cert=tls.cert if tls else None,
            tls_key=tls.key if tls else None,
            # Clients must present a certificate signed by this CA, when the runner sends one.
            tls_ca_cert=tls.client_ca if tls else None,
            tls_require_client_certificate=True,
            tls_enable_http3=False,
        )
        await server.start()
        try:
            _respond(server.listener_port, self.tls)
            await _until(stop, server.wait())
        finally:
            await server.stop()

    def uvicorn_args(self, fd: int) -> list[str]:
        args = [
            str(BIN / "uvicorn"), self.target,
            "--fd", str(fd),
            "--http", "h11",
            "--loop", "asyncio",
            "--lifespan", "off",
            "--log-level", "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown", "1",
            "--timeout-keep-alive", str(KEEP_ALIVE_S),
        ]  # fmt: skip
        if self.tls is not None:
            args += ["--ssl-certfile", str(self.tls.cert_file)]
            args += ["--ssl-keyfile", str(self.tls.key_file)]
            if self.tls.client_ca_file is not None:
                args += ["--ssl-ca-certs", str(self.tls.client_ca_file), "--ssl-cert-reqs", "2"]
        return args

    def gunicorn_args(self, fd: int) -> list[str]:
        args = [
            str(BIN / "gunicorn"), self.target,
            "--bind", f"fd://{fd}",
            "--worker-class", "gthread",
            "--workers", "1",
            "--threads", str(GUNICORN_THREADS),
            "--graceful-timeout", "1",
            "--keep-alive", str(KEEP_ALIVE_S),
            "--log-level", "warning",
        ]  # fmt: skip
        if self.tls is not None:
            args += ["--certfile", str(self.tls.cert_file), "--keyfile", str(self.tls.key_file)]
            if self.tls.client_ca_file is not None:
                args += ["--ca-certs", str(self.tls.client_ca_file), "--cert-reqs", "2"]
        return args

    async def subprocess(self, server: str, stop: asyncio.Event) -> None:
        """uvicorn / gunicorn on a socket bound here, so its port is known up front."""
        sock = _listening_socket()
        port = sock.getsockname()[1]
        args = (
            self.uvicorn_args(sock.fileno())
            if server == "uvicorn"
            else self.gunicorn_args(sock.fileno())
        )
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            env=self.env,
            pass_fds=(sock.fileno(),),
            preexec_fn=_parent_death_signal,
        )
        try:
            await asyncio.to_thread(_wait_until_serving, port, self.tls, process)
            _respond(port, self.tls)
            await _until(stop, process.wait())
        finally:
            sock.close()
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 5)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _until(stop: asyncio.Event, server_exit: Awaitable[object]) -> None:
    """Serve until SIGTERM (the runner is done) or the server's own exit."""
    waiters = {asyncio.ensure_future(server_exit), asyncio.ensure_future(stop.wait())}
    _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        waiter.cancel()


async def serve(app: str, server: str, request: server_compat.ServerCompatRequest) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    with tempfile.TemporaryDirectory(prefix="conformance-tls-") as tmp:
        launch = Launch(app, request, Tls(request, Path(tmp)) if request.use_tls else None)
        if server == "pyvoy":
            await launch.pyvoy(stop)
        else:
            await launch.subprocess(server, stop)


def _respond(port: int, tls: Tls | None) -> None:
    response = server_compat.ServerCompatResponse(
        host=HOST, port=port, pem_cert=tls.cert if tls is not None else None
    )
    write_delimited(sys.stdout.buffer, response)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", choices=sorted(SERVERS), required=True)
    parser.add_argument("--http1", required=True, help="server for HTTP/1.1 configs")
    parser.add_argument("--http2", required=True, help="server for HTTP/2 configs")
    args = parser.parse_args()
    for server in (args.http1, args.http2):
        if server not in SERVERS[args.app]:
            parser.error(f"{server} cannot serve the {args.app} app (one of {SERVERS[args.app]})")
    asyncio.run(_main(args.app, args.http1, args.http2))


async def _main(app: str, http1: str, http2: str) -> None:
    request = await asyncio.to_thread(
        read_delimited, sys.stdin.buffer, server_compat.ServerCompatRequest
    )
    if request is None:
        msg = "no ServerCompatRequest on stdin"
        raise SystemExit(msg)
    # The runner starts one server process per (protocol, HTTP version, TLS) config.
    server = http2 if request.http_version == HTTP_VERSION.HTTP_VERSION_2 else http1
    await serve(app, server, request)


if __name__ == "__main__":
    main()
