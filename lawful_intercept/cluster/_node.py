"""The two roles of a cluster node as long-running coroutines, for the command line and
for tests: :func:`run_ingest` (an X2/X3 listener, the conversion, the publisher) and
:func:`run_handover` (a :class:`HandoverNode` delivering through
:class:`~lawful_intercept.delivery.HandoverDelivery` per destination)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..correlation import CINAllocator, NetworkIdentifier
from ..delivery import Destination, HandoverDelivery, HandoverSession
from ..errors import ClusterError
from ..mediation import Converted, X2X3Converter
from ..x2x3 import X2X3PDU, NetworkElement, X2X3Listener
from ._handover import HandoverNode, HandoverStats
from ._ingest import ClusterPublisher
from ._jetstream import ClusterLayout, connect
from ._sink import DeliverySink
from ._tasks import ClusterTaskStore, task_to_bytes

__all__ = ["HandoverOptions", "IngestOptions", "run_handover", "run_ingest"]

log = logging.getLogger("lawful_intercept.cluster")

_TASKS_READ_LIMIT = 30.0  # seconds an ingest node's reading of the task bucket may take


@dataclass(slots=True)
class HandoverOptions:
    """What a handover node needs: the NATS ``servers``, its ``name``, the agency's
    ``destinations`` (name → (HI2, HI3 or ``None``)), a ``spool_dir`` (a fresh spool per
    process start below it: the stream, not the spool, is what survives the node), the TLS
    ``ssl_context`` and the ``session_factory`` of the handover sessions."""

    servers: list[str]
    name: str
    destinations: Mapping[str, tuple[Destination, Destination | None]]
    spool_dir: Path
    ssl_context: ssl.SSLContext | None
    session_factory: Callable[[], HandoverSession]
    insecure_plain_tcp: bool = False
    layout: ClusterLayout = field(default_factory=ClusterLayout)
    client_options: Mapping[str, Any] = field(default_factory=dict)


async def run_handover(options: HandoverOptions, stop: asyncio.Event, *,
                       on_tick: Callable[[HandoverNode], object] | None = None
                       ) -> HandoverStats:
    """Run a handover node until ``stop`` is set; ``on_tick`` sees the node after each
    lease round. Returns its counters."""
    nc = await connect(options.servers, name=options.name)
    sink = DeliverySink()
    deliveries: list[HandoverDelivery] = []
    spool_root = Path(options.spool_dir) / f"{options.name}-{os.getpid()}-{time.time_ns()}"
    try:
        js = nc.jetstream()
        buckets = await options.layout.ensure(js)
        store = ClusterTaskStore(buckets["tasks"])
        for name, (hi2, hi3) in options.destinations.items():
            delivery = HandoverDelivery(
                hi2, hi3, spool_root / name, options.session_factory,
                ssl_context=options.ssl_context, insecure_plain_tcp=options.insecure_plain_tcp,
                spool_options={"fsync": "never"}, client_options=dict(options.client_options),
                on_event=sink.on_event)
            delivery.start()
            deliveries.append(delivery)
            sink.attach(name, delivery)
        node = HandoverNode(js, buckets, sink, name=options.name, liids=store.liid_changes,
                            layout=options.layout)
        await node.run(stop, on_tick=on_tick)
        return node.stats
    finally:
        for delivery in deliveries:
            await asyncio.to_thread(delivery.close, 5.0)
        await nc.close()


@dataclass(slots=True)
class IngestOptions:
    """What an ingest node needs: the NATS ``servers``, its ``name``, the X2/X3 listening
    ``host`` and ``port`` with its ``ssl_context`` (a server context requiring client
    certificates), the mediation function's ``network`` identifier and the CIN range of this
    node (``min_cin``..``max_cin``: disjoint per ingest node, so two nodes never give one
    LIID's communications the same CIN)."""

    servers: list[str]
    name: str
    network: NetworkIdentifier
    ssl_context: ssl.SSLContext | None
    host: str = "127.0.0.1"
    port: int = 0
    insecure_plain_tcp: bool = False
    min_cin: int = 1
    max_cin: int = 2**31 - 1
    layout: ClusterLayout = field(default_factory=ClusterLayout)


class _Tasks:
    """The converter's tasks kept equal to the store's (activate, modify, deactivate), their
    HI1 notifications published under ids every ingest node makes alike."""

    def __init__(self, converter: X2X3Converter, store: ClusterTaskStore,
                 publisher: ClusterPublisher) -> None:
        self.converter, self.store, self.publisher = converter, store, publisher
        self.known: dict[uuid.UUID, bytes] = {}
        self.lock = asyncio.Lock()
        self.read_at = float("-inf")

    async def read(self, since: float | None = None) -> None:
        """:meth:`sync`, one at a time; with ``since`` (a ``time.monotonic()``) only if no
        read that started after it has finished since."""
        async with self.lock:
            if since is not None and self.read_at >= since:
                return
            started = time.monotonic()
            await self.sync()
            self.read_at = started

    async def sync(self) -> None:
        tasks, removed = await self.store.snapshot()
        for xid in list(self.known):
            if xid in removed:  # an explicit deactivation, never a task missing from a list
                await self._publish(self.converter.deactivate(xid), f"deactivate-{xid}")
                del self.known[xid]
        for xid, task in tasks.items():
            data = task_to_bytes(task)
            if self.known.get(xid) == data:
                continue
            action = self.converter.modify if xid in self.known else self.converter.activate
            digest = hashlib.sha256(data).hexdigest()[:16]
            await self._publish(action(task), f"task-{xid}-{digest}")
            self.known[xid] = data

    async def _publish(self, records: list[Converted], prefix: str) -> None:
        wanted = [r for r in records if r.interface != "ccc"]
        await self.publisher.publish(wanted, msg_ids=[f"{prefix}-{i}"
                                                      for i in range(len(wanted))])


async def run_ingest(options: IngestOptions, stop: asyncio.Event, *,
                     on_listening: Callable[[int], object] | None = None) -> ClusterPublisher:
    """Run an ingest node until ``stop`` is set: the tasks read from the cluster's task
    bucket (every second), X2/X3 PDUs converted and published; a PDU counts as received
    (the listener's durability rule) once the stream acknowledged its records.
    ``on_listening`` gets the port listened on. Returns the publisher (its counters)."""
    nc = await connect(options.servers, name=options.name)
    try:
        js = nc.jetstream()
        buckets = await options.layout.ensure(js)
        store = ClusterTaskStore(buckets["tasks"])
        publisher = ClusterPublisher(js, stream=options.layout.stream)
        converter = X2X3Converter(options.network, allocator=CINAllocator(
            min_cin=options.min_cin, max_cin=options.max_cin))
        tasks = _Tasks(converter, store, publisher)
        await tasks.sync()

        async def consumer(pdu: X2X3PDU, element: NetworkElement) -> None:
            if pdu.pdu_type in (1, 2) and pdu.xid not in tasks.known:
                # The book puts a task into the bucket before X1 gives it to an NE (run_book):
                # one not read yet is read now rather than its first PDUs dropped.
                try:
                    await asyncio.wait_for(tasks.read(time.monotonic()), _TASKS_READ_LIMIT)
                except Exception as exc:
                    log.warning("%s: tasks not read: %r", options.name, exc)
            records = converter.convert(pdu, time.time_ns())
            if any(r.interface == "ccc" for r in records):
                raise ClusterError("PacketCable CCC (UDP) is not carried by the cluster")
            if records:
                await publisher.publish(records)

        listener = X2X3Listener(consumer, options.ssl_context, host=options.host,
                                port=options.port,
                                insecure_plain_tcp=options.insecure_plain_tcp)
        await listener.start()
        try:
            if on_listening is not None:
                on_listening(listener.port)
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 1.0)
                except TimeoutError:
                    try:  # bounded: a listing that never ends must not stop the node
                        await asyncio.wait_for(tasks.read(), _TASKS_READ_LIMIT)
                    except Exception as exc:  # the broker busy: the next round tries again
                        log.warning("%s: tasks not read: %r", options.name, exc)
                    converter.expire(time.time_ns())
        finally:
            await listener.close()
        return publisher
    finally:
        await nc.close()


