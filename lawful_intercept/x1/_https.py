"""X1 over HTTPS with mutual TLS (ETSI TS 103 221-1 clause 7): each X1Request is the body of
an HTTP POST and its X1Response the body of the answer. :class:`X1Server` puts an
:class:`~lawful_intercept.x1.X1Handler` on a listening socket (one thread per connection,
requests handled one at a time); :class:`X1Client` is the ADMF's end. Both refuse an SSL
context that does not verify the peer's certificate."""

from __future__ import annotations

import http.client
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .._checks import require_instance, require_int, require_number
from ..errors import InsecureTransportError, X1FormatError, X1TransportError
from ._handler import X1Handler
from ._model import RequestMessage, TopLevelErrorResponse, X1Request, X1Response
from ._xml import DEFAULT_MAX_BYTES, parse_message, write_message

__all__ = ["CONTENT_TYPE", "X1Client", "X1Server"]

CONTENT_TYPE = "application/xml"
"""The media type of X1 bodies."""


def _require_verifying(context: ssl.SSLContext, side: str) -> ssl.SSLContext:
    require_instance(context, ssl.SSLContext, "context")
    if context.verify_mode != ssl.CERT_REQUIRED:
        raise InsecureTransportError(f"X1 needs mutual TLS: the {side} context must verify the "
                                     "peer's certificate (verify_mode CERT_REQUIRED)", "context")
    return context


class X1Server:
    """An HTTPS server answering X1 POSTs with ``handler`` on ``host``:``port`` (0: any free
    port, see :attr:`port`). ``context`` is a server context that requires a client
    certificate. A body over ``max_bytes`` is refused with HTTP 413 unread."""

    def __init__(self, handler: X1Handler, context: ssl.SSLContext, *, host: str = "127.0.0.1",
                 port: int = 0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        require_instance(handler, X1Handler, "handler")
        _require_verifying(context, "server")
        require_int(port, "port", low=0, high=65535)
        lock = threading.Lock()
        limit = require_int(max_bytes, "max_bytes", low=1)

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                self.request.do_handshake()
                super().setup()

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    self._answer(411, b"")
                    return
                if length < 0 or length > limit:
                    self._answer(413, b"")
                    self.close_connection = True
                    return
                body = self.rfile.read(length)
                with lock:
                    answer = handler.handle(body)
                self._answer(200, answer)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> tuple[Any, Any]:
                sock, address = self.socket.accept()
                sock.settimeout(30)
                # the handshake runs in the connection's thread (setup), not in the accept loop
                return context.wrap_socket(sock, server_side=True,
                                           do_handshake_on_connect=False), address

            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # a peer that fails the TLS handshake is not the server's error

        self._server = _Server((host, port), _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    def start(self) -> X1Server:
        """Serve in a background thread; returns the server."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            name="x1-server", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> X1Server:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


class X1Client:
    """The ADMF's X1 client: POSTs X1Requests to ``host``:``port`` ``path`` over HTTPS with
    ``context`` (a client context holding the ADMF's certificate and verifying the NE's),
    one connection per exchange."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, *, path: str = "/",
                 timeout: float = 30.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.host = require_instance(host, str, "host")
        self.port = require_int(port, "port", low=1, high=65535)
        self.context = _require_verifying(context, "client")
        self.path = require_instance(path, str, "path")
        self.timeout = require_number(timeout, "timeout", low=0.001)
        self.max_bytes = require_int(max_bytes, "max_bytes", low=1)

    def send(self, *messages: RequestMessage) -> X1Response:
        """Send ``messages`` in one X1Request and return the X1Response (one response per
        message, in order). :class:`~lawful_intercept.errors.X1TransportError` if the
        exchange fails or the NE answers with an X1TopLevelErrorResponse or the wrong
        number of responses; :class:`~lawful_intercept.errors.X1FormatError` if the answer
        is not valid X1."""
        if not messages:
            raise ValueError("messages: send at least one X1 request message")
        body = write_message(X1Request(tuple(messages)))
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context,
                                                 timeout=self.timeout)
        try:
            connection.request("POST", self.path, body, {"Content-Type": CONTENT_TYPE})
            response = connection.getresponse()
            data = response.read(self.max_bytes + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise X1TransportError(f"X1 POST to {self.host}:{self.port} failed: {exc}",
                                   "X1Client") from exc
        finally:
            connection.close()
        if response.status != 200:
            raise X1TransportError(f"the NE answered HTTP {response.status} {response.reason}",
                                   "X1Client")
        if len(data) > self.max_bytes:
            raise X1FormatError(f"the answer is more than {self.max_bytes} bytes", "X1Response")
        document = parse_message(data, max_bytes=self.max_bytes)
        if isinstance(document, TopLevelErrorResponse):
            raise X1TransportError("the NE answered X1TopLevelErrorResponse: it could not read "
                                   "the request", "X1Client")
        if not isinstance(document, X1Response) or len(document.messages) != len(messages):
            raise X1TransportError(f"the NE answered {len(getattr(document, 'messages', ()))} "
                                   f"response(s) to {len(messages)} request(s)", "X1Client")
        return document
