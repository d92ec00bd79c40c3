"""User code type-checks against the generated eliza.v1 API (both flavors).

``google/`` and ``py/`` hold what a user of each flavor writes against
``eliza/v1/eliza_connect.py`` (testdata/proto/eliza/v1/eliza.proto):

* positive files (``eliza_*.py``): asyncio and threaded implementations of every stream
  kind that implement the generated Protocols *structurally* (no subclassing) and are
  passed to the ASGI / WSGI applications, and calls through both clients. They must
  pass ``mypy --strict`` (tests/python/mypy-generated.ini) and pyright strict. The
  asyncio files are also checked against the ``io=async`` tree and the threaded ones
  against the ``io=sync`` tree, and every positive module must import and build its
  application at run time.
* negative files (``neg_*.py``): each makes exactly one mistake, marked by the comment
  line before it::

      # expect-error: mypy=<error code> pyright=<rule> match=<regex>

  Both checkers must report an error with that code / rule on the line after the
  marker, no error anywhere else in the file, and ``<regex>`` (searched with DOTALL)
  must match the text they report for that line. So a negative cannot pass by failing
  for an unrelated reason, e.g. a Protocol member the implementation forgot.

The generated trees come from scripts/test (``tests/python/.out/ours/<flavor>-<io>``, or
``$CONNECT_PYTHON_OUT``). Only the user files are checked by pyright: diagnostics inside
the generated modules (and the runtime) are not reported and do not count. For mypy the
generated modules are followed and checked as well; only protoc's ``*_pb2.pyi`` files of
the google flavor get ``disallow_any_generics = False``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = Path(os.environ.get("CONNECT_PYTHON_OUT", REPO / "tests" / "python" / ".out"))
MYPY_BASE_CONFIG = REPO / "tests" / "python" / "mypy-generated.ini"
MYPY_CACHE = Path(os.environ.get("MYPY_CACHE_DIR", REPO / ".cache" / "mypy"))
FLAVORS = ("google", "py")
# The version mypy and pyright check for: the running interpreter's (scripts/test runs
# this suite on 3.11, 3.12 and 3.13).
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"

MARKER = re.compile(
    r"^\s*# expect-error:"
    r" mypy=(?P<mypy>\S+) pyright=(?P<pyright>\S+) match=(?P<match>.+)$"
)


def tree(flavor: str, io: str) -> Path:
    path = OUT / "ours" / f"{flavor}-{io}"
    if not (path / "eliza" / "v1" / "eliza_connect.py").is_file():
        pytest.fail(
            f"generated tree missing: {path}; run scripts/test once (it generates the "
            "trees) or point CONNECT_PYTHON_OUT at its output directory",
            pytrace=False,
        )
    return path


def positive_files(flavor: str, io: str) -> list[Path]:
    """The positive user files to check against the tree of ``io``."""
    pattern = {
        "default": "eliza_*.py",
        "async": "eliza_async_*.py",
        "sync": "eliza_sync_*.py",
    }[io]
    files = sorted((HERE / flavor).glob(pattern))
    assert files, f"no {pattern} in {HERE / flavor}"
    return files


def negative_files(flavor: str) -> list[Path]:
    return sorted((HERE / flavor).glob("neg_*.py"))


@dataclass(frozen=True)
class Expectation:
    line: int  # 1-based line of the mistake
    mypy_code: str
    pyright_rule: str
    match: re.Pattern[str]


def expectation(path: Path) -> Expectation:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [
        (number, m)
        for number, line in enumerate(lines, start=1)
        if (m := MARKER.match(line))
    ]
    assert len(found) == 1, f"{path}: expected exactly one '# expect-error:' marker"
    number, m = found[0]
    assert number < len(lines) and lines[number].strip(), (
        f"{path}:{number}: the marker must precede the line with the mistake"
    )
    return Expectation(
        line=number + 1,
        mypy_code=m["mypy"],
        pyright_rule=m["pyright"],
        match=re.compile(m["match"], re.DOTALL),
    )


@dataclass(frozen=True)
class Diagnostic:
    file: str  # file name inside the flavor directory
    line: int  # 1-based
    severity: str
    code: str  # mypy error code or pyright rule
    text: str  # message plus mypy's notes for the same error

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: [{self.code}] {self.text}"


def run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"command: {' '.join(map(str, result.args))}\n"
        f"exit status: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def mypy_config(flavor: str, io: str, directory: Path) -> Path:
    """mypy-generated.ini with the tree as mypy_path; for the google flavor, protoc's
    *_pb2 modules (not ours) relaxed for their bare generics."""
    root = tree(flavor, io)
    config = MYPY_BASE_CONFIG.read_text(encoding="utf-8") + f"mypy_path = {root}\n"
    if flavor == "google":
        pb2 = sorted(
            ".".join(p.relative_to(root).with_suffix("").parts)
            for p in root.rglob("*_pb2.pyi")
        )
        assert pb2, f"no *_pb2.pyi files in {root}"
        config += f"\n[mypy-{','.join(pb2)}]\ndisallow_any_generics = False\n"
    path = directory / f"mypy-{flavor}-{io}.ini"
    path.write_text(config, encoding="utf-8")
    return path


def run_mypy(flavor: str, io: str, files: list[Path], tmp: Path) -> list[Diagnostic]:
    """mypy in the files' directory; diagnostics in them are named by file name."""
    where = files[0].parent
    assert all(f.parent == where for f in files)
    result = run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            mypy_config(flavor, io, tmp),
            # One cache per tree: all trees have the same module names.
            "--cache-dir",
            MYPY_CACHE / f"usercode-{flavor}-{io}",
            "--python-version",
            PYTHON_VERSION,
            "--output",
            "json",
            *(f.name for f in files),
        ],
        cwd=where,
    )
    # 0: clean, 1: errors reported; anything else (2: crash, bad config) is a failure.
    assert result.returncode in (0, 1), describe(result)
    diagnostics: list[Diagnostic] = []
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"mypy printed a non-JSON line: {line!r}\n{describe(result)}")
        diagnostics.append(
            Diagnostic(
                file=item["file"],
                line=item["line"],
                severity=item["severity"],
                code=item["code"] or "<no code>",
                text=item["message"] + ("\n" + item["hint"] if item["hint"] else ""),
            )
        )
    assert (result.returncode == 0) == (
        not any(d.severity == "error" for d in diagnostics)
    ), describe(result)
    return diagnostics


