"""X2/X3 (ETSI TS 103 221-2): the PDUs a point of interception sends to the mediation function.

A network element's point of interception (POI) sends intercepted signalling as X2 PDUs (IRI)
and content as X3 PDUs (CC) to the mediation function over mutual TLS, each PDU a 40-octet
header (version, PDU type, header and payload lengths, payload format and direction, the XID
of the task given over X1, a correlation ID), typed conditional attributes and the payload;
keep-alives are answered with an acknowledgement echoing their sequence number.

* The codec, sans-IO: :class:`X2X3Reader` (feed octets, get :class:`X2X3PDU` objects; one
  error type, :class:`~lawful_intercept.errors.X2X3Error`, bounded memory), :func:`decode_pdu`,
  :func:`encode_pdu`, :func:`keepalive`, :func:`keepalive_ack`, :func:`pdu_to_dict` (JSON).
* The transport: :class:`X2X3Listener` (asyncio, mutual TLS, many network elements, a PDU
  counts as received once the consumer returns) and :class:`X2X3Client` (asyncio) and
  :class:`BlockingX2X3Client` for network-element simulators and tests.

See ``docs/x2x3.md``. The implementation: ``_model`` (header and attribute types),
``_attributes`` (attribute values), ``_pdu`` (the PDU), ``_reader``, ``_writer``, ``_json``,
``_listener``, ``_client``.
"""

from ..errors import X2X3Error
from ._client import BlockingX2X3Client, X2X3Client
from ._json import PDU_TYPE_NAMES, attribute_json, pdu_to_dict
from ._listener import (
    DEFAULT_READ_SIZE,
    Consumer,
    ListenerStats,
    NetworkElement,
    X2X3Listener,
)
from ._model import (
    DEFAULT_MAX_PDU_SIZE,
    HEADER_SIZE,
    NIL_XID,
    VERSION_0_5,
    Attribute,
    AttributeType,
    AttributeValue,
    PayloadDirection,
    PayloadFormat,
    PDUType,
    Timestamp,
    attribute_name,
    version_text,
)
from ._pdu import X2X3PDU
from ._reader import LENGTHS_SIZE, X2X3Reader, decode_pdu
from ._writer import encode_pdu, encode_pdus, keepalive, keepalive_ack

__all__ = [
    "DEFAULT_MAX_PDU_SIZE",
    "DEFAULT_READ_SIZE",
    "HEADER_SIZE",
    "LENGTHS_SIZE",
    "NIL_XID",
    "PDU_TYPE_NAMES",
    "VERSION_0_5",
    "X2X3PDU",
    "Attribute",
    "AttributeType",
    "AttributeValue",
    "BlockingX2X3Client",
    "Consumer",
    "ListenerStats",
    "NetworkElement",
    "PDUType",
    "PayloadDirection",
    "PayloadFormat",
    "Timestamp",
    "X2X3Client",
    "X2X3Error",
    "X2X3Listener",
    "X2X3Reader",
    "attribute_json",
    "attribute_name",
    "decode_pdu",
    "encode_pdu",
    "encode_pdus",
    "keepalive",
    "keepalive_ack",
    "pdu_to_dict",
    "version_text",
]
