"""The whole chain on loopback: a network element's X2X3Client -> X2X3Listener (mutual TLS)
-> the converter -> HandoverDelivery (HI2 and HI3 spools, mutual TLS) -> the test LEMF,
which receives every record with no loss, no sequence gap, no decode error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from _mediation_support import (
    ACK,
    BYE,
    CLOCK,
    INVITE,
    NETWORK,
    OK_BYE,
    OK_INVITE,
    RINGING,
    SPEC,
    XID,
    attrs,
    converter,
    ipv4,
    rtp,
    task,
    x2,
    x3,
)

from lawful_intercept.catalog import CC_APDU, CDC_PDU, LAES_PROTOCOL
from lawful_intercept.certs import TestPKI
from lawful_intercept.correlation import SessionIdentity
from lawful_intercept.delivery import (
    CCCSender,
    Destination,
    HandoverDelivery,
    HandoverSession,
)
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import MediationDelivery
from lawful_intercept.records import PSPDUBuilder
from lawful_intercept.x2x3 import X2X3Client, X2X3Listener

TIMEOUT = 60.0


def test_x2x3_to_the_lemf_over_mutual_tls_loses_nothing(pki: TestPKI, tmp_path: Path) -> None:
    stream = ([x2(m, cid=7, direction=d) for m, d in
               ((INVITE, 3), (RINGING, 2), (OK_INVITE, 2), (ACK, 3))]
              + [x3(rtp(n), fmt=8, cid=7, direction=2 + n % 2) for n in range(100)]
              + [x3(ipv4(n), cid=8, direction=2 + n % 2, attributes=attrs(addresses=False))
                 for n in range(20)]
              + [x2(BYE, cid=7), x2(OK_BYE, cid=7, direction=2)])
    tri = PSPDUBuilder(SessionIdentity("LIID-42", NETWORK, 0), spec=SPEC, clock=CLOCK)
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf:
        hi2 = lemf.listen(name="hi2")
        hi3 = lemf.listen(name="hi3")
        delivery = HandoverDelivery(
            Destination(*hi2, server_hostname="localhost"),
            Destination(*hi3, server_hostname="localhost"), tmp_path / "spool",
            lambda: HandoverSession(SPEC, tri=tri, acknowledgement="negotiate", ack_every=10,
                                    ack_delay=0.05),
            ssl_context=pki.client_context(),
            client_options={"reconnect_initial": 0.05, "reconnect_max": 0.5})
        conv = converter()
        mediation = MediationDelivery(conv, {"agency": delivery})
        with delivery:
            mediation.activate(task())

            async def network_element() -> None:
                async with asyncio.timeout(TIMEOUT), X2X3Listener(
                        mediation.consumer, pki.server_context()) as listener:
                    async with X2X3Client("127.0.0.1", listener.port,
                                          pki.client_context()) as client:
                        await client.send_many(stream)
                        await client.sync()  # everything before it is durable
                    assert listener.stats.pdus_received == len(stream)

            asyncio.run(network_element())
            mediation.deactivate(XID)
            expected = conv.stats.records
            assert expected == len(stream) + 2  # one record per PDU, two HI1 notifications
            assert delivery.wait_idle(TIMEOUT)
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == expected  # lost 0
    assert summary["sequence_gaps"] == 0
    assert summary["duplicates"] == 0
    assert summary["decode_errors"] == 0
    assert conv.stats.conversion_errors == conv.stats.unknown_xid == 0


def test_atis_records_reach_the_lemf_whole(pki: TestPKI, tmp_path: Path) -> None:
    stream = ([x2(m, cid=3, direction=d) for m, d in ((INVITE, 3), (OK_INVITE, 2))]
              + [x3(rtp(n), fmt=8, cid=3, direction=2 + n % 2) for n in range(30)]
              + [x2(BYE, cid=3), x2(OK_BYE, cid=3, direction=2)])

    def session(pdu_type: str) -> Callable[[], HandoverSession]:
        return lambda: HandoverSession(SPEC, tri=None, pdu_type=pdu_type, resend_window=0,
                                       resend_window_seconds=0)

    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf:
        hi2 = lemf.listen(pdu_type=LAES_PROTOCOL, name="hi2")
        hi3 = lemf.listen(pdu_type=CC_APDU, name="hi3")
        delivery = HandoverDelivery(
            Destination(*hi2, server_hostname="localhost"),
            Destination(*hi3, server_hostname="localhost"), tmp_path / "spool",
            {"hi2": session(LAES_PROTOCOL), "hi3": session(CC_APDU)},
            ssl_context=pki.client_context(),
            client_options={"reconnect_initial": 0.05, "reconnect_max": 0.5})
        conv = converter()
        mediation = MediationDelivery(conv, {"agency": delivery})
        with delivery:
            mediation.activate(task(handover_format="ATIS"))
            mediation.consume(stream)
            mediation.deactivate(XID)
            expected = conv.stats.records
            # surveillanceStatus x2, a directSignalReporting per SIP message and a release,
            # a ccOpen and a CC-APDU per packet
            assert expected == 2 + 4 + 1 + 1 + 30
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == expected
    assert summary["decode_errors"] == summary["duplicates"] == 0
    assert summary["sequence_gaps"] == 0


def test_packetcable_cdc_over_tls_and_ccc_over_udp_reach_the_lemf(pki: TestPKI,
                                                                  tmp_path: Path) -> None:
    stream = ([x2(m, cid=4, direction=d) for m, d in ((INVITE, 3), (OK_INVITE, 2))]
              + [x3(rtp(n), fmt=8, cid=4) for n in range(10)]
              + [x2(BYE, cid=4), x2(OK_BYE, cid=4, direction=2)])

    def session() -> HandoverSession:
        return HandoverSession(SPEC, tri=None, pdu_type=CDC_PDU, resend_window=0,
                               resend_window_seconds=0)

    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf:
        cdc = lemf.listen(pdu_type=CDC_PDU, name="cdc")
        ccc = lemf.listen_udp(layout="ESP-I01", name="ccc")
        delivery = HandoverDelivery(
            Destination(*cdc, server_hostname="localhost"), None, tmp_path / "spool", session,
            ssl_context=pki.client_context(),
            client_options={"reconnect_initial": 0.05, "reconnect_max": 0.5})
        conv = converter(ccc_layout="ESP-I01")
        with delivery, CCCSender(Destination(*ccc)) as sender:
            mediation = MediationDelivery(conv, {"agency": delivery},
                                          ccc={"agency": sender.send})
            mediation.activate(task(handover_format="PacketCable"))
            mediation.consume(stream)
            expected = conv.stats.records
            assert expected == 3 + 1 + 10  # origination, answer, release; ccopen; CCC
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == expected
    assert summary["decode_errors"] == summary["duplicates"] == 0
