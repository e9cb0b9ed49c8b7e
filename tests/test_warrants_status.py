"""Status changes in the warrant book (TS 103 120 clauses 7.2.5 and 8.2.3): an EmergencyApproval
lapses when its window closes without an Approved generation; Suspended stops the tasks
(liDeactivated) and resuming restarts them (liActivated); an unsupported transition is refused
with its error code, never ignored."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_warrants_support import (
    NOW,
    judge_trust,
    make_request,
    make_warrant,
    message_trust,
    warrant_pki,
)

from lawful_intercept.warrants import (
    ActionRequest,
    ApprovalDetails,
    ApproverDetails,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    DictionaryEntry,
    DocumentObject,
    EndpointID,
    ErrorInformation,
    HI1Message,
    HI1Object,
    LITaskObject,
    MessageHeader,
    RequestPayload,
    UPDATERequest,
    UPDATEResponse,
    WarrantBook,
    WarrantCheck,
    approve,
    check,
    sign_message,
    write_message,
)

HOURS = 2.0  # the emergency window of these tests


def _check(data: bytes, now: datetime, book: WarrantBook) -> WarrantCheck:
    return check(data, trust=message_trust(), approvers=judge_trust(), now=now,
                 known_authorisations=book.valid_authorisations(now), emergency_hours=HOURS)


def _apply(book: WarrantBook, data: bytes, now: datetime = NOW) -> Any:
    return book.apply(data, _check(data, now, book), now=now)


def _ids(message: HI1Message) -> tuple[str, str]:
    auth = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    task = next(o for o in message.objects() if isinstance(o, LITaskObject))
    return auth.object_identifier, task.object_identifier


def _update(obj: HI1Object, *, now: datetime = NOW, approval: ApprovalDetails | None = None
            ) -> bytes:
    """An UPDATE of ``obj`` signed by the issuing authority; with ``approval`` the judge
    approves it first."""
    header = MessageHeader(EndpointID("XX", "AGENCY01"), EndpointID("XX", "CSP01"),
                           str(uuid.uuid4()), now)
    action = ActionRequest(0, UPDATERequest(obj))
    data = write_message(HI1Message(header, RequestPayload((action,))))
    pki = warrant_pki()
    if approval is not None:
        data = approve(data, obj.object_identifier, pki.judge.key, [pki.judge.certificate],
                       approval=approval, at=now)
    return sign_message(data, pki.issuer.key, [pki.issuer.certificate])


def _judge(now: datetime, *, emergency: bool = False) -> ApprovalDetails:
    return ApprovalDetails(approval_type="Judicial", approver=ApproverDetails(role="Judge"),
                           timestamp=now.replace(microsecond=0), is_emergency=emergency or None)


def _emergency_warrant(approved_at: datetime = NOW) -> tuple[HI1Message, bytes]:
    """A warrant the judge approved in an emergency at ``approved_at``."""
    message = make_request(status=AuthorisationStatus.EMERGENCY_APPROVAL)
    pki = warrant_pki()
    auth_id, _ = _ids(message)
    document = next(o for o in message.objects() if isinstance(o, DocumentObject))
    data = approve(write_message(message), auth_id, pki.judge.key, [pki.judge.certificate],
                   approval=_judge(approved_at, emergency=True), at=approved_at)
    data = approve(data, document.object_identifier, pki.judge.key, [pki.judge.certificate],
                   at=approved_at)
    return message, sign_message(data, pki.issuer.key, [pki.issuer.certificate])


def _desired(obj_type: type, identifier: str, value: str, **more: Any) -> HI1Object:
    name = "AuthorisationStatus" if obj_type is AuthorisationObject else "TaskStatus"
    return obj_type(object_identifier=identifier,  # type: ignore[no-any-return]
                    desired_status=DictionaryEntry("ETSI", name, value), **more)


@pytest.fixture
def book(tmp_path: Path):  # type: ignore[no-untyped-def]
    with WarrantBook(tmp_path / "book.db") as opened:
        yield opened


# -- EmergencyApproval lapses --------------------------------------------------------------


def test_check_gives_the_time_the_emergency_window_closes() -> None:
    message, data = _emergency_warrant()
    auth_id, _ = _ids(message)
    result = check(data, trust=message_trust(), approvers=judge_trust(), now=NOW,
                   emergency_hours=HOURS)
    assert result.valid, result.table()
    assert result.emergency_lapses == ((auth_id, NOW + timedelta(hours=HOURS)),)
    assert make_warrant().message and check(
        make_warrant().signed, trust=message_trust(), approvers=judge_trust(),
        now=NOW).emergency_lapses == ()


def test_an_unconfirmed_emergency_approval_lapses_on_tick(book: WarrantBook) -> None:
    message, data = _emergency_warrant()
    auth_id, task_id = _ids(message)
    assert [n.kind for n in _apply(book, data).notifications] == ["liActivated"]
    # the authorisation's own EndTime is 30 days away: only the emergency window stops it
    assert book.tick(NOW + timedelta(hours=HOURS, seconds=-1)) == ()
    assert book.entry(task_id).status == "Active"  # type: ignore[union-attr]
    notes = book.tick(NOW + timedelta(hours=HOURS))
    assert [(n.kind, n.task) for n in notes] == [("liDeactivated", task_id)]
    assert book.entry(auth_id).status == "Expired"  # type: ignore[union-attr]
    assert book.entry(task_id).status == "Expired"  # type: ignore[union-attr]
    lapse = next(a for a in book.audit(auth_id) if a.event == "EMERGENCY-LAPSE")
    assert "EmergencyApproval not confirmed by an Approved generation" in lapse.change
    stop = book.audit(task_id)[-1]
    assert stop.event == "EXPIRE" and f"authorisation {auth_id} is Expired" in stop.change
    assert book.valid_authorisations(NOW + timedelta(hours=HOURS)) == ()
    assert book.tick(NOW + timedelta(hours=HOURS + 1)) == ()
    assert book.verify_audit() == len(book.audit())


def test_a_request_after_the_lapse_meets_it_even_before_a_tick(book: WarrantBook) -> None:
    message, data = _emergency_warrant()
    auth_id, task_id = _ids(message)
    _apply(book, data)
    after = NOW + timedelta(hours=HOURS, minutes=1)
    assert auth_id in book.valid_authorisations(NOW)
    assert auth_id not in book.valid_authorisations(after)  # no tick yet
    # a new task for the lapsed authorisation: refused; the lapse itself is applied first
    new_task = LITaskObject(object_identifier=str(uuid.uuid4()), reference="LIID-0002",
                            associated_objects=(auth_id,))
    header = MessageHeader(EndpointID("XX", "AGENCY01"), EndpointID("XX", "CSP01"),
                           str(uuid.uuid4()), after)
    pki = warrant_pki()
    request = sign_message(write_message(HI1Message(header, RequestPayload(
        (ActionRequest(0, CREATERequest(new_task)),)))), pki.issuer.key,
        [pki.issuer.certificate])
    result = book.apply(request, _check(request, after, book), now=after)
    assert isinstance(result.responses[0].result, ErrorInformation)
    assert [(n.kind, n.task) for n in result.notifications] == [("liDeactivated", task_id)]
    assert book.entry(auth_id).status == "Expired"  # type: ignore[union-attr]


def test_the_lapse_survives_reopening(tmp_path: Path) -> None:
    message, data = _emergency_warrant()
    _, task_id = _ids(message)
    with WarrantBook(tmp_path / "book.db") as book:
        _apply(book, data)
    with WarrantBook(tmp_path / "book.db") as book:
        assert [n.kind for n in book.tick(NOW + timedelta(hours=HOURS))] == ["liDeactivated"]
        assert book.entry(task_id).status == "Expired"  # type: ignore[union-attr]


def test_an_approved_generation_confirms_the_emergency(book: WarrantBook) -> None:
    message, data = _emergency_warrant()
    auth_id, task_id = _ids(message)
    _apply(book, data)
    later = NOW + timedelta(hours=1)
    confirm = _update(AuthorisationObject(object_identifier=auth_id,
                                          status=AuthorisationStatus.APPROVED.entry),
                      now=later, approval=_judge(later))
    result = _apply(book, confirm, later)
    assert isinstance(result.responses[0].result, UPDATEResponse), result.responses
    # a new generation (the judge's approval): the task keeps running, modified at most
    assert [n.kind for n in result.notifications] in ([], ["liModified"])
    assert book.entry(auth_id).generation == 2  # type: ignore[union-attr]
    assert book.entry(auth_id).status == "Approved"  # type: ignore[union-attr]
    assert book.audit(auth_id)[-1].event == "CONFIRM"
    assert book.tick(NOW + timedelta(hours=HOURS + 1)) == ()
    assert book.entry(task_id).status == "Active"  # type: ignore[union-attr]


@pytest.mark.parametrize("approval", [None, "emergency"], ids=["no-approval", "emergency-only"])
def test_approved_needs_a_new_non_emergency_approval(book: WarrantBook,
                                                     approval: str | None) -> None:
    message, data = _emergency_warrant()
    auth_id, _ = _ids(message)
    _apply(book, data)
    later = NOW + timedelta(hours=1)
    confirm = _update(AuthorisationObject(object_identifier=auth_id,
                                          status=AuthorisationStatus.APPROVED.entry),
                      now=later,
                      approval=None if approval is None else _judge(later, emergency=True))
    checked = _check(confirm, later, book)
    rule = "approval" if approval is None else "authorisation-status"
    assert rule in {r.rule for r in checked.failures()}, checked.table()
    reason = next(r.reason for r in checked.failures() if r.rule == rule)
    assert (reason == "AuthorisationApprovalDetails: none given" if approval is None
            else "AuthorisationStatus: Approved needs a verified approval that is not an "
                 "emergency one" in reason)
    result = book.apply(confirm, checked, now=later)
    assert isinstance(result.responses[0].result, ErrorInformation)
    assert book.entry(auth_id).status == "EmergencyApproval"  # type: ignore[union-attr]


# -- Suspended ---------------------------------------------------------------------------------


def test_suspending_the_authorisation_stops_its_tasks_and_resuming_restarts_them(
        book: WarrantBook) -> None:
    warrant = make_warrant()
    auth_id, task_id = _ids(warrant.message)
    _apply(book, warrant.signed)
    suspend = _update(_desired(AuthorisationObject, auth_id, "Suspended"))
    result = _apply(book, suspend)
    assert isinstance(result.responses[0].result, UPDATEResponse)
    assert [(n.kind, n.task) for n in result.notifications] == [("liDeactivated", task_id)]
    assert book.entry(auth_id).status == "Suspended"  # type: ignore[union-attr]
    assert book.entry(task_id).status == "Suspended"  # type: ignore[union-attr]
    assert book.entry(auth_id).generation == 1  # a status change is no new generation  # type: ignore[union-attr]
    assert auth_id not in book.valid_authorisations(NOW)
    assert book.tick(NOW + timedelta(hours=1)) == ()  # stays suspended
    later = NOW + timedelta(hours=1)
    resume = _update(_desired(AuthorisationObject, auth_id, "Approved"), now=later,
                     approval=_judge(later))
    result = _apply(book, resume, later)
    assert isinstance(result.responses[0].result, UPDATEResponse), result.responses
    assert [(n.kind, n.task) for n in result.notifications] == [("liActivated", task_id)]
    assert book.entry(task_id).status == "Active"  # type: ignore[union-attr]
    events = [a.event for a in book.audit(auth_id)]
    assert events.index("SUSPEND") < events.index("RESUME") == len(events) - 1


def test_a_task_suspended_on_its_own_stays_suspended_when_its_authorisation_resumes(
        book: WarrantBook) -> None:
    warrant = make_warrant()
    auth_id, task_id = _ids(warrant.message)
    _apply(book, warrant.signed)
    result = _apply(book, _update(_desired(LITaskObject, task_id, "Suspended",
                                           associated_objects=(auth_id,))))
    assert [n.kind for n in result.notifications] == ["liDeactivated"]
    _apply(book, _update(_desired(AuthorisationObject, auth_id, "Suspended")))
    result = _apply(book, _update(_desired(AuthorisationObject, auth_id, "Approved"),
                                  approval=_judge(NOW)))
    assert result.notifications == ()
    assert book.entry(task_id).status == "Suspended"  # type: ignore[union-attr]
    result = _apply(book, _update(_desired(LITaskObject, task_id, "Active",
                                           associated_objects=(auth_id,))))
    assert isinstance(result.responses[0].result, UPDATEResponse), result.responses
    assert [n.kind for n in result.notifications] == ["liActivated"]
    assert book.entry(task_id).status == "Active"  # type: ignore[union-attr]


def test_suspended_objects_expire_at_their_end_time(book: WarrantBook) -> None:
    warrant = make_warrant(end=NOW + timedelta(hours=1))
    auth_id, task_id = _ids(warrant.message)
    _apply(book, warrant.signed)
    _apply(book, _update(_desired(AuthorisationObject, auth_id, "Suspended")))
    assert book.tick(NOW + timedelta(hours=1)) == ()  # nothing was active: no notification
    assert book.entry(auth_id).status == "Expired"  # type: ignore[union-attr]
    assert book.entry(task_id).status == "Expired"  # type: ignore[union-attr]


def test_cancelling_a_suspended_authorisation_cancels_its_suspended_tasks(
        book: WarrantBook) -> None:
    warrant = make_warrant()
    auth_id, task_id = _ids(warrant.message)
    _apply(book, warrant.signed)
    _apply(book, _update(_desired(AuthorisationObject, auth_id, "Suspended")))
    result = _apply(book, _update(_desired(AuthorisationObject, auth_id, "Cancelled")))
    assert isinstance(result.responses[0].result, UPDATEResponse)
    assert book.entry(task_id).status == "Cancelled"  # type: ignore[union-attr]


# -- unsupported transitions -------------------------------------------------------------------


def test_an_update_to_an_unrequestable_authorisation_status_is_refused_by_check(
        book: WarrantBook) -> None:
    warrant = make_warrant()
    auth_id, _ = _ids(warrant.message)
    _apply(book, warrant.signed)
    data = _update(_desired(AuthorisationObject, auth_id, "Rejected"))
    checked = _check(data, NOW, book)
    failure = next(r for r in checked.failures() if r.rule == "authorisation-status")
    assert failure.reason.startswith("AuthorisationDesiredStatus: Rejected is not accepted")
    result = book.apply(data, checked, now=NOW)
    assert isinstance(result.responses[0].result, ErrorInformation)
    assert result.responses[0].result.code == 4001
    assert book.entry(auth_id).status == "Approved"  # type: ignore[union-attr]


@pytest.mark.parametrize(("kind", "value"), [("task", "Expired"), ("task", "Rejected"),
                                             ("task", "AwaitingApproval"),
                                             ("authorisation", "EmergencyApproval")])
def test_an_unsupported_transition_is_refused_by_the_book(book: WarrantBook, kind: str,
                                                          value: str) -> None:
    if kind == "authorisation":
        message, data = _emergency_warrant()
        auth_id, task_id = _ids(message)
        _apply(book, data)
        _apply(book, _update(_desired(AuthorisationObject, auth_id, "Suspended")))
        # Suspended back to EmergencyApproval: only Approved resumes
        update = _update(_desired(AuthorisationObject, auth_id, value),
                         approval=_judge(NOW, emergency=True))
        field, current, identifier = "AuthorisationDesiredStatus", "Suspended", auth_id
    else:
        warrant = make_warrant()
        auth_id, task_id = _ids(warrant.message)
        _apply(book, warrant.signed)
        update = _update(_desired(LITaskObject, task_id, value, associated_objects=(auth_id,)))
        field, current, identifier = "DesiredStatus", "Active", task_id
    result = _apply(book, update)
    answer = result.responses[0].result
    assert isinstance(answer, ErrorInformation)
    assert answer.code == 6005
    assert f"{field}: {current} to {value} is not a supported transition" in answer.description
    assert book.entry(identifier).status == current  # type: ignore[union-attr]
    assert result.notifications == ()


# -- property --------------------------------------------------------------------------------

_STEPS = st.one_of(st.tuples(st.just("tick"), st.integers(1, 600)),
                   st.sampled_from([("suspend-authorisation", 0), ("resume-authorisation", 0),
                                    ("suspend-task", 0), ("resume-task", 0)]))


@settings(max_examples=10, deadline=None)
@given(steps=st.lists(_STEPS, max_size=6))
def test_property_suspensions_keep_the_notifications_balanced(
        steps: list[tuple[str, int]]) -> None:
    """Whatever the suspensions, resumptions and ticks (with an emergency window that may
    lapse): an Active task has a usable authorisation, and activations minus deactivations
    is 1 exactly while it is Active."""
    message, data = _emergency_warrant()
    auth_id, task_id = _ids(message)
    with tempfile.TemporaryDirectory() as folder, \
            WarrantBook(os.path.join(folder, "book.db")) as book:
        notes = list(_apply(book, data).notifications)
        now = NOW
        for step, value in steps:
            if step == "tick":
                now += timedelta(minutes=value)
                notes += book.tick(now)
                continue
            kind, identifier = ((AuthorisationObject, auth_id) if step.endswith("authorisation")
                                else (LITaskObject, task_id))
            wanted = ("Suspended" if step.startswith("suspend") else
                      "Approved" if kind is AuthorisationObject else "Active")
            more = {} if kind is AuthorisationObject else {"associated_objects": (auth_id,)}
            approval = _judge(now) if kind is AuthorisationObject and wanted == "Approved" \
                else None
            notes += _apply(book, _update(_desired(kind, identifier, wanted, **more), now=now,
                                          approval=approval), now).notifications
            task, auth = book.entry(task_id), book.entry(auth_id)
            assert task is not None and auth is not None
            active = task.status == "Active"
            if active:
                assert auth.status in ("Approved", "EmergencyApproval")
                if auth.status == "EmergencyApproval":
                    assert now < NOW + timedelta(hours=HOURS)
            kinds = [n.kind for n in notes]
            assert kinds.count("liActivated") - kinds.count("liDeactivated") == int(active)
        assert book.verify_audit() == len(book.audit())
