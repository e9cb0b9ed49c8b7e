"""BER/DER primitive layer (ITU-T X.690).

This module encodes and decodes the identifier, length and contents octets of single BER data
values.  It knows nothing about ASN.1 modules or records: the compiled encoders and decoders call
these functions with Python values and contents octets.

Conventions
-----------
* Encoders produce DER (X.690 clause 10 and 11) wherever DER has a rule, except where a value
  convention of asn1tools says otherwise (naive datetimes, see below).
* Decoders accept BER (X.690 clause 8), including what real senders emit that DER forbids
  (non-minimal length octets, non-minimal INTEGER contents, any non-zero BOOLEAN, constructed
  strings, indefinite lengths).
* Primitive decoders get the contents octets only and raise :class:`DecodeError` without an
  offset; the caller adds path and offset.  The tag, length and TLV functions work on the whole
  buffer and put the offset into the error.
* Hostile input raises :class:`DecodeError` only: lengths are checked against the data
  available before anything is sliced, nesting is bounded, no function recurses.

Value conventions follow asn1tools so that values are interchangeable:

* BIT STRING is ``(data, number_of_bits)``; OBJECT IDENTIFIER and RELATIVE-OID are dotted text.
* GeneralizedTime is a ``datetime``: naive means local time (no ``Z``), UTC means ``Z``,
  other offsets are written ``+hhmm``/``-hhmm``.  UTCTime is a ``datetime`` too, but UTCTime has
  no local-time form: a naive datetime means UTC and is written with ``Z`` (and ``Z`` decodes to
  a naive datetime), an aware one is written with its offset (UTC as ``+0000``).
* Character strings use the same Python codec per type as asn1tools (:data:`STRING_ENCODINGS`).

Where this module deliberately differs from asn1tools (all of them are asn1tools bugs or
non-DER output; each decodes to an equal value on both sides unless said otherwise):

* Times always carry seconds (DER, X.690 11.7.2 and 11.8.2); asn1tools omits ``00`` seconds.
* asn1tools writes a GeneralizedTime with zero seconds and a fraction as ``hhmm.fff``, which
  X.680 46.2 reads as a fraction of a *minute*; we write ``hhmm00.fff`` and decode ``hhmm.fff``
  as a fraction of a minute (so asn1tools' own output for such values decodes differently).
* Years below 1000 are zero-padded to four digits (``strftime('%Y')`` does not pad on glibc).
* UTCTime cannot carry fractions of a second: a datetime with microseconds is an
  :class:`EncodeError` (asn1tools drops them silently).  UTCTime two-digit years use the POSIX
  ``%y`` pivot asn1tools uses (``69``-``99`` are 1969-1999, ``00``-``68`` are 2000-2068, not
  RFC 5280's 1950 pivot), and a year outside 1969-2068 is an :class:`EncodeError` because it
  would not decode to itself.
* BMPString holds the Basic Multilingual Plane only: characters above U+FFFF (which the
  ``utf-16-be`` codec would write as surrogate pairs) are rejected both ways.
See ``docs/compiler.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from typing import Final, TypeAlias

from lawful_intercept.errors import DecodeError, EncodeError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "IA5_ALPHABET",
    "IA5_RANGE",
    "MAX_LENGTH_OCTETS",
    "MAX_TAG_NUMBER",
    "NUMERIC_ALPHABET",
    "PRINTABLE_ALPHABET",
    "STRING_ENCODINGS",
    "UTC_TIME_FIRST_YEAR",
    "UTC_TIME_LAST_YEAR",
    "VISIBLE_ALPHABET",
    "VISIBLE_RANGE",
    "BytesLike",
    "decode_bit_string",
    "decode_boolean",
    "decode_constructed_bit_string",
    "decode_constructed_string",
    "decode_enumerated",
    "decode_generalized_time",
    "decode_integer",
    "decode_integer_strict",
    "decode_length",
    "decode_null",
    "decode_object_identifier",
    "decode_real",
    "decode_relative_oid",
    "decode_string",
    "decode_tag",
    "decode_utc_time",
    "encode_bit_string",
    "encode_boolean",
    "encode_enumerated",
    "encode_generalized_time",
    "encode_integer",
    "encode_length",
    "encode_null",
    "encode_object_identifier",
    "encode_real",
    "encode_relative_oid",
    "encode_string",
    "encode_tag",
    "encode_tlv",
    "encode_utc_time",
    "read_short_tlv",
    "read_tlv",
    "read_tlv_full",
    "skip_tlv",
    "string_codec",
]

BytesLike: TypeAlias = bytes | bytearray | memoryview
"""Input accepted by every decoder: anything indexable into ints and sliceable."""

DEFAULT_MAX_DEPTH: Final = 64
"""Default bound on nested indefinite-length or constructed-string encodings."""

MAX_TAG_NUMBER: Final = (1 << 28) - 1
"""Largest tag number handled: four subsequent identifier octets (X.690 8.1.2.4)."""

MAX_LENGTH_OCTETS: Final = 8
"""Most subsequent length octets accepted in the long form (X.690 8.1.3.5)."""

# bytes objects for every single octet value, so hot paths never build them.
_BYTE: Final[tuple[bytes, ...]] = tuple(bytes((i,)) for i in range(256))

_EMPTY: Final = b""


# ---------------------------------------------------------------------------------------------
# Identifier octets (X.690 8.1.2)
# ---------------------------------------------------------------------------------------------


def encode_tag(cls: int, constructed: bool, number: int) -> bytes:
    """Encode identifier octets (X.690 8.1.2).

    ``cls`` is the tag class 0..3 (universal, application, context-specific, private; X.690
    8.1.2.2 Table 1), ``constructed`` sets bit 6 (X.690 8.1.2.5).  Numbers 0..30 use the single
    octet form (X.690 8.1.2.2), larger numbers the high-tag-number form with base-128
    subsequent octets (X.690 8.1.2.4).  Numbers above :data:`MAX_TAG_NUMBER` (more than four
    subsequent octets) are refused because :func:`decode_tag` would refuse them.
    """
    if not 0 <= cls <= 3:
        raise EncodeError(f"tag class {cls} is not 0..3 (X.690 8.1.2.2 Table 1)")
    first = (cls << 6) | (0x20 if constructed else 0)
    if 0 <= number < 31:
        return _BYTE[first | number]
    if number < 0:
        raise EncodeError(f"tag number {number} is negative (X.680 8.2)")
    if number > MAX_TAG_NUMBER:
        raise EncodeError(
            f"tag number {number} exceeds the supported maximum {MAX_TAG_NUMBER} "
            "(four subsequent identifier octets, X.690 8.1.2.4)"
        )
    out = bytearray(_BYTE[first | 0x1F])
    _append_base128(out, number)
    return bytes(out)


def decode_tag(data: BytesLike, offset: int, end: int | None = None) -> tuple[int, bool, int, int]:
    """Decode identifier octets at ``offset`` (X.690 8.1.2).

    Returns ``(cls, constructed, number, new_offset)``.  ``end`` bounds the octets that may be
    read (default ``len(data)``).  Rejects truncated identifiers, a first subsequent octet 0x80
    (X.690 8.1.2.4.2 c), the high-tag-number form for numbers below 31 (X.690 8.1.2.2) and more
    than four subsequent octets (tag numbers above :data:`MAX_TAG_NUMBER`).
    """
    if end is None:
        end = len(data)
    if offset >= end:
        raise DecodeError("identifier octet missing: data truncated (X.690 8.1.2)", offset=offset)
    first = data[offset]
    number = first & 0x1F
    if number != 0x1F:
        return first >> 6, bool(first & 0x20), number, offset + 1
    pos = offset + 1
    if pos >= end:
        raise DecodeError(
            "high tag number form truncated: no subsequent identifier octet (X.690 8.1.2.4)",
            offset=pos,
        )
    octet = data[pos]
    if octet == 0x80:
        raise DecodeError(
            "bits 7 to 1 of the first subsequent identifier octet are all zero (X.690 8.1.2.4.2 c)",
            offset=pos,
        )
    number = 0
    limit = pos + 4
    while True:
        number = (number << 7) | (octet & 0x7F)
        pos += 1
        if octet < 0x80:
            break
        if pos >= limit:
            raise DecodeError(
                "tag number uses more than 4 subsequent identifier octets; the maximum "
                f"supported tag number is {MAX_TAG_NUMBER} (X.690 8.1.2.4)",
                offset=offset,
            )
        if pos >= end:
            raise DecodeError(
                "high tag number truncated: last subsequent identifier octet has bit 8 set "
                "(X.690 8.1.2.4.2 a)",
                offset=pos,
            )
        octet = data[pos]
    if number < 31:
        raise DecodeError(
            f"tag number {number} uses the high tag number form; numbers 0..30 must use the "
            "single identifier octet (X.690 8.1.2.2)",
            offset=offset,
        )
    return first >> 6, bool(first & 0x20), number, pos


# ---------------------------------------------------------------------------------------------
# Length octets (X.690 8.1.3)
# ---------------------------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    """Encode definite length octets in the minimal form DER requires (X.690 8.1.3, 10.1).

    The short form (X.690 8.1.3.4) for 0..127, otherwise the long form with the fewest
    subsequent octets (X.690 8.1.3.5).
    """
    if 0 <= n < 0x80:
        return _BYTE[n]
    if n < 0:
        raise EncodeError(f"length {n} is negative (X.690 8.1.3)")
    size = (n.bit_length() + 7) >> 3
    if size > 126:
        raise EncodeError(f"length {n} needs more than 126 length octets (X.690 8.1.3.5 c)")
    return _BYTE[0x80 | size] + n.to_bytes(size, "big")


def decode_length(data: BytesLike, offset: int, end: int | None = None) -> tuple[int | None, int]:
    """Decode length octets at ``offset`` (X.690 8.1.3).

    Returns ``(length, new_offset)`` where ``length`` is ``None`` for the indefinite form 0x80
    (X.690 8.1.3.6).  ``end`` bounds the data (default ``len(data)``).  Non-minimal long forms
    such as ``82 00 9d`` are accepted (BER allows them, X.690 8.1.3.5; only DER forbids them);
    the reserved initial octet 0xFF (X.690 8.1.3.5 c) and more than
    :data:`MAX_LENGTH_OCTETS` subsequent octets are rejected.  A definite length that exceeds
    the ``end - new_offset`` octets available is rejected, so no caller ever sizes anything
    from a hostile length.
    """
    if end is None:
        end = len(data)
    if offset >= end:
        raise DecodeError("length octets missing: data truncated (X.690 8.1.3)", offset=offset)
    first = data[offset]
    pos = offset + 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        return None, pos
    elif first == 0xFF:
        raise DecodeError(
            "length octet 0xFF is reserved for future extension (X.690 8.1.3.5 c)", offset=offset
        )
    else:
        count = first & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise DecodeError(
                f"long form length uses {count} subsequent octets; at most "
                f"{MAX_LENGTH_OCTETS} are supported (X.690 8.1.3.5)",
                offset=offset,
            )
        if pos + count > end:
            raise DecodeError(
                f"long form length truncated: {count} subsequent octets announced, "
                f"{end - pos} available (X.690 8.1.3.5)",
                offset=offset,
            )
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if length > end - pos:
        raise DecodeError(
            f"declared length {length} exceeds the {end - pos} bytes available (X.690 8.1.3)",
            offset=offset,
        )
    return length, pos


def encode_tlv(tag: bytes, contents: bytes) -> bytes:
    """Join identifier octets, definite length octets and contents (X.690 8.1.1)."""
    return tag + encode_length(len(contents)) + contents


# ---------------------------------------------------------------------------------------------
# Whole TLVs, indefinite lengths (X.690 8.1.3.6, 8.1.5)
# ---------------------------------------------------------------------------------------------


def read_tlv_full(
    data: BytesLike, offset: int, max_depth: int = DEFAULT_MAX_DEPTH, *, end: int | None = None
) -> tuple[int, bool, int, int, int, int]:
    """Read one complete TLV at ``offset`` (X.690 8.1.1).

    Returns ``(cls, constructed, number, contents_start, contents_end, tlv_end)``.  For a
    definite length ``tlv_end == contents_end``; for the indefinite form (X.690 8.1.3.6)
    ``contents_end`` is the offset of the end-of-contents octets ``00 00`` (X.690 8.1.5) and
    ``tlv_end`` the offset just past them.  Finding the end-of-contents scans the nested TLVs;
    nested definite-length TLVs are skipped by their length, nested indefinite ones are
    followed iteratively, at most ``max_depth`` levels deep counting this one.

    Rejects the indefinite form on a primitive encoding (X.690 8.1.3.2 a), end-of-contents
    octets that are not ``00 00`` and a missing end-of-contents.  ``end`` bounds the TLV
    (default ``len(data)``), e.g. to the contents of the enclosing constructed encoding.
    """
    if end is None:
        end = len(data)
    cls, constructed, number, pos = decode_tag(data, offset, end)
    length, pos = decode_length(data, pos, end)
    if length is not None:
        stop = pos + length
        return cls, constructed, number, pos, stop, stop
    if not constructed:
        raise DecodeError(
            "indefinite length on a primitive encoding (X.690 8.1.3.2 a)", offset=offset
        )
    if max_depth < 1:
        raise DecodeError(
            f"indefinite-length nesting deeper than {max_depth} levels", offset=offset
        )
    contents_start = pos
    depth = 1
    # Each step consumes at least one octet, so the scan ends after at most end - pos steps.
    while True:
        if pos >= end:
            raise DecodeError(
                "end-of-contents octets missing: data ends inside an indefinite-length "
                "encoding (X.690 8.1.5)",
                offset=pos,
            )
        if data[pos] == 0:
            if pos + 1 >= end or data[pos + 1] != 0:
                raise DecodeError("end-of-contents octets must be 00 00 (X.690 8.1.5)", offset=pos)
            depth -= 1
            if depth == 0:
                return cls, constructed, number, contents_start, pos, pos + 2
            pos += 2
            continue
        item = pos
        _, inner_constructed, _, pos = decode_tag(data, pos, end)
        length, pos = decode_length(data, pos, end)
        if length is None:
            if not inner_constructed:
                raise DecodeError(
                    "indefinite length on a primitive encoding (X.690 8.1.3.2 a)", offset=item
                )
            depth += 1
            if depth > max_depth:
                raise DecodeError(
                    f"indefinite-length nesting deeper than {max_depth} levels", offset=item
                )
        else:
            pos += length


def read_tlv(
    data: BytesLike, offset: int, max_depth: int = DEFAULT_MAX_DEPTH, *, end: int | None = None
) -> tuple[int, bool, int, int, int]:
    """Read one TLV at ``offset``: ``(cls, constructed, number, contents_start, contents_end)``.

    Same rules as :func:`read_tlv_full` (X.690 8.1.3, 8.1.5).  For an indefinite length the
    contents end at the end-of-contents octets, so the next TLV starts at
    ``contents_end + 2``; use :func:`read_tlv_full` or :func:`skip_tlv` when the caller does
    not know which length form was used.
    """
    cls, constructed, number, start, stop, _ = read_tlv_full(data, offset, max_depth, end=end)
    return cls, constructed, number, start, stop


def read_short_tlv(data: BytesLike, offset: int, end: int) -> tuple[int, int, int]:
    """Read a TLV of the common short shape at ``offset``, fast: ``(identifier octet,
    contents_start, contents_end)``.

    For readers that pick a few fields out of known structures by their identifier octet
    (``0x81`` is a primitive ``[1]``, ``0xA3`` a constructed ``[3]``).  Only the low tag number
    form (X.690 8.1.2.2) and a definite length (X.690 8.1.3.4, 8.1.3.5, at most
    :data:`MAX_LENGTH_OCTETS` subsequent octets) are read; a high tag number, the indefinite
    length or contents past ``end`` raise :class:`~lawful_intercept.DecodeError`, as do
    truncated octets.  Use :func:`read_tlv_full` for any BER encoding.
    """
    try:
        tag = data[offset]
        first = data[offset + 1]
    except IndexError:
        raise DecodeError("identifier or length octets missing: data truncated (X.690 8.1.1)",
                          offset=offset) from None
    if tag & 0x1F == 0x1F:
        raise DecodeError("high tag number form: not a short TLV (X.690 8.1.2.4)",
                          offset=offset)
    if first < 0x80:
        start = offset + 2
        stop = start + first
    else:
        count = first & 0x7F
        if count == 0 or count > MAX_LENGTH_OCTETS:
            raise DecodeError(f"length octet 0x{first:02x}: not a definite length of at most "
                              f"{MAX_LENGTH_OCTETS} octets (X.690 8.1.3)", offset=offset + 1)
        start = offset + 2 + count
        if start > end:
            raise DecodeError("long form length truncated (X.690 8.1.3.5)", offset=offset + 1)
        stop = start + int.from_bytes(data[offset + 2:start], "big")
    if stop > end:  # also octets read past ``end``: then start > end
        raise DecodeError(f"declared length {stop - start} exceeds the {end - start} bytes "
                          "available (X.690 8.1.3)", offset=offset + 1)
    return tag, start, stop


def skip_tlv(
    data: BytesLike, offset: int, max_depth: int = DEFAULT_MAX_DEPTH, *, end: int | None = None
) -> int:
    """Return the offset just past the TLV at ``offset`` (X.690 8.1.1, 8.1.5)."""
    return read_tlv_full(data, offset, max_depth, end=end)[5]


# ---------------------------------------------------------------------------------------------
# BOOLEAN, NULL, INTEGER, ENUMERATED (X.690 8.2, 8.8, 8.3, 8.4)
# ---------------------------------------------------------------------------------------------

_TRUE: Final = b"\xff"
_FALSE: Final = b"\x00"


def encode_boolean(value: bool) -> bytes:
    """Encode BOOLEAN contents: 0x00 for FALSE, 0xFF for TRUE (X.690 8.2.2, DER 11.1)."""
    return _TRUE if value else _FALSE


def decode_boolean(contents: BytesLike, strict: bool = False) -> bool:
    """Decode BOOLEAN contents (X.690 8.2).

    The contents are exactly one octet (X.690 8.2.1); zero is FALSE and any other value TRUE
    (X.690 8.2.2).  With ``strict`` only 0x00 and 0xFF are accepted (DER, X.690 11.1).
    """
    if len(contents) != 1:
        raise DecodeError(
            f"BOOLEAN contents are {len(contents)} octets, not exactly one (X.690 8.2.1)"
        )
    octet = contents[0]
    if strict and octet not in (0x00, 0xFF):
        raise DecodeError(f"BOOLEAN TRUE encoded as 0x{octet:02x}, not 0xff (X.690 11.1)")
    return octet != 0


def encode_null() -> bytes:
    """Encode NULL contents: none (X.690 8.8.2)."""
    return _EMPTY


def decode_null(contents: BytesLike) -> None:
    """Decode NULL contents, which must be empty (X.690 8.8.2)."""
    if len(contents):
        raise DecodeError(f"NULL contents are {len(contents)} octets, not empty (X.690 8.8.2)")


# Contents octets of the small integers, which are most of what protocols carry.
_SMALL_INT_MIN: Final = -128
_SMALL_INT_MAX: Final = 1023
_SMALL_INTS: Final[tuple[bytes, ...]] = tuple(
    i.to_bytes((i if i >= 0 else ~i).bit_length() // 8 + 1, "big", signed=True)
    for i in range(_SMALL_INT_MIN, _SMALL_INT_MAX + 1)
)


def encode_integer(value: int) -> bytes:
    """Encode INTEGER contents: minimal two's complement (X.690 8.3.2, 8.3.3)."""
    if _SMALL_INT_MIN <= value <= _SMALL_INT_MAX:
        return _SMALL_INTS[value - _SMALL_INT_MIN]
    return value.to_bytes(
        (value if value >= 0 else ~value).bit_length() // 8 + 1, "big", signed=True
    )


