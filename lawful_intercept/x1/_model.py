"""The typed model of X1 messages (ETSI TS 103 221-1 V1.13.1, clause 6 and the XSD of
Annex C): one frozen dataclass per request and response, with the task, destination and
status details they carry.

Every message carries the common fields of clause 6.1 in :class:`X1Header`. Optional XSD
elements are ``None`` (or an empty tuple); extension elements, whose content belongs to
another namespace, are kept verbatim as :class:`~lawful_intercept.warrants.RawXML`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from ..warrants import IPAddressPort, RawXML

NS = "http://uri.etsi.org/03221/X1/2017/10"
"""The X1 namespace (TS 103 221-1 Annex C)."""

GENERIC_OBJECT_OPERATIONS = ("CreateObject", "ModifyObject", "GetObject", "DeleteObject",
                             "ListObjectsOfType", "DeleteAllObjects", "GetAllGenericObjectDetails")
"""The generic-object operations of clause 6.8 (and 6.4.9), kept as raw XML bodies."""

X1DeliveryType = Literal["X2Only", "X3Only", "X2andX3"]
MediationDeliveryType = Literal["HI2Only", "HI3Only", "HI2andHI3"]
OK = Literal["AcknowledgedAndCompleted", "Acknowledged"]


@dataclass(frozen=True)
class X1Header:
    """The fields every X1 message carries (clause 6.1): the ADMF and NE identifiers, the
    message time stamp (microseconds, with its UTC offset), the version (``v1.x.y``) and the
    transaction identifier a response echoes."""

    admf_identifier: str
    ne_identifier: str
    message_timestamp: datetime
    x1_transaction_id: UUID
    version: str = "v1.13.1"


@dataclass(frozen=True)
class PortRange:
    """A TCP or UDP port range of TS 103 280 (``start``..``end``)."""

    start: int
    end: int


@dataclass(frozen=True)
class HashedIdentifier:
    """A hashed target identifier (TS 103 221-1 Annex, HashedID schema): the hash context
    generic object, the identity type hashed and the digest."""

    hash_context_id: UUID
    target_identity_type: str
    hash_digest: bytes


TargetValue = str | int | bytes | PortRange | HashedIdentifier | RawXML


@dataclass(frozen=True)
class TargetIdentifier:
    """One TargetIdentifier of clause 6.2.1.2: ``kind`` is the XSD choice element
    (``e164Number``, ``imsi``, ``sipUri``, ``ipv4Cidr``, ... - see
    :data:`lawful_intercept.x1.TARGET_KINDS`), ``value`` its value: text for the text kinds,
    ``int`` for ports, tunnel identifiers and EUI-64, ``bytes`` for ``radiusAttribute`` and
    ``suci``, :class:`PortRange`, :class:`HashedIdentifier`, or the extension element kept
    verbatim."""

    kind: str
    value: TargetValue


@dataclass(frozen=True)
class MediationDetails:
    """MediationDetails (clause 6.2.1.2): the LIID and what the mediation function delivers
    for the task, with the optional time window and destinations."""

    liid: str
    delivery_type: MediationDeliveryType
    start_time: datetime | None = None
    end_time: datetime | None = None
    dids: tuple[UUID, ...] | None = None
    extensions: tuple[RawXML, ...] = ()
    service_scoping_options: RawXML | None = None
    dsids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class TaskDetails:
    """TaskDetails (clause 6.2.1.2): the XID, the targets, what the NE sends (X2, X3 or
    both), the destinations, and the optional mediation details, correlation ID,
    implicit-deactivation flag, product ID and service types."""

    xid: UUID
    targets: tuple[TargetIdentifier, ...]
    delivery_type: X1DeliveryType
    dids: tuple[UUID, ...] = ()
    mediation_details: tuple[MediationDetails, ...] | None = None
    correlation_id: int | None = None
    implicit_deactivation_allowed: bool | None = None
    product_id: UUID | None = None
    service_types: tuple[str, ...] | None = None
    extensions: tuple[RawXML, ...] = ()
    dsids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class DeliveryAddress:
    """DeliveryAddress (clause 6.3.1.2): ``kind`` is ``ipAddressAndPort`` (``value`` an
    :class:`~lawful_intercept.warrants.IPAddressPort`), ``e164Number``, ``uri`` or
    ``emailAddress`` (text)."""

    kind: Literal["ipAddressAndPort", "e164Number", "uri", "emailAddress"]
    value: str | IPAddressPort


@dataclass(frozen=True)
class DestinationDetails:
    """DestinationDetails (clause 6.3.1.2): the DID, an optional friendly name, what is sent
    there and where."""

    did: UUID
    delivery_type: X1DeliveryType
    address: DeliveryAddress
    friendly_name: str | None = None
    extensions: tuple[RawXML, ...] = ()


@dataclass(frozen=True)
class ErrorInformation:
    """ErrorInformation (clause 6.7): a code and a description."""

    code: int
    description: str


@dataclass(frozen=True)
class TaskStatus:
    """TaskStatus (clause 6.4.2.2)."""

    provisioning_status: Literal["awaitingProvisioning", "failed", "complete"]
    faults: tuple[ErrorInformation, ...] = ()
    time_of_last_intercept: datetime | None = None
    amount_of_x2_data: int | None = None
    amount_of_x3_data: int | None = None
    time_of_last_modification: datetime | None = None
    number_of_modifications: int | None = None


@dataclass(frozen=True)
class TaskResponseDetails:
    """TaskResponseDetails (clause 6.4.2): a task's details and its status."""

    task: TaskDetails
    status: TaskStatus


