"""Helpers of the mediation tests: X2/X3 PDUs of a task, SIP messages, packets, decoding."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import lawful_intercept
from lawful_intercept.correlation import CINAllocator, Clock, NetworkIdentifier, SequenceCounters
from lawful_intercept.mediation import Converted, MediationTask, X2X3Converter
from lawful_intercept.x2x3 import X2X3PDU, Attribute, AttributeType, PDUType, Timestamp

SPEC = lawful_intercept.bundled()
T0 = 1_800_000_000  # seconds
NOW = T0 * 1_000_000_000
CLOCK = Clock(lambda: NOW)
NETWORK = NetworkIdentifier(b"operator-1", b"mf-1")
XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")
OTHER_XID = uuid.UUID("00000000-0000-4000-8000-000000000001")
SOURCE = ipaddress.IPv4Address("192.0.2.10")
TARGET = ipaddress.IPv4Address("198.51.100.7")


def converter(**options: Any) -> X2X3Converter:
    options.setdefault("allocator", CINAllocator())
    options.setdefault("counters", SequenceCounters())
    options.setdefault("clock", CLOCK)
    return X2X3Converter(NETWORK, spec=SPEC, **options)


def task(**fields: Any) -> MediationTask:
    fields.setdefault("xid", XID)
    fields.setdefault("liid", "LIID-42")
    fields.setdefault("targets", ("sip:alice@example.com",))
    return MediationTask(**fields)


def sip(first: str, call_id: str = "a84b4c76e66710@pc33.example.com", cseq: str = "1 INVITE",
        body: str = "") -> bytes:
    return (f"{first}\r\nVia: SIP/2.0/UDP pc33.example.com\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {cseq}\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()


INVITE = sip("INVITE sip:bob@example.net SIP/2.0")
RINGING = sip("SIP/2.0 180 Ringing")
OK_INVITE = sip("SIP/2.0 200 OK")
ACK = sip("ACK sip:bob@example.net SIP/2.0", cseq="1 ACK")
BYE = sip("BYE sip:bob@example.net SIP/2.0", cseq="2 BYE")
OK_BYE = sip("SIP/2.0 200 OK", cseq="2 BYE")
REGISTER = sip("REGISTER sip:example.com SIP/2.0", cseq="1 REGISTER")
MESSAGE = sip("MESSAGE sip:bob@example.net SIP/2.0", cseq="1 MESSAGE", body="hi")


def rtp(n: int = 0, ssrc: int = 0x11223344) -> bytes:
    return (bytes([0x80, 8]) + (n & 0xFFFF).to_bytes(2, "big") + (n * 160).to_bytes(4, "big")
            + ssrc.to_bytes(4, "big") + bytes([n & 0xFF]) * 160)


def ipv4(n: int = 0, size: int = 60) -> bytes:
    return bytes([0x45, 0, 0, size]) + bytes(16) + bytes([n & 0xFF]) * (size - 20)


def ipv6(n: int = 0, size: int = 80) -> bytes:
    return bytes([0x60, 0, 0, 0]) + bytes(36) + bytes([n & 0xFF]) * (size - 40)


def attrs(seconds: int | None = T0 + 1, nanos: int = 123_456_789,
          addresses: bool = True) -> tuple[Attribute, ...]:
    out = []
    if seconds is not None:
        out.append(Attribute(AttributeType.TIMESTAMP, Timestamp(seconds, nanos)))
    if addresses:
        out += [Attribute(AttributeType.SOURCE_IPV4_ADDRESS, SOURCE),
                Attribute(AttributeType.DESTINATION_IPV4_ADDRESS, TARGET)]
    return tuple(out)


def x2(payload: bytes, *, fmt: int = 9, cid: int = 1, direction: int = 3,
       xid: uuid.UUID = XID, attributes: tuple[Attribute, ...] | None = None) -> X2X3PDU:
    return X2X3PDU(PDUType.X2, xid, cid, payload, fmt, direction,
                   attrs() if attributes is None else attributes)


def x3(payload: bytes, *, fmt: int = 5, cid: int = 1, direction: int = 2,
       xid: uuid.UUID = XID, attributes: tuple[Attribute, ...] | None = None) -> X2X3PDU:
    return X2X3PDU(PDUType.X3, xid, cid, payload, fmt, direction,
                   attrs() if attributes is None else attributes)


def decoded(record: Converted) -> dict[str, Any]:
    value: dict[str, Any] = SPEC.decode("PS-PDU", record.pdu)
    return value


def header(record: Converted) -> dict[str, Any]:
    value: dict[str, Any] = decoded(record)["pSHeader"]
    return value


def cin(record: Converted) -> int:
    value: int = header(record)["communicationIdentifier"]["communicationIdentityNumber"]
    return value


def iri_payload(record: Converted) -> dict[str, Any]:
    payload = decoded(record)["payload"]
    assert payload[0] == "iRIPayloadSequence"
    value: dict[str, Any] = payload[1][0]
    return value


def cc_payload(record: Converted) -> dict[str, Any]:
    payload = decoded(record)["payload"]
    assert payload[0] == "cCPayloadSequence"
    value: dict[str, Any] = payload[1][0]
    return value
