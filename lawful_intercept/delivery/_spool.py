"""The delivery spool: a durable, bounded, crash-safe log of encoded records waiting for
delivery (docs/spool.md).

A mediation function must not lose a record it has accepted, even when the link to the
agency (LEMF) is down or the process is killed. :class:`Spool` is the log between the record
builders and the transports: ``append`` puts an encoded PDU on disk and returns its record id
(``append_many`` a batch of them, with one write and one fsync); a transport reads the
pending records from an id on (:meth:`Spool.read_from`) and acknowledges what the agency
confirmed (:meth:`Spool.ack`, :meth:`Spool.ack_through`). Which records went to which
connection is the transport's business (the delivery pump keeps that cursor), not the log's.

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
  raises :class:`SpoolCorrupt` naming the file and the offset; it is never skipped. A
  durable high-water mark (every id a commit covered) makes the loss of any committed
  record damage too, in any segment, reported with the missing ids: only what no commit
  covered may be cut as a torn tail.
* A record the peer will not take can be moved out of delivery, durably, to the dead
  letters (:meth:`Spool.dead_letter`), and requeued later; it is never lost.

``fsync="never"`` keeps the format and the checks but never calls fsync (unless
:meth:`Spool.sync` is called): the records survive a killed process (they are in the kernel's
page cache) but not a power loss or a kernel crash. It is meant for tests and for spools on a
RAM disk.

The parts live in private modules: the on-disk format (``_spool_format``), the segment files
and their index (``_spool_segments``), the acknowledgement log (``_spool_acks``), the dead
letters (``_spool_dead``), recovery (``_spool_recovery``), the group commit
(``_spool_commit``) and the memory cache (``_spool_cache``). Recovery on open: the segments
are read in order and every record is checked; an incomplete record at the end of the last
segment, a damaged record that ends exactly there, or a zero-filled tail, is a torn write of
a record that was never accepted and is cut off, if no commit covered it (the high-water
mark); any other damage, and any committed record missing, raises :class:`SpoolCorrupt`.
Acknowledgements and dead letters are then replayed.
"""

from __future__ import annotations

import errno
import fcntl
import operator
import os
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from .._checks import require_int
from ..errors import SpoolClosed, SpoolError, SpoolFull, SpoolLocked
from ._spool_acks import AckLog
from ._spool_cache import RecordCache
from ._spool_commit import GroupCommit
from ._spool_dead import DeadLetter, DeadLetterLog
from ._spool_format import (
    ACK_DEAD,
    ACK_RANGE,
    ACK_THROUGH,
    LOCK_NAME,
    MAX_PAYLOAD,
    RECORD_OVERHEAD,
    SEGMENT_OVERHEAD,
    Meta,
    SpoolEntry,
    ack_entry,
    encode_metadata,
    per_record,
    pread_all,
    pwrite_all,
    runs,
)
from ._spool_recovery import recover
from ._spool_segments import SegmentIndex

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_SEGMENT_BYTES",
    "FsyncPolicy",
    "Spool",
    "SpoolStats",
]

FsyncPolicy: TypeAlias = Literal["always", "never"] | float
"""``"always"``, ``"never"``, or a group-commit interval in milliseconds (``int``/``float``)."""

DEFAULT_MAX_BYTES: Final = 1 << 30
"""Default bound on the size of the segment files: 1 GiB."""

DEFAULT_SEGMENT_BYTES: Final = 16 << 20
"""Default size at which a new segment file is started: 16 MiB (less for a small spool)."""

DEFAULT_CACHE_BYTES: Final = 32 << 20
"""Default bound on the in-memory copies of appended records not yet read: 32 MiB."""

_BATCH_RECORDS: Final = 256
_BATCH_BYTES: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class SpoolStats:
    """Counters of a spool (:meth:`Spool.stats`)."""

    queued: int
    """Records appended and not acknowledged (pending)."""
    queued_bytes: int
    """Bytes the pending records take in the segment files (headers included)."""
    appended: int
    """Records appended since this :class:`Spool` was opened."""
    acknowledged: int
    """Records acknowledged since this :class:`Spool` was opened."""
    bytes_on_disk: int
    """Size of the segment files, the acknowledgement log and the dead-letter file."""
    segments: int
    """Number of segment files."""
    next_id: int
    """The id the next appended record will get."""
    dead_letters: int = 0
    """Records in the dead-letter area (:meth:`Spool.dead_letter`)."""