def decode_integer(contents: BytesLike, strict: bool = False) -> int:
    """Decode INTEGER contents as two's complement (X.690 8.3.3).

    Empty contents are rejected (X.690 8.3.1).  Redundant leading 0x00 / 0xFF octets are
    accepted unless ``strict`` is set, when they are rejected (X.690 8.3.2).
    """
    if not contents:
        raise DecodeError("INTEGER contents are empty (X.690 8.3.1)")
    if strict and len(contents) > 1:
        first = contents[0]
        if (first == 0x00 and contents[1] < 0x80) or (first == 0xFF and contents[1] >= 0x80):
            raise DecodeError(
                "INTEGER contents have a redundant leading octet: the first nine bits are all "
                "zeros or all ones (X.690 8.3.2)"
            )
    return int.from_bytes(contents, "big", signed=True)


def decode_integer_strict(contents: BytesLike) -> int:
    """Decode INTEGER contents, rejecting non-minimal forms (X.690 8.3.1, 8.3.2)."""
    return decode_integer(contents, True)


encode_enumerated: Final = encode_integer
"""Encode ENUMERATED contents: as the INTEGER of its number (X.690 8.4)."""

decode_enumerated: Final = decode_integer
"""Decode ENUMERATED contents: as an INTEGER (X.690 8.4)."""


