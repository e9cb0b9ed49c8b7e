"""The element sequences of the X1 complex types (TS 103 221-1 Annex C), as data: for each
model class, its elements in schema order with the attribute, type and occurrence of each.
The reader and the writer both walk these, so that they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._model import (
    DestinationDetails,
    DestinationResponseDetails,
    DestinationStatus,
    ErrorInformation,
    MediationDetails,
    NEStatusDetails,
    PortRange,
    TaskDetails,
    TaskResponseDetails,
    TaskStatus,
)
from ._types import BOOLEAN, INTEGER, LIID, TEXT, TIME, UUID_TYPE, enumeration, integer

__all__ = ["COMMON", "SPECS", "X1_DELIVERY_TYPE", "Field", "Item", "ok_type"]

COMMON = "http://uri.etsi.org/03280/common/2017/07"
"""The TS 103 280 namespace of the common types' child elements."""


@dataclass(frozen=True)
class Item:
    """One repeated item inside a list wrapper element: its element name, the model
    attribute (a tuple), its type, and the least number of occurrences."""

    xml: str
    attr: str
    kind: Any
    least: int = 0


@dataclass(frozen=True)
class Field:
    """One element of a sequence: ``occurs`` is ``"1"``, ``"?"`` (optional, ``None`` when
    absent), ``"*"`` (repeated, a tuple). ``items`` makes it a list wrapper whose children
    fill those attributes; ``kind`` is a :class:`~._types.SimpleType`, a model class with a
    spec, or a special name (``"target"``, ``"address"``, ``"raw"``)."""

    xml: str
    attr: str
    kind: Any = None
    occurs: str = "1"
    items: tuple[Item, ...] = ()
    ns: str | None = None


X1_DELIVERY_TYPE = enumeration("DeliveryType", "X2Only", "X3Only", "X2andX3")
_MEDIATION_DELIVERY_TYPE = enumeration("MediationDeliveryType", "HI2Only", "HI3Only",
                                       "HI2andHI3")
_SERVICE_TYPE = enumeration("ServiceType", "voice", "data", "messaging", "pushToTalk", "LALS",
                            "RCS")


def ok_type(only_completed: bool) -> Any:
    """The OK type (or OKAckAndComplete, for ReportNEIssue)."""
    if only_completed:
        return enumeration("OKAckAndComplete", "AcknowledgedAndCompleted")
    return enumeration("OK", "AcknowledgedAndCompleted", "Acknowledged")


_DIDS = (Item("dId", "dids", UUID_TYPE), Item("dSId", "dsids", UUID_TYPE))
_FAULTS = Field("listOfFaults", "faults", items=(Item("unresolvedFault", "faults",
                                                      ErrorInformation),))

SPECS: dict[type, tuple[Field, ...]] = {
    ErrorInformation: (Field("errorCode", "code", INTEGER),
                       Field("errorDescription", "description", TEXT)),
    PortRange: (Field("start", "start", INTEGER, ns=COMMON),
                Field("end", "end", INTEGER, ns=COMMON)),
    MediationDetails: (
        Field("LIID", "liid", LIID),
        Field("deliveryType", "delivery_type", _MEDIATION_DELIVERY_TYPE),
        Field("StartTime", "start_time", TIME, "?"),
        Field("EndTime", "end_time", TIME, "?"),
        Field("listOfDIDs", "dids", occurs="?", items=_DIDS),
        Field("mediationDetailsExtensions", "extensions", "raw", "*"),
        Field("serviceScopingOptions", "service_scoping_options", "raw", "?"),
    ),
    TaskDetails: (
        Field("xId", "xid", UUID_TYPE),
        Field("targetIdentifiers", "targets",
              items=(Item("targetIdentifier", "targets", "target", 1),)),
        Field("deliveryType", "delivery_type", X1_DELIVERY_TYPE),
        Field("listOfDIDs", "dids", items=_DIDS),
        Field("listOfMediationDetails", "mediation_details", occurs="?",
              items=(Item("mediationDetails", "mediation_details", MediationDetails),)),
        Field("correlationID", "correlation_id", integer("xs:nonNegativeInteger", 0), "?"),
        Field("implicitDeactivationAllowed", "implicit_deactivation_allowed", BOOLEAN, "?"),
        Field("productID", "product_id", UUID_TYPE, "?"),
        Field("listOfServiceTypes", "service_types", occurs="?",
              items=(Item("serviceType", "service_types", _SERVICE_TYPE, 1),)),
        Field("taskDetailsExtensions", "extensions", "raw", "*"),
    ),
    DestinationDetails: (
        Field("dId", "did", UUID_TYPE),
        Field("friendlyName", "friendly_name", TEXT, "?"),
        Field("deliveryType", "delivery_type", X1_DELIVERY_TYPE),
        Field("deliveryAddress", "address", "address"),
        Field("destinationDetailsExtensions", "extensions", "raw", "*"),
    ),
    TaskStatus: (
        Field("provisioningStatus", "provisioning_status",
              enumeration("ProvisioningStatus", "awaitingProvisioning", "failed", "complete")),
        _FAULTS,
        Field("timeOfLastIntercept", "time_of_last_intercept", TIME, "?"),
        Field("amountOfX2Data", "amount_of_x2_data", INTEGER, "?"),
        Field("amountOfX3Data", "amount_of_x3_data", INTEGER, "?"),
        Field("timeOfLastModification", "time_of_last_modification", TIME, "?"),
        Field("numberOfModifications", "number_of_modifications", INTEGER, "?"),
    ),
    TaskResponseDetails: (Field("taskDetails", "task", TaskDetails),
                          Field("taskStatus", "status", TaskStatus)),
    DestinationStatus: (
        Field("destinationDeliveryStatus", "delivery_status",
              enumeration("DestinationDeliveryStatus", "activeAndWorking", "deliveryFault")),
        _FAULTS,
    ),
    DestinationResponseDetails: (Field("destinationDetails", "destination", DestinationDetails),
                                 Field("destinationStatus", "status", DestinationStatus)),
    NEStatusDetails: (Field("neStatus", "status", enumeration("NeStatus", "OK", "Faults")),
                      _FAULTS),
}
"""Model class → its elements in schema order."""
