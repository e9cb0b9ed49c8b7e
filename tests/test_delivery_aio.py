"""The asyncio delivery client against an in-test asyncio LEMF on 127.0.0.1.

The LEMF answers through :class:`ReceiverSession`; certificates come from
:func:`make_test_pki`. Every test runs in ``asyncio.run`` under an overall timeout, every
socket wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from _network_support import server_fingerprint

import lawful_intercept
from lawful_intercept.certs import TestPKI
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    AsyncDeliveryClient,
    HandoverSession,
    InsecureTransportError,
    OptionsNegotiated,
    ReceiverSession,
    RecordReceived,
    Spool,
    TLSConfigError,
)
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
HOST = "127.0.0.1"
T = TypeVar("T")


def make_records(n: int) -> list[bytes]:
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-7", MF, 99), spec=SPEC,
                                      clock=CLOCK))
    return [ip.ipcc(bytes([0x45, 0, 0, 28, n]) + bytes(23), "fromTarget") for n in range(n)]


RECORDS = make_records(60)


def session_factory(**options: object) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    settings: dict[str, object] = {"acknowledgement": "request", "ack_every": 5,
                                   "ack_delay": 0.05, "keep_alive_wait": 5.0}
    settings.update(options)
    return lambda: HandoverSession(tri=tri, **settings)  # type: ignore[arg-type]


def run(coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coroutine
    return asyncio.run(bounded())


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


class AsyncLEMF:
    """A test LEMF on asyncio streams: answers through a ReceiverSession, keeps every record
    received and the options negotiated, counts the octets read. ``drop_after``: abort the
    first connection once that many records arrived on it (without writing the answers).
    ``silent``: read everything, never answer."""

    def __init__(self, context: ssl.SSLContext | None, *, drop_after: int | None = None,
                 silent: bool = False) -> None:
        self.context = context
        self.drop_after = drop_after
        self.silent = silent
        self.octets = 0
        self.received: list[bytes] = []
        self.negotiated: list[OptionsNegotiated] = []
        self.connections = 0
        self.port = 0
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    @property
    def unique(self) -> set[bytes]:
        return set(self.received)

    async def __aenter__(self) -> AsyncLEMF:
        timeout = None if self.context is None else 5.0
        self._server = await asyncio.start_server(self._serve, HOST, 0, ssl=self.context,
                                                  ssl_handshake_timeout=timeout)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        drop = self.connections == 1 and self.drop_after is not None
        receiver = ReceiverSession(SPEC)
        count = 0
        try:
            while True:
                async with asyncio.timeout(20.0):
                    data = await reader.read(65536)
                if not data:
                    return
                self.octets += len(data)
                receiver.receive_data(data)
                for event in receiver.events():
                    if isinstance(event, RecordReceived):
                        self.received.append(event.pdu.raw)
                        count += 1
                    elif isinstance(event, OptionsNegotiated):
                        self.negotiated.append(event)
                if drop and self.drop_after is not None and count >= self.drop_after:
                    writer.transport.abort()  # gone without answering: the client resends
                    return
                answer = receiver.data_to_send()
                if answer and not self.silent:
                    writer.write(answer)
                    async with asyncio.timeout(5.0):
                        await writer.drain()
        except (OSError, asyncio.CancelledError):
            return
        finally:
            writer.transport.abort()
            self._handlers.discard(task)


def client_for(port: int, spool: Spool, context: ssl.SSLContext | None, *,
               factory: Callable[[], HandoverSession] | None = None, **options: Any
               ) -> AsyncDeliveryClient:
    settings: dict[str, Any] = {"reconnect_initial": 0.05, "reconnect_max": 0.2,
                                "connect_timeout": 3.0, "write_timeout": 3.0,
                                "poll_interval": 0.05}
    settings.update(options)
    return AsyncDeliveryClient(HOST, port, spool, factory or session_factory(),
                               ssl_context=context, **settings)


# -- delivery -----------------------------------------------------------------------------------


def test_delivery_with_negotiated_acknowledgement(pki: TestPKI, spool: Spool) -> None:
    for record in RECORDS[:12]:
        spool.append(record)

    async def scenario() -> None:
        factory = session_factory(acknowledgement="negotiate")
        async with AsyncLEMF(pki.server_context()) as lemf:
            async with client_for(lemf.port, spool, pki.client_context(),
                                  factory=factory) as client:
                ids = [await client.send(record, kind="CC", key="LIID-7")
                       for record in RECORDS[12:20]]
                assert await client.wait_idle(10.0)
                stats = client.stats()
            assert not client.stats().connected
        assert ids == list(range(13, 21))
        assert lemf.received == RECORDS[:20]
        assert [event.acknowledgement for event in lemf.negotiated] == [True]
        assert stats.connects == 1 and stats.reconnects == 0 and stats.connected
        assert stats.sent == 20 and stats.acknowledged == 20
        assert stats.last_error is None and stats.keep_alive_failures == 0

    run(scenario())
    assert spool.stats().queued == 0


def test_reconnects_after_the_server_drops_the_connection(pki: TestPKI, spool: Spool) -> None:
    for record in RECORDS[:20]:
        spool.append(record)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context(), drop_after=15) as lemf, \
                client_for(lemf.port, spool, pki.client_context()) as client:
            for record in RECORDS[20:]:
                await client.send(record)
                await asyncio.sleep(0.002)
            assert await client.wait_idle(15.0)
            assert await eventually(lambda: lemf.unique == set(RECORDS))
            stats = client.stats()
        assert lemf.connections >= 2
        assert stats.reconnects >= 1 and stats.last_error is not None
        assert stats.acknowledged == len(RECORDS)
        # Each record was handed out once for the first time; every other time is a resend.
        assert stats.resent > 0 and stats.sent == len(RECORDS) + stats.resent

    run(scenario())
    assert spool.stats().queued == 0


def test_records_appended_to_the_spool_directly_are_picked_up(pki: TestPKI, spool: Spool
                                                              ) -> None:
    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context()) as client:
            assert await eventually(lambda: client.stats().connected)
            for record in RECORDS[:7]:
                spool.append(record)  # not through client.send: found by the poll
            assert await client.wait_idle(10.0)
        assert lemf.received == RECORDS[:7]

    run(scenario())


def test_plain_tcp_only_when_asked(spool: Spool) -> None:
    factory = session_factory()
    with pytest.raises(InsecureTransportError, match="plain TCP"):
        AsyncDeliveryClient(HOST, 1, spool, factory, ssl_context=None)
    with pytest.raises(InsecureTransportError, match="contradicts"):
        AsyncDeliveryClient(HOST, 1, spool, factory, ssl_context=ssl.create_default_context(),
                            insecure_plain_tcp=True)
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(InsecureTransportError, match="verify"):
        AsyncDeliveryClient(HOST, 1, spool, factory, ssl_context=unverified)
    with pytest.raises(InsecureTransportError, match="pinned_sha256 needs TLS"):
        AsyncDeliveryClient(HOST, 1, spool, factory, ssl_context=None,
                            insecure_plain_tcp=True, pinned_sha256=bytes(32))
    with pytest.raises(ValueError, match="jitter"):
        AsyncDeliveryClient(HOST, 1, spool, factory, ssl_context=ssl.create_default_context(),
                            jitter=1.5)
    for record in RECORDS[:5]:
        spool.append(record)

    async def scenario() -> None:
        async with AsyncLEMF(None) as lemf, \
                client_for(lemf.port, spool, None, insecure_plain_tcp=True) as client:
            assert await client.wait_idle(10.0)
            assert client.stats().acknowledged == 5
        assert lemf.received == RECORDS[:5]

    run(scenario())


# -- batches and feeding -----------------------------------------------------------------------


def test_send_many_delivers_a_batch_in_order(pki: TestPKI, spool: Spool) -> None:
    """``poll_interval`` is far longer than the test: the batches go out at once because
    ``send_many`` wakes the loop (the client is connected and waiting before they come)."""
    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(), poll_interval=60.0) as client:
            assert await eventually(lambda: client.stats().connected, 5.0)
            assert await client.send_many(RECORDS[:10], kind="CC", key="LIID-7") == \
                list(range(1, 11))
            assert await client.send_many([]) == []
            assert await client.send_many(r for r in RECORDS[10:25]) == list(range(11, 26))
            assert await client.wait_idle(10.0)
            stats = client.stats()
        assert lemf.received == RECORDS[:25]
        assert stats.sent == 25 and stats.acknowledged == 25 and stats.last_error is None

    run(scenario())
    assert spool.stats().queued == 0


def test_send_many_keeps_a_kind_and_key_per_pdu(spool: Spool) -> None:
    """The spool's batch semantics (per-PDU metadata, all or nothing); the caller's
    iterables are read in the event loop's thread, not in the executor's."""
    threads: list[int] = []

    def pdus() -> Iterator[bytes]:
        threads.append(threading.get_ident())
        yield from RECORDS[3:5]

    async def scenario() -> list[int]:
        client = client_for(1, spool, None, insecure_plain_tcp=True)  # never started
        ids = await client.send_many(RECORDS[:3], kind=["IRI", "CC", "CC"],
                                     key=[b"a", "b", b""])
        assert await client.send_many(pdus(), kind=iter(["CC", "CC"]), key="LIID-7") == [4, 5]
        with pytest.raises(TypeError, match="not one record"):
            await client.send_many(RECORDS[5])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="kinds has 1 items for 2 records"):
            await client.send_many(RECORDS[5:7], kind=["CC"])
        with pytest.raises(TypeError, match="kinds must be one value or an iterable, not int"):
            await client.send_many(RECORDS[5:7], kind=3)  # type: ignore[arg-type]
        return ids

    ids = run(scenario())
    assert threads == [threading.get_ident()]
    assert [(e.id, e.data, e.kind, e.key) for e in spool.entries()] == [
        (ids[0], RECORDS[0], "IRI", b"a"), (ids[1], RECORDS[1], "CC", b"b"),
        (ids[2], RECORDS[2], "CC", b""), (4, RECORDS[3], "CC", b"LIID-7"),
        (5, RECORDS[4], "CC", b"LIID-7"),
    ]


def test_send_batch_stores_and_delivers_a_run_as_one_record(pki: TestPKI, spool: Spool
                                                            ) -> None:
    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(), poll_interval=60.0) as client:
            assert await eventually(lambda: client.stats().connected, 5.0)
            assert await client.send_batch([]) == 0
            first = await client.send_batch(RECORDS[:10], kind="CC", key="LIID-7")
            second = await client.send_batch(iter(RECORDS[10:12]))
            assert (first, second) == (1, 2)
            assert await client.wait_idle(10.0)
            stats = client.stats()
        # The LEMF frames each run into its PDUs; the spool and the counters count runs.
        assert lemf.received == RECORDS[:12]
        assert stats.sent == 2 and stats.acknowledged == 2

    run(scenario())
    assert spool.stats().appended == 2


def test_a_backlog_beyond_the_buffer_is_sent_at_once(pki: TestPKI, spool: Spool) -> None:
    """The loop feeds at most ``max_buffered_bytes`` at a time; with more records waiting it
    goes on at once instead of waiting ``poll_interval`` (here far longer than the test)
    between two parts of the backlog. Acknowledgement is off, so that no answer from the
    LEMF wakes the loop."""
    spool.append_many(RECORDS)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(),
                           factory=session_factory(acknowledgement="off"), poll_interval=60.0,
                           max_buffered_bytes=3 * len(RECORDS[0])) as client:
            assert await eventually(lambda: len(lemf.received) == len(RECORDS), 10.0)
            stats = client.stats()
        assert lemf.received == RECORDS
        assert stats.sent == len(RECORDS) and stats.connects == 1

    run(scenario())


def test_records_wait_in_the_spool_while_options_are_negotiated(pki: TestPKI,
                                                                spool: Spool) -> None:
    """Before the LEMF answers the optionRequest nothing is taken out of the spool into the
    session's memory, however often the loop polls."""
    spool.append_many(RECORDS)
    factory = session_factory(acknowledgement="negotiate", keep_alive_wait=30.0)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context(), silent=True) as lemf, \
                client_for(lemf.port, spool, pki.client_context(), factory=factory,
                           poll_interval=0.02, max_buffered_bytes=2 * len(RECORDS[0])
                           ) as client:
            assert await eventually(lambda: lemf.octets > 0, 5.0)  # the optionRequest
            await asyncio.sleep(0.3)
            stats = client.stats()
            assert stats.sent == 0 and stats.connected
            assert client.pump.cursor == 0  # not read out of the spool into memory
        assert lemf.received == []

    run(scenario())
    assert spool.stats().queued == len(RECORDS)


