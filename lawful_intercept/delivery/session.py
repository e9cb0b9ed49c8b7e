"""Sans-IO handover session of one ETSI TS 102 232-1 connection (HI2 or HI3).

ETSI TS 102 232-1 clause 6 delivers PS-PDUs back to back over one TCP (or TLS) connection;
the TRIPayload of clause 6.4 carries the connection's own housekeeping: keep-alive and
keep-aliveResponse (6.4.5), and in later versions of the LI-PS-PDU module optionRequest,
optionResponse and optionComplete (TRIPayload [9]..[11], with the ``Option`` values) and
pDUAcknowledgementRequest / pDUAcknowledgementResponse ([12], [13]). This module decides
*what* to send and *what the received octets mean*; it never touches a socket, a clock or a
file (in the style of ``h11``). A transport feeds it and carries out what it asks:

* :class:`HandoverSession` is the sender's side (the mediation function): it writes the
  records it is given, keeps the link alive when it is idle, asks for PDU acknowledgements
  (optionally after negotiating them), and tells the spool which records were delivered
  (:class:`Acknowledged`) and which must be sent again after a reconnection
  (:class:`ResendNeeded`).
* :class:`ReceiverSession` is the LEMF's side: it frames and decodes the records and answers
  keep-alives, acknowledgement requests and option requests.

Inputs are method calls (``send``, ``receive_data``, ``tick``, ``connection_made``,
``connection_lost``); outputs are octets (:meth:`HandoverSession.data_to_send`) and events
(:meth:`HandoverSession.next_event`, :meth:`HandoverSession.events`). Time is the caller's:
every timer runs on the ``now`` values passed in (seconds, any epoch, e.g.
``time.monotonic()``). The time stamps *inside* the TRI PDUs come from the
:class:`~lawful_intercept.records.PSPDUBuilder` (its :class:`~lawful_intercept.correlation.Clock`)
that builds them.

What the standard's text says about PDU acknowledgement and option negotiation was not
available to check; the semantics implemented here are the library's reading of the ASN.1
(see docs/delivery.md): a pDUAcknowledgementResponse acknowledges every record written
before the pDUAcknowledgementRequest it answers, and every TRI answer (keep-aliveResponse,
pDUAcknowledgementResponse, optionResponse) carries the sequenceNumber of the request.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from ..errors import DecodeError, EncodeError, Error, LocalProtocolError
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU, FramingError, PDUReader

if TYPE_CHECKING:
    from ..asn1c import Specification
    from ..records.ps import PSPDUBuilder

__all__ = [
    "ACKNOWLEDGEMENT_MODES",
    "DEFAULT_ACK_DELAY",
    "DEFAULT_ACK_EVERY",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_KEEP_ALIVE_WAIT",
    "DEFAULT_RESEND_WINDOW",
    "DEFAULT_RESEND_WINDOW_SECONDS",
    "PDU_ACKNOWLEDGEMENT",
    "Acknowledged",
    "AcknowledgementMode",
    "AcknowledgementRequested",
    "DeliveryBasis",
    "Event",
    "HandoverSession",
    "KeepAliveFailed",
    "LocalProtocolError",
    "OptionsNegotiated",
    "PeerKeepAlive",
    "PeerMessage",
    "ProtocolError",
    "ReceiverSession",
    "RecordReceived",
    "ResendNeeded",
    "SessionState",
    "TRIBuilder",
]

DEFAULT_KEEP_ALIVE_INTERVAL: Final = 300.0
"""Idle seconds before a keep-alive is sent (OpenLI's default; TS 102 232-1 6.4.5)."""
DEFAULT_KEEP_ALIVE_WAIT: Final = 30.0
"""Seconds a keep-aliveResponse may take before the link is declared dead (OpenLI's default)."""
DEFAULT_ACK_EVERY: Final = 100
"""Records between two pDUAcknowledgementRequests."""
DEFAULT_ACK_DELAY: Final = 1.0
"""Idle seconds after which records not yet covered by a pDUAcknowledgementRequest get one."""
DEFAULT_RESEND_WINDOW: Final = 10_000
"""Without acknowledgement: a record stays resendable until this many records followed it…"""
DEFAULT_RESEND_WINDOW_SECONDS: Final = 60.0
"""…and this many seconds passed since it was written, with the connection up all along."""

PDU_ACKNOWLEDGEMENT: Final = "pDUAcknowledgement"
"""The ``Option`` alternative that turns PDU acknowledgement on (LI-PS-PDU ``Option [0]``)."""

AcknowledgementMode = Literal["off", "request", "negotiate"]
"""``"off"``: no pDUAcknowledgementRequest; ``"request"``: send them, the peer is known to
answer; ``"negotiate"``: offer the ``pDUAcknowledgement`` option first and acknowledge only
if the peer accepts it."""
ACKNOWLEDGEMENT_MODES: Final = ("off", "request", "negotiate")

DeliveryBasis = Literal["acknowledgement", "keep-alive", "window"]
"""Why records count as delivered (see :class:`Acknowledged`)."""

TRIBuilder = Callable[[tuple[str, Any]], bytes]
"""A function building a complete TRI PS-PDU from a TRIPayload value such as
``("keep-alive", None)``, numbering it in its own sequence (``PSPDUBuilder.tri``)."""

_PS_PDU: Final = "PS-PDU"
_TRI: Final = "tRIPayload"
_KEEP_ALIVE: Final = "keep-alive"
_KEEP_ALIVE_RESPONSE: Final = "keep-aliveResponse"
_ACK_REQUEST: Final = "pDUAcknowledgementRequest"
_ACK_RESPONSE: Final = "pDUAcknowledgementResponse"
_OPTION_REQUEST: Final = "optionRequest"
_OPTION_RESPONSE: Final = "optionResponse"
_OPTION_COMPLETE: Final = "optionComplete"


# -- events ---------------------------------------------------------------------------------


class Event:
    """Base class of everything a session reports (the ``h11`` event model)."""

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
    * ``"window"``: without acknowledgement, the connection stayed up for the resend window
      after they were written. Presumed, not proven.
    """

    record_ids: tuple[Hashable, ...]
    basis: DeliveryBasis


@dataclass(frozen=True, slots=True)
class ResendNeeded(Event):
    """The connection was lost: these records may not have arrived and must be sent again
    (sender side), in this order, on the next connection. The peer may then receive some
    twice; a LEMF removes duplicates by LIID, CIN and sequenceNumber (TS 102 232-1 5.2.5).

    They are every record accepted and not yet :class:`Acknowledged`: written within the
    resend window (or not acknowledged, with acknowledgement on) and never written. The
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
class ProtocolError(Event):
    """The peer sent octets that are not a stream of PS-PDUs (framing, TS 102 232-1 clause
    6; X.690 8.1) or a PS-PDU that does not decode, or a request the session could not
    answer. The session stops; the transport must close the connection."""

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


class SessionState(enum.Enum):
    """Where a :class:`HandoverSession` is."""

    DISCONNECTED = "disconnected"
    """No connection (before ``connection_made`` or after ``connection_lost``)."""
    NEGOTIATING = "negotiating"
    """Connected, waiting for the optionResponse; records are held."""
    OPEN = "open"
    """Connected; records are written."""
    FAILED = "failed"
    """A :class:`KeepAliveFailed` or :class:`ProtocolError` was reported: nothing more is
    written; the transport must close and call ``connection_lost``."""


# -- internal bookkeeping --------------------------------------------------------------------


class _Record:
    __slots__ = ("index", "pdu", "record_id", "written_at")

    def __init__(self, record_id: Hashable, pdu: bytes) -> None:
        self.record_id = record_id
        self.pdu = pdu
        self.index = -1  # position among the records queued for writing (per session)
        self.written_at = 0.0


class _Request:
    """A TRI request of ours that wants an answer (keep-alive, acknowledgement, options)."""

    __slots__ = ("covers", "name", "sent_at", "sequence_number")

    def __init__(self, name: str, sequence_number: int, covers: int) -> None:
        self.name = name
        self.sequence_number = sequence_number
        self.covers = covers  # index of the last record queued before it (-1: none)
        self.sent_at: float | None = None  # None while not yet handed to the transport


_Entry = tuple[bytes, _Record | _Request | None]


def _default_spec() -> Specification:
    from ..registry import bundled

    return bundled()


def _tri_alternatives(spec: Specification) -> frozenset[str]:
    try:
        body = spec.get_type("TRIPayload").body
    except Exception:  # no LI-PS-PDU module
        return frozenset()
    return frozenset(c.name for c in body.components)


def _option_names(options: Iterable[Any]) -> tuple[str, ...]:
    names: list[str] = []
    for option in options:
        name = option[0] if isinstance(option, tuple) and option else option
        names.append(str(name))
    return tuple(names)


def _check_time(name: str, value: float, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'}, "
                         f"got {value!r}")
    return float(value)


class _Peer:
    """What both sides share: framing and decoding of the peer's PS-PDUs (TS 102 232-1
    clause 6), the event queue, the answers that echo a request's header."""

    def __init__(self, spec: Specification, max_pdu_size: int, pdu_type: str) -> None:
        self.spec = spec
        self.pdu_type = pdu_type
        """The ASN.1 type of the PDUs on this connection (``"PS-PDU"``, or e.g. an ATIS or
        PacketCable top-level type, which carry no TRI PDUs)."""
        self._max_pdu_size = max_pdu_size
        self._events: deque[Event] = deque()
        self._ps = pdu_type == _PS_PDU
        try:
            spec.get_type(pdu_type)
        except Error as exc:
            raise ValueError(f"pdu_type: {exc}") from None
        self._encode = spec.encoder(_PS_PDU) if self._ps else None
        self._reader = self._new_reader()

    def _new_reader(self) -> PDUReader:
        # Lenient decoding: a peer on a newer version of the module (an unknown extension
        # alternative or enumeration item) is not a protocol error.
        return PDUReader(self.spec, self.pdu_type, max_pdu_size=self._max_pdu_size,
                         strict=False)

    def next_event(self) -> Event | None:
        """The oldest event not yet taken, or ``None`` when there is none."""
        return self._events.popleft() if self._events else None

    def events(self) -> list[Event]:
        """Every event not yet taken, oldest first (and forget them)."""
        out = list(self._events)
        self._events.clear()
        return out

    def _frame(
        self, data: bytes | bytearray | memoryview
    ) -> tuple[list[PDU], ProtocolError | None]:
        try:
            return self._reader.feed(data), None
        except FramingError as exc:
            return list(exc.pdus), ProtocolError(f"cannot frame the peer's stream: {exc}",
                                                 exc.offset)

    def _answer(self, request: PDU, payload: tuple[str, Any]) -> bytes | ProtocolError:
        """A TRI answer to ``request``: its PSHeader (LIID, CIN, sequenceNumber, time
        stamps) echoed with ``payload``, so the peer matches it by sequenceNumber."""
        header = request.value["pSHeader"]
        assert self._encode is not None  # answers exist only on PS-PDU connections
        try:
            return self._encode({"pSHeader": header, "payload": (_TRI, payload)})
        except EncodeError as exc:
            return ProtocolError(f"cannot answer the peer's {payload[0]!s} request: {exc}",
                                 request.offset)


def _tri(pdu: PDU) -> tuple[str, Any] | None:
    """The TRIPayload alternative of a decoded PS-PDU, or ``None`` for other payloads."""
    payload = pdu.value.get("payload") if isinstance(pdu.value, dict) else None
    if isinstance(payload, tuple) and payload[0] == _TRI and isinstance(payload[1], tuple):
        inner: tuple[str, Any] = payload[1]
        return inner
    return None


def _sequence_number(pdu: PDU) -> int:
    number = pdu.value["pSHeader"]["sequenceNumber"]
    return int(number)


def _undecodable(pdu: PDU) -> ProtocolError:
    error = pdu.error
    assert error is not None
    where = pdu.offset + (error.offset or 0)
    return ProtocolError(f"the peer sent a PDU that does not decode: {error}", where)


# -- the sender ------------------------------------------------------------------------------


class HandoverSession(_Peer):
    """The mediation function's side of one TS 102 232-1 handover connection (sans-IO).

    ``tri`` builds the session's own TRI PDUs: a :class:`~lawful_intercept.records.PSPDUBuilder`
    (its :meth:`~lawful_intercept.records.PSPDUBuilder.tri` is used) or any
    :data:`TRIBuilder`. OpenLI sends keep-alives with CIN 0 and their own sequence numbers
    (TS 102 232-1 6.4.5, 5.2.5): give it a builder whose ``SessionIdentity`` has ``cin=0``.
    ``spec`` is the compiled specification that decodes the peer's PDUs (default: that of the
    builder, else the bundled modules).

    * Keep-alive (TS 102 232-1 6.4.5): when nothing was written for ``keep_alive_interval``
      seconds a keep-alive is written; a keep-aliveResponse with the same sequenceNumber must
      arrive within ``keep_alive_wait`` seconds, else :class:`KeepAliveFailed`.
    * ``acknowledgement``: ``"off"``, ``"request"`` or ``"negotiate"``
      (:data:`AcknowledgementMode`). When on, a pDUAcknowledgementRequest follows every
      ``ack_every`` records, and records not yet covered get one after ``ack_delay`` idle
      seconds or on :meth:`flush`; its answer must arrive within ``acknowledgement_wait``
      (default ``keep_alive_wait``) seconds, else :class:`KeepAliveFailed`. With
      ``"negotiate"`` an optionRequest for ``pDUAcknowledgement`` opens each connection and
      records wait for the optionResponse (TS 102 232-1 TRIPayload [9]-[11]).
    * Without acknowledgement a written record counts as delivered once ``resend_window``
      more records were written *and* ``resend_window_seconds`` passed with the connection up
      (0 disables either condition), or once the peer answered a keep-alive written after it.

    ``max_batch_bytes`` bounds what one :meth:`data_to_send` returns (whole PDUs; a larger
    one alone); ``None`` hands out everything queued. ``max_pdu_size`` bounds one PDU from
    the peer.

    Streams without TRI PDUs (ATIS-1000678 / ATIS-1000013 and PacketCable CDC deliveries,
    whose modules define no keep-alive, or a PS-PDU peer that answers none): pass
    ``tri=None`` and the ``pdu_type`` of the stream (e.g. ``"LAESProtocol"``). No
    keep-alive is written and acknowledgement must be ``"off"``: records count as delivered
    by the resend window only, and a silent network is found by TCP alone. Anything the peer
    sends is reported as :class:`PeerMessage`.
    """

    def __init__(
        self,
        spec: Specification | None = None,
        *,
        tri: PSPDUBuilder | TRIBuilder | None,
        pdu_type: str = _PS_PDU,
        keep_alive_interval: float = DEFAULT_KEEP_ALIVE_INTERVAL,
        keep_alive_wait: float = DEFAULT_KEEP_ALIVE_WAIT,
        acknowledgement: AcknowledgementMode = "off",
        ack_every: int = DEFAULT_ACK_EVERY,
        ack_delay: float = DEFAULT_ACK_DELAY,
        acknowledgement_wait: float | None = None,
        resend_window: int = DEFAULT_RESEND_WINDOW,
        resend_window_seconds: float = DEFAULT_RESEND_WINDOW_SECONDS,
        max_batch_bytes: int | None = None,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    ) -> None:
        build: TRIBuilder | None = cast("TRIBuilder | None", getattr(tri, "tri", tri))
        if tri is not None and not callable(build):
            raise TypeError("tri must be a PSPDUBuilder or a function building TRI PDUs from a "
                            "TRIPayload value")
        if tri is not None and pdu_type != _PS_PDU:
            raise ValueError(f"tri: TRI PDUs exist only on PS-PDU connections (TS 102 232-1 "
                             f"clause 6.4), not with pdu_type={pdu_type!r}: pass tri=None")
        if tri is None and acknowledgement != "off":
            raise ValueError("acknowledgement needs TRI PDUs (pDUAcknowledgementRequest): "
                             "pass a tri builder or acknowledgement='off'")
        if spec is None:
            builder_spec = getattr(tri, "spec", None)
            spec = builder_spec if builder_spec is not None else _default_spec()
        assert spec is not None
        if acknowledgement not in ACKNOWLEDGEMENT_MODES:
            raise ValueError(f"acknowledgement must be one of {', '.join(ACKNOWLEDGEMENT_MODES)}"
                             f", got {acknowledgement!r}")
        if isinstance(ack_every, bool) or not isinstance(ack_every, int) or ack_every < 1:
            raise ValueError(f"ack_every must be a positive number of records, got {ack_every!r}")
        if (isinstance(resend_window, bool) or not isinstance(resend_window, int)
                or resend_window < 0):
            raise ValueError("resend_window must be a non-negative number of records, got "
                             f"{resend_window!r}")
        if max_batch_bytes is not None and max_batch_bytes < 1:
            raise ValueError(f"max_batch_bytes must be positive, got {max_batch_bytes!r}")
        alternatives = _tri_alternatives(spec)
        needed = {_KEEP_ALIVE, _KEEP_ALIVE_RESPONSE} if tri is not None else set()
        if acknowledgement != "off":
            needed |= {_ACK_REQUEST, _ACK_RESPONSE}
        if acknowledgement == "negotiate":
            needed |= {_OPTION_REQUEST, _OPTION_RESPONSE, _OPTION_COMPLETE}
        missing = sorted(needed - alternatives)
        if missing:
            raise ValueError(f"the specification's TRIPayload has no {', '.join(missing)} "
                             "(TS 102 232-1 clause 6.4; an older LI-PS-PDU version?)")
        super().__init__(spec, max_pdu_size, pdu_type)
        self._build = build
        self.keep_alive_interval = (_check_time("keep_alive_interval", keep_alive_interval)
                                    if tri is not None else math.inf)
        self.keep_alive_wait = _check_time("keep_alive_wait", keep_alive_wait)
        self.acknowledgement: AcknowledgementMode = acknowledgement
        self.ack_every = ack_every
        self.ack_delay = _check_time("ack_delay", ack_delay, positive=False)
        self.acknowledgement_wait = (self.keep_alive_wait if acknowledgement_wait is None
                                     else _check_time("acknowledgement_wait",
                                                      acknowledgement_wait))
        self.resend_window = resend_window
        self.resend_window_seconds = _check_time("resend_window_seconds",
                                                 resend_window_seconds, positive=False)
        self.max_batch_bytes = max_batch_bytes

        self._state = SessionState.DISCONNECTED
        self._now = -math.inf
        self._outstanding: dict[Hashable, _Record] = {}  # accepted, not yet resolved
        self._held: deque[_Record] = deque()  # accepted, not yet queued for writing
        self._out: deque[_Entry] = deque()  # queued for writing, not yet handed out
        self._out_bytes = 0
        self._in_flight: deque[_Record] = deque()  # written, not yet resolved
        self._next_index = 0
        self._last_written = -1  # index of the last record written
        self._covered = -1  # last record index covered by a pDUAcknowledgementRequest
        self._since_request = 0
        self._ack_active = False
        self._ack_requests: deque[_Request] = deque()  # queued or written, unanswered
        self._keep_alive: _Request | None = None  # queued or written, unanswered
        self._options: _Request | None = None
        self._last_sent = -math.inf
        self._last_record_sent = -math.inf
        self.connections = 0
        """Number of ``connection_made`` calls so far."""

    # -- state --------------------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """Where the session is (:class:`SessionState`)."""
        return self._state

    @property
    def acknowledging(self) -> bool:
        """Whether pDUAcknowledgementRequests are sent on this connection."""
        return self._ack_active

    @property
    def outstanding(self) -> int:
        """Records accepted by :meth:`send` and neither :class:`Acknowledged` nor reported in
        :class:`ResendNeeded` yet (0: everything is resolved, e.g. before a clean close)."""
        return len(self._outstanding)

    @property
    def pending_bytes(self) -> int:
        """Octets queued for :meth:`data_to_send`."""
        return self._out_bytes

    # -- inputs ---------------------------------------------------------------------------------

    def connection_made(self, now: float) -> None:
        """A connection to the peer is up (TCP/TLS established) at ``now``.

        With ``acknowledgement="negotiate"`` an optionRequest is queued and records wait for
        the answer; otherwise records accepted meanwhile are queued for writing."""
        if self._state is not SessionState.DISCONNECTED:
            raise LocalProtocolError(f"connection_made in state {self._state.value}")
        self._advance(now)
        self.connections += 1
        self._reader = self._new_reader()
        self._last_sent = self._now
        self._ack_active = self.acknowledgement == "request"
        if self.acknowledgement == "negotiate":
            option = (_OPTION_REQUEST, {"requestedOptions": [(PDU_ACKNOWLEDGEMENT, None)]})
            self._options = self._queue_request(option, -1)
            self._state = SessionState.NEGOTIATING
        else:
            self._open()

    def connection_lost(self, now: float, reason: str | None = None) -> None:
        """The connection is gone (closed by either side, or reset) at ``now``.

        Every record not yet :class:`Acknowledged` is reported in one :class:`ResendNeeded`
        and forgotten; the session is :attr:`SessionState.DISCONNECTED`."""
        if self._state is SessionState.DISCONNECTED:
            raise LocalProtocolError("connection_lost without a connection")
        self._advance(now)
        lost = [record.record_id for record in self._in_flight]
        lost += [entry.record_id for _, entry in self._out if isinstance(entry, _Record)]
        lost += [record.record_id for record in self._held]
        self._in_flight.clear()
        self._out.clear()
        self._out_bytes = 0
        self._held.clear()
        self._outstanding.clear()
        self._ack_requests.clear()
        self._keep_alive = None
        self._options = None
        self._ack_active = False
        self._since_request = 0
        self._covered = self._last_written = self._next_index - 1
        self._state = SessionState.DISCONNECTED
        if lost:
            self._events.append(ResendNeeded(tuple(lost), reason))

    def send(self, record_id: Hashable, pdu: bytes | bytearray | memoryview) -> None:
        """Accept one encoded PS-PDU for delivery. ``record_id`` is the caller's key for it
        (the spool's), reported back in :class:`Acknowledged` or :class:`ResendNeeded`; it
        must not be outstanding already.

        The PDU is queued for :meth:`data_to_send` when the connection is open, otherwise
        held until it is (and reported in :class:`ResendNeeded` if it is lost first)."""
        if record_id in self._outstanding:
            raise LocalProtocolError(f"record {record_id!r} is already outstanding")
        data = pdu if type(pdu) is bytes else bytes(pdu)
        if not data:
            raise LocalProtocolError("an empty PDU cannot be sent")
        record = _Record(record_id, data)
        self._outstanding[record_id] = record
        if self._state is SessionState.OPEN:
            self._queue_record(record)
        else:
            self._held.append(record)

    def send_many(
        self, records: Iterable[tuple[Hashable, bytes | bytearray | memoryview]]
    ) -> None:
        """:meth:`send` for several ``(record_id, pdu)`` pairs, in order, with less work per
        record (for transports that feed large batches). The checks are those of
        :meth:`send`: at the first pair refused (``LocalProtocolError``) the pairs before it
        are accepted and the rest are not."""
        outstanding = self._outstanding
        fast = self._state is SessionState.OPEN and not self._ack_active
        queue = self._queue_record if self._state is SessionState.OPEN else self._held.append
        out = self._out
        index = self._next_index
        size = 0
        try:
            for record_id, pdu in records:
                if record_id in outstanding:
                    raise LocalProtocolError(f"record {record_id!r} is already outstanding")
                data = pdu if type(pdu) is bytes else bytes(pdu)
                if not data:
                    raise LocalProtocolError("an empty PDU cannot be sent")
                record = _Record(record_id, data)
                outstanding[record_id] = record
                if fast:  # _queue_record without acknowledgement requests to count
                    record.index = index
                    index += 1
                    out.append((data, record))
                    size += len(data)
                else:
                    queue(record)
        finally:
            if fast:
                self._next_index = index
                self._out_bytes += size

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets read from the peer (any chunking, TS 102 232-1 clause 6). Answers it asked
        for resolve requests; the rest becomes events."""
        if self._state is SessionState.DISCONNECTED:
            raise LocalProtocolError("receive_data without a connection")
        if self._failed():
            return
        pdus, error = self._frame(data)
        for pdu in pdus:
            if self._failed():
                return
            self._handle(pdu)
        if error is not None and not self._failed():
            self._fail(error)

    def tick(self, now: float) -> None:
        """Time has passed: run the timers (keep-alive, waits, acknowledgement delay, resend
        window) at the caller's ``now``. Call it at :meth:`next_deadline` at the latest."""
        self._advance(now)
        state = self._state
        if state is SessionState.NEGOTIATING:
            options = self._options
            if (options is not None and options.sent_at is not None
                    and now >= options.sent_at + self.keep_alive_wait):
                self._options = None
                self._events.append(OptionsNegotiated((), (), answered=False))
                self._open()
            else:
                self._check_keep_alive(now)
            return
        if state is not SessionState.OPEN:
            return
        if self._check_keep_alive(now):
            return
        if self._ack_requests:
            oldest = self._ack_requests[0]
            if oldest.sent_at is not None and now >= oldest.sent_at + self.acknowledgement_wait:
                self._fail(KeepAliveFailed(oldest.name, oldest.sequence_number, oldest.sent_at,
                                           now))
                return
        if self._ack_active:
            if self._ack_due() and now >= self._last_record_sent + self.ack_delay:
                self._queue_ack_request()
        else:
            self._release_window()
        if (self._keep_alive is None and not self._out
                and now >= self._last_sent + self.keep_alive_interval):
            self._keep_alive = self._queue_request((_KEEP_ALIVE, None), self._next_index - 1)

    def flush(self) -> None:
        """Ask the peer now to confirm what was sent: with acknowledgement a
        pDUAcknowledgementRequest for the records not yet covered by one; without, a
        keep-alive (if none is outstanding) whose answer confirms every record written before
        it (:class:`Acknowledged` with basis ``"keep-alive"``). Use before a clean close;
        nothing happens unless the connection is open and records are unresolved."""
        if self._state is not SessionState.OPEN:
            return
        if self._ack_active:
            if self._covered < self._next_index - 1:
                self._queue_ack_request()
        elif self._build is not None and self._keep_alive is None and (
                self._in_flight or self._next_index - 1 > self._last_written):
            self._keep_alive = self._queue_request((_KEEP_ALIVE, None), self._next_index - 1)

    # -- outputs --------------------------------------------------------------------------------

    def data_to_send(self, max_bytes: int | None = None) -> bytes:
        """The octets the transport must write now: whole PDUs, in order, at most
        ``max_bytes`` (default :attr:`max_batch_bytes`; ``None``: all) unless one PDU alone is
        larger. ``b""`` when there is nothing to write (or the session has failed). What is
        returned counts as written at the latest ``now`` given: call until it returns
        ``b""``."""
        if not self._out or self._state in (SessionState.DISCONNECTED, SessionState.FAILED):
            return b""
        limit = self.max_batch_bytes if max_bytes is None else max_bytes
        now = self._now
        out = self._out
        parts: list[bytes] = []
        size = 0
        while out:
            data, entry = out[0]
            if parts and limit is not None and size + len(data) > limit:
                break
            out.popleft()
            self._out_bytes -= len(data)
            parts.append(data)
            size += len(data)
            if isinstance(entry, _Record):
                entry.written_at = now
                entry.pdu = b""  # the spool keeps the octets; the session needs the id only
                self._last_written = entry.index
                self._last_record_sent = now
                self._in_flight.append(entry)
            elif entry is not None:
                entry.sent_at = now
        self._last_sent = now
        if not self._ack_active:
            self._release_window()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def next_deadline(self) -> float | None:
        """The earliest ``now`` at which :meth:`tick` has something to do (a keep-alive to
        send, a wait running out, an acknowledgement request or a resend window due), or
        ``None`` when no timer runs (not connected, or failed)."""
        state = self._state
        if state in (SessionState.DISCONNECTED, SessionState.FAILED):
            return None
        deadlines: list[float] = []
        for request in (self._keep_alive, self._options):
            if request is not None and request.sent_at is not None:
                deadlines.append(request.sent_at + self.keep_alive_wait)
        if state is SessionState.OPEN:
            if self._ack_requests and self._ack_requests[0].sent_at is not None:
                deadlines.append(self._ack_requests[0].sent_at + self.acknowledgement_wait)
            if self._ack_active:
                if self._ack_due():
                    deadlines.append(self._last_record_sent + self.ack_delay)
            elif self._in_flight:
                head = self._in_flight[0]
                if self._last_written - head.index >= self.resend_window:
                    deadlines.append(head.written_at + self.resend_window_seconds)
            if (self._keep_alive is None and not self._out
                    and self.keep_alive_interval != math.inf):
                deadlines.append(self._last_sent + self.keep_alive_interval)
        return min(deadlines) if deadlines else None

    # -- internals ------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        if isinstance(now, bool) or not isinstance(now, int | float) or math.isnan(now):
            raise LocalProtocolError(f"now must be a number of seconds, got {now!r}")
        if now > self._now:  # a clock that steps back does not rewind the timers
            self._now = float(now)

    def _push(self, data: bytes, entry: _Record | _Request | None) -> None:
        self._out.append((data, entry))
        self._out_bytes += len(data)

    def _ack_due(self) -> bool:
        """Records written and not yet covered by a pDUAcknowledgementRequest, and none of
        them still waiting to be written (those get one with the next ``ack_every``)."""
        last = self._next_index - 1
        return self._covered < last and self._last_written == last

    def _open(self) -> None:
        self._state = SessionState.OPEN
        held = self._held
        while held:
            self._queue_record(held.popleft())

    def _queue_record(self, record: _Record) -> None:
        record.index = self._next_index
        self._next_index += 1
        self._push(record.pdu, record)
        if self._ack_active:
            self._since_request += 1
            if self._since_request >= self.ack_every:
                self._queue_ack_request()

    def _queue_ack_request(self) -> None:
        self._ack_requests.append(self._queue_request((_ACK_REQUEST, None), self._next_index - 1))
        self._covered = self._next_index - 1
        self._since_request = 0

    def _queue_request(self, payload: tuple[str, Any], covers: int) -> _Request:
        assert self._build is not None  # no request is queued without a TRI builder
        data = self._build(payload)
        try:
            number = int(self.spec.decode(_PS_PDU, data)["pSHeader"]["sequenceNumber"])
        except (DecodeError, KeyError, TypeError) as exc:
            raise LocalProtocolError(f"the TRI builder did not give a PS-PDU: {exc}") from None
        request = _Request(payload[0], number, covers)
        self._push(data, request)
        return request

    def _check_keep_alive(self, now: float) -> bool:
        keep_alive = self._keep_alive
        if (keep_alive is not None and keep_alive.sent_at is not None
                and now >= keep_alive.sent_at + self.keep_alive_wait):
            self._fail(KeepAliveFailed(_KEEP_ALIVE, keep_alive.sequence_number,
                                       keep_alive.sent_at, now))
            return True
        return False

    def _failed(self) -> bool:
        return self._state is SessionState.FAILED

    def _fail(self, event: Event) -> None:
        self._state = SessionState.FAILED
        self._events.append(event)

    def _release_window(self) -> None:
        """Without acknowledgement: records that left the resend window count as delivered."""
        flight = self._in_flight
        if not flight:
            return
        last = self._last_written
        horizon = self._now - self.resend_window_seconds
        released: list[Hashable] = []
        while flight:
            head = flight[0]
            if last - head.index < self.resend_window or head.written_at > horizon:
                break
            flight.popleft()
            released.append(head.record_id)
        if released:
            self._resolve(released, "window")

    def _resolve(self, record_ids: list[Hashable], basis: DeliveryBasis) -> None:
        outstanding = self._outstanding
        for record_id in record_ids:
            del outstanding[record_id]
        self._events.append(Acknowledged(tuple(record_ids), basis))

    def _confirm_through(self, index: int, basis: DeliveryBasis) -> None:
        flight = self._in_flight
        confirmed: list[Hashable] = []
        while flight and flight[0].index <= index:
            confirmed.append(flight.popleft().record_id)
        if confirmed:
            self._resolve(confirmed, basis)

    def _handle(self, pdu: PDU) -> None:
        if pdu.error is not None:
            self._fail(_undecodable(pdu))
            return
        if not self._ps:
            self._events.append(PeerMessage(pdu))
            return
        tri = _tri(pdu)
        name = tri[0] if tri is not None else None
        if name == _KEEP_ALIVE:
            answer = self._answer(pdu, (_KEEP_ALIVE_RESPONSE, None))
            if isinstance(answer, ProtocolError):
                self._fail(answer)
                return
            self._push(answer, None)
            self._events.append(PeerKeepAlive(_sequence_number(pdu)))
            return
        if name == _KEEP_ALIVE_RESPONSE:
            handled = self._answer_keep_alive(pdu)
        elif name == _ACK_RESPONSE:
            handled = self._answer_acknowledgement(pdu)
        elif name == _OPTION_RESPONSE and tri is not None:
            handled = self._answer_options(tri[1])
        else:
            handled = False
        if not handled:
            self._events.append(PeerMessage(pdu))

    def _answer_keep_alive(self, pdu: PDU) -> bool:
        """A keep-aliveResponse answers our keep-alive only with its sequenceNumber (as
        OpenLI expects, TS 102 232-1 6.4.5); any other is left to the caller."""
        keep_alive = self._keep_alive
        if (keep_alive is None or keep_alive.sent_at is None
                or _sequence_number(pdu) != keep_alive.sequence_number):
            return False
        self._keep_alive = None
        if not self._ack_active:
            self._confirm_through(keep_alive.covers, "keep-alive")
        return True

    def _answer_acknowledgement(self, pdu: PDU) -> bool:
        """Match a pDUAcknowledgementResponse with our requests: by sequenceNumber, else the
        oldest written request (answers come in order over TCP)."""
        requests = self._ack_requests
        written = [r for r in requests if r.sent_at is not None]
        if not written:
            return False
        number = _sequence_number(pdu)
        match = next((r for r in written if r.sequence_number == number), written[0])
        while requests:
            request = requests.popleft()
            if request is match:
                break
        self._confirm_through(match.covers, "acknowledgement")
        return True

    def _answer_options(self, response: Any) -> bool:
        options = self._options
        if (self._state is not SessionState.NEGOTIATING or options is None
                or options.sent_at is None or not isinstance(response, dict)):
            return False
        accepted = _option_names(response.get("acceptedOptions", ()))
        declined = _option_names(response.get("declinedOptions", ()))
        self._options = None
        self._ack_active = PDU_ACKNOWLEDGEMENT in accepted
        self._queue_request((_OPTION_COMPLETE, None), -1)
        self._events.append(OptionsNegotiated(accepted, declined, answered=True))
        self._open()
        return True


# -- the receiver ----------------------------------------------------------------------------


class ReceiverSession(_Peer):
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
        pdu_type: str = _PS_PDU,
        options: Iterable[str] = (PDU_ACKNOWLEDGEMENT,),
        auto_acknowledge: bool = True,
        answer_keep_alives: bool = True,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    ) -> None:
        super().__init__(spec if spec is not None else _default_spec(), max_pdu_size, pdu_type)
        self.options = frozenset(options)
        self.auto_acknowledge = auto_acknowledge
        self.answer_keep_alives = answer_keep_alives
        self._out: list[bytes] = []
        self._failed = False
        self._since_request = 0
        self._negotiated: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self.records = 0
        """Number of :class:`RecordReceived` events so far."""
        try:
            option = self.spec.get_type("Option").body
            self._known_options = frozenset(c.name for c in option.components)
        except Exception:  # a module without options: every request is declined
            self._known_options = frozenset()

    @property
    def failed(self) -> bool:
        """Whether a :class:`ProtocolError` stopped the session."""
        return self._failed

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets read from the sender (any chunking)."""
        if self._failed:
            return
        pdus, error = self._frame(data)
        for pdu in pdus:
            if self._failed:
                return
            self._handle(pdu)
        if error is not None and not self._failed:
            self._fail(error)

    def eof(self) -> None:
        """The sender closed the connection: a :class:`ProtocolError` if it stopped inside a
        PDU (TS 102 232-1 clause 6)."""
        if self._failed:
            return
        try:
            self._reader.eof()
        except FramingError as exc:
            self._fail(ProtocolError(f"the stream ended inside a PDU: {exc}", exc.offset))

    def acknowledge(self, request: AcknowledgementRequested) -> None:
        """Queue the pDUAcknowledgementResponse to ``request`` (without ``auto_acknowledge``:
        once the records before it are stored)."""
        answer = self._answer(request.pdu, (_ACK_RESPONSE, None))
        if isinstance(answer, ProtocolError):
            self._fail(answer)
        elif not self._failed:
            self._out.append(answer)

    def data_to_send(self) -> bytes:
        """The octets to write to the sender (answers), ``b""`` if none."""
        data = b"".join(self._out)
        self._out.clear()
        return data

    def _fail(self, event: ProtocolError) -> None:
        self._failed = True
        self._events.append(event)

    def _handle(self, pdu: PDU) -> None:
        if pdu.error is not None:
            self._fail(_undecodable(pdu))
            return
        tri = _tri(pdu) if self._ps else None
        name = tri[0] if tri is not None else None
        if name == _KEEP_ALIVE and self.answer_keep_alives:
            self._reply(pdu, (_KEEP_ALIVE_RESPONSE, None))
            self._events.append(PeerKeepAlive(_sequence_number(pdu)))
        elif name == _ACK_REQUEST:
            event = AcknowledgementRequested(_sequence_number(pdu), self._since_request, pdu)
            self._since_request = 0
            if self.auto_acknowledge:
                self.acknowledge(event)
            self._events.append(event)
        elif name == _OPTION_REQUEST and tri is not None:
            requested = tri[1].get("requestedOptions", []) if isinstance(tri[1], dict) else []
            known = self._known_options
            accepted = [o for o in requested if o[0] in known and o[0] in self.options]
            # An option of a newer module version cannot be written back: it is left out of
            # both lists (not accepted, so declined for the sender).
            declined = [o for o in requested if o[0] in known and o not in accepted]
            self._negotiated = (_option_names(accepted), _option_names(declined))
            self._reply(pdu, (_OPTION_RESPONSE, {"acceptedOptions": accepted,
                                                  "declinedOptions": declined}))
        elif name == _OPTION_COMPLETE and self._negotiated is not None:
            accepted_names, declined_names = self._negotiated
            self._negotiated = None
            self._events.append(OptionsNegotiated(accepted_names, declined_names))
        elif name in (_KEEP_ALIVE_RESPONSE, _ACK_RESPONSE, _OPTION_RESPONSE, _OPTION_COMPLETE):
            self._events.append(PeerMessage(pdu))
        else:
            self.records += 1
            self._since_request += 1
            self._events.append(RecordReceived(pdu))

    def _reply(self, request: PDU, payload: tuple[str, Any]) -> None:
        answer = self._answer(request, payload)
        if isinstance(answer, ProtocolError):
            self._fail(answer)
        else:
            self._out.append(answer)
