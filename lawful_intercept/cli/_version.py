"""``version``: the installed version of the library. See ``docs/cli.md``."""

from __future__ import annotations

import argparse

from .._version import __version__
from ._common import PROG, Subcommands, add_command

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``version``."""
    add_command(commands, "version", _version, help="print the installed version")


def _version(args: argparse.Namespace) -> int:
    print(f"{PROG} {__version__}")
    return 0
