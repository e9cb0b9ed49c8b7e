"""The spool's dead letters: records taken out of delivery because the peer will not take them
(docs/spool.md, "Dead letters").

A poison record (one after which the LEMF closes the connection again and again) must not
block the records behind it, and must not be lost either. ``dead.log`` keeps a copy of each
such record with its kind, key, the reason and the peer's last words, and the time. It is
append-only: a ``L`` entry adds a dead letter, an ``X`` entry removes one (requeued). The
file starts with ``LISPDLQ1``; each entry is:

==== ==========================================================================
 4   magic ``LIdl``
 1   type (``L`` letter, ``X`` removed)
 1   zero
 8   record id (u64)
 8   time, seconds since the epoch (IEEE 754 double)
 1   kind length (u8)
 1   zero
 2   key length (u16)
 4   payload length (u32)
 2   reason length (u16, UTF-8)
 4   peer's words length (u32, UTF-8)
 4   CRC-32 of kind + key + payload + reason + peer's words
 4   CRC-32 of the 40 header bytes before it
==== ==========================================================================

then the kind, key, payload, reason and peer's words. A letter is fsynced before the
acknowledgement log marks its record ``D`` (no longer pending), so a crash between the two
leaves the record pending and a letter for it: recovery finishes the move. Recovery cuts an
incomplete entry at the end of the file (a dead-lettering that never returned); a record the
acknowledgement log marks ``D`` without a letter is damage (:class:`SpoolCorrupt`). When
removed letters hold more than half the file, it is rewritten (through ``dead.log.tmp`` and a
rename) with the live letters and an ``X`` entry per removed id. :class:`DeadLetterLog` does
no locking; the spool calls it with its lock held.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from typing import Final, NamedTuple

from ..errors import SpoolCorrupt, SpoolError
from ._spool_format import fsync_dir, is_zero, pread_all, pwrite_all, replace_file

__all__ = ["DEAD_MAGIC", "DEAD_NAME", "DeadLetter", "DeadLetterLog"]

DEAD_MAGIC: Final = b"LISPDLQ1"
"""The first 8 bytes of the dead-letter file."""
DEAD_NAME: Final = "dead.log"
"""The dead-letter file of a spool directory."""
DEAD_TMP_NAME: Final = "dead.log.tmp"

_HEAD: Final = struct.Struct(">4scxQdBxHIHII")
_CRC: Final = struct.Struct(">I")
_MAGIC: Final = b"LIdl"
_LETTER: Final = b"L"
_REMOVED: Final = b"X"
_OVERHEAD: Final = _HEAD.size + _CRC.size
MAX_REASON: Final = 0xFFFF
"""The longest reason, in UTF-8 bytes (longer ones are cut)."""
MAX_PEER_SAID: Final = 1 << 20
"""The longest record of the peer's last words kept, in UTF-8 bytes (longer ones are cut)."""


class DeadLetter(NamedTuple):
    """A record taken out of delivery (:meth:`Spool.dead_letter`), kept in the spool's
    dead-letter area until it is requeued (:meth:`Spool.requeue`)."""

    record_id: int
    """The id the record had in the spool."""
    kind: str
    """The record's kind (``"IRI"``, ``"CC"``, ...), as appended."""
    key: bytes
    """The record's key (e.g. the LIID), as appended."""
    payload: bytes
    """The record itself (the encoded PDU)."""
    reason: str
    """Why it was taken out of delivery."""
    peer_said: str
    """What the peer said last (an alert, a close reason), ``""`` if nothing."""
    time: float
    """When, in seconds since the epoch."""


def _utf8(text: str, limit: int) -> bytes:
    raw = text.encode("utf-8")
    return raw if len(raw) <= limit else raw[:limit].decode("utf-8", "ignore").encode("utf-8")


def _encode(kind: bytes, letter: DeadLetter) -> bytes:
    kind_raw = letter.kind.encode("utf-8")
    reason = _utf8(letter.reason, MAX_REASON)
    peer = _utf8(letter.peer_said, MAX_PEER_SAID)
    body = kind_raw + letter.key + letter.payload + reason + peer
    head = _HEAD.pack(_MAGIC, kind, letter.record_id, letter.time, len(kind_raw), len(letter.key),
                      len(letter.payload), len(reason), len(peer), zlib.crc32(body))
    return head + _CRC.pack(zlib.crc32(head)) + body


def _removal(record_id: int) -> bytes:
    return _encode(_REMOVED, DeadLetter(record_id, "", b"", b"", "", "", 0.0))


