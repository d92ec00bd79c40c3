"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit (pinned in
requirements/packaging.txt) in a scratch git repository. The hook repository is a clone
of this repository at HEAD (what a user's `rev:` names; uncommitted changes are not in
it), which pre-commit pip-installs: maturin (from the wheelhouse, no index) and cargo
build the binary, cargo's target dir in the ignored cache the sdist build shares.

* connect-python-check fails on a stale file and names it, and passes once the tree is
  regenerated;
* connect-python-generate regenerates a stale file (pre-commit fails that run because the
  hook changed a file) and the next run passes, its output byte-identical to the
  repository build's;
* beside a repository's own ruff hooks (the connectrpc runtime repository's settings):
  without a way out ruff rewrites the generated file and the check fails, again after
  every regeneration; with `extend-exclude = ["*_connect.py"]` + `force-exclude`, and
  with `exempt_header`, two runs in a row pass and change nothing."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
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


def pre_commit_env(
    work: Path, tools: Path, wheelhouse: Path, sdist_target_dir: Path
) -> dict[str, str]:
    """pre-commit's environment: one PRE_COMMIT_HOME for every scratch repository (the
    hook repository is installed once), its pip offline."""
    return cargo_env(
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
    env = pre_commit_env(work, tools, wheelhouse, sdist_target_dir)
    run(["git", "init", "--quiet", root], cwd=work, env=env)
    run(["git", "add", "."], cwd=root, env=env)
    run([tools / "pre-commit", "install-hooks"], cwd=root, env=env, timeout=1800)
    return root, env


def pre_commit(
    project: tuple[Path, dict[str, str]], tools: Path, hook: str | None = None
) -> tuple[int, str]:
    """`pre-commit run --all-files` of one hook, or of all of them."""
    root, env = project
    result = run(
        [
            tools / "pre-commit",
            "run",
            "--all-files",
            "--show-diff-on-failure",
            *([hook] if hook else []),
        ],
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


# --- A repository's own ruff hooks beside connect-python-check ---------------------------
#
# The pinned ruff of the test venv (requirements/test.txt) as local `language: system`
# hooks: the ruff-pre-commit repository cannot be cloned here, and pre-commit's pip has
# no index. Plain `ruff check --fix` and `ruff format` entries, in the order
# ruff-pre-commit's README gives, as a user writes them for a local hook (the
# ruff-pre-commit hooks add `--force-exclude` themselves; these do not, so the
# configuration's `force-exclude = true` is what excludes the named files).

RUFF = Path(sys.executable).parent / "ruff"
CHECK_HOOK_NAME = "check generated Connect Python code is up to date (protoc-gen-connect_python)"
MODIFIED = "files were modified by this hook"

# The ruff settings of the connectrpc runtime's own repository (connectrpc/connect-python's
# pyproject.toml), which excludes protoc's modules but not ours; `connectrpc` is
# first-party there because it lives under src/.
RUNTIME_RUFF_SETTINGS = """\
[tool.ruff]
extend-exclude = [{exclude}]
{force_exclude}
[tool.ruff.format]
skip-magic-trailing-comma = true
docstring-code-format = true

[tool.ruff.lint]
extend-select = [
  "YTT", "ANN", "ASYNC", "S", "FBT", "B", "A", "COM818", "C4", "DTZ", "T10", "EM", "EXE",
  "FA", "ISC", "ICN", "LOG", "G", "INP", "PIE", "T20", "PYI", "PT", "Q004", "RSE", "RET",
  "SLF", "SIM", "SLOT", "TID", "TC", "ARG", "PTH", "FLY", "I", "N", "PERF", "E", "W", "F",
  "PGH", "PLC", "PLE", "PLW", "UP", "FURB", "RUF",
]
ignore = [
  "AIR", "ERA", "FAST", "BLE", "A005", "CPY", "DJ", "FIX", "INT", "PT012", "ARG002", "C90",
  "NPY", "PD", "N818", "E111", "E114", "E117", "E501", "W191", "PLR",
]
typing-extensions = false

[tool.ruff.lint.isort]
required-imports = ["from __future__ import annotations"]
split-on-trailing-comma = false
known-first-party = ["connectrpc"]
"""


def pinned_ruff() -> str:
    """The ruff version requirements/test.txt pins."""
    text = (REPO / "requirements" / "test.txt").read_text(encoding="utf-8")
    match = re.search(r"^ruff==(\S+)", text, flags=re.MULTILINE)
    assert match, "requirements/test.txt pins no ruff"
    return match.group(1)


def linters_project(
    name: str,
    *,
    options: list[str],
    exclude: bool,
    work: Path,
    hook_repo: tuple[Path, str],
    env: dict[str, str],
    plugin: Path,
    tools: Path,
) -> tuple[Path, list[str]]:
    """A user's git repository: the eliza proto, its code generated with ``options``
    into a package (``gen/__init__.py`` and below, as the runtime's test suite has it),
    the runtime repository's ruff settings in pyproject.toml (``exclude``: plus the
    documented exclude) and a .pre-commit-config.yaml running ruff, then
    connect-python-check with the same options. Returns the root and the hook's args."""
    version = run([RUFF, "--version"], cwd=work).stdout.decode().split()
    assert version == ["ruff", pinned_ruff()], version
    root = work / name
    (root / "proto" / "eliza" / "v1").mkdir(parents=True)
    shutil.copy2(PROTO_ROOT / ELIZA, root / "proto" / ELIZA)
    args = [*ARGS[:-1], *(a for option in options for a in ("--opt", option)), ARGS[-1]]
    run([plugin, "generate", *args], cwd=root)
    for package in ("gen", "gen/eliza", "gen/eliza/v1"):
        (root / package / "__init__.py").touch()
    excluded = ['"*_pb2.py"', '"*_pb2.pyi"', *(['"*_connect.py"'] if exclude else [])]
    (root / "pyproject.toml").write_text(
        RUNTIME_RUFF_SETTINGS.format(
            exclude=", ".join(excluded),
            force_exclude="force-exclude = true\n" if exclude else "",
        ),
        encoding="utf-8",
    )
    ruff = shlex.quote(str(RUFF))
    clone, rev = hook_repo
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        f"      - {{id: ruff-check, name: ruff check, entry: {ruff} check --fix,\n"
        "          language: system, types_or: [python, pyi]}\n"
        f"      - {{id: ruff-format, name: ruff format, entry: {ruff} format,\n"
        "          language: system, types_or: [python, pyi]}\n"
        f"  - repo: {clone}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: connect-python-check\n"
        f"        args: [{', '.join(args)}]\n",
        encoding="utf-8",
    )
    run(["git", "init", "--quiet", root], cwd=work, env=env)
    run(["git", "add", "."], cwd=root, env=env)
    run([tools / "pre-commit", "install-hooks"], cwd=root, env=env, timeout=1800)
    return root, args


def hook_results(output: str) -> dict[str, tuple[str, str]]:
    """Each hook's status line (`name....Passed`) and the lines that follow it."""
    pattern = re.compile(
        r"^(?P<name>\S.*?)\.{3,}(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$",
        flags=re.MULTILINE,
    )
    matches = list(pattern.finditer(output))
    results = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(output)
        results[match["name"]] = (match["status"], output[match.end() : end])
    return results


def tracked_state(root: Path, env: dict[str, str]) -> tuple[str, dict[str, bytes]]:
    """`git status` and the bytes of every file git knows (ruff's cache is ignored)."""
    status = run(["git", "status", "--porcelain"], cwd=root, env=env).stdout.decode()
    listed = run(["git", "ls-files", "-z"], cwd=root, env=env).stdout.decode()
    return status, {name: (root / name).read_bytes() for name in listed.split("\0") if name}


@pytest.fixture(scope="module")
def linters_env(
    work: Path, tools: Path, wheelhouse: Path, sdist_target_dir: Path
) -> dict[str, str]:
    return pre_commit_env(work, tools, wheelhouse, sdist_target_dir)


def test_own_ruff_settings_rewrite_the_output_and_the_check_fails_after_every_regeneration(
    work: Path,
    hook_repo: tuple[Path, str],
    linters_env: dict[str, str],
    plugin: Path,
    tools: Path,
) -> None:
    """No way out: ruff rewrites the generated module, so the check calls it stale; doing
    what the check says (regenerate) brings back the generator's bytes, which the next
    run rewrites again, into the same bytes: a loop."""
    root, args = linters_project(
        "linters-loop",
        options=[],
        exclude=False,
        work=work,
        hook_repo=hook_repo,
        env=linters_env,
        plugin=plugin,
        tools=tools,
    )
    generated = (root / GENERATED).read_bytes()
    rewritten = None
    for attempt in (1, 2):
        status, output = pre_commit((root, linters_env), tools)
        assert status == 1, output
        results = hook_results(output)
        assert set(results) == {"ruff check", "ruff format", CHECK_HOOK_NAME}, output
        for hook in ("ruff check", "ruff format"):
            assert results[hook][0] == "Failed", f"{hook} (run {attempt}):\n{output}"
            assert MODIFIED in results[hook][1], f"{hook} (run {attempt}):\n{output}"
        assert results[CHECK_HOOK_NAME][0] == "Failed", output
        assert f"stale:    {GENERATED}" in results[CHECK_HOOK_NAME][1], output
        after = (root / GENERATED).read_bytes()
        assert after != generated, f"run {attempt}: ruff left the file alone"
        assert rewritten in (None, after), f"run {attempt}: ruff rewrote it differently"
        rewritten = after
        # What the check asks for: regenerate (the generate hook would do the same).
        run([plugin, "generate", *args], cwd=root)
        assert (root / GENERATED).read_bytes() == generated


@pytest.mark.parametrize(
    ("options", "exclude"),
    [([], True), (["exempt_header"], False)],
    ids=["extend-exclude", "exempt_header"],
)
def test_a_way_out_keeps_own_ruff_hooks_and_the_check_green(
    options: list[str],
    exclude: bool,
    work: Path,
    hook_repo: tuple[Path, str],
    linters_env: dict[str, str],
    plugin: Path,
    tools: Path,
) -> None:
    """With `extend-exclude = ["*_connect.py"]` and `force-exclude = true` in the ruff
    settings, or with the `exempt_header` option (same settings, no exclude), every hook
    passes twice in a row and nothing in the repository changes."""
    root, _ = linters_project(
        f"linters-{'exclude' if exclude else 'exempt-header'}",
        options=options,
        exclude=exclude,
        work=work,
        hook_repo=hook_repo,
        env=linters_env,
        plugin=plugin,
        tools=tools,
    )
    # The comments after the three every module opens with (Generated by, Source,
    # Parameters), up to the blank line.
    lines = (root / GENERATED).read_text(encoding="utf-8").splitlines()
    added = lines[3 : lines.index("")]
    if options:
        assert {"# ruff: noqa", "# fmt: off"} <= set(added), lines[:8]
    else:
        assert added == [], lines[:8]
    before = tracked_state(root, linters_env)
    for attempt in (1, 2):
        status, output = pre_commit((root, linters_env), tools)
        assert status == 0, f"run {attempt}:\n{output}"
        results = hook_results(output)
        assert {name: result[0] for name, result in results.items()} == {
            "ruff check": "Passed",
            "ruff format": "Passed",
            CHECK_HOOK_NAME: "Passed",
        }, output
        assert tracked_state(root, linters_env) == before, f"run {attempt} changed files"
