"""The lifecycle of warrants in the book (TS 103 120 clauses 6.4, 7.2, 8.2): what a checked
HI-1 request does to the book, and what time does.

* CREATE stores an authorisation, LI task or document at generation 1; UPDATE stores a new
  generation (the fields the UPDATE carries replace the stored ones); GET answers the current
  object; LIST the current objects (clause 6.4.8); an UPDATE whose DesiredStatus is
  ``Cancelled`` cancels the object (an authorisation's tasks with it).
* No LI task becomes ``Active`` without an authorisation in the book that is ``Approved``
  (or ``EmergencyApproval``) and whose timespan covers the time: the book checks this itself,
  beside :func:`check`. A task is active from the later of its own and its authorisation's
  StartTime to the earlier of their EndTimes; before its start it is
  ``AwaitingProvisioning``.
* :meth:`WarrantBook.tick` is the clock: at EndTime authorisations and tasks become
  ``Expired`` and tasks stop; at StartTime waiting tasks become active. There is no thread:
  the caller calls ``tick`` (the HI-1 server does, between requests).
* A TransactionIdentifier is accepted once (replay protection): a second message with it is
  refused whole.
* Activation, modification and deactivation of a task put TS 101 671 HI1 notifications
  (``liActivated``, ``liModified``, ``liDeactivated``) in the book's outbox in the same
  transaction as the change, and return them; the caller delivers them on HI2 and marks them
  delivered (:meth:`BookStore.mark_notified`), so none is lost to a crash.
* Every change appends to the audit log: who signed the message, whose approvals verified,
  what changed, when.
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_instance
from ..correlation import LIID
from ..errors import EncodeError, WarrantFormatError
from ._book import BookEntry, BookStore, Notification, locked
from ._model import (
    ActionResponse,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    CREATEResponse,
    DELIVERRequest,
    DictionaryEntry,
    DocumentObject,
    ErrorInformation,
    GETRequest,
    GETResponse,
    HI1Object,
    LISTRequest,
    LISTResponse,
    ListResponseRecord,
    LITaskObject,
    RequestPayload,
    TaskStatus,
    UPDATERequest,
    UPDATEResponse,
)
from ._namespaces import CORE, DS, qname
from ._rules import RULES, WarrantCheck
from ._xml_safe import parse_xml

__all__ = ["BOOK_ERRORS", "BookResult", "WarrantBook"]

BOOK_ERRORS: dict[str, ErrorInformation] = {
    "not-found": ErrorInformation(6001, "Object not found"),
    "exists": ErrorInformation(6002, "Object already exists"),
    "replay": ErrorInformation(6003, "TransactionIdentifier already used (replayed message)"),
    "unsupported": ErrorInformation(6004, "Action not supported"),
    "transition": ErrorInformation(6005, "Transition not allowed"),
    "not-request": ErrorInformation(6006, "Not a request"),
}
"""The errors of the book itself, by name (codes of the library's own numbering, after
those of :data:`RULES`; see ``docs/warrants.md``)."""

_USABLE = (AuthorisationStatus.APPROVED.value, AuthorisationStatus.EMERGENCY_APPROVAL.value)
_LIVE_TASK = (TaskStatus.ACTIVE.value, TaskStatus.AWAITING_PROVISIONING.value)
_ENDED = {AuthorisationStatus.CANCELLED.value, AuthorisationStatus.EXPIRED.value,
          AuthorisationStatus.REJECTED.value, AuthorisationStatus.INVALID.value,
          TaskStatus.ERROR.value}
_OBJECT_TYPES = {"authorisation": "Authorisation", "task": "Task", "document": "Document",
                 "other": "Other"}


@dataclass(frozen=True)
class BookResult:
    """What a request did: the answer to each action (or one ``error`` for the whole
    message), and the HI1 notifications to deliver."""

    responses: tuple[ActionResponse, ...] = ()
    notifications: tuple[Notification, ...] = ()
    error: ErrorInformation | None = None


def _kind(obj: HI1Object) -> str:
    if isinstance(obj, AuthorisationObject):
        return "authorisation"
    if isinstance(obj, LITaskObject):
        return "task"
    if isinstance(obj, DocumentObject):
        return "document"
    return "other"


def _error(name: str, detail: str) -> ErrorInformation:
    base = BOOK_ERRORS[name]
    return ErrorInformation(base.code, f"{base.description}: {detail}")


def _subjects(root: etree._Element) -> tuple[str, list[str]]:
    """The message signer's certificate subject and those of the approvals (as in KeyInfo;
    :func:`check` verified them)."""
    def subject(signature: etree._Element) -> str:
        text = signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
        if not text:
            return "(unknown)"
        try:
            return x509.load_der_x509_certificate(
                base64.b64decode("".join(text.split()))).subject.rfc4514_string()
        except ValueError:
            return "(unreadable certificate)"
    top = root.find(qname(DS, "Signature"))
    signer = "(unsigned)" if top is None else subject(top)
    approvers = [subject(s) for s in root.iter(qname(DS, "Signature")) if s is not top]
    return signer, approvers


def _merge(stored: HI1Object, update: HI1Object) -> tuple[HI1Object, dict[str, Any]]:
    """``stored`` with the fields ``update`` carries; and what changed (old, new as text)."""
    changes: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for field in dataclasses.fields(stored):
        if field.name in ("object_identifier", "generation", "last_changed"):
            continue
        new = getattr(update, field.name)
        if new == field.default:
            continue
        old = getattr(stored, field.name)
        if new != old:
            changes[field.name] = [_text(old), _text(new)]
        values[field.name] = new
    return dataclasses.replace(stored, **values), changes


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


class WarrantBook(BookStore):
    """The durable warrant book (see the module docstring and ``docs/warrants.md``):
    ``WarrantBook(path)`` opens or creates one SQLite file."""

    # -- queries ----------------------------------------------------------------------------

    @locked
    def valid_authorisations(self, now: datetime) -> tuple[str, ...]:
        """The identifiers of the authorisations a task may be associated with at ``now``:
        Approved or EmergencyApproval, their timespan covering ``now``."""
        return tuple(e.identifier for status in _USABLE
                     for e in self.entries(kind="authorisation", status=status)
                     if self._usable(e, now) and not self._lapsed(e, now))

    def _lapsed(self, entry: BookEntry, now: datetime) -> bool:
        """Whether an EmergencyApproval authorisation's window closed (before a tick)."""
        if entry.status != AuthorisationStatus.EMERGENCY_APPROVAL.value:
            return False
        lapse = self.emergency_lapse(entry.identifier)
        return lapse is not None and lapse <= now

    @staticmethod
    def _usable(entry: BookEntry | None, now: datetime) -> bool:
        return (entry is not None and entry.kind == "authorisation"
                and entry.status in _USABLE
                and (entry.start_time is None or entry.start_time <= now)
                and (entry.end_time is None or now < entry.end_time))

    @locked
    def get(self, identifier: str) -> HI1Object | None:
        """The current object ``identifier`` (its latest generation, with the book's status
        and generation), or None (TS 103 120 GET)."""
        entry = self.entry(identifier)
        model = self.model(identifier)
        if entry is None or model is None:
            return None
        values: dict[str, Any] = {"generation": entry.generation,
                                  "last_changed": entry.changed_at.replace(microsecond=0)}
        if entry.kind == "authorisation":
            values["status"] = AuthorisationStatus(entry.status).entry
        elif entry.kind == "task":
            values["status"] = TaskStatus(entry.status).entry
        return dataclasses.replace(model, **values)

    @locked
    def list_records(self, object_type: DictionaryEntry | None = None,
                     last_changed: datetime | None = None) -> tuple[ListResponseRecord, ...]:
        """The LIST answer (TS 103 120 clause 6.4.8): the current objects of ``object_type``
        (ETSI ObjectType: Authorisation, Task, Document) changed since ``last_changed``."""
        records = []
        for entry in self.entries():
            kind = DictionaryEntry("ETSI", "ObjectType", _OBJECT_TYPES[entry.kind])
            if object_type is not None and (object_type.owner, object_type.value) != (
                    kind.owner, kind.value):
                continue
            if last_changed is not None and entry.changed_at < last_changed:
                continue
            model = self.model(entry.identifier)
            records.append(ListResponseRecord(
                kind, entry.identifier, entry.generation,
                None if model is None else model.country_code,
                None if model is None else model.owner_identifier,
                None, entry.changed_at.replace(microsecond=0)))
        return tuple(records)

    # -- requests ---------------------------------------------------------------------------

    def apply(self, message: bytes, result: WarrantCheck, *, now: datetime) -> BookResult:
        """Apply a request :func:`check` has checked (``result``) to the book, at ``now``:
        each action answered (TS 103 120 clause 6.4), the failures of ``result`` answered by
        their ErrorInformation, the whole message refused when it failed as a whole (format,
        schema, signature) or its TransactionIdentifier was used before. Time passes to
        ``now`` first (:meth:`tick`; its notifications come first in the result), so that no
        action meets an ended or lapsed object as live. All changes of one request are one
        transaction."""
        require_instance(message, (bytes, bytearray), "message")
        require_instance(result, WarrantCheck, "result")
        require_instance(now, datetime, "now")
        model = result.message
        if model is None:
            return BookResult(error=result.error_information())
        if not isinstance(model.payload, RequestPayload):
            return BookResult(error=_error("not-request", "the message carries a "
                                           "ResponsePayload, a request was expected"))
        whole = [r for r in result.failures() if r.action_identifier is None]
        if whole:
            return BookResult(error=whole[0].error)
        transaction = model.header.transaction_identifier
        try:
            root = parse_xml(bytes(message))
        except WarrantFormatError as exc:  # check read it: only a changed limit gets here
            return BookResult(error=ErrorInformation(RULES["format"][1].code, str(exc)))
        if (root.findtext(f"{{{CORE}}}Header/{{{CORE}}}TransactionIdentifier") or ""
                ).strip() != transaction:
            raise ValueError("result: the check is of another message (its "
                             "TransactionIdentifier differs)")
        signer, approvers = _subjects(root)
        errors = result.action_errors()
        with self.transaction():
            if self.seen(transaction):
                return BookResult(error=_error("replay", transaction))
            # time passes to now first: a request never meets a lapsed or ended object as live
            ticked = self.tick(now)
            number = self.add_message(transaction, bytes(message), signer, now)
            run = _Run(self, now, transaction, signer, "; ".join(approvers), number)
            run.lapses = dict(result.emergency_lapses)
            answers: dict[int, Any] = {}
            # authorisations first, so that a task may come before its authorisation
            for first in (True, False):
                for index, request in enumerate(model.payload.actions):
                    obj = getattr(request.action, "obj", None)
                    if isinstance(obj, AuthorisationObject) == first:
                        aid = request.action_identifier
                        answers[index] = errors.get(aid) or run.action(aid, request.action)
            responses = tuple(ActionResponse(r.action_identifier, answers[i])
                              for i, r in enumerate(model.payload.actions))
        return BookResult(responses, ticked + tuple(run.notifications))

    def tick(self, now: datetime) -> tuple[Notification, ...]:
        """Let time pass to ``now``: authorisations and tasks past their EndTime become
        Expired (an active task is deactivated), an EmergencyApproval authorisation whose
        emergency window closed without an Approved generation becomes Expired and its tasks
        stop (the audit log says why), waiting tasks whose StartTime came are activated.
        The notifications these changes produce are returned (and in the outbox)."""
        require_instance(now, datetime, "now")
        with self.transaction():
            run = _Run(self, now, None, "tick", "", None)
            for entry in self.entries(kind="authorisation",
                                      status=AuthorisationStatus.EMERGENCY_APPROVAL.value):
                run.lapse_emergency(entry)
            for status in (*_USABLE, AuthorisationStatus.SUSPENDED.value):
                for entry in self.entries(kind="authorisation", status=status):
                    if entry.end_time is not None and entry.end_time <= now:
                        run.set_status(entry, AuthorisationStatus.EXPIRED.value, "EXPIRE")
            for status in _LIVE_TASK:
                for entry in self.entries(kind="task", status=status):
                    run.settle_task(entry)
            for entry in self.entries(kind="task", status=TaskStatus.SUSPENDED.value):
                run.settle_suspended_task(entry)
        return tuple(run.notifications)

    def cancel(self, identifier: str, *, now: datetime, actor: str) -> tuple[Notification, ...]:
        """Cancel an authorisation (and its live tasks) or a task at ``now`` on ``actor``'s
        word (recorded in the audit log); the notifications of the deactivated tasks."""
        require_instance(actor, str, "actor")
        with self.transaction():
            run = _Run(self, now, None, actor, "", None)
            problem = run.cancel(identifier)
            if problem is not None:
                raise ValueError(f"identifier: {problem.description}")
        return tuple(run.notifications)


