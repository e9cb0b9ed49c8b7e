"""HI2 (TS 101 671), 3GPP TS 33.128 in PS-PDUs (TS 102 232-7) and HI1 operation builders:
round trips through the bundled modules, a call and a 5G session end to end, numbering,
errors naming the field."""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from _misuse import raises_misuse
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import EncodeError
from lawful_intercept.correlation import Clock, NetworkIdentifier, SequenceCounters, SessionIdentity
from lawful_intercept.records import (
    DEFAULT_IRI_TYPES,
    HI1Operations,
    HI2Records,
    MobileRecords,
    PSPDUBuilder,
    call_content_link,
    communication_identifier,
    deregistration,
    eutra_location,
    fteid,
    gpsi,
    guti,
    imei_octets,
    imsi_octets,
    ip_address,
    location,
    location_update,
    msisdn_octets,
    network_identifier,
    nr_location,
    party_information,
    pdu_session_establishment,
    pdu_session_modification,
    pdu_session_release,
    pei,
    registration,
    snssai,
    supi,
    target_identifier,
    tbcd,
    tbcd_digits,
    threegpp_hi1_pdu,
    time_stamp,
)
from lawful_intercept.testing import values

T0 = 1_764_504_000_123_456_000  # 2025-11-30T12:00:00.123456Z in nanoseconds
SPEC = lawful_intercept.bundled()
LIID = "LIID-5G-1"
CIN = 424242


def _stepping_clock() -> Clock:
    ticks = iter(range(T0, T0 + 10**15, 1_000_000))
    return Clock(lambda: next(ticks))


def _identity(cin: int | None = CIN) -> SessionIdentity:
    return SessionIdentity(LIID, NetworkIdentifier(b"operator-1", b"smf-3"), cin,
                           authorization_country_code="DE", delivery_country_code="DE")


def _builder(counters: SequenceCounters | None = None, cin: int | None = CIN,
             **kwargs: Any) -> PSPDUBuilder:
    return PSPDUBuilder(_identity(cin), counters=counters or SequenceCounters(),
                        clock=kwargs.pop("clock", _stepping_clock()), **kwargs)


def _hi2(**kwargs: Any) -> HI2Records:
    kwargs.setdefault("clock", _stepping_clock())
    return HI2Records("LIID-HI2", "OP1", network_element="msc-07.example", cin=0xC0FFEE,
                      **kwargs)


# =============================================================================================
# TS 101 671 HI2
# =============================================================================================


def test_map_format_identities() -> None:
    assert imsi_octets("262011234567890") == bytes.fromhex("62021132547698f0")
    assert msisdn_octets("+491701234567") == bytes.fromhex("91947110325476")
    # 14 digits: the digit 0 and a filler in the last octet (TS 29.002 IMEI); 15: check digit
    # dropped first; 16: IMEISV.
    assert imei_octets("35693803564380") == bytes.fromhex("53968330653408f0")
    assert imei_octets("356938035643809") == imei_octets("35693803564380")
    assert imei_octets("3569380356438091") == bytes.fromhex("5396833065340819")
    assert tbcd("12*#a") == bytes.fromhex("21bafc")
    assert tbcd_digits(tbcd("12*#a")) == "12*#a"


