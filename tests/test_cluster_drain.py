"""The last records of a deactivated LIID reach the agency (docs/cluster.md): handover nodes
on a real ``nats-server`` (JetStream) with a test sink. Records published, the task
tombstoned before they are delivered, and more records (as the ingest node's HI1
notification) after the tombstone: the owner keeps the LIID until every record is proven,
then gives it back; a record reaching the stream after that is taken again and delivered;
an owner stopped with records unproven leaves them to another node, which drains them."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from _cluster_support import jetstream, needs_nats_server

pytest.importorskip("nats")

import lawful_intercept
from lawful_intercept.cluster import (
    ClusterLayout,
    ClusterPublisher,
    ClusterRecord,
    ClusterTaskStore,
    HandoverNode,
    Lease,
    encode_liid,
)
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.mediation import MediationTask
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

pytestmark = needs_nats_server
SPEC = lawful_intercept.bundled()
WAIT = 120.0  # the most a condition is waited for (a loaded machine), never a measure
LAYOUT = ClusterLayout(replicas=1, lease_ttl=2.0)
LIID = "LIID.DRAIN"
CIN = 7


class Sink:
    """A record sink that keeps what it is sent and proves it at once, or (``holding``)
    keeps the proofs until :meth:`prove` (a LEMF that has not acknowledged yet)."""

    def __init__(self, *, holding: bool = False) -> None:
        self.lock = threading.Lock()
        self.holding = holding
        self.records: list[tuple[int, bytes]] = []  # (sequence number, PDU as sent)
        self.proofs: list[Callable[[], object]] = []

    def send(self, destination: str, interface: str, liid: str,
             batch: Sequence[tuple[bytes, Callable[[], object]]]) -> None:
        assert (destination, interface, liid) == ("agency", "hi3", LIID)
        with self.lock:
            for pdu, proven in batch:
                number = SPEC.decode("PS-PDU", pdu)["pSHeader"]["sequenceNumber"]
                self.records.append((number, pdu))
                self.proofs.append(proven)
            proofs = [] if self.holding else self.proofs
            self.proofs = self.proofs if self.holding else []
        for proven in proofs:
            proven()

    def prove(self) -> None:
        with self.lock:
            self.holding = False
            proofs, self.proofs = self.proofs, []
        for proven in proofs:
            proven()

    def numbers(self) -> list[int]:
        with self.lock:
            return [number for number, _ in self.records]

    def by_number(self) -> dict[int, bytes]:
        with self.lock:
            return dict(self.records)


def records(first: int, count: int) -> list[ClusterRecord]:
    builder = PSPDUBuilder(SessionIdentity(LIID, NetworkIdentifier(b"op", b"mf"), CIN),
                           spec=SPEC)
    ip = IPAccessRecords(builder)
    return [ClusterRecord(LIID, "CC", "agency", "hi3",
                          ip.ipcc(n.to_bytes(4, "big") * 5, "toTarget"))
            for n in range(first, first + count)]


class Cluster:
    """One connection to the server: the task store, a publisher, handover nodes."""

    def __init__(self, js: Any, buckets: dict[str, Any]) -> None:
        self.js = js
        self.buckets = buckets
        self.store = ClusterTaskStore(buckets["tasks"])
        self.publisher = ClusterPublisher(js)
        self.ticks: dict[str, int] = {}

    def node(self, name: str, sink: Sink) -> tuple[HandoverNode, asyncio.Event,
                                                   asyncio.Task[None]]:
        node = HandoverNode(self.js, self.buckets, sink, name=name,
                            liids=self.store.liid_changes, layout=LAYOUT)
        stop = asyncio.Event()
        self.ticks[name] = 0

        def on_tick(_: HandoverNode) -> None:
            self.ticks[name] += 1

        return node, stop, asyncio.create_task(node.run(stop, on_tick=on_tick))

    async def rounds(self, name: str, count: int) -> None:
        """Wait for ``count`` whole balancing rounds of node ``name`` from now."""
        target = self.ticks[name] + count + 1  # the round under way may predate the call
        await until(lambda: self.ticks[name] >= target, f"{count} rounds of {name}")

    async def put_task(self) -> MediationTask:
        """The task of ``LIID``, its CC for "agency", put into the task bucket."""
        task = MediationTask(uuid.uuid4(), LIID, "CCOnly", destinations=("agency",))
        await self.store.put(task)
        return task

    async def lease(self) -> Lease | None:
        entry = await self.buckets["leases"].get(encode_liid(LIID))
        return Lease.from_bytes(entry.value)

    async def backlog(self) -> tuple[int, int]:
        info = await self.js.consumer_info(LAYOUT.stream, f"h_{encode_liid(LIID)}")
        return int(info.num_pending), int(info.num_ack_pending)


async def until(condition: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT
    while not condition():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def run(url: str, job: Callable[[Cluster], Awaitable[None]]) -> None:
    async def main() -> None:
        async with jetstream([url], LAYOUT, name="test-drain") as (js, buckets):
            await job(Cluster(js, buckets))

    asyncio.run(main())


def test_a_deactivated_liid_is_kept_until_its_last_records_are_proven(nats_url: str) -> None:
    async def job(cluster: Cluster) -> None:
        task = await cluster.put_task()
        sink = Sink(holding=True)  # the LEMF has not acknowledged anything yet
        node, stop, running = cluster.node("h1", sink)
        try:
            await until(lambda: node.owned == {LIID}, "h1 taking the LIID")
            await cluster.publisher.publish(records(0, 20))
            await until(lambda: len(sink.numbers()) == 20, "the first records sent")
            await cluster.store.remove(task.xid)
            await cluster.rounds("h1", 2)  # h1 has seen the tombstone
            # what the ingest node makes after the tombstone (its HI1 notification)
            await cluster.publisher.publish(records(20, 5))
            await cluster.rounds("h1", 2)
            assert node.owned == {LIID}  # records unproven and unread: kept, read
            sink.prove()
            await until(lambda: len(sink.numbers()) == 25, "the last records sent")
            # owned empties when the release begins; released counts it once it is written
            await until(lambda: node.owned == set() and node.stats.released == 1,
                        "the LIID given back")
            assert sink.numbers() == list(range(25))  # every record once, no gap
            lease = await cluster.lease()
            assert lease is not None and lease.until_ms == 0  # released, not expired
            assert node.stats.released == 1 and node.stats.lost == 0
            assert await cluster.backlog() == (0, 0)

            # a record that reaches the stream after the LIID was given back (an ingest
            # node late with its notification) is taken again and delivered
            await cluster.publisher.publish(records(25, 1))
            await until(lambda: len(sink.numbers()) == 26, "the late record sent")
            await until(lambda: node.owned == set() and node.stats.released == 2,
                        "the LIID given back again")
            assert sink.numbers() == list(range(26))
            assert await cluster.backlog() == (0, 0)
            taken = node.stats.taken
            await cluster.rounds("h1", 3)
            assert node.stats.taken == taken and node.owned == set()  # nothing left: left
        finally:
            stop.set()
            await asyncio.wait_for(running, WAIT)

    run(nats_url, job)


def test_records_left_by_a_stopped_owner_are_drained_by_another_node(nats_url: str) -> None:
    async def job(cluster: Cluster) -> None:
        task = await cluster.put_task()
        dead = Sink(holding=True)  # a LEMF link that never proves anything
        h1, stop1, running1 = cluster.node("h1", dead)
        await until(lambda: h1.owned == {LIID}, "h1 taking the LIID")
        live = Sink()
        h2, stop2, running2 = cluster.node("h2", live)
        try:
            await cluster.publisher.publish(records(0, 10))
            await until(lambda: len(dead.numbers()) == 10, "h1 sending the records")
            await cluster.store.remove(task.xid)
            await cluster.publisher.publish(records(10, 5))  # after the tombstone
            await cluster.rounds("h1", 2)
            await cluster.rounds("h2", 2)
            assert h1.owned == {LIID} and h2.owned == set()  # h1 keeps it; h2 keeps away
            stop1.set()  # h1 stops: its lease given back, its records unproven
            await asyncio.wait_for(running1, WAIT)
            assert h1.owned == set()
            await until(lambda: len(live.numbers()) >= 15, "h2 sending the records")
            await until(lambda: h2.owned == set() and h2.stats.released == 1,
                        "h2 giving the LIID back")
            assert sorted(set(live.numbers())) == list(range(15))
            # what h1 sent is sent again with the same number, octet for octet
            sent_before = dead.by_number()
            again = live.by_number()
            assert all(again[number] == pdu for number, pdu in sent_before.items())
            assert await cluster.backlog() == (0, 0)
            lease = await cluster.lease()
            assert lease is not None and lease.until_ms == 0 and lease.epoch == 1
        finally:
            stop1.set()
            stop2.set()
            await asyncio.wait_for(asyncio.gather(running1, running2), WAIT)

    run(nats_url, job)
