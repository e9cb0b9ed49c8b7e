"""Validation of an HI-1 message carrying a warrant: :func:`check` runs every rule and
returns a :class:`WarrantCheck` with each rule's outcome, its reason, and for each failure
the ErrorInformation (TS 103 120 clause 6, code and description) to answer with.

The rules and their error codes are tabulated in :data:`RULES` and ``docs/warrants.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_instance, require_int
from ..errors import WarrantFormatError
from ._approval import ApprovalProfile, XMLDSigApprovalProfile
from ._model import (
    AuthorisationFlag,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    DeliveryType,
    DocumentObject,
    EndpointID,
    ErrorInformation,
    HI1Message,
    HI1Object,
    IPAddressPort,
    LITaskObject,
    RawXML,
    RequestPayload,
    TaskFlag,
    TaskTimespan,
    Timespan,
    UPDATERequest,
)
from ._namespaces import COMMON, CORE, XSI, qname
from ._pki import Trust
from ._schema import HI1Schema
from ._signature import verify_message
from ._targets import address_problem, target_problem
from ._xml_read import read_message_element
from ._xml_safe import DEFAULT_MAX_BYTES, parse_xml

__all__ = ["RULES", "RuleResult", "WarrantCheck", "check"]

RULES: dict[str, tuple[str, ErrorInformation]] = {
    "format": ("the message is well-formed, harmless XML the model reads",
               ErrorInformation(2001, "Message could not be parsed")),
    "schema": ("the message validates against the TS 103 120 XSDs",
               ErrorInformation(2002, "Message does not conform to the schema")),
    "message-signature": ("the message's XML-DSig verifies and its signer is trusted",
                          ErrorInformation(3001, "Message signature missing, invalid or by "
                                           "an untrusted signer")),
    "authorisation-status": ("each authorisation is Approved, or EmergencyApproval within "
                             "the emergency window",
                             ErrorInformation(4001, "Authorisation not approved")),
    "approval": ("each authorisation (and with task_approvals each LI task) carries an "
                 "approval whose signature verifies, by an approver trusted for that role",
                 ErrorInformation(4002, "No valid approval by a trusted approver")),
    "timespan": ("each authorisation's timespan covers now; a task's lies within its "
                 "authorisation's",
                 ErrorInformation(4003, "Authorisation timespan does not cover the current "
                                  "time")),
    "document": ("each warrant document (DocumentType Warrant) carries an approval whose "
                 "signature verifies, by an approver trusted for that role; each document's "
                 "Checksum (ChecksumType) matches its Contents",
                 ErrorInformation(4004, "Warrant document not approved or its checksum does "
                                  "not match its contents")),
    "task-authorisation": ("each LI task is associated with a valid authorisation",
                           ErrorInformation(5001, "Task not associated with a valid "
                                            "authorisation")),
    "targets": ("each LI task has targets of a known format, well-formed",
                ErrorInformation(5002, "Target identifier missing, of unknown format or "
                                 "malformed")),
    "delivery": ("each LI task has a delivery type and well-formed delivery destinations",
                 ErrorInformation(5003, "Delivery type or destination missing or malformed")),
    "test-flag": ("whether the warrant is a test (IsTest flag), reported",
                  ErrorInformation(5004, "Test flag not accepted")),
}
"""Every rule: its name, what it requires, and the ErrorInformation its failure answers with.
The codes are the library's (the numbering is provisional, see ``docs/warrants.md``)."""


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome, for the whole message or for one object (``object_identifier``, in
    the action ``action_identifier``): ``ok`` True (passed), False (failed) or None (not
    applicable or not checked), and the reason."""

    rule: str
    ok: bool | None
    reason: str
    object_identifier: str | None = None
    action_identifier: int | None = None

    @property
    def error(self) -> ErrorInformation | None:
        """The ErrorInformation of a failure (TS 103 120 clause 6), else None."""
        if self.ok is not False:
            return None
        code = RULES[self.rule][1]
        return ErrorInformation(code.code, f"{code.description} (rule {self.rule}): "
                                f"{self.reason}")


@dataclass(frozen=True)
class WarrantCheck:
    """The outcome of :func:`check`: every rule's result; ``valid`` when none failed."""

    results: tuple[RuleResult, ...]
    message: HI1Message | None = None
    is_test: bool = False
    emergency_lapses: tuple[tuple[str, datetime], ...] = ()
    """For each EmergencyApproval authorisation accepted: its ObjectIdentifier and the time
    its emergency window closes (the verified emergency approval's time plus
    ``emergency_hours``); the warrant book stops its tasks then unless an Approved
    generation came (:meth:`WarrantBook.tick`)."""

    @property
    def valid(self) -> bool:
        """True when the message was read and no rule failed."""
        return self.message is not None and all(r.ok is not False for r in self.results)

    def failures(self) -> tuple[RuleResult, ...]:
        """The failed rules."""
        return tuple(r for r in self.results if r.ok is False)

    def error_information(self) -> ErrorInformation | None:
        """The ErrorInformation of the first failure (for a whole-message answer)."""
        for result in self.failures():
            return result.error
        return None

    def action_errors(self) -> dict[int, ErrorInformation]:
        """The first failure of each action, by ActionIdentifier (for per-action answers);
        a failure of the whole message applies to every action."""
        errors: dict[int, ErrorInformation] = {}
        whole = [r for r in self.failures() if r.action_identifier is None]
        if whole and self.message is not None and isinstance(self.message.payload,
                                                             RequestPayload):
            for action in self.message.payload.actions:
                errors[action.action_identifier] = whole[0].error  # type: ignore[assignment]
        for result in self.failures():
            if result.action_identifier is not None:
                errors.setdefault(result.action_identifier, result.error)  # type: ignore[arg-type]
        return errors

    def to_json(self) -> dict[str, Any]:
        """``{"valid": ..., "rules": [{"rule", "ok", "reason"}, ...]}``."""
        return {"valid": self.valid,
                "rules": [{"rule": r.rule, "ok": r.ok, "reason": r.reason} for r in self.results]}

    def table(self) -> str:
        """The results as a text table, one rule a line."""
        marks = {True: "ok", False: "FAIL", None: "-"}
        lines = [f"{marks[r.ok]:<5} {r.rule:<21} {r.reason}" for r in self.results]
        lines.append("valid" if self.valid else "INVALID")
        return "\n".join(lines)


