"""Warrants over HI-1 (ETSI TS 103 120 V1.12.1): the typed model of HI-1 messages and their
objects (authorisations, LI tasks, documents), hardened XML reading and writing, validation
against the official XSDs, the enveloped XML-DSig of messages, the judge's signature profile
(with an interface for national profiles), and :func:`check`, which validates a warrant rule
by rule, each failure mapped to the ErrorInformation to answer with; the durable
:class:`WarrantBook` (lifecycle, audit log, HI1 notifications), the sans-IO
:class:`HI1Endpoint` and its HTTPS server and client with mutual TLS.

Needs the ``warrants`` extra (lxml, xmlschema, signxml). See ``docs/warrants.md``.
"""

from typing import Any

from ._approval import (
    UNSIGNED_AUTHORISATION_FIELDS,
    ApprovalProfile,
    XMLDSigApprovalProfile,
    approve,
    approve_warrant,
    authorisation_elements,
    object_elements,
    object_type,
    signed_view,
)
from ._book import AuditEntry, BookEntry, BookStore, Notification
from ._build import warrant_request
from ._endpoint import EndpointResult, HI1Endpoint
from ._http import HI1Client, HI1Server, hi1_client_context, hi1_server_context
from ._lifecycle import BOOK_ERRORS, BookResult, WarrantBook
from ._model import (
    ActionRequest,
    ActionResponse,
    ApprovalDetails,
    ApproverContactDetails,
    ApproverDetails,
    AuthorisationFlag,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    CREATEResponse,
    DELIVERRequest,
    DELIVERResponse,
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    DictionaryEntry,
    DocumentBody,
    DocumentObject,
    EndpointID,
    ErrorInformation,
    GETRequest,
    GETResponse,
    HI1Message,
    HI1Object,
    IPAddressPort,
    LISTRequest,
    LISTResponse,
    ListResponseRecord,
    LITaskObject,
    MessageHeader,
    OtherObject,
    RawXML,
    RequestPayload,
    ResponsePayload,
    TargetIdentifierValue,
    TaskFlag,
    TaskStatus,
    TaskTimespan,
    Timespan,
    UPDATERequest,
    UPDATEResponse,
    Version,
)
from ._namespaces import PROFILE
from ._pki import CertificateCheck, Trust, check_certificate, role_of
from ._rules import RULES, RuleResult, WarrantCheck, check
from ._schema import PROFILE_XSD, HI1Schema, load_schema
from ._signature import SignatureCheck, SigningKey, sign_message, verify_message
from ._targets import TARGET_FORMATS, address_problem, target_problem
from ._xml_read import read_message
from ._xml_safe import DEFAULT_MAX_BYTES, parse_xml
from ._xml_write import format_time, write_message

__all__ = [
    "BOOK_ERRORS",
    "DEFAULT_MAX_BYTES",
    "PROFILE",
    "PROFILE_XSD",
    "RULES",
    "TARGET_FORMATS",
    "UNSIGNED_AUTHORISATION_FIELDS",
    "ActionRequest",
    "ActionResponse",
    "ApprovalDetails",
    "ApprovalProfile",
    "ApproverContactDetails",
    "ApproverDetails",
    "AuditEntry",
    "AuthorisationFlag",
    "AuthorisationObject",
    "AuthorisationStatus",
    "BookEntry",
    "BookResult",
    "BookStore",
    "CREATERequest",
    "CREATEResponse",
    "CertificateCheck",
    "DELIVERRequest",
    "DELIVERResponse",
    "DeliveryAddress",
    "DeliveryDestination",
    "DeliveryType",
    "DictionaryEntry",
    "DocumentBody",
    "DocumentObject",
    "EndpointID",
    "EndpointResult",
    "ErrorInformation",
    "GETRequest",
    "GETResponse",
    "HI1Client",
    "HI1Endpoint",
    "HI1Message",
    "HI1Object",
    "HI1Schema",
    "HI1Server",
    "IPAddressPort",
    "LISTRequest",
    "LISTResponse",
    "LITaskObject",
    "ListResponseRecord",
    "MessageHeader",
    "Notification",
    "OtherObject",
    "RawXML",
    "RequestPayload",
    "ResponsePayload",
    "RuleResult",
    "SignatureCheck",
    "SigningKey",
    "TargetIdentifierValue",
    "TaskFlag",
    "TaskStatus",
    "TaskTimespan",
    "Timespan",
    "Trust",
    "UPDATERequest",
    "UPDATEResponse",
    "Version",
    "WarrantBook",
    "WarrantCheck",
    "XMLDSigApprovalProfile",
    "address_problem",
    "approve",
    "approve_warrant",
    "authorisation_elements",
    "authorisation_objects",
    "check",
    "check_certificate",
    "delivery_destinations",
    "format_time",
    "hi1_client_context",
    "hi1_messages",
    "hi1_server_context",
    "li_task_objects",
    "load_schema",
    "object_elements",
    "object_type",
    "parse_xml",
    "read_message",
    "role_of",
    "sign_message",
    "signed_view",
    "target_identifier_values",
    "target_problem",
    "verify_message",
    "warrant_messages",
    "warrant_request",
    "write_message",
]


def __getattr__(name: str) -> Any:
    """The hypothesis strategies for HI-1 messages (also in ``lawful_intercept.testing``),
    loaded on first use because they need ``hypothesis``."""
    if name in __all__:
        from . import _strategies
        return getattr(_strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
