"""Record builders of the ETSI services: IP multimedia (TS 102 232-5), e-mail (TS 102 232-2)
and PSTN/ISDN (TS 102 232-6) — a VoIP call end to end, round trips, numbering and errors."""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from _misuse import raises_misuse
from hypothesis import HealthCheck, given, settings
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
from lawful_intercept.records import (
    AUTO,
    STREAM_ID_MAX,
    EmailRecords,
    IPMMRecords,
    PSPDUBuilder,
    PstnIsdnRecords,
    stream_identifier,
)
from lawful_intercept.stream import iter_pdus

T0 = 1_764_504_000_123_456_000  # 2025-11-30T12:00:00.123456Z in nanoseconds
LIID = "LIID-VOIP-7"
CIN = 48_151_623
SPEC = lawful_intercept.bundled()
DIRECTIONS = ["fromTarget", "toTarget", "indeterminate", "combined", "notapplicable"]
IRI_TYPES = ["iRI-Begin", "iRI-End", "iRI-Continue", "iRI-Report"]
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _identity() -> SessionIdentity:
    return SessionIdentity(LIID, NetworkIdentifier(b"operator-1", b"sbc-03"), CIN,
                           authorization_country_code="NL", delivery_country_code="NL")


def _stepping_clock(step_ns: int = 1_000_000) -> Clock:
    ticks = iter(range(T0, T0 + 10**15, step_ns))
    return Clock(lambda: next(ticks))


def _builder(counters: SequenceCounters | None = None, **kw: Any) -> PSPDUBuilder:
    return PSPDUBuilder(_identity(), counters=counters or SequenceCounters(),
                        clock=kw.pop("clock", Clock(lambda: T0)), **kw)


def _peeks(counters: SequenceCounters) -> tuple[int, int]:
    return counters.peek(LIID, CIN, "IRI"), counters.peek(LIID, CIN, "CC")


def _iri(pdu: bytes) -> dict[str, Any]:
    """The one IRIPayload of a PS-PDU."""
    payload = SPEC.decode("PS-PDU", pdu)["payload"]
    assert payload[0] == "iRIPayloadSequence"
    assert len(payload[1]) == 1
    value: dict[str, Any] = payload[1][0]
    return value


def _cc(pdu: bytes) -> dict[str, Any]:
    """The one CCPayload of a PS-PDU."""
    payload = SPEC.decode("PS-PDU", pdu)["payload"]
    assert payload[0] == "cCPayloadSequence"
    value: dict[str, Any] = payload[1][0]
    return value


