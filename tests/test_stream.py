"""PDUReader and PDUWriter: framing a handover byte stream (ETSI TS 102 232-1 clause 6).

The reader must give back exactly the PDUs that were sent, whatever the chunking of the
stream and whichever BER length forms the sender used (X.690 8.1.3: short, long, non-minimal
long, indefinite), must fail with the right offset on input that cannot be framed, and must
never hold more than one PDU's worth of octets.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from _work_budget import counted_work
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.ber import decode_tag, read_tlv_full
from lawful_intercept.errors import DecodeError
from lawful_intercept.stream import (
    MAX_HEADER_SIZE,
    PDU,
    FramingError,
    PDUReader,
    PDUWriter,
    decode_first,
    iter_pdus,
)
from lawful_intercept.testing import values

SPEC = lawful_intercept.bundled()
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def reencode(data: bytes, rnd: random.Random) -> bytes:
    """Re-encode one TLV tree with randomly chosen BER length forms (X.690 8.1.3).

    Every TLV gets the minimal definite form, a non-minimal long form (``82 00 9d``) or,
    if constructed, the indefinite form with end-of-contents octets.  Primitive contents
    are kept as they are.
    """
    tlv, end = _reencode(data, 0, rnd)
    assert end == len(data)
    return tlv


def _reencode(data: bytes, pos: int, rnd: random.Random) -> tuple[bytes, int]:
    _, constructed, _, after_tag = decode_tag(data, pos)
    identifier = data[pos:after_tag]
    _, _, _, start, stop, end = read_tlv_full(data, pos)
    if constructed:
        parts = []
        inner = start
        while inner < stop:
            part, inner = _reencode(data, inner, rnd)
            parts.append(part)
        contents = b"".join(parts)
    else:
        contents = data[start:stop]
    form = rnd.randrange(3 if constructed else 2)
    if form == 2:
        return identifier + b"\x80" + contents + b"\x00\x00", end
    n = len(contents)
    if form == 1:
        size = max((n.bit_length() + 7) // 8, 1) + rnd.randrange(3)
        return identifier + bytes([0x80 | size]) + n.to_bytes(size, "big") + contents, end
    return identifier + _minimal_length(n) + contents, end


def _minimal_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def feed_all(reader: PDUReader, chunks: list[bytes]) -> list[PDU]:
    out: list[PDU] = []
    for chunk in chunks:
        out += reader.feed(chunk)
    return out


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(points)]


# A small stream with every length form: short, long, non-minimal long, indefinite (nested),
# a high tag number and an empty definite-length PDU.
SMALL = [
    bytes.fromhex("3003020101"),
    bytes.fromhex("3082000302010a"),
    bytes.fromhex("308130") + bytes(range(48)),
    bytes.fromhex("308030800201050000040201020000"),
    bytes.fromhex("1f8101020000"),
    bytes.fromhex("3000"),
    bytes.fromhex("a080a180840000000000"),
]
SMALL_STREAM = b"".join(SMALL)


# ---------------------------------------------------------------------------------------------
# framing
# ---------------------------------------------------------------------------------------------


def test_helper_produces_every_length_form() -> None:
    rnd = random.Random(1)
    seen = set()
    data = bytes.fromhex("3008a003020101020102")
    for _ in range(50):
        out = reencode(data, rnd)
        seen.add(out[1])
        # The decoder reads every re-encoding back as the same TLV tree.
        assert read_tlv_full(out, 0)[5] == len(out)
    assert 0x80 in seen  # indefinite
    assert seen & {0x81, 0x82, 0x83}  # long form (never needed for these lengths)
    assert any(b < 0x80 for b in seen)  # short form


def test_small_stream_in_one_chunk() -> None:
    reader = PDUReader()
    pdus = reader.feed(SMALL_STREAM)
    assert [p.raw for p in pdus] == SMALL
    offsets = list(itertools.accumulate([0] + [len(p) for p in SMALL[:-1]]))
    assert [p.offset for p in pdus] == offsets
    assert all(p.value is None and p.error is None for p in pdus)
    assert reader.pdu_count == len(SMALL)
    assert reader.byte_count == len(SMALL_STREAM)
    assert reader.pending_bytes == 0
    reader.eof()


def test_every_split_into_two_and_three_chunks() -> None:
    n = len(SMALL_STREAM)
    for i in range(n + 1):
        reader = PDUReader()
        assert [p.raw for p in feed_all(reader, [SMALL_STREAM[:i], SMALL_STREAM[i:]])] == SMALL
    for i in range(0, n + 1, 3):
        for j in range(i, n + 1):
            chunks = [SMALL_STREAM[:i], SMALL_STREAM[i:j], SMALL_STREAM[j:]]
            reader = PDUReader()
            pdus = feed_all(reader, chunks)
            assert [p.raw for p in pdus] == SMALL
            reader.eof()


def test_byte_by_byte() -> None:
    reader = PDUReader()
    pdus = feed_all(reader, [bytes([b]) for b in SMALL_STREAM])
    assert [p.raw for p in pdus] == SMALL
    assert [p.end for p in pdus][-1] == len(SMALL_STREAM)


def test_bytearray_and_memoryview_chunks() -> None:
    reader = PDUReader()
    half = len(SMALL_STREAM) // 2
    pdus = reader.feed(bytearray(SMALL_STREAM[:half])) + reader.feed(
        memoryview(SMALL_STREAM)[half:]
    )
    assert [p.raw for p in pdus] == SMALL
    assert all(type(p.raw) is bytes for p in pdus)


def test_empty_chunks_change_nothing() -> None:
    reader = PDUReader()
    assert reader.feed(b"") == []
    assert reader.feed(SMALL_STREAM[:3]) == []
    assert reader.feed(b"") == []
    assert reader.pending_bytes == 3
    assert [p.raw for p in reader.feed(SMALL_STREAM[3:])] == SMALL


@PROPERTY
@given(
    pdus=st.lists(values(SPEC, "PS-PDU", max_depth=5), min_size=1, max_size=4),
    rnd=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=12),
)
def test_any_chunking_of_encoded_pdus(
    pdus: list[Any], rnd: random.Random, cuts: list[int]
) -> None:
    encodings = []
    for value in pdus:
        der = SPEC.encode("PS-PDU", value)
        encodings.append(der if rnd.random() < 0.3 else reencode(der, rnd))
    stream = b"".join(encodings)
    reader = PDUReader(SPEC)
    got = feed_all(reader, split(stream, cuts))
    reader.eof()
    assert [p.raw for p in got] == encodings
    assert [p.error for p in got] == [None] * len(pdus)
    # PS-PDU holds no open type, so every length form decodes to the original value.
    assert [p.value for p in got] == pdus
    assert [p.offset for p in got] == list(
        itertools.accumulate([0] + [len(e) for e in encodings[:-1]])
    )
    assert reader.pdu_count == len(pdus)
    assert reader.byte_count == len(stream)


@PROPERTY
@given(value=values(SPEC, "PS-PDU", max_depth=5), rnd=st.randoms(use_true_random=False))
def test_byte_by_byte_for_reencoded_pdus(value: Any, rnd: random.Random) -> None:
    data = reencode(SPEC.encode("PS-PDU", value), rnd)
    reader = PDUReader(SPEC)
    got = feed_all(reader, [data[i : i + 1] for i in range(len(data))])
    assert len(got) == 1 and got[0].raw == data and got[0].value == value


def _nested_indefinite_pdu(tlvs: int) -> bytes:
    body = b"".join(b"\x04\x03abc" for _ in range(tlvs))
    return b"\x30\x80\x30\x80" + body + b"\x00\x00\x31\x82\x00\x02\x05\x00\x00\x00"


def _fed_byte_by_byte(pdu: bytes) -> tuple[list[PDU], int]:
    reader = PDUReader()
    out: list[PDU] = []
    with counted_work() as work:
        for i in range(len(pdu)):
            out += reader.feed(pdu[i : i + 1])
    return out, work.lines


def test_big_indefinite_pdu_byte_by_byte_is_linear() -> None:
    # 60 KB in 12,000 nested TLVs inside two indefinite levels, fed one byte at a time. A scan
    # that started again from the beginning on every byte would do 16 times the work of a
    # quarter of the PDU; a linear one does 4 times (counted in library lines, not timed).
    pdu = _nested_indefinite_pdu(12_000)
    assert read_tlv_full(pdu, 0)[5] == len(pdu)
    quarter = _nested_indefinite_pdu(3_000)
    small, small_work = _fed_byte_by_byte(quarter)
    out, work = _fed_byte_by_byte(pdu)
    assert [p.raw for p in small] == [quarter]
    assert [p.raw for p in out] == [pdu]
    assert 0 < work <= 5 * small_work, (work, small_work)


def test_big_definite_pdu_in_small_chunks() -> None:
    pdu = b"\x04\x83\x01\x00\x00" + bytes(65536)
    reader = PDUReader()
    out = feed_all(reader, [pdu[i : i + 7] for i in range(0, len(pdu), 7)])
    assert [p.raw for p in out] == [pdu]


# ---------------------------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------------------------


def _ps_pdu(seq: int) -> dict[str, Any]:
    return {
        "pSHeader": {
            "li-psDomainId": "0.4.0.2.2.5.1.43",
            "lawfulInterceptionIdentifier": b"LIID-42",
            "communicationIdentifier": {
                "networkIdentifier": {"operatorIdentifier": b"op-1"},
                "communicationIdentityNumber": 7,
            },
            "sequenceNumber": seq,
        },
        "payload": ("cCPayloadSequence", [{"cCContents": ("iPCC", {
            "iPCCObjId": "5.3.18.2", "iPCCContents": ("iPPackets", b"\x45" + bytes(40))})}]),
    }


def test_decode_error_does_not_stop_framing() -> None:
    good = SPEC.encode("PS-PDU", _ps_pdu(1))
    bad = b"\x30\x03\x02\x01\x01"  # frames as a SEQUENCE, but is no PS-PDU
    reader = PDUReader(SPEC)
    pdus = reader.feed(good + bad + good)
    assert [p.raw for p in pdus] == [good, bad, good]
    assert pdus[0].value == _ps_pdu(1) and pdus[0].error is None
    assert pdus[1].value is None and isinstance(pdus[1].error, DecodeError)
    assert not isinstance(pdus[1].error, FramingError)
    assert pdus[2].value == _ps_pdu(1)


def test_lenient_decoding_is_passed_on() -> None:
    spec = lawful_intercept.compile_string(
        "M DEFINITIONS IMPLICIT TAGS ::= BEGIN "
        "R ::= SEQUENCE { liid [0] OCTET STRING (SIZE (1..4)) } END"
    )
    data = b"\x30\x07\x80\x05hello"
    strict = PDUReader(spec, "R").feed(data)[0]
    lenient = PDUReader(spec, "R", strict=False).feed(data)[0]
    assert strict.value is None and strict.error is not None
    assert lenient.error is None and lenient.value == {"liid": b"hello"}


def test_other_types_and_an_untagged_choice() -> None:
    event = ("deregistration", {"deregistrationDirection": "uEInitiated",
                                "accessType": "threeGPPAccess"})
    xiri = SPEC.encode("XIRIPayload", {"xIRIPayloadOID": "4.19.17.1.1", "event": event})
    pdus = PDUReader(SPEC, "XIRIPayload").feed(xiri * 2)
    assert [p.value["event"] for p in pdus] == [event] * 2
    # XIRIEvent is an untagged CHOICE: any alternative's tag may start a PDU.
    data = SPEC.encode("XIRIEvent", event)
    assert data[0] == 0xA2
    assert [p.value for p in PDUReader(SPEC, "XIRIEvent").feed(data)] == [event]
    with pytest.raises(FramingError, match=r"starts with tag \[1\], \[2\], \[3\], \[4\], \.\.\."):
        PDUReader(SPEC, "XIRIEvent").feed(xiri)  # a SEQUENCE: no alternative of XIRIEvent


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("garbage", "where", "words"),
    [
        (b"\x00\x00", 0, "end-of-contents"),
        (b"\x30\xff", 1, "reserved"),
        (b"\x30\x89\x01\x02\x03\x04\x05\x06\x07\x08\x09", 1, "subsequent octets"),
        (b"\x04\x80\x00\x00", 0, "primitive"),
        (b"\x1f\x80\x01\x00", 1, "8.1.2.4.2"),
        (b"\x1f\x1e\x00", 0, "single identifier octet"),
        (b"\x1f\xff\xff\xff\xff\x01\x00", 0, "4 subsequent"),
        (b"\x30\x80\x00\x01", 2, "00 00"),
        (b"\x30\x80\x30\x80\x04\x80", 4, "primitive"),
        (b"\x30\x80\x02\xff", 3, "reserved"),
    ],
)
def test_invalid_headers(garbage: bytes, where: int, words: str) -> None:
    prefix = SMALL_STREAM
    for chunks in ([prefix + garbage], [prefix, garbage], [bytes([b]) for b in prefix + garbage]):
        reader = PDUReader()
        done: list[PDU] = []
        with pytest.raises(FramingError) as info:
            for chunk in chunks:
                done += reader.feed(chunk)
        exc = info.value
        assert exc.offset == len(prefix) + where, (chunks, str(exc))
        assert words in str(exc)
        assert [p.raw for p in done + list(exc.pdus)] == SMALL
        # The reader stays failed.
        assert reader.failed is exc
        with pytest.raises(FramingError) as again:
            reader.feed(SMALL[0])
        assert again.value is exc
        with pytest.raises(FramingError):
            reader.eof()
        assert reader.pending_bytes == 0


def test_nesting_too_deep() -> None:
    data = b"\x30\x80" * 65
    with pytest.raises(FramingError, match="deeper than 64") as info:
        PDUReader().feed(data)
    assert info.value.offset == 128
    pdu = b"\x30\x80" * 64 + b"\x00\x00" * 64
    assert [p.raw for p in PDUReader().feed(pdu)] == [pdu]


def test_wrong_outer_tag_with_a_specification() -> None:
    good = SPEC.encode("PS-PDU", _ps_pdu(3))
    reader = PDUReader(SPEC)
    with pytest.raises(FramingError, match=r"PS-PDU starts with tag \[UNIVERSAL 16\],") as info:
        reader.feed(good + b"GET / HTTP/1.1\r\n")
    assert info.value.offset == len(good)
    assert [p.value for p in info.value.pdus] == [_ps_pdu(3)]
    # Without a specification the same bytes are only framed: 'G' 'E' reads as
    # [APPLICATION 7] with 69 contents octets, which have not all arrived.
    reader = PDUReader()
    assert [p.raw for p in reader.feed(good + b"GET / HTTP/1.1\r\n")] == [good]
    assert reader.pending_bytes == 16


def test_huge_declared_length_rejected_before_buffering() -> None:
    reader = PDUReader(max_pdu_size=1000)
    with pytest.raises(FramingError, match="exceeds max_pdu_size") as info:
        reader.feed(b"\x30\x84\x7f\xff\xff\xff" + bytes(100))
    assert info.value.offset == 0
    assert reader.pending_bytes == 0
    # Announced piecewise: refused as soon as the length octets are complete.
    reader = PDUReader(max_pdu_size=1000)
    reader.feed(SMALL[0] + b"\x30\x82\x03")
    with pytest.raises(FramingError) as info:
        reader.feed(b"\xe9")
    assert info.value.offset == len(SMALL[0])
    # Exactly max_pdu_size contents octets are fine.
    ok = b"\x04\x82\x03\xe8" + bytes(1000)
    assert [p.raw for p in PDUReader(max_pdu_size=1000).feed(ok)] == [ok]
    # A nested definite length inside an indefinite-length PDU is checked as well.
    reader = PDUReader(max_pdu_size=1000)
    with pytest.raises(FramingError) as info:
        reader.feed(b"\x30\x80\x04\x84\x7f\xff\xff\xff")
    assert info.value.offset == 0


def test_indefinite_pdu_growing_past_the_limit() -> None:
    reader = PDUReader(max_pdu_size=1000)
    reader.feed(b"\x30\x80")
    with pytest.raises(FramingError, match="indefinite-length PDU exceeds"):
        for _ in range(400):
            reader.feed(b"\x04\x01\x00")
            assert reader.pending_bytes <= 1000 + 2 * MAX_HEADER_SIZE + 2
    # 999 contents octets and the end-of-contents fit.
    pdu = b"\x30\x80" + b"\x04\x01\x00" * 333 + b"\x00\x00"
    assert [p.raw for p in PDUReader(max_pdu_size=999).feed(pdu)] == [pdu]
    with pytest.raises(FramingError):
        PDUReader(max_pdu_size=998).feed(pdu)


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=600),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=8),
)
def test_garbage_memory_bound(data: bytes, cuts: list[int]) -> None:
    limit = 64
    reader = PDUReader(max_pdu_size=limit)
    try:
        for chunk in split(data, cuts):
            for pdu in reader.feed(chunk):
                assert len(pdu.raw) <= limit + MAX_HEADER_SIZE + 2
            assert reader.pending_bytes <= limit + 2 * MAX_HEADER_SIZE + 2
    except FramingError as exc:
        assert exc.offset is not None and 0 <= exc.offset < len(data)
        assert reader.pending_bytes == 0
        return
    assert reader.byte_count == len(data)


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=6),
)
def test_chunking_never_changes_the_outcome(data: bytes, cuts: list[int]) -> None:
    def run(chunks: list[bytes]) -> tuple[list[bytes], int | None, int]:
        reader = PDUReader(max_pdu_size=100)
        got: list[bytes] = []
        try:
            for chunk in chunks:
                got += [p.raw for p in reader.feed(chunk)]
        except FramingError as exc:
            return got + [p.raw for p in exc.pdus], exc.offset, -1
        return got, None, reader.pending_bytes

    assert run(split(data, cuts)) == run([data])


def test_eof() -> None:
    reader = PDUReader()
    reader.feed(SMALL[0])
    reader.eof()  # at a boundary: fine
    reader = PDUReader()
    reader.feed(SMALL_STREAM + SMALL[2][:10])
    assert reader.pending_bytes == 10
    with pytest.raises(FramingError, match="stream ended inside a PDU") as info:
        reader.eof()
    assert info.value.offset == len(SMALL_STREAM)
    assert "10 of its 51 octets" in str(info.value)
    reader = PDUReader()
    reader.feed(b"\x30\x80\x04\x00")
    with pytest.raises(FramingError, match="end-of-contents"):
        reader.eof()
    reader = PDUReader()
    reader.feed(b"\x1f")
    with pytest.raises(FramingError, match="header"):
        reader.eof()


def test_iter_pdus() -> None:
    chunks = [SMALL_STREAM[i : i + 5] for i in range(0, len(SMALL_STREAM), 5)]
    assert [p.raw for p in iter_pdus(chunks)] == SMALL
    for chunks in ([SMALL_STREAM, b"\x30\x05"], [SMALL_STREAM + b"\x00\x00"]):
        got = []
        with pytest.raises(FramingError):
            for p in iter_pdus(chunks):
                got.append(p.raw)
        assert got == SMALL


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        PDUReader(max_pdu_size=-1)
    with pytest.raises(lawful_intercept.Error):
        PDUReader(SPEC, "No-Such-Type")
    with pytest.raises(ValueError):
        PDUWriter(0)


# ---------------------------------------------------------------------------------------------
# writer
# ---------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=300), max_size=40),
    limit=st.integers(min_value=1, max_value=400),
)
def test_writer_batches(sizes: list[int], limit: int) -> None:
    pdus = [bytes([i % 256]) * n for i, n in enumerate(sizes)]
    writer = PDUWriter(limit)
    for p in pdus:
        writer.add(p)
    real = [p for p in pdus if p]
    assert writer.pending_pdus == len(real)
    assert writer.pending_bytes == sum(sizes)
    batches = list(writer.batches())
    assert b"".join(batches) == b"".join(pdus)
    # Each batch is whole PDUs, at most `limit` octets unless it is one larger PDU, and a
    # greedy packer would not have fitted the next PDU in.
    i = 0
    for batch in batches:
        j = i
        size = 0
        while j < len(real) and size + len(real[j]) <= max(limit, len(real[i])) and (
            j == i or size + len(real[j]) <= limit
        ):
            size += len(real[j])
            j += 1
        assert batch == b"".join(real[i:j])
        assert len(batch) <= limit or j == i + 1
        i = j
    assert i == len(real)
    assert writer.pending_bytes == 0 and writer.pending_pdus == 0
    assert writer.pdu_count == len(real) and writer.byte_count == sum(sizes)
    assert list(writer.batches()) == [] and writer.flush() == b""


def test_writer_examples() -> None:
    writer = PDUWriter(10)
    for p in (b"aaaa", b"bbbb", b"cc", b"dddddddddddd", b"e"):
        writer.add(p)
    assert list(writer.batches()) == [b"aaaabbbbcc", b"dddddddddddd", b"e"]
    writer.add(b"x" * 6)
    writer.add(bytearray(b"y" * 6))
    writer.add(memoryview(b"z" * 6))
    it = writer.batches()
    assert next(it) == b"xxxxxx"
    # Stopping early leaves the rest queued; flush joins it regardless of the limit.
    del it
    assert writer.pending_pdus == 2
    writer.add(b"w")
    assert writer.flush() == b"yyyyyyzzzzzzw"
    assert writer.pdu_count == 9


def test_writer_output_reads_back() -> None:
    writer = PDUWriter(100)
    for p in SMALL * 10:
        writer.add(p)
    reader = PDUReader()
    got: list[bytes] = []
    for batch in writer.batches():
        assert len(batch) <= 100
        got += [p.raw for p in reader.feed(batch)]
    assert got == SMALL * 10


def _batches_work(records: int) -> int:
    writer = PDUWriter(1000)
    for _ in range(records):
        writer.add(b"\x05\x00")
    with counted_work() as work:
        n = sum(1 for _ in writer.batches())
    assert n == records * 2 // 1000
    return work.lines


def test_writer_large_queue_is_linear() -> None:
    # Taking 50,000 queued PDUs in batches does 4 times the work of 12,500 (counted, not
    # timed); a queue that shifted its list on every take would do 16 times.
    small, large = _batches_work(12_500), _batches_work(50_000)
    assert 0 < large <= 5 * small, (large, small)


# -- decode_first ---------------------------------------------------------------------------

TOP_TYPES = ("PCESP.CdcPdu", "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol", "PS-PDU")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values(SPEC, "PS-PDU"))
def test_decode_first_finds_the_type_that_fits(value: Any) -> None:
    data = SPEC.encode("PS-PDU", value)
    type_name, decoded = decode_first(SPEC, data, TOP_TYPES)
    assert SPEC.encode(type_name, decoded) == data
    assert decode_first(SPEC, memoryview(data), ["PS-PDU"]) == ("PS-PDU",
                                                                 SPEC.decode("PS-PDU", data))


def test_decode_first_reports_the_first_types_error() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_first(SPEC, b"\x04\x01\x00", TOP_TYPES)
    with pytest.raises(DecodeError) as alone:
        SPEC.decode(TOP_TYPES[0], b"\x04\x01\x00")
    assert str(caught.value) == str(alone.value)
    with pytest.raises(ValueError, match="type_names"):
        decode_first(SPEC, b"\x04\x01\x00", [])
