"""Whether two X1 documents say the same (used by ``x1 check`` and the tests to prove that
what the library writes back keeps every element of what it read): the same elements in the
same order, the same xsi:type, and the same values once each is put in its canonical form
(whitespace collapsed, ``1``/``0`` booleans as ``true``/``false``, integers without sign
or leading zeros, hexadecimal in upper case, ``+00:00`` as ``Z``). Namespace prefixes and
xsi:schemaLocation hints do not matter."""

from __future__ import annotations

import re

from lxml import etree  # type: ignore[import-untyped]

from ._xml import XSI

__all__ = ["xml_differences"]

_HEX = re.compile(r"[0-9a-fA-F]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _canonical(text: str | None) -> str:
    value = " ".join((text or "").split())
    if value in ("1", "0"):
        return "true" if value == "1" else "false"
    if _INTEGER.fullmatch(value):
        return str(int(value))
    if value.endswith("+00:00") and "T" in value:
        return value[: -len("+00:00")] + "Z"
    return value.upper() if _HEX.fullmatch(value) else value


def _xsi_type(element: etree._Element) -> str | None:
    value = element.get(f"{{{XSI}}}type")
    if value is None:
        return None
    prefix, _, local = value.strip().rpartition(":")
    return f"{{{element.nsmap.get(prefix or None)}}}{local}"


def xml_differences(first: etree._Element, second: etree._Element, *,
                    limit: int = 10) -> list[str]:
    """Up to ``limit`` differences between two parsed documents (empty if they say the same;
    see the module docstring), each with the path of the element."""
    found: list[str] = []
    _compare(first, second, _name(first), found, limit)
    return found


def _name(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _compare(a: etree._Element, b: etree._Element, path: str, found: list[str],
             limit: int) -> None:
    if len(found) >= limit:
        return
    if a.tag != b.tag:
        found.append(f"{path}: element {a.tag} became {b.tag}")
        return
    if _xsi_type(a) != _xsi_type(b):
        found.append(f"{path}: xsi:type {_xsi_type(a)} became {_xsi_type(b)}")
    other_a = {k: v for k, v in a.attrib.items() if not k.startswith(f"{{{XSI}}}")}
    other_b = {k: v for k, v in b.attrib.items() if not k.startswith(f"{{{XSI}}}")}
    if other_a != other_b:
        found.append(f"{path}: attributes {other_a} became {other_b}")
    children_a = [c for c in a if isinstance(c.tag, str)]
    children_b = [c for c in b if isinstance(c.tag, str)]
    if not children_a and not children_b:
        if _canonical(a.text) != _canonical(b.text):
            found.append(f"{path}: value {a.text!r} became {b.text!r}")
        return
    if len(children_a) != len(children_b):
        found.append(f"{path}: {len(children_a)} child elements became {len(children_b)}")
        return
    for index, (x, y) in enumerate(zip(children_a, children_b, strict=True)):
        _compare(x, y, f"{path}/{_name(x)}[{index}]", found, limit)
