"""Typed record builders over the compiled specifications.

A builder takes what a mediation function knows — a session's identity, an event, a packet —
and writes complete, correlated PDUs (see docs/records.md):

* :class:`PSPDUBuilder`: ETSI TS 102 232-1 PS-PDUs (header, sequence numbers, time stamps,
  IRI/CC/TRI/HI1 payloads, segmentation), with the services of TS 102 232-2
  (:class:`EmailRecords`), -3 (:class:`IPAccessRecords`), -5 (:class:`IPMMRecords`), -6
  (:class:`PstnIsdnRecords`) and -7 (:class:`MobileRecords`, 3GPP TS 33.128), and
  :class:`HI1Operations`;
* :class:`HI2Records`: ETSI TS 101 671 HI2 IRI records;
* :class:`PacketCableRecords`: PacketCable CDC messages and CCC packets;
* :class:`LAESRecords` and :class:`IASRecords`: ATIS-1000678 and ATIS-1000013 messages and
  CC-APDUs.
"""

from .atis import IASRecords, LAESRecords
from .email import EmailRecords
from .hi1 import HI1Operations
from .hi2 import HI2Records
from .ip_access import IPAccessRecords, ip_address
from .ipmm import IPMMRecords, stream_identifier
from .mobile import MobileRecords
from .packetcable import PacketCableRecords, ccc_packet, parse_ccc_packet
from .ps import NumberedPDU, PSPDUBuilder, TimeStamps
from .pstn import PstnIsdnRecords
from .segments import Reassembler

__all__ = [
    "EmailRecords",
    "HI1Operations",
    "HI2Records",
    "IASRecords",
    "IPAccessRecords",
    "IPMMRecords",
    "LAESRecords",
    "MobileRecords",
    "NumberedPDU",
    "PSPDUBuilder",
    "PacketCableRecords",
    "PstnIsdnRecords",
    "Reassembler",
    "TimeStamps",
    "ccc_packet",
    "ip_address",
    "parse_ccc_packet",
    "stream_identifier",
]
