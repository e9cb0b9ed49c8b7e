"""Target identifier and delivery address formats (TS 103 120 clause 8.2, TargetIdentifier
FormatType; value syntax from the ETSI TS 103 280 simple types): which formats the library
knows and whether a value is well-formed."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["TARGET_FORMATS", "address_problem", "target_problem"]


def _pattern(regex: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        return "" if compiled.fullmatch(value) else f"{value!r} is not {what}"

    return check


_ipv4 = _pattern(r"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}"
                 r"(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])",
                 "an IPv4 address (TS 103 280 IPv4Address)")


_ipv6 = _pattern(r"([0-9a-f]{4}:){7}[0-9a-f]{4}",
                 "an IPv6 address in TS 103 280 form (eight groups of four lower-case "
                 "hexadecimal digits)")


_SIP = _pattern(r"sips?:[a-zA-Z0-9!#$&-;=?-\[\]_~%]+", "a SIP URI (TS 103 280 SIPURI)")
_TEL = _pattern(r"tel:[a-zA-Z0-9!#$&-;=?-\[\]_~%]+", "a TEL URI (TS 103 280 TELURI)")
_EMAIL = _pattern(r"[a-zA-Z0-9.!#$%&'*+\\/=?^_`{|}~\-]+@[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}"
                  r"[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*",
                  "an e-mail address (TS 103 280 EmailAddress)")

TARGET_FORMATS: dict[tuple[str, str], Callable[[str], str]] = {
    ("ETSI", "InternationalE164"): _pattern(r"[0-9]{1,15}", "an international E.164 number "
                                            "(1 to 15 digits, TS 103 280 InternationalE164)"),
    ("ETSI", "IMSI"): _pattern(r"[0-9]{6,15}", "an IMSI (6 to 15 digits, TS 103 280 IMSI)"),
    ("ETSI", "IMEI"): _pattern(r"[0-9]{14}", "an IMEI (14 digits, TS 103 280 IMEI)"),
    ("ETSI", "IMEICheckDigit"): _pattern(r"[0-9]{15}", "an IMEI with check digit (15 digits)"),
    ("ETSI", "IMEISV"): _pattern(r"[0-9]{16}", "an IMEISV (16 digits)"),
    ("ETSI", "IPv4Address"): _ipv4,
    ("ETSI", "IPv6Address"): _ipv6,
    ("ETSI", "IPv4CIDR"): _pattern(r"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}"
                                   r"(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])/([1-2]?[0-9]|3[0-2])",
                                   "an IPv4 CIDR block (TS 103 280 IPv4CIDR)"),
    ("ETSI", "IPv6CIDR"): _pattern(r"([0-9a-f]{4}:){7}([0-9a-f]{4})/(([1-9][0-9]?)|"
                                   r"(1[0-1][0-9])|(12[0-8]))",
                                   "an IPv6 CIDR block (TS 103 280 IPv6CIDR)"),
    ("ETSI", "MACAddress"): _pattern(r"([a-f0-9]{2}:){5}[a-f0-9]{2}",
                                     "a MAC address (TS 103 280 MACAddress)"),
    ("ETSI", "EmailAddress"): _EMAIL,
    ("ETSI", "SIPURI"): _SIP,
    ("ETSI", "TELURI"): _TEL,
    ("ETSI", "NAI"): _pattern(r"\S+", "a network access identifier"),
}
"""Known target formats (owner, name) with their well-formedness check (an empty string when
the value is well-formed, else the reason). A national profile adds its own entries to the
mapping it passes to :func:`check`."""


def target_problem(owner: str, name: str, value: str,
                   formats: dict[tuple[str, str], Callable[[str], str]] | None = None) -> str:
    """Why ``value`` is not a well-formed target of format ``owner``/``name`` (empty string if
    it is); an unknown format is a problem too."""
    table = TARGET_FORMATS if formats is None else formats
    check = table.get((owner, name))
    if check is None:
        return f"unknown target format {owner}/{name}"
    return check(value)


def address_problem(kind: str, value: str) -> str:
    """Why a textual DeliveryAddress alternative ``kind`` holding ``value`` is not
    well-formed (empty string if it is)."""
    if kind == "IPv4Address":
        return _ipv4(value)
    if kind == "IPv6Address":
        return _ipv6(value)
    if kind == "E164Number":
        return target_problem("ETSI", "InternationalE164", value)
    if kind == "EmailAddress":
        return _EMAIL(value)
    if kind == "FQDN":
        return _pattern(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*"
                        r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?", "an FQDN")(value)
    if kind in ("URL", "FTPAddress"):
        return "" if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+", value) else (
            f"{value!r} is not an absolute URL")
    return ""
