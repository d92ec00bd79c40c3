"""Fixtures of the release-artifact checks (tests/dist): what was built, where, and the
tools that run the foreign binaries here (qemu-user for aarch64 Linux, wine for Windows).

Inputs (set by scripts/dist; see README.md):

* ``DIST_DIR``: the artifacts (default dist/);
* ``DIST_TARGETS``: the targets that were built, space-separated (required: the tests are
  generated from it, so a missing artifact fails instead of being skipped);
* ``DIST_FULL=1``: a full run, which must also hold the sdist;
* ``RCODESIGN``: the rcodesign binary, required when a macOS target was built;
* ``CONNECT_PYTHON_PLUGIN``: the native build whose output every binary must reproduce
  (default target/release/protoc-gen-connect_python);
* ``DIST_WORK``: scratch space for the wine prefix and the generated trees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dist_support import (
    REPO,
    TARGETS,
    Target,
    built_targets,
    wine_environment,
)

# Modules for one target each: collected only when it was built (scripts/test's subset
# has no macOS), rather than skipped. The signature checks are for macOS arm64; the
# release workflow's smoke script runs here on the Linux x86_64 wheel; test_binaries.py
# needs a binary that runs here.
collect_ignore = [
    module
    for module, target in (
        ("test_signature.py", "macos-aarch64"),
        ("test_smoke_script.py", "linux-x86_64"),
    )
    if TARGETS[target] not in built_targets()
]
if not any(target.runs_here for target in built_targets()):
    collect_ignore.append("test_binaries.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test taking `target` runs once per built target; `runnable_target` once per
    # built target that can run on this machine.
    targets = built_targets()
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", targets, ids=[t.name for t in targets])
    if "runnable_target" in metafunc.fixturenames:
        runnable = [t for t in targets if t.runs_here]
        metafunc.parametrize("runnable_target", runnable, ids=[t.name for t in runnable])


@pytest.fixture(scope="session")
def dist_dir() -> Path:
    path = Path(os.environ.get("DIST_DIR", REPO / "dist")).resolve()
    assert path.is_dir(), f"no artifacts at {path}: run scripts/dist"
    return path


@pytest.fixture(scope="session")
def work() -> Path:
    path = Path(os.environ.get("DIST_WORK", REPO / ".cache" / "dist-tests")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def native_plugin() -> Path:
    path = Path(
        os.environ.get(
            "CONNECT_PYTHON_PLUGIN", REPO / "target" / "release" / "protoc-gen-connect_python"
        )
    )
    assert path.is_file(), f"no native build at {path}: run cargo build --release"
    return path


@pytest.fixture(scope="session")
def wine_env(work: Path) -> Iterator[dict[str, str]]:
    """A wine prefix of our own, with the test-only stub of bcryptprimitives.dll."""
    assert shutil.which("wine"), "wine is not installed (scripts/dist installs it)"
    env = wine_environment(work / "wine")
    yield env
    subprocess.run(["wineserver", "-k"], env=env, check=False, capture_output=True)


@pytest.fixture(scope="session")
def all_targets() -> dict[str, Target]:
    return TARGETS
