"""Running a :class:`~lawful_intercept.lemf.LEMF`: in a background thread, or as a blocking
process until SIGINT/SIGTERM; and the TLS material a LEMF reads from files.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import ssl
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from ..catalog import PS_PDU
from ..errors import Error, LEMFConfigError
from ..integrity import VerifyingKey
from ._metrics import serve_metrics
from ._server import LEMF

__all__ = ["LEMFThread", "load_verify_key", "run_lemf", "server_context"]

log = logging.getLogger("lawful_intercept.lemf")

_T = TypeVar("_T")


def server_context(cert: str | os.PathLike[str], key: str | os.PathLike[str],
                   client_ca: str | os.PathLike[str]) -> ssl.SSLContext:
    """A LEMF's TLS context from PEM files: TLS 1.2 or later, presenting ``cert`` (with its
    private ``key``), requiring a client certificate issued by a CA of ``client_ca``.
    Raises :class:`LEMFConfigError` naming the file that does not load."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for what, path in (("cert", cert), ("key", key), ("client_ca", client_ca)):
        if not os.path.isfile(path):
            raise LEMFConfigError(f"{os.fspath(path)}: no such file", what)
    try:
        context.load_cert_chain(os.fspath(cert), os.fspath(key))
    except (OSError, ssl.SSLError) as exc:
        raise LEMFConfigError(f"cannot load the certificate {os.fspath(cert)} with the key "
                              f"{os.fspath(key)}: {exc}", "cert") from None
    try:
        context.load_verify_locations(cafile=os.fspath(client_ca))
    except (OSError, ssl.SSLError) as exc:
        raise LEMFConfigError(f"cannot load the client CA {os.fspath(client_ca)}: {exc}",
                              "client_ca") from None
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def load_verify_key(path: str | os.PathLike[str]) -> VerifyingKey:
    """The public key that verifies signed integrity checks (TS 102 232-1 6.4) from a PEM
    file holding a certificate or a public key (ECDSA, Ed25519 or Ed448)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LEMFConfigError(f"cannot read {os.fspath(path)!r}: {exc}", "verify_key") from None
    with contextlib.suppress(ValueError):
        return x509.load_pem_x509_certificate(data)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise LEMFConfigError(f"{os.fspath(path)!r} holds no PEM certificate or public key",
                              "verify_key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
                      | ed448.Ed448PublicKey):
        raise LEMFConfigError(f"an ECDSA, Ed25519 or Ed448 key is needed, got "
                              f"{type(key).__name__}", "verify_key")
    return key


class LEMFThread:
    """A :class:`~lawful_intercept.lemf.LEMF` running in a daemon thread with its own event
    loop, driven from blocking code (tests, demos)::

        with LEMFThread(out_dir, ssl_context=pki.server_context()) as lemf:
            host, port = lemf.listen()
            ...                                   # deliver to host:port
            assert lemf.wait_for(lambda s: s["records"] >= 10, timeout=10)

    ``lemf_options`` are those of :class:`~lawful_intercept.lemf.LEMF` (its errors are raised
    here). Every call waits at most ``timeout`` seconds for the loop.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, timeout: float = 30.0,
                 **lemf_options: Any) -> None:
        self.lemf = LEMF(out_dir, **lemf_options)
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="lemf", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        if self._stopped:
            coroutine.close()
            raise RuntimeError("the LEMF thread is stopped")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self.timeout)

    def listen(self, host: str = "127.0.0.1", port: int = 0, *, pdu_type: str = PS_PDU,
               name: str | None = None) -> tuple[str, int]:
        """:meth:`LEMF.listen <lawful_intercept.lemf.LEMF.listen>` in the LEMF's loop."""
        return self._call(self.lemf.listen(host, port, pdu_type=pdu_type, name=name))

    def listen_udp(self, host: str = "127.0.0.1", port: int = 0, *, layout: str = "ESP-I01",
                   name: str | None = None) -> tuple[str, int]:
        """:meth:`LEMF.listen_udp <lawful_intercept.lemf.LEMF.listen_udp>` in the LEMF's
        loop."""
        return self._call(self.lemf.listen_udp(host, port, layout=layout, name=name))

    def summary(self) -> dict[str, Any]:
        """The LEMF's summary (taken in its loop)."""
        async def take() -> dict[str, Any]:
            return self.lemf.summary()

        return self._call(take())

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> bool:
        """Wait until ``predicate(summary)`` is true, at most ``timeout`` seconds; whether it
        became true."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self.summary()):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def stop(self) -> None:
        """Close the LEMF (see :meth:`LEMF.close <lawful_intercept.lemf.LEMF.close>`) and end
        the thread. Idempotent."""
        if self._stopped:
            return
        try:
            self._call(self.lemf.close())
        finally:
            self._stopped = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(self.timeout)

    def __enter__(self) -> LEMFThread:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def run_lemf(out_dir: str | os.PathLike[str], listens: Sequence[tuple[str, int, str]], *,
             udp: Sequence[tuple[str, int, str]] = (),
             ready_file: str | os.PathLike[str] | None = None,
             metrics: tuple[str, int] | None = None, **options: Any) -> int:
    """Run a LEMF until SIGINT or SIGTERM (blocking); return the exit status: 0 after a
    signal, 1 when it cannot start (the reason is logged).

    ``listens``: (host, port, pdu_type) of each TCP/TLS listener; ``udp``: (host, port,
    layout) of each CCC listener. ``ready_file`` receives ``"host port\\n"`` per listener,
    in that order, once all are listening (written to a temporary file and renamed, so a
    reader never sees part of it). ``metrics``: (host, port) where the LEMF's figures are
    served for Prometheus (:func:`~lawful_intercept.lemf.serve_metrics`). ``options`` are
    those of :class:`LEMF`.
    """
    if not listens and not udp:
        log.error("nothing to listen on: give at least one listener")
        return 1
    return asyncio.run(_serve(out_dir, listens, udp, ready_file, metrics, options))


async def _serve(out_dir: str | os.PathLike[str], listens: Sequence[tuple[str, int, str]],
                 udp: Sequence[tuple[str, int, str]],
                 ready_file: str | os.PathLike[str] | None, metrics: tuple[str, int] | None,
                 options: dict[str, Any]) -> int:
    try:
        lemf = LEMF(out_dir, **options)
    except (Error, OSError, TypeError) as exc:
        log.error("cannot start the LEMF: %s", exc)
        return 1
    loop = asyncio.get_running_loop()
    stop_metrics: Callable[[], None] | None = None
    if metrics is not None:
        def snapshot() -> dict[str, Any]:
            async def take() -> dict[str, Any]:
                return lemf.summary()
            return asyncio.run_coroutine_threadsafe(take(), loop).result(10)

        try:
            stop_metrics, bound = serve_metrics(snapshot, *metrics)
        except LEMFConfigError as exc:
            log.error("%s", exc)
            await lemf.close()
            return 1
        log.info("metrics for Prometheus on http://%s:%d/metrics", *bound)
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            continue
        handled.append(sig)
    try:
        addresses: list[tuple[str, int]] = []
        try:
            for host, port, pdu_type in listens:
                addresses.append(await lemf.listen(host, port, pdu_type=pdu_type))
            for host, port, layout in udp:
                addresses.append(await lemf.listen_udp(host, port, layout=layout))
        except (Error, OSError) as exc:
            log.error("cannot listen: %s", exc)
            return 1
        if ready_file is not None:
            _write_ready(Path(ready_file), addresses)
        await stop.wait()
        log.info("signal received: stopping")
        return 0
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        await lemf.close()
        if stop_metrics is not None:
            await asyncio.to_thread(stop_metrics)


def _write_ready(path: Path, addresses: list[tuple[str, int]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{host} {port}\n" for host, port in addresses), encoding="ascii")
    os.replace(tmp, path)
