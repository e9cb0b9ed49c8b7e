"""``certs``: a throwaway CA with a server and a client certificate, for testing the TLS
handover interface, and the warrant PKI (court CA, judge, issuing authority) for signed HI-1
warrants (see :mod:`lawful_intercept.certs`). See ``docs/cli.md``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from ..certs import make_test_pki, make_warrant_pki
from ._common import CLIError, Subcommands, add_command, describe_os_error, positive_int, print_json

__all__ = ["LAST_VALIDITY_DATE", "register"]

LAST_VALIDITY_DATE: Final = datetime(9999, 12, 31, tzinfo=UTC)
"""The last day an X.509 validity can name (GeneralizedTime 99991231235959Z, RFC 5280
4.1.2.5), less the last day's hours so that a validity started now fits."""


def register(commands: Subcommands) -> None:
    """Add ``certs``."""
    parser = add_command(
        commands, "certs", _certs,
        help="write a throwaway test CA, server and client certificate and keys (PEM)",
    )
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="folder for ca.pem, server.pem, server.key, client.pem, "
                             "client.key, and the warrant PKI court-ca.pem, judge.pem, "
                             "judge.key, authority-ca.pem, issuer.pem, issuer.key (created if "
                             "missing; files in it are replaced)")
    parser.add_argument("--hostname", metavar="H", nargs="+", action="extend",
                        help="the server certificate's names, DNS names or IP addresses "
                             "(default: localhost 127.0.0.1)")
    parser.add_argument("--days", metavar="N", type=positive_int, default=30,
                        help="validity of every certificate (default: 30)")
    parser.add_argument("--key-type", choices=("ec", "rsa"), default="ec",
                        help="ECDSA P-256 (default) or RSA 2048 keys")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")


def _certs(args: argparse.Namespace) -> int:
    hostnames = tuple(args.hostname or ("localhost", "127.0.0.1"))
    if not all(hostnames):
        raise CLIError("--hostname: a name must not be empty")
    room = (LAST_VALIDITY_DATE - datetime.now(UTC)).days
    if args.days > room:
        raise CLIError(f"--days: {args.days} days from today ends after "
                       f"{LAST_VALIDITY_DATE:%Y-%m-%d}, the last date a certificate's validity "
                       f"can name (RFC 5280 4.1.2.5); give at most {room}")
    try:
        pki = make_test_pki(hostnames=hostnames, days=args.days, key_type=args.key_type)
        warrant_pki = make_warrant_pki(days=args.days, key_type=args.key_type)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    try:
        files = pki.write(Path(args.out))
        written = warrant_pki.write(Path(args.out))
    except OSError as exc:
        raise CLIError(f"--out: {describe_os_error(exc, action='cannot write')}") from None
    paths = {
        "ca": files.ca, "server_cert": files.server_cert, "server_key": files.server_key,
        "client_cert": files.client_cert, "client_key": files.client_key,
    }
    warrant_paths = {
        "court_ca": written["court-ca"], "judge_cert": written["judge"],
        "judge_key": written["judge-key"], "authority_ca": written["authority-ca"],
        "issuer_cert": written["issuer"], "issuer_key": written["issuer-key"],
    }
    if args.json:
        print_json({"command": "certs", "out": args.out,
                    "files": {k: str(v) for k, v in paths.items()},
                    "warrant_files": {k: str(v) for k, v in warrant_paths.items()},
                    "hostnames": list(hostnames), "days": args.days,
                    "key_type": args.key_type})
        return 0
    print(f"test PKI for {', '.join(hostnames)} (valid {args.days} days, "
          f"{args.key_type.upper()} keys):")
    for role, path in paths.items():
        print(f"  {role:<12} {path}")
    print("warrant PKI (court CA and judge, issuing authority's CA and signer):")
    for role, path in warrant_paths.items():
        print(f"  {role:<12} {path}")
    return 0
