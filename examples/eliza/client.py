"""Talks to an Eliza server with the generated clients.

    python client.py http://127.0.0.1:8000          # the threaded client
    python client.py http://127.0.0.1:8000 --async  # the asyncio client

It first waits (up to 15 s, see --wait) for the server to accept connections, so that it
can be run right after starting one in the background. A call that fails is reported in
one line with its Connect code, e.g. "unavailable: ... Connection refused", and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import time
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from eliza.v1.eliza_connect import ElizaServiceClient, ElizaServiceClientSync
from eliza.v1.eliza_pb import IntroduceRequest, PontificateRequest, SayRequest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator


def talk(url: str) -> None:
    with ElizaServiceClientSync(url) as eliza:
        print(eliza.say(SayRequest(sentence="I feel happy.")).sentence)
        for answer in eliza.introduce(IntroduceRequest(name="Ada")):
            print(answer.sentence)

        def sentences() -> Iterator[PontificateRequest]:
            yield PontificateRequest(sentence="Streams")
            yield PontificateRequest(sentence="work.")

        summary = eliza.pontificate(sentences())
        print(f"{summary.sentence} ({summary.count} sentences)")


async def talk_async(url: str) -> None:
    async with ElizaServiceClient(url) as eliza:
        print((await eliza.say(SayRequest(sentence="I feel happy."))).sentence)
        async for answer in eliza.introduce(IntroduceRequest(name="Ada")):
            print(answer.sentence)

        async def sentences() -> AsyncIterator[PontificateRequest]:
            yield PontificateRequest(sentence="Streams")
            yield PontificateRequest(sentence="work.")

        summary = await eliza.pontificate(sentences())
        print(f"{summary.sentence} ({summary.count} sentences)")


def wait_for_server(url: str, seconds: float) -> None:
    """Returns once the server accepts connections, or after `seconds`: then the first
    call fails with the client's own ConnectError, which says what went wrong."""
    host, _, port = url.split("://", 1)[-1].split("/", 1)[0].rpartition(":")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument(
        "--wait", type=float, default=15.0, help="seconds to wait for the server (15)"
    )
    args = parser.parse_args()
    wait_for_server(args.url, args.wait)
    try:
        if args.use_async:
            asyncio.run(talk_async(args.url))
        else:
            talk(args.url)
    except ConnectError as error:
        sys.exit(f"{error.code.name.lower()}: {error.message}")
    finally:
        if args.use_async:
            # pyqwest 0.12's asyncio client may still be waking the finished event loop
            # from one of its own threads; a process that exits at that moment is
            # aborted (SIGABRT) by CPython's finalization. A moment's pause lets it end.
            time.sleep(0.2)


if __name__ == "__main__":
    main()
