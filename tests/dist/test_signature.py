"""arm64 macOS kills a binary at launch unless it carries a valid code signature: the
ad-hoc signature zig's linker writes (kept valid by the objcopy that strips it) must
survive into the wheel. rcodesign (the apple-codesign crate) checks it: `verify` recomputes
every code page's digest against the signature's code directory. An ad-hoc signature has
no certificate by definition, so the one problem `verify` may report is exactly that; a
copy with one byte of code flipped must fail with a digest mismatch, so the check is known
to catch a broken signature. (macOS x86_64 runs unsigned binaries: zig does not sign
them, and nothing is checked there.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dist_support import TARGETS, binary_from_wheel

ARM64 = TARGETS["macos-aarch64"]
# rcodesign's own notes, not findings about the binary.
NOT_PROBLEMS = ("(the verify command is known to be buggy", "Error: problems reported")
ADHOC_PROBLEM = "no cryptographic signature present"


@pytest.fixture(scope="session")
def rcodesign() -> str:
    path = os.environ.get("RCODESIGN", "")
    assert path, "RCODESIGN is not set to the rcodesign binary (scripts/dist builds it)"
    assert Path(path).is_file(), f"RCODESIGN={path} does not exist"
    return path


def problems(rcodesign: str, binary: Path) -> list[str]:
    result = subprocess.run(
        [rcodesign, "verify", str(binary)], capture_output=True, text=True, check=False
    )
    lines = (result.stdout + result.stderr).splitlines()
    found = [line for line in lines if line.strip() and not line.startswith(NOT_PROBLEMS)]
    assert (result.returncode == 0) == (not found), lines
    return found


@pytest.fixture
def arm64_binary(dist_dir: Path, tmp_path: Path) -> Path:
    binary = tmp_path / ARM64.binary_name
    binary.write_bytes(binary_from_wheel(dist_dir / ARM64.wheel_name, ARM64))
    return binary


def test_adhoc_signature_in_the_wheel_verifies(arm64_binary: Path, rcodesign: str) -> None:
    assert problems(rcodesign, arm64_binary) == [ADHOC_PROBLEM]
    info = subprocess.run(
        [rcodesign, "print-signature-info", str(arm64_binary)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "slot: CodeDirectory" in info, info
    assert "ADHOC" in info, info
    assert "digest_type: sha256" in info, info


def test_a_corrupted_binary_fails_verification(
    arm64_binary: Path, rcodesign: str, tmp_path: Path
) -> None:
    data = bytearray(arm64_binary.read_bytes())
    data[0x4100] ^= 0xFF  # a byte of __TEXT, covered by a page digest
    corrupted = tmp_path / "corrupted"
    corrupted.write_bytes(bytes(data))
    found = problems(rcodesign, corrupted)
    assert any(line.startswith("code digest mismatch") for line in found), found
