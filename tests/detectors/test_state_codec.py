"""The state format: round trips of every field type, and a clear error for every bad input."""

from __future__ import annotations

import contextlib
import math
import pickle
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dexwatch.detectors import state_codec
from dexwatch.detectors.state_codec import (
    FORMAT_VERSION,
    MAGIC,
    DecodedState,
    Scalar,
    decode_state,
    encode_state,
    kind_owner,
    peek_kind,
    register_kind,
)
from dexwatch.schemas.errors import DexwatchError, StateFormatError


class _Owner:
    """Stands for a detector class in the registry."""


class _Other:
    pass


KIND = register_kind("codec_test", _Owner)
OTHER_KIND = register_kind("codec_test_other", _Other)

ALL_DTYPES = ["?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]


def _example(compress: bool = False) -> bytes:
    return encode_state(
        KIND,
        {"window": 250, "margin": 0.5, "names": ["a", "b"], "nested": {"x": None}},
        arrays={
            "masses": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
            "box": np.array([[0.0, -1.5], [1.0, 2.5]]),
        },
        scalars={"counter": 7, "first": True, "rate": 0.25, "tag": "ok", "features": ("a", "b")},
        layout=3,
        compress=compress,
    )


def _with_crc(payload: bytes) -> bytes:
    return payload + struct.pack("<I", zlib.crc32(payload))


def _header(kind: str = KIND, flags: int = 0, layout: int = 1) -> bytes:
    raw = kind.encode()
    return (
        MAGIC
        + struct.pack("<HBB", FORMAT_VERSION, flags, len(raw))
        + raw
        + struct.pack("<H", layout)
    )


def _empty_body(params: bytes = b"{}") -> bytes:
    return struct.pack("<I", len(params)) + params


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_of_every_field(compress: bool) -> None:
    state = decode_state(_example(compress), expected_kind=KIND)
    assert state.kind == KIND
    assert state.layout == 3
    assert state.params == {
        "window": 250,
        "margin": 0.5,
        "names": ["a", "b"],
        "nested": {"x": None},
    }
    masses = state.array("masses", np.uint8, (2, 3, 4))
    assert masses.tolist() == np.arange(24).reshape(2, 3, 4).tolist()
    assert state.array("box", np.float64).tolist() == [[0.0, -1.5], [1.0, 2.5]]
    assert state.scalar("counter", int) == 7
    assert state.scalar("first", bool) is True
    assert state.scalar("rate", float) == 0.25
    assert state.scalar("counter", float) == 7.0
    assert state.scalar("tag", str) == "ok"
    assert state.names("features") == ("a", "b")


def test_decoded_arrays_are_writable_copies() -> None:
    state = decode_state(_example())
    masses = state.array("masses")
    masses[0, 0, 0] = 99
    assert masses.flags.writeable
    assert masses.dtype.isnative


def test_compression_shrinks_sparse_arrays() -> None:
    arrays = {"masses": np.zeros((2, 10, 256), dtype=np.uint8)}
    plain = encode_state(KIND, {}, arrays)
    packed = encode_state(KIND, {}, arrays, compress=True)
    assert len(plain) > 5120 > 10 * len(packed)
    assert decode_state(packed).array("masses").tolist() == arrays["masses"].tolist()


def test_big_endian_and_strided_arrays_are_stored_little_endian_in_c_order() -> None:
    big = np.arange(6, dtype=">i4").reshape(2, 3)
    strided = np.arange(12, dtype=np.float64).reshape(3, 4).T
    state = decode_state(encode_state(KIND, {}, {"big": big, "strided": strided}))
    assert state.array("big", np.int32).tolist() == big.tolist()
    assert state.array("strided", np.float64).tolist() == strided.tolist()


def test_empty_and_zero_dimensional_arrays() -> None:
    arrays = {"empty": np.zeros((0, 3), dtype=np.int64), "scalar": np.array(2.5)}
    state = decode_state(encode_state(KIND, {}, arrays))
    assert state.array("empty").shape == (0, 3)
    assert state.array("scalar").shape == ()
    assert float(state.array("scalar")) == 2.5


def test_peek_kind_and_the_registry() -> None:
    assert peek_kind(_example(compress=True)) == KIND
    assert kind_owner(KIND) is _Owner
    with pytest.raises(StateFormatError, match="no detector is registered"):
        kind_owner("never_registered")


def test_registering_a_kind_twice() -> None:
    assert register_kind(KIND, _Owner) == KIND  # a module reload registers it again
    with pytest.raises(ValueError, match="already registered to _Owner"):
        register_kind(KIND, _Other)
    with pytest.raises(ValueError, match="must match"):
        register_kind("Not A Kind", _Other)


def test_errors_are_dexwatch_and_value_errors() -> None:
    with pytest.raises(DexwatchError):
        decode_state(b"nope")
    with pytest.raises(ValueError, match="not dexwatch detector state"):
        decode_state(b"nope")


def test_pickle_is_refused_not_unpickled() -> None:
    with pytest.raises(StateFormatError, match="not dexwatch detector state"):
        decode_state(pickle.dumps({"a": 1}))


@pytest.mark.parametrize("data", [b"", b"DX", b"XXXX" + _example()[4:]])
def test_wrong_magic(data: bytes) -> None:
    with pytest.raises(StateFormatError, match=r"expected b'DXST'"):
        decode_state(data)


def test_not_bytes() -> None:
    with pytest.raises(StateFormatError, match="must be bytes, not str"):
        decode_state("DXST")  # type: ignore[arg-type]


def test_unknown_version() -> None:
    data = bytearray(_example())
    data[4:6] = struct.pack("<H", FORMAT_VERSION + 1)
    with pytest.raises(StateFormatError, match=f"version {FORMAT_VERSION + 1} is not supported"):
        decode_state(_with_crc(bytes(data[:-4])))


@pytest.mark.parametrize("compress", [False, True])
def test_every_truncation_is_refused(compress: bool) -> None:
    data = _example(compress)
    for length in range(len(MAGIC), len(data)):
        with pytest.raises(StateFormatError, match="truncated"):
            decode_state(data[:length])


def test_a_flipped_bit_is_refused() -> None:
    data = bytearray(_example())
    data[len(data) // 2] ^= 0x10
    with pytest.raises(StateFormatError, match="CRC-32 does not match"):
        decode_state(bytes(data))


def test_truncated_fields_behind_a_valid_crc() -> None:
    # A writer bug rather than a transport one: the CRC matches, the fields run out.
    data = _example()
    with pytest.raises(StateFormatError, match="truncated: needed"):
        decode_state(_with_crc(data[:-12]))


def test_trailing_bytes_are_refused() -> None:
    data = _example()
    with pytest.raises(StateFormatError, match="3 unexpected bytes"):
        decode_state(_with_crc(data[:-4] + b"abc"))


def test_wrong_kind() -> None:
    with pytest.raises(
        StateFormatError, match="this is 'codec_test' state, not 'codec_test_other'"
    ):
        decode_state(_example(), expected_kind=OTHER_KIND)


def test_unknown_flags() -> None:
    body = _empty_body() + struct.pack("<HH", 0, 0)
    with pytest.raises(StateFormatError, match="unknown flags 0x04"):
        decode_state(_with_crc(_header(flags=4) + body))


def test_invalid_kind_name_in_the_header() -> None:
    body = _empty_body() + struct.pack("<HH", 0, 0)
    with pytest.raises(StateFormatError, match="not a valid kind name"):
        decode_state(_with_crc(_header(kind="BAD KIND") + body))


def test_a_body_that_does_not_decompress() -> None:
    with pytest.raises(StateFormatError, match="does not decompress"):
        decode_state(_with_crc(_header(flags=1) + b"not zlib at all"))
    cut = zlib.compress(_empty_body() + struct.pack("<HH", 0, 0))[:-3]
    with pytest.raises(StateFormatError, match="zlib stream incomplete"):
        decode_state(_with_crc(_header(flags=1) + cut))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (b"[1, 2]", "not an object"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_bad_params_in_the_state(params: bytes, message: str) -> None:
    data = _header() + _empty_body(params) + struct.pack("<HH", 0, 0)
    with pytest.raises(StateFormatError, match=message):
        decode_state(_with_crc(data))


def _array_field(name: bytes, code: int, ndim: int, shape: tuple[int, ...], raw: bytes) -> bytes:
    return (
        struct.pack("<B", len(name))
        + name
        + struct.pack("<BB", code, ndim)
        + struct.pack(f"<{ndim}I", *shape)
        + raw
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (_array_field(b"a", 99, 1, (1,), b"\x00"), "unknown dtype code 99"),
        (_array_field(b"a", 3, 40, (1,) * 40, b"\x00"), "claims 40 dimensions"),
        (_array_field(b"a", 3, 1, (10**6,), b"\x00"), "truncated"),
        (_array_field(b"", 3, 1, (1,), b"\x00"), "empty name"),
        (_array_field(b"\xff\xfe", 3, 1, (1,), b"\x00"), "not valid UTF-8"),
        (_array_field(b"a", 1, 1, (1,), b"\x02"), "bool array 'a' holds bytes other than 0 or 1"),
    ],
)
def test_bad_arrays_in_the_state(field: bytes, message: str) -> None:
    data = _header() + _empty_body() + struct.pack("<H", 1) + field + struct.pack("<H", 0)
    with pytest.raises(StateFormatError, match=message):
        decode_state(_with_crc(data))


def test_a_repeated_array_name() -> None:
    field = _array_field(b"a", 3, 1, (1,), b"\x00")
    data = _header() + _empty_body() + struct.pack("<H", 2) + field + field + b"\x00\x00"
    with pytest.raises(StateFormatError, match="array 'a' appears twice"):
        decode_state(_with_crc(data))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([b"\x01aX"], "unknown type tag b'X'"),
        ([b"\x01a?\x02"], "a bool stored as 2"),
        ([b"\x01a?\x01", b"\x01a?\x00"], "scalar 'a' appears twice"),
        ([b"\x01as\x05\x00\x00\x00ab"], "truncated"),
    ],
)
def test_bad_scalars_in_the_state(fields: list[bytes], message: str) -> None:
    data = _header() + _empty_body() + struct.pack("<HH", 0, len(fields)) + b"".join(fields)
    with pytest.raises(StateFormatError, match=message):
        decode_state(_with_crc(data))


