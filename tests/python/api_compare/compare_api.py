"""Compare the public Python API of two trees of generated Connect RPC stubs.

Usage::

    python compare_api.py --ours DIR_A --reference DIR_B \\
        [--allow allowed_differences.json] [--skip-module NAME ...] \\
        [--root-package] [--json-out FILE]

``DIR_A`` and ``DIR_B`` are generation output roots holding ``*_connect.py``
modules next to their message modules (``*_pb2.py`` or ``*_pb.py``).  Both
trees use the same module names, so they cannot be imported into one
interpreter.  For each tree this script re-runs itself in a subprocess with the
hidden ``--dump DIR`` option; the child puts ``DIR`` first on ``sys.path``,
imports every ``*_connect.py`` module and prints a JSON description of its
public API.  The parent compares the two descriptions.  With ``--root-package``,
modules at the root of the tree are imported as submodules of a package whose
directory is the root (``__tree__.root_connect``), the layout whose relative
imports they were generated for; nested ones are imported by their own names.

What is described, per public class defined in a module:

* ``bases``: the bases as written (``__orig_bases__``), rendered canonically,
  and ``protocol``: whether the class itself is a ``typing.Protocol``;
* ``doc``: the class docstring;
* every public member defined in the class body (plus dunder methods such as
  ``__init__`` that the module itself defines): its ``kind``, docstring and
  signature (parameter names in order, and per parameter its kind, default
  and annotation; the return annotation).  ``path`` properties are called
  with ``self=None`` and the returned value is recorded; ``desc``
  classmethods are called and the ``type_name`` of the descriptor recorded.

Normalisation, so that only API-relevant differences are reported:

* Docstrings go through ``inspect.cleandoc`` and then every line is
  ``rstrip()``-ed: generated code may be run through a formatter that strips
  trailing whitespace, which is not an API difference.
* Annotations are resolved to real objects with ``typing.get_type_hints`` and
  rendered from the objects, not the source text: classes as
  ``module.qualname``, generic aliases as ``origin[args]`` and unions as their
  sorted, de-duplicated members joined by `` | ``.  Two generators importing
  the same class under different local names (``Item`` vs ``Item_``), or
  writing ``Optional[A]`` vs ``A | None``, therefore compare equal.
* Defaults are rendered with ``repr`` for literals (None, bool, numbers,
  strings, and containers of those), as ``module.qualname`` for classes and
  functions, ``module.Enum.MEMBER`` for enum members and as
  ``<instance of module.qualname>`` for any other object, so two instances
  built the same way (``google_protobuf_codecs()``) compare equal.

Resolving annotations needs the names the modules import under
``if TYPE_CHECKING:``.  Setting ``typing.TYPE_CHECKING = True`` globally does
not work: third-party runtime libraries (e.g. pyqwest) also guard
stub-only imports with it and then fail to import.  Instead the child loads
each ``*_connect.py`` module of the tree through a loader that rewrites that
module's own ``if TYPE_CHECKING:`` tests to ``if True:``, so exactly those
blocks run, in source order, and nothing else changes.  If resolution still
fails for a member, the raw annotation strings are recorded together with the
error, and the error is always reported as a difference.

Differences are identified by ``(module, class, member, field)``.  Fields:

* ``module``, ``class``, ``member``: present on one side only;
* class fields: ``bases``, ``protocol``, ``doc``;
* member fields: ``kind``, ``doc``, ``parameters`` (the ordered parameter
  names; a renamed, added, removed or reordered parameter is one difference),
  ``param.NAME.kind``, ``param.NAME.default``, ``param.NAME.annotation`` (for
  parameters present on both sides), ``return``, ``annotation_error``,
  ``signature_error``, ``settable`` (properties), ``path`` (value of a
  ``path`` property), ``desc.type_name``, ``value`` (plain class attributes).

Allowed (deliberate) differences are read from a JSON list of objects
``{"module", "class", "member", "field", "reason"}``.  ``reason`` is required
and non-empty; of the other keys, those given and not null must all match.
An entry that matches no difference is stale and fails the run, unless its
module was skipped or failed to import (then it is reported as not
evaluated).  An optional ``python_below`` (``"3.12"``) limits an entry to
interpreters older than that version (the trees are described by the
interpreter running this script): a difference only some Pythons show.  On the
others the entry is inactive: it allows nothing and is never stale, so the
difference must not appear there.

Counting: each compared field is one check; ``equal`` counts checks whose two
sides agree, ``allowed``/``unexpected`` count the differing ones.  The last
line of the report is::

    api-compare: N modules, C classes, M members compared: E equal, A allowed differences, U unexpected differences

Exit status: 0 when there is no unexpected difference and no stale allow
entry; 1 otherwise; 2 on usage errors: a missing directory, a directory
without ``*_connect.py`` files, an invalid allow list, or a module that fails
to import on either side (reported with its traceback after the comparison of
the other modules).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import re
import subprocess
import sys
import traceback
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

JsonDict = dict[str, Any]

CONNECT_SUFFIX = "_connect.py"
# Shown for a field that one side does not have at all.
ABSENT = "<absent>"
# Fields that are reported whenever either side has a value, even when both
# sides are equal: they record a failure to inspect the API.
ERROR_FIELDS = frozenset({"annotation_error", "signature_error"})


class UsageError(Exception):
    """A problem with the inputs; reported and mapped to exit status 2."""


# ---------------------------------------------------------------------------
# Child side: import one tree and describe its API.
# ---------------------------------------------------------------------------


class _TypeCheckingTransformer(ast.NodeTransformer):
    """Rewrites ``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:`` to ``if True:``."""

    def visit_If(self, node: ast.If) -> ast.If:
        self.generic_visit(node)
        test = node.test
        is_name = isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
        is_attr = isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        if is_name or is_attr:
            node.test = ast.copy_location(ast.Constant(value=True), test)
        return node


class _TypeCheckingLoader(importlib.machinery.SourceFileLoader):
    """Loads a module with its own TYPE_CHECKING blocks enabled."""

    def get_code(self, fullname: str) -> types.CodeType:
        # Always compile from source: cached bytecode would skip the rewrite.
        path = self.get_filename(fullname)
        tree = ast.parse(self.get_data(path), filename=path)
        tree = _TypeCheckingTransformer().visit(tree)
        return compile(tree, path, "exec", dont_inherit=True)


class _TypeCheckingFinder(importlib.abc.MetaPathFinder):
    """Routes the ``*_connect.py`` modules under ``root`` to the loader above."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.origin is None:
            return None
        origin = Path(spec.origin).resolve()
        if not origin.name.endswith(CONNECT_SUFFIX) or not origin.is_relative_to(
            self.root
        ):
            return None
        loader = _TypeCheckingLoader(fullname, str(origin))
        return importlib.util.spec_from_file_location(
            fullname, str(origin), loader=loader
        )


