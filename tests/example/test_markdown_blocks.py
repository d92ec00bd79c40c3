"""The block parser, its markers, and the runner's script, on small documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import markdown_blocks
from markdown_blocks import MarkdownError, Setup, UncoveredBlockError

HERE = Path(__file__).resolve().parent


def parse(text: str) -> list[markdown_blocks.Block]:
    return markdown_blocks.parse(text, "doc.md")


def test_blocks_have_language_content_line_and_headings() -> None:
    text = (
        "# Title\n\nintro\n\n## One\n\n```sh\necho one\n```\n\n### Deeper\n\n"
        "- a list item:\n\n  ```yaml\n  a: 1\n    b: 2\n  ```\n\n## Two\n\n~~~~python x=1\n"
        "```\nnot a fence end\n~~~~\n"
    )
    sh, yaml, python = parse(text)
    assert (sh.language, sh.content, sh.line, sh.marker) == ("sh", "echo one\n", 7, None)
    assert [h.title for h in sh.headings] == ["Title", "One"]
    assert (yaml.language, yaml.content) == ("yaml", "a: 1\n  b: 2\n")
    assert [h.title for h in yaml.headings] == ["Title", "One", "Deeper"]
    assert (python.language, python.info) == ("python", "python x=1")
    assert python.content == "```\nnot a fence end\n"
    assert [h.title for h in python.headings] == ["Title", "Two"]
    assert sh.runs
    assert not yaml.runs


def test_a_heading_inside_a_block_is_content() -> None:
    (block,) = parse("## A\n\n```sh\n# not a heading\n```\n")
    assert [h.title for h in block.headings] == ["A"]


def test_markers_attach_to_the_next_block_only() -> None:
    text = (
        "<!-- block: skip (needs the network) -->\n```sh\ncurl x\n```\n\n```sh\necho run\n```\n"
        "<!-- block: file conf/a.yaml -->\n```yaml\na: 1\n```\n```yaml\nb: 2\n```\n"
        "<!-- block: output -->\n```text\nhello\n```\n"
    )
    skipped, run, written, unmarked, output = parse(text)
    assert skipped.marker is not None
    assert (skipped.marker.kind, skipped.marker.argument) == ("skip", "needs the network")
    assert run.marker is None
    assert run.runs
    assert written.marker is not None
    assert (written.marker.kind, written.marker.argument) == ("file", "conf/a.yaml")
    assert unmarked.marker is None
    assert output.marker is not None
    assert output.marker.kind == "output"
    assert markdown_blocks.uncovered([skipped, run, written, unmarked, output]) == [unmarked]


def test_a_skip_reason_may_hold_parentheses() -> None:
    (block,) = parse(
        "<!-- block: skip (GitHub Actions (YAML): GitHub's runners) -->\n```yaml\n```\n"
    )
    assert block.marker is not None
    assert block.marker.argument == "GitHub Actions (YAML): GitHub's runners"


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("<!-- block: skip -->", "a skip needs a reason"),
        ("<!-- block: skip () -->", "a skip needs a reason"),
        ("<!-- block: skip ( ) -->", "a skip needs a reason"),
        ("<!-- block: skip because -->", "a skip needs a reason"),
        ("<!-- block: run -->", "unknown block marker 'run'"),
        ("<!-- block: sikp (typo) -->", "unknown block marker 'sikp'"),
        ("<!-- block: file -->", "a file marker needs one path"),
        ("<!-- block: file a b -->", "a file marker needs one path"),
        ("<!-- block: file /etc/passwd -->", "must be relative"),
        ("<!-- block: file ../up.yaml -->", "must be relative"),
        ("<!-- block: output now -->", "takes no argument"),
        ("<!-- block skip (no colon) -->", "malformed block marker"),
        ("<!-- block: skip (not closed)", "malformed block marker"),
    ],
)
def test_bad_markers_are_refused(marker: str, message: str) -> None:
    with pytest.raises(MarkdownError, match=message.replace("(", r"\(")):
        parse(f"{marker}\n```sh\necho\n```\n")


@pytest.mark.parametrize(
    "text",
    [
        "<!-- block: output -->\n\n```text\nx\n```\n",  # a blank line between
        "<!-- block: output -->\nsome prose\n```text\nx\n```\n",
        "<!-- block: output -->\n<!-- block: output -->\n```text\nx\n```\n",
        "text\n<!-- block: output -->\n",  # at the end
    ],
)
def test_a_marker_must_be_right_before_a_fence(text: str) -> None:
    with pytest.raises(MarkdownError, match="block marker"):
        parse(text)


def test_a_marker_inside_a_block_is_content() -> None:
    (block,) = parse("````markdown\n<!-- block: bogus -->\n```sh\n```\n````\n")
    assert block.content == "<!-- block: bogus -->\n```sh\n```\n"
    assert block.marker is None


def test_an_unclosed_fence_is_refused() -> None:
    with pytest.raises(MarkdownError, match="never closed"):
        parse("```sh\necho\n``\n")


def test_an_unmarked_block_that_does_not_run_fails_the_plan(tmp_path: Path) -> None:
    text = "## A\n\n```sh\necho ok\n```\n\n```yaml\nkey: value\n```\n"
    with pytest.raises(UncoveredBlockError, match=r"doc\.md:7: ```yaml"):
        markdown_blocks.run_markdown(text, "doc.md", tmp_path)
    assert not (tmp_path / "script.sh").exists(), "nothing may run"


def test_sections_get_seeded_directories() -> None:
    text = (
        "# T\n```sh\n```\n## A\n### A.1\n```sh\n```\n## B\n<!-- block: output -->\n```text\n```\n"
    )
    sections = markdown_blocks.sections(parse(text), 2)
    assert [(s.name, s.acts) for s in sections] == [("01-t", True), ("02-a", True), ("03-b", False)]


DOCUMENT = """\
# Demo