@dataclass
class _Context:
    root: etree._Element
    message: HI1Message
    now: datetime
    approvers: Trust | None
    emergency: timedelta | None
    profiles: dict[str, ApprovalProfile]
    formats: Mapping[tuple[str, str], Callable[[str], str]] | None
    known: frozenset[str]
    task_approvals: bool = False
    document_approvals: bool = True
    objects: list[tuple[int, bool, HI1Object, etree._Element]] = field(default_factory=list)
    valid_authorisations: set[str] = field(default_factory=set)
    failed_documents: set[str] = field(default_factory=set)
    emergency_lapses: dict[str, datetime] = field(default_factory=dict)
    timespans: dict[str, Timespan] = field(default_factory=dict)
    out: list[RuleResult] = field(default_factory=list)

    def add(self, rule: str, ok: bool | None, reason: str, obj: HI1Object | None = None,
            action: int | None = None) -> None:
        self.out.append(RuleResult(rule, ok, reason,
                                   None if obj is None else obj.object_identifier, action))


def check(message: bytes, *, trust: Trust | None, approvers: Trust | None, now: datetime,
          schema: HI1Schema | None = None, schema_only: bool = False,
          emergency_hours: float | None = 48.0,
          profiles: Iterable[ApprovalProfile] = (XMLDSigApprovalProfile(),),
          formats: Mapping[tuple[str, str], Callable[[str], str]] | None = None,
          known_authorisations: Iterable[str] = (), task_approvals: bool = False,
          document_approvals: bool = True,
          max_bytes: int = DEFAULT_MAX_BYTES) -> WarrantCheck:
    """Check an HI-1 message (TS 103 120) carrying a warrant at time ``now``: every rule of
    :data:`RULES`. ``trust`` accepts message signers (the issuing authority), ``approvers``
    the approvers (a court CA and the roles, e.g. ``{"Judge"}``); ``schema`` validates
    against the official XSDs (the rule is "not checked" without one). ``schema_only``
    checks format and schema alone (for messages signed by others).
    ``emergency_hours``: an EmergencyApproval authorisation is accepted only that long after
    its emergency approval (None: never). ``profiles`` verify approval signatures by
    NationalDigitalSignature type; ``formats`` replaces the known target formats;
    ``known_authorisations`` are identifiers of authorisations already validated (a task of
    this message may be associated with them). With ``task_approvals`` each LI task must
    carry a verified approval too (the judge then signs the targets and destinations).
    With ``document_approvals`` (the default) each DocumentObject of DocumentType
    ``Warrant`` (TS 103 120 clause 7.3) must carry a verified approval in its
    DocumentSignature: the warrant document is what the judge signed; every document's
    Checksum must match its Contents either way (rule ``document``)."""
    require_instance(message, (bytes, bytearray), "message")
    require_instance(now, datetime, "now")
    require_int(max_bytes, "max_bytes", low=1)
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    try:
        root = parse_xml(bytes(message), max_bytes=max_bytes)
        model = read_message_element(root)
    except WarrantFormatError as exc:
        return WarrantCheck((RuleResult("format", False, str(exc)),))
    results = [RuleResult("format", True, "well-formed; no DTD, entity or external reference")]
    if schema is None:
        results.append(RuleResult("schema", None, "not checked: no TS 103 120 schema given"))
    else:
        errors = schema.errors(root, limit=3)
        results.append(RuleResult("schema", not errors, "; ".join(errors) if errors else
                                  "valid against the TS 103 120 XSDs"))
    if schema_only:
        return WarrantCheck(tuple(results), model, _is_test(model))
    if trust is None:
        results.append(RuleResult("message-signature", False,
                                  "HI1Message.Signature: no trust anchors configured for "
                                  "message signers"))
    else:
        signature = verify_message(root, trust, now=now)
        results.append(RuleResult("message-signature", signature.ok,
                                  f"HI1Message.Signature: {signature.reason}"))
    context = _Context(root, model, now, approvers,
                       None if emergency_hours is None else timedelta(hours=emergency_hours),
                       {p.xsi_type: p for p in profiles}, formats, frozenset(known_authorisations),
                       task_approvals, document_approvals)
    context.objects = _objects(model, root)
    _documents(context)
    _authorisations(context)
    _tasks(context)
    results.extend(context.out)
    test = _is_test(model)
    results.append(RuleResult("test-flag", True, "Flags: IsTest set, a test warrant" if test
                              else "Flags: IsTest not set, not a test warrant"))
    return WarrantCheck(tuple(results), model, test, tuple(context.emergency_lapses.items()))


