"""check(): every rule of a warrant (TS 103 120) passes for a valid one and fails, named,
with its ErrorInformation, for each way a warrant can be wrong or forged."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from test_warrants_support import (
    HI1_REFERENCE,
    NOW,
    failed,
    judge_trust,
    make_request,
    make_warrant,
    message_trust,
    official_schema,
    run,
    sign_request,
    warrant_pki,
)

from lawful_intercept.warrants import (
    RULES,
    ActionRequest,
    ApprovalDetails,
    ApproverDetails,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    DeliveryAddress,
    DeliveryDestination,
    DocumentObject,
    HI1Message,
    LITaskObject,
    RequestPayload,
    SignatureCheck,
    TargetIdentifierValue,
    TaskTimespan,
    Timespan,
    Trust,
    UPDATERequest,
    XMLDSigApprovalProfile,
    approve,
    check,
    object_elements,
    parse_xml,
    read_message,
    sign_message,
    write_message,
)


def replace_objects(message: HI1Message, change: Any) -> HI1Message:
    assert isinstance(message.payload, RequestPayload)
    actions = tuple(ActionRequest(a.action_identifier, CREATERequest(change(a.action.obj)))
                    if isinstance(a.action, CREATERequest) else a
                    for a in message.payload.actions)
    return dataclasses.replace(message, payload=RequestPayload(actions))


def with_task(message: HI1Message, **changes: Any) -> HI1Message:
    return replace_objects(message, lambda o: dataclasses.replace(o, **changes)
                           if isinstance(o, LITaskObject) else o)


def with_authorisation(message: HI1Message, **changes: Any) -> HI1Message:
    return replace_objects(message, lambda o: dataclasses.replace(o, **changes)
                           if isinstance(o, AuthorisationObject) else o)


# -- the valid warrant --------------------------------------------------------------------


def test_valid_warrant_passes_every_rule() -> None:
    result = run(make_warrant().signed)
    assert result.valid, result.table()
    assert [r.rule for r in result.results] == ["format", "schema", "message-signature",
                                                "document", "authorisation-status", "approval",
                                                "timespan", "task-authorisation", "targets",
                                                "delivery", "test-flag"]
    assert all(r.ok for r in result.results if r.rule != "schema")
    assert result.error_information() is None
    assert result.action_errors() == {}
    assert not result.is_test


def test_valid_warrant_passes_the_schema_rule() -> None:
    result = run(make_warrant().signed, schema=official_schema())
    schema_rule = next(r for r in result.results if r.rule == "schema")
    assert schema_rule.ok is True, schema_rule.reason
    assert result.valid


def test_without_schema_the_rule_is_not_checked() -> None:
    schema_rule = next(r for r in run(make_warrant().signed).results if r.rule == "schema")
    assert schema_rule.ok is None
    assert "not checked" in schema_rule.reason


def test_rsa_keys_work_too() -> None:
    from lawful_intercept.certs import make_warrant_pki
    pki = make_warrant_pki(key_type="rsa", valid_from=NOW - timedelta(days=1))
    signed = sign_request(make_request(), pki=pki)
    result = run(signed, trust=message_trust(pki), approvers=judge_trust(pki))
    assert result.valid, result.table()


def test_test_flag_is_reported() -> None:
    result = run(make_warrant(is_test=True).signed)
    assert result.valid and result.is_test
    flag = next(r for r in result.results if r.rule == "test-flag")
    assert "IsTest" in flag.reason


# -- the message signature ----------------------------------------------------------------


def test_unsigned_message_is_refused() -> None:
    result = run(write_message(make_request()))
    assert "message-signature" in failed(result)
    assert "not signed" in next(iter(result.failures())).reason


def test_changed_signed_message_is_refused() -> None:
    signed = make_warrant().signed
    forged = signed.replace(b"442079460223", b"442079460224")
    result = run(forged)
    assert failed(result) == {"message-signature"}
    error = result.error_information()
    assert error is not None and error.code == RULES["message-signature"][1].code
    assert set(result.action_errors()) == {0, 1, 2}


def test_untrusted_signer_is_refused() -> None:
    rogue = warrant_pki().issue_signer(role="Issuing authority", by="authority",
                                       untrusted=True)
    result = run(sign_request(make_request(), issuer=rogue))
    assert failed(result) == {"message-signature"}
    assert "not trusted" in result.failures()[0].reason


def test_expired_signer_is_refused() -> None:
    stale = warrant_pki().issue_expired_signer(role="Issuing authority", by="authority")
    result = run(sign_request(make_request(), issuer=stale))
    assert failed(result) == {"message-signature"}


def test_signer_not_valid_at_the_message_time_is_refused() -> None:
    old = make_request(now=NOW - timedelta(days=400), start=NOW - timedelta(days=1),
                       end=NOW + timedelta(days=1))
    result = run(sign_request(old))
    assert "message-signature" in failed(result)
    assert "message's time" in next(r for r in result.failures()
                                    if r.rule == "message-signature").reason


def test_no_trust_configured_fails() -> None:
    assert "message-signature" in failed(run(make_warrant().signed, trust=None))
    assert "approval" in failed(run(make_warrant().signed, approvers=None))


# -- approvals: the judge's signature -------------------------------------------------------


def test_wrong_role_approver_is_refused() -> None:
    clerk = warrant_pki().issue_signer(role="Clerk", common_name="A Clerk")
    result = run(sign_request(make_request(), judge=clerk))
    assert failed(result) >= {"approval"}
    assert "role 'Clerk'" in next(r for r in result.failures() if r.rule == "approval").reason


def test_approval_by_a_non_judge_is_refused() -> None:
    # the issuing authority approving its own request: not certified by the court CA
    result = run(sign_request(make_request(), judge=warrant_pki().issuer))
    assert "approval" in failed(result)
    assert "task-authorisation" in failed(result)


def test_untrusted_and_expired_judges_are_refused() -> None:
    for judge in (warrant_pki().issue_signer(untrusted=True),
                  warrant_pki().issue_expired_signer()):
        result = run(sign_request(make_request(), judge=judge))
        assert "approval" in failed(result), result.table()


def test_revoked_judge_is_refused() -> None:
    pki = warrant_pki()
    judge = pki.issue_signer(common_name="Judge Revoked")
    revoked = (x509.RevokedCertificateBuilder().serial_number(judge.certificate.serial_number)
               .revocation_date(NOW - timedelta(days=1)).build())
    crl = (x509.CertificateRevocationListBuilder().issuer_name(pki.court_ca.certificate.subject)
           .last_update(NOW - timedelta(days=1)).next_update(NOW + timedelta(days=7))
           .add_revoked_certificate(revoked).sign(pki.court_ca.key, hashes.SHA256()))
    trust = Trust((pki.court_ca.certificate,), crls=(crl,), roles=frozenset({"Judge"}))
    signed = sign_request(make_request(), judge=judge)
    assert run(signed, approvers=judge_trust()).valid
    result = run(signed, approvers=trust)
    assert "approval" in failed(result)
    assert "revoked" in next(r for r in result.failures() if r.rule == "approval").reason


def test_authorisation_changed_after_approval_is_refused() -> None:
    """The issuing authority (trusted) extends the timespan after the judge signed: the
    message signature is fine, the judge's is not."""
    pki = warrant_pki()
    message = make_request()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    approved = approve(write_message(message), authorisation.object_identifier, pki.judge.key,
                       [pki.judge.certificate])
    end = authorisation.timespan.end_time.isoformat().replace("+00:00", "Z").encode()  # type: ignore[union-attr]
    later = (NOW + timedelta(days=3000)).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z").encode()
    assert end in approved
    forged = sign_message(approved.replace(end, later), pki.issuer.key,
                          [pki.issuer.certificate])
    result = run(forged)
    # the warrant document carries the same timespan, which the judge signed too
    assert failed(result) == {"approval", "task-authorisation", "document"}


