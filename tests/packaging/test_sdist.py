"""The sdist: its exact contents, and a pip install of it that builds the binary with
cargo (from a copy outside the repository, cargo's target dir in an ignored cache) whose
output is byte-identical to the repository build's."""

from __future__ import annotations

import email.parser
import tarfile
from pathlib import Path

import pytest

from packaging_support import (
    BINARY,
    DISTRIBUTION,
    FLAVOR_PARAMETERS,
    MODULE,
    REPO,
    Venv,
    assert_same_tree,
    cargo_version,
    minimal_env,
    protoc_generate,
    run,
    standalone_generate,
)

VERSION = cargo_version()


def expected_sdist_files() -> list[str]:
    """What building from source needs, and the documents: the crate's files (Cargo.toml's
    `include`), pyproject.toml and the shim; nothing of tests/, testdata/, scripts/."""
    sources = [p.relative_to(REPO).as_posix() for p in (REPO / "src").rglob("*.rs")]
    templates = [p.relative_to(REPO).as_posix() for p in (REPO / "templates").glob("*.j2")]
    shim = [f"python/{MODULE}/{name}" for name in ("__init__.py", "__main__.py", "py.typed")]
    documents = ["README.md", "CHANGELOG.md", "LICENSE"]
    build = ["Cargo.toml", "Cargo.lock", "pyproject.toml", "PKG-INFO"]
    return sorted([*sources, *templates, *shim, *documents, *build])


def test_sdist_holds_exactly_the_expected_files(sdist: Path) -> None:
    prefix = f"{MODULE}-{VERSION}/"
    assert sdist.name == f"{MODULE}-{VERSION}.tar.gz"
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if not m.isdir()]
    names = [m.name for m in members]
    assert all(name.startswith(prefix) for name in names), names
    assert sorted(name.removeprefix(prefix) for name in names) == expected_sdist_files()


def test_sdist_sources_are_the_repositorys(sdist: Path) -> None:
    prefix = f"{MODULE}-{VERSION}/"
    with tarfile.open(sdist) as tar:
        for name in expected_sdist_files():
            if name in {"PKG-INFO", "Cargo.toml"}:
                continue  # written by maturin
            member = tar.extractfile(prefix + name)
            assert member is not None, name
            assert member.read() == (REPO / name).read_bytes(), (
                f"{name} differs from the repository's"
            )
        pkg_info = tar.extractfile(prefix + "PKG-INFO")
        assert pkg_info is not None
        metadata = email.parser.Parser().parsestr(pkg_info.read().decode())
    assert metadata["Name"] == DISTRIBUTION
    assert metadata["Version"] == VERSION


def test_sdist_install_built_with_cargo_outside_the_repository(
    sdist_venv: Venv, sdist_target_dir: Path, outside: Path
) -> None:
    built = sdist_target_dir / "release" / BINARY
    assert built.is_file(), f"cargo did not build into CARGO_TARGET_DIR={sdist_target_dir}"
    # maturin's strip = true holds for source builds too.
    sections = run(["readelf", "-S", "-W", sdist_venv.binary], cwd=outside).stdout.decode()
    assert ".symtab" not in sections
    version = run([sdist_venv.binary, "--version"], cwd=outside).stdout.decode()
    assert version == f"{BINARY} {VERSION}\n"


@pytest.mark.parametrize("flavor", sorted(FLAVOR_PARAMETERS))
def test_sdist_build_output_is_byte_identical(
    sdist_venv: Venv, reference: dict[str, Path], outside: Path, flavor: str
) -> None:
    env = minimal_env(sdist_venv.bin)
    parameter = FLAVOR_PARAMETERS[flavor]
    protoc_generate(outside / "protoc", parameter, env)
    assert_same_tree(outside / "protoc", reference[flavor], f"sdist build via protoc ({flavor})")
    standalone_generate([sdist_venv.binary], outside / "standalone", parameter, env)
    assert_same_tree(outside / "standalone", reference[flavor], f"sdist build, generate ({flavor})")
