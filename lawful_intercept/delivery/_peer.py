"""What both ends of a handover session share: framing and decoding of the peer's PS-PDUs
(TS 102 232-1 clause 6), the event queue, and the TRI answers that echo a request's header
(TS 102 232-1 clause 6.4). See docs/delivery.md, "the handover session".

The sender (:mod:`._sender`) and the receiver (:mod:`._receiver`) derive from :class:`Peer`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from ..catalog import PS_PDU
from ..errors import EncodeError, Error, FramingError
from ..stream import PDU, PDUReader
from ._events import Event, ProtocolViolation

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = [
    "TRI_PAYLOAD",
    "Peer",
    "TRIName",
    "component_names",
    "option_names",
    "sequence_number",
    "tri_payload",
    "undecodable",
]

TRI_PAYLOAD: Final = "tRIPayload"
"""The PS-PDU ``Payload`` alternative of the connection's housekeeping (TS 102 232-1 6.4)."""


class TRIName:
    """The TRIPayload alternatives the sessions write and answer (TS 102 232-1 clause 6.4):
    keep-alive and its response (6.4.5), option negotiation ([9] request, [10] response,
    [11] complete) and PDU acknowledgement ([12] request, [13] response)."""

    KEEP_ALIVE: Final = "keep-alive"
    KEEP_ALIVE_RESPONSE: Final = "keep-aliveResponse"
    OPTION_REQUEST: Final = "optionRequest"
    OPTION_RESPONSE: Final = "optionResponse"
    OPTION_COMPLETE: Final = "optionComplete"
    ACK_REQUEST: Final = "pDUAcknowledgementRequest"
    ACK_RESPONSE: Final = "pDUAcknowledgementResponse"
    ANSWERS: Final = frozenset({KEEP_ALIVE_RESPONSE, OPTION_RESPONSE, OPTION_COMPLETE,
                                ACK_RESPONSE})
    """The alternatives that answer a request (or end a negotiation)."""


def component_names(spec: Specification, type_name: str) -> frozenset[str]:
    """The alternatives (or members) of ``type_name`` in ``spec``; none when the
    specification lacks the type (e.g. ``TRIPayload`` or ``Option`` of an older LI-PS-PDU
    module)."""
    try:
        body = spec.get_type(type_name).body
    except Exception:  # no such type in these modules
        return frozenset()
    return frozenset(c.name for c in body.components)


def option_names(options: Iterable[Any]) -> tuple[str, ...]:
    """The alternative names of ``Option`` values (``("pDUAcknowledgement", None)`` or the
    bare name)."""
    names: list[str] = []
    for option in options:
        name = option[0] if isinstance(option, tuple) and option else option
        names.append(str(name))
    return tuple(names)


def tri_payload(pdu: PDU) -> tuple[str, Any] | None:
    """The TRIPayload alternative of a decoded PS-PDU, or ``None`` for other payloads."""
    payload = pdu.value.get("payload") if isinstance(pdu.value, dict) else None
    if isinstance(payload, tuple) and payload[0] == TRI_PAYLOAD and isinstance(payload[1], tuple):
        inner: tuple[str, Any] = payload[1]
        return inner
    return None


def sequence_number(pdu: PDU) -> int:
    """The PSHeader sequenceNumber of a decoded PS-PDU (TS 102 232-1 5.2.5)."""
    number = pdu.value["pSHeader"]["sequenceNumber"]
    return int(number)


def undecodable(pdu: PDU) -> ProtocolViolation:
    """The :class:`ProtocolViolation` of a framed PDU that did not decode."""
    error = pdu.error
    assert error is not None
    where = pdu.offset + (error.offset or 0)
    return ProtocolViolation(f"the peer sent a PDU that does not decode: {error}", where)


