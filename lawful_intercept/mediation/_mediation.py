"""The mediation function end to end: the warrant book (HI-1, ETSI TS 103 120) drives X1
(TS 103 221-1) towards the network elements, and the conversion of their X2/X3 PDUs
(TS 103 221-2) follows the same tasks, so that HI2/HI3 go to each warrant's agency
destination. See docs/mediation.md, "Mediation"."""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from .. import x1
from .._checks import require_choice, require_instance
from ..errors import Error
from ..warrants import IPAddressPort, LITaskObject, TaskStatus, WarrantBook
from ._converter import X2X3Converter
from ._delivery import MediationDelivery
from ._task import HANDOVER_FORMATS, DeliveryType, HandoverFormat, MediationTask, nonempty_tuple

__all__ = ["XID_NAMESPACE", "AgencyDestination", "Mediation", "SyncReport"]

_LOG: Final = logging.getLogger("lawful_intercept.mediation")
_DELIVERY_TYPES: Final = ("IRIOnly", "CCOnly", "IRIandCC")
XID_NAMESPACE: Final = uuid.UUID("5d1c8a34-3f0b-5e0c-9a8e-6b1f2d7c4e90")
"""The namespace of the XIDs :class:`Mediation` derives from LITask ObjectIdentifiers
(UUID version 5, RFC 9562), so that a task keeps its XID across restarts."""


def _address_key(host: str, port: int) -> tuple[str, int]:
    """An address compared in canonical form (``2001:DB8::1`` and ``2001:db8::1`` match)."""
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        host = host.lower()
    return host, port


@dataclass(frozen=True)
class AgencyDestination:
    """An agency's collection system (LEMF) the mediation function delivers to: ``name``
    (the key of its :class:`~lawful_intercept.delivery.HandoverDelivery` in
    :class:`MediationDelivery`), the ``addresses`` (host, port) a warrant's delivery details
    name it by (TS 103 120 DeliveryDestination IPAddressPort: usually its HI2 and HI3
    addresses), and its ``handover_format`` (``"ETSI"``, ``"ATIS"`` or ``"PacketCable"``)."""

    name: str
    addresses: tuple[tuple[str, int], ...]
    handover_format: HandoverFormat = "ETSI"

    def __post_init__(self) -> None:
        require_instance(self.name, str, "AgencyDestination.name")
        require_choice(self.handover_format, HANDOVER_FORMATS,
                       "AgencyDestination.handover_format")
        addresses = nonempty_tuple(
            self.addresses, "AgencyDestination.addresses",
            f"AgencyDestination {self.name!r}: addresses must name at least one (host, port) "
            "a warrant may give for it")
        object.__setattr__(self, "addresses", tuple(_address_key(str(h), int(p))
                                                    for h, p in addresses))


@dataclass
class SyncReport:
    """What one :meth:`Mediation.sync` did: the LITask ObjectIdentifiers ``activated``,
    ``modified`` and ``deactivated`` in the conversion, the tasks ``refused`` (identifier →
    reason: nothing is intercepted for them), the X1 requests sent and those not answered
    ``oK`` (``x1_failed``: planned again at the next sync), and the HI1 notifications of the
    book marked delivered."""

    activated: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    x1_sent: int = 0
    x1_failed: list[str] = field(default_factory=list)
    notifications: int = 0