def _address_octets(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def _assert_refused(call: Callable[[], object], field: str,
                    counters: SequenceCounters) -> EncodeError:
    """``call`` raises EncodeError naming ``field`` and takes no sequence number."""
    before = _peeks(counters)
    with pytest.raises(EncodeError) as info:
        call()
    assert field in info.value.path, (field, info.value.path, info.value.message)
    assert _peeks(counters) == before
    return info.value


# =============================================================================================
# Acceptance: a VoIP call in ETSI (IPMM): SIP IRIs + RTP CC
# =============================================================================================

TARGET = "198.51.100.23"  # the target's phone
SBC = "203.0.113.5"       # the operator's SBC / P-CSCF
TARGET_RTP, PEER_RTP = 49170, 30000
SDP_OFFER = (
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 198.51.100.23\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.23\r\n"
    "t=0 0\r\n"
    f"m=audio {TARGET_RTP} RTP/AVP 8 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendrecv\r\n"
)
SDP_ANSWER = SDP_OFFER.replace("alice 2890844526 2890844526", "bob 2808844564 2808844564") \
    .replace("198.51.100.23", "203.0.113.5").replace(str(TARGET_RTP), str(PEER_RTP))


def _sip(start: str, headers: list[str], body: str = "") -> bytes:
    lines = [start, *headers]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def _call_messages() -> list[tuple[bytes, str, str, str, str]]:
    """(SIP message, source, destination, payload direction, IRIType) of one call."""
    call_id = "a84b4c76e66710@pc33.atlanta.example.com"
    via_a = "Via: SIP/2.0/UDP 198.51.100.23:5060;branch=z9hG4bK776asdhds"
    via_b = "Via: SIP/2.0/UDP 198.51.100.23:5060;branch=z9hG4bKnashds8"
    frm = "From: \"Alice\" <sip:+31201234567@ims.example.nl>;tag=1928301774"
    to = "To: <sip:+31207654321@ims.example.nl>"
    to_tag = to + ";tag=a6c85cf"
    contact_a = "Contact: <sip:alice@198.51.100.23:5060>"
    contact_b = "Contact: <sip:bob@203.0.113.5:5060>"
    invite = _sip("INVITE sip:+31207654321@ims.example.nl SIP/2.0",
                  [via_a, "Max-Forwards: 70", frm, to, f"Call-ID: {call_id}",
                   "CSeq: 314159 INVITE", contact_a,
                   "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"], SDP_OFFER)
    ringing = _sip("SIP/2.0 180 Ringing",
                   [via_a, frm, to_tag, f"Call-ID: {call_id}", "CSeq: 314159 INVITE",
                    contact_b])
    ok = _sip("SIP/2.0 200 OK",
              [via_a, frm, to_tag, f"Call-ID: {call_id}", "CSeq: 314159 INVITE", contact_b],
              SDP_ANSWER)
    ack = _sip("ACK sip:bob@203.0.113.5:5060 SIP/2.0",
               [via_b, "Max-Forwards: 70", frm, to_tag, f"Call-ID: {call_id}",
                "CSeq: 314159 ACK"])
    bye = _sip("BYE sip:bob@203.0.113.5:5060 SIP/2.0",
               [via_b.replace("nashds8", "nashds9"), "Max-Forwards: 70", frm, to_tag,
                f"Call-ID: {call_id}", "CSeq: 314160 BYE"])
    bye_ok = _sip("SIP/2.0 200 OK",
                  [via_b.replace("nashds8", "nashds9"), frm, to_tag, f"Call-ID: {call_id}",
                   "CSeq: 314160 BYE"])
    out, into = (TARGET, SBC, "fromTarget"), (SBC, TARGET, "toTarget")
    return [
        (invite, *out, "iRI-Begin"),
        (ringing, *into, "iRI-Continue"),
        (ok, *into, "iRI-Continue"),
        (ack, *out, "iRI-Continue"),
        (bye, *out, "iRI-Continue"),
        (bye_ok, *into, "iRI-End"),
    ]


def _rtp_stream(ssrc: int, count: int, rng: random.Random) -> Iterator[bytes]:
    """RTP packets (RFC 3550) of a G.711 A-law stream: 20 ms, 160 samples each."""
    seq, ts = rng.randrange(1 << 16), rng.randrange(1 << 32)
    for i in range(count):
        marker = 0x80 if i == 0 else 0
        header = struct.pack("!BBHII", 0x80, marker | 8, (seq + i) & 0xFFFF,
                             (ts + 160 * i) & 0xFFFFFFFF, ssrc)
        yield header + bytes(rng.randrange(256) for _ in range(160))


def test_voip_call_sip_iri_and_rtp_cc() -> None:
    counters = SequenceCounters()
    builder = PSPDUBuilder(_identity(), counters=counters, clock=_stepping_clock())
    records = IPMMRecords(builder)
    rng = random.Random(2025)
    ssrc_out, ssrc_in = 0x1A2B3C4D, 0x5E6F7081  # one stream per direction, by SSRC
    messages = _call_messages()
    sent: list[tuple[str, Any]] = []  # what was given, in stream order
    stream: list[bytes] = []
    for message, src, dst, direction, iri_type in messages[:4]:  # set-up
        stream.append(records.iri_sip(message, source=src, destination=dst,
                                      direction=direction, iri_type=iri_type))
        sent.append(("IRI", (message, src, dst, direction, iri_type)))
    out = _rtp_stream(ssrc_out, 100, rng)
    back = _rtp_stream(ssrc_in, 100, rng)
    for packet_out, packet_in in zip(out, back, strict=True):  # ~200 RTP packets
        for packet, direction, ssrc in ((packet_out, "fromTarget", ssrc_out),
                                        (packet_in, "toTarget", ssrc_in)):
            stream.append(records.cc(packet, direction, frame_type="rtpFrame",
                                     stream_id=ssrc))
            sent.append(("CC", (packet, direction, ssrc)))
    for message, src, dst, direction, iri_type in messages[4:]:  # release
        stream.append(records.iri_sip(message, source=src, destination=dst,
                                      direction=direction, iri_type=iri_type))
        sent.append(("IRI", (message, src, dst, direction, iri_type)))

    # The LEMF side: one TCP byte stream, cut into segments anywhere, decoded as it comes.
    data = b"".join(stream)
    chunks = [data[i:i + 1448] for i in range(0, len(data), 1448)]
    decoded = [pdu.value for pdu in iter_pdus(chunks, SPEC)]
    assert len(decoded) == len(stream) == 6 + 200

    headers = [d["pSHeader"] for d in decoded]
    assert {h["lawfulInterceptionIdentifier"] for h in headers} == {LIID.encode()}
    ids = {(h["communicationIdentifier"]["communicationIdentityNumber"],
            h["communicationIdentifier"]["networkIdentifier"]["operatorIdentifier"],
            h["communicationIdentifier"]["networkIdentifier"]["networkElementIdentifier"])
           for h in headers}
    assert ids == {(CIN, b"operator-1", b"sbc-03")}
    assert {h["authorizationCountryCode"] for h in headers} == {"NL"}
    kinds = ["IRI" if d["payload"][0] == "iRIPayloadSequence" else "CC" for d in decoded]
    assert kinds == [kind for kind, _ in sent]
    numbers = {k: [h["sequenceNumber"] for h, kind in zip(headers, kinds, strict=True)
                   if kind == k] for k in ("IRI", "CC")}
    assert numbers == {"IRI": list(range(6)), "CC": list(range(200))}  # gapless per kind
    assert _peeks(counters) == (6, 200)
    stamps = [(h["microSecondTimeStamp"]["seconds"], h["microSecondTimeStamp"]["microSeconds"])
              for h in headers]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)

    for d, (kind, given_values) in zip(decoded, sent, strict=True):
        payload = d["payload"][1][0]
        if kind == "IRI":
            message, src, dst, direction, iri_type = given_values
            assert payload["iRIType"] == iri_type
            assert payload["payloadDirection"] == direction
            name, ipmm = payload["iRIContents"]
            assert name == "iPMMIRI" and ipmm["iPMMIRIObjId"] == "5.5.17.1"
            alternative, sip = ipmm["iPMMIRIContents"]
            assert alternative == "sIPMessage"
            assert sip["sIPContent"] == message
            assert sip["iPSourceAddress"]["iP-value"] == ("iPBinaryAddress",
                                                          _address_octets(src))
            assert sip["iPDestinationAddress"]["iP-value"] == ("iPBinaryAddress",
                                                               _address_octets(dst))
        else:
            packet, direction, ssrc = given_values
            assert payload["payloadDirection"] == direction
            assert payload["cCContents"] == ("iPMMCC", {
                "iPMMCCObjId": "5.5.17.2",
                "mMCCContents": packet,
                "frameType": "rtpFrame",
                "streamIdentifier": ssrc.to_bytes(4, "big"),
                "mMCCprotocol": "rTP",
            })
            # the stream identifier is the packet's own SSRC
            assert struct.unpack("!I", packet[8:12])[0] == ssrc
    invite = decoded[0]["payload"][1][0]["iRIContents"][1]["iPMMIRIContents"][1]["sIPContent"]
    assert invite.startswith(b"INVITE sip:+31207654321@ims.example.nl SIP/2.0\r\n")
    assert b"m=audio 49170 RTP/AVP 8 101" in invite


