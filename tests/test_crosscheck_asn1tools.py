"""Cross-check of the codec against asn1tools on every type of the patched reference set.

``unofficial-asn1viewer-patched/`` is a third party's copy of 31 ETSI/3GPP/PacketCable
modules edited so that asn1tools can compile it (RELATIVE-OID retyped to OBJECT IDENTIFIER,
``Module.Type`` references rewritten). Both compilers read all of it. For every type both
know (module-qualified on both sides, since 117 names are defined in several modules),
hypothesis draws values with :func:`lawful_intercept.testing.values` and checks:

* our encoding and asn1tools' encoding are the same bytes;
* we decode asn1tools' bytes, and asn1tools decodes ours, back to the drawn value.

Known, legitimate differences are normalised rather than excluded, so every type is covered:

* **Times.** asn1tools leaves the seconds out of a UTCTime or GeneralizedTime whose seconds
  are zero (``0001010000Z``); we always write them, as DER does (X.690 11.7, 11.8). Both
  are valid BER. Before the byte comparison, zero seconds are set to one in the drawn value,
  and separately we check that we read asn1tools' seconds-less form back to the original.
* **OBJECT IDENTIFIER ``2.x`` with x >= 40.** asn1tools decodes the first subidentifier
  ``40 * 2 + x`` as ``(x // 40 + 2).(x % 40)`` (e.g. ``2.40`` comes back as ``3.0``), which
  is an asn1tools bug (X.690 8.19.4 puts every value >= 80 in arc 2). Its decoded value is
  mapped back before comparing; its encoding is right and is compared as is.
* **SET OF order.** We sort SET OF elements by their encodings (DER, X.690 11.6); asn1tools'
  BER encoder keeps the given order. The strategies draw SET OF lists of at most one distinct
  value, so the bytes agree, and decoded SET OF values are compared as multisets all the same.

Types that reach a RELATIVE-OID are excluded (asn1tools has no RELATIVE-OID; in this copy
there are none, which a test asserts). No type needs excluding for any other reason.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import lawful_intercept
from lawful_intercept.asn1c import Kind, Type

REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "asn1"
PATCHED_DIR = REFERENCE_DIR / "unofficial-asn1viewer-patched"

MAX_EXAMPLES = 25
"""Examples per type. With ~1,230 types the file runs in about a minute on two cores."""

CROSSCHECK = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

# Types left out on purpose, with the reason. Empty: the differences found are normalised
# (see the module docstring), so no type has to be skipped.
EXCLUDED: dict[str, str] = {}


def _patched_files() -> list[Path]:
    return sorted(p for p in PATCHED_DIR.iterdir() if p.is_file())


def _reaches(t: Type, kind: Kind) -> bool:
    seen: set[int] = set()
    stack = [t]
    while stack:
        u = stack.pop()
        if u.kind is kind:
            return True
        body = u.body
        if id(body) in seen:
            continue
        seen.add(id(body))
        stack.extend(c.type for c in body.components)
        if body.element is not None:
            stack.append(body.element)
    return False


def _collect() -> tuple[list[str], list[str]]:
    """Qualified names of the types to cross-check, and those reaching a RELATIVE-OID."""
    if not PATCHED_DIR.is_dir():
        return ["(reference modules missing)"], []
    ours = lawful_intercept.compile_files(_patched_files(), cache=False)
    names: list[str] = []
    relative: list[str] = []
    for name, t in ours.types.items():
        qualified = name
        if "." not in name:  # defined by one module only: find which
            qualified = next(f"{m}.{name}" for m in ours.modules if _has(ours, f"{m}.{name}"))
        if _reaches(t, Kind.RELATIVE_OID):
            relative.append(qualified)
        else:
            names.append(qualified)
    return sorted(names), relative


def _has(spec: Any, qualified: str) -> bool:
    try:
        spec.get_type(qualified)
    except lawful_intercept.Error:
        return False
    return True


TYPE_NAMES, RELATIVE_OID_TYPES = _collect()


# --------------------------------------------------------------------------------------------
# Fixtures: both compilations, once per module.


@pytest.fixture(scope="module")
def specs(reference_dir: Path) -> tuple[Any, Any]:
    asn1tools = pytest.importorskip("asn1tools")
    files = [str(p) for p in _patched_files()]
    theirs = asn1tools.compile_files(files, "ber")
    ours = lawful_intercept.compile_files(files, cache=False)
    return theirs, ours


# --------------------------------------------------------------------------------------------
# Normalisation helpers (see the module docstring).


def walk(t: Type, value: Any, leaf: Callable[[Type, Any], Any]) -> Any:
    """Apply ``leaf`` to every non-structured value, following the type model."""
    kind = t.kind
    if kind in (Kind.SEQUENCE, Kind.SET):
        members = {c.name: c.type for c in t.body.components}
        return {
            n: walk(members[n], v, leaf) if n in members else v for n, v in value.items()
        }
    if kind is Kind.CHOICE:
        members = {c.name: c.type for c in t.body.components}
        name, inner = value
        return (name, walk(members[name], inner, leaf) if name in members else inner)
    if kind in (Kind.SEQUENCE_OF, Kind.SET_OF):
        assert t.body.element is not None
        items = [walk(t.body.element, v, leaf) for v in value]
        if kind is Kind.SET_OF:
            return _Multiset(items)
        return items
    return leaf(t, value)


class _Multiset(list):  # type: ignore[type-arg]
    """A list that compares equal to any permutation of itself (for SET OF values)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list):
            return NotImplemented
        if len(self) != len(other):
            return False
        rest = list(other)
        for item in self:
            for i, candidate in enumerate(rest):
                if candidate == item:
                    del rest[i]
                    break
            else:
                return False
        return True

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]


