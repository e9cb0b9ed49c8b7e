"""The warrants' tasks shared by every node of a mediation cluster: a JetStream key-value
bucket (one entry per XID) with the small interface the nodes need of the single-machine
warrant book: the tasks, XID → LIID, the LIIDs and the destinations (TS 103 221-1
ActivateTask / ModifyTask / DeactivateTask as they reach the mediation function)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from typing import Any

from .._checks import require_instance, require_number
from ..errors import ClusterError
from ..mediation import MediationTask

__all__ = ["ClusterTaskStore", "task_from_bytes", "task_to_bytes"]



def _tombstone_bytes(xid: uuid.UUID, liid: str) -> bytes:
    return json.dumps({"deactivated": True, "xid": str(xid), "liid": liid,
                       "at": time.time()}).encode()


def _read_tombstone(data: bytes) -> tuple[str, float] | None:
    """The LIID of a tombstone entry and the seconds since it was written (0 for one
    without a time); ``None`` for anything else."""
    if not data.startswith(b'{"deactivated"'):
        return None
    try:
        fields = json.loads(data)
        liid = str(fields["liid"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ClusterError(f"task tombstone is not one: {exc!r}") from None
    try:
        age = max(time.time() - float(fields.get("at", time.time())), 0.0)
    except (ValueError, TypeError):
        age = 0.0
    return liid, age


def task_to_bytes(task: MediationTask) -> bytes:
    """A task as its key-value entry (JSON; times in nanoseconds since the epoch)."""
    require_instance(task, MediationTask, "task")
    return json.dumps({"xid": str(task.xid), "liid": task.liid,
                       "delivery_type": task.delivery_type,
                       "handover_format": task.handover_format,
                       "destinations": list(task.destinations), "start": task.start_ns,
                       "end": task.end_ns, "targets": list(task.targets)}).encode()


def task_from_bytes(data: bytes) -> MediationTask:
    """The task of an entry :func:`task_to_bytes` wrote; anything else raises
    :class:`~lawful_intercept.errors.ClusterError` naming what is wrong."""
    try:
        value = json.loads(data)
        return MediationTask(
            uuid.UUID(value["xid"]), value["liid"], value["delivery_type"],
            value["handover_format"], tuple(value["destinations"]), value["start"],
            value["end"], tuple(value["targets"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ClusterError(f"task entry is not a task: {exc!r}") from None


class ClusterTaskStore:
    """The tasks in the cluster's ``tasks`` bucket (``kv``: a nats-py key-value handle).
    Writes replace the entry of the task's XID; every node reads the same tasks."""

    def __init__(self, kv: Any) -> None:
        self.kv = kv

    async def put(self, task: MediationTask) -> None:
        """Store (activate or modify) ``task``."""
        await self.kv.put(task.xid.hex, task_to_bytes(task))

    async def remove(self, xid: uuid.UUID) -> None:
        """Deactivate the task of ``xid``: its entry becomes a tombstone (an explicit
        deactivation; a task missing from a listing, as when a broker does not answer in
        time, is never taken for a deactivated one)."""
        require_instance(xid, uuid.UUID, "xid")
        await self.kv.put(xid.hex, _tombstone_bytes(xid, await self.liid_of(xid) or ""))

    async def snapshot(self) -> tuple[dict[uuid.UUID, MediationTask], dict[uuid.UUID, str]]:
        """The active tasks by XID, and the LIID of each XID deactivated (tombstones).
        Under a broker's failure a listing may come back short: use the tombstones, not
        absence, to learn what was deactivated."""
        active, removed, _ = await self._read()
        return active, removed

    async def _read(self) -> tuple[dict[uuid.UUID, MediationTask], dict[uuid.UUID, str],
                                   dict[uuid.UUID, float]]:
        from nats.js.errors import KeyDeletedError, KeyNotFoundError, NoKeysError

        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return {}, {}, {}
        active: dict[uuid.UUID, MediationTask] = {}
        removed: dict[uuid.UUID, str] = {}
        ages: dict[uuid.UUID, float] = {}
        for key in keys:
            try:
                entry = await self.kv.get(key)
            except (KeyNotFoundError, KeyDeletedError):
                continue
            if not entry.value:
                continue
            dead = _read_tombstone(entry.value)
            if dead is not None:
                removed[uuid.UUID(hex=key)], ages[uuid.UUID(hex=key)] = dead
            else:
                task = task_from_bytes(entry.value)
                active[task.xid] = task
        return active, removed, ages

    async def mirror(self, tasks: Iterable[MediationTask], *,
                     forget_after: float | None = None) -> tuple[int, int]:
        """Make the bucket hold exactly ``tasks`` (e.g. what a single-machine
        :class:`~lawful_intercept.mediation.Mediation` runs after each
        :meth:`~lawful_intercept.mediation.Mediation.sync`:
        ``mediation.live_tasks().values()``, the warrant book driving the cluster): new and
        changed tasks are put, tasks no longer there get a tombstone. With ``forget_after``
        (seconds), tombstones older than that are purged, so the bucket does not grow with
        every task ever run (a node that has not read the bucket for that long keeps such a
        task: choose it far above any outage). Returns how many were put and how many
        removed."""
        wanted = {}
        for index, task in enumerate(tasks):
            require_instance(task, MediationTask, f"tasks[{index}]")
            wanted[task.xid] = task
        if forget_after is not None:
            require_number(forget_after, "forget_after", low=0)
        active, _, ages = await self._read()
        for xid, age in ages.items():
            if forget_after is not None and age > forget_after and xid not in wanted:
                await self.kv.purge(xid.hex)
        put = removed = 0
        for xid, task in wanted.items():
            if active.get(xid) != task:
                await self.put(task)
                put += 1
        for xid, task in active.items():
            if xid not in wanted:
                await self.kv.put(xid.hex, _tombstone_bytes(xid, task.liid))
                removed += 1
        return put, removed

    async def tasks(self) -> list[MediationTask]:
        """Every active task."""
        return list((await self.snapshot())[0].values())

    async def liid_of(self, xid: uuid.UUID) -> str | None:
        """The LIID of the task of ``xid`` (``None``: no such task)."""
        from nats.js.errors import KeyDeletedError, KeyNotFoundError

        require_instance(xid, uuid.UUID, "xid")
        try:
            entry = await self.kv.get(xid.hex)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        if not entry.value or _read_tombstone(entry.value) is not None:
            return None
        return task_from_bytes(entry.value).liid

    async def liids(self) -> set[str]:
        """The LIIDs of every active task."""
        return {task.liid for task in await self.tasks()}

    async def liid_changes(self) -> tuple[set[str], set[str]]:
        """The LIIDs of the active tasks, and the LIIDs whose every task was deactivated
        (what the handover nodes share out, and what they stop handing over)."""
        active, removed = await self.snapshot()
        live = {task.liid for task in active.values()}
        return live, set(removed.values()) - live

    async def destinations(self) -> set[str]:
        """The destination names the tasks use."""
        return {name for task in await self.tasks() for name in task.destinations}
