"""Every checked module of our trees imports in a fresh interpreter, in its tree's layout
(realworld_support.py); it has one MethodInfo per RPC of its proto file, naming message
classes; and its ASGI and WSGI applications serve exactly their service's RPCs.

In the default google tree, the root-level modules that import relatively fail in the
sys.path layout with an ImportError naming imports=absolute. For the reference, the
google flavor's root-level modules that import relatively fail in
the sys.path layout (the hazard imports=absolute is for); every other module imports, so
the API comparison compares the rest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

# isort: split
import gen_support as gs
import realworld_support as rw

# Imports each module named on the command line and describes it, as JSON:
# {module: {"error": str | None, "rpcs": [...], "bad": [...], "applications": {path: [...]}}}
DESCRIBE_MODULES = """
import importlib
import json
import traceback

from connectrpc.method import MethodInfo
from connectrpc.server import ConnectASGIApplication, ConnectWSGIApplication


class AnyService:
    def __getattr__(self, name):
        def method(*args, **kwargs):
            raise NotImplementedError(name)

        return method


report = {}
for name in sys.argv[2:]:
    entry = report[name] = {"error": None, "rpcs": [], "bad": [], "applications": {}}
    try:
        module = importlib.import_module(name)
    except BaseException as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}\\n{traceback.format_exc()}"
        continue
    for attr, info in method_infos(module).items():
        if not isinstance(info, MethodInfo):
            entry["bad"].append(f"{attr} is {info!r}")
            continue
        entry["rpcs"].append(f"/{info.service_name}/{info.name}")
        for role in ("input", "output"):
            cls = getattr(info, role)
            if not cls.__module__.endswith(("_pb2", "_pb")):
                entry["bad"].append(f"{attr}.{role} = {cls.__module__}.{cls.__qualname__}")
    service = AnyService()
    for attr, cls in vars(module).items():
        if not isinstance(cls, type) or cls.__module__ != name:
            continue
        # Private runtime state of connectrpc 0.13.0, as in tests/python/test_imports.py.
        if issubclass(cls, ConnectASGIApplication):
            app = cls(service)
            endpoints = app._endpoints(service)
        elif issubclass(cls, ConnectWSGIApplication):
            app = cls(service)
            endpoints = app._endpoints
        else:
            continue
        entry["applications"][attr] = [app.path, sorted(endpoints)]
        for path, endpoint in endpoints.items():
            info = endpoint.method
            if path != f"/{info.service_name}/{info.name}":
                entry["bad"].append(f"{attr}: {path} carries {info.service_name}/{info.name}")
print(json.dumps(report))
"""


@dataclass(frozen=True)
class ModuleReport:
    error: str | None
    rpcs: list[str]  # the RPC paths of the module's MethodInfos
    bad: list[str]
    applications: dict[str, tuple[str, list[str]]]  # class -> (path, endpoint paths)


def describe_modules(tree: rw.Tree, modules: list[str]) -> dict[str, ModuleReport]:
    report = gs.run_python_in_tree(
        tree.gs_tree(), gs.READ_METHOD_INFOS + DESCRIBE_MODULES, *modules
    )
    assert isinstance(report, dict)
    assert set(report) == set(modules)
    return {
        name: ModuleReport(
            entry["error"],
            entry["rpcs"],
            entry["bad"],
            {cls: (path, paths) for cls, (path, paths) in entry["applications"].items()},
        )
        for name, entry in report.items()
    }


@pytest.mark.parametrize("tree", rw.OURS, ids=lambda t: t.id)
def test_every_module_imports_and_serves_its_rpcs(
    tree: rw.Tree, require: rw.RequireTree, descriptors: list[rw.ProtoFile]
) -> None:
    require(tree)
    modules = tree.checked_modules()
    assert modules
    report = describe_modules(tree, modules)
    failures = {name: entry.error for name, entry in report.items() if entry.error}
    assert not failures, "\n".join(f"{name}: {error}" for name, error in failures.items())
    files = {file.module(tree): file for file in descriptors}
    problems = []
    for name, entry in report.items():
        expected = sorted(rpc.path for rpc in files[name].rpcs)
        if sorted(entry.rpcs) != expected:
            problems.append(f"{name}: MethodInfos for {entry.rpcs}, RPCs {expected}")
        problems += [f"{name}: {bad}" for bad in entry.bad]
        # An ASGI and a WSGI application per service (default io).
        if len(entry.applications) != 2 * len(files[name].services):
            problems.append(f"{name}: applications {sorted(entry.applications)}")
        for cls, (path, endpoints) in entry.applications.items():
            served = [rpc for rpc in expected if rpc.startswith(f"{path}/")]
            if not served or endpoints != served:
                problems.append(f"{name}.{cls} at {path} serves {endpoints}")
    assert not problems, "\n".join(problems)


def test_default_google_root_level_modules_name_the_option(require: rw.RequireTree) -> None:
    # In the sys.path layout, the default tree's root-level modules that import
    # relatively (as the reference's do) fail with an ImportError that names
    # imports=absolute; the others import.
    tree = require(rw.tree("ours-google"))
    root_level = [m for m in tree.connect_modules() if tree.is_root_level(m)]
    relative = set(rw.relative_root_modules(tree))
    assert relative, "no root-level module imports relatively"
    report = describe_modules(tree, root_level)
    for name, entry in report.items():
        if name in relative:
            assert entry.error is not None, f"{name} imported in the sys.path layout"
            assert entry.error.startswith("ImportError: "), entry.error
            assert "generate it with imports=absolute" in entry.error, entry.error
        else:
            assert entry.error is None, f"{name}: {entry.error}"


@pytest.mark.parametrize("tree", rw.REFS, ids=lambda t: t.id)
def test_reference_modules_import_except_the_hazard(tree: rw.Tree, require: rw.RequireTree) -> None:
    require(tree)
    report = describe_modules(tree, tree.connect_modules())
    hazard = set(rw.relative_root_modules(tree)) if tree.flavor == "google" else set()
    if tree.flavor == "google":
        assert hazard, "no root-level reference module imports relatively: hazard gone?"
    for name, entry in report.items():
        error = entry.error
        if name in hazard:
            assert isinstance(error, str), f"{name} imported in the sys.path layout"
            assert error.startswith(
                "ImportError: attempted relative import with no known parent package"
            ), error
        else:
            assert error is None, f"{name}: {error}"
