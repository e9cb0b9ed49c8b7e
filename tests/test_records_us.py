"""US record builders: PacketCable CdcPdu and CCC packets, ATIS LAESProtocol, IasProtocol and
CC-APDU — a VoIP call end to end in both formats, byte-exact headers, errors, properties."""

from __future__ import annotations

import json
import random
import socket
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
from _misuse import raises_misuse
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import DecodeError, EncodeError
from lawful_intercept.correlation import (
    Clock,
)
from lawful_intercept.records import (
    CC_APDU,
    CC_DELIVERY_HEADER_OID,
    CCC_LAYOUTS,
    CDC_PDU,
    IAS_CC_APDU,
    IAS_CMCC_OID,
    IAS_OID,
    IAS_OPTIONAL_PROTOCOL,
    IAS_PROTOCOL,
    LAES_OID,
    LAES_PROTOCOL,
    BillingCorrelationId,
    CCCPacket,
    ContentSequenceNumbers,
    IASRecords,
    LAESRecords,
    NtpTimestamp,
    PacketCableRecords,
    atis_call_identity,
    atis_correlation_id,
    ccc_id_text,
    ccc_packet,
    conference_party,
    ias_ip_address,
    ias_value,
    media_information,
    parse_ccc_packet,
    party_id,
    party_identity,
    pc_call_id,
    pc_call_id_from_bcid,
    pc_ccc_id,
)
from lawful_intercept.stream import PDUReader
from lawful_intercept.testing import strategy_for

SPEC = lawful_intercept.bundled()
T0 = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z
T0_DT = datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
CALL = pc_call_id("1700000000,42", "CMS-EAST-1")
VISIBLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def _clock(start: int = T0, step: int = 20_000_000) -> Clock:
    ticks = iter(range(start, start + 10**15, step))
    return Clock(lambda: next(ticks))


def _pc(**kwargs: Any) -> PacketCableRecords:
    return PacketCableRecords("CASE-2024-0017", "CMS-EAST-1", clock=Clock(lambda: T0), **kwargs)


def _cdc(data: bytes) -> tuple[str, str, dict[str, Any]]:
    value = SPEC.decode(CDC_PDU, data)
    name, message = value["message"]
    return value["protocolVersion"], name, message


def _common(**fields: Any) -> dict[str, Any]:
    return {"caseId": "CASE-2024-0017", "accessingElementId": "CMS-EAST-1", "eventTime": T0_DT,
            **fields}


def _rtp_datagram(seq: int, payload: bytes) -> bytes:
    """An IPv4/UDP/RTP datagram (checksums zero: the content is opaque to the builders)."""
    rtp = struct.pack(">BBHII", 0x80, 0, seq & 0xFFFF, 160 * seq, 0x1234ABCD) + payload
    udp = struct.pack(">HHHH", 16384, 20000, 8 + len(rtp), 0) + rtp
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0xB8, 20 + len(udp), seq, 0, 64, 17, 0,
                     bytes([198, 51, 100, 7]), bytes([203, 0, 113, 9]))
    return ip + udp


# =============================================================================================
# CCC packets: header layouts
# =============================================================================================

DATAGRAM = bytes.fromhex("4500001c000100004011f7d5c6336407cb007109") + bytes(8)


def test_ccc_esp_i01_byte_exact() -> None:
    # CCCID 0x0000ABCD (4 octets, big-endian) then the datagram (PKT-SP-ESP-I01 clause 4)
    packet = ccc_packet(0xABCD, DATAGRAM, layout="ESP-I01")
    assert packet.hex() == "0000abcd" + DATAGRAM.hex()
    assert parse_ccc_packet(packet, "ESP-I01") == CCCPacket(0xABCD, None, None, DATAGRAM)
    assert ccc_packet(0xABCD, DATAGRAM) == packet  # ESP-I01 is the default layout


def test_ccc_esp_15_byte_exact() -> None:
    # seconds: 1700000000 + 2208988800 = 3908988800 = 0xE8FE6F80;
    # fraction: floor(0.123456789 * 2**32) = 530242871 = 0x1F9ADD37
    packet = ccc_packet(0xDEADBEEF, DATAGRAM, layout="ESP-1.5", time=T0)
    assert packet.hex() == "deadbeef" + "e8fe6f80" + "1f9add37" + DATAGRAM.hex()
    parsed = parse_ccc_packet(packet, "ESP-1.5")
    assert parsed == (0xDEADBEEF, NtpTimestamp(0xE8FE6F80, 0x1F9ADD37), None, DATAGRAM)
    assert parsed.timestamp is not None
    assert parsed.timestamp.unix_ns() == T0
    assert parsed.timestamp.to_datetime() == T0_DT


def test_ccc_es_dci_c01_byte_exact() -> None:
    # + case ID 0x0102030405060708 as 8 octets, unsigned, big-endian (PKT-SP-ES-DCI clause 7)
    packet = ccc_packet(1, DATAGRAM, layout="ES-DCI-C01", time=T0, case_id=0x0102030405060708)
    assert packet.hex() == ("00000001" + "e8fe6f80" + "1f9add37" + "0102030405060708"
                            + DATAGRAM.hex())
    assert len(packet) == 20 + len(DATAGRAM)
    assert parse_ccc_packet(packet, "ES-DCI-C01") == (
        1, NtpTimestamp(0xE8FE6F80, 0x1F9ADD37), 0x0102030405060708, DATAGRAM)
    top = ccc_packet(0xFFFFFFFF, b"x", layout="ES-DCI-C01", time=0, case_id=2**64 - 1)
    assert top.hex() == "ffffffff" + "83aa7e80" + "00000000" + "ff" * 8 + "78"


