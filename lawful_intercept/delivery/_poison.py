"""Finding a poison record: one after which the peer closes the connection again and again
(docs/delivery.md, "Poison records").

A LEMF whose listener cannot take a record (a PDU of another type, one it fails to decode)
typically closes the connection on it. Every record written and unproven on that connection
is then sent again, and the connection fails again: the records behind the poison one never
arrive. :class:`PoisonWatch` narrows the suspects down by halving: after a connection the
peer ended with ``n`` records written and unproven, the next connections carry at most
``n // 2`` records before they ask for proof (an acknowledgement, a keep-alive answer or an
orderly close), until a single record is the only one written when the peer ends the
connection; after ``strikes`` such ends in a row for the same record it is the poison one
(:meth:`PoisonWatch.peer_closed` returns it). The pump consults it only once the peer has
proven the delivery of some record: a peer that never proves anything (one that drops every
connection) blames no record. Once it is found, or once the records up to
the highest one written on the failed connection are proven, delivery goes back to full
batches. Sans-IO: the pump
(:mod:`._pump`) asks it how many records a step may carry and tells it what happened.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from .._checks import require_int

__all__ = ["DEFAULT_POISON_STRIKES", "PoisonWatch"]

DEFAULT_POISON_STRIKES = 3
"""Connections the peer ends right after the same record, in a row, before it is taken out
of delivery (issue 11: K = 3)."""


class PoisonWatch:
    """The halving search for a poison record (see the module documentation)."""

    def __init__(self, strikes: int = DEFAULT_POISON_STRIKES) -> None:
        self.strikes = require_int(strikes, "poison_strikes", low=1)
        self.probe: int | None = None
        """At most this many records per step (``None``: no limit, nothing suspected)."""
        self.frontier = 0  # the highest record id written on a connection the peer ended
        self.suspect: int | None = None  # the record alone on the last connection ended
        self.count = 0  # ends in a row with the suspect alone

    def peer_closed(self, written: Sequence[Hashable], *, blame: bool = True) -> int | None:
        """The peer ended a connection with ``written`` (record ids, in order) written and
        not proven. Returns the id of the poison record, once found (delivery then goes back
        to full batches). Without ``blame`` the search narrows down but names no record."""
        ids = [i for i in written if isinstance(i, int)]
        if not ids:
            return None
        self.frontier = max(self.frontier, ids[-1])
        if len(ids) > 1:
            self.probe = max(1, len(ids) // 2) if self.probe is None else max(
                1, min(self.probe, len(ids)) // 2)
            return None
        record_id = ids[0]
        self.probe = 1
        if record_id == self.suspect:
            self.count += 1
        else:
            self.suspect, self.count = record_id, 1
        if self.count < self.strikes or not blame:
            return None
        self.suspect, self.count = None, 0
        self.probe, self.frontier = None, 0  # full batches again; another poison restarts
        return record_id

    def proven(self, record_ids: Sequence[Hashable]) -> None:
        """Records proven delivered: a suspect among them is cleared; once the frontier is
        proven, the search ends."""
        if self.probe is None or not record_ids:
            return
        if self.suspect in record_ids:
            self.suspect, self.count = None, 0
        last = record_ids[-1]
        if isinstance(last, int) and last >= self.frontier:
            self.probe = None
            self.frontier = 0
