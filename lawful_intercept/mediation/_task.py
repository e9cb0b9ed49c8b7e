"""The task the converter works for: what a warrant's LI task and its X1 task say about one XID
(ETSI TS 103 221-1 TaskDetails and MediationDetails, TS 103 120 LITaskObject), in the few
fields the conversion needs. The Mediation maps warrants and X1 tasks onto it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from .._checks import require_choice, require_instance, require_int
from ..correlation import LIID

__all__ = [
    "DELIVERY_TYPES",
    "HANDOVER_FORMATS",
    "DeliveryType",
    "HandoverFormat",
    "MediationTask",
    "nonempty_tuple",
    "time_ns",
]

DeliveryType = Literal["IRIOnly", "CCOnly", "IRIandCC"]
"""What the warrant lets through (TS 103 120 LITaskObject DeliveryType; X1 HI2Only, HI3Only,
HI2andHI3): IRI only, CC only, or both."""
HandoverFormat = Literal["ETSI", "ATIS", "PacketCable"]
"""The handover the agency takes: ETSI TS 102 232 PS-PDUs, ATIS-1000678 (LAESProtocol and
CC-APDUs), or PacketCable (CDC messages and CCC packets)."""
DELIVERY_TYPES: Final = ("IRIOnly", "CCOnly", "IRIandCC")
"""The delivery types, as :data:`DeliveryType`."""
HANDOVER_FORMATS: Final = ("ETSI", "ATIS", "PacketCable")
"""The handover formats, as :data:`HandoverFormat`."""
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def nonempty_tuple(value: object, name: str, empty: str) -> tuple[Any, ...]:
    """Argument ``name`` (a tuple or a list) as a tuple; ``ValueError`` saying ``empty`` if
    it holds nothing."""
    items = tuple(require_instance(value, (tuple, list), name))
    if not items:
        raise ValueError(empty)
    return items


def time_ns(value: int | datetime | None, name: str) -> int | None:
    """``value`` (nanoseconds since the Unix epoch, or an aware ``datetime``) in nanoseconds;
    ``None`` stays ``None`` (an open end of a timespan, TS 103 120 TaskTimespan)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime (with a time zone): a naive "
                             "one would shift the warrant's timespan by the local offset")
        delta = value - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return require_int(value, name, low=0)


@dataclass(frozen=True, slots=True)
class MediationTask:
    """One intercept as the conversion sees it (TS 103 221-1 TaskDetails with its
    MediationDetails; TS 103 120 LITaskObject).

    ``xid`` is the task's XID (the UUID the network elements put in every X2/X3 PDU),
    ``liid`` the LIID of the handover (TS 102 232-1 5.2.2; the ATIS caseId and PacketCable
    caseId are the same text), ``delivery_type`` what the warrant lets through
    (:data:`DeliveryType`), ``handover_format`` the agency's format (:data:`HandoverFormat`),
    ``destinations`` the names of the agency's handover destinations (each a
    HandoverDelivery in :class:`MediationDelivery`), ``start``/``end`` the warrant's
    timespan (nanoseconds since the epoch or aware datetimes; ``None`` is open): nothing
    whose time stamp lies outside ``[start, end)`` is delivered. ``targets`` are the target
    identifiers as text (written into the HI1 notifications).
    """

    xid: uuid.UUID
    liid: str
    delivery_type: DeliveryType = "IRIandCC"
    handover_format: HandoverFormat = "ETSI"
    destinations: tuple[str, ...] = ("agency",)
    start: int | datetime | None = None
    end: int | datetime | None = None
    targets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_instance(self.xid, uuid.UUID, "MediationTask.xid")
        require_instance(self.liid, str, "MediationTask.liid")
        LIID(self.liid)  # TS 102 232-1 5.2.2: 1..25 octets
        require_choice(self.delivery_type, DELIVERY_TYPES, "MediationTask.delivery_type")
        require_choice(self.handover_format, HANDOVER_FORMATS,
                       "MediationTask.handover_format")
        destinations = nonempty_tuple(
            self.destinations, "MediationTask.destinations",
            "MediationTask.destinations must name at least one destination: "
            "a task without one would intercept for nobody")
        for index, name in enumerate(destinations):
            require_instance(name, str, f"MediationTask.destinations[{index}]")
        object.__setattr__(self, "destinations", destinations)
        targets = tuple(require_instance(self.targets, (tuple, list), "MediationTask.targets"))
        for index, target in enumerate(targets):
            require_instance(target, str, f"MediationTask.targets[{index}]")
        object.__setattr__(self, "targets", targets)
        start = time_ns(self.start, "MediationTask.start")
        end = time_ns(self.end, "MediationTask.end")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"MediationTask.end ({end}) must be after MediationTask.start "
                             f"({start}) (TS 103 120 TaskTimespan)")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def start_ns(self) -> int | None:
        """``start`` in nanoseconds since the epoch (``None``: open)."""
        return self.start if isinstance(self.start, int) else None

    @property
    def end_ns(self) -> int | None:
        """``end`` in nanoseconds since the epoch (``None``: open)."""
        return self.end if isinstance(self.end, int) else None

    @property
    def passes_iri(self) -> bool:
        """Whether IRI is delivered (``IRIOnly`` or ``IRIandCC``)."""
        return self.delivery_type != "CCOnly"

    @property
    def passes_cc(self) -> bool:
        """Whether CC is delivered (``CCOnly`` or ``IRIandCC``)."""
        return self.delivery_type != "IRIOnly"
