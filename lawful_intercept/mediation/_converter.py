"""The conversion of X2/X3 PDUs (ETSI TS 103 221-2) into correlated HI2/HI3 records for each
warrant, sans-IO: PDUs in, ``(destination, interface, encoded record)`` out.

Per task (XID): its LIID, delivery type, handover format, destinations and timespan
(:class:`MediationTask`). Per correlation ID of a task: one communication, with a CIN from the
:class:`~lawful_intercept.correlation.CINAllocator` that stays the same for every PDU of it,
and sequence numbers per (LIID, CIN, IRI|CC) from the shared
:class:`~lawful_intercept.correlation.SequenceCounters` (TS 102 232-1 5.2.4, 5.2.5). See
docs/mediation.md for the conversion table and the warrant's rules.
"""

from __future__ import annotations

import logging
import time as _time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final, NamedTuple

from .._checks import require_instance, require_number
from ..asn1c import Specification
from ..catalog import default_specification
from ..correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from ..errors import ConversionError, Error
from ..records import (
    CCCLayout,
    ContentSequenceNumbers,
    HI1Operations,
    LAESRecords,
    PacketCableRecords,
    PSPDUBuilder,
)
from ..x2x3 import X2X3PDU, AttributeType
from ._etsi import EtsiCommunication
from ._sip import SIPDialogs, read_sip
from ._task import MediationTask, time_ns
from ._us import AtisCommunication, PacketCableCommunication

__all__ = ["Converted", "ConverterStats", "X2X3Converter"]

_LOG: Final = logging.getLogger("lawful_intercept.mediation")
# TS 103 221-2 payload direction -> TS 102 232-1 PayloadDirection
_DIRECTIONS: Final = {1: "indeterminate", 2: "toTarget", 3: "fromTarget", 4: "combined",
                      5: "notapplicable"}
_IP_FORMATS: Final = frozenset({5, 6})
_RTP: Final = 8
_SIP: Final = 9
_PS_PDU: Final = 1
_TS_33128: Final = 2
_MAX_NOTED: Final = 4096
_MAX_DEACTIVATED: Final = 4096


class Converted(NamedTuple):
    """One record for the agency: the ``destination`` (a name of the task's destinations),
    the ``interface`` (``"hi2"`` for IRI and HI1, ``"hi3"`` for CC, ``"ccc"`` for PacketCable
    CCC packets, which go over UDP), the ``kind`` (``"IRI"``, ``"CC"``, ``"HI1"``), the
    ``liid`` and the encoded ``pdu``."""

    destination: str
    interface: str
    kind: str
    liid: str
    pdu: bytes


def _converted(fields: tuple[str, str, str, str, bytes]) -> Converted:
    """A :class:`Converted` without the NamedTuple's Python-level constructor (hot path)."""
    return tuple.__new__(Converted, fields)


@dataclass(slots=True)
class ConverterStats:
    """What :class:`X2X3Converter` did with the PDUs it was given (every PDU is in exactly
    one of ``converted``, ``keepalives`` and the drop counters)."""

    received: int = 0
    """X2/X3 PDUs given to :meth:`X2X3Converter.convert`."""
    converted: int = 0
    """PDUs turned into at least one record, or into none because the format has no record
    for them (PacketCable: SIP messages without a CDC message, counted in ``no_record``)."""
    records: int = 0
    """Records produced (one per destination)."""
    keepalives: int = 0
    """Keep-alives and their acknowledgements (nothing to convert)."""
    unknown_xid: int = 0
    """PDUs of an XID no task has: dropped, logged."""
    after_deactivation: int = 0
    """PDUs of a deactivated task (TS 103 221-1 DeactivateTask): dropped, logged."""
    cc_dropped: int = 0
    """CC (X3) of an IRIOnly task: dropped, logged."""
    iri_dropped: int = 0
    """IRI (X2) of a CCOnly task: dropped, logged."""
    outside_timespan: int = 0
    """PDUs whose time lies outside the task's timespan: dropped, logged."""
    unsupported_format: int = 0
    """PDUs of a payload format the handover format has no record for: dropped, logged."""
    conversion_errors: int = 0
    """PDUs whose payload is not what its format says (:class:`ConversionError`)."""
    no_record: int = 0
    """SIP messages PacketCable has no CDC message for (delivered as nothing)."""
    sip_unparsed: int = 0
    """SIP payloads without a readable start line (delivered, as iRI-Continue or Report)."""
    communications_open: int = 0
    """Communications (XID, correlation ID) with state."""
    communications_expired: int = 0
    """Communications closed by :meth:`X2X3Converter.expire` or by the bound."""

    def as_dict(self) -> dict[str, int]:
        """The counters as a dict (for JSON)."""
        return asdict(self)


