"""The ``lawful-intercept`` command line.

Subcommands:

``version``
    Print the installed version of the library.
``demo``
    The end-to-end demo (records delivered over TLS to a test collection function). It arrives
    with the delivery layer; for now it says so.

Run ``lawful-intercept --help`` for the list, or ``python -m lawful_intercept``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ._version import __version__

__all__ = ["main"]

DISTRIBUTION = "lawful-intercept"
"""The name under which the library is installed (``pip install lawful-intercept``)."""

Handler = Callable[[argparse.Namespace], int]


def _version() -> str:
    """Return the library's version."""
    return __version__


def _cmd_version(args: argparse.Namespace) -> int:
    """Print the version of the library."""
    print(f"{DISTRIBUTION} {_version()}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """Explain that the end-to-end demo is not part of this release yet."""
    print(
        "The end-to-end demo (building IRI and CC records and delivering them over TLS to a\n"
        "local test collection function) arrives with the delivery layer in a later release.\n"
        "This release provides the compiler, the bundled modules, the record builders and the "
        "first delivery parts: see the README."
    )
    return 0


_HANDLERS: dict[str, Handler] = {
    "version": _cmd_version,
    "demo": _cmd_demo,
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``lawful-intercept`` command."""
    parser = argparse.ArgumentParser(
        prog="lawful-intercept",
        description="Lawful-intercept handover: ASN.1 compiler and BER codec.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("version", help="print the installed version")
    commands.add_parser("demo", help="the end-to-end demo (arrives with the delivery layer)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Exit status 0 on success, 2 on a usage error (as argparse does).
    """
    parser = build_parser()
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    command: str | None = args.command
    if command is None:
        parser.print_help(sys.stderr)
        return 2
    return _HANDLERS[command](args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
