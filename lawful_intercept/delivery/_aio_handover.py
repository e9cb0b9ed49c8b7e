"""Delivery to an agency's HI2 and HI3 addresses on asyncio (TS 102 232-1 6.2 and 6.3).

:class:`AsyncHandoverDelivery` is :class:`~lawful_intercept.delivery.HandoverDelivery` with
one :class:`~lawful_intercept.delivery.AsyncDeliveryClient` per address: the same routing by
kind (IRI and every other kind on HI2, CC on HI3), the same refusal of a kind it cannot
place, the same spools (``spool_dir/hi2``, ``spool_dir/hi3``) and options; the sends are
coroutines whose appends run in the event loop's executor. See docs/delivery.md, "HI2 and
HI3".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from ._aio import AsyncDeliveryClient
from ._pump import ClientStats
from ._pump_transport import StartedInAsyncContext
from ._routing import (
    DestinationName,
    RoutedDelivery,
    placed_kind,
    route_of,
    split_by_destination,
)

__all__ = ["AsyncHandoverDelivery"]


class AsyncHandoverDelivery(StartedInAsyncContext, RoutedDelivery[AsyncDeliveryClient]):
    """Delivers IRI to the HI2 address and CC to the HI3 address on asyncio, each over its
    own connection from its own spool. The arguments are those of
    :class:`~lawful_intercept.delivery.HandoverDelivery` (``session_factory`` one function
    or one per destination, ``client_options`` for
    :class:`~lawful_intercept.delivery.AsyncDeliveryClient`, ``on_event`` for every
    client's notices).

    Use ``async with AsyncHandoverDelivery(...) as delivery:`` or :meth:`start` /
    :meth:`aclose`. :meth:`wait_idle` and :meth:`aclose` raise what killed a client's task,
    and :class:`~lawful_intercept.errors.DeliveryRefused` once a client gave up after
    ``client_options["max_refusals"]`` refusals in a row.
    """

    client_type = AsyncDeliveryClient

    # -- sending ------------------------------------------------------------------------------

    def route(self, kind: str) -> DestinationName:
        """The destination of a record of ``kind`` (see
        :meth:`HandoverDelivery.route <lawful_intercept.delivery.HandoverDelivery.route>`)."""
        return route_of(kind, "hi3" in self.clients)

    async def send(self, pdu: bytes, *, key: bytes | str = b"") -> tuple[DestinationName, int]:
        """Spool one encoded PS-PDU for the destination its kind calls for (``classify``)
        and wake that client; the destination and the record id. A kind it cannot place
        raises ``ValueError`` (nothing is stored)."""
        return await self._send(placed_kind(self.classify(pdu)), pdu, key)

    async def send_iri(self, pdu: bytes, *, key: bytes | str = b""
                       ) -> tuple[DestinationName, int]:
        """Like :meth:`send` for a PDU known to be IRI (HI2), without looking at it."""
        return await self._send("IRI", pdu, key)

    async def send_cc(self, pdu: bytes, *, key: bytes | str = b""
                      ) -> tuple[DestinationName, int]:
        """Like :meth:`send` for a PDU known to be CC (HI3, or HI2 without an HI3 address)."""
        return await self._send("CC", pdu, key)

    async def send_many(self, pdus: Iterable[bytes], *, key: bytes | str = b""
                        ) -> list[tuple[DestinationName, int]]:
        """:meth:`send` for a batch: each destination's share appended with one
        :meth:`AsyncDeliveryClient.send_many` (all or nothing per destination; every kind is
        checked before anything is stored); the destination and record id of each PDU, in
        the order given."""
        routed, shares = split_by_destination(pdus, self.classify, "hi3" in self.clients)
        ids = {name: iter(await self.clients[name].send_many(batch, kind=kinds, key=key))
               for name, (batch, kinds) in shares.items()}
        return [(name, next(ids[name])) for name in routed]

    async def _send(self, kind: str, pdu: bytes, key: bytes | str
                    ) -> tuple[DestinationName, int]:
        name = self.route(kind)
        return name, await self.clients[name].send(pdu, kind=kind, key=key)

    # -- control ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every client's task on the running event loop."""
        for client in self.clients.values():
            client.start()

    async def aclose(self, timeout: float | None = 10.0) -> None:
        """Stop every client (what is not proven delivered stays in the spools), wait up to
        ``timeout`` seconds for their tasks, close the spools; then raise what killed a
        client's task, if anything did."""
        failure: BaseException | None = None
        for client in self.clients.values():
            client.stop()
        for client in self.clients.values():
            try:
                await client.aclose(timeout)
            except Exception as exc:
                failure = failure or exc
        for spool in self.spools.values():
            with contextlib.suppress(Exception):
                spool.close()
        if failure is not None:
            raise failure

    def stats(self) -> dict[str, ClientStats]:
        """Each client's counters, by destination name (``"hi2"``, ``"hi3"``)."""
        return {name: client.stats() for name, client in self.clients.items()}

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until every spool has nothing pending (all proven delivered), at most
        ``timeout`` seconds; whether it is so. Raises what killed a client's task, or
        :class:`~lawful_intercept.errors.DeliveryRefused` once a client gave up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for client in self.clients.values():
            if not await client.wait_idle(max(0.0, deadline - loop.time())):
                return False
        return True
