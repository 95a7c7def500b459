"""Every error as RFC 9457 ``application/problem+json``: the one mapping, for handlers and middlewares.

One table titles each status; ``problem()`` builds the body for a status, a detail and the
fields at fault. The Litestar exception handlers answer with it (``problem_response``) for the
domain errors of ``market.errors``, Litestar's own errors, PostgreSQL going away and anything
unexpected; the ASGI middlewares that answer before any handler (rate limits, idempotency) send
the same body with ``send_problem``. ``problem_responses`` documents the answers in OpenAPI, and
``status_of`` tells the access log what a raised exception will answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Send

from market.errors import (
    NUL_MESSAGE,
    Conflict,
    InvalidInput,
    MalformedBody,
    MarketError,
    ServiceUnavailable,
    TooManyRequests,
    field_error,
    too_deep,
)
from schemas.common import FieldError, Problem

__all__ = [
    "PROBLEM_JSON",
    "TITLES",
    "exception_handlers",
    "problem",
    "problem_response",
    "problem_responses",
    "send_answer",
    "send_problem",
    "status_of",
]

# Named as before this mapping had a module of its own, so operators' log queries still find it.
log = structlog.get_logger(name="market.errors")
PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
"""The ``title`` of every problem, by status: the same words whoever answers."""

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


def problem(
    status: int, detail: str, *, errors: list[FieldError] | None = None, instance: str | None = None
) -> Problem:
    """The problem body for ``status``, titled from the one table."""
    return Problem(
        title=TITLES.get(status, "Error"), status=status, detail=detail, instance=instance, errors=errors
    )


def problem_response(body: Problem, headers: dict[str, str] | None = None) -> Response[Problem]:
    """A problem as the answer of an exception handler."""
    return Response(body, status_code=body.status, media_type=PROBLEM_JSON, headers=headers)


async def send_answer(
    send: Send, status: int, content_type: str, body: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """A whole answer sent by an ASGI middleware that refuses before any handler runs."""
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_problem(send: Send, body: Problem, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """A problem as the whole answer of an ASGI middleware that refuses before any handler runs."""
    await send_answer(send, body.status, PROBLEM_JSON, msgspec.json.encode(body), headers)


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
    body = problem(exc.status, exc.detail, errors=exc.errors, instance=request.url.path)
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Conflict):
        body = msgspec.structs.replace(body, current_status=exc.current_status, existing_id=exc.existing_id)
    return problem_response(body, headers)


_MISSING_PARAM = re.compile(r"Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    errors = [field_error(e) for e in extra if isinstance(e, dict)]
    missing = _MISSING_PARAM.search(str(exc.detail))
    if not errors and missing:
        errors = [
            FieldError(
                field=missing.group("name"), message=f"the {missing.group('source')} parameter is required"
            )
        ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return problem_response(problem(400, detail, errors=errors, instance=request.url.path))


def _client_error(request: Request[Any, Any, Any], exc: ClientException) -> Response[Problem]:
    """400s raised before validation: almost always a body that is not JSON."""
    if exc.status_code != 400:
        return _http_error(request, exc)
    detail = str(exc.detail)
    body = problem(
        400,
        f"the body is not valid JSON: {detail}",
        errors=[FieldError(field="body", message=f"send a JSON object ({detail})")],
        instance=request.url.path,
    )
    return problem_response(body)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    body = problem(exc.status_code, str(exc.detail), instance=request.url.path)
    return problem_response(body, exc.headers)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error", path=request.url.path, method=request.method)
    body = problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; it has been logged.",
        instance=request.url.path,
    )
    return problem_response(body)


# PostgreSQL away (stopped, restarting, unreachable) is a 503 the client may retry, not a 500.
_DATABASE_AWAY = (
    asyncpg.PostgresConnectionError,  # class 08, and a connection that died mid-query
    asyncpg.exceptions.AdminShutdownError,  # 57P01-57P03: the server is stopping or starting
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InternalClientError,  # a connection the server dropped, mid-operation
)
# PostgreSQL keeps no NUL in text (the first) or JSON (the second).
_TEXT_NOT_STORABLE = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
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


def _text_not_storable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """The schemas refuse NUL field by field; this catches a field that does not yet, as the
    client's error (422) rather than ours (500)."""
    log.warning("text with NUL reached the database", path=request.url.path, method=request.method)
    return _market_error(request, InvalidInput.field("body", NUL_MESSAGE))


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
    if isinstance(exc, _TEXT_NOT_STORABLE):
        return InvalidInput.status
    if isinstance(exc, RecursionError) and too_deep(exc):
        return MalformedBody.status
    if _database_away(exc):
        return ServiceUnavailable.status
    return HTTP_500_INTERNAL_SERVER_ERROR


exception_handlers: dict[Any, Any] = {
    MarketError: _market_error,
    ValidationException: _validation_error,
    ClientException: _client_error,
    HTTPException: _http_error,
    **dict.fromkeys(_TEXT_NOT_STORABLE, _text_not_storable),
    RecursionError: _nested_too_deeply,  # a body nested deeper than msgspec decodes
    **dict.fromkeys((*_DATABASE_AWAY, asyncpg.InterfaceError, OSError), _database_unavailable),
    Exception: _unexpected_error,
}
