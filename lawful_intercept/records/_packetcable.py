"""PacketCable electronic surveillance records: PCESP CdcPdu messages and CCC packets.

PacketCable lawful intercept delivers two streams from the Delivery Function to the
Collection Function (PacketCable Electronic Surveillance, PKT-SP-ES-DCI / PKT-SP-ES-INF):

* **Call data (CDC)**: one BER ``CdcPdu`` per event, back to back over TCP, in the ASN.1
  module PCESP (``{... cable-Television-Laboratories-Inc(4491) clabProject(2)
  clabProjPacketCable(2) pktcLawfulIntercept(5) pcesp(1) version-4(4)}``).
  :class:`PacketCableRecords` builds them: ``CdcPdu ::= SEQUENCE { protocolVersion [0],
  message [1] Message }``, with the common fields ``caseId``, ``accessingElementId`` and
  ``eventTime`` of every message filled from the records object and its clock, the
  ``callId`` from :func:`~lawful_intercept.records.pc_call_id` or a Billing Correlation
  ID, and the ``cCCId`` from :func:`~lawful_intercept.records.pc_ccc_id` /
  :func:`~lawful_intercept.records.pc_ccc_id_pair`.
* **Call content (CCC)**: each intercepted IP datagram behind a small binary header, over
  UDP. :func:`ccc_packet` writes and :func:`parse_ccc_packet` reads the three header layouts
  of the PacketCable specifications (all fields big-endian):

  ============  =========================================================  ==========
  layout        header                                                     source
  ============  =========================================================  ==========
  ESP-I01       CCCID (4)                                                  PKT-SP-ESP-I01 clause 4
  ESP-1.5       CCCID (4), NTP timestamp (8)                               PKT-SP-ESP1.5 clause 5
  ES-DCI-C01    CCCID (4), NTP timestamp (8), case ID (8, unsigned)        PKT-SP-ES-DCI clause 7
  ============  =========================================================  ==========

  The NTP timestamp is 32 bits of seconds since 1900-01-01T00:00Z and 32 bits of fraction
  (RFC 5905 6). The CCCID is the 32-bit identifier that the CDC message ``ccopen`` announced
  as its ``cCCId`` (written there as 8 hex characters, see
  :func:`~lawful_intercept.records.ccc_id_text`).

Every input is checked before anything is returned: a broken rule raises
:class:`~lawful_intercept.EncodeError` whose ``path`` names the field (``caseId``,
``accessingElementId``, ``callId.sequencenumber``, ``cCCId.combCCC``, ``cccId``, ``layout``,
…, or the encoder's path such as ``PCESP.CdcPdu.message.origination.calling.dn``).

See docs/records.md, "PacketCable".
"""

from __future__ import annotations

import struct
import time as _time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, NamedTuple, cast, get_args

from ..asn1c import Kind, Specification
from ..catalog import CDC_PDU, default_specification
from ..correlation import Clock, generalized_time
from ..errors import DecodeError, EncodeError, Error
from ._packetcable_ids import CallIdLike, CCCId, checked_call_id, checked_ccc_id, pc_case_id
from ._shapes import DEFAULT_CLOCK, per_specification
from ._values import network_signals

__all__ = [
    "CCC_LAYOUTS",
    "NTP_UNIX_OFFSET",
    "CCCLayout",
    "CCCPacket",
    "NtpTimestamp",
    "PacketCableRecords",
    "PartyLike",
    "ccc_packet",
    "conference_party",
    "parse_ccc_packet",
    "party_id",
]

CCCLayout = Literal["ESP-I01", "ESP-1.5", "ES-DCI-C01"]
"""The CCC packet header layouts: PKT-SP-ESP-I01 clause 4 (CCCID), PKT-SP-ESP1.5 clause 5
(CCCID, NTP timestamp) and PKT-SP-ES-DCI-C01 clause 7 (CCCID, NTP timestamp, case ID)."""

#: The layout names :func:`ccc_packet` and :func:`parse_ccc_packet` accept.
CCC_LAYOUTS: Final[tuple[str, ...]] = get_args(CCCLayout)
#: Seconds from the NTP epoch (1900-01-01T00:00Z) to the Unix epoch (RFC 5905 6, figure 4).
NTP_UNIX_OFFSET: Final = 2_208_988_800

