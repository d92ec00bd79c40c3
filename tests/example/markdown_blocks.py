"""The fenced code blocks of a Markdown document, and a runner that executes them in order.

Nothing here knows about a particular document: tests/example/test_readme_recipes.py runs
README.md with it, and a documentation site can reuse it page by page.

Blocks
------
``parse(text, source)`` returns every fenced block: three or more backticks or tildes, at
any indentation (inside a list item, say; that indentation is removed from the content),
closed by a line of the same character at least as long. The first word of the info
string is the block's ``language``. A block records the ATX headings (``#`` to ``######``)
it stands under, so that a document can be cut into sections. An unclosed fence is an
error.

Markers
-------
A block's fate is its language, unless an HTML comment on the line right before its
opening fence says otherwise (GitHub and other renderers do not show it)::

    <!-- block: skip (REASON) -->   not run; the reason, in parentheses, is required
    <!-- block: file PATH -->       not run: its content is written to PATH, a relative
                                    path (no ``..``), from the shell's working directory
                                    at that point of the run (the section's directory
                                    unless an earlier block of the section changed it)
    <!-- block: output -->          sample output or a transcript, not a command

A marker applies to the next block only, and must sit on the line right before that
block's fence (a blank line between is an error). Any other line outside a block that
starts with ``<!-- block`` is an error: an unknown kind, a skip without a reason, a file
without a path, a marker that no fence follows. A marker inside a block is content.

Every ``sh`` or ``bash`` block without a marker runs. Every other block must carry a
marker: ``check_covered`` (and so ``run_markdown``, before it runs anything) raises
``UncoveredBlockError`` naming each one that does not, so that a recipe cannot be added
and silently go untested.

The runner's contract
---------------------
``run_markdown(text, source, scratch, setup)`` (``run_document`` for a file) runs a whole
document as ONE bash script, in ``scratch`` (an empty directory):

* the script starts with ``set -euo pipefail`` and a trap that kills its background jobs
  when it exits, then makes a fresh venv: ``setup.python -m venv scratch/venv`` (plus
  ``setup.venv_options``). The venv is active from the start (first on ``PATH``,
  ``VIRTUAL_ENV`` set), as after ``. venv/bin/activate``;
* the document is cut into sections at its headings of level ``setup.section_level`` or
  less (2: ``#`` and ``##``); each section with a block to run or write gets its own
  directory ``scratch/sections/NN-slug``, seeded with a copy of every ``setup.seed`` entry
  (name in the directory -> file or directory copied there; the README's tests seed
  ``proto/`` from ``examples/eliza/proto``), and the script ``cd``s into it before the
  section's first block. The blocks of a section build on each other (same shell, same
  working directory); variables and the venv carry over to later sections;
* the environment is nothing but: ``PATH`` = the venv's ``bin``, ``scratch/tools``,
  ``scratch/home/.local/bin`` (where ``uv tool`` and ``pipx`` put commands), then
  ``setup.base_path``; ``HOME=scratch/home``; ``VIRTUAL_ENV``;
  ``PYTHONDONTWRITEBYTECODE=1``; the machine's network settings, passed through when
  set (``NETWORK_VARIABLES``: proxies and CA bundles, which pip, uv, buf and git need to
  reach an index through a proxy here); and ``setup.env``. ``setup.tools`` fills
  ``scratch/tools``: a name mapped to a path is a symlink to it, a name mapped to text
  is an executable script with that text. ``setup.env``, ``setup.tools`` and
  ``setup.seed`` are all a caller can add; the blocks' text runs as written;
* before each block the script prints ``==== block SOURCE:LINE (LANGUAGE) ====`` on
  stdout and on stderr, so ``DocumentRun.output(block)`` can return what that block
  printed, and a failure report names the block that was running; after the last one it
  prints ``==== end of document ====`` (``DocumentRun.ok``: exit 0 and that line);
* it runs in its own session, killed as a whole when it ends or after ``setup.timeout``
  seconds.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

RUNNABLE = frozenset({"sh", "bash"})
END = "==== end of document ===="
# How this machine reaches the network: passed through to the run when set, nothing else.
NETWORK_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
)
MarkerKind = Literal["skip", "file", "output"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_HEADING = re.compile(r"^ {0,3}(?P<level>#{1,6})[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*$")
_MARKER_START = re.compile(r"^[ \t]*<!--[ \t]*block\b")
_MARKER = re.compile(
    r"^[ \t]*<!--[ \t]*block:[ \t]*(?P<kind>[A-Za-z_-]+)(?:[ \t]+(?P<arg>.*?))?[ \t]*-->[ \t]*$"
)


class MarkdownError(ValueError):
    """A document the parser refuses: a malformed or misplaced marker, an unclosed fence."""


class UncoveredBlockError(MarkdownError):
    """Blocks that would neither run nor carry a marker saying why not."""


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    line: int


@dataclass(frozen=True)
class Marker:
    kind: MarkerKind
    argument: str  # the reason of a skip, the path of a file, "" for output
    line: int


@dataclass(frozen=True)
class Block:
    source: str
    line: int  # of the opening fence, 1-based
    language: str
    info: str
    content: str  # every line ends with "\n"
    marker: Marker | None
    headings: tuple[Heading, ...]  # the headings it stands under, outermost first

    @property
    def label(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.marker is None and self.language in RUNNABLE

    def section_heading(self, level: int) -> Heading | None:
        """The innermost heading of level <= ``level`` this block stands under."""
        inside = [heading for heading in self.headings if heading.level <= level]
        return inside[-1] if inside else None


def parse_marker(line: str, number: int, source: str) -> Marker:
    """The marker on ``line``, which starts with ``<!-- block``; MarkdownError if invalid."""
    where = f"{source}:{number}"
    match = _MARKER.match(line)
    if not match:
        raise MarkdownError(
            f"{where}: malformed block marker {line.strip()!r}: expected "
            "'<!-- block: skip (REASON) -->', '<!-- block: file PATH -->' or "
            "'<!-- block: output -->' on one line"
        )
    kind, argument = match["kind"], (match["arg"] or "").strip()
    if kind == "skip":
        if not (argument.startswith("(") and argument.endswith(")") and argument[1:-1].strip()):
            raise MarkdownError(
                f"{where}: a skip needs a reason in parentheses: "
                f"'<!-- block: skip (why this block cannot run here) -->', got {line.strip()!r}"
            )
        return Marker("skip", argument[1:-1].strip(), number)
    if kind == "file":
        path = PurePosixPath(argument)
        if not argument or len(argument.split()) != 1:
            raise MarkdownError(f"{where}: a file marker needs one path: {line.strip()!r}")
        if path.is_absolute() or ".." in path.parts:
            raise MarkdownError(
                f"{where}: a file marker's path must be relative, without '..': {argument!r}"
            )
        return Marker("file", argument, number)
    if kind == "output":
        if argument:
            raise MarkdownError(f"{where}: an output marker takes no argument: {line.strip()!r}")
        return Marker("output", "", number)
    raise MarkdownError(
        f"{where}: unknown block marker {kind!r} (known: skip (REASON), file PATH, output)"
    )


def _dedent(line: str, indent: str) -> str:
    if line.startswith(indent):
        return line[len(indent) :]
    return line.lstrip(" \t")


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip(" \t")
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _opening(line: str) -> re.Match[str] | None:
    match = _FENCE.match(line)
    if match and match["fence"][0] == "`" and "`" in match["info"]:
        return None  # inline code such as ```x```, not a fence
    return match


def _update_headings(headings: list[Heading], line: str, number: int) -> None:
    match = _HEADING.match(line)
    if match:
        level = len(match["level"])
        while headings and headings[-1].level >= level:
            headings.pop()
        headings.append(Heading(level, match["title"], number))


def parse(text: str, source: str = "<markdown>") -> list[Block]:
    """Every fenced block of ``text``, with its marker; see the module's docstring."""
    lines = text.splitlines()
    blocks: list[Block] = []
    headings: list[Heading] = []
    pending: Marker | None = None
    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        opening = _opening(line)
        if pending is not None and opening is None:
            raise MarkdownError(
                f"{source}:{pending.line}: a block marker must be on the line right before "
                f"a fenced block; line {number} is {line!r}"
            )
        if opening is None:
            if _MARKER_START.match(line):
                pending = parse_marker(line, number, source)
            else:
                _update_headings(headings, line, number)
            index += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        if end == len(lines):
            raise MarkdownError(f"{source}:{number}: the fenced block is never closed")
        info = opening["info"].strip()
        content = "".join(_dedent(body, indent) + "\n" for body in lines[index + 1 : end])
        blocks.append(
            Block(
                source=source,
                line=number,
                language=info.split()[0] if info else "",
                info=info,
                content=content,
                marker=pending,
                headings=tuple(headings),
            )
        )
        pending = None
        index = end + 1
    if pending is not None:
        raise MarkdownError(f"{source}:{pending.line}: a block marker at the end of the document")
    return blocks