def test_hi2_call_begin_continue_end() -> None:
    records = _hi2()
    caller = party_information("originating-Party", imsi="262011234567890",
                               msisdn="+491701234567", imei="35693803564380")
    callee = party_information("terminating-Party", sip_uri="sip:bob@example.com",
                               tel_url="tel:+4930123456")
    where = location(latitude=52.520008, longitude=13.404954, azimuth=90,
                     global_cell_id=bytes.fromhex("62f2100001abcd"))
    lemf = ("iSUP-Format", bytes.fromhex("0313"))
    begin = records.record(
        "iRI-Begin-record", party_information=[caller, callee], location_of_the_target=where,
        cc_link1=call_content_link(state="setUpInProcess", lemf_address=lemf),
        cc_link_identifier=7, call_direction="originating-Target", call_state="setUpInProcess",
        nature_of_call="gSM-ISDN-PSTN-circuit-call")
    cont = records.record("iRI-Continue-record", call_state="connected",
                          cc_link1=call_content_link(state="callActive"),
                          ringingDuration=b"\x00\x00\x05")
    end = records.record(
        "iRI-End-record", call_state="idle",
        cc_link1=call_content_link(state="callReleased", release_time=records.time_stamp(T0),
                                   release_reason=b"\x80\x90"),
        conversationDuration=b"\x00\x01\x10", sMS=None,
        **{"release-Reason-Of-Intercepted-Call": b"\x80\x90"})
    assert "sMS" not in end[1]  # None means left out

    decoded = [SPEC.decode("IRIsContent", records.encode(r)) for r in (begin, cont, end)]
    assert decoded == [("iRIContent", r) for r in (begin, cont, end)]
    kinds = [d[1][0] for d in decoded]
    assert kinds == ["iRI-Begin-record", "iRI-Continue-record", "iRI-End-record"]
    params = [d[1][1] for d in decoded]
    assert {p["lawfulInterceptionIdentifier"] for p in params} == {b"LIID-HI2"}
    assert all(p["communicationIdentifier"] == {
        "communication-Identity-Number": b"\xc0\xff\xee",
        "network-Identifier": {"operator-Identifier": b"OP1",
                               "network-Element-Identifier": ("dNS-Format",
                                                              b"msc-07.example")}}
        for p in params)
    assert {p["domainID"] for p in params} == {"0.4.0.2.2.1.18"}
    stamps = [p["timeStamp"][1]["generalizedTime"] for p in params]
    assert stamps == sorted(stamps) and stamps[0] == datetime(2025, 11, 30, 12, 0, 0, 123456,
                                                              tzinfo=UTC)
    geo = params[0]["locationOfTheTarget"]["gsmLocation"][1]
    assert (geo["latitude"], geo["longitude"]) == ("N523112.03", "E0132417.83")
    identities = {p["party-Qualifier"]: p["partyIdentity"] for p in params[0]["partyInformation"]}
    assert tbcd_digits(identities["originating-Party"]["imsi"]) == "262011234567890"
    assert identities["terminating-Party"]["sip-uri"] == b"sip:bob@example.com"
    assert params[2]["callContentLinkInformation"]["cCLink1Characteristics"][
        "release-Reason"] == b"\x80\x90"

    # The same records as one IRISequence, and the convenience methods.
    sequence = SPEC.decode("IRIsContent", records.sequence([begin, cont, end]))
    assert sequence == ("iRISequence", [begin, cont, end])
    report = SPEC.decode("IRIsContent", records.report(call_state="idle"))
    assert report[1][0] == "iRI-Report-record"
    for method, kind in ((records.begin, "iRI-Begin-record"),
                         (records.continue_, "iRI-Continue-record"),
                         (records.end, "iRI-End-record")):
        assert SPEC.decode("IRIsContent", method(time=T0))[1][0] == kind


def test_hi2_records_in_a_ps_pdu() -> None:
    records = _hi2()
    begin = records.record("iRI-Begin-record", party_information=[
        party_information("gPRS-Target", imsi="262011234567890")])
    builder = _builder()
    pdu = SPEC.decode("PS-PDU", builder.iri(HI2Records.ps_contents(begin), iri_type="iRI-Begin"))
    assert pdu["payload"][1][0]["iRIContents"] == ("eTSI671IRI",
                                                   ("iRIsContent", ("iRIContent", begin)))


def test_hi2_time_stamp_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    utc = _hi2(time_stamps="utcTime", clock=Clock(lambda: T0))
    value = SPEC.decode("IRIsContent", utc.report())[1][1]["timeStamp"]
    assert value == ("utcTime", datetime(2025, 11, 30, 12, 0, 0))  # whole seconds, Z
    monkeypatch.setenv("TZ", "Europe/Berlin")
    _time.tzset()
    try:
        local = Clock(lambda: T0, utc=False)
        winter = time_stamp(T0, clock=local)
        summer = time_stamp(T0 - 150 * 86400 * 10**9, clock=local)
        assert winter[1]["winterSummerIndication"] == "winterTime"
        assert summer[1]["winterSummerIndication"] == "summerTime"
        assert winter[1]["generalizedTime"] == datetime(2025, 11, 30, 13, 0, 0, 123456)
        records = _hi2(clock=local)
        decoded = SPEC.decode("IRIsContent", records.report())[1][1]["timeStamp"]
        assert decoded == winter
    finally:
        monkeypatch.delenv("TZ")
        _time.tzset()
    assert time_stamp(T0)[1]["winterSummerIndication"] == "notProvided"


digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


