"""Hypothesis strategies for HI-1 messages (ETSI TS 103 120): every drawn message validates
against the official XSDs and survives writing and reading back. Re-exported by
:mod:`lawful_intercept.testing` (needs ``hypothesis``)."""

from __future__ import annotations

import dataclasses
import string
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from . import _model as model

__all__ = [
    "authorisation_objects",
    "delivery_destinations",
    "hi1_messages",
    "li_task_objects",
    "target_identifier_values",
    "warrant_messages",
]

_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_.", min_size=1,
                max_size=30).map(str.strip).filter(bool)
_UUIDS = st.uuids(version=4).map(str)
_COUNTRY = st.sampled_from(["XX", "GB", "DE", "FR", "NL"])
_TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0))


def _digits(low: int, high: int) -> SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=low, max_size=high)


def _ipv4() -> SearchStrategy[str]:
    return st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


def _ipv6() -> SearchStrategy[str]:
    return st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8).map(
        lambda groups: ":".join(f"{g:04x}" for g in groups))


def target_identifier_values() -> SearchStrategy[model.TargetIdentifierValue]:
    """Well-formed targets of the ETSI formats :func:`check` knows (E.164, IMSI, IMEI,
    IPv4/IPv6, SIP URI, e-mail)."""
    def target(name: str,
               values: SearchStrategy[str]) -> SearchStrategy[model.TargetIdentifierValue]:
        return values.map(lambda v: model.TargetIdentifierValue("ETSI", name, v))
    user = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    host = st.sampled_from(["example.com", "ims.example.net", "mail.example.org"])
    return st.one_of(
        target("InternationalE164", _digits(1, 15)),
        target("IMSI", _digits(6, 15)),
        target("IMEI", _digits(14, 14)),
        target("IPv4Address", _ipv4()),
        target("IPv6Address", _ipv6()),
        target("SIPURI", st.tuples(user, host).map(lambda t: f"sip:{t[0]}@{t[1]}")),
        target("EmailAddress", st.tuples(user, host).map(lambda t: f"{t[0]}@{t[1]}")),
    )


def delivery_destinations() -> SearchStrategy[model.DeliveryDestination]:
    """Delivery destinations with a well-formed address (IPv4, IPv6, IP and port, E.164,
    FQDN, URL) and optionally a handover format."""
    addresses = st.one_of(
        _ipv4().map(lambda a: model.DeliveryAddress("IPv4Address", a)),
        _ipv6().map(lambda a: model.DeliveryAddress("IPv6Address", a)),
        st.builds(model.IPAddressPort, st.one_of(_ipv4(), _ipv6()), st.integers(2, 65535),
                  st.just("TCP")).map(lambda a: model.DeliveryAddress("IPAddressPort", a)),
        _digits(1, 15).map(lambda a: model.DeliveryAddress("E164Number", a)),
        st.sampled_from(["lemf.example.org", "hi2.lea.example"]).map(
            lambda a: model.DeliveryAddress("FQDN", a)),
        st.sampled_from(["https://lemf.example.org/hi3"]).map(
            lambda a: model.DeliveryAddress("URL", a)),
        st.sampled_from(["lemf@lea.example.org"]).map(
            lambda a: model.DeliveryAddress("EmailAddress", a)),
        st.builds(model.EndpointID, _COUNTRY, _TEXT).map(
            lambda a: model.DeliveryAddress("EndpointID", a)),
        st.builds(model.IPAddressPort, _ipv4(), st.integers(0, 65535), st.just("UDP")).map(
            lambda a: model.DeliveryAddress("IPAddressPort", a)),
    )
    formats = st.none() | st.sampled_from(["TS102232-2", "TS102232-3", "TS102232-5"]).map(
        lambda v: model.DictionaryEntry("ETSI", "HandoverFormat", v))
    return st.builds(model.DeliveryDestination, address=addresses, handover_format=formats)


