"""The Python half of scripts/dist: staging the sources, and assembling the artifacts.

    python scripts/dist_helpers.py stage REPO STAGE
    python scripts/dist_helpers.py maturin-wheel --target T --target-dir DIR --out WHEELS
    python scripts/dist_helpers.py assemble --stage STAGE --wheels WHEELS --out OUT \
        [--sdist] TARGET...

maturin builds every wheel itself, for every target (cross builds with Debian's cargo,
-Zbuild-std and zig), so each has the layout the packaging layer tests and a bill of
materials of what that target compiles; the archives carry the binary taken out of the
wheel. Archives, `.sha256` files and SHA256SUMS are written with fixed
timestamps (SOURCE_DATE_EPOCH), owners and order, so the same binaries give the same
bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

BINARY = "protoc-gen-connect_python"
DISTRIBUTION = "protoc_gen_connect_python_rs"
# What the build reads: the crate (with its benches, which Cargo.toml names) and the
# Python package.
STAGED = ["Cargo.toml", "Cargo.lock", "pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE"]
STAGED_DIRS = ["src", "templates", "python", "benches"]


@dataclass(frozen=True)
class Target:
    name: str
    triple: str
    # The wheel's platform tags, in the order they appear in its file name.
    platform_tags: tuple[str, ...]

    @property
    def windows(self) -> bool:
        return "windows" in self.triple

    @property
    def binary_name(self) -> str:
        return BINARY + (".exe" if self.windows else "")

    @property
    def archive_suffix(self) -> str:
        return ".zip" if self.windows else ".tar.gz"


def _linux_tags(arch: str) -> tuple[str, ...]:
    # A static musl binary runs on every glibc and musl Linux of its architecture: one
    # wheel carries the manylinux and the musllinux tags (as buf and the Go-based
    # protoc-gen-connect-python do).
    return (f"manylinux2014_{arch}", f"manylinux_2_17_{arch}", f"musllinux_1_1_{arch}")


TARGETS = {
    t.name: t
    for t in [
        Target("linux-x86_64", "x86_64-unknown-linux-musl", _linux_tags("x86_64")),
        Target("linux-aarch64", "aarch64-unknown-linux-musl", _linux_tags("aarch64")),
        Target("windows-x86_64", "x86_64-pc-windows-gnu", ("win_amd64",)),
        Target("windows-aarch64", "aarch64-pc-windows-gnullvm", ("win_arm64",)),
        Target("macos-x86_64", "x86_64-apple-darwin", ("macosx_10_12_x86_64",)),
        Target("macos-aarch64", "aarch64-apple-darwin", ("macosx_11_0_arm64",)),
    ]
}


def source_date_epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))


def version(root: Path) -> str:
    with (root / "Cargo.toml").open("rb") as f:
        value = tomllib.load(f)["package"]["version"]
    assert isinstance(value, str)
    return value


def wheel_name(ver: str, target: Target) -> str:
    return f"{DISTRIBUTION}-{ver}-py3-none-{'.'.join(target.platform_tags)}.whl"


def archive_name(ver: str, target: Target) -> str:
    return f"{BINARY}-{ver}-{target.triple}{target.archive_suffix}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- stage ------------------------------------------------------------------------------


def _tracked_files(repo: Path) -> list[str]:
    """The files to stage: tracked or new (not ignored) ones, as git lists them; every file
    of those paths where REPO is no git checkout (a copy staged before)."""
    if not (repo / ".git").exists():
        found = [repo / name for name in STAGED] + [
            path for folder in STAGED_DIRS for path in (repo / folder).rglob("*")
        ]
        return sorted(
            path.relative_to(repo).as_posix()
            for path in found
            if path.is_file() and "__pycache__" not in path.parts
        )
    listing = subprocess.run(
        [
            "git",
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            *STAGED,
            *STAGED_DIRS,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(name for name in listing.split("\0") if name and (repo / name).is_file())


def stage(repo: Path, dest: Path) -> None:
    """Mirrors the build's sources into DEST, a fixed folder outside the clone, writing only
    files whose bytes changed: cargo's fingerprints (mtimes) stay valid across fresh clones,
    so the cached target directory is reused."""
    wanted = _tracked_files(repo)
    dest.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name in wanted:
        source, target = repo / name, dest / name
        data = source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        shutil.copymode(source, target)
        changed += 1
    keep = set(wanted)
    removed = 0
    for path in sorted(dest.rglob("*"), reverse=True):
        relative = path.relative_to(dest).as_posix()
        if path.is_file() and relative not in keep:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    print(f"staged {len(wanted)} files: {changed} written, {removed} removed")


# --- assemble ---------------------------------------------------------------------------


def run(args: list[str | Path], **kwargs: object) -> None:
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run(args, check=True, **kwargs)  # type: ignore[call-overload]


def maturin_wheel(stage_dir: Path, target_dir: Path, out: Path, target: Target) -> Path:
    """maturin builds TARGET's wheel: its own cross build (the caller's PATH puts Debian's
    cargo first; -Zbuild-std; the caller's RUSTFLAGS), with zig as the linker except for
    Windows x86_64, which mingw-w64 links. The Linux wheels are tagged manylinux2014 and
    musllinux_1_1 at once: the musl binary is static, so it runs on both."""
    out.mkdir(parents=True, exist_ok=True)
    extra: list[str | Path] = []
    if target.triple.endswith("-linux-musl"):
        extra = ["--zig", "--compatibility", "manylinux2014", "musllinux_1_1"]
    elif target.triple != "x86_64-pc-windows-gnu":
        extra = ["--zig"]
    with tempfile.TemporaryDirectory() as scratch:
        run(
            [
                "maturin",
                "build",
                "--release",
                "--locked",
                "--quiet",
                *extra,
                "--target",
                target.triple,
                "--target-dir",
                target_dir,
                "-Zbuild-std=std,panic_abort",
                "--out",
                scratch,
            ],
            cwd=stage_dir,
        )
        (built,) = Path(scratch).glob("*.whl")
        expected = wheel_name(version(stage_dir), target)
        if built.name != expected:
            raise SystemExit(f"maturin named the {target.name} wheel {built.name}, not {expected}")
        destination = out / built.name
        shutil.move(built, destination)
    return destination


def binary_in_wheel(wheel: Path, target: Target, dest: Path) -> Path:
    """Copies the binary out of a wheel (the archives carry the wheel's very bytes)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist() if n.endswith(f".data/scripts/{target.binary_name}")
        ]
        path = dest / target.binary_name
        path.write_bytes(archive.read(name))
    path.chmod(0o755)
    return path


