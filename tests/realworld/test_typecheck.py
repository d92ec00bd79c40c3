"""mypy --strict (tests/python/mypy-generated.ini) and pyright strict (as in
tests/python/test_typecheck.py, reportUnnecessaryTypeIgnoreComment on) pass on our
_connect.py files of the corpus, each tree in its layout (realworld_support.py). The
message modules are protoc's and protoc-gen-py's: mypy does not report their own errors
(see write_mypy_config); pyright reports only on the files it is given."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

# isort: split
import gen_support as gs
import realworld_support as rw

if TYPE_CHECKING:
    from pathlib import Path


def checked_files(tree: rw.Tree) -> list[Path]:
    modules = set(tree.checked_modules())
    files = [path for path in tree.connect_files() if tree.module(path) in modules]
    assert files, f"no modules to check in {tree.id}"
    return files


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_mypy_strict(tree: rw.Tree, require: rw.RequireTree, tmp_path: Path) -> None:
    require(tree)
    files = checked_files(tree)
    config = rw.write_mypy_config(tree, tmp_path)
    result = gs.run_mypy(tree.gs_tree(), config, files, cache=f"realworld-{tree.id}")
    assert result.returncode == 0, gs.describe(result)
    assert result.stdout.strip() == "", gs.describe(result)


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_pyright_strict(tree: rw.Tree, require: rw.RequireTree, tmp_path: Path) -> None:
    require(tree)
    files = checked_files(tree)
    config = tmp_path / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.11",
                "extraPaths": [str(tree.root)],
                "reportUnnecessaryTypeIgnoreComment": "error",
            }
        ),
        encoding="utf-8",
    )
    result = gs.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--project",
            config,
            "--pythonpath",
            sys.executable,
            *files,
        ],
        cwd=tree.root,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not produce a JSON report\n{gs.describe(result)}")
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    listing = "\n".join(
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d.get('rule')}: {d['message']}"
        for d in errors
    )
    assert not errors, f"pyright strict on {tree.id}:\n{listing}"
    assert result.returncode == 0, gs.describe(result)
    assert report["summary"]["filesAnalyzed"] >= len(files)


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_invalid_message_stubs_are_exactly_the_known_ones(
    tree: rw.Tree, require: rw.RequireTree
) -> None:
    # Keeps INVALID_MESSAGE_STUBS true: a stub that starts or stops failing to parse (a
    # new corpus version, another protoc) must be looked at, not silently skipped.
    require(tree)
    expected = set(rw.INVALID_MESSAGE_STUBS) if tree.flavor == "google" else set()
    assert set(rw.unparsable_message_modules(tree)) == expected