class Peer:
    """The base of both sides: reads the peer's octets as PDUs of ``pdu_type`` and queues
    events (TS 102 232-1 clause 6)."""

    def __init__(self, spec: Specification, max_pdu_size: int, pdu_type: str) -> None:
        self.spec = spec
        self.pdu_type = pdu_type
        """The ASN.1 type of the PDUs on this connection (``"PS-PDU"``, or e.g. an ATIS or
        PacketCable top-level type, which carry no TRI PDUs)."""
        self._max_pdu_size = max_pdu_size
        self._events: deque[Event] = deque()
        self._ps = pdu_type == PS_PDU
        try:
            spec.get_type(pdu_type)
        except Error as exc:
            raise ValueError(f"pdu_type: {exc}") from None
        self._encode = spec.encoder(PS_PDU) if self._ps else None
        self._reader = self._new_reader()

    def _new_reader(self) -> PDUReader:
        # Lenient decoding: a peer on a newer version of the module (an unknown extension
        # alternative or enumeration item) is not a protocol violation.
        return PDUReader(self.spec, self.pdu_type, max_pdu_size=self._max_pdu_size,
                         strict=False)

    @property
    def buffered_bytes(self) -> int:
        """Octets of the peer's PDU in progress held in memory (0 at a PDU boundary); a
        receiver accounts them against its memory budget."""
        return self._reader.pending_bytes

    def next_event(self) -> Event | None:
        """The oldest event not yet taken, or ``None`` when there is none."""
        return self._events.popleft() if self._events else None

    def events(self) -> list[Event]:
        """Every event not yet taken, oldest first (and forget them)."""
        out = list(self._events)
        self._events.clear()
        return out

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets read from the peer (any chunking, TS 102 232-1 clause 6): each PDU framed
        is handled in turn, until the session fails."""
        if self._stopped():
            return
        pdus, error = self._frame(data)
        for pdu in pdus:
            if self._stopped():
                return
            if pdu.error is not None:
                self._fail(undecodable(pdu))
            else:
                self._handle(pdu, tri_payload(pdu) if self._ps else None)
        if error is not None and not self._stopped():
            self._fail(error)

    def _stopped(self) -> bool:
        raise NotImplementedError

    def _handle(self, pdu: PDU, tri: tuple[str, Any] | None) -> None:
        """A PDU from the peer that decoded; ``tri`` is its TRIPayload alternative (``None``
        for any other payload, and on connections other than PS-PDU)."""
        raise NotImplementedError

    def _fail(self, event: Event) -> None:
        raise NotImplementedError

    def _frame(
        self, data: bytes | bytearray | memoryview
    ) -> tuple[list[PDU], ProtocolViolation | None]:
        try:
            return self._reader.feed(data), None
        except FramingError as exc:
            return list(exc.pdus), ProtocolViolation(f"cannot frame the peer's stream: {exc}",
                                                     exc.offset)

    def _reply(self, request: PDU, payload: tuple[str, Any]) -> bool:
        """Queue the TRI answer to ``request`` (:meth:`_answer`); if it cannot be encoded the
        session fails instead and the result is false."""
        answer = self._answer(request, payload)
        if isinstance(answer, ProtocolViolation):
            self._fail(answer)
            return False
        self._queue_answer(answer)
        return True

    def _queue_answer(self, data: bytes) -> None:
        raise NotImplementedError

    def _answer(self, request: PDU, payload: tuple[str, Any]) -> bytes | ProtocolViolation:
        """A TRI answer to ``request``: its PSHeader (LIID, CIN, sequenceNumber, time
        stamps) echoed with ``payload``, so the peer matches it by sequenceNumber
        (TS 102 232-1 6.4.5 for the keep-aliveResponse; the library's reading for the
        others, see docs/delivery.md)."""
        header = request.value["pSHeader"]
        assert self._encode is not None  # answers exist only on PS-PDU connections
        try:
            return self._encode({"pSHeader": header, "payload": (TRI_PAYLOAD, payload)})
        except EncodeError as exc:
            return ProtocolViolation(f"cannot answer the peer's {payload[0]!s} request: {exc}",
                                     request.offset)
