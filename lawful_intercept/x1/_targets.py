"""The target identifier kinds of X1 TargetIdentifier (TS 103 221-1 clause 6.2.1.2, with the
TS 103 280 types) and the mapping from HI-1 target formats (TS 103 120 clause 8.2) to them."""

from __future__ import annotations

from ._types import HEX, TEXT, SimpleType, enumeration, integer, pattern

__all__ = ["HI1_TARGET_FORMATS", "STRUCTURED_TARGET_KINDS", "TARGET_KINDS"]

_URI_CHARS = r"[a-zA-Z0-9!#$&-;=?-\[\]_~%]+"
_IPV4 = r"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
_EMAIL = (r"[a-zA-Z0-9.!#$%&'*+\\/=?^_`{|}~\-]+@[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
          r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*")
_IMSI = pattern(r"[0-9]{6,15}", "IMSI (6 to 15 digits)")
_IMEI = pattern(r"[0-9]{14}", "IMEI (14 digits)")
_E164 = pattern(r"[0-9]{1,15}", "InternationalE164 (1 to 15 digits)")

TARGET_KINDS: dict[str, SimpleType] = {
    "e164Number": _E164,
    "imsi": _IMSI,
    "imei": _IMEI,
    "macAddress": pattern(r"([a-f0-9]{2}:){5}[a-f0-9]{2}", "MACAddress"),
    "ipv4Address": pattern(_IPV4, "IPv4Address"),
    "ipv6Address": pattern(r"([0-9a-f]{4}:){7}([0-9a-f]{4})",
                           "IPv6Address (eight groups of four lower-case hex digits)"),
    "ipv6Cidr": pattern(r"([0-9a-f]{4}:){7}([0-9a-f]{4})/(([1-9][0-9]?)|(1[0-1][0-9])|"
                        r"(12[0-8]))", "IPv6CIDR"),
    "tcpPort": integer("TCPPort", 2, 65535),
    "udpPort": integer("UDPPort", 0, 65535),
    "emailAddress": pattern(_EMAIL, "EmailAddress", max_length=255),
    "internationalizedEmailAddress": pattern(r".+@.+", "InternationalizedEmailAddress",
                                             token=False, max_length=255),
    "sipUri": pattern(r"sips?:" + _URI_CHARS, "SIPURI"),
    "telUri": pattern(r"tel:" + _URI_CHARS, "TELURI"),
    "h323Uri": pattern(r"h323:" + _URI_CHARS, "H323Uri", token=False),
    "impu": pattern(_URI_CHARS, "Impu", token=False),
    "impi": pattern(_URI_CHARS, "Impi", token=False),
    "nai": TEXT,
    "radiusAttribute": HEX,
    "gtpuTunnelId": integer("GtpTunnelId", 0, 4294967296),
    "gtpcTunnelId": integer("GtpTunnelId", 0, 4294967296),
    "callPartyRole": enumeration("CallPartyRole", "Originating", "Terminating", "Forwarded-To"),
    "nonLocalIdentifier": enumeration("NonLocalIdentifier", "Local", "NonLocal"),
    "supiimsi": _IMSI,
    "supinai": TEXT,
    "suci": HEX,
    "peiImei": _IMEI,
    "peiImeiCheckDigit": pattern(r"[0-9]{15}", "IMEICheckDigit (15 digits)"),
    "peiImeisv": pattern(r"[0-9]{16}", "IMEISV (16 digits)"),
    "gpsiMsisdn": pattern(r"[0-9]{1,15}", "GPSIMSISDN (1 to 15 digits)"),
    "gpsiNai": TEXT,
    "eui64": integer("EUI64 (xs:long)", -(2**63), 2**63 - 1),
}
"""The TargetIdentifier kinds whose value is one simple type (element name → type)."""

STRUCTURED_TARGET_KINDS = ("ipv4Cidr", "tcpPortRange", "udpPortRange", "hashedIdentifier",
                           "targetIdentifierExtension")
"""The TargetIdentifier kinds with structured values: ``ipv4Cidr`` (text ``a.b.c.d/n``, or an
IPv6 CIDR, written in the TS 103 280 IPCIDR choice), the port ranges
(:class:`~lawful_intercept.x1.PortRange`), ``hashedIdentifier``
(:class:`~lawful_intercept.x1.HashedIdentifier`) and the extension (raw XML)."""

HI1_TARGET_FORMATS: dict[tuple[str, str], str] = {
    ("ETSI", "InternationalE164"): "e164Number",
    ("ETSI", "IMSI"): "imsi",
    ("ETSI", "IMEI"): "imei",
    ("ETSI", "IMEICheckDigit"): "peiImeiCheckDigit",
    ("ETSI", "IMEISV"): "peiImeisv",
    ("ETSI", "IPv4Address"): "ipv4Address",
    ("ETSI", "IPv6Address"): "ipv6Address",
    ("ETSI", "IPv4CIDR"): "ipv4Cidr",
    ("ETSI", "IPv6CIDR"): "ipv6Cidr",
    ("ETSI", "MACAddress"): "macAddress",
    ("ETSI", "EmailAddress"): "emailAddress",
    ("ETSI", "SIPURI"): "sipUri",
    ("ETSI", "TELURI"): "telUri",
    ("ETSI", "NAI"): "nai",
    ("ETSI", "SUPIIMSI"): "supiimsi",
    ("ETSI", "SUPINAI"): "supinai",
    ("ETSI", "SUCI"): "suci",
    ("ETSI", "PEIIMEI"): "peiImei",
    ("ETSI", "PEIIMEICheckDigit"): "peiImeiCheckDigit",
    ("ETSI", "PEIIMEISV"): "peiImeisv",
    ("ETSI", "GPSIMSISDN"): "gpsiMsisdn",
    ("ETSI", "GPSINAI"): "gpsiNai",
    ("ETSI", "IMPU"): "impu",
    ("ETSI", "IMPI"): "impi",
    ("ETSI", "EUI64"): "eui64",
}
"""HI-1 target formats (TS 103 120 TargetIdentifier FormatOwner/FormatName, ETSI
TS 103 280 type names) → the X1 TargetIdentifier kind the ADMF sends."""