def write_archive(binary: Path, target: Target, ver: str, root: Path, out: Path) -> Path:
    """The bare binary for users outside Python, beside LICENSE and README.md, in a folder
    named like the archive; fixed timestamps, owners and order."""
    folder = f"{BINARY}-{ver}-{target.triple}"
    members = [
        (f"{folder}/{target.binary_name}", binary.read_bytes(), 0o755),
        (f"{folder}/LICENSE", (root / "LICENSE").read_bytes(), 0o644),
        (f"{folder}/README.md", (root / "README.md").read_bytes(), 0o644),
    ]
    path = out / archive_name(ver, target)
    epoch = source_date_epoch()
    if target.windows:
        stamp = _zip_time(epoch)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data, mode in members:
                info = zipfile.ZipInfo(name, stamp)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    else:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, data, mode in members:
                entry = tarfile.TarInfo(name)
                entry.size, entry.mode, entry.mtime = len(data), mode, epoch
                entry.uid = entry.gid = 0
                entry.uname = entry.gname = ""
                archive.addfile(entry, io.BytesIO(data))
        with (
            path.open("wb") as raw,
            gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=epoch, compresslevel=9
            ) as compressed,
        ):
            compressed.write(buffer.getvalue())
    write_sha256_file(path)
    return path


def _zip_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    t = time.gmtime(max(epoch, 315532800))  # zip's dates start in 1980
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def write_sha256_file(path: Path) -> None:
    path.with_name(path.name + ".sha256").write_text(f"{sha256(path)}  {path.name}\n")


def write_sha256sums(out: Path) -> None:
    files = sorted(p for p in out.iterdir() if p.is_file() and p.name != "SHA256SUMS")
    (out / "SHA256SUMS").write_text("".join(f"{sha256(p)}  {p.name}\n" for p in files))


def assemble(args: argparse.Namespace) -> None:
    stage_dir, wheels, out = Path(args.stage), Path(args.wheels), Path(args.out)
    ver = version(stage_dir)
    out.mkdir(parents=True, exist_ok=True)
    for target in (TARGETS[name] for name in args.targets):
        wheel = wheels / wheel_name(ver, target)
        if not wheel.is_file():
            raise SystemExit(f"no wheel for {target.name} at {wheel}")
        shutil.copyfile(wheel, out / wheel.name)
        with tempfile.TemporaryDirectory() as scratch:
            write_archive(
                binary_in_wheel(wheel, target, Path(scratch)), target, ver, stage_dir, out
            )
    if args.sdist:
        with tempfile.TemporaryDirectory() as scratch:
            run(["maturin", "sdist", "--out", scratch], cwd=stage_dir)
            for built in Path(scratch).iterdir():
                shutil.move(built, out / built.name)
    write_sha256sums(out)
    for path in sorted(out.iterdir()):
        print(f"  {path.stat().st_size:>10}  {path.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    stage_parser = commands.add_parser("stage")
    stage_parser.add_argument("repo", type=Path)
    stage_parser.add_argument("dest", type=Path)
    assemble_parser = commands.add_parser("assemble")
    assemble_parser.add_argument("--stage", required=True)
    assemble_parser.add_argument("--wheels", required=True)
    assemble_parser.add_argument("--out", required=True)
    assemble_parser.add_argument("--sdist", action="store_true")
    assemble_parser.add_argument("targets", nargs="+", choices=sorted(TARGETS))
    maturin_parser = commands.add_parser("maturin-wheel")
    maturin_parser.add_argument("--target", required=True, choices=sorted(TARGETS))
    maturin_parser.add_argument("--target-dir", required=True, type=Path)
    maturin_parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    if args.command == "stage":
        stage(args.repo, args.dest)
    elif args.command == "maturin-wheel":
        maturin_wheel(Path.cwd(), args.target_dir, args.out, TARGETS[args.target])
    else:
        assemble(args)


if __name__ == "__main__":
    main()
