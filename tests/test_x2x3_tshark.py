"""Wireshark's li5g dissector (TS 103 221-2 V1.1.1) reads our X2/X3 PDUs as we wrote them:
an independent check of the layout. Skips without tshark or ../shared/tools."""

from __future__ import annotations

import ipaddress
import uuid

import _tshark
import pytest

from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    PDUType,
    Timestamp,
    encode_pdu,
    keepalive,
    keepalive_ack,
)

pytestmark = pytest.mark.skipif(_tshark.available() is not None,
                                reason=str(_tshark.available()))

XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")
VALUES = {
    5: uuid.UUID(int=5), 6: "nf-1", 7: "poi-7", 8: 0xFFFFFFF0,
    9: Timestamp(1_800_000_000, 999_999_999), 10: ipaddress.IPv4Address("198.51.100.1"),
    11: ipaddress.IPv4Address("203.0.113.9"), 12: ipaddress.IPv6Address("2001:db8::1"),
    13: ipaddress.IPv6Address("2001:db8::2"), 14: 5060, 15: 65535, 16: 17,
    17: "tel:+441632960000", 18: "imsi:001010000000001",
}


def test_li5g_reads_header_attributes_and_keepalives() -> None:
    x2 = X2X3PDU(PDUType.X2, XID, 77, b"INVITE sip:bob@example.com SIP/2.0\r\n\r\n", 9, 3,
                 tuple(Attribute(t, v) for t, v in VALUES.items()))
    pdus = [x2, keepalive(4), keepalive_ack(keepalive(4))]
    decoded = _tshark.decode([encode_pdu(p) for p in pdus], "li5g")
    first = decoded[0]
    assert first.problems == []
    assert first.shown("li5g.ver") == ["5"] and first.shown("li5g.type") == ["1"]
    assert first.shown("li5g.pf") == ["9"] and first.shown("li5g.pd") == ["3"]
    assert first.shown("li5g.xid") == [str(XID)]
    assert first.shown("li5g.cid") == ["00:00:00:00:00:00:00:4d"]
    assert first.shown("li5g.attrType") == [str(t) for t in VALUES]
    assert first.shown("li5g.sq")[0] == str(0xFFFFFFF0)
    assert first.shown("li5g.srcip")[0] == "198.51.100.1"
    assert first.shown("li5g.dstipv6")[0] == "2001:db8::2"
    assert first.shown("li5g.srcport")[0] == "5060" and first.shown("li5g.ipproto")[0] == "17"
    assert first.shown("li5g.ts")[0].endswith("08:00:00.999999999 UTC")
    assert first.shown("li5g.mti")[0].replace(":", "") == b"tel:+441632960000".hex()
    assert "sip" in first.protocols.split(":")
    assert [d.shown("li5g.type") for d in decoded[1:]] == [["3"], ["4"]]
    assert [d.shown("li5g.sq")[0] for d in decoded[1:]] == ["4", "4"]
    assert all(d.problems == [] for d in decoded)
