"""``send --ccc FILE --ccc-to HOST:PORT``: PacketCable CCC packets over UDP, paced, beside the
BER stream (PKT-SP-ES-DCI delivers call content as UDP datagrams). See ``docs/cli.md``.

The file is what ``generate --ccc`` writes: each packet after its length (4 octets,
big-endian). UDP proves no arrival: what is reported is what was sent.
"""

from __future__ import annotations

import argparse
import struct
from dataclasses import dataclass
from typing import Any

from ..delivery import MAX_DATAGRAM, CCCSender, Destination
from ..lemf import parse_address
from ._common import CLIError, positive_seconds

__all__ = ["CCCPlan", "add_ccc_arguments", "prepare_ccc", "read_ccc_file", "send_ccc"]

_LENGTH = struct.Struct(">I")
_BURST = 32


def add_ccc_arguments(parser: argparse.ArgumentParser) -> None:
    """The CCC options of ``send``."""
    parser.add_argument("--ccc", metavar="FILE",
                        help="PacketCable CCC packets to send over UDP (as generate --ccc "
                             "writes them: each after its 4-octet length)")
    parser.add_argument("--ccc-to", metavar="HOST:PORT",
                        help="the collection function's UDP address for --ccc")
    parser.add_argument("--ccc-rate", type=positive_seconds, default=5000.0, metavar="N",
                        help="CCC packets per second at most (default: 5000); UDP has no "
                             "flow control")


def read_ccc_file(path: str) -> list[bytes]:
    """The CCC packets of ``path``; a damaged file is a :class:`CLIError` naming the
    offset."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CLIError(f"--ccc: {path}: cannot read: {exc.strerror or exc}") from None
    packets: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + _LENGTH.size > len(data):
            raise CLIError(f"--ccc: {path}: at offset {offset}: a length needs 4 octets, "
                           f"{len(data) - offset} left")
        (length,) = _LENGTH.unpack_from(data, offset)
        start = offset + _LENGTH.size
        if length == 0 or start + length > len(data):
            raise CLIError(f"--ccc: {path}: at offset {offset}: a packet of {length} octets "
                           f"does not fit ({len(data) - start} left)")
        packets.append(data[start:start + length])
        offset = start + length
    return packets


@dataclass(frozen=True)
class CCCPlan:
    """What ``send`` will send over UDP: the packets and where."""

    to: str
    destination: Destination
    packets: list[bytes]
    rate: float


def prepare_ccc(args: argparse.Namespace) -> CCCPlan | None:
    """The options checked and the file read, before anything is sent (``None`` without
    ``--ccc``)."""
    if args.ccc is None:
        if args.ccc_to is not None:
            raise CLIError("--ccc-to: give the packets with --ccc FILE")
        return None
    if args.ccc_to is None:
        raise CLIError("--ccc: give the collection function's UDP address with --ccc-to")
    try:
        host, port, _ = parse_address(args.ccc_to, "")
        destination = Destination(host, port)
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        raise CLIError(f"--ccc-to: {exc}") from None
    packets = read_ccc_file(args.ccc)
    for index, packet in enumerate(packets):
        if len(packet) > MAX_DATAGRAM:
            raise CLIError(f"--ccc: {args.ccc}: packet {index}: {len(packet)} octets do not "
                           f"fit a UDP datagram ({MAX_DATAGRAM} at most)")
    return CCCPlan(args.ccc_to, destination, packets, args.ccc_rate)


def send_ccc(plan: CCCPlan | None) -> dict[str, Any] | None:
    """Send the packets of ``plan``, paced; what was sent (``None`` without a plan)."""
    if plan is None:
        return None
    try:
        with CCCSender(plan.destination, rate=plan.rate, burst=_BURST) as sender:
            sender.send_many(plan.packets)
            stats = sender.stats()
    except OSError as exc:
        raise CLIError(f"--ccc-to: {plan.to}: {exc.strerror or exc}") from None
    return {"to": plan.to, "packets": stats.packets, "octets": stats.octets,
            "proven": False}
