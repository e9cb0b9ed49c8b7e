"""What the file readers and writers share: file names, and the numbers of the pcap link
types and TCP flags that both the capture writer and the capture reader use.

See ``docs/records.md`` (files) and ``docs/cli.md``.
"""

from __future__ import annotations

import os
from enum import IntEnum

__all__ = ["ACK", "FIN", "PSH", "RST", "SYN", "LinkType", "StrPath"]

StrPath = str | os.PathLike[str]
"""A file name: text or a path object."""


class LinkType(IntEnum):
    """pcap/pcapng link types (the tcpdump.org LINKTYPE_ registry) read or written here."""

    NULL = 0
    """BSD loopback, host byte order family."""
    ETHERNET = 1
    """Ethernet II (IEEE 802.3)."""
    RAW = 101
    """Raw IPv4 or IPv6."""
    LOOP = 108
    """OpenBSD loopback, network byte order family."""
    LINUX_SLL = 113
    """Linux cooked capture."""
    IPV4 = 228
    """Raw IPv4."""
    IPV6 = 229
    """Raw IPv6."""
    LINUX_SLL2 = 276
    """Linux cooked capture v2."""


# The TCP control bits used here (RFC 9293 3.1).
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
