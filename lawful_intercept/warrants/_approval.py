"""The judge's signature: the library's approval-signature profile, and the interface through
which a national profile plugs in its own verifier.

TS 103 120 carries an approval's signature in ``ApprovalDigitalSignature``, a choice holding
the abstract ``NationalDigitalSignature`` (the common schema's ApprovalDetails): the format
is left to national profiles. The library's profile, :class:`XMLDSigApprovalProfile`
(``xsi:type`` ``XMLDSigApproval`` of namespace :data:`PROFILE`):

* the approver signs the **signed view** of the ``AuthorisationObject`` (or of an
  ``LITaskObject`` or ``DocumentObject``, which carry approvals too): the object as sent,
  without the fields that change after approval (for an authorisation ``Generation``,
  ``LastChanged``, ``AuthorisationStatus``, ``AuthorisationDesiredStatus``,
  ``AuthorisationServedTimestamp``, ``AuthorisationTerminationTimestamp``,
  ``AuthorisationInvalidReason``; for a task or document its generation, last change,
  status, desired status and invalid reason), without the other approvals, and without
  its own ``ApprovalDigitalSignature``;
* with an enveloped XML-DSig (Reference URI "", enveloped-signature transform, exclusive
  canonicalisation, ECDSA or RSA with SHA-256), the approver's certificate in KeyInfo;
* the ``ds:Signature`` goes in ``NationalDigitalSignature`` after its ``CountryCode``;
* it verifies when the signature does, the certificate chains to a court CA of the approvers'
  :class:`Trust` at the approval's time and now, its ``title`` is a role the trust accepts,
  and the ``ApproverRole`` written in the approval (if any) is that same role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from cryptography import x509
from lxml import etree  # type: ignore[import-untyped]

from ..errors import WarrantSignatureError
from ._model import ApprovalDetails, ApproverDetails
from ._namespaces import AUTH, COMMON, CORE, DOC, DS, NSMAP, PROFILE, TASK, XSI, qname
from ._pki import Trust, role_of
from ._signature import SignatureCheck, SigningKey, enveloped_signature, verify_enveloped
from ._xml_safe import parse_xml
from ._xml_write import approval_element

__all__ = [
    "UNSIGNED_AUTHORISATION_FIELDS",
    "ApprovalProfile",
    "XMLDSigApprovalProfile",
    "approve",
    "approve_warrant",
    "authorisation_elements",
    "object_elements",
    "object_type",
    "signed_view",
]

UNSIGNED_AUTHORISATION_FIELDS = (
    qname(CORE, "Generation"), qname(CORE, "LastChanged"),
    qname(AUTH, "AuthorisationStatus"), qname(AUTH, "AuthorisationDesiredStatus"),
    qname(AUTH, "AuthorisationServedTimestamp"), qname(AUTH, "AuthorisationTerminationTimestamp"),
    qname(AUTH, "AuthorisationInvalidReason"),
)
"""The fields of an AuthorisationObject an approval does not cover (they change after it)."""

_DIGITAL = qname(COMMON, "ApprovalDigitalSignature")


@dataclass(frozen=True)
class _Approvable:
    approvals: str  # the tag of its ApprovalDetails elements
    unsigned: frozenset[str]  # fields left out of the signed view
    after: frozenset[str]  # the fields that follow the approvals in schema order


_APPROVABLE = {
    qname(AUTH, "AuthorisationObject"): _Approvable(
        qname(AUTH, "AuthorisationApprovalDetails"), frozenset(UNSIGNED_AUTHORISATION_FIELDS),
        frozenset(qname(AUTH, name) for name in (
            "AuthorisationInvalidReason", "AuthorisationFlags",
            "AuthorisationManualInformation", "NationalAuthorisationParameters",
            "AuthorisationJurisdiction", "AuthorisationTypeOfCase",
            "AuthorisationLegalEntity"))),
    qname(TASK, "LITaskObject"): _Approvable(
        qname(TASK, "ApprovalDetails"),
        frozenset({qname(CORE, "Generation"), qname(CORE, "LastChanged"),
                   qname(TASK, "Status"), qname(TASK, "DesiredStatus"),
                   qname(TASK, "InvalidReason")}),
        frozenset(qname(TASK, name) for name in (
            "CSPID", "HandlingProfile", "InvalidReason", "Flags",
            "NationalLITaskingParameters", "ListOfTrafficPolicyReferences"))),
    qname(DOC, "DocumentObject"): _Approvable(
        qname(DOC, "DocumentSignature"),
        frozenset({qname(CORE, "Generation"), qname(CORE, "LastChanged"),
                   qname(DOC, "DocumentStatus"), qname(DOC, "DocumentDesiredStatus"),
                   qname(DOC, "DocumentInvalidReason")}),
        frozenset({qname(DOC, "DocumentInvalidReason"), qname(DOC, "NationalDocumentParameters")})),
}


@runtime_checkable
class ApprovalProfile(Protocol):
    """A verifier of approval signatures of one ``NationalDigitalSignature`` type. A national
    profile implements this and is passed to :func:`check` (``profiles=``)."""

    @property
    def xsi_type(self) -> str:
        """The ``xsi:type`` (Clark notation) of the NationalDigitalSignature it verifies."""
        ...

    def verify(self, obj: etree._Element, index: int, trust: Trust, *,
               times: Sequence[tuple[str, datetime]]) -> SignatureCheck:
        """Verify approval ``index`` (among its ApprovalDetails) of the HI-1 object element
        ``obj`` (an AuthorisationObject, LITaskObject or DocumentObject) against ``trust``
        at each of ``times``."""
        ...


def object_type(element: etree._Element) -> str:
    """The ``xsi:type`` of an HI1Object element in Clark notation (empty if it has none)."""
    prefix, _, local = element.get(qname(XSI, "type"), "").strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return qname(namespace, local) if namespace else local


def object_elements(root: etree._Element) -> dict[str, etree._Element]:
    """The HI1Object elements of a message by ObjectIdentifier (the last one of an
    identifier when several actions name it)."""
    found: dict[str, etree._Element] = {}
    for element in root.iter(qname(CORE, "HI1Object")):
        identifier = element.findtext(qname(CORE, "ObjectIdentifier"))
        if identifier is not None:
            found[identifier.strip()] = element
    return found


def authorisation_elements(root: etree._Element) -> dict[str, etree._Element]:
    """The AuthorisationObject elements of a message by ObjectIdentifier."""
    return {identifier: element for identifier, element in object_elements(root).items()
            if object_type(element) == qname(AUTH, "AuthorisationObject")}


def _approvable(element: etree._Element) -> _Approvable:
    kind = object_type(element)
    found = _APPROVABLE.get(kind)
    if found is None:
        raise ValueError(f"an object of type {kind or '(none)'} carries no approvals; "
                         "AuthorisationObject, LITaskObject and DocumentObject do")
    return found


def signed_view(obj: etree._Element, index: int) -> etree._Element:
    """The signed view of approval ``index`` of the HI-1 object element ``obj`` (see the
    module docstring), a standalone copy."""
    rules = _approvable(obj)
    view = parse_xml(etree.tostring(obj))
    approvals = view.findall(rules.approvals)
    if not 0 <= index < len(approvals):
        raise IndexError(f"approval {index} does not exist ({len(approvals)} approvals)")
    for i, approval in enumerate(approvals):
        if i != index:
            view.remove(approval)
    for signature in approvals[index].findall(_DIGITAL):
        approvals[index].remove(signature)
    for child in list(view):
        if child.tag in rules.unsigned:
            view.remove(child)
    return view


@dataclass(frozen=True)
class XMLDSigApprovalProfile:
    """The library's approval-signature profile (see the module docstring)."""

    xsi_type: str = qname(PROFILE, "XMLDSigApproval")

    def verify(self, obj: etree._Element, index: int, trust: Trust, *,
               times: Sequence[tuple[str, datetime]]) -> SignatureCheck:
        """Verify approval ``index`` of the object ``obj`` (see :class:`ApprovalProfile`)."""
        approval = obj.findall(_approvable(obj).approvals)[index]
        national = approval.find(f"{_DIGITAL}/{{{COMMON}}}NationalDigitalSignature")
        signature = None if national is None else national.find(qname(DS, "Signature"))
        if signature is None:
            return SignatureCheck(False, "no ds:Signature in the NationalDigitalSignature")
        view = signed_view(obj, index)
        view.append(parse_xml(etree.tostring(signature)))
        result = verify_enveloped(view, view[-1], trust, times=times)
        written = approval.findtext(f"{{{COMMON}}}ApproverDetails/{{{COMMON}}}ApproverRole")
        if result.ok and written is not None and written.strip() != result.role:
            return SignatureCheck(False, f"ApproverRole {written.strip()!r} differs from the "
                                  f"role in the approver's certificate ({result.role!r})",
                                  result.signer, result.role)
        return result


