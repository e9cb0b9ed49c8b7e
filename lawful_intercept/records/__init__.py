"""Typed record builders over the compiled specifications.

A builder takes what a mediation function knows — a session's identity, an event, a packet —
and writes complete, correlated PDUs (see docs/records.md):

* :class:`PSPDUBuilder`: ETSI TS 102 232-1 PS-PDUs (header, sequence numbers, time stamps,
  IRI/CC/TRI/HI1 payloads, segmentation), with the services of TS 102 232-2
  (:class:`EmailRecords`), -3 (:class:`IPAccessRecords`), -5 (:class:`IPMMRecords`), -6
  (:class:`PstnIsdnRecords`) and -7 (:class:`MobileRecords`, 3GPP TS 33.128), and
  :class:`HI1Operations`; :class:`SessionTable` keeps many communications of one header
  shape as rows, for the CC hot path;
* :class:`HI2Records`: ETSI TS 101 671 HI2 IRI records;
* :class:`PacketCableRecords`: PacketCable CDC messages and CCC packets, with the PacketCable
  correlation identifiers (:func:`pc_case_id`, :func:`pc_call_id`,
  :class:`BillingCorrelationId`, :func:`pc_call_id_from_bcid`, :func:`ccc_id_text`,
  :func:`pc_ccc_id`, :func:`pc_ccc_id_pair`);
* :class:`LAESRecords` and :class:`IASRecords`: ATIS-1000678 and ATIS-1000013 messages and
  CC-APDUs, with the ATIS correlation identifiers (:func:`atis_case_identity`,
  :func:`atis_iap_system_identity`, :func:`atis_correlation_id`, :func:`atis_call_identity`,
  :func:`atis_correlation_info`) and :class:`ContentSequenceNumbers`.

The wire type names (:data:`CC_APDU`, :data:`CDC_PDU`, ...) are those of
:mod:`lawful_intercept.catalog`. The implementation modules are private: ``_ps`` (the PS-PDU
builder), ``_ip_access``, ``_email``, ``_ipmm``, ``_pstn``, ``_mobile``, ``_hi1``, ``_hi2``,
``_segments``, ``_table``, ``_values`` (checks shared by the services), ``_packetcable`` and
``_packetcable_ids``, ``_atis`` (shared by) ``_laes`` and ``_ias``, and ``_atis_ids``.
"""

from ..catalog import (
    CC_APDU,
    CDC_PDU,
    IAS_CC_APDU,
    IAS_OPTIONAL_PROTOCOL,
    IAS_PROTOCOL,
    LAES_PROTOCOL,
)
from ._atis import DeliveryIdentifierLike, PacketDirection
from ._atis_ids import (
    ContentIdentifier,
    ContentIdentifierLike,
    ContentSequenceNumbers,
    atis_call_identity,
    atis_case_identity,
    atis_correlation_id,
    atis_correlation_info,
    atis_iap_system_identity,
)
from ._email import EmailRecords
from ._hi1 import (
    HI1Operations,
    NotificationOptions,
    Operation,
    ThreeGPPNotificationOptions,
    threegpp_hi1_pdu,
)
from ._hi2 import (
    HI2Records,
    HI2TimeStamps,
    IRIContentValue,
    NetworkElement,
    call_content_link,
    communication_identifier,
    imei_octets,
    imsi_octets,
    location,
    msisdn_octets,
    network_identifier,
    party_information,
    tbcd,
    tbcd_digits,
    time_stamp,
)
from ._ias import (
    IAS_CMCC_OID,
    IAS_OID,
    IASRecords,
    IasValueLike,
    IPAddressLike,
    SessionDelivery,
    ias_ip_address,
    ias_value,
)
from ._ip_access import IPAccessRecords, ip_address
from ._ipmm import AUTO, STREAM_ID_MAX, Address, IPMMRecords, stream_identifier
from ._laes import (
    CC_DELIVERY_HEADER_OID,
    LAES_OID,
    CallIdentityLike,
    LAESRecords,
    MediaLike,
    PartyIdentityLike,
    SignalingMessages,
    media_information,
    party_identity,
    signaling_messages,
)
from ._mobile import (
    DEFAULT_IRI_TYPES,
    Event,
    MobileRecords,
    deregistration,
    eutra_location,
    fteid,
    gpsi,
    guti,
    location_update,
    nr_location,
    pdu_session_establishment,
    pdu_session_modification,
    pdu_session_release,
    pei,
    registration,
    snssai,
    supi,
    target_identifier,
    ue_endpoint,
)
from ._packetcable import (
    CCC_LAYOUTS,
    NTP_UNIX_OFFSET,
    CCCLayout,
    CCCPacket,
    NtpTimestamp,
    PacketCableRecords,
    PartyLike,
    ccc_packet,
    conference_party,
    parse_ccc_packet,
    party_id,
)
from ._packetcable_ids import (
    BillingCorrelationId,
    CallIdLike,
    CCCId,
    ccc_id_text,
    pc_call_id,
    pc_call_id_from_bcid,
    pc_case_id,
    pc_ccc_id,
    pc_ccc_id_pair,
)
from ._ps import NumberedPDU, PSPDUBuilder, TimeStamps
from ._pstn import PstnIsdnRecords, SupplementaryInfoOptions
from ._segments import Reassembled, Reassembler, ip_packet_segment
from ._table import SessionTable, TableEncoder

