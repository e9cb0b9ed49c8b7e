"""PacketCable correlation (PCESP, PKT-SP-ES-DCI): the caseId, the CallId a Delivery Function
derives from the Billing Correlation ID, and the CCCId of a call-content stream (see
docs/records.md, "PacketCable")."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .._checks import type_name
from ..correlation._values import uint, visible_string
from ..errors import EncodeError
from ._values import relabel

__all__ = [
    "BillingCorrelationId",
    "CCCId",
    "CallIdLike",
    "ccc_id_text",
    "ccc_identity",
    "checked_call_id",
    "checked_ccc_id",
    "pc_call_id",
    "pc_call_id_from_bcid",
    "pc_case_id",
    "pc_ccc_id",
    "pc_ccc_id_pair",
]



def pc_case_id(value: object) -> str:
    """Check a PacketCable CaseId (PCESP ``CaseId ::= VisibleString (SIZE (1..25, ...))``).

    The root of the size constraint, 1 to 25 characters 0x20..0x7E, is enforced.
    """
    return visible_string(
        value, "caseId", "caseId", 1, 25, "PacketCable PCESP CaseId VisibleString (SIZE (1..25))"
    )


def pc_call_id(sequencenumber: object, systemidentity: object) -> dict[str, str]:
    """A PacketCable CallId (PCESP ``CallId``).

    ``SEQUENCE { sequencenumber [0] VisibleString (SIZE (1..25, ...)), systemidentity [1]
    VisibleString (SIZE (1..15, ...)) }``. See :func:`pc_call_id_from_bcid` for the value
    the Delivery Function derives from the Billing Correlation ID.
    """
    return {
        "sequencenumber": visible_string(
            sequencenumber, "callId.sequencenumber", "sequencenumber", 1, 25,
            "PacketCable PCESP CallId VisibleString (SIZE (1..25))",
        ),
        "systemidentity": visible_string(
            systemidentity, "callId.systemidentity", "systemidentity", 1, 15,
            "PacketCable PCESP CallId VisibleString (SIZE (1..15))",
        ),
    }


def _bcid_text(value: object, path: str, what: str) -> str:
    if not isinstance(value, str) or len(value) != 8 or not all(" " <= c <= "~" for c in value):
        raise EncodeError(
            f"{what} must be 8 printable ASCII characters (PacketCable BCID), got {value!r}",
            path,
        )
    return value


@dataclass(frozen=True, slots=True)
class BillingCorrelationId:
    """A PacketCable Billing Correlation ID (BCID, PacketCable Event Messages, 24 octets).

    Timestamp (4 octets, unsigned, big-endian), Element ID (8 ASCII characters), Time Zone
    (8 ASCII characters: DST flag, sign, hhmmss) and Event Counter (4 octets, unsigned,
    big-endian). The Time Zone is kept as given; only its length and characters are checked.
    """

    timestamp: int
    element_id: str
    time_zone: str
    event_counter: int

    def __post_init__(self) -> None:
        uint(self.timestamp, "callId", "BCID timestamp", 0xFFFFFFFF, "4 octets")
        _bcid_text(self.element_id, "callId.systemidentity", "BCID element ID")
        _bcid_text(self.time_zone, "callId", "BCID time zone")
        uint(self.event_counter, "callId", "BCID event counter", 0xFFFFFFFF, "4 octets")

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> BillingCorrelationId:
        """Read the 24 octets of a BCID (PacketCable Event Messages BCID layout)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodeError(f"BCID must be bytes, got {type_name(data)}", "callId")
        octets = bytes(data)
        if len(octets) != 24:
            raise EncodeError(
                f"BCID must be 24 octets (timestamp 4, element ID 8, time zone 8, event "
                f"counter 4), got {len(octets)}",
                "callId",
            )
        texts = []
        for part, what in ((octets[4:12], "BCID element ID"), (octets[12:20], "BCID time zone")):
            if not all(0x20 <= octet <= 0x7E for octet in part):
                raise EncodeError(f"{what} must be printable ASCII, got {part!r}", "callId")
            texts.append(part.decode("ascii"))
        return cls(
            int.from_bytes(octets[:4], "big"),
            texts[0],
            texts[1],
            int.from_bytes(octets[20:], "big"),
        )

    def to_bytes(self) -> bytes:
        """The 24 octets of the BCID (PacketCable Event Messages BCID layout)."""
        return (
            self.timestamp.to_bytes(4, "big")
            + self.element_id.encode("ascii")
            + self.time_zone.encode("ascii")
            + self.event_counter.to_bytes(4, "big")
        )

    def call_id(self, *, strip_element_id: bool = False) -> dict[str, str]:
        """The PCESP CallId of this BCID; see :func:`pc_call_id_from_bcid`."""
        return pc_call_id_from_bcid(self, strip_element_id=strip_element_id)


