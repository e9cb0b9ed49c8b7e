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
:func:`~lawful_intercept.correlation.atis_correlation_id` or
:func:`~lawful_intercept.correlation.atis_call_identity` to both, and the caseId and
IAP system identity of the records object go into every message, so the IRI and the CC of
an intercept correlate by construction.

The bundled ATIS modules are a non-normative reconstruction of the 2006/2007 drafts (see
``docs/standards.md``); the object identifiers are those OpenCALEA used (:data:`LAES_OID`,
:data:`CC_DELIVERY_HEADER_OID`, :data:`IAS_OID`, :data:`IAS_CMCC_OID`). A specification
compiled from the licensed ATIS text can be passed as ``spec=`` if it keeps the module and
type names.

**Sequence numbers.** The ``sequenceNumber`` of the CC delivery header is numbered per
(caseId, contentIdentifier) from 0 by :class:`ContentSequenceNumbers`, without gaps: a
CC-APDU is encoded before its number is taken. :class:`~lawful_intercept.correlation.
SequenceCounters` does not fit: it is keyed by an ETSI LIID and an integer CIN, while ATIS
correlates by an octet string or a call identity. The module gives the INTEGER no range, so
numbers do not wrap.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal, cast

from ..asn1c import Specification
from ..correlation import (
    Clock,
    ContentIdentifier,
    atis_call_identity,
    atis_case_identity,
    atis_correlation_info,
    atis_iap_system_identity,
    generalized_time,
    pc_ccc_id,
    pc_ccc_id_pair,
)
from ..errors import EncodeError, Error

