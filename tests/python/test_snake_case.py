"""RPC names map to the same Python method names as the reference's.

About 200 RPC names (PascalCase, camelCase, snake_case, SCREAMING_CASE, acronyms,
digits, underscores anywhere, keywords, soft keywords, builtins, runtime members) go
into one service of a temporary .proto. Ours generates it in standalone mode
(`generate`), the reference through protoc. Then:

* every RPC whose reference name is neither shared with another RPC (a collision)
  nor one of our extra reserved members gets exactly the reference's name;
* in each collision group the first RPC keeps the reference's name (rule 3);
* an RPC whose name is one of our extra reserved members gets a trailing ``_``;
* all our method names are distinct.
"""

from __future__ import annotations

import collections
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# isort: split
import gen_support as gs

KEYWORDS = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
    "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
    "raise", "return", "try", "while", "with", "yield",
]  # fmt: skip

RPC_NAMES = [
    # PascalCase and camelCase words.
    "Get", "GetItem", "ListItems", "CreateUser", "UpdateUserProfile", "DeleteAllTheThings",
    "Say", "Introduce", "getItem", "listItems", "doIt", "eBay", "iPhone", "xAxis", "mRNA",
    # Acronyms.
    "HTTPGet", "GetHTTP", "GetHTTPResponse", "HTTPResponseCode", "XMLHttpRequest",
    "ParseXML", "ParseXMLDocument", "IOStream", "UserID", "GetUserID", "GetIDs", "IDToken",
    "APIKey", "GetAPIKeys", "JSONToYAML", "URLs", "ABTest", "AB", "ABC", "ABCd", "ABcd",
    "AbC", "AbCD", "ACLs", "TCPIPStack", "DNSName", "SSLCert", "GRPCWeb", "GrpcWeb",
    "getHTTPResponse", "getURL", "getUrl", "iOS", "aB", "aBC", "aBc", "A", "a", "Ab",
    # Digits.
    "Get2", "Get2Items", "Item2Get", "Get2nd", "Get22Items", "GetItem2", "GetItem22",
    "A1", "A1B2", "A1b2", "a1B2", "Version2Beta3", "Step1Step2", "Phase1A", "X1Y1Z1",
    "Room101", "V1Beta", "V1Beta2Api", "GetV2", "V2", "Api2Go", "Base64", "Base64URLEncode",
    "X509Cert", "K8sPod", "S3Bucket", "EC2Instance", "GPT4o", "Covid19Stats", "IPv4Address",
    "IPv6", "SHA256", "Sha256Sum", "MD5Hash", "UTF8Decode", "Utf8Decode", "OAuth2Callback",
    # Underscores.
    "get_item", "Get_Item", "Get__Item", "Get_item", "get_Item", "GET_ITEM", "GET",
    "Get_", "Get__", "GetItem_", "GetItem__", "Get_2", "Get_2_Items", "get2_items",
    "HTTP_GET", "HTTP_Get", "Http_Get", "A_B", "A_B_C", "a_b", "ab_CD", "Ab_Cd",
    "List_Items_", "snake_case_name", "Mixed_CaseName", "trailing__",
    # Leading underscores and the pb_ prefix.
    "_", "__", "___", "_Get", "__Get", "_get", "_get_item", "__init__", "_1", "_A",
    "_HTTP", "_private", "pb_thing", "Pb_Thing", "PbThing", "pb_", "pb__x", "_pb_x",
    # Hard keywords, as written and capitalized, and with trailing underscores.
    *KEYWORDS,
    *(k.capitalize() for k in KEYWORDS if k[0].islower()),
    "Class_", "class_", "Import_", "Yield__", "Return_", "None_", "true_",
    # Keywords inside longer names.
    "ClassDef", "ImportFrom", "ReturnNone", "IsNone", "AsyncFor", "NotIn", "YieldFrom",
    "ForEach", "IfElse", "TryExcept", "AwaitAll",
    # Soft keywords.
    "match", "case", "type", "Match", "Case", "Type",
    # Builtins and other common names.
    "Print", "print", "List", "list", "Dict", "Id", "id", "Len", "Object", "Super",
    "Next", "Iter", "Open", "Hash", "Format", "Input", "Exit", "Help", "Self", "Cls",
    # Names of parameters and members of the generated classes and their bases.
    "Request", "Response", "Headers", "TimeoutMs", "Ctx", "Method", "Address", "Codec",
    "Protocol", "Interceptors", "HttpClient", "Session", "Send", "Receive", "Stream",
    "Path", "Service", "Endpoints", "Aclose", "Enter",
    # Reserved members: escaped by the reference too ...
    "Desc", "desc", "ExecuteUnary", "ExecuteClientStream", "ExecuteServerStream",
    "ExecuteBidiStream", "execute_unary",
    # ... and only by us (README "Naming rules", 2).
    "Close", "close", "Close_", "Str", "Int", "Bool", "Property", "Classmethod",
    "Deprecated",
]  # fmt: skip

