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
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from ..mediation import AgencyDestination, Mediation, MediationDelivery, X2X3Converter
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
from ._common import (
    CLIError,
    Subcommands,
    add_command,
    host_port,
    positive_seconds,
    print_json,
)
from ._demo_chain import HANDOVERS, us_sessions

__all__ = ["MediateConfig", "load_config", "register"]

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


def _table(file: str, name: str, where: str, raw: Any, base: Path) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CLIError(f"{file}: {where} must be a table")
    keys = _TABLES[name]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in keys:
            raise CLIError(f"{file}: {where} {key}: unknown key (known: "
                           f"{', '.join(sorted(keys))}; see docs/mediation.md)")
        out[key] = _value(file, where, key, keys[key], value, base)
    for key in _REQUIRED[name]:
        if key not in out:
            raise CLIError(f"{file}: {where} {key}: missing (required)")
    return out


def load_config(path: str | os.PathLike[str]) -> MediateConfig:
    """Read and check the ``mediate`` configuration file (TOML, docs/mediation.md);
    :class:`CLIError` names the file, the table and the key at fault."""
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
    for name in ("mediation", "tls", "x2x3"):
        if name not in raw:
            raise CLIError(f"{file}: [{name}]: missing (required)")
    config = MediateConfig(
        file, _table(file, "mediation", "[mediation]", raw["mediation"], base),
        _table(file, "tls", "[tls]", raw["tls"], base),
        _table(file, "x2x3", "[x2x3]", raw["x2x3"], base),
        _table(file, "hi1", "[hi1]", raw["hi1"], base) if "hi1" in raw else None)
    for name, target in (("destination", config.destinations),
                         ("network_element", config.network_elements)):
        items = raw.get(name, [])
        if not isinstance(items, list) or not items:
            raise CLIError(f"{file}: [[{name}]]: give at least one [[{name}]] table")
        names: set[str] = set()
        for index, item in enumerate(items):
            table = _table(file, name, f"[[{name}]] #{index + 1}", item, base)
            if table["name"] in names:
                raise CLIError(f"{file}: [[{name}]] #{index + 1} name: {table['name']!r} "
                               "is used twice")
            names.add(table["name"])
            target.append(table)
    for index, destination in enumerate(config.destinations):
        fmt = destination.setdefault("format", "ETSI")
        if fmt not in _FORMATS:
            raise CLIError(f"{file}: [[destination]] #{index + 1} format: must be one of "
                           f"{', '.join(_FORMATS)}, got {fmt!r}")
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


def register(commands: Subcommands) -> None:
    """Add ``mediate``."""
    parser = add_command(commands, "mediate", _mediate)
    parser.add_argument("--config", metavar="FILE.toml", required=True,
                        help="the configuration file")
    parser.add_argument("--run-for", metavar="SECONDS", type=positive_seconds,
                        help="stop after this many seconds (default: run until interrupted)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary when it stops")


def _mediate(args: argparse.Namespace) -> int:
    """run a mediation function: warrants, X1, X2/X3 in, HI2/HI3 out

    Run a mediation function from a TOML configuration file (see
    docs/mediation.md): the warrant book and its HI-1 endpoint, X1 to the
    network elements, the X2/X3 listener, and HI2/HI3 delivery to each
    agency destination, all over mutual TLS. Stops on Ctrl-C.
    """
    config = load_config(args.config)
    med, tls = config.mediation, config.tls
    try:
        server_context = hi1_server_context(tls["cert"], tls["key"], tls["ca"])
        peer_context = client_context(ca=tls["ca"], cert=tls.get("client_cert", tls["cert"]),
                                      key=tls.get("client_key", tls["key"]))
    except (TLSConfigError, OSError, ValueError) as exc:
        raise CLIError(f"{config.file}: [tls]: {exc}") from None
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
    destinations = [AgencyDestination(d["name"], (d["hi2"], d["hi3"]), d["format"])
                    for d in config.destinations]
    elements = {ne["name"]: X1Client(ne["x1"][0], ne["x1"][1], peer_context)
                for ne in config.network_elements}
    x2x3 = config.x2x3
    with WarrantBook(med["book"]) as book:
        hi1 = _hi1_server(config, book, server_context)
        thread = None
        if hi1 is not None:
            thread = threading.Thread(target=hi1.serve_forever, kwargs={"poll_interval": 0.2},
                                      daemon=True)
            thread.start()
            print(f"HI-1 endpoint on https://{config.hi1['listen'][0]}:"  # type: ignore[index]
                  f"{hi1.server_address[1]}/", flush=True)
        for delivery in deliveries.values():
            delivery.start()
        try:
            summary = asyncio.run(_serve(args, med, x2x3, book, mediation_delivery,
                                         destinations, elements, server_context))
        finally:
            for delivery in deliveries.values():
                delivery.close()
            for sender in senders:
                sender.close()
            if hi1 is not None and thread is not None:
                hi1.shutdown()
                hi1.server_close()
                thread.join()
    if args.json:
        print_json({"command": "mediate", **summary,
                    "conversion": mediation_delivery.stats()})
    return 0


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
                    for name in ("activated", "modified", "deactivated"):
                        for task in getattr(report, name):
                            print(f"task {task} {name}", flush=True)
                    for task, reason in report.refused.items():
                        print(f"task {task} refused: {reason}", flush=True)
                wait = interval if stop_at is None else min(interval,
                                                           max(stop_at - time.monotonic(), 0))
                await asyncio.sleep(wait)
        except asyncio.CancelledError:
            pass
        return {"syncs": syncs, "x2x3_pdus": listener.stats.pdus_received,
                "tasks": sorted(mediation.live_tasks())}
