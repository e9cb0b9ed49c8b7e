"""The X2/X3 PDU of ETSI TS 103 221-2 as typed values: header fields, attributes, the PDU.

The header's enumerations, the attribute types and values; the PDU itself
(:class:`~lawful_intercept.x2x3.X2X3PDU`, the 40-octet fixed header of clause 5, its
conditional attributes and the payload) is in ``_pdu``. The codec (``_reader``, ``_writer``)
turns octets into these values and back.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from enum import IntEnum
from typing import Final, NamedTuple

__all__ = [
    "DEFAULT_MAX_PDU_SIZE",
    "HEADER_SIZE",
    "NIL_XID",
    "VERSION_0_5",
    "Attribute",
    "AttributeType",
    "AttributeValue",
    "PDUType",
    "PayloadDirection",
    "PayloadFormat",
    "Timestamp",
    "attribute_name",
    "version_text",
]

HEADER_SIZE: Final = 40
"""Octets of the fixed header before the conditional attributes (TS 103 221-2 clause 5)."""

DEFAULT_MAX_PDU_SIZE: Final = 4 * 1024 * 1024
"""Default bound on one PDU, header, attributes and payload together (4 MiB)."""

VERSION_0_5: Final = 0x0005
"""Version 0.5 (major 0, minor 5), the version OpenLI and other implementations send."""

NIL_XID: Final = uuid.UUID(int=0)
"""The nil UUID: the XID of a keep-alive and its acknowledgement."""


class PDUType(IntEnum):
    """The PDU type field, octets 2-3 (TS 103 221-2 clause 5)."""

    X2 = 1
    X3 = 2
    KEEPALIVE = 3
    KEEPALIVE_ACK = 4


class PayloadFormat(IntEnum):
    """The payload format field, octets 12-13 (TS 103 221-2 clause 5). Other values are
    kept as plain ``int``."""

    KEEPALIVE = 0
    ETSI_102232_1 = 1
    TS_33128 = 2
    TS_33108 = 3
    PROPRIETARY = 4
    IPV4_PACKET = 5
    IPV6_PACKET = 6
    ETHERNET_FRAME = 7
    RTP_PACKET = 8
    SIP_MESSAGE = 9
    DHCP_MESSAGE = 10
    RADIUS_PACKET = 11
    GTP_U_MESSAGE = 12
    MSRP_MESSAGE = 13
    EPS_IRI_CONTENT = 14
    MIME_ENTITY = 15
    UNSTRUCTURED = 16


class PayloadDirection(IntEnum):
    """The payload direction field, octets 14-15 (TS 103 221-2 clause 5)."""

    KEEPALIVE = 0
    UNKNOWN = 1
    TO_TARGET = 2
    FROM_TARGET = 3
    MULTIPLE = 4
    NOT_APPLICABLE = 5


class AttributeType(IntEnum):
    """The type of a conditional attribute (TS 103 221-2 clause 5, conditional attributes).

    The value of each known type is typed (see :data:`AttributeValue`): 1-4 and 21 are octets
    defined elsewhere, 5 a UUID, 6, 7, 17-20 and 22 UTF-8 text (octets that are not UTF-8 are
    kept as ``bytes``), 8 an unsigned 32-bit number,
    9 a :class:`Timestamp`, 10-13 IP addresses, 14-15 ports, 16 an IP protocol number.
    """

    ETSI_102232_1_DEFINED = 1
    TS_33128_DEFINED = 2
    TS_33108_DEFINED = 3
    PROPRIETARY = 4
    DOMAIN_ID = 5
    NETWORK_FUNCTION_ID = 6
    INTERCEPTION_POINT_ID = 7
    SEQUENCE_NUMBER = 8
    TIMESTAMP = 9
    SOURCE_IPV4_ADDRESS = 10
    DESTINATION_IPV4_ADDRESS = 11
    SOURCE_IPV6_ADDRESS = 12
    DESTINATION_IPV6_ADDRESS = 13
    SOURCE_PORT = 14
    DESTINATION_PORT = 15
    IP_PROTOCOL = 16
    MATCHED_TARGET_IDENTIFIER = 17
    OTHER_TARGET_IDENTIFIER = 18
    MIME_CONTENT_TYPE = 19
    MIME_CONTENT_TRANSFER_ENCODING = 20
    ADDITIONAL_XID_RELATED_INFORMATION = 21
    SDP_SESSION_DESCRIPTION = 22


class Timestamp(NamedTuple):
    """The timestamp attribute (type 9, TS 103 221-2): seconds and nanoseconds since the Unix
    epoch, 4 octets each; ``nanoseconds`` is below 10**9 (the reader refuses more, the writer
    checks both)."""

    seconds: int
    nanoseconds: int = 0

    def to_datetime(self) -> datetime:
        """The time as an aware UTC ``datetime`` (microseconds: nanoseconds are cut)."""
        return datetime.fromtimestamp(self.seconds, UTC).replace(
            microsecond=self.nanoseconds // 1000)

    def isoformat(self) -> str:
        """ISO 8601 UTC with all nine decimals: ``2026-12-06T16:00:00.123456789Z``."""
        whole = datetime.fromtimestamp(self.seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{whole}.{self.nanoseconds:09d}Z"


AttributeValue = (
    bytes | str | int | uuid.UUID | Timestamp | ipaddress.IPv4Address | ipaddress.IPv6Address
)
"""The Python type of an attribute's value, by :class:`AttributeType`: ``bytes`` for 1-4, 21
and unknown types, ``uuid.UUID`` for 5, ``str`` for 6, 7, 17-20, 22 (``bytes`` if the
octets are not UTF-8), ``int`` for 8, 14-16,
:class:`Timestamp` for 9, ``IPv4Address`` for 10-11, ``IPv6Address`` for 12-13."""


def attribute_name(attribute_type: int) -> str:
    """The name of an attribute type in lower case (``"sequence_number"``), or ``"unknown"``
    for a type TS 103 221-2 does not define."""
    try:
        return AttributeType(attribute_type).name.lower()
    except ValueError:
        return "unknown"


class Attribute(NamedTuple):
    """One conditional attribute (TS 103 221-2 clause 5): its type number and typed value
    (see :data:`AttributeValue`). The writer checks that the value's type fits the type
    number."""

    type: int
    value: AttributeValue

    @property
    def name(self) -> str:
        """The attribute type's name (:func:`attribute_name`)."""
        return attribute_name(self.type)


def version_text(version: int) -> str:
    """The version field as ``"major.minor"`` (the high and low octet): ``0x0005`` is
    ``"0.5"``."""
    return f"{version >> 8}.{version & 0xFF}"
