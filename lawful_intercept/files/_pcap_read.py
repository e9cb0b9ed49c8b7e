"""Reading handover PDUs from captures: the PDUs carried over TCP in a libpcap or pcapng file,
each direction of each connection reassembled in sequence order (RFC 9293) and framed by a
:class:`~lawful_intercept.stream.PDUReader` (ETSI TS 102 232-1 clause 6), including captures
taken from real networks.

See ``docs/records.md`` and ``docs/cli.md``.
"""

from __future__ import annotations

import heapq
import ipaddress
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Final, NamedTuple

from ..catalog import PS_PDU
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU, FramingError, PDUReader
from ._common import FIN, RST, SYN, LinkType, StrPath

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["CapturedPDU", "TcpFlow", "read_ip_packets", "read_pcap"]


class TcpFlow(NamedTuple):
    """One direction of a TCP connection: source and destination address and port."""

    src: str
    sport: int
    dst: str
    dport: int

    def __str__(self) -> str:
        def end(addr: str, port: int) -> str:
            return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"

        return f"{end(self.src, self.sport)} -> {end(self.dst, self.dport)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturedPDU(PDU):
    """A :class:`~lawful_intercept.stream.PDU` read from a capture by :func:`read_pcap`.

    ``offset`` counts from the first octet of the flow direction's byte stream (after the SYN,
    or the first captured octet when the handshake was not captured).  ``flow`` is the TCP
    flow direction that carried it and ``timestamp`` the capture time (seconds since the
    epoch) of the packet that completed it.
    """

    flow: TcpFlow
    timestamp: float


class _Packet(NamedTuple):
    time: float
    flow: TcpFlow
    seq: int
    flags: int
    payload: bytes


def _open_capture(f: BinaryIO) -> Iterator[tuple[float, int, bytes]]:
    """Records of a pcap or pcapng file: ``(time, link type, captured octets)``."""
    magic = f.read(4)
    if len(magic) < 4:
        return
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from _read_pcapng(f, magic)
    else:
        yield from _read_classic(f, magic)


def _read_classic(f: BinaryIO, magic: bytes) -> Iterator[tuple[float, int, bytes]]:
    """Classic libpcap files (pcap-savefile): both byte orders, µs and ns resolution."""
    formats = {
        b"\xd4\xc3\xb2\xa1": ("<", 10**6), b"\xa1\xb2\xc3\xd4": (">", 10**6),
        b"\x4d\x3c\xb2\xa1": ("<", 10**9), b"\xa1\xb2\x3c\x4d": (">", 10**9),
    }
    if magic not in formats:
        raise ValueError(f"not a pcap or pcapng file (magic {magic.hex()})")
    order, per_second = formats[magic]
    header = f.read(20)
    if len(header) < 20:
        raise ValueError("pcap file header truncated")
    linktype = struct.unpack(order + "HHiIII", header)[5] & 0xFFFF
    if linktype not in _LINK_DECODERS:
        raise ValueError(f"pcap link type {linktype} is not supported")
    record = struct.Struct(order + "IIII")
    while True:
        head = f.read(16)
        if len(head) < 16:
            return
        seconds, fraction, caplen, _ = record.unpack(head)
        data = f.read(caplen)
        if len(data) < caplen:
            return  # a capture cut off in the middle of a packet
        yield seconds + fraction / per_second, linktype, data


def _read_pcapng(f: BinaryIO, magic: bytes) -> Iterator[tuple[float, int, bytes]]:
    """pcapng (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, SPB and the obsolete Packet Block;
    other blocks are skipped.  Either byte order, any ``if_tsresol`` and ``if_tsoffset``."""
    order = "<"
    interfaces: list[tuple[int, int, int, int]] = []  # linktype, ticks/s, offset, snaplen
    block_type = struct.unpack("<I", magic)[0]
    while True:
        raw_len = f.read(4)
        if len(raw_len) < 4:
            return
        if block_type == 0x0A0D0D0A:
            bom = f.read(4)
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            else:
                raise ValueError("pcapng section header with an invalid byte-order magic")
            length = struct.unpack(order + "I", raw_len)[0]
            body = f.read(length - 12)
            interfaces = []
            if len(body) < length - 12:
                return
        else:
            length = struct.unpack(order + "I", raw_len)[0]
            if length < 12 or length % 4:
                raise ValueError(f"pcapng block of invalid length {length}")
            body = f.read(length - 8)
            if len(body) < length - 8:
                return
            body = body[:-4]
            if block_type == 1:
                interfaces.append(_interface(body, order))
            elif block_type in (6, 2) and len(body) >= 20:
                if block_type == 6:
                    iface, high, low, caplen, _ = struct.unpack_from(order + "IIIII", body)
                else:
                    iface, _, high, low, caplen, _ = struct.unpack_from(order + "HHIIII", body)
                if iface < len(interfaces):
                    linktype, per_second, offset, _ = interfaces[iface]
                    seconds, ticks = divmod((high << 32) | low, per_second)
                    stamp = seconds + offset + ticks / per_second
                    yield stamp, linktype, body[20 : 20 + caplen]
            elif block_type == 3 and interfaces and len(body) >= 4:
                linktype, _, _, snaplen = interfaces[0]
                origlen = struct.unpack_from(order + "I", body)[0]
                caplen = min(origlen, snaplen) if snaplen else origlen
                yield 0.0, linktype, body[4 : 4 + caplen]
        head = f.read(4)
        if len(head) < 4:
            return
        block_type = struct.unpack(order + "I", head)[0]


