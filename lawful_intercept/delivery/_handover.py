"""Delivery to an agency's two handover addresses: IRI on HI2, content of communication on HI3.

ETSI TS 102 232-1 carries IRI and CC in the same PS-PDU structure, but agencies usually take
them on separate connections, to separate addresses: HI2 for IRI (TS 102 232-1 clause 6.2,
TS 101 671 HI2) and HI3 for CC (clause 6.3, TS 101 671 HI3). :class:`HandoverDelivery` keeps
one durable :class:`~lawful_intercept.delivery.Spool` and one blocking
:class:`~lawful_intercept.delivery.DeliveryClient` (its own thread and connection) per
address and routes each record by its kind, which
:func:`~lawful_intercept.catalog.payload_kind` reads from the first octets of the PS-PDU
without decoding it; the kind's interface is the catalog's
(:data:`~lawful_intercept.catalog.INTERFACE_OF_KIND`): CC goes to HI3 (to HI2 when there is
no HI3 address), every other kind (IRI, TRI, HI1, ILHI, HI4) to HI2, and so does
``"OTHER"``: an ``encryptionContainer`` names only the part of TS 102 232 its payload
belongs to, not whether it is IRI or CC, so a sender that encrypts CC calls
:meth:`HandoverDelivery.send_cc`. See docs/delivery.md, "HI2 and HI3".
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import Final

from ._client import DeliveryClient
from ._pump import ClientStats
from ._pump_transport import StartedInContext
from ._routing import (
    DestinationName,
    RoutedDelivery,
    placed_kind,
    route_of,
    split_by_destination,
)

__all__ = ["HandoverDelivery"]

_IDLE_POLL: Final = 0.01


class HandoverDelivery(StartedInContext, RoutedDelivery[DeliveryClient]):
    """Delivers IRI to the HI2 address and CC to the HI3 address, each over its own
    connection from its own spool (see the module documentation for the routing).

    ``hi2`` and ``hi3`` are the :class:`Destination` s (``hi3=None``: everything goes to
    HI2). The spools are ``spool_dir/hi2`` and ``spool_dir/hi3``, opened with
    ``spool_options`` (keyword arguments of :class:`~lawful_intercept.delivery.Spool`,
    e.g. ``{"fsync": 10}``); each client is a
    :class:`~lawful_intercept.delivery.DeliveryClient` with ``session_factory``,
    ``ssl_context``, ``insecure_plain_tcp`` and ``client_options`` (its other keyword
    arguments, e.g. ``{"reconnect_max": 30.0}``). ``classify`` maps a PDU to its kind
    (default :func:`payload_kind`; give your own for streams that are not PS-PDUs, such as
    ATIS or PacketCable: ``"CC"`` goes to HI3, everything else to HI2). Each record's kind
    is stored with it in the spool. :meth:`send` refuses (``ValueError``) a record whose
    kind it cannot place (``"OTHER"``: an ``encryptionContainer``, or octets that are no
    PS-PDU, such as an ATIS CC-APDU given to the default ``classify``): use
    :meth:`send_iri` / :meth:`send_cc` or a ``classify`` of the stream.

    ``session_factory`` is one function for both destinations, or a mapping with one per
    destination (``{"hi2": ..., "hi3": ...}``), e.g. ATIS LAESProtocol on HI2 and CC-APDU on
    HI3. ``on_event`` receives every client's
    :class:`~lawful_intercept.delivery.DeliveryNotice` (its ``destination`` tells which).
    :meth:`wait_idle` and :meth:`close` raise what killed a client's loop, and
    :class:`~lawful_intercept.errors.DeliveryRefused` once a client gave up after
    ``client_options["max_refusals"]`` refusals in a row.

    Use :meth:`start` / :meth:`close` or ``with HandoverDelivery(...) as delivery:``; the
    spools stay open (and records may be sent) while the clients are stopped.
    """

    client_type = DeliveryClient

    def _discard(self, client: DeliveryClient) -> None:
        client.close(0)

    # -- sending ------------------------------------------------------------------------------

    def route(self, kind: str) -> DestinationName:
        """The destination of a record of ``kind``: its interface in
        :data:`~lawful_intercept.catalog.INTERFACE_OF_KIND` (HI3 for ``"CC"``, HI2 for the
        other kinds), HI2 for a kind not listed there and when there is no HI3 address."""
        return route_of(kind, "hi3" in self.clients)

    def send(self, pdu: bytes, *, key: bytes | str = b"") -> tuple[DestinationName, int]:
        """Spool one encoded PS-PDU for the destination its payload calls for (``classify``)
        and wake that client; return the destination and the record id. ``key`` (e.g. the
        LIID) is kept with the record. A kind it cannot place raises ``ValueError`` (nothing
        is stored)."""
        return self._send(placed_kind(self.classify(pdu)), pdu, key)

    def send_iri(self, pdu: bytes, *, key: bytes | str = b"") -> tuple[DestinationName, int]:
        """Like :meth:`send` for a PDU known to be IRI (HI2), without looking at it."""
        return self._send("IRI", pdu, key)

    def send_cc(self, pdu: bytes, *, key: bytes | str = b"") -> tuple[DestinationName, int]:
        """Like :meth:`send` for a PDU known to be CC (HI3, or HI2 without an HI3 address),
        without looking at it."""
        return self._send("CC", pdu, key)

    def send_many(self, pdus: Iterable[bytes], *, key: bytes | str = b""
                  ) -> list[tuple[DestinationName, int]]:
        """:meth:`send` for a batch: each destination's share, in the order given, is
        appended to its spool with one :meth:`DeliveryClient.send_many` (one fsync per
        destination under the ``"always"`` policy, all or nothing per destination); return
        the destination and record id of each PDU, in the order given. Every PDU is durable
        when this returns."""
        routed, shares = split_by_destination(pdus, self.classify, "hi3" in self.clients)
        ids = {name: iter(self.clients[name].send_many(batch, kind=kinds, key=key))
               for name, (batch, kinds) in shares.items()}
        return [(name, next(ids[name])) for name in routed]

    def _send(self, kind: str, pdu: bytes, key: bytes | str) -> tuple[DestinationName, int]:
        name = self.route(kind)
        return name, self.clients[name].send(pdu, kind=kind, key=key)

    # -- control ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every client's thread."""
        for client in self.clients.values():
            client.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop every client (what is not acknowledged stays in the spools), waiting up to
        ``timeout`` seconds in all; whether every thread ended."""
        for client in self.clients.values():
            client.stop(0)
        deadline = None if timeout is None else time.monotonic() + timeout
        ended = True
        for client in self.clients.values():
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ended = client.stop(remaining) and ended
        return ended

    def close(self, timeout: float | None = 10.0) -> None:
        """:meth:`stop`, then release the clients and close the spools; then raise what
        killed a client's loop, if anything did."""
        self.stop(timeout)
        self._release()
        for client in self.clients.values():
            if client.died is not None:
                raise client.died

    def stats(self) -> dict[str, ClientStats]:
        """Each client's counters, by destination name (``"hi2"``, ``"hi3"``)."""
        return {name: client.stats() for name, client in self.clients.items()}

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every spool has nothing pending (all acknowledged), at most ``timeout``
        seconds; whether it is so. Raises what killed a client's loop, or
        :class:`~lawful_intercept.errors.DeliveryRefused` once a client gave up."""
        deadline = time.monotonic() + timeout
        while True:
            for client in self.clients.values():
                client.check()
            if all(spool.stats().queued == 0 for spool in self.spools.values()):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, _IDLE_POLL))

    def _release(self) -> None:
        for client in self.clients.values():
            with contextlib.suppress(Exception):  # a dead loop is raised by close()
                client.close(0)
        for spool in self.spools.values():
            spool.close()

