"""Every generated module imports in a fresh interpreter, in the layout its imports are
for (gen_support.run_python_in_tree): with relative imports (the default) the output
root is a package, with ``imports=absolute`` it is on sys.path; ``root_connect``
included, in both flavors. test_layouts.py imports every tree in both layouts."""

from __future__ import annotations

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

# Imports each named module; prints {module: null | "ExceptionType: message"}.
IMPORT_ALL = """
import json
import traceback

results = {}
for name in sys.argv[2:]:
    try:
        generated_module(name)
    except BaseException as exc:
        results[name] = f"{type(exc).__name__}: {exc}\\n{traceback.format_exc()}"
    else:
        results[name] = None
print(json.dumps(results))
"""

# For our trees: every MethodInfo names message classes, not generated service classes
# (the shadowing hazard) - input/output come from message modules.
METHOD_INFOS = """
import json

from connectrpc.method import MethodInfo

bad = []
count = 0
for name in sys.argv[2:]:
    module = generated_module(name)
    for attr, value in method_infos(module).items():
        assert isinstance(value, MethodInfo), (name, attr, value)
        count += 1
        for role in ("input", "output"):
            cls = getattr(value, role)
            if not cls.__module__.endswith(("_pb2", "_pb")):
                bad.append(f"{name}.{attr}.{role} = {cls.__module__}.{cls.__qualname__}")
print(json.dumps({"count": count, "bad": bad}))
"""

# For our trees: every generated application builds its endpoints at run time, each
# under the application's path and each a runtime endpoint object (a service named
# `Endpoint` must not replace connectrpc.server.Endpoint) that carries the MethodInfo of
# the RPC its path names, of the stream kind its class says. The endpoint mapping is
# private runtime state (connectrpc 0.13.0): ASGI apps keep the callable in _endpoints,
# WSGI apps the mapping.
APPLICATIONS = """
import json

from connectrpc.server import ConnectASGIApplication, ConnectWSGIApplication


class AnyService:
    def __getattr__(self, name):
        def method(*args, **kwargs):
            raise NotImplementedError(name)

        return method


service = AnyService()
checked = 0
bad = []
for name in sys.argv[2:]:
    module = generated_module(name)
    for attr, cls in vars(module).items():
        if not isinstance(cls, type) or cls.__module__ != module.__name__:
            continue
        if issubclass(cls, ConnectASGIApplication):
            app = cls(service)
            endpoints = app._endpoints(service)
        elif issubclass(cls, ConnectWSGIApplication):
            app = cls(service)
            endpoints = app._endpoints
        else:
            continue
        checked += 1
        for path, endpoint in endpoints.items():
            if not path.startswith(app.path + "/"):
                bad.append(f"{name}.{attr}: {path} is not under {app.path}")
            kind = type(endpoint)
            runtime = kind.__module__.startswith("connectrpc.")
            if not (runtime and kind.__name__.startswith("Endpoint")):
                bad.append(f"{name}.{attr}: {path} -> {kind.__module__}.{kind.__qualname__}")
            info = endpoint.method
            if path != f"/{info.service_name}/{info.name}":
                bad.append(f"{name}.{attr}: {path} carries {info.service_name}/{info.name}")
            # EndpointUnary, EndpointClientStreamSync, ...: the stream kind is in the name.
            stream = info.stream_type.name.replace("_", "").lower()
            if kind.__name__.removeprefix("Endpoint").removesuffix("Sync").lower() != stream:
                bad.append(f"{name}.{attr}: {path} is {kind.__name__}, {stream}")
print(json.dumps({"checked": checked, "bad": bad}))
"""


def import_all(tree: gs.Tree, layout: str | None = None) -> dict[str, str | None]:
    modules = tree.connect_modules()
    assert "root_connect" in modules, f"{tree.id}: root_connect.py was not generated"
    results = gs.run_python_in_tree(tree, IMPORT_ALL, *modules, layout=layout)
    assert isinstance(results, dict)
    return results


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_every_module_imports(tree: gs.Tree) -> None:
    results = import_all(tree)
    failures = {name: error for name, error in results.items() if error is not None}
    assert not failures, "\n".join(
        f"{name}: {error}" for name, error in failures.items()
    )


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_method_infos_name_message_classes(tree: gs.Tree) -> None:
    report = gs.run_python_in_tree(
        tree, gs.READ_METHOD_INFOS + METHOD_INFOS, *tree.connect_modules()
    )
    assert isinstance(report, dict)
    assert report["count"] > 0
    assert report["bad"] == []


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_applications_build_their_endpoints(tree: gs.Tree) -> None:
    report = gs.run_python_in_tree(tree, APPLICATIONS, *tree.connect_modules())
    assert isinstance(report, dict)
    assert report["checked"] > 0
    assert report["bad"] == []


@pytest.mark.parametrize("tree", gs.REFS, ids=lambda t: t.id)
def test_reference_imports_in_the_package_layout(tree: gs.Tree) -> None:
    results = import_all(tree)
    failures = {name: error for name, error in results.items() if error is not None}
    assert not failures, failures


@pytest.mark.parametrize("tree", gs.REFS, ids=lambda t: t.id)
def test_reference_root_connect_fails_with_the_root_on_sys_path(tree: gs.Tree) -> None:
    results = import_all(tree, layout="absolute")
    error = results["root_connect"]
    assert error is not None, "the reference's root_connect imported: hazard gone?"
    assert error.startswith(
        "ImportError: attempted relative import with no known parent"
    ), error
    # Every other reference module imports, so the API comparison compares real modules.
    others = {name: e for name, e in results.items() if name != "root_connect" and e}
    assert not others, others


@pytest.mark.parametrize("tree", gs.REFS, ids=lambda t: t.id)
def test_reference_endpoint_service_breaks_applications(tree: gs.Tree) -> None:
    # Proves the hazard the APPLICATIONS check guards against: in the reference, the
    # classes of service `Endpoint` replace connectrpc.server.Endpoint.
    with pytest.raises(
        AssertionError, match="type object 'Endpoint' has no attribute 'unary'"
    ):
        gs.run_python_in_tree(tree, APPLICATIONS, "hazards.v1.shadowing_connect")
