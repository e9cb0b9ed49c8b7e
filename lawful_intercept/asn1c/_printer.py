"""Write parsed ASN.1 modules back as text, in the library's own layout (X.680 notation).

What is written is what decides the encoding: module identity and tagging, IMPORTS, type and
value assignments with their tags, types, constraints, OPTIONAL/DEFAULT and extension markers.
Comments are not part of the syntax tree and are never reproduced; information object
classes, objects and parameterized definitions (which have no BER of their own) are left out,
together with the IMPORTS that only they used.

Extension addition groups ``[[ ]]`` are written as plain additions: BER encodes both alike.
See ``docs/compiler.md``.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import _syntax as syn

__all__ = ["format_constraint", "format_module", "format_type", "format_value"]

_INDENT = "    "


def format_value(v: syn.ValueSyntax) -> str:
    """A value as written, with normalised spacing."""
    out = ""
    prev = ""
    for tok in v.tokens:
        text = tok.text
        if not out:
            out = text
        elif text in (")", "}", ",", ".", ":") or prev in ("(", "{", ".", "-") or (
            text == "(" and prev != ","
        ):
            out += text
        else:
            out += " " + text  # also after a comma
        prev = text
    return out


def format_constraint(c: syn.Constraint) -> str:
    """A constraint tree as ASN.1 text (without the outer parentheses)."""
    op = c.op
    args = c.args
    if op == "union":
        return " | ".join(_sub(a) for a in args) if args else ""
    if op == "intersection":
        return " ^ ".join(_sub(a) for a in args)
    if op == "except":
        left, right = args
        return (f"ALL EXCEPT {_sub(right)}" if left is None
                else f"{_sub(left)} EXCEPT {_sub(right)}")
    if op == "extensible":
        root = args[0]
        assert isinstance(root, syn.Constraint)
        parts = [format_constraint(root)] if root.args or root.op != "union" else []
        parts.append("...")
        parts.extend(_sub(a) for a in args[1:])
        return ", ".join(parts)
    if op == "range":
        lo, hi, lo_open, hi_open = args
        lo_text = lo if isinstance(lo, str) else format_value(_vs(lo))
        hi_text = hi if isinstance(hi, str) else format_value(_vs(hi))
        return f"{lo_text}{'<' if lo_open else ''}..{'<' if hi_open else ''}{hi_text}"
    if op == "single":
        return format_value(_vs(args[0]))
    if op == "size":
        return f"SIZE ({_sub(args[0])})"
    if op == "from":
        return f"FROM ({_sub(args[0])})"
    if op == "containing":
        t = args[0]
        assert isinstance(t, syn.TypeSyntax)
        return f"CONTAINING {format_type(t)}"
    if op == "type":
        t = args[0]
        assert isinstance(t, syn.TypeSyntax)
        return format_type(t)
    if op == "ignored":
        raise ValueError(f"constraint {args[0]} has no textual form here")
    raise ValueError(f"unknown constraint {op}")


def _sub(c: object) -> str:
    assert isinstance(c, syn.Constraint)
    return format_constraint(c)


def _vs(x: object) -> syn.ValueSyntax:
    assert isinstance(x, syn.ValueSyntax)
    return x


def _keeps_on_wire(c: syn.Constraint) -> bool:
    """Whether a constraint has anything a BER codec checks (WITH COMPONENTS and the like do
    not, and are left out)."""
    if c.op == "ignored":
        return False
    if c.op in ("union", "intersection", "extensible"):
        return any(isinstance(a, syn.Constraint) and _keeps_on_wire(a) for a in c.args) or (
            c.op == "extensible"
        )
    return True


def format_type(t: syn.TypeSyntax, indent: int = 0) -> str:
    """A type as ASN.1 text; structures span several lines indented by ``indent`` levels."""
    if isinstance(t, syn.RefType):
        return f"{t.module}.{t.name}" if t.module else t.name
    if isinstance(t, syn.TaggedType):
        cls = "" if t.cls == "CONTEXT" else t.cls + " "
        mode = f" {t.mode}" if t.mode else ""
        return f"[{cls}{format_value(t.number)}]{mode} {format_type(t.inner, indent)}"
    if isinstance(t, syn.ConstrainedType):
        inner = format_type(t.inner, indent)
        if not _keeps_on_wire(t.constraint):
            return inner
        return f"{inner} ({format_constraint(t.constraint)})"
    if isinstance(t, syn.BuiltinType):
        return _builtin(t, indent)
    if isinstance(t, syn.StructType):
        return _struct(t, indent)
    if isinstance(t, syn.ListType):
        size = ""
        if t.size is not None:
            size = f" ({format_constraint(t.size)})"
        return f"{t.kind.split()[0]}{size} OF {format_type(t.element, indent)}"
    if isinstance(t, syn.SelectionType):
        return f"{t.name} < {format_type(t.inner, indent)}"
    if isinstance(t, syn.OpenType):
        return t.text
    raise ValueError(f"cannot format {t!r}")


def _builtin(t: syn.BuiltinType, indent: int) -> str:
    if not t.named and t.name != "ENUMERATED":
        return t.name
    pad = _INDENT * (indent + 1)
    items = []
    marker_written = False
    for nn in t.named:
        if t.name == "ENUMERATED" and nn.extension and not marker_written:
            items.append("...")
            marker_written = True
        value = f"({format_value(nn.value)})" if nn.value is not None else ""
        items.append(f"{nn.name}{value}")
    if t.name == "ENUMERATED" and t.extensible and not marker_written:
        items.append("...")
    body = (",\n").join(pad + item for item in items)
    return f"{t.name}\n{_INDENT * indent}{{\n{body}\n{_INDENT * indent}}}"


def _struct(t: syn.StructType, indent: int) -> str:
    pad = _INDENT * (indent + 1)
    rows: list[tuple[str, str]] = []  # (name column, rest)
    state = "root"
    for item in t.components:
        ext = item.extension
        if t.extensible and state == "root" and ext:
            rows.append(("...", ""))
            state = "extension"
        elif state == "extension" and not ext:
            rows.append(("...", ""))
            state = "root-after"
        if isinstance(item, syn.ComponentsOf):
            rows.append(("COMPONENTS OF", format_type(item.type, indent + 1)))
            continue
        rows.append((item.name, _component(item, indent + 1)))
    if t.extensible and state == "root":
        rows.append(("...", ""))
    if not rows:
        return f"{t.kind} {{}}"
    width = max(len(name) for name, rest in rows if rest) if any(r for _, r in rows) else 0
    lines = []
    for name, rest in rows:
        lines.append(pad + (f"{name.ljust(width)}  {rest}" if rest else name))
    body = ",\n".join(lines)
    return f"{t.kind}\n{_INDENT * indent}{{\n{body}\n{_INDENT * indent}}}"


def _component(c: syn.ComponentSyntax, indent: int) -> str:
    text = format_type(c.type, indent)
    if c.optional:
        text += " OPTIONAL"
    elif c.default is not None:
        text += f" DEFAULT {format_value(c.default)}"
    return text


def _used_names(module: syn.ModuleSyntax) -> set[str]:
    """Every type or value reference name that the kept assignments mention."""
    names: set[str] = set()
    for a in module.assignments.values():
        if isinstance(a, syn.TypeAssignment):
            names |= _refs_in_type(a.type)
        elif isinstance(a, syn.ValueAssignment) and a.type is not None:
            names |= _refs_in_type(a.type)
            names |= {t.text for t in a.value.tokens if t.kind == "id"}
    return names


def _refs_in_type(t: syn.TypeSyntax) -> set[str]:
    out: set[str] = set()
    if isinstance(t, syn.RefType):
        out.add(t.name)
        if t.module:
            out.add(t.module)
    elif isinstance(t, (syn.TaggedType, syn.ConstrainedType)):
        out |= _refs_in_type(t.inner)
        if isinstance(t, syn.TaggedType):
            out |= {tok.text for tok in t.number.tokens if tok.kind == "id"}
        else:
            out |= _refs_in_constraint(t.constraint)
    elif isinstance(t, syn.StructType):
        for c in t.components:
            out |= _refs_in_type(c.type)
            if isinstance(c, syn.ComponentSyntax) and c.default is not None:
                out |= {tok.text for tok in c.default.tokens if tok.kind == "id"}
    elif isinstance(t, syn.ListType):
        out |= _refs_in_type(t.element)
        if t.size is not None:
            out |= _refs_in_constraint(t.size)
    elif isinstance(t, syn.BuiltinType):
        for nn in t.named:
            if nn.value is not None:
                out |= {tok.text for tok in nn.value.tokens if tok.kind == "id"}
    elif isinstance(t, syn.SelectionType):
        out |= _refs_in_type(t.inner)
    return out


def _refs_in_constraint(c: syn.Constraint) -> set[str]:
    out: set[str] = set()
    for a in c.args:
        if isinstance(a, syn.Constraint):
            out |= _refs_in_constraint(a)
        elif isinstance(a, syn.ValueSyntax):
            out |= {tok.text for tok in a.tokens if tok.kind == "id"}
        elif isinstance(a, syn.TypeSyntax):
            out |= _refs_in_type(a)
    return out


def format_module(
    module: syn.ModuleSyntax,
    *,
    header: Iterable[str] = (),
    drop: Iterable[str] = (),
) -> str:
    """The whole module as text, with ``header`` lines as leading comments.

    ``drop`` names type assignments to leave out (a subset of a module); a kept assignment
    that refers to a dropped one raises ``ValueError``.
    """
    dropped = set(drop)
    kept: dict[str, syn.TypeAssignment | syn.ValueAssignment | syn.SkippedAssignment] = {
        name: a
        for name, a in module.assignments.items()
        if not isinstance(a, syn.SkippedAssignment)
        and name not in dropped
        and not (isinstance(a, syn.ValueAssignment) and a.type is None)
    }
    trimmed = syn.ModuleSyntax(module.name, module.oid, module.tagging,
                           module.extensibility_implied, module.imports, kept, module.filename,
                           module.line)
    used = _used_names(trimmed)
    missing = used & dropped
    if missing:
        raise ValueError(f"kept definitions refer to dropped ones: {', '.join(sorted(missing))}")
    lines = [f"-- {h}" if h else "--" for h in header]
    if lines:
        lines.append("")
    oid = f"\n{_INDENT}{format_value(module.oid)}" if module.oid is not None else ""
    tagging = f" {module.tagging} TAGS" if module.tagging != "EXPLICIT" else " EXPLICIT TAGS"
    implied = " EXTENSIBILITY IMPLIED" if module.extensibility_implied else ""
    lines.append(f"{module.name}{oid}")
    lines.append(f"DEFINITIONS{tagging}{implied} ::=")
    lines.append("BEGIN")
    lines.append("")
    imports = []
    for imp in module.imports:
        symbols = [s for s in imp.symbols if s in used]
        if not symbols:
            continue
        oid_text = f" {format_value(imp.oid)}" if imp.oid is not None else ""
        selection = f" WITH {imp.selection}" if imp.selection else ""
        block = ",\n".join(f"{_INDENT}{s}" for s in symbols)
        imports.append(f"{block}\n{_INDENT}{_INDENT}FROM {imp.module}{oid_text}{selection}")
    if imports:
        lines.append("IMPORTS")
        lines.append("\n\n".join(imports) + ";")
        lines.append("")
    for name, a in kept.items():
        if isinstance(a, syn.ValueAssignment):
            assert a.type is not None
            lines.append(f"{name} {format_type(a.type)} ::= {format_value(a.value)}")
        elif isinstance(a, syn.TypeAssignment):
            lines.append("")
            lines.append(f"{name} ::= {format_type(a.type)}")
    lines.append("")
    lines.append("END")
    return "\n".join(lines) + "\n"
