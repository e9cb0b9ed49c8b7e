"""The generated fast paths and templates give exactly what the general codec gives.

Every SEQUENCE, SET, CHOICE and SEQUENCE OF has two implementations: a general closure
(``lawful_intercept.asn1c._codec``) and generated code (``lawful_intercept.asn1c._fast``) that
falls back to the closure for anything irregular. These properties compare the two on the
official modules, including their RELATIVE-OID fields, and compare templates with plain
encoding for holes placed anywhere in a value.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import DecodeError, EncodeError, Hole
from lawful_intercept.testing import values

GROUP = "li-ps-pdu-v43-full"
TOP_TYPES = [
    "PS-PDU",
    "IPAccessPDU.IPIRI",
    "IPAccessPDU.IPCC",
    "IRIsContent",
    "UmtsIRIsContent",
    "EpsIRIsContent",
    "TS33128Payloads.XIRIPayload",
    "CdcPdu",
]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def spec(group_spec: Callable[[str], Any]) -> lawful_intercept.Specification:
    s: lawful_intercept.Specification = group_spec(GROUP)
    return s


def _slow_and_fast(spec: lawful_intercept.Specification, name: str) -> tuple[Any, ...]:
    t = spec.get_type(name)
    return (
        spec._codec.encoder(t),
        spec._fast.encoder(t),
        spec._codec.decoder(t, True),
        spec._fast.decoder(t, True),
    )


@pytest.mark.parametrize("type_name", TOP_TYPES)
@SETTINGS
@given(data=st.data())
def test_fast_path_equals_general_codec(
    spec: lawful_intercept.Specification, type_name: str, data: st.DataObject
) -> None:
    slow_enc, fast_enc, slow_dec, fast_dec = _slow_and_fast(spec, type_name)
    value = data.draw(values(spec, type_name, max_depth=6))
    encoded = slow_enc(value)
    assert fast_enc(value) == encoded
    assert fast_dec(encoded, 0, len(encoded)) == slow_dec(encoded, 0, len(encoded))
    assert spec.decode(type_name, encoded) == value


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("value", fn())
    except DecodeError as exc:
        return ("error", exc.offset is not None or exc.path != "")


@pytest.mark.parametrize("type_name", ["PS-PDU", "IRIsContent", "TS33128Payloads.XIRIPayload"])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_fast_decoder_agrees_on_damaged_input(
    spec: lawful_intercept.Specification, type_name: str, data: st.DataObject, seed: int
) -> None:
    """On mutated encodings the fast decoder returns what the general one returns, or both
    raise DecodeError."""
    _, _, slow_dec, fast_dec = _slow_and_fast(spec, type_name)
    encoded = bytearray(spec.encode(type_name, data.draw(values(spec, type_name, max_depth=5))))
    rng = random.Random(seed)
    for _ in range(rng.randint(1, 3)):
        if not encoded:
            break
        i = rng.randrange(len(encoded))
        op = rng.randrange(3)
        if op == 0:
            encoded[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del encoded[i]
        else:
            encoded.insert(i, rng.randrange(256))
    raw = bytes(encoded)
    slow = _outcome(lambda: slow_dec(raw, 0, len(raw)))
    fast = _outcome(lambda: fast_dec(raw, 0, len(raw)))
    assert slow[0] == fast[0]
    if slow[0] == "value":
        assert slow == fast


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to the leaves of a value (members of dicts, CHOICE values, list elements)."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out.extend(_leaf_paths(v, (*path, k)))
        return out
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return [(*path, "<choice>"), *_leaf_paths(value[1], (*path, 1))]
    if isinstance(value, list):
        out = [path] if not value else []
        for i, v in enumerate(value):
            out.extend(_leaf_paths(v, (*path, i)))
        return out
    return [path]


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if head == "<choice>":
        return new
    if isinstance(value, dict):
        copy = dict(value)
        copy[head] = _replace(value[head], rest, new)
        return copy
    if isinstance(value, tuple):
        return (value[0], _replace(value[1], rest, new))
    copy_list = list(value)
    copy_list[head] = _replace(value[head], rest, new)
    return copy_list


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for head in path:
        if head == "<choice>":
            return value
        value = value[1] if isinstance(value, tuple) else value[head]
    return value


@pytest.mark.parametrize("type_name", ["PS-PDU", "IPAccessPDU.IPIRI", "CdcPdu"])
@SETTINGS
@given(data=st.data())
def test_template_equals_encode(
    spec: lawful_intercept.Specification, type_name: str, data: st.DataObject
) -> None:
    """Holes anywhere in a value: the template's output is the plain encoding."""
    value = data.draw(values(spec, type_name, max_depth=6))
    paths = [p for p in _leaf_paths(value) if p and "<choice>" not in p]
    chosen = data.draw(st.lists(st.sampled_from(paths), max_size=4, unique=True)) if paths else []
    # A hole inside another hole's subtree is not meaningful: keep the outermost only.
    chosen = [p for p in chosen if not any(q != p and p[: len(q)] == q for q in chosen)]
    fixed = value
    args = {}
    for i, path in enumerate(chosen):
        args[f"h{i}"] = _get(value, path)
        fixed = _replace(fixed, path, Hole(f"h{i}"))
    try:
        template = spec.template(type_name, fixed)
    except EncodeError as exc:
        # The order of SET OF elements depends on their encodings (X.690 11.6), so a hole
        # cannot be inside one; every other place must work.
        assert "inside a SET OF" in exc.message
        reject()
    assert set(template.fields) == set(args)
    assert template.encode(**args) == spec.encode(type_name, value)
    assert template(**args) == spec.encode(type_name, value)


