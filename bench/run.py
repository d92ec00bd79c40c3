#!/usr/bin/env python3
"""The generator benchmark behind scripts/bench: every Connect Python generator on the
same CodeGeneratorRequest bytes, interleaved, several runs each.

It writes the corpus (bench/corpus.py), saves the request protoc sends for it once per
parameter set (through bench/capture.py), then runs each plugin binary directly on the
saved bytes, stdin from the file and stdout to /dev/null, so protoc's own time is not in
its numbers. The grpcio-tools and protoc-floor rows cannot run without protoc and run
through it; the table says so. Peak RSS is the child's ru_maxrss from wait4 (which covers
the descendants it waited for, e.g. a plugin under protoc). Output bytes are the content
bytes of the files in the decoded CodeGeneratorResponse, or the bytes written to the
output directory for the protoc rows.

Run it with the .venv-bench interpreter (it decodes responses with google.protobuf);
scripts/bench sets everything up and passes the paths.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.compiler import plugin_pb2

BENCH = Path(__file__).resolve().parent


@dataclass
class Corpus:
    files: int
    services: int
    rpcs: int
    root: Path
    protos: list[str]

    @property
    def label(self) -> str:
        rpcs = self.files * self.services * self.rpcs
        return f"{self.files} files x {self.services} services x {self.rpcs} RPCs = {rpcs:,} RPCs"


@dataclass
class Generator:
    """One row: a command, its stdin (a saved request) or None for protoc rows."""

    name: str
    flavor: str
    run_as: str
    argv: list[str]
    request: Path | None = None
    out_dir: Path | None = None
    slow: bool = False
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    output_bytes: int = 0
    files: int = 0


# Spawns one command with stdin and stdout redirected, waits for it, and prints its wall
# time, CPU time (user + system, all threads) and peak RSS. It runs in a small interpreter of its own (`python -S`) because on
# Linux a child's ru_maxrss can never be below its parent's RSS at the fork (exec records
# the old address space's high-water mark): spawned from this harness, whose RSS grows
# with the responses it decodes, every row would report at least the harness's size.
LAUNCHER = r"""
import os, sys, time
stdin = os.open(sys.argv[1], os.O_RDONLY)
stdout = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
actions = [(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, stdout, 1)]
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[3], sys.argv[3:], os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
print(os.waitstatus_to_exitcode(status), elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def run_once(gen: Generator, stdout_path: str = os.devnull) -> tuple[float, float, int]:
    """Runs the generator once; returns (wall seconds, CPU seconds, peak RSS KiB)."""
    if gen.out_dir is not None:
        shutil.rmtree(gen.out_dir, ignore_errors=True)
        gen.out_dir.mkdir(parents=True)
    stdin = str(gen.request) if gen.request else os.devnull
    result = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, stdin, stdout_path, *gen.argv],
        check=True,
        capture_output=True,
        text=True,
    )
    status, elapsed, cpu, rss = result.stdout.split()
    if status != "0":
        raise SystemExit(
            f"{gen.name}: exit status {status}: {' '.join(gen.argv[:6])} ..."
        )
    return float(elapsed), float(cpu), int(rss)


def count_output(gen: Generator, scratch: Path) -> None:
    """A first run, untimed: checks the generator succeeds and counts its output."""
    if gen.out_dir is not None:
        run_once(gen)
        sizes = [p.stat().st_size for p in gen.out_dir.rglob("*") if p.is_file()]
        gen.output_bytes, gen.files = sum(sizes), len(sizes)
        return
    response_path = scratch / "response.bin"
    run_once(gen, str(response_path))
    response = plugin_pb2.CodeGeneratorResponse.FromString(response_path.read_bytes())
    response_path.unlink()
    if response.error:
        raise SystemExit(
            f"{gen.name}: the response reports an error: {response.error[:500]}"
        )
    gen.output_bytes = sum(len(f.content.encode()) for f in response.file)
    gen.files = len(response.file)


