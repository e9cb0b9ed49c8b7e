"""The spool's durability: group commit of fsyncs, and the failed state after an I/O error
(docs/spool.md, "Durability and fsync").

Appends and acknowledgements write their files under the spool's lock; :class:`GroupCommit`
then makes them durable without holding it: one caller (or the background thread of an
``fsync=<ms>`` policy) duplicates the descriptors of the files written since the last sync,
fsyncs them, writes the high-water mark (an ``H`` entry of the acknowledgement log: every id
up to here is committed) and fsyncs it, and records up to which record id and acknowledgement
write everything is durable; concurrent callers wait for that flush instead of starting their
own. An fsync that fails makes the spool unusable (:meth:`GroupCommit.fail`): the state of the
page cache is unknown after it, so nothing more is accepted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

from ..errors import SpoolError
from ._spool_acks import AckLog
from ._spool_segments import SegmentIndex

__all__ = ["FlushPlan", "GroupCommit"]


@dataclass(slots=True)
class FlushPlan:
    """One flush: duplicated descriptors to fsync, and what is durable once they are."""

    fds: list[int]
    target_id: int
    ack_gen: int


@dataclass(eq=False)
class GroupCommit:
    """The fsyncs of one spool. ``cond`` is the spool's condition (its lock); ``interval``
    (seconds) runs a background flush thread (:meth:`start`), ``None`` flushes on demand
    only; ``after_flush`` runs with the lock held after each background flush."""

    cond: threading.Condition
    index: SegmentIndex
    acks: AckLog
    _: KW_ONLY
    interval: float | None
    after_flush: Callable[[], object]
    synced_id: int = field(default=0, init=False)
    """Every record up to this id is durable."""
    failed: str | None = field(default=None, init=False)
    """Why the spool is unusable, or ``None``."""
    _flushing: bool = field(default=False, init=False, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def fail(self, reason: str) -> str:
        """Make the spool unusable after an I/O error (the first reason sticks); the message
        to raise."""
        if self.failed is None:
            self.failed = (f"spool {self.index.directory} is unusable after an I/O error: "
                           f"{reason}")
        self.cond.notify_all()
        return self.failed

    def check(self) -> None:
        """:class:`SpoolError` if the spool is unusable."""
        if self.failed is not None:
            raise SpoolError(self.failed)

    def wait_synced(self, record_id: int) -> None:
        """(Lock held.) Wait until the background flush covered ``record_id``."""
        while self.synced_id < record_id:
            self.check()
            self.cond.wait()

    def idle(self) -> bool:
        """(Lock held.) Whether nothing written waits for an fsync."""
        return not self.index.dirty and not self.acks.unsynced

    def sync_through(self, record_id: int, ack_gen: int, *, force: bool = False) -> None:
        """Return once records up to ``record_id`` and acknowledgements up to ``ack_gen`` are
        durable; flush (as the leader of a group commit) if no flush is running. ``force``:
        flush whatever is not durable yet even if that is already so. Without the lock."""
        while True:
            with self.cond:
                self.check()
                done = self.synced_id >= record_id and self.acks.synced_gen >= ack_gen
                if done and not (force and not self.idle()):
                    return
                if self._flushing:
                    self.cond.wait()
                    continue
                plan = self._begin()
                force = False
            self._run(plan)

    def _begin(self) -> FlushPlan:
        index, acks = self.index, self.acks
        fds = [os.dup(segment.fd) for segment in index.dirty]
        if acks.unsynced:
            fds.append(os.dup(acks.fd))
        index.dirty.clear()
        self._flushing = True
        return FlushPlan(fds, index.next_id - 1, acks.gen)

    def _run(self, plan: FlushPlan) -> None:
        """fsync the files of ``plan`` (without the lock), then write and fsync the high-water
        mark (every id up to the plan's target is committed), then record what is durable."""
        error: OSError | None = None
        try:
            for fd in plan.fds:
                os.fsync(fd)
        except OSError as exc:
            error = exc
        finally:
            for fd in plan.fds:
                os.close(fd)
        mark_fd, mark_gen = -1, 0
        with self.cond:
            if error is None and plan.target_id > self.acks.high_water:
                try:
                    self.acks.note_high_water(plan.target_id)
                    mark_fd, mark_gen = os.dup(self.acks.fd), self.acks.gen
                except (OSError, SpoolError) as exc:
                    self._flushing = False
                    raise SpoolError(self.fail(f"high-water mark: {exc}")) from exc
        if mark_fd >= 0:
            try:
                os.fsync(mark_fd)
            except OSError as exc:
                error = exc
            finally:
                os.close(mark_fd)
        with self.cond:
            self._flushing = False
            if error is not None:
                raise SpoolError(self.fail(f"fsync: {error}")) from error
            self.synced_id = max(self.synced_id, plan.target_id)
            self.acks.synced_gen = max(self.acks.synced_gen, plan.ack_gen, mark_gen)
            self.cond.notify_all()

    # -- the background thread (fsync=<ms>) ---------------------------------------------------

    def start(self) -> None:
        """Start the flush thread if there is an interval."""
        if self.interval is not None:
            self._thread = threading.Thread(
                target=self._loop, name=f"spool-flusher:{self.index.directory}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the flush thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        assert self.interval is not None
        while not self._stop.wait(self.interval):
            with self.cond:
                if self.failed is not None:
                    return
                if self.idle() or self._flushing:
                    continue
                plan = self._begin()
            try:
                self._run(plan)
                with self.cond:
                    self.after_flush()
            except SpoolError:
                return
            except OSError as exc:
                with self.cond:
                    self.fail(str(exc))
                return
