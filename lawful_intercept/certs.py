"""A throwaway public-key infrastructure for tests of the TLS handover interface.

TS 102 232-1 delivers PS-PDUs over TCP, and in practice over TLS 1.2 or later with
certificates on both ends (the standard's security and transport clauses were not available
to cite exactly; TLS 1.3 is the usual recommendation). The X1/X2/X3 interfaces of
TS 103 221-1/-2 use mutual TLS the same way. Testing a mediation function or an LEMF against
that needs a CA, a server certificate with the right subject alternative names, a client
certificate for client authentication, and certificates that must be *refused*: expired ones,
and ones issued by another CA. :func:`make_test_pki` makes all of them in memory with the
``cryptography`` package, in a fraction of a second::

    pki = make_test_pki(hostnames=("localhost", "127.0.0.1"))
    pki.write(tmp_path)                  # ca.pem, server.pem, server.key, client.pem, client.key
    server = pki.server_context()        # ssl.SSLContext requiring a client certificate
    client = pki.client_context()        # ssl.SSLContext trusting only this CA

    stale = pki.issue_expired("server")  # same names, validity in the past
    rogue = pki.issue_untrusted("client")  # same names, signed by another CA of the same name

Nothing here is meant for production: keys are unencrypted, the CA key is kept in memory, and
validity periods are short. The keys are ECDSA P-256 (``key_type="ec"``, the default) or
RSA 2048 (``key_type="rsa"``). See ``docs/delivery.md``.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CertifiedKey",
    "KeyType",
    "PKIFiles",
    "Role",
    "TestPKI",
    "WarrantPKI",
    "load_identity",
    "make_test_pki",
    "make_warrant_pki",
]

KeyType = Literal["ec", "rsa"]
"""``"ec"``: ECDSA on P-256 with SHA-256; ``"rsa"``: RSA 2048 with SHA-256."""

Role = Literal["server", "client"]
"""Which end a leaf certificate is for: ``serverAuth`` or ``clientAuth`` extended key usage."""

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_CLOCK_SKEW = timedelta(minutes=5)  # not-before is back-dated by this much


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate with its private key (and the PEM forms of both)."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> bytes:
        """The certificate, PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """The private key, unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write(self, directory: str | os.PathLike[str], name: str) -> tuple[Path, Path]:
        """Write ``<name>.pem`` (certificate) and ``<name>.key`` (key, mode 0600) into
        ``directory`` (created if missing); return their paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        cert_path = folder / f"{name}.pem"
        key_path = folder / f"{name}.key"
        cert_path.write_bytes(self.cert_pem)
        _write_private(key_path, self.key_pem)
        return cert_path, key_path