# Names we escape and the reference does not (README "Naming rules", rule 2).
OURS_ONLY_RESERVED = {
    "close",
    "str",
    "int",
    "bool",
    "property",
    "classmethod",
    "deprecated",
}

PACKAGE = "names.v1"
SERVICE = "Names"


def write_proto(directory: Path) -> Path:
    lines = [
        'syntax = "proto3";',
        "",
        f"package {PACKAGE};",
        "",
        "message Req {}",
        "message Res {}",
        "",
        f"service {SERVICE} {{",
        *(f"  rpc {name}(Req) returns (Res);" for name in RPC_NAMES),
        "}",
        "",
    ]
    path = directory / "names" / "v1" / "names.proto"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_name_list_is_large_and_distinct() -> None:
    assert len(RPC_NAMES) == len(set(RPC_NAMES)), [
        n for n, c in collections.Counter(RPC_NAMES).items() if c > 1
    ]
    assert len(RPC_NAMES) >= 200


@dataclass(frozen=True)
class Generated:
    ours: gs.Tree  # py flavor: our _connect.py next to protoc-gen-py's messages
    ref: Path

    @property
    def ours_methods(self) -> dict[str, str]:
        return gs.endpoint_methods(gs.parse(self.ours.path / MODULE_PATH), APP)

    @property
    def ref_methods(self) -> dict[str, str]:
        return gs.endpoint_methods(gs.parse(self.ref / MODULE_PATH), APP)


MODULE_PATH = f"{PACKAGE.replace('.', '/')}/names_connect.py"
APP = f"{SERVICE}ASGIApplication"


@pytest.fixture(scope="module")
def generated(
    plugin: Path, ref_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Generated:
    root = tmp_path_factory.mktemp("snake_case")
    proto_root = root / "proto"
    write_proto(proto_root)
    relative = f"{PACKAGE.replace('.', '/')}/names.proto"

    ours_out = root / "ours"
    gs.run(
        [plugin, "generate", "-I", proto_root, "--out", ours_out, relative], check=True
    )
    protoc_gen_py = Path(sys.executable).parent / "protoc-gen-py"
    gs.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            proto_root,
            f"--plugin=protoc-gen-py={protoc_gen_py}",
            f"--py_out={ours_out}",
            relative,
        ],
        check=True,
    )
    ref_out = root / "ref"
    ref_out.mkdir()
    gs.run(
        [
            ref_python,
            "-m",
            "grpc_tools.protoc",
            "-I",
            proto_root,
            f"--plugin=protoc-gen-connectrpc={ref_python.parent / 'protoc-gen-connectrpc'}",
            f"--connectrpc_out={ref_out}",
            relative,
        ],
        check=True,
    )
    return Generated(gs.Tree("ours", "py", "default", ours_out), ref_out)


def test_every_rpc_is_served(generated: Generated) -> None:
    ours, ref = generated.ours_methods, generated.ref_methods
    assert set(ours) == set(RPC_NAMES)
    assert set(ref) == set(RPC_NAMES)


def test_our_method_names_are_distinct(generated: Generated) -> None:
    ours = generated.ours_methods
    counts = collections.Counter(ours.values())
    assert {name: n for name, n in counts.items() if n > 1} == {}


def test_names_match_the_reference(generated: Generated) -> None:
    ours, ref = generated.ours_methods, generated.ref_methods
    ref_counts = collections.Counter(ref.values())
    mismatches = []
    checked = 0
    first_in_group: set[str] = set()
    for rpc in RPC_NAMES:  # declaration order
        expected = ref[rpc]
        reserved = expected.rstrip("_") in OURS_ONLY_RESERVED
        if ref_counts[expected] > 1:
            if expected in first_in_group:
                continue  # a later member of a collision group: only distinctness holds
            first_in_group.add(expected)
        if reserved:
            expected += "_"
        checked += 1
        if ours[rpc] != expected:
            mismatches.append(
                f"{rpc}: ours {ours[rpc]!r}, expected {expected!r} (reference {ref[rpc]!r})"
            )
    assert not mismatches, "\n".join(mismatches)
    # Most names are not involved in any hazard.
    assert checked >= 150, checked


def test_generated_service_type_checks(generated: Generated, tmp_path: Path) -> None:
    # Methods named like builtins or decorators the class body uses (`int`, `str`,
    # `property`, `deprecated`, ...) must not break the annotations around them.
    config = gs.write_mypy_config(generated.ours, tmp_path)
    result = gs.run_mypy(
        generated.ours, config, [generated.ours.path / MODULE_PATH], cache="snake-case"
    )
    assert result.returncode == 0, gs.describe(result)


def test_generated_service_imports(generated: Generated) -> None:
    module = PACKAGE + ".names_connect"
    report = gs.run_python_in_tree(
        generated.ours,
        """
import importlib, json
module = importlib.import_module(sys.argv[2])
print(json.dumps(sorted(n for n in vars(module.NamesClient) if not n.startswith("_"))))
""",
        module,
    )
    assert isinstance(report, list)
    assert set(generated.ours_methods.values()) <= set(report)
