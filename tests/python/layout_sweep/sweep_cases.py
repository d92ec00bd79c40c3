"""The layout sweep's inputs: proto files whose names have every length, as requests.

Every line of a generated module whose width depends on the input holds one of a few
*slots*: the proto package, the file's directory and name, the service, method and
message names (top-level, nested, in a sibling file, in another package), comment text.
A case sets each slot to a name of a given length; the sweep varies one slot over
``LENGTHS`` with the others all at one of ``LEVELS``, so every construct's width passes
every wrap threshold, alone and combined with short, medium and long neighbours.

Each case is one proto file with one deprecated service whose RPCs (up to eight, those
whose lines hold the swept slot) cover the four stream kinds, an idempotent
(``use_get``) and a deprecated RPC, and every kind of message reference, including
well-known types and a namesake from another package (imported with an alias).
Requests are built with ``descriptor_pb2`` directly, so names need only be what protoc
would accept (ASCII identifiers), of any length, and no protoc is involved.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from google.protobuf import descriptor_pb2, empty_pb2, timestamp_pb2
from google.protobuf.compiler import plugin_pb2

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

# Every length up to 200, and some beyond; 0 where a slot may be empty (a file at the
# root of the import path, a file without a package, an element without a comment).
LENGTHS = (*range(1, 201), 250, 300, 500)
EMPTY_ALLOWED = frozenset({"package", "directory", "comment"})

# The fixed lengths of the slots not being swept; the shortest still holds the case's tag.
LEVELS = {"short": 4, "medium": 24, "long": 64}


@dataclass(frozen=True)
class ParameterSet:
    """One way of running the plugin, and how much of the sweep runs with it."""

    id: str
    parameter: str
    levels: tuple[str, ...]
    slots: tuple[str, ...] | None = None  # None: every slot


# Both flavors in every io mode get every slot. The io modes only drop classes, so the
# sync and async sets sweep with medium neighbours only; imports=absolute changes only
# the import lines and the layout guard, so only the slots those hold are swept there.
IMPORT_SLOTS = (
    "directory",
    "file",
    "request",
    "response",
    "outer",
    "private",
    "sibling_file",
    "sibling",
    "foreign_package",
    "foreign",
)
PARAMETER_SETS = (
    ParameterSet("py-default", "", ("short", "medium", "long")),
    ParameterSet("py-sync", "protobuf=py,io=sync", ("medium",)),
    ParameterSet("py-async", "protobuf=py,io=async", ("medium",)),
    ParameterSet("py-absolute", "imports=absolute", ("medium",), IMPORT_SLOTS),
    ParameterSet("google-default", "protobuf=google", ("short", "medium", "long")),
    ParameterSet("google-sync", "protobuf=google,io=sync", ("medium",)),
    ParameterSet("google-async", "protobuf=google,io=async", ("medium",)),
    ParameterSet("google-absolute", "protobuf=google,imports=absolute", ("medium",), IMPORT_SLOTS),
)

WELL_KNOWN = (empty_pb2.DESCRIPTOR, timestamp_pb2.DESCRIPTOR)


# Without vowels, `t` and `y`, no name can spell a keyword or a builtin the naming rules
# reserve, which would get a suffix and change the widths.
ALPHABET = "bcdfghjklmnpqrsvwxz"


def tag(uid: int) -> str:
    """A case's own letters (at least three), which its names carry after their
    initial so that cases can share a request without sharing symbols."""
    letters = ""
    while uid or len(letters) < 3:
        uid, digit = divmod(uid, len(ALPHABET))
        letters += ALPHABET[digit]
    return letters


def camel(initial: str, length: int, uid: int) -> str:
    """A CamelCase proto name of ``length`` characters whose snake_case is as long:
    ``initial``, the case's tag, then ``x``."""
    return (initial + tag(uid) + "x" * length)[:length]


def dotted(initial: str, length: int, uid: int, separator: str) -> str:
    """``length`` characters in segments of up to seven, joined by ``separator``."""
    chars = list(camel(initial, length, uid))
    for i in range(7, length - 1, 8):
        chars[i] = separator
    return "".join(chars)


