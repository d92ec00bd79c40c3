"""Every generated _connect.py, in all six parameter sets, is `ruff format`-clean and
passes `ruff check` under ruff-generated.toml (a broad rule set, no per-file opt-outs)."""

from __future__ import annotations

import os
import sys
import tomllib

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

CONFIG = gs.HERE / "ruff-generated.toml"
RUFF_CACHE = os.environ.get("RUFF_CACHE_DIR", str(gs.REPO / ".cache" / "ruff"))
RUFF = [sys.executable, "-m", "ruff"]
REQUIRED_FAMILIES = {"E", "F", "W", "I", "UP", "B", "TC", "N", "SIM", "RUF", "PL"}


def test_config_selects_the_required_families() -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    selected = set(config["lint"]["select"])
    assert selected >= REQUIRED_FAMILIES, REQUIRED_FAMILIES - selected
    assert config["src"] == [], "isort classification must not depend on the tree"


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_ruff_format(tree: gs.Tree) -> None:
    result = gs.run(
        [
            *RUFF,
            "format",
            "--check",
            "--diff",
            "--config",
            CONFIG,
            *tree.connect_files(),
        ],
        cwd=tree.path,
    )
    assert result.returncode == 0, gs.describe(result)


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_ruff_check(tree: gs.Tree) -> None:
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
        cwd=tree.path,
    )
    assert result.returncode == 0, gs.describe(result)