@pytest.mark.parametrize(
    ("when", "seconds", "fraction"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0x83AA7E80, 0),           # Unix epoch
        (datetime(2000, 1, 1, 0, 0, 0, 500000, tzinfo=UTC), 3155673600, 0x80000000),
        (datetime(1968, 1, 20, 3, 14, 8, tzinfo=UTC), 0x80000000, 0),  # RFC 4330 window start
        (datetime(2036, 2, 7, 6, 28, 16, tzinfo=UTC), 0, 0),           # NTP era 1 begins
        (datetime(2104, 2, 26, 9, 42, 23, tzinfo=UTC), 0x7FFFFFFF, 0),  # window end
    ],
)
def test_ntp_timestamps(when: datetime, seconds: int, fraction: int) -> None:
    stamp = NtpTimestamp.from_time(when)
    assert stamp == (seconds, fraction)
    assert stamp.to_datetime() == when
    packet = ccc_packet(7, b"x", layout="ESP-1.5", time=when)
    assert packet[4:12] == struct.pack(">II", seconds, fraction)
    assert ccc_packet(7, b"x", layout="ESP-1.5", time=stamp) == packet


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"ccc_id": 2**32}, "cccId"),
        ({"ccc_id": -1}, "cccId"),
        ({"ccc_id": "0000ABCD"}, "cccId"),
        ({"ccc_id": True}, "cccId"),
        ({"layout": "ESP-2.0"}, "layout"),
        ({"layout": "es-dci-c01"}, "layout"),
        ({"ip_datagram": b""}, "payload"),
        ({"ip_datagram": "45000014"}, "payload"),
        ({"layout": "ESP-I01", "time": T0}, "timestamp"),
        ({"layout": "ESP-I01", "case_id": 1}, "caseId"),
        ({"layout": "ESP-1.5", "case_id": 1}, "caseId"),
        ({"layout": "ES-DCI-C01"}, "caseId"),
        ({"layout": "ES-DCI-C01", "case_id": 2**64}, "caseId"),
        ({"layout": "ES-DCI-C01", "case_id": -1}, "caseId"),
        ({"layout": "ES-DCI-C01", "case_id": "17"}, "caseId"),
        ({"layout": "ESP-1.5", "time": 1.5}, "timestamp"),
        ({"layout": "ESP-1.5", "time": -2208988800 * 10**9}, "timestamp"),  # 1900: ambiguous
        ({"layout": "ESP-1.5", "time": NtpTimestamp(2**32, 0)}, "timestamp"),
    ],
)
def test_ccc_packet_errors_name_the_field(kwargs: dict[str, Any], path: str) -> None:
    args: dict[str, Any] = {"ccc_id": 5, "ip_datagram": DATAGRAM, "layout": "ESP-1.5",
                            "time": T0}
    if kwargs.get("layout") in ("ESP-I01", "ES-DCI-C01") and "time" not in kwargs:
        args.pop("time")
        if kwargs["layout"] == "ES-DCI-C01":
            args["time"] = T0
    args.update(kwargs)
    ccc = args.pop("ccc_id")
    datagram = args.pop("ip_datagram")
    with pytest.raises(EncodeError) as info:
        ccc_packet(ccc, datagram, **args)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("layout", "size", "path", "offset"),
    [
        ("ESP-I01", 3, "cccId", 0),
        ("ESP-1.5", 2, "cccId", 0),
        ("ESP-1.5", 11, "timestamp", 4),
        ("ES-DCI-C01", 11, "timestamp", 4),
        ("ES-DCI-C01", 19, "caseId", 12),
    ],
)
def test_parse_short_packets(layout: str, size: int, path: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        parse_ccc_packet(bytes(size), layout)  # type: ignore[arg-type]
    assert info.value.path == path
    assert info.value.offset == offset


def test_parse_bad_arguments() -> None:
    with pytest.raises(DecodeError) as info:
        parse_ccc_packet(bytes(40), "PCLI")  # type: ignore[arg-type]
    assert info.value.path == "layout"
    with pytest.raises(DecodeError):
        parse_ccc_packet("0000abcd", "ESP-I01")  # type: ignore[arg-type]
    assert parse_ccc_packet(bytes(20), "ES-DCI-C01").payload == b""  # header only: accepted


@settings(max_examples=150, deadline=None)
@given(
    ccc=st.integers(0, 2**32 - 1),
    payload=st.binary(min_size=1, max_size=300),
    layout=st.sampled_from(CCC_LAYOUTS),
    ns=st.integers(-(2**31 - 2208988800) * 10**9 + 10**9,
                   (2**32 + 2**31 - 2208988800) * 10**9 - 1),
    case_id=st.integers(0, 2**64 - 1),
)
def test_ccc_round_trip(ccc: int, payload: bytes, layout: Any, ns: int, case_id: int) -> None:
    time = None if layout == "ESP-I01" else ns
    case = case_id if layout == "ES-DCI-C01" else None
    packet = ccc_packet(ccc, payload, layout=layout, time=time, case_id=case)
    header = {"ESP-I01": 4, "ESP-1.5": 12, "ES-DCI-C01": 20}[layout]
    assert len(packet) == header + len(payload)
    assert packet[:4] == ccc.to_bytes(4, "big")
    parsed = parse_ccc_packet(packet, layout)
    assert (parsed.ccc_id, parsed.case_id, parsed.payload) == (ccc, case, payload)
    if layout == "ESP-I01":
        assert parsed.timestamp is None
    else:
        assert parsed.timestamp is not None
        assert parsed.timestamp.unix_ns() == ns  # nanoseconds survive exactly


@settings(max_examples=100, deadline=None)
@given(ccc=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32),
                     st.text(max_size=8), st.floats(), st.none(), st.binary(max_size=4)))
def test_ccc_id_not_32_bit(ccc: Any) -> None:
    with pytest.raises(EncodeError) as info:
        ccc_packet(ccc, b"x")
    assert info.value.path == "cccId"
    with pytest.raises(EncodeError) as info:
        _pc().ccopen(ccc, CALL, flow_direction="downstream-and-upstream")
    assert info.value.path.startswith("cCCId")


# =============================================================================================
# PacketCable CdcPdu messages
# =============================================================================================


