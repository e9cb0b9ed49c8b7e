"""The LEMF's side of one ETSI TS 102 232-1 handover connection, sans-IO (HI2 or HI3).

:class:`ReceiverSession` frames and decodes the sender's PS-PDUs (TS 102 232-1 clause 6) and
answers its TRI requests (clause 6.4): keep-alives (6.4.5), PDU acknowledgement requests
(TRIPayload [12], [13]) and option requests (TRIPayload [9]..[11]). It never touches a socket
(in the style of ``h11``); the test LEMF (:mod:`lawful_intercept.lemf`) drives one per
connection. See docs/delivery.md, "the handover session".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..catalog import PS_PDU, default_specification
from ..errors import FramingError
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU
from ._events import (
    PDU_ACKNOWLEDGEMENT,
    AcknowledgementRequested,
    Event,
    OptionsNegotiated,
    PeerKeepAlive,
    PeerMessage,
    ProtocolViolation,
    RecordReceived,
)
from ._peer import Peer, TRIName, component_names, option_names, sequence_number

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["ReceiverSession"]


class ReceiverSession(Peer):
    """The LEMF's side of one TS 102 232-1 handover connection (sans-IO).

    Frames and decodes the sender's PS-PDUs (:class:`RecordReceived` for each record) and
    answers its TRI requests, each answer echoing the request's PSHeader and so its
    sequenceNumber: a keep-alive with a keep-aliveResponse (TS 102 232-1 6.4.5,
    :class:`PeerKeepAlive`), a pDUAcknowledgementRequest with a pDUAcknowledgementResponse
    (:class:`AcknowledgementRequested`; immediately with ``auto_acknowledge``, else on
    :meth:`acknowledge`), an optionRequest with an optionResponse accepting the requested
    options that are in ``options`` (an empty set declines everything) and declining the
    rest; the sender's optionComplete ends the negotiation (:class:`OptionsNegotiated`).

    One object per connection. ``pdu_type`` other than ``"PS-PDU"`` (an ATIS or PacketCable
    stream) has no TRI PDUs: every PDU that decodes is a :class:`RecordReceived`.
    """

    def __init__(
        self,
        spec: Specification | None = None,
        *,
        pdu_type: str = PS_PDU,
        options: Iterable[str] = (PDU_ACKNOWLEDGEMENT,),
        auto_acknowledge: bool = True,
        answer_keep_alives: bool = True,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    ) -> None:
        super().__init__(spec if spec is not None else default_specification(), max_pdu_size,
                         pdu_type)
        self.options = frozenset(options)
        self.auto_acknowledge = auto_acknowledge
        self.answer_keep_alives = answer_keep_alives
        self._out: list[bytes] = []
        self._failed = False
        self._since_request = 0
        self._negotiated: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self.records = 0
        """Number of :class:`RecordReceived` events so far."""
        # a module without options: every request is declined
        self._known_options = component_names(self.spec, "Option")

    @property
    def failed(self) -> bool:
        """Whether a :class:`ProtocolViolation` stopped the session."""
        return self._failed

    def eof(self) -> None:
        """The sender closed the connection: a :class:`ProtocolViolation` if it stopped
        inside a PDU (TS 102 232-1 clause 6)."""
        if self._failed:
            return
        try:
            self._reader.eof()
        except FramingError as exc:
            self._fail(ProtocolViolation(f"the stream ended inside a PDU: {exc}", exc.offset))

    def acknowledge(self, request: AcknowledgementRequested) -> None:
        """Queue the pDUAcknowledgementResponse to ``request`` (without ``auto_acknowledge``:
        once the records before it are stored)."""
        self._reply(request.pdu, (TRIName.ACK_RESPONSE, None))

    def data_to_send(self) -> bytes:
        """The octets to write to the sender (answers), ``b""`` if none."""
        data = b"".join(self._out)
        self._out.clear()
        return data

    def _stopped(self) -> bool:
        return self._failed

    def _fail(self, event: Event) -> None:
        self._failed = True
        self._events.append(event)

    def _queue_answer(self, data: bytes) -> None:
        if not self._failed:
            self._out.append(data)

    def _handle(self, pdu: PDU, tri: tuple[str, Any] | None) -> None:
        name = tri[0] if tri is not None else None
        if name == TRIName.KEEP_ALIVE and self.answer_keep_alives:
            self._reply(pdu, (TRIName.KEEP_ALIVE_RESPONSE, None))
            self._events.append(PeerKeepAlive(sequence_number(pdu)))
        elif name == TRIName.ACK_REQUEST:
            event = AcknowledgementRequested(sequence_number(pdu), self._since_request, pdu)
            self._since_request = 0
            if self.auto_acknowledge:
                self.acknowledge(event)
            self._events.append(event)
        elif name == TRIName.OPTION_REQUEST and tri is not None:
            requested = tri[1].get("requestedOptions", []) if isinstance(tri[1], dict) else []
            known = self._known_options
            accepted = [o for o in requested if o[0] in known and o[0] in self.options]
            # An option of a newer module version cannot be written back: it is left out of
            # both lists (not accepted, so declined for the sender).
            declined = [o for o in requested if o[0] in known and o not in accepted]
            self._negotiated = (option_names(accepted), option_names(declined))
            self._reply(pdu, (TRIName.OPTION_RESPONSE, {"acceptedOptions": accepted,
                                                         "declinedOptions": declined}))
        elif name == TRIName.OPTION_COMPLETE and self._negotiated is not None:
            accepted_names, declined_names = self._negotiated
            self._negotiated = None
            self._events.append(OptionsNegotiated(accepted_names, declined_names))
        elif name in TRIName.ANSWERS:
            self._events.append(PeerMessage(pdu))
        else:
            self.records += 1
            self._since_request += 1
            self._events.append(RecordReceived(pdu))
