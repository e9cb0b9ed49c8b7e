"""Cluster mode without a broker: the subject encoding of LIIDs, the lease decisions, the
numbering state that makes a record sent again carry the same number, the task entries and
the re-stamping of a PS-PDU's sequence number (docs/cluster.md)."""

from __future__ import annotations

import string
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.cluster import (
    ClusterRecord,
    Lease,
    LIIDNumbering,
    SequenceStamper,
    decide_lease,
    decide_removed,
    decode_liid,
    encode_liid,
    fair_share,
    kind_of_subject,
    liid_of_subject,
    next_lease,
    subject_of,
    task_from_bytes,
    task_to_bytes,
)
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.errors import ClusterError
from lawful_intercept.mediation import MediationTask
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

SPEC = lawful_intercept.bundled()
TOKEN_CHARS = set(string.ascii_letters + string.digits + "-_")
liids = st.text(min_size=1, max_size=25)


# -- subjects ---------------------------------------------------------------------------------

@given(liids)
def test_every_liid_is_one_safe_subject_token_and_reads_back(liid: str) -> None:
    token = encode_liid(liid)
    assert set(token) <= TOKEN_CHARS  # no '.', '*', '>', white space
    assert decode_liid(token) == liid
    for kind in ("IRI", "CC", "HI1"):
        subject = subject_of(liid, kind)
        assert subject.count(".") == 2
        assert liid_of_subject(subject) == liid
        assert kind_of_subject(subject) == kind


@given(liids, liids)
def test_the_encoding_is_one_to_one(a: str, b: str) -> None:
    assert (encode_liid(a) == encode_liid(b)) == (a == b)


def test_plain_liids_stay_readable() -> None:
    assert encode_liid("LIID-42") == "LIID-42"
    assert encode_liid("a.b*c>d e_f") == "a_2eb_2ac_3ed_20e_5ff"
    assert subject_of("LIID.7", "CC") == "li.LIID_2e7.cc"


@pytest.mark.parametrize(("token", "why"), [
    ("a_2", "two lower-case hex"), ("a_ZZ", "two lower-case hex"), ("a.b", "not allowed"),
    ("_41", "is plain"), ("_ff", "UTF-8"), ("", "empty")])
def test_a_token_no_liid_makes_is_refused(token: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode_liid(token)


def test_misuse_of_the_subject_functions() -> None:
    with pytest.raises(ValueError, match=r"1\.\.25 octets"):
        encode_liid("")
    with pytest.raises(TypeError, match="liid"):
        encode_liid(b"LIID")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        subject_of("L", "TRI")
    with pytest.raises(ValueError, match=r"li\.<LIID>"):
        liid_of_subject("x.L.iri")


# -- leases -----------------------------------------------------------------------------------

def test_lease_decisions() -> None:
    mine, theirs = Lease("a", 2000, 3), Lease("b", 2000, 3)
    assert decide_lease(None, "a", 1000, exists=False) == "create"
    assert decide_lease(None, "a", 1000, exists=True) == "update"  # released
    assert decide_lease(mine, "a", 1000, exists=True) == "update"  # renewal
    assert decide_lease(theirs, "a", 1000, exists=True) == "keep-away"
    assert decide_lease(theirs, "a", 2000, exists=True) == "update"  # expired


def test_a_deactivated_liid_is_held_while_anything_of_it_is_left() -> None:
    kept = {"held": True, "tombstoned": True}
    assert decide_removed(**kept, pending=3, ack_pending=0) == "keep"  # unread
    assert decide_removed(**kept, pending=0, ack_pending=2) == "keep"  # unacknowledged
    assert decide_removed(**kept, pending=0, ack_pending=0, inflight=1) == "keep"  # unproven
    assert decide_removed(**kept, pending=0, ack_pending=0) == "release"
    # the tombstone purged: given back whatever is left (the checks are bounded)
    assert decide_removed(held=True, tombstoned=False, pending=3, ack_pending=1) == "release"
    free = {"held": False, "tombstoned": True}
    assert decide_removed(**free, pending=1, ack_pending=0) == "take"
    assert decide_removed(**free, pending=0, ack_pending=1) == "take"  # a dead owner's
    assert decide_removed(**free, pending=0, ack_pending=0) == "leave"
    assert decide_removed(held=False, tombstoned=False, pending=9, ack_pending=0) == "leave"
    with pytest.raises(ValueError, match="pending"):
        decide_removed(held=True, tombstoned=True, pending=-1, ack_pending=0)
    with pytest.raises(TypeError, match="inflight"):
        decide_removed(held=True, tombstoned=True, pending=0, ack_pending=0,
                       inflight=1.5)  # type: ignore[arg-type]


@given(st.booleans(), st.booleans(), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5))
def test_a_deactivated_liid_is_given_up_only_with_nothing_left(
        held: bool, tombstoned: bool, pending: int, ack_pending: int, inflight: int) -> None:
    """While its tombstone is there, an LIID with anything undelivered is held or taken;
    nothing is left behind, and a node never holds one with nothing left."""
    decision = decide_removed(held=held, tombstoned=tombstoned, pending=pending,
                              ack_pending=ack_pending, inflight=inflight)
    left = tombstoned and pending + ack_pending + inflight > 0
    assert decision in (("keep", "release") if held else ("take", "leave"))
    assert (decision in ("keep", "take")) == left


