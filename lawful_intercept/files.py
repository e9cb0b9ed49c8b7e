"""Handover PDUs in files: raw BER, pcap/pcapng captures and JSON Lines.

* **Raw BER** (:func:`write_ber`, :func:`read_ber`): the PDUs back to back, exactly as they
  travel over a handover connection (ETSI TS 102 232-1 clause 6), framed on reading by
  :class:`~lawful_intercept.stream.PDUReader`.
* **Captures** (:func:`write_pcap`, :func:`write_pcapng`, :func:`read_pcap`): the PDUs as one
  TCP connection in a libpcap file (the classic format of ``tcpdump``/libpcap, "pcap-savefile"
  and draft-ietf-opsawg-pcap) or a pcapng file (draft-ietf-opsawg-pcapng: Section Header,
  Interface Description and Enhanced Packet Blocks), so that Wireshark/tshark shows them as a
  handover would look on the wire; and reading such captures back, including ones taken from
  real networks, with TCP reassembly (RFC 9293 sequence numbers).
* **JSON** (:func:`to_json`, :func:`from_json`, :func:`write_jsonl`): values as JSON, following
  the JSON encoding rules of ITU-T X.697 (JER) where they fit, and one JSON object per PDU.

Captures written here use documentation addresses (RFC 5737 ``192.0.2.1`` for the sender, the
mediation function, and ``192.0.2.2`` for the receiver, the LEMF; RFC 3849 ``2001:db8::/32``
when IPv6 addresses are given) and locally administered MAC addresses.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import json
import math
import os
import struct
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Final, NamedTuple

from lawful_intercept._inet import internet_checksum
from lawful_intercept._version import __version__
from lawful_intercept.asn1c import Kind
from lawful_intercept.errors import EncodeError
from lawful_intercept.stream import DEFAULT_MAX_PDU_SIZE, PDU, FramingError, PDUReader

if TYPE_CHECKING:
    from lawful_intercept.asn1c import Specification, Type

__all__ = [
    "DEFAULT_CLIENT",
    "DEFAULT_CLIENT_PORT",
    "DEFAULT_PORT",
    "DEFAULT_SERVER",
    "CapturedPDU",
    "TcpFlow",
    "from_json",
    "pdu_to_json",
    "read_ber",
    "read_pcap",
    "to_json",
    "write_ber",
    "write_jsonl",
    "write_pcap",
    "write_pcapng",
]

StrPath = str | os.PathLike[str]
"""A file name: text or a path object."""

DEFAULT_CLIENT: Final = "192.0.2.1"
"""Sender address of written captures (RFC 5737 TEST-NET-1): the mediation function."""
DEFAULT_SERVER: Final = "192.0.2.2"
"""Receiver address of written captures (RFC 5737 TEST-NET-1): the LEMF."""
DEFAULT_PORT: Final = 50000
"""Receiver TCP port of written captures.  No port is assigned to the handover interface
(TS 102 232-1 clause 6 leaves it to the agreement with the LEA); this is only a default."""
DEFAULT_CLIENT_PORT: Final = 49152
"""Sender TCP port of written captures: the first dynamic port (RFC 6335)."""

_CHUNK: Final = 64 * 1024
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------
# Raw BER files
# ---------------------------------------------------------------------------------------------


def write_ber(path: StrPath, pdus: Iterable[bytes]) -> int:
    """Write encoded PDUs back to back, as on a handover connection (TS 102 232-1 clause 6).

    Nothing is added between or around the PDUs.  Returns the number of PDUs written.
    """
    count = 0
    with open(path, "wb") as f:
        for pdu in pdus:
            f.write(pdu)
            count += 1
    return count


def read_ber(
    path: StrPath,
    spec: Specification | None = None,
    type_name: str = "PS-PDU",
    *,
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    strict: bool = True,
    chunk_size: int = _CHUNK,
) -> Iterator[PDU]:
    """Read a file of PDUs back to back (TS 102 232-1 clause 6), framing each one by its
    outermost BER header (X.690 8.1.3) with a :class:`~lawful_intercept.stream.PDUReader`.

    The file is read in chunks of ``chunk_size`` octets, so files larger than memory work.
    PDUs are decoded as ``type_name`` when ``spec`` is given.  A file that ends inside a PDU
    or cannot be framed raises :class:`~lawful_intercept.stream.FramingError` after the PDUs
    before the fault have been yielded.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    reader = PDUReader(spec, type_name, max_pdu_size=max_pdu_size, strict=strict)
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            try:
                pdus = reader.feed(chunk)
            except FramingError as exc:
                yield from exc.pdus
                raise
            yield from pdus
    reader.eof()


