"""The warrant enforced by the conversion: what each rule drops (counted and logged), HI1
notifications at activation, modification and deactivation, unknown XIDs, bounded state
with expiry; hypothesis properties over any X2/X3 stream of a task."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict

import pytest
from _mediation_support import (
    BYE,
    INVITE,
    NOW,
    OK_BYE,
    OTHER_XID,
    SPEC,
    T0,
    XID,
    attrs,
    cin,
    converter,
    decoded,
    header,
    ipv4,
    rtp,
    task,
    x2,
    x3,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.catalog import LAES_PROTOCOL
from lawful_intercept.mediation import Converted, X2X3Converter
from lawful_intercept.x2x3 import X2X3PDU, Attribute, AttributeType, PDUType, Timestamp

SECOND = 1_000_000_000


def hi1_operation(record: Converted) -> str:
    payload = decoded(record)["payload"]
    assert payload[0] == "hI1-Operation"
    name: str = payload[1][0]
    return name


def test_iri_only_drops_cc_and_cc_only_drops_iri_each_counted_and_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "lawful_intercept.mediation")
    iri_only = converter()
    iri_only.activate(task(delivery_type="IRIOnly"))
    assert iri_only.convert(x3(ipv4()), NOW) == []
    assert iri_only.convert(x3(rtp(), fmt=8), NOW) == []
    assert len(iri_only.convert(x2(INVITE), NOW)) == 1
    assert (iri_only.stats.cc_dropped, iri_only.stats.converted) == (2, 1)
    cc_only = converter()
    cc_only.activate(task(delivery_type="CCOnly"))
    assert cc_only.convert(x2(INVITE), NOW) == []
    assert len(cc_only.convert(x3(ipv4()), NOW)) == 1
    assert cc_only.stats.iri_dropped == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("CC of an IRIOnly task dropped" in m for m in messages)
    assert any("IRI of a CCOnly task dropped" in m for m in messages)


def test_us_formats_apply_the_delivery_type_to_the_records_they_make() -> None:
    conv = converter()
    conv.activate(task(handover_format="ATIS", delivery_type="CCOnly"))
    records = conv.convert(x3(rtp(), fmt=8), NOW)  # ccOpen is IRI: dropped
    assert [r.kind for r in records] == ["CC"]


def test_nothing_outside_the_timespan_passes() -> None:
    conv = converter()
    conv.activate(task(start=(T0 + 10) * SECOND, end=(T0 + 20) * SECOND))
    times = [T0 + 9, T0 + 10, T0 + 19, T0 + 20, T0 + 25]
    passed = [bool(conv.convert(x3(ipv4(), attributes=attrs(seconds=s, nanos=0)), NOW))
              for s in times]
    assert passed == [False, True, True, False, False]
    assert conv.stats.outside_timespan == 3
    # A PDU without a timestamp is judged by its arrival.
    assert conv.convert(x3(ipv4(), attributes=()), (T0 + 30) * SECOND) == []


def test_deactivation_stops_at_once_and_notifies() -> None:
    conv = converter()
    activated = conv.activate(task(targets=("sip:alice@example.com",)), time=NOW)
    assert [(r.interface, r.kind) for r in activated] == [("hi2", "HI1")]
    assert hi1_operation(activated[0]) == "liActivated"
    operation = decoded(activated[0])["payload"][1][1]
    assert operation["lawfulInterceptionIdentifier"] == b"LIID-42"
    assert operation["target-Information"] == b"sip:alice@example.com"
    assert conv.convert(x3(ipv4()), NOW)
    identity = conv.communication(XID, 1)
    assert identity is not None
    deactivated = conv.deactivate(XID, time=NOW)
    assert hi1_operation(deactivated[0]) == "liDeactivated"
    assert conv.convert(x3(ipv4()), NOW) == []
    assert conv.convert(x2(INVITE), NOW) == []
    assert conv.stats.after_deactivation == 2
    assert conv.communication(XID, 1) is None
    assert conv.allocator.live_cins("LIID-42") == {identity.cin: False}  # held, not live
    # The HI1 notifications are numbered with the IRI of CIN 0, gapless.
    assert [header(r)["sequenceNumber"] for r in activated + deactivated] == [0, 1]


def test_modification_notifies_and_applies_from_the_next_pdu() -> None:
    conv = converter()
    conv.activate(task())
    first = conv.convert(x3(ipv4()), NOW)[0]
    modified = conv.modify(task(delivery_type="IRIOnly", destinations=("a", "b")))
    assert [(r.destination, hi1_operation(r)) for r in modified] == [
        ("a", "liModified"), ("b", "liModified")]
    assert conv.convert(x3(ipv4()), NOW) == []
    both = conv.convert(x2(INVITE), NOW)
    assert [r.destination for r in both] == ["a", "b"]
    assert cin(both[0]) == cin(first)  # the same communication
    # A new LIID closes the communications: their records would carry the old one.
    conv.modify(task(liid="LIID-43"))
    again = conv.convert(x3(ipv4()), NOW)[0]
    assert header(again)["lawfulInterceptionIdentifier"] == b"LIID-43"
    assert header(again)["sequenceNumber"] == 0


def test_atis_notifications_are_surveillance_status() -> None:
    conv = converter()
    records = conv.activate(task(handover_format="ATIS"), time=NOW)
    status = SPEC.decode(LAES_PROTOCOL, records[0].pdu)[1]["laesMessage"]
    assert status[0] == "surveillanceStatus"
    assert status[1]["statusEventType"] == "activation"
    assert conv.activate(task(xid=OTHER_XID, handover_format="PacketCable")) == []


def test_task_misuse_raises() -> None:
    conv = converter()
    conv.activate(task())
    with pytest.raises(ValueError, match="active already"):
        conv.activate(task())
    with pytest.raises(ValueError, match="not active"):
        conv.modify(task(xid=OTHER_XID))
    with pytest.raises(ValueError, match="not active"):
        conv.deactivate(OTHER_XID)


def test_unknown_xid_and_keepalives_are_counted() -> None:
    conv = converter()
    conv.activate(task())
    assert conv.convert(x3(ipv4(), xid=OTHER_XID), NOW) == []
    assert conv.convert(X2X3PDU(PDUType.KEEPALIVE), NOW) == []
    assert (conv.stats.unknown_xid, conv.stats.keepalives) == (1, 1)


def test_ended_and_idle_communications_expire_and_state_is_bounded() -> None:
    conv = converter(idle_timeout=60, end_grace=5, max_communications=32)
    conv.activate(task())
    conv.convert(x2(INVITE, cid=1), NOW)
    conv.convert(x2(BYE, cid=1), NOW)
    conv.convert(x2(OK_BYE, cid=1, direction=2), NOW)
    conv.convert(x3(ipv4(), cid=2), NOW + 3 * SECOND)
    assert conv.expire(NOW + 4 * SECOND) == 0
    assert conv.expire(NOW + 6 * SECOND) == 1  # the ended call, after its grace
    assert conv.communication(XID, 2) is not None
    assert conv.expire(NOW + 64 * SECOND) == 1  # idle
    for cid in range(100):
        conv.convert(x3(ipv4(), cid=cid + 10), NOW + 70 * SECOND + cid)
    assert conv.stats.communications_open <= 32
    assert conv.stats.converted == 104


def test_sip_dialog_state_is_bounded() -> None:
    conv = converter()
    conv.activate(task())
    for n in range(200):
        invite = INVITE.replace(b"a84b4c76e66710", f"call-{n}".encode())
        conv.convert(x2(invite), NOW)
    state = conv._tasks[XID].comms[1].sip  # the bound is internal state
    assert len(state.dialogs) <= 32


# -- properties ---------------------------------------------------------------------------


@st.composite
def streams(draw: st.DrawFn) -> list[X2X3PDU]:
    """Any stream of X2 (SIP) and X3 (IPv4, IPv6, RTP) PDUs of one task, over a few
    correlation IDs, with time stamps around the task's timespan (or none)."""
    count = draw(st.integers(1, 60))
    pdus = []
    for _ in range(count):
        cid = draw(st.integers(0, 3))
        seconds = draw(st.one_of(st.none(), st.integers(T0 - 5, T0 + 25)))
        stamp = () if seconds is None else (
            Attribute(AttributeType.TIMESTAMP, Timestamp(seconds, draw(st.integers(0, 999)))),)
        choice = draw(st.sampled_from(["sip", "ipv4", "ipv6", "rtp", "bad", "keepalive"]))
        direction = draw(st.integers(1, 5))
        if choice == "keepalive":
            pdus.append(X2X3PDU(PDUType.KEEPALIVE))
        elif choice == "sip":
            message = draw(st.sampled_from([INVITE, BYE, OK_BYE, b"junk"]))
            pdus.append(X2X3PDU(PDUType.X2, XID, cid, message, 9, direction, stamp))
        else:
            payload, fmt = {"ipv4": (ipv4(cid), 5), "ipv6": (ipv4(cid), 6),
                            "rtp": (rtp(cid), 8), "bad": (b"\x45", 5)}[choice]
            if choice == "ipv6":
                payload = bytes([0x60]) + bytes(59)
            pdus.append(X2X3PDU(PDUType.X3, XID, cid, payload, fmt, direction, stamp))
    return pdus