__all__ = [
    "CC_APDU",
    "CC_DELIVERY_HEADER_OID",
    "IAS_CC_APDU",
    "IAS_CMCC_OID",
    "IAS_OID",
    "IAS_OPTIONAL_PROTOCOL",
    "IAS_PROTOCOL",
    "LAES_OID",
    "LAES_PROTOCOL",
    "ContentIdentifierLike",
    "ContentSequenceNumbers",
    "DeliveryIdentifierLike",
    "IASRecords",
    "LAESRecords",
    "PacketDirection",
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

#: Qualified type names in the bundled specification (several modules define CC-APDU and
#: IasProtocol).
LAES_PROTOCOL: Final = "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol"
CC_APDU: Final = "CCDeliveryHeaderModule.CC-APDU"
IAS_PROTOCOL: Final = "IAS-LAES-CmII-Abstract-Syntax-Module.IasProtocol"
IAS_OPTIONAL_PROTOCOL: Final = "IAS-LAES-CmII-Optional-Messages-Abstract-Syntax-Module.IasProtocol"
IAS_CC_APDU: Final = "IAS-LAES-CmCC-Abstract-Syntax-Module.IAS-CC-APDU"

PacketDirection = Literal["fromSubject", "toSubject"]
"""``PacketDirection`` of the CC delivery header (ATIS-1000678 / ATIS-1000013)."""

ContentIdentifierLike = ContentIdentifier | bytes | bytearray | memoryview
"""A ``ContentIdentifier``: a value of :func:`~lawful_intercept.correlation.
atis_correlation_id` or :func:`~lawful_intercept.correlation.atis_call_identity`, or the
octets of a ``correlationID``."""

DeliveryIdentifierLike = int | tuple[int, int] | tuple[str, Any]
"""A ``DeliveryIdentifier``: a 32-bit CCC identifier (``cccId combCCC``, 8 hex characters as
:func:`~lawful_intercept.correlation.pc_ccc_id` writes it), a (transmit, receive) pair of them
(``sepCCCpair``), a ``CCCIdentity`` CHOICE value (``("indCCC", "…")``), or the
``DeliveryIdentifier`` CHOICE value itself (``("ccAddress", {...})``)."""

_CCC_IDENTITY: Final = frozenset({"combCCC", "sepCCCpair", "indXmitCCC", "indRecvCCC", "indCCC"})
_DIRECTIONS: Final = ("fromSubject", "toSubject")


def _default_spec() -> Specification:
    from ..registry import bundled

    return bundled()


def _relabel(exc: EncodeError, old: str, new: str) -> EncodeError:
    path = exc.path
    if path == old or path.startswith((old + ".", old + "[")):
        exc.path = new + path[len(old):]
    return exc


# ---------------------------------------------------------------------------------------------
# Sequence numbers of the CC delivery header
# ---------------------------------------------------------------------------------------------


def _content_key(content: ContentIdentifier) -> tuple[str, bytes | str, str | None]:
    name, inner = content
    if name == "correlationID":
        assert isinstance(inner, bytes)
        return ("correlationID", inner, None)
    assert isinstance(inner, dict)
    return ("callID", inner["main"], inner.get("leg"))


def _content_identifier(value: object, path: str = "contentIdentifier") -> ContentIdentifier:
    if isinstance(value, bytes | bytearray | memoryview):
        value = ("correlationID", bytes(value))
    try:
        checked = atis_correlation_info(value)  # type: ignore[arg-type]  # it checks the type
    except EncodeError as exc:
        raise _relabel(exc, "contentIdentifier", path) from None
    result: ContentIdentifier = checked["contentIdentifier"]
    return result


class ContentSequenceNumbers:
    """``sequenceNumber`` of the CC delivery header per (caseId, contentIdentifier)
    (ATIS-1000678 / ATIS-1000013 ``CCDeliveryHeader.sequenceNumber [3] INTEGER OPTIONAL``).

    Numbers start at 0 and go up by one for each CC-APDU of a content stream. The state is a
    JSON-able dict (:meth:`save_state`, :meth:`from_state`); ``advance`` on restore skips
    numbers that may have been handed out after the last save. Thread-safe.
    """

    def __init__(self) -> None:
        self._next: dict[tuple[str, tuple[str, bytes | str, str | None]], int] = {}
        self._lock = threading.Lock()

    def _key(self, case_id: str, content: ContentIdentifierLike
             ) -> tuple[str, tuple[str, bytes | str, str | None]]:
        return (atis_case_identity(case_id), _content_key(_content_identifier(content)))

    def peek(self, case_id: str, content: ContentIdentifierLike) -> int:
        """The number the next CC-APDU of this content stream gets (nothing is taken)."""
        key = self._key(case_id, content)
        with self._lock:
            return self._next.get(key, 0)

    def next(self, case_id: str, content: ContentIdentifierLike) -> int:
        """Take the next number of this content stream."""
        key = self._key(case_id, content)
        with self._lock:
            number = self._next.get(key, 0)
            self._next[key] = number + 1
            return number

    def take_if(self, case_id: str, content: ContentIdentifierLike, expected: int) -> bool:
        """Take ``expected`` if it is still the next number (for encode-then-take callers)."""
        key = self._key(case_id, content)
        with self._lock:
            if self._next.get(key, 0) != expected:
                return False
            self._next[key] = expected + 1
            return True

    def forget(self, case_id: str, content: ContentIdentifierLike) -> None:
        """Drop a content stream (after its ccClose / session end, once its CC is out)."""
        key = self._key(case_id, content)
        with self._lock:
            self._next.pop(key, None)

    def save_state(self) -> dict[str, Any]:
        """The counters as a JSON-able dict."""
        with self._lock:
            items = sorted(self._next.items(), key=repr)
        streams = []
        for (case_id, (kind, main, leg)), number in items:
            entry: dict[str, Any] = {"caseId": case_id, "next": number}
            if kind == "correlationID":
                assert isinstance(main, bytes)
                entry["correlationID"] = main.hex()
            else:
                entry["callID"] = {"main": main} if leg is None else {"main": main, "leg": leg}
            streams.append(entry)
        return {"version": 1, "streams": streams}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, advance: int = 0
                   ) -> ContentSequenceNumbers:
        """Counters restored from :meth:`save_state`, each moved on by ``advance``."""
        if isinstance(advance, bool) or not isinstance(advance, int) or advance < 0:
            raise EncodeError(f"advance must be an int >= 0, got {advance!r}", "state")
        if not isinstance(state, Mapping) or state.get("version") != 1:
            raise EncodeError("not a saved ContentSequenceNumbers state (version 1)", "state")
        streams = state.get("streams")
        if not isinstance(streams, list):
            raise EncodeError("streams must be a list", "state.streams")
        restored = cls()
        for i, entry in enumerate(streams):
            path = f"state.streams[{i}]"
            if not isinstance(entry, Mapping):
                raise EncodeError("must be a dict", path)
            number = entry.get("next")
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise EncodeError(f"next must be an int >= 0, got {number!r}", f"{path}.next")
            content: ContentIdentifierLike
            try:
                if "correlationID" in entry:
                    content = ("correlationID", bytes.fromhex(entry["correlationID"]))
                else:
                    call = entry.get("callID")
                    if not isinstance(call, Mapping):
                        raise EncodeError("needs correlationID or callID", path)
                    content = atis_call_identity(call.get("main"), call.get("leg"))
                key = restored._key(entry.get("caseId"), content)  # type: ignore[arg-type]
            except (EncodeError, TypeError, ValueError) as exc:
                raise EncodeError(f"malformed stream: {exc}", path) from None
            restored._next[key] = number + advance
        return restored


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


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


