"""What the commands that run a node of a mediation cluster share (``cluster`` and
``mediate --cluster``, docs/cluster.md): the node's options and their checks, the options of
the ingest and handover roles, and running the roles until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import signal
import ssl
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from ..correlation import NetworkIdentifier, SessionIdentity
from ..delivery import Destination, HandoverSession
from ..errors import ClusterError
from ..records import PSPDUBuilder
from ._common import CLIError, positive_seconds

if TYPE_CHECKING:
    from ..cluster import ClusterLayout, HandoverOptions, IngestOptions

__all__ = [
    "ROLES",
    "BookJob",
    "NodeSettings",
    "add_node_arguments",
    "handover_options",
    "ingest_options",
    "node_options_given",
    "node_roles",
    "node_settings",
    "node_summary",
    "run_node",
]

ROLES: Final = ("ingest", "handover", "both")
"""The values of ``--role``."""
_SCHEMES: Final = ("nats", "tls")
_CIN_RANGE: Final = "1-2147483647"
_OPTIONS: Final = (("--cluster", "cluster"), ("--role", "role"), ("--name", "name"),
                   ("--replicas", "replicas"), ("--lease-ttl", "lease_ttl"),
                   ("--cin-range", "cin_range"), ("--ready-file", "ready_file"),
                   ("--log-level", "log_level"))

BookJob = Callable[[asyncio.Event, "int | None"], Coroutine[Any, Any, Any]]
"""The warrant book's job of a node: given the stop event and the X2/X3 port the node's
ingest role listens on (``None`` without one), runs until the event is set."""


def add_node_arguments(parser: argparse.ArgumentParser, *, required: bool,
                       name_help: str = "this node's name (unique in the cluster)") -> None:
    """Add the options of a cluster node: ``--cluster``, ``--role``, ``--name`` (required
    when ``required``), ``--replicas``, ``--lease-ttl``, ``--cin-range``, ``--ready-file``,
    ``--log-level``."""
    parser.add_argument("--cluster", required=required, metavar="nats://HOST:PORT[,...]",
                        help="the NATS servers of the JetStream cluster")
    parser.add_argument("--role", required=required, choices=ROLES,
                        help="ingest (X2/X3 in, records to the stream), handover (records "
                        "from the stream to the agency) or both")
    parser.add_argument("--name", required=required, help=name_help)
    parser.add_argument("--replicas", type=int,
                        help="replicas (1..5) of the stream and buckets when this node makes "
                        "them (default 3)")
    parser.add_argument("--lease-ttl", type=positive_seconds,
                        help="seconds a lease holds without renewal (default 6, at least 0.5)")
    parser.add_argument("--cin-range", metavar="MIN-MAX",
                        help=f"ingest: this node's CINs (disjoint per ingest node; default "
                        f"{_CIN_RANGE})")
    parser.add_argument("--ready-file", help="write one JSON line here once running")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="what the node logs to standard error (default WARNING)")


def node_options_given(args: argparse.Namespace) -> list[str]:
    """The node options of :func:`add_node_arguments` given on the command line."""
    return [option for option, dest in _OPTIONS if getattr(args, dest) is not None]


@dataclass(frozen=True)
class NodeSettings:
    """The checked node options: the NATS ``servers``, the ``roles`` run (``ingest``,
    ``handover`` or both), the node's ``name``, the cluster ``layout``, the CIN range
    ``min_cin``..``max_cin`` of its ingest role, the ``ready_file`` and the ``log_level``."""

    servers: list[str]
    roles: tuple[str, ...]
    name: str
    layout: ClusterLayout
    min_cin: int
    max_cin: int
    ready_file: str | None = None
    log_level: str = "WARNING"


def _servers(text: str) -> list[str]:
    servers = [s.strip() for s in text.split(",") if s.strip()]
    if not servers:
        raise CLIError("--cluster: give at least one nats://HOST:PORT")
    for server in servers:
        try:
            url = urlsplit(server)
            port = url.port
        except ValueError:
            port = None
            url = urlsplit("")
        if url.scheme not in _SCHEMES or not url.hostname or port is None or \
                not 0 < port <= 65535 or url.path not in ("", "/"):
            raise CLIError(f"--cluster: {server!r} is not nats://HOST:PORT (or tls://HOST:PORT) "
                           "with a port of 1..65535")
    return servers


def node_roles(args: argparse.Namespace) -> tuple[str, ...]:
    """The roles ``--role`` names (``both``: ingest and handover); :class:`CLIError` unless
    ``--cluster`` and ``--role`` are both given."""
    if args.cluster is None or args.role is None:
        raise CLIError("a cluster node needs --cluster nats://HOST:PORT[,...] and --role "
                       f"{'|'.join(ROLES)} (the other node options go with them)")
    return ("ingest", "handover") if args.role == "both" else (args.role,)


def node_settings(args: argparse.Namespace, *, name: str | None = None) -> NodeSettings:
    """The node options of ``args`` checked (``name``: the default of ``--name``);
    :class:`CLIError` names the option and the rule broken."""
    from ..cluster import ClusterLayout

    roles = node_roles(args)
    servers = _servers(args.cluster)
    node = args.name if args.name is not None else name
    if not node or "." in node or any(c.isspace() for c in node):
        raise CLIError(f"--name: {node!r} must be a non-empty name without '.' or spaces (it "
                       "is a key in the cluster's buckets)")
    replicas = 3 if args.replicas is None else args.replicas
    if not 1 <= replicas <= 5:
        raise CLIError(f"--replicas: must be 1..5, got {replicas}")
    lease_ttl = 6.0 if args.lease_ttl is None else args.lease_ttl
    if lease_ttl < 0.5:
        raise CLIError(f"--lease-ttl: must be at least 0.5 seconds, got {lease_ttl}")
    cin_range = args.cin_range or _CIN_RANGE
    low, sep, high = cin_range.partition("-")
    if not sep or not low.isdigit() or not high.isdigit() or \
            not 0 < int(low) <= int(high) <= 2**31 - 1:
        raise CLIError(f"--cin-range: {cin_range!r} is not MIN-MAX with "
                       "0 < MIN <= MAX <= 2147483647")
    return NodeSettings(servers, roles, node,
                        ClusterLayout(replicas=replicas, lease_ttl=lease_ttl),
                        int(low), int(high), args.ready_file, args.log_level or "WARNING")


def handover_options(settings: NodeSettings, network: NetworkIdentifier,
                     destinations: Mapping[str, tuple[Destination, Destination | None]],
                     spool: Path, context: ssl.SSLContext) -> HandoverOptions:
    """The handover role's options: TS 102 232-1 sessions (acknowledgements negotiated, the
    TRI PDUs naming ``network``) to ``destinations`` over ``context``, spools below
    ``spool``."""
    from ..cluster import HandoverOptions
    from ..registry import bundled

    spec = bundled()
    tri = PSPDUBuilder(SessionIdentity("cluster", network, 0), spec=spec)
    return HandoverOptions(
        settings.servers, settings.name, destinations, spool, context,
        lambda: HandoverSession(spec, tri=tri, acknowledgement="negotiate", ack_every=50,
                                ack_delay=0.05),
        layout=settings.layout,
        client_options={"reconnect_initial": 0.05, "reconnect_max": 1.0})


def ingest_options(settings: NodeSettings, network: NetworkIdentifier,
                   context: ssl.SSLContext, listen: tuple[str, int]) -> IngestOptions:
    """The ingest role's options: X2/X3 on ``listen`` over ``context`` (a server context
    requiring client certificates), records of the MF ``network``."""
    from ..cluster import IngestOptions

    return IngestOptions(settings.servers, settings.name, network, context, host=listen[0],
                         port=listen[1], min_cin=settings.min_cin, max_cin=settings.max_cin,
                         layout=settings.layout)


async def _run(settings: NodeSettings, handover: HandoverOptions | None,
               ingest: IngestOptions | None, book: BookJob | None, ready_file: str | None,
               run_for: float | None) -> dict[str, Any]:
    from ..cluster import run_handover, run_ingest

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if run_for is not None:
        loop.call_later(run_for, stop.set)
    ready: dict[str, Any] = {"name": settings.name, "roles": list(settings.roles)}
    jobs: dict[str, asyncio.Task[Any]] = {}
    port = None
    try:
        if handover is not None:
            jobs["handover"] = asyncio.create_task(run_handover(handover, stop))
            ready["handover"] = True
        if ingest is not None:
            listening: asyncio.Future[int] = loop.create_future()
            jobs["ingest"] = asyncio.create_task(run_ingest(ingest, stop,
                                                            on_listening=listening.set_result))
            done, _ = await asyncio.wait({listening, jobs["ingest"]},
                                         return_when=asyncio.FIRST_COMPLETED)
            if listening in done:
                port = ready["port"] = listening.result()
            else:
                jobs["ingest"].result()  # raises what stopped it (or stopped before listening)
        if book is not None and not stop.is_set():
            jobs["book"] = asyncio.create_task(book(stop, port))
            ready["book"] = True
        if ready_file:
            Path(ready_file).write_text(json.dumps(ready) + "\n", encoding="utf-8")
        pending = set(jobs.values())
        while pending:  # one role failing stops the others
            ended, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            if any(not job.cancelled() and job.exception() is not None for job in ended):
                break
    finally:
        stop.set()
        await asyncio.gather(*jobs.values(), return_exceptions=True)
    return {role: job.result() for role, job in jobs.items()}


def run_node(settings: NodeSettings, *, handover: HandoverOptions | None = None,
             ingest: IngestOptions | None = None, book: BookJob | None = None,
             run_for: float | None = None) -> dict[str, Any]:
    """Run the roles given until SIGTERM or SIGINT (or ``run_for`` seconds): the handover
    role, the ingest role (its X2/X3 port, once listening, in the ready file's line and
    given to ``book``), then the warrant book's job. A role that fails stops the others;
    a :class:`~lawful_intercept.errors.ClusterError` becomes a :class:`CLIError`. Returns
    each role's result by role."""
    logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_run(settings, handover, ingest, book, settings.ready_file,
                                run_for))
    except ClusterError as exc:
        raise CLIError(str(exc)) from None


def node_summary(results: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--json`` fields of a node's roles: ``handover`` (its counters), ``published``
    (the ingest role's records the stream acknowledged) and ``book`` (its counters)."""
    out: dict[str, Any] = {}
    if "handover" in results:
        out["handover"] = dataclasses.asdict(results["handover"])
    if "ingest" in results:
        out["published"] = results["ingest"].published
    if "book" in results:
        out["book"] = results["book"]
    return out
