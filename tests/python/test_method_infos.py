"""Each RPC's MethodInfo: built lazily, and the one the reference builds.

Our modules keep every RPC's MethodInfo on one module-level holder (``_MethodInfos``)
that builds each on its first read, from a table of constants (``_METHOD_SPECS``) that
names the message classes, which the cached function ``_message_classes()`` looks up on
the first read of any: building the MethodInfos, or a table of the classes themselves,
at import made a large module import slower than the reference's. These tests check
that contract:

* importing a module builds no MethodInfo and looks up no message class; reading one
  builds exactly that MethodInfo, and every later read returns the same object; a name
  that is not an RPC raises AttributeError (so ``hasattr`` and ``copy`` keep working);
* the attributes the holder declares for type checkers and the table's keys agree, one
  per RPC (read from the source, since the declarations do not run);
* every generated client method passes the MethodInfo of its own RPC to the runtime,
  with the same fields the reference's client builds for that RPC (captured by
  replacing the client's ``execute_*`` methods on an instance, in both trees);
* (every application endpoint carrying the MethodInfo of the RPC its URL names is
  checked with the rest of the endpoints, in test_imports.py.)
"""

from __future__ import annotations

import ast

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

# For our trees: the holder's laziness, per module.
LAZINESS = """
import copy
import json

from connectrpc.method import MethodInfo

report = {}
for name in sys.argv[2:]:
    module = generated_module(name)
    holder = method_info_holder(module)
    if holder is None:
        report[name] = None
        continue
    built_at_import = sorted(vars(holder))
    classes_at_import = module._message_classes.cache_info().currsize
    table = list(module._METHOD_SPECS)
    first = table[0]
    one = getattr(holder, first)
    built_after_one_read = sorted(vars(holder))
    infos = {attr: getattr(holder, attr) for attr in table}
    report[name] = {
        "table": table,
        "classes_at_import": classes_at_import,
        "built_at_import": built_at_import,
        "built_after_one_read": built_after_one_read,
        "first": first,
        "kept": all(getattr(holder, a) is info for a, info in infos.items())
        and infos[first] is one,
        "all_built": sorted(vars(holder)) == sorted(table),
        "all_method_infos": all(isinstance(i, MethodInfo) for i in infos.values()),
        "unknown_is_attribute_error": not hasattr(holder, "no_such_rpc"),
        "dunder_is_attribute_error": not hasattr(holder, "__deepcopy__"),
        "copyable": copy.copy(holder) is not holder,
    }
print(json.dumps(report))
"""

# For any tree: what each generated client method hands the runtime. Every `execute_*`
# method is replaced on a client instance by a stub that records its `method` argument,
# then every public method the client class defines is called once with a None request
# (coroutines are stepped once, without an event loop). Prints
# {"module|client kind|service|rpc": [input, output, idempotency, stream type, execute]}
# and the methods that passed an RPC's MethodInfo another method had passed already.
CLIENT_CALLS = """
import inspect
import json
import warnings

from connectrpc.client import ConnectClient, ConnectClientSync

warnings.simplefilter("ignore", DeprecationWarning)
KINDS = ("unary", "client_stream", "server_stream", "bidi_stream")


def qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


calls = {}
failed = []
duplicates = []
call_errors = []
for name in sys.argv[2:]:
    try:
        module = generated_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
        continue
    for cls in list(vars(module).values()):
        if not isinstance(cls, type) or cls.__module__ != module.__name__:
            continue
        if issubclass(cls, ConnectClient):
            kind = "async"
        elif issubclass(cls, ConnectClientSync):
            kind = "sync"
        else:
            continue
        client = cls("http://127.0.0.1:9")
        seen = []

        def stub(execute, is_async):
            def record(**kwargs):
                seen.append((execute, kwargs["method"]))

            async def record_async(**kwargs):
                record(**kwargs)

            return record_async if is_async else record

        for execute in KINDS:
            # The async client awaits unary and client-stream calls only.
            is_async = kind == "async" and execute in ("unary", "client_stream")
            setattr(client, f"execute_{execute}", stub(execute, is_async))
        for attr, member in vars(cls).items():
            if attr.startswith("_") or not callable(member):
                continue
            seen.clear()
            try:
                result = getattr(client, attr)(None)
                if inspect.iscoroutine(result):
                    try:
                        result.send(None)
                    except StopIteration:
                        pass
            except AttributeError as exc:
                call_errors.append(f"{name}|{cls.__name__}.{attr}: {exc}")
                continue
            (execute, info), = seen
            key = f"{name}|{kind}|{info.service_name}|{info.name}"
            if key in calls:
                duplicates.append(f"{cls.__name__}.{attr}: {key}")
            calls[key] = [
                qualified(info.input),
                qualified(info.output),
                info.idempotency_level.name,
                info.stream_type.name,
                execute,
            ]
print(
    json.dumps(
        {
            "calls": calls,
            "failed": failed,
            "duplicates": duplicates,
            "call_errors": call_errors,
        }
    )
)
"""


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_method_infos_are_built_on_first_read_and_kept(tree: gs.Tree) -> None:
    report = gs.run_python_in_tree(
        tree, gs.READ_METHOD_INFOS + LAZINESS, *tree.connect_modules()
    )
    assert isinstance(report, dict)
    holders = {name: r for name, r in report.items() if r is not None}
    assert holders, f"{tree.id}: no module has a MethodInfo holder"
    # Modules without RPCs (empty.proto's service has none) have no holder.
    assert report["empty.v1.empty_connect"] is None
    for name, r in holders.items():
        assert r["classes_at_import"] == 0, f"{name}: classes looked up at import"
        assert r["built_at_import"] == [], f"{name}: MethodInfo built at import"
        assert r["built_after_one_read"] == [r["first"]], name
        assert r["table"] == declared_attributes(tree, name), name
        assert len(set(r["table"])) == len(r["table"]), name
        assert r["kept"], f"{name}: a later read built a new MethodInfo"
        assert r["all_built"], name
        assert r["all_method_infos"], name
        assert r["unknown_is_attribute_error"], name
        assert r["dunder_is_attribute_error"], name
        assert r["copyable"], name


