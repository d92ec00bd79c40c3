"""The README's quickstart and examples/eliza/README.md, run exactly as written.

The shell blocks are read from the two READMEs, not copied here, so the documentation
cannot drift from what works. They run in a scratch copy of ``examples/``, in one bash
script (the first block makes and activates the venv the second uses), from a fresh venv
whose ``pip install protoc-gen-connect-python-rs==...`` finds the wheel built from this
checkout (``PIP_FIND_LINKS``); the other packages come from PyPI, constrained to the
versions of ``requirements/test.txt``. The client's output must be the one the example's
README shows, once per server (uvicorn / ASGI with the threaded client, gunicorn / WSGI
with the asyncio client). Then the example's scripts, with the generated modules beside
them, pass mypy --strict.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

# isort: split
from example_support import wheelhouse
from markdown_blocks import run_in_own_session

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLE_README = ROOT / "examples" / "eliza" / "README.md"


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```\n", text, flags=re.DOTALL | re.MULTILINE)


def quickstart_block() -> str:
    """The first sh block under the README's "## Quickstart" heading."""
    text = README.read_text()
    section = text.split("\n## Quickstart\n", 1)
    assert len(section) == 2, "README.md has no '## Quickstart' section"
    blocks = fenced_blocks(section[1].split("\n## ", 1)[0], "sh")
    assert blocks, "the Quickstart section has no sh block"
    return blocks[0]


def test_the_quickstart_is_the_examples_first_block() -> None:
    example_blocks = fenced_blocks(EXAMPLE_README.read_text(), "sh")
    assert quickstart_block() == example_blocks[0]


def test_the_example_proto_is_the_corpus_one() -> None:
    example = ROOT / "examples/eliza/proto/eliza/v1/eliza.proto"
    assert example.read_bytes() == (ROOT / "testdata/proto/eliza/v1/eliza.proto").read_bytes()


def test_the_documented_commands_run_and_answer(tmp_path: Path) -> None:
    wheels = wheelhouse()
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", ".venv", ".mypy_cache"),
    )
    if (tmp_path / "examples/eliza/eliza").exists():
        shutil.rmtree(tmp_path / "examples/eliza/eliza")
    blocks = fenced_blocks(EXAMPLE_README.read_text(), "sh")
    expected = fenced_blocks(EXAMPLE_README.read_text(), "text")[0]
    # The trap stops the servers the blocks start in the background when a command
    # fails, so that the failure is reported at once instead of when the timeout ends.
    script = (
        "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
        + quickstart_block()
        + blocks[1]
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONSTRAINT": str(ROOT / "requirements/test.txt"),
        "PIP_CACHE_DIR": str(ROOT / ".cache/pip"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    returncode, stdout, stderr, timed_out = run_in_own_session(
        ["bash", "-c", script], tmp_path, env, timeout=600
    )
    if timed_out:
        pytest.fail(f"timed out after 600 s\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    result = subprocess.CompletedProcess(["bash", "-c", script], returncode, stdout, stderr)
    report = f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, report
    assert result.stdout.count(expected) == 2, report
    generated = tmp_path / "examples/eliza/eliza/v1"
    # protoc-gen-py 0.7.0 writes an __init__.py into every package directory.
    assert sorted(p.name for p in generated.iterdir()) == [
        "__init__.py",
        "eliza_connect.py",
        "eliza_pb.py",
    ]

    example = tmp_path / "examples/eliza"
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--explicit-package-bases",
            "eliza_service.py",
            "server.py",
            "client.py",
        ],
        cwd=example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr

    # A server that is down: the generated client's ConnectError, in one line.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for mode in ([], ["--async"]):
        down = subprocess.run(
            [
                str(tmp_path / ".venv/bin/python"),
                "client.py",
                f"http://127.0.0.1:{closed_port}",
                "--wait",
                "0",
                *mode,
            ],
            cwd=example,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert down.returncode == 1, down.stdout + down.stderr
        assert down.stdout == ""
        assert down.stderr.startswith("unavailable: "), down.stderr
        assert "Connection refused" in down.stderr, down.stderr
        assert down.stderr.count("\n") == 1, down.stderr
