"""mypy --strict (tests/python/mypy-generated.ini) passes on our _connect.py files of the
corpus, each tree in its layout (realworld_support.py); the message modules are protoc's
and protoc-gen-py's, whose own errors are not ours (see write_mypy_config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

# isort: split
import gen_support as gs
import realworld_support as rw

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_mypy_strict(tree: rw.Tree, require: rw.RequireTree, tmp_path: Path) -> None:
    require(tree)
    modules = set(tree.checked_modules())
    files = [path for path in tree.connect_files() if tree.module(path) in modules]
    assert files, f"no modules to check in {tree.id}"
    config = rw.write_mypy_config(tree, tmp_path)
    result = gs.run_mypy(tree.gs_tree(), config, files, cache=f"realworld-{tree.id}")
    assert result.returncode == 0, gs.describe(result)
    assert result.stdout.strip() == "", gs.describe(result)


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_invalid_message_stubs_are_exactly_the_known_ones(
    tree: rw.Tree, require: rw.RequireTree
) -> None:
    # Keeps INVALID_MESSAGE_STUBS true: a stub that starts or stops failing to parse (a
    # new corpus version, another protoc) must be looked at, not silently skipped.
    require(tree)
    expected = set(rw.INVALID_MESSAGE_STUBS) if tree.flavor == "google" else set()
    assert set(rw.unparsable_message_modules(tree)) == expected
