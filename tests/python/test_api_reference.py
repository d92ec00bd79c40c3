"""The public API of our generated corpus equals the reference's (protoc-gen-connectrpc
0.13.0, default io) in both flavors, except for the deliberate differences listed with
their reasons in api_compare/allowed_differences.json. Both trees have relative imports,
so root-level modules (``root_connect``) are imported from a package at the root."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

COMPARE = gs.HERE / "api_compare" / "compare_api.py"
ALLOW = gs.HERE / "api_compare" / "allowed_differences.json"

# The modules whose hazards the reference gets wrong (see README.md, "Where we differ").
HAZARD_MODULES = {
    "hazards.v1.collisions_connect",
    "hazards.v1.shadowing_connect",
    "hazards.v1.deprecated_connect",
    "hazards.v1.builtin_services_connect",
    "layout.v1.long_names_connect",
}


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_api_matches_reference(flavor: str, tmp_path: Path) -> None:
    report = tmp_path / "api-compare.json"
    command: list[str | Path] = [
        sys.executable,
        COMPARE,
        "--ours",
        gs.ours(flavor, "default").path,
        "--reference",
        gs.ref(flavor).path,
        "--allow",
        ALLOW,
        "--json-out",
        report,
        "--root-package",
    ]
    result = gs.run(command)
    print(result.stdout)
    assert result.returncode == 0, gs.describe(result)
    document = json.loads(report.read_text(encoding="utf-8"))
    summary = document["summary"]
    # Sanity: the comparison really compared the corpus.
    expected = set(gs.ours(flavor, "default").connect_modules())
    assert {m["module"] for m in document["modules"]} == expected
    assert summary["unexpected"] == 0
    assert summary["equal"] > 1000, summary
    # Entries for a difference only older Pythons show (python_below) are inactive on
    # the others, where the difference must then be absent (else it is unexpected).
    running = sys.version_info[:2]
    limited = {
        index
        for index, entry in enumerate(json.loads(ALLOW.read_text(encoding="utf-8")))
        if "python_below" in entry
        and running >= tuple(int(part) for part in entry["python_below"].split("."))
    }
    inactive = {entry["index"] for entry in document["inactive_allow_entries"]}
    assert inactive == limited


def test_allow_list_entries_are_narrow_and_explained() -> None:
    entries = json.loads(ALLOW.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    for entry in entries:
        assert entry.get("module") in HAZARD_MODULES, entry
        assert entry.get("class"), f"entry without a class: {entry}"
        assert len(entry.get("reason", "")) > 40, f"reason too vague: {entry}"
