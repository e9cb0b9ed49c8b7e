"""The spool's acknowledgement log: which records were delivered (docs/spool.md, "On-disk
format").

``acks.log`` is append-only: one entry per ``Spool.ack`` run of consecutive ids (``R``) or per
``Spool.ack_through`` (``T``), per dead-lettered record (``D``), and per commit that covered
new records (``H``, the high-water mark: what no commit covered may be cut as a torn tail on
recovery, what one covered may not). On open it is replayed (a torn last entry is cut off: an
acknowledgement lost that way only means one more delivery). When it has grown large it is
compacted: rewritten to ``acks.log.tmp`` with entries equivalent to the current state, then
renamed over the log. :class:`AckLog` does no locking; the spool calls it with its lock held.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final, NamedTuple

from ..errors import SpoolCorrupt, SpoolError
from ._spool_format import (
    ACK_ENTRY,
    ACK_HIGH,
    ACK_NAME,
    ACK_RANGE,
    ACK_THROUGH,
    ACK_TMP_NAME,
    ACKLOG_MAGIC,
    ACKLOG_MAGIC_V1,
    ack_entry,
    fsync_dir,
    is_zero,
    parse_ack_entry,
    pread_all,
    pwrite_all,
    replace_file,
)

__all__ = ["COMPACT_BYTES", "AckLog", "AckReplay"]

COMPACT_BYTES: Final = 64 << 10
"""The log is not compacted below this size."""


class AckReplay(NamedTuple):
    """What the log held when it was opened."""

    entries: list[tuple[bytes, int, int]]
    """The ``T``, ``R`` and ``D`` entries ``(type, first, last)``, in order."""
    high_water: int
    """The highest id a commit covered (0: none, or a version 1 log)."""
    version: int
    """The format version of the log (1 or 2)."""
    existed: bool
    """Whether the log existed with content before this open."""


class AckLog:
    """The acknowledgement log of the spool in ``directory``.

    ``gen`` counts the writes; ``synced_gen`` is the last write known durable (so that a
    group commit knows whether the log needs an fsync). ``fail(reason)`` marks the spool
    unusable and returns the message to raise.
    """

    def __init__(self, directory: str, *, sync_enabled: bool,
                 fail: Callable[[str], str]) -> None:
        self.directory = directory
        self.sync_enabled = sync_enabled
        self.fail = fail
        self.path = os.path.join(directory, ACK_NAME)
        self.fd = -1
        self.size = 0
        self.gen = 0
        self.synced_gen = 0
        self.compact_at = COMPACT_BYTES
        self.high_water = 0
        """The highest id an ``H`` entry names."""

    @property
    def unsynced(self) -> bool:
        """Whether a write is not known durable yet."""
        return self.synced_gen < self.gen

    def open(self) -> AckReplay:
        """Open (or create) the log and read its entries (a torn last entry is cut off).

        A version 1 log (``LISPACK1``) is read the same way (it has no ``H`` or ``D``
        entries); the spool rewrites it as version 2 once it is recovered (:meth:`rewrite`).
        A log of a newer version raises :class:`SpoolError` naming the version.
        """
        tmp = os.path.join(self.directory, ACK_TMP_NAME)
        if os.path.exists(tmp):
            os.unlink(tmp)
        existed = os.path.exists(self.path)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self.fd = fd
        data = pread_all(fd, os.fstat(fd).st_size, 0)
        size = len(data)
        if size < len(ACKLOG_MAGIC):
            if not ACKLOG_MAGIC.startswith(data):
                raise SpoolCorrupt("acknowledgement log header is incomplete", self.path, 0)
            os.ftruncate(fd, 0)
            pwrite_all(fd, ACKLOG_MAGIC, 0)
            if self.sync_enabled:
                os.fsync(fd)
                fsync_dir(self.directory)
            self.size = len(ACKLOG_MAGIC)
            return AckReplay([], 0, 2, existed and size > 0)
        magic = data[: len(ACKLOG_MAGIC)]
        if magic == ACKLOG_MAGIC_V1:
            version = 1
        elif magic == ACKLOG_MAGIC:
            version = 2
        elif magic[:7] == ACKLOG_MAGIC[:7] and magic[7:].isdigit():
            raise SpoolError(
                f"{self.path}: spool format version {magic[7:].decode()} is newer than this "
                f"library reads (versions 1 and 2); open it with the library that wrote it"
            )
        else:
            raise SpoolCorrupt("not a spool acknowledgement log (bad magic)", self.path, 0)
        entries: list[tuple[bytes, int, int]] = []
        high_water = 0
        offset = len(ACKLOG_MAGIC)
        while offset < size:
            kind, first, last, problem = parse_ack_entry(data, offset)
            if problem is None and version == 1 and kind not in (ACK_THROUGH, ACK_RANGE):
                problem = f"entry type {kind!r} in a version 1 log"
            if problem is not None:
                if offset + ACK_ENTRY.size < size and not is_zero(data, offset):
                    raise SpoolCorrupt(problem, self.path, offset)
                os.ftruncate(fd, offset)  # torn last write: those acknowledgements are lost
                if self.sync_enabled:
                    os.fsync(fd)
                size = offset
                break
            if kind == ACK_HIGH:
                high_water = max(high_water, last)
            else:
                entries.append((kind, first, last))
            offset += ACK_ENTRY.size
        self.size = size
        self.high_water = high_water
        self.compact_at = max(COMPACT_BYTES, 2 * size)
        return AckReplay(entries, high_water, version, True)

    def note_high_water(self, record_id: int) -> None:
        """Record that every id up to ``record_id`` is covered by a commit (an ``H`` entry,
        written only if it raises the mark; durable with the log's next fsync)."""
        if record_id > self.high_water:
            self.write(ack_entry(ACK_HIGH, 0, record_id))
            self.high_water = record_id

    def write(self, entries: bytes) -> None:
        """Append ``entries`` (cut off again if the write fails: :class:`SpoolError`)."""
        offset = self.size
        try:
            pwrite_all(self.fd, entries, offset)
        except OSError as exc:
            try:
                os.ftruncate(self.fd, offset)
            except OSError as undo:
                self.fail(f"cannot cut a failed write off the acknowledgement log: {undo}")
            raise SpoolError(f"cannot write the acknowledgement log: {exc}") from exc
        self.size += len(entries)
        self.gen += 1

    def sync(self) -> None:
        """fsync the log now (an error makes the spool unusable: :class:`SpoolError`)."""
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise SpoolError(self.fail(f"fsync of the acknowledgement log: {exc}")) from exc
        self.synced_gen = self.gen

    def maybe_compact(self, state: Callable[[], bytes]) -> None:
        """Rewrite the log as ``state()`` (entries equivalent to the current state) when it
        has grown to ``compact_at`` and the rewrite would at least halve it."""
        if self.size < self.compact_at:
            return
        entries = state()
        new_size = len(ACKLOG_MAGIC) + ACK_ENTRY.size + len(entries)
        if 2 * new_size > self.size:
            self.compact_at = max(COMPACT_BYTES, 4 * new_size)
            return
        self.rewrite(entries)

    def rewrite(self, entries: bytes) -> None:
        """Replace the log by a version 2 log of the high-water mark and ``entries``, through
        ``acks.log.tmp`` and a rename (a crash leaves the old log or the new one)."""
        data = ACKLOG_MAGIC + ack_entry(ACK_HIGH, 0, self.high_water) + entries
        fd = replace_file(self.directory, ACK_TMP_NAME, self.path, data, self.sync_enabled)
        os.close(self.fd)
        self.fd = fd
        self.size = len(data)
        self.synced_gen = self.gen
        self.compact_at = max(COMPACT_BYTES, 4 * len(data))

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
