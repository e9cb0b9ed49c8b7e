"""Every conversion row of the mediation function (docs/mediation.md): each produced record
decoded with the bundled specification, its LIID, CIN, sequence number, IRI type,
direction, time stamp and payload checked."""

from __future__ import annotations

import uuid

import pytest
from _mediation_support import (
    ACK,
    BYE,
    CLOCK,
    INVITE,
    MESSAGE,
    NOW,
    OK_BYE,
    OK_INVITE,
    REGISTER,
    RINGING,
    SOURCE,
    SPEC,
    T0,
    TARGET,
    attrs,
    cc_payload,
    cin,
    converter,
    decoded,
    header,
    ipv4,
    ipv6,
    iri_payload,
    rtp,
    task,
    x2,
    x3,
)

from lawful_intercept.catalog import CC_APDU, CDC_PDU, LAES_PROTOCOL
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.records import (
    IPAccessRecords,
    MobileRecords,
    PSPDUBuilder,
    guti,
    parse_ccc_packet,
    registration,
)


def test_sip_becomes_ipmmiri_with_the_message_addresses_and_iri_types() -> None:
    conv = converter()
    conv.activate(task())
    dialog = [(INVITE, 3, "iRI-Begin"), (RINGING, 2, "iRI-Continue"),
              (OK_INVITE, 2, "iRI-Continue"), (ACK, 3, "iRI-Continue"), (BYE, 3, "iRI-Continue"),
              (OK_BYE, 2, "iRI-End")]
    records = [conv.convert(x2(message, direction=d), NOW)[0] for message, d, _ in dialog]
    cins = {cin(r) for r in records}
    assert len(cins) == 1 and cins != {0}
    for number, (record, (message, direction, iri_type)) in enumerate(
            zip(records, dialog, strict=True)):
        assert (record.destination, record.interface, record.kind) == ("agency", "hi2", "IRI")
        head = header(record)
        assert head["lawfulInterceptionIdentifier"] == b"LIID-42"
        assert head["sequenceNumber"] == number
        assert head["microSecondTimeStamp"] == {"seconds": T0 + 1, "microSeconds": 123456}
        payload = iri_payload(record)
        assert payload["iRIType"] == iri_type
        assert payload["payloadDirection"] == ("fromTarget" if direction == 3 else "toTarget")
        kind, ipmm = payload["iRIContents"]
        assert kind == "iPMMIRI"
        name, value = ipmm["iPMMIRIContents"]
        assert name == "sIPMessage"
        assert value["sIPContent"] == message
        assert value["iPSourceAddress"]["iP-value"][1] == SOURCE.packed
        assert value["iPDestinationAddress"]["iP-value"][1] == TARGET.packed


def test_sip_without_addresses_is_the_original_message_and_iri_only_uses_its_form() -> None:
    conv = converter()
    conv.activate(task())
    record = conv.convert(x2(INVITE, attributes=attrs(addresses=False)), NOW)[0]
    assert iri_payload(record)["iRIContents"][1]["iPMMIRIContents"] == (
        "originalIPMMMessage", INVITE)
    only = converter()
    only.activate(task(delivery_type="IRIOnly"))
    name = iri_payload(only.convert(x2(INVITE), NOW)[0])["iRIContents"][1][
        "iPMMIRIContents"][0]
    assert name == "iRIOnlySIPMessage"


@pytest.mark.parametrize(("messages", "types"), [
    ([REGISTER, INVITE], ["iRI-Report", "iRI-Begin"]),
    ([MESSAGE, OK_INVITE], ["iRI-Begin", "iRI-Continue"]),
    ([RINGING, INVITE, b"garbage"], ["iRI-Report", "iRI-Begin", "iRI-Continue"]),
    ([INVITE, OK_BYE, INVITE], ["iRI-Begin", "iRI-End", "iRI-Report"]),
])
def test_iri_types_follow_the_dialog(messages: list[bytes], types: list[str]) -> None:
    conv = converter()
    conv.activate(task())
    got = [iri_payload(conv.convert(x2(m), NOW)[0])["iRIType"] for m in messages]
    assert got == types


def test_rtp_becomes_ipmmcc_with_the_ssrc_as_stream_and_the_call_cin() -> None:
    conv = converter()
    conv.activate(task())
    invite = conv.convert(x2(INVITE, cid=9), NOW)[0]
    media = [conv.convert(x3(rtp(n), fmt=8, cid=9, direction=2 + n % 2), NOW)[0]
             for n in range(4)]
    assert {cin(r) for r in media} == {cin(invite)}
    for n, record in enumerate(media):
        assert record.interface == "hi3" and record.kind == "CC"
        assert header(record)["sequenceNumber"] == n
        payload = cc_payload(record)
        assert payload["payloadDirection"] == ("toTarget" if n % 2 == 0 else "fromTarget")
        kind, value = payload["cCContents"]
        assert kind == "iPMMCC"
        assert value["mMCCContents"] == rtp(n)
        assert value["frameType"] == "rtpFrame"
        assert value["streamIdentifier"] == (0x11223344).to_bytes(4, "big")


