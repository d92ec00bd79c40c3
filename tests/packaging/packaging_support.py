"""Shared helpers of the packaging layer: artifacts, fresh venvs, generation, tree comparison.

Inputs (set by scripts/test's packaging layer; see README.md):

* ``PACKAGING_WHEEL``, ``PACKAGING_SDIST``: the wheel and the sdist maturin built;
* ``PACKAGING_VENV``: the pinned tools' venv (.venv-packaging: twine, uv, pre-commit);
* ``PACKAGING_WHEELHOUSE``: a directory holding the build backend's wheel (maturin), so
  that installing the sdist (and pre-commit's install of the hooks) needs no index;
* ``PACKAGING_WORK``: the ignored cache directory for fresh venvs and cargo's target dirs;
* ``CONNECT_PYTHON_PLUGIN``: the repository build (target/release), whose output is the
  reference every installed binary must reproduce byte for byte.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BINARY = "protoc-gen-connect_python"
DISTRIBUTION = "protoc-gen-connect-python-rs"
MODULE = "protoc_gen_connect_python_rs"
PROTO_ROOT = REPO / "testdata" / "proto"
EDITIONS_DESCRIPTORS = REPO / "testdata" / "descriptors" / "editions.binpb"
BUF = REPO / "node_modules" / ".bin" / "buf"
# The venv running the tests (.venv-test): grpcio-tools' protoc.
TEST_VENV_PYTHON = Path(sys.executable)
# System directories only: no cargo (~/.cargo/bin), no pyenv shims, no venv.
SYSTEM_PATH = os.pathsep.join(["/usr/local/sbin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
# The two message flavors and the parameter each is generated with: the default (py) and
# google, which changes imports and codecs.
FLAVOR_PARAMETERS = {"py": "", "google": "protobuf=google"}
# Any network access through a proxy-respecting client goes to this closed port.
NO_NETWORK_PROXY = "http://127.0.0.1:9"


def env_path(name: str, default: Path | None = None) -> Path:
    value = os.environ.get(name)
    if value:
        return Path(value).resolve()
    if default is not None:
        return default
    raise RuntimeError(
        f"{name} is not set: run the packaging layer of scripts/test, which builds the "
        "artifacts and sets it (see tests/packaging/README.md)"
    )


def cargo_version() -> str:
    with (REPO / "Cargo.toml").open("rb") as f:
        version = tomllib.load(f)["package"]["version"]
    assert isinstance(version, str)
    return version


def describe(result: subprocess.CompletedProcess[bytes] | subprocess.CompletedProcess[str]) -> str:
    def text(data: bytes | str) -> str:
        return data.decode(errors="replace") if isinstance(data, bytes) else data

    return (
        f"command: {' '.join(map(str, result.args))}\n"
        f"exit status: {result.returncode}\n"
        f"--- stdout ---\n{text(result.stdout)[-4000:]}\n"
        f"--- stderr ---\n{text(result.stderr)[-4000:]}"
    )


def run(
    args: list[str | Path],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    check: bool = True,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        check=False,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"command failed\n{describe(result)}")
    return result


def failing_toolchain() -> Path:
    """A directory whose `cargo` fails loudly and records each call.

    It stands first on every minimal PATH: an install that would build from source (every
    Rust build backend runs cargo) fails there and leaves a record, whatever the machine
    has in /usr/bin (Debian's cargo-web, which scripts/dist installs, puts cargo there).
    Not rustc: pip itself runs `rustc --version` for its user-agent string.
    """
    directory = env_path("PACKAGING_WORK", REPO / ".cache" / "packaging") / "failing-toolchain"
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "cargo"
    script.write_text(
        "#!/bin/sh\n"
        'echo "cargo $*" >>"$(dirname "$0")/calls.log"\n'
        'echo "cargo was called, but installing the wheel must not build from source" >&2\n'
        "exit 1\n"
    )
    script.chmod(0o755)
    return directory


def failing_toolchain_calls() -> list[str]:
    """The calls the failing cargo recorded so far."""
    log = failing_toolchain() / "calls.log"
    return log.read_text().splitlines() if log.is_file() else []


def minimal_env(*path_dirs: Path | str, **extra: str) -> dict[str, str]:
    """An environment whose PATH is the failing cargo, the given directories, then the
    system's, and no more.

    Nothing else of the caller's environment leaks in but HOME, locale and temp settings,
    so a command finds only what those directories hold. Proxies point at a closed port.
    """
    return _environment([failing_toolchain(), *path_dirs], extra)


def _environment(path_dirs: list[Path | str], extra: dict[str, str]) -> dict[str, str]:
    env = {
        key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ
    }
    env["PATH"] = os.pathsep.join([*map(str, path_dirs), SYSTEM_PATH])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[proxy] = NO_NETWORK_PROXY
    env.update(extra)
    return env


def which(name: str, env: dict[str, str]) -> str | None:
    return shutil.which(name, path=env["PATH"])


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def binary(self) -> Path:
        return self.bin / BINARY


def fresh_venv(root: Path) -> Venv:
    """A new, empty venv at root (removed first if it exists), from the tests' interpreter."""
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    # venv from inside a venv bases the new one on the base interpreter.
    run([sys.executable, "-m", "venv", root], cwd=root.parent)
    return Venv(root)


def proto_files() -> tuple[list[str], list[str]]:
    """The corpus's .proto files: those protox compiles, and the editions files."""
    plain: list[str] = []
    editions: list[str] = []
    for path in sorted(PROTO_ROOT.rglob("*.proto")):
        name = path.relative_to(PROTO_ROOT).as_posix()
        is_editions = any(
            line.strip().startswith("edition") and "=" in line
            for line in path.read_text(encoding="utf-8").splitlines()
        )
        (editions if is_editions else plain).append(name)
    assert plain, f"no .proto files under {PROTO_ROOT}"
    return plain, editions


def protoc_generate(out: Path, parameter: str, env: dict[str, str]) -> None:
    """grpcio-tools' protoc with our plugin found on env's PATH (no --plugin), whole corpus."""
    plain, editions = proto_files()
    out.mkdir(parents=True)
    args: list[str | Path] = [
        TEST_VENV_PYTHON,
        "-m",
        "grpc_tools.protoc",
        "-I",
        PROTO_ROOT,
        f"--connect_python_out={out}",
    ]
    if parameter:
        args.append(f"--connect_python_opt={parameter}")
    run([*args, *plain, *editions], cwd=out.parent, env=env)


def standalone_generate(
    command: list[str | Path], out: Path, parameter: str, env: dict[str, str]
) -> None:
    """`COMMAND generate` on the corpus: protox for the plain files, the checked-in
    descriptor set for the editions files (as scripts/test's layer 4 does)."""
    plain, editions = proto_files()
    opts: list[str | Path] = ["--opt", parameter] if parameter else []
    run(
        [*command, "generate", "-I", PROTO_ROOT, "--out", out, *opts, *plain],
        cwd=out.parent,
        env=env,
    )
    if editions:
        run(
            [
                *command,
                "generate",
                "--descriptor-set",
                EDITIONS_DESCRIPTORS,
                "--out",
                out,
                *opts,
                *editions,
            ],
            cwd=out.parent,
            env=env,
        )


def tree_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def assert_same_tree(actual: Path, expected: Path, what: str) -> int:
    """The two trees hold the same files, byte for byte; returns how many files."""
    got = tree_files(actual)
    want = tree_files(expected)
    assert want, f"the reference tree {expected} is empty"
    assert sorted(got) == sorted(want), f"{what}: different files\n" + "\n".join(
        difflib.unified_diff(sorted(want), sorted(got), "expected", "actual", lineterm="")
    )
    for name, data in want.items():
        if got[name] != data:
            diff = difflib.unified_diff(
                data.decode(errors="replace").splitlines(),
                got[name].decode(errors="replace").splitlines(),
                f"expected/{name}",
                f"actual/{name}",
                lineterm="",
            )
            raise AssertionError(f"{what}: {name} differs\n" + "\n".join(list(diff)[:60]))
    return len(want)


def cargo_env(*path_dirs: Path, **extra: str) -> dict[str, str]:
    """minimal_env plus cargo's directory and the rustup settings, for source builds."""
    cargo = shutil.which("cargo")
    assert cargo, "cargo is not on PATH: the sdist and the hooks build from source with it"
    # The real cargo, first: these builds are meant to compile from source.
    env = _environment([Path(cargo).parent, *path_dirs], extra)
    for key in ("RUSTUP_HOME", "CARGO_HOME", "RUSTUP_TOOLCHAIN", "CARGO_BUILD_JOBS"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env
