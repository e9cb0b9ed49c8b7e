"""Helpers shared by the conformance, tshark and real-stream tests (not a test module).

* an independent, regular-expression reading of module headers and type assignments, used to
  list the types of one module of a file (the compiled specification only lists them by name);
* finding, for one bundled module, the reference text to hold it against and the reference
  group to compile that text in (``../shared/reference/asn1``, see ``conftest.py``);
* the RELATIVE-OID / OBJECT IDENTIFIER relation of the fields that the only public copy of some
  ETSI modules retyped (X.690 8.19, 8.20), applied to whole values;
* a restricted copy of a compiled type (fewer members, alternatives or enumerations), for
  drawing values that an older decoder knows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lawful_intercept.asn1c import Body, Component, Kind, Type

# --------------------------------------------------------------------------------------------
# Reading module files.

_COMMENT = re.compile(r"--.*?(?:--|$)|/\*.*?\*/", re.M | re.S)
_HEADER = re.compile(r"(?:^|\n)\s*([A-Z][\w-]*)\s*(\{[^{}]*\})?\s*DEFINITIONS\b")
_ARC = re.compile(r"[A-Za-z][\w-]*\s*\(\s*(\d+)\s*\)|(\d+)|([A-Za-z][\w-]*)")
_BARE_ARCS = {"itu-t": 0, "ccitt": 0, "iso": 1, "joint-iso-itu-t": 2, "joint-iso-ccitt": 2}
_TYPE_ASSIGNMENT = re.compile(r"(?:^|\n)[ \t]*([A-Z][\w-]*)\s*::=\s*(CLASS\b)?")


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _dotted(oid_text: str) -> str:
    arcs = []
    for m in _ARC.finditer(oid_text[1:-1]):
        number = m.group(1) or m.group(2)
        arcs.append(int(number) if number else _BARE_ARCS[m.group(3)])
    return ".".join(map(str, arcs))


@dataclass(frozen=True)
class ModuleText:
    """One module of a file as written: name, dotted OID (None if none), type names."""

    name: str
    oid: str | None
    types: tuple[str, ...]


@functools.cache
def read_modules(path: Path) -> tuple[ModuleText, ...]:
    """The modules of a file with their type assignments (information object classes are
    not types)."""
    text = _text(path)
    headers = list(_HEADER.finditer(text))
    out = []
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        names = tuple(
            a.group(1)
            for a in _TYPE_ASSIGNMENT.finditer(text, m.end(), end)
            if not a.group(2)
        )
        out.append(ModuleText(m.group(1), _dotted(m.group(2)) if m.group(2) else None, names))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Which reference a bundled module is held against.

REFERENCE_FOLDERS = ("official/", "3gpp-33128/", "atis-opencalea/", "standins/")
"""Where references are looked for, best first (see SOURCES.md of the reference folder)."""

PATCHED_FOLDER = "unofficial-asn1viewer-patched/"
PATCHED_ONLY = frozenset({"EmailPDU", "L2AccessPDU", "IPMultimediaPDU", "PstnIsdnPDU", "ILHIPDU"})
"""Modules of which only the third party's patched copy exists; for no other module may the
patched copy serve as the reference."""

FOLDER_LABELS = {
    "official/": "official",
    "3gpp-33128/": "3gpp-33128",
    "atis-opencalea/": "atis-opencalea",
    "standins/": "standin",
    PATCHED_FOLDER: "patched-only",
}
"""The ``reference`` label index.json gives a module, per folder its reference was found in."""

COMPARISON_GROUPS = (
    "li-ps-pdu-v43-full",
    "li-ps-pdu-v35-full",
    "3gpp-33128-r19-v3",
    "atis-t1678-vop",
    "atis-t1ias",
    "packetcable-pcesp",
)
"""The reference groups (groups.json) that references are compiled in."""


@dataclass(frozen=True)
class Reference:
    module: str
    file: str
    """Path of the reference file, relative to the reference folder."""
    folder: str
    oid: str | None
    """The OID written in the reference file's module header."""
    group: str
    """The reference group the file is compiled in."""
    types: tuple[str, ...]


