"""Tests of the BER/DER primitive layer ``lawful_intercept.ber`` (ITU-T X.690).

pyasn1 is the independent oracle: for each type, the contents octets we produce must equal the
contents octets pyasn1 produces for the same value, and each side must decode the other's
encoding to the same value.  asn1tools is the oracle for the value conventions of times and
strings.  Known answers come from the examples of X.690 and hand computation.  Hostile inputs
(random and structured) must raise :class:`DecodeError` and nothing else.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import math
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import Any

import pytest
from asn1tools.codecs import ber as asn1tools_ber
from asn1tools.codecs import (
    generalized_time_from_datetime,
    generalized_time_to_datetime,
    utc_time_from_datetime,
    utc_time_to_datetime,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.ber import encoder as ber_encoder
from pyasn1.codec.cer import encoder as cer_encoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import char, tag, univ, useful

from lawful_intercept import ber
from lawful_intercept.errors import DecodeError, EncodeError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def split_tlv(encoding: bytes) -> tuple[bytes, bytes]:
    """Independent minimal TLV splitter for pyasn1 output: (identifier octets, contents)."""
    pos = 1
    if encoding[0] & 0x1F == 0x1F:
        while encoding[pos] & 0x80:
            pos += 1
        pos += 1
    identifier = encoding[:pos]
    first = encoding[pos]
    pos += 1
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        length = int.from_bytes(encoding[pos : pos + count], "big")
        pos += count
    contents = encoding[pos : pos + length]
    assert len(contents) == length and pos + length == len(encoding)
    return identifier, contents


def contents_of(value: Any, der: bool = True) -> bytes:
    encoded = (der_encoder if der else ber_encoder).encode(value)
    return split_tlv(encoded)[1]


def tlv(identifier: int, contents: bytes) -> bytes:
    return bytes([identifier]) + ber.encode_length(len(contents)) + contents


def pyasn1_decode(encoding: bytes, spec: Any) -> Any:
    value, rest = ber_decoder.decode(encoding, asn1Spec=spec)
    assert rest == b""
    return value


# ---------------------------------------------------------------------------------------------
# Identifier octets
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "constructed", "number", "expected"),
    [
        (0, False, 2, "02"),
        (0, True, 16, "30"),
        (2, True, 0, "a0"),
        (2, False, 30, "9e"),
        (1, False, 31, "5f1f"),
        (2, False, 127, "9f7f"),
        (2, False, 128, "9f8100"),
        (2, False, 201, "9f8149"),
        (3, True, ber.MAX_TAG_NUMBER, "ffffffff7f"),
    ],
)
def test_tag_known_answers(cls: int, constructed: bool, number: int, expected: str) -> None:
    encoded = ber.encode_tag(cls, constructed, number)
    assert encoded.hex() == expected
    assert ber.decode_tag(encoded, 0) == (cls, constructed, number, len(encoded))
    padded = b"\x00" + encoded + b"\x05"
    assert ber.decode_tag(padded, 1) == (cls, constructed, number, 1 + len(encoded))


@FAST
@given(
    cls=st.integers(0, 3),
    constructed=st.booleans(),
    number=st.one_of(st.integers(0, 40), st.integers(0, ber.MAX_TAG_NUMBER)),
)
def test_tag_matches_pyasn1(cls: int, constructed: bool, number: int) -> None:
    encoded = ber.encode_tag(cls, constructed, number)
    fmt = tag.tagFormatConstructed if constructed else tag.tagFormatSimple
    base: Any = univ.Sequence() if constructed else univ.Null("")
    oracle = ber_encoder.encode(base.subtype(implicitTag=tag.Tag(cls << 6, fmt, number)))
    assert oracle == encoded + b"\x00"
    assert ber.decode_tag(oracle, 0) == (cls, constructed, number, len(encoded))


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "8.1.2"),
        (b"\x1f", "8.1.2.4"),
        (b"\x1f\x81", "8.1.2.4.2 a"),
        (b"\x1f\x80\x01", "8.1.2.4.2 c"),
        (b"\x1f\x81\x81\x81\x81\x01", "4 subsequent"),
        (b"\x1f\x05", "8.1.2.2"),
        (b"\x1f\x1e", "8.1.2.2"),
    ],
)
def test_tag_rejects(data: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        ber.decode_tag(data, 0)


def test_tag_respects_end() -> None:
    with pytest.raises(DecodeError):
        ber.decode_tag(b"\x1f\x81\x01", 0, end=2)
    with pytest.raises(DecodeError):
        ber.decode_tag(b"\x02", 0, end=0)


@pytest.mark.parametrize(("cls", "number"), [(4, 1), (-1, 1), (0, -1), (0, ber.MAX_TAG_NUMBER + 1)])
def test_tag_encode_rejects(cls: int, number: int) -> None:
    with pytest.raises(EncodeError):
        ber.encode_tag(cls, False, number)


# ---------------------------------------------------------------------------------------------
# Length octets
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "00"), (1, "01"), (127, "7f"), (128, "8180"), (255, "81ff"), (256, "820100"),
     (65535, "82ffff"), (65536, "83010000"), (2**64 - 1, "88ffffffffffffffff")],
)  # fmt: skip
def test_length_known_answers(n: int, expected: str) -> None:
    assert ber.encode_length(n).hex() == expected


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.integers(0, 300), st.integers(0, 70_000)))
def test_length_matches_pyasn1(n: int) -> None:
    oracle = ber_encoder.encode(univ.OctetString(bytes(n)))
    ours = ber.encode_length(n)
    assert oracle[1 : 1 + len(ours)] == ours
    assert ber.decode_length(oracle, 1) == (n, 1 + len(ours))


@FAST
@given(st.integers(0, 2**64 - 1))
def test_length_round_trip_and_bound(n: int) -> None:
    available = min(n, 300)
    data = ber.encode_length(n) + bytes(available)
    if n <= available:
        assert ber.decode_length(data, 0) == (n, len(data) - n)
    else:
        with pytest.raises(DecodeError, match=f"declared length {n} exceeds the 300 bytes"):
            ber.decode_length(data, 0)


def test_length_non_minimal_forms_accepted() -> None:
    data = b"\x82\x00\x9d" + bytes(0x9D)
    assert ber.decode_length(data, 0) == (0x9D, 3)
    assert ber.decode_length(b"\x81\x05" + bytes(5), 0) == (5, 2)
    assert ber.decode_length(b"\x88" + bytes(7) + b"\x01\x00", 0) == (1, 9)
    assert ber.decode_length(b"\x80", 0) == (None, 1)


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "8.1.3"),
        (b"\xff", "8.1.3.5 c"),
        (b"\x89" + bytes(9), "at most 8"),
        (b"\x82\x01", "truncated"),
        (b"\x05abc", "declared length 5 exceeds the 3 bytes available"),
        (b"\x84\xff\xff\xff\xff", "declared length 4294967295 exceeds the 0 bytes available"),
    ],
)
def test_length_rejects(data: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule) as info:
        ber.decode_length(data, 0)
    assert info.value.offset == 0 or data == b""


def test_length_respects_end() -> None:
    with pytest.raises(DecodeError, match="exceeds the 2 bytes"):
        ber.decode_length(b"\x03abcdef", 0, end=3)


def test_encode_length_rejects_negative() -> None:
    with pytest.raises(EncodeError):
        ber.encode_length(-1)


def test_encode_tlv() -> None:
    assert ber.encode_tlv(b"\x04", b"ab") == b"\x04\x02ab"
    assert ber.encode_tlv(b"\x04", bytes(200))[:3] == b"\x04\x81\xc8"


# ---------------------------------------------------------------------------------------------
# TLVs, indefinite lengths
# ---------------------------------------------------------------------------------------------


def test_read_tlv_definite_and_indefinite() -> None:
    definite = bytes.fromhex("3006020105020106")
    assert ber.read_tlv(definite, 0) == (0, True, 16, 2, 8)
    indefinite = bytes.fromhex("3080 020105 3080 0400 0000 0000")
    assert ber.read_tlv(indefinite, 0) == (0, True, 16, 2, 11)
    assert ber.read_tlv_full(indefinite, 0) == (0, True, 16, 2, 11, 13)
    assert ber.skip_tlv(indefinite, 0) == 13
    # The inner indefinite TLV alone.
    assert ber.read_tlv_full(indefinite, 5) == (0, True, 16, 7, 9, 11)
    # Indefinite inside definite inside indefinite.
    mixed = bytes.fromhex("a080 3004 3080 0000 0000")
    assert ber.read_tlv_full(mixed, 0) == (2, True, 0, 2, 8, 10)


@pytest.mark.parametrize(
    ("hex_data", "rule"),
    [
        ("0480", "8.1.3.2 a"),
        ("3080 0480 0000", "8.1.3.2 a"),
        ("3080 020105", "8.1.5"),
        ("3080 0001", "00 00"),
        ("3080 00", "00 00"),
        ("3080 3080 0000", "8.1.5"),
        ("3005 0201", "exceeds"),
        ("3080 0205 01", "exceeds"),
        ("", "8.1.2"),
        ("30", "8.1.3"),
    ],
)
def test_read_tlv_rejects(hex_data: str, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        ber.read_tlv(bytes.fromhex(hex_data), 0)


def test_read_tlv_depth_bound() -> None:
    deep = b"\x30\x80" * 100 + b"\x00\x00" * 100
    with pytest.raises(DecodeError, match="deeper than 64"):
        ber.read_tlv(deep, 0)
    assert ber.read_tlv_full(deep, 0, max_depth=100)[5] == len(deep)
    with pytest.raises(DecodeError, match="deeper than 99"):
        ber.read_tlv(deep, 0, 99)
    with pytest.raises(DecodeError):
        ber.read_tlv(b"\x30\x80\x00\x00", 0, max_depth=0)
    # Far deeper than any stack: still a DecodeError, never RecursionError.
    very_deep = b"\x30\x80" * 200_000
    with pytest.raises(DecodeError):
        ber.read_tlv(very_deep, 0, max_depth=10**6)


def test_read_tlv_end_bounds_the_scan() -> None:
    data = bytes.fromhex("3080 0000 0201 05")
    assert ber.read_tlv_full(data, 0, end=4) == (0, True, 16, 2, 2, 4)
    with pytest.raises(DecodeError):
        ber.read_tlv(data, 0, end=3)
    with pytest.raises(DecodeError, match="exceeds"):
        ber.read_tlv(bytes.fromhex("3003 020105"), 0, end=4)


def test_read_short_tlv_known_answers() -> None:
    data = bytes.fromhex("a1 06 8102 4142 8400 ff")
    assert ber.read_short_tlv(data, 0, len(data)) == (0xA1, 2, 8)
    assert ber.read_short_tlv(data, 2, 8) == (0x81, 4, 6)
    assert ber.read_short_tlv(data, 6, 8) == (0x84, 8, 8)
    long_form = bytes.fromhex("04 82 0003 616263")
    assert ber.read_short_tlv(long_form, 0, len(long_form)) == (0x04, 4, 7)
    assert ber.read_short_tlv(memoryview(long_form), 0, len(long_form)) == (0x04, 4, 7)
    for bad, end, rule in (
        (bytes.fromhex("3080 0000"), 4, "definite"),  # indefinite length
        (bytes.fromhex("1f2101 00"), 4, "high tag"),  # high tag number form
        (bytes.fromhex("04ff 00"), 3, "definite"),  # reserved length octet
        (bytes.fromhex("0489 010203040506070809"), 11, "definite"),  # 9 length octets
        (bytes.fromhex("0403 6162"), 4, "exceeds"),  # contents past the data
        (bytes.fromhex("0402 6162"), 3, "exceeds"),  # contents past ``end``
        (bytes.fromhex("0482 00"), 3, "truncated"),  # long form cut short
        (bytes.fromhex("04"), 1, "truncated"),  # no length octet
        (b"", 0, "truncated"),
        (bytes.fromhex("0400"), 1, "exceeds"),  # the length octet is past ``end``
    ):
        with pytest.raises(DecodeError, match=rule):
            ber.read_short_tlv(bad, 0, end)


@FAST
@given(st.integers(0, 3), st.booleans(), st.integers(0, 30), st.binary(max_size=300),
       st.binary(max_size=4))
def test_read_short_tlv_agrees_with_read_tlv_full(cls: int, constructed: bool, number: int,
                                                 contents: bytes, after: bytes) -> None:
    """On every definite-length TLV with a low tag number, the fast reader finds what the
    general one finds; cut short anywhere, it raises DecodeError like the general one."""
    encoded = ber.encode_tlv(ber.encode_tag(cls, constructed, number), contents)
    data = encoded + after
    identifier = data[0]
    full = ber.read_tlv_full(data, 0, end=len(encoded))
    assert full[:3] == (cls, constructed, number)
    assert ber.read_short_tlv(data, 0, len(encoded)) == (identifier, full[3], full[4])
    for cut in range(len(encoded)):
        with pytest.raises(DecodeError):
            ber.read_short_tlv(data, 0, cut)


def test_read_tlv_accepts_memoryview() -> None:
    data = memoryview(bytes.fromhex("3080 020105 0000"))
    assert ber.read_tlv_full(data, 0) == (0, True, 16, 2, 5, 7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.binary(max_size=40), max_size=4), max_size=4))
def test_read_tlv_on_pyasn1_cer(chunks: list[list[bytes]]) -> None:
    """CER writes every constructed value with indefinite length: read_tlv must find the end."""
    inner = univ.SequenceOf(componentType=univ.OctetString())
    outer = univ.SequenceOf(componentType=inner)
    value = outer.clone()
    for group in chunks:
        item = inner.clone()
        item.extend(group)
        value.append(item)
    encoded = cer_encoder.encode(value)
    cls, constructed, number, start, stop, end = ber.read_tlv_full(encoded, 0)
    assert (cls, constructed, number, end) == (0, True, 16, len(encoded))
    assert stop == len(encoded) - 2 and start == 2
    pos, count = start, 0
    while pos < stop:
        pos = ber.skip_tlv(encoded, pos, end=stop)
        count += 1
    assert pos == stop and count == len(chunks)


# ---------------------------------------------------------------------------------------------
# BOOLEAN, NULL, INTEGER, ENUMERATED
# ---------------------------------------------------------------------------------------------


@given(st.booleans())
def test_boolean_matches_pyasn1(value: bool) -> None:
    ours = ber.encode_boolean(value)
    assert ours == contents_of(univ.Boolean(value))
    assert ber.decode_boolean(ours, strict=True) is value
    assert bool(pyasn1_decode(tlv(0x01, ours), univ.Boolean())) is value


def test_boolean_decoding_rules() -> None:
    assert ber.decode_boolean(b"\x01") is True
    assert ber.decode_boolean(b"\x80") is True
    assert ber.decode_boolean(b"\x00") is False
    with pytest.raises(DecodeError, match=r"11.1"):
        ber.decode_boolean(b"\x01", strict=True)
    for bad in (b"", b"\x00\x00"):
        with pytest.raises(DecodeError, match=r"8.2.1"):
            ber.decode_boolean(bad)


def test_null() -> None:
    assert ber.encode_null() == b"" == contents_of(univ.Null(""))
    ber.decode_null(b"")
    ber.decode_null(memoryview(b""))
    with pytest.raises(DecodeError, match=r"8.8.2"):
        ber.decode_null(b"\x00")


def pyasn1_integer_contents(value: Any) -> bytes:
    """pyasn1's INTEGER/ENUMERATED contents, minus the redundant 0xFF it writes for -2**(8k-1).

    pyasn1 0.6 encodes -128 as ``ff 80`` instead of ``80`` (against X.690 8.3.2); only that
    one redundant octet is removed, so any other difference still fails the comparison.
    """
    contents = contents_of(value)
    if len(contents) > 1 and contents[0] == 0xFF and contents[1] >= 0x80:
        assert contents[1:] == b"\x80" + bytes(len(contents) - 2)
        contents = contents[1:]
    return contents


integers = st.one_of(
    st.integers(-300, 1100),
    st.integers(-(2**64), 2**64),
    st.integers(-(2**300), 2**300),
    st.integers(1, 40).map(lambda k: -(2 ** (8 * k - 1))),
)


@FAST
@given(integers)
def test_integer_matches_pyasn1(value: int) -> None:
    ours = ber.encode_integer(value)
    assert ours == pyasn1_integer_contents(univ.Integer(value))
    assert ber.decode_integer(ours) == value
    assert ber.decode_integer_strict(ours) == value
    assert ber.decode_integer(memoryview(ours), strict=True) == value
    assert int(pyasn1_decode(tlv(0x02, ours), univ.Integer())) == value


@FAST
@given(integers)
def test_enumerated_matches_pyasn1(value: int) -> None:
    ours = ber.encode_enumerated(value)
    assert ours == pyasn1_integer_contents(univ.Enumerated(value))
    assert ber.decode_enumerated(ours) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "00"), (127, "7f"), (128, "0080"), (256, "0100"), (-1, "ff"), (-128, "80"),
     (-129, "ff7f"), (1023, "03ff"), (1024, "0400"), (-(2**63), "8000000000000000")],
)  # fmt: skip
def test_integer_known_answers(value: int, expected: str) -> None:
    assert ber.encode_integer(value).hex() == expected


def test_integer_leniency_and_strictness() -> None:
    assert ber.decode_integer(b"\x00\x01") == 1
    assert ber.decode_integer(b"\xff\xff") == -1
    assert ber.decode_integer(b"\x00\x80") == 128
    for redundant in (b"\x00\x01", b"\xff\xff", b"\x00\x00", b"\xff\x80"):
        with pytest.raises(DecodeError, match=r"8.3.2"):
            ber.decode_integer_strict(redundant)
    for bad in (b"", memoryview(b"")):
        with pytest.raises(DecodeError, match=r"INTEGER contents are empty \(X.690 8.3.1\)"):
            ber.decode_integer(bad)


# ---------------------------------------------------------------------------------------------
# REAL
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, ""),
        (-0.0, "43"),
        (math.inf, "40"),
        (-math.inf, "41"),
        (1.0, "800001"),
        (0.5, "80ff01"),
        (-1.0, "c00001"),
        (3.0, "800003"),
        (10.0, "800105"),  # 5 * 2**1
        (-48.0, "c00403"),  # -3 * 2**4
        (0.1, "80c90ccccccccccccd"),  # 0x0ccccccccccccd * 2**-55
        (2.0**1000, "8103e801"),  # two exponent octets
        (5e-324, "81fbce01"),  # smallest subnormal: 1 * 2**-1074
    ],
)
def test_real_known_answers(value: float, expected: str) -> None:
    encoded = ber.encode_real(value)
    assert encoded.hex() == expected
    decoded = ber.decode_real(encoded)
    assert decoded == value and math.copysign(1, decoded) == math.copysign(1, value)


def test_real_nan() -> None:
    assert ber.encode_real(math.nan) == b"\x42"
    assert math.isnan(ber.decode_real(b"\x42"))


finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@FAST
@given(finite_floats.filter(lambda x: x != 0))
def test_real_matches_pyasn1(value: float) -> None:
    ours = ber.encode_real(value)
    numerator, denominator = value.as_integer_ratio()
    exponent = 1 - denominator.bit_length()
    oracle = contents_of(univ.Real((numerator, 2, exponent)))
    assert ours == oracle
    assert ber.decode_real(ours) == value
    assert float(pyasn1_decode(tlv(0x09, ours), univ.Real())) == value


@FAST
@given(finite_floats)
def test_real_decodes_pyasn1_decimal(value: float) -> None:
    """pyasn1 writes a float as ISO 6093 NR3 text (X.690 8.5.8)."""
    oracle = univ.Real(value)
    contents = contents_of(oracle, der=False)
    mantissa, base, exponent = oracle
    assert base == 10
    # The exact decimal value, correctly rounded (pyasn1's own float() is not always).
    assert ber.decode_real(contents) == float(Fraction(mantissa) * Fraction(10) ** exponent)


@FAST
@given(
    negative=st.booleans(),
    base_bits=st.integers(0, 2),
    scale=st.integers(0, 3),
    exponent=st.one_of(st.integers(-400, 400), st.integers(-(2**70), 2**70)),
    mantissa=st.one_of(st.integers(1, 2**53), st.integers(1, 2**200)),
    long_exponent=st.booleans(),
)
def test_real_decodes_any_binary_form(
    negative: bool, base_bits: int, scale: int, exponent: int, mantissa: int, long_exponent: bool
) -> None:
    """Base 2, 8 and 16, scaling factors and every exponent format (X.690 8.5.7)."""
    size = (exponent if exponent >= 0 else ~exponent).bit_length() // 8 + 1
    exp_octets = exponent.to_bytes(size, "big", signed=True)
    first = 0x80 | (0x40 if negative else 0) | (base_bits << 4) | (scale << 2)
    if long_exponent or size > 3:
        head = bytes([first | 3, size]) + exp_octets
    else:
        head = bytes([first | (size - 1)]) + exp_octets
    contents = head + mantissa.to_bytes((mantissa.bit_length() + 7) // 8, "big")
    power = exponent * (1, 3, 4)[base_bits] + scale
    if power + mantissa.bit_length() > 1100:
        expected = math.inf
    elif power + mantissa.bit_length() < -1100:
        expected = 0.0
    else:
        try:
            expected = float(Fraction(mantissa) * Fraction(2) ** power)
        except OverflowError:
            expected = math.inf
    expected = -expected if negative else expected
    decoded = ber.decode_real(contents)
    assert decoded == expected
    assert math.copysign(1, decoded) == math.copysign(1, expected)


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (b"\x01123", 123.0),
        (b"\x01  -0042", -42.0),
        (b"\x02 -1,5", -1.5),
        (b"\x024.", 4.0),
        (b"\x02.25", 0.25),
        (b"\x03 1.5E+2", 150.0),
        (b"\x031E-2", 0.01),
        (b"\x03-2,5e1", -25.0),
        (b"\x031E999", math.inf),
    ],
)
def test_real_decimal_forms(contents: bytes, expected: float) -> None:
    assert ber.decode_real(contents) == expected


@pytest.mark.parametrize(
    ("contents", "rule"),
    [
        (b"\x01", "NR1"),
        (b"\x011.5", "NR1"),
        (b"\x0212", "NR2"),
        (b"\x0312", "NR3"),
        (b"\x03inf", "NR3"),
        (b"\x03nan", "NR3"),
        (b"\x031_0E1", "NR3"),
        (b"\x031E1 ", "NR3"),
        (b"\x02\xd9\xa3.5", "ASCII"),
        (b"\x04 1", "8.5.8"),
        (b"\x00 1", "8.5.8"),
        (b"\x44", "8.5.9"),
        (b"\x40\x00", "8.5.9"),
        (b"\xb0\x00\x01", "8.5.7.2"),
        (b"\x80\x01", "8.5.7.5"),
        (b"\x80", "8.5.7"),
        (b"\x81\x01", "8.5.7"),
        (b"\x83", "8.5.7.4 d"),
        (b"\x83\x00\x01", "8.5.7.4 d"),
        (b"\x83\x05\x01\x01", "8.5.7.4"),
    ],
)
def test_real_rejects(contents: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        ber.decode_real(contents)


def test_real_hostile_exponents() -> None:
    huge = b"\x83\x40" + b"\x7f" * 64 + b"\x01"
    assert ber.decode_real(huge) == math.inf
    tiny = b"\xc3\x40" + b"\x80" * 64 + b"\x01"
    decoded = ber.decode_real(tiny)
    assert decoded == 0.0 and math.copysign(1, decoded) < 0
    # A 4000-bit mantissa with a matching negative exponent is an ordinary number.
    mantissa = (1 << 4000) + 1
    contents = b"\x81" + (-4000).to_bytes(2, "big", signed=True) + mantissa.to_bytes(501, "big")
    assert ber.decode_real(contents) == 1.0


def test_real_encode_rejects_non_numbers() -> None:
    assert ber.encode_real(3) == ber.encode_real(3.0)
    with pytest.raises(EncodeError):
        ber.encode_real("1.0")  # type: ignore[arg-type]
    with pytest.raises(EncodeError):
        ber.encode_real(10**400)


# ---------------------------------------------------------------------------------------------
# OCTET STRING and BIT STRING, primitive and constructed
# ---------------------------------------------------------------------------------------------


@st.composite
def bit_strings(draw: st.DrawFn) -> tuple[bytes, int]:
    bits = draw(st.integers(0, 100))
    data = draw(st.binary(min_size=(bits + 7) // 8, max_size=(bits + 7) // 8))
    return data, bits


def binary_text(data: bytes, bits: int) -> str:
    return "".join(f"{octet:08b}" for octet in data)[:bits]


@FAST
@given(bit_strings())
def test_bit_string_matches_pyasn1(value: tuple[bytes, int]) -> None:
    data, bits = value
    ours = ber.encode_bit_string(data, bits)
    oracle = univ.BitString(binValue=binary_text(data, bits))
    assert ours == contents_of(oracle)
    decoded = ber.decode_bit_string(ours)
    assert decoded[1] == bits
    assert binary_text(*decoded) == binary_text(data, bits)
    # Unused bits come back as zero (DER, X.690 11.2.1).
    if bits % 8:
        assert decoded[0][-1] & ((1 << (8 - bits % 8)) - 1) == 0
    back = pyasn1_decode(tlv(0x03, ours), univ.BitString())
    assert "".join(map(str, back)) == binary_text(data, bits)


def test_bit_string_known_answers() -> None:
    # X.690 8.6.4.2 example: '0A3B5F291CD'H, 44 bits.
    data = bytes.fromhex("0a3b5f291cdf")
    assert ber.encode_bit_string(data, 44).hex() == "040a3b5f291cd0"
    assert ber.decode_bit_string(bytes.fromhex("040a3b5f291cdf")) == (
        bytes.fromhex("0a3b5f291cd0"),
        44,
    )
    assert ber.encode_bit_string(b"", 0) == b"\x00"
    assert ber.decode_bit_string(b"\x00") == (b"", 0)
    assert ber.encode_bit_string(b"\xff\xff\xff", 9) == b"\x07\xff\x80"  # surplus ignored


@pytest.mark.parametrize(
    ("contents", "rule"),
    [(b"", "8.6.2.2"), (b"\x08\x00", "8.6.2.2"), (b"\x03", "8.6.2.3"), (b"\xff\x00", "8.6.2.2")],
)
def test_bit_string_rejects(contents: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        ber.decode_bit_string(contents)


def test_bit_string_encode_rejects() -> None:
    with pytest.raises(EncodeError, match="needs 2 octets"):
        ber.encode_bit_string(b"\x00", 9)
    with pytest.raises(EncodeError):
        ber.encode_bit_string(b"", -1)


def test_constructed_string_x690_examples() -> None:
    # X.690 8.23.5.4 (VisibleString "Jones", constructed form).
    jones = bytes.fromhex("3a09 0403 4a6f6e 0402 6573")
    _, _, _, start, stop = ber.read_tlv(jones, 0)
    assert ber.decode_constructed_string(jones, start, stop) == b"Jones"
    # X.690 8.6.4.2 (BIT STRING, constructed, indefinite length).
    bits = bytes.fromhex("2380 0303 000a3b 0305 045f291cd0 0000")
    _, _, _, start, stop = ber.read_tlv(bits, 0)
    assert ber.decode_constructed_bit_string(bits, start, stop) == (
        bytes.fromhex("0a3b5f291cd0"),
        44,
    )


def test_constructed_string_nesting_and_forms() -> None:
    data = bytes.fromhex("2480 0402 6162 2480 0401 63 0000 2403 0401 64 0400 0000")
    _, _, _, start, stop, end = ber.read_tlv_full(data, 0)
    assert end == len(data)
    assert ber.decode_constructed_string(data, start, stop) == b"abcd"
    assert ber.decode_constructed_string(memoryview(data), start, stop) == b"abcd"
    assert ber.decode_constructed_string(b"", 0, 0) == b""


@pytest.mark.parametrize(
    ("hex_data", "rule"),
    [
        ("0c02 6162", "8.7.3"),  # segment is not [UNIVERSAL 4]
        ("8402 6162", "8.7.3"),
        ("0480", "8.1.3.2 a"),
        ("2480 0401 61", "8.1.5"),
        ("2480 0001", "00 00"),
        ("2403 0402 6162", "exceeds"),
        ("0405 61", "exceeds"),
        ("04", "8.1.3"),
    ],
)
def test_constructed_string_rejects(hex_data: str, rule: str) -> None:
    data = bytes.fromhex(hex_data)
    with pytest.raises(DecodeError, match=rule):
        ber.decode_constructed_string(data, 0, len(data))


def test_constructed_string_depth_bound() -> None:
    deep = b"\x24\x80" * 100 + b"\x00\x00" * 100
    with pytest.raises(DecodeError, match="deeper than 64"):
        ber.decode_constructed_string(deep, 0, len(deep))
    assert ber.decode_constructed_string(deep, 0, len(deep), max_depth=100) == b""
    very_deep = b"\x24\x80" * 100_000
    with pytest.raises(DecodeError):
        ber.decode_constructed_string(very_deep, 0, len(very_deep), max_depth=10**6)


def test_constructed_bit_string_rules() -> None:
    middle = bytes.fromhex("0302 0480 0302 00ff")
    with pytest.raises(DecodeError, match=r"8.6.4.2"):
        ber.decode_constructed_bit_string(middle, 0, len(middle))
    wrong = bytes.fromhex("0402 00ff")
    with pytest.raises(DecodeError, match="UNIVERSAL 3"):
        ber.decode_constructed_bit_string(wrong, 0, len(wrong))
    empty_segment = bytes.fromhex("0300")
    with pytest.raises(DecodeError, match=r"8.6.2.2"):
        ber.decode_constructed_bit_string(empty_segment, 0, len(empty_segment))
    nested = bytes.fromhex("2380 0302 00aa 0000 0302 07ff")
    assert ber.decode_constructed_bit_string(nested, 0, len(nested)) == (b"\xaa\x80", 9)


@FAST
@given(st.binary(max_size=300), st.integers(1, 40))
def test_constructed_octet_string_from_pyasn1_chunks(data: bytes, chunk: int) -> None:
    encoded = ber_encoder.encode(univ.OctetString(data), maxChunkSize=chunk)
    cls, constructed, number, start, stop, end = ber.read_tlv_full(encoded, 0)
    assert (cls, number, end) == (0, 4, len(encoded))
    if constructed:
        assert ber.decode_constructed_string(encoded, start, stop) == data
    else:
        assert encoded[start:stop] == data
    cer = cer_encoder.encode(univ.OctetString(data * 4))
    _, constructed, _, start, stop, end = ber.read_tlv_full(cer, 0)
    assert end == len(cer)
    joined = ber.decode_constructed_string(cer, start, stop) if constructed else cer[start:stop]
    assert joined == data * 4


@FAST
@given(bit_strings(), st.integers(1, 6))
def test_constructed_bit_string_from_pyasn1_chunks(value: tuple[bytes, int], chunk: int) -> None:
    data, bits = value
    oracle = univ.BitString(binValue=binary_text(data, bits))
    encoded = ber_encoder.encode(oracle, maxChunkSize=chunk)
    _, constructed, number, start, stop, end = ber.read_tlv_full(encoded, 0)
    assert (number, end) == (3, len(encoded))
    if constructed:
        decoded = ber.decode_constructed_bit_string(encoded, start, stop)
    else:
        decoded = ber.decode_bit_string(encoded[start:stop])
    assert decoded[1] == bits and binary_text(*decoded) == binary_text(data, bits)


@FAST
@given(st.binary(max_size=200))
def test_octet_string_matches_pyasn1(data: bytes) -> None:
    assert contents_of(univ.OctetString(data)) == data


# ---------------------------------------------------------------------------------------------
# OBJECT IDENTIFIER and RELATIVE-OID
# ---------------------------------------------------------------------------------------------

arcs = st.one_of(st.integers(0, 127), st.integers(0, 2**32), st.integers(0, 2**100))


@st.composite
def object_identifiers(draw: st.DrawFn) -> list[int]:
    first = draw(st.integers(0, 2))
    second = draw(st.integers(0, 39) if first < 2 else arcs)
    return [first, second, *draw(st.lists(arcs, max_size=8))]


def dotted(values: list[int]) -> str:
    return ".".join(map(str, values))


@FAST
@given(object_identifiers())
def test_object_identifier_matches_pyasn1(values: list[int]) -> None:
    text = dotted(values)
    ours = ber.encode_object_identifier(text)
    assert ours == contents_of(univ.ObjectIdentifier(values))
    assert ber.decode_object_identifier(ours) == text
    assert ber.decode_object_identifier(memoryview(ours)) == text
    assert str(pyasn1_decode(tlv(0x06, ours), univ.ObjectIdentifier())) == text


@FAST
@given(st.lists(arcs, min_size=1, max_size=8))
def test_relative_oid_matches_pyasn1(values: list[int]) -> None:
    text = dotted(values)
    ours = ber.encode_relative_oid(text)
    assert ours == contents_of(univ.RelativeOID(values))
    assert ber.decode_relative_oid(ours) == text
    assert str(pyasn1_decode(tlv(0x0D, ours), univ.RelativeOID())) == text
    # Each arc of a RELATIVE-OID is encoded like an OID arc after the first two.
    assert ber.encode_object_identifier("1.2." + text) == b"\x2a" + ours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.100.3", "813403"),  # X.690 (2002) 8.19.5 example
        ("2.999.3", "883703"),  # X.690 (2008 and later) 8.19.5 example
        ("1.2.840.113549", "2a864886f70d"),
        ("0.4.0.2.2.5.1.43", "0400020205012b"),
        ("0.0", "00"),
        ("1.39", "4f"),
        ("2.0", "50"),
        ("2.47", "7f"),
        ("2.48", "8100"),
    ],
)
def test_object_identifier_known_answers(text: str, expected: str) -> None:
    assert ber.encode_object_identifier(text).hex() == expected
    assert ber.decode_object_identifier(bytes.fromhex(expected)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8571.3.2", "c27b0302"), ("5.3.20.2", "05031402"), ("0", "00"), ("128", "8100")],
)
def test_relative_oid_known_answers(text: str, expected: str) -> None:
    # "8571.3.2" is the X.690 8.20.5 example.
    assert ber.encode_relative_oid(text).hex() == expected
    assert ber.decode_relative_oid(bytes.fromhex(expected)) == text


@pytest.mark.parametrize(
    "text", ["1", "3.1", "1.40", "0.40", "1.02", "1.-2", "1.+2", "", "1..2", " 1.2", "1.2.", "1.²"]
)
def test_object_identifier_encode_rejects(text: str) -> None:
    with pytest.raises(EncodeError):
        ber.encode_object_identifier(text)


@pytest.mark.parametrize("text", ["", ".", "1.", "01", "a", "-1"])
def test_relative_oid_encode_rejects(text: str) -> None:
    with pytest.raises(EncodeError):
        ber.encode_relative_oid(text)


def test_oid_encode_rejects_non_text() -> None:
    with pytest.raises(EncodeError):
        ber.encode_object_identifier([1, 2])  # type: ignore[arg-type]
    with pytest.raises(EncodeError):
        ber.encode_relative_oid((1, 2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("contents", "rule"),
    [(b"", "empty"), (b"\x2a\x80\x01", "0x80"), (b"\x80\x01", "0x80"), (b"\x2a\x86", "truncated")],
)
def test_oid_decode_rejects(contents: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        ber.decode_object_identifier(contents)
    with pytest.raises(DecodeError, match=rule):
        ber.decode_relative_oid(contents)


def test_oid_huge_arcs() -> None:
    text = "2." + str(2**2000) + ".7"
    assert ber.decode_object_identifier(ber.encode_object_identifier(text)) == text
    # An arc of more decimal digits than Python converts is a DecodeError, not ValueError.
    hostile = b"\x2a" + b"\xff" * 3000 + b"\x7f"
    with pytest.raises(DecodeError):
        ber.decode_object_identifier(hostile)
    with pytest.raises(DecodeError):
        ber.decode_relative_oid(hostile)


# ---------------------------------------------------------------------------------------------
# GeneralizedTime and UTCTime
# ---------------------------------------------------------------------------------------------


def fixed(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(fixed)
zones: st.SearchStrategy[dt.tzinfo | None] = st.one_of(st.none(), st.just(dt.UTC), offsets)


@FAST
@given(st.datetimes(min_value=dt.datetime(1000, 1, 1)), zones)
def test_generalized_time_matches_asn1tools_and_pyasn1(
    local: dt.datetime, zone: dt.tzinfo | None
) -> None:
    value = local.replace(tzinfo=zone)
    ours = ber.encode_generalized_time(value)
    text = ours.decode("ascii")
    decoded = ber.decode_generalized_time(ours)
    assert decoded == value and decoded.utcoffset() == value.utcoffset()
    reference = generalized_time_from_datetime(value)
    if value.second:
        assert text == reference
    elif not value.microsecond:
        # asn1tools omits zero seconds; DER (X.690 11.7.2) requires them.
        assert text == reference[:12] + "00" + reference[12:]
    from_asn1tools = generalized_time_to_datetime(text)
    assert from_asn1tools == value and from_asn1tools.utcoffset() == value.utcoffset()
    oracle = useful.GeneralizedTime(text)
    assert contents_of(oracle, der=False) == ours
    fraction = text.partition(".")[2].rstrip("Z")
    if value.utcoffset() == dt.timedelta(0) and len(fraction) <= 3 and "0" not in fraction:
        # pyasn1's DER encoder insists on "Z" and removes zeros from the fraction, so it leaves
        # DER text unchanged.  It supports milliseconds at most and deletes *every* zero among
        # them (".05" -> ".5"), hence the restriction to fractions it gets right.
        assert contents_of(oracle, der=True) == ours
    assert oracle.asDateTime == value


@FAST
@given(
    st.datetimes(min_value=dt.datetime(1969, 1, 1), max_value=dt.datetime(2068, 12, 31, 23, 59)),
    st.one_of(st.none(), st.just(dt.UTC), offsets),
)
def test_utc_time_matches_asn1tools_and_pyasn1(local: dt.datetime, zone: dt.tzinfo | None) -> None:
    value = local.replace(microsecond=0, tzinfo=zone)
    ours = ber.encode_utc_time(value)
    text = ours.decode("ascii")
    decoded = ber.decode_utc_time(ours)
    assert decoded == value and decoded.utcoffset() == value.utcoffset()
    reference = utc_time_from_datetime(value)
    if value.second:
        assert text == reference
    else:
        assert text == reference[:10] + "00" + reference[10:]
    from_asn1tools = utc_time_to_datetime(text)
    assert from_asn1tools == value and from_asn1tools.utcoffset() == value.utcoffset()
    oracle = useful.UTCTime(text)
    assert contents_of(oracle, der=False) == ours
    if zone is None:
        assert contents_of(oracle, der=True) == ours
        assert oracle.asDateTime == value.replace(tzinfo=dt.UTC)


def test_generalized_time_known_answers() -> None:
    utc = dt.UTC
    enc = ber.encode_generalized_time
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 5, 120000, utc)) == b"20240102030405.12Z"
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 0)) == b"20240102030400"
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 0, 500000)) == b"20240102030400.5"
    assert enc(dt.datetime(5, 1, 2, 3, 4, 5)) == b"00050102030405"
    minus = dt.timezone(-dt.timedelta(hours=5, minutes=30))
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=minus)) == b"20240102030405-0530"
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(0)))).endswith(b"Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"20240102030405Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        (b"202401020304Z", dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)),
        (b"2024010203", dt.datetime(2024, 1, 2, 3)),
        (b"20240102030405,25", dt.datetime(2024, 1, 2, 3, 4, 5, 250000)),
        (b"20240102030405.9999999Z", dt.datetime(2024, 1, 2, 3, 4, 5, 999999, dt.UTC)),
        (b"20241231235959.99999999999999", dt.datetime(2024, 12, 31, 23, 59, 59, 999999)),
        (b"202401020304.5", dt.datetime(2024, 1, 2, 3, 4, 30)),  # fraction of a minute
        (b"2024010203,25+01", dt.datetime(2024, 1, 2, 3, 15, tzinfo=fixed(60))),
        (b"2024010203.0000001", dt.datetime(2024, 1, 2, 3, 0, 0, 360)),  # 0.36 ms
        (b"2024010203.0000000001", dt.datetime(2024, 1, 2, 3)),  # 0.36 us: truncated
        (b"202401020304.99999999999", dt.datetime(2024, 1, 2, 3, 4, 59, 999999)),
        (b"20240102030405-0000", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        (b"20240229120000+2359", dt.datetime(2024, 2, 29, 12, tzinfo=fixed(23 * 60 + 59))),
        (b"20240229120000-12", dt.datetime(2024, 2, 29, 12, tzinfo=fixed(-12 * 60))),
    ],
)  # fmt: skip
def test_generalized_time_decoding_forms(text: bytes, expected: dt.datetime) -> None:
    decoded = ber.decode_generalized_time(text)
    assert decoded == expected and decoded.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"Z",
        b"2024",
        b"20240102030Z",
        b"202401020304056Z",
        b"20240230120000Z",  # 30 February
        b"20241301120000Z",
        b"20240101240000Z",  # 24:00 is not representable
        b"20240101235960Z",  # leap second
        b"20240101126000Z",
        b"00000101120000Z",
        b"20240101120000.Z",
        b"20240101120000.5.5Z",
        b"20240101120000z",
        b"20240101120000+1",
        b"20240101120000+2400",
        b"20240101120000+0060",
        b"20240101120000+01:00",
        b"20240101120000Z+0100",
        b"2024_101120000Z",
        b" 0240101120000Z",
        b"+0240101120000",
        b"2024\xd9\xa30101120000Z",
        b"\xff\xfe",
        b"20240101120000." + b"9" * 10 + b"x",
    ],
)
def test_generalized_time_rejects(text: bytes) -> None:
    with pytest.raises(DecodeError):
        ber.decode_generalized_time(text)


def test_generalized_time_long_fractions() -> None:
    seconds = b"20240101120000." + b"9" * 100_000
    assert ber.decode_generalized_time(seconds).microsecond == 999999
    minutes = b"202401011200." + b"5" + b"0" * 100_000
    with pytest.raises(DecodeError, match="digits"):
        ber.decode_generalized_time(minutes)


def test_utc_time_known_answers() -> None:
    assert ber.encode_utc_time(dt.datetime(2024, 1, 2, 3, 4)) == b"240102030400Z"
    aware = dt.datetime(1999, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert ber.encode_utc_time(aware) == b"990102030405+0000"
    assert ber.decode_utc_time(b"2401020304Z") == dt.datetime(2024, 1, 2, 3, 4)
    assert ber.decode_utc_time(b"690102030405Z") == dt.datetime(1969, 1, 2, 3, 4, 5)
    assert ber.decode_utc_time(b"680102030405Z") == dt.datetime(2068, 1, 2, 3, 4, 5)
    decoded = ber.decode_utc_time(b"9901020304-0800")
    assert decoded == dt.datetime(1999, 1, 2, 3, 4, tzinfo=dt.timezone(-dt.timedelta(hours=8)))


@pytest.mark.parametrize(
    "text",
    [b"", b"Z", b"2401020304", b"240102030405", b"240102030405.5Z", b"2401020304+01",
     b"240230120000Z", b"24010203045Z", b"240102030405+2400", b"24O102030405Z"],
)  # fmt: skip
def test_utc_time_rejects(text: bytes) -> None:
    with pytest.raises(DecodeError):
        ber.decode_utc_time(text)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 1, 2, 3, 4, 5, 1),
        dt.datetime(1968, 12, 31, 23, 59, 59),
        dt.datetime(2069, 1, 1),
        dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(seconds=30))),
        dt.date(2024, 1, 2),
    ],
)
def test_utc_time_encode_rejects(value: dt.datetime) -> None:
    with pytest.raises(EncodeError):
        ber.encode_utc_time(value)


def test_generalized_time_encode_rejects() -> None:
    with pytest.raises(EncodeError):
        ber.encode_generalized_time(dt.date(2024, 1, 2))  # type: ignore[arg-type]
    odd = dt.timezone(dt.timedelta(minutes=1, seconds=1))
    with pytest.raises(EncodeError, match="whole minutes"):
        ber.encode_generalized_time(dt.datetime(2024, 1, 2, tzinfo=odd))


# ---------------------------------------------------------------------------------------------
# Character strings
# ---------------------------------------------------------------------------------------------

PRINTABLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"

VISIBLE_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)

STRING_CASES: list[tuple[str, Any, st.SearchStrategy[str]]] = [
    ("PrintableString", char.PrintableString, st.text(st.sampled_from(PRINTABLE))),
    ("NumericString", char.NumericString, st.text(st.sampled_from("0123456789 "))),
    ("IA5String", char.IA5String, st.text(st.characters(max_codepoint=0x7F))),
    ("VisibleString", char.VisibleString, st.text(VISIBLE_CHARS)),
    ("ISO646String", char.ISO646String, st.text(VISIBLE_CHARS)),
    ("UTF8String", char.UTF8String, st.text(st.characters(exclude_categories=["Cs"]))),
    (
        "BMPString",
        char.BMPString,
        st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])),
    ),
    (
        "UniversalString",
        char.UniversalString,
        st.text(st.characters(exclude_categories=["Cs"])),
    ),
    ("TeletexString", char.TeletexString, st.text(st.characters(max_codepoint=0xFF))),
    ("T61String", char.T61String, st.text(st.characters(max_codepoint=0xFF))),
    ("VideotexString", char.VideotexString, st.text(st.characters(max_codepoint=0xFF))),
    ("GraphicString", char.GraphicString, st.text(st.characters(max_codepoint=0xFF))),
    ("GeneralString", char.GeneralString, st.text(st.characters(max_codepoint=0xFF))),
]


@pytest.mark.parametrize(
    ("name", "oracle", "texts"), STRING_CASES, ids=[c[0] for c in STRING_CASES]
)
def test_strings_match_pyasn1(name: str, oracle: Any, texts: st.SearchStrategy[str]) -> None:
    encode, decode = ber.string_codec(name)
    identifier = split_tlv(ber_encoder.encode(oracle("")))[0]

    @settings(max_examples=60, deadline=None)
    @given(texts)
    def check(text: str) -> None:
        ours = encode(text)
        assert ours == ber.encode_string(name, text)
        assert ours == contents_of(oracle(text), der=False)
        assert decode(ours) == text == ber.decode_string(name, ours)
        assert decode(memoryview(ours)) == text
        back = pyasn1_decode(identifier + ber.encode_length(len(ours)) + ours, oracle())
        assert str(back) == text

    check()


def test_string_codecs_follow_asn1tools() -> None:
    for name, codec in ber.STRING_ENCODINGS.items():
        reference = getattr(asn1tools_ber, name, None)
        if reference is None:  # VideotexString, T61String, ISO646String: not in asn1tools' BER
            continue
        assert codecs.lookup(reference.ENCODING).name == codecs.lookup(codec).name, name


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("PrintableString", "é"),
        ("IA5String", "\x80"),
        ("NumericString", "٣"),
        ("VisibleString", "€"),
        ("TeletexString", "€"),
        ("GeneralString", "Ā"),
        ("BMPString", "a\U0001f600"),
        ("UTF8String", "\ud800"),
        ("UniversalString", "\udfff"),
    ],
)
def test_string_encode_rejects(name: str, text: str) -> None:
    with pytest.raises(EncodeError, match=name):
        ber.encode_string(name, text)


@pytest.mark.parametrize(
    ("name", "contents"),
    [
        ("IA5String", b"\x80"),
        ("PrintableString", b"caf\xc3\xa9"),
        ("UTF8String", b"\xff"),
        ("UTF8String", b"\xc0\xaf"),  # overlong "/"
        ("UTF8String", b"\xed\xa0\x80"),  # encoded surrogate
        ("BMPString", b"\x00"),
        ("BMPString", b"\xd8\x3d\xde\x00"),  # surrogate pair: not UCS-2
        ("BMPString", b"\xd8\x00"),
        ("UniversalString", b"\x00\x00\x41"),
        ("UniversalString", b"\x00\x00\xd8\x00"),
        ("UniversalString", b"\x00\x11\x00\x00"),
    ],
)
def test_string_decode_rejects(name: str, contents: bytes) -> None:
    with pytest.raises(DecodeError, match=name):
        ber.decode_string(name, contents)


def test_string_latin1_types_take_every_octet() -> None:
    every = bytes(range(256))
    for name in ("TeletexString", "VideotexString", "GraphicString", "GeneralString"):
        assert ber.encode_string(name, ber.decode_string(name, every)) == every


def test_string_unknown_type() -> None:
    with pytest.raises(ValueError, match="NoSuchString"):
        ber.string_codec("NoSuchString")
    with pytest.raises(EncodeError):
        ber.encode_string("IA5String", b"abc")  # type: ignore[arg-type]


def test_alphabet_constants() -> None:
    assert frozenset(PRINTABLE) == ber.PRINTABLE_ALPHABET and len(ber.PRINTABLE_ALPHABET) == 74
    assert frozenset("0123456789 ") == ber.NUMERIC_ALPHABET
    assert list(ber.IA5_RANGE) == list(range(128))
    assert list(ber.VISIBLE_RANGE) == list(range(32, 127))
    assert frozenset(map(chr, range(128))) == ber.IA5_ALPHABET
    assert frozenset(map(chr, range(32, 127))) == ber.VISIBLE_ALPHABET
    assert set(ber.STRING_ENCODINGS) >= {
        "UTF8String", "NumericString", "PrintableString", "TeletexString", "T61String",
        "VideotexString", "IA5String", "GraphicString", "VisibleString", "ISO646String",
        "GeneralString", "UniversalString", "BMPString",
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Hostile input: only DecodeError, never anything else, never a hang
# ---------------------------------------------------------------------------------------------

PRIMITIVE_DECODERS: list[Callable[[bytes], object]] = [
    ber.decode_boolean,
    ber.decode_null,
    ber.decode_integer,
    ber.decode_integer_strict,
    ber.decode_real,
    ber.decode_bit_string,
    ber.decode_object_identifier,
    ber.decode_relative_oid,
    ber.decode_generalized_time,
    ber.decode_utc_time,
    *(codec[1] for codec in map(ber.string_codec, ber.STRING_ENCODINGS)),
]

# Octets that make interesting structure: identifiers, length forms, EOC, digits, signs.
TOKENS = [b"\x00", b"\x30", b"\x24", b"\x23", b"\x04", b"\x03", b"\x80", b"\x81", b"\x84",
          b"\xff", b"\x1f", b"\x02", b"\x7f", b"\x01", b"2", b"0", b"Z", b"+", b"."]  # fmt: skip
hostile = st.one_of(
    st.binary(max_size=64),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join),
)


def only_decode_error(function: Callable[[], object]) -> None:
    with contextlib.suppress(DecodeError):
        function()


@FUZZ
@given(hostile)
def test_hostile_input_structure(data: bytes) -> None:
    for offset in range(min(len(data), 3) + 1):
        only_decode_error(partial(ber.decode_tag, data, offset))
        only_decode_error(partial(ber.decode_length, data, offset))
        only_decode_error(partial(ber.read_tlv_full, data, offset))
        only_decode_error(partial(ber.read_tlv_full, data, offset, 2))
    only_decode_error(partial(ber.decode_constructed_string, data, 0, len(data)))
    only_decode_error(partial(ber.decode_constructed_bit_string, data, 0, len(data)))
    only_decode_error(partial(ber.decode_constructed_string, data, 0, len(data), 2))


@FUZZ
@given(hostile)
def test_hostile_input_primitives(data: bytes) -> None:
    for decode in PRIMITIVE_DECODERS:
        only_decode_error(partial(decode, data))


@FAST
@given(hostile)
def test_read_tlv_result_is_consistent(data: bytes) -> None:
    try:
        _, _, _, start, stop, end = ber.read_tlv_full(data, 0)
    except DecodeError:
        return
    assert 0 < start <= stop <= end <= len(data)
    assert end == stop or (end == stop + 2 and data[stop:end] == b"\x00\x00")


def test_huge_declared_lengths_fail_fast() -> None:
    for data in (
        b"\x04\x88\x7f\xff\xff\xff\xff\xff\xff\xff",
        b"\x30\x84\xff\xff\xff\xff\x02\x01\x00",
        b"\x30\x80\x04\x84\x7f\xff\xff\xff",
    ):
        with pytest.raises(DecodeError, match="exceeds"):
            ber.read_tlv(data, 0)
    with pytest.raises(DecodeError, match="exceeds"):
        ber.decode_constructed_string(b"\x04\x84\x7f\xff\xff\xff", 0, 6)


def test_decode_error_offsets() -> None:
    with pytest.raises(DecodeError) as info:
        ber.read_tlv(bytes.fromhex("3080 020105 0480"), 0)
    assert info.value.offset == 5
    assert "(at offset 5)" in str(info.value)


# -- GeneralizedTime: the fields of a second kept for the PDUs that follow ---------------------


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.lists(st.integers(0, 999_999), min_size=1, max_size=4),
)
def test_generalized_time_of_one_second_decodes_alike_first_and_again(
    value: dt.datetime, micros: list[int]
) -> None:
    """The first decode of a second goes the general way, the next ones take its kept fields:
    both give the same aware UTC value, for every fraction."""
    for micro in [value.microsecond, *micros]:
        stamp = value.replace(microsecond=micro, tzinfo=dt.UTC)
        data = ber.encode_generalized_time(stamp)
        first = ber.decode_generalized_time(data)
        again = ber.decode_generalized_time(data)
        assert first == again == stamp
        assert first.tzinfo is again.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Same second as a kept one, in forms the shortcut does not take: the general rules.
        (b"20261130120001,5Z", dt.datetime(2026, 11, 30, 12, 0, 1, 500000, tzinfo=dt.UTC)),
        (b"20261130120001.1234567Z", dt.datetime(2026, 11, 30, 12, 0, 1, 123456, tzinfo=dt.UTC)),
        (b"20261130120001.25+0100",
         dt.datetime(2026, 11, 30, 12, 0, 1, 250000,
                     tzinfo=dt.timezone(dt.timedelta(hours=1)))),
        (b"20261130120001.25", dt.datetime(2026, 11, 30, 12, 0, 1, 250000)),
        (b"202611301200.5Z", dt.datetime(2026, 11, 30, 12, 0, 30, tzinfo=dt.UTC)),
    ],
)
def test_generalized_time_other_forms_of_a_kept_second(text: bytes, expected: dt.datetime) -> None:
    ber.decode_generalized_time(b"20261130120001Z")  # keeps the fields of that second
    assert ber.decode_generalized_time(text) == expected
    assert ber.decode_generalized_time(text).tzinfo == expected.tzinfo


@pytest.mark.parametrize("text", [b"20261130120001.Z", b"20261130120001.2aZ",
                                  b"20261130120001x5Z", b"20261130120001.+5Z"])
def test_generalized_time_bad_fraction_of_a_kept_second_is_refused(text: bytes) -> None:
    ber.decode_generalized_time(b"20261130120001.5Z")
    with pytest.raises(DecodeError, match="GeneralizedTime"):
        ber.decode_generalized_time(text)
