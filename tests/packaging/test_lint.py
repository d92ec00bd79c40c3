"""The shipped shim (python/protoc_gen_connect_python_rs) and this suite are clean under
ruff format, ruff check (their ruff.toml) and mypy --strict, with .venv-test's pins."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from packaging_support import MODULE, REPO, run

VENV_BIN = Path(sys.executable).parent
SHIM = REPO / "python" / MODULE
SUITE = REPO / "tests" / "packaging"


@pytest.mark.parametrize("directory", [SHIM.parent, SUITE], ids=["shim", "suite"])
def test_ruff(directory: Path) -> None:
    run([VENV_BIN / "ruff", "format", "--check", "--diff", directory], cwd=directory)
    run([VENV_BIN / "ruff", "check", "--no-fix", directory], cwd=directory)


def mypy_strict(paths: list[Path], search_path: list[Path]) -> None:
    env = dict(os.environ, MYPYPATH=os.pathsep.join(map(str, search_path)))
    command: list[str | Path] = [
        VENV_BIN / "mypy",
        "--strict",
        "--no-incremental",
        "--python-version",
        "3.11",
    ]
    run([*command, *paths], cwd=REPO, env=env)


def test_mypy_strict() -> None:
    mypy_strict([SHIM, *sorted(SUITE.glob("*.py"))], [SUITE])


def test_mypy_strict_release_tooling() -> None:
    """scripts/dist's helpers, the release workflow's smoke test and tests/dist (ruff checks
    them in layer 5, with the repository's other Python)."""
    dist_suite = REPO / "tests" / "dist"
    scripts = REPO / "scripts"
    mypy_strict(
        [scripts / "dist_helpers.py", scripts / "smoke_wheel.py", *sorted(dist_suite.glob("*.py"))],
        [dist_suite, scripts],
    )
