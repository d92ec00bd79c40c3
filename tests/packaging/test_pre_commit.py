"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit (pinned in
requirements/packaging.txt) in a scratch git repository. The hook repository is a clone
of this repository at HEAD (what a user's `rev:` names; uncommitted changes are not in
it), which pre-commit pip-installs: maturin (from the wheelhouse, no index) and cargo
build the binary, cargo's target dir in the ignored cache the sdist build shares.

* connect-python-check fails on a stale file and names it, and passes once the tree is
  regenerated;
* connect-python-generate regenerates a stale file (pre-commit fails that run because the
  hook changed a file) and the next run passes, its output byte-identical to the
  repository build's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from packaging_support import (
    PROTO_ROOT,
    REPO,
    assert_same_tree,
    cargo_env,
    describe,
    run,
)

ELIZA = "eliza/v1/eliza.proto"
GENERATED = "gen/eliza/v1/eliza_connect.py"
ARGS = ["-I", "proto", "--out", "gen", "--opt", "protobuf=google", ELIZA]


@pytest.fixture(scope="module")
def hook_repo(work: Path) -> tuple[Path, str]:
    """A clone of this repository; the rev is HEAD's commit."""
    clone = work / "hook-repo"
    run(["git", "clone", "--quiet", "--no-checkout", REPO, clone], cwd=work)
    rev = run(["git", "rev-parse", "HEAD"], cwd=REPO).stdout.decode().strip()
    return clone, rev


@pytest.fixture(scope="module")
def project(
    work: Path,
    hook_repo: tuple[Path, str],
    tools: Path,
    wheelhouse: Path,
    sdist_target_dir: Path,
    plugin: Path,
) -> tuple[Path, dict[str, str]]:
    """A user's git repository with the eliza proto, its generated code (by the repository
    build) and a .pre-commit-config.yaml using both hooks; and pre-commit's environment."""
    root = work / "user-project"
    (root / "proto" / "eliza" / "v1").mkdir(parents=True)
    shutil.copy2(PROTO_ROOT / ELIZA, root / "proto" / ELIZA)
    run([plugin, "generate", *ARGS], cwd=root)
    clone, rev = hook_repo
    hooks = "".join(
        f"      - id: {hook}\n        args: [{', '.join(ARGS)}]\n"
        for hook in ("connect-python-generate", "connect-python-check")
    )
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {clone}\n    rev: {rev}\n    hooks:\n{hooks}", encoding="utf-8"
    )
    env = cargo_env(
        tools,
        PRE_COMMIT_HOME=str(work / "pre-commit-home"),
        CARGO_TARGET_DIR=str(sdist_target_dir),
        # pre-commit's pip: the build backend from the wheelhouse, no index.
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_NO_CACHE_DIR="1",
        PRE_COMMIT_COLOR="never",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(work / "gitconfig"),
    )
    run(["git", "init", "--quiet", root], cwd=work, env=env)
    run(["git", "add", "."], cwd=root, env=env)
    run([tools / "pre-commit", "install-hooks"], cwd=root, env=env, timeout=1800)
    return root, env


def pre_commit(project: tuple[Path, dict[str, str]], tools: Path, hook: str) -> tuple[int, str]:
    root, env = project
    result = run(
        [tools / "pre-commit", "run", "--all-files", "--show-diff-on-failure", hook],
        cwd=root,
        env=env,
        check=False,
        timeout=600,
    )
    # The whole output: the hook's own lines (the file names) come before the diff.
    output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    return result.returncode, f"{output}\n{describe(result)}"


def make_stale(root: Path) -> None:
    """A new RPC in the proto: the checked-in _connect.py no longer matches."""
    proto = root / "proto" / ELIZA
    text = proto.read_text(encoding="utf-8")
    marker = "service ElizaService {"
    assert marker in text
    proto.write_text(
        text.replace(marker, marker + "\n  rpc Ping(SayRequest) returns (SayResponse) {}"),
        encoding="utf-8",
    )


def expected_tree(root: Path, plugin: Path, out: Path) -> Path:
    run(
        [plugin, "generate", "-I", root / "proto", "--out", out, "--opt", "protobuf=google", ELIZA],
        cwd=root,
    )
    return out


def test_hooks_pass_on_an_up_to_date_tree(
    project: tuple[Path, dict[str, str]], tools: Path
) -> None:
    for hook in ("connect-python-check", "connect-python-generate"):
        status, output = pre_commit(project, tools, hook)
        assert status == 0, output
        assert "Passed" in output, output


def test_check_hook_fails_on_a_stale_file_and_names_it(
    project: tuple[Path, dict[str, str]], tools: Path, plugin: Path, work: Path
) -> None:
    root, _ = project
    make_stale(root)
    before = (root / GENERATED).read_bytes()
    status, output = pre_commit(project, tools, "connect-python-check")
    assert status == 1, output
    assert "Failed" in output, output
    assert "eliza/v1/eliza_connect.py" in output, output
    assert "ping" in output, output  # the short diff shows the missing method
    assert (root / GENERATED).read_bytes() == before, "the check hook wrote a file"

    # The generate hook regenerates it (pre-commit reports the hook changed files) ...
    status, output = pre_commit(project, tools, "connect-python-generate")
    assert status == 1, output
    assert "files were modified by this hook" in output, output
    assert_same_tree(
        root / "gen", expected_tree(root, plugin, work / "expected-gen"), "generate hook"
    )
    # ... and then both hooks pass.
    for hook in ("connect-python-generate", "connect-python-check"):
        status, output = pre_commit(project, tools, hook)
        assert status == 0, f"{hook}:\n{output}"


def test_check_hook_fails_on_a_hand_edited_file(
    project: tuple[Path, dict[str, str]], tools: Path
) -> None:
    root, _ = project
    generated = root / GENERATED
    original = generated.read_bytes()
    generated.write_bytes(original + b"# edited by hand\n")
    try:
        status, output = pre_commit(project, tools, "connect-python-check")
        assert status == 1, output
        assert "eliza/v1/eliza_connect.py" in output, output
    finally:
        generated.write_bytes(original)
    status, output = pre_commit(project, tools, "connect-python-check")
    assert status == 0, output
