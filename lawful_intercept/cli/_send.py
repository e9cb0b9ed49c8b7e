"""``send``: deliver a stream file (BER PDUs back to back, or a capture) to a LEMF with the
library's :class:`~lawful_intercept.delivery.HandoverDelivery`, durably through its spools,
and wait until every PDU is delivered (docs/cli.md, "send").

Routing: a PS-PDU goes to HI3 (``--cc-to``) when it carries CC and to HI2 (``--to``)
otherwise (TS 102 232-1 ``Payload``, :func:`~lawful_intercept.catalog.payload_kind`); for
ATIS and PacketCable PDUs the CC types (CC-APDU, IAS-CC-APDU,
:func:`~lawful_intercept.catalog.kind_of_type`) go to ``--cc-to``. An address may end in
``/TYPE``: PDUs of that type go there, the others to the address without a type. Each PDU
type and pair of addresses is one ``HandoverDelivery`` (one connection and one spool folder
per address it uses). Resuming: ``--spool DIR`` keeps the spools and a state file
(``_send_state``) naming every stream folder and what it holds; run the same command again
after a crash and it delivers what the spools still hold and appends only the PDUs of the file
that the earlier run had not accepted. Run with other addresses, it moves the records an
earlier run left for the old addresses to the new ones (appended there first, then
acknowledged in the old spool: at least once), so that none is left behind. A state that does
not add up (a stream folder missing, ``appended`` above the PDUs of the file or the streams'
count) is damage, reported; nothing is skipped on its word.

A framing error in the file ends the command with exit status 1, after the PDUs before it were
delivered (the message says how many).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..asn1c import Specification
from ..catalog import PS_PDU, TOP_LEVEL_TYPES, default_specification, kind_of_type, payload_kind
from ..delivery import (
    DeliveryClient,
    DeliveryRefused,
    Destination,
    DestinationName,
    HandoverDelivery,
    InsecureTransportError,
    Spool,
    SpoolError,
    TLSConfigError,
    client_context,
    normalize_pins,
)
from ..errors import DecodeError, Error
from ..lemf import parse_address
from ..stream import FramingError, decode_first
from ._codec import framed
from ._common import (
    CLIError,
    Subcommands,
    add_command,
    add_tls_client_arguments,
    positive_seconds,
    print_json,
)
from ._send_ccc import add_ccc_arguments, prepare_ccc, send_ccc
from ._send_state import SendState, SpoolRecord, StreamRecord, read_state, write_state
from ._sessions import session_factory

__all__ = ["register"]

_BATCH = 512
"""PDUs appended to the spools per batch (one fsync each) and per state-file update."""
_CLIENT_OPTIONS = {"reconnect_initial": 0.2, "reconnect_max": 5.0, "max_refusals": 3}
"""A refusal that cannot heal (our certificate refused, the LEMF's untrusted or expired, a
pin mismatch) ends ``send`` after 3 in a row, not after --timeout."""

Address = tuple[str, int]


_HELP = "deliver a stream file to a LEMF over TLS; exit 0 once every PDU is delivered"
_DESCRIPTION = """Deliver the PDUs of FILE (BER back to back, or a pcap/pcapng capture) to a
LEMF over mutual TLS, through a durable spool. Exits 0 only when every PDU is delivered:
acknowledged (PDU acknowledgement), confirmed by an answered keep-alive, or, on streams
without TRI PDUs (ATIS, PacketCable), which have no acknowledgement, written to the
connection."""


def register(commands: Subcommands) -> None:
    """Add ``send``."""
    parser = add_command(commands, "send", _send, help=_HELP,
                         description=_DESCRIPTION)
    parser.add_argument("file", metavar="FILE", help="the stream file")
    parser.add_argument("--to", action="append", required=True, metavar="HOST:PORT[/TYPE]",
                        help="the LEMF's HI2 address (IRI, HI1, TRI; everything without "
                             "--cc-to); repeatable with /TYPE for streams of several types")
    parser.add_argument("--cc-to", action="append", default=[], metavar="HOST:PORT[/TYPE]",
                        help="the LEMF's HI3 address (CC)")
    add_tls_client_arguments(parser, us="mediation function", peer="LEMF", system_trust=True,
                             pins=True)
    parser.add_argument("--type", metavar="T",
                        help="the ASN.1 type of every PDU (default: found per PDU among "
                             + ", ".join(t.rpartition(".")[2] for t in TOP_LEVEL_TYPES) + ")")
    parser.add_argument("--spool", metavar="DIR",
                        help="keep the spool here and resume from it after a crash (default: "
                             "a temporary folder, removed at the end)")
    parser.add_argument("--acknowledgement", choices=("negotiate", "request", "off"),
                        default="negotiate",
                        help="PDU acknowledgement on PS-PDU connections (default: negotiate)")
    parser.add_argument("--keep-alive-interval", type=positive_seconds, default=300.0,
                        metavar="S",
                        help="seconds of idleness before a keep-alive (default: 300)")
    parser.add_argument("--keep-alive-wait", type=positive_seconds, default=30.0, metavar="S",
                        help="seconds a keep-aliveResponse may take (default: 30)")
    parser.add_argument("--timeout", type=positive_seconds, default=60.0, metavar="S",
                        help="give up when nothing was delivered for S seconds (default: 60)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")
    add_ccc_arguments(parser)


@dataclass
class _Route:
    """The :class:`HandoverDelivery` of one PDU type and pair of addresses, with its batch
    of PDUs waiting to be appended and what was routed to each destination."""

    pdu_type: str
    delivery: HandoverDelivery
    folder: str
    """The stream folder (in the ``--spool`` folder)."""
    record: StreamRecord
    """What the state says the folder holds (kept up to date)."""
    batch: list[bytes] = field(default_factory=list)
    pdus: dict[DestinationName, int] = field(default_factory=dict)
    """PDUs of this run per destination used (0 for one that only had leftovers)."""
    leftover: int = 0
    """Records an earlier run left in the spools (delivered by this run too)."""
    dead_before: int = 0
    """Dead letters its spools held when this run opened them."""

    def use(self, name: DestinationName) -> None:
        """Start the client of ``name`` (once): it has PDUs to deliver."""
        if name not in self.pdus:
            self.pdus[name] = 0
            self.delivery.clients[name].start()

    def address(self, name: DestinationName) -> str:
        """``HOST:PORT`` of destination ``name``."""
        destination = self.delivery.destinations[name]
        return f"{destination.host}:{destination.port}"

    def client(self, name: DestinationName) -> DeliveryClient:
        """The delivery client of destination ``name``."""
        return self.delivery.clients[name]


def _addresses(values: list[str], option: str) -> dict[str | None, tuple[str, int]]:
    """``{type or None: (host, port)}`` of the ``--to``/``--cc-to`` values."""
    out: dict[str | None, tuple[str, int]] = {}
    for text in values:
        try:
            host, port, suffix = parse_address(text, "")
        except argparse.ArgumentTypeError as exc:
            raise CLIError(f"{option}: {exc}") from None
        if port == 0:
            raise CLIError(f"{option}: {text!r}: the port must not be 0")
        key = suffix or None
        if key in out:
            raise CLIError(f"{option}: two addresses for {key or 'the default type'}")
        out[key] = (host, port)
    return out


def _type_of(spec: Specification, raw: bytes, candidates: tuple[str, ...]) -> str | None:
    try:
        return decode_first(spec, raw, candidates)[0]
    except DecodeError:
        return None


def _match(wanted: dict[str | None, tuple[str, int]], pdu_type: str
           ) -> tuple[str, int] | None:
    short = pdu_type.rpartition(".")[2]
    for key in (pdu_type, short):
        if key in wanted:
            return wanted[key]
    return wanted.get(None)


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise CLIError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _send(args: argparse.Namespace) -> int:
    """The ``send`` command (its texts: ``_HELP``, ``_DESCRIPTION``)."""
    hi2 = _addresses(args.to, "--to")
    hi3 = _addresses(args.cc_to, "--cc-to")
    pins: frozenset[bytes] | None = None
    if args.insecure_plain_tcp:
        if args.cert or args.key or args.ca or args.pin:
            raise CLIError("--insecure-plain-tcp contradicts --cert/--key/--ca/--pin")
        context = None
    else:
        if (args.cert is None) != (args.key is None):
            raise CLIError("give --cert and --key together (mutual TLS)")
        try:
            context = client_context(ca=args.ca, cert=args.cert, key=args.key)
            pins = normalize_pins(args.pin, argument="--pin") if args.pin else None
        except TLSConfigError as exc:
            raise CLIError(str(exc)) from None
    spec = default_specification()
    if args.type is not None:
        try:
            spec.get_type(args.type)
        except Error as exc:
            raise CLIError(f"--type: {exc}") from None
        candidates: tuple[str, ...] = (args.type,)
    else:
        candidates = TOP_LEVEL_TYPES
    if not Path(args.file).is_file():
        raise CLIError(f"{args.file}: no such file")
    digest = _file_digest(args.file)
    ccc_plan = prepare_ccc(args)

    temporary = args.spool is None
    folder = Path(tempfile.mkdtemp(prefix="lawful-intercept-spool-") if temporary
                  else args.spool)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"--spool: {folder}: {exc.strerror or exc}") from None
    state = None if temporary else read_state(folder)
    if state is not None and state.sha256 != digest:
        raise CLIError(f"--spool: {folder} holds the spool of another file "
                       f"({state.file}); use another folder")
    skip = state.appended if state is not None else 0
    book = state if state is not None else SendState(args.file, digest, 0)
    router = _Router(args, spec, hi2, hi3, context, pins, folder, book)
    started = time.monotonic()
    framing: FramingError | None = None
    dead = 0
    try:
        moved = _resume(router)
        total, framing = _accept(args, router, candidates, skip)
        delivered = _wait(args, router)
        ccc = send_ccc(ccc_plan)  # UDP, after the CDC messages that open it: never proven
        dead, dead_now = router.dead_letters()
        delivered -= dead_now
    finally:
        router.close()
        if temporary and not dead:
            shutil.rmtree(folder, ignore_errors=True)
    seconds = time.monotonic() - started
    if dead:
        # Refused records are kept (with a temporary folder too), never counted delivered.
        raise CLIError(f"{dead} PDUs were not delivered: the LEMF closed the connection after "
                       f"each of them again and again, so they were moved to the dead letters "
                       f"in {folder} ({delivered} PDUs delivered); see `lawful-intercept spool "
                       f"list {folder}`, and `spool requeue` once the cause is fixed")
    if framing is not None:
        raise CLIError(f"{args.file}: after {total} PDUs: {framing} (the {delivered} PDUs "
                       "before it were delivered)")
    fresh = total - skip
    streams = [(route, name, route.client(name).stats())
               for route in router.routes.values() for name in route.pdus]
    summary = {
        "command": "send", "file": args.file, "pdus": total, "delivered": delivered,
        "resumed": state is not None, "skipped": skip, "moved": moved,
        "streams": [{"to": route.address(name), "pdu_type": route.pdu_type,
                     "pdus": route.pdus[name], "acknowledged": stats.acknowledged,
                     "reconnects": stats.reconnects, "last_error": stats.last_error}
                    for route, name, stats in streams],
        "seconds": round(seconds, 3),
        "pdus_per_second": round(fresh / seconds, 1) if seconds > 0 else None,
        "ccc": ccc,
    }
    if args.json:
        print_json(summary)
    else:
        resumed = f" (resumed: {skip} accepted by an earlier run)" if state is not None else ""
        if moved:
            resumed += f" ({moved} records moved to the new addresses)"
        print(f"delivered {delivered} PDUs of {args.file}{resumed} in {seconds:.2f} s")
        for route, name, _ in streams:
            print(f"  {route.address(name)} {route.pdu_type}: {route.pdus[name]} PDUs")
        if ccc is not None:
            print(f"  {ccc['to']} CCC over UDP: {ccc['packets']} packets sent (UDP proves "
                  "no arrival)")
    return 0


class _Router:
    """The routes of one ``send``: a :class:`HandoverDelivery` per PDU type and pair of
    addresses, made on the first PDU that needs it."""

    def __init__(self, args: argparse.Namespace, spec: Specification,
                 hi2: dict[str | None, Address], hi3: dict[str | None, Address],
                 context: Any, pins: frozenset[bytes] | None, folder: Path,
                 book: SendState) -> None:
        self.args = args
        self.book = book
        self.spec = spec
        self.hi2 = hi2
        self.hi3 = hi3
        self.context = context
        self.pins = pins
        self.folder = folder
        self.routes: dict[tuple[str, Address, Address | None], _Route] = {}
        self.old_dead = 0
        """Dead letters in stream folders no current address uses."""

    def route(self, pdu_type: str, raw: bytes) -> tuple[_Route, DestinationName]:
        """The route of a PDU and the destination it goes to (whose client is started)."""
        key, _ = self.key_of(pdu_type, raw)
        route = self.routes.get(key)
        if route is None:
            route = self.routes[key] = self._open(pdu_type, raw, key[1], key[2])
        name = route.delivery.route(route.delivery.classify(raw))
        route.use(name)
        return route, name

    def key_of(self, pdu_type: str, raw: bytes
               ) -> tuple[tuple[str, Address, Address | None], str]:
        """The key of the route of a PDU, and the name of its stream folder."""
        kind = payload_kind(raw) if pdu_type == PS_PDU else kind_of_type(pdu_type)
        to_hi3 = kind == "CC" and bool(self.hi3)
        target = _match(self.hi3, pdu_type) if to_hi3 else _match(self.hi2, pdu_type)
        if target is None:
            option = "--cc-to" if to_hi3 else "--to"
            raise CLIError(f"{option}: no address for PDUs of type {pdu_type} (add "
                           f"{option} HOST:PORT/{pdu_type.rpartition('.')[2]})")
        if pdu_type == PS_PDU:  # routed by payload: one delivery for HI2 and HI3
            first = _match(self.hi2, pdu_type) or target
            second = _match(self.hi3, pdu_type) if first != target or not to_hi3 else None
        else:  # one kind per type: its address is the delivery's only one
            first, second = target, None
        short = pdu_type.rpartition(".")[2]
        folder = "_".join([short, *(f"{host}_{port}" for host, port in
                                    ([first] if second is None else [first, second]))])
        return (pdu_type, first, second), folder

    def _open(self, pdu_type: str, raw: bytes, first: Address, second: Address | None
              ) -> _Route:
        args = self.args
        _, folder = self.key_of(pdu_type, raw)
        classify: Callable[[bytes], str] = payload_kind
        if pdu_type != PS_PDU:
            kind = kind_of_type(pdu_type)
            classify = lambda _: kind  # noqa: E731
        try:
            delivery = HandoverDelivery(
                self._destination(first),
                None if second is None else self._destination(second),
                self.folder / folder,
                session_factory(self.spec, pdu_type, raw, acknowledgement=args.acknowledgement,
                                keep_alive_interval=args.keep_alive_interval,
                                keep_alive_wait=args.keep_alive_wait),
                ssl_context=self.context, insecure_plain_tcp=args.insecure_plain_tcp,
                client_options=_CLIENT_OPTIONS, classify=classify)
        except (SpoolError, InsecureTransportError, TLSConfigError) as exc:
            raise CLIError(str(exc)) from None
        record = self.book.streams.setdefault(folder, StreamRecord(pdu_type))
        route = _Route(pdu_type, delivery, folder, record)
        for name, spool in delivery.spools.items():
            self.check_ids(folder, name, spool)
            route.dead_before += spool.stats().dead_letters
            queued = spool.stats().queued
            if queued:  # left by an earlier run: deliver it now
                route.leftover += queued
                route.use(name)
        return route

    def _destination(self, address: Address) -> Destination:
        return Destination(address[0], address[1], server_hostname=self.args.server_name,
                           pinned_sha256=self.pins)

    def check_ids(self, folder: str, name: str, spool: Spool) -> None:
        """Damage (:class:`CLIError`) if ``spool`` issued fewer ids than the state says."""
        stream = self.book.streams.get(folder)
        expected = stream.spools[name].ids if stream and name in stream.spools else 0
        issued = spool.stats().next_id - 1
        if issued < expected:
            raise CLIError(f"--spool: {self.folder / folder / name}: the spool has issued "
                           f"{issued} ids but the state of the earlier send recorded {expected}:"
                           " its records were lost (the spool folder was replaced or emptied)")

    def flush(self) -> None:
        """Append every route's batch to its spools (durable when this returns)."""
        for route in self.routes.values():
            if route.batch:
                route.delivery.send_many(route.batch)
                route.batch = []

    def save(self) -> None:
        """Write the state: what every stream folder holds, up to now."""
        for route in self.routes.values():
            for name, spool in route.delivery.spools.items():
                held = route.record.spools.get(name)
                if held is not None:
                    held.ids = spool.stats().next_id - 1
        write_state(self.folder, self.book)

    def dead_letters(self) -> tuple[int, int]:
        """Dead letters in every spool, and how many of them this run made."""
        total, made = self.old_dead, 0
        for route in self.routes.values():
            here = sum(spool.stats().dead_letters for spool in route.delivery.spools.values())
            total += here
            made += here - route.dead_before
        return total, made

    def queued(self) -> int:
        """Records not yet delivered, in every spool."""
        return sum(spool.stats().queued for route in self.routes.values()
                   for spool in route.delivery.spools.values())

    def close(self) -> None:
        """Stop every delivery and close its spools (what is not delivered stays there)."""
        for route in self.routes.values():
            route.delivery.close()


