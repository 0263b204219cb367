"""The one place detector state is serialised: a compact, versioned binary format, never pickle.

A detector saves itself as four things:

- its **kind**, a short registered name (`register_kind`) saying which class can read it back,
  plus a **layout** number the detector bumps when it changes what it stores;
- its **params**, the `__init__` arguments: a dict of plain JSON values (None, bool, int,
  finite float, str, and lists and str-keyed dicts of them), stored as orjson;
- named numpy **arrays** of a numeric or bool dtype, stored as dtype, shape and raw
  little-endian bytes;
- named **scalars**: bool, int (64-bit), float, str, or a tuple of str (e.g. feature names).

    >>> import numpy as np
    >>> from dexwatch.detectors.state_codec import decode_state, encode_state, register_kind
    >>> kind = register_kind("doc_example", dict)
    >>> data = encode_state(
    ...     kind, {"window": 5}, arrays={"mass": np.arange(3, dtype=np.uint8)}, scalars={"n": 7}
    ... )
    >>> state = decode_state(data, expected_kind="doc_example")
    >>> state.params["window"], state.array("mass", np.uint8).tolist(), state.scalar("n", int)
    (5, [0, 1, 2], 7)

Nothing here ever unpickles: arrays are read with `numpy.frombuffer` from an allowlist of
dtypes, params with orjson. Every failure to read (wrong magic, unknown version, truncated or
corrupted bytes, another kind of detector, a missing or mistyped field) raises
`schemas.errors.StateFormatError`, which is also a `ValueError`.

Wire format, version 1 (all integers little-endian):

    magic      4 bytes   b"DXST"
    version    u16       FORMAT_VERSION
    flags      u8        bit 0: the body is zlib-compressed
    kind       u8 length + ASCII
    layout     u16
    body       (zlib-compressed when flag bit 0 is set)
        params     u32 length + orjson bytes of a JSON object
        arrays     u16 count, each: name (u8 length + UTF-8), dtype code u8, ndim u8,
                   shape (u32 per dimension), raw bytes (C order)
        scalars    u16 count, each: name (u8 length + UTF-8), tag u8, value:
                   b"?" u8 0/1 | b"i" i64 | b"f" f64 | b"s" u32 length + UTF-8 |
                   b"t" u32 count, then u32 length + UTF-8 per string
    crc32      u32       of every byte before it
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import orjson

from dexwatch.schemas.errors import StateFormatError

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "DecodedState",
    "Scalar",
    "decode_state",
    "encode_state",
    "kind_owner",
    "peek_kind",
    "register_kind",
]

MAGIC: Final = b"DXST"
FORMAT_VERSION: Final = 1

Scalar = bool | int | float | str | tuple[str, ...]

_COMPRESSED: Final = 0x01
MAX_BODY_BYTES = 256 * 1024 * 1024  # a decompressed body larger than this is refused
_MAX_NDIM: Final = 32
_KIND_PATTERN: Final = re.compile(r"[a-z][a-z0-9_.-]{0,31}")
_INT64 = (-(2**63), 2**63 - 1)

# The only dtypes an array may have; the code is what the wire format stores.
_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    1: np.dtype("?"),
    2: np.dtype("<i1"),
    3: np.dtype("<u1"),
    4: np.dtype("<i2"),
    5: np.dtype("<u2"),
    6: np.dtype("<i4"),
    7: np.dtype("<u4"),
    8: np.dtype("<i8"),
    9: np.dtype("<u8"),
    10: np.dtype("<f4"),
    11: np.dtype("<f8"),
}
_DTYPE_CODES: Final = {dtype: code for code, dtype in _DTYPES.items()}

_registry: dict[str, type] = {}

T = TypeVar("T", bool, int, float, str)


def register_kind(kind: str, owner: type) -> str:
    """Claim `kind` (lowercase, 1-32 of `a-z0-9_.-`) for the class `owner`; returns `kind`.

    Each detector module calls this once at import. Registering the same kind again for the
    same class (a module reload) is fine; for another class it raises `ValueError`.
    """
    if not _KIND_PATTERN.fullmatch(kind):
        raise ValueError(f"detector kind {kind!r} must match {_KIND_PATTERN.pattern}")
    known = _registry.get(kind)
    if known is not None and known.__qualname__ != owner.__qualname__:
        raise ValueError(f"detector kind {kind!r} is already registered to {known.__qualname__}")
    _registry[kind] = owner
    return kind


def kind_owner(kind: str) -> type:
    """The class registered for `kind`, e.g. to restore a state whose kind was peeked."""
    try:
        return _registry[kind]
    except KeyError:
        raise StateFormatError(f"no detector is registered for state kind {kind!r}") from None


@dataclass(frozen=True, slots=True)
class DecodedState:
    """What `decode_state` read back.

    `params` come back as JSON values (tuples become lists). The typed getters below raise
    `StateFormatError` naming the field when it is missing or of the wrong type, so a
    detector's `from_state` needs no checks of its own.
    """

    kind: str
    layout: int
    params: dict[str, Any]
    arrays: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    scalars: dict[str, Scalar] = field(default_factory=dict)

    def array(
        self,
        name: str,
        dtype: npt.DTypeLike | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> npt.NDArray[Any]:
        """The array `name` (a writable copy), checked against `dtype` and `shape` if given."""
        try:
            value = self.arrays[name]
        except KeyError:
            raise StateFormatError(f"{self.kind} state has no array {name!r}") from None
        if dtype is not None and value.dtype != np.dtype(dtype):
            raise StateFormatError(
                f"{self.kind} state array {name!r} is {value.dtype}, expected {np.dtype(dtype)}"
            )
        if shape is not None and value.shape != shape:
            raise StateFormatError(
                f"{self.kind} state array {name!r} has shape {value.shape}, expected {shape}"
            )
        return value

    def scalar(self, name: str, kind: type[T]) -> T:
        """The scalar `name`, which must be a `kind` (an int is accepted where a float is)."""
        try:
            value = self.scalars[name]
        except KeyError:
            raise StateFormatError(f"{self.kind} state has no scalar {name!r}") from None
        if kind is float and type(value) is int:
            return kind(value)
        if type(value) is not kind:
            raise StateFormatError(
                f"{self.kind} state scalar {name!r} is {type(value).__name__}, "
                f"expected {kind.__name__}"
            )
        return value

    def names(self, name: str) -> tuple[str, ...]:
        """The tuple-of-str scalar `name` (e.g. feature names)."""
        try:
            value = self.scalars[name]
        except KeyError:
            raise StateFormatError(f"{self.kind} state has no scalar {name!r}") from None
        if not isinstance(value, tuple):
            raise StateFormatError(
                f"{self.kind} state scalar {name!r} is {type(value).__name__}, expected names"
            )
        return value


def encode_state(
    kind: str,
    params: Mapping[str, Any],
    arrays: Mapping[str, npt.NDArray[Any]] | None = None,
    scalars: Mapping[str, Scalar] | None = None,
    *,
    layout: int = 1,
    compress: bool = False,
) -> bytes:
    """The bytes of one detector's state; see the module docstring for the format.

    `kind` must have been registered with `register_kind`. Arrays are stored in C order and
    little-endian whatever their memory layout. `compress` zlib-compresses the body (worth it
    for sparse arrays such as mass counts). Raises `StateFormatError` on anything the format
    cannot hold: an unregistered kind, a param that is not plain JSON, an object dtype, a name
    longer than 255 bytes, an int outside 64 bits.
    """
    if kind not in _registry:
        raise StateFormatError(f"state kind {kind!r} is not registered (see register_kind)")
    if not 0 <= layout <= 0xFFFF:
        raise StateFormatError(f"layout {layout} does not fit in 16 bits")
    body = bytearray()
    params_json = _params_json(params)
    body += struct.pack("<I", len(params_json)) + params_json
    arrays = arrays or {}
    scalars = scalars or {}
    if len(arrays) > 0xFFFF or len(scalars) > 0xFFFF:
        raise StateFormatError("at most 65535 arrays and 65535 scalars")
    body += struct.pack("<H", len(arrays))
    for name, array in arrays.items():
        body += _encode_array(name, array)
    body += struct.pack("<H", len(scalars))
    for name, value in scalars.items():
        body += _encode_scalar(name, value)
    flags = 0
    stored = bytes(body)
    if compress:
        flags |= _COMPRESSED
        stored = zlib.compress(stored, 6)
    kind_bytes = kind.encode("ascii")
    out = (
        MAGIC
        + struct.pack("<HB", FORMAT_VERSION, flags)
        + struct.pack("<B", len(kind_bytes))
        + kind_bytes
        + struct.pack("<H", layout)
        + stored
    )
    return out + struct.pack("<I", zlib.crc32(out))


def peek_kind(data: bytes) -> str:
    """The kind a state was saved as, read from its header alone (checks magic and version)."""
    return _Reader(_checked(data)).header()[0]


def decode_state(data: bytes, expected_kind: str | None = None) -> DecodedState:
    """Read back what `encode_state` wrote; refuse another kind when `expected_kind` is given.

    Raises `StateFormatError` on wrong magic, an unknown format version, truncated, trailing
    or corrupted bytes (every state carries a CRC-32), or a kind other than `expected_kind`.
    """
    reader = _Reader(_checked(data))
    kind, layout, flags = reader.header()
    if expected_kind is not None and kind != expected_kind:
        raise StateFormatError(f"this is {kind!r} state, not {expected_kind!r} state")
    body = reader.rest()
    if flags & _COMPRESSED:
        body = _decompress(body)
    reader = _Reader(body)
    params = reader.params()
    arrays: dict[str, npt.NDArray[Any]] = {}
    for _ in range(reader.unpack("<H")[0]):
        name = reader.name()
        if name in arrays:
            raise StateFormatError(f"array {name!r} appears twice")
        arrays[name] = reader.array(name)
    scalars: dict[str, Scalar] = {}
    for _ in range(reader.unpack("<H")[0]):
        name = reader.name()
        if name in scalars:
            raise StateFormatError(f"scalar {name!r} appears twice")
        scalars[name] = reader.scalar(name)
    if reader.remaining:
        raise StateFormatError(f"{reader.remaining} unexpected bytes after the scalars")
    return DecodedState(kind, layout, params, arrays, scalars)


def _checked(data: bytes) -> bytes:
    """`data` minus its CRC trailer, after checking type, magic, version and the CRC."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise StateFormatError(f"state must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise StateFormatError(
            f"not dexwatch detector state: starts with {data[:4]!r}, expected {MAGIC!r}"
        )
    if len(data) >= 6:
        (version,) = struct.unpack_from("<H", data, 4)
        if version != FORMAT_VERSION:
            raise StateFormatError(
                f"state format version {version} is not supported (this dexwatch reads "
                f"version {FORMAT_VERSION})"
            )
    if len(data) < 4 + 2 + 1 + 1 + 2 + 4:
        raise StateFormatError(f"state is truncated: {len(data)} bytes")
    payload, (crc,) = data[:-4], struct.unpack("<I", data[-4:])
    if zlib.crc32(payload) != crc:
        raise StateFormatError("state is truncated or corrupted: its CRC-32 does not match")
    return payload


