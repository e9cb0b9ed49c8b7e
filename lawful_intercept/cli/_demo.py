"""``demo``: the whole job end to end, on this machine.

The whole chain of a mediation function (module ``_demo_chain``), in the handover format of
``--format`` (ETSI TS 102 232, ATIS-1000678 or PacketCable): a signed warrant over HI-1
(ETSI TS 103 120) checked into a warrant book and a forged copy refused by its rule; X1
(TS 103 221-1) tasking two simulated network elements; their X2/X3 (TS 103 221-2) converted
by the :class:`~lawful_intercept.mediation.Mediation` and delivered over mutual TLS
(throwaway certificates from :mod:`lawful_intercept.certs`) to a test LEMF
(:mod:`lawful_intercept.lemf`) on 127.0.0.1 (PacketCable CCC packets over UDP, as the
standard has them). Then what arrived is checked against what the mediation spooled, PDU by
PDU, from the files the LEMF wrote. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..asn1c import Specification
from ..catalog import default_specification
from ..certs import make_test_pki
from ..files import read_ber, write_pcap
from ..lemf import LEMFThread
from ..scenarios import FORMATS
from ._common import CLIError, Subcommands, add_command, positive_int, print_json
from ._demo_chain import CHAIN_MINIMUM, run_chain

__all__ = ["register"]

_WAIT = 60.0
"""Seconds the demo waits at most for the delivery to complete."""
_STALL = 5.0
"""Seconds without a new record at the LEMF after which the demo reports what is missing."""


def register(commands: Subcommands) -> None:
    """Add ``demo``."""
    parser = add_command(
        commands, "demo", _demo,
        help="run the whole job: a warrant over HI-1, X1, X2/X3, the mediation, HI2/HI3 "
             "over mutual TLS to a local LEMF, verified",
        description="Execute a warrant end to end on 127.0.0.1: a signed warrant over HI-1 "
                    "(a forged one refused), X1 tasking simulated network elements, their "
                    "X2/X3 converted by the mediation function and delivered over mutual TLS "
                    "(throwaway certificates) to a test LEMF, and verify what arrived. Exit "
                    "status 0 when nothing was lost and the LEMF found no sequence gap and "
                    "no decode error.",
    )
    parser.add_argument("--records", metavar="N", type=positive_int, default=1000,
                        help="records to deliver (default: 1000; at least 16; etsi exactly, "
                             "atis and packetcable at least N)")
    parser.add_argument("--format", choices=FORMATS, default="etsi",
                        help="the handover format (default: etsi)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for what the LEMF received (received.ber, received.pcap, "
                             "records.jsonl, summary.json) and the certificates (default: a "
                             "new temporary folder)")
    parser.add_argument("--seed", metavar="S", type=int, default=0,
                        help="seed of the call content (default: 0)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")


def _say(args: argparse.Namespace, text: str) -> None:
    """A progress line (on stdout; with ``--json`` the summary still comes last)."""
    print(text, flush=True)


def _demo(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="lawful-intercept-demo-"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        if (out / "received.ber").exists():
            raise CLIError(f"--out: {out} already holds a received.ber: give an empty folder")
    except OSError as exc:
        raise CLIError(f"--out: {out}: {exc.strerror or exc}") from None
    records = max(args.records, CHAIN_MINIMUM)
    _say(args, f"lawful-intercept demo: {args.format} format, {records} PDUs, output in {out}")

    spec = default_specification()
    pki = make_test_pki(out / "certs")
    _say(args, "  certificates: a throwaway CA, the LEMF's and the mediation function's "
               f"(mutual TLS), in {out / 'certs'}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lawful-intercept-demo-work-") as work, \
            LEMFThread(out, ssl_context=pki.server_context(), summary_interval=0.2) as lemf:
        chain = run_chain(Path(work), lemf, pki, spec, records, args.seed,
                          lambda text: _say(args, text), args.format)
        arrived = chain.idle and _wait(lambda: lemf.summary()["records"], len(chain.sent))
        seconds = time.monotonic() - started
        summary = lemf.summary()
    extra = {"chain": "warrant, HI-1, X1, X2/X3, mediation, HI2/HI3",
             "warrants_accepted": chain.warrants_accepted,
             "warrants_refused": chain.warrants_refused,
             "refusals": chain.refusals,
             "x2x3_pdus": chain.x2x3_pdus,
             "conversion": chain.conversion}
    ok_warrants = chain.warrants_accepted == 1 and chain.warrants_refused == 1
    return _report(args, out, spec, summary, chain.sent, chain.kinds, seconds,
                   arrived and ok_warrants, chain.reconnects, extra)


def _report(args: argparse.Namespace, out: Path, spec: Specification, summary: dict[str, Any],
            sent_pdus: list[bytes], kinds: Counter[str], seconds: float, arrived: bool,
            reconnects: int, extra: dict[str, Any]) -> int:
    """Check what the LEMF stored against what was sent, PDU by PDU, and print the result."""
    # The LEMF has closed: its files are complete. Count independently of its summary.
    received = _received(out, spec)
    sent = Counter(sent_pdus)
    lost = sum((sent - received).values())
    pcap = out / "received.pcap"
    write_pcap(pcap, _ber_pdus(out))
    result = {
        "command": "demo",
        "format": args.format,
        "sent": len(sent_pdus),
        "received": sum(n for raw, n in received.items() if raw in sent),
        "lost": lost,
        "duplicates": summary["duplicates"],
        "sequence_gaps": summary["sequence_gaps"],
        "decode_errors": summary["decode_errors"],
        "integrity_failures": summary["integrity"]["failed"],
        "uncorrelated_cc": summary["uncorrelated_cc"],
        "connections": summary["connections"],
        "reconnects": reconnects,
        "seconds": round(seconds, 3),
        "records_per_second": round(len(sent_pdus) / seconds, 1) if seconds > 0 else None,
        "by_kind": dict(sorted(kinds.items())),
        **extra,
        "checks": _checks_of(summary, args.format),
        "out": str(out),
        "files": {"ber": str(out / "received.ber"), "pcap": str(pcap),
                  "jsonl": str(out / "records.jsonl"), "summary": str(out / "summary.json")},
    }
    checks = result["checks"]
    failed = [c["check"] for c in checks if c["passed"] is False]
    ok = arrived and lost == 0 and not failed
    _say(args, f"  delivered {len(sent_pdus)} PDUs in {seconds:.2f} s "
               f"({result['records_per_second']} records/s)")
    _say(args, f"  verified from the LEMF's files: received {result['received']}, lost {lost}, "
               f"duplicates {result['duplicates']}")
    _say(args, f"  the LEMF's checks for the {args.format} format:")
    for entry in checks:
        _say(args, f"    {entry['check']}: {_verdict(entry)}")
    _say(args, f"  wrote {out / 'received.ber'}, {pcap}, {out / 'records.jsonl'}, "
               f"{out / 'summary.json'}")
    _say(args, "  OK: every record arrived and every check that ran passed" if ok
         else "  FAILED: see the figures above")
    if args.json:
        print_json(result)
    if not ok:
        raise CLIError(f"the demo lost {lost} of {len(sent_pdus)} PDUs; the LEMF's checks that "
                       f"failed: {', '.join(failed) or 'none'} (see {out / 'summary.json'})")
    return 0


def _checks_of(summary: dict[str, Any], fmt: str) -> list[dict[str, Any]]:
    """The LEMF's checks that apply to ``fmt`` (its own and those of every format)."""
    return [dict(c) for c in summary.get("checks", ()) if c["format"] in (fmt, "all")]