class DeadLetterLog:
    """The dead letters of the spool in ``directory``: the live ones in memory, by record id,
    and ``dead.log`` on disk. ``sync_enabled``: whether writes are fsynced."""

    def __init__(self, directory: str, *, sync_enabled: bool) -> None:
        self.directory = directory
        self.sync_enabled = sync_enabled
        self.path = os.path.join(directory, DEAD_NAME)
        self.letters: dict[int, DeadLetter] = {}
        self.removed: set[int] = set()
        self.fd = -1
        self.size = 0
        self._removed_bytes = 0

    def open(self) -> None:
        """Open (or create) the file and read it (an incomplete last entry is cut off)."""
        tmp = os.path.join(self.directory, DEAD_TMP_NAME)
        if os.path.exists(tmp):
            os.unlink(tmp)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self.fd = fd
        data = pread_all(fd, os.fstat(fd).st_size, 0)
        if len(data) < len(DEAD_MAGIC):
            if not DEAD_MAGIC.startswith(data):
                raise SpoolCorrupt("dead-letter file header is incomplete", self.path, 0)
            os.ftruncate(fd, 0)
            pwrite_all(fd, DEAD_MAGIC, 0)
            self._sync(new=True)
            self.size = len(DEAD_MAGIC)
            return
        if data[: len(DEAD_MAGIC)] != DEAD_MAGIC:
            raise SpoolCorrupt("not a spool dead-letter file (bad magic)", self.path, 0)
        offset = len(DEAD_MAGIC)
        view = memoryview(data)
        while offset < len(data):
            end, problem = self._read_entry(view, offset)
            if problem:
                torn = problem == "incomplete" or is_zero(data, offset) or (
                    problem == "body" and end == len(data))
                if not torn:
                    raise SpoolCorrupt(f"dead-letter entry: {problem}", self.path, offset)
                os.ftruncate(fd, offset)  # a dead-lettering that never returned
                self._sync()
                break
            offset = end
        self.size = offset

    def _read_entry(self, view: memoryview, offset: int) -> tuple[int, str]:
        if len(view) - offset < _OVERHEAD:
            return len(view), "incomplete"
        fields = _HEAD.unpack_from(view, offset)
        magic, kind, record_id, when, kind_len, key_len, length, reason_len, peer_len, crc = fields
        (head_crc,) = _CRC.unpack_from(view, offset + _HEAD.size)
        if magic != _MAGIC or zlib.crc32(view[offset : offset + _HEAD.size]) != head_crc:
            return -1, "bad entry header"
        start = offset + _OVERHEAD
        end = start + kind_len + key_len + length + reason_len + peer_len
        if end > len(view):
            return end, "incomplete"
        if zlib.crc32(view[start:end]) != crc:
            return end, "body"
        if kind == _REMOVED:
            self.letters.pop(record_id, None)
            self.removed.add(record_id)
            return end, ""
        if kind != _LETTER:
            return -1, f"unknown entry type {kind!r}"
        raw = bytes(view[start:end])
        at = 0
        parts = []
        for size in (kind_len, key_len, length, reason_len, peer_len):
            parts.append(raw[at : at + size])
            at += size
        try:
            texts = [parts[0].decode("utf-8"), parts[3].decode("utf-8"), parts[4].decode("utf-8")]
        except UnicodeDecodeError:
            return -1, "text is not UTF-8"
        self.letters[record_id] = DeadLetter(record_id, texts[0], parts[1], parts[2], texts[1],
                                             texts[2], when)
        self.removed.discard(record_id)
        return end, ""

    def _sync(self, *, new: bool = False) -> None:
        if self.sync_enabled:
            try:
                os.fsync(self.fd)
                if new:
                    fsync_dir(self.directory)
            except OSError as exc:
                raise SpoolError(f"cannot sync {self.path}: {exc}") from exc

    def _append(self, data: bytes) -> None:
        offset = self.size
        try:
            pwrite_all(self.fd, data, offset)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, offset)
            raise SpoolError(f"cannot write {self.path}: {exc}") from exc
        self.size += len(data)
        self._sync()

    def add(self, letter: DeadLetter) -> None:
        """Write a letter and make it durable (under the spool's fsync policy)."""
        self._append(_encode(_LETTER, letter))
        self.letters[letter.record_id] = letter
        self.removed.discard(letter.record_id)

    def remove(self, record_ids: list[int]) -> None:
        """Remove letters (requeued), durably; rewrite the file when mostly removed."""
        if not record_ids:
            return
        self._append(b"".join(_removal(i) for i in record_ids))
        for record_id in record_ids:
            letter = self.letters.pop(record_id)
            self.removed.add(record_id)
            self._removed_bytes += len(letter.payload) + _OVERHEAD
        if 2 * self._removed_bytes > self.size:
            self._rewrite()

    def _rewrite(self) -> None:
        data = b"".join([DEAD_MAGIC, *(_removal(i) for i in sorted(self.removed)),
                         *(_encode(_LETTER, self.letters[i]) for i in sorted(self.letters))])
        fd = replace_file(self.directory, DEAD_TMP_NAME, self.path, data, self.sync_enabled)
        os.close(self.fd)
        self.fd = fd
        self.size = len(data)
        self._removed_bytes = 0

    def known(self, record_id: int) -> bool:
        """Whether ``record_id`` is a dead letter, or was one and was requeued."""
        return record_id in self.letters or record_id in self.removed

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