def _accept(args: argparse.Namespace, router: _Router, candidates: tuple[str, ...],
            skip: int) -> tuple[int, FramingError | None]:
    """Read the file, route each PDU, append it to its route's spools in batches (the state
    file follows each batch). The number of PDUs in the file (up to a framing error, which is
    returned after the PDUs before it were appended)."""
    count = 0
    pending = 0
    book = router.book

    def flush() -> None:
        """Append every route's batch, then record in the state file how far the file is."""
        nonlocal pending
        router.flush()
        if pending:
            book.appended = count
            router.save()
            pending = 0

    source = _open(args.file)
    framing: FramingError | None = None
    try:
        try:
            for pdu in framed(source, args.file, args.file):
                raw = pdu.raw
                pdu_type = _type_of(router.spec, raw, candidates)
                if pdu_type is None:
                    raise CLIError(f"{args.file}: the PDU at offset {pdu.offset} does not "
                                   "decode as "
                                   + (args.type or "any of the known top-level types"))
                route, name = router.route(pdu_type, raw)
                count += 1
                if count <= skip:
                    continue  # accepted by an earlier run (in a spool, or delivered)
                route.pdus[name] += 1
                held = route.record.spools.setdefault(name, SpoolRecord(route.address(name),
                                                                        0, 0))
                held.pdus += 1
                route.batch.append(raw)
                pending += 1
                if pending >= _BATCH:
                    flush()
        except FramingError as exc:
            framing = exc  # the PDUs before it are delivered, then the error is reported
        flush()
    except SpoolError as exc:
        raise CLIError(f"--spool: {exc}") from None
    finally:
        source.close()
    if framing is None and count < skip:
        raise CLIError(f"--spool: {router.folder}: damaged state of an earlier send: it says "
                       f"{skip} PDUs of {args.file} were appended but the file holds {count}")
    if count == 0 and framing is None:
        raise CLIError(f"{args.file}: no PDU in the file")
    return count, framing


