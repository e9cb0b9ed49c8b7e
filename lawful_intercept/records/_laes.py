"""ATIS-1000678 (T1.678, "Lawfully Authorized Electronic Surveillance for Voice over Packet"):
:class:`LAESRecords`, the LAESProtocol call-data messages of a call and its CC-APDUs (see
docs/records.md, "ATIS")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, cast

from ..asn1c import Specification
from ..catalog import CC_APDU, LAES_PROTOCOL
from ..correlation import Clock, generalized_time
from ..errors import EncodeError
from ._atis import (
    AtisRecords,
    DeliveryIdentifierLike,
    checked_delivery_identifier,
)
from ._atis_ids import (
    ContentIdentifier,
    ContentIdentifierLike,
    ContentSequenceNumbers,
    atis_call_identity,
    checked_content_identifier,
)
from ._values import network_signals, relabel

__all__ = [
    "CC_DELIVERY_HEADER_OID",
    "LAES_OID",
    "CallIdentityLike",
    "LAESRecords",
    "MediaLike",
    "PartyIdentityLike",
    "SignalingMessages",
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

CallIdentityLike = str | Mapping[str, str] | ContentIdentifier
"""A ``CallIdentity`` (ATIS-1000678): its ``main`` text, a ``{"main", "leg"}`` dict or an
:func:`~lawful_intercept.records.atis_call_identity` value."""
PartyIdentityLike = str | Mapping[str, Any]
"""A ``PartyIdentity`` (ATIS-1000678): a URI or directory number, or the value itself (see
:func:`party_identity`)."""
MediaLike = str | Mapping[str, Any]
"""A ``MediaInformation`` (ATIS-1000678): SDP text or the value itself (see
:func:`media_information`)."""
SignalingMessages = Sequence[tuple[str, bytes | str]]
"""Intercepted signalling as ``(protocol, message)`` pairs (see :func:`signaling_messages`)."""

def party_identity(value: PartyIdentityLike, path: str = "partyIdentity") -> dict[str, Any]:
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


def media_information(value: MediaLike, path: str = "media") -> dict[str, Any]:
    """A ``MediaInformation`` (ATIS-1000678): a ``str`` is an SDP description
    (``characteristics sdp``); a mapping is the MediaInformation value itself."""
    if isinstance(value, str):
        return {"characteristics": ("sdp", value)}
    if isinstance(value, Mapping):
        return dict(value)
    raise EncodeError(
        f"a MediaInformation must be SDP text (str) or a dict, got {type(value).__name__}", path
    )


def signaling_messages(messages: SignalingMessages, path: str = "signalingMsg"
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

_LAES_MESSAGE: Final = "T1S1-LAES-VoP-Abstract-Syntax-Module.LaesMessage"


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
        raise relabel(exc, "contentIdentifier.callID", path) from None
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


class LAESRecords(AtisRecords):
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
        self.enhanced = enhanced
        super().__init__(case_identity, iap_system_identity, spec, clock, sequence_numbers,
                         number_cc, cc_type=CC_APDU, messages=(LAES_PROTOCOL, _LAES_MESSAGE),
                         protocol_identifier=protocol_identifier,
                         cc_delivery_format=cc_delivery_format)
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
                 signaling: SignalingMessages | None,
                 more: Mapping[str, Any]) -> bytes:
        value = {k: v for k, v in fields.items() if v is not None}
        if signaling is not None:
            value["signalingMsg"] = signaling_messages(signaling)
        value.update(more)
        return self.message(name, value, time=time)

    # -- call events -----------------------------------------------------------------------

    def origination(self, call_id: CallIdentityLike, *, origination_cause: str,
                    calling: PartyIdentityLike | None = None,
                    called: PartyIdentityLike | None = None,
                    user_input: PartyIdentityLike | None = None,
                    translation_input: PartyIdentityLike | None = None,
                    subject_media: MediaLike | None = None,
                    signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                    **more: Any) -> bytes:
        """``origination`` (ATIS-1000678 ``Origination``): the subject places the call
        ``call_id`` (``CallIdentity``). Exactly one of ``user_input`` / ``translation_input``
        is given (text for ``generic``, a party for ``specific``); ``origination_cause`` is
        the mandatory ``originationCause`` (VisibleString)."""
        return self._message("origination", {
            "callId": _call(call_id),
            "calling": _optional_party(calling, "calling"),
            "called": _optional_party(called, "called"),
            "input": _input(user_input, translation_input),
            "subjectMedia": _optional_media(subject_media, "subjectMedia"),
            "originationCause": origination_cause,
        }, time, signaling, more)

    def termination_attempt(self, call_id: CallIdentityLike, calling: PartyIdentityLike, *,
                            called: PartyIdentityLike | None = None,
                            associate_media: MediaLike | None = None,
                            signaling: SignalingMessages | None = None,
                            time: int | datetime | None = None, **more: Any) -> bytes:
        """``termAttempt`` (ATIS-1000678 ``TerminationAttempt``): a call from ``calling``
        arrives for the subject."""
        return self._message("termAttempt", {
            "callId": _call(call_id),
            "calling": party_identity(calling, "calling"),
            "called": _optional_party(called, "called"),
            "associateMedia": _optional_media(associate_media, "associateMedia"),
        }, time, signaling, more)

    def answer(self, call_id: CallIdentityLike, *, answering: PartyIdentityLike | None = None,
               answering_media: MediaLike | None = None, signaling: SignalingMessages | None = None,
               time: int | datetime | None = None, **more: Any) -> bytes:
        """``answer`` (ATIS-1000678 ``Answer``): the call was answered by ``answering``."""
        return self._message("answer", {
            "callId": _call(call_id),
            "answering": _optional_party(answering, "answering"),
            "answeringMedia": _optional_media(answering_media, "answeringMedia"),
        }, time, signaling, more)

    def release(self, call_id: CallIdentityLike, *, cause: Mapping[str, Any] | None = None,
                signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                **more: Any) -> bytes:
        """``release`` (ATIS-1000678 ``Release``): the call ended (``cause``: a ``Cause``
        value ``{signalingType, cause?}``)."""
        return self._message("release", {
            "callId": _call(call_id),
            "cause": None if cause is None else dict(cause),
        }, time, signaling, more)

    def redirection(self, call_id: CallIdentityLike, *, new_call_id: CallIdentityLike | None = None,
                    redirected_from: PartyIdentityLike | None = None,
                    redirected_to: PartyIdentityLike | None = None,
                    signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                    **more: Any) -> bytes:
        """``redirection`` (ATIS-1000678 ``Redirection``): the call is forwarded."""
        return self._message("redirection", {
            "callId": _call(call_id),
            "newCallId": None if new_call_id is None else _call(new_call_id, "newCallId"),
            "redirectedFrom": _optional_party(redirected_from, "redirectedFrom"),
            "redirectedTo": _optional_party(redirected_to, "redirectedTo"),
        }, time, signaling, more)

    def media_and_address_reporting(
        self, call_id: CallIdentityLike, *,
        subject_media: MediaLike | None = None,
        associate_media: Sequence[str | Mapping[str, Any]] | None = None,
        signaling: SignalingMessages | None = None,
        time: int | datetime | None = None, **more: Any,
    ) -> bytes:
        """``mediaAndAddressReporting`` (ATIS-1000678 ``MediaAndAddressReporting``): the
        media (SDP) of the subject and of the associates."""
        return self._message("mediaAndAddressReporting", {
            "callId": _call(call_id),
            "subjectMedia": _optional_media(subject_media, "subjectMedia"),
            "associateMedia": (None if associate_media is None else
                               [media_information(m, f"associateMedia[{i}]")
                                for i, m in enumerate(associate_media)]),
        }, time, signaling, more)

    def dialed_digit_extraction(self, call_id: CallIdentityLike, digits: str, *,
                                time: int | datetime | None = None, **more: Any) -> bytes:
        """``dialedDgtExtrn`` (ATIS-1000678 ``DialedDigitExtraction``): digits dialled
        during the call (VisibleString 1..32)."""
        return self._message("dialedDgtExtrn", {"callId": _call(call_id), "digits": digits},
                             time, None, more)

    def network_signal(self, call_id: CallIdentityLike | None = None, *,
                       signaled_to: PartyIdentityLike | None = None,
                       alerting_signal: str | None = None, audible_signal: str | None = None,
                       terminal_display_info: Mapping[str, str] | None = None,
                       other: str | None = None, signaling: SignalingMessages | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
        """``networkSignal`` (ATIS-1000678 ``NetworkSignal``): signals the network applies
        to the subject."""
        return self._message("networkSignal", {
            "callId": None if call_id is None else _call(call_id),
            "signaledToPartyId": _optional_party(signaled_to, "signaledToPartyId"),
            **network_signals(alerting_signal, audible_signal, terminal_display_info, other),
        }, time, signaling, more)

    def subject_signal(self, *, user_input: PartyIdentityLike | None = None,
                       translation_input: PartyIdentityLike | None = None,
                       call_id: CallIdentityLike | None = None, switchhook_flash: str | None = None,
                       dialed_digits: str | None = None, feature_key: str | None = None,
                       other_signaling_information: str | None = None,
                       signaling: SignalingMessages | None = None,
                       time: int | datetime | None = None, **more: Any) -> bytes:
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

    def cc_open(self, content_identifier: ContentIdentifierLike,
                delivery_identifier: DeliveryIdentifierLike, *,
                subject_media: MediaLike | None = None, associate_media: MediaLike | None = None,
                signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                **more: Any) -> bytes:
        """``ccOpen`` (ATIS-1000678 ``CCOpen``): call content of the call starts to flow.
        ``content_identifier`` is what every CC-APDU of it carries (:meth:`cc_apdu`
        ``correlation=``); ``delivery_identifier`` the CCC (``cccId``) or address it goes
        to; ``ccDeliveryFormat`` is this object's ``cc_delivery_format``."""
        return self._cc_message("ccOpen", content_identifier, delivery_identifier, {
            "ccDeliveryFormat": self.cc_delivery_format,
            "subjectMedia": _optional_media(subject_media, "subjectMedia"),
            "associateMedia": _optional_media(associate_media, "associateMedia"),
        }, time, signaling, more)

    def cc_change(self, content_identifier: ContentIdentifierLike,
                  delivery_identifier: DeliveryIdentifierLike, *,
                  subject_media: MediaLike | None = None, associate_media: MediaLike | None = None,
                  signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                  **more: Any) -> bytes:
        """``ccChange`` (ATIS-1000678 ``CCChange``): the media of a CC stream changed."""
        return self._cc_message("ccChange", content_identifier, delivery_identifier, {
            "subjectMedia": _optional_media(subject_media, "subjectMedia"),
            "associateMedia": _optional_media(associate_media, "associateMedia"),
        }, time, signaling, more)

    def cc_close(self, content_identifier: ContentIdentifierLike,
                 delivery_identifier: DeliveryIdentifierLike, *,
                 signaling: SignalingMessages | None = None, time: int | datetime | None = None,
                 **more: Any) -> bytes:
        """``ccClose`` (ATIS-1000678 ``CCClose``): the CC stream ends."""
        return self._cc_message("ccClose", content_identifier, delivery_identifier, {},
                                time, signaling, more)

    def _cc_message(self, name: str, content_identifier: ContentIdentifierLike,
                    delivery_identifier: DeliveryIdentifierLike, fields: dict[str, Any],
                    time: int | datetime | None, signaling: SignalingMessages | None,
                    more: Mapping[str, Any]) -> bytes:
        """A message about a CC stream (ATIS-1000678 ``CCOpen``, ``CCChange``, ``CCClose``):
        its contentIdentifier and deliveryIdentifier, then ``fields``."""
        return self._message(name, {
            "contentIdentifier": checked_content_identifier(content_identifier),
            "deliveryIdentifier": checked_delivery_identifier(delivery_identifier),
            **fields,
        }, time, signaling, more)

    def direct_signal_reporting(self, correlation_id: bytes | ContentIdentifier,
                                signaling: SignalingMessages, *, time: int | datetime | None = None,
                                **more: Any) -> bytes:
        """``directSignalReporting`` (ATIS-1000678 ``DirectSignalReporting``): the call's
        signalling messages as intercepted (e.g. ``[("SIP", b"INVITE ...")]``), tied to the
        call by ``correlation_id`` (``CorrelationIdentifier`` octets)."""
        content = checked_content_identifier(correlation_id, "correlationID")
        if content[0] != "correlationID":
            raise EncodeError("directSignalReporting needs correlationID octets",
                              "correlationID")
        return self._message("directSignalReporting", {"correlationID": content[1]},
                             time, signaling, more)

    def surveillance_status(self, event_type: str, current_status: str, *,
                            time: int | datetime | None = None, **more: Any) -> bytes:
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


def _optional_party(value: PartyIdentityLike | None, path: str) -> dict[str, Any] | None:
    return None if value is None else party_identity(value, path)


def _optional_media(value: MediaLike | None, path: str) -> dict[str, Any] | None:
    return None if value is None else media_information(value, path)