def _objects(message: HI1Message, root: etree._Element
             ) -> list[tuple[int, bool, HI1Object, etree._Element]]:
    """(action identifier, is CREATE, object, its element) of each CREATE or UPDATE; the
    element is the one in the same action (never looked up by identifier, which a message
    could repeat)."""
    found = []
    if isinstance(message.payload, RequestPayload):
        path = (f"{{{CORE}}}Payload/{{{CORE}}}RequestPayload/{{{CORE}}}ActionRequests/"
                f"{{{CORE}}}ActionRequest")
        for request, element in zip(message.payload.actions, root.iterfind(path), strict=True):
            if isinstance(request.action, CREATERequest | UPDATERequest):
                verb = "CREATE" if isinstance(request.action, CREATERequest) else "UPDATE"
                found.append((request.action_identifier,
                              isinstance(request.action, CREATERequest), request.action.obj,
                              element.find(f"{{{CORE}}}{verb}/{{{CORE}}}HI1Object")))
    return found


def _is_test(message: HI1Message) -> bool:
    for obj in message.objects():
        flags = getattr(obj, "flags", None) or ()
        values = {(f.owner, f.value) for f in flags}
        if ("ETSI", AuthorisationFlag.IS_TEST.value) in values or (
                "ETSI", TaskFlag.IS_TEST.value) in values:
            return True
    return False


def _authorisations(c: _Context) -> None:
    for action, created, obj, element in c.objects:
        if not isinstance(obj, AuthorisationObject):
            continue
        before = len([r for r in c.out if r.ok is False])
        approval: tuple[bool, str, list[int]] | None = None
        requested = _requested(obj, created)
        if created or obj.approvals or obj.timespan is not None or requested in _APPROVING:
            approval = _verified_approvals(c, obj, element)
        _status(c, action, created, obj, approval[2] if approval else [])
        if approval is not None:
            c.add("approval", approval[0], f"AuthorisationApprovalDetails: {approval[1]}", obj,
                  action)
        if created or obj.timespan is not None:
            _timespan(c, action, obj)
        forged = sorted(set(obj.associated_objects or ()) & c.failed_documents)
        if forged:
            c.add("document", False, f"AssociatedObjects: the warrant document "
                  f"{', '.join(forged)} of this message failed the document rule", obj, action)
        if len([r for r in c.out if r.ok is False]) == before and (
                requested is None or requested in _APPROVING):
            c.valid_authorisations.add(obj.object_identifier)
            if obj.timespan is not None:
                c.timespans[obj.object_identifier] = obj.timespan