# ---------------------------------------------------------------------------------------------
# Writing captures
# ---------------------------------------------------------------------------------------------

_LINKTYPE_NULL: Final = 0
_LINKTYPE_ETHERNET: Final = 1
_LINKTYPE_RAW: Final = 101
_LINKTYPE_LOOP: Final = 108
_LINKTYPE_LINUX_SLL: Final = 113
_LINKTYPE_IPV4: Final = 228
_LINKTYPE_IPV6: Final = 229
_LINKTYPE_LINUX_SLL2: Final = 276

_SNAPLEN: Final = 262144
_CLIENT_MAC: Final = bytes.fromhex("020000000001")
_SERVER_MAC: Final = bytes.fromhex("020000000002")
_CLIENT_ISN: Final = 0x10000000
_SERVER_ISN: Final = 0x20000000
_WINDOW: Final = 65535
_FIN, _SYN, _RST, _PSH, _ACK = 0x01, 0x02, 0x04, 0x08, 0x10

Timestamp = float | datetime
"""A packet time: seconds since the Unix epoch, or a datetime (naive means local time, as
:meth:`datetime.datetime.timestamp` reads it)."""


def _micros(t: Timestamp) -> int:
    """Microseconds since the Unix epoch (exact for datetimes)."""
    if isinstance(t, datetime):
        aware = t if t.tzinfo is not None else t.astimezone()
        return (aware - _EPOCH) // timedelta(microseconds=1)
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        raise ValueError(f"timestamp must be a finite number or a datetime, got {t!r}")
    return round(t * 1_000_000)


class _PacketBuilder:
    """Ethernet II + IPv4 (RFC 791) or IPv6 (RFC 8200) + TCP (RFC 9293) frames of one flow."""

    def __init__(self, client: str, server: str, client_port: int, port: int, mss: int) -> None:
        src = ipaddress.ip_address(client)
        dst = ipaddress.ip_address(server)
        if src.version != dst.version:
            raise ValueError(f"client {client} and server {server} are not both IPv4 or IPv6")
        self.v6 = src.version == 6
        self.addr = (src.packed, dst.packed)
        self.ports = (client_port, port)
        self.mss = mss
        self.ident = [0, 0]

    def frame(
        self, from_client: bool, seq: int, ack: int, flags: int, payload: bytes = b""
    ) -> bytes:
        side = 0 if from_client else 1
        src, dst = self.addr[side], self.addr[1 - side]
        sport, dport = self.ports[side], self.ports[1 - side]
        options = struct.pack("!BBH", 2, 4, self.mss) if flags & _SYN else b""
        offset = (20 + len(options)) // 4
        tcp = struct.pack(
            "!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, offset << 4,
            flags, _WINDOW, 0, 0,
        ) + options
        tcp_len = len(tcp) + len(payload)
        if self.v6:
            pseudo = src + dst + struct.pack("!IxxxB", tcp_len, 6)
        else:
            pseudo = src + dst + struct.pack("!xBH", 6, tcp_len)
        csum = internet_checksum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
        if self.v6:
            ip = struct.pack("!IHBB", 0x60000000, tcp_len, 6, 64) + src + dst
            ethertype = 0x86DD
        else:
            self.ident[side] += 1
            header = struct.pack(
                "!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, self.ident[side] & 0xFFFF, 0x4000, 64,
                6, 0, src, dst,
            )
            ip = header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:]
            ethertype = 0x0800
        macs = (_SERVER_MAC + _CLIENT_MAC) if from_client else (_CLIENT_MAC + _SERVER_MAC)
        return macs + struct.pack("!H", ethertype) + ip + tcp + payload


