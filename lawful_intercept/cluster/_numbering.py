"""The sequence numbers of one LIID in cluster mode (sans-IO): assigned once per JetStream
message and stored with the LIID's state in the key-value bucket before the record is sent,
so that whichever node sends a message again sends it with the same number (TS 102 232-1
5.2.5: the LEMF sees an exact duplicate, never a gap). See docs/cluster.md."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .._checks import require_instance, require_int

__all__ = ["LIIDNumbering"]


@dataclass(slots=True)
class LIIDNumbering:
    """The numbering state of one LIID: ``next`` the next sequence number of each
    ``"<CIN>/<kind>"`` stream, ``applied`` the highest stream sequence of a JetStream message
    numbered, ``assigned`` the number given to each message numbered and not yet below the
    consumer's acknowledgement floor.

    The owner numbers its consumer's messages in stream order (the consumer is made anew
    from the acknowledgement floor at every takeover), so a message above ``applied`` was
    never numbered, a message in ``assigned`` gets its number again, and a message at or
    below ``applied`` that is not in ``assigned`` was acknowledged (it is below the floor)
    and is not sent again.
    """

    next: dict[str, int] = field(default_factory=dict)
    applied: int = 0
    assigned: dict[int, int] = field(default_factory=dict)
    epoch: int = 0
    """The lease epoch of the owner that wrote the state last (a fencing token: an owner of
    a lower epoch has lost the LIID)."""

    def number(self, stream_seq: int, cin: int, kind: str) -> int | None:
        """The sequence number of the message at ``stream_seq`` (its record's ``cin`` and
        numbering ``kind``): the one it was given before, a new one, or ``None`` for a
        message already acknowledged (nothing to send)."""
        require_int(stream_seq, "stream_seq", low=1)
        known = self.assigned.get(stream_seq)
        if known is not None:
            return known
        if stream_seq <= self.applied:
            return None
        key = f"{cin}/{kind}"
        number = self.next.get(key, 0)
        self.next[key] = number + 1
        self.assigned[stream_seq] = number
        self.applied = stream_seq
        return number

    def trim(self, ack_floor: int) -> int:
        """Forget the assignments at or below the consumer's acknowledgement floor (those
        messages are never delivered again); return how many were forgotten."""
        require_int(ack_floor, "ack_floor", low=0)
        gone = [seq for seq in self.assigned if seq <= ack_floor]
        for seq in gone:
            del self.assigned[seq]
        return len(gone)

    def to_bytes(self) -> bytes:
        """The state as the key-value entry's value (JSON)."""
        return json.dumps({"next": self.next, "applied": self.applied,
                           "assigned": {str(k): v for k, v in self.assigned.items()},
                           "epoch": self.epoch},
                          separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes | None) -> LIIDNumbering:
        """The state in an entry's value (empty: a fresh LIID); anything else raises
        ``ValueError``."""
        if not data:
            return cls()
        require_instance(data, bytes, "data")
        try:
            value = json.loads(data)
            return cls({str(k): int(v) for k, v in value["next"].items()},
                       int(value["applied"]),
                       {int(k): int(v) for k, v in value["assigned"].items()},
                       int(value.get("epoch", 0)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"numbering entry is not a numbering state: {exc}") from None
