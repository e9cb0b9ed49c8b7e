"""Which xsi:type is which X1 message (TS 103 221-1 clause 6 and Annex C), with the elements
that follow the common fields of clause 6.1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _model as model
from ._specs import Field, Item, ok_type
from ._types import INTEGER, TEXT, TIME, TOKEN, UUID_TYPE, VERSION, enumeration

__all__ = ["HEADER", "MESSAGES", "MESSAGE_KINDS", "REQUEST_MESSAGE_TYPES", "MessageKind", "kind_of",
           "message_kind"]

HEADER = (Field("admfIdentifier", "admf_identifier", TOKEN),
          Field("neIdentifier", "ne_identifier", TOKEN),
          Field("messageTimestamp", "message_timestamp", TIME),
          Field("version", "version", VERSION),
          Field("x1TransactionId", "x1_transaction_id", UUID_TYPE))
"""The common fields of every message (clause 6.1), in order (X1Header)."""

REQUEST_MESSAGE_TYPES = (
    "ActivateTask", "ModifyTask", "DeactivateTask", "DeactivateAllTasks", "GetTaskDetails",
    "CreateDestination", "ModifyDestination", "RemoveDestination", "RemoveAllDestinations",
    "GetDestinationDetails", "GetNEStatus", "GetAllDetails", "GetAllTaskDetails",
    "GetAllDestinationDetails", "GetAllGenericObjectDetails", "ListAllDetails",
    "ReportTaskIssue", "ReportDestinationIssue", "ReportNEIssue", "Ping", "Keepalive",
    "CreateObject", "ModifyObject", "GetObject", "DeleteObject", "ListObjectsOfType",
    "DeleteAllObjects", "ExtendedRequestMessageType")
"""The RequestMessageType enumeration (clause 6.7)."""


@dataclass(frozen=True)
class MessageKind:
    """One xsi:type: the model class, the elements after the header, and for
    :class:`OKResponse` and the generic-object classes the message type it carries
    (``message_type``); ``raw_body`` keeps the body verbatim."""

    xsi_type: str
    cls: type
    body: tuple[Field, ...] = ()
    message_type: str | None = None
    raw_body: bool = False
    request: bool = True


_REPORT = enumeration("TaskReportType", "AllClear", "Warning", "NonTerminatingFault",
                      "TerminatingFault", "ImplicitDeactivation", "FullyActionedAndSuccessful",
                      "FullyActionedAndUnsuccessful")
_XID = (Field("xId", "xid", UUID_TYPE),)
_DID = (Field("dId", "did", UUID_TYPE),)
_TASK = (Field("taskDetails", "task", model.TaskDetails),)
_DESTINATION = (Field("destinationDetails", "destination", model.DestinationDetails),)
_TASKS = Item("taskResponseDetails", "tasks", model.TaskResponseDetails)
_DESTINATIONS = Item("destinationResponseDetails", "destinations", model.DestinationResponseDetails)

_REQUESTS: tuple[MessageKind, ...] = (
    MessageKind("ActivateTaskRequest", model.ActivateTaskRequest, _TASK),
    MessageKind("ModifyTaskRequest", model.ModifyTaskRequest, _TASK),
    MessageKind("DeactivateTaskRequest", model.DeactivateTaskRequest, _XID),
    MessageKind("DeactivateAllTasksRequest", model.DeactivateAllTasksRequest),
    MessageKind("CreateDestinationRequest", model.CreateDestinationRequest, _DESTINATION),
    MessageKind("ModifyDestinationRequest", model.ModifyDestinationRequest, _DESTINATION),
    MessageKind("RemoveDestinationRequest", model.RemoveDestinationRequest, _DID),
    MessageKind("RemoveAllDestinationsRequest", model.RemoveAllDestinationsRequest),
    MessageKind("GetTaskDetailsRequest", model.GetTaskDetailsRequest, _XID),
    MessageKind("GetDestinationDetailsRequest", model.GetDestinationDetailsRequest, _DID),
    MessageKind("GetNEStatusRequest", model.GetNEStatusRequest),
    MessageKind("GetAllDetailsRequest", model.GetAllDetailsRequest),
    MessageKind("ListAllDetailsRequest", model.ListAllDetailsRequest),
    MessageKind("GetAllTaskDetailsRequest", model.GetAllTaskDetailsRequest),
    MessageKind("GetAllDestinationDetailsRequest", model.GetAllDestinationDetailsRequest),
    MessageKind("ReportTaskIssueRequest", model.ReportTaskIssueRequest, (
        *_XID, Field("taskReportType", "report_type", _REPORT),
        Field("taskIssueErrorCode", "error_code", INTEGER, "?"),
        Field("taskIssueDetails", "details", TEXT, "?"))),
    MessageKind("ReportDestinationIssueRequest", model.ReportDestinationIssueRequest, (
        *_DID, Field("destinationReportType", "report_type", _REPORT),
        Field("destinationIssueErrorCode", "error_code", INTEGER, "?"),
        Field("destinationIssueDetails", "details", TEXT, "?"))),
    MessageKind("ReportNEIssueRequest", model.ReportNEIssueRequest, (
        Field("typeOfNeIssueMessage", "issue_type",
              enumeration("TypeOfNeIssueMessage", "Warning", "FaultCleared", "FaultReport",
                          "Alert")),
        Field("description", "description", TEXT),
        Field("issueCode", "issue_code", INTEGER, "?"))),
    MessageKind("PingRequest", model.PingRequest),
    MessageKind("KeepaliveRequest", model.KeepaliveRequest),
    *(MessageKind(f"{name}Request", model.GenericObjectRequest, message_type=name, raw_body=True)
      for name in model.GENERIC_OBJECT_OPERATIONS),
)

_OK_RESPONSES = ("ActivateTask", "ModifyTask", "DeactivateTask", "DeactivateAllTasks",
                 "CreateDestination", "ModifyDestination", "RemoveDestination",
                 "RemoveAllDestinations", "ReportTaskIssue", "ReportDestinationIssue",
                 "ReportNEIssue", "Ping", "Keepalive", "CreateObject", "ModifyObject",
                 "DeleteObject", "DeleteAllObjects")

_RESPONSES: tuple[MessageKind, ...] = (
    *(MessageKind(f"{name}Response", model.OKResponse,
                  (Field("oK", "ok", ok_type(name == "ReportNEIssue")),), message_type=name,
                  request=False)
      for name in _OK_RESPONSES),
    MessageKind("ErrorResponse", model.ErrorResponse, (
        Field("requestMessageType", "request_message_type",
              enumeration("RequestMessageType", *REQUEST_MESSAGE_TYPES)),
        Field("errorInformation", "error", model.ErrorInformation),
        Field("extensionInformation", "extension", "raw", "?")), request=False),
    MessageKind("GetTaskDetailsResponse", model.GetTaskDetailsResponse,
                (Field("taskResponseDetails", "details", model.TaskResponseDetails),),
                request=False),
    MessageKind("GetDestinationDetailsResponse", model.GetDestinationDetailsResponse,
                (Field("destinationResponseDetails", "details", model.DestinationResponseDetails),),
                request=False),
    MessageKind("GetNEStatusResponse", model.GetNEStatusResponse,
                (Field("neStatusDetails", "status", model.NEStatusDetails),), request=False),
    MessageKind("GetAllDetailsResponse", model.GetAllDetailsResponse, (
        Field("neStatusDetails", "status", model.NEStatusDetails),
        Field("listOfTaskResponseDetails", "tasks", items=(_TASKS,)),
        Field("listOfDestinationResponseDetails", "destinations", items=(_DESTINATIONS,)),
        Field("listOfGenericObjectResponseDetails", "generic_objects", "raw", "?")),
        request=False),
    MessageKind("ListAllDetailsResponse", model.ListAllDetailsResponse, (
        Field("ListOfXIDs", "xids", items=(Item("xId", "xids", UUID_TYPE),)),
        Field("ListOfDIDs", "dids", items=(Item("dId", "dids", UUID_TYPE),
                                           Item("dSId", "dsids", UUID_TYPE))),
        Field("ListOfGenericObjectIDs", "object_ids", occurs="?",
              items=(Item("objectId", "object_ids", UUID_TYPE),))), request=False),
    MessageKind("GetAllTaskDetailsResponse", model.GetAllTaskDetailsResponse,
                (Field("listOfTaskResponseDetails", "tasks", occurs="?", items=(_TASKS,)),),
                request=False),
    MessageKind("GetAllDestinationDetailsResponse", model.GetAllDestinationDetailsResponse,
                (Field("listOfDestinationResponseDetails", "destinations", occurs="?",
                       items=(_DESTINATIONS,)),), request=False),
    *(MessageKind(f"{name}Response", model.GenericObjectResponse, message_type=name, raw_body=True,
                  request=False)
      for name in ("GetObject", "ListObjectsOfType", "GetAllGenericObjectDetails")),
)

MESSAGES: dict[str, MessageKind] = {kind.xsi_type: kind for kind in (*_REQUESTS, *_RESPONSES)}
"""xsi:type local name → its :class:`MessageKind`."""

_BY_CLASS: dict[tuple[type, str | None], MessageKind] = {
    (kind.cls, kind.message_type): kind for kind in MESSAGES.values()}


def kind_of(message: Any) -> MessageKind:
    """The :class:`MessageKind` of a model message (``KeyError`` if it is none)."""
    if isinstance(message, (model.OKResponse, model.GenericObjectRequest,
                            model.GenericObjectResponse)):
        return _BY_CLASS[(type(message), message.message_type)]
    return _BY_CLASS[(type(message), None)]



MESSAGE_KINDS: tuple[str, ...] = tuple(MESSAGES)
"""The xsi:type of every X1 request and response message the library reads and writes
(TS 103 221-1 Annex C)."""


def message_kind(message: Any) -> str:
    """The xsi:type of a model message (``ActivateTaskRequest``, ``PingResponse``, ...);
    ``ValueError`` if ``message`` is not one."""
    try:
        return kind_of(message).xsi_type
    except KeyError:
        raise ValueError(f"{message!r} is not an X1 message model") from None
