"""What the two delivery clients share besides the pump: their settings, checked once
(docs/delivery.md, "The blocking client" and "The asyncio client").

:class:`PumpTransport` takes the arguments of
:class:`~lawful_intercept.delivery.DeliveryClient` and
:class:`~lawful_intercept.delivery.AsyncDeliveryClient`, refuses an insecure set-up
(:func:`~lawful_intercept.delivery._tls.check_client_context`), checks the timings and makes
the :class:`~lawful_intercept.delivery._pump.DeliveryPump` the transport drives. The
transports add the I/O: connect, TLS, read, write, wait, wake.
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from .._checks import require_number
from ._pump import ClientStats, DeliveryPump
from ._sender import HandoverSession
from ._spool import Spool
from ._tls import Pins, check_client_context

__all__ = ["PumpTransport", "StartedInContext", "describe_error"]


def describe_error(exc: BaseException) -> str:
    """An exception as ``stats().last_error`` shows it: ``"TypeName: text"``."""
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


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
    ) -> None:
        pins = check_client_context(ssl_context, insecure_plain_tcp=insecure_plain_tcp,
                                    pinned_sha256=pinned_sha256)
        self.pump = DeliveryPump(spool, session_factory, max_buffered_bytes=max_buffered_bytes,
                                 reconnect_initial=reconnect_initial,
                                 reconnect_max=reconnect_max, jitter=jitter, rng=rng)
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
        self._setup()

    def _setup(self) -> None:
        """The transport's own state (called at the end of ``__init__``)."""

    def stats(self) -> ClientStats:
        """Counters since construction (:class:`ClientStats`)."""
        return self.pump.stats()

    def next_delay(self) -> float:
        """The back-off before the next attempt (see :meth:`DeliveryPump.next_delay`)."""
        return self.pump.next_delay()

    def connect_failed(self, exc: OSError) -> None:
        """Count a failed connection attempt and keep its reason."""
        self.pump.connect_failed(f"connect to {self.host}:{self.port} failed: "
                                 f"{describe_error(exc)}")
