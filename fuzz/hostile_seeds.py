"""Hand-made hostile seeds for fuzz/corpus/plugin/, derived from a captured request.

Run by scripts/update-fuzz-corpus with .venv-test's Python:

    hostile_seeds.py CAPTURED_ELIZA_REQUEST OUT_DIR

Each seed is a CodeGeneratorRequest that protoc never sends, or sends rarely, and that
the generator must refuse cleanly or handle: names that are not identifiers, keywords,
colliding names, a parameter with a newline, file names that leave the output, bytes that
are not UTF-8 where protobuf wants a string. Bytes that are not UTF-8 cannot be put in a
`string` field with protobuf's Python API, so such a seed is built with a placeholder of
the same length that is swapped for the raw bytes after serializing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from google.protobuf.compiler import plugin_pb2

if TYPE_CHECKING:
    from collections.abc import Callable

    from google.protobuf import descriptor_pb2

Request = plugin_pb2.CodeGeneratorRequest


def eliza_file(request: Request) -> descriptor_pb2.FileDescriptorProto:
    """The request's file to generate (the eliza service)."""
    (name,) = request.file_to_generate
    return next(f for f in request.proto_file if f.name == name)


def rename_file(request: Request, name: str) -> None:
    eliza_file(request).name = name
    request.file_to_generate[0] = name


def set_parameter(value: str) -> Callable[[Request], None]:
    def edit(request: Request) -> None:
        request.parameter = value

    return edit


def file_name(name: str) -> Callable[[Request], None]:
    def edit(request: Request) -> None:
        rename_file(request, name)

    return edit


def service_and_method(service: str, method: str) -> Callable[[Request], None]:
    def edit(request: Request) -> None:
        proto = eliza_file(request)
        proto.service[0].name = service
        proto.service[0].method[0].name = method

    return edit


def missing_file(request: Request) -> None:
    request.file_to_generate.append("not/in/the/request.proto")


def colliding_names(request: Request) -> None:
    """Services Foo, FooClient and FooSync; RPCs GetItem, Get_Item and Close."""
    proto = eliza_file(request)
    template = proto.service[0]
    del proto.service[:]
    for name in ["Foo", "FooClient", "FooSync", "annotations"]:
        service = proto.service.add()
        service.CopyFrom(template)
        service.name = name
        for method, new_name in zip(
            service.method, ["GetItem", "Get_Item", "Close", "close"], strict=True
        ):
            method.name = new_name


def keyword_message(request: Request) -> None:
    """A message `None` (google flavor: a clean error) and a nested `class`."""
    request.parameter = "protobuf=google"
    proto = eliza_file(request)
    proto.message_type[0].name = "None"
    nested = proto.message_type[1].nested_type.add()
    nested.name = "class"
    method = proto.service[0].method
    method[0].input_type = f".{proto.package}.None"
    method[1].input_type = f".{proto.package}.{proto.message_type[1].name}.class"


def natural_order(request: Request) -> None:
    """Message types Item2 and Item10, which ruff's isort sorts naturally."""
    proto = eliza_file(request)
    names = ["Item10", "Item2", "Item1", "Item20"]
    for message, name in zip(proto.message_type[: len(names)], names, strict=True):
        message.name = name
    for i, method in enumerate(proto.service[0].method):
        method.input_type = f".{proto.package}.{names[i % len(names)]}"
        method.output_type = f".{proto.package}.{names[(i + 1) % len(names)]}"


def long_names(request: Request) -> None:
    """A 200-character service name and a 120-character method name."""
    service_and_method("S" * 200, "M" + "m" * 119)(request)


def malformed_source_info(request: Request) -> bytes:
    """source_code_info whose first location claims more bytes than the field holds."""
    info = eliza_file(request).source_code_info
    del info.location[1:]
    info.location[0].leading_comments = "x" * 40
    good = info.SerializeToString()
    # Field 1 (a location), with a one-byte length.
    assert good[0] == 0x0A, good[:2]
    assert good[1] < 0x7F, good[:2]
    bad = good[:1] + b"\x7f" + good[2:]
    encoded = request.SerializeToString()
    assert encoded.count(good) == 1
    return encoded.replace(good, bad)


