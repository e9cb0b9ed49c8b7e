"""Attribute values of TS 103 221-2 (clause 5, conditional attributes): octets to typed values
and back, one rule per attribute type."""

from __future__ import annotations

import ipaddress
import struct
import uuid
from collections.abc import Callable
from typing import Final

from .._checks import require_instance, require_int, type_name
from ._model import HEADER_SIZE, Attribute, AttributeType, AttributeValue, Timestamp

__all__ = [
    "DECODERS",
    "FIXED_SIZES",
    "MAX_ATTRIBUTE_LENGTH",
    "decode_attributes",
    "decode_value",
    "encode_value",
    "find_attribute",
]

MAX_ATTRIBUTE_LENGTH: Final = 0xFFFF
"""Most octets of one attribute's value (its length field has 2 octets)."""

_TEXT: Final = frozenset({
    AttributeType.NETWORK_FUNCTION_ID, AttributeType.INTERCEPTION_POINT_ID,
    AttributeType.MATCHED_TARGET_IDENTIFIER, AttributeType.OTHER_TARGET_IDENTIFIER,
    AttributeType.MIME_CONTENT_TYPE, AttributeType.MIME_CONTENT_TRANSFER_ENCODING,
    AttributeType.SDP_SESSION_DESCRIPTION,
})
# Fixed-size unsigned numbers: type -> octets.
_UNSIGNED: Final[dict[int, int]] = {
    AttributeType.SEQUENCE_NUMBER: 4,
    AttributeType.SOURCE_PORT: 2,
    AttributeType.DESTINATION_PORT: 2,
    AttributeType.IP_PROTOCOL: 1,
}
_IPV4: Final = frozenset({AttributeType.SOURCE_IPV4_ADDRESS,
                          AttributeType.DESTINATION_IPV4_ADDRESS})
_IPV6: Final = frozenset({AttributeType.SOURCE_IPV6_ADDRESS,
                          AttributeType.DESTINATION_IPV6_ADDRESS})


def _number(size: int) -> Callable[[bytes], AttributeValue]:
    def decode(value: bytes) -> AttributeValue:
        if len(value) != size:
            raise ValueError(f"must be {size} octets, not {len(value)}")
        return int.from_bytes(value, "big")

    return decode


def _timestamp(value: bytes) -> AttributeValue:
    if len(value) != 8:
        raise ValueError(f"must be 8 octets (seconds, nanoseconds), not {len(value)}")
    seconds, nanoseconds = _TWO_U32.unpack(value)
    if nanoseconds > 999_999_999:
        raise ValueError(f"nanoseconds {nanoseconds} must be below 1000000000")
    return Timestamp(seconds, nanoseconds)


def _text(value: bytes) -> AttributeValue:
    # Text when it is UTF-8; other octets are kept as they are rather than refused: Wireshark's
    # li5g dissector treats these attributes as octets, and a network element that sends an
    # identifier in another encoding must not lose its interception.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value


def _ipv4(value: bytes) -> AttributeValue:
    if len(value) != 4:
        raise ValueError(f"must be 4 octets (an IPv4 address), not {len(value)}")
    return ipaddress.IPv4Address(value)


def _ipv6(value: bytes) -> AttributeValue:
    if len(value) != 16:
        raise ValueError(f"must be 16 octets (an IPv6 address), not {len(value)}")
    return ipaddress.IPv6Address(value)


def _uuid(value: bytes) -> AttributeValue:
    if len(value) != 16:
        raise ValueError(f"must be 16 octets (a UUID), not {len(value)}")
    return uuid.UUID(bytes=value)


_TWO_U32: Final = struct.Struct(">II")
DECODERS: Final[dict[int, Callable[[bytes], AttributeValue]]] = {
    # The decoder of each typed attribute type (the others keep their octets); each raises
    # ValueError naming the rule its octets break.
    **{kind: _number(size) for kind, size in _UNSIGNED.items()},
    AttributeType.TIMESTAMP: _timestamp,
    **dict.fromkeys(_TEXT, _text),
    **dict.fromkeys(_IPV4, _ipv4),
    **dict.fromkeys(_IPV6, _ipv6),
    AttributeType.DOMAIN_ID: _uuid,
}