def approve(message: bytes, identifier: str, key: SigningKey,
            certificates: Sequence[x509.Certificate], *,
            approval: ApprovalDetails | None = None, country_code: str = "XX",
            at: datetime | None = None) -> bytes:
    """Add an approval signed by the approver (the judge) to the object whose ObjectIdentifier
    is ``identifier`` in ``message`` (bytes of an unsigned HI-1 message): an
    AuthorisationObject (``AuthorisationApprovalDetails``), an LITaskObject
    (``ApprovalDetails``) or a DocumentObject (``DocumentSignature``), following
    :class:`XMLDSigApprovalProfile`; return the new message bytes.

    ``approval`` gives the ApprovalDetails to sign (default: type ``Judicial``, the approver's
    name and role from the certificate, the time ``at`` or now); ``certificates`` is the
    approver's certificate first, then intermediates."""
    root = parse_xml(message)
    if root.find(qname(DS, "Signature")) is not None:
        raise WarrantSignatureError("the message is already signed: approve before signing it")
    matches = [e for e in root.iter(qname(CORE, "HI1Object"))
               if (e.findtext(qname(CORE, "ObjectIdentifier")) or "").strip() == identifier]
    if not matches:
        raise WarrantSignatureError(f"no HI-1 object {identifier!r} in the message")
    if len(matches) > 1:
        raise WarrantSignatureError(f"HI-1 object {identifier!r} appears {len(matches)} times "
                                    "in the message: which one to approve is ambiguous")
    element = matches[0]
    if object_type(element) not in _APPROVABLE:
        raise WarrantSignatureError(f"object {identifier!r} is a {object_type(element)}, "
                                    "which carries no approvals")
    rules = _approvable(element)
    if not certificates:
        raise ValueError("certificates must hold at least the approver's certificate")
    if approval is None:
        names = certificates[0].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        name = str(names[0].value) if names else None
        approval = ApprovalDetails(approval_type="Judicial",
                                   approver=ApproverDetails(name=name,
                                                            role=role_of(certificates[0])),
                                   timestamp=at or datetime.now(UTC).replace(microsecond=0))
    if approval.digital_signature is not None:
        raise ValueError("approval must not carry a digital signature already")
    namespace, local = rules.approvals[1:].split("}")
    new = approval_element(replace(approval, national_details=None), namespace, local)
    if approval.national_details is not None:
        new.append(parse_xml(approval.national_details.data))
    _insert_approval(element, new, rules.after)
    index = element.findall(rules.approvals).index(new)
    signed = enveloped_signature(signed_view(element, index), key, certificates)
    holder = etree.Element(_DIGITAL, nsmap=NSMAP)
    national = etree.SubElement(holder, qname(COMMON, "NationalDigitalSignature"),
                                nsmap={"lip": PROFILE})
    national.set(qname(XSI, "type"), "lip:XMLDSigApproval")
    etree.SubElement(national, qname(COMMON, "CountryCode")).text = country_code
    national.append(signed[-1])
    after = new.find(qname(COMMON, "ApprovalNationalDetails"))
    if after is not None:
        after.addprevious(holder)
    else:
        new.append(holder)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def approve_warrant(message: bytes, key: SigningKey, certificates: Sequence[x509.Certificate],
                    *, country_code: str = "XX", at: datetime | None = None) -> bytes:
    """Add the approver's (the judge's) approval, as :func:`approve` does, to every
    AuthorisationObject and to every DocumentObject of DocumentType ``Warrant`` (TS 103 120
    clauses 7.2 and 7.3) of ``message`` (bytes of an unsigned HI-1 message): what
    :func:`check` requires of a warrant by default. Returns the new message bytes; sign them
    afterwards."""
    root = parse_xml(message)
    identifiers = []
    for element in root.iter(qname(CORE, "HI1Object")):
        kind = object_type(element)
        warrant_document = kind == qname(DOC, "DocumentObject") and any(
            (entry.findtext(qname(COMMON, "Owner")) or "").strip() == "ETSI"
            and (entry.findtext(qname(COMMON, "Value")) or "").strip() == "Warrant"
            for entry in element.findall(qname(DOC, "DocumentType")))
        if kind == qname(AUTH, "AuthorisationObject") or warrant_document:
            identifiers.append((element.findtext(qname(CORE, "ObjectIdentifier")) or "").strip())
    if not identifiers:
        raise WarrantSignatureError("no AuthorisationObject or warrant DocumentObject in the "
                                    "message to approve")
    for identifier in identifiers:
        message = approve(message, identifier, key, certificates, country_code=country_code,
                          at=at)
    return message


def _insert_approval(obj: etree._Element, approval: etree._Element,
                     after: frozenset[str]) -> None:
    for child in obj:
        if child.tag in after:
            child.addprevious(approval)
            return
    obj.append(approval)
