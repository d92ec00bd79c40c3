"""Every release binary that can run here (Linux x86_64 natively, Linux aarch64 under
qemu-user, Windows x86_64 under wine) is the one inside its wheel, and generates the whole
testdata corpus, both flavors and every io mode, byte-identically to the native build;
`--version`, `generate --check` and an error case behave as on the native build."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dist_support import (
    EDITIONS_DESCRIPTORS,
    PARAMETER_SETS,
    PROTO_ROOT,
    RUNNERS,
    VERSION,
    Target,
    binary_from_wheel,
    corpus_files,
    tree,
    windows_path,
)

PLAIN, EDITIONS = corpus_files()


class Binary:
    """One target's binary, taken out of its wheel, and how to run it here."""

    def __init__(self, target: Target, path: Path, env: dict[str, str] | None) -> None:
        self.target, self.path, self.env = target, path, env

    def path_arg(self, path: Path, separator: str) -> str:
        return windows_path(path, separator) if self.target.os == "windows" else str(path)

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        runner = RUNNERS[self.target.name]
        assert runner is not None
        command = [*runner, str(self.path), *map(str, args)]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=600, check=False
        )

    def generate(
        self, out: Path, options: list[str], *, separator: str = "/", check: bool = False
    ) -> list[subprocess.CompletedProcess[str]]:
        """`generate` over the corpus into OUT: the plain files through the embedded compiler,
        the editions files through the checked-in descriptor set (as scripts/test does)."""
        files = [name.replace("/", separator) for name in PLAIN]
        results = [
            self.run(
                "generate",
                *(["--check"] if check else []),
                "-I",
                self.path_arg(PROTO_ROOT, separator),
                "--out",
                self.path_arg(out, separator),
                *options,
                *files,
            )
        ]
        if EDITIONS and not check:
            results.append(
                self.run(
                    "generate",
                    "--descriptor-set",
                    self.path_arg(EDITIONS_DESCRIPTORS, separator),
                    "--out",
                    self.path_arg(out / "editions", separator),
                    *options,
                    *EDITIONS,
                )
            )
        return results


@pytest.fixture(scope="session")
def expected(native_plugin: Path, work: Path) -> dict[str, Path]:
    """The native build's trees, one per parameter set."""
    native = Binary(TARGET_NATIVE, native_plugin, None)
    trees = {}
    for name, options in PARAMETER_SETS.items():
        out = work / "expected" / name
        subprocess.run(["rm", "-rf", str(out)], check=True)
        for result in native.generate(out, options):
            assert result.returncode == 0, result.stderr
        assert any(out.rglob("*_connect.py")), f"the native build generated nothing in {out}"
        trees[name] = out
    return trees


TARGET_NATIVE = Target("linux-x86_64", "native", (), "protoc-gen-connect_python", "", "")


@pytest.fixture
def binary(
    runnable_target: Target, dist_dir: Path, work: Path, request: pytest.FixtureRequest
) -> Binary:
    path = work / "bin" / runnable_target.name / runnable_target.binary_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(binary_from_wheel(dist_dir / runnable_target.wheel_name, runnable_target))
    path.chmod(0o755)
    env = request.getfixturevalue("wine_env") if runnable_target.os == "windows" else None
    return Binary(runnable_target, path, env)


def separators(target: Target) -> list[str]:
    # Windows users give paths with backslashes and with forward slashes: both must work.
    return ["\\", "/"] if target.os == "windows" else ["/"]


def test_version(binary: Binary) -> None:
    result = binary.run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"protoc-gen-connect_python {VERSION}"


def test_generates_the_corpus_byte_identically(
    binary: Binary, expected: dict[str, Path], work: Path
) -> None:
    for separator in separators(binary.target):
        style = "backslash" if separator == "\\" else "slash"
        for name, options in PARAMETER_SETS.items():
            out = work / "out" / binary.target.name / style / name
            subprocess.run(["rm", "-rf", str(out)], check=True)
            for result in binary.generate(out, options, separator=separator):
                assert result.returncode == 0, f"{name} ({style}): {result.stderr}"
            got, want = tree(out), tree(expected[name])
            assert sorted(got) == sorted(want), f"{name} ({style}): different files"
            differing = [f for f in want if got[f] != want[f]]
            assert not differing, f"{name} ({style}): {differing} differ from the native build"


def test_check_passes_on_a_fresh_tree_and_fails_on_a_stale_one(binary: Binary, work: Path) -> None:
    out = work / "check" / binary.target.name
    subprocess.run(["rm", "-rf", str(out)], check=True)
    (generated,) = binary.generate(out, [])[:1]
    assert generated.returncode == 0, generated.stderr
    for separator in separators(binary.target):
        (fresh,) = binary.generate(out, [], separator=separator, check=True)
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    stale = sorted(out.rglob("*_connect.py"))[0]
    stale.write_bytes(stale.read_bytes() + b"# edited\n")
    (result,) = binary.generate(out, [], check=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert stale.relative_to(out).as_posix() in result.stdout + result.stderr


def test_an_unknown_option_value_is_a_clean_error(binary: Binary, work: Path) -> None:
    out = work / "error" / binary.target.name
    result = binary.run(
        "generate",
        "-I",
        binary.path_arg(PROTO_ROOT, "/"),
        "--out",
        binary.path_arg(out, "/"),
        "--opt",
        "protobuf=nope",
        PLAIN[0],
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "protobuf" in result.stderr, result.stderr
    assert "google" in result.stderr, result.stderr
    assert "panicked" not in result.stderr
    assert not out.exists() or not any(out.rglob("*.py")), "an error wrote files"