def test_a_body_too_large_once_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_codec, "MAX_BODY_BYTES", 1000)
    params = b'{"pad": "' + b"x" * 5000 + b'"}'
    body = zlib.compress(_empty_body(params) + struct.pack("<HH", 0, 0))
    with pytest.raises(StateFormatError, match="decompresses to more than 1000 bytes"):
        decode_state(_with_crc(_header(flags=1) + body))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"x": float("nan")}, "only finite numbers"),
        ({"x": float("inf")}, "only finite numbers"),
        ({"x": object()}, "not a plain JSON value"),
        ({"x": np.float64(1.0)}, "float64, not a plain JSON value"),
        ({"x": {1: "a"}}, "key 1 that is not a str"),
        ({"x": [1, 2**70]}, r"params\['x'\]\[1\] = .* does not fit in 64 bits"),
    ],
)
def test_params_that_json_cannot_hold(params: dict[str, Any], message: str) -> None:
    with pytest.raises(StateFormatError, match=message):
        encode_state(KIND, params)


def test_params_must_be_a_mapping() -> None:
    with pytest.raises(StateFormatError, match="params must be a mapping"):
        encode_state(KIND, [1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"a": np.array(["x"], dtype=object)}, "dtype object; allowed"),
        ({"a": np.array([1 + 2j])}, "dtype complex128; allowed"),
        ({"a": [1, 2]}, "is a list, not a numpy array"),
        ({"": np.zeros(1)}, "must be a non-empty str"),
        ({"n" * 256: np.zeros(1)}, "longer than 255 bytes"),
    ],
)
def test_arrays_the_format_cannot_hold(arrays: dict[str, Any], message: str) -> None:
    with pytest.raises(StateFormatError, match=message):
        encode_state(KIND, {}, arrays)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "NoneType; allowed"),
        ([1], "list; allowed"),
        (("a", 1), "tuple; allowed"),
        (np.float64(1.0), "float64; allowed"),
        (2**64, "does not fit in 64 bits"),
    ],
)
def test_scalars_the_format_cannot_hold(value: Any, message: str) -> None:
    with pytest.raises(StateFormatError, match=message):
        encode_state(KIND, {}, scalars={"s": value})


