"""One handover connection to the test LEMF: TLS (with an alert when the handshake is refused),
the bounds on what it may hold, and the receiving session's events (ETSI TS 102 232-1 clause 6).

The connection is an asyncio protocol over the plain TCP transport; TLS is done here with
:class:`~lawful_intercept.lemf._tls.ServerTLS` so that a refused client certificate ends with
the TLS alert OpenSSL chose (RFC 8446 6.2) instead of a bare close. Its bounds:

* at most ``max_handshakes`` connections of the LEMF are in their TLS handshake at once; one
  more is closed at once (counted in ``handshakes_refused``), and a handshake must complete
  within ``handshake_timeout`` seconds;
* the PDU in progress may declare at most ``max_pdu_size`` contents octets (refused when its
  length octets arrive);
* the octets held by all connections (PDUs in progress, TLS buffers) stay within the LEMF's
  ``memory_budget``: the connection whose octets would exceed it is closed with the reason
  (``memory_refusals``), what it sent before is kept;
* an authenticated connection that sends nothing for ``idle_timeout`` seconds is closed
  (``idle_closed``).

See ``docs/lemf.md``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..delivery import (
    PDU_ACKNOWLEDGEMENT,
    AcknowledgementRequested,
    OptionsNegotiated,
    PeerKeepAlive,
    PeerMessage,
    ProtocolViolation,
    ReceiverSession,
    RecordReceived,
)
from ._tls import READ_SIZE, ServerTLS, alert_text

if TYPE_CHECKING:
    from ._server import LEMF

__all__ = ["Connection", "Listener", "describe", "peer_text", "subject"]

log = logging.getLogger("lawful_intercept.lemf")


@dataclass
class Listener:
    """A socket the LEMF listens on."""

    name: str
    transport: str  # "tls", "tcp" or "udp"
    host: str
    port: int
    pdu_type: str
    layout: str | None = None


def describe(exc: BaseException) -> str:
    """``"TypeName: text"`` of an exception, for logs."""
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def peer_text(peer: Any) -> str:
    """``host:port`` of a peer address."""
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def subject(certificate: Any) -> str | None:
    """The commonName of a certificate as ``SSLObject.getpeercert`` gives it."""
    if not isinstance(certificate, dict):
        return None
    for rdn in certificate.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None


class Connection(asyncio.Protocol):
    """One handover connection: TLS handshake, then the session's events, within the LEMF's
    bounds (see the module docstring)."""

    def __init__(self, lemf: LEMF, listener: Listener) -> None:
        self.lemf = lemf
        self.listener = listener
        self.pdu_type = listener.pdu_type
        self.id = 0
        self.peer = "?"
        self.transport: asyncio.Transport | None = None
        self.tls: ServerTLS | None = None
        self.session: ReceiverSession | None = None
        self.failed = False
        self.closing = False
        self.buffered = 0  # octets accounted against the LEMF's memory budget
        self.last_activity = time.monotonic()
        self._in_handshake = False
        self._timer: asyncio.TimerHandle | None = None

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        lemf = self.lemf
        self.transport = transport
        self.id = lemf._new_connection_id()
        self.peer = peer_text(transport.get_extra_info("peername"))
        if lemf._closing:
            transport.abort()
            return
        lemf._connections.add(self)
        context = lemf.ssl_context
        if context is None:
            self._open()
            return
        if lemf.handshakes_in_progress >= lemf.max_handshakes:
            lemf.handshakes_refused += 1
            lemf._throttled_error("handshake cap", self.listener.name, self.id,
                                  f"from {self.peer}: {lemf.max_handshakes} connections are "
                                  "in their TLS handshake already (max_handshakes); closed")
            self.failed = True
            transport.abort()
            return
        try:
            self.tls = ServerTLS(context)
        except (ssl.SSLError, MemoryError, OSError) as exc:
            lemf._throttled_error("tls setup", self.listener.name, self.id,
                                  f"from {self.peer}: cannot start TLS: {describe(exc)}")
            self.failed = True
            transport.abort()
            return
        self._in_handshake = True
        lemf.handshakes_in_progress += 1
        self._timer = asyncio.get_running_loop().call_later(lemf.handshake_timeout,
                                                            self._handshake_timeout)

    def data_received(self, data: bytes) -> None:
        if self.failed or self.closing:
            return
        self.last_activity = time.monotonic()
        tls = self.tls
        if tls is None:
            self._receive(data)
            return
        try:
            pieces = tls.receive(data)
        except ssl.SSLError as exc:
            self._tls_failed(exc)
            return
        if self._in_handshake and tls.established:
            self._handshake_done()
        for piece in pieces:
            if self.failed:
                break
            self._receive(piece)
        self._write_tls()
        if tls.peer_closed and not self.failed:
            self.eof_received()

    def eof_received(self) -> bool | None:
        if self.closing:
            return None  # the end was handled already (the client's close_notify, a failure)
        if self._in_handshake and not self.failed:
            lemf = self.lemf
            self.failed = True
            lemf.tls_handshake_failures += 1
            lemf._throttled_error("TLS handshake", self.listener.name, self.id,
                                  f"TLS handshake with {self.peer} failed: the client closed "
                                  "the connection")
            self._end_handshake()
        session = self.session
        if session is not None and not self.failed:
            session.eof()
            self._handle(session)
        if not self.failed:
            self.close()
        return None

    def pause_writing(self) -> None:
        # A client that does not read its answers: stop reading it until they drain, so that
        # the answers queued for it stay bounded.
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.pause_reading()

    def resume_writing(self) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        lemf = self.lemf
        self._end_handshake()
        self._account(0)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self not in lemf._connections:
            return
        lemf._connections.discard(self)
        if self.session is None:
            return  # never authenticated: counted as a handshake failure or refusal
        if exc is not None and not self.failed:
            lemf.connections_lost += 1
            log.info("%s connection %d from %s lost: %s", self.listener.name, self.id,
                     self.peer, describe(exc))
        else:
            log.info("%s connection %d from %s closed", self.listener.name, self.id, self.peer)

    # the connection's life

    def _tls_failed(self, exc: ssl.SSLError) -> None:
        lemf = self.lemf
        tls = self.tls
        assert tls is not None
        self.failed = True
        if not tls.established:
            lemf.tls_handshake_failures += 1
            what = "TLS handshake"
        else:
            lemf.connections_closed_with_error += 1
            what = "TLS"
        lemf._throttled_error(what, self.listener.name, self.id,
                              f"{what} with {self.peer} failed: {alert_text(exc)}")
        self._end_handshake()
        # The alert OpenSSL queued goes out before the close (RFC 8446 6.2).
        transport = self.transport
        if transport is not None and not transport.is_closing():
            alert = tls.outgoing()
            if alert:
                transport.write(alert)
            transport.close()

    def _handshake_timeout(self) -> None:
        self._timer = None
        if not self._in_handshake or self.failed:
            return
        lemf = self.lemf
        self.failed = True
        lemf.tls_handshake_failures += 1
        lemf._throttled_error("TLS handshake", self.listener.name, self.id,
                              f"TLS handshake with {self.peer} failed: not complete after "
                              f"{lemf.handshake_timeout:g} s (handshake_timeout)")
        self._end_handshake()
        if self.transport is not None:
            self.transport.abort()

    def _end_handshake(self) -> None:
        if self._in_handshake:
            self._in_handshake = False
            self.lemf.handshakes_in_progress -= 1

    def _handshake_done(self) -> None:
        self._end_handshake()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._open()

    def _open(self) -> None:
        lemf = self.lemf
        options = (PDU_ACKNOWLEDGEMENT,) if lemf.acknowledge else ()
        self.session = ReceiverSession(lemf.spec, pdu_type=self.pdu_type, options=options,
                                       auto_acknowledge=False, max_pdu_size=lemf.max_pdu_size)
        name = subject(self.tls.peer_certificate()) if self.tls is not None else None
        version = self.tls.version() if self.tls is not None else None
        log.info("%s connection %d from %s%s%s", self.listener.name, self.id, self.peer,
                 f" ({version})" if version else "",
                 f" (client certificate {name!r})" if name else "")
        self.last_activity = time.monotonic()
        if lemf.idle_timeout is not None:
            self._timer = asyncio.get_running_loop().call_later(lemf.idle_timeout,
                                                                self._idle_check)

    def _idle_check(self) -> None:
        self._timer = None
        lemf = self.lemf
        timeout = lemf.idle_timeout
        if timeout is None or self.failed or self.closing:
            return
        quiet = time.monotonic() - self.last_activity
        if quiet < timeout:
            self._timer = asyncio.get_running_loop().call_later(timeout - quiet,
                                                                self._idle_check)
            return
        lemf.idle_closed += 1
        self.fail(f"nothing received for {timeout:g} s (idle_timeout)")

    def _receive(self, data: bytes) -> None:
        """Plaintext from the client, fed to the session in pieces of at most
        :data:`READ_SIZE` octets, the memory budget checked after each."""
        session = self.session
        if session is None:
            return
        view = memoryview(data)
        for start in range(0, len(view), READ_SIZE):
            if self.failed:
                return
            session.receive_data(view[start:start + READ_SIZE])
            self._handle(session)
            if not self.failed and not self._within_budget(session):
                return

    def _within_budget(self, session: ReceiverSession) -> bool:
        lemf = self.lemf
        held = session.buffered_bytes + (self.tls.buffered_bytes if self.tls else 0)
        self._account(held)
        if lemf.buffered_octets <= lemf.memory_budget:
            return True
        lemf.memory_refusals += 1
        self.fail(f"the LEMF's memory budget ({lemf.memory_budget} octets, memory_budget) "
                  f"is exhausted: this connection holds {held} octets of an incomplete PDU")
        self._account(0)
        return False

    def _account(self, held: int) -> None:
        lemf = self.lemf
        lemf.buffered_octets += held - self.buffered
        self.buffered = held
        if lemf.buffered_octets > lemf.peak_buffered_octets:
            lemf.peak_buffered_octets = lemf.buffered_octets

    def _handle(self, session: ReceiverSession) -> None:
        lemf = self.lemf
        failure: str | None = None
        for event in session.events():
            kind = type(event)
            if kind is RecordReceived:
                assert isinstance(event, RecordReceived)
                lemf._record(self, event.pdu)
            elif kind is AcknowledgementRequested:
                assert isinstance(event, AcknowledgementRequested)
                # Everything before the request is written before it is acknowledged.
                if lemf._flush(sync=None):
                    session.acknowledge(event)
                    lemf.acknowledgements += 1
                else:
                    failure = failure or "the records could not be written: not acknowledged"
            elif kind is PeerKeepAlive:
                lemf.keep_alives += 1
            elif kind is ProtocolViolation:
                assert isinstance(event, ProtocolViolation)
                lemf.protocol_errors += 1
                failure = failure or event.reason
            elif kind is OptionsNegotiated:
                assert isinstance(event, OptionsNegotiated)
                log.info("%s connection %d: options accepted %s, declined %s",
                         self.listener.name, self.id, list(event.accepted),
                         list(event.declined))
            elif kind is PeerMessage:
                assert isinstance(event, PeerMessage)
                lemf.peer_messages += 1
                log.debug("%s connection %d: unsolicited PDU at offset %d", self.listener.name,
                          self.id, event.pdu.offset)
        answer = session.data_to_send()
        if answer:
            self._write(answer)
        if failure is not None:
            self.fail(failure)

    def _write(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.tls is None:
            transport.write(data)
            return
        self.tls.send(data)
        self._write_tls()

    def _write_tls(self) -> None:
        transport = self.transport
        if self.tls is None or transport is None or transport.is_closing():
            return
        out = self.tls.outgoing()
        if out:
            transport.write(out)

    def fail(self, reason: str) -> None:
        """Close the connection because of ``reason`` (logged and counted)."""
        if self.failed:
            return
        lemf = self.lemf
        lemf.connections_closed_with_error += 1
        lemf._error(self.listener.name, self.id, f"from {self.peer}: {reason}; closing")
        self.close()
        self.failed = True

    def close(self) -> None:
        """Close the connection once the answers queued are written, with our TLS
        close_notify (what was received is kept)."""
        if self.closing:
            return
        self.closing = True
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.tls is not None and self.tls.established:
            self.tls.close()
            self._write_tls()
        transport.close()

    def abort(self) -> None:
        """Close the connection at once (the LEMF is closing)."""
        transport = self.transport
        if transport is not None:
            transport.abort()