def test_approver_role_written_must_match_the_certificate() -> None:
    pki = warrant_pki()
    clerk = pki.issue_signer(role="Clerk", common_name="A Clerk")
    message = make_request()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    claimed = ApprovalDetails(approver=ApproverDetails(name="A Clerk", role="Judge"),
                              timestamp=NOW)
    approved = approve(write_message(message), authorisation.object_identifier, clerk.key,
                       [clerk.certificate], approval=claimed)
    signed = sign_message(approved, pki.issuer.key, [pki.issuer.certificate])
    lenient = Trust((pki.court_ca.certificate,), roles=frozenset({"Judge", "Clerk"}))
    result = run(signed, approvers=lenient)
    assert "approval" in failed(result)
    assert "differs from the role" in next(r for r in result.failures()
                                           if r.rule == "approval").reason


def test_national_profile_plugs_in() -> None:
    @dataclasses.dataclass(frozen=True)
    class Refusing:
        xsi_type: str = XMLDSigApprovalProfile().xsi_type

        def verify(self, authorisation: Any, index: int, trust: Trust, *,
                   times: Any) -> SignatureCheck:
            return SignatureCheck(False, "national rule: two judges needed")

    result = run(make_warrant().signed, profiles=[Refusing()])
    assert "two judges needed" in next(r for r in result.failures()
                                       if r.rule == "approval").reason
    result = run(make_warrant().signed, profiles=[])
    assert "no verifier for NationalDigitalSignature type" in next(
        r for r in result.failures() if r.rule == "approval").reason


