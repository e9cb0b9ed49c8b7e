"""Writing the typed model as HI-1 XML (ETSI TS 103 120 clause 6), in schema order, with the
prefixes of ETSI's examples. What the model keeps as :class:`RawXML` is written back as it
was read."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from lxml import etree  # type: ignore[import-untyped]

from ..errors import WarrantFormatError
from . import _model as model
from ._namespaces import AUTH, COMMON, CORE, DOC, ETSI280, NSMAP, TASK, XSI, qname
from ._xml_safe import parse_xml

__all__ = ["approval_element", "format_time", "write_message", "write_message_element"]


def write_message(message: model.HI1Message) -> bytes:
    """``message`` as an XML document (UTF-8, with an XML declaration)."""
    root = write_message_element(message)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def write_message_element(message: model.HI1Message) -> etree._Element:
    """``message`` as an lxml element tree."""
    if not isinstance(message, model.HI1Message):
        raise TypeError(f"message must be HI1Message, not {type(message).__name__}")
    root = etree.Element(qname(CORE, "HI1Message"), nsmap=NSMAP)
    header = _sub(root, CORE, "Header")
    h = message.header
    _endpoint(_sub(header, CORE, "SenderIdentifier"), h.sender, CORE)
    _endpoint(_sub(header, CORE, "ReceiverIdentifier"), h.receiver, CORE)
    _sub(header, CORE, "TransactionIdentifier", h.transaction_identifier)
    _sub(header, CORE, "Timestamp", format_time(h.timestamp, microseconds=True))
    version = _sub(header, CORE, "Version")
    _sub(version, CORE, "ETSIVersion", h.version.etsi_version)
    _sub(version, CORE, "NationalProfileOwner", h.version.national_profile_owner)
    _sub(version, CORE, "NationalProfileVersion", h.version.national_profile_version)
    payload = _sub(root, CORE, "Payload")
    if isinstance(message.payload, model.RequestPayload):
        holder = _sub(_sub(payload, CORE, "RequestPayload"), CORE, "ActionRequests")
        for request in message.payload.actions:
            _action_request(_sub(holder, CORE, "ActionRequest"), request)
    else:
        response = _sub(payload, CORE, "ResponsePayload")
        if message.payload.error is not None:
            _error(_sub(response, CORE, "ErrorInformation"), message.payload.error)
        else:
            holder = _sub(response, CORE, "ActionResponses")
            for answer in message.payload.actions:
                _action_response(_sub(holder, CORE, "ActionResponse"), answer)
    _raw(root, message.legacy_signature)
    _raw(root, message.signature)
    return root


def format_time(value: datetime, *, microseconds: bool = False) -> str:
    """A TS 103 280 QualifiedDateTime (``Z`` for UTC), with six fractional digits for a
    QualifiedMicrosecondDateTime; a naive ``value`` is refused."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"a time must be a timezone-aware datetime, not {value!r}")
    if not microseconds:
        value = value.replace(microsecond=0)
    text = value.isoformat(timespec="microseconds" if microseconds else "seconds")
    offset = value.utcoffset()
    if offset is not None and not offset:
        text = text[: -len("+00:00")] + "Z"
    return text


def approval_element(approval: model.ApprovalDetails, ns: str, local: str) -> etree._Element:
    """``approval`` as a standalone ``{ns}local`` element of type common:ApprovalDetails."""
    element = etree.Element(qname(ns, local), nsmap=NSMAP)
    _approval_content(element, approval)
    return element


# -- helpers -------------------------------------------------------------------------------


def _sub(parent: etree._Element, ns: str, local: str, text: str | None = None
         ) -> etree._Element:
    element = etree.SubElement(parent, qname(ns, local))
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, ns: str, local: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, ns, local, text)


def _time(parent: etree._Element, ns: str, local: str, value: datetime | None) -> None:
    if value is not None:
        _sub(parent, ns, local, format_time(value))


def _int(parent: etree._Element, ns: str, local: str, value: int | None) -> None:
    if value is not None:
        _sub(parent, ns, local, str(value))


_T = TypeVar("_T")


def _wrapped(parent: etree._Element, ns: str, local: str, item: str, values: Iterable[_T] | None,
             write: Callable[[etree._Element, _T], object]) -> None:
    """A ``local`` element holding one ``item`` element per value, each filled by ``write``;
    nothing when ``values`` is ``None``."""
    if values is not None:
        holder = _sub(parent, ns, local)
        for value in values:
            write(_sub(holder, ns, item), value)


def _text(element: etree._Element, text: str) -> None:
    element.text = text


