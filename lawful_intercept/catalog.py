"""The catalog of handover wire types and kinds: which ASN.1 type a PDU is, and what it carries.

One table, read by the record builders, delivery, integrity, the test LEMF, the scenarios and
the command line, so that "which kind is this PDU" has one answer everywhere:

* the top-level PDU types of the bundled specification (:data:`TOP_LEVEL_TYPES`): the ETSI
  ``PS-PDU`` (TS 102 232-1 clause 6), PacketCable ``CdcPdu`` (PKT-SP-ES-DCI), ATIS
  ``LAESProtocol`` and ``CC-APDU`` (J-STD-025-B / T1.678) and ``IasProtocol`` and
  ``IAS-CC-APDU`` (T1.IAS);
* the kind of each TS 102 232-1 ``Payload`` alternative (:data:`KIND_OF_PAYLOAD`, by name, and
  :func:`payload_kind`, read from the octets without decoding), and the kind of the PDUs of
  the other handover types (:data:`KIND_OF_TYPE`);
* the one policy for HI1: an ``hI1-Operation`` or ``threeGPP-HI1-Operation`` PDU is of kind
  ``"HI1"`` when reported, is numbered with the IRI (:data:`NUMBERING_OF_KIND`, TS 102 232-1
  5.2.5: "HI1 notifications ... use the IRI sequence numbering") and travels on HI2
  (:data:`INTERFACE_OF_KIND`);
* :func:`default_specification`, the bundled specification compiled once per process.

See ``docs/concepts.md`` for the kinds and ``docs/architecture.md`` for where this sits.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Final, Literal

from .ber import decode_length, decode_tag, skip_tlv
from .errors import DecodeError

if TYPE_CHECKING:
    from .asn1c import Specification

__all__ = [
    "CC_APDU",
    "CDC_PDU",
    "IAS_CC_APDU",
    "IAS_OPTIONAL_PROTOCOL",
    "IAS_PROTOCOL",
    "INTERFACE_OF_KIND",
    "KIND_OF_PAYLOAD",
    "KIND_OF_PAYLOAD_TAG",
    "KIND_OF_TYPE",
    "LAES_PROTOCOL",
    "NUMBERING_OF_KIND",
    "PS_PDU",
    "TOP_LEVEL_TYPES",
    "HandoverInterface",
    "PayloadKind",
    "default_specification",
    "kind_of_type",
    "payload_kind",
]

PS_PDU: Final = "PS-PDU"
"""The ASN.1 type of every ETSI TS 102 232-1 PDU (LI-PS-PDU)."""
CDC_PDU: Final = "PCESP.CdcPdu"
"""PacketCable call data (PKT-SP-ES-DCI): the IRI of a PacketCable intercept."""
LAES_PROTOCOL: Final = "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol"
"""ATIS J-STD-025-B / T1.678 call-identifying messages (HI2)."""
CC_APDU: Final = "CCDeliveryHeaderModule.CC-APDU"
"""ATIS T1.678 content of communication (HI3)."""
IAS_PROTOCOL: Final = "IAS-LAES-CmII-Abstract-Syntax-Module.IasProtocol"
"""ATIS T1.IAS call-identifying messages (HI2)."""
IAS_OPTIONAL_PROTOCOL: Final = "IAS-LAES-CmII-Optional-Messages-Abstract-Syntax-Module.IasProtocol"
"""ATIS T1.IAS optional call-identifying messages."""
IAS_CC_APDU: Final = "IAS-LAES-CmCC-Abstract-Syntax-Module.IAS-CC-APDU"
"""ATIS T1.IAS content of communication (HI3)."""

TOP_LEVEL_TYPES: Final[tuple[str, ...]] = (
    PS_PDU, CDC_PDU, LAES_PROTOCOL, CC_APDU, IAS_PROTOCOL, IAS_CC_APDU,
)
"""Every ASN.1 type a handover stream's BER PDUs are encoded as, in the bundled
specification, in the order a reader tries them when the type is not known."""

PayloadKind = Literal["IRI", "CC", "TRI", "HI1", "ILHI", "HI4", "OTHER"]
"""What a PDU carries: IRI, CC, a TRI PDU (keep-alive, acknowledgement, ...), an HI1
notification, an ILHI payload, an HI4 payload, or ``"OTHER"`` (an ``encryptionContainer``,
another alternative, or octets that do not start like a PS-PDU)."""

HandoverInterface = Literal["HI2", "HI3"]
"""The agency's handover interface a record travels on."""

KIND_OF_PAYLOAD: Final[Mapping[str, PayloadKind]] = {
    "iRIPayloadSequence": "IRI",
    "cCPayloadSequence": "CC",
    "tRIPayload": "TRI",
    "hI1-Operation": "HI1",
    "threeGPP-HI1-Operation": "HI1",
    "iLHIPayload": "ILHI",
    "hI4Payload": "HI4",
}
"""The kind of each TS 102 232-1 ``Payload`` alternative, by its name. An
``encryptionContainer`` is not listed: its kind is that of the payload inside."""

