"""The X2/X3 listener of a mediation function (ETSI TS 103 221-2): asyncio, mutual TLS, many
network elements at once, each PDU handed to a consumer that makes it durable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from .._checks import require_instance, require_int, require_number, tls12_at_least
from ..errors import InsecureTransportError, X2X3Error
from ._model import DEFAULT_MAX_PDU_SIZE, PDUType
from ._pdu import X2X3PDU
from ._reader import X2X3Reader
from ._writer import encode_pdu, keepalive_ack

__all__ = ["DEFAULT_READ_SIZE", "Consumer", "ListenerStats", "NetworkElement", "X2X3Listener"]

log = logging.getLogger("lawful_intercept.x2x3")

DEFAULT_READ_SIZE: Final = 64 * 1024
"""Octets read from a connection at a time; also the bound of its asyncio read buffer."""


@dataclass(frozen=True, slots=True)
class NetworkElement:
    """The peer of one X2/X3 connection: a network element's point of interception.

    ``connection`` numbers the listener's connections from 1; ``host`` and ``port`` are the
    peer's address; ``subject`` the common name of its client certificate (``None`` over plain
    TCP); ``tls_version`` the negotiated version (``"TLSv1.3"``) or ``None``.
    """

    connection: int
    host: str
    port: int
    subject: str | None = None
    tls_version: str | None = None

    def __str__(self) -> str:
        who = f" ({self.subject})" if self.subject else ""
        return f"#{self.connection} {self.host}:{self.port}{who}"


Consumer = Callable[[X2X3PDU, NetworkElement], Awaitable[None]]
"""The listener's consumer: ``await consumer(pdu, network_element)`` returns once the X2 or X3
PDU is durable (spooled, or converted and spooled); it raises if it cannot make it so."""


@dataclass(slots=True)
class ListenerStats:
    """Counters of an :class:`X2X3Listener`."""

    connections_accepted: int = 0
    """Connections whose TLS handshake completed (or plain TCP connections accepted)."""
    connections_refused: int = 0
    """Connections closed at once because ``max_connections`` were open."""
    connections_open: int = 0
    """Connections open now."""
    pdus_received: int = 0
    """X2 and X3 PDUs the consumer returned from: durable."""
    keepalives_acknowledged: int = 0
    """Keep-alives answered."""
    protocol_errors: int = 0
    """Connections closed because their octets were not an X2/X3 stream."""
    consumer_errors: int = 0
    """Connections closed because the consumer raised."""
    bytes_received: int = 0
    """Octets read from all connections."""


class X2X3Listener:
    """Accept X2/X3 connections from network elements (TS 103 221-2) and hand each X2 and X3
    PDU to ``consumer``.

    **Durability.** A PDU counts as received only once ``await consumer(pdu, element)``
    returns; the connection reads nothing more until then (the PDUs of one connection are
    consumed one at a time, in order; connections run concurrently). Keep-alives are answered
    with an acknowledgement echoing the sequence-number attribute (:func:`keepalive_ack`), in
    order with the other PDUs: an acknowledgement therefore proves that every PDU the network
    element sent before the keep-alive is durable. A consumer that raises closes that
    connection (logged, :attr:`ListenerStats.consumer_errors`); the PDU it was given is not
    counted.

    **Backpressure and memory.** Each connection reads ``read_size`` octets at a time into an
    asyncio buffer of that bound, and holds at most one incomplete PDU of ``max_pdu_size``
    octets: while the consumer is behind, nothing is read and TCP's window stops the sender.

    **Security.** ``ssl_context`` must be a server context that requires a client certificate
    (``verify_mode == CERT_REQUIRED``), else
    :class:`~lawful_intercept.errors.InsecureTransportError`; its ``minimum_version`` is
    raised to TLS 1.2 if lower, or set to TLS 1.3 by ``tls13_only=True`` (OpenLI's
    choice). A client without a certificate, or with one the CA did not issue, fails the
    handshake and never reaches the consumer. Plain TCP only with ``ssl_context=None`` and
    ``insecure_plain_tcp=True`` (tests, benchmarks).

    **Faults.** A network element whose octets are not an X2/X3 stream
    (:class:`~lawful_intercept.errors.X2X3Error`) is disconnected with the reason logged (the
    PDUs it completed before the fault are consumed first); the others go on.
    ``idle_timeout`` (seconds, ``None`` for none) closes a connection that sends nothing, not
    even keep-alives, for that long.

    Use ``async with X2X3Listener(...) as listener:`` or :meth:`start` and :meth:`close`.
    """

    def __init__(
        self,
        consumer: Consumer,
        ssl_context: ssl.SSLContext | None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls13_only: bool = False,
        insecure_plain_tcp: bool = False,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
        read_size: int = DEFAULT_READ_SIZE,
        max_connections: int = 1024,
        handshake_timeout: float = 30.0,
        idle_timeout: float | None = None,
    ) -> None:
        if not callable(consumer):
            raise TypeError(f"consumer must be an async callable, not {type(consumer).__name__}")
        require_instance(host, str, "host")
        require_int(port, "port", low=0, high=65535)
        require_int(max_pdu_size, "max_pdu_size", low=40)
        require_int(read_size, "read_size", low=1)
        require_int(max_connections, "max_connections", low=1)
        require_number(handshake_timeout, "handshake_timeout", low=0, low_open=True)
        if idle_timeout is not None:
            require_number(idle_timeout, "idle_timeout", low=0, low_open=True)
        self._context = _checked_context(ssl_context, tls13_only, insecure_plain_tcp)
        self._consumer = consumer
        self._host = host
        self._port = port
        self._max_pdu_size = max_pdu_size
        self._read_size = read_size
        self._max_connections = max_connections
        self._handshake_timeout = float(handshake_timeout)
        self._idle_timeout = None if idle_timeout is None else float(idle_timeout)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._next_id = 0
        self.stats = ListenerStats()
        """The listener's counters."""

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (``port=0``: a free port, see :attr:`port`)."""
        if self._server is not None:
            raise RuntimeError("the listener is already started")
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, ssl=self._context, limit=self._read_size,
            ssl_handshake_timeout=self._handshake_timeout if self._context else None)

    @property
    def port(self) -> int:
        """The port listened on (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the listener is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def host(self) -> str:
        """The address listened on."""
        return self._host

    async def close(self) -> None:
        """Stop accepting and close every connection (a consumer call in progress is
        cancelled: its PDU is not counted as received)."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # Python 3.12+ waits here for the connections' transports too: bounded.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._handshake_timeout):
                await server.wait_closed()

    async def __aenter__(self) -> X2X3Listener:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- one connection ------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._next_id += 1
        element = _element(self._next_id, writer)
        if len(self._tasks) >= self._max_connections:
            self.stats.connections_refused += 1
            log.warning("X2/X3 %s refused: %d connections open (max_connections)", element,
                        len(self._tasks))
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.connections_accepted += 1
        self.stats.connections_open += 1
        log.info("X2/X3 %s connected (%s)", element, element.tls_version or "plain TCP")
        level, reason = logging.INFO, "listener closing"
        try:
            level, reason = await self._receive(reader, writer, element)
        finally:
            self._tasks.discard(task)
            self.stats.connections_open -= 1
            writer.close()
            log.log(level, "X2/X3 %s closed: %s", element, reason)

    async def _receive(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       element: NetworkElement) -> tuple[int, str]:
        """Read and consume until the connection ends; return why it ended, with the level
        to log it at."""
        frames = X2X3Reader(max_pdu_size=self._max_pdu_size)
        try:
            while True:
                try:
                    async with asyncio.timeout(self._idle_timeout):
                        data = await reader.read(self._read_size)
                except TimeoutError:
                    return logging.WARNING, (f"nothing received for {self._idle_timeout:g} s "
                                             "(idle_timeout)")
                if not data:
                    frames.eof()
                    return logging.INFO, "closed by the network element"
                self.stats.bytes_received += len(data)
                try:
                    pdus = frames.feed(data)
                except X2X3Error as exc:
                    await self._consume(exc.pdus, writer, element)
                    raise
                await self._consume(pdus, writer, element)
        except X2X3Error as exc:
            self.stats.protocol_errors += 1
            return logging.WARNING, f"not an X2/X3 stream: {exc}"
        except _ConsumerFailed as failed:
            self.stats.consumer_errors += 1
            return logging.ERROR, (f"the consumer failed on the PDU at stream offset "
                                   f"{failed.offset}: {failed.__cause__!r}")
        except OSError as exc:  # ssl.SSLError included
            return logging.WARNING, f"connection error: {exc}"

    async def _consume(self, pdus: tuple[X2X3PDU, ...] | list[X2X3PDU],
                       writer: asyncio.StreamWriter, element: NetworkElement) -> None:
        for pdu in pdus:
            if pdu.pdu_type == PDUType.KEEPALIVE:
                writer.write(encode_pdu(keepalive_ack(pdu)))
                await writer.drain()
                self.stats.keepalives_acknowledged += 1
            elif pdu.pdu_type == PDUType.KEEPALIVE_ACK:
                continue  # an acknowledgement we did not ask for: nothing to do
            else:
                try:
                    await self._consumer(pdu, element)
                except Exception as exc:
                    raise _ConsumerFailed(pdu.offset) from exc
                self.stats.pdus_received += 1


class _ConsumerFailed(Exception):
    """Control flow inside the listener: the consumer raised (the cause) on the PDU at
    ``offset``."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _checked_context(context: ssl.SSLContext | None, tls13_only: bool,
                     insecure_plain_tcp: bool) -> ssl.SSLContext | None:
    if context is None:
        if not insecure_plain_tcp:
            raise InsecureTransportError(
                "ssl_context is None: X2/X3 runs over mutual TLS; pass insecure_plain_tcp=True "
                "for plain TCP (tests only)", "ssl_context")
        return None
    require_instance(context, ssl.SSLContext, "ssl_context")
    if context.verify_mode != ssl.CERT_REQUIRED:
        raise InsecureTransportError(
            "ssl_context must require a client certificate (verify_mode CERT_REQUIRED): "
            "X2/X3 network elements authenticate with certificates", "ssl_context")
    if tls13_only:
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    else:
        tls12_at_least(context)
    return context


def _element(number: int, writer: asyncio.StreamWriter) -> NetworkElement:
    peer = writer.get_extra_info("peername") or ("?", 0)
    ssl_object = writer.get_extra_info("ssl_object")
    subject = version = None
    if ssl_object is not None:
        version = ssl_object.version()
        cert = ssl_object.getpeercert()
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        subject = value
    return NetworkElement(number, str(peer[0]), int(peer[1]), subject, version)
