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
        spec._fast.bytes_encoder(t),
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


# -- generated code in the compile cache, and prepare() ---------------------------------------

CODE_CACHE_MODULE = """
CodeCached DEFINITIONS IMPLICIT TAGS ::= BEGIN
Inner ::= SEQUENCE { x [0] INTEGER (0..9), y [1] OCTET STRING OPTIONAL }
Alt ::= CHOICE { i [0] Inner, n [1] INTEGER }
Rec ::= SEQUENCE { a [0] INTEGER (0..10), alts [1] SEQUENCE OF Alt, t [2] Alt OPTIONAL }
END
"""
CODE_CACHE_VALUE = {"a": 3, "alts": [("i", {"x": 1, "y": b"z"}), ("n", 5)], "t": ("n", 2)}


def _cached_spec(tmp_path: Any) -> Any:
    source = tmp_path / "CodeCached.asn"
    source.write_text(CODE_CACHE_MODULE, encoding="utf-8")
    return lawful_intercept.compile_files([source], cache=tmp_path / "cache")


def _round_trip(spec: Any) -> None:
    data = spec.encode("Rec", CODE_CACHE_VALUE)
    assert spec.decode("Rec", data) == CODE_CACHE_VALUE


def test_generated_code_is_kept_in_the_compile_cache_and_used(tmp_path: Any) -> None:
    first = _cached_spec(tmp_path)
    _round_trip(first)
    assert first.code_cache is not None
    compiled = first.code_cache.compiled
    assert compiled > 0
    entries = sorted((tmp_path / "cache" / "code").iterdir())
    assert len(entries) == compiled  # functions of one canonical source share an entry
    # Another specification of the same modules (as a new process would get): every
    # generated function's code comes from the cache, none is compiled.
    second = _cached_spec(tmp_path)
    _round_trip(second)
    assert second.code_cache is not None
    used = first.code_cache.loaded + compiled
    assert (second.code_cache.loaded, second.code_cache.compiled) == (used, 0)
    # Without a cache nothing is kept.
    plain = lawful_intercept.compile_string(CODE_CACHE_MODULE)
    assert plain.code_cache is None
    _round_trip(plain)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign-digest", "mode"])
