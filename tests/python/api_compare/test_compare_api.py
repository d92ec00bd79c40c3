"""Tests for compare_api.py on small hand-written trees (no protoc needed)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

# isort: split
# compare_api.py sits next to this file; pytest puts this directory on sys.path.
import compare_api

# Message module, as protoc would generate next to the connect module.
MESSAGES = """
class Item:
    pass


class Other:
    pass
"""

# Only imported by x_connect.py under TYPE_CHECKING.
HINTS = """
class Ctx:
    pass
"""

# A runtime dependency that guards a stub-only import with TYPE_CHECKING:
# it breaks if TYPE_CHECKING is switched on for every module.
RUNTIME_LIB = """
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from does_not_exist import Anything


class Base:
    pass


class OtherBase:
    pass
"""

CONNECT = '''
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .msgs_pb2 import Item
from .msgs_pb2 import Item as Item_
from .runtime_lib import Base, OtherBase

if TYPE_CHECKING:
    from .hints import Ctx


class Service(Protocol):
    """Service doc."""

    async def get(self, request: Item, ctx: Ctx, /) -> Item:
        """Get one item."""
        raise NotImplementedError


class ServiceClient(Base):
    def __init__(self, address: str, *, timeout_ms: int | None = None) -> None:
        self.address = address

    def fetch(self, request: Item, *, limit: int = 10) -> list[Item]:
        """Fetch items."""
        return []

    @property
    def path(self) -> str:
        return "/pkg.Service"


class Extra:
    pass


class _Private:
    pass
'''


def write_tree(root: Path, connect: str = CONNECT) -> Path:
    package = root / "pkg"
    package.mkdir(parents=True)
    files = {
        "msgs_pb2.py": MESSAGES,
        "hints.py": HINTS,
        "runtime_lib.py": RUNTIME_LIB,
        "x_connect.py": connect,
    }
    for name, source in files.items():
        (package / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def edited(*replacements: tuple[str, str]) -> str:
    source = CONNECT
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new, 1)
    return source


class Run:
    def __init__(self, status: int, output: str, report: dict[str, Any]) -> None:
        self.status = status
        self.output = output
        self.report = report

    def differences(self) -> list[dict[str, Any]]:
        return [d for m in self.report["modules"] for d in m["differences"]]

    def keys(self) -> list[tuple[str | None, str | None, str]]:
        return [(d["class"], d["member"], d["field"]) for d in self.differences()]


def compare(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ours: str,
    reference: str = CONNECT,
    allow: list[dict[str, Any]] | None = None,
    extra: tuple[str, ...] = (),
) -> Run:
    ours_root = write_tree(tmp_path / "ours", ours)
    ref_root = write_tree(tmp_path / "reference", reference)
    out = tmp_path / "report.json"
    argv = ["--ours", str(ours_root), "--reference", str(ref_root)]
    argv += ["--json-out", str(out), *extra]
    if allow is not None:
        allow_file = tmp_path / "allow.json"
        allow_file.write_text(json.dumps(allow), encoding="utf-8")
        argv += ["--allow", str(allow_file)]
    status = compare_api.main(argv)
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return Run(status, capsys.readouterr().out, report)


def test_equal_trees_compare_equal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = compare(tmp_path, capsys, CONNECT)
    assert run.status == 0
    assert run.differences() == []
    summary = run.output.splitlines()[-1]
    assert summary.startswith("api-compare: 1 modules, 3 classes, 4 members compared:")
    assert summary.endswith(" 0 allowed differences, 0 unexpected differences")


def test_alias_and_formatting_only_differences_are_equal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = edited(
        ("-> Item:", "-> Item_:"),
        ("list[Item]", "list[Item_]"),
        ("timeout_ms: int | None", "timeout_ms: Optional[int]"),
        ("TYPE_CHECKING, Protocol", "TYPE_CHECKING, Optional, Protocol"),
        ('"""Fetch items."""', '"""\n        Fetch items.   \n        """'),
    )
    run = compare(tmp_path, capsys, ours)
    assert run.differences() == []
    assert run.status == 0


def test_type_checking_imports_are_resolved(tmp_path: Path) -> None:
    dump = compare_api.run_dump(write_tree(tmp_path), [])
    module = dump["modules"]["pkg.x_connect"]
    get = module["classes"]["Service"]["members"]["get"]
    assert get["annotation_error"] is None
    annotations = {p["name"]: p["annotation"] for p in get["parameters"]}
    assert annotations == {
        "self": None,
        "request": "pkg.msgs_pb2.Item",
        "ctx": "pkg.hints.Ctx",
    }
    path = module["classes"]["ServiceClient"]["members"]["path"]
    assert path["path"] == "/pkg.Service"


DIFFERENCES = {
    "missing class": (
        edited(("class Extra:\n    pass\n", "")),
        ("Extra", None, "class"),
    ),
    "missing member": (
        edited(
            (
                '    @property\n    def path(self) -> str:\n        return "/pkg.Service"\n',
                "",
            )
        ),
        ("ServiceClient", "path", "member"),
    ),
    "changed default": (
        edited(("limit: int = 10", "limit: int = 20")),
        ("ServiceClient", "fetch", "param.limit.default"),
    ),
    "changed annotation": (
        edited(("limit: int = 10", "limit: float = 10")),
        ("ServiceClient", "fetch", "param.limit.annotation"),
    ),
    "changed return annotation": (
        edited(("-> list[Item]", "-> tuple[Item, ...]")),
        ("ServiceClient", "fetch", "return"),
    ),
    "renamed parameter": (
        edited(("timeout_ms: int", "timeout: int")),
        ("ServiceClient", "__init__", "parameters"),
    ),
    "changed docstring": (
        edited(("Get one item.", "Get a single item.")),
        ("Service", "get", "doc"),
    ),
    "changed base": (
        edited(("class ServiceClient(Base):", "class ServiceClient(OtherBase):")),
        ("ServiceClient", None, "bases"),
    ),
    "method made async": (
        edited(("    def fetch(", "    async def fetch(")),
        ("ServiceClient", "fetch", "kind"),
    ),
}


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_each_kind_of_difference_is_detected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    ours, key = DIFFERENCES[case]
    run = compare(tmp_path, capsys, ours)
    assert run.keys() == [key]
    assert run.status == 1
    assert "1 unexpected differences" in run.output.splitlines()[-1]


def test_allow_list_entry_turns_difference_into_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, _ = DIFFERENCES["changed default"]
    allow = [
        {
            "module": "pkg.x_connect",
            "class": "ServiceClient",
            "member": "fetch",
            "field": "param.limit.default",
            "reason": "we prefer bigger pages",
        }
    ]
    run = compare(tmp_path, capsys, ours, allow=allow)
    assert run.status == 0
    assert [d["reason"] for d in run.differences()] == ["we prefer bigger pages"]
    assert "ALLOWED ServiceClient.fetch [param.limit.default]" in run.output
    assert run.output.splitlines()[-1].endswith(
        "1 allowed differences, 0 unexpected differences"
    )


def test_stale_allow_entry_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allow = [{"module": "pkg.x_connect", "class": "Extra", "reason": "gone"}]
    run = compare(tmp_path, capsys, CONNECT, allow=allow)
    assert run.status == 1
    assert "STALE allow-list entry #0" in run.output
    assert len(run.report["stale_allow_entries"]) == 1


def test_allow_entry_limited_to_older_pythons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """python_below: the entry allows the difference only on older interpreters; on
    the others it is inactive, so the same difference is unexpected there, and an
    inactive entry that matches nothing is not stale."""
    ours, _ = DIFFERENCES["changed default"]
    major, minor = sys.version_info[:2]
    entry = {
        "module": "pkg.x_connect",
        "class": "ServiceClient",
        "member": "fetch",
        "field": "param.limit.default",
        "reason": "only some Pythons show this",
    }
    newer = {**entry, "python_below": f"{major}.{minor + 1}"}
    run = compare(tmp_path / "newer", capsys, ours, allow=[newer])
    assert run.status == 0, run.output
    assert [d["reason"] for d in run.differences()] == [entry["reason"]]
    assert run.report["inactive_allow_entries"] == []

    this = {**entry, "python_below": f"{major}.{minor}"}
    run = compare(tmp_path / "this", capsys, ours, allow=[this])
    assert run.status == 1, run.output
    assert "1 unexpected differences" in run.output.splitlines()[-1]
    assert run.report["stale_allow_entries"] == []
    assert [e["index"] for e in run.report["inactive_allow_entries"]] == [0]
    assert f"inactive on Python {major}.{minor}: entry #0" in run.output

    run = compare(tmp_path / "unused", capsys, CONNECT, allow=[this])
    assert run.status == 0, run.output
    assert run.report["stale_allow_entries"] == []


@pytest.mark.parametrize("below", ["3", "3.12.1", "three", 3.12])
def test_allow_entry_with_a_bad_python_below_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], below: object
) -> None:
    allow = tmp_path / "allow.json"
    entry = {"class": "Extra", "python_below": below, "reason": "some reason"}
    allow.write_text(json.dumps([entry]), encoding="utf-8")
    ours = write_tree(tmp_path / "ours", CONNECT)
    reference = write_tree(tmp_path / "reference", CONNECT)
    argv = ["--ours", str(ours), "--reference", str(reference), "--allow", str(allow)]
    assert compare_api.main(argv) == 2
    assert (
        f"allow-list entry #0: python_below must be a version like '3.12', "
        f"not {below!r}" in capsys.readouterr().err
    )


def test_allow_entry_without_reason_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = compare(tmp_path, capsys, CONNECT, allow=[{"class": "Extra", "reason": ""}])
    assert run.status == 2


def test_unresolvable_annotation_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = edited(("limit: int = 10", "limit: Missing = 10"))
    run = compare(tmp_path, capsys, broken, reference=broken)
    assert run.keys() == [("ServiceClient", "fetch", "annotation_error")]
    assert "NameError" in run.output
    assert run.status == 1


def test_import_failure_is_reported_and_can_be_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = CONNECT + "\nraise RuntimeError('generated code is broken')\n"
    run = compare(tmp_path, capsys, ours)
    assert run.status == 2
    assert "pkg.x_connect: IMPORT FAILED (ours)" in run.output
    assert "RuntimeError: generated code is broken" in run.output

    skipped = compare(
        tmp_path / "again", capsys, ours, extra=("--skip-module", "pkg.x_connect")
    )
    assert skipped.status == 0
    assert "skipped modules: pkg.x_connect" in skipped.output


def test_missing_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = write_tree(tmp_path / "reference")
    argv = ["--ours", str(tmp_path / "nowhere"), "--reference", str(ref)]
    assert compare_api.main(argv) == 2
    assert "does not exist" in capsys.readouterr().err


def test_directory_without_connect_modules_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = write_tree(tmp_path / "reference")
    (tmp_path / "empty").mkdir()
    argv = ["--ours", str(tmp_path / "empty"), "--reference", str(ref)]
    assert compare_api.main(argv) == 2
    assert "no *_connect.py files" in capsys.readouterr().err
