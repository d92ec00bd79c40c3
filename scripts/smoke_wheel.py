#!/usr/bin/env python3
"""Smoke test of one built protoc-gen-connect-python-rs wheel, on the machine it is for.

Run on each platform's own runner (Linux, macOS, Windows; Python >= 3.11, standard library
only), the way ruff smoke-tests each of its wheels:

  1. a fresh venv in --work, the wheel installed there with
     `pip install --no-index --no-deps WHEEL`;
  2. the venv's `protoc-gen-connect_python --version` and
     `python -m protoc_gen_connect_python_rs --version` print the same line, with the
     wheel's version;
  3. the corpus (--corpus, e.g. testdata/proto) generated in standalone mode by the
     installed binary in six parameter sets (protobuf=py (the default) and google, each
     with the default io, io=sync and io=async): `generate -I CORPUS` for the plain
     files, `generate --descriptor-set` (the checked-in editions descriptor set) for the
     files that use editions, which the embedded compiler cannot parse;
  4. `generate --check` with the same arguments on a copy of one tree (the editions
     files' `--descriptor-set` check on their outputs alone): exit 0 when up to date, 1
     after a line was appended to a `_connect.py`; a bad option value is refused (exit 1
     from `generate`, 2 from `generate --check`, both naming the option), writing nothing;
  5. --expected DIR: every tree equals DIR/<parameter set>/ byte for byte (the same files);
     --write-expected DIR: the trees are copied to DIR/<parameter set>/ (the release
     workflow's Linux build publishes them for the other platforms' runners).

One line is printed per check; the first failure stops the run with exit status 1.

Usage:
  python scripts/smoke_wheel.py --wheel dist/protoc_gen_connect_python_rs-...whl \\
      --corpus testdata/proto --expected none --work /tmp/smoke [--write-expected DIR] \\
      [--descriptor-set testdata/descriptors/editions.binpb]
"""

from __future__ import annotations

import argparse
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

DISTRIBUTION = "protoc-gen-connect-python-rs"
MODULE = "protoc_gen_connect_python_rs"
BINARY = "protoc-gen-connect_python"
WINDOWS = sys.platform == "win32"

# (name, --opt values): the name is the tree's directory under --expected and
# --write-expected.
PARAMETER_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("py-default", ()),
    ("py-sync", ("io=sync",)),
    ("py-async", ("io=async",)),
    ("google-default", ("protobuf=google",)),
    ("google-sync", ("protobuf=google", "io=sync")),
    ("google-async", ("protobuf=google", "io=async")),
)
# The tree that `generate --check` is tried on (a copy of it).
CHECK_SET = "google-sync"

# A file that declares an edition (scripts/test's `grep -E '^[[:space:]]*edition[[:space:]]*='`).
EDITION_LINE = re.compile(rb"^[^\S\n]*edition[^\S\n]*=", re.MULTILINE)
SOURCE_PREFIX = "# Source: "
DIFF_FILES = 3
DIFF_LINES = 60

START = time.monotonic()


class SmokeError(Exception):
    """A failed check; its message says which and why."""


def ok(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] ok    {message}", flush=True)


def skip(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] skip  {message}", flush=True)


# The child processes' environment: nothing that would make the venv's Python or pip look
# elsewhere than the venv.
CHILD_ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    and not key.startswith("PIP_")
}
CHILD_ENV |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PYTHONUTF8": "1"}


