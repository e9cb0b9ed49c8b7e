"""What a point of interception sends (ETSI TS 103 221-2): the X2/X3 PDUs of a simulated
intercept of one task — a VoIP call (SIP as X2, RTP as X3), a broadband session (IPv4
packets as X3) or a mobile data and messaging session (SIP REGISTER and MESSAGE as X2, IPv6
packets as X3) — or the IP packets to or from a target in a capture. For network-element
simulators, tests, the ``poi`` command and the demo."""

from __future__ import annotations

import ipaddress
import random
import struct
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Final

from .._checks import require_choice, require_instance, require_int
from .._inet import internet_checksum
from ..x2x3 import X2X3PDU, Attribute, AttributeType, PayloadFormat, PDUType, Timestamp

__all__ = ["POI_SCENARIOS", "capture_pdus", "poi_pdus"]

POI_SCENARIOS: Final = ("voip", "broadband", "mobile")
"""The simulated intercepts :func:`poi_pdus` makes."""

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_TARGET4: Final = ipaddress.IPv4Address("198.51.100.7")
_PEER4: Final = ipaddress.IPv4Address("203.0.113.20")
_TARGET6: Final = ipaddress.IPv6Address("2001:db8:7::7")
_PEER6: Final = ipaddress.IPv6Address("2001:db8:20::20")


def _sip(first: str, call_id: str, cseq: str, body: str = "") -> bytes:
    return (f"{first}\r\nVia: SIP/2.0/UDP {_TARGET4}:5060\r\nFrom: <sip:alice@example.com>\r\n"
            f"To: <sip:bob@example.net>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def _rtp(n: int, ssrc: int, rng: random.Random) -> bytes:
    return (bytes([0x80, 8]) + struct.pack(">HII", n & 0xFFFF, (n * 160) & 0xFFFFFFFF, ssrc)
            + rng.randbytes(160))


def _ipv4_udp(src: ipaddress.IPv4Address, dst: ipaddress.IPv4Address, sport: int, dport: int,
              payload: bytes, ident: int) -> bytes:
    udp_length = 8 + len(payload)
    pseudo = src.packed + dst.packed + struct.pack(">BBH", 0, 17, udp_length)
    udp = struct.pack(">HHHH", sport, dport, udp_length, 0) + payload
    checksum = internet_checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack(">H", checksum) + udp[8:]
    header = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0x4000, 64,
                         17, 0, src.packed, dst.packed)
    header = header[:10] + struct.pack(">H", internet_checksum(header)) + header[12:]
    return header + udp


def _ipv6_udp(src: ipaddress.IPv6Address, dst: ipaddress.IPv6Address, sport: int, dport: int,
              payload: bytes) -> bytes:
    udp_length = 8 + len(payload)
    pseudo = src.packed + dst.packed + struct.pack(">IxxxB", udp_length, 17)
    udp = struct.pack(">HHHH", sport, dport, udp_length, 0) + payload
    checksum = internet_checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack(">H", checksum) + udp[8:]
    return struct.pack(">IHBB", 6 << 28, len(udp), 17, 64) + src.packed + dst.packed + udp


