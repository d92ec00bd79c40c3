"""The Python we write (tests, conformance programs, benchmarks, examples) is ruff-clean.

One ``ruff format --check`` and one ``ruff check`` over the whole repository: each file
gets the nearest ``ruff.toml`` (ruff's own discovery; directories without one get ruff's
defaults), and git-ignored paths (venvs, caches, generated trees) are skipped. The
generated code has its own, stricter test (``test_lint.py``).
"""

from __future__ import annotations

import re
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


def test_scripts_test_help_lists_the_layers_and_knobs() -> None:
    """``scripts/test --help`` prints the layers and every environment knob it reads (the
    ones ``${NAME:-...}`` reads), and exits without running anything."""
    script = ROOT / "scripts/test"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Runs every test layer"), result.stdout
    layers = re.findall(r"^ {1,2}(\d+)\. ", result.stdout, flags=re.MULTILINE)
    assert [int(n) for n in layers] == list(range(1, len(layers) + 1)), layers
    headers = re.findall(
        r'^header "(\d+)/(\d+) ', script.read_text(), flags=re.MULTILINE
    )
    assert headers, "scripts/test has no layer headers"
    assert len(layers) == int(headers[0][1]), (layers, headers[0])
    knobs = set(re.findall(r"\$\{([A-Z_]+):-", script.read_text())) - {
        "CI",
        "PYENV_ROOT",
    }
    for knob in sorted(knobs | {"EXTRA_PYTHONS"}):
        assert knob in result.stdout, f"{knob} is not in scripts/test --help"
    assert "Needs:" in result.stdout