@dataclass(frozen=True)
class PKIFiles:
    """The files :meth:`TestPKI.write` wrote."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


@dataclass(frozen=True)
class TestPKI:
    """A test CA with a server and a client certificate it issued (see the module docstring).

    ``hostnames`` are the server certificate's subject alternative names (DNS names, and IP
    addresses for those that parse as one), ``client_names`` the client certificate's;
    ``days`` the validity of every certificate.
    """

    __test__ = False  # not a pytest test class, despite its name

    ca: CertifiedKey
    server: CertifiedKey
    client: CertifiedKey
    hostnames: tuple[str, ...]
    days: int
    key_type: KeyType
    client_names: tuple[str, ...] = ()

    # -- PEM (the others: ``pki.server.cert_pem``, ``pki.client.key_pem``, ...) -------------

    @property
    def ca_pem(self) -> bytes:
        """The CA certificate, PEM (the trust anchor of both ends)."""
        return self.ca.cert_pem

    # -- files and SSL contexts -------------------------------------------------------------

    def write(self, directory: str | os.PathLike[str]) -> PKIFiles:
        """Write ``ca.pem``, ``server.pem``, ``server.key``, ``client.pem`` and ``client.key``
        into ``directory`` (created if missing; keys with mode 0600)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        ca_path = folder / "ca.pem"
        ca_path.write_bytes(self.ca_pem)
        server_cert, server_key = self.server.write(folder, "server")
        client_cert, client_key = self.client.write(folder, "client")
        return PKIFiles(ca_path, server_cert, server_key, client_cert, client_key)

    def server_context(self, *, require_client_certificate: bool = True,
                       identity: CertifiedKey | None = None) -> ssl.SSLContext:
        """An ``ssl`` server context: TLS 1.2 or later, presenting ``identity`` (default the
        server certificate), trusting this CA, requiring a client certificate unless told
        otherwise."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        load_identity(context, identity if identity is not None else self.server)
        context.load_verify_locations(cadata=self.ca_pem.decode("ascii"))
        context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_NONE
        return context

    def client_context(self, *, identity: CertifiedKey | None = None,
                       present_certificate: bool = True) -> ssl.SSLContext:
        """An ``ssl`` client context: TLS 1.2 or later, trusting only this CA, checking the
        host name, presenting ``identity`` (default the client certificate) unless
        ``present_certificate`` is false."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_verify_locations(cadata=self.ca_pem.decode("ascii"))
        if present_certificate:
            load_identity(context, identity if identity is not None else self.client)
        return context

    # -- more certificates ------------------------------------------------------------------

    def issue(self, role: Role, *, common_name: str | None = None,
              hostnames: Iterable[str] | None = None, not_before: datetime | None = None,
              not_after: datetime | None = None) -> CertifiedKey:
        """Another leaf certificate from this CA, for ``role`` (default names: those of the
        server or client certificate; default validity: now for ``days``)."""
        return _issue_leaf(self.ca, role, common_name=common_name or _default_cn(role),
                           hostnames=self._names(role, hostnames), key_type=self.key_type,
                           not_before=not_before, not_after=not_after, days=self.days)

    def issue_expired(self, role: Role = "server", *, expired_days_ago: int = 1
                      ) -> CertifiedKey:
        """A certificate for ``role`` from this CA, with the names of the regular one, whose
        validity ended ``expired_days_ago`` days ago (it began ``days`` before that): a
        verifier must refuse it as expired."""
        end = datetime.now(UTC) - timedelta(days=expired_days_ago)
        return self.issue(role, not_before=end - timedelta(days=self.days), not_after=end)

    def issue_untrusted(self, role: Role = "server") -> CertifiedKey:
        """A certificate for ``role`` with the names of the regular one, issued by a *different*
        CA that has the same subject name as this one (a fresh key): a verifier trusting only
        this CA must refuse it because the signature does not verify."""
        rogue_ca = _make_ca(self.ca.certificate.subject, self.key_type, self.days)
        return _issue_leaf(rogue_ca, role, common_name=_default_cn(role),
                           hostnames=self._names(role, None), key_type=self.key_type,
                           not_before=None, not_after=None, days=self.days)

    def _names(self, role: Role, hostnames: Iterable[str] | None) -> tuple[str, ...]:
        if hostnames is not None:
            return tuple(hostnames)
        return self.hostnames if role == "server" else self.client_names


def make_test_pki(
    directory: str | os.PathLike[str] | None = None,
    *,
    hostnames: Sequence[str] = ("localhost", "127.0.0.1"),
    days: int = 30,
    key_type: KeyType = "ec",
    client_names: Sequence[str] = ("client.localhost",),
) -> TestPKI:
    """A fresh CA with a server certificate (``serverAuth``; SANs: ``hostnames``, each a DNS
    name or, if it parses as one, an IP address) and a client certificate (``clientAuth``;
    SANs: ``client_names``, which RFC 5280 profiles such as ``cryptography``'s client verifier
    require), valid from five minutes ago for ``days`` days. Written to ``directory`` when one
    is given (see :meth:`TestPKI.write`)."""
    if key_type not in ("ec", "rsa"):
        raise ValueError(f"key_type must be 'ec' or 'rsa', got {key_type!r}")
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive int, got {days!r}")
    names = _name_list(hostnames, "hostnames")
    clients = _name_list(client_names, "client_names")
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lawful-intercept test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, "lawful-intercept test CA"),
    ])
    ca = _make_ca(subject, key_type, days)
    server = _issue_leaf(ca, "server", common_name=_default_cn("server"), hostnames=names,
                         key_type=key_type, not_before=None, not_after=None, days=days)
    client = _issue_leaf(ca, "client", common_name=_default_cn("client"), hostnames=clients,
                         key_type=key_type, not_before=None, not_after=None, days=days)
    pki = TestPKI(ca=ca, server=server, client=client, hostnames=names, days=days,
                  key_type=key_type, client_names=clients)
    if directory is not None:
        pki.write(directory)
    return pki


