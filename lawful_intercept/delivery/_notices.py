"""What a delivery client tells its user as it works: one :class:`DeliveryNotice` per fact
(connect, refusal, negotiation, delivery, resend, dead letter, keep-alive failure, worker
death), logged on the module's ``logging`` logger and handed to the ``on_event`` callback of
:class:`~lawful_intercept.delivery.DeliveryClient`,
:class:`~lawful_intercept.delivery.AsyncDeliveryClient` and
:class:`~lawful_intercept.delivery.HandoverDelivery` (docs/delivery.md, "Observability").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from .._checks import type_name

__all__ = ["NOTICE_LEVELS", "DeliveryNotice", "NoticeCallback", "NoticeKind", "Notifier"]

NoticeKind = Literal["connected", "connect-failed", "refused", "negotiated", "delivered",
                     "resend", "disconnected", "keep-alive-failed", "dead-letter",
                     "worker-died"]
"""What a :class:`DeliveryNotice` reports."""

NOTICE_LEVELS: Final[dict[str, int]] = {
    "connected": logging.INFO,
    "connect-failed": logging.WARNING,
    "refused": logging.ERROR,
    "negotiated": logging.INFO,
    "delivered": logging.DEBUG,
    "resend": logging.INFO,
    "disconnected": logging.INFO,
    "keep-alive-failed": logging.WARNING,
    "dead-letter": logging.ERROR,
    "worker-died": logging.CRITICAL,
}
"""The ``logging`` level each kind of notice is logged at."""


@dataclass(frozen=True, slots=True)
class DeliveryNotice:
    """One fact about a delivery (docs/delivery.md, "Observability").

    ``kind``: :data:`NoticeKind`; ``destination``: ``"host:port"`` of the LEMF address;
    ``message``: the fact in words, as logged. ``record_ids``: the spool records concerned
    (``"delivered"``, ``"resend"``, ``"dead-letter"``). For a ``"dead-letter"``:
    ``liid`` (the record's key, or the LIID of its PS-PDU header, when known),
    ``record_kind`` (the kind stored with it) and ``offset`` (the octet of the connection's
    stream at which the record started on the last connection it broke)."""

    kind: NoticeKind
    destination: str
    message: str
    record_ids: tuple[int, ...] = ()
    liid: str | None = None
    record_kind: str | None = None
    offset: int | None = None


NoticeCallback = Callable[[DeliveryNotice], object]
"""The ``on_event`` argument: called in the client's thread (or event loop) for each
notice; an exception it raises is logged and ignored (it cannot stop the delivery)."""


class Notifier:
    """Logs notices for ``destination`` on ``logger`` and hands them to ``callback``."""

    def __init__(self, destination: str, logger: logging.Logger,
                 callback: NoticeCallback | None) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"on_event must be callable or None, not {type_name(callback)}")
        self.destination = destination
        self.logger = logger
        self.callback = callback

    def wants(self, kind: NoticeKind) -> bool:
        """Whether a notice of ``kind`` would be seen (a callback, or its log level on)."""
        return self.callback is not None or self.logger.isEnabledFor(NOTICE_LEVELS[kind])

    def __call__(self, kind: NoticeKind, message: str, *, record_ids: tuple[int, ...] = (),
                 liid: str | None = None, record_kind: str | None = None,
                 offset: int | None = None) -> None:
        """Log and hand over one notice."""
        level = NOTICE_LEVELS[kind]
        if self.callback is None and not self.logger.isEnabledFor(level):
            return
        self.logger.log(level, "%s: %s", self.destination, message)
        if self.callback is not None:
            notice = DeliveryNotice(kind, self.destination, message, record_ids, liid,
                                    record_kind, offset)
            try:
                self.callback(notice)
            except Exception:
                self.logger.exception("%s: the on_event callback failed on %s", self.destination,
                                      kind)
