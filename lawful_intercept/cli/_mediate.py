"""``mediate``: run a mediation function from a TOML configuration file (tomllib): the warrant
book and, optionally, its HI-1 endpoint (ETSI TS 103 120), X1 to the network elements
(TS 103 221-1), the X2/X3 listener (TS 103 221-2), the conversion and the HI2/HI3 delivery
to each agency destination (TS 102 232-1), all over mutual TLS
(:class:`~lawful_intercept.mediation.Mediation`). Every key is documented in
``docs/mediation.md``, "The configuration file"; an error names the file, the table and the
key."""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import threading
import time
import tomllib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography import x509

from ..catalog import PS_PDU, default_specification
from ..correlation import CINAllocator, NetworkIdentifier, SequenceCounters, SessionIdentity
from ..delivery import (
    CCCSender,
    Destination,
    HandoverDelivery,
    HandoverSession,
    client_context,
)
from ..errors import Error, TLSConfigError
from ..mediation import (
    AgencyDestination,
    Mediation,
    MediationDelivery,
    SyncReport,
    X2X3Converter,
)
from ..records import PSPDUBuilder
from ..warrants import (
    EndpointID,
    HI1Endpoint,
    HI1Server,
    IPAddressPort,
    Trust,
    WarrantBook,
    hi1_server_context,
)
from ..x1 import X1Client
from ..x2x3 import X2X3Listener
from ._cluster_node import add_node_arguments, node_options_given
from ._common import (
    CLIError,
    Subcommands,
    add_command,
    host_port,
    positive_seconds,
    print_json,
)
from ._demo_chain import HANDOVERS, us_sessions

__all__ = [
    "MediateConfig",
    "agency_destinations",
    "hi1_running",
    "load_config",
    "print_report",
    "register",
    "tls_contexts",
    "x1_clients",
]

_FORMATS = {handover: fmt for fmt, (_, _, handover) in HANDOVERS.items()}
"""The handover formats of ``[[destination]] format`` and the demo's names of them."""

_TABLES: dict[str, dict[str, str]] = {
    "mediation": {"operator_id": "str", "network_element_id": "str", "country_code": "str",
                  "admf_id": "str", "book": "path", "spool": "path",
                  "sync_interval": "seconds", "cin_secret": "str"},
    "tls": {"cert": "path", "key": "path", "ca": "path", "client_cert": "path",
            "client_key": "path"},
    "x2x3": {"listen": "address", "advertise": "address", "tls13_only": "bool"},
    "hi1": {"listen": "address", "identity": "str", "trust": "paths", "approvers": "paths",
            "approver_roles": "strs"},
    "destination": {"name": "str", "hi2": "address", "hi3": "address", "format": "str",
                    "server_name": "str"},
    "network_element": {"name": "str", "x1": "address", "server_name": "str"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "mediation": ("operator_id", "network_element_id", "book", "spool"),
    "tls": ("cert", "key", "ca"),
    "x2x3": ("listen",),
    "hi1": ("listen", "identity", "trust", "approvers"),
    "destination": ("name", "hi2", "hi3"),
    "network_element": ("name", "x1"),
}


@dataclass
class MediateConfig:
    """The configuration file, checked: one dict per table (values converted: paths
    resolved against the file's folder, addresses as ``(host, port)``) and the lists of
    ``[[destination]]`` and ``[[network_element]]`` tables; ``file`` its name."""

    file: str
    mediation: dict[str, Any]
    tls: dict[str, Any]
    x2x3: dict[str, Any]
    hi1: dict[str, Any] | None
    destinations: list[dict[str, Any]] = field(default_factory=list)
    network_elements: list[dict[str, Any]] = field(default_factory=list)


def _value(file: str, where: str, key: str, kind: str, value: Any, base: Path) -> Any:
    """One value of the file, checked against its kind (the error names file, table, key)."""
    def bad(rule: str) -> CLIError:
        return CLIError(f"{file}: {where} {key}: {rule}, got {value!r}")

    if kind == "str":
        if not isinstance(value, str) or not value:
            raise bad("must be a non-empty string")
        return value
    if kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad("must be a list of non-empty strings")
        return value
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise bad("must be a file or folder name")
        return base / value
    if kind == "paths":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v
                                                               for v in value):
            raise bad("must be a non-empty list of file names")
        return [base / v for v in value]
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if kind == "seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise bad("must be a number of seconds > 0")
        return float(value)
    if kind == "address":
        if not isinstance(value, str):
            raise bad("must be \"HOST:PORT\"")
        try:
            return host_port(value)
        except argparse.ArgumentTypeError as exc:
            raise CLIError(f"{file}: {where} {key}: {exc}") from None
    raise AssertionError(kind)


