"""SessionTable: communications of one header shape as rows write exactly the octets of their
builders, share the shape's code, number their CC gaplessly with the builders' counters, and
free what they held."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import weakref
from typing import Any

import pytest
from _codegen_support import counting_code_generation
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept import EncodeError
from lawful_intercept.catalog import default_specification
from lawful_intercept.correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.records import IPAccessRecords, IPMMRecords, PSPDUBuilder, SessionTable

SPEC = default_specification()
T0 = 1_764_504_000_123_456_000
CLOCK = Clock(lambda: T0)
PACKET = b"\x45" + bytes(39)
BASE = SessionIdentity("LIID-TABLE", NetworkIdentifier(b"operator-1", b"bras-07"),
                       authorization_country_code="DE", delivery_country_code="DE")

_printable = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1)


@settings(max_examples=60, deadline=None)
@given(
    liid=_printable.filter(lambda s: len(s) <= 25),
    operator=st.binary(min_size=1, max_size=16),
    element=st.none() | st.binary(min_size=1, max_size=16),
    cin=st.integers(0, 4294967295),
    country=st.none() | st.sampled_from(["DE", "FR", "NL"]),
    point=st.none() | _printable.filter(lambda s: len(s) <= 8),
    qualifier=st.none() | st.sampled_from(["timeOfInterception", "timeOfMediation"]),
    time_stamps=st.sampled_from(["microSecondTimeStamp", "timeStamp", "both"]),
    direction=st.sampled_from(["fromTarget", "toTarget", "combined"]),
    packets=st.lists(st.binary(max_size=300), min_size=1, max_size=4),
    ns=st.integers(0, 253_402_300_799 * 10**9),  # GeneralizedTime ends in year 9999
    given_time=st.booleans(),
)
def test_a_row_writes_the_octets_of_its_builder(
    liid: str, operator: bytes, element: bytes | None, cin: int, country: str | None,
    point: str | None, qualifier: str | None, time_stamps: Any, direction: str,
    packets: list[bytes], ns: int, given_time: bool,
) -> None:
    identity = SessionIdentity(liid, NetworkIdentifier(operator, element), cin,
                               authorization_country_code=country,
                               delivery_country_code=country, interception_point_id=point)
    clock = Clock(lambda: ns)
    options: dict[str, Any] = {"clock": clock, "time_stamps": time_stamps,
                               "time_stamp_qualifier": qualifier}
    table = SessionTable(interception_point=point is not None, **options)
    other = table.open(identity.with_cin((cin + 1) % 2**32))  # beside it, numbered apart
    row = table.open(identity)
    records = IPAccessRecords(PSPDUBuilder(identity, **options))
    media = IPMMRecords(records.builder)
    time = ns if given_time else None
    for n, packet in enumerate(packets):
        ours = table.ipcc(row, packet, direction, time=time)
        assert ours == records.ipcc(packet, direction, time=time)
        value = SPEC.decode("PS-PDU", ours)
        assert value["pSHeader"]["sequenceNumber"] == 2 * n
        assert value["payload"][1][0]["cCContents"][1]["iPCCContents"] == ("iPPackets", packet)
        assert table.ipmmcc(row, packet, direction, frame_type="rtpFrame", stream_id=n,
                            time=time) == media.cc(packet, direction, frame_type="rtpFrame",
                                                   stream_id=n, time=time)
    assert SPEC.decode("PS-PDU", table.ipcc(other, b"", "toTarget"))["pSHeader"][
        "sequenceNumber"] == 0


def test_rows_and_builders_of_one_communication_share_its_numbering() -> None:
    counters = SequenceCounters()
    table = SessionTable(counters=counters, clock=CLOCK)
    row = table.open(BASE.with_cin(5))
    builder = table.builder(row)
    records = IPAccessRecords(builder)
    pdus = []
    for i in range(12):
        if i % 3 == 0:
            pdus.append(records.ipcc(PACKET, "toTarget"))
        elif i % 3 == 1:
            pdus.append(table.ipcc(row, PACKET, "fromTarget"))
        else:
            pdus.append(builder.cc(("iPCC", {"iPCCObjId": SPEC.values["iPCCObjId"],
                                             "iPCCContents": ("iPPackets", PACKET)})))
    numbers = [SPEC.decode("PS-PDU", p)["pSHeader"]["sequenceNumber"] for p in pdus]
    assert numbers == list(range(12))
    builder.keep_alive()  # TRI is numbered on its own
    state = counters.save_state()["communications"]
    assert [c["next"] for c in state] == [{"IRI": 0, "CC": 12, "TRI": 1}]


def test_a_restored_numbering_continues_in_a_table() -> None:
    counters = SequenceCounters()
    counters.counter(BASE.liid, 9, "CC")()
    restored = SequenceCounters.from_state(counters.save_state())
    table = SessionTable(counters=restored, clock=CLOCK)
    pdu = table.ipcc(table.open(BASE.with_cin(9)), PACKET, "toTarget")
    assert SPEC.decode("PS-PDU", pdu)["pSHeader"]["sequenceNumber"] == 1


def test_numbers_wrap_after_the_maximum_as_the_counters_say() -> None:
    state = {"format": "lawful-intercept/sequence-counters", "version": 1, "wrap": False,
             "communications": [{"liid": BASE.liid.value.hex(), "cin": 3,
                                  "next": {"CC": 4294967295}}]}
    table = SessionTable(counters=SequenceCounters.from_state(state), clock=CLOCK)
    row = table.open(BASE.with_cin(3))
    last = table.ipcc(row, PACKET, "toTarget")
    assert SPEC.decode("PS-PDU", last)["pSHeader"]["sequenceNumber"] == 4294967295
    with pytest.raises(EncodeError, match="used up"):
        table.ipcc(row, PACKET, "toTarget")
    wrapping = SessionTable(counters=SequenceCounters.from_state({**state, "wrap": True}),
                            clock=CLOCK)
    row = wrapping.open(BASE.with_cin(3))
    numbers = [SPEC.decode("PS-PDU", wrapping.ipcc(row, PACKET, "toTarget"))["pSHeader"][
        "sequenceNumber"] for _ in range(2)]
    assert numbers == [4294967295, 0]


def test_a_bad_call_is_refused_and_takes_no_number() -> None:
    table = SessionTable(clock=CLOCK)
    row = table.open(BASE.with_cin(1))
    closed = table.open(BASE.with_cin(2))
    table.close(closed)
    with pytest.raises(ValueError, match=r"index: 1 is not an open session.*closed"):
        table.ipcc(closed, PACKET, "toTarget")
    with pytest.raises(ValueError, match="index: -1 is not an open session"):
        table.ipcc(-1, PACKET, "toTarget")
    with pytest.raises(ValueError, match=r"index: 7 is not an open session.*0\.\.1"):
        table.ipcc(7, PACKET, "toTarget")
    with pytest.raises(ValueError, match="index: '0' is not an open session"):
        table.ipcc("0", PACKET, "toTarget")  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="iPPackets must be bytes"):
        table.ipcc(row, "text", "toTarget")  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="payloadDirection"):
        table.ipcc(row, PACKET, "sideways")
    with pytest.raises(EncodeError, match="payloadDirection"):
        table.ipcc(row, PACKET, ["toTarget"])  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="frameType"):
        table.ipmmcc(row, PACKET, "toTarget", frame_type="smokeSignal")
    with pytest.raises(EncodeError):
        table.ipcc(row, PACKET, "toTarget", time=-1)
    with pytest.raises(ValueError, match="index"):
        table.close(closed)
    pdu = table.ipcc(row, PACKET, "toTarget")
    assert SPEC.decode("PS-PDU", pdu)["pSHeader"]["sequenceNumber"] == 0


def test_a_stream_identifier_of_any_bytes_type_writes_the_same_octets() -> None:
    table = SessionTable(clock=CLOCK)
    row = table.open(BASE.with_cin(1))
    media = IPMMRecords(PSPDUBuilder(BASE.with_cin(1), clock=CLOCK))
    streams: tuple[Any, ...] = (b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02"), 258)
    for stream in streams:
        ours = table.ipmmcc(row, PACKET, "toTarget", stream_id=stream)
        assert ours == media.cc(PACKET, "toTarget", stream_id=stream)
        value = SPEC.decode("PS-PDU", ours)["payload"][1][0]["cCContents"][1]
        expected = b"\0\0\x01\x02" if stream == 258 else b"\x01\x02"
        assert value["streamIdentifier"] == expected
    with pytest.raises(EncodeError, match="streamIdentifier"):
        table.ipmmcc(row, PACKET, "toTarget", stream_id=-1)


def test_an_identity_that_does_not_fit_the_table_is_refused() -> None:
    table = SessionTable(clock=CLOCK)
    with pytest.raises(EncodeError, match="no CIN"):
        table.open(BASE)
    with pytest.raises(ValueError, match="interceptionPointID"):
        table.open(SessionIdentity("LIID-1", NetworkIdentifier(b"op"), 1,
                                   interception_point_id="IP7"))
    with pytest.raises(EncodeError, match="authorizationCountryCode"):
        table.open(SessionIdentity("LIID-1", NetworkIdentifier(b"op"), 1,
                                   authorization_country_code="DEU"))
    with pytest.raises(TypeError, match="identity"):
        table.open("LIID-1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_stamps"):
        SessionTable(time_stamps="sundial")  # type: ignore[arg-type]
    assert len(table) == 0


def test_a_closed_row_is_reused_and_takes_its_new_identity() -> None:
    table = SessionTable(clock=CLOCK)
    rows = [table.open(BASE.with_cin(i)) for i in range(3)]
    table.close(rows[1])
    assert len(table) == 2
    again = table.open(BASE.with_cin(40))
    assert again == rows[1]
    assert table.identity(again).cin == 40
    header = SPEC.decode("PS-PDU", table.ipcc(again, PACKET, "toTarget"))["pSHeader"]
    assert header["communicationIdentifier"]["communicationIdentityNumber"] == 40


def test_a_thousand_rows_and_a_second_table_generate_no_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allocator = CINAllocator(secret=b"test")
    counters = SequenceCounters()
    first = SessionTable(counters=counters, clock=CLOCK)
    first.ipcc(first.open(allocator.open_session(BASE, 0)), PACKET, "toTarget")
    first.ipmmcc(0, PACKET, "toTarget", stream_id=1)
    with counting_code_generation(monkeypatch) as seen:
        for table in (first, SessionTable(counters=counters, clock=CLOCK)):
            for i in range(1, 1000):
                row = table.open(allocator.open_session(BASE, f"{id(table)}-{i}"))
                table.ipcc(row, PACKET, "toTarget")
                table.ipmmcc(row, PACKET, "toTarget", stream_id=i)  # a stream: data only
    assert seen.calls == []
    assert len(first) == 1000


def test_a_dropped_table_frees_its_rows() -> None:
    first = SessionTable(clock=CLOCK)
    first.ipcc(first.open(BASE.with_cin(0)), PACKET, "toTarget")  # the shape's code exists
    identities = [BASE.with_cin(i) for i in range(2000)]  # the caller's, not the table's
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = SessionTable(clock=CLOCK)
        for identity in identities:
            table.ipcc(table.open(identity), PACKET, "toTarget")
        emit = table.ipcc_encoder("toTarget")
        held = tracemalloc.get_traced_memory()[0] - before
        gone = weakref.ref(table)
        del table, emit
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert gone() is None
    assert held > 2000 * 40  # the rows' octets and numbering
    assert left < held / 10


def test_rows_of_one_table_encode_concurrently_each_gaplessly() -> None:
    table = SessionTable(clock=CLOCK)
    rows = [table.open(BASE.with_cin(i)) for i in range(8)]
    emit = table.ipcc_encoder("toTarget")
    out: dict[int, list[bytes]] = {row: [] for row in rows}

    def send(row: int) -> None:
        for _ in range(300):
            out[row].append(emit(row, PACKET))
            out[row].append(emit(0, PACKET))  # every thread also numbers row 0

    threads = [threading.Thread(target=send, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    seen: dict[int, list[int]] = {}
    for pdus in out.values():
        for pdu in pdus:
            header = SPEC.decode("PS-PDU", pdu)["pSHeader"]
            cin = header["communicationIdentifier"]["communicationIdentityNumber"]
            seen.setdefault(cin, []).append(header["sequenceNumber"])
    assert sorted(seen[0]) == list(range(300 * 9))
    for cin in range(1, 8):
        assert seen[cin] == list(range(300))