class _Run:
    """The changes of one transaction of the book."""

    def __init__(self, book: WarrantBook, now: datetime, transaction: str | None,
                 actor: str, approvers: str, message: int | None) -> None:
        self.book, self.now, self.transaction = book, now, transaction
        self.actor, self.approvers, self.message = actor, approvers, message
        self.notifications: list[Notification] = []
        self.lapses: dict[str, datetime] = {}

    def audit(self, event: str, identifier: str, generation: int | None,
              change: dict[str, Any]) -> None:
        self.book.append_audit(at=self.now, transaction_identifier=self.transaction,
                               actor=self.actor, approvers=self.approvers, event=event,
                               identifier=identifier, generation=generation, change=change)

    def notify(self, entry: BookEntry, kind: str) -> None:
        self.notifications.append(self.book.add_notification(
            self.now, entry.identifier, entry.liid or "", kind))

    # -- actions ----------------------------------------------------------------------------

    def action(self, aid: int, action: Any) -> Any:
        if isinstance(action, GETRequest):
            obj = self.book.get(action.identifier)
            return (GETResponse(obj) if obj is not None
                    else _error("not-found", action.identifier))
        if isinstance(action, LISTRequest):
            return LISTResponse(self.book.list_records(action.object_type, action.last_changed))
        if isinstance(action, DELIVERRequest):
            return _error("unsupported", "DELIVER is not handled by this endpoint")
        if isinstance(action, CREATERequest):
            return self.create(aid, action.obj)
        if isinstance(action, UPDATERequest):
            return self.update(aid, action.obj)
        return _error("unsupported", type(action).__name__)

    def create(self, aid: int, obj: HI1Object) -> CREATEResponse | ErrorInformation:
        identifier = obj.object_identifier
        if self.book.entry(identifier) is not None:
            return _error("exists", identifier)
        kind = _kind(obj)
        entry = BookEntry(identifier, kind, 1, "Received", None, None, None, None, self.now)
        if isinstance(obj, AuthorisationObject):
            span = obj.timespan
            status = obj.status.value if obj.status is not None else ""
            if status not in _USABLE:
                return _error("transition", f"an authorisation is stored Approved or "
                              f"EmergencyApproval, not {status or 'without a status'}")
            if status == AuthorisationStatus.EMERGENCY_APPROVAL.value:
                lapse = self.lapses.get(identifier)
                if lapse is None:
                    return _error("transition", "AuthorisationStatus: EmergencyApproval "
                                  "without the time its emergency window closes (check "
                                  "gives it in emergency_lapses)")
                self.book.set_emergency_lapse(identifier, lapse)
            entry = dataclasses.replace(entry, status=status,
                                        start_time=span.start_time if span else None,
                                        end_time=span.end_time if span else None)
        elif isinstance(obj, LITaskObject):
            task = self.task_entry(entry, obj)
            if isinstance(task, ErrorInformation):
                return task
            entry = task
        elif isinstance(obj, DocumentObject) and obj.status is not None:
            entry = dataclasses.replace(entry, status=obj.status.value)
        self.book.add_generation(dataclasses.replace(obj, generation=1), 1, kind, self.now,
                                 self.message, aid)
        self.book.set_current(entry)
        self.audit("CREATE", identifier, 1, _summary(obj, entry))
        if entry.status == TaskStatus.ACTIVE.value:
            self.notify(entry, "liActivated")
            self.audit("ACTIVATE", identifier, 1, {"liid": entry.liid})
        return CREATEResponse(identifier)

    def task_entry(self, entry: BookEntry, obj: LITaskObject) -> BookEntry | ErrorInformation:
        """The state of a task: its LIID, its authorisation in the book, its times and its
        status (Active, or AwaitingProvisioning before its start)."""
        if not obj.reference:
            return _error("transition", "the LI task has no Reference (LIID)")
        try:
            LIID(obj.reference)
        except EncodeError as exc:
            return _error("transition", f"the LI task's Reference is not a usable LIID: {exc}")
        authorisation = next((a for a in obj.associated_objects or ()
                              if WarrantBook._usable(self.book.entry(a), self.now)), None)
        if authorisation is None:
            rule = RULES["task-authorisation"][1]
            return ErrorInformation(rule.code, f"{rule.description}: no authorisation in the "
                                    "book that is approved and covers now among the "
                                    "associated objects")
        auth = self.book.entry(authorisation)
        assert auth is not None
        own = obj.timespan
        starts = [t for t in (auth.start_time, own.start_time if own else None) if t is not None]
        ends = [t for t in (auth.end_time, own.end_time if own else None) if t is not None]
        start = max(starts) if starts else None
        end = min(ends) if ends else None
        status = (TaskStatus.AWAITING_PROVISIONING.value if start is not None and self.now < start
                  else TaskStatus.ACTIVE.value)
        if end is not None and end <= self.now:
            return _error("transition", "the task's timespan has ended")
        return dataclasses.replace(entry, status=status, liid=obj.reference,
                                   authorisation=authorisation, start_time=start, end_time=end)

    def update(self, aid: int, obj: HI1Object) -> UPDATEResponse | ErrorInformation:
        identifier = obj.object_identifier
        entry = self.book.entry(identifier)
        stored = self.book.model(identifier)
        if entry is None or stored is None:
            return _error("not-found", identifier)
        if entry.kind != _kind(obj):
            return _error("transition", f"{identifier} is a stored {entry.kind}, not a "
                          f"{_kind(obj)}")
        if entry.status in _ENDED:
            return _error("transition", f"{identifier} is {entry.status}: it changes no more")
        requested = _requested(obj)
        if requested == "Cancelled":
            problem = self.cancel(identifier)
            return UPDATEResponse(identifier) if problem is None else problem
        transition = _transition(entry, requested)
        if isinstance(transition, ErrorInformation):
            return transition
        if hasattr(obj, "desired_status"):  # a status is the book's, not a generation's
            obj = dataclasses.replace(obj, status=None, desired_status=None)  # type: ignore[call-arg]
        merged, changes = _merge(stored, obj)
        if transition is not None and not changes:
            return self.change_status(entry, transition)
        generation = entry.generation + 1
        new = dataclasses.replace(entry, generation=generation, changed_at=self.now)
        if isinstance(merged, AuthorisationObject) and merged.timespan is not None:
            new = dataclasses.replace(new, start_time=merged.timespan.start_time,
                                      end_time=merged.timespan.end_time)
        elif isinstance(merged, LITaskObject):
            task = self.task_entry(new, merged)
            if isinstance(task, ErrorInformation):
                return task
            new = task
        self.book.add_generation(dataclasses.replace(merged, generation=generation),
                                 generation, entry.kind, self.now, self.message, aid)
        self.book.set_current(new)
        self.audit("UPDATE", identifier, generation, changes)
        if entry.kind == "task":
            self.task_changed(entry, new)
        elif entry.kind == "authorisation":
            for task in self.book.entries(kind="task"):
                if task.authorisation == identifier and task.status in _LIVE_TASK:
                    model = self.book.model(task.identifier)
                    if isinstance(model, LITaskObject):
                        again = self.task_entry(task, model)
                        if isinstance(again, BookEntry):
                            self.book.set_current(again)
                            self.task_changed(task, again)
                        else:
                            self.settle_task(task)
        if transition is not None:
            current = self.book.entry(identifier)
            assert current is not None
            return self.change_status(current, transition)
        return UPDATEResponse(identifier)

    def task_changed(self, old: BookEntry, new: BookEntry) -> None:
        """The notification of a task's change: activated, modified or deactivated."""
        was = old.status == TaskStatus.ACTIVE.value
        now = new.status == TaskStatus.ACTIVE.value
        if now and not was:
            self.notify(new, "liActivated")
            self.audit("ACTIVATE", new.identifier, new.generation, {"liid": new.liid})
        elif now and was:
            self.notify(new, "liModified")
        elif was:
            self.notify(new, "liDeactivated")
            self.audit("DEACTIVATE", new.identifier, new.generation, {"liid": new.liid})

    def set_status(self, entry: BookEntry, status: str, event: str, why: str | None = None
                   ) -> BookEntry:
        new = dataclasses.replace(entry, status=status, changed_at=self.now)
        self.book.set_current(new)
        change: dict[str, Any] = {"status": [entry.status, status]}
        if why is not None:
            change["why"] = why
        self.audit(event, entry.identifier, entry.generation, change)
        return new

    def settle_task(self, entry: BookEntry) -> None:
        """Expire, activate or stop a live task as its times and authorisation say."""
        auth = self.book.entry(entry.authorisation or "")
        if entry.end_time is not None and entry.end_time <= self.now:
            new = self.set_status(entry, TaskStatus.EXPIRED.value, "EXPIRE")
        elif not WarrantBook._usable(auth, self.now):
            ended = auth.status if auth is not None else "missing"
            status = (TaskStatus.CANCELLED.value if ended == "Cancelled"
                      else TaskStatus.EXPIRED.value)
            new = self.set_status(entry, status, "EXPIRE" if status == "Expired" else "CANCEL",
                                  f"its authorisation {entry.authorisation} is {ended}")
        elif entry.status == TaskStatus.AWAITING_PROVISIONING.value and (
                entry.start_time is None or entry.start_time <= self.now):
            new = self.set_status(entry, TaskStatus.ACTIVE.value, "ACTIVATE")
            self.notify(new, "liActivated")
            return
        else:
            return
        if entry.status == TaskStatus.ACTIVE.value:
            self.notify(new, "liDeactivated")

    def lapse_emergency(self, entry: BookEntry) -> None:
        """Expire an EmergencyApproval authorisation whose emergency window closed without an
        Approved generation (its tasks stop when they are settled)."""
        lapse = self.book.emergency_lapse(entry.identifier)
        if lapse is None:  # a book written before lapses were kept: the default window
            model = self.book.model(entry.identifier)
            times = [a.timestamp for a in getattr(model, "approvals", ())
                     if a.is_emergency and a.timestamp is not None]
            lapse = max(times, default=entry.changed_at) + _DEFAULT_EMERGENCY
        if lapse <= self.now:
            self.set_status(entry, AuthorisationStatus.EXPIRED.value, "EMERGENCY-LAPSE",
                            f"EmergencyApproval not confirmed by an Approved generation "
                            f"before its emergency window closed at {lapse.isoformat()}")
            self.book.set_emergency_lapse(entry.identifier, None)

    def settle_suspended_task(self, entry: BookEntry) -> None:
        """Expire or cancel a suspended task whose time or authorisation ended."""
        auth = self.book.entry(entry.authorisation or "")
        if entry.end_time is not None and entry.end_time <= self.now:
            self.set_status(entry, TaskStatus.EXPIRED.value, "EXPIRE", "its EndTime passed")
        elif auth is None or auth.status in _ENDED:
            ended = auth.status if auth is not None else "missing"
            status = (TaskStatus.CANCELLED.value if ended == "Cancelled"
                      else TaskStatus.EXPIRED.value)
            self.set_status(entry, status, "EXPIRE" if status == "Expired" else "CANCEL",
                            f"its authorisation {entry.authorisation} is {ended}")

    def change_status(self, entry: BookEntry, to: str) -> UPDATEResponse | ErrorInformation:
        """Apply a status change an UPDATE asked for (see :func:`_transition`)."""
        identifier = entry.identifier
        if entry.kind == "authorisation":
            if to == AuthorisationStatus.SUSPENDED.value:
                self.set_status(entry, to, "SUSPEND", "AuthorisationDesiredStatus Suspended")
                for task in self.book.entries(kind="task"):
                    if task.authorisation == identifier and task.status in _LIVE_TASK:
                        self.suspend_task(task, f"its authorisation {identifier} is suspended",
                                          by_authorisation=True)
            elif entry.status == AuthorisationStatus.EMERGENCY_APPROVAL.value:
                self.set_status(entry, to, "CONFIRM", "EmergencyApproval confirmed by an "
                                "Approved generation")
                self.book.set_emergency_lapse(identifier, None)
            else:  # Suspended to Approved
                self.set_status(entry, to, "RESUME", "AuthorisationDesiredStatus Approved")
                for task in self.book.entries(kind="task", status=TaskStatus.SUSPENDED.value):
                    if task.authorisation == identifier and self._suspended_with(task):
                        self.resume_task(task)
        elif to == TaskStatus.SUSPENDED.value:
            self.suspend_task(entry, "DesiredStatus Suspended", by_authorisation=False)
        else:
            problem = self.resume_task(entry)
            if problem is not None:
                return problem
        return UPDATEResponse(identifier)

    def suspend_task(self, entry: BookEntry, why: str, *, by_authorisation: bool) -> None:
        new = self.set_status(entry, TaskStatus.SUSPENDED.value, "SUSPEND", why)
        if by_authorisation:
            self.audit("SUSPEND-BY-AUTHORISATION", entry.identifier, entry.generation,
                       {"authorisation": entry.authorisation})
        if entry.status == TaskStatus.ACTIVE.value:
            self.notify(new, "liDeactivated")

    def _suspended_with(self, task: BookEntry) -> bool:
        """Whether a suspended task was suspended by its authorisation (not on its own)."""
        events = [a.event for a in self.book.audit(task.identifier)
                  if a.event in ("SUSPEND", "SUSPEND-BY-AUTHORISATION")]
        return bool(events) and events[-1] == "SUSPEND-BY-AUTHORISATION"

    def resume_task(self, entry: BookEntry) -> ErrorInformation | None:
        """Restart a suspended task (Active, or AwaitingProvisioning before its start)."""
        model = self.book.model(entry.identifier)
        again = (self.task_entry(entry, model) if isinstance(model, LITaskObject)
                 else _error("not-found", entry.identifier))
        if isinstance(again, ErrorInformation):
            return again
        new = dataclasses.replace(again, changed_at=self.now)
        self.book.set_current(new)
        self.audit("RESUME", entry.identifier, entry.generation,
                   {"status": [entry.status, new.status]})
        if new.status == TaskStatus.ACTIVE.value:
            self.notify(new, "liActivated")
        return None

    def cancel(self, identifier: str) -> ErrorInformation | None:
        entry = self.book.entry(identifier)
        if entry is None:
            return _error("not-found", identifier)
        if entry.status in _ENDED:
            return _error("transition", f"{identifier} is {entry.status} already")
        if entry.kind == "authorisation":
            self.set_status(entry, AuthorisationStatus.CANCELLED.value, "CANCEL")
            self.book.set_emergency_lapse(identifier, None)
            for task in self.book.entries(kind="task"):
                if task.authorisation == identifier and task.status in _LIVE_TASK:
                    self.settle_task(task)
                elif task.authorisation == identifier and \
                        task.status == TaskStatus.SUSPENDED.value:
                    self.settle_suspended_task(task)
        elif entry.kind == "task":
            new = self.set_status(entry, TaskStatus.CANCELLED.value, "CANCEL")
            if entry.status == TaskStatus.ACTIVE.value:
                self.notify(new, "liDeactivated")
        else:
            return _error("transition", f"a {entry.kind} cannot be cancelled")
        return None


