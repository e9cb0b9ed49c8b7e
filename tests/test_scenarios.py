"""The built-in scenarios: every PDU decodes as its type, the streams are correlated and
numbered as the standards ask, the packets are well-formed, and the output is reproducible."""

from __future__ import annotations

import struct
from collections import Counter, defaultdict
from typing import Any

import pytest
from _misuse import raises_misuse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.catalog import PS_PDU, TOP_LEVEL_TYPES
from lawful_intercept.correlation import Clock
from lawful_intercept.records import (
    CC_APDU,
    CDC_PDU,
    IAS_CC_APDU,
    IAS_PROTOCOL,
    LAES_PROTOCOL,
    parse_ccc_packet,
)
from lawful_intercept.scenarios import (
    CCC_PACKET,
    FORMATS,
    Format,
    ScenarioPDU,
    iter_scenario,
    minimum_records,
    pdu_type_for,
    pdu_types,
    scenario,
)

SPEC = lawful_intercept.bundled()
START = 1_764_504_000_123_456_789  # 2025-11-30T12:00:00.123456789Z


def _clock(start: int = START) -> Clock:
    return Clock(lambda: start)


def _decoded(pdus: list[ScenarioPDU]) -> list[Any]:
    return [SPEC.decode(p.pdu_type, p.pdu) if p.is_ber else None for p in pdus]


# -- every PDU decodes, counts ------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("records", [1, 10, 57, 200])
def test_every_pdu_decodes_as_its_type(name: Format, records: int) -> None:
    pdus = scenario(name, records=records, seed=3, clock=_clock())
    assert len(pdus) == max(records, minimum_records(name))
    for pdu in pdus:
        assert pdu.pdu_type in pdu_types(name, pdu.destination)
        if pdu.is_ber:
            SPEC.decode(pdu.pdu_type, pdu.pdu)  # raises if it does not
        else:
            assert pdu.pdu_type == CCC_PACKET
            assert parse_ccc_packet(pdu.pdu, "ES-DCI-C01").ccc_id == 0x00C0FFEE
    assert Counter(p.kind for p in pdus)["CC"] == len(pdus) - minimum_records(name)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FORMATS), records=st.integers(1, 120),
       seed=st.integers(-(2**70), 2**70))
def test_any_seed_and_size(name: Format, records: int, seed: int) -> None:
    pdus = scenario(name, records=records, seed=seed, clock=_clock())
    assert len(pdus) == max(records, minimum_records(name))
    values = _decoded(pdus)
    assert all(v is not None for v, p in zip(values, pdus, strict=True) if p.is_ber)
    times = [p.time for p in pdus]
    assert times == sorted(times) and times[0] == START
    if name == "etsi":
        _check_etsi_numbering(values)


def test_types_of_the_formats() -> None:
    assert pdu_type_for("etsi", "HI2") == pdu_type_for("etsi", "HI3") == PS_PDU
    assert pdu_type_for("packetcable", "HI2") == CDC_PDU
    assert pdu_type_for("packetcable", "CCC") == CCC_PACKET
    assert pdu_types("atis", "HI2") == (LAES_PROTOCOL, IAS_PROTOCOL)
    assert pdu_types("atis", "HI3") == (CC_APDU, IAS_CC_APDU)
    with pytest.raises(ValueError, match="LAESProtocol"):
        pdu_type_for("atis", "HI2")
    with pytest.raises(ValueError, match="destinations are HI2, CCC"):
        pdu_types("packetcable", "HI3")
    assert set(TOP_LEVEL_TYPES) == {t for f in FORMATS for t in pdu_types(f)} - {CCC_PACKET}
    for name in TOP_LEVEL_TYPES:
        SPEC.get_type(name)


@pytest.mark.parametrize(("kwargs", "kind", "message"), [
    ({"format": "asn1"}, ValueError, "format must be one of 'etsi', 'packetcable', 'atis'"),
    ({"records": 0}, ValueError, "records must be at least 1, not 0"),
    ({"records": True}, TypeError, "records must be an int, not bool"),
    ({"records": 2.5}, TypeError, "records must be an int, not float"),
    ({"seed": "7"}, TypeError, "seed must be an int, not str"),
])
def test_bad_arguments(kwargs: dict[str, Any], kind: type[Exception], message: str) -> None:
    argument = next(iter(kwargs))
    with raises_misuse(kind, argument, message):
        scenario(**kwargs)
    with raises_misuse(kind, argument, message):
        iter_scenario(**kwargs)  # checked at once, not on the first PDU


def test_minimum_records() -> None:
    assert [minimum_records(f) for f in FORMATS] == [10, 6, 9]
    with pytest.raises(ValueError, match="format"):
        minimum_records("x")


