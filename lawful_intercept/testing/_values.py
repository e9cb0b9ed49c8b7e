"""Hypothesis strategies that draw valid values of compiled ASN.1 types (X.680).

The value conventions and limits are described in the package documentation
(:mod:`lawful_intercept.testing`) and in ``docs/values.md``.
"""

from __future__ import annotations

import copy
import datetime
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..asn1c import Body, Component, Constraints, Kind, Range, Type
from ..errors import UnproducibleTypeError

__all__ = [
    "SpecificationLike",
    "UnproducibleTypeError",
    "clear_cache",
    "strategy_for",
    "values",
]


class SpecificationLike(Protocol):
    """Anything that looks up a compiled type by name, such as a compiled specification."""

    def get_type(self, name: str) -> Type:
        """Return the resolved type assigned to ``name``."""
        ...


# --------------------------------------------------------------------------------------------
# Limits that keep drawn values small.

_STRING_CAP: Final = 64
"""Lengths of OCTET STRING and character strings go at most this far above the SIZE minimum."""

_BIT_CAP: Final = 96
"""Lengths of BIT STRING go at most this far above the SIZE minimum."""

_INT_SPAN: Final = 2**72
"""How far a half-bounded INTEGER range (``0..MAX``) reaches beyond its bound."""

_CACHE_LIMIT: Final = 200_000
"""The strategy and rank caches are emptied when they grow beyond this many entries."""

_NESTED_KINDS: Final = frozenset(
    {Kind.SEQUENCE, Kind.SET, Kind.CHOICE, Kind.SEQUENCE_OF, Kind.SET_OF}
)
_MEMBER_KINDS: Final = frozenset({Kind.SEQUENCE, Kind.SET})
_LIST_KINDS: Final = frozenset({Kind.SEQUENCE_OF, Kind.SET_OF})

_INFINITE: Final = math.inf

# --------------------------------------------------------------------------------------------
# Alphabets of the character string types.

_PRINTABLE_ASCII: Final = frozenset(chr(c) for c in range(32, 127))
_PRINTABLE_STRING: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
_FINITE_ALPHABETS: Final[dict[str, frozenset[str]]] = {
    "PrintableString": _PRINTABLE_STRING,
    "NumericString": frozenset("0123456789 "),
    "IA5String": frozenset(chr(c) for c in range(128)),
    "VisibleString": _PRINTABLE_ASCII,
    "ISO646String": _PRINTABLE_ASCII,
}
_MAX_CODEPOINT: Final[dict[str, int]] = {
    "UTF8String": 0x10FFFF,
    "UniversalString": 0x10FFFF,
    "BMPString": 0xFFFF,
}
"""String types over (a plane of) Unicode: the highest code point, surrogates excluded."""


@dataclass(frozen=True, slots=True)
class _Options:
    max_list: int
    include_extensions: bool


# --------------------------------------------------------------------------------------------
# Public API


def values(
    spec: SpecificationLike,
    type_name: str,
    *,
    max_depth: int = 4,
    max_list: int = 3,
    include_extensions: bool = True,
) -> SearchStrategy[object]:
    """Return a strategy drawing valid values of the type ``type_name`` of ``spec``.

    ``max_depth`` bounds how many nested SEQUENCE, SET, CHOICE, SEQUENCE OF and SET OF levels
    a value has (unless the type's smallest value needs more); ``max_list`` bounds the
    length of SEQUENCE OF lists (a SIZE constraint may demand more); ``include_extensions``
    says whether extension additions, extension alternatives and extension enumerations may
    appear. See the module documentation for the value conventions.

    The values follow the ASN.1 type, which is what a codec must round-trip, not the prose
    rules of the standards that the record builders also apply: for ``LI-PS-PDU.PSHeader``
    they include country codes such as ``'00'`` (the type is ``PrintableString (SIZE (2))``;
    :class:`~lawful_intercept.correlation.SessionIdentity` takes only ISO 3166-1 codes) and
    NetworkIdentifiers with ``eTSI671NEID`` (which
    :class:`~lawful_intercept.correlation.NetworkIdentifier` does not model). To draw inputs
    the builders accept, use :func:`session_identities`, :func:`network_identifiers`,
    :func:`country_codes`, :func:`liids` and :func:`ps_headers`.

    Raises :class:`UnproducibleTypeError` if the type has no finite valid value, and
    :class:`ValueError` for a negative ``max_depth`` or ``max_list``.
    """
    return strategy_for(
        spec.get_type(type_name),
        max_depth=max_depth,
        max_list=max_list,
        include_extensions=include_extensions,
    )


