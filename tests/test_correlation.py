"""lawful_intercept.correlation: identifiers, CIN allocation, sequence numbers, time stamps.

Every value the module produces is also encoded (and decoded back) with the bundled modules,
so the checks here and the codec's constraint checks agree.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import EncodeError
from lawful_intercept.correlation import (
    CIN_MAX,
    CIN_MAX_INTEROP,
    ISO_3166_ALPHA2,
    LIID,
    SEQUENCE_KINDS,
    SEQUENCE_NUMBER_MAX,
    TIME_STAMP_QUALIFIERS,
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
    communication_identity_number,
    country_code,
    datetime_from_micro_second_timestamp,
    generalized_time,
    interception_point_id,
    micro_second_timestamp,
    time_stamp_qualifier,
)
from lawful_intercept.records import (
    BillingCorrelationId,
    atis_call_identity,
    atis_case_identity,
    atis_correlation_id,
    atis_correlation_info,
    atis_iap_system_identity,
    ccc_id_text,
    pc_call_id,
    pc_call_id_from_bcid,
    pc_case_id,
    pc_ccc_id,
    pc_ccc_id_pair,
)

SPEC = lawful_intercept.bundled()
DOC = Path(__file__).resolve().parent.parent / "docs" / "correlation.md"
DOC_EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)

PRINTABLE_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
PRINTABLE_STRING = st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
NET = NetworkIdentifier(b"op-1", b"ne-1")
# Time stamps between 1970 and the year 9999 (the range of datetime), in nanoseconds.
NS_MAX = (253402300799 * 10**9) + 999_999_999
# Central European time with its DST rule, written out so that no tz database is needed.
CET_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"


def round_trip(type_name: str, value: Any) -> Any:
    return SPEC.decode(type_name, SPEC.encode(type_name, value))


def raises(path: str, *words: str, kind: type[Exception] = EncodeError) -> Any:
    """pytest.raises(EncodeError) that also checks the path and words of the message; with
    ``kind`` TypeError or ValueError (API misuse, docs/errors.md), exactly that type, its
    message starting with ``path`` (the argument) and containing ``words``."""

    class Checker:
        def __enter__(self) -> None:
            self.context = pytest.raises(kind)
            self.info = self.context.__enter__()

        def __exit__(self, *exc: Any) -> bool:
            handled = self.context.__exit__(*exc)
            error = self.info.value
            if isinstance(error, EncodeError):
                assert kind is EncodeError
                assert error.path == path, (error.path, str(error))
                message = error.message
            else:
                assert type(error) is kind, (type(error), str(error))
                message = str(error)
                assert message.startswith(path), (path, message)
            for word in words:
                assert word in message, (word, message)
            return bool(handled)

    return Checker()


@contextmanager
def local_timezone(tz: str) -> Iterator[None]:
    if not hasattr(time, "tzset"):  # Windows
        pytest.skip("changing the local time zone needs time.tzset")
    old = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


class FakeClock:
    """A settable wall clock for the allocator's hold time."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------------------------------------
# LIID
# ---------------------------------------------------------------------------------------------


@given(st.text(PRINTABLE_ASCII, min_size=1, max_size=25))
def test_liid_text_is_accepted_and_round_trips(text: str) -> None:
    liid = LIID(text)
    assert liid.value == text.encode("ascii") == bytes(liid) == liid.to_value()
    assert liid.text == text
    assert LIID(liid) == liid == LIID(text.encode("ascii"))
    assert hash(liid) == hash(LIID(text))
    assert round_trip("Common-Parameters.LIID", liid.value) == liid.value


@given(st.binary(min_size=0, max_size=30))
def test_liid_bytes_accepted_exactly_when_the_codec_accepts_them(data: bytes) -> None:
    try:
        SPEC.encode("Common-Parameters.LIID", data)
        codec_ok = True
    except EncodeError:
        codec_ok = False
    try:
        liid = LIID(data)
    except EncodeError as error:
        assert error.path == "lawfulInterceptionIdentifier"
        assert not codec_ok
    else:
        assert codec_ok and liid.value == data


def test_liid_binary_has_no_text() -> None:
    liid = LIID(b"\x00\xffabc")
    assert liid.text is None
    assert repr(liid) == "LIID(b'\\x00\\xffabc')"
    assert repr(LIID("LIID-1")) == "LIID('LIID-1')"
    assert LIID(bytearray(b"ab")) == LIID(memoryview(b"ab")) == LIID("ab")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("A" * 26, ("1..25 octets", "TS 103 280", "got 26")),
        (b"A" * 26, ("1..25 octets", "got 26")),
        ("", ("1..25 octets", "got 0")),
        (b"", ("got 0",)),
        ("LIID-é", ("printable ASCII", "pass bytes")),
        ("tab\there", ("printable ASCII",)),
        (42, ("str or bytes", "int")),
        (None, ("str or bytes",)),
    ],
)
def test_liid_invalid(value: Any, words: tuple[str, ...]) -> None:
    with raises("lawfulInterceptionIdentifier", "LIID", *words):
        LIID(value)


def test_liid_is_immutable() -> None:
    liid = LIID("x")
    with pytest.raises(AttributeError):
        liid._value = b"y"


# ---------------------------------------------------------------------------------------------
# Network identifier, country codes, interception point, CIN
# ---------------------------------------------------------------------------------------------

OCTETS_1_16 = st.binary(min_size=1, max_size=16)


@given(OCTETS_1_16, st.none() | OCTETS_1_16)
def test_network_identifier_round_trips(operator: bytes, element: bytes | None) -> None:
    net = NetworkIdentifier(operator, element)
    assert net.operator_identifier == operator
    assert net.network_element_identifier == element
    value = net.to_value()
    assert round_trip("LI-PS-PDU.NetworkIdentifier", value) == value
    assert net == NetworkIdentifier(operator, element)
    assert hash(net) == hash(NetworkIdentifier(operator, element))


def test_network_identifier_text_and_errors() -> None:
    assert NetworkIdentifier("op", "ne").to_value() == {
        "operatorIdentifier": b"op",
        "networkElementIdentifier": b"ne",
    }
    assert NetworkIdentifier("op").to_value() == {"operatorIdentifier": b"op"}
    base = "communicationIdentifier.networkIdentifier"
    with raises(f"{base}.operatorIdentifier", "1..16 octets", "got 17"):
        NetworkIdentifier(b"x" * 17)
    with raises(f"{base}.operatorIdentifier", "got 0"):
        NetworkIdentifier(b"")
    with raises(f"{base}.networkElementIdentifier", "1..16 octets", "got 17"):
        NetworkIdentifier(b"op", "n" * 17)
    with raises(f"{base}.networkElementIdentifier", "got 0"):
        NetworkIdentifier(b"op", b"")
    with raises(f"{base}.operatorIdentifier", "str or bytes"):
        NetworkIdentifier(7)  # type: ignore[arg-type]


