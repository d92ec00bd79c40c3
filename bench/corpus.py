#!/usr/bin/env python3
"""Writes the generator benchmark's corpus: FILES .proto files, each with SERVICES
services of RPCS RPCs. The RPCs take every stream kind in turn, every service and RPC has
a comment (some RPCs a trailing one too), some unary RPCs are NO_SIDE_EFFECTS, and each
file imports a well-known type (google/protobuf/empty.proto, the input of every service's
last RPC) beside its own request and response messages.

The default shape, 200 x 5 x 21 = 21,000 RPCs, gives a CodeGeneratorRequest of about
10 MB through protoc with source info. The files depend only on the arguments, so two
runs write the same bytes.

    python3 bench/corpus.py OUT_DIR [--files 200] [--services 5] [--rpcs 21]

Prints the .proto paths relative to OUT_DIR, one a line, for protoc's arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# (client_streaming, server_streaming, verb, description) in the order RPCs take them.
KINDS = [
    (False, False, "Get", "a unary RPC"),
    (False, True, "Watch", "a server-streaming RPC"),
    (True, False, "Upload", "a client-streaming RPC"),
    (True, True, "Chat", "a bidirectional-streaming RPC"),
]
# Each noun has a request and a response message per file, shared by the RPCs on it.
NOUNS = ["Item", "Order", "Account", "Invoice", "Shipment", "Review", "Catalog"]


def proto_file(index: int, services: int, rpcs: int) -> tuple[str, str]:
    package = f"bench.f{index:04d}.v1"
    out = [
        'syntax = "proto3";',
        "",
        f"// Package {package} is a synthetic API for the generator benchmark.",
        f"package {package};",
        "",
        'import "google/protobuf/empty.proto";',
        "",
    ]
    for s in range(services):
        out.append(f"// Bench{s}Service is service {s} of file {index}.")
        out.append(f"service Bench{s}Service {{")
        for r in range(rpcs):
            client_streaming, server_streaming, verb, description = KINDS[
                r % len(KINDS)
            ]
            noun = NOUNS[r % len(NOUNS)]
            rpc = f"{verb}{noun}{r}"
            # The last RPC of each service takes the well-known type.
            request = "google.protobuf.Empty" if r == rpcs - 1 else f"{noun}Request"
            signature = (
                f"rpc {rpc}({'stream ' if client_streaming else ''}{request})"
                f" returns ({'stream ' if server_streaming else ''}{noun}Response)"
            )
            out.append(f"  // {rpc} is {description}.")
            if not client_streaming and not server_streaming and r % 8 == 0:
                out.append(f"  {signature} {{")
                out.append("    option idempotency_level = NO_SIDE_EFFECTS;")
                out.append("  }")
            elif r % 3 == 0:
                out.append(f"  {signature}; // See the {noun.lower()} guide.")
            else:
                out.append(f"  {signature};")
        out.append("}")
        out.append("")
    for noun in NOUNS:
        out.append(f"message {noun}Request {{\n  string name = 1;\n}}\n")
        out.append(f"message {noun}Response {{\n  bytes payload = 1;\n}}\n")
    return f"bench/f{index:04d}/v1/api.proto", "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "out", type=Path, help="directory to write the .proto files under"
    )
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--services", type=int, default=5, help="services per file")
    parser.add_argument("--rpcs", type=int, default=21, help="RPCs per service")
    args = parser.parse_args()
    for index in range(args.files):
        path, text = proto_file(index, args.services, args.rpcs)
        target = args.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