def test_approval_without_signature_is_refused() -> None:
    unsigned_approval = with_authorisation(make_request(), approvals=(
        ApprovalDetails(approver=ApproverDetails(name="Judge"), timestamp=NOW),))
    pki = warrant_pki()
    signed = sign_message(unsigned_approval, pki.issuer.key, [pki.issuer.certificate])
    result = run(signed)
    assert "no ApprovalDigitalSignature" in next(r for r in result.failures()
                                                 if r.rule == "approval").reason


# -- status and timespan --------------------------------------------------------------------


def test_status_not_approved_is_refused() -> None:
    result = run(make_warrant(status=AuthorisationStatus.AWAITING_APPROVAL).signed)
    assert failed(result) == {"authorisation-status", "task-authorisation"}


def _emergency(hours_ago: float) -> bytes:
    message = with_authorisation(
        make_request(status=AuthorisationStatus.EMERGENCY_APPROVAL),
        approvals=())
    pki = warrant_pki()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    when = (NOW - timedelta(hours=hours_ago)).replace(microsecond=0)
    approved = approve(write_message(message), authorisation.object_identifier, pki.judge.key,
                       [pki.judge.certificate], at=when,
                       approval=ApprovalDetails(approver=ApproverDetails(role="Judge"),
                                                timestamp=when, is_emergency=True))
    document = next(o for o in message.objects() if isinstance(o, DocumentObject))
    approved = approve(approved, document.object_identifier, pki.judge.key,
                       [pki.judge.certificate], at=when)
    return sign_message(approved, pki.issuer.key, [pki.issuer.certificate])


def test_emergency_approval_within_the_window() -> None:
    assert run(_emergency(0.05), emergency_hours=2).valid
    late = run(_emergency(0.05), emergency_hours=0.01)
    assert failed(late) == {"authorisation-status", "task-authorisation"}
    assert "outside the emergency window" in late.failures()[0].reason
    assert "authorisation-status" in failed(run(_emergency(0.05), emergency_hours=None))


def test_timespan_in_the_past_is_refused() -> None:
    result = run(make_warrant(start=NOW - timedelta(days=60),
                              end=NOW - timedelta(days=1)).signed)
    assert failed(result) == {"timespan", "task-authorisation"}
    assert "before now" in next(r for r in result.failures() if r.rule == "timespan").reason


def test_timespan_in_the_future_is_refused() -> None:
    result = run(make_warrant(start=NOW + timedelta(days=1),
                              end=NOW + timedelta(days=10)).signed)
    assert "timespan" in failed(result)


# -- tasks ----------------------------------------------------------------------------------


def test_task_without_an_authorisation_is_refused() -> None:
    orphan = with_task(make_request(), associated_objects=None)
    result = run(sign_request(orphan))
    assert failed(result) == {"task-authorisation"}
    unknown = with_task(make_request(),
                        associated_objects=("0f0f0f0f-0000-4000-8000-000000000000",))
    assert failed(run(sign_request(unknown))) == {"task-authorisation"}


def test_task_may_rely_on_a_known_authorisation() -> None:
    known = "0f0f0f0f-0000-4000-8000-000000000000"
    message = with_task(make_request(), associated_objects=(known,))
    assert run(sign_request(message), known_authorisations=[known]).valid


