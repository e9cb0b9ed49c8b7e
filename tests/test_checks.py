"""Unit tests of the argument checks of ``lawful_intercept._checks``: misuse of the API is a
``TypeError`` (wrong type) or a ``ValueError`` (bad value) naming the argument and the rule
(docs/errors.md)."""

from __future__ import annotations

import math

import pytest
from _misuse import raises_misuse
from hypothesis import given
from hypothesis import strategies as st

from lawful_intercept._checks import (
    require_bytes,
    require_choice,
    require_instance,
    require_int,
    require_number,
    type_name,
)

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                     st.binary(), st.lists(st.integers(), max_size=3))


def test_type_name() -> None:
    assert type_name(3) == "int"
    assert type_name(b"") == "bytes"
    assert type_name(None) == "NoneType"


@given(ANYTHING)
def test_require_instance_accepts_exactly_the_instances(value: object) -> None:
    for types, wanted in ((int, "int"), ((bytes, str), "bytes or str")):
        if isinstance(value, types):
            assert require_instance(value, types, "arg") is value
        else:
            with raises_misuse(TypeError, "arg", f"must be {wanted}, not {type_name(value)}"):
                require_instance(value, types, "arg")


@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_require_int_accepts_exactly_the_ints_in_range(value: int, low: int,
                                                       high: int) -> None:
    if low <= value <= high:
        assert require_int(value, "limit", low=low, high=high) == value
    else:
        with raises_misuse(ValueError, "limit", f"in {low}..{high}, not {value}"):
            require_int(value, "limit", low=low, high=high)
    if value >= low:
        assert require_int(value, "limit", low=low) == value
    else:
        with raises_misuse(ValueError, "limit", f"at least {low}, not {value}"):
            require_int(value, "limit", low=low)
    if value <= high:
        assert require_int(value, "limit", high=high) == value
    else:
        with raises_misuse(ValueError, "limit", f"at most {high}, not {value}"):
            require_int(value, "limit", high=high)


@given(st.one_of(st.booleans(), st.floats(), st.text(), st.none(), st.binary()))
def test_require_int_refuses_other_types_and_bools(value: object) -> None:
    with raises_misuse(TypeError, "count", f"must be an int, not {type_name(value)}"):
        require_int(value, "count", low=0)


@given(st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False)),
       st.floats(-100, 100), st.floats(-100, 100), st.booleans())
def test_require_number_accepts_exactly_the_numbers_in_range(value: float, low: float,
                                                             high: float,
                                                             low_open: bool) -> None:
    inside = (value > low if low_open else value >= low) and value <= high
    if inside:
        result = require_number(value, "timeout", low=low, high=high, low_open=low_open)
        assert result == value and type(result) is float
    else:
        with raises_misuse(ValueError, "timeout"):
            require_number(value, "timeout", low=low, high=high, low_open=low_open)


def test_require_number_refuses_nan_bools_and_other_types() -> None:
    with raises_misuse(ValueError, "timeout", "NaN"):
        require_number(math.nan, "timeout")
    with raises_misuse(ValueError, "timeout", "greater than 0"):
        require_number(0, "timeout", low=0, low_open=True)
    for value in (True, "1", None, b"1"):
        with raises_misuse(TypeError, "timeout", f"number, not {type_name(value)}"):
            require_number(value, "timeout")


@given(ANYTHING)
def test_require_bytes_accepts_exactly_the_bytes_like(value: object) -> None:
    if isinstance(value, bytes):
        for form in (value, bytearray(value), memoryview(value)):
            result = require_bytes(form, "pdu")
            assert result == value and type(result) is bytes
    else:
        with raises_misuse(TypeError, "pdu", f"must be bytes, not {type_name(value)}"):
            require_bytes(value, "pdu")


@given(ANYTHING, st.lists(st.sampled_from(["pkcs7", "zero", "IRI", 1, None]), max_size=4))
def test_require_choice_accepts_exactly_the_choices(value: object, allowed: list[object]) -> None:
    if value in allowed:
        assert require_choice(value, allowed, "padding") is value
    else:
        with raises_misuse(ValueError, "padding", "must be one of"):
            require_choice(value, allowed, "padding")


def test_require_choice_lists_the_choices() -> None:
    with raises_misuse(ValueError, "kind", r"one of 'IRI', 'CC', not 'TRI'$"):
        require_choice("TRI", ("IRI", "CC"), "kind")
    assert require_choice("CC", iter(("IRI", "CC")), "kind") == "CC"  # any iterable
    with pytest.raises(ValueError):
        require_choice("x", {}, "empty")