@dataclass(frozen=True)
class DestinationStatus:
    """DestinationStatus (clause 6.4.3.2)."""

    delivery_status: Literal["activeAndWorking", "deliveryFault"]
    faults: tuple[ErrorInformation, ...] = ()


@dataclass(frozen=True)
class DestinationResponseDetails:
    """DestinationResponseDetails (clause 6.4.3): a destination's details and status."""

    destination: DestinationDetails
    status: DestinationStatus


@dataclass(frozen=True)
class NEStatusDetails:
    """NeStatusDetails (clause 6.4.4)."""

    status: Literal["OK", "Faults"]
    faults: tuple[ErrorInformation, ...] = ()


# -- requests (clauses 6.2 to 6.6) ----------------------------------------------------------


@dataclass(frozen=True)
class ActivateTaskRequest:
    """ActivateTask (clause 6.2.1): start intercepting for a new XID."""

    MESSAGE_TYPE: ClassVar[str] = "ActivateTask"
    header: X1Header
    task: TaskDetails


@dataclass(frozen=True)
class ModifyTaskRequest:
    """ModifyTask (clause 6.2.2): replace the details of an active task."""

    MESSAGE_TYPE: ClassVar[str] = "ModifyTask"
    header: X1Header
    task: TaskDetails


@dataclass(frozen=True)
class DeactivateTaskRequest:
    """DeactivateTask (clause 6.2.3): stop intercepting for an XID."""

    MESSAGE_TYPE: ClassVar[str] = "DeactivateTask"
    header: X1Header
    xid: UUID


@dataclass(frozen=True)
class DeactivateAllTasksRequest:
    """DeactivateAllTasks (clause 6.2.4)."""

    MESSAGE_TYPE: ClassVar[str] = "DeactivateAllTasks"
    header: X1Header


@dataclass(frozen=True)
class CreateDestinationRequest:
    """CreateDestination (clause 6.3.1)."""

    MESSAGE_TYPE: ClassVar[str] = "CreateDestination"
    header: X1Header
    destination: DestinationDetails


@dataclass(frozen=True)
class ModifyDestinationRequest:
    """ModifyDestination (clause 6.3.2)."""

    MESSAGE_TYPE: ClassVar[str] = "ModifyDestination"
    header: X1Header
    destination: DestinationDetails


@dataclass(frozen=True)
class RemoveDestinationRequest:
    """RemoveDestination (clause 6.3.3)."""

    MESSAGE_TYPE: ClassVar[str] = "RemoveDestination"
    header: X1Header
    did: UUID


@dataclass(frozen=True)
class RemoveAllDestinationsRequest:
    """RemoveAllDestinations (clause 6.3.4)."""

    MESSAGE_TYPE: ClassVar[str] = "RemoveAllDestinations"
    header: X1Header


