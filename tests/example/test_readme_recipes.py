"""Every command block of README.md, run as written by the generic block runner.

``markdown_blocks.run_document`` runs the README's ``sh`` blocks in order in one bash
script from a fresh venv, writes its ``<!-- block: file PATH -->`` blocks, and refuses a
block that neither runs nor carries a marker saying why (see that module's docstring for
the marker syntax and the runner's contract). Each ``##`` section runs in its own
directory seeded with ``proto/`` (a copy of ``examples/eliza/proto``); the blocks of a
section build on each other, and the venv carries over from ``## Install`` to
``## Usage``.

What this test substitutes, and nothing else:

* the wheel: the package is not on PyPI yet, so ``PIP_FIND_LINKS`` and ``UV_FIND_LINKS``
  name ``CONNECT_PYTHON_WHEELHOUSE`` (the directory holding the built wheel, as for
  test_quickstart.py): the two variables the README's own wheel-building block exports.
  Every other package comes from PyPI, constrained to ``requirements/test.txt``
  (``PIP_CONSTRAINT``), through pip's cache under ``.cache/pip``;
* the tools on ``PATH``: ``protoc`` is a script that execs ``python -m grpc_tools.protoc``
  of the test venv (grpcio-tools pinned in requirements/test.txt; scripts/test's layer 4
  uses the same protoc, and this machine has no protoc binary); ``buf`` is
  ``node_modules/.bin/buf`` (package.json's pin); ``uv``, ``uvx`` and ``pre-commit`` come
  from ``.venv-packaging`` (requirements/packaging.txt).

No repository URL is substituted: the README's one remote repository (pre-commit's) stays
marked skip until it is published. After the run, the tests check what the README says
each command does, and show that each fix was needed: the form it replaced fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs pinned; only safe_load is used

import markdown_blocks
from example_support import wheelhouse
from markdown_blocks import Block, DocumentRun, Setup

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLE_README = ROOT / "examples" / "eliza" / "README.md"
PROTO = ROOT / "examples" / "eliza" / "proto"
BUF = ROOT / "node_modules" / ".bin" / "buf"
PACKAGING_BIN = ROOT / ".venv-packaging" / "bin"
VERSION: str = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))["package"][
    "version"
]
GENERATED = "gen/eliza/v1/eliza_connect.py"
BASH = shutil.which("bash") or "/bin/bash"


def tools() -> dict[str, Path | str]:
    found: dict[str, Path | str] = {
        "buf": BUF,
        **{name: PACKAGING_BIN / name for name in ("uv", "uvx", "pre-commit")},
    }
    missing = [str(path) for path in found.values() if isinstance(path, Path) and not path.exists()]
    if missing:
        pytest.fail(
            f"missing {missing}: scripts/test's layer 3 installs buf into node_modules/, "
            "layer 11 makes .venv-packaging (or: npm ci; python3 -m venv .venv-packaging && "
            ".venv-packaging/bin/pip install --no-deps -r requirements/packaging.txt)"
        )
    probe = subprocess.run(
        [sys.executable, "-c", "import grpc_tools.protoc"], capture_output=True, check=False
    )
    assert probe.returncode == 0, f"{sys.executable} has no grpcio-tools: {probe.stderr!r}"
    found["protoc"] = f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m grpc_tools.protoc "$@"\n'
    return found


def blocks() -> list[Block]:
    return markdown_blocks.parse(README.read_text(encoding="utf-8"), README.name)


def the_block(*needles: str, language: str = "sh") -> Block:
    """The one README block of that language whose content holds every needle."""
    found = [
        block
        for block in blocks()
        if block.language == language and all(needle in block.content for needle in needles)
    ]
    assert len(found) == 1, f"{len(found)} {language} blocks hold {needles}"
    return found[0]


def the_file_blocks(path: str) -> list[Block]:
    return [
        block
        for block in blocks()
        if block.marker is not None
        and block.marker.kind == "file"
        and block.marker.argument == path
    ]


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> DocumentRun:
    wheels = wheelhouse()
    setup = Setup(
        env={
            "PIP_FIND_LINKS": str(wheels),
            "UV_FIND_LINKS": str(wheels),
            "PIP_CONSTRAINT": str(ROOT / "requirements/test.txt"),
            "PIP_CACHE_DIR": str(ROOT / ".cache/pip"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        },
        tools=tools(),
        seed={"proto": PROTO},
        section_level=2,
        timeout=600,
    )
    return markdown_blocks.run_document(README, tmp_path_factory.mktemp("readme"), setup)


@pytest.fixture
def ran(readme_run: DocumentRun) -> DocumentRun:
    """The run, which must have passed (test_the_readme_runs_as_written reports it)."""
    if not readme_run.ok:
        pytest.fail(f"the README run failed in block {readme_run.last_block()}", pytrace=False)
    return readme_run


def run(
    command: str, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, "-c", "set -euo pipefail\n" + command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def without_protoc(run_env: dict[str, str], scratch: Path, bin_dir: Path) -> dict[str, str]:
    """The run's environment with PATH = node (for buf's launcher) and ``bin_dir`` only:
    no protoc anywhere on it."""
    node_dir = scratch / "node-only"
    node_dir.mkdir(exist_ok=True)
    node = shutil.which("node")
    assert node, "node is not on PATH (buf's npm launcher needs it)"
    if not (node_dir / "node").exists():
        (node_dir / "node").symlink_to(node)
    path = os.pathsep.join([str(node_dir), str(bin_dir)])
    assert shutil.which("protoc", path=path) is None
    return {**run_env, "PATH": path}


def project(tmp_path: Path) -> Path:
    """A fresh project like the runner's sections: proto/ from examples/eliza."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROTO, root / "proto")
    return root