def words(length: int, _uid: int) -> str:
    """Comment text of exactly ``length`` characters, words separated by spaces."""
    text = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * (length // 50 + 1))[
        :length
    ]
    return text[:-1] + "x" if text.endswith(" ") else text


@dataclass(frozen=True)
class Slot:
    name: str
    # (length, the case's uid) -> the name.
    build: Callable[[int, int], str]
    # What the name becomes in the generated code, for the failure report.
    role: str


# The slots in the order of the fields of ``Spec``. Initial letters keep the names of
# different slots apart at every length (and away from keywords and runtime names).
SLOTS = (
    Slot("package", lambda n, u: dotted("p", n, u, "."), "proto package (several segments)"),
    Slot("package_one", lambda n, u: camel("q", n, u), "proto package (one segment)"),
    Slot("directory", lambda n, u: dotted("d", n, u, "/"), "the file's directory"),
    Slot("file", lambda n, u: camel("f", n, u), "the file's name"),
    Slot("service", lambda n, u: camel("S", n, u), "service name"),
    Slot("method", lambda n, u: camel("M", n, u), "method names (each RPC's initial + this)"),
    Slot("comment", words, "leading comment of the service and of every RPC"),
    Slot("request", lambda n, u: camel("R", n, u), "top-level input message"),
    Slot("response", lambda n, u: camel("P", n, u), "top-level output message"),
    Slot("outer", lambda n, u: camel("T", n, u), "outer message of a nested message"),
    Slot("inner", lambda n, u: camel("U", n, u), "nested message"),
    # A leading underscore: the google flavor names such a class once, at module level.
    # (Length 1 gives `_V`, as `_` alone is no name.)
    Slot("private", lambda n, u: "_" + camel("V", max(n - 1, 1), u), "private nested message"),
    Slot("sibling_file", lambda n, u: camel("g", n, u), "name of a sibling file"),
    Slot("sibling", lambda n, u: camel("X", n, u), "message of a sibling file"),
    Slot("foreign_package", lambda n, u: dotted("h", n, u, "."), "another package"),
    Slot("foreign", lambda n, u: camel("Y", n, u), "message of another package"),
)
SLOT_NAMES = tuple(slot.name for slot in SLOTS)


@dataclass(frozen=True)
class Spec:
    """The names of one case; ``package`` wins over ``package_one`` when both are set
    (a sweep of one sets the other empty)."""

    package: str
    package_one: str
    directory: str
    file: str
    service: str
    method: str
    comment: str
    request: str
    response: str
    outer: str
    inner: str
    private: str
    sibling_file: str
    sibling: str
    foreign_package: str
    foreign: str
    # The initials of the RPCs the file declares (see ``RPCS``).
    rpcs: str = "UCSBNFWA"

    @property
    def proto_package(self) -> str:
        return self.package or self.package_one

    def path(self, stem: str) -> str:
        return f"{self.directory}/{stem}.proto" if self.directory else f"{stem}.proto"

    @property
    def main_file(self) -> str:
        return self.path(self.file)

    @property
    def sibling_path(self) -> str:
        return self.path(self.sibling_file)

    @property
    def foreign_path(self) -> str:
        # Where a package usually lives: its segments as directories.
        return f"{self.foreign_package.replace('.', '/')}/h.proto"


def level_spec(level: str, uid: int) -> Spec:
    n = LEVELS[level]
    values = {slot.name: slot.build(n, uid) for slot in SLOTS}
    # Docstrings sit on lines of their own, so their width interacts with nothing:
    # only the comment sweep has them.
    values["package_one"] = values["comment"] = ""
    return Spec(**values)


# The RPCs whose lines hold a slot's names, to keep the sweep small. The four stream
# kinds differ only in how the message types are wrapped, so only the sweeps of those
# types need all four; every other slot gets one RPC per kind of message reference.
SLOT_RPCS = {
    "request": "UCSBA",
    "response": "UCSB",
    "outer": "NW",
    "inner": "N",
    "private": "W",
    "sibling_file": "N",
    "sibling": "N",
    "foreign_package": "FA",
    "foreign": "F",
}
OTHER_SLOTS_RPCS = "UNFWA"


