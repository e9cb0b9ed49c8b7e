"""BER encoders and decoders specialised per type (X.690), built once from the type model.

Each resolved :class:`~lawful_intercept.asn1c.Type` is turned into two closures:
``encode(value) -> bytes`` (the whole TLV) and ``decode(data, pos, end) -> (value, next_pos)``.
Everything that does not depend on the value (tag octets, member tables, constraint checks,
string codecs) is computed when the closure is built, so encoding a value walks only the value.

Encoding follows DER wherever DER has a rule for the types used: definite lengths in the
minimal form, DEFAULT values omitted, SET members in tag order and SET OF elements sorted
(X.690 clause 10, 11). Decoding accepts what BER allows and real senders emit: indefinite
lengths, non-minimal length octets, constructed strings, unknown extension additions.
The contents of the primitive types are coded by :mod:`._primitives`. See ``docs/compiler.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import ber
from ..errors import DecodeError, EncodeError
from ._model import Component, Kind, Tag, Type, first_tags
from ._primitives import (
    Encoder,
    check_size,
    primitive_decoder,
    primitive_encoder,
    type_error,
)

__all__ = [
    "CodecBuilder",
    "Decoder",
    "Encoder",
    "depth_guarded",
    "identifier_octets",
    "sort_tag",
    "tag_key",
]

Decoder = Callable[[bytes, int, int], tuple[Any, int]]

_LEN = [bytes((i,)) for i in range(128)]
_STRING_KINDS = frozenset({Kind.OCTET_STRING, Kind.BIT_STRING, Kind.STRING})
_MAX_DEPTH = 200


def length_octets(n: int) -> bytes:
    """Definite length in the minimal form (X.690 8.1.3, 10.1)."""
    return _LEN[n] if n < 128 else ber.encode_length(n)


def tag_key(cls: int, number: int) -> int | tuple[int, int]:
    """The key under which a decoder looks up a tag: the identifier octet without the
    constructed bit for low tag numbers, ``(class, number)`` for high ones."""
    return (cls << 6) | number if number < 31 else (cls, number)


def identifier_octets(tag: Tag, constructed: bool) -> bytes:
    """Identifier octets of a tag (X.690 8.1.2)."""
    return ber.encode_tag(int(tag.cls), constructed, tag.number)


def _read_key(data: bytes, pos: int) -> tuple[int | tuple[int, int], int]:
    """Tag key and constructed bit of the identifier at ``pos`` (constructed as 0x20 or 0)."""
    first = data[pos]
    if first & 0x1F != 0x1F:
        return first & 0xDF, first & 0x20
    cls, constructed, number, _ = ber.decode_tag(data, pos)
    return (cls, number), 0x20 if constructed else 0


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Skip the identifier at ``pos``; return (contents start, contents end, next position).

    Indefinite lengths are resolved by scanning to the matching end-of-contents.
    """
    if pos >= end:
        raise DecodeError("data ends where an element should start", offset=pos)
    first = data[pos]
    if first == 0:
        raise DecodeError(
            "end-of-contents octets where an element should start (X.690 8.1.5: they only "
            "close an indefinite length)",
            offset=pos,
        )
    p = pos + 1
    if first & 0x1F == 0x1F:
        _, _, _, p = ber.decode_tag(data, pos)
    if p >= end:
        raise DecodeError("data ends inside the tag and length", offset=pos)
    n = data[p]
    if n < 0x80:
        start = p + 1
        stop = start + n
        if stop > end:
            raise DecodeError(
                f"declared length {n} exceeds the {end - start} bytes available", offset=p
            )
        return start, stop, stop
    length, start = ber.decode_length(data, p, end)
    if length is None:
        _, _, _, cstart, cend, nxt = ber.read_tlv_full(data, pos, end=end)
        return cstart, cend, nxt
    return start, start + length, start + length


