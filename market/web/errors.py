"""Errors on web pages: the same mapping as the API (``market.problems``), shown as a page.

Each of the API's exception handlers is wrapped once: on the API's paths its problem+json goes
out unchanged; on a page's path the same status and headers (``Retry-After``...) come with a
page in the reader's language that says what happened and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.types import Scope, Send

from market.access import uses_sessions
from market.auth import ANONYMOUS
from market.problems import send_answer
from market.web.i18n import LANGUAGES
from market.web.labels import N_, vocabulary
from market.web.rendering import ENVIRONMENT, SECURITY_HEADERS, page, request_language, url_with

__all__ = ["ERROR_TEXTS", "page_exception_handlers", "send_page"]

ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: (N_("That request was not understood"), N_("Check the address or the form, and try again.")),
    401: (N_("Please sign in"), N_("This page needs your organization's API key.")),
    403: (
        N_("Not allowed"),
        N_("Your key may not do this, or the form was open too long: reload the page and try again."),
    ),
    404: (N_("Not found"), N_("There is no such page, or the listing is not public.")),
    409: (N_("Conflict"), N_("Someone changed this in the meantime: reload the page.")),
    422: (N_("Please check the form"), N_("Some of what was entered breaks a rule.")),
    429: (N_("Too many requests"), N_("Wait a little and try again.")),
    503: (
        N_("Temporarily unavailable"),
        N_("A service market needs is away right now. Please try again in a minute."),
    ),
}
_OTHER = (N_("Something went wrong"), N_("It has been logged; please try again later."))

Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def _as_page(handler: Handler) -> Handler:
    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        answer = handler(request, exc)
        if not uses_sessions(request.url.path):
            return answer
        status = answer.status_code or 500
        title, advice = ERROR_TEXTS.get(status, _OTHER)
        detail = getattr(answer.content, "detail", None)
        response = page(request, "error.html", status_code=status, title=title, advice=advice, detail=detail)
        for name, value in answer.headers.items():  # Retry-After, Allow, WWW-Authenticate...
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response  # type: ignore[return-value]

    return handle


async def send_page(
    scope: Scope, send: Send, status: int, detail: str | None, headers: list[tuple[bytes, bytes]]
) -> None:
    """An error page as the whole answer of a middleware that refuses before routing (a 429)."""
    request: Request[Any, Any, Any] = Request(scope)
    lang = request_language(request)
    title, advice = ERROR_TEXTS.get(status, _OTHER)
    html = (
        ENVIRONMENT.get_template("error.html")
        .render(
            lang=lang,
            signed_in=False,
            caller=ANONYMOUS,
            language_links={code: url_with(request, lang=code) for code in LANGUAGES},
            request=request,
            csrf_token=lambda: "",
            title=title,
            advice=advice,
            detail=detail,
            **vocabulary(lang),
        )
        .encode()
    )
    security = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
    await send_answer(send, status, "text/html; charset=utf-8", html, [*security, *headers])


def page_exception_handlers(api_handlers: dict[Any, Handler]) -> dict[Any, Handler]:
    """The API's exception handlers, each answering a page on the web's paths."""
    return {exc: _as_page(handler) for exc, handler in api_handlers.items()}
