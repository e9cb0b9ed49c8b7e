"""Misuse of the X1 API raises TypeError or ValueError naming the argument."""

from __future__ import annotations

from typing import Any

from _misuse import raises_misuse

from lawful_intercept.certs import TestPKI
from lawful_intercept.x1 import (
    X1Client,
    X1Handler,
    X1Planner,
    X1Server,
    load_schema,
    parse_message,
    write_message,
)


def test_misuse(pki: TestPKI) -> None:
    bad: Any = 1
    with raises_misuse(TypeError, "data"):
        parse_message(bad)
    with raises_misuse(ValueError, "max_bytes"):
        parse_message(b"<x/>", max_bytes=0)
    with raises_misuse(TypeError, "document"):
        write_message(bad)
    with raises_misuse(TypeError, "ne_identifier"):
        X1Handler(bad)
    with raises_misuse(TypeError, "admf_identifier"):
        X1Planner(bad, "NE")
    with raises_misuse(TypeError, "x2x3_destination"):
        X1Planner("ADMF", "NE", x2x3_destination=bad)
    with raises_misuse(TypeError, "task"):
        X1Planner("ADMF", "NE").task_details(bad)
    with raises_misuse(TypeError, "now"):
        X1Planner("ADMF", "NE").plan([], bad)
    with raises_misuse(ValueError, "port"):
        X1Client("localhost", 0, pki.client_context())
    with raises_misuse(TypeError, "handler"):
        X1Server(bad, pki.server_context())
    with raises_misuse(TypeError, "folder"):
        load_schema(bad)
