"""Generated fast paths for the BER codecs of :mod:`._codec`.

For every SEQUENCE, SET, CHOICE, SEQUENCE OF and SET OF the compiler writes one Python
function whose members' common cases (definite short lengths, expected tags in order, plain
values of the right Python type) are handled inline, without a call per member. Anything out of
the ordinary — a wrong Python type, a constraint broken, an indefinite length, an unknown
extension, a constructed string — sends the whole value back to the general closure of
:mod:`._codec`, which either handles it or raises the precise error. The fast path therefore
never decides a value is invalid by itself: it only takes shortcuts when everything is plain.
See ``docs/compiler.md``.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

from .. import ber
from ..errors import DecodeError, EncodeError
from ._code_cache import CODE_FILENAME, CodeCache
from ._codec import (
    CodecBuilder,
    Decoder,
    Encoder,
    identifier_octets,
    sort_tag,
)
from ._model import Kind, Type, first_tags
from ._primitives import ALPHABET_RE
from ._source import (
    Source,
    fallback_encode,
    first_test,
    inline_sequence,
    length_expr,
    length_octets,
    range_test,
    short_string,
)

__all__ = ["FastCodegen", "Source", "range_test"]

_CONSTRUCTED = (Kind.SEQUENCE, Kind.SET, Kind.SEQUENCE_OF, Kind.SET_OF)
_GENERATED = (*_CONSTRUCTED, Kind.CHOICE)
_LEN = tuple(bytes((i,)) for i in range(128))


_SMALL = tuple(bytes((i,)) for i in range(128))
_MISSING = object()
# Single-tagged primitives whose common case is written inline (see _enc_member/_dec_member).
_INLINE_PRIMITIVES = frozenset(
    {
        Kind.OCTET_STRING,
        Kind.INTEGER,
        Kind.ENUMERATED,
        Kind.BOOLEAN,
        Kind.NULL,
        Kind.OBJECT_IDENTIFIER,
        Kind.RELATIVE_OID,
        Kind.GENERALIZED_TIME,
    }
)
# String types whose encoding is a plain str.encode, with the intrinsic alphabet check.
_FAST_STRINGS = {
    "PrintableString": ("ascii", ALPHABET_RE["PrintableString"]),
    "NumericString": ("ascii", ALPHABET_RE["NumericString"]),
    "IA5String": ("ascii", ALPHABET_RE["IA5String"]),
    "VisibleString": ("ascii", ALPHABET_RE["VisibleString"]),
    "ISO646String": ("ascii", ALPHABET_RE["ISO646String"]),
    "UTF8String": ("utf-8", None),
}


class FastCodegen:
    """Writes and compiles the fast encoder/decoder functions of a specification."""

    def __init__(self, slow: CodecBuilder, code_cache: CodeCache | None = None) -> None:
        self.slow = slow
        self.code_cache = code_cache
        self.ns: dict[str, Any] = {
            "DecodeError": DecodeError,
            "EncodeError": EncodeError,
            "L": _LEN,
            "S": _SMALL,
            "el": length_octets,
            "MISSING": _MISSING,
            "int_from": int.from_bytes,
            "FB": fallback_encode,
            "LL": tuple(b"\x81" + bytes((i,)) if i >= 128 else b"" for i in range(256)),
            "HOLES": tuple(tuple(b"" for _ in range(i)) for i in range(16)),
            "datetime": datetime.datetime,
            "gte": ber.encode_generalized_time,
            "gtd": ber.decode_generalized_time,
        }
        self._enc_names: dict[object, str] = {}
        self._dec_names: dict[object, str] = {}
        self._counter = 0
        # Functions are generated on their first call: until then the name holds a stub.
        self._stubs: dict[str, tuple[str, Type, bool]] = {}
        self._refs: dict[str, list[tuple[dict[Any, tuple[str, Any]], Any]]] = {}
        self._lock = threading.RLock()
        # The generated functions each generated function refers to (for prepare), and
        # those of the function being generated.
        self._children: dict[str, list[str]] = {}
        self._touched: list[str] | None = None

    # -- naming / constants ---------------------------------------------------------------

    def _const(self, value: object, prefix: str = "k") -> str:
        self._counter += 1
        name = f"{prefix}{self._counter}"
        self.ns[name] = value
        return name

    @staticmethod
    def _key(t: Type, strict: bool | None = None) -> object:
        return (id(t.body), t.tags, t.constraints, strict)

    # -- public ---------------------------------------------------------------------------

    def decoder(self, t: Type, strict: bool = True) -> Decoder:
        """The fast decoder of ``t``: (data, pos, end) -> (value, next)."""
        fn: Decoder = self._materialize(self._dec_name(t, strict))
        return fn

    # A big specification reaches thousands of types from one PDU type, most of which a given
    # stream never uses; generating code for a type only when it is first called keeps the
    # first encode or decode fast.

    def _stub(self, names: dict[object, str], key: object, kind: str, t: Type, strict: bool
              ) -> str:
        """A new name (``kind`` "e" or "d" and the counter) for ``t``'s generated encoder or
        decoder, kept in ``names`` under ``key`` and bound to a stub that generates it."""
        name = f"{kind}{self._counter}"
        names[key] = name
        self._lazy(name, kind, t, strict)
        if self._touched is not None:
            self._touched.append(name)
        return name

    def _lazy(self, name: str, kind: str, t: Type, strict: bool) -> None:
        self._stubs[name] = (kind, t, strict)
        materialize = self._materialize
        if kind == "e":

            def enc_stub(value: Any, out: list[bytes]) -> int:
                fn: Callable[[Any, list[bytes]], int] = materialize(name)
                return fn(value, out)

            self.ns[name] = enc_stub
        else:

            def dec_stub(data: bytes, pos: int, end: int) -> tuple[Any, int]:
                fn: Decoder = materialize(name)
                return fn(data, pos, end)

            self.ns[name] = dec_stub

    def _materialize(self, name: str) -> Any:
        """Generate the function ``name`` if it is still a stub; return it."""
        with self._lock:
            pending = self._stubs.pop(name, None)
            if pending is not None:
                kind, t, strict = pending
                outer, self._touched = self._touched, []
                try:
                    if kind == "e":
                        self._gen_encoder(t)
                    else:
                        self._gen_decoder(t, strict)
                    self._children[name] = self._touched
                finally:
                    self._touched = outer
                fn = self.ns[name]
                for table, key in self._refs.pop(name, ()):
                    table[key] = (table[key][0], fn)
            return self.ns[name]

    def _table_entry(
        self, table: dict[Any, tuple[str, Any]], key: Any, label: str, name: str
    ) -> None:
        """Point a dispatch table entry at function ``name`` (re-pointed once it is generated)."""
        table[key] = (label, self.ns[name])
        if name in self._stubs:
            self._refs.setdefault(name, []).append((table, key))

    @staticmethod
    def _primitive_inline(t: Type) -> bool:
        return len(t.tags) == 1 and t.constraints.single_values is None and (
            t.kind in _INLINE_PRIMITIVES
            or (t.kind is Kind.STRING and t.body.string_type in _FAST_STRINGS)
        )

    # -- encoders -------------------------------------------------------------------------
    #
    # A generated encoder has the signature ``e(value, out) -> int``: it appends the pieces of
    # the TLV to the list ``out`` and returns their total length, so that a large payload is
    # copied once, by the final ``b"".join``, however deep it is nested. Header pieces are
    # reserved as placeholders and filled in when the contents' length is known.

    def _enc_name(self, t: Type) -> str:
        """Name of an ``(value, out) -> int`` encoder of ``t`` in the namespace."""
        key = self._key(t)
        name = self._enc_names.get(key)
        if name is not None:
            if self._touched is not None:
                self._touched.append(name)
            return name
        self._counter += 1
        if t.kind not in _GENERATED and not self._primitive_inline(t):
            slow = self.slow.encoder(t)

            def append_slow(value: Any, out: list[bytes], _enc: Encoder = slow) -> int:
                b = _enc(value)
                out.append(b)
                return len(b)

            name = self._const(append_slow, "ae")
            self._enc_names[key] = name
            return name
        return self._stub(self._enc_names, key, "e", t, True)

    def bytes_encoder(self, t: Type, label: str | None = None) -> Encoder:
        """A ``value -> bytes`` encoder of ``t`` built on the generated one; with ``label``,
        its errors name it first (the top-level encoder of a named type)."""
        if t.kind not in _GENERATED and not self._primitive_inline(t):
            slow = self.slow.encoder(t)

            def gen(value: Any, out: list[bytes]) -> int:
                out.append(slow(value))
                return 0
        else:
            gen = self._materialize(self._enc_name(t))

        def encode(value: Any) -> bytes:
            out: list[bytes] = []
            try:
                gen(value, out)
            except EncodeError as exc:
                if label is not None:
                    exc.prepend(label)
                raise
            except RecursionError:
                raise EncodeError("value nested too deeply", *([label] if label else [])) from None
            return b"".join(out)

        return encode

    def _gen_encoder(self, t: Type) -> None:
        name = self._enc_names[self._key(t)]
        slow = self._const(self.slow.encoder(t), "se")
        fallback = f"return FB({slow}, v, out, st)"
        src = Source()
        src.add(0, f"def {name}(v, out):")
        src.add(1, "st = len(out)")
        if t.kind not in _GENERATED:
            # A primitive on its own (a CHOICE alternative, a list element).
            src.add(1, "n = 0")
            self._enc_member(src, 1, t, "v", fallback, "")
            src.add(1, "return n")
            self._exec(src)
            return
        ntags = len(t.tags)
        if ntags:
            src.add(1, "out.extend(HOLES[" + str(ntags) + "])")
        src.add(1, "n = 0")
        if t.kind in (Kind.SEQUENCE, Kind.SET):
            self._enc_struct(src, t, fallback)
        elif t.kind is Kind.CHOICE:
            self._enc_choice(src, t, fallback)
        elif t.kind is Kind.SET_OF:
            src.add(1, fallback)  # DER sorts the elements: the general encoder does that
        else:
            self._enc_list(src, t, fallback)
        for i, tag in enumerate(reversed(t.tags)):
            ident = identifier_octets(tag, True)
            src.add(1, f"h = {ident!r} + {length_expr('n')}")
            src.add(1, f"out[st + {ntags - 1 - i}] = h")
            src.add(1, "n += len(h)")
        src.add(1, "return n")
        self._exec(src)

    def _enc_member(self, src: Source, ind: int, mt: Type, x: str, fallback: str,
                    label: str, inlined: tuple[int, ...] = ()) -> None:
        """Emit code that appends the TLV of value ``x`` (type ``mt``) to ``out`` and adds its
        length to ``n``; any irregularity executes ``fallback``.

        A SEQUENCE member is encoded inline (a few levels deep, never recursively)."""
        kind = mt.kind
        if inline_sequence(mt, inlined):
            self._counter += 1
            k = self._counter
            ident = identifier_octets(mt.tags[0], True)
            src.add(ind, f"v{k} = {x}")
            src.add(ind, f"i{k} = len(out)")
            src.add(ind, "out.append(b'')")
            src.add(ind, f"s{k} = n")
            src.add(ind, "n = 0")
            self._enc_struct(src, mt, fallback, ind, f"v{k}", f"{label}.", (*inlined, id(mt.body)))
            src.add(ind, f"h = {ident!r} + {length_expr('n')}")
            src.add(ind, f"out[i{k}] = h")
            src.add(ind, f"n = s{k} + n + len(h)")
            return
        if kind is Kind.CHOICE and len(mt.tags) == 1:
            # A tagged CHOICE (its tag explicit, X.680 31.2.7): the dispatch inline.
            self._counter += 1
            k = self._counter
            alts: dict[Any, tuple[str, Any]] = {}
            for c in mt.body.components:
                self._table_entry(alts, c.name, c.name, self._enc_name(c.type))
            tname = self._const(alts, "alt")
            src.add(ind, f"if type({x}) is not tuple or len({x}) != 2: {fallback}")
            src.add(ind, f"a{k}, y{k} = {x}")
            src.add(ind, f"f{k} = {tname}.get(a{k})")
            src.add(ind, f"if f{k} is None: {fallback}")
            src.add(ind, f"i{k} = len(out)")
            src.add(ind, "out.append(b'')")
            src.add(ind, f"s{k} = n")
            src.add(ind, "try:")
            src.add(ind + 1, f"n = f{k}[1](y{k}, out)")
            src.add(ind, "except EncodeError as exc:")
            src.add(ind + 1, f"exc.prepend(a{k})")
            src.add(ind + 1, f"exc.prepend({label!r})")
            src.add(ind + 1, "raise")
            src.add(ind, f"h = {identifier_octets(mt.tags[0], True)!r} + {length_expr('n')}")
            src.add(ind, f"out[i{k}] = h")
            src.add(ind, f"n = s{k} + n + len(h)")
            return
        # A single-value constraint (X.680 51.2) is checked by the general codec.
        simple = len(mt.tags) == 1 and mt.constraints.single_values is None
        ident = identifier_octets(mt.tags[0], False) if simple else b""
        cons = mt.constraints
        if simple and kind is Kind.OCTET_STRING:
            src.add(ind, f"if type({x}) is not bytes: {fallback}")
            src.add(ind, f"m = len({x})")
            test = range_test("m", cons.size)
            if test:
                src.add(ind, f"if not ({test}): {fallback}")
            src.add(ind, "if m < 128:")
            src.add(ind + 1, f"out.append({ident!r} + L[m] + {x})")
            src.add(ind + 1, f"n += {len(ident) + 1} + m")
            src.add(ind, "else:")
            src.add(ind + 1, f"h = {ident!r} + {length_expr('m')}")
            src.add(ind + 1, "out.append(h)")
            src.add(ind + 1, f"out.append({x})")
            src.add(ind + 1, "n += len(h) + m")
            return
        if simple and kind is Kind.INTEGER:
            src.add(ind, f"if type({x}) is not int: {fallback}")
            test = range_test(x, cons.value)
            if test:
                src.add(ind, f"if not ({test}): {fallback}")
            src.add(ind, f"if 0 <= {x} < 128:")
            src.add(ind + 1, f"out.append({ident!r} + b'\\x01' + S[{x}])")
            src.add(ind + 1, f"n += {len(ident) + 2}")
            src.add(ind, "else:")
            src.add(ind + 1, f"c = {x}.to_bytes(({x} + ({x} < 0)).bit_length() // 8 + 1, "
                             "'big', signed=True)")
            src.add(ind + 1, "m = len(c)")
            src.add(ind + 1, f"c = {ident!r} + {length_expr('m')} + c")
            src.add(ind + 1, "out.append(c)")
            src.add(ind + 1, "n += len(c)")
            return
        if simple and kind is Kind.ENUMERATED:
            table = {k: ident + _LEN[len(ber.encode_integer(val))] + ber.encode_integer(val)
                     for k, val in mt.body.named_numbers.items()}
            tname = self._const(table, "en")
            src.add(ind, f"c = {tname}.get({x}) if type({x}) is str else None")
            src.add(ind, f"if c is None: {fallback}")
            src.add(ind, "out.append(c)")
            src.add(ind, "n += len(c)")
            return
        if simple and kind is Kind.BOOLEAN:
            true_tlv = ident + b"\x01\xff"
            false_tlv = ident + b"\x01\x00"
            src.add(ind, f"if {x} is True: out.append({true_tlv!r})")
            src.add(ind, f"elif {x} is False: out.append({false_tlv!r})")
            src.add(ind, f"else: {fallback}")
            src.add(ind, f"n += {len(true_tlv)}")
            return
        if simple and kind is Kind.NULL:
            null_tlv = ident + b"\x00"
            src.add(ind, f"if {x} is not None: {fallback}")
            src.add(ind, f"out.append({null_tlv!r})")
            src.add(ind, f"n += {len(null_tlv)}")
            return
        if simple and kind is Kind.STRING and mt.body.string_type in _FAST_STRINGS:
            codec_name, pattern = _FAST_STRINGS[mt.body.string_type or ""]
            # Short strings (country codes, identifiers) recur in every PDU: their checked
            # encodings are kept.
            cache = self._const({}, "sc") if short_string(cons) else None
            if cache is not None:
                src.add(ind, f"c = {cache}.get({x}) if type({x}) is str else None")
                src.add(ind, "if c is None:")
                ind += 1
            src.add(ind, f"if type({x}) is not str: {fallback}")
            if pattern is not None:
                pname = self._const(pattern.fullmatch, "re")
                src.add(ind, f"if {pname}({x}) is None: {fallback}")
            test = range_test(f"len({x})", cons.size)
            if test:
                src.add(ind, f"if not ({test}): {fallback}")
            if cons.alphabet is not None:
                aname = self._const(cons.alphabet, "ab")
                src.add(ind, f"if not {aname}.issuperset({x}): {fallback}")
            src.add(ind, f"c = {x}.encode({codec_name!r})")
            src.add(ind, "m = len(c)")
            src.add(ind, f"c = {ident!r} + {length_expr('m')} + c")
            if cache is not None:
                src.add(ind, f"if len({cache}) < 256: {cache}[{x}] = c")
                ind -= 1
            src.add(ind, "out.append(c)")
            src.add(ind, "n += len(c)")
            return
        if simple and kind in (Kind.OBJECT_IDENTIFIER, Kind.RELATIVE_OID):
            cache = self._const({}, "oc")
            slow_full = self._const(self.slow.encoder(mt), "se")
            src.add(ind, f"c = {cache}.get({x}) if type({x}) is str else None")
            src.add(ind, "if c is None:")
            src.add(ind + 1, "try:")
            src.add(ind + 2, f"c = {slow_full}({x})")
            src.add(ind + 1, "except EncodeError:")
            src.add(ind + 2, fallback)
            src.add(ind + 1, f"if len({cache}) < 64: {cache}[{x}] = c")
            src.add(ind, "out.append(c)")
            src.add(ind, "n += len(c)")
            return
        if simple and kind is Kind.GENERALIZED_TIME:
            src.add(ind, f"if type({x}) is not datetime: {fallback}")
            src.add(ind, "try:")
            src.add(ind + 1, f"c = gte({x})")
            src.add(ind, "except EncodeError:")
            src.add(ind + 1, fallback)
            src.add(ind, f"c = {ident!r} + L[len(c)] + c")  # at most 35 octets
            src.add(ind, "out.append(c)")
            src.add(ind, "n += len(c)")
            return
        enc = self._enc_name(mt)
        src.add(ind, "try:")
        src.add(ind + 1, f"n += {enc}({x}, out)")
        if kind in _GENERATED:
            src.add(ind, "except EncodeError as exc:")
            src.add(ind + 1, f"exc.prepend({label!r})")
            src.add(ind + 1, "raise")
        else:
            src.add(ind, "except EncodeError:")
            src.add(ind + 1, fallback)

    def _enc_struct(self, src: Source, t: Type, fallback: str, base: int = 1, v: str = "v",
                    prefix: str = "", inlined: tuple[int, ...] = ()) -> None:
        comps = list(t.body.components)
        if t.kind is Kind.SET:
            comps.sort(key=lambda c: sort_tag(c.type))
        inlined = inlined or (id(t.body),)
        self._counter += 1
        used = f"u{self._counter}"
        count = f"w{self._counter}"
        src.add(base, f"if type({v}) is not dict: {fallback}")
        src.add(base, f"{used} = 0")
        src.add(base, f"{count} = len({v})")
        # Values of the big handover types name a few of many OPTIONAL members: once every key
        # has been encoded, the trailing optional members are skipped without a lookup each.
        mandatory = [i for i, c in enumerate(comps) if not (c.optional or c.has_default)]
        last_mandatory = mandatory[-1] if mandatory else -1
        src.add(base, "while True:")
        body = base + 1
        for i, c in enumerate(comps):
            if i > last_mandatory:
                src.add(body, f"if {used} == {count}: break")
            src.add(body, f"x = {v}.get({c.name!r}, MISSING)")
            src.add(body, "if x is not MISSING:")
            src.add(body + 1, f"{used} += 1")
            ind = body + 1
            if c.has_default:
                dname = self._const(c.default, "df")
                src.add(ind, f"if not (x == {dname}):")
                ind += 1
            self._enc_member(src, ind, c.type, "x", fallback, prefix + c.name, inlined)
            if not (c.optional or c.has_default):
                src.add(body, f"else: {fallback}")
        src.add(body, "break")
        src.add(base, f"if {used} != {count}: {fallback}")

    def _enc_choice(self, src: Source, t: Type, fallback: str) -> None:
        table: dict[Any, tuple[str, Any]] = {}
        for c in t.body.components:
            self._table_entry(table, c.name, c.name, self._enc_name(c.type))
        tname = self._const(table, "alt")
        src.add(1, f"if type(v) is not tuple or len(v) != 2: {fallback}")
        src.add(1, "a, x = v")
        src.add(1, f"f = {tname}.get(a)")
        src.add(1, f"if f is None: {fallback}")
        src.add(1, "try:")
        src.add(2, "n = f[1](x, out)")
        src.add(1, "except EncodeError as exc:")
        src.add(2, "exc.prepend(a)")
        src.add(2, "raise")

    def _enc_list(self, src: Source, t: Type, fallback: str) -> None:
        element = t.body.element
        assert element is not None
        enc = self._enc_name(element)
        src.add(1, f"if type(v) is not list: {fallback}")
        test = range_test("len(v)", t.constraints.size)
        if test:
            src.add(1, f"if not ({test}): {fallback}")
        src.add(1, "try:")
        src.add(2, "for x in v:")
        src.add(3, f"n += {enc}(x, out)")
        src.add(1, "except EncodeError:")
        src.add(2, fallback)

    # -- decoders -------------------------------------------------------------------------

    def _dec_name(self, t: Type, strict: bool) -> str:
        key = self._key(t, strict)
        name = self._dec_names.get(key)
        if name is not None:
            if self._touched is not None:
                self._touched.append(name)
            return name
        if t.kind not in _GENERATED and not self._primitive_inline(t):
            name = self._const(self.slow.decoder(t, strict), "sd")
            self._dec_names[key] = name
            return name
        self._counter += 1
        return self._stub(self._dec_names, key, "d", t, strict)

    def _gen_decoder(self, t: Type, strict: bool) -> None:
        name = self._dec_names[self._key(t, strict)]
        slow = self._const(self.slow.decoder(t, strict), "sd")
        src = Source()
        src.add(0, f"def {name}(data, pos, end):")
        src.add(1, "try:")
        if t.kind not in _GENERATED:
            # A primitive on its own (a CHOICE alternative, a list element).
            src.add(2, "p = pos")
            self._dec_member(src, 2, t, strict, slow, "p", "end", "value", "")
            src.add(2, "return value, p")
            src.add(1, "except IndexError:")
            src.add(2, f"return {slow}(data, pos, end)")
            self._exec(src)
            return
        if t.kind is Kind.CHOICE and not t.tags:
            self._dec_choice_body(src, 2, t, strict, slow, "pos", "end", "value", "nxt")
            src.add(2, "return value, nxt")
        else:
            # Headers of every tag, outermost first; contents in [s, stop).
            start, stop = "pos", "end"
            for i, tag in enumerate(t.tags):
                ident = identifier_octets(tag, True)
                self._read_header(src, 2, ident, start, stop, f"s{i}", f"t{i}", slow)
                start, stop = f"s{i}", f"t{i}"
            if t.kind is Kind.CHOICE:
                self._dec_choice_body(src, 2, t, strict, slow, start, stop, "value", "nxt")
                src.add(2, f"if nxt != {stop}: return {slow}(data, pos, end)")
            elif t.kind in (Kind.SEQUENCE, Kind.SET):
                self._dec_struct_body(src, 2, t, strict, slow, start, stop)
            else:
                self._dec_list_body(src, 2, t, strict, slow, start, stop)
            src.add(2, "return value, t0")
        src.add(1, "except IndexError:")
        src.add(2, f"return {slow}(data, pos, end)")
        self._exec(src)

    def _read_header(self, src: Source, ind: int, ident: bytes, p: str, limit: str,
                     q: str, r: str, slow: str, checked: bool = False) -> None:
        """Check identifier ``ident`` at ``p`` (unless the caller has: ``checked``) and read a
        definite length: contents [q, r)."""
        k = len(ident)
        if checked:
            pass
        elif k == 1:
            src.add(ind, f"if {p} >= {limit} or data[{p}] != {ident[0]}: "
                         f"return {slow}(data, pos, end)")
        else:
            src.add(ind, f"if not data.startswith({ident!r}, {p}): return {slow}(data, pos, end)")
        src.add(ind, f"n = data[{p} + {k}]")
        src.add(ind, f"if n < 128: {q} = {p} + {k + 1}")
        src.add(ind, f"elif n == 129: n = data[{p} + {k + 1}]; {q} = {p} + {k + 2}")
        src.add(ind, f"elif n == 130: n = (data[{p} + {k + 1}] << 8) | data[{p} + {k + 2}]; "
                     f"{q} = {p} + {k + 3}")
        src.add(ind, f"else: return {slow}(data, pos, end)")
        src.add(ind, f"{r} = {q} + n")
        src.add(ind, f"if {r} > {limit}: return {slow}(data, pos, end)")

    def _dec_member(self, src: Source, ind: int, mt: Type, strict: bool, slow: str, p: str,
                    stop: str, target: str, label: str, inlined: tuple[int, ...] = (),
                    checked: bytes = b"") -> None:
        """Emit the decoding of member type ``mt`` at ``p`` (its first tag already seen).

        A SEQUENCE member is decoded inline (up to a few levels, never recursively), which
        saves a call and a header check per level on the common path."""
        kind = mt.kind
        cons = mt.constraints
        simple = len(mt.tags) == 1 and kind not in _GENERATED and cons.single_values is None
        if inline_sequence(mt, inlined):
            self._counter += 1
            k = self._counter
            ident = identifier_octets(mt.tags[0], True)
            self._read_header(src, ind, ident, p, stop, f"q{k}", f"r{k}", slow,
                              checked == ident)
            self._dec_struct_body(src, ind, mt, strict, slow, f"q{k}", f"r{k}", f"p{k}",
                                  f"v{k}", f"{label}.", (*inlined, id(mt.body)))
            src.add(ind, f"{target} = v{k}")
            src.add(ind, f"{p} = r{k}")
            return
        if kind is Kind.CHOICE and len(mt.tags) == 1:  # a tagged CHOICE: see _enc_member
            self._counter += 1
            k = self._counter
            ident = identifier_octets(mt.tags[0], True)
            self._read_header(src, ind, ident, p, stop, f"q{k}", f"r{k}", slow,
                              checked == ident)
            self._dec_choice_body(src, ind, mt, strict, slow, f"q{k}", f"r{k}", target,
                                  f"n{k}", label)
            src.add(ind, f"if n{k} != r{k}: return {slow}(data, pos, end)")
            src.add(ind, f"{p} = r{k}")
            return
        if simple:
            ident = identifier_octets(mt.tags[0], False)
            self._read_header(src, ind, ident, p, stop, "q", "r", slow, checked == ident)
            if kind is Kind.OCTET_STRING:
                src.add(ind, "x = data[q:r]")
                test = range_test("len(x)", cons.size if strict else None)
                if test:
                    src.add(ind, f"if not ({test}): return {slow}(data, pos, end)")
            elif kind is Kind.INTEGER:
                src.add(ind, f"if q == r: return {slow}(data, pos, end)")
                src.add(ind, "x = int_from(data[q:r], 'big', signed=True)")
                if strict and not cons.value_extensible:
                    test = range_test("x", cons.value)
                    if test:
                        src.add(ind, f"if not ({test}): return {slow}(data, pos, end)")
            elif kind is Kind.ENUMERATED:
                table = {ber.encode_integer(val): n for n, val in mt.body.named_numbers.items()}
                tname = self._const(table, "de")
                src.add(ind, f"x = {tname}.get(data[q:r])")
                src.add(ind, f"if x is None: return {slow}(data, pos, end)")
            elif kind is Kind.BOOLEAN:
                src.add(ind, f"if r - q != 1: return {slow}(data, pos, end)")
                src.add(ind, "x = data[q] != 0")
            elif kind is Kind.NULL:
                src.add(ind, f"if r != q: return {slow}(data, pos, end)")
                src.add(ind, "x = None")
            elif kind is Kind.STRING and mt.body.string_type in _FAST_STRINGS:
                codec_name, pattern = _FAST_STRINGS[mt.body.string_type or ""]
                cache = self._const({}, "sd") if short_string(cons) else None
                if cache is not None:  # see the encoder
                    src.add(ind, "k = data[q:r]")
                    src.add(ind, f"x = {cache}.get(k)")
                    src.add(ind, "if x is None:")
                    ind += 1
                src.add(ind, "try:")
                src.add(ind + 1, f"x = data[q:r].decode({codec_name!r})")
                src.add(ind, "except UnicodeDecodeError:")
                src.add(ind + 1, f"return {slow}(data, pos, end)")
                if strict:
                    if pattern is not None:
                        pname = self._const(pattern.fullmatch, "re")
                        src.add(ind, f"if {pname}(x) is None: return {slow}(data, pos, end)")
                    test = range_test("len(x)", cons.size)
                    if test:
                        src.add(ind, f"if not ({test}): return {slow}(data, pos, end)")
                    if cons.alphabet is not None:
                        aname = self._const(cons.alphabet, "ab")
                        src.add(ind, f"if not {aname}.issuperset(x): return {slow}(data, pos, end)")
                if cache is not None:
                    src.add(ind, f"if len({cache}) < 256: {cache}[k] = x")
                    ind -= 1
            elif kind is Kind.GENERALIZED_TIME:
                src.add(ind, "try:")
                src.add(ind + 1, "x = gtd(data[q:r])")
                src.add(ind, "except DecodeError:")
                src.add(ind + 1, f"return {slow}(data, pos, end)")
            elif kind in (Kind.OBJECT_IDENTIFIER, Kind.RELATIVE_OID):
                cache = self._const({}, "od")
                contents = self._const(self.slow._contents_decoder(mt, strict), "sc")
                src.add(ind, "c = data[q:r]")
                src.add(ind, f"x = {cache}.get(c)")
                src.add(ind, "if x is None:")
                src.add(ind + 1, "try:")
                src.add(ind + 2, f"x = {contents}(data, q, r)")
                src.add(ind + 1, "except DecodeError:")
                src.add(ind + 2, f"return {slow}(data, pos, end)")
                src.add(ind + 1, f"if len({cache}) < 64: {cache}[c] = x")
            else:
                contents = self._const(self.slow._contents_decoder(mt, strict), "sc")
                src.add(ind, "try:")
                src.add(ind + 1, f"x = {contents}(data, q, r)")
                src.add(ind, "except DecodeError:")
                src.add(ind + 1, f"return {slow}(data, pos, end)")
            src.add(ind, f"{target} = x")
            src.add(ind, f"{p} = r")
            return
        dec = self._dec_name(mt, strict)
        src.add(ind, "try:")
        src.add(ind + 1, f"{target}, {p} = {dec}(data, {p}, {stop})")
        src.add(ind, "except DecodeError as exc:")
        src.add(ind + 1, f"exc.prepend({label!r})")
        src.add(ind + 1, "raise")

    def _dec_struct_body(self, src: Source, ind: int, t: Type, strict: bool, slow: str,
                         start: str, stop: str, p: str = "p", value: str = "value",
                         prefix: str = "", inlined: tuple[int, ...] = ()) -> None:
        comps = list(t.body.components)
        if t.kind is Kind.SET:
            comps.sort(key=lambda c: sort_tag(c.type))  # DER order; others go the slow way
        inlined = inlined or (id(t.body),)
        src.add(ind, f"{value} = {{}}")
        src.add(ind, f"{p} = {start}")
        for c in comps:
            test, exact = first_test(c.type, p, stop)
            src.add(ind, f"if {test}:")
            self._dec_member(src, ind + 1, c.type, strict, slow, p, stop,
                             f"{value}[{c.name!r}]", prefix + c.name, inlined, exact)
            if not (c.optional or c.has_default):
                src.add(ind, f"else: return {slow}(data, pos, end)")
        src.add(ind, f"if {p} != {stop}: return {slow}(data, pos, end)")
        for c in comps:
            if c.has_default:
                dname = self._const(c.default, "df")
                src.add(ind, f"if {c.name!r} not in {value}: {value}[{c.name!r}] = {dname}")

    def _dec_list_body(self, src: Source, ind: int, t: Type, strict: bool, slow: str,
                       start: str, stop: str) -> None:
        element = t.body.element
        assert element is not None
        dec = self._dec_name(element, strict)
        src.add(ind, "value = []")
        src.add(ind, f"p = {start}")
        src.add(ind, f"while p < {stop}:")
        src.add(ind + 1, "try:")
        src.add(ind + 2, f"x, p = {dec}(data, p, {stop})")
        src.add(ind + 1, "except DecodeError:")
        src.add(ind + 2, f"return {slow}(data, pos, end)")
        src.add(ind + 1, "value.append(x)")
        test = range_test("len(value)", t.constraints.size if strict else None)
        if test:
            src.add(ind, f"if not ({test}): return {slow}(data, pos, end)")

    def _dec_choice_body(self, src: Source, ind: int, t: Type, strict: bool, slow: str,
                         start: str, stop: str, target: str, nxt: str, label: str = "") -> None:
        table: dict[Any, tuple[str, Any]] = {}
        for c in t.body.components:
            dname = self._dec_name(c.type, strict)
            for tag in first_tags(c.type):
                if tag is None:
                    continue
                for constructed in (False, True):
                    ident = identifier_octets(tag, constructed)
                    if len(ident) == 1 and ident[0] not in table:
                        self._table_entry(table, ident[0], c.name, dname)
        tname = self._const(table, "ch")
        src.add(ind, f"if {start} >= {stop}: return {slow}(data, pos, end)")
        src.add(ind, f"a = {tname}.get(data[{start}])")
        src.add(ind, f"if a is None: return {slow}(data, pos, end)")
        src.add(ind, "try:")
        src.add(ind + 1, f"x, {nxt} = a[1](data, {start}, {stop})")
        src.add(ind, "except DecodeError as exc:")
        src.add(ind + 1, "exc.prepend(a[0])")
        if label:  # inline in the function of the member's parent
            src.add(ind + 1, f"exc.prepend({label!r})")
        src.add(ind + 1, "raise")
        src.add(ind, f"{target} = (a[0], x)")

    # -- compile ----------------------------------------------------------------------------

    def _exec(self, src: Source) -> None:
        text = src.text()
        if self.code_cache is not None:
            code = self.code_cache.compile(text)
        else:
            code = compile(text, CODE_FILENAME, "exec")
        exec(code, self.ns)

    # -- preparation ----------------------------------------------------------------------

    def prepare(self, t: Type, strict: tuple[bool, ...]) -> int:
        """Generate now the encoder of ``t``, its decoders of each ``strict`` mode and every
        function they can reach, so that no later call generates code; the number generated."""
        with self._lock:
            names = [self._enc_name(t)] + [self._dec_name(t, s) for s in strict]
            seen: set[str] = set()
            done = 0
            while names:
                name = names.pop()
                if name in seen or (name not in self._children and name not in self._stubs):
                    continue  # a function of the general codec: nothing to generate
                seen.add(name)
                if name in self._stubs:
                    self._materialize(name)
                    done += 1
                names.extend(self._children.get(name, ()))
        return done

