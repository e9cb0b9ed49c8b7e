"""MediationDelivery: the converter's records into each destination's HI2/HI3 spools (in
order, with their kind and LIID), PacketCable CCC packets to the UDP sender, destinations
checked at activation, expiry driven by the listener's consumer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from _mediation_support import (
    INVITE,
    NETWORK,
    NOW,
    OTHER_XID,
    SPEC,
    XID,
    converter,
    ipv4,
    rtp,
    task,
    x2,
    x3,
)

from lawful_intercept.correlation import SessionIdentity
from lawful_intercept.delivery import Destination, HandoverDelivery, HandoverSession
from lawful_intercept.mediation import MediationDelivery
from lawful_intercept.records import PSPDUBuilder
from lawful_intercept.x2x3 import NetworkElement


def delivery(directory: Path) -> HandoverDelivery:
    tri = PSPDUBuilder(SessionIdentity("LIID-42", NETWORK, 0), spec=SPEC)
    # Never started: the records stay in the spools, where the test reads them.
    return HandoverDelivery(Destination("127.0.0.1", 9), Destination("127.0.0.1", 9),
                            directory, lambda: HandoverSession(SPEC, tri=tri),
                            ssl_context=None, insecure_plain_tcp=True,
                            spool_options={"fsync": "never"})


def test_records_go_to_their_destination_and_interface_in_order(tmp_path: Path) -> None:
    a, b = delivery(tmp_path / "a"), delivery(tmp_path / "b")
    try:
        mediation = MediationDelivery(converter(), {"a": a, "b": b})
        mediation.activate(task(destinations=("a", "b")), time=NOW)
        mediation.consume([x2(INVITE), x3(ipv4(1)), x3(ipv4(2))], NOW)
        for spools in (a.spools, b.spools):
            hi2 = list(spools["hi2"].entries())
            hi3 = list(spools["hi3"].entries())
            assert [(e.kind, e.key) for e in hi2] == [("HI1", b"LIID-42"), ("IRI", b"LIID-42")]
            assert [e.kind for e in hi3] == ["CC", "CC"]
            packets = [SPEC.decode("PS-PDU", e.data)["payload"][1][0]["cCContents"][1]
                       ["iPCCContents"][1] for e in hi3]
            assert packets == [ipv4(1), ipv4(2)]
    finally:
        a.close(0)
        b.close(0)


def test_destinations_are_checked_at_activation(tmp_path: Path) -> None:
    d = delivery(tmp_path)
    try:
        mediation = MediationDelivery(converter(), {"agency": d})
        with pytest.raises(ValueError, match="'elsewhere' is not one of"):
            mediation.activate(task(destinations=("elsewhere",)))
        with pytest.raises(ValueError, match="CCC sender"):
            mediation.activate(task(handover_format="PacketCable"))
        assert mediation.converter.tasks == {}
    finally:
        d.close(0)


def test_packetcable_ccc_packets_go_to_the_udp_sender(tmp_path: Path) -> None:
    d = delivery(tmp_path)
    sent: list[bytes] = []
    try:
        mediation = MediationDelivery(converter(), {"agency": d}, ccc={"agency": sent.append})
        mediation.activate(task(handover_format="PacketCable"), time=NOW)
        mediation.consume([x3(rtp(n), fmt=8) for n in range(3)], NOW)
        assert len(sent) == 3 and mediation.ccc_sent == 3
        assert [e.kind for e in d.spools["hi2"].entries()] == ["IRI"]  # the ccopen
        assert list(d.spools["hi3"].entries()) == []
    finally:
        d.close(0)


def test_the_consumer_expires_idle_communications(tmp_path: Path) -> None:
    d = delivery(tmp_path)
    try:
        conv = converter(idle_timeout=0)
        mediation = MediationDelivery(conv, {"agency": d}, expire_interval=0)
        mediation.activate(task(), time=NOW)
        element = NetworkElement(1, "127.0.0.1", 1, None, None)

        async def feed() -> None:
            await mediation.consumer(x3(ipv4(), cid=1), element)
            await mediation.consumer(x3(ipv4(), cid=2, xid=OTHER_XID), element)

        asyncio.run(feed())
        assert conv.stats.communications_expired == 1
        assert conv.communication(XID, 1) is None
        assert conv.stats.unknown_xid == 1
        assert len(list(d.spools["hi3"].entries())) == 1
    finally:
        d.close(0)
