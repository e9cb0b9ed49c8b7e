"""An asyncio TLS transport for the handover session (ETSI TS 102 232-1 clause 6).

:class:`AsyncDeliveryClient` is :class:`~lawful_intercept.delivery.DeliveryClient` on asyncio
streams, driving the same sans-IO :class:`~lawful_intercept.delivery._pump.DeliveryPump`: the
same refusals (:class:`InsecureTransportError`), the same TLS 1.2 minimum and certificate
pinning, the same back-off and the same statistics (:class:`ClientStats`). The spool's calls
that may wait for the disk (append with its fsync, reading records, acknowledging) run in the
event loop's default thread-pool executor, so the loop never blocks on storage; the pump's
work on the session stays in the loop. See docs/delivery.md, "The asyncio client".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import Iterable
from typing import Any, TypeVar

from ..catalog import PS_PDU, default_specification
from ..errors import InsecureTransportError, SpoolError
from ._pump import ClientStats
from ._pump_transport import (
    PEER_CLOSED,
    PROOF_CLOSE,
    PumpTransport,
    StartedInAsyncContext,
    describe_error,
)
from ._tls import check_pin, close_notify_received

__all__ = ["AsyncDeliveryClient", "ClientStats", "InsecureTransportError"]

_READ_SIZE = 65536
_T = TypeVar("_T")


def _abort(writer: asyncio.StreamWriter) -> None:
    """Abort the connection. Python 3.11 before 3.11.5 or so raised ``AttributeError`` from
    ``abort()`` on a TLS transport whose protocol had already let it go (the connection
    lost, e.g. to the peer's alert or reset): then there is nothing left to abort."""
    with contextlib.suppress(AttributeError):
        writer.transport.abort()


def _prepare_codecs() -> None:
    """Generate what a session of the bundled modules encodes and decodes (the PS-PDU encoder
    and lenient decoder, docs/compiler.md) before the event loop needs it."""
    default_specification().prepare([PS_PDU], strict=False)


def _read_here(value: _T) -> _T | list[Any]:
    """``value`` as a list if it is an iterable of items (not one ``str`` or bytes-like
    value), else ``value`` itself."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray
                                                      | memoryview):
        return list(value)
    return value


class AsyncDeliveryClient(PumpTransport, StartedInAsyncContext):
    """Delivers a spool's records to one LEMF address over TLS, as an asyncio task.

    The arguments are those of :class:`~lawful_intercept.delivery.DeliveryClient`:
    ``session_factory()`` builds the :class:`HandoverSession` of each connection;
    ``ssl_context`` must verify the server (``CERT_REQUIRED`` and ``check_hostname``; its
    ``minimum_version`` is raised to TLS 1.2); ``server_hostname`` (default ``host``) is the
    name checked against the certificate; ``insecure_plain_tcp=True`` with
    ``ssl_context=None`` sends over plain TCP (tests and lab set-ups only);
    ``pinned_sha256`` are SHA-256 fingerprints of the server's certificate, checked after the
    handshake in addition to the verification (see
    :func:`~lawful_intercept.delivery.normalize_pins`).
    Timing: reconnection after ``reconnect_initial`` seconds, doubling up to
    ``reconnect_max``, each delay varied by ±``jitter``; ``connect_timeout`` bounds the TCP
    connect, the TLS handshake and the closing handshake; ``write_timeout`` bounds a write
    (a peer that stops reading); records appended to the spool directly (not via
    :meth:`send`) are picked up within ``poll_interval`` seconds; ``max_buffered_bytes``
    bounds the octets fed into the session ahead of the socket (with more records waiting,
    the next batch follows at once, without waiting ``poll_interval``); ``clock`` gives the
    session's ``now``.

    Use ``async with AsyncDeliveryClient(...) as client:`` (:meth:`run` as a task, stopped
    on exit), :meth:`start` / :meth:`aclose`, or await :meth:`run` (until :meth:`stop`) or
    :meth:`run_once` (one connection) yourself. One event loop at a time; :meth:`stop` and
    :meth:`stats` may be called from any thread.
    """

    def _setup(self) -> None:
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_event = asyncio.Event()  # records to send, or stop
        self._stop_event = asyncio.Event()  # ends the back-off pause
        self._progress = asyncio.Event()  # records were acknowledged
        self._task: asyncio.Task[None] | None = None

    # -- control ----------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run :meth:`run` as a task of the running event loop and return it."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("the delivery client is already running")
        loop = self._bind()
        self._stopping = False
        self._stop_event.clear()
        self._task = loop.create_task(self.run(), name=f"delivery-{self.host}:{self.port}")
        return self._task

    def stop(self) -> None:
        """Ask the loop to end: the connection is closed, what is not acknowledged stays in
        the spool. Returns at once (await :meth:`aclose` to wait); safe from any thread."""
        self._stopping = True
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._signal_stop()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._signal_stop)

    async def aclose(self, timeout: float | None = 10.0) -> bool:
        """:meth:`stop`, then wait up to ``timeout`` seconds for the task of :meth:`start`
        to end (it is cancelled after that). Whether it ended by itself. An exception that
        ended the task is raised here."""
        self.stop()
        task = self._task
        if task is None:
            return True
        ended = True
        if not task.done():
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if not done:
                ended = False
                task.cancel()
                await asyncio.wait({task}, timeout=self.connect_timeout)
        if task.done() and not task.cancelled():
            error = task.exception()
            if error is not None:
                raise error
        if self.died is not None:
            raise self.died
        return ended

    async def send(self, pdu: bytes, *, kind: str = "", key: bytes | str = b"") -> int:
        """Append one encoded PS-PDU to the spool (in the executor: the append waits for the
        fsync of the spool's policy) and wake the loop; return its record id. Cancelling
        this call does not take the record back once the append has started."""
        loop = asyncio.get_running_loop()
        append = functools.partial(self.spool.append, pdu, kind=kind, key=key)
        record_id = await loop.run_in_executor(None, append)
        self._wake_from(loop)
        return record_id

    async def send_many(self, pdus: Iterable[bytes], *, kind: str | Iterable[str] = "",
                        key: bytes | str | Iterable[bytes | str] = b"") -> list[int]:
        """Append encoded PS-PDUs to the spool as one batch (:meth:`Spool.append_many`: all
        or nothing, one fsync for the batch under the ``"always"`` policy; in the executor)
        and wake the loop; return their record ids, in order. ``kind`` and ``key`` are one
        value for every PDU or one per PDU. Every PDU is durable (per the spool's policy)
        when this returns. Cancelling this call does not take the records back once the
        append has started."""
        # Iterables are read here, in the loop's thread, not by the executor's worker: a
        # generator of the caller's may touch state that belongs to the loop. Anything else
        # goes to the spool as given, for its errors.
        records = _read_here(pdus)
        kinds = _read_here(kind)
        keys = _read_here(key)
        loop = asyncio.get_running_loop()
        append = functools.partial(self.spool.append_many, records, kinds=kinds, keys=keys)
        record_ids = await loop.run_in_executor(None, append)
        if record_ids:
            self._wake_from(loop)
        return record_ids

    async def send_batch(self, pdus: Iterable[bytes], *, kind: str = "",
                         key: bytes | str = b"") -> int:
        """:meth:`DeliveryClient.send_batch <lawful_intercept.delivery.DeliveryClient.send_batch>`
        on asyncio: a run of encoded PDUs appended to the spool as ONE record (in the
        executor), stored, delivered, acknowledged and resent as a unit; wakes the loop and
        returns that record's id, or 0 for an empty run. Cancelling this call does not take
        the record back once the append has started."""
        data = b"".join(pdus)
        if not data:
            return 0
        loop = asyncio.get_running_loop()
        append = functools.partial(self.spool.append, data, kind=kind, key=key)
        record_id = await loop.run_in_executor(None, append)
        self._wake_from(loop)
        return record_id

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until the spool has nothing pending (every record proven delivered), at most
        ``timeout`` seconds; whether it is so. Raises the exception that killed the delivery
        loop, or :class:`~lawful_intercept.errors.DeliveryRefused` once ``max_refusals``
        refusals that cannot heal came in a row."""
        loop = self._bind()
        deadline = loop.time() + timeout
        while True:
            self._progress.clear()
            remaining = self.idle_left(deadline, loop.time())
            if remaining is None:
                return True
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, self.poll_interval)):
                    await self._progress.wait()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (and :meth:`start` not since)."""
        return self._stopping

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, deliver and reconnect with back-off until :meth:`stop` (or the spool is
        closed or fails)."""
        self._bind()
        try:
            while not self._stopping:
                try:
                    await self.run_once()
                except SpoolError as exc:  # closed or unusable: nothing left to deliver from
                    self.pump.set_error(f"spool: {describe_error(exc)}")
                    return
                if self._stopping or self.gave_up:
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.next_delay()):
                        await self._stop_event.wait()
        except Exception as exc:
            self.worker_died(exc)
            self._progress.set()

    async def run_once(self) -> bool:
        """One connection: connect, deliver until it fails, ends or :meth:`stop`. Whether a
        connection was established. Errors end up in ``stats().last_error``."""
        self._bind()
        # The sessions' codecs are generated in the executor, never on the loop (only once).
        await asyncio.get_running_loop().run_in_executor(None, _prepare_codecs)
        pump = self.pump
        pump.attempt()
        try:
            reader, writer = await self._connect()
        except OSError as exc:  # ssl.SSLError, TimeoutError and tls.PinMismatch are OSErrors
            self.connect_failed(exc)
            return False
        reason = "closed"
        by_peer = False
        try:
            reason = await self._deliver(reader, writer) or "stopped"
            by_peer = self.ended_by_peer(reason)
            if self.orderly_close_due(reason):
                unproven = await self._close_orderly(reader, writer)
                if unproven is None:
                    await self._acknowledge(pump.close_proven(self.clock()))
                else:
                    reason, by_peer = unproven, True
        except OSError as exc:
            reason = self.connection_ended(exc)
            by_peer = True
        finally:
            writer.close()
            acknowledged = self.disconnected(reason, by_peer=by_peer)
            await self._closed(writer)
            await self._acknowledge(acknowledged)
            if pump.poisoned is not None:
                await asyncio.get_running_loop().run_in_executor(None, pump.bury)
        return True

    # -- internals --------------------------------------------------------------------------

    def _bind(self) -> asyncio.AbstractEventLoop:
        """Tie the client's events to the running loop (new ones if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._wake_event = asyncio.Event()
            self._stop_event = asyncio.Event()
            self._progress = asyncio.Event()
            if self._stopping:
                self._signal_stop()
        return loop

    def _wake_from(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake the delivery loop after an append made on ``loop`` (if it runs there)."""
        if self._loop is loop:
            self._wake_event.set()

    def _signal_stop(self) -> None:
        self._stop_event.set()
        self._wake_event.set()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = self.ssl_context
        try:
            async with asyncio.timeout(self.connect_timeout):
                if context is None:
                    return await asyncio.open_connection(self.host, self.port)
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=context, server_hostname=self.server_hostname,
                    ssl_handshake_timeout=self.connect_timeout,
                    ssl_shutdown_timeout=self.connect_timeout)
        except TimeoutError:
            raise TimeoutError(f"no connection within {self.connect_timeout:g} s") from None
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        try:  # before anything is written; tls.PinMismatch is an OSError
            check_pin(der, self.pinned_sha256)
        except BaseException:
            _abort(writer)
            raise
        return reader, writer

    async def _close_orderly(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> str | None:
        """Close the connection orderly and wait (``connect_timeout``) for the peer's answer:
        over TLS our close_notify answered by the peer's (RFC 8446 6.1), over plain TCP our
        FIN answered by the peer's. ``None`` when answered (what we wrote was read), else
        why not."""
        ssl_object = writer.get_extra_info("ssl_object")
        try:
            async with asyncio.timeout(self.connect_timeout):
                if ssl_object is None:
                    writer.write_eof()
                    while data := await reader.read(_READ_SIZE):
                        self.pump.receive_data(data)
                    return None
                writer.close()
                await writer.wait_closed()
        except TimeoutError:
            return f"no answer to our close within {self.connect_timeout:g} s"
        except OSError as exc:
            return self.connection_ended(exc)
        # asyncio closes alike whether the peer answered our close_notify or dropped the
        # connection: the TLS object tells (its shutdown completes only with the answer).
        try:
            ssl_object.unwrap()
            return close_notify_received(ssl_object)
        except ssl.SSLWantReadError:
            return "the peer closed the connection without answering our close_notify"
        except ssl.SSLError as exc:
            return self.connection_ended(exc)

    async def _closed(self, writer: asyncio.StreamWriter) -> None:
        """Wait (bounded) for a closed connection's closing handshake, else abort it."""
        try:
            async with asyncio.timeout(self.connect_timeout):
                await writer.wait_closed()
        except OSError:  # TimeoutError included; the connection is gone either way
            _abort(writer)
        except BaseException:
            _abort(writer)
            raise

    async def _deliver(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                       ) -> str | None:
        """The life of one connection, from :meth:`connected`: ``None`` when stopped, else
        why the connection must be closed (socket errors are raised)."""
        self.connected()
        pump = self.pump
        wake = self._wake_event
        read: asyncio.Task[bytes] | None = None
        try:
            while not self._stopping:
                wake.clear()
                backlog = await self._feed()
                pump.tick(self.clock(), backlog=backlog)
                await self._acknowledge(pump.events())
                if pump.failure is not None:
                    return pump.failure
                stalled = await self._write(writer)
                if stalled is not None:
                    return stalled
                if pump.close_wanted(backlog=backlog):
                    return PROOF_CLOSE
                if self._stopping:
                    break
                timeout = pump.timeout(self.clock(), backlog=backlog,
                                       poll_interval=self.poll_interval)
                if read is None:
                    read = asyncio.ensure_future(reader.read(_READ_SIZE))
                if not read.done():
                    woken = asyncio.ensure_future(wake.wait())
                    try:
                        await asyncio.wait((read, woken), timeout=timeout,
                                           return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        woken.cancel()
                if not read.done():
                    continue
                data = read.result()
                read = None
                if not data:
                    return PEER_CLOSED
                pump.receive_data(data)
                await self._acknowledge(pump.events())
                if pump.failure is not None:
                    return pump.failure
            return None
        finally:
            if read is not None:
                if not read.done():
                    read.cancel()
                elif not read.cancelled():
                    read.exception()  # retrieved: no "exception never retrieved" warning

    async def _write(self, writer: asyncio.StreamWriter) -> str | None:
        """Write what the pump has; why the connection must end if a write stalls."""
        while data := self.pump.data_to_send():
            writer.write(data)
            try:
                async with asyncio.timeout(self.write_timeout):
                    await writer.drain()
            except TimeoutError:
                return f"write stalled for {self.write_timeout:g} s: the peer does not read"
        return None

    async def _feed(self) -> bool:
        """Feed the session from the spool (the read in the executor); whether there may be
        more to feed at once."""
        pump = self.pump
        room = pump.room()
        if not room:
            return False
        loop = asyncio.get_running_loop()
        entries = await loop.run_in_executor(None, pump.read, room)
        return pump.hand(entries, room)

    async def _acknowledge(self, record_ids: list[int]) -> None:
        """Acknowledge records in the spool (in the executor) and wake :meth:`wait_idle`."""
        if record_ids:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.pump.acknowledge, record_ids)
            self._progress.set()