def _decompress(body: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, MAX_BODY_BYTES)
    except zlib.error as error:
        raise StateFormatError(f"state body does not decompress: {error}") from error
    if inflater.unconsumed_tail:
        raise StateFormatError(f"state body decompresses to more than {MAX_BODY_BYTES} bytes")
    if not inflater.eof:
        raise StateFormatError("state body is truncated: zlib stream incomplete")
    return out


def _params_json(params: Mapping[str, Any]) -> bytes:
    if not isinstance(params, Mapping):
        raise StateFormatError(f"params must be a mapping, not {type(params).__name__}")
    _check_plain(dict(params), "params")
    return orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS)


def _check_plain(value: Any, path: str) -> None:
    """Refuse anything that would not come back from JSON as itself (or a list for a tuple)."""
    if value is None or type(value) in (bool, str):
        return
    if type(value) is int:
        if not _INT64[0] <= value <= _INT64[1]:
            raise StateFormatError(f"{path} = {value} does not fit in 64 bits")
        return
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise StateFormatError(f"{path} = {value}: JSON holds only finite numbers")
        return
    if type(value) in (list, tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
        return
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise StateFormatError(f"{path} has a key {key!r} that is not a str")
            _check_plain(item, f"{path}[{key!r}]")
        return
    raise StateFormatError(f"{path} is a {type(value).__name__}, not a plain JSON value")


def _encode_name(name: str) -> bytes:
    if not isinstance(name, str) or not name:
        raise StateFormatError(f"field name {name!r} must be a non-empty str")
    raw = name.encode("utf-8")
    if len(raw) > 0xFF:
        raise StateFormatError(f"field name {name[:40]!r}... is longer than 255 bytes")
    return struct.pack("<B", len(raw)) + raw


def _encode_array(name: str, array: npt.NDArray[Any]) -> bytes:
    if not isinstance(array, np.ndarray):
        raise StateFormatError(f"array {name!r} is a {type(array).__name__}, not a numpy array")
    little = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    code = _DTYPE_CODES.get(np.dtype(little))
    if code is None:
        allowed = ", ".join(str(dtype) for dtype in _DTYPES.values())
        raise StateFormatError(f"array {name!r} has dtype {array.dtype}; allowed: {allowed}")
    if array.ndim > _MAX_NDIM:
        raise StateFormatError(f"array {name!r} has {array.ndim} dimensions, at most 32")
    if any(size > 0xFFFFFFFF for size in array.shape):
        raise StateFormatError(f"array {name!r} has a dimension over 2**32 - 1")
    data = np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    return (
        _encode_name(name)
        + struct.pack("<BB", code, array.ndim)
        + struct.pack(f"<{array.ndim}I", *array.shape)
        + data
    )


def _encode_scalar(name: str, value: Scalar) -> bytes:
    head = _encode_name(name)
    if type(value) is bool:
        return head + b"?" + struct.pack("<B", value)
    if type(value) is int:
        if not _INT64[0] <= value <= _INT64[1]:
            raise StateFormatError(f"scalar {name!r} = {value} does not fit in 64 bits")
        return head + b"i" + struct.pack("<q", value)
    if type(value) is float:
        return head + b"f" + struct.pack("<d", value)
    if type(value) is str:
        raw = value.encode("utf-8")
        return head + b"s" + struct.pack("<I", len(raw)) + raw
    if type(value) is tuple and all(type(item) is str for item in value):
        out = head + b"t" + struct.pack("<I", len(value))
        for item in value:
            raw = item.encode("utf-8")
            out += struct.pack("<I", len(raw)) + raw
        return out
    raise StateFormatError(
        f"scalar {name!r} is a {type(value).__name__}; allowed: bool, int, float, str, tuple of str"
    )


class _Reader:
    """Reads fields off `data` in order; any read past the end is a truncated state."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._at

    def take(self, size: int) -> bytes:
        if size > self.remaining:
            raise StateFormatError(
                f"state is truncated: needed {size} more bytes at offset {self._at}, "
                f"{self.remaining} left"
            )
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def unpack(self, layout: str) -> tuple[Any, ...]:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))

    def rest(self) -> bytes:
        return self.take(self.remaining)

    def text(self, size: int, what: str) -> str:
        try:
            return self.take(size).decode("utf-8")
        except UnicodeDecodeError as error:
            raise StateFormatError(f"{what} is not valid UTF-8") from error

    def header(self) -> tuple[str, int, int]:
        self.take(len(MAGIC) + 2)  # magic and version, checked by _checked
        (flags,) = self.unpack("<B")
        if flags & ~_COMPRESSED:
            raise StateFormatError(f"state has unknown flags {flags:#04x}")
        (length,) = self.unpack("<B")
        kind = self.text(length, "state kind")
        if not _KIND_PATTERN.fullmatch(kind):
            raise StateFormatError(f"state kind {kind!r} is not a valid kind name")
        (layout,) = self.unpack("<H")
        return kind, layout, flags

    def params(self) -> dict[str, Any]:
        (length,) = self.unpack("<I")
        raw = self.take(length)
        try:
            params = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise StateFormatError(f"state params are not valid JSON: {error}") from error
        if not isinstance(params, dict):
            raise StateFormatError(f"state params are a {type(params).__name__}, not an object")
        return params

    def name(self) -> str:
        (length,) = self.unpack("<B")
        if length == 0:
            raise StateFormatError("a state field has an empty name")
        return self.text(length, "a state field name")

    def array(self, name: str) -> npt.NDArray[Any]:
        code, ndim = self.unpack("<BB")
        dtype = _DTYPES.get(code)
        if dtype is None:
            raise StateFormatError(f"array {name!r} has unknown dtype code {code}")
        if ndim > _MAX_NDIM:
            raise StateFormatError(f"array {name!r} claims {ndim} dimensions")
        shape = tuple(int(size) for size in self.unpack(f"<{ndim}I"))
        count = 1
        for size in shape:
            count *= size
        # numpy refuses shapes whose nonzero sides multiply past its limits, even when empty.
        if math.prod(size for size in shape if size) * dtype.itemsize >= 2**62:
            raise StateFormatError(f"array {name!r} claims shape {shape}")
        raw = self.take(count * dtype.itemsize)
        if dtype.kind == "b" and raw.translate(None, b"\x00\x01"):
            raise StateFormatError(f"bool array {name!r} holds bytes other than 0 or 1")
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
        # A native-order, writable copy: detectors update their arrays in place.
        return array.astype(dtype.newbyteorder("="), copy=True)

    def scalar(self, name: str) -> Scalar:
        tag = self.take(1)
        if tag == b"?":
            (flag,) = self.unpack("<B")
            if flag > 1:
                raise StateFormatError(f"scalar {name!r} is a bool stored as {flag}")
            return bool(flag)
        if tag == b"i":
            return int(self.unpack("<q")[0])
        if tag == b"f":
            return float(self.unpack("<d")[0])
        if tag == b"s":
            (length,) = self.unpack("<I")
            return self.text(length, f"scalar {name!r}")
        if tag == b"t":
            (count,) = self.unpack("<I")
            items = []
            for _ in range(count):
                (length,) = self.unpack("<I")
                items.append(self.text(length, f"scalar {name!r}"))
            return tuple(items)
        raise StateFormatError(f"scalar {name!r} has unknown type tag {tag!r}")
