"""Templates: a type compiled with some fields fixed, encoding only the fields left open.

A mediation function sends millions of PDUs that differ in a few fields (sequence number,
timestamp, payload) while LIID, network identifiers, country codes and the payload kind stay
the same for a session. :meth:`Specification.template` takes a value in which those varying
fields are :class:`Hole` markers, encodes every part without a hole once, and generates a
function that writes only the holes and the lengths that depend on them (X.690 8.1.3).
See ``docs/compiler.md``.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import DecodeError, EncodeError
from ._codec import identifier_octets, sort_tag
from ._fast import FastCodegen, Source, range_test
from ._model import NO_DEFAULT, Kind, Type

__all__ = ["EncodedMember", "Hole", "Template", "build_template"]


class EncodedMember:
    """One member an encoded :class:`Hole` stands for: its name, whether it may be absent,
    its DEFAULT, the first identifier octets of its encoding and its encoder and decoder."""

    __slots__ = ("decode", "default", "encode", "first", "name", "optional", "path")

    def __init__(self, name: str, path: str, optional: bool, default: object, first: bytes,
                 encode: Callable[[Any], bytes],
                 decode: Callable[[bytes, int, int], tuple[Any, int]]) -> None:
        self.name = name
        self.path = path
        self.optional = optional
        self.default = default
        self.first = first
        self.encode = encode
        self.decode = decode


class Hole:
    """Marks a field left open in a template; ``name`` is its keyword argument.

    With ``optional=True`` the argument may be ``None``, meaning the (OPTIONAL) member is
    absent from that PDU.

    With ``encoded=True`` the hole is the value of members of a SEQUENCE or SET and its
    argument is their complete X.690 encoding (identifier, length and contents octets of each
    present member, in order), made once with :meth:`Template.pre_encode`. One such hole given
    as the value of several consecutive members stands for all of them. This keeps values that
    are constant for one user of a template but differ between users (a session's LIID and
    CIN) out of the generated code: one template serves every user, each keeping only octets.
    """

    __slots__ = ("encoded", "name", "optional")

    def __init__(self, name: str, *, optional: bool = False, encoded: bool = False) -> None:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"hole name {name!r} must be a Python identifier")
        if optional and encoded:
            raise ValueError(f"hole {name!r}: an encoded hole is never optional (its "
                             "argument is b'' when every member it stands for is absent)")
        self.name = name
        self.optional = optional
        self.encoded = encoded

    def __repr__(self) -> str:
        extra = ", optional=True" if self.optional else ", encoded=True" if self.encoded else ""
        return f"Hole({self.name!r}{extra})"


class Template:
    """An encoder of one type with fixed parts pre-encoded; call it with the holes' values.

    ``template(sequenceNumber=7, payload=b"...")`` (or :meth:`encode`) returns the same bytes
    as :meth:`Specification.encode` of the fixed value with the holes filled in, and raises the
    same :class:`~lawful_intercept.EncodeError` for a bad argument.
    """

    def __init__(self, type_name: str, fields: tuple[str, ...], fn: Callable[..., bytes],
                 body: str = "", gen: FastCodegen | None = None,
                 runs: Mapping[str, Sequence[EncodedMember]] | None = None):
        self._body = body
        self._gen = gen
        self._runs = dict(runs or {})
        self.type_name = type_name
        self.fields = fields
        """The names of the holes, in the order they appear in the value."""
        self.encode: Callable[..., bytes] = fn
        """Encode the type with the holes filled in, by keyword or by position in
        :attr:`fields` order (the generated function itself: the fastest way to call a
        template, fastest with positional arguments)."""

    def __call__(self, **values: Any) -> bytes:
        return self.encode(**values)

    def __repr__(self) -> str:
        return f"<Template {self.type_name} holes={', '.join(self.fields)}>"

    @property
    def encoded_fields(self) -> tuple[str, ...]:
        """The names of the holes made with ``encoded=True`` (see :meth:`pre_encode`)."""
        return tuple(self._runs)

    def members_of(self, name: str) -> tuple[str, ...]:
        """The members the encoded hole ``name`` stands for, in encoding order."""
        return tuple(m.name for m in self._run(name))

    def _run(self, name: str) -> Sequence[EncodedMember]:
        run = self._runs.get(name)
        if run is None:
            raise ValueError(f"{name!r} is not an encoded hole of this template (its encoded "
                             f"holes: {', '.join(self._runs) or 'none'})")
        return run

    def pre_encode(self, name: str, values: Mapping[str, Any]) -> bytes:
        """The argument of the encoded hole ``name``: the X.690 encoding of the members it
        stands for, from ``values`` (member name -> value; OPTIONAL members may be left out,
        a DEFAULT member equal to its default is left out as DER does, X.690 11.5).

        Raises :class:`~lawful_intercept.EncodeError` naming the member for a value that
        breaks its type, a missing mandatory member or an unknown one, so that a user of the
        template checks its constant values once, here.
        """
        run = self._run(name)
        known = {m.name for m in run}
        unknown = [k for k in values if k not in known]
        if unknown:
            raise EncodeError(f"unknown member(s) {', '.join(map(str, unknown))} for encoded "
                              f"hole {name!r} (members: {', '.join(m.name for m in run)})",
                              self.type_name)
        out: list[bytes] = []
        for member in run:
            if member.name not in values:
                if not member.optional:
                    raise EncodeError(f"mandatory member {member.name} is missing",
                                      f"{self.type_name}.{member.path}")
                continue
            value = values[member.name]
            if member.default is not NO_DEFAULT and value == member.default:
                continue
            try:
                out.append(member.encode(value))
            except EncodeError as exc:
                exc.prepend(member.path)
                exc.prepend(self.type_name)
                raise
        return b"".join(out)

    def _decode_run(self, name: str, data: object) -> dict[str, Any]:
        """The member values of an encoded hole's argument (for the slow path)."""
        if type(data) is not bytes:
            raise TypeError(f"encoded hole {name!r} must be bytes from pre_encode, "
                            f"not {type(data).__name__}")
        values: dict[str, Any] = {}
        pos, end = 0, len(data)
        for member in self._runs[name]:
            first = member.first  # its identifier, primitive form; either form matches
            if (pos < end and data[pos] & 0xDF == first[0]
                    and data.startswith(first[1:], pos + 1)):
                try:
                    values[member.name], pos = member.decode(data, pos, end)
                except (DecodeError, IndexError, ValueError, TypeError):
                    break
            elif not member.optional:
                break
        else:
            if pos == end:
                return values
        raise ValueError(f"encoded hole {name!r} does not hold the encoding of "
                         f"{', '.join(m.name for m in self._runs[name])} (use pre_encode)")

    def specialize(
        self,
        signature: str,
        prologue: Sequence[str],
        values: Mapping[str, object],
        *,
        trusted: Sequence[str] = (),
    ) -> Callable[..., bytes]:
        """Compile ``def f(<signature>)``: the ``prologue`` lines, which must assign every
        hole by its name, followed by this template's encoding — one function where a caller
        would otherwise compute the holes and then call :attr:`encode`.

        ``values`` are objects the prologue uses, written ``{name}`` in its lines. The holes
        are checked as :attr:`encode` checks them: a bad value ends in the same
        ``EncodeError``. For per-PDU paths that derive their holes (a sequence number, the
        time) from a counter and a clock. ``trusted`` names holes the prologue guarantees to be
        of the right Python type and within their constraints: their checks are left out.
        """
        gen = self._gen
        if gen is None:
            raise TypeError("this template cannot be specialized")
        mapping = {name: gen._const(value, "pv") for name, value in values.items()}
        lines = [f"def {{fn}}({signature}):"]
        lines += ["    " + line.format(**mapping) for line in prologue]
        name = gen._const(None, "spec")
        body = "\n".join(
            line for line in self._body.split("\n")
            if not any(line.endswith(f"# type-check {hole}") for hole in trusted)
        )
        source = "\n".join(lines).replace("{fn}", name) + "\n" + body
        code = compile(source, "<lawful_intercept specialized template>", "exec")
        exec(code, gen.ns)
        fn: Callable[..., bytes] = gen.ns[name]
        return fn


