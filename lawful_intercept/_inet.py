"""Internet protocol helpers shared by the capture writer and the built-in scenarios.

See ``docs/records.md``.
"""

from __future__ import annotations

import struct

__all__ = ["internet_checksum"]


def internet_checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of IPv4 headers (RFC 791), UDP (RFC 768) and TCP
    (RFC 9293): the ones' complement of the ones' complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
