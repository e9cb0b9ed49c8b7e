"""The mediation function's conversion: X2/X3 PDUs from the network elements (ETSI TS 103
221-2) into correlated HI2/HI3 records for each warrant, in the agency's handover format
(ETSI TS 102 232, ATIS-1000678, PacketCable).

* :class:`MediationTask`: what the conversion needs of a warrant's task (XID, LIID,
  delivery type, handover format, destinations, timespan).
* :class:`X2X3Converter` (sans-IO): tasks activated, modified and deactivated (with their
  HI1 notifications), PDUs in, :class:`Converted` records out, the warrant enforced, a CIN per
  communication and gapless sequence numbers, bounded state with expiry;
  :class:`ConverterStats` counts every PDU.
* :class:`MediationDelivery`: the records to a
  :class:`~lawful_intercept.delivery.HandoverDelivery` per destination, and the consumer of
  an :class:`~lawful_intercept.x2x3.X2X3Listener`.
* :class:`Mediation`: the warrant book → X1 → X2/X3 → conversion → delivery chain, with
  :class:`AgencyDestination` and :class:`SyncReport`.
* :func:`poi_pdus`, :func:`capture_pdus`: what a simulated point of interception sends.
* :func:`read_sip`, :class:`SIPMessage`, :class:`SIPDialogs`: the small SIP reader and the
  IRI type of each message of a communication.

See ``docs/mediation.md``. The implementation: ``_task``, ``_sip``, ``_etsi`` (ETSI
records), ``_us`` (ATIS and PacketCable), ``_converter``, ``_delivery``.
"""

from ..errors import ConversionError
from ._converter import Converted, ConverterStats, X2X3Converter
from ._delivery import MediationDelivery
from ._etsi import rtp_ssrc
from ._mediation import XID_NAMESPACE, AgencyDestination, Mediation, SyncReport
from ._poi import POI_SCENARIOS, capture_pdus, poi_pdus
from ._sip import MAX_DIALOGS, MAX_HEADER_OCTETS, SIPDialogs, SIPMessage, read_sip
from ._task import (
    DELIVERY_TYPES,
    HANDOVER_FORMATS,
    DeliveryType,
    HandoverFormat,
    MediationTask,
)

__all__ = [
    "DELIVERY_TYPES",
    "HANDOVER_FORMATS",
    "MAX_DIALOGS",
    "MAX_HEADER_OCTETS",
    "POI_SCENARIOS",
    "XID_NAMESPACE",
    "AgencyDestination",
    "ConversionError",
    "Converted",
    "ConverterStats",
    "DeliveryType",
    "HandoverFormat",
    "Mediation",
    "MediationDelivery",
    "MediationTask",
    "SIPDialogs",
    "SIPMessage",
    "SyncReport",
    "X2X3Converter",
    "capture_pdus",
    "poi_pdus",
    "read_sip",
    "rtp_ssrc",
]
