"""Our _connect.py files of the corpus are `ruff format`-clean and pass `ruff check` with
tests/python/ruff-generated.toml (the broad rule set of the testdata corpus)."""

from __future__ import annotations

import os
import sys

import pytest

# isort: split
import gen_support as gs
import realworld_support as rw

CONFIG = gs.HERE / "ruff-generated.toml"
RUFF_CACHE = os.environ.get("RUFF_CACHE_DIR", str(gs.REPO / ".cache" / "ruff"))
RUFF = [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_ruff_format(tree: rw.Tree, require: rw.RequireTree) -> None:
    require(tree)
    files = tree.connect_files()
    result = gs.run(
        [*RUFF, "format", "--check", "--diff", "--config", CONFIG, *files],
        cwd=tree.root,
    )
    assert result.returncode == 0, gs.describe(result)


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_ruff_check(tree: rw.Tree, require: rw.RequireTree) -> None:
    require(tree)
    result = gs.run(
        [
            *RUFF,
            "check",
            "--no-fix",
            "--cache-dir",
            RUFF_CACHE,
            "--output-format",
            "full",
            "--config",
            CONFIG,
            *tree.connect_files(),
        ],
        cwd=tree.root,
    )
    assert result.returncode == 0, gs.describe(result)
