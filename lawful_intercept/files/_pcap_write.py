"""Writing handover PDUs as captures: one TCP connection in a libpcap or pcapng file, with
the TCP segments, acknowledgements, handshake and close synthesised (RFC 9293), so that
Wireshark/tshark shows the PDUs as a handover (ETSI TS 102 232-1 clause 6) would look on the
wire.

Captures written here use documentation addresses (RFC 5737 ``192.0.2.1`` for the sender, the
mediation function, and ``192.0.2.2`` for the receiver, the LEMF; RFC 3849 ``2001:db8::/32``
when IPv6 addresses are given) and locally administered MAC addresses. See
``docs/records.md``.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import struct
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, TypedDict, Unpack

from .._checks import require_int
from .._inet import internet_checksum
from .._version import __version__
from ._common import ACK, FIN, PSH, SYN, LinkType, StrPath

DEFAULT_CLIENT: Final = "192.0.2.1"
"""Sender address of written captures (RFC 5737 TEST-NET-1): the mediation function."""
DEFAULT_SERVER: Final = "192.0.2.2"
"""Receiver address of written captures (RFC 5737 TEST-NET-1): the LEMF."""
DEFAULT_PORT: Final = 50000
"""Receiver TCP port of written captures.  No port is assigned to the handover interface
(TS 102 232-1 clause 6 leaves it to the agreement with the LEA); this is only a default."""
DEFAULT_CLIENT_PORT: Final = 49152
"""Sender TCP port of written captures: the first dynamic port (RFC 6335)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SNAPLEN: Final = 262144
_CLIENT_MAC: Final = bytes.fromhex("020000000001")
_SERVER_MAC: Final = bytes.fromhex("020000000002")
_CLIENT_ISN: Final = 0x10000000
_SERVER_ISN: Final = 0x20000000
_WINDOW: Final = 65535

Timestamp = float | datetime
"""A packet time: seconds since the Unix epoch, or a datetime (naive means local time, as
:meth:`datetime.datetime.timestamp` reads it)."""


class CaptureOptions(TypedDict, total=False):
    """The connection a written capture shows (keyword arguments of :func:`write_pcap` and
    :func:`write_pcapng`): ``port`` (default :data:`DEFAULT_PORT`), ``client``, ``server``
    and ``client_port`` (:data:`DEFAULT_CLIENT`, :data:`DEFAULT_SERVER`,
    :data:`DEFAULT_CLIENT_PORT`), ``mss`` (1460 for IPv4, 1440 for IPv6), ``coalesce``
    (False), ``timestamps`` and ``start`` (see :func:`write_pcap`)."""

    port: int
    timestamps: Sequence[Timestamp] | None
    client: str
    server: str
    client_port: int
    mss: int | None
    coalesce: bool
    start: Timestamp | None


def _micros(t: Timestamp) -> int:
    """Microseconds since the Unix epoch (exact for datetimes)."""
    if isinstance(t, datetime):
        aware = t if t.tzinfo is not None else t.astimezone()
        return (aware - _EPOCH) // timedelta(microseconds=1)
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        raise ValueError(f"timestamp must be a finite number or a datetime, got {t!r}")
    return round(t * 1_000_000)


class PacketBuilder:
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
        """One Ethernet frame of the flow: a TCP segment (RFC 9293 3.1) from the client or the
        server with ``seq``, ``ack``, ``flags`` and ``payload``, checksums computed (the MSS
        option on a SYN, RFC 9293 3.7.1)."""
        side = 0 if from_client else 1
        src, dst = self.addr[side], self.addr[1 - side]
        sport, dport = self.ports[side], self.ports[1 - side]
        options = struct.pack("!BBH", 2, 4, self.mss) if flags & SYN else b""
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