@st.composite
def parties(draw: st.DrawFn) -> dict[str, Any]:
    qualifier = draw(st.sampled_from(["originating-Party", "terminating-Party",
                                      "forwarded-to-Party", "gPRS-Target"]))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["imsi"] = draw(st.text(alphabet="0123456789", min_size=6, max_size=15))
    if draw(st.booleans()):
        kwargs["msisdn"] = draw(st.text(alphabet="0123456789", min_size=1, max_size=15))
    if draw(st.booleans()):
        kwargs["imei"] = draw(st.text(alphabet="0123456789", min_size=14, max_size=16))
    if draw(st.booleans()):
        kwargs["sip_uri"] = "sip:" + draw(st.text(min_size=1, max_size=20))
    return party_information(qualifier, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["iRI-Begin-record", "iRI-Continue-record", "iRI-End-record",
                          "iRI-Report-record"]),
    people=st.lists(parties(), min_size=1, max_size=4),
    cin=st.one_of(st.integers(0, 2**64 - 1), st.binary(min_size=1, max_size=8)),
    when=st.integers(0, 2**62),
    mode=st.sampled_from(["localTime", "utcTime"]),
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
)
def test_hi2_records_round_trip(kind: str, people: list[dict[str, Any]], cin: int | bytes,
                                when: int, mode: Any, lat: float, lon: float) -> None:
    when = T0 + when % (40 * 365 * 86400 * 10**9)  # stays inside UTCTime's years
    records = HI2Records("LIID-P", b"\x01\x02\x03", cin=cin, time_stamps=mode)
    record = records.record(kind, party_information=people, time=when,
                            location_of_the_target=location(latitude=lat, longitude=lon))
    assert SPEC.decode("IRIsContent", records.encode(record)) == ("iRIContent", record)
    for given_party in people:
        identity = given_party["partyIdentity"]
        if "imsi" in identity:
            assert tbcd_digits(identity["imsi"]).isdigit()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.begin(party_information=[party_information("originating-Party",
                                                                imsi="2620x1234")]), "imsi"),
        (lambda r: r.begin(party_information=[party_information("originating-Party",
                                                                msisdn="1" * 16)]), "msISDN"),
        (lambda r: r.begin(party_information=[party_information("originating-Party",
                                                                imei="1234")]), "imei"),
        (lambda r: r.begin(party_information=[party_information("caller")]), "party-Qualifier"),
        (lambda r: r.begin(party_information=[]), "partyInformation"),
        (lambda r: r.begin(cc_link_identifier=b"123456789"), "cC-Link-Identifier"),
        (lambda r: r.begin(call_state="ringing"), "intercepted-Call-State"),
        (lambda r: r.begin(bogus=1), "bogus"),
        (lambda r: r.begin(call_state="idle", **{"intercepted-Call-State": "idle"}),
         "intercepted-Call-State"),
        (lambda r: r.begin(cc_link1=call_content_link(release_reason=b"\x01")),
         "release-Reason"),
        (lambda r: r.begin(location_of_the_target=location(latitude=91.0, longitude=0.0)),
         "latitude"),
        (lambda r: r.begin(location_of_the_target=location(tai=b"\x00")), "tAI"),
        (lambda r: r.record("iRI-Middle-record"), "IRIContent"),
        (lambda r: r.sequence([]), "iRISequence"),
        (lambda r: HI2Records("L" * 26, "OP"), "lawfulInterceptionIdentifier"),
        (lambda r: HI2Records("L", "OPERATOR"), "operator-Identifier"),
        (lambda r: HI2Records("L", "OP", cin=b"123456789"), "communication-Identity-Number"),
        (lambda r: HI2Records("L", "OP", cin=-1), "communication-Identity-Number"),
        (lambda r: HI2Records("L", "OP", network_element="x" * 26), "dNS-Format"),
        (lambda r: HI2Records("L", "OP", time_stamps="utcTime").report(
            time=datetime(2070, 1, 1, tzinfo=UTC)), "utcTime"),
    ],
)
def test_hi2_invalid_inputs_name_the_field(call: Callable[[HI2Records], Any],
                                           field: str) -> None:
    with pytest.raises(EncodeError) as info:
        call(_hi2())
    assert field in info.value.path


@settings(max_examples=40, deadline=None)
@given(bad=st.text(min_size=1, max_size=16).filter(lambda s: not s.isdigit()))
def test_hi2_bad_imsi_text_raises(bad: str) -> None:
    with pytest.raises(EncodeError) as info:
        _hi2().begin(party_information=[party_information("gPRS-Target", imsi=bad)])
    assert info.value.path.endswith("imsi")


def test_hi2_network_elements() -> None:
    assert network_identifier("OP", "192.0.2.1")["network-Element-Identifier"] == (
        "iP-Address", ip_address("192.0.2.1"))
    assert network_identifier("OP", ("e164-Format", b"\x91\x94"))[
        "network-Element-Identifier"] == ("e164-Format", b"\x91\x94")
    assert communication_identifier("OP", cin=0)["communication-Identity-Number"] == b"\x00"
    other = _hi2().with_cin(b"call-2")
    assert other.communication_identifier["communication-Identity-Number"] == b"call-2"
    assert SPEC.decode("IRIsContent", other.report())[1][1]["communicationIdentifier"] == (
        other.communication_identifier)


