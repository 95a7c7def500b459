"""Domain errors: plain exceptions, with the HTTP status each one answers; no web framework here.

MarketError
 ├── InvalidInput          422  field-level errors ("errors": [{field, message}])
 ├── MalformedBody         400  a body the decoder cannot read at all
 ├── Unauthorized          401  no key, or a key that is wrong or revoked
 ├── Forbidden             403  authenticated, but not allowed (missing scope, not admin)
 ├── NotFound              404  missing, or someone else's private object
 ├── Conflict              409  e.g. a duplicate external_ref, a transition the state forbids
 ├── PreconditionRequired  428  a write needs If-Match
 ├── PreconditionFailed    412  If-Match names a stale version
 ├── TooManyRequests       429  a budget spent (retry_after says for how long)
 └── ServiceUnavailable    503  a backing service is away

Services raise these and never import the web framework; ``market.problems`` maps them (and the
framework's own errors) to RFC 9457 problem+json, with the one table of titles. The rest of this
module names a decoder's complaint the way the API names fields (``quantity.amount``,
``target_countries.1``), for bodies read by the framework and by hand alike.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from schemas.common import TEXT_PATTERN, FieldError

__all__ = [
    "NESTING_MESSAGE",
    "NUL_MESSAGE",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "MalformedBody",
    "MarketError",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "decode_error",
    "field_error",
    "too_deep",
]

NESTING_MESSAGE = "the JSON is nested too deeply; send at most a few hundred levels of arrays and objects"
NUL_MESSAGE = "text must not contain the NUL character (U+0000)"


class MarketError(Exception):
    """A refusal the client can act on: ``detail`` says what to change, ``errors`` names fields."""

    status = 400

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidInput(MarketError):
    status = 422

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", [FieldError(field=field, message=message)])


class MalformedBody(MarketError):
    """A body the decoder cannot read at all (400), as opposed to one that breaks a rule (422)."""

    status = 400

    @classmethod
    def nested(cls) -> MalformedBody:
        return cls(f"body: {NESTING_MESSAGE}", [FieldError(field="body", message=NESTING_MESSAGE)])


class Unauthorized(MarketError):
    status = 401


class Forbidden(MarketError):
    status = 403


class NotFound(MarketError):
    status = 404


class Conflict(MarketError):
    status = 409

    def __init__(
        self,
        detail: str,
        errors: list[FieldError] | None = None,
        *,
        current_status: str | None = None,
        existing_id: str | None = None,
    ) -> None:
        super().__init__(detail, errors)
        self.current_status = current_status
        """The state of the object that forbids the change, when that is the conflict."""
        self.existing_id = existing_id
        """The object that is already there, when that is the conflict."""


class TooManyRequests(MarketError):
    """A budget is spent; ``retry_after`` seconds from now it allows the request again."""

    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class PreconditionFailed(MarketError):
    status = 412


class PreconditionRequired(MarketError):
    status = 428


class ServiceUnavailable(MarketError):
    status = 503


def too_deep(exc: RecursionError) -> bool:
    """msgspec refuses JSON nested deeper than the interpreter's recursion limit with this error."""
    return "deserializ" in str(exc)


# msgspec says "Expected `str` matching regex '...' - at `$.origin.country`"; people need the
# field and the fix, so known fields get a plain-words hint.
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
FIELD_HINTS: dict[str, str] = {
    "hs_code": "use a 4- or 6-digit HS code such as 691200 (GET /v1/commodities?q=... suggests one)",
    "country": "use an ISO 3166-1 alpha-2 code in capitals, such as KZ or UZ",
    "target_countries": 'use ISO 3166-1 alpha-2 codes in capitals, such as ["KZ", "TJ"]',
    "currency": "use an ISO 4217 code in capitals, such as USD, KZT or UZS",
    "unit": "use a UN/CEFACT Rec 20 unit code such as TNE, KGM or H87",
    "per": "use a UN/CEFACT Rec 20 unit code such as TNE, KGM or H87",
    "incoterm": "use an Incoterms 2020 rule such as FCA, CPT or DAP",
    "amount": 'use a positive number (prices: a decimal string such as "235.00")',
    "external_ref": "use 1-100 characters of letters, digits and . _ : / -",
    "near": "use lat,lon,km: latitude -90..90, longitude -180..180, 0 < km <= 5000, e.g. 41.31,69.28,300",
}


_NAMED_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]+)`")


def field_error(raw: dict[str, Any]) -> FieldError:
    """One validation complaint (``message``, and where known the ``key`` and ``source`` of the
    value, as Litestar reports them) as the field it concerns and a message in plain words."""
    text = str(raw.get("message", "invalid value"))
    match = _AT.match(text)
    message = match.group("message") if match else text
    path = (match.group("path") if match else None) or ""
    # Litestar names the location in "key": a path into the body ("quantity.amount", "l[1]") or a
    # parameter's name. The body itself is keyed by the handler's parameter ("data"), which means
    # nothing to a client.
    field = path.lstrip(".") or str(raw.get("key") or "")
    if raw.get("source") == "body" and field == "data":
        field = ""
    named = _NAMED_FIELD.match(message)
    if named:  # unknown or missing field: point at the field itself, not at its parent object
        field = f"{field}.{named.group('name')}" if field else named.group("name")
    field = re.sub(r"\[(\d+)\]", r".\1", field) or "body"
    if "regex" in message or "Expected" in message:
        leaf = re.sub(r"\.\d+$", "", field).rsplit(".", 1)[-1]
        hint = FIELD_HINTS.get(leaf)
        if hint:
            message = f"{message.split(' matching regex')[0]}: {hint}"
    if repr(TEXT_PATTERN) in message:
        message = NUL_MESSAGE
    return FieldError(field=field, message=message)


def decode_error(exc: msgspec.ValidationError | msgspec.DecodeError) -> FieldError:
    """A msgspec error on a body decoded by hand (batch items), named like the API names them."""
    return field_error({"message": str(exc)})
