"""The test LEMF's checks of the US formats: ATIS CC-APDU sequence numbers per content
identifier and CC correlation with ccOpen; PacketCable CCC packets per CCCID without a CDC
ccopen; the summary's list of checks that ran (all on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from _lemf_support import HOST, PACKET, SPEC, TIMEOUT, send
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.cli import main as cli_main
from lawful_intercept.lemf import Collector, LEMFThread
from lawful_intercept.records import (
    LAESRecords,
    PacketCableRecords,
    atis_correlation_id,
    ccc_packet,
    pc_call_id,
)

CC_APDU = "CCDeliveryHeaderModule.CC-APDU"
LAES = "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol"
VOICE = atis_correlation_id(b"\x00\xc0\xff\xee")


def laes() -> LAESRecords:
    return LAESRecords("CASE-1", "SBC-1", spec=SPEC)


def cc(records: LAESRecords, number: int, octet: int = 0) -> bytes:
    return records.cc_apdu(PACKET + bytes([octet]), correlation=VOICE, direction="toSubject",
                           sequence_number=number)


def judge(pdus: list[tuple[str, bytes]]) -> dict[str, Any]:
    collector = Collector(SPEC)
    for pdu_type, raw in pdus:
        collector.accept(raw, SPEC.decode(pdu_type, raw), pdu_type=pdu_type)
    return collector.summary()


def check(summary: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in summary["checks"] if c["check"] == name)


def test_atis_gaps_duplicates_and_cc_never_opened() -> None:
    """The issue's case: CC-APDUs numbered 0, 1, 5, 5 on a content identifier never opened."""
    records = laes()
    stream = [cc(records, 0), cc(records, 1), cc(records, 5), cc(records, 5, octet=1)]
    summary = judge([(CC_APDU, raw) for raw in stream])
    assert summary["sequence_gaps"] == 3 and summary["duplicates"] == 1
    assert summary["us"]["atis_sequence_gaps"] == 3
    assert summary["us"]["atis_sequence_duplicates"] == 1
    assert summary["gaps"][0]["missing"] == [[2, 4]]
    assert summary["uncorrelated_cc"] == 3
    assert check(summary, "atis_cc_sequence") == {
        "check": "atis_cc_sequence", "format": "atis", "ran": True, "checked": 4,
        "problems": 4, "passed": False}
    assert check(summary, "atis_cc_correlation")["passed"] is False


def test_atis_cc_after_its_ccopen_passes() -> None:
    records = laes()
    opened = records.cc_open(VOICE, 0x00C0FFEE)
    stream = [cc(records, n, octet=n) for n in range(5)]
    # The CC's connection may deliver before the IRI's: judged when the summary is made.
    summary = judge([(CC_APDU, stream[0]), (LAES, opened),
                     *((CC_APDU, raw) for raw in stream[1:])])
    assert summary["sequence_gaps"] == 0 and summary["uncorrelated_cc"] == 0
    assert summary["us"]["atis_cc_before_announcement"] == 1
    assert check(summary, "atis_cc_sequence")["passed"] is True
    assert check(summary, "atis_cc_correlation")["passed"] is True
    assert check(summary, "packetcable_ccc_correlation") == {
        "check": "packetcable_ccc_correlation", "format": "packetcable", "ran": False,
        "checked": 0, "problems": 0, "passed": None}


def test_unnumbered_atis_cc_is_not_judged_for_gaps() -> None:
    records = LAESRecords("CASE-1", "SBC-1", spec=SPEC, number_cc=False)
    stream = [records.cc_apdu(PACKET + bytes([n]), correlation=VOICE) for n in range(3)]
    summary = judge([(CC_APDU, raw) for raw in stream])
    assert summary["us"]["atis_unnumbered"] == 3
    assert check(summary, "atis_cc_sequence")["ran"] is False
    assert check(summary, "atis_cc_sequence")["passed"] is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=40))
def test_atis_numbers_counted_as_a_set_would(numbers: list[int]) -> None:
    records = laes()
    # Each PDU's octets differ (the payload), so only the sequence number makes a copy.
    stream = [(CC_APDU, cc(records, n, octet=i % 256)) for i, n in enumerate(numbers)]
    summary = judge(stream)
    distinct = set(numbers)
    assert summary["us"]["atis_sequence_gaps"] == max(numbers) + 1 - len(distinct)
    assert summary["us"]["atis_sequence_duplicates"] == len(numbers) - len(distinct)
    assert summary["records"] == len(distinct)


def test_packetcable_ccc_without_ccopen(tmp_path: Path) -> None:
    pc = PacketCableRecords("case-1", "df-1", spec=SPEC)
    opened = pc.ccopen(0x0000ABCD, pc_call_id("1", "sys-1"),
                       flow_direction="downstream-and-upstream")
    good = [ccc_packet(0xABCD, PACKET + bytes([n])) for n in range(3)]
    stray = [ccc_packet(7, PACKET + bytes([n])) for n in range(2)]
    with LEMFThread(tmp_path / "out", insecure_plain_tcp=True) as lemf:
        _, port = lemf.listen(pdu_type="CdcPdu")
        _, udp_port = lemf.listen_udp()
        send(port, None, opened)
        assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for packet in good + stray:
                udp.sendto(packet, (HOST, udp_port))
        assert lemf.wait_for(lambda s: s["records"] == 6, TIMEOUT)
        summary = lemf.summary()
    assert summary["uncorrelated_cc"] == 2
    assert summary["uncorrelated_communications"] == [
        {"format": "packetcable", "id": "00000007", "cc": 2}]
    assert summary["us"]["cdc_ccopens"] == 1 and summary["us"]["ccc_before_open"] == 2
    assert check(summary, "packetcable_ccc_correlation")["problems"] == 2
    with LEMFThread(tmp_path / "out", insecure_plain_tcp=True) as lemf:  # rebuilt on restart
        assert lemf.summary()["uncorrelated_cc"] == 2


def test_atis_over_a_connection(tmp_path: Path) -> None:
    records = laes()
    with LEMFThread(tmp_path / "out", insecure_plain_tcp=True) as lemf:
        _, port = lemf.listen(pdu_type=CC_APDU)
        send(port, None, b"".join([cc(records, 0), cc(records, 1), cc(records, 5),
                                   cc(records, 5, octet=1)]))
        assert lemf.wait_for(lambda s: s["received"] == 4, TIMEOUT)
        summary = lemf.summary()
    assert summary["sequence_gaps"] == 3 and summary["duplicates"] == 1
    assert summary["uncorrelated_cc"] == 3


@pytest.mark.parametrize("fmt", ["atis", "packetcable", "etsi"])
def test_the_demo_lists_the_checks_that_ran(tmp_path: Path, fmt: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status = cli_main(["demo", "--format", fmt, "--records", "60", "--json",
                       "--out", str(tmp_path / "demo")])
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert status == 0 and result["lost"] == 0
    ran = {c["check"] for c in result["checks"] if c["ran"]}
    expected = {"etsi": {"decoding", "etsi_sequence", "etsi_correlation"},
                "atis": {"decoding", "atis_cc_sequence", "atis_cc_correlation"},
                "packetcable": {"decoding", "packetcable_ccc_correlation"}}[fmt]
    assert expected <= ran
    assert all(c["passed"] is True for c in result["checks"] if c["ran"])
    assert all(c["passed"] is None for c in result["checks"] if not c["ran"])
    for c in result["checks"]:  # every check is printed with what it found
        line = next(x for x in out.splitlines() if f" {c['check']}:" in x)
        assert ("not run" in line) == (not c["ran"])
        assert ("passed" in line) == (c["passed"] is True)