def test_a_damaged_code_cache_entry_is_refused_and_rebuilt(tmp_path: Any, damage: str) -> None:
    import os
    import sys

    _round_trip(_cached_spec(tmp_path))
    entries = sorted((tmp_path / "cache" / "code").iterdir())
    for entry in entries:
        raw = entry.read_bytes()
        if damage == "flip":
            entry.write_bytes(raw[:-1] + bytes((raw[-1] ^ 1,)))
        elif damage == "truncate":
            entry.write_bytes(raw[: len(raw) // 2])
        elif damage == "empty":
            entry.write_bytes(b"")
        elif damage == "foreign-digest":
            # Valid-looking code with the digest of other bytes: not executed.
            entry.write_bytes(raw[:10] + bytes(32) + raw[42:])
        else:
            if sys.platform == "win32":
                pytest.skip("POSIX permissions")
            os.chmod(entry, 0o666)  # writable by others: not trusted
    spec = _cached_spec(tmp_path)
    _round_trip(spec)
    assert spec.code_cache is not None
    assert spec.code_cache.compiled == len(entries)  # every damaged entry refused, rebuilt
    # Rebuilt entries are used again.
    again = _cached_spec(tmp_path)
    _round_trip(again)
    assert again.code_cache is not None
    used = spec.code_cache.loaded + spec.code_cache.compiled
    assert (again.code_cache.loaded, again.code_cache.compiled) == (used, 0)


def test_a_damaged_model_entry_is_never_unpickled(tmp_path: Any) -> None:
    import pickle

    _cached_spec(tmp_path)
    (entry,) = [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".pickle"]
    raw = entry.read_bytes()
    # A pickle that would run code if loaded, with the right header but a digest of other
    # bytes: refused before unpickling.
    evil = pickle.dumps(_Boom())
    entry.write_bytes(raw[:10] + raw[10:42] + evil)
    _round_trip(_cached_spec(tmp_path))
    assert not _Boom.ran


class _Boom:
    ran = False

    def __reduce__(self) -> Any:
        return (_Boom.explode, ())

    @staticmethod
    def explode() -> None:
        _Boom.ran = True


def test_prepare_generates_every_reachable_function_once(tmp_path: Any) -> None:
    spec = _cached_spec(tmp_path)
    assert spec.code_cache is not None
    generated = spec.prepare(["Rec"])
    assert generated > 0
    assert spec.code_cache.compiled + spec.code_cache.loaded == generated
    assert spec.prepare(["Rec"]) == 0
    # Nothing left to generate: encoding and decoding any value compiles no code.
    for value in (CODE_CACHE_VALUE, {"a": 0, "alts": []},
                  {"a": 10, "alts": [("i", {"x": 9})], "t": ("i", {"x": 0, "y": b""})}):
        data = spec.encode("Rec", value)
        assert spec.decode("Rec", data) == value
        assert spec.decode("Rec", data, strict=False) == value
    assert spec.code_cache.compiled + spec.code_cache.loaded == generated
    # A type used before prepare(): its functions not yet generated are generated.
    other = _cached_spec(tmp_path)
    _round_trip(other)
    assert other.prepare("Rec") > 0
    assert other.prepare("Rec") == 0


def test_prepare_names_the_bad_argument() -> None:
    spec = lawful_intercept.compile_string(CODE_CACHE_MODULE)
    with pytest.raises(ValueError, match=r"type_names.*Nope"):
        spec.prepare(["Nope"])
    with pytest.raises(TypeError, match="type_names"):
        spec.prepare([3])  # type: ignore[list-item]


def test_first_ps_pdu_encode_and_decode_of_a_new_process_uses_the_cached_code(
    tmp_path: Any,
) -> None:
    """A new process's first PS-PDU encode + decode after ``bundled()`` compiles no code when
    an earlier process filled the cache (what makes it take a few milliseconds)."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import json, lawful_intercept\n"
        "s = lawful_intercept.bundled()\n"
        "pdu = {'pSHeader': {'li-psDomainId': '0.4.0.2.2.5.1.43',"
        " 'lawfulInterceptionIdentifier': b'LIID', 'communicationIdentifier':"
        " {'networkIdentifier': {'operatorIdentifier': b'op'}, 'communicationIdentityNumber': 7},"
        " 'sequenceNumber': 1}, 'payload': ('cCPayloadSequence', [{'cCContents': ('iPCC',"
        " {'iPCCObjId': '5.3.18.2', 'iPCCContents': ('iPPackets', b'x' * 100)})}])}\n"
        "assert s.decode('PS-PDU', s.encode('PS-PDU', pdu)) == pdu\n"
        "print(json.dumps([s.code_cache.loaded, s.code_cache.compiled]))\n"
    )
    env = dict(os.environ, LAWFUL_INTERCEPT_CACHE_DIR=str(tmp_path / "cache"))
    runs = [json.loads(subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                                      capture_output=True, text=True, timeout=300).stdout)
            for _ in range(2)]
    (loaded1, compiled1), (loaded2, compiled2) = runs
    assert compiled1 > 0
    assert (loaded2, compiled2) == (loaded1 + compiled1, 0)


def test_prepare_only_the_modes_asked_for(tmp_path: Any) -> None:
    spec = _cached_spec(tmp_path)
    assert spec.code_cache is not None
    generated = spec.prepare(["Rec"], strict=False)  # the encoder and the lenient decoder
    assert generated > 0
    data = spec.encode("Rec", CODE_CACHE_VALUE)
    assert spec.decode("Rec", data, strict=False) == CODE_CACHE_VALUE
    cache = spec.code_cache
    assert cache.compiled + cache.loaded == generated
    assert spec.decode("Rec", data) == CODE_CACHE_VALUE  # strict: generated now
    assert cache.compiled + cache.loaded > generated
    assert spec.prepare(["Rec"], strict=False) == 0


ASYNC_PROBE = """
import asyncio, json, socket, sys, tempfile
import lawful_intercept
from lawful_intercept.asn1c import _fast
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import AsyncDeliveryClient, HandoverSession, Spool
from lawful_intercept.records import PSPDUBuilder

spec = lawful_intercept.bundled()
# What a session encodes and decodes on the loop: TRI PDUs (a keep-alive here).
tri = spec.decode("PS-PDU", PSPDUBuilder(SessionIdentity("L", NetworkIdentifier(b"o"), 1),
                                         spec=spec).keep_alive(time=10**18))
generated = []
real = _fast.FastCodegen._materialize


def spy(self, name):
    if name in self._stubs:
        try:
            asyncio.get_running_loop()
            generated.append("loop")
        except RuntimeError:
            generated.append("elsewhere")
    return real(self, name)


_fast.FastCodegen._materialize = spy
before = len(generated)
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()  # nothing listens: the connection is refused


async def main():
    with tempfile.TemporaryDirectory() as folder:
        spool = Spool(folder)
        client = AsyncDeliveryClient("127.0.0.1", port, spool, HandoverSession,
                                     ssl_context=None, insecure_plain_tcp=True,
                                     connect_timeout=30)
        await client.run_once()
        data = spec.encode("PS-PDU", tri)
        assert spec.decode("PS-PDU", data, strict=False) == tri
        spool.close()


asyncio.run(main())
print(json.dumps(generated[before:]))
"""


def test_the_async_client_generates_no_codec_code_on_the_event_loop(tmp_path: Any) -> None:
    """The session's PS-PDU codecs are generated in the executor before the loop needs them:
    in a new process, code is generated (so the check has something to see), none of it
    while the event loop runs."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, LAWFUL_INTERCEPT_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", ASYNC_PROBE], env=env, check=True,
                         capture_output=True, text=True, timeout=600).stdout
    where = json.loads(out.strip().splitlines()[-1])
    assert where and "loop" not in where, where


