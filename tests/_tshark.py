"""Running Wireshark's tshark on our PDUs through ``../shared/tools/tshark_oracle.py``.

Not a test module. ``available()`` says why tshark cannot be used here (None: it can);
``decode(pdus, dissector)`` runs tshark once over a whole batch and returns, per PDU, the
oracle's flat field list and problem list; ``registry(protocol)`` reads the installed
dissector's own tables (``tshark -G fields`` / ``tshark -G values``): the field names it
registers and the names of the values it knows per field.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
ORACLE = REPOSITORY_ROOT.parent / "shared" / "tools" / "tshark_oracle.py"


def available() -> str | None:
    """None if tshark and the oracle script are there, else the reason to skip."""
    if shutil.which("tshark") is None:
        return "tshark is not on PATH"
    if not ORACLE.is_file():
        return f"the tshark oracle is not there (expected {ORACLE.name} in ../shared/tools)"
    return None


@functools.cache
def version() -> str:
    """The installed tshark's version, e.g. ``4.0.17``."""
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, timeout=60)
    first = out.stdout.splitlines()[0] if out.stdout else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 and parts[0] == "TShark" else first


@dataclass
class Decoded:
    """tshark's reading of one PDU: ``fields`` is [abbreviation, shown value, display text]."""

    fields: list[list[str]]
    problems: list[str]
    protocols: str

    def shown(self, abbreviation: str) -> list[str]:
        """The shown values of every field with this abbreviation, in PDU order."""
        return [f[1] for f in self.fields if f[0] == abbreviation]


def decode(pdus: list[bytes], dissector: str) -> list[Decoded]:
    """Decode every PDU with one tshark run (export mode: each PDU is handed to
    ``dissector`` as it is, without TCP framing)."""
    with tempfile.TemporaryDirectory(prefix="li-tshark-") as tmp:
        path = Path(tmp) / "pdus.ber"
        path.write_bytes(b"".join(pdus))
        proc = subprocess.run(
            [sys.executable, str(ORACLE), str(path), "-d", dissector, "--mode", "export",
             "--flat", "--no-tree"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"tshark oracle failed ({proc.returncode}): {proc.stderr[-2000:]}")
    doc: dict[str, Any] = json.loads(proc.stdout)
    assert doc["pdu_count"] == len(pdus), (doc["pdu_count"], len(pdus))
    return [Decoded(p["fields"], p["problems"], p["protocols"]) for p in doc["pdus"]]


@dataclass
class Registry:
    """What one protocol's dissector registers: field names (``name`` column, e.g.
    ``registration``) and, per field abbreviation without the prefix (``event``), the names
    of the values it has a value string for."""

    names: set[str] = field(default_factory=set)
    value_names: dict[str, set[str]] = field(default_factory=dict)


@functools.cache
def registry(protocol: str, prefix: str) -> Registry:
    """``protocol`` is tshark's protocol filter name column (``xiri``), ``prefix`` the field
    abbreviation prefix (``lix2.``)."""
    reg = Registry()
    fields = subprocess.run(
        ["tshark", "-G", "fields"], capture_output=True, text=True, timeout=120
    ).stdout
    for line in fields.splitlines():
        p = line.split("\t")
        if len(p) >= 5 and p[0] == "F" and p[4] == protocol:
            reg.names.add(p[1])
    vals = subprocess.run(
        ["tshark", "-G", "values"], capture_output=True, text=True, timeout=120
    ).stdout
    for line in vals.splitlines():
        p = line.split("\t")
        if len(p) >= 4 and p[0] == "V" and p[1].startswith(prefix):
            reg.value_names.setdefault(p[1][len(prefix):], set()).add(p[3])
    return reg
