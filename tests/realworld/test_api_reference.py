"""The public API of our corpus trees equals the reference's (protoc-gen-connectrpc
0.13.0) in both flavors, compared by tests/python/api_compare/compare_api.py, except the
entries of allowed_differences.json, each narrow and with its reason.

The py trees are compared whole, in the package layout. In the google flavor (sys.path
layout) the reference's root-level modules that import relatively cannot be imported
(test_imports.py proves it), so they are skipped there; the py comparison covers them."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import pytest

# isort: split
import gen_support as gs
import realworld_support as rw

if TYPE_CHECKING:
    from pathlib import Path

COMPARE = gs.HERE / "api_compare" / "compare_api.py"
ALLOW = rw.HERE / "allowed_differences.json"
# compare_api.py's keys, plus ours: "python_below" (the entry applies only to older Pythons).
ENTRY_KEYS = {"module", "class", "member", "field", "reason", "python_below"}


def allow_entries() -> list[dict[str, Any]]:
    entries = json.loads(ALLOW.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


def applicable(entry: dict[str, Any]) -> bool:
    below = entry.get("python_below")
    if below is None:
        return True
    return sys.version_info < tuple(int(part) for part in below.split("."))


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_api_matches_reference(flavor: str, require: rw.RequireTree, tmp_path: Path) -> None:
    ours = require(rw.tree(f"ours-{flavor}"))
    ref = require(rw.tree(f"ref-{flavor}"))
    allow = tmp_path / "allowed_differences.json"
    entries = [
        {key: value for key, value in entry.items() if key != "python_below"}
        for entry in allow_entries()
        if applicable(entry)
    ]
    allow.write_text(json.dumps(entries), encoding="utf-8")
    skipped = rw.relative_root_modules(ref) if flavor == "google" else []
    report = tmp_path / "api-compare.json"
    command: list[str | Path] = [
        sys.executable,
        COMPARE,
        "--ours",
        ours.root,
        "--reference",
        ref.root,
        "--allow",
        allow,
        "--json-out",
        report,
    ]
    for module in skipped:
        command += ["--skip-module", module]
    result = gs.run(command)
    print(result.stdout)
    assert result.returncode == 0, gs.describe(result)
    document = json.loads(report.read_text(encoding="utf-8"))
    # The comparison really compared the corpus: every module but the skipped ones.
    expected = set(ours.connect_modules()) - set(skipped)
    assert {module["module"] for module in document["modules"]} == expected
    assert document["summary"]["unexpected"] == 0
    assert document["summary"]["equal"] > 3000, document["summary"]


# For each allowed difference (class, member): the member is a deprecated client method.
DEPRECATED_MEMBERS = """
import importlib
import json

modules = {}
for name in MODULES:
    try:
        modules[name] = importlib.import_module(name)
    except ImportError as exc:
        modules[name] = None
        print(f"{name}: {exc}", file=sys.stderr)
found = {}
for arg in sys.argv[2:]:
    cls_name, member = arg.split(".")
    owners = []
    for name, module in modules.items():
        if module is None:
            owners.append(f"{name} failed to import")
            continue
        cls = vars(module).get(cls_name)
        if isinstance(cls, type):
            owners.append(hasattr(vars(cls).get(member), "__deprecated__"))
    found[arg] = owners
print(json.dumps(found))
"""


def test_allowed_differences_are_narrow_and_explained(require: rw.RequireTree) -> None:
    tree = require(rw.tree("ours-py"))
    entries = allow_entries()
    assert entries
    for entry in entries:
        assert set(entry) <= ENTRY_KEYS, entry
        assert entry.get("class"), f"too wide: {entry}"
        assert entry.get("member"), f"too wide: {entry}"
        assert entry.get("field") == "kind", f"only deprecation's kind is known: {entry}"
        assert entry.get("python_below") == "3.12", entry
        assert len(entry.get("reason", "")) > 80, f"reason too vague: {entry}"
    members = [f"{entry['class']}.{entry['member']}" for entry in entries]
    script = f"MODULES = {tree.connect_modules()!r}\n" + DEPRECATED_MEMBERS
    found = gs.run_python_in_tree(tree.gs_tree(), script, *members)
    # Each names exactly one class of the corpus, whose method is marked deprecated.
    assert found == {member: [True] for member in members}
