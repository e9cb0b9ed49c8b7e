"""The X2/X3 listener and clients on loopback (TS 103 221-2): mutual TLS 1.2 and 1.3, many
network elements, keep-alive acknowledgement, durability, backpressure, faults."""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lawful_intercept.certs import TestPKI
from lawful_intercept.errors import InsecureTransportError
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    BlockingX2X3Client,
    NetworkElement,
    PayloadFormat,
    PDUType,
    X2X3Client,
    X2X3Listener,
    encode_pdu,
)

TIMEOUT = 60.0
XID = uuid.UUID("9a1bb9ad-3e5f-4f13-8d0e-5b1b8a0c7d11")


def run(coro: Callable[[], Awaitable[Any]]) -> Any:
    async def bounded() -> Any:
        async with asyncio.timeout(TIMEOUT):
            return await coro()

    return asyncio.run(bounded())


def pdu(n: int, payload: bytes = b"\x45" + bytes(19)) -> X2X3PDU:
    return X2X3PDU(PDUType.X3, XID, n, payload, PayloadFormat.IPV4_PACKET, 2,
                   (Attribute(AttributeType.SEQUENCE_NUMBER, n),))


class Sink:
    """A consumer that records (element, pdu) and can be held back."""

    def __init__(self) -> None:
        self.got: list[tuple[NetworkElement, X2X3PDU]] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, item: X2X3PDU, element: NetworkElement) -> None:
        self.entered.set()
        await self.release.wait()
        self.got.append((element, item))


def client_context(pki: TestPKI, version: ssl.TLSVersion | None = None,
                   certificate: bool = True) -> ssl.SSLContext:
    context = pki.client_context(present_certificate=certificate)
    if version is not None:
        context.maximum_version = version
    return context


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_pdus_arrive_in_order_over_mutual_tls(pki: TestPKI, version: ssl.TLSVersion) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context()) as listener:
            async with X2X3Client("127.0.0.1", listener.port,
                                  client_context(pki, version)) as client:
                await client.send_many(pdu(i) for i in range(100))
                ack = await client.sync()
            assert ack.pdu_type is PDUType.KEEPALIVE_ACK and ack.sequence_number == 0
            assert [p.correlation_id for _, p in sink.got] == list(range(100))
            element = sink.got[0][0]
            expected = "TLSv1.2" if version == ssl.TLSVersion.TLSv1_2 else "TLSv1.3"
            assert element.tls_version == expected
            assert element.subject and "client" in element.subject
            assert listener.stats.pdus_received == 100
            assert listener.stats.keepalives_acknowledged == 1

    run(main)


def test_tls13_only_refuses_a_tls12_client(pki: TestPKI) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context(), tls13_only=True) as listener:
            client = X2X3Client("127.0.0.1", listener.port,
                                client_context(pki, ssl.TLSVersion.TLSv1_2))
            with pytest.raises(OSError):
                await client.connect()
            async with X2X3Client("127.0.0.1", listener.port, client_context(pki)) as ok:
                await ok.send(pdu(1))
                await ok.sync()
            assert [p.correlation_id for _, p in sink.got] == [1]

    run(main)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_a_client_without_certificate_is_refused(pki: TestPKI, version: ssl.TLSVersion
                                                 ) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context()) as listener:
            client = X2X3Client("127.0.0.1", listener.port,
                                client_context(pki, version, certificate=False))
            with pytest.raises(OSError):  # at the handshake (1.2) or the first read (1.3)
                await client.connect()
                await client.send(pdu(1))
                await client.sync()
            await client.close()
            assert sink.got == [] and listener.stats.pdus_received == 0

    run(main)


def test_many_network_elements_at_once(pki: TestPKI) -> None:
    async def element(port: int, number: int) -> None:
        async with X2X3Client("127.0.0.1", port, client_context(pki)) as client:
            for batch in range(5):
                await client.send_many(pdu(number * 1000 + batch * 40 + i) for i in range(40))
                await client.sync()

    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context()) as listener:
            await asyncio.gather(*(element(listener.port, n) for n in range(8)))
            assert listener.stats.connections_accepted == 8
            by_connection: dict[int, list[int]] = {}
            for elem, item in sink.got:
                by_connection.setdefault(elem.connection, []).append(item.correlation_id)
            assert len(by_connection) == 8
            for ids in by_connection.values():
                base = ids[0]
                assert ids == [base + i for i in range(200)]

    run(main)


def test_garbage_closes_that_element_only_with_a_logged_reason(
        pki: TestPKI, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context()) as listener:
            good = X2X3Client("127.0.0.1", listener.port, client_context(pki))
            bad = X2X3Client("127.0.0.1", listener.port, client_context(pki))
            await good.connect()
            await bad.connect()
            # a valid PDU, then one with PDU type 9 in the same chunk
            garbage = bytearray(encode_pdu(pdu(2)))
            garbage[2:4] = b"\x00\x09"
            await bad.send(encode_pdu(pdu(1)) + bytes(garbage))
            with pytest.raises(OSError):
                await bad.sync()
            await bad.close()
            await good.send_many(pdu(100 + i) for i in range(10))
            await good.sync()
            await good.close()
            ids = [p.correlation_id for _, p in sink.got]
            assert ids == [1, *range(100, 110)]  # the PDU before the fault was consumed
            assert listener.stats.protocol_errors == 1

    with caplog.at_level(logging.INFO, logger="lawful_intercept.x2x3"):
        run(main)
    reasons = [r.getMessage() for r in caplog.records if "not an X2/X3 stream" in r.getMessage()]
    assert len(reasons) == 1 and "pdu_type: unknown PDU type 9" in reasons[0]