def _tcp_frames(
    pdus: Iterable[bytes],
    *,
    client: str,
    server: str,
    client_port: int,
    port: int,
    mss: int | None,
    timestamps: Sequence[Timestamp] | None,
    start: Timestamp | None,
    coalesce: bool,
) -> Iterator[tuple[int, bytes]]:
    """The frames of one TCP connection carrying ``pdus``, with their times in microseconds.

    Three-way handshake with the MSS option (RFC 9293 3.5, 3.7.1), the data, the receiver's
    cumulative ACKs (every second segment and at the end of each send, as with delayed ACKs,
    RFC 9293 3.8.6.3; never more unacknowledged octets than the 65535-octet window), and a
    FIN from each side.  Arguments are checked here, before any frame is produced.
    """
    for name, p in (("client_port", client_port), ("port", port)):
        if not 0 < p < 65536:
            raise ValueError(f"{name} must be 1..65535, got {p}")
    builder = _PacketBuilder(client, server, client_port, port, 0)
    limit = 65515 if builder.v6 else 65495  # largest payload of a 65535-octet IP packet
    if mss is None:
        mss = 1440 if builder.v6 else 1460
    if not 0 < mss <= limit:
        raise ValueError(f"mss must be 1..{limit}, got {mss}")
    builder.mss = mss
    times: list[int] | None = None
    if timestamps is not None:
        times = [_micros(t) for t in timestamps]
        for i in range(1, len(times)):
            if times[i] < times[i - 1]:
                raise ValueError(f"timestamps must not decrease: PDU {i} is earlier than "
                                 f"PDU {i - 1}")
        if isinstance(pdus, Sequence) and len(pdus) != len(times):
            raise ValueError(f"{len(times)} timestamps given for {len(pdus)} PDUs")
    base = _micros(start) if start is not None else round(time.time() * 1_000_000)
    return _frames(builder, pdus, times, base, coalesce)


def _frames(
    b: _PacketBuilder, pdus: Iterable[bytes], times: list[int] | None, base: int, coalesce: bool
) -> Iterator[tuple[int, bytes]]:
    mss = b.mss
    ack_every = 2 if 2 * mss <= _WINDOW else 1
    stamps: Iterator[int] = iter(times) if times is not None else itertools.count(base, 1000)
    items = iter(pdus)
    pdu = next(items, None)
    now = next(stamps, base) if pdu is not None else base
    cseq, sseq = _CLIENT_ISN, _SERVER_ISN
    yield max(now - 300, 0), b.frame(True, cseq, 0, _SYN)
    yield max(now - 200, 0), b.frame(False, sseq, cseq + 1, _SYN | _ACK)
    cseq += 1
    sseq += 1
    yield max(now - 100, 0), b.frame(True, cseq, sseq, _ACK)
    unacked = 0
    pending = bytearray()

    def segments(data: bytes | bytearray, push: bool) -> Iterator[tuple[int, bytes]]:
        nonlocal cseq, unacked
        for i in range(0, len(data), mss):
            piece = bytes(data[i : i + mss])
            final = push and i + mss >= len(data)
            yield now, b.frame(True, cseq, sseq, _ACK | (_PSH if final else 0), piece)
            cseq += len(piece)
            unacked += 1
            if unacked >= ack_every or final:
                yield now, b.frame(False, sseq, cseq, _ACK)
                unacked = 0

    count = 0
    while pdu is not None:
        if count:
            t = next(stamps, None)
            if t is None:
                raise ValueError(f"{count} timestamps given for more PDUs")
            now = t
        count += 1
        if coalesce:
            pending += pdu
            full = len(pending) - len(pending) % mss
            if full:
                yield from segments(pending[:full], False)
                del pending[:full]
        else:
            yield from segments(pdu, True)
        pdu = next(items, None)
    if times is not None and count != len(times):
        raise ValueError(f"{len(times)} timestamps given for {count} PDUs")
    if pending:
        yield from segments(pending, True)
    elif unacked:
        yield now, b.frame(False, sseq, cseq, _ACK)
    yield now + 100, b.frame(True, cseq, sseq, _FIN | _ACK)
    cseq += 1
    yield now + 200, b.frame(False, sseq, cseq, _FIN | _ACK)
    sseq += 1
    yield now + 300, b.frame(True, cseq, sseq, _ACK)


