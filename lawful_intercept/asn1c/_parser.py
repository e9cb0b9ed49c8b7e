"""Parser for ASN.1 modules (X.680), written for the handover standards' texts as published.

The parser reads the full notation the lawful-intercept modules use: module headers with
tagging defaults and ``EXTENSIBILITY IMPLIED``, IMPORTS by OID (also ``WITH SUCCESSORS`` and
``WITH DESCENDANTS``), ``Module.Type`` references, every built-in type the codec supports,
extension markers and ``[[ ]]`` addition groups, and subtype constraints.

Information object classes, objects, object sets and parameterized definitions (X.681-X.683,
as used by the ROSE modules of X.880 that TS 101 671 imports) have no bearing on the BER of the
data types. Each assignment's extent is found from the ``::=`` tokens, so such assignments are
recorded as skipped without having to understand them, and the data types around them still
compile. Types, values and constraints are read by :mod:`._type_parser`. See ``docs/compiler.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from ..errors import CompileError
from . import _syntax as syn
from ._cursor import CLOSE_BRACKETS, OPEN_BRACKETS, Cursor, is_lower, is_upper, match_back
from ._lexer import Token, tokenize
from ._type_parser import TypeParser

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

# Words after which a "{" opens a type's body, not a parameter list.
_BODY_KEYWORDS = frozenset(
    {"SEQUENCE", "SET", "CHOICE", "ENUMERATED", "INTEGER", "STRING", "CLASS", "SYNTAX", "::="}
)


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


class _ModuleParser(Cursor):
    def __init__(self, tokens: list[Token], pos: int, filename: str | None, classes: set[str]):
        super().__init__(tokens, pos, len(tokens), filename)
        self.classes = classes

    # -- module structure ---------------------------------------------------------------

    def parse(self) -> tuple[syn.ModuleSyntax, int]:
        head = self.next("module header")
        if not is_upper(head):
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
            if t in OPEN_BRACKETS:
                depth += 1
            elif t in CLOSE_BRACKETS:
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
                if not is_upper(name):
                    raise self.error(f"expected a module name after FROM, found {name.text!r}",
                                     construct, name)
                oid = None
                if self.peek_text() == "{":
                    oid = syn.ValueSyntax(self.skip_group())
                elif (
                    (nxt := self.peek()) is not None
                    and is_lower(nxt)
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
            if t in OPEN_BRACKETS:
                depth += 1
            elif t in CLOSE_BRACKETS:
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
            return max(start, match_back(toks, j, start) - 1)
        if is_upper(toks[j]) and j - 1 >= start and toks[j - 1].text == "}":
            m = match_back(toks, j - 1, start)
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
                k = match_back(toks, k, start) - 1
            elif is_upper(t) or t.text == ".":
                k -= 1
            else:
                break
        if k >= start and is_lower(toks[k]) and not (k > start and toks[k - 1].text == "::="):
            return k
        if (
            (toks[j].text in self.classes or body_is_set)
            and j - 1 >= start
            and is_upper(toks[j - 1])
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
        if is_upper(head):
            if toks[start + 1].text != "::=":
                return syn.SkippedAssignment(head.text, "object set or value set", head.line)
            if toks[start + 2].text == "CLASS" if start + 2 < end else False:
                return syn.SkippedAssignment(head.text, "information object class", head.line)
            cur = TypeParser(toks, start + 2, end, self.filename, self.classes)
            assigned = cur.parse_type(construct)
            if not cur.at_end():
                raise cur.error(f"unexpected {cur.peek_text()!r} after the type", construct)
            return syn.TypeAssignment(head.text, assigned, head.line)
        if not is_lower(head):
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
            cur = TypeParser(toks, start + 1, eq, self.filename, self.classes)
            typ: syn.TypeSyntax | None = cur.parse_type(construct)
            if not cur.at_end():
                typ = None
        except CompileError:
            typ = None
        return syn.ValueAssignment(head.text, typ, value, head.line, type_text)