def test_each_message_decodes_to_the_values_given() -> None:
    r = _pc()
    bcid = BillingCorrelationId(0x6553F100, "CMS-E-01", "0-050000", 42)
    bcid_call = pc_call_id_from_bcid(bcid)
    assert _cdc(r.origination(bcid, "3035551000", called="3035552000",
                              user_input="3035552000", transitCarrierId="0288")) == (
        "v4", "origination", _common(
            callId=bcid_call, calling={"dn": "3035551000"}, called={"dn": "3035552000"},
            input=("userinput", "3035552000"), reserved0=None, transitCarrierId="0288"))
    assert _cdc(r.origination(bcid.to_bytes(), party_id("3035551000", port="5060"),
                              translation_input="+13035552000"))[2]["input"] == (
        "translationinput", "+13035552000")
    assert _cdc(r.terminationattempt(CALL, calling="3035559999", called="3035551000")) == (
        "v4", "terminationattempt", _common(
            callId=CALL, calling={"dn": "3035559999"}, called={"dn": "3035551000"},
            reserved0=None))
    assert _cdc(r.answer(CALL, answering="3035552000")) == (
        "v4", "answer", _common(callId=CALL, answering={"dn": "3035552000"}))
    assert _cdc(r.ccopen(0xABCD, [CALL, bcid], subject_sdp="v=0\r\n",
                         associate_sdp="v=0\r\n", flow_direction="downstream-and-upstream")) == (
        "v4", "ccopen", _common(
            ccOpenOption=("ccOpenTime", [CALL, bcid_call]), cCCId=("combCCC", "0000ABCD"),
            subject="v=0\r\n", associate="v=0\r\n", flowDirection="downstream-and-upstream"))
    assert _cdc(r.ccopen((1, 2), CALL, flow_direction="upstream"))[2]["cCCId"] == (
        "sepCCCpair", {"sepXmitCCC": "00000001", "sepRecvCCC": "00000002"})
    assert _cdc(r.ccchange(CALL, ("combCCC", "CCC-7"), subject_sdp="v=0",
                           flow_direction="downstream-and-upstream",
                           resource_state="committed")) == (
        "v4", "ccchange", _common(
            callId=CALL, cCCId=("combCCC", "CCC-7"), subject="v=0",
            flowDirection="downstream-and-upstream", resourceState="committed"))
    assert _cdc(r.ccclose(0xABCD, flow_direction="downstream-and-upstream")) == (
        "v4", "ccclose", _common(cCCId=("combCCC", "0000ABCD"),
                                 flowDirection="downstream-and-upstream"))
    assert _cdc(r.release(CALL)) == ("v4", "release", _common(callId=CALL))
    new = pc_call_id("1700000000,43", "CMS-EAST-1")
    assert _cdc(r.redirection(CALL, "3035557777", new_call_id=new,
                              redirected_from="3035551000")) == (
        "v4", "redirection", _common(
            old=CALL, redirectedto={"dn": "3035557777"}, reserved0=None, reserved1=None,
            new=new, redirectedfrom={"dn": "3035551000"}))
    assert _cdc(r.networksignal(CALL, "3035551000", alerting_signal="alertingPattern1",
                                audible_signal="ringbackTone",
                                terminal_display_info={"callingNumber": "3035559999"})) == (
        "v4", "networksignal", _common(
            callId=CALL, alertingSignal="alertingPattern1", subjectAudibleSignal="ringbackTone",
            terminalDisplayInfo={"callingNumber": "3035559999"},
            signaledToPartyId={"dn": "3035551000"}))
    assert _cdc(r.subjectsignal("3035551000", call_id=CALL, dialed_digits="*69")) == (
        "v4", "subjectsignal", _common(
            callId=CALL, signal={"dialedDigits": "*69"}, signaledFromPartyId={"dn": "3035551000"}))
    assert _cdc(r.mediareport(CALL, subject_sdp="v=0")) == (
        "v4", "mediareport", _common(callId=CALL, subject="v=0"))
    assert _cdc(r.serviceinstance(CALL, "three-way call", related_call_id=new,
                                  calling="3035551000")) == (
        "v4", "serviceinstance", _common(
            callId=CALL, relatedCallId=new, serviceName="three-way call",
            calling={"dn": "3035551000"}))
    assert _cdc(r.dialeddigitextraction(CALL, "1234#")) == (
        "v4", "dialeddigitextraction", _common(callId=CALL, digits="1234#"))
    assert _cdc(r.confpartychange(
        CALL, joined=[conference_party(["3035557777"], 0x10)],
        communicating=[conference_party(["3035551000", "3035552000"])])) == (
        "v4", "confpartychange", _common(
            callId=CALL,
            communicating=[{"partyId": [{"dn": "3035551000"}, {"dn": "3035552000"}]}],
            joined=[{"partyId": [{"dn": "3035557777"}], "cCCId": ("combCCC", "00000010")}]))
    assert _cdc(r.message("release", {"callId": CALL}, time=0))[2]["eventTime"] == datetime(
        1970, 1, 1, tzinfo=UTC)
    assert SPEC.decode(CDC_PDU, r.message("reserved0"))["message"] == ("reserved0", None)


def test_every_message_alternative_has_a_method() -> None:
    r = _pc()
    names = {n for n in r.messages if not n.startswith("reserved")}
    assert names == {
        "answer", "ccclose", "ccopen", "origination", "redirection", "release",
        "terminationattempt", "ccchange", "dialeddigitextraction", "networksignal",
        "subjectsignal", "mediareport", "serviceinstance", "confpartychange"}
    assert all(callable(getattr(r, n)) for n in names)


def test_version_clock_and_time() -> None:
    v3 = _pc(version="v3")
    assert _cdc(v3.release(CALL))[0] == "v3"
    with pytest.raises(EncodeError) as info:
        v3.dialeddigitextraction(CALL, "1")
    assert info.value.path == "protocolVersion"
    with pytest.raises(EncodeError) as info:
        _pc(version="v5")  # type: ignore[arg-type]
    assert info.value.path == "protocolVersion"
    local = PacketCableRecords("C", "E", clock=Clock(lambda: T0, utc=False, precision="ms"))
    event = _cdc(local.release(CALL))[2]["eventTime"]
    assert event.tzinfo is None and event.microsecond == 123000
    assert _cdc(_pc().release(CALL, time=T0_DT))[2]["eventTime"] == T0_DT
    with pytest.raises(EncodeError) as info:
        _pc().release(CALL, time="now")  # type: ignore[arg-type]
    assert info.value.path == "eventTime"


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: PacketCableRecords("C" * 26, "CMS"), "caseId"),
        (lambda: PacketCableRecords("", "CMS"), "caseId"),
        (lambda: PacketCableRecords("CASE\n", "CMS"), "caseId"),
        (lambda: PacketCableRecords(17, "CMS"), "caseId"),
        (lambda: PacketCableRecords("CASE", "E" * 16), "accessingElementId"),
        (lambda: PacketCableRecords("CASE", b"CMS"), "accessingElementId"),
        (lambda: PacketCableRecords("CASE", "CMS", ccc_layout="ES-DCI-C01"), "caseId"),
        (lambda: PacketCableRecords("CASE", "CMS", ccc_case_id=5), "caseId"),
        (lambda: _pc().release(42), "callId"),
        (lambda: _pc().release({"sequencenumber": "1"}), "callId.systemidentity"),
        (lambda: _pc().release({"sequencenumber": "1", "systemidentity": "s", "x": 1}),
         "callId"),
        (lambda: _pc().release(bytes(23)), "callId"),
        (lambda: _pc().redirection({"sequencenumber": "9" * 26, "systemidentity": "s"}, "1"),
         "old.sequencenumber"),
        (lambda: _pc().ccopen(2**32, CALL, flow_direction="upstream"), "cCCId.combCCC"),
        (lambda: _pc().ccopen((1, 2**32), CALL, flow_direction="upstream"),
         "cCCId.sepCCCpair.sepRecvCCC"),
        (lambda: _pc().ccopen("0000ABCD", CALL, flow_direction="upstream"), "cCCId"),
        (lambda: _pc().ccopen(1, [CALL, 5], flow_direction="upstream"), "ccOpenTime[1]"),
        (lambda: _pc().ccopen(1, [], flow_direction="upstream"), "ccOpenTime"),
        (lambda: _pc().ccopen(1, CALL, subject_sdp=b"v=0", flow_direction="upstream"), "subject"),
        (lambda: _pc().ccclose(1, flow_direction="both"),
         "PCESP.CdcPdu.message.ccclose.flowDirection"),
        (lambda: _pc().origination(CALL, "1"), "input"),
        (lambda: _pc().origination(CALL, "1", user_input="2", translation_input="3"), "input"),
        (lambda: _pc().origination(CALL, 3035551000, user_input="2"), "calling"),
        (lambda: _pc().origination(CALL, "3" * 16, user_input="2"),
         "PCESP.CdcPdu.message.origination.calling.dn"),
        (lambda: _pc().origination(CALL, "1", user_input="2" * 33),
         "PCESP.CdcPdu.message.origination.input.userinput"),
        (lambda: _pc().subjectsignal("1"), "signal"),
        (lambda: _pc().answer(CALL, bogus=1), "PCESP.CdcPdu.message.answer"),
        (lambda: _pc().message("ccopenx", {}), "message"),
        (lambda: party_id(), "partyId"),
    ],
)
def test_invalid_cdc_inputs_name_the_field(build: Any, path: str) -> None:
    with pytest.raises(EncodeError) as info:
        build()
    assert info.value.path == path


