"""The events a handover session reports (the ``h11`` event model; see docs/delivery.md).

A :class:`~lawful_intercept.delivery.HandoverSession` (the sender, TS 102 232-1 clause 6)
and a :class:`~lawful_intercept.delivery.ReceiverSession` (the LEMF) turn what they read and
what time it is into these immutable values; the transport takes them with ``next_event()``
or ``events()`` and acts on them. An event is a fact about the connection, never an
exception: :class:`ProtocolViolation` is the *peer's* violation of the protocol, reported,
while :class:`~lawful_intercept.errors.LocalProtocolError` is *our caller's* misuse, raised.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Final, Literal

from ..stream import PDU

__all__ = [
    "PDU_ACKNOWLEDGEMENT",
    "Acknowledged",
    "AcknowledgementRequested",
    "DeliveryBasis",
    "Event",
    "KeepAliveFailed",
    "OptionsNegotiated",
    "PeerKeepAlive",
    "PeerMessage",
    "ProtocolViolation",
    "RecordReceived",
    "ResendNeeded",
]

PDU_ACKNOWLEDGEMENT: Final = "pDUAcknowledgement"
"""The ``Option`` alternative that turns PDU acknowledgement on (LI-PS-PDU ``Option [0]``,
negotiated with the TRIPayload optionRequest [9] of TS 102 232-1 clause 6.4)."""

DeliveryBasis = Literal["acknowledgement", "keep-alive", "close"]
"""Why records count as delivered (see :class:`Acknowledged`)."""


class Event:
    """Base class of everything a session reports (the ``h11`` event model).

    The sender (:class:`~lawful_intercept.delivery.HandoverSession`) reports
    :class:`Acknowledged`, :class:`ResendNeeded` and :class:`KeepAliveFailed`; the receiver
    (:class:`~lawful_intercept.delivery.ReceiverSession`) :class:`RecordReceived` and
    :class:`AcknowledgementRequested`; both :class:`ProtocolViolation`,
    :class:`PeerKeepAlive`, :class:`OptionsNegotiated` and :class:`PeerMessage`."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Acknowledged(Event):
    """Records that count as delivered: the spool may delete them (sender side).

    ``basis`` says why, strongest first:

    * ``"acknowledgement"``: the peer answered a pDUAcknowledgementRequest written after
      them (TS 102 232-1 TRIPayload [12]/[13]; the library's reading, see docs/delivery.md).
    * ``"keep-alive"``: without acknowledgement, the peer answered a keep-alive written after
      them (TS 102 232-1 6.4.5). TCP delivers in order, so the peer has read them off the
      connection; that it stored them is not proven.
    * ``"close"``: on a stream with neither (no TRI PDUs: ATIS, PacketCable, a PS-PDU
      stream without a TRI builder), the peer answered our orderly close: its TLS
      close_notify in answer to ours (RFC 8446 6.1, RFC 5246 7.2.1), or over plain TCP its
      FIN in answer to ours, both after every octet written before them
      (:meth:`HandoverSession.close_confirmed`). A connection that merely stayed up proves
      nothing: such records stay pending until then.
    """

    record_ids: tuple[Hashable, ...]
    basis: DeliveryBasis


@dataclass(frozen=True, slots=True)
class ResendNeeded(Event):
    """The connection was lost: these records may not have arrived and must be sent again
    (sender side), in this order, on the next connection. The peer may then receive some
    twice; a LEMF removes duplicates by LIID, CIN and sequenceNumber (TS 102 232-1 5.2.5).

    They are every record accepted and not yet :class:`Acknowledged`: written and not yet
    proven delivered (no answer covering them), and never written. The
    session forgets them: it holds no record across a connection loss.
    """

    record_ids: tuple[Hashable, ...]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class KeepAliveFailed(Event):
    """The peer did not answer a TRI request within the wait: a keep-alive (TS 102 232-1
    6.4.5) or a pDUAcknowledgementRequest. The network or the peer has silently stopped; the
    transport must close the connection (the session has stopped writing) and reconnect."""

    request: str
    sequence_number: int
    sent_at: float
    now: float


@dataclass(frozen=True, slots=True)
class PeerKeepAlive(Event):
    """The peer sent a keep-alive (TS 102 232-1 6.4.5); a keep-aliveResponse with the same
    sequenceNumber is queued in :meth:`HandoverSession.data_to_send`."""

    sequence_number: int


@dataclass(frozen=True, slots=True)
class OptionsNegotiated(Event):
    """Option negotiation ended (TS 102 232-1 TRIPayload optionRequest [9], optionResponse
    [10], optionComplete [11]).

    ``accepted`` and ``declined`` are ``Option`` alternative names (an alternative of a newer
    module version appears as its tag, e.g. ``"[1]"``). ``answered`` is false when the peer
    did not answer the optionRequest within the wait: the sender then goes on without the
    options (a LEMF of an older version may ignore a TRIPayload it does not know).
    """

    accepted: tuple[str, ...]
    declined: tuple[str, ...]
    answered: bool = True

    @property
    def acknowledgement(self) -> bool:
        """Whether PDU acknowledgement is on for this connection."""
        return PDU_ACKNOWLEDGEMENT in self.accepted


@dataclass(frozen=True, slots=True)
class ProtocolViolation(Event):
    """The peer sent octets that are not a stream of PS-PDUs (framing, TS 102 232-1 clause
    6; X.690 8.1) or a PS-PDU that does not decode, or a request the session could not
    answer. The session stops; the transport must close the connection.

    The peer's violation, reported as an event (never raised); a wrong call of our own
    caller raises :class:`~lawful_intercept.errors.LocalProtocolError` instead. ``offset`` is
    where in the peer's stream the violation was found, when known."""

    reason: str
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class PeerMessage(Event):
    """A PS-PDU from the peer that the session does not handle itself: on the sender's side
    anything but the answers it waits for (an operatorLeaMessage, an unmatched
    keep-aliveResponse, ...); on the receiver's side a response it did not ask for."""

    pdu: PDU


@dataclass(frozen=True, slots=True)
class RecordReceived(Event):
    """A record arrived (receiver side): any PS-PDU except the TRI PDUs the session answers
    itself. ``pdu.value`` is the decoded PS-PDU, ``pdu.raw`` the octets as received."""

    pdu: PDU


@dataclass(frozen=True, slots=True)
class AcknowledgementRequested(Event):
    """The sender asked for an acknowledgement of everything it sent before this request
    (receiver side; TS 102 232-1 TRIPayload [12]). ``records`` is how many records arrived
    since the previous request. With ``auto_acknowledge`` the answer is already queued;
    otherwise call :meth:`ReceiverSession.acknowledge` once they are stored."""

    sequence_number: int
    records: int
    pdu: PDU