def _approvals() -> SearchStrategy[model.ApprovalDetails]:
    contact = st.builds(model.ApproverContactDetails, alternate_name=st.none() | _TEXT,
                        email_address=st.none() | st.just("clerk@court.example"),
                        phone_number=st.none() | _digits(5, 15))
    approver = st.builds(model.ApproverDetails, name=st.none() | _TEXT,
                         role=st.none() | st.sampled_from(["Judge", "Magistrate"]),
                         contact_details=st.lists(contact, max_size=2).map(tuple))
    return st.builds(model.ApprovalDetails, approval_type=st.none() | _TEXT,
                     description=st.none() | _TEXT, reference=st.none() | _TEXT,
                     approver=st.none() | approver, timestamp=st.none() | _TIMES,
                     is_emergency=st.none() | st.booleans())


@st.composite
def authorisation_objects(draw: st.DrawFn, *, identifier: str | None = None,
                          start: datetime | None = None, end: datetime | None = None,
                          status: model.AuthorisationStatus | None = None,
                          ) -> model.AuthorisationObject:
    """AuthorisationObjects (TS 103 120 clause 7.2) with the given identifier, timespan and
    status when given, any valid ones otherwise."""
    begin = start if start is not None else draw(_TIMES)
    finish = end if end is not None else begin + timedelta(days=draw(st.integers(1, 400)))
    chosen = (status if status is not None
              else draw(st.sampled_from(list(model.AuthorisationStatus))))
    flags = draw(st.none() | st.lists(st.sampled_from(list(model.AuthorisationFlag)), max_size=3,
                                      unique=True).map(lambda f: tuple(x.entry for x in f)))
    return model.AuthorisationObject(
        object_identifier=identifier or draw(_UUIDS), country_code=draw(_COUNTRY),
        owner_identifier=draw(st.none() | _TEXT), generation=draw(st.none() | st.integers(0, 9)),
        reference=draw(st.none() | _TEXT), status=chosen.entry,
        timespan=model.Timespan(begin, finish),
        cspids=tuple(draw(st.lists(st.builds(model.EndpointID, _COUNTRY, _TEXT), max_size=2))),
        approvals=tuple(draw(st.lists(_approvals(), max_size=2))),
        flags=flags, jurisdiction=draw(st.none() | _TEXT))


@st.composite
def li_task_objects(draw: st.DrawFn, *, authorisation: str | None = None,
                    is_test: bool | None = None) -> model.LITaskObject:
    """LITaskObjects (TS 103 120 clause 8.2) with valid targets and destinations, associated
    with ``authorisation`` when given."""
    liid = draw(st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1,
                        max_size=25))
    associated = (authorisation,) if authorisation else draw(
        st.none() | st.lists(_UUIDS, max_size=2).map(tuple))
    test = draw(st.booleans()) if is_test is None else is_test
    return model.LITaskObject(
        object_identifier=draw(_UUIDS), country_code=draw(_COUNTRY),
        associated_objects=associated, reference=liid,
        status=draw(st.none() | st.sampled_from(list(model.TaskStatus)).map(lambda s: s.entry)),
        targets=tuple(draw(st.lists(target_identifier_values(), min_size=1, max_size=3))),
        delivery_type=draw(st.sampled_from(list(model.DeliveryType))).entry,
        delivery_details=tuple(draw(st.lists(delivery_destinations(), min_size=1,
                                             max_size=3))),
        timespan=draw(st.none() | st.builds(model.TaskTimespan, *[st.none() | _TIMES] * 5)),
        cspid=draw(st.none() | st.builds(model.EndpointID, _COUNTRY, _TEXT)),
        flags=(model.DictionaryEntry("ETSI", "TaskFlag", "IsTest"),) if test else None)


def _documents() -> SearchStrategy[model.DocumentObject]:
    return st.builds(
        lambda ident, body, name: model.DocumentObject(
            object_identifier=ident, name=name,
            document_type=model.DictionaryEntry("ETSI", "DocumentType", "Warrant"),
            body=model.DocumentBody(body, "application/pdf")),
        _UUIDS, st.binary(max_size=64), st.none() | _TEXT)


