"""Leases of LIIDs among the handover nodes (sans-IO): who owns an LIID, whether a node may
take or renew it, and how many a node should hold. The I/O (a JetStream key-value bucket,
compare-and-set on the entry's revision) is in ``_handover``; this module only decides."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal

from .._checks import require_instance, require_int

__all__ = ["Lease", "LeaseDecision", "RemovedDecision", "decide_lease", "decide_removed",
           "fair_share", "next_lease"]

LeaseDecision = Literal["create", "update", "keep-away"]
"""What a node may do with a lease entry: ``create`` it (no entry: compare-and-set against
"no revision"), ``update`` it (its own, or expired: compare-and-set against the revision
read), or keep away (another live node owns it)."""

RemovedDecision = Literal["keep", "release", "take", "leave"]
"""What a node does with an LIID whose every task was deactivated: ``keep`` the lease it
holds (renewed, its records still read), ``release`` it, ``take`` it (nobody holds it and
records are left), or ``leave`` it alone."""


@dataclass(frozen=True, slots=True)
class Lease:
    """One lease: ``owner`` (a node's name) holds the LIID until ``until_ms`` (milliseconds
    since the epoch); ``epoch`` counts the owners the LIID has had (a fencing token)."""

    owner: str
    until_ms: int
    epoch: int = 0

    def __post_init__(self) -> None:
        require_instance(self.owner, str, "Lease.owner")
        if not self.owner:
            raise ValueError("Lease.owner must not be empty")
        require_int(self.until_ms, "Lease.until_ms", low=0)
        require_int(self.epoch, "Lease.epoch", low=0)

    def to_bytes(self) -> bytes:
        """The entry's value (JSON)."""
        return json.dumps({"owner": self.owner, "until_ms": self.until_ms,
                           "epoch": self.epoch}).encode()

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Lease | None:
        """The lease in an entry's value; ``None`` for an empty value (a released or
        purged lease). A value that is no lease raises ``ValueError``."""
        if not data:
            return None
        try:
            value = json.loads(data)
            return cls(str(value["owner"]), int(value["until_ms"]), int(value["epoch"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"lease entry is not a lease: {exc}") from None

    def live(self, now_ms: int) -> bool:
        """Whether the lease still holds at ``now_ms``."""
        return now_ms < self.until_ms

    def renewed(self, now_ms: int, ttl_ms: int) -> Lease:
        """This holding renewed until ``now_ms + ttl_ms``: same owner, same epoch, whether
        it is still live or not. A renewal is written compare-and-set against the revision
        the owner wrote last, so it succeeds only if no node wrote the entry meanwhile: a
        node starved past its lease time keeps the LIID if nobody took it, without a new
        epoch (and without stopping its worker)."""
        require_int(now_ms, "now_ms", low=0)
        require_int(ttl_ms, "ttl_ms", low=1)
        return Lease(self.owner, now_ms + ttl_ms, self.epoch)

    def same_holding(self, other: Lease | None) -> bool:
        """Whether ``other`` (an entry read back) is this holding: the same owner and epoch,
        whatever its time. A renewal whose answer was lost finds its own write so, and
        carries on from that entry's revision instead of taking the LIID for lost."""
        return other is not None and (other.owner, other.epoch) == (self.owner, self.epoch)


def decide_lease(current: Lease | None, node: str, now_ms: int, *,
                 exists: bool) -> LeaseDecision:
    """What ``node`` may do at ``now_ms`` with the lease entry ``current`` (``exists``:
    whether the key has an entry at all, a released lease being an entry with an empty
    value). A node renews its own lease while it holds (``update``); any node may take an
    expired or released lease (``update``) or a missing one (``create``); a live lease of
    another node is kept away from. The compare-and-set makes the decision safe: of two nodes
    deciding on the same revision, one write fails."""
    require_instance(node, str, "node")
    if not exists:
        return "create"
    if current is None or current.owner == node or not current.live(now_ms):
        return "update"
    return "keep-away"


def next_lease(current: Lease | None, node: str, now_ms: int, ttl_ms: int) -> Lease:
    """The lease ``node`` writes to take or renew: until ``now_ms + ttl_ms``; the epoch
    grows when the owner changes (a new owner's token is larger than any before)."""
    require_int(ttl_ms, "ttl_ms", low=1)
    if current is not None and current.owner == node and current.live(now_ms):
        return Lease(node, now_ms + ttl_ms, current.epoch)
    return Lease(node, now_ms + ttl_ms, 0 if current is None else current.epoch + 1)


def fair_share(liids: int, nodes: int) -> int:
    """How many LIIDs one of ``nodes`` live handover nodes holds at most when they are
    balanced: ``ceil(liids / nodes)`` (all of them with one node)."""
    require_int(liids, "liids", low=0)
    require_int(nodes, "nodes", low=1)
    return math.ceil(liids / nodes)


def decide_removed(*, held: bool, tombstoned: bool, pending: int, ack_pending: int,
                   inflight: int = 0) -> RemovedDecision:
    """What a node does with an LIID no active task has any more. ``held``: whether the
    node holds its lease; ``tombstoned``: whether a tombstone of its task is still in the
    task bucket; ``pending`` and ``ack_pending``: the messages of its durable consumer not
    yet delivered and those delivered but not acknowledged (without a consumer, the messages
    the stream holds on its subjects, and 0); ``inflight``: the records the node sent and
    the LEMF has not proven yet.

    The last records of a deactivated task (those converted just before, and its HI1
    notification, TS 102 232-1 clause 5.2.5 numbering them like any other) must reach the
    agency: while the tombstone is there and anything is left, the owner keeps the LIID and
    a node that sees it unowned takes it; once nothing is left, or the tombstone is purged
    (which bounds what is checked), the lease is given back."""
    for value, name in ((pending, "pending"), (ack_pending, "ack_pending"),
                        (inflight, "inflight")):
        require_int(value, name, low=0)
    left = tombstoned and pending + ack_pending + inflight > 0
    if held:
        return "keep" if left else "release"
    return "take" if left else "leave"
