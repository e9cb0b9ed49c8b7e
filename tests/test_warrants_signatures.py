"""Signatures on HI-1 messages (TS 103 120 clause 6.1, XML-DSig) and the judge's approval
profile: signing, verifying, certificate paths, and misuse."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from cryptography import x509
from lxml import etree  # type: ignore[import-untyped]
from test_warrants_support import (
    NOW,
    judge_trust,
    make_request,
    make_warrant,
    message_trust,
    warrant_pki,
)

from lawful_intercept.certs import make_warrant_pki
from lawful_intercept.errors import WarrantSignatureError
from lawful_intercept.warrants import (
    UNSIGNED_AUTHORISATION_FIELDS,
    Trust,
    XMLDSigApprovalProfile,
    approve,
    authorisation_elements,
    check_certificate,
    parse_xml,
    role_of,
    sign_message,
    signed_view,
    verify_message,
    write_message,
)

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def test_message_signature_profile() -> None:
    signed = make_warrant().signed
    root = parse_xml(signed)
    signature = root[-1]
    assert signature.tag == f"{DS}Signature"
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == ""
    transforms = [t.get("Algorithm") for t in reference.iter(f"{DS}Transform")]
    assert transforms == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                          "http://www.w3.org/2001/10/xml-exc-c14n#"]
    assert signature.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate") is not None
    result = verify_message(signed, message_trust(), now=NOW)
    assert result.ok and result.role == "Issuing authority"


def test_verify_message_refuses_a_moved_reference() -> None:
    signed = make_warrant().signed
    assert not verify_message(signed.replace(b'URI=""', b'URI="#x"'), message_trust(),
                              now=NOW).ok


def test_a_signature_cannot_be_moved_to_another_message() -> None:
    """The signature of a valid warrant appended to a forged one (another target) does not
    make it verify: the reference covers the whole message it sits in."""
    signed = parse_xml(make_warrant().signed)
    forged = parse_xml(write_message(make_request()).replace(b"442079460223", b"442079460224"))
    forged.append(signed[-1])
    assert not verify_message(etree.tostring(forged), message_trust(), now=NOW).ok
    assert verify_message(make_warrant().signed, message_trust(), now=NOW).ok


def test_sign_message_misuse() -> None:
    pki = warrant_pki()
    with pytest.raises(WarrantSignatureError, match="already signed"):
        sign_message(make_warrant().signed, pki.issuer.key, [pki.issuer.certificate])
    with pytest.raises(WarrantSignatureError, match="does not match"):
        sign_message(make_request(), pki.judge.key, [pki.issuer.certificate])
    with pytest.raises(ValueError, match="certificates"):
        sign_message(make_request(), pki.issuer.key, [])
    with pytest.raises(TypeError, match="message"):
        sign_message("text", pki.issuer.key, [pki.issuer.certificate])  # type: ignore[arg-type]


def test_approve_misuse() -> None:
    pki = warrant_pki()
    data = write_message(make_request())
    with pytest.raises(WarrantSignatureError, match="no HI-1 object"):
        approve(data, "00000000-0000-4000-8000-000000000000", pki.judge.key,
                [pki.judge.certificate])
    authorisation = next(iter(authorisation_elements(parse_xml(data))))
    with pytest.raises(WarrantSignatureError, match="already signed"):
        approve(make_warrant().signed, authorisation, pki.judge.key, [pki.judge.certificate])


def test_signed_view_leaves_out_what_changes_after_approval() -> None:
    pki = warrant_pki()
    data = write_message(make_request())
    identifier = next(iter(authorisation_elements(parse_xml(data))))
    once = approve(data, identifier, pki.judge.key, [pki.judge.certificate])
    second = pki.issue_signer(common_name="Judge Two")
    twice = approve(once, identifier, second.key, [second.certificate])
    element = authorisation_elements(parse_xml(twice))[identifier]
    view = signed_view(element, 0)
    tags = {child.tag for child in view}
    assert not tags & set(UNSIGNED_AUTHORISATION_FIELDS)
    assert len(view.findall("{*}AuthorisationApprovalDetails")) == 1
    assert view.find(".//{*}ApprovalDigitalSignature") is None
    # the first approval still verifies after a second was added
    profile = XMLDSigApprovalProfile()
    assert profile.verify(element, 0, judge_trust(), times=(("now", NOW),)).ok
    assert profile.verify(element, 1, judge_trust(), times=(("now", NOW),)).ok


def test_status_may_change_after_approval() -> None:
    """The judge's signature does not cover AuthorisationStatus: a book may record the
    status without breaking it."""
    pki = warrant_pki()
    data = write_message(make_request())
    identifier = next(iter(authorisation_elements(parse_xml(data))))
    approved = approve(data, identifier, pki.judge.key, [pki.judge.certificate])
    changed = approved.replace(b"<common:Value>Approved</common:Value>",
                               b"<common:Value>Suspended</common:Value>")
    assert changed != approved
    element = authorisation_elements(parse_xml(changed))[identifier]
    assert XMLDSigApprovalProfile().verify(element, 0, judge_trust(),
                                           times=(("now", NOW),)).ok


def test_warrant_pki() -> None:
    pki = make_warrant_pki(days=2, valid_from=NOW - timedelta(hours=1))
    assert role_of(pki.judge.certificate) == "Judge"
    assert role_of(pki.issuer.certificate) == "Issuing authority"
    judges = Trust((pki.court_ca.certificate,), roles=frozenset({"Judge"}))
    assert check_certificate(pki.judge.certificate, [], judges, times=(("now", NOW),)).ok
    assert not check_certificate(pki.issuer.certificate, [], judges,
                                 times=(("now", NOW),)).ok
    assert not check_certificate(pki.judge.certificate, [], judges,
                                 times=(("later", NOW + timedelta(days=5)),)).ok
    with pytest.raises(ValueError, match="anchor"):
        Trust(())


def test_trust_from_pem(tmp_path: object) -> None:
    pki = warrant_pki()
    trust = Trust.from_pem([pki.court_ca.cert_pem], roles=["Judge"])
    assert trust.anchors == (pki.court_ca.certificate,)
    paths = pki.write(tmp_path)  # type: ignore[arg-type]
    assert {"court-ca", "judge", "judge-key", "authority-ca", "issuer", "issuer-key"} <= set(
        paths)
    assert paths["judge"].read_bytes() == pki.judge.cert_pem


def test_approval_signature_is_inside_national_digital_signature() -> None:
    root = parse_xml(make_warrant().signed)
    national = root.find(".//{*}ApprovalDigitalSignature/{*}NationalDigitalSignature")
    assert national is not None
    assert national.get("{http://www.w3.org/2001/XMLSchema-instance}type") == \
        "lip:XMLDSigApproval"
    assert national[0].tag.endswith("CountryCode")
    assert national[1].tag == f"{DS}Signature"
    assert etree.QName(national).localname == "NationalDigitalSignature"


def test_key_usage_must_allow_signing() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pki = warrant_pki()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.TITLE, "Judge"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Judge Agreement")])
    certificate = (
        x509.CertificateBuilder().subject_name(name)
        .issuer_name(pki.court_ca.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=True, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            pki.court_ca.key.public_key()), critical=False)
        .sign(pki.court_ca.key, hashes.SHA256()))
    result = check_certificate(certificate, [], judge_trust(), times=(("now", NOW),))
    assert not result.ok
    assert "key usage" in result.reason


def test_approve_refuses_an_ambiguous_identifier() -> None:
    from lawful_intercept.warrants import ActionRequest, CREATERequest, RequestPayload
    message = make_request()
    assert isinstance(message.payload, RequestPayload)
    authorisation = next(a.action for a in message.payload.actions
                         if isinstance(a.action, CREATERequest)
                         and type(a.action.obj).__name__ == "AuthorisationObject")
    twice = RequestPayload((*message.payload.actions, ActionRequest(7, authorisation)))
    data = write_message(dataclasses.replace(message, payload=twice))
    pki = warrant_pki()
    with pytest.raises(WarrantSignatureError, match="appears 2 times"):
        approve(data, authorisation.obj.object_identifier, pki.judge.key,
                [pki.judge.certificate])
