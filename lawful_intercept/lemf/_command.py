"""The LEMF as a command: ``python -m lawful_intercept.lemf --out DIR --listen HOST:PORT ...``.

Runs :func:`~lawful_intercept.lemf.run_lemf` until SIGINT or SIGTERM. :func:`add_arguments`
lets another command line (the library's ``lawful-intercept lemf``) offer the same options.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any, Final

from ..catalog import PS_PDU
from ..errors import LEMFConfigError
from ..records import CCC_LAYOUTS
from ._runner import load_verify_key, run_lemf, server_context
from ._server import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_HANDSHAKES, DEFAULT_MEMORY_BUDGET

__all__ = ["add_arguments", "main", "options_from_arguments", "parse_address"]


def parse_address(text: str, default_suffix: str) -> tuple[str, int, str]:
    """``HOST:PORT[/SUFFIX]`` as (host, port, suffix); ``[::1]:PORT`` for IPv6 addresses.
    Raises ``argparse.ArgumentTypeError`` with the rule broken."""
    address, _, suffix = text.partition("/")
    host, colon, port_text = address.rpartition(":")
    if not colon or not host:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT (e.g. 127.0.0.1:0)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 0..65535")
    return host, port, suffix or default_suffix


def _tcp(text: str) -> tuple[str, int, str]:
    return parse_address(text, PS_PDU)


def _udp(text: str) -> tuple[str, int, str]:
    host, port, layout = parse_address(text, "ESP-I01")
    if layout not in CCC_LAYOUTS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the layout must be one of {', '.join(CCC_LAYOUTS)}")
    return host, port, layout


def _metrics_address(text: str) -> tuple[str, int]:
    host, port, _ = parse_address(text, "")
    return host, port


def _hex_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError("the decryption key must be hexadecimal") from None
    if len(key) not in (16, 24, 32):
        raise argparse.ArgumentTypeError(
            f"the decryption key must be 16, 24 or 32 octets, got {len(key)}")
    return key


# The options naming a file (flag, metavar, help), and the on/off switches (flag, help).
_FILE_OPTIONS: Final = (
    ("--cert", "PEM", "the LEMF's certificate"),
    ("--key", "PEM", "the private key of --cert"),
    ("--client-ca", "PEM", "CA certificates that issue the clients' certificates"),
    ("--verify-key", "PEM", "public key or certificate verifying signed integrity checks"),
    ("--ready-file", "FILE", "write 'host port' per listener to FILE once listening"),
)
_SWITCHES: Final = (
    ("--insecure-plain-tcp", "listen over plain TCP without TLS (tests only)"),
    ("--no-acknowledge", "decline the pDUAcknowledgement option"),
    ("--fsync", "fsync received.ber before acknowledging"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the LEMF's options to ``parser``."""
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory (received.ber, records.jsonl, summary.json)")
    parser.add_argument("--listen", action="append", type=_tcp, default=[],
                        metavar="HOST:PORT[/PDU-TYPE]",
                        help="listen for handover connections (default type PS-PDU; e.g. "
                             "127.0.0.1:0/CdcPdu); repeatable")
    parser.add_argument("--udp", action="append", type=_udp, default=[],
                        metavar="HOST:PORT[/LAYOUT]",
                        help="receive PacketCable CCC packets over UDP (layout ESP-I01, "
                             "ESP-1.5 or ES-DCI-C01); repeatable")
    for flag, metavar, text in _FILE_OPTIONS:
        parser.add_argument(flag, metavar=metavar, help=text)
    for flag, text in _SWITCHES:
        parser.add_argument(flag, action="store_true", help=text)
    parser.add_argument("--decrypt-key", type=_hex_key, metavar="HEX",
                        help="AES key of encryptionContainers")
    parser.add_argument("--decrypt-padding", choices=("any", "pkcs7", "zero"), default="any",
                        help="padding of encryptionContainers (zero: OpenLI; any: either)")
    parser.add_argument("--summary-interval", type=float, default=1.0, metavar="SECONDS",
                        help="seconds between summary.json rewrites (default 1)")
    parser.add_argument("--max-handshakes", type=int, default=DEFAULT_MAX_HANDSHAKES,
                        metavar="N", help="connections in their TLS handshake at once "
                                          f"(default {DEFAULT_MAX_HANDSHAKES})")
    parser.add_argument("--memory-budget", type=int, default=DEFAULT_MEMORY_BUDGET,
                        metavar="OCTETS", help="octets all connections may hold in PDUs in "
                                               f"progress (default {DEFAULT_MEMORY_BUDGET})")
    parser.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT,
                        metavar="SECONDS", help="close an authenticated connection that sends "
                                                "nothing for SECONDS (default "
                                                f"{DEFAULT_IDLE_TIMEOUT:g}; 0: never)")
    parser.add_argument("--metrics", type=_metrics_address, metavar="HOST:PORT",
                        help="serve the LEMF's figures for Prometheus on HOST:PORT/metrics "
                             "(needs the prometheus extra)")
    parser.add_argument("--log-level", default="INFO",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def options_from_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~lawful_intercept.lemf.LEMF` options the parsed arguments ask for.
    Raises :class:`~lawful_intercept.lemf.LEMFConfigError` for unusable TLS settings."""
    options: dict[str, Any] = {
        "acknowledge": not args.no_acknowledge,
        "fsync": args.fsync,
        "summary_interval": args.summary_interval,
        "decrypt_key": args.decrypt_key,
        "decrypt_padding": args.decrypt_padding,
        "max_handshakes": args.max_handshakes,
        "memory_budget": args.memory_budget,
        "idle_timeout": args.idle_timeout or None,
    }
    tls_files = (args.cert, args.key, args.client_ca)
    if args.insecure_plain_tcp:
        if any(tls_files):
            raise LEMFConfigError("--insecure-plain-tcp contradicts --cert/--key/--client-ca",
                                  "insecure_plain_tcp")
        options["insecure_plain_tcp"] = True
    elif all(tls_files):
        options["ssl_context"] = server_context(args.cert, args.key, args.client_ca)
    elif args.listen:
        raise LEMFConfigError("give --cert, --key and --client-ca (TLS with client "
                              "certificates), or --insecure-plain-tcp", "ssl_context")
    else:
        options["insecure_plain_tcp"] = True  # UDP only: no TCP listener to protect
    if args.verify_key:
        options["verify_key"] = load_verify_key(args.verify_key)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the LEMF until SIGINT/SIGTERM; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m lawful_intercept.lemf",
        description="A test LEMF: receives handover connections over TLS, checks and stores "
                    "what arrives.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.listen and not args.udp:
        parser.error("give at least one --listen or --udp")
    try:
        options = options_from_arguments(args)
    except LEMFConfigError as exc:
        parser.error(str(exc))
    return run_lemf(args.out, args.listen, udp=args.udp, ready_file=args.ready_file,
                    metrics=args.metrics, **options)
