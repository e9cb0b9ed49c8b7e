"""Every command has its help text, also under ``python -OO`` (which strips docstrings: the
texts must not come from them)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def _help(*args: str, optimise: bool) -> str:
    flags = ["-OO"] if optimise else []
    done = subprocess.run([sys.executable, *flags, "-m", "lawful_intercept", *args, "--help"],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def _commands(text: str) -> dict[str, str]:
    """Command name -> its one-line help, from the main --help's command list."""
    listing = text.split("COMMAND\n", 2)[-1].split("\noptions:", 1)[0]
    found: dict[str, str] = {}
    name = ""
    for line in listing.splitlines():
        if m := re.match(r"^    (\S+)(?:\s+(.*))?$", line):
            name = m.group(1)
            found[name] = m.group(2) or ""
        elif name and line.strip():
            found[name] += " " + line.strip()
    return found


@pytest.mark.parametrize("optimise", [False, True], ids=["plain", "-OO"])
def test_every_command_has_its_one_line_help(optimise: bool) -> None:
    commands = _commands(_help(optimise=optimise))
    assert {"demo", "send", "spool", "warrant", "mediate", "poi", "cluster", "lemf"} <= set(
        commands)
    assert not [name for name, text in commands.items() if not text.strip()]


@pytest.mark.parametrize("command", ["send", "spool", "warrant", "mediate", "poi", "cluster"])
def test_a_command_keeps_its_description_under_minus_oo(command: str) -> None:
    plain, optimised = _help(command, optimise=False), _help(command, optimise=True)
    assert optimised == plain
    description = plain.split("\n\n", 2)[1]
    assert len(description.split()) >= 8, description