def find_reference(
    module: str,
    oid: str | None,
    our_oids: dict[str, str | None],
    reference_dir: Path,
    groups: dict[str, list[str]],
) -> Reference | str:
    """The reference for our ``module`` with OBJECT IDENTIFIER ``oid``, or why there is none.

    The first folder (best first) that has a module of that name decides; within it, the file
    whose module OID equals ours. The group is the comparison group holding that file whose
    other modules agree best with ours (same name and OID), so that imported types are the
    same versions on both sides.
    """
    files = sorted({f for g in COMPARISON_GROUPS for f in groups[g]})
    folders = [*REFERENCE_FOLDERS, *([PATCHED_FOLDER] if module in PATCHED_ONLY else [])]
    for folder in folders:
        found = [
            (f, mt)
            for f in files
            if f.startswith(folder)
            for mt in read_modules(reference_dir / f)
            if mt.name == module
        ]
        if found:
            break
    else:
        return f"no reference text of module {module} in {', '.join(folders)}"
    matching = [(f, mt) for f, mt in found if mt.oid == oid]
    if not matching:
        seen = ", ".join(f"{f}: {mt.oid}" for f, mt in found)
        return f"module {module}: our OID {oid} is not the reference's ({seen})"
    file, text = matching[0]

    def agreement(group: str) -> int:
        names = {
            mt.name: mt.oid for f in groups[group] for mt in read_modules(reference_dir / f)
        }
        return sum(1 for name, o in our_oids.items() if name in names and names[name] == o)

    candidates = [g for g in COMPARISON_GROUPS if file in groups[g]]
    group = max(candidates, key=lambda g: (agreement(g), -COMPARISON_GROUPS.index(g)))
    return Reference(module, file, folder, text.oid, group, text.types)


# --------------------------------------------------------------------------------------------
# Fields that the patched copy retyped from RELATIVE-OID to OBJECT IDENTIFIER.

RETYPED_OBJIDS = frozenset(
    {
        # (module, type, field): RELATIVE-OID in the standard (and ours), OBJECT IDENTIFIER in
        # the patched copy, which is the only public text of these modules.
        ("EmailPDU", "EmailCC", "emailCCObjId"),
        ("EmailPDU", "EmailIRI", "emailIRIObjId"),
        ("EmailPDU", "MessagingCC", "messaging-cc-obj-id"),
        ("EmailPDU", "MessagingMMCC", "messaging-mm-cc-obj-id"),
        ("EmailPDU", "MessagingIRI", "messaging-iri-obj-id"),
        ("L2AccessPDU", "L2CC", "l2CCObjId"),
        ("L2AccessPDU", "L2IRI", "l2IRIObjId"),
        ("L2AccessPDU", "L2IRIOnly", "l2IRIOnlyObjId"),
        ("IPMultimediaPDU", "IPMMCC", "iPMMCCObjId"),
        ("IPMultimediaPDU", "IPMMIRI", "iPMMIRIObjId"),
        ("PstnIsdnPDU", "PstnIsdnIRI", "pstnIsdnIRIObjId"),
        ("PstnIsdnPDU", "PstnIsdnCC", "pstnIsdnCCObjId"),
        # ILHIPDU: none. Its identifiers lie under informationHandover(4), outside the
        # lawfulIntercept arc the relative identifiers hang from, and are OBJECT IDENTIFIER
        # in the standard as in the copy.
    }
)


def owner_of(root: Type, path: str) -> tuple[str, str, str]:
    """(module, type, member) of the member a ``wire_differences`` path ends in."""
    tokens = path.split(".")
    cur = root
    for _ in range(tokens[0].count("[]")):
        assert cur.body.element is not None
        cur = cur.body.element
    owner: Body | None = None
    for token in tokens[1:]:
        name = token.replace("[]", "")
        comp = next(c for c in cur.body.components if c.name == name)
        owner, cur = cur.body, comp.type
        for _ in range(token.count("[]")):
            assert cur.body.element is not None
            cur = cur.body.element
    assert owner is not None, path
    return owner.module, owner.name, tokens[-1].replace("[]", "")


def relative_to_oid(value: str) -> str:
    """The OBJECT IDENTIFIER whose contents octets are those of this RELATIVE-OID.

    Both are sequences of base-128 subidentifiers (X.690 8.19.2, 8.20.2); an OBJECT
    IDENTIFIER's first subidentifier packs its first two arcs as 40 * X + Y (8.19.4).
    """
    first, *rest = (int(a) for a in value.split("."))
    x, y = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (x, y, *rest)))


