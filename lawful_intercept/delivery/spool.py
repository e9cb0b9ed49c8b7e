"""Durable on-disk queue of encoded records waiting for delivery (the delivery spool).

A mediation function must not lose a record it has accepted, even when the link to the
agency (LEMF) is down or the process is killed. :class:`Spool` is the queue between the
record builders and the transports: ``append`` puts an encoded PDU on disk and returns its
record id (``append_many`` a batch of them, with one write and one fsync); a transport
takes what to send with :meth:`Spool.take_unsent` (or reads :meth:`Spool.unsent` and marks
what it sends with :meth:`Spool.mark_sent`; it waits for more with
:meth:`Spool.wait_unsent`), and acknowledges what the agency confirmed with
:meth:`Spool.ack` or :meth:`Spool.ack_through`. After a reconnect, :meth:`Spool.rewind` makes
the transport start again from the oldest unacknowledged record (:meth:`Spool.mark_unsent`
does it for chosen records).

Guarantees (with the default ``fsync="always"``, and for ``fsync=<ms>``):

* A record for which ``append`` (or ``append_many``) returned is on stable storage (written
  and fsynced, and so is the directory entry of its segment file). It stays pending, with
  the same id and the same bytes, until it is acknowledged, across crashes of the process or
  the machine.
* A record for which ``append`` did not return (killed, or an error was raised) may or may
  not be present after a crash: delivery is at least once, never at most once. A batch
  whose ``append_many`` raised was not accepted, none of it; one killed during the call may
  leave a prefix of its records.
* Record ids are positive, strictly increasing, and never reused for an accepted record,
  also across restarts.
* The spool is bounded (``max_bytes``, ``max_records``): a full spool raises
  :class:`SpoolFull` or blocks, it never drops a record.
* A damaged record (checksum mismatch) that cannot be the torn end of an interrupted write
  raises :class:`SpoolCorrupt` naming the file and the offset; it is never skipped.

``fsync="never"`` keeps the format and the checks but never calls fsync (unless
:meth:`Spool.sync` is called): the records survive a killed process (they are in the kernel's
page cache) but not a power loss or a kernel crash. It is meant for tests and for spools on a
RAM disk.

On-disk format (all integers big-endian), in the spool directory:

* ``LOCK``: an exclusive ``flock`` held while a :class:`Spool` has the directory open; it holds
  the owner's process id as text, for the error message of a second opener.
* ``<first id, 20 digits>.seg``: segment files, append-only. An 8-byte header ``LISPSEG1``
  then records, each: magic ``LIsr`` (4), payload length (u32), record id (u64), kind length
  (u8), a zero byte, key length (u16), CRC-32 of kind + key + payload (u32), CRC-32 of the 24
  header bytes before it (u32), then kind (UTF-8), key and payload. The ids in a segment are
  consecutive, starting at the id in the file name. A new segment is started when the current
  one would exceed ``segment_bytes``; a segment all of whose records are acknowledged is
  deleted.
* ``acks.log``: the acknowledgements. An 8-byte header ``LISPACK1`` then 24-byte entries: type
  (``T``: every id up to ``last`` acknowledged; ``R``: ids ``first..last`` acknowledged), three
  zero bytes, first (u64), last (u64), CRC-32 of the 20 bytes before it (u32). It is rewritten
  (to ``acks.log.tmp``, then renamed) when it grows large.

Recovery on open: the segments are read in order and every record is checked (header and
body checksums, id). An incomplete record at the end of the last segment (a write interrupted
by a crash), or a damaged record that ends exactly at the end of the last segment, or a
zero-filled tail, is a torn write of a record that was never accepted: it is cut off. Any other
damage raises :class:`SpoolCorrupt`. Acknowledgements are then replayed from ``acks.log``
(a torn last entry is cut off: an acknowledgement lost that way only means one more delivery).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import operator
import os
import re
import struct
import threading
import time
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, NoReturn, TypeAlias

from ..errors import SpoolClosed, SpoolCorrupt, SpoolError, SpoolFull, SpoolLocked

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_SEGMENT_BYTES",
    "RECORD_OVERHEAD",
    "SEGMENT_OVERHEAD",
    "Spool",
    "SpoolClosed",
    "SpoolCorrupt",
    "SpoolEntry",
    "SpoolError",
    "SpoolFull",
    "SpoolLocked",
    "SpoolStats",
]

FsyncPolicy: TypeAlias = Literal["always", "never"] | float
"""``"always"``, ``"never"``, or a group-commit interval in milliseconds (``int``/``float``)."""

DEFAULT_MAX_BYTES: Final = 1 << 30
"""Default bound on the size of the segment files: 1 GiB."""

DEFAULT_SEGMENT_BYTES: Final = 16 << 20
"""Default size at which a new segment file is started: 16 MiB (less for a small spool)."""

DEFAULT_CACHE_BYTES: Final = 32 << 20
"""Default bound on the in-memory copies of appended records not yet sent: 32 MiB."""

_SEGMENT_MAGIC: Final = b"LISPSEG1"
_ACKLOG_MAGIC: Final = b"LISPACK1"
_RECORD_MAGIC: Final = b"LIsr"
_HEAD: Final = struct.Struct(">4sIQBxHI")  # magic, payload len, id, kind len, key len, body crc
_HEAD_CRC: Final = struct.Struct(">4sIQBxHII")  # the same, then the header's own crc
_U32: Final = struct.Struct(">I")
_ACK: Final = struct.Struct(">cxxxQQI")  # type, first, last, crc
_ACK_THROUGH: Final = b"T"
_ACK_RANGE: Final = b"R"

SEGMENT_OVERHEAD: Final = len(_SEGMENT_MAGIC)
"""Bytes a segment file takes before its first record."""

RECORD_OVERHEAD: Final = _HEAD.size + _U32.size
"""Bytes a record takes in a segment file besides its kind, key and payload (28)."""

_MAX_KIND: Final = 0xFF
_MAX_KEY: Final = 0xFFFF
_MAX_PAYLOAD: Final = 0xFFFFFFFF
_ACK_COMPACT_BYTES: Final = 64 << 10
_SEGMENT_NAME: Final = re.compile(r"^(\d{20})\.seg$")
_LOCK_NAME: Final = "LOCK"
_ACK_NAME: Final = "acks.log"
_ACK_TMP_NAME: Final = "acks.log.tmp"
_BATCH_RECORDS: Final = 256
_BATCH_BYTES: Final = 1 << 20
_IOV_MAX: Final = 1024  # buffers per pwritev call (the POSIX minimum of IOV_MAX)

_Meta: TypeAlias = tuple[str, bytes, bytes, int, int]
"""A record's metadata: kind, key, kind (UTF-8) + key, length of the kind in UTF-8, of the key."""


class SpoolEntry(NamedTuple):
    """One queued record with its metadata, as given to :meth:`Spool.append`."""

    id: int
    data: bytes
    kind: str
    key: bytes