def hostile_comments(request: Request) -> None:
    """Comments with tabs, typography, quotes, backslashes, controls, line breaks."""
    proto = eliza_file(request)
    comments = [
        " \tTabbed\n    indented code\n  two spaces\n",
        " \u2019quoted\u2019 \u2013 dash\u00a0nbsp \u0421offee\r\n CRLF\u2028LS\u2029PS\x85NEL",
        ' """triple""" \\ backslash \\n \x00 nul \x0b\x0c\x1c\x1d\x1e\x1f\x7f',
        " \u200bzero width \u202eRTL\u202c \ufeffBOM trailing   \n\n\n",
    ]
    for location in proto.source_code_info.location:
        if list(location.path[:1]) == [6] and len(location.path) in {2, 4}:
            location.leading_comments = comments[len(location.path) % len(comments)]
            location.trailing_comments = comments[(location.path[-1] + 1) % len(comments)]


PLACEHOLDER = "~PLACEHOLDER~" * 4


def with_raw_bytes(edit: Callable[[Request, str], None], raw: bytes) -> Callable[[Request], bytes]:
    """A seed whose placeholder string is replaced by `raw` (same length) once encoded."""
    assert 6 <= len(raw) <= len(PLACEHOLDER), raw
    placeholder = PLACEHOLDER[: len(raw)]

    def build(request: Request) -> bytes:
        edit(request, placeholder)
        encoded = request.SerializeToString()
        assert encoded.count(placeholder.encode()) == 1, placeholder
        return encoded.replace(placeholder.encode(), raw)

    return build


def latin1_comment(request: Request, placeholder: str) -> None:
    for location in eliza_file(request).source_code_info.location:
        if list(location.path) == [6, 0]:
            location.leading_comments = f" caf{placeholder} au lait\n"


def latin1_service_name(request: Request, placeholder: str) -> None:
    eliza_file(request).service[0].name = f"Caf{placeholder}"


EDITS: dict[str, Callable[[Request], None]] = {
    "parameter-newline": set_parameter("protobuf=google\nio=sync"),
    "parameter-unknown": set_parameter("flavour=google,io=both"),
    "parameter-line-separator": set_parameter("imports=absolute\u2028x"),
    "file-name-dotdot": file_name("../../x/eliza.proto"),
    "file-name-absolute": file_name("/abs/eliza.proto"),
    "file-name-space-newline": file_name("a b/c\nd.proto"),
    "file-name-keyword": file_name("class/None.proto"),
    "names-not-identifiers": service_and_method("1 Service", 'Say"Hi'),
    "names-keywords": service_and_method("class", "None"),
    "names-runtime": service_and_method("ConnectClient", "execute_unary"),
    "names-colliding": colliding_names,
    "names-natural-order": natural_order,
    "names-long": long_names,
    "message-keyword-google": keyword_message,
    "file-to-generate-missing": missing_file,
    "comments-hostile": hostile_comments,
}

RAW: dict[str, Callable[[Request], bytes]] = {
    "comments-latin1": with_raw_bytes(latin1_comment, b"\xe9t\xe9 \xff\xfe"),
    "names-latin1": with_raw_bytes(latin1_service_name, b"\xe9t\xe9\xc0\xaf!"),
    "comments-malformed-source-info": malformed_source_info,
}


def main() -> None:
    captured, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    data = captured.read_bytes()
    seeds: dict[str, bytes] = {"empty-request": b""}
    for name, edit in EDITS.items():
        request = Request.FromString(data)
        edit(request)
        encoded = request.SerializeToString()
        seeds[name] = encoded
    for name, build in RAW.items():
        seeds[name] = build(Request.FromString(data))
    for name, encoded in seeds.items():
        (out_dir / f"hostile-{name}.bin").write_bytes(encoded)
    print(f"{len(seeds)} hostile seeds")


if __name__ == "__main__":
    main()
