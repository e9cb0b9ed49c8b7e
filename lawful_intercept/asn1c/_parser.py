"""Parser for ASN.1 modules (X.680), written for the handover standards' texts as published.

The parser reads the full notation the lawful-intercept modules use: module headers with
tagging defaults and ``EXTENSIBILITY IMPLIED``, IMPORTS by OID (also ``WITH SUCCESSORS`` and
``WITH DESCENDANTS``), ``Module.Type`` references, every built-in type the codec supports,
extension markers and ``[[ ]]`` addition groups, and subtype constraints.

Information object classes, objects, object sets and parameterized definitions (X.681-X.683,
as used by the ROSE modules of X.880 that TS 101 671 imports) have no bearing on the BER of the
data types. Each assignment's extent is found from the ``::=`` tokens, so such assignments are
recorded as skipped without having to understand them, and the data types around them still
compile.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from ..errors import CompileError
from . import _syntax as syn
from ._lexer import Token, tokenize
from ._model import STRING_TYPES

__all__ = ["KNOWN_CLASSES", "class_names_in", "parse_text", "parse_tokens"]

# Information object classes of X.681 / X.880 that modules use without defining them.
KNOWN_CLASSES = frozenset(
    {
        "TYPE-IDENTIFIER",
        "ABSTRACT-SYNTAX",
        "OPERATION",
        "ERROR",
        "OPERATION-PACKAGE",
        "CONNECTION-PACKAGE",
        "CONTRACT",
        "ROS-OBJECT-CLASS",
    }
)

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

_OPEN = {"(": ")", "{": "}", "[": "]"}
# Words after which a "{" opens a type's body, not a parameter list.
_BODY_KEYWORDS = frozenset(
    {"SEQUENCE", "SET", "CHOICE", "ENUMERATED", "INTEGER", "STRING", "CLASS", "SYNTAX", "::="}
)
_CLOSE = {v: k for k, v in _OPEN.items()}


def class_names_in(tokens: list[Token]) -> set[str]:
    """Names defined as information object classes (``NAME ::= CLASS``) in a token list."""
    names = set()
    for i in range(len(tokens) - 2):
        if tokens[i + 1].text == "::=" and tokens[i + 2].text == "CLASS":
            names.add(tokens[i].text)
    return names


def parse_text(
    text: str, filename: str | None = None, class_names: Iterable[str] = ()
) -> list[syn.ModuleSyntax]:
    """Parse every module in ``text``.

    ``class_names`` are information object class names known from other files being compiled
    together (needed to tell an object set assignment from a type assignment).
    """
    return parse_tokens(tokenize(text, filename), filename, class_names)


def parse_tokens(
    tokens: list[Token], filename: str | None = None, class_names: Iterable[str] = ()
) -> list[syn.ModuleSyntax]:
    """Parse every module in an already tokenized text (see :func:`parse_text`)."""
    classes = set(KNOWN_CLASSES) | set(class_names) | class_names_in(tokens)
    modules = []
    pos = 0
    while pos < len(tokens):
        module, pos = _ModuleParser(tokens, pos, filename, classes).parse()
        modules.append(module)
    if not modules:
        raise CompileError("no ASN.1 module found", filename, None, "module")
    return modules


def _is_upper(tok: Token) -> bool:
    return tok.kind == "id" and tok.text[0].isupper()


def _is_lower(tok: Token) -> bool:
    return tok.kind == "id" and tok.text[0].islower()


class _Cursor:
    """A position in a token list with the usual peek/expect helpers."""

    def __init__(self, tokens: list[Token], start: int, end: int, filename: str | None) -> None:
        self.tokens = tokens
        self.pos = start
        self.end = end
        self.filename = filename

    def error(self, message: str, construct: str = "", tok: Token | None = None) -> CompileError:
        if tok is None:
            tok = self.tokens[min(self.pos, self.end - 1)] if self.end > 0 else None
        line = tok.line if tok is not None else None
        return CompileError(message, self.filename, line, construct)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < self.end else None

    def peek_text(self, ahead: int = 0) -> str:
        tok = self.peek(ahead)
        return tok.text if tok is not None else ""

    def next(self, construct: str = "") -> Token:
        if self.pos >= self.end:
            last = self.tokens[self.end - 1] if self.end > 0 else None
            raise self.error("unexpected end of text", construct, last)
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.peek_text() == text:
            self.pos += 1
            return True
        return False

    def expect(self, text: str, construct: str = "") -> Token:
        tok = self.peek()
        if tok is None or tok.text != text:
            found = repr(tok.text) if tok is not None else "end of text"
            raise self.error(f"expected {text!r}, found {found}", construct, tok)
        self.pos += 1
        return tok

    def skip_group(self) -> list[Token]:
        """Consume a balanced bracket group starting at the current token; return it."""
        start = self.pos
        self.pos = _match(self.tokens, self.pos, self.end, self.filename) + 1
        return self.tokens[start : self.pos]


def _match(tokens: list[Token], i: int, end: int, filename: str | None) -> int:
    """Index of the bracket that closes the one at ``i``."""
    stack = [tokens[i].text]
    j = i + 1
    while j < end:
        t = tokens[j].text
        if t in _OPEN:
            stack.append(t)
        elif t in _CLOSE:
            if stack[-1] != _CLOSE[t]:
                raise CompileError(
                    f"{t!r} does not close {stack[-1]!r}", filename, tokens[j].line, "brackets"
                )
            stack.pop()
            if not stack:
                return j
        j += 1
    raise CompileError(f"{tokens[i].text!r} is never closed", filename, tokens[i].line, "brackets")


def _match_back(tokens: list[Token], j: int, start: int) -> int:
    """Index of the bracket that opens the one closing at ``j`` (scanning backwards)."""
    depth = 0
    k = j
    while k >= start:
        t = tokens[k].text
        if t in _CLOSE:
            depth += 1
        elif t in _OPEN:
            depth -= 1
            if depth == 0:
                return k
        k -= 1
    return start


class _ModuleParser(_Cursor):
    def __init__(self, tokens: list[Token], pos: int, filename: str | None, classes: set[str]):
        super().__init__(tokens, pos, len(tokens), filename)
        self.classes = classes

    # -- module structure ---------------------------------------------------------------

    def parse(self) -> tuple[syn.ModuleSyntax, int]:
        head = self.next("module header")
        if not _is_upper(head):
            raise self.error(f"expected a module name, found {head.text!r}", "module header", head)
        oid = None
        if self.peek_text() == "{":
            group = self.skip_group()
            oid = syn.ValueSyntax(group)
        self.expect("DEFINITIONS", f"module {head.text} header")
        tagging = "EXPLICIT"
        if self.peek_text() in ("EXPLICIT", "IMPLICIT", "AUTOMATIC"):
            tagging = self.next().text
            self.expect("TAGS", f"module {head.text} header")
        implied = False
        if self.accept("EXTENSIBILITY"):
            self.expect("IMPLIED", f"module {head.text} header")
            implied = True
        self.expect("::=", f"module {head.text} header")
        self.expect("BEGIN", f"module {head.text} header")
        body_end = self._find_end(head)
        self.end = body_end
        imports: list[syn.Import] = []
        while not self.at_end() and self.peek_text() in ("EXPORTS", "IMPORTS"):
            if self.next().text == "EXPORTS":
                while self.next(f"module {head.text} EXPORTS").text != ";":
                    pass
            else:
                imports = self._parse_imports(head.text)
        assignments = self._parse_assignments(head.text, self.pos, body_end)
        module = syn.ModuleSyntax(
            name=head.text,
            oid=oid,
            tagging=tagging,
            extensibility_implied=implied,
            imports=imports,
            assignments=assignments,
            filename=self.filename,
            line=head.line,
        )
        return module, body_end + 1

    def _find_end(self, head: Token) -> int:
        depth = 0
        for i in range(self.pos, len(self.tokens)):
            t = self.tokens[i].text
            if t in _OPEN:
                depth += 1
            elif t in _CLOSE:
                depth -= 1
            elif t == "END" and depth == 0:
                return i
        raise CompileError(f"module {head.text} has no END", self.filename, head.line, "module")

    def _parse_imports(self, module: str) -> list[syn.Import]:
        construct = f"module {module} IMPORTS"
        imports: list[syn.Import] = []
        symbols: list[str] = []
        while True:
            tok = self.next(construct)
            if tok.text == ";":
                if symbols:
                    raise self.error("imported symbols without FROM", construct, tok)
                return imports
            if tok.text == "FROM":
                name = self.next(construct)
                if not _is_upper(name):
                    raise self.error(f"expected a module name after FROM, found {name.text!r}",
                                     construct, name)
                oid = None
                if self.peek_text() == "{":
                    oid = syn.ValueSyntax(self.skip_group())
                elif (
                    (nxt := self.peek()) is not None
                    and _is_lower(nxt)
                    and self.peek_text(1) not in (",", "FROM")
                ):
                    oid = syn.ValueSyntax([self.next()])
                selection = None
                if self.peek_text() == "WITH" and self.peek_text(1) in (
                    "SUCCESSORS",
                    "DESCENDANTS",
                ):
                    self.next()
                    selection = self.next().text
                imports.append(syn.Import(name.text, oid, symbols, selection, tok.line))
                symbols = []
                continue
            if tok.text == ",":
                continue
            if tok.kind != "id":
                raise self.error(f"unexpected {tok.text!r} in IMPORTS", construct, tok)
            symbols.append(tok.text)
            if self.peek_text() == "{":  # parameterized reference: Name{}
                self.skip_group()

    # -- assignments ----------------------------------------------------------------------

    def _assignment_starts(self, start: int, end: int) -> list[int]:
        toks = self.tokens
        starts = []
        depth = 0
        for i in range(start, end):
            t = toks[i].text
            if t in _OPEN:
                depth += 1
            elif t in _CLOSE:
                depth -= 1
            elif t == "::=" and depth == 0:
                starts.append(self._lhs_start(i, start))
        return starts

    def _lhs_start(self, i: int, start: int) -> int:
        toks = self.tokens
        j = i - 1
        if j < start:
            raise CompileError("'::=' without a name", self.filename, toks[i].line, "assignment")
        if toks[j].text == "}":  # parameterized: Name {params} ::=
            return max(start, _match_back(toks, j, start) - 1)
        if _is_upper(toks[j]) and j - 1 >= start and toks[j - 1].text == "}":
            m = _match_back(toks, j - 1, start)
            if (
                m - 1 >= start
                and toks[m - 1].text not in _BODY_KEYWORDS
                and toks[m - 1].kind == "id"
            ):
                return m - 1  # parameterized with a governor: Name {params} CLASS ::=
        body_is_set = i + 1 < len(toks) and toks[i + 1].text == "{"
        # Walk back over what can be the governing type of a value assignment.
        k = j
        while k >= start:
            t = toks[k]
            if t.text == ")":
                k = _match_back(toks, k, start) - 1
            elif _is_upper(t) or t.text == ".":
                k -= 1
            else:
                break
        if k >= start and _is_lower(toks[k]) and not (k > start and toks[k - 1].text == "::="):
            return k
        if (
            (toks[j].text in self.classes or body_is_set)
            and j - 1 >= start
            and _is_upper(toks[j - 1])
            and not (j - 2 >= start and toks[j - 2].text in (".", "::="))
        ):
            return j - 1  # object set or value set assignment: Name Governor ::= { ... }
        return j

    def _parse_assignments(
        self, module: str, start: int, end: int
    ) -> dict[str, syn.TypeAssignment | syn.ValueAssignment | syn.SkippedAssignment]:
        starts = self._assignment_starts(start, end)
        if starts and starts[0] != start:
            tok = self.tokens[start]
            raise CompileError(
                f"unexpected {tok.text!r} before the first assignment",
                self.filename,
                tok.line,
                f"module {module}",
            )
        if not starts and start < end:
            tok = self.tokens[start]
            raise CompileError(
                f"unexpected {tok.text!r}", self.filename, tok.line, f"module {module}"
            )
        result: dict[str, syn.TypeAssignment | syn.ValueAssignment | syn.SkippedAssignment] = {}
        bounds = [*starts, end]
        for a, b in itertools.pairwise(bounds):
            assignment = self._parse_assignment(a, b)
            if assignment.name in result:
                raise CompileError(
                    f"{assignment.name} is defined twice in module {module}",
                    self.filename,
                    assignment.line,
                    f"assignment {assignment.name}",
                )
            result[assignment.name] = assignment
        return result

    def _parse_assignment(
        self, start: int, end: int
    ) -> syn.TypeAssignment | syn.ValueAssignment | syn.SkippedAssignment:
        toks = self.tokens
        head = toks[start]
        construct = f"assignment {head.text}"
        if toks[start + 1].text == "{":
            return syn.SkippedAssignment(head.text, "parameterized definition", head.line)
        if _is_upper(head):
            if toks[start + 1].text != "::=":
                return syn.SkippedAssignment(head.text, "object set or value set", head.line)
            if toks[start + 2].text == "CLASS" if start + 2 < end else False:
                return syn.SkippedAssignment(head.text, "information object class", head.line)
            cur = _TypeParser(toks, start + 2, end, self.filename, self.classes)
            assigned = cur.parse_type(construct)
            if not cur.at_end():
                raise cur.error(f"unexpected {cur.peek_text()!r} after the type", construct)
            return syn.TypeAssignment(head.text, assigned, head.line)
        if not _is_lower(head):
            raise CompileError(
                f"unexpected {head.text!r} where an assignment should start",
                self.filename,
                head.line,
                "assignment",
            )
        eq = start + 1
        while toks[eq].text != "::=":
            eq += 1
        type_tokens = toks[start + 1 : eq]
        value = syn.ValueSyntax(toks[eq + 1 : end])
        type_text = " ".join(t.text for t in type_tokens)
        if len(type_tokens) == 1 and type_tokens[0].text in self.classes:
            return syn.SkippedAssignment(head.text, "information object", head.line)
        try:
            cur = _TypeParser(toks, start + 1, eq, self.filename, self.classes)
            typ: syn.TypeSyntax | None = cur.parse_type(construct)
            if not cur.at_end():
                typ = None
        except CompileError:
            typ = None
        return syn.ValueAssignment(head.text, typ, value, head.line, type_text)


class _TypeParser(_Cursor):
    def __init__(
        self, tokens: list[Token], start: int, end: int, filename: str | None, classes: set[str]
    ) -> None:
        super().__init__(tokens, start, end, filename)
        self.classes = classes

    # -- types ----------------------------------------------------------------------------

    def parse_type(self, construct: str) -> syn.TypeSyntax:
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
        if _is_lower(tok) and self.peek_text() == "<":
            self.next()
            return syn.SelectionType(line, text, self.parse_type(construct))
        if _is_upper(tok):
            if self.peek_text() == "." and (nxt := self.peek(1)) is not None:
                if nxt.kind == "field":
                    return self._field_type(text, line)
                if _is_upper(nxt):
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
        if (tok := self.peek()) is not None and _is_lower(tok) and (
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
        if not _is_lower(tok):
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
            if not _is_lower(name):
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
            elif _is_lower(tok):
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
        if _is_lower(tok) and self.peek_text() == ":":  # CHOICE value name : value
            self.next()
            inner = self.parse_value(construct, stop)
            colon = self.tokens[self.pos - len(inner.tokens) - 1]
            return syn.ValueSyntax([tok, colon, *inner.tokens])
        return syn.ValueSyntax([tok])

    # -- constraints ----------------------------------------------------------------------

    def parse_constraint(self, construct: str) -> syn.Constraint:
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
                if self.peek_text() in _OPEN:
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
            _is_upper(tok)
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
