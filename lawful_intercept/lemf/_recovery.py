"""Rebuilding a LEMF's state from its output directory after a restart.

A LEMF may be stopped at any moment, SIGKILL included. What it acknowledged is in
received.ber (it writes the PDUs before it answers a pDUAcknowledgementRequest), so on the
next start the duplicate, gap, correlation and integrity state is rebuilt by passing every
PDU of received.ber (and every packet of received-ccc.bin) through the
:class:`~lawful_intercept.lemf.Collector` again, in the order received. records.jsonl
says which ASN.1 type each PDU was received as; PDUs written just before a kill may have no
line yet: they are decoded as PS-PDUs and their lines are written now, marked
``"recovered": true``.

The two files are compared on the way: each PDU's length and CRC-32 against its line
(``crc32``), so that an octet changed inside received.ber is noticed (``damaged``, logged as
an error); lines that name octets the file does not hold, and PDUs without a line before the
last one that has one, are disagreements (``disagreements``, logged as a warning). The LEMF
still starts: what it holds is reported, not thrown away.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import logging
import time
import zlib
from typing import TYPE_CHECKING, Any, cast

from ..catalog import PS_PDU
from ..errors import DecodeError, Error
from ..records import CCC_LAYOUTS, CCCLayout
from ..stream import decode_first
from ._collector import Collector
from ._lines import record_line
from ._store import OutputFile, Store

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["MAX_PROBLEMS", "recover"]

MAX_PROBLEMS = 50
"""At most this many damaged PDUs and disagreements are listed in ``recovered.problems``."""

log = logging.getLogger("lawful_intercept.lemf")


def recover(store: Store, collector: Collector, spec: Specification) -> dict[str, Any]:
    """Replay the files of ``store`` through ``collector``, cut partial writes off their
    ends, write the missing lines of records.jsonl, and open the store for appending.

    Returns what was done: ``pdus`` and ``ccc_packets`` replayed, ``lines_rebuilt``,
    ``cut`` (file -> octets cut off), ``kept_aside`` (file -> the file a cut tail that
    records.jsonl named was saved to), ``damaged`` (PDUs or packets whose octets differ from
    their line's length or CRC-32), ``disagreements`` (lines naming octets the files do not
    hold, PDUs without a line in the middle of the file), ``problems`` (the first
    :data:`MAX_PROBLEMS` of both, each ``{"file", "offset", "problem"}``),
    ``next_connection`` (the first connection number not used yet) and ``seconds`` taken.
    """
    started = time.monotonic()
    types: dict[int, str] = {}
    layouts: dict[int, str] = {}
    sums: dict[tuple[str, int], tuple[int, int | None]] = {}  # (file, offset) -> length, crc
    last_connection = 0
    for entry in store.scan_index():
        offset = entry.get("offset")
        if not isinstance(offset, int):
            continue
        length, crc = entry.get("length"), entry.get("crc32")
        if isinstance(length, int):
            file = str(entry.get("file"))
            sums[(file, offset)] = (length, crc if isinstance(crc, int) else None)
            store.covered[file] = max(store.covered.get(file, 0), offset + length)
        if entry.get("file") == OutputFile.BER:
            types[offset] = str(entry.get("pdu_type") or PS_PDU)
        elif entry.get("file") == OutputFile.CCC:
            fields = entry.get("value")
            layout = fields.get("layout") if isinstance(fields, dict) else None
            if isinstance(layout, str):
                layouts[offset] = layout
        connection = entry.get("connection")
        if isinstance(connection, int) and connection > last_connection:
            last_connection = connection

    # A PDU without its line (the process stopped between the two writes) is of one of the
    # types the listeners took before, the most recent first; PS-PDU when none is known.
    candidates = list(dict.fromkeys(reversed(list(types.values()))))
    if PS_PDU not in candidates:
        candidates.append(PS_PDU)
    missing: list[str] = []
    check = _Comparison(sums)
    pdus = 0
    for offset, raw in store.scan_ber():
        pdus += 1
        check.octets(OutputFile.BER, offset, raw)
        pdu_type = types.get(offset) or _guess_type(spec, raw, candidates)
        value: Any = None
        error: str | None = None
        try:
            value = spec.decode(pdu_type, raw, strict=False)
        except Error as exc:
            error = f"{OutputFile.BER} offset {offset}: does not decode as {pdu_type}: {exc}"
            log.warning("%s", error)
        verdict = collector.accept(raw, value, pdu_type=pdu_type, error=error)
        if offset not in types:
            missing.append(record_line(verdict, file=OutputFile.BER, offset=offset, length=len(raw),
                                       crc32=zlib.crc32(raw), listener=None, connection=None,
                                       recovered=True))
    packets = 0
    for offset, datagram in store.scan_ccc():
        packets += 1
        check.octets(OutputFile.CCC, offset, datagram)
        layout = layouts.get(offset, "ESP-I01")
        if layout not in CCC_LAYOUTS:
            layout = "ESP-I01"
        verdict = collector.accept_ccc(datagram, cast(CCCLayout, layout))
        if offset not in layouts:
            missing.append(record_line(verdict, file=OutputFile.CCC, offset=offset,
                                       length=len(datagram), crc32=zlib.crc32(datagram),
                                       listener=None, connection=None, recovered=True))
    check.finish()
    store.open()
    for line in missing:
        store.append_line(line)
    store.flush()
    if missing:
        log.warning("%d lines of records.jsonl were missing (the process was stopped after "
                    "writing the PDUs): rebuilt", len(missing))
    seconds = time.monotonic() - started
    if pdus or packets:
        log.info("state rebuilt from %d PDUs and %d CCC packets in %.2f s", pdus, packets,
                 seconds)
    return {"pdus": pdus, "ccc_packets": packets, "lines_rebuilt": len(missing),
            "cut": dict(store.cut), "kept_aside": dict(store.kept_aside),
            "damaged": check.damaged,
            "disagreements": check.disagreements, "problems": check.problems,
            "next_connection": last_connection + 1,
            "seconds": round(seconds, 3)}


def _guess_type(spec: Specification, raw: bytes, candidates: list[str]) -> str:
    """The first of ``candidates`` that ``raw`` decodes as (strictly), else the first."""
    try:
        return decode_first(spec, raw, candidates)[0]
    except DecodeError:
        return candidates[0]


class _Comparison:
    """received.ber and received-ccc.bin compared with the lines of records.jsonl."""

    def __init__(self, sums: dict[tuple[str, int], tuple[int, int | None]]) -> None:
        self._sums = sums
        self._seen: set[tuple[str, int]] = set()
        self._unlined: list[tuple[str, int]] = []  # PDUs without a line, in file order
        self.damaged = 0
        self.disagreements = 0
        self.problems: list[dict[str, Any]] = []

    def octets(self, file: str, offset: int, raw: bytes) -> None:
        key = (file, offset)
        known = self._sums.get(key)
        if known is None:
            self._unlined.append(key)
            return
        self._seen.add(key)
        for earlier in self._unlined:  # a PDU without a line before one with a line
            self._disagree(*earlier, "no line in records.jsonl, though later PDUs have one")
        self._unlined.clear()
        length, crc = known
        if length != len(raw) or (crc is not None and crc != zlib.crc32(raw)):
            self.damaged += 1
            what = (f"{len(raw)} octets where records.jsonl says {length}" if length != len(raw)
                    else "its octets differ from the CRC-32 in records.jsonl")
            self._problem(file, offset, f"damaged: {what}")
            log.error("%s offset %d is damaged: %s", file, offset, what)

    def finish(self) -> None:
        lost = sorted(key for key in self._sums if key not in self._seen)
        for file, offset in lost:
            self._disagree(file, offset, f"records.jsonl names a record {file} does not hold")
        if self.disagreements:
            log.warning("received.ber and records.jsonl disagree in %d places (see "
                        "summary.json recovered.problems)", self.disagreements)

    def _disagree(self, file: str, offset: int, problem: str) -> None:
        self.disagreements += 1
        self._problem(file, offset, problem)

    def _problem(self, file: str, offset: int, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"file": file, "offset": offset, "problem": problem})