def _raw(parent: etree._Element, raw: model.RawXML | None) -> None:
    if raw is not None:
        parent.append(parse_xml(raw.data))


def _entry(parent: etree._Element, ns: str, local: str,
           entry: model.DictionaryEntry | None) -> None:
    if entry is not None:
        _entry_content(_sub(parent, ns, local), entry)


def _entry_content(element: etree._Element, entry: model.DictionaryEntry) -> None:
    _sub(element, COMMON, "Owner", entry.owner)
    _sub(element, COMMON, "Name", entry.name)
    _sub(element, COMMON, "Value", entry.value)


def _endpoint(element: etree._Element, endpoint: model.EndpointID, _ns: str) -> None:
    _sub(element, CORE, "CountryCode", endpoint.country_code)
    _sub(element, CORE, "UniqueIdentifier", endpoint.unique_identifier)


def _error(element: etree._Element, error: model.ErrorInformation) -> None:
    _sub(element, CORE, "ErrorCode", str(error.code))
    _sub(element, CORE, "ErrorDescription", error.description)


def _action_request(element: etree._Element, request: model.ActionRequest) -> None:
    _sub(element, CORE, "ActionIdentifier", str(request.action_identifier))
    action = request.action
    if isinstance(action, model.GETRequest):
        _sub(_sub(element, CORE, "GET"), CORE, "Identifier", action.identifier)
    elif isinstance(action, model.CREATERequest):
        _object(_sub(element, CORE, "CREATE"), action.obj)
    elif isinstance(action, model.UPDATERequest):
        _object(_sub(element, CORE, "UPDATE"), action.obj)
    elif isinstance(action, model.LISTRequest):
        listing = _sub(element, CORE, "LIST")
        _entry(listing, CORE, "ObjectType", action.object_type)
        _time(listing, CORE, "LastChanged", action.last_changed)
    elif isinstance(action, model.DELIVERRequest):
        deliver = _sub(element, CORE, "DELIVER")
        _sub(deliver, CORE, "Identifier", action.identifier)
        _object(deliver, action.obj)
    else:
        raise TypeError(f"unknown action {type(action).__name__}")


def _action_response(element: etree._Element, answer: model.ActionResponse) -> None:
    _sub(element, CORE, "ActionIdentifier", str(answer.action_identifier))
    result = answer.result
    if isinstance(result, model.GETResponse):
        _object(_sub(element, CORE, "GETResponse"), result.obj)
    elif isinstance(result, model.CREATEResponse | model.UPDATEResponse):
        local = "CREATEResponse" if isinstance(result, model.CREATEResponse) else "UPDATEResponse"
        holder = _sub(element, CORE, local)
        _sub(holder, CORE, "Identifier", result.identifier)
        if result.obj is not None:
            _object(holder, result.obj)
    elif isinstance(result, model.LISTResponse):
        listing = _sub(element, CORE, "LISTResponse")
        for record in result.records:
            r = _sub(listing, CORE, "ListResponseRecord")
            _entry(r, CORE, "ObjectType", record.object_type)
            _sub(r, CORE, "Identifier", record.identifier)
            _opt(r, CORE, "CountryCode", record.country_code)
            _opt(r, CORE, "OwnerIdentifier", record.owner_identifier)
            _sub(r, CORE, "Generation", str(record.generation))
            _opt(r, CORE, "ExternalIdentifier", record.external_identifier)
            _time(r, CORE, "LastChanged", record.last_changed)
    elif isinstance(result, model.ErrorInformation):
        _error(_sub(element, CORE, "ErrorInformation"), result)
    elif isinstance(result, model.DELIVERResponse):
        _sub(_sub(element, CORE, "DELIVERResponse"), CORE, "Identifier", result.identifier)
    else:
        raise TypeError(f"unknown response {type(result).__name__}")


# -- objects -------------------------------------------------------------------------------


def _object(parent: etree._Element, obj: model.HI1Object) -> None:
    if isinstance(obj, model.OtherObject):
        element = parse_xml(obj.element.data)
        if element.tag != qname(CORE, "HI1Object"):
            raise WarrantFormatError("an OtherObject's element must be an HI1Object",
                                     "HI1Object")
        parent.append(element)
        return
    element = _sub(parent, CORE, "HI1Object")
    if isinstance(obj, model.AuthorisationObject):
        element.set(qname(XSI, "type"), "auth:AuthorisationObject")
        _base(element, obj)
        _authorisation(element, obj)
    elif isinstance(obj, model.LITaskObject):
        element.set(qname(XSI, "type"), "task:LITaskObject")
        _base(element, obj)
        _task(element, obj)
    elif isinstance(obj, model.DocumentObject):
        element.set(qname(XSI, "type"), "doc:DocumentObject")
        _base(element, obj)
        _document(element, obj)
    else:
        raise TypeError(f"cannot write an HI-1 object of type {type(obj).__name__}")


