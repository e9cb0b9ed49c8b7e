"""A blocking TLS transport for the handover session (ETSI TS 102 232-1 clause 6).

:class:`DeliveryClient` owns the socket, the clock and a thread; the protocol logic is the
sans-IO :class:`~lawful_intercept.delivery.HandoverSession` and the records come
from a durable :class:`~lawful_intercept.delivery.spool.Spool` (see docs/delivery.md, "Using
it from a transport"). One connection at a time:

* connect (TCP, then TLS 1.2 or later; the given ``ssl.SSLContext`` verifies the server's
  certificate and host name and carries the client certificate for mutual TLS). Plain TCP
  only when asked for explicitly with ``insecure_plain_tcp=True``;
* a fresh session from ``session_factory``; ``spool.rewind()`` so that everything not yet
  acknowledged is sent again, then the spool's unsent records are fed to the session;
* write :meth:`HandoverSession.data_to_send`, read with a timeout derived from
  :meth:`HandoverSession.next_deadline`, ``tick``, act on the events:
  :class:`Acknowledged` → ``spool.ack``; :class:`KeepAliveFailed` / :class:`ProtocolViolation`
  → close and reconnect; :class:`ResendNeeded` → nothing (the rewind on the next connection
  resends);
* reconnect with exponential back-off and jitter.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

from ..errors import InsecureTransportError
from ._events import Acknowledged, KeepAliveFailed, ProtocolViolation
from ._sender import HandoverSession
from ._transitions import SessionState
from .spool import Spool, SpoolError
from .tls import Pins, check_pin, normalize_pins

__all__ = ["ClientStats", "DeliveryClient", "InsecureTransportError"]

_READ_SIZE = 65536


class _ConnectionEnded(Exception):
    """Internal: the current connection must be closed (reason in ``args[0]``)."""


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of :meth:`DeliveryClient.stats`.

    ``attempts``: connection attempts; ``connects``: connections established (TLS handshake
    done); ``reconnects``: connections established after the first; ``sent``: records handed
    to a connection (resends counted again); ``resent``: of those, records handed to a
    connection again after an earlier one (not acknowledged before it ended);
    ``acknowledged``: records the spool deleted after an :class:`Acknowledged`;
    ``keep_alive_failures``: :class:`KeepAliveFailed` events; ``protocol_errors``:
    :class:`ProtocolViolation` events; ``last_error``: the last reason a connection failed or
    ended (``None`` if none yet); ``connected``: whether a connection is up now;
    ``queued``: records in the spool, not yet acknowledged, when the snapshot was taken.
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


def _confirm_when_idle(session: HandoverSession, spool: Spool) -> None:
    """Without PDU acknowledgement, ask the peer to confirm what was written as soon as the
    spool has nothing more to send: :meth:`HandoverSession.flush` writes a keep-alive whose
    answer confirms every record written before it (TS 102 232-1 6.4.5; at most one is
    outstanding). Otherwise the last records of a burst would wait for the idle keep-alive
    or the resend window."""
    if (session.state is SessionState.OPEN and not session.acknowledging
            and session.outstanding and not session.pending_bytes):
        counts = spool.stats()
        if counts.queued <= counts.sent:
            session.flush()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _ConnectionEnded):
        return str(exc.args[0]) if exc.args else "connection ended"
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def _check_transport(ssl_context: ssl.SSLContext | None, *, insecure_plain_tcp: bool,
                     pinned_sha256: Pins) -> frozenset[bytes]:
    """The delivery clients' refusals (:class:`InsecureTransportError`): plain TCP unless
    asked for, an SSL context that does not verify the server, pins without TLS. Raises the
    context's ``minimum_version`` to TLS 1.2 if it is lower; returns the parsed pins."""
    if ssl_context is None:
        if not insecure_plain_tcp:
            raise InsecureTransportError(
                "no ssl_context: refusing to deliver over plain TCP (pass "
                "insecure_plain_tcp=True to allow it, for tests only)")
    else:
        if insecure_plain_tcp:
            raise InsecureTransportError(
                "insecure_plain_tcp=True contradicts the ssl_context given")
        if ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname:
            raise InsecureTransportError(
                "ssl_context must verify the server's certificate and host name "
                "(verify_mode=CERT_REQUIRED, check_hostname=True)")
        minimum = ssl_context.minimum_version
        if (minimum == ssl.TLSVersion.MINIMUM_SUPPORTED
                or (minimum != ssl.TLSVersion.MAXIMUM_SUPPORTED
                    and minimum < ssl.TLSVersion.TLSv1_2)):
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
    pins = normalize_pins(pinned_sha256)
    if pins and ssl_context is None:
        raise InsecureTransportError(
            "pinned_sha256 needs TLS: a certificate pin cannot be checked over plain TCP")
    return pins


