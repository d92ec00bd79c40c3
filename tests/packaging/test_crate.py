"""The crate: `cargo package` lists exactly the sources, templates and documents and packs
them; the .crate, unpacked outside the repository, builds, and its binary runs and writes
byte-identical output; rust-version is the toolchain that build used.

`--allow-dirty`: the listing is what matters, not whether the work tree is committed (a
developer runs scripts/test before committing; CI's clone is clean anyway). With
Cargo.toml's `include`, cargo lists files by those patterns, so an untracked file under
src/ would show in the listing and fail the test, dirty or not.
`--offline`: the registry cache already holds every locked crate (layer 1 built them).
`--no-verify`: the unpacked .crate is built by the test itself, outside the repository
(cargo's own verification would build it again, in debug mode, in another target dir)."""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import tomllib
from pathlib import Path

import pytest

from packaging_support import (
    BINARY,
    REPO,
    assert_same_tree,
    cargo_env,
    cargo_version,
    env_path,
    run,
    standalone_generate,
)

CRATE = "protoc-gen-connect_python"
VERSION = cargo_version()


def expected_crate_files() -> list[str]:
    sources = [p.relative_to(REPO).as_posix() for p in (REPO / "src").rglob("*.rs")]
    templates = [p.relative_to(REPO).as_posix() for p in (REPO / "templates").glob("*.j2")]
    cargo = ["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"]
    return sorted([*sources, *templates, *cargo, "README.md", "CHANGELOG.md", "LICENSE"])


@pytest.fixture(scope="module")
def package_target() -> Path:
    """cargo's target dir for `cargo package`'s .crate: an ignored cache, not target/."""
    return env_path("PACKAGING_WORK", REPO / ".cache" / "packaging") / "cargo-package-target"


@pytest.fixture(scope="module")
def packaged(package_target: Path) -> Path:
    """`cargo package` without its own verification build (the test below builds the
    packaged sources itself, in release mode, sharing the sdist build's cache); returns
    the .crate file."""
    crate = package_target / "package" / f"{CRATE}-{VERSION}.crate"
    crate.unlink(missing_ok=True)
    result = run(
        [
            "cargo",
            "package",
            "--no-verify",
            "--locked",
            "--offline",
            "--allow-dirty",
            "--target-dir",
            package_target,
        ],
        cwd=REPO,
    )
    assert crate.is_file(), result.stderr.decode()
    return crate


def test_cargo_package_list_is_exact() -> None:
    result = run(["cargo", "package", "--list", "--locked", "--offline", "--allow-dirty"], cwd=REPO)
    assert sorted(result.stdout.decode().split()) == expected_crate_files()


def test_crate_archive_holds_the_listed_files(packaged: Path) -> None:
    prefix = f"{CRATE}-{VERSION}/"
    with tarfile.open(packaged) as tar:
        names = sorted(m.name.removeprefix(prefix) for m in tar.getmembers() if m.isfile())
        for name in (*(n for n in names if n.startswith(("src/", "templates/"))), "LICENSE"):
            member = tar.extractfile(prefix + name)
            assert member is not None
            assert member.read() == (REPO / name).read_bytes(), name
        manifest = tar.extractfile(prefix + "Cargo.toml")
        assert manifest is not None
        package = tomllib.loads(manifest.read().decode())["package"]
    assert names == expected_crate_files()
    assert package["version"] == VERSION
    for key in ("description", "license", "repository", "readme", "rust-version"):
        assert package.get(key), f"Cargo.toml has no {key}"
    assert package["license"] == "Apache-2.0"
    assert 1 <= len(package["keywords"]) <= 5, package["keywords"]
    assert package["categories"], package


def test_packaged_crate_builds_and_its_binary_runs(
    packaged: Path, sdist_target_dir: Path, reference: dict[str, Path], outside: Path
) -> None:
    """The .crate, unpacked outside the repository, builds on its own (what `cargo
    install` and cargo package's verification do) and its binary runs."""
    with tarfile.open(packaged) as tar:
        tar.extractall(outside / "src", filter="data")
    source = outside / "src" / f"{CRATE}-{VERSION}"
    env = cargo_env(CARGO_TARGET_DIR=str(sdist_target_dir))
    run(["cargo", "build", "--release", "--locked", "--offline"], cwd=source, env=env, timeout=1800)
    # Copied at once: the sdist build later writes the same path of the shared cache.
    binary = outside / BINARY
    shutil.copy2(sdist_target_dir / "release" / BINARY, binary)
    version = run([binary, "--version"], cwd=outside).stdout.decode()
    assert version == f"{BINARY} {VERSION}\n"
    standalone_generate([binary], outside / "out", "", {"PATH": "/usr/bin:/bin"})
    assert_same_tree(outside / "out", reference["py"], "the packaged crate's build")


def test_vcs_info_names_the_package_path(packaged: Path) -> None:
    with tarfile.open(packaged) as tar:
        info = tar.extractfile(f"{CRATE}-{VERSION}/.cargo_vcs_info.json")
        assert info is not None
        vcs = json.loads(info.read())
    assert re.fullmatch(r"[0-9a-f]{40}", vcs["git"]["sha1"]), vcs


def test_rust_version_is_the_toolchain_the_build_used() -> None:
    """rust-version claims the oldest toolchain a test builds with: the one here. (Older
    ones cannot be had on these machines; see the packaging report in README.md.)"""
    with (REPO / "Cargo.toml").open("rb") as f:
        rust_version = tomllib.load(f)["package"]["rust-version"]
    rustc = run(["rustc", "--version"], cwd=REPO).stdout.decode()
    match = re.match(r"rustc (\d+)\.(\d+)\.\d+", rustc)
    assert match, rustc
    assert rust_version == f"{match[1]}.{match[2]}", (
        f"Cargo.toml's rust-version {rust_version} is not the toolchain this test builds "
        f"with ({rustc.strip()}): set it to what is tested"
    )