__all__ = [
    "AUTO",
    "CCC_LAYOUTS",
    "CC_APDU",
    "CC_DELIVERY_HEADER_OID",
    "CDC_PDU",
    "DEFAULT_IRI_TYPES",
    "IAS_CC_APDU",
    "IAS_CMCC_OID",
    "IAS_OID",
    "IAS_OPTIONAL_PROTOCOL",
    "IAS_PROTOCOL",
    "LAES_OID",
    "LAES_PROTOCOL",
    "NTP_UNIX_OFFSET",
    "STREAM_ID_MAX",
    "Address",
    "BillingCorrelationId",
    "CCCId",
    "CCCLayout",
    "CCCPacket",
    "CallIdLike",
    "CallIdentityLike",
    "ContentIdentifier",
    "ContentIdentifierLike",
    "ContentSequenceNumbers",
    "DeliveryIdentifierLike",
    "EmailRecords",
    "Event",
    "HI1Operations",
    "HI2Records",
    "HI2TimeStamps",
    "IASRecords",
    "IPAccessRecords",
    "IPAddressLike",
    "IPMMRecords",
    "IRIContentValue",
    "IasValueLike",
    "LAESRecords",
    "MediaLike",
    "MobileRecords",
    "NetworkElement",
    "NotificationOptions",
    "NtpTimestamp",
    "NumberedPDU",
    "Operation",
    "PSPDUBuilder",
    "PacketCableRecords",
    "PacketDirection",
    "PartyIdentityLike",
    "PartyLike",
    "PstnIsdnRecords",
    "Reassembled",
    "Reassembler",
    "SessionDelivery",
    "SessionTable",
    "SignalingMessages",
    "SupplementaryInfoOptions",
    "TableEncoder",
    "ThreeGPPNotificationOptions",
    "TimeStamps",
    "atis_call_identity",
    "atis_case_identity",
    "atis_correlation_id",
    "atis_correlation_info",
    "atis_iap_system_identity",
    "call_content_link",
    "ccc_id_text",
    "ccc_packet",
    "communication_identifier",
    "conference_party",
    "deregistration",
    "eutra_location",
    "fteid",
    "gpsi",
    "guti",
    "ias_ip_address",
    "ias_value",
    "imei_octets",
    "imsi_octets",
    "ip_address",
    "ip_packet_segment",
    "location",
    "location_update",
    "media_information",
    "msisdn_octets",
    "network_identifier",
    "nr_location",
    "parse_ccc_packet",
    "party_id",
    "party_identity",
    "party_information",
    "pc_call_id",
    "pc_call_id_from_bcid",
    "pc_case_id",
    "pc_ccc_id",
    "pc_ccc_id_pair",
    "pdu_session_establishment",
    "pdu_session_modification",
    "pdu_session_release",
    "pei",
    "registration",
    "signaling_messages",
    "snssai",
    "stream_identifier",
    "supi",
    "target_identifier",
    "tbcd",
    "tbcd_digits",
    "threegpp_hi1_pdu",
    "time_stamp",
    "ue_endpoint",
]
