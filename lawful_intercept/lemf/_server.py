"""The test LEMF: an asyncio server receiving handover connections (ETSI TS 102 232-1 clause 6).

:class:`LEMF` accepts connections over TLS 1.2 or later with client certificates required
(plain TCP only when asked for explicitly), reads each stream with the incremental reader of
a :class:`~lawful_intercept.delivery.ReceiverSession` (bounded per connection), answers
keep-alives (TS 102 232-1 6.4.5) and PDU acknowledgement requests (TRIPayload [12]/[13]),
judges each record with a :class:`~lawful_intercept.lemf.Collector` and writes it
to its output directory (``_store``). It can also take PacketCable
CCC packets over UDP.

Durability: an acknowledgement request is answered only once every record received before
it is written to received.ber and records.jsonl (handed to the operating system, and on disk
with ``fsync=True``). A LEMF killed at any moment has therefore never acknowledged a record it
had not written; restarted on the same directory it rebuilds its state from the files
(``_recovery``). See ``docs/lemf.md``.

A client that sends octets that are not a stream of PDUs of the listener's type, or a PDU
that does not decode, has its connection closed with the reason logged and counted
(``decode_errors``); the records it sent before are kept, and other connections go on. A
failed TLS handshake (no client certificate, an untrusted one, TLS 1.1, plain TCP) is logged
and counted (``tls_handshake_failures``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from ..catalog import PS_PDU, default_specification
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
from ..errors import EncodeError, Error, LEMFConfigError, StoreError
from ..integrity import Padding, VerifyingKey
from ..records import CCC_LAYOUTS, CCCLayout
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU
from ._collector import Collector
from ._lines import record_line
from ._recovery import recover
from ._store import OutputFile, Store

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["LEMF"]

log = logging.getLogger("lawful_intercept.lemf")

_FLUSH_BYTES: Final = 1 << 20  # collected octets written out without waiting for a request
_MAX_LAST_ERRORS: Final = 20


@dataclass
class _Listener:
    name: str
    transport: str  # "tls", "tcp" or "udp"
    host: str
    port: int
    pdu_type: str
    layout: str | None = None


def _describe(exc: BaseException) -> str:
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _subject(certificate: Any) -> str | None:
    """The commonName of a certificate as ``SSLObject.getpeercert`` gives it."""
    if not isinstance(certificate, dict):
        return None
    for rdn in certificate.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None


class LEMF:
    """A law-enforcement monitoring facility for tests: receives, checks and stores handover
    records (see docs/lemf.md).

    ``out_dir``: the output directory (created if needed; what an earlier run left there is
    read back first). ``spec``: the compiled modules (default :func:`lawful_intercept.bundled`).
    ``ssl_context``: a server context that requires client certificates
    (``verify_mode=CERT_REQUIRED``, as :meth:`~lawful_intercept.certs.TestPKI.server_context`
    gives); its ``minimum_version`` is raised to TLS 1.2 if lower. ``insecure_plain_tcp``:
    listen over plain TCP instead (tests only; exclusive with ``ssl_context``).
    ``decrypt_key``: the AES key of encryptionContainers (``decrypt_padding`` the sender's
    padding). ``verify_key``: the public key (or certificate) of signed integrity checks.
    ``acknowledge``: accept the ``pDUAcknowledgement`` option (TS 102 232-1 TRIPayload
    optionRequest). ``fsync``: put received.ber on disk before acknowledging.
    ``summary_interval``: seconds between two rewrites of summary.json (and between two
    writes of what was received, at the latest). ``max_pdu_size``: the largest PDU accepted
    (the memory one connection can hold). ``integrity_window``: PDUs per stream kept for
    their hash check. ``handshake_timeout``: seconds a TLS handshake may take.

    Counters (each in summary.json too): ``connections`` (TCP connections accepted),
    ``connections_closed_with_error`` (closed by the LEMF because of what the client sent, or
    a write error), ``connections_lost`` (ended by a network error, a reset),
    ``tls_handshake_failures``, ``protocol_errors`` (streams that could not be framed or
    decoded; counted in ``decode_errors``), ``keep_alives`` (answered, TS 102 232-1 6.4.5),
    ``acknowledgements`` (pDUAcknowledgementRequests answered), ``peer_messages`` (TRI
    answers nobody asked for, logged).
    """

    connections = connections_closed_with_error = connections_lost = 0
    tls_handshake_failures = protocol_errors = keep_alives = acknowledgements = 0
    peer_messages = 0

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        spec: Specification | None = None,
        ssl_context: ssl.SSLContext | None = None,
        insecure_plain_tcp: bool = False,
        decrypt_key: bytes | None = None,
        verify_key: VerifyingKey | None = None,
        acknowledge: bool = True,
        fsync: bool = False,
        summary_interval: float = 1.0,
        decrypt_padding: Padding = "pkcs7",
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
        integrity_window: int = 10_000,
        handshake_timeout: float = 10.0,
    ) -> None:
        _check_tls(ssl_context, insecure_plain_tcp)
        for name, seconds in (("summary_interval", summary_interval),
                              ("handshake_timeout", handshake_timeout)):
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
                    or not seconds > 0:
                raise LEMFConfigError(f"must be a positive number of seconds, got {seconds!r}",
                                      name)
        if isinstance(max_pdu_size, bool) or not isinstance(max_pdu_size, int) \
                or max_pdu_size < 1:
            raise LEMFConfigError(f"must be a positive number of octets, got {max_pdu_size!r}",
                                  "max_pdu_size")
        self.spec = spec if spec is not None else default_specification()
        self.ssl_context = ssl_context
        self.acknowledge = bool(acknowledge)
        self.summary_interval = float(summary_interval)
        self.handshake_timeout = float(handshake_timeout)
        self.max_pdu_size = max_pdu_size
        try:
            self._collector = Collector(self.spec, decrypt_key=decrypt_key, verify_key=verify_key,
                                        decrypt_padding=decrypt_padding,
                                        integrity_window=integrity_window)
        except EncodeError as exc:
            raise LEMFConfigError(exc.message, "verify_key") from None
        except (TypeError, ValueError) as exc:
            raise LEMFConfigError(str(exc)) from None
        self._store = Store(out_dir, fsync=fsync, max_pdu_size=max_pdu_size)
        self.out_dir = self._store.directory
        self._recovered = recover(self._store, self._collector, self.spec)
        self._next_connection: int = self._recovered.pop("next_connection")
        self._listeners: list[_Listener] = []
        self._servers: list[asyncio.Server] = []
        self._datagram_transports: list[asyncio.DatagramTransport] = []
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._done: asyncio.Event | None = None
        self._closing = False
        self._closed = False
        self._started = time.time()
        self._last_errors: deque[dict[str, Any]] = deque(maxlen=_MAX_LAST_ERRORS)

    # -- listening ----------------------------------------------------------------------------

    async def listen(self, host: str = "127.0.0.1", port: int = 0, *,
                     pdu_type: str = PS_PDU, name: str | None = None) -> tuple[str, int]:
        """Listen for handover connections on ``host``:``port`` (0: any free port); return
        the address bound. ``pdu_type`` is the ASN.1 type of the PDUs of its connections:
        ``"PS-PDU"`` (TS 102 232-1, with TRI PDUs) or another top-level type such as
        PacketCable ``"CdcPdu"``, ATIS ``"LAESProtocol"`` (qualified, e.g.
        ``"T1S1-LAES-VoP-Abstract-Syntax-Module.CC-APDU"``, where the name is defined in
        several modules), whose every PDU is a record. ``name`` labels the listener in
        records.jsonl (default ``"<pdu_type>:<port>"``)."""
        self._check_open()
        try:
            self.spec.get_type(pdu_type)
        except Error as exc:
            raise LEMFConfigError(exc.message, "pdu_type") from None
        loop = asyncio.get_running_loop()
        transport = "tls" if self.ssl_context is not None else "tcp"
        listener = _Listener("", transport, host, port, pdu_type)
        server = await loop.create_server(lambda: _Connection(self, listener), host, port,
                                          reuse_address=True)
        address = self._register(listener, server.sockets[0].getsockname(), name, pdu_type,
                                 server.close, f"{transport.upper()}, {pdu_type}")
        self._servers.append(server)
        return address

    async def listen_udp(self, host: str = "127.0.0.1", port: int = 0, *,
                         layout: str = "ESP-I01", name: str | None = None) -> tuple[str, int]:
        """Receive PacketCable CCC packets over UDP on ``host``:``port`` (0: any free port);
        return the address bound. ``layout`` is the packets' header layout (``"ESP-I01"``,
        ``"ESP-1.5"``, ``"ES-DCI-C01"``; see
        :func:`~lawful_intercept.records.parse_ccc_packet`). Each datagram is a
        record, de-duplicated by its SHA-256. UDP has neither TLS nor acknowledgement."""
        self._check_open()
        if layout not in CCC_LAYOUTS:
            raise LEMFConfigError(f"must be one of {', '.join(CCC_LAYOUTS)}, got {layout!r}",
                                  "layout")
        loop = asyncio.get_running_loop()
        listener = _Listener("", "udp", host, port, "CCC", layout)
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self, listener), local_addr=(host, port))
        address = self._register(listener, transport.get_extra_info("sockname"), name, "CCC",
                                 transport.close, f"UDP, CCC {layout}")
        self._datagram_transports.append(transport)
        return address

    def _register(self, listener: _Listener, bound: Any, name: str | None, label: str,
                  close: Callable[[], object], what: str) -> tuple[str, int]:
        """Take the listener bound to the address ``bound``: name it (``name``, default
        ``label:port``; ``close`` it if the name is taken) and start serving."""
        listener.host, listener.port = str(bound[0]), int(bound[1])
        try:
            listener.name = self._name(name, f"{label}:{listener.port}")
        except LEMFConfigError:
            close()
            raise
        self._listeners.append(listener)
        self._start()
        log.info("listening on %s:%d (%s) as %r", listener.host, listener.port, what,
                 listener.name)
        return listener.host, listener.port

    async def serve_forever(self) -> None:
        """Serve until :meth:`close` is called (or the task is cancelled, which closes the
        LEMF too)."""
        done = self._done_event()
        try:
            await done.wait()
        except asyncio.CancelledError:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop listening, close the connections, write what was received and the summary,
        and close the files. Idempotent."""
        if self._closing:
            await self._done_event().wait()
            return
        self._closing = True
        for server in self._servers:
            server.close()
        for datagrams in self._datagram_transports:
            datagrams.close()
        for task in list(self._tasks):
            task.cancel()
        for connection in list(self._connections):
            connection.abort()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await asyncio.sleep(0)  # let the closed transports report
        self._flush(sync=None)
        self._closed = True
        self._write_summary()
        self._store.close()
        log.info("closed: %d records (%d PDUs received) in %s", self._collector.records,
                 self._collector.received, self.out_dir)
        self._done_event().set()

    # -- reporting ----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The summary, as written to summary.json (see docs/lemf.md for every key)."""
        data = self._collector.summary()
        out: dict[str, Any] = {
            "received": data["received"],
            "records": data["records"],
            "duplicates": data["duplicates"],
            "sequence_gaps": data["sequence_gaps"],
            "gaps": data["gaps"],
            "decode_errors": data["decode_errors"] + self.protocol_errors,
            "connections": self.connections,
            "connections_open": len(self._connections),
            "connections_closed_with_error": self.connections_closed_with_error,
            "connections_lost": self.connections_lost,
            "tls_handshake_failures": self.tls_handshake_failures,
            "last_errors": list(self._last_errors),
            "keep_alives": self.keep_alives,
            "acknowledgements": self.acknowledgements,
            "peer_messages": self.peer_messages,
            "integrity": data["integrity"],
            "decrypted": data["decrypted"],
            "decryption_errors": data["decryption_errors"],
            "decryption_failures": data["decryption_failures"],
            "uncorrelated_cc": data["uncorrelated_cc"],
            "uncorrelated_communications": data["uncorrelated_communications"],
            "streams": data["streams"],
            "by_kind": data["by_kind"],
            "listeners": [
                {"name": li.name, "transport": li.transport, "host": li.host, "port": li.port,
                 "pdu_type": li.pdu_type, **({"layout": li.layout} if li.layout else {})}
                for li in self._listeners],
            "recovered": dict(self._recovered),
            "write_error": self._store.failed,
            "started": _iso(self._started),
            "updated": _iso(time.time()),
            "closed": self._closed,
        }
        return out

    # -- what connections report ----------------------------------------------------------------

    def _new_connection_id(self) -> int:
        number = self._next_connection
        self._next_connection += 1
        self.connections += 1
        return number

    def _record(self, connection: _Connection, pdu: PDU) -> None:
        store = self._store
        if store.failed is not None:
            # Nothing can be stored: the sender must keep its records and try again later.
            connection.fail(f"cannot store records: {store.failed}")
            return
        verdict = self._collector.accept(pdu.raw, pdu.value, pdu_type=connection.pdu_type)
        offset = store.append_pdu(pdu.raw)
        store.append_line(record_line(verdict, file=OutputFile.BER, offset=offset,
                                      length=len(pdu.raw), listener=connection.listener.name,
                                      connection=connection.id))
        if store.pending_bytes >= _FLUSH_BYTES:
            self._flush(sync=False)

    def _datagram(self, listener: _Listener, data: bytes, peer: Any) -> None:
        if self._closing:
            return
        assert listener.layout is not None
        verdict = self._collector.accept_ccc(data, layout=_layout(listener.layout))
        if verdict.error is not None:
            self._error(listener.name, None, f"CCC packet from {_peer_text(peer)}: "
                        f"{verdict.error}")
            return
        store = self._store
        if store.failed is not None:
            log.error("%s: CCC packet from %s dropped: cannot store records: %s",
                      listener.name, _peer_text(peer), store.failed)
            return
        offset = store.append_ccc(data)
        store.append_line(record_line(verdict, file=OutputFile.CCC, offset=offset, length=len(data),
                                      listener=listener.name, connection=None))
        if store.pending_bytes >= _FLUSH_BYTES:
            self._flush(sync=False)

    def _flush(self, *, sync: bool | None) -> bool:
        """Write what was collected; whether it worked (a failure is logged once)."""
        if not self._store.is_open:
            return False
        already_failed = self._store.failed is not None
        try:
            self._store.flush(sync=sync)
        except StoreError as exc:
            if not already_failed:
                log.error("%s", exc)
            return False
        return True

    def _error(self, listener: str, connection: int | None, reason: str) -> None:
        log.warning("%s connection %s: %s", listener, connection, reason)
        self._last_errors.append({"listener": listener, "connection": connection,
                                  "reason": reason, "time": _iso(time.time())})

    # -- internals ------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("the LEMF is closed")

    def _name(self, name: str | None, default: str) -> str:
        chosen = default if name is None else name
        if not isinstance(chosen, str) or not chosen:
            raise LEMFConfigError(f"must be a non-empty string, got {name!r}", "name")
        if any(li.name == chosen for li in self._listeners):
            raise LEMFConfigError(f"a listener is already called {chosen!r}", "name")
        return chosen

    def _done_event(self) -> asyncio.Event:
        if self._done is None:
            self._done = asyncio.Event()
        return self._done

    def _start(self) -> None:
        self._done_event()
        if self._ticker is None:
            self._write_summary()
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.summary_interval)
            self._flush(sync=False)
            self._write_summary()

    def _write_summary(self) -> None:
        try:
            self._store.write_summary(self.summary())
        except OSError as exc:
            log.error("cannot write summary.json: %s", _describe(exc))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def _layout(name: str) -> CCCLayout:
    if name not in CCC_LAYOUTS:
        raise LEMFConfigError(f"unknown layout {name!r}", "layout")
    return cast(CCCLayout, name)