def uncovered(blocks: Sequence[Block]) -> list[Block]:
    """The blocks that would not run and carry no marker saying why."""
    return [block for block in blocks if block.marker is None and not block.runs]


def check_covered(blocks: Sequence[Block]) -> None:
    missing = uncovered(blocks)
    if missing:
        listing = "\n".join(
            f"  {block.label}: ```{block.language or '(no language)'} block, first line "
            f"{block.content.splitlines()[0] if block.content else ''!r}"
            for block in missing
        )
        raise UncoveredBlockError(
            "these blocks are neither run (sh or bash, unmarked) nor marked "
            "(<!-- block: skip (REASON) -->, <!-- block: file PATH -->, "
            f"<!-- block: output -->) on the line before their fence:\n{listing}"
        )


@dataclass(frozen=True)
class Section:
    index: int
    heading: Heading | None
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        return self.heading.title if self.heading else ""

    @property
    def name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "top"
        return f"{self.index:02d}-{slug[:40].strip('-')}"

    @property
    def acts(self) -> bool:
        """Whether the run does anything here (a block runs or a file is written)."""
        return any(
            block.runs or (block.marker is not None and block.marker.kind == "file")
            for block in self.blocks
        )


def sections(blocks: Sequence[Block], level: int) -> list[Section]:
    """The blocks grouped by the innermost heading of level <= ``level`` above them."""
    groups: list[tuple[Heading | None, list[Block]]] = []
    for block in blocks:
        heading = block.section_heading(level)
        if groups and groups[-1][0] == heading:
            groups[-1][1].append(block)
        else:
            groups.append((heading, [block]))
    return [
        Section(index + 1, heading, tuple(members))
        for index, (heading, members) in enumerate(groups)
    ]


