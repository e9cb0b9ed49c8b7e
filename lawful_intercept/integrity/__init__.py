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

What is hashed and signed: reading profiles (:data:`ProfileName`; ``docs/integrity.md`` has
the table)
    The ASN.1 text does not say which octets are signed, nor the IV or the padding. ``openli``
    (the default of :class:`IntegrityChecker`: what deployed OpenLI-built collection systems
    accept) hashes the complete encoded PS-PDUs of a run concatenated in the order of
    includedSequenceNumbers, an encrypted one in its form before encryption (encryptionType
    none, the padded plaintext in place: :func:`seal_pdu`, :func:`clear_form`), and signs the
    signature PDU's own IntegrityCheck encoded with an empty checkValue (no hashAlgorithm on
    signature PDUs). ``library`` hashes the PDUs as sent and signs the concatenated checkValues
    of the hash PDUs. :class:`IntegrityVerifier` and the LEMF accept both and report which one
    matched. With ``per_pdu_digests=True`` a hash's checkValue is one digest per PDU, so that a
    receiver can name the altered PDU. Signatures: ECDSA (eCDSA; SHA-256 on P-256, SHA-384 on
    P-384, SHA-512 on P-521, DER ``Ecdsa-Sig-Value``) or EdDSA (edDSA: Ed25519 or Ed448, pure).
    DSA and RSA are refused.

Encryption (key, IV, padding, byteCounter)
    AES in CBC mode with the key as given (16, 24 or 32 octets, no derivation). The IV is the
    PDU's sequenceNumber as 4 octets, big-endian, repeated four times (as OpenLI and libwandder
    do). The plaintext is the BER encoding of the EncryptedPayload, padded with 0..15 zero
    octets (``padding="zero"``, the default: what OpenLI sends and libwandder accepts) or PKCS#7
    (an option); receivers read both by default (``padding="any"``). ``byteCounter`` is, as the
    text says, the Unix time of first use times 2^32 plus the octets of the PDUs before
    (:class:`ByteCounter`, :func:`initial_byte_counter`), or the caller's value. AES-128-CBC is
    written as ``national-option`` and read back only when the receiver is told
    (``national_option="AES-128-CBC"``).

    **CBC detects nothing**: an altered ciphertext often decrypts, without error, to an altered
    payload. Integrity comes from the hash checks: with encryption and hashes together, a
    flipped ciphertext bit is reported as a hash ``mismatch`` naming the PDU.
"""

from ..errors import DecryptionError
from ._checker import IntegrityChecker, IntegrityCheckPayload
from ._common import (
    PROFILES,
    CheckStatus,
    EncryptionAlgorithm,
    HashAlgorithmName,
    Kind,
    Padding,
    PaddingReading,
    ProfileName,
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
    initial_byte_counter,
    iv_for_sequence_number,
)
from ._sealing import ByteCounter, SealedPDU, clear_form, seal_pdu
from ._verifier import CheckResult, IntegrityVerifier

__all__ = [
    "PROFILES",
    "ByteCounter",
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
    "PaddingReading",
    "ProfileName",
    "SealedPDU",
    "SigningKey",
    "StreamKey",
    "VerifyingKey",
    "clear_form",
    "decrypt_container",
    "decrypt_pdu",
    "encrypt_payload",
    "encrypt_pdu",
    "initial_byte_counter",
    "iv_for_sequence_number",
    "seal_pdu",
]