# =============================================================================================
# IPMMRecords (TS 102 232-5)
# =============================================================================================


def test_ipmm_cc_template_equals_generic_path() -> None:
    fast = IPMMRecords(_builder()).cc(b"\x80\x08" + bytes(170), "toTarget",
                                      frame_type="rtpFrame", stream_id=7)
    slow = _builder().cc(("iPMMCC", {"iPMMCCObjId": "5.5.17.2",
                                     "mMCCContents": b"\x80\x08" + bytes(170),
                                     "frameType": "rtpFrame",
                                     "streamIdentifier": b"\x00\x00\x00\x07",
                                     "mMCCprotocol": "rTP"}),
                         direction="toTarget")
    assert fast == slow


def test_ipmm_cc_defaults_and_protocol_choice() -> None:
    records = IPMMRecords(_builder())
    plain = _cc(records.cc(b"\x45" + bytes(39), "fromTarget"))["cCContents"][1]
    assert plain == {"iPMMCCObjId": "5.5.17.2", "mMCCContents": b"\x45" + bytes(39),
                     "frameType": "ipFrame"}  # no stream, no protocol implied by an IP frame
    ip_rtp = _cc(records.cc(b"\x45", "fromTarget", protocol="rTP"))["cCContents"][1]
    assert ip_rtp["mMCCprotocol"] == "rTP"
    for frame, implied in (("artificialRtpFrame", "rTP"), ("msrpFrame", "mSRP"),
                           ("udptlFrame", "uDPTL")):
        value = _cc(records.cc(b"x", "toTarget", frame_type=frame))["cCContents"][1]
        assert value["mMCCprotocol"] == implied
    bare = _cc(records.cc(b"x", "toTarget", frame_type=None, protocol=None))["cCContents"][1]
    assert bare == {"iPMMCCObjId": "5.5.17.2", "mMCCContents": b"x"}
    own = _cc(records.cc(b"x", "toTarget", stream_id=b"audio-0"))["cCContents"][1]
    assert own["streamIdentifier"] == b"audio-0"
    assert records.cc(b"x", "toTarget", stream_id=bytearray(b"s1")) != b""  # type: ignore[arg-type]


def test_stream_identifier_form() -> None:
    assert stream_identifier(0) == b"\x00\x00\x00\x00"
    assert stream_identifier(STREAM_ID_MAX) == b"\xff\xff\xff\xff"
    assert stream_identifier(memoryview(b"v")) == b"v"  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["timeStamp", "both"])
def test_ipmm_cc_time_stamp_modes(mode: str) -> None:
    records = IPMMRecords(_builder(time_stamps=mode))
    header = SPEC.decode("PS-PDU", records.cc(b"x", "toTarget"))["pSHeader"]
    assert header["timeStamp"].isoformat() == "2025-11-30T12:00:00.123456+00:00"
    assert ("microSecondTimeStamp" in header) == (mode == "both")
    when = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    header = SPEC.decode("PS-PDU", records.cc(b"x", "toTarget", time=when))["pSHeader"]
    assert header["timeStamp"] == when


def test_ipmm_cc_given_time() -> None:
    records = IPMMRecords(_builder())
    header = SPEC.decode("PS-PDU", records.cc(b"x", "toTarget", time=T0 + 5_000))["pSHeader"]
    assert header["microSecondTimeStamp"] == micro_second_timestamp(T0 + 5_000)
    when = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    header = SPEC.decode("PS-PDU", records.cc(b"x", "toTarget", time=when))["pSHeader"]
    assert header["microSecondTimeStamp"] == micro_second_timestamp(when)


def test_ipmm_iri_other_contents() -> None:
    records = IPMMRecords(_builder())
    location = {"wlanLocationAttributes": {"wlanAPMACAddress": b"\x00\x11\x22\x33\x44\x55"}}
    pdu = records.iri_sip("OPTIONS sip:x@example.com SIP/2.0\r\n\r\n", source="2001:db8::1",
                          destination=ipaddress.ip_address("2001:db8::2"), iri_only=True,
                          iri_type="iRI-Report", target_location=location,
                          additional_signalling=["P-Access-Network-Info: 3GPP-E-UTRAN",
                                                 b"History-Info: <sip:y@example.com>"])
    payload = _iri(pdu)
    assert "payloadDirection" not in payload
    ipmm = payload["iRIContents"][1]
    assert ipmm["iPMMIRIContents"][0] == "iRIOnlySIPMessage"
    assert ipmm["iPMMIRIContents"][1]["iPSourceAddress"]["iP-type"] == "iPV6"
    assert ipmm["targetLocation"] == location
    assert ipmm["additionalSignalling"] == [
        ("sipHeaderLine", b"P-Access-Network-Info: 3GPP-E-UTRAN"),
        ("sipHeaderLine", b"History-Info: <sip:y@example.com>"),
    ]
    raw = records.iri(("originalIPMMMessage", b"\x03\x00\x00\x10"), direction="toTarget")
    assert _iri(raw)["iRIContents"][1]["iPMMIRIContents"] == ("originalIPMMMessage",
                                                              b"\x03\x00\x00\x10")
    h323 = ("h323Message", {
        "iPSourceAddress": {"iP-type": "iPV4", "iP-value": ("iPTextAddress", "192.0.2.1")},
        "iPDestinationAddress": {"iP-type": "iPV4",
                                 "iP-value": ("iPTextAddress", "192.0.2.2")},
        "h323Content": ("h225CSMessageContent", b"\x08\x02\x00\x01\x05"),
    })
    assert _iri(records.iri(h323))["iRIContents"][1]["iPMMIRIContents"] == h323


