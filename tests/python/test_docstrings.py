"""Docstrings keep the author's text and pass ruff, for every kind of comment text.

A sweep: services and RPCs whose comments are drawn from pools of what breaks docstrings
(indented code samples, tabs at every column, every character ruff calls ambiguous, each
Python whitespace and line break, controls, invisible and bidirectional characters,
quotes and backslashes, CRLF, bytes that are not UTF-8) and seeded random mixtures of
them, in leading and trailing comments. Generated through real protoc (the descriptor
set in, our plugin and the message generator of each flavor out), every module must be
`ruff format`-stable, clean under the broad rule set (E, W, RUF001-003 and the rest,
with no unneeded `noqa`), and import; every docstring's ``inspect.cleandoc`` must equal
the comment's text as the reference reads it, placed at column 0 and cleaned the same
way: ``cleandoc("\\n" + "\\n".join(lines))``.
"""

from __future__ import annotations

import inspect
import json
import random
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

# isort: split
import gen_support as gs

RUFF_CONFIG = gs.HERE / "ruff-generated.toml"
SEED = 20261201
RANDOM_COMMENTS = 600
PER_SERVICE = 40

# Python's str.isspace characters, and the line breaks of str.splitlines.
SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]
BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85"]
BREAKS += ["\u2028", "\u2029"]
CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\r"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"]
INVISIBLE += [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
TYPOGRAPHY = ["\u2019", "\u2018", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026"]
TYPOGRAPHY += ["\xa0", "\u202f", "\u2009", "\u0430", "\u0435", "\u043e", "\u0440"]
QUOTES = [
    '"',
    '""',
    '"""',
    '""""',
    '\\"""',
    "'''",
    "\\",
    "\\\\",
    "\\n",
    "\\x00",
    "\\N{",
]
WORDS = ["word", "Hello", "Привет", "мир", "naïve", "日本", "x", "", " ", "  ", "\t"]


def ambiguous_characters() -> list[str]:
    """Every character of the pinned ruff's confusables table, as the generator has it
    (src/confusables.rs), so that each one is tried in every context."""
    source = (gs.REPO / "src" / "confusables.rs").read_text(encoding="utf-8")
    table = source.split("const AMBIGUOUS: &[u32] = &[", 1)[1].split("];", 1)[0]
    return [chr(int(n, 16)) for n in table.replace(",", " ").split()]


def fixed_comments() -> list[str | bytes]:
    comments: list[str | bytes] = [
        " Plain text.\n",
        "  Two spaces on every line.\n  Really.\n",
        " Example:\n\n     call(x)\n       nested()\n",
        "    indented block\n    only\n",
        "\tleading tab\n\t\ttwo\n x\ty\tz\n",
        " trailing spaces   \n and tab\t\n",
        " CRLF line\r\n next\r\n",
        " lone CR\r next\r\r after blank\n",
        "\n\n leading blank lines\n",
        " between\n\n\n blanks\n",
        " ends with a backslash \\\n",
        ' ends with a quote "\n',
        " triple \"\"\" inside, and ''' too\n",
        " \\ at start\n",
        "//nested slashes\n",
        " Ünïcödé, 日本語, Привет мир, العربية, עברית\n",
        " don’t – “smart” — quotes…\n",
        "\xa0no-break space leading\n \xa0second\n",
        " only\xa0\xa0\n",
    ]
    for space in SPACES:
        comments.append(f" a{space}b\n {space}lead\n tail{space}\n")
    for brk in BREAKS:
        comments.append(f" one{brk} two{brk}")
    for control in CONTROLS:
        comments.append(f" x{control}y {control}\n")
    comments.extend(f" vis{c}ible {c}\n" for c in INVISIBLE)
    for column in range(9):
        comments.append(" " + "x" * column + "\tcol\n")
    chars = ambiguous_characters()
    for start in range(0, len(chars), 60):
        chunk = chars[start : start + 60]
        comments.append(
            " " + " ".join(f"a{c}a" for c in chunk) + "\n " + " ".join(chunk) + "\n"
        )
    comments += [
        b" caf\xe9 is Latin-1\n",
        b" stray \xff\xfe bytes \x80\n",
        b" cut \xe2\x82 sequence\n",
        b" \xf0\x9f\x98\x80 emoji, \xed\xa0\x80 surrogate\n",
    ]
    return comments


def random_comments(rng: random.Random) -> list[str]:
    pools = [SPACES, BREAKS, CONTROLS, INVISIBLE, TYPOGRAPHY, QUOTES, WORDS]
    pools.append(ambiguous_characters())
    comments = []
    for _ in range(RANDOM_COMMENTS):
        parts = []
        for _ in range(rng.randint(1, 12)):
            pool = rng.choice(pools)
            parts.append(rng.choice(pool) * rng.choice([1, 1, 1, 2, 5]))
        comments.append("".join(parts))
    return comments


def encode(comment: str | bytes) -> bytes:
    return comment if isinstance(comment, bytes) else comment.encode("utf-8")


def build_set(comments: list[str | bytes], *, with_comments: bool = True) -> bytes:
    """A file with one service per PER_SERVICE comments: the first comment of each is the
    service's, the others its RPCs' (leading, and every third also trailing)."""
    file = descriptor_pb2.FileDescriptorProto(
        name="docs/v1/docs.proto", package="docs.v1", syntax="proto3"
    )
    file.message_type.add(name="Msg")
    info = descriptor_pb2.SourceCodeInfo()
    for s, start in enumerate(range(0, len(comments), PER_SERVICE)):
        chunk = comments[start : start + PER_SERVICE]
        service = file.service.add(name=f"Docs{s}")
        info.location.add(path=[6, s], span=[0, 0, 0])
        for m in range(1, len(chunk)):
            service.method.add(
                name=f"Rpc{m}", input_type=".docs.v1.Msg", output_type=".docs.v1.Msg"
            )
            info.location.add(path=[6, s, 2, m - 1], span=[0, 0, 0])
    serialized = file.SerializeToString()
    # Comments are set on the wire, as bytes, so that invalid UTF-8 gets through.
    raw = descriptor_pb2.FileDescriptorProto.FromString(serialized)
    raw.ClearField("source_code_info")
    locations = b""
    for index, location in enumerate(info.location):
        comment = comments[index]
        body = location.SerializeToString() + field(3, encode(comment))
        if index % 3 == 2:
            body += field(4, encode(comment))
        locations += field(1, body)
    file_bytes = raw.SerializeToString()
    if with_comments:
        file_bytes += field(9, locations)
    return field(1, file_bytes)


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def reference_lines(leading: str | None, trailing: str | None) -> list[str]:
    """protobuf-py's DescComments.lines(), which the reference's docstrings print."""
    lines: list[str] = []
    if leading:
        lines.extend(line.removeprefix(" ") for line in leading.rstrip().splitlines())
    if trailing:
        if lines:
            lines.append("")
        lines.extend(line.removeprefix(" ") for line in trailing.rstrip().splitlines())
    return lines


def expected_doc(comment: str | bytes, trailing: bool) -> str | None:
    text = encode(comment).decode("utf-8", errors="replace")
    lines = reference_lines(text, text if trailing else None)
    if not lines:
        return None
    return inspect.cleandoc("\n" + "\n".join(lines))


CHECK_DOCS = """
import inspect
import json

module = generated_module(sys.argv[2])
docs = {}
for name, cls in vars(module).items():
    if isinstance(cls, type) and cls.__module__ == module.__name__:
        docs[name] = inspect.getdoc(cls) if cls.__doc__ else None
        for attr, member in vars(cls).items():
            if attr.startswith("rpc"):
                docs[f"{name}.{attr}"] = inspect.getdoc(member) if member.__doc__ else None
print(json.dumps(docs))
"""


@pytest.fixture(scope="module")
def comments() -> list[str | bytes]:
    return fixed_comments() + random_comments(random.Random(SEED))


@pytest.mark.parametrize("flavor", gs.FLAVORS)
@pytest.mark.usefixtures("plugin")
def test_docstrings_keep_the_text_and_pass_ruff(
    flavor: str, comments: list[str | bytes], tmp_path: Path
) -> None:
    descriptor_set = tmp_path / "set.binpb"
    descriptor_set.write_bytes(build_set(comments))
    # protoc-gen-py fails on comments that are not UTF-8: its messages come from the set
    # without source info.
    bare = tmp_path / "bare.binpb"
    bare.write_bytes(build_set(comments, with_comments=False))
    out = tmp_path / "out"
    gs.generate_from_descriptor_set(
        descriptor_set,
        ["docs/v1/docs.proto"],
        flavor,
        out,
        message_set=bare if flavor == "py" else None,
    )
    module = out / "docs" / "v1" / "docs_connect.py"
    ruff = [sys.executable, "-m", "ruff"]
    formatted = gs.run(
        [*ruff, "format", "--check", "--diff", "--config", RUFF_CONFIG, module]
    )
    assert formatted.returncode == 0, gs.describe(formatted)[:20000]
    checked = gs.run(
        [*ruff, "check", "--no-cache", "--output-format", "concise"]
        + ["--config", RUFF_CONFIG, module]
    )
    assert checked.returncode == 0, gs.describe(checked)[:20000]

    tree = gs.Tree("ours", flavor, "default", out)
    docs = gs.run_python_in_tree(tree, CHECK_DOCS, "docs.v1.docs_connect")
    assert isinstance(docs, dict)
    wrong = {}
    checked_docs = 0
    for s, start in enumerate(range(0, len(comments), PER_SERVICE)):
        chunk = comments[start : start + PER_SERVICE]
        owners = [f"Docs{s}", f"Docs{s}Sync", f"Docs{s}Client", f"Docs{s}ClientSync"]
        for index, comment in enumerate(chunk):
            trailing = (start + index) % 3 == 2
            expected = expected_doc(comment, trailing)
            for owner in owners:
                key = owner if index == 0 else f"{owner}.rpc{index}"
                checked_docs += 1
                if docs.get(key, "missing") != expected:
                    wrong[key] = {
                        "comment": repr(comment),
                        "expected": expected,
                        "got": docs.get(key, "missing"),
                    }
    assert not wrong, json.dumps(dict(list(wrong.items())[:10]), indent=1)
    assert checked_docs >= 4 * len(comments)
