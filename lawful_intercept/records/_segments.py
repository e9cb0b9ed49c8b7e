"""Reassembly of segmented CC payloads on the receiving side (ETSI TS 102 232-1 6.4.3).

A sender splits a CC payload that is too large for one PDU into several CC PDUs between a TRI
PDU with ``firstSegmentFlag`` and one with ``lastSegmentFlag`` (see
:meth:`~lawful_intercept.records.PSPDUBuilder.segmented_cc`). :class:`Reassembler` takes
the decoded PS-PDUs of a stream, in order, and gives back each CC payload whole, per
communication (LIID, CIN).

See docs/records.md, segmented CC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import DecodeError

__all__ = ["Reassembled", "Reassembler", "ip_packet_segment"]


def ip_packet_segment(contents: tuple[str, Any]) -> bytes | None:
    """The octets of an IPCC ``iPPackets`` CCContents value (TS 102 232-3), else None."""
    if contents[0] == "iPCC":
        inner = contents[1].get("iPCCContents")
        if isinstance(inner, tuple) and inner[0] == "iPPackets":
            data: bytes = inner[1]
            return data
    return None


@dataclass
class Reassembled:
    """One CC payload put back together: the communication, the CCContents alternative, the
    whole octets, and the sequence numbers of the CC PDUs that carried it."""

    liid: bytes
    cin: int | None
    alternative: str
    data: bytes
    sequence_numbers: list[int] = field(default_factory=list)


@dataclass
class _Open:
    alternative: str | None = None
    parts: list[bytes] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


class Reassembler:
    """Joins segmented CC payloads of decoded PS-PDUs (TS 102 232-1 6.4.3).

    ``segment_of`` takes a CCContents value and returns its octets (default: IPCC
    ``iPPackets``). :meth:`add` returns the reassembled payload when a ``lastSegmentFlag``
    closes one, else None; PDUs outside a segmented run pass through untouched (the caller
    handles them as usual). A ``lastSegmentFlag`` without a first, a first inside an open run,
    or a CC of another kind inside a run is a :class:`DecodeError`.
    """

    def __init__(
        self, segment_of: Callable[[tuple[str, Any]], bytes | None] = ip_packet_segment
    ) -> None:
        self._segment_of = segment_of
        self._open: dict[tuple[bytes, int | None], _Open] = {}

    def add(self, pdu: dict[str, Any]) -> Reassembled | None:
        """Take one decoded PS-PDU; return a payload it completes."""
        header = pdu["pSHeader"]
        key = (header["lawfulInterceptionIdentifier"],
               header["communicationIdentifier"].get("communicationIdentityNumber"))
        kind, payload = pdu["payload"]
        if kind == "tRIPayload":
            flag = payload[0]
            if flag == "firstSegmentFlag":
                if key in self._open:
                    raise DecodeError("firstSegmentFlag inside an open segmented payload",
                                      "PS-PDU.payload.tRIPayload")
                self._open[key] = _Open()
            elif flag == "lastSegmentFlag":
                run = self._open.pop(key, None)
                if run is None:
                    raise DecodeError("lastSegmentFlag without firstSegmentFlag",
                                      "PS-PDU.payload.tRIPayload")
                return Reassembled(key[0], key[1], run.alternative or "", b"".join(run.parts),
                                   run.numbers)
            return None
        run = self._open.get(key)
        if run is None or kind != "cCPayloadSequence":
            return None
        for cc in payload:
            contents = cc["cCContents"]
            segment = self._segment_of(contents)
            if segment is None or (run.alternative not in (None, contents[0])):
                raise DecodeError(f"a {contents[0]} CC inside a segmented payload",
                                  "PS-PDU.payload.cCPayloadSequence")
            run.alternative = contents[0]
            run.parts.append(segment)
        run.numbers.append(header["sequenceNumber"])
        return None

    @property
    def open_runs(self) -> int:
        """How many segmented payloads are still waiting for their lastSegmentFlag."""
        return len(self._open)
