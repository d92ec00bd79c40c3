"""buf and protoc give our plugin the same request, so they get byte-identical files.

``buf generate`` (``@bufbuild/buf``, pinned in package.json; ``npm ci`` installs it into
node_modules/) runs on the repository's own buf.yaml module (all of testdata/proto,
editions 2023/2024 files included) with:

* the repository's buf.gen.yaml as it is (protoc-gen-py and our plugin, default
  ``protobuf=py`` flavor, buf's default per-directory strategy);
* a temporary buf.gen.yaml with only our plugin and ``opt: protobuf=google``, as the
  comment in buf.gen.yaml says (protoc's own python/pyi plugins would need a protoc
  binary, which is not installed), and one with a list ``opt`` and ``strategy: all``;
* the example command from buf.gen.yaml's comment, ``buf generate --path
  testdata/proto/eliza``, which must generate the eliza example and nothing else.

Every ``_connect.py`` buf writes must be byte-identical to what protoc (grpcio-tools)
and our plugin write for the same files and parameter, and both must write the same set
of files. Everything is written to temporary directories (``--output``), never into the
repository; buf's cache goes to a temporary directory under the ignored .cache/.

buf must not need the network: the ``local:`` plugins and a module without deps need no
registry. The environment of every buf run points HTTP(S) proxies at a closed local
port, so any attempt to reach buf.build (or anything else) fails the test.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUF = REPO / "node_modules" / ".bin" / "buf"
BUF_VERSION = "1.75.0"
PLUGIN = Path(
    os.environ.get(
        "CONNECT_PYTHON_PLUGIN",
        REPO / "target" / "release" / "protoc-gen-connect_python",
    )
)
# The venv running the tests: protoc-gen-py and grpcio-tools' protoc.
VENV_BIN = Path(sys.executable).parent
PROTO_ROOT = "testdata/proto"
CONNECT_SUFFIX = "_connect.py"
# Any network access through Go's default transport goes to this closed port.
NO_NETWORK_PROXY = "http://127.0.0.1:9"


def run(
    args: list[str | Path], *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"command: {' '.join(map(str, result.args))}\n"
        f"exit status: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


@pytest.fixture(scope="session")
def buf_env() -> Iterator[dict[str, str]]:
    """The environment for buf: our plugin and the venv first on PATH, a fresh cache
    under .cache/, and no way to reach the network."""
    if not BUF.exists():
        pytest.fail(
            f"{BUF} not found: run `npm ci` in the repository root", pytrace=False
        )
    # buf.gen.yaml names the plugin; buf finds it on PATH by that name.
    assert PLUGIN.name == "protoc-gen-connect_python", PLUGIN
    if not PLUGIN.is_file():
        pytest.fail(
            f"plugin binary not found: {PLUGIN}; run `cargo build --release` or set "
            "CONNECT_PYTHON_PLUGIN",
            pytrace=False,
        )
    if not (VENV_BIN / "protoc-gen-py").is_file():
        pytest.fail(f"protoc-gen-py not found in {VENV_BIN}", pytrace=False)
    cache_root = REPO / ".cache"
    cache_root.mkdir(exist_ok=True)
    cache = Path(tempfile.mkdtemp(prefix="buf-test-", dir=cache_root))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BUF_") and key.lower() not in {"no_proxy"}
    }
    env.update(
        PATH=os.pathsep.join([str(PLUGIN.parent), str(VENV_BIN), env.get("PATH", "")]),
        BUF_CACHE_DIR=str(cache),
        HTTPS_PROXY=NO_NETWORK_PROXY,
        HTTP_PROXY=NO_NETWORK_PROXY,
        ALL_PROXY=NO_NETWORK_PROXY,
        https_proxy=NO_NETWORK_PROXY,
        http_proxy=NO_NETWORK_PROXY,
        all_proxy=NO_NETWORK_PROXY,
    )
    try:
        yield env
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def buf_generate(env: dict[str, str], out: Path, *args: str | Path) -> Path:
    """``buf generate ARGS --output OUT`` in the repository root; returns OUT."""
    result = run([BUF, "generate", *args, "--output", out], env=env)
    assert result.returncode == 0, describe(result)
    # Warnings would show here (e.g. an unknown key); there must be none.
    assert result.stderr.strip() == "", describe(result)
    return out


def all_protos() -> list[str]:
    root = REPO / PROTO_ROOT
    protos = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.proto"))
    assert protos, f"no .proto files under {root}"
    return protos


def protoc_generate(out: Path, parameter: str, protos: list[str]) -> Path:
    """Our plugin through grpcio-tools' protoc, as scripts/test runs it."""
    out.mkdir(parents=True)
    args: list[str | Path] = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        "-I",
        PROTO_ROOT,
        f"--plugin=protoc-gen-connect_python={PLUGIN}",
        f"--connect_python_out={out}",
    ]
    if parameter:
        args.append(f"--connect_python_opt={parameter}")
    result = run([*args, *protos])
    assert result.returncode == 0, describe(result)
    return out


