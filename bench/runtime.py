#!/usr/bin/env python3
"""The generated code at run time: ours against the reference's (protoc-gen-connectrpc
0.13.0) for the same 500-RPC service, in both flavors.

(a) Per-call overhead of a generated client method before the runtime is entered: the
    client's `execute_unary` is replaced on the instance by a stub that returns at once,
    so a call measures only the generated method's own work (the reference builds a
    `MethodInfo` on every call; ours reads the one its module built on first use). Sync
    clients are called directly; async ones by creating the coroutine and stepping it
    once, no event loop.
(c) The first call of a process, timed on its own (the sync client's, once): for ours
    it is the first read of a `MethodInfo`, which also looks up the module's message
    classes; the work ours moved from import to first use.
(b) Import time of the `_connect` module: `python -X importtime`, the module's own "self"
    time, which excludes the modules it imports (the message module and the runtime are
    reported on lines of their own). Cold: no bytecode cache for the generated modules
    (deleted, and PYTHONDONTWRITEBYTECODE), so the import compiles the source. Warm: the
    `.pyc` is there; several warm imports per round (--warm-imports), since the warm
    time is small and the garbage collector's runs, which fall in it at random, are not.

Every measurement runs in fresh processes, the variants interleaved round by round; the
tables give medians over the rounds and how much faster ours is.

Run with the .venv-bench interpreter (connectrpc, protobuf, protobuf-py, grpcio-tools,
protoc-gen-py, protoc-gen-connectrpc); scripts/bench passes the paths.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MODULE = "bench.f0000.v1.api_connect"
SERVICE = "Bench0Service"
# The first RPC of the corpus is unary and NO_SIDE_EFFECTS, so its signature has
# every parameter (headers, timeout_ms, use_get).
METHOD = "get_item0"
REQUEST = "ItemRequest"

# Runs inside a fresh interpreter with one variant's output directory on sys.path and
# prints the median nanoseconds per call of the sync and the async client method.
CALL_WORKER = r"""
import importlib, statistics, sys, time, timeit
connect = importlib.import_module(sys.argv[1])
messages = importlib.import_module(sys.argv[2])
request = getattr(messages, sys.argv[5])()
sync_client = getattr(connect, sys.argv[3] + "ClientSync")("http://127.0.0.1:9")
async_client = getattr(connect, sys.argv[3] + "Client")("http://127.0.0.1:9")

def stub(**kwargs):
    return None

async def async_stub(**kwargs):
    return None

sync_client.execute_unary = stub
async_client.execute_unary = async_stub
sync_method = getattr(sync_client, sys.argv[4])
async_method = getattr(async_client, sys.argv[4])

start = time.perf_counter_ns()
sync_method(request)
print("first", time.perf_counter_ns() - start)

def call_async():
    coroutine = async_method(request)
    try:
        coroutine.send(None)
    except StopIteration:
        pass

number = int(sys.argv[6])
for name, fn in (("sync", lambda: sync_method(request)), ("async", call_async)):
    runs = timeit.repeat(fn, number=number, repeat=5)
    print(name, statistics.median(runs) / number * 1e9)
"""


def generate(
    python: str,
    venv: Path,
    plugin: str,
    proto_root: Path,
    proto: str,
    flavor: str,
    ours: bool,
    out: Path,
) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    argv = [python, "-m", "grpc_tools.protoc", "-I", str(proto_root)]
    if flavor == "google":
        argv += [f"--python_out={out}", f"--pyi_out={out}"]
    else:
        argv += [
            f"--plugin=protoc-gen-py={venv / 'bin' / 'protoc-gen-py'}",
            f"--py_out={out}",
        ]
    if ours:
        argv += [
            f"--plugin=protoc-gen-connect_python={plugin}",
            f"--connect_python_out={out}",
        ]
        if flavor == "google":
            argv.append("--connect_python_opt=protobuf=google")
    else:
        argv += [
            f"--plugin=protoc-gen-connectrpc={venv / 'bin' / 'protoc-gen-connectrpc'}",
            f"--connectrpc_out={out}",
            f"--connectrpc_opt=protobuf={flavor}",
        ]
    subprocess.run(argv + [proto], check=True)


def import_self_us(python: str, root: Path, cold: bool) -> dict[str, int]:
    """One `python -X importtime` run; the self time in microseconds of each module."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cold:
        for cache in root.rglob("__pycache__"):
            shutil.rmtree(cache)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {MODULE}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    times = {}
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us, _, name = (
                part.strip() for part in line[len("import time:") :].split("|")
            )
            if self_us.isdigit():
                times[name] = int(self_us)
    return times


