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
failed TLS handshake (no client certificate, an untrusted or expired one, TLS 1.1, plain TCP)
ends with the TLS alert OpenSSL chose, and is logged and counted
(``tls_handshake_failures``). The bounds on what connections may hold and how long they may
take (``max_handshakes``, ``handshake_timeout``, ``max_pdu_size``, ``memory_budget``,
``idle_timeout``) are kept by :mod:`._connection`; log lines a flood of clients causes are
rate-limited (``log_lines`` per ``log_interval``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import time
import zlib
from asyncio import constants as asyncio_constants
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from .._checks import tls12_at_least
from ..catalog import PS_PDU, default_specification
from ..errors import EncodeError, Error, LEMFConfigError, StoreError
from ..integrity import PaddingReading, VerifyingKey
from ..records import CCC_LAYOUTS, CCCLayout
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU
from ._collector import Collector
from ._connection import Connection, Listener, describe, peer_text
from ._lines import record_line
from ._recovery import recover
from ._store import OutputFile, Store
from ._throttle import LogThrottle

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["LEMF"]

log = logging.getLogger("lawful_intercept.lemf")

_FLUSH_BYTES: Final = 1 << 20  # collected octets written out without waiting for a request
_MAX_LAST_ERRORS: Final = 20
_ACCEPT_RETRY_DELAY: Final = float(asyncio_constants.ACCEPT_RETRY_DELAY)
"""Seconds after which asyncio accepts again on a listener whose accept failed (EMFILE...)."""
_ACCEPT_RETRY_MARGIN: Final = 0.05
DEFAULT_MEMORY_BUDGET: Final = 256 * 1024 * 1024
"""Octets all connections of a LEMF may hold in PDUs in progress and TLS buffers."""
DEFAULT_MAX_HANDSHAKES: Final = 64
"""Connections a LEMF lets be in their TLS handshake at once."""
DEFAULT_IDLE_TIMEOUT: Final = 900.0
"""Seconds an authenticated connection may send nothing (three of the sender's default
keep-alive intervals, TS 102 232-1 6.4.5)."""


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
    padding; ``any``, the default, reads zero padding and PKCS#7). ``verify_key``: the public
    key (or certificate) of signed integrity checks.
    ``acknowledge``: accept the ``pDUAcknowledgement`` option (TS 102 232-1 TRIPayload
    optionRequest). ``fsync``: put received.ber on disk before acknowledging.
    ``summary_interval``: seconds between two rewrites of summary.json (and between two
    writes of what was received, at the latest). ``max_pdu_size``: the largest PDU accepted
    (the memory one connection can hold). ``integrity_window``: PDUs per stream kept for
    their hash check. ``handshake_timeout``: seconds a TLS handshake may take.
    ``max_handshakes``: connections in their TLS handshake at once (one more is closed at
    once). ``memory_budget``: octets all connections may hold in PDUs in progress and TLS
    buffers (at least ``max_pdu_size``; the connection that would exceed it is closed).
    ``idle_timeout``: seconds an authenticated connection may send nothing before it is
    closed (``None``: never). ``log_lines``: at most this many log lines of one kind (a
    handshake failure, descriptors exhausted) per ``log_interval`` seconds, then a count.

    Counters (each in summary.json too): ``connections`` (TCP connections accepted),
    ``connections_closed_with_error`` (closed by the LEMF because of what the client sent, or
    a write error), ``connections_lost`` (ended by a network error, a reset),
    ``tls_handshake_failures``, ``protocol_errors`` (streams that could not be framed or
    decoded; counted in ``decode_errors``), ``keep_alives`` (answered, TS 102 232-1 6.4.5),
    ``acknowledgements`` (pDUAcknowledgementRequests answered), ``peer_messages`` (TRI
    answers nobody asked for, logged), ``handshakes_refused`` (closed at once: ``max_handshakes``
    were in progress), ``memory_refusals`` (closed: the memory budget was exhausted),
    ``idle_closed`` (closed after ``idle_timeout``), ``buffered_octets`` (held now),
    ``peak_buffered_octets`` (the most ever held at once), ``resource_errors`` (accepts that
    failed for want of descriptors or memory).
    """

    connections = connections_closed_with_error = connections_lost = 0
    tls_handshake_failures = protocol_errors = keep_alives = acknowledgements = 0
    peer_messages = 0
    handshakes_refused = handshakes_in_progress = memory_refusals = idle_closed = 0
    buffered_octets = peak_buffered_octets = resource_errors = 0

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
        decrypt_padding: PaddingReading = "any",
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
        integrity_window: int = 10_000,
        handshake_timeout: float = 10.0,
        max_handshakes: int = DEFAULT_MAX_HANDSHAKES,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        log_lines: int = 5,
        log_interval: float = 10.0,
    ) -> None:
        _check_tls(ssl_context, insecure_plain_tcp)
        for name, seconds in (("summary_interval", summary_interval),
                              ("handshake_timeout", handshake_timeout),
                              ("idle_timeout", 1.0 if idle_timeout is None else idle_timeout),
                              ("log_interval", log_interval)):
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
                    or not seconds > 0:
                raise LEMFConfigError(f"must be a positive number of seconds, got {seconds!r}",
                                      name)
        for name, number in (("max_pdu_size", max_pdu_size), ("memory_budget", memory_budget),
                             ("max_handshakes", max_handshakes), ("log_lines", log_lines)):
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise LEMFConfigError(f"must be a positive whole number, got {number!r}", name)
        if memory_budget < max_pdu_size:
            raise LEMFConfigError(f"must be at least max_pdu_size ({max_pdu_size}) octets, got "
                                  f"{memory_budget}", "memory_budget")
        self.spec = spec if spec is not None else default_specification()
        self.ssl_context = ssl_context
        self.acknowledge = bool(acknowledge)
        self.summary_interval = float(summary_interval)
        self.handshake_timeout = float(handshake_timeout)
        self.max_pdu_size = max_pdu_size
        self.max_handshakes = max_handshakes
        self.memory_budget = memory_budget
        self.idle_timeout = None if idle_timeout is None else float(idle_timeout)
        self._throttle = LogThrottle(log, lines=log_lines, interval=log_interval)
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
        self._listeners: list[Listener] = []
        self._servers: list[asyncio.Server] = []
        self._datagram_transports: list[asyncio.DatagramTransport] = []
        self._connections: set[Connection] = set()  # open, authenticated or not
        self._ticker: asyncio.Task[None] | None = None
        self._previous_handler: Any = None
        self._accept_retry_at = -1.0  # loop time of asyncio's last accept retry, if any
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
        listener = Listener("", transport, host, port, pdu_type)
        server = await loop.create_server(lambda: Connection(self, listener), host, port,
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
        listener = Listener("", "udp", host, port, "CCC", layout)
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self, listener), local_addr=(host, port))
        address = self._register(listener, transport.get_extra_info("sockname"), name, "CCC",
                                 transport.close, f"UDP, CCC {layout}")
        self._datagram_transports.append(transport)
        return address

    def _register(self, listener: Listener, bound: Any, name: str | None, label: str,
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
        self._throttle.flush()
        loop = asyncio.get_running_loop()
        try:
            retry_in = self._accept_retry_at - loop.time()
            if retry_in > 0:
                # asyncio retries an accept that failed for want of descriptors a second
                # later, also on a listener closed since, where it fails (ValueError:
                # descriptor -1): let that retry run while this LEMF's handler is there to
                # take it. Everything is written already: a cancellation here loses nothing.
                await asyncio.sleep(retry_in + _ACCEPT_RETRY_MARGIN)
        finally:
            if loop.get_exception_handler() == self._loop_exception:
                loop.set_exception_handler(self._previous_handler)
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
            "connections_open": sum(1 for c in self._connections if c.session is not None),
            "connections_closed_with_error": self.connections_closed_with_error,
            "connections_lost": self.connections_lost,
            "tls_handshake_failures": self.tls_handshake_failures,
            "handshakes_in_progress": self.handshakes_in_progress,
            "handshakes_refused": self.handshakes_refused,
            "memory_refusals": self.memory_refusals,
            "idle_closed": self.idle_closed,
            "buffered_octets": self.buffered_octets,
            "peak_buffered_octets": self.peak_buffered_octets,
            "memory_budget": self.memory_budget,
            "resource_errors": self.resource_errors,
            "log_lines_suppressed": self._throttle.suppressed,
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
            "us": data["us"],
            "checks": data["checks"],
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

    def _record(self, connection: Connection, pdu: PDU) -> None:
        store = self._store
        if store.failed is not None:
            # Nothing can be stored: the sender must keep its records and try again later.
            connection.fail(f"cannot store records: {store.failed}")
            return
        verdict = self._collector.accept(pdu.raw, pdu.value, pdu_type=connection.pdu_type)
        offset = store.append_pdu(pdu.raw)
        store.append_line(record_line(verdict, file=OutputFile.BER, offset=offset,
                                      length=len(pdu.raw), crc32=zlib.crc32(pdu.raw),
                                      listener=connection.listener.name,
                                      connection=connection.id))
        if store.pending_bytes >= _FLUSH_BYTES:
            self._flush(sync=False)

    def _datagram(self, listener: Listener, data: bytes, peer: Any) -> None:
        if self._closing:
            return
        assert listener.layout is not None
        verdict = self._collector.accept_ccc(data, layout=_layout(listener.layout))
        if verdict.error is not None:
            self._error(listener.name, None, f"CCC packet from {peer_text(peer)}: "
                        f"{verdict.error}")
            return
        store = self._store
        if store.failed is not None:
            log.error("%s: CCC packet from %s dropped: cannot store records: %s",
                      listener.name, peer_text(peer), store.failed)
            return
        offset = store.append_ccc(data)
        store.append_line(record_line(verdict, file=OutputFile.CCC, offset=offset, length=len(data),
                                      crc32=zlib.crc32(data),
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
        self._remember(listener, connection, reason)

    def _throttled_error(self, key: str, listener: str, connection: int | None,
                         reason: str) -> None:
        """:meth:`_error` for what a flood of clients can cause: at most ``log_lines`` lines
        of ``key`` per ``log_interval``."""
        self._throttle.log(key, logging.WARNING, "%s connection %s: %s", listener, connection,
                           reason)
        self._remember(listener, connection, reason)

    def _remember(self, listener: str, connection: int | None, reason: str) -> None:
        self._last_errors.append({"listener": listener, "connection": connection,
                                  "reason": reason, "time": _iso(time.time())})

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The loop's exception handler while the LEMF serves: accepts that fail for want of
        descriptors or memory (``socket.accept() out of system resource``) are counted and
        logged at most ``log_lines`` times per ``log_interval``, without a traceback. While
        the LEMF closes, asyncio's retry of such an accept on the listener just closed is
        dropped (it can only fail); the rest goes to the handler that was there before."""
        message = str(context.get("message", ""))
        if "out of system resource" in message:
            self.resource_errors += 1
            self._accept_retry_at = loop.time() + _ACCEPT_RETRY_DELAY
            exc = context.get("exception")
            self._throttle.log("out of system resource", logging.ERROR,
                               "cannot accept a connection: %s (%s); accepting again in a "
                               "second", message, describe(exc) if exc is not None else "?")
            return
        if self._closing and _accept_retry_on_closed_listener(context):
            log.debug("an accept retry on a closed listener was dropped: %s", message)
            return
        if self._previous_handler is not None:
            self._previous_handler(loop, context)
        else:
            loop.default_exception_handler(context)

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
            loop = asyncio.get_running_loop()
            self._previous_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._loop_exception)
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
            self._throttle.log("summary.json", logging.ERROR, "cannot write summary.json: %s",
                               describe(exc))


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
    tls12_at_least(context)


def _accept_retry_on_closed_listener(context: dict[str, Any]) -> bool:
    """Whether ``context`` reports asyncio's accept retry (``_start_serving``, scheduled
    :data:`_ACCEPT_RETRY_DELAY` after a failed accept) failing on a closed listening socket."""
    handle = context.get("handle")
    callback = getattr(handle, "_callback", None)  # asyncio.Handle keeps it there
    return (getattr(callback, "__name__", "") == "_start_serving"
            and isinstance(context.get("exception"), ValueError))


class _Datagrams(asyncio.DatagramProtocol):
    """A UDP listener of CCC packets."""

    def __init__(self, lemf: LEMF, listener: Listener) -> None:
        self.lemf = lemf
        self.listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.lemf._datagram(self.listener, data, addr)

    def error_received(self, exc: Exception) -> None:
        log.warning("%s: %s", self.listener.name, describe(exc))