PartyLike = str | Mapping[str, Any]
"""A PCESP ``PartyId``: a ``str`` is a directory number (``dn``, 1..15 characters); a mapping
is the PartyId value (see :func:`party_id`)."""

_NS: Final = 1_000_000_000
_TWO32: Final = 1 << 32
_U32_MAX: Final = _TWO32 - 1
_U64_MAX: Final = (1 << 64) - 1
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# RFC 4330 3: seconds with the top bit set are in era 0 (1968-2036), the others in era 1.
_NTP_FIRST: Final = 1 << 31
_NTP_END: Final = _TWO32 + (1 << 31)

_HEADER: Final = {
    "ESP-I01": struct.Struct(">I"),
    "ESP-1.5": struct.Struct(">III"),
    "ES-DCI-C01": struct.Struct(">IIIQ"),
}
_CLAUSE: Final = {
    "ESP-I01": "PKT-SP-ESP-I01 clause 4",
    "ESP-1.5": "PKT-SP-ESP1.5 clause 5",
    "ES-DCI-C01": "PKT-SP-ES-DCI-C01 clause 7",
}
_V4_ONLY: Final = frozenset({"dialeddigitextraction", "confpartychange"})


# ---------------------------------------------------------------------------------------------
# CCC packets
# ---------------------------------------------------------------------------------------------


