"""Fixtures of the packaging layer: the artifacts, the fresh venvs they are installed into,
and the repository build's output every installed binary must reproduce."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from packaging_support import (
    BINARY,
    FLAVOR_PARAMETERS,
    REPO,
    Venv,
    cargo_env,
    env_path,
    failing_toolchain,
    failing_toolchain_calls,
    fresh_venv,
    minimal_env,
    protoc_generate,
    run,
    which,
)


@pytest.fixture(scope="session")
def wheel() -> Path:
    path = env_path("PACKAGING_WHEEL")
    assert path.is_file(), f"PACKAGING_WHEEL={path} does not exist"
    return path


@pytest.fixture(scope="session")
def sdist() -> Path:
    path = env_path("PACKAGING_SDIST")
    assert path.is_file(), f"PACKAGING_SDIST={path} does not exist"
    return path


@pytest.fixture(scope="session")
def tools() -> Path:
    """bin/ of .venv-packaging (twine, uv, uvx, pre-commit, maturin)."""
    path = env_path("PACKAGING_VENV", REPO / ".venv-packaging") / "bin"
    assert (path / "twine").is_file(), f"no twine in {path}: build .venv-packaging"
    return path


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    path = env_path("PACKAGING_WHEELHOUSE")
    assert any(path.glob("maturin-*.whl")), f"no maturin wheel in {path}"
    return path


@pytest.fixture(scope="session")
def work() -> Path:
    """This run's scratch directory, under the ignored .cache/ (emptied first)."""
    root = env_path("PACKAGING_WORK", REPO / ".cache" / "packaging") / "run"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return root


@pytest.fixture(scope="session")
def plugin() -> Path:
    path = env_path("CONNECT_PYTHON_PLUGIN", REPO / "target" / "release" / BINARY)
    assert path.is_file(), f"no repository build at {path}: run cargo build --release"
    return path


@pytest.fixture
def outside() -> Iterator[Path]:
    """A scratch directory outside the repository (the cwd of installs and runs)."""
    path = Path(tempfile.mkdtemp(prefix="packaging-test-"))
    assert REPO not in path.parents, path
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def reference(work: Path, plugin: Path) -> dict[str, Path]:
    """The repository build's output on the whole corpus, per flavor, through protoc."""
    # A directory holding only the repository build, so that protoc finds exactly it.
    bin_dir = work / "reference-bin"
    bin_dir.mkdir()
    (bin_dir / BINARY).symlink_to(plugin)
    env = minimal_env(bin_dir)
    trees = {}
    for flavor, parameter in FLAVOR_PARAMETERS.items():
        out = work / "reference" / flavor
        protoc_generate(out, parameter, env)
        assert any(out.rglob("*_connect.py")), f"no output in {out}"
        trees[flavor] = out
    return trees


@pytest.fixture(scope="session")
def wheel_venv(work: Path, wheel: Path) -> Venv:
    """A fresh venv with the wheel installed by pip: no index, no cargo on PATH, from a
    copy of the wheel in a directory outside the repository."""
    venv = fresh_venv(work / "venvs" / "wheel")
    env = minimal_env(venv.bin)
    assert which("cargo", env) == str(failing_toolchain() / "cargo"), env["PATH"]
    calls_before = failing_toolchain_calls()
    with tempfile.TemporaryDirectory(prefix="packaging-wheel-") as scratch:
        copy = Path(scratch) / wheel.name
        shutil.copy2(wheel, copy)
        run(
            [venv.python, "-m", "pip", "install", "--no-index", "--no-deps", copy],
            cwd=Path(scratch),
            env=env,
        )
    assert venv.binary.is_file(), f"the wheel installed no {venv.binary}"
    assert failing_toolchain_calls() == calls_before, "installing the wheel called cargo"
    return venv


@pytest.fixture(scope="session")
def sdist_target_dir() -> Path:
    """cargo's target dir for builds from the sdist and the hook repository: an ignored
    cache (kept between runs, so later runs rebuild only this crate), never target/."""
    return env_path("PACKAGING_WORK", REPO / ".cache" / "packaging") / "cargo-target"


@pytest.fixture(scope="session")
def sdist_venv(work: Path, sdist: Path, wheelhouse: Path, sdist_target_dir: Path) -> Venv:
    """A fresh venv with the sdist installed by pip: built by maturin (from the
    wheelhouse, no index) and cargo, from a copy outside the repository."""
    venv = fresh_venv(work / "venvs" / "sdist")
    env = cargo_env(venv.bin, CARGO_TARGET_DIR=str(sdist_target_dir))
    with tempfile.TemporaryDirectory(prefix="packaging-sdist-") as scratch:
        copy = Path(scratch) / sdist.name
        shutil.copy2(sdist, copy)
        run(
            [
                venv.python,
                "-m",
                "pip",
                "install",
                "--no-index",
                "--find-links",
                wheelhouse,
                "--no-cache-dir",
                copy,
            ],
            cwd=Path(scratch),
            env=env,
            timeout=1800,
        )
    assert venv.binary.is_file(), f"the sdist installed no {venv.binary}"
    return venv


@pytest.fixture(scope="session")
def base_python() -> Path:
    """The interpreter the test venv was made from (for installs outside any venv)."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    assert base.is_file(), base
    return base
