"""Opening a spool directory: read the acknowledgement log, check every segment against the
high-water mark, replay acknowledgements and dead letters, and refuse a directory that lost
committed records (docs/spool.md, "Recovery" and "Damage table").

What no commit covered (ids above the high-water mark) may be cut as a torn tail; every id up
to the mark must be in a segment, acknowledged, or a dead letter, or the spool is damaged
(:class:`SpoolCorrupt` naming the missing ids). A version 1 directory (no mark) is recovered
with the rules it allows and rewritten as version 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import SpoolCorrupt
from ._spool_acks import AckLog
from ._spool_dead import DeadLetterLog
from ._spool_format import ACK_DEAD, ACK_THROUGH, SEGMENT_NAME, ack_entry, segment_name
from ._spool_segments import SegmentIndex

__all__ = ["recover"]


def recover(index: SegmentIndex, acks: AckLog, dead: DeadLetterLog, *, sync_enabled: bool,
            ack_state: Callable[[], bytes]) -> None:
    """Open and check the spool files of ``index.directory``; afterwards ``index.next_id``
    is the next id to issue and the active segment starts there. ``ack_state()`` gives the
    compact acknowledgement entries (to rewrite a version 1 log)."""
    replay = acks.open()
    names = sorted(
        (int(match.group(1)), name)
        for name in os.listdir(index.directory)
        if (match := SEGMENT_NAME.match(name))
    )
    if names and not replay.existed:
        raise SpoolCorrupt(
            f"the acknowledgement log is missing but {len(names)} segment files exist",
            acks.path, 0,
        )
    high_water = replay.high_water
    index.load(names, high_water)
    through, ranges, dead_marks = 0, [], []
    for kind, first, last in replay.entries:
        if kind == ACK_THROUGH:
            index.mark_through(last)
            through = max(through, last)
            continue
        index.mark_range(first, last)
        ranges.append((first, last))
        if kind == ACK_DEAD:
            dead_marks.append((first, last))
    dead.open()
    for first, last in dead_marks:
        for record_id in range(first, last + 1):
            if not dead.known(record_id):
                raise SpoolCorrupt(f"record {record_id} was moved to the dead letters but "
                                   f"{dead.path} has no letter for it", dead.path, 0)
    for record_id in sorted(dead.letters):  # a move a crash interrupted: finish it
        if index.is_pending(record_id):
            acks.write(ack_entry(ACK_DEAD, record_id, record_id))
            index.mark_id(record_id)
    _check_missing(index, high_water, through, ranges)
    segments = index.segments
    highest = max([through, *(last for _, last in ranges), *dead.letters, *dead.removed])
    index.next_id = max(segments[-1].end_id if segments else 1, highest + 1, high_water + 1, 1)
    if not segments or segments[-1].end_id != index.next_id:
        # No segment yet, or acknowledgements of ids beyond the last durable record (a
        # machine crash between the two files): start a segment at the next id, so that
        # the ids of a segment stay consecutive and no id is issued twice.
        index.roll()
    if index.next_id - 1 > high_water:
        # Records found beyond the mark (written, not committed, or a version 1 spool):
        # commit them now, so that their loss is damage from here on.
        for segment in index.segments:
            if segment.end_id - 1 > high_water and sync_enabled:
                os.fsync(segment.fd)
        acks.note_high_water(index.next_id - 1)
    if replay.version == 1:
        acks.rewrite(ack_state())
    elif sync_enabled and acks.unsynced:
        acks.sync()


def _check_missing(index: SegmentIndex, high_water: int, through: int,
                   ranges: list[tuple[int, int]]) -> None:
    """:class:`SpoolCorrupt` naming the committed ids that nothing accounts for."""
    missing = index.missing(high_water, through, ranges)
    if not missing:
        return
    first = missing[0][0]
    holder = [s for s in index.segments if s.first_id <= first]
    where = holder[-1].path if holder else index.path(segment_name(first))
    spans = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in missing)
    raise SpoolCorrupt(
        f"committed records are missing (segment files deleted or cut): ids {spans}; "
        f"the high-water mark is {high_water}",
        where, holder[-1].size if holder else 0,
    )
