"""From parsed modules to the resolved type model (X.680 clauses 13, 14, 31, 49).

The resolver follows type and value references across modules (IMPORTS by OID, falling back
to the module name because the standards' texts import each other at versions that differ from
the ones published together), applies the module's tagging default (EXPLICIT, IMPLICIT,
AUTOMATIC) and ``EXTENSIBILITY IMPLIED``, evaluates values (tag numbers, constraint bounds,
DEFAULTs, OBJECT IDENTIFIER and RELATIVE-OID values) and reduces constraints to the sets the
codec checks. See ``docs/compiler.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from . import _syntax as syn
from ._constraint_sets import (
    SINGLE_VALUE_KINDS,
    intersect,
    intersect_ranges,
    intersection,
    operands,
    union,
)
from ._lexer import Token
from ._model import (
    NO_DEFAULT,
    STRING_TYPES,
    UNIVERSAL_TAGS,
    Body,
    Component,
    Constraints,
    Kind,
    Range,
    Tag,
    TagClass,
    Type,
)
from ._tagging import apply_automatic, has_tag, tag_clash

__all__ = ["ResolvedModule", "Resolver"]

_BUILTIN_KINDS = {
    "BOOLEAN": Kind.BOOLEAN,
    "INTEGER": Kind.INTEGER,
    "ENUMERATED": Kind.ENUMERATED,
    "REAL": Kind.REAL,
    "NULL": Kind.NULL,
    "BIT STRING": Kind.BIT_STRING,
    "OCTET STRING": Kind.OCTET_STRING,
    "OBJECT IDENTIFIER": Kind.OBJECT_IDENTIFIER,
    "RELATIVE-OID": Kind.RELATIVE_OID,
    "UTCTime": Kind.UTC_TIME,
    "GeneralizedTime": Kind.GENERALIZED_TIME,
}

# Names of OBJECT IDENTIFIER arcs that may be written without a number (X.660 annex A).
_TOP_ARCS = {"itu-t": 0, "ccitt": 0, "iso": 1, "joint-iso-itu-t": 2, "joint-iso-ccitt": 2}
_SECOND_ARCS = {
    0: {"recommendation": 0, "question": 1, "administration": 2, "network-operator": 3,
        "identified-organization": 4},
    1: {"standard": 0, "registration-authority": 1, "member-body": 2, "identified-organization": 3},
}


@dataclass
class ResolvedModule:
    """A module after resolution: its name, OID (dotted, if it has one) and type names."""

    name: str
    oid: str | None
    type_names: list[str]
    filename: str | None
    values: dict[str, object]
    """The module's value assignments that have a value the codec understands."""


@dataclass
class _Ctx:
    module: syn.ModuleSyntax

    @property
    def tagging(self) -> str:
        return self.module.tagging

    def error(self, message: str, line: int | None, construct: str) -> CompileError:
        return CompileError(message, self.module.filename, line, construct)