_APPROVING = (AuthorisationStatus.APPROVED.value, AuthorisationStatus.EMERGENCY_APPROVAL.value)
# what an UPDATE may ask of an authorisation besides approval (the book applies it)
_REQUESTABLE = (AuthorisationStatus.SUSPENDED.value, AuthorisationStatus.CANCELLED.value)


def _requested(obj: AuthorisationObject, created: bool) -> str | None:
    """The status a CREATE gives (AuthorisationStatus) or an UPDATE asks for
    (AuthorisationDesiredStatus, else AuthorisationStatus); None when an UPDATE asks none."""
    entry = obj.status if created else (obj.desired_status or obj.status)
    return None if entry is None else entry.value


def _status(c: _Context, action: int, created: bool, obj: AuthorisationObject,
            verified: list[int]) -> None:
    entries = [("AuthorisationStatus", obj.status)] if created else [
        ("AuthorisationDesiredStatus", obj.desired_status), ("AuthorisationStatus", obj.status)]
    field_name, status = next(((n, e) for n, e in entries if e is not None), (entries[0][0], None))
    if status is None:
        if created:
            c.add("authorisation-status", False, "AuthorisationStatus: missing (a CREATE must "
                  "say Approved or EmergencyApproval)", obj, action)
        return
    if status.owner != "ETSI" or status.name != "AuthorisationStatus":
        c.add("authorisation-status", False, f"{field_name}: from an unknown dictionary "
              f"{status.owner}/{status.name} (ETSI/AuthorisationStatus expected)", obj, action)
    elif status.value == AuthorisationStatus.APPROVED:
        if verified and all(obj.approvals[i].is_emergency for i in verified):
            c.add("authorisation-status", False, f"{field_name}: Approved needs a verified "
                  "approval that is not an emergency one (ApprovalIsEmergency); the "
                  "emergency approval alone gives EmergencyApproval", obj, action)
        else:
            c.add("authorisation-status", True, f"{field_name}: Approved", obj, action)
    elif status.value == AuthorisationStatus.EMERGENCY_APPROVAL:
        c.add("authorisation-status", *_emergency(c, obj, verified), obj, action)
    elif not created and status.value in _REQUESTABLE:
        c.add("authorisation-status", True, f"{field_name}: {status.value} requested (the "
              "warrant book applies it)", obj, action)
    else:
        allowed = "Approved or EmergencyApproval" if created else \
            "Approved, EmergencyApproval, Suspended or Cancelled"
        c.add("authorisation-status", False, f"{field_name}: {status.value} is not accepted "
              f"in a{' CREATE' if created else 'n UPDATE'} ({allowed})", obj, action)


def _emergency(c: _Context, obj: AuthorisationObject, verified: list[int]
               ) -> tuple[bool, str]:
    if c.emergency is None:
        return False, ("AuthorisationStatus: EmergencyApproval is not accepted (no emergency "
                       "window configured)")
    times = [a.timestamp for i, a in enumerate(obj.approvals)
             if i in verified and a.is_emergency and a.timestamp is not None]
    if not times:
        return False, "AuthorisationStatus: EmergencyApproval without a verified emergency " \
                      "approval " \
                      "(ApprovalIsEmergency with an ApprovalTimestamp)"
    latest = max(times)
    if latest <= c.now <= latest + c.emergency:
        c.emergency_lapses[obj.object_identifier] = latest + c.emergency
        return True, (f"AuthorisationStatus: EmergencyApproval at {latest.isoformat()}, "
                      "within the emergency window")
    return False, (f"AuthorisationStatus: EmergencyApproval at {latest.isoformat()} is "
                   f"outside the emergency window of {c.emergency} before now")