class NtpTimestamp(NamedTuple):
    """An NTP timestamp of a CCC header (RFC 5905 6): ``seconds`` since 1900-01-01T00:00Z
    (modulo 2**32) and ``fraction`` of a second in units of 2**-32 s, each 32 bits.

    Conversions use the era rule of RFC 4330 clause 3: a ``seconds`` value with the top bit
    set is in 1968-2036, any other in 2036-2104 (after the NTP rollover). Within that window
    nanoseconds survive the round trip exactly (the fraction is truncated on the way in and
    rounded up on the way out, and one unit of 2**-32 s is less than a nanosecond).
    """

    seconds: int
    fraction: int

    @classmethod
    def from_time(cls, value: int | datetime) -> NtpTimestamp:
        """The NTP timestamp of ``value``: nanoseconds since the Unix epoch
        (``time.time_ns()``) or a ``datetime`` (naive = local time, the library convention).

        Raises :class:`~lawful_intercept.EncodeError` (path ``timestamp``) for a time outside
        1968-01-20T03:14:08Z .. 2104-02-26T09:42:23Z, the window RFC 4330 reads back
        unambiguously."""
        if isinstance(value, datetime):
            try:
                delta = value.astimezone(UTC) - _EPOCH
            except (OverflowError, OSError, ValueError) as exc:
                raise EncodeError(f"time {value!r} cannot be converted: {exc}",
                                  "timestamp") from None
            ns = (delta.days * 86400 + delta.seconds) * _NS + delta.microseconds * 1000
        elif isinstance(value, int) and not isinstance(value, bool):
            ns = value
        else:
            raise EncodeError(
                f"time must be int nanoseconds since the Unix epoch or datetime, got "
                f"{type(value).__name__}", "timestamp",
            )
        seconds, rest = divmod(ns, _NS)
        total = seconds + NTP_UNIX_OFFSET
        if not _NTP_FIRST <= total < _NTP_END:
            raise EncodeError(
                "an NTP timestamp can carry 1968-01-20T03:14:08Z up to 2104-02-26T09:42:23Z "
                f"unambiguously (RFC 4330 3), got {ns} ns since the Unix epoch", "timestamp",
            )
        return cls(total & _U32_MAX, (rest << 32) // _NS)

    def unix_ns(self) -> int:
        """Nanoseconds since the Unix epoch (RFC 4330 3 era rule; the fraction rounded up to
        the next nanosecond, which undoes :meth:`from_time` exactly)."""
        total = self.seconds if self.seconds >= _NTP_FIRST else self.seconds + _TWO32
        return (total - NTP_UNIX_OFFSET) * _NS + -(-self.fraction * _NS // _TWO32)

    def to_datetime(self) -> datetime:
        """The aware UTC datetime of the timestamp (microseconds, truncated)."""
        return _EPOCH + timedelta(microseconds=self.unix_ns() // 1000)


class CCCPacket(NamedTuple):
    """A CCC packet read by :func:`parse_ccc_packet`: the CCCID, the NTP timestamp and the
    case ID (``None`` where the layout has none) and the payload (the IP datagram)."""

    ccc_id: int
    timestamp: NtpTimestamp | None
    case_id: int | None
    payload: bytes


def _check_layout(layout: object, error: type[EncodeError] | type[DecodeError]) -> str:
    if layout not in _HEADER:
        raise error(
            f"layout must be one of {', '.join(CCC_LAYOUTS)} (the CCC header formats of "
            f"PKT-SP-ESP-I01, PKT-SP-ESP1.5 and PKT-SP-ES-DCI-C01), got {layout!r}", "layout",
        )
    return str(layout)


def _u32(value: object, path: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodeError(f"{what} must be int, got {type(value).__name__}", path)
    if not 0 <= value <= _U32_MAX:
        raise EncodeError(f"{what} must be 0..4294967295 (32 bits), got {value}", path)
    return value


def ccc_packet(
    ccc_id: int,
    ip_datagram: bytes | bytearray | memoryview,
    *,
    layout: CCCLayout = "ESP-I01",
    time: int | datetime | NtpTimestamp | None = None,
    case_id: int | None = None,
) -> bytes:
    """One CCC packet: the header of ``layout`` followed by the intercepted IP datagram.

    * ``"ESP-I01"`` (PKT-SP-ESP-I01 clause 4): CCCID (4 octets).
    * ``"ESP-1.5"`` (PKT-SP-ESP1.5 clause 5): CCCID (4), NTP timestamp (8).
    * ``"ES-DCI-C01"`` (PKT-SP-ES-DCI-C01 clause 7): CCCID (4), NTP timestamp (8), case ID
      (8, unsigned).

    All big-endian. ``ccc_id`` is the 32-bit CCC identifier (the ``cCCId`` of the ``ccopen``
    message); ``time`` the time of interception for the layouts with a timestamp
    (nanoseconds since the Unix epoch, a ``datetime`` or an :class:`NtpTimestamp`; default:
    now); ``case_id`` the 64-bit case ID of ES-DCI-C01. A field the layout does not carry is
    refused rather than silently dropped. Raises :class:`~lawful_intercept.EncodeError` with
    path ``layout``, ``cccId``, ``timestamp``, ``caseId`` or ``payload``.
    """
    name = _check_layout(layout, EncodeError)
    ccc = _u32(ccc_id, "cccId", "CCCID")
    if not isinstance(ip_datagram, bytes | bytearray | memoryview):
        raise EncodeError(
            f"the IP datagram must be bytes, got {type(ip_datagram).__name__}", "payload"
        )
    if not len(ip_datagram):
        raise EncodeError("the IP datagram must not be empty", "payload")
    if name == "ESP-I01":
        if time is not None:
            raise EncodeError("the ESP-I01 layout has no timestamp (PKT-SP-ESP-I01 clause 4)",
                              "timestamp")
        if case_id is not None:
            raise EncodeError("the ESP-I01 layout has no case ID (PKT-SP-ESP-I01 clause 4)",
                              "caseId")
        return _HEADER[name].pack(ccc) + ip_datagram
    if isinstance(time, NtpTimestamp):
        stamp = NtpTimestamp(_u32(time.seconds, "timestamp", "NTP seconds"),
                             _u32(time.fraction, "timestamp", "NTP fraction"))
    else:
        stamp = NtpTimestamp.from_time(_time.time_ns() if time is None else time)
    if name == "ESP-1.5":
        if case_id is not None:
            raise EncodeError("the ESP-1.5 layout has no case ID (PKT-SP-ESP1.5 clause 5)",
                              "caseId")
        return _HEADER[name].pack(ccc, stamp.seconds, stamp.fraction) + ip_datagram
    if case_id is None:
        raise EncodeError("the ES-DCI-C01 layout needs a case ID (PKT-SP-ES-DCI-C01 clause 7)",
                          "caseId")
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise EncodeError(f"case ID must be int, got {type(case_id).__name__}", "caseId")
    if not 0 <= case_id <= _U64_MAX:
        raise EncodeError(
            f"case ID must be 0..18446744073709551615 (8 octets, unsigned), got {case_id}",
            "caseId",
        )
    return _HEADER[name].pack(ccc, stamp.seconds, stamp.fraction, case_id) + ip_datagram


def parse_ccc_packet(
    data: bytes | bytearray | memoryview, layout: CCCLayout = "ESP-I01"
) -> CCCPacket:
    """Read a CCC packet of ``layout`` (see :func:`ccc_packet`): ``(ccc_id, timestamp,
    case_id, payload)``, with ``None`` for the fields the layout does not have.

    Raises :class:`~lawful_intercept.DecodeError` naming the field that is cut short
    (``cccId``, ``timestamp``, ``caseId``) or ``layout``. The payload may be empty: the header
    is all this function checks.
    """
    name = _check_layout(layout, DecodeError)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"a CCC packet must be bytes, got {type(data).__name__}", "payload")
    octets = bytes(data)
    header = _HEADER[name]
    if len(octets) < header.size:
        field, start = ("cccId", 0)
        if len(octets) >= 12:
            field, start = ("caseId", 12)
        elif len(octets) >= 4:
            field, start = ("timestamp", 4)
        raise DecodeError(
            f"a CCC packet of the {name} layout ({_CLAUSE[name]}) has a {header.size}-octet "
            f"header, got {len(octets)} octets", field, start,
        )
    fields = header.unpack_from(octets)
    payload = octets[header.size:]
    if name == "ESP-I01":
        return CCCPacket(fields[0], None, None, payload)
    stamp = NtpTimestamp(fields[1], fields[2])
    if name == "ESP-1.5":
        return CCCPacket(fields[0], stamp, None, payload)
    return CCCPacket(fields[0], stamp, fields[3], payload)


# ---------------------------------------------------------------------------------------------
# Values of the CDC messages
# ---------------------------------------------------------------------------------------------


def party_id(
    dn: str | None = None,
    *,
    user_provided: str | None = None,
    ip_address: str | None = None,
    trunk_id: str | None = None,
    generic_address: str | None = None,
    generic_digits: str | None = None,
    generic_name: str | None = None,
    port: str | None = None,
    context: str | None = None,
) -> dict[str, str]:
    """A PCESP ``PartyId`` with the given identifiers (each a VisibleString: ``dn`` and
    ``userProvided`` 1..15, ``genericName`` 1..48, the others 1..32 characters; the lengths
    are checked when the message is encoded). At least one must be given."""
    members = {
        "dn": dn, "userProvided": user_provided, "ipAddress": ip_address, "trunkId": trunk_id,
        "genericAddress": generic_address, "genericDigits": generic_digits,
        "genericName": generic_name, "port": port, "context": context,
    }
    value = {name: text for name, text in members.items() if text is not None}
    if not value:
        raise EncodeError("a PartyId needs at least one identifier (PCESP PartyId)", "partyId")
    return value


def conference_party(
    parties: Sequence[PartyLike] = (), ccc_id: CCCId | None = None
) -> dict[str, Any]:
    """One element of the ``communicating``/``removed``/``joined`` lists of a PCESP
    ``ConferencePartyChange``: ``{partyId: [PartyId, ...], cCCId: CCCId}`` (both OPTIONAL)."""
    value: dict[str, Any] = {}
    if parties:
        value["partyId"] = [_party(p, f"partyId[{i}]") for i, p in enumerate(parties)]
    if ccc_id is not None:
        value["cCCId"] = checked_ccc_id(ccc_id, "cCCId")
    return value


def _party(value: object, path: str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"dn": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise EncodeError(
        f"a PartyId must be a directory number (str) or a PartyId value (dict), got "
        f"{type(value).__name__}", path,
    )


def _text(value: object, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise EncodeError(f"{what} must be str, got {type(value).__name__}", path)
    return value


def _visible(value: object, path: str, what: str, high: int, rule: str) -> str:
    text = _text(value, path, what)
    if not 1 <= len(text) <= high:
        raise EncodeError(f"{what} must be 1..{high} characters ({rule}), got {len(text)}", path)
    for char in text:
        if not " " <= char <= "~":
            raise EncodeError(
                f"{what} must be a VisibleString (characters 0x20..0x7E), got {char!r}", path
            )
    return text



# ---------------------------------------------------------------------------------------------
# CDC messages
# ---------------------------------------------------------------------------------------------


class PacketCableRecords:
    """CdcPdu messages and CCC packets of one PacketCable intercept (PCESP, PKT-SP-ES-DCI).

    ``case_id`` is the ``CaseId`` (VisibleString 1..25) and ``accessing_element_id`` the
    ``AccessingElementId`` (VisibleString 1..15) written into every message; ``spec`` the
    compiled specification with the PCESP module (default: the bundled version 4); ``clock``
    gives ``eventTime`` (GeneralizedTime, UTC or local and cut to ms or µs as the clock says)
    when a message is given no ``time=``; ``version`` is the ``protocolVersion`` written
    (``"v4"``; ``"v3"`` refuses the messages PCESP version 4 added: dialeddigitextraction
    and confpartychange).

    Each message method takes the main fields as typed parameters and the others as
    ``**more``, by their ASN.1 member names; it returns the encoded ``CdcPdu``. ``ccc_layout``
    and ``ccc_case_id`` are the defaults of :meth:`ccc`.
    """

    def __init__(
        self,
        case_id: str,
        accessing_element_id: str,
        *,
        spec: Specification | None = None,
        clock: Clock | None = None,
        version: Literal["v3", "v4"] = "v4",
        ccc_layout: CCCLayout = "ESP-I01",
        ccc_case_id: int | None = None,
    ) -> None:
        self.case_id = pc_case_id(case_id)
        self.accessing_element_id = _visible(
            accessing_element_id, "accessingElementId", "accessingElementId", 15,
            "PacketCable PCESP AccessingElementId VisibleString (SIZE (1..15))",
        )
        self.spec = spec if spec is not None else default_specification()
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        try:
            message_type = self.spec.get_type("PCESP.Message")
            version_type = self.spec.get_type("PCESP.ProtocolVersion")
        except Error:
            raise ValueError("spec: the specification has no PCESP module (CdcPdu)") from None
        if version not in version_type.body.named_numbers:
            raise EncodeError(
                f"protocolVersion must be one of "
                f"{', '.join(version_type.body.named_numbers)} (PCESP ProtocolVersion), got "
                f"{version!r}", "protocolVersion",
            )
        self.version = version
        #: The Message alternatives of the specification's PCESP module.
        self.messages = per_specification(self.spec, "pcesp messages", lambda: frozenset(
            c.name for c in message_type.body.components))
        self._sequences = per_specification(self.spec, "pcesp sequences", lambda: frozenset(
            c.name for c in message_type.body.components if c.type.kind is Kind.SEQUENCE))
        self._encode: Callable[[Any], bytes] = self.spec.encoder(CDC_PDU)
        self.ccc_layout: CCCLayout = cast(CCCLayout, _check_layout(ccc_layout, EncodeError))
        if ccc_case_id is not None or self.ccc_layout == "ES-DCI-C01":
            ccc_packet(0, b"\x00", layout=self.ccc_layout, case_id=ccc_case_id,
                       time=None if self.ccc_layout == "ESP-I01" else 0)
        self.ccc_case_id = ccc_case_id

    # -- common parts ----------------------------------------------------------------------

    def event_time(self, time: int | datetime | None = None) -> datetime:
        """The ``eventTime`` of a message (PCESP ``EventTime ::= GeneralizedTime``) for
        ``time`` (nanoseconds since the epoch or a datetime; default: the clock's now)."""
        value = self.clock.now_ns() if time is None else time
        try:
            return generalized_time(value, utc=self.clock.utc, precision=self.clock.precision)
        except EncodeError as exc:
            exc.path = "eventTime"
            raise

    def message(self, name: str, fields: Mapping[str, Any] | None = None, *,
                time: int | datetime | None = None) -> bytes:
        """A CdcPdu with the Message alternative ``name`` (PCESP ``Message``); ``caseId``,
        ``accessingElementId`` and ``eventTime`` are added unless ``fields`` has them. For
        alternatives without a method of their own, e.g. the extension additions of a later
        module version."""
        if name not in self.messages:
            raise EncodeError(
                f"{name!r} is not a Message alternative of the specification's PCESP module",
                "message",
            )
        if self.version == "v3" and name in _V4_ONLY:
            raise EncodeError(
                f"{name} was added in PCESP version 4; this records object writes v3",
                "protocolVersion",
            )
        if name not in self._sequences:  # the reserved NULL alternatives
            return self._encode({"protocolVersion": self.version, "message": (name, fields)})
        value: dict[str, Any] = {
            "caseId": self.case_id,
            "accessingElementId": self.accessing_element_id,
        }
        if fields is None or "eventTime" not in fields:
            value["eventTime"] = self.event_time(time)
        if fields is not None:
            value.update(fields)
        return self._encode({"protocolVersion": self.version, "message": (name, value)})

    def _message(self, name: str, fields: dict[str, Any], time: int | datetime | None,
                 more: Mapping[str, Any]) -> bytes:
        value = {k: v for k, v in fields.items() if v is not None}
        value.update(more)
        return self.message(name, value, time=time)

    # -- the messages of PCESP version 4 ---------------------------------------------------

    def answer(self, call_id: CallIdLike, *, answering: PartyLike | None = None,
               time: int | datetime | None = None, **more: Any) -> bytes:
        """``answer`` (PCESP ``Answer``): the call ``call_id`` was answered, by ``answering``."""
        return self._message("answer", {
            "callId": checked_call_id(call_id, "callId"),
            "answering": None if answering is None else _party(answering, "answering"),
        }, time, more)

    def ccclose(self, ccc_id: CCCId, *,
                flow_direction: str,
                time: int | datetime | None = None, **more: Any) -> bytes:
        """``ccclose`` (PCESP ``CCClose``): the call content stream ``ccc_id`` is closed;
        ``flow_direction`` its ``FlowDirection`` (``downstream``, ``upstream``,
        ``downstream-and-upstream``), required: a direction is never assumed."""
        return self._message("ccclose", {
            "cCCId": checked_ccc_id(ccc_id, "cCCId"), "flowDirection": flow_direction,
        }, time, more)

    def ccopen(self, ccc_id: CCCId, call_ids: CallIdLike | Sequence[CallIdLike], *,
               subject_sdp: str | None = None, associate_sdp: str | None = None,
               flow_direction: str,
               time: int | datetime | None = None, **more: Any) -> bytes:
        """``ccopen`` (PCESP ``CCOpen``): the call content of the calls ``call_ids`` (one or
        a list; ``ccOpenOption ccOpenTime``) is delivered on the CCC stream ``ccc_id``, whose
        packets carry that CCCID (:func:`ccc_packet`). ``subject_sdp``/``associate_sdp`` are
        the SDP of the two ends (``subject``, ``associate``); ``flow_direction`` the
        stream's ``FlowDirection`` (``downstream``, ``upstream``,
        ``downstream-and-upstream``), required: a direction is never assumed."""
        calls: Sequence[object] = call_ids if isinstance(call_ids, list | tuple) else [call_ids]
        if not calls:
            raise EncodeError("ccopen needs at least one CallId (ccOpenTime)", "ccOpenTime")
        return self._message("ccopen", {
            "ccOpenOption": ("ccOpenTime", [checked_call_id(c, f"ccOpenTime[{i}]")
                                            for i, c in enumerate(calls)]),
            "cCCId": checked_ccc_id(ccc_id, "cCCId"),
            "subject": _sdp(subject_sdp, "subject"),
            "associate": _sdp(associate_sdp, "associate"),
            "flowDirection": flow_direction,
        }, time, more)

    def ccchange(self, call_id: CallIdLike, ccc_id: CCCId, *,
                 subject_sdp: str | None = None, associate_sdp: str | None = None,
                 flow_direction: str,
                 resource_state: str | None = None,
                 time: int | datetime | None = None, **more: Any) -> bytes:
        """``ccchange`` (PCESP ``CCChange``): the media of the CCC stream ``ccc_id`` of the
        call changed (new SDP; ``resource_state`` ``reserved``/``committed``)."""
        return self._message("ccchange", {
            "callId": checked_call_id(call_id, "callId"),
            "cCCId": checked_ccc_id(ccc_id, "cCCId"),
            "subject": _sdp(subject_sdp, "subject"),
            "associate": _sdp(associate_sdp, "associate"),
            "flowDirection": flow_direction,
            "resourceState": resource_state,
        }, time, more)

    def origination(self, call_id: CallIdLike, calling: PartyLike, *,
                    called: PartyLike | None = None, user_input: str | None = None,
                    translation_input: str | None = None,
                    transit_carrier_id: str | None = None,
                    time: int | datetime | None = None, **more: Any) -> bytes:
        """``origination`` (PCESP ``Origination``): the subject ``calling`` places a call.

        Exactly one of ``user_input`` (the digits the user dialled, ``userinput``) and
        ``translation_input`` (the number after translation, ``translationinput``) is given,
        each VisibleString 1..32."""
        if (user_input is None) == (translation_input is None):
            raise EncodeError(
                "give exactly one of user_input and translation_input (PCESP Origination "
                "input CHOICE)", "input",
            )
        choice = (("userinput", _text(user_input, "input.userinput", "userinput"))
                  if user_input is not None else
                  ("translationinput",
                   _text(translation_input, "input.translationinput", "translationinput")))
        return self._message("origination", {
            "callId": checked_call_id(call_id, "callId"),
            "calling": _party(calling, "calling"),
            "called": None if called is None else _party(called, "called"),
            "input": choice,
            "transitCarrierId": transit_carrier_id,
        }, time, {"reserved0": None, **more})

    def redirection(self, old_call_id: CallIdLike, redirected_to: PartyLike, *,
                    new_call_id: CallIdLike | None = None,
                    redirected_from: PartyLike | None = None,
                    transit_carrier_id: str | None = None,
                    time: int | datetime | None = None, **more: Any) -> bytes:
        """``redirection`` (PCESP ``Redirection``): the call ``old_call_id`` is redirected to
        ``redirected_to`` (forwarding, transfer), continuing as ``new_call_id``."""
        return self._message("redirection", {
            "old": checked_call_id(old_call_id, "old"),
            "redirectedto": _party(redirected_to, "redirectedto"),
            "transitCarrierId": transit_carrier_id,
            "new": None if new_call_id is None else checked_call_id(new_call_id, "new"),
            "redirectedfrom": (None if redirected_from is None
                               else _party(redirected_from, "redirectedfrom")),
        }, time, {"reserved0": None, "reserved1": None, **more})

    def release(self, call_id: CallIdLike, *, time: int | datetime | None = None,
                **more: Any) -> bytes:
        """``release`` (PCESP ``Release``): the call ``call_id`` ended."""
        return self._message("release", {"callId": checked_call_id(call_id, "callId")}, time, more)

    def terminationattempt(self, call_id: CallIdLike, *, calling: PartyLike | None = None,
                           called: PartyLike | None = None,
                           redirected_from_info: Mapping[str, Any] | None = None,
                           time: int | datetime | None = None, **more: Any) -> bytes:
        """``terminationattempt`` (PCESP ``TerminationAttempt``): a call from ``calling``
        to the subject (``called``) arrives."""
        return self._message("terminationattempt", {
            "callId": checked_call_id(call_id, "callId"),
            "calling": None if calling is None else _party(calling, "calling"),
            "called": None if called is None else _party(called, "called"),
            "redirectedFromInfo": (None if redirected_from_info is None
                                   else dict(redirected_from_info)),
        }, time, {"reserved0": None, **more})

    def networksignal(self, call_id: CallIdLike, signaled_to: PartyLike, *,
                      alerting_signal: str | None = None, audible_signal: str | None = None,
                      terminal_display_info: Mapping[str, str] | None = None,
                      other: str | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``networksignal`` (PCESP ``NetworkSignal``): the network signals to the subject
        (``alertingSignal``, ``subjectAudibleSignal``, ``terminalDisplayInfo``, ``other``)."""
        return self._message("networksignal", {
            "callId": checked_call_id(call_id, "callId"),
            **network_signals(alerting_signal, audible_signal, terminal_display_info, other),
            "signaledToPartyId": _party(signaled_to, "signaledToPartyId"),
        }, time, more)

    def subjectsignal(self, signaled_from: PartyLike, *, call_id: CallIdLike | None = None,
                      switchhook_flash: str | None = None, dialed_digits: str | None = None,
                      feature_key: str | None = None,
                      other_signaling_information: str | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``subjectsignal`` (PCESP ``SubjectSignal``): the subject signals (flash, digits,
        feature key, other); at least one of them is given."""
        signal = {k: v for k, v in {
            "switchhookFlash": switchhook_flash, "dialedDigits": dialed_digits,
            "featureKey": feature_key, "otherSignalingInformation": other_signaling_information,
        }.items() if v is not None}
        if not signal and "signal" not in more:
            raise EncodeError("a SubjectSignal needs at least one signal (PCESP SubjectSignal)",
                              "signal")
        return self._message("subjectsignal", {
            "callId": None if call_id is None else checked_call_id(call_id, "callId"),
            "signal": signal,
            "signaledFromPartyId": _party(signaled_from, "signaledFromPartyId"),
        }, time, more)

    def mediareport(self, call_id: CallIdLike, *, subject_sdp: str | None = None,
                    associate_sdp: str | None = None,
                    time: int | datetime | None = None, **more: Any) -> bytes:
        """``mediareport`` (PCESP ``MediaReport``): the media (SDP) the call uses."""
        return self._message("mediareport", {
            "callId": checked_call_id(call_id, "callId"),
            "subject": _sdp(subject_sdp, "subject"),
            "associate": _sdp(associate_sdp, "associate"),
        }, time, more)

    def serviceinstance(self, call_id: CallIdLike, service_name: str, *,
                        related_call_id: CallIdLike | None = None,
                        first_call_calling: PartyLike | None = None,
                        second_call_calling: PartyLike | None = None,
                        called: PartyLike | None = None, calling: PartyLike | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``serviceinstance`` (PCESP ``ServiceInstance``): the subject uses the service
        ``service_name`` (VisibleString 1..128), e.g. a three-way call joining
        ``related_call_id``."""
        return self._message("serviceinstance", {
            "callId": checked_call_id(call_id, "callId"),
            "relatedCallId": (None if related_call_id is None
                              else checked_call_id(related_call_id, "relatedCallId")),
            "serviceName": service_name,
            "firstCallCalling": (None if first_call_calling is None
                                 else _party(first_call_calling, "firstCallCalling")),
            "secondCallCalling": (None if second_call_calling is None
                                  else _party(second_call_calling, "secondCallCalling")),
            "called": None if called is None else _party(called, "called"),
            "calling": None if calling is None else _party(calling, "calling"),
        }, time, more)

    def dialeddigitextraction(self, call_id: CallIdLike, digits: str, *,
                              time: int | datetime | None = None, **more: Any) -> bytes:
        """``dialeddigitextraction`` (PCESP version 4 ``DialedDigitExtraction``): digits the
        subject dialled after the call was set up (VisibleString 1..32)."""
        return self._message("dialeddigitextraction", {
            "callId": checked_call_id(call_id, "callId"), "digits": digits,
        }, time, more)

    def confpartychange(self, call_id: CallIdLike, *,
                        communicating: Sequence[Mapping[str, Any]] | None = None,
                        removed: Sequence[Mapping[str, Any]] | None = None,
                        joined: Sequence[Mapping[str, Any]] | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``confpartychange`` (PCESP version 4 ``ConferencePartyChange``): the parties of a
        conference changed; each list holds :func:`conference_party` values."""
        return self._message("confpartychange", {
            "callId": checked_call_id(call_id, "callId"),
            "communicating": None if communicating is None else [dict(p) for p in communicating],
            "removed": None if removed is None else [dict(p) for p in removed],
            "joined": None if joined is None else [dict(p) for p in joined],
        }, time, more)

    # -- call content ----------------------------------------------------------------------

    def ccc(self, ccc_id: int, ip_datagram: bytes | bytearray | memoryview, *,
            layout: CCCLayout | None = None, time: int | datetime | None = None,
            case_id: int | None = None) -> bytes:
        """A CCC packet (:func:`ccc_packet`) with this object's defaults: ``layout``
        ``ccc_layout``, the time from the clock for the layouts with a timestamp, and
        ``ccc_case_id`` for ES-DCI-C01."""
        chosen = self.ccc_layout if layout is None else layout
        if chosen == "ESP-I01":
            return ccc_packet(ccc_id, ip_datagram, layout=chosen, time=time, case_id=case_id)
        return ccc_packet(
            ccc_id, ip_datagram, layout=chosen,
            time=self.clock.now_ns() if time is None else time,
            case_id=(self.ccc_case_id if case_id is None and chosen == "ES-DCI-C01"
                     else case_id),
        )


def _sdp(value: object, path: str) -> str | None:
    if value is None:
        return None
    return _text(value, path, "SDP")

