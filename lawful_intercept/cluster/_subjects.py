"""JetStream subjects of the converted records: one subject per LIID and kind,
``li.<LIID>.iri`` / ``li.<LIID>.cc`` / ``li.<LIID>.hi1``, the LIID encoded so that any LIID
of TS 102 232-1 clause 5.2.2 (1 to 25 octets) is one safe subject token."""

from __future__ import annotations

import string
from typing import Final

from .._checks import require_choice, require_instance

__all__ = ["KIND_TOKENS", "SUBJECT_PREFIX", "decode_liid", "encode_liid", "kind_of_subject",
           "liid_of_subject", "subject_of"]

SUBJECT_PREFIX: Final = "li"
"""The first token of every record subject."""
KIND_TOKENS: Final = {"IRI": "iri", "CC": "cc", "HI1": "hi1"}
"""The subject token of each record kind."""
_KIND_OF_TOKEN: Final = {token: kind for kind, token in KIND_TOKENS.items()}
_PLAIN: Final = frozenset(string.ascii_letters + string.digits + "-")


def encode_liid(liid: str) -> str:
    """``liid`` as one subject token: letters, digits and ``-`` as they are, every other
    octet of its UTF-8 form as ``_`` and two lower-case hex digits (so ``.``, ``*``, ``>``,
    white space and ``_`` itself never reach the subject, and the encoding is one-to-one).
    An empty LIID is refused (``ValueError``; TS 102 232-1 5.2.2: at least one octet)."""
    require_instance(liid, str, "liid")
    if not liid:
        raise ValueError("liid must not be empty (TS 102 232-1 5.2.2: 1..25 octets)")
    return "".join(ch if ch in _PLAIN else "".join(f"_{b:02x}" for b in ch.encode())
                   for ch in liid)


def decode_liid(token: str) -> str:
    """The LIID :func:`encode_liid` turned into ``token``; a token it cannot have made raises
    ``ValueError`` naming the offending position."""
    require_instance(token, str, "token")
    out = bytearray()
    i = 0
    while i < len(token):
        ch = token[i]
        if ch == "_":
            pair = token[i + 1:i + 3]
            if len(pair) != 2 or any(c not in "0123456789abcdef" for c in pair):
                raise ValueError(f"token {token!r}: '_' at {i} is not followed by two "
                                 "lower-case hex digits")
            value = int(pair, 16)
            if chr(value) in _PLAIN:
                raise ValueError(f"token {token!r}: {chr(value)!r} at {i} is escaped but "
                                 "is plain")
            out.append(value)
            i += 3
        elif ch in _PLAIN:
            out.append(ord(ch))
            i += 1
        else:
            raise ValueError(f"token {token!r}: {ch!r} at {i} is not allowed in an encoded "
                             "LIID")
    try:
        liid = out.decode()
    except UnicodeDecodeError:
        raise ValueError(f"token {token!r} is not UTF-8 once decoded") from None
    if not liid:
        raise ValueError("token must not be empty")
    return liid


def subject_of(liid: str, kind: str) -> str:
    """The subject of a record of ``kind`` (``"IRI"``, ``"CC"``, ``"HI1"``) for ``liid``."""
    require_choice(kind, tuple(KIND_TOKENS), "kind")
    return f"{SUBJECT_PREFIX}.{encode_liid(liid)}.{KIND_TOKENS[kind]}"


def _split(subject: str) -> list[str]:
    require_instance(subject, str, "subject")
    parts = subject.split(".")
    if len(parts) != 3 or parts[0] != SUBJECT_PREFIX or parts[2] not in _KIND_OF_TOKEN:
        raise ValueError(f"subject {subject!r} is not li.<LIID>.iri|cc|hi1")
    return parts


def liid_of_subject(subject: str) -> str:
    """The LIID of a record subject made by :func:`subject_of`."""
    return decode_liid(_split(subject)[1])


def kind_of_subject(subject: str) -> str:
    """The kind (``"IRI"``, ``"CC"``, ``"HI1"``) of a record subject."""
    return _KIND_OF_TOKEN[_split(subject)[2]]
