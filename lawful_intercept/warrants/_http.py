"""HI-1 over HTTPS with mutual TLS (TS 103 120 clause 6: HI-1 messages travel as HTTP POST
over TLS): :class:`HI1Server`, the CSP side, runs an :class:`HI1Endpoint` with the standard
library's ``http.server`` and ``ssl``; :class:`HI1Client`, the agency side, POSTs messages.

The server answers one request at a time (a warrant book has one writer); a client that
stalls holds it for at most ``timeout`` seconds. A request must carry a Content-Length of at
most the endpoint's ``max_bytes`` (411 without one; 413 over it, its body dropped unparsed, up
to 16 MiB, so that the client reads the answer); anything else gets
an HI-1 response, error responses included. Between requests the server calls the book's
``tick`` (every ``tick_interval`` seconds): that is its only clock, no thread is started.
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from .._checks import require_instance
from ..errors import WarrantEndpointError
from ._book import Notification
from ._endpoint import HI1Endpoint
from ._xml_safe import DEFAULT_MAX_BYTES

__all__ = ["HI1Client", "HI1Server", "hi1_client_context", "hi1_server_context"]

_log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

_DRAIN_LIMIT = 16 * 1024 * 1024  # an oversized body is read and dropped up to this much


def _now() -> datetime:
    return datetime.now(UTC)


def hi1_server_context(cert: str | os.PathLike[str], key: str | os.PathLike[str],
                       client_ca: str | os.PathLike[str]) -> ssl.SSLContext:
    """A TLS server context for the HI-1 endpoint: TLS 1.2 or later, presenting ``cert`` and
    ``key``, requiring a client certificate issued by ``client_ca`` (mutual TLS)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.fspath(cert), os.fspath(key))
    context.load_verify_locations(os.fspath(client_ca))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def hi1_client_context(ca: str | os.PathLike[str], cert: str | os.PathLike[str],
                       key: str | os.PathLike[str]) -> ssl.SSLContext:
    """A TLS client context for posting to an HI-1 endpoint: TLS 1.2 or later, trusting
    ``ca`` for the server (host name checked), presenting ``cert`` and ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(os.fspath(ca))
    context.load_cert_chain(os.fspath(cert), os.fspath(key))
    return context


class _Handler(BaseHTTPRequestHandler):
    server: HI1Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.do_handshake()  # in the handler, under the socket's timeout
        super().setup()

    def do_POST(self) -> None:
        self.close_connection = True
        if self.headers.get("Transfer-Encoding"):
            self._plain(411, "a Content-Length is required (no chunked encoding)")
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.strip().isdigit():
            self._plain(411, "a Content-Length is required")
            return
        length = int(length_text)
        limit = self.server.endpoint.max_bytes
        if length > limit:
            self._discard(length)
            self._plain(413, f"the request is {length} bytes, more than the limit of {limit}")
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self._plain(400, "the request ended before its Content-Length")
            return
        result = self.server.endpoint.handle(body, now=self.server.clock())
        self.server.deliver(result.notifications)
        self.send_response(200)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(result.response)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(result.response)

    def do_GET(self) -> None:
        self.close_connection = True
        self._plain(405, "HI-1 messages are sent with POST")

    do_PUT = do_DELETE = do_HEAD = do_GET

    def _discard(self, length: int) -> None:
        """Read and drop an oversized body (in small pieces, up to :data:`_DRAIN_LIMIT`
        bytes), so that the client, still sending, reads the 413 instead of a reset."""
        left = min(length, _DRAIN_LIMIT)
        while left > 0:
            piece = self.rfile.read(min(left, 65536))
            if not piece:
                return
            left -= len(piece)

    def _plain(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s %s", self.address_string(), format % args)


class HI1Server(HTTPServer):
    """The HI-1 endpoint over HTTPS with mutual TLS (see the module docstring).

    ``address`` is ``(host, port)`` (port 0: any free port, see :attr:`server_address`);
    ``context`` a TLS server context that requires client certificates
    (:func:`hi1_server_context`); ``on_notifications`` receives the HI1 notifications of each
    request and tick (they are also in the book's outbox); ``clock`` gives the time."""

    def __init__(self, address: tuple[str, int], endpoint: HI1Endpoint,
                 context: ssl.SSLContext, *,
                 on_notifications: Callable[[tuple[Notification, ...]], None] | None = None,
                 clock: Clock = _now, timeout: float = 10.0, tick_interval: float = 1.0) -> None:
        require_instance(endpoint, HI1Endpoint, "endpoint")
        require_instance(context, ssl.SSLContext, "context")
        if context.verify_mode != ssl.CERT_REQUIRED:
            raise ValueError("context must require client certificates (mutual TLS)")
        if not timeout > 0 or not tick_interval > 0:
            raise ValueError("timeout and tick_interval must be positive numbers of seconds")
        self.endpoint, self.context, self.clock = endpoint, context, clock
        self.on_notifications = on_notifications
        self.request_timeout, self.tick_interval = timeout, tick_interval
        self._last_tick = 0.0
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[Any, Any]:
        """Accept a connection and wrap it in TLS (the handshake runs in the handler, under
        the request timeout)."""
        sock, address = self.socket.accept()
        sock.settimeout(self.request_timeout)
        return self.context.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A failed connection (TLS refused, a stalled client) is logged, never raised."""
        _log.info("HI-1 connection from %s failed", client_address, exc_info=True)

    def service_actions(self) -> None:
        """Between requests: the book's tick, every ``tick_interval`` seconds."""
        if time.monotonic() - self._last_tick >= self.tick_interval:
            self._last_tick = time.monotonic()
            self.deliver(self.endpoint.tick(self.clock()))

    def deliver(self, notifications: tuple[Notification, ...]) -> None:
        """Hand notifications to ``on_notifications``."""
        if notifications and self.on_notifications is not None:
            self.on_notifications(notifications)


class HI1Client:
    """The agency side: POSTs HI-1 messages to an endpoint at ``host``:``port`` over TLS
    with ``context`` (:func:`hi1_client_context`) and returns the response bytes."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, *, path: str = "/",
                 timeout: float = 30.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        require_instance(host, str, "host")
        require_instance(context, ssl.SSLContext, "context")
        self.host, self.port, self.context, self.path = host, port, context, path
        self.timeout, self.max_bytes = timeout, max_bytes

    def post(self, message: bytes) -> bytes:
        """POST ``message``; the HI-1 response bytes.
        :class:`~lawful_intercept.errors.WarrantEndpointError` for an HTTP error status."""
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context,
                                                 timeout=self.timeout)
        try:
            connection.request("POST", self.path, body=bytes(message),
                               headers={"Content-Type": "application/xml; charset=utf-8"})
            response = connection.getresponse()
            data = response.read(self.max_bytes + 1)
        except (TimeoutError, ssl.SSLError) as exc:
            raise WarrantEndpointError(f"HI-1 POST to {self.host}:{self.port} failed: {exc}",
                                       "HI1Client") from None
        finally:
            connection.close()
        if response.status != 200:
            raise WarrantEndpointError(f"HTTP {response.status} {response.reason}: "
                                       f"{data[:200].decode('utf-8', 'replace')}", "HI1Client")
        if len(data) > self.max_bytes:
            raise WarrantEndpointError(f"the response is over {self.max_bytes} bytes",
                                       "HI1Client")
        return data
