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
and which calls are refused in each, is the table of :mod:`._transitions`; the books (records
accepted, queued, written, resolved) are kept by :class:`~._outbox.Outbox`; the settings,
their defaults and checks are in :mod:`._settings`.

What the standard's text says about PDU acknowledgement and option negotiation was not
available to check; the semantics implemented here are the library's reading of the ASN.1
(see docs/delivery.md): a pDUAcknowledgementResponse acknowledges every record written
before the pDUAcknowledgementRequest it answers, and every TRI answer (keep-aliveResponse,
pDUAcknowledgementResponse, optionResponse) carries the sequenceNumber of the request.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from .._checks import require_int
from ..catalog import PS_PDU, default_specification
from ..errors import LocalProtocolError
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU
from . import _events as events
from . import _settings
from ._outbox import NO_RECORD, Outbox, Record, Request
from ._peer import Peer, TRIName, option_names, sequence_number
from ._settings import AcknowledgementMode, TRIBuilder, build_tri, check_tri_support, seconds
from ._transitions import SessionState, Trigger, check_call, next_state

if TYPE_CHECKING:
    from ..asn1c import Specification
    from ..records import PSPDUBuilder

__all__ = ["HandoverSession"]

_OPEN = SessionState.OPEN
_NEGOTIATING = SessionState.NEGOTIATING
_STOPPED = (SessionState.DISCONNECTED, SessionState.FAILED)


