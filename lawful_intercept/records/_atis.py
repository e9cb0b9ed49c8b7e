"""ATIS lawful-intercept records: ATIS-1000678 (VoP) LAESProtocol, ATIS-1000013 (internet
access) IasProtocol, and the CC-APDU of both.

* :class:`LAESRecords`: the call-data messages of ATIS-1000678 (T1.678, "Lawfully
  Authorized Electronic Surveillance for Voice over Packet"), ``LAESProtocol ::= CHOICE {
  enhancedProtocol [0] {protocolIdentifier, laesMessage}, laesMessage [1] LaesMessage }``, and
  the call content as ``CC-APDU`` of the CCDeliveryHeaderModule.
* :class:`IASRecords`: the CmII messages of ATIS-1000013 (T1.IAS, internet access),
  ``IasProtocol ::= SEQUENCE { protocolIdentifier, iasMessage }``, and the CmCC as
  ``IAS-CC-APDU``.

Both CC-APDU types are ``SEQUENCE { ccDeliveryHeader [0] { correlationInfo [0] { caseId?,
iapId?, contentIdentifier }, timeStamp?, packetDirection?, sequenceNumber? }, payload [1]
OCTET STRING }``. The ``contentIdentifier`` is the one the IRI announced (``ccOpen`` in VoP,
``deliveryInformation`` / ``data-Header-Report`` in IAS): pass the same value from
:func:`~lawful_intercept.records.atis_correlation_id` or
:func:`~lawful_intercept.records.atis_call_identity` to both, and the caseId and
IAP system identity of the records object go into every message, so the IRI and the CC of
an intercept correlate by construction.

The bundled ATIS modules are a non-normative reconstruction of the 2006/2007 drafts (see
``docs/standards.md``); the object identifiers are those OpenCALEA used (:data:`LAES_OID`,
:data:`CC_DELIVERY_HEADER_OID`, :data:`IAS_OID`, :data:`IAS_CMCC_OID`). A specification
compiled from the licensed ATIS text can be passed as ``spec=`` if it keeps the module and
type names.
This module holds what both share: the object identifiers, the value helpers and the base
class with the CC-APDU (:class:`AtisRecords`); :mod:`._laes` and :mod:`._ias` the messages,
:mod:`._atis_ids` the correlation identifiers and the CC numbering (see docs/records.md).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from ..asn1c import Specification
from ..catalog import default_specification
from ..correlation import Clock, generalized_time
from ..errors import EncodeError, Error
from ._atis_ids import (
    ContentIdentifierLike,
    ContentSequenceNumbers,
    atis_case_identity,
    atis_iap_system_identity,
    checked_content_identifier,
    relabel,
)
from ._packetcable_ids import pc_ccc_id, pc_ccc_id_pair

__all__ = [
    "CC_DELIVERY_HEADER_OID",
    "IAS_CMCC_OID",
    "IAS_OID",
    "LAES_OID",
    "AtisRecords",
    "DeliveryIdentifierLike",
    "PacketDirection",
    "checked_delivery_identifier",
    "ias_ip_address",
    "ias_value",
    "media_information",
    "party_identity",
    "signaling_messages",
]

#: ``EnhancedProtocol.protocolIdentifier`` of ATIS-1000678 (``T1S1-LAES-VoP-Abstract-Syntax-
#: Module-OID``) as OpenCALEA sends it.
LAES_OID: Final = "1.2.840.113737.2.1.0.0.0.1"
#: The CCDeliveryHeaderModule (ATIS-1000678 CC-APDU), put in ``CCOpen.ccDeliveryFormat
#: cc-APDU`` (``CCDeliveryHeaderModuleOID``), as OpenCALEA sends it.
CC_DELIVERY_HEADER_OID: Final = "1.2.840.113737.2.1.0.1.1"
#: ``IasProtocol.protocolIdentifier`` of ATIS-1000013 (``IAS-LAES-CmII-Abstract-Syntax-
#: Module-OID``) as OpenCALEA sends it.
IAS_OID: Final = "1.2.840.113737.2.1.1.0.0"
#: The IAS CmCC module (IAS-CC-APDU), put in ``LEA-CmC-Delivery.ccDeliveryFormat
#: atis-678-ASN1`` (``IAS-LAES-CmCC-Module-OID``), as OpenCALEA sends it.
IAS_CMCC_OID: Final = "1.2.840.113737.2.1.1.1.0"


PacketDirection = Literal["fromSubject", "toSubject"]
"""``PacketDirection`` of the CC delivery header (ATIS-1000678 / ATIS-1000013)."""



DeliveryIdentifierLike = int | tuple[int, int] | tuple[str, Any]
"""A ``DeliveryIdentifier``: a 32-bit CCC identifier (``cccId combCCC``, 8 hex characters as
:func:`~lawful_intercept.records.pc_ccc_id` writes it), a (transmit, receive) pair of them
(``sepCCCpair``), a ``CCCIdentity`` CHOICE value (``("indCCC", "…")``), or the
``DeliveryIdentifier`` CHOICE value itself (``("ccAddress", {...})``)."""

_CCC_IDENTITY: Final = frozenset({"combCCC", "sepCCCpair", "indXmitCCC", "indRecvCCC", "indCCC"})
_DIRECTIONS: Final = ("fromSubject", "toSubject")


def party_identity(value: str | Mapping[str, Any], path: str = "partyIdentity"
                   ) -> dict[str, Any]:
    """A ``PartyIdentity`` (ATIS-1000678): a ``str`` with a ``:`` is a URI (``sip:``,
    ``tel:``; ``uri`` SET OF UTF8String), any other ``str`` a directory number (``dn``,
    VisibleString 1..15); a mapping is the PartyIdentity value itself."""
    if isinstance(value, str):
        return {"uri": [value]} if ":" in value else {"dn": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise EncodeError(
        f"a PartyIdentity must be a URI or directory number (str) or a dict, got "
        f"{type(value).__name__}", path,
    )


def media_information(value: str | Mapping[str, Any], path: str = "media") -> dict[str, Any]:
    """A ``MediaInformation`` (ATIS-1000678): a ``str`` is an SDP description
    (``characteristics sdp``); a mapping is the MediaInformation value itself."""
    if isinstance(value, str):
        return {"characteristics": ("sdp", value)}
    if isinstance(value, Mapping):
        return dict(value)
    raise EncodeError(
        f"a MediaInformation must be SDP text (str) or a dict, got {type(value).__name__}", path
    )


def signaling_messages(messages: Sequence[tuple[str, bytes | str]], path: str = "signalingMsg"
                       ) -> list[dict[str, Any]]:
    """``SET OF EncapsulatedSignalingMessage`` (ATIS-1000678): ``(protocol, message)`` pairs
    such as ``("SIP", b"INVITE sip:...")``; a ``str`` message is encoded as UTF-8."""
    out = []
    for i, item in enumerate(messages):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise EncodeError("a signaling message must be a (protocol, message) pair",
                              f"{path}[{i}]")
        protocol, message = item
        if isinstance(message, str):
            message = message.encode("utf-8")
        out.append({"signalingProt": protocol, "sigMsg": message})
    return out


def checked_delivery_identifier(value: object, path: str = "deliveryIdentifier") -> tuple[str, Any]:
    """A ``DeliveryIdentifier`` CHOICE value (ATIS-1000678 ``CCOpen``, ATIS-1000013
    ``LEA-CmC-Delivery``) from a :data:`DeliveryIdentifierLike`."""
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return ("cccId", pc_ccc_id(value))
        if isinstance(value, tuple) and len(value) == 2:
            first, second = value
            if isinstance(first, int) and not isinstance(first, bool):
                return ("cccId", pc_ccc_id_pair(first, second))
            if first in _CCC_IDENTITY:
                return ("cccId", (first, second))
            if first in ("cccId", "ccAddress"):
                return (first, second)
    except EncodeError as exc:
        raise relabel(exc, "cCCId", f"{path}.cccId") from None
    raise EncodeError(
        "a DeliveryIdentifier must be a 32-bit CCC identifier (int), a (transmit, receive) pair "
        f"of them, a CCCIdentity or a DeliveryIdentifier CHOICE value, got {value!r}", path,
    )



def ias_value(value: str | int | bytes | tuple[str, Any]) -> tuple[str, Any]:
    """An ATIS-1000013 ``Value`` CHOICE: ``str`` as ``stringVS`` (or ``stringUTF8`` if it has
    characters outside VisibleString), ``int`` as ``integer``, ``bytes`` as ``octets``; a
    ``(name, value)`` tuple is the CHOICE value itself."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        visible = all(" " <= c <= "~" for c in value)
        return ("stringVS", value) if visible else ("stringUTF8", value)
    if isinstance(value, bool):
        raise EncodeError("a Value cannot be a bool", "value")
    if isinstance(value, int):
        return ("integer", value)
    if isinstance(value, bytes | bytearray | memoryview):
        return ("octets", bytes(value))
    raise EncodeError(f"a Value must be str, int, bytes or a CHOICE tuple, got "
                      f"{type(value).__name__}", "value")