def write_pcap(
    path: StrPath,
    pdus: Iterable[bytes],
    *,
    port: int = DEFAULT_PORT,
    timestamps: Sequence[Timestamp] | None = None,
    client: str = DEFAULT_CLIENT,
    server: str = DEFAULT_SERVER,
    client_port: int = DEFAULT_CLIENT_PORT,
    mss: int | None = None,
    coalesce: bool = False,
    start: Timestamp | None = None,
) -> int:
    """Write ``pdus`` as one TCP connection in a classic libpcap file; return the packet count.

    The file has link type ``_LINKTYPE_ETHERNET`` (1) and microsecond timestamps (libpcap's
    "pcap-savefile" format, draft-ietf-opsawg-pcap).  The connection goes from
    ``client``:``client_port`` (the mediation function, 192.0.2.1 by default, RFC 5737) to
    ``server``:``port`` (the LEMF, 192.0.2.2; IPv6 if both addresses are IPv6), and carries
    the PDUs back to back as TS 102 232-1 clause 6 does:

    * a three-way handshake (SYN, SYN-ACK, ACK, with the MSS option);
    * the PDUs in segments of at most ``mss`` octets (default 1460 for IPv4, 1440 for IPv6).
      By default each PDU is one send: it starts a new segment and its last segment has PSH;
      with ``coalesce=True`` the stream is cut into full segments regardless of PDU
      boundaries, so segments carry the end of one PDU and the start of the next.  Wireshark
      reassembles both;
    * the receiver's ACKs, and a FIN from each side at the end.

    IPv4 header checksums (RFC 791) and TCP checksums (RFC 9293 3.1) are correct and
    sequence and acknowledgement numbers consistent, so Wireshark reports no checksum or
    sequence problems.

    ``timestamps`` gives the time of each PDU (seconds since the epoch or datetimes; they
    must not decrease); without it the PDUs are 1 ms apart from ``start`` (default: now).
    The handshake precedes the first PDU by 300 µs; the FINs follow the last one.
    """
    frames = _tcp_frames(
        pdus, client=client, server=server, client_port=client_port, port=port, mss=mss,
        timestamps=timestamps, start=start, coalesce=coalesce,
    )
    count = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, _SNAPLEN, _LINKTYPE_ETHERNET))
        for micros, frame in frames:
            seconds, usec = divmod(micros, 1_000_000)
            f.write(struct.pack("<IIII", seconds, usec, len(frame), len(frame)))
            f.write(frame)
            count += 1
    return count