def strategy_for(
    t: Type,
    *,
    max_depth: int = 4,
    max_list: int = 3,
    include_extensions: bool = True,
) -> SearchStrategy[object]:
    """Return a strategy drawing valid values of the resolved type ``t``.

    The options are those of :func:`values`. The strategy is built lazily: the strategies of
    nested types are built when a draw first reaches them, and are shared (cached) between
    every use of the same structure with the same constraints and options.

    Raises :class:`UnproducibleTypeError` if the type has no finite valid value, and
    :class:`ValueError` for a negative ``max_depth`` or ``max_list``.
    """
    if max_depth < 0:
        raise ValueError(f"max_depth must not be negative, got {max_depth}")
    if max_list < 0:
        raise ValueError(f"max_list must not be negative, got {max_list}")
    options = _Options(max_list=max_list, include_extensions=include_extensions)
    if _rank(t, include_extensions) == _INFINITE:
        raise UnproducibleTypeError(_why_unproducible(t, include_extensions), _type_path(t))
    return _strategy(t, max_depth, options)


def clear_cache() -> None:
    """Forget every cached strategy and recursion analysis.

    The caches hold on to the type structures they were built for; a long-running process
    that compiles many specifications may call this to release them.
    """
    _strategy_cache.clear()
    _rank_cache.clear()


# --------------------------------------------------------------------------------------------
# Recursion analysis.
#
# The rank of a type use is the least number of nested SEQUENCE/SET/CHOICE/list levels that a
# value of it needs: 0 for a primitive type, 1 + the largest rank of the members that must be
# present for a SEQUENCE or SET, 1 + the smallest rank of the alternatives for a CHOICE, 1 for
# a list that may be empty and 1 + the element's rank otherwise. It is infinite when no finite
# value exists. Drawing "as small as possible" follows only children of a smaller rank, which
# is what makes it terminate.

_RankKey = tuple[int, Constraints, bool]
_rank_cache: dict[_RankKey, tuple[Body, float]] = {}


def _rank_key(t: Type, include_extensions: bool) -> _RankKey:
    return (id(t.body), t.constraints, include_extensions)


def _members(body: Body, include_extensions: bool) -> list[Component]:
    return [c for c in body.components if include_extensions or not c.extension]


def _children(t: Type, include_extensions: bool) -> list[Type]:
    body = t.body
    if body.kind in _MEMBER_KINDS or body.kind is Kind.CHOICE:
        return [c.type for c in _members(body, include_extensions)]
    if body.kind in _LIST_KINDS and body.element is not None:
        return [body.element]
    return []


