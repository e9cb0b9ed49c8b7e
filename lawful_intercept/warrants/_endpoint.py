"""The HI-1 endpoint of a CSP, sans-IO (TS 103 120 clause 6.4): request bytes in, response
bytes out. Each request is checked (:func:`check`, with the book's valid authorisations as
``known_authorisations``), applied to the :class:`WarrantBook`, and answered with an HI-1
response message of the same TransactionIdentifier: an ActionResponse per action (its
result or its ErrorInformation), or one top-level ErrorInformation when the message as a
whole fails (unreadable, hostile, oversized, off-schema, badly signed, replayed). Nothing it
receives makes it raise: every input gets an answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from .._checks import require_instance, require_int
from ._book import Notification
from ._lifecycle import BookResult, WarrantBook
from ._model import (
    EndpointID,
    ErrorInformation,
    HI1Message,
    MessageHeader,
    ResponsePayload,
)
from ._pki import Trust
from ._rules import RULES, RuleResult, WarrantCheck, check
from ._schema import HI1Schema
from ._signature import SigningKey, sign_message
from ._xml_safe import DEFAULT_MAX_BYTES
from ._xml_write import write_message

__all__ = ["EndpointResult", "HI1Endpoint"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndpointResult:
    """What one request produced: the ``response`` bytes to send back, the HI1
    notifications to deliver on HI2, the ``check`` of the request (None when it was not
    read) and the response model."""

    response: bytes
    notifications: tuple[Notification, ...]
    check: WarrantCheck | None
    message: HI1Message


class HI1Endpoint:
    """A CSP's HI-1 endpoint over a :class:`WarrantBook` (see the module docstring).

    ``trust`` accepts the issuing authority's message signatures, ``approvers`` the judges';
    ``identity`` is the CSP's EndpointID (the responses' sender); ``schema`` validates
    requests against the official XSDs when given; ``signer`` (a key and its certificate
    chain) signs the responses; ``max_bytes`` bounds a request; ``options`` go to
    :func:`check` (``emergency_hours``, ``profiles``, ``formats``, ``task_approvals``,
    ``document_approvals``)."""

    def __init__(self, book: WarrantBook, *, trust: Trust, approvers: Trust,
                 identity: EndpointID, schema: HI1Schema | None = None,
                 signer: tuple[SigningKey, Sequence[x509.Certificate]] | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 options: Mapping[str, Any] | None = None) -> None:
        require_instance(book, WarrantBook, "book")
        require_instance(trust, Trust, "trust")
        require_instance(approvers, Trust, "approvers")
        require_instance(identity, EndpointID, "identity")
        require_int(max_bytes, "max_bytes", low=1)
        allowed = {"emergency_hours", "profiles", "formats", "task_approvals",
                   "document_approvals"}
        unknown = set(options or {}) - allowed
        if unknown:
            raise ValueError(f"options: unknown {sorted(unknown)}; allowed: {sorted(allowed)}")
        self.book, self.trust, self.approvers = book, trust, approvers
        self.identity, self.schema, self.signer = identity, schema, signer
        self.max_bytes = max_bytes
        self.options = dict(options or {})

    def handle(self, request: bytes, *, now: datetime) -> EndpointResult:
        """Answer one HI-1 request received at ``now`` (see the module docstring)."""
        require_instance(request, (bytes, bytearray), "request")
        require_instance(now, datetime, "now")
        request = bytes(request)
        result: WarrantCheck | None
        if len(request) > self.max_bytes:
            result = WarrantCheck((RuleResult("format", False, f"message is {len(request)} "
                                              f"bytes, more than the limit of "
                                              f"{self.max_bytes}"),))
        else:
            try:
                result = check(request, trust=self.trust, approvers=self.approvers, now=now,
                               schema=self.schema, max_bytes=self.max_bytes,
                               known_authorisations=self.book.valid_authorisations(now),
                               **self.options)
            except Exception as exc:  # hostile input must get an answer, never a crash
                _log.warning("HI-1 request could not be checked: %r", exc)
                result = WarrantCheck((RuleResult("format", False,
                                                  f"the message could not be checked: "
                                                  f"{type(exc).__name__}"),))
        outcome = self.book.apply(request, result, now=now)
        message = self._response(result, outcome, now)
        data = write_message(message)
        if self.signer is not None:
            data = sign_message(message, self.signer[0], self.signer[1])
        return EndpointResult(data, outcome.notifications,
                              result if result.message is not None else None, message)

    def tick(self, now: datetime) -> tuple[Notification, ...]:
        """Let the book's time pass to ``now`` (:meth:`WarrantBook.tick`)."""
        return self.book.tick(now)

    def _response(self, result: WarrantCheck, outcome: BookResult, now: datetime
                  ) -> HI1Message:
        request = result.message
        if request is not None:
            receiver = request.header.sender
            transaction = request.header.transaction_identifier
        else:
            receiver = EndpointID(self.identity.country_code, "UNKNOWN")
            transaction = str(uuid.uuid4())
        header = MessageHeader(self.identity, receiver, transaction, now)
        error = outcome.error
        if error is None and not outcome.responses:
            error = result.error_information() or ErrorInformation(
                RULES["format"][1].code, "the request carries no action")
        if error is not None:
            return HI1Message(header, ResponsePayload(error=error))
        return HI1Message(header, ResponsePayload(outcome.responses))