def with_seconds(t: Type, value: Any) -> Any:
    """Zero seconds -> one second, so that asn1tools writes the seconds too."""
    if t.kind in (Kind.UTC_TIME, Kind.GENERALIZED_TIME):
        assert isinstance(value, datetime.datetime)
        if value.second == 0:
            return value.replace(second=1)
    return value


def identity(t: Type, value: Any) -> Any:
    return value


def fix_asn1tools_oid(t: Type, value: Any) -> Any:
    """Undo asn1tools' decoding of first subidentifiers >= 120 ("3.0" for "2.40")."""
    if t.kind is Kind.OBJECT_IDENTIFIER:
        arcs = [int(a) for a in value.split(".")]
        if arcs[0] > 2:
            arcs = [2, arcs[0] * 40 + arcs[1] - 80, *arcs[2:]]
            return ".".join(map(str, arcs))
    return value


def test_normalisation_helpers() -> None:
    assert fix_asn1tools_oid(_oid_type(), "3.0") == "2.40"
    assert fix_asn1tools_oid(_oid_type(), "27.19.5") == "2.1019.5"
    assert fix_asn1tools_oid(_oid_type(), "1.3.6") == "1.3.6"
    assert _Multiset([1, 2, 2]) == [2, 1, 2]
    assert _Multiset([1, 2, 2]) != [2, 1, 1]
    assert _Multiset([1]) != [1, 1]


def _oid_type() -> Type:
    spec = lawful_intercept.compile_string("M DEFINITIONS ::= BEGIN O ::= OBJECT IDENTIFIER END")
    return spec.get_type("O")


# --------------------------------------------------------------------------------------------
# The cross-check.


def test_both_compilers_know_the_same_types(specs: tuple[Any, Any]) -> None:
    theirs, ours = specs
    their_names = {f"{m}.{n}" for m, types in theirs.modules.items() for n in types}
    assert set(TYPE_NAMES) | set(RELATIVE_OID_TYPES) == their_names
    assert len(their_names) == len(ours.types) > 1200
    # The patched copy retyped every RELATIVE-OID; nothing is left out for that reason.
    assert RELATIVE_OID_TYPES == []


_STATS = {"types": 0, "examples": 0, "seconds": 0.0}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    start = time.perf_counter()
    yield
    _STATS["seconds"] = time.perf_counter() - start
    if _STATS["types"]:
        print(  # shown with -s; the numbers are quoted in the report of this test suite
            f"\nasn1tools cross-check: {_STATS['types']} types, {_STATS['examples']} examples, "
            f"{_STATS['seconds']:.1f} s"
        )


@pytest.mark.parametrize("qualified", TYPE_NAMES)
def test_same_bytes_and_values_as_asn1tools(qualified: str, specs: tuple[Any, Any]) -> None:
    from lawful_intercept.testing import values

    if qualified in EXCLUDED:
        pytest.skip(EXCLUDED[qualified])
    theirs, ours = specs
    module, name = qualified.split(".", 1)
    their_type = theirs.modules[module][name]
    our_type = ours.get_type(qualified)

    @CROSSCHECK
    @given(values(ours, qualified, max_depth=3))
    def check(value: Any) -> None:
        _STATS["examples"] += 1
        # asn1tools writes zero seconds its own way; we read that form back exactly.
        assert ours.decode(qualified, their_type.encode(value)) == value

        value = walk(our_type, value, with_seconds)
        expected = walk(our_type, value, identity)
        our_bytes = ours.encode(qualified, value)
        their_bytes = their_type.encode(value)
        assert our_bytes.hex() == their_bytes.hex()
        assert walk(our_type, ours.decode(qualified, their_bytes), identity) == expected
        assert walk(our_type, their_type.decode(our_bytes), fix_asn1tools_oid) == expected
        assert ours.decode(qualified, our_bytes, strict=False) == value

    check()
    _STATS["types"] += 1