def _rank(t: Type, include_extensions: bool) -> float:
    """Return the rank of ``t``, analysing every type reachable from it not yet analysed."""
    hit = _rank_cache.get(_rank_key(t, include_extensions))
    if hit is not None:
        return hit[1]
    pending: dict[_RankKey, Type] = {}
    parents: dict[_RankKey, list[_RankKey]] = {}
    stack = [t]
    while stack:
        u = stack.pop()
        key = _rank_key(u, include_extensions)
        if key in pending or key in _rank_cache:
            continue
        pending[key] = u
        for child in _children(u, include_extensions):
            parents.setdefault(_rank_key(child, include_extensions), []).append(key)
            stack.append(child)
    ranks: dict[_RankKey, float] = dict.fromkeys(pending, _INFINITE)

    def lookup(u: Type) -> float:
        key = _rank_key(u, include_extensions)
        known = _rank_cache.get(key)
        return known[1] if known is not None else ranks[key]

    # Ranks only decrease; when one does, its parents are looked at again. Leaves first
    # (reverse discovery order) keeps that rare.
    queue = deque(reversed(pending))
    queued = set(pending)
    while queue:
        key = queue.popleft()
        queued.discard(key)
        rank = _rank_step(pending[key], include_extensions, lookup)
        if rank < ranks[key]:
            ranks[key] = rank
            for parent in parents.get(key, ()):
                if parent not in queued:
                    queued.add(parent)
                    queue.append(parent)
    if len(_rank_cache) + len(pending) > _CACHE_LIMIT:
        _rank_cache.clear()
    for key, u in pending.items():
        _rank_cache[key] = (u.body, ranks[key])
    return ranks[_rank_key(t, include_extensions)]


def _rank_step(t: Type, include_extensions: bool, lookup: Callable[[Type], float]) -> float:
    body = t.body
    if body.kind in _MEMBER_KINDS:
        need = 0.0
        for c in _members(body, include_extensions):
            if not c.optional:
                need = max(need, lookup(c.type))
        return 1 + need
    if body.kind is Kind.CHOICE:
        alternatives = [lookup(c.type) for c in _members(body, include_extensions)]
        return 1 + min(alternatives, default=_INFINITE)
    if body.kind in _LIST_KINDS:
        spans = _size_spans(t.constraints.size)
        if not spans:
            return _INFINITE
        if spans[0][0] == 0:
            return 1
        if body.element is None:
            return _INFINITE
        return 1 + lookup(body.element)
    return 0 if _primitive_problem(t) is None else _INFINITE


def _type_path(t: Type) -> str:
    name = t.body.name or t.name or t.body.string_type or t.body.kind.value
    return f"{t.body.module}.{name}" if t.body.module else name


def _why_unproducible(t: Type, include_extensions: bool) -> str:
    """Explain why ``t`` has no finite value, naming the first culprit found."""
    seen: set[int] = set()
    u = t
    while id(u.body) not in seen:
        seen.add(id(u.body))
        body = u.body
        if body.kind in _MEMBER_KINDS:
            bad = [
                c
                for c in _members(body, include_extensions)
                if not c.optional and _rank(c.type, include_extensions) == _INFINITE
            ]
            if not bad:
                break
            u = bad[0].type
        elif body.kind is Kind.CHOICE:
            if not _members(body, include_extensions):
                return f"CHOICE {_type_path(u)} has no alternative to choose"
            u = _members(body, include_extensions)[0].type
        elif body.kind in _LIST_KINDS:
            if not _size_spans(u.constraints.size):
                return f"the SIZE constraint of {_type_path(u)} admits no length"
            if body.element is None:
                return f"{_type_path(u)} has no element type"
            u = body.element
        else:
            problem = _primitive_problem(u)
            if problem is not None:
                return problem if u is t else f"{_type_path(u)}: {problem}"
            break
    inner = f"another value of {_type_path(u)}"
    if u.body is not t.body:
        inner = f"a value of {_type_path(u)}, every value of which contains {inner}"
    return (
        f"every value of {_type_path(t)} contains {inner}; no OPTIONAL member, CHOICE "
        "alternative or possibly empty SEQUENCE OF ends the recursion, so no finite value exists"
    )


# --------------------------------------------------------------------------------------------
# Strategy construction and cache.

_StrategyKey = tuple[int, Constraints, int, int, bool]
_strategy_cache: dict[_StrategyKey, tuple[Body, SearchStrategy[object]]] = {}