def _has_hole(value: object) -> bool:
    if isinstance(value, Hole):
        return True
    if isinstance(value, dict):
        return any(_has_hole(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_hole(v) for v in value)
    return False


def _fill(value: object, args: dict[str, Any]) -> object:
    if isinstance(value, Hole):
        return args[value.name]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(v, Hole) and v.encoded:  # args holds the decoded members
                if k in args[v.name]:
                    out[k] = args[v.name][k]
                continue
            if isinstance(v, Hole) and v.optional and args.get(v.name) is None:
                continue
            out[k] = _fill(v, args)
        return out
    if isinstance(value, tuple):
        return tuple(_fill(v, args) for v in value)
    if isinstance(value, list):
        return [_fill(v, args) for v in value]
    return value


def _length_expr(n: str) -> str:
    """Inline minimal length octets of the int variable ``n`` (X.690 10.1)."""
    return (f"(L[{n}] if {n} < 128 else LL[{n}] if {n} < 256 else "
            f"b'\\x82' + {n}.to_bytes(2, 'big') if {n} < 65536 else el({n}))")


# Distinct sets of hole lengths whose header octets are kept (a few per packet size).
_SEGMENT_CACHE = 8192


class _Frag:
    """Pieces of an encoding, in order: bytes constants or names of local variables, and the
    names/constants whose lengths add up to its length."""

    def __init__(self) -> None:
        self.pieces: list[bytes | str] = []
        self.const_len = 0
        self.var_lens: list[str] = []

    def extend(self, other: _Frag) -> None:
        self.pieces.extend(other.pieces)
        self.const_len += other.const_len
        self.var_lens.extend(other.var_lens)

    def length_expr(self) -> str:
        parts = [*self.var_lens]
        if self.const_len or not parts:
            parts.append(str(self.const_len))
        return " + ".join(parts)


class _Builder:
    """Writes a straight-line function: validate and encode each hole, compute the lengths
    that depend on them from the inside out, and join the pieces once."""

    def __init__(self, gen: FastCodegen, label: str) -> None:
        self.gen = gen
        self.label = label
        self.src = Source()  # per call: check each hole and encode its contents
        self.hdr = Source()  # per distinct set of hole lengths: every header octet
        self.holes: list[Hole] = []
        self.contents: list[tuple[str, str]] = []  # (contents variable, length variable)
        self.runs: dict[str, list[EncodedMember]] = {}  # encoded hole -> its members
        self.counter = 0

    def var(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, text: str) -> None:
        self.src.add(1, text)

    def node(self, t: Type, value: object, path: str, default: object = NO_DEFAULT) -> _Frag:
        frag = _Frag()
        if isinstance(value, Hole):
            if value.encoded:
                raise self._error(path, f"encoded hole {value.name!r} must be the value of "
                                        "members of a SEQUENCE or SET")
            return self._hole(t, value, path, default)
        if not _has_hole(value):
            try:
                const = self.gen.bytes_encoder(t)(value)
            except EncodeError as exc:
                if path:
                    exc.prepend(path)
                exc.prepend(self.label)
                raise
            frag.pieces.append(const)
            frag.const_len = len(const)
            return frag
        kind = t.kind
        inner = _Frag()
        if kind in (Kind.SEQUENCE, Kind.SET):
            self._struct(t, value, path, inner)
        elif kind is Kind.CHOICE:
            self._choice(t, value, path, inner)
        elif kind is Kind.SEQUENCE_OF:
            if not isinstance(value, list):
                raise self._error(path, f"expected list for SEQUENCE OF, got {value!r:.40}")
            size = t.constraints.size
            if size is not None and not any(len(value) in r for r in size):
                raise self._error(path, f"number of elements {len(value)} is outside SIZE")
            element = t.body.element
            assert element is not None
            for i, v in enumerate(value):
                inner.extend(self.node(element, v, f"{path}[{i}]"))
        else:
            raise self._error(path, f"a hole cannot be placed inside a {kind.value} value")
        # Headers from the innermost tag out (X.690 8.1.3, 8.14).
        for tag in reversed(t.tags):
            n = self.var("n")
            h = self.var("h")
            self.hdr.add(1, f"{n} = {inner.length_expr()}")
            ident = identifier_octets(tag, True)
            self.hdr.add(1, f"{h} = {ident!r} + {_length_expr(n)}")
            outer = _Frag()
            outer.pieces.append(h)
            outer.var_lens.append(f"len({h})")
            outer.var_lens.append(n)
            outer.pieces.extend(inner.pieces)
            inner = outer
        frag.extend(inner)
        return frag

    def _error(self, path: str, message: str) -> EncodeError:
        err = EncodeError(message, path)
        err.prepend(self.label)
        return err

    def _struct(self, t: Type, value: object, path: str, frag: _Frag) -> None:
        if not isinstance(value, dict):
            raise self._error(path, f"expected dict for {t.kind.value}, got {value!r:.40}")
        comps = list(t.body.components)
        if t.kind is Kind.SET:
            comps.sort(key=lambda c: sort_tag(c.type))
        names = {c.name for c in comps}
        unknown = [k for k in value if k not in names]
        if unknown:
            raise self._error(path, f"unknown member(s) {', '.join(map(str, unknown))}")
        run: Hole | None = None  # the encoded hole of the previous member
        for c in comps:
            sub = f"{path}.{c.name}" if path else c.name
            if c.name not in value:
                if not (c.optional or c.has_default):
                    raise self._error(path, f"mandatory member {c.name} is missing")
                run = None
                continue
            v = value[c.name]
            if isinstance(v, Hole) and v.encoded:
                if v is not run:
                    frag.extend(self._encoded_hole(v, sub))
                    run = v
                self._run_member(v, c, sub)
                continue
            run = None
            if isinstance(v, Hole) and v.optional and not (c.optional or c.has_default):
                raise self._error(sub, "an optional hole needs an OPTIONAL member")
            if c.has_default and not _has_hole(v) and v == c.default:
                continue
            frag.extend(self.node(c.type, v, sub, c.default))

    def _encoded_hole(self, hole: Hole, path: str) -> _Frag:
        """The piece of an encoded hole: its argument as it is, its length its own."""
        if any(h.name == hole.name for h in self.holes):
            raise self._error(path, f"hole {hole.name!r} is used twice")
        self.holes.append(hole)
        self.runs[hole.name] = []
        x = hole.name
        c = self.var("c")
        m = self.var("m")
        self.emit(f"if type({x}) is not bytes: return __FALLBACK__  # type-check {x}")
        self.emit(f"{c} = {x}")
        self.emit(f"{m} = len({c})")
        self.contents.append((c, m))
        frag = _Frag()
        frag.pieces.append(c)
        frag.var_lens.append(m)
        return frag

    def _run_member(self, hole: Hole, c: Any, path: str) -> None:
        t = c.type
        if not t.tags:
            raise self._error(path, f"encoded hole {hole.name!r} needs tagged members "
                                    f"({c.name} is an untagged CHOICE)")
        self.runs[hole.name].append(EncodedMember(
            c.name, path, c.optional or c.has_default,
            c.default if c.has_default else NO_DEFAULT,
            identifier_octets(t.tags[0], False),
            self.gen.bytes_encoder(t), self.gen.decoder(t),
        ))

    def _choice(self, t: Type, value: object, path: str, frag: _Frag) -> None:
        if not (isinstance(value, tuple) and len(value) == 2):
            raise self._error(path, f"expected (alternative, value) for CHOICE, got {value!r:.40}")
        name, v = value
        alt = next((c for c in t.body.components if c.name == name), None)
        if alt is None:
            raise self._error(path, f"{name!r} is not an alternative of the CHOICE")
        frag.extend(self.node(alt.type, v, f"{path}.{name}" if path else str(name)))

    def _hole(self, t: Type, hole: Hole, path: str, default: object = NO_DEFAULT) -> _Frag:
        if any(h.name == hole.name for h in self.holes):
            raise self._error(path, f"hole {hole.name!r} is used twice")
        self.holes.append(hole)
        x = hole.name
        # The member may be absent per call: an optional hole given None, or a DEFAULT member
        # given its default value, which DER leaves out (X.690 11.5).
        tests = [f"{x} is None"] if hole.optional else []
        if default is not NO_DEFAULT:
            tests.append(f"{x} == {self.gen._const(default, 'hd')}")
        absent_when = bool(tests)
        absent_test = " or ".join(tests)
        fb = "return __FALLBACK__"
        frag = _Frag()
        c = self.var("c")
        m = self.var("m")
        simple = len(t.tags) == 1
        kind = t.kind
        cons = t.constraints
        lines: list[str] = []
        known_length = False
        if simple and kind in (Kind.OCTET_STRING, Kind.INTEGER) and cons.single_values is None:
            # Lines marked "# type-check" may be left out by Template.specialize(trusted=...).
            if kind is Kind.OCTET_STRING:
                lines.append(f"if type({x}) is not bytes: {fb}  # type-check {x}")
                test = range_test(f"len({x})", cons.size)
                if test:
                    lines.append(f"if not ({test}): {fb}")
                lines.append(f"{c} = {x}")
            else:
                test = range_test(x, cons.value)
                lines.append(f"if type({x}) is not int" + (f" or not ({test})" if test else "")
                             + f": {fb}  # type-check {x}")
                if cons.value is not None and all(
                    r.lower is not None and r.lower >= 0 for r in cons.value
                ):
                    # Non-negative: minimal two's complement is bit_length // 8 + 1 octets.
                    lines.append(f"if {x} < 128: {c} = S[{x}]; {m} = 1")
                    lines.append(f"else: {m} = ({x}.bit_length() >> 3) + 1; "
                                 f"{c} = {x}.to_bytes({m}, 'big')")
                    known_length = True
                else:
                    lines.append(f"{c} = S[{x}] if 0 <= {x} < 128 else {x}.to_bytes(({x} + "
                                 f"({x} < 0)).bit_length() // 8 + 1, 'big', signed=True)")
            # The contents' own header depends only on their length: computed with the others.
            h = self.var("h")
            ident = identifier_octets(t.tags[0], False)
            size = f"{m}p" if absent_when else m
            if absent_when:
                self.hdr.add(1, f"{size} = {m} if {m} > 0 else 0")
                self.hdr.add(1, f"{h} = b'' if {m} < 0 else {ident!r} + {_length_expr(size)}")
            else:
                self.hdr.add(1, f"{h} = {ident!r} + {_length_expr(size)}")
            frag.pieces.extend([h, c])
            frag.var_lens.extend([f"len({h})", size])
        else:
            enc = self.gen._const(self.gen.bytes_encoder(t), "te")
            lines.append("try:")
            lines.append(f"    {c} = {enc}({x})")
            lines.append("except EncodeError:")
            lines.append(f"    {fb}")
            size = f"{m}p" if absent_when else m
            if absent_when:
                self.hdr.add(1, f"{size} = {m} if {m} > 0 else 0")
            frag.pieces.append(c)
            frag.var_lens.append(size)
        if not known_length:
            lines.append(f"{m} = len({c})")
        self.contents.append((c, m))
        if absent_when:
            self.emit(f"if {absent_test}:")
            self.emit(f"    {c} = b''")
            self.emit(f"    {m} = -1")
            self.emit("else:")
            for line in lines:
                self.emit("    " + line)
        else:
            for line in lines:
                self.emit(line)
        return frag


def _segment_function(
    gen: FastCodegen,
    b: _Builder,
    name: str,
    lengths: list[str],
    segments: list[list[str]],
    cache: str,
    key: str,
) -> None:
    """Generate ``name(*lengths)``: the constant segments of the output for those lengths."""
    hdr = Source()
    hdr.add(0, f"def {name}({', '.join(lengths)}):")
    hdr.lines.extend(b.hdr.lines)
    seg_exprs = [" + ".join(seg) if seg else "b''" for seg in segments]
    hdr.add(1, f"s = ({', '.join(seg_exprs)},)")
    hdr.add(1, f"if len({cache}) >= {_SEGMENT_CACHE}: {cache}.clear()")
    hdr.add(1, f"{cache}[{key}] = s")
    hdr.add(1, "return s")
    code = compile(hdr.text(), "<lawful_intercept template headers>", "exec")
    exec(code, gen.ns)


def build_template(
    gen: FastCodegen, t: Type, type_name: str, fixed: object, full: Callable[[Any], bytes]
) -> Template:
    """Generate the template function for ``fixed`` (see :class:`Template`)."""
    b = _Builder(gen, type_name)
    frag = b.node(t, fixed, "")
    contents = {c for c, _ in b.contents}
    # Split the output at the holes' contents: everything between two of them (constants and
    # headers) is one segment, computed once per distinct set of lengths and cached.
    segments: list[list[str]] = [[]]
    order: list[str] = []
    for piece in frag.pieces:
        if isinstance(piece, bytes):
            segments[-1].append(gen._const(piece, "tc"))
        elif piece in contents:
            order.append(piece)
            segments.append([])
        else:
            segments[-1].append(piece)
    lengths = [m for _, m in b.contents]
    key = lengths[0] if len(lengths) == 1 else "(" + ", ".join(lengths) + ",)"
    cache = gen._const({}, "sc")
    seg_fn = gen._const(None, "sg")
    if not b.holes:
        b.emit(f"return {' + '.join(segments[0]) or repr(b'')}")
    else:
        b.emit(f"s = {cache}.get({key})")
        b.emit("if s is None:")
        b.emit(f"    s = {seg_fn}({', '.join(lengths)})")
        joined = []
        for i in range(len(segments)):
            joined.append(f"s[{i}]")
            if i < len(order):
                joined.append(order[i])
        b.emit(f"return b''.join(({', '.join(joined)}))")
    if b.holes:
        _segment_function(gen, b, seg_fn, lengths, segments, cache, key)
    names = [h.name for h in b.holes]
    fname = gen._const(None, "tpl")
    fb_name = gen._const(None, "fbt")
    args = ", ".join(f"{n}={n}" for n in names)
    body = b.src.text().replace("__FALLBACK__", f"{fb_name}({args})")
    # Positional or keyword: a hot loop passes the holes by position (in ``fields`` order).
    params = ", ".join(names)
    source = f"def {fname}({params}):\n{body}"
    code = compile(source, "<lawful_intercept template>", "exec")
    exec(code, gen.ns)
    fn = gen.ns[fname]

    template = Template(type_name, tuple(names), fn, body, gen, b.runs)
    decode_run = template._decode_run

    def slow_path(**args: Any) -> bytes:
        # Something in the arguments is not plain: encode the whole value the general way,
        # which gives the precise error or the right bytes.
        for name in b.runs:
            args[name] = decode_run(name, args[name])
        return full(_fill(fixed, args))

    gen.ns[fb_name] = slow_path
    return template
