"""Tagging rules the resolver applies to structures (X.680 clauses 25, 27, 29, 31).

AUTOMATIC tagging of the members of SEQUENCE, SET and CHOICE (31.2.7), and the rule that
alternatives, SET members and runs of OPTIONAL SEQUENCE members have distinct tags.
See ``docs/compiler.md``.
"""

from __future__ import annotations

from . import _syntax as syn
from ._model import Body, Component, Kind, Tag, TagClass, Type, first_tags

__all__ = ["apply_automatic", "has_tag", "tag_clash"]


def has_tag(syntax: syn.TypeSyntax) -> bool:
    """Whether a member's type as written has a tag of its own (X.680 31.2.7)."""
    while isinstance(syntax, syn.ConstrainedType):
        syntax = syntax.inner
    return isinstance(syntax, syn.TaggedType)


def apply_automatic(t: Type, number: int) -> Type:
    """``t`` with the automatic context tag ``number`` as its outermost tag (X.680 31.2.7)."""
    tag = Tag(TagClass.CONTEXT, number)
    tags = (tag, *t.tags[1:]) if t.tags else (tag,)
    return Type(t.body, tags, t.constraints, t.name)


def tag_clash(body: Body) -> str | None:
    """Why the members of ``body`` break the rule of distinct tags, or None if they do not.

    CHOICE alternatives and SET members must have distinct tags (X.680 29.2, 27.3). SEQUENCE
    runs of OPTIONAL members need distinct tags too (25.6); a clash there makes BER decoding
    ambiguous, so it is a compile error as well.
    """
    if body.kind in (Kind.CHOICE, Kind.SET):
        seen: dict[Tag, str] = {}
        for c in body.components:
            if (tag := _record_tags(seen, c)) is not None:
                return f"{c.name} and {seen[tag]} have the same tag {tag}"
    elif body.kind is Kind.SEQUENCE:
        # Each run of OPTIONAL/DEFAULT members and the member after it (X.680 25.5).
        run: dict[Tag, str] = {}
        for c in body.components:
            if (tag := _record_tags(run, c)) is not None:
                return (
                    f"{c.name} and {run[tag]} have the same tag {tag}, and {run[tag]} is "
                    "OPTIONAL or DEFAULT: a decoder could not tell them apart (X.680 25.5)"
                )
            if not (c.optional or c.has_default):
                run = {}
    return None


def _record_tags(seen: dict[Tag, str], c: Component) -> Tag | None:
    """Record the first tags of member ``c`` (X.680 clause 8.6) in ``seen``, member name by
    tag; return the first of them that another member had already, if any."""
    for tag in first_tags(c.type):
        if tag is None:
            continue
        if tag in seen:
            return tag
        seen[tag] = c.name
    return None
