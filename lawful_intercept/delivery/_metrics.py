"""Prometheus exposition of the delivery counters, per destination (docs/delivery.md,
"Observability").

:func:`expose_prometheus` registers a collector that reads ``stats()`` of delivery clients
(blocking or asyncio) and HI2/HI3 deliveries at each scrape. ``prometheus_client`` is
imported only then, from the ``prometheus`` extra (``pip install
lawful-intercept[prometheus]``): the library works without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any, Final, Protocol

from ._pump import ClientStats

__all__ = ["COUNTERS", "GAUGES", "DeliveryCollector", "expose_prometheus"]

COUNTERS: Final = {
    "attempts": "connection attempts",
    "connects": "connections established (TLS handshake done, not refused)",
    "sent": "records handed to a connection (resends counted again)",
    "resent": "records handed to a connection again after an earlier one",
    "acknowledged": "records proven delivered and deleted from the spool",
    "keep_alive_failures": "TRI requests left unanswered (TS 102 232-1 6.4.5)",
    "protocol_errors": "protocol violations by the peer",
}
"""The :class:`ClientStats` counters exposed, as ``<namespace>_<name>_total``."""
GAUGES: Final = {
    "queued": "records in the spool not yet proven delivered",
    "connected": "1 while a connection is up",
    "refused": "refusals that cannot heal, in a row",
}
"""The :class:`ClientStats` values exposed as gauges, ``<namespace>_<name>``."""


class _HasStats(Protocol):
    def stats(self) -> Any: ...


class DeliveryCollector:
    """A ``prometheus_client`` collector of the counters of ``sources`` (delivery clients
    and HI2/HI3 deliveries), labelled ``destination`` (``host:port``) and ``interface``
    (``hi2``, ``hi3``, or ``""`` for a lone client)."""

    def __init__(self, sources: tuple[_HasStats, ...], namespace: str) -> None:
        self.sources = sources
        self.namespace = namespace

    def _rows(self) -> Iterator[tuple[str, str, ClientStats]]:
        for source in self.sources:
            stats = source.stats()
            if isinstance(stats, ClientStats):
                yield _address(source), "", stats
                continue
            clients = getattr(source, "clients", {})
            for interface, value in stats.items():
                client = clients.get(interface)
                yield (_address(client) if client is not None else "", interface, value)

    def collect(self) -> Iterator[Any]:
        """The metric families, read now (called by ``prometheus_client`` at each scrape)."""
        metrics = importlib.import_module("prometheus_client.core")
        labels = ["destination", "interface"]
        counters = {name: metrics.CounterMetricFamily(f"{self.namespace}_{name}", text,
                                                      labels=labels)
                    for name, text in COUNTERS.items()}
        gauges = {name: metrics.GaugeMetricFamily(f"{self.namespace}_{name}", text,
                                                  labels=labels)
                  for name, text in GAUGES.items()}
        for destination, interface, stats in self._rows():
            for name, family in counters.items():
                family.add_metric([destination, interface], float(getattr(stats, name)))
            for name, family in gauges.items():
                family.add_metric([destination, interface], float(getattr(stats, name)))
        yield from counters.values()
        yield from gauges.values()


def _address(client: object) -> str:
    host, port = getattr(client, "host", ""), getattr(client, "port", "")
    return f"{host}:{port}" if host else ""


def expose_prometheus(*sources: _HasStats, registry: Any = None,
                      namespace: str = "lawful_intercept_delivery") -> DeliveryCollector:
    """Expose the counters of ``sources`` (``DeliveryClient``, ``AsyncDeliveryClient``,
    ``HandoverDelivery``, ``AsyncHandoverDelivery``) through ``prometheus_client``: a
    :class:`DeliveryCollector` registered with ``registry`` (default: the process's
    ``REGISTRY``) and returned. Serve it with ``prometheus_client.start_http_server`` or
    your own exporter. Without the ``prometheus`` extra this raises ``ModuleNotFoundError``
    naming it."""
    for index, source in enumerate(sources):
        if not callable(getattr(source, "stats", None)):
            raise TypeError(f"sources[{index}] has no stats(): give delivery clients or "
                            "HandoverDelivery objects")
    try:
        client = importlib.import_module("prometheus_client")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "Prometheus exposition needs prometheus_client: pip install "
            "'lawful-intercept[prometheus]'") from None
    collector = DeliveryCollector(tuple(sources), namespace)
    (registry if registry is not None else client.REGISTRY).register(collector)
    return collector