def test_ipmm_on_ps_pdu_version_35() -> None:
    spec = lawful_intercept.bundled(versions={"102232-1": "35"})
    builder = PSPDUBuilder(_identity(), spec=spec, clock=Clock(lambda: T0))
    records = IPMMRecords(builder)
    iri = spec.decode("PS-PDU", records.iri_sip(b"BYE sip:b@x SIP/2.0\r\n\r\n", source=SBC,
                                                destination=TARGET, direction="toTarget"))
    cc = spec.decode("PS-PDU", records.cc(b"\x80" * 12, "toTarget", frame_type="rtpFrame"))
    assert iri["pSHeader"]["li-psDomainId"] == cc["pSHeader"]["li-psDomainId"] == \
        "0.4.0.2.2.5.1.35"


_addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6))


@SETTINGS
@given(
    message=st.binary(min_size=1, max_size=600) | st.text(min_size=1, max_size=200),
    source=_addresses,
    destination=_addresses,
    direction=st.none() | st.sampled_from(DIRECTIONS),
    iri_type=st.none() | st.sampled_from(IRI_TYPES),
    iri_only=st.booleans(),
    lines=st.none() | st.lists(st.binary(max_size=40), max_size=3),
)
def test_ipmm_iri_sip_round_trips(message: bytes | str, source: Any, destination: Any,
                                  direction: str | None, iri_type: str | None,
                                  iri_only: bool, lines: list[bytes] | None) -> None:
    counters = SequenceCounters()
    records = IPMMRecords(_builder(counters))
    payload = _iri(records.iri_sip(message, source=source, destination=destination,
                                   direction=direction, iri_type=iri_type, iri_only=iri_only,
                                   additional_signalling=lines))
    assert payload.get("payloadDirection") == direction
    assert payload.get("iRIType") == iri_type
    ipmm = payload["iRIContents"][1]
    alternative, sip = ipmm["iPMMIRIContents"]
    assert alternative == ("iRIOnlySIPMessage" if iri_only else "sIPMessage")
    expected = message.encode() if isinstance(message, str) else message
    assert sip["sIPContent"] == expected
    assert sip["iPSourceAddress"] == {"iP-type": f"iPV{source.version}",
                                      "iP-value": ("iPBinaryAddress", source.packed)}
    assert sip["iPDestinationAddress"]["iP-value"] == ("iPBinaryAddress", destination.packed)
    if lines is None:
        assert "additionalSignalling" not in ipmm
    else:
        assert ipmm["additionalSignalling"] == [("sipHeaderLine", line) for line in lines]
    assert _peeks(counters) == (1, 0)


@SETTINGS
@given(
    packets=st.lists(st.binary(max_size=300), min_size=1, max_size=4),
    direction=st.sampled_from(DIRECTIONS),
    frame_type=st.none() | st.sampled_from(
        ["ipFrame", "udpFrame", "rtpFrame", "audioFrame", "tcpFrame", "artificialRtpFrame",
         "udptlFrame", "msrpFrame"]),
    stream_id=st.none() | st.integers(0, STREAM_ID_MAX) | st.binary(min_size=1, max_size=16),
    protocol=st.sampled_from([AUTO, None, "rTP", "mSRP", "uDPTL"]),
    time=st.none() | st.integers(0, 2**62),
)
def test_ipmm_cc_round_trips(packets: list[bytes], direction: str, frame_type: str | None,
                             stream_id: int | bytes | None, protocol: str | None,
                             time: int | None) -> None:
    counters = SequenceCounters()
    records = IPMMRecords(_builder(counters))
    for number, packet in enumerate(packets):
        pdu = SPEC.decode("PS-PDU", records.cc(packet, direction, frame_type=frame_type,
                                               stream_id=stream_id, protocol=protocol,
                                               time=time))
        assert pdu["pSHeader"]["sequenceNumber"] == number
        expected_time = T0 if time is None else time
        assert pdu["pSHeader"]["microSecondTimeStamp"] == micro_second_timestamp(expected_time)
        cc = pdu["payload"][1][0]
        assert cc["payloadDirection"] == direction
        name, value = cc["cCContents"]
        assert name == "iPMMCC"
        assert value["mMCCContents"] == packet
        assert value.get("frameType") == frame_type
        if stream_id is None:
            assert "streamIdentifier" not in value
        else:
            assert value["streamIdentifier"] == stream_identifier(stream_id)
        if protocol == AUTO:
            implied = {"rtpFrame": "rTP", "artificialRtpFrame": "rTP", "msrpFrame": "mSRP",
                       "udptlFrame": "uDPTL"}.get(frame_type or "")
            assert value.get("mMCCprotocol") == implied
        else:
            assert value.get("mMCCprotocol") == protocol
    assert _peeks(counters) == (0, len(packets))


_not_bytes = st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats(),
                       st.lists(st.integers(), max_size=2))
_bad_names = st.one_of(st.text(max_size=12), st.integers(), st.none(),
                       st.lists(st.text(max_size=2), max_size=2))