def oid_to_relative(value: str) -> str:
    """The inverse of :func:`relative_to_oid`."""
    x, y, *rest = (int(a) for a in value.split("."))
    return ".".join(map(str, (40 * x + y, *rest)))


def map_retyped(t: Type, value: Any, convert: Callable[[str], str]) -> Any:
    """``value`` (of type ``t``) with ``convert`` applied to every retyped identifier field."""
    kind = t.kind
    if kind in (Kind.SEQUENCE, Kind.SET):
        comps = {c.name: c for c in t.body.components}
        return {
            name: _map_member(t.body, comps[name], v, convert) for name, v in value.items()
        }
    if kind is Kind.CHOICE:
        name, v = value
        comp = next(c for c in t.body.components if c.name == name)
        return (name, _map_member(t.body, comp, v, convert))
    if kind in (Kind.SEQUENCE_OF, Kind.SET_OF):
        assert t.body.element is not None
        return [map_retyped(t.body.element, v, convert) for v in value]
    return value


def _map_member(owner: Body, comp: Component, value: Any, convert: Callable[[str], str]) -> Any:
    if (owner.module, owner.name, comp.name) in RETYPED_OBJIDS:
        assert comp.type.kind in (Kind.RELATIVE_OID, Kind.OBJECT_IDENTIFIER), comp.name
        return convert(value)
    return map_retyped(comp.type, value, convert)


# --------------------------------------------------------------------------------------------
# Restricted copies of types.

KeepMember = Callable[[Body, Component], bool]
KeepEnum = Callable[[Body, Component | None, str], bool]


def restricted(
    t: Type,
    keep_member: KeepMember,
    keep_enum: KeepEnum | None = None,
) -> Type:
    """A copy of ``t`` in which every SEQUENCE/SET/CHOICE keeps only the members for which
    ``keep_member(owner, member)`` is true (mandatory SEQUENCE/SET members are always kept)
    and every ENUMERATED reached through a member keeps only the items for which
    ``keep_enum(body, member, item)`` is true. Tags and constraints are unchanged, so values
    of the copy are values of ``t``."""
    memo: dict[tuple[int, str], Body] = {}

    def copy(u: Type, via: Component | None) -> Type:
        b = u.body
        key = (id(b), via.name if via is not None and b.kind is Kind.ENUMERATED else "")
        nb = memo.get(key)
        if nb is None:
            if b.kind in (Kind.SEQUENCE, Kind.SET, Kind.CHOICE):
                nb = Body(b.kind, [], b.extensible, name=b.name, module=b.module)
                memo[key] = nb
                for c in b.components:
                    mandatory = b.kind is not Kind.CHOICE and not (c.optional or c.has_default)
                    if mandatory or keep_member(b, c):
                        nb.components.append(
                            Component(c.name, copy(c.type, c), c.optional, c.default, c.extension)
                        )
                if b.kind is Kind.CHOICE:
                    assert nb.components, f"{b.module}.{b.name}: every alternative cut"
            elif b.kind in (Kind.SEQUENCE_OF, Kind.SET_OF):
                nb = Body(b.kind, name=b.name, module=b.module)
                memo[key] = nb
                assert b.element is not None
                nb.element = copy(b.element, via)
            elif b.kind is Kind.ENUMERATED and keep_enum is not None:
                names = {n: v for n, v in b.named_numbers.items() if keep_enum(b, via, n)}
                assert names, f"{b.module}.{b.name}: every enumeration cut"
                nb = Body(
                    b.kind,
                    extensible=b.extensible,
                    named_numbers=names,
                    enum_root=tuple(n for n in b.enum_root if n in names),
                    name=b.name,
                    module=b.module,
                )
                memo[key] = nb
            else:
                nb = memo[key] = b
        return Type(nb, u.tags, u.constraints, u.name)

    return copy(t, None)


# --------------------------------------------------------------------------------------------
# BER framing.


def tlv(identifier: int, contents: bytes) -> bytes:
    """One definite-length TLV with a one-octet identifier (X.690 8.1.2, 8.1.3)."""
    n = len(contents)
    if n < 0x80:
        return bytes([identifier, n]) + contents
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([identifier, 0x80 | len(octets)]) + octets + contents


def strings_in(value: Any) -> Iterable[str]:
    """Every str leaf of a value (dict/tuple/list nesting as the codec uses)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from strings_in(v)