# ---------------------------------------------------------------------------------------------
# REAL (X.690 8.5, DER 11.3)
# ---------------------------------------------------------------------------------------------

_REAL_PLUS_INFINITY: Final = b"\x40"
_REAL_MINUS_INFINITY: Final = b"\x41"
_REAL_NAN: Final = b"\x42"
_REAL_MINUS_ZERO: Final = b"\x43"

# ISO 6093 numerical representations (X.690 8.5.8): leading spaces, optional sign,
# '.' or ',' as decimal mark, 'E' or 'e' before the exponent.
_NR1: Final = re.compile(r" *[+-]?[0-9]+")
_NR2: Final = re.compile(r" *[+-]?(?:[0-9]+[.,][0-9]*|[.,][0-9]+)")
_NR3: Final = re.compile(r" *[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)[Ee][+-]?[0-9]+")
_NR_FORMS: Final = {1: _NR1, 2: _NR2, 3: _NR3}

# Past these binary exponents a double is certainly infinite or zero, so huge exponents in
# hostile input never turn into huge shifts.
_REAL_MAX_BITS: Final = 1025
_REAL_MIN_BITS: Final = -1076


def encode_real(value: float) -> bytes:
    """Encode REAL contents (X.690 8.5) in the DER form (X.690 11.3.1).

    Zero has no contents octets (X.690 8.5.2); the special values are single octets
    (X.690 8.5.9): +inf 0x40, -inf 0x41, NaN 0x42, -0.0 0x43.  A finite value uses the binary
    encoding (X.690 8.5.7) with base 2, scaling factor 0 and an odd mantissa (X.690 11.3.1),
    the exponent in the fewest two's complement octets.
    """
    if not isinstance(value, float):
        if not isinstance(value, int):
            raise EncodeError(f"REAL value {value!r} is not a float (X.680 21)")
        try:
            value = float(value)
        except OverflowError:
            raise EncodeError(f"REAL value {value} is beyond the range of a float") from None
    if value == 0.0:
        return _REAL_MINUS_ZERO if math.copysign(1.0, value) < 0 else _EMPTY
    if value != value:
        return _REAL_NAN
    if value in (math.inf, -math.inf):
        return _REAL_PLUS_INFINITY if value > 0 else _REAL_MINUS_INFINITY
    first = 0x80
    if value < 0:
        first = 0xC0
        value = -value
    mantissa, denominator = value.as_integer_ratio()
    if denominator == 1:
        # Integral values: strip trailing zero bits into the exponent (DER 11.3.1).
        exponent = (mantissa & -mantissa).bit_length() - 1
        mantissa >>= exponent
    else:
        # The ratio is in lowest terms, so the mantissa is already odd.
        exponent = 1 - denominator.bit_length()
    exp_size = (exponent if exponent >= 0 else ~exponent).bit_length() // 8 + 1
    exp_octets = exponent.to_bytes(exp_size, "big", signed=True)
    if exp_size <= 3:
        head = _BYTE[first | (exp_size - 1)] + exp_octets
    else:
        head = _BYTE[first | 3] + _BYTE[exp_size] + exp_octets
    return head + mantissa.to_bytes((mantissa.bit_length() + 7) >> 3, "big")