def test_iso_3166_list() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert all(len(c) == 2 and c.isascii() and c.isupper() for c in ISO_3166_ALPHA2)
    # Recent assignments are in, withdrawn, reserved and user-assigned codes are out.
    assert {"DE", "NL", "GB", "US", "NZ", "SS", "BQ", "CW", "SX", "AX", "EH", "AQ"} <= (
        ISO_3166_ALPHA2
    )
    assert not {"XK", "EU", "UK", "AN", "YU", "CS", "ZZ", "XX"} & ISO_3166_ALPHA2


@pytest.mark.parametrize("code", sorted(ISO_3166_ALPHA2))
def test_every_country_code_is_accepted_and_encodes(code: str) -> None:
    assert country_code(code) == code
    assert country_code(code, "deliveryCountryCode") == code
    identity = SessionIdentity(
        "L", NET, 1, authorization_country_code=code, delivery_country_code=code
    )
    header = {"li-psDomainId": "0.4.0.2.2.5.1.43", **identity.ps_header_fields(),
              "sequenceNumber": 0}
    assert round_trip("LI-PS-PDU.PSHeader", header) == header


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("XX", ("not an officially assigned",)),
        ("EU", ("not an officially assigned",)),
        ("de", ("capitals", "did you mean 'DE'")),
        ("De", ("capitals",)),
        ("D", ("2 letters",)),
        ("DEU", ("2 letters",)),
        ("", ("2 letters",)),
        (49, ("must be str",)),
    ],
)
def test_country_code_invalid(value: Any, words: tuple[str, ...]) -> None:
    with raises("authorizationCountryCode", "authorizationCountryCode", "5.2.3", *words[:1]):
        country_code(value)
    with raises("communicationIdentifier.deliveryCountryCode", "deliveryCountryCode", *words):
        country_code(value, "deliveryCountryCode")


@given(st.text(PRINTABLE_STRING, min_size=1, max_size=8))
def test_interception_point_id_accepted(value: str) -> None:
    assert interception_point_id(value) == value
    assert round_trip("LI-PS-PDU.PSHeader", {
        "li-psDomainId": "0.4.0",
        "lawfulInterceptionIdentifier": b"L",
        "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
        "sequenceNumber": 0,
        "interceptionPointID": value,
    })["interceptionPointID"] == value


@pytest.mark.parametrize("value", ["", "123456789", "a_b", "é", "a*b", 5])
def test_interception_point_id_invalid(value: Any) -> None:
    with raises("interceptionPointID", "interceptionPointID"):
        interception_point_id(value)


@given(st.integers(0, CIN_MAX))
def test_cin_range_accepted(cin: int) -> None:
    assert communication_identity_number(cin) == cin


@pytest.mark.parametrize("value", [-1, CIN_MAX + 1, 2**64, True, 1.0, "1", None])
def test_cin_out_of_range_or_type(value: Any) -> None:
    with raises("communicationIdentifier.communicationIdentityNumber", "CIN"):
        communication_identity_number(value)


# ---------------------------------------------------------------------------------------------
# SessionIdentity
# ---------------------------------------------------------------------------------------------


def test_session_identity_shares_correlation_between_iri_and_cc() -> None:
    intercept = SessionIdentity(
        "LIID-42", NET, authorization_country_code="DE", delivery_country_code="NL",
        interception_point_id="POI1",
    )
    assert intercept.cin is None
    assert "communicationIdentityNumber" not in intercept.communication_identifier()
    session = intercept.with_cin(7)
    fields = session.ps_header_fields()
    assert fields == {
        "lawfulInterceptionIdentifier": b"LIID-42",
        "authorizationCountryCode": "DE",
        "communicationIdentifier": {
            "networkIdentifier": {
                "operatorIdentifier": b"op-1",
                "networkElementIdentifier": b"ne-1",
            },
            "communicationIdentityNumber": 7,
            "deliveryCountryCode": "NL",
        },
        "interceptionPointID": "POI1",
    }
    iri = {"li-psDomainId": "0.4.0.2.2.5.1.43", **fields, "sequenceNumber": 0}
    cc = {"li-psDomainId": "0.4.0.2.2.5.1.43", **session.ps_header_fields(), "sequenceNumber": 0}
    assert round_trip("LI-PS-PDU.PSHeader", iri) == round_trip("LI-PS-PDU.PSHeader", cc)
    assert session == intercept.with_cin(7) and hash(session) == hash(intercept.with_cin(7))
    assert session != intercept.with_cin(8)
    assert "LIID-42" in repr(session)
    with pytest.raises(AttributeError):
        session._cin = 9


def test_value_objects_copy_and_pickle() -> None:
    session = SessionIdentity("L", NET, 5, authorization_country_code="DE",
                              delivery_country_code="FR", interception_point_id="P")
    for value in (LIID(b"\x00L"), NET, NetworkIdentifier(b"o"), session):
        assert copy.deepcopy(value) == value
        assert copy.copy(value) == value
        assert pickle.loads(pickle.dumps(value)) == value


def test_session_identity_invalid_parts() -> None:
    with raises("lawfulInterceptionIdentifier", "got 26"):
        SessionIdentity("x" * 26, NET)
    with raises("communicationIdentifier.networkIdentifier", "NetworkIdentifier"):
        SessionIdentity("L", b"op")  # type: ignore[arg-type]
    with raises("communicationIdentifier.communicationIdentityNumber", "0..4294967295"):
        SessionIdentity("L", NET, CIN_MAX + 1)
    with raises("authorizationCountryCode", "did you mean 'DE'"):
        SessionIdentity("L", NET, authorization_country_code="de")
    with raises("communicationIdentifier.deliveryCountryCode", "XX"):
        SessionIdentity("L", NET, delivery_country_code="XX")
    with raises("interceptionPointID", "1..8"):
        SessionIdentity("L", NET, interception_point_id="123456789")
    with raises("communicationIdentifier.communicationIdentityNumber"):
        SessionIdentity("L", NET).with_cin(-1)


# ---------------------------------------------------------------------------------------------
# CINAllocator
# ---------------------------------------------------------------------------------------------