def _banner(block: Block) -> str:
    return f"==== block {block.label} ({block.language or 'no language'}) ===="


def _heredoc(block: Block, path: str) -> str:
    delimiter = f"MARKDOWN_BLOCK_{block.line}"
    while delimiter in block.content.splitlines():
        delimiter += "_"
    quoted = shlex.quote(path)
    return (
        f'mkdir -p -- "$(dirname -- {quoted})"\n'
        f"cat > {quoted} <<'{delimiter}'\n{block.content}{delimiter}\n"
    )


def build_script(
    document: Sequence[Section],
    directories: Mapping[int, Path],
    venv_command: Sequence[str] = ("python3", "-m", "venv"),
) -> str:
    """The bash script that runs ``document``; ``directories`` maps a section's index to
    its directory (for the sections that act); ``venv_command`` makes the venv."""
    check_covered([block for section in document for block in section.blocks])
    parts = [
        "set -euo pipefail\n",
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n",
        f'{shlex.join(venv_command)} "$VIRTUAL_ENV"\n',
    ]
    for section in document:
        parts.append(f"\n# ---- section {section.name}: {section.title}\n")
        if not section.acts:
            parts.append("# nothing to run\n")
            continue
        parts.append(f"cd -- {shlex.quote(str(directories[section.index]))}\n")
        for block in section.blocks:
            marker = block.marker
            if marker is not None and marker.kind != "file":
                parts.append(f"# {block.label}: {marker.kind} {marker.argument}".rstrip() + "\n")
                continue
            banner = shlex.quote(_banner(block))
            parts.append(f"printf '\\n%s\\n' {banner}; printf '\\n%s\\n' {banner} >&2\n")
            if marker is not None:
                parts.append(_heredoc(block, marker.argument))
            else:
                parts.append(block.content)
    parts.append(f"\nprintf '\\n%s\\n' {shlex.quote(END)}\n")
    return "".join(parts)


@dataclass(frozen=True)
class Setup:
    """What a run gets besides the document (see the module's docstring)."""

    env: Mapping[str, str] = field(default_factory=dict)
    tools: Mapping[str, Path | str] = field(default_factory=dict)
    seed: Mapping[str, Path] = field(default_factory=dict)
    section_level: int = 2
    python: str = "python3"
    venv_options: tuple[str, ...] = ()  # e.g. ("--without-pip",) for a document without pip
    base_path: str = field(default_factory=lambda: os.environ.get("PATH", os.defpath))
    timeout: float = 600


