"""``lawful-intercept decode --type X2X3 FILE [--json]``: raw X2/X3 streams and captures."""

from __future__ import annotations

import ipaddress
import json
import uuid
from pathlib import Path

import pytest

from lawful_intercept.cli import main
from lawful_intercept.files import write_pcap, write_pcapng
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    PayloadFormat,
    PDUType,
    Timestamp,
    encode_pdu,
    encode_pdus,
    keepalive,
    keepalive_ack,
)

XID = uuid.UUID("0f6b8a6e-3d0c-4c1e-9f4b-2a7e1d5c9b01")


def sip(n: int) -> X2X3PDU:
    return X2X3PDU(PDUType.X2, XID, 77, b"INVITE sip:bob@example.com SIP/2.0\r\n\r\n",
                   PayloadFormat.SIP_MESSAGE, 3, (
                       Attribute(AttributeType.SEQUENCE_NUMBER, n),
                       Attribute(AttributeType.TIMESTAMP, Timestamp(1_800_000_000, 5)),
                       Attribute(AttributeType.SOURCE_IPV6_ADDRESS,
                                 ipaddress.IPv6Address("2001:db8::1")),
                       Attribute(300, b"\xca\xfe"),
                   ))


def rtp(n: int) -> X2X3PDU:
    return X2X3PDU(PDUType.X3, XID, 77, bytes([0x80, 0x00]) + bytes(10), PayloadFormat.RTP_PACKET,
                   2, (Attribute(AttributeType.SEQUENCE_NUMBER, n),))


STREAM = [sip(0), rtp(1), keepalive(5), rtp(2)]


def decode(capsys: pytest.CaptureFixture[str], path: Path | str, *more: str
           ) -> tuple[int, list[dict[str, object]], str]:
    code = main(["decode", "--type", "X2X3", str(path), "--json", *more])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_raw_stream_to_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x2x3.bin"
    path.write_bytes(encode_pdus(STREAM))
    code, records, _ = decode(capsys, path)
    assert code == 0
    assert [r["pdu_type"] for r in records] == ["X2", "X3", "keepalive", "X3"]
    first = records[0]
    assert first["version"] == "0.5" and first["payload_format"] == 9
    assert first["payload_direction"] == 3 and first["xid"] == str(XID)
    assert first["correlation_id"] == 77 and first["offset"] == 0
    assert first["attributes"] == [
        {"type": 8, "name": "sequence_number", "value": 0},
        {"type": 9, "name": "timestamp", "value": "2027-01-15T08:00:00.000000005Z"},
        {"type": 12, "name": "source_ipv6_address", "value": "2001:db8::1"},
        {"type": 300, "name": "unknown", "value": "cafe"},
    ]
    assert bytes.fromhex(str(first["payload"])) == bytes(sip(0).payload)
    assert records[1]["offset"] == len(encode_pdu(sip(0)))


def test_lower_case_type_and_indented_output(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x2x3.bin"
    path.write_bytes(encode_pdu(rtp(9)))
    assert main(["decode", "--type", "x2x3", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\n  " in out and json.loads(out)["pdu_type"] == "X3"


@pytest.mark.parametrize("writer", [write_pcap, write_pcapng])
def test_capture_of_a_network_elements_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      writer: object) -> None:
    to_mf = tmp_path / "to-mf.pcap"
    writer(to_mf, [encode_pdu(p) for p in STREAM], coalesce=True)  # type: ignore[operator]
    code, records, _ = decode(capsys, to_mf)
    assert code == 0
    assert [r["pdu_type"] for r in records] == ["X2", "X3", "keepalive", "X3"]
    assert records[0]["flow"] == {"src": "192.0.2.1", "sport": records[0]["flow"]["sport"],  # type: ignore[index]
                                  "dst": "192.0.2.2", "dport": records[0]["flow"]["dport"]}  # type: ignore[index]
    assert isinstance(records[0]["time"], float)


def test_capture_skips_other_tcp_traffic(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "http.pcap"
    write_pcap(path, [b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"])
    code, records, err = decode(capsys, path)
    assert code == 0 and records == []
    assert "skipped, not X2/X3" in err and "pdu_type" in err


def test_ack_stream_decodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acks.bin"
    path.write_bytes(encode_pdu(keepalive_ack(keepalive(3))))
    code, records, _ = decode(capsys, path)
    assert code == 0 and records[0]["pdu_type"] == "keepalive_ack"
    assert records[0]["attributes"] == [{"type": 8, "name": "sequence_number", "value": 3}]


def test_malformed_stream_prints_pdus_before_then_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = bytearray(encode_pdu(rtp(2)))
    bad[42:44] = b"\x00\x05"  # the sequence number attribute claims 5 octets
    path = tmp_path / "bad.bin"
    path.write_bytes(encode_pdu(rtp(1)) + bytes(bad))
    code, records, err = decode(capsys, path)
    assert code == 1 and len(records) == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lawful-intercept: error:")
    assert "after 1 PDUs" in lines[0] and "attributes[0]" in lines[0]


def test_truncated_stream_and_missing_file(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.bin"
    path.write_bytes(encode_pdu(rtp(1))[:-3])
    code, records, err = decode(capsys, path)
    assert code == 1 and records == [] and "stream ended inside a PDU" in err
    code, _, err = decode(capsys, tmp_path / "missing.bin")
    assert code == 1 and "cannot read" in err