@pytest.mark.parametrize(("fmt", "packet"), [(5, ipv4(7)), (6, ipv6(7))])
def test_ip_packets_become_ipcc(fmt: int, packet: bytes) -> None:
    conv = converter()
    conv.activate(task())
    records = [conv.convert(x3(packet, fmt=fmt, cid=4, direction=3), NOW)[0] for _ in range(3)]
    assert [header(r)["sequenceNumber"] for r in records] == [0, 1, 2]
    payload = cc_payload(records[0])
    assert payload["payloadDirection"] == "fromTarget"
    assert payload["cCContents"][1]["iPCCContents"] == ("iPPackets", packet)
    assert header(records[0])["microSecondTimeStamp"]["seconds"] == T0 + 1


def test_the_arrival_time_stamps_a_pdu_without_timestamp_attribute() -> None:
    conv = converter()
    conv.activate(task())
    arrival = (T0 + 50) * 1_000_000_000 + 7_000
    record = conv.convert(x3(ipv4(), attributes=()), arrival)[0]
    assert header(record)["microSecondTimeStamp"] == {"seconds": T0 + 50, "microSeconds": 7}


def test_directions_map_from_the_x2x3_header() -> None:
    conv = converter()
    conv.activate(task())
    seen = [cc_payload(conv.convert(x3(ipv4(), direction=d), NOW)[0])["payloadDirection"]
            for d in (1, 2, 3, 4, 5)]
    assert seen == ["indeterminate", "toTarget", "fromTarget", "combined", "notapplicable"]


def test_33128_xiri_becomes_iri_and_xcc_becomes_cc() -> None:
    builder = PSPDUBuilder(SessionIdentity("X", NetworkIdentifier(b"o"), 1), spec=SPEC)
    mobile = MobileRecords(builder)
    xiri = mobile.xiri_payload(registration("imsi-262011234567890",
                                            guti("262", "01", 1, 2, 3, 0xDEADBEEF)))
    conv = converter()
    conv.activate(task())
    record = conv.convert(x2(xiri, fmt=2), NOW)[0]
    payload = iri_payload(record)
    assert payload["iRIType"] == "iRI-Report"
    kind, octets = payload["iRIContents"]
    assert kind == "threeGPP33128DefinedIRI"
    iri = SPEC.decode("TS33128Payloads.IRIPayload", octets)
    assert iri["event"][0] == "registration"
    assert iri["mediatedFromIndicator"] == ("xIRIRelativeOID", SPEC.values["xIRIPayloadOID"])
    xcc = mobile.cc_payload(("uPFCCPDU", ipv4(3)))
    cc = conv.convert(x3(xcc, fmt=2), NOW)[0]
    assert cc_payload(cc)["cCContents"] == ("threeGPP33128DefinedCC", xcc)
    assert cin(cc) == cin(record)


def test_a_ts_102232_pdu_is_restamped_with_the_tasks_identifiers() -> None:
    foreign = IPAccessRecords(PSPDUBuilder(
        SessionIdentity("NE-LIID", NetworkIdentifier(b"ne-op", b"ne-1"), 777), spec=SPEC,
        clock=CLOCK))
    sent = [foreign.ipcc(ipv4(n), "toTarget") for n in range(5)]  # numbered 0..4 by the NE
    conv = converter()
    conv.activate(task())
    conv.convert(x3(ipv4(), cid=3), NOW)  # the communication's own CC comes first: number 0
    records = [conv.convert(x3(pdu, fmt=1, cid=3), NOW)[0] for pdu in sent[2:]]
    for n, record in enumerate(records, start=1):
        head = header(record)
        assert head["lawfulInterceptionIdentifier"] == b"LIID-42"
        assert head["communicationIdentifier"]["networkIdentifier"] == {
            "operatorIdentifier": b"operator-1", "networkElementIdentifier": b"mf-1"}
        assert head["sequenceNumber"] == n
        assert decoded(record)["payload"] == SPEC.decode("PS-PDU", sent[n + 1])["payload"]
    assert conv.stats.conversion_errors == 0


def test_payloads_that_are_not_their_format_are_counted_never_passed_on() -> None:
    conv = converter()
    conv.activate(task())
    bad = [x3(b"\x60" + bytes(30), fmt=5), x3(ipv4()[:10], fmt=5), x2(b"\x30\x00", fmt=2),
           x3(b"not BER", fmt=1), x3(b"", fmt=5)]
    assert all(conv.convert(pdu, NOW) == [] for pdu in bad)
    assert conv.stats.conversion_errors == len(bad)
    assert conv.convert(x3(b"\x00" * 20, fmt=7), NOW) == []  # Ethernet: no ETSI row
    assert conv.stats.unsupported_format == 1
    good = conv.convert(x3(ipv4()), NOW)
    assert header(good[0])["sequenceNumber"] == 0  # nothing numbered for the refused