@SETTINGS
@given(
    case=st.one_of(
        st.tuples(st.just("packet"), _not_bytes.filter(lambda v: v is not None)),
        st.tuples(st.just("stream_id"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=STREAM_ID_MAX + 1),
                            st.booleans(), st.floats(), st.text(max_size=4), st.just(b""),
                            st.lists(st.integers(), max_size=2))),
        st.tuples(st.just("frame_type"),
                  _bad_names.filter(lambda v: v is not None and v not in (
                      "ipFrame", "udpFrame", "rtpFrame", "audioFrame", "tcpFrame",
                      "artificialRtpFrame", "udptlFrame", "msrpFrame"))),
        st.tuples(st.just("protocol"),
                  _bad_names.filter(lambda v: v not in (None, AUTO, "rTP", "mSRP", "uDPTL"))),
        st.tuples(st.just("direction"), _bad_names.filter(lambda v: v not in DIRECTIONS)),
        st.tuples(st.just("time"), st.one_of(st.integers(max_value=-1), st.text(max_size=3),
                                             st.floats(), st.booleans())),
    ),
    warm=st.booleans(),
)
def test_ipmm_cc_invalid_inputs_raise_and_take_no_number(case: tuple[str, Any],
                                                         warm: bool) -> None:
    field_of = {"packet": "mMCCContents", "stream_id": "streamIdentifier",
                "frame_type": "frameType", "protocol": "mMCCprotocol",
                "direction": "payloadDirection", "time": "microSecondTimeStamp"}
    name, bad = case
    counters = SequenceCounters()
    records = IPMMRecords(_builder(counters))
    args: dict[str, Any] = {"packet": b"\x80" * 20, "direction": "toTarget",
                            "frame_type": "rtpFrame", "stream_id": 5, "protocol": AUTO,
                            "time": None}
    if warm:  # the template of the valid arguments exists already
        records.cc(**args)
    args[name] = bad
    _assert_refused(lambda: records.cc(**args), field_of[name], counters)
    assert records.cc(b"ok", "toTarget") != b""  # still usable, next number follows
    assert _peeks(counters) == (0, 2 if warm else 1)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.iri_sip(b"", source=TARGET, destination=SBC), "sIPContent"),
        (lambda r: r.iri_sip(42, source=TARGET, destination=SBC), "sIPContent"),
        (lambda r: r.iri_sip(b"INVITE", source="300.1.2.3", destination=SBC),
         "iPSourceAddress.iP-value"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=12345),
         "iPDestinationAddress"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC, direction="up"),
         "payloadDirection"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC, direction=["x"]),
         "payloadDirection"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC,
                             iri_type="iRI-Middle"), "iRIType"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC, iri_type=[1]),
         "iRIType"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC,
                             additional_signalling="P-Header: x"), "additionalSignalling"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC,
                             additional_signalling=[b"ok", 3]), "additionalSignalling[1]"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC,
                             target_location={"wlanLocationAttributes": {
                                 "wlanAPMACAddress": b"\x00"}}), "wlanAPMACAddress"),
        (lambda r: r.iri_sip(b"INVITE", source=TARGET, destination=SBC, time="now"),
         "microSecondTimeStamp"),
        (lambda r: r.iri(("nationalIPMMIRIParameters", {"countryCode": "NLD"})),
         "countryCode"),
        (lambda r: r.iri(("noSuchMessage", b"")), "iPMMIRIContents"),
    ],
)
def test_ipmm_iri_invalid_inputs(call: Callable[[IPMMRecords], object], field: str) -> None:
    counters = SequenceCounters()
    records = IPMMRecords(_builder(counters))
    _assert_refused(lambda: call(records), field, counters)


def test_ipmm_iri_only_must_be_a_bool() -> None:
    """``iri_only`` is an option, not a field value: its misuse is a TypeError
    (docs/errors.md), and it takes no sequence number."""
    counters = SequenceCounters()
    records = IPMMRecords(_builder(counters))
    with raises_misuse(TypeError, "iri_only", "bool, not str"):
        records.iri_sip(b"INVITE", source=TARGET, destination=SBC, iri_only="yes")  # type: ignore[arg-type]
    assert _peeks(counters) == (0, 0)


# =============================================================================================
# EmailRecords (TS 102 232-2)
# =============================================================================================

EVENTS = ["e-mail-send", "e-mail-receive", "e-mail-download", "e-mail-logon-attempt",
          "e-mail-logon", "e-mail-logon-failure", "e-mail-logoff", "e-mail-partial-download",
          "e-mail-upload"]
PROTOCOLS = ["smtp", "pop3", "imap4", "webmail", "undefined"]
STATUSES = ["status-unknown", "operation-failed", "operation-succeeded"]


def test_email_smtp_send_all_members() -> None:
    counters = SequenceCounters()
    records = EmailRecords(_builder(counters))
    national: dict[str, Any] = {"national-EM-ASN1parameters": {"countryCode": "NL"}}
    pdu = records.iri(
        "e-mail-send", protocol="smtp", status="operation-succeeded",
        server_octets_sent=412, client_octets_sent=18_733,
        client_address="198.51.100.23", server_address="2001:db8::25",
        client_port=51_234, server_port=587,
        sender="alice@example.nl", recipients=["bob@example.com", "carol@example.org"],
        total_recipient_count=3, message_id="<20251130120000.1234@example.nl>",
        national_parameter=b"\x01\x02", sender_validity="validated",
        aaa_information=("aSMTPAAAInformation", {"username": "alice", "authMethod": "cramMD5",
                                                 "aAAResult": "aAASucceeded"}),
        iri_type="iRI-Report",
        **national,
    )
    payload = _iri(pdu)
    assert payload["iRIType"] == "iRI-Report"
    name, value = payload["iRIContents"]
    assert name == "emailIRI"
    assert value == {
        "emailIRIObjId": "5.2.20.1",
        "eventType": "e-mail-send",
        "client-Address": {"iP-type": "iPV4",
                           "iP-value": ("iPBinaryAddress", _address_octets("198.51.100.23"))},
        "server-Address": {"iP-type": "iPV6",
                           "iP-value": ("iPBinaryAddress", _address_octets("2001:db8::25"))},
        "client-Port": 51_234,
        "server-Port": 587,
        "server-Octets-Sent": 412,
        "client-Octets-Sent": 18_733,
        "protocol-ID": "smtp",
        "e-mail-Sender": "alice@example.nl",
        "e-mail-Recipients": ["bob@example.com", "carol@example.org"],
        "status": "operation-succeeded",
        "total-Recipient-Count": 3,
        "message-ID": b"<20251130120000.1234@example.nl>",
        "nationalParameter": b"\x01\x02",
        "national-EM-ASN1parameters": {"countryCode": "NL"},
        "aAAInformation": ("aSMTPAAAInformation", {"username": "alice",
                                                   "authMethod": "cramMD5",
                                                   "aAAResult": "aAASucceeded"}),
        "e-mail-Sender-Validity": "validated",
    }
    assert _peeks(counters) == (1, 0)


