"""The spool's segment files and their index: which records exist, where, and which are
acknowledged (docs/spool.md, "On-disk format" and "Recovery").

:class:`SegmentIndex` owns the open segment files of a spool directory: it recovers them on
open (every record checked; a torn tail of the last segment cut off), writes batches of
records a segment at a time (starting new segments as needed, undoing a failed write), reads
runs of records back with one ``pread`` each (every record checked again), marks records
acknowledged and tells which segments are fully acknowledged. It keeps the counters the
spool's bounds use. It does no locking: the :class:`~lawful_intercept.delivery.Spool` calls
it with its lock held.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import NamedTuple, NoReturn

from ..errors import SpoolCorrupt, SpoolError
from ._spool_cache import RecordCache
from ._spool_format import (
    ACK_RANGE,
    ACK_THROUGH,
    HEAD,
    HEAD_CRC,
    RECORD_MAGIC,
    RECORD_OVERHEAD,
    SEGMENT_MAGIC,
    SEGMENT_OVERHEAD,
    Meta,
    SpoolEntry,
    ack_entry,
    check_record,
    fsync_dir,
    is_zero,
    new_entry,
    pread_all,
    pwrite_all,
    pwritev_parts,
    runs,
    segment_name,
)

__all__ = ["Segment", "SegmentIndex", "WriteUndo", "lost"]


class Segment:
    """One segment file and the index of its records (offsets and acknowledged flags)."""

    __slots__ = ("acked", "acked_count", "fd", "first_id", "low", "offsets", "path", "size")

    def __init__(self, path: str, fd: int, first_id: int, size: int) -> None:
        self.path = path
        self.fd = fd
        self.first_id = first_id
        self.size = size
        self.offsets: array[int] = array("Q")
        self.acked = bytearray()
        self.acked_count = 0
        self.low = 0  # index of the first record that may be unacknowledged

    @property
    def end_id(self) -> int:
        """One past the id of the last record."""
        return self.first_id + len(self.offsets)

    @property
    def count(self) -> int:
        """Number of records in the file."""
        return len(self.offsets)

    def end(self, index: int) -> int:
        """File offset just past record ``index``."""
        return self.offsets[index + 1] if index + 1 < len(self.offsets) else self.size

    def fully_acked(self) -> bool:
        """Whether every record of the file is acknowledged."""
        return self.acked_count == len(self.offsets)


class WriteUndo(NamedTuple):
    """What :meth:`SegmentIndex.roll_back` restores after a failed write."""

    first_id: int
    position: int
    active_count: int
    active_size: int
    disk_bytes: int
    queued: int
    queued_bytes: int
    appended: int


class SegmentIndex:
    """The segment files of the spool in ``directory``, oldest first; the last one is the
    active segment that appends go to.

    ``sync_enabled``: whether files and directory entries are fsynced when they are created or
    cut. ``segment_bytes``: the size at which a new segment is started. ``fail(reason)`` marks
    the spool unusable and returns the message to raise. ``cache``: the memory copies, which
    lose a record once it is acknowledged.
    """

    def __init__(self, directory: str, *, sync_enabled: bool, segment_bytes: int,
                 cache: RecordCache, fail: Callable[[str], str]) -> None:
        self.directory = directory
        self.sync_enabled = sync_enabled
        self.segment_bytes = segment_bytes
        self.cache = cache
        self.fail = fail
        self.segments: list[Segment] = []
        self.firsts: list[int] = []
        self.dirty: set[Segment] = set()
        """Segments written since their last fsync."""
        self.next_id = 1
        self.disk_bytes = 0  # segment files only
        self.queued = 0
        self.queued_bytes = 0
        self.appended = 0

    # -- files --------------------------------------------------------------------------------

    def path(self, name: str) -> str:
        """The path of ``name`` in the spool directory."""
        return os.path.join(self.directory, name)

    def load(self, names: list[tuple[int, str]], high_water: int) -> None:
        """Open and check the segment files ``(first id, name)``, in order (recovery).

        ``high_water``: every id up to it was covered by a commit, so a flawed record with
        such an id is damage, never a torn write (:class:`SpoolCorrupt` naming the ids lost).
        """
        for index, (first_id, name) in enumerate(names):
            last = index == len(names) - 1
            upper = high_water if last else min(high_water, names[index + 1][0] - 1)
            segment = self._load_segment(self.path(name), first_id, last, high_water, upper)
            if self.segments and first_id < self.segments[-1].end_id:
                os.close(segment.fd)
                raise SpoolCorrupt(
                    f"segment starts at id {first_id} but the previous segment "
                    f"({self.segments[-1].path}) goes up to id {self.segments[-1].end_id - 1}",
                    segment.path,
                    0,
                )
            self._add(segment)
            self.queued += segment.count
            self.queued_bytes += segment.size - SEGMENT_OVERHEAD

    def _add(self, segment: Segment) -> None:
        self.segments.append(segment)
        self.firsts.append(segment.first_id)
        self.disk_bytes += segment.size

    def _sync(self, fd: int) -> None:
        if self.sync_enabled:
            os.fsync(fd)

    def _load_segment(self, path: str, first_id: int, last: bool, high_water: int,
                      upper: int) -> Segment:
        """Open and check one segment; ``upper``: the highest committed id it should hold."""
        fd = os.open(path, os.O_RDWR)
        try:
            data = pread_all(fd, os.fstat(fd).st_size, 0)
            size = len(data)
            if size < SEGMENT_OVERHEAD:
                if not (last and SEGMENT_MAGIC.startswith(data)) or first_id <= high_water:
                    raise SpoolCorrupt(
                        "segment file header is incomplete" + lost(first_id, upper, high_water),
                        path, 0,
                    )
                # Created just before a crash: write the header again.
                os.ftruncate(fd, 0)
                pwrite_all(fd, SEGMENT_MAGIC, 0)
                self._sync(fd)
                return Segment(path, fd, first_id, SEGMENT_OVERHEAD)
            if data[:SEGMENT_OVERHEAD] != SEGMENT_MAGIC:
                raise SpoolCorrupt("not a spool segment file (bad magic)", path, 0)
            segment = Segment(path, fd, first_id, size)
            view = memoryview(data)
            offset = SEGMENT_OVERHEAD
            while offset < size:
                end, problem, flaw = check_record(view, offset, segment.end_id)
                if flaw:
                    # A write interrupted by a crash leaves a record cut off by the end of the
                    # file, or (power loss) a tail of zeros or a body not yet written.
                    torn = last and segment.end_id > high_water and (
                        flaw == "incomplete"
                        or is_zero(data, offset)
                        or (flaw == "body" and end == size)
                    )
                    if not torn:
                        raise SpoolCorrupt(problem + lost(segment.end_id, upper, high_water),
                                           path, offset)
                    os.ftruncate(fd, offset)
                    self._sync(fd)
                    segment.size = offset
                    break
                segment.offsets.append(offset)
                segment.acked.append(0)
                offset = end
            return segment
        except BaseException:
            os.close(fd)
            raise

    def roll(self) -> Segment:
        """Start a new segment at the next id; it becomes the active one."""
        if self.segments:
            old = self.segments[-1]
            if self.sync_enabled and old in self.dirty:
                try:
                    os.fsync(old.fd)
                except OSError as exc:
                    raise SpoolError(self.fail(f"fsync of {old.path}: {exc}")) from exc
                self.dirty.discard(old)
        path = self.path(segment_name(self.next_id))
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            pwrite_all(fd, SEGMENT_MAGIC, 0)
            if self.sync_enabled:
                os.fsync(fd)
                fsync_dir(self.directory)
        except BaseException:
            os.close(fd)
            os.unlink(path)
            raise
        segment = Segment(path, fd, self.next_id, SEGMENT_OVERHEAD)
        self._add(segment)
        return segment

    def delete(self, segment: Segment) -> None:
        """Remove ``segment``'s file and forget it."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(segment.path)
        os.close(segment.fd)
        position = self.segments.index(segment)
        del self.segments[position]
        del self.firsts[position]
        self.dirty.discard(segment)
        self.disk_bytes -= segment.size

    def close(self) -> None:
        """Close every segment file."""
        for segment in self.segments:
            os.close(segment.fd)
        self.segments.clear()
        self.firsts.clear()
        self.dirty.clear()

    def reclaimable(self, *, include_active: bool) -> tuple[list[Segment], bool]:
        """The fully acknowledged segments but the active one, and whether the active one is
        too (only asked for with ``include_active``) and holds records."""
        active = self.segments[-1]
        doomed = [s for s in self.segments[:-1] if s.fully_acked()]
        roll = include_active and active.count > 0 and active.fully_acked()
        return doomed, roll

    # -- acknowledged marks -------------------------------------------------------------------

    def mark(self, segment: Segment, index: int) -> None:
        """Mark one record acknowledged (it must not be)."""
        segment.acked[index] = 1
        segment.acked_count += 1
        self.queued -= 1
        self.queued_bytes -= segment.end(index) - segment.offsets[index]
        if self.cache.entries:
            self.cache.discard(segment.first_id + index)
        while segment.low < segment.count and segment.acked[segment.low]:
            segment.low += 1

    def mark_id(self, record_id: int) -> None:
        """Mark the pending record ``record_id`` acknowledged."""
        segment = self.segments[bisect_right(self.firsts, record_id) - 1]
        self.mark(segment, record_id - segment.first_id)

    def mark_range(self, first: int, last: int) -> int:
        """Mark the ids ``first..last`` acknowledged; how many were pending."""
        count = 0
        start = max(0, bisect_right(self.firsts, first) - 1)
        for segment in self.segments[start:]:
            if segment.first_id > last:
                break
            lo = max(first, segment.first_id) - segment.first_id
            hi = min(last, segment.end_id - 1) - segment.first_id
            for index in range(max(lo, 0), hi + 1):
                if not segment.acked[index]:
                    self.mark(segment, index)
                    count += 1
        return count

    def mark_through(self, last: int) -> int:
        """Mark every id up to ``last`` acknowledged; how many were pending."""
        count = 0
        for segment in self.segments:
            if segment.first_id > last:
                break
            hi = min(last, segment.end_id - 1) - segment.first_id
            for index in range(segment.low, hi + 1):
                if not segment.acked[index]:
                    self.mark(segment, index)
                    count += 1
        return count

    def is_pending(self, record_id: int) -> bool:
        """Whether ``record_id`` is stored and not acknowledged."""
        position = bisect_right(self.firsts, record_id) - 1
        if position < 0:
            return False
        segment = self.segments[position]
        index = record_id - segment.first_id
        return index < segment.count and not segment.acked[index]

    def first_pending(self) -> int:
        """The id of the oldest pending record (``next_id`` when none is)."""
        for segment in self.segments:
            if segment.low < segment.count:
                return segment.first_id + segment.low
        return self.next_id

    def ack_state(self) -> bytes:
        """Acknowledgement log entries equivalent to the current acknowledged state (the ids
        between segments, whose segments were deleted once acknowledged, included)."""
        through = self.first_pending() - 1
        entries = [ack_entry(ACK_THROUGH, 0, through)]
        previous_end = 0
        for segment in self.segments:
            gap_first = max(previous_end, through + 1)
            if previous_end and gap_first < segment.first_id:
                entries.append(ack_entry(ACK_RANGE, gap_first, segment.first_id - 1))
            previous_end = segment.end_id
            if segment.end_id - 1 <= through:
                continue
            acked = [
                segment.first_id + index
                for index in range(segment.low, segment.count)
                if segment.acked[index]
            ]
            entries.extend(ack_entry(ACK_RANGE, a, b) for a, b in runs(acked))
        return b"".join(entries)

    def missing(self, high_water: int, through: int,
                ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """(Recovery.) The runs ``(first, last)`` of ids up to ``high_water`` (committed) that
        no segment holds and no acknowledgement (every id up to ``through``, the ``ranges``)
        accounts for: committed records that were lost."""
        covered = sorted([(s.first_id, s.end_id - 1) for s in self.segments if s.count]
                         + ranges + [(1, through)])
        gaps: list[tuple[int, int]] = []
        expected = 1
        for first, last in covered:
            if expected > high_water:
                break
            if first > expected:
                gaps.append((expected, min(first - 1, high_water)))
            expected = max(expected, last + 1)
        if expected <= high_water:
            gaps.append((expected, high_water))
        return gaps

    # -- reading ------------------------------------------------------------------------------

    def read_batch(self, after: int, max_records: int, max_bytes: int) -> list[SpoolEntry]:
        """The next pending records with ids above ``after``: at most ``max_records``, and
        none more once they take ``max_bytes`` in the segment files (at least one)."""
        batch: list[SpoolEntry] = []
        volume = 0
        cache = self.cache.entries
        start = max(0, bisect_right(self.firsts, after) - 1)
        for segment in self.segments[start:]:
            first_id, acked, offsets = segment.first_id, segment.acked, segment.offsets
            index = max(segment.low, after + 1 - first_id, 0)
            count = len(offsets)
            last = count - 1
            while index < count:
                record_id = first_id + index
                if acked[index]:
                    index += 1
                    continue
                entry = cache.get(record_id)
                if entry is None:
                    # Not in memory: read the run of wanted records from here with one pread.
                    stop = index + 1
                    room = max_bytes - volume - (segment.end(index) - offsets[index])
                    while (stop < count and room > 0 and len(batch) + stop - index < max_records
                           and not acked[stop] and first_id + stop not in cache):
                        room -= (offsets[stop + 1] if stop < last else segment.size) - offsets[stop]
                        stop += 1
                    batch.extend(self._read_records(segment, index, stop))
                    volume += segment.end(stop - 1) - offsets[index]
                    index = stop
                else:
                    batch.append(entry)
                    end = offsets[index + 1] if index < last else segment.size
                    volume += end - offsets[index]
                    index += 1
                if len(batch) >= max_records or volume >= max_bytes:
                    return batch
        return batch

    def _read_records(self, segment: Segment, first: int, stop: int) -> list[SpoolEntry]:
        """Records ``first`` to ``stop - 1`` (indexes) of ``segment``, read with one pread and
        each checked against its checksums and id."""
        offsets = segment.offsets
        base = offsets[first]
        ends = [*offsets[first + 1 : stop], segment.end(stop - 1)]
        data = pread_all(segment.fd, ends[-1] - base, base)
        view = memoryview(data)
        unpack, crc32 = HEAD_CRC.unpack_from, zlib.crc32
        entries: list[SpoolEntry] = []
        kinds: dict[bytes, str] = {}
        for index, end in enumerate(ends, first):
            offset = offsets[index]
            lo = offset - base
            hi = end - base
            record_id = segment.first_id + index
            if hi - lo < RECORD_OVERHEAD or hi > len(data):
                _raise_corrupt(segment, view[lo:hi], offset, record_id)
            magic, length, found_id, kind_len, key_len, body_crc, head_crc = unpack(view, lo)
            start = lo + RECORD_OVERHEAD
            if (magic != RECORD_MAGIC or found_id != record_id
                    or start + kind_len + key_len + length != hi
                    or crc32(view[lo : lo + HEAD.size]) != head_crc
                    or crc32(view[start:hi]) != body_crc):
                _raise_corrupt(segment, view[lo:hi], offset, record_id)
            kind_raw = data[start : start + kind_len]
            kind = kinds.get(kind_raw)
            if kind is None:
                try:
                    kind = kinds[kind_raw] = kind_raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise SpoolCorrupt("record kind is not UTF-8", segment.path, offset) from None
            key = data[start + kind_len : start + kind_len + key_len]
            entries.append(new_entry(SpoolEntry, (record_id, data[hi - length : hi], kind, key)))
        return entries

    # -- writing ------------------------------------------------------------------------------

    def space_needed(self, sizes: list[int], count: int, size: int) -> int:
        """Bytes the records of ``sizes`` add to the segment files when the active segment
        holds ``count`` records in ``size`` bytes (new segments' headers included)."""
        limit = self.segment_bytes
        total = sum(sizes)
        if size + total <= limit:
            return total  # no new segment
        need = 0
        for record in sizes:
            if count and size + record > limit:
                need += SEGMENT_OVERHEAD
                size = SEGMENT_OVERHEAD
                count = 0
            size += record
            count += 1
            need += record
        return need

    def undo_point(self) -> WriteUndo:
        """The state to restore if the next write fails."""
        position = len(self.segments) - 1
        active = self.segments[position]
        return WriteUndo(self.next_id, position, active.count, active.size, self.disk_bytes,
                         self.queued, self.queued_bytes, self.appended)

    def write_records(
        self, payloads: list[bytes], metas: list[Meta], crcs: list[int], sizes: list[int]
    ) -> None:
        """Write records at the next ids, a segment at a time, starting new segments as
        needed, and index them."""
        record_id = self.next_id
        active = self.segments[-1]
        limit = self.segment_bytes
        pack, crc32 = HEAD.pack, zlib.crc32
        check = _U32_PACK
        parts: list[bytes] = []
        offsets = array("Q")
        start = offset = active.size
        count = active.count
        for payload, meta, crc, size in zip(payloads, metas, crcs, sizes, strict=True):
            if count and offset + size > limit:
                self._write_group(active, parts, offsets, start, offset)
                self.next_id = record_id  # the new segment is named after its first id
                active = self.roll()
                parts = []
                offsets = array("Q")
                start = offset = active.size
                count = 0
            head = pack(RECORD_MAGIC, len(payload), record_id, meta[3], meta[4], crc)
            parts.append(head + check(crc32(head)) + meta[2])  # header, kind and key
            parts.append(payload)
            offsets.append(offset)
            offset += size
            count += 1
            record_id += 1
        self._write_group(active, parts, offsets, start, offset)
        self.next_id = record_id

    def _write_group(
        self, segment: Segment, parts: list[bytes], offsets: array[int], start: int, end: int
    ) -> None:
        """Write ``parts`` (records starting at ``offsets``) at ``start`` of ``segment``."""
        if not offsets:
            return
        pwritev_parts(segment.fd, parts, start)
        segment.offsets.extend(offsets)
        segment.acked.extend(bytes(len(offsets)))
        segment.size = end
        self.disk_bytes += end - start
        self.queued += len(offsets)
        self.queued_bytes += end - start
        self.appended += len(offsets)
        self.dirty.add(segment)

    def roll_back(self, undo: WriteUndo, exc: BaseException) -> None:
        """Undo a write that failed: delete the segments it started, cut the active one back
        to its size before (an error doing so makes the spool unusable, see ``fail``)."""
        try:
            started = self.segments[undo.position + 1 :]
            for segment in started:
                self.delete(segment)
            if started and self.sync_enabled:
                # The new segments' names were made durable: their removal must be too, or a
                # crash could bring back a segment overlapping the records appended next.
                fsync_dir(self.directory)
            segment = self.segments[undo.position]
            del segment.offsets[undo.active_count :]
            del segment.acked[undo.active_count :]
            segment.size = undo.active_size
            os.ftruncate(segment.fd, undo.active_size)
        except OSError as error:
            self.fail(f"cannot undo a failed write of record {undo.first_id}: {error} "
                      f"(after: {exc})")
        self.disk_bytes, self.queued = undo.disk_bytes, undo.queued
        self.queued_bytes, self.appended = undo.queued_bytes, undo.appended
        self.next_id = undo.first_id


_U32_PACK = struct.Struct(">I").pack


def lost(first_id: int, last_id: int, high_water: int) -> str:
    """The words for damage that lost the committed records ``first_id..last_id`` (a commit
    covered every id up to ``high_water``), or ``""`` if none was committed."""
    if first_id > min(last_id, high_water):
        return ""
    span = f"id {first_id}" if first_id == last_id else f"ids {first_id}-{last_id}"
    return f" (committed records lost: {span}; the high-water mark is {high_water})"


def _raise_corrupt(segment: Segment, record: memoryview, offset: int, record_id: int
                   ) -> NoReturn:
    """Raise :class:`SpoolCorrupt` for a record that failed the checks on reading."""
    _, problem, _ = check_record(record, 0, record_id)
    raise SpoolCorrupt(problem or "record length changed on disk", segment.path, offset)
