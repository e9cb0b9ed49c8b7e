"""The checks a LEMF can make on the US formats, where the format carries the facts (sans-IO).

* **ATIS CC sequence numbers** (ATIS-1000678 / ATIS-1000013 CC delivery header
  ``sequenceNumber``): numbered per caseId + ``contentIdentifier`` from 0, as
  :class:`~lawful_intercept.records.ContentSequenceNumbers` numbers them. A number seen
  before on the same content identifier is a duplicate (even with other octets); the numbers
  in ``[0, highest seen]`` never seen are gaps. CC-APDUs without a ``sequenceNumber`` (it is
  optional) are counted as ``unnumbered``, not checked.
* **ATIS CC correlation**: the ``contentIdentifier`` of a CC-APDU must have been announced by
  an IRI message carrying it (``ccOpen`` of ATIS-1000678 LAESProtocol; the IAS messages of
  ATIS-1000013 that carry a ``contentIdentifier``). A CC whose identifier no IRI announced is
  uncorrelated (judged when the summary is made: HI2 and HI3 arrive on separate connections);
  a CC that arrived before its announcement is counted in ``cc_before_announcement``
  (arrival order only, not a failure).
* **PacketCable CCC correlation** (PKT-SP-ES-DCI / ESP): the CCC-Identifier of each CCC packet
  must have been opened by a CDC ``ccopen`` message (PCESP ``CCOpen.cCCId``: ``combCCC`` or
  ``sepCCCpair``, 8 hexadecimal characters for the 32-bit identifier). CCC packets of a
  CCCID that no ccopen opened are uncorrelated.

What does not carry the facts is not checked: there are no sequence numbers in CCC packets
over UDP nor in CDC messages, nor integrity checks in either US format.

See ``docs/lemf.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

from ._sequences import SequenceTracker

__all__ = ["ATIS_CC_TYPES", "ATIS_IRI_TYPES", "CDC_TYPES", "USChecks", "check_rows"]

ATIS_CC_TYPES: Final = frozenset({"CC-APDU", "IAS-CC-APDU"})
"""The unqualified names of the ATIS CC types (the CC delivery header's)."""
ATIS_IRI_TYPES: Final = frozenset({"LAESProtocol", "IasProtocol"})
"""The unqualified names of the ATIS IRI types."""
CDC_TYPES: Final = frozenset({"CdcPdu"})
"""The unqualified name of the PacketCable CDC message type."""

_MAX_LISTED: Final = 100


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _text(key: Any) -> str:
    """A content identifier as text for reports."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str):
        inner = key[1]
        return f"{key[0]}:{inner.hex() if isinstance(inner, bytes) else inner}"
    return str(key)


def _content_identifiers(value: Any) -> Iterator[Any]:
    """Every ``contentIdentifier`` member anywhere in a decoded value."""
    if isinstance(value, dict):
        for name, member in value.items():
            if name == "contentIdentifier":
                yield _hashable(member)
            else:
                yield from _content_identifiers(member)
    elif isinstance(value, list | tuple):
        for member in value:
            yield from _content_identifiers(member)


def _ccc_ids(ccc: Any) -> list[int | str]:
    """The CCC-Identifiers a PCESP ``CCCId`` names (32-bit numbers from their hex text)."""
    texts: list[Any] = []
    if isinstance(ccc, tuple) and len(ccc) == 2:
        if ccc[0] == "combCCC":
            texts.append(ccc[1])
        elif isinstance(ccc[1], dict):
            texts.extend(ccc[1].values())
    out: list[int | str] = []
    for text in texts:
        try:
            out.append(int(str(text), 16))
        except ValueError:
            out.append(str(text))
    return out


def check_rows(rows: list[tuple[str, str, int, int]]) -> list[dict[str, Any]]:
    """(name, format, records checked, problems) as the summary's ``checks`` entries: a check
    that judged no record did not run, and its ``passed`` is ``None``, never true."""
    return [{"check": name, "format": fmt, "ran": checked > 0, "checked": checked,
             "problems": problems if checked else 0,
             "passed": (problems == 0) if checked else None}
            for name, fmt, checked, problems in rows]


class USChecks:
    """Sequence numbers and correlation of ATIS and PacketCable streams (see the module
    docstring). :meth:`atis_cc`, :meth:`atis_iri`, :meth:`cdc` and :meth:`ccc` take each
    record that is not a copy of one received before; :meth:`summary` reports."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[Any, Any], SequenceTracker] = {}
        self._atis_cc: Counter[Any] = Counter()
        self._announced: set[Any] = set()
        self.atis_cc_records = 0
        self.atis_unnumbered = 0
        self.atis_sequence_duplicates = 0
        self.atis_cc_before_announcement = 0
        self._ccc: Counter[int | str] = Counter()
        self._opened: set[int | str] = set()
        self.ccc_packets = 0
        self.ccc_before_open = 0
        self.cdc_ccopens = 0

    # -- taking records -------------------------------------------------------------------------

    def atis_cc(self, value: Any) -> bool:
        """A CC-APDU (ATIS delivery header); ``False`` if its sequence number was seen before
        on its caseId + content identifier (a duplicate)."""
        try:
            header = value["ccDeliveryHeader"]
            info = header["correlationInfo"]
            content = _hashable(info["contentIdentifier"])
        except (KeyError, TypeError):
            return True
        self.atis_cc_records += 1
        if content not in self._announced:
            self.atis_cc_before_announcement += 1
        number = header.get("sequenceNumber")
        if not isinstance(number, int):
            self.atis_unnumbered += 1
            self._atis_cc[content] += 1
            return True
        key = (info.get("caseId"), content)
        tracker = self._numbers.get(key)
        if tracker is None:
            tracker = self._numbers[key] = SequenceTracker()
        if number < 0 or not tracker.add(number):
            self.atis_sequence_duplicates += 1
            return False
        self._atis_cc[content] += 1
        return True

    def atis_iri(self, value: Any) -> None:
        """An ATIS IRI message (LAESProtocol, IasProtocol): the content identifiers it
        announces."""
        self._announced.update(_content_identifiers(value))

    def cdc(self, value: Any) -> None:
        """A PacketCable CDC message (PCESP CdcPdu): a ``ccopen`` opens its CCCIds."""
        try:
            name, fields = value["message"]
        except (KeyError, TypeError, ValueError):
            return
        if name == "ccopen" and isinstance(fields, dict):
            self.cdc_ccopens += 1
            self._opened.update(_ccc_ids(fields.get("cCCId")))

    def ccc(self, ccc_id: int) -> None:
        """A CCC packet's CCC-Identifier."""
        self.ccc_packets += 1
        if ccc_id not in self._opened:
            self.ccc_before_open += 1
        self._ccc[ccc_id] += 1

    # -- reporting --------------------------------------------------------------------------------

    @property
    def atis_sequence_gaps(self) -> int:
        """Missing sequence numbers over every ATIS content identifier."""
        return sum(t.missing_count for t in self._numbers.values())

    def uncorrelated(self) -> tuple[int, list[dict[str, Any]]]:
        """CC records (ATIS CC-APDUs, CCC packets) whose content identifier or CCCID no IRI
        announced: their number, and the first streams as ``{"format", "id", "cc"}``."""
        listed: list[dict[str, Any]] = []
        total = 0
        for content, count in self._atis_cc.items():
            if content not in self._announced:
                total += count
                if len(listed) < _MAX_LISTED:
                    listed.append({"format": "atis", "id": _text(content), "cc": count})
        for ccc_id, count in self._ccc.items():
            if ccc_id not in self._opened:
                total += count
                if len(listed) < _MAX_LISTED:
                    listed.append({"format": "packetcable",
                                   "id": f"{ccc_id:08X}" if isinstance(ccc_id, int) else ccc_id,
                                   "cc": count})
        return total, listed

    def gaps(self) -> list[dict[str, Any]]:
        """The ATIS streams with missing sequence numbers (the first :data:`_MAX_LISTED`)."""
        out: list[dict[str, Any]] = []
        for (case, content), tracker in self._numbers.items():
            if tracker.missing_count and len(out) < _MAX_LISTED:
                out.append({"format": "atis", "case_id": case, "content_id": _text(content),
                            "missing_count": tracker.missing_count,
                            "missing": [list(r) for r in tracker.missing_ranges(_MAX_LISTED)]})
        return out

    def checks(self) -> list[dict[str, Any]]:
        """The US checks as the summary lists them: ``check``, ``format``, ``ran`` (whether
        any record carried the facts), ``checked`` (records judged), ``problems`` and
        ``passed`` (``None`` when it did not run)."""
        atis_uncorrelated = sum(n for c, n in self._atis_cc.items() if c not in self._announced)
        ccc_uncorrelated = sum(n for c, n in self._ccc.items() if c not in self._opened)
        numbered = self.atis_cc_records - self.atis_unnumbered
        rows = [
            ("atis_cc_sequence", "atis", numbered,
             self.atis_sequence_gaps + self.atis_sequence_duplicates),
            ("atis_cc_correlation", "atis", self.atis_cc_records, atis_uncorrelated),
            ("packetcable_ccc_correlation", "packetcable", self.ccc_packets, ccc_uncorrelated),
        ]
        return check_rows(rows)

    def summary(self) -> dict[str, Any]:
        """The counters: ``atis_cc``, ``atis_unnumbered``, ``atis_sequence_gaps``,
        ``atis_sequence_duplicates``, ``atis_cc_before_announcement``, ``ccc_packets``,
        ``cdc_ccopens``, ``ccc_before_open``, ``gaps``."""
        return {
            "atis_cc": self.atis_cc_records,
            "atis_unnumbered": self.atis_unnumbered,
            "atis_sequence_gaps": self.atis_sequence_gaps,
            "atis_sequence_duplicates": self.atis_sequence_duplicates,
            "atis_cc_before_announcement": self.atis_cc_before_announcement,
            "ccc_packets": self.ccc_packets,
            "cdc_ccopens": self.cdc_ccopens,
            "ccc_before_open": self.ccc_before_open,
            "gaps": self.gaps(),
        }
