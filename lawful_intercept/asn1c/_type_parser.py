"""Parser of ASN.1 types, values and constraints as written (X.680 clauses 16-51).

Reads one type (with its tags, members, named numbers and subtype constraints) or one value
from a token range that the module parser (:mod:`._parser`) has delimited. See
``docs/compiler.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _syntax as syn
from ._cursor import OPEN_BRACKETS, Cursor, is_lower, is_upper
from ._lexer import Token
from ._model import STRING_TYPES

__all__ = ["TypeParser"]

_SIMPLE_BUILTINS = {
    "BOOLEAN",
    "NULL",
    "REAL",
    "UTCTime",
    "GeneralizedTime",
    "RELATIVE-OID",
    "ObjectDescriptor",
    "EXTERNAL",
} | set(STRING_TYPES)


class TypeParser(Cursor):
    """Parses the type, value or constraint at the cursor into its syntax tree."""

    def __init__(
        self, tokens: list[Token], start: int, end: int, filename: str | None, classes: set[str]
    ) -> None:
        super().__init__(tokens, start, end, filename)
        self.classes = classes

    # -- types ----------------------------------------------------------------------------

    def parse_type(self, construct: str) -> syn.TypeSyntax:
        """The type at the cursor, with its tags and constraints (X.680 clause 17)."""
        tok = self.peek()
        if tok is None:
            raise self.error("a type is missing", construct)
        if tok.text == "[":
            typ: syn.TypeSyntax = self._tagged(construct)
        else:
            typ = self._untagged(construct)
        while self.peek_text() == "(":
            typ = syn.ConstrainedType(typ.line, typ, self.parse_constraint(construct))
        return typ

    def _tagged(self, construct: str) -> syn.TypeSyntax:
        open_tok = self.expect("[", construct)
        cls = "CONTEXT"
        if self.peek_text() in ("UNIVERSAL", "APPLICATION", "PRIVATE"):
            cls = self.next().text
        number = self.parse_value(construct, stop=("]",))
        self.expect("]", construct)
        mode = None
        if self.peek_text() in ("IMPLICIT", "EXPLICIT"):
            mode = self.next().text
        inner = self.parse_type(construct)
        return syn.TaggedType(open_tok.line, cls, number, mode, inner)

    def _untagged(self, construct: str) -> syn.TypeSyntax:
        tok = self.next(construct)
        text = tok.text
        line = tok.line
        if text in _SIMPLE_BUILTINS:
            return syn.BuiltinType(line, text)
        if text == "INTEGER":
            named = self._named_numbers(construct) if self.peek_text() == "{" else []
            return syn.BuiltinType(line, "INTEGER", named)
        if text == "ENUMERATED":
            named, ext = self._enumerations(construct)
            return syn.BuiltinType(line, "ENUMERATED", named, ext)
        if text == "BIT":
            self.expect("STRING", construct)
            named = self._named_numbers(construct) if self.peek_text() == "{" else []
            return syn.BuiltinType(line, "BIT STRING", named)
        if text == "OCTET":
            self.expect("STRING", construct)
            return syn.BuiltinType(line, "OCTET STRING")
        if text == "OBJECT":
            self.expect("IDENTIFIER", construct)
            return syn.BuiltinType(line, "OBJECT IDENTIFIER")
        if text == "CHARACTER":
            raise self.error("CHARACTER STRING is not supported", construct, tok)
        if text == "EMBEDDED":
            raise self.error("EMBEDDED PDV is not supported", construct, tok)
        if text in ("SEQUENCE", "SET"):
            return self._sequence_or_set(text, line, construct)
        if text == "CHOICE":
            comps, ext = self._components(construct, "CHOICE")
            return syn.StructType(line, "CHOICE", comps, ext)
        if text == "ANY":
            if self.accept("DEFINED"):
                self.expect("BY", construct)
                self.next(construct)
            return syn.OpenType(line, "ANY")
        if is_lower(tok) and self.peek_text() == "<":
            self.next()
            return syn.SelectionType(line, text, self.parse_type(construct))
        if is_upper(tok):
            if self.peek_text() == "." and (nxt := self.peek(1)) is not None:
                if nxt.kind == "field":
                    return self._field_type(text, line)
                if is_upper(nxt):
                    self.pos += 2
                    if self.peek_text() == ".":  # Module.Class.&field
                        return self._field_type(f"{text}.{nxt.text}", line)
                    ref = syn.RefType(line, text, nxt.text)
                    if self.peek_text() == "{":
                        raise self.error(
                            f"parameterized type {text}.{nxt.text} is not supported",
                            construct,
                        )
                    return ref
            if self.peek_text() == "{":
                raise self.error(f"parameterized type {text} is not supported", construct, tok)
            return syn.RefType(line, None, text)
        raise self.error(f"expected a type, found {text!r}", construct, tok)

    def _field_type(self, base: str, line: int) -> syn.TypeSyntax:
        parts = [base]
        while self.peek_text() == "." and (nxt := self.peek(1)) is not None and nxt.kind in (
            "field",
            "id",
        ):
            self.pos += 2
            parts.append(nxt.text)
        return syn.OpenType(line, ".".join(parts))

    def _sequence_or_set(self, kind: str, line: int, construct: str) -> syn.TypeSyntax:
        if self.peek_text() == "{":
            comps, ext = self._components(construct, kind)
            return syn.StructType(line, kind, comps, ext)
        size: syn.Constraint | None = None
        if self.peek_text() == "SIZE":
            self.next()
            size = syn.Constraint("size", [self.parse_constraint(construct)], line)
        elif self.peek_text() == "(":
            size = self.parse_constraint(construct)
        self.expect("OF", construct)
        # SEQUENCE OF name Type: the element may be named (X.680 25.1)
        if (tok := self.peek()) is not None and is_lower(tok) and (
            (nxt := self.peek(1)) is not None and (nxt.kind == "id" or nxt.text == "[")
        ):
            self.next()
        element = self.parse_type(construct)
        return syn.ListType(line, f"{kind} OF", element, size)

    def _components(
        self, construct: str, kind: str
    ) -> tuple[list[syn.ComponentSyntax | syn.ComponentsOf], bool]:
        self.expect("{", construct)
        comps: list[syn.ComponentSyntax | syn.ComponentsOf] = []
        extensible = False
        in_extension = False
        if self.accept("}"):
            return comps, extensible
        while True:
            tok = self.peek()
            if tok is None:
                raise self.error("unterminated component list", construct)
            if tok.text == "...":
                self.next()
                if self.peek_text() == "!":
                    self.next()
                    self.parse_value(construct, stop=(",", "}"))
                if extensible:
                    in_extension = False  # second marker: back to the root
                else:
                    extensible = True
                    in_extension = True
            elif tok.text == "[" and self.peek_text(1) == "[":
                self.pos += 2  # extension addition group "[[" (X.680 25.1)
                if (n := self.peek()) is not None and n.kind == "num" and self.peek_text(1) == ":":
                    self.pos += 2
                while True:
                    comps.append(self._component(construct, kind, True))
                    if self.peek_text() == "]" and self.peek_text(1) == "]":
                        self.pos += 2
                        break
                    self.expect(",", construct)
            else:
                comps.append(self._component(construct, kind, in_extension))
            if self.accept("}"):
                return comps, extensible
            self.expect(",", construct)

    def _component(
        self, construct: str, kind: str, extension: bool
    ) -> syn.ComponentSyntax | syn.ComponentsOf:
        tok = self.next(construct)
        if tok.text == "COMPONENTS" and kind != "CHOICE":
            self.expect("OF", construct)
            return syn.ComponentsOf(self.parse_type(construct), extension, tok.line)
        if not is_lower(tok):
            raise self.error(
                f"expected a component name, found {tok.text!r}", f"{construct} ({kind})", tok
            )
        where = f"{construct}.{tok.text}"
        typ = self.parse_type(where)
        comp = syn.ComponentSyntax(tok.text, typ, extension=extension, line=tok.line)
        if kind != "CHOICE":
            if self.accept("OPTIONAL"):
                comp.optional = True
            elif self.accept("DEFAULT"):
                comp.default = self.parse_value(where, stop=(",", "}", "]"))
        return comp

    def _named_numbers(self, construct: str) -> list[syn.NamedNumber]:
        self.expect("{", construct)
        named: list[syn.NamedNumber] = []
        while True:
            name = self.next(construct)
            if name.text == "...":  # tolerated in named-number lists of some texts
                if self.accept("}"):
                    return named
                self.expect(",", construct)
                continue
            if not is_lower(name):
                raise self.error(f"expected a name, found {name.text!r}", construct, name)
            self.expect("(", construct)
            value = self.parse_value(construct, stop=(")",))
            self.expect(")", construct)
            named.append(syn.NamedNumber(name.text, value))
            if self.accept("}"):
                return named
            self.expect(",", construct)

    def _enumerations(self, construct: str) -> tuple[list[syn.NamedNumber], bool]:
        self.expect("{", construct)
        named: list[syn.NamedNumber] = []
        extensible = False
        while True:
            tok = self.next(construct)
            if tok.text == "...":
                extensible = True
                if self.peek_text() == "!":
                    self.next()
                    self.parse_value(construct, stop=(",", "}"))
            elif is_lower(tok):
                value = None
                if self.accept("("):
                    value = self.parse_value(construct, stop=(")",))
                    self.expect(")", construct)
                named.append(syn.NamedNumber(tok.text, value, extensible))
            else:
                raise self.error(f"unexpected {tok.text!r} in ENUMERATED", construct, tok)
            if self.accept("}"):
                return named, extensible
            self.expect(",", construct)

    # -- values ---------------------------------------------------------------------------

    def parse_value(self, construct: str, stop: tuple[str, ...] = ()) -> syn.ValueSyntax:
        """The value at the cursor, up to a token in ``stop`` (X.680 clause 17.7)."""
        tok = self.peek()
        if tok is None or tok.text in stop:
            raise self.error("a value is missing", construct)
        if tok.text == "{":
            return syn.ValueSyntax(self.skip_group())
        self.next()
        if tok.text == "-" and (n := self.peek()) is not None and n.kind == "num":
            self.next()
            return syn.ValueSyntax([tok, n])
        if tok.kind == "id" and self.peek_text() == "." and (n := self.peek(1)) is not None and (
            n.kind == "id"
        ):
            self.pos += 2
            return syn.ValueSyntax([tok, self.tokens[self.pos - 2], n])
        if is_lower(tok) and self.peek_text() == ":":  # CHOICE value name : value
            self.next()
            inner = self.parse_value(construct, stop)
            colon = self.tokens[self.pos - len(inner.tokens) - 1]
            return syn.ValueSyntax([tok, colon, *inner.tokens])
        return syn.ValueSyntax([tok])

    # -- constraints ----------------------------------------------------------------------

    def parse_constraint(self, construct: str) -> syn.Constraint:
        """The parenthesized subtype constraint at the cursor (X.680 clauses 49-51)."""
        open_tok = self.expect("(", construct)
        root = self._element_set(construct)
        result = root
        if self.peek_text() == "," and self.peek_text(1) == "...":
            self.pos += 2
            additions: list[object] = []
            if self.accept(","):
                additions.append(self._element_set(construct))
            result = syn.Constraint("extensible", [root, *additions], open_tok.line)
        if self.accept("!"):  # exception specification: no effect on encoding
            while self.peek_text() != ")":
                if self.peek_text() in OPEN_BRACKETS:
                    self.skip_group()
                else:
                    self.next(construct)
        self.expect(")", construct)
        return result

    def _element_set(self, construct: str) -> syn.Constraint:
        tok = self.peek()
        line = tok.line if tok is not None else 0
        if self.peek_text() == "...":  # "(..., x)": empty root
            return syn.Constraint("union", [], line)
        if self.accept("ALL"):
            self.expect("EXCEPT", construct)
            return syn.Constraint("except", [None, self._element(construct)], line)
        return self._operation("union", ("|", "UNION"), self._intersection, construct)

    def _intersection(self, construct: str) -> syn.Constraint:
        return self._operation(
            "intersection", ("^", "INTERSECTION"), self._element_except, construct
        )

    def _operation(
        self,
        op: str,
        operators: tuple[str, str],
        operand: Callable[[str], syn.Constraint],
        construct: str,
    ) -> syn.Constraint:
        """``operand (operator operand)*`` as the constraint ``op`` of the operands, or the one
        operand alone (X.680 46.1)."""
        tok = self.peek()
        line = tok.line if tok is not None else 0
        parts = [operand(construct)]
        while self.peek_text() in operators:
            self.next()
            parts.append(operand(construct))
        return parts[0] if len(parts) == 1 else syn.Constraint(op, list(parts), line)

    def _element_except(self, construct: str) -> syn.Constraint:
        elem = self._element(construct)
        if self.accept("EXCEPT"):
            return syn.Constraint("except", [elem, self._element(construct)], elem.line)
        return elem

    def _element(self, construct: str) -> syn.Constraint:
        tok = self.peek()
        if tok is None:
            raise self.error("a constraint is missing", construct)
        line = tok.line
        text = tok.text
        if text == "(":
            return self.parse_constraint(construct)
        if text == "SIZE":
            self.next()
            return syn.Constraint("size", [self.parse_constraint(construct)], line)
        if text == "FROM":
            self.next()
            return syn.Constraint("from", [self.parse_constraint(construct)], line)
        if text == "CONTAINING":
            self.next()
            typ = self.parse_type(construct)
            if self.accept("ENCODED"):
                self.expect("BY", construct)
                self.parse_value(construct)
            return syn.Constraint("containing", [typ], line)
        if text == "ENCODED":
            self.next()
            self.expect("BY", construct)
            self.parse_value(construct)
            return syn.Constraint("ignored", ["ENCODED BY"], line)
        if text == "WITH":
            self.next()
            kw = self.next(construct).text
            if kw == "COMPONENTS":
                self.skip_group()
            elif kw == "COMPONENT":
                if self.peek_text() == "(":
                    self.parse_constraint(construct)
                else:
                    self.skip_group()
            else:
                raise self.error(f"unexpected WITH {kw}", construct)
            return syn.Constraint("ignored", [f"WITH {kw}"], line)
        if text == "CONSTRAINED":
            self.next()
            self.expect("BY", construct)
            self.skip_group()
            return syn.Constraint("ignored", ["CONSTRAINED BY"], line)
        if text == "PATTERN":
            self.next()
            self.parse_value(construct)
            return syn.Constraint("ignored", ["PATTERN"], line)
        if text == "INCLUDES":
            self.next()
            return syn.Constraint("type", [self.parse_type(construct)], line)
        if text == "{":  # table constraint or object set: {Set}{@field}
            self.skip_group()
            while self.peek_text() == "{":
                self.skip_group()
            return syn.Constraint("ignored", ["table constraint"], line)
        if (
            is_upper(tok)
            and text not in ("MIN", "MAX", "TRUE", "FALSE", "NULL")
            and self.peek_text(1) not in ("..", "<")
        ):
            return syn.Constraint("type", [self.parse_type(construct)], line)
        lower = self._range_end(construct)
        lower_open = self.accept("<")
        if self.accept(".."):
            upper_open = self.accept("<")
            upper = self._range_end(construct)
            return syn.Constraint("range", [lower, upper, lower_open, upper_open], line)
        if lower_open:
            raise self.error("'<' must be followed by '..'", construct)
        return syn.Constraint("single", [lower], line)

    def _range_end(self, construct: str) -> syn.ValueSyntax | str:
        if self.peek_text() in ("MIN", "MAX"):
            return self.next().text
        return self.parse_value(construct, stop=(")", "..", "|", ","))
