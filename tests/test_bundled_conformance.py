"""The bundled modules against the standards' texts: every type wire-equal, and on the wire.

Structure. For every bundled module (``lawful_intercept.list_bundled()``, the non-default
LI-PS-PDU version 35 included), the reference text is looked up in ``../shared/reference/asn1``
(best first: ``official/``, ``3gpp-33128/``, ``atis-opencalea/``, ``standins/``; the third
party's ``unofficial-asn1viewer-patched/`` only for the five modules of which nothing else
exists: EmailPDU, L2AccessPDU, IPMultimediaPDU, PstnIsdnPDU, ILHIPDU) and compiled with this
library in a reference group of ``groups.json``. The module OIDs must be equal, both modules
must define the same types, and every type must be wire-equal
(:func:`lawful_intercept.asn1c.wire_differences`: tags, members and their order,
OPTIONAL, DEFAULT, extension status, named values, constraints). The one allowed difference is
the patched copy's retyping of twelve ``...ObjId`` fields from RELATIVE-OID (the standard, and
ours) to OBJECT IDENTIFIER; they are listed by name in ``_conformance_support.RETYPED_OBJIDS``,
must differ in exactly that way, and must all be seen. The same difference shows wherever
another module reaches those types (LI-PS-PDU's IRIContents and CCContents); it is allowed
there for the same fields and nothing else.

On the wire. Hypothesis values of every top-level PDU (the PS-PDU once per payload kind,
IRIContents/CCContents/TRIPayload once per alternative, the 33.128 XIRIEvent and IRIEvent once
per event, the HI2 IRIs of TS 101 671 and 33.108, CdcPdu, the ATIS PDUs, ...) are encoded
with our modules and decoded with the compiled reference modules, and the other way round;
values must come back equal and the two encodings must be the same bytes.

The retyped fields cannot be compared as values across the two texts: our RELATIVE-OID
``5.2.20.2`` and the patched copy's OBJECT IDENTIFIER have the same contents octets but
different values (X.690 8.19.4 packs an OBJECT IDENTIFIER's first two arcs into one
subidentifier, 8.20 does not). Neither direction skips them: the value is mapped through that
exact relation (``relative_to_oid`` / ``oid_to_relative``) before comparing, and since all
twelve fields carry an IMPLICIT context tag the bytes on the wire must be identical as they
are. No path is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _conformance_support import (
    FOLDER_LABELS,
    PATCHED_ONLY,
    RETYPED_OBJIDS,
    Reference,
    find_reference,
    map_retyped,
    oid_to_relative,
    owner_of,
    read_modules,
    relative_to_oid,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import Specification
from lawful_intercept.asn1c import Kind, Type, wire_differences
from lawful_intercept.testing import strategy_for, values

MAX_DEPTH = 6
WIRE = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

BUNDLED = lawful_intercept.list_bundled()


def _label(m: lawful_intercept.BundledModule) -> str:
    return f"{m.module}-{m.version}"


def _spec_of(m: lawful_intercept.BundledModule) -> Specification:
    return lawful_intercept.bundled() if m.default else lawful_intercept.bundled({m.key: m.version})


# --------------------------------------------------------------------------------------------
# Finding and compiling the references.

_references: dict[tuple[str, str | None], Reference | str] = {}


@pytest.fixture(scope="module")
def reference_of(
    reference_dir: Path, reference_groups: dict[str, list[str]]
) -> Callable[[lawful_intercept.BundledModule], Reference]:
    def get(m: lawful_intercept.BundledModule) -> Reference:
        key = (m.module, m.oid)
        if key not in _references:
            ours = dict(_spec_of(m).modules)
            _references[key] = find_reference(
                m.module, m.oid, ours, reference_dir, reference_groups
            )
        ref = _references[key]
        if isinstance(ref, str):
            pytest.fail(ref)
        return ref

    return get


# --------------------------------------------------------------------------------------------
# Structure.


@pytest.mark.parametrize("m", BUNDLED, ids=_label)
def test_module_oid_equals_reference(
    m: lawful_intercept.BundledModule,
    reference_of: Callable[[lawful_intercept.BundledModule], Reference],
    group_spec: Callable[[str], Specification],
) -> None:
    ref = reference_of(m)
    ours = _spec_of(m)
    theirs = group_spec(ref.group)
    assert ours.modules[m.module] == m.oid == ref.oid == theirs.modules[m.module]
    # index.json says which kind of text the module was checked against: it must be the
    # folder the reference was found in.
    assert m.reference == FOLDER_LABELS[ref.folder], (m.reference, ref.file)
    assert (m.module in PATCHED_ONLY) == (m.reference == "patched-only")


@pytest.mark.parametrize("m", BUNDLED, ids=_label)
def test_every_type_is_wire_equal_to_the_reference(
    m: lawful_intercept.BundledModule,
    reference_of: Callable[[lawful_intercept.BundledModule], Reference],
    group_spec: Callable[[str], Specification],
) -> None:
    ref = reference_of(m)
    ours = _spec_of(m)
    theirs = group_spec(ref.group)
    (text,) = [mt for mt in read_modules(m.path) if mt.name == m.module]
    assert text.types, m.file
    assert sorted(text.types) == sorted(ref.types), (
        f"{m.module}: only ours: {sorted(set(text.types) - set(ref.types))}; "
        f"only the reference's: {sorted(set(ref.types) - set(text.types))}"
    )
    unexpected: list[str] = []
    retyped: set[tuple[str, str, str]] = set()
    for name in text.types:
        a = ours.get_type(f"{m.module}.{name}")
        b = theirs.get_type(f"{m.module}.{name}")
        for line in wire_differences(a, b, name, limit=100_000):
            path, _, what = line.partition(": ")
            if what == "RELATIVE-OID != OBJECT IDENTIFIER":
                owner = owner_of(a, path)
                if owner in RETYPED_OBJIDS:
                    retyped.add(owner)
                    continue
            unexpected.append(f"{m.module}.{line}  [reference {ref.file}]")
    assert not unexpected, "\n".join(unexpected)
    own = {r for r in RETYPED_OBJIDS if r[0] == m.module}
    assert {r for r in retyped if r[0] == m.module} == own


def test_every_bundled_type_was_compared() -> None:
    """The type lists read from the files cover the compiled specification exactly, so the
    structural test above cannot have skipped a type."""
    for spec, chosen in (
        (lawful_intercept.bundled(), [m for m in BUNDLED if m.default]),
        (
            lawful_intercept.bundled({"102232-1": "35"}),
            [m for m in BUNDLED if m.default and m.key != "102232-1"]
            + [m for m in BUNDLED if m.key == "102232-1" and m.version == "35"],
        ),
    ):
        listed = {
            (m.module, name)
            for m in chosen
            for mt in read_modules(m.path)
            if mt.name == m.module
            for name in mt.types
        }
        assert len(listed) == len(spec.types)
        for module, name in listed:
            spec.get_type(f"{module}.{name}")


def test_retyped_fields_are_relative_oids_in_ours() -> None:
    spec = lawful_intercept.bundled()
    for module, type_name, field in sorted(RETYPED_OBJIDS):
        t = spec.get_type(f"{module}.{type_name}")
        (comp,) = [c for c in t.body.components if c.name == field]
        assert comp.type.kind is Kind.RELATIVE_OID, (module, type_name, field)


# --------------------------------------------------------------------------------------------
# On the wire.

# Top-level PDUs compared whole.
WHOLE_PDUS = [
    "HI2Operations.IRIsContent",
    "UmtsHI2Operations.UmtsIRIsContent",
    "UmtsCS-HI2Operations.UmtsCS-IRIsContent",
    "EpsHI2Operations.EpsIRIsContent",
    "CONFHI2Operations.ConfIRIsContent",
    "GCSEHI2Operations.GcseIRIsContent",
    "ProSeHI2Operations.ProSeIRIsContent",
    "HI1NotificationOperations.HI1-Operation",
    "ThreeGPP-HI1NotificationOperations.ThreeGPP-HI1-Operation",
    "TS33128Payloads.XIRIPayload",
    "TS33128Payloads.IRIPayload",
    "TS33128Payloads.CCPayload",
    "TS33128Payloads.LINotificationPayload",
    "TS33128IdentityAssociation.IEFMessage",
    "PCESP.CdcPdu",
    "T1S1-LAES-VoP-Abstract-Syntax-Module.LAESProtocol",
    "T1S1-LAES-VoP-Abstract-Syntax-Module.CC-APDU",
    "CCDeliveryHeaderModule.CC-APDU",
    "IAS-LAES-CmII-Abstract-Syntax-Module.IasProtocol",
    "IAS-LAES-CmII-Optional-Messages-Abstract-Syntax-Module.IasProtocol",
    "IAS-LAES-CmCC-Abstract-Syntax-Module.IAS-CC-APDU",
]

# (PDU, the member of it that is a CHOICE or "" for the PDU itself): one case per alternative.
PER_ALTERNATIVE = [
    ("LI-PS-PDU.PS-PDU", "payload"),
    ("LI-PS-PDU.IRIContents", ""),
    ("LI-PS-PDU.CCContents", ""),
    ("LI-PS-PDU.TRIPayload", ""),
    ("TS33128Payloads.XIRIPayload", "event"),
    ("TS33128Payloads.IRIPayload", "event"),
]

EXAMPLES_WHOLE = 25
EXAMPLES_PS_PDU_PAYLOAD = 20
EXAMPLES_LI_PS_PDU_ALTERNATIVE = 6
EXAMPLES_33128_EVENT = 1
"""Per event of XIRIEvent (198) and IRIEvent (196); each example is one value each way."""


def _choice_of(spec: Specification, pdu: str, member: str) -> Type:
    t = spec.get_type(pdu)
    if member:
        t = next(c.type for c in t.body.components if c.name == member)
    assert t.kind is Kind.CHOICE, (pdu, member)
    return t


def _cases() -> list[Any]:
    spec = lawful_intercept.bundled()
    cases = [pytest.param("default", pdu, "", "", EXAMPLES_WHOLE, id=pdu) for pdu in WHOLE_PDUS]
    cases.append(
        pytest.param("v35", "LI-PS-PDU.PS-PDU", "", "", EXAMPLES_WHOLE, id="LI-PS-PDU-v35.PS-PDU")
    )
    for pdu, member in PER_ALTERNATIVE:
        if pdu == "LI-PS-PDU.PS-PDU":
            n = EXAMPLES_PS_PDU_PAYLOAD
        elif pdu.startswith("LI-PS-PDU"):
            n = EXAMPLES_LI_PS_PDU_ALTERNATIVE
        else:
            n = EXAMPLES_33128_EVENT
        for c in _choice_of(spec, pdu, member).body.components:
            where = f"{pdu}.{member}" if member else pdu
            cases.append(pytest.param("default", pdu, member, c.name, n, id=f"{where}={c.name}"))
    return cases


def _strategy(spec: Specification, pdu: str, member: str, alternative: str) -> Any:
    """Values of ``pdu``; with ``alternative``, only those choosing it (in ``member``)."""
    if not alternative:
        return values(spec, pdu, max_depth=MAX_DEPTH)
    choice = _choice_of(spec, pdu, member)
    (comp,) = [c for c in choice.body.components if c.name == alternative]
    depth = MAX_DEPTH - (2 if member else 1)
    chosen = st.tuples(st.just(alternative), strategy_for(comp.type, max_depth=depth))
    if not member:
        return chosen
    return st.builds(
        lambda base, alt: {**base, member: alt},
        values(spec, pdu, max_depth=MAX_DEPTH),
        chosen,
    )


def _module_entry(module: str, variant: str) -> lawful_intercept.BundledModule:
    for m in BUNDLED:
        if m.module == module and (m.default if variant == "default" else m.version == "35"):
            return m
    raise AssertionError(module)


@pytest.mark.parametrize(("variant", "pdu", "member", "alternative", "examples"), _cases())
def test_values_cross_between_ours_and_the_reference(
    variant: str,
    pdu: str,
    member: str,
    alternative: str,
    examples: int,
    reference_of: Callable[[lawful_intercept.BundledModule], Reference],
    group_spec: Callable[[str], Specification],
) -> None:
    entry = _module_entry(pdu.split(".")[0], variant)
    ours = _spec_of(entry)
    theirs = group_spec(reference_of(entry).group)
    our_type, their_type = ours.get_type(pdu), theirs.get_type(pdu)

    def forward(v: Any) -> None:
        data = ours.encode(pdu, v)
        expected = map_retyped(our_type, v, relative_to_oid)
        assert theirs.decode(pdu, data) == expected
        assert theirs.encode(pdu, expected) == data

    def backward(w: Any) -> None:
        data = theirs.encode(pdu, w)
        expected = map_retyped(their_type, w, oid_to_relative)
        assert ours.decode(pdu, data) == expected
        assert ours.encode(pdu, expected) == data

    @settings(WIRE, max_examples=examples)
    @given(
        _strategy(ours, pdu, member, alternative),
        _strategy(theirs, pdu, member, alternative),
    )
    def run(v: Any, w: Any) -> None:
        forward(v)
        backward(w)

    run()


def test_retyped_identifier_mapping_is_exact() -> None:
    """The relation used above, on hand-computed octets (X.690 8.19.4, 8.20.2)."""
    spec = lawful_intercept.bundled()
    value = {"emailCCObjId": "5.2.20.2", "email-Format": "application", "content": b"x"}
    # [0] IMPLICIT RELATIVE-OID 5.2.20.2: 80 04 05 02 14 02. The same contents octets read as
    # an OBJECT IDENTIFIER are 0.5.2.20.2.
    assert spec.encode("EmailPDU.EmailCC", value) == bytes.fromhex("300c800405021402810102820178")
    assert relative_to_oid("5.2.20.2") == "0.5.2.20.2"
    assert oid_to_relative("0.5.2.20.2") == "5.2.20.2"
    assert relative_to_oid("200.1") == "2.120.1"
    for rel in ("0", "39", "40", "79", "80", "200.1", "16383.128.0"):
        assert oid_to_relative(relative_to_oid(rel)) == rel