def test_template_reports_bad_arguments_like_encode(spec: lawful_intercept.Specification) -> None:
    fixed = {
        "pSHeader": {
            "li-psDomainId": "0.4.0.2.2.5.1.43",
            "lawfulInterceptionIdentifier": b"LIID-1",
            "communicationIdentifier": {
                "networkIdentifier": {"operatorIdentifier": b"op"},
                "communicationIdentityNumber": 5,
            },
            "sequenceNumber": Hole("seq"),
        },
        "payload": (
            "cCPayloadSequence",
            [
                {
                    "cCContents": (
                        "iPCC",
                        {"iPCCObjId": "5.3.20.2", "iPCCContents": ("iPPackets", Hole("packet"))},
                    )
                }
            ],
        ),
    }
    template = spec.template("PS-PDU", fixed)
    assert template.fields == ("seq", "packet")
    with pytest.raises(EncodeError) as info:
        template.encode(seq=2**32, packet=b"x")
    assert info.value.path == "PS-PDU.pSHeader.sequenceNumber"
    assert "0..4294967295" in info.value.message
    with pytest.raises(EncodeError) as info:
        template.encode(seq=1, packet="not bytes")
    assert "iPPackets" in info.value.path
    # A bytearray is not the fast path's type, but it is a valid OCTET STRING value.
    assert template.encode(seq=1, packet=bytearray(b"ab")) == template.encode(seq=1, packet=b"ab")
    with pytest.raises(TypeError):
        template.encode(seq=1)  # a hole left unfilled is a missing keyword argument


def test_template_optional_hole(spec: lawful_intercept.Specification) -> None:
    fixed = {
        "operatorIdentifier": b"op",
        "networkElementIdentifier": Hole("ne", optional=True),
    }
    template = spec.template("NetworkIdentifier", fixed)
    assert template.encode(ne=None) == spec.encode(
        "NetworkIdentifier", {"operatorIdentifier": b"op"}
    )
    assert template.encode(ne=b"ne-1") == spec.encode(
        "NetworkIdentifier", {"operatorIdentifier": b"op", "networkElementIdentifier": b"ne-1"}
    )


def test_template_rejects_bad_fixed_parts(spec: lawful_intercept.Specification) -> None:
    with pytest.raises(EncodeError, match="mandatory member operatorIdentifier"):
        spec.template("NetworkIdentifier", {"networkElementIdentifier": Hole("ne")})
    with pytest.raises(EncodeError, match="SIZE"):
        spec.template(
            "NetworkIdentifier",
            {"operatorIdentifier": b"x" * 17, "networkElementIdentifier": Hole("ne")},
        )
    with pytest.raises(ValueError, match="identifier"):
        Hole("not an identifier")