def decode_real(contents: BytesLike) -> float:
    """Decode REAL contents (X.690 8.5).

    Accepts no contents for zero (X.690 8.5.2), the special values (X.690 8.5.9), the binary
    encoding with base 2, 8 or 16, any scaling factor and any exponent format (X.690 8.5.7),
    and the decimal encoding in ISO 6093 forms NR1, NR2 and NR3 (X.690 8.5.8).  As with
    ``float("1e400")``, values beyond the range of a double become infinities and values
    below it become (signed) zeros; finite values are correctly rounded to the nearest double.
    """
    size = len(contents)
    if size == 0:
        return 0.0
    first = contents[0]
    if first & 0x80:
        return _decode_real_binary(contents, first, size)
    if first & 0x40:
        if size != 1:
            raise DecodeError(
                f"REAL special value has {size} contents octets, not one (X.690 8.5.9)"
            )
        if first == 0x40:
            return math.inf
        if first == 0x41:
            return -math.inf
        if first == 0x42:
            return math.nan
        if first == 0x43:
            return -0.0
        raise DecodeError(f"REAL special value 0x{first:02x} is reserved (X.690 8.5.9)")
    return _decode_real_decimal(contents, first)


def _decode_real_binary(contents: BytesLike, first: int, size: int) -> float:
    base_bits = (first >> 4) & 0x03
    if base_bits == 3:
        raise DecodeError("REAL binary encoding uses the reserved base value 11 (X.690 8.5.7.2)")
    log2_base = (1, 3, 4)[base_bits]
    scale = (first >> 2) & 0x03
    exp_format = first & 0x03
    if exp_format < 3:
        exp_start = 1
        exp_size = exp_format + 1
    else:
        if size < 2:
            raise DecodeError(
                "REAL binary encoding truncated: exponent length octet missing (X.690 8.5.7.4 d)"
            )
        exp_start = 2
        exp_size = contents[1]
        if exp_size == 0:
            raise DecodeError("REAL exponent length octet is zero (X.690 8.5.7.4 d)")
    mantissa_start = exp_start + exp_size
    if mantissa_start > size:
        raise DecodeError(
            f"REAL binary encoding truncated: {exp_size} exponent octets announced, "
            f"{size - exp_start} present (X.690 8.5.7.4)"
        )
    if mantissa_start == size:
        raise DecodeError("REAL binary encoding has no mantissa octets (X.690 8.5.7.5)")
    exponent = int.from_bytes(contents[exp_start:mantissa_start], "big", signed=True)
    mantissa = int.from_bytes(contents[mantissa_start:], "big")
    negative = bool(first & 0x40)
    if mantissa == 0:
        return -0.0 if negative else 0.0
    power = exponent * log2_base + scale
    top = power + mantissa.bit_length()
    if top > _REAL_MAX_BITS:
        result = math.inf
    elif top < _REAL_MIN_BITS:
        result = 0.0
    elif mantissa.bit_length() <= 53:
        # The mantissa converts exactly, so ldexp rounds once.
        try:
            result = math.ldexp(float(mantissa), power)
        except OverflowError:
            result = math.inf
    elif power >= 0:
        try:
            result = float(mantissa << power)
        except OverflowError:
            result = math.inf
    else:
        # int / int is correctly rounded in CPython, whatever the sizes.
        try:
            result = mantissa / (1 << -power)
        except OverflowError:
            result = math.inf
    return -result if negative else result


def _decode_real_decimal(contents: BytesLike, first: int) -> float:
    form = first & 0x3F
    pattern = _NR_FORMS.get(form)
    if pattern is None:
        raise DecodeError(
            f"REAL decimal encoding uses reserved form 0x{form:02x}; only NR1, NR2 and NR3 "
            "(1, 2, 3) are defined (X.690 8.5.8)"
        )
    try:
        text = str(contents[1:], "ascii")
    except UnicodeDecodeError:
        raise DecodeError(f"REAL NR{form} text is not ASCII (X.690 8.5.8, ISO 6093)") from None
    if pattern.fullmatch(text) is None:
        raise DecodeError(f"REAL contents {text!r} are not ISO 6093 NR{form} (X.690 8.5.8)")
    return float(text.lstrip(" ").replace(",", "."))


# ---------------------------------------------------------------------------------------------
# BIT STRING (X.690 8.6, DER 11.2)
# ---------------------------------------------------------------------------------------------