def load_identity(context: ssl.SSLContext, identity: CertifiedKey) -> None:
    """Load a certificate and key into an ``ssl`` context (``ssl`` only reads them from files:
    they go through a private temporary directory that is removed at once)."""
    with tempfile.TemporaryDirectory(prefix="li-pki-") as folder:
        cert_path, key_path = identity.write(folder, "identity")
        context.load_cert_chain(str(cert_path), str(key_path))


@dataclass(frozen=True)
class WarrantPKI:
    """Certificates for signed HI-1 warrants (ETSI TS 103 120; see ``docs/warrants.md``): a
    court CA and the judge it certified (the role in the subject's ``title``), and an issuing
    authority's CA with the authority's signing certificate. Keys sign only (digital signature
    and non-repudiation key usage)."""

    __test__ = False

    court_ca: CertifiedKey
    judge: CertifiedKey
    authority_ca: CertifiedKey
    issuer: CertifiedKey
    days: int
    key_type: KeyType
    valid_from: datetime | None = None

    def issue_signer(self, *, role: str = "Judge", common_name: str = "Judge Jane Doe",
                     by: Literal["court", "authority"] = "court",
                     not_before: datetime | None = None, not_after: datetime | None = None,
                     untrusted: bool = False) -> CertifiedKey:
        """Another signing certificate with ``role`` as its title, from the court CA or the
        authority's (``by``); from a rogue CA of the same name when ``untrusted``. Valid from
        ``not_before`` (default: the PKI's ``valid_from``, else five minutes ago)."""
        ca = self.court_ca if by == "court" else self.authority_ca
        if untrusted:
            ca = _make_ca(ca.certificate.subject, self.key_type, self.days, self.valid_from)
        start = not_before if not_before is not None else self.valid_from
        return _issue_signer(ca, common_name, role, self.key_type, start, not_after,
                             self.days)

    def issue_expired_signer(self, *, role: str = "Judge",
                             by: Literal["court", "authority"] = "court") -> CertifiedKey:
        """A signing certificate from the court CA or the authority's whose validity ended a
        day ago."""
        end = datetime.now(UTC) - timedelta(days=1)
        return self.issue_signer(role=role, by=by, not_before=end - timedelta(days=self.days),
                                 not_after=end)

    def write(self, directory: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``court-ca.pem``, ``judge.pem``/``judge.key``, ``authority-ca.pem`` and
        ``issuer.pem``/``issuer.key`` into ``directory``; return the paths by name."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"court-ca": folder / "court-ca.pem", "authority-ca": folder / "authority-ca.pem"}
        paths["court-ca"].write_bytes(self.court_ca.cert_pem)
        paths["authority-ca"].write_bytes(self.authority_ca.cert_pem)
        paths["judge"], paths["judge-key"] = self.judge.write(folder, "judge")
        paths["issuer"], paths["issuer-key"] = self.issuer.write(folder, "issuer")
        return paths


def make_warrant_pki(*, days: int = 30, key_type: KeyType = "ec",
                     judge_name: str = "Judge Jane Doe", judge_role: str = "Judge",
                     issuer_name: str = "Issuing authority",
                     valid_from: datetime | None = None) -> WarrantPKI:
    """A fresh :class:`WarrantPKI`: court CA, judge (``judge_role`` as title), issuing
    authority's CA and signing certificate (title ``Issuing authority``), valid from
    ``valid_from`` (default five minutes ago) for ``days``."""
    if key_type not in ("ec", "rsa"):
        raise ValueError(f"key_type must be 'ec' or 'rsa', got {key_type!r}")
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive int, got {days!r}")
    court = _make_ca(_ca_name("lawful-intercept test court CA"), key_type, days, valid_from)
    authority = _make_ca(_ca_name("lawful-intercept test authority CA"), key_type, days,
                         valid_from)
    return WarrantPKI(
        court_ca=court,
        judge=_issue_signer(court, judge_name, judge_role, key_type, valid_from, None, days),
        authority_ca=authority,
        issuer=_issue_signer(authority, issuer_name, "Issuing authority", key_type,
                             valid_from, None, days),
        days=days, key_type=key_type, valid_from=valid_from)


# -- internals ----------------------------------------------------------------------------


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lawful-intercept test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _issue_signer(ca: CertifiedKey, common_name: str, role: str, key_type: KeyType,
                  not_before: datetime | None, not_after: datetime | None,
                  days: int) -> CertifiedKey:
    """A signing certificate (no TLS usage) whose subject carries ``role`` as its title."""
    key = _new_key(key_type)
    now = datetime.now(UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lawful-intercept test PKI"),
            x509.NameAttribute(NameOID.TITLE, role),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]))
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before if not_before is not None else now - _CLOCK_SKEW)
        .not_valid_after(not_after if not_after is not None else now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                       critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return CertifiedKey(certificate, key)


def _name_list(names: Sequence[str], what: str) -> tuple[str, ...]:
    result = tuple(names)
    if isinstance(names, str) or not all(isinstance(n, str) and n for n in result):
        raise ValueError(f"{what} must be a sequence of non-empty strings")
    return result


def _default_cn(role: Role) -> str:
    return "lawful-intercept test server" if role == "server" else "lawful-intercept test client"


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _make_ca(subject: x509.Name, key_type: KeyType, days: int,
             not_before: datetime | None = None) -> CertifiedKey:
    key = _new_key(key_type)
    now = datetime.now(UTC) if not_before is None else not_before + _CLOCK_SKEW
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificate_signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertifiedKey(certificate, key)


def _key_usage(*, content_commitment: bool = False, key_encipherment: bool = False,
               certificate_signing: bool = False) -> x509.KeyUsage:
    """The key usage of a certificate of this PKI: always digital signatures; non-repudiation
    for a signer, key encipherment for an RSA TLS key, certificates and CRLs for a CA."""
    return x509.KeyUsage(digital_signature=True, content_commitment=content_commitment,
                         key_encipherment=key_encipherment, data_encipherment=False,
                         key_agreement=False, key_cert_sign=certificate_signing,
                         crl_sign=certificate_signing, encipher_only=False,
                         decipher_only=False)


def _general_names(hostnames: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for name in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    return names


def _issue_leaf(ca: CertifiedKey, role: Role, *, common_name: str, hostnames: Iterable[str],
                key_type: KeyType, not_before: datetime | None, not_after: datetime | None,
                days: int) -> CertifiedKey:
    if role not in ("server", "client"):
        raise ValueError(f"role must be 'server' or 'client', got {role!r}")
    key = _new_key(key_type)
    now = datetime.now(UTC)
    start = not_before if not_before is not None else now - _CLOCK_SKEW
    end = not_after if not_after is not None else now + timedelta(days=days)
    public = key.public_key()
    ca_public = ca.key.public_key()
    usage = ExtendedKeyUsageOID.SERVER_AUTH if role == "server" else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lawful-intercept test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]))
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(key_encipherment=key_type == "rsa"), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public),
                       critical=False)
    )
    names = _general_names(hostnames)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return CertifiedKey(builder.sign(ca.key, hashes.SHA256()), key)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (created with mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