def _check_timing(*, jitter: float, max_buffered_bytes: int, **seconds: float) -> None:
    """The delivery clients' timing arguments: every one of ``seconds`` positive, ``jitter``
    a fraction in [0, 1), ``max_buffered_bytes`` positive."""
    for name, value in seconds.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter must be a fraction in [0, 1), got {jitter!r}")
    if max_buffered_bytes < 1:
        raise ValueError(f"max_buffered_bytes must be positive, got {max_buffered_bytes!r}")


class _Transport:
    """What both delivery clients share: the arguments and their checks (see
    :class:`DeliveryClient`), the counters behind :meth:`stats` and the back-off."""

    def __init__(
        self,
        host: str,
        port: int,
        spool: Spool,
        session_factory: Callable[[], HandoverSession],
        *,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str | None = None,
        insecure_plain_tcp: bool = False,
        pinned_sha256: Pins = None,
        reconnect_initial: float = 1.0,
        reconnect_max: float = 60.0,
        jitter: float = 0.2,
        connect_timeout: float = 10.0,
        write_timeout: float = 30.0,
        poll_interval: float = 0.5,
        max_buffered_bytes: int = 4 << 20,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        pins = _check_transport(ssl_context, insecure_plain_tcp=insecure_plain_tcp,
                                pinned_sha256=pinned_sha256)
        _check_timing(jitter=jitter, max_buffered_bytes=max_buffered_bytes,
                      reconnect_initial=reconnect_initial, reconnect_max=reconnect_max,
                      connect_timeout=connect_timeout, write_timeout=write_timeout,
                      poll_interval=poll_interval)
        self.host = host
        self.port = port
        self.spool = spool
        self.session_factory = session_factory
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname if server_hostname is not None else host
        self.pinned_sha256 = pins
        self.reconnect_initial = float(reconnect_initial)
        self.reconnect_max = float(max(reconnect_max, reconnect_initial))
        self.jitter = float(jitter)
        self.connect_timeout = float(connect_timeout)
        self.write_timeout = float(write_timeout)
        self.poll_interval = float(poll_interval)
        self.max_buffered_bytes = max_buffered_bytes
        self.clock = clock
        self._rng = rng if rng is not None else random.Random()

        self._lock = threading.Lock()
        self._failures = 0
        self._heard = False
        self._attempts = 0
        self._connects = 0
        self._sent = 0
        self._acknowledged = 0
        self._keep_alive_failures = 0
        self._protocol_errors = 0
        self._last_error: str | None = None
        self._connected = False
        self._resent = 0
        self._highest_fed = 0
        self._setup()

    def _setup(self) -> None:
        """The transport's own state (called at the end of ``__init__``)."""

    def stats(self) -> ClientStats:
        """Counters since construction (:class:`ClientStats`)."""
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
                queued=self.spool.stats().queued,
            )

    def _count_fed(self, record_ids: list[int]) -> None:
        """Count records handed to a connection; those at or below the highest id handed
        out before are resends (ids only grow, and a rewind hands out old ones again)."""
        highest = self._highest_fed
        again = sum(1 for record_id in record_ids if record_id <= highest) \
            if record_ids and record_ids[0] <= highest else 0
        with self._lock:
            self._sent += len(record_ids)
            self._resent += again
            if record_ids:
                self._highest_fed = max(highest, record_ids[-1])

    def next_delay(self) -> float:
        """The back-off before the next attempt: ``reconnect_initial`` after a connection
        that worked (the peer answered) or after the first failure, then doubled per further
        consecutive failure, at most ``reconnect_max``; varied by ±``jitter``."""
        doublings = min(max(self._failures - 1, 0), 62)
        base = min(self.reconnect_max, self.reconnect_initial * 2.0 ** doublings)
        return base * (1.0 + self.jitter * (2.0 * self._rng.random() - 1.0))


