"""The sender's side of one ETSI TS 102 232-1 handover connection, sans-IO (HI2 or HI3).

:class:`HandoverSession` is the mediation function's end (in the style of ``h11``: it never
touches a socket, a clock or a file). It writes the records it is given, keeps the link alive
when it is idle (TS 102 232-1 6.4.5), asks for PDU acknowledgements (TRIPayload [12], [13]),
optionally after negotiating them (TRIPayload [9]..[11]), and tells the spool which records
were delivered (:class:`~lawful_intercept.delivery.Acknowledged`) and which must be sent again
after a reconnection (:class:`~lawful_intercept.delivery.ResendNeeded`).

Inputs are method calls (``send``, ``receive_data``, ``tick``, ``connection_made``,
``connection_lost``); outputs are octets (:meth:`HandoverSession.data_to_send`) and events
(:meth:`HandoverSession.next_event`, :meth:`HandoverSession.events`). Time is the caller's:
every timer runs on the ``now`` values passed in (seconds, any epoch, e.g.
``time.monotonic()``). The time stamps *inside* the TRI PDUs come from the TRI builder (a
:class:`~lawful_intercept.records.PSPDUBuilder` and its
:class:`~lawful_intercept.correlation.Clock`). Which call moves the session between states,
and which calls are refused in each, is the table of :mod:`._transitions`.

What the standard's text says about PDU acknowledgement and option negotiation was not
available to check; the semantics implemented here are the library's reading of the ASN.1
(see docs/delivery.md): a pDUAcknowledgementResponse acknowledges every record written
before the pDUAcknowledgementRequest it answers, and every TRI answer (keep-aliveResponse,
pDUAcknowledgementResponse, optionResponse) carries the sequenceNumber of the request.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from .._checks import require_int, require_number
from ..catalog import PS_PDU, default_specification
from ..errors import DecodeError, LocalProtocolError
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU
from ._events import (
    PDU_ACKNOWLEDGEMENT,
    Acknowledged,
    DeliveryBasis,
    Event,
    KeepAliveFailed,
    OptionsNegotiated,
    PeerKeepAlive,
    PeerMessage,
    ResendNeeded,
)
from ._peer import (
    ACK_REQUEST,
    ACK_RESPONSE,
    KEEP_ALIVE,
    KEEP_ALIVE_RESPONSE,
    OPTION_COMPLETE,
    OPTION_REQUEST,
    OPTION_RESPONSE,
    Peer,
    component_names,
    option_names,
    sequence_number,
    tri_payload,
    undecodable,
)
from ._transitions import SessionState, Trigger, check_call, next_state

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
    "AcknowledgementMode",
    "HandoverSession",
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

AcknowledgementMode = Literal["off", "request", "negotiate"]
"""``"off"``: no pDUAcknowledgementRequest; ``"request"``: send them, the peer is known to
answer; ``"negotiate"``: offer the ``pDUAcknowledgement`` option first and acknowledge only
if the peer accepts it."""
ACKNOWLEDGEMENT_MODES: Final = ("off", "request", "negotiate")

TRIBuilder = Callable[[tuple[str, Any]], bytes]
"""A function building a complete TRI PS-PDU from a TRIPayload value such as
``("keep-alive", None)``, numbering it in its own sequence (``PSPDUBuilder.tri``)."""

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



def _seconds(value: float, name: str, *, zero: bool = False) -> float:
    """A duration argument: a number of seconds, positive (or ``zero`` allowed)."""
    return require_number(value, name, low=0.0, low_open=not zero)


class HandoverSession(Peer):
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
        pdu_type: str = PS_PDU,
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
        if tri is not None and pdu_type != PS_PDU:
            raise ValueError(f"tri: TRI PDUs exist only on PS-PDU connections (TS 102 232-1 "
                             f"clause 6.4), not with pdu_type={pdu_type!r}: pass tri=None")
        if tri is None and acknowledgement != "off":
            raise ValueError("acknowledgement needs TRI PDUs (pDUAcknowledgementRequest): "
                             "pass a tri builder or acknowledgement='off'")
        if spec is None:
            builder_spec = getattr(tri, "spec", None)
            spec = builder_spec if builder_spec is not None else default_specification()
        assert spec is not None
        if acknowledgement not in ACKNOWLEDGEMENT_MODES:
            raise ValueError(f"acknowledgement must be one of {', '.join(ACKNOWLEDGEMENT_MODES)}"
                             f", got {acknowledgement!r}")
        require_int(ack_every, "ack_every", low=1)
        require_int(resend_window, "resend_window", low=0)
        if max_batch_bytes is not None:
            require_int(max_batch_bytes, "max_batch_bytes", low=1)
        alternatives = component_names(spec, "TRIPayload")
        needed = {KEEP_ALIVE, KEEP_ALIVE_RESPONSE} if tri is not None else set()
        if acknowledgement != "off":
            needed |= {ACK_REQUEST, ACK_RESPONSE}
        if acknowledgement == "negotiate":
            needed |= {OPTION_REQUEST, OPTION_RESPONSE, OPTION_COMPLETE}
        missing = sorted(needed - alternatives)
        if missing:
            raise ValueError(f"the specification's TRIPayload has no {', '.join(missing)} "
                             "(TS 102 232-1 clause 6.4; an older LI-PS-PDU version?)")
        super().__init__(spec, max_pdu_size, pdu_type)
        self._build = build
        self.keep_alive_interval = (_seconds(keep_alive_interval, "keep_alive_interval")
                                    if tri is not None else math.inf)
        self.keep_alive_wait = _seconds(keep_alive_wait, "keep_alive_wait")
        self.acknowledgement: AcknowledgementMode = acknowledgement
        self.ack_every = ack_every
        self.ack_delay = _seconds(ack_delay, "ack_delay", zero=True)
        self.acknowledgement_wait = (self.keep_alive_wait if acknowledgement_wait is None
                                     else _seconds(acknowledgement_wait, "acknowledgement_wait"))
        self.resend_window = resend_window
        self.resend_window_seconds = _seconds(resend_window_seconds, "resend_window_seconds",
                                              zero=True)
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
        check_call(self._state, "connection_made")
        self._advance(now)
        self.connections += 1
        self._reader = self._new_reader()
        self._last_sent = self._now
        self._ack_active = self.acknowledgement == "request"
        if self.acknowledgement == "negotiate":
            option = (OPTION_REQUEST, {"requestedOptions": [(PDU_ACKNOWLEDGEMENT, None)]})
            self._options = self._queue_request(option, -1)
            self._state = next_state(self._state, Trigger.CONNECTED_TO_NEGOTIATE)
        else:
            self._open(Trigger.CONNECTED)

    def connection_lost(self, now: float, reason: str | None = None) -> None:
        """The connection is gone (closed by either side, or reset) at ``now``.

        Every record not yet :class:`Acknowledged` is reported in one :class:`ResendNeeded`
        and forgotten; the session is :attr:`SessionState.DISCONNECTED`."""
        check_call(self._state, "connection_lost")
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
        self._state = next_state(self._state, Trigger.CONNECTION_LOST)
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
        check_call(self._state, "receive_data")
        super().receive_data(data)

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
                self._open(Trigger.OPTIONS_ENDED)
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
            self._keep_alive = self._queue_request((KEEP_ALIVE, None), self._next_index - 1)

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
            self._keep_alive = self._queue_request((KEEP_ALIVE, None), self._next_index - 1)

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

    def _queue_answer(self, data: bytes) -> None:
        self._push(data, None)

    def _ack_due(self) -> bool:
        """Records written and not yet covered by a pDUAcknowledgementRequest, and none of
        them still waiting to be written (those get one with the next ``ack_every``)."""
        last = self._next_index - 1
        return self._covered < last and self._last_written == last

    def _open(self, trigger: Trigger) -> None:
        self._state = next_state(self._state, trigger)
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
        self._ack_requests.append(self._queue_request((ACK_REQUEST, None), self._next_index - 1))
        self._covered = self._next_index - 1
        self._since_request = 0

    def _queue_request(self, payload: tuple[str, Any], covers: int) -> _Request:
        assert self._build is not None  # no request is queued without a TRI builder
        data = self._build(payload)
        try:
            number = int(self.spec.decode(PS_PDU, data)["pSHeader"]["sequenceNumber"])
        except (DecodeError, KeyError, TypeError) as exc:
            raise LocalProtocolError(f"the TRI builder did not give a PS-PDU: {exc}") from None
        request = _Request(payload[0], number, covers)
        self._push(data, request)
        return request

    def _check_keep_alive(self, now: float) -> bool:
        keep_alive = self._keep_alive
        if (keep_alive is not None and keep_alive.sent_at is not None
                and now >= keep_alive.sent_at + self.keep_alive_wait):
            self._fail(KeepAliveFailed(KEEP_ALIVE, keep_alive.sequence_number,
                                       keep_alive.sent_at, now))
            return True
        return False

    def _stopped(self) -> bool:
        return self._state is SessionState.FAILED

    def _fail(self, event: Event) -> None:
        self._state = next_state(self._state, Trigger.FAILED)
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
            self._fail(undecodable(pdu))
            return
        if not self._ps:
            self._events.append(PeerMessage(pdu))
            return
        tri = tri_payload(pdu)
        name = tri[0] if tri is not None else None
        if name == KEEP_ALIVE:
            if not self._reply(pdu, (KEEP_ALIVE_RESPONSE, None)):
                return
            self._events.append(PeerKeepAlive(sequence_number(pdu)))
            return
        if name == KEEP_ALIVE_RESPONSE:
            handled = self._answer_keep_alive(pdu)
        elif name == ACK_RESPONSE:
            handled = self._answer_acknowledgement(pdu)
        elif name == OPTION_RESPONSE and tri is not None:
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
                or sequence_number(pdu) != keep_alive.sequence_number):
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
        number = sequence_number(pdu)
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
        accepted = option_names(response.get("acceptedOptions", ()))
        declined = option_names(response.get("declinedOptions", ()))
        self._options = None
        self._ack_active = PDU_ACKNOWLEDGEMENT in accepted
        self._queue_request((OPTION_COMPLETE, None), -1)
        self._events.append(OptionsNegotiated(accepted, declined, answered=True))
        self._open(Trigger.OPTIONS_ENDED)
        return True
