"""Contents encoders and decoders of the primitive types (X.690 8.2-8.23), built per type.

Each builder turns a resolved primitive :class:`~lawful_intercept.asn1c.Type` (INTEGER,
ENUMERATED, BOOLEAN, NULL, the strings, OBJECT IDENTIFIER, RELATIVE-OID, the times, REAL) into
a closure over its constraints: ``encode(value) -> contents octets`` and
``decode(data, start, stop) -> value``. :mod:`._codec` adds the tags and lengths around them.
See ``docs/compiler.md``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from .. import ber
from ..errors import DecodeError, EncodeError
from ._model import Constraints, Kind, Range, Type

__all__ = [
    "ALPHABET_RE",
    "Encoder",
    "check_size",
    "check_value",
    "primitive_decoder",
    "primitive_encoder",
    "single_value_error",
    "type_error",
]

Encoder = Callable[[Any], bytes]

# The permitted alphabets of the restricted character strings (X.680 clause 41).
ALPHABET_RE = {
    "PrintableString": re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*"),
    "NumericString": re.compile(r"[0-9 ]*"),
    "IA5String": re.compile(r"[\x00-\x7f]*"),
    "VisibleString": re.compile(r"[\x20-\x7e]*"),
    "ISO646String": re.compile(r"[\x20-\x7e]*"),
}
_ALPHABET_NAME = {
    "PrintableString": "PrintableString characters (X.680 41.4)",
    "NumericString": "digits and space (X.680 41.2)",
    "IA5String": "IA5 characters 0..127",
    "VisibleString": "visible characters 32..126",
    "ISO646String": "visible characters 32..126",
}


def check_size(n: int, ranges: tuple[Range, ...], what: str) -> str | None:
    """None when ``n`` is inside a SIZE constraint (X.680 51.5), else the error message."""
    for r in ranges:
        if (r.lower is None or n >= r.lower) and (r.upper is None or n <= r.upper):
            return None
    return f"{what} {n} is outside SIZE ({' | '.join(str(r) for r in ranges)})"


def check_value(v: int, ranges: tuple[Range, ...]) -> str | None:
    """None when ``v`` is inside a value range (X.680 51.4), else the error message."""
    for r in ranges:
        if (r.lower is None or v >= r.lower) and (r.upper is None or v <= r.upper):
            return None
    return f"value {v} is outside the permitted range {' | '.join(str(r) for r in ranges)}"


def type_error(expected: str, value: object) -> EncodeError:
    """The error for a value of the wrong Python type."""
    return EncodeError(f"expected {expected}, got {type(value).__name__} {value!r:.60}")


def single_value_error(value: object, cons: Constraints) -> str | None:
    """Why ``value`` breaks the single-value constraint of ``cons`` (X.680 51.2), or None."""
    permitted = cons.single_values
    if permitted is None or value in permitted:
        return None
    shown = value if isinstance(value, str) else repr(value)
    return (f"value {shown} is not the permitted value"
            f"{'s' if len(permitted) > 1 else ''} {cons.describe_single_values()}")


def primitive_encoder(t: Type) -> Encoder:
    """The contents encoder of the primitive type ``t`` (X.690 8.2-8.23), checking its
    constraints (a single-value constraint, X.680 51.2, included)."""
    enc = _plain_encoder(t)
    cons = t.constraints
    if cons.single_values is None:
        return enc

    def enc_single(value: Any) -> bytes:
        c = enc(value)  # the type and the value's form first: their errors are more precise
        if (err := single_value_error(value, cons)) is not None:
            raise EncodeError(err)
        return c

    return enc_single


def _plain_encoder(t: Type) -> Encoder:
    kind = t.kind
    body = t.body
    cons = t.constraints
    if kind is Kind.INTEGER:
        return _integer_encoder(cons)
    if kind is Kind.ENUMERATED:
        named = body.named_numbers
        cache = {name: ber.encode_integer(v) for name, v in named.items()}

        def enc_enum(value: Any) -> bytes:
            c = cache.get(value) if isinstance(value, str) else None
            if c is None:
                raise EncodeError(
                    f"{value!r} is not one of the ENUMERATED items "
                    f"({', '.join(named) if len(named) < 12 else str(len(named)) + ' items'})"
                )
            return c

        return enc_enum
    if kind is Kind.BOOLEAN:

        def enc_bool(value: Any) -> bytes:
            if value is True:
                return b"\xff"
            if value is False:
                return b"\x00"
            raise type_error("bool for BOOLEAN", value)

        return enc_bool
    if kind is Kind.NULL:

        def enc_null(value: Any) -> bytes:
            if value is not None:
                raise type_error("None for NULL", value)
            return b""

        return enc_null
    if kind is Kind.OCTET_STRING:
        size = cons.size

        def enc_octets(value: Any) -> bytes:
            if type(value) is not bytes:
                if isinstance(value, (bytearray, memoryview)):
                    value = bytes(value)
                else:
                    raise type_error("bytes for OCTET STRING", value)
            if size is not None and (err := check_size(len(value), size, "length")):
                raise EncodeError(err)
            octets: bytes = value
            return octets

        return enc_octets
    if kind is Kind.BIT_STRING:
        size = cons.size

        def enc_bits(value: Any) -> bytes:
            if (
                not isinstance(value, tuple)
                or len(value) != 2
                or not isinstance(value[0], (bytes, bytearray))
                or not isinstance(value[1], int)
            ):
                raise type_error("(bytes, bit_length) for BIT STRING", value)
            if size is not None and (err := check_size(value[1], size, "bit length")):
                raise EncodeError(err)
            try:
                return ber.encode_bit_string(bytes(value[0]), value[1])
            except EncodeError:
                raise
            except (ValueError, OverflowError) as exc:
                raise EncodeError(str(exc)) from None

        return enc_bits
    if kind is Kind.OBJECT_IDENTIFIER or kind is Kind.RELATIVE_OID:
        prim = (
            ber.encode_object_identifier
            if kind is Kind.OBJECT_IDENTIFIER
            else ber.encode_relative_oid
        )
        name = kind.value
        oid_cache: dict[str, bytes] = {}

        def enc_oid(value: Any) -> bytes:
            c = oid_cache.get(value) if isinstance(value, str) else None
            if c is not None:
                return c
            if not isinstance(value, str):
                raise type_error(f"dotted str for {name}", value)
            try:
                c = prim(value)
            except EncodeError:
                raise
            except ValueError as exc:
                raise EncodeError(f"invalid {name} {value!r}: {exc}") from None
            if len(oid_cache) < 256:
                oid_cache[value] = c
            return c

        return enc_oid
    if kind is Kind.UTC_TIME or kind is Kind.GENERALIZED_TIME:
        tprim = (
            ber.encode_utc_time if kind is Kind.UTC_TIME else ber.encode_generalized_time
        )
        tname = kind.value

        def enc_time(value: Any) -> bytes:
            if not isinstance(value, datetime.datetime):
                raise type_error(f"datetime for {tname}", value)
            try:
                return tprim(value)
            except EncodeError:
                raise
            except ValueError as exc:
                raise EncodeError(f"cannot encode {value} as {tname}: {exc}") from None

        return enc_time
    if kind is Kind.STRING:
        return _string_encoder(t)
    if kind is Kind.REAL:

        def enc_real(value: Any) -> bytes:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise type_error("float for REAL", value)
            return ber.encode_real(float(value))

        return enc_real
    if kind is Kind.OPEN:

        def enc_open(value: Any) -> bytes:
            if not isinstance(value, (bytes, bytearray)):
                raise type_error("bytes of one complete TLV for an open type", value)
            value = bytes(value)
            try:
                nxt = ber.skip_tlv(value, 0)
            except DecodeError as exc:
                raise EncodeError(f"open type value is not a TLV: {exc.message}") from None
            if nxt != len(value):
                raise EncodeError("open type value has bytes after its TLV")
            tlv: bytes = value
            return tlv

        return enc_open
    raise EncodeError(f"no encoder for {kind.value}")


def primitive_decoder(t: Type, strict: bool) -> Callable[..., Any]:
    """The contents decoder of the primitive type ``t``: (data, start, stop) -> value, where
    ``stop == -1`` means ``data`` is exactly the (reassembled) contents. ``strict`` checks
    the constraints (a single-value constraint, X.680 51.2, included, unless extensible)."""
    dec = _plain_decoder(t, strict)
    cons = t.constraints
    if not strict or cons.single_values is None or cons.value_extensible:
        return dec

    def dec_single(data: bytes, start: int, stop: int) -> Any:
        value = dec(data, start, stop)
        if (err := single_value_error(value, cons)) is not None:
            raise DecodeError(err, offset=start)
        return value

    return dec_single


def _plain_decoder(t: Type, strict: bool) -> Callable[..., Any]:
    kind = t.kind
    body = t.body
    cons = t.constraints
    if kind is Kind.INTEGER:
        ranges = cons.value if strict and not cons.value_extensible else None

        def dec_int(data: bytes, start: int, stop: int) -> int:
            c = data[start:stop] if stop >= 0 else data
            if not c:
                raise DecodeError("INTEGER contents are empty (X.690 8.3.1)", offset=start)
            v = int.from_bytes(c, "big", signed=True)
            if ranges is not None and (err := check_value(v, ranges)):
                raise DecodeError(err, offset=start)
            return v

        return dec_int
    if kind is Kind.ENUMERATED:
        by_value = {v: name for name, v in body.named_numbers.items()}
        extensible = body.extensible
        keep_unknown = extensible and not strict

        def dec_enum(data: bytes, start: int, stop: int) -> str | int:
            c = data[start:stop] if stop >= 0 else data
            if not c:
                raise DecodeError("ENUMERATED contents are empty (X.690 8.4)", offset=start)
            v = int.from_bytes(c, "big", signed=True)
            name = by_value.get(v)
            if name is None:
                if keep_unknown:
                    return v  # an item a newer version added: its number (lenient decode)
                hint = " (an extension from a newer version?)" if extensible else ""
                raise DecodeError(f"{v} is not an ENUMERATED item{hint}", offset=start)
            return name

        return dec_enum
    if kind is Kind.BOOLEAN:

        def dec_bool(data: bytes, start: int, stop: int) -> bool:
            c = data[start:stop] if stop >= 0 else data
            if len(c) != 1:
                raise DecodeError("BOOLEAN contents must be one octet (X.690 8.2.1)",
                                  offset=start)
            return c[0] != 0

        return dec_bool
    if kind is Kind.NULL:

        def dec_null(data: bytes, start: int, stop: int) -> None:
            if (stop - start if stop >= 0 else len(data)) != 0:
                raise DecodeError("NULL contents must be empty (X.690 8.8.2)", offset=start)

        return dec_null
    if kind is Kind.OCTET_STRING:
        size = cons.size if strict else None

        def dec_octets(data: bytes, start: int, stop: int) -> bytes:
            c = data[start:stop] if stop >= 0 else data
            if size is not None and (err := check_size(len(c), size, "length")):
                raise DecodeError(err, offset=start)
            return c

        return dec_octets
    if kind is Kind.BIT_STRING:
        size = cons.size if strict else None

        def dec_bits(data: bytes, start: int, stop: int) -> tuple[bytes, int]:
            c = data[start:stop] if stop >= 0 else data
            try:
                value = ber.decode_bit_string(c)
            except DecodeError as exc:
                exc.offset = start
                raise
            if size is not None and (err := check_size(value[1], size, "bit length")):
                raise DecodeError(err, offset=start)
            return value

        return dec_bits
    prim: Callable[[bytes], Any] | None = None
    if kind is Kind.OBJECT_IDENTIFIER:
        prim = ber.decode_object_identifier
    elif kind is Kind.RELATIVE_OID:
        prim = ber.decode_relative_oid
    elif kind is Kind.UTC_TIME:
        prim = ber.decode_utc_time
    elif kind is Kind.GENERALIZED_TIME:
        prim = ber.decode_generalized_time
    elif kind is Kind.REAL:
        prim = ber.decode_real
    elif kind is Kind.STRING:
        assert body.string_type is not None
        prim = _string_decoder(t, strict)
    if prim is None:
        raise DecodeError(f"no decoder for {kind.value}")
    fn = prim

    def dec_prim(data: bytes, start: int, stop: int) -> Any:
        c = data[start:stop] if stop >= 0 else data
        try:
            return fn(c)
        except DecodeError as exc:
            if exc.offset is None:
                exc.offset = start
            raise
        except (ValueError, UnicodeDecodeError, OverflowError) as exc:
            raise DecodeError(f"invalid {kind.value}: {exc}", offset=start) from None

    return dec_prim


def _integer_encoder(cons: Constraints) -> Encoder:
    ranges = cons.value
    small = [bytes((i,)) for i in range(128)]

    def enc_int(value: Any) -> bytes:
        if type(value) is not int:
            if isinstance(value, int) and not isinstance(value, bool):
                value = int(value)
            else:
                raise type_error("int for INTEGER", value)
        if ranges is not None and (err := check_value(value, ranges)):
            raise EncodeError(err)
        number: int = value
        if 0 <= number < 128:
            return small[number]
        return number.to_bytes((number + (number < 0)).bit_length() // 8 + 1, "big", signed=True)

    return enc_int


def _string_encoder(t: Type) -> Encoder:
    body = t.body
    stype = body.string_type
    assert stype is not None
    enc_text, _ = ber.string_codec(stype)
    cons = t.constraints
    size = cons.size
    alphabet = cons.alphabet
    pattern = ALPHABET_RE.get(stype)
    alphabet_name = _ALPHABET_NAME.get(stype, "")

    def enc_string(value: Any) -> bytes:
        if type(value) is not str:
            raise type_error(f"str for {stype}", value)
        if pattern is not None and pattern.fullmatch(value) is None:
            bad = _disallowed(value, pattern)
            raise EncodeError(f"{bad!r} is not allowed in {stype}: only {alphabet_name}")
        if size is not None and (err := check_size(len(value), size, "length")):
            raise EncodeError(err)
        if alphabet is not None and not alphabet.issuperset(value):
            bad = next(ch for ch in value if ch not in alphabet)
            raise EncodeError(f"{bad!r} is outside the permitted alphabet (FROM constraint)")
        try:
            return enc_text(value)
        except (UnicodeEncodeError, ValueError) as exc:
            raise EncodeError(f"cannot encode as {stype}: {exc}") from None

    return enc_string


def _disallowed(value: str, pattern: re.Pattern[str]) -> str:
    """The first character of ``value`` outside the alphabet ``pattern`` matches."""
    return next(ch for ch in value if pattern.fullmatch(ch) is None)


def _string_decoder(t: Type, strict: bool) -> Callable[[bytes], str]:
    stype = t.body.string_type
    assert stype is not None
    _, dec_text = ber.string_codec(stype)
    cons = t.constraints
    size = cons.size if strict else None
    alphabet = cons.alphabet if strict else None
    pattern = ALPHABET_RE.get(stype) if strict else None

    def dec_string(contents: bytes) -> str:
        value = dec_text(contents)
        if pattern is not None and pattern.fullmatch(value) is None:
            raise DecodeError(f"{_disallowed(value, pattern)!r} is not allowed in {stype}")
        if size is not None and (err := check_size(len(value), size, "length")):
            raise DecodeError(err)
        if alphabet is not None and not alphabet.issuperset(value):
            raise DecodeError("characters outside the permitted alphabet (FROM constraint)")
        return value

    return dec_string