def _verified_approvals(c: _Context, obj: AuthorisationObject | LITaskObject | DocumentObject,
                       element: etree._Element | None) -> tuple[bool, str, list[int]]:
    """Whether an approval of ``obj`` verifies, why, and the indices of those that do."""
    approvals = obj.signatures if isinstance(obj, DocumentObject) else obj.approvals
    if c.approvers is None:
        return False, "no approvers configured (a court CA and roles)", []
    if element is None or not approvals:
        return False, "none given", []
    reasons: list[str] = []
    verified: list[int] = []
    accepted: list[str] = []
    for index, approval in enumerate(approvals):
        national = _national(approval.digital_signature)
        if national is None:
            reasons.append(f"approval {index}: no ApprovalDigitalSignature")
            continue
        profile = c.profiles.get(national)
        if profile is None:
            reasons.append(f"approval {index}: no verifier for NationalDigitalSignature type "
                           f"{national}")
            continue
        when = approval.timestamp or c.message.header.timestamp
        try:
            result = profile.verify(element, index, c.approvers,
                                    times=(("the approval's time", when), ("now", c.now)))
        except Exception as exc:  # a verifier that breaks refuses the approval, never accepts
            reasons.append(f"approval {index}: the verifier failed: {exc!r}")
            continue
        if result.ok:
            verified.append(index)
            accepted.append(f"approval {index}: {result.reason}")
        else:
            reasons.append(f"approval {index}: {result.reason}")
    if verified:
        return True, "; ".join(accepted), verified
    return False, "; ".join(reasons), []


def _national(raw: RawXML | None) -> str | None:
    if raw is None:
        return None
    element = parse_xml(raw.data).find(qname(COMMON, "NationalDigitalSignature"))
    if element is None:
        return None
    prefix, _, local = element.get(qname(XSI, "type"), "").rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return qname(namespace, local) if namespace else local


def _timespan(c: _Context, action: int, obj: AuthorisationObject) -> None:
    span = obj.timespan
    if span is None or span.start_time is None or span.end_time is None:
        c.add("timespan", False, "AuthorisationTimespan: required, with StartTime and "
              "EndTime", obj, action)
    elif c.now < span.start_time:
        c.add("timespan", False, f"AuthorisationTimespan.StartTime: "
              f"{span.start_time.isoformat()} is after now", obj,
              action)
    elif c.now >= span.end_time:
        c.add("timespan", False, f"AuthorisationTimespan.EndTime: "
              f"{span.end_time.isoformat()} is at or before now (ended)", obj,
              action)
    else:
        c.add("timespan", True, f"AuthorisationTimespan: {span.start_time.isoformat()} to "
              f"{span.end_time.isoformat()} covers now", obj, action)


def _tasks(c: _Context) -> None:
    valid = c.valid_authorisations | c.known
    for action, created, obj, element in c.objects:
        if not isinstance(obj, LITaskObject):
            continue
        if c.task_approvals and (created or obj.approvals or obj.targets is not None
                                 or obj.delivery_details is not None):
            ok, reason, _ = _verified_approvals(c, obj, element)
            c.add("approval", ok, f"ApprovalDetails: {reason}", obj, action)
        associated = [a for a in obj.associated_objects or () if a in valid]
        if associated:
            c.add("task-authorisation", True, f"AssociatedObjects: associated with "
                  f"authorisation {associated[0]}",
                  obj, action)
            if obj.timespan is not None and associated[0] in c.timespans:
                c.add("timespan", *_within(obj.timespan, c.timespans[associated[0]]), obj,
                      action)
        else:
            listed = ", ".join(obj.associated_objects or ()) or "none"
            c.add("task-authorisation", False, f"AssociatedObjects: no valid authorisation "
                  f"among them ({listed})", obj, action)
        if created or obj.targets is not None:
            c.add("targets", *_targets_ok(c, obj), obj, action)
        if created or obj.delivery_type is not None or obj.delivery_details is not None:
            c.add("delivery", *_delivery_ok(obj), obj, action)


def _targets_ok(c: _Context, obj: LITaskObject) -> tuple[bool, str]:
    if not obj.targets:
        return False, "TargetIdentifier: no TargetIdentifierValue"
    formats = None if c.formats is None else dict(c.formats)
    for index, target in enumerate(obj.targets):
        problem = target_problem(target.format_owner, target.format_name, target.value,
                                 formats)
        if problem:
            return False, f"TargetIdentifierValue[{index}]: {problem}"
    names = ", ".join(f"{t.format_name}" for t in obj.targets)
    return True, f"TargetIdentifier: {len(obj.targets)} target(s): {names}"


