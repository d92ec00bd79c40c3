"""Name collisions and shadowing (hazards/v1/collisions.proto, shadowing.proto,
builtin_services.proto).

* Statically, in every parameter set: every top-level name of the module (classes,
  functions, constants, imports, including those under ``if TYPE_CHECKING:``) and every
  member name of each class is bound exactly once, so nothing silently replaces
  anything; each RPC is served by the method the naming rules give it.
* At run time: ``ShadowClient.close`` is still the runtime's ``close`` (RPC ``Close``
  became ``close_``), and the Protocols are real ``typing.Protocol`` classes even though
  a service is named ``Protocol``.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

HAZARD_MODULES = (
    "hazards.v1.collisions_connect",
    "hazards.v1.shadowing_connect",
    "hazards.v1.builtin_services_connect",
)


def top_level_bindings(module: ast.Module) -> list[str]:
    names: list[str] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                names.append(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    names.append(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    names.extend(
                        n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                    )
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.append(node.target.id)
            elif isinstance(node, ast.If):  # if TYPE_CHECKING:
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):  # the layout guard's imports
                visit(node.body)

    visit(module.body)
    return names


def class_members(cls: ast.ClassDef) -> list[str]:
    members: list[str] = []
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members.append(node.name)
        elif isinstance(node, ast.Assign):
            members.extend(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            members.append(node.target.id)
    return members


def duplicates(names: list[str]) -> list[str]:
    return sorted(
        name for name, count in collections.Counter(names).items() if count > 1
    )


@pytest.mark.parametrize("module", HAZARD_MODULES)
@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_every_name_is_defined_once(tree: gs.Tree, module: str) -> None:
    parsed = gs.parse(tree.file(module))
    assert duplicates(top_level_bindings(parsed)) == []
    for node in parsed.body:
        if isinstance(node, ast.ClassDef):
            assert duplicates(class_members(node)) == [], node.name


def class_names(tree: gs.Tree, module: str) -> set[str]:
    """The module's public classes: its service classes (the private `_MethodInfos`
    holder is not one)."""
    parsed = gs.parse(tree.file(module))
    return {
        node.name
        for node in parsed.body
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
    }


# Classes per service, by io.
ASYNC_SUFFIXES = ("", "ASGIApplication", "Client")
SYNC_SUFFIXES = ("Sync", "WSGIApplication", "ClientSync")


def expected_classes(bases: list[str], io: str) -> set[str]:
    suffixes = {
        "default": ASYNC_SUFFIXES + SYNC_SUFFIXES,
        "async": ASYNC_SUFFIXES,
        "sync": SYNC_SUFFIXES,
    }[io]
    return {base + suffix for base in bases for suffix in suffixes}


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_colliding_services_keep_all_their_classes(tree: gs.Tree) -> None:
    # Foo keeps its names; FooClient and FooSync, declared later, give way.
    assert class_names(tree, "hazards.v1.collisions_connect") == expected_classes(
        ["Foo", "FooClient_", "FooSync_"], tree.io
    )


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_colliding_rpcs_each_get_a_method(tree: gs.Tree) -> None:
    parsed = gs.parse(tree.file("hazards.v1.collisions_connect"))
    app = "FooASGIApplication" if tree.io != "sync" else "FooWSGIApplication"
    assert gs.endpoint_methods(parsed, app) == {
        "GetItem": "get_item",
        "Get_Item": "get_item__",
        "getItem": "get_item___",
        "GetItem_": "get_item_",
    }
    client = "FooClient" if tree.io != "sync" else "FooClientSync"
    members = next(
        class_members(n)
        for n in parsed.body
        if isinstance(n, ast.ClassDef) and n.name == client
    )
    methods = [name for name in members if not name.startswith("__")]
    assert methods == ["get_item", "get_item__", "get_item___", "get_item_"]


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_shadowing_rpcs_are_renamed(tree: gs.Tree) -> None:
    parsed = gs.parse(tree.file("hazards.v1.shadowing_connect"))
    app = "ShadowASGIApplication" if tree.io != "sync" else "ShadowWSGIApplication"
    assert gs.endpoint_methods(parsed, app) == {
        "Close": "close_",
        "ExecuteUnary": "execute_unary_",
        "ExecuteServerStream": "execute_server_stream_",
        "Desc": "desc_",
        "Path": "path",
    }
    assert class_names(tree, "hazards.v1.shadowing_connect") == expected_classes(
        ["Shadow", "Endpoint", "Protocol", "Echo"], tree.io
    )


RUNTIME_CHECK = """
import json
import typing