def depth_guarded(cell: list[Decoder]) -> Decoder:
    """A decoder that calls ``cell[0]`` (set later: a recursive type's decoder while it is
    built, or one built on first use) and counts nesting, failing past ``_MAX_DEPTH`` levels
    instead of overflowing the stack."""
    depth = [0]

    def guarded(data: bytes, pos: int, end: int) -> tuple[Any, int]:
        depth[0] += 1
        try:
            if depth[0] > _MAX_DEPTH:
                raise DecodeError(f"nesting deeper than {_MAX_DEPTH} levels", offset=pos)
            return cell[0](data, pos, end)
        finally:
            depth[0] -= 1

    return guarded


class CodecBuilder:
    """Builds (and caches) the encoder and decoders of types from one specification."""

    def __init__(self) -> None:
        self._encoders: dict[object, Encoder] = {}
        self._decoders: dict[object, Decoder] = {}

    # -- encoders -------------------------------------------------------------------------

    def encoder(self, t: Type) -> Encoder:
        """The encoder of ``t``: value -> complete TLV bytes."""
        key = (id(t.body), t.tags, t.constraints)
        enc = self._encoders.get(key)
        if enc is not None:
            return enc
        cell: list[Encoder] = []

        def forward(value: Any) -> bytes:
            return cell[0](value)

        self._encoders[key] = forward
        real = self._build_encoder(t)
        cell.append(real)
        self._encoders[key] = real
        return real

    # A member's codec is built on its first call, not with its parent's: a PDU type of the
    # bundled modules reaches some 2,000 types, and building them all made the first encode
    # and decode of a new process take tens of milliseconds.

    def member_encoder(self, t: Type) -> Encoder:
        """The encoder of ``t`` if built, else a stand-in that builds it on its first call."""
        enc = self._encoders.get((id(t.body), t.tags, t.constraints))
        if enc is not None:
            return enc
        cell: list[Encoder] = []
        build = self.encoder

        def lazy(value: Any) -> bytes:
            if not cell:
                cell.append(build(t))
            return cell[0](value)

        return lazy

    def member_decoder(self, t: Type, strict: bool) -> Decoder:
        """The decoder of ``t`` if built, else a stand-in that builds it on its first call
        (and counts nesting, as a recursive type's decoder does)."""
        dec = self._decoders.get((id(t.body), t.tags, t.constraints, strict))
        if dec is not None:
            return dec
        build = self.decoder

        def first(data: bytes, pos: int, end: int) -> tuple[Any, int]:
            real = build(t, strict)
            cell[0] = real
            return real(data, pos, end)

        cell: list[Decoder] = [first]
        return depth_guarded(cell)

    def _build_encoder(self, t: Type) -> Encoder:
        contents = self._contents_encoder(t)
        kind = t.kind
        if not t.tags:
            return contents  # untagged CHOICE / open type: the value's own TLV
        inner = t.tags[-1]
        constructed = kind in (Kind.SEQUENCE, Kind.SET, Kind.SEQUENCE_OF, Kind.SET_OF) or (
            kind in (Kind.CHOICE, Kind.OPEN)
        )
        inner_id = identifier_octets(inner, constructed)
        outer_ids = [identifier_octets(tag, True) for tag in reversed(t.tags[:-1])]
        if not outer_ids and kind not in (Kind.CHOICE, Kind.OPEN):
            if len(inner_id) == 1:

                def enc_simple(value: Any) -> bytes:
                    c = contents(value)
                    n = len(c)
                    return inner_id + (_LEN[n] if n < 128 else ber.encode_length(n)) + c

                return enc_simple

            def enc_one(value: Any) -> bytes:
                c = contents(value)
                return inner_id + length_octets(len(c)) + c

            return enc_one

        # Explicit tags around the inner one; also a tagged CHOICE/open type, whose every tag
        # is explicit, wrapping the value's TLV.
        def enc_explicit(value: Any) -> bytes:
            c = contents(value)
            out = inner_id + length_octets(len(c)) + c
            for ident in outer_ids:
                out = ident + length_octets(len(out)) + out
            return out

        return enc_explicit

    def _contents_encoder(self, t: Type) -> Encoder:
        kind = t.kind
        if kind is Kind.SEQUENCE or kind is Kind.SET:
            return self._struct_encoder(t)
        if kind is Kind.CHOICE:
            return self._choice_encoder(t)
        if kind is Kind.SEQUENCE_OF or kind is Kind.SET_OF:
            return self._list_encoder(t)
        return primitive_encoder(t)

    def _struct_encoder(self, t: Type) -> Encoder:
        body = t.body
        comps = list(body.components)
        if body.kind is Kind.SET:
            comps.sort(key=lambda c: sort_tag(c.type))
        plan = [
            (c.name, self.member_encoder(c.type), c.optional or c.has_default, c.default,
             c.has_default)
            for c in comps
        ]
        known = frozenset(c.name for c in comps)
        kind_name = body.kind.value

        def enc_struct(value: Any) -> bytes:
            if type(value) is not dict:
                raise type_error(f"dict for {kind_name}", value)
            parts = []
            used = 0
            for name, enc, may_omit, default, has_default in plan:
                if name in value:
                    used += 1
                    v = value[name]
                    if has_default and v == default:
                        continue
                    try:
                        parts.append(enc(v))
                    except EncodeError as exc:
                        exc.prepend(name)
                        raise
                elif not may_omit:
                    raise EncodeError(f"mandatory member {name} is missing")
            if used != len(value):
                unknown = sorted(str(k) for k in value if k not in known)
                raise EncodeError(f"unknown member(s) {', '.join(unknown)} for {kind_name}")
            return b"".join(parts)

        return enc_struct

    def _choice_encoder(self, t: Type) -> Encoder:
        alternatives = {c.name: self.member_encoder(c.type) for c in t.body.components}

        def enc_choice(value: Any) -> bytes:
            if type(value) is not tuple or len(value) != 2:
                raise type_error("(alternative, value) tuple for CHOICE", value)
            name, v = value
            enc = alternatives.get(name)
            if enc is None:
                raise EncodeError(f"{name!r} is not an alternative of the CHOICE")
            try:
                return enc(v)
            except EncodeError as exc:
                exc.prepend(name)
                raise

        return enc_choice

    def _list_encoder(self, t: Type) -> Encoder:
        element = t.body.element
        assert element is not None
        enc = self.member_encoder(element)
        size = t.constraints.size
        is_set = t.kind is Kind.SET_OF
        kind_name = t.kind.value

        def enc_list(value: Any) -> bytes:
            if not isinstance(value, (list, tuple)):
                raise type_error(f"list for {kind_name}", value)
            if size is not None and (err := check_size(len(value), size, "number of elements")):
                raise EncodeError(err)
            parts = []
            for i, v in enumerate(value):
                try:
                    parts.append(enc(v))
                except EncodeError as exc:
                    exc.prepend(f"[{i}]")
                    raise
            if is_set:
                parts.sort()  # DER orders SET OF by the encodings (X.690 11.6)
            return b"".join(parts)

        return enc_list

    # -- decoders -------------------------------------------------------------------------

    def decoder(self, t: Type, strict: bool = True) -> Decoder:
        """The decoder of ``t``: (data, pos, end) -> (value, next position).

        ``strict`` checks constraints; a lenient decoder accepts out-of-constraint values.
        """
        key = (id(t.body), t.tags, t.constraints, strict)
        dec = self._decoders.get(key)
        if dec is not None:
            return dec
        cell: list[Decoder] = []
        self._decoders[key] = depth_guarded(cell)
        real = self._build_decoder(t, strict)
        cell.append(real)
        self._decoders[key] = real
        return real

    def _build_decoder(self, t: Type, strict: bool) -> Decoder:
        kind = t.kind
        if not t.tags:
            if kind is Kind.CHOICE:
                return self._choice_decoder(t, strict)
            return _open_decoder
        contents = self._contents_decoder(t, strict)
        inner = t.tags[-1]
        is_string = kind in _STRING_KINDS
        constructed = kind in (Kind.SEQUENCE, Kind.SET, Kind.SEQUENCE_OF, Kind.SET_OF, Kind.CHOICE,
                               Kind.OPEN)
        expected = [(tag_key(int(tag.cls), tag.number), str(tag)) for tag in t.tags[:-1]]
        inner_key = tag_key(int(inner.cls), inner.number)
        inner_form = 0x20 if constructed else 0
        inner_name = str(inner)
        type_name = t.name or kind.value
        wrapped = kind in (Kind.CHOICE, Kind.OPEN)

        def dec(data: bytes, pos: int, end: int) -> tuple[Any, int]:
            nxt_outer = None
            for k, name in expected:
                if pos >= end:
                    raise DecodeError(f"data ends where {type_name} {name} should start",
                                      offset=pos)
                got, form = _read_key(data, pos)
                if got != k or not form:
                    raise DecodeError(
                        f"expected tag {name} (constructed) of {type_name}, found "
                        f"{_describe(data, pos)}",
                        offset=pos,
                    )
                start, stop, nxt = _header(data, pos, end)
                if nxt_outer is None:
                    nxt_outer = nxt
                pos, end = start, stop
            if pos >= end:
                raise DecodeError(f"data ends where {type_name} should start", offset=pos)
            got, form = _read_key(data, pos)
            if got != inner_key:
                raise DecodeError(
                    f"expected tag {inner_name} of {type_name}, found {_describe(data, pos)}",
                    offset=pos,
                )
            start, stop, nxt = _header(data, pos, end)
            if form != inner_form:
                if is_string and form:
                    value = contents(_reassemble(data, start, stop, kind), 0, -1)
                    return value, nxt if nxt_outer is None else nxt_outer
                raise DecodeError(
                    f"{type_name} must use the {'constructed' if constructed else 'primitive'}"
                    " form",
                    offset=pos,
                )
            if wrapped:
                value, after = contents(data, start, stop)
                if after != stop:
                    raise DecodeError(f"{after - stop} extra bytes inside {type_name}",
                                      offset=after)
            else:
                value = contents(data, start, stop)
            return value, nxt if nxt_outer is None else nxt_outer

        if not expected and not wrapped and len(identifier_octets(inner, constructed)) == 1:
            ident = identifier_octets(inner, constructed)[0]

            def dec_fast(data: bytes, pos: int, end: int) -> tuple[Any, int]:
                if pos + 1 < end and data[pos] == ident:
                    n = data[pos + 1]
                    if n < 0x80:
                        start = pos + 2
                        stop = start + n
                        if stop <= end:
                            return contents(data, start, stop), stop
                return dec(data, pos, end)

            return dec_fast
        return dec

    def _contents_decoder(self, t: Type, strict: bool) -> Callable[..., Any]:
        """For primitives and structures: (data, start, stop) -> value.

        ``stop == -1`` means ``data`` is exactly the (reassembled) contents."""
        kind = t.kind
        if kind is Kind.SEQUENCE:
            return self._sequence_decoder(t, strict)
        if kind is Kind.SET:
            return self._set_decoder(t, strict)
        if kind is Kind.SEQUENCE_OF or kind is Kind.SET_OF:
            return self._list_decoder(t, strict)
        if kind is Kind.CHOICE:
            return self._choice_decoder(t, strict)
        if kind is Kind.OPEN:
            return _open_decoder
        return primitive_decoder(t, strict)

    def _component_keys(self, c: Component) -> list[int | tuple[int, int] | None]:
        return [None if tag is None else tag_key(int(tag.cls), tag.number)
                for tag in first_tags(c.type)]

    def _members(
        self, t: Type, strict: bool, unnamed: str
    ) -> tuple[list[Decoder], list[str], list[tuple[str, Any]], bool, str]:
        """What a SEQUENCE or SET decoder needs of its members: their decoders, names and
        DEFAULTs, whether the type is extensible, and its name (``unnamed`` if it has none)."""
        comps = t.body.components
        decs = [self.member_decoder(c.type, strict) for c in comps]
        names = [c.name for c in comps]
        defaults = [(c.name, c.default) for c in comps if c.has_default]
        return decs, names, defaults, t.body.extensible, t.name or unnamed

    def _sequence_decoder(self, t: Type, strict: bool) -> Callable[[bytes, int, int], Any]:
        comps = t.body.components
        decs, names, defaults, extensible, type_name = self._members(t, strict, "SEQUENCE")
        required = [not (c.optional or c.has_default) for c in comps]
        n = len(comps)
        # next_required[i]: the index of the first mandatory member at or after i (n: none)
        next_required = [next((j for j in range(i, n) if required[j]), n) for i in range(n + 1)]
        index: dict[object, tuple[int, ...]] = {}
        wildcard = [None in self._component_keys(c) for c in comps]
        for i, c in enumerate(comps):
            for k in self._component_keys(c):
                if k is not None:
                    index[k] = (*index.get(k, ()), i)

        def dec_seq(data: bytes, start: int, stop: int) -> dict[str, Any]:
            if stop < 0:
                raise _not_primitive(type_name, start)
            value: dict[str, Any] = {}
            pos = start
            current = 0
            while pos < stop:
                key, _ = _read_key(data, pos)
                idx = -1
                for i in index.get(key, ()):
                    if i >= current:
                        idx = i
                        break
                if idx < 0 and current < n and wildcard[current]:
                    idx = current
                if idx < 0:
                    if extensible:
                        _, _, pos = _header(data, pos, stop)  # unknown extension addition
                        continue
                    raise _unexpected_element(data, pos, type_name)
                if next_required[current] < idx:
                    raise _missing_member(names[next_required[current]], pos)
                try:
                    value[names[idx]], pos = decs[idx](data, pos, stop)
                except DecodeError as exc:
                    exc.prepend(names[idx])
                    raise
                current = idx + 1
            if next_required[current] < n:
                raise _missing_member(names[next_required[current]], stop)
            for name, default in defaults:
                value.setdefault(name, default)
            return value

        return dec_seq

    def _set_decoder(self, t: Type, strict: bool) -> Callable[[bytes, int, int], Any]:
        decs, names, defaults, extensible, type_name = self._members(t, strict, "SET")
        comps = t.body.components
        index: dict[object, int] = {}
        for i, c in enumerate(comps):
            for k in self._component_keys(c):
                if k is not None:
                    index[k] = i
        mandatory = [c.name for c in comps if not (c.optional or c.has_default)]

        def dec_set(data: bytes, start: int, stop: int) -> dict[str, Any]:
            if stop < 0:
                raise _not_primitive(type_name, start)
            value: dict[str, Any] = {}
            pos = start
            while pos < stop:
                key, _ = _read_key(data, pos)
                idx = index.get(key)
                if idx is None:
                    if extensible:
                        _, _, pos = _header(data, pos, stop)
                        continue
                    raise _unexpected_element(data, pos, type_name)
                name = names[idx]
                if name in value:
                    raise DecodeError(f"member {name} appears twice in {type_name}", offset=pos)
                try:
                    value[name], pos = decs[idx](data, pos, stop)
                except DecodeError as exc:
                    exc.prepend(name)
                    raise
            for name in mandatory:
                if name not in value:
                    raise _missing_member(name, stop)
            for name, default in defaults:
                value.setdefault(name, default)
            return value

        return dec_set

    def _list_decoder(self, t: Type, strict: bool) -> Callable[[bytes, int, int], Any]:
        element = t.body.element
        assert element is not None
        dec = self.member_decoder(element, strict)
        size = t.constraints.size if strict else None
        type_name = t.name or t.kind.value

        def dec_list(data: bytes, start: int, stop: int) -> list[Any]:
            if stop < 0:
                raise _not_primitive(type_name, start)
            out: list[Any] = []
            pos = start
            while pos < stop:
                try:
                    v, pos = dec(data, pos, stop)
                except DecodeError as exc:
                    exc.prepend(f"[{len(out)}]")
                    raise
                out.append(v)
            if size is not None and (err := check_size(len(out), size, "number of elements")):
                raise DecodeError(err, offset=start)
            return out

        return dec_list

    def _choice_decoder(self, t: Type, strict: bool) -> Decoder:
        comps = t.body.components
        index: dict[object, tuple[str, Decoder]] = {}
        wildcard: tuple[str, Decoder] | None = None
        for c in comps:
            dec = self.member_decoder(c.type, strict)
            for k in self._component_keys(c):
                if k is None:
                    wildcard = (c.name, dec)
                else:
                    index[k] = (c.name, dec)
        extensible = t.body.extensible
        keep_unknown = extensible and not strict
        type_name = t.name or "CHOICE"

        def dec_choice(data: bytes, pos: int, end: int) -> tuple[Any, int]:
            if pos >= end:
                raise DecodeError(f"data ends where {type_name} should start", offset=pos)
            key, _ = _read_key(data, pos)
            entry = index.get(key, wildcard)
            if entry is None:
                if keep_unknown:
                    # An alternative a newer version added: its tag and its whole TLV.
                    _, _, nxt = _header(data, pos, end)
                    return (_describe(data, pos).removeprefix("tag "), data[pos:nxt]), nxt
                hint = " (an extension from a newer version?)" if extensible else ""
                raise DecodeError(
                    f"{_describe(data, pos)} is not an alternative of {type_name}{hint}",
                    offset=pos,
                )
            name, dec = entry
            try:
                v, nxt = dec(data, pos, end)
            except DecodeError as exc:
                exc.prepend(name)
                raise
            return (name, v), nxt

        return dec_choice


