"""The converter's records handed to the agency: one
:class:`~lawful_intercept.delivery.HandoverDelivery` per destination (HI2 and HI3 spools and
connections), PacketCable CCC packets to a UDP sender; and the consumer an
:class:`~lawful_intercept.x2x3.X2X3Listener` calls, which returns once the PDU's records are
durable in the spools (TS 103 221-2: a PDU counts as received once durable)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._checks import require_instance, require_number
from ..delivery import HandoverDelivery
from ..x2x3 import X2X3PDU, NetworkElement
from ._converter import Converted, X2X3Converter
from ._task import MediationTask

__all__ = ["MediationDelivery"]


class MediationDelivery:
    """Delivers what an :class:`X2X3Converter` produces to the agency's destinations.

    ``deliveries`` maps each destination name a task may give to its
    :class:`~lawful_intercept.delivery.HandoverDelivery` (IRI and HI1 on HI2, CC on HI3);
    ``ccc`` maps a destination name to a function sending one PacketCable CCC packet (e.g.
    :meth:`CCCSender.send <lawful_intercept.delivery.CCCSender.send>`; CCC is UDP and has no
    proof of delivery). :meth:`activate` refuses a task naming a destination not configured
    (``ValueError``), so no record is ever made for nobody. :meth:`consumer` calls
    :meth:`X2X3Converter.expire` at most every ``expire_interval`` seconds.
    """

    def __init__(self, converter: X2X3Converter, deliveries: Mapping[str, HandoverDelivery], *,
                 ccc: Mapping[str, Callable[[bytes], object]] | None = None,
                 expire_interval: float = 5.0) -> None:
        self.converter = require_instance(converter, X2X3Converter, "converter")
        self.deliveries = dict(deliveries)
        for name, delivery in self.deliveries.items():
            require_instance(delivery, HandoverDelivery, f"deliveries[{name!r}]")
        self.ccc = dict(ccc or {})
        self.ccc_sent = 0
        """CCC packets handed to the UDP senders."""
        self.expire_interval_ns = int(require_number(expire_interval, "expire_interval",
                                                     low=0) * 1e9)
        self._expired_at = time.time_ns()

    def _check(self, task: MediationTask) -> None:
        for name in task.destinations:
            if name not in self.deliveries:
                raise ValueError(f"task {task.xid}: destination {name!r} is not one of the "
                                 f"configured ones ({', '.join(sorted(self.deliveries))})")
            if task.handover_format == "PacketCable" and name not in self.ccc:
                raise ValueError(f"task {task.xid}: PacketCable needs a CCC sender for "
                                 f"destination {name!r} (ccc=...)")

    def activate(self, task: MediationTask, *, time: int | None = None) -> list[Converted]:
        """:meth:`X2X3Converter.activate`, its HI1 notifications delivered."""
        self._check(task)
        records = self.converter.activate(task, time=time)
        self.deliver(records)
        return records

    def modify(self, task: MediationTask, *, time: int | None = None) -> list[Converted]:
        """:meth:`X2X3Converter.modify`, its HI1 notifications delivered."""
        self._check(task)
        records = self.converter.modify(task, time=time)
        self.deliver(records)
        return records

    def deactivate(self, xid: uuid.UUID, *, time: int | None = None) -> list[Converted]:
        """:meth:`X2X3Converter.deactivate`, its HI1 notifications delivered."""
        records = self.converter.deactivate(xid, time=time)
        self.deliver(records)
        return records

    def deliver(self, records: Iterable[Converted]) -> int:
        """Append the records to their destinations' spools (one batch per destination and
        interface, in order; durable when this returns) and send the CCC packets; return how
        many records."""
        batches: dict[tuple[str, str], tuple[list[bytes], list[str], list[str]]] = {}
        count = 0
        for destination, interface, kind, liid, pdu in records:  # Converted, unpacked once
            count += 1
            if interface == "ccc":
                self.ccc[destination](pdu)
                self.ccc_sent += 1
                continue
            batch = batches.get((destination, interface))
            if batch is None:
                batch = batches[(destination, interface)] = ([], [], [])
            batch[0].append(pdu)
            batch[1].append(kind)
            batch[2].append(liid)
        for (name, interface), (pdus, kinds, keys) in batches.items():
            delivery = self.deliveries[name]
            route = delivery.route("CC" if interface == "hi3" else "IRI")
            client = delivery.clients[route]
            if kinds.count(kinds[0]) == len(kinds) and keys.count(keys[0]) == len(keys):
                client.send_many(pdus, kind=kinds[0], key=keys[0])  # the spool's fast path
            else:
                client.send_many(pdus, kind=kinds, key=keys)
        return count

    def consume(self, pdus: Iterable[X2X3PDU], arrival_ns: int | None = None) -> int:
        """Convert ``pdus`` and deliver their records (durable when this returns); return
        how many records."""
        now = time.time_ns() if arrival_ns is None else arrival_ns
        return self.deliver(self.converter.convert_many(pdus, now))

    async def consumer(self, pdu: X2X3PDU, element: NetworkElement) -> None:
        """The consumer of an :class:`~lawful_intercept.x2x3.X2X3Listener`: converts the PDU
        in the event loop (the converter is not thread-safe), then appends its records to
        the spools in a worker thread; returns once they are durable."""
        now = time.time_ns()
        if now - self._expired_at >= self.expire_interval_ns:
            self._expired_at = now
            self.converter.expire(now)
        records = self.converter.convert(pdu, now)
        if records:
            await asyncio.to_thread(self.deliver, records)

    def stats(self) -> dict[str, Any]:
        """The converter's counters and the CCC packets sent."""
        return {**self.converter.stats.as_dict(), "ccc_sent": self.ccc_sent}
