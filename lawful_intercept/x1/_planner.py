"""The ADMF side of X1 (ETSI TS 103 221-1 clauses 6.2 and 6.3), sans-IO: from the validated
LITasks of warrants (TS 103 120 clause 8) to the X1 requests that provision them.

:class:`X1Planner` reconciles: :meth:`X1Planner.plan` compares the tasks that should be live
now with what the NE has confirmed, and returns the requests that close the gap
(CreateDestination before ActivateTask, ModifyTask on a new warrant generation,
DeactivateTask at expiry or cancellation, RemoveDestination after it). Only an ``oK``
answer, fed to :meth:`X1Planner.confirm`, changes what is provisioned, so a request that
failed is simply planned again. XIDs and DIDs are allocated once per task and destination
and kept, so a retried request names the same task."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from .._checks import require_instance
from ..warrants import DeliveryAddress as HI1DeliveryAddress
from ..warrants import (
    DeliveryDestination,
    IPAddressPort,
    LITaskObject,
    TaskStatus,
)
from ._model import (
    ActivateTaskRequest,
    CreateDestinationRequest,
    DeactivateTaskRequest,
    DeliveryAddress,
    DestinationDetails,
    KeepaliveRequest,
    MediationDetails,
    ModifyTaskRequest,
    OKResponse,
    RemoveDestinationRequest,
    RequestMessage,
    ResponseMessage,
    TargetIdentifier,
    TaskDetails,
    X1Header,
)
from ._targets import HI1_TARGET_FORMATS, TARGET_KINDS
from ._types import LIID

__all__ = ["DELIVERY_TYPES", "MEDIATION_DELIVERY_TYPES", "ProvisionedTask", "X1Planner",
           "x1_target"]

DELIVERY_TYPES = {"IRIOnly": "X2Only", "CCOnly": "X3Only", "IRIandCC": "X2andX3"}
"""HI-1 TaskDeliveryType (TS 103 120 Table 8.10) → X1 DeliveryType (clause 6.2.1.2)."""

MEDIATION_DELIVERY_TYPES = {"IRIOnly": "HI2Only", "CCOnly": "HI3Only", "IRIandCC": "HI2andHI3"}
"""HI-1 TaskDeliveryType → X1 MediationDeliveryType (what the MF hands over)."""

_ENDED = {TaskStatus.CANCELLED.value, TaskStatus.EXPIRED.value, TaskStatus.REJECTED.value,
          TaskStatus.INVALID.value, TaskStatus.SUSPENDED.value}


def x1_target(owner: str, name: str, value: str) -> TargetIdentifier:
    """The X1 TargetIdentifier of an HI-1 target (format owner and name, TS 103 120
    clause 8.2): ``InternationalE164`` → ``e164Number``, ``SIPURI`` → ``sipUri``,
    ``IPv4Address`` → ``ipv4Address``, ... (:data:`~lawful_intercept.x1.HI1_TARGET_FORMATS`).
    ``ValueError`` names a format X1 has no kind for, or a value that breaks the kind's rule."""
    kind = HI1_TARGET_FORMATS.get((owner, name))
    if kind is None:
        raise ValueError(f"targets: HI-1 target format {owner}/{name} has no X1 "
                         "TargetIdentifier kind (TS 103 221-1 clause 6.2.1.2)")
    simple = TARGET_KINDS.get(kind)
    parsed: Any = value
    if simple is not None:
        try:
            parsed = simple.parse(value)
        except ValueError as exc:
            raise ValueError(f"targets: {owner}/{name} {exc}") from None
    return TargetIdentifier(kind, parsed)


@dataclass(frozen=True)
class ProvisionedTask:
    """What the NE confirmed for one LITask: its identifier and generation in the warrant
    book, and the TaskDetails activated or last modified."""

    task_id: str
    generation: int | None
    details: TaskDetails


