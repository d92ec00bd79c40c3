"""Every wheel: its name and tags, its exact file list and RECORD, and the binary inside:
architecture, format and linkage (static for Linux; the DLLs a Windows binary imports;
the minimum macOS version, linked dylibs and code signature for macOS)."""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from binary_formats import PE_SUBSYSTEM_CONSOLE, parse_elf, parse_macho, parse_pe
from dist_support import VERSION, Target, binary_from_wheel

MODULE = "protoc_gen_connect_python_rs"
DIST_INFO = f"{MODULE}-{VERSION}.dist-info"
# What a Windows binary may import: DLLs of every supported Windows. Anything else
# (libgcc_s_seh-1.dll, libwinpthread-1.dll, a VC++ runtime) is a DLL users would lack.
WINDOWS_SYSTEM_DLLS = {
    "kernel32.dll",
    "ntdll.dll",
    "advapi32.dll",
    "userenv.dll",
    "ws2_32.dll",
    "bcryptprimitives.dll",
    "msvcrt.dll",
}
# API sets: names the Windows loader resolves to system DLLs (Windows 7 and later).
WINDOWS_API_SET_PREFIXES = ("api-ms-win-crt-", "api-ms-win-core-")
MACOS_MINIMUM = {"x86_64": (10, 12), "aarch64": (11, 0)}
MACOS_DYLIBS = {"/usr/lib/libSystem.B.dylib"}


def read_wheel(dist_dir: Path, target: Target) -> tuple[Path, zipfile.ZipFile]:
    path = dist_dir / target.wheel_name
    assert path.is_file(), f"no wheel {target.wheel_name} in {dist_dir}"
    return path, zipfile.ZipFile(path)


def test_wheel_name_and_tags(target: Target, dist_dir: Path) -> None:
    path, wheel = read_wheel(dist_dir, target)
    tags = [f"py3-none-{tag}" for tag in target.platform_tags]
    assert path.name == f"{MODULE}-{VERSION}-py3-none-{'.'.join(target.platform_tags)}.whl"
    headers = email.parser.Parser().parsestr(wheel.read(f"{DIST_INFO}/WHEEL").decode())
    assert sorted(headers.get_all("Tag") or []) == sorted(tags)
    assert headers["Root-Is-Purelib"] == "false"


def test_wheel_holds_exactly_the_expected_files(target: Target, dist_dir: Path) -> None:
    _, wheel = read_wheel(dist_dir, target)
    assert sorted(wheel.namelist()) == sorted(
        [
            f"{MODULE}/__init__.py",
            f"{MODULE}/__main__.py",
            f"{MODULE}/py.typed",
            f"{MODULE}-{VERSION}.data/scripts/{target.binary_name}",
            f"{DIST_INFO}/METADATA",
            f"{DIST_INFO}/WHEEL",
            f"{DIST_INFO}/RECORD",
            f"{DIST_INFO}/licenses/LICENSE",
            f"{DIST_INFO}/sboms/protoc-gen-connect_python.cyclonedx.json",
        ]
    )
    info = wheel.getinfo(f"{MODULE}-{VERSION}.data/scripts/{target.binary_name}")
    assert (info.external_attr >> 16) & 0o111, "the binary is not executable in the wheel"


def test_record_lists_every_file_with_its_hash(target: Target, dist_dir: Path) -> None:
    _, wheel = read_wheel(dist_dir, target)
    record = wheel.read(f"{DIST_INFO}/RECORD").decode()
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(record)) if row}
    assert set(rows) == set(wheel.namelist())
    for name, digest in rows.items():
        if name.endswith("/RECORD"):
            assert digest == ""
            continue
        data = wheel.read(name)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}", name


def test_sbom_lists_what_the_target_compiles(target: Target, dist_dir: Path) -> None:
    # mimalloc is compiled into the musl (Linux) binaries only (Cargo.toml).
    _, wheel = read_wheel(dist_dir, target)
    sbom = json.loads(wheel.read(f"{DIST_INFO}/sboms/protoc-gen-connect_python.cyclonedx.json"))
    names = {component["name"] for component in sbom["components"]}
    assert {"protox", "prost", "askama", "clap"} <= names
    assert ("mimalloc" in names) == (target.os == "linux"), sorted(names)


def test_binary_format_and_linkage(target: Target, dist_dir: Path) -> None:
    binary = binary_from_wheel(dist_dir / target.wheel_name, target)
    {"linux": check_linux, "windows": check_windows, "macos": check_macos}[target.os](
        target, binary
    )


def check_linux(target: Target, binary: bytes) -> None:
    elf = parse_elf(binary)
    assert elf.machine == target.arch
    # No interpreter, no dynamic section: no glibc symbol version to require, so the
    # manylinux_2_17 and musllinux_1_1 tags both hold.
    assert elf.static, f"program headers {elf.program_header_types}"


def check_windows(target: Target, binary: bytes) -> None:
    pe = parse_pe(binary)
    assert pe.machine == target.arch
    assert pe.subsystem == PE_SUBSYSTEM_CONSOLE
    dlls = {name.lower() for name in pe.imports + pe.delay_imports}
    assert "kernel32.dll" in dlls
    foreign = sorted(
        dll
        for dll in dlls
        if dll not in WINDOWS_SYSTEM_DLLS and not dll.startswith(WINDOWS_API_SET_PREFIXES)
    )
    assert not foreign, f"imports DLLs a user would lack: {foreign}"


def check_macos(target: Target, binary: bytes) -> None:
    macho = parse_macho(binary)
    assert macho.machine == target.arch
    assert macho.minimum_macos == MACOS_MINIMUM[target.arch]
    # The wheel tag promises that minimum: pip installs it on exactly those machines.
    major, minor = macho.minimum_macos
    arch = "arm64" if target.arch == "aarch64" else "x86_64"
    assert target.platform_tags == (f"macosx_{major}_{minor}_{arch}",)
    assert set(macho.dylibs) <= MACOS_DYLIBS, macho.dylibs
    # arm64 macOS kills an unsigned binary at launch (test_signature.py verifies it).
    if target.arch == "aarch64":
        assert macho.has_code_signature


def test_the_static_check_rejects_a_dynamic_binary(native_plugin: Path) -> None:
    # Negative control: the native glibc build has an interpreter and a dynamic section.
    assert not parse_elf(native_plugin.read_bytes()).static


def test_the_dll_check_rejects_mingw_runtime_dlls(tmp_path: Path) -> None:
    # Negative control: a C++ program that mingw-w64's g++ links the default way imports
    # libstdc++-6.dll and libgcc_s_seh-1.dll, which a user's Windows does not have.
    source = tmp_path / "hello.cpp"
    source.write_text('#include <iostream>\nint main() { std::cout << "hi\\n"; }\n')
    exe = tmp_path / "hello.exe"
    subprocess.run(["x86_64-w64-mingw32-g++", "-O1", "-o", exe, source], check=True)
    target = Target("windows-x86_64", "x86_64-pc-windows-gnu", ("win_amd64",), "", "", "")
    with pytest.raises(AssertionError, match=r"libgcc_s_seh-1\.dll|libstdc\+\+-6\.dll"):
        check_windows(target, exe.read_bytes())
