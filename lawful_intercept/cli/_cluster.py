"""``cluster``: one node of a mediation cluster on NATS JetStream (docs/cluster.md): an
ingest node (X2/X3 listener, conversion, publishing to the record stream), a handover node
(leases, numbering, delivery to the agency) or both in one process."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from ..correlation import NetworkIdentifier, SessionIdentity
from ..delivery import Destination, HandoverSession, client_context
from ..errors import ClusterError
from ..records import PSPDUBuilder
from ._common import CLIError, Subcommands, add_command, positive_seconds, print_json

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
    parser.add_argument("--cluster", required=True, metavar="nats://HOST:PORT[,...]",
                        help="the NATS servers of the JetStream cluster")
    parser.add_argument("--role", required=True, choices=("ingest", "handover", "both"))
    parser.add_argument("--name", required=True, help="this node's name (unique)")
    parser.add_argument("--replicas", type=int, default=3,
                        help="replicas of the stream and buckets when this node makes them")
    parser.add_argument("--lease-ttl", type=positive_seconds, default=6.0,
                        help="seconds a lease holds without renewal (default 6)")
    parser.add_argument("--ca", help="CA certificate (PEM) of the peers (X2/X3, LEMF)")
    parser.add_argument("--cert", help="this node's certificate (PEM)")
    parser.add_argument("--key", help="this node's private key (PEM)")
    parser.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:0",
                        help="ingest: the X2/X3 address (default 127.0.0.1:0, a free port)")
    parser.add_argument("--network", metavar="OPERATOR[/ELEMENT]", default="operator/mf",
                        help="ingest: the mediation function's NetworkIdentifier")
    parser.add_argument("--cin-range", metavar="MIN-MAX", default="1-2147483647",
                        help="ingest: this node's CINs (disjoint per ingest node)")
    parser.add_argument("--destination", action="append", default=[],
                        metavar="NAME=HOST:PORT[,HOST:PORT]",
                        help="handover: a destination's HI2 address and HI3 address")
    parser.add_argument("--server-hostname", help="handover: the name the LEMF's "
                        "certificate carries (default the host)")
    parser.add_argument("--spool", default="cluster-spool",
                        help="handover: directory of the per-run delivery spools")
    parser.add_argument("--ready-file", help="write one JSON line here once running")
    parser.add_argument("--log-level", default="WARNING")
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
    from ..cluster import (
        ClusterLayout,
        HandoverOptions,
        IngestOptions,
        run_handover,
        run_ingest,
    )

    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    servers = [s.strip() for s in args.cluster.split(",") if s.strip()]
    layout = ClusterLayout(replicas=args.replicas, lease_ttl=args.lease_ttl)
    roles = ("ingest", "handover") if args.role == "both" else (args.role,)
    if not (args.ca and args.cert and args.key):
        raise CLIError("give --ca, --cert and --key (X2/X3 and the LEMF use mutual TLS)")
    low, sep, high = args.cin_range.partition("-")
    if not sep or not low.isdigit() or not high.isdigit() or not 0 < int(low) <= int(high):
        raise CLIError(f"--cin-range: {args.cin_range!r} is not MIN-MAX with 0 < MIN <= MAX")
    operator, _, element = args.network.partition("/")
    network = NetworkIdentifier(operator.encode(), element.encode() or None)
    destinations = _destinations(args)
    if "handover" in roles and not destinations:
        raise CLIError("a handover node needs at least one --destination")
    ready: dict[str, Any] = {"name": args.name, "roles": list(roles)}

    async def main() -> dict[str, Any]:
        import ssl

        from ..registry import bundled

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        jobs: dict[str, asyncio.Task[Any]] = {}
        if "handover" in roles:
            spec = bundled()
            tri = PSPDUBuilder(SessionIdentity("cluster", network, 0), spec=spec)
            context = client_context(ca=args.ca, cert=args.cert, key=args.key)
            jobs["handover"] = asyncio.create_task(run_handover(HandoverOptions(
                servers, args.name, destinations, Path(args.spool), context,
                lambda: HandoverSession(spec, tri=tri, acknowledgement="negotiate",
                                        ack_every=50, ack_delay=0.05),
                layout=layout, client_options={"reconnect_initial": 0.05,
                                               "reconnect_max": 1.0}), stop))
            ready["handover"] = True
        if "ingest" in roles:
            host, port = _address(args.listen, "--listen")
            server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=args.ca)
            server.load_cert_chain(args.cert, args.key)
            server.verify_mode = ssl.CERT_REQUIRED
            listening: asyncio.Future[int] = loop.create_future()
            jobs["ingest"] = asyncio.create_task(run_ingest(IngestOptions(
                servers, args.name, network, server, host=host, port=port,
                min_cin=int(low), max_cin=int(high), layout=layout), stop,
                on_listening=listening.set_result))
            done, _ = await asyncio.wait({listening, jobs["ingest"]},
                                         return_when=asyncio.FIRST_COMPLETED)
            if listening not in done:
                jobs["ingest"].result()  # raises what stopped it
            ready["port"] = listening.result()
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps(ready) + "\n", encoding="utf-8")
        results = {}
        for role, job in jobs.items():
            results[role] = await job
        return results

    try:
        results = asyncio.run(main())
    except ClusterError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        out: dict[str, Any] = {"command": "cluster", "name": args.name}
        if "handover" in results:
            out["handover"] = dataclasses.asdict(results["handover"])
        if "ingest" in results:
            out["published"] = results["ingest"].published
        print_json(out)
    return 0
