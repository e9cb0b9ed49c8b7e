"""PS-PDU record builders: a broadband session end to end, correlation, numbering, errors."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _misuse import raises_misuse
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import EncodeError
from lawful_intercept.correlation import (
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
    micro_second_timestamp,
)
from lawful_intercept.records import IPAccessRecords, NumberedPDU, PSPDUBuilder

T0 = 1_764_504_000_123_456_000  # 2025-11-30T12:00:00.123456Z in nanoseconds


def _identity(cin: int = 1234567) -> SessionIdentity:
    return SessionIdentity(
        "LIID-42",
        NetworkIdentifier(b"operator-1", b"bras-07"),
        cin,
        authorization_country_code="DE",
        delivery_country_code="DE",
    )


def _stepping_clock() -> Clock:
    ticks = iter(range(T0, T0 + 10**15, 1_000_000))
    return Clock(lambda: next(ticks))


def test_broadband_session_end_to_end() -> None:
    spec = lawful_intercept.bundled()
    counters = SequenceCounters()
    builder = PSPDUBuilder(_identity(), counters=counters, clock=_stepping_clock())
    records = IPAccessRecords(builder)
    rng = random.Random(7)
    packets = [
        (bytes(rng.randrange(256) for _ in range(rng.choice((40, 60, 576, 1400)))),
         rng.choice(("toTarget", "fromTarget")))
        for _ in range(1000)
    ]
    stream = [records.ipiri("sessionStart", target_username="sub42@isp.example",
                            access_type="xDSL", target_ip="198.51.100.7",
                            iri_type="iRI-Begin")]
    stream += [records.ipcc(p, d) for p, d in packets]
    stream.append(records.ipiri("sessionEnd", target_username="sub42@isp.example",
                                access_type="xDSL", target_ip="198.51.100.7",
                                iri_type="iRI-End", endReason="regularLogoff"))
    decoded = [spec.decode("PS-PDU", pdu) for pdu in stream]
    headers = [d["pSHeader"] for d in decoded]
    # IRI and CC share the correlation identifiers by construction.
    assert {h["lawfulInterceptionIdentifier"] for h in headers} == {b"LIID-42"}
    assert {h["communicationIdentifier"]["communicationIdentityNumber"] for h in headers} == {
        1234567
    }
    assert {h["li-psDomainId"] for h in headers} == {"0.4.0.2.2.5.1.43"}
    kinds = [d["payload"][0] for d in decoded]
    iri_numbers = [h["sequenceNumber"] for h, k in zip(headers, kinds, strict=True)
                   if k == "iRIPayloadSequence"]
    cc_numbers = [h["sequenceNumber"] for h, k in zip(headers, kinds, strict=True)
                  if k == "cCPayloadSequence"]
    assert iri_numbers == [0, 1]
    assert cc_numbers == list(range(1000))  # gapless per (LIID, CIN, kind)
    for (packet, direction), d in zip(packets, decoded[1:-1], strict=True):
        cc = d["payload"][1][0]
        assert cc["payloadDirection"] == direction
        assert cc["cCContents"] == ("iPCC", {"iPCCObjId": "5.3.18.2",
                                             "iPCCContents": ("iPPackets", packet)})
    start = decoded[0]["payload"][1][0]
    assert start["iRIType"] == "iRI-Begin"
    contents = start["iRIContents"][1]["iPIRIContents"]
    assert contents["accessEventType"] == "sessionStart"
    assert contents["targetIPAddress"]["iP-value"] == ("iPBinaryAddress",
                                                       bytes([198, 51, 100, 7]))
    end = decoded[-1]["payload"][1][0]["iRIContents"][1]["iPIRIContents"]
    assert end["endReason"] == "regularLogoff"
    times = [h["microSecondTimeStamp"] for h in headers]
    assert times == sorted(times, key=lambda t: (t["seconds"], t["microSeconds"]))


def test_template_path_equals_generic_path() -> None:
    builder = PSPDUBuilder(_identity(), clock=Clock(lambda: T0))
    records = IPAccessRecords(builder)
    fast = records.ipcc(b"\x45" * 100, "fromTarget")
    other = PSPDUBuilder(_identity(), clock=Clock(lambda: T0))
    slow = other.cc(("iPCC", {"iPCCObjId": "5.3.18.2", "iPCCContents": ("iPPackets",
                                                                        b"\x45" * 100)}),
                    direction="fromTarget")
    assert fast == slow


@pytest.mark.parametrize("mode", ["timeStamp", "both"])
def test_time_stamp_modes(mode: str) -> None:
    spec = lawful_intercept.bundled()
    builder = PSPDUBuilder(_identity(), clock=Clock(lambda: T0), time_stamps=mode)  # type: ignore[arg-type]
    header = spec.decode("PS-PDU", IPAccessRecords(builder).ipcc(b"x", "toTarget"))["pSHeader"]
    assert header["timeStamp"].isoformat() == "2025-11-30T12:00:00.123456+00:00"
    assert ("microSecondTimeStamp" in header) == (mode == "both")
    if mode == "both":
        assert header["microSecondTimeStamp"] == micro_second_timestamp(T0)


@settings(max_examples=50, deadline=None)
@given(bad=st.one_of(st.text(max_size=5), st.integers(), st.none(), st.lists(st.integers())))
def test_bad_packet_raises_and_takes_no_number(bad: Any) -> None:
    counters = SequenceCounters()
    records = IPAccessRecords(PSPDUBuilder(_identity(), counters=counters))
    records.ipcc(b"ok", "toTarget")
    with pytest.raises(EncodeError) as info:
        records.ipcc(bad, "toTarget")
    assert info.value.path == "iPPackets"
    assert counters.peek("LIID-42", 1234567, "CC") == 1  # nothing was numbered


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda r: r.ipcc(b"x", "sideways"), "payloadDirection"),
        (lambda r: r.ipiri("sessionStart", target_username="u", iri_type="iRI-Middle"),
         "iRIType"),
        (lambda r: r.ipiri("sessionBegan", target_username="u"), "accessEventType"),
        (lambda r: r.ipiri("sessionStart", target_username="u", target_ip="300.1.1.1"),
         "iP-value"),
        (lambda r: r.ipiri("sessionStart", target_username="u", octetsReceived=-1),
         "octetsReceived"),
    ],
)
def test_invalid_records_raise_naming_the_field(call: Any, path: str) -> None:
    counters = SequenceCounters()
    records = IPAccessRecords(PSPDUBuilder(_identity(), counters=counters))
    with pytest.raises(EncodeError) as info:
        call(records)
    assert path in info.value.path
    assert counters.peek("LIID-42", 1234567, "IRI") == 0
    assert counters.peek("LIID-42", 1234567, "CC") == 0


def test_identity_errors_come_from_correlation() -> None:
    with pytest.raises(EncodeError, match="LIID"):
        SessionIdentity("L" * 26, NetworkIdentifier(b"op"), 1)
    with pytest.raises(EncodeError, match="ISO 3166"):
        SessionIdentity("LIID", NetworkIdentifier(b"op"), 1, authorization_country_code="XX")
    with raises_misuse(TypeError, "identity", "SessionIdentity, not str"):
        PSPDUBuilder("not an identity")  # type: ignore[arg-type]


def test_builder_option_errors() -> None:
    with raises_misuse(ValueError, "time_stamps", "'both', not 'local'"):
        PSPDUBuilder(_identity(), time_stamps="local")  # type: ignore[arg-type]
    other = lawful_intercept.compile_string("M DEFINITIONS ::= BEGIN T ::= INTEGER END")
    with raises_misuse(ValueError, "spec", "LI-PS-PDU"):
        PSPDUBuilder(_identity(), spec=other)


def test_cin_reset_and_keep_alive() -> None:
    spec = lawful_intercept.bundled()
    counters = SequenceCounters(restarted=True)
    builder = PSPDUBuilder(_identity(), counters=counters, clock=Clock(lambda: T0))
    assert counters.needs_cin_reset("LIID-42", 1234567)
    reset = spec.decode("PS-PDU", builder.cin_reset())
    assert reset["payload"] == ("tRIPayload", ("cINReset", None))
    assert not counters.needs_cin_reset("LIID-42", 1234567)
    keep = spec.decode("PS-PDU", builder.keep_alive())
    assert keep["payload"] == ("tRIPayload", ("keep-alive", None))
    assert keep["pSHeader"]["sequenceNumber"] == 1  # TRI numbered on its own


def test_tri_numbered_returns_the_number_it_used() -> None:
    spec = lawful_intercept.bundled()
    counters = SequenceCounters()
    builder = PSPDUBuilder(_identity(), counters=counters, clock=Clock(lambda: T0))
    twin = PSPDUBuilder(_identity(), counters=SequenceCounters(), clock=Clock(lambda: T0))
    builder.keep_alive()
    numbered = builder.tri_numbered(("keep-alive", None))
    assert isinstance(numbered, NumberedPDU)
    assert numbered.sequence_number == 1
    twin.keep_alive()
    assert numbered.pdu == twin.tri(("keep-alive", None))  # the same PDU as tri()
    decoded = spec.decode("PS-PDU", numbered.pdu)
    assert decoded["pSHeader"]["sequenceNumber"] == numbered.sequence_number
    assert counters.peek("LIID-42", 1234567, "TRI") == 2
    sequence_number, pdu = builder.tri_numbered(("pDUAcknowledgementRequest", None), time=T0)
    assert sequence_number == 2
    assert spec.decode("PS-PDU", pdu)["payload"] == (
        "tRIPayload", ("pDUAcknowledgementRequest", None))
    with pytest.raises(EncodeError):
        builder.tri_numbered(("no-such-payload", None))
    assert counters.peek("LIID-42", 1234567, "TRI") == 3  # nothing taken for a bad payload


def test_older_ps_pdu_version() -> None:
    spec = lawful_intercept.bundled(versions={"102232-1": "35"})
    builder = PSPDUBuilder(_identity(), spec=spec, clock=Clock(lambda: T0))
    pdu = spec.decode("PS-PDU", IPAccessRecords(builder).ipcc(b"x", "toTarget"))
    assert pdu["pSHeader"]["li-psDomainId"] == "0.4.0.2.2.5.1.35"


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 5000), max_segment=st.integers(1, 1500))
def test_segmentation_and_reassembly(size: int, max_segment: int) -> None:
    from lawful_intercept.records import Reassembler

    spec = lawful_intercept.bundled()
    counters = SequenceCounters()
    records = IPAccessRecords(PSPDUBuilder(_identity(), counters=counters,
                                           clock=Clock(lambda: T0)))
    packet = bytes(i % 251 for i in range(size))
    pdus = records.ipcc_segmented(packet, max_segment, "fromTarget")
    decoded = [spec.decode("PS-PDU", p) for p in pdus]
    pieces = max(1, -(-size // max_segment))
    if pieces == 1:
        assert len(pdus) == 1
        cc = decoded[0]["payload"][1][0]["cCContents"]
        assert cc[1]["iPCCContents"] == ("iPPackets", packet)
        return
    assert len(pdus) == pieces + 2
    assert decoded[0]["payload"] == ("tRIPayload", ("firstSegmentFlag", None))
    assert decoded[-1]["payload"] == ("tRIPayload", ("lastSegmentFlag", None))
    reassembler = Reassembler()
    results = [reassembler.add(d) for d in decoded]
    assert results[:-1] == [None] * (len(decoded) - 1)
    whole = results[-1]
    assert whole is not None
    assert whole.data == packet
    assert whole.sequence_numbers == list(range(pieces))  # CC numbered on, gapless
    assert counters.peek("LIID-42", 1234567, "TRI") == 2
    assert reassembler.open_runs == 0


def test_segmentation_rejects_bad_input_without_numbering() -> None:
    counters = SequenceCounters()
    records = IPAccessRecords(PSPDUBuilder(_identity(), counters=counters))
    with raises_misuse(ValueError, "max_segment", "at least 1, not 0"):
        records.ipcc_segmented(b"x" * 10, 0, "toTarget")
    with raises_misuse(TypeError, "max_segment", "int, not float"):
        records.ipcc_segmented(b"x" * 10, 2.5, "toTarget")  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="must be bytes") as info:  # a field value
        records.ipcc_segmented("text", 3, "toTarget")  # type: ignore[arg-type]
    assert info.value.path == "cCContents"
    with pytest.raises(EncodeError, match="payloadDirection"):
        records.ipcc_segmented(b"x" * 10, 3, "up")
    assert counters.peek("LIID-42", 1234567, "TRI") == 0
    assert counters.peek("LIID-42", 1234567, "CC") == 0


def test_reassembler_rejects_broken_runs() -> None:
    from lawful_intercept import DecodeError
    from lawful_intercept.records import Reassembler

    spec = lawful_intercept.bundled()
    builder = PSPDUBuilder(_identity(), clock=Clock(lambda: T0))
    last = spec.decode("PS-PDU", builder.tri(("lastSegmentFlag", None)))
    with pytest.raises(DecodeError, match="without firstSegmentFlag"):
        Reassembler().add(last)
    first = spec.decode("PS-PDU", builder.tri(("firstSegmentFlag", None)))
    r = Reassembler()
    r.add(first)
    with pytest.raises(DecodeError, match="inside an open"):
        r.add(first)


def test_hi1_and_keep_alive_response() -> None:
    spec = lawful_intercept.bundled()
    identity = SessionIdentity("LIID-42", NetworkIdentifier(b"operator-1"))
    builder = PSPDUBuilder(identity, clock=Clock(lambda: T0))
    op = ("liActivated", {"communicationIdentifier": {"network-Identifier": {
        "operator-Identifier": b"op"}}, "timeStamp": ("localTime", {
        "generalizedTime": lawful_intercept.correlation.generalized_time(T0, utc=False),
        "winterSummerIndication": "notProvided"}), "lawfulInterceptionIdentifier": b"LIID-42"})
    try:
        pdu = spec.decode("PS-PDU", builder.hi1(op))
    except EncodeError as exc:  # the HI1 value above must match the bundled module
        pytest.fail(str(exc))
    assert pdu["payload"][0] == "hI1-Operation"
    answer = spec.decode("PS-PDU", builder.keep_alive_response())
    assert answer["payload"] == ("tRIPayload", ("keep-aliveResponse", None))


_EVENTS = ["accessAttempt", "accessAccept", "accessReject", "accessFailed", "sessionStart",
           "sessionEnd", "interimUpdate"]


@settings(max_examples=60, deadline=None)
@given(
    event=st.sampled_from(_EVENTS),
    user=st.text(min_size=1, max_size=40),
    address=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    iri_type=st.sampled_from(["iRI-Begin", "iRI-Continue", "iRI-End", "iRI-Report", None]),
    octets=st.integers(0, 2**64 - 1),
    packets=st.lists(st.tuples(st.binary(max_size=1600),
                               st.sampled_from(["toTarget", "fromTarget"])), max_size=8),
)
def test_ip_access_records_round_trip(event: str, user: str, address: Any, iri_type: Any,
                                      octets: int, packets: list[tuple[bytes, str]]) -> None:
    spec = lawful_intercept.bundled()
    records = IPAccessRecords(PSPDUBuilder(_identity(), clock=_stepping_clock()))
    iri = spec.decode("PS-PDU", records.ipiri(event, target_username=user, access_type="xDSL",
                                              target_ip=address, iri_type=iri_type,
                                              octetsReceived=octets))
    payload = iri["payload"][1][0]
    assert payload.get("iRIType") == iri_type
    contents = payload["iRIContents"][1]["iPIRIContents"]
    assert contents["accessEventType"] == event
    assert contents["targetUsername"] == user.encode()
    assert contents["targetIPAddress"]["iP-value"] == ("iPBinaryAddress", address.packed)
    assert contents["octetsReceived"] == octets
    for n, (packet, direction) in enumerate(packets):
        cc = spec.decode("PS-PDU", records.ipcc(packet, direction))
        assert cc["pSHeader"]["sequenceNumber"] == n
        body = cc["payload"][1][0]
        assert body["payloadDirection"] == direction
        assert body["cCContents"][1]["iPCCContents"] == ("iPPackets", packet)


def test_pdu_acknowledgement_tri_pdus() -> None:
    spec = lawful_intercept.bundled()
    builder = PSPDUBuilder(_identity(), clock=Clock(lambda: T0))
    assert spec.decode("PS-PDU", builder.pdu_acknowledgement_request())["payload"] == (
        "tRIPayload", ("pDUAcknowledgementRequest", None))
    assert spec.decode("PS-PDU", builder.pdu_acknowledgement_response())["payload"] == (
        "tRIPayload", ("pDUAcknowledgementResponse", None))
