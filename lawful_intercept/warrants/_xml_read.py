"""Reading HI-1 messages (ETSI TS 103 120 clause 6) into the typed model.

Every element is read in the order of its schema type; an element the model does not expect
is an error that names it (nothing is dropped silently). National extensions are kept as
:class:`RawXML`. See ``docs/warrants.md``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TypeVar

from lxml import etree  # type: ignore[import-untyped]

from ..errors import WarrantFormatError
from . import _model as model
from ._namespaces import AUTH, COMMON, CORE, DOC, DS, ETSI280, TASK, XSI, qname
from ._xml_safe import DEFAULT_MAX_BYTES, parse_xml

__all__ = ["read_message", "read_message_element"]

_T = TypeVar("_T")


def read_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> model.HI1Message:
    """Parse ``data`` (an HI-1 message, TS 103 120 clause 6) with the hardened parser and
    read it into an :class:`HI1Message`;
    :class:`~lawful_intercept.errors.WarrantFormatError` names what is wrong."""
    return read_message_element(parse_xml(data, max_bytes=max_bytes))


def read_message_element(root: etree._Element) -> model.HI1Message:
    """An :class:`HI1Message` from an already parsed root element."""
    if root.tag != qname(CORE, "HI1Message"):
        raise WarrantFormatError(f"the root element must be HI1Message of {CORE}, not "
                                 f"{root.tag}", "HI1Message")
    c = _Cursor(root, "HI1Message")
    header = _header(c.one(CORE, "Header"))
    payload_el = c.one(CORE, "Payload")
    legacy = c.opt(CORE, "Signature")
    signature = c.opt(DS, "Signature")
    c.done()
    return model.HI1Message(header=header, payload=_payload(payload_el),
                            legacy_signature=_raw(legacy) if legacy is not None else None,
                            signature=_raw(signature) if signature is not None else None)


class _Cursor:
    """Walks an element's children in schema order; ``with _Cursor(...) as c:`` reads an
    element whole (:meth:`done` at the end of the block)."""

    def __init__(self, element: etree._Element, path: str) -> None:
        self.path = path
        self.children = [child for child in element if isinstance(child.tag, str)]
        self.index = 0

    def where(self, local: str) -> str:
        return f"{self.path}.{local}"

    def opt(self, ns: str, local: str) -> etree._Element | None:
        if self.index < len(self.children) and self.children[self.index].tag == qname(ns, local):
            self.index += 1
            return self.children[self.index - 1]
        return None

    def one(self, ns: str, local: str) -> etree._Element:
        found = self.opt(ns, local)
        if found is None:
            raise WarrantFormatError(f"required element {local} is missing", self.where(local))
        return found

    def many(self, ns: str, local: str) -> list[etree._Element]:
        found = []
        while (element := self.opt(ns, local)) is not None:
            found.append(element)
        return found

    def text(self, ns: str, local: str) -> str | None:
        element = self.opt(ns, local)
        return None if element is None else _text(element)

    def text1(self, ns: str, local: str) -> str:
        return _text(self.one(ns, local))

    def sub(self, ns: str, local: str, read: Callable[[etree._Element, str], _T]) -> _T | None:
        element = self.opt(ns, local)
        return None if element is None else read(element, self.where(local))

    def raw(self, ns: str, local: str) -> model.RawXML | None:
        element = self.opt(ns, local)
        return None if element is None else _raw(element)

    def time(self, ns: str, local: str) -> datetime | None:
        value = self.text(ns, local)
        return None if value is None else _datetime(value, self.where(local))

    def integer(self, ns: str, local: str) -> int | None:
        value = self.text(ns, local)
        return None if value is None else _integer(value, self.where(local))

    def entry(self, ns: str, local: str) -> model.DictionaryEntry | None:
        return self.sub(ns, local, _entry)

    def __enter__(self) -> _Cursor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:  # read to the end: nothing may follow what the schema allows
            self.done()

    def done(self) -> None:
        if self.index < len(self.children):
            extra = self.children[self.index]
            name = etree.QName(extra).localname
            raise WarrantFormatError(f"unexpected element {name} (namespace "
                                     f"{etree.QName(extra).namespace}) here", self.where(name))


def _raw(element: etree._Element) -> model.RawXML:
    return model.RawXML(etree.tostring(element))


def _text(element: etree._Element) -> str:
    if len([c for c in element if isinstance(c.tag, str)]):
        raise WarrantFormatError("expected text, found child elements",
                                 etree.QName(element).localname)
    return (element.text or "").strip()


def _datetime(value: str, path: str) -> datetime:
    try:
        result = datetime.fromisoformat(value)
    except ValueError:
        raise WarrantFormatError(f"{value!r} is not a date and time (xs:dateTime)",
                                 path) from None
    if result.tzinfo is None:
        raise WarrantFormatError(f"{value!r} has no time zone (TS 103 280 QualifiedDateTime "
                                 "needs Z or an offset)", path)
    return result


def _integer(value: str, path: str) -> int:
    if not value.isdigit():
        raise WarrantFormatError(f"{value!r} is not a non-negative integer", path)
    return int(value)


def _boolean(value: str, path: str) -> bool:
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise WarrantFormatError(f"{value!r} is not an xs:boolean", path)


def _entry(element: etree._Element, path: str) -> model.DictionaryEntry:
    with _Cursor(element, path) as c:
        return model.DictionaryEntry(c.text1(COMMON, "Owner"), c.text1(COMMON, "Name"),
                                     c.text1(COMMON, "Value"))


def _endpoint(element: etree._Element, path: str) -> model.EndpointID:
    with _Cursor(element, path) as c:
        return model.EndpointID(c.text1(CORE, "CountryCode"), c.text1(CORE, "UniqueIdentifier"))


def _error(element: etree._Element, path: str) -> model.ErrorInformation:
    with _Cursor(element, path) as c:
        code = _integer(c.text1(CORE, "ErrorCode"), c.where("ErrorCode"))
        return model.ErrorInformation(code, c.text1(CORE, "ErrorDescription"))


def _header(element: etree._Element) -> model.MessageHeader:
    with _Cursor(element, "Header") as c:
        sender = _endpoint(c.one(CORE, "SenderIdentifier"), "Header.SenderIdentifier")
        receiver = _endpoint(c.one(CORE, "ReceiverIdentifier"), "Header.ReceiverIdentifier")
        transaction = c.text1(CORE, "TransactionIdentifier")
        timestamp = _datetime(c.text1(CORE, "Timestamp"), "Header.Timestamp")
        v = _Cursor(c.one(CORE, "Version"), "Header.Version")
        version = model.Version(v.text1(CORE, "ETSIVersion"), v.text1(CORE, "NationalProfileOwner"),
                                v.text1(CORE, "NationalProfileVersion"))
        v.done()
        return model.MessageHeader(sender, receiver, transaction, timestamp, version)


def _payload(element: etree._Element) -> model.RequestPayload | model.ResponsePayload:
    c = _Cursor(element, "Payload")
    request = c.opt(CORE, "RequestPayload")
    if request is not None:
        c.done()
        r = _Cursor(request, "Payload.RequestPayload")
        requests = r.one(CORE, "ActionRequests")
        r.done()
        return model.RequestPayload(_actions(requests, "ActionRequest", _action_request))
    response = c.one(CORE, "ResponsePayload")
    c.done()
    r = _Cursor(response, "Payload.ResponsePayload")
    error = r.sub(CORE, "ErrorInformation", _error)
    if error is not None:
        r.done()
        return model.ResponsePayload(error=error)
    responses = r.one(CORE, "ActionResponses")
    r.done()
    return model.ResponsePayload(actions=_actions(responses, "ActionResponse", _action_response))


def _actions(element: etree._Element, item: str,
             read: Callable[[etree._Element, str], _T]) -> tuple[_T, ...]:
    """The ``item`` children of ``element`` (``ActionRequests`` or ``ActionResponses``),
    each read by ``read``: at least one (TS 103 120 clause 6)."""
    with _Cursor(element, f"{item}s") as c:
        items = tuple(read(e, f"{item}[{i}]") for i, e in enumerate(c.many(CORE, item)))
    if not items:
        raise WarrantFormatError(f"at least one {item} is required", f"{item}s")
    return items


def _action_request(element: etree._Element, path: str) -> model.ActionRequest:
    with _Cursor(element, path) as c:
        identifier = _integer(c.text1(CORE, "ActionIdentifier"), c.where("ActionIdentifier"))
        action: (model.GETRequest | model.CREATERequest | model.UPDATERequest | model.LISTRequest
                 | model.DELIVERRequest)
        if (get := c.opt(CORE, "GET")) is not None:
            g = _Cursor(get, c.where("GET"))
            action = model.GETRequest(g.text1(CORE, "Identifier"))
            g.done()
        elif (create := c.opt(CORE, "CREATE")) is not None:
            action = model.CREATERequest(_only_object(create, c.where("CREATE")))
        elif (update := c.opt(CORE, "UPDATE")) is not None:
            action = model.UPDATERequest(_only_object(update, c.where("UPDATE")))
        elif (listing := c.opt(CORE, "LIST")) is not None:
            lc = _Cursor(listing, c.where("LIST"))
            action = model.LISTRequest(lc.entry(CORE, "ObjectType"), lc.time(CORE, "LastChanged"))
            lc.done()
        elif (deliver := c.opt(CORE, "DELIVER")) is not None:
            d = _Cursor(deliver, c.where("DELIVER"))
            ident = d.text1(CORE, "Identifier")
            action = model.DELIVERRequest(ident,
                                          _object(d.one(CORE, "HI1Object"), d.where("HI1Object")))
            d.done()
        else:
            raise WarrantFormatError("one of GET, CREATE, UPDATE, LIST or DELIVER is required",
                                     path)
        return model.ActionRequest(identifier, action)


def _only_object(element: etree._Element, path: str) -> model.HI1Object:
    with _Cursor(element, path) as c:
        return _object(c.one(CORE, "HI1Object"), c.where("HI1Object"))


def _identified(element: etree._Element, path: str
                ) -> tuple[str, model.HI1Object | None]:
    with _Cursor(element, path) as c:
        identifier = c.text1(CORE, "Identifier")
        obj = c.sub(CORE, "HI1Object", _object)
        return identifier, obj


def _action_response(element: etree._Element, path: str) -> model.ActionResponse:
    with _Cursor(element, path) as c:
        identifier = _integer(c.text1(CORE, "ActionIdentifier"), c.where("ActionIdentifier"))
        result: (model.GETResponse | model.CREATEResponse | model.UPDATEResponse
                 | model.LISTResponse | model.DELIVERResponse | model.ErrorInformation)
        if (get := c.opt(CORE, "GETResponse")) is not None:
            result = model.GETResponse(_only_object(get, c.where("GETResponse")))
        elif (create := c.opt(CORE, "CREATEResponse")) is not None:
            result = model.CREATEResponse(*_identified(create, c.where("CREATEResponse")))
        elif (update := c.opt(CORE, "UPDATEResponse")) is not None:
            result = model.UPDATEResponse(*_identified(update, c.where("UPDATEResponse")))
        elif (listing := c.opt(CORE, "LISTResponse")) is not None:
            lc = _Cursor(listing, c.where("LISTResponse"))
            result = model.LISTResponse(tuple(_list_record(r, lc.where("ListResponseRecord"))
                                              for r in lc.many(CORE, "ListResponseRecord")))
            lc.done()
        elif (error := c.opt(CORE, "ErrorInformation")) is not None:
            result = _error(error, c.where("ErrorInformation"))
        elif (deliver := c.opt(CORE, "DELIVERResponse")) is not None:
            d = _Cursor(deliver, c.where("DELIVERResponse"))
            result = model.DELIVERResponse(d.text1(CORE, "Identifier"))
            d.done()
        else:
            raise WarrantFormatError("a response or ErrorInformation is required", path)
        return model.ActionResponse(identifier, result)


def _list_record(element: etree._Element, path: str) -> model.ListResponseRecord:
    with _Cursor(element, path) as c:
        object_type = _entry(c.one(CORE, "ObjectType"), c.where("ObjectType"))
        identifier = c.text1(CORE, "Identifier")
        country = c.text(CORE, "CountryCode")
        owner = c.text(CORE, "OwnerIdentifier")
        generation = _integer(c.text1(CORE, "Generation"), c.where("Generation"))
        return model.ListResponseRecord(object_type, identifier, generation, country, owner,
                                        c.text(CORE, "ExternalIdentifier"),
                                        c.time(CORE, "LastChanged"))


# -- objects -------------------------------------------------------------------------------


def _xsi_type(element: etree._Element, path: str) -> str:
    value = element.get(qname(XSI, "type"))
    if value is None:
        raise WarrantFormatError("HI1Object needs an xsi:type (the type is abstract)", path)
    prefix, _, local = value.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace is None:
        raise WarrantFormatError(f"xsi:type {value!r} uses an undeclared prefix", path)
    return qname(namespace, local)


def _base(c: _Cursor) -> dict[str, object]:
    identifier = c.text1(CORE, "ObjectIdentifier")
    country = c.text(CORE, "CountryCode")
    owner = c.text(CORE, "OwnerIdentifier")
    generation = c.integer(CORE, "Generation")
    external = c.text(CORE, "ExternalIdentifier")
    associated = c.opt(CORE, "AssociatedObjects")
    associated_ids: tuple[str, ...] | None = None
    if associated is not None:
        a = _Cursor(associated, c.where("AssociatedObjects"))
        associated_ids = tuple(_text(e) for e in a.many(CORE, "AssociatedObject"))
        a.done()
    return {"object_identifier": identifier, "country_code": country,
            "owner_identifier": owner, "generation": generation,
            "external_identifier": external, "associated_objects": associated_ids,
            "last_changed": c.time(CORE, "LastChanged"),
            "national_handling_parameters": c.raw(CORE, "NationalHandlingParameters")}


def _object(element: etree._Element, path: str) -> model.HI1Object:
    kind = _xsi_type(element, path)
    c = _Cursor(element, path)
    if kind == qname(AUTH, "AuthorisationObject"):
        return _authorisation(c, _base(c))
    if kind == qname(TASK, "LITaskObject"):
        return _task(c, _base(c))
    if kind == qname(DOC, "DocumentObject"):
        return _document(c, _base(c))
    base = _base(c)
    return model.OtherObject(xsi_type=kind, element=_raw(element),
                             **base)  # type: ignore[arg-type]


def _flags(c: _Cursor, ns: str, local: str, item: str) -> tuple[model.DictionaryEntry, ...] | None:
    element = c.opt(ns, local)
    if element is None:
        return None
    f = _Cursor(element, c.where(local))
    flags = tuple(_entry(e, f.where(item)) for e in f.many(ns, item))
    f.done()
    return flags


def _approvals(c: _Cursor, ns: str, local: str) -> tuple[model.ApprovalDetails, ...]:
    return tuple(_approval(e, f"{c.where(local)}[{i}]")
                 for i, e in enumerate(c.many(ns, local)))


def _approval(element: etree._Element, path: str) -> model.ApprovalDetails:
    with _Cursor(element, path) as c:
        approval_type = c.text(COMMON, "ApprovalType")
        description = c.text(COMMON, "ApprovalDescription")
        reference = c.text(COMMON, "ApprovalReference")
        approver = c.sub(COMMON, "ApproverDetails", _approver)
        timestamp = c.time(COMMON, "ApprovalTimestamp")
        emergency_text = c.text(COMMON, "ApprovalIsEmergency")
        emergency = None if emergency_text is None else _boolean(emergency_text,
                                                                 c.where("ApprovalIsEmergency"))
        signature = c.raw(COMMON, "ApprovalDigitalSignature")
        national = c.raw(COMMON, "ApprovalNationalDetails")
        return model.ApprovalDetails(approval_type, description, reference, approver, timestamp,
                                     emergency, signature, national)


def _approver(element: etree._Element, path: str) -> model.ApproverDetails:
    with _Cursor(element, path) as c:
        name = c.text(COMMON, "ApproverName")
        role = c.text(COMMON, "ApproverRole")
        identity = c.raw(COMMON, "ApproverIdentity")
        contacts = []
        for contact in c.many(COMMON, "ApproverContactDetails"):
            k = _Cursor(contact, c.where("ApproverContactDetails"))
            contacts.append(model.ApproverContactDetails(k.text(COMMON, "ApproverAlternateName"),
                                                         k.text(COMMON, "ApproverEmailAddress"),
                                                         k.text(COMMON, "ApproverPhoneNumber")))
            k.done()
        return model.ApproverDetails(name, role, identity, tuple(contacts))


def _timespan(element: etree._Element, path: str, ns: str) -> model.Timespan:
    with _Cursor(element, path) as c:
        return model.Timespan(c.time(ns, "StartTime"), c.time(ns, "EndTime"))


def _authorisation(c: _Cursor, base: dict[str, object]) -> model.AuthorisationObject:
    reference = c.text(AUTH, "AuthorisationReference")
    legal_type = c.entry(AUTH, "AuthorisationLegalType")
    priority = c.entry(AUTH, "AuthorisationPriority")
    status = c.entry(AUTH, "AuthorisationStatus")
    desired = c.entry(AUTH, "AuthorisationDesiredStatus")
    span = c.sub(AUTH, "AuthorisationTimespan", lambda e, p: _timespan(e, p, AUTH))
    cspids: tuple[model.EndpointID, ...] = ()
    if (csp := c.opt(AUTH, "AuthorisationCSPID")) is not None:
        k = _Cursor(csp, c.where("AuthorisationCSPID"))
        cspids = tuple(_endpoint(e, k.where("CSPID")) for e in k.many(AUTH, "CSPID"))
        k.done()
    created = c.time(AUTH, "AuthorisationCreationTimestamp")
    served = c.time(AUTH, "AuthorisationServedTimestamp")
    terminated = c.time(AUTH, "AuthorisationTerminationTimestamp")
    approvals = _approvals(c, AUTH, "AuthorisationApprovalDetails")
    invalid = c.sub(AUTH, "AuthorisationInvalidReason", _error)
    flags = _flags(c, AUTH, "AuthorisationFlags", "AuthorisationFlag")
    manual = c.text(AUTH, "AuthorisationManualInformation")
    national = c.raw(AUTH, "NationalAuthorisationParameters")
    jurisdiction = c.text(AUTH, "AuthorisationJurisdiction")
    type_of_case = c.entry(AUTH, "AuthorisationTypeOfCase")
    legal_entity = c.text(AUTH, "AuthorisationLegalEntity")
    c.done()
    return model.AuthorisationObject(
        reference=reference, legal_type=legal_type, priority=priority, status=status,
        desired_status=desired, timespan=span, cspids=cspids, creation_timestamp=created,
        served_timestamp=served, termination_timestamp=terminated, approvals=approvals,
        invalid_reason=invalid, flags=flags, manual_information=manual,
        national_parameters=national, jurisdiction=jurisdiction, type_of_case=type_of_case,
        legal_entity=legal_entity, **base)  # type: ignore[arg-type]


def _task_timespan(element: etree._Element, path: str) -> model.TaskTimespan:
    with _Cursor(element, path) as c:
        return model.TaskTimespan(c.time(TASK, "StartTime"), c.time(TASK, "EndTime"),
                                  c.time(TASK, "TerminationTime"), c.time(TASK, "ProvisioningTime"),
                                  c.time(TASK, "DeprovisioningTime"))


def _targets(element: etree._Element, path: str
             ) -> tuple[tuple[model.TargetIdentifierValue, ...], model.DictionaryEntry | None]:
    with _Cursor(element, path) as c:
        values: list[model.TargetIdentifierValue] = []
        if (holder := c.opt(TASK, "TargetIdentifierValues")) is not None:
            h = _Cursor(holder, c.where("TargetIdentifierValues"))
            for i, value in enumerate(h.many(TASK, "TargetIdentifierValue")):
                v = _Cursor(value, f"{h.where('TargetIdentifierValue')}[{i}]")
                f = _Cursor(v.one(TASK, "FormatType"), v.where("FormatType"))
                owner, name = f.text1(TASK, "FormatOwner"), f.text1(TASK, "FormatName")
                f.done()
                values.append(model.TargetIdentifierValue(owner, name, v.text1(TASK, "Value")))
                v.done()
            h.done()
        service = c.entry(TASK, "ServiceType")
        return tuple(values), service


def _ip_address(element: etree._Element, path: str) -> str:
    with _Cursor(element, path) as c:
        value = c.text(ETSI280, "IPv4Address")
        if value is None:
            value = c.text1(ETSI280, "IPv6Address")
        return value


def _address(element: etree._Element, path: str) -> model.DeliveryAddress:
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) != 1 or etree.QName(children[0]).namespace != TASK:
        raise WarrantFormatError("DeliveryAddress needs exactly one alternative", path)
    child = children[0]
    kind = etree.QName(child).localname
    where = f"{path}.{kind}"
    if kind == "IPAddressPort":
        c = _Cursor(child, where)
        address = _ip_address(c.one(ETSI280, "address"), c.where("address"))
        p = _Cursor(c.one(ETSI280, "port"), c.where("port"))
        tcp = p.integer(ETSI280, "TCPPort")
        port = tcp if tcp is not None else _integer(p.text1(ETSI280, "UDPPort"),
                                                    p.where("UDPPort"))
        p.done()
        c.done()
        return model.DeliveryAddress("IPAddressPort", model.IPAddressPort(address, port,
                                                               "TCP" if tcp is not None
                                                               else "UDP"))
    if kind == "EndpointID":
        return model.DeliveryAddress("EndpointID", _endpoint(child, where))
    if kind == "IPAddressPortRange":
        return model.DeliveryAddress("IPAddressPortRange", _raw(child))
    if kind in ("IPv4Address", "IPv6Address", "E164Number", "FTPAddress", "URL", "FQDN",
                "EmailAddress"):
        return model.DeliveryAddress(kind, _text(child))
    raise WarrantFormatError(f"unknown DeliveryAddress alternative {kind}", where)


def _destination(element: etree._Element, path: str) -> model.DeliveryDestination:
    with _Cursor(element, path) as c:
        address = c.sub(TASK, "DeliveryAddress", _address)
        return model.DeliveryDestination(address, c.raw(TASK, "EncryptionDetails"),
                                         c.entry(TASK, "IRIorCC"),
                                         c.entry(TASK, "HandoverFormat"),
                                         c.entry(TASK, "DeliveryProfile"),
                                         c.raw(TASK, "NationalDeliveryParameters"))


def _task(c: _Cursor, base: dict[str, object]) -> model.LITaskObject:
    reference = c.text(TASK, "Reference")
    status = c.entry(TASK, "Status")
    desired = c.entry(TASK, "DesiredStatus")
    span = c.sub(TASK, "Timespan", _task_timespan)
    targets: tuple[model.TargetIdentifierValue, ...] | None = None
    service = None
    if (target_el := c.opt(TASK, "TargetIdentifier")) is not None:
        targets, service = _targets(target_el, c.where("TargetIdentifier"))
    delivery_type = c.entry(TASK, "DeliveryType")
    details: tuple[model.DeliveryDestination, ...] | None = None
    if (details_el := c.opt(TASK, "DeliveryDetails")) is not None:
        d = _Cursor(details_el, c.where("DeliveryDetails"))
        details = tuple(_destination(e, f"{d.where('DeliveryDestination')}[{i}]")
                        for i, e in enumerate(d.many(TASK, "DeliveryDestination")))
        d.done()
    approvals = _approvals(c, TASK, "ApprovalDetails")
    cspid = c.sub(TASK, "CSPID", _endpoint)
    handling = c.entry(TASK, "HandlingProfile")
    invalid = c.sub(TASK, "InvalidReason", _error)
    flags = _flags(c, TASK, "Flags", "TaskFlag")
    national = c.raw(TASK, "NationalLITaskingParameters")
    policies = c.raw(TASK, "ListOfTrafficPolicyReferences")
    c.done()
    return model.LITaskObject(
        reference=reference, status=status, desired_status=desired, timespan=span,
        targets=targets, service_type=service, delivery_type=delivery_type,
        delivery_details=details, approvals=approvals, cspid=cspid, handling_profile=handling,
        invalid_reason=invalid, flags=flags, national_parameters=national,
        traffic_policy_references=policies, **base)  # type: ignore[arg-type]


def _body(element: etree._Element, path: str) -> model.DocumentBody:
    with _Cursor(element, path) as c:
        contents_text = c.text(DOC, "Contents")
        contents = None
        if contents_text is not None:
            try:
                contents = base64.b64decode("".join(contents_text.split()), validate=True)
            except (binascii.Error, ValueError):
                raise WarrantFormatError("Contents is not base64", c.where("Contents")) from None
        return model.DocumentBody(contents, c.text(DOC, "ContentType"), c.text(DOC, "Checksum"),
                                  c.text(DOC, "ChecksumType"))


def _document(c: _Cursor, base: dict[str, object]) -> model.DocumentObject:
    reference = c.text(DOC, "DocumentReference")
    name = c.text(DOC, "DocumentName")
    status = c.entry(DOC, "DocumentStatus")
    desired = c.entry(DOC, "DocumentDesiredStatus")
    span = c.sub(DOC, "DocumentTimespan", lambda e, p: _timespan(e, p, DOC))
    document_type = c.entry(DOC, "DocumentType")
    properties = c.raw(DOC, "DocumentProperties")
    body = c.sub(DOC, "DocumentBody", _body)
    signatures = _approvals(c, DOC, "DocumentSignature")
    invalid = c.sub(DOC, "DocumentInvalidReason", _error)
    national = c.raw(DOC, "NationalDocumentParameters")
    c.done()
    return model.DocumentObject(
        reference=reference, name=name, status=status, desired_status=desired, timespan=span,
        document_type=document_type, properties=properties, body=body, signatures=signatures,
        invalid_reason=invalid, national_parameters=national, **base)  # type: ignore[arg-type]
