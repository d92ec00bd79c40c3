"""macOS arm64 kills a binary at launch unless it carries a valid code signature: the
ad-hoc signature zig's linker writes must survive into the wheel. rcodesign (the
apple-codesign crate) verifies it; a corrupted copy must fail the same check, so the
check is known to detect a broken signature."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dist_support import Target, binary_from_wheel, built_targets

MACOS = [t for t in built_targets() if t.os == "macos"]


@pytest.fixture(scope="session")
def rcodesign() -> str:
    path = os.environ.get("RCODESIGN", "")
    assert path, "RCODESIGN is not set to the rcodesign binary (scripts/dist builds it)"
    assert Path(path).is_file(), f"RCODESIGN={path} does not exist"
    return path


def verify(rcodesign: str, binary: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rcodesign, "verify", str(binary)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("macos_target", MACOS, ids=[t.name for t in MACOS])
def test_signature_in_the_wheel_verifies(
    macos_target: Target, dist_dir: Path, tmp_path: Path, rcodesign: str
) -> None:
    binary = tmp_path / macos_target.binary_name
    binary.write_bytes(binary_from_wheel(dist_dir / macos_target.wheel_name, macos_target))
    result = verify(rcodesign, binary)
    assert result.returncode == 0, result.stdout + result.stderr

    # One flipped byte in the code: the signature's page hashes no longer match.
    data = bytearray(binary.read_bytes())
    data[0x4000 + 0x100] ^= 0xFF
    corrupted = tmp_path / "corrupted"
    corrupted.write_bytes(bytes(data))
    result = verify(rcodesign, corrupted)
    assert result.returncode != 0, "rcodesign accepted a corrupted binary: the check proves nothing"