class X1Planner:
    """Plans the X1 requests an ADMF sends one NE (or MF), ``admf_identifier`` and
    ``ne_identifier`` naming both ends.

    ``x2x3_destination``: when tasking a point of interception, the address of the mediation
    function's X2/X3 listener: every task's listOfDIDs names it, and the warrant's own
    delivery destinations (the LEMF) go in the task's MediationDetails. Without it (tasking
    a mediation function directly) the task's listOfDIDs are the warrant's destinations.
    ``new_uuid`` allocates XIDs, DIDs and transaction identifiers (``uuid4``). ``xids``: a
    mapping of LITask ObjectIdentifier to XID shared with other planners (one per NE), so
    that every NE names a task by the same XID (TS 103 221-1 clause 6.2.1.2)."""

    def __init__(self, admf_identifier: str, ne_identifier: str, *,
                 x2x3_destination: IPAddressPort | None = None, version: str = "v1.13.1",
                 new_uuid: Callable[[], UUID] = uuid4,
                 xids: dict[str, UUID] | None = None) -> None:
        self.admf_identifier = require_instance(admf_identifier, str, "admf_identifier")
        self.ne_identifier = require_instance(ne_identifier, str, "ne_identifier")
        if x2x3_destination is not None:
            require_instance(x2x3_destination, IPAddressPort, "x2x3_destination")
        self.version = version
        self._new_uuid = new_uuid
        self._xids: dict[str, UUID] = {} if xids is None else require_instance(xids, dict,
                                                                                 "xids")
        self._dids: dict[Any, UUID] = {}
        self._x2x3 = None if x2x3_destination is None else DestinationDetails(
            self._did(("x2x3", x2x3_destination)), "X2andX3",
            DeliveryAddress("ipAddressAndPort", x2x3_destination), "mediation function X2/X3")
        self._provisioned: dict[str, ProvisionedTask] = {}
        self._destinations: dict[UUID, DestinationDetails] = {}
        self._pending: dict[UUID, tuple[str, int | None]] = {}

    # -- state ---------------------------------------------------------------------------

    @property
    def xids(self) -> dict[str, UUID]:
        """The XID allocated to each LITask (by its ObjectIdentifier); a copy."""
        return dict(self._xids)

    @property
    def provisioned(self) -> dict[str, ProvisionedTask]:
        """The tasks the NE confirmed, by LITask ObjectIdentifier; a copy."""
        return dict(self._provisioned)

    @property
    def destinations(self) -> dict[UUID, DestinationDetails]:
        """The destinations the NE confirmed, by DID; a copy."""
        return dict(self._destinations)

    # -- mapping -------------------------------------------------------------------------

    def task_details(self, task: LITaskObject) -> tuple[TaskDetails, tuple[DestinationDetails,
                                                                             ...]]:
        """The TaskDetails for ``task`` and the destinations it needs (clause 6.2.1.2):
        the XID allocated (and kept) for its ObjectIdentifier, its targets mapped
        (:func:`x1_target`), IRIOnly/CCOnly/IRIandCC mapped to X2Only/X3Only/X2andX3, and,
        when it has a Reference (the LIID), MediationDetails with the LIID, HI2Only/HI3Only/
        HI2andHI3, the timespan and the warrant's destinations. ``ValueError`` names what
        cannot be mapped."""
        require_instance(task, LITaskObject, "task")
        if not task.targets:
            raise ValueError(f"LITask {task.object_identifier}: targets: a task needs at least "
                             "one target identifier")
        kind = task.delivery_type.value if task.delivery_type is not None else "IRIandCC"
        if kind not in DELIVERY_TYPES:
            raise ValueError(f"LITask {task.object_identifier}: deliveryType {kind!r} is not "
                             f"one of {', '.join(DELIVERY_TYPES)}")
        targets = tuple(x1_target(t.format_owner, t.format_name, t.value) for t in task.targets)
        warrant = tuple(self._destination(task, i, d)
                        for i, d in enumerate(task.delivery_details or ()))
        destinations = (self._x2x3, *warrant) if self._x2x3 is not None else warrant
        mediation = None
        if task.reference is not None:
            try:
                liid = LIID.parse(task.reference)
            except ValueError as exc:
                raise ValueError(f"LITask {task.object_identifier}: reference (LIID): "
                                 f"{exc}") from None
            timespan = task.timespan
            mediation = (MediationDetails(
                liid, MEDIATION_DELIVERY_TYPES[kind],  # type: ignore[arg-type]
                _optional_aware(None if timespan is None else timespan.start_time),
                _optional_aware(_end_of(task)),
                tuple(d.did for d in warrant) if self._x2x3 is not None else None),)
        dids = (self._x2x3.did,) if self._x2x3 is not None else tuple(d.did for d in warrant)
        details = TaskDetails(self._xid(task.object_identifier), targets,
                              DELIVERY_TYPES[kind], dids,  # type: ignore[arg-type]
                              mediation_details=mediation)
        return details, destinations

    def _destination(self, task: LITaskObject, index: int,
                     destination: DeliveryDestination) -> DestinationDetails:
        where = f"LITask {task.object_identifier}: deliveryDetails[{index}]"
        if destination.address is None:
            raise ValueError(f"{where}: a delivery destination needs an address")
        address = _x1_address(destination.address, where)
        iri_or_cc = destination.iri_or_cc.value if destination.iri_or_cc is not None else ""
        kind = ("X2andX3" if ("IRI" in iri_or_cc and "CC" in iri_or_cc) or not iri_or_cc
                else "X2Only" if "IRI" in iri_or_cc else "X3Only")
        return DestinationDetails(self._did(address), kind,  # type: ignore[arg-type]
                                  address)

    # -- planning ------------------------------------------------------------------------

    def plan(self, tasks: Iterable[LITaskObject], now: datetime) -> list[RequestMessage]:
        """The requests that make the NE run exactly the tasks of ``tasks`` that are live at
        ``now`` (status not Cancelled, Expired, Rejected, Invalid or Suspended, and inside
        their timespan), in the order to send them. ``ValueError`` if a task cannot be
        mapped (nothing is planned then)."""
        require_instance(now, datetime, "now")
        wanted: dict[str, tuple[LITaskObject, TaskDetails, tuple[DestinationDetails, ...]]] = {}
        for task in tasks:
            if _live(task, now):
                details, destinations = self.task_details(task)
                wanted[task.object_identifier] = (task, details, destinations)
        requests: list[RequestMessage] = []
        needed: dict[UUID, DestinationDetails] = {}
        for _task, _details, destinations in wanted.values():
            needed.update((d.did, d) for d in destinations)
        for did, destination in needed.items():
            if did not in self._destinations:
                requests.append(CreateDestinationRequest(self._header(now), destination))
        for task_id, (task, details, _destinations) in wanted.items():
            current = self._provisioned.get(task_id)
            if current is None:
                requests.append(ActivateTaskRequest(self._header(now), details))
            elif current.generation != task.generation or current.details != details:
                requests.append(ModifyTaskRequest(self._header(now), details))
        for task_id, provisioned in self._provisioned.items():
            if task_id not in wanted:
                requests.append(DeactivateTaskRequest(self._header(now), provisioned.details.xid))
        for did in self._destinations:
            if did not in needed:
                requests.append(RemoveDestinationRequest(self._header(now), did))
        for request in requests:
            if isinstance(request, (ActivateTaskRequest, ModifyTaskRequest)):
                for task_id, (task, details, _destinations) in wanted.items():
                    if details.xid == request.task.xid:
                        self._pending[request.header.x1_transaction_id] = (task_id,
                                                                           task.generation)
        return requests

    def confirm(self, request: RequestMessage, response: ResponseMessage) -> bool:
        """Record the answer to a planned request: an ``oK`` answer with the request's
        transaction identifier updates what is provisioned (True); anything else (an
        ErrorResponse) leaves it, so the next :meth:`plan` sends the request again."""
        if not isinstance(response, OKResponse) or \
                response.header.x1_transaction_id != request.header.x1_transaction_id:
            return False
        match request:
            case CreateDestinationRequest(destination=destination):
                self._destinations[destination.did] = destination
            case RemoveDestinationRequest(did=did):
                self._destinations.pop(did, None)
            case ActivateTaskRequest(task=details) | ModifyTaskRequest(task=details):
                task_id, generation = self._pending.pop(
                    request.header.x1_transaction_id, (self._task_id(details.xid), None))
                self._provisioned[task_id] = ProvisionedTask(task_id, generation, details)
            case DeactivateTaskRequest(xid=xid):
                self._provisioned.pop(self._task_id(xid), None)
            case _:
                return False
        return True

    def keepalive(self, now: datetime) -> KeepaliveRequest:
        """A Keepalive (clause 6.6.2) to send the NE at least as often as its
        implicit-deactivation timeout, so that tasks allowing implicit deactivation live."""
        require_instance(now, datetime, "now")
        return KeepaliveRequest(self._header(now))

    # -- helpers -------------------------------------------------------------------------

    def _header(self, now: datetime) -> X1Header:
        return X1Header(self.admf_identifier, self.ne_identifier, _aware(now),
                        self._new_uuid(), self.version)

    def _xid(self, task_id: str) -> UUID:
        if task_id not in self._xids:
            self._xids[task_id] = self._new_uuid()
        return self._xids[task_id]

    def _task_id(self, xid: UUID) -> str:
        for task_id, known in self._xids.items():
            if known == xid:
                return task_id
        return str(xid)

    def _did(self, key: Any) -> UUID:
        if key not in self._dids:
            self._dids[key] = self._new_uuid()
        return self._dids[key]


