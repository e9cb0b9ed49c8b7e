"""Time stamps: the GeneralizedTime timeStamp, the MicroSecondTimeStamp, the
TimeStampQualifier and the :class:`Clock` the record builders read them from (ETSI TS 102 232-1
clause 5.2.6; see docs/correlation.md)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, TypedDict

from .._checks import require_choice, type_name
from ..errors import EncodeError
from ._values import ReadOnly, read_only, uint

__all__ = [
    "TIME_STAMP_QUALIFIERS",
    "Clock",
    "MicroSecondTimeStamp",
    "Precision",
    "datetime_from_micro_second_timestamp",
    "generalized_time",
    "micro_second_timestamp",
    "time_stamp_qualifier",
]

#: The TimeStampQualifier names (TS 102 232-1 ASN.1; ``timeOfAggregation`` is an extension
#: addition, present in LI-PS-PDU version 35 and 43).
TIME_STAMP_QUALIFIERS: Final = (
    "unknown",
    "timeOfInterception",
    "timeOfMediation",
    "timeOfAggregation",
)

#: The officially assigned ISO 3166-1 alpha-2 country codes (249). Reserved and user-assigned


class MicroSecondTimeStamp(TypedDict):
    """TS 102 232-1 MicroSecondTimeStamp: seconds since 1970-01-01T00:00Z and microseconds."""

    seconds: int
    microSeconds: int


Precision = Literal["ms", "us"]
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SECONDS_MAX: Final = 18446744073709551615


def _split_ns(value: int, path: str) -> tuple[int, int]:
    if value < 0:
        raise EncodeError(
            f"time must be at or after 1970-01-01T00:00Z (nanoseconds >= 0), got {value}", path
        )
    return divmod(value // 1000, 1_000_000)


def _aware(value: datetime) -> datetime:
    """An aware datetime of the same instant; naive means local time (library convention)."""
    return value.astimezone(UTC)  # for naive values, astimezone assumes local time (and fold)


def _check_precision(precision: object) -> None:
    require_choice(precision, ("ms", "us"), "precision")


def generalized_time(
    value: int | datetime, *, utc: bool = True, precision: Precision = "us"
) -> datetime:
    """A GeneralizedTime value for timeStamp (TS 102 232-1 clause 5.2.6).

    ``value`` is nanoseconds since the Unix epoch (``time.time_ns()``) or a ``datetime``
    (naive = local time, as in the library's value convention). The result is an aware UTC
    datetime (encoded with ``Z``) when ``utc``, else a naive local one (encoded without a
    zone); its fraction is cut to milliseconds (``"ms"``) or microseconds (``"us"``). The
    instant is kept exactly, also across daylight-saving changes (``fold`` is set).
    """
    _check_precision(precision)
    path = "timeStamp"
    try:
        if isinstance(value, datetime):
            aware = _aware(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            seconds, micros = _split_ns(value, path)
            aware = _EPOCH + timedelta(seconds=seconds, microseconds=micros)
        else:
            raise EncodeError(
                f"time must be int nanoseconds or datetime, got {type_name(value)}", path
            )
        if precision == "ms":
            aware = aware.replace(microsecond=aware.microsecond // 1000 * 1000)
        if utc:
            return aware
        delta = aware - _EPOCH
        local = datetime.fromtimestamp(delta.days * 86400 + delta.seconds)
        return local.replace(microsecond=delta.microseconds)
    except (OverflowError, OSError, ValueError) as exc:
        raise EncodeError(f"time {value!r} cannot be represented: {exc}", path) from None


def micro_second_timestamp(value: int | datetime) -> MicroSecondTimeStamp:
    """A MicroSecondTimeStamp (TS 102 232-1 ASN.1 ``MicroSecondTimeStamp``).

    ``{"seconds": s, "microSeconds": us}``: whole seconds since 1970-01-01T00:00Z
    (0..18446744073709551615) and microseconds (0..999999). ``value`` is nanoseconds since
    the epoch (``time.time_ns()``, truncated to microseconds) or a ``datetime`` (naive =
    local time), converted exactly.
    """
    path = "microSecondTimeStamp.seconds"
    if isinstance(value, datetime):
        try:
            delta = _aware(value) - _EPOCH
        except (OverflowError, OSError, ValueError) as exc:
            raise EncodeError(f"time {value!r} cannot be converted: {exc}", path) from None
        if delta < timedelta(0):
            raise EncodeError(
                f"MicroSecondTimeStamp starts at 1970-01-01T00:00Z, got {value!r}", path
            )
        seconds, micros = delta.days * 86400 + delta.seconds, delta.microseconds
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds, micros = _split_ns(value, path)
    else:
        raise EncodeError(
            f"time must be int nanoseconds or datetime, got {type_name(value)}", path
        )
    if seconds > _SECONDS_MAX:
        raise EncodeError(
            f"seconds must be 0..18446744073709551615 (MicroSecondTimeStamp), got {seconds}",
            path,
        )
    return {"seconds": seconds, "microSeconds": micros}


def datetime_from_micro_second_timestamp(value: Mapping[str, object]) -> datetime:
    """The aware UTC datetime of a MicroSecondTimeStamp (TS 102 232-1 ASN.1), exactly."""
    base = "microSecondTimeStamp"
    if not isinstance(value, Mapping):
        raise EncodeError(f"must be a dict, got {type_name(value)}", base)
    extra = set(value) - {"seconds", "microSeconds"}
    if extra:
        raise EncodeError(f"unknown members {sorted(extra)!r}", base)
    seconds = uint(
        value.get("seconds"), f"{base}.seconds", "seconds", _SECONDS_MAX,
        "INTEGER (0..18446744073709551615)",
    )
    micros = uint(
        value.get("microSeconds"), f"{base}.microSeconds", "microSeconds", 999999,
        "INTEGER (0..999999)",
    )
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=micros)
    except OverflowError:
        raise EncodeError(
            f"{seconds} seconds is beyond the year 9999 of datetime", f"{base}.seconds"
        ) from None


def time_stamp_qualifier(value: object) -> str:
    """Check a TimeStampQualifier name (TS 102 232-1 ASN.1 ``TimeStampQualifier``).

    One of ``unknown``, ``timeOfInterception``, ``timeOfMediation``, ``timeOfAggregation``.
    """
    if value not in TIME_STAMP_QUALIFIERS:
        raise EncodeError(
            f"timeStampQualifier must be one of {', '.join(TIME_STAMP_QUALIFIERS)} "
            f"(TS 102 232-1 TimeStampQualifier), got {value!r}",
            "timeStampQualifier",
        )
    return str(value)


class Clock:
    """The time source of the records (TS 102 232-1 5.2.6 timeStamp, MicroSecondTimeStamp).

    ``time_ns`` returns nanoseconds since the Unix epoch (default ``time.time_ns``; inject a
    fixed or stepping function in tests). ``utc`` chooses aware UTC (``Z``) or naive local
    GeneralizedTime values; ``precision`` (``"ms"`` or ``"us"``) the fraction of the
    GeneralizedTime. MicroSecondTimeStamp values always keep microseconds.
    """

    def __init__(
        self,
        time_ns: Callable[[], int] = time.time_ns,
        *,
        utc: bool = True,
        precision: Precision = "us",
    ) -> None:
        _check_precision(precision)
        self._time_ns = time_ns
        self._utc = utc
        self._precision: Precision = precision

    time_source: ReadOnly[Callable[[], int]] = read_only(
        "_time_ns", "The time source itself (nanoseconds since the epoch), for per-PDU paths "
        "that call it without the check :meth:`now_ns` makes.")
    utc: ReadOnly[bool] = read_only("_utc", "Whether GeneralizedTime values are UTC (``Z``) "
                                    "rather than local (TS 102 232-1).")
    precision: ReadOnly[Precision] = read_only("_precision", "The fraction of GeneralizedTime "
                                               'values: ``"ms"`` or ``"us"`` (5.2.6).')

    def now_ns(self) -> int:
        """One reading of the time source, in nanoseconds since the epoch (TS 102 232-1)."""
        value = self._time_ns()
        if isinstance(value, bool) or not isinstance(value, int):
            raise EncodeError(
                f"time source returned {type_name(value)}, not int nanoseconds", "timeStamp"
            )
        return value

    def now(self) -> datetime:
        """The current time as a GeneralizedTime value (TS 102 232-1 5.2.6 timeStamp)."""
        return generalized_time(self.now_ns(), utc=self._utc, precision=self._precision)

    def micro_second_timestamp(self) -> MicroSecondTimeStamp:
        """The current time as a MicroSecondTimeStamp (TS 102 232-1 ASN.1)."""
        return micro_second_timestamp(self.now_ns())

    def stamp(self) -> tuple[datetime, MicroSecondTimeStamp]:
        """timeStamp and microSecondTimeStamp of one instant (one reading, TS 102 232-1)."""
        value = self.now_ns()
        return (
            generalized_time(value, utc=self._utc, precision=self._precision),
            micro_second_timestamp(value),
        )

