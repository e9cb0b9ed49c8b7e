"""The X2/X3 codec (ETSI TS 103 221-2 clause 5): reader, writer, keep-alives, errors, fuzz."""

from __future__ import annotations

import ipaddress
import random
import struct
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.errors import DecodeError, X2X3Error
from lawful_intercept.x2x3 import (
    HEADER_SIZE,
    NIL_XID,
    X2X3PDU,
    Attribute,
    AttributeType,
    PayloadDirection,
    PayloadFormat,
    PDUType,
    Timestamp,
    X2X3Reader,
    decode_pdu,
    encode_pdu,
    encode_pdus,
    keepalive,
    keepalive_ack,
    pdu_to_dict,
)

XID = uuid.UUID("2b36a78b-b628-416d-bd22-3f6a3b7b8b61")


def sample(**changes: object) -> X2X3PDU:
    fields: dict[str, object] = {
        "pdu_type": PDUType.X3,
        "xid": XID,
        "correlation_id": 0x0102030405060708,
        "payload": b"\x45\x00\x00\x14" + bytes(16),
        "payload_format": PayloadFormat.IPV4_PACKET,
        "payload_direction": PayloadDirection.FROM_TARGET,
        "attributes": (
            Attribute(AttributeType.SEQUENCE_NUMBER, 7),
            Attribute(AttributeType.TIMESTAMP, Timestamp(1_800_000_000, 123_456_789)),
            Attribute(AttributeType.SOURCE_IPV4_ADDRESS, ipaddress.IPv4Address("192.0.2.1")),
            Attribute(AttributeType.MATCHED_TARGET_IDENTIFIER, "sip:alice@example.com"),
        ),
    }
    fields.update(changes)
    return X2X3PDU(**fields)  # type: ignore[arg-type]


# -- the layout ---------------------------------------------------------------------------------


def test_header_layout_is_the_standards() -> None:
    data = encode_pdu(sample())
    version, kind, header_length, payload_length, fmt, direction = struct.unpack_from(
        ">HHIIHH", data)
    assert (version, kind, fmt, direction) == (0x0005, 2, 5, 3)
    attributes = 4 + 4 + 4 + 8 + 4 + 4 + 4 + len("sip:alice@example.com")
    assert header_length == HEADER_SIZE + attributes
    assert payload_length == 20 and len(data) == header_length + payload_length
    assert data[16:32] == XID.bytes
    assert data[32:40] == bytes.fromhex("0102030405060708")
    assert data[40:48] == bytes.fromhex("0008 0004 00000007".replace(" ", ""))
    assert data[48:60] == bytes.fromhex("0009 0008".replace(" ", "")) + struct.pack(
        ">II", 1_800_000_000, 123_456_789)


def test_decode_gives_typed_values_and_a_zero_copy_payload() -> None:
    data = encode_pdu(sample())
    pdu = decode_pdu(data)
    assert pdu == sample()
    assert pdu.pdu_type is PDUType.X3 and pdu.payload_format is PayloadFormat.IPV4_PACKET
    assert isinstance(pdu.payload, memoryview) and pdu.payload.obj is pdu.raw
    assert pdu.raw == data and pdu.sequence_number == 7
    assert pdu.timestamp == Timestamp(1_800_000_000, 123_456_789)
    assert pdu.attribute(AttributeType.SOURCE_IPV4_ADDRESS) == ipaddress.IPv4Address("192.0.2.1")
    assert pdu.attribute(AttributeType.SDP_SESSION_DESCRIPTION) is None
    assert pdu.version_text == "0.5"


def test_every_attribute_type_round_trips() -> None:
    values = {
        1: b"\x30\x00", 2: b"\x01", 3: b"", 4: b"vendor", 5: uuid.UUID(int=5),
        6: "nf-1", 7: "poi-7", 8: 0xFFFFFFFF, 9: Timestamp(0, 999_999_999),
        10: ipaddress.IPv4Address("198.51.100.1"), 11: ipaddress.IPv4Address("203.0.113.9"),
        12: ipaddress.IPv6Address("2001:db8::1"), 13: ipaddress.IPv6Address("2001:db8::2"),
        14: 5060, 15: 65535, 16: 17, 17: "tel:+441632960000", 18: "imsi:001010000000001",
        19: "application/sdp", 20: "binary", 21: b"\x00" * 16, 22: "v=0\r\n", 999: b"raw",
    }
    pdu = sample(attributes=tuple(Attribute(t, v) for t, v in values.items()))
    back = decode_pdu(encode_pdu(pdu))
    assert back == pdu
    assert [a.name for a in back.attributes][4:9] == [
        "domain_id", "network_function_id", "interception_point_id", "sequence_number",
        "timestamp"]
    assert back.attributes[-1].name == "unknown"