SESSION_KEYS = st.one_of(
    st.text(min_size=1, max_size=20),
    st.binary(min_size=1, max_size=20),
    st.integers(-(2**40), 2**40),
)


@given(st.lists(SESSION_KEYS, min_size=1, max_size=30, unique_by=repr))
def test_cin_is_deterministic_across_instances(keys: list[Any]) -> None:
    first, second = CINAllocator(), CINAllocator()
    cins = [first.allocate("LIID-1", NET, key) for key in keys]
    assert cins == [second.allocate("LIID-1", NET, key) for key in keys]
    # idempotent while live, and within the default range 1..2**31-1
    assert cins == [first.allocate(LIID("LIID-1"), NET, key) for key in keys]
    assert all(1 <= cin <= CIN_MAX_INTEROP for cin in cins)


@given(st.lists(SESSION_KEYS, min_size=2, max_size=40, unique_by=lambda k: (
    k.encode("utf-8", "surrogatepass") if isinstance(k, str) else k)))
def test_live_cins_are_distinct(keys: list[Any]) -> None:
    allocator = CINAllocator(max_cin=50)  # small enough that collisions happen
    cins = [allocator.allocate("L", NET, key) for key in keys]
    assert len(set(cins)) == len(cins)
    assert all(1 <= cin <= 50 for cin in cins)


def test_str_and_bytes_of_one_key_are_one_session_int_is_another() -> None:
    allocator = CINAllocator()
    cin = allocator.allocate("L", NET, "acct-7")
    assert allocator.allocate("L", NET, b"acct-7") == cin
    assert allocator.lookup("L", NET, bytearray(b"acct-7")) == cin
    assert allocator.lookup("L", NET, 7) is None
    assert allocator.home_cin("L", NET, "7") != allocator.home_cin("L", NET, 7)


def test_cin_depends_on_liid_network_element_and_secret() -> None:
    base = CINAllocator().home_cin("L", NET, "k")
    assert CINAllocator().home_cin("M", NET, "k") != base
    assert CINAllocator().home_cin("L", NetworkIdentifier(b"op-1", b"ne-2"), "k") != base
    assert CINAllocator().home_cin("L", NetworkIdentifier(b"op-1"), "k") != base
    assert CINAllocator(secret=b"s3cret").home_cin("L", NET, "k") != base


def test_default_range_and_full_range() -> None:
    default = CINAllocator()
    assert (default.min_cin, default.max_cin) == (1, 2**31 - 1)
    full = CINAllocator(min_cin=0, max_cin=CIN_MAX)
    cins = {full.allocate("L", NET, n) for n in range(2000)}
    assert max(cins) > 2**31  # the upper half is used when asked for
    with raises("max_cin", "0..4294967295", kind=ValueError):
        CINAllocator(max_cin=CIN_MAX + 1)
    with raises("min_cin", "int, not str", kind=TypeError):
        CINAllocator(min_cin="1")  # type: ignore[arg-type]
    with raises("min_cin", "above max_cin", kind=ValueError):
        CINAllocator(min_cin=10, max_cin=9)
    with raises("hold_seconds", "at least 0", kind=ValueError):
        CINAllocator(hold_seconds=-1)
    with raises("hold_seconds", "finite", kind=ValueError):
        CINAllocator(hold_seconds=math.inf)
    with raises("secret", "64 octets", kind=ValueError):
        CINAllocator(secret=b"x" * 65)
    with raises("secret", "bytes, not str", kind=TypeError):
        CINAllocator(secret="x")  # type: ignore[arg-type]


def keys_with_home(allocator: CINAllocator, home: int, count: int, net: Any = NET) -> list[str]:
    found: list[str] = []
    n = 0
    while len(found) < count:
        key = f"key-{n}"
        if allocator.home_cin("L", net, key) == home:
            found.append(key)
        n += 1
    return found


def test_collision_resolved_by_linear_probing_with_wrap() -> None:
    allocator = CINAllocator(min_cin=1, max_cin=4)
    a, b, c = keys_with_home(allocator, 4, 3)
    assert allocator.allocate("L", NET, a) == 4  # home
    assert allocator.allocate("L", NET, b) == 1  # 4 taken: wraps to min_cin
    d = keys_with_home(allocator, 1, 1)[0]
    assert allocator.allocate("L", NET, d) == 2  # 1 taken by b: next
    assert allocator.allocate("L", NET, c) == 3
    assert allocator.live_cins("L") == {1: True, 2: True, 3: True, 4: True}
    before = allocator.save_state()
    with raises("communicationIdentifier.communicationIdentityNumber", "no free CIN", "1..4"):
        allocator.allocate("L", NET, "one-too-many")
    assert allocator.save_state() == before  # nothing changed
    assert allocator.allocate("L", NET, b) == 1  # live keys still answer


def test_collision_free_across_network_elements_of_one_liid() -> None:
    allocator = CINAllocator(min_cin=1, max_cin=3)
    other = NetworkIdentifier(b"op-1", b"ne-2")
    first = allocator.allocate("L", NET, "a")
    second_key = keys_with_home(allocator, first, 1, net=other)[0]
    assert allocator.allocate("L", other, second_key) != first
    # another LIID has its own space
    assert allocator.allocate("M", NET, keys_with_home(allocator, first, 1)[0]) in {1, 2, 3}


def test_release_holds_the_cin_until_the_hold_is_over() -> None:
    clock = FakeClock()
    allocator = CINAllocator(min_cin=1, max_cin=8, hold_seconds=60, clock=clock)
    a, b = keys_with_home(allocator, 5, 2)
    assert allocator.allocate("L", NET, a) == 5
    assert allocator.release("L", NET, a) == 5
    assert allocator.release("L", NET, a) is None  # repeated stop event
    assert allocator.lookup("L", NET, a) is None
    assert allocator.live_cins("L") == {5: False}
    # While held, neither another key nor a new session with the same key gets CIN 5.
    assert allocator.allocate("L", NET, b) == 6
    assert allocator.allocate("L", NET, a) == 7
    assert allocator.release("L", NET, a) == 7
    clock.now += 59.9
    assert allocator.purge() == []
    clock.now += 0.1
    # Hold over: the home CIN is free again.
    c = keys_with_home(allocator, 5, 3)[2]
    assert allocator.allocate("L", NET, c) == 5
    assert allocator.purge() == [(b"L", 7)]
    assert allocator.live_cins("L") == {5: True, 6: True}


