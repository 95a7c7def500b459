"""Domain errors and their one mapping to RFC 9457 problem+json.

MarketError
 ├── InvalidInput          422  field-level errors ("errors": [{field, message}])
 ├── Unauthorized          401  no key, or a key that is wrong or revoked
 ├── Forbidden             403  authenticated, but not allowed (missing scope, not admin)
 ├── NotFound              404  missing, or someone else's private object
 ├── Conflict              409  e.g. a duplicate external_ref
 ├── PreconditionRequired  428  a write needs If-Match
 ├── PreconditionFailed    412  If-Match names a stale version
 └── ServiceUnavailable    503  a backing service is away
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from schemas.common import TEXT_PATTERN, FieldError, Problem

__all__ = [
    "NESTING_MESSAGE",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "MalformedBody",
    "MarketError",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "ServiceUnavailable",
    "Unauthorized",
    "decode_error",
    "exception_handlers",
    "problem_responses",
    "status_of",
    "too_deep",
]

log = structlog.get_logger(name=__name__)
PROBLEM_JSON = "application/problem+json"
NESTING_MESSAGE = "the JSON is nested too deeply; send at most a few hundred levels of arrays and objects"


class MarketError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidInput(MarketError):
    status, title = 422, "Invalid input"

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", [FieldError(field=field, message=message)])


class MalformedBody(MarketError):
    """A body the decoder cannot read at all (400), as opposed to one that breaks a rule (422)."""

    status, title = 400, "Invalid request"

    @classmethod
    def nested(cls) -> MalformedBody:
        return cls(f"body: {NESTING_MESSAGE}", [FieldError(field="body", message=NESTING_MESSAGE)])


class Unauthorized(MarketError):
    status, title = 401, "Unauthorized"


class Forbidden(MarketError):
    status, title = 403, "Forbidden"


class NotFound(MarketError):
    status, title = 404, "Not found"


class Conflict(MarketError):
    status, title = 409, "Conflict"


class PreconditionFailed(MarketError):
    status, title = 412, "Precondition failed"


class PreconditionRequired(MarketError):
    status, title = 428, "Precondition required"


class ServiceUnavailable(MarketError):
    status, title = 503, "Service unavailable"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[Problem]:
    return Response(problem, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


_MEANINGS = {
    400: "Malformed request: a parameter or the body does not fit the schema; `errors` names each field",
    401: "No API key where one is needed, or a key that is wrong or revoked",
    403: "Authenticated, but not allowed: a missing scope, or not this organization's manager",
    404: "Not found, or another organization's private object",
    409: "Conflicts with the current state",
    412: "If-Match names a stale version",
    413: "The body is larger than allowed",
    415: "The body's Content-Type is not one this endpoint reads",
    422: "Well-formed but invalid: a rule across fields or against stored data; `errors` names each field",
    428: "This write needs If-Match",
    429: "Rate limit reached: retry after the seconds in Retry-After (the RateLimit headers show the budget)",
    503: "A backing service is unavailable; retry shortly",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """A handler's ``responses=``: the problem+json answers it can give, so the schema tells the truth.

    Naming 400 here also replaces the validation-error shape Litestar documents by default, which
    this API never sends (every error is a ``Problem``). 429 is added everywhere: any request may
    meet a rate limit.
    """
    statuses = (*statuses, 429)
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=_MEANINGS[status],
            generate_examples=False,
        )
        for status in sorted(statuses)
    }


def _market_error(request: Request[Any, Any, Any], exc: MarketError) -> Response[Problem]:
    headers = {"WWW-Authenticate": 'Bearer realm="market"'} if exc.status == 401 else None
    problem = Problem(
        title=exc.title, status=exc.status, detail=exc.detail, instance=request.url.path, errors=exc.errors
    )
    return problem_response(problem, headers)


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
_MISSING_PARAM = re.compile(r"Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")


def _field_error(raw: dict[str, Any]) -> FieldError:
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
        message = _NUL_MESSAGE
    return FieldError(field=field, message=message)


def decode_error(exc: msgspec.ValidationError | msgspec.DecodeError) -> FieldError:
    """A msgspec error on a body decoded by hand (batch items), named like the API names them."""
    return _field_error({"message": str(exc)})


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    errors = [_field_error(e) for e in extra if isinstance(e, dict)]
    missing = _MISSING_PARAM.search(str(exc.detail))
    if not errors and missing:
        errors = [
            FieldError(
                field=missing.group("name"), message=f"the {missing.group('source')} parameter is required"
            )
        ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    problem = Problem(
        title="Invalid request", status=400, detail=detail, instance=request.url.path, errors=errors
    )
    return problem_response(problem)


def _client_error(request: Request[Any, Any, Any], exc: ClientException) -> Response[Problem]:
    """400s raised before validation: almost always a body that is not JSON."""
    if exc.status_code != 400:
        return _http_error(request, exc)
    detail = str(exc.detail)
    problem = Problem(
        title="Invalid request",
        status=400,
        detail=f"the body is not valid JSON: {detail}",
        instance=request.url.path,
        errors=[FieldError(field="body", message=f"send a JSON object ({detail})")],
    )
    return problem_response(problem)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    problem = Problem(
        title=_TITLES.get(exc.status_code, "Error"),
        status=exc.status_code,
        detail=str(exc.detail),
        instance=request.url.path,
    )
    return problem_response(problem, exc.headers)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error", path=request.url.path, method=request.method)
    problem = Problem(
        title="Internal server error",
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        detail="Something went wrong on our side; it has been logged.",
        instance=request.url.path,
    )
    return problem_response(problem)


# PostgreSQL away (stopped, restarting, unreachable) is a 503 the client may retry, not a 500.
_DATABASE_AWAY = (
    asyncpg.PostgresConnectionError,  # class 08, and a connection that died mid-query
    asyncpg.exceptions.AdminShutdownError,  # 57P01-57P03: the server is stopping or starting
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InternalClientError,  # a connection the server dropped, mid-operation
)


def _raised_in_asyncpg(exc: BaseException) -> bool:
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg."):
            return True
        tb = tb.tb_next
    return False


def _database_away(exc: BaseException | None) -> bool:
    """The connection to PostgreSQL is gone: this error, or the one it was raised while handling.

    An ``OSError`` counts when asyncpg raised it (connecting: refused, socket missing, timed out);
    an asyncpg ``InterfaceError`` counts when it follows a lost connection (leaving a transaction
    on it, say), and is a programming error otherwise.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, _DATABASE_AWAY) or (isinstance(exc, OSError) and _raised_in_asyncpg(exc)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if not _database_away(exc):
        return _unexpected_error(request, exc)
    log.warning("database unavailable", path=request.url.path, method=request.method, error=repr(exc))
    return _market_error(request, ServiceUnavailable("the database is unavailable right now; retry shortly"))


_NUL_MESSAGE = "text must not contain the NUL character (U+0000)"


def _text_not_storable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """PostgreSQL keeps no NUL in text or JSON. The schemas refuse it field by field; this catches
    a field that does not yet, as the client's error (422) rather than ours (500)."""
    log.warning("text with NUL reached the database", path=request.url.path, method=request.method)
    return _market_error(request, InvalidInput.field("body", _NUL_MESSAGE))


def too_deep(exc: RecursionError) -> bool:
    """msgspec refuses JSON nested deeper than the interpreter's recursion limit with this error."""
    return "deserializ" in str(exc)


def _nested_too_deeply(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Problem]:
    if not too_deep(exc):
        return _unexpected_error(request, exc)
    return _market_error(request, MalformedBody.nested())


def status_of(exc: BaseException) -> int:
    """The status the handlers here answer for ``exc``, found without answering (nothing logged):
    the access log sees an exception raised in a middleware before the app turns it into a
    response."""
    if isinstance(exc, MarketError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(
        exc,
        (asyncpg.exceptions.CharacterNotInRepertoireError, asyncpg.exceptions.UntranslatableCharacterError),
    ):
        return InvalidInput.status
    if isinstance(exc, RecursionError) and too_deep(exc):
        return MalformedBody.status
    if _database_away(exc):
        return ServiceUnavailable.status
    return HTTP_500_INTERNAL_SERVER_ERROR


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

exception_handlers: dict[Any, Any] = {
    MarketError: _market_error,
    ValidationException: _validation_error,
    ClientException: _client_error,
    HTTPException: _http_error,
    asyncpg.exceptions.CharacterNotInRepertoireError: _text_not_storable,  # NUL in text
    asyncpg.exceptions.UntranslatableCharacterError: _text_not_storable,  # NUL in JSON
    RecursionError: _nested_too_deeply,  # a body nested deeper than msgspec decodes
    **dict.fromkeys((*_DATABASE_AWAY, asyncpg.InterfaceError, OSError), _database_unavailable),
    Exception: _unexpected_error,
}