# =============================================================================================
# 3GPP TS 33.128 in PS-PDUs
# =============================================================================================

SUPI = "imsi-262011234567890"
PEI = "imei-356938035643809"
GPSI = "msisdn-491701234567"
GUTI = guti("262", "01", 0x12, 0x3F, 5, 0xDEADBEEF)
CELL = nr_location("262", "01", 0x00A1B2, 0x123456789)


def _packets() -> Iterator[tuple[bytes, str]]:
    for i in range(12):
        yield bytes([0x45, 0, 0, 20 + i]) + bytes(16 + i), ("fromTarget", "toTarget")[i % 2]


def test_5g_session_end_to_end() -> None:
    counters = SequenceCounters()
    builder = _builder(counters)
    mobile = MobileRecords(builder)
    targets = [("sUPI", supi(SUPI)), target_identifier(("gPSI", gpsi(GPSI)), "lEAProvided")]
    moved = nr_location("262", "01", 0x00A1B3, 0x123456780)
    events = [
        registration(SUPI, GUTI, pei=PEI, gpsi=GPSI, location=CELL, rATType="nR"),
        pdu_session_establishment(SUPI, 5, fteid(0x1000_0001, "10.20.30.40"), "internet",
                                  pei=PEI, gpsi=GPSI, snssai=snssai(1, 0x000001),
                                  ue_endpoints=["100.64.1.7", "2001:db8::7"],
                                  pdu_session_type="iPv4v6", location=CELL,
                                  accessType="threeGPPAccess", rATType="nR"),
        location_update(SUPI, moved, pei=PEI, gpsi=GPSI, guti=GUTI),
        pdu_session_modification(SUPI, 5, location=moved, ue_endpoint="100.64.1.8"),
        pdu_session_release(SUPI, 5, location=moved, uplink_volume=123_456,
                            downlink_volume=7_654_321, cause="REL_DUE_TO_UE_REQUEST",
                            time_of_first_packet=datetime(2025, 11, 30, 12, 0, 1, tzinfo=UTC),
                            time_of_last_packet=datetime(2025, 11, 30, 12, 5, 0, tzinfo=UTC)),
        deregistration(supi=SUPI, pei=PEI, gpsi=GPSI, guti=GUTI, location=moved,
                       switchOffIndicator="switchOff"),
    ]
    packets = list(_packets())
    stream = [mobile.iri(events[0], target_identifiers=targets),
              mobile.iri(events[1], target_identifiers=targets)]
    stream += [mobile.upf_cc(p, d, qfi=9) for p, d in packets[:6]]
    stream += [mobile.iri(events[2], target_identifiers=targets),
               mobile.iri(events[3], target_identifiers=targets)]
    stream += [mobile.upf_cc(p, d, extended=False) for p, d in packets[6:9]]
    stream += [mobile.cc(("extendedUPFCCPDU", {"payload": ("uPFIPCC", p)}), direction=d)
               for p, d in packets[9:]]
    stream += [mobile.iri(events[4], target_identifiers=targets),
               mobile.iri(events[5], target_identifiers=targets)]

    decoded = [SPEC.decode("PS-PDU", pdu) for pdu in stream]
    headers = [d["pSHeader"] for d in decoded]
    assert {h["lawfulInterceptionIdentifier"] for h in headers} == {LIID.encode()}
    assert {h["communicationIdentifier"]["communicationIdentityNumber"] for h in headers} == {
        CIN}
    assert {h["li-psDomainId"] for h in headers} == {"0.4.0.2.2.5.1.43"}
    iri = [d for d in decoded if d["payload"][0] == "iRIPayloadSequence"]
    cc = [d for d in decoded if d["payload"][0] == "cCPayloadSequence"]
    assert [d["pSHeader"]["sequenceNumber"] for d in iri] == list(range(6))
    assert [d["pSHeader"]["sequenceNumber"] for d in cc] == list(range(12))
    times = [(h["microSecondTimeStamp"]["seconds"], h["microSecondTimeStamp"]["microSeconds"])
             for h in headers]
    assert times == sorted(times)

    iri_types = [d["payload"][1][0]["iRIType"] for d in iri]
    assert iri_types == ["iRI-Report", "iRI-Begin", "iRI-Report", "iRI-Continue", "iRI-End",
                         "iRI-Report"]
    for d, event in zip(iri, events, strict=True):
        contents = d["payload"][1][0]["iRIContents"]
        assert contents[0] == "threeGPP33128DefinedIRI"
        payload = SPEC.decode("TS33128Payloads.IRIPayload", contents[1])
        assert payload["iRIPayloadOID"] == SPEC.values["iRIPayloadOID"] == "4.19.19.8.3"
        assert payload["event"] == event
        assert payload["targetIdentifiers"] == [
            {"identifier": ("sUPI", ("iMSI", "262011234567890"))},
            {"identifier": ("gPSI", ("mSISDN", "491701234567")), "provenance": "lEAProvided"}]
    establishment = SPEC.decode("TS33128Payloads.IRIPayload",
                                iri[1]["payload"][1][0]["iRIContents"][1])["event"][1]
    assert establishment["pEI"] == ("iMEI", "35693803564380")  # check digit not carried
    assert establishment["uEEndpoint"][1] == ("iPv6Address", bytes.fromhex(
        "20010db8000000000000000000000007"))
    assert establishment["location"]["locationInfo"]["userLocation"]["nRLocation"]["nCGI"][
        "nRCellID"] == (bytes.fromhex("1234567890"), 36)

    for d, (packet, direction), i in zip(cc, packets, range(12), strict=True):
        payload = d["payload"][1][0]
        assert payload["payloadDirection"] == direction
        assert payload["cCContents"][0] == "threeGPP33128DefinedCC"
        inner = SPEC.decode("TS33128Payloads.CCPayload", payload["cCContents"][1])
        assert inner["cCPayloadOID"] == "4.19.19.8.4"
        if i < 6:
            assert inner["pDU"] == ("extendedUPFCCPDU", {"payload": ("uPFIPCC", packet),
                                                         "qFI": 9})
        elif i < 9:
            assert inner["pDU"] == ("uPFCCPDU", packet)
        else:
            assert inner["pDU"] == ("extendedUPFCCPDU", {"payload": ("uPFIPCC", packet)})


