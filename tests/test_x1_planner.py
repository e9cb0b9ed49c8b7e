"""The ADMF side of X1: validated LITasks (TS 103 120) → X1 requests (TS 103 221-1
clauses 6.2, 6.3), reconciled against what the NE confirmed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.warrants import (
    TARGET_FORMATS,
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    DictionaryEntry,
    IPAddressPort,
    LITaskObject,
    TargetIdentifierValue,
    TaskTimespan,
)
from lawful_intercept.x1 import (
    DELIVERY_TYPES,
    HI1_TARGET_FORMATS,
    ActivateTaskRequest,
    CreateDestinationRequest,
    DeactivateTaskRequest,
    ErrorInformation,
    ErrorResponse,
    ModifyTaskRequest,
    OKResponse,
    RemoveDestinationRequest,
    X1Handler,
    X1Planner,
    X1Request,
    X1Response,
    parse_message,
    write_message,
    x1_target,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
LEMF = DeliveryDestination(DeliveryAddress("IPAddressPort", IPAddressPort("192.0.2.10", 6001)))
MF = IPAddressPort("192.0.2.20", 4443)


def _task(**changes: Any) -> LITaskObject:
    task = LITaskObject(
        object_identifier="2b36a78b-b628-416d-bd22-404e68a0cd36", generation=1,
        reference="LIID-1",
        targets=(TargetIdentifierValue("ETSI", "InternationalE164", "442079460223"),),
        delivery_type=DeliveryType.IRI_AND_CC.entry, delivery_details=(LEMF,),
        timespan=TaskTimespan(start_time=NOW - timedelta(hours=1),
                              end_time=NOW + timedelta(days=1)))
    return dataclasses.replace(task, **changes)


def _counter() -> Any:
    numbers = iter(range(1, 10**6))
    return lambda: UUID(int=next(numbers))


def _run(planner: X1Planner, ne: X1Handler, tasks: list[LITaskObject],
         now: datetime = NOW) -> list[str]:
    sent = []
    for request in planner.plan(tasks, now):
        answer = parse_message(ne.handle(write_message(X1Request((request,)))))
        assert isinstance(answer, X1Response)
        planner.confirm(request, answer.messages[0])
        sent.append(type(request).__name__)
    return sent


def test_target_format_mapping() -> None:
    assert x1_target("ETSI", "InternationalE164", "442079460223").kind == "e164Number"
    assert x1_target("ETSI", "SIPURI", "sip:alice@example.net").kind == "sipUri"
    assert x1_target("ETSI", "IPv4Address", "192.0.2.1").kind == "ipv4Address"
    assert x1_target("ETSI", "IMSI", "234150999999999").kind == "imsi"
    assert x1_target("ETSI", "IMEI", "35209900176148").kind == "imei"
    assert x1_target("ETSI", "EmailAddress", "a@example.net").kind == "emailAddress"
    with pytest.raises(ValueError, match="no X1 TargetIdentifier kind"):
        x1_target("XX", "Custom", "1")
    with pytest.raises(ValueError, match="InternationalE164"):
        x1_target("ETSI", "InternationalE164", "+44")


def test_every_hi1_target_format_the_warrants_know_is_mapped() -> None:
    missing = set(TARGET_FORMATS) - set(HI1_TARGET_FORMATS)
    assert not missing


def test_delivery_type_mapping() -> None:
    assert DELIVERY_TYPES == {"IRIOnly": "X2Only", "CCOnly": "X3Only", "IRIandCC": "X2andX3"}
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    for hi1, x1 in DELIVERY_TYPES.items():
        details, _ = planner.task_details(_task(delivery_type=DictionaryEntry(
            "ETSI", "TaskDeliveryType", hi1)))
        assert details.delivery_type == x1
        assert details.mediation_details is not None
        assert details.mediation_details[0].delivery_type == {
            "X2Only": "HI2Only", "X3Only": "HI3Only", "X2andX3": "HI2andHI3"}[x1]


def test_task_details_carry_what_the_mediation_function_needs() -> None:
    planner = X1Planner("ADMF", "NE", x2x3_destination=MF, new_uuid=_counter())
    task = _task()
    details, destinations = planner.task_details(task)
    assert details.xid == planner.xids[task.object_identifier]
    assert [t.kind for t in details.targets] == ["e164Number"]
    mf, lemf = destinations
    assert details.dids == (mf.did,)  # the NE sends X2/X3 to the MF
    assert mf.address.value == MF
    (mediation,) = details.mediation_details or ()
    assert mediation.liid == "LIID-1"
    assert mediation.dids == (lemf.did,)  # the MF hands over to the LEMF
    assert lemf.address.value == IPAddressPort("192.0.2.10", 6001)
    assert task.timespan is not None
    assert (mediation.start_time, mediation.end_time) == (task.timespan.start_time,
                                                         task.timespan.end_time)
    # the same task maps to the same XID and DIDs every time
    assert planner.task_details(task) == (details, destinations)


def test_life_cycle_against_the_handler() -> None:
    planner = X1Planner("ADMF", "NE", x2x3_destination=MF, new_uuid=_counter())
    ne = X1Handler("NE")
    task = _task()
    assert _run(planner, ne, [task]) == ["CreateDestinationRequest",
                                         "CreateDestinationRequest", "ActivateTaskRequest"]
    xid = planner.xids[task.object_identifier]
    assert set(ne.tasks) == {xid}
    assert _run(planner, ne, [task]) == []  # nothing changed, nothing sent

    renewed = _task(generation=2, targets=(
        TargetIdentifierValue("ETSI", "SIPURI", "sip:alice@example.net"),))
    assert _run(planner, ne, [renewed]) == ["ModifyTaskRequest"]
    assert ne.tasks[xid].targets[0].kind == "sipUri"
    assert planner.provisioned[task.object_identifier].generation == 2

    cancelled = dataclasses.replace(renewed, status=DictionaryEntry("ETSI", "TaskStatus",
                                                                    "Cancelled"))
    assert _run(planner, ne, [cancelled]) == ["DeactivateTaskRequest",
                                              "RemoveDestinationRequest",
                                              "RemoveDestinationRequest"]
    assert ne.tasks == {} and ne.destinations == {}
    assert planner.provisioned == {} and planner.destinations == {}


def test_expiry_and_start_follow_the_timespan() -> None:
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    ne = X1Handler("NE")
    later = _task(timespan=TaskTimespan(start_time=NOW + timedelta(hours=1),
                                        end_time=NOW + timedelta(hours=2)))
    assert _run(planner, ne, [later], NOW) == []
    assert "ActivateTaskRequest" in _run(planner, ne, [later], NOW + timedelta(hours=1))
    assert _run(planner, ne, [later], NOW + timedelta(hours=2)) == [
        "DeactivateTaskRequest", "RemoveDestinationRequest"]
    terminated = _task(timespan=TaskTimespan(end_time=NOW + timedelta(days=1),
                                             termination_time=NOW))
    assert _run(planner, ne, [terminated], NOW) == []


def test_a_task_dropped_from_the_book_is_deactivated() -> None:
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    ne = X1Handler("NE")
    _run(planner, ne, [_task()])
    assert _run(planner, ne, []) == ["DeactivateTaskRequest", "RemoveDestinationRequest"]


def test_only_an_ok_answer_changes_what_is_provisioned() -> None:
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    requests = planner.plan([_task()], NOW)
    create, activate = requests
    assert isinstance(create, CreateDestinationRequest)
    assert isinstance(activate, ActivateTaskRequest)
    refused = ErrorResponse(activate.header, "ActivateTask", ErrorInformation(1, "no"))
    assert planner.confirm(activate, refused) is False
    wrong_transaction = OKResponse("ActivateTask", create.header)
    assert planner.confirm(activate, wrong_transaction) is False
    assert planner.provisioned == {}
    again = planner.plan([_task()], NOW)
    assert [type(r) for r in again] == [CreateDestinationRequest, ActivateTaskRequest]
    assert again[1].task.xid == activate.task.xid  # type: ignore[union-attr]
    assert planner.confirm(again[0], OKResponse("CreateDestination", again[0].header))
    assert planner.confirm(again[1], OKResponse("ActivateTask", again[1].header))
    assert [type(r) for r in planner.plan([_task(generation=5)], NOW)] == [ModifyTaskRequest]
    assert [type(r) for r in planner.plan([], NOW)] == [DeactivateTaskRequest,
                                                        RemoveDestinationRequest]


@pytest.mark.parametrize(("changes", "message"), [
    ({"targets": ()}, "at least one target"),
    ({"targets": (TargetIdentifierValue("XX", "Foo", "1"),)}, "no X1 TargetIdentifier"),
    ({"delivery_type": DictionaryEntry("ETSI", "TaskDeliveryType", "HI3")}, "deliveryType"),
    ({"reference": "L" * 30}, "LIID"),
    ({"delivery_details": (DeliveryDestination(DeliveryAddress("FQDN", "lemf.example")),)},
     "no X1 DeliveryAddress"),
    ({"delivery_details": (DeliveryDestination(),)}, "needs an address"),
])
def test_unmappable_tasks_are_refused_naming_the_field(changes: dict[str, Any],
                                                       message: str) -> None:
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    with pytest.raises(ValueError, match=message):
        planner.plan([_task(**changes)], NOW)


_e164 = st.text("0123456789", min_size=1, max_size=15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.lists(_e164, min_size=1, max_size=3),
                          st.booleans()), min_size=1, max_size=6))
def test_the_ne_ends_up_running_exactly_the_live_tasks(steps: list[Any]) -> None:
    planner = X1Planner("ADMF", "NE", x2x3_destination=MF, new_uuid=_counter())
    ne = X1Handler("NE")
    for generation, numbers, cancelled in steps:
        task = _task(generation=generation, targets=tuple(
            TargetIdentifierValue("ETSI", "InternationalE164", n) for n in numbers),
            status=DictionaryEntry("ETSI", "TaskStatus", "Cancelled") if cancelled else None)
        _run(planner, ne, [task])
        if cancelled:
            assert ne.tasks == {} and ne.destinations == {}
        else:
            (running,) = ne.tasks.values()
            assert [t.value for t in running.targets] == numbers
            (mediation,) = running.mediation_details or ()
            assert set(ne.destinations) == {*running.dids, *(mediation.dids or ())}
        assert planner.plan([task], NOW) == []


def test_keepalive_is_answered() -> None:
    planner = X1Planner("ADMF", "NE", new_uuid=_counter())
    request = planner.keepalive(NOW)
    answer = X1Handler("NE").respond(request)
    assert isinstance(answer, OKResponse) and answer.message_type == "Keepalive"
    assert answer.header.x1_transaction_id == request.header.x1_transaction_id