def _table(file: str, name: str, where: str, raw: Any, base: Path,
           required: dict[str, tuple[str, ...]], note: str = "") -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CLIError(f"{file}: {where} must be a table")
    keys = _TABLES[name]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in keys:
            raise CLIError(f"{file}: {where} {key}: unknown key (known: "
                           f"{', '.join(sorted(keys))}; see docs/mediation.md)")
        out[key] = _value(file, where, key, keys[key], value, base)
    for key in required[name]:
        if key not in out:
            raise CLIError(f"{file}: {where} {key}: missing (required{note})")
    return out


_BOOK: Final = frozenset({"book"})
_CLUSTER_USE: Final[dict[str, tuple[frozenset[str], str]]] = {
    "[mediation] country_code": (frozenset(), "the cluster's ingest nodes write no country "
                                 "codes"),
    "[mediation] cin_secret": (frozenset(), "each ingest node gives CINs from its own "
                               "--cin-range"),
    "[mediation] spool": (frozenset({"handover"}), "only the handover role keeps spools (the "
                          "ingest role's records are durable in the record stream)"),
    "[mediation] sync_interval": (_BOOK, "only the node with the warrant book ([mediation] "
                                  "book) syncs it"),
    "[mediation] admf_id": (_BOOK, "only the node with the warrant book ([mediation] book) "
                            "sends X1"),
    "[x2x3] listen": (frozenset({"ingest"}), "only the ingest role listens for X2/X3"),
    "[x2x3] tls13_only": (frozenset({"ingest"}), "only the ingest role listens for X2/X3"),
    "[x2x3] advertise": (_BOOK, "only the node with the warrant book ([mediation] book) "
                         "gives the network elements an X2/X3 address"),
    "[hi1]": (_BOOK, "the HI-1 endpoint fills the warrant book: give [mediation] book"),
    "[[network_element]]": (_BOOK, "only the node with the warrant book ([mediation] book) "
                            "tasks network elements over X1"),
    "[[destination]]": (frozenset({"handover", "book"}), "only the handover role and the "
                        "warrant book use the agencies' destinations"),
}
"""In cluster mode: what each part of a node (its roles and, with ``[mediation] book``, the
warrant book) uses of the file; anything else is refused, never silently ignored."""


def _cluster_rules(file: str, raw: dict[str, Any], roles: Collection[str]
                   ) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """The parts of a cluster node (its roles, and ``book`` with ``[mediation] book``) and
    the keys each table then requires; a table or key no part uses is refused."""
    mediation = raw.get("mediation")
    parts = frozenset(roles) | (_BOOK if isinstance(mediation, dict) and "book" in mediation
                                else frozenset())
    present = [f"[{name}]" if name in ("hi1",) else f"[[{name}]]"
               for name in ("hi1", "destination", "network_element") if name in raw]
    for table in ("mediation", "x2x3"):
        if isinstance(raw.get(table), dict):
            present += [f"[{table}] {key}" for key in raw[table]]
    for where in present:
        use = _CLUSTER_USE.get(where)
        if use is not None and not use[0] & parts:
            raise CLIError(f"{file}: {where}: not used by this cluster node (it runs "
                           f"{', '.join(sorted(parts))}): {use[1]}; remove it "
                           "(see docs/cluster.md)")
    required: dict[str, tuple[str, ...]] = {
        **_REQUIRED,
        "mediation": ("operator_id", "network_element_id",
                      *(("spool",) if "handover" in parts else ())),
        "x2x3": ("listen",) if "ingest" in parts else ("advertise",) if "book" in parts
        else ()}
    return parts, required