class Resolver:
    """Resolve a set of parsed modules into :class:`~lawful_intercept.asn1c.Type` objects."""

    def __init__(self, modules: list[syn.ModuleSyntax]) -> None:
        self.modules: dict[str, syn.ModuleSyntax] = {}
        for m in modules:
            if m.name in self.modules:
                other = self.modules[m.name]
                raise CompileError(
                    f"module {m.name} is defined twice (also in {other.filename}:{other.line})",
                    m.filename,
                    m.line,
                    f"module {m.name}",
                )
            self.modules[m.name] = m
        self._types: dict[tuple[str, str], Type] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._values: dict[tuple[str, str], object] = {}
        self._values_in_progress: set[tuple[str, str]] = set()
        self._oids: dict[str, str | None] = {}
        self._by_oid: dict[str, syn.ModuleSyntax] = {}
        for m in self.modules.values():
            oid = self._module_oid(m)
            self._oids[m.name] = oid
            if oid is not None:
                self._by_oid[oid] = m

    # -- public -----------------------------------------------------------------------------

    def resolve_all(self) -> dict[str, ResolvedModule]:
        """Resolve every type assignment of every module; return the modules' summaries."""
        result = {}
        for m in self.modules.values():
            names = []
            values: dict[str, object] = {}
            for name, a in m.assignments.items():
                if isinstance(a, syn.TypeAssignment):
                    self.assignment_type(m, name)
                    names.append(name)
                elif isinstance(a, syn.ValueAssignment) and a.type is not None:
                    try:
                        values[name] = self.value(m, name)
                    except CompileError:
                        if self._is_data_type(a.type, m):
                            raise
            result[m.name] = ResolvedModule(m.name, self._oids[m.name], names, m.filename,
                                            values)
        return result

    def type_of(self, module: str, name: str) -> Type:
        """The resolved type ``module.name``."""
        return self.assignment_type(self.modules[module], name)

    # -- lookup ---------------------------------------------------------------------------

    def _module_oid(self, m: syn.ModuleSyntax) -> str | None:
        if m.oid is None:
            return None
        try:
            return self._eval_oid(m.oid, _Ctx(m), relative=False)
        except CompileError:
            return None

    def _imported_module(self, imp: syn.Import, ctx: _Ctx, construct: str) -> syn.ModuleSyntax:
        if imp.oid is not None and len(imp.oid.tokens) > 1:
            try:
                oid = self._eval_oid(imp.oid, ctx, relative=False)
            except CompileError:
                oid = None
            if oid is not None and oid in self._by_oid:
                return self._by_oid[oid]
        target = self.modules.get(imp.module)
        if target is None:
            raise ctx.error(
                f"module {imp.module} (imported by {ctx.module.name}) is not among the "
                "compiled modules",
                imp.line,
                construct,
            )
        return target

    def _lookup(
        self, ctx: _Ctx, module: str | None, name: str, line: int, construct: str
    ) -> tuple[syn.ModuleSyntax, syn.TypeAssignment | syn.ValueAssignment | syn.SkippedAssignment]:
        """Find the assignment a reference names, following IMPORTS (X.680 13.12)."""
        seen: set[tuple[str, str]] = set()
        m = ctx.module
        if module is not None and module != m.name:
            imp = next((i for i in m.imports if i.module == module), None)
            if imp is not None:
                m = self._imported_module(imp, ctx, construct)
            elif module in self.modules:
                m = self.modules[module]
            else:
                raise ctx.error(f"unknown module {module} in {module}.{name}", line, construct)
        while True:
            if (m.name, name) in seen:
                raise ctx.error(f"{name} is imported in a circle", line, construct)
            seen.add((m.name, name))
            a = m.assignments.get(name)
            if a is not None:
                return m, a
            imp = next((i for i in m.imports if name in i.symbols), None)
            if imp is None:
                raise CompileError(
                    f"{name} is not defined in module {m.name} and not imported",
                    ctx.module.filename,
                    line,
                    construct,
                )
            m = self._imported_module(imp, _Ctx(m), construct)

    def _is_data_type(self, syntax: syn.TypeSyntax, m: syn.ModuleSyntax) -> bool:
        while isinstance(syntax, (syn.ConstrainedType, syn.TaggedType)):
            syntax = syntax.inner
        if isinstance(syntax, syn.RefType):
            try:
                _, a = self._lookup(_Ctx(m), syntax.module, syntax.name, syntax.line, "")
            except CompileError:
                return False
            return isinstance(a, syn.TypeAssignment)
        return not isinstance(syntax, syn.OpenType)

    # -- types ----------------------------------------------------------------------------

    def assignment_type(self, m: syn.ModuleSyntax, name: str) -> Type:
        """The resolved type of the type assignment ``name`` in module ``m`` (resolved once)."""
        key = (m.name, name)
        t = self._types.get(key)
        if t is not None:
            return t
        a = m.assignments[name]
        construct = f"type {m.name}.{name}"
        if not isinstance(a, syn.TypeAssignment):
            raise CompileError(f"{name} is not a type", m.filename, a.line, construct)
        if key in self._in_progress:
            raise CompileError(
                f"{name} is defined in terms of itself without a SEQUENCE, SET or CHOICE "
                "between",
                m.filename,
                a.line,
                construct,
            )
        self._in_progress.add(key)
        try:
            t = self._resolve(a.type, _Ctx(m), construct, name, key)
        finally:
            self._in_progress.discard(key)
        if t.name != name:
            t = Type(t.body, t.tags, t.constraints, name)
        self._types[key] = t
        return t

    def _resolve(
        self,
        syntax: syn.TypeSyntax,
        ctx: _Ctx,
        construct: str,
        name: str = "",
        key: tuple[str, str] | None = None,
    ) -> Type:
        if isinstance(syntax, syn.RefType):
            m, a = self._lookup(ctx, syntax.module, syntax.name, syntax.line, construct)
            if isinstance(a, syn.SkippedAssignment):
                raise ctx.error(
                    f"{syntax.name} is a {a.reason}, not a type the codec can use",
                    syntax.line,
                    construct,
                )
            if not isinstance(a, syn.TypeAssignment):
                raise ctx.error(f"{syntax.name} is a value, not a type", syntax.line, construct)
            return self.assignment_type(m, syntax.name)
        if isinstance(syntax, syn.TaggedType):
            inner = self._resolve(syntax.inner, ctx, construct)
            return self._tag(inner, syntax, ctx, construct)
        if isinstance(syntax, syn.ConstrainedType):
            inner = self._resolve(syntax.inner, ctx, construct, name, key)
            return self._constrain(inner, syntax.constraint, ctx, construct)
        if isinstance(syntax, syn.BuiltinType):
            return self._builtin(syntax, ctx, construct, name)
        if isinstance(syntax, syn.StructType):
            kind = {"SEQUENCE": Kind.SEQUENCE, "SET": Kind.SET, "CHOICE": Kind.CHOICE}[
                syntax.kind
            ]
            body = Body(kind, name=name, module=ctx.module.name)
            tags = () if kind is Kind.CHOICE else (Tag(TagClass.UNIVERSAL, UNIVERSAL_TAGS[kind]),)
            t = Type(body, tags, Constraints(), name or syntax.kind)
            if key is not None:
                self._types[key] = t  # early, so that recursive references find it
            self._fill_struct(body, syntax, ctx, construct)
            return t
        if isinstance(syntax, syn.ListType):
            kind = Kind.SEQUENCE_OF if syntax.kind == "SEQUENCE OF" else Kind.SET_OF
            body = Body(kind, name=name, module=ctx.module.name)
            t = Type(body, (Tag(TagClass.UNIVERSAL, UNIVERSAL_TAGS[kind]),), Constraints(),
                     name or syntax.kind)
            if key is not None:
                self._types[key] = t
            body.element = self._resolve(syntax.element, ctx, construct + "[]")
            if syntax.size is not None:
                constrained = self._constrain(t, syntax.size, ctx, construct)
                t.constraints = constrained.constraints
            return t
        if isinstance(syntax, syn.OpenType):
            return Type(Body(Kind.OPEN, name=syntax.text, module=ctx.module.name), (),
                        Constraints(), syntax.text)
        if isinstance(syntax, syn.SelectionType):
            inner = self._resolve(syntax.inner, ctx, construct)
            if inner.kind is not Kind.CHOICE:
                raise ctx.error("a selection type needs a CHOICE", syntax.line, construct)
            for c in inner.body.components:
                if c.name == syntax.name:
                    return c.type
            raise ctx.error(f"{syntax.name} is not an alternative", syntax.line, construct)
        raise ctx.error(f"unsupported type notation {syntax!r}", syntax.line, construct)

    def _builtin(self, syntax: syn.BuiltinType, ctx: _Ctx, construct: str, name: str) -> Type:
        text = syntax.name
        module = ctx.module.name
        if text in STRING_TYPES:
            body = Body(Kind.STRING, string_type=text, name=name, module=module)
            return Type(body, (Tag(TagClass.UNIVERSAL, STRING_TYPES[text]),), Constraints(), text)
        if text == "ObjectDescriptor":
            body = Body(Kind.STRING, string_type="GraphicString", name=name, module=module)
            return Type(body, (Tag(TagClass.UNIVERSAL, 7),), Constraints(), text)
        if text == "EXTERNAL":
            raise ctx.error("EXTERNAL is not supported", syntax.line, construct)
        kind = _BUILTIN_KINDS[text]
        body = Body(kind, name=name, module=module)
        if kind is Kind.INTEGER or kind is Kind.BIT_STRING:
            for nn in syntax.named:
                assert nn.value is not None
                value = self._eval_int(nn.value, ctx, construct)
                if kind is Kind.BIT_STRING and value < 0:
                    raise ctx.error(f"named bit {nn.name} is negative", syntax.line, construct)
                body.named_numbers[nn.name] = value
        elif kind is Kind.ENUMERATED:
            self._enumeration(body, syntax, ctx, construct)
        return Type(body, (Tag(TagClass.UNIVERSAL, UNIVERSAL_TAGS[kind]),), Constraints(), text)

    def _enumeration(self, body: Body, syntax: syn.BuiltinType, ctx: _Ctx, construct: str) -> None:
        """Number ENUMERATED items, automatic numbers included (X.680 20.3, 20.4)."""
        used = {
            self._eval_int(nn.value, ctx, construct) for nn in syntax.named if nn.value is not None
        }
        root = []
        nxt = 0
        last_ext = -1
        for nn in syntax.named:
            if nn.value is not None:
                value = self._eval_int(nn.value, ctx, construct)
            elif not nn.extension:
                while nxt in used:
                    nxt += 1
                value = nxt
                used.add(value)
            else:
                value = max(last_ext + 1, max((v for v in used), default=-1) + 1)
                used.add(value)
            if nn.extension:
                last_ext = value
            if nn.name in body.named_numbers:
                raise ctx.error(f"{nn.name} appears twice in ENUMERATED", syntax.line, construct)
            if value in body.named_numbers.values():
                raise ctx.error(f"ENUMERATED value {value} is used twice", syntax.line, construct)
            body.named_numbers[nn.name] = value
            if not nn.extension:
                root.append(nn.name)
        body.enum_root = tuple(root)
        body.extensible = syntax.extensible or ctx.module.extensibility_implied

    def _tag(self, inner: Type, syntax: syn.TaggedType, ctx: _Ctx, construct: str) -> Type:
        number = self._eval_int(syntax.number, ctx, construct)
        if number < 0:
            raise ctx.error("a tag number cannot be negative", syntax.line, construct)
        tag = Tag(TagClass[syntax.cls], number)
        mode = syntax.mode
        if mode == "IMPLICIT" and not inner.tags:
            raise ctx.error(
                f"IMPLICIT cannot tag an untagged {inner.kind.value} (X.680 31.2.9): its "
                "alternatives' own tags must stay on the wire",
                syntax.line,
                construct,
            )
        if mode is None:
            mode = "EXPLICIT" if ctx.tagging == "EXPLICIT" else "IMPLICIT"
        # An untagged CHOICE or open type can only be tagged explicitly (X.680 31.2.7).
        tags = (tag, *inner.tags[1:]) if mode == "IMPLICIT" and inner.tags else (tag, *inner.tags)
        return Type(inner.body, tags, inner.constraints, inner.name)

    def _fill_struct(self, body: Body, syntax: syn.StructType, ctx: _Ctx, construct: str) -> None:
        body.extensible = syntax.extensible or ctx.module.extensibility_implied
        items: list[tuple[syn.ComponentSyntax, Type | None]] = []
        components: list[Component] = []
        for item in syntax.components:
            if isinstance(item, syn.ComponentsOf):
                source = self._resolve(item.type, ctx, construct)
                if source.kind not in (Kind.SEQUENCE, Kind.SET):
                    raise ctx.error("COMPONENTS OF needs a SEQUENCE or SET", item.line, construct)
                for c in source.body.components:
                    if not c.extension:
                        components.append(
                            Component(c.name, c.type, c.optional, c.default, item.extension)
                        )
                continue
            items.append((item, None))
            comp_construct = f"{construct}.{item.name}"
            ctype = self._resolve(item.type, ctx, comp_construct)
            components.append(Component(item.name, ctype, item.optional, NO_DEFAULT,
                                        item.extension))
        # AUTOMATIC TAGS: number the components when none of the root ones is tagged (25.3).
        if ctx.tagging == "AUTOMATIC":
            own = [c for c in syntax.components if isinstance(c, syn.ComponentSyntax)]
            if not any(has_tag(c.type) for c in own if not c.extension):
                ordered = [c for c in components if not c.extension] + [
                    c for c in components if c.extension
                ]
                for n, c in enumerate(ordered):
                    c.type = apply_automatic(c.type, n)
        for item, _ in items:
            if item.default is not None:
                comp = next(c for c in components if c.name == item.name)
                comp.default = self.eval_value(
                    item.default, comp.type, ctx, f"{construct}.{item.name} DEFAULT"
                )
        names = set()
        for c in components:
            if c.name in names:
                raise ctx.error(f"component {c.name} appears twice", syntax.line, construct)
            names.add(c.name)
        body.components = components
        if (clash := tag_clash(body)) is not None:
            raise ctx.error(clash, syntax.line, construct)

    # -- constraints -----------------------------------------------------------------------

    def _constrain(self, inner: Type, c: syn.Constraint, ctx: _Ctx, construct: str) -> Type:
        extra = self._constraint(c, inner, ctx, construct)
        if extra is None:
            return inner
        body = inner.body
        if isinstance(extra, _Containing):
            if inner.kind is Kind.OCTET_STRING or inner.kind is Kind.BIT_STRING:
                body = Body(body.kind, name=body.name, module=body.module,
                            contained=extra.type)
            return Type(body, inner.tags, inner.constraints, inner.name)
        merged = intersect(inner.constraints, extra)
        return Type(body, inner.tags, merged, inner.name)

    def _constraint(
        self, c: syn.Constraint, base: Type, ctx: _Ctx, construct: str
    ) -> Constraints | _Containing | None:
        op = c.op
        if op == "ignored" or op == "except":
            return None
        if op == "extensible":
            root = c.args[0]
            assert isinstance(root, syn.Constraint)
            parts = [self._constraint(root, base, ctx, construct)] if root.args else []
            for add in c.args[1:]:
                assert isinstance(add, syn.Constraint)
                parts.append(self._constraint(add, base, ctx, construct))
            if any(p is None or isinstance(p, _Containing) for p in parts) or not parts:
                return None
            merged = union([p for p in parts if isinstance(p, Constraints)])
            if merged is None:
                return None
            values_extensible = merged.value is not None or merged.single_values is not None
            return Constraints(merged.value, values_extensible, merged.size,
                               merged.size is not None, merged.alphabet, merged.single_values)
        if op == "containing":
            typ = c.args[0]
            assert isinstance(typ, syn.TypeSyntax)
            return _Containing(self._resolve(typ, ctx, construct))
        if op == "union":
            subs = []
            for arg in c.args:
                assert isinstance(arg, syn.Constraint)
                sub = self._constraint(arg, base, ctx, construct)
                if sub is None or isinstance(sub, _Containing):
                    return None
                subs.append(sub)
            return union(subs)
        if op == "intersection":
            result = Constraints()
            for arg in c.args:
                assert isinstance(arg, syn.Constraint)
                sub = self._constraint(arg, base, ctx, construct)
                if isinstance(sub, Constraints):
                    result = intersect(result, sub)
            return result
        if op == "size":
            inner = c.args[0]
            assert isinstance(inner, syn.Constraint)
            ranges = self._ranges(inner, ctx, construct)
            if ranges is None:
                return None
            ext = inner.op == "extensible"
            return Constraints(size=ranges, size_extensible=ext)
        if op == "from":
            inner = c.args[0]
            assert isinstance(inner, syn.Constraint)
            alphabet = self._alphabet(inner, ctx, construct)
            return None if alphabet is None else Constraints(alphabet=alphabet)
        if op == "type":
            typ = c.args[0]
            assert isinstance(typ, syn.TypeSyntax)
            return self._resolve(typ, ctx, construct).constraints
        if op == "single" and base.kind in SINGLE_VALUE_KINDS:
            try:  # a value notation the resolver cannot read is left unchecked
                value = self.eval_value(_vs(c.args[0]), base, ctx, construct)
            except CompileError:
                return None
            ok = type(value) is SINGLE_VALUE_KINDS[base.kind]
            return Constraints(single_values=frozenset((value,))) if ok else None
        if op in ("range", "single"):
            if base.kind is not Kind.INTEGER:
                return None  # REAL, time and BIT STRING values: not checked (docs/compiler.md)
            ranges = self._ranges(c, ctx, construct)
            return None if ranges is None else Constraints(value=ranges)
        raise ctx.error(f"unsupported constraint {op}", c.line, construct)

    def _ranges(self, c: syn.Constraint, ctx: _Ctx, construct: str) -> tuple[Range, ...] | None:
        """Integer ranges of a value or size constraint; None when not reducible."""
        if c.op == "single":
            v = c.args[0]
            assert isinstance(v, syn.ValueSyntax)
            n = self._eval_int(v, ctx, construct)
            return (Range(n, n),)
        if c.op == "range":
            lo, hi, lo_open, hi_open = c.args
            lo_v = None if lo == "MIN" else self._eval_int(_vs(lo), ctx, construct)
            hi_v = None if hi == "MAX" else self._eval_int(_vs(hi), ctx, construct)
            if lo_open and lo_v is not None:
                lo_v += 1
            if hi_open and hi_v is not None:
                hi_v -= 1
            return (Range(lo_v, hi_v),)
        if c.op in ("union", "extensible"):
            out: list[Range] = []
            for arg in operands(c, skip_markers=c.op == "extensible"):
                r = self._ranges(arg, ctx, construct)
                if r is None:
                    return None
                out.extend(r)
            return tuple(out) if out or c.op == "union" else None
        if c.op == "intersection":
            ranges = (self._ranges(arg, ctx, construct) for arg in operands(c))
            return intersection(ranges, intersect_ranges)
        return None

    def _alphabet(self, c: syn.Constraint, ctx: _Ctx, construct: str) -> frozenset[str] | None:
        if c.op == "single":
            v = c.args[0]
            assert isinstance(v, syn.ValueSyntax)
            return frozenset(self._eval_cstring(v, ctx, construct))
        if c.op == "range":
            lo, hi, _, _ = c.args
            a = self._eval_cstring(_vs(lo), ctx, construct)
            b = self._eval_cstring(_vs(hi), ctx, construct)
            if len(a) != 1 or len(b) != 1:
                raise ctx.error("a FROM range needs single characters", c.line, construct)
            return frozenset(chr(i) for i in range(ord(a), ord(b) + 1))
        if c.op in ("union", "extensible"):
            chars: set[str] = set()
            for arg in operands(c, skip_markers=True):
                sub = self._alphabet(arg, ctx, construct)
                if sub is None:
                    return None
                chars |= sub
            return frozenset(chars)
        if c.op == "intersection":
            alphabets = (self._alphabet(arg, ctx, construct) for arg in operands(c))
            return intersection(alphabets, frozenset.intersection)
        return None

    # -- values ---------------------------------------------------------------------------

    def value(self, m: syn.ModuleSyntax, name: str) -> object:
        """The value of the value assignment ``name`` in module ``m`` (evaluated once)."""
        key = (m.name, name)
        if key in self._values:
            return self._values[key]
        a = m.assignments[name]
        construct = f"value {m.name}.{name}"
        if not isinstance(a, syn.ValueAssignment):
            raise CompileError(f"{name} is not a value", m.filename, a.line, construct)
        if key in self._values_in_progress:
            raise CompileError(f"{name} is defined in terms of itself", m.filename, a.line,
                               construct)
        if a.type is None:
            raise CompileError(
                f"the type of {name} ({a.type_text}) is not one the codec knows",
                m.filename,
                a.line,
                construct,
            )
        self._values_in_progress.add(key)
        try:
            ctx = _Ctx(m)
            typ = self._resolve(a.type, ctx, construct)
            v = self.eval_value(a.value, typ, ctx, construct)
        finally:
            self._values_in_progress.discard(key)
        self._values[key] = v
        return v

    def _value_ref(self, tokens: list[str], ctx: _Ctx, line: int, construct: str) -> object:
        module = tokens[0] if len(tokens) == 3 else None
        name = tokens[-1]
        m, a = self._lookup(ctx, module, name, line, construct)
        if not isinstance(a, syn.ValueAssignment):
            raise ctx.error(f"{name} is not a value", line, construct)
        return self.value(m, name)

    def eval_value(self, v: syn.ValueSyntax, typ: Type, ctx: _Ctx, construct: str) -> object:
        """Interpret a value as written, for the governing type (X.680 clause 17)."""
        kind = typ.kind
        toks = v.tokens
        texts = [t.text for t in toks]
        line = v.line
        if kind is Kind.OBJECT_IDENTIFIER:
            if texts[0] != "{":
                return self._value_ref(texts, ctx, line, construct)
            return self._eval_oid(v, ctx, relative=False)
        if kind is Kind.RELATIVE_OID:
            if texts[0] != "{":
                return self._value_ref(texts, ctx, line, construct)
            return self._eval_oid(v, ctx, relative=True)
        if kind is Kind.INTEGER:
            if len(texts) == 1 and texts[0] in typ.body.named_numbers:
                return typ.body.named_numbers[texts[0]]
            return self._eval_int(v, ctx, construct)
        if kind is Kind.ENUMERATED:
            if len(texts) == 1 and texts[0] in typ.body.named_numbers:
                return texts[0]
            ref = self._value_ref(texts, ctx, line, construct)
            if ref not in typ.body.named_numbers:
                raise ctx.error(f"{v.text()} is not an item of the ENUMERATED", line, construct)
            return ref
        if kind is Kind.BOOLEAN:
            if texts == ["TRUE"]:
                return True
            if texts == ["FALSE"]:
                return False
            return self._value_ref(texts, ctx, line, construct)
        if kind is Kind.NULL and texts == ["NULL"]:
            return None
        if kind is Kind.REAL:
            if len(toks) == 1 and toks[0].kind == "num":
                return float(texts[0])
            if len(toks) == 2 and texts[0] == "-":
                return -float(texts[1])
        if kind is Kind.STRING:
            if toks[0].kind == "cstr":
                return self._eval_cstring(v, ctx, construct)
            return self._value_ref(texts, ctx, line, construct)
        if kind is Kind.OCTET_STRING:
            if toks[0].kind in ("hstr", "bstr"):
                data, _ = _bits_of(toks[0].text)
                return data
            return self._value_ref(texts, ctx, line, construct)
        if kind is Kind.BIT_STRING:
            if toks[0].kind in ("hstr", "bstr"):
                return _bits_of(toks[0].text)
            if texts[0] == "{":
                positions = []
                for t in texts[1:-1]:
                    if t == ",":
                        continue
                    if t not in typ.body.named_numbers:
                        raise ctx.error(f"{t} is not a named bit", line, construct)
                    positions.append(typ.body.named_numbers[t])
                nbits = max(positions) + 1 if positions else 0
                buf = bytearray((nbits + 7) // 8)
                for p in positions:
                    buf[p // 8] |= 0x80 >> (p % 8)
                return (bytes(buf), nbits)
            return self._value_ref(texts, ctx, line, construct)
        if kind is Kind.CHOICE and len(toks) >= 3 and texts[1] == ":":
            alt = next((c for c in typ.body.components if c.name == texts[0]), None)
            if alt is None:
                raise ctx.error(f"{texts[0]} is not an alternative", line, construct)
            return (alt.name, self.eval_value(syn.ValueSyntax(toks[2:]), alt.type, ctx, construct))
        if kind in (Kind.SEQUENCE, Kind.SET) and texts[0] == "{":
            result: dict[str, object] = {}
            for part in _split_commas(toks[1:-1]):
                comp = next((c for c in typ.body.components if c.name == part[0].text), None)
                if comp is None or len(part) < 2:
                    raise ctx.error(f"{part[0].text} is not a component", line, construct)
                result[comp.name] = self.eval_value(syn.ValueSyntax(part[1:]), comp.type, ctx,
                                                    construct)
            return result
        if kind in (Kind.SEQUENCE_OF, Kind.SET_OF) and texts[0] == "{":
            element = typ.body.element
            assert element is not None
            return [
                self.eval_value(syn.ValueSyntax(part), element, ctx, construct)
                for part in _split_commas(toks[1:-1])
            ]
        if len(toks) in (1, 3) and toks[-1].kind == "id" and toks[-1].text[0].islower():
            return self._value_ref(texts, ctx, line, construct)
        raise ctx.error(f"cannot interpret the value {v.text()} as {kind.value}", line, construct)

    def _eval_int(self, v: syn.ValueSyntax, ctx: _Ctx, construct: str) -> int:
        toks = v.tokens
        if len(toks) == 1 and toks[0].kind == "num":
            return int(toks[0].text)
        if len(toks) == 2 and toks[0].text == "-" and toks[1].kind == "num":
            return -int(toks[1].text)
        if toks and toks[-1].kind == "id" and len(toks) in (1, 3):
            value = self._value_ref([t.text for t in toks], ctx, v.line, construct)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        raise ctx.error(f"expected an integer, found {v.text()}", v.line, construct)

    def _eval_cstring(self, v: syn.ValueSyntax, ctx: _Ctx, construct: str) -> str:
        toks = v.tokens
        if len(toks) == 1 and toks[0].kind == "cstr":
            return toks[0].text[1:-1].replace('""', '"')
        value = self._value_ref([t.text for t in toks], ctx, v.line, construct)
        if not isinstance(value, str):
            raise ctx.error(f"expected a character string, found {v.text()}", v.line, construct)
        return value

    def _eval_oid(self, v: syn.ValueSyntax, ctx: _Ctx, relative: bool) -> str:
        """Arcs of ``{ ... }`` for OBJECT IDENTIFIER or RELATIVE-OID (X.680 32.3, 33.3)."""
        toks = v.tokens
        construct = "OBJECT IDENTIFIER value" if not relative else "RELATIVE-OID value"
        if not toks or toks[0].text != "{" or toks[-1].text != "}":
            raise ctx.error(f"expected {{...}}, found {v.text()}", v.line, construct)
        arcs: list[int] = []
        i = 1
        end = len(toks) - 1
        while i < end:
            t = toks[i]
            if t.kind == "num":
                arcs.append(int(t.text))
                i += 1
            elif t.kind == "id" and i + 1 < end and toks[i + 1].text == "(":
                num = toks[i + 2]
                if toks[i + 3].text != ")":
                    raise ctx.error("expected ')' in a name(number) arc", t.line, construct)
                if num.kind == "num":
                    arcs.append(int(num.text))
                else:
                    arcs.append(self._eval_int(syn.ValueSyntax([num]), ctx, construct))
                i += 4
            elif t.kind == "id":
                if not arcs and t.text in _TOP_ARCS and not relative:
                    arcs.append(_TOP_ARCS[t.text])
                elif len(arcs) == 1 and not relative and t.text in _SECOND_ARCS.get(arcs[0], {}):
                    arcs.append(_SECOND_ARCS[arcs[0]][t.text])
                elif not arcs:
                    ref = self._value_ref([t.text], ctx, t.line, construct)
                    if not isinstance(ref, str):
                        raise ctx.error(f"{t.text} is not an OID value", t.line, construct)
                    arcs.extend(int(x) for x in ref.split("."))
                else:
                    raise ctx.error(f"arc {t.text} has no number", t.line, construct)
                i += 1
            else:
                raise ctx.error(f"unexpected {t.text!r} in an OID value", t.line, construct)
        if not arcs or (not relative and len(arcs) < 2):
            raise ctx.error("an OBJECT IDENTIFIER needs at least two arcs", v.line, construct)
        return ".".join(str(a) for a in arcs)


@dataclass
class _Containing:
    type: Type


def _vs(x: object) -> syn.ValueSyntax:
    assert isinstance(x, syn.ValueSyntax)
    return x


def _bits_of(text: str) -> tuple[bytes, int]:
    """Bytes and bit count of a bstring ``'0101'B`` or hstring ``'AF'H``."""
    body = "".join(text[1:-2].split())
    if text.endswith("H"):
        nbits = 4 * len(body)
        padded = body + ("0" if len(body) % 2 else "")
        return bytes.fromhex(padded), nbits
    nbits = len(body)
    padded = body + "0" * (-len(body) % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big") if padded else b"", nbits


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Split a token list at the commas that are not inside brackets."""
    parts: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for t in tokens:
        if t.text in ("{", "(", "["):
            depth += 1
        elif t.text in ("}", ")", "]"):
            depth -= 1
        if t.text == "," and depth == 0:
            parts.append(current)
            current = []
        else:
            current.append(t)
    if current:
        parts.append(current)
    return parts