@settings(max_examples=80, deadline=None)
@given(
    case_id=st.text(VISIBLE, min_size=1, max_size=25),
    element=st.text(VISIBLE, min_size=1, max_size=15),
    sequencenumber=st.text(VISIBLE, min_size=1, max_size=25),
    system=st.text(VISIBLE, min_size=1, max_size=15),
    ccc=st.one_of(st.integers(0, 2**32 - 1),
                  st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))),
    sdp=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
    calling=st.text(st.sampled_from("0123456789*#"), min_size=1, max_size=15),
    ns=st.integers(0, 2**62),
)
def test_valid_cdc_inputs_round_trip(case_id: str, element: str, sequencenumber: str,
                                     system: str, ccc: Any, sdp: str, calling: str,
                                     ns: int) -> None:
    r = PacketCableRecords(case_id, element, clock=Clock(lambda: ns))
    call = pc_call_id(sequencenumber, system)
    common = {"caseId": case_id, "accessingElementId": element,
              "eventTime": datetime.fromtimestamp(ns // 10**9, UTC).replace(
                  microsecond=ns // 1000 % 10**6)}
    ccc_value = (pc_ccc_id(ccc) if isinstance(ccc, int)
                 else ("sepCCCpair", {"sepXmitCCC": ccc_id_text(ccc[0]),
                                      "sepRecvCCC": ccc_id_text(ccc[1])}))
    assert _cdc(r.ccopen(ccc, call, subject_sdp=sdp,
                         flow_direction="downstream-and-upstream"))[2] == {
        **common, "ccOpenOption": ("ccOpenTime", [call]), "cCCId": ccc_value, "subject": sdp,
        "flowDirection": "downstream-and-upstream"}
    assert _cdc(r.origination(call, calling, user_input=calling))[2] == {
        **common, "callId": call, "calling": {"dn": calling},
        "input": ("userinput", calling), "reserved0": None}
    assert _cdc(r.ccclose(ccc, flow_direction="downstream-and-upstream"))[2] == {
        **common, "cCCId": ccc_value, "flowDirection": "downstream-and-upstream"}


@settings(max_examples=80, deadline=None)
@given(
    case_id=st.one_of(st.text(VISIBLE, min_size=26, max_size=40), st.just(""),
                      st.integers(), st.binary(min_size=1, max_size=10), st.none()),
    element=st.one_of(st.text(VISIBLE, min_size=16, max_size=30), st.just(""),
                      st.integers(), st.binary(min_size=1, max_size=10)),
)
def test_invalid_identities_raise_naming_the_field(case_id: Any, element: Any) -> None:
    with pytest.raises(EncodeError) as info:
        PacketCableRecords(case_id, "CMS-1")
    assert info.value.path == "caseId"
    with pytest.raises(EncodeError) as info:
        PacketCableRecords("CASE-1", element)
    assert info.value.path == "accessingElementId"


@settings(max_examples=60, deadline=None)
@given(bad=st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none(),
                     st.lists(st.integers(), max_size=2)))
def test_wrong_types_raise_naming_the_field(bad: Any) -> None:
    r = _pc()
    for call, path in [
        (lambda: r.release(bad), "callId"),
        (lambda: r.answer(CALL, answering=bad if not isinstance(bad, str) else 5), "answering"),
        (lambda: r.mediareport(CALL, subject_sdp=bad if not isinstance(bad, str) else 5),
         "subject"),
    ]:
        if bad is None and path != "callId":
            continue  # None means "absent" for an OPTIONAL member
        with pytest.raises(EncodeError) as info:
            call()
        assert info.value.path.startswith(path)


# =============================================================================================
# PacketCable acceptance: a VoIP call, CDC over TCP, CCC over UDP
# =============================================================================================


def test_packetcable_voip_call_end_to_end() -> None:
    clock = _clock()
    records = PacketCableRecords("CASE-2024-0017", "CMS-EAST-1", clock=clock,
                                 ccc_layout="ES-DCI-C01", ccc_case_id=20240017)
    bcid = BillingCorrelationId(1_700_000_000, "CMS-E-01", "0-050000", 4242)
    call = bcid.call_id()
    ccc = 0x00C0FFEE
    subject, associate = "3035551000", "3035552000"
    sdp = "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\nm=audio 16384 RTP/AVP 0\r\n"
    rng = random.Random(17)
    datagrams = [_rtp_datagram(i, bytes(rng.randrange(256) for _ in range(160)))
                 for i in range(100)]
    # In the order a Delivery Function sees the events: the RTP flows between ccopen and
    # release.
    cdc = [
        records.origination(bcid, subject, called=associate, user_input=associate),
        records.networksignal(bcid, subject, audible_signal="ringbackTone"),
        records.answer(bcid, answering=associate),
        records.ccopen(ccc, bcid, subject_sdp=sdp, associate_sdp=sdp,
                       flow_direction="downstream-and-upstream"),
        records.mediareport(bcid, subject_sdp=sdp),
    ]
    ccc_packets = [records.ccc(ccc, d) for d in datagrams[:50]]
    cdc.append(records.subjectsignal(subject, call_id=bcid, dialed_digits="1"))
    ccc_packets += [records.ccc(ccc, d) for d in datagrams[50:]]
    cdc += [records.release(bcid), records.ccclose(ccc, flow_direction="downstream-and-upstream")]

    # CDC over TCP as back-to-back CdcPdus; CCC over UDP.
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(server.getsockname()) as client:
        connection, _ = server.accept()
        with connection:
            client.sendall(b"".join(cdc))
            client.shutdown(socket.SHUT_WR)
            reader = PDUReader(SPEC, CDC_PDU)
            received = []
            while chunk := connection.recv(37):  # small reads: PDUs split anywhere
                received += reader.feed(chunk)
            reader.eof()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(5)
        for packet in ccc_packets:
            tx.sendto(packet, rx.getsockname())
        udp = [rx.recv(65535) for _ in ccc_packets]

    assert [pdu.raw for pdu in received] == cdc
    assert all(pdu.error is None for pdu in received)
    messages = [pdu.value["message"] for pdu in received]
    assert [name for name, _ in messages] == [
        "origination", "networksignal", "answer", "ccopen", "mediareport", "subjectsignal",
        "release", "ccclose"]
    assert {pdu.value["protocolVersion"] for pdu in received} == {"v4"}
    # caseId and accessingElementId in every message; one CallId, derived from the BCID.
    assert {m["caseId"] for _, m in messages} == {"CASE-2024-0017"}
    assert {m["accessingElementId"] for _, m in messages} == {"CMS-EAST-1"}
    call_ids = [m["callId"] for _, m in messages if "callId" in m]
    call_ids += messages[3][1]["ccOpenOption"][1]
    assert len(call_ids) == 7 and all(c == call for c in call_ids)
    assert call == {"sequencenumber": "1700000000,4242", "systemidentity": "CMS-E-01"}
    # eventTime from the clock, in order.
    times = [m["eventTime"] for _, m in messages]
    assert times == sorted(times) and times[0] == T0_DT
    # The CCCId that ccopen announced is the one of ccclose and of every CCC packet.
    ccopen, ccclose = messages[3][1], messages[7][1]
    assert ccopen["cCCId"] == ccclose["cCCId"] == ("combCCC", "00C0FFEE")
    assert ccopen["subject"] == sdp
    assert sorted(udp) == sorted(ccc_packets)  # loopback UDP: all arrive
    parsed = [parse_ccc_packet(p, "ES-DCI-C01") for p in ccc_packets]
    assert {ccc_id_text(p.ccc_id) for p in parsed} == {ccopen["cCCId"][1]}
    assert {p.case_id for p in parsed} == {20240017}
    assert [p.payload for p in parsed] == datagrams
    stamps = [p.timestamp.unix_ns() for p in parsed if p.timestamp is not None]
    assert stamps == sorted(stamps) and len(stamps) == 100
    when = [p.timestamp.to_datetime() for p in parsed if p.timestamp is not None]
    assert messages[3][1]["eventTime"] < when[0] and when[-1] < messages[6][1]["eventTime"]
    signal_time = messages[5][1]["eventTime"]  # subjectsignal, sent after 50 RTP packets
    assert [t < signal_time for t in when] == [True] * 50 + [False] * 50


# =============================================================================================
# ATIS: known answers from OpenCALEA (reference README)
# =============================================================================================

KAT_TIME = Clock(lambda: 1_177_167_495 * 10**9)  # 2007-04-21T14:58:15Z
INVITE = b"INVITE sip:bob@example.com SIP/2.0\r\n"


def test_known_answer_direct_signal_reporting() -> None:
    laes = LAESRecords("CASE-0001", "IAP-SYS-1", clock=KAT_TIME)
    assert laes.direct_signal_reporting(b"CORR-42", [("SIP", INVITE)]).hex() == (
        "a071800c2a864886f849020100000001a161b25f8009434153452d3030303181094941502d5359532d31"
        "820f32303037303432313134353831355a8307434f52522d3432a52d302b80035349508124494e564954"
        "45207369703a626f62406578616d706c652e636f6d205349502f322e300d0a")


def test_known_answer_cc_apdu() -> None:
    laes = LAESRecords("CASE-0001", "IAP-SYS-1", clock=KAT_TIME)
    data = laes.cc_apdu(INVITE, correlation=atis_correlation_id(b"CORR-42"),
                        direction="toSubject", sequence_number=7)
    assert data.hex() == (
        "3062a03aa0218009434153452d3030303181094941502d5359532d31a2098007434f52522d3432810f32"
        "303037303432313134353831355a8201018301078124494e56495445207369703a626f62406578616d70"
        "6c652e636f6d205349502f322e300d0a")
    assert laes.sequence_numbers.peek("CASE-0001", b"CORR-42") == 0  # explicit: none taken


def test_known_answer_data_header_report() -> None:
    ias = IASRecords("CASE-0001", "IAP-SYS-1", clock=KAT_TIME)
    # OpenCALEA wrote the addresses as ASCII text; IPAddress values are passed as they are.
    data = ias.data_header_report(
        b"CORR-42", stream_id="HEADER SET SUBSCRIBER ID",
        source={"address": ("ipV4", b"10.0.0.1"), "allocationMethod": ("static", None)},
        destination={"address": ("ipV4", b"192.168.1.2"), "allocationMethod": ("dynamic", None)},
        source_port=5060, destination_port="5062")
    assert data.hex() == (
        "308193060b2a864886f8490201010000aa81838009434153452d3030303181094941502d5359532d3182"
        "0f32303037303432313134353831355aa3098007434f52522d3432a44fa01a8018484541444552205345"
        "542053554253435249424552204944a110a00a810831302e302e302e31a1028000a213a00d810b313932"
        "2e3136382e312e32a1028100830435303630840435303632")


# =============================================================================================
# ATIS LAESProtocol and CC-APDU
# =============================================================================================


def _laes(value: bytes) -> tuple[str, dict[str, Any]]:
    decoded = SPEC.decode(LAES_PROTOCOL, value)
    assert decoded[0] == "enhancedProtocol"
    assert decoded[1]["protocolIdentifier"] == LAES_OID
    name, message = decoded[1]["laesMessage"]
    return name, message


def test_laes_messages_decode_to_the_values_given() -> None:
    laes = LAESRecords("CASE-7", "IAP-1", clock=Clock(lambda: T0))
    head = {"caseId": "CASE-7", "iAPSystemId": "IAP-1", "timestamp": T0_DT}
    call = atis_call_identity("a84b4c76e66710@pc33.atlanta.example.com", "1")
    assert _laes(laes.origination(call, origination_cause="normal",
                                  calling="sip:alice@atlanta.example.com",
                                  called="sip:bob@biloxi.example.com",
                                  user_input="sip:bob@biloxi.example.com",
                                  subject_media="v=0", signaling=[("SIP", "INVITE ...")])) == (
        "origination", {**head, "callId": call[1],
                        "calling": {"uri": ["sip:alice@atlanta.example.com"]},
                        "called": {"uri": ["sip:bob@biloxi.example.com"]},
                        "input": ("userInput", ("generic", "sip:bob@biloxi.example.com")),
                        "subjectMedia": {"characteristics": ("sdp", "v=0")},
                        "originationCause": "normal",
                        "signalingMsg": [{"signalingProt": "SIP", "sigMsg": b"INVITE ..."}]})
    assert _laes(laes.release("call-1", cause={"signalingType": "SIP",
                                               "cause": ("generic", "BYE")})) == (
        "release", {**head, "callId": {"main": "call-1"},
                    "cause": {"signalingType": "SIP", "cause": ("generic", "BYE")}})
    assert _laes(laes.cc_open(b"\x01\x02", (3, 4), subject_media="v=0")) == (
        "ccOpen", {**head, "contentIdentifier": ("correlationID", b"\x01\x02"),
                   "deliveryIdentifier": ("cccId", ("sepCCCpair", {"sepXmitCCC": "00000003",
                                                                   "sepRecvCCC": "00000004"})),
                   "ccDeliveryFormat": ("cc-APDU", CC_DELIVERY_HEADER_OID),
                   "subjectMedia": {"characteristics": ("sdp", "v=0")}})
    assert _laes(laes.cc_close(b"\x01\x02", ("indCCC", "X")))[1]["deliveryIdentifier"] == (
        "cccId", ("indCCC", "X"))
    assert _laes(laes.cc_change(call, ("ccAddress", {"leaIPAddress": ("ipV4", bytes(4)),
                                                     "leaPortNumber": 5000})))[1][
        "contentIdentifier"] == call
    assert _laes(laes.surveillance_status("activation", "fullyActive")) == (
        "surveillanceStatus", {"caseId": "CASE-7", "reportingSystemId": "IAP-1",
                               "timestamp": T0_DT, "statusEventType": "activation",
                               "currentStatus": "fullyActive"})
    assert _laes(laes.connection_test("ping")) == ("connTest", {**head, "memo": "ping"})
    assert _laes(laes.subject_signal(user_input="*69", dialed_digits="*69"))[1]["signal"] == {
        "dialedDigits": "*69"}
    assert _laes(laes.network_signal("c", signaled_to="3035551000",
                                     audible_signal="ringbackTone"))[1][
        "signaledToPartyId"] == {"dn": "3035551000"}
    assert _laes(laes.redirection("c", new_call_id="d", redirected_to="sip:x@y"))[1][
        "newCallId"] == {"main": "d"}
    assert _laes(laes.media_and_address_reporting("c", associate_media=["v=0", "v=1"]))[1][
        "associateMedia"] == [{"characteristics": ("sdp", "v=0")},
                              {"characteristics": ("sdp", "v=1")}]
    assert _laes(laes.dialed_digit_extraction("c", "123"))[1]["digits"] == "123"
    assert _laes(laes.message("featureManagement", {
        "featureId": "CFU", "managementType": "activation"}))[1]["featureId"] == "CFU"
    assert _laes(laes.message("null-6")) == ("null-6", None)
    bare = LAESRecords("CASE-7", clock=Clock(lambda: T0), enhanced=False)
    assert SPEC.decode(LAES_PROTOCOL, bare.answer("c")) == (
        "laesMessage", ("answer", {"caseId": "CASE-7", "timestamp": T0_DT,
                                   "callId": {"main": "c"}}))


def test_every_laes_alternative_through_message() -> None:
    laes = LAESRecords("CASE-7", "IAP-1", clock=Clock(lambda: T0))
    assert len(laes.messages) == 24
    with pytest.raises(EncodeError) as info:
        laes.message("callOpen", {})
    assert info.value.path == "message"


def test_cc_sequence_numbers_per_correlation() -> None:
    laes = LAESRecords("CASE-7", "IAP-1", clock=Clock(lambda: T0))
    a, b = atis_correlation_id(b"A"), atis_call_identity("call-b", "2")
    order = [a, b, a, a, b]
    numbers = [SPEC.decode(CC_APDU, laes.cc_apdu(b"x", correlation=c))[
        "ccDeliveryHeader"]["sequenceNumber"] for c in order]
    assert numbers == [0, 0, 1, 2, 1]
    for bad in ("text", 5, None):
        with pytest.raises(EncodeError) as info:
            laes.cc_apdu(bad, correlation=a)  # type: ignore[arg-type]
        assert info.value.path == "CCDeliveryHeaderModule.CC-APDU.payload"
    with pytest.raises(EncodeError) as info:
        laes.cc_apdu(b"x", correlation=a, direction="up")  # type: ignore[arg-type]
    assert info.value.path == "packetDirection"
    assert laes.sequence_numbers.peek("CASE-7", a) == 3  # the failures took nothing
    # A saved state continues where it stopped (advance skips possible unsaved numbers).
    state = json.loads(json.dumps(laes.sequence_numbers.save_state()))
    restored = ContentSequenceNumbers.from_state(state, advance=10)
    assert restored.peek("CASE-7", a) == 13 and restored.peek("CASE-7", b) == 12
    again = LAESRecords("CASE-7", "IAP-1", sequence_numbers=ContentSequenceNumbers.from_state(
        state))
    assert SPEC.decode(CC_APDU, again.cc_apdu(b"x", correlation=b"A"))[
        "ccDeliveryHeader"]["sequenceNumber"] == 3
    again.sequence_numbers.forget("CASE-7", b"A")
    assert again.sequence_numbers.peek("CASE-7", b"A") == 0
    plain = LAESRecords("CASE-7", number_cc=False, clock=Clock(lambda: T0))
    assert SPEC.decode(CC_APDU, plain.cc_apdu(b"x", correlation=a, header_ids=False)) == {
        "ccDeliveryHeader": {"correlationInfo": {"contentIdentifier": a}, "timeStamp": T0_DT},
        "payload": b"x"}
    with raises_misuse(TypeError, "state.streams[0].next", "int, not NoneType"):
        ContentSequenceNumbers.from_state({"version": 1, "streams": [{"caseId": "C"}]})
    with raises_misuse(ValueError, "state.streams[0]: malformed stream", "correlationID"):
        ContentSequenceNumbers.from_state({"version": 1, "streams": [{"caseId": "C",
                                                                       "next": 1}]})
    with raises_misuse(ValueError, "advance", "at least 0, not -1"):
        ContentSequenceNumbers.from_state(state, advance=-1)
    with raises_misuse(TypeError, "state.streams", "list, not dict"):
        ContentSequenceNumbers.from_state({"version": 1, "streams": {}})


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: LAESRecords("C" * 26, "IAP"), "caseId"),
        (lambda: LAESRecords("CASE", "I" * 16), "iapId"),
        (lambda: LAESRecords("CASE", protocol_identifier="not an oid"),
         "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol.enhancedProtocol."
         "protocolIdentifier"),
        (lambda: IASRecords("CASE", None), "iapId"),  # type: ignore[arg-type]
        (lambda: IASRecords("CASE", "IAP", protocol_identifier="x"), "protocolIdentifier"),
        (lambda: LAESRecords("CASE").cc_apdu(b"x", correlation=b""),
         "correlationInfo.contentIdentifier.correlationID"),
        (lambda: LAESRecords("CASE").cc_apdu(b"x", correlation=("callID", {"main": ""})),
         "correlationInfo.contentIdentifier.callID.main"),
        (lambda: LAESRecords("CASE").cc_apdu(b"x", correlation=("corr", b"A")),
         "correlationInfo.contentIdentifier"),
        (lambda: LAESRecords("CASE").cc_apdu(b"x", correlation=b"A", sequence_number="1"),
         "sequenceNumber"),
        (lambda: LAESRecords("CASE").answer(5), "callId"),
        (lambda: LAESRecords("CASE").answer({"main": "m", "leg": ""}), "callId.leg"),
        (lambda: LAESRecords("CASE").cc_open(b"A", 2**32), "deliveryIdentifier.cccId.combCCC"),
        (lambda: LAESRecords("CASE").cc_open(b"A", "x"), "deliveryIdentifier"),
        (lambda: LAESRecords("CASE").cc_open(b"", 1), "contentIdentifier.correlationID"),
        (lambda: LAESRecords("CASE").origination("c", origination_cause="n"), "input"),
        (lambda: LAESRecords("CASE").termination_attempt("c", 5), "calling"),
        (lambda: LAESRecords("CASE").answer("c", answering_media=5), "answeringMedia"),
        (lambda: LAESRecords("CASE").direct_signal_reporting(("callID", {"main": "m"}), []),
         "correlationID"),
        (lambda: LAESRecords("CASE").direct_signal_reporting(b"A", [("SIP",)]),
         "signalingMsg[0]"),
        (lambda: IASRecords("C", "I").optional_message("serviceChange", {}),
         "protocolIdentifier"),
        (lambda: IASRecords("C", "I").session_start("s", "p", "10.0.0.300"),
         "iPAddress.address"),
        (lambda: IASRecords("C", "I").data_header_report(b"A", stream_id=1, source="10.0.0.1",
                                                         destination="10.0.0.2",
                                                         source_port=70000), "portNumber"),
        (lambda: IASRecords("C", "I").access_attempt(True), "value"),
        (lambda: IASRecords("C", "I").message("access-Attempt", {"subscriberIdentity": 5}),
         "IAS-LAES-CmII-Abstract-Syntax-Module.IasProtocol.iasMessage.access-Attempt."
         "subscriberIdentity"),
    ],
)
def test_invalid_atis_inputs_name_the_field(build: Any, path: str) -> None:
    with pytest.raises(EncodeError) as info:
        build()
    assert info.value.path == path


