"""Imports by layout: every generated module in the two layouts Python projects use.

* ``package``: the output root is a package (connectrpc's own test suite generates the
  root-level ``haberdasher.proto`` into its ``test`` package and imports
  ``from .haberdasher_connect import ...``). The tree is copied to ``<tmp>/gen`` with an
  ``__init__.py``, ``<tmp>`` goes on sys.path, and modules are imported as ``gen.<name>``.
* ``syspath``: the output root itself is on sys.path (what protoc's ``_pb2`` modules
  assume for their imports of each other); modules are imported by their own names.

With the default ``imports=relative`` a module imports exactly where the reference's
does, in both layouts (drop-in), and a root-level module imported with the root on
sys.path fails with an ImportError that names ``imports=absolute``. With
``imports=absolute`` every module imports with the root on sys.path, and one that
cannot import from inside a package says to use ``imports=relative``. User code in each
layout (layouts/<flavor>/user_app.py) passes mypy --strict and pyright strict, and
runs.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

LAYOUTS = ("package", "syspath")
USER_CODE = gs.HERE / "layouts"

# Imports each named module; prints {module: null | [type, message, innermost file]}.
IMPORT_EACH = """
import importlib
import json
import sys
import traceback

sys.path.insert(0, sys.argv[1])
prefix = sys.argv[2]
results = {}
for name in sys.argv[3:]:
    try:
        importlib.import_module(prefix + name)
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        results[name] = [type(exc).__name__, str(exc), frames[-1].filename]
    else:
        results[name] = None