def test_communications_have_their_own_cin_and_numbering() -> None:
    conv = converter()
    conv.activate(task())
    a = [conv.convert(x3(ipv4(), cid=1), NOW)[0] for _ in range(2)]
    b = [conv.convert(x3(ipv4(), cid=2), NOW)[0] for _ in range(2)]
    assert cin(a[0]) == cin(a[1]) != cin(b[0]) == cin(b[1])
    assert [header(r)["sequenceNumber"] for r in a + b] == [0, 1, 0, 1]


def test_atis_sip_and_rtp() -> None:
    conv = converter()
    conv.activate(task(handover_format="ATIS"))
    records = [r for m in (INVITE, OK_INVITE, BYE, OK_BYE)
               for r in conv.convert(x2(m, cid=5), NOW)]
    media = [r for n in range(3) for r in conv.convert(x3(rtp(n), fmt=8, cid=5), NOW)]
    kinds = [SPEC.decode(LAES_PROTOCOL, r.pdu)[1]["laesMessage"][0] for r in records]
    assert kinds == ["directSignalReporting"] * 4 + ["release"]
    report = SPEC.decode(LAES_PROTOCOL, records[0].pdu)[1]["laesMessage"][1]
    assert report["caseId"] == "LIID-42"
    assert report["signalingMsg"] == [{"signalingProt": "SIP", "sigMsg": INVITE}]
    assert media[0].interface == "hi2"
    opened = SPEC.decode(LAES_PROTOCOL, media[0].pdu)[1]["laesMessage"]
    assert opened[0] == "ccOpen"
    apdus = [SPEC.decode(CC_APDU, r.pdu) for r in media[1:]]
    assert all(r.interface == "hi3" and r.kind == "CC" for r in media[1:])
    assert [a["ccDeliveryHeader"]["sequenceNumber"] for a in apdus] == [0, 1, 2]
    content = apdus[0]["ccDeliveryHeader"]["correlationInfo"]["contentIdentifier"]
    assert content == opened[1]["contentIdentifier"]
    assert apdus[0]["ccDeliveryHeader"]["packetDirection"] == "toSubject"
    assert [a["payload"] for a in apdus] == [rtp(n) for n in range(3)]


@pytest.mark.parametrize("fmt_packet", [(5, ipv4(3)), (6, ipv6(3))])
def test_atis_ip_packets_become_cc_apdus(fmt_packet: tuple[int, bytes]) -> None:
    fmt, packet = fmt_packet
    conv = converter()
    conv.activate(task(handover_format="ATIS"))
    records = conv.convert(x3(packet, fmt=fmt, direction=3), NOW)
    assert [r.kind for r in records] == ["IRI", "CC"]
    apdu = SPEC.decode(CC_APDU, records[1].pdu)
    assert apdu["payload"] == packet
    assert apdu["ccDeliveryHeader"]["packetDirection"] == "fromSubject"
    assert conv.convert(x3(packet[:10], fmt=fmt), NOW) == []
    assert conv.stats.conversion_errors == 1


def test_packetcable_cdc_and_ccc() -> None:
    conv = converter(ccc_layout="ESP-I01")
    conv.activate(task(handover_format="PacketCable"))
    records = [r for m in (INVITE, RINGING, OK_INVITE, ACK, BYE, OK_BYE)
               for r in conv.convert(x2(m, cid=6, direction=3), NOW)]
    names = [SPEC.decode(CDC_PDU, r.pdu)["message"][0] for r in records]
    assert names == ["origination", "answer", "release"]
    assert conv.stats.no_record == 3
    media = [r for n in range(2) for r in conv.convert(x3(rtp(n), fmt=8, cid=6), NOW)]
    assert SPEC.decode(CDC_PDU, media[0].pdu)["message"][0] == "ccopen"
    packets = [parse_ccc_packet(r.pdu, "ESP-I01") for r in media[1:]]
    assert media[1].interface == "ccc"
    assert [p.payload for p in packets] == [rtp(0), rtp(1)]
    announced = SPEC.decode(CDC_PDU, media[0].pdu)["message"][1]["cCCId"]
    assert announced[0] == "combCCC"
    assert {p.ccc_id for p in packets} == {int(announced[1], 16)}


def test_unknown_xid_is_counted_and_never_raises() -> None:
    conv = converter()
    assert conv.convert(x3(ipv4(), xid=uuid.uuid4()), NOW) == []
    assert conv.stats.unknown_xid == 1


def test_tasks_are_checked() -> None:
    with pytest.raises(ValueError, match="delivery_type"):
        task(delivery_type="Everything")
    with pytest.raises(ValueError, match="end"):
        task(start=NOW, end=NOW)
    with pytest.raises(ValueError, match="destinations"):
        task(destinations=())
    with pytest.raises(TypeError, match="xid"):
        task(xid="not a uuid")