def encode_bit_string(data: BytesLike, bit_length: int) -> bytes:
    """Encode primitive BIT STRING contents (X.690 8.6.2).

    The initial octet holds the number of unused bits in the last octet (X.690 8.6.2.2); the
    unused bits are set to zero (DER, X.690 11.2.1).  ``data`` must hold at least
    ``ceil(bit_length / 8)`` octets; octets beyond that are ignored (as asn1tools does).
    """
    if bit_length < 0:
        raise EncodeError(f"BIT STRING length {bit_length} is negative (X.690 8.6.2)")
    full, rest = divmod(bit_length, 8)
    needed = full + (1 if rest else 0)
    if len(data) < needed:
        raise EncodeError(
            f"BIT STRING of {bit_length} bits needs {needed} octets of data, "
            f"only {len(data)} given (X.690 8.6.2)"
        )
    if rest == 0:
        return b"\x00" + data[:full]
    unused = 8 - rest
    return _BYTE[unused] + data[:full] + _BYTE[data[full] & (0xFF << unused) & 0xFF]


def decode_bit_string(contents: BytesLike) -> tuple[bytes, int]:
    """Decode primitive BIT STRING contents to ``(data, bit_length)`` (X.690 8.6.2).

    The initial octet must be present and 0..7 (X.690 8.6.2.2) and zero when there are no
    further octets (X.690 8.6.2.3).  Unused bits carry no value (X.690 8.6.2.2), so they are
    returned as zeros whatever the sender put there.
    """
    size = len(contents)
    if size == 0:
        raise DecodeError(
            "BIT STRING contents are empty; the initial octet is required (X.690 8.6.2.2)"
        )
    unused = contents[0]
    if unused > 7:
        raise DecodeError(f"BIT STRING initial octet {unused} is not 0..7 (X.690 8.6.2.2)")
    if size == 1:
        if unused:
            raise DecodeError(
                f"empty BIT STRING has {unused} unused bits; the initial octet must be zero "
                "(X.690 8.6.2.3)"
            )
        return _EMPTY, 0
    data = bytes(contents[1:])
    if unused:
        mask = (1 << unused) - 1
        if data[-1] & mask:
            data = data[:-1] + _BYTE[data[-1] & ~mask & 0xFF]
    return data, (size - 1) * 8 - unused


# ---------------------------------------------------------------------------------------------
# OBJECT IDENTIFIER and RELATIVE-OID (X.690 8.19, 8.20)
# ---------------------------------------------------------------------------------------------


def _append_base128(out: bytearray, value: int) -> None:
    """Append ``value`` as base-128 octets, bit 8 set on all but the last (X.690 8.19.2)."""
    if value < 0x80:
        out.append(value)
        return
    shift = (value.bit_length() - 1) // 7 * 7
    while shift:
        out.append(0x80 | ((value >> shift) & 0x7F))
        shift -= 7
    out.append(value & 0x7F)


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise EncodeError(f"{what} value {value!r} is not dotted text such as '1.2.3'")


def _parse_arcs(value: str, what: str) -> list[int]:
    parts = value.split(".")
    arcs = []
    for part in parts:
        if not (part.isascii() and part.isdigit()):
            raise EncodeError(
                f"{what} {value!r}: arc {part!r} is not a non-negative decimal number (X.680 32)"
            )
        if len(part) > 1 and part[0] == "0":
            raise EncodeError(f"{what} {value!r}: arc {part!r} has a leading zero (X.680 12.8)")
        try:
            arcs.append(int(part))
        except ValueError:
            raise EncodeError(
                f"{what} {value!r}: arc has more digits than Python converts "
                "(sys.get_int_max_str_digits)"
            ) from None
    return arcs


@lru_cache(maxsize=512)
def _encode_oid_cached(value: str) -> bytes:
    arcs = _parse_arcs(value, "OBJECT IDENTIFIER")
    if len(arcs) < 2:
        raise EncodeError(f"OBJECT IDENTIFIER {value!r} has fewer than two arcs (X.690 8.19.4)")
    first, second = arcs[0], arcs[1]
    if first > 2:
        raise EncodeError(
            f"OBJECT IDENTIFIER {value!r}: first arc {first} is not 0, 1 or 2 (X.660, X.690 8.19.4)"
        )
    if first < 2 and second >= 40:
        raise EncodeError(
            f"OBJECT IDENTIFIER {value!r}: second arc {second} must be below 40 when the "
            "first arc is 0 or 1 (X.690 8.19.4)"
        )
    out = bytearray()
    _append_base128(out, first * 40 + second)
    for arc in arcs[2:]:
        _append_base128(out, arc)
    return bytes(out)


def encode_object_identifier(value: str) -> bytes:
    """Encode OBJECT IDENTIFIER contents from dotted text such as ``"0.4.0.2.2.5.1.43"``.

    At least two arcs; the first is 0, 1 or 2 and the second below 40 unless the first is 2;
    the first two arcs are combined as ``first * 40 + second`` (X.690 8.19.4) and every
    subidentifier is written in base 128 (X.690 8.19.2).  Arcs may be arbitrarily large.
    Arcs are plain decimal numbers without signs, spaces or leading zeros, so that text
    round-trips.
    """
    _check_text(value, "OBJECT IDENTIFIER")
    return _encode_oid_cached(value)


def _decode_subidentifiers(contents: BytesLike, what: str) -> list[int]:
    if not contents:
        raise DecodeError(f"{what} contents are empty (X.690 8.19.2, 8.20.2)")
    values = []
    value = 0
    at_start = True
    for octet in contents:
        if at_start and octet == 0x80:
            raise DecodeError(
                f"{what} subidentifier starts with octet 0x80, which is not minimal (X.690 8.19.2)"
            )
        value = (value << 7) | (octet & 0x7F)
        if octet & 0x80:
            at_start = False
        else:
            values.append(value)
            value = 0
            at_start = True
    if not at_start:
        raise DecodeError(
            f"{what} last subidentifier is truncated: its last octet has bit 8 set (X.690 8.19.2)"
        )
    return values


def _arcs_to_text(arcs: list[int], what: str) -> str:
    try:
        return ".".join(map(str, arcs))
    except ValueError:
        raise DecodeError(
            f"{what} arc has more decimal digits than Python converts (sys.get_int_max_str_digits)"
        ) from None


@lru_cache(maxsize=512)
def _decode_oid_cached(contents: bytes) -> str:
    return _decode_oid(contents)


def _decode_oid(contents: BytesLike) -> str:
    arcs = _decode_subidentifiers(contents, "OBJECT IDENTIFIER")
    combined = arcs[0]
    if combined < 80:
        first, second = divmod(combined, 40)
    else:
        first, second = 2, combined - 80
    arcs[0] = second
    arcs.insert(0, first)
    return _arcs_to_text(arcs, "OBJECT IDENTIFIER")


# Only short contents go through the cache, so hostile input cannot pin large buffers.
_CACHE_LIMIT: Final = 64


def decode_object_identifier(contents: BytesLike) -> str:
    """Decode OBJECT IDENTIFIER contents to dotted text (X.690 8.19).

    Splits the first subidentifier into the first two arcs (X.690 8.19.4: values of 80 and
    more belong to arc 2).  Any number of arcs of any size.  Rejects empty contents, a
    subidentifier whose first octet is 0x80 (X.690 8.19.2) and a truncated last subidentifier.
    """
    if len(contents) <= _CACHE_LIMIT:
        return _decode_oid_cached(bytes(contents))
    return _decode_oid(contents)