def test_next_lease_keeps_the_epoch_on_renewal_and_raises_it_on_takeover() -> None:
    assert next_lease(None, "a", 1000, 500) == Lease("a", 1500, 0)
    assert next_lease(Lease("a", 1200, 4), "a", 1000, 500) == Lease("a", 1500, 4)
    assert next_lease(Lease("b", 900, 4), "a", 1000, 500) == Lease("a", 1500, 5)
    assert next_lease(Lease("a", 900, 4), "a", 1000, 500) == Lease("a", 1500, 5)  # expired


def test_a_renewal_keeps_owner_and_epoch_even_when_late() -> None:
    held = Lease("a", 1200, 4)
    assert held.renewed(1000, 500) == Lease("a", 1500, 4)
    assert held.renewed(9000, 500) == Lease("a", 9500, 4)  # late: the CAS decides
    assert held.same_holding(Lease("a", 1500, 4)) and held.same_holding(Lease("a", 0, 4))
    assert not held.same_holding(Lease("a", 1500, 5))  # taken again since: a newer holding
    assert not held.same_holding(Lease("b", 1500, 4)) and not held.same_holding(None)
    with pytest.raises(ValueError, match="ttl_ms"):
        held.renewed(1000, 0)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 50)), max_size=60))
def test_no_two_nodes_hold_a_live_lease_at_once(steps: list[tuple[str, int]]) -> None:
    """Nodes acting at increasing times on one key-value entry with compare-and-set: after
    every write exactly one node holds, and the epoch never goes down when the owner
    changes."""
    now, current, exists = 0, None, False
    for node, advance in steps:
        now += advance
        decision = decide_lease(current, node, now, exists=exists)
        if decision == "keep-away":
            assert current is not None and current.owner != node and current.live(now)
            continue
        new = next_lease(current, node, now, 30)
        if current is not None and current.owner != node:
            assert new.epoch == current.epoch + 1
        current, exists = new, True
        assert current.live(now)


def test_lease_bytes_and_misuse() -> None:
    lease = Lease("node-1", 123, 2)
    assert Lease.from_bytes(lease.to_bytes()) == lease
    assert Lease.from_bytes(b"") is None
    with pytest.raises(ValueError, match="not a lease"):
        Lease.from_bytes(b'{"owner": "x"}')
    with pytest.raises(ValueError, match=r"Lease\.owner"):
        Lease("", 1)
    with pytest.raises(ValueError, match=r"Lease\.until_ms"):
        Lease("a", -1)


@given(st.integers(0, 10_000), st.integers(1, 100))
def test_fair_share_covers_every_liid(liids_count: int, nodes: int) -> None:
    share = fair_share(liids_count, nodes)
    assert share * nodes >= liids_count
    assert (share - 1) * nodes < liids_count or share == 0


# -- numbering ----------------------------------------------------------------------------

streams = st.sampled_from([(1, "IRI"), (1, "CC"), (2, "CC")])


@settings(max_examples=200)
@given(st.lists(streams, min_size=1, max_size=40), st.data())
def test_a_takeover_gives_every_message_its_first_number(
        messages: list[tuple[int, str]], data: st.DataObject) -> None:
    """Owner A numbers a prefix of the messages and stores the state; some are acknowledged
    (the floor), A dies. Owner B loads the state and receives every message from the floor
    on, in stream order: each gets the number A gave it, the others continue the counts, and
    each (CIN, kind) is numbered 0, 1, 2, ... without a gap or a repeat."""
    a = LIIDNumbering()
    numbered = data.draw(st.integers(0, len(messages)))
    first = {seq: a.number(seq, cin, kind)
             for seq, (cin, kind) in enumerate(messages[:numbered], start=1)}
    floor = data.draw(st.integers(0, numbered))
    a.trim(floor)
    b = LIIDNumbering.from_bytes(a.to_bytes())
    final: dict[int, int] = {seq: n for seq, n in first.items()
                             if seq <= floor and n is not None}
    for seq, (cin, kind) in enumerate(messages, start=1):
        if seq <= floor:
            continue
        number = b.number(seq, cin, kind)
        assert number is not None
        if seq in first:
            assert number == first[seq]  # an exact duplicate for the LEMF
        final[seq] = number
    for stream in {(c, k) for c, k in messages}:
        got = [final[seq] for seq, m in enumerate(messages, start=1) if m == stream]
        assert got == list(range(len(got)))


