"""The lease keeping of a handover node against an in-memory key-value bucket with the
broker's compare-and-set rules, and a clock the test moves: a node starved past its lease
time, a renewal whose answer was lost, a balancing round that never ends, a worker that
died, a release that drains for long, a deactivated LIID whose last records are not all
delivered (docs/cluster.md). Every outcome must lead back to progress: the LIID held and
read by some node until its records are delivered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("nats")

from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import (
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
)

from lawful_intercept.cluster import ClusterLayout, HandoverNode, Lease, encode_liid

TTL = 2.0  # seconds
WAIT = 60.0  # the most a condition is waited for (a loaded machine), never a measure


@dataclass
class Entry:
    key: str
    value: bytes
    revision: int


class FakeBucket:
    """The part of a nats-py key-value handle a node uses, with the broker's rules: one
    revision sequence for the bucket, ``create`` only on a missing key, ``update`` only on
    the revision given. ``lose_answers`` updates are applied but answered with a timeout
    (the answer lost on its way back)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.revision = 0
        self.lose_answers = 0
        self.updates: dict[str, int] = {}

    def _write(self, key: str, value: bytes) -> int:
        self.revision += 1
        self.entries[key] = Entry(key, value, self.revision)
        self.updates[key] = self.updates.get(key, 0) + 1
        return self.revision

    async def get(self, key: str) -> Entry:
        await asyncio.sleep(0)
        if key not in self.entries:
            raise KeyNotFoundError
        return self.entries[key]

    async def put(self, key: str, value: bytes) -> int:
        await asyncio.sleep(0)
        return self._write(key, value)

    async def create(self, key: str, value: bytes) -> int:
        await asyncio.sleep(0)
        if key in self.entries:
            raise KeyWrongLastSequenceError
        return self._write(key, value)

    async def update(self, key: str, value: bytes, last: int) -> int:
        await asyncio.sleep(0)
        entry = self.entries.get(key)
        if entry is None or entry.revision != last:
            raise KeyWrongLastSequenceError
        revision = self._write(key, value)
        if self.lose_answers:
            self.lose_answers -= 1
            raise NatsTimeout
        return revision

    async def keys(self) -> list[str]:
        await asyncio.sleep(0)
        if not self.entries:
            raise NoKeysError
        return list(self.entries)

    def lease(self, liid: str) -> Lease | None:
        entry = self.entries.get(encode_liid(liid))
        return None if entry is None else Lease.from_bytes(entry.value)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Worker:
    """Stands for the LIID workers (which need a JetStream consumer): records each start,
    and either runs until cancelled or, while ``failures`` is above zero, dies at once."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.failures = 0

    async def __call__(self, liid: str, epoch: int) -> None:
        self.started.append((liid, epoch))
        if self.failures:
            self.failures -= 1
            raise RuntimeError("a worker's bug")
        await asyncio.Event().wait()


class Node(HandoverNode):
    """A handover node whose LIID workers are :class:`Worker`."""

    def __init__(self, buckets: dict[str, Any], name: str,
                 liids: Callable[[], Awaitable[tuple[set[str], set[str]]]], *,
                 clock: Callable[[], float], ttl: float = TTL) -> None:
        super().__init__(None, buckets, Sink(), name=name, liids=liids,
                         layout=ClusterLayout(replicas=1, lease_ttl=ttl), clock=clock)
        self.worker = Worker()
        self.backlogs: dict[str, tuple[int, int]] = {}
        """Each LIID's consumer as the broker would count it: (pending, ack pending)."""
        self.asked: list[str] = []
        self.stream_seq = 1

    async def _work(self, liid: str, epoch: int) -> None:
        await self.worker(liid, epoch)

    async def _backlog(self, liid: str) -> tuple[int, int]:
        await asyncio.sleep(0)
        self.asked.append(liid)
        return self.backlogs.get(liid, (0, 0))

    async def _stream_last_seq(self) -> int:
        await asyncio.sleep(0)
        return self.stream_seq


class Sink:
    def send(self, destination: str, interface: str, liid: str, batch: Any) -> None:
        raise AssertionError("the test workers send nothing")


def fixed(*liids: str, removed: tuple[str, ...] = ()
          ) -> Callable[[], Awaitable[tuple[set[str], set[str]]]]:
    async def listing() -> tuple[set[str], set[str]]:
        return set(liids), set(removed)
    return listing


def buckets() -> dict[str, Any]:
    return {"leases": FakeBucket(), "nodes": FakeBucket(), "numbering": FakeBucket()}


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def stop_all(*nodes: HandoverNode) -> None:
    for node in nodes:
        await node.shutdown(drain=0)