def load_config(path: str | os.PathLike[str], *, roles: Collection[str] | None = None
                ) -> MediateConfig:
    """Read and check the ``mediate`` configuration file (TOML, docs/mediation.md);
    :class:`CLIError` names the file, the table and the key at fault. With ``roles`` (a
    cluster node's, ``ingest`` and/or ``handover``) the file is checked for ``mediate
    --cluster`` (docs/cluster.md): ``[mediation] book`` is optional (the node with it runs
    the warrant book), and a table or key the node would not use is refused."""
    file = str(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except OSError as exc:
        raise CLIError(f"--config: {file}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CLIError(f"--config: {file}: not TOML: {exc}") from None
    base = Path(path).resolve().parent
    for key in raw:
        if key not in _TABLES:
            raise CLIError(f"{file}: [{key}]: unknown table (known: "
                           f"{', '.join(sorted(_TABLES))}; see docs/mediation.md)")
    if roles is None:
        parts, required, note = frozenset({"ingest", "handover", "book"}), _REQUIRED, ""
    else:
        (parts, required), note = _cluster_rules(file, raw, roles), " in cluster mode"
    for name in ("mediation", "tls", "x2x3"):
        if name not in raw and (name != "x2x3" or required["x2x3"]):
            raise CLIError(f"{file}: [{name}]: missing (required{note})")

    def table(name: str, where: str, value: Any) -> dict[str, Any]:
        return _table(file, name, where, value, base, required, note)

    config = MediateConfig(
        file, table("mediation", "[mediation]", raw["mediation"]),
        table("tls", "[tls]", raw["tls"]), table("x2x3", "[x2x3]", raw.get("x2x3", {})),
        table("hi1", "[hi1]", raw["hi1"]) if "hi1" in raw else None)
    for name, target, needed in (
            ("destination", config.destinations, bool({"handover", "book"} & parts)),
            ("network_element", config.network_elements, "book" in parts)):
        items = raw.get(name, [])
        if not isinstance(items, list) or (needed and not items):
            raise CLIError(f"{file}: [[{name}]]: give at least one [[{name}]] table")
        names: set[str] = set()
        for index, item in enumerate(items):
            entry = table(name, f"[[{name}]] #{index + 1}", item)
            if entry["name"] in names:
                raise CLIError(f"{file}: [[{name}]] #{index + 1} name: {entry['name']!r} "
                               "is used twice")
            names.add(entry["name"])
            target.append(entry)
    for index, destination in enumerate(config.destinations):
        fmt = destination.setdefault("format", "ETSI")
        if fmt not in _FORMATS:
            raise CLIError(f"{file}: [[destination]] #{index + 1} format: must be one of "
                           f"{', '.join(_FORMATS)}, got {fmt!r}")
        if roles is not None and fmt != "ETSI":
            raise CLIError(f"{file}: [[destination]] #{index + 1} format: the cluster carries "
                           f"ETSI TS 102 232 PS-PDUs only, got {fmt!r}")
    identity = config.hi1["identity"] if config.hi1 else None
    if identity is not None and identity.count("/") != 1:
        raise CLIError(f"{file}: [hi1] identity: must be \"COUNTRY/UNIQUE-ID\" (TS 103 120 "
                       f"EndpointID), got {identity!r}")
    try:
        NetworkIdentifier(config.mediation["operator_id"].encode(),
                          config.mediation["network_element_id"].encode())
    except (TypeError, ValueError) as exc:
        raise CLIError(f"{file}: [mediation] operator_id/network_element_id: {exc}") from None
    return config


_HELP = "run a mediation function: warrants, X1, X2/X3 in, HI2/HI3 out"
_DESCRIPTION = """Run a mediation function from a TOML configuration file (see
docs/mediation.md): the warrant book and its HI-1 endpoint, X1 to the network elements, the
X2/X3 listener, and HI2/HI3 delivery to each agency destination, all over mutual TLS. Stops
on Ctrl-C. With --cluster and --role, run the same as one node of a mediation cluster on
NATS JetStream (see docs/cluster.md): the ingest role converts X2/X3 and publishes the
records, the handover role delivers them, and the node with [mediation] book keeps the
cluster's task bucket equal to the book."""


def register(commands: Subcommands) -> None:
    """Add ``mediate``."""
    parser = add_command(commands, "mediate", _mediate, help=_HELP,
                         description=_DESCRIPTION)
    parser.add_argument("--config", metavar="FILE.toml", required=True,
                        help="the configuration file")
    parser.add_argument("--run-for", metavar="SECONDS", type=positive_seconds,
                        help="stop after this many seconds (default: run until interrupted)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary when it stops")
    add_node_arguments(parser, required=False, name_help="with --cluster: this node's name, "
                       "unique in the cluster (default: [mediation] network_element_id)")


def _mediate(args: argparse.Namespace) -> int:
    """The ``mediate`` command (its texts: ``_HELP``, ``_DESCRIPTION``)."""
    if node_options_given(args):
        from ._mediate_cluster import mediate_cluster

        return mediate_cluster(args)
    config = load_config(args.config)
    med = config.mediation
    server_context, peer_context = tls_contexts(config)
    spec = default_specification()
    network = NetworkIdentifier(med["operator_id"].encode(),
                                med["network_element_id"].encode())
    country = med.get("country_code")
    secret = med.get("cin_secret")
    converter = X2X3Converter(
        network, allocator=CINAllocator(secret=secret.encode() if secret else os.urandom(16)),
        counters=SequenceCounters(), spec=spec, authorization_country_code=country,
        delivery_country_code=country)
    tri = PSPDUBuilder(SessionIdentity("MF", network, 0), spec=spec)
    deliveries = {}
    ccc: dict[str, Any] = {}
    senders: list[CCCSender] = []
    for item in config.destinations:
        hi2_type, hi3_type, _ = HANDOVERS[_FORMATS[item["format"]]]
        name = item.get("server_name")
        sessions: Any = (lambda: HandoverSession(spec, tri=tri, acknowledgement="negotiate")
                         ) if hi2_type == PS_PDU else {
            interface: us_sessions(spec, pdu_type)
            for interface, pdu_type in (("hi2", hi2_type), ("hi3", hi3_type)) if pdu_type}
        hi3 = Destination(item["hi3"][0], item["hi3"][1], server_hostname=name)
        if hi3_type is None:  # PacketCable: hi3 is where the CCC packets go, over UDP
            senders.append(CCCSender(hi3))
            ccc[item["name"]] = senders[-1].send
        deliveries[item["name"]] = HandoverDelivery(
            Destination(item["hi2"][0], item["hi2"][1], server_hostname=name),
            hi3 if hi3_type is not None else None, Path(med["spool"]) / item["name"],
            sessions, ssl_context=peer_context)
    mediation_delivery = MediationDelivery(converter, deliveries, ccc=ccc)
    with WarrantBook(med["book"]) as book, hi1_running(config, book, server_context):
        for delivery in deliveries.values():
            delivery.start()
        try:
            summary = asyncio.run(_serve(args, med, config.x2x3, book, mediation_delivery,
                                         agency_destinations(config),
                                         x1_clients(config, peer_context), server_context))
        finally:
            for delivery in deliveries.values():
                delivery.close()
            for sender in senders:
                sender.close()
    if args.json:
        print_json({"command": "mediate", **summary,
                    "conversion": mediation_delivery.stats()})
    return 0


def tls_contexts(config: MediateConfig) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """The ``[tls]`` table's server context (HI-1, X2/X3: client certificates required)
    and client context (LEMFs, network elements); :class:`CLIError` names the table."""
    tls = config.tls
    try:
        return (hi1_server_context(tls["cert"], tls["key"], tls["ca"]),
                client_context(ca=tls["ca"], cert=tls.get("client_cert", tls["cert"]),
                               key=tls.get("client_key", tls["key"])))
    except (TLSConfigError, OSError, ValueError) as exc:
        raise CLIError(f"{config.file}: [tls]: {exc}") from None


def agency_destinations(config: MediateConfig) -> list[AgencyDestination]:
    """The ``[[destination]]`` tables as the warrant book's agency destinations."""
    return [AgencyDestination(d["name"], (d["hi2"], d["hi3"]), d["format"])
            for d in config.destinations]


def x1_clients(config: MediateConfig, context: ssl.SSLContext) -> dict[str, X1Client]:
    """An X1 client per ``[[network_element]]`` (TS 103 221-1 over mutual TLS)."""
    return {ne["name"]: X1Client(ne["x1"][0], ne["x1"][1], context)
            for ne in config.network_elements}


def print_report(report: SyncReport) -> None:
    """Print each task a sync activated, modified, deactivated or refused."""
    for name in ("activated", "modified", "deactivated"):
        for task in getattr(report, name):
            print(f"task {task} {name}", flush=True)
    for task, reason in report.refused.items():
        print(f"task {task} refused: {reason}", flush=True)


@contextmanager
def hi1_running(config: MediateConfig, book: WarrantBook,
                context: ssl.SSLContext) -> Iterator[None]:
    """The ``[hi1]`` endpoint (TS 103 120) filling ``book``, served in a thread while in the
    block (nothing without ``[hi1]``)."""
    server = _hi1_server(config, book, context)
    if server is None:
        yield
        return
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    print(f"HI-1 endpoint on https://{config.hi1['listen'][0]}:"  # type: ignore[index]
          f"{server.server_address[1]}/", flush=True)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _hi1_server(config: MediateConfig, book: WarrantBook,
                context: Any) -> HI1Server | None:
    if config.hi1 is None:
        return None
    hi1 = config.hi1
    country, unique = hi1["identity"].split("/")
    try:
        trust = Trust(tuple(_certificates(p) for p in hi1["trust"]))
        approvers = Trust(tuple(_certificates(p) for p in hi1["approvers"]),
                          roles=frozenset(hi1.get("approver_roles", ["Judge"])))
    except (OSError, ValueError) as exc:
        raise CLIError(f"{config.file}: [hi1] trust/approvers: {exc}") from None
    endpoint = HI1Endpoint(book, identity=EndpointID(country, unique), trust=trust,
                           approvers=approvers)
    return HI1Server(hi1["listen"], endpoint, context)


def _certificates(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


async def _serve(args: argparse.Namespace, med: dict[str, Any], x2x3: dict[str, Any],
                 book: WarrantBook, mediation_delivery: MediationDelivery,
                 destinations: list[AgencyDestination], elements: dict[str, Any],
                 context: Any) -> dict[str, Any]:
    host, port = x2x3["listen"]
    async with X2X3Listener(mediation_delivery.consumer, context, host=host, port=port,
                            tls13_only=x2x3.get("tls13_only", False)) as listener:
        advertised = x2x3.get("advertise", (host, listener.port))
        mediation = Mediation(book, mediation_delivery, destinations=destinations,
                              network_elements=elements,
                              x2x3_address=IPAddressPort(advertised[0], advertised[1]),
                              admf_identifier=med.get("admf_id", "ADMF"))
        print(f"X2/X3 listener on {host}:{listener.port}; {len(destinations)} agency "
              f"destination(s), {len(elements)} network element(s)", flush=True)
        interval = med.get("sync_interval", 1.0)
        stop_at = None if args.run_for is None else time.monotonic() + args.run_for
        syncs = 0
        try:
            while stop_at is None or time.monotonic() < stop_at:
                try:
                    report = mediation.sync(datetime.now(UTC))
                except Error as exc:  # the book or X1: logged, tried again next time
                    print(f"sync failed (retried): {exc}", flush=True)
                else:
                    syncs += 1
                    print_report(report)
                wait = interval if stop_at is None else min(interval,
                                                           max(stop_at - time.monotonic(), 0))
                await asyncio.sleep(wait)
        except asyncio.CancelledError:
            pass
        return {"syncs": syncs, "x2x3_pdus": listener.stats.pdus_received,
                "tasks": sorted(mediation.live_tasks())}
