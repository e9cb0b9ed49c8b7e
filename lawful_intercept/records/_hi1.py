"""HI1 notifications: ETSI TS 101 671 ``HI1-Operation`` and 3GPP ``ThreeGPP-HI1-Operation``.

An intercept's activation, deactivation and modification and the alarms of the network are
notified to the LEMF as HI1 operations: module HI1NotificationOperations of ETSI TS 101 671
(``liActivated``, ``liDeactivated``, ``liModified``, ``alarms-indicator``,
``national-HI1-ASN1parameters``), and its 3GPP counterpart ThreeGPP-HI1NotificationOperations
of TS 33.108 (the same operations, with Target-Information, Network-Identifier and
broadcastStatus). Both carry the HI2Operations LawfulInterceptionIdentifier,
CommunicationIdentifier and TimeStamp (see :mod:`.hi2`).

:class:`HI1Operations` builds checked operation values. In a TS 102 232-1 PS-PDU they are the
Payload alternatives ``hI1-Operation [3]`` (pass the value to
:meth:`PSPDUBuilder.hi1 <lawful_intercept.records.PSPDUBuilder.hi1>`) and
``threeGPP-HI1-Operation [5]`` (:func:`threegpp_hi1_pdu`, until the builder has a method of
its own for it). Either is numbered with the IRI of the builder's communication (TS 102 232-1
6.6; CIN 0 without one), and its number is taken only once the PDU is known to encode.

See docs/records.md, "HI1 operations".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from ..asn1c import Specification
from ..catalog import default_specification
from ..correlation import LIID, Clock, country_code
from ..errors import EncodeError
from ._hi2 import HI2TimeStamps, time_stamp
from ._ps import PSPDUBuilder
from ._shapes import DEFAULT_CLOCK
from ._values import copy_or_none, without_none

__all__ = [
    "HI1Operations",
    "NotificationOptions",
    "Operation",
    "ThreeGPPNotificationOptions",
    "threegpp_hi1_pdu",
]

Operation = tuple[str, dict[str, Any]]


class NotificationOptions(TypedDict, total=False):
    """The options of an ETSI ``Notification`` (TS 101 671 HI1NotificationOperations):
    ``target_information`` (1..256 octets, text as UTF-8), ``national_country_code``
    (National-HI1-ASN1parameters), ``with_cin`` (default ``True``: the
    communicationIdentifier is written) and ``time`` (default: now)."""

    target_information: str | bytes | None
    national_country_code: str | None
    with_cin: bool
    time: int | datetime | None


class ThreeGPPNotificationOptions(TypedDict, total=False):
    """The options of a 3GPP ``Notification`` (TS 33.108 ThreeGPP-HI1NotificationOperations):
    ``target`` (Target-Information), ``network`` (Network-Identifier), ``broadcast_status``,
    ``national_country_code`` (threeGPP-National-HI1-ASN1parameters), ``with_cin`` (default
    ``True``: the communicationIdentifier is written) and ``time`` (default: now)."""

    target: Mapping[str, Any] | None
    network: Mapping[str, Any] | None
    broadcast_status: str | None
    national_country_code: str | None
    with_cin: bool
    time: int | datetime | None
"""An HI1-Operation / ThreeGPP-HI1-Operation value: ``("liActivated", {...})`` and so on."""

_HI1 = "HI1-Operation"
_THREEGPP_HI1 = "ThreeGPP-HI1-Operation"



def _octets(value: str | bytes, path: str, high: int = 256) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodeError(f"expected str or bytes, got {type(value).__name__}", path)
    if not 1 <= len(data) <= high:
        raise EncodeError(f"must be 1..{high} octets (OCTET STRING (SIZE (1..{high}))), got "
                          f"{len(data)}", path)
    return bytes(data)


class HI1Operations:
    """HI1 operations of one intercept (TS 101 671 HI1NotificationOperations, TS 33.108
    ThreeGPP-HI1NotificationOperations).

    ``liid`` is the lawfulInterceptionIdentifier; ``communication_identifier`` an HI2Operations
    CommunicationIdentifier value (see :func:`.hi2.communication_identifier`), written when
    given; ``time_stamps`` and ``clock`` make the timeStamp (see :func:`.hi2.time_stamp`).
    ``domain_id`` writes the modules' operation identifiers as domainID (``hi1OperationId``,
    the only value TS 101 671 allows there, and ``threeGPP-hi1OperationId``).
    """

    def __init__(
        self,
        liid: LIID | str | bytes,
        *,
        communication_identifier: Mapping[str, Any] | None = None,
        time_stamps: HI2TimeStamps = "localTime",
        clock: Clock | None = None,
        spec: Specification | None = None,
        domain_id: bool = True,
    ) -> None:
        self.spec = spec if spec is not None else default_specification()
        self.liid = LIID(liid)
        self.communication_identifier = (None if communication_identifier is None
                                         else dict(communication_identifier))
        if time_stamps not in ("localTime", "utcTime"):
            raise EncodeError("time_stamps must be 'localTime' or 'utcTime' (TS 101 671 "
                              "TimeStamp)", "timeStamp")
        self.time_stamps: HI2TimeStamps = time_stamps
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        self.domain_id: str | None = None
        self.threegpp_domain_id: str | None = None
        if domain_id:
            etsi = self.spec.values.get("hi1OperationId")
            threegpp = self.spec.values.get("threeGPP-hi1OperationId")
            if not isinstance(etsi, str) or not isinstance(threegpp, str):
                raise ValueError("spec: the specification lacks the HI1 notification modules "
                                 "(hi1OperationId, threeGPP-hi1OperationId)")
            self.domain_id, self.threegpp_domain_id = etsi, threegpp
        self._encode_hi1 = self.spec.encoder(_HI1)
        self._encode_3gpp = self.spec.encoder(_THREEGPP_HI1)

    def time_stamp(self, time: int | datetime | None = None) -> tuple[str, Any]:
        """A TimeStamp of ``time`` (default: now) in this object's mode (TS 101 671)."""
        return time_stamp(self.clock.now_ns() if time is None else time, self.time_stamps,
                          clock=self.clock)

    def _header(self, domain_id: str | None, *, with_liid: bool, with_cin: bool,
                time: int | datetime | None) -> dict[str, Any]:
        """domainID, lawfulInterceptionIdentifier, communicationIdentifier and timeStamp of an
        HI1 notification or alarm (TS 101 671 HI1NotificationOperations, TS 33.108)."""
        value: dict[str, Any] = {} if domain_id is None else {"domainID": domain_id}
        if with_liid:
            value["lawfulInterceptionIdentifier"] = self.liid.value
        if with_cin and self.communication_identifier is not None:
            value["communicationIdentifier"] = self.communication_identifier
        value["timeStamp"] = self.time_stamp(time)
        return value

    # -- TS 101 671 HI1-Operation ------------------------------------------------------------

    def _notification(self, kind: str, *, target_information: str | bytes | None = None,
                      national_country_code: str | None = None, with_cin: bool = True,
                      time: int | datetime | None = None) -> Operation:
        value = self._header(self.domain_id, with_liid=True, with_cin=with_cin, time=time)
        if national_country_code is not None:
            value["national-HI1-ASN1parameters"] = self._national(national_country_code,
                                                                  self.domain_id)
        if target_information is not None:
            value["target-Information"] = _octets(target_information, "target-Information")
        return self._checked_hi1((kind, value))

    def _national(self, code: str, domain: str | None) -> dict[str, Any]:
        try:
            checked = country_code(code, "authorizationCountryCode")
        except EncodeError as exc:
            message = exc.message.replace("authorizationCountryCode", "countryCode")
            raise EncodeError(message.replace("TS 102 232-1 5.2.3", "ISO 3166-1"),
                              "national-HI1-ASN1parameters.countryCode") from None
        value: dict[str, Any] = {} if domain is None else {"domainID": domain}
        value["countryCode"] = checked
        return value

    def _checked_hi1(self, operation: Operation) -> Operation:
        self._encode_hi1(operation)
        return operation

    def activated(self, **options: Unpack[NotificationOptions]) -> Operation:
        """``liActivated`` (TS 101 671 HI1NotificationOperations ``Notification``): the
        interception is active. ``target_information`` is 1..256 octets (text is UTF-8);
        ``national_country_code`` adds National-HI1-ASN1parameters; ``with_cin`` writes the
        communicationIdentifier, if one is configured (see :class:`NotificationOptions`)."""
        return self._notification("liActivated", **options)

    def deactivated(self, **options: Unpack[NotificationOptions]) -> Operation:
        """``liDeactivated`` (TS 101 671 HI1NotificationOperations): the interception ended;
        the options of :meth:`activated`."""
        return self._notification("liDeactivated", **options)

    def modified(self, **options: Unpack[NotificationOptions]) -> Operation:
        """``liModified`` (TS 101 671 HI1NotificationOperations): the interception changed;
        the options of :meth:`activated`."""
        return self._notification("liModified", **options)

    def alarm(self, information: str | bytes, *, with_liid: bool = True,
              with_cin: bool = True, national_country_code: str | None = None,
              time: int | datetime | None = None) -> Operation:
        """``alarms-indicator`` (TS 101 671 HI1NotificationOperations ``Alarm-Indicator``):
        ``information`` is the alarm-information, 1..256 octets (text is UTF-8);
        ``with_liid``/``with_cin`` write the lawfulInterceptionIdentifier and the configured
        communicationIdentifier (both OPTIONAL in an alarm)."""
        value = self._header(self.domain_id, with_liid=with_liid, with_cin=with_cin, time=time)
        value["alarm-information"] = _octets(information, "alarm-information")
        if national_country_code is not None:
            value["national-HI1-ASN1parameters"] = self._national(national_country_code,
                                                                  self.domain_id)
        return self._checked_hi1(("alarms-indicator", value))

    def national(self, country: str) -> Operation:
        """``national-HI1-ASN1parameters`` (TS 101 671 HI1NotificationOperations) of the
        ISO 3166-1 alpha-2 ``country``."""
        return self._checked_hi1(("national-HI1-ASN1parameters",
                                  self._national(country, self.domain_id)))

    # -- TS 33.108 ThreeGPP-HI1-Operation ------------------------------------------------------

    def target_information(
        self,
        *,
        target_type: str | None = None,
        interception_type: str | None = None,
        communication_identifier: Mapping[str, Any] | None = None,
        network: Mapping[str, Any] | None = None,
        broadcast_area: bytes | None = None,
        hi2_delivery_address: Mapping[str, Any] | None = None,
        hi3_delivery_address: Mapping[str, Any] | None = None,
        hi2_delivery_number: tuple[str, bytes] | None = None,
        hi3_delivery_number: tuple[str, bytes] | None = None,
        activated_time: int | datetime | None = None,
        deactivated_time: int | datetime | None = None,
        modification_time: int | datetime | None = None,
        set_up_time: int | datetime | None = None,
    ) -> dict[str, Any]:
        """A Target-Information value (TS 33.108 ThreeGPP-HI1NotificationOperations):
        ``target_type`` (``mSISDN``, ``iMSI``, ``iMEI``, ``e164-Format``, ``nAI``,
        ``sip-URI``, ``tel-URI``, ``iMPU``, ``iMPI``), ``interception_type``
        (``voiceIriCc``, ``dataIriOnly``, …), the delivery addresses (HI2Operations IPAddress
        values, see :func:`.ip_access.ip_address`) or numbers (CalledPartyNumber), and the
        times of activation, deactivation, modification and set-up (in this object's
        TimeStamp mode)."""
        value = without_none({
            "communicationIdentifier": copy_or_none(communication_identifier),
            "network-Identifier": copy_or_none(network), "broadcastArea": broadcast_area,
            "targetType": target_type,
        })
        delivery = without_none({
            "hi2DeliveryNumber": hi2_delivery_number, "hi3DeliveryNumber": hi3_delivery_number,
            "hi2DeliveryIpAddress": copy_or_none(hi2_delivery_address),
            "hi3DeliveryIpAddress": copy_or_none(hi3_delivery_address),
        })
        if delivery:
            value["deliveryInformation"] = delivery
        for name, when in (("liActivatedTime", activated_time),
                           ("liDeactivatedTime", deactivated_time),
                           ("liModificationTime", modification_time)):
            if when is not None:
                value[name] = self.time_stamp(when)
        if interception_type is not None:
            value["interceptionType"] = interception_type
        if set_up_time is not None:
            value["liSetUpTime"] = self.time_stamp(set_up_time)
        return value

    def _threegpp_common(self, value: dict[str, Any], *,
                         target: Mapping[str, Any] | None,
                         network: Mapping[str, Any] | None,
                         national_country_code: str | None) -> None:
        if national_country_code is not None:
            value["threeGPP-National-HI1-ASN1parameters"] = self._national(
                national_country_code, self.threegpp_domain_id)
        if target is not None:
            value["target-Information"] = dict(target)
        if network is not None:
            value["network-Identifier"] = dict(network)

    def _threegpp_notification(self, kind: str, *, target: Mapping[str, Any] | None = None,
                               network: Mapping[str, Any] | None = None,
                               broadcast_status: str | None = None,
                               national_country_code: str | None = None, with_cin: bool = True,
                               time: int | datetime | None = None) -> Operation:
        value = self._header(self.threegpp_domain_id, with_liid=True, with_cin=with_cin,
                             time=time)
        self._threegpp_common(value, target=target, network=network,
                              national_country_code=national_country_code)
        if broadcast_status is not None:
            value["broadcastStatus"] = broadcast_status
        return self._checked_3gpp((kind, value))

    def _checked_3gpp(self, operation: Operation) -> Operation:
        self._encode_3gpp(operation)
        return operation

    def threegpp_activated(self, **options: Unpack[ThreeGPPNotificationOptions]) -> Operation:
        """3GPP ``liActivated`` (TS 33.108 ThreeGPP-HI1NotificationOperations
        ``Notification``): ``target`` a Target-Information (see :meth:`target_information`),
        ``network`` a Network-Identifier (see :func:`.hi2.network_identifier`),
        ``broadcast_status`` (``succesfull``/``unsuccesfull``, as the module spells them);
        the options are those of :class:`ThreeGPPNotificationOptions`."""
        return self._threegpp_notification("liActivated", **options)

    def threegpp_deactivated(self, **options: Unpack[ThreeGPPNotificationOptions]) -> Operation:
        """3GPP ``liDeactivated`` (TS 33.108 ThreeGPP-HI1NotificationOperations), with the
        options of :meth:`threegpp_activated`."""
        return self._threegpp_notification("liDeactivated", **options)

    def threegpp_modified(self, **options: Unpack[ThreeGPPNotificationOptions]) -> Operation:
        """3GPP ``liModified`` (TS 33.108 ThreeGPP-HI1NotificationOperations), with the
        options of :meth:`threegpp_activated`."""
        return self._threegpp_notification("liModified", **options)

    def threegpp_alarm(
        self,
        information: str | bytes,
        *,
        network_element_information: str | bytes | None = None,
        target: Mapping[str, Any] | None = None,
        network: Mapping[str, Any] | None = None,
        with_liid: bool = True,
        with_cin: bool = True,
        national_country_code: str | None = None,
        time: int | datetime | None = None,
    ) -> Operation:
        """3GPP ``alarms-indicator`` (TS 33.108 ThreeGPP-HI1NotificationOperations
        ``Alarm-Indicator``): ``information`` the alarm-information (1..256 octets),
        ``network_element_information`` (1..256 octets), and the optional members as for
        :meth:`threegpp_activated`."""
        value = self._header(self.threegpp_domain_id, with_liid=with_liid, with_cin=with_cin,
                             time=time)
        value["alarm-information"] = _octets(information, "alarm-information")
        self._threegpp_common(value, target=target, network=network,
                              national_country_code=national_country_code)
        if network_element_information is not None:
            value["network-Element-Information"] = _octets(network_element_information,
                                                           "network-Element-Information")
        return self._checked_3gpp(("alarms-indicator", value))

    def threegpp_national(self, country: str) -> Operation:
        """3GPP ``threeGPP-National-HI1-ASN1parameters`` of ``country`` (TS 33.108)."""
        return self._checked_3gpp(("threeGPP-National-HI1-ASN1parameters",
                                   self._national(country, self.threegpp_domain_id)))


def threegpp_hi1_pdu(builder: PSPDUBuilder, operation: Operation, *,
                     time: int | datetime | None = None) -> bytes:
    """A PS-PDU with Payload ``threeGPP-HI1-Operation [5]`` (TS 102 232-1 6.6 with TS 33.108
    ThreeGPP-HI1NotificationOperations): the same as :meth:`PSPDUBuilder.threegpp_hi1
    <lawful_intercept.records.PSPDUBuilder.threegpp_hi1>`, numbered with the IRI of the
    identity's CIN (0 without one); the operation is checked before a number is taken."""
    return builder.threegpp_hi1(operation, time=time)