def test_keepalive_and_its_acknowledgement_echo_the_sequence_number() -> None:
    ka = keepalive(41)
    data = encode_pdu(ka)
    assert len(data) == HEADER_SIZE + 8
    assert struct.unpack_from(">HHIIHH", data) == (5, 3, 48, 0, 0, 0)
    ack = keepalive_ack(decode_pdu(data))
    assert ack.pdu_type is PDUType.KEEPALIVE_ACK and ack.sequence_number == 41
    assert ack.xid == NIL_XID and decode_pdu(encode_pdu(ack)) == ack
    assert keepalive_ack(X2X3PDU(PDUType.KEEPALIVE)).attributes == ()
    with pytest.raises(ValueError, match="request must be a keep-alive"):
        keepalive_ack(sample())


def test_json_form() -> None:
    record = pdu_to_dict(decode_pdu(encode_pdu(sample())))
    assert record["pdu_type"] == "X3" and record["version"] == "0.5"
    assert record["payload_format"] == 5 and record["payload_direction"] == 3
    assert record["xid"] == str(XID) and record["correlation_id"] == 0x0102030405060708
    assert record["attributes"][1] == {"type": 9, "name": "timestamp",
                                       "value": "2027-01-15T08:00:00.123456789Z"}
    assert record["payload"] == "45000014" + "00" * 16
    assert pdu_to_dict(keepalive(1))["pdu_type"] == "keepalive"


# -- the writer refuses misuse, naming the field -----------------------------------------------


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"pdu_type": 5}, ValueError, "pdu.pdu_type"),
    ({"correlation_id": -1}, ValueError, "pdu.correlation_id"),
    ({"payload_format": 70000}, ValueError, "pdu.payload_format"),
    ({"xid": "not a uuid"}, TypeError, "pdu.xid"),
    ({"payload": "text"}, TypeError, "pdu.payload"),
    ({"attributes": (Attribute(8, 1 << 32),)}, ValueError, r"pdu.attributes\[0\].value"),
    ({"attributes": (Attribute(14, "5060"),)}, TypeError, r"pdu.attributes\[0\].value"),
    ({"attributes": (Attribute(10, ipaddress.IPv6Address("::1")),)}, TypeError,
     r"pdu.attributes\[0\].value"),
    ({"attributes": (Attribute(4, b"x" * 70000),)}, ValueError, r"pdu.attributes\[0\].value"),
    ({"attributes": (Attribute(70000, b""),)}, ValueError, r"pdu.attributes\[0\].type"),
])
def test_writer_misuse(changes: dict[str, object], error: type[Exception], field: str) -> None:
    with pytest.raises(error, match=field):
        encode_pdu(sample(**changes))


def test_writer_checks_the_timestamp_fields() -> None:
    for stamp, field in ((Timestamp(1, 1_000_000_000), "nanoseconds"),
                         (Timestamp(1 << 32, 0), "seconds"), (Timestamp(-1, 0), "seconds")):
        with pytest.raises(ValueError, match=rf"pdu\.attributes\[0\]\.value\.{field}"):
            encode_pdu(sample(attributes=(Attribute(AttributeType.TIMESTAMP, stamp),)))


# -- the reader: framing, chunking, bounds, errors ------------------------------------------