_entry: Final = tuple.__new__  # SpoolEntry without the keyword handling (a hot path)


@dataclass(frozen=True, slots=True)
class SpoolStats:
    """Counters of a spool (:meth:`Spool.stats`)."""

    queued: int
    """Records appended and not acknowledged (pending)."""
    queued_bytes: int
    """Bytes the pending records take in the segment files (headers included)."""
    sent: int
    """Pending records marked sent (see :meth:`Spool.mark_sent`)."""
    appended: int
    """Records appended since this :class:`Spool` was opened."""
    acknowledged: int
    """Records acknowledged since this :class:`Spool` was opened."""
    bytes_on_disk: int
    """Size of the segment files and the acknowledgement log."""
    segments: int
    """Number of segment files."""
    next_id: int
    """The id the next appended record will get."""


class _Segment:
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
    def count(self) -> int:
        return len(self.offsets)

    @property
    def end_id(self) -> int:
        """One past the id of the last record."""
        return self.first_id + len(self.offsets)

    def end(self, index: int) -> int:
        """File offset just past record ``index``."""
        return self.offsets[index + 1] if index + 1 < len(self.offsets) else self.size

    def fully_acked(self) -> bool:
        return self.acked_count == len(self.offsets)


@dataclass(slots=True)
class _FlushPlan:
    fds: list[int]
    target_id: int
    ack_gen: int


def _pread_all(fd: int, size: int, offset: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 30), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_zero(data: bytes, start: int) -> bool:
    return data.count(0, start) == len(data) - start


def _record_header(record_id: int, length: int, kind: int, key: int, body_crc: int) -> bytes:
    head = _HEAD.pack(_RECORD_MAGIC, length, record_id, kind, key, body_crc)
    return head + _U32.pack(zlib.crc32(head))


def _pwritev_parts(fd: int, parts: list[bytes], offset: int) -> None:
    """Write ``parts`` one after the other at ``offset`` without joining them (``pwritev``,
    ``_IOV_MAX`` buffers per system call)."""
    for start in range(0, len(parts), _IOV_MAX):
        chunk = parts[start : start + _IOV_MAX]
        total = sum(map(len, chunk))
        written = os.pwritev(fd, chunk, offset)
        if written < total:  # a short write: finish it the slow way
            _pwrite_all(fd, b"".join(chunk)[written:], offset + written)
        offset += total


def _metadata(kind: object, key: object, where: str) -> _Meta:
    """Check and encode a record's ``kind`` and ``key``; ``where`` names them in errors."""
    if not isinstance(kind, str):
        raise TypeError(f"{where}kind must be str, not {type(kind).__name__}")
    kind_bytes = kind.encode("utf-8")
    if len(kind_bytes) > _MAX_KIND:
        raise ValueError(
            f"{where}kind is {len(kind_bytes)} bytes in UTF-8, at most {_MAX_KIND}"
        )
    if isinstance(key, str):
        key_bytes = key.encode("utf-8")
    elif isinstance(key, bytes | bytearray | memoryview):
        key_bytes = bytes(key)
    else:
        raise TypeError(f"{where}key must be bytes or str, not {type(key).__name__}")
    if len(key_bytes) > _MAX_KEY:
        raise ValueError(f"{where}key is {len(key_bytes)} bytes, at most {_MAX_KEY}")
    return kind, key_bytes, kind_bytes + key_bytes, len(kind_bytes), len(key_bytes)


def _per_record(value: object, count: int, name: str, single: tuple[type, ...]) -> list[object]:
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