def tcp_frames(
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
) -> Iterator[tuple[int, bytes]]:
    """The frames of one TCP connection carrying ``pdus``, with their times in microseconds.

    Three-way handshake with the MSS option (RFC 9293 3.5, 3.7.1), the data, the receiver's
    cumulative ACKs (every second segment and at the end of each send, as with delayed ACKs,
    RFC 9293 3.8.6.3; never more unacknowledged octets than the 65535-octet window), and a
    FIN from each side (the options are those of :class:`CaptureOptions`).  Arguments are
    checked here, before any frame is produced.
    """
    for name, p in (("client_port", client_port), ("port", port)):
        require_int(p, name, low=1, high=65535)
    builder = PacketBuilder(client, server, client_port, port, 0)
    limit = 65515 if builder.v6 else 65495  # largest payload of a 65535-octet IP packet
    if mss is None:
        mss = 1440 if builder.v6 else 1460
    require_int(mss, "mss", low=1, high=limit)
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
    b: PacketBuilder, pdus: Iterable[bytes], times: list[int] | None, base: int, coalesce: bool
) -> Iterator[tuple[int, bytes]]:
    mss = b.mss
    ack_every = 2 if 2 * mss <= _WINDOW else 1
    stamps: Iterator[int] = iter(times) if times is not None else itertools.count(base, 1000)
    items = iter(pdus)
    pdu = next(items, None)
    now = next(stamps, base) if pdu is not None else base
    cseq, sseq = _CLIENT_ISN, _SERVER_ISN
    yield max(now - 300, 0), b.frame(True, cseq, 0, SYN)
    yield max(now - 200, 0), b.frame(False, sseq, cseq + 1, SYN | ACK)
    cseq += 1
    sseq += 1
    yield max(now - 100, 0), b.frame(True, cseq, sseq, ACK)
    unacked = 0
    pending = bytearray()

    def segments(data: bytes | bytearray, push: bool) -> Iterator[tuple[int, bytes]]:
        nonlocal cseq, unacked
        for i in range(0, len(data), mss):
            piece = bytes(data[i : i + mss])
            final = push and i + mss >= len(data)
            yield now, b.frame(True, cseq, sseq, ACK | (PSH if final else 0), piece)
            cseq += len(piece)
            unacked += 1
            if unacked >= ack_every or final:
                yield now, b.frame(False, sseq, cseq, ACK)
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
        yield now, b.frame(False, sseq, cseq, ACK)
    yield now + 100, b.frame(True, cseq, sseq, FIN | ACK)
    cseq += 1
    yield now + 200, b.frame(False, sseq, cseq, FIN | ACK)
    sseq += 1
    yield now + 300, b.frame(True, cseq, sseq, ACK)


def write_pcap(path: StrPath, pdus: Iterable[bytes], **options: Unpack[CaptureOptions]) -> int:
    """Write ``pdus`` as one TCP connection in a classic libpcap file; return the packet count.

    The file has link type Ethernet (1) and microsecond timestamps (libpcap's
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
    The options are those of :class:`CaptureOptions`, all keyword arguments.
    """
    frames = tcp_frames(pdus, **options)
    count = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, _SNAPLEN, LinkType.ETHERNET))
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


def write_pcapng(path: StrPath, pdus: Iterable[bytes], **options: Unpack[CaptureOptions]) -> int:
    """Write the same packets as :func:`write_pcap` in a pcapng file; return the packet count.

    One Section Header Block (with ``shb_userappl``), one Interface Description Block
    (link type Ethernet, ``if_tsresol`` 6: microseconds) and one Enhanced Packet Block
    per packet (draft-ietf-opsawg-pcapng sections 4.1, 4.2, 4.3), little-endian.
    """
    frames = tcp_frames(pdus, **options)
    count = 0
    end_of_options = b"\x00\x00\x00\x00"
    with open(path, "wb") as f:
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + _pcapng_option(
            4, f"lawful-intercept {__version__}".encode()
        ) + end_of_options
        f.write(_pcapng_block(0x0A0D0D0A, shb))
        idb = struct.pack("<HHI", LinkType.ETHERNET, 0, _SNAPLEN) + _pcapng_option(
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