def test_a_node_starved_past_its_lease_time_keeps_the_liid_nobody_took() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        node = Node(kv, "h1", fixed("A"), clock=clock)
        await node.tick()
        assert node.owned == {"A"}
        clock.now += 5 * TTL  # the process got no CPU for longer than the lease time
        assert not node.holds("A")
        await node.tick()
        assert node.owned == {"A"} and node.holds("A")
        assert node.stats.lost == 0
        lease = kv["leases"].lease("A")
        assert lease is not None and lease.epoch == 0 and lease.live(int(clock.now * 1000))
        await settle()
        assert node.worker.started == [("A", 0)]  # its worker never stopped
        await stop_all(node)

    asyncio.run(scenario())


def test_a_starved_node_whose_liid_was_taken_gives_it_up_and_takes_it_back_later() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        h1 = Node(kv, "h1", fixed("A"), clock=clock)
        h2 = Node(kv, "h2", fixed("A"), clock=clock)
        await h1.tick()
        clock.now += 5 * TTL  # h1 starved; h2 sees its lease expired
        await h2.tick()
        assert h2.owned == {"A"}
        await h1.tick()  # h1 wakes up: its renewal's compare-and-set fails
        assert h1.owned == set() and h1.stats.lost == 1
        assert h2.owned == {"A"}
        lease = kv["leases"].lease("A")
        assert lease is not None and lease.owner == h2.identity and lease.epoch == 1
        await h2.shutdown(drain=0)  # h2 leaves: h1 takes the LIID back, a newer epoch
        await h1.tick()
        await settle()
        assert h1.owned == {"A"}
        assert h1.worker.started[-1] == ("A", 2)
        await stop_all(h1)

    asyncio.run(scenario())


def test_a_renewal_whose_answer_was_lost_does_not_lose_the_liid() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        node = Node(kv, "h1", fixed("A"), clock=clock)
        await node.tick()
        kv["leases"].lose_answers = 1
        clock.now += TTL / 3
        await node.tick()  # renewed, but the node did not learn the new revision
        clock.now += TTL / 3
        await node.tick()  # its own entry: carries on from there
        assert node.owned == {"A"} and node.holds("A") and node.stats.lost == 0
        await settle()
        assert node.worker.started == [("A", 0)]
        await stop_all(node)

    asyncio.run(scenario())


def test_renewals_go_on_while_a_balancing_round_never_ends() -> None:
    """A listing of the broker that never answers (a watcher that never ends) must not
    stop the renewals, nor the node stopping when asked."""
    async def scenario() -> None:
        kv = buckets()
        calls = 0
        forever = asyncio.Event()

        async def liids() -> tuple[set[str], set[str]]:
            nonlocal calls
            calls += 1
            if calls > 1:
                await forever.wait()
            return {"A"}, set()

        node = Node(kv, "h1", liids, clock=time.time, ttl=0.5)
        stop = asyncio.Event()
        running = asyncio.create_task(node.run(stop))
        loop = asyncio.get_running_loop()
        end = loop.time() + WAIT
        while calls < 2 and loop.time() < end:
            await asyncio.sleep(0.01)
        assert calls >= 2 and node.owned == {"A"}
        renewed = kv["leases"].updates[encode_liid("A")]
        while kv["leases"].updates[encode_liid("A")] < renewed + 3 and loop.time() < end:
            await asyncio.sleep(0.01)
        assert kv["leases"].updates[encode_liid("A")] >= renewed + 3
        assert node.owned == {"A"} and node.stats.lost == 0
        stop.set()
        await asyncio.wait_for(running, WAIT)
        lease = kv["leases"].lease("A")
        assert lease is not None and lease.until_ms == 0  # released on the way out

    asyncio.run(scenario())


def test_a_worker_that_died_is_started_again_while_the_lease_is_held() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        node = Node(kv, "h1", fixed("A"), clock=clock)
        node.worker.failures = 1
        await node.tick()
        await settle()
        assert node.worker.started == [("A", 0)]
        await node.tick()
        await settle()
        assert node.worker.started == [("A", 0), ("A", 0)]
        await node.tick()
        await settle()
        assert len(node.worker.started) == 2  # running now: not started a third time
        await stop_all(node)

    asyncio.run(scenario())


class Draining:
    """Stands for a worker whose records sent are not proven yet."""

    def __init__(self) -> None:
        self.inflight: dict[int, object] = {1: object()}
        self.stopping = False


