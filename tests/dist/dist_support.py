"""Shared helpers of tests/dist: the target table (scripts/dist_helpers.py's), what was
built, how a target's binary runs here, and the corpus it must reproduce."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import dist_helpers  # noqa: E402

PROTO_ROOT = REPO / "testdata" / "proto"
EDITIONS_DESCRIPTORS = REPO / "testdata" / "descriptors" / "editions.binpb"
VERSION = dist_helpers.version(REPO)
EDITIONS_LINE = re.compile(r"^\s*edition\s*=", re.MULTILINE)
# How a foreign binary runs on this x86_64 Linux machine; None: it cannot.
RUNNERS: dict[str, list[str] | None] = {
    "linux-x86_64": [],
    "linux-aarch64": ["qemu-aarch64-static"],
    "windows-x86_64": ["wine"],
    "windows-aarch64": None,
    "macos-x86_64": None,
    "macos-aarch64": None,
}
# The six parameter sets: both flavors, every io mode.
PARAMETER_SETS = {
    f"{flavor}-{io}": [*flavor_opts, *io_opts]
    for flavor, flavor_opts in (("py", []), ("google", ["--opt", "protobuf=google"]))
    for io, io_opts in (
        ("both", []),
        ("sync", ["--opt", "io=sync"]),
        ("async", ["--opt", "io=async"]),
    )
}


@dataclass(frozen=True)
class Target:
    name: str
    triple: str
    platform_tags: tuple[str, ...]
    binary_name: str
    archive_name: str
    wheel_name: str

    @property
    def runs_here(self) -> bool:
        return RUNNERS[self.name] is not None

    @property
    def os(self) -> str:
        return self.name.split("-")[0]

    @property
    def arch(self) -> str:
        return self.name.split("-")[1]


def _target(spec: dist_helpers.Target) -> Target:
    return Target(
        spec.name,
        spec.triple,
        spec.platform_tags,
        spec.binary_name,
        dist_helpers.archive_name(VERSION, spec),
        dist_helpers.wheel_name(VERSION, spec),
    )


TARGETS = {name: _target(spec) for name, spec in dist_helpers.TARGETS.items()}


def built_targets() -> list[Target]:
    names = os.environ.get("DIST_TARGETS", "").split()
    if not names:
        raise RuntimeError("DIST_TARGETS is not set: run scripts/dist, which sets it")
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise RuntimeError(
            f"DIST_TARGETS names unknown targets {unknown}; known: {sorted(TARGETS)}"
        )
    return [TARGETS[n] for n in names]


def binary_from_wheel(wheel: Path, target: Target) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist() if n.endswith(f".data/scripts/{target.binary_name}")
        ]
        return archive.read(name)


def windows_path(path: Path | str, separator: str = "\\") -> str:
    """wine's Z: drive maps the Unix root: /a/b is Z:\\a\\b."""
    return "Z:" + str(path).replace("/", separator)


def wine_environment(prefix: Path) -> dict[str, str]:
    """An initialized wine prefix with the test-only bcryptprimitives.dll stub in system32."""
    env = dict(
        os.environ,
        WINEPREFIX=str(prefix),
        WINEDEBUG="-all",
        WINEDLLOVERRIDES="mscoree,mshtml=",
    )
    env.pop("DISPLAY", None)
    system32 = prefix / "drive_c" / "windows" / "system32"
    if not system32.is_dir():
        subprocess.run(
            ["wineboot", "--init"], env=env, check=True, capture_output=True, timeout=300
        )
        subprocess.run(["wineserver", "-w"], env=env, check=True, timeout=300)
    stub = prefix / "bcryptprimitives.dll"
    source = Path(__file__).parent / "wine"
    subprocess.run(
        [
            "x86_64-w64-mingw32-gcc",
            "-O2",
            "-shared",
            "-o",
            stub,
            source / "bcryptprimitives.c",
            source / "bcryptprimitives.def",
            "-ladvapi32",
        ],
        check=True,
    )
    (system32 / "bcryptprimitives.dll").write_bytes(stub.read_bytes())
    return env


def corpus_files() -> tuple[list[str], list[str]]:
    """The corpus's plain files and its editions files (which the embedded compiler cannot
    parse: they are generated from the checked-in descriptor set), relative, sorted."""
    plain: list[str] = []
    editions: list[str] = []
    for path in sorted(PROTO_ROOT.rglob("*.proto")):
        name = path.relative_to(PROTO_ROOT).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        # The same test as scripts/test's layer 4 (grep -E '^[[:space:]]*edition[[:space:]]*=').
        (editions if EDITIONS_LINE.search(text) else plain).append(name)
    return plain, editions


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
