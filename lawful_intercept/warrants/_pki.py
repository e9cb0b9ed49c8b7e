"""Who may sign: trust anchors, revocation lists and roles, and the check of a signer's
certificate path with ``cryptography``'s X.509 verification (RFC 5280 path validation at
each time asked, key usage, CRLs when given). Used for the HI-1 message signature (TS 103 120
clause 6) and for approvals (the judge's signature)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from .._checks import require_instance

__all__ = ["CertificateCheck", "Trust", "check_certificate", "role_of"]


@dataclass(frozen=True)
class Trust:
    """Whom to trust for a signature: CA certificates (``anchors``), CRLs of those CAs
    (``crls``, checked when given), and the roles accepted (``roles``, the subject's
    ``title`` attribute; ``None`` accepts any)."""

    anchors: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    roles: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.anchors:
            raise ValueError("Trust needs at least one anchor certificate")
        for anchor in self.anchors:
            require_instance(anchor, x509.Certificate, "anchors[]")

    @classmethod
    def from_pem(cls, anchors: Iterable[bytes], *, crls: Iterable[bytes] = (),
                 roles: Iterable[str] | None = None) -> Trust:
        """A :class:`Trust` from PEM data (each item may hold several certificates)."""
        certificates: list[x509.Certificate] = []
        for pem in anchors:
            certificates.extend(x509.load_pem_x509_certificates(pem))
        revocations = tuple(x509.load_pem_x509_crl(pem) for pem in crls)
        return cls(tuple(certificates), revocations,
                   None if roles is None else frozenset(roles))


@dataclass(frozen=True)
class CertificateCheck:
    """The outcome of :func:`check_certificate`: ``ok``, the ``reason``, the signer's subject
    and role."""

    ok: bool
    reason: str
    subject: str = ""
    role: str | None = None


def role_of(certificate: x509.Certificate) -> str | None:
    """The role a certificate states: its subject's ``title`` (X.520, OID 2.5.4.12)."""
    titles = certificate.subject.get_attributes_for_oid(NameOID.TITLE)
    if not titles:
        return None
    value = titles[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def check_certificate(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                      trust: Trust, *, times: Sequence[tuple[str, datetime]]
                      ) -> CertificateCheck:
    """Whether ``leaf`` is a signer ``trust`` accepts: a path to one of its anchors valid at
    each of ``times`` (``(what, when)`` pairs, e.g. the message's time and now), digital
    signature or non-repudiation key usage, not revoked by a CRL of ``trust``, and a role
    in ``trust.roles``."""
    subject = leaf.subject.rfc4514_string()
    role = role_of(leaf)
    chain: list[x509.Certificate] = []
    for what, when in times:
        verifier = (PolicyBuilder().store(Store(list(trust.anchors))).time(when)
                    .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                        ee_policy=ExtensionPolicy.permit_all())
                    .build_client_verifier())
        try:
            chain = list(verifier.verify(leaf, list(intermediates)).chain)
        except VerificationError as exc:
            return CertificateCheck(False, f"certificate of {subject} not trusted at {what} "
                                    f"({when.isoformat()}): {exc}", subject, role)
    usage_problem = _key_usage_problem(leaf)
    if usage_problem:
        return CertificateCheck(False, f"certificate of {subject}: {usage_problem}", subject,
                                role)
    revoked = _revocation(chain, trust.crls)
    if revoked:
        return CertificateCheck(False, revoked, subject, role)
    if trust.roles is not None and role not in trust.roles:
        wanted = ", ".join(sorted(trust.roles))
        return CertificateCheck(False, f"certificate of {subject} states role {role!r}, not "
                                f"one of: {wanted}", subject, role)
    return CertificateCheck(True, f"{subject} trusted (role {role!r})", subject, role)


def _key_usage_problem(leaf: x509.Certificate) -> str:
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ""
    if not (usage.digital_signature or usage.content_commitment):
        return "key usage allows neither digitalSignature nor nonRepudiation"
    return ""


def _revocation(chain: Sequence[x509.Certificate],
                crls: Sequence[x509.CertificateRevocationList]) -> str:
    for certificate, issuer in itertools.pairwise(chain):
        public = issuer.public_key()
        for crl in crls:
            if crl.issuer != issuer.subject:
                continue
            if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
                continue
            if not crl.is_signature_valid(public):
                continue
            entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            if entry is not None:
                return (f"certificate of {certificate.subject.rfc4514_string()} is revoked "
                        f"(CRL of {issuer.subject.rfc4514_string()})")
    return ""
