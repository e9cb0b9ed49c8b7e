"""The network-element (or mediation-function) side of X1 (ETSI TS 103 221-1 clauses 6.2 to
6.8), sans-IO: :class:`X1Handler` keeps the task table, the destination table and the NE
status, and turns each request into its response or the schema's ErrorResponse. It never
touches a socket or a clock of its own; :class:`~lawful_intercept.x1.X1Server` puts it on
HTTPS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, Literal
from uuid import UUID

from .._checks import require_instance
from ..errors import X1FormatError
from . import _model as model
from ._messages import MESSAGES, REQUEST_MESSAGE_TYPES
from ._xml import (
    DEFAULT_MAX_BYTES,
    XSI,
    parse_root,
    read_header,
    read_request_element,
    write_message,
)

__all__ = ["TaskEvent", "X1ErrorCode", "X1Handler"]

TaskEvent = Literal["activated", "modified", "deactivated"]


class X1ErrorCode(IntEnum):
    """The errorCode values this library's handler answers with in an ErrorResponse
    (TS 103 221-1 clause 6.7 carries a code and a description; the description names the
    field and the rule)."""

    GENERIC = 1000
    REQUEST_NOT_SUPPORTED = 1001
    INVALID_REQUEST = 1002
    XID_ALREADY_EXISTS = 2001
    XID_DOES_NOT_EXIST = 2002
    INVALID_TASK = 2003
    DID_ALREADY_EXISTS = 3001
    DID_DOES_NOT_EXIST = 3002
    DID_IN_USE = 3003


@dataclass
class _Task:
    details: model.TaskDetails
    modifications: int = 0
    last_modification: datetime | None = None


class _Refused(Exception):
    def __init__(self, code: X1ErrorCode, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class X1Handler:
    """The NE/MF end of X1: :meth:`handle` takes the body of an HTTPS POST and returns the
    body to answer with; :meth:`respond` does the same for one parsed request message.

    ``ne_identifier`` is this NE's name (answered in neIdentifier); ``admf_identifiers``, if
    given, is the set of ADMFs allowed to task it. ``on_task`` is called with
    ``("activated" | "modified" | "deactivated", TaskDetails)`` when the task table changes,
    so that a mediation function can follow it. ``keepalive_timeout``: tasks that allow
    implicit deactivation end when no Keepalive came for that long (:meth:`expire`).
    ``clock`` gives the time of responses (UTC)."""

    def __init__(self, ne_identifier: str, *, admf_identifiers: frozenset[str] | None = None,
                 on_task: Callable[[TaskEvent, model.TaskDetails], None] | None = None,
                 keepalive_timeout: timedelta | None = None,
                 clock: Callable[[], datetime] | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.ne_identifier = require_instance(ne_identifier, str, "ne_identifier")
        self.admf_identifiers = admf_identifiers
        self._on_task = on_task
        self._keepalive_timeout = keepalive_timeout
        self._clock = clock or (lambda: datetime.now(UTC))
        self._max_bytes = max_bytes
        self._tasks: dict[UUID, _Task] = {}
        self._destinations: dict[UUID, model.DestinationDetails] = {}
        self._last_keepalive: datetime | None = None
        self.reports: list[model.RequestMessage] = []
        """The ReportTaskIssue, ReportDestinationIssue and ReportNEIssue requests received,
        in order (an ADMF receives these)."""

    # -- state ---------------------------------------------------------------------------

    @property
    def tasks(self) -> dict[UUID, model.TaskDetails]:
        """The active tasks, by XID (a copy)."""
        return {xid: task.details for xid, task in self._tasks.items()}

    @property
    def destinations(self) -> dict[UUID, model.DestinationDetails]:
        """The destinations, by DID (a copy)."""
        return dict(self._destinations)

    def expire(self, now: datetime) -> list[model.TaskDetails]:
        """End the tasks that allow implicit deactivation when no Keepalive (nor any other
        request) came within ``keepalive_timeout`` before ``now`` (clause 6.6.2); returns
        them."""
        if self._keepalive_timeout is None or self._last_keepalive is None:
            return []
        if now - self._last_keepalive < self._keepalive_timeout:
            return []
        ended = [task.details for task in self._tasks.values()
                 if task.details.implicit_deactivation_allowed]
        for details in ended:
            del self._tasks[details.xid]
            self._notify("deactivated", details)
        return ended

    # -- bytes in, bytes out ------------------------------------------------------------

    def handle(self, data: bytes) -> bytes:
        """The X1 response document (XML) answering the X1Request in ``data``: one response
        per request message, in order; an X1TopLevelErrorResponse if ``data`` is not an
        X1Request whose message headers can be read."""
        try:
            root = parse_root(data, max_bytes=self._max_bytes)
        except X1FormatError:
            return self._top_level_error()
        if root.tag != f"{{{model.NS}}}X1Request":
            return self._top_level_error()
        responses: list[model.ResponseMessage] = []
        for element in root:
            if not isinstance(element.tag, str):
                continue
            try:
                message = read_request_element(element)
            except X1FormatError as exc:
                header = _header_of(element)
                if header is None:
                    return self._top_level_error()
                responses.append(self._error(header, _request_type(element),
                                             X1ErrorCode.INVALID_REQUEST,
                                             f"{exc.path}: {exc.message}"))
                continue
            responses.append(self.respond(message))
        if not responses:
            return self._top_level_error()
        return write_message(model.X1Response(tuple(responses)))

    def _top_level_error(self) -> bytes:
        return write_message(model.TopLevelErrorResponse("unknown", self.ne_identifier,
                                                         self._clock()))

    # -- one message --------------------------------------------------------------------

    def respond(self, request: model.RequestMessage) -> model.ResponseMessage:
        """The response to one request message (clauses 6.2 to 6.8)."""
        header = request.header
        name = _type_name(request)
        if self.admf_identifiers is not None and header.admf_identifier not in \
                self.admf_identifiers:
            return self._error(header, name, X1ErrorCode.INVALID_REQUEST,
                               f"admfIdentifier {header.admf_identifier!r} may not task this NE")
        self._last_keepalive = self._clock()
        try:
            return self._dispatch(request)
        except _Refused as refused:
            return self._error(header, name, refused.code, refused.description)

    def _dispatch(self, request: model.RequestMessage) -> model.ResponseMessage:
        header = self._answer_header(request.header)
        match request:
            case model.ActivateTaskRequest(task=task):
                if task.xid in self._tasks:
                    raise _Refused(X1ErrorCode.XID_ALREADY_EXISTS,
                                   f"taskDetails/xId: XID {task.xid} already exists")
                self._check_task(task)
                self._tasks[task.xid] = _Task(task)
                self._notify("activated", task)
            case model.ModifyTaskRequest(task=task):
                current = self._task(task.xid)
                self._check_task(task)
                current.details = task
                current.modifications += 1
                current.last_modification = self._clock()
                self._notify("modified", task)
            case model.DeactivateTaskRequest(xid=xid):
                details = self._task(xid).details
                del self._tasks[xid]
                self._notify("deactivated", details)
            case model.DeactivateAllTasksRequest():
                ended = [task.details for task in self._tasks.values()]
                self._tasks.clear()
                for details in ended:
                    self._notify("deactivated", details)
            case model.CreateDestinationRequest(destination=destination):
                if destination.did in self._destinations:
                    raise _Refused(X1ErrorCode.DID_ALREADY_EXISTS,
                                   f"destinationDetails/dId: DID {destination.did} already "
                                   "exists")
                self._destinations[destination.did] = destination
            case model.ModifyDestinationRequest(destination=destination):
                self._destination(destination.did)
                self._destinations[destination.did] = destination
            case model.RemoveDestinationRequest(did=did):
                self._destination(did)
                users = [str(x) for x, t in self._tasks.items() if did in _dids_of(t.details)]
                if users:
                    raise _Refused(X1ErrorCode.DID_IN_USE,
                                   f"dId: DID {did} is used by task(s) {', '.join(users)}")
                del self._destinations[did]
            case model.RemoveAllDestinationsRequest():
                if any(_dids_of(t.details) for t in self._tasks.values()):
                    raise _Refused(X1ErrorCode.DID_IN_USE, "destinations are used by active "
                                   "tasks: deactivate them first")
                self._destinations.clear()
            case model.GetTaskDetailsRequest(xid=xid):
                return model.GetTaskDetailsResponse(header, self._task_details(self._task(xid)))
            case model.GetDestinationDetailsRequest(did=did):
                return model.GetDestinationDetailsResponse(
                    header, _destination_details(self._destination(did)))
            case model.GetNEStatusRequest():
                return model.GetNEStatusResponse(header, model.NEStatusDetails("OK"))
            case model.GetAllDetailsRequest():
                return model.GetAllDetailsResponse(
                    header, model.NEStatusDetails("OK"),
                    tuple(self._task_details(t) for t in self._tasks.values()),
                    tuple(_destination_details(d) for d in self._destinations.values()))
            case model.ListAllDetailsRequest():
                return model.ListAllDetailsResponse(header, tuple(self._tasks),
                                                    tuple(self._destinations))
            case model.GetAllTaskDetailsRequest():
                return model.GetAllTaskDetailsResponse(
                    header, tuple(self._task_details(t) for t in self._tasks.values()))
            case model.GetAllDestinationDetailsRequest():
                return model.GetAllDestinationDetailsResponse(
                    header, tuple(_destination_details(d) for d in self._destinations.values()))
            case model.ReportTaskIssueRequest() | model.ReportDestinationIssueRequest() | \
                    model.ReportNEIssueRequest():
                self.reports.append(request)
            case model.PingRequest() | model.KeepaliveRequest():
                pass
            case model.GenericObjectRequest(message_type=name):
                raise _Refused(X1ErrorCode.REQUEST_NOT_SUPPORTED,
                               f"{name}: generic objects are not supported by this NE")
            case _:  # pragma: no cover - every request class is matched above
                raise _Refused(X1ErrorCode.REQUEST_NOT_SUPPORTED,
                               f"{type(request).__name__} is not supported")
        return model.OKResponse(_type_name(request), header)

    def _check_task(self, task: model.TaskDetails) -> None:
        missing = [str(did) for did in task.dids if did not in self._destinations]
        if missing:
            raise _Refused(X1ErrorCode.DID_DOES_NOT_EXIST,
                           f"taskDetails/listOfDIDs: DID {', '.join(missing)} does not exist "
                           "(CreateDestination first)")
        for index, mediation in enumerate(task.mediation_details or ()):
            missing = [str(did) for did in mediation.dids or () if did not in self._destinations]
            if missing:
                raise _Refused(X1ErrorCode.DID_DOES_NOT_EXIST,
                               f"taskDetails/listOfMediationDetails/mediationDetails[{index}]/"
                               f"listOfDIDs: DID {', '.join(missing)} does not exist "
                               "(CreateDestination first)")
        for did in task.dids:
            kind = self._destinations[did].delivery_type
            if task.delivery_type != "X2andX3" and kind not in (task.delivery_type, "X2andX3"):
                raise _Refused(X1ErrorCode.INVALID_TASK,
                               f"taskDetails/listOfDIDs: destination {did} takes {kind}, the "
                               f"task sends {task.delivery_type}")

    def _task(self, xid: UUID) -> _Task:
        task = self._tasks.get(xid)
        if task is None:
            raise _Refused(X1ErrorCode.XID_DOES_NOT_EXIST, f"xId: XID {xid} does not exist")
        return task

    def _destination(self, did: UUID) -> model.DestinationDetails:
        destination = self._destinations.get(did)
        if destination is None:
            raise _Refused(X1ErrorCode.DID_DOES_NOT_EXIST, f"dId: DID {did} does not exist")
        return destination

    def _task_details(self, task: _Task) -> model.TaskResponseDetails:
        return model.TaskResponseDetails(task.details, model.TaskStatus(
            "complete", time_of_last_modification=task.last_modification,
            number_of_modifications=task.modifications))

    def _answer_header(self, header: model.X1Header) -> model.X1Header:
        return replace(header, ne_identifier=self.ne_identifier,
                       message_timestamp=self._clock())

    def _error(self, header: model.X1Header, request_type: str, code: X1ErrorCode,
               description: str) -> model.ErrorResponse:
        return model.ErrorResponse(self._answer_header(header), request_type,
                                   model.ErrorInformation(int(code), description))

    def _notify(self, event: TaskEvent, details: model.TaskDetails) -> None:
        if self._on_task is not None:
            self._on_task(event, details)


def _dids_of(task: model.TaskDetails) -> set[UUID]:
    """The DIDs a task uses: its own and those of its MediationDetails."""
    dids = set(task.dids)
    for mediation in task.mediation_details or ():
        dids.update(mediation.dids or ())
    return dids


def _destination_details(
        destination: model.DestinationDetails) -> model.DestinationResponseDetails:
    return model.DestinationResponseDetails(destination,
                                            model.DestinationStatus("activeAndWorking"))


def _type_name(request: Any) -> str:
    if isinstance(request, model.GenericObjectRequest):
        return request.message_type
    return str(request.MESSAGE_TYPE)


def _request_type(element: Any) -> str:
    local = (element.get(f"{{{XSI}}}type") or "").rpartition(":")[2]
    name = local.removesuffix("Request")
    if local in MESSAGES and name in REQUEST_MESSAGE_TYPES:
        return name
    return "ExtendedRequestMessageType"


def _header_of(element: Any) -> model.X1Header | None:
    try:
        return read_header(element)
    except X1FormatError:
        return None
