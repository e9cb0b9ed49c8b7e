"""The handover side of a mediation cluster: a node that owns LIIDs by lease, numbers each
LIID's records as it sends them (TS 102 232-1 5.2.5), and acknowledges a JetStream message
only once the LEMF proved it has the record. See docs/cluster.md for the argument that the
LEMF sees no gap and at most exact duplicates whatever node dies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .._checks import require_instance, require_int
from ..errors import ClusterError, LeaseLost
from ._jetstream import ClusterLayout
from ._lease import (
    Lease,
    RemovedDecision,
    decide_lease,
    decide_removed,
    fair_share,
    next_lease,
)
from ._numbering import LIIDNumbering
from ._record import HEADER_DESTINATION, HEADER_INTERFACE, SequenceStamper
from ._sink import RecordSink
from ._subjects import SUBJECT_PREFIX, encode_liid

__all__ = ["HandoverNode", "HandoverStats"]

log = logging.getLogger("lawful_intercept.cluster")


@dataclass(slots=True)
class HandoverStats:
    """What a :class:`HandoverNode` did."""

    numbered: int = 0
    """Records given a new sequence number."""
    renumbered: int = 0
    """Records sent again with the number they were given before (after a takeover)."""
    sent: int = 0
    """Records handed to the delivery."""
    acknowledged: int = 0
    """JetStream messages acknowledged after the LEMF's proof."""
    rejected: int = 0
    """Messages that are no PS-PDU: terminated and logged, never sent."""
    taken: int = 0
    """Leases taken."""
    released: int = 0
    """Leases given back to balance the nodes."""
    lost: int = 0
    """Leases lost (expired or taken by another node)."""


