"""The storage of the warrant book: one SQLite file (write-ahead log, full fsync) holding the
HI-1 messages as received, every generation of every object (authorisations, LI tasks,
documents; TS 103 120 clauses 6, 7.2, 7.3, 8.2), the current state of each object, the
append-only audit log and the outbox of HI1 notifications (TS 101 671 HI1-Operation).

This module stores; :mod:`._lifecycle` decides (transitions, replay protection, the
notifications). Every change of one request is one SQLite transaction, so a process killed
between two statements leaves the book as it was before the request or after it, never
half-way. The audit log cannot be changed or deleted through SQL (triggers refuse it), and
each row carries the SHA-256 of the row before it and its own content, so that a log
rewritten outside the library fails :meth:`BookStore.verify_audit`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, Self, TypeVar

from .._checks import require_instance
from ..errors import WarrantBookError, WarrantFormatError
from ._model import (
    ActionResponse,
    EndpointID,
    GETResponse,
    HI1Message,
    HI1Object,
    MessageHeader,
    ResponsePayload,
)
from ._xml_read import read_message
from ._xml_write import write_message

__all__ = ["AuditEntry", "BookEntry", "BookStore", "Notification", "book_time", "locked"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def locked(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a method of a :class:`BookStore` under its lock: one thread uses the book's
    connection at a time (the HI-1 server's thread and the caller's may share a book)."""
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)
    run.__name__, run.__doc__, run.__qualname__ = (method.__name__, method.__doc__,
                                                   method.__qualname__)
    run.__wrapped__ = method  # type: ignore[attr-defined]
    return run

_FORMAT = "lawful-intercept warrant book 1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS book_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_identifier TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    signer TEXT NOT NULL,
    data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS generations (
    identifier TEXT NOT NULL,
    generation INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message INTEGER REFERENCES messages(seq),
    action INTEGER,
    model BLOB NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (identifier, generation));
