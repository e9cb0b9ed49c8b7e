"""The hardened XML parser every HI-1 input goes through.

A DOCTYPE (and with it every DTD, entity declaration and external reference) is refused
before and after parsing, the parser never loads a DTD, resolves an entity or touches the
network, and input larger than ``max_bytes`` is refused unread: an XXE or billion-laughs
document gets a :class:`~lawful_intercept.errors.WarrantFormatError`, nothing is fetched.
"""

from __future__ import annotations

import re

from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_bytes, require_int
from ..errors import WarrantFormatError

__all__ = ["DEFAULT_MAX_BYTES", "parse_xml"]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
"""The largest HI-1 message read by default (4 MiB; a warrant with a scanned document fits)."""

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root element of ``data``, parsed with the hardened parser (see the module
    docstring); :class:`~lawful_intercept.errors.WarrantFormatError` for hostile, oversized or
    malformed input."""
    data = require_bytes(data, "data")
    require_int(max_bytes, "max_bytes", low=1)
    if len(data) > max_bytes:
        raise WarrantFormatError(f"message is {len(data)} bytes, more than the limit of "
                                 f"{max_bytes}", "HI1Message")
    if _DOCTYPE.search(data) or _DOCTYPE.search(_ascii_view(data)):
        raise WarrantFormatError("a DOCTYPE or ENTITY declaration is not allowed in an HI-1 "
                                 "message (DTDs, entities and external references are refused)",
                                 "HI1Message")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise WarrantFormatError(f"not well-formed XML: {exc}", "HI1Message") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise WarrantFormatError("a DOCTYPE is not allowed in an HI-1 message", "HI1Message")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise WarrantFormatError("an entity reference is not allowed in an HI-1 message",
                                     "HI1Message")
    return root


def _ascii_view(data: bytes) -> bytes:
    """``data`` with the NUL bytes of a UTF-16/32 encoding dropped, so that a DOCTYPE
    written in a wide encoding is found too."""
    return data[:4096].replace(b"\x00", b"")
