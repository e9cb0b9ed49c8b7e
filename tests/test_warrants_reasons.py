"""Every failure of check names the field and the rule: its reason begins with the field (in
the schema's names) and the ErrorInformation description returned to the agency carries the
rule's name; ``warrant check --json`` gives what docs/warrants.md and docs/cli.md say."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from test_warrants_support import (
    NOW,
    change_objects,
    make_request,
    make_warrant,
    run,
    sign_request,
    warrant_pki,
)

from lawful_intercept.cli import main
from lawful_intercept.warrants import (
    RULES,
    AuthorisationObject,
    AuthorisationStatus,
    DeliveryAddress,
    DeliveryDestination,
    LITaskObject,
    TargetIdentifierValue,
    WarrantCheck,
    approve,
    sign_message,
    write_message,
)

_FIELD = re.compile(r"^[A-Z][A-Za-z0-9]+(\[\d+\]|\.[A-Z][A-Za-z0-9]+(\[\d+\])?)*: ")


def _cases() -> dict[str, WarrantCheck]:
    pki = warrant_pki()
    bad_target = TargetIdentifierValue("ETSI", "InternationalE164", "44-20-7946")
    bad_destination = DeliveryDestination(DeliveryAddress("IPv4Address", "192.0.2.300"))
    return {
        "format": run(b"<HI1Message/>"),
        "message-signature": run(make_warrant().signed.replace(b"442079460223",
                                                               b"442079460999")),
        "authorisation-status": run(make_warrant(
            status=AuthorisationStatus.AWAITING_APPROVAL).signed),
        "approval": run(sign_request(make_request(), judge=pki.issue_signer(role="Clerk"))),
        "timespan": run(make_warrant().signed, now=NOW + timedelta(days=31)),
        "task-authorisation": run(sign_request(change_objects(
            make_request(), LITaskObject, associated_objects=("nothing",)))),
        "targets": run(sign_request(change_objects(make_request(), LITaskObject,
                                             targets=(bad_target,)))),
        "delivery": run(sign_request(change_objects(make_request(), LITaskObject,
                                              delivery_details=(bad_destination,)))),
        "document": _unapproved_document(),
    }


def _unapproved_document() -> WarrantCheck:
    pki = warrant_pki()
    message = make_request()
    auth = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    data = approve(write_message(message), auth.object_identifier, pki.judge.key,
                   [pki.judge.certificate])
    return run(sign_message(data, pki.issuer.key, [pki.issuer.certificate]))


def test_every_failure_names_its_field_and_its_rule() -> None:
    cases = _cases()
    assert set(cases) | {"schema", "test-flag"} == set(RULES)  # every rule that can fail
    for rule, result in cases.items():
        failures = result.failures()
        assert rule in {r.rule for r in failures}, (rule, result.table())
        for failure in failures:
            assert _FIELD.match(failure.reason), (failure.rule, failure.reason)
            error = failure.error
            assert error is not None and error.code == RULES[failure.rule][1].code
            assert error.description.startswith(
                f"{RULES[failure.rule][1].description} (rule {failure.rule}): "
                f"{failure.reason.split(':')[0]}:"), error.description
        for error in result.action_errors().values():
            assert "(rule " in error.description


def test_passing_rules_name_their_field_too() -> None:
    result = run(make_warrant().signed)
    assert result.valid
    for rule in result.results:
        if rule.rule not in ("format", "schema"):
            assert _FIELD.match(rule.reason), (rule.rule, rule.reason)


def test_warrant_check_json_matches_the_docs(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    from lawful_intercept.certs import make_warrant_pki

    folder = tmp_path / "pki"
    make_warrant_pki().write(folder)
    warrant = tmp_path / "w.xml"
    assert main(["warrant", "make", "--out", str(warrant), "--liid", "L1",
                 "--target", "IMSI:234150999999999", "--start", "now-5m", "--end", "now+1d",
                 "--deliver-to", "192.0.2.10:6001",
                 "--sign", str(folder / "issuer.pem"), str(folder / "issuer.key"),
                 "--approve", str(folder / "judge.pem"), str(folder / "judge.key")]) == 0
    capsys.readouterr()
    code = main(["warrant", "check", str(warrant), "--trust", str(folder / "authority-ca.pem"),
                 "--approvers", str(folder / "court-ca.pem"), "--json"])
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 0
    # docs: {"command": "warrant check", "valid": ..., "rules": [{"rule", "ok", "reason"}, ...]}
    assert list(summary) == ["command", "valid", "rules"]
    assert summary["command"] == "warrant check" and summary["valid"] is True
    assert [set(r) for r in summary["rules"]] == [{"rule", "ok", "reason"}] * len(
        summary["rules"])
    assert {r["rule"] for r in summary["rules"]} <= set(RULES)
    assert {r["rule"] for r in summary["rules"]} >= {"format", "schema", "message-signature",
                                                      "document", "authorisation-status",
                                                      "approval", "timespan",
                                                      "task-authorisation", "targets",
                                                      "delivery", "test-flag"}
    assert all(r["ok"] in (True, None) for r in summary["rules"])
