"""A blocking TLS transport for the handover session (ETSI TS 102 232-1 clause 6).

:class:`DeliveryClient` owns the socket, the clock and a thread; what to send, when, and what
an answer means is decided by the sans-IO
:class:`~lawful_intercept.delivery._pump.DeliveryPump` (the spool's records through a
:class:`~lawful_intercept.delivery.HandoverSession` per connection; see docs/delivery.md,
"The blocking client"). One connection at a time:

* connect (TCP, then TLS 1.2 or later; the given ``ssl.SSLContext`` verifies the server's
  certificate and host name and carries the client certificate for mutual TLS). Plain TCP
  only when asked for explicitly with ``insecure_plain_tcp=True``;
* the pump starts a fresh session and sends again everything not yet acknowledged;
* write what the pump gives, read with a timeout the pump computes, hand it what was read;
  close and reconnect when the pump says the connection must end (no answer to a
  keep-alive, a protocol violation) or the socket fails;
* reconnect after the pump's back-off (exponential, with jitter).
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterable

from ..errors import InsecureTransportError, SpoolError
from ._pump import ClientStats
from ._pump_transport import (
    PEER_CLOSED,
    PROOF_CLOSE,
    PumpTransport,
    StartedInContext,
    describe_error,
)
from ._tls import check_pin, close_notify_received

__all__ = ["ClientStats", "DeliveryClient", "InsecureTransportError"]

_READ_SIZE = 65536
_IDLE_POLL = 0.01


class DeliveryClient(PumpTransport, StartedInContext):
    """Delivers a spool's records to one LEMF address over TLS, in its own thread.

    ``session_factory()`` builds the :class:`HandoverSession` used for each connection (a
    new one per connection; give its ``tri`` builder a ``SessionIdentity`` with CIN 0).
    ``ssl_context`` must be a client context that verifies the server
    (``verify_mode=CERT_REQUIRED``, ``check_hostname=True``, as from
    ``ssl.create_default_context``); its ``minimum_version`` is raised to TLS 1.2 if it is
    lower. ``server_hostname`` (default ``host``) is the name checked against the server's
    certificate. ``insecure_plain_tcp=True`` (with ``ssl_context=None``) sends over plain TCP,
    for tests and lab set-ups only. ``pinned_sha256``: SHA-256 fingerprints of the server's
    certificate (see :func:`~lawful_intercept.delivery.normalize_pins`), checked after
    the handshake in addition to the verification; a certificate matching none fails the
    connection attempt (:class:`~lawful_intercept.delivery.PinMismatch`, back-off
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
        """:meth:`stop`, then release the wake-up socket pair. If the delivery loop died
        on an exception, it is raised here (after the release)."""
        self.stop(timeout)
        self._wake_r.close()
        self._wake_w.close()
        if self.died is not None:
            raise self.died

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the spool has nothing pending (every record proven delivered), at most
        ``timeout`` seconds; whether it is so. Raises the exception that killed the
        delivery loop, or :class:`~lawful_intercept.errors.DeliveryRefused` once
        ``max_refusals`` refusals that cannot heal came in a row."""
        deadline = time.monotonic() + timeout
        while (remaining := self.idle_left(deadline, time.monotonic())) is not None:
            if remaining <= 0:
                return False
            time.sleep(min(remaining, _IDLE_POLL))
        return True

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
        """Whether :meth:`stop` was called (and :meth:`start` not since)."""
        return self._stop.is_set()

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Connect, deliver and reconnect with back-off until :meth:`stop` (or the spool is
        closed or fails, or ``max_refusals`` refusals came in a row). An unexpected
        exception ends the loop: it is kept in ``stats().last_error``, logged, and raised
        again by :meth:`wait_idle` and :meth:`close`."""
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except SpoolError as exc:  # closed or unusable: nothing left to deliver from
                    self.pump.set_error(f"spool: {describe_error(exc)}")
                    return
                if self._stop.is_set() or self.gave_up:
                    return
                self._stop.wait(self.next_delay())
        except BaseException as exc:
            self.worker_died(exc)
            if not isinstance(exc, Exception):
                raise

    def run_once(self) -> bool:
        """One connection: connect, deliver until it fails, ends or :meth:`stop`. Whether a
        connection was established. Errors end up in ``stats().last_error``."""
        pump = self.pump
        pump.attempt()
        try:
            sock = self._connect()
        except OSError as exc:  # ssl.SSLError and socket.timeout are OSErrors
            self.connect_failed(exc)
            return False
        reason = "closed"
        by_peer = False
        try:
            reason = self._deliver(sock) or "stopped"
            by_peer = self.ended_by_peer(reason)
            if self.orderly_close_due(reason):
                unproven = self._close_orderly(sock)
                if unproven is None:
                    pump.acknowledge(pump.close_proven(self.clock()))
                else:
                    reason, by_peer = unproven, True
        except OSError as exc:
            reason = self.connection_ended(_alert_behind(sock, exc))
            by_peer = True
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            pump.acknowledge(self.disconnected(reason, by_peer=by_peer))
            pump.bury()
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

    def _deliver(self, sock: socket.socket) -> str | None:
        """The life of one connection, from :meth:`connected`: ``None`` when stopped, else
        why the connection must be closed (socket errors are raised)."""
        self.connected()
        pump = self.pump
        while not self._stop.is_set():
            backlog = pump.feed()
            pump.tick(self.clock(), backlog=backlog)
            pump.acknowledge(pump.events())
            if pump.failure is not None:
                return pump.failure
            while data := pump.data_to_send():
                sock.sendall(data)
            if pump.close_wanted(backlog=backlog):
                return PROOF_CLOSE
            if self._stop.is_set():
                break
            timeout = pump.timeout(self.clock(), backlog=backlog,
                                   poll_interval=self.poll_interval)
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
                return PEER_CLOSED
            pump.receive_data(data)
            pump.acknowledge(pump.events())
            if pump.failure is not None:
                return pump.failure
        return None

    def _close_orderly(self, sock: socket.socket) -> str | None:
        """Close the connection orderly and wait (``connect_timeout``) for the peer's answer:
        over TLS our close_notify answered by the peer's (RFC 8446 6.1), over plain TCP our
        FIN answered by the peer's. ``None`` when answered (what we wrote was read), else why
        not. What the peer sends meanwhile goes to the pump."""
        pump = self.pump
        deadline = self.clock() + self.connect_timeout
        tls = isinstance(sock, ssl.SSLSocket)
        try:
            sock.setblocking(False)
            if tls:
                assert isinstance(sock, ssl.SSLSocket)
                # Application data waiting when our close_notify goes out would make
                # OpenSSL's shutdown fail: read it first.
                while (data := self._read_now(sock)):
                    pump.receive_data(data)
                # unwrap drops the TLS object that tells a close_notify from a fatal alert
                tls_object = getattr(sock, "_sslobj", None)
                try:
                    sock.unwrap()
                    return close_notify_received(tls_object)
                except ssl.SSLWantReadError:
                    pass
            else:
                sock.shutdown(socket.SHUT_WR)
            while (left := deadline - self.clock()) > 0:
                readable, _, _ = select.select([sock], [], [], left)
                if not readable and not (tls and sock.pending()):  # type: ignore[attr-defined]
                    continue
                try:
                    data = sock.recv(_READ_SIZE)
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except ssl.SSLZeroReturnError:  # the peer's close_notify: proof
                    return None
                if not data:
                    return None if not tls else (
                        "the peer closed the connection without answering our close_notify")
                pump.receive_data(data)
            return f"no answer to our close within {self.connect_timeout:g} s"
        except OSError as exc:
            return self.connection_ended(_alert_behind(sock, exc))

    @staticmethod
    def _read_now(sock: ssl.SSLSocket) -> bytes:
        try:
            return sock.recv(_READ_SIZE)
        except (ssl.SSLWantReadError, BlockingIOError):
            return b""

    def _readable(self, sock: socket.socket, timeout: float) -> bool:
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        readable, _, _ = select.select([sock, self._wake_r], [], [], timeout)
        if self._wake_r in readable:
            with contextlib.suppress(OSError):
                while self._wake_r.recv(4096):
                    pass
        return sock in readable

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full (already woken) or closed
            self._wake_w.send(b"\0")


def _alert_behind(sock: socket.socket, exc: OSError) -> OSError:
    """A write that failed (the peer closed) may hide the TLS alert the peer sent before
    closing, e.g. its refusal of our certificate under TLS 1.3: read it if it is there."""
    if isinstance(exc, ssl.SSLError) or not isinstance(sock, ssl.SSLSocket):
        return exc
    try:
        sock.setblocking(False)
        sock.recv(1)
    except ssl.SSLError as alert:
        if alert.reason and "ALERT" in alert.reason:
            return alert
    except OSError:
        pass
    return exc
