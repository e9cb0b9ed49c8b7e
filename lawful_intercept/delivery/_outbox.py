"""The sender's books: the records a handover session accepted, the octets it queued for
writing, and the records written but not yet resolved (delivered or to be sent again).

:class:`Outbox` numbers the records in the order they are queued (a per-session index, not
the PSHeader sequenceNumber of TS 102 232-1 5.2.5, which the records carry already) so that a
TRI request written after them covers them: the answer to a keep-alive (TS 102 232-1 6.4.5)
or to a pDUAcknowledgementRequest (TRIPayload [12]/[13]) confirms every record up to the
index it covers. It knows nothing of the protocol; :class:`~._sender.HandoverSession`
decides. See docs/delivery.md, "the handover session".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from typing import Any, Final

from ..errors import LocalProtocolError

__all__ = ["NO_RECORD", "Outbox", "Record", "Request"]

NO_RECORD: Final = -1
"""The index a request covers when no record was queued before it."""


class Record:
    """One record accepted for delivery: the caller's id and, until it is written, its PDU."""

    __slots__ = ("index", "pdu", "record_id", "written_at")

    def __init__(self, record_id: Hashable, pdu: bytes, index: int = NO_RECORD) -> None:
        self.record_id = record_id
        self.pdu = pdu
        self.index = index  # position among the records queued for writing (per session)
        self.written_at = 0.0


class Request:
    """A TRI request of ours that wants an answer (keep-alive, acknowledgement, options),
    with the sequenceNumber the peer's answer echoes (TS 102 232-1 5.2.5, 6.4)."""

    __slots__ = ("covers", "name", "sent_at", "sequence_number")

    def __init__(self, name: str, sequence_number: int, covers: int) -> None:
        self.name = name
        self.sequence_number = sequence_number
        self.covers = covers  # index of the last record queued before it (NO_RECORD: none)
        self.sent_at: float | None = None  # None while not yet handed to the transport


class Outbox:
    """Records accepted (``outstanding``), held until the connection opens (``held``), queued
    for writing with the TRI PDUs between them (``queue``), and written but not yet resolved
    (``in_flight``, oldest first)."""

    def __init__(self) -> None:
        self.outstanding: dict[Hashable, Record] = {}  # accepted, not yet resolved
        self.held: deque[Record] = deque()  # accepted, not yet queued for writing
        self.queue: deque[tuple[bytes, Record | Request | None]] = deque()  # not yet written
        self.queued_bytes = 0
        self.in_flight: deque[Record] = deque()  # written, not yet resolved
        self.next_index = 0  # index of the next record queued
        self.last_written = NO_RECORD  # index of the last record written
        self.last_record_written = -float("inf")  # when it was written
        self.last_written_at = -float("inf")  # when anything was last written

    @property
    def last_queued(self) -> int:
        """The index of the last record queued (:data:`NO_RECORD`: none yet)."""
        return self.next_index - 1

    def accept(self, record_id: Hashable, pdu: bytes | bytearray | memoryview) -> Record:
        """Take a record for delivery; ``LocalProtocolError`` if ``record_id`` is outstanding
        already or the PDU is empty."""
        if record_id in self.outstanding:
            raise LocalProtocolError(f"record {record_id!r} is already outstanding")
        data = pdu if type(pdu) is bytes else bytes(pdu)
        if not data:
            raise LocalProtocolError("an empty PDU cannot be sent")
        record = Record(record_id, data)
        self.outstanding[record_id] = record
        return record

    def accept_and_queue(self, records: Iterable[tuple[Any, ...]]) -> None:
        """:meth:`accept` and :meth:`queue_record` for each ``(record_id, pdu, ...)`` tuple
        (a spool's entry will do), with less work per record (no TRI request comes between
        them; the checks of :meth:`accept` inlined: this is the per-record path). At the
        first one refused the ones before it are queued."""
        out = self.queue
        outstanding = self.outstanding
        index = self.next_index
        size = 0
        try:
            for entry in records:
                record_id = entry[0]
                data = entry[1]
                if type(data) is not bytes:
                    data = bytes(data)
                if record_id in outstanding or not data:
                    self.accept(record_id, data)  # raises the refusal
                record = Record(record_id, data, index)
                outstanding[record_id] = record
                index += 1
                out.append((data, record))
                size += len(data)
        finally:
            self.next_index = index
            self.queued_bytes += size

    def push(self, data: bytes, entry: Record | Request | None) -> None:
        """Queue ``data`` for writing (a record's PDU, a request of ours, or an answer)."""
        self.queue.append((data, entry))
        self.queued_bytes += len(data)

    def queue_record(self, record: Record) -> None:
        """Give ``record`` the next index and queue its PDU for writing."""
        record.index = self.next_index
        self.next_index += 1
        self.push(record.pdu, record)

    def take(self, limit: int | None, now: float) -> bytes:
        """Whole queued PDUs, in order, at most ``limit`` octets unless one alone is larger;
        they count as written at ``now``."""
        out = self.queue
        parts: list[bytes] = []
        size = 0
        while out:
            data, entry = out[0]
            if parts and limit is not None and size + len(data) > limit:
                break
            out.popleft()
            parts.append(data)
            size += len(data)
            if type(entry) is Record:
                entry.written_at = now
                entry.pdu = b""  # the spool keeps the octets; the session needs the id only
                self.last_written = entry.index
                self.last_record_written = now
                self.in_flight.append(entry)
            elif isinstance(entry, Request):
                entry.sent_at = now
        self.queued_bytes -= size
        self.last_written_at = now
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def written_through(self, index: int) -> list[Hashable]:
        """Take off the written records up to ``index`` (those a request covers)."""
        flight = self.in_flight
        confirmed: list[Hashable] = []
        while flight and flight[0].index <= index:
            confirmed.append(flight.popleft().record_id)
        return confirmed

    def resolve(self, record_ids: list[Hashable]) -> None:
        """Forget records delivered."""
        outstanding = self.outstanding
        for record_id in record_ids:
            del outstanding[record_id]

    def lose_all(self) -> list[Hashable]:
        """Forget every record not yet resolved (the connection is gone) and return their ids
        in the order they must be sent again: written, queued, held."""
        lost = [record.record_id for record in self.in_flight]
        lost += [entry.record_id for _, entry in self.queue if isinstance(entry, Record)]
        lost += [record.record_id for record in self.held]
        self.in_flight.clear()
        self.queue.clear()
        self.queued_bytes = 0
        self.held.clear()
        self.outstanding.clear()
        self.last_written = self.last_queued
        return lost
