"""The two message APIs the conformance programs run on, behind one small interface.

Our plugin generates for either message flavor (see README.md, "The two flavors"):

- `google`: protoc's `*_pb2.py` (google.protobuf), with `--connect_python_opt=protobuf=google`;
- `py`: protoc-gen-py's `*_pb.py` (protobuf-py), our default and what the runtime's own
  conformance programs use.

The programs build, read and write the suite's messages the same way in both: keyword
constructors, plain attribute reads, iteration and `append` on repeated fields all behave
alike. What differs (serialization, field presence, oneofs, Any packing, enum names, the
JSON codec) goes through a `Flavor`, one per message API. Messages are typed `Any` here:
which classes they are depends on the tree the process loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connectrpc.codec import Codec


class ProtoEnum:
    """A conformance enum, by the names its values have in the .proto file.

    protoc's modules spell a value `config_pb2.CODEC_JSON`, protobuf-py's
    `config_pb.Codec.JSON` (prefix stripped): this reads both as `CODEC.CODEC_JSON`.
    Values are the plain numbers either flavor accepts and compares equal to.
    """

    def __init__(self, name: str, numbers: Mapping[str, int]) -> None:
        self._name = name
        self._numbers = dict(numbers)
        self._names = {number: value for value, number in self._numbers.items()}

    def __getattr__(self, value: str) -> int:
        try:
            return self._numbers[value]
        except KeyError:
            msg = f"enum {self._name} has no value {value}"
            raise AttributeError(msg) from None

    def name(self, number: int) -> str:
        """The value's name in the .proto file (`CODEC_JSON`), or the number itself."""
        return self._names.get(int(number), str(int(number)))


class Flavor(Protocol):
    """The operations whose spelling differs between google.protobuf and protobuf-py."""

    name: str

    def from_binary(self, message_type: type[Any], data: bytes) -> Any: ...

    def to_binary(self, message: Any) -> bytes: ...

    def has(self, message: Any, field: str) -> bool:
        """Whether a field with presence (a message, an `optional` scalar) is set."""
        ...

    def which_oneof(self, message: Any, oneof: str) -> tuple[str | None, Any]:
        """The (field name, value) set in the oneof, or (None, None)."""
        ...

    def oneof(self, oneof: str, field: str, value: Any) -> dict[str, Any]:
        """Constructor keyword arguments that set `field` of `oneof` to `value`."""
        ...

    def pack(self, message: Any) -> Any:
        """The message in a google.protobuf.Any of this flavor."""
        ...

    def new_any(self, type_url: str, value: bytes) -> Any: ...

    def unpack(self, packed: Any, message_type: type[Any]) -> Any | None:
        """The Any's message as message_type, or None if it holds another type."""
        ...

    def enum(self, enum_type: Any) -> ProtoEnum: ...

    def json_codec(self) -> Codec:
        """A Connect JSON codec that can write and read this flavor's Anys."""
        ...

    def app_codecs(self) -> list[Codec] | None:
        """What the applications get for `codecs=`; None keeps the generated default."""
        ...


class GoogleFlavor:
    """google.protobuf messages (protoc --python_out, our `protobuf=google`)."""

    name = "google"

    def from_binary(self, message_type: type[Any], data: bytes) -> Any:
        return message_type.FromString(data)

    def to_binary(self, message: Any) -> bytes:
        data: bytes = message.SerializeToString()
        return data

    def has(self, message: Any, field: str) -> bool:
        present: bool = message.HasField(field)
        return present

    def which_oneof(self, message: Any, oneof: str) -> tuple[str | None, Any]:
        field = message.WhichOneof(oneof)
        return (field, getattr(message, field)) if field else (None, None)

    def oneof(self, oneof: str, field: str, value: Any) -> dict[str, Any]:
        del oneof  # google.protobuf sets a oneof through its field
        return {field: value}

    def pack(self, message: Any) -> Any:
        from google.protobuf.any_pb2 import Any as GoogleAny

        packed = GoogleAny()
        packed.Pack(message)
        return packed

    def new_any(self, type_url: str, value: bytes) -> Any:
        from google.protobuf.any_pb2 import Any as GoogleAny

        return GoogleAny(type_url=type_url, value=value)

    def unpack(self, packed: Any, message_type: type[Any]) -> Any | None:
        message = message_type()
        return message if packed.Unpack(message) else None

    def enum(self, enum_type: Any) -> ProtoEnum:
        descriptor = enum_type.DESCRIPTOR
        return ProtoEnum(descriptor.name, {v.name: v.number for v in descriptor.values})

    def json_codec(self) -> Codec:
        # Resolves Any through google.protobuf's default descriptor pool, where importing
        # the *_pb2 modules registered every conformance message.
        from connectrpc.compat import google_protobuf_json_codec

        return google_protobuf_json_codec()

    def app_codecs(self) -> list[Codec] | None:
        # The generated default, google_protobuf_codecs(), already resolves Any (above).
        return None


class PyFlavor:
    """protobuf-py messages (protoc-gen-py, our default `protobuf=py`)."""

    name = "py"

    def __init__(self, files: Iterable[Any]) -> None:
        # The file descriptors (`service_pb.desc()`, ...) whose messages travel in Anys:
        # protobuf-py's JSON has no global registry, so the JSON codec is given these.
        self._files = list(files)

    def from_binary(self, message_type: type[Any], data: bytes) -> Any:
        return message_type.from_binary(data)

    def to_binary(self, message: Any) -> bytes:
        data: bytes = message.to_binary()
        return data

    def has(self, message: Any, field: str) -> bool:
        present: bool = message.has_field(field)
        return present

    def which_oneof(self, message: Any, oneof: str) -> tuple[str | None, Any]:
        # protobuf-py reads a oneof as one attribute: a protobuf.Oneof(field, value) or None.
        value = getattr(message, oneof)
        return (value.field, value.value) if value is not None else (None, None)

    def oneof(self, oneof: str, field: str, value: Any) -> dict[str, Any]:
        from protobuf import Oneof

        return {oneof: Oneof(field, value)}

    def pack(self, message: Any) -> Any:
        from protobuf.wkt import Any as PyAny

        return PyAny.pack(message)

    def new_any(self, type_url: str, value: bytes) -> Any:
        from protobuf.wkt import Any as PyAny

        return PyAny(type_url=type_url, value=value)

    def unpack(self, packed: Any, message_type: type[Any]) -> Any | None:
        return packed.unpack(message_type)

    def enum(self, enum_type: Any) -> ProtoEnum:
        descriptor = enum_type.desc()
        return ProtoEnum(descriptor.name, {v.name: v.number for v in descriptor.values})

    def json_codec(self) -> Codec:
        from connectrpc.codec import proto_json_codec
        from protobuf import Registry

        return proto_json_codec(Registry(*self._files))

    def app_codecs(self) -> list[Codec] | None:
        # The generated default (None: the runtime's binary and JSON codecs) gives JSON
        # only the well-known types, so every JSON request echoed as an Any would fail.
        from connectrpc.codec import proto_binary_codec

        return [proto_binary_codec(), self.json_codec()]