def test_email_minimal_iri_and_cc() -> None:
    counters = SequenceCounters()
    records = EmailRecords(_builder(counters))
    logon = _iri(records.iri("e-mail-logon", protocol="imap4"))["iRIContents"][1]
    assert logon == {"emailIRIObjId": "5.2.20.1", "eventType": "e-mail-logon",
                     "server-Octets-Sent": 0, "client-Octets-Sent": 0, "protocol-ID": "imap4",
                     "status": "status-unknown"}
    message = b"From: alice@example.nl\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    cc = _cc(records.cc(message, direction="fromTarget"))
    assert cc == {"payloadDirection": "fromTarget",
                  "cCContents": ("emailCC", {"emailCCObjId": "5.2.20.2",
                                             "email-Format": "application",
                                             "content": message})}
    packet = _cc(records.cc(bytearray(b"\x45" + bytes(39)),  # type: ignore[arg-type]
                            email_format="ip-packet"))
    assert "payloadDirection" not in packet
    assert packet["cCContents"][1]["email-Format"] == "ip-packet"
    assert _peeks(counters) == (1, 2)


def test_email_cc_template_equals_generic_path() -> None:
    fast = EmailRecords(_builder()).cc(b"DATA", email_format="application",
                                       direction="toTarget")
    slow = _builder().cc(("emailCC", {"emailCCObjId": "5.2.20.2",
                                      "email-Format": "application", "content": b"DATA"}),
                         direction="toTarget")
    assert fast == slow


_email_address = st.text(max_size=255)  # UTF8String (SIZE (0..255)): any characters


@SETTINGS
@given(
    event=st.sampled_from(EVENTS),
    protocol=st.sampled_from(PROTOCOLS),
    status=st.sampled_from(STATUSES),
    octets=st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)),
    client=st.none() | _addresses,
    ports=st.tuples(st.none() | st.integers(0, 65535), st.none() | st.integers(0, 65535)),
    sender=st.none() | _email_address,
    recipients=st.none() | st.lists(_email_address, max_size=4),
    total=st.none() | st.integers(0, 2**32 - 1),
    message_id=st.none() | st.binary(max_size=60),
    iri_type=st.none() | st.sampled_from(IRI_TYPES),
)
def test_email_iri_round_trips(event: str, protocol: str, status: str,
                               octets: tuple[int, int], client: Any,
                               ports: tuple[int | None, int | None], sender: str | None,
                               recipients: list[str] | None, total: int | None,
                               message_id: bytes | None, iri_type: str | None) -> None:
    counters = SequenceCounters()
    records = EmailRecords(_builder(counters))
    payload = _iri(records.iri(
        event, protocol=protocol, status=status, server_octets_sent=octets[0],
        client_octets_sent=octets[1], client_address=client, client_port=ports[0],
        server_port=ports[1], sender=sender, recipients=recipients,
        total_recipient_count=total, message_id=message_id, iri_type=iri_type))
    assert payload.get("iRIType") == iri_type
    value = payload["iRIContents"][1]
    expected: dict[str, Any] = {
        "emailIRIObjId": "5.2.20.1", "eventType": event, "protocol-ID": protocol,
        "status": status, "server-Octets-Sent": octets[0], "client-Octets-Sent": octets[1],
    }
    optional = {"client-Port": ports[0], "server-Port": ports[1], "e-mail-Sender": sender,
                "e-mail-Recipients": recipients, "total-Recipient-Count": total,
                "message-ID": message_id}
    expected.update({k: v for k, v in optional.items() if v is not None})
    if client is not None:
        expected["client-Address"] = {"iP-type": f"iPV{client.version}",
                                      "iP-value": ("iPBinaryAddress", client.packed)}
    assert value == expected
    assert _peeks(counters) == (1, 0)


@SETTINGS
@given(content=st.binary(max_size=2000), email_format=st.sampled_from(["ip-packet",
                                                                        "application"]),
       direction=st.none() | st.sampled_from(DIRECTIONS))
def test_email_cc_round_trips(content: bytes, email_format: str,
                              direction: str | None) -> None:
    records = EmailRecords(_builder())
    cc = _cc(records.cc(content, email_format=email_format, direction=direction))
    assert cc.get("payloadDirection") == direction
    assert cc["cCContents"] == ("emailCC", {"emailCCObjId": "5.2.20.2",
                                            "email-Format": email_format, "content": content})


_EMAIL_OK: dict[str, Any] = {"event": "e-mail-send", "protocol": "smtp"}


@SETTINGS
@given(
    case=st.one_of(
        st.tuples(st.just("event"), _bad_names.filter(lambda v: v not in EVENTS),
                  st.just("eventType")),
        st.tuples(st.just("protocol"), _bad_names.filter(lambda v: v not in PROTOCOLS),
                  st.just("protocol-ID")),
        st.tuples(st.just("status"), _bad_names.filter(lambda v: v not in STATUSES),
                  st.just("status")),
        st.tuples(st.just("sender"), st.text(min_size=256, max_size=300),
                  st.just("e-mail-Sender")),
        st.tuples(st.just("sender"), st.binary(max_size=5), st.just("e-mail-Sender")),
        st.tuples(st.just("recipients"),
                  st.lists(st.text(min_size=256, max_size=260), min_size=1, max_size=2),
                  st.just("e-mail-Recipients")),
        st.tuples(st.just("recipients"), st.text(max_size=5), st.just("e-mail-Recipients")),
        st.tuples(st.just("server_octets_sent"),
                  st.one_of(st.integers(max_value=-1), st.text(max_size=3), st.booleans()),
                  st.just("server-Octets-Sent")),
        st.tuples(st.just("client_port"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=65536),
                            st.floats()), st.just("client-Port")),
        st.tuples(st.just("total_recipient_count"),
                  st.one_of(st.integers(min_value=2**32), st.integers(max_value=-1)),
                  st.just("total-Recipient-Count")),
        st.tuples(st.just("server_address"), st.one_of(st.integers(), st.just("mail.example")),
                  st.just("server-Address")),
        st.tuples(st.just("message_id"), st.integers(), st.just("message-ID")),
        st.tuples(st.just("sender_validity"),
                  _bad_names.filter(lambda v: v not in (None, "validated", "nonvalidated")),
                  st.just("e-mail-Sender-Validity")),
        st.tuples(st.just("iri_type"), _bad_names.filter(lambda v: v not in [None, *IRI_TYPES]),
                  st.just("iRIType")),
    ),
)
def test_email_iri_invalid_inputs_raise_and_take_no_number(case: tuple[str, Any, str]) -> None:
    name, bad, field = case
    counters = SequenceCounters()
    records = EmailRecords(_builder(counters))
    args = {**_EMAIL_OK, name: bad}
    _assert_refused(lambda: records.iri(**args), field, counters)


