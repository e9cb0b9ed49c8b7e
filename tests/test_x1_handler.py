"""The NE/MF side of X1 (ETSI TS 103 221-1 clauses 6.2 to 6.8), sans-IO: every request gets
its response or the schema's ErrorResponse; the task and destination tables follow."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from _x1_support import DESTINATION, DID, HEADER, REQUESTS, T0, TASK, XID

from lawful_intercept.x1 import (
    ActivateTaskRequest,
    CreateDestinationRequest,
    DeactivateAllTasksRequest,
    DeactivateTaskRequest,
    ErrorResponse,
    GenericObjectRequest,
    GetAllDestinationDetailsRequest,
    GetAllDestinationDetailsResponse,
    GetAllDetailsRequest,
    GetAllDetailsResponse,
    GetAllTaskDetailsRequest,
    GetAllTaskDetailsResponse,
    GetDestinationDetailsRequest,
    GetDestinationDetailsResponse,
    GetNEStatusRequest,
    GetNEStatusResponse,
    GetTaskDetailsRequest,
    GetTaskDetailsResponse,
    KeepaliveRequest,
    ListAllDetailsRequest,
    ListAllDetailsResponse,
    ModifyDestinationRequest,
    ModifyTaskRequest,
    OKResponse,
    PingRequest,
    RemoveAllDestinationsRequest,
    RemoveDestinationRequest,
    ReportNEIssueRequest,
    TopLevelErrorResponse,
    X1ErrorCode,
    X1Handler,
    X1Request,
    X1Response,
    parse_message,
    write_message,
)


def _handler(**options: Any) -> tuple[X1Handler, list[tuple[str, UUID]]]:
    events: list[tuple[str, UUID]] = []
    handler = X1Handler("NE-1", clock=lambda: T0,
                        on_task=lambda event, task: events.append((event, task.xid)), **options)
    return handler, events


def _h() -> Any:
    return dataclasses.replace(HEADER, x1_transaction_id=uuid4())


def _error(response: Any, code: X1ErrorCode) -> None:
    assert isinstance(response, ErrorResponse), response
    assert response.error.code == code


def test_task_life_cycle() -> None:
    handler, events = _handler()
    assert isinstance(handler.respond(CreateDestinationRequest(_h(), DESTINATION)), OKResponse)
    request = ActivateTaskRequest(_h(), TASK)
    response = handler.respond(request)
    assert isinstance(response, OKResponse) and response.message_type == "ActivateTask"
    assert response.header.x1_transaction_id == request.header.x1_transaction_id
    assert response.header.ne_identifier == "NE-1"
    assert handler.tasks == {XID: TASK}

    details = handler.respond(GetTaskDetailsRequest(_h(), XID))
    assert isinstance(details, GetTaskDetailsResponse) and details.details.task == TASK
    assert details.details.status.provisioning_status == "complete"

    modified = dataclasses.replace(TASK, delivery_type="X2Only")
    assert isinstance(handler.respond(ModifyTaskRequest(_h(), modified)), OKResponse)
    again = handler.respond(GetTaskDetailsRequest(_h(), XID))
    assert isinstance(again, GetTaskDetailsResponse)
    assert again.details.task.delivery_type == "X2Only"
    assert again.details.status.number_of_modifications == 1

    assert isinstance(handler.respond(DeactivateTaskRequest(_h(), XID)), OKResponse)
    assert handler.tasks == {}
    assert events == [("activated", XID), ("modified", XID), ("deactivated", XID)]


def test_unknown_xid_and_did_get_errors() -> None:
    handler, events = _handler()
    other = uuid4()
    _error(handler.respond(DeactivateTaskRequest(_h(), other)), X1ErrorCode.XID_DOES_NOT_EXIST)
    _error(handler.respond(GetTaskDetailsRequest(_h(), other)), X1ErrorCode.XID_DOES_NOT_EXIST)
    _error(handler.respond(ModifyTaskRequest(_h(), TASK)), X1ErrorCode.XID_DOES_NOT_EXIST)
    _error(handler.respond(RemoveDestinationRequest(_h(), other)),
           X1ErrorCode.DID_DOES_NOT_EXIST)
    _error(handler.respond(GetDestinationDetailsRequest(_h(), other)),
           X1ErrorCode.DID_DOES_NOT_EXIST)
    _error(handler.respond(ModifyDestinationRequest(_h(), DESTINATION)),
           X1ErrorCode.DID_DOES_NOT_EXIST)
    # a task naming a destination that does not exist is refused, and nothing changes
    response = handler.respond(ActivateTaskRequest(_h(), TASK))
    _error(response, X1ErrorCode.DID_DOES_NOT_EXIST)
    assert isinstance(response, ErrorResponse)
    assert response.request_message_type == "ActivateTask"
    assert str(DID) in response.error.description
    assert handler.tasks == {} and events == []


def test_duplicates_and_destinations_in_use_are_refused() -> None:
    handler, _ = _handler()
    handler.respond(CreateDestinationRequest(_h(), DESTINATION))
    _error(handler.respond(CreateDestinationRequest(_h(), DESTINATION)),
           X1ErrorCode.DID_ALREADY_EXISTS)
    handler.respond(ActivateTaskRequest(_h(), TASK))
    _error(handler.respond(ActivateTaskRequest(_h(), TASK)), X1ErrorCode.XID_ALREADY_EXISTS)
    _error(handler.respond(RemoveDestinationRequest(_h(), DID)), X1ErrorCode.DID_IN_USE)
    _error(handler.respond(RemoveAllDestinationsRequest(_h())), X1ErrorCode.DID_IN_USE)
    assert set(handler.destinations) == {DID}
    handler.respond(DeactivateAllTasksRequest(_h()))
    assert isinstance(handler.respond(RemoveAllDestinationsRequest(_h())), OKResponse)
    assert handler.destinations == {}


def test_a_destination_that_cannot_take_the_delivery_type_is_refused() -> None:
    handler, _ = _handler()
    handler.respond(CreateDestinationRequest(_h(), dataclasses.replace(
        DESTINATION, delivery_type="X3Only")))
    _error(handler.respond(ActivateTaskRequest(_h(), dataclasses.replace(
        TASK, delivery_type="X2Only"))), X1ErrorCode.INVALID_TASK)


def test_status_and_listing_requests() -> None:
    handler, _ = _handler()
    handler.respond(CreateDestinationRequest(_h(), DESTINATION))
    handler.respond(ActivateTaskRequest(_h(), TASK))
    status = handler.respond(GetNEStatusRequest(_h()))
    assert isinstance(status, GetNEStatusResponse) and status.status.status == "OK"
    everything = handler.respond(GetAllDetailsRequest(_h()))
    assert isinstance(everything, GetAllDetailsResponse)
    assert [t.task for t in everything.tasks] == [TASK]
    assert [d.destination for d in everything.destinations] == [DESTINATION]
    listing = handler.respond(ListAllDetailsRequest(_h()))
    assert isinstance(listing, ListAllDetailsResponse)
    assert listing.xids == (XID,) and listing.dids == (DID,)
    tasks = handler.respond(GetAllTaskDetailsRequest(_h()))
    assert isinstance(tasks, GetAllTaskDetailsResponse) and tasks.tasks is not None
    destinations = handler.respond(GetAllDestinationDetailsRequest(_h()))
    assert isinstance(destinations, GetAllDestinationDetailsResponse)
    one = handler.respond(GetDestinationDetailsRequest(_h(), DID))
    assert isinstance(one, GetDestinationDetailsResponse)
    assert one.details.status.delivery_status == "activeAndWorking"


def test_ping_keepalive_reports_and_generic_objects() -> None:
    handler, _ = _handler()
    ping = PingRequest(_h())
    assert handler.respond(ping) == OKResponse("Ping", dataclasses.replace(
        ping.header, ne_identifier="NE-1", message_timestamp=T0))
    assert isinstance(handler.respond(KeepaliveRequest(_h())), OKResponse)
    report = ReportNEIssueRequest(_h(), "Warning", "fan")
    assert isinstance(handler.respond(report), OKResponse)
    assert handler.reports == [report]
    response = handler.respond(GenericObjectRequest("CreateObject", _h()))
    _error(response, X1ErrorCode.REQUEST_NOT_SUPPORTED)
    assert isinstance(response, ErrorResponse)
    assert response.request_message_type == "CreateObject"


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: type(r).__name__ + getattr(
    r, "message_type", ""))
def test_every_request_gets_a_response_that_writes(request_: Any) -> None:
    handler, _ = _handler()
    response = handler.respond(request_)
    assert response.header.x1_transaction_id == request_.header.x1_transaction_id
    write_message(X1Response((response,)))


def test_handle_bytes_answers_each_message_in_order() -> None:
    handler, _ = _handler()
    data = write_message(X1Request((CreateDestinationRequest(_h(), DESTINATION),
                                    ActivateTaskRequest(_h(), TASK),
                                    GetTaskDetailsRequest(_h(), uuid4()))))
    answer = parse_message(handler.handle(data))
    assert isinstance(answer, X1Response)
    kinds = [type(m).__name__ for m in answer.messages]
    assert kinds == ["OKResponse", "OKResponse", "ErrorResponse"]


def test_one_broken_message_gets_an_error_response_and_the_others_are_answered() -> None:
    handler, _ = _handler()
    data = write_message(X1Request((PingRequest(_h()), DeactivateTaskRequest(_h(), XID))))
    broken = data.replace(str(XID).encode(), b"not-a-uuid")
    answer = parse_message(handler.handle(broken))
    assert isinstance(answer, X1Response)
    first, second = answer.messages
    assert isinstance(first, OKResponse)
    _error(second, X1ErrorCode.INVALID_REQUEST)
    assert isinstance(second, ErrorResponse)
    assert second.request_message_type == "DeactivateTask"
    assert "xId" in second.error.description


@pytest.mark.parametrize("data", [
    b"", b"<x/>", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    b'<x1:X1Response xmlns:x1="http://uri.etsi.org/03221/X1/2017/10"/>',
    b'<x1:X1Request xmlns:x1="http://uri.etsi.org/03221/X1/2017/10"><x1:x1RequestMessage/>'
    b"</x1:X1Request>",
], ids=["empty", "foreign", "entity", "response", "no-header"])
def test_unreadable_posts_get_the_top_level_error(data: bytes) -> None:
    handler, _ = _handler()
    answer = parse_message(handler.handle(data))
    assert isinstance(answer, TopLevelErrorResponse)
    assert answer.ne_identifier == "NE-1"


def test_only_known_admfs_may_task() -> None:
    handler, _ = _handler(admf_identifiers=frozenset({"ADMF-A"}))
    _error(handler.respond(PingRequest(_h())), X1ErrorCode.INVALID_REQUEST)
    allowed = dataclasses.replace(_h(), admf_identifier="ADMF-A")
    assert isinstance(handler.respond(PingRequest(allowed)), OKResponse)


def test_implicit_deactivation_without_keepalive() -> None:
    now = [T0]
    events: list[tuple[str, UUID]] = []
    handler = X1Handler("NE-1", clock=lambda: now[0], keepalive_timeout=timedelta(minutes=5),
                        on_task=lambda event, task: events.append((event, task.xid)))
    handler.respond(CreateDestinationRequest(_h(), DESTINATION))
    lasting = dataclasses.replace(TASK, xid=uuid4(), implicit_deactivation_allowed=False)
    ending = dataclasses.replace(TASK, implicit_deactivation_allowed=True)
    handler.respond(ActivateTaskRequest(_h(), lasting))
    handler.respond(ActivateTaskRequest(_h(), ending))
    assert handler.expire(T0 + timedelta(minutes=4)) == []
    now[0] = T0 + timedelta(minutes=3)
    handler.respond(KeepaliveRequest(_h()))
    assert handler.expire(T0 + timedelta(minutes=7)) == []
    assert handler.expire(T0 + timedelta(minutes=9)) == [ending]
    assert set(handler.tasks) == {lasting.xid}
    assert events[-1] == ("deactivated", ending.xid)


def test_mediation_destinations_must_exist_and_are_in_use() -> None:
    from _x1_support import DID as LEMF_DID

    handler, _ = _handler()
    mf = dataclasses.replace(DESTINATION, did=uuid4())
    handler.respond(CreateDestinationRequest(_h(), mf))
    task = dataclasses.replace(TASK, dids=(mf.did,))  # MediationDetails still names LEMF_DID
    response = handler.respond(ActivateTaskRequest(_h(), task))
    _error(response, X1ErrorCode.DID_DOES_NOT_EXIST)
    assert isinstance(response, ErrorResponse)
    assert "mediationDetails[0]" in response.error.description
    handler.respond(CreateDestinationRequest(_h(), DESTINATION))
    assert isinstance(handler.respond(ActivateTaskRequest(_h(), task)), OKResponse)
    _error(handler.respond(RemoveDestinationRequest(_h(), LEMF_DID)), X1ErrorCode.DID_IN_USE)
