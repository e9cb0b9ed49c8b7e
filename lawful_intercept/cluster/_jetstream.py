"""The JetStream objects of a mediation cluster: the record stream and the key-value buckets
(leases, numbering states, tasks, live nodes), made idempotently by whichever node starts
first. nats-py is imported here and in the node modules only, so the library works without
the ``cluster`` extra."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .._checks import require_int, require_number
from ..errors import ClusterError

__all__ = ["ClusterLayout", "connect"]

log = logging.getLogger("lawful_intercept.cluster")


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    """Names and sizes of a cluster's JetStream objects: the record ``stream`` (subjects
    ``li.>``), the buckets ``leases``, ``numbering``, ``tasks`` and ``nodes``, their
    ``replicas`` (3 for a three-server cluster: every record survives one server lost),
    the stream's de-duplication window ``duplicate_window`` and retention ``max_age``
    (seconds), and the lease time ``lease_ttl`` (seconds; a dead node's LIIDs are taken
    over after at most this long)."""

    stream: str = "LI_RECORDS"
    leases: str = "li_leases"
    numbering: str = "li_numbering"
    tasks: str = "li_tasks"
    nodes: str = "li_nodes"
    replicas: int = 3
    duplicate_window: float = 120.0
    max_age: float = 7 * 86400.0
    lease_ttl: float = 6.0

    def __post_init__(self) -> None:
        require_int(self.replicas, "ClusterLayout.replicas", low=1, high=5)
        require_number(self.duplicate_window, "ClusterLayout.duplicate_window", low=1)
        require_number(self.max_age, "ClusterLayout.max_age", low=1)
        require_number(self.lease_ttl, "ClusterLayout.lease_ttl", low=0.5)

    async def ensure(self, js: Any) -> dict[str, Any]:
        """Make the stream and buckets that do not exist yet (an existing one is used as it
        is); return the key-value handles by role."""
        from nats.js.api import KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
        from nats.js.errors import BadRequestError, NotFoundError

        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            try:
                await js.add_stream(StreamConfig(
                    name=self.stream, subjects=["li.>"], retention=RetentionPolicy.LIMITS,
                    storage=StorageType.FILE, num_replicas=self.replicas,
                    duplicate_window=self.duplicate_window, max_age=self.max_age))
            except BadRequestError:  # another node made it meanwhile
                await js.stream_info(self.stream)
        handles: dict[str, Any] = {}
        for role, bucket, ttl in (("leases", self.leases, None),
                                  ("numbering", self.numbering, None),
                                  ("tasks", self.tasks, None),
                                  ("nodes", self.nodes, 3 * self.lease_ttl)):
            try:
                handles[role] = await js.key_value(bucket)
            except Exception:
                handles[role] = await js.create_key_value(KeyValueConfig(
                    bucket=bucket, history=1, replicas=self.replicas, ttl=ttl,
                    storage=StorageType.FILE))
        return handles


async def connect(servers: list[str], *, name: str, timeout: float = 10.0) -> Any:
    """A NATS connection to ``servers`` (``nats://HOST:PORT`` each) that reconnects for
    ever (a node outlives a broker's restart); :class:`ClusterError` if none answers
    within ``timeout`` seconds."""
    try:
        import nats
    except ImportError:
        raise ClusterError("cluster mode needs nats-py: pip install "
                           "'lawful-intercept[cluster]'") from None
    if not servers:
        raise ValueError("servers must name at least one nats://HOST:PORT")
    async def on_error(exc: Exception) -> None:  # a server of the list down: logged
        log.debug("%s: NATS: %r", name, exc)

    try:
        return await nats.connect(servers=servers, name=name, connect_timeout=timeout,
                                  max_reconnect_attempts=-1, reconnect_time_wait=0.2,
                                  allow_reconnect=True, error_cb=on_error)
    except Exception as exc:
        raise ClusterError(f"cannot reach the NATS servers {', '.join(servers)}: "
                           f"{exc!r}") from None
