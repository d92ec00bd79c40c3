"""Shared helpers of the real-world layer: the trees, protoc, the descriptors, mypy config.

The corpus is extracted by corpus.py into ``.cache/realworld/proto``; the tests generate
the trees from it themselves (a few seconds) into ``.cache/realworld/out``::

    google/ours/            ours, protobuf=google            output root on sys.path
    google/ours-absolute/   ours, protobuf=google,imports=absolute    on sys.path
    google/ref/             protoc-gen-connectrpc 0.13.0, protobuf=google
    py/ours/gen/            ours, default parameters (protobuf=py)   package layout
    py/ref/gen/             protoc-gen-connectrpc 0.13.0, protobuf=py

Each flavor sits in the layout its message generator requires. protoc's ``_pb2`` modules
import each other absolutely from the output root (``import collections_pb2``,
``from google.api import http_pb2``), so google trees are used with the output root on
sys.path. protoc-gen-py's ``_pb`` modules import each other relatively and write an
``__init__.py`` at the output root, so py trees are the package ``gen`` whose parent is
on sys.path. In the sys.path layout a root-level module cannot import relatively, which
is what the default (the reference's) import statements of root-level files do: the
default google tree is checked without its root-level modules, and the
``imports=absolute`` tree, the option for that layout, with all of them.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from google.protobuf import descriptor_pb2

# isort: split
import gen_support as gs

if TYPE_CHECKING:
    import subprocess

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = Path(os.environ.get("CONNECT_PYTHON_REALWORLD_CACHE", REPO / ".cache" / "realworld"))
PROTO = CACHE / "proto"
OUT = CACHE / "out"
CONNECT_SUFFIX = gs.CONNECT_SUFFIX
PY_PACKAGE = "gen"


@dataclass(frozen=True)
class Tree:
    """One generation output of the corpus."""

    side: str  # "ours" or "ref"
    flavor: str  # "google" or "py"
    options: tuple[str, ...]  # the plugin parameter, one entry per key
    variant: str = ""  # "" or "absolute"

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.side, self.flavor, self.variant) if part)

    @property
    def root(self) -> Path:
        """The sys.path entry of the tree: the output root, or its parent for py."""
        name = "-".join(part for part in (self.side, self.variant) if part)
        return OUT / self.flavor / name

    @property
    def package(self) -> str | None:
        return PY_PACKAGE if self.flavor == "py" else None

    @property
    def out_dir(self) -> Path:
        """Where protoc writes (``--*_out``)."""
        return self.root / self.package if self.package else self.root

    @property
    def parameter(self) -> str:
        return ",".join(self.options)

    def connect_files(self) -> list[Path]:
        return sorted(
            path
            for path in self.out_dir.rglob(f"*{CONNECT_SUFFIX}")
            if "__pycache__" not in path.parts
        )

    def module(self, path: Path) -> str:
        return ".".join(path.relative_to(self.root).with_suffix("").parts)

    def connect_modules(self) -> list[str]:
        return [self.module(path) for path in self.connect_files()]

    def is_root_level(self, module: str) -> bool:
        """Whether the module's proto file is at the root of the import path."""
        prefix = f"{self.package}." if self.package else ""
        return "." not in module.removeprefix(prefix)

    def checked_modules(self) -> list[str]:
        """The modules the import and type checks cover in this tree's layout (see the
        module docstring): all, except the default google tree's root-level modules."""
        modules = self.connect_modules()
        if self.side == "ours" and self.flavor == "google" and not self.variant:
            return [module for module in modules if not self.is_root_level(module)]
        return modules

    def gs_tree(self) -> gs.Tree:
        """The same tree for tests/python's helpers (their ``path`` is the sys.path entry)."""
        return gs.Tree(self.side, self.flavor, self.variant or "default", self.root)


# The ``require`` fixture: returns the tree, or fails the test if it was not generated.
RequireTree = Callable[[Tree], Tree]

OURS = [
    Tree("ours", "google", ("protobuf=google",)),
    Tree("ours", "google", ("protobuf=google", "imports=absolute"), "absolute"),
    # The default parameters: protobuf=py is the default flavor.
    Tree("ours", "py", ()),
]
REFS = [
    Tree("ref", "google", ("protobuf=google",)),
    Tree("ref", "py", ("protobuf=py",)),
]
TREES = OURS + REFS


def tree(tree_id: str) -> Tree:
    (found,) = (t for t in TREES if t.id == tree_id)
    return found


