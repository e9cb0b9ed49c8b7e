"""Files of handover PDUs: raw BER, pcap/pcapng captures (written and read back, and checked
with Wireshark's tshark when it is installed) and JSON (Lines)."""

from __future__ import annotations

import itertools
import json
import math
import random
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import EncodeError
from lawful_intercept.ber import read_tlv_full
from lawful_intercept.files import (
    CapturedPDU,
    TcpFlow,
    from_json,
    pdu_to_json,
    read_ber,
    read_pcap,
    to_json,
    write_ber,
    write_jsonl,
    write_pcap,
    write_pcapng,
)
from lawful_intercept.files._pcap_write import PacketBuilder
from lawful_intercept.stream import FramingError
from lawful_intercept.testing import values

SPEC = lawful_intercept.bundled()
TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")
FLOW = TcpFlow("192.0.2.1", 49152, "192.0.2.2", 50000)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
T0 = 1_700_000_000.0


def ps_pdu(seq: int, payload: bytes = b"\x45" + bytes(40)) -> dict[str, Any]:
    return {
        "pSHeader": {
            "li-psDomainId": "0.4.0.2.2.5.1.43",
            "lawfulInterceptionIdentifier": b"LIID-42",
            "communicationIdentifier": {
                "networkIdentifier": {"operatorIdentifier": b"op-1"},
                "communicationIdentityNumber": 7,
            },
            "sequenceNumber": seq,
        },
        "payload": ("cCPayloadSequence", [{"cCContents": ("iPCC", {
            "iPCCObjId": "5.3.18.2", "iPCCContents": ("iPPackets", payload)})}]),
    }


def encoded(n: int, size: int = 41) -> list[bytes]:
    return [SPEC.encode("PS-PDU", ps_pdu(i, bytes([i % 256]) * size)) for i in range(n)]


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="li-files-") as d:
        yield Path(d)


# ---------------------------------------------------------------------------------------------
# A minimal classic pcap reader/writer for building test captures
# ---------------------------------------------------------------------------------------------


def pcap_records(path: Path) -> tuple[int, list[tuple[int, int, bytes]]]:
    """(link type, [(seconds, microseconds, frame)]) of a little-endian µs pcap file."""
    data = path.read_bytes()
    magic, _, _, _, _, _, linktype = struct.unpack_from("<IHHiIII", data)
    assert magic == 0xA1B2C3D4
    pos = 24
    records = []
    while pos < len(data):
        sec, usec, caplen, origlen = struct.unpack_from("<IIII", data, pos)
        assert caplen == origlen
        records.append((sec, usec, data[pos + 16 : pos + 16 + caplen]))
        pos += 16 + caplen
    return linktype, records


def write_records(
    path: Path, linktype: int, records: list[tuple[int, int, bytes]], *,
    big_endian: bool = False, nanoseconds: bool = False,
) -> None:
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, frame in records:
            fraction = usec * 1000 if nanoseconds else usec
            f.write(struct.pack(order + "IIII", sec, fraction, len(frame), len(frame)))
            f.write(frame)


def tcp_of(frame: bytes) -> tuple[int, int, bytes]:
    """(sequence number, flags, payload) of an Ethernet/IPv4/TCP frame written here."""
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    tcp = ip[ihl : int.from_bytes(ip[2:4], "big")]
    return struct.unpack_from("!I", tcp, 4)[0], tcp[13], tcp[(tcp[12] >> 4) * 4 :]


def ones_complement_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


# ---------------------------------------------------------------------------------------------
# Raw BER
# ---------------------------------------------------------------------------------------------


def test_ber_round_trip(workdir: Path) -> None:
    pdus = encoded(20, 300)
    # A non-minimal and an indefinite-length PDU as well.
    pdus.append(b"\x30\x82\x00\x00")
    start, stop = read_tlv_full(pdus[0], 0)[3:5]
    pdus.append(b"\x30\x80" + pdus[0][start:stop] + b"\x00\x00")
    path = workdir / "pdus.ber"
    assert write_ber(path, pdus) == len(pdus)
    assert path.read_bytes() == b"".join(pdus)
    got = list(read_ber(path, chunk_size=7))
    assert [p.raw for p in got] == pdus
    assert [p.offset for p in got] == list(itertools.accumulate([0] + [len(p) for p in pdus]))[
        :-1
    ]
    decoded = list(read_ber(path, SPEC))
    assert [p.value for p in decoded[:20]] == [ps_pdu(i, bytes([i]) * 300) for i in range(20)]
    assert decoded[20].error is not None  # an empty SEQUENCE is no PS-PDU
    assert decoded[21].value == ps_pdu(0, bytes(300))