def _resume(router: _Router) -> int:
    """Take over the stream folders an earlier run left (named in the state, or found on disk:
    made just before a crash): those the current addresses use are opened (their records
    delivered), the records of the others are moved to the current addresses. The number of
    records moved."""
    book = router.book
    folders = set(book.streams)
    for entry in router.folder.iterdir():
        if entry.is_dir() and ((entry / "hi2").is_dir() or (entry / "hi3").is_dir()):
            folders.add(entry.name)
    for folder, stream in book.streams.items():
        for name, held in stream.spools.items():
            if held.ids and not (router.folder / folder / name).is_dir():
                raise CLIError(f"--spool: {router.folder / folder / name}: the spool is missing "
                               f"but the state of the earlier send recorded {held.ids} ids in "
                               "it: its records were lost")
    moved = 0
    for folder in sorted(folders):
        pdu_type = (book.streams[folder].pdu_type if folder in book.streams
                    else _type_of_folder(folder))
        first, dead = _first_pending(router, folder)
        sample = first if first is not None else (dead[0] if dead else None)
        if sample is None:
            continue  # nothing left there
        if router.key_of(pdu_type, sample)[1] == folder:
            router.route(pdu_type, sample)  # the stream of the current addresses
            continue
        router.old_dead += len(dead)  # dead letters stay where they are
        if first is not None:
            moved += _move(router, folder, pdu_type)
    return moved