def relative_root_modules(tree: Tree) -> list[str]:
    """The root-level modules of a tree that have a relative import statement (in the
    google flavor: those that use messages of their own file)."""
    return [
        tree.module(path)
        for path in tree.connect_files()
        if tree.is_root_level(tree.module(path))
        and any(
            line.lstrip().startswith("from .")
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]


def corpus_files() -> list[str]:
    """The corpus's .proto files, relative to its root, in a fixed order."""
    return sorted(str(path.relative_to(PROTO)) for path in PROTO.rglob("*.proto"))


def protoc_command(
    tree: Tree, out_dir: Path, files: list[str], *, messages: bool = True
) -> list[str | Path]:
    """protoc (grpcio-tools of the side's venv) writing the tree's _connect.py files and,
    with ``messages``, the message modules of its flavor, into ``out_dir``."""
    python = Path(sys.executable) if tree.side == "ours" else gs.REF_VENV / "bin" / "python"
    command: list[str | Path] = [python, "-m", "grpc_tools.protoc", "-I", PROTO]
    if messages and tree.flavor == "google":
        command += [f"--python_out={out_dir}", f"--pyi_out={out_dir}"]
    elif messages:
        protoc_gen_py = python.parent / "protoc-gen-py"
        command += [f"--plugin=protoc-gen-py={protoc_gen_py}", f"--py_out={out_dir}"]
    if tree.side == "ours":
        command += [
            f"--plugin=protoc-gen-connect_python={gs.PLUGIN}",
            f"--connect_python_out={out_dir}",
        ]
        if tree.parameter:
            command.append(f"--connect_python_opt={tree.parameter}")
    else:
        plugin = gs.REF_VENV / "bin" / "protoc-gen-connectrpc"
        command += [
            f"--plugin=protoc-gen-connectrpc={plugin}",
            f"--connectrpc_out={out_dir}",
            f"--connectrpc_opt={tree.parameter}",
        ]
    return [*command, *files]


def generate(
    tree: Tree, out_dir: Path, *, messages: bool = True
) -> subprocess.CompletedProcess[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return gs.run(protoc_command(tree, out_dir, corpus_files(), messages=messages))


# ---------------------------------------------------------------------------
# What the corpus declares, from protoc's descriptors.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rpc:
    path: str  # "/qdrant.Points/Search"
    deprecated: bool


@dataclass(frozen=True)
class ProtoFile:
    name: str  # "google/longrunning/operations.proto"
    services: tuple[str, ...]  # full names
    rpcs: tuple[Rpc, ...]

    def module(self, tree: Tree) -> str:
        """The module of its _connect.py in ``tree`` (no file name of the corpus needs
        escaping: plain identifiers, no keywords, no '-')."""
        dotted = self.name.removesuffix(".proto").replace("/", ".") + "_connect"
        return f"{tree.package}.{dotted}" if tree.package else dotted


def load_descriptors(scratch: Path) -> list[ProtoFile]:
    """The corpus's files, services and RPCs as protoc parses them."""
    descriptor_set = scratch / "corpus.binpb"
    result = gs.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            PROTO,
            f"--descriptor_set_out={descriptor_set}",
            *corpus_files(),
        ]
    )
    if result.returncode != 0:
        raise AssertionError(gs.describe(result))
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    protos = []
    for file in files.file:
        prefix = f"{file.package}." if file.package else ""
        services = tuple(prefix + service.name for service in file.service)
        rpcs = tuple(
            Rpc(
                f"/{prefix}{service.name}/{method.name}",
                service.options.deprecated or method.options.deprecated,
            )
            for service in file.service
            for method in service.method
        )
        protos.append(ProtoFile(file.name, services, rpcs))
    return protos


# ---------------------------------------------------------------------------
# mypy.
# ---------------------------------------------------------------------------

# Message stubs that protoc writes and that do not even parse, with the reason. mypy stops
# at a syntax error in any module it reads, so these are not followed at all (their names
# are Any in our modules). test_typecheck.py checks that this list is exactly right.
INVALID_MESSAGE_STUBS = {
    "collections_pb2": (
        "qdrant's enum Modifier has a value named None: protoc's pyi_out writes "
        "`None: _ClassVar[Modifier]`, a syntax error"
    ),
}


def message_modules(tree: Tree) -> list[Path]:
    pattern = "*_pb2.pyi" if tree.flavor == "google" else "*_pb.py"
    return sorted(tree.out_dir.rglob(pattern))


def unparsable_message_modules(tree: Tree) -> list[str]:
    bad = []
    for path in message_modules(tree):
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError:
            bad.append(tree.module(path))
    return bad


def write_mypy_config(tree: Tree, target_dir: Path) -> Path:
    """tests/python/mypy-generated.ini for the tree, with two relaxations for the message
    modules, which are protoc's / protoc-gen-py's output, not ours:

    * ``ignore_errors``: their own errors are not reported (protoc's stubs declare
      module-level extensions with ``ClassVar``, subclass ``google.protobuf.service``
      that types-protobuf lacks, and name fields ``float`` or ``int`` that then shadow
      the builtins in later annotations; protoc-gen-py redefines ``__init__``). Our
      modules are still checked against their types.
    * ``disallow_any_generics = False``: bare ``Mapping`` / ``Iterable`` there.
    * stubs that do not parse (INVALID_MESSAGE_STUBS) are not followed.
    """
    modules = [tree.module(path) for path in message_modules(tree)]
    assert modules, f"no message modules in {tree.out_dir}"
    config = gs.MYPY_BASE_CONFIG.read_text(encoding="utf-8")
    config += f"mypy_path = {tree.root}\n"
    config += (
        "\n# The message modules are not generated by us (see realworld_support.py).\n"
        f"[mypy-{','.join(modules)}]\n"
        "ignore_errors = True\ndisallow_any_generics = False\n"
    )
    unparsable = unparsable_message_modules(tree)
    if unparsable:
        config += (
            "\n# Stubs with syntax errors (INVALID_MESSAGE_STUBS): mypy cannot read them.\n"
            f"[mypy-{','.join(unparsable)}]\n"
            "follow_imports = skip\nfollow_imports_for_stubs = True\n"
        )
    path = target_dir / "mypy.ini"
    path.write_text(config, encoding="utf-8")
    return path