def ias_ip_address(
    address: str | ipaddress.IPv4Address | ipaddress.IPv6Address | Mapping[str, Any],
    allocation: Literal["static", "dynamic", "unknown", "notApplicable"] = "dynamic",
    *,
    prefix_len: int | None = None,
    flow_label: str | None = None,
) -> dict[str, Any]:
    """An ATIS-1000013 ``IPAddress``: ``address`` (``ipV4``/``ipV6`` with the binary address)
    and ``allocationMethod``; a mapping is taken as the IPAddress value itself."""
    if isinstance(address, Mapping):
        return dict(address)
    try:
        addr = ipaddress.ip_address(address)
    except ValueError as exc:
        raise EncodeError(f"not an IP address: {exc}", "iPAddress.address") from None
    value: dict[str, Any] = {
        "address": ("ipV4" if addr.version == 4 else "ipV6", addr.packed),
        "allocationMethod": (allocation, None),
    }
    if flow_label is not None:
        value["iPv6FlowLabel"] = flow_label
    if prefix_len is not None:
        value["prefixLen"] = prefix_len
    return value



class AtisRecords:
    """Case identity, clock and CC-APDU numbering shared by the ATIS records objects
    (ATIS-1000678 / ATIS-1000013 CCDeliveryHeader)."""

    _cc_type: str = ""

    def __init__(self, case_identity: str, iap_system_identity: str | None,
                 spec: Specification | None, clock: Clock | None,
                 sequence_numbers: ContentSequenceNumbers | None, number_cc: bool) -> None:
        self.case_id = atis_case_identity(case_identity)
        self.iap_id: str | None = None
        if iap_system_identity is not None:
            self.iap_id = atis_iap_system_identity(iap_system_identity)
        self.spec = spec if spec is not None else default_specification()
        self.clock = clock if clock is not None else Clock()
        self.sequence_numbers = (sequence_numbers if sequence_numbers is not None
                                 else ContentSequenceNumbers())
        self.number_cc = number_cc
        try:
            self._encode_cc: Callable[[Any], bytes] = self.spec.encoder(self._cc_type)
        except Error:
            raise EncodeError(f"the specification has no {self._cc_type}", "spec") from None

    def timestamp(self, time: int | datetime | None = None) -> datetime:
        """A ``TimeStamp`` (GeneralizedTime) for ``time`` (nanoseconds since the epoch or a
        datetime; default: the clock's now), UTC or local and cut as the clock says."""
        value = self.clock.now_ns() if time is None else time
        return generalized_time(value, utc=self.clock.utc, precision=self.clock.precision)

    def _components(self, choice_type: str, name: str) -> set[str]:
        body = self.spec.get_type(choice_type).body
        for component in body.components:
            if component.name == name:
                return {c.name for c in component.type.body.components}
        names = ", ".join(c.name for c in body.components)
        raise EncodeError(f"{name!r} is not an alternative of {choice_type} ({names})", "message")

    def _common(self, members: set[str], fields: Mapping[str, Any],
                time: int | datetime | None) -> dict[str, Any]:
        value: dict[str, Any] = {}
        if "caseId" in members:
            value["caseId"] = self.case_id
        if self.iap_id is not None:
            for name in ("iAPSystemId", "reportingSystemId"):
                if name in members:
                    value[name] = self.iap_id
        if "timestamp" in members and "timestamp" not in fields:
            try:
                value["timestamp"] = self.timestamp(time)
            except EncodeError as exc:
                exc.path = "timestamp"
                raise
        value.update(fields)
        return value

    def cc_apdu(
        self,
        payload: bytes | bytearray | memoryview,
        *,
        correlation: ContentIdentifierLike,
        time: int | datetime | None = None,
        direction: PacketDirection | None = None,
        sequence_number: int | None = None,
        header_ids: bool = True,
    ) -> bytes:
        """A CC-APDU carrying ``payload`` (one intercepted packet) with a CC delivery header
        (ATIS-1000678 CCDeliveryHeaderModule; ATIS-1000013 CmCC): ``correlationInfo`` with
        ``correlation`` (the ContentIdentifier the IRI announced) and, unless ``header_ids`` is
        false, this object's caseId and IAP system identity; ``timeStamp`` (``time`` or the
        clock); ``packetDirection`` if given; ``sequenceNumber`` as given, else the next number
        of (caseId, correlation) when ``number_cc`` is on. A bad input raises ``EncodeError``
        and takes no number."""
        content = checked_content_identifier(correlation, "correlationInfo.contentIdentifier")
        info: dict[str, Any] = {"contentIdentifier": content}
        if header_ids:
            info["caseId"] = self.case_id
            if self.iap_id is not None:
                info["iapId"] = self.iap_id
        header: dict[str, Any] = {"correlationInfo": info}
        try:
            header["timeStamp"] = self.timestamp(time)
        except EncodeError as exc:
            exc.path = "timeStamp"
            raise
        if direction is not None:
            if direction not in _DIRECTIONS:
                raise EncodeError(f"packetDirection must be fromSubject or toSubject, got "
                                  f"{direction!r}", "packetDirection")
            header["packetDirection"] = direction
        value = {"ccDeliveryHeader": header, "payload": payload}
        if sequence_number is not None or not self.number_cc:
            if sequence_number is not None:
                if isinstance(sequence_number, bool) or not isinstance(sequence_number, int):
                    raise EncodeError(f"sequenceNumber must be int, got "
                                      f"{type(sequence_number).__name__}", "sequenceNumber")
                header["sequenceNumber"] = sequence_number
            return self._encode_cc(value)
        numbers = self.sequence_numbers
        while True:
            header["sequenceNumber"] = number = numbers.peek(self.case_id, content)
            data = self._encode_cc(value)
            if numbers.take_if(self.case_id, content, number):
                return data