def faster(ours: float, ref: float) -> str:
    return f"{ref / ours:.2f}x faster" if ours <= ref else f"{ours / ref:.2f}x SLOWER"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--rpcs", type=int, default=500)
    parser.add_argument(
        "--rounds", type=int, default=15, help="fresh processes per variant"
    )
    parser.add_argument(
        "--calls", type=int, default=20000, help="calls per timing repeat"
    )
    parser.add_argument(
        "--warm-imports", type=int, default=5, help="warm imports per variant and round"
    )
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args()

    venv = Path(args.venv).absolute()
    python = str(venv / "bin" / "python")
    plugin = str(Path(args.plugin).resolve())
    cache = Path(args.cache).resolve() / "runtime"
    proto_root = cache / "proto"
    listing = subprocess.run(
        [
            sys.executable,
            str(BENCH / "corpus.py"),
            str(proto_root),
            "--files",
            "1",
            "--services",
            "1",
            "--rpcs",
            str(args.rpcs),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    variants = []
    for flavor in ("google", "py"):
        for ours in (True, False):
            out = cache / f"{'ours' if ours else 'ref'}-{flavor}"
            generate(python, venv, plugin, proto_root, listing[0], flavor, ours, out)
            variants.append((flavor, ours, out))
    message_module = {"google": "bench.f0000.v1.api_pb2", "py": "bench.f0000.v1.api_pb"}

    calls: dict[tuple[str, bool], dict[str, list[float]]] = {
        (f, o): {"first": [], "sync": [], "async": []} for f, o, _ in variants
    }
    imports: dict[tuple[str, bool], dict[str, list[int]]] = {
        (f, o): {"cold": [], "warm": [], "messages": []} for f, o, _ in variants
    }
    log(
        f"run time: {args.rounds} interleaved rounds of fresh processes per variant ..."
    )
    for round_ in range(args.rounds):
        order = variants if round_ % 2 == 0 else list(reversed(variants))
        for flavor, ours, root in order:
            result = subprocess.run(
                [
                    python,
                    "-c",
                    CALL_WORKER,
                    MODULE,
                    message_module[flavor],
                    SERVICE,
                    METHOD,
                    REQUEST,
                    str(args.calls),
                ],
                cwd=root,
                env={**os.environ, "PYTHONPATH": str(root)},
                capture_output=True,
                text=True,
                check=True,
            )
            for line in result.stdout.splitlines():
                kind, ns = line.split()
                calls[(flavor, ours)][kind].append(float(ns))
            cold = import_self_us(python, root, cold=True)
            imports[(flavor, ours)]["cold"].append(cold[MODULE])
            imports[(flavor, ours)]["messages"].append(cold[message_module[flavor]])
            import_self_us(python, root, cold=False)  # writes the .pyc
            for _ in range(args.warm_imports):
                imports[(flavor, ours)]["warm"].append(
                    import_self_us(python, root, cold=False)[MODULE]
                )
        log(f"  round {round_ + 1}/{args.rounds} done")

    med = statistics.median
    lines = [
        (
            f"Same proto for both generators: one service of {args.rpcs} RPCs (every stream "
            f"kind in turn); medians over {args.rounds} interleaved rounds of fresh processes."
        ),
        "",
        (
            f"(a) Per-call overhead of a generated client method (`{METHOD}`, unary) before "
            "the runtime is entered (`execute_unary` stubbed on the instance; median of "
            f"5 x {args.calls:,} calls per process):"
        ),
        "",
        "| flavor | client | ours | reference | ours is |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for flavor in ("google", "py"):
        for kind in ("sync", "async"):
            o, r = med(calls[(flavor, True)][kind]), med(calls[(flavor, False)][kind])
            lines.append(
                f"| {flavor} | {kind} | {o:.0f} ns | {r:.0f} ns | {faster(o, r)} |"
            )
    lines += [
        "",
        (
            f"(b) Import time of the `_connect` module of {args.rpcs} RPCs, its own "
            f"(`-X importtime` self) time; medians of {args.rounds} cold and "
            f"{args.rounds * args.warm_imports} warm imports:"
        ),
        "",
        "| flavor | bytecode | ours | reference | ours is |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for flavor in ("google", "py"):
        for kind, label in (
            ("cold", "cold (compiles source)"),
            ("warm", "warm (.pyc)"),
        ):
            o, r = (
                med(imports[(flavor, True)][kind]),
                med(imports[(flavor, False)][kind]),
            )
            lines.append(
                f"| {flavor} | {label} | {o / 1000:.2f} ms | {r / 1000:.2f} ms | {faster(o, r)} |"
            )
    lines += [
        "",
        "For scale, the message module's own cold import (the same file for both): "
        + ", ".join(
            f"{flavor} {med(imports[(flavor, True)]['messages']) / 1000:.2f} ms"
            for flavor in ("google", "py")
        )
        + ". Module sizes: "
        + ", ".join(
            f"{'ours' if ours else 'reference'} {flavor} {(root / 'bench/f0000/v1/api_connect.py').stat().st_size / 1000:.0f} kB"
            for flavor, ours, root in variants
        )
        + ".",
    ]
    lines += [
        "",
        (
            "(c) The first call of a process (the sync client's, as in (a); ours builds "
            "that RPC's `MethodInfo` and looks up the message classes), which happens once:"
        ),
        "",
        "| flavor | ours | reference | difference |",
        "| --- | ---: | ---: | ---: |",
    ]
    for flavor in ("google", "py"):
        o, r = med(calls[(flavor, True)]["first"]), med(calls[(flavor, False)]["first"])
        lines.append(
            f"| {flavor} | {o / 1000:.1f} µs | {r / 1000:.1f} µs | {(o - r) / 1000:+.1f} µs |"
        )
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