def _base(element: etree._Element, obj: model.HI1Object) -> None:
    _sub(element, CORE, "ObjectIdentifier", obj.object_identifier)
    _opt(element, CORE, "CountryCode", obj.country_code)
    _opt(element, CORE, "OwnerIdentifier", obj.owner_identifier)
    _int(element, CORE, "Generation", obj.generation)
    _opt(element, CORE, "ExternalIdentifier", obj.external_identifier)
    _wrapped(element, CORE, "AssociatedObjects", "AssociatedObject", obj.associated_objects,
             _text)
    _time(element, CORE, "LastChanged", obj.last_changed)
    _raw(element, obj.national_handling_parameters)


def _timespan(element: etree._Element, ns: str, local: str, span: model.Timespan | None) -> None:
    if span is not None:
        holder = _sub(element, ns, local)
        _time(holder, ns, "StartTime", span.start_time)
        _time(holder, ns, "EndTime", span.end_time)


def _flags(element: etree._Element, ns: str, local: str, item: str,
           flags: tuple[model.DictionaryEntry, ...] | None) -> None:
    _wrapped(element, ns, local, item, flags, _entry_content)


def _approval_content(element: etree._Element, approval: model.ApprovalDetails) -> None:
    _opt(element, COMMON, "ApprovalType", approval.approval_type)
    _opt(element, COMMON, "ApprovalDescription", approval.description)
    _opt(element, COMMON, "ApprovalReference", approval.reference)
    if approval.approver is not None:
        details = _sub(element, COMMON, "ApproverDetails")
        _opt(details, COMMON, "ApproverName", approval.approver.name)
        _opt(details, COMMON, "ApproverRole", approval.approver.role)
        _raw(details, approval.approver.identity)
        for contact in approval.approver.contact_details:
            holder = _sub(details, COMMON, "ApproverContactDetails")
            _opt(holder, COMMON, "ApproverAlternateName", contact.alternate_name)
            _opt(holder, COMMON, "ApproverEmailAddress", contact.email_address)
            _opt(holder, COMMON, "ApproverPhoneNumber", contact.phone_number)
    _time(element, COMMON, "ApprovalTimestamp", approval.timestamp)
    if approval.is_emergency is not None:
        _sub(element, COMMON, "ApprovalIsEmergency", "true" if approval.is_emergency else "false")
    _raw(element, approval.digital_signature)
    _raw(element, approval.national_details)


def _approvals(element: etree._Element, ns: str, local: str,
               approvals: tuple[model.ApprovalDetails, ...]) -> None:
    for approval in approvals:
        _approval_content(_sub(element, ns, local), approval)


def _authorisation(element: etree._Element, obj: model.AuthorisationObject) -> None:
    _opt(element, AUTH, "AuthorisationReference", obj.reference)
    _entry(element, AUTH, "AuthorisationLegalType", obj.legal_type)
    _entry(element, AUTH, "AuthorisationPriority", obj.priority)
    _entry(element, AUTH, "AuthorisationStatus", obj.status)
    _entry(element, AUTH, "AuthorisationDesiredStatus", obj.desired_status)
    _timespan(element, AUTH, "AuthorisationTimespan", obj.timespan)
    _wrapped(element, AUTH, "AuthorisationCSPID", "CSPID", obj.cspids or None,
             lambda e, cspid: _endpoint(e, cspid, AUTH))
    _time(element, AUTH, "AuthorisationCreationTimestamp", obj.creation_timestamp)
    _time(element, AUTH, "AuthorisationServedTimestamp", obj.served_timestamp)
    _time(element, AUTH, "AuthorisationTerminationTimestamp", obj.termination_timestamp)
    _approvals(element, AUTH, "AuthorisationApprovalDetails", obj.approvals)
    if obj.invalid_reason is not None:
        _error(_sub(element, AUTH, "AuthorisationInvalidReason"), obj.invalid_reason)
    _flags(element, AUTH, "AuthorisationFlags", "AuthorisationFlag", obj.flags)
    _opt(element, AUTH, "AuthorisationManualInformation", obj.manual_information)
    _raw(element, obj.national_parameters)
    _opt(element, AUTH, "AuthorisationJurisdiction", obj.jurisdiction)
    _entry(element, AUTH, "AuthorisationTypeOfCase", obj.type_of_case)
    _opt(element, AUTH, "AuthorisationLegalEntity", obj.legal_entity)