from connectrpc.client import ConnectClient, ConnectClientSync

module = __import__("hazards.v1.shadowing_connect", fromlist=["*"])
messages = __import__(sys.argv[2], fromlist=["*"])
out = {}
if hasattr(module, "ShadowClient"):
    out["async_close"] = module.ShadowClient.close is ConnectClient.close
    out["async_close_"] = callable(getattr(module.ShadowClient, "close_", None))
if hasattr(module, "ShadowClientSync"):
    out["sync_close"] = module.ShadowClientSync.close is ConnectClientSync.close
    out["sync_close_"] = callable(getattr(module.ShadowClientSync, "close_", None))
services = ("Shadow", "Endpoint", "Protocol", "Echo")
protocols = [
    n + s
    for n in services
    for s in ("", "Sync")
    if getattr(getattr(module, n + s, None), "__module__", None) == module.__name__
]
out["protocols"] = {
    name: typing.Protocol in getattr(module, name).__bases__ for name in protocols
}
# The messages named like service Echo's classes stay reachable as messages.
out["echo_info"] = [
    (value.input is messages.EchoSync, value.output is messages.EchoClient)
    for value in method_infos(module).values()
    if value.service_name == "hazards.v1.Echo"
]
print(json.dumps(out))
"""


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_shadow_client_keeps_runtime_close(tree: gs.Tree) -> None:
    out = gs.run_python_in_tree(
        tree,
        gs.READ_METHOD_INFOS + RUNTIME_CHECK,
        f"hazards.v1.shadowing{tree.message_suffix}",
    )
    assert isinstance(out, dict)
    if tree.io != "sync":
        assert out["async_close"] is True
        assert out["async_close_"] is True
    if tree.io != "async":
        assert out["sync_close"] is True
        assert out["sync_close_"] is True
    assert out["protocols"], out
    assert all(out["protocols"].values()), out["protocols"]
    assert out["echo_info"] == [[True, True]]


@pytest.mark.usefixtures("plugin")
def test_a_message_named_annotations_is_aliased(tmp_path: Path) -> None:
    """Google flavor: a message named like what ``from __future__ import annotations``
    binds is imported under an alias, and the module passes mypy --strict. (The py
    flavor cannot be checked: protoc-gen-py's own module for such a message redefines
    ``annotations`` and fails mypy itself.)"""
    file = descriptor_pb2.FileDescriptorProto(
        name="names/v1/future.proto", package="names.v1", syntax="proto3"
    )
    file.message_type.add(name="annotations")
    service = file.service.add(name="Future")
    service.method.add(
        name="Get",
        input_type=".names.v1.annotations",
        output_type=".names.v1.annotations",
    )
    descriptor_set = tmp_path / "set.binpb"
    descriptor_set.write_bytes(
        descriptor_pb2.FileDescriptorSet(file=[file]).SerializeToString()
    )
    out = tmp_path / "out"
    gs.generate_from_descriptor_set(descriptor_set, [file.name], "google", out)
    source = (out / "names" / "v1" / "future_connect.py").read_text(encoding="utf-8")
    assert "from .future_pb2 import annotations as annotations_\n" in source
    tree = gs.Tree("ours", "google", "default", out)
    config = gs.write_mypy_config(tree, tmp_path)
    result = gs.run_mypy(tree, config, tree.connect_files(), cache="future-annotations")
    assert result.returncode == 0, gs.describe(result)
