"""Where a handover node sends the records it owns, and how it learns that the LEMF has
them: :class:`DeliverySink` over :class:`~lawful_intercept.delivery.HandoverDelivery` (a
record is proven delivered by the TS 102 232-1 acknowledgement, docs/delivery.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from .._checks import require_instance
from ..delivery import DeliveryNotice, HandoverDelivery

__all__ = ["DeliverySink", "RecordSink"]

Proof = Callable[[], object]


class RecordSink(Protocol):
    """What a handover node needs of the delivery: :meth:`send` a batch of numbered PDUs of
    one destination and interface, and call each one's ``proven`` (from any thread) once the
    LEMF has it, never before."""

    def send(self, destination: str, interface: str, liid: str,
             batch: Sequence[tuple[bytes, Proof]]) -> None: ...


class DeliverySink:
    """A :class:`RecordSink` over one :class:`~lawful_intercept.delivery.HandoverDelivery`
    per destination name. Give :meth:`on_event` as each delivery's ``on_event`` (its
    ``"delivered"`` notices carry the proof), then :meth:`attach` the deliveries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: dict[str, HandoverDelivery] = {}
        self._waiting: dict[tuple[str, int], Proof] = {}
        self.sent = 0
        """Records handed to the deliveries."""
        self.proven = 0
        """Records the LEMF acknowledged."""

    def attach(self, name: str, delivery: HandoverDelivery) -> None:
        """Send the records of destination ``name`` through ``delivery``."""
        require_instance(delivery, HandoverDelivery, f"deliveries[{name!r}]")
        self._deliveries[name] = delivery

    @property
    def destinations(self) -> tuple[str, ...]:
        """The destination names attached."""
        return tuple(self._deliveries)

    def send(self, destination: str, interface: str, liid: str,
             batch: Sequence[tuple[bytes, Proof]]) -> None:
        """Append the batch to the spool of ``destination``'s ``interface`` (HI2 or HI3;
        durable when this returns) and remember whom to tell when each is proven. An unknown
        destination raises ``ValueError`` (nothing sent)."""
        delivery = self._deliveries.get(destination)
        if delivery is None:
            raise ValueError(f"destination {destination!r} is not one of the configured ones "
                             f"({', '.join(sorted(self._deliveries))})")
        route = delivery.route("CC" if interface == "hi3" else "IRI")
        client = delivery.clients[route]
        address = delivery.destinations[route]
        where = f"{address.host}:{address.port}"
        kind = "CC" if route == "hi3" else "IRI"
        with self._lock:  # the proof cannot be handled before its ids are known
            ids = client.send_many([pdu for pdu, _ in batch], kind=kind, key=liid)
            for record_id, (_, proven) in zip(ids, batch, strict=True):
                self._waiting[(where, record_id)] = proven
            self.sent += len(batch)

    def on_event(self, notice: DeliveryNotice) -> None:
        """A delivery's notice: the records of a ``"delivered"`` notice are proven."""
        if notice.kind != "delivered":
            return
        with self._lock:
            done = [self._waiting.pop((notice.destination, i), None)
                    for i in notice.record_ids]
        for proven in done:
            if proven is not None:
                self.proven += 1
                proven()