def encode_relative_oid(value: str) -> bytes:
    """Encode RELATIVE-OID contents from dotted text such as ``"5.3.20.2"`` (X.690 8.20).

    Each arc is one base-128 subidentifier (X.690 8.20.2); unlike OBJECT IDENTIFIER there is
    no combination of the first two arcs.  At least one arc.
    """
    _check_text(value, "RELATIVE-OID")
    arcs = _parse_arcs(value, "RELATIVE-OID")
    out = bytearray()
    for arc in arcs:
        _append_base128(out, arc)
    return bytes(out)


def decode_relative_oid(contents: BytesLike) -> str:
    """Decode RELATIVE-OID contents to dotted text (X.690 8.20).

    Same subidentifier rules as OBJECT IDENTIFIER (X.690 8.20.2 refers to 8.19.2), without
    the first-two-arcs combination.
    """
    return _arcs_to_text(_decode_subidentifiers(contents, "RELATIVE-OID"), "RELATIVE-OID")


# ---------------------------------------------------------------------------------------------
# GeneralizedTime and UTCTime (X.680 46, 47; X.690 8.25, DER 11.7, 11.8)
# ---------------------------------------------------------------------------------------------

_TIMEZONES: dict[int, timezone] = {0: UTC}
_MICROS_PER_UNIT: Final = {10: 3_600_000_000, 12: 60_000_000}
_TWO_DIGITS: Final[tuple[str, ...]] = tuple(f"{i:02d}" for i in range(100))
UTC_TIME_FIRST_YEAR: Final = 1969
"""First year UTCTime encodes: ``YY`` 69..99 are 1969..1999 (the POSIX ``%y`` pivot)."""
UTC_TIME_LAST_YEAR: Final = 2068
"""Last year UTCTime encodes: ``YY`` 00..68 are 2000..2068."""


def _timezone(minutes: int) -> timezone:
    tz = _TIMEZONES.get(minutes)
    if tz is None:
        tz = _TIMEZONES[minutes] = timezone(timedelta(minutes=minutes))
    return tz


def _format_offset(offset: timedelta, what: str) -> str:
    seconds = offset.days * 86400 + offset.seconds
    if offset.microseconds or seconds % 60:
        raise EncodeError(
            f"{what} cannot represent a UTC offset of {offset} that is not whole minutes "
            "(X.680 46.3 c, 47.3)"
        )
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return sign + _TWO_DIGITS[hours] + _TWO_DIGITS[minutes]


def encode_generalized_time(value: datetime) -> bytes:
    """Encode GeneralizedTime contents (X.680 46, X.690 8.25 and DER 11.7).

    Writes ``YYYYMMDDhhmmss`` (four-digit year, seconds always present, DER 11.7.2), then
    ``.`` and the microseconds with trailing zeros removed if any (DER 11.7.3, 11.7.4), then
    ``Z`` for a UTC datetime, ``+hhmm``/``-hhmm`` for another offset and nothing for a naive
    (local time) datetime (X.680 46.3).  Offsets that are not whole minutes are an
    :class:`EncodeError`.
    """
    if not isinstance(value, datetime):
        raise EncodeError(f"GeneralizedTime value {value!r} is not a datetime.datetime")
    two = _TWO_DIGITS
    year = value.year
    text = (
        f"{two[year // 100]}{two[year % 100]}{two[value.month]}{two[value.day]}"
        f"{two[value.hour]}{two[value.minute]}{two[value.second]}"
    )
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    tzinfo = value.tzinfo
    if tzinfo is UTC:
        text += "Z"
    elif tzinfo is not None:
        offset = value.utcoffset()
        if offset is not None:
            text += _format_offset(offset, "GeneralizedTime") if offset else "Z"
    return text.encode()


def encode_utc_time(value: datetime) -> bytes:
    """Encode UTCTime contents (X.680 47, X.690 8.25 and DER 11.8).

    Writes ``YYMMDDhhmmss`` (seconds always present, DER 11.8.2) followed by ``Z`` for a
    naive datetime, which UTCTime takes as UTC, or by ``+hhmm``/``-hhmm`` for an aware one
    (``+0000`` for UTC), as asn1tools does.  UTCTime has no fractions of a second and a
    two-digit year: microseconds, years outside :data:`UTC_TIME_FIRST_YEAR` ..
    :data:`UTC_TIME_LAST_YEAR` and offsets that are not whole minutes are an
    :class:`EncodeError`.
    """
    if not isinstance(value, datetime):
        raise EncodeError(f"UTCTime value {value!r} is not a datetime.datetime")
    if value.microsecond:
        raise EncodeError(
            f"UTCTime cannot represent fractions of a second ({value.microsecond} us) (X.680 47.3)"
        )
    year = value.year
    if not UTC_TIME_FIRST_YEAR <= year <= UTC_TIME_LAST_YEAR:
        raise EncodeError(
            f"UTCTime year {year} is outside {UTC_TIME_FIRST_YEAR}..{UTC_TIME_LAST_YEAR}, the "
            "years a two-digit year decodes to (X.680 47.3)"
        )
    two = _TWO_DIGITS
    text = (
        f"{two[year % 100]}{two[value.month]}{two[value.day]}"
        f"{two[value.hour]}{two[value.minute]}{two[value.second]}"
    )
    offset = value.utcoffset()
    text += "Z" if offset is None else _format_offset(offset, "UTCTime")
    return text.encode()


def _parse_offset(text: bytes, what: str) -> timezone:
    """Parse a time differential ``+hh``, ``-hh``, ``+hhmm`` or ``-hhmm`` (sign included)."""
    size = len(text)
    if size not in (3, 5) or not text[1:].isdigit():
        raise DecodeError(
            f"{what} time differential {text!r} is not +hh, -hh, +hhmm or -hhmm (ISO 8601)"
        )
    hours = int(text[1:3])
    minutes = int(text[3:5]) if size == 5 else 0
    if hours > 23 or minutes > 59:
        raise DecodeError(f"{what} time differential {text!r} is out of range (ISO 8601)")
    total = hours * 60 + minutes
    return _timezone(-total if text[0] == 0x2D else total)


def _make_datetime(
    what: str,
    text: bytes,
    fields: tuple[int, int, int, int, int, int, int],
    tz: timezone | None,
) -> datetime:
    try:
        return datetime(*fields, tzinfo=tz)
    except ValueError as exc:
        raise DecodeError(f"{what} {text!r} is not a valid date and time: {exc}") from None


def decode_generalized_time(contents: BytesLike) -> datetime:
    """Decode GeneralizedTime contents (X.680 46, X.690 8.25).

    Accepts ``YYYYMMDDhh``, ``YYYYMMDDhhmm`` and ``YYYYMMDDhhmmss``, each optionally followed
    by a fraction of the last element with ``.`` or ``,`` and any number of digits
    (X.680 46.2), then ``Z`` (aware, UTC), ``+hh``/``-hh``/``+hhmm``/``-hhmm`` (aware, that
    offset) or nothing (naive, local time) (X.680 46.3).  Fractions are *truncated* to whole
    microseconds, never rounded, so a value never moves into the next second (or day).  A
    fraction of a minute or an hour is exact up to Python's integer-conversion limit of digits
    (4300 by default), a fraction of a second may have any number of digits.  Leap seconds
    (``60``) and ``24:00`` cannot be represented by ``datetime`` and are a
    :class:`DecodeError`, like any invalid date.
    """
    text = contents if type(contents) is bytes else bytes(contents)
    size = len(text)
    # DER's form (X.690 11.7), "YYYYMMDDhhmmss[.f]Z": the datetime of that whole second is
    # kept, so a stream's many PDUs of one second each parse only their fraction.
    if 15 <= size <= 22 and text[-1] == 0x5A:
        f = _GENERALIZED_SECONDS.get(text[:14])
        if f is not None:
            if size == 15:
                return datetime(f[0], f[1], f[2], f[3], f[4], f[5], 0, UTC)
            fraction = text[15:-1]
            if text[14] == 0x2E and fraction.isdigit():
                micro = int(fraction.ljust(6, b"0"))
                return datetime(f[0], f[1], f[2], f[3], f[4], f[5], micro, UTC)
    value = _decode_generalized_time(text)
    if value.tzinfo is UTC and size >= 15 and text[14] in b".Z" and text[:14].isdigit():
        if len(_GENERALIZED_SECONDS) >= 4096:
            _GENERALIZED_SECONDS.clear()
        _GENERALIZED_SECONDS[text[:14]] = (value.year, value.month, value.day, value.hour,
                                           value.minute, value.second)
    return value


