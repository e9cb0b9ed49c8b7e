"""The warrant book in a mediation cluster: the one process that runs it (HI-1 in, ETSI TS
103 120; X1 out, TS 103 221-1) keeps the cluster's task bucket equal to the tasks the book
makes live, so that every ingest and handover node works for exactly those tasks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .._checks import require_instance, require_number
from ..errors import ClusterError
from ..mediation import Mediation, MediationTask, SyncReport
from ._jetstream import ClusterLayout, connect
from ._tasks import ClusterTaskStore

__all__ = ["BookOptions", "BookStats", "run_book"]

log = logging.getLogger("lawful_intercept.cluster")


@dataclass(slots=True)
class BookOptions:
    """What the warrant book's node needs: the NATS ``servers``, its ``name``, the seconds
    between two syncs of the book (``interval``), the cluster's ``layout``, how long a
    write of the task bucket may take (``mirror_timeout`` seconds) and after how many
    seconds the tombstone of an ended task is purged from the bucket (``forget_after``,
    a day; ``None`` keeps them: see :meth:`ClusterTaskStore.mirror`)."""

    servers: list[str]
    name: str
    interval: float = 1.0
    layout: ClusterLayout = field(default_factory=ClusterLayout)
    mirror_timeout: float = 30.0
    forget_after: float | None = 86400.0

    def __post_init__(self) -> None:
        require_number(self.interval, "BookOptions.interval", low=0, low_open=True)
        require_number(self.mirror_timeout, "BookOptions.mirror_timeout", low=0,
                       low_open=True)
        if self.forget_after is not None:
            require_number(self.forget_after, "BookOptions.forget_after", low=0)


@dataclass(slots=True)
class BookStats:
    """What :func:`run_book` did: the ``syncs`` of the book completed (its tasks in the
    bucket, the NEs told), those ``failed`` (cut short because the bucket or an NE did not
    answer; done again at the next), the task entries ``put`` (a task activated or
    modified) and ``removed`` (turned into tombstones: a task deactivated, expired or
    cancelled)."""

    syncs: int = 0
    failed: int = 0
    put: int = 0
    removed: int = 0


async def run_book(mediation: Mediation, options: BookOptions, stop: asyncio.Event, *,
                   on_sync: Callable[[SyncReport], object] | None = None) -> BookStats:
    """Run the cluster's warrant book until ``stop`` is set: every ``options.interval``
    seconds :meth:`Mediation.sync <lawful_intercept.mediation.Mediation.sync>` lets the
    book's time pass, and the tasks it makes live are mirrored into the task bucket
    (:meth:`ClusterTaskStore.mirror`: new and changed tasks put, ended ones tombstoned)
    *before* any network element is tasked or told to stop over X1, so the converting
    nodes never see a task the bucket does not hold. ``mediation`` usually has a bare
    :class:`~lawful_intercept.mediation.X2X3Converter` as its delivery: the ingest nodes
    make the HI1 notifications. A sync the bucket or an NE cuts short is logged and done
    again at the next. ``on_sync`` sees each :class:`~lawful_intercept.mediation.SyncReport`.
    Run one book per cluster: a mirror tombstones every task its book does not hold."""
    require_instance(mediation, Mediation, "mediation")
    require_instance(options, BookOptions, "options")
    nc = await connect(options.servers, name=options.name)
    try:
        buckets = await options.layout.ensure(nc.jetstream())
        store = ClusterTaskStore(buckets["tasks"])
        loop = asyncio.get_running_loop()
        stats = BookStats()

        def mirror(tasks: dict[str, MediationTask]) -> None:  # in the sync's thread
            future = asyncio.run_coroutine_threadsafe(
                store.mirror(tasks.values(), forget_after=options.forget_after), loop)
            try:
                put, removed = future.result(options.mirror_timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise ClusterError(f"the task bucket did not answer within "
                                   f"{options.mirror_timeout} s") from None
            stats.put += put
            stats.removed += removed

        while not stop.is_set():
            try:
                # the sync blocks (sqlite, X1 over HTTPS): in a thread, one at a time
                report = await asyncio.to_thread(mediation.sync, datetime.now(UTC),
                                                 on_tasks=mirror)
            except Exception as exc:
                stats.failed += 1
                log.warning("%s: sync of the warrant book cut short (tried again): %r",
                            options.name, exc)
            else:
                stats.syncs += 1
                if on_sync is not None:
                    on_sync(report)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), options.interval)
        return stats
    finally:
        await nc.close()