def _delivery_ok(obj: LITaskObject) -> tuple[bool, str]:
    kind = obj.delivery_type
    if kind is None:
        return False, "DeliveryType: missing"
    if (kind.owner, kind.name) != ("ETSI", "TaskDeliveryType") or kind.value not in {
            d.value for d in DeliveryType}:
        return False, (f"DeliveryType: unknown {kind.owner}/{kind.name}/{kind.value} (ETSI "
                       "TaskDeliveryType IRIOnly, CCOnly or IRIandCC expected)")
    if not obj.delivery_details:
        return False, "DeliveryDetails: no DeliveryDestination"
    for index, destination in enumerate(obj.delivery_details):
        problem = _destination_problem(destination.address)
        if problem:
            return False, f"DeliveryDestination[{index}].DeliveryAddress: {problem}"
    return True, f"DeliveryType: {kind.value} to {len(obj.delivery_details)} destination(s)"


def _destination_problem(address: Any) -> str:
    if address is None:
        return "no DeliveryAddress"
    value = address.value
    if isinstance(value, IPAddressPort):
        low = 1 if value.transport == "TCP" else 0
        if not low <= value.port <= 65535:
            return f"port {value.port} out of range {low}..65535"
        return address_problem("IPv6Address" if ":" in value.address else "IPv4Address",
                               value.address)
    if isinstance(value, EndpointID | RawXML):
        return ""
    return address_problem(address.kind, value)


def _within(own: TaskTimespan, span: Timespan) -> tuple[bool, str]:
    """Whether a task's timespan lies within its authorisation's."""
    if own.start_time is not None and span.start_time is not None and \
            own.start_time < span.start_time:
        return False, (f"Timespan.StartTime: the task starts at {own.start_time.isoformat()}, "
                       "before its "
                       f"authorisation ({span.start_time.isoformat()})")
    if own.end_time is not None and span.end_time is not None and own.end_time > span.end_time:
        return False, (f"Timespan.EndTime: the task ends at {own.end_time.isoformat()}, after "
                       "its "
                       f"authorisation ({span.end_time.isoformat()})")
    return True, "Timespan: the task's timespan lies within its authorisation's"


_DIGESTS = {"SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512",
            "SHA3256": "sha3_256", "SHA3384": "sha3_384", "SHA3512": "sha3_512"}
"""ChecksumType spellings accepted (upper case, without ``-``, ``_`` or spaces) and their
hashlib names: SHA-2 and SHA-3 only (MD5 and SHA-1 do not bind a document)."""


def _documents(c: _Context) -> None:
    """Rule ``document`` (TS 103 120 clause 7.3): a warrant document carries a verified
    approval in its DocumentSignature, and every document's Checksum matches its Contents."""
    for action, created, obj, element in c.objects:
        if not isinstance(obj, DocumentObject):
            continue
        problems: list[str] = []
        passed: list[str] = []
        if obj.body is not None and (obj.body.checksum is not None or created):
            ok, reason = _checksum_ok(obj)
            (passed if ok else problems).append(reason)
        kind = obj.document_type
        warrant = kind is not None and (kind.owner, kind.value) == ("ETSI", "Warrant")
        if c.document_approvals and warrant and (
                created or obj.signatures or obj.body is not None or obj.timespan is not None):
            ok, reason, _ = _verified_approvals(c, obj, element)
            (passed if ok else problems).append(f"DocumentSignature: {reason}")
        if problems:
            c.failed_documents.add(obj.object_identifier)
            c.add("document", False, "; ".join(problems), obj, action)
        elif passed:
            c.add("document", True, "; ".join(passed), obj, action)


def _checksum_ok(obj: DocumentObject) -> tuple[bool, str]:
    body = obj.body
    assert body is not None
    if body.contents is None:
        return False, "DocumentBody.Contents: missing (the checksum cannot be checked)"
    if body.checksum is None or body.checksum_type is None:
        return False, ("DocumentBody.Checksum and ChecksumType: both required with Contents "
                       "(the document must be bound to its digest)")
    name = "".join(ch for ch in body.checksum_type.upper() if ch not in "-_ ")
    algorithm = _DIGESTS.get(name)
    if algorithm is None:
        return False, (f"DocumentBody.ChecksumType: {body.checksum_type!r} is not accepted "
                       f"(SHA-256, SHA-384, SHA-512 or SHA3-256/384/512)")
    digest = hashlib.new(algorithm, body.contents).digest()
    given = body.checksum.strip()
    try:
        decoded = bytes.fromhex(given)
    except ValueError:
        try:
            decoded = base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
    if not hmac.compare_digest(decoded, digest):
        return False, (f"DocumentBody.Checksum: does not match the {body.checksum_type} of "
                       f"the Contents ({len(body.contents)} octets; hex or base64 expected)")
    return True, f"DocumentBody.Checksum: the {body.checksum_type} of the Contents matches"
