"""The X2/X3 PDU writer (ETSI TS 103 221-2 clause 5): typed values to octets, and the
keep-alive and its acknowledgement."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterable
from typing import Final

from .._checks import require_instance, require_int
from ._attributes import encode_value
from ._model import (
    HEADER_SIZE,
    NIL_XID,
    VERSION_0_5,
    Attribute,
    AttributeType,
    PayloadDirection,
    PayloadFormat,
    PDUType,
)
from ._pdu import X2X3PDU

__all__ = ["encode_pdu", "encode_pdus", "keepalive", "keepalive_ack"]

_FIXED: Final = struct.Struct(">HHIIHH16sQ")
_TL: Final = struct.Struct(">HH")
_MAX_U32: Final = 0xFFFFFFFF


def encode_pdu(pdu: X2X3PDU) -> bytes:
    """The octets of ``pdu`` (TS 103 221-2 clause 5): the fixed header, the attributes in
    order (type, length, value) and the payload. The header and payload lengths are computed.

    Misuse raises ``TypeError``/``ValueError`` naming the field: an unknown PDU type, a field
    out of its range (16 bits for version, format and direction, 64 bits for the correlation
    ID), an attribute value that does not fit its type (see
    :data:`~lawful_intercept.x2x3.AttributeValue`).
    """
    require_instance(pdu, X2X3PDU, "pdu")
    kind = require_int(pdu.pdu_type, "pdu.pdu_type", low=1, high=4)
    version = require_int(pdu.version, "pdu.version", low=0, high=0xFFFF)
    fmt = require_int(pdu.payload_format, "pdu.payload_format", low=0, high=0xFFFF)
    direction = require_int(pdu.payload_direction, "pdu.payload_direction", low=0, high=0xFFFF)
    correlation_id = require_int(pdu.correlation_id, "pdu.correlation_id", low=0,
                                 high=0xFFFFFFFFFFFFFFFF)
    xid = require_instance(pdu.xid, uuid.UUID, "pdu.xid")
    payload = pdu.payload
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"pdu.payload must be bytes, not {type(payload).__name__}")
    require_instance(pdu.attributes, tuple, "pdu.attributes")
    parts: list[bytes] = []
    size = HEADER_SIZE
    for index, attr in enumerate(pdu.attributes):
        name = f"pdu.attributes[{index}]"
        require_instance(attr, Attribute, name)
        value = encode_value(attr.type, attr.value, name)
        parts.append(_TL.pack(attr.type, len(value)))
        parts.append(value)
        size += 4 + len(value)
    if size > _MAX_U32 or len(payload) > _MAX_U32:
        raise ValueError("pdu: header and payload lengths must fit in 4 octets")
    head = _FIXED.pack(version, kind, size, len(payload), fmt, direction, xid.bytes,
                       correlation_id)
    return b"".join((head, *parts, payload))


def encode_pdus(pdus: Iterable[X2X3PDU]) -> bytes:
    """The octets of several PDUs back to back, as they follow each other on a connection."""
    return b"".join(encode_pdu(pdu) for pdu in pdus)


def keepalive(sequence_number: int, *, version: int = VERSION_0_5) -> X2X3PDU:
    """A keep-alive (PDU type 3, TS 103 221-2): nil XID, correlation ID 0, payload format and
    direction 0, no payload, and the sequence-number attribute the acknowledgement echoes."""
    number = require_int(sequence_number, "sequence_number", low=0, high=_MAX_U32)
    return X2X3PDU(PDUType.KEEPALIVE, NIL_XID, 0, b"", PayloadFormat.KEEPALIVE,
                   PayloadDirection.KEEPALIVE,
                   (Attribute(AttributeType.SEQUENCE_NUMBER, number),), version)


def keepalive_ack(request: X2X3PDU) -> X2X3PDU:
    """The acknowledgement (PDU type 4) of the keep-alive ``request``, echoing its
    sequence-number attribute (TS 103 221-2; a keep-alive without one is answered without
    one), its version, XID and correlation ID. ``ValueError`` if ``request`` is not a keep-alive."""
    require_instance(request, X2X3PDU, "request")
    if request.pdu_type != PDUType.KEEPALIVE:
        raise ValueError(f"request must be a keep-alive (PDU type 3), not PDU type "
                         f"{int(request.pdu_type)}")
    echoed = tuple(a for a in request.attributes if a.type == AttributeType.SEQUENCE_NUMBER)
    return X2X3PDU(PDUType.KEEPALIVE_ACK, request.xid, request.correlation_id, b"",
                   PayloadFormat.KEEPALIVE,
                   PayloadDirection.KEEPALIVE, echoed, request.version)
