"""``generate``: write one of the built-in scenarios (:mod:`lawful_intercept.scenarios`) as a
file of BER PDUs back to back, and optionally as a pcap capture. See ``docs/cli.md``."""

from __future__ import annotations

import argparse
import struct
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ..correlation import Clock
from ..errors import Error
from ..files import write_ber, write_pcap
from ..scenarios import FORMATS, ScenarioPDU, minimum_records, scenario
from ._common import (
    CLIError,
    Subcommands,
    add_command,
    describe_os_error,
    load_spec,
    positive_int,
    print_json,
    time_ns,
)

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``generate``."""
    parser = add_command(
        commands, "generate", _generate,
        help="write a built-in handover scenario as BER PDUs (and a pcap capture)",
    )
    parser.add_argument("--records", metavar="N", type=positive_int, default=200,
                        help="number of PDUs (default: 200; at least the scenario's IRI: "
                             + ", ".join(f"{f} {minimum_records(f)}" for f in FORMATS) + ")")
    parser.add_argument("--seed", metavar="S", type=int, default=0,
                        help="seed of the call content (default: 0)")
    parser.add_argument("--format", choices=FORMATS, default="etsi",
                        help="the handover format (default: etsi)")
    parser.add_argument("--start", metavar="TIME", type=time_ns,
                        help="time of the first record: seconds since the epoch or ISO 8601 "
                             "(default: now); with it the output is the same every run")
    parser.add_argument("--out", metavar="FILE", required=True,
                        help="file for the BER PDUs, back to back")
    parser.add_argument("--pcap", metavar="FILE",
                        help="also write the BER PDUs as one TCP connection in a pcap file")
    parser.add_argument("--ccc", metavar="FILE",
                        help="packetcable: write the CCC packets here, each after its length "
                             "(4 octets, big-endian)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")


def _generate(args: argparse.Namespace) -> int:
    if args.ccc is not None and args.format != "packetcable":
        raise CLIError("--ccc: only the packetcable scenario has CCC packets")
    clock = Clock() if args.start is None else Clock(_fixed(args.start))
    try:
        pdus = scenario(args.format, records=args.records, seed=args.seed,
                        spec=load_spec(None), clock=clock)
    except (Error, ValueError) as exc:
        raise CLIError(f"generate: {exc}") from None
    ber = [p for p in pdus if p.is_ber]
    ccc = [p for p in pdus if not p.is_ber]
    _write(args.out, lambda: write_ber(args.out, (p.pdu for p in ber)))
    if args.pcap is not None:
        _write(args.pcap, lambda: write_pcap(args.pcap, [p.pdu for p in ber],
                                             timestamps=[_moment(p.time) for p in ber]))
    if args.ccc is not None:
        _write(args.ccc, lambda: _write_ccc(args.ccc, ccc))
    octets = sum(len(p.pdu) for p in ber)
    summary = {
        "command": "generate",
        "format": args.format,
        "pdus": len(pdus),
        "by_kind": dict(Counter(p.kind for p in pdus)),
        "by_destination": dict(Counter(p.destination for p in pdus)),
        "bytes": octets,
        "out": args.out,
        "written": len(ber),
        "pcap": args.pcap,
        "ccc": args.ccc,
        "start": _iso(pdus[0].time),
        "seed": args.seed,
    }
    if args.json:
        print_json(summary)
        return 0
    kinds = ", ".join(f"{n} {k}" for k, n in summary["by_kind"].items())
    print(f"{args.format} scenario from {summary['start']}: {len(pdus)} PDUs ({kinds})")
    print(f"  {args.out}: {len(ber)} BER PDUs, {octets} octets")
    if args.pcap is not None:
        print(f"  {args.pcap}: the same PDUs as one TCP connection")
    if ccc:
        where = args.ccc if args.ccc is not None else "not written (give --ccc FILE)"
        print(f"  {len(ccc)} CCC packets: {where}")
    return 0


def _fixed(start: int) -> Callable[[], int]:
    return lambda: start


def _moment(ns: int) -> datetime:
    """The UTC datetime of ``ns`` nanoseconds since the epoch, cut to microseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)


def _iso(ns: int) -> str:
    return _moment(ns).isoformat().replace("+00:00", "Z")


def _write(path: str, write: Callable[[], object]) -> None:
    try:
        write()
    except OSError as exc:
        raise CLIError(describe_os_error(exc, path, "cannot write")) from None


def _write_ccc(path: str, packets: list[ScenarioPDU]) -> None:
    with open(path, "wb") as f:
        for packet in packets:
            f.write(struct.pack("!I", len(packet.pdu)))
            f.write(packet.pdu)