class HandoverSession(Peer):
    """The mediation function's side of one TS 102 232-1 handover connection (sans-IO).

    ``tri`` builds the session's own TRI PDUs: a :class:`~lawful_intercept.records.PSPDUBuilder`
    (its :meth:`~lawful_intercept.records.PSPDUBuilder.tri_numbered` is used) or any
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
    * Without acknowledgement a written record counts as delivered once the peer answered a
      keep-alive written after it (TS 102 232-1 6.4.5). The *resend window* says when that
      proof is asked for: once more than ``resend_window`` written records are unproven, or
      the oldest of them was written ``resend_window_seconds`` ago (0: no time condition),
      a keep-alive is written (at most one is outstanding). A connection that merely stays
      up proves nothing (docs/delivery.md, "What proves delivery").

    ``max_batch_bytes`` bounds what one :meth:`data_to_send` returns (whole PDUs; a larger
    one alone); ``None`` hands out everything queued. ``max_pdu_size`` bounds one PDU from
    the peer.

    Streams without TRI PDUs (ATIS-1000678 / ATIS-1000013 and PacketCable CDC deliveries,
    whose modules define no keep-alive, or a PS-PDU peer that answers none): pass
    ``tri=None`` and the ``pdu_type`` of the stream (e.g. ``"LAESProtocol"``). No
    keep-alive is written and acknowledgement must be ``"off"``: a written record counts as
    delivered only once the peer answered our orderly close (:meth:`close_confirmed`,
    basis ``"close"``); when the resend window is reached :attr:`proof_due` tells the
    transport to close the connection orderly (and connect again). A silent network is
    found by TCP alone. Anything the peer sends is reported as :class:`PeerMessage`.
    """

    def __init__(
        self,
        spec: Specification | None = None,
        *,
        tri: PSPDUBuilder | TRIBuilder | None,
        pdu_type: str = PS_PDU,
        keep_alive_interval: float = _settings.DEFAULT_KEEP_ALIVE_INTERVAL,
        keep_alive_wait: float = _settings.DEFAULT_KEEP_ALIVE_WAIT,
        acknowledgement: AcknowledgementMode = "off",
        ack_every: int = _settings.DEFAULT_ACK_EVERY,
        ack_delay: float = _settings.DEFAULT_ACK_DELAY,
        acknowledgement_wait: float | None = None,
        resend_window: int = _settings.DEFAULT_RESEND_WINDOW,
        resend_window_seconds: float = _settings.DEFAULT_RESEND_WINDOW_SECONDS,
        max_batch_bytes: int | None = None,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    ) -> None:
        build = _settings.tri_builder(tri)
        if spec is None:
            builder_spec = getattr(tri, "spec", None)
            spec = builder_spec if builder_spec is not None else default_specification()
        check_tri_support(spec, pdu_type, tri, acknowledgement)
        super().__init__(spec, max_pdu_size, pdu_type)
        self._build = build
        self.keep_alive_interval = (seconds(keep_alive_interval, "keep_alive_interval")
                                    if tri is not None else math.inf)
        self.keep_alive_wait = seconds(keep_alive_wait, "keep_alive_wait")
        self.acknowledgement: AcknowledgementMode = acknowledgement
        self.ack_every = require_int(ack_every, "ack_every", low=1)
        self.ack_delay = seconds(ack_delay, "ack_delay", zero=True)
        self.acknowledgement_wait = (self.keep_alive_wait if acknowledgement_wait is None
                                     else seconds(acknowledgement_wait, "acknowledgement_wait"))
        self.resend_window = require_int(resend_window, "resend_window", low=0)
        self.resend_window_seconds = seconds(resend_window_seconds, "resend_window_seconds",
                                             zero=True)
        self.max_batch_bytes = (None if max_batch_bytes is None
                                else require_int(max_batch_bytes, "max_batch_bytes", low=1))
        self.connections = 0
        """Number of ``connection_made`` calls so far."""

        self._state = SessionState.DISCONNECTED
        self._now = -math.inf
        self._outbox = Outbox()
        # The TRI requests of this connection that wait for an answer (queued or written):
        self._keep_alive: Request | None = None
        self._options: Request | None = None
        self._ack_requests: deque[Request] = deque()
        # PDU acknowledgement on this connection, and what its requests cover:
        self._ack_active = False
        self._covered = NO_RECORD  # last record index covered by a pDUAcknowledgementRequest
        self._since_request = 0  # records queued since the last pDUAcknowledgementRequest
        self._proof_due = False  # without TRI PDUs: the resend window asks for a proving close

    @property
    def state(self) -> SessionState:
        """Where the session is (:class:`SessionState`; docs/delivery.md, "the model", shows
        which call moves it where)."""
        return self._state

    @property
    def acknowledging(self) -> bool:
        """Whether pDUAcknowledgementRequests (TS 102 232-1 TRIPayload [12]) are sent on this
        connection."""
        return self._ack_active

    @property
    def outstanding(self) -> int:
        """Records accepted by :meth:`send` and neither :class:`Acknowledged` nor reported in
        :class:`ResendNeeded` yet (0: everything is resolved, e.g. before a clean close)."""
        return len(self._outbox.outstanding)

    @property
    def unproven(self) -> int:
        """Records written on this connection and not yet resolved (waiting for an answer
        that covers them, or for the peer's answer to our orderly close)."""
        return len(self._outbox.in_flight)

    def written_ids(self) -> list[Hashable]:
        """The ids of the records written on this connection and not yet resolved, oldest
        first."""
        return [record.record_id for record in self._outbox.in_flight]

    @property
    def confirms_by_close(self) -> bool:
        """Whether only an orderly close can prove delivery on this connection: no TRI PDUs
        (no keep-alive, no acknowledgement; e.g. ATIS or PacketCable streams)."""
        return self._build is None

    @property
    def proof_due(self) -> bool:
        """On a stream that :attr:`confirms_by_close`: the resend window is reached (see the
        class documentation). The transport should write what is queued, then close the
        connection orderly and report the peer's answer with :meth:`close_confirmed`."""
        return self._proof_due

    @property
    def pending_bytes(self) -> int:
        """Octets queued for :meth:`data_to_send`."""
        return self._outbox.queued_bytes

    # -- the connection -------------------------------------------------------------------------

    def connection_made(self, now: float) -> None:
        """A connection to the peer is up (TCP/TLS established) at ``now``.

        With ``acknowledgement="negotiate"`` an optionRequest (TS 102 232-1 TRIPayload [9])
        is queued and records wait for the answer; otherwise records accepted meanwhile are
        queued for writing."""
        check_call(self._state, "connection_made")
        self._advance(now)
        self.connections += 1
        self._reader = self._new_reader()
        self._outbox.last_written_at = self._now
        self._ack_active = self.acknowledgement == "request"
        if self.acknowledgement == "negotiate":
            option = (TRIName.OPTION_REQUEST,
                      {"requestedOptions": [(events.PDU_ACKNOWLEDGEMENT, None)]})
            self._options = self._queue_request(option, NO_RECORD)
            self._state = next_state(self._state, Trigger.CONNECTED_TO_NEGOTIATE)
        else:
            self._open(Trigger.CONNECTED)

    def connection_lost(self, now: float, reason: str | None = None) -> None:
        """The connection is gone (closed by either side, or reset) at ``now``.

        Every record not yet :class:`Acknowledged` is reported in one :class:`ResendNeeded`
        and forgotten; the session is :attr:`SessionState.DISCONNECTED`."""
        check_call(self._state, "connection_lost")
        self._advance(now)
        lost = self._outbox.lose_all()
        self._ack_requests.clear()
        self._keep_alive = None
        self._options = None
        self._ack_active = False
        self._since_request = 0
        self._proof_due = False
        self._covered = self._outbox.last_queued
        self._state = next_state(self._state, Trigger.CONNECTION_LOST)
        if lost:
            self._events.append(events.ResendNeeded(tuple(lost), reason))

    # -- records --------------------------------------------------------------------------------

    def send(self, record_id: Hashable, pdu: bytes | bytearray | memoryview) -> None:
        """Accept one encoded PS-PDU for delivery. ``record_id`` is the caller's key for it
        (the spool's), reported back in :class:`Acknowledged` or :class:`ResendNeeded`; it
        must not be outstanding already.

        The PDU is queued for :meth:`data_to_send` when the connection is open, otherwise
        held until it is (and reported in :class:`ResendNeeded` if it is lost first)."""
        record = self._outbox.accept(record_id, pdu)
        if self._state is _OPEN:
            self._queue_record(record)
        else:
            self._outbox.held.append(record)

    def send_many(self, records: Iterable[tuple[Any, ...]]) -> None:
        """:meth:`send` for several ``(record_id, pdu)`` pairs (or longer tuples whose first
        two items are those, such as spool entries), in order, with less work per record
        (for transports that feed large batches). The checks are those of
        :meth:`send`: at the first pair refused (``LocalProtocolError``) the pairs before it
        are accepted and the rest are not."""
        if self._state is not _OPEN:
            for record_id, pdu, *_ in records:
                self.send(record_id, pdu)
            return
        outbox = self._outbox
        if not self._ack_active:
            outbox.accept_and_queue(records)  # no acknowledgement requests to count
            return
        # A pDUAcknowledgementRequest after every ack_every records: queue in runs between.
        items = records if isinstance(records, list) else list(records)
        start = 0
        while start < len(items):
            run = items[start:start + max(1, self.ack_every - self._since_request)]
            start += len(run)
            before = outbox.next_index
            try:
                outbox.accept_and_queue(run)
            finally:
                self._since_request += outbox.next_index - before
                if self._since_request >= self.ack_every:
                    self._queue_ack_request()

    def flush(self) -> None:
        """Ask the peer now to confirm what was sent: with acknowledgement a
        pDUAcknowledgementRequest for the records not yet covered by one; without, a
        keep-alive (if none is outstanding) whose answer confirms every record written before
        it (:class:`Acknowledged` with basis ``"keep-alive"``, TS 102 232-1 6.4.5). Use
        before a clean close; nothing happens unless the connection is open and records are
        unresolved."""
        if self._state is not _OPEN:
            return
        outbox = self._outbox
        if self._ack_active:
            if self._covered < outbox.last_queued:
                self._queue_ack_request()
        elif self._build is not None and self._keep_alive is None and (
                outbox.in_flight or outbox.last_queued > outbox.last_written):
            self._queue_keep_alive()

    def close_confirmed(self, now: float) -> None:
        """The peer answered our orderly close at ``now``: its TLS close_notify in answer to
        ours (RFC 8446 6.1, RFC 5246 7.2.1) or, over plain TCP, its FIN in answer to ours,
        read after every octet we wrote. Every record written is delivered
        (:class:`Acknowledged` with basis ``"close"``); records never written stay
        unresolved (reported by :meth:`connection_lost`). Call it before
        :meth:`connection_lost`, and only for a close *we* began after writing: a peer that
        closes on its own proves nothing."""
        check_call(self._state, "close_confirmed")
        self._advance(now)
        outbox = self._outbox
        self._resolve(outbox.written_through(outbox.last_written), "close")
        self._proof_due = False

    # -- octets ---------------------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets read from the peer (any chunking, TS 102 232-1 clause 6). Answers it asked
        for resolve requests; the rest becomes events."""
        check_call(self._state, "receive_data")
        super().receive_data(data)

    def data_to_send(self, max_bytes: int | None = None) -> bytes:
        """The octets the transport must write now: whole PDUs, in order, at most
        ``max_bytes`` (default :attr:`max_batch_bytes`; ``None``: all) unless one PDU alone is
        larger. ``b""`` when there is nothing to write (or the session has failed). What is
        returned counts as written at the latest ``now`` given: call until it returns
        ``b""``."""
        if not self._outbox.queue or self._state in _STOPPED:
            return b""
        limit = self.max_batch_bytes if max_bytes is None else max_bytes
        data = self._outbox.take(limit, self._now)
        if not self._ack_active:
            self._check_window()
        return data

    # -- time -----------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Time has passed: run the timers (keep-alive, waits, acknowledgement delay, resend
        window) at the caller's ``now``. Call it at :meth:`next_deadline` at the latest."""
        self._advance(now)
        state = self._state
        if state is _NEGOTIATING:
            if self._waited_for(self._options, self.keep_alive_wait, now):
                self._options = None
                self._events.append(events.OptionsNegotiated((), (), answered=False))
                self._open(Trigger.OPTIONS_ENDED)
            else:
                self._check_wait(self._keep_alive, self.keep_alive_wait, now)
            return
        if state is not _OPEN:
            return
        if self._check_wait(self._keep_alive, self.keep_alive_wait, now):
            return
        oldest = self._ack_requests[0] if self._ack_requests else None
        if self._check_wait(oldest, self.acknowledgement_wait, now):
            return
        outbox = self._outbox
        if self._ack_active:
            if self._ack_due() and now >= outbox.last_record_written + self.ack_delay:
                self._queue_ack_request()
        else:
            self._check_window()
        if (self._keep_alive is None and not outbox.queue
                and now >= outbox.last_written_at + self.keep_alive_interval):
            self._queue_keep_alive()

    def next_deadline(self) -> float | None:
        """The earliest ``now`` at which :meth:`tick` has something to do (a keep-alive to
        send, a wait running out, an acknowledgement request or a resend window due), or
        ``None`` when no timer runs (not connected, or failed)."""
        state = self._state
        if state in _STOPPED:
            return None
        deadlines: list[float] = []
        for request in (self._keep_alive, self._options):
            if request is not None and request.sent_at is not None:
                deadlines.append(request.sent_at + self.keep_alive_wait)
        if state is _OPEN:
            outbox = self._outbox
            if self._ack_requests and self._ack_requests[0].sent_at is not None:
                deadlines.append(self._ack_requests[0].sent_at + self.acknowledgement_wait)
            if self._ack_active:
                if self._ack_due():
                    deadlines.append(outbox.last_record_written + self.ack_delay)
            elif outbox.in_flight and self.resend_window_seconds and not self._proof_due:
                deadlines.append(outbox.in_flight[0].written_at + self.resend_window_seconds)
            if (self._keep_alive is None and not outbox.queue
                    and self.keep_alive_interval != math.inf):
                deadlines.append(outbox.last_written_at + self.keep_alive_interval)
        return min(deadlines) if deadlines else None

    # -- internals ------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        if isinstance(now, bool) or not isinstance(now, int | float) or math.isnan(now):
            raise LocalProtocolError(f"now must be a number of seconds, got {now!r}")
        if now > self._now:  # a clock that steps back does not rewind the timers
            self._now = float(now)

    def _open(self, trigger: Trigger) -> None:
        self._state = next_state(self._state, trigger)
        held = self._outbox.held
        while held:
            self._queue_record(held.popleft())

    def _stopped(self) -> bool:
        return self._state is SessionState.FAILED

    def _fail(self, event: events.Event) -> None:
        self._state = next_state(self._state, Trigger.FAILED)
        self._events.append(event)

    def _queue_record(self, record: Record) -> None:
        self._outbox.queue_record(record)
        if self._ack_active:
            self._since_request += 1
            if self._since_request >= self.ack_every:
                self._queue_ack_request()

    def _queue_answer(self, data: bytes) -> None:
        self._outbox.push(data, None)

    def _queue_request(self, payload: tuple[str, Any], covers: int) -> Request:
        """Queue a TRI request of ours (TS 102 232-1 6.4) covering the records up to index
        ``covers``; the builder tells its sequenceNumber (5.2.5), by which the answer is
        matched."""
        assert self._build is not None  # no request is queued without a TRI builder
        number, data = build_tri(self._build, payload)
        request = Request(payload[0], number, covers)
        self._outbox.push(data, request)
        return request

    def _queue_keep_alive(self) -> None:
        """A keep-alive (TS 102 232-1 6.4.5) covering every record queued so far."""
        self._keep_alive = self._queue_request((TRIName.KEEP_ALIVE, None),
                                               self._outbox.last_queued)

    def _queue_ack_request(self) -> None:
        """A pDUAcknowledgementRequest (TRIPayload [12]) covering every record queued so far."""
        last = self._outbox.last_queued
        self._ack_requests.append(self._queue_request((TRIName.ACK_REQUEST, None), last))
        self._covered = last
        self._since_request = 0

    def _ack_due(self) -> bool:
        """Records written and not yet covered by a pDUAcknowledgementRequest, and none of
        them still waiting to be written (those get one with the next ``ack_every``)."""
        last = self._outbox.last_queued
        return self._covered < last and self._outbox.last_written == last

    @staticmethod
    def _waited_for(request: Request | None, wait: float, now: float) -> bool:
        return request is not None and request.sent_at is not None and now >= (
            request.sent_at + wait)

    def _check_wait(self, request: Request | None, wait: float, now: float) -> bool:
        """Fail with :class:`KeepAliveFailed` if ``request`` was written ``wait`` seconds
        ago and is still unanswered."""
        if request is None or request.sent_at is None or now < request.sent_at + wait:
            return False
        self._fail(events.KeepAliveFailed(request.name, request.sequence_number,
                                          request.sent_at, now))
        return True

    def _check_window(self) -> None:
        """Without acknowledgement: once the resend window is reached, ask for proof (a
        keep-alive with TRI PDUs, else :attr:`proof_due`). Nothing counts as delivered here."""
        flight = self._outbox.in_flight
        if not flight or self._proof_due:
            return
        seconds_ = self.resend_window_seconds
        if not (len(flight) > self.resend_window
                or (seconds_ and self._now >= flight[0].written_at + seconds_)):
            return
        if self._build is None:
            self._proof_due = True
        elif self._keep_alive is None:
            self._queue_keep_alive()

    def _confirm_through(self, index: int, basis: events.DeliveryBasis) -> None:
        self._resolve(self._outbox.written_through(index), basis)

    def _resolve(self, record_ids: list[Hashable], basis: events.DeliveryBasis) -> None:
        if record_ids:
            self._outbox.resolve(record_ids)
            self._events.append(events.Acknowledged(tuple(record_ids), basis))

    # -- what the peer sent ---------------------------------------------------------------------

    def _handle(self, pdu: PDU, tri: tuple[str, Any] | None) -> None:
        name = tri[0] if tri is not None else None
        if name == TRIName.KEEP_ALIVE:
            if self._reply(pdu, (TRIName.KEEP_ALIVE_RESPONSE, None)):
                self._events.append(events.PeerKeepAlive(sequence_number(pdu)))
            return
        if name == TRIName.KEEP_ALIVE_RESPONSE:
            handled = self._answer_keep_alive(pdu)
        elif name == TRIName.ACK_RESPONSE:
            handled = self._answer_acknowledgement(pdu)
        elif name == TRIName.OPTION_RESPONSE and tri is not None:
            handled = self._answer_options(tri[1])
        else:
            handled = False
        if not handled:
            self._events.append(events.PeerMessage(pdu))

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
        """Match a pDUAcknowledgementResponse (TRIPayload [13]) with our requests: by
        sequenceNumber, else the oldest written request (answers come in order over TCP)."""
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
        """An optionResponse (TRIPayload [10]) ends the negotiation: acknowledgement is on if
        the peer accepted ``pDUAcknowledgement``; an optionComplete [11] is queued."""
        options = self._options
        if (self._state is not _NEGOTIATING or options is None
                or options.sent_at is None or not isinstance(response, dict)):
            return False
        accepted = option_names(response.get("acceptedOptions", ()))
        declined = option_names(response.get("declinedOptions", ()))
        self._options = None
        self._ack_active = events.PDU_ACKNOWLEDGEMENT in accepted
        self._queue_request((TRIName.OPTION_COMPLETE, None), NO_RECORD)
        self._events.append(events.OptionsNegotiated(accepted, declined, answered=True))
        self._open(Trigger.OPTIONS_ENDED)
        return True
