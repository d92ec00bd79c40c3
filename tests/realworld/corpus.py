"""The real-world corpus: the .proto files that PyPI packages ship, fetched at test time.

Nothing of it is committed. The wheels are pinned with hashes in
requirements/realworld.txt; this script downloads them (unless they are already in the
cache) with ``pip download --no-deps --only-binary :all: --require-hashes``, checks each
wheel's hash and license, and extracts its .proto files into one import root::

    .cache/realworld/wheels/   the pinned wheels (kept between runs)
    .cache/realworld/proto/    the corpus, extracted afresh on every run

Usage (scripts/test runs it with .venv-test's interpreter before tests/realworld)::

    python tests/realworld/corpus.py [--cache DIR]

``PACKAGES`` below says what is taken from each wheel and why. Every .proto file of a
wheel must fall under one of its roots, so a version bump that adds .proto files
elsewhere fails loudly instead of silently shrinking the corpus.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REQUIREMENTS = REPO / "requirements" / "realworld.txt"
DEFAULT_CACHE = REPO / ".cache" / "realworld"

# What the licenses of the packages must say (their METADATA or bundled license file).
APACHE_2 = re.compile(r"Apache[- ]2\.0|Apache Software License|Apache License,?\s+Version 2\.0")


@dataclass(frozen=True)
class Package:
    """One wheel of requirements/realworld.txt and what the corpus takes from it."""

    name: str
    license: str  # for the README and the report; checked through license_pattern
    # (prefix inside the wheel, prefix in the corpus); "{version}" is the pinned version.
    roots: tuple[tuple[str, str], ...]
    why: str
    # Corpus path -> the path the file is extracted to instead (each with its reason in why).
    renames: dict[str, str] = field(default_factory=dict)
    license_pattern: re.Pattern[str] = APACHE_2


PACKAGES = (
    Package(
        "googleapis-common-protos",
        "Apache-2.0",
        roots=(("google/", "google/"),),
        renames={
            "google/longrunning/operations_proto.proto": ("google/longrunning/operations.proto")
        },
        why=(
            "google.api/rpc/type/logging (messages, custom options, extensions) and the "
            "services google.longrunning.Operations and google.cloud.location.Locations. "
            "The wheel ships google/longrunning/operations.proto as operations_proto.proto "
            "(a packaging rename: its operations_pb2 module re-exports operations_proto_pb2); "
            "access_context_manager.proto imports it by its googleapis name, so that is "
            "the name it is extracted under."
        ),
    ),
    Package(
        "grpc-google-iam-v1",
        "Apache-2.0",
        roots=(("google/iam/", "google/iam/"),),
        why="service google.iam.v1.IAMPolicy and the policy messages it uses.",
    ),
    Package(
        "google-cloud-access-context-manager",
        "Apache-2.0",
        roots=(("google/identity/", "google/identity/"),),
        why=(
            "service AccessContextManager: 28 RPCs, long-running operations from "
            "another package, long comments."
        ),
    ),
    Package(
        "google-cloud-audit-log",
        "Apache-2.0",
        roots=(("google/cloud/audit/", "google/cloud/audit/"),),
        why="messages only (no _connect.py may be generated for them).",
    ),
    Package(
        "google-cloud-org-policy",
        "Apache-2.0",
        roots=(("google/cloud/orgpolicy/", "google/cloud/orgpolicy/"),),
        why="messages only (no _connect.py may be generated for them).",
    ),
    Package(
        "qdrant-client",
        "Apache-2.0",
        roots=(
            ("qdrant_client/proto/", ""),
            ("qdrant_client/serverless/proto/", ""),
        ),
        why=(
            "five services (Points has 31 RPCs, eight of them deprecated) in files that "
            "import each other as root-level files ('collections.proto'): the layout the "
            "root-level import-statement hazard is about, so they are extracted at the "
            "root of the corpus, as their imports require."
        ),
    ),
    Package(
        "bentoml",
        "Apache-2.0",
        roots=(("bentoml/grpc/", "bentoml/grpc/"),),
        why="services bentoml.grpc.v1.BentoService and v1alpha1, well-known types.",
    ),
    Package(
        "protoc-gen-validate",
        "Apache-2.0",
        # The wheel installs validate.proto as a data file; it is imported as
        # "validate/validate.proto" everywhere (its go_package and its own docs).
        roots=(("protoc_gen_validate-{version}.data/data/data/", "validate/"),),
        why="proto2 extensions of descriptor options, messages only.",
        # Its METADATA says "License: UNKNOWN"; the bundled LICENSE is Apache 2.0.
    ),
)


class CorpusError(Exception):
    """A problem fetching or extracting the corpus; reported without a traceback."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def wheel_prefix(self) -> str:
        """How a wheel's file name of this pin starts (PEP 427 name normalisation)."""
        return f"{re.sub(r'[-_.]+', '_', self.name).lower()}-{self.version}-"


PIN_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)"
    r"\s+--hash=sha256:(?P<sha256>[0-9a-f]{64})$"
)


