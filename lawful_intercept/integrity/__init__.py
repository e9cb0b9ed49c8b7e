"""Integrity and confidentiality of PS-PDUs: hash and signature TRI PDUs, encryptionContainer.

See ``docs/integrity.md``. The implementation: ``_checker`` (sending side), ``_verifier``
(LEMF side), ``_encryption`` (encryptionContainer), ``_common`` (what they share).

ETSI TS 102 232-1 protects the handover in two ways its LI-PS-PDU module describes. The
standard's prose on them (its security clauses; the clause numbers were not available to
check) could not be consulted, so what is "the library's reading" below is marked as such:

* **Integrity** (TRIPayload ``integrityCheck`` [0], TS 102 232-1 clause 6.4): a *hash PDU*
  (``checkType`` hash) gives, for a run of PDUs of one LIID + CIN + kind (``dataType`` IRI or
  CC), their sequence numbers (``includedSequenceNumbers``) and a digest (``checkValue``,
  ``hashAlgorithm``). A *signature PDU* (``checkType`` signature) signs hash PDUs: its
  ``includedSequenceNumbers`` are the (TRI) sequence numbers of the hash PDUs it covers.
  :class:`IntegrityChecker` makes both on the sending side, :class:`IntegrityVerifier` checks
  them on the LEMF side.
* **Confidentiality** (Payload ``encryptionContainer`` [4]): the Payload is replaced by an
  ``EncryptionContainer`` whose ``encryptedPayload`` is the encryption of an
  ``EncryptedPayload ::= SEQUENCE { byteCounter [0], payload [1] Payload }``.
  :func:`encrypt_payload` / :func:`decrypt_container` (and :func:`encrypt_pdu` /
  :func:`decrypt_pdu` for whole PDUs).

What is hashed (the library's reading)
    A hash PDU's ``checkValue`` is the digest of the **complete encoded PS-PDUs** (every octet,
    from the outer SEQUENCE tag to the end) **concatenated in the order of
    includedSequenceNumbers**; the checker lists them in the order it was given the PDUs,
    which for the PDUs of one builder is sequence-number order. OpenLI does the same (one
    streaming digest over the encoded PDUs). With ``per_pdu_digests=True`` the checkValue is
    instead the concatenation of one digest per PDU, in the same order, so that a receiver can
    name the altered PDU; a receiver tells the two apart by the length (they coincide for a
    run of one PDU).

What is signed (the library's reading)
    A signature PDU's ``checkValue`` is the signature of the concatenated ``checkValue`` octets
    of the hash PDUs it names, in the order named: ECDSA (``signatureAlgorithm`` eCDSA) with
    SHA-256 on P-256, SHA-384 on P-384, SHA-512 on P-521 (the hash is named in
    ``hashAlgorithm``; the signature is the DER ``Ecdsa-Sig-Value`` of X9.62/RFC 3279), or
    EdDSA (``edDSA``: Ed25519 or Ed448, pure, no ``hashAlgorithm``). Versions of the module
    without ``signatureAlgorithm`` (LI-PS-PDU version 35) carry no algorithm: the verifier
    takes it from its public key. DSA and RSA are refused (the module has no RSA value; DSA
    is obsolete). OpenLI differs (uncertain): it digests the whole IntegrityCheck contents of
    each hash PDU and signs that digest, so its signatures do not verify under this reading.

Encryption (key, IV, padding; the library's reading, OpenLI compatibility uncertain)
    AES in CBC mode with the key as given (16, 24 or 32 octets, no derivation). The IV is the
    PDU's sequenceNumber as 4 octets, big-endian, repeated four times (OpenLI and libwandder
    do this; whether the standard says so is not confirmed). The plaintext is the BER
    encoding of the EncryptedPayload, padded with PKCS#7 (``padding="pkcs7"``, the default:
    a wrong key is then detected by the padding check) or with 0..15 zero octets
    (``padding="zero"``, which is what OpenLI sends and libwandder reads). ``byteCounter`` is
    the caller's (default 0); OpenLI writes a 4-octet start time followed by a 4-octet
    running octet count. Reusing (key, sequence number) with the same byteCounter gives the
    same first cipher block: keep the byteCounter increasing per key. The module's
    EncryptionType has aES-192-CBC and aES-256-CBC; AES-128-CBC is written as
    ``national-option`` and read back only when the receiver is told
    (``national_option="AES-128-CBC"``).
"""

from ..errors import DecryptionError
from ._checker import IntegrityChecker, IntegrityCheckPayload
from ._common import (
    CheckStatus,
    EncryptionAlgorithm,
    HashAlgorithmName,
    Kind,
    Padding,
    SigningKey,
    StreamKey,
    VerifyingKey,
)
from ._encryption import (
    DecryptedPayload,
    EncryptionOptions,
    decrypt_container,
    decrypt_pdu,
    encrypt_payload,
    encrypt_pdu,
    iv_for_sequence_number,
)
from ._verifier import CheckResult, IntegrityVerifier

__all__ = [
    "CheckResult",
    "CheckStatus",
    "DecryptedPayload",
    "DecryptionError",
    "EncryptionAlgorithm",
    "EncryptionOptions",
    "HashAlgorithmName",
    "IntegrityCheckPayload",
    "IntegrityChecker",
    "IntegrityVerifier",
    "Kind",
    "Padding",
    "SigningKey",
    "StreamKey",
    "VerifyingKey",
    "decrypt_container",
    "decrypt_pdu",
    "encrypt_payload",
    "encrypt_pdu",
    "iv_for_sequence_number",
]