def test_email_recipient_list_size_and_more() -> None:
    counters = SequenceCounters()
    records = EmailRecords(_builder(counters))
    ok = _iri(records.iri("e-mail-receive", protocol="pop3", recipients=[""] * 1023))
    assert len(ok["iRIContents"][1]["e-mail-Recipients"]) == 1023
    _assert_refused(lambda: records.iri("e-mail-receive", protocol="pop3",
                                        recipients=["a"] * 1024), "e-mail-Recipients", counters)
    twice: dict[str, Any] = {"protocol-ID": "pop3"}
    _assert_refused(lambda: records.iri("e-mail-send", protocol="smtp", **twice),
                    "protocol-ID", counters)
    _assert_refused(lambda: records.iri("e-mail-send", protocol="smtp", nosuchMember=1),
                    "emailIRI", counters)
    _assert_refused(lambda: records.cc("text", email_format="application"),  # type: ignore[arg-type]
                    "content", counters)
    _assert_refused(lambda: records.cc(b"x", email_format="html"), "email-Format", counters)
    _assert_refused(lambda: records.cc(b"x", direction="out"), "payloadDirection", counters)
    _assert_refused(lambda: records.cc(b"x", time=-1), "microSecondTimeStamp", counters)
    assert _peeks(counters) == (1, 0)


# =============================================================================================
# PstnIsdnRecords (TS 102 232-6)
# =============================================================================================

PSTN_FRAMES = ["ipFrame", "udpFrame", "applicationFrame", "audioFrame", "artificialRtpFrame"]


def test_pstn_call_supplementary_iri_and_voice_cc() -> None:
    counters = SequenceCounters()
    records = PstnIsdnRecords(PSPDUBuilder(_identity(), counters=counters,
                                           clock=_stepping_clock(20_000_000)))
    first = counters.peek(LIID, CIN, "CC")
    iri = _iri(records.iri("combined", 8, cc_link_id=1, first_pdu_number=first,
                           sdp=SDP_OFFER, session_name="-", frame_type="audioFrame",
                           iri_type="iRI-Begin"))
    assert iri["iRIType"] == "iRI-Begin"
    assert iri["iRIContents"] == ("pstnIsdnIRI", {
        "pstnIsdnIRIObjId": "5.6.6.1",
        "pstnIsdnIRIContents": ("supplementaryInfo", {
            "informationAppliesTo": {"payloadDirection": "combined", "cCLinkID": 1,
                                     "firstPDUNumber": 0},
            "mediaFormat": 8,
            "sessionName": b"-",
            "copyOfSDPMessage": SDP_OFFER.encode(),
            "frameType": "audioFrame",
        }),
    })
    rng = random.Random(6)
    frames = [(bytes(rng.randrange(256) for _ in range(160)), direction)
              for _ in range(50) for direction in ("fromTarget", "toTarget")]
    decoded = [SPEC.decode("PS-PDU", records.cc(frame, direction, cc_link_id=1))
               for frame, direction in frames]
    assert [d["pSHeader"]["sequenceNumber"] for d in decoded] == list(range(100))
    for (frame, direction), d in zip(frames, decoded, strict=True):
        cc = d["payload"][1][0]
        assert cc == {"payloadDirection": direction,
                      "cCContents": ("pstnIsdnCC", {"pstnIsdnCCObjId": "5.6.6.2",
                                                    "pstnIsdnCCContents": frame,
                                                    "cCLinkID": 1})}
    seconds = [d["pSHeader"]["microSecondTimeStamp"] for d in decoded[:2]]
    assert seconds[1]["microSeconds"] - seconds[0]["microSeconds"] == 20_000
    assert _peeks(counters) == (1, 100)


def test_pstn_cc_with_supplementary_info_and_template_equality() -> None:
    records = PstnIsdnRecords(_builder())
    info = records.supplementary_info("toTarget", 18, alternate_protocol="uDPTL",
                                      encryption_key=b"\x00" * 16, media_attributes="ptime:20",
                                      session_info=b"fax")
    cc = _cc(records.cc(b"\x01\x02", "toTarget", cc_link_id=2, supplementary=info))
    assert cc["cCContents"][1] == {"pstnIsdnCCObjId": "5.6.6.2",
                                   "pstnIsdnCCContents": b"\x01\x02", "cCLinkID": 2,
                                   "supplementaryInfo": info}
    assert info["mediaAttributes"] == b"ptime:20"
    fast = PstnIsdnRecords(_builder()).cc(b"\xd5" * 160, "fromTarget")
    slow = _builder().cc(("pstnIsdnCC", {"pstnIsdnCCObjId": "5.6.6.2",
                                         "pstnIsdnCCContents": b"\xd5" * 160}),
                         direction="fromTarget")
    assert fast == slow
    both = PstnIsdnRecords(_builder(time_stamps="both"))
    header = SPEC.decode("PS-PDU", both.cc(b"x", "combined"))["pSHeader"]
    assert header["microSecondTimeStamp"] == micro_second_timestamp(T0)
    assert header["timeStamp"].isoformat() == "2025-11-30T12:00:00.123456+00:00"
    iri = _iri(records.iri_value({"informationAppliesTo": {"payloadDirection": "combined"},
                                  "mediaFormat": 0}))
    assert iri["iRIContents"][1]["pstnIsdnIRIContents"][1]["mediaFormat"] == 0


