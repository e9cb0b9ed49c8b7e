"""The handover sender's settings: their defaults, the acknowledgement modes, the contract of
the TRI builder, and the checks of what :class:`~lawful_intercept.delivery.HandoverSession`
is given. See docs/delivery.md, "keep-alive" and "acknowledgement".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from .._checks import require_number, type_name
from ..catalog import PS_PDU
from ..records import NumberedPDU
from ._peer import TRIName, component_names

if TYPE_CHECKING:
    from ..asn1c import Specification
    from ..records import PSPDUBuilder

__all__ = [
    "ACKNOWLEDGEMENT_MODES",
    "DEFAULT_ACK_DELAY",
    "DEFAULT_ACK_EVERY",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_KEEP_ALIVE_WAIT",
    "DEFAULT_RESEND_WINDOW",
    "DEFAULT_RESEND_WINDOW_SECONDS",
    "AcknowledgementMode",
    "TRIBuilder",
    "build_tri",
    "check_tri_support",
    "seconds",
    "tri_builder",
]

DEFAULT_KEEP_ALIVE_INTERVAL: Final = 300.0
"""Idle seconds before a keep-alive is sent (OpenLI's default; TS 102 232-1 6.4.5)."""
DEFAULT_KEEP_ALIVE_WAIT: Final = 30.0
"""Seconds a keep-aliveResponse may take before the link is declared dead (OpenLI's default)."""
DEFAULT_ACK_EVERY: Final = 100
"""Records between two pDUAcknowledgementRequests (TS 102 232-1 TRIPayload [12])."""
DEFAULT_ACK_DELAY: Final = 1.0
"""Idle seconds after which records not yet covered by a pDUAcknowledgementRequest get one."""
DEFAULT_RESEND_WINDOW: Final = 10_000
"""Without acknowledgement: a record stays resendable until this many records followed it…"""
DEFAULT_RESEND_WINDOW_SECONDS: Final = 60.0
"""…and this many seconds passed since it was written, with the connection up all along."""

AcknowledgementMode = Literal["off", "request", "negotiate"]
"""``"off"``: no pDUAcknowledgementRequest; ``"request"``: send them, the peer is known to
answer; ``"negotiate"``: offer the ``pDUAcknowledgement`` option first (TS 102 232-1
TRIPayload optionRequest [9]) and acknowledge only if the peer accepts it."""
ACKNOWLEDGEMENT_MODES: Final = ("off", "request", "negotiate")
"""The values of ``HandoverSession(acknowledgement=...)``."""

TRIBuilder = Callable[[tuple[str, Any]], NumberedPDU]
"""A function building a complete TRI PS-PDU (TS 102 232-1 clause 6.4) from a TRIPayload value
such as ``("keep-alive", None)``, numbering it in its own sequence (TS 102 232-1 5.2.5) and
returning it with that sequenceNumber, as
:meth:`PSPDUBuilder.tri_numbered <lawful_intercept.records.PSPDUBuilder.tri_numbered>` does.
The session matches the peer's answers by that number; it never decodes its own PDUs."""


def seconds(value: float, name: str, *, zero: bool = False) -> float:
    """A duration argument as a ``float``: a number of seconds, positive (non-negative with
    ``zero``); ``TypeError`` or ``ValueError`` otherwise."""
    return require_number(value, name, low=0.0, low_open=not zero)


def tri_builder(tri: PSPDUBuilder | TRIBuilder | None) -> TRIBuilder | None:
    """The :data:`TRIBuilder` of ``HandoverSession(tri=...)``: a ``PSPDUBuilder``'s
    ``tri_numbered``, or ``tri`` itself when it is a function."""
    build = cast("TRIBuilder | None", getattr(tri, "tri_numbered", tri))
    if tri is not None and not callable(build):
        raise TypeError("tri must be a PSPDUBuilder or a function building numbered TRI PDUs "
                        f"from a TRIPayload value, not {type_name(tri)}")
    return build


def build_tri(build: TRIBuilder, payload: tuple[str, Any]) -> NumberedPDU:
    """The TRI PDU ``build`` makes for ``payload``, checked against the :data:`TRIBuilder`
    contract (a non-empty PDU and an integer sequenceNumber)."""
    built: object = build(payload)
    if isinstance(built, tuple) and len(built) == 2:
        number, pdu = built
        if (isinstance(number, int) and not isinstance(number, bool)
                and isinstance(pdu, bytes) and pdu):
            return NumberedPDU(number, pdu)
    raise TypeError("the TRI builder must return a NumberedPDU (sequence_number, pdu), "
                    f"not {type_name(built)}")


def check_tri_support(spec: Specification, pdu_type: str, tri: object,
                      acknowledgement: str) -> None:
    """Refuse (``ValueError``) settings the connection cannot honour: an unknown
    acknowledgement mode, TRI PDUs on a stream other than PS-PDU, acknowledgement without TRI
    PDUs, or a TRIPayload (TS 102 232-1 clause 6.4) that lacks an alternative they need."""
    if tri is not None and pdu_type != PS_PDU:
        raise ValueError(f"tri: TRI PDUs exist only on PS-PDU connections (TS 102 232-1 "
                         f"clause 6.4), not with pdu_type={pdu_type!r}: pass tri=None")
    if tri is None and acknowledgement != "off":
        raise ValueError("acknowledgement needs TRI PDUs (pDUAcknowledgementRequest): "
                         "pass a tri builder or acknowledgement='off'")
    if acknowledgement not in ACKNOWLEDGEMENT_MODES:
        raise ValueError(f"acknowledgement must be one of {', '.join(ACKNOWLEDGEMENT_MODES)}"
                         f", got {acknowledgement!r}")
    needed = {TRIName.KEEP_ALIVE, TRIName.KEEP_ALIVE_RESPONSE} if tri is not None else set()
    if acknowledgement != "off":
        needed |= {TRIName.ACK_REQUEST, TRIName.ACK_RESPONSE}
    if acknowledgement == "negotiate":
        needed |= {TRIName.OPTION_REQUEST, TRIName.OPTION_RESPONSE, TRIName.OPTION_COMPLETE}
    missing = sorted(needed - component_names(spec, "TRIPayload"))
    if missing:
        raise ValueError(f"the specification's TRIPayload has no {', '.join(missing)} "
                         "(TS 102 232-1 clause 6.4; an older LI-PS-PDU version?)")