def run(args: list[str | Path]) -> subprocess.CompletedProcess[str]:
    """Runs a command (no stdin), capturing its output."""
    return subprocess.run(
        [str(arg) for arg in args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=CHILD_ENV,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit status and (the end of) its output, for a failure message."""
    command = " ".join(str(arg) for arg in result.args)
    parts = [f"command: {command}", f"exit status: {result.returncode}"]
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        lines = text.rstrip().splitlines()
        if lines:
            shown = lines[-40:]
            more = f" (last {len(shown)} of {len(lines)} lines)" if len(lines) > len(shown) else ""
            parts.append(f"{name}{more}:\n" + "\n".join(f"  {line}" for line in shown))
    return "\n".join(parts)


def expect_success(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise SmokeError(f"{what} failed\n{describe(result)}")


def wheel_version(wheel: Path) -> str:
    """The version in the wheel's file name (NAME-VERSION-...-TAGS.whl)."""
    parts = wheel.name.removesuffix(".whl").split("-")
    if len(parts) < 5 or parts[0] != MODULE:
        raise SmokeError(
            f"{wheel.name} is not a wheel of {DISTRIBUTION} ({MODULE}-VERSION-...-TAGS.whl)"
        )
    return parts[1]


def venv_paths(venv_dir: Path) -> tuple[Path, Path]:
    """The venv's Python and the installed binary."""
    if WINDOWS:
        scripts = venv_dir / "Scripts"
        return scripts / "python.exe", scripts / f"{BINARY}.exe"
    scripts = venv_dir / "bin"
    return scripts / "python", scripts / BINARY


def install(wheel: Path, venv_dir: Path, version: str) -> tuple[Path, Path]:
    """A fresh venv with the wheel installed; returns its Python and the binary."""
    if venv_dir.exists():
        shutil.rmtree(venv_dir)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SmokeError(
            f"cannot create a venv with pip at {venv_dir}: {error} "
            "(on Debian and Ubuntu, install python3-venv)"
        ) from error
    python, binary = venv_paths(venv_dir)
    ok(f"venv created at {venv_dir} ({sys.version.split()[0]}, {sys.platform})")

    result = run([python, "-m", "pip", "install", "--no-index", "--no-deps", wheel])
    expect_success(result, f"pip install --no-index --no-deps {wheel.name}")
    if not binary.is_file():
        raise SmokeError(f"the wheel installed no {binary.name} in {binary.parent}")
    ok(f"installed {wheel.name}: {binary}")

    metadata = run(
        [python, "-c", f"import importlib.metadata as m; print(m.version({DISTRIBUTION!r}))"]
    )
    expect_success(metadata, "reading the installed distribution's version")
    if metadata.stdout.strip() != version:
        raise SmokeError(
            f"the installed {DISTRIBUTION} is version {metadata.stdout.strip()!r}, "
            f"the wheel's file name says {version!r}"
        )
    ok(f"the installed distribution {DISTRIBUTION} is version {version}")
    return python, binary


def check_versions(python: Path, binary: Path, version: str) -> None:
    """`BINARY --version` and `python -m MODULE --version` print the same line."""
    direct = run([binary, "--version"])
    expect_success(direct, f"{binary.name} --version")
    via_module = run([python, "-m", MODULE, "--version"])
    expect_success(via_module, f"python -m {MODULE} --version")
    line = direct.stdout.strip()
    if via_module.stdout.strip() != line:
        raise SmokeError(
            f"{binary.name} --version printed {line!r}, "
            f"python -m {MODULE} --version printed {via_module.stdout.strip()!r}"
        )
    if version not in line.split():
        raise SmokeError(f"{binary.name} --version printed {line!r}, without {version}")
    ok(f"{binary.name} --version and python -m {MODULE} --version: {line!r}")

    found = run([python, "-c", f"import {MODULE} as m; print(m.find_binary())"])
    expect_success(found, f"{MODULE}.find_binary()")
    found_path = Path(found.stdout.strip())
    if not (found_path.is_file() and os.path.samefile(found_path, binary)):
        raise SmokeError(f"{MODULE}.find_binary() returned {found_path}, not {binary}")
    ok(f"{MODULE}.find_binary() finds the venv's binary")


def corpus_files(corpus: Path) -> tuple[list[str], list[str]]:
    """The corpus's .proto files relative to it (forward slashes, sorted): (plain, editions)."""
    plain: list[str] = []
    editions: list[str] = []
    names = sorted(path.relative_to(corpus).as_posix() for path in corpus.rglob("*.proto"))
    for name in names:
        data = (corpus / name).read_bytes()
        if b"\r" in data:
            raise SmokeError(
                f"{corpus / name} has CR line endings (git's core.autocrlf?); the expected "
                "trees are generated from the repository's LF files"
            )
        (editions if EDITION_LINE.search(data) else plain).append(name)
    if not plain:
        raise SmokeError(f"no .proto files without editions under {corpus}")
    return plain, editions


def opt_args(opts: tuple[str, ...]) -> list[str | Path]:
    return [arg for opt in opts for arg in ("--opt", opt)]


def plain_command(
    binary: Path, corpus: Path, out: Path, opts: tuple[str, ...], plain: list[str]
) -> list[str | Path]:
    return [binary, "generate", "-I", corpus, "--out", out, *opt_args(opts), *plain]


def editions_command(
    binary: Path, descriptor_set: Path, out: Path, opts: tuple[str, ...], editions: list[str]
) -> list[str | Path]:
    return [
        binary,
        "generate",
        "--descriptor-set",
        descriptor_set,
        "--out",
        out,
        *opt_args(opts),
        *editions,
    ]


def with_check(command: list[str | Path]) -> list[str | Path]:
    """The same `generate` command with --check."""
    return [*command[:2], "--check", *command[2:]]


def tree_files(root: Path) -> dict[str, Path]:
    """Every file under root, by its path relative to root (forward slashes)."""
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def header_source(path: Path) -> str | None:
    """The proto file named by a generated file's header, if it has ours."""
    with path.open(encoding="utf-8") as file:
        for _ in range(2):
            line = file.readline().rstrip("\n")
            if line.startswith(SOURCE_PREFIX):
                return line.removeprefix(SOURCE_PREFIX)
    return None


def generate_trees(
    binary: Path,
    corpus: Path,
    descriptor_set: Path,
    out_root: Path,
    plain: list[str],
    editions: list[str],
) -> dict[str, Path]:
    """The corpus generated in every parameter set; returns each set's tree."""
    trees: dict[str, Path] = {}
    for name, opts in PARAMETER_SETS:
        out = out_root / name
        shown = " ".join(f"--opt {opt}" for opt in opts) or "no --opt"
        result = run(plain_command(binary, corpus, out, opts, plain))
        expect_success(result, f"generate -I {corpus} ({name}: {shown})")
        if editions:
            result = run(editions_command(binary, descriptor_set, out, opts, editions))
            expect_success(result, f"generate --descriptor-set {descriptor_set} ({name})")
        files = tree_files(out) if out.is_dir() else {}
        connect = [file for file in files if file.endswith("_connect.py")]
        if not connect:
            raise SmokeError(f"generate ({name}: {shown}) wrote no _connect.py file in {out}")
        ok(
            f"generate {name} ({shown}): {len(files)} files, {len(connect)} _connect.py "
            f"({len(plain)} + {len(editions)} editions protos)"
        )
        trees[name] = out
    return trees


def check_drift(
    binary: Path,
    corpus: Path,
    descriptor_set: Path,
    tree: Path,
    work: Path,
    plain: list[str],
    editions: list[str],
) -> None:
    """`generate --check`: 0 on a copy of a generated tree, 1 after an edit; bad options."""
    opts = dict(PARAMETER_SETS)[CHECK_SET]
    check_dir = work / "check"
    if check_dir.exists():
        shutil.rmtree(check_dir)
    shutil.copytree(tree, check_dir)
    files = tree_files(check_dir)
    by_source = {header_source(path): name for name, path in files.items()}

    result = run(with_check(plain_command(binary, corpus, check_dir, opts, plain)))
    expect_success(result, f"generate --check -I {corpus} on an up-to-date tree ({CHECK_SET})")
    ok(f"generate --check -I: exit 0 on the up-to-date {CHECK_SET} tree")

    if editions:
        # The descriptor set holds the editions files (and their imports) only, so the
        # check gets a tree of their outputs alone: the -I files' outputs would count as
        # orphans whose proto "no longer exists" there.
        editions_dir = work / "check-editions"
        if editions_dir.exists():
            shutil.rmtree(editions_dir)
        for source in editions:
            name = by_source.get(source)
            if name is not None:
                (editions_dir / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(files[name], editions_dir / name)
        result = run(
            with_check(editions_command(binary, descriptor_set, editions_dir, opts, editions))
        )
        expect_success(result, f"generate --check --descriptor-set on their outputs ({CHECK_SET})")
        ok("generate --check --descriptor-set: exit 0 on the editions files' outputs")

    drifted = next(
        (name for name in sorted(files) if header_source(files[name]) in set(plain)), None
    )
    if drifted is None:
        raise SmokeError(f"no _connect.py generated from a plain .proto file in {check_dir}")
    with files[drifted].open("a", encoding="utf-8", newline="\n") as file:
        file.write("# an edit by hand\n")
    result = run(with_check(plain_command(binary, corpus, check_dir, opts, plain)))
    if result.returncode != 1:
        raise SmokeError(
            f"generate --check after editing {drifted}: expected exit 1\n" + describe(result)
        )
    if Path(drifted).name not in result.stdout:
        raise SmokeError(f"generate --check does not name the edited {drifted}\n{describe(result)}")
    ok(f"generate --check: exit 1 naming {drifted} after a line was appended to it")

    bad_out = work / "bad-option"
    if bad_out.exists():
        shutil.rmtree(bad_out)
    bad = plain_command(binary, corpus, bad_out, ("protobuf=nope",), plain[:1])
    result = run(bad)
    if result.returncode == 0 or "protobuf" not in result.stderr:
        raise SmokeError(
            "generate --opt protobuf=nope: expected a non-zero exit with an error naming "
            f"`protobuf`\n{describe(result)}"
        )
    if bad_out.exists() and any(bad_out.iterdir()):
        raise SmokeError(f"generate --opt protobuf=nope wrote files into {bad_out}")
    ok(f"generate --opt protobuf=nope: exit {result.returncode}, names `protobuf`, writes nothing")
    result = run(with_check(bad))
    if result.returncode != 2 or "protobuf" not in result.stderr:
        raise SmokeError(
            "generate --check --opt protobuf=nope: expected exit 2 (cannot tell) with an error "
            f"naming `protobuf`\n{describe(result)}"
        )
    ok("generate --check --opt protobuf=nope: exit 2, names `protobuf`")


def file_diff(expected: Path, actual: Path, name: str) -> str:
    """A unified diff (capped) from the expected file to the generated one."""
    old = expected.read_bytes().decode("utf-8", errors="replace").splitlines(keepends=True)
    new = actual.read_bytes().decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old, new, f"expected/{name}", f"generated/{name}"))
    if not lines:
        # Same text, other bytes: line endings or invalid UTF-8.
        return f"  {name}: same text lines, different bytes (line endings?)\n"
    shown = "".join(line if line.endswith("\n") else line + "\n" for line in lines[:DIFF_LINES])
    if len(lines) > DIFF_LINES:
        shown += f"... ({len(lines) - DIFF_LINES} more diff lines)\n"
    return shown


def compare_trees(trees: dict[str, Path], expected_root: Path) -> None:
    """Each generated tree equals expected_root/<name>/: the same files, the same bytes."""
    for name, tree in trees.items():
        expected = expected_root / name
        if not expected.is_dir():
            raise SmokeError(f"no expected tree {expected}")
        want = tree_files(expected)
        have = tree_files(tree)
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        if missing or extra:
            raise SmokeError(
                f"{name}: the generated files differ from {expected}'s:\n"
                + "".join(f"  not generated: {file}\n" for file in missing)
                + "".join(f"  not expected:  {file}\n" for file in extra)
            )
        differing = [
            file for file in sorted(want) if want[file].read_bytes() != have[file].read_bytes()
        ]
        if differing:
            diffs = "".join(
                file_diff(want[file], have[file], file) for file in differing[:DIFF_FILES]
            )
            more = len(differing) - DIFF_FILES
            raise SmokeError(
                f"{name}: {len(differing)} of {len(want)} files differ from {expected}'s "
                f"({', '.join(differing)}):\n{diffs}"
                + (f"... and {more} more files\n" if more > 0 else "")
            )
        ok(f"{name}: {len(want)} files byte-identical to {expected}")


def write_expected(trees: dict[str, Path], expected_root: Path) -> None:
    expected_root.mkdir(parents=True, exist_ok=True)
    for name, tree in trees.items():
        target = expected_root / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(tree, target)
    ok(f"wrote the {len(trees)} trees to {expected_root}")


def find_wheel(pattern: str) -> Path:
    """The wheel at PATH, or the one file a glob pattern matches (for shells without globs)."""
    path = Path(pattern)
    if path.is_file():
        return path
    matches = sorted(Path(match) for match in glob.glob(pattern))
    if len(matches) != 1:
        found = ", ".join(str(match) for match in matches) or "none"
        raise SmokeError(f"--wheel {pattern}: expected one wheel file, found {found}")
    return matches[0]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Smoke-tests one protoc-gen-connect-python-rs wheel on this machine.",
    )
    parser.add_argument("--wheel", required=True, help="the .whl file (or a glob matching one)")
    parser.add_argument("--corpus", required=True, type=Path, help="e.g. testdata/proto")
    parser.add_argument(
        "--expected",
        default="none",
        metavar="DIR_OR_NONE",
        help="compare the generated trees with DIR/<parameter set>/; `none` skips it",
    )
    parser.add_argument(
        "--work", required=True, type=Path, help="scratch directory (the venv, the trees)"
    )
    parser.add_argument(
        "--write-expected", type=Path, metavar="DIR", help="copy the generated trees to DIR"
    )
    parser.add_argument(
        "--descriptor-set",
        type=Path,
        help="the editions files' descriptor set (default: testdata/descriptors/editions.binpb "
        "under the corpus's parent's parent, i.e. the repository root for testdata/proto)",
    )
    return parser.parse_args(argv)


