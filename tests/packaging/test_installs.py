"""The installed wheel, from its fresh venv alone: protoc finds the plugin on PATH, buf runs
it as a `local:` plugin, `python -m` runs it (and passes its exit status on), uv tool
install and uvx run it, and pip's --target and --user layouts work with the shim. Every
output is byte-identical to the repository build's (target/release)."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from packaging_support import (
    BINARY,
    BUF,
    DISTRIBUTION,
    FLAVOR_PARAMETERS,
    MODULE,
    REPO,
    TEST_VENV_PYTHON,
    Venv,
    assert_same_tree,
    cargo_version,
    failing_toolchain,
    minimal_env,
    protoc_generate,
    run,
    standalone_generate,
    which,
)

FLAVORS = sorted(FLAVOR_PARAMETERS)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_protoc_finds_the_installed_plugin_on_path(
    wheel_venv: Venv, reference: dict[str, Path], outside: Path, flavor: str
) -> None:
    env = minimal_env(wheel_venv.bin)
    assert which(BINARY, env) == str(wheel_venv.binary)
    assert which("cargo", env) == str(failing_toolchain() / "cargo")
    protoc_generate(outside / "out", FLAVOR_PARAMETERS[flavor], env)
    count = assert_same_tree(outside / "out", reference[flavor], f"protoc ({flavor})")
    assert count >= 10, count


@pytest.mark.parametrize("flavor", FLAVORS)
def test_buf_runs_the_installed_plugin_as_a_local_plugin(
    wheel_venv: Venv, reference: dict[str, Path], outside: Path, flavor: str
) -> None:
    assert BUF.exists(), f"{BUF} not found: scripts/test's layer 3 installs buf"
    env = minimal_env(wheel_venv.bin, BUF_CACHE_DIR=str(outside / "buf-cache"))
    assert which(BINARY, env) == str(wheel_venv.binary)
    assert which("node", env), "buf's launcher needs node on the system PATH"
    template = outside / "buf.gen.yaml"
    opt = f"    opt: {FLAVOR_PARAMETERS[flavor]}\n" if FLAVOR_PARAMETERS[flavor] else ""
    template.write_text(
        f"version: v2\nplugins:\n  - local: {BINARY}\n    out: gen\n{opt}", encoding="utf-8"
    )
    # buf reads the repository's buf.yaml (the testdata/proto module) from its cwd.
    result = run(
        [BUF, "generate", "--template", template, "--output", outside / "buf"], cwd=REPO, env=env
    )
    assert result.stderr.decode().strip() == ""
    assert_same_tree(outside / "buf" / "gen", reference[flavor], f"buf generate ({flavor})")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_python_m_runs_the_installed_binary(
    wheel_venv: Venv, reference: dict[str, Path], outside: Path, flavor: str
) -> None:
    env = minimal_env(wheel_venv.bin)
    out = outside / "out"
    standalone_generate([wheel_venv.python, "-m", MODULE], out, FLAVOR_PARAMETERS[flavor], env)
    assert_same_tree(out, reference[flavor], f"python -m {MODULE} generate ({flavor})")


def test_python_m_in_plugin_mode_passes_stdin_and_stdout(
    wheel_venv: Venv, reference: dict[str, Path], outside: Path
) -> None:
    """protoc runs `python -m ...` as its plugin: the request on stdin, the response on
    stdout go through the shim unchanged."""
    launcher = outside / "launcher" / BINARY
    launcher.parent.mkdir()
    launcher.write_text(f'#!/bin/sh\nexec "{wheel_venv.python}" -m {MODULE} "$@"\n')
    launcher.chmod(0o755)
    # Only the launcher on PATH, not the venv's bin/: protoc must go through the shim.
    env = minimal_env(launcher.parent)
    assert which(BINARY, env) == str(launcher)
    protoc_generate(outside / "out", "", env)
    assert_same_tree(outside / "out", reference["py"], "python -m in plugin mode")


def test_python_m_passes_exit_status_and_output_on(wheel_venv: Venv, outside: Path) -> None:
    env = minimal_env(wheel_venv.bin)
    version = run([wheel_venv.python, "-m", MODULE, "--version"], cwd=outside, env=env)
    assert version.stdout.decode() == f"{BINARY} {cargo_version()}\n"
    for args in (["generate"], ["generate", "--out", "x", "--opt", "nope=1", "missing.proto"]):
        direct = run([wheel_venv.binary, *args], cwd=outside, env=env, check=False)
        shim = run([wheel_venv.python, "-m", MODULE, *args], cwd=outside, env=env, check=False)
        assert direct.returncode != 0, args
        assert (shim.returncode, shim.stdout, shim.stderr) == (
            direct.returncode,
            direct.stdout,
            direct.stderr,
        ), args


def test_shim_without_the_binary_says_where_it_looked(wheel: Path, outside: Path) -> None:
    """The module alone (no binary anywhere it looks): a clear error, exit status 1."""
    packages = outside / "packages"
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.startswith(f"{MODULE}/"):
                z.extract(name, packages)
    user_base = outside / "user-base"
    env = minimal_env(PYTHONPATH=str(packages), PYTHONUSERBASE=str(user_base))
    # The tests' venv has no such binary, so every place the shim looks is empty.
    assert not (TEST_VENV_PYTHON.parent / BINARY).exists()
    result = run([TEST_VENV_PYTHON, "-m", MODULE, "--version"], cwd=outside, env=env, check=False)
    assert result.returncode == 1
    assert result.stdout == b""
    message = result.stderr.decode()
    assert f"{BINARY} is not installed" in message, message
    searched = [line.strip() for line in message.splitlines() if line.startswith("  ")]
    assert searched == [str(TEST_VENV_PYTHON.parent), str(user_base / "bin"), str(packages / "bin")]
    assert f"pip install --force-reinstall {DISTRIBUTION}" in message


def test_pip_install_target_layout(wheel: Path, wheel_venv: Venv, outside: Path) -> None:
    """`pip install --target DIR`: the binary lands in DIR/bin, where the shim looks."""
    target = outside / "target"
    env = minimal_env(wheel_venv.bin)
    run(
        [
            wheel_venv.python,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-deps",
            "--target",
            target,
            wheel,
        ],
        cwd=outside,
        env=env,
    )
    assert (target / "bin" / BINARY).is_file()
    env = minimal_env(PYTHONPATH=str(target), PYTHONUSERBASE=str(outside / "empty"))
    result = run([TEST_VENV_PYTHON, "-m", MODULE, "--version"], cwd=outside, env=env)
    assert result.stdout.decode() == f"{BINARY} {cargo_version()}\n"


def test_pip_install_user_scheme(wheel: Path, base_python: Path, outside: Path) -> None:
    """`pip install --user` outside any venv (PYTHONUSERBASE in a scratch directory): the
    shim finds the binary in the user scheme's scripts directory."""
    user_base = outside / "user-base"
    env = minimal_env(PYTHONUSERBASE=str(user_base))
    run(
        [base_python, "-m", "pip", "install", "--user", "--no-index", "--no-deps", wheel],
        cwd=outside,
        env=env,
    )
    assert (user_base / "bin" / BINARY).is_file()
    result = run([base_python, "-m", MODULE, "--version"], cwd=outside, env=env)
    assert result.stdout.decode() == f"{BINARY} {cargo_version()}\n"