print(json.dumps(results))
"""

Results = dict[str, list[str] | None]


def import_each(tree: gs.Tree, layout: str, tmp_path: Path) -> Results:
    """Imports every connect module of ``tree`` in ``layout``, each in the same fresh
    interpreter (a module that fails leaves the others unaffected)."""
    if layout == "package":
        gs.package_layout(tree, tmp_path / layout)
        search, prefix = tmp_path / layout, f"{gs.PACKAGE}."
    else:
        search, prefix = tree.path, ""
    modules = tree.connect_modules()
    tmp_path.mkdir(parents=True, exist_ok=True)
    result = gs.run(
        [sys.executable, "-P", "-B", "-c", IMPORT_EACH, search, prefix, *modules],
        cwd=tmp_path,
    )
    assert result.returncode == 0, gs.describe(result)
    results: Results = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(results) == set(modules)
    return results


def imported(results: Results) -> set[str]:
    return {name for name, error in results.items() if error is None}


def is_root_level(module: str) -> bool:
    return "." not in module


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_default_imports_wherever_the_reference_does(
    flavor: str, layout: str, tmp_path: Path
) -> None:
    ours = import_each(gs.ours(flavor, "default"), layout, tmp_path / "ours")
    ref = import_each(gs.ref(flavor), layout, tmp_path / "ref")
    assert imported(ours) == imported(ref), {
        "only the reference": sorted(imported(ref) - imported(ours)),
        "only ours": sorted(imported(ours) - imported(ref)),
        "our failures": {n: e for n, e in ours.items() if e and n in imported(ref)},
    }
    # Each layout holds modules that import: the comparison compares something.
    assert any(not is_root_level(m) for m in imported(ours))
    if layout == "package":
        # The runtime's own layout: root-level modules, imported relatively, work.
        assert "root_connect" in imported(ours)
    else:
        assert "root_connect" not in imported(ours)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_default_fails_only_in_protoc_modules_or_with_a_hint(
    flavor: str, layout: str, tmp_path: Path
) -> None:
    results = import_each(gs.ours(flavor, "default"), layout, tmp_path)
    for name, error in results.items():
        if error is None:
            continue
        kind, message, where = error
        if layout == "syspath" and is_root_level(name):
            assert kind == "ImportError", error
            assert "generate it with imports=absolute" in message, error
            assert message.startswith(f"{name} was generated with imports=relative")
        else:
            # In the google flavor, other files' messages are imported absolutely (by
            # protoc's own _pb2 modules, and by the reference's and our _connect
            # modules alike), which fails from inside a package.
            assert flavor == "google" and layout == "package", (name, error)
            assert kind == "ModuleNotFoundError", (name, error)
            top_packages = {p.name for p in gs.ours(flavor, "default").path.iterdir()}
            assert message.split("'")[1].split(".")[0] in top_packages, (name, error)
            assert where.endswith(("_pb2.py", "_connect.py")), (name, error)


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_absolute_imports_everything_with_the_root_on_sys_path(
    flavor: str, tmp_path: Path
) -> None:
    tree = gs.ours(flavor, "default", "absolute")
    results = import_each(tree, "syspath", tmp_path)
    failures = {name: error for name, error in results.items() if error is not None}
    assert not failures, failures
    assert "root_connect" in results


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_absolute_from_inside_a_package_names_the_option(
    flavor: str, tmp_path: Path
) -> None:
    tree = gs.ours(flavor, "default", "absolute")
    results = import_each(tree, "package", tmp_path)
    failures = {name: error for name, error in results.items() if error is not None}
    # Every module imports something of the tree (the py flavor its own message
    # module; the corpus's google modules their messages) except where all its
    # messages are well-known types.
    assert len(failures) >= len(results) - 2, sorted(imported(results))
    for name, (kind, message, _) in failures.items():
        assert kind == "ImportError", (name, kind, message)
        assert message == (
            f"{gs.PACKAGE}.{name} was generated with imports=absolute, whose imports "
            "need the output root on sys.path; to import it from inside a package, "
            "generate it with imports=relative (the default)"
        ), (name, message)


def user_code_tree(flavor: str, layout: str, tmp_path: Path) -> tuple[Path, Path]:
    """The tree for ``layout`` with the user's module added: ``(search root, user
    file)``. The package layout uses the default tree and the user module's relative
    imports, the sys.path layout the imports=absolute tree and absolute imports."""
    source = (USER_CODE / flavor / "user_app.py").read_text(encoding="utf-8")
    if layout == "package":
        package = gs.package_layout(gs.ours(flavor, "default"), tmp_path / "src")
        user = package / "user_app.py"
        user.write_text(source, encoding="utf-8")
        return tmp_path / "src", user
    root = tmp_path / "root"
    shutil.copytree(
        gs.ours(flavor, "default", "absolute").path,
        root,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    absolute = source.replace("\nfrom .", "\nfrom ")
    assert absolute.count("\nfrom ") == source.count("\nfrom "), "imports not rewritten"
    user = root / "user_app.py"
    user.write_text(absolute, encoding="utf-8")
    return root, user


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_user_code_type_checks_and_runs(
    flavor: str, layout: str, tmp_path: Path
) -> None:
    search, user = user_code_tree(flavor, layout, tmp_path)
    tree = gs.ours(flavor, "default", "relative" if layout == "package" else "absolute")
    # mypy --strict, following the generated modules into the layout.
    config = gs.write_mypy_config(
        tree, tmp_path, mypy_path=search, package=layout == "package"
    )
    mypy = gs.run_mypy(
        tree, config, [user], cache=f"layouts-{flavor}-{layout}", cwd=search
    )
    assert mypy.returncode == 0, gs.describe(mypy)
    # pyright strict on the user's module.
    pyright_config = tmp_path / "pyrightconfig.json"
    pyright_config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": gs.PYTHON_VERSION,
                "extraPaths": [str(search)],
                "reportUnnecessaryTypeIgnoreComment": "error",
            }
        ),
        encoding="utf-8",
    )
    pyright = gs.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--project",
            pyright_config,
            "--pythonpath",
            sys.executable,
            user,
        ],
        cwd=search,
    )
    assert pyright.returncode == 0, gs.describe(pyright)
    # And it runs: both services served in-process, called by the generated clients.
    module = f"{gs.PACKAGE}.user_app" if layout == "package" else "user_app"
    run = gs.run(
        [
            sys.executable,
            "-P",
            "-B",
            "-c",
            (
                "import sys, json; sys.path.insert(0, sys.argv[1]); "
                f"import {module} as app; print(json.dumps(app.main()))"
            ),
            search,
        ],
        cwd=tmp_path,
    )
    assert run.returncode == 0, gs.describe(run)
    assert json.loads(run.stdout) == ["hello", "Why hello?", "HELLO"]