# Fields of recently decoded UTC GeneralizedTimes by their "YYYYMMDDhhmmss" (a datetime is
# built faster from its fields than by replace()).
_GENERALIZED_SECONDS: dict[bytes, tuple[int, int, int, int, int, int]] = {}


def _decode_generalized_time(text: bytes) -> datetime:
    what = "GeneralizedTime"
    tz: timezone | None = None
    body = text
    if text.endswith(b"Z"):
        tz = UTC
        body = text[:-1]
    else:
        sign = max(text.rfind(b"+"), text.rfind(b"-"))
        if sign >= 0:
            tz = _parse_offset(text[sign:], what)
            body = text[:sign]
    fraction = _EMPTY
    mark = body.find(b".")
    if mark < 0:
        mark = body.find(b",")
    if mark >= 0:
        fraction = body[mark + 1 :]
        body = body[:mark]
        if not fraction.isdigit():
            raise DecodeError(f"{what} {text!r}: fraction must be one or more digits (X.680 46.2)")
    size = len(body)
    if size not in (10, 12, 14) or not body.isdigit():
        raise DecodeError(
            f"{what} {text!r} is not YYYYMMDDhh[mm[ss]][.fff][Z|+-hh[mm]] (X.680 46.2, 46.3)"
        )
    # One int() and a few divmods beat slicing out six fields; body is known to be digits.
    number = int(body)
    second = minute = micro = 0
    if size == 14:
        number, second = divmod(number, 100)
    if size >= 12:
        number, minute = divmod(number, 100)
    number, hour = divmod(number, 100)
    number, day = divmod(number, 100)
    year, month = divmod(number, 100)
    if fraction:
        if size == 14:
            micro = int(fraction[:6].ljust(6, b"0"))
        else:
            try:
                numerator = int(fraction)
            except ValueError:
                raise DecodeError(
                    f"{what} fraction of {len(fraction)} digits is longer than Python converts "
                    "(sys.get_int_max_str_digits)"
                ) from None
            extra = numerator * _MICROS_PER_UNIT[size] // 10 ** len(fraction)
            extra_minutes, extra = divmod(extra, 60_000_000)
            minute += extra_minutes
            second, micro = divmod(extra, 1_000_000)
    return _make_datetime(what, text, (year, month, day, hour, minute, second, micro), tz)


def decode_utc_time(contents: BytesLike) -> datetime:
    """Decode UTCTime contents (X.680 47, X.690 8.25).

    Accepts ``YYMMDDhhmm`` and ``YYMMDDhhmmss`` followed by ``Z`` (gives a naive datetime,
    meaning UTC, as asn1tools does) or ``+hhmm``/``-hhmm`` (gives an aware datetime)
    (X.680 47.3).  ``YY`` 69..99 are 1969..1999 and 00..68 are 2000..2068 (the POSIX ``%y``
    pivot asn1tools uses).  Fractions, missing differentials and invalid dates are a
    :class:`DecodeError`.
    """
    text = bytes(contents)
    what = "UTCTime"
    tz: timezone | None = None
    if text.endswith(b"Z"):
        body = text[:-1]
    elif len(text) >= 5 and text[-5] in b"+-":
        tz = _parse_offset(text[-5:], what)
        body = text[:-5]
    else:
        raise DecodeError(
            f"{what} {text!r} does not end with Z or a +hhmm/-hhmm differential (X.680 47.3)"
        )
    size = len(body)
    if size not in (10, 12) or not body.isdigit():
        raise DecodeError(f"{what} {text!r} is not YYMMDDhhmm[ss](Z|+-hhmm) (X.680 47.3)")
    number = int(body)
    second = 0
    if size == 12:
        number, second = divmod(number, 100)
    number, minute = divmod(number, 100)
    number, hour = divmod(number, 100)
    number, day = divmod(number, 100)
    year, month = divmod(number, 100)
    year += 2000 if year < 69 else 1900
    return _make_datetime(what, text, (year, month, day, hour, minute, second, 0), tz)


# ---------------------------------------------------------------------------------------------
# Character strings (X.690 8.23, X.680 41)
# ---------------------------------------------------------------------------------------------

PRINTABLE_ALPHABET: Final[frozenset[str]] = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
"""Characters of PrintableString (X.680 41.4, Table 10)."""

NUMERIC_ALPHABET: Final[frozenset[str]] = frozenset("0123456789 ")
"""Characters of NumericString (X.680 41.2, Table 9)."""

IA5_RANGE: Final = range(0x00, 0x80)
"""Code points of IA5String: all of International Alphabet No. 5 / ASCII (X.680 41, Table 8)."""

VISIBLE_RANGE: Final = range(0x20, 0x7F)
"""Code points of VisibleString / ISO646String: printing ASCII and space (X.680 41, Table 8)."""

IA5_ALPHABET: Final[frozenset[str]] = frozenset(map(chr, IA5_RANGE))
"""Characters of IA5String as a set, for ``set(value) <= IA5_ALPHABET`` checks."""

VISIBLE_ALPHABET: Final[frozenset[str]] = frozenset(map(chr, VISIBLE_RANGE))
"""Characters of VisibleString as a set."""

STRING_ENCODINGS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "UTF8String": "utf-8",
        "NumericString": "ascii",
        "PrintableString": "ascii",
        "IA5String": "ascii",
        "VisibleString": "ascii",
        "ISO646String": "ascii",
        "TeletexString": "latin-1",
        "T61String": "latin-1",
        "VideotexString": "latin-1",
        "GraphicString": "latin-1",
        "GeneralString": "latin-1",
        "ObjectDescriptor": "latin-1",
        "UniversalString": "utf-32-be",
        "BMPString": "utf-16-be",
    }
)
"""Python codec per restricted character string type, as asn1tools chooses them.

The ISO 2022 register-based types (Teletex, Videotex, Graphic, General; X.690 8.23.5) are
mapped octet-for-character with Latin-1, which round-trips every octet; UniversalString is
UCS-4 and BMPString UCS-2, both big-endian (X.690 8.23.7, 8.23.8).  VideotexString,
T61String and ISO646String are not in asn1tools' BER table and follow their siblings.
"""

StringEncoder: TypeAlias = Callable[[str], bytes]
StringDecoder: TypeAlias = Callable[[BytesLike], str]