def test_ber_truncated_file(workdir: Path) -> None:
    pdus = encoded(3)
    path = workdir / "cut.ber"
    path.write_bytes(b"".join(pdus)[:-5])
    got = []
    with pytest.raises(FramingError, match="stream ended inside a PDU") as info:
        for pdu in read_ber(path, SPEC, chunk_size=10):
            got.append(pdu.raw)
    assert got == pdus[:2]
    assert info.value.offset == len(pdus[0]) * 2


def test_ber_garbage_file(workdir: Path) -> None:
    pdus = encoded(2)
    path = workdir / "garbage.ber"
    path.write_bytes(b"".join(pdus) + b"\x00\x00" + b"".join(pdus))
    got = []
    with pytest.raises(FramingError) as info:
        for pdu in read_ber(path, chunk_size=1 << 20):
            got.append(pdu.raw)
    assert got == pdus  # those before the fault, even from the same chunk
    assert info.value.offset == len(pdus[0]) * 2
    empty = workdir / "empty.ber"
    empty.write_bytes(b"")
    assert list(read_ber(empty)) == []


# ---------------------------------------------------------------------------------------------
# Writing captures
# ---------------------------------------------------------------------------------------------


def check_frames(records: list[tuple[int, int, bytes]], mss: int) -> bytes:
    """Check handshake, checksums, sequence numbers and FINs; return the client's stream."""
    stream = bytearray()
    flags_seen = []
    next_seq: int | None = None
    for _, _, frame in records:
        assert frame[12:14] == b"\x08\x00"
        ip = frame[14:]
        assert ones_complement_sum(ip[:20]) == 0xFFFF  # IPv4 header checksum (RFC 791)
        total = int.from_bytes(ip[2:4], "big")
        assert total == len(ip)
        tcp = ip[20:total]
        pseudo = ip[12:20] + struct.pack("!xBH", 6, len(tcp))
        assert ones_complement_sum(pseudo + tcp) == 0xFFFF  # TCP checksum (RFC 9293 3.1)
        seq, flags, payload = tcp_of(frame)
        flags_seen.append(flags)
        assert len(payload) <= mss
        if ip[12:16] == bytes([192, 0, 2, 1]):
            if next_seq is not None:
                assert seq == next_seq
            next_seq = (seq + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF
            stream += payload
    assert flags_seen[:3] == [0x02, 0x12, 0x10]  # SYN, SYN-ACK, ACK
    assert flags_seen[-3:] == [0x11, 0x11, 0x10]  # FIN-ACK, FIN-ACK, ACK
    return bytes(stream)


@pytest.mark.parametrize("coalesce", [False, True])
def test_pcap_packets(workdir: Path, coalesce: bool) -> None:
    pdus = encoded(5, 3000) + encoded(10, 10)
    path = workdir / "p.pcap"
    count = write_pcap(path, pdus, start=T0, coalesce=coalesce)
    linktype, records = pcap_records(path)
    assert linktype == 1 and len(records) == count
    assert check_frames(records, 1460) == b"".join(pdus)
    sizes = [len(tcp_of(r[2])[2]) for r in records]
    if coalesce:  # full segments except the last one
        data = [s for s in sizes if s]
        assert all(s == 1460 for s in data[:-1])
    else:  # every PDU starts a segment
        assert sum(1 for s in sizes if s) == 5 * 3 + 10


def test_timestamps(workdir: Path) -> None:
    pdus = encoded(4)
    stamps: list[float | datetime] = [
        T0,
        datetime.fromtimestamp(T0 + 1.5, UTC),
        datetime.fromtimestamp(T0 + 1.5, UTC).astimezone(timezone(timedelta(hours=2))),
        T0 + 7.000001,
    ]
    path = workdir / "t.pcap"
    write_pcap(path, pdus, timestamps=stamps)
    expected = [0, 1.5, 1.5, 7.000001]
    assert [round(p.timestamp - T0, 6) for p in read_pcap(path)] == expected
    _, records = pcap_records(path)
    assert records[0][:2] == (int(T0) - 1, 999_700)  # the SYN, 300 µs before the first PDU
    write_pcapng(path, pdus, timestamps=stamps)
    assert [round(p.timestamp - T0, 6) for p in read_pcap(path)] == expected
    # Without timestamps: 1 ms apart from `start`.
    write_pcap(path, pdus, start=datetime.fromtimestamp(T0, UTC))
    assert [round(p.timestamp - T0, 6) for p in read_pcap(path)] == [0, 0.001, 0.002, 0.003]


def test_bad_capture_arguments(workdir: Path) -> None:
    path = workdir / "never.pcap"
    pdus = encoded(2)
    for kwargs in (
        {"timestamps": [T0]},
        {"timestamps": [T0 + 1, T0]},
        {"mss": 0},
        {"mss": 65496},
        {"port": 0},
        {"client": "2001:db8::1"},
        {"timestamps": [float("nan"), T0]},
    ):
        with pytest.raises(ValueError):
            write_pcap(path, pdus, **kwargs)  # type: ignore[arg-type]
        assert not path.exists()
    with pytest.raises(ValueError):  # a generator: found out at its end
        write_pcap(path, (p for p in pdus), timestamps=[T0, T0, T0])


def test_empty_connection(workdir: Path) -> None:
    path = workdir / "empty.pcap"
    assert write_pcap(path, [], start=T0) == 6
    assert list(read_pcap(path)) == []


# ---------------------------------------------------------------------------------------------
# Reading captures back
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(
    pdus=st.lists(values(SPEC, "PS-PDU", max_depth=5), min_size=1, max_size=5),
    mss=st.sampled_from([1, 7, 100, 1460]),
    coalesce=st.booleans(),
    ng=st.booleans(),
    v6=st.booleans(),
)
def test_capture_round_trip(
    pdus: list[Any], mss: int, coalesce: bool, ng: bool, v6: bool
) -> None:
    data = [SPEC.encode("PS-PDU", v) for v in pdus]
    addresses = {"client": "2001:db8::1", "server": "2001:db8::2"} if v6 else {}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.pcap"
        writer = write_pcapng if ng else write_pcap
        writer(path, data, port=5000, mss=mss, coalesce=coalesce, start=T0, **addresses)
        got = list(read_pcap(path, SPEC))
    assert [p.raw for p in got] == data
    assert [p.value for p in got] == pdus
    assert [p.offset for p in got] == list(itertools.accumulate([0] + [len(x) for x in data]))[
        :-1
    ]
    src, dst = ("2001:db8::1", "2001:db8::2") if v6 else ("192.0.2.1", "192.0.2.2")
    assert {p.flow for p in got} == {TcpFlow(src, 49152, dst, 5000)}
    assert all(isinstance(p, CapturedPDU) for p in got)


def segment_frames(
    builder: PacketBuilder, stream: bytes, rnd: random.Random, client_isn: int = (1 << 32) - 200
) -> list[bytes]:
    """Handshake and the stream cut at random points, then disordered like a real network:
    neighbours swapped, segments duplicated, and retransmissions that repacketize
    (overlapping the end of one segment and the start of the next)."""
    frames = [builder.frame(True, client_isn, 0, 0x02),
              builder.frame(False, 7, client_isn + 1, 0x12),
              builder.frame(True, client_isn + 1, 8, 0x10)]
    cuts = sorted({0, len(stream), *(rnd.randrange(len(stream)) for _ in range(20))})
    data = []
    for a, b in itertools.pairwise(cuts):
        seq = client_isn + 1 + a  # wraps past 2**32: the frames mask it
        data.append(builder.frame(True, seq, 8, 0x18, stream[a:b]))
        if rnd.random() < 0.2:
            data.append(data[-1])  # duplicate
        if rnd.random() < 0.2 and b < len(stream):  # overlapping retransmission
            lo = max(0, a - rnd.randrange(5))
            hi = min(len(stream), b + rnd.randrange(1, 9))
            data.append(builder.frame(True, client_isn + 1 + lo, 8, 0x18, stream[lo:hi]))
    for i in range(len(data) - 1):
        if rnd.random() < 0.3:
            data[i], data[i + 1] = data[i + 1], data[i]
    end = client_isn + 1 + len(stream)
    return frames + data + [builder.frame(True, end, 8, 0x11)]


@settings(max_examples=40, deadline=None)
@given(rnd=st.randoms(use_true_random=False), n=st.integers(1, 6))
def test_reassembly_of_a_disordered_capture(rnd: random.Random, n: int) -> None:
    pdus = encoded(n, rnd.randrange(1, 200))
    stream = b"".join(pdus)
    builder = PacketBuilder("192.0.2.1", "192.0.2.2", 49152, 50000, 1460)
    frames = segment_frames(builder, stream, rnd)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.pcap"
        write_records(path, 1, [(int(T0), i, f) for i, f in enumerate(frames)])
        got = list(read_pcap(path, SPEC))
    assert [p.raw for p in got] == pdus
    assert all(p.error is None for p in got)


def test_missing_segment(workdir: Path) -> None:
    pdus = encoded(3, 2000)
    path = workdir / "m.pcap"
    write_pcap(path, pdus, start=T0)
    linktype, records = pcap_records(path)
    data = [i for i, r in enumerate(records) if tcp_of(r[2])[2]]
    del records[data[1]]  # the second data segment was not captured
    write_records(path, linktype, records)
    with pytest.raises(FramingError, match="missing from the capture") as info:
        list(read_pcap(path))
    assert "192.0.2.1:49152 -> 192.0.2.2:50000" in str(info.value)
    assert info.value.offset == 1460


def test_capture_without_handshake_or_fin(workdir: Path) -> None:
    pdus = encoded(4, 2000)  # two segments and an ACK each
    path = workdir / "h.pcap"
    write_pcap(path, pdus, start=T0)
    linktype, records = pcap_records(path)
    write_records(path, linktype, records[3:-3])
    assert [p.raw for p in read_pcap(path, SPEC)] == pdus
    # Stopped inside a PDU: the complete ones come first, then the error.
    write_records(path, linktype, records[:7])
    got = []
    with pytest.raises(FramingError, match="stream ended inside a PDU"):
        for p in read_pcap(path, SPEC, port=50000):
            got.append(p.raw)
    assert got == pdus[:1]


def test_both_directions_other_flows_and_port_filter(workdir: Path) -> None:
    pdus = encoded(3)
    answers = encoded(2, 5)  # e.g. keep-alive responses from the LEMF
    li = PacketBuilder("192.0.2.1", "192.0.2.2", 49152, 50000, 1460)
    web = PacketBuilder("192.0.2.1", "192.0.2.80", 40000, 80, 1460)
    frames = [li.frame(True, 100, 0, 0x02), web.frame(True, 5, 0, 0x02),
              li.frame(False, 900, 101, 0x12), li.frame(True, 101, 901, 0x10)]
    seq, back = 101, 901
    for i, p in enumerate(pdus):
        frames.append(li.frame(True, seq, back, 0x18, p))
        seq += len(p)
        if i < len(answers):
            frames.append(web.frame(True, 6 + 20 * i, 1, 0x18, b"GET /index.html HTTP"))
            frames.append(li.frame(False, back, seq, 0x18, answers[i]))
            back += len(answers[i])
    path = workdir / "both.pcap"
    write_records(path, 1, [(int(T0), i, f) for i, f in enumerate(frames)])
    got = list(read_pcap(path, SPEC, port=50000))
    assert [p.raw for p in got] == [pdus[0], answers[0], pdus[1], answers[1], pdus[2]]
    reverse = TcpFlow("192.0.2.2", 50000, "192.0.2.1", 49152)
    assert [p.flow for p in got] == [FLOW, reverse, FLOW, reverse, FLOW]
    assert [p.offset for p in got if p.flow == reverse] == [0, len(answers[0])]
    # Without the filter the web flow is framed too, and is no PS-PDU stream.
    with pytest.raises(FramingError, match=r"192\.0\.2\.80:80"):
        list(read_pcap(path, SPEC))


def test_new_connection_on_the_same_ports(workdir: Path) -> None:
    first, second = encoded(2), encoded(3, 9)
    path1, path2 = workdir / "one.pcap", workdir / "two.pcap"
    write_pcap(path1, first, start=T0)
    write_pcap(path2, second, start=T0 + 10)
    linktype, records1 = pcap_records(path1)
    _, records2 = pcap_records(path2)
    # The second connection reuses the ports and even the initial sequence numbers.
    path = workdir / "reuse.pcap"
    write_records(path, linktype, records1 + records2)
    got = list(read_pcap(path, SPEC))
    assert [p.raw for p in got] == first + second
    assert [p.offset for p in got][2] == 0


LINK_VARIANTS = {
    "raw": (101, lambda f: f[14:]),
    "ipv4": (228, lambda f: f[14:]),
    "null": (0, lambda f: struct.pack("<I", 2) + f[14:]),
    "loop": (108, lambda f: struct.pack(">I", 2) + f[14:]),
    "sll": (113, lambda f: bytes(14) + b"\x08\x00" + f[14:]),
    "sll2": (276, lambda f: b"\x08\x00" + bytes(18) + f[14:]),
    "vlan": (1, lambda f: f[:12] + b"\x81\x00\x00\x05" + f[12:]),
}


@pytest.mark.parametrize("variant", sorted(LINK_VARIANTS))
@pytest.mark.parametrize(("big_endian", "nanoseconds"), [(False, False), (True, True)])
def test_link_types_and_pcap_variants(
    workdir: Path, variant: str, big_endian: bool, nanoseconds: bool
) -> None:
    pdus = encoded(3, 2000)
    path = workdir / f"{variant}.pcap"
    write_pcap(path, pdus, start=T0 + 0.25)
    _, records = pcap_records(path)
    linktype, convert = LINK_VARIANTS[variant]
    write_records(path, linktype, [(s, u, convert(f)) for s, u, f in records],
                  big_endian=big_endian, nanoseconds=nanoseconds)
    got = list(read_pcap(path, SPEC))
    assert [p.raw for p in got] == pdus
    assert got[0].timestamp == T0 + 0.25


def test_not_a_capture(workdir: Path) -> None:
    path = workdir / "x.pcap"
    path.write_bytes(b"hello world, not a capture")
    with pytest.raises(ValueError, match="not a pcap"):
        list(read_pcap(path))
    write_records(path, 147, [])  # LINKTYPE_USER0
    with pytest.raises(ValueError, match="link type 147"):
        list(read_pcap(path))


# ---------------------------------------------------------------------------------------------
# tshark
# ---------------------------------------------------------------------------------------------

WARNING = 0x600000  # expert severities: chat 0x200000, note 0x400000, warn, error 0x800000

LUA_SHIM = r"""
-- Hand TCP port %(port)d to the "%(name)s" dissector, one BER PDU at a time, asking TCP
-- for more data while a PDU is incomplete (so that tshark reassembles it).
local target = Dissector.get("%(name)s")
local shim = Proto("li_ber_stream", "BER PDUs over TCP (test shim)")

local function ber_len(tvb, off)
  local n = tvb:len()
  local p = off
  if p >= n then return nil end
  local first = tvb(p, 1):uint(); p = p + 1
  if bit32.band(first, 0x1f) == 0x1f then
    repeat
      if p >= n then return nil end
      local b = tvb(p, 1):uint(); p = p + 1
    until bit32.band(b, 0x80) == 0
  end
  if p >= n then return nil end
  local lb = tvb(p, 1):uint(); p = p + 1
  if lb == 0x80 then
    while true do
      if p + 2 > n then return nil end
      if tvb(p, 2):uint() == 0 then return p + 2 - off end
      local c = ber_len(tvb, p)
      if c == nil then return nil end
      p = p + c
    end
  elseif lb > 0x80 then
    local k = lb - 0x80
    if p + k > n then return nil end
    local len = 0
    for i = 0, k - 1 do len = len * 256 + tvb(p + i, 1):uint() end
    return p + k + len - off
  end
  return p + lb - off
end

function shim.dissector(tvb, pinfo, tree)
  local n = tvb:len()
  local off = 0
  while off < n do
    local len = ber_len(tvb, off)
    if len == nil or off + len > n then
      pinfo.desegment_offset = off
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      return n
    end
    target:call(tvb(off, len):tvb(), pinfo, tree)
    off = off + len
  end
  return n
end

DissectorTable.get("tcp.port"):add(%(port)d, shim)
"""


def tshark(*args: str) -> str:
    assert TSHARK is not None
    result = subprocess.run(
        [TSHARK, "-n", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", *args],
        capture_output=True, text=True, timeout=60,
    )
    errors = [line for line in result.stderr.splitlines() if "Running as user" not in line]
    assert result.returncode == 0 and not errors, result.stderr
    return result.stdout


@needs_tshark
@pytest.mark.parametrize("ng", [False, True])
@pytest.mark.parametrize("coalesce", [False, True])
def test_tshark_reads_the_capture_cleanly(workdir: Path, ng: bool, coalesce: bool) -> None:
    path = workdir / ("clean.pcapng" if ng else "clean.pcap")
    pdus = encoded(3, 3000) + encoded(5, 10)
    count = (write_pcapng if ng else write_pcap)(path, pdus, start=T0, coalesce=coalesce)
    out = tshark("-r", str(path), "-T", "fields", "-E", "separator=/t", "-e", "frame.number",
                 "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                 "-e", "_ws.expert.severity", "-e", "_ws.expert.message", "-e", "_ws.malformed",
                 "-e", "tcp.analysis.flags")
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == count
    for number, ip_ok, tcp_ok, severities, messages, malformed, analysis in rows:
        assert ip_ok == "1" and tcp_ok == "1", number  # 1: checksum good
        worst = max((int(s) for s in severities.split(",") if s), default=0)
        assert worst < WARNING, (number, messages)
        assert not malformed and not analysis, number


def xiri_events() -> list[tuple[str, dict[str, Any]]]:
    """xIRI events of the 5G core with the fields TS 33.128 V17.1 (tshark 4.0) knows.

    Restriction: nothing added to these records after V17.1 (for instance AMFRegistration's
    rATType [18], which tshark 4.0 reports as beyond its sequence definition).
    """
    plmn = {"mCC": "262", "mNC": "01"}
    supi = ("iMSI", "262011234567890")
    pei = ("iMEI", "35693803564380")
    gpsi = ("mSISDN", "491711234567")
    location = {"locationInfo": {"userLocation": {"nRLocation": {
        "tAI": {"pLMNID": plmn, "tAC": b"\x00\x10\x01"},
        "nCGI": {"pLMNID": plmn, "nRCellID": (bytes.fromhex("0123456780"), 36)},
    }}}}
    amf = {"aMFRegionID": 1, "aMFSetID": 2, "aMFPointer": 3}
    guti = {"mCC": "262", "mNC": "01", **amf, "fiveGTMSI": 0x12345678}
    return [
        ("registration", {
            "registrationType": "initial", "registrationResult": "threeGPPAccess",
            "sUPI": supi, "pEI": pei, "gPSI": gpsi, "gUTI": guti, "location": location}),
        ("pDUSessionEstablishment", {
            "sUPI": supi, "pEI": pei, "gPSI": gpsi, "pDUSessionID": 5,
            "gTPTunnelID": {"tEID": 0x1000, "iPv4Address": bytes([198, 51, 100, 1])},
            "pDUSessionType": "iPv4", "sNSSAI": {"sliceServiceType": 1},
            "uEEndpoint": [("iPv4Address", bytes([10, 45, 0, 2]))], "location": location,
            "dNN": "internet", "aMFID": amf, "requestType": "initialRequest",
            "accessType": "threeGPPAccess", "rATType": "nR"}),
        ("pDUSessionModification", {
            "sUPI": supi, "gPSI": gpsi, "requestType": "modificationRequest",
            "accessType": "threeGPPAccess", "rATType": "nR", "pDUSessionID": 5}),
        ("locationUpdate", {"sUPI": supi, "pEI": pei, "location": location}),
        ("pDUSessionRelease", {
            "sUPI": supi, "pEI": pei, "gPSI": gpsi, "pDUSessionID": 5,
            "uplinkVolume": 123456, "downlinkVolume": 654321, "location": location}),
        ("deregistration", {
            "deregistrationDirection": "uEInitiated", "accessType": "threeGPPAccess",
            "sUPI": supi, "pEI": pei, "gPSI": gpsi, "cause": 9}),
    ]


def pdml_problems(element: ET.Element) -> list[str]:
    """Malformed packets, expert infos of severity warning or error, and bytes that no
    dissector took, in tshark's PDML."""
    problems = []
    for field in element.iter("field"):
        name = field.get("name", "")
        if name.startswith("_ws.malformed"):
            problems.append(f"malformed: {field.get('showname')}")
        elif name == "_ws.expert":
            severity = field.find("field[@name='_ws.expert.severity']")
            if severity is not None and int(severity.get("show", "0")) >= WARNING:
                problems.append(f"expert: {field.get('showname')}")
        elif name == "data" or name.startswith("ber.unknown"):
            problems.append(f"not decoded: {field.get('showname')}")
    return problems


@needs_tshark
@pytest.mark.parametrize(("ng", "coalesce", "mss"), [(False, False, 1460), (False, True, 64),
                                                     (True, False, 50), (True, True, 100)])
def test_tshark_decodes_xiri_pdus_in_the_capture(
    workdir: Path, ng: bool, coalesce: bool, mss: int
) -> None:
    """The acceptance point: 3GPP TS 33.128 xIRI PDUs in our capture, reassembled and
    decoded by tshark's own xIRI dissector without any problem."""
    port = 41000
    events = xiri_events()
    pdus = [SPEC.encode("XIRIPayload", {"xIRIPayloadOID": "4.19.17.1.1", "event": e})
            for e in events]
    path = workdir / ("xiri.pcapng" if ng else "xiri.pcap")
    (write_pcapng if ng else write_pcap)(path, pdus, port=port, mss=mss, coalesce=coalesce,
                                         start=T0)
    assert [p.value["event"] for p in read_pcap(path, SPEC, "XIRIPayload")] == events
    shim = workdir / "shim.lua"
    shim.write_text(LUA_SHIM % {"port": port, "name": "xiri"}, encoding="utf-8")
    root = ET.fromstring(tshark("-r", str(path), "-X", f"lua_script:{shim}", "-T", "pdml"))
    payloads = [f for f in root.iter("field") if f.get("name") == "lix2.XIRIPayload_element"]
    assert len(payloads) == len(pdus)
    problems = pdml_problems(root)
    assert not problems, problems
    assert [f.get("showname", "").split(": ")[1].split(" ")[0] for f in root.iter("field")
            if f.get("name") == "lix2.event"] == [name for name, _ in events]
    for payload, size in zip(payloads, map(len, pdus), strict=True):
        assert int(payload.get("size", "0")) == size  # the whole PDU, reassembled
        shown = {(f.get("name"), f.get("show")) for f in payload.iter("field")}
        assert ("lix2.iMSI", "262011234567890") in shown
        assert ("lix2.xIRIPayloadOID", ".4.19.17.1.1") in shown
    shown = {(f.get("name"), f.get("show")) for f in root.iter("field")}
    assert {("lix2.iMEI", "35693803564380"), ("lix2.mSISDN", "491711234567"),
            ("lix2.dNN", "internet"), ("lix2.uplinkVolume", "123456")} <= shown


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

JSON_TYPES = [
    "PS-PDU",
    "XIRIPayload",
    "TS33128Payloads.IRIPayload",
    "LINotificationPayload",
    "IRIsContent",
    "UmtsIRIsContent",
    "CdcPdu",
    "LAESProtocol",
]

ALL_KINDS = lawful_intercept.compile_string("""
AllKinds DEFINITIONS IMPLICIT TAGS ::= BEGIN
  All ::= SEQUENCE {
    b     [0] BOOLEAN OPTIONAL,
    i     [1] INTEGER OPTIONAL,
    e     [2] ENUMERATED { red(0), green(1), ... } OPTIONAL,
    r     [3] REAL OPTIONAL,
    n     [4] NULL OPTIONAL,
    bs    [5] BIT STRING OPTIONAL,
    bsf   [6] BIT STRING (SIZE (12)) OPTIONAL,
    named [7] BIT STRING { x(0), y(3) } OPTIONAL,
    os    [8] OCTET STRING OPTIONAL,
    oid   [9] OBJECT IDENTIFIER OPTIONAL,
    roid  [10] RELATIVE-OID OPTIONAL,
    ut    [11] UTCTime OPTIONAL,
    gt    [12] GeneralizedTime OPTIONAL,
    u8    [13] UTF8String OPTIONAL,
    ps    [14] PrintableString OPTIONAL,
    ia    [15] IA5String OPTIONAL,
    bmp   [16] BMPString OPTIONAL,
    uni   [17] UniversalString OPTIONAL,
    vis   [18] VisibleString OPTIONAL,
    num   [19] NumericString OPTIONAL,
    ch    [20] CHOICE { x [0] INTEGER, y [1] All } OPTIONAL,
    sq    [21] SEQUENCE OF All OPTIONAL,
    so    [22] SET OF INTEGER OPTIONAL,
    any   [23] ANY OPTIONAL,
    s     [24] SET { p [0] INTEGER, q [1] BOOLEAN DEFAULT TRUE } OPTIONAL
  }
END
""")


def json_round_trip(spec: lawful_intercept.Specification, name: str, value: Any) -> None:
    text = json.dumps(to_json(value), allow_nan=False)
    back = from_json(json.loads(text), spec, name)
    assert back == value
    assert spec.encode(name, back) == spec.encode(name, value)


@pytest.mark.parametrize("type_name", JSON_TYPES)
@SETTINGS
@given(data=st.data())
def test_json_round_trip_bundled(type_name: str, data: st.DataObject) -> None:
    json_round_trip(SPEC, type_name, data.draw(values(SPEC, type_name, max_depth=5)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values(ALL_KINDS, "All", max_depth=3))
def test_json_round_trip_every_kind(value: Any) -> None:
    json_round_trip(ALL_KINDS, "All", value)


def test_json_mapping() -> None:
    value = {
        "b": True, "i": -(1 << 70), "e": "green", "r": 1.5, "n": None,
        "bs": (b"\xa0", 3), "os": b"\x00\xff", "oid": "1.2.840.10045",
        "gt": datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC),
        "ut": datetime(2024, 5, 1, 12, 30, 15),
        "ch": ("y", {"n": None}), "sq": [{"i": 1}], "any": b"\x05\x00",
    }
    assert to_json(value) == {
        "b": True, "i": -(1 << 70), "e": "green", "r": 1.5, "n": None,
        "bs": {"value": "a0", "length": 3}, "os": "00ff", "oid": "1.2.840.10045",
        "gt": "2024-05-01T12:30:15.250000+00:00", "ut": "2024-05-01T12:30:15",
        "ch": {"y": {"n": None}}, "sq": [{"i": 1}], "any": "0500",
    }
    assert from_json(to_json(value), ALL_KINDS, "All") == value


def test_json_special_reals() -> None:
    for number, text in ((math.inf, "INF"), (-math.inf, "-INF"), (-0.0, "-0")):
        assert to_json(number) == text
        back = from_json({"r": text}, ALL_KINDS, "All")["r"]
        assert back == number and math.copysign(1, back) == math.copysign(1, number)
    assert to_json(math.nan) == "NaN"
    assert math.isnan(from_json({"r": "NaN"}, ALL_KINDS, "All")["r"])
    assert from_json({"r": 2}, ALL_KINDS, "All") == {"r": 2.0}


@pytest.mark.parametrize(
    ("obj", "path", "words"),
    [
        ({"zz": 1}, "All", "unknown member 'zz'"),
        ({"i": "1"}, "All.i", "expected a number"),
        ({"i": True}, "All.i", "expected a number"),
        ({"os": "xyz"}, "All.os", "not a hexadecimal"),
        ({"ch": {"x": 1, "y": {}}}, "All.ch", "one member"),
        ({"ch": {"z": 1}}, "All.ch", "not an alternative"),
        ({"sq": [{"i": 1}, {"i": "x"}]}, "All.sq[1].i", "expected a number"),
        ({"bs": "a0"}, "All.bs", "BIT STRING"),
        ({"bs": {"value": "a0"}}, "All.bs", "BIT STRING"),
        ({"gt": "yesterday"}, "All.gt", "ISO 8601"),
        ({"n": 0}, "All.n", "null"),
        ({"r": "inf"}, "All.r", "REAL"),
        ({"e": 1}, "All.e", "a string"),
        ([], "All", "an object"),
    ],
)
def test_from_json_errors(obj: Any, path: str, words: str) -> None:
    with pytest.raises(EncodeError) as info:
        from_json(obj, ALL_KINDS, "All")
    assert info.value.path == path
    assert words in info.value.message


def test_to_json_refuses_other_objects() -> None:
    with pytest.raises(TypeError):
        to_json({1, 2})
    with pytest.raises(TypeError):
        to_json((1, 2, 3))


def test_write_jsonl(workdir: Path) -> None:
    pdus = [*encoded(3), b"\x30\x03\x02\x01\x01"]
    ber = workdir / "j.ber"
    write_ber(ber, pdus)
    out = workdir / "j.jsonl"
    assert write_jsonl(out, read_ber(ber, SPEC)) == 4
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["offset"] for r in records] == [0, len(pdus[0]), 2 * len(pdus[0]), 3 * len(pdus[0])]
    assert [r["length"] for r in records] == [len(p) for p in pdus]
    for record, data in zip(records[:3], pdus, strict=False):
        assert "raw" not in record and "error" not in record
        assert SPEC.encode("PS-PDU", from_json(record["value"], SPEC, "PS-PDU")) == data
    assert "value" not in records[3]
    assert records[3]["raw"] == "3003020101" and "PS-PDU" in records[3]["error"]
    # Without a specification: framing only, the octets in hex.
    write_jsonl(out, read_ber(ber), include_raw=True)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["raw"] for r in records] == [p.hex() for p in pdus]
    assert all(r["value"] is None for r in records)


def test_jsonl_of_captured_pdus(workdir: Path) -> None:
    pdus = encoded(2)
    path = workdir / "j.pcap"
    write_pcap(path, pdus, timestamps=[T0, T0 + 1])
    records = [pdu_to_json(p) for p in read_pcap(path, SPEC)]
    assert records[1]["flow"] == {"src": "192.0.2.1", "sport": 49152, "dst": "192.0.2.2",
                                  "dport": 50000}
    assert records[1]["time"] == T0 + 1
    assert json.loads(json.dumps(records)) == records
