"""``mediate --cluster URLS --role ingest|handover|both``: the mediation function of the
configuration file run as one node of a mediation cluster on NATS JetStream (docs/cluster.md).
The ingest role is the X2/X3 listener (TS 103 221-2) and the conversion, publishing to the
record stream; the handover role owns LIIDs by lease and delivers HI2/HI3 (TS 102 232-1); a
node whose file names ``[mediation] book`` also runs the warrant book (HI-1, TS 103 120) and
X1 (TS 103 221-1), and mirrors the book's tasks into the cluster's task bucket, from which
every ingest and handover node takes its tasks."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import ssl
from typing import Any

from ..catalog import default_specification
from ..correlation import NetworkIdentifier
from ..delivery import Destination
from ..mediation import Mediation, X2X3Converter
from ..warrants import IPAddressPort, WarrantBook
from ._cluster_node import (
    NodeSettings,
    handover_options,
    ingest_options,
    node_roles,
    node_settings,
    node_summary,
    run_node,
)
from ._common import CLIError, print_json
from ._mediate import (
    MediateConfig,
    agency_destinations,
    hi1_running,
    load_config,
    print_report,
    tls_contexts,
    x1_clients,
)

__all__ = ["mediate_cluster"]


def mediate_cluster(args: argparse.Namespace) -> int:
    """Run ``mediate`` as a cluster node (``args``: the command's, with ``--cluster`` and
    ``--role``): the configuration file checked for the node's roles (a key the node would
    not use is refused), then the roles run until SIGTERM, SIGINT or ``--run-for``."""
    roles = node_roles(args)
    config = load_config(args.config, roles=roles)
    med, x2x3 = config.mediation, config.x2x3
    settings = node_settings(args, name=med["network_element_id"])
    network = NetworkIdentifier(med["operator_id"].encode(),
                                med["network_element_id"].encode())
    server_context, peer_context = tls_contexts(config)
    handover = ingest = None
    if "handover" in settings.roles:
        destinations = {d["name"]: (_destination(d, "hi2"), _destination(d, "hi3"))
                        for d in config.destinations}
        handover = handover_options(settings, network, destinations, med["spool"],
                                    peer_context)
    if "ingest" in settings.roles:
        x2x3_context, _ = tls_contexts(config)  # its own: tls13_only must not touch HI-1's
        if x2x3.get("tls13_only", False):
            x2x3_context.minimum_version = ssl.TLSVersion.TLSv1_3
        ingest = ingest_options(settings, network, x2x3_context, x2x3["listen"])

    async def book(stop: asyncio.Event, port: int | None) -> dict[str, Any]:
        return await _run_book(config, settings, network, server_context, peer_context,
                               stop, port)

    results = run_node(settings, handover=handover, ingest=ingest,
                       book=book if "book" in med else None, run_for=args.run_for)
    if args.json:
        print_json({"command": "mediate", "cluster": True, "name": settings.name,
                    "roles": list(settings.roles), **node_summary(results)})
    return 0


def _destination(table: dict[str, Any], interface: str) -> Destination:
    host, port = table[interface]
    return Destination(host, port, server_hostname=table.get("server_name"))


async def _run_book(config: MediateConfig, settings: NodeSettings, network: NetworkIdentifier,
                    server_context: ssl.SSLContext, peer_context: ssl.SSLContext,
                    stop: asyncio.Event, port: int | None) -> dict[str, Any]:
    """The warrant book's part: HI-1 into the book, each sync mirrored into the task bucket
    before X1 tells the network elements (:func:`~lawful_intercept.cluster.run_book`)."""
    from ..cluster import BookOptions, run_book

    med, x2x3 = config.mediation, config.x2x3
    # without advertise an ingest role runs here (the file's rules): its actual port
    host, known = x2x3.get("advertise") or (x2x3["listen"][0], port)
    if known is None:
        raise CLIError(f"{config.file}: [x2x3] advertise: missing (required in cluster mode "
                       "without the ingest role)")
    # The conversion here only follows the book: the ingest nodes convert and make each
    # task's HI1 notifications.
    converter = X2X3Converter(network, spec=default_specification())
    with WarrantBook(med["book"]) as warrants, hi1_running(config, warrants, server_context):
        mediation = Mediation(warrants, converter, destinations=agency_destinations(config),
                              network_elements=x1_clients(config, peer_context),
                              x2x3_address=IPAddressPort(host, known),
                              admf_identifier=med.get("admf_id", "ADMF"))
        stats = await run_book(mediation, BookOptions(
            settings.servers, f"{settings.name}-book", interval=med.get("sync_interval", 1.0),
            layout=settings.layout), stop, on_sync=print_report)
    return {**dataclasses.asdict(stats), "tasks": sorted(mediation.live_tasks())}