def _pcapng_option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _pcapng_block(block_type: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def write_pcapng(
    path: StrPath,
    pdus: Iterable[bytes],
    *,
    port: int = DEFAULT_PORT,
    timestamps: Sequence[Timestamp] | None = None,
    client: str = DEFAULT_CLIENT,
    server: str = DEFAULT_SERVER,
    client_port: int = DEFAULT_CLIENT_PORT,
    mss: int | None = None,
    coalesce: bool = False,
    start: Timestamp | None = None,
) -> int:
    """Write the same packets as :func:`write_pcap` in a pcapng file; return the packet count.

    One Section Header Block (with ``shb_userappl``), one Interface Description Block
    (``_LINKTYPE_ETHERNET``, ``if_tsresol`` 6: microseconds) and one Enhanced Packet Block
    per packet (draft-ietf-opsawg-pcapng sections 4.1, 4.2, 4.3), little-endian.
    """
    frames = _tcp_frames(
        pdus, client=client, server=server, client_port=client_port, port=port, mss=mss,
        timestamps=timestamps, start=start, coalesce=coalesce,
    )
    count = 0
    end_of_options = b"\x00\x00\x00\x00"
    with open(path, "wb") as f:
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + _pcapng_option(
            4, f"lawful-intercept {__version__}".encode()
        ) + end_of_options
        f.write(_pcapng_block(0x0A0D0D0A, shb))
        idb = struct.pack("<HHI", _LINKTYPE_ETHERNET, 0, _SNAPLEN) + _pcapng_option(
            2, b"handover"
        ) + _pcapng_option(9, b"\x06") + end_of_options
        f.write(_pcapng_block(1, idb))
        for micros, frame in frames:
            body = struct.pack(
                "<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(frame), len(frame)
            ) + frame + b"\x00" * (-len(frame) % 4)
            f.write(_pcapng_block(6, body))
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Reading captures
# ---------------------------------------------------------------------------------------------


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
    _LINKTYPE_NULL: lambda d: _ip_from_null(d, "<"),
    _LINKTYPE_LOOP: lambda d: _ip_from_null(d, ">"),
    _LINKTYPE_ETHERNET: _ip_from_ethernet,
    _LINKTYPE_RAW: lambda d: d,
    _LINKTYPE_IPV4: lambda d: d,
    _LINKTYPE_IPV6: lambda d: d,
    _LINKTYPE_LINUX_SLL: lambda d: _ip_from_sll(d, 16, 14),
    _LINKTYPE_LINUX_SLL2: lambda d: _ip_from_sll(d, 20, 0),
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
    type_name: str = "PS-PDU",
    *,
    port: int | None = None,
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    strict: bool = True,
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
    """
    directions: dict[TcpFlow, _Direction] = {}

    def new_direction(flow: TcpFlow) -> _Direction:
        reader = PDUReader(spec, type_name, max_pdu_size=max_pdu_size, strict=strict)
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
                if packet.flags & _SYN:
                    if not d.closed and d.isn == packet.seq:
                        continue  # a retransmitted SYN
                    if d.closed or d.next_seq is not None:  # a new connection, same ports
                        d.finish()
                        d = new_direction(flow)
                    d.syn(packet.seq)
                    continue
                if packet.flags & _RST:
                    d.finish()
                    continue
                if packet.payload or packet.flags & _FIN:
                    fin = bool(packet.flags & _FIN)
                    yield from d.segment(packet.seq, packet.payload, fin, stamp)
            except FramingError as exc:
                yield from (p for p in exc.pdus if isinstance(p, CapturedPDU))
                raise
    for d in directions.values():
        d.finish()


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

_REAL_SPECIALS: Final = {"INF": math.inf, "-INF": -math.inf, "NaN": math.nan, "-0": -0.0}


def to_json(value: Any) -> Any:
    """A JSON-able form of a value of any ASN.1 type (the value conventions of docs/values.md).

    The mapping follows the JSON encoding rules, ITU-T X.697 (JER), where they fit:

    ==========================  ==============================================================
    Python value (ASN.1 type)   JSON
    ==========================  ==============================================================
    ``dict`` (SEQUENCE, SET)    object, member name -> value (X.697 clause 25)
    ``(name, v)`` (CHOICE)      object with one member: ``{"name": v}`` (X.697 clause 28)
    ``list`` (SEQUENCE OF,      array (X.697 clauses 26, 27)
    SET OF)
    ``int`` (INTEGER)           number (X.697 clause 20)
    ``str`` (ENUMERATED,        string: the item's name, the characters, the dotted OID
    character strings, OBJECT   (X.697 clauses 21, 33, 30, 31)
    IDENTIFIER, RELATIVE-OID)
    ``bool``, ``None``          ``true``/``false``, ``null`` (X.697 clauses 19, 24)
    ``float`` (REAL)            number; ``"INF"``, ``"-INF"``, ``"NaN"`` and ``"-0"`` for the
                                special values (X.697 clause 22)
    ``bytes`` (OCTET STRING,    lowercase hexadecimal string (X.697 clause 23)
    open types)
    ``(data, n)`` (BIT STRING)  ``{"value": hex of data, "length": n}`` (X.697 clause 22's
                                form for BIT STRINGs without a fixed size; used for all here)
    ``datetime`` (UTCTime,      ISO 8601 text from :meth:`datetime.isoformat`: no offset for a
    GeneralizedTime)            naive (local) time, ``+00:00`` for UTC, else the offset
                                (X.697 writes the ASN.1 text instead)
    ==========================  ==============================================================

    The result does not name the types, so it is lossless *given the type*:
    ``from_json(to_json(v), spec, type_name) == v`` for every value ``v`` of the type (NaN
    aside, which is not equal to itself).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        if value == 0.0 and math.copysign(1.0, value) < 0:
            return "-0"
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, str):
            return {first: to_json(second)}
        if isinstance(first, bytes | bytearray | memoryview) and isinstance(second, int):
            return {"value": bytes(first).hex(), "length": second}
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not an ASN.1 value")