_DEFAULT_EMERGENCY = timedelta(hours=48)
"""The emergency window of an authorisation stored without its closing time (books written
before it was kept): check's default ``emergency_hours``."""

_TRANSITIONS = {
    "authorisation": {
        ("EmergencyApproval", "Approved"), ("Approved", "Suspended"),
        ("EmergencyApproval", "Suspended"), ("Suspended", "Approved")},
    "task": {("Active", "Suspended"), ("AwaitingProvisioning", "Suspended"),
             ("Suspended", "Active")},
}
"""The status changes an UPDATE may ask for (besides Cancelled), by kind: (from, to)."""


def _requested(obj: HI1Object) -> str | None:
    """The status an UPDATE asks for: its DesiredStatus, else its Status; None if neither."""
    entry = getattr(obj, "desired_status", None) or getattr(obj, "status", None)
    return None if entry is None else str(entry.value)


def _transition(entry: BookEntry, requested: str | None) -> str | ErrorInformation | None:
    """The status change ``requested`` asks of ``entry`` (None: none), or the error of a
    change the book does not support (TS 103 120 clauses 7.2.5 and 8.2.3)."""
    if requested is None or requested == entry.status or (
            entry.kind == "task" and requested == TaskStatus.ACTIVE.value
            and entry.status == TaskStatus.AWAITING_PROVISIONING.value):
        return None
    allowed = _TRANSITIONS.get(entry.kind, set())
    if (entry.status, requested) in allowed:
        return requested
    field = "AuthorisationDesiredStatus" if entry.kind == "authorisation" else "DesiredStatus"
    supported = ", ".join(f"{a} to {b}" for a, b in sorted(allowed)) or "none"
    return _error("transition", f"{field}: {entry.status} to {requested} is not a supported "
                  f"transition for {entry.kind} {entry.identifier} (supported: {supported}, "
                  "and Cancelled)")


def _summary(obj: HI1Object, entry: BookEntry) -> dict[str, Any]:
    """What a CREATE stored, for the audit log."""
    summary: dict[str, Any] = {"kind": entry.kind, "status": entry.status}
    for name in ("reference", "liid", "start_time", "end_time"):
        value = getattr(entry, name, None) if name != "reference" else \
            getattr(obj, "reference", None)
        if value is not None:
            summary[name] = _text(value)
    if isinstance(obj, LITaskObject):
        summary["targets"] = [f"{t.format_name}:{t.value}" for t in obj.targets or ()]
        summary["destinations"] = len(obj.delivery_details or ())
        summary["authorisation"] = entry.authorisation
    return summary