def test_hold_zero_frees_at_once() -> None:
    allocator = CINAllocator(max_cin=4, hold_seconds=0)
    cin = allocator.allocate("L", NET, "a")
    assert allocator.release("L", NET, "a") == cin
    assert allocator.live_cins("L") == {}
    assert allocator.allocate("L", NET, "a") == cin


def test_open_and_close_session() -> None:
    allocator = CINAllocator()
    intercept = SessionIdentity("L", NET, authorization_country_code="DE")
    session = allocator.open_session(intercept, "call-id@host")
    assert session.cin == allocator.lookup("L", NET, "call-id@host")
    assert session.authorization_country_code == "DE"
    assert allocator.open_session(session, "call-id@host") == session
    assert allocator.close_session(session, "call-id@host") == session.cin
    with raises("identity", "SessionIdentity, not str", kind=TypeError):
        allocator.open_session("L", "k")  # type: ignore[arg-type]
    with raises("identity", "SessionIdentity, not str", kind=TypeError):
        allocator.close_session("L", "k")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("liid", "net", "key", "path", "word", "kind"),
    [
        ("L", NET, "", "session_key", "empty", ValueError),
        ("L", NET, b"", "session_key", "empty", ValueError),
        ("L", NET, True, "session_key", "not bool", TypeError),
        ("L", NET, 1.5, "session_key", "not float", TypeError),
        ("L", NET, None, "session_key", "not NoneType", TypeError),
        ("", NET, "k", "lawfulInterceptionIdentifier", "1..25", EncodeError),
        ("x" * 26, NET, "k", "lawfulInterceptionIdentifier", "got 26", EncodeError),
        ("L", b"op", "k", "network", "NetworkIdentifier, not bytes", TypeError),
    ],
)
def test_allocator_rejects_bad_input_and_changes_nothing(
    liid: Any, net: Any, key: Any, path: str, word: str, kind: type[Exception]
) -> None:
    allocator = CINAllocator()
    allocator.allocate("L", NET, "existing")
    before = allocator.save_state()
    for method in (allocator.allocate, allocator.lookup, allocator.release):
        with raises(path, word, kind=kind):
            method(liid, net, key)
    assert allocator.save_state() == before


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), st.integers(0, 9)),
        st.tuples(st.just("release"), st.integers(0, 9)),
        st.tuples(st.just("tick"), st.sampled_from([1.0, 30.0, 61.0])),
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=150)
@given(OPS)
def test_allocator_restart_gives_the_same_cins(ops: list[tuple[str, Any]]) -> None:
    """A process restarted from the saved state behaves exactly as one that never stopped."""
    clock_a, clock_b = FakeClock(), FakeClock()
    steady = CINAllocator(max_cin=6, hold_seconds=60, clock=clock_a)
    restarted = CINAllocator(max_cin=6, hold_seconds=60, clock=clock_b)
    for op, arg in ops:
        if op == "tick":
            clock_a.now += arg
            clock_b.now += arg
        elif op == "restart":
            state = json.loads(json.dumps(restarted.save_state()))
            restarted = CINAllocator.from_state(state, clock=clock_b)
        else:
            results: list[int | str | None] = []
            for allocator in (steady, restarted):
                method = allocator.allocate if op == "allocate" else allocator.release
                try:
                    results.append(method("L", NET, f"session-{arg}"))
                except EncodeError as error:
                    results.append(error.message)
            assert results[0] == results[1]
        live = steady.live_cins("L")
        assert all(1 <= cin <= 6 for cin in live)
    assert steady.save_state() == restarted.save_state()


def test_allocator_state_is_json_and_holds_no_session_keys() -> None:
    clock = FakeClock()
    allocator = CINAllocator(secret=b"k", clock=clock)
    cin = allocator.allocate(b"\x00binary-liid", NET, "secret-session-id")
    allocator.allocate("L", NET, "other")
    allocator.release("L", NET, "other")
    text = json.dumps(allocator.save_state())
    assert "secret-session-id" not in text and "other" not in text
    restored = CINAllocator.from_state(json.loads(text), secret=b"k", clock=clock)
    assert restored.lookup(b"\x00binary-liid", NET, "secret-session-id") == cin
    assert restored.save_state() == allocator.save_state()
    with raises("state.secret_check", "secret differs", kind=ValueError):
        CINAllocator.from_state(json.loads(text), secret=b"other")


def test_allocator_rejects_malformed_state() -> None:
    allocator = CINAllocator(max_cin=10)
    allocator.allocate("L", NET, "a")
    allocator.allocate("L", NET, "b")
    allocator.release("L", NET, "b")
    good = allocator.save_state()
    liid = "4c"
    live_cin = next(iter(good["liids"][liid]["live"]))
    held_cin = next(iter(good["liids"][liid]["held"]))

    def broken(change: Any) -> dict[str, Any]:
        state = copy.deepcopy(good)
        change(state)
        return state

    cases: list[tuple[Callable[[dict[str, Any]], Any], str, type[Exception]]] = [
        (lambda s: s.update(format="x"), "state", ValueError),
        (lambda s: s.update(version=2), "state", ValueError),
        (lambda s: s.pop("liids"), "state: liids is missing", ValueError),
        (lambda s: s.update(max_cin=CIN_MAX + 1), "state.max_cin", ValueError),
        (lambda s: s.update(hold_seconds="1"), "state.hold_seconds", TypeError),
        (lambda s: s["liids"].update({"zz": {}}), "state.liids['zz']", ValueError),
        (lambda s: s["liids"].update({"4d": []}), "state.liids['4d']", TypeError),
        (lambda s: s["liids"][liid]["live"].update({"11": "00" * 16}),
         "state.liids['4c'].live['11']", ValueError),
        (lambda s: s["liids"][liid]["live"].update({"x": "00" * 16}),
         "state.liids['4c'].live['x']", ValueError),
        (lambda s: s["liids"][liid]["live"].update({live_cin: "00"}),
         f"state.liids['4c'].live[{live_cin!r}]", ValueError),
        (lambda s: s["liids"][liid]["held"].update({held_cin: ["00" * 16, "noon"]}),
         f"state.liids['4c'].held[{held_cin!r}]", TypeError),
        (lambda s: s["liids"][liid]["held"].update({live_cin: ["00" * 16, 1.0]}),
         f"state.liids['4c'].held[{live_cin!r}]", ValueError),
    ]
    for change, path, kind in cases:
        with raises(path, kind=kind):
            CINAllocator.from_state(broken(change))