_octet_field = st.none() | st.binary(max_size=40) | st.text(max_size=40)


@SETTINGS
@given(
    direction=st.sampled_from(DIRECTIONS),
    media_format=st.integers(0, 127),
    cc_link_id=st.none() | st.integers(0, 65535),
    first_pdu_number=st.none() | st.integers(0, 2**32 - 1),
    texts=st.tuples(_octet_field, _octet_field, _octet_field, _octet_field),
    key=st.none() | st.binary(max_size=32),
    frame_type=st.none() | st.sampled_from(PSTN_FRAMES),
    alternate=st.none() | st.just("uDPTL"),
    iri_type=st.none() | st.sampled_from(IRI_TYPES),
    content=st.binary(max_size=400),
)
def test_pstn_round_trips(direction: str, media_format: int, cc_link_id: int | None,
                          first_pdu_number: int | None,
                          texts: tuple[bytes | str | None, ...], key: bytes | None,
                          frame_type: str | None, alternate: str | None,
                          iri_type: str | None, content: bytes) -> None:
    counters = SequenceCounters()
    records = PstnIsdnRecords(_builder(counters))
    attributes, name, info_text, sdp = texts
    payload = _iri(records.iri(
        direction, media_format, cc_link_id=cc_link_id, first_pdu_number=first_pdu_number,
        media_attributes=attributes, encryption_key=key, session_name=name,
        session_info=info_text, sdp=sdp, frame_type=frame_type, alternate_protocol=alternate,
        iri_type=iri_type))
    assert payload.get("iRIType") == iri_type
    info = payload["iRIContents"][1]["pstnIsdnIRIContents"][1]
    applies = {"payloadDirection": direction, "cCLinkID": cc_link_id,
               "firstPDUNumber": first_pdu_number}

    def octets(v: bytes | str | None) -> bytes | None:
        return v.encode() if isinstance(v, str) else v

    expected = {
        "informationAppliesTo": {k: v for k, v in applies.items() if v is not None},
        "mediaFormat": media_format, "mediaAttributes": octets(attributes),
        "encryptionKey": key, "sessionName": octets(name), "sessionInfo": octets(info_text),
        "copyOfSDPMessage": octets(sdp), "frameType": frame_type,
        "alternateProtocol": alternate,
    }
    assert info == {k: v for k, v in expected.items() if v is not None}
    cc = _cc(records.cc(content, direction, cc_link_id=cc_link_id))
    value = cc["cCContents"][1]
    assert cc["payloadDirection"] == direction
    assert value["pstnIsdnCCContents"] == content
    assert value.get("cCLinkID") == cc_link_id
    assert _peeks(counters) == (1, 1)


@SETTINGS
@given(
    case=st.one_of(
        st.tuples(st.just("media_format"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=128),
                            st.booleans(), st.text(max_size=2)), st.just("mediaFormat")),
        st.tuples(st.just("cc_link_id"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=65536),
                            st.booleans(), st.floats()), st.just("cCLinkID")),
        st.tuples(st.just("first_pdu_number"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)),
                  st.just("firstPDUNumber")),
        st.tuples(st.just("direction"), _bad_names.filter(lambda v: v not in DIRECTIONS),
                  st.just("payloadDirection")),
        st.tuples(st.just("frame_type"),
                  _bad_names.filter(lambda v: v is not None and v not in PSTN_FRAMES),
                  st.just("frameType")),
        st.tuples(st.just("alternate_protocol"),
                  _bad_names.filter(lambda v: v not in (None, "uDPTL")),
                  st.just("alternateProtocol")),
        st.tuples(st.just("sdp"), st.one_of(st.integers(), st.lists(st.integers(), max_size=1)),
                  st.just("copyOfSDPMessage")),
        st.tuples(st.just("encryption_key"), st.text(max_size=3), st.just("encryptionKey")),
        st.tuples(st.just("iri_type"), _bad_names.filter(lambda v: v not in [None, *IRI_TYPES]),
                  st.just("iRIType")),
    ),
)
def test_pstn_iri_invalid_inputs_raise_and_take_no_number(case: tuple[str, Any, str]) -> None:
    name, bad, field = case
    counters = SequenceCounters()
    records = PstnIsdnRecords(_builder(counters))
    args: dict[str, Any] = {"direction": "combined", "media_format": 8, name: bad}
    _assert_refused(lambda: records.iri(**args), field, counters)


@SETTINGS
@given(
    case=st.one_of(
        st.tuples(st.just("content"), _not_bytes, st.just("pstnIsdnCCContents")),
        st.tuples(st.just("direction"), _bad_names.filter(lambda v: v not in DIRECTIONS),
                  st.just("payloadDirection")),
        st.tuples(st.just("cc_link_id"),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=65536),
                            st.booleans(), st.floats(), st.text(max_size=2)),
                  st.just("cCLinkID")),
        st.tuples(st.just("time"), st.one_of(st.integers(max_value=-1), st.text(max_size=3)),
                  st.just("microSecondTimeStamp")),
        st.tuples(st.just("supplementary"),
                  st.one_of(st.just({"mediaFormat": 200}), st.just({}), st.integers()),
                  st.just("supplementaryInfo")),
    ),
    warm=st.booleans(),
)
def test_pstn_cc_invalid_inputs_raise_and_take_no_number(case: tuple[str, Any, str],
                                                         warm: bool) -> None:
    name, bad, field = case
    counters = SequenceCounters()
    records = PstnIsdnRecords(_builder(counters))
    args: dict[str, Any] = {"content": b"\xd5" * 160, "direction": "fromTarget",
                            "cc_link_id": 1}
    if warm:
        records.cc(**args)
    args[name] = bad
    _assert_refused(lambda: records.cc(**args), field, counters)