class Mediation:
    """The warrant book → X1 → X2/X3 → conversion → HandoverDelivery chain of a mediation
    function (TS 103 221-1 clause 5: the ADMF tasks the points of interception; TS 103 221-2:
    they send X2/X3 to the MF; TS 102 232-1: the MF hands over HI2/HI3).

    ``book`` holds the checked warrants (:class:`~lawful_intercept.warrants.WarrantBook`);
    ``delivery`` converts and delivers (:class:`MediationDelivery`; its
    :meth:`~MediationDelivery.consumer` is the X2/X3 listener's consumer, so a PDU is
    acknowledged to its network element only once its records are in the spools), or is a
    bare :class:`X2X3Converter` when other processes convert and deliver (a mediation
    cluster, where the tasks reach the converting nodes through ``sync``'s ``on_tasks``):
    the converter then only follows the book, and its records (the tasks' HI1
    notifications) are made and delivered by those processes;
    ``destinations`` map the addresses warrants name to the configured agency destinations;
    ``network_elements`` maps each NE identifier to where its X1 requests go: an
    :class:`~lawful_intercept.x1.X1Handler` (a simulated NE, in process) or an
    :class:`~lawful_intercept.x1.X1Client` (a real NE's X1 endpoint over mutual TLS);
    ``x2x3_address`` is the address of this MF's X2/X3 listener given to the NEs as their
    destination. One XID per LITask is shared by all NEs.

    :meth:`sync` (call it now and then, and after each HI-1 request) lets the book's time
    pass and makes the conversion and the NEs follow the book: a task becomes live in the
    conversion *before* any NE is tasked (so no X2/X3 PDU of it is dropped as unknown) and is
    deactivated in the conversion *before* the NEs are told (delivery stops at once). A task
    whose destinations are not configured is refused (logged, in ``SyncReport.refused``) and
    no NE is tasked for it: nothing is intercepted for nobody. An ActivateTask an NE refuses
    is sent again as a ModifyTask (after a restart of the mediation function the NE may run
    the task already, under the same XID). The converter is not
    thread-safe: call :meth:`sync` from the thread that runs the X2/X3 listener's loop.
    """

    def __init__(self, book: WarrantBook, delivery: MediationDelivery | X2X3Converter, *,
                 destinations: Sequence[AgencyDestination],
                 network_elements: Mapping[str, x1.X1Handler | x1.X1Client],
                 x2x3_address: IPAddressPort, admf_identifier: str = "ADMF") -> None:
        self.book = require_instance(book, WarrantBook, "book")
        require_instance(delivery, (MediationDelivery, X2X3Converter), "delivery")
        self.delivery = delivery
        self.converter = (delivery.converter if isinstance(delivery, MediationDelivery)
                          else delivery)
        """The converter whose tasks follow the book."""
        self.destinations: dict[tuple[str, int], AgencyDestination] = {}
        for index, destination in enumerate(destinations):
            require_instance(destination, AgencyDestination, f"destinations[{index}]")
            if isinstance(delivery, MediationDelivery) and \
                    destination.name not in delivery.deliveries:
                raise ValueError(f"destinations[{index}]: {destination.name!r} has no "
                                 "HandoverDelivery in delivery.deliveries")
            for address in destination.addresses:
                self.destinations[address] = destination
        require_instance(x2x3_address, IPAddressPort, "x2x3_address")
        self.xids: dict[str, uuid.UUID] = {}
        """The XID of each LITask (by ObjectIdentifier), the same for every NE: a UUID v5 of
        the ObjectIdentifier in :data:`XID_NAMESPACE`, so the same after a restart."""
        self.network_elements = dict(network_elements)
        self.planners: dict[str, x1.X1Planner] = {}
        for name, endpoint in self.network_elements.items():
            require_instance(endpoint, (x1.X1Handler, x1.X1Client), f"network_elements[{name!r}]")
            self.planners[name] = x1.X1Planner(admf_identifier, name,
                                               x2x3_destination=x2x3_address, xids=self.xids)
        self.refused: dict[str, str] = {}
        """The tasks refused (ObjectIdentifier → reason), as of the last sync."""

    def task_of(self, task: LITaskObject, start: datetime | None = None,
                end: datetime | None = None) -> MediationTask:
        """The :class:`MediationTask` of a live LITask: its XID, its Reference as the LIID,
        its delivery type, the agency destinations its delivery details name (by address)
        and their handover format, the timespan ``start``..``end`` (the book's, which
        combines the task's and its authorisation's) and its targets. ``ValueError`` names
        what cannot be mapped (no LIID, an unknown destination, mixed formats)."""
        where = f"LITask {task.object_identifier}"
        if task.reference is None:
            raise ValueError(f"{where}: reference: a task needs an LIID")
        kind = task.delivery_type.value if task.delivery_type is not None else "IRIandCC"
        if kind not in _DELIVERY_TYPES:
            raise ValueError(f"{where}: deliveryType {kind!r} is not one of "
                             f"{', '.join(_DELIVERY_TYPES)}")
        names: list[str] = []
        formats: set[str] = set()
        for index, detail in enumerate(task.delivery_details or ()):
            value = None if detail.address is None else detail.address.value
            if not isinstance(value, IPAddressPort):
                raise ValueError(f"{where}: deliveryDetails[{index}]: only an IPAddressPort "
                                 "address names an agency destination")
            found = self.destinations.get(_address_key(value.address, value.port))
            if found is None:
                raise ValueError(f"{where}: deliveryDetails[{index}]: {value.address}:"
                                 f"{value.port} is not an address of a configured agency "
                                 "destination")
            if found.name not in names:
                names.append(found.name)
                formats.add(found.handover_format)
        if not names:
            raise ValueError(f"{where}: deliveryDetails: no destination")
        if len(formats) > 1:
            raise ValueError(f"{where}: deliveryDetails: destinations of different handover "
                             f"formats ({', '.join(sorted(formats))})")
        delivery_type: DeliveryType = kind  # type: ignore[assignment]
        handover_format: HandoverFormat = formats.pop()  # type: ignore[assignment]
        return MediationTask(
            self.xid(task.object_identifier), task.reference,
            delivery_type=delivery_type, handover_format=handover_format,
            destinations=tuple(names), start=start, end=end,
            targets=tuple(t.value for t in task.targets or ()))

    def xid(self, identifier: str) -> uuid.UUID:
        """The XID of the LITask ``identifier`` (see :attr:`xids`)."""
        xid = self.xids.get(identifier)
        if xid is None:
            xid = self.xids[identifier] = uuid.uuid5(XID_NAMESPACE, identifier)
        return xid

    def sync(self, now: datetime, *,
             on_tasks: Callable[[dict[str, MediationTask]], object] | None = None
             ) -> SyncReport:
        """Let the book's time pass to ``now`` (:meth:`WarrantBook.tick`), then make the
        conversion and every NE run exactly the book's active tasks (see the class).
        ``on_tasks`` is called with :meth:`live_tasks` once the conversion follows the book
        and before any NE is told (e.g. to publish the tasks to a mediation cluster's
        converting nodes): if it raises, the sync stops there (no notification marked, no
        X1 request) and the exception propagates; the next sync does the rest."""
        require_instance(now, datetime, "now")
        report = SyncReport()
        self.book.tick(now)
        live: dict[str, LITaskObject] = {}
        wanted: dict[uuid.UUID, tuple[str, MediationTask]] = {}
        refused: dict[str, str] = {}
        for entry in self.book.entries(kind="task", status=TaskStatus.ACTIVE.value):
            obj = self.book.get(entry.identifier)
            if not isinstance(obj, LITaskObject):
                continue
            try:
                task = self.task_of(obj, entry.start_time, entry.end_time)
            except (ValueError, Error) as exc:
                refused[entry.identifier] = str(exc)
                if self.refused.get(entry.identifier) != str(exc):
                    _LOG.error("task refused, no network element tasked: %s", exc)
                continue
            live[entry.identifier] = obj
            wanted[task.xid] = (entry.identifier, task)
        self.refused = report.refused = refused
        converter = self.converter
        ours = set(self.xids.values())
        for xid in converter.tasks:  # deactivations first: they stop at once
            if xid in ours and xid not in wanted:
                self.delivery.deactivate(xid)
                report.deactivated.append(self._identifier(xid))
        for xid, (identifier, task) in wanted.items():
            current = converter.tasks.get(xid)
            if current is None:
                self.delivery.activate(task)
                report.activated.append(identifier)
            elif current != task:
                self.delivery.modify(task)
                report.modified.append(identifier)
        if on_tasks is not None:
            on_tasks(self.live_tasks())
        # The conversion's HI1 notifications are in the HI2 spools (or with on_tasks's
        # receivers): the book's are done
        # (those of a refused task stay pending: no agency destination has had them).
        done = [n.seq for n in self.book.pending_notifications() if n.task not in refused]
        if done:
            self.book.mark_notified(done)
            report.notifications = len(done)
        for name, planner in self.planners.items():
            for request in planner.plan(live.values(), now):
                report.x1_sent += 1
                response = self._send(name, request)
                if isinstance(request, x1.ActivateTaskRequest) and \
                        not isinstance(response, x1.OKResponse):
                    # After a restart the NE may run the task already (the XID is the same):
                    # a ModifyTask with the same transaction makes it follow the book.
                    report.x1_sent += 1
                    response = self._send(name, x1.ModifyTaskRequest(request.header, request.task))
                if response is None or not planner.confirm(request, response):
                    report.x1_failed.append(f"{name}: {type(request).__name__}")
        return report

    def _identifier(self, xid: uuid.UUID) -> str:
        for identifier, known in self.xids.items():
            if known == xid:
                return identifier
        return str(xid)

    def _send(self, name: str, request: x1.RequestMessage) -> x1.ResponseMessage | None:
        endpoint = self.network_elements[name]
        try:
            if isinstance(endpoint, x1.X1Handler):
                return endpoint.respond(request)
            response = endpoint.send(request).messages[0]
        except (Error, OSError) as exc:
            _LOG.warning("X1 %s to %s failed (planned again): %s", type(request).__name__,
                         name, exc)
            return None
        if not isinstance(response, x1.OKResponse):
            _LOG.warning("X1 %s to %s refused (planned again): %s", type(request).__name__,
                         name, response)
        return response

    def live_tasks(self) -> dict[str, MediationTask]:
        """The tasks the conversion runs, by LITask ObjectIdentifier."""
        tasks = self.converter.tasks
        return {identifier: tasks[xid] for identifier, xid in self.xids.items()
                if xid in tasks}