class _Comm:
    """The state of one communication: its identity, records and SIP dialogs."""

    __slots__ = ("ended_at", "etsi", "identity", "ipcc", "last_seen", "session_key", "sip",
                 "us", "xid")

    def __init__(self, xid: uuid.UUID, session_key: bytes, identity: SessionIdentity) -> None:
        self.xid = xid
        self.session_key = session_key
        self.identity = identity
        self.etsi: EtsiCommunication | None = None
        self.ipcc: Callable[..., bytes] | None = None  # the IPCC hot path (ETSI)
        self.us: AtisCommunication | PacketCableCommunication | None = None
        self.sip = SIPDialogs()
        self.last_seen = 0
        self.ended_at: int | None = None


class _TaskState:
    """A task and what is made once for it: its identity without CIN and its records."""

    __slots__ = ("base", "cdc", "comms", "hi1", "hi1_ops", "laes", "task")

    def __init__(self, task: MediationTask, base: SessionIdentity) -> None:
        self.task = task
        self.base = base
        self.comms: dict[int, _Comm] = {}  # by correlation ID
        self.hi1: PSPDUBuilder | None = None
        self.hi1_ops: HI1Operations | None = None
        self.laes: LAESRecords | None = None
        self.cdc: PacketCableRecords | None = None


class X2X3Converter:
    """Turns X2/X3 PDUs into the HI2/HI3 records of their task's warrant (sans-IO: no sockets,
    no threads, no clock of its own but ``clock`` for the HI1 notifications' default time).

    ``network`` is the mediation function's NetworkIdentifier (TS 102 232-1 5.2.4);
    ``allocator`` and ``counters`` the CIN allocator and sequence counters (shared with
    anything else numbering these LIIDs; restore them from their saved state after a
    restart); ``spec`` the compiled specification; the country codes go into every PSHeader.
    ``element_id`` is the US formats' IAP system identity (ATIS) and accessing element
    (PacketCable, VisibleString 1..15); ``ccc_layout`` and ``ccc_case_id`` the PacketCable
    CCC header.

    State is bounded: at most ``max_communications`` communications; one idle for
    ``idle_timeout`` seconds, or ended (the 2xx to the last BYE) ``end_grace`` seconds ago,
    is closed by :meth:`expire` (its CIN released to the allocator's hold). When the bound
    is reached the longest idle communications are closed first.

    Not thread-safe: one converter per thread (or a lock around it).
    """

    def __init__(
        self,
        network: NetworkIdentifier,
        *,
        allocator: CINAllocator | None = None,
        counters: SequenceCounters | None = None,
        spec: Specification | None = None,
        clock: Clock | None = None,
        authorization_country_code: str | None = None,
        delivery_country_code: str | None = None,
        element_id: str = "MF",
        ccc_layout: CCCLayout = "ESP-I01",
        ccc_case_id: int | None = None,
        idle_timeout: float = 300.0,
        end_grace: float = 10.0,
        max_communications: int = 100_000,
        logger: logging.Logger | None = None,
    ) -> None:
        self.network = require_instance(network, NetworkIdentifier, "network")
        self.allocator = allocator if allocator is not None else CINAllocator()
        self.counters = counters if counters is not None else SequenceCounters()
        require_instance(self.allocator, CINAllocator, "allocator")
        require_instance(self.counters, SequenceCounters, "counters")
        self.spec = spec if spec is not None else default_specification()
        self.clock = clock
        self.authorization_country_code = authorization_country_code
        self.delivery_country_code = delivery_country_code
        self.element_id = require_instance(element_id, str, "element_id")
        self.ccc_layout: CCCLayout = ccc_layout
        self.ccc_case_id = ccc_case_id
        self.idle_timeout_ns = int(require_number(idle_timeout, "idle_timeout", low=0) * 1e9)
        self.end_grace_ns = int(require_number(end_grace, "end_grace", low=0) * 1e9)
        if isinstance(max_communications, bool) or not isinstance(max_communications, int) or (
                max_communications < 1):
            raise ValueError(f"max_communications must be an int >= 1, not "
                             f"{max_communications!r}")
        self.max_communications = max_communications
        self.log = logger if logger is not None else _LOG
        self.content_numbers = ContentSequenceNumbers()
        """The ATIS CC-APDU sequence numbers, per (caseId, content identifier)."""
        self.stats = ConverterStats()
        self._tasks: dict[uuid.UUID, _TaskState] = {}
        self._open_count = 0
        self._last: tuple[uuid.UUID | None, _TaskState | None] = (None, None)
        self._deactivated: dict[uuid.UUID, str] = {}
        self._noted: dict[tuple[str, uuid.UUID], int] = {}

    # -- tasks ------------------------------------------------------------------------------

    @property
    def tasks(self) -> dict[uuid.UUID, MediationTask]:
        """The active tasks by XID."""
        return {xid: state.task for xid, state in self._tasks.items()}

    def _now(self, value: int | Any | None) -> int:
        if value is None:
            return self.clock.now_ns() if self.clock is not None else _time.time_ns()
        checked = time_ns(value, "time")
        assert checked is not None
        return checked

    def activate(self, task: MediationTask, *, time: int | Any | None = None
                 ) -> list[Converted]:
        """Start converting for ``task`` (TS 103 221-1 ActivateTask); return the HI1
        ``liActivated`` notification for each destination (ETSI: TS 101 671 HI1 in a
        PS-PDU; ATIS: surveillanceStatus activation; PacketCable has none). An XID already
        active raises ``ValueError`` (use :meth:`modify`)."""
        require_instance(task, MediationTask, "task")
        if task.xid in self._tasks:
            raise ValueError(f"task {task.xid} is active already: use modify()")
        now = self._now(time)
        state = self._state(task)
        self._tasks[task.xid] = state
        self._deactivated.pop(task.xid, None)
        self.log.info("task %s activated: LIID %s, %s, %s", task.xid, task.liid,
                      task.delivery_type, task.handover_format)
        return self._notify(state, "activated", now)

    def modify(self, task: MediationTask, *, time: int | Any | None = None) -> list[Converted]:
        """Replace the task of ``task.xid`` (TS 103 221-1 ModifyTask): the new delivery type,
        timespan and destinations apply from the next PDU; a new LIID or handover format
        closes the task's communications (their records carry the old one). Returns the
        ``liModified`` notifications. An XID not active raises ``ValueError``."""
        require_instance(task, MediationTask, "task")
        old = self._tasks.get(task.xid)
        if old is None:
            raise ValueError(f"task {task.xid} is not active: use activate()")
        now = self._now(time)
        if (old.task.liid, old.task.handover_format) != (task.liid, task.handover_format):
            self._close_task_comms(old)
            state = self._state(task)
        else:
            state = old
            state.task = task
        self._tasks[task.xid] = state
        self._last = (None, None)
        self.log.info("task %s modified: LIID %s, %s, %s", task.xid, task.liid,
                      task.delivery_type, task.handover_format)
        return self._notify(state, "modified", now)

    def deactivate(self, xid: uuid.UUID, *, time: int | Any | None = None) -> list[Converted]:
        """Stop the task ``xid`` at once (TS 103 221-1 DeactivateTask): its communications
        are closed and every later PDU of it is dropped and counted
        (``after_deactivation``). Returns the ``liDeactivated`` notifications. An XID not
        active raises ``ValueError``."""
        require_instance(xid, uuid.UUID, "xid")
        state = self._tasks.pop(xid, None)
        if state is None:
            raise ValueError(f"task {xid} is not active")
        now = self._now(time)
        self._last = (None, None)
        self._close_task_comms(state)
        if len(self._deactivated) >= _MAX_DEACTIVATED:
            self._deactivated.pop(next(iter(self._deactivated)))
        self._deactivated[xid] = state.task.liid
        self.log.info("task %s deactivated: LIID %s", xid, state.task.liid)
        return self._notify(state, "deactivated", now)

    def _state(self, task: MediationTask) -> _TaskState:
        base = SessionIdentity(task.liid, self.network,
                               authorization_country_code=self.authorization_country_code,
                               delivery_country_code=self.delivery_country_code)
        state = _TaskState(task, base)
        if task.handover_format == "ETSI":
            state.hi1 = PSPDUBuilder(base, spec=self.spec, counters=self.counters,
                                     clock=self.clock)
            state.hi1_ops = HI1Operations(task.liid, spec=self.spec, clock=self.clock)
        elif task.handover_format == "ATIS":
            state.laes = LAESRecords(task.liid, self.element_id, spec=self.spec,
                                     clock=self.clock, sequence_numbers=self.content_numbers)
        else:
            state.cdc = PacketCableRecords(task.liid, self.element_id, spec=self.spec,
                                           clock=self.clock, ccc_layout=self.ccc_layout,
                                           ccc_case_id=self.ccc_case_id)
        return state

    def _notify(self, state: _TaskState, what: str, now: int) -> list[Converted]:
        task = state.task
        pdu: bytes | None = None
        kind = "HI1"
        if state.hi1 is not None and state.hi1_ops is not None:
            info = ", ".join(task.targets).encode("utf-8")[:256] or None
            operation = getattr(state.hi1_ops, what)(target_information=info, time=now)
            pdu = state.hi1.hi1(operation, time=now)
        elif state.laes is not None:
            event = {"activated": "activation", "modified": "change",
                     "deactivated": "deactivation"}[what]
            status = "inactive" if what == "deactivated" else "fullyActive"
            pdu = state.laes.surveillance_status(event, status, time=now)
            kind = "IRI"
        if pdu is None:
            return []
        self.stats.records += len(task.destinations)
        return [Converted(d, "hi2", kind, task.liid, pdu) for d in task.destinations]

    # -- PDUs -------------------------------------------------------------------------------

    def convert_many(self, pdus: Iterable[X2X3PDU], arrival_ns: int) -> list[Converted]:
        """:meth:`convert` for each PDU, the records in order."""
        out: list[Converted] = []
        convert = self.convert
        for pdu in pdus:
            out += convert(pdu, arrival_ns)
        return out

    def convert(self, pdu: X2X3PDU, arrival_ns: int) -> list[Converted]:
        """The records of one X2/X3 PDU received at ``arrival_ns`` (nanoseconds since the
        epoch; the time of a PDU without a timestamp attribute). Never raises for what a
        network element sent: a PDU that is dropped or cannot be converted is counted in
        :attr:`stats` and logged, and gives no record."""
        stats = self.stats
        stats.received += 1
        kind_code = pdu.pdu_type
        if kind_code != 1 and kind_code != 2:
            stats.keepalives += 1
            return []
        xid = pdu.xid
        last_xid, state = self._last
        if xid is not last_xid:  # the reader makes one UUID object per XID
            state = self._tasks.get(xid)
            if state is None:
                return self._drop_unknown(pdu)
            self._last = (xid, state)
        assert state is not None
        task = state.task
        if kind_code == 2:
            if task.delivery_type == "IRIOnly":
                stats.cc_dropped += 1
                return self._note("cc_dropped", xid, "CC of an IRIOnly task dropped")
        elif task.delivery_type == "CCOnly":
            stats.iri_dropped += 1
            return self._note("iri_dropped", xid, "IRI of a CCOnly task dropped")
        when = pdu.timestamp_ns  # the reader's PDU reads this attribute alone, in place
        if when is None:
            when = arrival_ns
        start, end = task.start, task.end
        if (start is not None and when < start) or (end is not None and when >= end):  # type: ignore[operator]
            stats.outside_timespan += 1
            return self._note("outside_timespan", xid,
                              f"a PDU stamped {when} ns outside the task's timespan dropped")
        comm = state.comms.get(pdu.correlation_id)
        if comm is None:
            try:
                comm = self._open(state, pdu.correlation_id, arrival_ns)
            except Error as exc:
                stats.conversion_errors += 1
                return self._note("conversion_error", xid, f"no communication: {exc}")
        comm.last_seen = arrival_ns
        ipcc = comm.ipcc
        fmt = pdu.payload_format
        if ipcc is not None and kind_code == 2 and (fmt == 5 or fmt == 6):
            # The hot path: an IP packet into an IPCC (TS 102 232-3), as _records does it.
            payload = pdu.payload_bytes
            if len(payload) >= (20 if fmt == 5 else 40) and payload[0] >> 4 == (
                    4 if fmt == 5 else 6):
                try:
                    data = ipcc(payload, _DIRECTIONS.get(pdu.payload_direction,
                                                         "indeterminate"), time=when)
                except Error as exc:
                    stats.conversion_errors += 1
                    return self._note("conversion_error", xid, f"IPCC: {exc}")
                stats.converted += 1
                destinations = task.destinations
                if len(destinations) == 1:
                    stats.records += 1
                    return [tuple.__new__(Converted,
                                          (destinations[0], "hi3", "CC", task.liid, data))]
                stats.records += len(destinations)
                return [_converted((d, "hi3", "CC", task.liid, data)) for d in destinations]
        try:
            records = self._records(state, comm, pdu, when)
        except (ConversionError, Error) as exc:
            stats.conversion_errors += 1
            path = f" ({exc.path})" if exc.path else ""
            return self._note("conversion_error", xid,
                              f"payload format {pdu.payload_format}{path}: {exc.message}")
        if records is None:
            stats.unsupported_format += 1
            return self._note("unsupported_format", xid,
                              f"payload format {pdu.payload_format} has no "
                              f"{task.handover_format} record")
        stats.converted += 1
        if not records:
            return []
        destinations = task.destinations
        liid = task.liid
        if len(destinations) == 1 and len(records) == 1:
            kind, interface, data = records[0]
            stats.records += 1
            return [_converted((destinations[0], interface, kind, liid, data))]
        out = [_converted((d, interface, kind, liid, data))
               for kind, interface, data in records for d in destinations]
        stats.records += len(out)
        return out

    def _records(self, state: _TaskState, comm: _Comm, pdu: X2X3PDU, when: int
                 ) -> list[tuple[str, str, bytes]] | None:
        """The (kind, interface, record) list of one PDU; ``None``: no record for its
        format."""
        task = state.task
        fmt = pdu.payload_format
        x3 = pdu.pdu_type == 2
        payload = pdu.payload_bytes
        if not payload:
            raise ConversionError("the payload is empty", "payload")
        direction = _DIRECTIONS.get(pdu.payload_direction, "indeterminate")
        if task.handover_format == "ETSI":
            etsi = comm.etsi
            assert etsi is not None
            if x3:
                if fmt in _IP_FORMATS:
                    _check_ip(payload, fmt)
                    return [("CC", "hi3", etsi.ip_packet(payload, direction, when))]
                if fmt == _RTP:
                    return [("CC", "hi3", etsi.rtp(payload, direction, when))]
                if fmt == _TS_33128:
                    return [("CC", "hi3", etsi.xcc(payload, direction, when))]
            else:
                if fmt == _SIP:
                    sip = read_sip(payload)
                    iri_type = self._iri_type(comm, sip, when)
                    source, destination = _addresses(pdu)
                    return [("IRI", "hi2", etsi.sip(
                        payload, iri_type=iri_type, direction=direction, source=source,
                        destination=destination, iri_only=task.delivery_type == "IRIOnly",
                        time=when))]
                if fmt == _TS_33128:
                    oid = self.spec.values.get("xIRIPayloadOID")
                    return [("IRI", "hi2", etsi.xiri(payload, mediated_from=str(oid),
                                                     time=when))]
            if fmt == _PS_PDU:
                kind, data = etsi.restamp(payload)
                if (kind == "CC") != x3:
                    raise ConversionError(f"an {'X3' if x3 else 'X2'} PDU carries a PS-PDU "
                                          f"of kind {kind}", "payload")
                return [(kind, "hi2" if kind != "CC" else "hi3", data)]
            return None
        return self._us_records(state, comm, pdu, payload, x3, when)

    def _us_records(self, state: _TaskState, comm: _Comm, pdu: X2X3PDU, payload: bytes,
                    x3: bool, when: int) -> list[tuple[str, str, bytes]] | None:
        fmt = pdu.payload_format
        cin = comm.identity.cin or 0
        cc_interface = "hi3"
        if state.laes is not None:
            us = comm.us
            if not isinstance(us, AtisCommunication):
                us = comm.us = AtisCommunication(state.laes, cin)
            if x3 and fmt in (_RTP, 5, 6):
                if fmt != _RTP:
                    _check_ip(payload, fmt)
                outputs = us.content_packet(payload, pdu.payload_direction, when)
            elif not x3 and fmt == _SIP:
                sip = read_sip(payload)
                outputs = us.sip(payload, sip, self._iri_type(comm, sip, when), when)
            else:
                return None
        else:
            assert state.cdc is not None
            cc_interface = "ccc"
            pc = comm.us
            if not isinstance(pc, PacketCableCommunication):
                pc = comm.us = PacketCableCommunication(
                    state.cdc, cin, element_id=self.element_id,
                    started_s=when // 1_000_000_000, layout=self.ccc_layout)
            if x3 and fmt in (_RTP, 5, 6):
                if fmt != _RTP:
                    _check_ip(payload, fmt)
                outputs = pc.content_packet(payload, when)
            elif not x3 and fmt == _SIP:
                sip = read_sip(payload)
                target = pdu.attribute(AttributeType.MATCHED_TARGET_IDENTIFIER)
                outputs = pc.sip(sip, self._iri_type(comm, sip, when), pdu.payload_direction,
                                 target if isinstance(target, str) else "", when)
                if not outputs:
                    self.stats.no_record += 1
            else:
                return None
        task = state.task
        return [(kind, "hi2" if kind != "CC" else cc_interface, data)
                for kind, data in outputs
                if (task.passes_iri if kind != "CC" else task.passes_cc)]

    def _iri_type(self, comm: _Comm, sip: Any, when: int) -> str:
        if not sip.is_sip:
            self.stats.sip_unparsed += 1
        iri_type: str = comm.sip.iri_type(sip)
        if iri_type == "iRI-End":
            comm.ended_at = comm.last_seen
        return iri_type

    # -- communications ---------------------------------------------------------------------

    def _open(self, state: _TaskState, correlation_id: int, arrival_ns: int) -> _Comm:
        if self._open_count >= self.max_communications:
            self.expire(arrival_ns)
            if self._open_count >= self.max_communications:
                self._evict()
        xid = state.task.xid
        session_key = xid.bytes + correlation_id.to_bytes(8, "big")
        identity = self.allocator.open_session(state.base, session_key)
        comm = _Comm(xid, session_key, identity)
        if state.task.handover_format == "ETSI":
            comm.etsi = EtsiCommunication(identity, counters=self.counters, spec=self.spec,
                                          clock=self.clock)
            comm.ipcc = comm.etsi.ip.ipcc
        state.comms[correlation_id] = comm
        self._open_count += 1
        self.stats.communications_open = self._open_count
        return comm

    def _close(self, state: _TaskState, correlation_id: int) -> None:
        comm = state.comms.pop(correlation_id)
        self.allocator.close_session(comm.identity, comm.session_key)
        self._open_count -= 1
        self.stats.communications_open = self._open_count

    def _close_task_comms(self, state: _TaskState) -> None:
        for correlation_id in list(state.comms):
            self._close(state, correlation_id)

    def _all_comms(self) -> list[tuple[_TaskState, int, _Comm]]:
        return [(state, cid, comm) for state in self._tasks.values()
                for cid, comm in state.comms.items()]

    def _evict(self) -> None:
        count = max(1, self.max_communications // 16)
        oldest = sorted(self._all_comms(), key=lambda item: item[2].last_seen)[:count]
        for state, cid, _ in oldest:
            self._close(state, cid)
        self.stats.communications_expired += len(oldest)
        self.log.warning("%d communications closed early: the bound of %d was reached",
                         len(oldest), self.max_communications)

    def expire(self, now_ns: int) -> int:
        """Close the communications idle for ``idle_timeout`` or ended ``end_grace`` ago
        (their CINs go to the allocator's hold); return how many. Call it now and then
        (e.g. every few seconds); it looks at every communication."""
        idle, grace = self.idle_timeout_ns, self.end_grace_ns
        gone = [(state, cid) for state, cid, comm in self._all_comms()
                if now_ns - comm.last_seen >= idle
                or (comm.ended_at is not None and now_ns - comm.ended_at >= grace)]
        for state, cid in gone:
            self._close(state, cid)
        self.stats.communications_expired += len(gone)
        return len(gone)

    def communication(self, xid: uuid.UUID, correlation_id: int) -> SessionIdentity | None:
        """The identity (LIID, CIN) of a communication with state, or ``None``."""
        state = self._tasks.get(xid)
        comm = None if state is None else state.comms.get(correlation_id)
        return None if comm is None else comm.identity

    # -- drops ------------------------------------------------------------------------------

    def _drop_unknown(self, pdu: X2X3PDU) -> list[Converted]:
        liid = self._deactivated.get(pdu.xid)
        if liid is not None:
            self.stats.after_deactivation += 1
            return self._note("after_deactivation", pdu.xid,
                              f"a PDU of the deactivated task (LIID {liid}) dropped")
        self.stats.unknown_xid += 1
        return self._note("unknown_xid", pdu.xid, "a PDU of an XID no task has dropped")

    def _note(self, reason: str, xid: uuid.UUID, message: str) -> list[Converted]:
        """Log a drop: the first of each (reason, XID), then at every power of ten."""
        key = (reason, xid)
        count = self._noted.get(key, 0) + 1
        if count == 1 and len(self._noted) >= _MAX_NOTED:
            self._noted.clear()
        self._noted[key] = count
        if _power_of_ten(count):
            self.log.warning("XID %s: %s (%s: %d so far)", xid, message, reason, count)
        return []


def _power_of_ten(count: int) -> bool:
    while count >= 10 and count % 10 == 0:
        count //= 10
    return count == 1


def _addresses(pdu: X2X3PDU) -> tuple[Any, Any]:
    """The packet's source and destination address attributes (TS 103 221-2 types 10-13)."""
    source = pdu.attribute(AttributeType.SOURCE_IPV4_ADDRESS)
    if source is None:
        source = pdu.attribute(AttributeType.SOURCE_IPV6_ADDRESS)
    destination = pdu.attribute(AttributeType.DESTINATION_IPV4_ADDRESS)
    if destination is None:
        destination = pdu.attribute(AttributeType.DESTINATION_IPV6_ADDRESS)
    return source, destination


def _check_ip(payload: bytes, fmt: int) -> None:
    """An IPv4 (RFC 791) or IPv6 (RFC 8200) packet at least as long as its fixed header, of
    the version its payload format says."""
    version, minimum = (4, 20) if fmt == 5 else (6, 40)
    if len(payload) < minimum or payload[0] >> 4 != version:
        raise ConversionError(
            f"payload format {fmt} needs an IPv{version} packet (version {version}, at least "
            f"{minimum} octets), got {len(payload)} octets of version {payload[0] >> 4}",
            "payload")

