"""Sequence numbers of one received stream: duplicates and gaps (ETSI TS 102 232-1 5.2.5).

TS 102 232-1 clause 5.2.5 numbers the PDUs of each LIID + CIN + kind (IRI, CC, TRI) from 0
upwards. A receiver uses the numbers to remove the copies a reconnecting sender delivers twice
and to see which PDUs never arrived. :class:`SequenceTracker` keeps what is needed for both
in memory proportional to the disorder of the stream, not to its length: the numbers below a
watermark are all seen, and only the numbers seen above it are kept.

See ``docs/lemf.md``.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["SequenceTracker"]


class SequenceTracker:
    """The sequence numbers seen on one stream (TS 102 232-1 5.2.5).

    Numbering starts at 0. :meth:`add` tells whether a number is new or a duplicate;
    the *missing* numbers are those in ``[0, highest seen]`` never seen.
    """

    __slots__ = ("_above", "_high", "_low")

    def __init__(self) -> None:
        self._low = 0  # every number below it was seen
        self._above: set[int] = set()  # numbers seen above the watermark
        self._high = -1  # highest number seen (-1: none yet)

    def add(self, number: int) -> bool:
        """Record ``number``; ``True`` if it is new, ``False`` if it was seen before."""
        if number < self._low or number in self._above:
            return False
        if number > self._high:
            self._high = number
        if number == self._low:
            low = number + 1
            above = self._above
            while low in above:
                above.discard(low)
                low += 1
            self._low = low
        else:
            self._above.add(number)
        return True

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and (0 <= number < self._low or number in self._above)

    @property
    def highest(self) -> int | None:
        """The highest number seen, ``None`` before the first."""
        return self._high if self._high >= 0 else None

    @property
    def seen(self) -> int:
        """How many distinct numbers were seen."""
        return self._low + len(self._above)

    @property
    def missing_count(self) -> int:
        """How many numbers in ``[0, highest]`` were never seen."""
        return self._high + 1 - self.seen

    def missing_ranges(self, limit: int | None = None) -> list[tuple[int, int]]:
        """The missing numbers as inclusive ``(first, last)`` ranges, lowest first; at most
        ``limit`` ranges when given."""
        out: list[tuple[int, int]] = []
        for gap in self._ranges():
            if limit is not None and len(out) >= limit:
                break
            out.append(gap)
        return out

    def _ranges(self) -> Iterator[tuple[int, int]]:
        expected = self._low
        for number in sorted(self._above):
            if number > expected:
                yield expected, number - 1
            expected = number + 1