def test_allocator_threads_agree() -> None:
    allocator = CINAllocator(max_cin=100_000)
    results: list[dict[int, int]] = []

    def work() -> None:
        results.append({n: allocator.allocate("L", NET, n) for n in range(500)})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == results[0] for result in results)
    assert len(set(results[0].values())) == 500


# ---------------------------------------------------------------------------------------------
# SequenceCounters
# ---------------------------------------------------------------------------------------------

COUNTER_KEYS = st.tuples(st.sampled_from(["L1", "L2"]), st.integers(0, 3),
                         st.sampled_from(SEQUENCE_KINDS))


@given(st.lists(COUNTER_KEYS, max_size=200))
def test_sequence_numbers_gapless_per_key_and_independent(keys: list[tuple[str, int, str]]) -> None:
    counters = SequenceCounters()
    seen: dict[tuple[str, int, str], list[int]] = {}
    for liid, cin, kind in keys:
        assert counters.peek(liid, cin, kind) == len(seen.get((liid, cin, kind), []))
        seen.setdefault((liid, cin, kind), []).append(counters.next(liid, cin, kind))
    for numbers in seen.values():
        assert numbers == list(range(len(numbers)))
    assert round_trip("LI-PS-PDU.PSHeader", {
        "li-psDomainId": "0.4.0",
        "lawfulInterceptionIdentifier": b"L",
        "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
        "sequenceNumber": counters.peek("L1", 0, "CC"),
    })


def test_peek_does_not_take_a_number() -> None:
    counters = SequenceCounters()
    assert counters.peek("L", 1, "IRI") == 0
    assert counters.save_state()["communications"] == []
    assert counters.next("L", 1, "IRI") == 0
    assert counters.peek("L", 1, "IRI") == 1
    assert counters.peek(LIID("L"), 1, "CC") == 0


def counters_at(value: int, *, wrap: bool) -> SequenceCounters:
    state = {
        "format": "lawful-intercept/sequence-counters",
        "version": 1,
        "wrap": wrap,
        "communications": [{"liid": b"L".hex(), "cin": 1, "next": {"CC": value}}],
    }
    return SequenceCounters.from_state(state)


def test_wrap_after_the_maximum() -> None:
    counters = counters_at(SEQUENCE_NUMBER_MAX - 1, wrap=True)
    assert [counters.next("L", 1, "CC") for _ in range(4)] == [
        SEQUENCE_NUMBER_MAX - 1, SEQUENCE_NUMBER_MAX, 0, 1
    ]


def test_no_wrap_raises_and_changes_nothing() -> None:
    counters = counters_at(SEQUENCE_NUMBER_MAX, wrap=False)
    assert counters.peek("L", 1, "CC") == SEQUENCE_NUMBER_MAX
    assert counters.next("L", 1, "CC") == SEQUENCE_NUMBER_MAX
    before = counters.save_state()
    assert before["communications"][0]["next"]["CC"] == SEQUENCE_NUMBER_MAX + 1
    with raises("sequenceNumber", "used up", "4294967295"):
        counters.next("L", 1, "CC")
    with raises("sequenceNumber", "used up"):
        counters.peek("L", 1, "CC")
    assert counters.save_state() == before
    assert counters.next("L", 1, "IRI") == 0  # other kinds go on
    # the used-up state survives a restart
    again = SequenceCounters.from_state(counters.save_state())
    with raises("sequenceNumber", "used up"):
        again.next("L", 1, "CC")


@pytest.mark.parametrize(
    ("args", "path", "word", "kind"),
    [
        (("L", 1, "XX"), "kind", "'IRI', 'CC', 'TRI'", ValueError),
        (("L", 1, "iri"), "kind", "not 'iri'", ValueError),
        (("L", -1, "CC"), "communicationIdentifier.communicationIdentityNumber", "0..4294967295",
         EncodeError),
        (("L", CIN_MAX + 1, "CC"), "communicationIdentifier.communicationIdentityNumber", "CIN",
         EncodeError),
        (("", 1, "CC"), "lawfulInterceptionIdentifier", "1..25", EncodeError),
        (("x" * 26, 1, "CC"), "lawfulInterceptionIdentifier", "got 26", EncodeError),
    ],
)
def test_counters_reject_bad_input_and_change_nothing(
    args: tuple[Any, Any, Any], path: str, word: str, kind: type[Exception]
) -> None:
    counters = SequenceCounters()
    counters.next("L", 1, "CC")
    before = counters.save_state()
    with raises(path, word, kind=kind):
        counters.next(*args)
    with raises(path, word, kind=kind):
        counters.peek(*args)
    assert counters.save_state() == before


@pytest.mark.parametrize(
    ("value", "wrap"),
    [(SEQUENCE_NUMBER_MAX + 1, True), (SEQUENCE_NUMBER_MAX + 2, False), (-1, True)],
)
def test_restoring_a_sequence_number_beyond_the_range_is_an_error(value: int, wrap: bool) -> None:
    with raises("state.communications[0].next.CC", "sequenceNumber", "0..4294967295",
                kind=ValueError):
        counters_at(value, wrap=wrap)


def test_counters_rejects_malformed_state() -> None:
    good = SequenceCounters()
    good.next("L", 1, "IRI")
    state = good.save_state()
    cases: list[tuple[Callable[[dict[str, Any]], Any], str, type[Exception]]] = [
        (lambda s: s.update(format="x"), "state", ValueError),
        (lambda s: s.update(wrap="yes"), "state.wrap", TypeError),
        (lambda s: s.update(communications={}), "state.communications", TypeError),
        (lambda s: s["communications"][0].update(liid="zz"), "state.communications[0].liid",
         ValueError),
        (lambda s: s["communications"][0].update(liid=5), "state.communications[0].liid",
         TypeError),
        (lambda s: s["communications"][0].update(cin=-1), "state.communications[0].cin",
         ValueError),
        (lambda s: s["communications"][0]["next"].update(XRI=1), "state.communications[0].next",
         ValueError),
        (lambda s: s["communications"].append(s["communications"][0]), "state.communications[1]",
         ValueError),
        (lambda s: s["communications"][0].update(cin_reset_pending=1),
         "state.communications[0].cin_reset_pending", TypeError),
    ]
    for change, path, kind in cases:
        broken = copy.deepcopy(state)
        change(broken)
        with raises(path, kind=kind):
            SequenceCounters.from_state(broken)
    with raises("advance", "0..4294967295, not -1", kind=ValueError):
        SequenceCounters.from_state(state, advance=-1)
    with raises("advance", "int, not float", kind=TypeError):
        SequenceCounters.from_state(state, advance=1.0)  # type: ignore[arg-type]