def test_a_message_acknowledged_and_trimmed_is_not_sent_again() -> None:
    state = LIIDNumbering()
    assert [state.number(s, 5, "CC") for s in (1, 2, 3)] == [0, 1, 2]
    assert state.trim(2) == 2
    assert state.number(2, 5, "CC") is None
    assert state.number(3, 5, "CC") == 2
    assert state.number(4, 5, "CC") == 3


def test_numbering_bytes_and_misuse() -> None:
    state = LIIDNumbering()
    state.number(7, 1, "IRI")
    state.epoch = 3
    assert LIIDNumbering.from_bytes(state.to_bytes()) == state
    assert LIIDNumbering.from_bytes(b"") == LIIDNumbering()
    with pytest.raises(ValueError, match="not a numbering state"):
        LIIDNumbering.from_bytes(b"[]")
    with pytest.raises(ValueError, match="stream_seq"):
        state.number(0, 1, "IRI")


# -- records, tasks, re-stamping ------------------------------------------------------------

def test_a_record_is_checked_field_by_field() -> None:
    good = ClusterRecord("L", "CC", "agency", "hi3", b"\x30\x00")
    assert good.check() is good
    assert good.subject == "li.L.cc"
    assert good.headers("id-1")["Nats-Msg-Id"] == "id-1"
    with pytest.raises(ValueError, match=r"ClusterRecord\.interface"):
        ClusterRecord("L", "CC", "agency", "ccc", b"").check()
    with pytest.raises(ValueError, match=r"ClusterRecord\.kind"):
        ClusterRecord("L", "TRI", "agency", "hi2", b"").check()
    with pytest.raises(TypeError, match=r"ClusterRecord\.pdu"):
        ClusterRecord("L", "CC", "agency", "hi3", "x").check()  # type: ignore[arg-type]


@given(st.integers(0, 2**31 - 1), st.integers(0, 2**32 - 1))
@settings(max_examples=50)
def test_restamping_changes_the_sequence_number_only(cin: int, number: int) -> None:
    builder = PSPDUBuilder(SessionIdentity("LIID-9", NetworkIdentifier(b"op", b"mf"), cin),
                           spec=SPEC)
    pdu = IPAccessRecords(builder).ipcc(b"E" * 20, "toTarget")
    stamper = SequenceStamper(SPEC)
    value, got_cin, kind = stamper.read(pdu)
    assert (got_cin, kind) == (cin, "CC")
    out = stamper.stamp(value, number)
    back = SPEC.decode("PS-PDU", out)
    original = SPEC.decode("PS-PDU", pdu)
    assert back["pSHeader"]["sequenceNumber"] == number
    original["pSHeader"]["sequenceNumber"] = number
    assert back == original


def test_a_record_that_is_no_ps_pdu_is_refused() -> None:
    with pytest.raises(ClusterError, match="no TS 102 232-1 PS-PDU"):
        SequenceStamper(SPEC).read(b"\x04\x01x")


def test_task_entries_read_back_and_bad_ones_are_refused() -> None:
    task = MediationTask(uuid.uuid4(), "LIID-1", "IRIOnly", destinations=("a", "b"),
                         start=10, end=20, targets=("sip:x@example.com",))
    assert task_from_bytes(task_to_bytes(task)) == task
    with pytest.raises(ClusterError, match="not a task"):
        task_from_bytes(b'{"xid": "nope"}')


# -- the cluster command: misuse is one error line, before any connection --------------------

@pytest.mark.parametrize(("extra", "message"), [
    (["--role", "handover"], "--ca, --cert and --key"),
    (["--role", "ingest", "--ca", "a", "--cert", "b", "--key", "c", "--cin-range", "5-1"],
     "--cin-range"),
    (["--role", "handover", "--ca", "a", "--cert", "b", "--key", "c"],
     "at least one --destination"),
    (["--role", "handover", "--ca", "a", "--cert", "b", "--key", "c", "--destination",
      "agency=host"], "not HOST:PORT"),
    (["--role", "handover", "--ca", "a", "--cert", "b", "--key", "c", "--destination",
      "h:1,h:2"], "NAME=HOST:PORT"),
])
def test_the_cluster_command_refuses_bad_options(
        extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from lawful_intercept.cli import main

    status = main(["cluster", "--cluster", "nats://127.0.0.1:1", "--name", "n1", *extra])
    err = capsys.readouterr().err
    assert status == 1
    assert message in err
    assert err.count("\n") == 1
