"""The spool's memory cache: copies of just appended records, so that a transport that keeps up
reads them without going back to the disk (docs/spool.md, "Batches and memory").

Bounded by ``cache_bytes`` (payload octets). A record leaves the cache when a transport has
read it (``Spool.read_from``) or when it is acknowledged; reading it again (after a
reconnect) goes to the segment file, with every check of a disk read.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._spool_format import Meta, SpoolEntry, new_entry

__all__ = ["RecordCache"]


class RecordCache:
    """Copies of records by id, at most ``limit`` payload bytes in all (0: none kept)."""

    __slots__ = ("entries", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: dict[int, SpoolEntry] = {}
        """The cached records by id."""

    def add(self, first_id: int, payloads: list[bytes], metas: list[Meta]) -> None:
        """Keep copies of records ``first_id``, ``first_id + 1``, ... while the bound allows
        (the first that does not fit ends it: the cache holds a run of the newest records)."""
        room = self.limit - self.size
        entries = self.entries
        record_id = first_id
        for payload, meta in zip(payloads, metas, strict=True):
            if len(payload) > room:
                break
            entries[record_id] = new_entry(SpoolEntry, (record_id, payload, meta[0], meta[1]))
            room -= len(payload)
            record_id += 1
        self.size = self.limit - room

    def discard(self, record_id: int) -> None:
        """Drop the copy of one record, if there is one."""
        entry = self.entries.pop(record_id, None)
        if entry is not None:
            self.size -= len(entry.data)

    def discard_many(self, record_ids: Iterable[int]) -> None:
        """Drop the copies of several records (those without one are ignored)."""
        if not self.entries:
            return
        pop = self.entries.pop
        for record_id in record_ids:
            entry = pop(record_id, None)
            if entry is not None:
                self.size -= len(entry.data)

    def clear(self) -> None:
        """Drop every copy."""
        self.entries.clear()
        self.size = 0
