"""pip, told a real machine's platform tags, picks exactly the intended wheel from dist/
(and nothing on a machine we do not support). pip takes `--platform` literally, so each
machine is the whole list of tags its pip accepts, most specific first, as
`packaging.tags.platform_tags()` gives them there: every manylinux_2_N from the machine's
glibc down to 2.17 (with the legacy aliases), every musllinux_1_N from its musl down, every
macOS version from the machine's down with its architectures and universal builds."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dist_support import VERSION, built_targets

DISTRIBUTION = "protoc-gen-connect-python-rs"


def manylinux(arch: str, glibc_minor: int) -> list[str]:
    tags = []
    for minor in range(glibc_minor, 4, -1):
        tags.append(f"manylinux_2_{minor}_{arch}")
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(minor)
        if legacy and (minor != 12 or arch in ("x86_64", "i686")):
            tags.append(f"{legacy}_{arch}")
    return [*tags, f"linux_{arch}"]


def musllinux(arch: str, musl_minor: int) -> list[str]:
    return [*(f"musllinux_1_{m}_{arch}" for m in range(musl_minor, -1, -1)), f"linux_{arch}"]


def macos(arch: str, major: int, minor: int) -> list[str]:
    versions = [(v, 0) for v in range(major, 10, -1)] if major >= 11 else []
    if arch == "x86_64":
        top = minor if major == 10 else 16
        versions += [(10, m) for m in range(top, 3, -1)]
    arches = {
        "arm64": ["arm64", "universal2"],
        "x86_64": ["x86_64", "intel", "fat64", "fat32", "universal2", "universal"],
    }[arch]
    return [f"macosx_{a}_{b}_{x}" for a, b in versions for x in arches]


@dataclass(frozen=True)
class Machine:
    name: str
    tags: list[str]
    # The target whose wheel pip must pick; None: no wheel fits (and pip must say so).
    target: str | None


MACHINES = [
    Machine("CentOS 7 x86_64 (glibc 2.17)", manylinux("x86_64", 17), "linux-x86_64"),
    Machine("Ubuntu 20.04 x86_64 (glibc 2.31)", manylinux("x86_64", 31), "linux-x86_64"),
    Machine("Debian 12 x86_64 (glibc 2.36)", manylinux("x86_64", 36), "linux-x86_64"),
    Machine("Alpine 3.12 x86_64 (musl 1.1)", musllinux("x86_64", 1), "linux-x86_64"),
    Machine("Alpine 3.20 x86_64 (musl 1.2)", musllinux("x86_64", 2), "linux-x86_64"),
    Machine("Amazon Linux 2 aarch64 (glibc 2.26)", manylinux("aarch64", 26), "linux-aarch64"),
    Machine("Ubuntu 24.04 aarch64 (glibc 2.39)", manylinux("aarch64", 39), "linux-aarch64"),
    Machine("Alpine 3.20 aarch64 (musl 1.2)", musllinux("aarch64", 2), "linux-aarch64"),
    Machine("the predecessor's manylinux_2_17_x86_64", ["manylinux_2_17_x86_64"], "linux-x86_64"),
    Machine("the predecessor's musllinux_1_1_x86_64", ["musllinux_1_1_x86_64"], "linux-x86_64"),
    Machine("the predecessor's manylinux2014_aarch64", ["manylinux2014_aarch64"], "linux-aarch64"),
    Machine("the predecessor's macosx_11_0_arm64", ["macosx_11_0_arm64"], "macos-aarch64"),
    Machine("the predecessor's macosx_10_12_x86_64", ["macosx_10_12_x86_64"], "macos-x86_64"),
    Machine("macOS 11 arm64", macos("arm64", 11, 0), "macos-aarch64"),
    Machine("macOS 15 arm64", macos("arm64", 15, 0), "macos-aarch64"),
    Machine("macOS 10.12 x86_64", macos("x86_64", 10, 12), "macos-x86_64"),
    Machine("macOS 14 x86_64", macos("x86_64", 14, 0), "macos-x86_64"),
    Machine("Windows x86_64", ["win_amd64"], "windows-x86_64"),
    Machine("Windows arm64", ["win_arm64"], "windows-aarch64"),
    # Below our minimums, or architectures we do not build: no wheel may match.
    Machine("macOS 10.11 x86_64 (below 10.12)", macos("x86_64", 10, 11), None),
    Machine("Linux i686 (glibc 2.31)", manylinux("i686", 31), None),
    Machine("Linux armv7l (glibc 2.31)", manylinux("armv7l", 31), None),
    Machine("Windows x86 (32-bit)", ["win32"], None),
]


def selectable(machine: Machine) -> bool:
    built = {t.name for t in built_targets()}
    return machine.target is None or machine.target in built


@pytest.mark.parametrize("machine", [m for m in MACHINES if selectable(m)], ids=lambda m: m.name)
def test_pip_picks_the_intended_wheel(machine: Machine, dist_dir: Path, tmp_path: Path) -> None:
    platforms = [arg for tag in machine.tags for arg in ("--platform", tag)]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--no-index",
            "--find-links",
            str(dist_dir),
            "--only-binary=:all:",
            *platforms,
            "--python-version",
            "3.12",
            "--implementation",
            "cp",
            # (older pips take platform options only with --target, dry run or not)
            "--target",
            str(tmp_path / "target"),
            "--report",
            str(tmp_path / "report.json"),
            f"{DISTRIBUTION}=={VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PATH": "/usr/bin:/bin"},
    )
    if machine.target is None:
        assert result.returncode != 0, f"pip found a wheel for {machine.name}"
        assert "No matching distribution" in result.stderr, result.stderr
        return
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    picked = [Path(item["download_info"]["url"]).name for item in report["install"]]
    wanted = next(t.wheel_name for t in built_targets() if t.name == machine.target)
    assert picked == [wanted]