class DeliveryClient(_Transport):
    """Delivers a spool's records to one LEMF address over TLS, in its own thread.

    ``session_factory()`` builds the :class:`HandoverSession` used for each connection (a
    new one per connection; give its ``tri`` builder a ``SessionIdentity`` with CIN 0).
    ``ssl_context`` must be a client context that verifies the server
    (``verify_mode=CERT_REQUIRED``, ``check_hostname=True``, as from
    ``ssl.create_default_context``); its ``minimum_version`` is raised to TLS 1.2 if it is
    lower. ``server_hostname`` (default ``host``) is the name checked against the server's
    certificate. ``insecure_plain_tcp=True`` (with ``ssl_context=None``) sends over plain TCP,
    for tests and lab set-ups only. ``pinned_sha256``: SHA-256 fingerprints of the server's
    certificate (see :func:`~lawful_intercept.delivery.tls.normalize_pins`), checked after
    the handshake in addition to the verification; a certificate matching none fails the
    connection attempt (:class:`~lawful_intercept.delivery.tls.PinMismatch`, back-off
    applies) before anything is written.

    Timing: the first reconnection waits ``reconnect_initial`` seconds, doubling up to
    ``reconnect_max``, each delay varied by ±``jitter`` (a fraction); ``connect_timeout``
    bounds the TCP connect and the TLS handshake, ``write_timeout`` one write (a peer that
    stops reading); reads never block (a peer that stops answering is found by the
    session's keep-alive). Records appended to the spool directly (not via :meth:`send`)
    are picked up within ``poll_interval`` seconds. ``max_buffered_bytes`` bounds the
    octets fed into the session ahead of the socket. ``clock`` gives the session's ``now``.

    Use :meth:`start` / :meth:`stop` (or ``with DeliveryClient(...) as client:``), or call
    :meth:`run` (until :meth:`stop`) or :meth:`run_once` (one connection) in a thread of
    your own.
    """

    def _setup(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)


    # -- control ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run :meth:`run` in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the delivery client is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=f"delivery-{self.host}:"
                                        f"{self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Ask the loop to end (the connection is closed; what is not acknowledged stays in
        the spool) and wait up to ``timeout`` seconds for the thread. Whether it ended."""
        self._stop.set()
        self._wake()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def close(self, timeout: float | None = 10.0) -> None:
        """:meth:`stop`, then release the wake-up socket pair."""
        self.stop(timeout)
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> DeliveryClient:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, pdu: bytes, *, kind: str = "", key: bytes | str = b"") -> int:
        """Append one encoded PS-PDU to the spool (durably, per its policy) and wake the
        loop; return its record id."""
        record_id = self.spool.append(pdu, kind=kind, key=key)
        self._wake()
        return record_id

    def send_many(self, pdus: Iterable[bytes], *, kind: str | Iterable[str] = "",
                  key: bytes | str | Iterable[bytes | str] = b"") -> list[int]:
        """Append encoded PS-PDUs to the spool as one batch (:meth:`Spool.append_many`: all
        or nothing, one fsync for the batch under the ``"always"`` policy) and wake the loop;
        return their record ids, in order. ``kind`` and ``key`` are one value for every PDU
        or one per PDU. Every PDU is durable (per the spool's policy) when this returns."""
        record_ids = self.spool.append_many(pdus, kinds=kind, keys=key)
        if record_ids:
            self._wake()
        return record_ids

    def send_batch(self, pdus: Iterable[bytes], *, kind: str = "", key: bytes | str = b""
                   ) -> int:
        """Append a run of encoded PDUs to the spool as ONE record (their octets back to
        back, as they go on the wire: TS 102 232-1 clause 6 has no framing of its own) and
        wake the loop; return that record's id, or 0 for an empty run.

        The run is stored, delivered, acknowledged and, after a connection loss, resent as
        a unit: the cheapest way to accept many PDUs durably (one record header, one
        checksum and one fsync per run; no per-PDU work in the spool or the session), at the
        price of per-PDU bookkeeping: a resend repeats the whole run (the LEMF removes the
        duplicates), ``Acknowledged`` and the spool count runs, and the session's
        ``ack_every`` and ``resend_window`` count runs. Every PDU of the run must be a
        complete PDU (it is not checked here: give what the record builders produced)."""
        data = b"".join(pdus)
        if not data:
            return 0
        record_id = self.spool.append(data, kind=kind, key=key)
        self._wake()
        return record_id

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Connect, deliver and reconnect with back-off until :meth:`stop` (or the spool is
        closed or fails)."""
        while not self._stop.is_set():
            try:
                self.run_once()
            except SpoolError as exc:  # closed or unusable: nothing left to deliver from
                self._set_error(f"spool: {_describe(exc)}")
                return
            if self._stop.is_set():
                return
            self._stop.wait(self.next_delay())

    def run_once(self) -> bool:
        """One connection: connect, deliver until it fails, ends or :meth:`stop`. Whether a
        connection was established. Errors end up in ``stats().last_error``."""
        with self._lock:
            self._attempts += 1
        try:
            sock = self._connect()
        except OSError as exc:  # ssl.SSLError and socket.timeout are OSErrors
            self._failures += 1
            self._set_error(f"connect to {self.host}:{self.port} failed: {_describe(exc)}")
            return False
        with self._lock:
            self._connects += 1
            self._connected = True
        started = self.clock()
        session = self.session_factory()
        reason = "closed"
        self._heard = False
        try:
            session.connection_made(self.clock())
            self.spool.rewind()
            self._deliver(sock, session)
            reason = "stopped"
        except (OSError, _ConnectionEnded) as exc:
            reason = _describe(exc)
            self._set_error(reason)
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            with self._lock:
                self._connected = False
            session.connection_lost(self.clock(), reason)
            self._handle_events(session, raise_on_failure=False)
        if self._heard or self.clock() - started >= self.reconnect_max:
            self._failures = 0
        else:
            self._failures += 1
        return True

    # -- internals --------------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        raw = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is None:
                sock: socket.socket = raw
            else:
                sock = self.ssl_context.wrap_socket(raw, server_hostname=self.server_hostname)
                try:  # before anything is written; tls.PinMismatch is an OSError
                    check_pin(sock.getpeercert(binary_form=True), self.pinned_sha256)
                except BaseException:
                    sock.close()
                    raise
        except BaseException:
            raw.close()
            raise
        sock.settimeout(self.write_timeout)
        return sock

    def _deliver(self, sock: socket.socket, session: HandoverSession) -> None:
        """The loop of one connection; returns when stopped, raises when the connection
        must be closed."""
        while not self._stop.is_set():
            backlog = self._feed(session)
            if not backlog:
                _confirm_when_idle(session, self.spool)
            session.tick(self.clock())
            self._handle_events(session)
            while data := session.data_to_send():
                sock.sendall(data)
            if self._stop.is_set():
                break
            deadline = session.next_deadline()
            timeout = 0.0 if backlog else self.poll_interval  # more to send: just look
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - self.clock()))
            if not self._readable(sock, timeout):
                continue
            # Read only what has arrived: a readable TLS socket may hold no application data
            # (a TLS 1.3 session ticket, part of a record), and a blocking read would then
            # wait for the peer, who may have nothing to say.
            sock.settimeout(0.0)
            try:
                data = sock.recv(_READ_SIZE)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                continue
            finally:
                sock.settimeout(self.write_timeout)
            if not data:
                raise _ConnectionEnded("the peer closed the connection")
            session.receive_data(data)
            self._handle_events(session)
            self._heard = True  # the peer answers: the back-off starts again from the start

    def _readable(self, sock: socket.socket, timeout: float) -> bool:
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        readable, _, _ = select.select([sock, self._wake_r], [], [], timeout)
        if self._wake_r in readable:
            with contextlib.suppress(OSError):
                while self._wake_r.recv(4096):
                    pass
        return sock in readable

    def _feed(self, session: HandoverSession) -> bool:
        """Hand the spool's unsent records to the session in batches (bounded by
        ``max_buffered_bytes``), marking them sent (:meth:`Spool.take_unsent`). Whether it
        stopped at the bound, so that more records may be waiting.

        Only while the session is open: before (option negotiation) it would hold them all
        in memory."""
        if session.state is not SessionState.OPEN:
            return False
        room = self.max_buffered_bytes - session.pending_bytes
        while room > 0:
            entries = self.spool.take_unsent(4096, room)
            if not entries:
                break
            session.send_many([(entry.id, entry.data) for entry in entries])
            self._count_fed([entry.id for entry in entries])
            room -= sum(len(entry.data) for entry in entries)
        return room <= 0

    def _handle_events(self, session: HandoverSession, *, raise_on_failure: bool = True
                       ) -> None:
        failure: str | None = None
        for event in session.events():
            if isinstance(event, Acknowledged):
                ids = [i for i in event.record_ids if isinstance(i, int)]
                count = self.spool.ack(ids) if ids else 0
                with self._lock:
                    self._acknowledged += count
            elif isinstance(event, KeepAliveFailed):
                with self._lock:
                    self._keep_alive_failures += 1
                failure = failure or (f"no answer to {event.request} #{event.sequence_number} "
                                      f"within the wait")
            elif isinstance(event, ProtocolViolation):
                with self._lock:
                    self._protocol_errors += 1
                failure = failure or f"protocol error from the peer: {event.reason}"
            # ResendNeeded: the records stay in the spool; the rewind of the next
            # connection resends them. Other events need no action here.
        if failure is not None and raise_on_failure:
            raise _ConnectionEnded(failure)

    def _set_error(self, reason: str) -> None:
        with self._lock:
            self._last_error = reason

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full (already woken) or closed
            self._wake_w.send(b"\0")