def _open_decoder(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    _, _, nxt = _header(data, pos, end)
    return data[pos:nxt], nxt


def _reassemble(data: bytes, start: int, stop: int, kind: Kind) -> bytes:
    """Contents of a constructed string encoding (X.690 8.6.4, 8.7.3, 8.23.6), returned as
    the contents of the equivalent primitive encoding."""
    try:
        if kind is Kind.BIT_STRING:
            joined, bits = ber.decode_constructed_bit_string(data, start, stop)
            return bytes(((-bits) % 8,)) + joined
        return ber.decode_constructed_string(data, start, stop)
    except DecodeError as exc:
        if exc.offset is None:
            exc.offset = start
        raise


def _not_primitive(type_name: str, offset: int) -> DecodeError:
    """The error for a constructed type (X.690 8.9-8.13) found with a primitive encoding."""
    return DecodeError(f"{type_name} cannot be a primitive encoding", offset=offset)


def _unexpected_element(data: bytes, pos: int, type_name: str) -> DecodeError:
    """The error for an element no member of a SEQUENCE or SET of ``type_name`` takes."""
    return DecodeError(f"unexpected element {_describe(data, pos)} in {type_name}", offset=pos)


def _missing_member(name: str, offset: int) -> DecodeError:
    """The error for a mandatory member that is absent (X.680 clause 25)."""
    return DecodeError(f"mandatory member {name} is missing", offset=offset)


def _describe(data: bytes, pos: int) -> str:
    if pos >= len(data):
        return "end of data"
    try:
        cls, _, number, _ = ber.decode_tag(data, pos)
    except DecodeError:
        return f"octet 0x{data[pos]:02x}"
    names = ("UNIVERSAL ", "APPLICATION ", "", "PRIVATE ")
    return f"tag [{names[cls]}{number}]"


def sort_tag(t: Type) -> tuple[int, int]:
    """Canonical order of SET members (X.690 10.3): by class, then number; an untagged CHOICE
    sorts by the smallest tag of its alternatives."""
    tags = [tag for tag in first_tags(t) if tag is not None]
    if not tags:
        return (4, 0)
    best = min(tags, key=lambda tag: (int(tag.cls), tag.number))
    return (int(best.cls), best.number)