def test_encoding_an_unregistered_kind_or_a_bad_layout() -> None:
    with pytest.raises(StateFormatError, match="'nobody' is not registered"):
        encode_state("nobody", {})
    with pytest.raises(StateFormatError, match="does not fit in 16 bits"):
        encode_state(KIND, {}, layout=70_000)


def test_getters_name_what_is_missing_or_mistyped() -> None:
    state = decode_state(_example())
    with pytest.raises(StateFormatError, match="no array 'nope'"):
        state.array("nope")
    with pytest.raises(StateFormatError, match="'masses' is uint8, expected uint16"):
        state.array("masses", np.uint16)
    with pytest.raises(StateFormatError, match=r"has shape \(2, 3, 4\), expected \(2, 12\)"):
        state.array("masses", np.uint8, (2, 12))
    with pytest.raises(StateFormatError, match="no scalar 'nope'"):
        state.scalar("nope", int)
    with pytest.raises(StateFormatError, match="'first' is bool, expected int"):
        state.scalar("first", int)
    with pytest.raises(StateFormatError, match="'rate' is float, expected int"):
        state.scalar("rate", int)
    with pytest.raises(StateFormatError, match="'tag' is str, expected names"):
        state.names("tag")
    with pytest.raises(StateFormatError, match="no scalar 'nope'"):
        state.names("nope")