def _address(element: etree._Element, address: model.DeliveryAddress) -> None:
    holder = _sub(element, TASK, "DeliveryAddress")
    value = address.value
    if isinstance(value, model.RawXML):
        _raw(holder, value)
    elif isinstance(value, model.EndpointID):
        _endpoint(_sub(holder, TASK, address.kind), value, TASK)
    elif isinstance(value, model.IPAddressPort):
        port = _sub(holder, TASK, "IPAddressPort")
        ip = _sub(port, ETSI280, "address")
        _sub(ip, ETSI280, "IPv6Address" if ":" in value.address else "IPv4Address",
             value.address)
        _sub(_sub(port, ETSI280, "port"), ETSI280, f"{value.transport}Port", str(value.port))
    else:
        _sub(holder, TASK, address.kind, value)


def _destination(element: etree._Element, destination: model.DeliveryDestination) -> None:
    if destination.address is not None:
        _address(element, destination.address)
    _raw(element, destination.encryption_details)
    _entry(element, TASK, "IRIorCC", destination.iri_or_cc)
    _entry(element, TASK, "HandoverFormat", destination.handover_format)
    _entry(element, TASK, "DeliveryProfile", destination.delivery_profile)
    _raw(element, destination.national_parameters)


def _task(element: etree._Element, obj: model.LITaskObject) -> None:
    _opt(element, TASK, "Reference", obj.reference)
    _entry(element, TASK, "Status", obj.status)
    _entry(element, TASK, "DesiredStatus", obj.desired_status)
    if obj.timespan is not None:
        span = _sub(element, TASK, "Timespan")
        _time(span, TASK, "StartTime", obj.timespan.start_time)
        _time(span, TASK, "EndTime", obj.timespan.end_time)
        _time(span, TASK, "TerminationTime", obj.timespan.termination_time)
        _time(span, TASK, "ProvisioningTime", obj.timespan.provisioning_time)
        _time(span, TASK, "DeprovisioningTime", obj.timespan.deprovisioning_time)
    if obj.targets is not None or obj.service_type is not None:
        target = _sub(element, TASK, "TargetIdentifier")
        if obj.targets:
            values = _sub(target, TASK, "TargetIdentifierValues")
            for item in obj.targets:
                value = _sub(values, TASK, "TargetIdentifierValue")
                fmt = _sub(value, TASK, "FormatType")
                _sub(fmt, TASK, "FormatOwner", item.format_owner)
                _sub(fmt, TASK, "FormatName", item.format_name)
                _sub(value, TASK, "Value", item.value)
        _entry(target, TASK, "ServiceType", obj.service_type)
    _entry(element, TASK, "DeliveryType", obj.delivery_type)
    _wrapped(element, TASK, "DeliveryDetails", "DeliveryDestination", obj.delivery_details,
             _destination)
    _approvals(element, TASK, "ApprovalDetails", obj.approvals)
    if obj.cspid is not None:
        _endpoint(_sub(element, TASK, "CSPID"), obj.cspid, TASK)
    _entry(element, TASK, "HandlingProfile", obj.handling_profile)
    if obj.invalid_reason is not None:
        _error(_sub(element, TASK, "InvalidReason"), obj.invalid_reason)
    _flags(element, TASK, "Flags", "TaskFlag", obj.flags)
    _raw(element, obj.national_parameters)
    _raw(element, obj.traffic_policy_references)


def _document(element: etree._Element, obj: model.DocumentObject) -> None:
    _opt(element, DOC, "DocumentReference", obj.reference)
    _opt(element, DOC, "DocumentName", obj.name)
    _entry(element, DOC, "DocumentStatus", obj.status)
    _entry(element, DOC, "DocumentDesiredStatus", obj.desired_status)
    _timespan(element, DOC, "DocumentTimespan", obj.timespan)
    _entry(element, DOC, "DocumentType", obj.document_type)
    _raw(element, obj.properties)
    if obj.body is not None:
        body = _sub(element, DOC, "DocumentBody")
        if obj.body.contents is not None:
            _sub(body, DOC, "Contents", base64.b64encode(obj.body.contents).decode("ascii"))
        _opt(body, DOC, "ContentType", obj.body.content_type)
        _opt(body, DOC, "Checksum", obj.body.checksum)
        _opt(body, DOC, "ChecksumType", obj.body.checksum_type)
    _approvals(element, DOC, "DocumentSignature", obj.signatures)
    if obj.invalid_reason is not None:
        _error(_sub(element, DOC, "DocumentInvalidReason"), obj.invalid_reason)
    _raw(element, obj.national_parameters)


