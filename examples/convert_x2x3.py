"""Convert X2/X3 PDUs (ETSI TS 103 221-2) from a network element into the correlated HI2/HI3
records of a warrant's task, and see what the warrant drops.

A VoIP call (SIP on X2, RTP on X3) and some internet traffic (IPv4 packets on X3) of one
task: the converter gives each communication its CIN, numbers its IRI and CC, takes the
IRI type from the SIP dialog and the time from the timestamp attribute. The same stream for
an IRI-only warrant loses its CC (counted). No network: see docs/mediation.md for the
delivery to the agency.
"""

from __future__ import annotations

import ipaddress
import uuid

import lawful_intercept
from lawful_intercept.correlation import CINAllocator, NetworkIdentifier, SequenceCounters
from lawful_intercept.mediation import MediationTask, X2X3Converter
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    PayloadFormat,
    PDUType,
    Timestamp,
    X2X3Reader,
    encode_pdus,
)

SPEC = lawful_intercept.bundled()
XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")  # given to the POI over X1
T0 = 1_800_000_000


def sip(first: str, cseq: str) -> bytes:
    return (f"{first}\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: {cseq}\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def x2x3(kind: PDUType, correlation_id: int, payload: bytes, fmt: PayloadFormat,
         direction: int, n: int) -> X2X3PDU:
    return X2X3PDU(kind, XID, correlation_id, payload, fmt, direction, (
        Attribute(AttributeType.TIMESTAMP, Timestamp(T0 + n, 0)),
        Attribute(AttributeType.SOURCE_IPV4_ADDRESS, ipaddress.IPv4Address("192.0.2.10")),
        Attribute(AttributeType.DESTINATION_IPV4_ADDRESS,
                  ipaddress.IPv4Address("198.51.100.7"))))


call = [(sip("INVITE sip:bob@example.net SIP/2.0", "1 INVITE"), 3),
        (sip("SIP/2.0 200 OK", "1 INVITE"), 2),
        (sip("BYE sip:bob@example.net SIP/2.0", "2 BYE"), 3),
        (sip("SIP/2.0 200 OK", "2 BYE"), 2)]
rtp = bytes([0x80, 8, 0, 1, 0, 0, 0, 160, 0x11, 0x22, 0x33, 0x44]) + bytes(160)
ipv4 = bytes([0x45, 0, 0, 40]) + bytes(36)
pdus = [x2x3(PDUType.X2, 1, message, PayloadFormat.SIP_MESSAGE, direction, n)
        for n, (message, direction) in enumerate(call[:2])]
pdus += [x2x3(PDUType.X3, 1, rtp, PayloadFormat.RTP_PACKET, 2 + n % 2, 2) for n in range(4)]
pdus += [x2x3(PDUType.X3, 2, ipv4, PayloadFormat.IPV4_PACKET, 3, 3) for _ in range(2)]
pdus += [x2x3(PDUType.X2, 1, message, PayloadFormat.SIP_MESSAGE, direction, 5)
         for message, direction in call[2:]]
octets = encode_pdus(pdus)  # what the network element sends

for delivery_type in ("IRIandCC", "IRIOnly"):
    converter = X2X3Converter(NetworkIdentifier(b"operator-1", b"mf-1"),
                              allocator=CINAllocator(), counters=SequenceCounters())
    task = MediationTask(XID, "LIID-42", delivery_type=delivery_type,  # type: ignore[arg-type]
                         targets=("sip:alice@example.com",))
    records = converter.activate(task, time=T0 * 1_000_000_000)
    reader = X2X3Reader()  # the listener's parser
    records += converter.convert_many(reader.feed(octets), arrival_ns=T0 * 1_000_000_000)
    records += converter.deactivate(XID, time=(T0 + 9) * 1_000_000_000)
    print(f"{delivery_type}: {len(records)} records")
    for record in records:
        pdu = SPEC.decode("PS-PDU", record.pdu)
        head = pdu["pSHeader"]
        cin = head["communicationIdentifier"].get("communicationIdentityNumber", 0)
        name, body = pdu["payload"]
        what = name
        if name == "iRIPayloadSequence":
            what = f"{body[0]['iRIContents'][0]} {body[0].get('iRIType', '')}"
        elif name == "cCPayloadSequence":
            what = f"{body[0]['cCContents'][0]} {body[0].get('payloadDirection', '')}"
        elif name == "hI1-Operation":
            what = f"HI1 {body[0]}"
        print(f"  {record.interface} CIN {cin:>10} seq {head['sequenceNumber']:>2} {what}")
    stats = converter.stats
    print(f"  dropped by the warrant: {stats.cc_dropped} CC, {stats.iri_dropped} IRI")
    assert stats.converted + stats.cc_dropped == len(pdus)
