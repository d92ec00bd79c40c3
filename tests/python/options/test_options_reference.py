"""Plugin parameters: we accept what protoc-gen-connectrpc 0.13.0 accepts and refuse what it
refuses (its options are parsed by protobuf-py 0.7.0's plugin framework), checked case by
case against both generators through real protoc on a slice of the corpus (a nested file
and a root-level one).

Each case says what both sides do. Two kinds of case are marked:

* ``OURS``: our own options (``imports=``, ``exempt_header``), which the reference does
  not know;
* ``HAZARD``: refused by us although the reference accepts it, because its output does
  not compile (a ``map_imports`` package with a keyword segment); the README says so.

A refusal must also name the key (or what is wrong) and list what is valid.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

# isort: split
from typing import TYPE_CHECKING

from option_support import Outcome, protoc, reference_plugin

if TYPE_CHECKING:
    from pathlib import Path

FILES = ["eliza/v1/eliza.proto", "root.proto"]

BOTH = "both"  # accepted or refused alike
OURS = "ours"  # our own option: accepted by us, unknown to the reference
HAZARD = "hazard"  # accepted by the reference, refused by us (output would not compile)


@dataclass(frozen=True)
class Case:
    parameter: str | None
    accepted: bool  # by us
    # What our error must contain (the key, or what is wrong; and what is valid).
    expect: tuple[str, ...] = ()
    kind: str = BOTH

    @property
    def reference_accepts(self) -> bool:
        if self.kind == OURS:
            return False
        if self.kind == HAZARD:
            return True
        return self.accepted


def ok(parameter: str | None) -> Case:
    return Case(parameter, accepted=True)


def bad(parameter: str, *expect: str) -> Case:
    return Case(parameter, accepted=False, expect=expect)


PROTOBUF_VALUES = "valid values are `py`, `google`"
IO_VALUES = "valid values are `sync`, `async`"
BOOL_VALUES = "valid values are `true`, `false`"
MAPPING_FORM = "`<glob>:<package>`"
EMPTY = "more than one empty entry"

CASES = [
    # Defaults, choices in any case, keys trimmed.
    ok(None),
    ok("protobuf=py"),
    ok("protobuf=google"),
    ok("protobuf=GOOGLE"),
    ok("protobuf=Py"),
    ok("io=sync"),
    ok("io=async"),
    ok("io=ASYNC"),
    ok(" protobuf=google"),
    ok("protobuf =google"),
    ok("protobuf=google,io=sync"),
    # Booleans: bare key, true/false in any case.
    ok("no_fmt_off"),
    ok("no_fmt_off=true"),
    ok("no_fmt_off=FALSE"),
    ok("escape_module_with_hash"),
    ok("escape_module_with_hash=True"),
    ok("escape_module_with_hash=false"),
    # map_imports: repeatable, empty / `.` / trailing-dot targets, globs matching nothing.
    ok("map_imports=eliza/**:vendored"),
    ok("map_imports=eliza/**:"),
    ok("map_imports=eliza/**:."),
    ok("map_imports=eliza/**:vendored."),
    ok("map_imports=eliza/**:_v.gen1"),
    ok("map_imports=nothing/**:v"),
    ok("map_imports=eliza/**:a,map_imports=*.proto:b,map_imports=**:c"),
    ok("map_imports=eliza/:x,map_imports=eliza/**:x"),
    ok("map_imports= eliza/**:v"),
    ok("protobuf=google,io=sync,no_fmt_off,escape_module_with_hash,map_imports=eliza/**:v"),
    # One empty entry passes.
    ok("io=sync,"),
    ok(",io=sync"),
    ok(" "),
    ok("io=sync, ,protobuf=py"),
    # Choices: a value is required, taken as written.
    bad("protobuf", "`protobuf`", "needs a value", PROTOBUF_VALUES),
    bad("protobuf=", "`protobuf`", PROTOBUF_VALUES),
    bad("protobuf=pb2", "`pb2`", "`protobuf`", PROTOBUF_VALUES),
    bad("protobuf= google", "` google`", "`protobuf`", "whitespace", PROTOBUF_VALUES),
    bad("protobuf=google\n", "`protobuf`", "whitespace", PROTOBUF_VALUES),
    bad("io", "`io`", IO_VALUES),
    bad("io=both", "`both`", "`io`", IO_VALUES),
    bad("io=", "`io`", IO_VALUES),
    bad("imports=sideways", "`imports`", "`relative`, `absolute`"),
    Case("exempt_header", accepted=True, kind=OURS),
    Case("exempt_header=FALSE,no_fmt_off", accepted=True, kind=OURS),
    bad("exempt_header=yes", "`exempt_header`", BOOL_VALUES),
    # Every key but map_imports at most once.
    bad("io=sync,io=async", "`io`", "more than once"),
    bad("protobuf=py,protobuf=py", "`protobuf`", "more than once"),
    bad("no_fmt_off,no_fmt_off", "`no_fmt_off`", "more than once"),
    bad("escape_module_with_hash,escape_module_with_hash=false", "more than once"),
    # Booleans: only true / false.
    bad("no_fmt_off=yes", "`no_fmt_off`", BOOL_VALUES),
    bad("no_fmt_off=1", "`no_fmt_off`", BOOL_VALUES),
    bad("no_fmt_off=", "`no_fmt_off`", BOOL_VALUES),
    bad("escape_module_with_hash=on", "`escape_module_with_hash`", BOOL_VALUES),
    # map_imports values.
    bad("map_imports", "`map_imports`", "needs a value", MAPPING_FORM),
    bad("map_imports=eliza", "`map_imports`", "no `:`", MAPPING_FORM),
    bad("map_imports=:vendored", "`map_imports`", "glob is empty", MAPPING_FORM),
    bad("map_imports=a:x,map_imports=a:y", "`map_imports`", "`a` more than once"),
    bad("map_imports=a:x..", "`map_imports", "`x..`", "dotted Python path"),
    bad("map_imports=a:..", "`map_imports", "`..`", "dotted Python path"),
    bad("map_imports=a:1x", "`map_imports", "`1x`", "dotted Python path"),
    bad("map_imports=a:my-pkg", "`map_imports", "`my-pkg`", "dotted Python path"),
    bad("map_imports=a: v", "`map_imports", "` v`", "dotted Python path"),
    bad("map_imports=a:b:c", "`map_imports", "`b:c`", "dotted Python path"),
    # Unknown keys (case-sensitive), empty keys.
    bad("unknown=1", "unknown option `unknown`", "valid options are", "`map_imports`"),
    bad("Protobuf=google", "unknown option `Protobuf`", "`protobuf` (py|google)"),
    bad("IO=sync", "unknown option `IO`", "`io` (sync|async)"),
    bad("=x", "unknown option ``", "valid options are"),
    bad("=", "unknown option ``", "valid options are"),
    # Two or more empty entries: the framework's second pass sees an unknown option `,`.
    bad(",", EMPTY),
    bad("io=sync,,", EMPTY),
    bad(",,protobuf=py", EMPTY),
    # Ours only.
    Case("imports=absolute", accepted=True, kind=OURS),
    Case("imports=relative", accepted=True, kind=OURS),
    Case("imports=ABSOLUTE,map_imports=eliza/**:v", accepted=True, kind=OURS),
    # Refused by us only: the reference writes `from vendored.class.eliza.v1 ...`.
    Case(
        "map_imports=eliza/**:vendored.class",
        accepted=False,
        expect=("`map_imports", "`class` is a Python keyword"),
        kind=HAZARD,
    ),
    Case(
        "map_imports=eliza/**:None",
        accepted=False,
        expect=("`map_imports", "`None` is a Python keyword"),
        kind=HAZARD,
    ),
]


def case_id(case: Case) -> str:
    return repr(case.parameter) if case.parameter is not None else "(none)"


@pytest.fixture(scope="module")
def outcomes(plugin: Path, ref_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every case through both generators, a few protoc runs at a time."""
    del ref_python  # only required to exist
    root = tmp_path_factory.mktemp("options")
    jobs = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for index, case in enumerate(CASES):
            for side, binary in (("ours", plugin), ("ref", reference_plugin())):
                out = root / f"{index}-{side}"
                jobs[case_id(case), side] = pool.submit(protoc, binary, out, case.parameter, FILES)
    return {key: job.result() for key, job in jobs.items()}


def test_cases_are_distinct() -> None:
    ids = [case_id(case) for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_option_parsing_matches_the_reference(case: Case, outcomes: dict) -> None:
    ours: Outcome = outcomes[case_id(case), "ours"]
    ref: Outcome = outcomes[case_id(case), "ref"]
    assert ref.accepted == case.reference_accepts, (
        f"the reference {'accepts' if ref.accepted else 'refuses'} {case.parameter!r} "
        f"({case.kind}); stderr:\n{ref.error[-2000:]}"
    )
    assert ours.accepted == case.accepted, (
        f"we {'accept' if ours.accepted else 'refuse'} {case.parameter!r}; stderr:\n{ours.error}"
    )
    for expected in case.expect:
        assert expected in ours.error, f"{expected!r} not in our error:\n{ours.error}"
