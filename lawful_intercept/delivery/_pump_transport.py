"""What the two delivery clients share besides the pump: their settings, checked once, what
the start and the end of a connection mean (refusals, the last error, an orderly close for
proof), and ``with`` / ``async with`` (docs/delivery.md, "The blocking client" and "The
asyncio client").

:class:`PumpTransport` takes the arguments of
:class:`~lawful_intercept.delivery.DeliveryClient` and
:class:`~lawful_intercept.delivery.AsyncDeliveryClient`, refuses an insecure set-up
(:func:`~lawful_intercept.delivery._tls.check_client_context`), checks the timings and makes
the :class:`~lawful_intercept.delivery._pump.DeliveryPump` the transport drives. The
transports add the I/O: connect, TLS, read, write, wait, wake.
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Self

from .._checks import require_int, require_number, type_name
from ..errors import DeliveryRefused, PinMismatch
from ._notices import NoticeCallback, Notifier
from ._pump import ClientStats, DeliveryPump
from ._routing import Destination
from ._sender import HandoverSession
from ._spool import Spool
from ._tls import Pins, check_client_context

_EXPIRED: Final = 10  # X509_V_ERR_CERT_HAS_EXPIRED

__all__ = ["PEER_CLOSED", "PROOF_CLOSE", "PumpTransport", "StartedInAsyncContext",
           "StartedInContext", "describe_error", "refusal_of"]

PEER_CLOSED: Final = "the peer closed the connection"
"""The reason of a connection the peer closed (end of stream)."""
PROOF_CLOSE: Final = "closed by us to prove delivery"
"""The reason a transport ends a connection it closes orderly to prove delivery
(:meth:`~lawful_intercept.delivery.DeliveryPump.close_wanted`)."""

# TLS alerts (RFC 8446 6.2, RFC 5246 7.2.2) by which a server refuses our certificate, and
# those by which it refuses the handshake itself: retrying the same set-up cannot heal them.
_CERTIFICATE_ALERTS: Final = frozenset({
    "bad_certificate", "unsupported_certificate", "certificate_revoked",
    "certificate_expired", "certificate_unknown", "unknown_ca", "access_denied",
    "certificate_required", "decrypt_error"})
_HANDSHAKE_ALERTS: Final = frozenset({
    "handshake_failure", "protocol_version", "insufficient_security", "illegal_parameter",
    "no_application_protocol", "unrecognized_name"})
_ALERT: Final = re.compile(r"ALERT_([A-Z_]+)")


def describe_error(exc: BaseException) -> str:
    """An exception as ``stats().last_error`` shows it: ``"TypeName: text"``."""
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def refusal_of(exc: BaseException) -> str | None:
    """If ``exc`` is a refusal that retrying cannot heal, what it means: the LEMF's TLS
    alert refusing our certificate or the handshake, the LEMF's certificate failing our
    verification (untrusted, expired, wrong name), or a pin mismatch. ``None`` for any
    other failure (a network error, a timeout, a peer that closed without an alert)."""
    if isinstance(exc, PinMismatch):
        return f"the LEMF's certificate is not the pinned one: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or exc.reason or str(exc)
        if exc.verify_code == _EXPIRED:
            return f"the LEMF's certificate has expired ({why})"
        return f"the LEMF's certificate is not trusted ({why})"
    if isinstance(exc, ssl.SSLError):
        match = _ALERT.search(exc.reason or str(exc))
        if match is not None:
            alert = match.group(1).lower()
            if alert in _CERTIFICATE_ALERTS:
                return f"the LEMF refused our certificate (alert {alert})"
            if alert in _HANDSHAKE_ALERTS:
                return f"the LEMF refused the handshake (alert {alert})"
    return None


class StartedInContext:
    """``with service:`` calls ``service.start()`` and, at the end, ``service.close()`` (for
    the delivery clients and :class:`~lawful_intercept.delivery.HandoverDelivery`)."""

    def start(self) -> object:
        """Start the service."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop the service and release what it holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class StartedInAsyncContext:
    """``async with service:`` calls ``service.start()`` and, at the end, ``await
    service.aclose()`` (for :class:`~lawful_intercept.delivery.AsyncDeliveryClient` and
    :class:`~lawful_intercept.delivery.AsyncHandoverDelivery`)."""

    def start(self) -> object:
        """Start the service on the running event loop."""
        raise NotImplementedError

    async def aclose(self) -> object:
        """Stop the service and release what it holds."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()


class PumpTransport:
    """The settings of a delivery client and its :attr:`pump` (see
    :class:`~lawful_intercept.delivery.DeliveryClient` for the arguments)."""

    def __init__(
        self,
        host: str,
        port: int,
        spool: Spool,
        session_factory: Callable[[], HandoverSession],
        *,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str | None = None,
        insecure_plain_tcp: bool = False,
        pinned_sha256: Pins = None,
        reconnect_initial: float = 1.0,
        reconnect_max: float = 60.0,
        jitter: float = 0.2,
        connect_timeout: float = 10.0,
        write_timeout: float = 30.0,
        poll_interval: float = 0.5,
        max_buffered_bytes: int = 4 << 20,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        max_refusals: int | None = None,
        on_event: NoticeCallback | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if not isinstance(host, str) or not host:
            raise ValueError(f"host must be a non-empty host name or address, got {host!r}")
        require_int(port, "port", low=1, high=65535)
        if server_hostname is not None and (not isinstance(server_hostname, str)
                                            or not server_hostname):
            raise ValueError("server_hostname must be a non-empty name or None, got "
                             f"{server_hostname!r}")
        if not callable(clock):
            raise TypeError(f"clock must be callable, not {type_name(clock)}")
        self.max_refusals = (None if max_refusals is None
                             else require_int(max_refusals, "max_refusals", low=1))
        pins = check_client_context(ssl_context, insecure_plain_tcp=insecure_plain_tcp,
                                    pinned_sha256=pinned_sha256)
        self.notify = Notifier(f"{host}:{port}", logger or logging.getLogger(
            type(self).__module__), on_event)
        """Logs the client's notices and hands them to ``on_event``."""
        self.pump = DeliveryPump(spool, session_factory, max_buffered_bytes=max_buffered_bytes,
                                 reconnect_initial=reconnect_initial,
                                 reconnect_max=reconnect_max, jitter=jitter, rng=rng,
                                 notify=self.notify)
        """The sans-IO delivery pump this transport drives."""
        self.host = host
        self.port = port
        self.spool = spool
        self.session_factory = session_factory
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname if server_hostname is not None else host
        self.pinned_sha256 = pins
        self.connect_timeout = require_number(connect_timeout, "connect_timeout", low=0,
                                              low_open=True)
        self.write_timeout = require_number(write_timeout, "write_timeout", low=0,
                                            low_open=True)
        self.poll_interval = require_number(poll_interval, "poll_interval", low=0,
                                            low_open=True)
        self.clock = clock
        self.died: BaseException | None = None
        """The exception that ended the delivery loop unexpectedly (``None`` while it runs or
        ended normally); raised again by ``wait_idle()`` and ``close()``."""
        self._setup()

    @classmethod
    def to(cls, destination: Destination, spool: Spool,
           session_factory: Callable[[], HandoverSession], *,
           ssl_context: ssl.SSLContext | None, **options: Any) -> Self:
        """The client for one agency address: ``destination``'s host, port, certificate
        name and pins (:class:`~lawful_intercept.delivery.Destination`); ``options`` are the
        other keyword arguments of the constructor."""
        if not isinstance(destination, Destination):
            raise TypeError("destination must be a Destination, not "
                            f"{type(destination).__name__}")
        own = sorted({"host", "port", "server_hostname", "pinned_sha256"} & options.keys())
        if own:
            raise ValueError(f"{', '.join(own)}: given by the Destination")
        return cls(destination.host, destination.port, spool, session_factory,
                   ssl_context=ssl_context, server_hostname=destination.server_hostname,
                   pinned_sha256=destination.pinned_sha256, **options)

    def _setup(self) -> None:
        """The transport's own state (called at the end of ``__init__``)."""

    def stats(self) -> ClientStats:
        """Counters since construction (:class:`ClientStats`)."""
        return self.pump.stats()

    def next_delay(self) -> float:
        """The back-off before the next attempt (see :meth:`DeliveryPump.next_delay`)."""
        return self.pump.next_delay()

    @property
    def gave_up(self) -> bool:
        """Whether ``max_refusals`` refusals that cannot heal came in a row: the loop ends and
        ``wait_idle()`` raises :class:`~lawful_intercept.errors.DeliveryRefused`."""
        return self.max_refusals is not None and self.pump.stats().refused >= self.max_refusals

    def check(self) -> None:
        """Raise what ended the loop: the exception of a worker that died, or
        :class:`~lawful_intercept.errors.DeliveryRefused` once :attr:`gave_up`."""
        if self.died is not None:
            raise self.died
        if self.gave_up:
            stats = self.pump.stats()
            raise DeliveryRefused(f"{self.host}:{self.port}: {stats.refusal} ({stats.refused} "
                                  f"times in a row; {stats.queued} records kept in the spool)")

    def idle_left(self, deadline: float, now: float) -> float | None:
        """A step of ``wait_idle``: raise what ended the loop (:meth:`check`); ``None`` once
        the spool has nothing pending, else the seconds from ``now`` to ``deadline``."""
        self.check()
        if self.spool.stats().queued == 0:
            return None
        return deadline - now

    def worker_died(self, exc: BaseException) -> None:
        """The delivery loop ended on ``exc``, a bug or a misuse (e.g. a ``session_factory``
        that does not make sessions): kept for :meth:`check`, in ``stats().last_error``, and
        reported."""
        self.died = exc
        self.pump.set_error(describe_error(exc))
        self.notify("worker-died", f"the delivery loop died: {describe_error(exc)}")
        self.notify.logger.error("%s: the delivery loop died", self.notify.destination,
                                 exc_info=exc)

    def connect_failed(self, exc: OSError) -> None:
        """Count a failed connection attempt and keep its reason (a refusal that cannot heal
        is reported as such)."""
        refusal = refusal_of(exc)
        reason = (f"connect to {self.host}:{self.port} failed: "
                  f"{refusal or describe_error(exc)}")
        self.pump.connect_failed(reason)
        if refusal is not None:
            self.pump.refused(reason, permanent=True, connected=False)
        else:
            self.notify("connect-failed", reason)

    def connection_ended(self, exc: BaseException) -> str:
        """Why an established connection ended on ``exc``: under TLS 1.3 the LEMF's refusal
        of our certificate arrives only after our side of the handshake completed, on the
        first read or at the close; such a connection is not counted."""
        refusal = refusal_of(exc)
        if refusal is not None:
            self.pump.refused(refusal, permanent=True, connected=True)
            return refusal
        return describe_error(exc)

    @staticmethod
    def ended_by_peer(reason: str) -> bool:
        """Whether a connection that ended for ``reason`` (as :meth:`DeliveryPump.events` and
        the transports word it) was ended by the peer: closed, or a protocol error."""
        return reason == PEER_CLOSED or reason.startswith("protocol error from the peer")

    def connected(self) -> None:
        """A connection is up: the pump starts its session; reported."""
        self.pump.connected(self.clock())
        self.notify("connected", "connected")

    def orderly_close_due(self, reason: str) -> bool:
        """Whether a connection that ended its loop for ``reason`` is to be closed orderly
        to prove delivery: the loop asked for it, or the client stops with records the
        pump wants proven (:meth:`DeliveryPump.close_wanted`)."""
        return reason == PROOF_CLOSE or (reason == "stopped" and self.pump.close_wanted(
            backlog=False, stopping=True))

    def disconnected(self, reason: str, *, by_peer: bool) -> list[int]:
        """The connection is gone for ``reason``: kept as the last error unless we stopped
        or closed it, reported, and told to the pump. The record ids now proven delivered,
        to acknowledge in the spool."""
        if reason not in ("stopped", "closed", PROOF_CLOSE):
            self.pump.set_error(reason)
        self.notify("disconnected", f"disconnected: {reason}")
        return self.pump.disconnected(self.clock(), reason, by_peer=by_peer)