def declared_attributes(tree: gs.Tree, module: str) -> list[str]:
    """The attributes ``_MethodInfos`` declares under ``if TYPE_CHECKING:``, in order."""
    parsed = gs.parse(tree.file(module))
    (holder,) = (
        node
        for node in parsed.body
        if isinstance(node, ast.ClassDef) and node.name == "_MethodInfos"
    )
    blocks = [node for node in holder.body if isinstance(node, ast.If)]
    assert len(blocks) == 1, ast.dump(holder)
    (block,) = blocks
    assert isinstance(block.test, ast.Name), ast.dump(block.test)
    assert block.test.id == "TYPE_CHECKING"
    assert not block.orelse
    attributes = []
    for statement in block.body:
        assert isinstance(statement, ast.AnnAssign), ast.dump(statement)
        assert statement.value is None
        assert isinstance(statement.target, ast.Name)
        attributes.append(statement.target.id)
    return attributes


def client_calls(tree: gs.Tree) -> dict[str, list[str]]:
    report = gs.run_python_in_tree(tree, CLIENT_CALLS, *tree.connect_modules())
    assert isinstance(report, dict)
    assert report["failed"] == []
    if tree.side == "ours":
        # Two methods passing the same RPC's MethodInfo: one of them passes the wrong one.
        assert report["duplicates"] == []
        assert report["call_errors"] == []
    elif tree.flavor == "google":
        # The reference's hazard: inside its client classes `_Private.__Deep` is
        # name-mangled, so calling the RPC fails (builtin_services.proto).
        assert sorted(e.split(":")[0] for e in report["call_errors"]) == [
            "hazards.v1.builtin_services_connect|PrivateClient.nested",
            "hazards.v1.builtin_services_connect|PrivateClientSync.nested",
        ], report["call_errors"]
    else:
        assert report["call_errors"] == []
    calls = report["calls"]
    assert isinstance(calls, dict)
    assert calls, f"{tree.id}: no client method was called"
    return calls


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_client_methods_pass_the_references_method_info(flavor: str) -> None:
    ours = client_calls(gs.ours(flavor, "default"))
    ref = client_calls(gs.ref(flavor))
    # Every RPC the reference's clients call (its collisions hide some: a later method
    # of the same Python name replaces an earlier one), ours calls the same way.
    missing = sorted(set(ref) - set(ours))
    assert not missing, f"RPCs ours does not call: {missing}"
    differ = {}
    for key, theirs in ref.items():
        mine = ours[key]
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            # The reference's shadowing hazard: a message named like a generated class
            # (EchoClient) resolves to the class; ours must name the message.
            if i < 2 and b.split(".")[-2].endswith("_connect"):
                assert not a.split(".")[-2].endswith("_connect"), (key, a)
                continue
            if a != b:
                differ[key] = (mine, theirs)
    assert not differ, differ
    # The RPCs only ours calls are exactly those the reference's collisions hide, or
    # its name-mangled `__Deep` fails to call (builtin_services.proto).
    extra = {key.split("|")[0] for key in set(ours) - set(ref)}
    assert extra <= {
        "hazards.v1.collisions_connect",
        "hazards.v1.builtin_services_connect",
    }, extra


@pytest.mark.parametrize("tree", gs.OURS, ids=lambda t: t.id)
def test_client_methods_pass_their_own_rpcs_method_info(tree: gs.Tree) -> None:
    calls = client_calls(tree)
    for key, (_, _, _, stream, execute) in calls.items():
        assert stream.lower() == execute, key
    kinds = {key.split("|")[1] for key in calls}
    expected = {"default": {"async", "sync"}, "sync": {"sync"}, "async": {"async"}}
    assert kinds == expected[tree.io]