def test_a_pdu_counts_only_once_the_consumer_returns_and_reading_stops_meanwhile(
        pki: TestPKI) -> None:
    async def main() -> None:
        sink = Sink()
        sink.release.clear()
        read_size = 16 * 1024
        async with X2X3Listener(sink, pki.server_context(), read_size=read_size) as listener:
            async with X2X3Client("127.0.0.1", listener.port, client_context(pki)) as client:
                big = [pdu(i, bytes(1400)) for i in range(2000)]  # about 2.9 MB
                sending = asyncio.create_task(client.send_many(big))
                await sink.entered.wait()
                sync_done = asyncio.Event()

                async def barrier() -> None:
                    await sending
                    await client.sync()
                    sync_done.set()

                syncing = asyncio.create_task(barrier())
                for _ in range(20):  # the event loop turns; nothing more is read
                    await asyncio.sleep(0.01)
                assert listener.stats.pdus_received == 0 and sink.got == []
                assert listener.stats.bytes_received <= read_size
                assert not sync_done.is_set()
                sink.release.set()
                await syncing
            assert [p.correlation_id for _, p in sink.got] == list(range(2000))
            assert listener.stats.pdus_received == 2000

    run(main)


def test_a_failing_consumer_closes_the_connection(pki: TestPKI,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    async def failing(item: X2X3PDU, element: NetworkElement) -> None:
        raise OSError("disk full")

    async def main() -> None:
        async with X2X3Listener(failing, pki.server_context()) as listener:
            async with X2X3Client("127.0.0.1", listener.port, client_context(pki)) as client:
                await client.send(pdu(1))
                with pytest.raises(OSError):
                    await client.sync()
            assert listener.stats.consumer_errors == 1 and listener.stats.pdus_received == 0

    with caplog.at_level(logging.ERROR, logger="lawful_intercept.x2x3"):
        run(main)
    assert any("the consumer failed" in r.getMessage() and "disk full" in r.getMessage()
               for r in caplog.records)


def test_blocking_client_and_max_connections(pki: TestPKI) -> None:
    def blocking(port: int) -> int | None:
        with BlockingX2X3Client("127.0.0.1", port, client_context(pki)) as client:
            client.send_many(pdu(i) for i in range(10))
            return client.sync().sequence_number

    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context(), max_connections=1) as listener:
            assert await asyncio.to_thread(blocking, listener.port) == 0
            assert [p.correlation_id for _, p in sink.got] == list(range(10))
            first = X2X3Client("127.0.0.1", listener.port, client_context(pki))
            await first.connect()
            await first.sync()  # the first is served
            second = X2X3Client("127.0.0.1", listener.port, client_context(pki))
            with pytest.raises(OSError):
                await second.connect()
                await second.sync()
            await second.close()
            await first.close()
            assert listener.stats.connections_refused == 1

    run(main)


def test_insecure_setups_are_refused(pki: TestPKI) -> None:
    sink = Sink.__new__(Sink)
    with pytest.raises(InsecureTransportError, match="ssl_context"):
        X2X3Listener(sink, None)
    with pytest.raises(InsecureTransportError, match="client certificate"):
        X2X3Listener(sink, pki.server_context(require_client_certificate=False))
    with pytest.raises(InsecureTransportError, match="ssl_context"):
        X2X3Client("127.0.0.1", 1, None)
    with pytest.raises(TypeError, match="consumer"):
        X2X3Listener(42, pki.server_context())  # type: ignore[arg-type]


@pytest.mark.parametrize("floor", [ssl.TLSVersion.MINIMUM_SUPPORTED, ssl.TLSVersion.TLSv1_1])
def test_a_context_allowing_old_versions_is_raised_to_tls12(
        pki: TestPKI, floor: ssl.TLSVersion) -> None:
    """A new context's floor depends on how Python was built (``MINIMUM_SUPPORTED`` with
    Debian's): the listener raises it, as the LEMF and the delivery clients do."""
    context = pki.server_context()
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = floor
    X2X3Listener(Sink.__new__(Sink), context)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_plain_tcp_when_asked(pki: TestPKI) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, None, insecure_plain_tcp=True) as listener:
            async with X2X3Client("127.0.0.1", listener.port, None,
                                  insecure_plain_tcp=True) as client:
                await client.send(pdu(5))
                await client.sync()
            assert sink.got[0][0].tls_version is None
            assert sink.got[0][1] == pdu(5)

    run(main)


def test_idle_timeout_closes_a_silent_element(pki: TestPKI,
                                              caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        sink = Sink()
        async with X2X3Listener(sink, pki.server_context(), idle_timeout=0.2) as listener:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", listener.port, ssl=client_context(pki),
                server_hostname="127.0.0.1")
            assert await reader.read(100) == b""  # the listener closed it
            writer.close()
            assert listener.stats.connections_open == 0

    with caplog.at_level(logging.WARNING, logger="lawful_intercept.x2x3"):
        run(main)
    assert any("idle_timeout" in r.getMessage() for r in caplog.records)


def test_close_during_a_consumer_call_does_not_count_its_pdu(pki: TestPKI) -> None:
    async def main() -> None:
        sink = Sink()
        sink.release.clear()
        listener = X2X3Listener(sink, pki.server_context())
        await listener.start()
        client = X2X3Client("127.0.0.1", listener.port, client_context(pki))
        await client.connect()
        await client.send(pdu(1))
        await sink.entered.wait()
        await listener.close()
        assert listener.stats.pdus_received == 0 and sink.got == []
        assert listener.stats.connections_open == 0
        await client.close()

    run(main)