# -- reproducible ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_same_seed_and_clock_same_bytes(name: Format) -> None:
    one = scenario(name, records=80, seed=11, clock=_clock())
    two = scenario(name, records=80, seed=11, clock=_clock())
    assert one == two
    assert list(iter_scenario(name, records=80, seed=11, clock=_clock())) == one
    other_seed = scenario(name, records=80, seed=12, clock=_clock())
    assert [p.pdu for p in other_seed] != [p.pdu for p in one]
    later = scenario(name, records=80, seed=11, clock=_clock(START + 10**9))
    assert [p.time - 10**9 for p in later] == [p.time for p in one]
    assert [p.pdu for p in later] != [p.pdu for p in one]


def test_the_clock_is_read_once() -> None:
    readings = iter(range(START, START + 10**12, 10**9))
    calls = 0

    def now() -> int:
        nonlocal calls
        calls += 1
        return next(readings)

    pdus = scenario("etsi", records=30, clock=Clock(now))
    assert calls == 1 and pdus[0].time == START


# -- ETSI TS 102 232 ----------------------------------------------------------------------


def _check_etsi_numbering(values: list[Any]) -> None:
    """One LIID; sequence numbers 0, 1, 2, … per (CIN, IRI|CC) in stream order."""
    numbers: dict[tuple[int, str], list[int]] = defaultdict(list)
    for value in values:
        header = value["pSHeader"]
        assert header["lawfulInterceptionIdentifier"] == b"LIID-4711"
        cin = header["communicationIdentifier"].get("communicationIdentityNumber", 0)
        kind = "CC" if value["payload"][0] == "cCPayloadSequence" else "IRI"
        numbers[(cin, kind)].append(header["sequenceNumber"])
    for key, seen in numbers.items():
        assert seen == list(range(len(seen))), key