def _interface(body: bytes, order: str) -> tuple[int, int, int, int]:
    linktype, _, snaplen = struct.unpack_from(order + "HHI", body)
    per_second = 10**6
    offset = 0
    pos = 8
    while pos + 4 <= len(body):
        code, size = struct.unpack_from(order + "HH", body, pos)
        value = body[pos + 4 : pos + 4 + size]
        if code == 0:
            break
        if code == 9 and size >= 1:
            resolution = value[0]
            exponent = resolution & 0x7F
            per_second = 2**exponent if resolution & 0x80 else 10**exponent
        elif code == 14 and size >= 8:
            offset = struct.unpack(order + "q", value[:8])[0]
        pos += 4 + size + (-size % 4)
    return linktype, per_second, offset, snaplen


def _ip_from_ethernet(data: bytes) -> bytes | None:
    pos = 12
    while pos + 2 <= len(data):
        ethertype = int.from_bytes(data[pos : pos + 2], "big")
        if ethertype in (0x8100, 0x88A8, 0x9100):  # IEEE 802.1Q / 802.1ad VLAN tags
            pos += 4
            continue
        return data[pos + 2 :] if ethertype in (0x0800, 0x86DD) else None
    return None


def _ip_from_null(data: bytes, order: str) -> bytes | None:
    if len(data) < 4:
        return None
    family = int.from_bytes(data[:4], "little" if order == "<" else "big")
    if family in (2, 24, 28, 30):  # AF_INET; AF_INET6 of the BSDs, macOS, ...
        return data[4:]
    if order == "<":
        return _ip_from_null(data, ">")
    return None


def _ip_from_sll(data: bytes, header: int, proto_at: int) -> bytes | None:
    if len(data) < header:
        return None
    proto = int.from_bytes(data[proto_at : proto_at + 2], "big")
    return data[header:] if proto in (0x0800, 0x86DD) else None


_LINK_DECODERS: Final[dict[int, Callable[[bytes], bytes | None]]] = {
    LinkType.NULL: lambda d: _ip_from_null(d, "<"),
    LinkType.LOOP: lambda d: _ip_from_null(d, ">"),
    LinkType.ETHERNET: _ip_from_ethernet,
    LinkType.RAW: lambda d: d,
    LinkType.IPV4: lambda d: d,
    LinkType.IPV6: lambda d: d,
    LinkType.LINUX_SLL: lambda d: _ip_from_sll(d, 16, 14),
    LinkType.LINUX_SLL2: lambda d: _ip_from_sll(d, 20, 0),
}


def _tcp_packet(stamp: float, ip: bytes) -> _Packet | None:
    """The TCP segment in an IPv4 (RFC 791) or IPv6 (RFC 8200) packet, if it has one whole.

    Fragments, truncated packets and other protocols give ``None``.  An IPv4 total length of
    0 (a TCP segmentation offload capture on the sending host) means "as captured".
    """
    if len(ip) < 20:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 0x0F) * 4
        total = int.from_bytes(ip[2:4], "big") or len(ip)
        if ip[9] != 6 or ihl < 20 or total > len(ip) or total < ihl:
            return None
        if int.from_bytes(ip[6:8], "big") & 0x3FFF:  # MF flag or a fragment offset
            return None
        src = str(ipaddress.IPv4Address(ip[12:16]))
        dst = str(ipaddress.IPv4Address(ip[16:20]))
        segment = ip[ihl:total]
    elif version == 6:
        if len(ip) < 40:
            return None
        total = 40 + int.from_bytes(ip[4:6], "big")
        if total > len(ip):
            return None
        nxt = ip[6]
        pos = 40
        while nxt != 6:
            if nxt in (0, 43, 60) and pos + 8 <= total:  # hop-by-hop, routing, destination
                nxt, size = ip[pos], (ip[pos + 1] + 1) * 8
            elif nxt == 51 and pos + 8 <= total:  # authentication header
                nxt, size = ip[pos], (ip[pos + 1] + 2) * 4
            else:
                return None  # fragment, no next header, or a protocol other than TCP
            pos += size
        src = str(ipaddress.IPv6Address(ip[8:24]))
        dst = str(ipaddress.IPv6Address(ip[24:40]))
        segment = ip[pos:total]
    else:
        return None
    if len(segment) < 20:
        return None
    sport, dport, seq = struct.unpack_from("!HHI", segment)
    offset = (segment[12] >> 4) * 4
    if offset < 20 or offset > len(segment):
        return None
    return _Packet(stamp, TcpFlow(src, sport, dst, dport), seq, segment[13], segment[offset:])