def test_reader_frames_any_chunking() -> None:
    pdus = [sample(correlation_id=i, payload=bytes([i]) * i) for i in range(30)]
    pdus.insert(5, keepalive(3))
    stream = encode_pdus(pdus)
    rng = random.Random(1)
    for _ in range(20):
        reader, out, pos = X2X3Reader(), [], 0
        while pos < len(stream):
            step = rng.choice((1, 2, 11, 12, 13, 39, 40, 41, 100, 5000))
            out += reader.feed(memoryview(stream)[pos : pos + step])
            pos += step
        reader.eof()
        assert out == pdus
        assert [p.offset for p in out] == [sum(len(encode_pdu(q)) for q in pdus[:i])
                                           for i in range(len(pdus))]
        assert reader.pdu_count == len(pdus) and reader.byte_count == len(stream)


def test_size_is_refused_before_buffering() -> None:
    reader = X2X3Reader(max_pdu_size=1000)
    head = struct.pack(">HHII", 5, 2, 40, 1_000_000_000)
    with pytest.raises(X2X3Error) as caught:
        reader.feed(head)
    assert caught.value.path == "payload_length" and caught.value.offset == 8
    assert "exceeds max_pdu_size (1000)" in str(caught.value)
    assert reader.pending_bytes == 0
    with pytest.raises(X2X3Error):
        reader.feed(b"")  # stays failed


def test_error_keeps_the_pdus_before_it_and_names_field_and_offset() -> None:
    good = encode_pdu(sample())
    bad = bytearray(encode_pdu(sample()))
    bad[2:4] = b"\x00\x09"
    reader = X2X3Reader()
    with pytest.raises(X2X3Error) as caught:
        reader.feed(good + bytes(bad))
    err = caught.value
    assert isinstance(err, DecodeError)
    assert err.path == "pdu_type" and err.offset == len(good) + 2
    assert [p.correlation_id for p in err.pdus] == [sample().correlation_id]
    assert reader.failed is err


@pytest.mark.parametrize(("mutate", "field", "offset"), [
    (lambda b: b.__setitem__(slice(4, 8), (39).to_bytes(4, "big")), "header_length", 4),
    # the header length cuts the last attribute (matched target identifier) in its value
    (lambda b: b.__setitem__(slice(4, 8), (int.from_bytes(b[4:8], "big") - 3).to_bytes(4, "big")),
     "attributes[3].length", 70),
    # the header length leaves 2 octets after two attributes: no room for type and length
    (lambda b: b.__setitem__(slice(4, 8), (60 + 2).to_bytes(4, "big")),
     "attributes[2]", 60),
    (lambda b: b.__setitem__(slice(42, 44), (3).to_bytes(2, "big")), "attributes[0].value", 44),
    (lambda b: b.__setitem__(slice(56, 60), (10**9).to_bytes(4, "big")), "attributes[1].value",
     52),
    (lambda b: b.__setitem__(slice(62, 64), (200).to_bytes(2, "big")), "attributes[2].length",
     62),
])
def test_malformed_pdus(mutate, field: str, offset: int) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(encode_pdu(sample()))
    mutate(data)
    with pytest.raises(X2X3Error) as caught:
        decode_pdu(bytes(data))
    assert caught.value.path == field, str(caught.value)
    assert caught.value.offset == offset, str(caught.value)


def test_text_attribute_that_is_not_utf8_keeps_its_octets() -> None:
    data = bytearray(encode_pdu(sample()))
    data[72] = 0xFF  # inside the matched target identifier
    pdu = decode_pdu(bytes(data))
    value = pdu.attribute(AttributeType.MATCHED_TARGET_IDENTIFIER)
    assert value == b"\xff" + b"ip:alice@example.com"
    assert encode_pdu(pdu) == bytes(data)


def test_eof_inside_a_pdu() -> None:
    data = encode_pdu(sample())
    for cut in (1, 11, 12, 40, len(data) - 1):
        reader = X2X3Reader()
        reader.feed(data[:cut])
        assert reader.pending_bytes == cut
        with pytest.raises(X2X3Error, match="stream ended inside a PDU") as caught:
            reader.eof()
        assert caught.value.offset == 0


def test_decode_pdu_wants_exactly_one() -> None:
    data = encode_pdu(sample())
    with pytest.raises(X2X3Error, match="expected one PDU, found 2"):
        decode_pdu(data + data)
    with pytest.raises(TypeError, match="data must be bytes"):
        X2X3Reader().feed("text")  # type: ignore[arg-type]


# -- hypothesis round trips -----------------------------------------------------------------

