"""``cluster``: one node of a mediation cluster on NATS JetStream (docs/cluster.md): an
ingest node (X2/X3 listener, conversion, publishing to the record stream), a handover node
(leases, numbering, delivery to the agency) or both in one process."""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path

from ..correlation import NetworkIdentifier
from ..delivery import Destination, client_context
from ._cluster_node import (
    add_node_arguments,
    handover_options,
    ingest_options,
    node_settings,
    node_summary,
    run_node,
)
from ._common import CLIError, Subcommands, add_command, print_json

__all__ = ["register"]

_HELP = "run a node of a mediation cluster on NATS JetStream"
_DESCRIPTION = (
    "Run an ingest node (X2/X3 over mutual TLS, converted and published to the JetStream "
    "record stream), a handover node (LIIDs owned by lease, numbered and delivered to the "
    "agency, acknowledged on the LEMF's proof) or both. The tasks are read from the "
    "cluster's task bucket. Stops on SIGTERM or SIGINT. See docs/cluster.md.")


def register(commands: Subcommands) -> None:
    """Add ``cluster``."""
    parser = add_command(commands, "cluster", _cluster, help=_HELP, description=_DESCRIPTION)
    add_node_arguments(parser, required=True)
    parser.add_argument("--ca", help="CA certificate (PEM) of the peers (X2/X3, LEMF)")
    parser.add_argument("--cert", help="this node's certificate (PEM)")
    parser.add_argument("--key", help="this node's private key (PEM)")
    parser.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:0",
                        help="ingest: the X2/X3 address (default 127.0.0.1:0, a free port)")
    parser.add_argument("--network", metavar="OPERATOR[/ELEMENT]", default="operator/mf",
                        help="ingest: the mediation function's NetworkIdentifier")
    parser.add_argument("--destination", action="append", default=[],
                        metavar="NAME=HOST:PORT[,HOST:PORT]",
                        help="handover: a destination's HI2 address and HI3 address")
    parser.add_argument("--server-hostname", help="handover: the name the LEMF's "
                        "certificate carries (default the host)")
    parser.add_argument("--spool", default="cluster-spool",
                        help="handover: directory of the per-run delivery spools")
    parser.add_argument("--json", action="store_true", help="print counters when stopped")


def _address(text: str, what: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CLIError(f"{what}: {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def _destinations(args: argparse.Namespace
                  ) -> dict[str, tuple[Destination, Destination | None]]:
    found: dict[str, tuple[Destination, Destination | None]] = {}
    for text in args.destination:
        name, sep, rest = text.partition("=")
        if not sep or not name:
            raise CLIError(f"--destination: {text!r} is not NAME=HOST:PORT[,HOST:PORT]")
        parts = [_address(p, "--destination") for p in rest.split(",")]
        if len(parts) > 2:
            raise CLIError(f"--destination {name}: at most an HI2 and an HI3 address")
        hi2 = Destination(*parts[0], server_hostname=args.server_hostname)
        hi3 = (Destination(*parts[1], server_hostname=args.server_hostname)
               if len(parts) == 2 else None)
        found[name] = (hi2, hi3)
    return found


def _cluster(args: argparse.Namespace) -> int:
    settings = node_settings(args)
    if not (args.ca and args.cert and args.key):
        raise CLIError("give --ca, --cert and --key (X2/X3 and the LEMF use mutual TLS)")
    operator, _, element = args.network.partition("/")
    network = NetworkIdentifier(operator.encode(), element.encode() or None)
    destinations = _destinations(args)
    if "handover" in settings.roles and not destinations:
        raise CLIError("a handover node needs at least one --destination")
    handover = ingest = None
    if "handover" in settings.roles:
        handover = handover_options(settings, network, destinations, Path(args.spool),
                                    client_context(ca=args.ca, cert=args.cert, key=args.key))
    if "ingest" in settings.roles:
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=args.ca)
        server.load_cert_chain(args.cert, args.key)
        server.verify_mode = ssl.CERT_REQUIRED
        ingest = ingest_options(settings, network, server, _address(args.listen, "--listen"))
    results = run_node(settings, handover=handover, ingest=ingest)
    if args.json:
        print_json({"command": "cluster", "name": settings.name, **node_summary(results)})
    return 0
