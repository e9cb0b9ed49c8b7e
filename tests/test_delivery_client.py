"""The blocking TLS delivery client against an in-test LEMF on 127.0.0.1.

The LEMF is a small server thread that answers with :class:`ReceiverSession`; certificates
come from :func:`make_test_pki`. Every socket operation has a timeout, every thread is a
daemon, every wait is bounded.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import HandoverSession, ReceiverSession, RecordReceived
from lawful_intercept.delivery.client import DeliveryClient, InsecureTransportError
from lawful_intercept.delivery.spool import Spool
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
PACKET = b"\x45\x00\x00\x1c" + bytes(24)
HOST = "127.0.0.1"


def make_records(n: int) -> list[bytes]:
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", MF, 1234), spec=SPEC,
                                      clock=CLOCK))
    return [ip.ipcc(PACKET, "toTarget") for _ in range(n)]


RECORDS = make_records(60)


def session_factory(**options: float | int | str) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    settings: dict[str, object] = {"acknowledgement": "request", "ack_every": 5,
                                   "ack_delay": 0.05, "keep_alive_wait": 5.0}
    settings.update(options)
    return lambda: HandoverSession(tri=tri, **settings)  # type: ignore[arg-type]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class LEMF:
    """A test LEMF: accepts connections one after another, answers through a
    ReceiverSession, keeps every record received. ``drop_after``: close the first connection
    abruptly once that many records arrived on it (without writing the answers)."""

    def __init__(self, context: ssl.SSLContext | None, *, drop_after: int | None = None
                 ) -> None:
        self.context = context
        self.drop_after = drop_after
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(8)
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def unique(self) -> set[bytes]:
        return set(self.received)

    def __enter__(self) -> LEMF:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                sock = (conn if self.context is None
                        else self.context.wrap_socket(conn, server_side=True))
            except OSError as exc:
                self.errors.append(f"handshake: {exc}")
                conn.close()
                continue
            self.connections += 1
            with contextlib.closing(sock):
                try:
                    self._handle(sock, drop=self.connections == 1)
                except OSError as exc:
                    self.errors.append(f"connection: {exc}")

    def _handle(self, sock: socket.socket, *, drop: bool) -> None:
        sock.settimeout(0.1)
        receiver = ReceiverSession(SPEC)
        count = 0
        while not self.stopping.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            receiver.receive_data(data)
            for event in receiver.events():
                if isinstance(event, RecordReceived):
                    self.received.append(event.pdu.raw)
                    count += 1
            if drop and self.drop_after is not None and count >= self.drop_after:
                return  # closed without answering: the client must resend
            answer = receiver.data_to_send()
            if answer:
                sock.settimeout(5)
                sock.sendall(answer)
                sock.settimeout(0.1)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(hostnames=("localhost", HOST))


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    with Spool(tmp_path / "spool", fsync="never") as opened:
        yield opened


def client_for(port: int, spool: Spool, context: ssl.SSLContext | None, **options: object
               ) -> DeliveryClient:
    settings: dict[str, object] = {"reconnect_initial": 0.05, "reconnect_max": 0.2,
                                   "connect_timeout": 3.0, "write_timeout": 3.0,
                                   "poll_interval": 0.05}
    settings.update(options)
    return DeliveryClient(HOST, port, spool, session_factory(), ssl_context=context,
                          **settings)  # type: ignore[arg-type]


def test_records_are_delivered_and_acknowledged(pki: TestPKI, spool: Spool) -> None:
    for record in RECORDS[:12]:
        spool.append(record)
    with LEMF(pki.server_context()) as lemf, \
            client_for(lemf.port, spool, pki.client_context()) as client:
        for record in RECORDS[12:20]:
            client.send(record)
        assert wait_for(lambda: spool.stats().queued == 0)
        stats = client.stats()
    assert lemf.received == RECORDS[:20]
    assert stats.connects == 1 and stats.reconnects == 0
    assert stats.sent == 20 and stats.acknowledged == 20
    assert stats.last_error is None and stats.keep_alive_failures == 0


def test_reconnects_after_the_server_drops_the_connection(pki: TestPKI, spool: Spool) -> None:
    for record in RECORDS[:20]:
        spool.append(record)
    with LEMF(pki.server_context(), drop_after=15) as lemf, \
            client_for(lemf.port, spool, pki.client_context()) as client:
        for record in RECORDS[20:]:
            client.send(record)
            time.sleep(0.002)
        assert wait_for(lambda: spool.stats().queued == 0 and len(lemf.unique) == len(RECORDS))
        stats = client.stats()
    assert lemf.unique == set(RECORDS)
    assert lemf.connections >= 2
    assert stats.reconnects >= 1 and stats.last_error is not None
    assert stats.acknowledged == len(RECORDS)


def test_plain_tcp_only_when_asked(spool: Spool) -> None:
    with pytest.raises(InsecureTransportError, match="plain TCP"):
        DeliveryClient(HOST, 1, spool, session_factory(), ssl_context=None)
    context = ssl.create_default_context()
    with pytest.raises(InsecureTransportError):
        DeliveryClient(HOST, 1, spool, session_factory(), ssl_context=context,
                       insecure_plain_tcp=True)
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(InsecureTransportError, match="verify"):
        DeliveryClient(HOST, 1, spool, session_factory(), ssl_context=unverified)
    for record in RECORDS[:5]:
        spool.append(record)
    with LEMF(None) as lemf, \
            client_for(lemf.port, spool, None, insecure_plain_tcp=True) as client:
        assert wait_for(lambda: spool.stats().queued == 0)
        assert client.stats().acknowledged == 5


def test_minimum_version_is_raised_to_tls12(spool: Spool) -> None:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    DeliveryClient(HOST, 1, spool, session_factory(), ssl_context=context).close()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def _tls11_only(pki: TestPKI) -> ssl.SSLContext:
    context = pki.client_context()
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(ValueError, ssl.SSLError):
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    return context


REFUSALS: dict[str, Callable[[TestPKI], tuple[ssl.SSLContext, ssl.SSLContext, str]]] = {
    "untrusted server certificate": lambda p: (
        p.server_context(identity=p.issue_untrusted("server")), p.client_context(), HOST),
    "wrong host name": lambda p: (p.server_context(), p.client_context(), "wrong.example"),
    "expired server certificate": lambda p: (
        p.server_context(identity=p.issue_expired("server")), p.client_context(), HOST),
    "client without certificate": lambda p: (
        p.server_context(), p.client_context(present_certificate=False), HOST),
    "client limited to TLS 1.1": lambda p: (p.server_context(), _tls11_only(p), HOST),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_tls_refusals(pki: TestPKI, spool: Spool, case: str) -> None:
    server_context, client_context, hostname = REFUSALS[case](pki)
    for record in RECORDS[:5]:
        spool.append(record)
    with LEMF(server_context) as lemf, \
            client_for(lemf.port, spool, client_context, server_hostname=hostname) as client:
        assert wait_for(lambda: client.stats().last_error is not None, 5.0)
        time.sleep(0.1)
        stats = client.stats()
    assert stats.last_error is not None, case
    assert stats.acknowledged == 0
    assert spool.stats().queued == 5
    assert lemf.unique == set()