class HandoverNode:
    """One handover node of a mediation cluster.

    ``js`` is a nats-py JetStream context, ``buckets`` the key-value handles of
    :meth:`ClusterLayout.ensure`, ``sink`` the delivery (:class:`RecordSink`), ``name`` the
    node's name, ``liids`` a coroutine function giving the LIIDs to hand over and those no
    longer to hand over (e.g. :meth:`ClusterTaskStore.liid_changes`). :meth:`run` renews
    the leases held every third of ``layout.lease_ttl`` and, apart from that, takes and
    balances leases as often, and runs one worker per LIID owned (started again should it
    ever end while the lease is held); each worker reads its LIID's records from a durable
    consumer made anew at takeover from the consumer's acknowledgement floor, numbers them
    in stream order (the numbers stored in the ``numbering`` bucket, compare-and-set,
    before any record is sent), sends them, and acknowledges each message when the LEMF
    proved it has the record.

    An LIID whose tasks were all deactivated is not given up while records of it are left:
    its owner keeps it (renewed, read) until its consumer has nothing pending and nothing
    awaiting acknowledgement and the records sent are proven, and any node takes such an
    LIID that nobody holds while its tombstone is in the task bucket
    (:func:`~lawful_intercept.cluster.decide_removed`), so the records converted just before
    the deactivation and its HI1 notification reach the agency.
    """

    def __init__(self, js: Any, buckets: dict[str, Any], sink: RecordSink, *, name: str,
                 liids: Callable[[], Awaitable[tuple[set[str], set[str]]]],
                 layout: ClusterLayout | None = None, stamper: SequenceStamper | None = None,
                 batch: int = 256, ack_wait: float = 30.0, max_ack_pending: int = 2000,
                 clock: Callable[[], float] = time.time) -> None:
        self.js = js
        self.buckets = buckets
        self.sink = sink
        self.name = require_instance(name, str, "name")
        if not name or "." in name or " " in name:
            raise ValueError(f"name must be a non-empty key-value key without '.' or spaces, "
                             f"got {name!r}")
        self.identity = f"{name}-{uuid.uuid4().hex[:8]}"
        """The node's identity in leases and heartbeats: its name and a token of this
        process, so that a node started again under its name is a new owner (a new lease
        epoch), never the dead one."""
        self.liids = liids
        self.layout = layout if layout is not None else ClusterLayout()
        self.stamper = stamper if stamper is not None else SequenceStamper()
        self.batch = require_int(batch, "batch", low=1)
        self.ack_wait = ack_wait
        self.max_ack_pending = require_int(max_ack_pending, "max_ack_pending", low=1)
        self.clock = clock
        self.stats = HandoverStats()
        self.leases: dict[str, tuple[Lease, int]] = {}
        """The leases held: LIID → (lease, its entry's revision)."""
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._running: dict[str, LIIDWorker] = {}
        self._liids: set[str] = set()
        self._releasing: set[str] = set()
        self._release_tasks: set[asyncio.Task[None]] = set()
        self._renew_lock = asyncio.Lock()
        self._closing = False  # stopping: no lease is taken any more
        self._renewing = False
        self._ttl_ms = int(self.layout.lease_ttl * 1000)
        self._settled: dict[str, int] = {}  # deactivated LIID → stream's last seq, delivered
        self._asked: dict[str, int] = {}  # deactivated LIID → round its consumer was asked
        self._round = 0

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    removed_checks = 64
    """How many deactivated LIIDs nobody holds a balancing round asks the broker about at
    most (one consumer or stream request each), to find records left undelivered."""

    @property
    def owned(self) -> set[str]:
        """The LIIDs this node holds a lease of and reads. An LIID leaves the set when its
        release begins; ``stats.released`` counts the release once the lease is written
        back."""
        return set(self.leases)

    # -- leases --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *,
                  on_tick: Callable[[HandoverNode], object] | None = None) -> None:
        """Hold, renew and balance leases until ``stop`` is set; then stop the workers and
        release the leases (their records not yet proven stay unacknowledged and go out
        again from the next owner). ``on_tick`` sees the node after each balancing round.

        Renewals (and the heartbeat) run on their own every third of the lease time, apart
        from the balancing rounds: a round slowed by a busy broker or a starved process
        never lets the leases held run out."""
        self._closing, self._renewing = False, True
        renewals = asyncio.create_task(self._renewals(), name=f"{self.name}-renewals")
        try:
            while not stop.is_set():
                if renewals.done():  # it never ends on its own: fail loudly if it did
                    raise ClusterError(f"{self.name}: lease renewals stopped: "
                                       f"{renewals.exception()!r}")
                await self._round_or_stop(stop)
                if on_tick is not None:
                    on_tick(self)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.layout.lease_ttl / 3)
        finally:
            self._closing = True
            try:
                await self.shutdown()
            finally:
                # a flag, not only the cancellation (which may be lost, see LIIDWorker.run)
                self._renewing = False
                renewals.cancel()
                await asyncio.wait({renewals}, timeout=self.layout.lease_ttl)

    async def _round_or_stop(self, stop: asyncio.Event) -> None:
        """A balancing round, cut short if ``stop`` is set meanwhile (a round may wait on
        a busy broker for up to :attr:`round_limit`); a round still running then takes
        no lease."""
        balance = asyncio.create_task(self.tick(renew=False))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({balance, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not balance.done():
                self._closing = True
                balance.cancel()
                await asyncio.wait({balance}, timeout=self.layout.lease_ttl)

    async def _renewals(self) -> None:
        loop = asyncio.get_running_loop()
        period = self.layout.lease_ttl / 3
        while self._renewing:
            started = loop.time()
            await self.renew()
            await asyncio.sleep(max(0.0, started + period - loop.time()))

    async def tick(self, *, renew: bool = True) -> None:
        """One round: (with ``renew``) :meth:`renew`; then restart any worker that died
        while its lease is held, give back the leases above the fair share and those of
        deactivated LIIDs whose records are all delivered (in the background: the records
        sent are drained while the lease is still renewed), take free or expired ones up to
        the share, and take deactivated LIIDs nobody holds whose records are not all
        delivered (outside the share: they are given back once delivered). A broker that
        does not answer (a server lost, a leader being elected) ends the round early,
        logged, and so does a round that has not ended after :attr:`round_limit` seconds;
        the next round tries again."""
        if renew:
            await self.renew()
        self._supervise()
        try:
            await asyncio.wait_for(self._balance(), self.round_limit)
        except Exception as exc:
            log.warning("%s: lease round cut short: %r", self.name, exc)

    @property
    def round_limit(self) -> float:
        """Seconds a balancing round may take before it is cut short (a listing of the
        broker that never ends must not stop the node taking leases)."""
        return max(30.0, 6 * self.layout.lease_ttl)

    async def renew(self) -> None:
        """Heartbeat and renew every lease held, concurrently, within the lease time.
        Never raises (but cancellation): what fails is logged and tried again next time."""
        async with self._renew_lock:
            results = await asyncio.gather(
                asyncio.wait_for(self._heartbeat(), self.layout.lease_ttl),
                *(asyncio.wait_for(self._renew(liid), self.layout.lease_ttl)
                  for liid in list(self.leases)),
                return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.warning("%s: lease renewal cut short: %r", self.name, result)
            elif isinstance(result, BaseException):
                raise result

    async def _heartbeat(self) -> None:
        now = self._now_ms()
        await self.buckets["nodes"].put(self.identity, str(now + self._ttl_ms).encode())

    async def _balance(self) -> None:
        from nats.js.errors import NoKeysError

        now = self._now_ms()
        active, removed = await self.liids()
        self._liids = (self._liids | active) - removed  # a short listing removes nothing
        liids = self._liids
        try:
            names = await self.buckets["nodes"].keys()
        except NoKeysError:
            names = [self.identity]
        live = 0
        for node in names:
            try:
                entry = await self.buckets["nodes"].get(node)
                live += int(entry.value or b"0") > now
            except Exception:
                continue
        share = fair_share(len(liids), max(live, 1))
        kept = sorted(liid for liid in self.leases if liid not in self._releasing)
        wanted = [liid for liid in kept if liid in liids]
        for liid in wanted[share:]:
            self._release_later(liid)
        for liid in kept:
            # deactivated: kept (renewed, read) until its last records are proven
            if liid not in liids and await self._removed_action(
                    liid, held=True, tombstoned=liid in removed) == "release":
                self._release_later(liid)
        free = [liid for liid in liids if liid not in self.leases]
        random.shuffle(free)
        held = sum(1 for liid in self.leases if liid in liids and liid not in self._releasing)
        for liid in free:
            if held >= share:
                break
            if await self._take(liid):
                held += 1
        await self._adopt_removed(removed - liids)

    async def _removed_action(self, liid: str, *, held: bool,
                              tombstoned: bool) -> RemovedDecision:
        """:func:`decide_removed` for ``liid`` (no active task has it), its consumer asked
        only while its tombstone is in the bucket."""
        if not tombstoned:
            return decide_removed(held=held, tombstoned=False, pending=0, ack_pending=0)
        pending, ack_pending = await self._backlog(liid)
        running = self._running.get(liid)
        inflight = len(running.inflight) if running is not None and held else 0
        return decide_removed(held=held, tombstoned=True, pending=pending,
                              ack_pending=ack_pending, inflight=inflight)

    async def _adopt_removed(self, removed: set[str]) -> None:
        """Take each deactivated LIID (its tombstone still in the bucket) that nobody holds
        and whose records were not all delivered: its owner died or stopped before they
        were, or they reached the stream after it gave the LIID back. At most
        :attr:`removed_checks` are asked of the broker per round, those asked least lately
        first; one found delivered is not asked again while the stream's last sequence is
        unchanged."""
        for cache in (self._settled, self._asked):
            for liid in [liid for liid in cache if liid not in removed]:
                del cache[liid]  # purged, or active again
        candidates = [liid for liid in removed if liid not in self.leases]
        if not candidates or self._closing:
            return
        last = await self._stream_last_seq()
        candidates = [liid for liid in candidates if self._settled.get(liid) != last]
        candidates.sort(key=lambda liid: self._asked.get(liid, -1))
        self._round += 1
        for liid in candidates[:self.removed_checks]:
            self._asked[liid] = self._round
            if await self._removed_action(liid, held=False, tombstoned=True) == "take":
                self._settled.pop(liid, None)
                if await self._take(liid):
                    log.info("%s: took deactivated LIID %s to deliver its last records",
                             self.name, liid)
            else:
                self._settled[liid] = last

    async def _backlog(self, liid: str) -> tuple[int, int]:
        """The messages of ``liid`` not delivered yet and those delivered but not
        acknowledged, as its durable consumer counts them; without a consumer, every
        message the stream holds on its subjects (none was handed over), and 0."""
        from nats.js.errors import NotFoundError

        key = encode_liid(liid)
        try:
            info = await self.js.consumer_info(self.layout.stream, _durable_name(key))
        except NotFoundError:
            stream = await self.js.stream_info(
                self.layout.stream, subjects_filter=f"{SUBJECT_PREFIX}.{key}.*")
            return sum((stream.state.subjects or {}).values()), 0
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)

    async def _stream_last_seq(self) -> int:
        info = await self.js.stream_info(self.layout.stream)
        return int(info.state.last_seq or 0)

    def _release_later(self, liid: str) -> None:
        self._releasing.add(liid)  # at once: the next round does not release it again
        task = asyncio.create_task(self.release(liid), name=f"{self.name}-release-{liid}")
        self._release_tasks.add(task)
        task.add_done_callback(self._release_tasks.discard)

    def _supervise(self) -> None:
        """Start again the worker of each lease held whose task ended (it only ends when
        its lease is lost or released): a worker that died must not leave an LIID held and
        never read."""
        for liid in list(self._workers):
            if liid not in self.leases and self._workers[liid].done():
                del self._workers[liid]
        for liid, (lease, _) in list(self.leases.items()):
            task = self._workers.get(liid)
            if liid in self._releasing or (task is not None and not task.done()):
                continue
            if task is not None:
                why = ("cancelled" if task.cancelled() else repr(task.exception())
                       if task.exception() is not None else "returned")
                log.error("%s: worker of LIID %s ended while the lease is held (%s); "
                          "starting it again", self.name, liid, why)
            self._workers[liid] = asyncio.create_task(self._work(liid, lease.epoch))

    def _key(self, liid: str) -> str:
        return encode_liid(liid)

    async def _take(self, liid: str) -> bool:
        from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

        kv = self.buckets["leases"]
        key = self._key(liid)
        now = self._now_ms()
        try:
            entry = await kv.get(key)
            exists, revision = True, entry.revision
            current = Lease.from_bytes(entry.value)
        except KeyNotFoundError:
            exists, revision, current = False, 0, None
        decision = decide_lease(current, self.identity, now, exists=exists)
        if decision == "keep-away" or self._closing:
            return False
        lease = next_lease(current, self.identity, now, self._ttl_ms)
        try:
            if decision == "create":
                revision = await kv.create(key, lease.to_bytes())
            else:
                revision = await kv.update(key, lease.to_bytes(), last=revision)
        except KeyWrongLastSequenceError:
            return False  # another node was quicker
        if self._closing:  # taken while the node stops: given back at once
            with contextlib.suppress(Exception):
                await kv.update(key, Lease(self.identity, 0, lease.epoch).to_bytes(),
                                last=revision)
            return False
        self.leases[liid] = (lease, revision)
        self.stats.taken += 1
        log.info("%s: took LIID %s (epoch %d)", self.name, liid, lease.epoch)
        old = self._workers.get(liid)
        if old is not None:
            old.cancel()
        self._workers[liid] = asyncio.create_task(self._work(liid, lease.epoch))
        return True

    async def _renew(self, liid: str) -> None:
        """Renew one lease held, compare-and-set on the revision this node wrote last. A
        conflict is a loss only if the entry is no longer this holding (another node took
        it); a renewal late (the process starved past the lease time) keeps the LIID if
        nobody took it meanwhile; a broker that does not answer leaves the lease as it is
        (the worker stops sending when it is about to expire)."""
        from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError

        held = self.leases.get(liid)
        if held is None:
            return
        lease, revision = held
        now = self._now_ms()
        fresh = lease.renewed(now, self._ttl_ms)
        kv, key = self.buckets["leases"], self._key(liid)
        try:
            try:
                revision = await kv.update(key, fresh.to_bytes(), last=revision)
            except KeyWrongLastSequenceError:
                try:  # our own write whose answer was lost, or another node's?
                    entry = await kv.get(key)
                except (KeyNotFoundError, KeyDeletedError):
                    raise KeyWrongLastSequenceError from None
                if not lease.same_holding(Lease.from_bytes(entry.value)):
                    raise
                revision = await kv.update(key, fresh.to_bytes(), last=entry.revision)
        except KeyWrongLastSequenceError:
            if self.leases.get(liid) is held:
                await self._lose(liid, "taken by another node")
            return
        if self.leases.get(liid) is held:  # not released or lost meanwhile
            self.leases[liid] = (fresh, revision)
            if not lease.live(now):
                log.info("%s: renewed LIID %s late (nobody had taken it)", self.name, liid)

    async def _lose(self, liid: str, why: str) -> None:
        log.warning("%s: lost LIID %s (%s)", self.name, liid, why)
        self.stats.lost += 1
        held = self.leases.pop(liid, None)
        worker = self._workers.pop(liid, None)
        if worker is not None:
            worker.cancel()
        if held is not None:  # if still ours, expire it: the next owner gets a new epoch
            with contextlib.suppress(Exception):
                await self.buckets["leases"].update(
                    self._key(liid), Lease(self.identity, 0, held[0].epoch).to_bytes(),
                    last=held[1])

    async def release(self, liid: str, *, drain: float = 10.0) -> None:
        """Give the lease of ``liid`` back: stop reading its records, wait up to ``drain``
        seconds for those sent to be proven (the lease still renewed meanwhile), then write
        the lease expired, its epoch kept (compare-and-set): any node may take it, with a
        larger epoch. A release cut short leaves the LIID held and read as before."""
        self._releasing.add(liid)
        running = self._running.get(liid)
        try:
            if running is not None:
                running.stopping = True
                end = asyncio.get_running_loop().time() + drain
                while running.inflight and asyncio.get_running_loop().time() < end:
                    await asyncio.sleep(0.05)
            await self._stop_worker(liid)
            async with self._renew_lock:  # no renewal of it in flight
                held = self.leases.pop(liid, None)
                if held is not None:
                    try:  # expired at once, its epoch kept: the next owner's is larger
                        await self.buckets["leases"].update(
                            self._key(liid),
                            Lease(self.identity, 0, held[0].epoch).to_bytes(), last=held[1])
                    except Exception as exc:
                        log.warning("%s: lease of %s not released: %r", self.name, liid, exc)
                    self.stats.released += 1
                    log.info("%s: released LIID %s", self.name, liid)
        finally:
            self._releasing.discard(liid)
            if running is not None and liid in self.leases:
                running.stopping = False  # cut short: the next round restarts a worker

    async def _stop_worker(self, liid: str) -> None:
        """Stop the worker of ``liid`` and wait for it, boundedly: it ends by itself at its
        next turn (its flag set, or its lease gone) even if the cancellation is lost."""
        running = self._running.get(liid)
        if running is not None:
            running.stopped = True
        worker = self._workers.pop(liid, None)
        if worker is None:
            return
        worker.cancel()
        await asyncio.wait({worker}, timeout=self.layout.lease_ttl)
        if not worker.done():
            log.warning("%s: worker of LIID %s still running after its stop; it ends at "
                        "its next turn", self.name, liid)

    async def shutdown(self, drain: float = 2.0) -> None:
        """Stop every worker and release every lease (all at once, waiting up to ``drain``
        seconds for the records sent to be proven, and for releases already under way).
        No lease is taken afterwards."""
        self._closing = True
        await asyncio.gather(*(self.release(liid, drain=drain) for liid in list(self.leases)
                               if liid not in self._releasing),
                             *list(self._release_tasks), return_exceptions=True)
        for worker in self._workers.values():
            worker.cancel()

    def holds(self, liid: str) -> bool:
        """Whether the lease of ``liid`` is held and not about to expire (a margin of a
        sixth of the lease time for clocks and the time a send takes)."""
        held = self.leases.get(liid)
        return held is not None and held[0].until_ms - self._ttl_ms // 6 > self._now_ms()

    # -- one LIID's records ---------------------------------------------------------------

    def _holding(self, liid: str, epoch: int) -> bool:
        held = self.leases.get(liid)
        return held is not None and held[0].epoch == epoch

    async def _work(self, liid: str, epoch: int) -> None:
        """Run the LIID's worker while the lease is held; a worker that fails (the broker
        unreachable, its consumer gone) starts again from the acknowledgement floor."""
        while self._holding(liid, epoch) and liid not in self._releasing:
            worker = self._running[liid] = LIIDWorker(self, liid, epoch)
            try:
                await worker.run()
                return
            except asyncio.CancelledError:
                raise
            except LeaseLost as exc:
                if self._holding(liid, epoch):  # not a holding taken again since
                    if self._workers.get(liid) is asyncio.current_task():
                        del self._workers[liid]
                    await self._lose(liid, str(exc))
                return
            except Exception as exc:
                log.warning("%s: worker of LIID %s failed (%r); starting again", self.name,
                            liid, exc)
                await asyncio.sleep(0.5)
            finally:
                if self._running.get(liid) is worker:
                    del self._running[liid]


def _durable_name(key: str) -> str:
    """The durable consumer of the LIID whose subject token is ``key``."""
    return f"h_{key}"


class LIIDWorker:
    """The records of one LIID at its owner (see :class:`HandoverNode`)."""

    def __init__(self, node: HandoverNode, liid: str, epoch: int) -> None:
        self.node = node
        self.liid = liid
        self.epoch = epoch
        self.key = encode_liid(liid)
        self.durable = _durable_name(self.key)
        self.state = LIIDNumbering()
        self.revision = 0
        self.inflight: dict[int, Any] = {}
        self.stopping = False
        """Set while the lease is given back: nothing more is read, the records sent are
        waited for."""
        self.stopped = False
        """Set when the worker must end (its loop ends at the next turn)."""
        self.loop = asyncio.get_running_loop()
        self._acks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        node = self.node
        await self._load()
        # the fence first: an owner whose lease a newer epoch took stops here, before it
        # makes the LIID's consumer anew under the newer owner's feet
        await self._write(lambda state: None)
        sub = await self._consumer()
        trimmed_at = 0.0
        try:
            from nats.errors import TimeoutError as NatsTimeout
            from nats.js.errors import FetchTimeoutError

            # the loop ends on its own when the lease is gone or the node stops it: a
            # cancellation may be lost (nats-py swallows one while it flushes, and before
            # Python 3.12 asyncio.wait_for may return a result instead of cancelling)
            while node._holding(self.liid, self.epoch) and not self.stopped:
                if self.stopping:
                    await asyncio.sleep(0.05)
                    continue
                room = node.max_ack_pending - len(self.inflight)
                if room <= 0:
                    await asyncio.sleep(0.05)
                    continue
                try:
                    msgs = await sub.fetch(min(node.batch, room), timeout=1.0)
                except (FetchTimeoutError, NatsTimeout, TimeoutError):
                    msgs = []
                # the state written with every batch carries the assignments above the
                # floor: trimmed often, it stays small
                if self.loop.time() - trimmed_at > 0.5:
                    trimmed_at = self.loop.time()
                    await self._trim()
                if msgs:
                    await self._handle(msgs)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _consumer(self) -> Any:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        js, stream = self.node.js, self.node.layout.stream
        floor = 0
        try:
            info = await js.consumer_info(stream, self.durable)
            floor = info.ack_floor.stream_seq or 0
            await js.delete_consumer(stream, self.durable)
        except NotFoundError:
            pass
        config = ConsumerConfig(
            durable_name=self.durable, filter_subject=f"{SUBJECT_PREFIX}.{self.key}.*",
            ack_policy=AckPolicy.EXPLICIT, ack_wait=self.node.ack_wait,
            max_ack_pending=self.node.max_ack_pending, max_deliver=-1,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if floor else DeliverPolicy.ALL,
            opt_start_seq=floor + 1 if floor else None)
        await js.add_consumer(stream, config)
        return await js.pull_subscribe_bind(durable=self.durable, stream=stream)

    async def _load(self) -> None:
        from nats.js.errors import KeyNotFoundError

        try:
            entry = await self.node.buckets["numbering"].get(self.key)
        except KeyNotFoundError:
            self.state, self.revision = LIIDNumbering(), 0
            return
        self.state = LIIDNumbering.from_bytes(entry.value)
        self.revision = entry.revision

    async def _write(self, change: Callable[[LIIDNumbering], object]) -> object:
        """Apply ``change`` to a copy of the state and store it compare-and-set; on a
        conflict, load the state again and apply ``change`` to it (an older owner's last
        write wins its numbers; a newer owner's epoch means this one lost the LIID)."""
        from nats.js.errors import KeyWrongLastSequenceError

        kv = self.node.buckets["numbering"]
        for _ in range(20):
            if self.state.epoch > self.epoch:
                raise LeaseLost(f"LIID {self.liid}: epoch {self.state.epoch} owns it now")
            trial = LIIDNumbering.from_bytes(self.state.to_bytes())
            result = change(trial)
            trial.epoch = self.epoch
            try:
                if self.revision == 0:
                    self.revision = await kv.create(self.key, trial.to_bytes())
                else:
                    self.revision = await kv.update(self.key, trial.to_bytes(),
                                                    last=self.revision)
            except KeyWrongLastSequenceError:
                await self._load()
                continue
            self.state = trial
            return result
        raise ClusterError(f"LIID {self.liid}: the numbering state kept changing under it")

    async def _trim(self) -> None:
        try:
            info = await self.node.js.consumer_info(self.node.layout.stream, self.durable)
        except Exception:
            return
        floor = info.ack_floor.stream_seq or 0
        if any(seq <= floor for seq in self.state.assigned):
            await self._write(lambda state: state.trim(floor))

    async def _handle(self, msgs: list[Any]) -> None:
        node = self.node
        fresh: list[tuple[Any, int, dict[str, Any], int, str]] = []
        for msg in msgs:
            seq = msg.metadata.sequence.stream
            if seq in self.inflight:
                continue  # redelivered while its proof is awaited
            try:
                value, cin, kind = node.stamper.read(msg.data)
            except ClusterError as exc:
                log.error("%s: LIID %s message %d rejected: %s", node.name, self.liid, seq, exc)
                node.stats.rejected += 1
                await msg.term()
                continue
            fresh.append((msg, seq, value, cin, kind))
        if not fresh:
            return

        def assign(state: LIIDNumbering) -> list[int | None]:
            return [state.number(seq, cin, kind) for _, seq, _, cin, kind in fresh]

        known = {seq for _, seq, _, _, _ in fresh if seq in self.state.assigned}
        numbers = await self._write(assign)
        assert isinstance(numbers, list)
        while not node.holds(self.liid):  # renewal late (the broker busy): wait for it
            if not node._holding(self.liid, self.epoch):
                raise LeaseLost(f"LIID {self.liid}: the lease expired")
            if self.stopped:  # numbered, not sent: the next owner sends them, same numbers
                return
            await asyncio.sleep(0.05)
        groups: dict[tuple[str, str], list[tuple[bytes, Callable[[], object]]]] = {}
        for (msg, seq, value, _, _), number in zip(fresh, numbers, strict=True):
            if number is None:
                await msg.ack()  # acknowledged before: below the floor
                continue
            if seq in known:
                node.stats.renumbered += 1
            else:
                node.stats.numbered += 1
            headers = msg.headers or {}
            target = (headers.get(HEADER_DESTINATION, ""), headers.get(HEADER_INTERFACE, "hi2"))
            self.inflight[seq] = msg
            groups.setdefault(target, []).append(
                (node.stamper.stamp(value, number), self._proof(seq)))
        for (destination, interface), batch in groups.items():
            await asyncio.to_thread(node.sink.send, destination, interface, self.liid, batch)
            node.stats.sent += len(batch)

    def _proof(self, seq: int) -> Callable[[], object]:
        def proven() -> None:
            self.loop.call_soon_threadsafe(self._acknowledge, seq)
        return proven

    def _acknowledge(self, seq: int) -> None:
        msg = self.inflight.pop(seq, None)
        if msg is not None:
            self.node.stats.acknowledged += 1
            task = self.loop.create_task(self._ack(msg, seq))
            self._acks.add(task)  # kept until done: a task nobody holds may be collected
            task.add_done_callback(self._acks.discard)

    async def _ack(self, msg: Any, seq: int) -> None:
        try:
            await msg.ack()
        except Exception as exc:  # it comes again after the ack wait, with its number
            log.info("%s: LIID %s message %d not acknowledged: %r", self.node.name,
                     self.liid, seq, exc)
