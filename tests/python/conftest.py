"""Fixtures locating the generated trees, the plugin binary and the reference venv.

scripts/test generates everything and exports the locations (see gen_support.py);
a test that needs something that is missing fails with a message saying so, it is
never skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# isort: split
import gen_support as gs


@pytest.fixture(scope="session")
def require_trees() -> None:
    """Fails unless all eight generation trees exist and hold _connect.py files."""
    missing = gs.missing_trees(gs.ALL_TREES)
    if missing:
        listing = "\n".join(f"  {tree.id}: {tree.path}" for tree in missing)
        pytest.fail(
            f"generated trees are missing or empty under {gs.OUT}:\n{listing}\n"
            "Run scripts/test once (it generates them), or point CONNECT_PYTHON_OUT "
            "at its output directory.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def plugin() -> Path:
    if not gs.PLUGIN.is_file():
        pytest.fail(
            f"plugin binary not found: {gs.PLUGIN}; run `cargo build --release` "
            "or set CONNECT_PYTHON_PLUGIN",
            pytrace=False,
        )
    return gs.PLUGIN


@pytest.fixture(scope="session")
def ref_python() -> Path:
    """The reference venv's interpreter (protoc-gen-connectrpc, protoc, protoc-gen-py)."""
    python = gs.REF_VENV / "bin" / "python"
    plugin = gs.REF_VENV / "bin" / "protoc-gen-connectrpc"
    if not python.is_file() or not plugin.is_file():
        pytest.fail(
            f"reference venv not found or incomplete: {gs.REF_VENV}; run scripts/test "
            "(it builds .venv-ref) or set CONNECT_PYTHON_REF_VENV",
            pytrace=False,
        )
    return python