@given(st.lists(COUNTER_KEYS, max_size=60), st.lists(COUNTER_KEYS, max_size=60))
def test_restored_counters_continue(
    before: list[tuple[str, int, str]], after: list[tuple[str, int, str]]
) -> None:
    steady = SequenceCounters()
    for key in before:
        steady.next(*key)
    restored = SequenceCounters.from_state(json.loads(json.dumps(steady.save_state())))
    for key in after:
        assert restored.next(*key) == steady.next(*key)
    for liid, cin, _ in before:
        assert restored.is_restored(liid, cin)
        assert not restored.needs_cin_reset(liid, cin)


def test_advance_skips_numbers_that_may_have_been_used_after_the_save() -> None:
    counters = SequenceCounters()
    for _ in range(5):
        counters.next("L", 1, "CC")
    state = counters.save_state()
    restored = SequenceCounters.from_state(state, advance=1000)
    assert restored.next("L", 1, "CC") == 1005
    assert restored.next("L", 1, "IRI") == 1000  # every kind of a restored communication
    wrapped = counters_at(SEQUENCE_NUMBER_MAX - 1, wrap=True).save_state()
    assert SequenceCounters.from_state(wrapped, advance=3).next("L", 1, "CC") == 1
    capped = counters_at(SEQUENCE_NUMBER_MAX - 1, wrap=False).save_state()
    with raises("sequenceNumber", "used up"):
        SequenceCounters.from_state(capped, advance=3).next("L", 1, "CC")


def test_cin_reset_rule() -> None:
    fresh = SequenceCounters()
    fresh.next("L", 1, "CC")
    assert not fresh.restarted
    assert not fresh.needs_cin_reset("L", 1) and not fresh.needs_cin_reset("L", 2)
    assert not fresh.is_restored("L", 1)

    restored = SequenceCounters.from_state(fresh.save_state())
    assert restored.restarted
    assert restored.is_restored("L", 1) and not restored.needs_cin_reset("L", 1)
    # A CIN the state does not know: its numbering may be a restart, so cINReset first ...
    assert restored.needs_cin_reset("L", 2)
    assert restored.next("L", 2, "TRI") == 0  # ... e.g. the TRI PDU carrying cINReset
    assert restored.needs_cin_reset("L", 2)
    restored.cin_reset_sent("L", 2)
    assert not restored.needs_cin_reset("L", 2)
    assert restored.next("L", 2, "CC") == 0
    # ... unless it is declared new when its communication starts.
    restored.begin("L", 3)
    assert not restored.needs_cin_reset("L", 3) and not restored.is_restored("L", 3)
    # A CIN first used but still owing its cINReset keeps owing it across a save.
    restored.next("L", 4, "IRI")
    again = SequenceCounters.from_state(restored.save_state())
    assert again.needs_cin_reset("L", 4)
    assert not again.needs_cin_reset("L", 2) and not again.needs_cin_reset("L", 3)

    lost = SequenceCounters(restarted=True)  # the state was lost altogether
    assert lost.needs_cin_reset("L", 1)
    lost.begin("L", 1)
    assert not lost.needs_cin_reset("L", 1)


def test_begin_is_idempotent_and_forget_restarts() -> None:
    counters = SequenceCounters()
    counters.next("L", 1, "CC")
    counters.begin("L", 1)  # a repeated start event must not reuse numbers
    assert counters.next("L", 1, "CC") == 1
    counters.forget("L", 1)
    assert counters.next("L", 1, "CC") == 0
    counters.forget("L", 99)  # unknown: no error


def test_purged_cins_are_forgotten_by_the_counters() -> None:
    clock = FakeClock()
    allocator = CINAllocator(hold_seconds=10, clock=clock)
    counters = SequenceCounters()
    cin = allocator.allocate("L", NET, "s")
    counters.next("L", cin, "IRI")
    allocator.release("L", NET, "s")
    clock.now += 10
    for liid, freed in allocator.purge():
        counters.forget(liid, freed)
    assert counters.peek("L", cin, "IRI") == 0


def test_counters_threads_gapless() -> None:
    counters = SequenceCounters()
    taken: list[list[int]] = [[] for _ in range(8)]

    def work(slot: list[int]) -> None:
        for _ in range(2000):
            slot.append(counters.next("L", 1, "CC"))
            counters.next("L", 2, "IRI")

    threads = [threading.Thread(target=work, args=(slot,)) for slot in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(n for slot in taken for n in slot)
    assert numbers == list(range(16000))
    assert all(slot == sorted(slot) for slot in taken)
    assert counters.peek("L", 2, "IRI") == 16000


# ---------------------------------------------------------------------------------------------
# Time stamps
# ---------------------------------------------------------------------------------------------


@given(st.integers(0, NS_MAX))
def test_utc_time_conversions_are_exact(ns: int) -> None:
    stamp = micro_second_timestamp(ns)
    assert stamp == {"seconds": ns // 10**9, "microSeconds": ns // 1000 % 10**6}
    value = generalized_time(ns)
    assert value.tzinfo is UTC
    assert micro_second_timestamp(value) == stamp
    assert datetime_from_micro_second_timestamp(stamp) == value
    assert round_trip("LI-PS-PDU.MicroSecondTimeStamp", stamp) == stamp
    millis = generalized_time(ns, precision="ms")
    assert millis.microsecond == value.microsecond // 1000 * 1000
    assert value - millis < timedelta(milliseconds=1)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 4102444800 * 10**9))  # 1970 .. 2100
def test_local_time_conversions_are_exact(ns: int) -> None:
    with local_timezone(CET_TZ):
        value = generalized_time(ns, utc=False)
        assert value.tzinfo is None
        assert micro_second_timestamp(value) == micro_second_timestamp(ns)
        assert generalized_time(value) == generalized_time(ns)
        assert generalized_time(value, utc=False) == value


def test_local_time_in_the_repeated_hour() -> None:
    # 2023-10-29: at 01:00 UTC clocks in central Europe went back from 03:00 to 02:00.
    first = int(datetime(2023, 10, 29, 0, 30, tzinfo=UTC).timestamp()) * 10**9
    second = first + 3600 * 10**9
    with local_timezone(CET_TZ):
        one, two = generalized_time(first, utc=False), generalized_time(second, utc=False)
        assert (one.hour, one.minute, one.fold) == (2, 30, 0)
        assert (two.hour, two.minute, two.fold) == (2, 30, 1)
        assert micro_second_timestamp(one)["seconds"] + 3600 == (
            micro_second_timestamp(two)["seconds"]
        )