def _ack_entry(kind: bytes, first: int, last: int) -> bytes:
    body = _ACK.pack(kind, first, last, 0)[:-4]
    return body + _U32.pack(zlib.crc32(body))


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs ``(first, last)`` of sorted distinct ``ids``."""
    runs: list[tuple[int, int]] = []
    for i in ids:
        if runs and runs[-1][1] + 1 == i:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class Spool:
    """A durable, bounded, crash-safe queue of records (bytes) in a directory.

    ``directory`` is created if needed; one process (one :class:`Spool` object) owns it at a
    time, a second opener gets :class:`SpoolLocked`. Opening a directory that holds a spool
    recovers it: every record appended and not acknowledged is pending again, in order.

    ``max_bytes`` bounds the size of the segment files and ``max_records`` (``None``: no
    bound) the number of pending records; when an append would exceed either,
    ``when_full="raise"`` raises :class:`SpoolFull` and stores nothing, ``when_full="block"``
    waits until acknowledgements free space (at most ``block_timeout`` seconds, ``None``:
    forever; then :class:`SpoolFull`). Space held by acknowledged records is freed a segment
    at a time, so keep ``segment_bytes`` well below ``max_bytes`` (the default is 16 MiB, at
    most a quarter of ``max_bytes``).

    ``fsync``: ``"always"`` (default) syncs every append before it returns (concurrent
    appends share one fsync); a number is a group-commit interval in milliseconds: a
    background thread syncs every interval and ``append`` returns once a sync covers its
    record, so an accepted record is still durable; ``"never"`` never syncs (only
    :meth:`sync` does): not crash-safe against power loss, see the module documentation.
    Acknowledgements are synced with the same policy (but :meth:`ack` does not wait for the
    group commit: a lost acknowledgement only means a record is delivered once more).

    ``cache_bytes`` bounds the copies of just appended records the spool keeps in memory
    until they are sent (:meth:`take_unsent`, :meth:`mark_sent`) or acknowledged, so that a
    transport that keeps up does not read them back from disk (0: none).

    All methods are thread-safe. Use the spool as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_records: int | None = None,
        fsync: FsyncPolicy = "always",
        when_full: Literal["block", "raise"] = "raise",
        segment_bytes: int | None = None,
        block_timeout: float | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be an int, not {type(max_bytes).__name__}")
        minimum = SEGMENT_OVERHEAD + RECORD_OVERHEAD + 1
        if max_bytes < minimum:
            raise ValueError(f"max_bytes must be at least {minimum}, not {max_bytes}")
        if max_records is not None and (
            isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1
        ):
            raise ValueError(f"max_records must be a positive int or None, not {max_records!r}")
        if segment_bytes is None:
            segment_bytes = min(DEFAULT_SEGMENT_BYTES, max(max_bytes // 4, minimum))
        elif isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int):
            raise TypeError("segment_bytes must be an int")
        elif not minimum <= segment_bytes <= max_bytes:
            raise ValueError(
                f"segment_bytes must be between {minimum} and max_bytes ({max_bytes}), "
                f"not {segment_bytes}"
            )
        interval: float | None = None
        if fsync not in ("always", "never"):
            if isinstance(fsync, bool) or not isinstance(fsync, int | float) or not fsync > 0:
                raise ValueError(
                    f"fsync must be 'always', 'never' or an interval in ms > 0, not {fsync!r}"
                )
            interval = float(fsync) / 1000.0
        if when_full not in ("block", "raise"):
            raise ValueError(f"when_full must be 'block' or 'raise', not {when_full!r}")
        if block_timeout is not None and block_timeout < 0:
            raise ValueError("block_timeout must be >= 0 or None")
        if isinstance(cache_bytes, bool) or not isinstance(cache_bytes, int) or cache_bytes < 0:
            raise ValueError(f"cache_bytes must be an int >= 0, not {cache_bytes!r}")

        self._directory = os.fspath(directory)
        self._max_bytes = max_bytes
        self._max_records = max_records
        self._segment_bytes = segment_bytes
        self._policy: FsyncPolicy = fsync
        self._sync_enabled = fsync != "never"
        self._interval = interval
        self._when_full = when_full
        self._block_timeout = block_timeout
        self._cache_limit = cache_bytes

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._segments: list[_Segment] = []
        self._firsts: list[int] = []
        self._dirty: set[_Segment] = set()
        self._sent: set[int] = set()
        self._unsent_from = 0  # every pending record with a lower id is marked sent
        self._cache: dict[int, SpoolEntry] = {}  # appended, not yet sent or acknowledged
        self._cache_bytes = 0
        self._next_id = 1
        self._synced_id = 0
        self._disk_bytes = 0  # segment files only
        self._queued = 0
        self._queued_bytes = 0
        self._appended = 0
        self._acknowledged = 0
        self._ack_fd = -1
        self._ack_size = 0
        self._ack_gen = 0
        self._ack_synced_gen = 0
        self._ack_compact_at = _ACK_COMPACT_BYTES
        self._flushing = False
        self._closing = False
        self._closed = False
        self._failed: str | None = None
        self._lock_fd = -1
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

        os.makedirs(self._directory, exist_ok=True)
        self._acquire_lock()
        try:
            with self._lock:
                self._recover()
        except BaseException:
            self._release_files()
            raise
        if interval is not None:
            self._flusher = threading.Thread(
                target=self._flush_loop, name=f"spool-flusher:{self._directory}", daemon=True
            )
            self._flusher.start()

    # -----------------------------------------------------------------------------------------
    # public API
    # -----------------------------------------------------------------------------------------

    @property
    def directory(self) -> str:
        """The spool directory."""
        return self._directory

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closing

    def append(
        self,
        record: bytes | bytearray | memoryview,
        *,
        kind: str = "",
        key: bytes | str = b"",
        timeout: float | None = None,
    ) -> int:
        """Store ``record`` durably and return its id.

        ``kind`` (at most 255 UTF-8 bytes, e.g. ``"IRI"``) and ``key`` (at most 65535 bytes,
        e.g. the LIID) are optional metadata kept with the record (see :meth:`entries`).
        When the spool is full, raises :class:`SpoolFull` (``when_full="raise"``) or waits
        for space (``when_full="block"``; ``timeout`` seconds overrides ``block_timeout``).
        When ``append`` returns, the record is on disk under the spool's fsync policy; when
        it raises, the record was not accepted (but after an I/O error it may still be
        delivered: at least once).
        """
        if not isinstance(record, bytes | bytearray | memoryview):
            raise TypeError(f"record must be bytes, not {type(record).__name__}")
        payload = bytes(record)
        meta = _metadata(kind, key, "")
        size = RECORD_OVERHEAD + len(meta[2]) + len(payload)
        self._check_fits([size], len(payload), "a record")
        crc = zlib.crc32(payload, zlib.crc32(meta[2]))
        return self._store([payload], [meta], [crc], [size], timeout)

    def append_many(
        self,
        records: Iterable[bytes | bytearray | memoryview],
        *,
        kinds: str | Iterable[str] = "",
        keys: bytes | str | Iterable[bytes | str] = b"",
        timeout: float | None = None,
    ) -> list[int]:
        """Store several records durably, all or nothing, and return their ids (consecutive,
        in the order given).

        The batch costs one write per segment file it touches and one fsync (under the
        ``"always"`` policy) instead of one per record. ``kinds`` and ``keys`` are one value
        for every record, or one per record (see :meth:`append`). The bounds apply to the
        whole batch: when it does not fit, :class:`SpoolFull` is raised (or the call waits,
        ``when_full="block"``) and nothing is stored; a batch that could never fit (more than
        ``max_records`` records, or more than ``max_bytes`` with its headers) raises
        ``ValueError``. When ``append_many`` returns, every record of the batch is on disk
        under the fsync policy; when it raises, none was accepted (after an I/O error some
        may still be delivered: at least once). A process killed during the call may leave
        a prefix of the batch in the spool, as for :meth:`append`. An empty batch returns
        ``[]``.
        """
        if isinstance(records, bytes | bytearray | memoryview | str):
            raise TypeError("records must be an iterable of records, not one record")
        payloads: list[bytes] = []
        for index, record in enumerate(records):
            if not isinstance(record, bytes | bytearray | memoryview):
                raise TypeError(f"records[{index}] must be bytes, not {type(record).__name__}")
            payloads.append(record if type(record) is bytes else bytes(record))
        count = len(payloads)
        if not count:
            return []
        crc32 = zlib.crc32
        if isinstance(kinds, str) and isinstance(keys, bytes | bytearray | memoryview | str):
            meta = _metadata(kinds, keys, "")  # the usual case: one kind and key for all
            metas = [meta] * count
            prefix_crc = crc32(meta[2])
            crcs = [crc32(p, prefix_crc) for p in payloads]
            extra = RECORD_OVERHEAD + len(meta[2])
            sizes = [extra + len(p) for p in payloads]
        else:
            kind_list = _per_record(kinds, count, "kinds", (str,))
            key_list = _per_record(keys, count, "keys", (bytes, bytearray, memoryview, str))
            metas = [
                _metadata(kind, key, f"records[{index}]: ")
                for index, (kind, key) in enumerate(zip(kind_list, key_list, strict=True))
            ]
            crcs = [crc32(p, crc32(m[2])) for p, m in zip(payloads, metas, strict=True)]
            sizes = [
                RECORD_OVERHEAD + len(m[2]) + len(p)
                for p, m in zip(payloads, metas, strict=True)
            ]
        self._check_fits(sizes, max(map(len, payloads)), f"a batch of {count} records")
        first = self._store(payloads, metas, crcs, sizes, timeout)
        return list(range(first, first + count))

    def pending(self) -> Iterator[tuple[int, bytes]]:
        """The records not acknowledged, as ``(id, bytes)``, oldest first.

        The records are read from disk in batches; a record acknowledged while the iteration
        runs may still be yielded if its batch was already read.
        """
        for entry in self._iterate(unsent_only=False):
            yield entry.id, entry.data

    def unsent(self) -> Iterator[tuple[int, bytes]]:
        """The pending records not marked sent (:meth:`mark_sent`), oldest first."""
        for entry in self._iterate(unsent_only=True):
            yield entry.id, entry.data

    def entries(self, *, unsent_only: bool = False) -> Iterator[SpoolEntry]:
        """Like :meth:`pending` (or :meth:`unsent`), with the ``kind`` and ``key`` metadata."""
        return self._iterate(unsent_only=unsent_only)

    def mark_sent(self, ids: int | Iterable[int]) -> None:
        """Mark pending records as sent: :meth:`unsent` no longer yields them.

        The marks are not persistent: after a reopen every pending record is unsent.
        Ids already acknowledged are ignored; an id never issued raises ``ValueError``.
        """
        wanted = self._ids_argument(ids)
        with self._lock:
            self._check_usable()
            self._check_issued(wanted)
            for record_id in wanted:
                if self._is_pending(record_id):
                    self._sent.add(record_id)
                    self._uncache(record_id)
            self._advance_unsent_from()

    def take_unsent(
        self, max_records: int = _BATCH_RECORDS, max_bytes: int = _BATCH_BYTES
    ) -> list[SpoolEntry]:
        """The oldest pending records not marked sent, now marked sent: what :meth:`unsent`
        would yield first, taken under one lock (for a transport's loop).

        At most ``max_records`` records, and no more once they reach ``max_bytes`` bytes in
        the segment files (headers included; at least one record when any is unsent). ``[]``
        when every pending record is marked sent. Records appended recently come from the
        in-memory copies (``cache_bytes``), the others from disk, checked as in
        :meth:`pending`.
        """
        if isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1:
            raise ValueError(f"max_records must be a positive int, not {max_records!r}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive int, not {max_bytes!r}")
        with self._lock:
            self._check_usable()
            batch = self._read_batch(0, True, max_records, max_bytes)
            ids = [entry.id for entry in batch]
            self._sent.update(ids)
            if self._cache:
                pop = self._cache.pop
                for record_id in ids:
                    entry = pop(record_id, None)
                    if entry is not None:
                        self._cache_bytes -= len(entry.data)
            self._unsent_from = ids[-1] + 1 if ids else self._next_id
            return batch

    def mark_unsent(self, ids: int | Iterable[int]) -> None:
        """Remove the sent mark of records (to send them again, e.g. after a session reported
        them as needing a resend). Ids not marked, or acknowledged, are ignored."""
        wanted = self._ids_argument(ids)
        with self._lock:
            self._check_usable()
            self._sent.difference_update(wanted)
            if wanted:
                self._unsent_from = min(self._unsent_from, min(wanted))
            self._cond.notify_all()

    def wait_unsent(self, timeout: float | None = None) -> bool:
        """Wait until a pending record is not marked sent; ``False`` after ``timeout`` seconds.

        For a transport's loop: send :meth:`unsent`, :meth:`mark_sent` them, wait here.
        Raises :class:`SpoolClosed` when the spool is closed meanwhile.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                self._check_usable()
                if self._queued > len(self._sent):
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)

    def rewind(self) -> None:
        """Clear every sent mark: :meth:`unsent` starts again from the oldest pending record.

        Call it when a transport reconnects and must resend what was not acknowledged.
        """
        with self._lock:
            self._check_usable()
            self._sent.clear()
            self._unsent_from = 0
            self._cond.notify_all()

    def ack(self, ids: int | Iterable[int]) -> int:
        """Acknowledge records (delivered): they are no longer pending.

        Returns how many records this call acknowledged (ids already acknowledged are
        ignored, so duplicate acknowledgements are harmless). An id never issued raises
        ``ValueError`` and acknowledges nothing. The acknowledgement is persisted in the
        acknowledgement log under the fsync policy; segment files whose records are all
        acknowledged are deleted.
        """
        wanted = sorted(set(self._ids_argument(ids)))
        with self._lock:
            self._check_usable()
            self._check_issued(wanted)
            fresh = [i for i in wanted if self._is_pending(i)]
            if not fresh:
                return 0
            entries = b"".join(_ack_entry(_ACK_RANGE, a, b) for a, b in _runs(fresh))
            self._write_acks(entries)
            for record_id in fresh:
                segment = self._segments[bisect_right(self._firsts, record_id) - 1]
                self._mark(segment, record_id - segment.first_id)
            self._acknowledged += len(fresh)
            self._after_ack()
            return len(fresh)

    def ack_through(self, record_id: int) -> int:
        """Acknowledge every record with an id up to ``record_id`` (included).

        Returns how many records this call acknowledged. See :meth:`ack`.
        """
        record_id = operator.index(record_id)
        with self._lock:
            self._check_usable()
            if record_id < 0 or record_id >= self._next_id:
                raise ValueError(
                    f"record id {record_id} was never issued (next id is {self._next_id})"
                )
            if not self._any_pending_through(record_id):
                return 0
            self._write_acks(_ack_entry(_ACK_THROUGH, 0, record_id))
            count = self._mark_through(record_id)
            self._acknowledged += count
            self._after_ack()
            return count

    def sync(self) -> None:
        """Make everything appended and acknowledged so far durable, whatever the policy."""
        with self._lock:
            self._check_usable()
            target, ack_gen = self._next_id - 1, self._ack_gen
        self._sync_through(target, ack_gen)

    def stats(self) -> SpoolStats:
        """Current counters: queued records and bytes, bytes on disk, segments, ..."""
        with self._lock:
            return SpoolStats(
                queued=self._queued,
                queued_bytes=self._queued_bytes,
                sent=len(self._sent),
                appended=self._appended,
                acknowledged=self._acknowledged,
                bytes_on_disk=self._disk_bytes + self._ack_size,
                segments=len(self._segments),
                next_id=self._next_id,
            )

    def close(self) -> None:
        """Sync everything (unless ``fsync="never"``), stop the group-commit thread and release
        the directory.

        Appends waiting for space raise :class:`SpoolClosed`. Closing twice is harmless.
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        try:
            if self._failed is None and self._sync_enabled:
                with self._lock:
                    target, ack_gen = self._next_id - 1, self._ack_gen
                self._sync_through(target, ack_gen, force=True)
        finally:
            with self._lock:
                self._closed = True
                self._release_files()
                self._cond.notify_all()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing else f"next_id={self._next_id}"
        return f"<Spool {self._directory!r} {state} fsync={self._policy!r}>"

    # -----------------------------------------------------------------------------------------
    # opening and recovery
    # -----------------------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return os.path.join(self._directory, name)

    def _acquire_lock(self) -> None:
        path = self._path(_LOCK_NAME)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = _pread_all(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise SpoolLocked(
                f"spool directory {self._directory} is in use "
                f"(locked by process {owner or 'unknown'} through {path})"
            ) from None
        _pwrite_all(fd, f"{os.getpid():<20}\n".encode("ascii"), 0)  # fixed width: no truncate
        self._lock_fd = fd

    def _release_files(self) -> None:
        for segment in self._segments:
            os.close(segment.fd)
        self._segments.clear()
        self._firsts.clear()
        self._dirty.clear()
        self._cache.clear()
        self._cache_bytes = 0
        if self._ack_fd >= 0:
            os.close(self._ack_fd)
            self._ack_fd = -1
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1

    def _recover(self) -> None:
        names = sorted(
            (int(match.group(1)), name)
            for name in os.listdir(self._directory)
            if (match := _SEGMENT_NAME.match(name))
        )
        tmp = self._path(_ACK_TMP_NAME)
        if os.path.exists(tmp):
            os.unlink(tmp)
        for index, (first_id, name) in enumerate(names):
            segment = self._load_segment(self._path(name), first_id, index == len(names) - 1)
            if self._segments and first_id < self._segments[-1].end_id:
                os.close(segment.fd)
                raise SpoolCorrupt(
                    f"segment starts at id {first_id} but the previous segment "
                    f"({self._segments[-1].path}) goes up to id {self._segments[-1].end_id - 1}",
                    segment.path,
                    0,
                )
            self._add_segment(segment)
            self._queued += segment.count
            self._queued_bytes += segment.size - SEGMENT_OVERHEAD
        highest_acked = self._load_acks()
        self._next_id = max(
            self._segments[-1].end_id if self._segments else 1, highest_acked + 1, 1
        )
        if not self._segments or self._segments[-1].end_id != self._next_id:
            # No segment yet, or acknowledgements of ids beyond the last durable record (a
            # machine crash between the two files): start a segment at the next id, so that
            # the ids of a segment stay consecutive and no id is issued twice.
            self._roll()
        self._reclaim(include_active=True)

    def _add_segment(self, segment: _Segment) -> None:
        self._segments.append(segment)
        self._firsts.append(segment.first_id)
        self._disk_bytes += segment.size

    def _load_segment(self, path: str, first_id: int, last: bool) -> _Segment:
        fd = os.open(path, os.O_RDWR)
        try:
            data = _pread_all(fd, os.fstat(fd).st_size, 0)
            size = len(data)
            if size < SEGMENT_OVERHEAD:
                if not (last and _SEGMENT_MAGIC.startswith(data)):
                    raise SpoolCorrupt("segment file header is incomplete", path, 0)
                # Created just before a crash: write the header again.
                os.ftruncate(fd, 0)
                _pwrite_all(fd, _SEGMENT_MAGIC, 0)
                if self._sync_enabled:
                    os.fsync(fd)
                return _Segment(path, fd, first_id, SEGMENT_OVERHEAD)
            if data[:SEGMENT_OVERHEAD] != _SEGMENT_MAGIC:
                raise SpoolCorrupt("not a spool segment file (bad magic)", path, 0)
            segment = _Segment(path, fd, first_id, size)
            view = memoryview(data)
            offset = SEGMENT_OVERHEAD
            while offset < size:
                end, problem, flaw = self._check_record(view, offset, segment.end_id)
                if flaw:
                    # A write interrupted by a crash leaves a record cut off by the end of the
                    # file, or (power loss) a tail of zeros or a body not yet written.
                    torn = last and (
                        flaw == "incomplete"
                        or _is_zero(data, offset)
                        or (flaw == "body" and end == size)
                    )
                    if not torn:
                        raise SpoolCorrupt(problem, path, offset)
                    os.ftruncate(fd, offset)
                    if self._sync_enabled:
                        os.fsync(fd)
                    segment.size = offset
                    break
                segment.offsets.append(offset)
                segment.acked.append(0)
                offset = end
            return segment
        except BaseException:
            os.close(fd)
            raise

    @staticmethod
    def _check_record(view: memoryview, offset: int, expected_id: int) -> tuple[int, str, str]:
        """Check the record at ``offset`` of a segment's bytes.

        Returns ``(end offset, problem, flaw)``: ``flaw`` is ``""`` for a sound record,
        ``"incomplete"`` for one cut off by the end of the data, ``"body"`` for a body
        checksum mismatch (``end`` is then trusted: the header checksum matched) and
        ``"damaged"`` otherwise.
        """
        size = len(view)
        if size - offset < RECORD_OVERHEAD:
            return size, "incomplete record header", "incomplete"
        magic, length, record_id, kind_len, key_len, body_crc = _HEAD.unpack_from(view, offset)
        if magic != _RECORD_MAGIC:
            return -1, "bad record magic", "damaged"
        (head_crc,) = _U32.unpack_from(view, offset + _HEAD.size)
        if zlib.crc32(view[offset : offset + _HEAD.size]) != head_crc:
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

    def _load_acks(self) -> int:
        """Open (or create) the acknowledgement log and replay it; the highest id it names."""
        path = self._path(_ACK_NAME)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._ack_fd = fd
        data = _pread_all(fd, os.fstat(fd).st_size, 0)
        size = len(data)
        if size < len(_ACKLOG_MAGIC):
            if not _ACKLOG_MAGIC.startswith(data):
                raise SpoolCorrupt("acknowledgement log header is incomplete", path, 0)
            os.ftruncate(fd, 0)
            _pwrite_all(fd, _ACKLOG_MAGIC, 0)
            if self._sync_enabled:
                os.fsync(fd)
                _fsync_dir(self._directory)
            self._ack_size = len(_ACKLOG_MAGIC)
            return 0
        if data[: len(_ACKLOG_MAGIC)] != _ACKLOG_MAGIC:
            raise SpoolCorrupt("not a spool acknowledgement log (bad magic)", path, 0)
        highest = 0
        offset = len(_ACKLOG_MAGIC)
        while offset < size:
            problem = None
            if size - offset < _ACK.size:
                problem = "incomplete entry"
            else:
                kind, first, last, crc = _ACK.unpack_from(data, offset)
                if zlib.crc32(data[offset : offset + _ACK.size - 4]) != crc:
                    problem = "entry checksum mismatch"
                elif kind not in (_ACK_THROUGH, _ACK_RANGE) or first > last:
                    problem = "invalid entry"
            if problem is not None:
                if offset + _ACK.size < size and not _is_zero(data, offset):
                    raise SpoolCorrupt(problem, path, offset)
                os.ftruncate(fd, offset)  # torn last write: those acknowledgements are lost
                if self._sync_enabled:
                    os.fsync(fd)
                size = offset
                break
            highest = max(highest, last)
            if kind == _ACK_THROUGH:
                self._mark_through(last)
            else:
                self._mark_range(first, last)
            offset += _ACK.size
        self._ack_size = size
        self._ack_compact_at = max(_ACK_COMPACT_BYTES, 2 * size)
        return highest

    # -----------------------------------------------------------------------------------------
    # index
    # -----------------------------------------------------------------------------------------

    def _mark(self, segment: _Segment, index: int) -> None:
        """Mark one record acknowledged (it must not be)."""
        segment.acked[index] = 1
        segment.acked_count += 1
        self._queued -= 1
        self._queued_bytes -= segment.end(index) - segment.offsets[index]
        self._sent.discard(segment.first_id + index)
        if self._cache:
            self._uncache(segment.first_id + index)
        while segment.low < segment.count and segment.acked[segment.low]:
            segment.low += 1

    def _mark_range(self, first: int, last: int) -> int:
        count = 0
        start = max(0, bisect_right(self._firsts, first) - 1)
        for segment in self._segments[start:]:
            if segment.first_id > last:
                break
            lo = max(first, segment.first_id) - segment.first_id
            hi = min(last, segment.end_id - 1) - segment.first_id
            for index in range(max(lo, 0), hi + 1):
                if not segment.acked[index]:
                    self._mark(segment, index)
                    count += 1
        return count

    def _mark_through(self, last: int) -> int:
        count = 0
        for segment in self._segments:
            if segment.first_id > last:
                break
            hi = min(last, segment.end_id - 1) - segment.first_id
            for index in range(segment.low, hi + 1):
                if not segment.acked[index]:
                    self._mark(segment, index)
                    count += 1
        return count

    def _is_pending(self, record_id: int) -> bool:
        position = bisect_right(self._firsts, record_id) - 1
        if position < 0:
            return False
        segment = self._segments[position]
        index = record_id - segment.first_id
        return index < segment.count and not segment.acked[index]

    def _advance_unsent_from(self) -> None:
        """Move ``_unsent_from`` past the records marked sent or acknowledged (so that
        :meth:`unsent` does not walk over them again)."""
        record_id = self._unsent_from
        for segment in self._segments:
            if segment.low < segment.count:
                record_id = max(record_id, segment.first_id + segment.low)
                break
        else:
            record_id = max(record_id, self._next_id)
        sent = self._sent
        while record_id < self._next_id and (record_id in sent or not self._is_pending(record_id)):
            record_id += 1
        self._unsent_from = record_id

    def _any_pending_through(self, last: int) -> bool:
        for segment in self._segments:
            if segment.first_id > last:
                return False
            if segment.low < segment.count:
                return segment.first_id + segment.low <= last
        return False

    def _ids_argument(self, ids: int | Iterable[int]) -> list[int]:
        if isinstance(ids, int):
            return [operator.index(ids)]
        return [operator.index(i) for i in ids]

    def _check_issued(self, ids: Iterable[int]) -> None:
        for record_id in ids:
            if record_id < 1 or record_id >= self._next_id:
                raise ValueError(
                    f"record id {record_id} was never issued (next id is {self._next_id})"
                )

    def _check_usable(self) -> None:
        if self._closing:
            raise SpoolClosed(f"spool {self._directory} is closed")
        if self._failed is not None:
            raise SpoolError(self._failed)

    def _iterate(self, *, unsent_only: bool) -> Iterator[SpoolEntry]:
        after = 0
        while True:
            with self._lock:
                self._check_usable()
                batch = self._read_batch(after, unsent_only)
            if not batch:
                return
            yield from batch
            after = batch[-1].id

    def _read_batch(
        self,
        after: int,
        unsent_only: bool,
        max_records: int = _BATCH_RECORDS,
        max_bytes: int = _BATCH_BYTES,
    ) -> list[SpoolEntry]:
        """The next pending (or unsent) records with ids above ``after``: at most
        ``max_records``, and none more once they take ``max_bytes`` in the segment files."""
        if unsent_only:
            after = max(after, self._unsent_from - 1)
        batch: list[SpoolEntry] = []
        volume = 0
        sent = self._sent if unsent_only else ()
        cache = self._cache
        start = max(0, bisect_right(self._firsts, after) - 1)
        for segment in self._segments[start:]:
            first_id, acked, offsets = segment.first_id, segment.acked, segment.offsets
            index = max(segment.low, after + 1 - first_id, 0)
            count = len(offsets)
            last = count - 1
            while index < count:
                record_id = first_id + index
                if acked[index] or record_id in sent:
                    index += 1
                    continue
                entry = cache.get(record_id)
                if entry is None:
                    # Not in memory: read the run of wanted records from here with one pread.
                    stop = index + 1
                    room = max_bytes - volume - (segment.end(index) - offsets[index])
                    while (stop < count and room > 0 and len(batch) + stop - index < max_records
                           and not acked[stop] and first_id + stop not in sent
                           and first_id + stop not in cache):
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

    def _read_records(self, segment: _Segment, first: int, stop: int) -> list[SpoolEntry]:
        """Records ``first`` to ``stop - 1`` (indexes) of ``segment``, read with one pread and
        each checked against its checksums and id."""
        offsets = segment.offsets
        base = offsets[first]
        ends = [*offsets[first + 1 : stop], segment.end(stop - 1)]
        data = _pread_all(segment.fd, ends[-1] - base, base)
        view = memoryview(data)
        unpack, crc32 = _HEAD_CRC.unpack_from, zlib.crc32
        entries: list[SpoolEntry] = []
        kinds: dict[bytes, str] = {}
        for index, end in enumerate(ends, first):
            offset = offsets[index]
            lo = offset - base
            hi = end - base
            record_id = segment.first_id + index
            if hi - lo < RECORD_OVERHEAD or hi > len(data):
                self._raise_corrupt(segment, view[lo:hi], offset, record_id)
            magic, length, found_id, kind_len, key_len, body_crc, head_crc = unpack(view, lo)
            start = lo + RECORD_OVERHEAD
            if (magic != _RECORD_MAGIC or found_id != record_id
                    or start + kind_len + key_len + length != hi
                    or crc32(view[lo : lo + _HEAD.size]) != head_crc
                    or crc32(view[start:hi]) != body_crc):
                self._raise_corrupt(segment, view[lo:hi], offset, record_id)
            kind_raw = data[start : start + kind_len]
            kind = kinds.get(kind_raw)
            if kind is None:
                try:
                    kind = kinds[kind_raw] = kind_raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise SpoolCorrupt("record kind is not UTF-8", segment.path, offset) from None
            key = data[start + kind_len : start + kind_len + key_len]
            entries.append(_entry(SpoolEntry, (record_id, data[hi - length : hi], kind, key)))
        return entries

    def _raise_corrupt(
        self, segment: _Segment, record: memoryview, offset: int, record_id: int
    ) -> NoReturn:
        """Raise :class:`SpoolCorrupt` for a record that failed the checks on reading."""
        _, problem, _ = self._check_record(record, 0, record_id)
        raise SpoolCorrupt(problem or "record length changed on disk", segment.path, offset)

    # -----------------------------------------------------------------------------------------
    # writing, space and durability (called with the lock held unless noted)
    # -----------------------------------------------------------------------------------------

    def _space_needed(self, sizes: list[int], count: int, size: int) -> int:
        """Bytes the records of ``sizes`` add to the segment files when the active segment
        holds ``count`` records in ``size`` bytes (new segments' headers included)."""
        limit = self._segment_bytes
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

    def _check_fits(self, sizes: list[int], longest: int, what: str) -> None:
        """``ValueError`` for records that could never be stored, even in an empty spool."""
        need = SEGMENT_OVERHEAD + self._space_needed(sizes, 0, SEGMENT_OVERHEAD)
        if longest > _MAX_PAYLOAD or need > self._max_bytes:
            raise ValueError(
                f"{what} of {need - SEGMENT_OVERHEAD} bytes (with headers) can never fit in a "
                f"spool of max_bytes={self._max_bytes}"
            )
        if self._max_records is not None and len(sizes) > self._max_records:
            raise ValueError(
                f"{what} can never fit in a spool of max_records={self._max_records}"
            )

    def _store(
        self,
        payloads: list[bytes],
        metas: list[_Meta],
        crcs: list[int],
        sizes: list[int],
        timeout: float | None,
    ) -> int:
        """Append checked records, all or nothing, and wait until they are durable under the
        policy; the id of the first. Without the lock."""
        wait = self._block_timeout if timeout is None else timeout
        deadline = None if wait is None else time.monotonic() + wait
        with self._lock:
            self._check_usable()
            self._make_room(sizes, deadline)
            first_id = self._next_id
            position = len(self._segments) - 1
            active = self._segments[position]
            undo = (active.count, active.size, self._disk_bytes, self._queued,
                    self._queued_bytes, self._appended)
            try:
                self._write_records(payloads, metas, crcs, sizes)
            except BaseException as exc:
                self._roll_back(first_id, position, undo, exc)
                if isinstance(exc, OSError):
                    raise SpoolError(f"cannot write to {active.path}: {exc}") from exc
                raise
            last_id = self._next_id - 1
            self._cache_records(first_id, payloads, metas)
            self._cond.notify_all()  # wait_unsent
            if self._interval is not None:
                while self._synced_id < last_id:
                    if self._failed is not None:
                        raise SpoolError(self._failed)
                    self._cond.wait()
                return first_id
        if self._sync_enabled:
            self._sync_through(last_id, 0)
        return first_id

    def _write_records(
        self, payloads: list[bytes], metas: list[_Meta], crcs: list[int], sizes: list[int]
    ) -> None:
        """Write records at the next ids, a segment at a time, starting new segments as
        needed, and index them."""
        record_id = self._next_id
        active = self._segments[-1]
        limit = self._segment_bytes
        pack, check, crc32 = _HEAD.pack, _U32.pack, zlib.crc32
        parts: list[bytes] = []
        offsets = array("Q")
        start = offset = active.size
        count = active.count
        for payload, meta, crc, size in zip(payloads, metas, crcs, sizes, strict=True):
            if count and offset + size > limit:
                self._write_group(active, parts, offsets, start, offset)
                self._next_id = record_id  # the new segment is named after its first id
                active = self._roll()
                parts = []
                offsets = array("Q")
                start = offset = active.size
                count = 0
            head = pack(_RECORD_MAGIC, len(payload), record_id, meta[3], meta[4], crc)
            parts.append(head + check(crc32(head)) + meta[2])  # header, kind and key
            parts.append(payload)
            offsets.append(offset)
            offset += size
            count += 1
            record_id += 1
        self._write_group(active, parts, offsets, start, offset)
        self._next_id = record_id

    def _write_group(
        self, segment: _Segment, parts: list[bytes], offsets: array[int], start: int, end: int
    ) -> None:
        """Write ``parts`` (records starting at ``offsets``) at ``start`` of ``segment``."""
        if not offsets:
            return
        _pwritev_parts(segment.fd, parts, start)
        segment.offsets.extend(offsets)
        segment.acked.extend(bytes(len(offsets)))
        segment.size = end
        self._disk_bytes += end - start
        self._queued += len(offsets)
        self._queued_bytes += end - start
        self._appended += len(offsets)
        self._dirty.add(segment)

    def _roll_back(
        self, first_id: int, position: int, undo: tuple[int, ...], exc: BaseException
    ) -> None:
        """Undo a write of records from ``first_id`` on that failed: delete the segments it
        started, cut the one at ``position`` back to its size before."""
        count, size, disk_bytes, queued, queued_bytes, appended = undo
        try:
            started = self._segments[position + 1 :]
            for segment in started:
                self._delete_segment(segment)
            if started and self._sync_enabled:
                # The new segments' names were made durable: their removal must be too, or a
                # crash could bring back a segment overlapping the records appended next.
                _fsync_dir(self._directory)
            segment = self._segments[position]
            del segment.offsets[count:]
            del segment.acked[count:]
            segment.size = size
            os.ftruncate(segment.fd, size)
        except OSError as error:
            self._fail(f"cannot undo a failed write of record {first_id}: {error} "
                       f"(after: {exc})")
        self._disk_bytes, self._queued, self._queued_bytes, self._appended = (
            disk_bytes, queued, queued_bytes, appended)
        self._next_id = first_id

    def _cache_records(self, first_id: int, payloads: list[bytes], metas: list[_Meta]) -> None:
        """Keep copies of just appended records while ``cache_bytes`` allows."""
        room = self._cache_limit - self._cache_bytes
        cache = self._cache
        record_id = first_id
        for payload, meta in zip(payloads, metas, strict=True):
            if len(payload) > room:
                break
            cache[record_id] = _entry(SpoolEntry, (record_id, payload, meta[0], meta[1]))
            room -= len(payload)
            record_id += 1
        self._cache_bytes = self._cache_limit - room

    def _uncache(self, record_id: int) -> None:
        entry = self._cache.pop(record_id, None)
        if entry is not None:
            self._cache_bytes -= len(entry.data)

    def _make_room(self, sizes: list[int], deadline: float | None) -> None:
        while True:
            active = self._segments[-1]
            need = self._space_needed(sizes, active.count, active.size)
            over_bytes = self._disk_bytes + need > self._max_bytes
            over_records = (
                self._max_records is not None
                and self._queued + len(sizes) > self._max_records
            )
            if not over_bytes and not over_records:
                return
            if over_bytes and self._reclaim(include_active=True):
                continue
            what = "a record" if len(sizes) == 1 else f"a batch of {len(sizes)} records"
            if over_records:
                reason = f"{self._queued} records pending (max_records={self._max_records})"
            else:
                reason = (
                    f"{self._disk_bytes} bytes on disk, {what} of {need} bytes does not fit "
                    f"(max_bytes={self._max_bytes})"
                )
            if self._when_full == "raise":
                raise SpoolFull(f"spool {self._directory} is full: {reason}")
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise SpoolFull(
                    f"spool {self._directory} is still full after waiting: {reason}"
                )
            self._cond.wait(remaining)
            self._check_usable()

    def _fail(self, reason: str) -> None:
        if self._failed is None:
            self._failed = f"spool {self._directory} is unusable after an I/O error: {reason}"
        self._cond.notify_all()

    def _roll(self) -> _Segment:
        """Start a new segment at the next id; it becomes the active one."""
        if self._segments:
            old = self._segments[-1]
            if self._sync_enabled and old in self._dirty:
                try:
                    os.fsync(old.fd)
                except OSError as exc:
                    self._fail(f"fsync of {old.path}: {exc}")
                    raise SpoolError(self._failed or "") from exc
                self._dirty.discard(old)
        path = self._path(f"{self._next_id:020d}.seg")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _pwrite_all(fd, _SEGMENT_MAGIC, 0)
            if self._sync_enabled:
                os.fsync(fd)
                _fsync_dir(self._directory)
        except BaseException:
            os.close(fd)
            os.unlink(path)
            raise
        segment = _Segment(path, fd, self._next_id, SEGMENT_OVERHEAD)
        self._add_segment(segment)
        return segment

    def _delete_segment(self, segment: _Segment) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(segment.path)
        os.close(segment.fd)
        position = self._segments.index(segment)
        del self._segments[position]
        del self._firsts[position]
        self._dirty.discard(segment)
        self._disk_bytes -= segment.size

    def _reclaim(self, *, include_active: bool) -> bool:
        """Delete the fully acknowledged segments (and roll the active one if it is and
        ``include_active``), once their acknowledgements are durable. Whether any was."""
        active = self._segments[-1]
        doomed = [s for s in self._segments[:-1] if s.fully_acked()]
        roll = include_active and active.count > 0 and active.fully_acked()
        if not doomed and not roll:
            self._maybe_compact()
            return False
        if self._sync_enabled and self._ack_synced_gen < self._ack_gen:
            try:
                os.fsync(self._ack_fd)
            except OSError as exc:
                self._fail(f"fsync of the acknowledgement log: {exc}")
                raise SpoolError(self._failed or "") from exc
            self._ack_synced_gen = self._ack_gen
        if roll:
            self._roll()
            doomed.append(active)
        for segment in doomed:
            self._delete_segment(segment)
        self._maybe_compact()
        self._cond.notify_all()
        return True

    def _write_acks(self, entries: bytes) -> None:
        offset = self._ack_size
        try:
            _pwrite_all(self._ack_fd, entries, offset)
        except OSError as exc:
            try:
                os.ftruncate(self._ack_fd, offset)
            except OSError as undo:
                self._fail(f"cannot cut a failed write off the acknowledgement log: {undo}")
            raise SpoolError(f"cannot write the acknowledgement log: {exc}") from exc
        self._ack_size += len(entries)
        self._ack_gen += 1

    def _after_ack(self) -> None:
        """Sync the acknowledgement (policy "always"), reclaim space, wake waiting appends."""
        if self._policy == "always":
            try:
                os.fsync(self._ack_fd)
            except OSError as exc:
                self._fail(f"fsync of the acknowledgement log: {exc}")
                raise SpoolError(self._failed or "") from exc
            self._ack_synced_gen = self._ack_gen
        if self._interval is None:
            self._reclaim(include_active=False)
        self._cond.notify_all()

    def _maybe_compact(self) -> None:
        if self._ack_size < self._ack_compact_at:
            return
        entries = self._ack_state()
        new_size = len(_ACKLOG_MAGIC) + len(entries)
        if 2 * new_size > self._ack_size:
            self._ack_compact_at = max(_ACK_COMPACT_BYTES, 4 * new_size)
            return
        tmp = self._path(_ACK_TMP_NAME)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _pwrite_all(fd, _ACKLOG_MAGIC + entries, 0)
            if self._sync_enabled:
                os.fsync(fd)
            os.replace(tmp, self._path(_ACK_NAME))
            if self._sync_enabled:
                _fsync_dir(self._directory)
        except BaseException:
            os.close(fd)
            raise
        os.close(self._ack_fd)
        self._ack_fd = fd
        self._ack_size = new_size
        self._ack_synced_gen = self._ack_gen
        self._ack_compact_at = max(_ACK_COMPACT_BYTES, 4 * new_size)

    def _ack_state(self) -> bytes:
        """Acknowledgement log entries equivalent to the current acknowledged state."""
        through = self._next_id - 1
        for segment in self._segments:
            if segment.low < segment.count:
                through = segment.first_id + segment.low - 1
                break
        entries = [_ack_entry(_ACK_THROUGH, 0, through)]
        for segment in self._segments:
            if segment.end_id - 1 <= through:
                continue
            acked = [
                segment.first_id + index
                for index in range(segment.low, segment.count)
                if segment.acked[index]
            ]
            entries.extend(_ack_entry(_ACK_RANGE, a, b) for a, b in _runs(acked))
        return b"".join(entries)

    def _begin_flush(self) -> _FlushPlan:
        fds = [os.dup(segment.fd) for segment in self._dirty]
        if self._ack_synced_gen < self._ack_gen:
            fds.append(os.dup(self._ack_fd))
        self._dirty.clear()
        self._flushing = True
        return _FlushPlan(fds, self._next_id - 1, self._ack_gen)

    def _run_flush(self, plan: _FlushPlan) -> None:
        """fsync the files of ``plan`` (without the lock), then record what is durable."""
        error: OSError | None = None
        try:
            for fd in plan.fds:
                os.fsync(fd)
        except OSError as exc:
            error = exc
        finally:
            for fd in plan.fds:
                os.close(fd)
        with self._lock:
            self._flushing = False
            if error is not None:
                self._fail(f"fsync: {error}")
                raise SpoolError(self._failed or "") from error
            self._synced_id = max(self._synced_id, plan.target_id)
            self._ack_synced_gen = max(self._ack_synced_gen, plan.ack_gen)
            self._cond.notify_all()

    def _sync_through(self, record_id: int, ack_gen: int, *, force: bool = False) -> None:
        """Return once records up to ``record_id`` and acknowledgements up to ``ack_gen`` are
        durable; flush (as the leader of a group commit) if no flush is running. Without the
        lock."""
        while True:
            with self._lock:
                if self._failed is not None:
                    raise SpoolError(self._failed)
                done = self._synced_id >= record_id and self._ack_synced_gen >= ack_gen
                if done and not (force and (self._dirty or self._ack_synced_gen < self._ack_gen)):
                    return
                if self._flushing:
                    self._cond.wait()
                    continue
                plan = self._begin_flush()
                force = False
            self._run_flush(plan)

    def _flush_loop(self) -> None:
        """The group-commit thread (``fsync=<ms>``)."""
        assert self._interval is not None
        while not self._stop.wait(self._interval):
            with self._lock:
                if self._failed is not None:
                    return
                idle = not self._dirty and self._ack_synced_gen >= self._ack_gen
                if idle or self._flushing:
                    continue
                plan = self._begin_flush()
            try:
                self._run_flush(plan)
                with self._lock:
                    self._reclaim(include_active=False)
            except SpoolError:
                return
            except OSError as exc:
                with self._lock:
                    self._fail(str(exc))
                return
