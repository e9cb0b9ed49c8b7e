"""The LEMF's side of TLS, sans-IO: a server ``ssl.SSLObject`` over memory buffers.

ETSI TS 102 232-1 clause 6.2.3 (and TS 33.108 / ATIS-1000678 for the US formats) carries the
handover over TLS with mutual authentication. asyncio's own TLS transport closes a connection
whose handshake fails without writing what OpenSSL queued, so a sender whose certificate is
refused sees "the peer closed the connection" or ``SSLEOFError`` instead of the reason. Here the
TLS records OpenSSL produces, the alert of a refused handshake included (RFC 8446 6.2,
RFC 5246 7.2.2: ``unknown_ca``, ``bad_certificate``, ``certificate_expired``,
``certificate_required``, ``protocol_version``), are handed to the caller, who writes them
before closing.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any, Final

__all__ = ["READ_SIZE", "ServerTLS", "alert_text"]

READ_SIZE: Final = 16 * 1024
"""Largest piece of plaintext taken from TLS at once (one TLS record's worth, RFC 8446 5.1)."""


class ServerTLS:
    """One server-side TLS connection over memory buffers (no socket, no event loop).

    :meth:`receive` takes octets from the client and returns the plaintext they carry
    (the handshake first); :meth:`send` encrypts plaintext; :meth:`outgoing` gives the octets
    to write to the client (handshake messages, records, alerts, close_notify). A failed
    handshake raises ``ssl.SSLError`` from :meth:`receive` after OpenSSL has queued its alert:
    write :meth:`outgoing` before closing.
    """

    __slots__ = ("_incoming", "_object", "_outgoing", "established", "peer_closed")

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._object = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.established = False
        """Whether the handshake completed (the client's certificate was verified)."""
        self.peer_closed = False
        """Whether the client sent its close_notify (RFC 8446 6.1)."""

    def receive(self, data: bytes) -> list[bytes]:
        """Octets from the client; the pieces of plaintext they complete (each at most
        :data:`READ_SIZE` octets). Raises ``ssl.SSLError`` when the handshake fails or a
        record does not authenticate."""
        self._incoming.write(data)
        if not self.established:
            try:
                self._object.do_handshake()
            except ssl.SSLWantReadError:
                return []
            self.established = True
        pieces: list[bytes] = []
        while not self.peer_closed:
            try:
                piece = self._object.read(READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.peer_closed = True
                break
            if not piece:
                self.peer_closed = True
                break
            pieces.append(piece)
        return pieces

    def send(self, data: bytes) -> None:
        """Encrypt ``data`` (written by the next :meth:`outgoing`)."""
        view = memoryview(data)
        while view:
            written = self._object.write(view)
            view = view[written:]

    def outgoing(self) -> bytes:
        """The octets to write to the client now."""
        return self._outgoing.read()

    def close(self) -> None:
        """Queue our close_notify (RFC 8446 6.1); what is already queued goes first."""
        if not self.established:
            return
        # Sent; the client's answer is not waited for.
        with contextlib.suppress(ssl.SSLWantReadError, ssl.SSLError):
            self._object.unwrap()

    @property
    def buffered_bytes(self) -> int:
        """Octets held in the memory buffers (received and not yet read, or to write)."""
        return self._incoming.pending + self._outgoing.pending

    def peer_certificate(self) -> Any:
        """The client's certificate as ``SSLObject.getpeercert`` gives it (``None`` before
        the handshake)."""
        return self._object.getpeercert() if self.established else None

    def version(self) -> str | None:
        """The TLS version negotiated (``"TLSv1.3"``...), ``None`` before the handshake."""
        return self._object.version()


def alert_text(exc: BaseException) -> str:
    """The reason OpenSSL gives for a failed handshake (``"TLSV1_ALERT_UNKNOWN_CA"``,
    ``"CERTIFICATE_VERIFY_FAILED"``...), or the exception's text."""
    reason = getattr(exc, "reason", None)
    verify = getattr(exc, "verify_message", None)
    if reason and verify:
        return f"{reason} ({verify})"
    return str(reason or exc)