def _check_tls(context: ssl.SSLContext | None, insecure_plain_tcp: bool) -> None:
    """Refuse a LEMF that would not authenticate its clients."""
    if context is None:
        if not insecure_plain_tcp:
            raise LEMFConfigError(
                "no ssl_context: a LEMF listens over TLS and requires client certificates; "
                "pass insecure_plain_tcp=True for plain TCP (tests and lab set-ups only)",
                "ssl_context")
        return
    if insecure_plain_tcp:
        raise LEMFConfigError("insecure_plain_tcp=True contradicts the ssl_context given",
                              "insecure_plain_tcp")
    if not isinstance(context, ssl.SSLContext):
        raise LEMFConfigError(f"must be an ssl.SSLContext, got {type(context).__name__}",
                              "ssl_context")
    if context.protocol == ssl.PROTOCOL_TLS_CLIENT:
        raise LEMFConfigError("a client context was given: use ssl.PROTOCOL_TLS_SERVER",
                              "ssl_context")
    if context.verify_mode != ssl.CERT_REQUIRED:
        raise LEMFConfigError(
            "the context must require client certificates (verify_mode=CERT_REQUIRED); a "
            "LEMF accepts only senders it can authenticate", "ssl_context")
    minimum = context.minimum_version
    if (minimum == ssl.TLSVersion.MINIMUM_SUPPORTED
            or (minimum != ssl.TLSVersion.MAXIMUM_SUPPORTED
                and minimum < ssl.TLSVersion.TLSv1_2)):
        context.minimum_version = ssl.TLSVersion.TLSv1_2