@dataclass(frozen=True)
class Case:
    """One generated file: which slot is swept at which length, the others' level."""

    slot: str
    length: int
    level: str
    spec: Spec

    @property
    def id(self) -> str:
        return f"{self.slot}={self.length} others={self.level}"


def sweep_cases(levels: Iterable[str], slots: Iterable[str] | None = None) -> list[Case]:
    """Every slot (of ``slots``) at every length, the other slots at each of ``levels``;
    of the cases whose names have the same lengths, one is kept."""
    wanted = set(SLOT_NAMES if slots is None else slots)
    cases: list[Case] = []
    seen: set[tuple[object, ...]] = set()
    for level in levels:
        for slot in (s for s in SLOTS if s.name in wanted):
            lengths = (0, *LENGTHS) if slot.name in EMPTY_ALLOWED else LENGTHS
            for length in lengths:
                uid = len(cases)
                base = level_spec(level, uid)
                changes = {slot.name: slot.build(length, uid)}
                changes["rpcs"] = SLOT_RPCS.get(slot.name, OTHER_SLOTS_RPCS)
                if slot.name == "package_one":
                    changes["package"] = ""
                spec = replace(base, **changes)
                shape = (spec.rpcs, *(len(getattr(spec, f.name)) for f in fields(spec)))
                if shape not in seen:
                    seen.add(shape)
                    cases.append(Case(slot.name, length, level, spec))
    return cases


# Random cases' uids start here, away from the sweep's.
RANDOM_UIDS = 100_000