def test_xiri_payload_for_x2() -> None:
    mobile = MobileRecords(_builder())
    event = registration(SUPI, GUTI, location=CELL)
    xiri = SPEC.decode("XIRIPayload", mobile.xiri_payload(event))
    assert xiri == {"xIRIPayloadOID": "4.19.19.8.1", "event": event}
    assert mobile.xiri_oid == SPEC.values["xIRIPayloadOID"]
    # The LEMF form of the same event differs in its OID only.
    lemf = SPEC.decode("TS33128Payloads.IRIPayload",
                       mobile.iri_payload(event, mediated_from=mobile.xiri_oid))
    assert lemf == {"iRIPayloadOID": "4.19.19.8.3", "event": event,
                    "mediatedFromIndicator": ("xIRIRelativeOID", "4.19.19.8.1")}


@pytest.mark.parametrize("mode", ["microSecondTimeStamp", "timeStamp", "both"])
@pytest.mark.parametrize(("extended", "qfi", "kind"),
                         [(True, None, "uPFIPCC"), (True, 63, "uPFEthernetCC"),
                          (False, None, "uPFIPCC")])
def test_upf_cc_template_equals_generic_path(mode: Any, extended: bool, qfi: int | None,
                                             kind: str) -> None:
    fast = MobileRecords(_builder(clock=Clock(lambda: T0), time_stamps=mode))
    slow = MobileRecords(_builder(clock=Clock(lambda: T0), time_stamps=mode))
    packet = bytes(range(200))
    if extended:
        body: dict[str, Any] = {"payload": (kind, packet)}
        if qfi is not None:
            body["qFI"] = qfi
        pdu: tuple[str, Any] = ("extendedUPFCCPDU", body)
    else:
        pdu = ("uPFCCPDU", packet)
    for _ in range(2):
        assert fast.upf_cc(packet, "toTarget", payload_type=kind, qfi=qfi,
                           extended=extended) == slow.cc(pdu, direction="toTarget")


imsi_digits = st.text(alphabet="0123456789", min_size=6, max_size=15)


