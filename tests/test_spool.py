"""The delivery spool: a durable, bounded, crash-safe queue of records on disk.

What must hold: every record for which ``append`` returned is pending (same id, same bytes)
until it is acknowledged, across reopen, SIGKILL and torn writes; acknowledged records are not
pending and their segment files are deleted; a full spool raises or blocks and never drops;
damage that a crash cannot explain is reported with the file and offset, never skipped; one
owner per directory.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawful_intercept.delivery import (
    RECORD_OVERHEAD,
    SEGMENT_OVERHEAD,
    Spool,
    SpoolClosed,
    SpoolCorrupt,
    SpoolEntry,
    SpoolError,
    SpoolFull,
    SpoolLocked,
)
from lawful_intercept.delivery import _spool_format as spool_format
from lawful_intercept.errors import Error

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def segment_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.seg"))


def record_size(payload: bytes, kind: str = "", key: bytes = b"") -> int:
    return RECORD_OVERHEAD + len(kind.encode()) + len(key) + len(payload)


def pending_dict(spool: Spool) -> dict[int, bytes]:
    return dict(spool.pending())


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def opened(directory: Path) -> Iterator[Spool]:
    spool = Spool(directory)
    yield spool
    spool.close()


# ---------------------------------------------------------------------------------------------
# basics
# ---------------------------------------------------------------------------------------------


def test_append_returns_increasing_ids_and_pending_gives_records_in_order(opened: Spool) -> None:
    records = [b"", b"a", bytes(range(256)) * 40, b"\x30\x03\x02\x01\x07"]
    ids = [opened.append(record) for record in records]
    assert ids == [1, 2, 3, 4]
    assert list(opened.pending()) == list(zip(ids, records, strict=True))


def test_metadata_is_kept_with_the_record(directory: Path) -> None:
    with Spool(directory) as spool:
        spool.append(b"iri", kind="IRI", key="LIID-42")
        spool.append(b"cc", kind="CC", key=b"\x00\xff")
        spool.append(b"plain")
    with Spool(directory) as spool:
        assert list(spool.entries()) == [
            SpoolEntry(1, b"iri", "IRI", b"LIID-42"),
            SpoolEntry(2, b"cc", "CC", b"\x00\xff"),
            SpoolEntry(3, b"plain", "", b""),
        ]


def test_reopen_restores_pending_records_and_continues_the_ids(directory: Path) -> None:
    with Spool(directory) as spool:
        for i in range(10):
            spool.append(f"record {i}".encode())
        spool.ack([2, 5])
    with Spool(directory) as spool:
        expected = {i + 1: f"record {i}".encode() for i in range(10) if i + 1 not in (2, 5)}
        assert pending_dict(spool) == expected
        assert spool.append(b"next") == 11
        assert spool.stats().queued == 9


def test_ack_and_ack_through(opened: Spool) -> None:
    ids = [opened.append(bytes([i])) for i in range(10)]
    assert opened.ack([3, 1, 3]) == 2
    assert opened.ack(3) == 0  # already acknowledged: harmless
    assert opened.ack_through(5) == 3  # 2, 4, 5
    assert opened.ack_through(5) == 0
    assert opened.ack_through(0) == 0
    assert [i for i, _ in opened.pending()] == ids[5:]
    stats = opened.stats()
    assert (stats.queued, stats.acknowledged, stats.appended) == (5, 5, 10)


def test_ack_of_an_id_never_issued_raises_and_acknowledges_nothing(opened: Spool) -> None:
    for i in range(3):
        opened.append(bytes([i]))
    with pytest.raises(ValueError, match="never issued"):
        opened.ack([1, 4])
    with pytest.raises(ValueError, match="never issued"):
        opened.ack(0)
    with pytest.raises(ValueError, match="never issued"):
        opened.ack_through(4)
    assert [i for i, _ in opened.pending()] == [1, 2, 3]


def test_read_from_gives_pending_records_above_an_id(opened: Spool) -> None:
    for i in range(6):
        opened.append(bytes([i]))
    assert [e.id for e in opened.read_from(3)] == [4, 5, 6]
    opened.ack([1, 2, 5])
    assert [e.id for e in opened.read_from(0)] == [3, 4, 6]  # a transport reconnected
    assert [i for i, _ in opened.pending(after=3)] == [4, 6]
    assert [e.id for e in opened.entries(after=4)] == [6]
    assert opened.read_from(6) == []


def test_reading_leaves_nothing_to_persist(directory: Path) -> None:
    with Spool(directory) as spool:
        for i in range(3):
            spool.append(bytes([i]))
        assert [e.id for e in spool.read_from(0)] == [1, 2, 3]
    with Spool(directory) as spool:
        assert [e.id for e in spool.read_from(0)] == [1, 2, 3]


def test_iteration_spans_batches_and_segments(directory: Path) -> None:
    with Spool(directory, segment_bytes=4096, fsync="never") as spool:
        for i in range(1000):
            spool.append(i.to_bytes(4, "big") * 10)
        spool.ack(range(1, 1001, 3))
        expected = [(i + 1, i.to_bytes(4, "big") * 10) for i in range(1000) if i % 3]
        assert list(spool.pending()) == expected
        assert spool.stats().segments > 10


def test_acknowledging_while_iterating(directory: Path) -> None:
    with Spool(directory, fsync="never", segment_bytes=1024) as spool:
        for i in range(600):
            spool.append(bytes([i % 256]) * 10)
        seen = []
        for record_id, _ in spool.pending():  # batches of 256: segments vanish meanwhile
            seen.append(record_id)
            spool.ack(record_id)
        assert seen == list(range(1, 601))
        assert list(spool.pending()) == []
        assert spool.stats().segments == 1


def test_fully_acknowledged_segments_are_deleted(directory: Path) -> None:
    payload = b"x" * 100
    per_segment = (1024 - SEGMENT_OVERHEAD) // record_size(payload)
    with Spool(directory, segment_bytes=1024) as spool:
        ids = [spool.append(payload) for _ in range(per_segment * 5)]
        assert len(segment_files(directory)) == 5
        before = spool.stats().bytes_on_disk
        spool.ack(ids[per_segment : 2 * per_segment])  # the second segment only
        assert len(segment_files(directory)) == 4
        spool.ack(ids[: per_segment - 1])  # the first one but its last record
        assert len(segment_files(directory)) == 4
        spool.ack_through(ids[3 * per_segment - 1])
        assert len(segment_files(directory)) == 2
        stats = spool.stats()
        assert stats.segments == 2 and stats.bytes_on_disk < before
        assert stats.queued == 2 * per_segment
        assert stats.queued_bytes == 2 * per_segment * record_size(payload)
        expected = {i: payload for i in ids[3 * per_segment :]}
        assert pending_dict(spool) == expected
    with Spool(directory, segment_bytes=1024) as spool:
        assert pending_dict(spool) == expected


def test_group_commit_deletes_acknowledged_segments_after_the_next_sync(directory: Path) -> None:
    with Spool(directory, fsync=5, segment_bytes=512) as spool:
        ids = [spool.append(bytes(100)) for _ in range(40)]
        segments = spool.stats().segments
        assert segments >= 8
        spool.ack(ids[:-1])
        deadline = time.monotonic() + 5
        while spool.stats().segments > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert spool.stats().segments == 1
        assert list(spool.pending()) == [(ids[-1], bytes(100))]


def test_ids_are_never_reused_when_everything_was_acknowledged(directory: Path) -> None:
    with Spool(directory) as spool:
        for i in range(5):
            spool.append(bytes([i]))
        spool.ack_through(5)
    with Spool(directory) as spool:  # the last segment, fully acknowledged, is reclaimed
        assert list(spool.pending()) == []
        assert [p.name for p in segment_files(directory)] == [f"{6:020d}.seg"]
        assert spool.append(b"new") == 6
    with Spool(directory) as spool:
        assert list(spool.pending()) == [(6, b"new")]


def test_stats(directory: Path) -> None:
    with Spool(directory) as spool:
        stats = spool.stats()
        assert (stats.queued, stats.segments, stats.next_id) == (0, 1, 1)
        spool.append(b"abc", kind="CC")
        spool.append(b"defg")
        stats = spool.stats()
        size = record_size(b"abc", "CC") + record_size(b"defg")
        assert stats.queued == 2 and stats.queued_bytes == size
        on_disk = sum(p.stat().st_size for p in segment_files(directory))
        on_disk += (directory / "acks.log").stat().st_size
        on_disk += (directory / "dead.log").stat().st_size
        assert stats.bytes_on_disk == on_disk
        assert stats.next_id == 3


def test_closed_spool_refuses_operations(directory: Path) -> None:
    spool = Spool(directory)
    spool.append(b"x")
    spool.close()
    spool.close()
    assert spool.closed
    for operation in (
        lambda: spool.append(b"y"),
        lambda: list(spool.pending()),
        lambda: spool.ack(1),
        lambda: spool.sync(),
    ):
        with pytest.raises(SpoolClosed):
            operation()


def test_bad_arguments(directory: Path) -> None:
    with pytest.raises(ValueError, match="fsync"):
        Spool(directory, fsync="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fsync"):
        Spool(directory, fsync=0)
    with pytest.raises(ValueError, match="when_full"):
        Spool(directory, when_full="drop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="segment_bytes"):
        Spool(directory, max_bytes=1000, segment_bytes=2000)
    with pytest.raises(ValueError, match="max_records"):
        Spool(directory, max_records=0)
    with Spool(directory, max_bytes=1000) as spool:
        with pytest.raises(TypeError):
            spool.append("text")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="kind"):
            spool.append(b"x", kind="k" * 256)
        with pytest.raises(ValueError, match="can never fit"):
            spool.append(bytes(1000))
        assert spool.stats().next_id == 1  # nothing was stored, no id was taken


def test_errors_are_library_errors() -> None:
    for error in (SpoolFull, SpoolCorrupt, SpoolLocked, SpoolClosed):
        assert issubclass(error, SpoolError)
    assert issubclass(SpoolError, Error)
    assert str(SpoolCorrupt("bad", "/x/1.seg", 8)) == "/x/1.seg: at offset 8: bad"


# ---------------------------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------------------------


def test_full_by_records_raises_and_stores_nothing(directory: Path) -> None:
    with Spool(directory, max_records=3) as spool:
        for i in range(3):
            spool.append(bytes([i]))
        before = spool.stats()
        with pytest.raises(SpoolFull, match="max_records=3"):
            spool.append(b"too many")
        assert spool.stats() == before
        assert [i for i, _ in spool.pending()] == [1, 2, 3]
        spool.ack(2)
        assert spool.append(b"fits now") == 4  # no id was taken by the refused append


def test_full_by_bytes_raises_and_frees_space_after_acknowledgement(directory: Path) -> None:
    payload = b"p" * 72  # 100 bytes with the header
    bound = SEGMENT_OVERHEAD + 1000
    with Spool(directory, max_bytes=bound, segment_bytes=bound) as spool:
        ids = [spool.append(payload) for _ in range(10)]
        with pytest.raises(SpoolFull, match="max_bytes"):
            spool.append(b"")
        assert list(spool.pending()) == [(i, payload) for i in ids]
        spool.ack_through(ids[-1])
        # Everything in the one (active) segment is acknowledged: the segment is replaced.
        assert spool.append(payload) == 11
        assert list(spool.pending()) == [(11, payload)]
        assert spool.stats().segments == 1


def test_full_block_times_out(directory: Path) -> None:
    with Spool(directory, max_records=2, when_full="block", block_timeout=0.2) as spool:
        spool.append(b"1")
        spool.append(b"2")
        start = time.monotonic()
        with pytest.raises(SpoolFull, match="after waiting"):
            spool.append(b"3")
        assert time.monotonic() - start >= 0.19
        with pytest.raises(SpoolFull):
            spool.append(b"3", timeout=0)
        assert spool.stats().queued == 2


def test_full_block_waits_for_an_acknowledgement(directory: Path) -> None:
    payload = b"q" * 72
    bound = SEGMENT_OVERHEAD + 500
    with Spool(directory, max_bytes=bound, segment_bytes=bound, when_full="block") as spool:
        for _ in range(5):
            spool.append(payload)
        result: list[int] = []
        worker = threading.Thread(target=lambda: result.append(spool.append(payload)))
        worker.start()
        time.sleep(0.2)
        assert result == [] and worker.is_alive()
        spool.ack_through(5)
        worker.join(5)
        assert result == [6]
        assert list(spool.pending()) == [(6, payload)]


def test_close_releases_a_blocked_append(directory: Path) -> None:
    spool = Spool(directory, max_records=1, when_full="block")
    spool.append(b"1")
    errors: list[BaseException] = []

    def blocked() -> None:
        try:
            spool.append(b"2")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=blocked)
    worker.start()
    time.sleep(0.1)
    spool.close()
    worker.join(5)
    assert len(errors) == 1 and isinstance(errors[0], SpoolClosed)


# ---------------------------------------------------------------------------------------------
# fsync policies
# ---------------------------------------------------------------------------------------------


class FsyncRecorder:
    """Wraps os.fsync: records, per call, the file and its size at the time of the sync."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.real = os.fsync

    def __call__(self, fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        size = os.fstat(fd).st_size
        self.real(fd)
        with self.lock:
            self.calls.append((path, size))

    def synced(self, path: Path, size: int) -> bool:
        with self.lock:
            return any(p == str(path) and s >= size for p, s in self.calls)


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


@needs_proc
@pytest.mark.parametrize("policy", ["always", 20.0])
def test_append_returns_only_after_an_fsync_covered_the_record(
    directory: Path, monkeypatch: pytest.MonkeyPatch, policy: Any
) -> None:
    recorder = FsyncRecorder()
    monkeypatch.setattr(os, "fsync", recorder)
    with Spool(directory, fsync=policy, segment_bytes=2048) as spool:
        for i in range(30):
            spool.append(bytes([i]) * 100)
            active = segment_files(directory)[-1]
            assert recorder.synced(active.resolve(), active.stat().st_size), i
        spool.ack([1, 2, 3])
        spool.sync()
        acks = (directory / "acks.log").resolve()
        assert recorder.synced(acks, (directory / "acks.log").stat().st_size)


@needs_proc
def test_fsync_never_does_not_sync_unless_asked(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = FsyncRecorder()
    monkeypatch.setattr(os, "fsync", recorder)
    with Spool(directory, fsync="never", segment_bytes=512) as spool:
        for i in range(50):
            spool.append(bytes([i]) * 100)
        spool.ack_through(10)
    assert recorder.calls == []
    with Spool(directory, fsync="never") as spool:
        spool.append(b"last")
        spool.sync()  # explicit
        active = segment_files(directory)[-1]
        assert recorder.synced(active.resolve(), active.stat().st_size)
        spool.ack(51)
    with Spool(directory, fsync="never") as spool:
        assert [i for i, _ in spool.pending()] == list(range(11, 51))


def test_group_commit_shares_fsyncs_between_concurrent_appends(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = os.fsync

    def counting(fd: int) -> None:
        nonlocal calls
        calls += 1
        real(fd)

    with Spool(directory, fsync=10) as spool:
        monkeypatch.setattr(os, "fsync", counting)
        ids: list[int] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(10):
                record_id = spool.append(b"x" * 50)
                with lock:
                    ids.append(record_id)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        assert sorted(ids) == list(range(1, 81))
        assert calls < 80  # 80 appends, far fewer fsyncs
        assert elapsed >= 0.09  # each thread waited for ~10 group commits of 10 ms


@pytest.mark.parametrize("policy", ["always", 1.0, "never"])
def test_every_policy_keeps_records_across_reopen(directory: Path, policy: Any) -> None:
    with Spool(directory, fsync=policy, segment_bytes=300) as spool:
        for i in range(40):
            spool.append(bytes([i]) * 30)
        spool.ack(range(1, 40, 2))
        spool.ack_through(10)
    with Spool(directory, fsync=policy) as spool:
        expected = {i + 1: bytes([i]) * 30 for i in range(40) if (i + 1) % 2 == 0 and i >= 10}
        assert pending_dict(spool) == expected


def test_concurrent_appends_and_acks(directory: Path) -> None:
    with Spool(directory, segment_bytes=4096) as spool:
        appended: dict[int, bytes] = {}
        lock = threading.Lock()
        done = threading.Event()

        def producer(n: int) -> None:
            for i in range(200):
                data = f"{n}:{i}".encode()
                record_id = spool.append(data)
                with lock:
                    appended[record_id] = data

        acked: set[int] = set()

        def consumer() -> None:
            while not done.is_set():
                batch = [i for i, _ in spool.pending()][:50]
                spool.ack(batch)
                acked.update(batch)
                time.sleep(0.001)

        producers = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
        acker = threading.Thread(target=consumer)
        acker.start()
        for thread in producers:
            thread.start()
        for thread in producers:
            thread.join()
        done.set()
        acker.join()
        assert sorted(appended) == list(range(1, 801))
        expected = {i: d for i, d in sorted(appended.items()) if i not in acked}
        assert pending_dict(spool) == expected
        assert spool.stats().queued == len(expected)


# ---------------------------------------------------------------------------------------------
# locking
# ---------------------------------------------------------------------------------------------


def test_second_opener_in_the_same_process_is_refused(directory: Path) -> None:
    with Spool(directory), pytest.raises(SpoolLocked, match=f"process {os.getpid()}"):
        Spool(directory)
    with Spool(directory):  # released by close
        pass


def test_second_opener_in_another_process_is_refused(directory: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from lawful_intercept.delivery import Spool, SpoolLocked
        try:
            Spool({str(directory)!r})
        except SpoolLocked as exc:
            print("locked:", exc)
            sys.exit(3)
        """
    )
    with Spool(directory):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
            cwd=REPOSITORY_ROOT,
        )
        assert done.returncode == 3, done.stderr
        assert str(directory) in done.stdout and str(os.getpid()) in done.stdout
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
        cwd=REPOSITORY_ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------------
# recovery: torn tails and corruption
# ---------------------------------------------------------------------------------------------


def write_records(directory: Path, count: int, size: int = 50) -> list[bytes]:
    records = [bytes([i]) * size for i in range(count)]
    with Spool(directory) as spool:
        for record in records:
            spool.append(record)
    return records


def torn_write(segment: Path, record_id: int, payload: bytes, keep: int) -> None:
    """Add to ``segment`` the first ``keep`` bytes of record ``record_id``: a write that a crash
    interrupted before any commit covered it (the spool never accepted the record)."""
    header = spool_format.record_header(record_id, len(payload), 0, 0, zlib.crc32(payload))
    with open(segment, "ab") as f:
        f.write((header + payload)[:keep])


@pytest.mark.parametrize(
    "cut", [1, RECORD_OVERHEAD - 3, RECORD_OVERHEAD, RECORD_OVERHEAD + 10, RECORD_OVERHEAD + 49]
)
def test_torn_tail_is_truncated(directory: Path, cut: int) -> None:
    records = write_records(directory, 4)
    segment = segment_files(directory)[-1]
    good = segment.stat().st_size
    torn_write(segment, 5, bytes([4]) * 50, cut)  # the fifth record, cut off mid-write
    with Spool(directory) as spool:
        assert list(spool.pending()) == list(zip(range(1, 5), records, strict=True))
        assert segment.stat().st_size == good
        assert spool.append(b"again") == 5  # the torn record was never accepted
    with Spool(directory) as spool:
        assert list(spool.pending())[-1] == (5, b"again")


def test_zero_filled_tail_is_truncated(directory: Path) -> None:
    records = write_records(directory, 3)
    segment = segment_files(directory)[-1]
    size = segment.stat().st_size
    with open(segment, "ab") as f:
        f.write(bytes(4096))  # power loss: the file grew, its blocks were never written
    with Spool(directory) as spool:
        assert [d for _, d in spool.pending()] == records
        assert segment.stat().st_size == size


def test_damaged_last_record_ending_at_the_end_of_the_file_is_torn(directory: Path) -> None:
    records = write_records(directory, 2)
    segment = segment_files(directory)[-1]
    torn_write(segment, 3, b"third", RECORD_OVERHEAD + 5)
    data = bytearray(segment.read_bytes())
    data[-1] ^= 0xFF  # the body of the uncommitted record: its data never reached the disk
    segment.write_bytes(bytes(data))
    with Spool(directory) as spool:
        assert [d for _, d in spool.pending()] == records


def test_torn_segment_header_of_a_new_last_segment(directory: Path) -> None:
    records = write_records(directory, 3)
    (directory / f"{4:020d}.seg").write_bytes(b"LISP")  # created, header half written
    with Spool(directory) as spool:
        assert [d for _, d in spool.pending()] == records
        assert spool.append(b"four") == 4
    with Spool(directory) as spool:
        assert list(spool.pending())[-1] == (4, b"four")


@pytest.mark.parametrize("where", ["body", "header", "magic", "id"])
def test_damage_in_the_middle_raises_naming_file_and_offset(directory: Path, where: str) -> None:
    records = write_records(directory, 5)
    segment = segment_files(directory)[-1]
    offset = SEGMENT_OVERHEAD + 2 * record_size(records[0])  # the third record
    data = bytearray(segment.read_bytes())
    if where == "body":
        data[offset + RECORD_OVERHEAD + 5] ^= 0x01
    elif where == "header":
        data[offset + 5] ^= 0x01  # the length
    elif where == "magic":
        data[offset] = ord("X")
    else:  # a sound record with the wrong id: records were mixed up
        header = spool_format.record_header(99, 50, 0, 0, zlib.crc32(records[2]))
        data[offset : offset + RECORD_OVERHEAD] = header
    segment.write_bytes(bytes(data))
    with pytest.raises(SpoolCorrupt) as caught:
        Spool(directory)
    assert caught.value.filename == str(segment)
    assert caught.value.offset == offset
    assert str(segment) in str(caught.value) and f"offset {offset}" in str(caught.value)
    with Spool(directory / "other"):  # the failed open released its lock and files
        pass
    with pytest.raises(SpoolCorrupt):  # and it changed nothing: still reported
        Spool(directory)


def test_torn_tail_of_an_earlier_segment_is_corruption(directory: Path) -> None:
    with Spool(directory, segment_bytes=300) as spool:
        for i in range(10):
            spool.append(bytes([i]) * 50)
    first = segment_files(directory)[0]
    with open(first, "r+b") as f:
        f.truncate(first.stat().st_size - 3)
    with pytest.raises(SpoolCorrupt, match="incomplete") as caught:
        Spool(directory)
    assert caught.value.filename == str(first)


def test_corruption_found_when_reading_is_reported(directory: Path) -> None:
    records = write_records(directory, 3)
    segment = segment_files(directory)[-1]
    with Spool(directory) as spool:
        with open(segment, "r+b") as f:  # damaged after the open (disk, another program)
            f.seek(SEGMENT_OVERHEAD + record_size(records[0]) + RECORD_OVERHEAD)
            f.write(b"\xff")
        with pytest.raises(SpoolCorrupt, match="checksum") as caught:
            list(spool.pending())
        assert caught.value.offset == SEGMENT_OVERHEAD + record_size(records[0])


def test_torn_acknowledgement_log_loses_only_the_last_acknowledgement(directory: Path) -> None:
    write_records(directory, 5)
    with Spool(directory) as spool:
        spool.ack(1)
        spool.ack(3)
    log = directory / "acks.log"
    with open(log, "r+b") as f:
        f.truncate(log.stat().st_size - 7)
    with Spool(directory) as spool:  # id 3 is delivered once more: at least once
        assert [i for i, _ in spool.pending()] == [2, 3, 4, 5]


def test_damaged_acknowledgement_log_in_the_middle_raises(directory: Path) -> None:
    write_records(directory, 5)
    with Spool(directory) as spool:
        spool.ack(1)
        spool.ack(3)
    log = directory / "acks.log"
    data = bytearray(log.read_bytes())
    data[8 + 10] ^= 0x01  # the first entry
    log.write_bytes(bytes(data))
    with pytest.raises(SpoolCorrupt) as caught:
        Spool(directory)
    assert caught.value.filename == str(log) and caught.value.offset == 8


def test_acknowledgements_of_lost_records_keep_their_ids_unused(directory: Path) -> None:
    # A machine crash could keep the acknowledgement log but lose the end of a segment
    # (records that were never accepted): their ids must not be issued again.
    records = write_records(directory, 7)
    segment = segment_files(directory)[-1]
    torn_write(segment, 8, bytes(50), 5)  # records 8-10 written, never committed...
    with open(directory / "acks.log", "ab") as f:  # ...yet acknowledged: the LEMF had them
        f.write(spool_format.ack_entry(spool_format.ACK_RANGE, 8, 10))
    with Spool(directory) as spool:
        assert [d for _, d in spool.pending()] == records[:7]
        assert spool.append(b"new") == 11
    with Spool(directory) as spool:
        assert [i for i, _ in spool.pending()] == [1, 2, 3, 4, 5, 6, 7, 11]


def test_acknowledgement_log_is_compacted(directory: Path) -> None:
    with Spool(directory, fsync="never", segment_bytes=1 << 20) as spool:
        for i in range(6000):
            spool.append(i.to_bytes(2, "big"))
        spool.ack([4000, 4002, 5000])
        for i in range(1, 3500):  # one entry each: more than the compaction threshold
            spool.ack(i)
        log_size = (directory / "acks.log").stat().st_size
        assert log_size < 1000 * 24  # rewritten: "up to 3499" and the three ranges, then more
        expected = pending_dict(spool)
    assert len(expected) == 6000 - 3499 - 3
    assert list(expected)[:2] == [3500, 3501]
    assert not (directory / "acks.log.tmp").exists()
    with Spool(directory) as spool:
        assert pending_dict(spool) == expected


def test_unknown_files_are_left_alone(directory: Path) -> None:
    write_records(directory, 2)
    (directory / "README").write_text("operator notes")
    with Spool(directory) as spool:
        assert spool.stats().queued == 2
    assert (directory / "README").read_text() == "operator notes"


# ---------------------------------------------------------------------------------------------
# property: random appends, acknowledgements and reopens
# ---------------------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.binary(max_size=200), st.sampled_from(["", "IRI"])),
        st.tuples(st.just("ack"), st.lists(st.integers(0, 60), max_size=6)),
        st.tuples(st.just("ack_through"), st.integers(0, 60)),
        st.tuples(st.just("read_from"), st.integers(0, 60)),
        st.tuples(st.just("reopen")),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_pending_is_appended_minus_acknowledged(operations: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "spool"

        def open_spool() -> Spool:
            return Spool(directory, fsync="never", segment_bytes=160)

        spool = open_spool()
        model: dict[int, bytes] = {}
        issued: list[int] = []
        try:
            for operation in operations:
                name = operation[0]
                if name == "append":
                    record_id = spool.append(operation[1], kind=operation[2])
                    assert not issued or record_id > issued[-1]
                    issued.append(record_id)
                    model[record_id] = operation[1]
                elif name == "ack" and issued:
                    ids = [issued[i % len(issued)] for i in operation[1]]
                    fresh = {i for i in ids if i in model}
                    assert spool.ack(ids) == len(fresh)
                    for i in fresh:
                        del model[i]
                elif name == "ack_through":
                    through = issued[operation[1] % len(issued)] if issued else 0
                    fresh = {i for i in model if i <= through}
                    assert spool.ack_through(through) == len(fresh)
                    for i in fresh:
                        del model[i]
                elif name == "read_from":
                    after = issued[operation[1] % len(issued)] if issued else 0
                    read = spool.read_from(after, max_records=1000)
                    assert [(e.id, e.data) for e in read] == [
                        (i, d) for i, d in model.items() if i > after]
                elif name == "reopen":
                    spool.close()
                    spool = open_spool()
                assert list(spool.pending()) == list(model.items())
                assert spool.stats().queued == len(model)
            spool.close()
            spool = open_spool()
            assert list(spool.pending()) == list(model.items())
            if issued:
                assert spool.stats().next_id > issued[-1]
        finally:
            spool.close()


# ---------------------------------------------------------------------------------------------
# crash safety: SIGKILL at random moments
# ---------------------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import hashlib, random, sys
    from lawful_intercept.delivery import Spool

    directory, policy, round_no, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    fsync = policy if policy in ("always", "never") else float(policy)
    rng = random.Random(seed)
    spool = Spool(directory, fsync=fsync, segment_bytes=256 * 1024, max_bytes=1 << 30)
    n = 0
    while True:
        size = rng.choice([10, 100, 1000, 70000, 300000] + [1000000] * (policy == "never"))
        head = f"{round_no}:{n}:{size}:".encode()
        body = hashlib.sha256(head).digest() * (size // 32 + 1)
        record_id = spool.append(head + body[:size])
        print(f"A {record_id} {round_no} {n} {size}", flush=True)
        n += 1
        # An acknowledgement is announced before (lower case) and confirmed after (upper
        # case): killed in between, it may or may not have been applied.
        if n % 25 == 0:
            through = record_id - rng.randrange(10, 40)
            if through > 0:
                print(f"t {through}", flush=True)
                spool.ack_through(through)
                print(f"T {through}", flush=True)
        elif n % 7 == 0:
            victim = max(1, record_id - rng.randrange(1, 20))
            print(f"k {victim}", flush=True)
            spool.ack([victim])
            print(f"K {victim}", flush=True)
    """
)


def expected_record(round_no: int, n: int, size: int) -> bytes:
    head = f"{round_no}:{n}:{size}:".encode()
    body = hashlib.sha256(head).digest() * (size // 32 + 1)
    return head + body[:size]


def check_record(data: bytes) -> None:
    """A record the child wrote (printed or not) must be whole: its bytes follow its head."""
    round_no, n, size, _ = data.split(b":", 3)
    assert data == expected_record(int(round_no), int(n), int(size))


@pytest.mark.parametrize("policy", ["always", "2", "never"])
def test_no_accepted_record_is_lost_when_the_process_is_killed(
    tmp_path: Path, policy: str
) -> None:
    """A child appends (and acknowledges) in a loop, printing each id once append returned;
    it is killed with SIGKILL at a random moment, several rounds on one spool directory."""
    directory = tmp_path / "spool"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    rng = random.Random(20240601 + len(policy))
    accepted: dict[int, bytes] = {}  # printed after append() returned
    acked: set[int] = set()  # acknowledged (confirmed by the child, or by the parent)
    ever_issued: set[int] = set()
    truncations = 0
    for round_no in range(6):
        env = dict(os.environ, PYTHONPATH=str(REPOSITORY_ROOT))
        child = subprocess.Popen(
            [sys.executable, str(script), str(directory), policy, str(round_no), str(round_no)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        assert first.startswith(b"A "), child.stderr.read()
        time.sleep(rng.uniform(0.02, 0.4))  # a random moment
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.wait()
        child.stdout.close()
        child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        round_ids: set[int] = set()
        unconfirmed: tuple[str, int] | None = None  # an acknowledgement killed mid-way
        for line in (first + rest).decode().splitlines():
            fields = line.split()
            if fields[0] == "A":
                record_id, r, n, size = map(int, fields[1:])
                assert record_id not in ever_issued, "an accepted id was issued again"
                round_ids.add(record_id)
                accepted[record_id] = expected_record(r, n, size)
            elif fields[0] in ("t", "k"):
                unconfirmed = (fields[0], int(fields[1]))
            elif fields[0] == "T":
                acked.update(i for i in accepted if i <= int(fields[1]))
                unconfirmed = None
            elif fields[0] == "K":
                acked.add(int(fields[1]))
                unconfirmed = None
        ever_issued |= round_ids
        last = segment_files(directory)[-1]
        size_before = last.stat().st_size
        with Spool(directory) as spool:
            truncations += last.exists() and last.stat().st_size < size_before
            pending = list(spool.pending())
            ids = [i for i, _ in pending]
            assert ids == sorted(set(ids))
            found = dict(pending)
            for data in found.values():
                check_record(data)  # whole records only, never a torn one
            for record_id, data in accepted.items():
                if record_id in acked:
                    assert record_id not in found, f"acknowledged record {record_id} pending"
                    continue
                maybe_acked = unconfirmed is not None and (
                    record_id == unconfirmed[1]
                    if unconfirmed[0] == "k"
                    else record_id <= unconfirmed[1]
                )
                if maybe_acked and record_id not in found:
                    acked.add(record_id)  # that acknowledgement was applied
                    continue
                assert found.get(record_id) == data, f"accepted record {record_id} lost"
            # The parent delivers some of the backlog between rounds.
            if ids and rng.random() < 0.5:
                through = ids[len(ids) // 2]
                spool.ack_through(through)
                acked.update(i for i in accepted if i <= through)
            assert spool.stats().next_id > max(ever_issued)
    assert len(accepted) > 50
    print(f"{policy}: {len(accepted)} accepted records, {truncations} torn tails cut off")


BIG_WRITER = textwrap.dedent(
    """
    import sys
    from lawful_intercept.delivery import Spool

    spool = Spool(sys.argv[1], segment_bytes=1 << 20, max_bytes=1 << 31)
    spool.append(b"small")
    big = bytes([7]) * (32 << 20)
    print("B", flush=True)
    spool.append(big)
    print("D", flush=True)
    import time
    time.sleep(60)
    """
)


def test_a_write_cut_by_sigkill_is_cut_off_on_recovery(tmp_path: Path) -> None:
    """SIGKILL during the write of a 32 MiB record leaves part of it in the file (Linux stops
    copying at a fatal signal); reopening must cut it off and keep everything accepted."""
    script = tmp_path / "writer.py"
    script.write_text(BIG_WRITER)
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY_ROOT))
    torn = 0
    for attempt in range(30):
        directory = tmp_path / f"spool{attempt}"
        child = subprocess.Popen(
            [sys.executable, str(script), str(directory)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"B\n"
        time.sleep(rng.uniform(0.0, 0.12))
        child.send_signal(signal.SIGKILL)
        accepted = child.stdout.read() == b"D\n"
        child.wait()
        child.stdout.close()
        last = segment_files(directory)[-1]
        size_before = last.stat().st_size
        with Spool(directory) as spool:
            cut = last.exists() and last.stat().st_size < size_before
            pending = list(spool.pending())
            assert pending[0] == (1, b"small")
            if accepted:
                assert pending[1] == (2, bytes([7]) * (32 << 20))
            if cut:
                torn += 1
                assert pending == [(1, b"small")]
                assert last.stat().st_size == SEGMENT_OVERHEAD
                assert spool.append(b"after") == 2
        shutil.rmtree(directory)
        if torn and attempt >= 2:
            break
    if not torn:
        pytest.skip("no write was interrupted on this machine (too fast): see the tests above")


# ---------------------------------------------------------------------------------------------
# batches: append_many, read_from and the in-memory copies
# ---------------------------------------------------------------------------------------------


def test_append_many_stores_a_batch_with_consecutive_ids(directory: Path) -> None:
    with Spool(directory) as spool:
        assert spool.append(b"single") == 1
        ids = spool.append_many([b"a", bytearray(b"bb"), memoryview(b"ccc")], kinds="CC",
                                keys="LIID-42")
        assert ids == [2, 3, 4]
        assert spool.append_many([]) == []  # no id taken
        more = spool.append_many((bytes([i]) for i in range(3)), kinds=["IRI", "CC", ""],
                                 keys=[b"x", "y", b""])
        assert more == [5, 6, 7]
        assert spool.append(b"after") == 8
        assert spool.stats().appended == 8
    with Spool(directory) as spool:
        assert list(spool.entries()) == [
            SpoolEntry(1, b"single", "", b""),
            SpoolEntry(2, b"a", "CC", b"LIID-42"),
            SpoolEntry(3, b"bb", "CC", b"LIID-42"),
            SpoolEntry(4, b"ccc", "CC", b"LIID-42"),
            SpoolEntry(5, b"\x00", "IRI", b"x"),
            SpoolEntry(6, b"\x01", "CC", b"y"),
            SpoolEntry(7, b"\x02", "", b""),
            SpoolEntry(8, b"after", "", b""),
        ]


def test_append_many_bad_arguments_store_nothing(directory: Path) -> None:
    with Spool(directory, max_bytes=1000, max_records=5) as spool:
        spool.append(b"first")
        cases: list[tuple[type[Exception], str, Any, dict[str, Any]]] = [
            (TypeError, "one record", b"abc", {}),
            (TypeError, r"records\[1\] must be bytes", [b"a", "b"], {}),
            (ValueError, "kinds has 1 items for 2 records", [b"a", b"b"], {"kinds": ["CC"]}),
            (ValueError, "keys has 3 items for 2 records", [b"a", b"b"],
             {"keys": [b"", b"", b""]}),
            (TypeError, r"records\[1\]: kind must be str", [b"a", b"b"],
             {"kinds": ["CC", 7]}),
            (ValueError, r"records\[0\]: key is 65536 bytes", [b"a"],
             {"keys": [bytes(65536)]}),
            (ValueError, "kind is 256 bytes", [b"a"], {"kinds": "k" * 256}),
            (ValueError, "can never fit in a spool of max_bytes=1000", [bytes(500)] * 2, {}),
            (ValueError, "can never fit in a spool of max_records=5", [b"r"] * 6, {}),
        ]
        for error, message, records, options in cases:
            with pytest.raises(error, match=message):
                spool.append_many(records, **options)
        assert spool.stats().next_id == 2 and spool.stats().queued == 1


def test_append_many_is_all_or_nothing_when_full(directory: Path) -> None:
    with Spool(directory, max_records=5) as spool:
        spool.append_many([b"1", b"2", b"3"])
        before = spool.stats()
        with pytest.raises(SpoolFull, match="max_records=5"):
            spool.append_many([b"4", b"5", b"6"])
        assert spool.stats() == before
        assert spool.append_many([b"4", b"5"]) == [4, 5]
    payload = b"p" * 72  # 100 bytes with the header
    bound = SEGMENT_OVERHEAD + 1000
    with Spool(directory / "bytes", max_bytes=bound, segment_bytes=bound) as spool:
        spool.append_many([payload] * 8)
        with pytest.raises(SpoolFull, match="a batch of 3 records of 308 bytes does not fit"):
            spool.append_many([payload] * 3)
        assert spool.append_many([payload] * 2) == [9, 10]
        assert len(list(spool.pending())) == 10


def test_append_many_blocks_until_the_whole_batch_fits(directory: Path) -> None:
    with Spool(directory, max_records=4, when_full="block") as spool:
        spool.append_many([b"1", b"2", b"3"])
        result: list[list[int]] = []
        worker = threading.Thread(
            target=lambda: result.append(spool.append_many([b"4", b"5"], timeout=10)),
            daemon=True,
        )
        worker.start()
        time.sleep(0.1)
        assert result == []
        spool.ack(1)
        worker.join(10)
        assert result == [[4, 5]]
        with pytest.raises(SpoolFull, match="after waiting"):
            spool.append_many([b"6", b"7"], timeout=0.05)


def test_append_many_spans_segments(directory: Path) -> None:
    records = [bytes([i]) * (50 + 37 * (i % 5)) for i in range(60)]
    with Spool(directory, segment_bytes=600, fsync="never") as spool:
        spool.append(b"first")
        ids = spool.append_many(records, kinds="CC")
        assert ids == list(range(2, 62))
        files = segment_files(directory)
        assert len(files) > 5 and all(f.stat().st_size <= 600 for f in files)
        firsts = [int(f.stem) for f in files]
        assert firsts[0] == 1 and firsts == sorted(firsts)
    with Spool(directory) as spool:
        assert list(spool.pending()) == [(1, b"first"), *zip(ids, records, strict=True)]
        assert spool.append(b"next") == 62


@needs_proc
@pytest.mark.parametrize("policy", ["always", 20.0])
def test_append_many_returns_after_one_fsync_covered_the_batch(
    directory: Path, monkeypatch: pytest.MonkeyPatch, policy: Any
) -> None:
    with Spool(directory, fsync=policy) as spool:
        recorder = FsyncRecorder()
        monkeypatch.setattr(os, "fsync", recorder)
        for round_no in range(3):
            before = len(recorder.calls)
            spool.append_many([bytes([round_no]) * 100] * 50)
            active = segment_files(directory)[-1]
            assert recorder.synced(active.resolve(), active.stat().st_size)
            if policy == "always":  # one fsync for 50 records, one for the high-water mark
                assert [Path(p).name for p, _ in recorder.calls[before:]] == [active.name,
                                                                              "acks.log"]


def test_a_failed_write_undoes_the_whole_batch(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [bytes([i]) * 100 for i in range(20)]
    with Spool(directory, segment_bytes=700) as spool:
        spool.append_many(records[:3])
        before = spool.stats()
        files_before = segment_files(directory)
        sizes_before = [f.stat().st_size for f in files_before]
        real = os.pwritev
        calls = 0

        def failing(fd: int, buffers: Any, offset: int) -> int:
            nonlocal calls
            calls += 1
            if calls == 3:  # the batch has written into two segments already
                raise OSError(28, "No space left on device")
            return real(fd, buffers, offset)

        monkeypatch.setattr(os, "pwritev", failing)
        with pytest.raises(SpoolError, match="No space left"):
            spool.append_many(records[3:])
        monkeypatch.setattr(os, "pwritev", real)
        assert calls == 3
        assert spool.stats() == before
        assert segment_files(directory) == files_before
        assert [f.stat().st_size for f in files_before] == sizes_before
        assert [i for i, _ in spool.pending()] == [1, 2, 3]
        assert spool.append_many(records[3:5]) == [4, 5]  # the ids were not used
    with Spool(directory) as spool:
        assert list(spool.pending()) == list(zip(range(1, 6), records[:5], strict=True))


def test_read_from_reads_in_bounded_batches(directory: Path) -> None:
    with Spool(directory) as spool:
        assert spool.read_from(0) == []
        spool.append_many([bytes([i]) * 10 for i in range(10)], kinds="CC", keys=b"L")
        first = spool.read_from(0, max_records=3)
        assert first == [SpoolEntry(i, bytes([i - 1]) * 10, "CC", b"L") for i in (1, 2, 3)]
        # One record takes RECORD_OVERHEAD + 3 + 10 bytes: the bound stops after the second.
        assert [e.id for e in spool.read_from(3, max_bytes=RECORD_OVERHEAD + 14)] == [4, 5]
        assert [e.id for e in spool.read_from(5, max_bytes=1)] == [6]  # at least one
        spool.ack([7, 8])
        assert [e.id for e in spool.read_from(6)] == [9, 10]
        assert spool.read_from(10) == []
        assert [e.id for e in spool.read_from(0, max_records=100)] == [1, 2, 3, 4, 5, 6, 9, 10]
        spool.append(b"new")
        assert [e.id for e in spool.read_from(10)] == [11]
        with pytest.raises(ValueError, match="max_records"):
            spool.read_from(0, max_records=0)
        with pytest.raises(ValueError, match="max_bytes"):
            spool.read_from(0, max_bytes=0)


class PreadCounter:
    """Wraps os.pread: counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = os.pread

    def __call__(self, fd: int, size: int, offset: int) -> bytes:
        self.calls += 1
        return self.real(fd, size, offset)


def test_recent_records_are_served_from_memory_within_cache_bytes(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [bytes([i]) * 100 for i in range(5)]
    with Spool(directory, cache_bytes=250) as spool:
        spool.append_many(records)  # the first two fit in 250 bytes, the rest do not
        counter = PreadCounter()
        monkeypatch.setattr(os, "pread", counter)
        assert [e.data for e in spool.read_from(0, max_records=2)] == records[:2]
        assert counter.calls == 0
        assert [e.data for e in spool.read_from(2)] == records[2:]
        assert counter.calls == 1  # the three others, with one read
        # A reconnected transport reads from the start: the records read left memory.
        assert [e.data for e in spool.read_from(0)] == records
        assert counter.calls == 2
        spool.ack_through(5)
        spool.append_many(records[:2])  # the space of the read ones is free again
        assert [e.data for e in spool.read_from(5)] == records[:2]
        assert counter.calls == 2
    with Spool(directory / "none", cache_bytes=0) as spool:
        spool.append_many(records)
        assert [e.data for e in spool.read_from(0)] == records
    with pytest.raises(ValueError, match="cache_bytes"):
        Spool(directory / "bad", cache_bytes=-1)


def test_read_from_checks_records_read_from_disk(directory: Path) -> None:
    with Spool(directory, cache_bytes=0) as spool:
        spool.append_many([b"a" * 50, b"b" * 50, b"c" * 50])
        path = segment_files(directory)[0]
        offset = SEGMENT_OVERHEAD + record_size(b"a" * 50) + RECORD_OVERHEAD + 10
        with path.open("r+b") as file:
            file.seek(offset)
            file.write(b"X")
        with pytest.raises(SpoolCorrupt, match="checksum") as caught:
            spool.read_from(0)
        assert caught.value.filename == str(path)
        assert caught.value.offset == SEGMENT_OVERHEAD + record_size(b"a" * 50)


BATCH_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.binary(max_size=120)),
        st.tuples(st.just("append_many"), st.lists(st.binary(max_size=120), max_size=8)),
        st.tuples(st.just("ack"), st.lists(st.integers(0, 80), max_size=6)),
        st.tuples(st.just("read_from"), st.integers(1, 5), st.integers(1, 400)),
        st.tuples(st.just("reconnect")),
        st.tuples(st.just("reopen")),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BATCH_OPERATIONS, st.sampled_from([0, 300, 1 << 20]))
def test_batches_keep_ids_increasing_and_pending_appended_minus_acknowledged(
    operations: list[tuple[Any, ...]], cache_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "spool"

        def open_spool() -> Spool:
            return Spool(directory, fsync="never", segment_bytes=400, cache_bytes=cache_bytes)

        spool = open_spool()
        model: dict[int, bytes] = {}
        issued: list[int] = []
        cursor = 0  # the last id a transport's connection was handed
        try:
            for operation in operations:
                name = operation[0]
                if name in ("append", "append_many"):
                    records = [operation[1]] if name == "append" else operation[1]
                    ids = ([spool.append(operation[1])] if name == "append"
                           else spool.append_many(records, kinds="CC"))
                    assert len(ids) == len(records)
                    for record_id, record in zip(ids, records, strict=True):
                        assert not issued or record_id > issued[-1]
                        issued.append(record_id)
                        model[record_id] = record
                elif name == "ack" and issued:
                    ids = [issued[i % len(issued)] for i in operation[1]]
                    fresh = {i for i in ids if i in model}
                    assert spool.ack(ids) == len(fresh)
                    for i in fresh:
                        del model[i]
                elif name == "read_from":
                    unsent = [i for i in model if i > cursor]
                    taken = spool.read_from(cursor, max_records=operation[1],
                                            max_bytes=operation[2])
                    assert [e.id for e in taken] == unsent[: len(taken)]
                    assert [e.data for e in taken] == [model[e.id] for e in taken]
                    assert len(taken) == min(len(unsent), operation[1]) or (
                        sum(record_size(e.data, "CC") for e in taken) >= operation[2])
                    cursor = taken[-1].id if taken else cursor
                elif name == "reconnect":
                    cursor = 0
                elif name == "reopen":
                    spool.close()
                    spool = open_spool()
                    cursor = 0
                assert list(spool.pending()) == list(model.items())
                assert [i for i, _ in spool.pending(after=cursor)] == [i for i in model
                                                                        if i > cursor]
                assert spool.stats().queued == len(model)
            spool.close()
            spool = open_spool()
            assert list(spool.pending()) == list(model.items())
            if issued:
                assert spool.stats().next_id > issued[-1]
        finally:
            spool.close()


BATCH_CHILD = textwrap.dedent(
    """
    import hashlib, random, sys
    from lawful_intercept.delivery import Spool

    directory, policy, round_no = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fsync = policy if policy in ("always", "never") else float(policy)
    rng = random.Random(round_no)
    spool = Spool(directory, fsync=fsync, segment_bytes=256 * 1024, max_bytes=1 << 30)
    n = 0
    while True:
        batch = []
        for _ in range(rng.choice([1, 5, 50, 300])):
            size = rng.choice([10, 200, 1500, 40000])
            head = f"{round_no}:{n}:{size}:".encode()
            batch.append(head + (hashlib.sha256(head).digest() * (size // 32 + 1))[:size])
            n += 1
        ids = spool.append_many(batch, kinds="CC")
        print(f"B {ids[0]} {len(ids)} {round_no} {n - len(ids)}", flush=True)
        through = ids[0] - 1 - rng.randrange(0, 200)
        if rng.random() < 0.2 and through > 0:
            # Announced before (lower case) and confirmed after (upper case).
            print(f"t {through}", flush=True)
            spool.ack_through(through)
            print(f"T {through}", flush=True)
    """
)


@pytest.mark.parametrize("policy", ["always", "2"])
def test_a_batch_that_returned_is_complete_after_sigkill(tmp_path: Path, policy: str) -> None:
    """A child appends batches in a loop and prints each batch's ids once ``append_many``
    returned; killed with SIGKILL at random moments, every printed batch must be pending
    (unless acknowledged), whole and in order, and anything else present must be whole
    records of an unfinished batch."""
    directory = tmp_path / "spool"
    script = tmp_path / "child.py"
    script.write_text(BATCH_CHILD)
    rng = random.Random(4242 + len(policy))
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY_ROOT))
    accepted: dict[int, bytes] = {}  # id -> expected start "round:n:"
    acked_through = 0
    batches = 0
    for round_no in range(5):
        child = subprocess.Popen(
            [sys.executable, str(script), str(directory), policy, str(round_no)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        assert first.startswith(b"B "), child.stderr.read()
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
        maybe_through = 0  # an acknowledgement killed mid-way
        for line in (first + rest).decode().splitlines():
            fields = line.split()
            if fields[0] == "B":
                first_id, count, r, first_n = map(int, fields[1:])
                for i in range(count):
                    accepted[first_id + i] = f"{r}:{first_n + i}:".encode()
                batches += 1
            elif fields[0] == "t":
                maybe_through = int(fields[1])
            else:
                acked_through = max(acked_through, int(fields[1]))
                maybe_through = 0
        with Spool(directory) as spool:
            pending = dict(spool.pending())
            for data in pending.values():
                check_record(data)  # whole records only, never a torn one
            for record_id, start in accepted.items():
                if record_id <= acked_through:
                    assert record_id not in pending
                elif record_id <= maybe_through and record_id not in pending:
                    continue  # that acknowledgement was applied
                else:
                    assert pending.get(record_id, b"").startswith(start), (
                        f"accepted record {record_id} lost")
            ids = sorted(pending)
            if ids:
                assert ids == list(range(ids[0], ids[0] + len(ids)))  # no holes
            if maybe_through and (not ids or ids[0] > maybe_through):
                acked_through = maybe_through
            assert spool.stats().next_id > max(accepted)
    assert batches > 10
