"""The test LEMF's counters in the Prometheus exposition format (the ``prometheus`` extra).

:func:`register_metrics` adds a collector to a ``prometheus_client`` registry that reads the
LEMF's summary (the same figures as summary.json) each time it is scraped: counters for what
only grows, gauges for what is held now, and one gauge per check of the LEMF with its
problems. ``prometheus_client`` is imported only here, when metrics are asked for.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from ..errors import LEMFConfigError

__all__ = ["COUNTERS", "GAUGES", "register_metrics", "serve_metrics"]

COUNTERS: Final = (
    ("received", "PDUs judged, copies included"),
    ("records", "unique records stored"),
    ("duplicates", "PDUs that repeated one received before"),
    ("decode_errors", "PDUs, streams or packets that could not be decoded or framed"),
    ("connections", "TCP connections accepted"),
    ("connections_closed_with_error", "connections closed because of what the client sent"),
    ("connections_lost", "connections ended by a network error"),
    ("tls_handshake_failures", "TLS handshakes refused or not completed"),
    ("handshakes_refused", "connections closed at once: max_handshakes were in progress"),
    ("memory_refusals", "connections closed: the memory budget was exhausted"),
    ("idle_closed", "authenticated connections closed after idle_timeout"),
    ("resource_errors", "accepts that failed for want of descriptors or memory"),
    ("keep_alives", "keep-alives answered (TS 102 232-1 6.4.5)"),
    ("acknowledgements", "pDUAcknowledgementRequests answered"),
)
"""(summary key, help) of the figures exposed as counters (``<prefix>_<key>_total``)."""

GAUGES: Final = (
    ("connections_open", "authenticated connections open"),
    ("handshakes_in_progress", "connections in their TLS handshake"),
    ("buffered_octets", "octets held in PDUs in progress and TLS buffers"),
    ("peak_buffered_octets", "the most octets ever held at once"),
    ("memory_budget", "the memory budget in octets"),
    ("sequence_gaps", "sequence numbers missing over every checked stream"),
    ("uncorrelated_cc", "CC records whose communication had no IRI"),
)
"""(summary key, help) of the figures exposed as gauges (``<prefix>_<key>``)."""


def register_metrics(summary: Callable[[], Mapping[str, Any]], registry: Any = None, *,
                     prefix: str = "lawful_intercept_lemf") -> Any:
    """Expose a LEMF's figures to Prometheus: register, in ``registry`` (default
    ``prometheus_client.REGISTRY``), a collector that calls ``summary`` (e.g.
    :meth:`LEMFThread.summary <lawful_intercept.lemf.LEMFThread.summary>`) at each scrape.
    Returns the collector (``registry.unregister`` takes it). Raises
    :class:`~lawful_intercept.lemf.LEMFConfigError` when ``prometheus_client`` is not
    installed (``pip install lawful-intercept[prometheus]``)."""
    if not callable(summary):
        raise TypeError(f"summary must be callable, not {type(summary).__name__}")
    client = _client()
    core = importlib.import_module("prometheus_client.core")

    class _Collector:
        def collect(self) -> Iterator[Any]:
            figures = summary()
            for key, text in COUNTERS:
                family = core.CounterMetricFamily(f"{prefix}_{key}", text)
                family.add_metric([], float(figures.get(key, 0)))
                yield family
            for key, text in GAUGES:
                family = core.GaugeMetricFamily(f"{prefix}_{key}", text)
                family.add_metric([], float(figures.get(key, 0)))
                yield family
            problems = core.GaugeMetricFamily(
                f"{prefix}_check_problems", "problems found by each check of the LEMF that ran",
                labels=["check", "format"])
            ran = core.GaugeMetricFamily(
                f"{prefix}_check_ran", "1 if the check judged any record, else 0",
                labels=["check", "format"])
            for check in figures.get("checks", ()):
                labels = [str(check["check"]), str(check["format"])]
                ran.add_metric(labels, 1.0 if check["ran"] else 0.0)
                if check["ran"]:
                    problems.add_metric(labels, float(check["problems"]))
            yield ran
            yield problems

    collector = _Collector()
    (registry if registry is not None else client.REGISTRY).register(collector)
    return collector


def serve_metrics(summary: Callable[[], Mapping[str, Any]], host: str,
                  port: int) -> tuple[Callable[[], None], tuple[str, int]]:
    """Serve a LEMF's figures over HTTP for Prometheus to scrape (``/metrics`` on
    ``host``:``port``, 0 for any free port), from a registry of their own, in a daemon
    thread. Returns a function that stops the server, and the address bound."""
    client = _client()
    own = client.CollectorRegistry()
    register_metrics(summary, own)
    try:
        server, thread = client.start_http_server(port, addr=host, registry=own)
    except OSError as exc:
        raise LEMFConfigError(f"cannot serve metrics on {host}:{port}: {exc}",
                              "metrics") from None

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(10)

    bound = server.server_address
    return stop, (str(bound[0]), int(bound[1]))


def _client() -> Any:
    """``prometheus_client``, imported now (the ``prometheus`` extra)."""
    try:
        return importlib.import_module("prometheus_client")
    except ImportError:
        raise LEMFConfigError("prometheus_client is not installed: pip install "
                              "'lawful-intercept[prometheus]'", "metrics") from None