@settings(max_examples=80, deadline=None)
@given(
    case_id=st.text(VISIBLE, min_size=1, max_size=25),
    iap=st.one_of(st.none(), st.text(VISIBLE, min_size=1, max_size=15)),
    content=st.one_of(
        st.binary(min_size=1, max_size=16).map(atis_correlation_id),
        st.builds(atis_call_identity,
                  st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
                  st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)),
                                               min_size=1, max_size=5)))),
    payloads=st.lists(st.binary(max_size=200), min_size=1, max_size=4),
    direction=st.sampled_from([None, "fromSubject", "toSubject"]),
    ias=st.booleans(),
)
def test_valid_cc_apdus_round_trip(case_id: str, iap: str | None, content: Any,
                                   payloads: list[bytes], direction: Any, ias: bool) -> None:
    clock = Clock(lambda: T0)
    if ias:
        records: LAESRecords | IASRecords = IASRecords(case_id, iap or "IAP", clock=clock)
        type_name, iap = IAS_CC_APDU, iap or "IAP"
    else:
        records = LAESRecords(case_id, iap, clock=clock)
        type_name = CC_APDU
    for number, payload in enumerate(payloads):
        decoded = SPEC.decode(type_name, records.cc_apdu(payload, correlation=content,
                                                         direction=direction))
        info = {"caseId": case_id, "contentIdentifier": content}
        if iap is not None:
            info["iapId"] = iap
        header: dict[str, Any] = {"correlationInfo": info, "timeStamp": T0_DT,
                                  "sequenceNumber": number}
        if direction is not None:
            header["packetDirection"] = direction
        assert decoded == {"ccDeliveryHeader": header, "payload": payload}