class _Connection(asyncio.Protocol):
    """One handover connection: TLS handshake, then the session's events."""

    def __init__(self, lemf: LEMF, listener: _Listener) -> None:
        self.lemf = lemf
        self.listener = listener
        self.pdu_type = listener.pdu_type
        self.id = 0
        self.peer = "?"
        self.transport: asyncio.BaseTransport | None = None
        self.session: ReceiverSession | None = None
        self.failed = False
        self._early: list[bytes] = []
        self._early_eof = False
        self._lost = False

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        lemf = self.lemf
        self.id = lemf._new_connection_id()
        self.peer = _peer_text(transport.get_extra_info("peername"))
        if lemf._closing:
            transport.abort()  # type: ignore[attr-defined]
            return
        context = lemf.ssl_context
        if context is None:
            self._open(transport)
            return
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()  # the handshake reads first
        task = asyncio.get_running_loop().create_task(self._handshake(transport, context))
        lemf._tasks.add(task)
        task.add_done_callback(lemf._tasks.discard)

    def data_received(self, data: bytes) -> None:
        session = self.session
        if session is None:
            # TLS: the first octets after the handshake can come before start_tls returns.
            self._early.append(data)
            return
        if not self.failed:
            session.receive_data(data)
            self._handle(session)

    def eof_received(self) -> bool | None:
        session = self.session
        if session is None:
            self._early_eof = True
        elif not self.failed:
            session.eof()
            self._handle(session)
        return None

    def pause_writing(self) -> None:
        # A client that does not read its answers: stop reading it until they drain, so that
        # the answers queued for it stay bounded.
        transport = self.transport
        if isinstance(transport, asyncio.ReadTransport) and not transport.is_closing():
            transport.pause_reading()

    def resume_writing(self) -> None:
        transport = self.transport
        if isinstance(transport, asyncio.ReadTransport) and not transport.is_closing():
            transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        lemf = self.lemf
        if self not in lemf._connections:
            return
        lemf._connections.discard(self)
        if exc is not None and not self.failed:
            lemf.connections_lost += 1
            log.info("%s connection %d from %s lost: %s", self.listener.name, self.id,
                     self.peer, _describe(exc))
        else:
            log.info("%s connection %d from %s closed", self.listener.name, self.id, self.peer)

    # the connection's life

    async def _handshake(self, raw: asyncio.Transport, context: ssl.SSLContext) -> None:
        lemf = self.lemf
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(raw, self, context, server_side=True,
                                             ssl_handshake_timeout=lemf.handshake_timeout)
        except asyncio.CancelledError:
            raw.abort()
            raise
        except Exception as exc:  # any failure of the handshake ends this connection only
            raw.abort()
            lemf.tls_handshake_failures += 1
            lemf._error(self.listener.name, self.id,
                        f"TLS handshake with {self.peer} failed: {_describe(exc)}")
            return
        if transport is None or lemf._closing or self._lost:
            raw.abort()
            return
        self._open(transport)

    def _open(self, transport: asyncio.BaseTransport) -> None:
        lemf = self.lemf
        self.transport = transport
        options = (PDU_ACKNOWLEDGEMENT,) if lemf.acknowledge else ()
        self.session = ReceiverSession(lemf.spec, pdu_type=self.pdu_type, options=options,
                                       auto_acknowledge=False, max_pdu_size=lemf.max_pdu_size)
        lemf._connections.add(self)
        subject = _subject(transport.get_extra_info("peercert"))
        log.info("%s connection %d from %s%s", self.listener.name, self.id, self.peer,
                 f" (client certificate {subject!r})" if subject else "")
        early, self._early = self._early, []
        for data in early:
            self.data_received(data)
        if self._early_eof:
            self.eof_received()
            if not self.failed:
                self.close()

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
        transport = self.transport
        if answer and isinstance(transport, asyncio.WriteTransport) \
                and not transport.is_closing():
            transport.write(answer)
        if failure is not None:
            self.fail(failure)

    def fail(self, reason: str) -> None:
        """Close the connection because of ``reason`` (logged and counted)."""
        if self.failed:
            return
        self.failed = True
        lemf = self.lemf
        lemf.connections_closed_with_error += 1
        lemf._error(self.listener.name, self.id, f"from {self.peer}: {reason}; closing")
        self.close()

    def close(self) -> None:
        """Close the connection once the answers queued are written (what was received is
        kept)."""
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    def abort(self) -> None:
        """Close the connection at once (the LEMF is closing)."""
        transport = self.transport
        if isinstance(transport, asyncio.Transport):
            transport.abort()


class _Datagrams(asyncio.DatagramProtocol):
    """A UDP listener of CCC packets."""

    def __init__(self, lemf: LEMF, listener: _Listener) -> None:
        self.lemf = lemf
        self.listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.lemf._datagram(self.listener, data, addr)

    def error_received(self, exc: Exception) -> None:
        log.warning("%s: %s", self.listener.name, _describe(exc))
