"""The oracle: what the plugin must do with any request, and the checks that prove it.

For each request the plugin (plugin mode, the request on stdin) must exit 0 with a
CodeGeneratorResponse on stdout that is either

(a) a clean error: ``error`` set to one readable message, and no files; or
(b) files: one ``_connect.py`` per file to generate that has services, each of which
    compiles, is ``ruff format``-stable and clean under ruff-generated.toml, and - when
    protoc accepts the descriptor set, so that real message modules exist - passes
    ``mypy --strict`` with them and imports in the layout its ``imports`` option is for.

A descriptor set protoc rejects is one protoc would never send: then (a) or files that
compile and are ruff-clean are required, nothing more, and an error is never required
merely because protoc rejects. Besides, where protoc accepts the set and the README's
rule 7 gives no reason to refuse it, an error is a defect too; and a parameter with an
unknown key must be an error that names the key.

Costs are batched per example: one ruff format and one ruff check run over every
module of every parameter set, one mypy run (each set's modules renamed
``<module>_k<set>`` so that all sets share one tree of message modules), and one Python
process that forks per layout for the imports.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from google.protobuf.compiler import plugin_pb2
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cases import Case

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLUGIN = Path(
    os.environ.get(
        "CONNECT_PYTHON_PLUGIN", REPO / "target" / "release" / "protoc-gen-connect_python"
    )
)
RUFF_CONFIG = REPO / "tests" / "python" / "ruff-generated.toml"
MYPY_CONFIG = REPO / "tests" / "python" / "mypy-generated.ini"
CACHE = Path(os.environ.get("MYPY_CACHE_DIR", REPO / ".cache" / "mypy")).parent
PLUGIN_TIMEOUT = 30


@dataclass(frozen=True)
class ParameterSet:
    key: str  # a short id, also the suffix of the renamed modules
    flavor: str
    io: str
    imports: str
    parameter: str


def _spell(flavor: str, io: str, imports: str) -> str:
    parts = [f"protobuf={flavor}"] if flavor == "google" else []
    if io != "default":
        parts.append(f"io={io}")
    if imports == "absolute":
        parts.append("imports=absolute")
    return ",".join(parts)


STANDARD = tuple(
    ParameterSet(f"k{i}", flavor, io, imports, _spell(flavor, io, imports))
    for i, (flavor, io, imports) in enumerate(
        (f, io, imp)
        for f in ("google", "py")
        for io, imp in (
            ("default", "relative"),
            ("sync", "relative"),
            ("async", "relative"),
            ("default", "absolute"),
        )
    )
)


@dataclass
class Outcome:
    parameter: str
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    """What went wrong, for which parameter, and counts of what was checked."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (parameter, text)
    counts: dict[str, int] = field(default_factory=dict)

    def fail(self, parameter: str, text: str) -> None:
        self.problems.append((parameter, text))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    @contextlib.contextmanager
    def timed(self, what: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.count(f"ms {what}", round((time.monotonic() - start) * 1000))


def run_plugin(request: bytes, parameter: str, report: Report) -> Outcome | None:
    """Runs the plugin; records a defect and returns None unless it answered cleanly."""
    try:
        result = subprocess.run(
            [PLUGIN], input=request, capture_output=True, timeout=PLUGIN_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        report.fail(parameter, f"plugin did not finish within {PLUGIN_TIMEOUT} s")
        return None
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        report.fail(parameter, f"plugin exited {result.returncode}; stderr:\n{stderr[:3000]}")
        return None
    try:
        response = plugin_pb2.CodeGeneratorResponse.FromString(result.stdout)
    except DecodeError as e:
        report.fail(
            parameter, f"stdout is not a CodeGeneratorResponse ({e}): {result.stdout[:200]!r}"
        )
        return None
    if len(UnknownFieldSet(response)) or any(len(UnknownFieldSet(f)) for f in response.file):
        report.fail(parameter, f"stdout has unknown fields: {result.stdout[:200]!r}")
        return None
    outcome = Outcome(parameter)
    if response.HasField("error"):
        outcome.error = response.error
        if response.file:
            report.fail(
                parameter, f"error {response.error!r} together with {len(response.file)} files"
            )
        problem = unreadable(response.error)
        if problem:
            report.fail(
                parameter,
                f"error message is not one readable message ({problem}): {response.error!r}",
            )
        return outcome
    for f in response.file:
        if f.insertion_point or not f.HasField("name") or not f.HasField("content"):
            report.fail(
                parameter, f"file entry without name/content or with insertion point: {f.name!r}"
            )
            continue
        if f.name in outcome.files:
            report.fail(parameter, f"file {f.name!r} written twice")
        outcome.files[f.name] = f.content
    return outcome


def unreadable(message: str) -> str | None:
    if not message.strip():
        return "empty"
    if message != message.strip():
        return "leading or trailing whitespace"
    if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", message):
        return "control characters"
    if "panicked" in message or "RUST_BACKTRACE" in message:
        return "a panic"
    if message.count("\n") > 3 or len(message) > 4000:
        return "too long to be one message"
    return None


def services_of(case: Case) -> set[str]:
    return {f.name for f in case.files if f.service and f.name in case.to_generate}


def check_file_set(case: Case, outcome: Outcome, report: Report) -> bool:
    wanted = services_of(case)
    names = list(outcome.files)
    ok = True
    if len(names) != len(wanted):
        report.fail(
            outcome.parameter, f"{len(names)} files for {len(wanted)} files with services: {names}"
        )
        ok = False
    for name in names:
        parts = name.split("/")
        if (
            not name.endswith("_connect.py")
            or name.startswith("/")
            or any(p in {"", ".", ".."} for p in parts)
            or "\\" in name
        ):
            report.fail(outcome.parameter, f"bad output file name {name!r}")
            ok = False
    sources = [c.split("\n", 2)[1] if c.count("\n") > 1 else "" for c in outcome.files.values()]
    if not all(s.startswith("# Source: ") for s in sources):
        report.fail(outcome.parameter, f"a module lacks the '# Source:' header: {sources}")
    return ok


def compiles(name: str, content: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            compile(content, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, SyntaxWarning) as e:
            return f"{type(e).__name__}: {e}"
    return None


@dataclass
class Placed:
    parameters: ParameterSet | None  # None: the drawn parameter
    parameter: str
    name: str  # the plugin's file name
    path: Path  # where it was written for ruff


def ruff_check(root: Path, placed: list[Placed], report: Report) -> None:
    """One `ruff format --check` and one `ruff check` over every written module."""
    by_path = {p.path.relative_to(root).as_posix(): p for p in placed}
    ruff = [sys.executable, "-m", "ruff"]
    fmt = subprocess.run(
        [*ruff, "format", "--no-cache", "--check", "--output-format", "json", "--config", RUFF_CONFIG, "."],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        unformatted = sorted({d["filename"] for d in json.loads(fmt.stdout or "[]")})
    except (json.JSONDecodeError, KeyError, TypeError):
        unformatted = []
    if fmt.returncode not in (0, 1) or (fmt.returncode == 1) != bool(unformatted):
        report.fail("*", f"ruff format failed to run:\n{fmt.stdout}\n{fmt.stderr}"[:4000])
    for filename in unformatted:
        rel = Path(filename).resolve().relative_to(root.resolve()).as_posix()
        p = by_path.get(rel)
        diff = subprocess.run(
            [*ruff, "format", "--no-cache", "--diff", "--config", RUFF_CONFIG, rel],
            cwd=root, capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        report.fail(
            p.parameter if p else "*",
            f"ruff format would change {p.name if p else rel}:\n{diff[:3000]}",
        )
    check = subprocess.run(
        [*ruff, "check", "--no-cache", "--no-fix", "--output-format", "json", "--config", RUFF_CONFIG, "."],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if check.returncode not in (0, 1):
        report.fail("*", f"ruff check failed to run:\n{check.stdout}\n{check.stderr}"[:4000])
        return
    for d in json.loads(check.stdout or "[]"):
        rel = Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix()
        p = by_path.get(rel)
        report.fail(
            p.parameter if p else "*",
            f"ruff check {d['code']} in {p.name if p else rel}:{d['location']['row']}: {d['message']}",
        )
    report.count("ruff-checked modules", len(placed))


def protoc_messages(case: Case, work: Path, report: Report) -> dict[str, Path | None]:
    """Message modules from real protoc for both flavors, through --descriptor_set_in.
    ``{"google": dir or None, "py": dir or None}``; both None when protoc rejects the set
    (``"rejected"`` key holds protoc's message)."""
    descriptor_set = work / "set.binpb"
    descriptor_set.write_bytes(case.descriptor_set())
    files = [f.name for f in case.files]
    if any("\x00" in name for name in files):
        # No command line can name such a file: protoc never sends one.
        report.count("examples protoc rejects")
        return {"google": None, "py": None}
    protoc = [sys.executable, "-m", "grpc_tools.protoc", f"--descriptor_set_in={descriptor_set}"]
    out: dict[str, Path | None] = {}
    google = work / "msg-google"
    google.mkdir()
    result = subprocess.run(
        [*protoc, f"--python_out={google}", f"--pyi_out={google}", *files],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        report.count("examples protoc rejects")
        (work / "protoc-rejected.txt").write_text(result.stderr)
        return {"google": None, "py": None}
    out["google"] = google
    py = work / "msg-py"
    py.mkdir()
    plugin = Path(sys.executable).parent / "protoc-gen-py"
    result = subprocess.run(
        [*protoc, f"--plugin=protoc-gen-py={plugin}", f"--py_out={py}", *files],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        report.count("examples protoc-gen-py fails on")
        out["py"] = None
    else:
        out["py"] = py
    return out


def _module(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


@dataclass
class Target:
    parameters: ParameterSet
    name: str
    module: str  # the renamed module, as imported in its layout
    message_module: str  # its message module in the same layout
    path: Path


MESSAGE_SUFFIX = {"google": "_pb2", "py": "_pb"}
PACKAGE = "__tree__"


def build_check_tree(
    work: Path, messages: dict[str, Path | None], outcomes: dict[str, Outcome]
) -> tuple[Path, list[Target]]:
    """One tree for mypy and the imports: both flavors' message modules at the root and
    again inside the package ``__tree__``; each parameter set's modules renamed
    ``<module>_<key>`` and placed where their layout has them."""
    tree = work / "check"
    tree.mkdir()
    for d in messages.values():
        if d is not None:
            shutil.copytree(d, tree, dirs_exist_ok=True)
    (tree / "__init__.py").unlink(missing_ok=True)
    shutil.copytree(tree, tree / PACKAGE)
    (tree / PACKAGE / "__init__.py").touch()
    targets: list[Target] = []
    for p in STANDARD:
        outcome = outcomes.get(p.key)
        if outcome is None or outcome.error is not None or messages[p.flavor] is None:
            continue
        for name, content in outcome.files.items():
            rel = Path(name)
            renamed = rel.with_name(f"{rel.stem}_{p.key}.py")
            message_rel = rel.with_name(
                rel.name.removesuffix("_connect.py") + MESSAGE_SUFFIX[p.flavor] + ".py"
            )
            root_level = len(rel.parts) == 1
            in_package = p.imports == "relative" and (p.flavor == "py" or root_level)
            base = tree / PACKAGE if in_package else tree
            path = base / renamed
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            targets.append(
                Target(p, name, _module(path, tree), _module(base / message_rel, tree), path)
            )
    return tree, targets


def mypy_check(tree: Path, targets: list[Target], report: Report) -> None:
    config = MYPY_CONFIG.read_text(encoding="utf-8") + f"mypy_path = {tree}\n"
    message_modules = sorted(
        _module(p, tree) for p in [*tree.rglob("*_pb2.pyi"), *tree.rglob("*_pb.py")]
    )
    if message_modules:
        config += (
            "\n# The message modules are protoc's and protoc-gen-py's, not ours.\n"
            f"[mypy-{','.join(message_modules)}]\nignore_errors = True\n"
        )
    (tree.parent / "mypy.ini").write_text(config, encoding="utf-8")
    # protoc-gen-py's modules import each other relatively, which fails (a blocking mypy
    # error) in the sys.path layout of the py flavor's imports=absolute; checked apart, such
    # a module voids only its own set's check, not every set's.
    apart: list[Target] = []
    rest: list[Target] = []
    for t in targets:
        py_absolute = t.parameters.flavor == "py" and t.parameters.imports == "absolute"
        (apart if py_absolute else rest).append(t)
    for group in (apart, rest):
        if group:
            _mypy_group(tree, group, report)


def _mypy_group(tree: Path, targets: list[Target], report: Report) -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--config-file", tree.parent / "mypy.ini",
            "--cache-dir", CACHE / "mypy-property", "--no-error-summary",
            "--show-error-codes", "--no-pretty", "--show-absolute-path",
            *(t.path for t in targets),
        ],
        cwd=tree, capture_output=True, text=True, check=False,
    )  # fmt: skip
    by_path = {str(t.path): t for t in targets}
    if result.returncode == 0 and not result.stdout.strip():
        report.count("mypy-checked modules", len(targets))
        return
    ours = []
    for line in result.stdout.splitlines():
        path = line.split(":", 1)[0]
        target = by_path.get(path)
        if target is not None:
            ours.append((target, line))
        elif ": error:" in line and not path.endswith(("_pb2.pyi", "_pb.py", "_pb2.py")):
            report.fail("*", f"mypy: {line}")
    for target, line in ours:
        report.fail(
            target.parameters.parameter, f"mypy --strict on {target.name}: {line.split(':', 1)[1]}"
        )
    if not ours and result.returncode != 0:
        # Errors only in the message generators' modules (a blocking one, e.g. a .pyi
        # that does not parse, stops mypy): nothing of ours can be checked.
        report.count("mypy runs whose message modules mypy rejects")
        if result.returncode not in (1, 2):
            report.fail("*", f"mypy crashed:\n{result.stdout}\n{result.stderr}"[:4000])


IMPORT_SCRIPT = r"""
import importlib, json, os, sys, traceback
root, groups = sys.argv[1], json.loads(sys.argv[2])
sys.path.insert(0, root)
import google.protobuf, connectrpc.client, connectrpc.server  # loaded once, before forking
results = {}
for group, targets in groups.items():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        out = {}
        for module, message_module in targets:
            try:
                importlib.import_module(message_module)
            except BaseException as e:
                out[module] = ["skipped", f"{type(e).__name__}: {e}"]
                continue
            try:
                importlib.import_module(module)
                out[module] = ["ok", ""]
            except BaseException as e:
                out[module] = ["failed", traceback.format_exc(limit=3)]
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.waitpid(pid, 0)
    results[group] = json.loads(data or b"{}")
print(json.dumps(results))
"""


def import_check(tree: Path, targets: list[Target], report: Report) -> None:
    groups: dict[str, list[tuple[str, str]]] = {}
    for t in targets:
        group = f"{t.parameters.flavor}-{t.parameters.imports}"
        groups.setdefault(group, []).append((t.module, t.message_module))
    result = subprocess.run(
        [sys.executable, "-P", "-B", "-c", IMPORT_SCRIPT, tree, json.dumps(groups)],
        cwd=tree, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    if result.returncode != 0:
        report.fail("*", f"import check did not run:\n{result.stderr[-3000:]}")
        return
    results = json.loads(result.stdout.strip().splitlines()[-1])
    by_module = {t.module: t for t in targets}
    for group in results.values():
        for module, (status, detail) in group.items():
            t = by_module[module]
            if status == "ok":
                report.count("imported modules")
            elif status == "skipped":
                report.count("modules whose message module does not import in the layout")
            else:
                report.fail(
                    t.parameters.parameter,
                    f"{t.name} (as {module}, {t.parameters.imports} layout) does not import:\n{detail}",
                )


def check_case(case: Case, work: Path, parameters: list[str] | None = None) -> Report:
    """Runs every standard parameter set and the case's drawn parameter on the case
    (or only ``parameters``: a replayed regression)."""
    from cases import refusal_allowed  # noqa: PLC0415

    report = Report()
    with report.timed("protoc"):
        messages = protoc_messages(case, work, report)
    accepted = messages["google"] is not None
    outcomes: dict[str, Outcome] = {}
    standard = {p.parameter: p for p in STANDARD}
    wanted = (
        [p.parameter for p in STANDARD] + [case.parameter] if parameters is None else parameters
    )
    runs = [(standard.get(w), w) for w in dict.fromkeys(wanted)]
    placed: list[Placed] = []
    out = work / "out"
    for index, (p, parameter) in enumerate(runs):
        request = case.request(parameter)
        outcome = run_plugin(request, parameter, report)
        if outcome is None:
            continue
        report.count("plugin runs")
        if p is None and case.unknown_key is not None and outcome.error is None:
            report.fail(parameter, f"unknown key {case.unknown_key!r} accepted")
        if (
            p is None
            and case.unknown_key
            and outcome.error
            and case.unknown_key not in outcome.error
        ):
            report.fail(parameter, f"error does not name the unknown key: {outcome.error!r}")
        if outcome.error is not None:
            report.count("errors")
            if p is not None and accepted and not refusal_allowed(case, p.flavor):
                report.fail(
                    parameter,
                    f"refused an input protoc accepts and rule 7 allows: {outcome.error!r}",
                )
            if p is not None:
                outcomes[p.key] = outcome
            continue
        if p is not None:
            outcomes[p.key] = outcome
            if p.io == "default" and p.imports == "relative":  # determinism
                again = run_plugin(request, parameter, Report())
                if again is None or again.files != outcome.files:
                    report.fail(parameter, "a second run gave different output")
        if not check_file_set(case, outcome, report):
            continue
        for name, content in outcome.files.items():
            problem = compiles(name, content)
            if problem:
                report.fail(parameter, f"{name} does not compile: {problem}")
                continue
            path = out / f"r{index}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            placed.append(Placed(p, parameter, name, path))
    if placed:
        with report.timed("ruff"):
            ruff_check(out, placed, report)
    if accepted and not report.problems:
        tree, targets = build_check_tree(work, messages, outcomes)
        if targets:
            with report.timed("mypy"):
                mypy_check(tree, targets, report)
            with report.timed("imports"):
                import_check(tree, targets, report)
    return report