def _make_string_codec(type_name: str, codec: str) -> tuple[StringEncoder, StringDecoder]:
    rule = "X.690 8.23"

    def encode(value: str) -> bytes:
        try:
            return value.encode(codec)
        except UnicodeEncodeError as exc:
            raise EncodeError(
                f"{type_name}: character {value[exc.start]!r} at index {exc.start} cannot be "
                f"encoded ({codec}, {rule})"
            ) from None
        except AttributeError:
            raise EncodeError(f"{type_name} value {value!r} is not a str") from None

    def decode(contents: BytesLike) -> str:
        try:
            return str(contents, codec)
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"{type_name} contents are not valid {codec} at octet {exc.start}: "
                f"{exc.reason} ({rule})"
            ) from None

    return encode, decode


def _make_bmp_codec() -> tuple[StringEncoder, StringDecoder]:
    # utf-16-be would silently write characters above U+FFFF as surrogate pairs, which a
    # UCS-2 receiver reads as two unpaired surrogates: not a BMPString.
    base_encode, base_decode = _make_string_codec("BMPString", "utf-16-be")

    def encode(value: str) -> bytes:
        encoded = base_encode(value)
        if len(encoded) != 2 * len(value):
            index = next(i for i, char in enumerate(value) if ord(char) > 0xFFFF)
            raise EncodeError(
                f"BMPString: character {value[index]!r} at index {index} is outside the Basic "
                "Multilingual Plane (X.680 41, X.690 8.23.8)"
            )
        return encoded

    def decode(contents: BytesLike) -> str:
        text = base_decode(contents)
        if 2 * len(text) != len(contents):
            raise DecodeError(
                "BMPString contents contain a surrogate pair; BMPString is UCS-2 and holds "
                "the Basic Multilingual Plane only (X.680 41, X.690 8.23.8)"
            )
        return text

    return encode, decode


_STRING_CODECS: Final[dict[str, tuple[StringEncoder, StringDecoder]]] = {
    name: (_make_bmp_codec() if name == "BMPString" else _make_string_codec(name, codec))
    for name, codec in STRING_ENCODINGS.items()
}


def string_codec(string_type: str) -> tuple[StringEncoder, StringDecoder]:
    """Return the ``(encode, decode)`` pair for a restricted character string type (X.690 8.23).

    Bind the pair once per compiled type; both functions raise :class:`EncodeError` /
    :class:`DecodeError` for characters or octets the codec cannot represent.  An unknown type
    name is a programming error and raises :class:`ValueError`.
    """
    try:
        return _STRING_CODECS[string_type]
    except KeyError:
        raise ValueError(f"unknown character string type {string_type!r}") from None


def encode_string(string_type: str, value: str) -> bytes:
    """Encode character string contents of type ``string_type`` (X.690 8.23)."""
    return string_codec(string_type)[0](value)


def decode_string(string_type: str, contents: BytesLike) -> str:
    """Decode character string contents of type ``string_type`` (X.690 8.23)."""
    return string_codec(string_type)[1](contents)


# ---------------------------------------------------------------------------------------------
# Constructed strings (X.690 8.6.3, 8.7.3, 8.23.6)
# ---------------------------------------------------------------------------------------------

_OCTET_STRING_TAG: Final = 4
_BIT_STRING_TAG: Final = 3
_CLASS_NAMES: Final = ("UNIVERSAL ", "APPLICATION ", "", "PRIVATE ")


def _string_segments(
    data: BytesLike, start: int, end: int, max_depth: int, segment_tag: int, what: str
) -> list[BytesLike]:
    """Collect the contents of the primitive segments inside ``data[start:end]`` in order."""
    segments: list[BytesLike] = []
    # The enclosing levels still being walked: (limit, indefinite) of each.
    stack: list[tuple[int, bool]] = []
    limit = end
    indefinite = False
    pos = start
    while True:
        if indefinite:
            if pos >= limit:
                raise DecodeError(
                    f"constructed {what} segment lacks its end-of-contents octets (X.690 8.1.5)",
                    offset=pos,
                )
            if data[pos] == 0:
                if pos + 1 >= limit or data[pos + 1] != 0:
                    raise DecodeError(
                        "end-of-contents octets must be 00 00 (X.690 8.1.5)", offset=pos
                    )
                pos += 2
                limit, indefinite = stack.pop()
                continue
        elif pos >= limit:
            if not stack:
                return segments
            limit, indefinite = stack.pop()
            continue
        item = pos
        cls, constructed, number, pos = decode_tag(data, pos, limit)
        if cls != 0 or number != segment_tag:
            raise DecodeError(
                f"segment of a constructed {what} has tag [{_CLASS_NAMES[cls]}{number}], "
                f"not [UNIVERSAL {segment_tag}] (X.690 8.6.4, 8.7.3, 8.23.6)",
                offset=item,
            )
        length, pos = decode_length(data, pos, limit)
        if constructed:
            if len(stack) >= max_depth:
                raise DecodeError(
                    f"constructed {what} segments nested deeper than {max_depth} levels",
                    offset=item,
                )
            stack.append((limit, indefinite))
            if length is None:
                indefinite = True
            else:
                limit = pos + length
                indefinite = False
        else:
            if length is None:
                raise DecodeError(
                    "indefinite length on a primitive encoding (X.690 8.1.3.2 a)", offset=item
                )
            segments.append(data[pos : pos + length])
            pos += length


def decode_constructed_string(
    data: BytesLike,
    start: int,
    end: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    segment_tag: int = _OCTET_STRING_TAG,
) -> bytes:
    """Join the segments of a constructed OCTET STRING or character string (X.690 8.7.3, 8.23.6).

    ``data[start:end]`` are the contents octets of the constructed encoding (for the
    indefinite form, up to but not including its end-of-contents octets, as :func:`read_tlv`
    returns them).  They are a series of OCTET STRING encodings, ``[UNIVERSAL 4]``, each
    primitive or itself constructed, with definite or indefinite length (X.690 8.7.3.2; a
    character string's segments are OCTET STRINGs too, X.690 8.23.6).  ``segment_tag`` allows
    another universal tag.  At most ``max_depth`` levels of constructed segments.
    """
    segments = _string_segments(data, start, end, max_depth, segment_tag, "OCTET STRING")
    return b"".join(segments)


def decode_constructed_bit_string(
    data: BytesLike, start: int, end: int, max_depth: int = DEFAULT_MAX_DEPTH
) -> tuple[bytes, int]:
    """Join the segments of a constructed BIT STRING to ``(data, bit_length)`` (X.690 8.6.4).

    ``data[start:end]`` are the contents octets of the constructed encoding, a series of
    BIT STRING encodings ``[UNIVERSAL 3]``, each primitive or constructed (X.690 8.6.4).  Each
    primitive segment is decoded as by :func:`decode_bit_string`; only the last one may have
    unused bits (X.690 8.6.4.2).  At most ``max_depth`` levels of constructed segments.
    """
    segments = _string_segments(data, start, end, max_depth, _BIT_STRING_TAG, "BIT STRING")
    out = bytearray()
    bits = 0
    partial = False
    for segment in segments:
        if partial:
            raise DecodeError(
                "only the last segment of a constructed BIT STRING may have unused bits "
                "(X.690 8.6.4.2)"
            )
        chunk, chunk_bits = decode_bit_string(segment)
        out += chunk
        bits += chunk_bits
        partial = bool(chunk_bits & 7)
    return bytes(out), bits
