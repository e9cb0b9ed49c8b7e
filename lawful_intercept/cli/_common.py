"""What every command of the ``lawful-intercept`` command line shares.

The parser class (usage errors end with one ``lawful-intercept: error: …`` line, exit status
2), :class:`CLIError` for the errors a user can cause (one line, exit status 1), the
``--json`` summary line, argument types, and loading the specification a command works with.
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final, NoReturn, TypeAlias, TypeVar

from ..asn1c import Specification
from ..catalog import default_specification
from ..errors import CLIError, Error
from ..registry import bundled

__all__ = [
    "CAPTURE_MAGICS",
    "CHUNK",
    "PROG",
    "CLIError",
    "Handler",
    "Parser",
    "Subcommands",
    "add_command",
    "add_tls_client_arguments",
    "captured",
    "describe_os_error",
    "host_port",
    "host_port_or_zero",
    "load_spec",
    "non_negative_int",
    "open_input",
    "positive_int",
    "positive_seconds",
    "print_json",
    "time_ns",
]

PROG = "lawful-intercept"
"""The name of the command (the console script installed with the library)."""

CAPTURE_MAGICS: Final = frozenset({
    b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",  # libpcap, microseconds, either byte order
    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",  # libpcap, nanoseconds
    b"\x0a\x0d\x0d\x0a",                        # pcapng section header block
})
"""The first four octets of a pcap or pcapng capture (a stream file is told from a capture
by them)."""

CHUNK: Final = 64 * 1024
"""How many octets a command reads from a stream at a time."""

_T = TypeVar("_T")

Handler = Callable[[argparse.Namespace], int]
"""A command's function: the parsed arguments in, the exit status out."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors end with one ``lawful-intercept: error:`` line
    (after the usage), naming the command, with exit status 2 as argparse has it."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error line; exit with status 2."""
        self.print_usage(sys.stderr)
        command = self.prog.removeprefix(PROG).strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"{PROG}: error: {where}{message}\n")


Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"
"""The object ``add_subparsers`` returns, on which each command module registers itself."""


def add_command(commands: Subcommands, name: str, handler: Handler, *, help: str,
                description: str | None = None) -> argparse.ArgumentParser:
    """Add the command ``name`` run by ``handler``; return its parser for the options.

    ``help`` is the one-line help, ``description`` the longer text (the help when not given);
    they are given as strings, not taken from docstrings, which ``python -OO`` strips. Every
    command also takes ``--debug`` (as the main parser does): show the traceback of an
    unexpected error.
    """
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description or help,
    )
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an unexpected error")
    parser.set_defaults(handler=handler)
    return parser


def add_tls_client_arguments(parser: argparse.ArgumentParser, *, us: str, peer: str,
                             system_trust: bool = False, pins: bool = False) -> None:
    """Add the options of a command that connects over TLS: ``--cert`` and ``--key`` (``us``,
    this end), ``--ca`` (the CAs that issue the ``peer``'s certificate; ``system_trust``: the
    system's trust store when not given), ``--server-name``, with ``pins`` a repeatable
    ``--pin``, and ``--insecure-plain-tcp``. Which of them a command requires it checks
    itself."""
    parser.add_argument("--cert", metavar="PEM", help=f"this {us}'s certificate")
    parser.add_argument("--key", metavar="PEM", help="the private key of --cert")
    default = " (default: the system's trust store)" if system_trust else ""
    parser.add_argument("--ca", metavar="PEM",
                        help=f"CA certificates that issue the {peer}'s certificate{default}")
    parser.add_argument("--server-name", metavar="NAME",
                        help=f"the name checked against the {peer}'s certificate (default: HOST)")
    if pins:
        parser.add_argument("--pin", action="append", default=[], metavar="SHA256",
                            help=f"SHA-256 fingerprint of the {peer}'s certificate, hex "
                                 "(repeatable)")
    parser.add_argument("--insecure-plain-tcp", action="store_true",
                        help="plain TCP instead of TLS (tests only)")


def print_json(summary: dict[str, Any]) -> None:
    """Print ``summary`` as one compact JSON object on one line (the ``--json`` output)."""
    print(json.dumps(summary, ensure_ascii=True, separators=(",", ":")), flush=True)


def describe_os_error(exc: OSError, path: object = None, action: str = "") -> str:
    """``FILE: [action: ]reason`` for an error of the operating system about a file
    (``action`` such as ``"cannot write"``)."""
    name = path if path is not None else exc.filename
    reason = exc.strerror or str(exc)
    if action:
        reason = f"{action}: {reason}"
    return f"{os.fsdecode(name)}: {reason}" if name is not None else reason  # type: ignore[arg-type]


def captured(source: BinaryIO, head: bytes, path: str, name: str,
             read: Callable[[str, str], Iterator[_T]]) -> Iterator[_T]:
    """What ``read(file, name)`` yields of the capture ``path`` whose first octets ``head``
    were already read from ``source``. Standard input (``path`` ``"-"``) goes through a
    temporary file, as the capture readers read a named file."""
    if path != "-":
        yield from read(path, name)
        return
    fd, temporary = tempfile.mkstemp(prefix="lawful-intercept-", suffix=".pcap")
    try:
        with os.fdopen(fd, "wb") as copy:
            copy.write(head)
            while data := source.read(CHUNK):
                copy.write(data)
        yield from read(temporary, name)
    finally:
        os.unlink(temporary)


def open_input(path: str) -> BinaryIO:
    """The file ``path`` opened to read octets, or standard input for ``"-"``."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CLIError(describe_os_error(exc, path, "cannot read")) from None


def load_spec(extra: Sequence[str] | None) -> Specification:
    """The bundled modules, compiled together with the user's ``--spec`` files (a module of
    the same name as a bundled one replaces it)."""
    try:
        return bundled(extra=list(extra)) if extra else default_specification()
    except Error as exc:
        raise CLIError(f"--spec: {exc}") from None


def host_port(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[ADDRESS]:PORT`` for IPv6) as ``(host, port)``, the port 1..65535
    (argument type)."""
    return _host_port(text, 1)


def host_port_or_zero(text: str) -> tuple[str, int]:
    """:func:`host_port` that also takes port 0 (where listening, any free port)."""
    return _host_port(text, 0)


def _host_port(text: str, lowest: int) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not lowest <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"must be HOST:PORT ([ADDRESS]:PORT for IPv6) with a "
                                         f"port of {lowest}..65535, got {text!r}")
    return host, int(port)


def positive_int(text: str) -> int:
    """An ``int`` of at least 1 (argument type)."""
    return _int_at_least(text, 1, "a positive integer")


def positive_seconds(text: str) -> float:
    """A finite number of seconds greater than 0 (argument type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An ``int`` of at least 0 (argument type)."""
    return _int_at_least(text, 0, "0 or more")


def _int_at_least(text: str, minimum: int, requirement: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def time_ns(text: str) -> int:
    """A point in time, in nanoseconds since the Unix epoch (argument type): seconds since
    the epoch (``1764504000`` or ``1764504000.25``) or ISO 8601 (``2025-11-30T12:00:00Z``;
    without an offset, UTC)."""
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be seconds since the epoch or an ISO 8601 time, got {text!r}"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        nanoseconds = (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"must be a finite time, got {text!r}")
        nanoseconds = round(seconds * 10**9)
    if not 0 <= nanoseconds < 2**32 * 10**9:
        raise argparse.ArgumentTypeError(f"must be between 1970 and 2106, got {text!r}")
    return nanoseconds
