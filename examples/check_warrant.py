"""A warrant over HI-1 (ETSI TS 103 120), end to end: the issuing authority writes a request
(an authorisation, its LI task and the warrant document), the judge approves it with a
signature, the authority signs the message, and the carrier checks it rule by rule; then three
forgeries are refused, each by the rule that catches it.

Needs the ``warrants`` extra (lxml, xmlschema, signxml). See docs/warrants.md.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from lawful_intercept.certs import make_warrant_pki
from lawful_intercept.warrants import (
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    DocumentObject,
    EndpointID,
    IPAddressPort,
    TargetIdentifierValue,
    Trust,
    approve,
    approve_warrant,
    check,
    sign_message,
    warrant_request,
    write_message,
)


def main() -> None:
    pki = make_warrant_pki()  # court CA + judge, authority CA + issuer (test certificates)
    now = datetime.now(UTC).replace(microsecond=0)

    # The issuing authority's request: intercept +44 20 7946 0223, deliver IRI and CC.
    request = warrant_request(
        liid="LIID-2026-0001",
        targets=[TargetIdentifierValue("ETSI", "InternationalE164", "442079460223")],
        destinations=[DeliveryDestination(DeliveryAddress(
            "IPAddressPort", IPAddressPort("192.0.2.10", 6001)))],
        start=now - timedelta(minutes=5), end=now + timedelta(days=90), now=now,
        sender=EndpointID("XX", "AGENCY01"), receiver=EndpointID("XX", "CSP01"),
        delivery_type=DeliveryType.IRI_AND_CC, document=b"%PDF-1.4 (the signed warrant)")
    authorisation = next(o for o in request.objects() if isinstance(o, AuthorisationObject))

    # The judge approves the authorisation and the warrant document; the authority then
    # signs the whole message.
    approved = approve_warrant(write_message(request), pki.judge.key, [pki.judge.certificate])
    signed = sign_message(approved, pki.issuer.key, [pki.issuer.certificate])
    print(f"signed HI-1 request: {len(signed)} bytes, {len(request.objects())} objects")

    # The carrier trusts the authority's CA for messages and the court CA for judges.
    trust = Trust((pki.authority_ca.certificate,))
    judges = Trust((pki.court_ca.certificate,), roles=frozenset({"Judge"}))
    result = check(signed, trust=trust, approvers=judges, now=now)
    print(result.table())
    assert result.valid

    # Forgery 1: someone changes the target after signing.
    forged = signed.replace(b"442079460223", b"442079460999")
    refused = check(forged, trust=trust, approvers=judges, now=now)
    print("changed target ->", next(f"{r.rule}: {r.error}" for r in refused.failures()))
    assert not refused.valid

    # Forgery 2: a clerk of the same court "approves" it.
    clerk = pki.issue_signer(role="Clerk", common_name="A Clerk")
    by_clerk = sign_message(approve(write_message(request), authorisation.object_identifier,
                                    clerk.key, [clerk.certificate]),
                            pki.issuer.key, [pki.issuer.certificate])
    refused = check(by_clerk, trust=trust, approvers=judges, now=now)
    print("clerk's approval ->", sorted(r.rule for r in refused.failures()))
    assert "approval" in {r.rule for r in refused.failures()}

    # Forgery 3: the warrant document is replaced and the authority re-signs the message.
    document = next(o for o in request.objects() if isinstance(o, DocumentObject))
    assert document.body is not None and document.body.contents is not None
    original = base64.b64encode(document.body.contents)
    swapped = approved.replace(original, base64.b64encode(b"%PDF-1.4 (another warrant)"))
    refused = check(sign_message(swapped, pki.issuer.key, [pki.issuer.certificate]),
                    trust=trust, approvers=judges, now=now)
    print("document replaced ->", sorted(r.rule for r in refused.failures()))
    assert "document" in {r.rule for r in refused.failures()}


if __name__ == "__main__":
    main()