def test_without_acknowledgement_an_idle_spool_is_confirmed_by_a_keep_alive(
        pki: TestPKI, spool: Spool) -> None:
    """With acknowledgement off, the last records of a burst are confirmed as soon as the
    spool has nothing more to send (a keep-alive at once, its answer confirming them), not
    after the idle interval (here far longer than the test) or the resend window."""
    factory = session_factory(acknowledgement="off", keep_alive_interval=3600.0)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(), factory=factory) as client:
            await client.send_many(RECORDS[:7])
            assert await client.wait_idle(10.0), client.stats()
            stats = client.stats()
        assert lemf.received == RECORDS[:7]
        assert stats.acknowledged == 7 and stats.connects == 1

    run(scenario())


# -- refusals -----------------------------------------------------------------------------------


def _permissive(context: ssl.SSLContext) -> ssl.SSLContext:
    """Allow TLS 1.0 and 1.1 and the ciphers they need (security level 0)."""
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _tls11_server(pki: TestPKI) -> ssl.SSLContext:
    context = _permissive(pki.server_context())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    return context


REFUSALS: dict[str, Callable[[TestPKI], tuple[ssl.SSLContext, ssl.SSLContext, str]]] = {
    "untrusted server certificate": lambda p: (
        p.server_context(identity=p.issue_untrusted("server")), p.client_context(), HOST),
    "wrong host name": lambda p: (p.server_context(), p.client_context(), "wrong.example"),
    "expired server certificate": lambda p: (
        p.server_context(identity=p.issue_expired("server")), p.client_context(), HOST),
    # The client context allows TLS 1.1: the delivery client must raise its minimum.
    "server limited to TLS 1.1": lambda p: (
        _tls11_server(p), _permissive(p.client_context()), HOST),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_tls_refusals(pki: TestPKI, spool: Spool, case: str) -> None:
    server_context, client_context, hostname = REFUSALS[case](pki)
    for record in RECORDS[:5]:
        spool.append(record)

    async def scenario() -> None:
        async with AsyncLEMF(server_context) as lemf:
            client = client_for(lemf.port, spool, client_context, server_hostname=hostname)
            assert client_context.minimum_version == ssl.TLSVersion.TLSv1_2
            async with client:
                assert await eventually(lambda: client.stats().attempts >= 2, 5.0)
                stats = client.stats()
            assert not await client.wait_idle(0.05)
        assert stats.last_error is not None and "failed" in stats.last_error, case
        assert stats.connects == 0 and stats.acknowledged == 0 and stats.sent == 0
        assert lemf.received == []

    run(scenario())
    assert spool.stats().queued == 5


def test_the_tls11_server_does_speak_tls11(pki: TestPKI) -> None:
    """The control of the TLS 1.1 refusal: a client that allows TLS 1.1 gets through, so the
    refusal above comes from the delivery client's minimum, not from this OpenSSL."""
    server_context = _tls11_server(pki)
    listener = socket.create_server((HOST, 0))
    listener.settimeout(5.0)
    versions: list[str | None] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            conn.settimeout(5.0)
            with server_context.wrap_socket(conn, server_side=True) as tls:
                versions.append(tls.version())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = _permissive(pki.client_context())
    try:
        with socket.create_connection((HOST, listener.getsockname()[1]), timeout=5.0) as raw:
            try:
                with client_context.wrap_socket(raw, server_hostname=HOST) as tls:
                    version = tls.version()
            except ssl.SSLError as exc:
                pytest.skip(f"this OpenSSL does not negotiate TLS 1.1 at all: {exc}")
    finally:
        thread.join(5.0)
        listener.close()
    assert version == "TLSv1.1" and versions == ["TLSv1.1"]


# -- pinning ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["bytes", "hex with colons", "list of two"])
def test_the_right_pin_delivers(pki: TestPKI, spool: Spool, form: str) -> None:
    digest = server_fingerprint(pki)
    pins: object = {"bytes": digest, "hex with colons": digest.hex(":").upper(),
                    "list of two": [bytes(32), digest.hex()]}[form]
    for record in RECORDS[:6]:
        spool.append(record)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(),
                           pinned_sha256=pins) as client:
            assert await client.wait_idle(10.0)
            stats = client.stats()
        assert lemf.received == RECORDS[:6]
        assert stats.last_error is None and stats.acknowledged == 6

    run(scenario())