@settings(max_examples=50, deadline=None)
@given(
    imsi=imsi_digits,
    nai=st.from_regex(r"[a-z0-9.]{1,12}@[a-z]{1,10}\.example", fullmatch=True),
    use_nai=st.booleans(),
    imei=st.text(alphabet="0123456789", min_size=14, max_size=16),
    msisdn=st.text(alphabet="0123456789", min_size=1, max_size=15),
    session_id=st.integers(0, 255),
    teid=st.integers(0, 2**32 - 1),
    tac=st.integers(0, 2**24 - 1),
    cell=st.integers(0, 2**36 - 1),
    eutra_cell=st.integers(0, 2**28 - 1),
)
def test_mobile_events_round_trip(imsi: str, nai: str, use_nai: bool, imei: str, msisdn: str,
                                  session_id: int, teid: int, tac: int, cell: int,
                                  eutra_cell: int) -> None:
    counters = SequenceCounters()
    mobile = MobileRecords(_builder(counters))
    subscriber = f"nai-{nai}" if use_nai else f"imsi-{imsi}"
    where = nr_location("001", "001", tac, cell)
    events = [
        registration(subscriber, guti("001", "01", 1, 2, 3, teid), pei=imei, gpsi=msisdn,
                     location=where),
        pdu_session_establishment(subscriber, session_id, fteid(teid, "192.0.2.9"), "ims",
                                  location=eutra_location("001", "01", tac & 0xFFFF,
                                                          eutra_cell)),
        pdu_session_release(subscriber, session_id, gpsi=f"+{msisdn}"),
    ]
    for n, event in enumerate(events):
        pdu = SPEC.decode("PS-PDU", mobile.iri(event, target_identifiers=[("iMSI", imsi)]))
        assert pdu["pSHeader"]["sequenceNumber"] == n
        payload = SPEC.decode("TS33128Payloads.IRIPayload",
                              pdu["payload"][1][0]["iRIContents"][1])
        assert payload["event"] == event
        x = SPEC.decode("XIRIPayload", mobile.xiri_payload(event))
        assert x["event"] == event
    sent = events[0][1]
    assert sent["sUPI"] == (("nAI", nai) if use_nai else ("iMSI", imsi))
    assert sent["pEI"] == (("iMEISV", imei) if len(imei) == 16 else ("iMEI", imei[:14]))
    assert sent["gPSI"] == ("mSISDN", msisdn)


@settings(max_examples=30, deadline=None)
@given(body=values(SPEC, "SMFUnsuccessfulProcedure", max_depth=4))
def test_generic_event_round_trip(body: Any) -> None:
    mobile = MobileRecords(_builder())
    event = ("unsuccessfulSMProcedure", body)
    pdu = SPEC.decode("PS-PDU", mobile.iri(event))
    assert pdu["payload"][1][0]["iRIType"] == DEFAULT_IRI_TYPES["unsuccessfulSMProcedure"]
    payload = SPEC.decode("TS33128Payloads.IRIPayload", pdu["payload"][1][0]["iRIContents"][1])
    assert payload["event"] == event


def test_identity_forms() -> None:
    assert supi("262011234567890") == ("iMSI", "262011234567890")
    assert supi("user@realm.example") == ("nAI", "user@realm.example")
    assert pei("imeisv-3569380356438091") == ("iMEISV", "3569380356438091")
    assert pei("mac-00-11-22-AA-bb-cc") == ("mACAddress", bytes.fromhex("001122aabbcc"))
    assert pei(b"\x00\x11\x22\x33\x44\x55") == ("mACAddress", bytes.fromhex("001122334455"))
    assert pei("eui-00-11-22-33-44-55-66-77") == ("eUI64", bytes.fromhex("0011223344556677"))
    assert gpsi("extid-device@mtc.example") == ("nAI", "device@mtc.example")
    assert gpsi("+491701234567") == ("mSISDN", "491701234567")
    assert snssai(1, 0x0A0B0C) == {"sliceServiceType": 1, "sliceDifferentiator": b"\x0a\x0b\x0c"}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m: m.iri(registration("imsi-2620x", GUTI)), "sUPI"),
        (lambda m: m.iri(registration("nobody", GUTI)), "sUPI"),
        (lambda m: m.iri(registration(SUPI, GUTI, pei="1234")), "pEI"),
        (lambda m: m.iri(registration(SUPI, GUTI, gpsi="msisdn-12a")), "gPSI"),
        (lambda m: m.iri(registration(SUPI, guti("2620", "01", 1, 2, 3, 4))), "gUTI.mCC"),
        (lambda m: m.iri(registration(SUPI, guti("262", "01", 1, 2, 64, 4))), "aMFPointer"),
        (lambda m: m.iri(registration(SUPI, GUTI, registration_type="first")),
         "registrationType"),
        (lambda m: m.iri(registration(SUPI, GUTI, sUPI=("iMSI", "262011234567890"))), "sUPI"),
        (lambda m: m.iri(pdu_session_establishment(SUPI, 256, fteid(1), "internet")),
         "pDUSessionID"),
        (lambda m: m.iri(pdu_session_establishment(SUPI, 1, fteid(2**32), "internet")), "tEID"),
        (lambda m: m.iri(pdu_session_establishment(SUPI, 1, fteid(1, "10.0.0.300"), "x")),
         "gTPTunnelID"),
        (lambda m: m.iri(pdu_session_establishment(SUPI, 1, fteid(1), "x",
                                                   ue_endpoints=["nope"])), "uEEndpoint"),
        (lambda m: m.iri(location_update(SUPI, nr_location("262", "01", 1, 2**36))),
         "nRCellID"),
        (lambda m: m.iri(location_update(SUPI, nr_location("262", "01", 2**24, 1))), "tAC"),
        (lambda m: m.iri(("noSuchEvent", {})), "iRIType"),
        (lambda m: m.iri(("noSuchEvent", {}), iri_type="iRI-Report"), "event"),
        (lambda m: m.iri(registration(SUPI, GUTI), iri_type="iRI-Middle"), "iRIType"),
        (lambda m: m.iri(registration(SUPI, GUTI), target_identifiers=[("iMSI", "12")]),
         "targetIdentifiers"),
        (lambda m: m.upf_cc(b"x", "sideways"), "payloadDirection"),
        (lambda m: m.upf_cc(b"x", "fromTarget", qfi=64), "qFI"),
        (lambda m: m.upf_cc(b"x", "fromTarget", payload_type="uPFVoice"), "payload"),
        (lambda m: m.upf_cc(b"x", "fromTarget", qfi=1, extended=False), "uPFCCPDU"),
        (lambda m: m.cc(("uPFCCPDU", "text")), "uPFCCPDU"),
        (lambda m: m.cc(("uPFCCPDU", b"x"), direction="up"), "payloadDirection"),
    ],
)
def test_mobile_invalid_inputs_name_the_field_and_take_no_number(
        call: Callable[[MobileRecords], Any], field: str) -> None:
    counters = SequenceCounters()
    mobile = MobileRecords(_builder(counters))
    with pytest.raises(EncodeError) as info:
        call(mobile)
    assert field in info.value.path
    assert counters.peek(LIID, CIN, "IRI") == 0
    assert counters.peek(LIID, CIN, "CC") == 0


