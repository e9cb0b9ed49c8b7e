"""The X2/X3 PDU of ETSI TS 103 221-2 clause 5 as one immutable object: the fixed header, the
conditional attributes and the payload.

A PDU the reader cuts from a stream keeps its octets (``raw``) and makes the typed attributes
and the payload view only when asked: the reader has already checked every attribute against
its type's rule, so this cannot fail, and a consumer that reads only the header fields (the
mediation function's hot path) makes one object per PDU, not six.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Final

from ._attributes import decode_attributes, find_attribute
from ._model import (
    NIL_XID,
    VERSION_0_5,
    Attribute,
    AttributeType,
    AttributeValue,
    PayloadDirection,
    PayloadFormat,
    PDUType,
    Timestamp,
    version_text,
)

__all__ = ["X2X3PDU", "wire_pdu"]

_NEW: Final = object.__new__
_TIMESTAMP: Final = tuple.__new__
_TWO_U32: Final = struct.Struct(">II").unpack_from


class X2X3PDU:
    """One X2 (IRI), X3 (CC), keep-alive or keep-alive acknowledgement PDU (TS 103 221-2
    clause 5).

    ``pdu_type``, ``payload_format`` and ``payload_direction`` are :class:`PDUType`,
    :class:`PayloadFormat` and :class:`PayloadDirection` members where the value is known,
    else plain ``int`` (only the PDU type must be known). ``xid`` identifies the task (the XID
    given over X1, TS 103 221-1), ``correlation_id`` (0..2**64-1) ties the PDUs of one
    communication together. ``attributes`` keep their order.

    ``payload`` is bytes-like; a PDU from :class:`~lawful_intercept.x2x3.X2X3Reader` gives a
    read-only ``memoryview`` into ``raw`` (no copy), ``raw`` being exactly the octets received
    and ``offset`` their position in the stream. Neither ``raw`` nor ``offset`` takes part in
    comparisons or the hash.

    Immutable (every field is read-only) and hashable. A PDU from the reader decodes its
    attributes on first use of :attr:`attributes` (then kept); :meth:`attribute`,
    :attr:`sequence_number` and :attr:`timestamp` decode only the attribute asked for.
    """

    __slots__ = ("_attributes", "_correlation_id", "_direction", "_format", "_header_end",
                 "_kind", "_offset", "_payload", "_raw", "_timestamp_at", "_version", "_xid")

    __match_args__ = ("pdu_type", "xid", "correlation_id", "payload", "payload_format",
                      "payload_direction", "attributes", "version", "raw", "offset")

    _attributes: tuple[Attribute, ...] | None
    _correlation_id: int
    _direction: int
    _format: int
    _header_end: int
    _kind: int
    _offset: int
    _payload: bytes | memoryview | None
    _raw: bytes
    _timestamp_at: int
    _version: int
    _xid: uuid.UUID

    def __init__(
        self,
        pdu_type: int,
        xid: uuid.UUID = NIL_XID,
        correlation_id: int = 0,
        payload: bytes | memoryview = b"",
        payload_format: int = PayloadFormat.KEEPALIVE,
        payload_direction: int = PayloadDirection.UNKNOWN,
        attributes: tuple[Attribute, ...] = (),
        version: int = VERSION_0_5,
        raw: bytes = b"",
        offset: int = 0,
    ) -> None:
        self._kind = pdu_type
        self._xid = xid
        self._correlation_id = correlation_id
        self._payload = payload
        self._format = payload_format
        self._direction = payload_direction
        self._attributes = attributes
        self._version = version
        self._raw = raw
        self._offset = offset
        self._header_end = 0
        self._timestamp_at = 0

    @property
    def pdu_type(self) -> int:
        """The PDU type (octets 2-3): a :class:`PDUType`."""
        return self._kind

    @property
    def xid(self) -> uuid.UUID:
        """The XID (octets 16-31): the task, as given over X1 (TS 103 221-1)."""
        return self._xid

    @property
    def correlation_id(self) -> int:
        """The correlation ID (octets 32-39): the PDUs of one communication share it."""
        return self._correlation_id

    @property
    def payload(self) -> bytes | memoryview:
        """The payload: as given, or from the reader a read-only ``memoryview`` into
        :attr:`raw` (a new view at each use; no copy)."""
        payload = self._payload
        if payload is None:
            return memoryview(self._raw)[self._header_end :]
        return payload

    @property
    def payload_bytes(self) -> bytes:
        """The payload as ``bytes``: the payload itself when it is ``bytes``, else a copy
        (for a PDU from the reader, one slice of :attr:`raw`: what an encoder that wants
        ``bytes`` takes, without a view made first)."""
        payload = self._payload
        if payload is None:
            return self._raw[self._header_end :]
        return payload if type(payload) is bytes else bytes(payload)

    @property
    def payload_format(self) -> int:
        """The payload format (octets 12-13): a :class:`PayloadFormat` or a plain ``int``."""
        return self._format

    @property
    def payload_direction(self) -> int:
        """The payload direction (octets 14-15): a :class:`PayloadDirection` or a plain
        ``int``."""
        return self._direction

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        """The conditional attributes (octets 40 to the header length), in order, each value
        typed (:data:`~lawful_intercept.x2x3.AttributeValue`)."""
        attributes = self._attributes
        if attributes is None:
            attributes = self._attributes = decode_attributes(self._raw, self._header_end)
        return attributes

    @property
    def version(self) -> int:
        """The version (octets 0-1): high octet major, low octet minor."""
        return self._version

    @property
    def raw(self) -> bytes:
        """The octets received (empty for a PDU built in code)."""
        return self._raw

    @property
    def offset(self) -> int:
        """The stream offset of :attr:`raw` (0 for a PDU built in code)."""
        return self._offset

    def _fields(self) -> tuple[Any, ...]:
        return (self._kind, self._xid, self._correlation_id, self.payload, self._format,
                self._direction, self.attributes, self._version)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, X2X3PDU)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"X2X3PDU(pdu_type={self._kind!r}, xid={self._xid!r}, "
                f"correlation_id={self._correlation_id!r}, payload={self.payload!r}, "
                f"payload_format={self._format!r}, payload_direction={self._direction!r}, "
                f"attributes={self.attributes!r}, version={self._version!r}, "
                f"offset={self._offset!r})")

    def attribute(self, attribute_type: int) -> AttributeValue | None:
        """The value of the first attribute of ``attribute_type``, or ``None``."""
        attributes = self._attributes
        if attributes is None:
            return find_attribute(self._raw, self._header_end, attribute_type)
        for attr in attributes:
            if attr.type == attribute_type:
                return attr.value
        return None

    @property
    def sequence_number(self) -> int | None:
        """The sequence number attribute (type 8), or ``None``."""
        value = self.attribute(AttributeType.SEQUENCE_NUMBER)
        return value if isinstance(value, int) else None

    @property
    def timestamp(self) -> Timestamp | None:
        """The timestamp attribute (type 9), or ``None``."""
        if self._attributes is None:  # the reader noted where the first one is, if any
            at = self._timestamp_at
            return _TIMESTAMP(Timestamp, _TWO_U32(self._raw, at)) if at else None
        value = self.attribute(AttributeType.TIMESTAMP)
        return value if isinstance(value, Timestamp) else None

    @property
    def timestamp_ns(self) -> int | None:
        """The timestamp attribute (type 9) in nanoseconds since the Unix epoch, or
        ``None``."""
        if self._attributes is None:
            at = self._timestamp_at
            if not at:
                return None
            seconds, nanoseconds = _TWO_U32(self._raw, at)
            return seconds * 1_000_000_000 + nanoseconds  # type: ignore[no-any-return]
        stamp = self.timestamp
        return None if stamp is None else stamp.seconds * 1_000_000_000 + stamp.nanoseconds

    @property
    def is_keepalive(self) -> bool:
        """Whether this is a keep-alive or its acknowledgement (PDU type 3 or 4)."""
        return self._kind in (PDUType.KEEPALIVE, PDUType.KEEPALIVE_ACK)

    @property
    def version_text(self) -> str:
        """The version as ``"major.minor"`` (``"0.5"``)."""
        return version_text(self._version)


def wire_pdu(pdu_type: int, xid: uuid.UUID, correlation_id: int, payload_format: int,
             payload_direction: int, version: int, raw: bytes, offset: int,
             header_length: int, timestamp_at: int) -> X2X3PDU:
    """The PDU of the octets ``raw`` as the reader found them (TS 103 221-2 clause 5): the
    header fields already read, the attributes (``raw[40:header_length]``, each already
    checked against its type's rule) and the payload (``raw[header_length:]``) made on
    first use; ``timestamp_at`` is the position in ``raw`` of the first timestamp
    attribute's value, or 0."""
    pdu: X2X3PDU = _NEW(X2X3PDU)
    pdu._kind = pdu_type
    pdu._xid = xid
    pdu._correlation_id = correlation_id
    pdu._payload = None
    pdu._format = payload_format
    pdu._direction = payload_direction
    pdu._attributes = None if header_length > 40 else ()
    pdu._version = version
    pdu._raw = raw
    pdu._offset = offset
    pdu._header_end = header_length
    pdu._timestamp_at = timestamp_at
    return pdu
