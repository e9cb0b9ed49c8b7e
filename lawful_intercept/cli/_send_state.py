"""The state file of ``send --spool DIR`` (``send-state.json``): which file the spool folder
serves, how many of its PDUs were accepted, and which stream folder holds what (docs/cli.md,
"send").

Version 2 (written from this release on)::

    {"version": 2, "file": "stream.ber", "sha256": "…", "appended": 2000,
     "streams": {"PS-PDU_127.0.0.1_4000_127.0.0.1_4001": {
         "pdu_type": "LI-PS-PDU.PS-PDU",
         "spools": {"hi2": {"to": "127.0.0.1:4000", "pdus": 1200, "ids": 1200},
                    "hi3": {"to": "127.0.0.1:4001", "pdus": 800, "ids": 800}}}}}

``pdus`` counts the PDUs of the file the spool took (delivered since or not), ``ids`` the ids
the spool had issued when the state was written. Their sums must add up: the ``pdus`` of all
spools make ``appended``, a spool has issued at least ``ids`` ids, every stream folder named
exists. A state that breaks these rules was damaged (edited, or a folder deleted) and ``send``
refuses it, naming the rule, rather than skip PDUs that no spool holds. A version 1 state
(``file``, ``sha256``, ``appended`` only) is read with the checks it allows.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ._common import CLIError

__all__ = ["STATE_NAME", "SendState", "SpoolRecord", "StreamRecord", "read_state",
           "write_state"]

STATE_NAME: Final = "send-state.json"
"""The state file in a ``send --spool`` folder."""
STATE_VERSION: Final = 2


@dataclass
class SpoolRecord:
    """What one spool of a stream folder holds (per the state)."""

    to: str
    """``HOST:PORT`` it delivers to."""
    pdus: int
    """PDUs of the file it took."""
    ids: int
    """Ids it had issued when the state was written."""


@dataclass
class StreamRecord:
    """One stream folder: its PDU type and its spools (``hi2``, ``hi3``)."""

    pdu_type: str
    spools: dict[str, SpoolRecord] = field(default_factory=dict)


@dataclass
class SendState:
    """The state of a ``send --spool`` folder."""

    file: str
    sha256: str
    appended: int
    """PDUs of the file (in order) that are in a spool or delivered."""
    streams: dict[str, StreamRecord] = field(default_factory=dict)
    """Stream folders by name."""
    version: int = STATE_VERSION
    counted: bool = True
    """Whether ``streams`` accounts for every appended PDU (not so after a version 1 state)."""

    def held(self) -> int:
        """The PDUs the streams account for."""
        return sum(s.pdus for stream in self.streams.values() for s in stream.spools.values())


def _damaged(path: Path, rule: str) -> CLIError:
    return CLIError(f"{path}: damaged state of an earlier send: {rule}; nothing was sent (fix "
                    f"or remove the folder)")


def _count(value: object, path: Path, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _damaged(path, f"{what} must be an integer of at least 0, not {value!r:.60}")
    return value


def read_state(folder: Path) -> SendState | None:
    """The state in ``folder``, checked for the rules a state alone can break; ``None`` if
    there is none."""
    path = folder / STATE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CLIError(f"{path}: unreadable state of an earlier send: {exc}") from None
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _damaged(path, f"not JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise _damaged(path, "it must be a JSON object")
    file, digest = data.get("file"), data.get("sha256")
    if not isinstance(file, str) or not isinstance(digest, str):
        raise _damaged(path, '"file" and "sha256" must be strings')
    appended = _count(data.get("appended"), path, '"appended"')
    version = data.get("version", 1)
    if version == 1 or version is None:
        return SendState(file, digest, appended, version=1, counted=False)
    if version != STATE_VERSION:
        raise _damaged(path, f'"version" {version!r:.20} is not one this release writes (2)')
    streams_in = data.get("streams")
    if not isinstance(streams_in, dict):
        raise _damaged(path, '"streams" must be an object')
    streams: dict[str, StreamRecord] = {}
    for name, stream in streams_in.items():
        if (not isinstance(stream, dict) or not isinstance(stream.get("pdu_type"), str)
                or not isinstance(stream.get("spools"), dict) or os.sep in name
                or name in ("", ".", "..")):
            raise _damaged(path, f"stream {name!r:.60} must name a folder and hold "
                                 '"pdu_type" and "spools"')
        record = StreamRecord(stream["pdu_type"])
        for spool, info in stream["spools"].items():
            if spool not in ("hi2", "hi3") or not isinstance(info, dict):
                raise _damaged(path, f"stream {name}: spool {spool!r:.20} must be hi2 or hi3")
            record.spools[spool] = SpoolRecord(
                str(info.get("to", "")), _count(info.get("pdus"), path, f"{name}/{spool} pdus"),
                _count(info.get("ids"), path, f"{name}/{spool} ids"))
        streams[name] = record
    counted = data.get("counted", True) is not False
    state = SendState(file, digest, appended, streams, counted=counted)
    if counted and state.held() != appended:
        raise _damaged(path, f'"appended" is {appended} but its streams hold {state.held()} '
                             "PDUs")
    for name in streams:
        if not (folder / name).is_dir():
            raise _damaged(path, f"the stream folder {name} it names is missing, with the "
                                 f"{sum(s.pdus for s in streams[name].spools.values())} PDUs "
                                 "it held")
    return state


def write_state(folder: Path, state: SendState) -> None:
    """Write ``state`` durably (a temporary file, fsync, rename, fsync of the folder)."""
    path = folder / STATE_NAME
    tmp = folder / (STATE_NAME + ".tmp")
    data = {
        "version": STATE_VERSION, "file": state.file, "sha256": state.sha256,
        "appended": state.appended, "counted": state.counted,
        "streams": {name: {"pdu_type": stream.pdu_type,
                           "spools": {spool: {"to": r.to, "pdus": r.pdus, "ids": r.ids}
                                      for spool, r in sorted(stream.spools.items())}}
                    for name, stream in sorted(state.streams.items())},
    }
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
