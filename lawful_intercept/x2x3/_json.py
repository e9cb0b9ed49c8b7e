"""X2/X3 PDUs as JSON objects (what ``lawful-intercept decode --type X2X3`` prints)."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any, Final

from ._model import AttributeValue, PDUType, Timestamp, version_text
from ._pdu import X2X3PDU

__all__ = ["PDU_TYPE_NAMES", "attribute_json", "pdu_to_dict"]

PDU_TYPE_NAMES: Final = {
    PDUType.X2: "X2",
    PDUType.X3: "X3",
    PDUType.KEEPALIVE: "keepalive",
    PDUType.KEEPALIVE_ACK: "keepalive_ack",
}
"""The ``pdu_type`` text of each PDU type in JSON."""


def attribute_json(value: AttributeValue) -> Any:
    """An attribute value as JSON: numbers as numbers, text as text, a UUID or an IP address
    as its text form, a :class:`Timestamp` as ISO 8601 with nanoseconds, octets as hex."""
    if isinstance(value, int | str):
        return value
    if isinstance(value, Timestamp):
        return value.isoformat()
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return bytes(value).hex()


def pdu_to_dict(pdu: X2X3PDU) -> dict[str, Any]:
    """``pdu`` as a JSON object: ``pdu_type`` (``"X2"``, ``"X3"``, ``"keepalive"``,
    ``"keepalive_ack"``), ``version`` (``"0.5"``), ``payload_format`` and
    ``payload_direction`` (numbers), ``xid`` (UUID text), ``correlation_id`` (number),
    ``attributes`` (``{"type", "name", "value"}`` each) and ``payload`` (hex)."""
    return {
        "pdu_type": PDU_TYPE_NAMES[PDUType(pdu.pdu_type)],
        "version": version_text(pdu.version),
        "payload_format": int(pdu.payload_format),
        "payload_direction": int(pdu.payload_direction),
        "xid": str(pdu.xid),
        "correlation_id": pdu.correlation_id,
        "attributes": [
            {"type": int(a.type), "name": a.name, "value": attribute_json(a.value)}
            for a in pdu.attributes
        ],
        "payload": bytes(pdu.payload).hex(),
    }
