"""Shared pieces of the X1 tests: the reference folder (skipping when absent), one sample of
every X1 message kind, and hypothesis strategies for the model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import strategies as st

from lawful_intercept.warrants import IPAddressPort, RawXML
from lawful_intercept.x1 import (
    GENERIC_OBJECT_OPERATIONS,
    ActivateTaskRequest,
    CreateDestinationRequest,
    DeactivateAllTasksRequest,
    DeactivateTaskRequest,
    DeliveryAddress,
    DestinationDetails,
    DestinationResponseDetails,
    DestinationStatus,
    ErrorInformation,
    ErrorResponse,
    GenericObjectRequest,
    GenericObjectResponse,
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
    HashedIdentifier,
    KeepaliveRequest,
    ListAllDetailsRequest,
    ListAllDetailsResponse,
    MediationDetails,
    ModifyDestinationRequest,
    ModifyTaskRequest,
    NEStatusDetails,
    OKResponse,
    PingRequest,
    PortRange,
    RemoveAllDestinationsRequest,
    RemoveDestinationRequest,
    ReportDestinationIssueRequest,
    ReportNEIssueRequest,
    ReportTaskIssueRequest,
    TargetIdentifier,
    TaskDetails,
    TaskResponseDetails,
    TaskStatus,
    TopLevelErrorResponse,
    X1Header,
    X1Request,
    X1Response,
)

X1_REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / \
    "x1-ts103221"


def x1_reference() -> Path:
    """The folder of the official X1 schemas and examples; skips the test when absent."""
    if not (X1_REFERENCE / "schema").is_dir():
        pytest.skip("the TS 103 221-1 reference folder (../shared/reference/x1-ts103221) is "
                    "absent")
    return X1_REFERENCE


T0 = datetime(2026, 12, 6, 12, 0, 0, 123456, tzinfo=UTC)
XID = UUID("29f28e1c-f230-486a-a860-f5a784ab9172")
DID = UUID("19867c20-8c94-473e-b9cd-8b72b7b05fd4")
HEADER = X1Header("admfID", "neID", T0, UUID("3741800e-971b-4aa9-85f4-466d2b1adc7f"))

EVERY_TARGET = (
    TargetIdentifier("e164Number", "447700900000"),
    TargetIdentifier("imsi", "234150999999999"),
    TargetIdentifier("imei", "35209900176148"),
    TargetIdentifier("macAddress", "00:1b:44:11:3a:b7"),
    TargetIdentifier("ipv4Address", "192.0.2.1"),
    TargetIdentifier("ipv6Address", "2001:0db8:0000:0000:0000:0000:0000:0001"),
    TargetIdentifier("ipv4Cidr", "192.0.2.0/24"),
    TargetIdentifier("ipv6Cidr", "2001:0db8:0000:0000:0000:0000:0000:0000/32"),
    TargetIdentifier("tcpPort", 5060),
    TargetIdentifier("tcpPortRange", PortRange(5060, 5070)),
    TargetIdentifier("udpPort", 0),
    TargetIdentifier("udpPortRange", PortRange(10000, 20000)),
    TargetIdentifier("emailAddress", "alice@example.net"),
    TargetIdentifier("internationalizedEmailAddress", "алиса@пример.рф"),
    TargetIdentifier("sipUri", "sip:alice@example.net"),
    TargetIdentifier("telUri", "tel:+447700900000"),
    TargetIdentifier("h323Uri", "h323:alice@example.net"),
    TargetIdentifier("impu", "sip:alice@ims.example.net"),
    TargetIdentifier("impi", "alice@ims.example.net"),
    TargetIdentifier("nai", "alice@example.net"),
    TargetIdentifier("radiusAttribute", b"\x01\x07alice"),
    TargetIdentifier("gtpuTunnelId", 4294967296),
    TargetIdentifier("gtpcTunnelId", 0),
    TargetIdentifier("callPartyRole", "Forwarded-To"),
    TargetIdentifier("nonLocalIdentifier", "NonLocal"),
    TargetIdentifier("supiimsi", "234150999999999"),
    TargetIdentifier("supinai", "type0.rid678.schid0.userid0999999999@suci.example"),
    TargetIdentifier("suci", b"\x00\x01\x02"),
    TargetIdentifier("peiImei", "35209900176148"),
    TargetIdentifier("peiImeiCheckDigit", "352099001761481"),
    TargetIdentifier("peiImeisv", "3520990017614823"),
    TargetIdentifier("gpsiMsisdn", "447700900000"),
    TargetIdentifier("gpsiNai", "alice@example.net"),
    TargetIdentifier("eui64", -1),
    TargetIdentifier("hashedIdentifier", HashedIdentifier(DID, "IMSI", b"\xab" * 32)),
)
"""One TargetIdentifier of every kind but the extension, each valid for the XSD."""

TASK = TaskDetails(
    XID, EVERY_TARGET, "X2andX3", (DID,),
    mediation_details=(MediationDetails("LIID-1", "HI2andHI3", T0, T0 + timedelta(days=1),
                                        (DID,)),),
    correlation_id=7, implicit_deactivation_allowed=False, product_id=XID,
    service_types=("voice", "data"))
DESTINATION = DestinationDetails(
    DID, "X2andX3", DeliveryAddress("ipAddressAndPort", IPAddressPort("192.0.2.10", 4443)),
    friendly_name="MF X2/X3")
TASK_RESPONSE = TaskResponseDetails(TASK, TaskStatus(
    "complete", (ErrorInformation(1, "a fault"),), T0, 10, 20, T0, 2))
DESTINATION_RESPONSE = DestinationResponseDetails(DESTINATION,
                                                  DestinationStatus("activeAndWorking"))

REQUESTS: tuple[Any, ...] = (
    ActivateTaskRequest(HEADER, TASK),
    ModifyTaskRequest(HEADER, TaskDetails(XID, (TargetIdentifier("imsi", "234150999999999"),),
                                          "X2Only", ())),
    DeactivateTaskRequest(HEADER, XID),
    DeactivateAllTasksRequest(HEADER),
    CreateDestinationRequest(HEADER, DESTINATION),
    ModifyDestinationRequest(HEADER, DestinationDetails(
        DID, "X3Only", DeliveryAddress("ipAddressAndPort",
                                       IPAddressPort("2001:0db8:0000:0000:0000:0000:0000:0001",
                                                     4443, "UDP")))),
    RemoveDestinationRequest(HEADER, DID),
    RemoveAllDestinationsRequest(HEADER),
    GetTaskDetailsRequest(HEADER, XID),
    GetDestinationDetailsRequest(HEADER, DID),
    GetNEStatusRequest(HEADER),
    GetAllDetailsRequest(HEADER),
    ListAllDetailsRequest(HEADER),
    GetAllTaskDetailsRequest(HEADER),
    GetAllDestinationDetailsRequest(HEADER),
    ReportTaskIssueRequest(HEADER, XID, "Warning", 12, "slow"),
    ReportDestinationIssueRequest(HEADER, DID, "AllClear"),
    ReportNEIssueRequest(HEADER, "Alert", "disk full", 3),
    PingRequest(HEADER),
    KeepaliveRequest(HEADER),
    GenericObjectRequest("GetObject", HEADER, (RawXML(
        b'<x1:objectId xmlns:x1="http://uri.etsi.org/03221/X1/2017/10">'
        b"19867c20-8c94-473e-b9cd-8b72b7b05fd4</x1:objectId>"),)),
    GenericObjectRequest("DeleteAllObjects", HEADER),
)
"""One request of every kind (the generic-object operations by two of them)."""

RESPONSES: tuple[Any, ...] = (
    *(OKResponse(name, HEADER) for name in (
        "ActivateTask", "ModifyTask", "DeactivateTask", "DeactivateAllTasks",
        "CreateDestination", "ModifyDestination", "RemoveDestination", "RemoveAllDestinations",
        "ReportTaskIssue", "ReportDestinationIssue", "ReportNEIssue", "Ping", "Keepalive",
        "CreateObject", "ModifyObject", "DeleteObject", "DeleteAllObjects")),
    OKResponse("Ping", HEADER, "Acknowledged"),
    ErrorResponse(HEADER, "GetTaskDetails", ErrorInformation(2002, "xId: no such XID")),
    GetTaskDetailsResponse(HEADER, TASK_RESPONSE),
    GetDestinationDetailsResponse(HEADER, DESTINATION_RESPONSE),
    GetNEStatusResponse(HEADER, NEStatusDetails("Faults", (ErrorInformation(5, "fan"),))),
    GetAllDetailsResponse(HEADER, NEStatusDetails("OK"), (TASK_RESPONSE,),
                          (DESTINATION_RESPONSE,)),
    ListAllDetailsResponse(HEADER, (XID,), (DID,)),
    GetAllTaskDetailsResponse(HEADER, (TASK_RESPONSE,)),
    GetAllTaskDetailsResponse(HEADER),
    GetAllDestinationDetailsResponse(HEADER, (DESTINATION_RESPONSE,)),
    GenericObjectResponse("ListObjectsOfType", HEADER, (RawXML(
        b'<x1:listOfObjects xmlns:x1="http://uri.etsi.org/03221/X1/2017/10"/>'),)),
)
"""One response of every kind."""

DOCUMENTS: tuple[Any, ...] = (
    *(X1Request((message,)) for message in REQUESTS),
    *(X1Response((message,)) for message in RESPONSES),
    X1Request(REQUESTS[:3]),
    TopLevelErrorResponse("admfID", "neID", T0),
)
"""Every sample as a document, plus one with several messages and a top-level error."""

# -- hypothesis strategies ----------------------------------------------------------------

_digits = st.text("0123456789", min_size=1, max_size=15)
uuids = st.uuids()
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)),
                                                timezone(timedelta(hours=-5, minutes=-30))]))
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
"""Text XML can carry (no control characters: a carriage return would come back a line feed)."""
_tokens = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
_ipv4 = st.ip_addresses(v=4).map(str)
_ipv6 = st.ip_addresses(v=6).map(lambda a: ":".join(
    a.exploded.split(":")))

targets = st.one_of(
    _digits.map(lambda d: TargetIdentifier("e164Number", d)),
    st.text("0123456789", min_size=6, max_size=15).map(lambda d: TargetIdentifier("imsi", d)),
    st.text("0123456789", min_size=14, max_size=14).map(lambda d: TargetIdentifier("imei", d)),
    _ipv4.map(lambda a: TargetIdentifier("ipv4Address", a)),
    _ipv6.map(lambda a: TargetIdentifier("ipv6Address", a)),
    st.tuples(_ipv4, st.integers(0, 32)).map(
        lambda p: TargetIdentifier("ipv4Cidr", f"{p[0]}/{p[1]}")),
    st.integers(2, 65535).map(lambda p: TargetIdentifier("tcpPort", p)),
    st.tuples(st.integers(0, 65535), st.integers(0, 65535)).map(
        lambda p: TargetIdentifier("udpPortRange", PortRange(*p))),
    _tokens.map(lambda t: TargetIdentifier("sipUri", f"sip:{t}@example.net")),
    _tokens.map(lambda t: TargetIdentifier("emailAddress", f"{t}@example.net")),
    _text.map(
        lambda t: TargetIdentifier("nai", t)),
    st.binary(max_size=20).map(lambda b: TargetIdentifier("suci", b)),
    st.integers(-(2**63), 2**63 - 1).map(lambda n: TargetIdentifier("eui64", n)),
    st.builds(HashedIdentifier, uuids, _tokens, st.binary(min_size=1, max_size=64)).map(
        lambda h: TargetIdentifier("hashedIdentifier", h)),
)
_delivery = st.sampled_from(["X2Only", "X3Only", "X2andX3"])
_liid = st.from_regex(r"[!-~]{1,25}", fullmatch=True)
mediation = st.builds(MediationDetails, _liid, st.sampled_from(["HI2Only", "HI3Only",
                                                                "HI2andHI3"]),
                      st.none() | times, st.none() | times,
                      st.none() | st.lists(uuids, max_size=3).map(tuple))
tasks = st.builds(
    TaskDetails, uuids, st.lists(targets, min_size=1, max_size=5).map(tuple), _delivery,
    st.lists(uuids, max_size=3).map(tuple),
    mediation_details=st.none() | st.lists(mediation, max_size=2).map(tuple),
    correlation_id=st.none() | st.integers(0, 2**70),
    implicit_deactivation_allowed=st.none() | st.booleans(),
    product_id=st.none() | uuids,
    service_types=st.none() | st.lists(st.sampled_from(["voice", "data", "RCS"]), min_size=1,
                                       max_size=3).map(tuple))
addresses = st.one_of(
    st.builds(IPAddressPort, _ipv4, st.integers(2, 65535), st.sampled_from(["TCP", "UDP"])).map(
        lambda a: DeliveryAddress("ipAddressAndPort", a)),
    _digits.map(lambda d: DeliveryAddress("e164Number", d)),
    _tokens.map(lambda t: DeliveryAddress("uri", f"https://{t}.example/x2")),
)
destinations = st.builds(DestinationDetails, uuids, _delivery, addresses,
                         st.none() | _text)
headers = st.builds(X1Header, _tokens, _tokens, times, uuids,
                    st.from_regex(r"v1\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True))
requests = st.one_of(
    st.builds(ActivateTaskRequest, headers, tasks),
    st.builds(ModifyTaskRequest, headers, tasks),
    st.builds(DeactivateTaskRequest, headers, uuids),
    st.builds(CreateDestinationRequest, headers, destinations),
    st.builds(GetTaskDetailsRequest, headers, uuids),
    st.builds(PingRequest, headers),
    st.builds(ReportTaskIssueRequest, headers, uuids, st.sampled_from(["AllClear", "Warning"]),
              st.none() | st.integers(-10, 10**6),
              st.none() | _text),
    st.builds(GenericObjectRequest, st.sampled_from(GENERIC_OBJECT_OPERATIONS[-2:]), headers),
)
responses = st.one_of(
    st.builds(OKResponse, st.sampled_from(["ActivateTask", "Ping", "Keepalive"]), headers),
    st.builds(ErrorResponse, headers, st.sampled_from(["ActivateTask", "GetTaskDetails"]),
              st.builds(ErrorInformation, st.integers(-5, 10**6),
                        _text)),
    st.builds(GetTaskDetailsResponse, headers, st.builds(
        TaskResponseDetails, tasks, st.builds(TaskStatus, st.sampled_from(
            ["awaitingProvisioning", "failed", "complete"])))),
    st.builds(ListAllDetailsResponse, headers, st.lists(uuids, max_size=3).map(tuple),
              st.lists(uuids, max_size=3).map(tuple)),
)
documents = st.one_of(
    st.lists(requests, min_size=1, max_size=3).map(lambda m: X1Request(tuple(m))),
    st.lists(responses, min_size=1, max_size=3).map(lambda m: X1Response(tuple(m))),
)