def pc_call_id_from_bcid(
    bcid: BillingCorrelationId | bytes | bytearray | memoryview,
    *,
    strip_element_id: bool = False,
) -> dict[str, str]:
    """The PacketCable CallId a Delivery Function derives from a BCID (PCESP ``CallId``).

    As the PCESP module specifies: ``sequencenumber`` is the BCID Timestamp and Event
    Counter, each written as an unsigned decimal ASCII string, joined by a comma (at most 21
    characters, e.g. ``"3735928559,42"``); ``systemidentity`` is the 8-character Element ID
    copied as it is (with its padding spaces). ``strip_element_id=True`` removes leading and
    trailing spaces, for receivers that expect the bare identifier.
    """
    parsed = bcid if isinstance(bcid, BillingCorrelationId) else BillingCorrelationId.parse(bcid)
    system = parsed.element_id.strip(" ") if strip_element_id else parsed.element_id
    return pc_call_id(f"{parsed.timestamp},{parsed.event_counter}", system)


def ccc_id_text(ccc: object, path: str = "cCCId.combCCC") -> str:
    """A 32-bit CCC identifier as PCESP's CCCId writes it: 8 characters ``0-9 A-F``.

    PCESP ``CCCId``: the Delivery Function converts the 32-bit CCC-Identifier of the call
    content stream into an 8-character hex-encoded ASCII string (upper case).
    """
    number = uint(ccc, path, "CCC identifier", 0xFFFFFFFF, "PacketCable CCC-Identifier, 32 bits")
    return f"{number:08X}"


def pc_ccc_id(ccc: object) -> tuple[str, str]:
    """A PCESP CCCId for one combined call-content stream: ``("combCCC", "0000ABCD")``."""
    return ("combCCC", ccc_id_text(ccc, "cCCId.combCCC"))


def pc_ccc_id_pair(xmit: object, recv: object) -> tuple[str, dict[str, str]]:
    """A PCESP CCCId for separate transmit and receive streams (``sepCCCpair``).

    ``("sepCCCpair", {"sepXmitCCC": ..., "sepRecvCCC": ...})``, each 8 hex characters.
    """
    return (
        "sepCCCpair",
        {
            "sepXmitCCC": ccc_id_text(xmit, "cCCId.sepCCCpair.sepXmitCCC"),
            "sepRecvCCC": ccc_id_text(recv, "cCCId.sepCCCpair.sepRecvCCC"),
        },
    )


_CCC_CHOICES: Final = frozenset({"combCCC", "sepCCCpair"})

CallIdLike = Mapping[str, str] | BillingCorrelationId | bytes | bytearray | memoryview
"""A PCESP ``CallId``: a value of :func:`~lawful_intercept.records.pc_call_id`, or the
Billing Correlation ID it is derived from (a :class:`BillingCorrelationId` or its 24 octets,
mapped by :func:`~lawful_intercept.records.pc_call_id_from_bcid`)."""

CCCId = int | tuple[int, int] | tuple[str, Any]
"""A PCESP ``CCCId``: a 32-bit CCC identifier (``combCCC``), a pair of them (transmit,
receive: ``sepCCCpair``), or the CHOICE value itself (``("combCCC", "0000ABCD")``)."""


def checked_call_id(value: object, path: str) -> dict[str, str]:
    """A PCESP ``CallId`` from a :data:`CallIdLike`; errors name ``path``."""
    try:
        if isinstance(value, BillingCorrelationId | bytes | bytearray | memoryview):
            return pc_call_id_from_bcid(value)
        if isinstance(value, Mapping):
            extra = set(value) - {"sequencenumber", "systemidentity"}
            if extra:
                raise EncodeError(
                    f"unknown member(s) {', '.join(sorted(map(str, extra)))} of CallId "
                    "(sequencenumber, systemidentity)", "callId",
                )
            return pc_call_id(value.get("sequencenumber"), value.get("systemidentity"))
    except EncodeError as exc:
        raise relabel(exc, "callId", path) from None
    raise EncodeError(
        "a CallId must be a pc_call_id() value, a BillingCorrelationId or its 24 octets, got "
        f"{type(value).__name__}", path,
    )


def ccc_identity(value: object, choices: Collection[str]) -> tuple[str, Any] | None:
    """A CCC identity (PCESP ``CCCId``, ATIS ``CCCIdentity``) from a 32-bit CCC identifier, a
    (transmit, receive) pair of them, or a CHOICE value whose name is in ``choices``; ``None``
    for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return pc_ccc_id(value)
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, int) and not isinstance(first, bool):
            return pc_ccc_id_pair(first, second)
        if first in choices:
            return (str(first), second)
    return None


def checked_ccc_id(value: object, path: str) -> tuple[str, Any]:
    """A PCESP ``CCCId`` from a :data:`CCCId`; errors name ``path``."""
    try:
        identity = ccc_identity(value, _CCC_CHOICES)
    except EncodeError as exc:
        raise relabel(exc, "cCCId", path) from None
    if identity is not None:
        return identity
    raise EncodeError(
        "a CCCId must be a 32-bit CCC identifier (int), a (transmit, receive) pair of them, or "
        f"a combCCC/sepCCCpair CHOICE value, got {value!r}", path,
    )
