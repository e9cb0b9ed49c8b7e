"""``lemf``: run the test collection function (:mod:`lawful_intercept.lemf`) until SIGINT or
SIGTERM, writing what it receives to a directory. See ``docs/cli.md``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ..lemf import LEMFConfigError, add_arguments, options_from_arguments, run_lemf
from ._common import CLIError, Subcommands, add_command, print_json

__all__ = ["register"]

_HELP = "run a test LEMF: receive handover connections over TLS, check and store them"
_DESCRIPTION = (
    "Run a test LEMF (collection function) until SIGINT or SIGTERM. It requires client "
    "certificates, answers keep-alives and acknowledgement requests, checks sequence numbers, "
    "duplicates, correlation and integrity, and writes DIR/received.ber (appended across "
    "restarts), DIR/records.jsonl and DIR/summary.json."
)


def register(commands: Subcommands) -> None:
    """Add ``lemf``."""
    parser = add_command(commands, "lemf", _lemf, help=_HELP, description=_DESCRIPTION)
    add_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the final summary as one JSON line when stopped")


def _lemf(args: argparse.Namespace) -> int:
    if not args.listen and not args.udp:
        raise CLIError("give at least one --listen HOST:PORT (or --udp for CCC packets)")
    try:
        options = options_from_arguments(args)
    except LEMFConfigError as exc:
        raise CLIError(str(exc)) from None
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    status = run_lemf(args.out, args.listen, udp=args.udp, ready_file=args.ready_file,
                      metrics=args.metrics, **options)
    if status != 0:
        raise CLIError("the LEMF could not start (the reason is logged above)")
    summary_file = Path(args.out) / "summary.json"
    if args.json and summary_file.exists():
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        print_json({"command": "lemf", "out": args.out, **summary})
    return 0
