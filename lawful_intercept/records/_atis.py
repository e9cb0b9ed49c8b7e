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

from collections.abc import Callable, Mapping
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
)
from ._packetcable_ids import ccc_identity
from ._shapes import DEFAULT_CLOCK, per_specification
from ._values import relabel

__all__ = [
    "AtisRecords",
    "DeliveryIdentifierLike",
    "PacketDirection",
    "checked_delivery_identifier",
]


PacketDirection = Literal["fromSubject", "toSubject"]
"""``PacketDirection`` of the CC delivery header (ATIS-1000678 / ATIS-1000013)."""


DeliveryIdentifierLike = int | tuple[int, int] | tuple[str, Any]
"""A ``DeliveryIdentifier``: a 32-bit CCC identifier (``cccId combCCC``, 8 hex characters as
:func:`~lawful_intercept.records.pc_ccc_id` writes it), a (transmit, receive) pair of them
(``sepCCCpair``), a ``CCCIdentity`` CHOICE value (``("indCCC", "…")``), or the
``DeliveryIdentifier`` CHOICE value itself (``("ccAddress", {...})``)."""

_CCC_IDENTITY: Final = frozenset({"combCCC", "sepCCCpair", "indXmitCCC", "indRecvCCC", "indCCC"})
_DIRECTIONS: Final = ("fromSubject", "toSubject")


def checked_delivery_identifier(value: object, path: str = "deliveryIdentifier") -> tuple[str, Any]:
    """A ``DeliveryIdentifier`` CHOICE value (ATIS-1000678 ``CCOpen``, ATIS-1000013
    ``LEA-CmC-Delivery``) from a :data:`DeliveryIdentifierLike`."""
    try:
        identity = ccc_identity(value, _CCC_IDENTITY)
    except EncodeError as exc:
        raise relabel(exc, "cCCId", f"{path}.cccId") from None
    if identity is not None:
        return ("cccId", identity)
    if isinstance(value, tuple) and len(value) == 2 and value[0] in ("cccId", "ccAddress"):
        return (value[0], value[1])
    raise EncodeError(
        "a DeliveryIdentifier must be a 32-bit CCC identifier (int), a (transmit, receive) pair "
        f"of them, a CCCIdentity or a DeliveryIdentifier CHOICE value, got {value!r}", path,
    )


def _message_names(spec: Specification, message_type: str) -> frozenset[str]:
    """The alternatives of a message CHOICE type: one set per specification and type, shared
    by every records object (a case opened per call must not copy it)."""
    return per_specification(spec, ("messages", message_type), lambda: frozenset(
        c.name for c in spec.get_type(message_type).body.components))


class AtisRecords:
    """Case identity, clock and CC-APDU numbering shared by the ATIS records objects
    (ATIS-1000678 / ATIS-1000013 CCDeliveryHeader)."""

    def __init__(self, case_identity: str, iap_system_identity: str | None,
                 spec: Specification | None, clock: Clock | None,
                 sequence_numbers: ContentSequenceNumbers | None, number_cc: bool, *,
                 cc_type: str, messages: tuple[str, str], protocol_identifier: str,
                 cc_delivery_format: tuple[str, Any]) -> None:
        """``messages`` is (the protocol type, its message CHOICE type), e.g. ATIS-1000678
        ``LAESProtocol`` and ``LaesMessage``; ``cc_type`` the CC-APDU type."""
        self.case_id = atis_case_identity(case_identity)
        self.iap_id: str | None = None
        if iap_system_identity is not None:
            self.iap_id = atis_iap_system_identity(iap_system_identity)
        self.spec = spec if spec is not None else default_specification()
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        self.sequence_numbers = (sequence_numbers if sequence_numbers is not None
                                 else ContentSequenceNumbers())
        self.number_cc = number_cc
        self.protocol_identifier = protocol_identifier
        self.cc_delivery_format = cc_delivery_format
        try:
            self._encode_cc: Callable[[Any], bytes] = self.spec.encoder(cc_type)
        except Error:
            raise ValueError(f"spec: the specification has no {cc_type}") from None
        protocol_type, message_type = messages
        try:
            self._encode: Callable[[Any], bytes] = self.spec.encoder(protocol_type)
            self.messages = _message_names(self.spec, message_type)
        except Error:
            module = protocol_type.partition(".")[0]
            raise ValueError(f"spec: the specification has no {module}") from None

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

