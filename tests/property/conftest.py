"""The property layer needs only the release plugin and .venv-test (protoc, ruff, mypy).

A missing plugin fails the session with a message saying what to run; it never skips.
"""

from __future__ import annotations

import pytest

# isort: split
import oracle


@pytest.fixture(scope="session", autouse=True)
def plugin() -> None:
    if not oracle.PLUGIN.is_file():
        pytest.fail(
            f"plugin binary not found: {oracle.PLUGIN}; run `cargo build --release` "
            "or set CONNECT_PYTHON_PLUGIN",
            pytrace=False,
        )