def test_a_release_drains_in_the_background_with_the_lease_still_renewed() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        node = Node(kv, "h1", fixed("A", "B"), clock=clock)
        await node.tick()
        assert node.owned == {"A", "B"}
        draining = Draining()
        node._running["B"] = draining  # type: ignore[assignment]
        # a second node comes up: the share is one each, B is given back once its
        # records sent are proven
        await kv["nodes"].put("h2-0", str(int(clock.now * 1000) + 60_000).encode())
        await node.tick()
        await settle()
        assert draining.stopping and node.owned == {"A", "B"}  # draining, still held
        clock.now += TTL / 2
        await node.tick()
        for liid in ("A", "B"):
            lease = kv["leases"].lease(liid)
            assert lease is not None and lease.live(int(clock.now * 1000) + int(TTL * 400))
        draining.inflight.clear()  # proven
        await until(lambda: "B" not in node.owned)
        assert node.owned == {"A"} and node.stats.released == 1
        lease = kv["leases"].lease("B")
        assert lease is not None and not lease.live(int(clock.now * 1000))
        await stop_all(node)

    asyncio.run(scenario())


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT
    while not condition():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.01)


def test_a_deactivated_liid_is_kept_until_its_records_are_delivered_and_proven() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        listing, gone = {"A", "B"}, set[str]()

        async def liids() -> tuple[set[str], set[str]]:
            return set(listing), set(gone)

        node = Node(kv, "h1", liids, clock=clock)
        await node.tick()
        assert node.owned == {"A", "B"}
        draining = Draining()
        node._running["A"] = draining  # type: ignore[assignment]
        node.backlogs["A"] = (3, 1)  # unread, and delivered but not acknowledged
        listing.discard("A")
        gone.add("A")  # A's task deactivated (a tombstone)
        for _ in range(3):
            clock.now += TTL / 3
            await node.tick()
            await settle()
            assert node.owned == {"A", "B"} and not draining.stopping  # kept, read
            lease = kv["leases"].lease("A")
            assert lease is not None and lease.live(int(clock.now * 1000) + int(TTL * 400))
        node.backlogs["A"] = (0, 0)  # the consumer has nothing left ...
        await node.tick()
        await settle()
        assert node.owned == {"A", "B"}  # ... but a record sent is not proven yet
        draining.inflight.clear()
        await node.tick()
        await until(lambda: "A" not in node.owned)
        assert node.owned == {"B"} and node.stats.released == 1
        lease = kv["leases"].lease("A")
        assert lease is not None and not lease.live(int(clock.now * 1000))
        await stop_all(node)

    asyncio.run(scenario())


def test_a_deactivated_liid_whose_tombstone_is_purged_is_given_back() -> None:
    """Once its tombstone is purged (a day after it was written) the LIID's consumer is no
    longer asked and the lease is given back: what bounds the checks."""
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        listing, gone = {"A"}, set[str]()

        async def liids() -> tuple[set[str], set[str]]:
            return set(listing), set(gone)

        node = Node(kv, "h1", liids, clock=clock)
        await node.tick()
        node.backlogs["A"] = (5, 0)  # never delivered (a LEMF refusing it, say)
        listing.clear()
        gone.add("A")
        await node.tick()
        await node.tick()
        assert node.owned == {"A"} and node.asked == ["A", "A"]
        gone.clear()  # purged
        await node.tick()
        await until(lambda: not node.owned)
        assert node.asked == ["A", "A"] and node.stats.released == 1
        await node.tick()
        assert node.asked == ["A", "A"] and not node.owned
        await stop_all(node)

    asyncio.run(scenario())


def test_a_deactivated_liid_nobody_holds_is_taken_while_records_are_left() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        node = Node(kv, "h1", fixed(removed=("A",)), clock=clock)
        node.backlogs["A"] = (2, 0)  # its owner stopped before delivering these
        await node.tick()
        await settle()
        assert node.owned == {"A"} and node.worker.started == [("A", 0)]
        node.backlogs["A"] = (0, 0)
        await node.tick()
        await until(lambda: not node.owned)
        assert node.stats.released == 1
        asked = len(node.asked)
        for _ in range(3):  # delivered, the stream unchanged: not asked again
            await node.tick()
        assert len(node.asked) == asked + 1 and not node.owned
        node.stream_seq += 1  # something was published: asked again, and taken again
        node.backlogs["A"] = (1, 0)
        await node.tick()
        await settle()
        assert len(node.asked) == asked + 2 and node.owned == {"A"}
        assert node.worker.started[-1] == ("A", 1)
        await stop_all(node)

    asyncio.run(scenario())