def test_generalized_time_encodings() -> None:
    ns = 1_700_000_000_123_456_789
    encoded = SPEC.encode("LI-PS-PDU.PSHeader", {
        "li-psDomainId": "0.4.0",
        "lawfulInterceptionIdentifier": b"L",
        "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
        "sequenceNumber": 0,
        "timeStamp": generalized_time(ns, precision="ms"),
    })
    assert b"20231114221320.123Z" in encoded
    with local_timezone("UTC0"):
        assert generalized_time(ns, utc=False) == datetime(2023, 11, 14, 22, 13, 20, 123456)
    aware = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert generalized_time(aware) == datetime(2024, 1, 1, 10, tzinfo=UTC)


def test_clock_uses_the_injected_source() -> None:
    readings = iter([1_000_123_456_789, 2_000_000_000_000])
    clock = Clock(lambda: next(readings), precision="ms")
    value, stamp = clock.stamp()  # one reading for both
    assert value == datetime(1970, 1, 1, 0, 16, 40, 123000, tzinfo=UTC)
    assert stamp == {"seconds": 1000, "microSeconds": 123456}
    assert clock.micro_second_timestamp() == {"seconds": 2000, "microSeconds": 0}
    assert (clock.utc, clock.precision) == (True, "ms")
    assert Clock(lambda: 5 * 10**9).now() == datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert abs(Clock().now() - datetime.now(UTC)) < timedelta(seconds=60)
    with raises("timeStamp", "not int nanoseconds"):
        Clock(lambda: 1.5).now()  # type: ignore[arg-type, return-value]


def test_time_errors() -> None:
    with raises("timeStamp", "1970"):
        generalized_time(-1)
    with raises("microSecondTimeStamp.seconds", "1970"):
        micro_second_timestamp(-1)
    with raises("microSecondTimeStamp.seconds", "1970"):
        micro_second_timestamp(datetime(1969, 12, 31, 23, 59, tzinfo=UTC))
    with raises("timeStamp", "int nanoseconds or datetime"):
        generalized_time(1.5)  # type: ignore[arg-type]
    with raises("microSecondTimeStamp.seconds", "int nanoseconds or datetime"):
        micro_second_timestamp("now")  # type: ignore[arg-type]
    with raises("timeStamp", "cannot be represented"):
        generalized_time(NS_MAX + 1)
    with raises("precision", "'ms', 'us', not 's'", kind=ValueError):
        generalized_time(0, precision="s")  # type: ignore[arg-type]
    with raises("precision", "'ms', 'us', not 'ns'", kind=ValueError):
        Clock(precision="ns")  # type: ignore[arg-type]
    with raises("microSecondTimeStamp.microSeconds", "0..999999"):
        datetime_from_micro_second_timestamp({"seconds": 0, "microSeconds": 10**6})
    with raises("microSecondTimeStamp.seconds", "int"):
        datetime_from_micro_second_timestamp({"microSeconds": 0})
    with raises("microSecondTimeStamp", "unknown members"):
        datetime_from_micro_second_timestamp({"seconds": 0, "microSeconds": 0, "x": 1})
    with raises("microSecondTimeStamp.seconds", "year 9999"):
        datetime_from_micro_second_timestamp({"seconds": 2**63, "microSeconds": 0})
    assert micro_second_timestamp(2**64 * 10**9 - 1)["seconds"] == 2**64 - 1
    with raises("microSecondTimeStamp.seconds", "18446744073709551615"):
        micro_second_timestamp(2**64 * 10**9)


@pytest.mark.parametrize("name", TIME_STAMP_QUALIFIERS)
def test_time_stamp_qualifiers(name: str) -> None:
    assert time_stamp_qualifier(name) == name
    assert round_trip("LI-PS-PDU.TimeStampQualifier", name) == name


@pytest.mark.parametrize("name", ["timeofInterception", "", 1, None])
def test_time_stamp_qualifier_invalid(name: Any) -> None:
    with raises("timeStampQualifier", "timeOfMediation"):
        time_stamp_qualifier(name)


# ---------------------------------------------------------------------------------------------
# ATIS
# ---------------------------------------------------------------------------------------------

ATIS_HEADER = "CCDeliveryHeaderModule.CCDeliveryHeader"


@given(
    st.text(PRINTABLE_ASCII, min_size=1, max_size=25),
    st.text(PRINTABLE_ASCII, min_size=1, max_size=15),
    st.one_of(
        st.binary(min_size=1, max_size=40).map(atis_correlation_id),
        st.builds(atis_call_identity, st.text(min_size=1, max_size=10),
                  st.none() | st.text(min_size=1, max_size=10)),
    ),
)
def test_atis_correlation_info_round_trips(case: str, iap: str, content: Any) -> None:
    info = atis_correlation_info(content, case_id=atis_case_identity(case),
                                 iap_id=atis_iap_system_identity(iap))
    assert info == {"caseId": case, "iapId": iap, "contentIdentifier": content}
    header = {"correlationInfo": info}
    assert round_trip(ATIS_HEADER, header) == header
    assert round_trip("IAS-LAES-CmCC-Abstract-Syntax-Module.CCDeliveryHeader", header) == header


def test_atis_values() -> None:
    assert atis_correlation_id(b"\x01\x02") == ("correlationID", b"\x01\x02")
    assert atis_call_identity("call-1") == ("callID", {"main": "call-1"})
    assert atis_call_identity("call-1", "leg-2") == ("callID", {"main": "call-1", "leg": "leg-2"})
    assert atis_correlation_info(("callID", {"main": "m"})) == {
        "contentIdentifier": ("callID", {"main": "m"})
    }


@pytest.mark.parametrize(
    ("call", "path", "word"),
    [
        (lambda: atis_case_identity("x" * 26), "caseId", "1..25"),
        (lambda: atis_case_identity(""), "caseId", "1..25"),
        (lambda: atis_case_identity("é"), "caseId", "VisibleString"),
        (lambda: atis_case_identity(b"x"), "caseId", "str"),
        (lambda: atis_iap_system_identity("x" * 16), "iapId", "1..15"),
        (lambda: atis_iap_system_identity("a\tb"), "iapId", "VisibleString"),
        (lambda: atis_correlation_id(b""), "contentIdentifier.correlationID", "empty"),
        (lambda: atis_correlation_id("abc"), "contentIdentifier.correlationID", "bytes"),
        (lambda: atis_call_identity(""), "contentIdentifier.callID.main", "empty"),
        (lambda: atis_call_identity("m", "\ud800"), "contentIdentifier.callID.leg", "UTF8"),
        (lambda: atis_call_identity(1), "contentIdentifier.callID.main", "str"),
        (lambda: atis_correlation_info(("x", b"1")), "contentIdentifier", "alternative"),
        (lambda: atis_correlation_info(("callID", {"mian": "m"})), "contentIdentifier",
         "alternative"),
        (lambda: atis_correlation_info("callID"), "contentIdentifier", "CHOICE"),  # type: ignore[arg-type]
        (lambda: atis_correlation_info(("correlationID", b"")),
         "contentIdentifier.correlationID", "empty"),
    ],
)
def test_atis_invalid(call: Any, path: str, word: str) -> None:
    with raises(path, word):
        call()


