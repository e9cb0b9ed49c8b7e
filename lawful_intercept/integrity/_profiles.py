"""The reading profiles of TS 102 232-1 integrity checks (clause 6.4, TRIPayload
``integrityCheck``): which octets a signature PDU signs under each.

See ``docs/integrity.md`` (the table of readings) and
:data:`~lawful_intercept.integrity.ProfileName`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from .._checks import require_choice
from ..asn1c import Specification
from ._common import PROFILES, ProfileName, qualified

__all__ = ["check_profiles", "signed_octets"]


def check_profiles(profiles: object, name: str = "profiles") -> tuple[ProfileName, ...]:
    """``profiles`` (one :data:`ProfileName` or several, in the order to try them) as a tuple;
    ``TypeError``/``ValueError`` naming ``name`` for anything else."""
    items: Iterable[object] = (profiles,) if isinstance(profiles, str) else (
        profiles if isinstance(profiles, list | tuple) else ())
    if not isinstance(profiles, str | list | tuple):
        raise TypeError(f"{name} must be a profile name or a sequence of them "
                        f"({', '.join(PROFILES)}), not {type(profiles).__name__}")
    out = tuple(require_choice(item, PROFILES, name) for item in items)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{name} must name at least one profile, each once "
                         f"({', '.join(PROFILES)}), not {profiles!r}")
    return cast(tuple[ProfileName, ...], out)


def signed_octets(spec: Specification, profile: ProfileName, check: Mapping[str, Any],
                  hash_values: Sequence[bytes]) -> bytes:
    """The octets a signature PDU's signature covers under ``profile`` (TS 102 232-1 6.4
    IntegrityCheck with checkType signature, whose fields are ``check``):

    * ``library``: the checkValues of the hash PDUs signed (``hash_values``), concatenated in
      the order of includedSequenceNumbers;
    * ``openli``: the signature PDU's own IntegrityCheck, BER-encoded on its own (universal
      SEQUENCE), with includedSequenceNumbers, checkType, dataType (if present), an empty
      checkValue and signatureAlgorithm (if present); no hashAlgorithm.
    """
    if profile == "library":
        return b"".join(hash_values)
    interim: dict[str, Any] = {
        "includedSequenceNumbers": list(check.get("includedSequenceNumbers", ())),
        "checkType": check.get("checkType", "signature"),
        "checkValue": b"",
    }
    if check.get("dataType") is not None:
        interim["dataType"] = check["dataType"]
    if check.get("signatureAlgorithm") is not None:
        interim["signatureAlgorithm"] = check["signatureAlgorithm"]
    return spec.encode(qualified(spec, "IntegrityCheck"), interim)