def _delivery(value: object, path: str = "deliveryIdentifier") -> tuple[str, Any]:
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
        raise _relabel(exc, "cCCId", f"{path}.cccId") from None
    raise EncodeError(
        "a DeliveryIdentifier must be a 32-bit CCC identifier (int), a (transmit, receive) pair "
        f"of them, a CCCIdentity or a DeliveryIdentifier CHOICE value, got {value!r}", path,
    )


def _call(value: object, path: str = "callId") -> dict[str, str]:
    """A ``CallIdentity``: ``main`` text, a ``{"main", "leg"}`` dict or an
    ``atis_call_identity`` ContentIdentifier."""
    try:
        if isinstance(value, str):
            return cast(dict[str, str], atis_call_identity(value)[1])
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "callID":
            value = value[1]
        if isinstance(value, Mapping) and set(value) <= {"main", "leg"}:
            return cast(dict[str, str],
                        atis_call_identity(value.get("main"), value.get("leg"))[1])
    except EncodeError as exc:
        raise _relabel(exc, "contentIdentifier.callID", path) from None
    raise EncodeError(
        f"a CallIdentity must be text, a {{main, leg}} dict or atis_call_identity(), got "
        f"{value!r}", path,
    )


def _input(user_input: str | Mapping[str, Any] | None,
           translation_input: str | Mapping[str, Any] | None) -> tuple[str, Any]:
    if (user_input is None) == (translation_input is None):
        raise EncodeError(
            "give exactly one of user_input and translation_input (ATIS-1000678 input CHOICE)",
            "input",
        )
    name, value = (("userInput", user_input) if user_input is not None
                   else ("translationInput", translation_input))
    if isinstance(value, str):
        return (name, ("generic", value))
    return (name, ("specific", party_identity(value, f"input.{name}")))  # type: ignore[arg-type]


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