def time_interleaved(gens: list[Generator], runs: int, slow_runs: int, log) -> None:
    """Round after round, each generator once per round; slow ones only in the first
    `slow_runs` rounds. Every other round runs in reverse order, so no generator always
    follows the same one."""
    for round_ in range(runs):
        order = gens if round_ % 2 == 0 else list(reversed(gens))
        for gen in order:
            if gen.slow and round_ >= slow_runs:
                continue
            elapsed, cpu, rss = run_once(gen)
            gen.times.append(elapsed)
            gen.cpu.append(cpu)
            gen.rss_kib.append(rss)
        log(f"  round {round_ + 1}/{runs} done")


def fmt_time(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def fmt_ratio(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    return f"{x:.2f}x"


def median(values: list[float]) -> float:
    return statistics.median(values)


def sha256_of(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_corpus(cache: Path, files: int, services: int, rpcs: int) -> Corpus:
    """Writes the corpus once per shape and corpus.py version."""
    stamp_value = sha256_of(BENCH / "corpus.py")
    root = cache / f"corpus-{files}x{services}x{rpcs}"
    stamp = root / ".stamp"
    listing = root / ".protos"
    if not (stamp.is_file() and stamp.read_text() == stamp_value):
        shutil.rmtree(root, ignore_errors=True)
        result = subprocess.run(
            [
                sys.executable,
                str(BENCH / "corpus.py"),
                str(root),
                "--files",
                str(files),
                "--services",
                str(services),
                "--rpcs",
                str(rpcs),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        listing.write_text(result.stdout)
        stamp.write_text(stamp_value)
    return Corpus(files, services, rpcs, root, listing.read_text().split())


def protoc_argv(python: str, corpus: Corpus) -> list[str]:
    return [python, "-m", "grpc_tools.protoc", "-I", str(corpus.root)]


def ensure_request(cache: Path, python: str, corpus: Corpus, parameter: str) -> Path:
    """The request protoc sends for the corpus, saved once (keyed by the corpus, the
    parameter and protoc's version)."""
    version = subprocess.run(
        [python, "-m", "grpc_tools.protoc", "--version"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    key = hashlib.sha256(
        f"{corpus.root.name}|{(corpus.root / '.stamp').read_text()}|{parameter}|{version}".encode()
    ).hexdigest()[:16]
    path = (
        cache
        / f"request-{corpus.root.name}-{parameter.replace('=', '-') or 'default'}-{key}.bin"
    )
    if path.is_file():
        return path
    # protoc runs plugins as executables; a wrapper spares depending on file modes.
    wrapper = cache / "protoc-gen-capture"
    wrapper.write_text(f'#!/bin/sh\nexec "{python}" "{BENCH / "capture.py"}"\n')
    wrapper.chmod(0o755)
    scratch = cache / "capture-out"
    scratch.mkdir(exist_ok=True)
    argv = protoc_argv(python, corpus) + [
        f"--plugin=protoc-gen-capture={wrapper}",
        f"--capture_out={scratch}",
        *([f"--capture_opt={parameter}"] if parameter else []),
        *corpus.protos,
    ]
    subprocess.run(
        argv, check=True, env={**os.environ, "CAPTURE_TO": str(path) + ".tmp"}
    )
    os.replace(str(path) + ".tmp", path)
    return path


def machine_facts() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    rustc = subprocess.run(
        ["rustc", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {mem}; {platform.system()} {platform.release()}",
        f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; {rustc}; Python {platform.python_version()}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plugin", required=True, help="our release binary")
    parser.add_argument(
        "--venv", required=True, help=".venv-bench (reference, grpcio-tools)"
    )
    parser.add_argument(
        "--go-venv",
        required=True,
        help=".venv-bench-go (protoc-gen-connect-python 0.9.0)",
    )
    parser.add_argument(
        "--cache", required=True, help="where corpora, requests and outputs go"
    )
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--services", type=int, default=5)
    parser.add_argument("--rpcs", type=int, default=21)
    parser.add_argument(
        "--runs", type=int, default=11, help="timed runs of each fast generator"
    )
    parser.add_argument(
        "--slow-runs",
        type=int,
        default=3,
        help="timed runs of the reference (~20 s each)",
    )
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="another build of ours (e.g. a release artifact from scripts/dist), timed "
        "side by side with --plugin on the same requests; repeatable",
    )
    args = parser.parse_args()

    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    python = str(Path(args.venv, "bin", "python").absolute())
    plugin = str(Path(args.plugin).resolve())
    ref = str(Path(args.venv, "bin", "protoc-gen-connectrpc").absolute())
    go = str(Path(args.go_venv, "bin", "protoc-gen-connect-python").absolute())
    out = cache / "out"
    extras = []
    for extra in args.extra:
        name, sep, path = extra.partition("=")
        if not sep or not name or not Path(path).is_file():
            parser.error(f"--extra {extra!r}: give NAME=PATH of an existing binary")
        extras.append((name, str(Path(path).resolve())))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log("corpus and requests ...")
    one = ensure_corpus(cache, args.files, args.services, args.rpcs)
    two = ensure_corpus(cache, 2 * args.files, args.services, args.rpcs)
    requests = {
        (corpus.files, parameter): ensure_request(cache, python, corpus, parameter)
        for corpus in (one, two)
        for parameter in ("", "protobuf=google")
    }
    req_py, req_google = (
        requests[(one.files, "")],
        requests[(one.files, "protobuf=google")],
    )

    gens = [
        Generator("ours", "py", "plugin on saved request", [plugin], req_py),
        Generator("ours", "google", "plugin on saved request", [plugin], req_google),
        *[
            Generator(
                f"ours, {name}", flavor, "plugin on saved request", [path], request
            )
            for name, path in extras
            for flavor, request in (("py", req_py), ("google", req_google))
        ],
        Generator(
            "protoc-gen-connectrpc 0.13.0 (reference, Python)",
            "py",
            "plugin on saved request",
            [ref],
            req_py,
            slow=True,
        ),
        Generator(
            "protoc-gen-connectrpc 0.13.0 (reference, Python)",
            "google",
            "plugin on saved request",
            [ref],
            req_google,
            slow=True,
        ),
        Generator(
            "protoc-gen-connect-python 0.9.0 (Go)",
            "google",
            "plugin on saved request",
            [go],
            req_py,
        ),
        Generator(
            "ours through protoc",
            "py",
            "protoc + plugin (`python -m grpc_tools.protoc`)",
            protoc_argv(python, one)
            + [
                f"--plugin=protoc-gen-connect_python={plugin}",
                f"--connect_python_out={out / 'ours-protoc'}",
                *one.protos,
            ],
            out_dir=out / "ours-protoc",
        ),
        Generator(
            "grpcio-tools 1.85.1 `--grpc_python_out`",
            "google",
            "protoc (`python -m grpc_tools.protoc`)",
            protoc_argv(python, one)
            + [f"--grpc_python_out={out / 'grpc'}", *one.protos],
            out_dir=out / "grpc",
        ),
        Generator(
            "protoc alone, no generator (floor)",
            "-",
            "protoc (`python -m grpc_tools.protoc -o /dev/null`)",
            protoc_argv(python, one)
            + ["--include_source_info", "--descriptor_set_out=/dev/null", *one.protos],
        ),
    ]
    request_size = req_py.stat().st_size
    protoc_version = subprocess.run(
        [python, "-m", "grpc_tools.protoc", "--version"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    log("checking each generator's output (one untimed run each) ...")
    for gen in gens:
        log(f"  {gen.name} ({gen.flavor})")
        count_output(gen, cache)
    log(
        f"timing: {args.runs} interleaved rounds ({args.slow_runs} for the reference) ..."
    )
    time_interleaved(gens, args.runs, args.slow_runs, log)

    log("scaling: ours and the Go generator on 1x and 2x the corpus ...")
    scale = []
    for flavor, param in (("py", ""), ("google", "protobuf=google")):
        for corpus in (one, two):
            scale.append(
                Generator(
                    f"ours x{corpus.files // one.files}",
                    flavor,
                    "",
                    [plugin],
                    requests[(corpus.files, param)],
                )
            )
    for corpus in (one, two):
        scale.append(
            Generator(
                f"go x{corpus.files // one.files}",
                "google",
                "",
                [go],
                requests[(corpus.files, "")],
            )
        )
    time_interleaved(scale, args.runs, args.runs, log)

    lines: list[str] = []
    lines += [f"- {fact}" for fact in machine_facts()]
    lines.append(
        f"- request: {one.label}; {request_size / 1e6:.2f} MB as protoc ({protoc_version}) sends it "
        f"(saved once; plugin rows read it from a file). {args.runs} interleaved runs "
        f"({args.slow_runs} for the reference); wall time is the median, peak RSS the largest."
    )
    lines.append("")
    lines.append(
        "| generator | flavor | run as | wall (median) | CPU (median) | peak RSS | output | wall vs ours | RSS vs ours |"
    )
    lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = {g.flavor: g for g in gens[:2]}
    for gen in gens:
        ours = base.get(gen.flavor, base["py"])
        t, rss = median(gen.times), max(gen.rss_kib)
        t_ours, rss_ours = median(ours.times), max(ours.rss_kib)
        output = f"{gen.output_bytes / 1e6:.1f} MB" if gen.output_bytes else "-"
        lines.append(
            f"| {gen.name} | {gen.flavor} | {gen.run_as} | {fmt_time(t)} | {fmt_time(median(gen.cpu))} | {rss / 1024:.0f} MB "
            f"| {output} | {fmt_ratio(t / t_ours)} | {fmt_ratio(rss / rss_ours)} |"
        )
    lines.append("")
    lines.append(
        "Each ratio compares a row with ours of its flavor: py rows with ours `protobuf=py`, "
        "google rows (the Go generator and grpcio-tools also write for protoc's `_pb2` "
        "modules) with ours `protobuf=google`, the floor with ours `protobuf=py`. "
        "Fastest and slowest run:"
    )
    lines.append("")
    for gen in gens:
        lines.append(
            f"- {gen.name} ({gen.flavor}): {fmt_time(min(gen.times))} - {fmt_time(max(gen.times))}"
        )
    lines.append("")
    lines.append("Scaling (plugin alone on saved requests; 2x = twice the files):")
    lines.append("")
    lines.append(
        "| generator | flavor | 1x wall | 2x wall | 2x / 1x wall | 1x CPU | 2x CPU | 2x / 1x CPU | 1x peak RSS | 2x peak RSS |"
    )
    lines.append(
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for a, b in zip(scale[0::2], scale[1::2]):
        name = (
            "ours"
            if a.name.startswith("ours")
            else "protoc-gen-connect-python 0.9.0 (Go)"
        )
        # The 1x and 2x runs of a round are adjacent, so the median of the per-round
        # ratios is steadier on a busy machine than the ratio of the medians.
        wall = median([y / x for x, y in zip(a.times, b.times)])
        cpu = median([y / x for x, y in zip(a.cpu, b.cpu)])
        lines.append(
            f"| {name} | {a.flavor} | {fmt_time(median(a.times))} | {fmt_time(median(b.times))} | {wall:.2f} "
            f"| {fmt_time(median(a.cpu))} | {fmt_time(median(b.cpu))} | {cpu:.2f} "
            f"| {max(a.rss_kib) / 1024:.0f} MB | {max(b.rss_kib) / 1024:.0f} MB |"
        )
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
