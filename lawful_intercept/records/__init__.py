"""Typed record builders over the compiled specifications (ETSI TS 102 232 and others).

A builder takes what a mediation function knows — a session's identity, an event, a packet —
and writes complete, correlated PDUs. :class:`PSPDUBuilder` is the TS 102 232-1 layer
(header, sequence numbers, time stamps, IRI/CC/TRI/HI1 payloads); the service modules add the
payloads of each service (:mod:`.ip_access` for TS 102 232-3).
"""

from .ip_access import IPAccessRecords, ip_address
from .ps import PSPDUBuilder, TimeStamps

__all__ = ["IPAccessRecords", "PSPDUBuilder", "TimeStamps", "ip_address"]
