"""The blocking TLS delivery client against an in-test LEMF on 127.0.0.1.

The LEMF is a small server thread that answers with :class:`ReceiverSession`; certificates
come from :func:`make_test_pki`. Every socket operation has a timeout, every thread is a
daemon, every wait is bounded.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import lawful_intercept
from lawful_intercept.certs import TestPKI
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    DeliveryClient,
    HandoverSession,
    InsecureTransportError,
    ReceiverSession,
    RecordReceived,
    Spool,
)
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

    def __init__(self, context: ssl.SSLContext | None, *, drop_after: int | None = None,
                 first: str | None = None) -> None:
        self.context = context
        self.drop_after = drop_after
        self.first = first  # "garbage": answer the first connection with octets that are
        # no PS-PDU; "stall": never read from it (the client's writes block)
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
                    if self.connections == 1 and self.first is not None:
                        self._misbehave(sock, self.first)
                        continue
                    self._handle(sock, drop=self.connections == 1)
                except OSError as exc:
                    self.errors.append(f"connection: {exc}")

    def _misbehave(self, sock: socket.socket, how: str) -> None:
        """"garbage": send it, then read until the client closes; "stall": read nothing
        for 1.5 s (longer than the client's write timeout, shorter than its connect
        timeout, since the next connection waits for this one), then close."""
        sock.settimeout(0.1)
        if how == "stall":
            self.stopping.wait(1.5)
            return
        sock.sendall(b"\x1f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f")
        while not self.stopping.is_set():
            try:
                if not sock.recv(65536):
                    return
            except TimeoutError:
                continue

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
    # What the first connection did not get acknowledged went out again, and is counted so.
    assert stats.resent >= 1 and stats.sent == len(RECORDS) + stats.resent
    assert stats.queued == 0


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


def test_send_many_delivers_a_batch_in_order(pki: TestPKI, spool: Spool) -> None:
    with LEMF(pki.server_context()) as lemf, \
            client_for(lemf.port, spool, pki.client_context()) as client:
        assert client.send_many(RECORDS[:10], kind="CC", key="LIID-42") == list(range(1, 11))
        assert client.send_many([]) == []
        assert client.send_many(iter(RECORDS[10:25])) == list(range(11, 26))
        assert wait_for(lambda: spool.stats().queued == 0)
        stats = client.stats()
    assert lemf.received == RECORDS[:25]
    assert stats.sent == 25 and stats.acknowledged == 25 and stats.last_error is None


def test_send_batch_stores_and_delivers_a_run_as_one_record(pki: TestPKI, spool: Spool
                                                            ) -> None:
    with LEMF(pki.server_context()) as lemf, \
            client_for(lemf.port, spool, pki.client_context()) as client:
        assert client.send_batch([]) == 0
        first = client.send_batch(RECORDS[:10], kind="CC", key="LIID-42")
        second = client.send_batch(iter(RECORDS[10:12]))
        assert (first, second) == (1, 2)
        assert wait_for(lambda: spool.stats().queued == 0)
        stats = client.stats()
    # The LEMF frames the run into its PDUs; the spool and the counters count runs.
    assert lemf.received == RECORDS[:12]
    assert stats.sent == 2 and stats.acknowledged == 2


def test_without_acknowledgement_an_idle_spool_is_confirmed_by_a_keep_alive(
        pki: TestPKI, spool: Spool) -> None:
    """With acknowledgement off, the last records of a burst are confirmed as soon as the
    spool has nothing more to send (a keep-alive at once, its answer confirming them), not
    after the idle interval (here far longer than the test) or the resend window."""
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool,
                           session_factory(acknowledgement="off", keep_alive_interval=3600.0),
                           ssl_context=pki.client_context(), connect_timeout=3.0,
                           poll_interval=0.05) as client:
        client.send_many(RECORDS[:7])
        assert wait_for(lambda: spool.stats().queued == 0, 10.0), client.stats()
        stats = client.stats()
    assert lemf.received == RECORDS[:7]
    assert stats.acknowledged == 7 and stats.connects == 1


def test_an_idle_connection_outlives_the_write_timeout(pki: TestPKI, spool: Spool) -> None:
    """Over TLS 1.3 the server sends session tickets after the handshake: the socket turns
    readable with no application data, and a blocking read would wait for the peer (who has
    nothing to say) until the timeout ended the connection."""
    with LEMF(pki.server_context()) as lemf, \
            client_for(lemf.port, spool, pki.client_context(), write_timeout=0.3) as client:
        assert wait_for(lambda: client.stats().connected, 5.0)
        time.sleep(1.0)  # idle, more than three write timeouts
        stats = client.stats()
        assert (stats.connects, stats.last_error, stats.connected) == (1, None, True)
        client.send_many(RECORDS[:3])
        assert wait_for(lambda: spool.stats().queued == 0)
    assert lemf.received == RECORDS[:3]


def test_a_backlog_beyond_the_buffer_is_sent_at_once(pki: TestPKI, spool: Spool) -> None:
    """The loop feeds at most ``max_buffered_bytes`` at a time; with more records waiting it
    goes on at once instead of sleeping ``poll_interval`` (here far longer than the test)
    between two parts of the backlog. Acknowledgement is off, so that no answer from the
    LEMF wakes the loop."""
    spool.append_many(RECORDS)
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory(acknowledgement="off"),
                           ssl_context=pki.client_context(), poll_interval=60.0,
                           connect_timeout=3.0, write_timeout=3.0,
                           max_buffered_bytes=3 * len(RECORDS[0])) as client:
        assert wait_for(lambda: len(lemf.received) == len(RECORDS), 10.0)
        stats = client.stats()
    assert lemf.received == RECORDS
    assert stats.sent == len(RECORDS) and stats.connects == 1


def test_send_many_keeps_a_kind_and_key_per_pdu(spool: Spool) -> None:
    client = client_for(1, spool, None, insecure_plain_tcp=True)  # never started
    try:
        ids = client.send_many(RECORDS[:3], kind=["IRI", "CC", "CC"], key=[b"a", "b", b""])
        assert client.send_many(RECORDS[3:5], kind="CC", key="LIID-42") == [4, 5]
    finally:
        client.close()
    assert [(e.id, e.data, e.kind, e.key) for e in spool.entries()] == [
        (ids[0], RECORDS[0], "IRI", b"a"), (ids[1], RECORDS[1], "CC", b"b"),
        (ids[2], RECORDS[2], "CC", b""), (4, RECORDS[3], "CC", b"LIID-42"),
        (5, RECORDS[4], "CC", b"LIID-42"),
    ]


class SilentLEMF:
    """Accepts one TLS connection and reads it without ever answering."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(5)
        self.port: int = self.listener.getsockname()[1]
        self.octets = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> SilentLEMF:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self.listener.accept()
            with self.context.wrap_socket(conn, server_side=True) as sock:
                sock.settimeout(0.05)
                while not self.stopping.is_set():
                    with contextlib.suppress(TimeoutError):
                        self.octets += len(sock.recv(65536))


