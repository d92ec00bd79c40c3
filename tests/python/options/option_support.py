"""Runs our plugin and the reference (protoc-gen-connectrpc 0.13.0) through real protoc.

protoc is grpcio-tools' (in .venv-test); the reference runs from .venv-ref. Each run
generates into a fresh directory and returns whether protoc succeeded and its stderr,
which carries the plugin's error (protoc prints ``--x_out: <error>``).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

# isort: split
from typing import TYPE_CHECKING

import gen_support as gs

if TYPE_CHECKING:
    from pathlib import Path

PROTO_DIR = gs.REPO / "testdata" / "proto"


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    error: str


def protoc(
    plugin: Path,
    out: Path,
    parameter: str | None,
    files: list[str],
    extra: tuple[str, ...] = (),
) -> Outcome:
    """Runs protoc with `plugin` as `protoc-gen-x` (and `extra` arguments) on `files`."""
    out.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--plugin=protoc-gen-x={plugin}",
        f"--x_out={out}",
        *extra,
    ]
    if parameter is not None:
        args.append(f"--x_opt={parameter}")
    result = subprocess.run(
        [*args, *files], capture_output=True, text=True, check=False, timeout=300
    )
    return Outcome(result.returncode == 0, result.stderr)


def reference_plugin() -> Path:
    return gs.REF_VENV / "bin" / "protoc-gen-connectrpc"


def protoc_gen_py() -> Path:
    return gs.REF_VENV / "bin" / "protoc-gen-py"