def uv_env(work_dir: Path, tools: Path, base_python: Path) -> dict[str, str]:
    """uv with every directory in scratch space, no index, no config, no Python download."""
    return minimal_env(
        UV_TOOL_DIR=str(work_dir / "uv-tools"),
        UV_TOOL_BIN_DIR=str(work_dir / "uv-bin"),
        UV_CACHE_DIR=str(work_dir / "uv-cache"),
        UV_PYTHON_INSTALL_DIR=str(work_dir / "uv-python"),
        UV_PYTHON=str(base_python),
        UV_PYTHON_DOWNLOADS="never",
        UV_OFFLINE="1",
        UV_NO_CONFIG="1",
        UV_NO_PROGRESS="1",
        XDG_DATA_HOME=str(work_dir / "xdg-data"),
        XDG_CACHE_HOME=str(work_dir / "xdg-cache"),
    )


def test_uv_tool_install(
    wheel: Path, tools: Path, base_python: Path, reference: dict[str, Path], outside: Path
) -> None:
    env = uv_env(outside, tools, base_python)
    run([tools / "uv", "tool", "install", wheel], cwd=outside, env=env)
    installed = outside / "uv-bin" / BINARY
    assert installed.is_file(), sorted(os.listdir(outside / "uv-bin"))
    listing = run([tools / "uv", "tool", "list"], cwd=outside, env=env).stdout.decode()
    assert f"{DISTRIBUTION} v{cargo_version()}" in listing, listing
    assert f"- {BINARY}" in listing, listing
    # On PATH for protoc, and as a command of its own.
    path_env = minimal_env(outside / "uv-bin")
    assert which(BINARY, path_env) == str(installed)
    protoc_generate(outside / "protoc", "protobuf=google", path_env)
    assert_same_tree(outside / "protoc", reference["google"], "uv tool install, protoc")
    standalone_generate([installed], outside / "standalone", "", path_env)
    assert_same_tree(outside / "standalone", reference["py"], "uv tool install, generate")
    run([tools / "uv", "tool", "uninstall", DISTRIBUTION], cwd=outside, env=env)
    assert not installed.exists()


def test_uvx_from_the_wheel(
    wheel: Path, tools: Path, base_python: Path, reference: dict[str, Path], outside: Path
) -> None:
    env = uv_env(outside, tools, base_python)
    uvx: list[str | Path] = [tools / "uvx", "--from", wheel, BINARY]
    version = run([*uvx, "--version"], cwd=outside, env=env)
    assert version.stdout.decode() == f"{BINARY} {cargo_version()}\n"
    for flavor in FLAVORS:
        out = outside / flavor
        standalone_generate(uvx, out, FLAVOR_PARAMETERS[flavor], env)
        assert_same_tree(out, reference[flavor], f"uvx --from <wheel> ({flavor})")


def test_the_fresh_venv_needs_nothing_of_the_repository(wheel_venv: Venv) -> None:
    """The installed files are the wheel's: nothing points back into the repository."""
    assert not wheel_venv.binary.is_symlink()
    assert REPO / "target" not in wheel_venv.binary.resolve().parents
    record = next(wheel_venv.root.glob(f"lib/python*/site-packages/{MODULE}-*.dist-info/RECORD"))
    assert str(REPO) not in record.read_text(encoding="utf-8")
    assert shutil.which(BINARY, path=str(wheel_venv.bin)) == str(wheel_venv.binary)
