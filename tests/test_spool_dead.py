"""The spool's dead letters: a record the peer will not take is moved out of delivery, durably,
with its reason and the peer's last words, and can be listed and requeued (docs/spool.md,
"Dead letters")."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawful_intercept.delivery import DeadLetter, Spool, SpoolCorrupt
from lawful_intercept.delivery import _spool_format as spool_format


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "spool"


def test_a_dead_letter_leaves_delivery_and_survives_a_restart(directory: Path) -> None:
    before = time.time()
    with Spool(directory) as spool:
        ids = spool.append_many([b"one", b"poison", b"three"], kinds=["IRI", "CC", "IRI"],
                                keys="LIID-7")
        spool.dead_letter(ids[1], reason="peer closed the connection 3 times",
                          peer_said="TLS alert: decode error")
        assert [e.id for e in spool.read_from(0)] == [ids[0], ids[2]]
        assert [i for i, _ in spool.pending()] == [ids[0], ids[2]]
        stats = spool.stats()
        assert stats.queued == 2 and stats.acknowledged == 0  # not acknowledged
        assert stats.dead_letters == 1
    with Spool(directory) as spool:
        assert [i for i, _ in spool.pending()] == [ids[0], ids[2]]
        [letter] = spool.dead_letters()
        assert isinstance(letter, DeadLetter)
        assert letter[:6] == (ids[1], "CC", b"LIID-7", b"poison",
                              "peer closed the connection 3 times", "TLS alert: decode error")
        assert before <= letter.time <= time.time()
        assert spool.ack(ids[1]) == 0  # a dead letter is not pending: nothing to acknowledge


def test_requeue_appends_again_with_new_ids_and_removes_the_letters(directory: Path) -> None:
    with Spool(directory) as spool:
        ids = spool.append_many([b"a", b"b", b"c", b"d"], kinds="CC", keys=["k1", "k2", "k3",
                                                                           "k4"])
        for record_id in (ids[3], ids[1]):
            spool.dead_letter(record_id, reason="poison")
        spool.ack([ids[0], ids[2]])
        new = spool.requeue([ids[1]])
        assert new == [ids[3] + 1]
        assert [(e.id, e.data, e.kind, e.key) for e in spool.read_from(0)] == [
            (new[0], b"b", "CC", b"k2")]
        assert [letter.record_id for letter in spool.dead_letters()] == [ids[3]]
    with Spool(directory) as spool:
        assert [letter.record_id for letter in spool.dead_letters()] == [ids[3]]
        assert spool.requeue() == [new[0] + 1]  # all of them
        assert spool.dead_letters() == [] and spool.requeue() == []
        assert [d for _, d in spool.pending()] == [b"b", b"d"]
    with Spool(directory) as spool:
        assert spool.dead_letters() == []
        assert [d for _, d in spool.pending()] == [b"b", b"d"]


def test_requeued_letters_are_remembered_after_the_file_is_rewritten(directory: Path) -> None:
    with Spool(directory) as spool:
        ids = spool.append_many([b"x" * 2000, b"y" * 10])
        spool.dead_letter(ids[0], reason="poison")
        spool.dead_letter(ids[1], reason="poison")
        spool.requeue([ids[0]])  # most of the file is removed letters: it is rewritten
        assert (directory / "dead.log").stat().st_size < 1000
    for _ in range(2):  # its marks in acks.log still find their letters (or removals)
        with Spool(directory) as spool:
            assert [letter.record_id for letter in spool.dead_letters()] == [ids[1]]


def test_a_requeue_cut_short_leaves_the_record_twice_never_lost(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lawful_intercept.delivery import _spool_dead

    with Spool(directory) as spool:
        [record_id] = spool.append_many([b"poison"])
        spool.dead_letter(record_id, reason="poison")

    def killed(self: object, record_ids: list[int]) -> None:
        raise KeyboardInterrupt  # the process dies between the append and the removal

    monkeypatch.setattr(_spool_dead.DeadLetterLog, "remove", killed)
    spool = Spool(directory)
    with pytest.raises(KeyboardInterrupt):
        spool.requeue()
    spool.close()
    monkeypatch.undo()
    with Spool(directory) as spool:  # at least once: pending again and still a dead letter
        assert [d for _, d in spool.pending()] == [b"poison"]
        assert [letter.payload for letter in spool.dead_letters()] == [b"poison"]


def test_dead_letter_misuse(directory: Path) -> None:
    with Spool(directory) as spool:
        first = spool.append(b"x")
        with pytest.raises(ValueError, match="never issued"):
            spool.dead_letter(first + 1, reason="r")
        with pytest.raises(TypeError, match="reason"):
            spool.dead_letter(first, reason=3)  # type: ignore[arg-type]
        spool.ack(first)
        with pytest.raises(ValueError, match="not pending"):
            spool.dead_letter(first, reason="r")
        with pytest.raises(ValueError, match="not dead letters"):
            spool.requeue([first])


def test_a_move_interrupted_by_a_crash_is_finished_on_recovery(directory: Path) -> None:
    with Spool(directory) as spool:
        ids = spool.append_many([b"a", b"b"])
        spool.dead_letter(ids[0], reason="poison")
    log = directory / "acks.log"
    data = log.read_bytes()
    dead_entry = spool_format.ack_entry(spool_format.ACK_DEAD, ids[0], ids[0])
    log.write_bytes(data.replace(dead_entry, b""))  # killed after the letter, before the mark
    with Spool(directory) as spool:
        assert [i for i, _ in spool.pending()] == [ids[1]]
        assert [letter.record_id for letter in spool.dead_letters()] == [ids[0]]


def test_a_letter_lost_after_its_record_left_delivery_is_damage(directory: Path) -> None:
    with Spool(directory) as spool:
        ids = spool.append_many([b"a", b"b"])
        spool.dead_letter(ids[0], reason="poison")
    (directory / "dead.log").write_bytes(b"LISPDLQ1")  # the letter is gone, the mark is not
    with pytest.raises(SpoolCorrupt, match=f"record {ids[0]} was moved to the dead letters"):
        Spool(directory)


def test_a_torn_letter_is_cut_and_its_record_stays_pending(directory: Path) -> None:
    with Spool(directory) as spool:
        ids = spool.append_many([b"a", b"b"])
        spool.dead_letter(ids[0], reason="poison")
    log = directory / "acks.log"
    dead_entry = spool_format.ack_entry(spool_format.ACK_DEAD, ids[0], ids[0])
    log.write_bytes(log.read_bytes().replace(dead_entry, b""))
    letters = directory / "dead.log"
    letters.write_bytes(letters.read_bytes()[:-3])  # killed while writing the letter
    with Spool(directory) as spool:
        assert [i for i, _ in spool.pending()] == ids
        assert spool.dead_letters() == []


def test_dead_letters_survive_acknowledgement_log_compaction(directory: Path) -> None:
    with Spool(directory, fsync="never", segment_bytes=1 << 20) as spool:
        ids = spool.append_many([i.to_bytes(2, "big") for i in range(4000)])
        spool.dead_letter(ids[10], reason="poison")
        for record_id in ids[:3500]:
            if record_id != ids[10]:
                spool.ack(record_id)
        assert (directory / "acks.log").stat().st_size < 1000 * 24  # compacted
    with Spool(directory) as spool:
        assert [letter.record_id for letter in spool.dead_letters()] == [ids[10]]
        assert spool.stats().queued == 500
    (directory / "dead.log").write_bytes(b"LISPDLQ1")
    with pytest.raises(SpoolCorrupt, match="dead letters"):  # the compacted log still knows
        Spool(directory)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["dead", "ack", "requeue", "reopen"]),
                          st.integers(0, 11)), max_size=25))
def test_every_record_is_pending_acknowledged_or_a_dead_letter(
    operations: list[tuple[str, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "spool"
        spool = Spool(directory, fsync="never")
        try:
            payloads = {i: bytes([i]) * 3 for i in spool.append_many(
                [bytes([n]) * 3 for n in range(1, 13)])}
            acked: set[int] = set()
            for operation, pick in operations:
                if operation == "reopen":
                    spool.close()
                    spool = Spool(directory, fsync="never")
                    continue
                pending = [i for i, _ in spool.pending()]
                letters = [letter.record_id for letter in spool.dead_letters()]
                if operation == "dead" and pending:
                    spool.dead_letter(pending[pick % len(pending)], reason="r")
                elif operation == "ack" and pending:
                    record_id = pending[pick % len(pending)]
                    spool.ack(record_id)
                    acked.add(record_id)
                elif operation == "requeue" and letters:
                    record_id = letters[pick % len(letters)]
                    [new] = spool.requeue([record_id])
                    payloads[new] = payloads.pop(record_id)
            pending_now = dict(spool.pending())
            letters_now = {letter.record_id: letter.payload for letter in spool.dead_letters()}
            assert not set(pending_now) & set(letters_now)
            assert set(pending_now) | set(letters_now) | acked == set(payloads)
            for record_id, payload in {**pending_now, **letters_now}.items():
                assert payloads[record_id] == payload
        finally:
            spool.close()