def test_a_deactivated_liid_another_node_holds_is_left_to_it() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        h1 = Node(kv, "h1", fixed("A"), clock=clock)
        await h1.tick()
        h2 = Node(kv, "h2", fixed(removed=("A",)), clock=clock)
        h2.backlogs["A"] = (4, 0)
        await h2.tick()
        assert h2.owned == set() and h1.owned == {"A"}  # a live lease: kept away
        await stop_all(h1, h2)

    asyncio.run(scenario())


def test_a_deactivated_liid_of_a_dead_owner_is_taken_once_its_lease_expires() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        h1 = Node(kv, "h1", fixed("A"), clock=clock)
        await h1.tick()
        h2 = Node(kv, "h2", fixed(removed=("A",)), clock=clock)
        h2.backlogs["A"] = (0, 3)  # sent by h1, never acknowledged: h1 died (no renewal)
        clock.now += 2 * TTL
        await h2.tick()
        await settle()
        assert h2.owned == {"A"} and h2.worker.started == [("A", 1)]
        await stop_all(h2)

    asyncio.run(scenario())


def test_the_deactivated_liids_asked_per_round_are_bounded_and_take_turns() -> None:
    async def scenario() -> None:
        kv, clock = buckets(), Clock()
        gone = tuple(f"L{i:03d}" for i in range(100))
        node = Node(kv, "h1", fixed(removed=gone), clock=clock)
        await node.tick()
        assert len(node.asked) == node.removed_checks == 64
        first = set(node.asked)
        node.stream_seq += 1  # nothing cached holds: all would be asked again
        await node.tick()
        assert set(node.asked[64:128]) >= set(gone) - first  # the others first
        assert not node.owned  # nothing left in any: none taken
        await stop_all(node)

    asyncio.run(scenario())


class FakeSubscription:
    """A pull subscription with no message that loses a cancellation arriving while it
    waits, as nats-py does while it flushes (and asyncio.wait_for may before Python 3.12)."""

    def __init__(self) -> None:
        self.fetches = 0

    async def fetch(self, batch: int, timeout: float) -> list[Any]:
        from nats.js.errors import FetchTimeoutError

        self.fetches += 1
        with contextlib.suppress(asyncio.CancelledError):  # lost
            await asyncio.sleep(timeout)
        raise FetchTimeoutError

    async def unsubscribe(self) -> None:
        await asyncio.sleep(0)


@dataclass
class Floor:
    stream_seq: int = 0


@dataclass
class Info:
    ack_floor: Floor


class FakeJetStream:
    """The consumer calls of a worker: one durable consumer per LIID, no messages."""

    def __init__(self) -> None:
        self.consumers: set[str] = set()
        self.subscriptions: list[FakeSubscription] = []

    async def consumer_info(self, stream: str, durable: str) -> Info:
        from nats.js.errors import NotFoundError

        await asyncio.sleep(0)
        if durable not in self.consumers:
            raise NotFoundError
        return Info(Floor())

    async def delete_consumer(self, stream: str, durable: str) -> None:
        self.consumers.discard(durable)

    async def add_consumer(self, stream: str, config: Any) -> None:
        self.consumers.add(config.durable_name)

    async def pull_subscribe_bind(self, *, durable: str, stream: str) -> FakeSubscription:
        self.subscriptions.append(FakeSubscription())
        return self.subscriptions[-1]


def test_a_worker_whose_cancellation_is_lost_still_ends_and_its_lease_is_released() -> None:
    async def scenario() -> None:
        kv, js = buckets(), FakeJetStream()
        node = HandoverNode(js, kv, Sink(), name="h1", liids=fixed("A"),
                            layout=ClusterLayout(replicas=1, lease_ttl=TTL))
        await node.tick()
        assert node.owned == {"A"}
        loop = asyncio.get_running_loop()
        end = loop.time() + WAIT
        while not (js.subscriptions and js.subscriptions[0].fetches) and loop.time() < end:
            await asyncio.sleep(0.01)
        assert js.subscriptions and js.subscriptions[0].fetches  # reading its records
        worker = node._workers["A"]
        await asyncio.wait_for(node.shutdown(drain=0), WAIT)
        assert node.owned == set()
        lease = kv["leases"].lease("A")
        assert lease is not None and lease.until_ms == 0  # given back
        await asyncio.wait({worker}, timeout=WAIT)
        assert worker.done()  # ended by itself, its cancellation lost

    asyncio.run(scenario())