def discover_modules(root: Path) -> list[str]:
    """Dotted names of all ``*_connect.py`` modules under ``root``."""
    names = []
    for path in root.rglob(f"*{CONNECT_SUFFIX}"):
        relative = path.relative_to(root)
        if "__pycache__" in relative.parts:
            continue
        names.append(".".join(relative.with_suffix("").parts))
    return sorted(names)


def normalise_doc(doc: str | None) -> str | None:
    if doc is None:
        return None
    return "\n".join(line.rstrip() for line in inspect.cleandoc(doc).splitlines())


def qualified_name(obj: object) -> str:
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        return repr(obj)
    module = getattr(obj, "__module__", None)
    return f"{module}.{qualname}" if module else str(qualname)


def render_value(value: object) -> str:
    """Canonical text for a default value or a literal type argument."""
    # Enum first: IntEnum/StrEnum members are also ints/strings.
    if isinstance(value, enum.Enum):
        return f"{qualified_name(type(value))}.{value.name}"
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return repr(value)
    if isinstance(value, tuple):
        items = [render_value(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, (set, frozenset)):
        items = sorted(render_value(item) for item in value)
        return f"{type(value).__name__}({{{', '.join(items)}}})"
    if isinstance(value, dict):
        pairs = (f"{render_value(k)}: {render_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, type) or inspect.isroutine(value):
        return qualified_name(value)
    if inspect.ismodule(value):
        return f"<module {value.__name__}>"
    return f"<instance of {qualified_name(type(value))}>"


def render_type(tp: object) -> str:
    """Canonical, alias-independent text for a resolved annotation."""
    if tp is None or tp is type(None):
        return "None"
    if tp is Ellipsis:
        return "..."
    if isinstance(tp, list):  # the parameter list of Callable[[...], R]
        return "[" + ", ".join(render_type(arg) for arg in tp) + "]"
    if isinstance(tp, (str, typing.ForwardRef)):
        return f"<unresolved {tp!r}>"
    origin = typing.get_origin(tp)
    if origin is not None:
        return _render_generic(origin, typing.get_args(tp))
    if isinstance(tp, type):
        return qualified_name(tp)
    if isinstance(tp, typing.TypeVar):
        return f"TypeVar({tp.__name__})"
    return repr(tp)  # special forms such as typing.Any


def _render_generic(origin: object, args: tuple[object, ...]) -> str:
    if origin is typing.Union or origin is types.UnionType:
        # Optional[A], Union[A, None] and A | None must all render alike.
        return " | ".join(sorted({render_type(arg) for arg in args}))
    if origin is typing.Literal:
        rendered = [render_value(arg) for arg in args]
    elif origin is typing.Annotated:
        rendered = [render_type(args[0]), *(render_value(a) for a in args[1:])]
    else:
        rendered = [render_type(arg) for arg in args]
    base = render_type(origin)
    return f"{base}[{', '.join(rendered)}]" if rendered else base


def _resolve_hints(func: Callable[..., object]) -> tuple[dict[str, Any], str | None]:
    try:
        return typing.get_type_hints(func, include_extras=True), None
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not fatal
        return {}, f"{type(exc).__name__}: {exc}"


def _render_annotation(
    name: str, raw: object, hints: dict[str, Any], error: str | None
) -> str | None:
    if raw is inspect.Parameter.empty:
        return None
    if error is not None:
        # Could not resolve: keep the source text so the dump still says something.
        return f"<unresolved {raw!r}>" if isinstance(raw, str) else render_type(raw)
    return render_type(hints[name]) if name in hints else render_type(raw)


def describe_callable(func: Callable[..., object]) -> JsonDict:
    """Signature (with resolved annotations) and docstring of a function."""
    info: JsonDict = {"doc": normalise_doc(func.__doc__)}
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        info["signature_error"] = f"{type(exc).__name__}: {exc}"
        return info
    hints, error = _resolve_hints(func)
    info["annotation_error"] = error
    info["parameters"] = [
        {
            "name": param.name,
            "kind": param.kind.name,
            "default": None
            if param.default is inspect.Parameter.empty
            else render_value(param.default),
            "annotation": _render_annotation(
                param.name, param.annotation, hints, error
            ),
        }
        for param in signature.parameters.values()
    ]
    info["return"] = _render_annotation(
        "return", signature.return_annotation, hints, error
    )
    return info


def _function_kind(func: Callable[..., object]) -> str:
    if inspect.iscoroutinefunction(func):
        return "async function"
    if inspect.isasyncgenfunction(func):
        return "async generator function"
    return "function"


def _underlying_function(value: object) -> Callable[..., object] | None:
    if isinstance(value, property):
        return value.fget
    if isinstance(value, (classmethod, staticmethod)):
        func: Callable[..., object] = value.__func__
        return func
    if inspect.isfunction(value):
        return value
    return None


def _call_for_value(call: Callable[[], object], attribute: str | None) -> str:
    """Calls a constant-returning accessor; records the error type if it fails."""
    try:
        result = call()
        if attribute is not None:
            result = getattr(result, attribute)
    except Exception as exc:  # noqa: BLE001 - the failure itself is the datum
        return f"<raises {type(exc).__name__}>"
    return result if isinstance(result, str) else render_value(result)


def describe_member(cls: type, name: str, value: object) -> JsonDict:
    func = _underlying_function(value)
    if func is None:
        return {"kind": "attribute", "value": render_value(value)}
    info = describe_callable(func)
    if isinstance(value, property):
        info["kind"] = "property"
        info["doc"] = normalise_doc(value.__doc__)
        info["settable"] = value.fset is not None
        if name == "path" and value.fget is not None:
            fget = value.fget
            info["path"] = _call_for_value(lambda: fget(None), None)
    elif isinstance(value, classmethod):
        info["kind"] = "classmethod"
        if name == "desc":
            bound = getattr(cls, name)
            info["desc.type_name"] = _call_for_value(bound, "type_name")
    elif isinstance(value, staticmethod):
        info["kind"] = "staticmethod"
    else:
        info["kind"] = _function_kind(func)
    return info


def _is_api_member(cls: type, name: str, value: object) -> bool:
    if name.startswith("__") and name.endswith("__"):
        # Dunders count only when written in the class body, e.g. __init__;
        # typing.Protocol injects its own __init__ and __subclasshook__.
        func = _underlying_function(value)
        return func is not None and getattr(func, "__module__", None) == cls.__module__
    return not name.startswith("_")


def describe_class(cls: type) -> JsonDict:
    bases = cls.__dict__.get("__orig_bases__", cls.__bases__)
    members = {
        name: describe_member(cls, name, value)
        for name, value in sorted(vars(cls).items())
        if _is_api_member(cls, name, value)
    }
    return {
        "bases": [render_type(base) for base in bases],
        # typing sets _is_protocol only on classes listing Protocol as a base.
        "protocol": bool(getattr(cls, "_is_protocol", False)),
        "doc": normalise_doc(cls.__dict__.get("__doc__")),
        "members": members,
    }


def describe_module(module: types.ModuleType) -> JsonDict:
    classes = {
        name: describe_class(value)
        for name, value in sorted(vars(module).items())
        if isinstance(value, type)
        and not name.startswith("_")
        and value.__module__ == module.__name__
    }
    return {"classes": classes}


def _is_machinery_frame(frame: traceback.FrameSummary) -> bool:
    return (
        frame.filename == __file__
        or frame.filename.startswith("<frozen importlib")
        or frame.filename == importlib.__file__
    )


def format_failure(exc: BaseException) -> str:
    """A traceback without this script's and the import system's frames."""
    report = traceback.TracebackException.from_exception(exc)
    frames = [frame for frame in report.stack if not _is_machinery_frame(frame)]
    report.stack = traceback.StackSummary.from_list(frames)
    return "".join(report.format())


# The package that --root-package imports root-level modules from.
ROOT_PACKAGE = "__tree__"


def _load_and_describe(name: str, *, root_package: bool) -> JsonDict:
    import_name = f"{ROOT_PACKAGE}.{name}" if root_package and "." not in name else name
    try:
        module = importlib.import_module(import_name)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - reported per module
        return {"error": {"stage": "import", "traceback": format_failure(exc)}}
    try:
        return describe_module(module)
    except Exception as exc:  # noqa: BLE001 - a bug here must not hide other modules
        return {"error": {"stage": "inspect", "traceback": format_failure(exc)}}


def dump_tree(
    root: Path, skip: Iterable[str], *, root_package: bool = False
) -> JsonDict:
    """Imports every connect module under ``root`` and describes its API."""
    root = root.resolve()
    sys.path.insert(0, str(root))
    sys.meta_path.insert(0, _TypeCheckingFinder(root))
    if root_package:
        package = types.ModuleType(ROOT_PACKAGE)
        package.__path__ = [str(root)]
        sys.modules[ROOT_PACKAGE] = package
    skipped = set(skip)
    modules = {
        name: _load_and_describe(name, root_package=root_package)
        for name in discover_modules(root)
        if name not in skipped
    }
    return {"root": str(root), "modules": modules}


def run_dump_mode(root: Path, skip: Sequence[str], *, root_package: bool) -> int:
    # Generated code must not be able to corrupt the JSON on stdout.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        dump = dump_tree(root, skip, root_package=root_package)
    finally:
        sys.stdout = real_stdout
    json.dump(dump, sys.stdout)
    return 0


# ---------------------------------------------------------------------------
# Parent side: run the dumps and compare them.
# ---------------------------------------------------------------------------


def check_root(label: str, root: Path) -> None:
    if not root.is_dir():
        raise UsageError(f"{label} directory does not exist: {root}")
    if not discover_modules(root):
        raise UsageError(f"{label} directory has no *{CONNECT_SUFFIX} files: {root}")


def run_dump(
    root: Path, skip: Sequence[str], *, root_package: bool = False
) -> JsonDict:
    """Describes one tree in a fresh interpreter (module names would clash)."""
    # -P: do not put this script's directory on sys.path; -B: do not write
    # __pycache__ directories into the trees being compared.
    command = [sys.executable, "-B", "-P", str(Path(__file__).resolve())]
    command += ["--dump", str(root)]
    if root_package:
        command.append("--root-package")
    for name in skip:
        command += ["--skip-module", name]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        dump: JsonDict = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise UsageError(
            f"describing {root} failed (exit {result.returncode}):\n{result.stderr}"
        ) from None
    return dump


@dataclasses.dataclass
class Difference:
    module: str
    class_name: str | None
    member: str | None
    field: str
    ours: Any
    reference: Any
    allowed_reason: str | None = None

    def location(self) -> str:
        parts = [part for part in (self.class_name, self.member) if part is not None]
        return f"{'.'.join(parts) or '(module)'} [{self.field}]"

    def to_json(self) -> JsonDict:
        return {
            "module": self.module,
            "class": self.class_name,
            "member": self.member,
            "field": self.field,
            "ours": self.ours,
            "reference": self.reference,
            "allowed": self.allowed_reason is not None,
            "reason": self.allowed_reason,
        }


@dataclasses.dataclass
class ModuleResult:
    name: str
    classes: int = 0
    members: int = 0
    equal: int = 0
    differences: list[Difference] = dataclasses.field(default_factory=list)
    # side ("ours" / "reference") -> traceback of a failed import.
    errors: dict[str, str] = dataclasses.field(default_factory=dict)

    def check(
        self, cls: str | None, member: str | None, field: str, ours: Any, ref: Any
    ) -> None:
        """Compares one field and records the outcome."""
        failed = field in ERROR_FIELDS and (ours is not None or ref is not None)
        if ours == ref and not failed:
            self.equal += 1
        else:
            self.differences.append(
                Difference(self.name, cls, member, field, ours, ref)
            )

    def allowed(self) -> list[Difference]:
        return [d for d in self.differences if d.allowed_reason is not None]

    def unexpected(self) -> list[Difference]:
        return [d for d in self.differences if d.allowed_reason is None]

    def to_json(self) -> JsonDict:
        return {
            "module": self.name,
            "classes": self.classes,
            "members": self.members,
            "equal": self.equal,
            "allowed": len(self.allowed()),
            "unexpected": len(self.unexpected()),
            "import_errors": self.errors,
            "differences": [d.to_json() for d in self.differences],
        }


def _presence(info: object) -> str:
    return "present" if info is not None else "absent"


def member_fields(info: JsonDict, shared_params: set[str]) -> dict[str, Any]:
    """Flattens a member description into comparable fields."""
    fields = {k: v for k, v in info.items() if k != "parameters"}
    params = info.get("parameters")
    if params is not None:
        fields["parameters"] = [param["name"] for param in params]
        for param in params:
            # Parameters on one side only are reported once, via "parameters".
            if param["name"] in shared_params:
                for key in ("kind", "default", "annotation"):
                    fields[f"param.{param['name']}.{key}"] = param[key]
    return fields


def _param_names(info: JsonDict) -> set[str]:
    return {param["name"] for param in info.get("parameters") or []}


def compare_member(
    result: ModuleResult, cls: str, name: str, ours: JsonDict, ref: JsonDict
) -> None:
    shared = _param_names(ours) & _param_names(ref)
    ours_fields = member_fields(ours, shared)
    ref_fields = member_fields(ref, shared)
    for field in sorted(ours_fields.keys() | ref_fields.keys()):
        result.check(
            cls,
            name,
            field,
            ours_fields.get(field, ABSENT),
            ref_fields.get(field, ABSENT),
        )


def compare_class(
    result: ModuleResult, name: str, ours: JsonDict, ref: JsonDict
) -> None:
    for field in ("bases", "protocol", "doc"):
        result.check(name, None, field, ours[field], ref[field])
    ours_members, ref_members = ours["members"], ref["members"]
    for member in sorted(ours_members.keys() | ref_members.keys()):
        result.members += 1
        ours_info, ref_info = ours_members.get(member), ref_members.get(member)
        if ours_info is None or ref_info is None:
            result.check(
                name, member, "member", _presence(ours_info), _presence(ref_info)
            )
        else:
            result.check(name, member, "member", "present", "present")
            compare_member(result, name, member, ours_info, ref_info)


def compare_module(
    name: str, ours: JsonDict | None, ref: JsonDict | None
) -> ModuleResult:
    result = ModuleResult(name)
    if ours is None or ref is None:
        result.check(None, None, "module", _presence(ours), _presence(ref))
        return result
    for side, info in (("ours", ours), ("reference", ref)):
        if "error" in info:
            result.errors[side] = info["error"]["traceback"]
    if result.errors:
        return result
    ours_classes, ref_classes = ours["classes"], ref["classes"]
    for cls in sorted(ours_classes.keys() | ref_classes.keys()):
        result.classes += 1
        ours_info, ref_info = ours_classes.get(cls), ref_classes.get(cls)
        if ours_info is None or ref_info is None:
            result.check(cls, None, "class", _presence(ours_info), _presence(ref_info))
        else:
            result.check(cls, None, "class", "present", "present")
            compare_class(result, cls, ours_info, ref_info)
    return result


def compare_dumps(ours: JsonDict, ref: JsonDict) -> list[ModuleResult]:
    ours_modules, ref_modules = ours["modules"], ref["modules"]
    return [
        compare_module(name, ours_modules.get(name), ref_modules.get(name))
        for name in sorted(ours_modules.keys() | ref_modules.keys())
    ]


# ---------------------------------------------------------------------------
# Allow list.
# ---------------------------------------------------------------------------

MATCH_KEYS = ("module", "class", "member", "field")


@dataclasses.dataclass
class AllowEntry:
    index: int
    match: dict[str, str]  # only the keys that were given (not null)
    reason: str
    used: bool = False
    python_below: tuple[int, int] | None = None

    @property
    def active(self) -> bool:
        """Whether the entry applies to the running interpreter (python_below)."""
        return self.python_below is None or sys.version_info[:2] < self.python_below

    def matches(self, diff: Difference) -> bool:
        actual = {
            "module": diff.module,
            "class": diff.class_name,
            "member": diff.member,
            "field": diff.field,
        }
        return all(actual[key] == value for key, value in self.match.items())

    def describe(self) -> str:
        keys = ", ".join(f"{key}={value!r}" for key, value in self.match.items())
        if self.python_below is not None:
            major, minor = self.python_below
            keys += f", python_below='{major}.{minor}'"
        return f"entry #{self.index} ({keys}): {self.reason}"

    def to_json(self) -> JsonDict:
        below = self.python_below
        limit = {} if below is None else {"python_below": f"{below[0]}.{below[1]}"}
        return {"index": self.index, **self.match, **limit, "reason": self.reason}


def _parse_allow_entry(index: int, raw: object) -> AllowEntry:
    if not isinstance(raw, dict):
        raise UsageError(f"allow-list entry #{index} is not an object")
    unknown = raw.keys() - {*MATCH_KEYS, "reason", "python_below"}
    if unknown:
        # A misspelt key would silently widen the match; refuse it.
        raise UsageError(
            f"allow-list entry #{index} has unknown keys: {sorted(unknown)}"
        )
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"allow-list entry #{index} needs a non-empty 'reason'")
    match = {key: raw[key] for key in MATCH_KEYS if raw.get(key) is not None}
    if not match:
        raise UsageError(f"allow-list entry #{index} matches everything")
    if not all(isinstance(value, str) for value in match.values()):
        raise UsageError(f"allow-list entry #{index}: match values must be strings")
    below = raw.get("python_below")
    python_below = None
    if below is not None:
        version = (
            re.fullmatch(r"(\d+)\.(\d+)", below) if isinstance(below, str) else None
        )
        if version is None:
            raise UsageError(
                f"allow-list entry #{index}: python_below must be a version like "
                f"'3.12', not {below!r}"
            )
        python_below = (int(version[1]), int(version[2]))
    return AllowEntry(index, match, reason, python_below=python_below)


def load_allow_list(path: Path | None) -> list[AllowEntry]:
    if path is None:
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read allow list {path}: {exc}") from None
    if not isinstance(raw, list):
        raise UsageError(f"allow list {path} must be a JSON list")
    return [_parse_allow_entry(index, entry) for index, entry in enumerate(raw)]


def apply_allow_list(results: list[ModuleResult], entries: list[AllowEntry]) -> None:
    active = [entry for entry in entries if entry.active]
    for result in results:
        for diff in result.differences:
            for entry in active:
                if entry.matches(diff):
                    entry.used = True
                    if diff.allowed_reason is None:
                        diff.allowed_reason = entry.reason


def split_unused(
    entries: list[AllowEntry], unchecked_modules: set[str]
) -> tuple[list[AllowEntry], list[AllowEntry]]:
    """Unused active entries: (stale ones, ones whose module was not compared)."""
    stale, unevaluated = [], []
    for entry in entries:
        if entry.used or not entry.active:
            continue
        if entry.match.get("module") in unchecked_modules:
            unevaluated.append(entry)
        else:
            stale.append(entry)
    return stale, unevaluated


# ---------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------


def _format_value(value: Any) -> list[str]:
    if value is None:
        return ["(none)"]
    if isinstance(value, str):
        lines = value.splitlines() or [""]
        return lines if len(lines) == 1 else [f"| {line}" for line in lines]
    return [json.dumps(value)]


def _format_side(label: str, value: Any) -> list[str]:
    first, *rest = _format_value(value)
    return [f"      {label:<10} {first}", *(f"      {'':<10} {line}" for line in rest)]


def format_module(result: ModuleResult) -> list[str]:
    if result.errors:
        lines = [f"{result.name}: IMPORT FAILED ({', '.join(sorted(result.errors))})"]
        for side, trace in sorted(result.errors.items()):
            lines.append(f"  {side} side:")
            lines.extend(f"    {line}" for line in trace.rstrip().splitlines())
        return lines
    header = (
        f"{result.name}: {result.classes} classes, {result.members} members, "
        f"{result.equal} equal fields, {len(result.allowed())} allowed, "
        f"{len(result.unexpected())} unexpected"
    )
    lines = [header]
    for diff in result.allowed():
        lines.append(f"  ALLOWED {diff.location()}: {diff.allowed_reason}")
    for diff in result.unexpected():
        lines.append(f"  DIFF    {diff.location()}")
        lines += _format_side("ours:", diff.ours)
        lines += _format_side("reference:", diff.reference)
    return lines


@dataclasses.dataclass
class Summary:
    modules: int
    classes: int
    members: int
    equal: int
    allowed: int
    unexpected: int

    def line(self) -> str:
        return (
            f"api-compare: {self.modules} modules, {self.classes} classes, "
            f"{self.members} members compared: {self.equal} equal, "
            f"{self.allowed} allowed differences, "
            f"{self.unexpected} unexpected differences"
        )


def summarise(results: list[ModuleResult]) -> Summary:
    return Summary(
        modules=len(results),
        classes=sum(r.classes for r in results),
        members=sum(r.members for r in results),
        equal=sum(r.equal for r in results),
        allowed=sum(len(r.allowed()) for r in results),
        unexpected=sum(len(r.unexpected()) for r in results),
    )


def _running_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def format_report(
    results: list[ModuleResult],
    stale: list[AllowEntry],
    unevaluated: list[AllowEntry],
    skipped: Sequence[str],
    inactive: Sequence[AllowEntry] = (),
) -> str:
    lines: list[str] = []
    for result in results:
        lines += format_module(result)
    if skipped:
        lines.append(f"skipped modules: {', '.join(sorted(skipped))}")
    failed = [r.name for r in results if r.errors]
    if failed:
        lines.append(f"FAILED TO IMPORT ({len(failed)}): {', '.join(failed)}")
    for entry in stale:
        lines.append(f"STALE allow-list {entry.describe()}")
    for entry in unevaluated:
        lines.append(f"not evaluated (module not compared): {entry.describe()}")
    for entry in inactive:
        lines.append(f"inactive on Python {_running_python()}: {entry.describe()}")
    lines.append(summarise(results).line())
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Compare the public API of two trees of generated *_connect.py modules."
    )
    parser.add_argument("--ours", type=Path, help="output root of our generator")
    parser.add_argument("--reference", type=Path, help="output root of the reference")
    parser.add_argument("--allow", type=Path, help="JSON list of allowed differences")
    parser.add_argument(
        "--skip-module",
        action="append",
        default=[],
        metavar="MODULE",
        help="dotted module name to leave out on both sides (repeatable)",
    )
    parser.add_argument(
        "--root-package",
        action="store_true",
        help="import root-level modules from a package whose directory is the tree's "
        "root, as their relative imports need (imports=relative)",
    )
    parser.add_argument("--json-out", type=Path, help="write the full comparison here")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    return parser