@pytest.mark.parametrize(("target", "reason"), [
    (TargetIdentifierValue("ETSI", "IMSI", "12345"), "IMSI"),
    (TargetIdentifierValue("ETSI", "InternationalE164", "+44 20 7946"), "E.164"),
    (TargetIdentifierValue("ETSI", "IPv4Address", "300.1.1.1"), "IPv4"),
    (TargetIdentifierValue("ETSI", "SIPURI", "mailto:x@example.com"), "SIP URI"),
    (TargetIdentifierValue("XX", "Secret", "1"), "unknown target format"),
])
def test_bad_targets_are_refused(target: TargetIdentifierValue, reason: str) -> None:
    result = run(sign_request(with_task(make_request(), targets=(target,))))
    assert failed(result) == {"targets"}
    assert reason in result.failures()[0].reason


def test_no_targets_is_refused() -> None:
    assert failed(run(sign_request(with_task(make_request(), targets=None)))) == {"targets"}


def test_delivery_is_required_and_well_formed() -> None:
    assert failed(run(sign_request(with_task(make_request(), delivery_type=None)))) == {
        "delivery"}
    bad = (DeliveryDestination(DeliveryAddress("IPv4Address", "192.0.2.256")),)
    assert failed(run(sign_request(with_task(make_request(), delivery_details=bad)))) == {
        "delivery"}
    assert failed(run(sign_request(with_task(make_request(), delivery_details=None)))) == {
        "delivery"}


# -- format, schema, errors -----------------------------------------------------------------