class Spool:
    """A durable, bounded, crash-safe log of records (bytes) in a directory.

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
    until a transport reads them (:meth:`read_from`) or they are acknowledged, so that a
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
        minimum = SEGMENT_OVERHEAD + RECORD_OVERHEAD + 1
        require_int(max_bytes, "max_bytes", low=minimum)
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
        self._policy: FsyncPolicy = fsync
        self._sync_enabled = fsync != "never"
        self._when_full = when_full
        self._block_timeout = block_timeout

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._cache = RecordCache(cache_bytes)
        self._index = SegmentIndex(self._directory, sync_enabled=self._sync_enabled,
                                   segment_bytes=segment_bytes, cache=self._cache,
                                   fail=self._fail)
        self._acks = AckLog(self._directory, sync_enabled=self._sync_enabled, fail=self._fail)
        self._dead = DeadLetterLog(self._directory, sync_enabled=self._sync_enabled)
        self._requeue_lock = threading.Lock()
        self._commit = GroupCommit(self._cond, self._index, self._acks, interval=interval,
                                   after_flush=lambda: self._reclaim(include_active=False))
        self._acknowledged = 0
        self._closing = False
        self._lock_fd = -1

        os.makedirs(self._directory, exist_ok=True)
        self._acquire_lock()
        try:
            with self._lock:
                self._recover()
        except BaseException:
            self._release_files()
            raise
        self._commit.start()

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
        meta = encode_metadata(kind, key, "")
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
            meta = encode_metadata(kinds, keys, "")  # the usual case: one kind and key for all
            metas = [meta] * count
            prefix_crc = crc32(meta[2])
            crcs = [crc32(p, prefix_crc) for p in payloads]
            extra = RECORD_OVERHEAD + len(meta[2])
            sizes = [extra + len(p) for p in payloads]
        else:
            kind_list = per_record(kinds, count, "kinds", (str,))
            key_list = per_record(keys, count, "keys", (bytes, bytearray, memoryview, str))
            metas = [
                encode_metadata(kind, key, f"records[{index}]: ")
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

    def pending(self, *, after: int = 0) -> Iterator[tuple[int, bytes]]:
        """The records not acknowledged whose ids are above ``after``, as ``(id, bytes)``,
        oldest first.

        The records are read from disk in batches; a record acknowledged while the iteration
        runs may still be yielded if its batch was already read.
        """
        for entry in self.entries(after=after):
            yield entry.id, entry.data

    def entries(self, *, after: int = 0) -> Iterator[SpoolEntry]:
        """Like :meth:`pending`, with the ``kind`` and ``key`` metadata (:class:`SpoolEntry`)."""
        while True:
            with self._lock:
                self._check_usable()
                batch = self._index.read_batch(after, _BATCH_RECORDS, _BATCH_BYTES)
            if not batch:
                return
            yield from batch
            after = batch[-1].id

    def read_from(
        self, after: int, max_records: int = _BATCH_RECORDS, max_bytes: int = _BATCH_BYTES
    ) -> list[SpoolEntry]:
        """The oldest pending records with ids above ``after`` (a transport's read: ``after``
        is the last id it has handed to its connection, 0 after a reconnect).

        At most ``max_records`` records, and no more once they reach ``max_bytes`` bytes in
        the segment files (headers included; at least one record when any is pending above
        ``after``). ``[]`` when there is none. Records appended recently come from the
        in-memory copies (``cache_bytes``), which this read releases (a second read of them
        goes to the disk); the others are read from disk, checked as in :meth:`pending`.
        """
        after = operator.index(after)
        require_int(max_records, "max_records", low=1)
        require_int(max_bytes, "max_bytes", low=1)
        with self._lock:
            self._check_usable()
            batch = self._index.read_batch(after, max_records, max_bytes)
            if self._cache.entries:
                self._cache.discard_many([entry.id for entry in batch])
            return batch

    def ack(self, ids: int | Iterable[int]) -> int:
        """Acknowledge records (delivered): they are no longer pending.

        Returns how many records this call acknowledged (ids already acknowledged are
        ignored, so duplicate acknowledgements are harmless). An id never issued raises
        ``ValueError`` and acknowledges nothing. The acknowledgement is persisted in the
        acknowledgement log under the fsync policy; segment files whose records are all
        acknowledged are deleted.
        """
        if isinstance(ids, int):
            wanted = [operator.index(ids)]
        else:
            wanted = sorted({operator.index(i) for i in ids})
        with self._lock:
            self._check_usable()
            index = self._index
            for record_id in wanted:
                self._check_issued(record_id, 1)
            fresh = [i for i in wanted if index.is_pending(i)]
            if not fresh:
                return 0
            self._acks.write(b"".join(ack_entry(ACK_RANGE, a, b) for a, b in runs(fresh)))
            for record_id in fresh:
                index.mark_id(record_id)
            return self._settled(len(fresh))

    def ack_through(self, record_id: int) -> int:
        """Acknowledge every record with an id up to ``record_id`` (included).

        Returns how many records this call acknowledged. See :meth:`ack`.
        """
        record_id = operator.index(record_id)
        with self._lock:
            self._check_usable()
            self._check_issued(record_id, 0)
            if self._index.first_pending() > record_id:
                return 0
            self._acks.write(ack_entry(ACK_THROUGH, 0, record_id))
            return self._settled(self._index.mark_through(record_id))

    def dead_letter(self, record_id: int, *, reason: str, peer_said: str = "") -> None:
        """Take the pending record ``record_id`` out of delivery, durably: it is kept in the
        spool's dead-letter area with ``reason`` and the peer's last words (``peer_said``),
        never returned by :meth:`read_from` or :meth:`pending` again, and not counted as
        acknowledged. It survives a restart (:meth:`dead_letters`) until :meth:`requeue`.

        For a poison record: one after which the peer closes the connection again and again
        (TS 102 232-1 clause 6 leaves a record the LEMF will not take undelivered; the spool
        keeps it for an operator instead of blocking the records behind it). A record that is
        not pending (acknowledged, or already a dead letter) raises ``ValueError``.
        """
        record_id = operator.index(record_id)
        if not isinstance(reason, str) or not isinstance(peer_said, str):
            raise TypeError("reason and peer_said must be str")
        with self._lock:
            self._check_usable()
            self._check_issued(record_id, 1)
            index = self._index
            if not index.is_pending(record_id):
                raise ValueError(
                    f"record {record_id} is not pending (acknowledged, or already a dead letter)"
                )
            entry = index.read_batch(record_id - 1, 1, 1)[0]
            # The letter is durable before the record stops being pending: a crash in between
            # leaves both, and recovery finishes the move.
            self._dead.add(DeadLetter(record_id, entry.kind, entry.key, entry.data, reason,
                                      peer_said, time.time()))
            self._acks.write(ack_entry(ACK_DEAD, record_id, record_id))
            index.mark_id(record_id)
            self._settled(0)

    def dead_letters(self) -> list[DeadLetter]:
        """The records in the dead-letter area (:meth:`dead_letter`), by record id."""
        with self._lock:
            self._check_usable()
            return [self._dead.letters[i] for i in sorted(self._dead.letters)]

    def requeue(self, record_ids: Iterable[int] | None = None) -> list[int]:
        """Append dead letters again as new records (new ids, in the order of their old ids)
        and remove them from the dead-letter area; ``None``: all of them. Returns the new ids.

        An id that is not a dead letter raises ``ValueError`` and nothing is requeued. A crash
        between the append and the removal leaves a record both pending again and a dead
        letter (at least once, never lost).
        """
        with self._requeue_lock:
            with self._lock:
                self._check_usable()
                letters = self._dead.letters
                if record_ids is None:
                    wanted = sorted(letters)
                else:
                    wanted = sorted({operator.index(i) for i in record_ids})
                    unknown = [i for i in wanted if i not in letters]
                    if unknown:
                        raise ValueError(f"record ids {unknown} are not dead letters")
                chosen = [letters[i] for i in wanted]
            if not chosen:
                return []
            new_ids = self.append_many([letter.payload for letter in chosen],
                                       kinds=[letter.kind for letter in chosen],
                                       keys=[letter.key for letter in chosen])
            with self._lock:
                self._check_usable()
                self._dead.remove(wanted)
            return new_ids

    def sync(self) -> None:
        """Make everything appended and acknowledged so far durable, whatever the policy."""
        with self._lock:
            self._check_usable()
            target, ack_gen = self._index.next_id - 1, self._acks.gen
        self._commit.sync_through(target, ack_gen)

    def stats(self) -> SpoolStats:
        """Current counters: queued records and bytes, bytes on disk, segments, ..."""
        with self._lock:
            index = self._index
            return SpoolStats(
                queued=index.queued,
                queued_bytes=index.queued_bytes,
                appended=index.appended,
                acknowledged=self._acknowledged,
                bytes_on_disk=index.disk_bytes + self._acks.size + self._dead.size,
                segments=len(index.segments),
                next_id=index.next_id,
                dead_letters=len(self._dead.letters),
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
        self._commit.stop()
        try:
            if self._commit.failed is None and self._sync_enabled:
                with self._lock:
                    target, ack_gen = self._index.next_id - 1, self._acks.gen
                self._commit.sync_through(target, ack_gen, force=True)
        finally:
            with self._lock:
                self._release_files()
                self._cond.notify_all()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing else f"next_id={self._index.next_id}"
        return f"<Spool {self._directory!r} {state} fsync={self._policy!r}>"

    # -----------------------------------------------------------------------------------------
    # opening and recovery
    # -----------------------------------------------------------------------------------------

    def _acquire_lock(self) -> None:
        path = os.path.join(self._directory, LOCK_NAME)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = pread_all(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise SpoolLocked(
                f"spool directory {self._directory} is in use "
                f"(locked by process {owner or 'unknown'} through {path})"
            ) from None
        pwrite_all(fd, f"{os.getpid():<20}\n".encode("ascii"), 0)  # fixed width: no truncate
        self._lock_fd = fd

    def _release_files(self) -> None:
        self._index.close()
        self._cache.clear()
        self._acks.close()
        self._dead.close()
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1

    def _recover(self) -> None:
        recover(self._index, self._acks, self._dead, sync_enabled=self._sync_enabled,
                ack_state=self._ack_state)
        self._reclaim(include_active=True)

    def _ack_state(self) -> bytes:
        """Acknowledgement log entries for the current state (compaction)."""
        letters = sorted(self._dead.letters)
        return self._index.ack_state() + b"".join(
            ack_entry(ACK_DEAD, a, b) for a, b in runs(letters)
        )

    # -----------------------------------------------------------------------------------------
    # checks, space and acknowledgement upkeep (called with the lock held unless noted)
    # -----------------------------------------------------------------------------------------

    def _fail(self, reason: str) -> str:
        return self._commit.fail(reason)

    def _check_usable(self) -> None:
        if self._closing:
            raise SpoolClosed(f"spool {self._directory} is closed")
        self._commit.check()

    def _check_issued(self, record_id: int, lowest: int) -> None:
        if record_id < lowest or record_id >= self._index.next_id:
            raise ValueError(
                f"record id {record_id} was never issued (next id is {self._index.next_id})"
            )

    def _check_fits(self, sizes: list[int], longest: int, what: str) -> None:
        """``ValueError`` for records that could never be stored, even in an empty spool.
        Without the lock (it reads settings only)."""
        need = SEGMENT_OVERHEAD + self._index.space_needed(sizes, 0, SEGMENT_OVERHEAD)
        if longest > MAX_PAYLOAD or need > self._max_bytes:
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
        metas: list[Meta],
        crcs: list[int],
        sizes: list[int],
        timeout: float | None,
    ) -> int:
        """Append checked records, all or nothing, and wait until they are durable under the
        policy; the id of the first. Without the lock."""
        wait = self._block_timeout if timeout is None else timeout
        deadline = None if wait is None else time.monotonic() + wait
        index = self._index
        with self._lock:
            self._check_usable()
            self._make_room(sizes, deadline)
            undo = index.undo_point()
            try:
                index.write_records(payloads, metas, crcs, sizes)
            except BaseException as exc:
                index.roll_back(undo, exc)
                if isinstance(exc, OSError):
                    path = index.segments[undo.position].path
                    raise SpoolError(f"cannot write to {path}: {exc}") from exc
                raise
            first_id, last_id = undo.first_id, index.next_id - 1
            self._cache.add(first_id, payloads, metas)
            if not self._sync_enabled:
                self._acks.note_high_water(last_id)  # no commit to wait for: written is all
            if self._commit.interval is not None:
                self._commit.wait_synced(last_id)
                return first_id
        if self._sync_enabled:
            self._commit.sync_through(last_id, 0)
        return first_id

    def _make_room(self, sizes: list[int], deadline: float | None) -> None:
        index = self._index
        while True:
            active = index.segments[-1]
            need = index.space_needed(sizes, active.count, active.size)
            over_bytes = index.disk_bytes + need > self._max_bytes
            over_records = (
                self._max_records is not None
                and index.queued + len(sizes) > self._max_records
            )
            if not over_bytes and not over_records:
                return
            if over_bytes and self._reclaim(include_active=True):
                continue
            what = "a record" if len(sizes) == 1 else f"a batch of {len(sizes)} records"
            if over_records:
                reason = f"{index.queued} records pending (max_records={self._max_records})"
            else:
                reason = (
                    f"{index.disk_bytes} bytes on disk, {what} of {need} bytes does not fit "
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

    def _settled(self, count: int) -> int:
        """After records stopped being pending (``count`` of them acknowledged, the others
        dead-lettered): sync the acknowledgement log (policy "always"), reclaim space, wake
        waiting appends; ``count``."""
        self._acknowledged += count
        if self._policy == "always":
            self._acks.sync()
        if self._commit.interval is None:
            self._reclaim(include_active=False)
        self._cond.notify_all()
        return count

    def _reclaim(self, *, include_active: bool) -> bool:
        """Delete the fully acknowledged segments (and roll the active one if it is and
        ``include_active``), once their acknowledgements are durable. Whether any was."""
        index, acks = self._index, self._acks
        doomed, roll = index.reclaimable(include_active=include_active)
        if doomed or roll:
            if self._sync_enabled and acks.unsynced:
                acks.sync()
            if roll:
                doomed.append(index.segments[-1])
                index.roll()
            for segment in doomed:
                index.delete(segment)
        acks.maybe_compact(self._ack_state)
        if doomed or roll:
            self._cond.notify_all()
            return True
        return False