@dataclass(frozen=True)
class GetTaskDetailsRequest:
    """GetTaskDetails (clause 6.4.2)."""

    MESSAGE_TYPE: ClassVar[str] = "GetTaskDetails"
    header: X1Header
    xid: UUID


@dataclass(frozen=True)
class GetDestinationDetailsRequest:
    """GetDestinationDetails (clause 6.4.3)."""

    MESSAGE_TYPE: ClassVar[str] = "GetDestinationDetails"
    header: X1Header
    did: UUID


@dataclass(frozen=True)
class GetNEStatusRequest:
    """GetNEStatus (clause 6.4.4)."""

    MESSAGE_TYPE: ClassVar[str] = "GetNEStatus"
    header: X1Header


@dataclass(frozen=True)
class GetAllDetailsRequest:
    """GetAllDetails (clause 6.4.5)."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllDetails"
    header: X1Header


@dataclass(frozen=True)
class ListAllDetailsRequest:
    """ListAllDetails (clause 6.4.6)."""

    MESSAGE_TYPE: ClassVar[str] = "ListAllDetails"
    header: X1Header


@dataclass(frozen=True)
class GetAllTaskDetailsRequest:
    """GetAllTaskDetails (clause 6.4.7)."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllTaskDetails"
    header: X1Header