def test_records_wait_in_the_spool_while_options_are_negotiated(pki: TestPKI,
                                                                spool: Spool) -> None:
    spool.append_many(RECORDS)
    factory = session_factory(acknowledgement="negotiate", keep_alive_wait=30.0)
    with SilentLEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, factory, ssl_context=pki.client_context(),
                           connect_timeout=3.0, write_timeout=3.0, poll_interval=0.02,
                           max_buffered_bytes=2 * len(RECORDS[0])) as client:
        assert wait_for(lambda: lemf.octets > 0, 5.0)  # the optionRequest
        time.sleep(0.3)
        assert client.stats().sent == 0 and client.stats().connected
        assert client.pump.cursor == 0  # not read out of the spool into memory


def test_a_peer_that_sends_garbage_gets_a_new_connection(pki: TestPKI, spool: Spool) -> None:
    """Octets that are no PS-PDU end the connection (a ``ProtocolError``); the client
    reconnects and delivers everything."""
    spool.append_many(RECORDS[:10])
    with LEMF(pki.server_context(), first="garbage") as lemf, \
            client_for(lemf.port, spool, pki.client_context()) as client:
        assert wait_for(lambda: spool.stats().queued == 0, 15.0), client.stats()
        stats = client.stats()
    assert stats.protocol_errors == 1 and stats.reconnects >= 1
    assert "protocol error" in (stats.last_error or "")
    assert lemf.unique == set(RECORDS[:10])


def test_a_peer_that_stops_reading_is_left_after_the_write_timeout(
        pki: TestPKI, tmp_path: Path) -> None:
    """A LEMF that stops reading fills the socket buffers and the client's write blocks:
    after ``write_timeout`` the connection is closed and opened again, and nothing is lost."""
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", MF, 77), spec=SPEC,
                                      clock=CLOCK))
    big = [ip.ipcc(bytes(60_000), "toTarget") for _ in range(400)]  # 24 MB: beyond buffers
    with Spool(tmp_path / "big", fsync="never") as spool:
        spool.append_many(big)
        with LEMF(pki.server_context(), first="stall") as lemf, \
                client_for(lemf.port, spool, pki.client_context(), write_timeout=0.5,
                           max_buffered_bytes=64 << 20) as client:
            assert wait_for(lambda: spool.stats().queued == 0, 60.0), client.stats()
            stats = client.stats()
    assert stats.reconnects >= 1 and lemf.connections >= 2
    assert "timed out" in (stats.last_error or "") or "timeout" in (stats.last_error or "")
    assert lemf.unique == set(big)


@pytest.mark.parametrize("jitter", [0.0, 0.2])
def test_the_back_off_doubles_from_the_initial_delay(spool: Spool, jitter: float) -> None:
    with socket.socket() as s:  # a port nothing listens on: every attempt fails at once
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    client = DeliveryClient(HOST, port, spool, session_factory(), ssl_context=None,
                            insecure_plain_tcp=True, reconnect_initial=1.0, reconnect_max=8.0,
                            jitter=jitter, connect_timeout=1.0, rng=random.Random(7))
    try:
        delays = []
        for _ in range(6):
            assert client.run_once() is False
            delays.append(client.next_delay())
    finally:
        client.close()
    for delay, base in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert base * (1 - jitter) <= delay <= base * (1 + jitter), delays
    if jitter:
        assert len(set(delays)) == len(delays)  # varied, so that clients do not move together
    assert client.stats().attempts == 6 and client.stats().connects == 0
