"""What travels between the ingest and the handover nodes: one converted record, as a
JetStream message (subject, headers, the PDU as its body), and the re-stamping of a
TS 102 232-1 PS-PDU with the sequence number its owner assigns (clause 5.2.5)."""

from __future__ import annotations

from typing import Any, NamedTuple

from .._checks import require_bytes, require_choice, require_instance
from ..asn1c import Specification
from ..catalog import KIND_OF_PAYLOAD, NUMBERING_OF_KIND, PS_PDU
from ..errors import ClusterError, Error
from ..registry import bundled
from ._subjects import KIND_TOKENS, subject_of

__all__ = ["HEADER_DESTINATION", "HEADER_INTERFACE", "ClusterRecord", "SequenceStamper"]

HEADER_DESTINATION = "Li-Destination"
"""The message header naming the record's destination (a task's destination name)."""
HEADER_INTERFACE = "Li-Interface"
"""The message header naming the handover interface (``hi2`` or ``hi3``)."""


class ClusterRecord(NamedTuple):
    """One converted record as the cluster carries it: the ``liid``, its ``kind``
    (``"IRI"``, ``"CC"``, ``"HI1"``), the ``destination`` name, the handover ``interface``
    (``"hi2"``, ``"hi3"``) and the encoded TS 102 232-1 PS-PDU (its CIN set, its sequence
    number to be re-stamped by the LIID's owner). Anything with these attributes (such as a
    :class:`~lawful_intercept.mediation.Converted`) can be published."""

    liid: str
    kind: str
    destination: str
    interface: str
    pdu: bytes

    def check(self) -> ClusterRecord:
        """The record, its fields checked (``TypeError``/``ValueError`` naming the field)."""
        require_instance(self.liid, str, "ClusterRecord.liid")
        require_choice(self.kind, tuple(KIND_TOKENS), "ClusterRecord.kind")
        require_instance(self.destination, str, "ClusterRecord.destination")
        require_choice(self.interface, ("hi2", "hi3"), "ClusterRecord.interface")
        require_bytes(self.pdu, "ClusterRecord.pdu")
        return self

    @property
    def subject(self) -> str:
        """The record's JetStream subject (``li.<LIID>.<kind>``)."""
        return subject_of(self.liid, self.kind)

    def headers(self, msg_id: str) -> dict[str, str]:
        """The message headers: the de-duplication id ``Nats-Msg-Id`` and the routing."""
        return {"Nats-Msg-Id": msg_id, HEADER_DESTINATION: self.destination,
                HEADER_INTERFACE: self.interface}


class SequenceStamper:
    """Reads the CIN and numbering kind of a TS 102 232-1 PS-PDU and writes a sequence
    number into its header (clause 5.2.5), everything else as it was."""

    def __init__(self, spec: Specification | None = None) -> None:
        self.spec = spec if spec is not None else bundled()
        self._encode = self.spec.encoder(PS_PDU)

    def read(self, pdu: bytes) -> tuple[dict[str, Any], int, str]:
        """The decoded PDU, its CIN and its numbering kind; a PDU that is no PS-PDU raises
        :class:`~lawful_intercept.errors.ClusterError`."""
        try:
            value = self.spec.decode(PS_PDU, pdu)
        except Error as exc:
            raise ClusterError(f"the record is no TS 102 232-1 PS-PDU: {exc}") from None
        header = value["pSHeader"]
        cin = header.get("communicationIdentifier", {}).get("communicationIdentityNumber", 0)
        kind = KIND_OF_PAYLOAD.get(value["payload"][0], "OTHER")
        return value, int(cin), NUMBERING_OF_KIND.get(kind, kind)

    def stamp(self, value: dict[str, Any], number: int) -> bytes:
        """The PDU ``value`` (from :meth:`read`) encoded with ``number`` as its
        sequenceNumber."""
        value["pSHeader"]["sequenceNumber"] = number
        return bytes(self._encode(value))
