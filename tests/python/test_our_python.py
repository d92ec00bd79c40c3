"""The Python we write (tests, conformance programs, benchmarks, examples) is ruff-clean.

One ``ruff format --check`` and one ``ruff check`` over the whole repository: each file
gets the nearest ``ruff.toml`` (ruff's own discovery; directories without one get ruff's
defaults), and git-ignored paths (venvs, caches, generated trees) are skipped. The
generated code has its own, stricter test (``test_lint.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUFF = [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize(
    "command",
    [["format", "--check", "--diff", "."], ["check", "--no-fix", "."]],
    ids=["format", "check"],
)
def test_our_python_is_ruff_clean(command: list[str]) -> None:
    result = subprocess.run(
        [*RUFF, *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_sees_our_python() -> None:
    listed = subprocess.run(
        [*RUFF, "check", "--show-files", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = {
        Path(line).relative_to(ROOT).parts[0] for line in listed.splitlines() if line
    }
    assert {"tests", "conformance", "examples", "bench"} <= files, sorted(files)
