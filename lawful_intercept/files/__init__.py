"""Handover PDUs in files: raw BER, pcap/pcapng captures and JSON Lines.

* **Raw BER** (:func:`write_ber`, :func:`read_ber`): the PDUs back to back, exactly as they
  travel over a handover connection (ETSI TS 102 232-1 clause 6), framed on reading by
  :class:`~lawful_intercept.stream.PDUReader`.
* **Captures** (:func:`write_pcap`, :func:`write_pcapng`, :func:`read_pcap`): the PDUs as one
  TCP connection in a libpcap file (the classic format of ``tcpdump``/libpcap, "pcap-savefile"
  and draft-ietf-opsawg-pcap) or a pcapng file (draft-ietf-opsawg-pcapng: Section Header,
  Interface Description and Enhanced Packet Blocks), so that Wireshark/tshark shows them as a
  handover would look on the wire; and reading such captures back, including ones taken from
  real networks, with TCP reassembly (RFC 9293 sequence numbers).
* **JSON** (:func:`to_json`, :func:`from_json`, :func:`write_jsonl`): values as JSON, following
  the JSON encoding rules of ITU-T X.697 (JER) where they fit, and one JSON object per PDU.

Captures written here use documentation addresses (RFC 5737 ``192.0.2.1`` for the sender, the
mediation function, and ``192.0.2.2`` for the receiver, the LEMF; RFC 3849 ``2001:db8::/32``
when IPv6 addresses are given) and locally administered MAC addresses.

See ``docs/records.md``. The implementation: ``_ber_files`` (raw BER), ``_pcap_write``
(captures with TCP synthesis), ``_pcap_read`` (captures with TCP reassembly), ``_json`` (JSON
values and JSON Lines), ``_common`` (what they share).
"""

from ._ber_files import read_ber, write_ber
from ._json import from_json, pdu_to_json, to_json, write_jsonl
from ._pcap_read import CapturedPDU, TcpFlow, read_ip_packets, read_pcap
from ._pcap_write import (
    DEFAULT_CLIENT,
    DEFAULT_CLIENT_PORT,
    DEFAULT_PORT,
    DEFAULT_SERVER,
    CaptureOptions,
    Timestamp,
    write_pcap,
    write_pcapng,
)

__all__ = [
    "DEFAULT_CLIENT",
    "DEFAULT_CLIENT_PORT",
    "DEFAULT_PORT",
    "DEFAULT_SERVER",
    "CaptureOptions",
    "CapturedPDU",
    "TcpFlow",
    "Timestamp",
    "from_json",
    "pdu_to_json",
    "read_ber",
    "read_ip_packets",
    "read_pcap",
    "to_json",
    "write_ber",
    "write_jsonl",
    "write_pcap",
    "write_pcapng",
]
