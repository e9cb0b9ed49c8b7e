"""The warrant document is what the judge signed (TS 103 120 clause 7.3): check's ``document``
rule requires its approval and its checksum, and refuses a document changed after the judge
signed, even when the issuing authority re-signs the message."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]
from test_warrants_support import NOW, change_objects, failed, make_request, run, warrant_pki

from lawful_intercept.errors import WarrantSignatureError
from lawful_intercept.warrants import (
    RULES,
    AuthorisationObject,
    CREATERequest,
    DocumentBody,
    DocumentObject,
    HI1Message,
    LITaskObject,
    RequestPayload,
    WarrantCheck,
    approve,
    approve_warrant,
    parse_xml,
    sign_message,
    write_message,
)

DOC = "http://uri.etsi.org/03120/common/2020/09/Document"  # TS 103 120 doc: namespace


def document_of(message: HI1Message) -> DocumentObject:
    return next(o for o in message.objects() if isinstance(o, DocumentObject))


def approved_by_judge(message: HI1Message) -> bytes:
    pki = warrant_pki()
    return approve_warrant(write_message(message), pki.judge.key, [pki.judge.certificate],
                           at=NOW.replace(microsecond=0))


def resign(approved: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """The approved message changed by ``change`` (on its DocumentObject), then signed by the
    issuing authority, whose signature is trusted: only the judge's approval can tell."""
    root = parse_xml(approved)
    document = next(e for e in root.iter() if e.tag == f"{{{DOC}}}DocumentBody").getparent()
    change(document)
    pki = warrant_pki()
    return sign_message(etree.tostring(root, xml_declaration=True, encoding="utf-8"),
                        pki.issuer.key, [pki.issuer.certificate])


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(document: etree._Element) -> None:
        element = document.find(path)
        assert element is not None, path
        element.text = value
    return change


def _document_failure(result: WarrantCheck) -> str:
    return next(r.reason for r in result.failures()
                if r.rule == "document" and r.object_identifier is not None
                and r.reason.startswith(("DocumentBody", "DocumentSignature")))


def test_the_judges_document_approval_passes() -> None:
    pki = warrant_pki()
    signed = sign_message(approved_by_judge(make_request()), pki.issuer.key,
                          [pki.issuer.certificate])
    result = run(signed)
    assert result.valid, result.table()
    rule = next(r for r in result.results if r.rule == "document")
    assert rule.ok and "Checksum" in rule.reason and "verifies" in rule.reason


def test_a_warrant_document_without_the_judges_approval_is_refused() -> None:
    pki = warrant_pki()
    message = make_request()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    only_authorisation = approve(write_message(message), authorisation.object_identifier,
                                 pki.judge.key, [pki.judge.certificate])
    result = run(sign_message(only_authorisation, pki.issuer.key, [pki.issuer.certificate]))
    assert "document" in failed(result)
    assert _document_failure(result) == "DocumentSignature: none given"
    # the authorisation naming the refused document is not valid, so neither is its task
    assert {"document", "task-authorisation"} == failed(result)
    error = result.error_information()
    assert error is not None and error.code == RULES["document"][1].code == 4004
    # the library's own option turns the approval requirement off, never the checksum
    assert run(sign_message(only_authorisation, pki.issuer.key, [pki.issuer.certificate]),
               document_approvals=False).valid


_NEW = base64.b64encode(b"%PDF-1.4 a different warrant").decode()
_NEW_SUM = hashlib.sha256(b"%PDF-1.4 a different warrant").hexdigest()


def _both(document: etree._Element) -> None:
    set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Contents", _NEW)(document)
    set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Checksum", _NEW_SUM)(document)


@pytest.mark.parametrize(("change", "expected"), [
    (set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Contents", _NEW),
     "DocumentBody.Checksum: does not match"),
    (set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Checksum", "00" * 32),
     "DocumentBody.Checksum: does not match"),
    (_both, "does not verify"),
    (set_text(f"{{{DOC}}}DocumentTimespan/{{{DOC}}}EndTime", "2099-01-01T00:00:00Z"),
     "does not verify"),
    (set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}ChecksumType", "MD5"),
     "DocumentBody.ChecksumType: 'MD5' is not accepted"),
], ids=["contents", "checksum", "contents-and-checksum", "document-timespan", "weak-digest"])
def test_forged_documents_are_refused_even_when_the_issuer_re_signs(
        change: Callable[[etree._Element], None], expected: str) -> None:
    forged = resign(approved_by_judge(make_request()), change)
    result = run(forged)
    assert "message-signature" not in failed(result)  # the issuer's signature is fine
    assert "document" in failed(result), result.table()
    assert expected in _document_failure(result)
    assert result.message is not None
    document = document_of(result.message)
    errors = result.action_errors()
    assert errors and all(e.code in {4004, 5001} for e in errors.values())
    assert any(r.object_identifier == document.object_identifier for r in result.failures())


def test_checksum_is_checked_without_document_approvals_too() -> None:
    forged = resign(approved_by_judge(make_request()),
                    set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Contents", _NEW))
    result = run(forged, document_approvals=False)
    assert "document" in failed(result)


def test_approve_warrant_needs_something_to_approve() -> None:
    pki = warrant_pki()
    message = make_request()
    assert isinstance(message.payload, RequestPayload)
    only_task = dataclasses.replace(message, payload=RequestPayload(tuple(
        a for a in message.payload.actions
        if isinstance(a.action, CREATERequest) and isinstance(a.action.obj, LITaskObject))))
    with pytest.raises(WarrantSignatureError, match="no AuthorisationObject"):
        approve_warrant(write_message(only_task), pki.judge.key, [pki.judge.certificate])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents=st.binary(min_size=1, max_size=200),
       checksum_type=st.sampled_from(["SHA256", "SHA-256", "sha384", "SHA-512", "SHA3-256"]),
       encoding=st.sampled_from(["hex", "HEX", "base64"]), flip=st.integers(0, 10_000))
def test_any_document_checksum_binds_its_contents(contents: bytes, checksum_type: str,
                                                  encoding: str, flip: int) -> None:
    name = {"SHA256": "sha256", "SHA-256": "sha256", "sha384": "sha384", "SHA-512": "sha512",
            "SHA3-256": "sha3_256"}[checksum_type]
    digest = hashlib.new(name, contents).digest()
    checksum = (digest.hex() if encoding == "hex" else digest.hex().upper()
                if encoding == "HEX" else base64.b64encode(digest).decode())
    body = DocumentBody(contents, "application/pdf", checksum, checksum_type)
    message = change_objects(make_request(), DocumentObject, body=body)
    pki = warrant_pki()
    approved = approved_by_judge(message)
    assert run(sign_message(approved, pki.issuer.key, [pki.issuer.certificate])).valid
    index = flip % len(contents)
    changed = contents[:index] + bytes([contents[index] ^ 0x01]) + contents[index + 1:]
    forged = resign(approved, set_text(f"{{{DOC}}}DocumentBody/{{{DOC}}}Contents",
                                       base64.b64encode(changed).decode()))
    result = run(forged)
    assert "document" in failed(result)
    assert "does not match" in _document_failure(result)