def from_json(obj: Any, spec: Specification, type_name: str) -> Any:
    """The value of ``type_name`` that :func:`to_json` maps to ``obj`` (parsed JSON).

    Driven by the type model (:meth:`Specification.get_type`): member and alternative names
    are checked against the type, hex strings become ``bytes``, ISO 8601 text becomes a
    ``datetime``, ``{"value", "length"}`` becomes a BIT STRING tuple, and the special REAL
    strings of X.697 clause 22 become floats.  Constraints (ranges, sizes, alphabets) are
    left to :meth:`Specification.encode`.  A JSON value of the wrong shape raises
    :class:`~lawful_intercept.EncodeError` naming the path, as ``encode`` does.
    """
    t = spec.get_type(type_name)
    try:
        return _from_json(obj, t)
    except EncodeError as exc:
        exc.prepend(type_name)
        raise
    except RecursionError:
        raise EncodeError("JSON value nested too deeply", type_name) from None


def _expect(obj: Any, kind: type | tuple[type, ...], what: str) -> None:
    if not isinstance(obj, kind) or (isinstance(obj, bool) and kind is int):
        raise EncodeError(f"expected {what} in JSON, got {type(obj).__name__} {obj!r:.60}")


def _hex(obj: Any, what: str) -> bytes:
    _expect(obj, str, f"a hexadecimal string for {what}")
    try:
        return bytes.fromhex(obj)
    except ValueError:
        raise EncodeError(f"{obj!r:.60} is not a hexadecimal string for {what}") from None