def test_code_cache_entries_do_not_depend_on_the_order_types_are_used_in(tmp_path: Any) -> None:
    """The generator numbers its functions in the order it meets types; the cache keys on
    the canonical source, so a program using the types in another order finds every entry."""
    first = _cached_spec(tmp_path)
    data = first.encode("Rec", CODE_CACHE_VALUE)
    first.decode("Rec", data, strict=False)
    first.decode("Inner", first.encode("Inner", {"x": 1}))
    assert first.code_cache is not None
    entries = len(list((tmp_path / "cache" / "code").iterdir()))
    assert first.code_cache.compiled == entries > 0
    other = _cached_spec(tmp_path)  # the same uses, in the opposite order
    assert other.decode("Inner", other.encode("Inner", {"x": 1})) == {"x": 1}
    assert other.decode("Rec", data, strict=False) == CODE_CACHE_VALUE
    assert other.encode("Rec", CODE_CACHE_VALUE) == data
    assert other.code_cache is not None
    assert other.code_cache.compiled == 0
    assert other.code_cache.loaded > 0
    assert len(list((tmp_path / "cache" / "code").iterdir())) == entries


def test_canonical_source_renames_numbered_names_only() -> None:
    from lawful_intercept.asn1c._code_cache import canonical_source

    source = ("def e17(v, out):\n"
              "    x = v.get('e164', MISSING)\n"
              "    c = k12.get(x) if type(x) is str else b'\\x81e2'\n"
              "    return e17(x, out) + len(\"it's k3\") + s0 + 0x5A\n")
    canonical, back = canonical_source(source)
    assert canonical == ("def Q0(v, out):\n"
                         "    x = v.get('e164', MISSING)\n"
                         "    c = Q1.get(x) if type(x) is str else b'\\x81e2'\n"
                         "    return Q0(x, out) + len(\"it's k3\") + Q2 + 0x5A\n")
    assert back == {"Q0": "e17", "Q1": "k12", "Q2": "s0"}