class _Direction:
    """Reassembly of one direction of a TCP connection (RFC 9293 3.4, 3.10.7.4).

    Octets are handed to the PDU reader in sequence order: data before the next expected
    octet (retransmissions, duplicates) is dropped, data after it (out of order) waits in a
    heap until the gap is filled.  Sequence numbers are compared modulo 2**32, so streams
    longer than 4 GiB work.
    """

    def __init__(self, flow: TcpFlow, reader: PDUReader, limit: int) -> None:
        self.flow = flow
        self.reader = reader
        self.limit = limit
        self.isn: int | None = None
        self.next_seq: int | None = None
        self.delivered = 0
        self.waiting: list[tuple[int, bytes]] = []
        self.waiting_bytes = 0
        self.fin_at: int | None = None
        self.closed = False

    def syn(self, seq: int) -> None:
        self.isn = seq
        self.next_seq = (seq + 1) & 0xFFFFFFFF

    def _position(self, seq: int) -> int:
        """Stream offset of the octet with sequence number ``seq``."""
        if self.next_seq is None:  # handshake not captured: the stream starts here
            self.next_seq = seq
        rel = (seq - self.next_seq) & 0xFFFFFFFF
        if rel >= 1 << 31:
            rel -= 1 << 32
        return self.delivered + rel

    def segment(self, seq: int, payload: bytes, fin: bool, stamp: float) -> list[CapturedPDU]:
        """Take one segment's data (and its FIN); return the PDUs completed."""
        if self.closed:
            return []
        start = self._position(seq)
        if fin and self.fin_at is None:
            self.fin_at = start + len(payload)
        out: list[CapturedPDU] = []
        try:
            if start + len(payload) > self.delivered:
                if start > self.delivered:
                    heapq.heappush(self.waiting, (start, payload))
                    self.waiting_bytes += len(payload)
                    if self.waiting_bytes > self.limit:
                        raise self._gap_error()
                else:
                    out += self._deliver(payload[self.delivered - start :], stamp)
                    while self.waiting and self.waiting[0][0] <= self.delivered:
                        start, payload = heapq.heappop(self.waiting)
                        self.waiting_bytes -= len(payload)
                        if start + len(payload) > self.delivered:
                            out += self._deliver(payload[self.delivered - start :], stamp)
            if self.fin_at is not None and self.delivered >= self.fin_at:
                self.finish()
        except FramingError as exc:
            exc.pdus = (*out, *exc.pdus)
            raise
        return out

    def _deliver(self, data: bytes, stamp: float) -> list[CapturedPDU]:
        assert self.next_seq is not None
        self.delivered += len(data)
        self.next_seq = (self.next_seq + len(data)) & 0xFFFFFFFF
        try:
            pdus = self.reader.feed(data)
        except FramingError as exc:
            exc.message = f"TCP {self.flow}: {exc.message}"
            exc.pdus = tuple(self._wrap(p, stamp) for p in exc.pdus)
            raise
        return [self._wrap(p, stamp) for p in pdus]

    def _wrap(self, pdu: PDU, stamp: float) -> CapturedPDU:
        return CapturedPDU(
            raw=pdu.raw, offset=pdu.offset, value=pdu.value, error=pdu.error, flow=self.flow,
            timestamp=stamp,
        )

    def _gap_error(self) -> FramingError:
        return FramingError(
            f"TCP {self.flow}: octets missing from the capture at stream offset "
            f"{self.delivered} ({self.waiting_bytes} later octets wait for them)",
            offset=self.delivered,
        )

    def finish(self) -> None:
        """The direction ends (FIN, RST, a new connection, or the end of the capture)."""
        if self.closed:
            return
        self.closed = True
        if self.waiting:
            raise self._gap_error()
        try:
            self.reader.eof()
        except FramingError as exc:
            if not exc.message.startswith("TCP "):
                exc.message = f"TCP {self.flow}: {exc.message}"
            raise


