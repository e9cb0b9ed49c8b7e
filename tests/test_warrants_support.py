"""Shared helpers of the warrant tests (no tests here): the official TS 103 120 material in
``../shared`` (tests that need it skip cleanly without it), a warrant PKI, and signed
warrant requests built the way an issuing authority and a judge would."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lawful_intercept.certs import CertifiedKey, WarrantPKI, make_warrant_pki
from lawful_intercept.warrants import (
    ActionRequest,
    AuthorisationObject,
    AuthorisationStatus,
    CREATERequest,
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    HI1Message,
    HI1Schema,
    IPAddressPort,
    RequestPayload,
    TargetIdentifierValue,
    Trust,
    WarrantCheck,
    approve_warrant,
    check,
    load_schema,
    sign_message,
    warrant_request,
    write_message,
)

HI1_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "hi1-ts103120"
EXAMPLES = sorted((HI1_REFERENCE / "examples").glob("*.xml")) if HI1_REFERENCE.is_dir() else []
NOW = datetime.now(UTC).replace(microsecond=0)
"""The time every warrant test checks at (certificates are made valid around it)."""


def need_reference() -> Path:
    """The TS 103 120 reference folder, or skip the test."""
    if not HI1_REFERENCE.is_dir():
        pytest.skip("the TS 103 120 schemas are not there (../shared/reference/hi1-ts103120)")
    return HI1_REFERENCE


@functools.cache
def _schema() -> HI1Schema:
    return load_schema(HI1_REFERENCE)


def official_schema() -> HI1Schema:
    """The official schema set (skips without ../shared)."""
    need_reference()
    return _schema()


@functools.cache
def warrant_pki() -> WarrantPKI:
    """One warrant PKI for the session (ECDSA P-256), valid from a day before :data:`NOW`,
    so that every certificate it issues, however late in the run, is valid at ``NOW``."""
    return make_warrant_pki(days=3650, valid_from=NOW - timedelta(days=1))


def message_trust(pki: WarrantPKI | None = None) -> Trust:
    """Trust in the issuing authority's CA."""
    return Trust(((pki or warrant_pki()).authority_ca.certificate,))


def judge_trust(pki: WarrantPKI | None = None) -> Trust:
    """Trust in judges certified by the court CA."""
    return Trust(((pki or warrant_pki()).court_ca.certificate,), roles=frozenset({"Judge"}))


@dataclass(frozen=True)
class Warrant:
    """A warrant request, unsigned model and signed bytes."""

    message: HI1Message
    signed: bytes

    @property
    def authorisation(self) -> AuthorisationObject:
        return next(o for o in self.message.objects() if isinstance(o, AuthorisationObject))


def make_request(*, now: datetime = NOW, start: datetime | None = None,
                 end: datetime | None = None, is_test: bool = False,
                 status: AuthorisationStatus = AuthorisationStatus.APPROVED) -> HI1Message:
    """An unsigned warrant request: an E.164 target delivered to 192.0.2.10:6001."""
    return warrant_request(
        liid="LIID-0001",
        targets=[TargetIdentifierValue("ETSI", "InternationalE164", "442079460223")],
        destinations=[DeliveryDestination(DeliveryAddress(
            "IPAddressPort", IPAddressPort("192.0.2.10", 6001)))],
        start=start or now - timedelta(hours=1), end=end or now + timedelta(days=30), now=now,
        sender=EndpointID("XX", "AGENCY01"), receiver=EndpointID("XX", "CSP01"),
        document=b"%PDF-1.4 a warrant", is_test=is_test, status=status)


def sign_request(message: HI1Message, *, judge: CertifiedKey | None = None,
                 issuer: CertifiedKey | None = None, pki: WarrantPKI | None = None) -> bytes:
    """``message`` approved by ``judge`` (default the PKI's judge) and signed by ``issuer``
    (default the issuing authority)."""
    pki = pki or warrant_pki()
    judge_key = judge if judge is not None else pki.judge
    issuer_key = issuer if issuer is not None else pki.issuer
    approved = approve_warrant(write_message(message), judge_key.key, [judge_key.certificate],
                               at=message.header.timestamp.replace(microsecond=0))
    return sign_message(approved, issuer_key.key, [issuer_key.certificate])


def run(data: bytes, **kwargs: Any) -> WarrantCheck:
    """``check`` of ``data`` at NOW with the test PKI's trust (``kwargs`` override)."""
    options: dict[str, Any] = {"trust": message_trust(), "approvers": judge_trust(), "now": NOW}
    options.update(kwargs)
    return check(data, **options)


def failed(result: WarrantCheck) -> set[str]:
    """The names of the rules ``result`` failed."""
    return {r.rule for r in result.failures()}


def change_objects(message: HI1Message, kind: type, **changes: Any) -> HI1Message:
    """``message`` with ``changes`` made to each object of ``kind`` it CREATEs."""
    assert isinstance(message.payload, RequestPayload)
    actions = tuple(
        ActionRequest(a.action_identifier, CREATERequest(dataclasses.replace(a.action.obj,
                                                                             **changes)))
        if isinstance(a.action, CREATERequest) and isinstance(a.action.obj, kind) else a
        for a in message.payload.actions)
    return dataclasses.replace(message, payload=RequestPayload(actions))


def make_warrant(**kwargs: object) -> Warrant:
    """A signed, approved warrant request (see :func:`make_request`)."""
    message = make_request(**kwargs)  # type: ignore[arg-type]
    return Warrant(message, sign_request(message))
