"""What the example layer's tests share besides the block runner (markdown_blocks.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def wheelhouse() -> Path:
    """The directory holding the wheel built from this checkout, which the documented
    `pip install protoc-gen-connect-python-rs==...` must find (scripts/test sets it)."""
    value = os.environ.get("CONNECT_PYTHON_WHEELHOUSE")
    if not value or not any(Path(value).glob("*.whl")):
        pytest.fail(
            "CONNECT_PYTHON_WHEELHOUSE must name a directory holding the built wheel "
            "(scripts/test's packaging layer builds it); got " + repr(value)
        )
    return Path(value)