def random_cases(count: int, seed: int) -> list[Case]:
    """Cases with every slot at an independent random length (seeded), for combinations
    the one-slot-at-a-time sweep does not reach."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        values = {}
        for slot in SLOTS:
            low = 0 if slot.name in EMPTY_ALLOWED else 1
            values[slot.name] = slot.build(rng.randint(low, 110), RANDOM_UIDS + index)
        if rng.random() < 0.5:
            values["package"] = ""
        cases.append(Case("random", index, f"seed={seed}", Spec(**values)))
    return cases


# --- descriptors -------------------------------------------------------------------


def _message(name: str, *nested: str) -> descriptor_pb2.DescriptorProto:
    message = descriptor_pb2.DescriptorProto(name=name)
    for inner in nested:
        message.nested_type.add(name=inner)
    return message


def _type_name(package: str, *names: str) -> str:
    return ".".join(("", package, *names) if package else ("", *names))


def case_files(spec: Spec) -> list[descriptor_pb2.FileDescriptorProto]:
    """The case's file and the two files it imports (besides well-known types), in
    dependency order."""
    package = spec.proto_package
    sibling = descriptor_pb2.FileDescriptorProto(
        name=spec.sibling_path, package=package, syntax="proto3"
    )
    sibling.message_type.append(_message(spec.sibling))
    foreign = descriptor_pb2.FileDescriptorProto(
        name=spec.foreign_path, package=spec.foreign_package, syntax="proto3"
    )
    # Also a namesake of the request message: imported with an alias (`R as R_`).
    foreign.message_type.extend([_message(spec.foreign), _message(spec.request)])

    main = descriptor_pb2.FileDescriptorProto(name=spec.main_file, package=package, syntax="proto3")
    main.dependency.extend([sibling.name, foreign.name, *(wkt.name for wkt in WELL_KNOWN)])
    main.message_type.extend(
        [
            _message(spec.request),
            _message(spec.response),
            _message(spec.outer, spec.inner, spec.private),
        ]
    )

    def local(*names: str) -> str:
        return _type_name(package, *names)

    request, response = local(spec.request), local(spec.response)
    empty, timestamp = ".google.protobuf.Empty", ".google.protobuf.Timestamp"
    service = main.service.add(name=spec.service)
    service.options.deprecated = True
    idempotent = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS
    # (initial, input, output, client streaming, server streaming, idempotent); `U` is
    # also deprecated.
    every_rpc = (
        ("U", request, response, False, False, True),
        ("C", request, response, True, False, False),
        ("S", request, response, False, True, False),
        ("B", request, response, True, True, False),
        ("N", local(spec.outer, spec.inner), local(spec.sibling), False, False, True),
        ("F", _type_name(spec.foreign_package, spec.foreign), empty, False, True, False),
        ("W", timestamp, local(spec.outer, spec.private), True, False, False),
        ("A", _type_name(spec.foreign_package, spec.request), request, False, False, False),
    )
    rpcs = [rpc for rpc in every_rpc if rpc[0] in spec.rpcs]
    for initial, input_type, output_type, client, server, no_side_effects in rpcs:
        method = service.method.add(
            name=initial + spec.method[1:],
            input_type=input_type,
            output_type=output_type,
            client_streaming=client,
            server_streaming=server,
        )
        if no_side_effects:
            method.options.idempotency_level = idempotent
        if initial == "U":
            method.options.deprecated = True
    if spec.comment:
        info = main.source_code_info
        paths = [[6, 0]] + [[6, 0, 2, i] for i in range(len(rpcs))]
        for path in paths:
            info.location.add(path=path, span=[0, 0, 0], leading_comments=f" {spec.comment}\n")
    return [sibling, foreign, main]


def _well_known_files() -> list[descriptor_pb2.FileDescriptorProto]:
    files = []
    for wkt in WELL_KNOWN:
        proto = descriptor_pb2.FileDescriptorProto()
        wkt.CopyToProto(proto)
        files.append(proto)
    return files


def _symbols(file: descriptor_pb2.FileDescriptorProto) -> Iterator[str]:
    def walk(prefix: str, message: descriptor_pb2.DescriptorProto) -> Iterator[str]:
        name = f"{prefix}.{message.name}"
        yield name
        for nested in message.nested_type:
            yield from walk(name, nested)

    prefix = f".{file.package}" if file.package else ""
    for message in file.message_type:
        yield from walk(prefix, message)
    for service in file.service:
        yield f"{prefix}.{service.name}"


@dataclass
class _Batch:
    files: dict[str, bytes]
    symbols: dict[str, str]
    cases: dict[str, Case]

    def accepts(self, files: list[descriptor_pb2.FileDescriptorProto]) -> bool:
        for file in files:
            known = self.files.get(file.name)
            if known is not None:
                if known != file.SerializeToString():
                    return False
                continue
            if any(symbol in self.symbols for symbol in _symbols(file)):
                return False
        return True


def batch_requests(cases: list[Case], parameter: str) -> list[tuple[bytes, dict[str, Case]]]:
    """The cases as few CodeGeneratorRequests as can hold them: a request's files must
    have distinct names (identical shared files aside) and define distinct symbols.
    Returns each request's bytes and its cases by the main file's name."""
    batches: list[_Batch] = []
    for case in cases:
        files = case_files(case.spec)
        batch = next((b for b in batches if b.accepts(files)), None)
        if batch is None:
            batch = _Batch(files={}, symbols={}, cases={})
            batches.append(batch)
        for file in files:
            if file.name not in batch.files:
                batch.files[file.name] = file.SerializeToString()
                for symbol in _symbols(file):
                    batch.symbols[symbol] = file.name
        batch.cases[case.spec.main_file] = case
    requests = []
    well_known = [f.SerializeToString() for f in _well_known_files()]
    for batch in batches:
        request = plugin_pb2.CodeGeneratorRequest(parameter=parameter)
        request.file_to_generate.extend(batch.cases)
        for data in itertools.chain(well_known, batch.files.values()):
            request.proto_file.add().MergeFromString(data)
        requests.append((request.SerializeToString(), batch.cases))
    return requests


def describe_spec(spec: Spec) -> str:
    """The case's names with their lengths, one slot a line."""
    lines = []
    for field in fields(spec):
        value = getattr(spec, field.name)
        lines.append(
            f"  {field.name:<16} {len(value):>3}  {value[:60]}{'...' if len(value) > 60 else ''}"
        )
    return "\n".join(lines)