@settings(max_examples=60, deadline=None)
@given(
    case_id=st.one_of(st.text(VISIBLE, min_size=26, max_size=40), st.just(""), st.integers(),
                      st.binary(min_size=1, max_size=5)),
    iap=st.one_of(st.text(VISIBLE, min_size=16, max_size=30), st.just(""), st.integers()),
)
def test_invalid_atis_identities(case_id: Any, iap: Any) -> None:
    for cls in (LAESRecords, IASRecords):
        with pytest.raises(EncodeError) as info:
            cls(case_id, "IAP")
        assert info.value.path == "caseId"
        with pytest.raises(EncodeError) as info:
            cls("CASE", iap)
        assert info.value.path == "iapId"


# =============================================================================================
# ATIS-1000013: IasProtocol
# =============================================================================================


def _ias(value: bytes) -> tuple[str, dict[str, Any]]:
    decoded = SPEC.decode(IAS_PROTOCOL, value)
    assert decoded["protocolIdentifier"] == IAS_OID
    name, message = decoded["iasMessage"]
    return name, message


def test_ias_session() -> None:
    ias = IASRecords("CASE-9", "BRAS-7", clock=Clock(lambda: T0))
    head = {"caseId": "CASE-9", "iAPSystemId": "BRAS-7", "timestamp": T0_DT}
    content = atis_correlation_id(b"\x00\x00\x00\x2a")
    ip = {"address": ("ipV4", bytes([198, 51, 100, 7])), "allocationMethod": ("dynamic", None)}
    assert _ias(ias.access_attempt("sub42@isp.example",
                                   access_method={"accessType": ("dsl", None)})) == (
        "access-Attempt", {**head, "subscriberIdentity": ("stringVS", "sub42@isp.example"),
                           "accessMethod": {"accessType": ("dsl", None)}})
    assert _ias(ias.access_accepted("sub42@isp.example", 77, ip_address="198.51.100.7")) == (
        "access-Accepted", {**head, "subscriberIdentity": ("stringVS", "sub42@isp.example"),
                            "iPAddress": ip, "accessSessionID": ("integer", 77)})
    assert _ias(ias.session_start("sub42@isp.example", b"\x01", "198.51.100.7",
                                  access_session_id=77, delivery=(content, 0x2A))) == (
        "session-Start", {**head, "subscriberIdentity": ("stringVS", "sub42@isp.example"),
                          "accessSessionID": ("integer", 77),
                          "packetDataSessionID": ("octets", b"\x01"), "iPAddress": ip,
                          "deliveryInformation": {
                              "contentIdentifier": content,
                              "deliveryIdentifier": ("cccId", ("combCCC", "0000002A")),
                              "ccDeliveryFormat": ("atis-678-ASN1", IAS_CMCC_OID)}})
    assert _ias(ias.data_summary_report(content, stream_id=1, source="2001:db8::1",
                                        destination=ias_ip_address("2001:db8::2", "static"),
                                        packet_count=12, source_port=443))[1]["streamSet"] == {
        "streamID": ("integer", 1),
        "sourceIPaddress": {"address": ("ipV6", bytes.fromhex("20010db8" + "00" * 11 + "01")),
                            "allocationMethod": ("dynamic", None)},
        "destinationIPaddress": {"address": ("ipV6",
                                             bytes.fromhex("20010db8" + "00" * 11 + "02")),
                                 "allocationMethod": ("static", None)},
        "packetCount": 12, "sourcePortNumber": "443"}
    assert _ias(ias.session_end("sub42@isp.example", b"\x01", "198.51.100.7",
                                reason="idle timeout"))[1]["reasonForTermination"] == (
        "stringVS", "idle timeout")
    assert _ias(ias.access_session_end("s", 77, reason=2))[1]["reasonForTermination"] == (
        "integer", 2)
    assert _ias(ias.access_failed("s"))[0] == "access-Failed"
    assert _ias(ias.access_rejected("s", reason="bad password"))[0] == "access-Rejected"
    assert _ias(ias.session_failed("s"))[0] == "session-Failed"
    assert _ias(ias.session_already_established("s", 1, "10.0.0.1"))[0] == (
        "session-Already-Established")
    assert _ias(ias.access_signaling_message_report([("radius", "Access-Request")]))[1][
        "signalingMsg"] == [{"messageType": "radius", "message": "Access-Request"}]
    cc = SPEC.decode(IAS_CC_APDU, ias.cc_apdu(b"\x45" * 20, correlation=content,
                                             direction="fromSubject"))
    assert cc["ccDeliveryHeader"]["correlationInfo"] == {
        "caseId": "CASE-9", "iapId": "BRAS-7", "contentIdentifier": content}
    optional = IASRecords("CASE-9", "BRAS-7", clock=Clock(lambda: T0),
                          optional_protocol_identifier="1.2.840.113737.2.1.1.2.0")
    decoded = SPEC.decode(IAS_OPTIONAL_PROTOCOL, optional.optional_message(
        "surveillanceDeActivation", {"surveillanceStatus": "inactive"}))
    assert decoded["protocolIdentifier"] == "1.2.840.113737.2.1.1.2.0"
    assert decoded["iasMessage"][0] == "surveillanceDeActivation"