def test_decoded_state_can_be_built_directly() -> None:
    # Detectors' own tests may build one to exercise `from_state` checks.
    state = DecodedState(KIND, 1, {}, {"a": np.zeros(2)}, {"n": 1})
    assert state.array("a").shape == (2,)


# Hypothesis: any arrays, params and scalars the format accepts come back unchanged.

_json: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)
_names = st.text(min_size=1, max_size=20).filter(lambda name: len(name.encode()) <= 255)
_arrays = st.dictionaries(
    _names,
    st.sampled_from(ALL_DTYPES).flatmap(
        lambda dtype: hnp.arrays(
            np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
        )
    ),
    max_size=4,
)
_scalars: st.SearchStrategy[dict[str, Scalar]] = st.dictionaries(
    _names,
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.lists(st.text(max_size=8), max_size=5).map(tuple),
    max_size=5,
)


def _same_float(left: float, right: float) -> bool:
    return struct.pack("<d", left) == struct.pack("<d", right)


@settings(max_examples=150, deadline=None)
@given(
    params=st.dictionaries(st.text(max_size=10), _json, max_size=5),
    arrays=_arrays,
    scalars=_scalars,
    layout=st.integers(0, 0xFFFF),
    compress=st.booleans(),
)
def test_round_trip_of_anything_the_format_holds(
    params: dict[str, Any],
    arrays: dict[str, npt.NDArray[Any]],
    scalars: dict[str, Scalar],
    layout: int,
    compress: bool,
) -> None:
    data = encode_state(KIND, params, arrays, scalars, layout=layout, compress=compress)
    state = decode_state(data, expected_kind=KIND)
    assert state.layout == layout
    assert state.params == params
    assert state.arrays.keys() == arrays.keys()
    for name, array in arrays.items():
        back = state.arrays[name]
        assert back.dtype == array.dtype.newbyteorder("=")
        assert back.shape == array.shape
        assert back.tobytes() == np.ascontiguousarray(array).tobytes()  # NaN bits included
    assert state.scalars.keys() == scalars.keys()
    for name, value in scalars.items():
        back_value = state.scalars[name]
        assert type(back_value) is type(value)
        if isinstance(value, float) and isinstance(back_value, float):
            assert _same_float(back_value, value) or (math.isnan(value) and math.isnan(back_value))
        else:
            assert back_value == value


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_never_crash_with_another_error(data: bytes) -> None:
    for candidate in (data, MAGIC + data, _with_crc(_header() + data)):
        with contextlib.suppress(StateFormatError):
            decode_state(candidate)