# --- the markers ------------------------------------------------------------------------


def test_every_readme_block_runs_or_says_why_not() -> None:
    """An unmarked block that would not run fails here, before anything runs."""
    parsed = blocks()
    markdown_blocks.check_covered(parsed)
    acting = [s.title for s in markdown_blocks.sections(parsed, 2) if s.acts]
    assert acting == ["Install", "Usage"], acting
    for block in parsed:
        if block.marker is not None and block.marker.kind == "skip":
            assert len(block.marker.argument) >= 20, f"{block.label}: a reason, please"
    # The example's README (its sh blocks run in test_quickstart.py) and this suite's.
    for other in (EXAMPLE_README, Path(__file__).with_name("README.md")):
        markdown_blocks.check_covered(
            markdown_blocks.parse(other.read_text(encoding="utf-8"), str(other))
        )


def test_the_readme_runs_as_written(readme_run: DocumentRun) -> None:
    """Every section's commands exited 0 (``set -euo pipefail``), each block in turn."""
    ran = readme_run
    assert ran.ok, ran.report()
    started = re.findall(r"^==== block (\S+) \(", ran.stdout, flags=re.MULTILINE)
    expected = [
        block.label
        for block in blocks()
        if block.runs or (block.marker is not None and block.marker.kind == "file")
    ]
    assert started == expected, ran.report()


# --- Install ----------------------------------------------------------------------------