def _verdict(check: dict[str, Any]) -> str:
    """One check as the demo prints it: a check that did not run is never shown as passed."""
    if not check["ran"]:
        return "not run (no record carried what it checks)"
    if check["passed"]:
        return f"passed ({check['checked']} records)"
    return f"FAILED ({check['problems']} problems in {check['checked']} records)"


def _wait(count: Callable[[], int], expected: int) -> bool:
    """Wait until ``count()`` reaches ``expected``; give up when the count has not moved for
    :data:`_STALL` seconds (or after :data:`_WAIT`)."""
    deadline = time.monotonic() + _WAIT
    last, moved = -1, time.monotonic()
    while time.monotonic() < deadline:
        now_count = count()
        if now_count >= expected:
            return True
        if now_count != last:
            last, moved = now_count, time.monotonic()
        elif time.monotonic() - moved > _STALL:
            return False
        time.sleep(0.02)
    return False


def _ber_pdus(out: Path) -> list[bytes]:
    return [pdu.raw for pdu in read_ber(out / "received.ber")]


def _received(out: Path, spec: Specification) -> Counter[bytes]:
    """Every PDU the LEMF stored: received.ber (BER, framed here) and received-ccc.bin
    (CCC packets, each after a 4-octet length)."""
    received: Counter[bytes] = Counter()
    if (out / "received.ber").exists():
        received.update(_ber_pdus(out))
    ccc = out / "received-ccc.bin"
    if ccc.exists():
        data = ccc.read_bytes()
        pos = 0
        while pos + 4 <= len(data):
            (length,) = struct.unpack_from(">I", data, pos)
            received[data[pos + 4:pos + 4 + length]] += 1
            pos += 4 + length
    return received