@dataclass(frozen=True)
class GetAllDestinationDetailsRequest:
    """GetAllDestinationDetails (clause 6.4.8)."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllDestinationDetails"
    header: X1Header


@dataclass(frozen=True)
class ReportTaskIssueRequest:
    """ReportTaskIssue (clause 6.5.2), sent by the NE."""

    MESSAGE_TYPE: ClassVar[str] = "ReportTaskIssue"
    header: X1Header
    xid: UUID
    report_type: str
    error_code: int | None = None
    details: str | None = None


@dataclass(frozen=True)
class ReportDestinationIssueRequest:
    """ReportDestinationIssue (clause 6.5.3), sent by the NE."""

    MESSAGE_TYPE: ClassVar[str] = "ReportDestinationIssue"
    header: X1Header
    did: UUID
    report_type: str
    error_code: int | None = None
    details: str | None = None


@dataclass(frozen=True)
class ReportNEIssueRequest:
    """ReportNEIssue (clause 6.5.4), sent by the NE."""

    MESSAGE_TYPE: ClassVar[str] = "ReportNEIssue"
    header: X1Header
    issue_type: Literal["Warning", "FaultCleared", "FaultReport", "Alert"]
    description: str
    issue_code: int | None = None


@dataclass(frozen=True)
class PingRequest:
    """Ping (clause 6.6.1)."""

    MESSAGE_TYPE: ClassVar[str] = "Ping"
    header: X1Header


@dataclass(frozen=True)
class KeepaliveRequest:
    """Keepalive (clause 6.6.2): the ADMF shows it is alive; a task that allows implicit
    deactivation may end without it."""

    MESSAGE_TYPE: ClassVar[str] = "Keepalive"
    header: X1Header


@dataclass(frozen=True)
class GenericObjectRequest:
    """A generic-object operation (clause 6.8: CreateObject, ModifyObject, GetObject,
    DeleteObject, ListObjectsOfType, DeleteAllObjects, and GetAllGenericObjectDetails of
    6.4.9): ``message_type`` names it, ``body`` holds the elements after the common fields
    verbatim (an object's type comes from ``xsi:type`` in another namespace)."""

    message_type: str
    header: X1Header
    body: tuple[RawXML, ...] = ()


RequestMessage = (ActivateTaskRequest | ModifyTaskRequest | DeactivateTaskRequest
                  | DeactivateAllTasksRequest | CreateDestinationRequest
                  | ModifyDestinationRequest | RemoveDestinationRequest
                  | RemoveAllDestinationsRequest | GetTaskDetailsRequest
                  | GetDestinationDetailsRequest | GetNEStatusRequest | GetAllDetailsRequest
                  | ListAllDetailsRequest | GetAllTaskDetailsRequest
                  | GetAllDestinationDetailsRequest | ReportTaskIssueRequest
                  | ReportDestinationIssueRequest | ReportNEIssueRequest | PingRequest
                  | KeepaliveRequest | GenericObjectRequest)


# -- responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OKResponse:
    """The response of every request that answers only ``oK`` (clause 6.2 to 6.6, 6.8):
    ``message_type`` names the request (``ActivateTask``, ``Ping``, ...)."""

    message_type: str
    header: X1Header
    ok: OK = "AcknowledgedAndCompleted"


@dataclass(frozen=True)
class ErrorResponse:
    """ErrorResponse (clause 6.7): the request type refused and why; ``extension`` is the
    optional ExtensionInformation kept verbatim."""

    MESSAGE_TYPE: ClassVar[str] = "Error"
    header: X1Header
    request_message_type: str
    error: ErrorInformation
    extension: RawXML | None = None


@dataclass(frozen=True)
class GetTaskDetailsResponse:
    """GetTaskDetails response (clause 6.4.2)."""

    MESSAGE_TYPE: ClassVar[str] = "GetTaskDetails"
    header: X1Header
    details: TaskResponseDetails


@dataclass(frozen=True)
class GetDestinationDetailsResponse:
    """GetDestinationDetails response (clause 6.4.3)."""

    MESSAGE_TYPE: ClassVar[str] = "GetDestinationDetails"
    header: X1Header
    details: DestinationResponseDetails


@dataclass(frozen=True)
class GetNEStatusResponse:
    """GetNEStatus response (clause 6.4.4)."""

    MESSAGE_TYPE: ClassVar[str] = "GetNEStatus"
    header: X1Header
    status: NEStatusDetails


@dataclass(frozen=True)
class GetAllDetailsResponse:
    """GetAllDetails response (clause 6.4.5): NE status, every task and destination."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllDetails"
    header: X1Header
    status: NEStatusDetails
    tasks: tuple[TaskResponseDetails, ...] = ()
    destinations: tuple[DestinationResponseDetails, ...] = ()
    generic_objects: RawXML | None = None


@dataclass(frozen=True)
class ListAllDetailsResponse:
    """ListAllDetails response (clause 6.4.6): the XIDs, DIDs (and destination-set IDs) and
    generic object IDs the NE holds."""

    MESSAGE_TYPE: ClassVar[str] = "ListAllDetails"
    header: X1Header
    xids: tuple[UUID, ...] = ()
    dids: tuple[UUID, ...] = ()
    dsids: tuple[UUID, ...] = ()
    object_ids: tuple[UUID, ...] | None = None


@dataclass(frozen=True)
class GetAllTaskDetailsResponse:
    """GetAllTaskDetails response (clause 6.4.7)."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllTaskDetails"
    header: X1Header
    tasks: tuple[TaskResponseDetails, ...] | None = None


@dataclass(frozen=True)
class GetAllDestinationDetailsResponse:
    """GetAllDestinationDetails response (clause 6.4.8)."""

    MESSAGE_TYPE: ClassVar[str] = "GetAllDestinationDetails"
    header: X1Header
    destinations: tuple[DestinationResponseDetails, ...] | None = None


@dataclass(frozen=True)
class GenericObjectResponse:
    """The response to a generic-object operation other than a bare ``oK`` (GetObject,
    ListObjectsOfType, GetAllGenericObjectDetails; clause 6.8), body kept verbatim."""

    message_type: str
    header: X1Header
    body: tuple[RawXML, ...] = ()


ResponseMessage = (OKResponse | ErrorResponse | GetTaskDetailsResponse
                   | GetDestinationDetailsResponse | GetNEStatusResponse | GetAllDetailsResponse
                   | ListAllDetailsResponse | GetAllTaskDetailsResponse
                   | GetAllDestinationDetailsResponse | GenericObjectResponse)


@dataclass(frozen=True)
class X1Request:
    """The X1Request container (clause 6.1): one or more request messages in one POST."""

    messages: tuple[RequestMessage, ...]


@dataclass(frozen=True)
class X1Response:
    """The X1Response container: one response per request message, in order."""

    messages: tuple[ResponseMessage, ...]


@dataclass(frozen=True)
class TopLevelErrorResponse:
    """X1TopLevelErrorResponse (clause 6.7): the answer to a POST that is not an X1 request
    at all; it has no transaction identifier."""

    admf_identifier: str
    ne_identifier: str
    message_timestamp: datetime
    version: str = "v1.13.1"
