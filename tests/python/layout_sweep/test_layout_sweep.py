"""Every line whose width depends on the input is laid out as `ruff format` lays it out.

For each parameter set, the sweep (sweep_cases.py) generates one module per case: every
name slot at every length from 1 to 200 and beyond, the other slots short, medium or
long, plus seeded random combinations and the fixed regressions below. All of a set's
modules go through one `ruff format --check --diff` and one `ruff check` run with
ruff-generated.toml; a failure names each offending construct with its cases, and shows
the cases' names and ruff's diff or diagnostics.

LAYOUT_SWEEP_RANDOM (default 200) random cases per set, seeded by LAYOUT_SWEEP_SEED
(default 1), widen the sweep for a longer run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from google.protobuf.compiler import plugin_pb2

# isort: split
import gen_support as gs

# isort: split
# sweep_cases.py sits next to this file; pytest puts this directory on sys.path.
import sweep_cases as sc

CONFIG = gs.HERE / "ruff-generated.toml"
RUFF = [sys.executable, "-m", "ruff"]
RANDOM_CASES = int(os.environ.get("LAYOUT_SWEEP_RANDOM", "200"))
SEED = int(os.environ.get("LAYOUT_SWEEP_SEED", "1"))
# Modules shown in full, one per construct; the others are only counted.
SHOWN = 6


def _fixed(name: str, **names: str) -> sc.Case:
    return sc.Case("fixed", 0, name, replace(sc.level_spec("medium", 90_000), **names))


# The lines the sweep found laid out otherwise than by ruff, each at its first failing
# width (testdata/proto/layout/v1/thresholds.proto has each one for every test layer).
FIXED_CASES = (
    # A `_MethodInfos` declaration whose `[` is beyond column 88 but whose `name: (` is
    # not (`s..._u...` of 68 characters): ruff parenthesizes the annotation.
    _fixed("declaration parenthesized", service="S" + "x" * 37, method="M" + "x" * 28),
    # A return annotation of 79 characters fits alone on a line: it is parenthesized.
    _fixed("return annotation parenthesized", response="P" + "x" * 78),
    # `return "/package.Service"` with 71 to 73 characters of string is parenthesized.
    _fixed("path parenthesized", package="p" + "k" * 45, service="S" + "x" * 24),
    # The google flavor's module-level alias of a private nested class, 89 columns
    # without its comment: ruff would parenthesize the value and put the noqa comment
    # after the closing parenthesis, off the line it has to be on.
    _fixed("private alias parenthesized", outer="T" + "x" * 40, private="_V"),
    _fixed("private alias with pyright ignore", outer="T" + "x" * 40, private="__V"),
)


@dataclass
class Module:
    path: Path
    case: sc.Case


def generate(plugin: Path, cases: list[sc.Case], parameter: str, out: Path) -> list[Module]:
    """Runs the plugin on the cases' requests and writes each module as
    ``c<index>_connect.py``: flat, so no module or package name of the sweep, which can
    be any length, has to be a valid file name."""
    out.mkdir(parents=True)
    modules: list[Module] = []
    for request, by_file in sc.batch_requests(cases, parameter):
        result = subprocess.run([plugin], input=request, capture_output=True, check=False)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        response = plugin_pb2.CodeGeneratorResponse.FromString(result.stdout)
        assert not response.error, response.error
        # One module per file to generate, in the request's order.
        assert len(response.file) == len(by_file), [f.name for f in response.file]
        for file, (proto, case) in zip(response.file, by_file.items(), strict=True):
            assert f"# Source: {proto}\n" in file.content, (proto, file.name)
            path = out / f"c{len(modules):05d}_connect.py"
            path.write_text(file.content, encoding="utf-8")
            modules.append(Module(path, case))
    return modules


def format_diffs(root: Path, count: int) -> dict[str, str]:
    """``{file name: ruff's diff}`` for every module `ruff format` would change, after
    checking that it read all ``count`` modules."""
    result = gs.run(
        [*RUFF, "format", "--no-cache", "--check", "--diff", "--config", CONFIG, "."],
        cwd=root,
    )
    # 0: all formatted, 1: some would change; anything else (a file that does not
    # parse) is a failure of its own.
    assert result.returncode in (0, 1), gs.describe(result)
    diffs: dict[str, str] = {}
    for chunk in re.split(r"^(?=--- )", result.stdout, flags=re.MULTILINE):
        if chunk.startswith("--- "):
            name = Path(chunk.split("\n", 1)[0][4:].strip()).name
            diffs[name] = chunk
    assert (result.returncode == 1) == bool(diffs), gs.describe(result)
    # Its summary: "N files would be reformatted, M files already formatted".
    read = sum(
        int(n) for n in re.findall(r"(\d+) files? (?:would be re|already )formatted", result.stderr)
    )
    assert read == count, gs.describe(result)
    return diffs


def check_diagnostics(root: Path) -> dict[str, list[str]]:
    """``{file name: ["line:col CODE message", ...]}`` from `ruff check`."""
    result = gs.run(
        [
            *RUFF,
            "check",
            "--no-cache",
            "--no-fix",
            "--output-format",
            "json",
            "--config",
            CONFIG,
            ".",
        ],
        cwd=root,
    )
    assert result.returncode in (0, 1), gs.describe(result)
    found: dict[str, list[str]] = defaultdict(list)
    for d in json.loads(result.stdout):
        where = f"{d['location']['row']}:{d['location']['column']}"
        found[Path(d["filename"]).name].append(f"{where} {d['code']} {d['message']}")
    assert (result.returncode == 1) == bool(found), gs.describe(result)
    return found


# What a line of the generated module is, from the text ruff changes.
CONSTRUCTS = (
    (re.compile(r"^\s+\w+: MethodInfo\["), "_MethodInfos declaration"),
    (re.compile(r"^\s+\) -> "), "return annotation"),
    (re.compile(r"^\s+(request|ctx|service): "), "parameter annotation"),
    (re.compile(r'^\s+return "/'), "path property"),
    (re.compile(r"^\s+return next\(|^\s+(s$|for s in|if s\.type_name|== )"), "desc() lookup"),
    (re.compile(r"^\s*class "), "class header"),
    (re.compile(r"^\s*@"), "decorator"),
    (re.compile(r"^\s*(from|import) "), "import statement"),
    (re.compile(r"^\s*if (__name__|__package__)"), "layout guard"),
    (re.compile(r"# noqa: SLF001"), "private class alias"),
    (re.compile(r'^\s+"/'), "endpoint entry"),
    (re.compile(r'^\s+"\w+": '), "table entry"),
)


def constructs(diff: str) -> set[str]:
    """The constructs a diff changes: each hunk's by the first removed line that is one
    (a hunk can start with the end of the line before), else by its first removed line."""
    found = set()
    for hunk in re.split(r"^@@.*\n", diff, flags=re.MULTILINE)[1:]:
        removed = [line[1:] for line in hunk.splitlines() if line.startswith("-")]
        named = (name for text in removed for rx, name in CONSTRUCTS if rx.search(text))
        if removed:
            found.add(next(named, removed[0].strip()))
    return found


def report(
    parameter: str, modules: list[Module], diffs: dict[str, str], lint: dict[str, list[str]]
) -> str:
    """Each offending construct with its cases, then the first module of each construct
    in full: its names, and ruff's diagnostics or diff."""
    by_name = {m.path.name: m for m in modules}
    # construct -> the names of the modules where it is wrong, in the sweep's order
    by_construct: dict[str, list[str]] = defaultdict(list)
    for name in sorted(diffs):
        for construct in sorted(constructs(diffs[name])):
            by_construct[f"ruff format: {construct}"].append(name)
    for name in sorted(lint):
        for code in sorted({message.split()[1] for message in lint[name]}):
            by_construct[f"ruff check {code}"].append(name)
    failing = set(diffs) | set(lint)
    lines = [
        f"{len(failing)} of {len(modules)} generated modules (parameter {parameter!r}) are "
        "not what ruff format / ruff check want:",
    ]
    for construct, names in sorted(by_construct.items()):
        ids = ", ".join(by_name[name].case.id for name in names[:3])
        lines.append(f"  {construct}: {len(names)} case(s), e.g. {ids}")
    shown = list(dict.fromkeys(names[0] for names in by_construct.values()))[:SHOWN]
    for name in shown:
        module = by_name[name]
        lines += [
            "",
            f"=== {name}: {module.case.id} (slot, length of its names, names)",
            sc.describe_spec(module.case.spec),
            *lint.get(name, []),
            diffs.get(name, "").rstrip(),
        ]
    if len(failing) > len(shown):
        lines.append(f"\n... and {len(failing) - len(shown)} more modules")
    return "\n".join(lines)


@pytest.mark.parametrize("parameters", sc.PARAMETER_SETS, ids=lambda p: p.id)
def test_layout_sweep(parameters: sc.ParameterSet, plugin: Path, tmp_path: Path) -> None:
    cases = [
        *sc.sweep_cases(parameters.levels, parameters.slots),
        *sc.random_cases(RANDOM_CASES, SEED),
        *FIXED_CASES,
    ]
    root = tmp_path / parameters.id
    modules = generate(plugin, cases, parameters.parameter, root)
    assert len(modules) == len(cases)
    diffs = format_diffs(root, len(modules))
    lint = check_diagnostics(root)
    if diffs or lint:
        message = report(parameters.parameter, modules, diffs, lint)
        pytest.fail(f"{message}\n\nThe modules are in {root}", pytrace=False)
    # Hundreds of megabytes a set: pytest would keep them for three runs.
    shutil.rmtree(root)


def test_every_slot_reaches_every_length() -> None:
    """The sweep itself: each slot's names have exactly the lengths asked for, distinct
    slots never give the same name, and the default sets sweep every slot."""
    for slot in sc.SLOTS:
        for length in sc.LENGTHS:
            name = slot.build(length, 12345)
            expected = max(length, 2) if slot.name == "private" else length
            assert len(name) == expected, (slot.name, length, name)
    names = [slot.build(8, 7) for slot in sc.SLOTS if slot.name != "comment"]
    assert len(set(names)) == len(names), names
    default = next(p for p in sc.PARAMETER_SETS if p.id == "py-default")
    assert default.slots is None
    assert {c.slot for c in sc.sweep_cases(default.levels)} == set(sc.SLOT_NAMES)
