"""The handover sessions the ``send`` and ``demo`` commands open, one kind per PDU type.

See ``docs/cli.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..asn1c import Specification
from ..catalog import PS_PDU
from ..correlation import NetworkIdentifier, SessionIdentity
from ..delivery import HandoverSession
from ..records import PSPDUBuilder

__all__ = ["session_factory"]


def session_factory(spec: Specification, pdu_type: str, first: bytes,
                    **options: Any) -> Callable[[], HandoverSession]:
    """A maker of :class:`HandoverSession` for a stream of ``pdu_type`` whose first PDU is
    ``first``.

    PS-PDU streams get TRI PDUs (keep-alive, acknowledgement, TS 102 232-1 6.4) with the
    LIID and network identifier of ``first``, CIN 0 and their own sequence numbers, as
    OpenLI sends them; ``options`` go to the session. Other types (ATIS, PacketCable CDC)
    have no TRI PDUs: a record counts as delivered once the LEMF answered the orderly close
    that follows it (docs/delivery.md, "What proves delivery")."""
    if pdu_type != PS_PDU:
        return lambda: HandoverSession(spec, tri=None, pdu_type=pdu_type, resend_window=0,
                                       resend_window_seconds=0)
    header = spec.decode(PS_PDU, first)["pSHeader"]
    network = header["communicationIdentifier"]["networkIdentifier"]
    tri = PSPDUBuilder(SessionIdentity(
        header["lawfulInterceptionIdentifier"],
        NetworkIdentifier(network["operatorIdentifier"], network.get("networkElementIdentifier")),
        0), spec=spec)
    return lambda: HandoverSession(spec, tri=tri, **options)
