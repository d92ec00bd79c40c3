"""The release workflow's smoke test (scripts/smoke_wheel.py), which runs on each
platform's own runner there, passes here on the Linux x86_64 wheel: it installs the wheel
into a fresh venv, runs `--version` both ways, generates the corpus in six parameter sets
and tries `generate --check` and an error case; a second run compares its trees with the
first's, and fails once one byte of them changed. (conftest.py collects it only when the
Linux x86_64 wheel was built.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dist_support import REPO, TARGETS

LINUX = TARGETS["linux-x86_64"]


def test_smoke_script_passes_on_the_linux_wheel(dist_dir: Path, tmp_path: Path) -> None:
    command = [
        sys.executable, str(REPO / "scripts" / "smoke_wheel.py"),
        "--wheel", str(dist_dir / LINUX.wheel_name),
        "--corpus", str(REPO / "testdata" / "proto"),
        "--descriptor-set", str(REPO / "testdata" / "descriptors" / "editions.binpb"),
    ]  # fmt: skip
    first = subprocess.run(
        [*command, "--expected", "none", "--work", str(tmp_path / "a"),
         "--write-expected", str(tmp_path / "expected")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert any((tmp_path / "expected").rglob("*_connect.py"))
    # A second run compares against the first; one changed byte must fail it.
    second = subprocess.run(
        [*command, "--expected", str(tmp_path / "expected"), "--work", str(tmp_path / "b")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert second.returncode == 0, second.stdout + second.stderr
    victim = sorted((tmp_path / "expected").rglob("*_connect.py"))[0]
    victim.write_bytes(victim.read_bytes().replace(b"class ", b"class  ", 1))
    third = subprocess.run(
        [*command, "--expected", str(tmp_path / "expected"), "--work", str(tmp_path / "c")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert third.returncode != 0, "the smoke script missed a changed file"
