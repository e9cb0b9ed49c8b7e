"""The ingest side of a mediation cluster: each converted record published to its LIID's
JetStream subject with a de-duplication id (``Nats-Msg-Id``), and counted received only once
the stream acknowledged it (stored on a majority of its replicas)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from .._checks import require_number
from ..errors import ClusterError
from ._record import ClusterRecord

__all__ = ["ClusterPublisher", "RecordLike"]


class RecordLike(Protocol):
    """What a publisher needs of a converted record (a
    :class:`~lawful_intercept.mediation.Converted` or a :class:`ClusterRecord`)."""

    @property
    def liid(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def interface(self) -> str: ...
    @property
    def pdu(self) -> bytes: ...


class ClusterPublisher:
    """Publishes converted records to the cluster's record stream (``js``: a nats-py
    JetStream context). Each record gets a message id ``<instance>-<n>``, ``instance``
    unique per publisher object, so a publish retried after a lost answer is stored once
    (the stream's de-duplication window). :meth:`publish` returns once the stream
    acknowledged every record, retrying each for up to ``deadline`` seconds, and raises
    :class:`~lawful_intercept.errors.ClusterError` otherwise (the X2/X3 PDU then does not
    count as received). Records of one LIID and kind stay in the order given."""

    def __init__(self, js: Any, *, stream: str = "LI_RECORDS", deadline: float = 30.0,
                 attempt_timeout: float = 5.0) -> None:
        self.js = js
        self.stream = stream
        self.deadline = require_number(deadline, "deadline", low=0.1)
        self.attempt_timeout = require_number(attempt_timeout, "attempt_timeout", low=0.01)
        self.instance = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._n = 0
        self.published = 0
        """Records the stream acknowledged."""
        self.duplicates = 0
        """Publishes the stream recognised as a repeat (a retry after a lost answer)."""
        self.retries = 0
        """Publish attempts repeated."""

    async def publish(self, records: Iterable[RecordLike], *,
                      msg_ids: Iterable[str] | None = None) -> int:
        """Publish ``records``; return how many once the stream acknowledged all.
        ``msg_ids`` (one per record) replaces the publisher's own ids: records that several
        nodes make alike (a task's HI1 notification) are then stored once."""
        by_subject: dict[str, list[tuple[str, ClusterRecord]]] = {}
        ids = iter(msg_ids) if msg_ids is not None else None
        for record in records:
            rec = ClusterRecord(record.liid, record.kind, record.destination,
                                record.interface, record.pdu).check()
            self._n += 1
            msg_id = next(ids) if ids is not None else f"{self.instance}-{self._n}"
            by_subject.setdefault(rec.subject, []).append((msg_id, rec))
        await asyncio.gather(*(self._in_order(batch) for batch in by_subject.values()))
        return sum(len(batch) for batch in by_subject.values())

    async def _in_order(self, batch: list[tuple[str, ClusterRecord]]) -> None:
        for msg_id, record in batch:
            await self._one(msg_id, record)

    async def _one(self, msg_id: str, record: ClusterRecord) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + self.deadline
        last: BaseException | None = None
        while True:
            try:
                ack = await self.js.publish(record.subject, record.pdu, stream=self.stream,
                                            timeout=self.attempt_timeout,
                                            headers=record.headers(msg_id))
            except Exception as exc:
                last = exc
            else:
                self.published += 1
                if ack.duplicate:
                    self.duplicates += 1
                return
            if loop.time() >= end:
                raise ClusterError(f"the record stream did not acknowledge {msg_id} on "
                                   f"{record.subject} within {self.deadline} s: {last!r}")
            self.retries += 1
            await asyncio.sleep(0.1)