@dataclass(frozen=True)
class DocumentRun:
    returncode: int
    stdout: str
    stderr: str
    script: str
    env: dict[str, str]
    scratch: Path
    sections: tuple[Section, ...]
    directories: dict[int, Path]
    timed_out: bool = False

    @property
    def finished(self) -> bool:
        """Whether the script got past its last block (a block's ``exit 0`` would stop
        it early with status 0)."""
        return f"\n{END}\n" in self.stdout

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.finished and not self.timed_out

    def directory(self, title: str) -> Path:
        """The directory of the (first acting) section with this heading title."""
        for section in self.sections:
            if section.title == title and section.index in self.directories:
                return self.directories[section.index]
        raise KeyError(f"no section {title!r} ran; sections: {[s.title for s in self.sections]}")

    def output(self, block: Block) -> str:
        """What the block printed: its stdout, then its stderr."""
        return "".join(_segment(stream, block) for stream in (self.stdout, self.stderr))

    def last_block(self) -> str | None:
        """The label of the last block that started."""
        labels = re.findall(r"^==== block (\S+) \(", self.stdout, flags=re.MULTILINE)
        return labels[-1] if labels else None

    def report(self) -> str:
        status = (
            f"timed out after killing it (exit {self.returncode})"
            if self.timed_out
            else (f"exit {self.returncode}")
        )
        if self.returncode == 0 and not self.finished:
            status += ", but the script stopped before its end (an exit in a block?)"
        return (
            f"{status}; the last block started: {self.last_block()}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


def _segment(stream: str, block: Block) -> str:
    banner = _banner(block)
    start = stream.find(f"\n{banner}\n")
    if start < 0:
        return ""
    start += len(banner) + 2
    end = stream.find("\n==== ", start)
    return stream[start : end if end >= 0 else len(stream)]


def run_in_own_session(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int, str, str, bool]:
    """Runs argv in a new session and kills the whole session (background servers too)
    when it ends or times out; returns (exit status, stdout, stderr, timed out)."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stdout, stderr, timed_out


def environment(scratch: Path, setup: Setup) -> dict[str, str]:
    """The run's whole environment (see the module's docstring)."""
    venv = scratch / "venv"
    path = [venv / "bin", scratch / "tools", scratch / "home" / ".local" / "bin"]
    network = {name: os.environ[name] for name in NETWORK_VARIABLES if name in os.environ}
    return {
        **network,
        "PATH": os.pathsep.join([*map(str, path), setup.base_path]),
        "HOME": str(scratch / "home"),
        "VIRTUAL_ENV": str(venv),
        "PYTHONDONTWRITEBYTECODE": "1",
        **setup.env,
    }


def _install_tools(tools_dir: Path, tools: Mapping[str, Path | str]) -> None:
    tools_dir.mkdir(parents=True)
    for name, tool in tools.items():
        target = tools_dir / name
        if isinstance(tool, Path):
            if not tool.exists():
                raise FileNotFoundError(f"tool {name!r}: {tool} does not exist")
            target.symlink_to(tool.resolve())
        else:
            target.write_text(tool, encoding="utf-8")
            target.chmod(0o755)


def _seed(directory: Path, seed: Mapping[str, Path]) -> None:
    directory.mkdir(parents=True)
    for name, source in seed.items():
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, directory / name)


def run_markdown(text: str, source: str, scratch: Path, setup: Setup | None = None) -> DocumentRun:
    """Runs the document's blocks in order in one bash script (see the module's docstring).
    Raises MarkdownError before running anything if a block is uncovered or a marker bad."""
    setup = setup or Setup()
    document = sections(parse(text, source), setup.section_level)
    directories = {
        section.index: scratch / "sections" / section.name for section in document if section.acts
    }
    script = build_script(document, directories, (setup.python, "-m", "venv", *setup.venv_options))
    (scratch / "home").mkdir(parents=True)
    _install_tools(scratch / "tools", setup.tools)
    for directory in directories.values():
        _seed(directory, setup.seed)
    (scratch / "script.sh").write_text(script, encoding="utf-8")
    env = environment(scratch, setup)
    returncode, stdout, stderr, timed_out = run_in_own_session(
        ["bash", str(scratch / "script.sh")], scratch, env, setup.timeout
    )
    return DocumentRun(
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        script=script,
        env=env,
        scratch=scratch,
        sections=tuple(document),
        directories=directories,
        timed_out=timed_out,
    )


def run_document(path: Path, scratch: Path, setup: Setup | None = None) -> DocumentRun:
    """``run_markdown`` on a file; blocks are labelled with the file's name."""
    return run_markdown(path.read_text(encoding="utf-8"), path.name, scratch, setup)
