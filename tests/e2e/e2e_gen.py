"""Locating and importing a generated tree (shared by the tests and the server processes).

A tree is an output root of our plugin (``tests/python/.out/ours/<flavor>-<io>``, written
by scripts/test through real protoc). Its flavor is read from the tree itself: protoc's
``eliza_pb2.py`` means ``protobuf=google``, protoc-gen-py's ``eliza_pb.py`` means
``protobuf=py``.

Both flavors define the same top-level package (``eliza``), so one process can hold only
one of them under its own name. The server processes and the google tree in the test
process are imported the way users import generated code: the output root on
``sys.path``, ``import eliza.v1.eliza_connect``. The second tree in the test process (the
py flavor) is imported under an alias package whose ``__path__`` is its output root; the
generated modules import each other relatively, so they work unchanged under the alias.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
_OUT = Path(os.environ.get("CONNECT_PYTHON_OUT", REPO / "tests" / "python" / ".out"))

# The env vars name the trees; the defaults are where scripts/test writes them.
ENV_GOOGLE = "CONNECT_E2E_GEN"
ENV_PY = "CONNECT_E2E_GEN_PY"


def tree_path(env: str, default_name: str) -> Path:
    value = os.environ.get(env)
    path = Path(value) if value else _OUT / "ours" / default_name
    if not path.is_absolute():
        path = REPO / path
    return path


def google_tree() -> Path:
    return tree_path(ENV_GOOGLE, "google-default")


def py_tree() -> Path:
    return tree_path(ENV_PY, "py-default")


def check_tree(root: Path) -> str | None:
    """Why root cannot be used, or None."""
    if not (root / "eliza" / "v1" / "eliza_connect.py").is_file():
        return (
            f"no generated eliza/v1/eliza_connect.py under {root}; run scripts/test once "
            f"(it generates the trees) or point {ENV_GOOGLE} / {ENV_PY} at an output root"
        )
    return None


def flavor_of(root: Path) -> str:
    v1 = root / "eliza" / "v1"
    if (v1 / "eliza_pb2.py").is_file():
        return "google"
    if (v1 / "eliza_pb.py").is_file():
        return "py"
    msg = f"{v1} holds neither eliza_pb2.py (google) nor eliza_pb.py (py)"
    raise RuntimeError(msg)


@dataclass(frozen=True)
class Generated:
    """One imported tree: the generated Connect module and its message module."""

    root: Path
    flavor: str
    connect: ModuleType
    pb: ModuleType

    def json_codec(self) -> Any:
        if self.flavor == "google":
            from connectrpc.compat import google_protobuf_json_codec

            return google_protobuf_json_codec()
        from connectrpc.codec import proto_json_codec

        return proto_json_codec()

    def proto_codec(self) -> Any:
        if self.flavor == "google":
            from connectrpc.compat import google_protobuf_binary_codec

            return google_protobuf_binary_codec()
        from connectrpc.codec import proto_binary_codec

        return proto_binary_codec()

    def error_detail(self, message: Any) -> Any:
        """An error detail for ConnectError(details=...).

        connectrpc 0.13.0's ErrorDetail packs protobuf-py messages only (Any.pack reads
        the message's protobuf-py descriptor), so a google.protobuf message is packed
        into a protobuf-py Any by hand: type URL and serialized bytes.
        """
        if self.flavor == "py":
            return message
        from protobuf.wkt import Any as PyAny

        type_name = message.DESCRIPTOR.full_name
        return PyAny(
            type_url=f"type.googleapis.com/{type_name}",
            value=message.SerializeToString(),
        )

    def decode_detail(self, detail: Any, message_class: type) -> Any:
        if self.flavor == "google":
            return message_class.FromString(detail.message_bytes)  # type: ignore[attr-defined]
        return message_class.from_binary(detail.message_bytes)  # type: ignore[attr-defined]


def load(root: Path, *, alias: str | None = None) -> Generated:
    """Imports eliza/v1 of the tree at root (see the module docstring)."""
    problem = check_tree(root)
    if problem:
        raise RuntimeError(problem)
    flavor = flavor_of(root)
    pb_name = "eliza_pb2" if flavor == "google" else "eliza_pb"
    if alias is None:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        prefix = ""
    else:
        if alias not in sys.modules:
            init = root / "__init__.py"
            if init.is_file():
                spec = importlib.util.spec_from_file_location(
                    alias, init, submodule_search_locations=[str(root)]
                )
                assert spec is not None
                assert spec.loader is not None
                package = importlib.util.module_from_spec(spec)
                sys.modules[alias] = package
                spec.loader.exec_module(package)
            else:
                package = ModuleType(alias)
                package.__path__ = [str(root)]
                sys.modules[alias] = package
        prefix = f"{alias}."
    connect = importlib.import_module(f"{prefix}eliza.v1.eliza_connect")
    pb = importlib.import_module(f"{prefix}eliza.v1.{pb_name}")
    loaded = Path(connect.__file__ or "").resolve()
    if loaded.parent != (root / "eliza" / "v1").resolve():
        msg = f"imported {loaded}, expected it from {root}"
        raise RuntimeError(msg)
    return Generated(root=root, flavor=flavor, connect=connect, pb=pb)
