"""The ``lawful-intercept`` command line: a thin face over the library's public API.

Commands (see docs/cli.md):

``demo``
    The whole job end to end: an intercept's records built, delivered over mutual TLS to an
    embedded test LEMF and verified on arrival.
``generate``
    Write a built-in scenario (:mod:`lawful_intercept.scenarios`) as BER PDUs and a capture.
``send``
    Deliver a stream file to a LEMF (HI2 and HI3 addresses) through a durable spool.
``spool``
    List, export or requeue the dead letters of delivery spools.
``lemf``
    Run the test collection function (:mod:`lawful_intercept.lemf`).
``decode`` / ``encode``
    BER PDUs (back to back, or in a pcap/pcapng capture) to JSON, and JSON back to BER.
``compile``
    Compile ASN.1 modules and list their modules and types.
``warrant``
    Warrants over HI-1 (ETSI TS 103 120): make, check, serve (the HI-1 endpoint with a
    warrant book) and post.
``cluster``
    One node of a mediation cluster on NATS JetStream: ingest, handover or both
    (docs/cluster.md).
``certs``
    Write a throwaway test PKI (CA, server and client certificates and keys, and the warrant
    PKI: court CA, judge, issuing authority).
``mediate``
    Run a mediation function from a TOML configuration: warrant book, HI-1, X1 to the
    network elements, X2/X3 in, HI2/HI3 out (:class:`~lawful_intercept.mediation.Mediation`).
``poi``
    Play a network element's point of interception: X2/X3 of a built-in intercept or of a
    capture to a mediation function.
``version``
    Print the installed version of the library.

Each command lives in a module of this package with a ``register(commands)`` function, listed
once in :data:`COMMANDS`. A user's error ends with one line ``lawful-intercept: error: …`` on
stderr and exit status 1 (usage errors: 2); ``--debug`` shows the traceback of an unexpected
error. Run ``lawful-intercept --help``, or ``python -m lawful_intercept``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Protocol

from .._version import __version__
from ..errors import Error
from . import (
    _certs,
    _cluster,
    _codec,
    _compiler,
    _demo,
    _generate,
    _lemf,
    _mediate,
    _poi,
    _send,
    _spool,
    _version,
    _warrant,
    _x1,
)
from ._common import PROG, CLIError, Parser, Subcommands, describe_os_error

__all__ = ["COMMANDS", "DISTRIBUTION", "build_parser", "main"]

DISTRIBUTION = "lawful-intercept"
"""The name under which the library is installed (``pip install lawful-intercept``)."""


class CommandModule(Protocol):
    """A module of this package that adds one or more commands."""

    def register(self, commands: Subcommands) -> None:
        """Add the module's commands to ``commands``."""


COMMANDS: tuple[CommandModule, ...] = (
    _demo, _generate, _send, _spool, _lemf, _codec, _compiler, _warrant, _certs, _x1, _cluster,
    _mediate, _poi, _version
)
"""The command modules, in the order ``--help`` lists their commands."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``lawful-intercept`` command."""
    parser = Parser(
        prog=PROG,
        description="Lawful-intercept handover: ASN.1 compiler, BER codec, record builders "
                    "and test scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    0 on success; 1 for an error of the user's input or an unexpected error (one line
    ``lawful-intercept: error: …`` on stderr); 2 for a usage error (as argparse has it).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        print(f"{PROG}: error: give a command (see the list above)", file=sys.stderr)
        return 2
    debug: bool = args.debug
    try:
        status: int = args.handler(args)
        return status
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (``| head``): nothing more to say
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except (CLIError, Error, OSError) as exc:
        if debug:
            traceback.print_exc()
        _error(describe_os_error(exc) if isinstance(exc, OSError) else str(exc))
        return 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (run with --debug for the traceback)"
        _error(f"unexpected {type(exc).__name__}: {exc}{hint}")
        return 1


def _error(message: str) -> None:
    """The one line every failure ends with (line breaks in ``message`` are flattened)."""
    text = " ".join(message.split("\n"))
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()  # what was printed before the error comes first
    print(f"{PROG}: error: {text}", file=sys.stderr)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (captured output)
