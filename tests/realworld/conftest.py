"""Fixtures of the real-world layer: the corpus, its descriptors and the generated trees.

The corpus must have been extracted by corpus.py (scripts/test does it); the trees are
generated here once per session, each by its own protoc run, so that one tree that fails
to generate fails the tests that need it and no others. Missing inputs fail, they are
never skipped.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# tests/python's helpers (gen_support) are shared with this layer.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

# isort: split
import gen_support as gs
import realworld_support as rw

if TYPE_CHECKING:
    import subprocess


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    files = rw.corpus_files() if rw.PROTO.is_dir() else []
    if not files:
        pytest.fail(
            f"no real-world corpus in {rw.PROTO}: run "
            "`.venv-test/bin/python tests/realworld/corpus.py` (scripts/test does)",
            pytrace=False,
        )
    if not gs.PLUGIN.is_file():
        pytest.fail(f"plugin binary not found: {gs.PLUGIN}", pytrace=False)
    if not (gs.REF_VENV / "bin" / "protoc-gen-connectrpc").is_file():
        pytest.fail(f"reference venv not found: {gs.REF_VENV}", pytrace=False)
    return files


@pytest.fixture(scope="session")
def descriptors(corpus: list[str], tmp_path_factory: pytest.TempPathFactory) -> list[rw.ProtoFile]:
    del corpus  # only needed to exist
    return rw.load_descriptors(tmp_path_factory.mktemp("descriptors"))


@pytest.fixture(scope="session")
def generated(corpus: list[str]) -> dict[str, subprocess.CompletedProcess[str]]:
    """Generates every tree afresh; maps tree ids to their protoc run."""
    del corpus
    shutil.rmtree(rw.OUT, ignore_errors=True)
    return {tree.id: rw.generate(tree, tree.out_dir) for tree in rw.TREES}


@pytest.fixture
def require(
    generated: dict[str, subprocess.CompletedProcess[str]],
) -> rw.RequireTree:
    def check(tree: rw.Tree) -> rw.Tree:
        result = generated[tree.id]
        if result.returncode != 0:
            pytest.fail(
                f"tree {tree.id} was not generated:\n{gs.describe(result)}",
                pytrace=False,
            )
        return tree

    return check
