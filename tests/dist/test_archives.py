"""The archives for users outside Python: each holds the wheel's very binary (with LICENSE
and README.md) in a folder named like the archive; each .sha256 file and SHA256SUMS verify
with sha256sum; the sdist is there in a full run; nothing else is in dist/."""

from __future__ import annotations

import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

from dist_support import VERSION, Target, binary_from_wheel, built_targets

SDIST = f"protoc_gen_connect_python_rs-{VERSION}.tar.gz"


def test_archive_holds_the_wheels_binary(target: Target, dist_dir: Path) -> None:
    path = dist_dir / target.archive_name
    folder = target.archive_name.removesuffix(".zip").removesuffix(".tar.gz")
    if target.os == "windows":
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
            modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    else:
        with tarfile.open(path) as archive:
            infos = archive.getmembers()
            members = {i.name: archive.extractfile(i).read() for i in infos}  # type: ignore[union-attr]
            modes = {i.name: i.mode for i in infos}
            assert {(i.uid, i.gid, i.uname, i.gname) for i in infos} == {(0, 0, "", "")}
    binary = f"{folder}/{target.binary_name}"
    assert sorted(members) == sorted([binary, f"{folder}/LICENSE", f"{folder}/README.md"])
    assert members[binary] == binary_from_wheel(dist_dir / target.wheel_name, target)
    assert modes[binary] == 0o755


def test_checksums_verify(dist_dir: Path) -> None:
    sums = (dist_dir / "SHA256SUMS").read_text().splitlines()
    listed = sorted(line.split("  ", 1)[1] for line in sums)
    present = sorted(p.name for p in dist_dir.iterdir() if p.name != "SHA256SUMS")
    assert listed == present, "SHA256SUMS does not list exactly the files of dist/"
    subprocess.run(
        ["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=dist_dir, check=True
    )
    for target in built_targets():
        subprocess.run(
            ["sha256sum", "--check", "--strict", "--quiet", f"{target.archive_name}.sha256"],
            cwd=dist_dir,
            check=True,
        )


def test_dist_holds_exactly_the_artifacts(dist_dir: Path) -> None:
    expected = {"SHA256SUMS"}
    for target in built_targets():
        expected |= {target.wheel_name, target.archive_name, f"{target.archive_name}.sha256"}
    if os.environ.get("DIST_FULL") == "1":
        expected.add(SDIST)
    assert sorted(p.name for p in dist_dir.iterdir()) == sorted(expected)