_u32 = st.integers(0, 0xFFFFFFFF)
_text = st.text(max_size=40) | st.binary(max_size=40).filter(lambda b: not _utf8(b))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_raw = st.binary(max_size=40)
_VALUES = {
    1: _raw, 2: _raw, 3: _raw, 4: _raw, 5: st.uuids(), 6: _text, 7: _text, 8: _u32,
    9: st.builds(Timestamp, _u32, st.integers(0, 999_999_999)),
    10: st.ip_addresses(v=4), 11: st.ip_addresses(v=4),
    12: st.ip_addresses(v=6), 13: st.ip_addresses(v=6),
    14: st.integers(0, 65535), 15: st.integers(0, 65535), 16: st.integers(0, 255),
    17: _text, 18: _text, 19: _text, 20: _text, 21: _raw, 22: _text,
}
attributes = st.one_of(
    *(st.builds(Attribute, st.just(AttributeType(t)), v) for t, v in _VALUES.items()),
    st.builds(Attribute, st.integers(23, 0xFFFF), _raw),
)
pdus = st.builds(
    X2X3PDU,
    pdu_type=st.sampled_from(PDUType),
    xid=st.uuids(),
    correlation_id=st.integers(0, (1 << 64) - 1),
    payload=st.binary(max_size=200),
    payload_format=st.integers(0, 0xFFFF),
    payload_direction=st.integers(0, 0xFFFF),
    attributes=st.lists(attributes, max_size=6).map(tuple),
    version=st.integers(0, 0xFFFF),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pdus, min_size=1, max_size=5), st.integers(1, 300))
def test_writer_then_reader_round_trip(items: list[X2X3PDU], chunk: int) -> None:
    stream = encode_pdus(items)
    reader = X2X3Reader()
    out = []
    for pos in range(0, len(stream), chunk):
        out += reader.feed(stream[pos : pos + chunk])
    reader.eof()
    assert out == items


@settings(max_examples=300, deadline=None)
@given(pdus)
def test_reader_then_writer_gives_the_same_octets(pdu: X2X3PDU) -> None:
    data = encode_pdu(pdu)
    parsed = decode_pdu(data)
    assert encode_pdu(parsed) == data
    assert parsed.raw == data


# -- fuzz: only the typed error may come out -----------------------------------------------------


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        if op == 0 and b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:
            b[rng.randrange(len(b) + 1):] = b""
        elif op == 3:
            pos = rng.randrange(len(b) + 1)
            b[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif len(b) > 12:  # a plausible size field with random contents behind it
            pos = rng.choice((4, 8, 42, 46))
            b[pos : pos + 2] = rng.randbytes(2)
    return bytes(b)


def test_fuzz_20000_inputs_raise_only_the_typed_error() -> None:
    rng = random.Random(20000)
    seeds = [encode_pdu(sample()), encode_pdu(keepalive(9)),
             encode_pdu(sample(attributes=tuple(Attribute(t, v) for t, v in [
                 (5, uuid.UUID(int=1)), (12, ipaddress.IPv6Address("2001:db8::7")),
                 (14, 5060), (16, 6), (22, "v=0"), (4, b"\x01\x02")]))),
             encode_pdus([sample(), keepalive(1), sample(payload=b"")])]
    outcomes = {"ok": 0, "error": 0}
    fields: set[str] = set()
    for i in range(20_000):
        random_input = i % 4 == 0
        data = rng.randbytes(rng.randint(0, 120)) if random_input else _mutate(
            rng, rng.choice(seeds))
        reader = X2X3Reader(max_pdu_size=512)
        try:
            step = rng.choice((1, 7, 40, len(data) or 1))
            for pos in range(0, len(data), step):
                reader.feed(data[pos : pos + step])
                assert reader.pending_bytes <= 512
            reader.eof()
            outcomes["ok"] += 1
        except X2X3Error as exc:
            outcomes["error"] += 1
            fields.add(exc.path.split("[")[0])
            assert exc.offset is not None and 0 <= exc.offset <= len(data)
    assert outcomes["ok"] and outcomes["error"]
    # the fuzz reached the header, the size bound and the attributes
    assert {"pdu_type", "header_length", "payload_length", "attributes", "pdu"} <= fields
