"""A paced UDP sender for PacketCable call content (CCC): PacketCable Electronic Surveillance
(PKT-SP-ES-DCI) delivers each CCC packet as one UDP datagram to the collection function,
with no connection, acknowledgement or flow control (docs/delivery.md, "PacketCable CCC over
UDP").

UDP gives no proof and no back-pressure: a burst larger than the receiver's socket buffer is
dropped without a word. :class:`CCCSender` therefore paces the datagrams with a token bucket
(:class:`Pacer`: at most ``rate`` packets per second, bursts of at most ``burst``) and can
wait, after every ``burst`` packets, for the caller's sign that the receiver caught up (the
test LEMF's count, in ``demo``). What it counts is what it *sent*, never what arrived.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Self

from .._checks import require_int, require_number
from ._routing import Destination

__all__ = ["MAX_DATAGRAM", "CCCSender", "CCCStats", "Pacer"]

MAX_DATAGRAM: Final = 65_507
"""The largest UDP payload over IPv4 (65 535 - 8 octets UDP header - 20 octets IP header)."""


class Pacer:
    """A token bucket, sans-IO: ``rate`` tokens per second (``None``: no limit), at most
    ``burst`` kept; each packet takes one. :meth:`delay` says how long to wait before the
    next packet at ``now`` and takes its token."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self.rate = None if rate is None else require_number(rate, "rate", low=0,
                                                               low_open=True)
        self.burst = require_int(burst, "burst", low=1)
        self._tokens = float(self.burst)
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait from ``now`` before sending the next packet (0: at once)."""
        rate = self.rate
        if rate is None:
            return 0.0
        if self._last is not None:
            self._tokens = min(float(self.burst),
                               self._tokens + max(0.0, now - self._last) * rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        wait = (1.0 - self._tokens) / rate
        self._tokens = 0.0
        self._last = now + wait
        return wait


@dataclass(frozen=True, slots=True)
class CCCStats:
    """What a :class:`CCCSender` sent: ``packets`` and ``octets`` (handed to the kernel;
    UDP proves no arrival), ``paused`` seconds spent pacing."""

    packets: int
    octets: int
    paused: float


class CCCSender:
    """Sends PacketCable CCC packets as UDP datagrams to ``destination`` (host and port;
    PKT-SP-ES-DCI), paced by a :class:`Pacer` (``rate`` packets per second, ``None`` for no
    limit; bursts of ``burst``). ``sleep`` and ``clock`` are injectable for tests.

    Use ``with CCCSender(...) as sender:``, then :meth:`send` or :meth:`send_many`.
    """

    def __init__(self, destination: Destination, *, rate: float | None = None,
                 burst: int = 64, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        if not isinstance(destination, Destination):
            raise TypeError("destination must be a Destination, not "
                            f"{type(destination).__name__}")
        self.destination = destination
        self.pacer = Pacer(rate, burst)
        self.clock = clock
        self.sleep = sleep
        family = socket.AF_INET6 if ":" in destination.host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_DGRAM)
        self._packets = 0
        self._octets = 0
        self._paused = 0.0

    def send(self, packet: bytes) -> None:
        """Send one CCC packet as one datagram, after the pacing delay. A packet that does
        not fit a datagram raises ``ValueError``; a socket error is raised as it is."""
        data = bytes(packet)
        if not data or len(data) > MAX_DATAGRAM:
            raise ValueError(f"a CCC packet must be 1..{MAX_DATAGRAM} octets to fit a UDP "
                             f"datagram, got {len(data)}")
        wait = self.pacer.delay(self.clock())
        if wait > 0:
            self.sleep(wait)
            self._paused += wait
        self._socket.sendto(data, (self.destination.host, self.destination.port))
        self._packets += 1
        self._octets += len(data)

    def send_many(self, packets: Iterable[bytes], *,
                  caught_up: Callable[[int], object] | None = None) -> int:
        """:meth:`send` each packet; after every ``burst`` packets call ``caught_up(n)``
        (``n``: packets sent by this call so far) so that the caller can wait for the
        receiver. Returns how many were sent. A packet too large for a datagram is refused
        before anything is sent (``ValueError`` naming its index)."""
        items = [bytes(packet) for packet in packets]
        for index, data in enumerate(items):
            if not data or len(data) > MAX_DATAGRAM:
                raise ValueError(f"packets[{index}]: a CCC packet must be 1..{MAX_DATAGRAM} "
                                 f"octets to fit a UDP datagram, got {len(data)}")
        burst = self.pacer.burst
        for n, data in enumerate(items, 1):
            self.send(data)
            if caught_up is not None and n % burst == 0:
                caught_up(n)
        return len(items)

    def stats(self) -> CCCStats:
        """What was sent so far."""
        return CCCStats(self._packets, self._octets, self._paused)

    def close(self) -> None:
        """Release the socket."""
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