def test_a_wrong_pin_fails_the_connection_before_anything_is_sent(pki: TestPKI, spool: Spool
                                                                   ) -> None:
    wrong = hashlib.sha256(b"another certificate").hexdigest()
    for record in RECORDS[:6]:
        spool.append(record)

    async def scenario() -> None:
        async with AsyncLEMF(pki.server_context()) as lemf, \
                client_for(lemf.port, spool, pki.client_context(),
                           pinned_sha256=[wrong]) as client:
            assert await eventually(lambda: client.stats().attempts >= 2, 5.0)
            stats = client.stats()
        assert stats.last_error is not None and "pin mismatch" in stats.last_error
        assert server_fingerprint(pki).hex(":").upper() in stats.last_error
        assert stats.connects == 0 and stats.sent == 0
        assert lemf.connections >= 1  # the handshake was done, then nothing was written
        assert lemf.received == []

    run(scenario())
    assert spool.stats().queued == 6


def test_bad_pins_are_refused_at_construction(spool: Spool) -> None:
    with pytest.raises(TLSConfigError, match=r"pinned_sha256\[1\]"):
        AsyncDeliveryClient(HOST, 1, spool, session_factory(),
                            ssl_context=ssl.create_default_context(),
                            pinned_sha256=[bytes(32), "abc"])


# -- control ------------------------------------------------------------------------------------


def test_stop_ends_the_back_off_at_once(spool: Spool) -> None:
    spool.append(RECORDS[0])
    closed = socket.create_server((HOST, 0))  # a port with no one accepting in time
    port = closed.getsockname()[1]
    closed.close()

    async def scenario() -> None:
        client = client_for(port, spool, ssl.create_default_context(),
                            reconnect_initial=30.0, reconnect_max=60.0)
        client.start()
        assert await eventually(lambda: client.stats().attempts >= 1, 5.0)
        assert await eventually(lambda: client.stats().last_error is not None, 5.0)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, client.stop)  # from another thread
        assert await client.aclose(5.0)  # ended within 5 s: the 30 s pause was cut short
        assert client.stats().attempts == 1 and client.stopping
        assert "connect to" in (client.stats().last_error or "")

    run(scenario())
    assert spool.stats().queued == 1


def test_a_client_runs_once_at_a_time(spool: Spool) -> None:
    async def scenario() -> None:
        client = client_for(1, spool, ssl.create_default_context())
        async with client:
            with pytest.raises(RuntimeError, match="already running"):
                client.start()

    run(scenario())