def run_pyright(flavor: str, io: str, files: list[Path], tmp: Path) -> list[Diagnostic]:
    """pyright strict on the user files only; the generated tree is an extraPath, so its
    modules are analyzed for their types but not reported on."""
    config = tmp / f"pyrightconfig-{flavor}-{io}.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": PYTHON_VERSION,
                "extraPaths": [str(tree(flavor, io))],
            }
        ),
        encoding="utf-8",
    )
    result = run(
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
        cwd=files[0].parent,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not produce a JSON report\n{describe(result)}")
    assert report["summary"]["filesAnalyzed"] == len(files), describe(result)
    user_files = {str(f) for f in files}
    assert len({f.parent for f in files}) == 1
    diagnostics = [
        Diagnostic(
            file=Path(d["file"]).name,
            line=d["range"]["start"]["line"] + 1,
            severity=d["severity"],
            code=d.get("rule", "<no rule>"),
            text=d["message"],
        )
        for d in report["generalDiagnostics"]
        if d["file"] in user_files
    ]
    errors = [d for d in diagnostics if d.severity == "error"]
    assert (result.returncode == 0) == (not errors), describe(result)
    return diagnostics


def listing(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(map(str, diagnostics)) or "(none)"


# --- positive files -------------------------------------------------------------------

POSITIVE_SETS = [
    (flavor, io) for flavor in FLAVORS for io in ("default", "async", "sync")
]


def ids(params: tuple[str, str]) -> str:
    return "-".join(params)


@pytest.mark.parametrize("params", POSITIVE_SETS, ids=ids)
def test_positive_mypy_strict(params: tuple[str, str], tmp_path: Path) -> None:
    flavor, io = params
    diagnostics = run_mypy(flavor, io, positive_files(flavor, io), tmp_path)
    assert not diagnostics, f"mypy --strict on the user code:\n{listing(diagnostics)}"


@pytest.mark.parametrize("params", POSITIVE_SETS, ids=ids)
def test_positive_pyright_strict(params: tuple[str, str], tmp_path: Path) -> None:
    flavor, io = params
    diagnostics = run_pyright(flavor, io, positive_files(flavor, io), tmp_path)
    # Warnings and informations count too: strict user code gets none.
    assert not diagnostics, f"pyright strict on the user code:\n{listing(diagnostics)}"


RUNTIME_CHECK = """
import importlib, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
out = {}
for name in sys.argv[3:]:
    module = importlib.import_module(name)
    app = getattr(module, "app", None)
    out[name] = None if app is None else [type(app).__name__, app.path]
    for cls_name in ("Eliza", "ElizaSync"):
        cls = getattr(module, cls_name, None)
        if cls is not None and hasattr(cls, "desc"):
            out[name + "." + cls_name + ".desc"] = cls.desc().type_name
print(json.dumps(out))
"""


@pytest.mark.parametrize("flavor", FLAVORS)
def test_positive_files_import_and_build_applications(flavor: str) -> None:
    files = positive_files(flavor, "default")
    result = run(
        [
            sys.executable,
            "-P",
            "-B",
            "-c",
            RUNTIME_CHECK,
            tree(flavor, "default"),
            HERE / flavor,
            *(f.stem for f in files),
        ],
        cwd=HERE / flavor,
    )
    assert result.returncode == 0, describe(result)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["eliza_async_service"] == [
        "ElizaServiceASGIApplication",
        "/eliza.v1.ElizaService",
    ]
    assert out["eliza_sync_service"] == [
        "ElizaServiceWSGIApplication",
        "/eliza.v1.ElizaService",
    ]
    if flavor == "py":
        assert out["eliza_async_service.Eliza.desc"] == "eliza.v1.ElizaService"
        assert out["eliza_sync_service.ElizaSync.desc"] == "eliza.v1.ElizaService"


# --- negative files -------------------------------------------------------------------

NEGATIVES = [
    (flavor, path.name) for flavor in FLAVORS for path in negative_files(flavor)
]


def test_negative_files_are_the_same_in_both_flavors() -> None:
    names = {flavor: [p.name for p in negative_files(flavor)] for flavor in FLAVORS}
    assert names["google"], "no negative files"
    assert names["google"] == names["py"]


@pytest.fixture(scope="session")
def negative_diagnostics(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], tuple[Diagnostic, ...]]:
    """One checker run over all negative files of a flavor (errors are per file)."""

    @functools.cache
    def diagnostics(checker: str, flavor: str) -> tuple[Diagnostic, ...]:
        tmp = tmp_path_factory.mktemp(f"negatives-{checker}-{flavor}")
        runner = run_mypy if checker == "mypy" else run_pyright
        return tuple(runner(flavor, "default", negative_files(flavor), tmp))

    return diagnostics


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
@pytest.mark.parametrize("negative", NEGATIVES, ids=ids)
def test_negative_reports_the_mistake(
    negative: tuple[str, str],
    checker: str,
    negative_diagnostics: Callable[[str, str], tuple[Diagnostic, ...]],
) -> None:
    flavor, name = negative
    expected = expectation(HERE / flavor / name)
    code = expected.mypy_code if checker == "mypy" else expected.pyright_rule
    reported = [d for d in negative_diagnostics(checker, flavor) if d.file == name]
    errors = [d for d in reported if d.severity == "error"]
    context = f"{checker} on {flavor}/{name}:\n{listing(reported)}"

    assert errors, f"the mistake on line {expected.line} was not reported; {context}"
    elsewhere = [d for d in errors if d.line != expected.line]
    assert not elsewhere, (
        f"errors outside the mistake's line {expected.line} (the file must have "
        f"exactly one mistake); {context}"
    )
    assert code in {d.code for d in errors}, (
        f"no [{code}] error on line {expected.line}; {context}"
    )
    text = "\n".join(d.text for d in reported if d.line == expected.line)
    if not expected.match.search(text):
        pytest.fail(
            f"the report for line {expected.line} does not match "
            f"{expected.match.pattern!r}, so it is not about the intended mistake; "
            f"{context}",
            pytrace=False,
        )


# --- a known limitation of the py flavor ----------------------------------------------


USED_AS_PROTOCOL = frozenset(
    {"arg-type", "assignment", "reportArgumentType", "reportAssignmentType"}
)


class DescRequired(Exception):
    """The implementation was rejected only because it lacks ``desc``."""


@pytest.mark.xfail(
    strict=True,
    raises=DescRequired,
    reason=(
        "py flavor: the generated Protocols declare the classmethod desc() (as "
        "protoc-gen-connectrpc 0.13.0's do), so it is a protocol member and a "
        "structural implementation without desc() is rejected by the applications"
    ),
)
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
@pytest.mark.parametrize("module", ["eliza_async_service.py", "eliza_sync_service.py"])
def test_py_structural_implementation_without_desc(
    module: str, checker: str, tmp_path: Path
) -> None:
    source = (HERE / "py" / module).read_text(encoding="utf-8")
    without, count = re.subn(
        r"\n    @classmethod\n    def desc\(cls\) -> DescService:\n"
        r"        return \w+\.desc\(\)\n",
        "",
        source,
    )
    assert count == 1, "the desc() method of the py implementation was not found"
    without = without.replace("from protobuf import DescService\n", "")
    # Another module name, so it does not share mypy cache entries with the original.
    probe = tmp_path / "user" / f"without_desc_{module}"
    probe.parent.mkdir()
    probe.write_text(without, encoding="utf-8")
    runner = run_mypy if checker == "mypy" else run_pyright
    reported = runner("py", "default", [probe], tmp_path)
    errors = [d for d in reported if d.severity == "error"]
    # The implementation is rejected where it is used as the Protocol, because of desc
    # (the lifespan factory's AsyncGenerator[Eliza] is rejected as a consequence).
    if (
        errors
        and any(re.search(r"\bdesc\b", d.text) for d in errors)
        and {d.code for d in errors} <= USED_AS_PROTOCOL
    ):
        raise DescRequired(listing(errors))
    assert not errors, listing(errors)
