"""``poi``: play a network element's point of interception (ETSI TS 103 221-2): send the X2/X3
PDUs of a built-in intercept (:func:`~lawful_intercept.mediation.poi_pdus`: voip, broadband,
mobile), or the IP packets to or from a target in a capture as X3 IPv4/IPv6 PDUs
(:func:`~lawful_intercept.mediation.capture_pdus`), to a mediation function's X2/X3 listener
over mutual TLS, and wait for the keep-alive acknowledgement that proves them durable there.
See ``docs/cli.md`` and ``docs/mediation.md``."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import uuid
from collections import Counter

from ..delivery import client_context
from ..errors import TLSConfigError
from ..files import read_ip_packets
from ..mediation import POI_SCENARIOS, capture_pdus, poi_pdus
from ..x2x3 import X2X3PDU, X2X3Client
from ._common import (
    CLIError,
    Subcommands,
    add_command,
    add_tls_client_arguments,
    host_port,
    positive_int,
    positive_seconds,
    print_json,
)

__all__ = ["register"]


_HELP = "play a network element: send X2/X3 to a mediation function"
_DESCRIPTION = """Send the X2/X3 PDUs (ETSI TS 103 221-2) of a built-in intercept, or of the
IP packets to or from a target in a capture, to a mediation function's X2/X3 listener over
mutual TLS; exit 0 once a keep-alive acknowledgement proved every PDU durable there."""


def register(commands: Subcommands) -> None:
    """Add ``poi``."""
    parser = add_command(commands, "poi", _poi, help=_HELP,
                         description=_DESCRIPTION)
    parser.add_argument("--to", metavar="HOST:PORT", type=host_port, required=True,
                        help="the mediation function's X2/X3 listener")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--scenario", choices=POI_SCENARIOS,
                        help="a built-in intercept: voip (SIP as X2, RTP as X3), broadband "
                             "(IPv4 packets as X3), mobile (SIP REGISTER/MESSAGE as X2, IPv6 "
                             "packets as X3)")
    source.add_argument("--pcap", metavar="FILE",
                        help="a pcap or pcapng capture: its IP packets to or from --target-ip "
                             "as X3 IPv4/IPv6 PDUs")
    parser.add_argument("--target-ip", metavar="IP",
                        help="the target's IP address (with --pcap)")
    parser.add_argument("--xid", metavar="UUID", type=_xid,
                        help="the XID the network element was tasked with over X1 (default: "
                             "a new one, printed; the mediation drops PDUs of an XID it has "
                             "no task for)")
    parser.add_argument("--correlation-id", metavar="N", type=int, default=1,
                        help="the correlation ID of the communication (default: 1)")
    parser.add_argument("--records", metavar="N", type=positive_int, default=100,
                        help="PDUs of the built-in intercept (default: 100)")
    parser.add_argument("--seed", metavar="S", type=int, default=0,
                        help="seed of the content (default: 0)")
    add_tls_client_arguments(parser, us="network element", peer="mediation function")
    parser.add_argument("--timeout", metavar="SECONDS", type=positive_seconds, default=30.0,
                        help="connection and acknowledgement timeout (default: 30)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def _xid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a UUID, got {text!r}") from None


def _pdus(args: argparse.Namespace, xid: uuid.UUID) -> list[X2X3PDU]:
    if args.pcap is None:
        if args.target_ip is not None:
            raise CLIError("--target-ip goes with --pcap")
        return poi_pdus(args.scenario, xid, records=args.records, seed=args.seed,
                        correlation_id=args.correlation_id)
    if args.target_ip is None:
        raise CLIError("--pcap needs --target-ip (the target whose packets to send)")
    try:
        ipaddress.ip_address(args.target_ip)
    except ValueError:
        raise CLIError(f"--target-ip: {args.target_ip!r} is not an IPv4 or IPv6 "
                       "address") from None
    try:
        pdus = list(capture_pdus(read_ip_packets(args.pcap), xid, args.target_ip,
                                 correlation_id=args.correlation_id))
    except ValueError as exc:
        raise CLIError(f"--pcap: {args.pcap}: {exc}") from None
    if not pdus:
        raise CLIError(f"--pcap: {args.pcap} has no IP packet to or from {args.target_ip}")
    return pdus


def _poi(args: argparse.Namespace) -> int:
    """The ``poi`` command (its texts: ``_HELP``, ``_DESCRIPTION``)."""
    if args.insecure_plain_tcp:
        if args.cert or args.key or args.ca:
            raise CLIError("--insecure-plain-tcp contradicts --cert/--key/--ca")
        context = None
    else:
        if args.cert is None or args.key is None:
            raise CLIError("give --cert and --key (X2/X3 runs over mutual TLS; "
                           "--insecure-plain-tcp for tests)")
        try:
            context = client_context(ca=args.ca, cert=args.cert, key=args.key)
        except TLSConfigError as exc:
            raise CLIError(str(exc)) from None
    if not 0 <= args.correlation_id < 2**64:
        raise CLIError("--correlation-id must be 0..2^64-1")
    xid = args.xid or uuid.uuid4()
    pdus = _pdus(args, xid)
    host, port = args.to

    async def send() -> int:
        async with X2X3Client(host, port, context, server_hostname=args.server_name,
                              insecure_plain_tcp=args.insecure_plain_tcp,
                              timeout=args.timeout) as client:
            await client.send_many(pdus)
            await client.sync()  # the listener acknowledged: every PDU before it is durable
            return len(pdus)

    try:
        sent = asyncio.run(send())
    except (OSError, TimeoutError) as exc:
        raise CLIError(f"--to {host}:{port}: {exc or type(exc).__name__}") from None
    kinds = Counter("X2" if p.pdu_type == 1 else "X3" for p in pdus)
    source = f"capture {args.pcap}" if args.pcap else f"scenario {args.scenario}"
    print(f"sent {sent} X2/X3 PDUs ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}) "
          f"of {source} for XID {xid} to {host}:{port}; acknowledged (durable at the "
          "mediation function)", flush=True)
    if args.json:
        print_json({"command": "poi", "xid": str(xid), "to": f"{host}:{port}",
                    "source": source, "sent": sent, "by_type": dict(sorted(kinds.items())),
                    "acknowledged": True})
    return 0