@settings(max_examples=40, deadline=None)
@given(bad=st.text(max_size=20).filter(  # NumericString: digits and space, SIZE (6..15)
    lambda s: not (set(s) <= set("0123456789 ") and 6 <= len(s) <= 15)))
def test_bad_imsi_raises_and_takes_no_number(bad: str) -> None:
    counters = SequenceCounters()
    mobile = MobileRecords(_builder(counters))
    with pytest.raises(EncodeError) as info:
        mobile.iri(registration(("iMSI", bad), GUTI))
    assert info.value.path.endswith("sUPI.iMSI")
    assert counters.peek(LIID, CIN, "IRI") == 0


@settings(max_examples=40, deadline=None)
@given(bad=st.one_of(st.text(max_size=5), st.integers(), st.none(), st.lists(st.integers())))
def test_bad_upf_packet_raises_and_takes_no_number(bad: Any) -> None:
    counters = SequenceCounters()
    mobile = MobileRecords(_builder(counters))
    mobile.upf_cc(b"ok", "fromTarget")
    with pytest.raises(EncodeError) as info:
        mobile.upf_cc(bad, "fromTarget")
    assert "uPFIPCC" in info.value.path
    assert counters.peek(LIID, CIN, "CC") == 1


def test_spec_without_33128_is_refused() -> None:
    spec = lawful_intercept.compile_string(
        "M DEFINITIONS ::= BEGIN li-psDomainId OBJECT IDENTIFIER ::= {0 4 0 2 2 5 1 43} END")
    with raises_misuse(ValueError, "spec", "TS33128Payloads"):
        MobileRecords(SimpleNamespace(spec=spec))  # type: ignore[arg-type]


# =============================================================================================
# HI1 operations
# =============================================================================================


def _hi1(**kwargs: Any) -> HI1Operations:
    return HI1Operations("LIID-HI1", communication_identifier=communication_identifier(
        "OP1", network_element="10.0.0.1", cin=77), clock=kwargs.pop("clock",
                                                                     _stepping_clock()),
        **kwargs)


