"""The reader's PDU (ETSI TS 103 221-2 clause 5): every attribute is checked when the PDU is
read, its typed values are made only when asked, and the PDU is immutable and compares as the
values it carries."""

from __future__ import annotations

import ipaddress
import pickle
import struct
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_x2x3_codec import pdus, sample

from lawful_intercept.errors import X2X3Error
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    PDUType,
    Timestamp,
    X2X3Reader,
    decode_pdu,
    encode_pdu,
)

# Every attribute type with a rule its octets can break, and a value of the wrong length.
_WRONG_LENGTH = [5, 8, 9, 10, 11, 12, 13, 14, 15, 16]


def _with_raw_attribute(kind: int, value: bytes) -> bytes:
    """The octets of sample() with one more attribute (type ``kind``, octets ``value``) put
    first, and the header length grown to hold it."""
    data = bytearray(encode_pdu(sample()))
    header_length = struct.unpack_from(">I", data, 4)[0]
    data[40:40] = struct.pack(">HH", kind, len(value)) + value
    data[4:8] = struct.pack(">I", header_length + 4 + len(value))
    return bytes(data)


@pytest.mark.parametrize("kind", _WRONG_LENGTH)
def test_a_value_that_breaks_its_rule_is_refused_when_read_not_when_used(kind: int) -> None:
    good = encode_pdu(sample(correlation_id=1))
    bad = _with_raw_attribute(kind, b"\x01\x02\x03")  # no fixed-size type has 3 octets
    reader = X2X3Reader()
    with pytest.raises(X2X3Error) as caught:
        reader.feed(good + bad)
    err = caught.value
    assert err.path == "attributes[0].value", str(err)
    assert err.offset == len(good) + 44, str(err)
    assert f"attribute type {kind}: must be" in str(err)
    # the PDU before it is handed out whole; the bad one never is
    assert [p.correlation_id for p in err.pdus] == [1]
    assert err.pdus[0].attributes == sample().attributes


def test_nanoseconds_out_of_range_are_refused_when_read() -> None:
    bad = _with_raw_attribute(AttributeType.TIMESTAMP, struct.pack(">II", 1, 10**9))
    with pytest.raises(X2X3Error, match="nanoseconds 1000000000 must be below") as caught:
        decode_pdu(bad)
    assert caught.value.path == "attributes[0].value" and caught.value.offset == 44


def test_values_made_on_demand_equal_those_of_a_full_decode() -> None:
    data = _with_raw_attribute(AttributeType.TIMESTAMP, struct.pack(">II", 5, 6))
    lazy, full = decode_pdu(data), decode_pdu(data)
    whole = full.attributes  # decodes every attribute
    assert whole[0] == Attribute(AttributeType.TIMESTAMP, Timestamp(5, 6))
    # the first timestamp wins, whether found in place or in the decoded tuple
    assert lazy.timestamp == full.timestamp == Timestamp(5, 6)
    assert lazy.sequence_number == full.sequence_number == 7
    for kind in range(1, 24):
        assert lazy.attribute(kind) == full.attribute(kind)
    assert lazy.attribute(AttributeType.SOURCE_IPV4_ADDRESS) == ipaddress.IPv4Address(
        "192.0.2.1")
    assert lazy.attributes == whole and lazy.attributes is lazy.attributes
    assert decode_pdu(encode_pdu(X2X3PDU(PDUType.X3))).timestamp is None


def test_the_pdu_is_immutable_and_compares_by_value() -> None:
    read = decode_pdu(encode_pdu(sample()))
    built = sample()
    assert read == built and hash(read) == hash(built)
    assert read != sample(correlation_id=9)
    assert read != (built.pdu_type, built.xid, built.correlation_id, built.payload)
    assert len({read, built}) == 1
    for name, value in [("xid", uuid.UUID(int=1)), ("payload", b""), ("attributes", ()),
                        ("raw", b""), ("offset", 1), ("pdu_type", 1)]:
        with pytest.raises(AttributeError):
            setattr(read, name, value)
    assert "raw=" not in repr(read) and "correlation_id=72623859790382856" in repr(read)