def smoke(args: argparse.Namespace) -> str:
    """Every check, in order; returns the wheel's file name."""
    wheel = find_wheel(args.wheel).resolve()
    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        raise SmokeError(f"--corpus {args.corpus} is not a directory")
    descriptor_set: Path = (
        args.descriptor_set or corpus.parent.parent / "testdata" / "descriptors" / "editions.binpb"
    ).resolve()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    expected = None if args.expected.lower() == "none" else Path(args.expected).resolve()
    if expected is not None and not expected.is_dir():
        raise SmokeError(f"--expected {args.expected} is not a directory")

    version = wheel_version(wheel)
    plain, editions = corpus_files(corpus)
    if editions and not descriptor_set.is_file():
        raise SmokeError(
            f"{len(editions)} corpus files use editions, and the descriptor set "
            f"{descriptor_set} is missing (--descriptor-set)"
        )
    ok(f"corpus {corpus}: {len(plain)} plain .proto files, {len(editions)} with editions")

    python, binary = install(wheel, work / "venv", version)
    check_versions(python, binary, version)
    out_root = work / "generated"
    if out_root.exists():
        shutil.rmtree(out_root)
    trees = generate_trees(binary, corpus, descriptor_set, out_root, plain, editions)
    check_drift(binary, corpus, descriptor_set, trees[CHECK_SET], work, plain, editions)
    if expected is not None:
        compare_trees(trees, expected)
    else:
        skip("comparison with expected trees (--expected none)")
    if args.write_expected is not None:
        write_expected(trees, args.write_expected.resolve())
    return wheel.name


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        wheel_name = smoke(args)
    except SmokeError as error:
        print(f"\nsmoke_wheel.py: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"smoke_wheel.py: all checks passed for {wheel_name} ({time.monotonic() - START:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