class _Stream:
    """Numbers and stamps the PDUs of one task as a POI does."""

    def __init__(self, xid: uuid.UUID, start_ns: int, step_ns: int) -> None:
        self.xid, self.at, self.step, self.sequence = xid, start_ns, step_ns, 0

    def pdu(self, pdu_type: PDUType, fmt: int, payload: bytes, correlation_id: int,
            from_target: bool, addresses: tuple[_IP, _IP] | None = None) -> X2X3PDU:
        attributes = [Attribute(AttributeType.SEQUENCE_NUMBER, self.sequence),
                      Attribute(AttributeType.TIMESTAMP,
                                Timestamp(self.at // 1_000_000_000, self.at % 1_000_000_000))]
        if addresses is not None:
            source, destination = addresses if from_target else addresses[::-1]
            v4 = isinstance(source, ipaddress.IPv4Address)
            attributes.append(Attribute(AttributeType.SOURCE_IPV4_ADDRESS if v4 else
                                        AttributeType.SOURCE_IPV6_ADDRESS, source))
            attributes.append(Attribute(AttributeType.DESTINATION_IPV4_ADDRESS if v4 else
                                        AttributeType.DESTINATION_IPV6_ADDRESS, destination))
        self.sequence = (self.sequence + 1) & 0xFFFFFFFF
        self.at += self.step
        return X2X3PDU(pdu_type, self.xid, correlation_id, payload, fmt,
                       3 if from_target else 2, tuple(attributes))


def poi_pdus(scenario: str, xid: uuid.UUID, *, records: int = 100, seed: int = 0,
             start_ns: int | None = None, correlation_id: int = 1) -> list[X2X3PDU]:
    """The X2/X3 PDUs a POI sends for task ``xid`` in ``scenario`` (:data:`POI_SCENARIOS`),
    about ``records`` of them (at least the scenario's signalling), 20 ms apart from
    ``start_ns`` (default: now), payloads from ``random.Random(seed)``:

    * ``voip``: SIP INVITE (from the target), 180, 200, ACK as X2 (payload format 9), RTP
      both ways as X3 (format 8), BYE and its 200; one correlation ID;
    * ``broadband``: IPv4 UDP packets both ways as X3 (format 5);
    * ``mobile``: SIP REGISTER, its 200 and a MESSAGE as X2 over IPv6 addresses, then IPv6
      UDP packets both ways as X3 (format 6); REGISTER has its own correlation ID.
    """
    require_choice(scenario, POI_SCENARIOS, "scenario")
    require_instance(xid, uuid.UUID, "xid")
    require_int(records, "records", low=1)
    rng = random.Random(seed)
    stream = _Stream(xid, time.time_ns() if start_ns is None else start_ns, 20_000_000)
    x2, x3 = PDUType.X2, PDUType.X3
    out: list[X2X3PDU] = []
    cid = correlation_id
    if scenario == "voip":
        call = f"{rng.getrandbits(64):016x}@{_TARGET4}"
        ends = (_TARGET4, _PEER4)
        for first, cseq, from_target in (("INVITE sip:bob@example.net SIP/2.0", "1 INVITE", True),
                                         ("SIP/2.0 180 Ringing", "1 INVITE", False),
                                         ("SIP/2.0 200 OK", "1 INVITE", False),
                                         ("ACK sip:bob@example.net SIP/2.0", "1 ACK", True)):
            out.append(stream.pdu(x2, PayloadFormat.SIP_MESSAGE, _sip(first, call, cseq), cid,
                                  from_target, ends))
        for n in range(max(records - 6, 1)):
            out.append(stream.pdu(x3, PayloadFormat.RTP_PACKET,
                                  _rtp(n, 0x1000 + n % 2, rng), cid, n % 2 == 0, ends))
        for first, from_target in (("BYE sip:bob@example.net SIP/2.0", True),
                                   ("SIP/2.0 200 OK", False)):
            out.append(stream.pdu(x2, PayloadFormat.SIP_MESSAGE, _sip(first, call, "2 BYE"),
                                  cid, from_target, ends))
    elif scenario == "broadband":
        for n in range(records):
            from_target = n % 2 == 0
            src, dst = (_TARGET4, _PEER4) if from_target else (_PEER4, _TARGET4)
            packet = _ipv4_udp(src, dst, 40000 if from_target else 443,
                               443 if from_target else 40000,
                               rng.randbytes(rng.randrange(40, 1200)), n)
            out.append(stream.pdu(x3, PayloadFormat.IPV4_PACKET, packet, cid, from_target))
    else:
        ends6 = (_TARGET6, _PEER6)
        out.append(stream.pdu(x2, PayloadFormat.SIP_MESSAGE,
                              _sip("REGISTER sip:ims.example.com SIP/2.0", "reg-1", "1 REGISTER"),
                              cid + 1, True, ends6))
        out.append(stream.pdu(x2, PayloadFormat.SIP_MESSAGE,
                              _sip("SIP/2.0 200 OK", "reg-1", "1 REGISTER"), cid + 1, False,
                              ends6))
        out.append(stream.pdu(x2, PayloadFormat.SIP_MESSAGE,
                              _sip("MESSAGE sip:bob@example.net SIP/2.0", "msg-1", "1 MESSAGE",
                                   "see you at 8"), cid, True, ends6))
        for n in range(max(records - 3, 1)):
            from_target = n % 2 == 0
            src6, dst6 = ends6 if from_target else ends6[::-1]
            packet = _ipv6_udp(src6, dst6, 50000 if from_target else 53,
                               53 if from_target else 50000, rng.randbytes(rng.randrange(20, 600)))
            out.append(stream.pdu(x3, PayloadFormat.IPV6_PACKET, packet, cid, from_target))
    return out


def capture_pdus(packets: Iterable[tuple[float, bytes]], xid: uuid.UUID, target: str, *,
                 correlation_id: int = 1) -> Iterator[X2X3PDU]:
    """X3 PDUs (payload format 5 IPv4 or 6 IPv6) of the IP ``packets`` (capture time in
    seconds, packet octets) whose source or destination address is ``target``: the payload
    direction is 3 (from the target) or 2 (to it), the timestamp attribute the capture
    time. ``ValueError`` if ``target`` is not an IP address; packets of other addresses,
    truncated or of another IP version are skipped."""
    address = ipaddress.ip_address(require_instance(target, str, "target"))
    packed = address.packed
    version = address.version
    offsets = (12, 16) if version == 4 else (8, 24)
    fmt = PayloadFormat.IPV4_PACKET if version == 4 else PayloadFormat.IPV6_PACKET
    size = len(packed)
    sequence = 0
    for stamp, packet in packets:
        if len(packet) < (20 if version == 4 else 40) or packet[0] >> 4 != version:
            continue
        source = packet[offsets[0]:offsets[0] + size]
        destination = packet[offsets[1]:offsets[1] + size]
        if packed not in (source, destination):
            continue
        ns = int(stamp * 1_000_000_000)
        attributes = (Attribute(AttributeType.SEQUENCE_NUMBER, sequence),
                      Attribute(AttributeType.TIMESTAMP,
                                Timestamp(ns // 1_000_000_000, ns % 1_000_000_000)))
        sequence = (sequence + 1) & 0xFFFFFFFF
        yield X2X3PDU(PDUType.X3, xid, correlation_id, bytes(packet), fmt,
                      3 if source == packed else 2, attributes)
