"""ATIS-1000013 (T1.IAS, internet access): :class:`IASRecords`, the IasProtocol CmII messages
of access and packet data sessions and the IAS-CC-APDUs of their content (see docs/records.md,
"ATIS")."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from ..asn1c import Specification
from ..catalog import IAS_CC_APDU, IAS_OPTIONAL_PROTOCOL, IAS_PROTOCOL
from ..correlation import Clock
from ..errors import EncodeError
from ._atis import (
    AtisRecords,
    DeliveryIdentifierLike,
    checked_delivery_identifier,
)
from ._atis_ids import ContentIdentifierLike, ContentSequenceNumbers, checked_content_identifier
from ._values import copy_or_none, without_none

__all__ = [
    "IAS_CMCC_OID",
    "IAS_OID",
    "IASRecords",
    "IPAddressLike",
    "IasValueLike",
    "SessionDelivery",
    "ias_ip_address",
    "ias_value",
]

#: ``IasProtocol.protocolIdentifier`` of ATIS-1000013 (``IAS-LAES-CmII-Abstract-Syntax-
#: Module-OID``) as OpenCALEA sends it.
IAS_OID: Final = "1.2.840.113737.2.1.1.0.0"
#: The IAS CmCC module (IAS-CC-APDU), put in ``LEA-CmC-Delivery.ccDeliveryFormat
#: atis-678-ASN1`` (``IAS-LAES-CmCC-Module-OID``), as OpenCALEA sends it.
IAS_CMCC_OID: Final = "1.2.840.113737.2.1.1.1.0"


IasValueLike = str | int | bytes | tuple[str, Any]
"""An ATIS-1000013 ``Value``: text, a number, octets or the CHOICE value (see
:func:`ias_value`)."""
IPAddressLike = str | Mapping[str, Any]
"""An IP address as text, or an ATIS-1000013 ``IPAddress`` value (see :func:`ias_ip_address`)."""
SessionDelivery = tuple[ContentIdentifierLike, DeliveryIdentifierLike]
"""The ``deliveryInformation`` of a packet data session (ATIS-1000013 ``LEA-CmC-Delivery``):
(content identifier, delivery identifier), see :meth:`IASRecords.delivery_information`."""


def ias_value(value: IasValueLike) -> tuple[str, Any]:
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

_CMII: Final = "IAS-LAES-CmII-Abstract-Syntax-Module"
_IAS_MESSAGE: Final = f"{_CMII}.IasMessage"
_IAS_OID_TYPE: Final = f"{_CMII}.{_CMII}-OID"
_IAS_OPTIONAL_MESSAGE: Final = (
    "IAS-LAES-CmII-Optional-Messages-Abstract-Syntax-Module.IasOptionalMessage"
)



def _port(value: int | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return str(value)
    raise EncodeError(f"a port must be 0..65535 or text, got {value!r}", "portNumber")


class IASRecords(AtisRecords):
    """IasProtocol messages and IAS-CC-APDUs of one ATIS-1000013 (internet access) intercept.

    ``case_identity`` (``CaseIdentity``, 1..25) and ``iap_system_identity``
    (``IAPSystemIdentity``, mandatory in the CmII messages; held to the 1..15 characters of the
    CmCC header, so that the same value fits both) go into every message and CC header.
    ``protocol_identifier`` is the ``IasProtocol.protocolIdentifier``;
    ``optional_protocol_identifier`` that of the optional-messages module (no value is known,
    so :meth:`optional_message` needs it given). ``cc_delivery_format`` is the
    ``ccDeliveryFormat`` of ``deliveryInformation``.

    Each method takes further members as ``**more`` by their ASN.1 names and returns the
    encoded IasProtocol.
    """

    def __init__(
        self,
        case_identity: str,
        iap_system_identity: str,
        *,
        spec: Specification | None = None,
        clock: Clock | None = None,
        protocol_identifier: str = IAS_OID,
        optional_protocol_identifier: str | None = None,
        cc_delivery_format: tuple[str, Any] = ("atis-678-ASN1", IAS_CMCC_OID),
        sequence_numbers: ContentSequenceNumbers | None = None,
        number_cc: bool = True,
    ) -> None:
        if iap_system_identity is None:
            raise EncodeError("IAPSystemIdentity is mandatory in ATIS-1000013 CmII messages",
                              "iapId")
        super().__init__(case_identity, iap_system_identity, spec, clock, sequence_numbers,
                         number_cc, cc_type=IAS_CC_APDU, messages=(IAS_PROTOCOL, _IAS_MESSAGE),
                         protocol_identifier=protocol_identifier,
                         cc_delivery_format=cc_delivery_format)
        self.optional_protocol_identifier = optional_protocol_identifier
        try:
            self.spec.encode(_IAS_OID_TYPE, protocol_identifier)
        except EncodeError as exc:
            exc.path = "protocolIdentifier"
            raise

    def message(self, name: str, fields: Mapping[str, Any] | None = None, *,
                time: int | datetime | None = None) -> bytes:
        """An IasProtocol with the IasMessage alternative ``name`` (ATIS-1000013
        ``IasMessage``); ``caseId``, ``iAPSystemId`` and ``timestamp`` are added unless
        ``fields`` gives them."""
        if name not in self.messages:
            raise EncodeError(
                f"{name!r} is not an IasMessage alternative of the specification", "message"
            )
        inner = self._common(self._components(_IAS_MESSAGE, name), fields or {}, time)
        return self._encode({"protocolIdentifier": self.protocol_identifier,
                             "iasMessage": (name, inner)})

    def optional_message(self, name: str, fields: Mapping[str, Any] | None = None, *,
                         time: int | datetime | None = None) -> bytes:
        """An IasProtocol of the optional-messages module (ATIS-1000013
        ``IasOptionalMessage``: serviceChange, vpnSecurityEstablishment, …); needs
        ``optional_protocol_identifier``."""
        if self.optional_protocol_identifier is None:
            raise EncodeError(
                "the optional-messages module has no known protocol identifier; pass "
                "optional_protocol_identifier= to IASRecords", "protocolIdentifier",
            )
        inner = self._common(self._components(_IAS_OPTIONAL_MESSAGE, name), fields or {}, time)
        return self.spec.encode(IAS_OPTIONAL_PROTOCOL, {
            "protocolIdentifier": self.optional_protocol_identifier,
            "iasMessage": (name, inner),
        })

    def _message(self, name: str, fields: dict[str, Any], time: int | datetime | None,
                 more: Mapping[str, Any]) -> bytes:
        value = {k: v for k, v in fields.items() if v is not None}
        value.update(more)
        return self.message(name, value, time=time)

    def delivery_information(self, content_identifier: ContentIdentifierLike,
                             delivery_identifier: DeliveryIdentifierLike) -> dict[str, Any]:
        """A ``LEA-CmC-Delivery`` (ATIS-1000013): where the CmC of a packet data session goes
        and which ContentIdentifier its IAS-CC-APDUs carry."""
        return {
            "contentIdentifier": checked_content_identifier(
                content_identifier, "deliveryInformation.contentIdentifier"),
            "deliveryIdentifier": checked_delivery_identifier(delivery_identifier,
                                            "deliveryInformation.deliveryIdentifier"),
            "ccDeliveryFormat": self.cc_delivery_format,
        }

    # -- access sessions -------------------------------------------------------------------

    def access_attempt(self, subscriber: IasValueLike, *,
                       access_method: Mapping[str, Any] | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Attempt`` (ATIS-1000013 ``Access-Attempt``): the subscriber tries to get
        network access."""
        return self._message("access-Attempt", {
            "subscriberIdentity": ias_value(subscriber),
            "accessMethod": copy_or_none(access_method),
        }, time, more)

    def access_accepted(self, subscriber: IasValueLike, access_session_id: IasValueLike, *,
                        ip_address: IPAddressLike | None = None,
                        access_method: Mapping[str, Any] | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Accepted`` (ATIS-1000013 ``Access-Accepted``): access granted, session
        ``access_session_id``."""
        return self._message("access-Accepted", {
            "subscriberIdentity": ias_value(subscriber),
            "accessMethod": copy_or_none(access_method),
            "iPAddress": _optional_address(ip_address),
            "accessSessionID": ias_value(access_session_id),
        }, time, more)

    def access_failed(self, subscriber: IasValueLike, *, reason: IasValueLike | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Failed`` (ATIS-1000013 ``Access-Failed``)."""
        return self._refused("access-Failed", subscriber, reason, time, more)

    def access_rejected(self, subscriber: IasValueLike, *, reason: IasValueLike | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Rejected`` (ATIS-1000013 ``Access-Rejected``)."""
        return self._refused("access-Rejected", subscriber, reason, time, more)

    def access_session_end(self, subscriber: IasValueLike, access_session_id: IasValueLike, *,
                           ip_address: IPAddressLike | None = None,
                           reason: IasValueLike | None = None,
                           time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Session-End`` (ATIS-1000013 ``Access-Session-End``)."""
        return self._message("access-Session-End", {
            "subscriberIdentity": ias_value(subscriber),
            "iPAddress": _optional_address(ip_address),
            "accessSessionID": ias_value(access_session_id),
            "reasonForTermination": _optional_value(reason),
        }, time, more)

    def access_signaling_message_report(
        self, messages: Sequence[tuple[str, str]], *,
        access_session_id: IasValueLike | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``access-Signaling-Message-Report`` (ATIS-1000013): intercepted access signalling
        as ``(messageType, message)`` pairs, messageType radius, diameter, xml, asndot1 or
        other."""
        return self._message("access-Signaling-Message-Report", {
            "accessSessionID": _optional_value(access_session_id),
            "signalingMsg": [{"messageType": t, "message": m} for t, m in messages],
        }, time, more)

    # -- packet data sessions --------------------------------------------------------------

    def session_start(self, subscriber: IasValueLike, packet_data_session_id: IasValueLike,
                      ip_address: IPAddressLike, *, access_session_id: IasValueLike | None = None,
                      delivery: SessionDelivery | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-Start`` (ATIS-1000013 ``Packet-Data-Session-Start``): a packet data
        session starts; ``delivery`` = (content identifier, delivery identifier) gives its
        ``deliveryInformation`` (:meth:`delivery_information`)."""
        return self._session("session-Start", subscriber, packet_data_session_id, ip_address,
                             access_session_id, delivery, time, more)

    def session_already_established(
        self, subscriber: IasValueLike, packet_data_session_id: IasValueLike,
        ip_address: IPAddressLike, *, access_session_id: IasValueLike | None = None,
        delivery: SessionDelivery | None = None, time: int | datetime | None = None,
        **more: Any,
    ) -> bytes:
        """``session-Already-Established`` (ATIS-1000013): as :meth:`session_start`, for a
        session that was running when the surveillance began."""
        return self._session("session-Already-Established", subscriber, packet_data_session_id,
                             ip_address, access_session_id, delivery, time, more)

    def session_failed(self, subscriber: IasValueLike, *, reason: IasValueLike | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-Failed`` (ATIS-1000013 ``Packet-Data-Session-Failed``)."""
        return self._refused("session-Failed", subscriber, reason, time, more)

    def session_end(self, subscriber: IasValueLike, packet_data_session_id: IasValueLike,
                    ip_address: IPAddressLike, *, reason: IasValueLike | None = None,
                    time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-End`` (ATIS-1000013 ``Packet-Data-Session-End``)."""
        return self._message("session-End", {
            "subscriberIdentity": ias_value(subscriber),
            "packetDataSessionID": ias_value(packet_data_session_id),
            "iPAddress": ias_ip_address(ip_address),
            "reasonForTermination": _optional_value(reason),
        }, time, more)

    def _refused(self, name: str, subscriber: IasValueLike, reason: IasValueLike | None,
                 time: int | datetime | None, more: Mapping[str, Any]) -> bytes:
        """An access or packet data session that failed or was refused (ATIS-1000013
        ``Access-Failed``, ``Access-Rejected``, ``Packet-Data-Session-Failed``)."""
        return self._message(name, {
            "subscriberIdentity": ias_value(subscriber),
            "reasonForTermination": _optional_value(reason),
        }, time, more)

    def _session(self, name: str, subscriber: IasValueLike, session_id: IasValueLike,
                 ip_address: IPAddressLike, access_session_id: IasValueLike | None,
                 delivery: SessionDelivery | None, time: int | datetime | None,
                 more: Mapping[str, Any]) -> bytes:
        """A packet data session that starts or runs (ATIS-1000013
        ``Packet-Data-Session-Start``, ``Session-Already-Established``)."""
        return self._message(name, {
            "subscriberIdentity": ias_value(subscriber),
            "accessSessionID": _optional_value(access_session_id),
            "packetDataSessionID": ias_value(session_id),
            "iPAddress": ias_ip_address(ip_address),
            "deliveryInformation": (None if delivery is None
                                    else self.delivery_information(*delivery)),
        }, time, more)

    def data_header_report(
        self, content_identifier: ContentIdentifierLike, *,
        stream_id: IasValueLike, source: IPAddressLike, destination: IPAddressLike,
        source_port: int | str | None = None, destination_port: int | str | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``data-Header-Report`` (ATIS-1000013 ``Packet-Data-Header-Report``): the header of
        a packet stream (``HeaderSet``; ports are text, as ``PortNumber ::= UTF8String``)."""
        return self._message("data-Header-Report", {
            "contentIdentifier": checked_content_identifier(content_identifier),
            "headerSet": _stream(stream_id, source, destination, source_port, destination_port),
        }, time, more)

    def data_summary_report(
        self, content_identifier: ContentIdentifierLike, *,
        stream_id: IasValueLike, source: IPAddressLike, destination: IPAddressLike,
        packet_count: int,
        source_port: int | str | None = None, destination_port: int | str | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``data-Summary-Report`` (ATIS-1000013 ``Packet-Data-Summary-Report``): the packet
        count of a stream (``StreamSet``)."""
        stream = _stream(stream_id, source, destination, source_port, destination_port)
        if packet_count is not None:  # the type asks for it; the codec reports it missing
            stream["packetCount"] = packet_count
        return self._message("data-Summary-Report", {
            "contentIdentifier": checked_content_identifier(content_identifier),
            "streamSet": stream,
        }, time, more)


def _optional_value(value: IasValueLike | None) -> tuple[str, Any] | None:
    return None if value is None else ias_value(value)


def _optional_address(value: IPAddressLike | None) -> dict[str, Any] | None:
    return None if value is None else ias_ip_address(value)


def _stream(stream_id: IasValueLike, source: IPAddressLike, destination: IPAddressLike,
            source_port: int | str | None, destination_port: int | str | None
            ) -> dict[str, Any]:
    """The members of a ``HeaderSet`` / ``StreamSet`` (ATIS-1000013) that name a stream."""
    return without_none({
        "streamID": ias_value(stream_id),
        "sourceIPaddress": ias_ip_address(source),
        "destinationIPaddress": ias_ip_address(destination),
        "sourcePortNumber": _port(source_port),
        "destinationPortNumber": _port(destination_port),
    })