def compare(args: argparse.Namespace) -> int:
    check_root("--ours", args.ours)
    check_root("--reference", args.reference)
    entries = load_allow_list(args.allow)
    skipped: list[str] = args.skip_module
    known = set(discover_modules(args.ours)) | set(discover_modules(args.reference))
    for name in sorted(set(skipped) - known):
        print(f"warning: --skip-module {name}: no such module in either tree")

    results = compare_dumps(
        run_dump(args.ours, skipped, root_package=args.root_package),
        run_dump(args.reference, skipped, root_package=args.root_package),
    )
    apply_allow_list(results, entries)
    unchecked = set(skipped) | {r.name for r in results if r.errors}
    stale, unevaluated = split_unused(entries, unchecked)
    inactive = [entry for entry in entries if not entry.active]
    print(format_report(results, stale, unevaluated, skipped, inactive))

    summary = summarise(results)
    if any(r.errors for r in results):
        status = 2
    elif summary.unexpected or stale:
        status = 1
    else:
        status = 0
    if args.json_out is not None:
        write_json(args, results, (stale, unevaluated, inactive), summary, status)
    return status


def write_json(
    args: argparse.Namespace,
    results: list[ModuleResult],
    unused: tuple[list[AllowEntry], list[AllowEntry], list[AllowEntry]],
    summary: Summary,
    status: int,
) -> None:
    stale, unevaluated, inactive = unused
    document = {
        "ours": str(args.ours),
        "reference": str(args.reference),
        "skipped_modules": sorted(args.skip_module),
        "summary": {**dataclasses.asdict(summary), "line": summary.line()},
        "exit_status": status,
        "stale_allow_entries": [entry.to_json() for entry in stale],
        "unevaluated_allow_entries": [entry.to_json() for entry in unevaluated],
        "python": _running_python(),
        "inactive_allow_entries": [entry.to_json() for entry in inactive],
        "modules": [result.to_json() for result in results],
    }
    args.json_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.dump is not None:
        return run_dump_mode(
            args.dump, args.skip_module, root_package=args.root_package
        )
    if args.ours is None or args.reference is None:
        parser.error("--ours and --reference are required")
    try:
        return compare(args)
    except UsageError as exc:
        print(f"api-compare: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
