"""``send``: deliver a stream file (BER PDUs back to back, or a capture) to a LEMF with the
library's delivery clients, durably through a spool, and wait until every PDU is delivered.

Routing: a PS-PDU goes to HI3 (``--cc-to``) when it carries CC and to HI2 (``--to``)
otherwise (TS 102 232-1 ``Payload``); for ATIS and PacketCable PDUs the CC types (CC-APDU,
IAS-CC-APDU) go to ``--cc-to``. An address may end in ``/TYPE``: PDUs of that type go there,
the others to the address without a type. Each address and PDU type is one connection with
its own spool folder. Resuming: ``--spool DIR`` keeps the spool and a small state file; run
the same command again after a crash and it delivers what the spool still holds and appends
only the PDUs of the file that the earlier run had not accepted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..asn1c import Specification
from ..delivery.client import DeliveryClient, InsecureTransportError
from ..delivery.handover import payload_kind
from ..delivery.spool import Spool, SpoolError
from ..delivery.tls import TLSConfigError, client_context, normalize_pins
from ..errors import DecodeError, Error
from ..lemf import parse_address
from ..registry import bundled
from ..scenarios import PS_PDU, TOP_LEVEL_TYPES
from ..stream import FramingError, decode_first
from ._codec import framed as _framed
from ._common import CLIError, Subcommands, add_command, positive_seconds, print_json
from ._sessions import session_factory

__all__ = ["register"]

_BATCH = 512
"""PDUs appended to the spools per batch (one fsync each) and per state-file update."""
_STATE = "send-state.json"
_CC_TYPES = frozenset(t for t in TOP_LEVEL_TYPES if t.rpartition(".")[2] in ("CC-APDU",
                                                                             "IAS-CC-APDU"))


def register(commands: Subcommands) -> None:
    """Add ``send``."""
    parser = add_command(
        commands, "send", _send,
        help="deliver a stream file to a LEMF over TLS; exit 0 once every PDU is delivered",
        description="Deliver the PDUs of FILE (BER back to back, or a pcap/pcapng capture) "
                    "to a LEMF over mutual TLS, through a durable spool. Exits 0 only when "
                    "every PDU is delivered: acknowledged (PDU acknowledgement), confirmed by "
                    "an answered keep-alive, or, on streams without TRI PDUs (ATIS, "
                    "PacketCable), which have no acknowledgement, written to the connection.",
    )
    parser.add_argument("file", metavar="FILE", help="the stream file")
    parser.add_argument("--to", action="append", required=True, metavar="HOST:PORT[/TYPE]",
                        help="the LEMF's HI2 address (IRI, HI1, TRI; everything without "
                             "--cc-to); repeatable with /TYPE for streams of several types")
    parser.add_argument("--cc-to", action="append", default=[], metavar="HOST:PORT[/TYPE]",
                        help="the LEMF's HI3 address (CC)")
    parser.add_argument("--cert", metavar="PEM", help="this mediation function's certificate")
    parser.add_argument("--key", metavar="PEM", help="the private key of --cert")
    parser.add_argument("--ca", metavar="PEM",
                        help="CA certificates that issue the LEMF's certificate (default: the "
                             "system's trust store)")
    parser.add_argument("--server-name", metavar="NAME",
                        help="the name checked against the LEMF's certificate (default: HOST)")
    parser.add_argument("--pin", action="append", default=[], metavar="SHA256",
                        help="SHA-256 fingerprint of the LEMF's certificate, hex (repeatable)")
    parser.add_argument("--insecure-plain-tcp", action="store_true",
                        help="send over plain TCP without TLS (tests only)")
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


@dataclass
class _Stream:
    """One connection: an address, the PDU type it carries, its spool and client."""

    host: str
    port: int
    pdu_type: str
    spool: Spool | None = None
    client: DeliveryClient | None = None
    pdus: int = 0
    leftover: int = 0
    """Records an earlier run left in the spool (delivered by this run too)."""
    batch: list[bytes] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def folder(self) -> str:
        return f"{self.host}_{self.port}_{self.pdu_type.rpartition('.')[2]}"


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


def _read_state(folder: Path) -> dict[str, Any] | None:
    path = folder / _STATE
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CLIError(f"{path}: unreadable state of an earlier send: {exc}") from None
    return state


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    path = folder / _STATE
    tmp = folder / (_STATE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _send(args: argparse.Namespace) -> int:
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
    spec = bundled()
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

    temporary = args.spool is None
    folder = Path(tempfile.mkdtemp(prefix="lawful-intercept-spool-") if temporary
                  else args.spool)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"--spool: {folder}: {exc.strerror or exc}") from None
    state = _read_state(folder)
    if state is not None and state.get("sha256") != digest:
        raise CLIError(f"--spool: {folder} holds the spool of another file "
                       f"({state.get('file')}); use another folder")
    skip = int(state["appended"]) if state is not None else 0
    streams: dict[tuple[str, int, str], _Stream] = {}
    started = time.monotonic()
    try:
        total = _accept(args, spec, candidates, hi2, hi3, context,
                        pins, folder, digest, skip,
                        streams)
        delivered = _wait(args, streams, started)
    finally:
        for stream in streams.values():
            if stream.client is not None:
                stream.client.close()
            if stream.spool is not None:
                stream.spool.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    seconds = time.monotonic() - started
    fresh = total - skip
    summary = {
        "command": "send", "file": args.file, "pdus": total, "delivered": delivered,
        "resumed": state is not None, "skipped": skip,
        "streams": [{"to": s.address, "pdu_type": s.pdu_type, "pdus": s.pdus,
                     **({"acknowledged": st.acknowledged, "reconnects": st.reconnects,
                         "last_error": st.last_error}
                        if s.client is not None and (st := s.client.stats()) else {})}
                    for s in streams.values()],
        "seconds": round(seconds, 3),
        "pdus_per_second": round(fresh / seconds, 1) if seconds > 0 else None,
    }
    if args.json:
        print_json(summary)
    else:
        resumed = f" (resumed: {skip} accepted by an earlier run)" if state is not None else ""
        print(f"delivered {delivered} PDUs of {args.file}{resumed} in {seconds:.2f} s")
        for s in streams.values():
            print(f"  {s.address} {s.pdu_type}: {s.pdus} PDUs")
    return 0


def _accept(args: argparse.Namespace, spec: Specification, candidates: tuple[str, ...],
            hi2: dict[str | None, tuple[str, int]], hi3: dict[str | None, tuple[str, int]],
            context: Any, pins: frozenset[bytes] | None, folder: Path, digest: str,
            skip: int, streams: dict[tuple[str, int, str], _Stream]) -> int:
    """Read the file, route each PDU, append it to its stream's spool in batches (the state
    file follows each batch); start each stream's client on its first PDU. The number of
    PDUs in the file."""
    count = 0
    pending = 0

    def flush() -> None:
        nonlocal pending
        for stream in streams.values():
            if stream.batch:
                assert stream.client is not None
                stream.client.send_many(stream.batch)
                stream.batch = []
        if pending:
            _write_state(folder, {"file": args.file, "sha256": digest, "appended": count})
            pending = 0

    source = _open(args.file)
    try:
        for pdu in _framed(source, args.file, args.file):
            raw = pdu.raw
            pdu_type = _type_of(spec, raw, candidates)
            if pdu_type is None:
                raise CLIError(f"{args.file}: the PDU at offset {pdu.offset} does not decode as "
                               + (args.type or "any of the known top-level types"))
            stream = _stream_for(args, spec, pdu_type, raw, hi2, hi3, context, pins, folder,
                                 streams)
            count += 1
            if count <= skip:
                continue  # accepted by an earlier run (in a spool, or delivered)
            stream.pdus += 1
            stream.batch.append(raw)
            pending += 1
            if pending >= _BATCH:
                flush()
        flush()
    except FramingError as exc:
        raise CLIError(f"{args.file}: after {count} PDUs: {exc}") from None
    except SpoolError as exc:
        raise CLIError(f"--spool: {exc}") from None
    finally:
        source.close()
    if count == 0:
        raise CLIError(f"{args.file}: no PDU in the file")
    return count


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CLIError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _stream_for(args: argparse.Namespace, spec: Specification, pdu_type: str, raw: bytes,
                hi2: dict[str | None, tuple[str, int]], hi3: dict[str | None, tuple[str, int]],
                context: Any, pins: frozenset[bytes] | None, folder: Path,
                streams: dict[tuple[str, int, str], _Stream]) -> _Stream:
    is_cc = (payload_kind(raw) == "CC") if pdu_type == PS_PDU else pdu_type in _CC_TYPES
    address = _match(hi3, pdu_type) if is_cc and hi3 else _match(hi2, pdu_type)
    if address is None:
        option = "--cc-to" if is_cc and hi3 else "--to"
        raise CLIError(f"{option}: no address for PDUs of type {pdu_type} (add "
                       f"{option} HOST:PORT/{pdu_type.rpartition('.')[2]})")
    key = (address[0], address[1], pdu_type)
    stream = streams.get(key)
    if stream is not None:
        return stream
    stream = _Stream(address[0], address[1], pdu_type)
    streams[key] = stream
    try:
        stream.spool = Spool(folder / stream.folder)
        stream.leftover = stream.spool.stats().queued
        stream.client = DeliveryClient(
            stream.host, stream.port, stream.spool,
            session_factory(spec, pdu_type, raw, acknowledgement=args.acknowledgement,
                            keep_alive_interval=args.keep_alive_interval,
                            keep_alive_wait=args.keep_alive_wait), ssl_context=context,
            server_hostname=args.server_name, insecure_plain_tcp=args.insecure_plain_tcp,
            pinned_sha256=pins, reconnect_initial=0.2, reconnect_max=5.0)
    except (SpoolError, InsecureTransportError, TLSConfigError) as exc:
        raise CLIError(str(exc)) from None
    stream.client.start()
    return stream


def _wait(args: argparse.Namespace, streams: dict[tuple[str, int, str], _Stream],
          started: float) -> int:
    """Wait until every spool is empty; raise when nothing moved for ``--timeout``."""
    progress = sys.stderr.isatty() and not args.json
    total = sum(s.leftover + s.pdus for s in streams.values())
    last_change = time.monotonic()
    last_left = -1
    while True:
        left = sum(s.spool.stats().queued for s in streams.values() if s.spool is not None)
        if progress:
            done = total - left
            print(f"\r  delivered {done}/{total} PDUs", end="", file=sys.stderr, flush=True)
        if left == 0:
            if progress:
                print(file=sys.stderr)
            return total
        now = time.monotonic()
        if left != last_left:
            last_left, last_change = left, now
        elif now - last_change > args.timeout:
            if progress:
                print(file=sys.stderr)
            reasons = "; ".join(
                f"{s.address}: {st.last_error or 'no answer'}"
                for s in streams.values() if s.client is not None
                and (st := s.client.stats()) and s.spool is not None
                and s.spool.stats().queued)
            where = (f" (kept in {args.spool}: run the same command again to resume)"
                     if args.spool else "")
            raise CLIError(f"{left} of {total} PDUs not delivered after {args.timeout:g} s "
                           f"without progress{where}: {reasons}")
        time.sleep(0.02)
