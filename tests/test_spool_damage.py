"""Damage to a spool's committed records is reported, never cut as a torn tail (docs/spool.md,
"Damage"): 2,000 records in 21 segments, then every kind of damage of issue 11 point 3; each
must raise ``SpoolCorrupt`` naming the missing ids, and no id may be issued twice.

A torn tail is only what no commit covered: the high-water mark (``H`` entries of
``acks.log``) says which ids an fsync covered.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawful_intercept.delivery import RECORD_OVERHEAD, SEGMENT_OVERHEAD, Spool, SpoolCorrupt
from lawful_intercept.delivery import _spool_format as spool_format
from lawful_intercept.errors import SpoolError

COUNT = 2000
PAYLOAD = 100
RECORD = RECORD_OVERHEAD + PAYLOAD
PER_SEGMENT = 96
SEGMENT_BYTES = SEGMENT_OVERHEAD + PER_SEGMENT * RECORD


def payload(record_id: int) -> bytes:
    return record_id.to_bytes(4, "big") * (PAYLOAD // 4)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pristine") / "spool"
    with Spool(directory, segment_bytes=SEGMENT_BYTES) as spool:
        for start in range(1, COUNT + 1, 250):
            spool.append_many([payload(i) for i in range(start, start + 250)])
    assert len(segments(directory)) == 21
    return directory


@pytest.fixture
def damaged(pristine: Path, tmp_path: Path) -> Path:
    directory = tmp_path / "spool"
    shutil.copytree(pristine, directory)
    return directory


def segments(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.seg"))


def offset_of(record_id: int) -> int:
    """The offset of record ``record_id`` in its segment file."""
    return SEGMENT_OVERHEAD + (record_id - 1) % PER_SEGMENT * RECORD


def segment_of(directory: Path, record_id: int) -> Path:
    return segments(directory)[(record_id - 1) // PER_SEGMENT]


def truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)


def zero_fill_from(path: Path, offset: int) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(bytes(size - offset))


def delete_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink()


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


LAST_FIRST = 20 * PER_SEGMENT + 1  # 1921: the first id of the last segment
MIDDLE_FIRST = 10 * PER_SEGMENT + 1  # 961: the first id of the eleventh segment

Damage = Callable[[Path], object]
CASES: dict[str, tuple[Damage, str]] = {
    "last segment cut mid-record": (
        lambda d: truncate(segment_of(d, 1990), offset_of(1990) + 40), "1990-2000"),
    "last segment cut at a record boundary": (
        lambda d: truncate(segment_of(d, 1990), offset_of(1990)), "1990-2000"),
    "last segment cut by one byte": (
        lambda d: truncate(segments(d)[-1], segments(d)[-1].stat().st_size - 1), "id 2000"),
    "last segment cut to zero": (lambda d: truncate(segments(d)[-1], 0), "1921-2000"),
    "middle segment cut at a record boundary": (
        lambda d: truncate(segment_of(d, 1000), offset_of(1000)), "1000-1056"),
    "middle segment cut mid-record": (
        lambda d: truncate(segment_of(d, 1000), offset_of(1000) + 7), "1000-1056"),
    "last record's payload flipped": (
        lambda d: flip(segments(d)[-1], segments(d)[-1].stat().st_size - 1), "id 2000"),
    "tail zero-filled from a record boundary": (
        lambda d: zero_fill_from(segment_of(d, 1990), offset_of(1990)), "1990-2000"),
    "first segment deleted": (lambda d: segments(d)[0].unlink(), "ids 1-96;"),
    "middle segment deleted": (lambda d: segment_of(d, MIDDLE_FIRST).unlink(), "961-1056"),
    "last segment deleted": (lambda d: segments(d)[-1].unlink(), "1921-2000"),
    "every segment deleted": (lambda d: delete_all(segments(d)), "ids 1-2000"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_damage_to_committed_records_is_reported_with_the_missing_ids(
    damaged: Path, case: str
) -> None:
    damage, missing = CASES[case]
    damage(damaged)
    before = sorted((p.name, p.stat().st_size) for p in damaged.iterdir())
    with pytest.raises(SpoolCorrupt) as caught:
        Spool(damaged, segment_bytes=SEGMENT_BYTES)
    message = str(caught.value)
    assert missing in message, message
    assert "high-water mark is 2000" in message
    # Nothing was cut or repaired, so the next open reports the same, and no id was issued.
    assert sorted((p.name, p.stat().st_size) for p in damaged.iterdir()
                  if p.name != "LOCK") == [entry for entry in before if entry[0] != "LOCK"]
    with pytest.raises(SpoolCorrupt):
        Spool(damaged, segment_bytes=SEGMENT_BYTES)


def test_acknowledged_segments_may_go_and_an_uncommitted_tail_may_be_cut(damaged: Path) -> None:
    with Spool(damaged, segment_bytes=SEGMENT_BYTES) as spool:
        spool.ack_through(96)  # the first segment is deleted: acknowledged, not lost
        spool.ack(list(range(MIDDLE_FIRST, MIDDLE_FIRST + PER_SEGMENT)))
    assert len(segments(damaged)) == 19
    last = segments(damaged)[-1]
    with open(last, "ab") as f:  # a write a crash interrupted: no commit covered id 2001
        header = spool_format.record_header(2001, PAYLOAD, 0, 0, 0)
        f.write(header + b"\x00" * 10)
    with Spool(damaged, segment_bytes=SEGMENT_BYTES) as spool:
        assert spool.stats().queued == COUNT - 2 * PER_SEGMENT
        assert spool.append(b"next") == 2001
        assert [i for i, _ in spool.pending(after=1999)] == [2000, 2001]


def test_the_mark_survives_compaction(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    with Spool(directory, fsync="never", segment_bytes=4096) as spool:
        ids = spool.append_many([b"x" * 50] * 5000)
        spool.ack(ids[:10])
        for record_id in range(11, 3600, 2):  # one entry each, ranges left behind
            spool.ack(record_id)
        assert (directory / "acks.log").stat().st_size < 64 << 10
    truncate(segments(directory)[-1], SEGMENT_OVERHEAD)
    with pytest.raises(SpoolCorrupt, match="high-water mark is 5000"):
        Spool(directory)


def test_the_mark_is_written_under_every_policy(tmp_path: Path) -> None:
    for policy in ("always", 2.0, "never"):
        directory = tmp_path / str(policy)
        with Spool(directory, fsync=policy) as spool:
            spool.append_many([b"a", b"b", b"c"])
        truncate(segments(directory)[-1], segments(directory)[-1].stat().st_size - 1)
        with pytest.raises(SpoolCorrupt, match="id 3"):
            Spool(directory)


def test_a_version_1_spool_opens_and_is_rewritten_as_version_2(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    with Spool(directory, segment_bytes=300) as spool:
        spool.append_many([bytes([i]) * 50 for i in range(10)])
        spool.ack([1, 2])
    # What version 1 wrote: the same segments, an acknowledgement log without H entries.
    log = directory / "acks.log"
    (directory / "dead.log").unlink()
    log.write_bytes(spool_format.ACKLOG_MAGIC_V1 + spool_format.ack_entry(b"R", 1, 2))
    with Spool(directory) as spool:
        assert [i for i, _ in spool.pending()] == list(range(3, 11))
    assert log.read_bytes().startswith(spool_format.ACKLOG_MAGIC)
    truncate(segments(directory)[-1], segments(directory)[-1].stat().st_size - 1)
    with pytest.raises(SpoolCorrupt, match="id 10"):  # from the upgrade on, committed
        Spool(directory)


def test_a_newer_format_is_refused_naming_the_version(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    directory.mkdir()
    (directory / "acks.log").write_bytes(b"LISPACK3")
    with pytest.raises(SpoolError, match="version 3 is newer than this library"):
        Spool(directory)


def test_segments_without_an_acknowledgement_log_are_damage(damaged: Path) -> None:
    os.unlink(damaged / "acks.log")
    with pytest.raises(SpoolCorrupt, match="acknowledgement log is missing"):
        Spool(damaged)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.integers(1, 40), acked=st.integers(0, 40), segment=st.integers(0, 10),
       cut=st.floats(0, 1), how=st.sampled_from(["truncate", "zero", "delete"]))
def test_damage_is_reported_or_harmless_never_silent(
    tmp_path: Path, records: int, acked: int, segment: int, cut: float, how: str
) -> None:
    """Whatever is cut from whichever segment: the spool opens with every pending record
    intact, or raises SpoolCorrupt; a record that is pending and gone is never skipped."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        directory = Path(tmp) / "spool"
        with Spool(directory, segment_bytes=SEGMENT_OVERHEAD + 4 * RECORD) as spool:
            ids = spool.append_many([payload(i) for i in range(1, records + 1)])
            spool.ack_through(min(acked, records))
            expected = dict(spool.pending())
        files = segments(directory)
        path = files[segment % len(files)]
        size = path.stat().st_size
        keep = int(size * cut)
        if how == "truncate":
            truncate(path, keep)
        elif how == "zero":
            zero_fill_from(path, keep)
        else:
            path.unlink()
        try:
            with Spool(directory) as spool:
                assert dict(spool.pending()) == expected  # only harmless damage got here
                assert spool.append(b"next") == ids[-1] + 1  # no id issued twice
        except SpoolCorrupt as exc:
            assert "missing" in str(exc) or "lost" in str(exc) or "incomplete" in str(exc) \
                or "magic" in str(exc) or "checksum" in str(exc), str(exc)