def read_pcap(
    path: StrPath,
    spec: Specification | None = None,
    type_name: str = PS_PDU,
    *,
    port: int | None = None,
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    strict: bool = True,
    reader_factory: Callable[[], PDUReader] | None = None,
) -> Iterator[CapturedPDU]:
    """Read the handover PDUs carried over TCP in a pcap or pcapng capture.

    Reads classic libpcap files (either byte order, micro- or nanosecond timestamps) and
    pcapng files (any number of sections and interfaces), with link types Ethernet (with
    802.1Q/802.1ad VLAN tags), raw IP (101, 228, 229), BSD loopback (0, 108) and Linux cooked
    capture (113, 276); IPv4 and IPv6 (extension headers skipped).  IP fragments and packets
    cut short by the snapshot length are not used.

    Each direction of each TCP connection (only those with ``port`` as source or destination
    port, if given) is reassembled in sequence order (RFC 9293): retransmitted and duplicate
    octets are dropped, out-of-order segments wait for the gap before them (at most
    ``max_pdu_size`` octets per direction), and a new SYN on the same addresses and ports
    starts a new stream.  Without a captured SYN a direction starts at its first captured
    segment, which must then start a PDU.  The bytes are framed and decoded by a
    :class:`~lawful_intercept.stream.PDUReader` per direction (TS 102 232-1 clause 6).

    PDUs are yielded as :class:`CapturedPDU` in the order the packets completing them appear.
    A direction that cannot be framed, that ends (FIN, RST or end of capture) inside a PDU,
    or whose missing octets never arrive raises :class:`~lawful_intercept.stream.FramingError`
    naming the flow, after the PDUs completed before it.

    ``reader_factory`` (called once per direction) replaces that reader, for streams of
    another framing: a reader whose ``feed`` hands back each reassembled chunk as one
    :class:`~lawful_intercept.stream.PDU` gives the TCP streams themselves (the X2/X3
    ``decode`` does so).
    """
    directions: dict[TcpFlow, _Direction] = {}

    def new_direction(flow: TcpFlow) -> _Direction:
        reader = (reader_factory() if reader_factory is not None else
                  PDUReader(spec, type_name, max_pdu_size=max_pdu_size, strict=strict))
        d = directions[flow] = _Direction(flow, reader, max_pdu_size)
        return d

    with open(path, "rb") as f:
        for stamp, linktype, frame in _open_capture(f):
            decoder = _LINK_DECODERS.get(linktype)
            ip = decoder(frame) if decoder is not None else None
            packet = _tcp_packet(stamp, ip) if ip is not None else None
            if packet is None:
                continue
            flow = packet.flow
            if port is not None and port not in (flow.sport, flow.dport):
                continue
            d = directions.get(flow) or new_direction(flow)
            try:
                if packet.flags & SYN:
                    if not d.closed and d.isn == packet.seq:
                        continue  # a retransmitted SYN
                    if d.closed or d.next_seq is not None:  # a new connection, same ports
                        d.finish()
                        d = new_direction(flow)
                    d.syn(packet.seq)
                    continue
                if packet.flags & RST:
                    d.finish()
                    continue
                if packet.payload or packet.flags & FIN:
                    fin = bool(packet.flags & FIN)
                    yield from d.segment(packet.seq, packet.payload, fin, stamp)
            except FramingError as exc:
                yield from (p for p in exc.pdus if isinstance(p, CapturedPDU))
                raise
    for d in directions.values():
        d.finish()


def read_ip_packets(path: StrPath) -> Iterator[tuple[float, bytes]]:
    """The IP packets (IPv4 or IPv6, any protocol) of a pcap or pcapng capture, in capture
    order: ``(capture time in seconds, packet octets)``. The link types of :func:`read_pcap`;
    frames of other protocols (ARP, ...) are skipped. For replaying captured traffic, e.g.
    as X3 IP packets (ETSI TS 103 221-2 payload formats 5 and 6)."""
    with open(path, "rb") as f:
        for stamp, linktype, frame in _open_capture(f):
            decoder = _LINK_DECODERS.get(linktype)
            ip = decoder(frame) if decoder is not None else None
            if ip:
                yield stamp, ip
