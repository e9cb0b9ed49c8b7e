"""HandoverDelivery's API of issue 11 (points 5, 7 and 8): one session factory per
destination, notices from both clients, a dying client's exception raised from wait_idle and
close, checks when it is made. Plain TCP on 127.0.0.1 (a listening socket accepts the
connection in its backlog: enough for a client to start its session)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import lawful_intercept
from lawful_intercept.delivery import (
    DeliveryNotice,
    Destination,
    HandoverDelivery,
    HandoverSession,
)

SPEC = lawful_intercept.bundled()
HOST = "127.0.0.1"


def atis(pdu_type: str) -> Callable[[], HandoverSession]:
    return lambda: HandoverSession(SPEC, tri=None, pdu_type=pdu_type)


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    with socket.create_server((HOST, 0)) as server:
        yield server


def delivery(tmp_path: Path, port: int, factory: Any, **options: Any) -> HandoverDelivery:
    return HandoverDelivery(Destination(HOST, port), Destination(HOST, port), tmp_path,
                            factory, ssl_context=None, insecure_plain_tcp=True,
                            client_options={"reconnect_initial": 0.05, "poll_interval": 0.05},
                            classify=lambda pdu: "CC" if pdu.startswith(b"C") else "IRI",
                            **options)


def test_one_session_factory_per_destination(tmp_path: Path) -> None:
    hi2, hi3 = atis("LAESProtocol"), atis("CCDeliveryHeaderModule.CC-APDU")
    made = delivery(tmp_path, 1, {"hi2": hi2, "hi3": hi3})
    try:
        assert made.clients["hi2"].session_factory is hi2
        assert made.clients["hi3"].session_factory is hi3
    finally:
        made.close()


@pytest.mark.parametrize(("factory", "error", "text"), [
    ({"hi2": atis("LAESProtocol")}, ValueError, "missing hi3"),
    ({"hi2": atis("LAESProtocol"), "hi3": atis("LAESProtocol"), "hi4": 1}, ValueError,
     "unknown hi4"),
    ({"hi2": atis("LAESProtocol"), "hi3": "no"}, TypeError, "for hi3 must be callable"),
    (HandoverSession(SPEC, tri=None, pdu_type="LAESProtocol"), TypeError, "must be callable"),
])
def test_session_factories_are_checked_when_it_is_made(tmp_path: Path, factory: Any,
                                                       error: type[Exception],
                                                       text: str) -> None:
    with pytest.raises(error, match=text):
        delivery(tmp_path, 1, factory)


def test_a_dying_client_is_raised_from_wait_idle_and_close(tmp_path: Path,
                                                           listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    notices: list[DeliveryNotice] = []
    made = delivery(tmp_path, port, {"hi2": atis("LAESProtocol"), "hi3": lambda: "junk"},
                    on_event=notices.append)
    made.start()
    made.send(b"C: content for HI3")
    with pytest.raises(TypeError, match="must return a HandoverSession"):
        made.wait_idle(30)
    assert "TypeError" in (made.stats()["hi3"].last_error or "")
    with pytest.raises(TypeError, match="must return a HandoverSession"):
        made.close()
    died = [n for n in notices if n.kind == "worker-died"]
    assert died and died[0].destination == f"{HOST}:{port}"


# -- AsyncHandoverDelivery and clients made from a Destination (point 8) ---------------------


def test_async_handover_delivery_has_the_blocking_api(tmp_path: Path) -> None:
    from test_delivery_proof import RECORDS, TLSLEMF, factory, server_context

    from lawful_intercept.certs import make_test_pki
    from lawful_intercept.delivery import AsyncHandoverDelivery

    pki = make_test_pki()
    notices: list[DeliveryNotice] = []
    with TLSLEMF(server_context(pki, "1.3")) as hi2, TLSLEMF(server_context(pki, "1.2")) as hi3:

        async def scenario() -> dict[str, Any]:
            delivery = AsyncHandoverDelivery(
                Destination(HOST, hi2.port, server_hostname="localhost"),
                Destination(HOST, hi3.port, server_hostname="localhost"), tmp_path,
                {"hi2": factory(), "hi3": factory()}, ssl_context=pki.client_context(),
                client_options={"reconnect_initial": 0.05, "poll_interval": 0.05},
                on_event=notices.append)
            async with delivery:
                with pytest.raises(ValueError, match="cannot place"):
                    await delivery.send(RECORDS[0])  # no PS-PDU: the default classify
                assert await delivery.send_iri(RECORDS[0], key="CASE-7") == ("hi2", 1)
                assert await delivery.send_cc(RECORDS[1]) == ("hi3", 1)
                assert await delivery.wait_idle(30)
                return delivery.stats()

        stats = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert hi2.records == [RECORDS[0]] and hi3.records == [RECORDS[1]]
    assert stats["hi2"].acknowledged == 1 and stats["hi3"].acknowledged == 1
    assert {n.destination for n in notices if n.kind == "delivered"} == {
        f"{HOST}:{hi2.port}", f"{HOST}:{hi3.port}"}


def test_clients_are_made_from_a_destination(tmp_path: Path) -> None:
    from lawful_intercept.delivery import AsyncDeliveryClient, DeliveryClient, Spool

    pin = "00" * 32
    destination = Destination("lemf.example", 6543, server_hostname="hi3.example",
                              pinned_sha256=pin)
    with Spool(tmp_path / "s") as spool:
        import ssl

        context = ssl.create_default_context()
        for kind in (DeliveryClient, AsyncDeliveryClient):
            client = kind.to(destination, spool, atis("LAESProtocol"), ssl_context=context)
            assert (client.host, client.port, client.server_hostname) == (
                "lemf.example", 6543, "hi3.example")
            assert client.pinned_sha256 == frozenset({bytes(32)})
            with pytest.raises(ValueError, match="given by the Destination"):
                kind.to(destination, spool, atis("LAESProtocol"), ssl_context=context,
                        port=1)
            with pytest.raises(TypeError, match="must be a Destination"):
                kind.to(("lemf.example", 6543), spool,  # type: ignore[arg-type]
                        atis("LAESProtocol"), ssl_context=context)
            if isinstance(client, DeliveryClient):
                client.close()


# -- Prometheus (point 7) --------------------------------------------------------------------


def test_prometheus_exposes_the_counters_per_destination(tmp_path: Path,
                                                         listener: socket.socket) -> None:
    prometheus_client = pytest.importorskip("prometheus_client")
    from lawful_intercept.delivery import expose_prometheus

    registry = prometheus_client.CollectorRegistry()
    made = delivery(tmp_path, listener.getsockname()[1], atis("LAESProtocol"))
    try:
        made.send(b"C: content")
        made.send(b"I: IRI")
        made.send(b"I: more IRI")
        expose_prometheus(made, registry=registry)
        text = prometheus_client.generate_latest(registry).decode()
    finally:
        made.close()
    port = listener.getsockname()[1]
    assert (f'lawful_intercept_delivery_queued{{destination="{HOST}:{port}",interface="hi2"}} '
            "2.0") in text
    assert (f'lawful_intercept_delivery_queued{{destination="{HOST}:{port}",interface="hi3"}} '
            "1.0") in text
    assert "lawful_intercept_delivery_acknowledged_total" in text
    with pytest.raises(TypeError, match="no stats"):
        expose_prometheus(object(), registry=registry)  # type: ignore[arg-type]


def test_the_library_does_not_import_prometheus_client() -> None:
    import subprocess
    import sys

    code = ("import sys, lawful_intercept.delivery as d, lawful_intercept.lemf; "
            "assert 'prometheus_client' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_asyncio_notices_name_connect_negotiation_and_delivery(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from lawful_intercept.certs import make_test_pki
    from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
    from lawful_intercept.delivery import AsyncDeliveryClient, Spool
    from lawful_intercept.lemf import LEMFThread
    from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

    pki = make_test_pki()
    mf = NetworkIdentifier(b"operator-1", b"mf-1")
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", mf, 7), spec=SPEC))
    records = [ip.ipcc(bytes(28), "toTarget") for _ in range(20)]
    tri = PSPDUBuilder(SessionIdentity("LIID-42", mf, 0), spec=SPEC)
    notices: list[DeliveryNotice] = []
    caplog.set_level(logging.INFO, logger="lawful_intercept.delivery")
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context()) as lemf, \
            Spool(tmp_path / "s") as spool:
        destination = Destination(*lemf.listen(), server_hostname="localhost")

        async def scenario() -> None:
            client = AsyncDeliveryClient.to(
                destination, spool,
                lambda: HandoverSession(SPEC, tri=tri, acknowledgement="negotiate",
                                        ack_delay=0.05),
                ssl_context=pki.client_context(), on_event=notices.append)
            async with client:
                await client.send_many(records)
                assert await client.wait_idle(30)

        asyncio.run(asyncio.wait_for(scenario(), 60))
    kinds = {n.kind for n in notices}
    assert {"connected", "negotiated", "delivered"} <= kinds
    [negotiated] = [n for n in notices if n.kind == "negotiated"]
    assert "accepted pDUAcknowledgement" in negotiated.message
    assert sorted(i for n in notices if n.kind == "delivered" for i in n.record_ids) == list(
        range(1, 21))
    assert any("negotiated" in r.getMessage() for r in caplog.records)
