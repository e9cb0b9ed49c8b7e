"""X2/X3 clients for network-element simulators and tests (ETSI TS 103 221-2): connect over
mutual TLS, send PDUs, and use a keep-alive round trip as a barrier."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable

from .._checks import require_instance, require_int, require_number
from ..errors import InsecureTransportError
from ._model import DEFAULT_MAX_PDU_SIZE, PDUType
from ._pdu import X2X3PDU
from ._reader import X2X3Reader
from ._writer import encode_pdu, keepalive

__all__ = ["BlockingX2X3Client", "X2X3Client"]

_READ_SIZE = 64 * 1024


def _checked(ssl_context: ssl.SSLContext | None, insecure_plain_tcp: bool) -> None:
    if ssl_context is None:
        if not insecure_plain_tcp:
            raise InsecureTransportError(
                "ssl_context is None: X2/X3 runs over mutual TLS; pass insecure_plain_tcp=True "
                "for plain TCP (tests only)", "ssl_context")
        return
    require_instance(ssl_context, ssl.SSLContext, "ssl_context")
    if ssl_context.verify_mode != ssl.CERT_REQUIRED:
        raise InsecureTransportError(
            "ssl_context must verify the mediation function's certificate", "ssl_context")


def _octets(pdu: X2X3PDU | bytes | bytearray | memoryview) -> bytes:
    if isinstance(pdu, X2X3PDU):
        return encode_pdu(pdu)
    if isinstance(pdu, bytes | bytearray | memoryview):
        return bytes(pdu)
    raise TypeError(f"pdu must be an X2X3PDU or bytes, not {type(pdu).__name__}")


class _Endpoint:
    """What both clients share: the settings, the keep-alive numbering, reading the acks."""

    def __init__(self, host: str, port: int, ssl_context: ssl.SSLContext | None, *,
                 server_hostname: str | None = None, insecure_plain_tcp: bool = False,
                 timeout: float = 30.0, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        require_instance(host, str, "host")
        require_int(port, "port", low=1, high=65535)
        require_number(timeout, "timeout", low=0, low_open=True)
        _checked(ssl_context, insecure_plain_tcp)
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        self.timeout = float(timeout)
        self._frames = X2X3Reader(max_pdu_size=max_pdu_size)
        self._sequence = 0
        self.received: list[X2X3PDU] = []
        """PDUs the listener sent that no ``sync`` waited for."""

    def _next_keepalive(self) -> tuple[int, bytes]:
        number = self._sequence
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        return number, encode_pdu(keepalive(number))

    def _take_ack(self, data: bytes, number: int) -> X2X3PDU | None:
        """Frame what the listener sent; the acknowledgement of keep-alive ``number`` if it
        came (others are kept in :attr:`received`)."""
        if not data:
            raise ConnectionError("the listener closed the connection before acknowledging "
                                  f"keep-alive {number}")
        found = None
        for pdu in self._frames.feed(data):
            if found is None and (pdu.pdu_type == PDUType.KEEPALIVE_ACK
                                  and pdu.sequence_number == number):
                found = pdu
            else:
                self.received.append(pdu)
        return found


class X2X3Client(_Endpoint):
    """An asyncio X2/X3 sender: a network element's point of interception (TS 103 221-2).

    ``await client.connect()``, then :meth:`send` PDUs (an :class:`X2X3PDU` or octets sent as
    given, garbage included, for tests) and :meth:`sync`: a keep-alive whose acknowledgement
    the listener sends only after every earlier PDU was consumed, i.e. made durable. X2/X3 has
    no other acknowledgement: PDUs sent after the last acknowledged keep-alive are unconfirmed
    if the connection fails.

    ``ssl_context`` must verify the server (``CERT_REQUIRED``) and should carry the client
    certificate; ``None`` needs ``insecure_plain_tcp=True``.
    """

    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        """Open the connection (TLS handshake included) within ``timeout``."""
        async with asyncio.timeout(self.timeout):
            if self.ssl_context is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            else:
                self._reader, self._writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl_context,
                    server_hostname=self.server_hostname or self.host,
                    ssl_handshake_timeout=self.timeout)

    def _stream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            raise RuntimeError("the client is not connected (call connect() first)")
        return self._reader, self._writer

    async def send(self, pdu: X2X3PDU | bytes | bytearray | memoryview) -> None:
        """Send one PDU (or raw octets) and wait until the socket took it."""
        _, writer = self._stream()
        writer.write(_octets(pdu))
        async with asyncio.timeout(self.timeout):
            await writer.drain()

    async def send_many(self, pdus: Iterable[X2X3PDU | bytes]) -> None:
        """Send several PDUs, draining as the socket's buffer fills."""
        _, writer = self._stream()
        for pdu in pdus:
            writer.write(_octets(pdu))
            if writer.transport.get_write_buffer_size() > _READ_SIZE:
                async with asyncio.timeout(self.timeout):
                    await writer.drain()
        async with asyncio.timeout(self.timeout):
            await writer.drain()

    async def sync(self) -> X2X3PDU:
        """Send a keep-alive with the next sequence number and wait (``timeout``) for its
        acknowledgement; return it. Raises ``ConnectionError`` if the listener closed the
        connection first, :class:`~lawful_intercept.errors.X2X3Error` if it sent garbage."""
        reader, writer = self._stream()
        number, request = self._next_keepalive()
        writer.write(request)
        async with asyncio.timeout(self.timeout):
            await writer.drain()
            while True:
                ack = self._take_ack(await reader.read(_READ_SIZE), number)
                if ack is not None:
                    return ack

    async def close(self) -> None:
        """Close the connection (TLS close_notify), waiting at most ``timeout``."""
        writer = self._writer
        self._reader = self._writer = None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(self.timeout):
                await writer.wait_closed()
        except (OSError, ssl.SSLError, TimeoutError):
            writer.transport.abort()

    async def __aenter__(self) -> X2X3Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class BlockingX2X3Client(_Endpoint):
    """The blocking twin of :class:`X2X3Client` (a thread per network element, or a script):
    :meth:`connect`, :meth:`send`, :meth:`sync`, :meth:`close`; a context manager."""

    _sock: socket.socket | None = None

    def connect(self) -> None:
        """Open the connection (TLS handshake included) within ``timeout``."""
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        if self.ssl_context is not None:
            try:
                sock = self.ssl_context.wrap_socket(
                    sock, server_hostname=self.server_hostname or self.host)
            except BaseException:
                sock.close()
                raise
        self._sock = sock

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise RuntimeError("the client is not connected (call connect() first)")
        return self._sock

    def send(self, pdu: X2X3PDU | bytes | bytearray | memoryview) -> None:
        """Send one PDU (or raw octets)."""
        self._socket().sendall(_octets(pdu))

    def send_many(self, pdus: Iterable[X2X3PDU | bytes]) -> None:
        """Send several PDUs in buffers of about 64 KiB."""
        sock = self._socket()
        batch: list[bytes] = []
        size = 0
        for pdu in pdus:
            data = _octets(pdu)
            batch.append(data)
            size += len(data)
            if size >= _READ_SIZE:
                sock.sendall(b"".join(batch))
                batch, size = [], 0
        if batch:
            sock.sendall(b"".join(batch))

    def sync(self) -> X2X3PDU:
        """Send a keep-alive and wait for its acknowledgement (see :meth:`X2X3Client.sync`)."""
        sock = self._socket()
        number, request = self._next_keepalive()
        sock.sendall(request)
        while True:
            ack = self._take_ack(sock.recv(_READ_SIZE), number)
            if ack is not None:
                return ack

    def close(self) -> None:
        """Close the connection."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.unwrap()
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            sock.close()

    def __enter__(self) -> BlockingX2X3Client:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