## Files and state

<!-- block: file conf/settings.ini -->
```ini
[x]
$HOME is not expanded here
```

```sh
cat conf/settings.ini
ls seed/
export CARRIED=yes
cd conf
```

```sh
pwd
sleep 300 &
echo "background job $!"
```

<!-- block: output -->
```text
never run
```

<!-- block: skip (would fail: it is only an example) -->
```sh
false
```

## Next

```bash
echo "carried=$CARRIED venv=$VIRTUAL_ENV"
command -v python
mytool
echo "home=$HOME"
```

## Failing

```sh
echo before
false
echo after
```
"""


def test_one_script_in_order_from_a_fresh_venv(tmp_path: Path) -> None:
    seed_dir = tmp_path / "seed-source"
    seed_dir.mkdir()
    (seed_dir / "s.txt").write_text("seeded\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    setup = Setup(
        tools={"mytool": "#!/bin/sh\necho from mytool\n"},
        seed={"seed": seed_dir},
        python=sys.executable,
        venv_options=("--without-pip",),
        timeout=60,
    )
    result = markdown_blocks.run_markdown(DOCUMENT, "demo.md", scratch, setup)
    blocks = markdown_blocks.parse(DOCUMENT, "demo.md")

    # The last section fails: set -e stops after `false`; the report names the block.
    assert result.returncode == 1, result.report()
    assert result.last_block() == blocks[-1].label
    assert result.output(blocks[-1]) == "before\n"
    assert "after" not in result.stdout
    assert not result.finished
    assert not result.ok

    files = result.directory("Files and state")
    assert files.name == "01-files-and-state"
    assert (files / "conf/settings.ini").read_text() == "[x]\n$HOME is not expanded here\n"
    assert result.output(blocks[1]) == "[x]\n$HOME is not expanded here\ns.txt\n"
    assert result.output(blocks[2]).startswith(f"{files}/conf\nbackground job ")
    assert "never run" not in result.stdout

    venv = scratch / "venv"
    assert result.output(blocks[5]) == (
        f"carried=yes venv={venv}\n{venv}/bin/python\nfrom mytool\nhome={scratch / 'home'}\n"
    )
    assert (venv / "pyvenv.cfg").is_file()
    assert set(result.env) - set(markdown_blocks.NETWORK_VARIABLES) == {
        "PATH",
        "HOME",
        "VIRTUAL_ENV",
        "PYTHONDONTWRITEBYTECODE",
    }

    # The trap killed the background `sleep 300` when the script exited: it holds the
    # output pipes open, so without the trap the run would have waited for the timeout.
    assert not result.timed_out


def test_the_suite_passes_mypy_strict() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-version",
            "3.11",
            *sorted(str(path) for path in HERE.glob("*.py")),
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(HERE)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_exit_in_a_block_is_not_success(tmp_path: Path) -> None:
    text = "## A\n\n```sh\necho one\nexit 0\n```\n\n```sh\necho two\n```\n"
    result = markdown_blocks.run_markdown(
        text, "doc.md", tmp_path, Setup(python=sys.executable, venv_options=("--without-pip",))
    )
    assert result.returncode == 0, result.report()
    assert not result.finished
    assert not result.ok
    assert "stopped before its end" in result.report()
    assert "two" not in result.stdout