CREATE TABLE IF NOT EXISTS current (
    identifier TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    generation INTEGER NOT NULL,
    status TEXT NOT NULL,
    liid TEXT,
    authorisation TEXT,
    start_time TEXT,
    end_time TEXT,
    changed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS current_by_status ON current (kind, status);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    transaction_identifier TEXT,
    actor TEXT NOT NULL,
    approvers TEXT NOT NULL,
    event TEXT NOT NULL,
    identifier TEXT NOT NULL,
    generation INTEGER,
    change TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS emergency (
    identifier TEXT PRIMARY KEY,
    lapses_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    task TEXT NOT NULL,
    liid TEXT NOT NULL,
    kind TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0);
"""

_GENESIS = "0" * 64


def book_time(value: datetime) -> str:
    """``value`` as the book writes times: UTC, microseconds, ``Z`` (so that text order is
    time order). A naive datetime is refused."""
    require_instance(value, datetime, "time")
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware datetimes")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class BookEntry:
    """The current state of one object in the book: its ``kind`` (``authorisation``,
    ``task``, ``document`` or ``other``), generation, status (a TS 103 120 AuthorisationStatus
    or TaskStatus value), the LIID and authorisation of a task, and the times its
    interception may start and must end (a task's end is the earlier of its own and its
    authorisation's)."""

    identifier: str
    kind: str
    generation: int
    status: str
    liid: str | None
    authorisation: str | None
    start_time: datetime | None
    end_time: datetime | None
    changed_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log: when, which transaction, who signed the message (``actor``:
    the certificate subject, or ``tick`` for an expiry), the approvers whose signatures
    verified, the event (``CREATE``, ``UPDATE``, ``ACTIVATE``, ``EXPIRE``, ``CANCEL``, ...),
    the object and generation, and what changed (JSON)."""

    seq: int
    at: datetime
    transaction_identifier: str | None
    actor: str
    approvers: str
    event: str
    identifier: str
    generation: int | None
    change: str
    hash: str


@dataclass(frozen=True)
class Notification:
    """An HI1 notification (TS 101 671 HI1NotificationOperations) to deliver on HI2:
    ``kind`` is ``liActivated``, ``liModified`` or ``liDeactivated``; ``seq`` its number in
    the book's outbox (see :meth:`BookStore.mark_notified`)."""

    seq: int
    at: datetime
    task: str
    liid: str
    kind: str

    def operation(self) -> tuple[str, dict[str, Any]]:
        """The HI1-Operation value, built by
        :class:`lawful_intercept.records.HI1Operations` (for ``PSPDUBuilder.hi1``)."""
        from ..records import HI1Operations

        operations = HI1Operations(self.liid)
        build = {"liActivated": operations.activated, "liModified": operations.modified,
                 "liDeactivated": operations.deactivated}[self.kind]
        return build(time=self.at)


_WRAPPER_HEADER = MessageHeader(EndpointID("XX", "BOOK"), EndpointID("XX", "BOOK"),
                                "00000000-0000-0000-0000-000000000000",
                                datetime(1970, 1, 1, tzinfo=UTC))


def object_bytes(obj: HI1Object) -> bytes:
    """``obj`` written as XML (inside a GET response, the only container the schema has for
    one object), as the book stores a generation."""
    message = HI1Message(_WRAPPER_HEADER, ResponsePayload((ActionResponse(0, GETResponse(obj)),)))
    return write_message(message)


def object_from_bytes(data: bytes) -> HI1Object:
    """The object :func:`object_bytes` wrote."""
    payload = read_message(data).payload
    result = payload.actions[0].result if isinstance(payload, ResponsePayload) else None
    if not isinstance(result, GETResponse):
        raise WarrantBookError("a stored generation is not an object", "generations")
    return result.obj


class BookStore:
    """The warrant book's file (see the module docstring). Open it with the path of a new or
    existing book; one process uses a book at a time (SQLite serialises writers)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        require_instance(path, (str, os.PathLike), "path")
        self.path = Path(path)
        self._lock = threading.RLock()
        try:  # a new book is readable by its owner only (SQLite gives its journals the same)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise WarrantBookError(f"cannot create the warrant book: {exc.strerror}",
                                   str(self.path)) from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise WarrantBookError(f"cannot open the warrant book: {exc}", str(self.path)) \
                from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
            with self.transaction():
                book_format = self._value("SELECT value FROM book_info WHERE key='format'")
                if book_format is None:
                    self._db.execute("INSERT INTO book_info VALUES ('format', ?)", (_FORMAT,))
                elif book_format != _FORMAT:
                    raise WarrantBookError(f"not a warrant book of this format "
                                           f"({book_format!r})", str(self.path))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise WarrantBookError(f"not a warrant book: {exc}", str(self.path)) from None
        except WarrantBookError:
            self._db.close()
            raise

    @locked
    def close(self) -> None:
        """Close the file (committed changes are on disk already)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change of the book: committed when the block ends, rolled back when it
        raises (or when the process dies before the commit)."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _value(self, query: str, *args: object) -> Any:
        """The first column of the first row ``query`` selects, or None when it selects
        none."""
        row = self._db.execute(query, args).fetchone()
        return None if row is None else row[0]

    # -- messages ---------------------------------------------------------------------------

    @locked
    def seen(self, transaction_identifier: str) -> bool:
        """Whether a message with this TransactionIdentifier was already accepted."""
        return self._value("SELECT 1 FROM messages WHERE transaction_identifier=?",
                           transaction_identifier) is not None

    @locked
    def add_message(self, transaction_identifier: str, data: bytes, signer: str,
                    at: datetime) -> int:
        """Store the bytes of an accepted message as received; its number in the book."""
        cursor = self._db.execute(
            "INSERT INTO messages (transaction_identifier, received_at, signer, data) "
            "VALUES (?, ?, ?, ?)", (transaction_identifier, book_time(at), signer, data))
        return int(cursor.lastrowid or 0)

    @locked
    def received(self, transaction_identifier: str) -> bytes | None:
        """The bytes of the accepted message of this TransactionIdentifier, as received."""
        data = self._value("SELECT data FROM messages WHERE transaction_identifier=?",
                           transaction_identifier)
        return None if data is None else bytes(data)

    # -- objects ----------------------------------------------------------------------------

    @locked
    def add_generation(self, obj: HI1Object, generation: int, kind: str, at: datetime,
                       message: int | None, action: int | None) -> None:
        """Store a generation of an object (its model as XML, and the message and action it
        came in)."""
        self._db.execute("INSERT INTO generations VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (obj.object_identifier, generation, kind, message, action,
                          object_bytes(obj), book_time(at)))

    @locked
    def set_current(self, entry: BookEntry) -> None:
        """Write the current state of an object."""
        self._db.execute(
            "INSERT OR REPLACE INTO current VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.identifier, entry.kind, entry.generation, entry.status, entry.liid,
             entry.authorisation,
             None if entry.start_time is None else book_time(entry.start_time),
             None if entry.end_time is None else book_time(entry.end_time),
             book_time(entry.changed_at)))

    @locked
    def entry(self, identifier: str) -> BookEntry | None:
        """The current state of the object ``identifier``, or None."""
        row = self._db.execute("SELECT * FROM current WHERE identifier=?",
                               (identifier,)).fetchone()
        return None if row is None else _entry(row)

    @locked
    def entries(self, *, kind: str | None = None, status: str | None = None
                ) -> tuple[BookEntry, ...]:
        """The current state of every object (of a ``kind``, with a ``status``)."""
        query, args = "SELECT * FROM current WHERE 1=1", list[str]()
        if kind is not None:
            query, args = query + " AND kind=?", [*args, kind]
        if status is not None:
            query, args = query + " AND status=?", [*args, status]
        rows = self._db.execute(query + " ORDER BY changed_at, identifier", args).fetchall()
        return tuple(_entry(row) for row in rows)

    @locked
    def model(self, identifier: str, generation: int | None = None) -> HI1Object | None:
        """The stored model of an object's generation (default: its latest), or None."""
        if generation is None:
            model = self._value("SELECT model FROM generations WHERE identifier=? "
                                "ORDER BY generation DESC LIMIT 1", identifier)
        else:
            model = self._value("SELECT model FROM generations WHERE identifier=? AND "
                                "generation=?", identifier, generation)
        if model is None:
            return None
        try:
            return object_from_bytes(bytes(model))
        except WarrantFormatError as exc:
            raise WarrantBookError(f"stored generation unreadable: {exc}", identifier) from None

    @locked
    def generations(self, identifier: str) -> tuple[int, ...]:
        """The stored generations of an object, in order."""
        rows = self._db.execute("SELECT generation FROM generations WHERE identifier=? "
                                "ORDER BY generation", (identifier,)).fetchall()
        return tuple(int(r[0]) for r in rows)

    @locked
    def set_emergency_lapse(self, identifier: str, lapses_at: datetime | None) -> None:
        """Record when the emergency window of an EmergencyApproval authorisation closes
        (None: forget it, once an Approved generation confirmed the authorisation)."""
        if lapses_at is None:
            self._db.execute("DELETE FROM emergency WHERE identifier=?", (identifier,))
        else:
            self._db.execute("INSERT OR REPLACE INTO emergency VALUES (?, ?)",
                             (identifier, book_time(lapses_at)))

    @locked
    def emergency_lapse(self, identifier: str) -> datetime | None:
        """When the emergency window of an authorisation closes, or None if none is kept."""
        return _parse_time(self._value("SELECT lapses_at FROM emergency WHERE identifier=?",
                                       identifier))

    # -- audit ------------------------------------------------------------------------------

    @locked
    def append_audit(self, *, at: datetime, transaction_identifier: str | None, actor: str,
                     approvers: str, event: str, identifier: str, generation: int | None,
                     change: dict[str, Any]) -> None:
        """Append a row to the audit log, chained to the one before it."""
        last = self._value("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")
        previous = _GENESIS if last is None else str(last)
        fields = (book_time(at), transaction_identifier, actor, approvers, event, identifier,
                  generation, json.dumps(change, sort_keys=True, separators=(",", ":")))
        digest = _row_hash(previous, fields)
        self._db.execute(
            "INSERT INTO audit (at, transaction_identifier, actor, approvers, event, "
            "identifier, generation, change, previous_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*fields, previous, digest))

    @locked
    def audit(self, identifier: str | None = None) -> tuple[AuditEntry, ...]:
        """The audit log (of one object), oldest first."""
        query = "SELECT seq, at, transaction_identifier, actor, approvers, event, " \
                "identifier, generation, change, hash FROM audit"
        rows = (self._db.execute(query + " ORDER BY seq").fetchall() if identifier is None
                else self._db.execute(query + " WHERE identifier=? ORDER BY seq",
                                      (identifier,)).fetchall())
        return tuple(AuditEntry(int(r[0]), _parse_time(r[1]) or datetime.min, r[2], r[3],
                                r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows)

    @locked
    def verify_audit(self) -> int:
        """Check the audit log's hash chain; the number of rows.
        :class:`~lawful_intercept.errors.WarrantBookError` names the first row that was
        changed, removed or inserted outside the library."""
        previous = _GENESIS
        count = 0
        for row in self._db.execute(
                "SELECT seq, at, transaction_identifier, actor, approvers, event, identifier, "
                "generation, change, previous_hash, hash FROM audit ORDER BY seq"):
            fields = tuple(row[1:9])
            if row[9] != previous or _row_hash(previous, fields) != row[10]:
                raise WarrantBookError(f"audit row {row[0]} does not match the hash chain: "
                                       "the log was changed outside the library", "audit")
            previous = row[10]
            count += 1
        return count

    # -- notifications ----------------------------------------------------------------------

    @locked
    def add_notification(self, at: datetime, task: str, liid: str, kind: str) -> Notification:
        """Put an HI1 notification in the outbox."""
        cursor = self._db.execute("INSERT INTO notifications (at, task, liid, kind) VALUES "
                                  "(?, ?, ?, ?)", (book_time(at), task, liid, kind))
        return Notification(int(cursor.lastrowid or 0), at, task, liid, kind)

    @locked
    def pending_notifications(self) -> tuple[Notification, ...]:
        """The notifications not yet marked delivered, oldest first (after a crash: those
        to deliver again)."""
        rows = self._db.execute("SELECT seq, at, task, liid, kind FROM notifications WHERE "
                                "delivered=0 ORDER BY seq").fetchall()
        return tuple(Notification(int(r[0]), _parse_time(r[1]) or datetime.min, r[2], r[3],
                                  r[4]) for r in rows)

    def mark_notified(self, seqs: list[int] | tuple[int, ...]) -> None:
        """Mark notifications delivered (call once HI2 proved their delivery)."""
        with self.transaction() as db:
            db.executemany("UPDATE notifications SET delivered=1 WHERE seq=?",
                           [(int(s),) for s in seqs])


def _row_hash(previous: str, fields: tuple[Any, ...]) -> str:
    text = json.dumps([previous, *fields], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(row: Any) -> BookEntry:
    return BookEntry(row[0], row[1], int(row[2]), row[3], row[4], row[5],
                     _parse_time(row[6]), _parse_time(row[7]),
                     _parse_time(row[8]) or datetime.min)
