"""The corpus generates, in every tree, exactly one _connect.py per file with services;
our output is deterministic (a second run and standalone mode give the same bytes); the
well-known types bundled with grpcio-tools give no files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import grpc_tools
import pytest

# isort: split
import corpus as manifest
import gen_support as gs
import realworld_support as rw

if TYPE_CHECKING:
    import subprocess

# The pinned corpus (requirements/realworld.txt), as protoc parses it.
EXPECTED_FILES = 88
EXPECTED_SERVICE_FILES = 11
EXPECTED_SERVICES = 11
EXPECTED_RPCS = 94
EXPECTED_DEPRECATED_RPCS = 8

# What protoc itself prints about the corpus (qdrant.proto imports files it does not use).
PROTOC_WARNING = re.compile(r"^[\w/.-]+\.proto:\d+:\d+: warning: Import [\w/.-]+ is unused\.$")


def test_corpus_is_the_pinned_one(descriptors: list[rw.ProtoFile]) -> None:
    pinned = {pin.name for pin in manifest.read_pins()}
    assert pinned == {package.name for package in manifest.PACKAGES}
    assert len(descriptors) == EXPECTED_FILES
    assert sum(1 for file in descriptors if file.services) == EXPECTED_SERVICE_FILES
    assert sum(len(file.services) for file in descriptors) == EXPECTED_SERVICES
    rpcs = [rpc for file in descriptors for rpc in file.rpcs]
    assert len(rpcs) == EXPECTED_RPCS
    assert sum(rpc.deprecated for rpc in rpcs) == EXPECTED_DEPRECATED_RPCS


@pytest.mark.parametrize("tree", rw.TREES, ids=lambda t: t.id)
def test_generation(tree: rw.Tree, generated: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = generated[tree.id]
    assert result.returncode == 0, gs.describe(result)
    unexpected = [line for line in result.stderr.splitlines() if not PROTOC_WARNING.match(line)]
    assert not unexpected, gs.describe(result)


@pytest.mark.parametrize("tree", rw.TREES, ids=lambda t: t.id)
def test_one_module_per_file_with_services(
    tree: rw.Tree, require: rw.RequireTree, descriptors: list[rw.ProtoFile]
) -> None:
    require(tree)
    expected = {file.module(tree) for file in descriptors if file.services}
    assert set(tree.connect_modules()) == expected


def connect_file_differences(a: Path, b: Path) -> list[str]:
    """How the generated files under ``a`` and ``b`` differ (nothing: byte-identical)."""
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    problems = [f"only in {a}: {p}" for p in sorted(files_a - files_b)]
    problems += [f"only in {b}: {p}" for p in sorted(files_b - files_a)]
    problems += [
        f"differs: {p}"
        for p in sorted(files_a & files_b)
        if (a / p).read_bytes() != (b / p).read_bytes()
    ]
    return problems


def plugin_files(tree: rw.Tree, scratch: Path) -> Path:
    """A copy of only the files our plugin wrote into the tree."""
    for path in tree.connect_files():
        target = scratch / path.relative_to(tree.out_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return scratch


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_second_run_is_byte_identical(
    tree: rw.Tree, require: rw.RequireTree, tmp_path: Path
) -> None:
    require(tree)
    rerun = tmp_path / "rerun"
    result = rw.generate(tree, rerun, messages=False)
    assert result.returncode == 0, gs.describe(result)
    first = plugin_files(tree, tmp_path / "first")
    assert connect_file_differences(first, rerun) == []


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_standalone_mode_writes_the_same_bytes(
    tree: rw.Tree, require: rw.RequireTree, tmp_path: Path
) -> None:
    require(tree)
    standalone = tmp_path / "standalone"
    options = [arg for option in tree.options for arg in ("--opt", option)]
    result = gs.run(
        [
            gs.PLUGIN,
            "generate",
            "-I",
            rw.PROTO,
            "--out",
            standalone,
            *options,
            *rw.corpus_files(),
        ]
    )
    assert result.returncode == 0, gs.describe(result)
    plugin = plugin_files(tree, tmp_path / "plugin")
    assert connect_file_differences(plugin, standalone) == []


@pytest.mark.parametrize("tree", [t for t in rw.OURS if not t.variant], ids=lambda t: t.id)
def test_well_known_types_give_no_files(tree: rw.Tree, tmp_path: Path) -> None:
    # grpcio-tools' bundled google/protobuf/*.proto: messages and options only.
    include = Path(grpc_tools.__file__).parent / "_proto"
    files = sorted(str(p.relative_to(include)) for p in include.rglob("*.proto"))
    assert len(files) > 10, files
    out = tmp_path / "out"
    out.mkdir()
    command = rw.protoc_command(tree, out, files, messages=False)
    command[command.index(rw.PROTO)] = include
    result = gs.run(command)
    assert result.returncode == 0, gs.describe(result)
    assert sorted(out.rglob("*")) == []