KIND_OF_PAYLOAD_TAG: Final[Mapping[int, PayloadKind]] = {
    0: "IRI", 1: "CC", 2: "TRI", 3: "HI1", 5: "HI1", 6: "ILHI", 7: "HI4",
}
"""The same by the alternative's context tag number (LI-PS-PDU versions 35 and 43 alike);
[4] ``encryptionContainer`` is not listed."""

KIND_OF_TYPE: Final[Mapping[str, PayloadKind]] = {
    "CdcPdu": "IRI",
    "LAESProtocol": "IRI",
    "IasProtocol": "IRI",
    "CC-APDU": "CC",
    "IAS-CC-APDU": "CC",
}
"""The kind of the PDUs of the other handover types, by the type's unqualified name:
PacketCable call data and the ATIS call-identifying messages are IRI, the ATIS content PDUs
CC."""

NUMBERING_OF_KIND: Final[Mapping[PayloadKind, PayloadKind]] = {
    "IRI": "IRI", "HI1": "IRI", "CC": "CC", "ILHI": "ILHI", "TRI": "TRI", "HI4": "HI4",
}
"""The sequence numbering each kind takes (TS 102 232-1 5.2.5): HI1 operations are numbered
with the IRI of their LIID; TRI PDUs have their own numbering."""

INTERFACE_OF_KIND: Final[Mapping[PayloadKind, HandoverInterface]] = {
    "IRI": "HI2", "HI1": "HI2", "TRI": "HI2", "ILHI": "HI2", "HI4": "HI2", "CC": "HI3",
}
"""The handover interface each kind travels on (TS 102 232-1 6.2, 6.3): CC on HI3, everything
else on HI2. ``"OTHER"`` has no interface: its kind cannot be read from the PDU."""

_CONTEXT: Final = 2  # tag class context-specific (X.690 8.1.2.2)
_UNIVERSAL: Final = 0
_SEQUENCE: Final = 16
_PS_HEADER: Final = 1  # PS-PDU.pSHeader [1]
_PAYLOAD: Final = 2  # PS-PDU.payload [2]


def payload_kind(pdu: bytes | bytearray | memoryview) -> PayloadKind:
    """Which payload a BER-encoded PS-PDU carries (TS 102 232-1 ``PS-PDU ::= SEQUENCE
    { pSHeader [1], payload [2] Payload }``), read from the tags of the outer TLVs without
    decoding the PDU: the kind of the ``Payload`` alternative (see :data:`KIND_OF_PAYLOAD`),
    else ``"OTHER"``: an ``encryptionContainer``, another alternative, or octets that do not
    start like a PS-PDU. It never raises on bad octets; only what is read is checked."""
    if not isinstance(pdu, bytes | bytearray | memoryview):
        raise TypeError(f"pdu must be bytes, not {type(pdu).__name__}")
    try:
        return _payload_kind(pdu)
    except DecodeError:
        return "OTHER"


def _payload_kind(data: bytes | bytearray | memoryview) -> PayloadKind:
    cls, constructed, number, pos = decode_tag(data, 0)
    if cls != _UNIVERSAL or not constructed or number != _SEQUENCE:
        return "OTHER"
    length, pos = decode_length(data, pos)
    end = len(data) if length is None else pos + length
    cls, constructed, number, _ = decode_tag(data, pos, end)
    if cls != _CONTEXT or not constructed or number != _PS_HEADER:
        return "OTHER"
    pos = skip_tlv(data, pos, end=end)
    cls, constructed, number, pos = decode_tag(data, pos, end)
    if cls != _CONTEXT or not constructed or number != _PAYLOAD:
        return "OTHER"
    length, pos = decode_length(data, pos, end)
    end = end if length is None else pos + length
    cls, constructed, number, _ = decode_tag(data, pos, end)
    if cls != _CONTEXT:
        return "OTHER"
    return KIND_OF_PAYLOAD_TAG.get(number, "OTHER")


def kind_of_type(pdu_type: str) -> PayloadKind:
    """The kind of a PDU of a non-ETSI handover type, qualified (``"PCESP.CdcPdu"``) or not:
    see :data:`KIND_OF_TYPE`; ``"OTHER"`` for a type not listed there."""
    return KIND_OF_TYPE.get(pdu_type.rpartition(".")[2], "OTHER")


@cache
def default_specification() -> Specification:
    """The bundled specification (:func:`lawful_intercept.bundled` with its default versions),
    compiled once per process and shared by every component that is given no ``spec``."""
    from .registry import bundled

    return bundled()