def connect_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob(f"*{CONNECT_SUFFIX}"))
    }


def assert_identical(buf_root: Path, protoc_root: Path) -> dict[str, bytes]:
    by_buf, by_protoc = connect_files(buf_root), connect_files(protoc_root)
    assert by_protoc, f"protoc generated no {CONNECT_SUFFIX} files"
    assert sorted(by_buf) == sorted(by_protoc), "buf and protoc wrote different files"
    differing = [name for name in by_buf if by_buf[name] != by_protoc[name]]
    if differing:
        first = differing[0]
        diff = difflib.unified_diff(
            by_protoc[first].decode().splitlines(keepends=True),
            by_buf[first].decode().splitlines(keepends=True),
            f"protoc/{first}",
            f"buf/{first}",
        )
        pytest.fail(
            f"buf's and protoc's files differ: {differing}\n{''.join(list(diff)[:60])}",
            pytrace=False,
        )
    return by_buf


def test_buf_is_the_pinned_version(buf_env: dict[str, str]) -> None:
    result = run([BUF, "--version"], env=buf_env)
    assert result.returncode == 0, describe(result)
    assert result.stdout.strip() == BUF_VERSION, (
        f"node_modules has buf {result.stdout.strip()}, package.json pins "
        f"{BUF_VERSION}: run `npm ci`"
    )


def test_repository_buf_gen_yaml_whole_module(
    buf_env: dict[str, str], tmp_path: Path
) -> None:
    """buf.gen.yaml as committed: protoc-gen-py and our plugin, no parameter."""
    out = buf_generate(buf_env, tmp_path / "buf")
    generated = assert_identical(
        out / "gen", protoc_generate(tmp_path / "protoc", "", all_protos())
    )
    # buf accepted the editions files for our plugin (it declares editions support).
    assert {
        "editions/v1/edition2023_connect.py",
        "editions/v1/edition2024_connect.py",
    } <= set(generated)
    # The first plugin of buf.gen.yaml wrote the message modules our imports name.
    for name in generated:
        assert (out / "gen" / name.replace(CONNECT_SUFFIX, "_pb.py")).is_file(), name
    assert b'# Parameters: ""\n' in generated["eliza/v1/eliza_connect.py"]


GOOGLE_TEMPLATES = {
    # As buf.gen.yaml's comment says, minus protoc's builtin python/pyi plugins.
    "google": ("opt: protobuf=google\n", "protobuf=google"),
    # A list of options is joined with commas; one plugin call for all files.
    "google-async-strategy-all": (
        "opt:\n      - protobuf=google\n      - io=async\n    strategy: all\n",
        "protobuf=google,io=async",
    ),
}


@pytest.mark.parametrize("case", sorted(GOOGLE_TEMPLATES))
def test_google_flavor_whole_module(
    case: str, buf_env: dict[str, str], tmp_path: Path
) -> None:
    options, parameter = GOOGLE_TEMPLATES[case]
    template = tmp_path / "buf.gen.yaml"
    template.write_text(
        "version: v2\n"
        "plugins:\n"
        "  - local: protoc-gen-connect_python\n"
        "    out: gen\n"
        f"    {options}",
        encoding="utf-8",
    )
    out = buf_generate(buf_env, tmp_path / "buf", "--template", template)
    generated = assert_identical(
        out / "gen", protoc_generate(tmp_path / "protoc", parameter, all_protos())
    )
    assert (
        f'# Parameters: "{parameter}"\n'.encode()
        in generated["eliza/v1/eliza_connect.py"]
    )
    # Only our plugin ran.
    assert all(p.name.endswith(CONNECT_SUFFIX) for p in out.rglob("*.py"))


def test_documented_example_command(buf_env: dict[str, str], tmp_path: Path) -> None:
    """The command in buf.gen.yaml's comment (and the README) works as documented."""
    comment = (REPO / "buf.gen.yaml").read_text(encoding="utf-8")
    commands = re.findall(r"^#\s+(buf generate\b.*)$", comment, re.MULTILINE)
    assert commands == ["buf generate --path testdata/proto/eliza"], commands
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert commands[0] in readme, "the README documents another command"

    args = commands[0].split()[2:]
    out = buf_generate(buf_env, tmp_path / "buf", *args)
    written = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    assert written == [
        "gen/__init__.py",
        "gen/eliza/__init__.py",
        "gen/eliza/v1/__init__.py",
        "gen/eliza/v1/eliza_connect.py",
        "gen/eliza/v1/eliza_pb.py",
    ]
    assert_identical(
        out / "gen",
        protoc_generate(tmp_path / "protoc", "", ["eliza/v1/eliza.proto"]),
    )