def test_install_puts_the_binary_in_the_venv_and_as_a_uv_tool(ran: DocumentRun) -> None:
    banner = f"protoc-gen-connect_python {VERSION}\n"
    pip_block = the_block(
        "pip install protoc-gen-connect-python-rs==", "python -m protoc_gen_connect_python_rs"
    )
    assert ran.output(pip_block).count(banner) == 2, ran.output(pip_block)
    assert (ran.scratch / "venv/bin/protoc-gen-connect_python").is_file()
    uv_block = the_block("uv tool install protoc-gen-connect-python-rs==")
    assert banner in ran.output(uv_block), ran.output(uv_block)
    tool = ran.scratch / "home/.local/bin/protoc-gen-connect_python"
    version = subprocess.run(
        [tool, "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    assert version.stdout == banner


def test_uv_reads_uv_find_links_and_the_build_block_exports_it(
    ran: DocumentRun, tmp_path: Path
) -> None:
    """Friction: the README exported only PIP_FIND_LINKS, and uv ignores it."""
    uv_install = "uv tool install protoc-gen-connect-python-rs==" + VERSION
    env = {**ran.env, "HOME": str(tmp_path / "home")}
    del env["UV_FIND_LINKS"]
    pip_only = run(uv_install, tmp_path, env)
    assert pip_only.returncode != 0, describe(pip_only)
    assert "not found in the package registry" in pip_only.stderr, describe(pip_only)

    # The wheel-building block (skipped: it compiles the crate) exports both variables.
    build = the_block("maturin build --release --out dist", "export ")
    exports = "".join(
        line + "\n" for line in build.content.splitlines() if line.startswith("export ")
    )
    shown = run(exports + 'echo "$PIP_FIND_LINKS|$UV_FIND_LINKS"', tmp_path, {"PATH": os.defpath})
    assert shown.stdout == f"{tmp_path}/dist|{tmp_path}/dist\n", describe(shown)
    assert the_block(uv_install).marker is None  # and the uv block runs above


# --- Usage: protoc, buf, generate -------------------------------------------------------


def test_protoc_writes_what_the_readme_says(ran: DocumentRun) -> None:
    written = ran.directory("Usage") / "gen/eliza/v1"
    names = {path.name for path in written.iterdir()}
    assert {"eliza_connect.py", "eliza_pb2.py", "eliza_pb2.pyi", "eliza_pb.py"} <= names, names
    # The block for pip users ran grpcio-tools' protoc from the venv, not the substitute.
    probe = subprocess.run(
        [ran.scratch / "venv/bin/python", "-c", "import grpc_tools.protoc"], check=False
    )
    assert probe.returncode == 0
    assert the_block("pip install grpcio-tools", "python -m grpc_tools.protoc").marker is None


def test_protoc_needs_the_mkdir(ran: DocumentRun, tmp_path: Path) -> None:
    """Friction: the protoc commands failed unless gen/ existed."""
    block = the_block("mkdir -p gen", "protoc -I proto")
    first, rest = block.content.split("\n", 1)
    assert first == "mkdir -p gen", block.content
    root = project(tmp_path)
    result = run(rest, root, ran.env)
    assert result.returncode != 0, describe(result)
    assert "gen/: No such file or directory" in result.stderr, describe(result)


def test_buf_writes_under_gen_not_gen_proto(ran: DocumentRun, tmp_path: Path) -> None:
    """Friction: without buf.yaml, buf writes gen/proto/eliza/v1/... silently."""
    usage = ran.directory("Usage")
    assert (usage / "gen/eliza/v1/eliza_pb.py").is_file()  # protoc-gen-py, through buf
    assert not (usage / "gen/proto").exists()
    assert the_file_blocks("buf.yaml"), "the README shows no buf.yaml"

    root = project(tmp_path)
    (root / "buf.gen.yaml").write_text(the_file_blocks("buf.gen.yaml")[0].content)
    result = run("buf generate", root, ran.env)
    assert result.returncode == 0, describe(result)
    assert (root / "gen/proto/eliza/v1/eliza_connect.py").is_file()
    assert not (root / "gen/eliza").exists()


def test_buf_google_flavor_needs_protoc_on_path(ran: DocumentRun, tmp_path: Path) -> None:
    """The text's claim: buf's protoc_builtin plugins run a protoc from PATH; the
    grpcio-tools variant (protoc_path) needs none."""
    google, grpcio = the_file_blocks("buf.gen.yaml")[1:]
    assert "protoc_builtin: python" in google.content
    assert "protoc_path" not in google.content
    assert "protoc_path: [python, -m, grpc_tools.protoc]" in grpcio.content
    env = without_protoc(ran.env, tmp_path, ran.scratch / "venv/bin")

    root = project(tmp_path)
    (root / "buf.yaml").write_text(the_file_blocks("buf.yaml")[0].content)
    (root / "buf.gen.yaml").write_text(google.content)
    result = run(f"{BUF} generate", root, env)
    assert result.returncode != 0, describe(result)
    assert 'exec: "protoc": executable file not found in $PATH' in result.stderr, describe(result)
    assert 'exec: "protoc": executable file not found in $PATH' in README.read_text()

    (root / "buf.gen.yaml").write_text(grpcio.content)
    result = run(f"{BUF} generate", root, env)
    assert result.returncode == 0, describe(result)
    names = {path.name for path in (root / "gen/eliza/v1").iterdir()}
    assert names == {"eliza_pb2.py", "eliza_pb2.pyi", "eliza_connect.py"}, names
    assert "from .eliza_pb2 import" in (root / GENERATED).read_text()


# --- Usage: drift check, GitHub Actions, pre-commit -------------------------------------


def test_the_drift_check_recipes_say_up_to_date(ran: DocumentRun) -> None:
    up_to_date = f"up to date (protoc-gen-connect_python {VERSION})\n"
    protoc_recipe = the_block("generate --check -I proto")
    assert "$(find proto -name '*.proto')" in protoc_recipe.content
    assert up_to_date in ran.output(protoc_recipe), ran.output(protoc_recipe)
    buf_recipe = the_block("buf build -o set.binpb")
    assert up_to_date in ran.output(buf_recipe), ran.output(buf_recipe)


def test_the_old_drift_check_recipe_was_refused(ran: DocumentRun) -> None:
    """Friction: `$(cd proto && find . -name '*.proto')` names ./eliza/v1/eliza.proto."""
    old = (
        "protoc-gen-connect_python generate --check -I proto --out gen --opt protobuf=google "
        "$(cd proto && find . -name '*.proto')"
    )
    result = run(old, ran.directory("Usage"), ran.env)
    assert result.returncode == 2, describe(result)
    assert "is not in any include path" in result.stderr, describe(result)
    assert "cd proto && find" not in "".join(block.content for block in blocks())


def test_the_github_actions_job_runs_its_steps(ran: DocumentRun) -> None:
    """The workflow cannot run here; its run: steps can, in the Usage project."""
    block = the_block("runs-on: ubuntu-latest", language="yaml")
    workflow: dict[str, Any] = yaml.safe_load(block.content)
    steps = workflow["jobs"]["generated-code"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python"], uses
    commands = [step["run"] for step in steps if "run" in step]
    assert len(commands) == 2, commands
    result = run("\n".join(commands), ran.directory("Usage"), ran.env)
    assert result.returncode == 0, describe(result)
    assert f"up to date (protoc-gen-connect_python {VERSION})" in result.stdout, describe(result)


def test_the_local_pre_commit_hook_passes_then_catches_a_hand_edit(ran: DocumentRun) -> None:
    usage = ran.directory("Usage")
    block = the_block("pre-commit run --all-files")
    assert re.search(r"generated Connect Python code is up to date\.+Passed", ran.output(block))
    assert (usage / ".git/hooks/pre-commit").is_file()  # pre-commit install
    config = (usage / ".pre-commit-config.yaml").read_text()
    assert "repo: local" in config
    assert "language: system" in config

    generated = usage / GENERATED
    original = generated.read_bytes()
    generated.write_bytes(original + b"# a hand edit\n")
    try:
        env = {
            **ran.env,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        }
        result = run(f"git add {GENERATED} && git commit -q -m edit", usage, env)
        assert result.returncode == 1, describe(result)
        output = result.stdout + result.stderr
        assert "Failed" in output, describe(result)
        # The line the README's sample output shows, verbatim.
        sample = the_block("out of date:", language="text")
        stale = next(line for line in sample.content.splitlines() if "stale:" in line)
        assert stale in output.splitlines(), describe(result)
        assert re.search(r"^out of date: 1 stale, 0 missing, 0 orphaned \(", output, re.M)
        assert re.match(
            r"out of date: \d+ stale, \d+ missing, \d+ orphaned \(", sample.content.splitlines()[1]
        )
        no_commit = run("git rev-parse --verify -q HEAD", usage, env)
        assert no_commit.returncode != 0, "the commit went through"
    finally:
        generated.write_bytes(original)


def test_the_remote_pre_commit_form_waits_for_publication() -> None:
    block = the_block("repo: https://github.com/", language="yaml")
    assert block.marker is not None
    assert block.marker.kind == "skip"
    assert "after publication" in block.marker.argument