@settings(max_examples=150, deadline=None)
@given(pdus, st.lists(st.integers(1, 24), max_size=6))
def test_lazy_reads_give_the_written_values(pdu: X2X3PDU, asked: list[int]) -> None:
    """Whatever is asked first, and in whatever order, each value is the one written."""
    back = decode_pdu(encode_pdu(pdu))
    for kind in asked:
        assert back.attribute(kind) == pdu.attribute(kind)
    assert back.timestamp == pdu.timestamp
    assert back.sequence_number == pdu.sequence_number
    assert back == pdu and back.attributes == pdu.attributes
    assert bytes(back.payload) == bytes(pdu.payload)


def test_payload_bytes_is_the_payload_as_bytes() -> None:
    read = decode_pdu(encode_pdu(sample()))
    assert type(read.payload_bytes) is bytes and read.payload_bytes == bytes(read.payload)
    built = sample(payload=b"\x45" + bytes(19))
    assert built.payload_bytes is built.payload
    view = sample(payload=memoryview(bytearray(b"\x45" + bytes(19))))
    assert type(view.payload_bytes) is bytes and view.payload_bytes == b"\x45" + bytes(19)


def _stamped(first: tuple[int, bytes], second: tuple[int, bytes], n: int = 0) -> bytes:
    """An X3 PDU with two attributes of 4 + 8 octets of value in all (the header length the
    same whichever two)."""
    attributes = b"".join(struct.pack(">HH", kind, len(value)) + value
                          for kind, value in (first, second))
    payload = b"\x45" + bytes(19)
    head = struct.pack(">HHIIHH16sQ", 5, 2, 40 + len(attributes), len(payload), 5, 2,
                       uuid.UUID(int=7).bytes, n)
    return head + attributes + payload


def test_the_layout_seen_before_is_checked_again_for_every_pdu() -> None:
    """The reader's fast check of a known attribute layout takes nothing the full check
    refuses: same header length, other types or lengths, or nanoseconds out of range."""
    seq, stamp = (8, struct.pack(">I", 3)), (9, struct.pack(">II", 10, 20))
    good = _stamped(seq, stamp, 1)
    swapped = _stamped((9, struct.pack(">II", 11, 21)), (8, struct.pack(">I", 4)), 2)
    text = _stamped((17, b"abcd"), (21, bytes(8)), 3)  # no fixed-size rule, same length
    reader = X2X3Reader()
    got = reader.feed(good + good + swapped + text + good)
    assert [p.timestamp for p in got] == [Timestamp(10, 20), Timestamp(10, 20),
                                          Timestamp(11, 21), None, Timestamp(10, 20)]
    assert [p.sequence_number for p in got] == [3, 3, 4, None, 3]
    assert got[3].attributes == (Attribute(17, "abcd"), Attribute(21, bytes(8)))
    # the known layout, nanoseconds out of range
    late = _stamped(seq, (9, struct.pack(">II", 10, 10**9)), 4)
    with pytest.raises(X2X3Error, match="nanoseconds") as caught:
        reader.feed(late)
    assert caught.value.path == "attributes[1].value"
    assert caught.value.offset == 5 * len(good) + 52
    # the same header length, a length that breaks the rule of its type
    for bad in (_stamped((8, bytes(8)), (9, bytes(4))), _stamped((14, bytes(4)), stamp)):
        fresh = X2X3Reader()
        fresh.feed(good)
        with pytest.raises(X2X3Error, match="must be") as caught:
            fresh.feed(bad)
        assert caught.value.path == "attributes[0].value"


def test_timestamp_ns_read_in_place_or_from_the_attributes() -> None:
    read = decode_pdu(encode_pdu(sample()))
    assert read.timestamp_ns == 1_800_000_000 * 10**9 + 123_456_789
    assert sample().timestamp_ns == read.timestamp_ns
    assert read.attributes and read.timestamp_ns == sample().timestamp_ns  # once decoded
    assert sample(attributes=()).timestamp_ns is None
    assert decode_pdu(encode_pdu(sample(attributes=(Attribute(8, 1),)))).timestamp_ns is None


def test_the_pdu_matches_by_position_and_survives_pickle() -> None:
    read = decode_pdu(encode_pdu(sample()))
    match read:
        case X2X3PDU(PDUType.X3, xid, correlation_id):
            assert (xid, correlation_id) == (sample().xid, sample().correlation_id)
        case _:
            pytest.fail("no match")
    back = pickle.loads(pickle.dumps(read))
    assert back == read and back.raw == read.raw and back.timestamp_ns == read.timestamp_ns
