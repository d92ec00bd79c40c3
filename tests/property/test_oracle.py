"""The oracle itself: it reports each kind of defect (a fake plugin commits each one)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from google.protobuf import descriptor_pb2

# isort: split
import cases as cs
import oracle

if TYPE_CHECKING:
    from pathlib import Path

# Each fake plugin reads the request and answers as named; MODULE is a valid module.
FAKE = """
import sys
from google.protobuf.compiler import plugin_pb2
request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
response = plugin_pb2.CodeGeneratorResponse()
kind = {kind!r}
content = "# Generated.\\n# Source: x.proto\\n" + {body!r}
if kind == "crash":
    sys.exit(3)
if kind == "garbage":
    sys.stdout.buffer.write(b"hello\\xff")
    sys.exit(0)
if kind == "error":
    response.error = {error!r}
else:
    response.file.add(name="foo/v1/foo_connect.py", content=content)
sys.stdout.buffer.write(response.SerializeToString())
"""
GOOD = "from __future__ import annotations\n\nX: int = 1\n"


def _case() -> cs.Case:
    file = descriptor_pb2.FileDescriptorProto(
        name="foo/v1/foo.proto", package="foo.v1", syntax="proto3"
    )
    file.message_type.add(name="Foo")
    service = file.service.add(name="Svc")
    service.method.add(name="Get", input_type=".foo.v1.Foo", output_type=".foo.v1.Foo")
    return cs.Case([file], [file.name], [], "")


@pytest.mark.parametrize(
    ("kind", "body", "error", "found"),
    [
        ("crash", GOOD, "", "plugin exited 3"),
        ("garbage", GOOD, "", "not a CodeGeneratorResponse"),
        ("error", GOOD, "bad\\x00 message", "not one readable message"),
        ("error", GOOD, "", "refused an input protoc accepts"),
        ("files", "x = (\n", "", "does not compile"),
        ("files", "x  =  1\n", "", "ruff format would change"),
        ("files", "import os\n", "", "ruff check F401"),
        ("files", "def f(x):\n    return x\n", "", "ruff check ANN"),
        ("files", 'from __future__ import annotations\n\nX: int = "a"\n', "", "mypy --strict"),
        (
            "files",
            "from __future__ import annotations\n\nimport nowhere_at_all_x\n\nY = nowhere_at_all_x.y\n",
            "",
            "mypy",
        ),
    ],
)
def test_oracle_reports(
    kind: str, body: str, error: str, found: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake-plugin"
    fake.write_text(
        f"#!{sys.executable}\n"
        + FAKE.format(kind=kind, body=body, error=error.encode().decode("unicode_escape") or "x"),
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setattr(oracle, "PLUGIN", fake)
    if kind == "error" and not error:
        error = "x"
    work = tmp_path / "work"
    work.mkdir()
    report = oracle.check_case(_case(), work, ["protobuf=google"])
    texts = [text for _, text in report.problems]
    assert any(found in text for text in texts), texts


def test_oracle_passes_the_real_plugin(tmp_path: Path) -> None:
    report = oracle.check_case(_case(), tmp_path, None)
    assert not report.problems, report.problems
    assert report.counts["mypy-checked modules"] == 8, report.counts
    assert report.counts["imported modules"] == 8, report.counts