def test_etsi_stream() -> None:
    pdus = scenario("etsi", records=200, seed=5, clock=_clock())
    values = _decoded(pdus)
    _check_etsi_numbering(values)
    notes = [p.note for p in pdus if p.kind != "CC"]
    assert notes == [
        "HI1 liActivated", "IPIRI sessionStart", "IPMMIRI SIP INVITE",
        "IPMMIRI SIP 180 Ringing", "IPMMIRI SIP 200 OK", "IPMMIRI SIP ACK", "IPMMIRI SIP BYE",
        "IPMMIRI SIP 200 OK", "IPIRI sessionEnd", "HI1 liDeactivated",
    ]
    for pdu, value in zip(pdus, values, strict=True):
        assert pdu.destination == ("HI3" if pdu.kind == "CC" else "HI2")
        payload = value["payload"]
        if pdu.kind == "HI1":
            assert payload[0] == "hI1-Operation"
            assert "communicationIdentityNumber" not in value["pSHeader"][
                "communicationIdentifier"]
        seconds = value["pSHeader"]["microSecondTimeStamp"]
        assert seconds == {"seconds": pdu.time // 10**9,
                           "microSeconds": pdu.time // 1000 % 10**6}
    hi1 = [v["payload"][1] for v, p in zip(values, pdus, strict=True) if p.kind == "HI1"]
    assert [op[0] for op in hi1] == ["liActivated", "liDeactivated"]
    # The broadband session and the call have a CIN each.
    cins: dict[str, set[int]] = defaultdict(set)
    for pdu, value in zip(pdus, values, strict=True):
        if pdu.kind == "HI1":
            continue
        service = "access" if pdu.note.startswith(("IPIRI", "IPCC")) else "call"
        cins[service].add(value["pSHeader"]["communicationIdentifier"][
            "communicationIdentityNumber"])
    assert len(cins["access"]) == len(cins["call"]) == 1 and cins["access"] != cins["call"]
    # IRI types: the session and the call each begin and end.
    iri = [(p.note, v["payload"][1][0]["iRIType"]) for p, v in zip(pdus, values, strict=True)
           if p.kind == "IRI"]
    assert iri[0] == ("IPIRI sessionStart", "iRI-Begin")
    assert iri[1] == ("IPMMIRI SIP INVITE", "iRI-Begin")
    assert iri[-2] == ("IPMMIRI SIP 200 OK", "iRI-End")
    assert iri[-1] == ("IPIRI sessionEnd", "iRI-End")


def test_etsi_contents() -> None:
    pdus = scenario("etsi", records=300, seed=9, clock=_clock())
    values = _decoded(pdus)
    octets = Counter[str]()
    sip_with_sdp = 0
    for pdu, value in zip(pdus, values, strict=True):
        payload = value["payload"][1]
        if pdu.note.startswith("IPCC"):
            item = payload[0]
            packet = item["cCContents"][1]["iPCCContents"][1]
            assert 200 <= len(packet) <= 1400
            _check_ipv4(packet)
            assert item["payloadDirection"] == pdu.note.split()[1]
            octets[item["payloadDirection"]] += len(packet)
        elif pdu.note.startswith("IPMMCC"):
            cc = payload[0]["cCContents"][1]
            packet = cc["mMCCContents"]
            _check_ipv4(packet)
            assert cc["frameType"] == "ipFrame" and cc["mMCCprotocol"] == "rTP"
            rtp = packet[28:]
            assert len(rtp) == 12 + 160 and rtp[0] == 0x80 and rtp[1] & 0x7F == 8
            assert rtp[8:12] == cc["streamIdentifier"]
        elif pdu.note.startswith("IPMMIRI"):
            contents = payload[0]["iRIContents"][1]["iPMMIRIContents"]
            message = contents[1]["sIPContent"] if contents[0] == "sIPMessage" else b""
            assert b"Call-ID: a84b4c76e66710@pc33.example.nl" in message
            sip_with_sdp += b"m=audio " in message
    assert sip_with_sdp == 2  # the offer in the INVITE, the answer in the 200 OK
    end = values[-2]["payload"][1][0]["iRIContents"][1]["iPIRIContents"]
    assert end["octetsReceived"] == octets["toTarget"] > 0
    assert end["octetsTransmitted"] == octets["fromTarget"] > 0


def _check_ipv4(packet: bytes) -> None:
    """An IPv4 datagram with a correct header checksum and UDP/TCP checksum (RFC 791, 768,
    9293), its total length that of the packet."""
    assert packet[0] == 0x45 and struct.unpack("!H", packet[2:4])[0] == len(packet)
    assert _sum(packet[:20]) == 0xFFFF
    protocol = packet[9]
    assert protocol in (6, 17)
    segment = packet[20:]
    pseudo = packet[12:20] + struct.pack("!xBH", protocol, len(segment))
    assert _sum(pseudo + segment) == 0xFFFF
    if protocol == 17:
        assert struct.unpack("!H", segment[4:6])[0] == len(segment)


def _sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


# -- PacketCable --------------------------------------------------------------------------


def test_packetcable_call() -> None:
    pdus = scenario("packetcable", records=100, seed=2, clock=_clock())
    cdc = [SPEC.decode(CDC_PDU, p.pdu) for p in pdus if p.is_ber]
    assert [m["message"][0] for m in cdc] == [
        "origination", "ccopen", "answer", "mediareport", "release", "ccclose"]
    assert {m["message"][1]["caseId"] for m in cdc} == {"CASE-2026-0042"}
    assert {p.destination for p in pdus if p.is_ber} == {"HI2"}
    call_ids = {str(m["message"][1].get("callId")) for m in cdc if "callId" in m["message"][1]}
    assert len(call_ids) == 1
    opened = cdc[1]["message"][1]["cCCId"]
    packets = [parse_ccc_packet(p.pdu, "ES-DCI-C01") for p in pdus if not p.is_ber]
    assert len(packets) == 94 and {p.destination for p in pdus if not p.is_ber} == {"CCC"}
    assert opened == ("combCCC", "00C0FFEE")
    assert {p.ccc_id for p in packets} == {0x00C0FFEE} and {p.case_id for p in packets} == {
        20260042}
    for packet, pdu in zip(packets, (p for p in pdus if not p.is_ber), strict=True):
        _check_ipv4(packet.payload)
        assert packet.timestamp is not None
        assert abs(packet.timestamp.unix_ns() - pdu.time) < 1000  # NTP fraction rounding


# -- ATIS ---------------------------------------------------------------------------------


def test_atis_streams() -> None:
    pdus = scenario("atis", records=150, seed=4, clock=_clock())
    values = _decoded(pdus)
    laes = [v for p, v in zip(pdus, values, strict=True) if p.pdu_type == LAES_PROTOCOL]
    names = [v[1]["laesMessage"][0] for v in laes]
    assert names == ["origination", "ccOpen", "answer", "release", "ccClose"]
    voice = laes[1][1]["laesMessage"][1]["contentIdentifier"]
    ias = [v for p, v in zip(pdus, values, strict=True) if p.pdu_type == IAS_PROTOCOL]
    assert [v["iasMessage"][0] for v in ias] == [
        "access-Accepted", "session-Start", "session-End", "access-Session-End"]
    data = ias[1]["iasMessage"][1]["deliveryInformation"]["contentIdentifier"]
    assert voice != data
    numbers: dict[str, list[int]] = defaultdict(list)
    for pdu, value in zip(pdus, values, strict=True):
        if pdu.kind != "CC":
            assert pdu.destination == "HI2"
            continue
        assert pdu.destination == "HI3"
        header = value["ccDeliveryHeader"]
        info = header["correlationInfo"]
        assert info["caseId"] == "CASE-2026-0099"
        expected = voice if pdu.pdu_type == CC_APDU else data
        assert info["contentIdentifier"] == expected
        assert header["packetDirection"] == pdu.note.split()[-1]
        numbers[pdu.pdu_type].append(header["sequenceNumber"])
        _check_ipv4(value["payload"])
    assert numbers[CC_APDU] == list(range(len(numbers[CC_APDU])))
    assert numbers[IAS_CC_APDU] == list(range(len(numbers[IAS_CC_APDU])))
    assert len(numbers[CC_APDU]) + len(numbers[IAS_CC_APDU]) == 150 - 9