def _port(value: int | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return str(value)
    raise EncodeError(f"a port must be 0..65535 or text, got {value!r}", "portNumber")


# ---------------------------------------------------------------------------------------------
# Shared parts
# ---------------------------------------------------------------------------------------------


class _AtisRecords:
    """Case identity, clock and CC-APDU numbering shared by the ATIS records objects."""

    _cc_type: str = ""

    def __init__(self, case_identity: str, iap_system_identity: str | None,
                 spec: Specification | None, clock: Clock | None,
                 sequence_numbers: ContentSequenceNumbers | None, number_cc: bool) -> None:
        self.case_id = atis_case_identity(case_identity)
        self.iap_id: str | None = None
        if iap_system_identity is not None:
            self.iap_id = atis_iap_system_identity(iap_system_identity)
        self.spec = spec if spec is not None else _default_spec()
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
        content = _content_identifier(correlation, "correlationInfo.contentIdentifier")
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


# ---------------------------------------------------------------------------------------------
# ATIS-1000678: LAESProtocol
# ---------------------------------------------------------------------------------------------

_LAES_MESSAGE: Final = "T1S1-LAES-VoP-Abstract-Syntax-Module.LaesMessage"


class LAESRecords(_AtisRecords):
    """LAESProtocol messages and CC-APDUs of one ATIS-1000678 (VoP) intercept.

    ``case_identity`` (``CaseIdentity``, VisibleString 1..25) and ``iap_system_identity``
    (``IAPSystemIdentity``, 1..15, optional in the VoP messages) go into every message and CC
    header. ``enhanced`` (default) wraps each message in ``enhancedProtocol`` with
    ``protocol_identifier``; ``enhanced=False`` sends the bare ``laesMessage``.
    ``cc_delivery_format`` is the ``ccDeliveryFormat`` of ``ccOpen`` (default: the CC-APDU
    of the CCDeliveryHeaderModule). ``sequence_numbers`` may be shared between records
    objects; ``number_cc=False`` leaves ``sequenceNumber`` out of the CC-APDUs.

    The typed methods cover the messages of a call; every LaesMessage alternative is
    available through :meth:`message`. Each takes further members as ``**more`` by their
    ASN.1 names and returns the encoded LAESProtocol.
    """

    _cc_type = CC_APDU

    def __init__(
        self,
        case_identity: str,
        iap_system_identity: str | None = None,
        *,
        spec: Specification | None = None,
        clock: Clock | None = None,
        enhanced: bool = True,
        protocol_identifier: str = LAES_OID,
        cc_delivery_format: tuple[str, str] = ("cc-APDU", CC_DELIVERY_HEADER_OID),
        sequence_numbers: ContentSequenceNumbers | None = None,
        number_cc: bool = True,
    ) -> None:
        super().__init__(case_identity, iap_system_identity, spec, clock, sequence_numbers,
                         number_cc)
        self.enhanced = enhanced
        self.protocol_identifier = protocol_identifier
        self.cc_delivery_format = cc_delivery_format
        try:
            self._encode: Callable[[Any], bytes] = self.spec.encoder(LAES_PROTOCOL)
            self.messages = frozenset(
                c.name for c in self.spec.get_type(_LAES_MESSAGE).body.components)
        except Error:
            raise EncodeError("the specification has no T1S1-LAES-VoP-Abstract-Syntax-Module",
                              "spec") from None
        # A connection test checks the identifiers and the protocol identifier once.
        self.message("connTest", {"timestamp": generalized_time(0)})

    def message(self, name: str, fields: Mapping[str, Any] | None = None, *,
                time: int | datetime | None = None) -> bytes:
        """A LAESProtocol with the LaesMessage alternative ``name`` (ATIS-1000678
        ``LaesMessage``): ``caseId``, ``iAPSystemId`` (``reportingSystemId`` in
        surveillanceStatus) and ``timestamp`` are added where the message has them, unless
        ``fields`` gives them."""
        if name not in self.messages:
            raise EncodeError(
                f"{name!r} is not a LaesMessage alternative of the specification", "message"
            )
        fields = {} if fields is None else fields
        if name == "null-6":
            inner: Any = None
        else:
            inner = self._common(self._components(_LAES_MESSAGE, name), fields, time)
        if self.enhanced:
            return self._encode(("enhancedProtocol", {
                "protocolIdentifier": self.protocol_identifier,
                "laesMessage": (name, inner),
            }))
        return self._encode(("laesMessage", (name, inner)))

    def _message(self, name: str, fields: dict[str, Any], time: int | datetime | None,
                 signaling: Sequence[tuple[str, bytes | str]] | None,
                 more: Mapping[str, Any]) -> bytes:
        value = {k: v for k, v in fields.items() if v is not None}
        if signaling is not None:
            value["signalingMsg"] = signaling_messages(signaling)
        value.update(more)
        return self.message(name, value, time=time)

    # -- call events -----------------------------------------------------------------------

    def origination(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, *,
        origination_cause: str,
        calling: str | Mapping[str, Any] | None = None,
        called: str | Mapping[str, Any] | None = None,
        user_input: str | Mapping[str, Any] | None = None,
        translation_input: str | Mapping[str, Any] | None = None,
        subject_media: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``origination`` (ATIS-1000678 ``Origination``): the subject places the call
        ``call_id`` (``CallIdentity``). Exactly one of ``user_input`` / ``translation_input``
        is given (text for ``generic``, a party for ``specific``); ``origination_cause`` is
        the mandatory ``originationCause`` (VisibleString)."""
        return self._message("origination", {
            "callId": _call(call_id),
            "calling": None if calling is None else party_identity(calling, "calling"),
            "called": None if called is None else party_identity(called, "called"),
            "input": _input(user_input, translation_input),
            "subjectMedia": (None if subject_media is None
                             else media_information(subject_media, "subjectMedia")),
            "originationCause": origination_cause,
        }, time, signaling, more)

    def termination_attempt(
        self, call_id: str | Mapping[str, str] | ContentIdentifier,
        calling: str | Mapping[str, Any], *,
        called: str | Mapping[str, Any] | None = None,
        associate_media: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``termAttempt`` (ATIS-1000678 ``TerminationAttempt``): a call from ``calling``
        arrives for the subject."""
        return self._message("termAttempt", {
            "callId": _call(call_id),
            "calling": party_identity(calling, "calling"),
            "called": None if called is None else party_identity(called, "called"),
            "associateMedia": (None if associate_media is None
                               else media_information(associate_media, "associateMedia")),
        }, time, signaling, more)

    def answer(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, *,
        answering: str | Mapping[str, Any] | None = None,
        answering_media: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``answer`` (ATIS-1000678 ``Answer``): the call was answered by ``answering``."""
        return self._message("answer", {
            "callId": _call(call_id),
            "answering": None if answering is None else party_identity(answering, "answering"),
            "answeringMedia": (None if answering_media is None
                               else media_information(answering_media, "answeringMedia")),
        }, time, signaling, more)

    def release(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, *,
        cause: Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``release`` (ATIS-1000678 ``Release``): the call ended (``cause``: a ``Cause``
        value ``{signalingType, cause?}``)."""
        return self._message("release", {
            "callId": _call(call_id),
            "cause": None if cause is None else dict(cause),
        }, time, signaling, more)

    def redirection(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, *,
        new_call_id: str | Mapping[str, str] | ContentIdentifier | None = None,
        redirected_from: str | Mapping[str, Any] | None = None,
        redirected_to: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``redirection`` (ATIS-1000678 ``Redirection``): the call is forwarded."""
        return self._message("redirection", {
            "callId": _call(call_id),
            "newCallId": None if new_call_id is None else _call(new_call_id, "newCallId"),
            "redirectedFrom": (None if redirected_from is None
                               else party_identity(redirected_from, "redirectedFrom")),
            "redirectedTo": (None if redirected_to is None
                             else party_identity(redirected_to, "redirectedTo")),
        }, time, signaling, more)

    def media_and_address_reporting(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, *,
        subject_media: str | Mapping[str, Any] | None = None,
        associate_media: Sequence[str | Mapping[str, Any]] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``mediaAndAddressReporting`` (ATIS-1000678 ``MediaAndAddressReporting``): the
        media (SDP) of the subject and of the associates."""
        return self._message("mediaAndAddressReporting", {
            "callId": _call(call_id),
            "subjectMedia": (None if subject_media is None
                             else media_information(subject_media, "subjectMedia")),
            "associateMedia": (None if associate_media is None else
                               [media_information(m, f"associateMedia[{i}]")
                                for i, m in enumerate(associate_media)]),
        }, time, signaling, more)

    def dialed_digit_extraction(
        self, call_id: str | Mapping[str, str] | ContentIdentifier, digits: str, *,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``dialedDgtExtrn`` (ATIS-1000678 ``DialedDigitExtraction``): digits dialled
        during the call (VisibleString 1..32)."""
        return self._message("dialedDgtExtrn", {"callId": _call(call_id), "digits": digits},
                             time, None, more)

    def network_signal(
        self, call_id: str | Mapping[str, str] | ContentIdentifier | None = None, *,
        signaled_to: str | Mapping[str, Any] | None = None,
        alerting_signal: str | None = None, audible_signal: str | None = None,
        terminal_display_info: Mapping[str, str] | None = None, other: str | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``networkSignal`` (ATIS-1000678 ``NetworkSignal``): signals the network applies
        to the subject."""
        return self._message("networkSignal", {
            "callId": None if call_id is None else _call(call_id),
            "signaledToPartyId": (None if signaled_to is None
                                  else party_identity(signaled_to, "signaledToPartyId")),
            "alertingSignal": alerting_signal,
            "subjectAudibleSignal": audible_signal,
            "terminalDisplayInfo": (None if terminal_display_info is None
                                    else dict(terminal_display_info)),
            "other": other,
        }, time, signaling, more)

    def subject_signal(
        self, *, user_input: str | Mapping[str, Any] | None = None,
        translation_input: str | Mapping[str, Any] | None = None,
        call_id: str | Mapping[str, str] | ContentIdentifier | None = None,
        switchhook_flash: str | None = None, dialed_digits: str | None = None,
        feature_key: str | None = None, other_signaling_information: str | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``subjectSignal`` (ATIS-1000678 ``SubjectSignal``): the subject signals; the
        mandatory ``input`` as in :meth:`origination`, the ``signal`` members as given."""
        signal = {k: v for k, v in {
            "switchhookFlash": switchhook_flash, "dialedDigits": dialed_digits,
            "featureKey": feature_key, "otherSignalingInformation": other_signaling_information,
        }.items() if v is not None}
        return self._message("subjectSignal", {
            "callId": None if call_id is None else _call(call_id),
            "input": _input(user_input, translation_input),
            "signal": signal,
        }, time, signaling, more)

    # -- call content ----------------------------------------------------------------------

    def cc_open(
        self, content_identifier: ContentIdentifierLike,
        delivery_identifier: DeliveryIdentifierLike, *,
        subject_media: str | Mapping[str, Any] | None = None,
        associate_media: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``ccOpen`` (ATIS-1000678 ``CCOpen``): call content of the call starts to flow.
        ``content_identifier`` is what every CC-APDU of it carries (:meth:`cc_apdu`
        ``correlation=``); ``delivery_identifier`` the CCC (``cccId``) or address it goes
        to; ``ccDeliveryFormat`` is this object's ``cc_delivery_format``."""
        return self._message("ccOpen", {
            "contentIdentifier": _content_identifier(content_identifier),
            "deliveryIdentifier": _delivery(delivery_identifier),
            "ccDeliveryFormat": self.cc_delivery_format,
            "subjectMedia": (None if subject_media is None
                             else media_information(subject_media, "subjectMedia")),
            "associateMedia": (None if associate_media is None
                               else media_information(associate_media, "associateMedia")),
        }, time, signaling, more)

    def cc_change(
        self, content_identifier: ContentIdentifierLike,
        delivery_identifier: DeliveryIdentifierLike, *,
        subject_media: str | Mapping[str, Any] | None = None,
        associate_media: str | Mapping[str, Any] | None = None,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``ccChange`` (ATIS-1000678 ``CCChange``): the media of a CC stream changed."""
        return self._message("ccChange", {
            "contentIdentifier": _content_identifier(content_identifier),
            "deliveryIdentifier": _delivery(delivery_identifier),
            "subjectMedia": (None if subject_media is None
                             else media_information(subject_media, "subjectMedia")),
            "associateMedia": (None if associate_media is None
                               else media_information(associate_media, "associateMedia")),
        }, time, signaling, more)

    def cc_close(
        self, content_identifier: ContentIdentifierLike,
        delivery_identifier: DeliveryIdentifierLike, *,
        signaling: Sequence[tuple[str, bytes | str]] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``ccClose`` (ATIS-1000678 ``CCClose``): the CC stream ends."""
        return self._message("ccClose", {
            "contentIdentifier": _content_identifier(content_identifier),
            "deliveryIdentifier": _delivery(delivery_identifier),
        }, time, signaling, more)

    def direct_signal_reporting(
        self, correlation_id: bytes | ContentIdentifier,
        signaling: Sequence[tuple[str, bytes | str]], *,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``directSignalReporting`` (ATIS-1000678 ``DirectSignalReporting``): the call's
        signalling messages as intercepted (e.g. ``[("SIP", b"INVITE ...")]``), tied to the
        call by ``correlation_id`` (``CorrelationIdentifier`` octets)."""
        content = _content_identifier(correlation_id, "correlationID")
        if content[0] != "correlationID":
            raise EncodeError("directSignalReporting needs correlationID octets",
                              "correlationID")
        return self._message("directSignalReporting", {"correlationID": content[1]},
                             time, signaling, more)

    def surveillance_status(
        self, event_type: str, current_status: str, *,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``surveillanceStatus`` (ATIS-1000678 ``SurveillanceStatus``): ``statusEventType``
        (activation, deactivation, change, scheduledReport) and ``currentStatus``
        (fullyActive, partiallyActive, inactive)."""
        return self._message("surveillanceStatus", {
            "statusEventType": event_type, "currentStatus": current_status,
        }, time, None, more)

    def connection_test(self, memo: str | None = None, *,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``connTest`` (ATIS-1000678 ``ConnectionTest``) with an optional ``memo``."""
        return self._message("connTest", {"memo": memo}, time, None, more)


# ---------------------------------------------------------------------------------------------
# ATIS-1000013: IasProtocol
# ---------------------------------------------------------------------------------------------

_CMII: Final = "IAS-LAES-CmII-Abstract-Syntax-Module"
_IAS_MESSAGE: Final = f"{_CMII}.IasMessage"
_IAS_OID_TYPE: Final = f"{_CMII}.{_CMII}-OID"
_IAS_OPTIONAL_MESSAGE: Final = (
    "IAS-LAES-CmII-Optional-Messages-Abstract-Syntax-Module.IasOptionalMessage"
)


class IASRecords(_AtisRecords):
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

    _cc_type = IAS_CC_APDU

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
                         number_cc)
        self.protocol_identifier = protocol_identifier
        self.optional_protocol_identifier = optional_protocol_identifier
        self.cc_delivery_format = cc_delivery_format
        try:
            self._encode: Callable[[Any], bytes] = self.spec.encoder(IAS_PROTOCOL)
            self.messages = frozenset(
                c.name for c in self.spec.get_type(_IAS_MESSAGE).body.components)
        except Error:
            raise EncodeError("the specification has no IAS-LAES-CmII-Abstract-Syntax-Module",
                              "spec") from None
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
            "contentIdentifier": _content_identifier(
                content_identifier, "deliveryInformation.contentIdentifier"),
            "deliveryIdentifier": _delivery(delivery_identifier,
                                            "deliveryInformation.deliveryIdentifier"),
            "ccDeliveryFormat": self.cc_delivery_format,
        }

    # -- access sessions -------------------------------------------------------------------

    def access_attempt(self, subscriber: str | int | bytes | tuple[str, Any], *,
                       access_method: Mapping[str, Any] | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Attempt`` (ATIS-1000013 ``Access-Attempt``): the subscriber tries to get
        network access."""
        return self._message("access-Attempt", {
            "subscriberIdentity": ias_value(subscriber),
            "accessMethod": None if access_method is None else dict(access_method),
        }, time, more)

    def access_accepted(self, subscriber: str | int | bytes | tuple[str, Any],
                        access_session_id: str | int | bytes | tuple[str, Any], *,
                        ip_address: str | Mapping[str, Any] | None = None,
                        access_method: Mapping[str, Any] | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Accepted`` (ATIS-1000013 ``Access-Accepted``): access granted, session
        ``access_session_id``."""
        return self._message("access-Accepted", {
            "subscriberIdentity": ias_value(subscriber),
            "accessMethod": None if access_method is None else dict(access_method),
            "iPAddress": None if ip_address is None else ias_ip_address(ip_address),
            "accessSessionID": ias_value(access_session_id),
        }, time, more)

    def access_failed(self, subscriber: str | int | bytes | tuple[str, Any], *,
                      reason: str | int | bytes | tuple[str, Any] | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Failed`` (ATIS-1000013 ``Access-Failed``)."""
        return self._message("access-Failed", {
            "subscriberIdentity": ias_value(subscriber),
            "reasonForTermination": None if reason is None else ias_value(reason),
        }, time, more)

    def access_rejected(self, subscriber: str | int | bytes | tuple[str, Any], *,
                        reason: str | int | bytes | tuple[str, Any] | None = None,
                        time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Rejected`` (ATIS-1000013 ``Access-Rejected``)."""
        return self._message("access-Rejected", {
            "subscriberIdentity": ias_value(subscriber),
            "reasonForTermination": None if reason is None else ias_value(reason),
        }, time, more)

    def access_session_end(self, subscriber: str | int | bytes | tuple[str, Any],
                           access_session_id: str | int | bytes | tuple[str, Any], *,
                           ip_address: str | Mapping[str, Any] | None = None,
                           reason: str | int | bytes | tuple[str, Any] | None = None,
                           time: int | datetime | None = None, **more: Any) -> bytes:
        """``access-Session-End`` (ATIS-1000013 ``Access-Session-End``)."""
        return self._message("access-Session-End", {
            "subscriberIdentity": ias_value(subscriber),
            "iPAddress": None if ip_address is None else ias_ip_address(ip_address),
            "accessSessionID": ias_value(access_session_id),
            "reasonForTermination": None if reason is None else ias_value(reason),
        }, time, more)

    def access_signaling_message_report(
        self, messages: Sequence[tuple[str, str]], *,
        access_session_id: str | int | bytes | tuple[str, Any] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``access-Signaling-Message-Report`` (ATIS-1000013): intercepted access signalling
        as ``(messageType, message)`` pairs, messageType radius, diameter, xml, asndot1 or
        other."""
        return self._message("access-Signaling-Message-Report", {
            "accessSessionID": (None if access_session_id is None
                                else ias_value(access_session_id)),
            "signalingMsg": [{"messageType": t, "message": m} for t, m in messages],
        }, time, more)

    # -- packet data sessions --------------------------------------------------------------

    def session_start(self, subscriber: str | int | bytes | tuple[str, Any],
                      packet_data_session_id: str | int | bytes | tuple[str, Any],
                      ip_address: str | Mapping[str, Any], *,
                      access_session_id: str | int | bytes | tuple[str, Any] | None = None,
                      delivery: tuple[ContentIdentifierLike, DeliveryIdentifierLike]
                      | None = None,
                      time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-Start`` (ATIS-1000013 ``Packet-Data-Session-Start``): a packet data
        session starts; ``delivery`` = (content identifier, delivery identifier) gives its
        ``deliveryInformation`` (:meth:`delivery_information`)."""
        return self._message("session-Start", {
            "subscriberIdentity": ias_value(subscriber),
            "accessSessionID": (None if access_session_id is None
                                else ias_value(access_session_id)),
            "packetDataSessionID": ias_value(packet_data_session_id),
            "iPAddress": ias_ip_address(ip_address),
            "deliveryInformation": (None if delivery is None
                                    else self.delivery_information(*delivery)),
        }, time, more)

    def session_already_established(
        self, subscriber: str | int | bytes | tuple[str, Any],
        packet_data_session_id: str | int | bytes | tuple[str, Any],
        ip_address: str | Mapping[str, Any], *,
        access_session_id: str | int | bytes | tuple[str, Any] | None = None,
        delivery: tuple[ContentIdentifierLike, DeliveryIdentifierLike] | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``session-Already-Established`` (ATIS-1000013): as :meth:`session_start`, for a
        session that was running when the surveillance began."""
        return self._message("session-Already-Established", {
            "subscriberIdentity": ias_value(subscriber),
            "accessSessionID": (None if access_session_id is None
                                else ias_value(access_session_id)),
            "packetDataSessionID": ias_value(packet_data_session_id),
            "iPAddress": ias_ip_address(ip_address),
            "deliveryInformation": (None if delivery is None
                                    else self.delivery_information(*delivery)),
        }, time, more)

    def session_failed(self, subscriber: str | int | bytes | tuple[str, Any], *,
                       reason: str | int | bytes | tuple[str, Any] | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-Failed`` (ATIS-1000013 ``Packet-Data-Session-Failed``)."""
        return self._message("session-Failed", {
            "subscriberIdentity": ias_value(subscriber),
            "reasonForTermination": None if reason is None else ias_value(reason),
        }, time, more)

    def session_end(self, subscriber: str | int | bytes | tuple[str, Any],
                    packet_data_session_id: str | int | bytes | tuple[str, Any],
                    ip_address: str | Mapping[str, Any], *,
                    reason: str | int | bytes | tuple[str, Any] | None = None,
                    time: int | datetime | None = None, **more: Any) -> bytes:
        """``session-End`` (ATIS-1000013 ``Packet-Data-Session-End``)."""
        return self._message("session-End", {
            "subscriberIdentity": ias_value(subscriber),
            "packetDataSessionID": ias_value(packet_data_session_id),
            "iPAddress": ias_ip_address(ip_address),
            "reasonForTermination": None if reason is None else ias_value(reason),
        }, time, more)

    def data_header_report(
        self, content_identifier: ContentIdentifierLike, *,
        stream_id: str | int | bytes | tuple[str, Any],
        source: str | Mapping[str, Any], destination: str | Mapping[str, Any],
        source_port: int | str | None = None, destination_port: int | str | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``data-Header-Report`` (ATIS-1000013 ``Packet-Data-Header-Report``): the header of
        a packet stream (``HeaderSet``; ports are text, as ``PortNumber ::= UTF8String``)."""
        header = {k: v for k, v in {
            "streamID": ias_value(stream_id),
            "sourceIPaddress": ias_ip_address(source),
            "destinationIPaddress": ias_ip_address(destination),
            "sourcePortNumber": _port(source_port),
            "destinationPortNumber": _port(destination_port),
        }.items() if v is not None}
        return self._message("data-Header-Report", {
            "contentIdentifier": _content_identifier(content_identifier),
            "headerSet": header,
        }, time, more)

    def data_summary_report(
        self, content_identifier: ContentIdentifierLike, *,
        stream_id: str | int | bytes | tuple[str, Any],
        source: str | Mapping[str, Any], destination: str | Mapping[str, Any],
        packet_count: int,
        source_port: int | str | None = None, destination_port: int | str | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``data-Summary-Report`` (ATIS-1000013 ``Packet-Data-Summary-Report``): the packet
        count of a stream (``StreamSet``)."""
        stream = {k: v for k, v in {
            "streamID": ias_value(stream_id),
            "sourceIPaddress": ias_ip_address(source),
            "destinationIPaddress": ias_ip_address(destination),
            "packetCount": packet_count,
            "sourcePortNumber": _port(source_port),
            "destinationPortNumber": _port(destination_port),
        }.items() if v is not None}
        return self._message("data-Summary-Report", {
            "contentIdentifier": _content_identifier(content_identifier),
            "streamSet": stream,
        }, time, more)