FIXED_SIZES: Final[dict[int, int]] = {
    # The octets of each attribute type of a fixed size (the only types whose octets can break
    # a rule, with the timestamp's nanoseconds).
    **_UNSIGNED,
    AttributeType.TIMESTAMP: 8,
    **dict.fromkeys(_IPV4, 4),
    **dict.fromkeys(_IPV6, 16),
    AttributeType.DOMAIN_ID: 16,
}
_TL: Final = struct.Struct(">HH").unpack_from
_TYPES: Final = {t.value: t for t in AttributeType}


def decode_attributes(raw: bytes, end: int) -> tuple[Attribute, ...]:
    """The typed attributes of a PDU's header ``raw[40:end]`` (TS 103 221-2 clause 5), in
    order. The framing and every value's rule must have been checked (the reader does):
    octets that break them raise ``ValueError`` or ``struct.error`` here."""
    found: list[Attribute] = []
    pos = HEADER_SIZE
    new = tuple.__new__
    while pos < end:
        kind, length = _TL(raw, pos)
        stop = pos + 4 + length
        found.append(new(Attribute, (_TYPES.get(kind, kind),
                                     decode_value(kind, raw[pos + 4 : stop]))))
        pos = stop
    return tuple(found)


def find_attribute(raw: bytes, end: int, attribute_type: int) -> AttributeValue | None:
    """The typed value of the first attribute of ``attribute_type`` in a PDU's header
    ``raw[40:end]``, or ``None``; the other attributes are skipped, not decoded (checked
    framing assumed, as for :func:`decode_attributes`)."""
    pos = HEADER_SIZE
    while pos < end:
        kind, length = _TL(raw, pos)
        if kind == attribute_type:
            return decode_value(kind, raw[pos + 4 : pos + 4 + length])
        pos += 4 + length
    return None


def decode_value(kind: int, value: bytes) -> AttributeValue:
    """The typed value of an attribute of type ``kind`` from its value octets (octets as they
    are for types 1-4, 21 and unknown types).

    Raises ``ValueError`` (a message naming the rule) if the octets break the type's rule: a
    wrong length for a fixed-size type, a timestamp's nanoseconds of 10**9 or more. A text
    attribute whose octets are not UTF-8 keeps them as ``bytes``."""
    decoder = DECODERS.get(kind)
    return value if decoder is None else decoder(value)


def _unsigned(kind: int) -> Callable[[AttributeValue, str], bytes]:
    size = _UNSIGNED[kind]

    def encode(value: AttributeValue, name: str) -> bytes:
        number = require_int(value, name, low=0, high=(1 << (8 * size)) - 1)
        return number.to_bytes(size, "big")

    return encode


def encode_value(kind: int, value: AttributeValue, name: str) -> bytes:
    """The value octets of an attribute of type ``kind``; ``TypeError`` or ``ValueError``
    naming ``name`` if ``value`` does not fit the type (see :data:`AttributeValue`)."""
    require_int(kind, f"{name}.type", low=0, high=0xFFFF)
    if kind in _UNSIGNED:
        data = _unsigned(kind)(value, f"{name}.value")
    elif kind == AttributeType.TIMESTAMP:
        stamp = require_instance(value, Timestamp, f"{name}.value")
        seconds = require_int(stamp.seconds, f"{name}.value.seconds", low=0, high=0xFFFFFFFF)
        nanoseconds = require_int(stamp.nanoseconds, f"{name}.value.nanoseconds", low=0,
                                  high=999_999_999)
        data = seconds.to_bytes(4, "big") + nanoseconds.to_bytes(4, "big")
    elif kind in _TEXT and not isinstance(value, bytes | bytearray | memoryview):
        data = require_instance(value, str, f"{name}.value").encode("utf-8")
    elif kind in _IPV4:
        data = require_instance(value, ipaddress.IPv4Address, f"{name}.value").packed
    elif kind in _IPV6:
        data = require_instance(value, ipaddress.IPv6Address, f"{name}.value").packed
    elif kind == AttributeType.DOMAIN_ID:
        data = require_instance(value, uuid.UUID, f"{name}.value").bytes
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    else:
        raise TypeError(f"{name}.value must be bytes for attribute type {kind}, "
                        f"not {type_name(value)}")
    if len(data) > MAX_ATTRIBUTE_LENGTH:
        raise ValueError(f"{name}.value must be at most {MAX_ATTRIBUTE_LENGTH} octets "
                         f"(a 2-octet length), not {len(data)}")
    return data
