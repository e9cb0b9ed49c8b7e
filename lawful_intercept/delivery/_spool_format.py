"""The spool's on-disk format: file names, record and acknowledgement encodings, their checks.

Everything here is about bytes on disk, not about the queue (see docs/spool.md, "On-disk
format"). All integers are big-endian:

* ``LOCK``: the owner's process id as text, under an exclusive ``flock``;
* ``<first id, 20 digits>.seg``: a segment file, the header ``LISPSEG1`` then records, each:
  magic ``LIsr`` (4), payload length (u32), record id (u64), kind length (u8), a zero byte,
  key length (u16), CRC-32 of kind + key + payload (u32), CRC-32 of the 24 header bytes
  before it (u32), then kind (UTF-8), key and payload;
* ``acks.log``: the header ``LISPACK2`` (format version 2; ``LISPACK1``, version 1, is read
  and rewritten as version 2) then 24-byte entries: type (``T``: every id up to ``last``
  acknowledged; ``R``: ids ``first..last`` acknowledged; ``D``: ids ``first..last`` moved to
  the dead letters; ``H``: every id up to ``last`` was covered by a commit, the high-water
  mark), three zero bytes, first (u64), last (u64), CRC-32 of the 20 bytes before it (u32);
  rewritten through ``acks.log.tmp``;
* ``dead.log``: the dead letters (see ``_spool_dead``).

The helpers that write (``pwrite_all``, ``pwritev_parts``) finish short writes; the ones that
check (``check_record``, ``parse_ack_entry``) say what is wrong without raising, so that the
caller decides between a torn write and damage.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Iterable
from typing import Final, NamedTuple, TypeAlias

__all__ = [
    "ACKLOG_MAGIC",
    "ACKLOG_MAGIC_V1",
    "ACK_DEAD",
    "ACK_ENTRY",
    "ACK_HIGH",
    "ACK_NAME",
    "ACK_RANGE",
    "ACK_THROUGH",
    "ACK_TMP_NAME",
    "HEAD",
    "HEAD_CRC",
    "LOCK_NAME",
    "MAX_PAYLOAD",
    "RECORD_MAGIC",
    "RECORD_OVERHEAD",
    "SEGMENT_MAGIC",
    "SEGMENT_NAME",
    "SEGMENT_OVERHEAD",
    "Meta",
    "SpoolEntry",
    "ack_entry",
    "check_record",
    "encode_metadata",
    "fsync_dir",
    "is_zero",
    "new_entry",
    "parse_ack_entry",
    "per_record",
    "pread_all",
    "pwrite_all",
    "pwritev_parts",
    "record_header",
    "replace_file",
    "runs",
    "segment_name",
]

SEGMENT_MAGIC: Final = b"LISPSEG1"
"""The first 8 bytes of a segment file."""
ACKLOG_MAGIC: Final = b"LISPACK2"
"""The first 8 bytes of the acknowledgement log (format version 2)."""
ACKLOG_MAGIC_V1: Final = b"LISPACK1"
"""The first 8 bytes of a version 1 acknowledgement log (no high-water mark, no dead letters)."""
RECORD_MAGIC: Final = b"LIsr"
"""The first 4 bytes of a record."""
HEAD: Final = struct.Struct(">4sIQBxHI")
"""A record header: magic, payload length, id, kind length, key length, body CRC-32."""
HEAD_CRC: Final = struct.Struct(">4sIQBxHII")
""":data:`HEAD` followed by the CRC-32 of the header itself."""
ACK_ENTRY: Final = struct.Struct(">cxxxQQI")
"""An acknowledgement log entry: type, first, last, CRC-32."""
ACK_THROUGH: Final = b"T"
"""Entry type: every id up to ``last`` is acknowledged."""
ACK_RANGE: Final = b"R"
"""Entry type: the ids ``first..last`` are acknowledged."""
ACK_DEAD: Final = b"D"
"""Entry type: the ids ``first..last`` were moved to the dead letters (no longer pending)."""
ACK_HIGH: Final = b"H"
"""Entry type: every id up to ``last`` was covered by a commit (fsync): the high-water mark."""

SEGMENT_OVERHEAD: Final = len(SEGMENT_MAGIC)
"""Bytes a segment file takes before its first record."""
RECORD_OVERHEAD: Final = HEAD_CRC.size
"""Bytes a record takes in a segment file besides its kind, key and payload (28)."""

MAX_KIND: Final = 0xFF
"""The longest kind, in UTF-8 bytes."""
MAX_KEY: Final = 0xFFFF
"""The longest key, in bytes."""
MAX_PAYLOAD: Final = 0xFFFFFFFF
"""The largest payload a record header can describe."""

SEGMENT_NAME: Final = re.compile(r"^(\d{20})\.seg$")
"""The name of a segment file; the group is its first record id."""
LOCK_NAME: Final = "LOCK"
"""The lock file (its ``flock`` marks the owner; it holds the owner's process id)."""
ACK_NAME: Final = "acks.log"
"""The acknowledgement log."""
ACK_TMP_NAME: Final = "acks.log.tmp"
"""The acknowledgement log being compacted, renamed over :data:`ACK_NAME` when complete."""
IOV_MAX: Final = 1024
"""Buffers per ``pwritev`` call (the POSIX minimum of ``IOV_MAX``)."""

_U32: Final = struct.Struct(">I")

Meta: TypeAlias = tuple[str, bytes, bytes, int, int]
"""A record's metadata: kind, key, kind (UTF-8) + key, length of the kind in UTF-8, of the key."""


class SpoolEntry(NamedTuple):
    """One queued record with its metadata, as given to ``Spool.append``."""

    id: int
    data: bytes
    kind: str
    key: bytes


new_entry: Final = tuple.__new__
"""``new_entry(SpoolEntry, (id, data, kind, key))``: a :class:`SpoolEntry` without the keyword
handling of its constructor (a hot path)."""


def segment_name(first_id: int) -> str:
    """The file name of the segment whose first record is ``first_id``."""
    return f"{first_id:020d}.seg"


def pread_all(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` (fewer at the end of the file), however many reads it takes."""
    parts: list[bytes] = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 30), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def pwrite_all(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset``."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def pwritev_parts(fd: int, parts: list[bytes], offset: int) -> None:
    """Write ``parts`` one after the other at ``offset`` without joining them (``pwritev``,
    :data:`IOV_MAX` buffers per system call)."""
    for start in range(0, len(parts), IOV_MAX):
        chunk = parts[start : start + IOV_MAX]
        total = sum(map(len, chunk))
        written = os.pwritev(fd, chunk, offset)
        if written < total:  # a short write: finish it the slow way
            pwrite_all(fd, b"".join(chunk)[written:], offset + written)
        offset += total


def fsync_dir(path: str) -> None:
    """Make the entries of directory ``path`` (created, renamed, removed files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(directory: str, tmp_name: str, path: str, data: bytes, sync: bool) -> int:
    """Replace the file at ``path`` by ``data``, written to ``tmp_name`` in ``directory`` and
    renamed (a crash leaves the old file or the new one); the new file's descriptor, open for
    reading and writing. ``sync`` makes the data and the rename durable."""
    tmp = os.path.join(directory, tmp_name)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        pwrite_all(fd, data, 0)
        if sync:
            os.fsync(fd)
        os.replace(tmp, path)
        if sync:
            fsync_dir(directory)
    except BaseException:
        os.close(fd)
        raise
    return fd


def is_zero(data: bytes, start: int) -> bool:
    """Whether ``data`` holds only zero bytes from ``start`` on (a tail a power loss left)."""
    return data.count(0, start) == len(data) - start


def record_header(record_id: int, length: int, kind: int, key: int, body_crc: int) -> bytes:
    """The :data:`RECORD_OVERHEAD` header bytes of a record (its own CRC-32 included)."""
    head = HEAD.pack(RECORD_MAGIC, length, record_id, kind, key, body_crc)
    return head + _U32.pack(zlib.crc32(head))


def check_record(view: memoryview, offset: int, expected_id: int) -> tuple[int, str, str]:
    """Check the record at ``offset`` of a segment's bytes.

    Returns ``(end offset, problem, flaw)``: ``flaw`` is ``""`` for a sound record,
    ``"incomplete"`` for one cut off by the end of the data, ``"body"`` for a body checksum
    mismatch (``end`` is then trusted: the header checksum matched) and ``"damaged"``
    otherwise.
    """
    size = len(view)
    if size - offset < RECORD_OVERHEAD:
        return size, "incomplete record header", "incomplete"
    magic, length, record_id, kind_len, key_len, body_crc = HEAD.unpack_from(view, offset)
    if magic != RECORD_MAGIC:
        return -1, "bad record magic", "damaged"
    (head_crc,) = _U32.unpack_from(view, offset + HEAD.size)
    if zlib.crc32(view[offset : offset + HEAD.size]) != head_crc:
        return -1, "record header checksum mismatch", "damaged"
    start = offset + RECORD_OVERHEAD
    end = start + kind_len + key_len + length
    if end > size:
        problem = f"record {record_id} is incomplete ({size - offset} of {end - offset} bytes)"
        return end, problem, "incomplete"
    if zlib.crc32(view[start:end]) != body_crc:
        return end, f"record {record_id}: checksum mismatch", "body"
    if record_id != expected_id:
        return end, f"record id {record_id} where id {expected_id} was expected", "damaged"
    return end, "", ""


def encode_metadata(kind: object, key: object, where: str) -> Meta:
    """Check and encode a record's ``kind`` and ``key``; ``where`` names them in errors."""
    if not isinstance(kind, str):
        raise TypeError(f"{where}kind must be str, not {type(kind).__name__}")
    kind_bytes = kind.encode("utf-8")
    if len(kind_bytes) > MAX_KIND:
        raise ValueError(
            f"{where}kind is {len(kind_bytes)} bytes in UTF-8, at most {MAX_KIND}"
        )
    if isinstance(key, str):
        key_bytes = key.encode("utf-8")
    elif isinstance(key, bytes | bytearray | memoryview):
        key_bytes = bytes(key)
    else:
        raise TypeError(f"{where}key must be bytes or str, not {type(key).__name__}")
    if len(key_bytes) > MAX_KEY:
        raise ValueError(f"{where}key is {len(key_bytes)} bytes, at most {MAX_KEY}")
    return kind, key_bytes, kind_bytes + key_bytes, len(kind_bytes), len(key_bytes)


def per_record(value: object, count: int, name: str, single: tuple[type, ...]) -> list[object]:
    """``value`` for each of ``count`` records: repeated if it is one value (of a ``single``
    type), else the items of an iterable that must have ``count`` of them."""
    if isinstance(value, single):
        return [value] * count
    if not isinstance(value, Iterable):
        raise TypeError(f"{name} must be one value or an iterable, not {type(value).__name__}")
    values = list(value)
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} items for {count} records")
    return values


def ack_entry(kind: bytes, first: int, last: int) -> bytes:
    """One acknowledgement log entry (:data:`ACK_THROUGH`, :data:`ACK_RANGE`, :data:`ACK_DEAD`
    or :data:`ACK_HIGH`)."""
    body = ACK_ENTRY.pack(kind, first, last, 0)[:-4]
    return body + _U32.pack(zlib.crc32(body))


def parse_ack_entry(data: bytes, offset: int) -> tuple[bytes, int, int, str | None]:
    """The entry at ``offset`` of the acknowledgement log's bytes: ``(type, first, last,
    problem)``, ``problem`` ``None`` for a sound entry."""
    if len(data) - offset < ACK_ENTRY.size:
        return b"", 0, 0, "incomplete entry"
    kind, first, last, crc = ACK_ENTRY.unpack_from(data, offset)
    if zlib.crc32(data[offset : offset + ACK_ENTRY.size - 4]) != crc:
        return kind, first, last, "entry checksum mismatch"
    if kind not in (ACK_THROUGH, ACK_RANGE, ACK_DEAD, ACK_HIGH) or first > last:
        return kind, first, last, "invalid entry"
    return kind, first, last, None


def runs(ids: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs ``(first, last)`` of sorted distinct ``ids``."""
    found: list[tuple[int, int]] = []
    for i in ids:
        if found and found[-1][1] + 1 == i:
            found[-1] = (found[-1][0], i)
        else:
            found.append((i, i))
    return found