def _from_json(obj: Any, t: Type) -> Any:
    kind = t.body.kind
    if kind is Kind.SEQUENCE or kind is Kind.SET:
        _expect(obj, dict, f"an object for {kind.value}")
        members = {c.name: c.type for c in t.body.components}
        out: dict[str, Any] = {}
        for name, item in obj.items():
            member = members.get(name)
            if member is None:
                raise EncodeError(f"unknown member {name!r} for {kind.value}")
            try:
                out[name] = _from_json(item, member)
            except EncodeError as exc:
                exc.prepend(name)
                raise
        return out
    if kind is Kind.CHOICE:
        _expect(obj, dict, "an object with one member for CHOICE")
        if len(obj) != 1:
            raise EncodeError(f"a CHOICE is an object with one member, got {len(obj)}")
        ((name, item),) = obj.items()
        for c in t.body.components:
            if c.name == name:
                try:
                    return (name, _from_json(item, c.type))
                except EncodeError as exc:
                    exc.prepend(name)
                    raise
        raise EncodeError(f"{name!r} is not an alternative of the CHOICE")
    if kind is Kind.SEQUENCE_OF or kind is Kind.SET_OF:
        _expect(obj, list, f"an array for {kind.value}")
        element = t.body.element
        assert element is not None
        items = []
        for i, item in enumerate(obj):
            try:
                items.append(_from_json(item, element))
            except EncodeError as exc:
                exc.prepend(f"[{i}]")
                raise
        return items
    if kind is Kind.INTEGER:
        _expect(obj, int, "a number for INTEGER")
        return obj
    if kind is Kind.BOOLEAN:
        _expect(obj, bool, "true or false for BOOLEAN")
        return obj
    if kind is Kind.NULL:
        if obj is not None:
            raise EncodeError(f"expected null for NULL in JSON, got {obj!r:.60}")
        return None
    if kind is Kind.REAL:
        if isinstance(obj, str) and obj in _REAL_SPECIALS:
            return _REAL_SPECIALS[obj]
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise EncodeError(f"expected a number or one of {', '.join(_REAL_SPECIALS)} for "
                              f"REAL in JSON, got {obj!r:.60}")
        try:
            return float(obj)
        except OverflowError:
            raise EncodeError(f"{obj} is too large for REAL") from None
    if kind is Kind.OCTET_STRING or kind is Kind.OPEN:
        return _hex(obj, kind.value)
    if kind is Kind.BIT_STRING:
        _expect(obj, dict, 'an object {"value": hex, "length": n} for BIT STRING')
        if set(obj) != {"value", "length"}:
            raise EncodeError('a BIT STRING is an object {"value": hex, "length": n}')
        _expect(obj["length"], int, "a number for the BIT STRING length")
        return (_hex(obj["value"], "BIT STRING"), obj["length"])
    if kind is Kind.UTC_TIME or kind is Kind.GENERALIZED_TIME:
        _expect(obj, str, f"ISO 8601 text for {kind.value}")
        try:
            return datetime.fromisoformat(obj)
        except ValueError:
            raise EncodeError(f"{obj!r:.60} is not an ISO 8601 date and time") from None
    # ENUMERATED, character strings, OBJECT IDENTIFIER, RELATIVE-OID
    _expect(obj, str, f"a string for {kind.value}")
    return obj


def pdu_to_json(pdu: PDU, *, include_raw: bool = False) -> dict[str, Any]:
    """The JSON Lines record of one PDU, as :func:`write_jsonl` writes it.

    ``{"offset": n, "length": n, "value": to_json(value)}``, where ``value`` is ``null`` for
    a PDU read without a specification; for a PDU that did not decode, ``"error"`` (the
    message) instead of ``"value"``.  ``"raw"`` (hex of the octets) when there is no value or
    with ``include_raw``.  ``"flow"`` (``{"src", "sport", "dst", "dport"}``) and ``"time"``
    (seconds since the epoch) for a :class:`CapturedPDU`.
    """
    record: dict[str, Any] = {"offset": pdu.offset, "length": len(pdu.raw)}
    if isinstance(pdu, CapturedPDU):
        record["flow"] = pdu.flow._asdict()
        record["time"] = pdu.timestamp
    if pdu.error is not None:
        record["error"] = str(pdu.error)
    else:
        record["value"] = to_json(pdu.value)
    if include_raw or pdu.value is None:
        record["raw"] = pdu.raw.hex()
    return record


def write_jsonl(path: StrPath, pdus: Iterable[PDU], *, include_raw: bool = False) -> int:
    """Write one JSON object per PDU and per line (JSON Lines, RFC 8259 texts); return the
    number written.

    Each line is :func:`pdu_to_json` of the PDU, ASCII only (other characters escaped), so
    any JSON parser reads it; values map as :func:`to_json` documents, and
    :func:`from_json` turns a ``"value"`` back into the value, and
    :meth:`Specification.encode` into the BER again.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for pdu in pdus:
            _write_line(f, pdu_to_json(pdu, include_raw=include_raw))
            count += 1
    return count


def _write_line(f: IO[str], record: dict[str, Any]) -> None:
    f.write(json.dumps(record, ensure_ascii=True, allow_nan=False, separators=(",", ":")))
    f.write("\n")
