"""The spool's acknowledgement log: which records were delivered (docs/spool.md, "On-disk
format").

``acks.log`` is append-only: one entry per ``Spool.ack`` run of consecutive ids (``R``) or per
``Spool.ack_through`` (``T``). On open it is replayed (a torn last entry is cut off: an
acknowledgement lost that way only means one more delivery). When it has grown large it is
compacted: rewritten to ``acks.log.tmp`` with entries equivalent to the current state, then
renamed over the log. :class:`AckLog` does no locking; the spool calls it with its lock held.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

from ..errors import SpoolCorrupt, SpoolError
from ._spool_format import (
    ACK_ENTRY,
    ACK_NAME,
    ACK_THROUGH,
    ACK_TMP_NAME,
    ACKLOG_MAGIC,
    fsync_dir,
    is_zero,
    parse_ack_entry,
    pread_all,
    pwrite_all,
)

__all__ = ["COMPACT_BYTES", "AckLog"]

COMPACT_BYTES: Final = 64 << 10
"""The log is not compacted below this size."""


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

    @property
    def unsynced(self) -> bool:
        """Whether a write is not known durable yet."""
        return self.synced_gen < self.gen

    def open(self, mark_through: Callable[[int], object],
             mark_range: Callable[[int, int], object]) -> int:
        """Open (or create) the log and replay it through ``mark_through(last)`` and
        ``mark_range(first, last)``; the highest id it names."""
        tmp = os.path.join(self.directory, ACK_TMP_NAME)
        if os.path.exists(tmp):
            os.unlink(tmp)
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
            return 0
        if data[: len(ACKLOG_MAGIC)] != ACKLOG_MAGIC:
            raise SpoolCorrupt("not a spool acknowledgement log (bad magic)", self.path, 0)
        highest = 0
        offset = len(ACKLOG_MAGIC)
        while offset < size:
            kind, first, last, problem = parse_ack_entry(data, offset)
            if problem is not None:
                if offset + ACK_ENTRY.size < size and not is_zero(data, offset):
                    raise SpoolCorrupt(problem, self.path, offset)
                os.ftruncate(fd, offset)  # torn last write: those acknowledgements are lost
                if self.sync_enabled:
                    os.fsync(fd)
                size = offset
                break
            highest = max(highest, last)
            if kind == ACK_THROUGH:
                mark_through(last)
            else:
                mark_range(first, last)
            offset += ACK_ENTRY.size
        self.size = size
        self.compact_at = max(COMPACT_BYTES, 2 * size)
        return highest

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
        new_size = len(ACKLOG_MAGIC) + len(entries)
        if 2 * new_size > self.size:
            self.compact_at = max(COMPACT_BYTES, 4 * new_size)
            return
        tmp = os.path.join(self.directory, ACK_TMP_NAME)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            pwrite_all(fd, ACKLOG_MAGIC + entries, 0)
            if self.sync_enabled:
                os.fsync(fd)
            os.replace(tmp, self.path)
            if self.sync_enabled:
                fsync_dir(self.directory)
        except BaseException:
            os.close(fd)
            raise
        os.close(self.fd)
        self.fd = fd
        self.size = new_size
        self.synced_gen = self.gen
        self.compact_at = max(COMPACT_BYTES, 4 * new_size)

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
