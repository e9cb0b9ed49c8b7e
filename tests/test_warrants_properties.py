"""Property-based tests of warrants (TS 103 120): any valid warrant drawn by the public
strategies, approved by the judge and signed by the issuing authority, is accepted; any
change to the signed message is refused, with the rule that refused it named."""

from __future__ import annotations

import copy
import functools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]
from test_warrants_support import (
    NOW,
    change_objects,
    judge_trust,
    make_request,
    message_trust,
    sign_request,
    warrant_pki,
)

from lawful_intercept.testing import target_identifier_values, warrant_messages
from lawful_intercept.warrants import (
    AuthorisationObject,
    HI1Message,
    LITaskObject,
    Timespan,
    check,
    parse_xml,
    target_problem,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def run(data: bytes) -> Any:
    return check(data, trust=message_trust(), approvers=judge_trust(), now=NOW)


@SETTINGS
@given(warrant_messages(now=NOW))
def test_valid_warrants_are_accepted(message: HI1Message) -> None:
    result = run(sign_request(message))
    assert result.valid, result.table()


@SETTINGS
@given(target_identifier_values())
def test_drawn_targets_are_well_formed(target: Any) -> None:
    assert target_problem(target.format_owner, target.format_name, target.value) == ""


def _places(root: Any) -> list[tuple[Any, str | None]]:
    """Every text node and attribute of the document: (element, attribute or None)."""
    places: list[tuple[Any, str | None]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if (element.text or "").strip():
            places.append((element, None))
        places.extend((element, name) for name in element.attrib)
    return places


@SETTINGS
@given(warrant_messages(now=NOW), st.data())
def test_any_change_to_a_signed_warrant_is_refused(message: HI1Message, data: Any) -> None:
    root = parse_xml(sign_request(message))
    places = _places(root)
    element, attribute = places[data.draw(st.integers(0, len(places) - 1), label="place")]
    old = element.text if attribute is None else element.get(attribute)
    position = data.draw(st.integers(0, len(old.strip()) - 1 if old.strip() else 0))
    replacement = data.draw(st.sampled_from("0aZ9-"), label="character")
    stripped = old.strip()
    if not stripped:
        new = replacement
    else:
        changed = stripped[:position] + replacement + stripped[position + 1:]
        new = changed if changed != stripped else stripped + replacement
    if attribute is None:
        element.text = new
    else:
        element.set(attribute, new)
    result = run(etree.tostring(root))
    assert not result.valid, (etree.QName(element).localname, attribute, old, new)
    refused_by = {r.rule for r in result.failures()}
    assert refused_by & {"format", "message-signature"}, result.table()


@functools.cache
def _certificates() -> dict[str, Any]:
    pki = warrant_pki()
    return {
        "untrusted-issuer": pki.issue_signer(role="Issuing authority", by="authority",
                                             untrusted=True),
        "expired-issuer": pki.issue_expired_signer(role="Issuing authority", by="authority"),
        "wrong-role": pki.issue_signer(role="Clerk", common_name="A Clerk"),
        "untrusted-judge": pki.issue_signer(untrusted=True),
        "expired-judge": pki.issue_expired_signer(),
    }


def _forge(message: HI1Message, forgery: str) -> bytes:
    certificates = _certificates()
    if forgery in ("untrusted-issuer", "expired-issuer"):
        return sign_request(message, issuer=certificates[forgery])
    if forgery in ("wrong-role", "untrusted-judge", "expired-judge"):
        return sign_request(message, judge=certificates[forgery])
    if forgery == "non-judge":
        return sign_request(message, judge=warrant_pki().issuer)
    if forgery == "past":
        return sign_request(change_objects(message, AuthorisationObject, timespan=Timespan(
            NOW - timedelta(days=30), NOW - timedelta(seconds=1))))
    assert forgery == "orphan-task"
    return sign_request(change_objects(message, LITaskObject, associated_objects=None))


FORGERIES = {
    "untrusted-issuer": "message-signature",
    "expired-issuer": "message-signature",
    "wrong-role": "approval",
    "untrusted-judge": "approval",
    "expired-judge": "approval",
    "non-judge": "approval",
    "past": "timespan",
    "orphan-task": "task-authorisation",
}


@SETTINGS
@given(warrant_messages(now=NOW), st.sampled_from(sorted(FORGERIES)))
def test_forgeries_are_refused_by_their_rule(message: HI1Message, forgery: str) -> None:
    result = run(_forge(message, forgery))
    assert not result.valid
    assert FORGERIES[forgery] in {r.rule for r in result.failures()}, result.table()


@functools.cache
def _one_signed() -> bytes:
    return sign_request(make_request())


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_damaged_bytes_never_pass_and_never_crash(data: Any) -> None:
    """Any byte of a signed warrant changed: check answers (never raises) and refuses."""
    signed = bytearray(_one_signed())
    position = data.draw(st.integers(0, len(signed) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != signed[position]),
                      label="byte")
    signed[position] = value
    result = run(bytes(signed))
    if result.valid:
        # harmless only where the message signature does not reach: inside itself (say, a
        # line break in its base64 made a space), XML syntax (the quotes of an attribute)
        # or the prolog before the signed element (the XML declaration)
        assert _without_signature(bytes(signed)) == _without_signature(_one_signed())


def test_a_damaged_xml_declaration_is_outside_the_signature() -> None:
    """The enveloped signature covers the HI1Message element, not the prolog: an XML
    declaration damaged into a processing instruction (``<?x\rl version=...?>``, a case
    the property test above found) leaves the signed message whole, and it is accepted."""
    signed = bytearray(_one_signed())
    assert signed.startswith(b"<?xml ")
    signed[3] = 13
    result = run(bytes(signed))
    assert result.valid, result.table()
    assert _without_signature(bytes(signed)) == _without_signature(_one_signed())


def _without_signature(data: bytes) -> bytes:
    """The canonical form of the message without its signature. The element is copied out
    of its document first: lxml's c14n of an element whose document has a processing
    instruction before it writes ``xmlns=""`` on its descendants."""
    root = copy.deepcopy(parse_xml(data))
    root.remove(root[-1])
    return bytes(etree.tostring(root, method="c14n"))