def test_value_helpers() -> None:
    assert ias_value("é") == ("stringUTF8", "é")
    assert ias_value(("numeric", "123")) == ("numeric", "123")
    assert party_identity("tel:+13035551000") == {"uri": ["tel:+13035551000"]}
    assert party_identity({"dn": "1"}) == {"dn": "1"}
    assert media_information({"status": "granted"}) == {"status": "granted"}


# =============================================================================================
# ATIS acceptance: a VoIP call, IRI and CC correlated
# =============================================================================================


def test_atis_voip_call_end_to_end() -> None:
    laes = LAESRecords("CASE-2024-0099", "SBC-DENVER-1", clock=_clock())
    call = atis_call_identity("a84b4c76e66710@pc33.atlanta.example.com")
    content = atis_correlation_id((0x00C0FFEE).to_bytes(4, "big"))
    ccc = 0x00C0FFEE
    sdp = "v=0\r\nm=audio 49170 RTP/AVP 0\r\n"
    invite = (b"INVITE sip:alice@atlanta.example.com SIP/2.0\r\nCall-ID: "
              b"a84b4c76e66710@pc33.atlanta.example.com\r\n\r\n")
    rng = random.Random(99)
    datagrams = [_rtp_datagram(i, bytes(rng.randrange(256) for _ in range(160)))
                 for i in range(100)]
    # In the order a mediation function sees the events: the CC flows between ccOpen and
    # release.
    iri = [
        laes.termination_attempt(call, "sip:bob@biloxi.example.com",
                                 called="sip:alice@atlanta.example.com",
                                 associate_media=sdp, signaling=[("SIP", invite)]),
        laes.direct_signal_reporting(content, [("SIP", invite)]),
        laes.answer(call, answering="sip:alice@atlanta.example.com", answering_media=sdp),
        laes.cc_open(content, ccc, subject_media=sdp, associate_media=sdp),
        laes.media_and_address_reporting(call, subject_media=sdp),
    ]
    cc = [laes.cc_apdu(d, correlation=content,
                       direction="toSubject" if i % 2 else "fromSubject")
          for i, d in enumerate(datagrams)]
    iri += [laes.release(call), laes.cc_close(content, ccc)]

    # IRI as one TCP byte stream cut anywhere; CC-APDUs one by one.
    stream = b"".join(iri)
    reader = PDUReader(SPEC, LAES_PROTOCOL)
    received = []
    for start in range(0, len(stream), 53):
        received += reader.feed(stream[start:start + 53])
    reader.eof()
    assert [p.raw for p in received] == iri
    messages = [p.value[1]["laesMessage"] for p in received]
    assert all(p.value[1]["protocolIdentifier"] == LAES_OID for p in received)
    assert [n for n, _ in messages] == ["termAttempt", "directSignalReporting", "answer",
                                        "ccOpen", "mediaAndAddressReporting", "release",
                                        "ccClose"]
    assert {m["caseId"] for _, m in messages} == {"CASE-2024-0099"}
    assert {m["iAPSystemId"] for _, m in messages} == {"SBC-DENVER-1"}
    assert {str(m["callId"]) for _, m in messages if "callId" in m} == {str(call[1])}
    cc_open, cc_close = messages[3][1], messages[6][1]
    assert cc_open["contentIdentifier"] == cc_close["contentIdentifier"] == content
    assert messages[1][1]["correlationID"] == content[1]
    assert cc_open["deliveryIdentifier"] == cc_close["deliveryIdentifier"] == (
        "cccId", ("combCCC", "00C0FFEE"))
    assert cc_open["ccDeliveryFormat"] == ("cc-APDU", CC_DELIVERY_HEADER_OID)
    assert messages[0][1]["signalingMsg"] == [{"signalingProt": "SIP", "sigMsg": invite}]

    decoded = [SPEC.decode(CC_APDU, c) for c in cc]
    headers = [d["ccDeliveryHeader"] for d in decoded]
    # The CC carries the identifiers the IRI announced.
    assert all(h["correlationInfo"] == {"caseId": "CASE-2024-0099", "iapId": "SBC-DENVER-1",
                                        "contentIdentifier": cc_open["contentIdentifier"]}
               for h in headers)
    assert [h["sequenceNumber"] for h in headers] == list(range(100))
    assert [d["payload"] for d in decoded] == datagrams
    assert [h["packetDirection"] for h in headers[:2]] == ["fromSubject", "toSubject"]
    times = [m["timestamp"] for _, m in messages[:4]] + [h["timeStamp"] for h in headers]
    assert times == sorted(times)
    assert all(h["timeStamp"] < messages[5][1]["timestamp"] for h in headers)