def _x1_address(address: HI1DeliveryAddress, where: str) -> DeliveryAddress:
    value = address.value
    if address.kind == "IPAddressPort" and isinstance(value, IPAddressPort):
        return DeliveryAddress("ipAddressAndPort", value)
    if address.kind == "E164Number" and isinstance(value, str):
        return DeliveryAddress("e164Number", value)
    if address.kind == "EmailAddress" and isinstance(value, str):
        return DeliveryAddress("emailAddress", value)
    if address.kind in ("URL", "FTPAddress") and isinstance(value, str):
        return DeliveryAddress("uri", value)
    raise ValueError(f"{where}: an HI-1 {address.kind} address has no X1 DeliveryAddress "
                     "alternative (ipAddressAndPort, e164Number, uri or emailAddress)")


def _end_of(task: LITaskObject) -> datetime | None:
    timespan = task.timespan
    if timespan is None:
        return None
    ends = [t for t in (timespan.end_time, timespan.termination_time) if t is not None]
    return min(ends) if ends else None


def _live(task: LITaskObject, now: datetime) -> bool:
    for status in (task.status, task.desired_status):
        if status is not None and status.value in _ENDED:
            return False
    timespan = task.timespan
    if timespan is not None and timespan.start_time is not None and now < timespan.start_time:
        return False
    end = _end_of(task)
    return end is None or now < end


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _optional_aware(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)