def test_hostile_input_fails_the_format_rule() -> None:
    result = run(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert not result.valid and result.message is None
    assert failed(result) == {"format"}
    error = result.error_information()
    assert error is not None and error.code == RULES["format"][1].code


def test_schema_violation_is_reported() -> None:
    too_long = with_task(make_request(), reference="L" * 30)  # a LIID is at most 25 characters
    result = run(sign_request(too_long), schema=official_schema())
    assert failed(result) == {"schema"}


def test_schema_only_checks_structure_alone() -> None:
    data = write_message(make_request())
    result = run(data, schema=official_schema(), schema_only=True, trust=None, approvers=None)
    assert [r.rule for r in result.results] == ["format", "schema"]
    assert result.valid


def test_every_rule_has_a_distinct_error_code() -> None:
    codes = [error.code for _, error in RULES.values()]
    assert len(set(codes)) == len(codes)


def test_check_argument_errors() -> None:
    with pytest.raises(TypeError, match="message"):
        check("text", trust=None, approvers=None, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone"):
        check(b"<a/>", trust=None, approvers=None, now=datetime(2026, 1, 1))


def test_json_form() -> None:
    document = run(make_warrant().signed).to_json()
    assert document["valid"] is True
    assert {"rule", "ok", "reason"} == set(document["rules"][0])




@pytest.mark.parametrize("name", ["request1.xml", "request3.xml", "response1.xml"])
def test_official_examples_pass_schema_only_and_are_unsigned(name: str) -> None:
    schema = official_schema()
    data = (HI1_REFERENCE / "examples" / name).read_bytes()
    assert run(data, schema=schema, schema_only=True).valid
    full = run(data, schema=schema)
    assert "message-signature" in failed(full)
    assert "not signed" in next(r for r in full.failures()
                                if r.rule == "message-signature").reason


def _task_approved(message: HI1Message, *, change_target: bool = False) -> bytes:
    """``message`` with the judge's approval on the authorisation and on the task; with
    ``change_target`` the issuing authority changes the target after the judge signed."""
    pki = warrant_pki()
    data = write_message(message)
    for obj in message.objects():
        if isinstance(obj, AuthorisationObject | LITaskObject | DocumentObject):
            data = approve(data, obj.object_identifier, pki.judge.key, [pki.judge.certificate])
    if change_target:
        data = data.replace(b"442079460223", b"442079460999")
    return sign_message(data, pki.issuer.key, [pki.issuer.certificate])


def test_task_approvals_bind_the_targets_to_the_judge() -> None:
    assert run(_task_approved(make_request()), task_approvals=True).valid
    unapproved = run(make_warrant().signed, task_approvals=True)
    assert failed(unapproved) == {"approval"}
    task = next(o for o in unapproved.message.objects()  # type: ignore[union-attr]
                if isinstance(o, LITaskObject))
    assert unapproved.failures()[0].object_identifier == task.object_identifier
    forged = run(_task_approved(make_request(), change_target=True), task_approvals=True)
    assert failed(forged) == {"approval"}
    assert "does not verify" in forged.failures()[0].reason
    # without task approvals required, the authority's signature alone binds the task
    assert run(_task_approved(make_request(), change_target=True)).valid


def test_documents_can_be_approved() -> None:
    pki = warrant_pki()
    message = make_request()
    document = next(o for o in message.objects() if isinstance(o, DocumentObject))
    approved = approve(write_message(message), document.object_identifier, pki.judge.key,
                       [pki.judge.certificate])
    element = object_elements(parse_xml(approved))[document.object_identifier]
    assert XMLDSigApprovalProfile().verify(element, 0, judge_trust(),
                                           times=(("now", NOW),)).ok
    assert official_schema().errors(approved) == []


def test_task_timespan_must_lie_within_the_authorisation() -> None:
    inside = with_task(make_request(), timespan=TaskTimespan(NOW, NOW + timedelta(days=1)))
    result = run(sign_request(inside))
    assert result.valid, result.table()
    outside = with_task(make_request(), timespan=TaskTimespan(NOW, NOW + timedelta(days=400)))
    result = run(sign_request(outside))
    assert failed(result) == {"timespan"}
    assert "after its authorisation" in result.failures()[0].reason


def test_update_extending_the_timespan_needs_a_new_approval() -> None:
    message = make_request()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    update = AuthorisationObject(object_identifier=authorisation.object_identifier,
                                 timespan=Timespan(NOW - timedelta(hours=1),
                                                   NOW + timedelta(days=900)))
    request = dataclasses.replace(message, payload=RequestPayload(
        (ActionRequest(0, UPDATERequest(update)),)))
    pki = warrant_pki()
    unapproved = sign_message(request, pki.issuer.key, [pki.issuer.certificate])
    result = run(unapproved)
    assert failed(result) == {"approval"}
    approved = sign_request(request)
    assert run(approved).valid


def test_a_repeated_object_identifier_cannot_borrow_an_approval() -> None:
    """Two CREATEs of the same authorisation: an approved one and, after it, an unapproved
    one with a longer timespan. Each object is checked with its own element."""
    pki = warrant_pki()
    message = make_request()
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    approved = approve(write_message(message), authorisation.object_identifier, pki.judge.key,
                       [pki.judge.certificate])
    model = read_message(approved)
    signed_authorisation = next(o for o in model.objects()
                                if isinstance(o, AuthorisationObject))
    assert isinstance(model.payload, RequestPayload)
    longer = dataclasses.replace(authorisation, timespan=Timespan(
        NOW - timedelta(hours=1), NOW + timedelta(days=3000)), approvals=())
    actions = (*model.payload.actions,
               ActionRequest(9, CREATERequest(longer)))
    twice = dataclasses.replace(model, payload=RequestPayload(actions))
    assert signed_authorisation.approvals
    result = run(sign_message(twice, pki.issuer.key, [pki.issuer.certificate]))
    assert "approval" in failed(result)
    assert any(r.action_identifier == 9 for r in result.failures())


def test_an_unverified_emergency_approval_does_not_open_the_window() -> None:
    """An old verified emergency approval and a fresh, unsigned one: the window counts only
    the verified one."""
    old = read_message(_emergency(5))
    authorisation = next(o for o in old.objects() if isinstance(o, AuthorisationObject))
    fresh = ApprovalDetails(approver=ApproverDetails(role="Judge"), timestamp=NOW,
                            is_emergency=True)
    changed = with_authorisation(old, approvals=(*authorisation.approvals, fresh))
    changed = dataclasses.replace(changed, signature=None)
    pki = warrant_pki()
    result = run(sign_message(changed, pki.issuer.key, [pki.issuer.certificate]),
                 emergency_hours=1)
    assert "authorisation-status" in failed(result)
    assert "outside the emergency window" in next(
        r for r in result.failures() if r.rule == "authorisation-status").reason


def test_message_signer_of_the_wrong_role_is_refused() -> None:
    pki = warrant_pki()
    authorities = Trust((pki.authority_ca.certificate,),
                        roles=frozenset({"Issuing authority"}))
    assert run(make_warrant().signed, trust=authorities).valid
    signer = pki.issue_signer(role="Clerk", common_name="Authority clerk", by="authority")
    result = run(sign_request(make_request(), issuer=signer), trust=authorities)
    assert failed(result) == {"message-signature"}
    assert "role 'Clerk'" in result.failures()[0].reason