def _type_of_folder(folder: str) -> str:
    short = folder.split("_", 1)[0]
    for name in TOP_LEVEL_TYPES:
        if name.rpartition(".")[2] == short:
            return name
    raise CLIError(f"--spool: {folder}: a stream folder of an unknown PDU type {short}")


def _spool_paths(router: _Router, folder: str) -> list[tuple[str, Path]]:
    base = router.folder / folder
    return [(name, base / name) for name in ("hi2", "hi3") if (base / name).is_dir()]


def _first_pending(router: _Router, folder: str) -> tuple[bytes | None, list[bytes]]:
    """The first record still pending in a stream folder (``None`` if none is), and the
    dead letters its spools hold."""
    first: bytes | None = None
    dead: list[bytes] = []
    for name, path in _spool_paths(router, folder):
        try:
            with Spool(path) as spool:
                router.check_ids(folder, name, spool)
                batch = spool.read_from(0, max_records=1)
                dead.extend(letter.payload for letter in spool.dead_letters())
        except SpoolError as exc:
            raise CLIError(f"--spool: {exc}") from None
        if batch and first is None:
            first = batch[0].data
    return first, dead


def _move(router: _Router, folder: str, pdu_type: str) -> int:
    """Move the pending records of an old stream folder to the routes of the current
    addresses: appended there (durably), the state written, then acknowledged in the old
    spools (a crash in between delivers them twice, never loses them)."""
    book = router.book
    old = book.streams.get(folder)
    moved = 0
    for name, path in _spool_paths(router, folder):
        try:
            with Spool(path) as spool:
                ids: list[int] = []
                targets: dict[tuple[int, DestinationName], tuple[_Route, int]] = {}
                for entry in spool.entries():
                    route, destination = router.route(pdu_type, entry.data)
                    route.batch.append(entry.data)
                    route.leftover += 1
                    key = (id(route), destination)
                    targets[key] = (route, targets.get(key, (route, 0))[1] + 1)
                    ids.append(entry.id)
                    if len(ids) % _BATCH == 0:
                        router.flush()
                router.flush()
                # The state follows: the PDUs the old spool held are now the new ones'.
                left = old.spools[name].pdus if old and name in old.spools else 0
                for (_, destination), (route, count) in targets.items():
                    share = min(count, left)
                    left -= share
                    held = route.record.spools.setdefault(
                        destination, SpoolRecord(route.address(destination), 0, 0))
                    held.pdus += share
                    if old and name in old.spools:
                        old.spools[name].pdus -= share
                router.save()
                if ids:
                    spool.ack(ids)
                moved += len(ids)
        except SpoolError as exc:
            raise CLIError(f"--spool: {exc}") from None
    return moved


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CLIError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _wait(args: argparse.Namespace, router: _Router) -> int:
    """Wait until every spool is empty; raise when nothing moved for ``--timeout``."""
    progress = sys.stderr.isatty() and not args.json
    total = sum(r.leftover + sum(r.pdus.values()) for r in router.routes.values())
    last_change = time.monotonic()
    last_left = -1
    while True:
        left = router.queued()
        if progress:
            done = total - left
            print(f"\r  delivered {done}/{total} PDUs", end="", file=sys.stderr, flush=True)
        if left == 0:
            if progress:
                print(file=sys.stderr)
            return total
        for route in router.routes.values():
            try:
                route.delivery.wait_idle(0)  # raises a refusal that cannot heal
            except DeliveryRefused as exc:
                if progress:
                    print(file=sys.stderr)
                raise CLIError(f"{left} of {total} PDUs not delivered: {exc}") from None
        now = time.monotonic()
        if left != last_left:
            last_left, last_change = left, now
        elif now - last_change > args.timeout:
            if progress:
                print(file=sys.stderr)
            reasons = "; ".join(
                f"{route.address(name)}: {route.client(name).stats().last_error or 'no answer'}"
                for route in router.routes.values() for name in route.pdus
                if route.delivery.spools[name].stats().queued)
            where = (f" (kept in {args.spool}: run the same command again to resume)"
                     if args.spool else "")
            raise CLIError(f"{left} of {total} PDUs not delivered after {args.timeout:g} s "
                           f"without progress{where}: {reasons}")
        time.sleep(0.02)