def read_pins(path: Path = REQUIREMENTS) -> list[Pin]:
    pins = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN_LINE.match(line)
        if match is None:
            msg = f"{path}:{number}: expected 'NAME==VERSION --hash=sha256:HEX': {raw}"
            raise CorpusError(msg)
        pins.append(Pin(match["name"], match["version"], match["sha256"]))
    return pins


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_wheel(wheels: Path, pin: Pin) -> Path | None:
    """The cached wheel of ``pin`` whose hash matches, if there is one."""
    for candidate in sorted(wheels.glob("*.whl")):
        name = candidate.name.lower()
        if name.startswith(pin.wheel_prefix) and sha256(candidate) == pin.sha256:
            return candidate
    return None


def fetch(wheels: Path, pins: list[Pin]) -> dict[str, Path]:
    """The verified wheel of every pin, downloading with pip only when one is missing."""
    wheels.mkdir(parents=True, exist_ok=True)
    found = {pin.name: find_wheel(wheels, pin) for pin in pins}
    if any(path is None for path in found.values()):
        missing = ", ".join(name for name, path in found.items() if path is None)
        print(f"realworld corpus: downloading {missing}", flush=True)
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--require-hashes",
            "--dest",
            str(wheels),
            "--requirement",
            str(REQUIREMENTS),
        ]
        result = subprocess.run(command, check=False)
        if result.returncode != 0:
            msg = f"pip download failed (exit {result.returncode}): {' '.join(command)}"
            raise CorpusError(msg)
        found = {pin.name: find_wheel(wheels, pin) for pin in pins}
    verified = {}
    for name, path in found.items():
        if path is None:
            msg = f"no wheel of {name} with the pinned hash in {wheels} after pip download"
            raise CorpusError(msg)
        verified[name] = path
    return verified


def license_texts(wheel: zipfile.ZipFile) -> list[str]:
    """The license fields of the wheel's METADATA and the text of its license files."""
    texts = []
    for member in wheel.namelist():
        top, _, rest = member.partition("/")
        if not top.endswith(".dist-info"):
            continue
        if rest == "METADATA":
            metadata = email.parser.Parser().parsestr(
                wheel.read(member).decode("utf-8"), headersonly=True
            )
            for key in ("License", "License-Expression", "Classifier"):
                texts.extend(metadata.get_all(key) or [])
        elif "LICENSE" in rest.upper() or rest.startswith("licenses/"):
            texts.append(wheel.read(member).decode("utf-8", "replace")[:2000])
    return texts


def extract(package: Package, pin: Pin, wheel_path: Path, proto: Path) -> list[str]:
    """Writes the package's .proto files under ``proto``; returns their corpus paths."""
    roots = [(src.format(version=pin.version), dst) for src, dst in package.roots]
    written: list[str] = []
    renamed: set[str] = set()
    with zipfile.ZipFile(wheel_path) as wheel:
        texts = license_texts(wheel)
        if not any(package.license_pattern.search(text) for text in texts):
            msg = (
                f"{wheel_path.name}: no license text matches "
                f"{package.license_pattern.pattern!r} (expected {package.license})"
            )
            raise CorpusError(msg)
        for member in sorted(wheel.namelist()):
            if not member.endswith(".proto"):
                continue
            target = next(
                (dst + member[len(src) :] for src, dst in roots if member.startswith(src)),
                None,
            )
            if target is None:
                msg = (
                    f"{wheel_path.name} ships {member}, outside the roots taken from it "
                    f"({[src for src, _ in roots]}): map it in tests/realworld/corpus.py"
                )
                raise CorpusError(msg)
            if target in package.renames:
                renamed.add(target)
                target = package.renames[target]
            path = proto / target
            if path.exists():
                msg = f"{target} from {wheel_path.name} is already in the corpus"
                raise CorpusError(msg)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(wheel.read(member))
            written.append(target)
    unused = set(package.renames) - renamed
    if unused:
        msg = f"{package.name}: renames of files it does not ship: {sorted(unused)}"
        raise CorpusError(msg)
    if not written:
        msg = f"{wheel_path.name} has no .proto files under {[s for s, _ in roots]}"
        raise CorpusError(msg)
    return written


def build(cache: Path) -> dict[str, list[str]]:
    """Fetches the pinned wheels and extracts the corpus afresh into ``cache/proto``."""
    pins = {pin.name: pin for pin in read_pins()}
    names = [package.name for package in PACKAGES]
    if set(pins) != set(names) or len(names) != len(set(names)):
        msg = (
            f"requirements/realworld.txt pins {sorted(pins)} but corpus.py describes "
            f"{sorted(names)}: keep the two in step"
        )
        raise CorpusError(msg)
    wheels = fetch(cache / "wheels", list(pins.values()))
    proto = cache / "proto"
    shutil.rmtree(proto, ignore_errors=True)
    proto.mkdir(parents=True)
    return {
        package.name: extract(package, pins[package.name], wheels[package.name], proto)
        for package in PACKAGES
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    try:
        files = build(args.cache)
    except CorpusError as exc:
        print(f"realworld corpus: {exc}", file=sys.stderr)
        return 1
    pins = {pin.name: pin.version for pin in read_pins()}
    for name, paths in files.items():
        print(f"  {name}=={pins[name]}: {len(paths)} .proto files")
    total = sum(len(paths) for paths in files.values())
    print(f"realworld corpus: {total} .proto files in {args.cache / 'proto'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
