"""What the blocking and the asyncio HI2/HI3 deliveries share: the agency's addresses
(:class:`Destination`), the routing of a record by its kind (TS 102 232-1 6.2 and 6.3: IRI on
HI2, CC on HI3), the refusal of a kind that cannot be placed, one session factory per
destination, and the checks of the options they pass on. See docs/delivery.md, "HI2 and
HI3".
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final, Generic, Literal, TypeVar

from .._checks import require_instance, require_int
from ..catalog import INTERFACE_OF_KIND, payload_kind
from ._notices import NoticeCallback
from ._sender import HandoverSession
from ._spool import Spool
from ._tls import Pins, normalize_pins

__all__ = [
    "CLIENT_OWN",
    "SPOOL_OWN",
    "Destination",
    "DestinationName",
    "RoutedDelivery",
    "Routes",
    "SessionFactories",
    "check_options",
    "open_routes",
    "placed_kind",
    "route_of",
    "session_factories",
    "split_by_destination",
]

DestinationName = Literal["hi2", "hi3"]
"""The handover interface a record went to."""

SessionFactories = (Callable[[], HandoverSession]
                    | Mapping[DestinationName, Callable[[], HandoverSession]])
"""One session factory for both destinations, or one per destination."""

CLIENT_OWN: Final = frozenset({"host", "port", "spool", "session_factory", "ssl_context",
                               "server_hostname", "insecure_plain_tcp", "pinned_sha256",
                               "on_event"})
"""Client keywords a HI2/HI3 delivery sets itself, refused in ``client_options``."""
SPOOL_OWN: Final = frozenset({"directory"})
"""Spool keywords a HI2/HI3 delivery sets itself, refused in ``spool_options``."""


@dataclass(frozen=True, slots=True)
class Destination:
    """One handover address of the agency (LEMF): ``host`` and ``port``; ``server_hostname``
    is the name its certificate must carry (default ``host``); ``pinned_sha256`` optional
    SHA-256 fingerprints of that certificate (see
    :func:`~lawful_intercept.delivery.normalize_pins`; kept as a ``frozenset`` of 32-byte
    digests)."""

    host: str
    port: int
    server_hostname: str | None = None
    pinned_sha256: Pins = None

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ValueError(f"Destination.host must be a non-empty host name or address, got "
                             f"{self.host!r}")
        require_int(self.port, "Destination.port", low=1, high=65535)
        if self.server_hostname is not None and (not isinstance(self.server_hostname, str)
                                                 or not self.server_hostname):
            raise ValueError("Destination.server_hostname must be a non-empty name or None, "
                             f"got {self.server_hostname!r}")
        if self.pinned_sha256 is not None:
            pins = normalize_pins(self.pinned_sha256, argument="Destination.pinned_sha256")
            object.__setattr__(self, "pinned_sha256", pins)


_C = TypeVar("_C")


@dataclass(slots=True)
class Routes(Generic[_C]):
    """What :func:`open_routes` opened: each destination, its spool and its client."""

    destinations: dict[DestinationName, Destination]
    spools: dict[DestinationName, Spool]
    clients: dict[DestinationName, _C]


def open_routes(
    hi2: Destination, hi3: Destination | None, spool_dir: str | os.PathLike[str],
    session_factory: SessionFactories, *, spool_options: Mapping[str, Any] | None,
    client_options: Mapping[str, Any] | None, classify: Callable[[bytes], str],
    make_client: Callable[[Destination, Spool, Callable[[], HandoverSession], dict[str, Any]],
                          _C],
    discard: Callable[[_C], object] = lambda client: None,
) -> Routes[_C]:
    """The arguments of a HI2/HI3 delivery checked, and per destination its spool
    (``spool_dir/hi2``, ``spool_dir/hi3``) and client (``make_client(destination, spool,
    factory, client_options)``). If one cannot be opened, those opened are released
    (``discard`` for a client) and the error is raised."""
    require_instance(hi2, Destination, "hi2")
    if hi3 is not None:
        require_instance(hi3, Destination, "hi3")
    spool_settings, client_settings = check_options(spool_options, client_options)
    if not callable(classify):
        raise TypeError(f"classify must be callable, not {type(classify).__name__}")
    destinations: dict[DestinationName, Destination] = {"hi2": hi2}
    if hi3 is not None:
        destinations["hi3"] = hi3
    factories = session_factories(session_factory, destinations)
    routes: Routes[_C] = Routes(destinations, {}, {})
    try:
        for name, destination in destinations.items():
            spool = Spool(Path(spool_dir) / name, **spool_settings)
            routes.spools[name] = spool
            routes.clients[name] = make_client(destination, spool, factories[name],
                                               client_settings)
    except BaseException:
        for client in routes.clients.values():
            discard(client)
        for spool in routes.spools.values():
            spool.close()
        raise
    return routes


class RoutedDelivery(Generic[_C]):
    """What the blocking and the asyncio HI2/HI3 deliveries share: their arguments (see
    :class:`~lawful_intercept.delivery.HandoverDelivery`), and per destination its address,
    spool and client, a ``client_type.to(...)`` (:func:`open_routes`)."""

    client_type: ClassVar[Any]
    """The delivery client class (its ``to`` constructor makes each destination's client)."""

    def __init__(
        self,
        hi2: Destination,
        hi3: Destination | None,
        spool_dir: str | os.PathLike[str],
        session_factory: SessionFactories,
        *,
        ssl_context: ssl.SSLContext | None,
        insecure_plain_tcp: bool = False,
        spool_options: Mapping[str, Any] | None = None,
        client_options: Mapping[str, Any] | None = None,
        classify: Callable[[bytes], str] = payload_kind,
        on_event: NoticeCallback | None = None,
    ) -> None:
        def make(destination: Destination, spool: Spool,
                 factory: Callable[[], HandoverSession], options: dict[str, Any]) -> _C:
            client: _C = self.client_type.to(destination, spool, factory,
                                             ssl_context=ssl_context,
                                             insecure_plain_tcp=insecure_plain_tcp,
                                             on_event=on_event, **options)
            return client

        routes = open_routes(hi2, hi3, spool_dir, session_factory,
                             spool_options=spool_options, client_options=client_options,
                             classify=classify, make_client=make, discard=self._discard)
        self.classify = classify
        self.destinations: dict[DestinationName, Destination] = routes.destinations
        """Each destination's address."""
        self.spools: dict[DestinationName, Spool] = routes.spools
        """The spool of each destination."""
        self.clients: dict[DestinationName, _C] = routes.clients
        """The delivery client of each destination."""

    def _discard(self, client: _C) -> None:
        """Release a client made before another destination failed to open (nothing to do
        for a client that was never started)."""


def check_options(spool_options: Mapping[str, Any] | None,
                  client_options: Mapping[str, Any] | None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spool and client options as dicts; ``ValueError`` for a key the delivery sets
    itself."""
    spool_settings = dict(spool_options or {})
    client_settings = dict(client_options or {})
    for what, given, own in (("spool_options", spool_settings, SPOOL_OWN),
                             ("client_options", client_settings, CLIENT_OWN)):
        clash = sorted(own & given.keys())
        if clash:
            raise ValueError(f"{what}: {', '.join(clash)} is set by HandoverDelivery "
                             "(from the Destination and its own arguments)")
    return spool_settings, client_settings


def session_factories(session_factory: SessionFactories, names: Iterable[DestinationName]
                      ) -> dict[DestinationName, Callable[[], HandoverSession]]:
    """One session factory per destination, from one for all or a mapping (checked)."""
    wanted = tuple(names)
    if isinstance(session_factory, Mapping):
        unknown = sorted(set(session_factory) - {"hi2", "hi3"})
        missing = [name for name in wanted if name not in session_factory]
        if unknown or missing:
            raise ValueError("session_factory: a mapping needs one factory per destination "
                             f"({', '.join(wanted)}); " + (f"unknown {', '.join(unknown)}"
                                                           if unknown else
                                                           f"missing {', '.join(missing)}"))
        factories = {name: session_factory[name] for name in wanted}
    else:
        factories = {name: session_factory for name in wanted}
    for name, factory in factories.items():
        if not callable(factory):
            raise TypeError(f"session_factory for {name} must be callable (a function making "
                            f"one HandoverSession per connection), not "
                            f"{type(factory).__name__}")
    return factories


def route_of(kind: str, has_hi3: bool) -> DestinationName:
    """The destination of a record of ``kind``: its interface in
    :data:`~lawful_intercept.catalog.INTERFACE_OF_KIND` (HI3 for ``"CC"``, HI2 for the other
    kinds), HI2 for a kind not listed there and when there is no HI3 address."""
    interface = INTERFACE_OF_KIND.get(kind, "HI2")  # type: ignore[call-overload]
    return "hi3" if interface == "HI3" and has_hi3 else "hi2"


def placed_kind(kind: str, index: int | None = None) -> str:
    """``kind`` if it has an interface (:data:`~lawful_intercept.catalog.INTERFACE_OF_KIND`),
    else ``ValueError`` naming it (and the PDU's ``index`` in a batch)."""
    if kind in INTERFACE_OF_KIND:
        return kind
    where = "" if index is None else f"pdus[{index}]: "
    raise ValueError(
        f"{where}cannot place a record of kind {kind!r} on HI2 or HI3 (an "
        "encryptionContainer, or octets that are no PS-PDU, e.g. an ATIS or PacketCable "
        "PDU): use send_iri/send_cc, or a classify that knows the stream")


def split_by_destination(
    pdus: Iterable[bytes], classify: Callable[[bytes], str], has_hi3: bool
) -> tuple[list[DestinationName], dict[DestinationName, tuple[list[bytes], list[str]]]]:
    """A batch split by destination, every kind checked first (:func:`placed_kind`): the
    destination of each PDU in order, and each destination's PDUs and kinds."""
    routed: list[DestinationName] = []
    shares: dict[DestinationName, tuple[list[bytes], list[str]]] = {}
    for pdu in pdus:
        kind = placed_kind(classify(pdu), len(routed))
        name = route_of(kind, has_hi3)
        routed.append(name)
        batch, kinds = shares.setdefault(name, ([], []))
        batch.append(pdu)
        kinds.append(kind)
    return routed, shares