def _strategy(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    """Return the (cached) strategy of ``t`` when ``depth`` levels, its own included, are left.

    A nested value is drawn freely only where it fits in what is left: an OPTIONAL member, a
    CHOICE alternative or a list longer than SIZE demands only if the rank of its type is at
    most ``depth - 1``. Mandatory members, and the shallowest alternative when none fits, are
    drawn anyway, as small as possible below the limit. At zero or less nothing fits any more,
    so every such depth draws the same values: they share one strategy.
    """
    if t.body.kind not in _NESTED_KINDS:
        depth = 0  # Primitive values do not depend on the depth: share one strategy.
    depth = max(depth, 0)
    key = (id(t.body), t.constraints, depth, options.max_list, options.include_extensions)
    hit = _strategy_cache.get(key)
    if hit is not None:
        return hit[1]
    strategy = _build(t, depth, options)
    if len(_strategy_cache) >= _CACHE_LIMIT:
        _strategy_cache.clear()
    _strategy_cache[key] = (t.body, strategy)  # The body keeps id(t.body) from being reused.
    return strategy


def _child(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    """The strategy of a nested type, built only when a draw first reaches it."""
    if t.body.kind not in _NESTED_KINDS:
        return _strategy(t, 0, options)
    return st.deferred(lambda: _strategy(t, depth, options))


def _build(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    kind = t.body.kind
    if kind in _MEMBER_KINDS:
        return _members_strategy(t, depth, options)
    if kind is Kind.CHOICE:
        return _choice_strategy(t, depth, options)
    if kind in _LIST_KINDS:
        return _list_strategy(t, depth, options)
    problem = _primitive_problem(t)
    if problem is not None:
        raise UnproducibleTypeError(problem, _type_path(t))
    permitted = t.constraints.single_values
    if permitted is not None:  # a single-value constraint (X.680 51.2): only those values
        return st.sampled_from(sorted(permitted, key=repr))
    if kind is Kind.ENUMERATED:
        return _enumerated(t, options.include_extensions)
    builder = _PRIMITIVE_BUILDERS.get(kind)
    if builder is None:  # pragma: no cover - every Kind has a builder
        raise UnproducibleTypeError(f"no strategy for {kind.value}", _type_path(t))
    return builder(t)


def _fits(t: Type, depth: int, options: _Options) -> bool:
    """Whether a value of ``t`` can be drawn freely with ``depth`` levels left for it."""
    return _rank(t, options.include_extensions) <= depth


def _members_strategy(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    required: dict[str, SearchStrategy[object]] = {}
    optional: dict[str, SearchStrategy[object]] = {}
    for c in _members(t.body, options.include_extensions):
        if not c.optional:
            # DEFAULT members too: a decoder fills defaults in, so absent ones would not
            # compare equal after a round trip.
            required[c.name] = _child(c.type, depth - 1, options)
        elif _fits(c.type, depth - 1, options):
            optional[c.name] = _child(c.type, depth - 1, options)
    return st.fixed_dictionaries(required, optional=optional)


def _tagged(name: str) -> Callable[[object], tuple[str, object]]:
    def tag(value: object) -> tuple[str, object]:
        return (name, value)

    return tag


def _choice_strategy(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    ranked = [
        (_rank(c.type, options.include_extensions), index, c)
        for index, c in enumerate(_members(t.body, options.include_extensions))
    ]
    ranked = sorted(r for r in ranked if r[0] != _INFINITE)  # Shrinks towards the shallowest.
    fitting = [r for r in ranked if r[0] <= depth - 1]
    ranked = fitting or [r for r in ranked if r[0] == ranked[0][0]]
    return st.one_of(
        [_child(c.type, depth - 1, options).map(_tagged(c.name)) for _, _, c in ranked]
    )


def _copies(count: int) -> Callable[[object], list[object]]:
    def repeat(value: object) -> list[object]:
        return [value] + [copy.deepcopy(value) for _ in range(count - 1)]

    return repeat


def _list_strategy(t: Type, depth: int, options: _Options) -> SearchStrategy[object]:
    spans = _size_spans(t.constraints.size)
    shortest = spans[0][0]
    element = t.body.element
    if element is None or _rank(element, options.include_extensions) == _INFINITE:
        return st.builds(list)  # The rank analysis guarantees that an empty list is allowed.
    items = _child(element, depth - 1, options)
    if not _fits(element, depth - 1, options):
        spans = [(shortest, shortest)]
    else:
        spans = [(lo, min(hi, max(lo, options.max_list))) for lo, hi in spans]
    if t.body.kind is Kind.SET_OF:
        # At most one element, or several equal ones: see the module documentation.
        if shortest > 1:
            return items.map(_copies(shortest))
        spans = [(lo, min(hi, 1)) for lo, hi in spans if lo <= 1]
    return st.one_of([st.lists(items, min_size=lo, max_size=int(hi)) for lo, hi in spans])


# --------------------------------------------------------------------------------------------
# Constraint helpers.


def _size_spans(size: tuple[Range, ...] | None) -> list[tuple[int, int | float]]:
    """The non-empty length ranges of a SIZE constraint, sorted, as (lower, upper or inf)."""
    if size is None:
        return [(0, _INFINITE)]
    spans: list[tuple[int, int | float]] = []
    for r in size:
        lo = max(r.lower or 0, 0)
        hi: int | float = _INFINITE if r.upper is None else r.upper
        if hi >= lo:
            spans.append((lo, hi))
    return sorted(spans)


def _capped_spans(size: tuple[Range, ...] | None, cap: int) -> list[tuple[int, int]]:
    """Length ranges of SIZE, each cut to at most ``cap`` above its lower bound."""
    return [(lo, int(min(hi, lo + cap))) for lo, hi in _size_spans(size)]


def _value_ranges(value: tuple[Range, ...] | None) -> list[Range]:
    """The non-empty ranges of a value constraint (one unbounded range if unconstrained)."""
    if value is None:
        return [Range(None, None)]
    return [r for r in value if r.lower is None or r.upper is None or r.lower <= r.upper]


def _string_alphabet(t: Type) -> frozenset[str] | int:
    """The permitted characters of a character string type, or the highest code point of an
    unrestricted Unicode type (surrogates always excluded)."""
    string_type = t.body.string_type or ""
    permitted = t.constraints.alphabet
    top = _MAX_CODEPOINT.get(string_type)
    if top is not None:
        if permitted is None:
            return top
        return frozenset(c for c in permitted if ord(c) <= top and not 0xD800 <= ord(c) <= 0xDFFF)
    base = _FINITE_ALPHABETS.get(string_type, _PRINTABLE_ASCII)
    return base if permitted is None else base & permitted


def _primitive_problem(t: Type) -> str | None:
    """Why the constraints of a primitive type admit no value, or None if they admit one."""
    kind = t.body.kind
    if t.constraints.single_values is not None and not t.constraints.single_values:
        return "the single-value constraint admits no value"
    if kind in (Kind.INTEGER, Kind.REAL) and not _value_ranges(t.constraints.value):
        return f"the value constraint ({t.constraints.describe_value()}) admits no value"
    if kind in (Kind.OCTET_STRING, Kind.BIT_STRING, Kind.STRING):
        spans = _size_spans(t.constraints.size)
        if not spans:
            return f"the constraint {t.constraints.describe_size()} admits no length"
        if kind is Kind.STRING and spans[0][0] > 0 and not _string_alphabet(t):
            return "the permitted alphabet is empty, and SIZE does not allow an empty string"
    if kind is Kind.ENUMERATED and not t.body.named_numbers:
        return "ENUMERATED has no enumerations"
    return None


# --------------------------------------------------------------------------------------------
# Primitive strategies.


def _unbounded_integers() -> SearchStrategy[int]:
    edges = [
        0, -1, 127, 128, -128, -129, 2**31 - 1, -(2**31), 2**32,
        2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(2**64),
    ]  # fmt: skip
    return st.one_of(
        st.integers(-128, 127),
        st.integers(-(2**31), 2**31 - 1),
        st.integers(-(2**64), 2**64),
        st.integers(-(2**128), 2**128),
        st.sampled_from(edges),
    )


def _integers_in(r: Range) -> SearchStrategy[int]:
    if r.lower is not None and r.upper is not None:
        return st.integers(r.lower, r.upper)
    if r.lower is not None:
        return st.one_of(
            st.integers(r.lower, r.lower + 255), st.integers(r.lower, r.lower + _INT_SPAN)
        )
    if r.upper is not None:
        return st.one_of(
            st.integers(r.upper - 255, r.upper), st.integers(r.upper - _INT_SPAN, r.upper)
        )
    return _unbounded_integers()


def _integer(t: Type) -> SearchStrategy[object]:
    return st.one_of([_integers_in(r) for r in _value_ranges(t.constraints.value)])


def _real(t: Type) -> SearchStrategy[object]:
    if t.constraints.value is None:
        return st.floats(allow_nan=False)  # Infinities included.
    return st.one_of(
        [
            st.floats(min_value=r.lower, max_value=r.upper, allow_nan=False, allow_infinity=False)
            if r.lower is not None or r.upper is not None
            else st.floats(allow_nan=False)
            for r in _value_ranges(t.constraints.value)
        ]
    )


def _boolean(t: Type) -> SearchStrategy[object]:
    return st.booleans()


def _null(t: Type) -> SearchStrategy[object]:
    return st.none()


def _enumerated(t: Type, include_extensions: bool) -> SearchStrategy[object]:
    body = t.body
    root = [n for n in body.enum_root if n in body.named_numbers] or list(body.named_numbers)
    names = root + [n for n in body.named_numbers if n not in root] if include_extensions else root
    return st.sampled_from(names)


def _octet_string(t: Type) -> SearchStrategy[object]:
    spans = _capped_spans(t.constraints.size, _STRING_CAP)
    return st.one_of([st.binary(min_size=lo, max_size=hi) for lo, hi in spans])


def _bit_string_value(named: bool) -> Callable[[tuple[int, bytes]], tuple[bytes, int]]:
    def shape(drawn: tuple[int, bytes]) -> tuple[bytes, int]:
        bits, data = drawn
        if bits == 0:
            return (b"", 0)
        buffer = bytearray(data)
        unused = 8 * len(buffer) - bits
        buffer[-1] &= (0xFF << unused) & 0xFF
        if named:
            buffer[-1] |= 1 << unused
        return (bytes(buffer), bits)

    return shape


def _bit_string(t: Type) -> SearchStrategy[object]:
    lengths = st.one_of(
        [st.integers(lo, hi) for lo, hi in _capped_spans(t.constraints.size, _BIT_CAP)]
    )
    drawn = lengths.flatmap(
        lambda bits: st.tuples(
            st.just(bits), st.binary(min_size=(bits + 7) // 8, max_size=(bits + 7) // 8)
        )
    )
    return drawn.map(_bit_string_value(bool(t.body.named_numbers)))


def _arcs() -> SearchStrategy[int]:
    return st.one_of(st.integers(0, 127), st.integers(0, 2**32), st.integers(0, 2**80))


def _dotted(arcs: Iterable[int]) -> str:
    return ".".join(str(a) for a in arcs)


def _object_identifier(t: Type) -> SearchStrategy[object]:
    first_two = st.one_of(
        st.tuples(st.integers(0, 1), st.integers(0, 39)),
        st.tuples(st.just(2), _arcs()),
    )
    return st.tuples(first_two, st.lists(_arcs(), max_size=6)).map(
        lambda drawn: _dotted([*drawn[0], *drawn[1]])
    )


def _relative_oid(t: Type) -> SearchStrategy[object]:
    return st.lists(_arcs(), min_size=1, max_size=6).map(_dotted)


def _character_string(t: Type) -> SearchStrategy[object]:
    alphabet = _string_alphabet(t)
    chars: SearchStrategy[str]
    if isinstance(alphabet, int):
        chars = st.characters(max_codepoint=alphabet, exclude_categories=["Cs"])
    elif not alphabet:
        return st.just("")  # _primitive_problem ensured the empty string is allowed.
    else:
        chars = st.sampled_from(sorted(alphabet))
    return st.one_of(
        [
            st.text(chars, min_size=lo, max_size=hi)
            for lo, hi in _capped_spans(t.constraints.size, _STRING_CAP)
        ]
    )


def _offsets() -> SearchStrategy[datetime.tzinfo]:
    """Fixed non-zero UTC offsets in whole minutes, -12:00 to +14:00."""
    minutes = st.one_of(st.integers(-12 * 60, -1), st.integers(1, 14 * 60))
    return minutes.map(lambda m: datetime.timezone(datetime.timedelta(minutes=m)))


def _with_zone(drawn: tuple[datetime.datetime, datetime.tzinfo | None]) -> datetime.datetime:
    return drawn[0].replace(tzinfo=drawn[1])


def _utc_time(t: Type) -> SearchStrategy[object]:
    local = st.datetimes(
        min_value=datetime.datetime(1969, 1, 1),
        max_value=datetime.datetime(2049, 12, 31, 23, 59, 59),
    ).map(lambda d: d.replace(microsecond=0))
    # Naive stands for "Z"; an aware value with offset zero would read back naive.
    zones: SearchStrategy[datetime.tzinfo | None] = st.one_of(st.none(), _offsets())
    return st.tuples(local, zones).map(_with_zone)


def _fix_generalized(d: datetime.datetime) -> datetime.datetime:
    if d.second == 0 and (d.microsecond or d.utcoffset()):
        return d.replace(second=1)
    return d


def _generalized_time(t: Type) -> SearchStrategy[object]:
    local = st.datetimes(
        min_value=datetime.datetime(1900, 1, 1),
        max_value=datetime.datetime(2100, 12, 31, 23, 59, 59, 999999),
    )
    # Naive stands for local time (no suffix), UTC for "Z".
    zones: SearchStrategy[datetime.tzinfo | None] = st.one_of(
        st.none(), st.just(datetime.UTC), _offsets()
    )
    return st.tuples(local, zones).map(_with_zone).map(_fix_generalized)


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER TLV with a one-octet identifier."""
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _der_integer(value: int) -> bytes:
    """An INTEGER TLV with the fewest content octets (X.690 8.3.2)."""
    size = (value if value >= 0 else ~value).bit_length() // 8 + 1
    return _tlv(0x02, value.to_bytes(size, "big", signed=True))


def _open(t: Type) -> SearchStrategy[object]:
    primitive = st.one_of(
        st.just(b"\x05\x00"),
        st.booleans().map(lambda b: b"\x01\x01\xff" if b else b"\x01\x01\x00"),
        st.integers(-(2**70), 2**70).map(_der_integer),
        st.binary(max_size=200).map(lambda data: _tlv(0x04, data)),
        st.text(sorted(_PRINTABLE_STRING), max_size=20).map(
            lambda s: _tlv(0x13, s.encode("ascii"))
        ),
    )
    constructed = st.lists(primitive, max_size=3).map(lambda parts: _tlv(0x30, b"".join(parts)))
    return st.one_of(primitive, constructed)


_PRIMITIVE_BUILDERS: Final[dict[Kind, Callable[[Type], SearchStrategy[object]]]] = {
    Kind.BOOLEAN: _boolean,
    Kind.INTEGER: _integer,
    Kind.REAL: _real,
    Kind.NULL: _null,
    Kind.BIT_STRING: _bit_string,
    Kind.OCTET_STRING: _octet_string,
    Kind.OBJECT_IDENTIFIER: _object_identifier,
    Kind.RELATIVE_OID: _relative_oid,
    Kind.UTC_TIME: _utc_time,
    Kind.GENERALIZED_TIME: _generalized_time,
    Kind.STRING: _character_string,
    Kind.OPEN: _open,
}