def test_hi1_operations_in_ps_pdus() -> None:
    counters = SequenceCounters()
    builder = _builder(counters)
    ops = _hi1()
    target = ops.target_information(
        target_type="iMSI", interception_type="dataIriCc",
        hi2_delivery_address=ip_address("192.0.2.10"),
        hi3_delivery_address=ip_address("2001:db8::10"), activated_time=T0, set_up_time=T0,
        network=network_identifier("OP1"))
    etsi = [ops.activated(target_information="imsi 262011234567890",
                          national_country_code="DE"),
            ops.modified(with_cin=False), ops.alarm("X1 link lost", with_liid=False),
            ops.deactivated(), ops.national("DE")]
    threegpp = [ops.threegpp_activated(target=target, network=network_identifier("OP1", "amf"),
                                       broadcast_status="succesfull"),
                ops.threegpp_modified(national_country_code="NL"),
                ops.threegpp_alarm("UPF unreachable", network_element_information="upf-2",
                                   target=target),
                ops.threegpp_deactivated(), ops.threegpp_national("FR")]
    stream = [builder.hi1(op) for op in etsi] + [threegpp_hi1_pdu(builder, op)
                                                  for op in threegpp]
    stream.append(MobileRecords(builder).iri(registration(SUPI, GUTI)))
    decoded = [SPEC.decode("PS-PDU", pdu) for pdu in stream]
    # HI1 operations are numbered with the IRI of the communication: one gapless counter.
    assert [d["pSHeader"]["sequenceNumber"] for d in decoded] == list(range(11))
    assert [d["payload"] for d in decoded[:10]] == (
        [("hI1-Operation", op) for op in etsi] + [("threeGPP-HI1-Operation", op)
                                                  for op in threegpp])
    first = etsi[0][1]
    assert first["domainID"] == SPEC.values["hi1OperationId"] == "0.4.0.2.2.0.1.6"
    assert first["communicationIdentifier"]["network-Identifier"][
        "network-Element-Identifier"][0] == "iP-Address"
    assert "communicationIdentifier" not in etsi[1][1]
    assert "lawfulInterceptionIdentifier" not in etsi[2][1]
    assert threegpp[0][1]["domainID"] == "0.4.0.2.2.4.0.1.16.1"
    assert threegpp[0][1]["target-Information"]["deliveryInformation"][
        "hi3DeliveryIpAddress"]["iP-type"] == "iPV6"


def test_hi1_without_cin_numbers_with_cin_zero() -> None:
    counters = SequenceCounters()
    builder = _builder(counters, cin=None)
    ops = _hi1(time_stamps="utcTime")
    threegpp_hi1_pdu(builder, ops.threegpp_activated())
    builder.hi1(ops.activated())
    assert counters.peek(LIID, 0, "IRI") == 2
    # The same bytes as the builder's own PDU path would write for this payload alternative.
    for mode in ("microSecondTimeStamp", "timeStamp", "both"):
        op = ops.threegpp_deactivated(time=T0)
        ours = threegpp_hi1_pdu(_builder(time_stamps=mode), op, time=T0)
        theirs = _builder(time_stamps=mode)._pdu("IRI", ("threeGPP-HI1-Operation", op), T0,
                                                 CIN)[1]
        assert ours == theirs


@settings(max_examples=40, deadline=None)
@given(
    liid=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1,
                 max_size=25),
    info=st.binary(min_size=1, max_size=256),
    when=st.integers(0, 2**62),
    mode=st.sampled_from(["localTime", "utcTime"]),
    threegpp=st.booleans(),
)
def test_hi1_round_trip(liid: str, info: bytes, when: int, mode: Any, threegpp: bool) -> None:
    when = T0 + when % (40 * 365 * 86400 * 10**9)
    ops = HI1Operations(liid, time_stamps=mode)
    builder = _builder()
    if threegpp:
        op = ops.threegpp_alarm(info, time=when)
        pdu = threegpp_hi1_pdu(builder, op, time=when)
        assert SPEC.decode("PS-PDU", pdu)["payload"] == ("threeGPP-HI1-Operation", op)
    else:
        op = ops.alarm(info, time=when)
        assert SPEC.decode("PS-PDU", builder.hi1(op, time=when))["payload"] == (
            "hI1-Operation", op)
    assert op[1]["alarm-information"] == info


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda o: o.alarm(b"x" * 257), "alarm-information"),
        (lambda o: o.alarm(""), "alarm-information"),
        (lambda o: o.activated(target_information=b""), "target-Information"),
        (lambda o: o.national("XX"), "countryCode"),
        (lambda o: o.threegpp_modified(national_country_code="de"), "countryCode"),
        (lambda o: o.threegpp_activated(target=o.target_information(target_type="email")),
         "targetType"),
        (lambda o: o.threegpp_activated(broadcast_status="ok"), "broadcastStatus"),
        (lambda o: o.threegpp_alarm("x", network_element_information=b""),
         "network-Element-Information"),
        (lambda o: HI1Operations("L" * 26), "lawfulInterceptionIdentifier"),
    ],
)
def test_hi1_invalid_inputs_name_the_field(call: Callable[[HI1Operations], Any],
                                           field: str) -> None:
    with pytest.raises(EncodeError) as info:
        call(_hi1())
    assert field in info.value.path


def test_invalid_threegpp_operation_takes_no_number() -> None:
    counters = SequenceCounters()
    builder = _builder(counters)
    with pytest.raises(EncodeError) as info:
        threegpp_hi1_pdu(builder, ("liActivated", {"timeStamp": ("utcTime", datetime(2025, 1,
                                                                                       1))}))
    assert "lawfulInterceptionIdentifier" in str(info.value)
    assert counters.peek(LIID, CIN, "IRI") == 0
