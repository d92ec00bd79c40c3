"""The wheel: its exact contents, the binary (executable, stripped, the one installed),
its metadata and version, and twine's check of both artifacts."""

from __future__ import annotations

import email.parser
import os
import re
import stat
import zipfile
from pathlib import Path

from packaging_support import (
    BINARY,
    DISTRIBUTION,
    MODULE,
    REPO,
    Venv,
    cargo_version,
    minimal_env,
    run,
    standalone_generate,
)

VERSION = cargo_version()
DIST_INFO = f"{MODULE}-{VERSION}.dist-info"
SCRIPT = f"{MODULE}-{VERSION}.data/scripts/{BINARY}"


# "dist": scripts/dist's Linux x86_64 wheel, the one released; "native": maturin's build
# for this machine, which scripts/test tests instead only under SKIP_DIST=1.
WHEEL_KIND = os.environ.get("PACKAGING_WHEEL_KIND", "dist")


def test_wheel_name_and_tags(wheel: Path) -> None:
    if WHEEL_KIND == "dist":
        # A static musl binary for any Python 3 (it does not link libpython), tagged for
        # every glibc from 2.17 and every musl from 1.1.
        tags = ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "musllinux_1_1_x86_64"]
        assert wheel.name == f"{MODULE}-{VERSION}-py3-none-{'.'.join(tags)}.whl"
    else:
        assert WHEEL_KIND == "native", f"PACKAGING_WHEEL_KIND={WHEEL_KIND!r}"
        match = re.fullmatch(
            rf"{MODULE}-{re.escape(VERSION)}-py3-none-(manylinux_2_\d+_x86_64)\.whl", wheel.name
        )
        assert match, wheel.name
        tags = [match[1]]
    with zipfile.ZipFile(wheel) as z:
        headers = email.parser.Parser().parsestr(z.read(f"{DIST_INFO}/WHEEL").decode())
    assert headers["Root-Is-Purelib"] == "false"
    assert sorted(headers.get_all("Tag") or []) == sorted(f"py3-none-{tag}" for tag in tags)


def test_wheel_holds_exactly_the_expected_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = sorted(z.namelist())
    assert names == sorted(
        [
            f"{MODULE}/__init__.py",
            f"{MODULE}/__main__.py",
            f"{MODULE}/py.typed",
            SCRIPT,
            f"{DIST_INFO}/METADATA",
            f"{DIST_INFO}/WHEEL",
            f"{DIST_INFO}/RECORD",
            f"{DIST_INFO}/licenses/LICENSE",
            # maturin's software bill of materials: the crates compiled into the binary.
            f"{DIST_INFO}/sboms/{BINARY}.cyclonedx.json",
        ]
    )


def test_wheel_shim_is_the_repository_source(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        for name in ("__init__.py", "__main__.py", "py.typed"):
            assert z.read(f"{MODULE}/{name}") == (REPO / "python" / MODULE / name).read_bytes()
        assert z.read(f"{DIST_INFO}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()


def test_binary_is_executable_and_stripped(wheel: Path, outside: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        mode = z.getinfo(SCRIPT).external_attr >> 16
        binary = outside / BINARY
        binary.write_bytes(z.read(SCRIPT))
    assert stat.S_ISREG(mode), oct(mode)
    assert mode & 0o111 == 0o111, f"{SCRIPT} is not executable: {oct(mode)}"
    described = run(["file", "-b", binary], cwd=outside).stdout.decode()
    assert "ELF 64-bit" in described, described
    if WHEEL_KIND == "dist":
        assert "statically linked" in described, described
    assert ", stripped" in described, described
    sections = run(["readelf", "-S", "-W", binary], cwd=outside).stdout.decode()
    assert ".text" in sections, sections
    assert ".symtab" not in sections, "the binary still has a symbol table"
    assert ".debug_info" not in sections, "the binary still has debug information"


def test_installed_binary_is_the_wheels(wheel: Path, wheel_venv: Venv) -> None:
    with zipfile.ZipFile(wheel) as z:
        assert wheel_venv.binary.read_bytes() == z.read(SCRIPT)
    assert wheel_venv.binary.stat().st_mode & 0o111 == 0o111


def test_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        metadata = email.parser.Parser().parsestr(z.read(f"{DIST_INFO}/METADATA").decode())
    assert metadata["Name"] == DISTRIBUTION
    assert metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata.get_all("Requires-Dist") is None, "the binary needs no Python packages"
    assert metadata["Description-Content-Type"].startswith("text/markdown")
    # The long description is the README (the message format adds a final newline).
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    payload = metadata.get_payload()
    assert isinstance(payload, str)
    assert payload.rstrip("\n") == readme.rstrip("\n")
    urls = {url.split(", ", 1)[0] for url in metadata.get_all("Project-URL") or []}
    assert urls == {"Homepage", "Repository", "Changelog", "Issues"}
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Rust" in classifiers
    # PEP 639: a license expression excludes license classifiers.
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_one_version_cargo_wheel_binary_and_header(
    wheel: Path, wheel_venv: Venv, outside: Path
) -> None:
    """Cargo.toml's version is the wheel's, the binary's --version and the header's."""
    env = minimal_env(wheel_venv.bin)
    assert wheel.name.split("-")[1] == VERSION
    version = run([wheel_venv.binary, "--version"], cwd=outside, env=env).stdout.decode()
    assert version == f"{BINARY} {VERSION}\n"
    out = outside / "gen"
    standalone_generate([wheel_venv.binary], out, "", env)
    generated = sorted(out.rglob("*_connect.py"))
    assert generated
    for path in generated:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == f"# Generated by {BINARY} {VERSION}. DO NOT EDIT.", path


def test_twine_check_passes(wheel: Path, sdist: Path, tools: Path, outside: Path) -> None:
    result = run(
        [tools / "twine", "check", "--strict", wheel, sdist],
        cwd=outside,
        env=minimal_env(NO_COLOR="1"),
    )
    output = result.stdout.decode()
    assert output.count("PASSED") == 2, output
