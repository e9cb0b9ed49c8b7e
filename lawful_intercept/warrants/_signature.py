"""The enveloped XML-DSig of an HI-1 message (TS 103 120 clause 6, W3C XML Signature):
Reference URI "" (the whole message), the enveloped-signature transform, exclusive
canonicalisation, RSA or ECDSA with SHA-256, the signer's certificate (and chain) in
KeyInfo. Signing and verifying go through ``signxml``; the signer's certificate path is
checked by :func:`check_certificate`.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import (
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ..errors import WarrantSignatureError
from ._model import HI1Message
from ._namespaces import CORE, DS, qname
from ._pki import CertificateCheck, Trust, check_certificate
from ._xml_read import read_message_element
from ._xml_safe import DEFAULT_MAX_BYTES, parse_xml
from ._xml_write import write_message_element

__all__ = [
    "EXC_C14N",
    "SignatureCheck",
    "SigningKey",
    "enveloped_signature",
    "sign_message",
    "verify_enveloped",
    "verify_message",
]

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_ALLOWED_TRANSFORMS = {_ENVELOPED, EXC_C14N, "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
                       "http://www.w3.org/2006/12/xml-c14n11",
                       "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"}

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
"""A private key that signs HI-1 messages and approvals."""


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of verifying one XML-DSig: ``ok``, the ``reason``, the signer's subject and
    role (as its certificate states them)."""

    ok: bool
    reason: str
    signer: str = ""
    role: str | None = None


def enveloped_signature(root: etree._Element, key: SigningKey,
                        certificates: Sequence[x509.Certificate]) -> etree._Element:
    """``root`` signed with an enveloped XML-DSig (the profile of the module docstring): a
    signed copy whose last child is the ``ds:Signature``."""
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError(f"key must be an EC or RSA private key, not {type(key).__name__}")
    if not certificates:
        raise ValueError("certificates must hold at least the signer's certificate")
    if certificates[0].public_key() != key.public_key():
        raise WarrantSignatureError("the key does not match the signer's certificate")
    method = (SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey)
              else SignatureMethod.RSA_SHA256)
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped,
                               signature_algorithm=method,
                               digest_algorithm=DigestAlgorithm.SHA256,
                               c14n_algorithm=EXC_C14N)
    signed: etree._Element = signer.sign(copy.deepcopy(root), key=key, cert=list(certificates))
    return signed


def verify_enveloped(root: etree._Element, signature: etree._Element, trust: Trust, *,
                     times: Sequence[tuple[str, datetime]]) -> SignatureCheck:
    """Verify ``signature``, an enveloped XML-DSig that is a direct child of ``root`` and
    covers all of it (Reference URI ""): the certificate in its KeyInfo must be accepted by
    ``trust`` at each of ``times``, and the signature value and digest must verify."""
    if signature.getparent() is not root:
        return SignatureCheck(False, "the signature is not a direct child of the signed element")
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        return SignatureCheck(False, "the signature must have exactly one Reference, with "
                              "URI \"\" (the whole element)")
    transforms = [t.get("Algorithm") for t in
                  references[0].findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
    if _ENVELOPED not in transforms or not set(transforms) <= _ALLOWED_TRANSFORMS:
        return SignatureCheck(False, f"unexpected transforms {transforms}: only the enveloped-"
                              "signature transform and canonicalisation are accepted")
    certificates = _certificates(signature)
    if not certificates:
        return SignatureCheck(False, "no X.509 certificate in the signature's KeyInfo")
    leaf, intermediates = certificates[0], certificates[1:]
    try:
        checked: CertificateCheck = check_certificate(leaf, intermediates, trust, times=times)
    except (ValueError, UnsupportedAlgorithm) as exc:
        return SignatureCheck(False, f"the certificate in KeyInfo is unusable: {exc}")
    if not checked.ok:
        return SignatureCheck(False, checked.reason, checked.subject, checked.role)
    config = SignatureConfiguration(
        require_x509=True, location="./", expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256,
                                     SignatureMethod.ECDSA_SHA256,
                                     SignatureMethod.RSA_SHA384,
                                     SignatureMethod.ECDSA_SHA384,
                                     SignatureMethod.RSA_SHA512,
                                     SignatureMethod.ECDSA_SHA512}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256,
                                     DigestAlgorithm.SHA384,
                                     DigestAlgorithm.SHA512}))
    try:
        XMLVerifier().verify(copy.deepcopy(root), x509_cert=leaf, expect_config=config,
                                     ignore_ambiguous_key_info=True)
    except (SignXMLException, etree.LxmlError, ValueError, UnsupportedAlgorithm) as exc:
        return SignatureCheck(False, f"the signature does not verify: {exc}", checked.subject,
                              checked.role)
    return SignatureCheck(True, f"signature verifies; {checked.reason}", checked.subject,
                          checked.role)


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    """The certificates of the KeyInfo, fully parsed (``cryptography`` parses some fields on
    first use: a damaged one must fail here); empty when one is unreadable."""
    found: list[x509.Certificate] = []
    for element in signature.iterfind(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"):
        text = "".join((element.text or "").split())
        try:
            certificate = x509.load_der_x509_certificate(_b64(text))
            certificate.subject.rfc4514_string()
            certificate.issuer.rfc4514_string()
            certificate.public_key()
            list(certificate.extensions)
        except (ValueError, UnsupportedAlgorithm):
            return []
        found.append(certificate)
    return found


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def sign_message(message: HI1Message | bytes, key: SigningKey,
                 certificates: Sequence[x509.Certificate]) -> bytes:
    """Sign an HI-1 message (the model, or its bytes, which are kept as they are) with an
    enveloped XML-DSig (TS 103 120 clause 6): ``certificates`` is the signer's certificate
    first, then any intermediate CA certificates. Approvals must be added before."""
    if isinstance(message, HI1Message):
        root = write_message_element(message)
    elif isinstance(message, bytes | bytearray):
        root = parse_xml(bytes(message))
        read_message_element(root)
    else:
        raise TypeError(f"message must be HI1Message or bytes, not {type(message).__name__}")
    if root.find(qname(DS, "Signature")) is not None:
        raise WarrantSignatureError("the message is already signed")
    signed = enveloped_signature(root, key, certificates)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="utf-8"))


def verify_message(data: bytes | etree._Element, trust: Trust, *, now: datetime,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> SignatureCheck:
    """Verify the enveloped XML-DSig of an HI-1 message: the signer trusted by ``trust`` at
    the message's time stamp and at ``now``, the signature over the whole message."""
    root = data if isinstance(data, etree._Element) else parse_xml(data, max_bytes=max_bytes)
    message = read_message_element(root)
    signature = root.find(qname(DS, "Signature"))
    if signature is None:
        legacy = root.find(qname(CORE, "Signature"))
        what = " (only the discouraged core Signature element)" if legacy is not None else ""
        return SignatureCheck(False, f"the message is not signed{what}")
    return verify_enveloped(root, signature, trust,
                            times=(("the message's time", message.header.timestamp),
                                   ("now", now)))
