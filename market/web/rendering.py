"""Rendering a page: the Jinja environment, the context every page gets, and its headers.

Autoescape is on for every template, undefined names are errors, and every string a person reads
goes through ``_()`` (``market.web.i18n``). A page never inlines script or style, so the Content
Security Policy allows ``'self'`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote_plus, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from litestar import Request
from litestar.datastructures import Cookie
from litestar.plugins.htmx import HTMXTemplate
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from market.access import caller_of
from market.web import i18n, labels
from market.web.assets import HTMX_PATH, SCRIPT_PATH, STYLE_PATH
from schemas.filters import FILTER_NAMES

__all__ = ["CSP", "PAGE_PARAMETERS", "SECURITY_HEADERS", "links_with", "page", "template_config", "url_with"]

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
"""Nothing from another origin, no inline script or style, never framed."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("market.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        LANGUAGES=i18n.LANGUAGES, HTMX_PATH=HTMX_PATH, SCRIPT_PATH=SCRIPT_PATH, STYLE_PATH=STYLE_PATH
    )
    env.filters.update(
        number=pass_context(
            lambda ctx, value, digits=2: i18n.format_number(value, ctx["lang"], digits=digits)
        ),
        money=pass_context(lambda ctx, m: i18n.format_money(m.amount, m.currency, ctx["lang"])),
        when=pass_context(lambda ctx, value: i18n.format_when(value, ctx["lang"])),
        country=pass_context(lambda ctx, code: i18n.country_name(code, ctx["lang"])),
        place=pass_context(lambda ctx, location: labels.place_label(location, ctx["lang"])),
    )
    return env


ENVIRONMENT = _environment()


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENVIRONMENT))


PAGE_PARAMETERS = frozenset(
    {*FILTER_NAMES, "sort", "offset", "lang", "from", "to", "mode", "status", "tab", "side"}
)
"""The query parameters some page reads. Links carry these only: a URL full of others would
otherwise be copied into every link of the page (a 33 KB query made a 1.1 MB search page)."""


def _query_with(request: Request[Any, Any, Any], dropped: Iterable[str], changes: dict[str, Any]) -> str:
    """The query string with ``dropped`` and the changed parameters taken out, then the changes
    that set a value put in (None or "" removes one). Parameters no page reads are left out."""
    gone = {*dropped, *changes}
    params = {k: v for k, v in request.query_params.items() if k in PAGE_PARAMETERS and k not in gone}
    params.update({k: v for k, v in changes.items() if v is not None and v != ""})
    return urlencode(params)


def url_with(request: Request[Any, Any, Any], **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    query = _query_with(request, (), changes)
    return f"{request.url.path}?{query}" if query else request.url.path


def links_with(
    request: Request[Any, Any, Any], name: str, values: Iterable[str], **changes: Any
) -> dict[str, str]:
    """``url_with(request, name=value, **changes)`` for each value, the rest of the URL encoded once
    (a search page links every facet value: about fifty links)."""
    rest = _query_with(request, (name,), changes)
    head = f"{request.url.path}?{rest}&" if rest else f"{request.url.path}?"
    return {value: f"{head}{quote_plus(name)}={quote_plus(str(value))}" for value in values}


def page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> HTMXTemplate:
    """A page (or, for an htmx request, the fragment it asks for) in the request's language."""
    lang = request_language(request)
    caller = caller_of(request.scope)
    response = HTMXTemplate(
        template_name=template,
        status_code=status_code,
        context={
            "lang": lang,
            "signed_in": caller.organization_id is not None,
            "caller": caller,
            "language_links": {code: url_with(request, lang=code) for code in i18n.LANGUAGES},
            **labels.vocabulary(lang),
            **context,
        },
        headers=dict(SECURITY_HEADERS),
    )
    if request.query_params.get("lang") in i18n.LANGUAGES:  # chosen in the switcher: kept
        response.cookies.append(
            Cookie(
                key=i18n.LANGUAGE_COOKIE,
                value=lang,
                max_age=365 * 86400,
                path="/",
                samesite="lax",
                secure=request.url.scheme == "https",
                httponly=True,
            )
        )
    return response


def request_language(request: Request[Any, Any, Any]) -> str:
    return i18n.language_of(request.query_params, request.cookies, request.headers.get("accept-language"))