# =============================================================================================
# Generic paths: any valid message of the modules goes through message() unchanged
# =============================================================================================


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_cdc_message_round_trips(data: st.DataObject) -> None:
    r = _pc()
    body = SPEC.get_type("PCESP.Message").body
    component = data.draw(st.sampled_from([c for c in body.components
                                           if not c.name.startswith("reserved")]))
    value = data.draw(strategy_for(component.type, max_depth=4))
    assert _cdc(r.message(component.name, value)) == ("v4", component.name, value)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_laes_message_round_trips(data: st.DataObject) -> None:
    laes = LAESRecords("CASE-7", "IAP-1", clock=Clock(lambda: T0))
    body = SPEC.get_type("T1S1-LAES-VoP-Abstract-Syntax-Module.LaesMessage").body
    component = data.draw(st.sampled_from([c for c in body.components if c.name != "null-6"]))
    value = data.draw(strategy_for(component.type, max_depth=3, max_list=2))
    members = {c.name for c in component.type.body.components}
    # message() adds the records object's identifiers where the message has them.
    expected = {"caseId": "CASE-7", **{n: "IAP-1" for n in ("iAPSystemId", "reportingSystemId")
                                       if n in members}, **value}
    assert _laes(laes.message(component.name, value)) == (component.name, expected)
