"""Typed model of the HI-1 messages of ETSI TS 103 120 V1.12.1.

Every class is a frozen dataclass, so a warrant book can store and compare them; optional XML
elements are ``None`` when absent, repeated ones tuples. What a national profile defines
(the abstract ``National...`` types, encryption details, traffic policy references, document
properties, objects the library does not model) is kept as :class:`RawXML`, exactly as
received, so that reading and writing a message loses nothing. See ``docs/warrants.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal


@dataclass(frozen=True)
class RawXML:
    """One XML element kept as received (its serialisation with the namespaces in scope):
    national extensions and objects the library does not model."""

    data: bytes


@dataclass(frozen=True)
class DictionaryEntry:
    """A TS 103 120 dictionary entry (clause 6: Owner, Name, Value), e.g.
    ``ETSI / AuthorisationStatus / Approved``; national dictionaries have another owner."""

    owner: str
    name: str
    value: str


class _ETSIDictionary(StrEnum):
    """A dictionary ETSI fixes; ``entry`` is the :class:`DictionaryEntry` of a value."""

    @property
    def entry(self) -> DictionaryEntry:
        """This value as an ETSI dictionary entry."""
        return DictionaryEntry("ETSI", self._dictionary_name(), self.value)

    @classmethod
    def _dictionary_name(cls) -> str:
        return cls.__name__


class AuthorisationStatus(_ETSIDictionary):
    """ETSI dictionary AuthorisationStatus (TS 103 120 clause 7.2.5, Table 7.6)."""

    AWAITING_APPROVAL = "AwaitingApproval"
    EMERGENCY_APPROVAL = "EmergencyApproval"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    SUSPENDED = "Suspended"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"
    INVALID = "Invalid"


class AuthorisationFlag(_ETSIDictionary):
    """ETSI dictionary AuthorisationFlag (TS 103 120 clause 7.2)."""

    IS_EMERGENCY = "IsEmergency"
    IS_CONSENSUAL = "IsConsensual"
    IS_TEST = "IsTest"


class TaskStatus(_ETSIDictionary):
    """ETSI dictionary TaskStatus (TS 103 120 clause 8.2.3, Table 8.2)."""

    AWAITING_APPROVAL = "AwaitingApproval"
    AWAITING_PROVISIONING = "AwaitingProvisioning"
    ACTIVE = "Active"
    REJECTED = "Rejected"
    SUSPENDED = "Suspended"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"
    ERROR = "Error"
    INVALID = "Invalid"


class TaskFlag(_ETSIDictionary):
    """ETSI dictionary TaskFlag (TS 103 120 clause 8.2.12, Table 8.14)."""

    IS_TEST = "IsTest"
    IS_EMERGENCY = "IsEmergency"
    IS_NON_LOCAL = "IsNonLocal"
    IS_LOCAL = "IsLocal"


class DeliveryType(_ETSIDictionary):
    """ETSI dictionary TaskDeliveryType (TS 103 120 clause 8.2.7, Table 8.10): what the LEMF
    receives."""

    IRI_ONLY = "IRIOnly"
    CC_ONLY = "CCOnly"
    IRI_AND_CC = "IRIandCC"

    @classmethod
    def _dictionary_name(cls) -> str:
        return "TaskDeliveryType"


# -- header --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointID:
    """An HI-1 endpoint (TS 103 120 clause 6): ISO country code and unique identifier."""

    country_code: str
    unique_identifier: str


@dataclass(frozen=True)
class Version:
    """The message version (TS 103 120 clause 6): ETSI version and national profile."""

    etsi_version: str = "V1.12.1"
    national_profile_owner: str = "XX"
    national_profile_version: str = "v1.0"


@dataclass(frozen=True)
class MessageHeader:
    """The message header (TS 103 120 clause 6): sender, receiver, the transaction's UUID,
    the time stamp (written with microseconds) and the version."""

    sender: EndpointID
    receiver: EndpointID
    transaction_identifier: str
    timestamp: datetime
    version: Version = Version()


# -- approvals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApproverContactDetails:
    """ApproverContactDetails (TS 103 120 Common schema, part of ApproverDetails)."""

    alternate_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True)
class ApproverDetails:
    """Who approved (TS 103 120 common ApproverDetails): name, role, national identity,
    contacts."""

    name: str | None = None
    role: str | None = None
    identity: RawXML | None = None
    contact_details: tuple[ApproverContactDetails, ...] = ()


@dataclass(frozen=True)
class ApprovalDetails:
    """One approval (TS 103 120 common ApprovalDetails). ``digital_signature`` is the
    ``NationalDigitalSignature`` element (ETSI leaves its format to national profiles; the
    library's profile is in :mod:`lawful_intercept.warrants` ``approve``)."""

    approval_type: str | None = None
    description: str | None = None
    reference: str | None = None
    approver: ApproverDetails | None = None
    timestamp: datetime | None = None
    is_emergency: bool | None = None
    digital_signature: RawXML | None = None
    national_details: RawXML | None = None


@dataclass(frozen=True)
class ErrorInformation:
    """ActionUnsuccesfulInformation (TS 103 120 clause 6): an error code and its
    description."""

    code: int
    description: str


# -- objects -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HI1Object:
    """The fields every HI-1 object has (TS 103 120 Core schema, HI1Object). The
    ``object_identifier`` (a UUID) and ``generation`` identify a version of an object."""

    object_identifier: str
    country_code: str | None = None
    owner_identifier: str | None = None
    generation: int | None = None
    external_identifier: str | None = None
    associated_objects: tuple[str, ...] | None = None
    last_changed: datetime | None = None
    national_handling_parameters: RawXML | None = None


@dataclass(frozen=True)
class Timespan:
    """A start and end time (AuthorisationTimespan, DocumentTimespan)."""

    start_time: datetime | None = None
    end_time: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AuthorisationObject(HI1Object):
    """``auth:AuthorisationObject`` (TS 103 120 clause 7.2): the legal authorisation."""

    reference: str | None = None
    legal_type: DictionaryEntry | None = None
    priority: DictionaryEntry | None = None
    status: DictionaryEntry | None = None
    desired_status: DictionaryEntry | None = None
    timespan: Timespan | None = None
    cspids: tuple[EndpointID, ...] = ()
    creation_timestamp: datetime | None = None
    served_timestamp: datetime | None = None
    termination_timestamp: datetime | None = None
    approvals: tuple[ApprovalDetails, ...] = ()
    invalid_reason: ErrorInformation | None = None
    flags: tuple[DictionaryEntry, ...] | None = None
    manual_information: str | None = None
    national_parameters: RawXML | None = None
    jurisdiction: str | None = None
    type_of_case: DictionaryEntry | None = None
    legal_entity: str | None = None


@dataclass(frozen=True)
class TaskTimespan:
    """TaskTimespan (TS 103 120 clause 8.2)."""

    start_time: datetime | None = None
    end_time: datetime | None = None
    termination_time: datetime | None = None
    provisioning_time: datetime | None = None
    deprovisioning_time: datetime | None = None


@dataclass(frozen=True)
class TargetIdentifierValue:
    """One target identifier (TS 103 120 clause 8.2): the format (owner and name, e.g.
    ``ETSI`` ``InternationalE164``) and the value."""

    format_owner: str
    format_name: str
    value: str


@dataclass(frozen=True)
class IPAddressPort:
    """TS 103 280 IPAddressPort: an IPv4 or IPv6 address (TS 103 280 forms) and a TCP or UDP
    port."""

    address: str
    port: int
    transport: Literal["TCP", "UDP"] = "TCP"


DeliveryAddressKind = Literal["IPv4Address", "IPv6Address", "IPAddressPort",
                              "IPAddressPortRange", "E164Number", "FTPAddress", "URL", "FQDN",
                              "EmailAddress", "EndpointID"]


@dataclass(frozen=True)
class DeliveryAddress:
    """A DeliveryAddress (TS 103 120 clause 8.2): one of its alternatives, ``kind`` naming
    it; ``value`` is text, an :class:`IPAddressPort`, an :class:`EndpointID`, or (for an
    IPAddressPortRange) :class:`RawXML`."""

    kind: DeliveryAddressKind
    value: str | IPAddressPort | EndpointID | RawXML


@dataclass(frozen=True)
class DeliveryDestination:
    """A DeliveryDestination (TS 103 120 clause 8.2)."""

    address: DeliveryAddress | None = None
    encryption_details: RawXML | None = None
    iri_or_cc: DictionaryEntry | None = None
    handover_format: DictionaryEntry | None = None
    delivery_profile: DictionaryEntry | None = None
    national_parameters: RawXML | None = None


@dataclass(frozen=True, kw_only=True)
class LITaskObject(HI1Object):
    """``task:LITaskObject`` (TS 103 120 clause 8.2): a lawful interception task. ``reference``
    is the LIID. ``targets`` None means no TargetIdentifier element; ``target_values`` empty
    with a TargetIdentifier present means one without TargetIdentifierValues."""

    reference: str | None = None
    status: DictionaryEntry | None = None
    desired_status: DictionaryEntry | None = None
    timespan: TaskTimespan | None = None
    targets: tuple[TargetIdentifierValue, ...] | None = None
    service_type: DictionaryEntry | None = None
    delivery_type: DictionaryEntry | None = None
    delivery_details: tuple[DeliveryDestination, ...] | None = None
    approvals: tuple[ApprovalDetails, ...] = ()
    cspid: EndpointID | None = None
    handling_profile: DictionaryEntry | None = None
    invalid_reason: ErrorInformation | None = None
    flags: tuple[DictionaryEntry, ...] | None = None
    national_parameters: RawXML | None = None
    traffic_policy_references: RawXML | None = None


@dataclass(frozen=True)
class DocumentBody:
    """DocumentBody (TS 103 120 clause 7.3): the contents and their checksum."""

    contents: bytes | None = None
    content_type: str | None = None
    checksum: str | None = None
    checksum_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class DocumentObject(HI1Object):
    """``doc:DocumentObject`` (TS 103 120 clause 7.3), e.g. the warrant document."""

    reference: str | None = None
    name: str | None = None
    status: DictionaryEntry | None = None
    desired_status: DictionaryEntry | None = None
    timespan: Timespan | None = None
    document_type: DictionaryEntry | None = None
    properties: RawXML | None = None
    body: DocumentBody | None = None
    signatures: tuple[ApprovalDetails, ...] = ()
    invalid_reason: ErrorInformation | None = None
    national_parameters: RawXML | None = None


@dataclass(frozen=True, kw_only=True)
class OtherObject(HI1Object):
    """Any other HI-1 object (LDTask, Notification, Delivery, TrafficPolicy, national ones):
    its ``xsi:type`` in Clark notation and the whole element as received."""

    xsi_type: str
    element: RawXML


# -- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GETRequest:
    """GET (TS 103 120 clause 6): fetch the object ``identifier``."""

    identifier: str


@dataclass(frozen=True)
class CREATERequest:
    """CREATE (TS 103 120 clause 6) of ``obj``."""

    obj: HI1Object


@dataclass(frozen=True)
class UPDATERequest:
    """UPDATE (TS 103 120 clause 6) of ``obj`` (only the fields given change)."""

    obj: HI1Object


@dataclass(frozen=True)
class LISTRequest:
    """LIST (TS 103 120 clause 6): the objects of a type, changed since a time."""

    object_type: DictionaryEntry | None = None
    last_changed: datetime | None = None


@dataclass(frozen=True)
class DELIVERRequest:
    """DELIVER (TS 103 120 clause 6): an object delivered in reply to ``identifier``."""

    identifier: str
    obj: HI1Object


@dataclass(frozen=True)
class ActionRequest:
    """One ActionRequest (TS 103 120 clause 6): its ``action_identifier`` and the action."""

    action_identifier: int
    action: GETRequest | CREATERequest | UPDATERequest | LISTRequest | DELIVERRequest


@dataclass(frozen=True)
class GETResponse:
    """The answer to a GET: the object."""

    obj: HI1Object


@dataclass(frozen=True)
class CREATEResponse:
    """The answer to a CREATE: the new object's identifier, optionally the object."""

    identifier: str
    obj: HI1Object | None = None


@dataclass(frozen=True)
class UPDATEResponse:
    """The answer to an UPDATE: the identifier, optionally the object."""

    identifier: str
    obj: HI1Object | None = None


@dataclass(frozen=True)
class ListResponseRecord:
    """One record of a LIST answer (TS 103 120 clause 6)."""

    object_type: DictionaryEntry
    identifier: str
    generation: int
    country_code: str | None = None
    owner_identifier: str | None = None
    external_identifier: str | None = None
    last_changed: datetime | None = None


@dataclass(frozen=True)
class LISTResponse:
    """The answer to a LIST."""

    records: tuple[ListResponseRecord, ...] = ()


@dataclass(frozen=True)
class DELIVERResponse:
    """The answer to a DELIVER."""

    identifier: str


@dataclass(frozen=True)
class ActionResponse:
    """One ActionResponse (TS 103 120 clause 6): the answer to the action of the same
    identifier, or its :class:`ErrorInformation`."""

    action_identifier: int
    result: (GETResponse | CREATEResponse | UPDATEResponse | LISTResponse | DELIVERResponse
             | ErrorInformation)


@dataclass(frozen=True)
class RequestPayload:
    """A request: one or more actions."""

    actions: tuple[ActionRequest, ...]


@dataclass(frozen=True)
class ResponsePayload:
    """A response: the answers to the actions, or one ``error`` for the whole message."""

    actions: tuple[ActionResponse, ...] = ()
    error: ErrorInformation | None = None


@dataclass(frozen=True)
class HI1Message:
    """An HI-1 message (TS 103 120 clause 6): header, payload and, when signed, the
    enveloped XML-DSig ``signature`` (``ds:Signature``) kept as received. ``legacy_signature``
    is the discouraged untyped ``Signature`` element of the core schema."""

    header: MessageHeader
    payload: RequestPayload | ResponsePayload
    legacy_signature: RawXML | None = None
    signature: RawXML | None = None

    def objects(self) -> tuple[HI1Object, ...]:
        """Every object the message carries, in order."""
        found: list[HI1Object] = []
        if isinstance(self.payload, RequestPayload):
            for request in self.payload.actions:
                action = request.action
                if isinstance(action, CREATERequest | UPDATERequest | DELIVERRequest):
                    found.append(action.obj)
        else:
            for response in self.payload.actions:
                result = response.result
                obj = getattr(result, "obj", None)
                if isinstance(obj, HI1Object):
                    found.append(obj)
        return tuple(found)