# ---------------------------------------------------------------------------------------------
# PacketCable
# ---------------------------------------------------------------------------------------------

EIGHT_CHARS = st.text(PRINTABLE_ASCII, min_size=8, max_size=8)
BCIDS = st.builds(
    BillingCorrelationId, st.integers(0, 2**32 - 1), EIGHT_CHARS, EIGHT_CHARS,
    st.integers(0, 2**32 - 1),
)


@given(BCIDS)
def test_bcid_round_trip_and_call_id(bcid: BillingCorrelationId) -> None:
    data = bcid.to_bytes()
    assert len(data) == 24
    assert BillingCorrelationId.parse(data) == bcid
    call_id = pc_call_id_from_bcid(data)
    assert call_id == bcid.call_id()
    timestamp, counter = call_id["sequencenumber"].split(",")
    assert (int(timestamp), int(counter)) == (bcid.timestamp, bcid.event_counter)
    assert len(call_id["sequencenumber"]) <= 21
    assert call_id["systemidentity"] == bcid.element_id
    assert round_trip("PCESP.CallId", call_id) == call_id


def test_bcid_example_and_strip() -> None:
    data = bytes.fromhex("deadbeef") + b"   12345" + b"0+050000" + (42).to_bytes(4, "big")
    assert pc_call_id_from_bcid(data) == {
        "sequencenumber": "3735928559,42",
        "systemidentity": "   12345",
    }
    assert pc_call_id_from_bcid(data, strip_element_id=True)["systemidentity"] == "12345"
    with raises("callId.systemidentity", "1..15"):
        pc_call_id_from_bcid(BillingCorrelationId(1, " " * 8, "0+000000", 1),
                             strip_element_id=True)


@pytest.mark.parametrize(
    ("call", "path", "word"),
    [
        (lambda: BillingCorrelationId.parse(b"\x00" * 23), "callId", "24 octets"),
        (lambda: BillingCorrelationId.parse(b"\x00" * 25), "callId", "24 octets"),
        (lambda: BillingCorrelationId.parse("x" * 24), "callId", "bytes"),  # type: ignore[arg-type]
        (lambda: BillingCorrelationId.parse(b"\x00" * 24), "callId", "element ID"),
        (lambda: BillingCorrelationId.parse(b"\x00" * 4 + b"A" * 8 + b"\xff" * 8 + b"\x00" * 4),
         "callId", "time zone"),
        (lambda: BillingCorrelationId(2**32, "A" * 8, "B" * 8, 0), "callId", "timestamp"),
        (lambda: BillingCorrelationId(0, "A" * 7, "B" * 8, 0), "callId.systemidentity", "8"),
        (lambda: BillingCorrelationId(0, "A" * 8, "B" * 8, -1), "callId", "event counter"),
        (lambda: pc_case_id("x" * 26), "caseId", "1..25"),
        (lambda: pc_case_id(""), "caseId", "1..25"),
        (lambda: pc_call_id("", "sys"), "callId.sequencenumber", "1..25"),
        (lambda: pc_call_id("1,2", "x" * 16), "callId.systemidentity", "1..15"),
        (lambda: ccc_id_text(2**32), "cCCId.combCCC", "32 bits"),
        (lambda: pc_ccc_id(-1), "cCCId.combCCC", "0..4294967295"),
        (lambda: pc_ccc_id("0000ABCD"), "cCCId.combCCC", "int"),
        (lambda: pc_ccc_id_pair(1, 2**32), "cCCId.sepCCCpair.sepRecvCCC", "32 bits"),
        (lambda: pc_ccc_id_pair(None, 1), "cCCId.sepCCCpair.sepXmitCCC", "int"),
    ],
)
def test_packetcable_invalid(call: Any, path: str, word: str) -> None:
    with raises(path, word):
        call()


@given(st.text(PRINTABLE_ASCII, min_size=1, max_size=25))
def test_pc_case_id_round_trips(value: str) -> None:
    assert round_trip("PCESP.CaseId", pc_case_id(value)) == value


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_ccc_ids(xmit: int, recv: int) -> None:
    text = ccc_id_text(xmit)
    assert len(text) == 8 and set(text) <= set("0123456789ABCDEF") and int(text, 16) == xmit
    combined = pc_ccc_id(xmit)
    assert combined == ("combCCC", text)
    pair = pc_ccc_id_pair(xmit, recv)
    assert pair == ("sepCCCpair", {"sepXmitCCC": text, "sepRecvCCC": f"{recv:08X}"})
    assert round_trip("PCESP.CCCId", combined) == combined
    assert round_trip("PCESP.CCCId", pair) == pair


def test_ccc_id_example() -> None:
    assert pc_ccc_id(0xABCD) == ("combCCC", "0000ABCD")
    assert ccc_id_text(0) == "00000000"


# ---------------------------------------------------------------------------------------------
# docs/correlation.md
# ---------------------------------------------------------------------------------------------


def test_doc_has_examples() -> None:
    assert len(DOC_EXAMPLES) >= 6


@pytest.mark.parametrize("code", DOC_EXAMPLES, ids=lambda c: c.splitlines()[-1][:40])
def test_doc_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def test_counter_handle_shares_the_numbering_of_next() -> None:
    from lawful_intercept.correlation import LIID, SequenceCounters

    counters = SequenceCounters()
    take = counters.counter(LIID("LIID-1"), 5, "CC")
    assert [take(), take()] == [0, 1]
    assert counters.next("LIID-1", 5, "CC") == 2
    assert take() == 3
    assert counters.peek("LIID-1", 5, "CC") == 4
    assert counters.next("LIID-1", 5, "IRI") == 0  # kinds stay separate
    restored = SequenceCounters.from_state(counters.save_state())
    assert restored.counter("LIID-1", 5, "CC")() == 4