@settings(max_examples=60, deadline=None)
@given(streams(), st.sampled_from(["IRIOnly", "CCOnly", "IRIandCC"]))
def test_any_stream_gives_gapless_numbers_and_nothing_outside_the_warrant(
        pdus: list[X2X3PDU], delivery_type: str) -> None:
    start, end = (T0 + 0) * SECOND, (T0 + 20) * SECOND
    conv: X2X3Converter = converter()
    conv.activate(task(delivery_type=delivery_type, start=start, end=end), time=NOW)
    arrival = (T0 + 10) * SECOND
    numbers: dict[tuple[bytes, int, str], list[int]] = defaultdict(list)
    for pdu in pdus:
        for record in conv.convert(pdu, arrival):
            head = header(record)
            kind = decoded(record)["payload"][0]
            assert kind != ("cCPayloadSequence" if delivery_type == "IRIOnly"
                            else "iRIPayloadSequence" if delivery_type == "CCOnly" else "-")
            stamp = head["microSecondTimeStamp"]
            ns = stamp["seconds"] * SECOND + stamp["microSeconds"] * 1000
            assert start <= ns < end
            numbers[(head["lawfulInterceptionIdentifier"],
                     head["communicationIdentifier"]["communicationIdentityNumber"],
                     kind)].append(head["sequenceNumber"])
    for sequence in numbers.values():
        assert sequence == list(range(len(sequence)))
    stats = conv.stats
    assert stats.received == len(pdus)
    assert stats.received == (stats.converted + stats.keepalives + stats.cc_dropped
                              + stats.iri_dropped + stats.outside_timespan
                              + stats.conversion_errors + stats.unsupported_format
                              + stats.unknown_xid + stats.after_deactivation)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=40))
def test_a_communication_keeps_its_cin_whatever_the_order(
        plan: list[tuple[int, bool]]) -> None:
    conv = converter()
    conv.activate(task())
    cins: dict[int, set[int]] = defaultdict(set)
    for cid, signalling in plan:
        pdu = x2(INVITE, cid=cid) if signalling else x3(ipv4(), cid=cid)
        for record in conv.convert(pdu, NOW):
            cins[cid].add(cin(record))
    assert all(len(found) == 1 for found in cins.values())
    assert len({next(iter(v)) for v in cins.values()}) == len(cins)


def test_uuid_objects_equal_but_not_identical_find_the_task() -> None:
    conv = converter()
    conv.activate(task())
    assert conv.convert(x3(ipv4(), xid=uuid.UUID(str(XID))), NOW)
    assert conv.convert(x3(ipv4(), xid=uuid.UUID(str(XID))), NOW)