def _header(now: datetime | None) -> SearchStrategy[model.MessageHeader]:
    times = st.just(now) if now is not None else st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
    return st.builds(model.MessageHeader, st.builds(model.EndpointID, _COUNTRY, _TEXT),
                     st.builds(model.EndpointID, _COUNTRY, _TEXT), _UUIDS, times)


@st.composite
def warrant_messages(draw: st.DrawFn, *, now: datetime | None = None) -> model.HI1Message:
    """Unsigned warrant requests: a CREATE of an Approved authorisation whose timespan covers
    ``now`` (any time when not given), and one or more LI tasks associated with it, with valid
    targets and destinations. Approve (:func:`approve_warrant`) and sign them to get messages
    :func:`check` accepts."""
    moment = now if now is not None else draw(_TIMES)
    identifier = str(uuid.UUID(int=draw(st.integers(0, 2**122)), version=4))
    start = moment - timedelta(hours=draw(st.integers(1, 1000)))
    end = moment + timedelta(hours=draw(st.integers(1, 10000)))
    authorisation = draw(authorisation_objects(identifier=identifier, start=start, end=end,
                                               status=model.AuthorisationStatus.APPROVED))
    authorisation = dataclasses.replace(authorisation, approvals=())
    tasks = [dataclasses.replace(task, timespan=draw(st.none() | st.just(
                 model.TaskTimespan(start, end))))
             for task in draw(st.lists(li_task_objects(authorisation=identifier), min_size=1,
                                       max_size=2))]
    objects = [authorisation, *tasks]
    actions = tuple(model.ActionRequest(i, model.CREATERequest(obj))
                    for i, obj in enumerate(objects))
    return model.HI1Message(draw(_header(now)), model.RequestPayload(actions))


def hi1_messages() -> SearchStrategy[model.HI1Message]:
    """HI-1 messages of every kind the model holds: requests (GET, CREATE, UPDATE, LIST,
    DELIVER of authorisations, tasks and documents) and responses (each kind of answer per
    action, or one error for the whole message)."""
    objects = st.one_of(authorisation_objects(), li_task_objects(), _documents())
    object_type = st.sampled_from(["Authorisation", "Task", "Document"]).map(
        lambda v: model.DictionaryEntry("ETSI", "ObjectType", v))
    action = st.one_of(
        _UUIDS.map(model.GETRequest), objects.map(model.CREATERequest),
        objects.map(model.UPDATERequest),
        st.builds(model.LISTRequest, st.none() | object_type, st.none() | _TIMES),
        st.builds(model.DELIVERRequest, _UUIDS, objects))
    requests = st.lists(action, min_size=1, max_size=3).map(
        lambda items: model.RequestPayload(
            tuple(model.ActionRequest(i, a) for i, a in enumerate(items))))
    errors = st.builds(model.ErrorInformation, st.integers(0, 9999), _TEXT)
    records = st.builds(model.ListResponseRecord, object_type, _UUIDS, st.integers(0, 99),
                        st.none() | _COUNTRY, st.none() | _TEXT, st.none() | _TEXT,
                        st.none() | _TIMES)
    result = st.one_of(st.builds(model.CREATEResponse, _UUIDS, st.none() | objects),
                       st.builds(model.UPDATEResponse, _UUIDS, st.none() | objects),
                       objects.map(model.GETResponse), st.builds(model.DELIVERResponse, _UUIDS),
                       st.lists(records, max_size=2).map(lambda r: model.LISTResponse(tuple(r))),
                       errors)
    responses = st.one_of(
        st.lists(result, min_size=1, max_size=3).map(lambda items: model.ResponsePayload(
            actions=tuple(model.ActionResponse(i, r) for i, r in enumerate(items)))),
        errors.map(lambda e: model.ResponsePayload(error=e)))
    return st.builds(model.HI1Message, _header(None), st.one_of(requests, responses))
