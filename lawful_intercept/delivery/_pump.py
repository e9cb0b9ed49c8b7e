"""The delivery pump: spool ↔ handover session ↔ connection, without I/O (docs/delivery.md,
"The delivery pump").

:class:`DeliveryPump` is what both delivery clients share, in the manner of h11 or the
``BaseClient`` of httpx: it decides and counts, the transport moves octets. Per connection it
makes a fresh :class:`~lawful_intercept.delivery.HandoverSession` (TS 102 232-1 clause 6),
keeps the *send cursor* (the last record id handed to this connection: a new connection starts
again from 0, so that everything not acknowledged is sent again), feeds the session the
spool's records above the cursor in batches bounded by ``max_buffered_bytes``, asks for a
keep-alive when the spool is drained on a connection without PDU acknowledgement (TS 102 232-1
6.4.5, "confirm when idle"), turns the session's events into spool acknowledgements and into
the reason a connection must end, and computes the back-off before the next attempt
(exponential with jitter). It keeps the counters of :class:`ClientStats`.

It opens no socket, starts no thread and knows nothing of asyncio. The transport calls, per
connection: :meth:`~DeliveryPump.connected`, then in a loop :meth:`~DeliveryPump.feed` (or
:meth:`~DeliveryPump.room` / :meth:`~DeliveryPump.read` / :meth:`~DeliveryPump.hand` when the
spool must be read in another thread), :meth:`~DeliveryPump.tick`,
:meth:`~DeliveryPump.events` with :meth:`~DeliveryPump.acknowledge`, writes what
:meth:`~DeliveryPump.data_to_send` returns, waits at most :meth:`~DeliveryPump.timeout`,
gives what it read to :meth:`~DeliveryPump.receive_data`; it ends the connection when
:attr:`~DeliveryPump.failure` is set, and calls :meth:`~DeliveryPump.disconnected`. The
spool calls (:meth:`~DeliveryPump.read`, :meth:`~DeliveryPump.acknowledge`) may wait for the
disk; they touch neither the session nor the cursor, so an asyncio transport runs them in an
executor.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .._checks import require_instance, require_int, require_number
from ..catalog import PS_PDU, default_specification
from ._events import (
    Acknowledged,
    KeepAliveFailed,
    OptionsNegotiated,
    ProtocolViolation,
    ResendNeeded,
)
from ._notices import Notifier
from ._poison import DEFAULT_POISON_STRIKES, PoisonWatch
from ._sender import HandoverSession
from ._spool import Spool
from ._spool_format import SpoolEntry
from ._transitions import SessionState

__all__ = ["READ_RECORDS", "WRITE_BYTES", "ClientStats", "DeliveryPump"]

log = logging.getLogger(__name__)

READ_RECORDS: Final = 4096
"""Records per spool read."""
WRITE_BYTES: Final = 256 << 10
"""Octets per write the pump asks for (whole PDUs; one larger PDU alone): small enough to stay
in the CPU's caches between the join and the encryption, large enough for few system calls."""


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of a delivery client's counters (``DeliveryClient.stats``).

    ``attempts``: connection attempts; ``connects``: connections established (TLS handshake
    done); ``reconnects``: connections established after the first; ``sent``: records handed
    to a connection (resends counted again); ``resent``: of those, records handed to a
    connection again after an earlier one (not acknowledged before it ended);
    ``acknowledged``: records the spool deleted after an :class:`Acknowledged`;
    ``keep_alive_failures``: :class:`KeepAliveFailed` events; ``protocol_errors``:
    :class:`ProtocolViolation` events; ``last_error``: the last reason a connection failed or
    ended (``None`` if none yet); ``connected``: whether a connection is up now;
    ``queued``: records in the spool, not yet acknowledged, when the snapshot was taken;
    ``refused``: consecutive refusals by the LEMF that cannot heal by retrying (our
    certificate refused, theirs untrusted or expired, a pin mismatch), 0 once a connection
    worked; ``refusal``: the last such refusal (``None`` if none yet).
    """

    attempts: int
    connects: int
    reconnects: int
    sent: int
    acknowledged: int
    keep_alive_failures: int
    protocol_errors: int
    last_error: str | None
    connected: bool
    resent: int = 0
    queued: int = 0
    refused: int = 0
    refusal: str | None = None


class DeliveryPump:
    """Delivers ``spool``'s records through one ``session_factory()`` session per connection,
    without I/O (see the module documentation).

    ``max_buffered_bytes`` bounds the record octets fed into the session ahead of the
    connection. Back-off (:meth:`next_delay`): ``reconnect_initial`` seconds after a
    connection that worked or after the first failure, doubled per further consecutive
    failure up to ``reconnect_max``, varied by ±``jitter`` (a fraction in [0, 1)) with
    ``rng``. :meth:`stats` may be called from any thread.
    """

    def __init__(
        self,
        spool: Spool,
        session_factory: Callable[[], HandoverSession],
        *,
        max_buffered_bytes: int = 4 << 20,
        reconnect_initial: float = 1.0,
        reconnect_max: float = 60.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
        notify: Notifier | None = None,
        poison_strikes: int | None = DEFAULT_POISON_STRIKES,
    ) -> None:
        require_instance(spool, Spool, "spool")
        if not callable(session_factory):
            raise TypeError("session_factory must be callable")
        self.max_buffered_bytes = require_int(max_buffered_bytes, "max_buffered_bytes", low=1)
        initial = require_number(reconnect_initial, "reconnect_initial", low=0, low_open=True)
        self.reconnect_initial = initial
        self.reconnect_max = max(
            require_number(reconnect_max, "reconnect_max", low=0, low_open=True), initial)
        self.jitter = require_number(jitter, "jitter", low=0)
        if not self.jitter < 1:
            raise ValueError(f"jitter must be a fraction in [0, 1), not {jitter!r}")
        self.spool = spool
        self.session_factory = session_factory
        self.notify = notify if notify is not None else Notifier("", log, None)
        """Where the pump's notices go (logged, and to the transport's ``on_event``)."""
        self.poison = None if poison_strikes is None else PoisonWatch(poison_strikes)
        """The search for poison records (``None``: off)."""
        self.poisoned: tuple[int, str, int | None] | None = None
        """A poison record found and not yet buried (:meth:`bury`): id, the peer's last
        words, its offset on the connection."""
        self._step = 0  # records handed since the last proof, while a poison search runs
        self._octets = 0  # octets handed to the connection
        self._probe_offset: int | None = None
        self._refused_now = False
        self.session: HandoverSession | None = None
        """The session of the current connection (``None`` between connections)."""
        self.cursor = 0
        """The last record id handed to the current connection."""
        self.failure: str | None = None
        """Why the current connection must end (set by :meth:`events`), or ``None``."""
        self._rng = rng if rng is not None else random.Random()
        self._lock = threading.Lock()
        self._failures = 0
        self._heard = False
        self._started = 0.0
        self._highest_fed = 0
        self._attempts = 0
        self._connects = 0
        self._sent = 0
        self._resent = 0
        self._acknowledged = 0
        self._keep_alive_failures = 0
        self._protocol_errors = 0
        self._last_error: str | None = None
        self._connected = False
        self._refused = 0
        self._refusal: str | None = None
        self._proved_close = False

    # -- counters and back-off ----------------------------------------------------------------

    def stats(self) -> ClientStats:
        """The counters since construction (:class:`ClientStats`)."""
        queued = self.spool.stats().queued
        with self._lock:
            return ClientStats(
                attempts=self._attempts,
                connects=self._connects,
                reconnects=max(0, self._connects - 1),
                sent=self._sent,
                acknowledged=self._acknowledged,
                keep_alive_failures=self._keep_alive_failures,
                protocol_errors=self._protocol_errors,
                last_error=self._last_error,
                connected=self._connected,
                resent=self._resent,
                queued=queued,
                refused=self._refused,
                refusal=self._refusal,
            )

    def next_delay(self) -> float:
        """The back-off before the next attempt: ``reconnect_initial`` after a connection
        that worked (the peer answered) or after the first failure, then doubled per further
        consecutive failure, at most ``reconnect_max``; varied by ±``jitter``."""
        if self._proved_close:  # a close of ours that proved delivery: go on at once
            self._proved_close = False
            return 0.0
        doublings = min(max(self._failures - 1, 0), 62)
        base = min(self.reconnect_max, self.reconnect_initial * 2.0 ** doublings)
        return base * (1.0 + self.jitter * (2.0 * self._rng.random() - 1.0))

    def set_error(self, reason: str) -> None:
        """Record ``reason`` as the last error (``stats().last_error``)."""
        with self._lock:
            self._last_error = reason

    # -- connection life ----------------------------------------------------------------------

    def attempt(self) -> None:
        """A connection attempt starts."""
        with self._lock:
            self._attempts += 1

    def connect_failed(self, reason: str) -> None:
        """The attempt failed (no connection): counts toward the back-off."""
        self._failures += 1
        self.set_error(reason)

    def refused(self, reason: str, *, permanent: bool, connected: bool) -> None:
        """The LEMF refused the handshake (``reason``); ``permanent``: retrying cannot heal
        it (counted in ``stats().refused``). ``connected``: the refusal came after our side
        of the handshake had completed (TLS 1.3 reports a refused client certificate only
        then): that connection is not counted as established."""
        self._refused_now = True
        with self._lock:
            if connected and self._connects:
                self._connects -= 1
            if permanent:
                self._refused += 1
            self._refusal = reason
            self._last_error = reason
        self.notify("refused", reason)

    def connected(self, now: float) -> HandoverSession:
        """A connection is up at ``now``: a fresh session, the cursor back to the start (every
        record not acknowledged is sent again). Returns the session."""
        with self._lock:
            self._connects += 1
            self._connected = True
        self._started = now
        self._heard = False
        self.cursor = 0
        self.failure = None
        self._proved_close = False
        self._refused_now = False
        self._step = 0
        self._octets = 0
        session = self.session_factory()
        if not isinstance(session, HandoverSession):
            raise TypeError("session_factory() must return a HandoverSession, not "
                            f"{type(session).__name__} (give a function that makes one per "
                            "connection, not a session)")
        session.connection_made(now)
        self.session = session
        return session

    def disconnected(self, now: float, reason: str, *, by_peer: bool = False) -> list[int]:
        """The connection is gone at ``now`` (``reason``): the session reports what is lost
        (resent on the next connection, from the cursor's start). Returns the record ids its
        last events acknowledged, for :meth:`acknowledge`. A connection on which the peer
        answered, or that lasted ``reconnect_max``, resets the back-off. ``by_peer``: the
        peer ended it (closed, reset, a protocol error; not a refusal): the poison search
        (:class:`~._poison.PoisonWatch`) learns which records were written and unproven, and
        :attr:`poisoned` is set when one is found (:meth:`bury` it)."""
        with self._lock:
            self._connected = False
        session = self.session
        acknowledged: list[int] = []
        if session is not None:
            if by_peer and not self._refused_now and self.poison is not None:
                # A peer that never proved anything may refuse every record alike (one that
                # drops every connection): no record is blamed before one proof came.
                found = self.poison.peer_closed(session.written_ids(),
                                                blame=self._acknowledged > 0)
                if found is not None:
                    self.poisoned = (found, reason, self._probe_offset)
            session.connection_lost(now, reason)
            acknowledged = self.events()
            self.session = None
        if self._heard or self._proved_close or now - self._started >= self.reconnect_max:
            self._failures = 0
        else:
            self._failures += 1
        return acknowledged

    # -- proof by an orderly close (streams without TRI PDUs) ------------------------------------

    def close_wanted(self, *, backlog: bool, stopping: bool = False) -> bool:
        """Whether the transport should now close the connection orderly to prove delivery:
        on a stream whose session :attr:`~HandoverSession.confirms_by_close`, with records
        written and unproven, once the resend window is reached
        (:attr:`~HandoverSession.proof_due`) or, with no ``backlog``, the spool has nothing
        above the cursor (confirm when idle), or when ``stopping``. Write what is queued
        first."""
        session = self.session
        if (session is None or not session.confirms_by_close or not session.unproven
                or session.state is not SessionState.OPEN):
            return False
        return stopping or session.proof_due or self._step_full() or (
            not backlog and self.spool.stats().next_id - 1 <= self.cursor)

    def _step_full(self) -> bool:
        """While a poison search runs: the records of this step are all handed."""
        poison = self.poison
        return poison is not None and poison.probe is not None and self._step >= poison.probe

    def bury(self) -> int | None:
        """Move the poison record found (:attr:`poisoned`) to the spool's dead-letter area
        (:meth:`Spool.dead_letter`) and report it (a ``"dead-letter"`` notice naming its id,
        LIID, kind and offset). Returns its id, or ``None`` when there is none. Touches the
        spool: may run in another thread."""
        found = self.poisoned
        if found is None:
            return None
        self.poisoned = None
        record_id, peer_said, offset = found
        entries = self.spool.read_from(record_id - 1, 1, 1)
        if not entries or entries[0].id != record_id:
            return None  # acknowledged meanwhile
        entry = entries[0]
        assert self.poison is not None
        strikes = self.poison.strikes
        reason = (f"the peer ended the connection right after this record, with nothing else "
                  f"unproven, {strikes} times in a row")
        self.spool.dead_letter(record_id, reason=reason, peer_said=peer_said)
        liid = self._liid(entry)
        self.notify("dead-letter", f"record {record_id} (LIID {liid or '?'}, kind "
                    f"{entry.kind or '?'}, offset {offset if offset is not None else '?'}) "
                    f"moved to the dead-letter area: {reason}; the peer: {peer_said}",
                    record_ids=(record_id,), liid=liid, record_kind=entry.kind or None,
                    offset=offset)
        return record_id

    def _liid(self, entry: SpoolEntry) -> str | None:
        """The record's key as text, else the LIID of its PS-PDU header."""
        if entry.key:
            return entry.key.decode("utf-8", "replace")
        try:
            header = default_specification().decode(PS_PDU, entry.data)["pSHeader"]
            liid = header["lawfulInterceptionIdentifier"]
        except Exception:  # not a PS-PDU of the bundled modules
            return None
        return liid.decode("utf-8", "replace") if isinstance(liid, bytes) else str(liid)

    def close_proven(self, now: float) -> list[int]:
        """The peer answered our orderly close at ``now``
        (:meth:`HandoverSession.close_confirmed`): the record ids now delivered, for
        :meth:`acknowledge`. The next attempt follows without back-off."""
        session = self.session
        if session is None:
            return []
        session.close_confirmed(now)
        with self._lock:
            self._refused = 0
        self._proved_close = True
        return self.events()

    # -- records to the session ---------------------------------------------------------------

    def room(self) -> int:
        """Octets of records the session takes now: 0 unless it is open, has room below
        ``max_buffered_bytes`` and the spool has records above the cursor. (The session
        holds no records before it is open: option negotiation would keep them all in
        memory.)"""
        session = self.session
        if session is None or session.state is not SessionState.OPEN:
            return 0
        room = self.max_buffered_bytes - session.pending_bytes
        if (room <= 0 or session.proof_due or self.spool.stats().next_id - 1 <= self.cursor
                or self._step_full()):
            return 0
        return room

    def read(self, room: int) -> list[SpoolEntry]:
        """The spool's records above the cursor until their octets fill ``room`` (at least
        one, when any). Reads the spool only: may run in another thread."""
        taken: list[SpoolEntry] = []
        after = self.cursor
        most = READ_RECORDS
        poison = self.poison
        if poison is not None and poison.probe is not None:  # a step of the poison search
            most = max(0, poison.probe - self._step)
            room = room if most else 0
        while room > 0:
            entries = self.spool.read_from(after, most, room)
            if not entries:
                break
            taken += entries
            after = entries[-1].id
            room -= sum([len(entry.data) for entry in entries])
            if most != READ_RECORDS:
                break
        return taken

    def hand(self, entries: list[SpoolEntry], room: int) -> bool:
        """Give records :meth:`read` returned to the session and move the cursor past them.
        Whether they filled ``room`` (more may be waiting: feed again without waiting)."""
        session = self.session
        if not entries or session is None or session.state is not SessionState.OPEN:
            return False
        poison = self.poison
        if poison is not None and poison.probe is not None:
            self._step += len(entries)
            self._probe_offset = self._octets + session.pending_bytes
        session.send_many(entries)  # (id, data, kind, key): the session takes the first two
        first, last = entries[0].id, entries[-1].id
        self.cursor = last
        highest = self._highest_fed
        again = 0
        if first <= highest:  # ids only grow: these were handed to an earlier connection
            again = sum([1 for entry in entries if entry.id <= highest])
        with self._lock:
            self._sent += len(entries)
            self._resent += again
            self._highest_fed = max(highest, last)
        return sum([len(entry.data) for entry in entries]) >= room

    def feed(self) -> bool:
        """:meth:`room`, :meth:`read` and :meth:`hand` in one call. Whether there may be
        more to feed at once."""
        room = self.room()
        return self.hand(self.read(room), room) if room else False

    # -- the session's clock, output and input ------------------------------------------------

    def tick(self, now: float, *, backlog: bool = False) -> None:
        """Run the session's timers at ``now``. Unless more records wait (``backlog``),
        confirm when idle: without PDU acknowledgement, once the spool has nothing above the
        cursor, :meth:`HandoverSession.flush` asks for a keep-alive whose answer confirms
        every record written before it (TS 102 232-1 6.4.5; at most one is outstanding), so
        that the last records of a burst do not wait for the idle keep-alive or the resend
        window."""
        session = self.session
        if session is None:
            return
        if (session.state is SessionState.OPEN and session.outstanding
                and not session.pending_bytes and (self._step_full() or (
                    not backlog and not session.acknowledging
                    and self.spool.stats().next_id - 1 <= self.cursor))):
            session.flush()
        session.tick(now)

    def data_to_send(self) -> bytes:
        """The next octets to write (whole PDUs, about :data:`WRITE_BYTES` at most; a larger
        PDU alone, not copied); ``b""`` when there is nothing. Call until it returns ``b""``."""
        session = self.session
        if session is None:
            return b""
        limit = session.max_batch_bytes
        data = session.data_to_send(WRITE_BYTES if limit is None else min(limit, WRITE_BYTES))
        self._octets += len(data)
        return data

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets read from the connection (the peer answers: the back-off will start again
        from ``reconnect_initial``)."""
        if self.session is not None:
            self.session.receive_data(data)
            self._heard = True
            if self._refused:
                with self._lock:
                    self._refused = 0

    def timeout(self, now: float, *, backlog: bool, poll_interval: float) -> float:
        """How long the transport may wait for input before the next round: 0 with a backlog,
        else ``poll_interval`` (records appended directly to the spool are picked up that
        late), at most until the session's next deadline."""
        timeout = 0.0 if backlog else poll_interval
        deadline = self.session.next_deadline() if self.session is not None else None
        if deadline is not None:
            timeout = min(timeout, max(0.0, deadline - now))
        return timeout

    # -- the session's events -----------------------------------------------------------------

    def events(self) -> list[int]:
        """Act on the session's events: count them, set :attr:`failure` on the first
        :class:`KeepAliveFailed` or :class:`ProtocolViolation` (the connection must end), and
        return the record ids :class:`Acknowledged` reported, for :meth:`acknowledge`.
        (:class:`ResendNeeded` needs nothing but a notice: the next connection starts from
        the cursor's start.)"""
        session = self.session
        if session is None:
            return []
        acknowledged: list[int] = []
        notify = self.notify
        for event in session.events():
            if isinstance(event, Acknowledged):
                ids = [i for i in event.record_ids if isinstance(i, int)]
                acknowledged += ids
                if self.poison is not None and self.poison.probe is not None:
                    self.poison.proven(ids)
                    if not session.unproven:
                        self._step = 0  # the step is proven: the next one may start
                if notify.wants("delivered"):
                    notify("delivered", f"{len(ids)} records delivered (proof: {event.basis})",
                           record_ids=tuple(ids))
            elif isinstance(event, ResendNeeded):
                notify("resend", f"{len(event.record_ids)} records not proven delivered will be"
                       f" sent again ({event.reason or 'connection lost'})",
                       record_ids=tuple(i for i in event.record_ids if isinstance(i, int)))
            elif isinstance(event, OptionsNegotiated):
                notify("negotiated", "options negotiated: " + (
                    f"accepted {', '.join(event.accepted) or 'none'}, declined "
                    f"{', '.join(event.declined) or 'none'}" if event.answered
                    else "no answer to the optionRequest, going on without options"))
            elif isinstance(event, KeepAliveFailed):
                with self._lock:
                    self._keep_alive_failures += 1
                self.failure = self.failure or (
                    f"no answer to {event.request} #{event.sequence_number} within the wait")
                notify("keep-alive-failed", self.failure)
            elif isinstance(event, ProtocolViolation):
                with self._lock:
                    self._protocol_errors += 1
                self.failure = self.failure or f"protocol error from the peer: {event.reason}"
        return acknowledged

    def acknowledge(self, record_ids: list[int]) -> int:
        """Acknowledge ``record_ids`` in the spool (they are delivered); how many it deleted.
        Touches the spool and the counters only: may run in another thread."""
        if not record_ids:
            return 0
        count = self.spool.ack(record_ids)
        with self._lock:
            self._acknowledged += count
            self._refused = 0
        return count
